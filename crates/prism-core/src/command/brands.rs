//! Channels people ask for by name that a lineup may not have: "what's on CNN?" on a lineup
//! without CNN deserves "you don't have CNN", not a shrug or a chat reply. Only names that are
//! nothing but a channel are listed (not "history" or "dave"), so chat is never taken for one.

use super::channels::compact_name;

/// Well-known channel brands, as people say them.
const BRANDS: &[&str] = &[
    "ABC",
    "AMC",
    "Al Jazeera",
    "Animal Planet",
    "ARD",
    "BBC One",
    "BBC Two",
    "BBC Three",
    "BBC Four",
    "BBC News",
    "BBC World News",
    "Bloomberg",
    "Boomerang",
    "Cartoon Network",
    "CBS",
    "CBBC",
    "CBeebies",
    "CNBC",
    "CNN",
    "Comedy Central",
    "C-SPAN",
    "Discovery",
    "Discovery Channel",
    "Disney Channel",
    "Disney Junior",
    "DW",
    "E4",
    "ESPN",
    "ESPN2",
    "Euronews",
    "Eurosport",
    "Film4",
    "Fox News",
    "Fox Sports",
    "France 24",
    "HBO",
    "ITV",
    "ITV2",
    "ITV3",
    "ITV4",
    "MSNBC",
    "MTV",
    "National Geographic",
    "Nat Geo",
    "NBC",
    "Nickelodeon",
    "Nick Jr",
    "PBS",
    "RAI",
    "RTL",
    "Showtime",
    "Sky Atlantic",
    "Sky Cinema",
    "Sky News",
    "Sky One",
    "Sky Sports",
    "Sky Sports News",
    "Starz",
    "Syfy",
    "TBS",
    "TF1",
    "Telemundo",
    "TLC",
    "TNT",
    "Univision",
    "VH1",
    "ZDF",
];

/// The brand `words` name (normalised words, as the grammar reads them), if they are one.
pub fn brand(words: &[&str]) -> Option<&'static str> {
    let heard = compact_name(&words.join(" "));
    if heard.is_empty() {
        return None;
    }
    BRANDS.iter().copied().find(|b| compact_name(b) == heard)
}

/// Last words that make a name a channel's ("Blorf TV", "Kanal Sports", "Retro Plus").
const CHANNEL_WORDS: &[&str] = &[
    "tv", "channel", "network", "hd", "fhd", "uhd", "plus", "news", "sports", "sport", "movies",
    "cinema", "kids", "music", "one", "two", "three", "1", "2", "3", "24",
];

/// Words that make what is asked for no channel's name ("your channel", "a news channel").
const NOT_A_NAME: &[&str] = &[
    "your",
    "my",
    "our",
    "his",
    "her",
    "their",
    "this",
    "that",
    "a",
    "an",
    "some",
    "any",
    "other",
    "another",
    "next",
    "previous",
    "last",
    "same",
    "new",
    "good",
    "best",
    "favourite",
    "favorite",
    "it",
    "number",
    "channel",
];

/// The channel `words` name when the lineup has none by that name: a well-known brand, or
/// two or more words ending like a channel's name ("Blorf TV"), said back as a name is
/// written. `None` for words that are no channel's name ("your mind", "a news channel").
pub fn named(words: &[&str]) -> Option<String> {
    if let Some(b) = brand(words) {
        return Some(b.to_owned());
    }
    let (last, rest) = words.split_last()?;
    if rest.is_empty()
        || !CHANNEL_WORDS.contains(last)
        || NOT_A_NAME.contains(&rest[0])
        || rest.iter().all(|w| !super::wish::stems(w).is_empty())
    {
        return None;
    }
    let written: Vec<String> = words
        .iter()
        .map(|w| {
            if w.len() <= 3 && !["one", "two", "plus"].contains(w) {
                w.to_uppercase()
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        })
        .collect();
    Some(written.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_ends_like_a_channels_is_one() {
        assert_eq!(named(&["blorf", "tv"]).as_deref(), Some("Blorf TV"));
        assert_eq!(named(&["cnn"]).as_deref(), Some("CNN"));
        assert_eq!(named(&["retro", "plus"]).as_deref(), Some("Retro Plus"));
        for no in [
            &["your", "channel"][..],
            &["news", "channel"],
            &["the", "menu"],
            &["tv"],
            &["a", "film", "channel"],
        ] {
            assert_eq!(named(no), None, "{no:?}");
        }
    }

    #[test]
    fn brands_are_known_as_said_and_nothing_else_is() {
        assert_eq!(brand(&["cnn"]), Some("CNN"));
        assert_eq!(brand(&["bbc", "one"]), Some("BBC One"));
        assert_eq!(brand(&["bbc", "1"]), Some("BBC One"));
        assert_eq!(brand(&["sky", "sports"]), Some("Sky Sports"));
        for chat in [&["your", "mind"][..], &["history"], &["the", "menu"], &[]] {
            assert_eq!(brand(chat), None, "{chat:?}");
        }
    }
}
