//! Lumen's animation cost per frame, without rendering: everything the mascot plugin computes
//! each frame (face through the expression rules, idle plus a gesture, gaze, the node tree and
//! the spring bones), for Lumen and for a third-party avatar.

use criterion::{Criterion, criterion_group, criterion_main};
use prism_core::avatar::expression::{apply, evaluate};
use prism_core::avatar::face::{Blinker, Emotions, TimedViseme, Viseme, mouth_at};
use prism_core::avatar::motion::{self, Gaze, Gesture};
use prism_core::avatar::spring::Springs;
use prism_core::avatar::{Avatar, Preset, lumen};

fn frame_cost(c: &mut Criterion, name: &str, bytes: &[u8]) {
    let a = Avatar::from_glb(bytes).unwrap();
    let sk = a.skeleton();
    let setup = a.springs(&sk);
    let mut springs = Springs::new(&setup, &sk, &sk.world(&sk.rest));
    let mut emotions = Emotions::default();
    emotions.set(Preset::Happy, 0.8, 0.0);
    let mut blinker = Blinker::new(1);
    let mut gaze = Gaze::new(2);
    let track: Vec<TimedViseme> = (0..40)
        .map(|i| TimedViseme {
            viseme: [Viseme::Aa, Viseme::Ih, Viseme::Oh, Viseme::Silence][i % 4],
            start: i as f32 * 0.12,
            duration: 0.12,
        })
        .collect();
    let bones: Vec<(&str, usize)> = a.bones.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut t = 0.0f32;
    c.bench_function(&format!("frame/{name}"), |b| {
        b.iter(|| {
            t += 1.0 / 60.0;
            let mut input = vec![0.0; a.expressions.len()];
            let mut put = |n: &str, w: f32| {
                if let Some(i) = a.expression(n) {
                    input[i] += w;
                }
            };
            for (p, w) in emotions.weights(t) {
                put(p.name(), w);
            }
            put("blink", blinker.at(t));
            for (p, w) in mouth_at(&track, t % 4.8) {
                put(p.name(), w);
            }
            gaze.step(glam::Vec2::new(-20.0, 8.0), t, 1.0 / 60.0);
            for (n, w) in gaze.look_weights(0.45) {
                put(n, w);
            }
            let out = evaluate(&a.expressions, &input);
            let applied = apply(&a.expressions, &out, &a);
            let mut pose = motion::idle(t, 0.5);
            let (g, w) = Gesture::Wave.pose(t % Gesture::Wave.duration(), &pose);
            pose.blend(&g, w);
            let mut locals = sk.rest.clone();
            for (name, node) in &bones {
                locals[*node].rotation = pose.get(name) * sk.rest[*node].rotation;
            }
            let world = sk.world(&locals);
            springs.advance(1.0 / 60.0, &world);
            std::hint::black_box((applied, springs.locals().count()));
        })
    });
}

fn bench(c: &mut Criterion) {
    frame_cost(c, "lumen", &lumen::generate());
    // A third-party avatar when the shared test assets are beside the checkout.
    let shared = std::env::current_dir().ok().and_then(|d| {
        d.ancestors()
            .map(|a| a.join("../shared/assets/vrm/cool_loops.vrm"))
            .find(|p| p.is_file())
    });
    if let Some(p) = shared {
        frame_cost(c, "cool_loops", &std::fs::read(p).unwrap());
    }
    c.bench_function("generate/lumen", |b| b.iter(lumen::generate));
}

criterion_group!(benches, bench);
criterion_main!(benches);
