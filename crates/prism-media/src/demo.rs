//! The offline demo channels: for each of `prism_core::demo::CHANNELS`, a distinct test pattern
//! and tone with the channel's number and name and a running clock burned in, encoded once with
//! x264 + AAC into 2-second HLS segments and cached on disk. The demo server (`server.rs`)
//! plays them out as endless live streams; on a first run it encodes them in the background
//! ([`encode_channel`], one at a time, reporting each segment as it is written) and puts each
//! on the air as soon as its first few segments exist.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;

use crate::{MediaError, require};

/// Bump when the encoding changes, so caches are rebuilt.
pub const VERSION: u32 = 7;
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 720;
const FPS: u32 = 25;
/// Length of each channel's loop.
const LOOP_SECONDS: u32 = 30;
/// Length of each HLS segment (a keyframe starts each).
const SEGMENT_SECONDS: u32 = 2;

/// A demo channel's cached segments, in order.
#[derive(Debug, Clone)]
pub struct DemoStream {
    pub id: &'static str,
    pub segments: Vec<Segment>,
    /// The segments of its second soundtrack (`prism_core::demo::dub`), audio only, on the
    /// same clock as `segments`; empty for a channel with one.
    pub dub: Vec<Segment>,
    /// The segments of its smaller variants (`prism_core::demo::variants`), same clock, same
    /// keyframes; empty for a channel with one picture.
    pub variants: Vec<Vec<Segment>>,
    /// A 160×90 PNG logo: the channel's pattern with its number.
    pub logo: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub path: PathBuf,
    pub duration: Duration,
}

/// Pattern (videotestsrc), tone (audiotestsrc wave, Hz) per channel, in CHANNELS order.
const LOOKS: &[(&str, &str, u32)] = &[
    ("smpte", "sine", 440),
    ("ball", "sine", 523),
    ("pinwheel", "ticks", 660),
    ("smpte-rp-219", "sine", 330),
    ("colors", "sine", 587),
    ("gradient", "sine", 392),
];

/// Makes sure every demo channel is encoded under `cache_dir`, encoding the missing ones
/// (a few seconds each on two cores), and returns them.
pub fn ensure_streams(cache_dir: &Path) -> Result<Vec<DemoStream>, MediaError> {
    crate::init()?;
    let never = AtomicBool::new(false);
    (0..prism_core::demo::CHANNELS.len())
        .map(|i| match cached_stream(cache_dir, i)? {
            Some(s) => Ok(s),
            None => encode_channel(cache_dir, i, &mut |_| {}, &never),
        })
        .collect()
}

/// Demo channel `i` as cached under `cache_dir`, if it was encoded before (making its logo
/// when that is all it lacks); `None` when it must be encoded.
pub fn cached_stream(cache_dir: &Path, i: usize) -> Result<Option<DemoStream>, MediaError> {
    let ch = &prism_core::demo::CHANNELS[i];
    let dir = channel_dir(cache_dir, ch.id);
    if !dir.join("complete").exists() {
        return Ok(None);
    }
    Ok(Some(DemoStream {
        id: ch.id,
        segments: read_segments(&dir)?,
        dub: read_dub(&dir, ch.id)?,
        variants: read_variants(&dir, ch.id)?,
        logo: ensure_logo(cache_dir, i)?,
    }))
}

/// Demo channel `i`'s logo, made (one frame, a few milliseconds) when missing.
pub fn ensure_logo(cache_dir: &Path, i: usize) -> Result<PathBuf, MediaError> {
    crate::init()?;
    let ch = &prism_core::demo::CHANNELS[i];
    let dir = channel_dir(cache_dir, ch.id);
    let logo = dir.join("logo.png");
    if !logo.exists() {
        fs::create_dir_all(&dir)?;
        make_logo(&logo, ch.number, LOOKS[i % LOOKS.len()].0)?;
    }
    Ok(logo)
}

