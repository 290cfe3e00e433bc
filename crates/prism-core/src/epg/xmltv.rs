//! Streaming XMLTV reader (quick-xml). One pass, bounded memory: programmes of channels the
//! playlist doesn't have are skipped without being decoded.

use hashbrown::HashMap;
use std::io::{self, BufRead, BufReader, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::time::parse_xmltv_time;
use super::{GuideBuilder, NO_STOP, Programme, Span};

#[derive(Debug, thiserror::Error)]
pub enum EpgError {
    #[error("could not read the guide: {0}")]
    Io(#[from] io::Error),
    #[error("the guide is not valid XML near byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("the guide decompresses to more than {limit} bytes; refusing the rest")]
    TooLarge { limit: u64 },
    #[error("the guide has a single element or text of more than {limit} bytes")]
    TokenTooLarge { limit: usize },
    #[error("this is not an XMLTV guide (root element <{0}>)")]
    NotXmltv(String),
    #[error(
        "this is not an XMLTV guide: it is binary data, not text (a failed download, or the wrong URL?)"
    )]
    Binary,
}

/// The error for a document whose root is not `<tv>`: its name when it is one, else that
/// the data is not XML text at all (a gzip of garbage decompresses to bytes that quick-xml
/// may read as a "name").
fn not_xmltv(name: &[u8]) -> EpgError {
    let clean = !name.is_empty()
        && name.len() <= 64
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'));
    if clean {
        EpgError::NotXmltv(String::from_utf8_lossy(name).into_owned())
    } else {
        EpgError::Binary
    }
}

/// How a source was compressed (detected from its first bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Xz,
}

/// What one source contributed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStats {
    pub compression: Compression,
    /// Decompressed bytes read.
    pub bytes: u64,
    pub channels_in_source: usize,
    /// Playlist channels this source was matched to.
    pub channels_matched: usize,
    pub programmes_read: usize,
    pub programmes_kept: usize,
    /// Programmes skipped for an unreadable `start`.
    pub bad_times: usize,
}

/// Errors from the guard readers travel through quick-xml as I/O errors; this tags them.
#[derive(Debug)]
enum Guard {
    TooLarge(u64),
    Token(usize),
}
impl std::fmt::Display for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}
impl std::error::Error for Guard {}

/// Caps decompressed size and the distance between tag boundaries, so neither a gzip bomb nor a
/// gigabyte-long text node can make the parser buffer without bound.
struct Guarded<R> {
    inner: R,
    read: u64,
    max_total: u64,
    since_tag: usize,
    max_token: usize,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.max_total {
            return Err(io::Error::other(Guard::TooLarge(self.max_total)));
        }
        let chunk = &buf[..n];
        match memchr::memrchr2(b'<', b'>', chunk) {
            Some(i) => self.since_tag = n - i - 1,
            None => self.since_tag += n,
        }
        if self.since_tag > self.max_token {
            return Err(io::Error::other(Guard::Token(self.max_token)));
        }
        Ok(n)
    }
}

/// The start of a document that is not text: a NUL, or more than one byte in twenty a control
/// character that text never has. (UTF-16 with its byte-order mark is text.)
fn looks_binary(head: &[u8]) -> bool {
    let head = &head[..head.len().min(1024)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let odd = head
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F)
        .count();
    head.contains(&0) || odd * 20 > head.len()
}

fn open<'a>(reader: impl Read + 'a, stats: &mut SourceStats) -> io::Result<Box<dyn Read + 'a>> {
    let mut buffered = BufReader::with_capacity(64 * 1024, reader);
    let head = buffered.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        stats.compression = Compression::Gzip;
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        stats.compression = Compression::Xz;
        Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(buffered))
    } else {
        Box::new(buffered)
    })
}

pub(super) fn read_source<R: Read>(
    b: &mut GuideBuilder<'_>,
    source: u16,
    reader: R,
) -> Result<SourceStats, EpgError> {
    let mut stats = SourceStats::default();
    let inner = open(reader, &mut stats)?;
    let guarded = Guarded {
        inner,
        read: 0,
        max_total: b.opts.max_decompressed_bytes,
        since_tag: 0,
        max_token: b.opts.max_token_bytes,
    };
    let mut input = BufReader::with_capacity(256 * 1024, guarded);
    // What a guide URL answered with junk (a gzip of garbage, an image) is named as such,
    // before the XML reader makes "names" of its bytes.
    if looks_binary(input.fill_buf()?) {
        return Err(EpgError::Binary);
    }
    let mut r = SourceReader {
        xml: Reader::from_reader(input),
        buf: Vec::with_capacity(4096),
        skip: Vec::with_capacity(4096),
        text: String::new(),
        utf8: true,
    };
    let cfg = r.xml.config_mut();
    cfg.allow_dangling_amp = true;
    cfg.check_end_names = false;
    cfg.trim_text(false);
    let result = r.run(b, source, &mut stats);
    stats.bytes = r.xml.get_ref().get_ref().read;
    stats.channels_matched = b.filled_by.iter().filter(|f| **f == Some(source)).count();
    b.report.guide_channels += stats.channels_in_source;
    result.map(|()| stats)
}

