//! The real default voice (en_US-joe-medium) through the real ONNX Runtime 1.31 library, as
//! `./x models` installs them (`PRISM_MODELS_DIR`, default `~/.cache/prism/models`). A missing
//! model is a failure that says how to install it, never a skip.

use std::path::PathBuf;

use prism_voice::PiperVoice;

fn models() -> PathBuf {
    let dir = std::env::var_os("PRISM_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism/models")
        });
    for f in [
        "en_US-joe-medium.onnx",
        "en_US-joe-medium.onnx.json",
        "libonnxruntime.so.1.31.1",
    ] {
        assert!(
            dir.join(f).is_file(),
            "{} is missing: ./x models installs the default models",
            dir.join(f).display()
        );
    }
    dir
}

fn voice() -> PiperVoice {
    let m = models();
    PiperVoice::load(
        &m.join("libonnxruntime.so.1.31.1"),
        &m.join("en_US-joe-medium.onnx"),
        &m.join("en_US-joe-medium.onnx.json"),
    )
    .unwrap()
}

#[test]
fn a_sentence_becomes_speech() {
    let mut v = voice();
    let ph = v.phonemes("Channel 5, BBC One.").unwrap();
    assert_eq!(ph, "tʃˈænəl fˈaɪv, bˈiː bˈiː sˈiː wˌʌn.");
    let ids = v.ids(&ph);
    assert_eq!((ids[0], ids[1], *ids.last().unwrap()), (1, 0, 2), "^ _ … $");
    let audio = v.synthesize("Channel five, BBC One.").unwrap();
    assert_eq!(audio.sample_rate, 22050);
    let secs = audio.seconds();
    assert!((0.8..4.0).contains(&secs), "{secs} s of speech");
    let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.1, "silent audio (peak {peak})");
    // Speech, not noise: the loudest 50 ms window is far above the quietest.
    let win = 1102;
    let rms: Vec<f32> = audio
        .samples
        .chunks(win)
        .map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let (lo, hi) = rms
        .iter()
        .fold((f32::MAX, 0.0f32), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    assert!(
        hi > 20.0 * lo.max(1e-5),
        "no pauses and peaks: {lo} .. {hi}"
    );
    // The voice's own timing: one duration per phoneme (plus the pauses at either end), and
    // at Piper's 256-sample hop they add up to the audio within a video frame.
    assert!(
        v.has_durations(),
        "the joe voice's graph has a duration predictor"
    );
    let known = ph.chars().filter(|c| *c != '\u{0}').count();
    assert!(
        audio.phonemes.len() >= known / 2,
        "{} timed phonemes",
        audio.phonemes.len()
    );
    let hops: f32 = audio.phonemes.iter().map(|(_, d)| d).sum();
    assert!(
        (hops - secs).abs() < 1.0 / 60.0,
        "durations {hops} s vs audio {secs} s"
    );
    // The visemes cover the audio, in order, and the mouth opens for the vowels.
    let track = &audio.visemes;
    let end = track.last().map(|v| v.start + v.duration).unwrap();
    assert!(
        (end - secs).abs() < 1.0 / 60.0,
        "track ends at {end}, audio at {secs}"
    );
    use prism_core::avatar::face::Viseme;
    let open: Vec<Viseme> = track
        .iter()
        .map(|v| v.viseme)
        .filter(|v| *v != Viseme::Silence)
        .collect();
    assert!(
        open.contains(&Viseme::Aa) && open.contains(&Viseme::Ih),
        "{open:?}"
    );
    eprintln!(
        "{} phonemes, {} visemes: {:?}",
        audio.phonemes.len(),
        track.len(),
        track
            .iter()
            .map(|v| format!("{:?}@{:.2}", v.viseme, v.start))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "{secs:.2} s of audio in {:.0} ms: real-time factor {:.3}",
        audio.took.as_secs_f64() * 1000.0,
        audio.real_time_factor()
    );
}

#[test]
fn a_missing_voice_is_a_clear_error() {
    let m = models();
    let Err(e) = PiperVoice::load(
        &m.join("libonnxruntime.so.1.31.1"),
        &m.join("no-such-voice.onnx"),
        &m.join("en_US-joe-medium.onnx.json"),
    ) else {
        panic!("loaded a voice that does not exist");
    };
    assert!(e.to_string().contains("no-such-voice.onnx"), "{e}");
}

/// A calmer delivery (for a frustrated or sad viewer) is slower; a livelier one is quicker.
/// Piper's durations are stochastic (noise_w), so each is the mean of five renditions (one
/// rendition varies by ±4 %), and the margins are half the expected change.
#[test]
fn the_delivery_changes_the_pace() {
    let mut v = voice();
    let line = "Let's see what else is on tonight, there might be something good.";
    let mut mean = |length: f32, noise: f32| {
        (0..5)
            .map(|_| v.synthesize_with(line, length, noise).unwrap().seconds())
            .sum::<f32>()
            / 5.0
    };
    let usual = mean(1.0, 1.0);
    let calm = mean(1.2, 0.7);
    let lively = mean(0.85, 1.15);
    eprintln!("usual {usual:.2} s, calm {calm:.2} s, lively {lively:.2} s");
    assert!(calm > usual * 1.05, "calm {calm} vs {usual}");
    assert!(lively < usual * 0.97, "lively {lively} vs {usual}");
}
