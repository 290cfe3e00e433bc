//! Fuzzy lookup of spoken channel names against the playlist.
//!
//! Names are normalised the same way on both sides: lower case, number words as digits ("BBC One"
//! = "bbc 1"), spelled-out letters joined ("e s p n" = "espn"), and the decorations IPTV playlists
//! add dropped ("UK: BBC One FHD [backup]" = "bbc 1"). Then: exact match, else candidates from a
//! trigram index scored by edit distance and prefix, so a 5,000-channel playlist answers in
//! microseconds.

use hashbrown::HashMap;

use super::numbers::digits_for_words;
use crate::keys::Strings;

/// Tokens that say how a channel is delivered, not which channel it is.
const DECORATION: &[&str] = &[
    "hd", "fhd", "uhd", "sd", "4k", "8k", "hevc", "h264", "h265", "1080p", "720p", "1080", "720",
    "50fps", "60fps", "backup", "raw", "the", "tv",
];

/// The playlist's channel names, ready to be matched against what was heard. Names and keys
/// live in arenas (a 500k-channel lineup is half a million of each).
#[derive(Debug, Clone, Default)]
pub struct ChannelDirectory {
    names: Strings,
    compact: Strings,
    /// Channels by compact key, sorted (ties in playlist order): an exact key and "a spoken
    /// prefix of a longer name" are both found in O(log n).
    sorted: Vec<u32>,
    /// Trigram → its channels, as a range of `postings` (one allocation, exactly sized: the
    /// lists of a 500k-channel lineup were a third of its grammar's memory as `Vec`s).
    trigrams: HashMap<[u8; 3], (u32, u32)>,
    postings: Vec<u32>,
}

/// Words that say a channel is meant but not which: a name is never found by these alone
/// ("put the channel on" is not Channel 4, "watch the channels" not the Discovery Channel),
/// only by its whole key.
const GENERIC: &[&str] = &[
    "channel", "channels", "station", "stations", "network", "networks",
];

/// A match and how sure it is (1.0 = exact).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelMatch {
    pub index: u32,
    pub score: f32,
}

/// Below this a fuzzy match is treated as no match (the utterance goes to the LLM instead).
const MIN_SCORE: f32 = 0.78;

impl ChannelDirectory {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut d = Self::default();
        // Each channel's distinct trigrams, counted first so the postings are laid out once.
        let mut counts: HashMap<[u8; 3], (u32, u32)> = HashMap::new();
        let mut seen: Vec<[u8; 3]> = Vec::new();
        let distinct = |key: &str, seen: &mut Vec<[u8; 3]>| {
            seen.clear();
            seen.extend(trigrams(key));
            seen.sort_unstable();
            seen.dedup();
        };
        for name in names {
            let compact = compact_name(name);
            distinct(&compact, &mut seen);
            for t in &seen {
                counts.entry(*t).or_default().1 += 1;
            }
            d.names.push(name);
            d.compact.push(&compact);
        }
        d.names.shrink_to_fit();
        d.compact.shrink_to_fit();
        let mut at = 0u32;
        for (start, len) in counts.values_mut() {
            *start = at;
            at += *len;
            *len = 0;
        }
        d.postings = vec![0; at as usize];
        for i in 0..d.compact.len() as u32 {
            distinct(d.compact.get(i), &mut seen);
            for t in &seen {
                let (start, len) = counts.get_mut(t).expect("counted above");
                d.postings[(*start + *len) as usize] = i;
                *len += 1;
            }
        }
        d.trigrams = counts;
        // Shorter keys sort first among names sharing a prefix; playlist order breaks ties.
        d.sorted = (0..d.compact.len() as u32).collect();
        let compact = &d.compact;
        d.sorted
            .sort_by(|&a, &b| compact.get(a).cmp(compact.get(b)).then(a.cmp(&b)));
        d
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, index: u32) -> &str {
        self.names.get(index)
    }

    /// Best channel for already-normalised words (lower case, no punctuation).
    pub fn lookup_words(&self, words: &[&str]) -> Option<ChannelMatch> {
        let q = compact_words(words);
        if q.is_empty() {
            return None;
        }
        // The keys starting with `q` sit together in `sorted`, `q` itself first if it is one.
        let key = |i: u32| self.compact.get(i);
        let from = self.sorted.partition_point(|&i| key(i) < q.as_str());
        if let Some(&i) = self.sorted.get(from).filter(|&&i| key(i) == q) {
            return Some(ChannelMatch {
                index: i,
                score: 1.0,
            });
        }
        if q.len() < 3
            || words
                .iter()
                .all(|w| GENERIC.contains(w) || DECORATION.contains(w))
        {
            return None;
        }
        let mut best: Option<ChannelMatch> = None;
        let mut consider = |i: u32, score: f32| {
            if score >= MIN_SCORE
                && best.is_none_or(|b| score > b.score || (score == b.score && i < b.index))
            {
                best = Some(ChannelMatch { index: i, score });
            }
        };
        // Spoken prefix of a longer name.
        for &i in self.sorted[from..]
            .iter()
            .take_while(|&&i| key(i).starts_with(q.as_str()))
            .take(256)
        {
            consider(i, prefix_score(q.len(), key(i).len()));
        }
        // Misheard names: candidates share the query's rarest trigrams and have a length close
        // enough for the edit distance to pass; only those pay for the distance.
        let mut grams: Vec<&[u32]> = trigrams(&q)
            .filter_map(|t| self.trigrams.get(&t))
            .map(|&(start, len)| &self.postings[start as usize..(start + len) as usize])
            .collect();
        grams.sort_by_key(|l| l.len());
        let mut cands: Vec<u32> = grams
            .iter()
            .take(3)
            .flat_map(|l| l.iter().copied())
            .collect();
        cands.sort_unstable();
        cands.dedup();
        for i in cands {
            let c = self.compact.get(i);
            let longest = q.len().max(c.len());
            let budget = ((1.0 - MIN_SCORE) * longest as f32).floor() as usize;
            if q.len().abs_diff(c.len()) > budget {
                continue;
            }
            if let Some(d) = levenshtein_within(q.as_bytes(), c.as_bytes(), budget) {
                consider(i, 1.0 - d as f32 / longest as f32);
            }
        }
        best
    }

    /// The one channel whose name starts with these whole words ("ITV" of "UK: ITV 1 FHD"),
    /// if only one does: a name said on its own may be its first word.
    pub fn only_one_starting(&self, words: &[&str]) -> Option<u32> {
        let q = compact_words(words);
        if q.len() < 3 || words.iter().any(|w| GENERIC.contains(w)) {
            return None;
        }
        let key = |i: u32| self.compact.get(i);
        let from = self.sorted.partition_point(|&i| key(i) < q.as_str());
        let mut starting = self.sorted[from..]
            .iter()
            .take_while(|&&i| key(i).starts_with(q.as_str()));
        let (&one, None) = (starting.next()?, starting.next()) else {
            return None;
        };
        let name = name_words(self.name(one));
        (name.len() > words.len() && name.iter().zip(words).all(|(a, b)| a == b)).then_some(one)
    }

    /// Best channel for free text ("BBC One HD", "e s p n").
    pub fn lookup(&self, text: &str) -> Option<ChannelMatch> {
        let norm = super::text::normalise(text);
        let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
        self.lookup_words(&words)
    }
}