struct SourceReader<R: BufRead> {
    xml: Reader<R>,
    buf: Vec<u8>,
    skip: Vec<u8>,
    text: String,
    /// False when the declaration names a legacy encoding (decoded as windows-1252).
    utf8: bool,
}

/// Programme fields while one `<programme>` is being read.
#[derive(Default)]
struct Draft {
    title: String,
    sub_title: String,
    desc: String,
    categories: String,
    episode_label: String,
    onscreen: String,
    season: Option<u16>,
    episode: Option<u16>,
    icon: String,
    rating: String,
}

impl<R: BufRead> SourceReader<R> {
    fn err(&self, e: quick_xml::Error) -> EpgError {
        xml_error(e, self.xml.buffer_position())
    }
}

/// Reads the next event into `buf` (cleared first); errors carry the event's byte position.
/// Takes the reader and buffer apart so callers can hold other fields of theirs meanwhile.
fn next_event<'b, R: BufRead>(
    xml: &mut Reader<R>,
    buf: &'b mut Vec<u8>,
) -> Result<Event<'b>, EpgError> {
    buf.clear();
    let pos = xml.buffer_position();
    xml.read_event_into(buf).map_err(|e| xml_error(e, pos))
}

fn xml_error(e: quick_xml::Error, position: u64) -> EpgError {
    {
        if let quick_xml::Error::Io(io) = &e {
            if let Some(g) = io.get_ref().and_then(|g| g.downcast_ref::<Guard>()) {
                return match g {
                    Guard::TooLarge(l) => EpgError::TooLarge { limit: *l },
                    Guard::Token(l) => EpgError::TokenTooLarge { limit: *l },
                };
            }
            return EpgError::Io(io::Error::new(io.kind(), io.to_string()));
        }
        EpgError::Xml {
            position,
            message: crate::text::clip(&e.to_string(), 160),
        }
    }
}

