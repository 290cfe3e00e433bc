//! Piper's real-time factor with the default voice (`./x bench`): synthesis time over audio
//! time for a typical reply sentence, espeak-ng phonemes included. Needs `./x models`.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use prism_voice::PiperVoice;

fn bench(c: &mut Criterion) {
    let m = std::env::var_os("PRISM_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism/models")
        });
    let mut v = PiperVoice::load(
        &m.join("libonnxruntime.so.1.31.1"),
        &m.join("en_US-joe-medium.onnx"),
        &m.join("en_US-joe-medium.onnx.json"),
    )
    .expect("the default voice (./x models installs it)");
    let sentence =
        "It's a nature documentary about the wild cities of Europe, and it ends at 9:30.";
    let audio = v.synthesize(sentence).unwrap();
    let seconds = audio.seconds();
    let mut g = c.benchmark_group("piper");
    g.sample_size(20);
    g.bench_function("sentence", |b| b.iter(|| v.synthesize(sentence).unwrap()));
    g.finish();
    let runs = 10;
    let t = std::time::Instant::now();
    for _ in 0..runs {
        v.synthesize(sentence).unwrap();
    }
    let per = t.elapsed().as_secs_f32() / runs as f32;
    println!(
        "piper: {seconds:.2} s of speech in {:.0} ms: real-time factor {:.3}",
        per * 1000.0,
        per / seconds
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
