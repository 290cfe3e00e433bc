#!/usr/bin/env bash
# Prism as an AppDir (the AppImage layout) that runs where GStreamer is not installed: the
# binary and its voice workers, the data, fonts, the GStreamer plugins a TV needs with their
# scanner, and every library they load, save the host's C library and graphics stack (as
# AppImages do: the GPU driver must be the host's). AppRun points GStreamer, fontconfig and
# Prism at what is inside. Turning the folder into one .AppImage file needs appimagetool and
# its runtime, which are downloads (no Debian package has them): see the README.
# Usage: make-appdir.sh BUILD-DIR GENERATED-DIR OUT-APPDIR (run from the checkout).
set -euo pipefail
build=$(realpath "$1")
gen=$(realpath "$2")
app=$(realpath -m "$3")
say() { printf '\033[1m[appdir]\033[0m %s\n' "$*" >&2; }
die() { printf '[appdir] error: %s\n' "$*" >&2; exit 1; }

arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
sysgst=/usr/lib/$arch/gstreamer-1.0
scanner=/usr/lib/$arch/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner
[ -x "$scanner" ] || die "no gst-plugin-scanner at $scanner (libgstreamer1.0-0)"

# What a TV needs, by plugin: the player (playbin3, HTTP, HLS, MPEG-TS, parsers, decoders,
# subtitles and captions, deinterlacing, the level meter), the demo channels (test sources,
# text and clock overlays, x264), recording (Matroska, MPEG-TS), the broadcast (audiomixer,
# x264, FLV, RTMP), radio formats and sound output. Everything else GStreamer has stays out:
# all of plugins-bad and libav's filters would triple the size for nothing Prism plays.
plugins=(
  coreelements app playback typefindfunctions autodetect
  audioconvert audioresample audiotestsrc audiomixer volume level interleave
  videoconvertscale videorate videotestsrc deinterlace overlaycomposition pango
  soup adaptivedemux2 hls mpegtsdemux mpegtsmux videoparsersbad audioparsers
  isomp4 matroska flv multifile id3demux icydemux apetag wavparse png
  subparse closedcaption dvbsuboverlay dvdspu
  libav x264 mpg123 ogg vorbis opus opusparse
  udp rtp rtpmanager tcp rtmp2
  pulseaudio alsa
)

rm -rf "$app"
mkdir -p "$app/usr/bin" "$app/usr/lib/prism" "$app/usr/lib/gstreamer-1.0" \
  "$app/usr/libexec/gstreamer-1.0" "$app/usr/lib/gio/modules" "$app/usr/share/prism" \
  "$app/usr/share/fonts/truetype" "$app/etc/fonts"

say "Prism, its workers and its data"
install -m755 "$build/prism" "$app/usr/bin/prism"
install -m755 "$build/prism-stt" "$build/prism-llm" "$app/usr/lib/prism/"
strip --strip-unneeded "$app/usr/bin/prism" "$app/usr/lib/prism/"*
cp -r locales "$app/usr/share/prism/"
mkdir -p "$app/usr/share/prism/assets"
cp assets/README.md "$app/usr/share/prism/assets/"
mkdir -p "$app/usr/share/icons" "$app/usr/share/applications" "$app/usr/share/metainfo"
cp -r "$gen/hicolor" "$app/usr/share/icons/"
cp packaging/prism.desktop "$app/usr/share/applications/"
cp packaging/prism.desktop "$app/prism.desktop"
cp packaging/tv.prism.Prism.metainfo.xml "$app/usr/share/metainfo/"
cp "$gen/hicolor/256x256/apps/prism.png" "$app/prism.png"
ln -s prism.png "$app/.DirIcon"
for f in LICENSE-MIT LICENSE-APACHE; do [ -f "$f" ] && cp "$f" "$app/usr/share/prism/"; done

say "fonts: the UI's chain and what the demo's captions use"
for d in dejavu droid nanum; do
  [ -d "/usr/share/fonts/truetype/$d" ] || die "/usr/share/fonts/truetype/$d missing (./x installs the fonts)"
  cp -r "/usr/share/fonts/truetype/$d" "$app/usr/share/fonts/truetype/"
done
# Relative <dir> and <cachedir> are read against the config file's folder (fontconfig ≥ 2.13
# takes prefix="relative"), so the AppDir can move.
cat > "$app/etc/fonts/fonts.conf" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir prefix="relative">../../usr/share/fonts</dir>
  <dir>/usr/share/fonts</dir>
  <cachedir prefix="xdg">fontconfig</cachedir>
