//! What speech recognition heard, when the grammar cannot parse it: the repairs the grammar
//! can parse ([`super::Grammar::repairs`]) are judged by the sound. The recogniser scores each
//! against the audio (the mean log-probability of its tokens, decoded along it), and the one
//! that fits best is taken if it fits nearly as well as the recogniser's own transcript; chat
//! fits its own words far better than any command, and stays chat.

use super::{Grammar, MediaCommand};

/// How many repairs are scored: each costs a few decoder steps.
pub const CANDIDATES: usize = 8;

/// How much worse a repair may fit the sound than the transcript (mean log-probability per
/// token). Set on the corpus's tuning part, spoken.
pub const MARGIN: f32 = 1.0;

/// `text` as the recogniser writes a sentence (a capital, a full stop), so the transcript
/// and its repairs are scored alike.
pub fn written(text: &str) -> String {
    let t = text.trim().trim_end_matches(['.', '?', '!', ',']);
    let mut c = t.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// Which repair was said: `heard` is the transcript's score, `repairs` theirs (in order); the
/// best-fitting one within [`MARGIN`] of the transcript, the cheaper on a tie.
pub fn choose(heard: f32, repairs: &[f32]) -> Option<usize> {
    let (i, best) = repairs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_finite())
        .fold(None, |b: Option<(usize, f32)>, (i, s)| match b {
            Some((_, bs)) if bs >= *s => b,
            _ => Some((i, *s)),
        })?;
    (best >= heard - MARGIN).then_some(i)
}

/// What a transcript the grammar cannot parse as heard is taken for: the repair the sound
/// vouches for (`scores`: the recogniser's for the written transcript, then for each of
/// `repairs`), else the one the spelling alone would take ([`Grammar::parse_heard`], as
/// without scores), else nothing (the words go to the language model).
pub fn understood(
    grammar: &Grammar,
    heard: &str,
    repairs: &[(MediaCommand, String)],
    scores: Option<&[f32]>,
) -> Option<(MediaCommand, String)> {
    scores
        .filter(|s| s.len() == repairs.len() + 1)
        .and_then(|s| choose(s[0], &s[1..]))
        .map(|i| repairs[i].clone())
        .or_else(|| grammar.parse_heard(heard))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repair_is_written_as_a_sentence() {
        assert_eq!(written("volume up"), "Volume up.");
        assert_eq!(written(" Mute. "), "Mute.");
        assert_eq!(written(""), "");
    }

    #[test]
    fn the_best_fitting_repair_is_taken_only_near_the_transcript() {
        assert_eq!(choose(-0.5, &[-0.9, -0.7, -2.0]), Some(1));
        assert_eq!(choose(-0.5, &[-0.9, -0.9]), Some(0), "the cheaper on a tie");
        assert_eq!(
            choose(-0.2, &[-0.2 - MARGIN - 0.1]),
            None,
            "chat stays chat"
        );
        assert_eq!(choose(-0.5, &[]), None);
        assert_eq!(choose(-0.5, &[f32::NEG_INFINITY]), None);
    }
}
