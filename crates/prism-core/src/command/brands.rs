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

#[cfg(test)]
mod tests {
    use super::*;

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
