//! The programme guide: XMLTV sources matched onto the playlist's channels, kept compact, and
//! indexed for the questions a TV asks (what's on now and next, the grid for a time range, search).
//!
//! Build one with [`GuideBuilder`]: it streams each source once, drops channels that are not in
//! the playlist and programmes outside the time window as it reads, and stores all text in one
//! arena, so a 1 GB guide costs memory only for what the user can actually watch.

pub mod matching;
pub mod time;
mod xmltv;

use std::collections::BTreeMap;

// foldhash: titles and ids of 750k programmes are hashed (SipHash was a visible share).
use hashbrown::HashMap;
use std::ops::Range;

use crate::keys::{KeyIndex, Strings};
use crate::playlist::Playlist;

pub use matching::{ChannelMatch, MatchPass, MatchReport};
pub use xmltv::{Compression, EpgError, SourceStats};

/// How sources are read and matched.
#[derive(Debug, Clone)]
pub struct GuideOptions {
    /// "Now", Unix seconds: the centre of the kept window.
    pub now: i64,
    /// Seconds before `now` to keep (default one day).
    pub keep_back: i64,
    /// Seconds after `now` to keep (default seven days).
    pub keep_ahead: i64,
    /// Manual mapping `(playlist tvg-id or channel name, XMLTV channel id)`; wins over every pass.
    pub manual: Vec<(String, String)>,
    /// A source that decompresses to more than this is cut off with [`EpgError::TooLarge`].
    pub max_decompressed_bytes: u64,
    /// Longest run of bytes without a tag boundary (one text node or tag), against memory bombs.
    pub max_token_bytes: usize,
    /// Threads that parse a guide's pieces (0: one per core, at most four; 1: this thread).
    pub parse_threads: usize,
    /// Bytes per piece the parsers take (each ends after a whole element).
    pub piece_bytes: usize,
}

impl GuideOptions {
    pub fn at(now: i64) -> Self {
        Self {
            now,
            keep_back: 86_400,
            keep_ahead: 7 * 86_400,
            manual: Vec::new(),
            max_decompressed_bytes: 4 << 30,
            max_token_bytes: 16 << 20,
            parse_threads: 0,
            piece_bytes: 1 << 20,
        }
    }

    fn window(&self) -> Range<i64> {
        self.now - self.keep_back..self.now + self.keep_ahead
    }
}

/// A span of text in the guide's arena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

/// The guide's text in chunks of [`CHUNK`] bytes that never move: a doubling `String` copied
/// the descriptions of a 200 MB guide and held both copies at once, and the unwritten tail of
/// a chunk is not memory. A span's start is the chunk's number above [`CHUNK_BITS`].
#[derive(Debug, Default)]
struct TextArena {
    chunks: Vec<String>,
}

const CHUNK_BITS: u32 = 22;
const CHUNK: usize = 1 << CHUNK_BITS;
/// Chunks a `u32` start can number (4 GiB of text; past it, text is dropped).
const MAX_CHUNKS: usize = 1 << (32 - CHUNK_BITS);

impl TextArena {
    fn push(&mut self, s: &str) -> Span {
        let mut end = s.len().min(CHUNK);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let s = &s[..end];
        if s.is_empty() {
            return Span::default();
        }
        if self.chunks.last().is_none_or(|c| c.len() + s.len() > CHUNK) {
            if self.chunks.len() == MAX_CHUNKS {
                return Span::default();
            }
            self.chunks.push(String::with_capacity(CHUNK));
        }
        let i = self.chunks.len() - 1;
        let chunk = &mut self.chunks[i];
        let start = ((i as u32) << CHUNK_BITS) | chunk.len() as u32;
        chunk.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }

    fn get(&self, s: Span) -> &str {
        if s.len == 0 {
            return "";
        }
        let chunk = &self.chunks[(s.start >> CHUNK_BITS) as usize];
        let at = s.start as usize & (CHUNK - 1);
        &chunk[at..at + s.len as usize]
    }

    fn len(&self) -> usize {
        self.chunks.iter().map(String::len).sum()
    }
}

