//! Speech played slower, for the recogniser to hear once more (`Request::Rehear`'s `slowed`).

/// `pcm` played `factor` times slower, and so lower, as a tape slowed down (Catmull-Rom
/// interpolation between its samples). A small recogniser that mishears a fast or high voice
/// the same way under every prompt often hears it right slowed a quarter: another view of
/// the sound, where decoding the same encoding again only reweighs the same guess.
pub fn slowed(pcm: &[f32], factor: f32) -> Vec<f32> {
    if pcm.is_empty() || !factor.is_finite() || factor <= 0.0 {
        return pcm.to_vec();
    }
    let last = pcm.len() as isize - 1;
    let at = |i: isize| pcm[i.clamp(0, last) as usize];
    let n = (pcm.len() as f64 * f64::from(factor)).round() as usize;
    (0..n)
        .map(|k| {
            let x = k as f64 / f64::from(factor);
            let i = x.floor() as isize;
            let t = (x - i as f64) as f32;
            let (p0, p1, p2, p3) = (at(i - 1), at(i), at(i + 1), at(i + 2));
            0.5 * (2.0 * p1
                + (p2 - p0) * t
                + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * t * t
                + (3.0 * (p1 - p2) + p3 - p0) * t * t * t)
        })
        .collect()
}

/// `pcm` played `factor` times slower at its own pitch: WSOLA, each 30 ms frame taken from
/// where the input, within 7.5 ms of its place in time, best continues the frame before, and
/// the frames overlapped half and added under a Hann window. A slowed tape and slowed
/// speech at its own pitch each let the small recogniser hear right a few commands it hears
/// wrong as said, and not the same ones.
pub fn stretched(pcm: &[f32], factor: f32) -> Vec<f32> {
    // 30 ms frames: on the corpus's tuning part the recogniser heard speech stretched in them
    // as well as in 40, 60 or 80 ms frames (or by sox's `tempo`), and made fewer wrong
    // commands of it.
    const FRAME: usize = 480;
    const HOP: usize = FRAME / 2;
    const TOLERANCE: isize = 120;
    if pcm.is_empty() || !factor.is_finite() || factor <= 0.0 {
        return pcm.to_vec();
    }
    let n = (pcm.len() as f64 * f64::from(factor)).round() as usize;
    let at = |i: isize| {
        if i < 0 {
            0.0
        } else {
            pcm.get(i as usize).copied().unwrap_or(0.0)
        }
    };
    // A periodic Hann window: frames half a frame apart sum to one.
    let window: Vec<f32> = (0..FRAME)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FRAME as f32).cos())
        .collect();
    let mut out = vec![0f32; n + FRAME];
    // Where the last frame was taken from: the input that would follow it is what the next
    // frame should sound like.
    let mut taken: isize = 0;
    for k in 0..n.div_ceil(HOP) {
        let nominal = (k as f64 * HOP as f64 / f64::from(factor)).round() as isize;
        let from = if k == 0 {
            0
        } else {
            let follow = taken + HOP as isize;
            (-TOLERANCE..=TOLERANCE)
                .map(|d| {
                    let start = nominal + d;
                    let c: f32 = (0..FRAME as isize)
                        .step_by(2)
                        .map(|i| at(start + i) * at(follow + i))
                        .sum();
                    (c, start)
                })
                .fold(
                    (f32::NEG_INFINITY, nominal),
                    |b, x| if x.0 > b.0 { x } else { b },
                )
                .1
        };
        for (i, w) in window.iter().enumerate() {
            out[k * HOP + i] += w * at(from + i as isize);
        }
        taken = from;
    }
    // The first half frame had no frame before it to sum to one with.
    for (i, s) in out.iter_mut().take(HOP).enumerate() {
        *s /= window[i].max(1e-3);
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upward zero crossings a second, at 16 kHz.
    fn pitch(pcm: &[f32]) -> f32 {
        let ups = pcm.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        ups as f32 * 16_000.0 / pcm.len() as f32
    }

    #[test]
    fn slowed_speech_lasts_longer_and_sounds_lower_by_the_factor() {
        let tone: Vec<f32> = (0..16_000)
            .map(|k| (std::f32::consts::TAU * 1000.0 * k as f32 / 16_000.0 + 0.1).sin())
            .collect();
        let slow = slowed(&tone, 1.25);
        assert_eq!(slow.len(), 20_000);
        assert!((pitch(&tone) - 1000.0).abs() <= 2.0);
        assert!((pitch(&slow) - 800.0).abs() <= 2.0, "{}", pitch(&slow));
        // The interpolation passes through the samples it has and stays smooth between them.
        assert_eq!(slow[0], tone[0]);
        assert_eq!(slow[5], tone[4]);
        let peak = slow.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((0.98..1.02).contains(&peak), "{peak}");
        assert_eq!(slowed(&tone, 1.0), tone);
        assert!(slowed(&[], 1.25).is_empty());
        assert_eq!(slowed(&tone[..3], f32::NAN), tone[..3]);
    }

    #[test]
    fn stretched_speech_lasts_longer_at_its_own_pitch() {
        let tone: Vec<f32> = (0..16_000)
            .map(|k| 0.5 * (std::f32::consts::TAU * 440.0 * k as f32 / 16_000.0).sin())
            .collect();
        let long = stretched(&tone, 1.25);
        assert_eq!(long.len(), 20_000);
        assert!((pitch(&long) - 440.0).abs() <= 3.0, "{}", pitch(&long));
        // Frames join in phase: no dips or bumps where they overlap.
        let level = |s: &[f32]| (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt();
        for part in long[..19_000].chunks(400) {
            let l = level(part);
            assert!((0.33..0.38).contains(&l), "{l}");
        }
        // A click stays one click, at a quarter later.
        let mut click = vec![0f32; 8000];
        click[4000] = 1.0;
        let long = stretched(&click, 1.25);
        let loud: Vec<usize> = (0..long.len()).filter(|&i| long[i].abs() > 0.1).collect();
        assert!(!loud.is_empty() && loud.len() < 700, "{}", loud.len());
        assert!(loud.iter().all(|&i| (4600..5400).contains(&i)), "{loud:?}");
        assert!(stretched(&[], 1.25).is_empty());
    }
}
