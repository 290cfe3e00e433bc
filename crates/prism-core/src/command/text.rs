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
    &["go", "ahead", "and"],
    &["kindly"],
    // "Hang on a second, stop it there": what comes before the command.
    &["hang", "on", "a", "second"],
    &["hang", "on", "a", "sec"],
    &["hang", "on", "a", "minute"],
    &["hang", "on"],
    &["hold", "on"],
    &["you", "can"],
];
/// Dropped from the end (repeatedly).
pub(super) const TRAILING: &[&[&str]] = &[
    &["thanks"],
    &["thank", "you"],
    &["for", "me"],
    &["right", "now"],
    &["now"],
    &["instead"],
    &["again"],
];

pub(super) fn strip(toks: &mut Vec<&str>) {
    loop {
        let before = toks.len();
        for p in LEADING {
            if toks.len() > p.len() && toks[..p.len()] == **p {
                toks.drain(..p.len());
            }
        }
        for p in TRAILING {
            if toks.len() > p.len() && toks[toks.len() - p.len()..] == **p {
                toks.truncate(toks.len() - p.len());
            }
        }
        if toks.len() == before {
            return;
        }
    }
}