/// Sentinel for a programme whose `stop` was missing; fixed when the guide is finished.
const NO_STOP: i64 = i64::MIN;
/// Duration given to the last programme of a channel when its `stop` is missing.
const DEFAULT_LAST_DURATION: i64 = 30 * 60;

/// One programme. Text lives in the guide's arena; read it through [`ProgrammeRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Programme {
    /// Unix seconds, with the channel's `tvg-shift` applied.
    pub start: i64,
    pub stop: i64,
    pub season: Option<u16>,
    pub episode: Option<u16>,
    title: Span,
    sub_title: Span,
    desc: Span,
    /// Categories joined by `\x1f`.
    categories: Span,
    episode_label: Span,
    icon: Span,
    rating: Span,
    catchup_id: Span,
    /// `clumpidx` (index, count): programmes that share a timeslot in a known order.
    clump: (u8, u8),
}

/// A programme with access to its text.
#[derive(Debug, Clone, Copy)]
pub struct ProgrammeRef<'g> {
    arena: &'g TextArena,
    pub programme: &'g Programme,
}

impl<'g> ProgrammeRef<'g> {
    fn text(&self, s: Span) -> &'g str {
        self.arena.get(s)
    }
    fn opt(&self, s: Span) -> Option<&'g str> {
        (s.len > 0).then(|| self.text(s))
    }
    pub fn start(&self) -> i64 {
        self.programme.start
    }
    pub fn stop(&self) -> i64 {
        self.programme.stop
    }
    pub fn title(&self) -> &'g str {
        self.text(self.programme.title)
    }
    pub fn sub_title(&self) -> Option<&'g str> {
        self.opt(self.programme.sub_title)
    }
    pub fn description(&self) -> Option<&'g str> {
        self.opt(self.programme.desc)
    }
    pub fn categories(&self) -> impl Iterator<Item = &'g str> + 'g {
        let all = self.text(self.programme.categories);
        all.split('\x1f').filter(|c| !c.is_empty())
    }
    /// What to print for the episode: the `onscreen` form if given, else `S1 E5`.
    pub fn episode_label(&self) -> Option<&'g str> {
        self.opt(self.programme.episode_label)
    }
    pub fn icon(&self) -> Option<&'g str> {
        self.opt(self.programme.icon)
    }
    pub fn rating(&self) -> Option<&'g str> {
        self.opt(self.programme.rating)
    }
    pub fn catchup_id(&self) -> Option<&'g str> {
        self.opt(self.programme.catchup_id)
    }
    /// Fraction elapsed at `t`, clamped to 0..=1 (for progress bars).
    pub fn progress(&self, t: i64) -> f32 {
        let len = (self.stop() - self.start()).max(1) as f32;
        ((t - self.start()) as f32 / len).clamp(0.0, 1.0)
    }
    pub fn is_on_at(&self, t: i64) -> bool {
        self.start() <= t && t < self.stop()
    }
}

/// What is on a channel at a moment, and what follows.
#[derive(Debug, Clone, Copy, Default)]
pub struct NowNext<'g> {
    pub now: Option<ProgrammeRef<'g>>,
    pub next: Option<ProgrammeRef<'g>>,
}

/// The finished guide, indexed by playlist channel position.
#[derive(Debug, Default)]
pub struct Guide {
    arena: TextArena,
    channels: Vec<Vec<Programme>>,
    /// Global programme id of each channel's first programme (prefix sums), for the search index.
    offsets: Vec<u32>,
    /// Lower-cased title word → global programme ids, ascending.
    title_index: BTreeMap<Box<str>, Vec<u32>>,
    report: MatchReport,
}

