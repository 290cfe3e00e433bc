//! The channel model shared by every playlist source (M3U files, Xtream Codes panels).

pub mod m3u;
pub mod xtream;

use std::fmt;
use std::str::FromStr;

pub use m3u::{ParseOptions, parse_m3u, parse_m3u_with};

/// Whether a file is a playlist rather than, say, an avatar dropped on the same window: by
/// its name (`.m3u`, `.m3u8`) or by how it starts (`#EXTM3U`, after a byte-order mark).
pub fn looks_like_playlist(name: &str, head: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    lower.ends_with(".m3u")
        || lower.ends_with(".m3u8")
        || head.trim_ascii_start().starts_with(b"#EXTM3U")
}

/// [`looks_like_playlist`] for a file on disk (its first bytes read; unreadable: by name).
pub fn is_playlist_file(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    looks_like_playlist(&path.to_string_lossy(), &head[..n])
}

/// A playlist after parsing: channels in playlist order, plus what the header said and what went
/// wrong on the way (a bad entry is skipped with a diagnostic; it never loses the whole file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Playlist {
    pub header: PlaylistHeader,
    pub channels: Vec<Channel>,
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics beyond [`ParseOptions::max_diagnostics`] are counted, not kept.
    pub diagnostics_dropped: usize,
    /// The text encoding the parser settled on for the whole file.
    pub encoding: TextEncoding,
}

