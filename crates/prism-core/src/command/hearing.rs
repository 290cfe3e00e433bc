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

/// A transcript as the recogniser is asked to score it: normalised (its repairs are), then
/// [`written`].
pub fn as_scored(heard: &str) -> String {
    written(&super::normalise(heard))
}

/// What the recogniser is asked to score: the transcript, then each repair, all written
/// alike (the scores [`understood`] reads).
pub fn to_score(heard: &str, repairs: &[(MediaCommand, String)]) -> Vec<String> {
    std::iter::once(as_scored(heard))
        .chain(repairs.iter().map(|(_, t)| written(t)))
        .collect()
}

/// What the recogniser's other hypotheses make a command of: `alternatives` are the speech
/// heard again, its first `guesses` the greedy guess under each prompt, the rest n-best
/// branches (and guesses begun with a command's word and the slowed speech's, which count
/// as branches). A greedy guess the grammar parses as heard wins, else a greedy guess
/// repaired by spelling alone, else the first branch parsed as heard; and what it was
/// understood as.
/// A branch is a guess the recogniser itself found less likely, so it comes after the
/// greedy guesses and is never repaired: a dozen branches of noisy chat give a spelling
/// repair many chances to find some command. On the corpus's tuning part, spoken, no branch
/// heard as a command ever disagreed with a greedy guess's repair (7 of 42 hearings again
/// had one), so the repair need not wait for every branch ([`decided`]). Chat heard again
/// is still chat: a hypothesis must parse whole.
pub fn first_parsed(
    grammar: &Grammar,
    guesses: usize,
    alternatives: &[String],
) -> Option<(MediaCommand, String)> {
    let (greedy, branches) = alternatives.split_at(guesses.min(alternatives.len()));
    greedy
        .iter()
        .find_map(|t| as_heard(grammar, t))
        .or_else(|| greedy.iter().find_map(|t| grammar.parse_heard(t)))
        .or_else(|| branches.iter().find_map(|t| as_heard(grammar, t)))
}

/// [`first_parsed`]'s answer once the guesses that came so far (`so_far`, the first of the
/// recogniser's answers, in order: `Event::Guess`) settle it whatever comes after; `None`
/// while they do not. The app acts on it the moment it is settled and cancels the rest.
pub fn decided(
    grammar: &Grammar,
    guesses: usize,
    so_far: &[String],
) -> Option<(MediaCommand, String)> {
    if so_far.len() < guesses {
        // A greedy guess parsed as heard beats every later one; a repair waits for the
        // other greedy guesses, which might be heard right.
        so_far.iter().find_map(|t| as_heard(grammar, t))
    } else {
        first_parsed(grammar, guesses, so_far)
    }
}

/// A hypothesis the grammar parses whole as heard, with its words.
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
    fn a_greedy_guess_heard_right_then_repaired_beats_a_branch() {
        let g = Grammar::default();
        let guesses = ["Unute.".to_owned(), "Pause.".to_owned()];
        assert_eq!(
            first_parsed(&g, 2, &guesses).map(|(c, _)| c),
            Some(MediaCommand::Pause),
            "a greedy guess heard right beats an earlier one repaired"
        );
        // A greedy guess's repair beats a branch heard right, which the recogniser found
        // less likely.
        assert_eq!(
            first_parsed(&g, 1, &guesses).map(|(c, _)| c),
            Some(MediaCommand::Unmute)
        );
        assert_eq!(
            first_parsed(&g, 1, &["Lovely day.".to_owned(), "Pause.".to_owned()]).map(|(c, _)| c),
            Some(MediaCommand::Pause),
            "a branch heard right when no greedy guess is a command"
        );
        // A branch is never repaired.
        assert_eq!(first_parsed(&g, 0, &guesses[..1]), None);
        assert_eq!(
            first_parsed(&g, 2, &["What a lovely day.".to_owned()]),
            None
        );
    }

    #[test]
    fn a_command_is_decided_as_soon_as_no_later_guess_can_change_it() {
        let g = Grammar::default();
        let s = |t: &[&str]| t.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        for (all, guesses) in [
            (s(&["Unute.", "Pause.", "Mute."]), 2),
            (s(&["Unute.", "Lovely day.", "Mute."]), 2),
            (s(&["Lovely day.", "Lovely days.", "Mute.", "Pause."]), 2),
            (s(&["Pause.", "Unute.", "Mute."]), 2),
            (s(&["Lovely day.", "Lovely days.", "A lovely day."]), 2),
        ] {
            let at_last = first_parsed(&g, guesses, &all);
            let mut settled = None;
            for n in 0..=all.len() {
                let d = decided(&g, guesses, &all[..n]);
                if settled.is_some() {
                    assert_eq!(d, settled, "{all:?}: settled stays settled");
                } else if d.is_some() {
                    assert_eq!(d, at_last, "{all:?}: settled at {n} as at the end");
                    settled = d;
                }
            }
            assert_eq!(settled, at_last, "{all:?}");
        }
        // A repaired first guess waits for the second greedy guess; one heard right does not.
        let all = s(&["Unute.", "Pause."]);
        assert_eq!(decided(&g, 2, &all[..1]), None);
        assert_eq!(
            decided(&g, 2, &s(&["Pause."])).map(|(c, _)| c),
            Some(MediaCommand::Pause)
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
