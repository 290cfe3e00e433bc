//! Cutting a streamed reply into sentences as its tokens arrive. A sentence ends at `.`, `!`,
//! `?` or `…` followed by a space (or a line break), except where the dot belongs to a number
//! ("3.5"), an abbreviation ("Dr.", "e.g.") or an initial ("J. R. R."). What is left when the
//! stream ends is the last sentence.

/// Abbreviations whose dot does not end a sentence (lowercase, without the dot).
/// "a.m."/"p.m." count too: a cut after them would more often split a sentence than end one.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "approx", "no", "vol", "ep", "pt",
    "jr", "sr", "prof", "mt", "ft", "inc", "ltd", "co", "jan", "feb", "a.m", "p.m",
];

#[derive(Debug, Default, Clone)]
pub struct SentenceCutter {
    pending: String,
    /// Until something is emitted, a clause of five words or more ending in `,` or `;`, or of
    /// six or more before "and", "but", "so", "because", "which" or "while" (not inside
    /// quotes), is emitted on its own: the voice can start on it while the rest is generated.
    quick_start: bool,
}

impl SentenceCutter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cutter that emits a long first sentence's first clause at once (lower latency to the
    /// first spoken word; the voice's pause at the comma is where it would be anyway).
    pub fn quick_start() -> Self {
        Self {
            quick_start: true,
            ..Self::default()
        }
    }

    fn clause_end(&self) -> Option<usize> {
        if !self.quick_start {
            return None;
        }
        let s = &self.pending;
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let mut quoted = false;
        for (k, &(i, c)) in chars.iter().enumerate() {
            if matches!(c, '"' | '“' | '”') {
                quoted = !quoted;
            }
            // A clause that begins with a conjunction ("… sports | and it's a comedy"): cut
            // before it, where a speaker breathes, once six words have gone by.
            if c == ' ' && !quoted {
                let rest = &s[i + 1..];
                let word: String = rest
                    .chars()
                    .take_while(|ch| ch.is_alphabetic())
                    .collect::<String>()
                    .to_lowercase();
                let complete = rest.len() > word.len();
                if complete
                    && matches!(
                        word.as_str(),
                        "and" | "but" | "so" | "because" | "which" | "while"
                    )
                    && s[..i].split_whitespace().count() >= 6
                {
                    return Some(i + 1);
                }
            }
            // A colon introduces what follows ("called: X"), and a quote is one phrase.
            if !matches!(c, ',' | ';') || quoted {
                continue;
            }
            // Followed by a space ("1,000" is not a clause), after five words or more.
            let next_is_space = chars.get(k + 1).is_some_and(|(_, n)| n.is_whitespace());
            if next_is_space && s[..i].split_whitespace().count() >= 5 {
                return Some(i + 1);
            }
        }
        None
    }

    /// Adds streamed text; returns the sentences it completed, trimmed, in order.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.pending.push_str(text);
        let mut out = Vec::new();
        while let Some(end) = match (self.sentence_end(), self.clause_end()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        } {
            let s: String = self.pending.drain(..end).collect();
            let s = s.trim();
            if !s.is_empty() {
                out.push(s.to_owned());
                self.quick_start = false;
            }
        }
        out
    }

    /// The rest, at the end of the stream.
    pub fn finish(&mut self) -> Option<String> {
        let s = std::mem::take(&mut self.pending);
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    }

    /// The byte index just after the first complete sentence's terminator (and closing quotes
    /// or brackets), if the text after it shows the sentence has ended.
    fn sentence_end(&self) -> Option<usize> {
        let s = &self.pending;
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            if c == '\n' && k > 0 {
                return Some(i + 1);
            }
            if !matches!(c, '.' | '!' | '?' | '…') {
                continue;
            }
            // Swallow repeated marks and closing quotes: "Really?!" "Yes." ...
            let mut j = k + 1;
            while j < chars.len()
                && matches!(
                    chars[j].1,
                    '.' | '!' | '?' | '…' | '"' | '\'' | ')' | '”' | '’'
                )
            {
                j += 1;
            }
            let Some(&(next_i, next)) = chars.get(j) else {
                return None; // the stream may continue this sentence
            };
            if !next.is_whitespace() {
                continue; // "3.5", "e.g.x", a URL
            }
            if c == '.' && !ends_sentence(&s[..i]) {
                continue;
            }
            return Some(next_i);
        }
        None
    }
}

