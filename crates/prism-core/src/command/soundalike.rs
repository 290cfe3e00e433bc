//! Hearing repair for spoken commands. Small speech models mishear short commands as
//! sound-alike words ("candle down", "unute", "refume playing", "turn off some titles"): when a
//! transcript is not a command as heard, words the grammar does not know are swapped for grammar
//! words that *sound* close, and the result counts only if the whole utterance then parses. Chat
//! stays chat: a correction must produce a complete command, the utterance must be short, and
//! each swapped word must be close in a sound-weighted edit distance.

/// Longest utterance worth repairing, in words the grammar reads (after "please", "Lumen"
/// and the like): commands are short, and a long sentence that almost parses after swaps is
/// more likely chat.
pub const MAX_WORDS: usize = 9;
/// Largest accepted distance per letter of the longer word.
pub const MAX_COST: f32 = 0.3;
/// The same for an utterance of one word ("moody" is not "mute").
pub const MAX_COST_ALONE: f32 = 0.2;

/// How far a swap may go, and how short a heard word may be, with nothing but spelling to
/// judge by ([`Reach::SPELLING`]), and when the sound judges the repairs
/// ([`Reach::HEARING`]: the recogniser scores each against the audio, so more and farther
/// guesses are safe to make).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub cost: f32,
    pub alone: f32,
    pub shortest: usize,
}

impl Reach {
    pub const SPELLING: Reach = Reach {
        cost: MAX_COST,
        alone: MAX_COST_ALONE,
        shortest: 4,
    };
    pub const HEARING: Reach = Reach {
        cost: 0.45,
        alone: 0.35,
        shortest: 3,
    };
}

fn vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Letters that stand for similar sounds: voiced/unvoiced pairs, the nasals, the liquids and
/// the spellings of /k/ and /s/.
const NEAR: &[(u8, u8)] = &[
    (b'b', b'p'),
    (b'd', b't'),
    (b'g', b'k'),
    (b'c', b'k'),
    (b'c', b'g'),
    (b'c', b'q'),
    (b'k', b'q'),
    (b'f', b'v'),
    (b'f', b's'),
    (b's', b'z'),
    (b'c', b's'),
    (b'm', b'n'),
    (b'd', b'n'),
    (b'l', b'r'),
    (b'b', b'm'),
    (b'v', b'w'),
    (b'j', b'g'),
];

fn substitution(a: u8, b: u8) -> f32 {
    if a == b {
        0.0
    } else if vowel(a) && vowel(b) {
        0.3
    } else if NEAR.contains(&(a, b)) || NEAR.contains(&(b, a)) {
        0.45
    } else {
        1.0
    }
}

/// Inserting or dropping a letter: vowels and a silent-ish `h` are cheap, consonants are not.
fn indel(c: u8) -> f32 {
    match c {
        _ if vowel(c) => 0.3,
        b'h' => 0.3,
        // An /s/ before a stop is often swallowed ("skip" heard as "keep").
        b's' => 0.45,
        _ => 0.6,
    }
}