impl Guide {
    /// Playlist channels it has lists for: all of them once any matched, none otherwise.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    pub fn programme_count(&self) -> usize {
        self.channels.iter().map(Vec::len).sum()
    }

    /// How each playlist channel was matched to the guide (or why not).
    pub fn match_report(&self) -> &MatchReport {
        &self.report
    }

    /// Bytes of text held (titles, descriptions, ...).
    pub fn text_bytes(&self) -> usize {
        self.arena.len()
    }

    fn r<'g>(&'g self, p: &'g Programme) -> ProgrammeRef<'g> {
        ProgrammeRef {
            arena: &self.arena,
            programme: p,
        }
    }

    /// All programmes of a playlist channel, in time order.
    pub fn programmes(&self, channel: usize) -> impl Iterator<Item = ProgrammeRef<'_>> {
        self.channels
            .get(channel)
            .into_iter()
            .flatten()
            .map(|p| self.r(p))
    }

    /// The programme on air at `t` and the one after it.
    pub fn now_next(&self, channel: usize, t: i64) -> NowNext<'_> {
        let Some(list) = self.channels.get(channel) else {
            return NowNext::default();
        };
        // First programme that has not ended by `t`.
        let i = list.partition_point(|p| p.stop <= t);
        let Some(first) = list.get(i) else {
            return NowNext::default();
        };
        if first.start <= t {
            NowNext {
                now: Some(self.r(first)),
                next: list.get(i + 1).map(|p| self.r(p)),
            }
        } else {
            NowNext {
                now: None,
                next: Some(self.r(first)),
            }
        }
    }

    /// Programmes overlapping `[from, to)`, for the grid.
    pub fn range(
        &self,
        channel: usize,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = ProgrammeRef<'_>> {
        let list = self
            .channels
            .get(channel)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let a = list.partition_point(|p| p.stop <= from);
        let b = list.partition_point(|p| p.start < to);
        list[a..b.max(a)].iter().map(|p| self.r(p))
    }

    /// Programmes whose title contains every word of `query` (the last word may be a prefix, so
    /// search-as-you-type works), in time order, that have not ended by `after`.
    pub fn search(&self, query: &str, after: i64, limit: usize) -> Vec<(usize, ProgrammeRef<'_>)> {
        let words: Vec<String> = title_words(query).collect();
        let Some((last, exact)) = words.split_last() else {
            return Vec::new();
        };
        let mut sets: Vec<Vec<u32>> = Vec::with_capacity(words.len());
        for w in exact {
            match self.title_index.get(w.as_str()) {
                Some(ids) => sets.push(ids.clone()),
                None => return Vec::new(),
            }
        }
        let mut prefixed: Vec<u32> = self
            .title_index
            .range::<str, _>((
                std::ops::Bound::Included(last.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(last.as_str()))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        prefixed.sort_unstable();
        prefixed.dedup();
        sets.push(prefixed);
        sets.sort_by_key(Vec::len);
        let mut hits = sets[0].clone();
        for s in &sets[1..] {
            hits.retain(|id| s.binary_search(id).is_ok());
        }
        let mut out: Vec<(usize, ProgrammeRef<'_>)> = hits
            .into_iter()
            .map(|id| {
                let ch = self.offsets.partition_point(|&o| o <= id) - 1;
                (
                    ch,
                    self.r(&self.channels[ch][(id - self.offsets[ch]) as usize]),
                )
            })
            .filter(|(_, p)| p.stop() > after)
            .collect();
        out.sort_by_key(|(ch, p)| (p.start(), *ch));
        out.truncate(limit);
        out
    }
}

/// One channel's programmes in `tv_sort`'s order, made a gapless-where-known, non-overlapping
/// sequence (see [`GuideBuilder::finish`]).
fn sequence(list: &mut Vec<Programme>, arena: &TextArena) {
    let stop_key = |p: &Programme| if p.stop == NO_STOP { i64::MAX } else { p.stop };
    // Stable: equal keys keep the source's order, as tv_sort's last resort does.
    list.sort_by_key(|p| (p.start, stop_key(p), p.clump.0));
    let text = |s: Span| arena.get(s);
    // tv_sort drops a programme identical to the one before it, quietly.
    list.dedup_by(|b, a| {
        a.start == b.start
            && a.stop == b.stop
            && a.title == b.title
            && text(a.sub_title) == text(b.sub_title)
            && text(a.desc) == text(b.desc)
    });
    // A missing stop is the next later start (tv_sort's add_stop: programmes sharing a start
    // take the start of what follows them all).
    for i in 0..list.len() {
        if list[i].stop == NO_STOP || list[i].stop <= list[i].start {
            let s = list[i].start;
            list[i].stop = list[i + 1..]
                .iter()
                .find(|n| n.start > s)
                .map_or(s + DEFAULT_LAST_DURATION, |n| n.start);
        }
    }
    // Groups that share a start.
    let mut i = 0;
    while i < list.len() {
        let s = list[i].start;
        let j = i + list[i..].iter().take_while(|p| p.start == s).count();
        let group = &mut list[i..j];
        let n = group[0].clump.1;
        let clump =
            group.len() > 1 && n as usize == group.len() && group.iter().all(|p| p.clump.1 == n);
        if clump {
            // "News; Weather" at 11:00: the slot split in index order.
            let end = group.iter().map(|p| p.stop).min().unwrap_or(s);
            let part = (end - s) / i64::from(n);
            let last = group.len() - 1;
            for (k, p) in group.iter_mut().enumerate() {
                p.start = s + part * k as i64;
                if k < last {
                    p.stop = p.start + part;
                } else {
                    p.stop = end;
                }
            }
        } else {
            let mut t = s;
            for p in group.iter_mut() {
                p.start = t.max(p.start);
                t = t.max(p.stop);
            }
        }
        i = j;
    }
    // A programme ends when a later one begins; one left with no time is dropped.
    for i in 0..list.len().saturating_sub(1) {
        let next = list[i + 1].start;
        if list[i].stop > next {
            list[i].stop = next;
        }
    }
    list.retain(|p| p.stop > p.start);
}

/// Whether `hay` contains `needle` (lower case already), ignoring case: ASCII needles are
/// compared in place; others against a lower-cased copy.
fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    let Some(&first) = n.first() else {
        return true;
    };
    if !needle.is_ascii() {
        return hay.to_lowercase().contains(needle);
    }
    // memchr2 finds the first letter in either case (SIMD), then the rest is compared: a search
    // as you type scans every description kept, on the frame that typed.
    let h = hay.as_bytes();
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), h).any(|i| {
        h.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

impl Guide {
    /// Guide search for people: programmes whose title has every word of `query` (the last may
    /// be a prefix) first, then those whose description mentions every word; each in time
    /// order, none that has ended by `after`. The flag says whether the title matched.
    pub fn find(
        &self,
        query: &str,
        after: i64,
        limit: usize,
    ) -> Vec<(usize, ProgrammeRef<'_>, bool)> {
        let mut out: Vec<(usize, ProgrammeRef<'_>, bool)> = self
            .search(query, after, limit)
            .into_iter()
            .map(|(c, p)| (c, p, true))
            .collect();
        let words: Vec<String> = title_words(query).collect();
        if words.is_empty() || out.len() >= limit {
            return out;
        }
        let mut more: Vec<(usize, ProgrammeRef<'_>, bool)> = Vec::new();
        for (c, list) in self.channels.iter().enumerate() {
            let from = list.partition_point(|p| p.stop <= after);
            for p in &list[from..] {
                let r = self.r(p);
                let Some(d) = r.description() else { continue };
                if words.iter().all(|w| contains_ci(d, w))
                    && !out
                        .iter()
                        .any(|(oc, op, _)| *oc == c && op.start() == r.start())
                {
                    more.push((c, r, false));
                }
            }
        }
        more.sort_by_key(|(c, p, _)| (p.start(), *c));
        out.extend(more.into_iter().take(limit - out.len()));
        out
    }
}

fn title_words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// What the builder needs to know of each playlist channel.
#[derive(Debug, Clone)]
struct Target {
    shift_secs: i64,
}

/// The playlist's channels by each pass's key (one arena each: a 500k-channel lineup), built
/// when the first guide channels arrive: a lineup without a guide never pays for them.
struct PlaylistKeys {
    by_tvg_id: KeyIndex,
    by_id_fold: KeyIndex,
    by_tvg_name: KeyIndex,
    by_name: KeyIndex,
    /// The channel's name, lower case, to break a tie between guide channels.
    names_lower: Strings,
}

impl PlaylistKeys {
    fn build(playlist: &Playlist) -> Self {
        let n = playlist.channels.len();
        let mut k = Self {
            by_tvg_id: KeyIndex::with_capacity(n),
            by_id_fold: KeyIndex::with_capacity(n),
            by_tvg_name: KeyIndex::with_capacity(n),
            by_name: KeyIndex::with_capacity(n),
            names_lower: Strings::with_capacity(n, n * 16),
        };
        let (mut key, mut word) = (String::new(), String::new());
        for (i, c) in playlist.channels.iter().enumerate() {
            let i = i as u32;
            if let Some(id) = &c.tvg_id {
                k.by_tvg_id.insert(id.trim(), i);
                matching::fold_id_into(id, &mut key);
                k.by_id_fold.insert(&key, i);
            }
            if let Some(n) = c.tvg_name() {
                // tvg-name is often written with underscores for spaces (the key ignores both).
                matching::name_key_into(n, &mut key, &mut word);
                k.by_tvg_name.insert(&key, i);
            }
            matching::name_key_into(&c.name, &mut key, &mut word);
            k.by_name.insert(&key, i);
            key.clear();
            key.extend(c.name.trim().chars().flat_map(char::to_lowercase));
            k.names_lower.push(&key);
        }
        k
    }
}

/// Streams XMLTV sources into a [`Guide`] for one playlist.
pub struct GuideBuilder<'p> {
    opts: GuideOptions,
    playlist: &'p Playlist,
    targets: Vec<Target>,
    keys: Option<PlaylistKeys>,
    /// Manual map: folded XMLTV id → playlist channels.
    manual: HashMap<String, Vec<u32>>,
    report: MatchReport,
    /// Channels a pass found two guide channels for (dropped once matched otherwise).
    ambiguous: HashMap<u32, Vec<String>>,
    /// Guide channel ids already in the report's list.
    guide_seen: hashbrown::HashSet<String>,
    arena: TextArena,
    /// Distinct titles' spans, found by their text's hash, so a series' title is stored
    /// once (and never copied out of the arena for the lookup).
    titles: hashbrown::HashTable<Span>,
    title_hasher: hashbrown::DefaultHashBuilder,
    programmes: Vec<Vec<Programme>>,
    /// Which source filled each channel first; later sources don't mix into it.
    filled_by: Vec<Option<u16>>,
    sources: u16,
}

impl<'p> GuideBuilder<'p> {
    pub fn new(playlist: &'p Playlist, opts: GuideOptions) -> Self {
        let n = playlist.channels.len();
        let mut b = Self {
            targets: Vec::with_capacity(n),
            playlist,
            keys: None,
            manual: HashMap::new(),
            report: MatchReport {
                channels: vec![None; n],
                ..Default::default()
            },
            ambiguous: HashMap::new(),
            guide_seen: Default::default(),
            arena: TextArena::default(),
            titles: hashbrown::HashTable::new(),
            title_hasher: Default::default(),
            programmes: Vec::new(),
            filled_by: Vec::new(),
            sources: 0,
            opts,
        };
        let header_shift = playlist.header.tvg_shift;
        for c in &playlist.channels {
            let shift = c.tvg_shift.or(header_shift).unwrap_or(0.0);
            b.targets.push(Target {
                shift_secs: (f64::from(shift) * 3600.0).round() as i64,
            });
        }
        // The user's mapping: a channel named by its tvg-id or its name, in one pass over the
        // channels however long the mapping is.
        let mut mapped: Vec<(u32, String)> = Vec::new();
        {
            let manual: HashMap<&str, &str> = b
                .opts
                .manual
                .iter()
                .map(|(pl, xml)| (pl.trim(), xml.trim()))
                .collect();
            if !manual.is_empty() {
                for (i, c) in playlist.channels.iter().enumerate() {
                    let by_id = c.tvg_id.as_deref().and_then(|id| manual.get(id.trim()));
                    if let Some(xml) = by_id.or_else(|| manual.get(c.name.trim())) {
                        mapped.push((i as u32, (*xml).to_owned()));
                    }
                }
            }
        }
        for (c, xml_id) in mapped {
            b.manual
                .entry(matching::fold_id(&xml_id))
                .or_default()
                .push(c);
            b.report.channels[c as usize] = Some(ChannelMatch {
                pass: MatchPass::Manual,
                xmltv_id: xml_id,
            });
        }
        b
    }

    /// Reads one XMLTV source (plain, gzip or xz, detected by magic bytes). Channels already
    /// filled by an earlier source keep that source's programmes. On error, what was read before
    /// it is kept: a truncated download still gives a guide.
    pub fn add_source<R: std::io::Read>(&mut self, reader: R) -> Result<SourceStats, EpgError> {
        let source = self.sources;
        self.sources += 1;
        xmltv::read_source(self, source, reader)
    }

    /// Matches one batch of XMLTV `<channel>` elements onto unmatched playlist channels, pass
    /// by pass (see [`matching`]), and returns the resulting XMLTV id → playlist channels map.
    fn resolve(&mut self, xml_channels: &[(String, Vec<String>)]) -> HashMap<String, Vec<u32>> {
        let mut map: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, names) in xml_channels {
            if !self.guide_seen.contains(id.as_str()) {
                self.guide_seen.insert(id.clone());
                self.report.guide.push(matching::GuideChannel {
                    id: id.clone(),
                    name: names.first().cloned().unwrap_or_else(|| id.clone()),
                });
            }
        }
        for (id, _) in xml_channels {
            if let Some(m) = self.manual.get(&matching::fold_id(id)) {
                map.entry(id.clone()).or_default().extend(m);
            }
        }
        let passes = [
            MatchPass::IdExact,
            MatchPass::IdFolded,
            MatchPass::TvgName,
            MatchPass::Name,
        ];
        // Name keys of each guide channel, computed once for both name passes.
        let name_keys: Vec<Vec<String>> = xml_channels
            .iter()
            .map(|(_, names)| {
                let mut k: Vec<String> = names
                    .iter()
                    .map(|n| matching::name_key(n))
                    .filter(|k| !k.is_empty())
                    .collect();
                k.sort_unstable();
                k.dedup();
                k
            })
            .collect();
        if self.keys.is_none() {
            self.keys = Some(PlaylistKeys::build(self.playlist));
        }
        let playlist_keys = self.keys.as_ref().expect("built above");
        for pass in passes {
            // Playlist channel → the guide channels (batch positions) this pass fits it to.
            let mut found: HashMap<u32, Vec<usize>> = HashMap::new();
            for (bi, (id, _)) in xml_channels.iter().enumerate() {
                let folded;
                let keys: &[String] = match pass {
                    MatchPass::IdExact => std::slice::from_ref(id),
                    MatchPass::IdFolded => {
                        folded = [matching::fold_id(id)];
                        &folded
                    }
                    _ => &name_keys[bi],
                };
                let index = match pass {
                    MatchPass::IdExact => &playlist_keys.by_tvg_id,
                    MatchPass::IdFolded => &playlist_keys.by_id_fold,
                    MatchPass::TvgName => &playlist_keys.by_tvg_name,
                    _ => &playlist_keys.by_name,
                };
                for k in keys {
                    let k = if pass == MatchPass::IdExact {
                        k.trim()
                    } else {
                        k.as_str()
                    };
                    for c in index.get(k) {
                        // Each playlist channel is matched once.
                        if self.report.channels[c as usize].is_none() {
                            let v = found.entry(c).or_default();
                            if v.last() != Some(&bi) {
                                v.push(bi);
                            }
                        }
                    }
                }
            }
            let mut found: Vec<(u32, Vec<usize>)> = found.into_iter().collect();
            found.sort_unstable_by_key(|(c, _)| *c);
            for (c, mut bis) in found {
                // Two <channel> elements with one id are one guide channel.
                bis.sort_by(|a, b| xml_channels[*a].0.cmp(&xml_channels[*b].0));
                bis.dedup_by(|a, b| xml_channels[*a].0 == xml_channels[*b].0);
                if bis.len() > 1 {
                    // A display-name equal to the channel's own name breaks the tie.
                    let own = playlist_keys.names_lower.get(c);
                    let exact: Vec<usize> = bis
                        .iter()
                        .copied()
                        .filter(|&bi| {
                            xml_channels[bi]
                                .1
                                .iter()
                                .any(|n| n.trim().to_lowercase() == own)
                        })
                        .collect();
                    if exact.len() == 1 {
                        bis = exact;
                    } else {
                        self.ambiguous.insert(
                            c,
                            bis.iter().map(|&bi| xml_channels[bi].0.clone()).collect(),
                        );
                        continue;
                    }
                }
                let id = &xml_channels[bis[0]].0;
                self.ambiguous.remove(&c);
                self.report.channels[c as usize] = Some(ChannelMatch {
                    pass,
                    xmltv_id: id.clone(),
                });
                map.entry(id.clone()).or_default().push(c);
            }
        }
        if !map.is_empty() {
            self.lists();
        }
        map
    }

    /// Each playlist channel's programme list, made when the first guide channel matches: a
    /// lineup whose guide matched nothing (none given, or it failed) never pays for 500k of
    /// them.
    fn lists(&mut self) {
        if self.programmes.is_empty() {
            let n = self.playlist.channels.len();
            self.programmes = vec![Vec::new(); n];
            self.filled_by = vec![None; n];
        }
    }

    fn push_text(&mut self, s: &str) -> Span {
        self.arena.push(s)
    }

    /// Finishes the guide: puts each channel in the order XMLTV's own `tv_sort` gives (start,
    /// then stop, then clump index, then the source's order), drops exact duplicates, fills
    /// missing stops the way `tv_sort` does, then makes the channel a sequence a grid can
    /// draw without losing a programme: a clump shares its slot in index order, programmes
    /// that start together follow one another (shortest first), and a programme ends when a
    /// later one begins. What fell outside the window goes, and the search index is built.
    pub fn finish(mut self) -> Guide {
        let window = self.opts.window();
        let arena = &self.arena;
        for list in &mut self.programmes {
            sequence(list, arena);
            list.retain(|p| p.stop > window.start && p.start < window.end && p.stop > p.start);
            list.shrink_to_fit();
        }
        let mut report = std::mem::take(&mut self.report);
        let mut ambiguous: Vec<(u32, Vec<String>)> = self.ambiguous.drain().collect();
        ambiguous.sort_unstable();
        report.ambiguous = ambiguous;
        let mut guide = Guide {
            channels: self.programmes,
            report,
            ..Default::default()
        };
        // Titles repeat (series, timeshift copies share spans): each span is tokenised once,
        // into word numbers in one flat list. A Vec of boxed words per title was 200 MB for
        // a guide of 800k different titles, freed too late to give back.
        let mut offset = 0u32;
        let mut word_ids: HashMap<Box<str>, u32> = HashMap::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut words_of: HashMap<Span, (u32, u32)> = HashMap::new();
        let mut flat: Vec<u32> = Vec::new();
        for list in &guide.channels {
            guide.offsets.push(offset);
            for p in list {
                let (a, b) = *words_of.entry(p.title).or_insert_with(|| {
                    let a = flat.len();
                    for w in title_words(self.arena.get(p.title)) {
                        let id = match word_ids.get(w.as_str()) {
                            Some(&id) => id,
                            None => {
                                let id = postings.len() as u32;
                                word_ids.insert(w.into_boxed_str(), id);
                                postings.push(Vec::new());
                                id
                            }
                        };
                        flat.push(id);
                    }
                    flat[a..].sort_unstable();
                    let mut end = a;
                    for i in a..flat.len() {
                        if i == a || flat[i] != flat[end - 1] {
                            flat[end] = flat[i];
                            end += 1;
                        }
                    }
                    flat.truncate(end);
                    (a as u32, end as u32)
                });
                for &id in &flat[a as usize..b as usize] {
                    postings[id as usize].push(offset);
                }
                offset += 1;
            }
        }
        drop((words_of, flat));
        let index: BTreeMap<Box<str>, Vec<u32>> = word_ids
            .into_iter()
            .map(|(w, id)| {
                let mut ids = std::mem::take(&mut postings[id as usize]);
                ids.shrink_to_fit();
                (w, ids)
            })
            .collect();
        guide.arena = self.arena;
        guide.title_index = index;
        guide
    }
}
