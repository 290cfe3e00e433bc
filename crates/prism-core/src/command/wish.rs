//! "Put on the match", "something with football", "find me a film": what to watch, said as a
//! programme or a genre rather than a channel ([`super::MediaCommand::WatchProgramme`]). The
//! guide answers first (what is on now), then the lineup's channel names and groups (a
//! playlist's "Sports" or "Kids" group, a channel called "… Movies").

use crate::epg::{Guide, ProgrammeRef};
use crate::playlist::Playlist;

/// Spoken words for a genre, and the stems that find it in a guide's categories, a title, a
/// channel's name or its group (lower case, matched inside words: "documentar" finds
/// "Documentary" and "Documentaries").
const GENRES: &[(&[&str], &[&str])] = &[
    (&["football", "soccer"], &["football", "soccer", "sport"]),
    (
        &[
            "match",
            "game",
            "sport",
            "sports",
            "rugby",
            "cricket",
            "tennis",
            "golf",
            "racing",
            "boxing",
            "basketball",
            "baseball",
            "hockey",
            "f1",
            "formula",
        ],
        &["sport"],
    ),
    (
        &["film", "films", "movie", "movies", "cinema", "flick"],
        &["film", "movie", "cinema"],
    ),
    (&["news", "headlines", "bulletin"], &["news"]),
    (
        &[
            "cartoon",
            "cartoons",
            "kids",
            "children",
            "childrens",
            "animation",
            "animated",
        ],
        &["children", "kids", "cartoon", "animation", "animated"],
    ),
    (
        &["documentary", "documentaries", "factual"],
        &["documentar", "factual"],
    ),
    (
        &["nature", "wildlife", "animals", "animal"],
        &["nature", "wildlife", "animal"],
    ),
    (
        &["comedy", "funny", "sitcom", "comedies"],
        &["comedy", "sitcom"],
    ),
    (&["drama", "dramas"], &["drama"]),
    (&["music", "concert", "songs", "gig"], &["music", "concert"]),
    (
        &["cooking", "cookery", "food", "baking"],
        &["cook", "food", "baking"],
    ),
    (&["weather", "forecast"], &["weather"]),
    (&["quiz", "gameshow"], &["quiz", "game show"]),
    (&["reality"], &["reality"]),
    (&["soap", "soaps"], &["soap"]),
    (&["science"], &["science"]),
    (&["history"], &["history"]),
    (&["travel"], &["travel"]),
    (&["horror", "scary"], &["horror"]),
    (&["thriller", "thrillers"], &["thriller"]),
    (&["crime"], &["crime"]),
    (&["action"], &["action"]),
];

/// Words of a wish that say nothing of what to watch.
const EMPTY: &[&str] = &[
    "something",
    "anything",
    "some",
    "any",
    "a",
    "an",
    "the",
    "with",
    "about",
    "on",
    "good",
    "nice",
    "to",
    "watch",
    "for",
    "me",
    "us",
    "kind",
    "of",
    "sort",
    "bit",
    "please",
    "live",
    "this",
    "that",
    "it",
    "out",
    "tv",
    "them",
    "him",
    "her",
    "you",
    "together",
    "again",
    "now",
    "there",
    "do",
    "is",
    "are",
    "what",
];

