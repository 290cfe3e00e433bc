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

/// What the recogniser is asked to score: the transcript, then each repair, all written
/// alike (the scores [`understood`] reads).
pub fn to_score(heard: &str, repairs: &[(MediaCommand, String)]) -> Vec<String> {
    std::iter::once(written(&super::normalise(heard)))
        .chain(repairs.iter().map(|(_, t)| written(t)))
        .collect()
}

/// What the recogniser's other hypotheses make a command of: `alternatives` are the speech
/// heard again, its first `guesses` the greedy guess under each prompt, the rest n-best
/// branches. The first that is a command as heard wins; else the first greedy guess that is
/// one repaired by spelling alone; and what it was understood as. A guess heard right
/// further down the list beats an earlier one's repair: among a dozen guesses, some
/// near-miss spelling of a wrong command is likely ("Companion Moda." repaired to "romanian
/// audio" before "Companion mode off." in the same list). A branch is a guess the recogniser
/// itself found less likely, so it is never repaired as well: a dozen branches of noisy chat
/// give a spelling repair many chances to find some command. Chat heard again is still chat:
/// a hypothesis must parse whole.
pub fn first_parsed(
    grammar: &Grammar,
    guesses: usize,
    alternatives: &[String],
) -> Option<(MediaCommand, String)> {
    alternatives
        .iter()
        .find_map(|t| as_heard(grammar, t))
        .or_else(|| {
            alternatives
                .iter()
                .take(guesses)
                .find_map(|t| grammar.parse_heard(t))
        })
}

/// A hypothesis the grammar parses whole as heard, with its words: what [`first_parsed`]
/// looks for first. The recogniser's guesses come one by one in that order (`Event::Guess`),
/// so the first of them this parses is the command before the rest are decoded.
pub fn as_heard(grammar: &Grammar, text: &str) -> Option<(MediaCommand, String)> {
    grammar.parse_whole(text).map(|c| (c, text.to_string()))
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

/// What a transcript is taken for: a command as heard or repaired by spelling alone
/// ([`Grammar::parse_heard`], at once), else the farther repair the sound vouches for
/// (`scores`: the recogniser's for the written transcript, then for each of `repairs`, from
/// [`Grammar::repairs`] with [`super::soundalike::Reach::HEARING`]), else a command with
/// words of its own around it ([`Grammar::heard_around`]), else nothing (the words go to the
/// language model).
pub fn understood(
    grammar: &Grammar,
    heard: &str,
    repairs: &[(MediaCommand, String)],
    scores: Option<&[f32]>,
) -> Option<(MediaCommand, String)> {
    grammar
        .parse_heard(heard)
        .or_else(|| {
            scores
                .filter(|s| s.len() == repairs.len() + 1)
                .and_then(|s| choose(s[0], &s[1..]))
                .map(|i| repairs[i].clone())
        })
        .or_else(|| {
            grammar
                .heard_around(heard)
                .map(|cmd| (cmd, heard.to_owned()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spelling_repairs_at_once_and_the_sound_judges_the_farther_ones() {
        use super::super::soundalike::Reach;
        let g = Grammar::default();
        // A near miss needs no scores.
        assert_eq!(
            understood(&g, "Unute.", &[], None).map(|(c, _)| c),
            Some(MediaCommand::Unmute)
        );
        let heard = "Candletown.";
        let repairs = g.repairs(heard, CANDIDATES, Reach::HEARING);
        let down = repairs
            .iter()
            .position(|(c, _)| *c == MediaCommand::ChannelDown)
            .expect("a repair to channel down");
        let mut scores = vec![-9.0; repairs.len() + 1];
        scores[0] = -1.4;
        scores[down + 1] = -1.6;
        assert_eq!(
            understood(&g, heard, &repairs, Some(&scores)).map(|(c, _)| c),
            Some(MediaCommand::ChannelDown)
        );
        // The sound vouches for none: chat, for the model. Unscored: nothing either.
        scores[down + 1] = -1.4 - MARGIN - 0.5;
        assert_eq!(understood(&g, heard, &repairs, Some(&scores)), None);
        assert_eq!(understood(&g, heard, &repairs, None), None);
    }

    #[test]
    fn a_guess_heard_right_beats_an_earlier_guess_repaired() {
        let g = Grammar::default();
        let guesses = ["Unute.".to_owned(), "Pause.".to_owned()];
        assert_eq!(
            first_parsed(&g, 2, &guesses).map(|(c, _)| c),
            Some(MediaCommand::Pause)
        );
        // A branch heard right counts as much as a greedy guess.
        assert_eq!(
            first_parsed(&g, 1, &guesses).map(|(c, _)| c),
            Some(MediaCommand::Pause)
        );
        // With no guess heard right, the first greedy guess's repair; a branch's, never.
        assert_eq!(
            first_parsed(&g, 1, &guesses[..1]).map(|(c, _)| c),
            Some(MediaCommand::Unmute)
        );
        assert_eq!(first_parsed(&g, 0, &guesses[..1]), None);
        assert_eq!(
            first_parsed(&g, 2, &["What a lovely day.".to_owned()]),
            None
        );
    }

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