impl<R: BufRead> SourceReader<R> {
    fn run(
        &mut self,
        b: &mut GuideBuilder<'_>,
        source: u16,
        stats: &mut SourceStats,
    ) -> Result<(), EpgError> {
        let mut pending_channels: Vec<(String, Vec<String>)> = Vec::new();
        let mut map: Option<HashMap<String, Vec<u32>>> = None;
        // Ids seen in programmes without a <channel> element, matched by tvg-id alone.
        let mut lazy: HashMap<Vec<u8>, Vec<u32>> = HashMap::new();
        let mut seen_root = false;
        let mut draft = Draft::default();
        let window = b.opts.window();
        loop {
            let ev = next_event(&mut self.xml, &mut self.buf)?;
            let (start, empty) = match ev {
                Event::Start(e) => (e.into_owned(), false),
                Event::Empty(e) => (e.into_owned(), true),
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = enc.to_ascii_lowercase();
                        self.utf8 = enc == b"utf-8" || enc == b"utf8" || enc == b"us-ascii";
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let name = start.local_name();
            let name = name.as_ref();
            if !seen_root {
                seen_root = true;
                if name != b"tv" {
                    return Err(not_xmltv(name));
                }
                continue;
            }
            match name {
                b"channel" => {
                    let id = attr(&start, b"id").unwrap_or_default();
                    let mut names = Vec::new();
                    if !empty {
                        self.read_channel(&mut names)?;
                    }
                    stats.channels_in_source += 1;
                    match &mut map {
                        None => pending_channels.push((id, names)),
                        // A <channel> after programmes began (not per the DTD, but seen).
                        Some(m) => {
                            let more = b.resolve(&[(id, names)]);
                            for (k, v) in more {
                                m.entry(k).or_default().extend(v);
                            }
                        }
                    }
                }
                b"programme" => {
                    stats.programmes_read += 1;
                    let m = map
                        .get_or_insert_with(|| b.resolve(&std::mem::take(&mut pending_channels)));
                    let chan_attr = attr_raw(&start, b"channel");
                    let targets: &[u32] = match chan_attr
                        .as_deref()
                        .and_then(|c| std::str::from_utf8(c).ok())
                    {
                        Some(c) => match m.get(c) {
                            Some(t) => t,
                            None => lazy.entry(c.as_bytes().to_vec()).or_insert_with(|| {
                                let found: Vec<u32> = b
                                    .resolve(&[(c.to_owned(), Vec::new())])
                                    .into_values()
                                    .flatten()
                                    .collect();
                                found
                            }),
                        },
                        None => &[],
                    };
                    let wanted: Vec<u32> = targets
                        .iter()
                        .copied()
                        .filter(|&t| b.filled_by[t as usize].is_none_or(|s| s == source))
                        .collect();
                    let times = (
                        attr(&start, b"start").as_deref().and_then(parse_xmltv_time),
                        attr(&start, b"stop"),
                    );
                    let in_window = |s: i64, e: Option<i64>, shift: i64| {
                        let (s, e) = (s + shift, e.map(|e| e + shift));
                        s < window.end && e.is_none_or(|e| e > window.start)
                    };
                    let (start_t, stop_t) = match times {
                        (Some(s), stop) => (s, stop.as_deref().and_then(parse_xmltv_time)),
                        (None, _) => {
                            if !wanted.is_empty() {
                                stats.bad_times += 1;
                            }
                            if !empty {
                                self.skip_to_end(&start)?;
                            }
                            continue;
                        }
                    };
                    let keep: Vec<u32> = wanted
                        .into_iter()
                        .filter(|&t| in_window(start_t, stop_t, b.targets[t as usize].shift_secs))
                        .collect();
                    if keep.is_empty() {
                        if !empty {
                            self.skip_to_end(&start)?;
                        }
                        continue;
                    }
                    draft.clear();
                    if !empty {
                        self.read_programme(&mut draft)?;
                    }
                    let catchup = attr(&start, b"catchup-id").unwrap_or_default();
                    // clumpidx="1/2": the second of two programmes sharing a timeslot.
                    let clump = attr(&start, b"clumpidx")
                        .and_then(|c| {
                            let (i, n) = c.trim().split_once('/')?;
                            let (i, n) =
                                (i.trim().parse::<u8>().ok()?, n.trim().parse::<u8>().ok()?);
                            (i < n).then_some((i, n))
                        })
                        .unwrap_or((0, 1));
                    let p = Programme {
                        start: start_t,
                        stop: stop_t.unwrap_or(NO_STOP),
                        season: draft.season,
                        episode: draft.episode,
                        title: b.push_title(&draft.title),
                        sub_title: b.push_text(&draft.sub_title),
                        desc: b.push_text(&draft.desc),
                        categories: b.push_text(&draft.categories),
                        episode_label: b.push_text(if draft.onscreen.is_empty() {
                            &draft.episode_label
                        } else {
                            &draft.onscreen
                        }),
                        icon: b.push_text(&draft.icon),
                        rating: b.push_text(&draft.rating),
                        catchup_id: b.push_text(&catchup),
                        clump,
                    };
                    for t in keep {
                        let shift = b.targets[t as usize].shift_secs;
                        let mut q = p;
                        q.start += shift;
                        if q.stop != NO_STOP {
                            q.stop += shift;
                        }
                        b.programmes[t as usize].push(q);
                        b.filled_by[t as usize] = Some(source);
                        stats.programmes_kept += 1;
                    }
                }
                _ => {
                    if !empty {
                        self.skip_to_end(&start)?;
                    }
                }
            }
        }
        if !seen_root {
            return Err(EpgError::NotXmltv("nothing".into()));
        }
        if map.is_none() && !pending_channels.is_empty() {
            b.resolve(&pending_channels);
        }
        Ok(())
    }

    fn skip_to_end(&mut self, start: &BytesStart<'_>) -> Result<(), EpgError> {
        self.skip.clear();
        let end = start.to_end().into_owned();
        self.xml
            .read_to_end_into(end.name(), &mut self.skip)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Appends the text content of the current element (entities resolved, nested markup
    /// flattened) to `out`; consumes through its end tag.
    fn read_text_into(&mut self, out: &mut String) -> Result<(), EpgError> {
        let mut depth = 0usize;
        loop {
            let res = next_event(&mut self.xml, &mut self.skip)?;
            match res {
                Event::Text(t) => push_bytes(out, &t, self.utf8),
                Event::CData(t) => push_bytes(out, &t, self.utf8),
                Event::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(&r);
                    match crate::text::xml_entity(&name) {
                        Some(c) => out.push(c),
                        None => {
                            out.push('&');
                            out.push_str(&name);
                            out.push(';');
                        }
                    }
                }
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    fn read_channel(&mut self, names: &mut Vec<String>) -> Result<(), EpgError> {
        loop {
            let res = next_event(&mut self.xml, &mut self.buf)?;
            match res {
                Event::Start(e) => {
                    let is_name = e.local_name().as_ref() == b"display-name";
                    let e = e.into_owned();
                    if is_name {
                        let mut s = String::new();
                        self.read_text_into(&mut s)?;
                        let s = s.trim();
                        if !s.is_empty() {
                            names.push(s.to_owned());
                        }
                    } else {
                        self.skip_to_end(&e)?;
                    }
                }
                Event::End(_) | Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    fn read_programme(&mut self, d: &mut Draft) -> Result<(), EpgError> {
        loop {
            let ev = next_event(&mut self.xml, &mut self.buf)?;
            let (e, empty) = match ev {
                Event::Start(e) => (e.into_owned(), false),
                Event::Empty(e) => (e.into_owned(), true),
                Event::End(_) | Event::Eof => return Ok(()),
                _ => continue,
            };
            let mut text = std::mem::take(&mut self.text);
            text.clear();
            match e.local_name().as_ref() {
                b"title" if d.title.is_empty() && !empty => {
                    self.read_text_into(&mut text)?;
                    d.title.push_str(text.trim());
                }
                b"sub-title" if d.sub_title.is_empty() && !empty => {
                    self.read_text_into(&mut text)?;
                    d.sub_title.push_str(text.trim());
                }
                b"desc" if d.desc.is_empty() && !empty => {
                    self.read_text_into(&mut text)?;
                    d.desc.push_str(text.trim());
                }
                b"category" if !empty => {
                    self.read_text_into(&mut text)?;
                    let t = text.trim();
                    if !t.is_empty() && !d.categories.split('\x1f').any(|c| c == t) {
                        if !d.categories.is_empty() {
                            d.categories.push('\x1f');
                        }
                        d.categories.push_str(t);
                    }
                }
                b"episode-num" if !empty => {
                    let system = attr(&e, b"system").unwrap_or_default();
                    self.read_text_into(&mut text)?;
                    let t = text.trim();
                    if system == "xmltv_ns" {
                        let (s, ep) = parse_xmltv_ns(t);
                        d.season = d.season.or(s);
                        d.episode = d.episode.or(ep);
                        if d.episode_label.is_empty() {
                            d.episode_label = match (s, ep) {
                                (Some(s), Some(e)) => format!("S{s} E{e}"),
                                (None, Some(e)) => format!("E{e}"),
                                (Some(s), None) => format!("S{s}"),
                                (None, None) => String::new(),
                            };
                        }
                    } else if system == "onscreen" && d.onscreen.is_empty() {
                        d.onscreen.push_str(t);
                    }
                }
                b"icon" => {
                    if d.icon.is_empty() {
                        d.icon = attr(&e, b"src").unwrap_or_default();
                    }
                    if !empty {
                        self.skip_to_end(&e)?;
                    }
                }
                b"rating" if !empty => {
                    // <rating system="MPAA"><value>PG</value></rating>: the value's text.
                    self.read_text_into(&mut text)?;
                    if d.rating.is_empty() {
                        d.rating.push_str(text.trim());
                    }
                }
                _ => {
                    if !empty {
                        self.skip_to_end(&e)?;
                    }
                }
            }
            self.text = text;
        }
    }
}

impl Draft {
    fn clear(&mut self) {
        for s in [
            &mut self.title,
            &mut self.sub_title,
            &mut self.desc,
            &mut self.categories,
            &mut self.episode_label,
            &mut self.onscreen,
            &mut self.icon,
            &mut self.rating,
        ] {
            s.clear();
        }
        self.season = None;
        self.episode = None;
    }
}

impl GuideBuilder<'_> {
    /// Titles repeat across a guide (series, daily shows): store each distinct one once.
    fn push_title(&mut self, title: &str) -> Span {
        if let Some(&s) = self.titles.get(title) {
            return s;
        }
        let s = self.push_text(title);
        self.titles.insert(title.into(), s);
        s
    }
}

/// `xmltv_ns` is zero-based `season.episode.part`, each optionally `n/total`.
fn parse_xmltv_ns(s: &str) -> (Option<u16>, Option<u16>) {
    let mut parts = s.split('.');
    let num = |p: Option<&str>| -> Option<u16> {
        let p = p?.split('/').next()?.trim();
        p.parse::<u16>().ok().map(|n| n.saturating_add(1))
    };
    let season = num(parts.next());
    let episode = num(parts.next());
    (season, episode)
}

fn push_bytes(out: &mut String, bytes: &[u8], utf8: bool) {
    if utf8 {
        match std::str::from_utf8(bytes) {
            Ok(s) => out.push_str(s),
            Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
        }
    } else {
        out.push_str(
            &encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0,
        );
    }
}

fn attr_raw(e: &BytesStart<'_>, key: &[u8]) -> Option<Vec<u8>> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .map(|a| a.value.into_owned())
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    let raw = attr_raw(e, key)?;
    let s = String::from_utf8_lossy(&raw);
    Some(crate::text::xml_unescape(&s).into_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_xmltv_ns;

    #[test]
    fn xmltv_ns() {
        assert_eq!(parse_xmltv_ns("0.4/12.0/1"), (Some(1), Some(5)));
        assert_eq!(parse_xmltv_ns(".3."), (None, Some(4)));
        assert_eq!(parse_xmltv_ns("2.."), (Some(3), None));
    }
}
