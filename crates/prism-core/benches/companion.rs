//! Companion mode's per-second costs, optimised: the music analysis over one second of 48 kHz
//! audio (a drum loop, the tracker's tempo updates included), the sentiment of a sentence, and
//! reading a caption line for reaction triggers.

use criterion::{Criterion, criterion_group, criterion_main};
use prism_core::companion::beat::BeatTracker;
use prism_core::companion::reactions::{Genre, from_caption};
use prism_core::companion::sentiment::analyse;

fn drum_second(second: usize) -> Vec<f32> {
    // Kicks at 120 BPM over noise-free hats: enough structure for the tracker to work on.
    (0..48_000)
        .map(|i| {
            let t = (second * 48_000 + i) as f32 / 48_000.0;
            let in_beat = t % 0.5;
            let kick = (-in_beat / 0.1).exp() * (std::f32::consts::TAU * 60.0 * in_beat).sin();
            let hat = if (t % 0.25) < 0.02 {
                0.1 * (std::f32::consts::TAU * 7000.0 * t).sin()
            } else {
                0.0
            };
            0.8 * kick + hat
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let seconds: Vec<Vec<f32>> = (0..10).map(drum_second).collect();
    let mut tracker = BeatTracker::new(48_000);
    // A warm tracker: its 8 s window full, as during a song.
    for s in &seconds {
        for block in s.chunks(480) {
            tracker.push(block);
        }
    }
    let mut i = 0;
    c.bench_function("music analysis/one second of audio", |b| {
        b.iter(|| {
            for block in seconds[i % seconds.len()].chunks(480) {
                tracker.push(block);
            }
            i += 1;
        })
    });
    c.bench_function("sentiment/one sentence", |b| {
        b.iter(|| analyse("Honestly, the first half was really boring, but that goal was amazing!"))
    });
    c.bench_function("captions/one line", |b| {
        b.iter(|| {
            from_caption(
                "Okafor cuts inside... he shoots! [CROWD GASPS]",
                Genre::Sports,
            )
        })
    });
}

criterion_group!(companion, benches);
criterion_main!(companion);
