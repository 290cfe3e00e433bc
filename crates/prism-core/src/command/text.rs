//! Utterances made comparable: normalised to lower-case words, and the fillers around a
//! command ("hey Lumen", "please", "can you") dropped. The grammar, the channel directory and
//! the assistant all read text through here.

/// Lower case, apostrophes dropped ("what's" → "whats"), `%` → "percent", other punctuation
/// to spaces; a `.` between digits survives ("5.1").
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // dropped: "what's" → "whats"
        } else if c == '.'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            out.push('.');
        } else if c == '%' {
            out.push_str(" percent ");
        } else if c == '&' {
            out.push_str(" and ");
        } else if c == '+' {
            out.push_str(" plus ");
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_owned()
}

/// Dropped anywhere.
pub(super) const FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "ah", "please", "lumen", "the",
];
/// The words of a normalised utterance the rules read: all but the fillers.
pub(super) fn said(norm: &str) -> impl Iterator<Item = &str> {
    norm.split(' ')
        .filter(|w| !w.is_empty() && !FILLERS.contains(w))
}

/// Dropped from the start (repeatedly).
pub(super) const LEADING: &[&[&str]] = &[
    &["hey"],
    &["hi"],
    &["ok"],
    &["okay"],
    &["so"],
    &["and"],
    &["now"],
    &["just"],
    &["quickly"],
    &["oh"],
    &["could", "you"],
    &["can", "you"],
    &["would", "you"],
    &["will", "you"],
    &["could", "u"],
    &["can", "u"],
    &["i", "want", "to"],
    &["i", "wanna"],
    &["i", "would", "like", "to"],
    &["id", "like", "to"],
    &["i", "would", "love", "to"],
    &["id", "love", "to"],
    &["lemme"],
    &["go", "ahead", "and"],
    &["kindly"],
    // "Hang on a second, stop it there": what comes before the command.
    &["hang", "on", "a", "second"],
    &["hang", "on", "a", "sec"],
    &["hang", "on", "a", "minute"],
    &["hang", "on"],
    &["hold", "on"],
    &["you", "can"],
    // Politeness and hesitation before a command.
    &["could", "you", "please"],
    &["can", "you", "please"],
    &["i", "need", "you", "to"],
    &["i", "want", "you", "to"],
    &["do", "me", "a", "favour", "and"],
    &["do", "me", "a", "favor", "and"],
    &["be", "a", "dear", "and"],
    &["why", "dont", "you"],
    &["wait"],
    &["hold", "up"],
    &["go", "on", "then"],
    &["right"],
    &["alright"],
    &["all", "right"],
    &["well"],
    &["yeah"],
    &["yes"],
    &["actually"],
    &["maybe"],
    &["ugh"],
    &["oi"],
    &["try"],
];
/// Dropped from the start, the verb after them said as a command ("would you mind pausing
/// it" → "pause it").
const GERUND_LEADS: &[&[&str]] = &[
    &["would", "you", "mind"],
    &["do", "you", "mind"],
    &["how", "about"],
    &["i", "fancy"],
    &["fancy"],
    &["try"],
];
/// A verb's -ing form, and the verb.
const GERUNDS: &[(&str, &str)] = &[
    ("pausing", "pause"),
    ("muting", "mute"),
    ("unmuting", "unmute"),
    ("turning", "turn"),
    ("putting", "put"),
    ("switching", "switch"),
    ("changing", "change"),
    ("skipping", "skip"),
    ("going", "go"),
    ("playing", "play"),
    ("showing", "show"),
    ("opening", "open"),
    ("closing", "close"),
    ("rewinding", "rewind"),
    ("watching", "watch"),
    ("recording", "record"),
    ("stopping", "stop"),
    ("starting", "start"),
    ("making", "make"),
    ("lowering", "lower"),
    ("raising", "raise"),
    ("flicking", "flick"),
    ("flipping", "flip"),
];
/// Words said two ways, read one way.
const SAME: &[(&str, &str)] = &[("telly", "tv"), ("television", "tv"), ("tele", "tv")];

/// One spelling of a word the rules know two of ("telly" → "tv").
pub(super) fn same_word(w: &str) -> &str {
    SAME.iter().find(|(a, _)| *a == w).map_or(w, |(_, b)| b)
}
/// Dropped from the end (repeatedly).
pub(super) const TRAILING: &[&[&str]] = &[
    &["thanks"],
    &["thank", "you"],
    &["for", "me"],
    &["right", "now"],
    &["now"],
    &["instead"],
    &["again"],
    &["will", "you"],
    &["would", "you"],
    &["could", "you"],
    &["can", "you"],
    &["if", "you", "dont", "mind"],
    &["if", "you", "can"],
    &["if", "you", "could"],
    &["mate"],
    &["buddy"],
    &["love"],
    &["cheers"],
    &["ta"],
    &["then"],
    &["ok"],
    &["okay"],
    &["quickly"],
    &["quick"],
    &["real", "quick"],
    &["at", "moment"],
    &["currently"],
];

