//! The music analysis on generated signals whose beats and onsets are known exactly: click
//! tracks and drum loops at 80, 100, 120 and 140 BPM (tempo within ±2 BPM, beat phase within
//! 50 ms), and irregular notes for onset detection (F-measure ≥ 0.9). Prints the CPU cost per
//! second of audio.

use prism_core::companion::beat::BeatTracker;

const RATE: u32 = 48_000;

/// A deterministic noise source (no rand dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
    }
}

fn add(out: &mut [f32], at: f64, sound: impl Fn(f32) -> f32, len: f32) {
    let start = (at * f64::from(RATE)) as usize;
    for i in 0..(len * RATE as f32) as usize {
        if let Some(s) = out.get_mut(start + i) {
            *s += sound(i as f32 / RATE as f32);
        }
    }
}

fn click(t: f32) -> f32 {
    0.8 * (2.0 * std::f32::consts::PI * 2000.0 * t).sin() * (-t / 0.004).exp()
}

fn kick(t: f32) -> f32 {
    // A sine falling from 120 to 50 Hz: the phase is the integral of the frequency.
    let f = 50.0 + 70.0 * (-t / 0.03).exp();
    let phase = 2.0 * std::f32::consts::PI * (50.0 * t + 70.0 * 0.03 * (1.0 - (-t / 0.03).exp()));
    let _ = f;
    0.9 * phase.sin() * (-t / 0.15).exp()
}

fn beats(bpm: f32, offset: f64, seconds: f64) -> Vec<f64> {
    let period = 60.0 / f64::from(bpm);
    (0..)
        .map(|k| offset + k as f64 * period)
        .take_while(|&t| t < seconds)
        .collect()
}

fn click_track(bpm: f32, offset: f64, seconds: f64) -> Vec<f32> {
    let mut out = vec![0.0; (seconds * f64::from(RATE)) as usize];
    for t in beats(bpm, offset, seconds) {
        add(&mut out, t, click, 0.03);
    }
    out
}

/// Kick on every beat, snare on two and four, closed hi-hat on eighths, a quiet bass drone.
fn drum_loop(bpm: f32, offset: f64, seconds: f64) -> Vec<f32> {
    let mut out = vec![0.0; (seconds * f64::from(RATE)) as usize];
    let period = 60.0 / f64::from(bpm);
    let mut noise = Lcg(7);
    let snare: Vec<f32> = (0..(0.15 * RATE as f32) as usize)
        .map(|i| 0.5 * noise.next() * (-(i as f32) / RATE as f32 / 0.05).exp())
        .collect();
    let mut prev = 0.0;
    let hat: Vec<f32> = (0..(0.04 * RATE as f32) as usize)
        .map(|i| {
            let n = noise.next();
            let h = n - prev; // differenced noise: the highs only
            prev = n;
            0.25 * h * (-(i as f32) / RATE as f32 / 0.01).exp()
        })
        .collect();
    for (k, t) in beats(bpm, offset, seconds).into_iter().enumerate() {
        add(&mut out, t, kick, 0.4);
        if k % 2 == 1 {
            add(
                &mut out,
                t,
                |x| snare[((x * RATE as f32) as usize).min(snare.len() - 1)],
                0.15,
            );
        }
        for eighth in [0.0, 0.5] {
            add(
                &mut out,
                t + eighth * period,
                |x| hat[((x * RATE as f32) as usize).min(hat.len() - 1)],
                0.04,
            );
        }
    }
    for (i, s) in out.iter_mut().enumerate() {
        *s += 0.05 * (2.0 * std::f32::consts::PI * 55.0 * i as f32 / RATE as f32).sin();
    }
    out
}

/// Runs the tracker over `signal` in 10 ms blocks (as the player's tap delivers audio).
fn track(signal: &[f32]) -> (BeatTracker, f64) {
    let mut b = BeatTracker::new(RATE);
    let t = std::time::Instant::now();
    for block in signal.chunks(480) {
        b.push(block);
    }
    (b, t.elapsed().as_secs_f64())
}

fn check_tempo(name: &str, signal: &[f32], bpm: f32, offset: f64) -> f64 {
    let (b, took) = track(signal);
    let s = b.state();
    let found = s.bpm.unwrap_or_else(|| panic!("{name}: no tempo"));
    // The latest beat against the nearest true one (modulo the period).
    let period = 60.0 / f64::from(bpm);
    let last = s.last_beat.unwrap();
    let off = (last - offset).rem_euclid(period);
    let phase_error = off.min(period - off);
    println!(
        "{name}: {found:.2} BPM (true {bpm}), beat phase off by {:.1} ms, confidence {:.2}",
        phase_error * 1000.0,
        s.confidence
    );
    assert!((found - bpm).abs() <= 2.0, "{name}: {found} BPM, not {bpm}");
    assert!(phase_error <= 0.05, "{name}: phase off by {phase_error} s");
    took / (signal.len() as f64 / f64::from(RATE))
}

