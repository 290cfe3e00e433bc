//! Multi-view's decode cost (the studio issue): one player, then four at once (a 2×2 grid), on
//! the demo channels over loopback HLS, each held to 360 lines as the app's extra tiles are.
//! Only Prism Kids offers smaller variants, so the four-Kids run is the "lowest variant" case;
//! the four-channel run decodes four 720p streams. No rendering: the decoders' share alone.
//!
//! `cargo bench -p prism-media --bench multiview`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use prism_core::hls::VariantLimits;
use prism_media::demo;
use prism_media::server::DemoServer;
use prism_media::{
    AudioOutput, PlayRequest, Player, PlayerEvent, PlayerOptions, StreamLimits, StreamSource,
};

fn main() {
    let cache = std::env::var_os("PRISM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism"));
    let streams = demo::ensure_streams(&cache).expect("demo channels");
    let srv = DemoServer::start(&streams, 0).expect("server");
    let ids: Vec<&str> = streams.iter().map(|s| s.id).collect();
    let kids = "kids.prism.demo";
    run(&srv, "1 channel, 720p", &ids[..1], None, false);
    run(
        &srv,
        "4 channels, 720p (no smaller variant)",
        &ids[..4],
        Some(360),
        false,
    );
    run(
        &srv,
        "1 channel, lowest variant (360p)",
        &[kids],
        Some(360),
        false,
    );
    run(
        &srv,
        "4 x Kids, lowest variant (360p), every sound decoded",
        &[kids; 4],
        Some(360),
        false,
    );
    // As the app runs multi-view: the three tiles without the focus decode no sound.
    run(
        &srv,
        "4 x Kids, lowest variant (360p), sound in one",
        &[kids; 4],
        Some(360),
        true,
    );
}

fn run(srv: &DemoServer, what: &str, ids: &[&str], max_height: Option<u32>, one_sound: bool) {
    let players: Vec<Player> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let p = Player::new(PlayerOptions {
                audio: AudioOutput::Null,
                ..Default::default()
            })
            .expect("player");
            p.set_sound(!one_sound || i == 0);
            p.set_stream_limits(StreamLimits {
                variants: VariantLimits {
                    max_height,
                    max_bandwidth: None,
                },
                ..Default::default()
            });
            p.play(PlayRequest {
                sources: vec![StreamSource::new(srv.stream_url(id))],
                ..Default::default()
            });
            p
        })
        .collect();
    for p in &players {
        while !matches!(
            p.next_event(Duration::from_secs(30)),
            Some(PlayerEvent::FirstFrame { .. })
        ) {}
    }
    std::thread::sleep(Duration::from_secs(2));
    let delivered = |ps: &[Player]| ps.iter().map(|p| p.frames().delivered()).sum::<u64>();
    let (cpu0, f0, t0) = (
        prism_media::process_cpu_seconds(),
        delivered(&players),
        Instant::now(),
    );
    std::thread::sleep(Duration::from_secs(10));
    let (cpu, frames, wall) = (
        prism_media::process_cpu_seconds() - cpu0,
        delivered(&players) - f0,
        t0.elapsed().as_secs_f64(),
    );
    let sizes: Vec<String> = players
        .iter()
        .filter_map(|p| p.frames().newer_than(0))
        .map(|f| format!("{}x{}", f.width(), f.height()))
        .collect();
    println!(
        "{what}: {:.0} % of a core, {:.1} fps per player, {:.2} ms CPU per frame ({})",
        cpu / wall * 100.0,
        frames as f64 / wall / players.len() as f64,
        cpu * 1000.0 / frames.max(1) as f64,
        sizes.join(", ")
    );
    for p in &players {
        p.stop();
    }
}
