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
    let mut split = Splitter {
        input,
        carry: Vec::new(),
        offset: 0,
        done: false,
        error: None,
        piece_bytes: b.opts.piece_bytes.max(1),
    };
    let mut workers = match b.opts.parse_threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        n => n,
    };
    // A guide that is one piece is parsed here, without threads.
    match split.next() {
        Ok(Some((at, bytes))) => {
            split.push_back(at, bytes);
            if split.done {
                workers = 1;
            }
        }
        Ok(None) => {}
        Err(e) => split.error = Some(e),
    }
    let mut apply = Apply::default();
    let result = if workers > 1 {
        pipeline(b, source, &mut stats, &mut split, &mut apply, workers)
    } else {
        serial(b, source, &mut stats, &mut split, &mut apply)
    };
    stats.bytes = split.input.get_ref().read;
    let result = result.and_then(|()| apply.finish(b));
    stats.channels_matched = b.filled_by.iter().filter(|f| **f == Some(source)).count();
    b.report.guide_channels += stats.channels_in_source;
    result.map(|()| stats)
}

/// One core: each piece parsed and applied in turn.
fn serial<R: BufRead>(
    b: &mut GuideBuilder<'_>,
    source: u16,
    stats: &mut SourceStats,
    split: &mut Splitter<R>,
    apply: &mut Apply,
) -> Result<(), EpgError> {
    while let Some((at, bytes)) = split.next()? {
        let piece = parse_piece(at, &bytes, &apply.context());
        apply.piece(b, source, stats, piece)?;
    }
    Ok(())
}

/// Parses the document's pieces on `workers` threads while this one reads the next pieces
/// and applies the parsed ones in document order: the parsing is most of the work, and a
/// big guide (hundreds of MB) otherwise keeps one core busy for seconds. The head (up to
/// the first programme, where the guide's channels are matched) is parsed here, so the
/// workers know which channels' programmes to skip undecoded. At most two pieces per worker
/// are in flight, so memory stays bounded whatever the guide's size.
fn pipeline<R: BufRead>(
    b: &mut GuideBuilder<'_>,
    source: u16,
    stats: &mut SourceStats,
    split: &mut Splitter<R>,
    apply: &mut Apply,
    workers: usize,
) -> Result<(), EpgError> {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, mpsc};
    type Job = (u64, u64, Vec<u8>, Context);
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = &Mutex::new(job_rx);
    // The sender moves in: however this returns, the workers see the end and the scope joins.
    std::thread::scope(move |s| {
        let (done_tx, done_rx) = mpsc::channel::<(u64, Piece)>();
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            std::thread::Builder::new()
                .name("guide-parse".into())
                .spawn_scoped(s, move || {
                    loop {
                        let job = job_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok((seq, at, bytes, cx))) = job else {
                            return;
                        };
                        if done_tx.send((seq, parse_piece(at, &bytes, &cx))).is_err() {
                            return;
                        }
                    }
                })
                .expect("spawn a guide parser");
        }
        drop(done_tx);
        let (mut sent, mut applied) = (0u64, 0u64);
        let mut parsed: BTreeMap<u64, Piece> = BTreeMap::new();
        let mut read_error = None;
        loop {
            // Keep the workers fed; the head goes through here alone (it matches channels).
            while read_error.is_none() && sent - applied < 2 * workers as u64 {
                match split.next() {
                    // Nothing is sent before the channels are matched, so nothing is in
                    // flight while the head is applied here.
                    Ok(Some((at, bytes))) if !apply.ready() => {
                        let piece = parse_piece(at, &bytes, &apply.context());
                        apply.piece(b, source, stats, piece)?;
                        (sent, applied) = (sent + 1, applied + 1);
                    }
                    Ok(Some((at, bytes))) => {
                        // A `<channel>` among the programmes (not per the DTD, but seen) may
                        // want programmes the workers would skip: they decode all from here.
                        if memchr::memmem::find(&bytes, b"<channel").is_some() {
                            apply.late_channels = true;
                        }
                        let cx = apply.context();
                        if job_tx.send((sent, at, bytes, cx)).is_err() {
                            break;
                        }
                        sent += 1;
                    }
                    Ok(None) => break,
                    Err(e) => read_error = Some(e),
                }
            }
            if sent == applied {
                break;
            }
            let Ok((seq, piece)) = done_rx.recv() else {
                break;
            };
            parsed.insert(seq, piece);
            while let Some(piece) = parsed.remove(&applied) {
                applied += 1;
                // What was read before a bad piece is kept (a truncated download is a guide).
                apply.piece(b, source, stats, piece)?;
            }
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })
}