fn trigrams(s: &str) -> impl Iterator<Item = [u8; 3]> + '_ {
    s.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]])
}

fn prefix_score(q: usize, c: usize) -> f32 {
    0.75 + 0.25 * q as f32 / c as f32
}

/// Levenshtein distance if it is at most `max`, without allocating (names longer than 63 bytes
/// are compared on their first 63).
fn levenshtein_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    const N: usize = 64;
    let (a, b) = (&a[..a.len().min(N - 1)], &b[..b.len().min(N - 1)]);
    let mut prev = [0usize; N];
    let mut cur = [0usize; N];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= max)
}

/// Playlist name → comparison key: "UK: BBC One FHD (backup)" → "bbc1".
pub fn compact_name(name: &str) -> String {
    let norm = plain_name(name);
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    compact_words(&words)
}

/// A name normalised, without bracketed decorations or a leading "XX:" / "XX |" country prefix.
fn plain_name(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = (depth - 1).max(0),
            _ if depth == 0 => s.push(c),
            _ => {}
        }
    }
    let s = match s.split_once([':', '|']) {
        Some((pre, rest)) if pre.trim().len() <= 3 && !rest.trim().is_empty() => rest.to_owned(),
        _ => s,
    };
    super::text::normalise(&s)
}

/// A name's words as its key is made of them (see [`compact_words`]), less decoration.
fn name_words(name: &str) -> Vec<String> {
    plain_name(name)
        .split(' ')
        .filter(|w| !w.is_empty() && !DECORATION.contains(w))
        .map(str::to_owned)
        .collect()
}

fn compact_words(words: &[&str]) -> String {
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !DECORATION.contains(w))
        .collect();
    let kept = if kept.is_empty() {
        words.to_vec()
    } else {
        kept
    };
    digits_for_words(&kept).concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(compact_name("UK: BBC One FHD (backup)"), "bbc1");
        assert_eq!(compact_name("BBC 1"), "bbc1");
        assert_eq!(compact_name("ESPN"), "espn");
        assert_eq!(compact_name("The History Channel"), "historychannel");
        assert_eq!(
            compact_name("Sky Sports Main Event HD"),
            "skysportsmainevent"
        );
    }

    #[test]
    fn fuzzy() {
        let d = ChannelDirectory::new([
            "BBC One HD",
            "BBC Two",
            "ESPN",
            "Sky Sports Main Event",
            "CNN",
            "Cartoon Network",
        ]);
        assert_eq!(d.lookup("bbc one").map(|m| m.index), Some(0));
        assert_eq!(d.lookup("e s p n").map(|m| m.index), Some(2));
        assert_eq!(d.lookup("sky sports").map(|m| m.index), Some(3));
        assert_eq!(d.lookup("cartoon netwerk").map(|m| m.index), Some(5));
        assert_eq!(d.lookup("weather"), None);
        assert_eq!(d.lookup("cbs"), None);
    }

    #[test]
    fn generic_words_alone_name_no_channel() {
        let d = ChannelDirectory::new(["Channel 4", "Discovery Channel", "Channel"]);
        assert_eq!(d.lookup("channels"), None);
        assert_eq!(
            d.lookup("the channel tv"),
            Some(ChannelMatch {
                index: 2,
                score: 1.0
            })
        );
        let d = ChannelDirectory::new(["Channel 4", "Discovery Channel"]);
        assert_eq!(d.lookup("channel"), None);
        assert_eq!(d.lookup("channel four").map(|m| m.index), Some(0));
        assert_eq!(d.lookup("discovery").map(|m| m.index), Some(1));
    }
}