/// Whether a dot after `before` ends a sentence: not after an abbreviation, an initial or a
/// bare number ("Channel 5. Then" does end; "No. 5" does not).
fn ends_sentence(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .next()
        .unwrap_or_default();
    let lower = word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return false;
    }
    // A single capital letter: an initial.
    let mut cs = word.chars();
    if let (Some(c), None) = (cs.next(), cs.next())
        && c.is_uppercase()
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut_stream(tokens: &[&str]) -> Vec<String> {
        let mut c = SentenceCutter::new();
        let mut out = Vec::new();
        for t in tokens {
            out.extend(c.push(t));
        }
        out.extend(c.finish());
        out
    }

    #[test]
    fn sentences_come_out_as_soon_as_they_end() {
        let mut c = SentenceCutter::new();
        assert!(c.push("It's a nature").is_empty());
        assert!(
            c.push(" documentary.").is_empty(),
            "the next token may still continue it"
        );
        assert_eq!(c.push(" It"), ["It's a nature documentary."]);
        assert_eq!(c.push(" ends at 9.30! Want"), ["It ends at 9.30!"]);
        assert_eq!(c.finish().as_deref(), Some("Want"));
    }

    #[test]
    fn numbers_abbreviations_and_initials_do_not_cut() {
        let text = "Dr. Who is on BBC One at 7.15 p.m. tonight. Starring J. R. Smith, e.g. the \
                    lead. Really?! Yes… \"Quite.\" Done";
        let tokens: Vec<String> = text.chars().map(String::from).collect();
        let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        assert_eq!(
            cut_stream(&tokens),
            [
                "Dr. Who is on BBC One at 7.15 p.m. tonight.",
                "Starring J. R. Smith, e.g. the lead.",
                "Really?!",
                "Yes…",
                "\"Quite.\"",
                "Done"
            ]
        );
    }

    #[test]
    fn a_line_break_ends_a_sentence_and_blank_text_gives_nothing() {
        assert_eq!(
            cut_stream(&["First line\nSecond"]),
            ["First line", "Second"]
        );
        assert!(cut_stream(&["  ", "\n"]).is_empty());
    }

    #[test]
    fn a_long_first_sentence_starts_with_its_first_clause() {
        let mut c = SentenceCutter::quick_start();
        assert!(c.push("Well, ").is_empty(), "too short to stand alone");
        assert_eq!(
            c.push("this show is a comedy about a team, and they travel the world. Then"),
            [
                "Well, this show is a comedy about a team,",
                "and they travel the world."
            ]
        );
        // Only the first: later commas stay inside their sentences.
        assert_eq!(
            c.push(" it ends, as all things do, with a song. "),
            ["Then it ends, as all things do, with a song."]
        );
        let mut quoted = SentenceCutter::quick_start();
        assert_eq!(
            quoted.push("This show is called \"Channel: two, the return\" and it is fun. "),
            [
                "This show is called \"Channel: two, the return\"",
                "and it is fun."
            ]
        );
        let mut short = SentenceCutter::quick_start();
        assert_eq!(
            short.push("It is fun and loud. "),
            ["It is fun and loud."],
            "too short to cut"
        );
        let mut plain = SentenceCutter::new();
        assert_eq!(
            plain.push("this show is a comedy about a team, and they travel. "),
            ["this show is a comedy about a team, and they travel."]
        );
    }
}
