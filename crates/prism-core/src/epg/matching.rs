//! Matching a playlist's channels to a guide's channels, the way the best players do it: the
//! user's own mapping first, then the tvg-id exactly, then the tvg-id without case and
//! punctuation (`BBCOne.uk` = `bbcone.UK`), then names normalised (case, accents, punctuation,
//! quality tags such as HD/FHD/4K, region prefixes such as `UK:` or `|US|`; "+1" stays distinct)
//! against every `display-name`. A name that fits two guide channels is ambiguous and left
//! unmatched, never guessed. Every decision is kept for the report (`prism lineup`).

use std::fmt;

/// How a playlist channel found its guide channel, in the order the passes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchPass {
    /// The user's own mapping (settings).
    Manual,
    /// tvg-id = the guide channel's id.
    IdExact,
    /// tvg-id = id, ignoring case and punctuation.
    IdFolded,
    /// tvg-name = a display-name, normalised.
    TvgName,
    /// The channel's name = a display-name, normalised.
    Name,
}

impl MatchPass {
    pub const ALL: [MatchPass; 5] = [
        MatchPass::Manual,
        MatchPass::IdExact,
        MatchPass::IdFolded,
        MatchPass::TvgName,
        MatchPass::Name,
    ];
    pub fn label(self) -> &'static str {
        match self {
            MatchPass::Manual => "your mapping",
            MatchPass::IdExact => "tvg-id, exact",
            MatchPass::IdFolded => "tvg-id, any case and punctuation",
            MatchPass::TvgName => "tvg-name = display-name (normalised)",
            MatchPass::Name => "name = display-name (normalised)",
        }
    }
}

/// One playlist channel's match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMatch {
    pub pass: MatchPass,
    /// The guide channel's id.
    pub xmltv_id: String,
}

/// What matching decided, over every source of a guide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchReport {
    /// Per playlist channel (by position): its match, if any.
    pub channels: Vec<Option<ChannelMatch>>,
    /// Playlist channels a name fitted to more than one guide channel: (channel, candidate ids).
    pub ambiguous: Vec<(u32, Vec<String>)>,
    /// Guide channels seen across sources.
    pub guide_channels: usize,
    /// Every guide channel, once (the first source's, by id): what a user's mapping can
    /// choose from.
    pub guide: Vec<GuideChannel>,
}

/// A channel of the guide's sources: its id and the first of its display names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuideChannel {
    pub id: String,
    pub name: String,
}

impl MatchReport {
    /// Guide channels (positions in [`MatchReport::guide`]) whose name or id has every word
    /// of `query` (any case, accents and punctuation aside), those whose name starts with
    /// the first word first; all of them, by name, for an empty query.
    pub fn find_guide(&self, query: &str) -> Vec<usize> {
        let words: Vec<String> = query
            .split_whitespace()
            .map(fold_id)
            .filter(|w| !w.is_empty())
            .collect();
        let mut hits: Vec<(bool, String, usize)> = self
            .guide
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let name = fold_id(&g.name);
                let id = fold_id(&g.id);
                let fits = words
                    .iter()
                    .all(|w| name.contains(w.as_str()) || id.contains(w.as_str()));
                fits.then(|| {
                    let first = words.first().is_some_and(|w| name.starts_with(w.as_str()));
                    (!first, name, i)
                })
            })
            .collect();
        hits.sort();
        hits.into_iter().map(|(_, _, i)| i).collect()
    }

    pub fn matched(&self) -> usize {
        self.channels.iter().flatten().count()
    }
    pub fn by_pass(&self, pass: MatchPass) -> usize {
        self.channels
            .iter()
            .flatten()
            .filter(|m| m.pass == pass)
            .count()
    }
    /// Playlist channels with no guide channel (ambiguous ones included).
    pub fn unmatched(&self) -> impl Iterator<Item = usize> + '_ {
        self.channels
            .iter()
            .enumerate()
            .filter(|(_, m)| m.is_none())
            .map(|(i, _)| i)
    }
    /// Matched share of the playlist, 0..=1.
    pub fn rate(&self) -> f64 {
        if self.channels.is_empty() {
            return 0.0;
        }
        self.matched() as f64 / self.channels.len() as f64
    }
}

impl fmt::Display for MatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "guide matching: {} of {} channels ({:.1} %) from {} guide channels",
            self.matched(),
            self.channels.len(),
            self.rate() * 100.0,
            self.guide_channels
        )?;
        for pass in MatchPass::ALL {
            writeln!(f, "  {:>6}  {}", self.by_pass(pass), pass.label())?;
        }
        writeln!(
            f,
            "  {:>6}  unmatched ({} of them ambiguous)",
            self.channels.len() - self.matched(),
            self.ambiguous.len()
        )
    }
}

/// `BBCOne.uk` → `bbconeuk`: letters and digits only, lower case.
pub fn fold_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    fold_id_into(id, &mut out);
    out
}

/// [`fold_id`] into a buffer (cleared first), for loops over many channels.
pub fn fold_id_into(id: &str, out: &mut String) {
    out.clear();
    for c in id.chars() {
        if c.is_alphanumeric() {
            push_folded(out, c);
        }
    }
}

/// Words that say how a channel is delivered, not which channel it is.
const QUALITY: &[&str] = &[
    "hd", "fhd", "uhd", "sd", "hq", "lq", "4k", "8k", "hdr", "hevc", "h264", "h265", "x264",
    "x265", "1080p", "1080i", "720p", "576i", "576p", "480p", "2160p", "50fps", "60fps", "backup",
    "raw",
];