/// Reads the document in pieces that each end after a whole `<programme>` or `<channel>`
/// element, so each parses on its own.
struct Splitter<R> {
    input: R,
    carry: Vec<u8>,
    /// Where `carry` starts in the document.
    offset: u64,
    done: bool,
    /// A read failed: given after the whole elements read before it.
    error: Option<EpgError>,
    piece_bytes: usize,
}

impl<R: BufRead> Splitter<R> {
    /// The next piece and where it starts; `None` at the end.
    fn next(&mut self) -> Result<Option<(u64, Vec<u8>)>, EpgError> {
        let mut buf = std::mem::take(&mut self.carry);
        let mut want = self.piece_bytes;
        loop {
            if !self.done && buf.len() < want {
                let more = (want - buf.len()) as u64;
                match (&mut self.input).take(more).read_to_end(&mut buf) {
                    Ok(n) => self.done = (n as u64) < more,
                    Err(e) => {
                        // What was whole before the error is still a guide (a cut download).
                        self.done = true;
                        self.error = Some(io_error(e));
                        buf.truncate(cut_point(&buf).unwrap_or(0));
                    }
                }
            }
            let at = self.offset;
            if self.done {
                if buf.is_empty() {
                    return match self.error.take() {
                        Some(e) => Err(e),
                        None => Ok(None),
                    };
                }
                self.offset += buf.len() as u64;
                return Ok(Some((at, buf)));
            }
            match cut_point(&buf) {
                Some(cut) => {
                    self.carry = buf.split_off(cut);
                    self.offset += cut as u64;
                    return Ok(Some((at, buf)));
                }
                // One element longer than a piece (or no programmes yet): read on.
                None => want = buf.len() + self.piece_bytes,
            }
        }
    }

    /// Returns a piece `next` gave, to be given again.
    fn push_back(&mut self, at: u64, mut bytes: Vec<u8>) {
        bytes.extend_from_slice(&self.carry);
        self.carry = bytes;
        self.offset = at;
    }
}

/// After the last `</programme>` or `</channel>` in `buf` that is not inside a comment or a
/// CDATA section (a piece never starts inside one).
fn cut_point(buf: &[u8]) -> Option<usize> {
    use memchr::memmem::rfind;
    let mut end = buf.len();
    loop {
        let head = &buf[..end];
        let p = rfind(head, b"</programme>").map(|i| i + 12);
        let c = rfind(head, b"</channel>").map(|i| i + 10);
        let cut = p.max(c)?;
        match open_section(&buf[..cut]) {
            None => return Some(cut),
            Some(at) => end = at,
        }
    }
}

/// Where a comment or CDATA section that `b` ends inside starts.
fn open_section(b: &[u8]) -> Option<usize> {
    use memchr::memmem::find;
    let mut i = 0;
    while let Some(o) = find(&b[i..], b"<!") {
        let at = i + o;
        let (open, close): (usize, &[u8]) = if b[at..].starts_with(b"<!--") {
            (4, b"-->")
        } else if b[at..].starts_with(b"<![CDATA[") {
            (9, b"]]>")
        } else {
            i = at + 2;
            continue;
        };
        match find(&b[at + open..], close) {
            Some(c) => i = at + open + c + close.len(),
            None => return Some(at),
        }
    }
    None
}

/// What the workers need to know to parse a piece.
#[derive(Clone)]
struct Context {
    utf8: bool,
    /// Channel id → the `tvg-shift` of each playlist channel that wants its programmes,
    /// once the guide's channels are matched: a programme none of them wants, or that falls
    /// outside the window for all of them, is skipped undecoded. Ids not here are decoded.
    wanted: Option<std::sync::Arc<HashMap<Box<[u8]>, Vec<i64>>>>,
    window: std::ops::Range<i64>,
    /// The first piece: the declaration and the root element are in it.
    first: bool,
}

/// One piece of the document, parsed: its elements in order, their text in `text`.
struct Piece {
    items: Vec<Item>,
    text: String,
    /// The declaration named an encoding (first piece only).
    utf8: Option<bool>,
    /// The root element's name (first piece only).
    root: Option<Vec<u8>>,
    /// The error that ended the piece early; the items before it count.
    error: Option<EpgError>,
}