/// Sound-weighted edit distance between two lower-case ASCII words.
pub fn distance(a: &str, b: &str) -> f32 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<f32> = std::iter::once(0.0)
        .chain(b.iter().scan(0.0, |s, &c| {
            *s += indel(c);
            Some(*s)
        }))
        .collect();
    let mut row = vec![0.0; b.len() + 1];
    for &ca in a {
        row[0] = prev[0] + indel(ca);
        for (j, &cb) in b.iter().enumerate() {
            row[j + 1] = (prev[j] + substitution(ca, cb))
                .min(prev[j + 1] + indel(ca))
                .min(row[j] + indel(cb));
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// [`distance`] per letter of the longer word.
pub fn closeness(a: &str, b: &str) -> f32 {
    distance(a, b) / a.len().max(b.len()).max(1) as f32
}

/// A swap: words `at..at + len` of the utterance become `word`.
#[derive(Debug, Clone, PartialEq)]
pub struct Swap {
    pub at: usize,
    pub len: usize,
    pub word: Box<str>,
    pub cost: f32,
}

/// Extra cost for replacing a word the grammar knows: a real command word was probably heard
/// right, though "skip" is often heard as the equally valid "keep".
const KNOWN_PENALTY: f32 = 0.03;

/// Every plausible swap of heard words (alone, or two run together: "some titles" →
/// "subtitles") for known ones, cheapest first. Numbers are never swapped.
/// `targets` are the words a heard word may become (sorted); `is_known` also says which
/// heard words are already right (the grammar's words and the lineup's channel names).
pub fn swaps(
    toks: &[&str],
    targets: &[Box<str>],
    reach: Reach,
    is_known: impl Fn(&str) -> bool,
) -> Vec<Swap> {
    let mut out = Vec::new();
    for at in 0..toks.len() {
        for len in 1..=2 {
            if at + len > toks.len()
                || toks[at..at + len]
                    .iter()
                    .any(|w| w.bytes().any(|c| c.is_ascii_digit()))
            {
                continue;
            }
            // Only two unknown, full words run together: "some titles", not "who is".
            if len == 2 && toks[at..at + 2].iter().any(|w| w.len() < 3 || is_known(w)) {
                continue;
            }
            let penalty = if toks[at..at + len].iter().any(|w| is_known(w)) {
                KNOWN_PENALTY
            } else {
                0.0
            };
            let heard: String = toks[at..at + len].concat();
            // Short words have too many neighbours to repair safely.
            if heard.len() < reach.shortest || !heard.is_ascii() {
                continue;
            }
            for k in targets {
                // Whole words dropped or invented are not mishearings ("keep forward" is
                // not "forward").
                // A target of two words ("channel down", when the sound judges) is compared
                // run together: "candletown".
                let flat = k.replace(' ', "");
                if flat.len() < reach.shortest
                    || flat.len() * 10 < heard.len() * 7
                    || heard.len() * 10 < flat.len() * 7
                {
                    continue;
                }
                let cost = closeness(&heard, &flat) + penalty;
                // Two heard words that are one known word run together ("sub titles") are a
                // repair even when spelt the same.
                if cost <= reach.cost && (**k != *heard || len == 2) {
                    out.push(Swap {
                        at,
                        len,
                        word: k.clone(),
                        cost,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    out
}

/// `toks` with the swaps applied (they must not overlap).
pub fn apply(toks: &[&str], swaps: &[&Swap]) -> String {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if let Some(s) = swaps.iter().find(|s| s.at == i) {
            out.push(&*s.word);
            i += s.len;
        } else {
            out.push(toks[i]);
            i += 1;
        }
    }
    out.join(" ")
}

/// Short words the recogniser confuses with each other: unstressed, a syllable or less, and
/// below what a spelling distance can judge ("rewind the minute" for "rewind a minute",
/// "record is" for "record this", "skip to minutes" for "skip two minutes"). "on" and "off"
/// are never exchanged: a repair must not turn a request round.
const CONFUSED: &[(&str, &[&str])] = &[
    ("the", &["a", "this"]),
    ("is", &["this", "it"]),
    ("it", &["is"]),
    ("to", &["two"]),
    ("do", &["two", "to"]),
    ("two", &["to"]),
    ("and", &["on", "in"]),
    ("in", &["on"]),
];

/// Words the recogniser puts in front of what was said, or between its words ("In the next
/// one", "So, subtitles on", "Record on top gear").
const INSERTED: &[&str] = &["in", "so", "and", "it", "a", "on", "oh", "well"];

/// Words a recogniser splits the prefix "un" from ("A mute." for "unmute", "And favourite
/// this" for "unfavourite this").
const UN: &[&str] = &["a", "an", "and", "in", "on", "um"];

/// Small edits of a transcript, the sound to judge them: one short word exchanged for one it
/// is confused with, one inserted short word dropped, "a mute" as "unmute" (when
/// `is_word("unmute")`), or a number heard as a digit and a letter ("4D") as the tens it
/// sounds like ("40"). Each is a whole sentence, in that order.
pub fn small_edits(toks: &[&str], is_word: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let with = |at: usize, len: usize, word: Option<&str>| -> String {
        toks[..at]
            .iter()
            .copied()
            .chain(word)
            .chain(toks[at + len..].iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (at, w) in toks.iter().enumerate() {
        if let Some((_, to)) = CONFUSED.iter().find(|(from, _)| from == w) {
            out.extend(to.iter().map(|t| with(at, 1, Some(t))));
        }
        if let [d, b'd' | b't'] = w.as_bytes()
            && (b'2'..=b'9').contains(d)
        {
            out.push(with(at, 1, Some(&format!("{}0", *d as char))));
        }
    }
    for (at, w) in toks.iter().enumerate() {
        if UN.contains(w)
            && let Some(next) = toks.get(at + 1)
        {
            let joined = format!("un{next}");
            if is_word(&joined) {
                out.push(with(at, 2, Some(&joined)));
            }
        }
    }
    if toks.len() > 1 {
        for (at, w) in toks.iter().enumerate() {
            if INSERTED.contains(w) {
                out.push(with(at, 1, None));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_sounds_are_close_and_different_words_are_not() {
        for (heard, meant) in [
            ("candle", "channel"),
            ("unute", "unmute"),
            ("refume", "resume"),
            ("sometitles", "subtitles"),
            ("keep", "skip"),
            ("paws", "pause"),
            ("valume", "volume"),
        ] {
            assert!(
                closeness(heard, meant) <= MAX_COST,
                "{heard} → {meant}: {}",
                closeness(heard, meant)
            );
        }
        for (heard, other) in [("hell", "now"), ("football", "volume"), ("movie", "mute")] {
            assert!(
                closeness(heard, other) > MAX_COST,
                "{heard} ≈ {other}: {}",
                closeness(heard, other)
            );
        }
    }

    #[test]
    fn short_words_are_exchanged_dropped_and_joined() {
        let known = |w: &str| matches!(w, "unmute" | "unfavourite");
        let edits = |t: &str| small_edits(&t.split(' ').collect::<Vec<_>>(), known);
        assert!(edits("rewind the minute").contains(&"rewind a minute".to_owned()));
        assert!(edits("record is").contains(&"record this".to_owned()));
        assert!(edits("skip ahead to minutes").contains(&"skip ahead two minutes".to_owned()));
        assert!(edits("in the next one").contains(&"the next one".to_owned()));
        assert_eq!(edits("a mute"), ["unmute", "mute"]);
        assert!(edits("and favourite this").contains(&"unfavourite this".to_owned()));
        assert!(edits("set the volume to 4d").contains(&"set the volume to 40".to_owned()));
        // A lone word is never dropped; on and off are never exchanged.
        assert!(edits("so").is_empty());
        assert!(!edits("subtitles on").iter().any(|e| e.contains("off")));
        assert!(!edits("unmute").iter().any(|e| e == "mute"));
    }
}