const NUMBERS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
];

/// A channel or display name reduced to what identifies the channel: "UK: BBC One HD" and
/// "bbc 1" → `bbc1`; "Télé-Québec" → `telequebec`; "BBC One +1" → `bbc1+1` (a timeshift
/// copy is another channel). Empty when nothing identifying is left.
pub fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    name_key_into(name, &mut out, &mut String::new());
    out
}

/// [`name_key`] into `out` (cleared first), with `word` as scratch: no allocation per call
/// once the buffers have grown.
pub fn name_key_into(name: &str, out: &mut String, word: &mut String) {
    out.clear();
    word.clear();
    let name = strip_region_prefix(name.trim());
    let mut depth = 0u32;
    // Only a name with brackets pays for this.
    let mut bracket = String::new();
    let mut chars = name.chars().peekable();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if !QUALITY.contains(&word.as_str()) {
                match NUMBERS.iter().find(|(w, _)| *w == word.as_str()) {
                    Some((_, n)) => out.push_str(n),
                    None => out.push_str(word),
                }
            }
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' => {
                flush(word, out);
                depth += 1;
                bracket.clear();
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                // "(UK)", "[HD]", "(FHD 50fps)": a tag, not a name. "(Wales)" stays.
                if !is_tag_group(&bracket) {
                    out.push_str(&name_key(&bracket));
                }
                bracket.clear();
            }
            _ if depth > 0 => bracket.push(c),
            '+' if chars.peek().is_some_and(char::is_ascii_digit) => {
                flush(word, out);
                out.push('+');
            }
            c if c.is_alphanumeric() => push_folded(word, c),
            _ => flush(word, out),
        }
    }
    flush(word, out);
    if depth > 0 && !is_tag_group(&bracket) {
        out.push_str(&name_key(&bracket));
    }
}

/// A bracketed group made only of quality words and region codes.
fn is_tag_group(s: &str) -> bool {
    let mut any = false;
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        any = true;
        let lower = w.to_ascii_lowercase();
        let region = w.len() <= 3 && w.chars().all(|c| c.is_ascii_uppercase());
        if !(region || QUALITY.contains(&lower.as_str())) {
            return false;
        }
    }
    any
}

/// `UK: Sky News`, `|US| CNN`, `[DE] Das Erste`, `FR - TF1`, `UK | BBC One` → the name alone.
fn strip_region_prefix(s: &str) -> &str {
    let b = s.as_bytes();
    let (open, start) = match b.first() {
        Some(b'|' | b'[' | b'(') => (true, 1),
        _ => (false, 0),
    };
    let mut i = start;
    while i < b.len() && b[i].is_ascii_alphabetic() {
        i += 1;
    }
    let code = &s[start..i];
    if !(2..=4).contains(&code.len()) || !code.bytes().all(|c| c.is_ascii_uppercase()) {
        return s;
    }
    let rest = &s[i..];
    let after = if open {
        rest.strip_prefix(['|', ']', ')'])
    } else {
        rest.strip_prefix(':')
            .or_else(|| rest.strip_prefix('|'))
            .or_else(|| rest.strip_prefix(" |"))
            .or_else(|| rest.strip_prefix(" -"))
            .or_else(|| rest.strip_prefix(" :"))
    };
    match after {
        Some(r) if !r.trim().is_empty() => r.trim_start_matches([' ', ':', '|', '-']),
        _ => s,
    }
}

/// Lower case without accents ("Español" → "espanol", `ß` → `ss`, `Ø` → `o`), everything else kept: for comparing
/// names a person may type or say with or without their accents.
pub fn fold_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_folded(&mut out, c);
    }
    out
}

fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let base = match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ď'..='đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ŋ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'ß' => "ss",
        'Ś'..='š' => "s",
        'Ţ'..='ŧ' => "t",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ' | 'ŷ' | 'Ÿ' => "y",
        'Ź'..='ž' => "z",
        'Þ' | 'þ' => "th",
        'Ð' | 'ð' => "d",
        _ => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push_str(base);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_like_players_expect() {
        let same = [
            ("BBC One HD", "BBC One"),
            ("UK: Sky News", "Sky News"),
            ("|US| CNN", "CNN"),
            ("[DE] Das Erste", "Das Erste"),
            ("FR - TF1", "TF1"),
            ("UK | BBC Two", "BBC Two"),
            ("Das Erste – HD", "Das Erste"),
            ("Télé-Québec", "Tele Quebec"),
            ("BBC 1", "bbc one"),
            ("ESPN (FHD 50fps)", "ESPN"),
            ("Sky Sports Main Event 4K", "Sky Sports Main Event"),
            ("Первый канал HD", "ПЕРВЫЙ КАНАЛ"),
            ("ΕΡΤ1", "ερτ1"),
        ];
        for (a, b) in same {
            assert_eq!(name_key(a), name_key(b), "{a:?} vs {b:?}");
            assert!(!name_key(a).is_empty());
        }
        let different = [
            ("BBC One +1", "BBC One"),
            ("BBC One (Wales)", "BBC One"),
            ("Sky Sports 1", "Sky Sports 2"),
        ];
        for (a, b) in different {
            assert_ne!(name_key(a), name_key(b), "{a:?} vs {b:?}");
        }
        assert_eq!(fold_id("BBCOne.uk"), fold_id("bbcone.UK"));
        assert_eq!(name_key("CNN"), "cnn");
    }
}