type Text = std::ops::Range<u32>;

enum Item {
    Channel {
        id: String,
        names: Vec<String>,
    },
    /// A programme no playlist channel wants (counted only).
    Skipped,
    Programme(Box<Parsed>),
}

/// A programme as read. `start` is `None` when it is unreadable (the body was skipped).
struct Parsed {
    channel: Option<Text>,
    start: Option<i64>,
    stop: Option<i64>,
    title: Text,
    sub_title: Text,
    desc: Text,
    categories: Text,
    episode_label: Text,
    icon: Text,
    rating: Text,
    catchup_id: Text,
    season: Option<u16>,
    episode: Option<u16>,
    clump: (u8, u8),
}

fn push(text: &mut String, s: &str) -> Text {
    let start = text.len() as u32;
    text.push_str(s);
    start..text.len() as u32
}

fn parse_piece(at: u64, bytes: &[u8], cx: &Context) -> Piece {
    let mut r = SourceReader {
        xml: Reader::from_reader(bytes),
        base: at,
        buf: Vec::with_capacity(4096),
        skip: Vec::with_capacity(4096),
        text: String::new(),
        utf8: cx.utf8,
    };
    let cfg = r.xml.config_mut();
    cfg.allow_dangling_amp = true;
    cfg.check_end_names = false;
    // A piece after the first ends with the root's end tag, and its start is in the first.
    cfg.allow_unmatched_ends = true;
    cfg.trim_text(false);
    let mut piece = Piece {
        items: Vec::new(),
        text: String::with_capacity(bytes.len() / 2),
        utf8: None,
        root: None,
        error: None,
    };
    if let Err(e) = r.parse(cx, &mut piece) {
        piece.error = Some(e);
    }
    piece
}

impl<R: BufRead> SourceReader<R> {
    fn parse(&mut self, cx: &Context, out: &mut Piece) -> Result<(), EpgError> {
        let mut draft = Draft::default();
        let mut skip_ok = cx.wanted.is_some();
        loop {
            let ev = next_event(&mut self.xml, &mut self.buf, self.base)?;
            let (start, empty) = match ev {
                Event::Start(e) => (e.into_owned(), false),
                Event::Empty(e) => (e.into_owned(), true),
                Event::Decl(d) if cx.first => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = enc.to_ascii_lowercase();
                        self.utf8 = enc == b"utf-8" || enc == b"utf8" || enc == b"us-ascii";
                        out.utf8 = Some(self.utf8);
                    }
                    continue;
                }
                Event::Eof => return Ok(()),
                _ => continue,
            };
            let name = start.local_name();
            let name = name.as_ref();
            if cx.first && out.root.is_none() {
                out.root = Some(name.to_vec());
                if name != b"tv" {
                    return Ok(());
                }
                continue;
            }
            match name {
                b"channel" => {
                    skip_ok = false;
                    let id = attr(&start, b"id").unwrap_or_default();
                    let mut names = Vec::new();
                    if !empty {
                        self.read_channel(&mut names)?;
                    }
                    out.items.push(Item::Channel { id, names });
                }
                b"programme" => {
                    let chan = attr_raw(&start, b"channel");
                    let start_t = attr(&start, b"start").as_deref().and_then(parse_xmltv_time);
                    let stop_t = attr(&start, b"stop").as_deref().and_then(parse_xmltv_time);
                    let wanted = cx
                        .wanted
                        .as_ref()
                        .filter(|_| skip_ok)
                        .and_then(|w| w.get(chan.as_deref()?));
                    let skip = match (wanted, start_t) {
                        (Some(shifts), Some(s)) => !shifts.iter().any(|shift| {
                            s + shift < cx.window.end
                                && stop_t.is_none_or(|e| e + shift > cx.window.start)
                        }),
                        (Some(shifts), None) => shifts.is_empty(),
                        (None, _) => false,
                    };
                    if skip || start_t.is_none() {
                        if !empty {
                            self.skip_to_end(&start)?;
                        }
                        if skip {
                            out.items.push(Item::Skipped);
                            continue;
                        }
                    }
                    let channel = chan
                        .as_deref()
                        .and_then(|c| std::str::from_utf8(c).ok())
                        .map(|c| push(&mut out.text, c));
                    draft.clear();
                    if start_t.is_some() && !empty {
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
                    let t = &mut out.text;
                    let label = if draft.onscreen.is_empty() {
                        &draft.episode_label
                    } else {
                        &draft.onscreen
                    };
                    out.items.push(Item::Programme(Box::new(Parsed {
                        channel,
                        start: start_t,
                        stop: stop_t,
                        title: push(t, &draft.title),
                        sub_title: push(t, &draft.sub_title),
                        desc: push(t, &draft.desc),
                        categories: push(t, &draft.categories),
                        episode_label: push(t, label),
                        icon: push(t, &draft.icon),
                        rating: push(t, &draft.rating),
                        catchup_id: push(t, &catchup),
                        season: draft.season,
                        episode: draft.episode,
                        clump,
                    })));
                }
                _ => {
                    if !empty {
                        self.skip_to_end(&start)?;
                    }
                }
            }
        }
    }
}