/// The words of a wish that say what to watch ("something with football" → "football").
pub fn words(wish: &str) -> Vec<String> {
    super::normalise(wish)
        .split(' ')
        .filter(|w| !w.is_empty() && !EMPTY.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The genre stems a wish names (empty: it names no genre, perhaps a title).
pub fn stems(wish: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for w in words(wish) {
        for (said, found) in GENRES {
            if said.contains(&w.as_str()) {
                for s in *found {
                    if !out.contains(s) {
                        out.push(s);
                    }
                }
            }
        }
    }
    out
}

/// The first of `stems` (the most specific) that starts a word of `hay` (any case).
fn first_named(hay: &str, stems: &[&str]) -> Option<usize> {
    let hay = hay.to_lowercase();
    stems.iter().position(|s| {
        hay.match_indices(s).any(|(i, _)| {
            i == 0
                || !hay[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
    })
}

fn names_any(hay: &str, stems: &[&str]) -> bool {
    first_named(hay, stems).is_some()
}

/// Programmes on at `now` that answer a wish, best first: every word in the title ("the
/// match" → "Match of the Day"), then a category of the genre it names (its own word before
/// the wider genre: football before sport), then the genre in the title, then every word in
/// the description. Each channel once.
pub fn on_now<'g>(guide: &'g Guide, wish: &str, now: i64) -> Vec<(usize, ProgrammeRef<'g>)> {
    let words = words(wish);
    if words.is_empty() {
        return Vec::new();
    }
    let stems = stems(wish);
    let mut ranked: Vec<((u8, usize), usize, ProgrammeRef<'g>)> = Vec::new();
    for c in 0..guide.channel_count() {
        let Some(p) = guide.now_next(c, now).now else {
            continue;
        };
        let title = super::normalise(p.title());
        let title_words: Vec<&str> = title.split(' ').collect();
        let category = p.categories().filter_map(|k| first_named(k, &stems)).min();
        let rank = if words.iter().all(|w| title_words.contains(&w.as_str())) {
            (0, 0)
        } else if let Some(s) = category {
            (1, s)
        } else if let Some(s) = first_named(p.title(), &stems) {
            (2, s)
        } else if p.description().is_some_and(|d| {
            let d = super::normalise(d);
            let d: Vec<&str> = d.split(' ').collect();
            words.iter().all(|w| d.contains(&w.as_str()))
        }) {
            (3, 0)
        } else {
            continue;
        };
        ranked.push((rank, c, p));
    }
    ranked.sort_by_key(|(rank, c, _)| (*rank, *c));
    ranked.into_iter().map(|(_, c, p)| (c, p)).collect()
}

/// Channels whose name or group answers a wish (a genre it names, or every word of it), in
/// lineup order: what to put on when the guide has nothing for it.
pub fn channels(playlist: &Playlist, wish: &str) -> Vec<usize> {
    let words = words(wish);
    if words.is_empty() {
        return Vec::new();
    }
    let stems = stems(wish);
    let word_stems: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut found: Vec<(usize, usize)> = playlist
        .channels
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            if word_stems.iter().all(|w| names_any(&c.name, &[w])) {
                return Some((0, i));
            }
            let by_name = first_named(&c.name, &stems);
            let by_group = c.groups.iter().filter_map(|g| first_named(g, &stems)).min();
            let s = by_name.into_iter().chain(by_group).min()?;
            Some((1 + s, i))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wish_names_its_genre() {
        assert_eq!(words("something with football"), ["football"]);
        assert_eq!(
            stems("something with football"),
            ["football", "soccer", "sport"]
        );
        assert_eq!(stems("a film"), ["film", "movie", "cinema"]);
        assert_eq!(stems("match"), ["sport"]);
        assert!(stems("doctor who").is_empty());
        assert!(words("something").is_empty());
    }

    #[test]
    fn stems_start_words() {
        assert!(names_any("Documentaries", &["documentar"]));
        assert!(names_any("UK | Sports HD", &["sport"]));
        assert!(!names_any("Transport Today", &["sport"]));
    }

    #[test]
    fn channels_are_found_by_name_and_group() {
        let playlist = crate::playlist::parse_m3u(
            "#EXTM3U\n#EXTINF:-1 group-title=\"News\",World 24\nhttp://a/1\n\
             #EXTINF:-1 group-title=\"Entertainment\",Premier Football TV\nhttp://a/2\n\
             #EXTINF:-1 group-title=\"Sports\",Arena 1\nhttp://a/3\n\
             #EXTINF:-1 group-title=\"Kids\",Toon Time\nhttp://a/4\n"
                .as_bytes(),
        )
        .unwrap();
        // Its own word first, then the wider genre.
        assert_eq!(channels(&playlist, "something with football"), [1, 2]);
        assert_eq!(channels(&playlist, "the match"), [2]);
        assert_eq!(channels(&playlist, "cartoons"), [3]);
        assert_eq!(channels(&playlist, "the news"), [0]);
        assert!(channels(&playlist, "a quiz").is_empty());
    }
}
