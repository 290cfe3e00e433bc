//! Steady noise taken out of speech before the recogniser hears it: a TV's test tone, mains
//! hum, a fan. Such a sound is the same in every moment, so its spectrum is what each
//! frequency holds in the quietest moments of the utterance, where speech comes and goes (a
//! low percentile over time, as minimum statistics does); that much is subtracted from every
//! moment (power spectral subtraction in 32 ms frames, a floor under the gain).
//!
//! Talk (a newsreader) is not steady and is left to the echo canceller, which knows what the
//! TV played; this is for what it leaves, and for what it never heard.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex32;

/// Frame length: 32 ms at 16 kHz.
const N: usize = 512;
/// Frames a quarter frame apart: square-root Hann windows on both sides add up to a constant.
const HOP: usize = N / 4;
/// Which quantile of a frequency's power over the utterance is taken as its noise: speech
/// leaves every band quiet for more than a fifth of a command (pauses, other phonemes).
const QUANTILE: f64 = 0.2;
/// How many times the noise estimate is subtracted: a quantile of a noise that varies lies
/// below its mean.
const OVER: f32 = 2.0;
/// The least gain a frequency gets (−20 dB): subtracting to nothing leaves "musical noise",
/// short tones where a random noise happened to rise above its estimate.
const FLOOR: f32 = 0.1;
/// Below this share of the utterance's power (−17 dB) the noise is left alone: speech in a
/// quiet room, or speech the echo canceller has cleaned, reaches the recogniser untouched.
const WORTH: f64 = 0.02;

/// `pcm` (16 kHz mono) with its steady noise taken out, or `None` when it holds too little
/// to be worth it (the recogniser then hears `pcm` as it is).
pub fn without_steady_noise(pcm: &[f32]) -> Option<Vec<f32>> {
    if pcm.len() < 4 * N {
        return None;
    }
    let mut planner = RealFftPlanner::<f32>::new();
    let (fwd, inv) = (planner.plan_fft_forward(N), planner.plan_fft_inverse(N));
    let window: Vec<f32> = (0..N)
        .map(|i| (0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / N as f32).cos()).sqrt())
        .collect();
    // Frames start from N before the first sample to its last, so every sample is covered by
    // four and the ends come back whole.
    let frames = (pcm.len() + N).div_ceil(HOP);
    let at = |i: isize| {
        if i < 0 {
            0.0
        } else {
            pcm.get(i as usize).copied().unwrap_or(0.0)
        }
    };
    let start = |f: usize| f as isize * HOP as isize - N as isize;
    let bins = N / 2 + 1;
    let mut spectra: Vec<Vec<Complex32>> = Vec::with_capacity(frames);
    for f in 0..frames {
        let mut buf: Vec<f32> = (0..N)
            .map(|i| at(start(f) + i as isize) * window[i])
            .collect();
        let mut spectrum = fwd.make_output_vec();
        fwd.process(&mut buf, &mut spectrum).expect("sized buffers");
        spectra.push(spectrum);
    }
    let mut noise = vec![0f32; bins];
    let mut column = Vec::with_capacity(frames);
    let (mut total, mut steady) = (0f64, 0f64);
    for (k, n) in noise.iter_mut().enumerate() {
        column.clear();
        column.extend(spectra.iter().map(|s| s[k].norm_sqr()));
        total += column.iter().map(|p| f64::from(*p)).sum::<f64>();
        let q = ((column.len() - 1) as f64 * QUANTILE) as usize;
        *n = *column.select_nth_unstable_by(q, f32::total_cmp).1;
        steady += f64::from(*n) * column.len() as f64;
    }
    if total <= 0.0 || steady / total < WORTH {
        return None;
    }
    let mut out = vec![0f32; pcm.len() + 2 * N];
    let mut buf = inv.make_output_vec();
    // Square-root Hann windows at a quarter frame: analysis × synthesis sum to 2.
    let scale = 0.5 / N as f32;
    for (f, spectrum) in spectra.iter_mut().enumerate() {
        for (k, c) in spectrum.iter_mut().enumerate() {
            let p = c.norm_sqr();
            if p > 0.0 {
                *c *= (1.0 - OVER * noise[k] / p).max(FLOOR * FLOOR).sqrt();
            }
        }
        // A real signal's DC and Nyquist bins are real; rounding may leave dust.
        spectrum[0].im = 0.0;
        spectrum[bins - 1].im = 0.0;
        inv.process(spectrum, &mut buf).expect("sized buffers");
        let base = (start(f) + N as isize) as usize;
        for (i, v) in buf.iter().enumerate() {
            if let Some(o) = out.get_mut(base + i) {
                *o += v * window[i] * scale;
            }
        }
    }
    Some(out[N..N + pcm.len()].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f32 = 16_000.0;

    fn tone(hz: f32, amp: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|k| amp * (std::f32::consts::TAU * hz * k as f32 / RATE).sin())
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    }

    /// A "voice" that comes and goes: bursts of a chord, a tenth of a second each, with gaps.
    fn bursts(n: usize) -> Vec<f32> {
        let chord: Vec<f32> = tone(220.0, 0.1, n)
            .iter()
            .zip(tone(1_330.0, 0.05, n))
            .map(|(a, b)| a + b)
            .collect();
        chord
            .iter()
            .enumerate()
            .map(|(k, v)| if (k / 1_600) % 2 == 0 { *v } else { 0.0 })
            .collect()
    }

    #[test]
    fn speech_in_a_quiet_room_is_left_as_it_is() {
        assert_eq!(without_steady_noise(&bursts(32_000)), None);
        assert_eq!(without_steady_noise(&[0.0; 32_000]), None);
        assert_eq!(without_steady_noise(&[0.1; 100]), None, "too short to tell");
    }

    #[test]
    fn a_steady_tone_under_speech_is_taken_out_and_the_speech_kept() {
        let n = 32_000;
        let speech = bursts(n);
        let hum = tone(440.0, 0.2, n);
        let heard: Vec<f32> = speech.iter().zip(&hum).map(|(s, h)| s + h).collect();
        let out = without_steady_noise(&heard).expect("a loud tone is worth taking out");
        assert_eq!(out.len(), n);
        // What is left of the tone, where the voice is silent (away from the edges of its
        // bursts, which the 32 ms frames smear): 18 dB down at least (the floor is 20).
        let gap = 1_600 + 400..3_200 - 400;
        let left = rms(&out[gap.clone()]);
        assert!(
            left < rms(&hum[gap]) / 8.0,
            "the tone is still there at {left}"
        );
        // The voice, where it speaks: within 2 dB of itself.
        let burst = 3_200 + 400..4_800 - 400;
        let err: Vec<f32> = out[burst.clone()]
            .iter()
            .zip(&speech[burst.clone()])
            .map(|(o, s)| o - s)
            .collect();
        assert!(
            rms(&err) < rms(&speech[burst]) * 0.25,
            "the voice changed by {}",
            rms(&err)
        );
    }
}