/// Applies parsed pieces to the guide in document order: the guide's channels matched onto
/// the playlist's, each programme kept for the channels that want it.
#[derive(Default)]
struct Apply {
    utf8: Option<bool>,
    seen_root: bool,
    pending_channels: Vec<(String, Vec<String>)>,
    map: Option<HashMap<String, Vec<u32>>>,
    /// Ids seen in programmes without a <channel> element, matched by tvg-id alone.
    lazy: HashMap<String, Vec<u32>>,
    /// The workers' copy of `map` (what each id's programmes are wanted for).
    wanted: Option<std::sync::Arc<HashMap<Box<[u8]>, Vec<i64>>>>,
    late_channels: bool,
    window: std::ops::Range<i64>,
}

impl Apply {
    /// The channels are matched: pieces can be parsed without this thread.
    fn ready(&self) -> bool {
        self.wanted.is_some()
    }

    fn context(&self) -> Context {
        Context {
            utf8: self.utf8.unwrap_or(true),
            wanted: self.wanted.clone().filter(|_| !self.late_channels),
            window: self.window.clone(),
            first: !self.seen_root && self.utf8.is_none(),
        }
    }

    fn piece(
        &mut self,
        b: &mut GuideBuilder<'_>,
        source: u16,
        stats: &mut SourceStats,
        piece: Piece,
    ) -> Result<(), EpgError> {
        self.window = b.opts.window();
        if let Some(u) = piece.utf8 {
            self.utf8 = Some(u);
        }
        if !self.seen_root && self.utf8.is_none() {
            self.utf8 = Some(true);
        }
        if let Some(root) = piece.root {
            self.seen_root = true;
            if root != b"tv" {
                return Err(not_xmltv(&root));
            }
        }
        let text = &piece.text;
        let get = |r: &Text| &text[r.start as usize..r.end as usize];
        for item in piece.items {
            let p = match item {
                Item::Channel { id, names } => {
                    stats.channels_in_source += 1;
                    match &mut self.map {
                        None => self.pending_channels.push((id, names)),
                        // A <channel> after programmes began (not per the DTD, but seen).
                        Some(m) => {
                            for (k, v) in b.resolve(&[(id, names)]) {
                                m.entry(k).or_default().extend(v);
                            }
                        }
                    }
                    continue;
                }
                Item::Skipped => {
                    stats.programmes_read += 1;
                    continue;
                }
                Item::Programme(p) => p,
            };
            stats.programmes_read += 1;
            let m = self
                .map
                .get_or_insert_with(|| b.resolve(&std::mem::take(&mut self.pending_channels)));
            let targets: &[u32] = match p.channel.as_ref().map(get) {
                Some(c) => match m.get(c) {
                    Some(t) => t,
                    None => self.lazy.entry(c.to_owned()).or_insert_with(|| {
                        b.resolve(&[(c.to_owned(), Vec::new())])
                            .into_values()
                            .flatten()
                            .collect()
                    }),
                },
                None => &[],
            };
            let wanted = targets
                .iter()
                .copied()
                .filter(|&t| b.filled_by[t as usize].is_none_or(|s| s == source));
            let Some(start_t) = p.start else {
                if wanted.count() > 0 {
                    stats.bad_times += 1;
                }
                continue;
            };
            let window = &self.window;
            let keep: Vec<u32> = wanted
                .filter(|&t| {
                    let shift = b.targets[t as usize].shift_secs;
                    start_t + shift < window.end && p.stop.is_none_or(|e| e + shift > window.start)
                })
                .collect();
            if keep.is_empty() {
                continue;
            }
            let q = Programme {
                start: start_t,
                stop: p.stop.unwrap_or(NO_STOP),
                season: p.season,
                episode: p.episode,
                title: b.push_title(get(&p.title)),
                sub_title: b.push_text(get(&p.sub_title)),
                desc: b.push_text(get(&p.desc)),
                categories: b.push_text(get(&p.categories)),
                episode_label: b.push_text(get(&p.episode_label)),
                icon: b.push_text(get(&p.icon)),
                rating: b.push_text(get(&p.rating)),
                catchup_id: b.push_text(get(&p.catchup_id)),
                clump: p.clump,
            };
            for t in keep {
                let shift = b.targets[t as usize].shift_secs;
                let mut q = q;
                q.start += shift;
                if q.stop != NO_STOP {
                    q.stop += shift;
                }
                b.programmes[t as usize].push(q);
                b.filled_by[t as usize] = Some(source);
                stats.programmes_kept += 1;
            }
        }
        if self.map.is_some() && self.wanted.is_none() {
            self.wanted = Some(std::sync::Arc::new(self.wanted_by_id(b, source)));
        }
        match piece.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn wanted_by_id(&self, b: &GuideBuilder<'_>, source: u16) -> HashMap<Box<[u8]>, Vec<i64>> {
        let map = self.map.iter().flatten();
        map.map(|(id, targets)| {
            let shifts = targets
                .iter()
                .filter(|&&t| b.filled_by[t as usize].is_none_or(|s| s == source))
                .map(|&t| b.targets[t as usize].shift_secs)
                .collect();
            (id.as_bytes().into(), shifts)
        })
        .collect()
    }

    /// After the last piece: a document without elements is not a guide; channels never
    /// followed by programmes are still matched (the report lists them).
    fn finish(&mut self, b: &mut GuideBuilder<'_>) -> Result<(), EpgError> {
        if !self.seen_root {
            return Err(EpgError::NotXmltv("nothing".into()));
        }
        if self.map.is_none() && !self.pending_channels.is_empty() {
            b.resolve(&self.pending_channels);
        }
        Ok(())
    }
}

struct SourceReader<R: BufRead> {
    xml: Reader<R>,
    /// Where the piece being read starts in the document (for error positions).
    base: u64,
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
        xml_error(e, self.base + self.xml.buffer_position())
    }
}