#[test]
fn tempo_and_beat_phase_of_click_tracks_and_drum_loops() {
    let mut cost = Vec::new();
    for bpm in [80.0, 100.0, 120.0, 140.0] {
        let offset = 0.137;
        cost.push(check_tempo(
            &format!("clicks {bpm}"),
            &click_track(bpm, offset, 12.0),
            bpm,
            offset,
        ));
        cost.push(check_tempo(
            &format!("drums {bpm}"),
            &drum_loop(bpm, offset, 12.0),
            bpm,
            offset,
        ));
    }
    cost.sort_by(f64::total_cmp);
    println!(
        "analysis cost: {:.2} ms of CPU per second of audio (median, {} build)",
        cost[cost.len() / 2] * 1000.0,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "optimised"
        }
    );
}

#[test]
fn onsets_of_irregular_notes() {
    let seconds = 20.0;
    let mut out = vec![0.0; (seconds * f64::from(RATE)) as usize];
    let mut rng = Lcg(42);
    let mut truth = Vec::new();
    let mut t = 0.3;
    while t < seconds - 0.5 {
        truth.push(t);
        let f = 330.0 + 330.0 * (rng.next() + 1.0);
        let loud = 0.3 + 0.25 * (rng.next() + 1.0);
        add(
            &mut out,
            t,
            move |x| {
                let attack = (x / 0.005).min(1.0);
                loud * attack * (-x / 0.2).exp() * (2.0 * std::f32::consts::PI * f * x).sin()
            },
            0.6,
        );
        t += 0.15 + 0.225 * f64::from(rng.next() + 1.0);
    }
    // A noise floor, as in a real recording.
    let mut noise = Lcg(3);
    for s in &mut out {
        *s += 0.01 * noise.next();
    }
    let (b, _) = track(&out);
    let found = &b.onsets;
    let mut used = vec![false; found.len()];
    let mut hits = 0;
    for &want in &truth {
        if let Some(i) = (0..found.len()).find(|&i| !used[i] && (found[i] - want).abs() <= 0.05) {
            used[i] = true;
            hits += 1;
        }
    }
    for (i, f) in found.iter().enumerate() {
        if !used[i] {
            let near = truth
                .iter()
                .map(|t| f - t)
                .min_by(|a, b| a.abs().total_cmp(&b.abs()));
            println!("  extra onset at {f:.3} ({near:?} from a note)");
        }
    }
    let precision = hits as f64 / found.len().max(1) as f64;
    let recall = hits as f64 / truth.len() as f64;
    let f = 2.0 * precision * recall / (precision + recall).max(1e-9);
    println!(
        "onsets: {} true, {} found, {hits} matched within 50 ms: precision {precision:.3}, recall {recall:.3}, F {f:.3}",
        truth.len(),
        found.len()
    );
    assert!(f >= 0.9, "F-measure {f}");
}

/// Lumen's face while she dances follows the music's mood: energy × brightness. A loop of
/// bright clicks reads brighter than a loop of kicks; the circumplex gives joy for energetic
/// bright music, contentment for calm bright music, and a faint wistfulness for calm dark.
#[test]
fn the_musics_mood_from_energy_and_brightness() {
    use prism_core::avatar::expression::Preset;
    use prism_core::companion::beat::music_mood;
    let brightness = |signal: &[f32]| {
        let mut t = BeatTracker::new(RATE);
        // Averaged over the last two seconds, as the app smooths it.
        let (mut sum, mut n) = (0.0, 0);
        for (i, chunk) in signal.chunks(RATE as usize / 10).enumerate() {
            t.push(chunk);
            if i >= 40 {
                sum += t.state().brightness();
                n += 1;
            }
        }
        sum / n as f32
    };
    let mut kicks = vec![0.0; RATE as usize * 6];
    for b in beats(120.0, 0.0, 6.0) {
        add(&mut kicks, b, kick, 0.3);
    }
    let (clicks, kicks) = (
        brightness(&click_track(120.0, 0.0, 6.0)),
        brightness(&kicks),
    );
    println!("brightness: clicks {clicks:.2}, kicks {kicks:.2}");
    assert!(
        clicks > 0.5 && kicks < 0.3,
        "clicks {clicks}, kicks {kicks}"
    );
    assert_eq!(music_mood(0.9, clicks).0, Preset::Happy);
    assert!(music_mood(0.9, clicks).1 > music_mood(0.9, kicks).1);
    assert_eq!(music_mood(0.35, clicks).0, Preset::Relaxed);
    let (p, w) = music_mood(0.35, kicks);
    assert!(p == Preset::Sad && w < 0.3, "{p:?} {w}");
}