/// Said before a command, but also inside phrasings the rules know ("can we have ESPN", "let
/// me see"): dropped only when the utterance as said finds no rule (see [`strip_soft`]).
const SOFT_LEADING: &[&[&str]] = &[
    &["can", "we"],
    &["could", "we"],
    &["shall", "we"],
    &["should", "we"],
    &["lets"],
    &["let", "us"],
    &["we", "should"],
    &["we", "could"],
    &["maybe", "we", "could"],
    &["i", "think", "we", "should"],
    &["i", "think"],
    &["i", "guess"],
    &["i", "need", "to"],
    &["id", "love", "to"],
    &["i", "would", "love", "to"],
    &["please", "can", "you"],
    &["please", "could", "you"],
    &["do", "you", "think", "you", "could"],
    &["do", "you", "think", "you", "can"],
    &["is", "it", "possible", "to"],
    &["would", "it", "be", "possible", "to"],
    &["any", "chance", "you", "could"],
    &["any", "chance", "you", "can"],
    &["would", "you", "be", "able", "to"],
    &["are", "you", "able", "to"],
    &["you", "know", "what"],
    &["listen"],
    &["look"],
    &["excuse", "me"],
    &["sorry"],
    &["come", "on"],
    &["cmon"],
    &["time", "to"],
    &["its", "time", "to"],
    &["go", "and"],
    &["try", "and"],
    &["try", "to"],
    &["then"],
    &["also"],
    &["and", "then"],
    &["honestly"],
    &["seriously"],
    &["hey", "there"],
    &["tell", "me"],
    &["do", "you", "know"],
    &["any", "idea"],
    &["i", "wonder"],
    &["i", "was", "wondering"],
];
/// Said after a command, but also inside phrasings the rules know ("go back a minute"):
/// dropped only when the utterance as said finds no rule (see [`strip_soft`]).
const SOFT_TRAILING: &[&[&str]] = &[
    &["a", "sec"],
    &["a", "second"],
    &["a", "moment"],
    &["a", "minute"],
    &["for", "a", "sec"],
    &["for", "a", "second"],
    &["for", "a", "moment"],
    &["for", "a", "minute"],
    &["for", "a", "bit"],
    &["for", "a", "while"],
    &["for", "now"],
    &["some", "more"],
    &["a", "bit", "more"],
    &["a", "little", "more"],
    &["a", "bit"],
    &["a", "little"],
    &["if", "thats", "ok"],
    &["if", "thats", "okay"],
    &["if", "thats", "alright"],
    &["if", "you", "would"],
    &["if", "possible"],
    &["when", "you", "get", "a", "chance"],
    &["when", "you", "can"],
    &["straight", "away"],
    &["at", "once"],
    &["immediately"],
    &["already"],
    &["yeah"],
    &["alright"],
    &["all", "right"],
    &["right"],
    &["too"],
    &["as", "well"],
    &["my", "friend"],
    &["dear"],
    &["darling"],
    &["eh"],
    &["thanks", "a", "lot"],
    &["thank", "you", "very", "much"],
    &["much", "appreciated"],
    &["cheers", "mate"],
];

/// Drops the softer words before and after a command ([`SOFT_LEADING`], [`SOFT_TRAILING`])
/// with the plain ones ([`strip`]): what is tried when the utterance as said finds no rule.
pub(super) fn strip_soft(toks: &mut Vec<&str>) {
    loop {
        let before = toks.len();
        strip(toks);
        drop_around(toks, SOFT_LEADING, SOFT_TRAILING);
        if toks.len() == before {
            return;
        }
    }
}

/// One pass of dropping the phrases of `leading` from the start and of `trailing` from the
/// end (never the last word).
fn drop_around(toks: &mut Vec<&str>, leading: &[&[&str]], trailing: &[&[&str]]) {
    for p in leading {
        if toks.len() > p.len() && toks[..p.len()] == **p {
            toks.drain(..p.len());
        }
    }
    for p in trailing {
        if toks.len() > p.len() && toks[toks.len() - p.len()..] == **p {
            toks.truncate(toks.len() - p.len());
        }
    }
}

/// Drops what comes before a command (see [`LEADING`] and [`GERUND_LEADS`]).
pub(super) fn strip_leading(toks: &mut Vec<&str>) {
    loop {
        let before = toks.len();
        // "Would you mind…" before "would you…".
        // Only before a verb's -ing form: "I fancy a film" is a wish the rules read whole.
        for p in GERUND_LEADS {
            if toks.len() > p.len()
                && toks[..p.len()] == **p
                && let Some((_, verb)) = GERUNDS.iter().find(|(g, _)| *g == toks[p.len()])
            {
                toks.drain(..p.len());
                toks[0] = verb;
            }
        }
        for p in LEADING {
            if toks.len() > p.len() && toks[..p.len()] == **p {
                toks.drain(..p.len());
            }
        }
        if toks.len() == before {
            return;
        }
    }
}

/// Drops what comes before a command and what comes after it ([`TRAILING`]).
pub(super) fn strip(toks: &mut Vec<&str>) {
    loop {
        let before = toks.len();
        strip_leading(toks);
        drop_around(toks, &[], TRAILING);
        if toks.len() == before {
            return;
        }
    }
}
