//! The echo canceller's cost on the app's path (`./x bench`): a 48 kHz microphone's two
//! seconds of pre-roll and a three-second utterance, the player's 48 kHz sound as reference,
//! the TV taken out at 16 kHz (`echo::without_tv`, resampling included). The app runs it on
//! each 100 ms snapshot while push-to-talk is held and once at the release.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use prism_voice::echo::without_tv;

fn bench(c: &mut Criterion) {
    let mut s = 1u64;
    let mut noise = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect()
    };
    let played = noise(6 * 48_000);
    let voice = noise(3 * 48_000);
    let lag = 120 * 48;
    let mic: Vec<f32> = (0..5 * 48_000)
        .map(|k| {
            let tv = 0.5 * played[48_000 + k - lag];
            tv + if k >= 2 * 48_000 {
                0.3 * voice[k - 2 * 48_000]
            } else {
                0.0
            }
        })
        .collect();
    let (pre, rec) = mic.split_at(2 * 48_000);
    let end = Instant::now() + Duration::from_secs(60);
    let played_from = end - Duration::from_secs(6);
    let heard = |from: Instant, to: Instant| {
        let start = (from.duration_since(played_from).as_secs_f64() * 48_000.0) as usize;
        let len = (to.duration_since(from).as_secs_f64() * 48_000.0).round() as usize;
        played[start..start + len].to_vec()
    };
    let mut g = c.benchmark_group("echo");
    g.sample_size(20);
    g.bench_function("without_tv_2s_pre_roll_3s_utterance", |b| {
        b.iter(|| without_tv(pre, rec, 48_000, end, heard))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
