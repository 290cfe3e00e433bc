//! Zap latency: `Player::play` on a new demo channel → its first decoded frame, over loopback HLS.
//! Goal (TV issue): ≤ 400 ms p50 from key press to the picture on screen; this is the media part
//! of that path (the app adds at most a frame of upload and present).
//!
//! `cargo bench -p prism-media --bench zap` (`PRISM_ZAPS` sets the count, default 30).

use std::path::PathBuf;
use std::time::Duration;

#[path = "common/raw.rs"]
mod raw;

use prism_media::demo;
use prism_media::server::DemoServer;
use prism_media::{AudioOutput, PlayRequest, Player, PlayerEvent, PlayerOptions, StreamSource};

fn main() {
    let cache = std::env::var_os("PRISM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism"));
    let streams = demo::ensure_streams(&cache).expect("demo channels");
    let srv = DemoServer::start(&streams, 0).expect("server");
    let zaps: usize = std::env::var("PRISM_ZAPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    playback_cpu(&srv, streams[0].id);
    // Rebuilding through the relay (what the app does), rebuilding with GStreamer fetching
    // directly (what the relay costs), and instant-uri.
    // And through the relay with the time-shift buffer on (the app's default).
    let ring = std::env::temp_dir().join(format!("prism-zap-ring-{}", std::process::id()));
    // The first two differ only in the sound's cross-fade (the app's default, then none).
    for (instant, relay, shift, fade) in [
        (false, true, true, true),
        (false, true, true, false),
        (false, true, false, true),
        (false, false, false, true),
        (true, true, false, true),
    ] {
        let p = Player::new(PlayerOptions {
            audio: AudioOutput::Null,
            instant_switch: instant,
            crossfade: if fade {
                PlayerOptions::default().crossfade
            } else {
                Duration::ZERO
            },
            relay: relay.then(Default::default),
            timeshift: shift.then(|| prism_media::TimeshiftOptions {
                dir: ring.clone(),
                limits: Default::default(),
            }),
            ..Default::default()
        })
        .expect("player");
        let times = zap_times(&p, zaps, |i| srv.stream_url(streams[i % streams.len()].id));
        report(
            &format!(
                "{}{}{}{}",
                if instant { "instant-uri" } else { "rebuild" },
                if relay { ", relay" } else { ", direct" },
                if shift { ", time-shift buffer" } else { "" },
                if fade || instant {
                    ""
                } else {
                    ", no cross-fade"
                },
            ),
            times,
        );
    }
    raw_zaps(&streams, zaps, &ring);
    let _ = std::fs::remove_dir_all(&ring);
}

/// Zaps `zaps` times (`url(i)` the i-th channel): each time from the press to the first
/// picture. Stops early if one never comes (known on GStreamer 1.22: instant-uri can wedge
/// on HLS, see PlayerOptions).
fn zap_times(p: &Player, zaps: usize, url: impl Fn(usize) -> String) -> Vec<Duration> {
    let mut times = Vec::new();
    for i in 0..=zaps {
        let u = url(i);
        p.play(PlayRequest {
            sources: vec![StreamSource::new(u.clone())],
            ..Default::default()
        });
        let t = loop {
            match p.next_event(Duration::from_secs(20)) {
                Some(PlayerEvent::FirstFrame { since_request, .. }) => break since_request,
                Some(PlayerEvent::Error { message, .. }) => panic!("{u}: {message}"),
                Some(_) => {}
                None => {
                    println!("zap ({u}): no picture in 20 s");
                    return times;
                }
            }
        };
        // Watch a moment, as a viewer would, before the next press.
        std::thread::sleep(Duration::from_millis(300));
        if i > 0 {
            times.push(t); // the first start is not a zap
        }
    }
    times
}

fn report(what: &str, mut times: Vec<Duration>) {
    if times.is_empty() {
        return;
    }
    times.sort();
    let pct = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "zap ({what}): n={} p50={:?} p90={:?} min={:?} max={:?}",
        times.len(),
        pct(0.5),
        pct(0.9),
        times[0],
        times[times.len() - 1]
    );
}

/// Zaps between raw MPEG-TS channels (a provider's `.ts` URLs: one endless response each,
/// joined wherever the server is, mid-picture), straight through the relay and cut into the
/// time-shift buffer (the app's default), which serves the segment being cut as it comes.
fn raw_zaps(streams: &[demo::DemoStream], zaps: usize, ring: &std::path::Path) {
    let base = raw::serve(streams);
    for shift in [true, false] {
        let p = Player::new(PlayerOptions {
            audio: AudioOutput::Null,
            timeshift: shift.then(|| prism_media::TimeshiftOptions {
                dir: ring.to_owned(),
                limits: Default::default(),
            }),
            ..Default::default()
        })
        .expect("player");
        let times = zap_times(&p, zaps, |i| format!("{base}/{}.ts", i % streams.len()));
        report(
            &format!(
                "raw MPEG-TS, relay{}",
                if shift { ", time-shift buffer" } else { "" }
            ),
            times,
        );
    }
}

/// Process CPU (demux, decode, frame hand-off, the relay) per delivered frame while one channel
/// plays.
fn playback_cpu(srv: &DemoServer, id: &str) {
    for relay in [true, false] {
        playback_cpu_with(srv, id, relay);
    }
}

fn playback_cpu_with(srv: &DemoServer, id: &str, relay: bool) {
    let p = Player::new(PlayerOptions {
        audio: AudioOutput::Null,
        relay: relay.then(Default::default),
        ..Default::default()
    })
    .expect("player");
    p.play(PlayRequest {
        sources: vec![StreamSource::new(srv.stream_url(id))],
        ..Default::default()
    });
    while !matches!(
        p.next_event(Duration::from_secs(20)),
        Some(PlayerEvent::FirstFrame { .. })
    ) {}
    std::thread::sleep(Duration::from_secs(1));
    let (cpu0, f0, t0) = (
        prism_media::process_cpu_seconds(),
        p.frames().delivered(),
        std::time::Instant::now(),
    );
    std::thread::sleep(Duration::from_secs(8));
    let (cpu, frames) = (
        prism_media::process_cpu_seconds() - cpu0,
        p.frames().delivered() - f0,
    );
    let (w, h) = (demo::WIDTH, demo::HEIGHT);
    println!(
        "playback {w}x{h} ({}): {:.2} ms CPU per frame, {frames} frames in {:.1} s",
        if relay { "relay" } else { "direct" },
        cpu * 1000.0 / frames.max(1) as f64,
        t0.elapsed().as_secs_f64()
    );
}
