//! Zap latency: `Player::play` on a new demo channel → its first decoded frame, over loopback HLS.
//! Goal (TV issue): ≤ 400 ms p50 from key press to the picture on screen; this is the media part
//! of that path (the app adds at most a frame of upload and present).
//!
//! `cargo bench -p prism-media --bench zap` (`PRISM_ZAPS` sets the count, default 30).

use std::path::PathBuf;
use std::time::Duration;

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
    for instant in [false, true] {
        let p = Player::new(PlayerOptions {
            audio: AudioOutput::Null,
            instant_switch: instant,
            ..Default::default()
        })
        .expect("player");
        let mut times = Vec::new();
        for i in 0..=zaps {
            let id = streams[i % streams.len()].id;
            p.play(PlayRequest {
                sources: vec![StreamSource::new(srv.stream_url(id))],
            });
            let t = loop {
                match p.next_event(Duration::from_secs(20)) {
                    Some(PlayerEvent::FirstFrame { since_request, .. }) => break since_request,
                    Some(PlayerEvent::Error { message, .. }) => panic!("{id}: {message}"),
                    Some(_) => {}
                    None => {
                        println!("zap ({id}): no picture in 20 s (instant-uri: {instant})");
                        std::process::exit(1);
                    }
                }
            };
            // Watch a moment, as a viewer would, before the next press.
            std::thread::sleep(Duration::from_millis(300));
            if i > 0 {
                times.push(t); // the first start is not a zap
            }
        }
        times.sort();
        let pct = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "zap ({}): n={} p50={:?} p90={:?} min={:?} max={:?}",
            if instant { "instant-uri" } else { "rebuild" },
            times.len(),
            pct(0.5),
            pct(0.9),
            times[0],
            times[times.len() - 1]
        );
    }
}
