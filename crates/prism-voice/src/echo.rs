//! The TV's own sound taken out of what the microphone heard (acoustic echo cancellation).
//!
//! The player hands over what it plays (the *reference*); the room turns it into what reaches
//! the microphone: a delay (the sound card's buffers, the air), a gain and reflections. While
//! push-to-talk is not held the microphone hears the TV alone, so the two seconds before the
//! press (the *pre-roll*) show the room:
//! - the bulk delay is where the microphone and the reference correlate most;
//! - the room after it is the causal FIR filter that best maps the reference onto the
//!   microphone (the Wiener–Hopf equations, solved exactly by Levinson's recursion: no step
//!   size to tune and nothing to converge).
//!
//! The utterance itself is used too, counted less (see [`cancel_echo`]): the viewer's voice is
//! no echo, but it is uncorrelated with the TV. The reference, filtered by that room, is then
//! subtracted from the utterance.
//!
//! Both signals are 16 kHz mono; `reference[history + k]` was played when `mic[k]` was
//! captured, `history` samples of the reference coming before the microphone's first.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex32;

/// The room's length after the bulk delay: 64 ms of reflections at 16 kHz.
pub const TAPS: usize = 1024;
/// The longest bulk delay looked for: 0.5 s at 16 kHz (output buffers, Bluetooth speakers).
pub const MAX_DELAY: usize = 8_000;
/// The reference history a caller keeps before the microphone's first sample.
pub const HISTORY: usize = MAX_DELAY + TAPS;
/// Taps kept before the correlation's peak (a reflection never comes before the direct sound,
/// but the peak may be a reflection louder than it, or a voice's pitch period later).
const LEAD: usize = 256;
/// How much more the pre-roll counts than the utterance when the room is learnt (see
/// [`cancel_echo`]). Measured on espeak speech as the TV, 2 s of pre-roll, a room of four
/// paths, five stretches: weight 1 took out 12–24 dB, 8 took out 16–29 dB, and the pre-roll
/// alone 10–31 dB (a band the pre-roll left silent is not cancelled at all).
pub const PRE_ROLL_WEIGHT: f64 = 8.0;

/// What the room does to the TV's sound on its way to the microphone.
#[derive(Debug, Clone)]
pub struct Room {
    /// Samples between the reference and the filter's first tap.
    pub delay: usize,
    taps: Vec<f32>,
}

/// Mean square of a signal.
fn power(x: &[f32]) -> f64 {
    x.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>() / x.len().max(1) as f64
}

impl Room {
    /// The room, from the microphone hearing the TV alone (`mic`, the pre-roll) and what was
    /// played (`reference`, `history` samples longer at its start, at least [`TAPS`]). `None`
    /// when there is nothing to learn from: the TV silent, or the microphone deaf to it.
    pub fn learn(mic: &[f32], reference: &[f32]) -> Option<Room> {
        Room::learn_from(&[(mic, reference, 1.0)])
    }

    /// The room from several stretches (`mic`, `reference` as for [`Room::learn`]), each
    /// counted `weight` times: their correlations are summed before the equations are solved.
    pub fn learn_from(parts: &[(&[f32], &[f32], f64)]) -> Option<Room> {
        let mut history = usize::MAX;
        for (mic, reference, _) in parts {
            history = history.min(reference.len().checked_sub(mic.len())?);
            if mic.len() < TAPS * 2 {
                return None;
            }
        }
        let heard = |i: usize| power(parts[i].0) > 1e-12 && power(parts[i].1) > 1e-10;
        if history < TAPS || history == usize::MAX || !(0..parts.len()).any(heard) {
            return None;
        }
        // corr[j] = Σ_k mic[k]·reference[k + j]; the microphone at k hears the reference
        // played `m` samples earlier, at k + own history − m: lag m is corr[own − m].
        let corrs: Vec<(Vec<f32>, usize)> = parts
            .iter()
            .map(|(mic, reference, _)| (xcorr(mic, reference), reference.len() - mic.len()))
            .collect();
        let at_lag = |m: usize| -> f64 {
            corrs
                .iter()
                .zip(parts)
                .map(|((c, own), (_, _, w))| w * f64::from(c[own - m]))
                .sum()
        };
        let peak = (0..=history - TAPS)
            .max_by(|&a, &b| at_lag(a).abs().total_cmp(&at_lag(b).abs()))
            .expect("a lag");
        let delay = peak.saturating_sub(LEAD).min(history - TAPS);
        // The Wiener–Hopf equations R·h = p: R the reference's autocorrelation (Toeplitz),
        // p the cross-correlation from the delay on, both over the microphone's span:
        // x[k] = reference[own − delay + k], and x[k − j] reaches TAPS samples further back
        // (r[j] = Σ_k x[k]·x[k − j] is auto[TAPS − j]). A little diagonal loading keeps a
        // reference of a few tones (a test card's beep) solvable.
        let mut r = vec![0f64; TAPS];
        for (mic, reference, w) in parts {
            let own = reference.len() - mic.len();
            let x = &reference[own - delay - TAPS..own - delay + mic.len()];
            let auto = xcorr(&x[TAPS..], x);
            for (j, v) in r.iter_mut().enumerate() {
                *v += w * f64::from(auto[TAPS - j]);
            }
        }
        r[0] = r[0] * (1.0 + 1e-3) + 1e-9;
        let p: Vec<f64> = (0..TAPS).map(|j| at_lag(delay + j)).collect();
        let taps = levinson(&r, &p)?;
        Some(Room {
            delay,
            taps: taps.into_iter().map(|v| v as f32).collect(),
        })
    }