/// Reads the next event into `buf` (cleared first); errors carry the event's byte position.
/// Takes the reader and buffer apart so callers can hold other fields of theirs meanwhile.
fn next_event<'b, R: BufRead>(
    xml: &mut Reader<R>,
    buf: &'b mut Vec<u8>,
    base: u64,
) -> Result<Event<'b>, EpgError> {
    buf.clear();
    let pos = base + xml.buffer_position();
    xml.read_event_into(buf).map_err(|e| xml_error(e, pos))
}

/// A read error; the guards' own errors travel as I/O errors and are named here.
fn io_error(io: io::Error) -> EpgError {
    guard_error(&io).unwrap_or(EpgError::Io(io))
}

fn guard_error(io: &io::Error) -> Option<EpgError> {
    Some(match io.get_ref()?.downcast_ref::<Guard>()? {
        Guard::TooLarge(l) => EpgError::TooLarge { limit: *l },
        Guard::Token(l) => EpgError::TokenTooLarge { limit: *l },
    })
}

fn xml_error(e: quick_xml::Error, position: u64) -> EpgError {
    match e {
        quick_xml::Error::Io(io) => guard_error(&io)
            .unwrap_or_else(|| EpgError::Io(io::Error::new(io.kind(), io.to_string()))),
        e => EpgError::Xml {
            position,
            message: crate::text::clip(&e.to_string(), 160),
        },
    }
}

impl<R: BufRead> SourceReader<R> {
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
            let res = next_event(&mut self.xml, &mut self.skip, self.base)?;
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
            let res = next_event(&mut self.xml, &mut self.buf, self.base)?;
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
            let ev = next_event(&mut self.xml, &mut self.buf, self.base)?;
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
        use std::hash::BuildHasher;
        let h = self.title_hasher.hash_one(title);
        let arena = &self.arena;
        if let Some(&s) = self.titles.find(h, |&s| arena.get(s) == title) {
            return s;
        }
        let s = self.push_text(title);
        let (arena, hasher) = (&self.arena, &self.title_hasher);
        self.titles
            .insert_unique(h, s, |&s| hasher.hash_one(arena.get(s)));
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