impl Playlist {
    /// Several sources' lineups as one, in the order given: a channel a later source also
    /// carries (same tvg-id and name, or same name where it has no tvg-id; names compared as
    /// guide matching compares them, "BBC One HD" = "UK: BBC One") is the earlier channel with
    /// the later streams as its backups, and its groups added. Each source's own channels stay
    /// as they are (its SD and HD remain two). Guide URLs and diagnostics are pooled.
    pub fn merge(sources: Vec<Playlist>) -> Playlist {
        let mut iter = sources.into_iter();
        let Some(mut out) = iter.next() else {
            return Playlist::default();
        };
        // One source: nothing to merge (its identities cost a string per channel).
        if iter.len() == 0 {
            return out;
        }
        let key = Channel::identity;
        let mut sets = GroupSets::default();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, c) in out.channels.iter().enumerate() {
            index.entry(key(c)).or_insert(i);
        }
        for p in iter {
            let first_new = out.channels.len();
            for c in p.channels {
                let k = key(&c);
                match index.get(&k).copied().filter(|&i| i < first_new) {
                    Some(i) => {
                        let into = &mut out.channels[i];
                        for s in c.streams {
                            if !into.streams.iter().any(|x| x.url == s.url) {
                                into.streams.push(s);
                            }
                        }
                        into.groups = sets.union(&into.groups, &c.groups);
                        into.logo = into.logo.take().or(c.logo);
                        into.number = into.number.or(c.number);
                    }
                    None => {
                        index.entry(k).or_insert(out.channels.len());
                        out.channels.push(c);
                    }
                }
            }
            for u in p.header.epg_urls {
                if !out.header.epg_urls.contains(&u) {
                    out.header.epg_urls.push(u);
                }
            }
            out.diagnostics.extend(p.diagnostics);
            out.diagnostics_dropped += p.diagnostics_dropped;
        }
        out
    }

    /// A lineup of one channel: the stream at `url` (a stream's own HLS playlist given where a
    /// channel list was expected), named after its address.
    pub fn single_stream(url: &str) -> Self {
        Playlist {
            channels: vec![Channel {
                name: m3u::name_from_url(url),
                streams: smallvec::smallvec![Stream {
                    url: url.to_owned(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }
}

/// What the `#EXTM3U` line carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaylistHeader {
    /// XMLTV guide URLs from `url-tvg` / `x-tvg-url` / `tvg-url` (each may be a comma-separated list).
    pub epg_urls: Vec<String>,
    /// Hours to shift every channel's guide by, unless the channel sets its own.
    pub tvg_shift: Option<f32>,
    pub catchup: Option<Catchup>,
    /// Every header attribute as written (lower-cased keys), for what the model doesn't name.
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextEncoding {
    #[default]
    Utf8,
    /// Bytes were not UTF-8: a legacy encoding, detected from the text (windows-1251 for a
    /// Cyrillic list, windows-1252 for a Western one, ...).
    Legacy(&'static encoding_rs::Encoding),
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Legacy(e) => e.name(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// 1-based line number in the source (0 when not tied to a line).
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Warning,
    /// The entry was skipped.
    Error,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        if self.line > 0 {
            write!(f, "line {}: {sev}: {}", self.line, self.message)
        } else {
            write!(f, "{sev}: {}", self.message)
        }
    }
}

/// One channel as the user sees it. Duplicate playlist entries for the same channel become its
/// backup streams, tried in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channel {
    pub name: String,
    pub number: Option<ChannelNumber>,
    pub tvg_id: Option<String>,
    /// Read through [`Channel::tvg_name`]. Most playlists that give a tvg-name give the
    /// channel's own name: that is kept as an empty string (no copy of the name).
    tvg_name: Option<String>,
    pub logo: Option<String>,
    /// `group-title` (split on `;`) or the `#EXTGRP` in force.
    pub groups: Groups,
    /// `tvg-language` and `tvg-country` ([`Channel::language`], [`Channel::country`]): few
    /// playlists give them, so they cost a pointer until one is set.
    pub locale: Option<Box<Locale>>,
    pub radio: bool,
    /// The provider marks it for adults (Xtream `is_adult`, M3U `adult="1"`): locked by
    /// default (`parental`).
    pub adult: bool,
    /// Guide shift in hours for this channel (overrides the header's).
    pub tvg_shift: Option<f32>,
    /// Boxed: most channels have none, and 56 bytes inline on each of 500k channels was 28 MB.
    pub catchup: Option<Box<Catchup>>,
    /// Primary stream first, then backups.
    pub streams: Streams,
}

impl Channel {
    /// Who the channel is, stable across a provider's refreshes: its tvg-id (any case and
    /// punctuation) and its name as guide matching folds it ("UK: BBC One HD" = "BBC One FHD"),
    /// or the folded name alone without a tvg-id. Not its URL (tokens change) nor its place.
    pub fn identity(&self) -> String {
        let name = crate::epg::matching::name_key(&self.name);
        match self
            .tvg_id
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            Some(id) => format!("{}|{name}", crate::epg::matching::fold_id(id)),
            None => format!("|{name}"),
        }
    }

    /// The playlist's `tvg-name`, when it gives one.
    pub fn tvg_name(&self) -> Option<&str> {
        match self.tvg_name.as_deref()? {
            "" => Some(&self.name),
            n => Some(n),
        }
    }

    /// Sets the tvg-name (after the name): the channel's own name is not stored twice.
    fn set_tvg_name(&mut self, name: Option<String>) {
        self.tvg_name = name.map(|n| if n == self.name { String::new() } else { n });
    }

    pub fn language(&self) -> Option<&str> {
        self.locale.as_ref()?.language.as_deref()
    }
    pub fn country(&self) -> Option<&str> {
        self.locale.as_ref()?.country.as_deref()
    }

    pub fn primary_url(&self) -> Option<&str> {
        self.streams.first().map(|s| s.url.as_str())
    }
    pub fn group(&self) -> Option<&str> {
        self.groups.first().map(String::as_str)
    }
}

/// A channel's groups, in the playlist's order. A provider's channels have a few hundred
/// different sets of groups between them, so channels with the same set share one list
/// ([`GroupSets`]): a 500k-channel lineup's groups were a Vec and a String each, 32 MB.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Groups(Option<std::sync::Arc<[String]>>);

impl std::ops::Deref for Groups {
    type Target = [String];
    fn deref(&self) -> &[String] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl<'a> IntoIterator for &'a Groups {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Debug for Groups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<String>> for Groups {
    fn from(v: Vec<String>) -> Self {
        Groups((!v.is_empty()).then(|| v.into()))
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Groups {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(a, b)| a == b)
    }
}

/// The sets of groups a playlist's channels have, each stored once.
#[derive(Default)]
pub struct GroupSets(hashbrown::HashSet<std::sync::Arc<[String]>>);

impl GroupSets {
    /// The shared list for these groups.
    pub fn get(&mut self, groups: &[String]) -> Groups {
        if groups.is_empty() {
            return Groups::default();
        }
        if let Some(g) = self.0.get(groups) {
            return Groups(Some(g.clone()));
        }
        let g: std::sync::Arc<[String]> = groups.into();
        self.0.insert(g.clone());
        Groups(Some(g))
    }
    /// `a`'s groups, then those of `b` it lacks (one channel listed in two places).
    pub fn union(&mut self, a: &Groups, b: &Groups) -> Groups {
        if b.iter().all(|g| a.contains(g)) {
            return a.clone();
        }
        let mut v = a.to_vec();
        v.extend(b.iter().filter(|g| !a.contains(g)).cloned());
        self.get(&v)
    }
}

/// A channel's language and country as the playlist gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Locale {
    pub language: Option<String>,
    pub country: Option<String>,
}

/// A channel's streams: almost every channel has one, kept inline (a `Vec` was a second
/// allocation per channel, 16 MB of a 500k-channel lineup).
pub type Streams = smallvec::SmallVec<[Stream; 1]>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stream {
    pub url: String,
    pub headers: HttpHeaders,
    /// `#KODIPROP:` lines and `#EXTVLCOPT:` options Prism does not interpret itself, in order.
    pub properties: Vec<(String, String)>,
    /// Source line of the URL (1-based), or 0 for streams that came from an API.
    pub line: u32,
}

/// The HTTP headers a playlist asks for on every request of a stream (its playlists, segments
/// and keys), from any of the ways playlists write them. Most streams have none, so they cost
/// a pointer until one is set (the fields read through it either way).
#[derive(Clone, Default)]
pub struct HttpHeaders(Option<Box<HeaderFields>>);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeaderFields {
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    /// Every other header (`Origin`, `Cookie`, tokens), with its name as written.
    pub extra: Vec<(String, String)>,
}

static NO_HEADERS: HeaderFields = HeaderFields {
    user_agent: None,
    referrer: None,
    extra: Vec::new(),
};

impl std::ops::Deref for HttpHeaders {
    type Target = HeaderFields;
    fn deref(&self) -> &HeaderFields {
        self.0.as_deref().unwrap_or(&NO_HEADERS)
    }
}

impl std::ops::DerefMut for HttpHeaders {
    fn deref_mut(&mut self) -> &mut HeaderFields {
        self.0.get_or_insert_with(Default::default)
    }
}

impl PartialEq for HttpHeaders {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for HttpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl From<HeaderFields> for HttpHeaders {
    fn from(h: HeaderFields) -> Self {
        Self(Some(Box::new(h)))
    }
}

impl HttpHeaders {
    /// Sets a header by name (any case); a later value replaces an earlier one. `Referrer` is
    /// read as `Referer`; an empty value is ignored.
    pub fn set(&mut self, name: &str, value: &str) {
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            return;
        }
        if name.eq_ignore_ascii_case("user-agent") {
            self.user_agent = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("referer") || name.eq_ignore_ascii_case("referrer") {
            self.referrer = Some(value.to_owned());
        } else if let Some(e) = self
            .extra
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            e.1 = value.to_owned();
        } else {
            self.extra.push((name.to_owned(), value.to_owned()));
        }
    }

    /// Fills what `self` lacks from `other` (an entry's own headers win over inherited ones).
    pub fn inherit(&mut self, other: &HttpHeaders) {
        if other.is_empty() {
            return;
        }
        if self.user_agent.is_none() {
            self.user_agent.clone_from(&other.user_agent);
        }
        if self.referrer.is_none() {
            self.referrer.clone_from(&other.referrer);
        }
        for (n, v) in &other.extra {
            if !self.extra.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)) {
                self.extra.push((n.clone(), v.clone()));
            }
        }
    }

    /// All headers as `(name, value)`, with the standard names for user agent and referrer.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let ua = self.user_agent.as_deref().map(|v| ("User-Agent", v));
        let r = self.referrer.as_deref().map(|v| ("Referer", v));
        ua.into_iter()
            .chain(r)
            .chain(self.extra.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    pub fn is_empty(&self) -> bool {
        self.user_agent.is_none() && self.referrer.is_none() && self.extra.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catchup {
    /// `default`, `append`, `shift`, `flussonic`, `xc`, ... as written.
    pub kind: String,
    pub source: Option<String>,
    pub days: Option<u32>,
    /// Hours.
    pub correction: Option<f32>,
}

/// A channel number as printed on the remote: `5`, or a sub-channel like `5.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChannelNumber {
    pub major: u32,
    pub minor: Option<u32>,
}

impl ChannelNumber {
    pub const fn new(major: u32) -> Self {
        Self { major, minor: None }
    }
    pub const fn sub(major: u32, minor: u32) -> Self {
        Self {
            major,
            minor: Some(minor),
        }
    }
}

impl fmt::Display for ChannelNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.minor {
            Some(m) => write!(f, "{}.{m}", self.major),
            None => write!(f, "{}", self.major),
        }
    }
}

impl FromStr for ChannelNumber {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        let (maj, min) = match s.split_once(['.', '-']) {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let major = maj.parse().map_err(|_| ())?;
        let minor = match min {
            Some(b) => Some(b.parse().map_err(|_| ())?),
            None => None,
        };
        Ok(Self { major, minor })
    }
}

#[cfg(test)]
mod looks_tests {
    use super::looks_like_playlist;

    #[test]
    fn playlists_are_told_from_other_files() {
        assert!(looks_like_playlist("/x/Sport.M3U", b""));
        assert!(looks_like_playlist(
            "/x/list.txt",
            b"\xEF\xBB\xBF#EXTM3U\n#EXTINF"
        ));
        assert!(looks_like_playlist("tv.m3u8", b"garbage"));
        assert!(!looks_like_playlist("/x/lumen.vrm", b"glTF\x02\0\0\0"));
        assert!(!looks_like_playlist("/x/dance.vrma", b"glTF"));
    }
}