    /// `mic` less the reference as this room brings it to the microphone (`reference` as for
    /// [`Room::learn`]: `history` samples longer at its start).
    pub fn cancel(&self, mic: &[f32], reference: &[f32]) -> Vec<f32> {
        let Some(history) = reference.len().checked_sub(mic.len()) else {
            return mic.to_vec();
        };
        if history < self.delay + TAPS {
            return mic.to_vec();
        }
        // The reference the taps read for the microphone's samples: from the oldest sample
        // the last tap reaches for mic[0].
        let from = history - self.delay - (TAPS - 1);
        let x = &reference[from..history - self.delay + mic.len()];
        // echo[k] = Σ_j h[j]·x[k + TAPS − 1 − j]: a correlation with the taps reversed.
        let reversed: Vec<f32> = self.taps.iter().rev().copied().collect();
        let echo = xcorr(&reversed, x);
        mic.iter().zip(echo).map(|(v, e)| v - e).collect()
    }
}

/// `out[j] = Σ_k a[k]·b[k + j]` for every `j` from 0 to `b.len() − 1` (by FFT).
fn xcorr(a: &[f32], b: &[f32]) -> Vec<f32> {
    let n = (a.len() + b.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let spectrum = |x: &[f32]| {
        let mut buf = vec![0f32; n];
        buf[..x.len()].copy_from_slice(x);
        let mut out = fwd.make_output_vec();
        fwd.process(&mut buf, &mut out).expect("sized buffers");
        out
    };
    let mut s: Vec<Complex32> = spectrum(a)
        .iter()
        .zip(spectrum(b))
        .map(|(a, b)| a.conj() * b)
        .collect();
    // A real signal's spectrum has real DC and Nyquist bins; rounding may leave dust.
    s[0].im = 0.0;
    let last = s.len() - 1;
    s[last].im = 0.0;
    let mut out = inv.make_output_vec();
    inv.process(&mut s, &mut out).expect("sized buffers");
    out.truncate(b.len());
    out.iter_mut().for_each(|v| *v /= n as f32);
    out
}

/// The TV taken out of an utterance. `mic` is the pre-roll (the microphone hearing the TV
/// alone) and the utterance; `reference` what was played over them, [`HISTORY`] samples longer
/// at its start. Returns the utterance.
///
/// The room is learnt from both parts. The pre-roll is exact but knows only the frequencies
/// the TV happened to sound in it (a couple of seconds of speech may leave whole bands
/// unknown); the utterance has every band its echo has, and the viewer's voice, uncorrelated
/// with the TV, only adds noise to the estimate there. So the pre-roll counts
/// [`PRE_ROLL_WEIGHT`] times: where it knows the room it decides, elsewhere the utterance does.
pub fn cancel_echo(mic: &[f32], reference: &[f32], pre_roll: usize) -> Vec<f32> {
    let pre_roll = pre_roll.min(mic.len());
    let utterance = &mic[pre_roll..];
    let Some(history) = reference.len().checked_sub(mic.len()) else {
        return utterance.to_vec();
    };
    let pre = (&mic[..pre_roll], &reference[..history + pre_roll]);
    let during = (utterance, &reference[pre_roll..]);
    // No pre-roll (the microphone just opened): the utterance alone still knows the room.
    let room = if pre_roll >= TAPS * 2 {
        Room::learn_from(&[(pre.0, pre.1, PRE_ROLL_WEIGHT), (during.0, during.1, 1.0)])
    } else {
        Room::learn(during.0, during.1)
    };
    match room {
        Some(room) => room.cancel(utterance, &reference[pre_roll..]),
        None => utterance.to_vec(),
    }
}

/// The utterance at 16 kHz with the TV taken out, from the microphone's `pre_roll` and
/// `recording` (at `rate`, one running on from the other, the newest sample heard at `end`)
/// and `heard(from, to)`: what the player played between two moments, 48 kHz mono (empty
/// when it knows nothing). The moments need no care: the sound reaches the microphone later
/// than the player's tap has it, and the microphone's blocks arrive later than they were
/// heard, so the reference always leads, by less than [`MAX_DELAY`] on any ordinary system.
pub fn without_tv(
    pre_roll: &[f32],
    recording: &[f32],
    rate: u32,
    end: std::time::Instant,
    heard: impl FnOnce(std::time::Instant, std::time::Instant) -> Vec<f32>,
) -> Vec<f32> {
    use crate::audio::resample;
    use std::time::Duration;
    let whole: Vec<f32> = pre_roll.iter().chain(recording).copied().collect();
    let mic = resample(&whole, rate, 16_000);
    let pre = (pre_roll.len() as u64 * 16_000 / u64::from(rate.max(1))) as usize;
    let pre = pre.min(mic.len());
    let lasted = Duration::from_secs_f64(whole.len() as f64 / f64::from(rate.max(1)));
    let history = Duration::from_secs_f64(HISTORY as f64 / 16_000.0);
    let from = end.checked_sub(lasted + history);
    let reference = from.map_or_else(Vec::new, |from| heard(from, end));
    if reference.is_empty() {
        return mic[pre..].to_vec();
    }
    let mut reference = resample(&reference, 48_000, 16_000);
    reference.resize(HISTORY + mic.len(), 0.0);
    cancel_echo(&mic, &reference, pre)
}

/// Solves the symmetric Toeplitz system whose first row is `r` for the right-hand side `p`
/// (Levinson's recursion, O(n²)); `None` when it is singular.
fn levinson(r: &[f64], p: &[f64]) -> Option<Vec<f64>> {
    let n = r.len();
    if r[0] <= 0.0 {
        return None;
    }
    let mut f = vec![1.0 / r[0]];
    let mut x = vec![p[0] / r[0]];
    for k in 1..n {
        // The symmetric case: the backward vector is the forward one reversed.
        let ef: f64 = (0..k).map(|i| r[k - i] * f[i]).sum();
        let denom = 1.0 - ef * ef;
        if denom.abs() < 1e-12 || !denom.is_finite() {
            return None;
        }
        let mut nf = vec![0.0; k + 1];
        for i in 0..=k {
            let fwd = if i < k { f[i] } else { 0.0 };
            let bwd = if i > 0 { f[k - i] } else { 0.0 };
            nf[i] = (fwd - ef * bwd) / denom;
        }
        f = nf;
        let ex: f64 = (0..k).map(|i| r[k - i] * x[i]).sum();
        x.push(0.0);
        let gain = p[k] - ex;
        for i in 0..=k {
            // The new backward vector is the new forward one reversed.
            x[i] += gain * f[k - i];
        }
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::resample;

    /// A repeatable noise, uniform in [-1, 1).
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// A room: a delay and three reflections, one of them louder than the direct sound.
    fn room(x: &[f32], delay: usize) -> Vec<f32> {
        let taps = [(0, 0.5f32), (48, 0.8), (176, -0.3), (400, 0.15)];
        (0..x.len())
            .map(|k| {
                taps.iter()
                    .filter(|(d, _)| k >= delay + d)
                    .map(|(d, g)| g * x[k - delay - d])
                    .sum()
            })
            .collect()
    }

    fn db(x: f64) -> f64 {
        10.0 * x.log10()
    }

    #[test]
    fn levinson_solves_a_toeplitz_system() {
        let r = [4.0, 1.0, 0.5, 0.25];
        let want = [1.0, -2.0, 0.5, 3.0];
        let p: Vec<f64> = (0..4)
            .map(|i| (0..4).map(|j| r[i.max(j) - i.min(j)] * want[j]).sum())
            .collect();
        let got = levinson(&r, &p).unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{got:?}");
        }
    }

    /// Broadband TV sound (noise) and a test card's tone, each through a room 2,300 samples
    /// late: the echo falls by more than 25 dB, and a voice 14 dB under it comes out on top.
    #[test]
    fn the_tv_is_taken_out_and_the_voice_is_kept() {
        let (pre, len) = (16_000, 48_000);
        let tone: Vec<f32> = (0..HISTORY + len)
            .map(|k| 0.3 * (std::f32::consts::TAU * 440.0 * k as f32 / 16_000.0).sin())
            .collect();
        for (what, reference) in [("noise", noise(HISTORY + len, 7)), ("tone", tone)] {
            let echo = room(&reference, 2_300);
            let mic_echo = &echo[HISTORY..];
            let voice: Vec<f32> = noise(len, 99)
                .iter()
                .enumerate()
                .map(|(k, v)| if k >= pre { v * 0.2 } else { 0.0 })
                .collect();
            let mic: Vec<f32> = mic_echo.iter().zip(&voice).map(|(e, v)| e + v).collect();
            let room_learnt = Room::learn(&mic[..pre], &reference[..HISTORY + pre]).unwrap();
            // A tone correlates as well a period later: only its cancelling is judged.
            assert!(
                what == "tone" || (2_300 - LEAD..=2_300).contains(&room_learnt.delay),
                "{what}: delay {}",
                room_learnt.delay
            );
            let out = cancel_echo(&mic, &reference, pre);
            let voice = &voice[pre..];
            let left: Vec<f32> = out.iter().zip(voice).map(|(o, v)| o - v).collect();
            let erle = db(power(&mic_echo[pre..]) / power(&left));
            // The voice, 14 dB under the echo, is heard over what is left of it.
            let voice_over = db(power(voice) / power(&left));
            println!(
                "{what}: the echo fell by {erle:.1} dB; the voice is {voice_over:.1} dB over it"
            );
            assert!(erle > 25.0, "{what}: the echo fell by only {erle:.1} dB");
            assert!(voice_over > 10.0, "{what}: {voice_over:.1} dB");
        }
    }

    /// The app's path: a 48 kHz microphone's pre-roll and recording, the player's 48 kHz
    /// sound found by the moments they were heard, the TV taken out at 16 kHz.
    #[test]
    fn the_tv_is_found_by_when_it_was_heard() {
        use std::time::{Duration, Instant};
        let end = Instant::now() + Duration::from_secs(10);
        // What the player played over the last 5 s (48 kHz, broadband), ending at `end`.
        let played = noise(5 * 48_000, 11);
        let played_from = end - Duration::from_secs(5);
        // The microphone: 1 s of pre-roll then 2 s, ending at `end`; it hears the TV 150 ms
        // late with a reflection, and a voice in the recording only.
        let lag = 150 * 48;
        let mic: Vec<f32> = (0..3 * 48_000)
            .map(|k| {
                let at = 2 * 48_000 + k; // in `played`
                let tv = 0.6 * played[at - lag] + 0.3 * played[at - lag - 500];
                let voice = if k >= 48_000 {
                    0.1 * (k as f32 * 0.05).sin()
                } else {
                    0.0
                };
                tv + voice
            })
            .collect();
        let (pre, rec) = mic.split_at(48_000);
        let out = without_tv(pre, rec, 48_000, end, |from, to| {
            let start = (from.duration_since(played_from).as_secs_f64() * 48_000.0) as usize;
            let len = (to.duration_since(from).as_secs_f64() * 48_000.0).round() as usize;
            played[start..start + len].to_vec()
        });
        assert_eq!(out.len(), 32_000);
        let plain = resample(rec, 48_000, 16_000);
        let voice: Vec<f32> = (0..32_000)
            .map(|k| 0.1 * ((48_000 + k * 3) as f32 * 0.05).sin())
            .collect();
        let err = |x: &[f32]| {
            let d: Vec<f32> = x.iter().zip(&voice).map(|(a, b)| a - b).collect();
            power(&d[1_000..31_000])
        };
        let gain = db(err(&plain) / err(&out));
        println!("the TV fell by {gain:.1} dB");
        assert!(gain > 20.0, "the TV fell by only {gain:.1} dB");
    }

    /// Without a pre-roll (the microphone opened at the press) the utterance alone shows the
    /// room, the viewer's voice being no echo: less is taken out, but much.
    #[test]
    fn without_a_pre_roll_the_utterance_shows_the_room() {
        let len = 48_000;
        let reference = noise(HISTORY + len, 5);
        let echo = room(&reference, 1_700);
        let voice: Vec<f32> = noise(len, 77).iter().map(|v| v * 0.5).collect();
        let mic: Vec<f32> = echo[HISTORY..]
            .iter()
            .zip(&voice)
            .map(|(e, v)| e + v)
            .collect();
        let out = cancel_echo(&mic, &reference, 0);
        let left: Vec<f32> = out.iter().zip(&voice).map(|(o, v)| o - v).collect();
        let erle = db(power(&echo[HISTORY..]) / power(&left));
        println!("no pre-roll: the echo fell by {erle:.1} dB");
        assert!(erle > 12.0, "the echo fell by only {erle:.1} dB");
    }

    /// With the TV silent there is no room to learn, and the utterance is given back as it was.
    #[test]
    fn a_silent_tv_leaves_the_voice_as_it_was() {
        let mic = noise(32_000, 3);
        let reference = vec![0.0; HISTORY + 32_000];
        assert_eq!(cancel_echo(&mic, &reference, 16_000), mic[16_000..]);
    }
}