</fontconfig>
EOF

say "GStreamer: ${#plugins[@]} plugins and the scanner"
for p in "${plugins[@]}"; do
  [ -f "$sysgst/libgst$p.so" ] || die "plugin $p missing from $sysgst (install its gstreamer1.0 package)"
  cp "$sysgst/libgst$p.so" "$app/usr/lib/gstreamer-1.0/"
done
cp "$scanner" "$app/usr/libexec/gstreamer-1.0/"
# Loaded at run time, so no ldd sees them: libsoup (souphttpsrc and hlsdemux2 dlopen it),
# glib's TLS module (https streams), and what winit opens beside Xlib and xcb (which are the
# host's, with its display server): Xcursor, XInput and xkbcommon.
extra=(/usr/lib/"$arch"/libsoup-3.0.so.0 /usr/lib/"$arch"/libXcursor.so.1 /usr/lib/"$arch"/libXi.so.6
  /usr/lib/"$arch"/libxkbcommon.so.0 /usr/lib/"$arch"/libxkbcommon-x11.so.0)
cp /usr/lib/"$arch"/gio/modules/libgiognutls.so "$app/usr/lib/gio/modules/"
for f in "${extra[@]}"; do [ -e "$f" ] || die "$f missing"; done

# Every library those load, by name, save the host's own: the C library and loader, the GPU
# stack (Vulkan, GL, DRM) and the display libraries, which must match the host's drivers and
# server (the AppImage project's exclude list says the same). The xcb extension libraries are
# thin protocol wrappers a bare X host may lack (xkbcommon-x11 needs xcb-xkb): they go in.
host_only='^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl|libGL|libGLX|libEGL|libGLdispatch|libOpenGL|libvulkan|libdrm|libgbm|libX11|libX11-xcb|libxcb|libwayland-.*)\.so'
bins=("$app/usr/bin/prism" "$app/usr/lib/prism/"* "$app/usr/lib/gstreamer-1.0/"*.so
  "$app/usr/libexec/gstreamer-1.0/gst-plugin-scanner" "$app/usr/lib/gio/modules/"*.so "${extra[@]}")
declare -A seen=()
queue=("${bins[@]}")
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}
  queue=("${queue[@]:1}")
  while read -r name path; do
    [ -n "$path" ] || continue
    [[ "$name" =~ $host_only ]] && continue
    [ -n "${seen[$name]:-}" ] && continue
    seen[$name]=1
    cp -L "$path" "$app/usr/lib/$name"
    queue+=("$path")
  done < <(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
done
for f in "${extra[@]}"; do cp -L "$f" "$app/usr/lib/"; done
missing=$(for f in "${bins[@]}"; do LD_LIBRARY_PATH="$app/usr/lib" ldd "$f" 2>/dev/null; done | grep "not found" | sort -u || true)
[ -z "$missing" ] || die "libraries not found: $missing"

cat > "$app/AppRun" <<'EOF'
#!/bin/sh
# Prism from its AppDir: GStreamer, fontconfig and Prism look inside it first.
HERE=$(dirname "$(readlink -f "$0")")
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/prism
mkdir -p "$cache" 2>/dev/null
export LD_LIBRARY_PATH="$HERE/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GST_PLUGIN_SYSTEM_PATH_1_0="$HERE/usr/lib/gstreamer-1.0"
export GST_PLUGIN_PATH_1_0=
export GST_PLUGIN_SCANNER_1_0="$HERE/usr/libexec/gstreamer-1.0/gst-plugin-scanner"
# The plugins are ours, not the system's: their registry too.
export GST_REGISTRY_1_0="$cache/gstreamer-appdir-registry.bin"
export GIO_MODULE_DIR="$HERE/usr/lib/gio/modules"
export FONTCONFIG_FILE="$HERE/etc/fonts/fonts.conf"
export PRISM_DATA_DIR="$HERE/usr/share/prism"
export PRISM_FONTS_DIR="$HERE/usr/share/fonts/truetype"
exec "$HERE/usr/bin/prism" "$@"
EOF
chmod 755 "$app/AppRun"
echo "$(du -sb "$app" | cut -f1) bytes, $(ls "$app/usr/lib" | grep -c '\.so') libraries, ${#plugins[@]} plugins" > "$app.figures.txt"
say "made $app"
