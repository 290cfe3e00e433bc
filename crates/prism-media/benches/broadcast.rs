//! What sending the composed scene costs (the studio issue): frames offered at 30 fps, as the
//! app offers its readback, with the TV's sound, encoded (x264 zerolatency, AAC) and sent to a
//! real RTMP server on loopback (nginx) or written to a Matroska file. The pictures move and
//! carry noise, as TV does, so the encoder has real work. Reports the process's CPU per frame
//! and as a share of one core, and the frames dropped because the encoder was behind.
//!
//! `cargo bench -p prism-media --bench broadcast` (`PRISM_BENCH_SECS`: seconds per run, 20)

use std::time::{Duration, Instant};

use prism_core::scene::output::{Output, OutputSize};
use prism_media::broadcast::{Broadcast, BroadcastOptions};
use prism_media::rtmp_server::RtmpServer;

fn main() {
    let secs: f64 = std::env::var("PRISM_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    let dir = std::env::temp_dir().join(format!("prism-bench-broadcast-{}", std::process::id()));
    let server = RtmpServer::start(&dir.join("nginx")).expect("nginx with the RTMP module");
    for size in [OutputSize::P720, OutputSize::P1080] {
        run(
            &format!("{} to RTMP", size.name()),
            Output::Stream(server.url("bench")),
            size,
            secs,
        );
    }
    run(
        "720p to a Matroska file",
        Output::File(dir.join("bench.mkv")),
        OutputSize::P720,
        secs,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// 30 distinct frames: bars that move a little each frame, and a noisy corner.
fn pictures(w: usize, h: usize) -> Vec<Vec<u8>> {
    let mut seed = 0x9e37_79b9u32;
    (0..30)
        .map(|n| {
            let mut px = vec![255u8; w * h * 4];
            for y in 0..h {
                for x in 0..w {
                    let i = (y * w + x) * 4;
                    if x > w * 3 / 4 && y > h * 3 / 4 {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        let v = (seed & 0xff) as u8;
                        px[i..i + 3].copy_from_slice(&[v, v, v]);
                    } else {
                        let bar = ((x + n * 4) * 7 / w) as u8;
                        px[i] = if bar & 1 != 0 { 230 } else { 20 };
                        px[i + 1] = if bar & 2 != 0 { 230 } else { 20 };
                        px[i + 2] = if bar & 4 != 0 { 230 } else { 20 };
                    }
                }
            }
            px
        })
        .collect()
}

fn run(what: &str, output: Output, size: OutputSize, secs: f64) {
    let (w, h) = size.pixels();
    let frames = pictures(w as usize, h as usize);
    let b = Broadcast::start(BroadcastOptions { output, size }).expect("broadcast");
    // A second to settle (the connection, the encoder's first frames), then measured.
    let mut n = 0u64;
    let mut tv = 0u64;
    let mut offer = |b: &Broadcast, start: Instant, until: f64| {
        while start.elapsed().as_secs_f64() < until {
            let due = (start.elapsed().as_secs_f64() * 30.0) as u64;
            while n <= due {
                b.frame(frames[(n % 30) as usize].clone());
                n += 1;
            }
            let tv_due = (start.elapsed().as_secs_f64() * 48_000.0) as u64;
            let tone: Vec<f32> = (tv..tv_due)
                .map(|i| 0.2 * (i as f32 * 440.0 * std::f32::consts::TAU / 48_000.0).sin())
                .collect();
            b.tv_audio(&tone);
            tv = tv_due;
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let start = Instant::now();
    offer(&b, start, 1.0);
    let s0 = b.status();
    let (cpu0, t0) = (prism_media::process_cpu_seconds(), Instant::now());
    offer(&b, start, 1.0 + secs);
    let (cpu, wall) = (
        prism_media::process_cpu_seconds() - cpu0,
        t0.elapsed().as_secs_f64(),
    );
    let s = b.status();
    let (sent, dropped) = (s.frames - s0.frames, s.dropped - s0.dropped);
    println!(
        "{what}: {:.2} ms CPU per frame, {:.0} % of a core, {sent} frames sent, {dropped} dropped ({:.2} %), live: {}",
        cpu * 1000.0 / sent.max(1) as f64,
        cpu / wall * 100.0,
        dropped as f64 * 100.0 / (sent + dropped).max(1) as f64,
        s.live_since.is_some()
    );
    b.stop();
}
