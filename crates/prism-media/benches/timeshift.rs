//! Time-shifted TV on the demo channels over loopback (figures for the time-shift issue):
//! - a jump inside the buffer → its first picture (goal ≤ 300 ms p50);
//! - a programme from the archive → its first picture (goal ≤ 1 s);
//! - the buffer's own CPU (the relay following the channel into the disk ring, no decoding)
//!   and the disk it writes per hour of the 720p demo, for an HLS channel and for a raw
//!   MPEG-TS one (cut into segments as it comes).
//!
//! `cargo bench -p prism-media --bench timeshift` (`PRISM_SEEKS` sets the jumps, default 20).

#[path = "common/raw.rs"]
mod raw;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use prism_core::timeshift::Limits;
use prism_media::relay::{Relay, RelayOptions};
use prism_media::server::DemoServer;
use prism_media::{
    AudioOutput, PlayRequest, Player, PlayerEvent, PlayerOptions, SeekTo, StreamSource,
    TimeshiftOptions, demo,
};

fn main() {
    let cache = std::env::var_os("PRISM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism"));
    let streams = demo::ensure_streams(&cache).expect("demo channels");
    let srv = DemoServer::start(&streams, 0).expect("server");
    let dir = std::env::temp_dir().join(format!("prism-bench-timeshift-{}", std::process::id()));
    let opts = TimeshiftOptions {
        dir: dir.clone(),
        limits: Limits::default(),
    };
    seeks(&srv, &opts);
    archive(&srv);
    buffer_cost(&srv, &opts);
    raw_buffer_cost(&streams, &opts);
    let _ = std::fs::remove_dir_all(dir);
}

fn percentiles(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let pct = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: n={} p50={:?} p90={:?} min={:?} max={:?}",
        times.len(),
        pct(0.5),
        pct(0.9),
        times[0],
        times[times.len() - 1]
    );
}

fn first_frame(p: &Player) -> Duration {
    loop {
        match p.next_event(Duration::from_secs(20)) {
            Some(PlayerEvent::FirstFrame { since_request, .. }) => return since_request,
            Some(PlayerEvent::Error { message, .. }) => panic!("{message}"),
            Some(_) => {}
            None => panic!("no picture in 20 s"),
        }
    }
}

fn seeks(srv: &DemoServer, opts: &TimeshiftOptions) {
    let n: usize = std::env::var("PRISM_SEEKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let p = Player::new(PlayerOptions {
        audio: AudioOutput::Null,
        timeshift: Some(opts.clone()),
        ..Default::default()
    })
    .expect("player");
    p.play(PlayRequest {
        sources: vec![StreamSource::new(srv.stream_url("news.prism.demo"))],
        ..Default::default()
    });
    first_frame(&p);
    // Enough buffer to jump around in.
    std::thread::sleep(Duration::from_secs(20));
    let mut times = Vec::new();
    for i in 0..n {
        let to = if i % 2 == 0 {
            SeekTo::By(-12.0)
        } else {
            SeekTo::By(8.0)
        };
        let _ = p.events();
        p.seek(to);
        let took = loop {
            match p.next_event(Duration::from_secs(10)) {
                Some(PlayerEvent::Seeked { took }) => break took,
                Some(_) => {}
                None => panic!("jump {i}: no picture in 10 s"),
            }
        };
        times.push(took);
        // Watch a moment, as a viewer would, before the next press.
        std::thread::sleep(Duration::from_millis(700));
    }
    percentiles("seek in the buffer → first picture", times);
}

fn archive(srv: &DemoServer) {
    let p = Player::new(PlayerOptions {
        audio: AudioOutput::Null,
        ..Default::default()
    })
    .expect("player");
    let now = 1_764_000_000i64;
    let mut times = Vec::new();
    for i in 0..10i64 {
        let start = now - 7200 - i * 1800;
        p.play(PlayRequest {
            sources: vec![StreamSource::new(format!(
                "{}/{}/archive/{start}-{}.m3u8",
                srv.base_url(),
                ["news.prism.demo", "sports.prism.demo"][i as usize % 2],
                start + 1800
            ))],
            ..Default::default()
        });
        times.push(first_frame(&p));
        std::thread::sleep(Duration::from_millis(300));
    }
    percentiles("catch-up start → first picture", times);
}

/// The relay following a channel into its buffer with nothing decoding: the recorder's cost.
fn buffer_cost(srv: &DemoServer, opts: &TimeshiftOptions) {
    let relay = Relay::start(RelayOptions::default()).expect("relay");
    relay.set_timeshift(Some(opts.clone()));
    let local = relay.route(&StreamSource::new(srv.stream_url("news.prism.demo")));
    // The player's first reads start the recorders: the entry, then its media playlists.
    let client = reqwest::blocking::Client::new();
    let master = client.get(&local).send().unwrap().text().unwrap();
    for line in master.lines().filter(|l| l.starts_with("http")) {
        let _ = client.get(line).send();
    }
    for line in master.lines() {
        if let Some(uri) = line
            .split("URI=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        {
            let _ = client.get(uri).send();
        }
    }
    measure(&relay, "news.prism.demo");
}

/// A raw MPEG-TS channel's buffer with nothing decoding: reading the feed, cutting it at
/// keyframes (every packet looked at) and writing the ring.
fn raw_buffer_cost(streams: &[demo::DemoStream], opts: &TimeshiftOptions) {
    let base = raw::serve(streams);
    let relay = Relay::start(RelayOptions::default()).expect("relay");
    relay.set_timeshift(Some(opts.clone()));
    let local = relay.route(&StreamSource::new(format!("{base}/0.ts")));
    // The player's first read: the relay answers with the ring's playlist once cutting began.
    let _ = reqwest::blocking::Client::new().get(&local).send();
    measure(&relay, "a raw MPEG-TS channel");
}

/// A minute of the buffer of the channel `relay` routed last: the process's CPU and the disk
/// written.
fn measure(relay: &Relay, what: &str) {
    let (cpu0, t0) = (prism_media::process_cpu_seconds(), Instant::now());
    let b0 = relay.timeshift().map_or(0, |s| s.bytes);
    std::thread::sleep(Duration::from_secs(60));
    let cpu = prism_media::process_cpu_seconds() - cpu0;
    let wall = t0.elapsed().as_secs_f64();
    let s = relay.timeshift().expect("a buffer");
    let per_hour = (s.bytes - b0) as f64 / wall * 3600.0;
    println!(
        "buffering {what} ({}x{}): {:.2} % of a core, {:.0} MB per hour on disk \
         ({:.1} s buffered)",
        demo::WIDTH,
        demo::HEIGHT,
        cpu / wall * 100.0,
        per_hour / 1e6,
        s.seconds
    );
}
