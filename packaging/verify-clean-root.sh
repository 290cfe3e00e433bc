#!/usr/bin/env bash
# A package on a clean Debian 12: a root made by mmdebstrap from Debian's own packages (no
# Rust, no checkout, no ../shared), Prism put in it, then `prism --version`, `prism lineup`,
# and the window on a virtual display with the demo playing, photographed.
#   deb: the .deb installed by apt, which pulls in what it Depends on.
#   appdir: the AppDir copied in, in a root with no GStreamer at all (only a display and the
#   host's Vulkan, which an AppImage leaves to the host).
# Usage: verify-clean-root.sh deb PRISM.deb OUT-DIR | appdir PRISM.AppDir OUT-DIR (as root).
set -euo pipefail
kind=$1
pkg=$(realpath "$2")
out=$(realpath -m "$3")
mkdir -p "$out"
say() { printf '\033[1m[package]\033[0m %s\n' "$*" >&2; }
die() { printf '[package] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "the clean root needs root (mmdebstrap, chroot, mounts)"

root=$(mktemp -d /tmp/prism-clean-root.XXXXXX)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT

# xvfb and xauth are this check's (a desktop has a display), not the package's; the AppDir
# also takes the host's Vulkan loader and drivers.
include=xvfb,xauth
[ "$kind" = appdir ] && include=$include,libvulkan1,mesa-vulkan-drivers
say "making a clean Debian 12 root with mmdebstrap (Debian packages only: $include)"
mmdebstrap --quiet --variant=apt --include="$include" bookworm "$root" > "$out/mmdebstrap.log" 2>&1 \
  || { tail -20 "$out/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$root/$m"
  mounted+=("$root/$m")
done
for tool in cargo rustc git; do
  ! chroot "$root" sh -c "command -v $tool" >/dev/null || die "the clean root has $tool"
done

case $kind in
  deb)
    cp "$pkg" "$root/tmp/prism.deb"
    say "installing $(basename "$pkg") with apt in the clean root"
    # mmdebstrap leaves no package lists behind; the root reaches the mirror as the host does.
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" apt-get update -q > "$out/apt-update.log" 2>&1 || { tail -20 "$out/apt-update.log" >&2; die "apt-get update failed in the clean root"; }
    t0=$(date +%s.%N)
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      /tmp/prism.deb > "$out/install.log" 2>&1 || { tail -30 "$out/install.log" >&2; die "apt could not install the package"; }
    chroot "$root" dpkg-query -W -f='${Installed-Size}\n' prism > "$out/installed-size-kb"
    prism=prism
    ;;
  appdir)
    ! chroot "$root" dpkg-query -W 'libgstreamer*' 'gstreamer1.0*' > "$out/gstreamer-in-root.txt" 2>/dev/null \
      || die "the clean root has GStreamer: $(cat "$out/gstreamer-in-root.txt")"
    t0=$(date +%s.%N)
    cp -a "$pkg" "$root/opt/Prism.AppDir"
    du -sk "$pkg" | cut -f1 > "$out/installed-size-kb"
    prism=/opt/Prism.AppDir/AppRun
    ;;
  *) die "deb or appdir, not $kind" ;;
esac
t1=$(date +%s.%N)

say "prism --version, prism lineup"
chroot "$root" $prism --version | tee "$out/version.txt"
chroot "$root" env HOME=/root $prism lineup > "$out/lineup.txt" 2>&1 || { cat "$out/lineup.txt" >&2; die "prism lineup failed"; }
grep -q "Prism News" "$out/lineup.txt" || die "prism lineup has no demo channels: $(head -5 "$out/lineup.txt")"

say "the window on a virtual display, the demo playing"
t2=$(date +%s.%N)
chroot "$root" env HOME=/root PRISM_AUDIO=null PRISM_NO_WELCOME=1 \
  PRISM_SCRIPT="playing; shot /tmp/first-picture.png; wait 3; shot /tmp/window.png; quit" \
  RUST_LOG=warn xvfb-run -a -s "-screen 0 1280x720x24" $prism > "$out/window.log" 2>&1 \
  || { tail -30 "$out/window.log" >&2; die "the window did not run"; }
for shot in first-picture window; do
  [ -s "$root/tmp/$shot.png" ] || die "no screenshot $shot.png: $(tail -5 "$out/window.log")"
  cp "$root/tmp/$shot.png" "$out/"
done
first=$(stat -c %Y "$root/tmp/first-picture.png")
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
{
  echo "install ($kind): $(secs "$t1" "$t0") s"
  echo "launch to first picture: $(secs "$first" "$t2") s (whole seconds)"
  echo "install start to first picture: $(secs "$first" "$t0") s"
  if [ "$kind" = deb ]; then echo "package: $(stat -c %s "$pkg") bytes"; fi
  echo "installed size: $(cat "$out/installed-size-kb") KiB"
} | tee "$out/figures.txt"
# A black or blank window compresses to a few KB; the demo's picture does not.
size=$(stat -c %s "$out/window.png")
[ "$size" -gt 40000 ] || die "the window screenshot is nearly empty ($size bytes): look at $out/window.png"
say "the $kind works on a clean Debian 12: $out"
