//! Emotion tags in a reply (`[happy]`, `[surprised]`…): taken out of what is spoken and
//! returned with where they stood, so the face changes at that point of the speech. Unknown
//! bracketed words are left as text (they may be part of the answer); a tag split across
//! streamed tokens is handled by tagging whole sentences.

use crate::avatar::Preset;

#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The text to speak, tags removed and spaces tidied.
    pub text: String,
    /// Emotions, with the byte offset in `text` where each begins.
    pub emotions: Vec<(usize, Preset)>,
}

/// The emotion a tag names (also a few words models use for them).
fn emotion(word: &str) -> Option<Preset> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "happy" | "joy" | "excited" | "glad" => Preset::Happy,
        "angry" | "annoyed" => Preset::Angry,
        "sad" | "sorry" | "sorrow" => Preset::Sad,
        "relaxed" | "calm" | "fun" => Preset::Relaxed,
        "surprised" | "surprise" | "wow" => Preset::Surprised,
        "neutral" => Preset::Neutral,
        _ => return None,
    })
}

pub fn strip_tags(reply: &str) -> Tagged {
    let mut text = String::with_capacity(reply.len());
    let mut emotions = Vec::new();
    let mut rest = reply;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        match emotion(&rest[open + 1..close]) {
            Some(p) => {
                text.push_str(&rest[..open]);
                emotions.push((text.len(), p));
            }
            None => text.push_str(&rest[..=close]),
        }
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    // Tidy the spaces a removed tag leaves ("Oh [happy] yes" → "Oh yes").
    let mut tidy = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    let mut last_space = true;
    for (i, c) in text.char_indices() {
        map.resize(i + 1, tidy.len());
        if c.is_whitespace() {
            if !last_space {
                tidy.push(' ');
            }
            last_space = true;
        } else {
            // No space before punctuation a removed tag left behind ("on [sad]." → "on.").
            if matches!(c, '.' | ',' | '!' | '?' | ';' | ':') && tidy.ends_with(' ') {
                tidy.pop();
            }
            tidy.push(c);
            last_space = false;
        }
    }
    map.resize(text.len() + 1, tidy.len());
    let trimmed_end = tidy.trim_end().len();
    tidy.truncate(trimmed_end);
    let emotions = emotions
        .into_iter()
        .map(|(at, p)| (map[at].min(tidy.len()), p))
        .collect();
    Tagged {
        text: tidy,
        emotions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_leave_the_speech_and_mark_where_they_were() {
        let t = strip_tags("[happy] It's a great match! [surprised] Three goals already.");
        assert_eq!(t.text, "It's a great match! Three goals already.");
        assert_eq!(t.emotions, [(0, Preset::Happy), (20, Preset::Surprised)]);
        assert_eq!(&t.text[20..], "Three goals already.");
    }

    #[test]
    fn unknown_brackets_stay_and_broken_tags_are_text() {
        let t = strip_tags("The film [1982] is on [SAD]. Bye [happy");
        assert_eq!(t.text, "The film [1982] is on. Bye [happy");
        assert_eq!(t.emotions.len(), 1);
        assert_eq!(t.emotions[0].1, Preset::Sad);
        assert!(t.emotions[0].0 >= "The film [1982] is on".len());
        assert_eq!(strip_tags("").text, "");
    }
}
