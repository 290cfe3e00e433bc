//! The mouth from the voice's own timing: Piper computes how long each phoneme lasts (its
//! duration predictor) and the phonemes come from espeak-ng as IPA. Each phoneme becomes a
//! viseme (or the closed mouth), runs of the same viseme merge, and the track is stretched to
//! the audio's exact length so the lips never drift from the sound.

use crate::avatar::face::{TimedViseme, Viseme};

/// The mouth shape for an IPA phoneme (espeak-ng's symbols, as Piper voices use them).
/// Consonants that close the lips (p b m) or barely open them are silence; the rounded ones
/// (w, ʃ, ʒ, r) borrow the rounded vowel; the rest of the consonants are left to the vowels
/// around them (co-articulation smooths the gaps), as `None`.
pub fn viseme_of(phoneme: &str) -> Option<Viseme> {
    let p = phoneme.trim_matches(|c: char| matches!(c, 'ˈ' | 'ˌ' | 'ː' | '\u{303}'));
    let first = p.chars().next()?;
    Some(match first {
        'a' | 'ɑ' | 'æ' | 'ʌ' | 'ɐ' => Viseme::Aa,
        'ɒ' | 'o' | 'ɔ' => Viseme::Oh,
        'i' | 'ɪ' | 'j' | 'y' => Viseme::Ih,
        'e' | 'ɛ' | 'ə' | 'ɜ' | 'ɚ' | 'ɝ' | 'ᵻ' => Viseme::Ee,
        'u' | 'ʊ' | 'w' | 'ʃ' | 'ʒ' | 'ɹ' | 'r' | 'ɾ' => Viseme::Ou,
        'p' | 'b' | 'm' => Viseme::Silence,
        ' ' | '.' | ',' | '!' | '?' | ';' | ':' | '—' | '…' => Viseme::Silence,
        _ => return None,
    })
}

/// A viseme track from (phoneme, seconds) pairs, stretched to `audio_seconds` (the samples
/// the voice produced). Phonemes without a mouth shape extend the shape before them.
pub fn track_from_phonemes<P: AsRef<str>>(
    phonemes: &[(P, f32)],
    audio_seconds: f32,
) -> Vec<TimedViseme> {
    let mut track: Vec<TimedViseme> = Vec::new();
    let mut t = 0.0f32;
    for (p, d) in phonemes {
        let d = d.max(0.0);
        let v = viseme_of(p.as_ref())
            .or_else(|| track.last().map(|v| v.viseme))
            .unwrap_or(Viseme::Silence);
        match track.last_mut() {
            Some(last) if last.viseme == v => last.duration += d,
            _ => track.push(TimedViseme {
                viseme: v,
                start: t,
                duration: d,
            }),
        }
        t += d;
    }
    // Stretched, not padded: the predictor's total and the samples differ by a few frames of
    // rounding, spread evenly so every viseme keeps its place relative to the sound.
    if t > 0.0 && audio_seconds > 0.0 {
        let k = audio_seconds / t;
        for v in &mut track {
            v.start *= k;
            v.duration *= k;
        }
    }
    track.retain(|v| v.duration > 0.0);
    track
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipa_vowels_and_lip_consonants_map_to_visemes() {
        assert_eq!(viseme_of("ˈa"), Some(Viseme::Aa));
        assert_eq!(viseme_of("æ"), Some(Viseme::Aa));
        assert_eq!(viseme_of("iː"), Some(Viseme::Ih));
        assert_eq!(viseme_of("ɛ"), Some(Viseme::Ee));
        assert_eq!(viseme_of("ə"), Some(Viseme::Ee));
        assert_eq!(viseme_of("uː"), Some(Viseme::Ou));
        assert_eq!(viseme_of("ɔ"), Some(Viseme::Oh));
        assert_eq!(viseme_of("oʊ"), Some(Viseme::Oh));
        assert_eq!(viseme_of("m"), Some(Viseme::Silence));
        assert_eq!(viseme_of("t"), None);
        assert_eq!(viseme_of(""), None);
    }

    #[test]
    fn a_track_merges_runs_and_sums_to_the_audio_length() {
        // "hello" as espeak-ng writes it: h ə l ˈoʊ, then a pause.
        let ph = [
            ("h", 0.06),
            ("ə", 0.05),
            ("l", 0.07),
            ("ˈoʊ", 0.2),
            (" ", 0.1),
        ];
        let track = track_from_phonemes(&ph, 0.5);
        let kinds: Vec<Viseme> = track.iter().map(|v| v.viseme).collect();
        // h has no shape and nothing before it: silence; l extends ə.
        assert_eq!(
            kinds,
            [Viseme::Silence, Viseme::Ee, Viseme::Oh, Viseme::Silence]
        );
        let end = track.last().map(|v| v.start + v.duration).unwrap();
        assert!((end - 0.5).abs() < 1.0 / 60.0, "ends at {end}");
        for w in track.windows(2) {
            assert!((w[0].start + w[0].duration - w[1].start).abs() < 1e-5);
        }
        // The oh sits where its sound is: 0.18 s of 0.48 in, scaled to 0.5 s.
        assert!((track[2].start - 0.18 * 0.5 / 0.48).abs() < 1e-4);
    }
}
