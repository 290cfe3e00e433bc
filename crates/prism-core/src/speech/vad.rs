//! Voice activity: the part of a push-to-talk recording that holds speech. Frames of 20 ms are
//! compared with the recording's own noise floor (its quietest frames), so a fan or the TV in the
//! room does not count as speech and a quiet speaker still does; the speech keeps 150 ms of
//! margin either side so soft consonants at the edges survive.

const FRAME_MS: usize = 20;
const MARGIN_MS: usize = 150;
/// Speech must be this far above the floor (≈ 12 dB) and above an absolute floor (-50 dBFS).
const OVER_FLOOR: f32 = 4.0;
const ABSOLUTE: f32 = 0.003;
/// Shorter runs of loud frames are clicks, not words.
const MIN_SPEECH_MS: usize = 100;

/// The speech in `samples` as a range of sample indices, or `None` when there is none.
pub fn speech_span(samples: &[f32], rate: u32) -> Option<std::ops::Range<usize>> {
    let frame = (rate as usize * FRAME_MS / 1000).max(1);
    let rms: Vec<f32> = samples
        .chunks(frame)
        .map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    if rms.is_empty() {
        return None;
    }
    let mut sorted = rms.clone();
    sorted.sort_by(f32::total_cmp);
    let floor = sorted[sorted.len() / 10];
    let threshold = (floor * OVER_FLOOR).max(ABSOLUTE);
    let loud: Vec<bool> = rms.iter().map(|&r| r > threshold).collect();
    // Runs of loud frames long enough to be speech.
    let min_run = MIN_SPEECH_MS / FRAME_MS;
    let mut first = None;
    let mut last = None;
    let mut i = 0;
    while i < loud.len() {
        if loud[i] {
            let start = i;
            while i < loud.len() && loud[i] {
                i += 1;
            }
            if i - start >= min_run {
                first.get_or_insert(start);
                last = Some(i);
            }
        } else {
            i += 1;
        }
    }
    let (first, last) = (first?, last?);
    let margin = MARGIN_MS / FRAME_MS;
    let start = first.saturating_sub(margin) * frame;
    let end = ((last + margin) * frame).min(samples.len());
    Some(start..end)
}

/// Quiet after the speech's margin that makes it look finished while the key is still held.
pub const SETTLED_MS: usize = 100;

/// The speech in a recording still being made, once it looks finished: quiet for
/// [`SETTLED_MS`] past its margin (250 ms after the last word). It can be transcribed before
/// the key is let go; [`same_speech`] says at the release whether that still holds.
pub fn settled(samples: &[f32], rate: u32) -> Option<std::ops::Range<usize>> {
    let span = speech_span(samples, rate)?;
    (samples.len() - span.end >= rate as usize * SETTLED_MS / 1000).then_some(span)
}

/// Whether the whole recording's speech (`last`) is what was transcribed early (`early`):
/// nothing was said after it, nor before (within 100 ms: the noise floor, and so the edges,
/// move a little as the recording grows).
pub fn same_speech(
    early: &std::ops::Range<usize>,
    last: &std::ops::Range<usize>,
    rate: u32,
) -> bool {
    let slack = rate as usize / 10;
    last.start + slack >= early.start && last.end <= early.end + slack
}

/// Peak level of a block in dBFS (for the mic meter), -90 for silence.
pub fn level_db(block: &[f32]) -> f32 {
    let peak = block.iter().fold(0f32, |m, s| m.max(s.abs()));
    (20.0 * peak.max(1e-9).log10()).max(-90.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, amp: f32, seed: &mut u32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (*seed >> 8) as f32 / (1u32 << 24) as f32 * 2.0 * amp - amp
            })
            .collect()
    }

    #[test]
    fn speech_settles_once_quiet_follows_and_more_words_undo_it() {
        let rate = 16_000;
        let mut seed = 3;
        let n = rate as usize;
        let voice =
            |len: usize| -> Vec<f32> { (0..len).map(|i| (i as f32 * 0.07).sin() * 0.3).collect() };
        let mut rec = noise(n / 2, 0.01, &mut seed);
        rec.extend(voice(n));
        rec.extend(noise(n / 10, 0.01, &mut seed));
        assert_eq!(
            settled(&rec, rate),
            None,
            "100 ms after the words is a pause, not the end"
        );
        rec.extend(noise(n / 5, 0.01, &mut seed));
        let early = settled(&rec, rate).expect("300 ms of quiet: finished");
        // Released 400 ms later with nothing more said: the same speech.
        rec.extend(noise(n * 2 / 5, 0.01, &mut seed));
        assert!(same_speech(&early, &speech_span(&rec, rate).unwrap(), rate));
        // ...or more words after the pause: not.
        rec.extend(voice(n / 2));
        rec.extend(noise(n / 5, 0.01, &mut seed));
        assert!(!same_speech(
            &early,
            &speech_span(&rec, rate).unwrap(),
            rate
        ));
    }

    #[test]
    fn speech_is_found_in_room_noise_with_its_margins() {
        let rate = 16_000;
        let mut seed = 7;
        let mut s = noise(rate as usize, 0.01, &mut seed); // 1 s of room
        let voice: Vec<f32> = (0..rate as usize)
            .map(|i| (i as f32 * 0.07).sin() * 0.3)
            .collect();
        s.extend(&voice); // 1 s of "speech"
        s.extend(noise(rate as usize / 2, 0.01, &mut seed));
        let span = speech_span(&s, rate).unwrap();
        let ms = |i: usize| i as f32 * 1000.0 / rate as f32;
        assert!(
            (ms(span.start) - 850.0).abs() <= 20.0,
            "starts {}",
            ms(span.start)
        );
        assert!(
            (ms(span.end) - 2150.0).abs() <= 20.0,
            "ends {}",
            ms(span.end)
        );
    }

    #[test]
    fn silence_noise_and_clicks_are_not_speech() {
        let mut seed = 1;
        assert_eq!(speech_span(&[], 16_000), None);
        assert_eq!(speech_span(&vec![0.0; 16_000], 16_000), None);
        assert_eq!(speech_span(&noise(32_000, 0.02, &mut seed), 16_000), None);
        let mut click = noise(32_000, 0.005, &mut seed);
        click[10_000..10_400].iter_mut().for_each(|s| *s = 0.9);
        assert_eq!(speech_span(&click, 16_000), None, "a 25 ms click");
        assert_eq!(level_db(&[0.5, -1.0]), 0.0);
        assert!((level_db(&[0.1]) + 20.0).abs() < 1e-4);
    }
}