/// Removes what encodes that died with their process left behind (`ID.tmp-PID-I`): an encode
/// cleans up after itself, a crash or a kill cannot. Channels of an older encoding
/// (`demo-vN`, N < [`VERSION`]) go too: nothing reads them again.
pub fn remove_stale_encodes(cache_dir: &Path) {
    if let Ok(entries) = fs::read_dir(cache_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name
                .strip_prefix("demo-v")
                .and_then(|v| v.parse::<u32>().ok())
                .is_some_and(|v| v < VERSION)
            {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    let Ok(entries) = fs::read_dir(cache_dir.join(format!("demo-v{VERSION}"))) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .split_once(".tmp-")
            .and_then(|(_, rest)| rest.split('-').next()?.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

fn channel_dir(cache_dir: &Path, id: &str) -> PathBuf {
    cache_dir.join(format!("demo-v{VERSION}")).join(id)
}

/// Encodes demo channel `i` into the cache and returns it. While it runs, `written` is handed
/// the segments finished so far (each call a longer list, about every 2 s of video), so a
/// server can put the channel on the air before the loop is whole. Setting `stop` abandons the
/// encode (an error; nothing is left in the cache).
pub fn encode_channel(
    cache_dir: &Path,
    i: usize,
    written: &mut dyn FnMut(&[Segment]),
    stop: &AtomicBool,
) -> Result<DemoStream, MediaError> {
    crate::init()?;
    for (element, package) in [
        ("x264enc", "gstreamer1.0-plugins-ugly"),
        ("avenc_aac", "gstreamer1.0-libav"),
        ("hlssink2", "gstreamer1.0-plugins-bad"),
        ("textoverlay", "gstreamer1.0-x"),
    ] {
        require(element, package)?;
    }
    let ch = &prism_core::demo::CHANNELS[i];
    let dir = channel_dir(cache_dir, ch.id);
    let root = dir.parent().expect("a channel dir has a parent");
    // Encode beside, then rename: a crash or a concurrent run never leaves half a channel.
    let tmp = root.join(format!("{}.tmp-{}-{i}", ch.id, std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    let result = (|| {
        let (pattern, wave, freq) = LOOKS[i % LOOKS.len()];
        // The sports channel's crowd roars when the goal goes in (its captions say so).
        let wav = (ch.id == "sports.prism.demo").then(|| tmp.join("match.wav"));
        if let Some(wav) = &wav {
            write_match_audio(wav, freq)?;
        }
        // hlssink2 lists a segment once its file is closed, so what the playlist names is
        // whole; in 1.22 it posts no message per segment, so the playlist is what we watch.
        let mut seen = 0;
        let mut tick = || {
            if let Ok(segments) = read_segments(&tmp)
                && segments.len() > seen
            {
                seen = segments.len();
                written(&segments);
            }
        };
        encode(
            &tmp,
            ch,
            pattern,
            wave,
            freq,
            wav.as_deref(),
            &mut tick,
            stop,
        )?;
        if let Some(wav) = &wav {
            fs::remove_file(wav)?;
        }
        fs::write(tmp.join("complete"), b"")?;
        Ok::<_, MediaError>(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // A logo made while the channel was encoding moves in with it.
    let logo = dir.join("logo.png");
    if logo.exists() {
        let _ = fs::rename(&logo, tmp.join("logo.png"));
    }
    if fs::rename(&tmp, &dir).is_err() {
        // Another process finished first (or a stale dir is in the way).
        if !dir.join("complete").exists() {
            let _ = fs::remove_dir_all(&dir);
            fs::rename(&tmp, &dir)?;
        } else {
            let _ = fs::remove_dir_all(&tmp);
        }
    }
    Ok(DemoStream {
        id: ch.id,
        segments: read_segments(&dir)?,
        dub: read_dub(&dir, ch.id)?,
        variants: read_variants(&dir, ch.id)?,
        logo: ensure_logo(cache_dir, i)?,
    })
}

fn encode(
    dir: &Path,
    ch: &prism_core::demo::DemoChannel,
    pattern: &str,
    wave: &str,
    freq: u32,
    wav: Option<&Path>,
    tick: &mut dyn FnMut(),
    stop: &AtomicBool,
) -> Result<(), MediaError> {
    let (id, number, name) = (ch.id, ch.number, ch.name);
    let frames = FPS * LOOP_SECONDS;
    // 960 samples = 20 ms at 48 kHz, so audio ends exactly with the video.
    let audio_buffers = LOOP_SECONDS * 50;
    let audio = match wav {
        Some(wav) => format!("filesrc location=\"{}\" ! wavparse", wav.display()),
        None => format!(
            "audiotestsrc wave={wave} freq={freq} {ticks} volume=0.2 samplesperbuffer=960 \
             num-buffers={audio_buffers}",
            // The music channel's ticks are its beat: 120 BPM, for Lumen to move to.
            ticks = if wave == "ticks" {
                "tick-interval=500000000"
            } else {
                ""
            },
        ),
    };
    let seg = dir.join("seg%05d.ts");
    let list = dir.join("index.m3u8");
    // Smaller variants from the same frames, keyframe for keyframe (no scene cuts: every
    // variant's segments must start together for the player to switch between them).
    let mut variants = String::new();
    for (n, v) in prism_core::demo::variants(id).iter().enumerate() {
        let d = dir.join(format!("v{}", n + 1));
        fs::create_dir_all(&d)?;
        let _ = write!(
            variants,
            " vt. ! queue ! videoscale ! video/x-raw,width={w},height={h} \
              ! x264enc speed-preset=ultrafast tune=zerolatency key-int-max={gop} \
                bitrate={kbps} option-string=scenecut=0 ! h264parse ! queue ! v{n}.video \
              at. ! queue ! v{n}.audio \
              hlssink2 name=v{n} target-duration={SEGMENT_SECONDS} playlist-length=0 \
                max-files=0 location=\"{seg}\" playlist-location=\"{list}\"",
            w = v.width,
            h = v.height,
            kbps = v.kbps,
            n = n + 1,
            gop = FPS * SEGMENT_SECONDS,
            seg = d.join("seg%05d.ts").display(),
            list = d.join("index.m3u8").display(),
        );
    }
    // A second soundtrack is encoded beside the first, in the same pipeline, so both
    // muxers start on the same clock and the player lines them up by their timestamps.
    let dub = match prism_core::demo::dub(id) {
        Some((_, dub_freq)) => {
            let d = dir.join("dub");
            fs::create_dir_all(&d)?;
            format!(
                " audiotestsrc wave=sine freq={dub_freq} volume=0.1 samplesperbuffer=960 \
                   num-buffers={audio_buffers} ! audioconvert ! audio/x-raw,rate=48000,channels=2 \
                   ! avenc_aac bitrate=96000 ! aacparse ! queue ! dub.audio \
                 hlssink2 name=dub target-duration={SEGMENT_SECONDS} playlist-length=0 max-files=0 \
                   location=\"{}\" playlist-location=\"{}\"",
                d.join("seg%05d.ts").display(),
                d.join("index.m3u8").display()
            )
        }
        None => String::new(),
    };
    // I420 from the source on: left to itself videotestsrc offers 64-bit RGBA, and the
    // overlays and the conversion cost more than the encoder. The queue lets the overlays and
    // x264 use a core each; ultrafast is plenty for test patterns and makes a channel's first
    // 6 s in well under a second, the whole loop in about 4 s on two cores (veryfast: 9 s).
    let desc = format!(
        "videotestsrc pattern={pattern} num-buffers={frames} \
           ! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},framerate={FPS}/1 \
           ! textoverlay text=\"{number}  {name}\" font-desc=\"DejaVu Sans Bold 44\" \
             valignment=top halignment=left shaded-background=true \
           ! timeoverlay font-desc=\"DejaVu Sans Mono Bold 40\" valignment=bottom \
             halignment=right shaded-background=true \
           ! videoconvert ! video/x-raw,format=I420 ! tee name=vt vt. ! queue \
           ! x264enc name=enc speed-preset=ultrafast tune=zerolatency key-int-max={gop} bitrate=2500 \
             option-string=scenecut=0 \
           ! h264parse ! queue ! hls.video \
         {audio} ! audioconvert ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=128000 \
           ! aacparse ! tee name=at at. ! queue ! hls.audio {variants} \
         hlssink2 name=hls target-duration={SEGMENT_SECONDS} playlist-length=0 max-files=0 \
           location=\"{seg}\" playlist-location=\"{list}\"{dub}",
        gop = FPS * SEGMENT_SECONDS,
        seg = seg.display(),
        list = list.display(),
    );
    let cc = (prism_core::demo::carriage(id) == prism_core::demo::Carriage::Cea608)
        .then(|| closed_captions(id));
    let what = format!("encoding {name}");
    run_to_end_with(&desc, &what, 600, tick, stop, |pipeline| {
        let Some(cc) = cc else { return };
        let Some(pad) = pipeline
            .downcast_ref::<gst::Bin>()
            .and_then(|b| b.by_name("enc"))
            .and_then(|enc| enc.static_pad("sink"))
        else {
            return;
        };
        // x264enc writes each frame's caption meta into its SEI (ATSC A/53), as broadcasters do.
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data
                && let Some(pts) = buffer.pts()
            {
                let frame = (pts.nseconds() * u64::from(FPS) + 500_000_000) / 1_000_000_000;
                if let Some(Some(p)) = cc.get(frame as usize % cc.len()) {
                    // cc_data: marker bits, valid, type 0 (608 field 1), then the pair.
                    gst_video::VideoCaptionMeta::add(
                        buffer.make_mut(),
                        gst_video::VideoCaptionType::Cea708Raw,
                        &[0xFC, p[0], p[1]],
                    );
                }
            }
            gst::PadProbeReturn::Ok
        });
    })
}

/// The channel's caption script as CEA-608 pop-on pairs, one per frame of the loop.
fn closed_captions(id: &str) -> Vec<Option<[u8; 2]>> {
    let frame = |t: f64| (t * f64::from(FPS)).round() as usize;
    let cues: Vec<_> = prism_core::demo::captions(id)
        .iter()
        .map(|c| prism_core::cea608::TimedCaption {
            start: frame(c.start),
            end: frame(c.end),
            text: c.text,
        })
        .collect();
    prism_core::cea608::encode_pop_on(&cues, (FPS * LOOP_SECONDS) as usize)
}

/// The sports channel's sound: the stadium's hum (a quiet tone) and, from
/// [`prism_core::demo::SPORTS_GOAL_AT`], a crowd's roar (band-passed noise, swelling in 0.2 s,
/// holding, fading over three seconds), as 16-bit stereo WAV of exactly one loop.
fn write_match_audio(path: &Path, freq: u32) -> Result<(), MediaError> {
    const RATE: u32 = 48_000;
    let n = (RATE * LOOP_SECONDS) as usize;
    let goal = prism_core::demo::SPORTS_GOAL_AT;
    let mut data = Vec::with_capacity(n * 4 + 44);
    let header = |data: &mut Vec<u8>| {
        let bytes = (n * 4) as u32;
        data.extend_from_slice(b"RIFF");
        data.extend_from_slice(&(36 + bytes).to_le_bytes());
        data.extend_from_slice(b"WAVEfmt ");
        data.extend_from_slice(&16u32.to_le_bytes());
        data.extend_from_slice(&1u16.to_le_bytes()); // PCM
        data.extend_from_slice(&2u16.to_le_bytes());
        data.extend_from_slice(&RATE.to_le_bytes());
        data.extend_from_slice(&(RATE * 4).to_le_bytes());
        data.extend_from_slice(&4u16.to_le_bytes());
        data.extend_from_slice(&16u16.to_le_bytes());
        data.extend_from_slice(b"data");
        data.extend_from_slice(&bytes.to_le_bytes());
    };
    header(&mut data);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    // One-pole high-pass (~300 Hz) then low-pass (~2.5 kHz): a crowd's band, not hiss.
    let (hp_a, lp_a) = (
        (-2.0 * std::f32::consts::PI * 300.0 / RATE as f32).exp(),
        1.0 - (-2.0 * std::f32::consts::PI * 2500.0 / RATE as f32).exp(),
    );
    let (mut hp_prev_in, mut hp, mut lp) = (0.0f32, 0.0f32, 0.0f32);
    for i in 0..n {
        let t = i as f64 / f64::from(RATE);
        let tone = 0.1 * (2.0 * std::f64::consts::PI * f64::from(freq) * t).sin() as f32;
        let x = noise();
        hp = hp_a * (hp + x - hp_prev_in);
        hp_prev_in = x;
        lp += lp_a * (hp - lp);
        let since = t - goal;
        let envelope = if since < 0.0 {
            0.0
        } else if since < 0.2 {
            since / 0.2
        } else if since < 3.0 {
            1.0
        } else {
            (-(since - 3.0) / 1.2).exp()
        } as f32;
        // A crowd swells and ebbs; a slow wobble keeps it from sounding like a machine.
        let wobble = 1.0 + 0.15 * (2.0 * std::f32::consts::PI * 3.1 * t as f32).sin();
        let roar = 1.6 * envelope * wobble * lp;
        let l = (tone + roar).clamp(-1.0, 1.0);
        let r = (tone + 0.9 * roar).clamp(-1.0, 1.0);
        for v in [l, r] {
            data.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
        }
    }
    Ok(fs::write(path, data)?)
}

/// Runs a pipeline until it ends; an error or `timeout_s` without the end fails it with `what`.
fn run_to_end(desc: &str, what: &str, timeout_s: u64) -> Result<(), MediaError> {
    run_to_end_with(
        desc,
        what,
        timeout_s,
        &mut || {},
        &AtomicBool::new(false),
        |_| {},
    )
}

/// [`run_to_end`], with `setup` given the pipeline before it starts, `tick` called about
/// every 100 ms while it runs, and `stop` abandoning it (looked at as often).
fn run_to_end_with(
    desc: &str,
    what: &str,
    timeout_s: u64,
    tick: &mut dyn FnMut(),
    stop: &AtomicBool,
    setup: impl FnOnce(&gst::Element),
) -> Result<(), MediaError> {
    let fail = |e: String| MediaError::Demo(format!("{what}: {e}"));
    let pipeline = gst::parse::launch(desc).map_err(|e| fail(e.to_string()))?;
    setup(&pipeline);
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| fail(e.to_string()))?;
    let bus = pipeline.bus().ok_or_else(|| fail("no bus".into()))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(timeout_s);
    let msg = loop {
        let msg = bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(100),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        );
        if msg.is_some() || stop.load(Ordering::Relaxed) || std::time::Instant::now() > deadline {
            break msg;
        }
        tick();
    };
    // Stopped on this thread, never from a streaming thread or a callback.
    let _ = pipeline.set_state(gst::State::Null);
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) => Ok(()),
        Some(gst::MessageView::Error(e)) => Err(fail(format!(
            "{} ({})",
            e.error(),
            e.debug().unwrap_or_default()
        ))),
        _ if stop.load(Ordering::Relaxed) => Err(fail("stopped".into())),
        _ => Err(fail("timed out".into())),
    }
}

/// One frame of the channel's pattern with its number, as PNG (written beside, then renamed).
fn make_logo(path: &Path, number: u32, pattern: &str) -> Result<(), MediaError> {
    require("pngenc", "gstreamer1.0-plugins-good")?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let desc = format!(
        "videotestsrc pattern={pattern} num-buffers=1 ! video/x-raw,width=160,height=90 \
           ! textoverlay text=\"{number}\" font-desc=\"DejaVu Sans Bold 30\" valignment=center \
             halignment=center shaded-background=true \
           ! videoconvert ! pngenc ! filesink location=\"{}\"",
        tmp.display()
    );
    run_to_end(&desc, "logo", 20)?;
    Ok(fs::rename(&tmp, path)?)
}

/// A channel's second soundtrack's segments (none for a channel without one).
fn read_dub(dir: &Path, id: &str) -> Result<Vec<Segment>, MediaError> {
    if prism_core::demo::dub(id).is_none() {
        return Ok(Vec::new());
    }
    read_segments(&dir.join("dub"))
}

/// A channel's smaller variants' segments, `v1`, `v2`… (none for a channel with one).
fn read_variants(dir: &Path, id: &str) -> Result<Vec<Vec<Segment>>, MediaError> {
    (1..=prism_core::demo::variants(id).len())
        .map(|n| read_segments(&dir.join(format!("v{n}"))))
        .collect()
}

/// Segment files and durations from the playlist hlssink2 wrote.
fn read_segments(dir: &Path) -> Result<Vec<Segment>, MediaError> {
    let text = fs::read_to_string(dir.join("index.m3u8"))?;
    let mut out = Vec::new();
    let mut duration = None;
    for line in text.lines().map(str::trim) {
        if let Some(d) = line.strip_prefix("#EXTINF:") {
            let secs: f64 = d
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .parse()
                .unwrap_or(2.0);
            duration = Some(Duration::from_secs_f64(secs));
        } else if !line.is_empty() && !line.starts_with('#') {
            let file = Path::new(line).file_name().map(PathBuf::from);
            if let (Some(file), Some(d)) = (file, duration.take()) {
                out.push(Segment {
                    path: dir.join(file),
                    duration: d,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(MediaError::Demo(format!(
            "no segments in {}",
            dir.join("index.m3u8").display()
        )));
    }
    Ok(out)
}
