//! Streaming M3U/M3U8 channel-list parser.
//!
//! Reads from any `BufRead` one line at a time (lines are split on LF, CRLF or a lone CR), so
//! memory is bounded by the longest accepted line plus the channels kept. Real-world playlists are
//! messy; the rules here follow what IPTV players accept in practice:
//! - a missing `#EXTM3U` header is a warning, not an error;
//! - attributes may be double-quoted, single-quoted or bare, in any case (`tvg-ID`);
//! - the display name starts after the first comma outside quotes;
//! - a file that is not UTF-8 is read in the legacy encoding its text shows (chardetng, on the
//!   first megabyte or the first line that is not UTF-8), decided once for the whole file;
//! - a bad entry is skipped with a line-numbered diagnostic, never the whole file; binary junk
//!   after good entries ends the list there (the good part is kept and the rest is counted);
//! - headers come from every form playlists use (`url|A=b&C=d`, `url|A="b"|C="d"`,
//!   `http-user-agent`/`http-referrer` attributes, `#EXTVLCOPT:http-*`, `#EXTHTTP:{json}`,
//!   `#KODIPROP:inputstream.adaptive.{stream,manifest}_headers`) and go on every request;
//! - `#EXTGRP` follows Kodi's rule: it sets the groups of the entry it is in and of every later
//!   entry, until an empty `#EXTGRP` or an entry's own `group-title`;
//! - repeated entries for one channel (same `tvg-id`, or same name and group, or same name and
//!   URL) become one channel with backup URLs, in every group it was listed under.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::io::{self, BufRead};

use hashbrown::HashTable;
use memchr::memchr2;

use super::{
    Catchup, Channel, ChannelNumber, Diagnostic, GroupSets, Groups, HttpHeaders, Playlist,
    Severity, Stream, TextEncoding,
};
use crate::text::percent_decode;

/// Limits that keep hostile input from exhausting memory.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Longer lines are skipped (with a diagnostic) without being buffered whole.
    pub max_line_len: usize,
    /// Entries beyond this are dropped with one diagnostic.
    pub max_channels: usize,
    /// Diagnostics kept; the rest are only counted.
    pub max_diagnostics: usize,
    /// Merge repeated entries of one channel into backup streams.
    pub merge_duplicates: bool,
    /// The file's size when known: room for as many channels as it could hold is reserved
    /// up front (address space only until written), so a big list never copies its channels
    /// to grow and never holds two copies of them at once.
    pub expected_bytes: Option<u64>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_line_len: 256 * 1024,
            max_channels: 500_000,
            max_diagnostics: 200,
            merge_duplicates: true,
            expected_bytes: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum M3uError {
    #[error("could not read the playlist: {0}")]
    Io(#[from] io::Error),
    #[error("this is not an M3U playlist (binary data at byte {offset})")]
    Binary { offset: u64 },
    #[error("this is a web page, not a playlist (a login page or an error from the server?)")]
    Html,
    #[error("this is a single HLS stream, not a channel list; open it as a stream URL instead")]
    HlsStream,
    #[error("no channels found: the file has neither #EXTM3U nor any stream URL")]
    NotAPlaylist,
    #[error("UTF-16 playlists are not supported; save the file as UTF-8")]
    Utf16,
}

/// Parses a playlist with the default limits.
pub fn parse_m3u<R: BufRead>(reader: R) -> Result<Playlist, M3uError> {
    parse_m3u_with(reader, &ParseOptions::default())
}

/// Parses a playlist. Errors are reserved for input that is not a playlist at all or cannot be
/// read; problems with individual entries become [`Playlist::diagnostics`].
pub fn parse_m3u_with<R: BufRead>(
    mut reader: R,
    opts: &ParseOptions,
) -> Result<Playlist, M3uError> {
    let mut p = Parser::new(opts);
    if let Some(bytes) = opts.expected_bytes {
        // An entry is rarely under 64 bytes (`#EXTINF:-1,Name` and a URL).
        let most = (bytes / 64).min(opts.max_channels as u64) as usize;
        p.out.channels.reserve_exact(most);
    }
    // The encoding is judged on the first megabyte (a file that is not UTF-8 shows it there).
    let mut head = Vec::new();
    while head.len() < HEAD_BYTES {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len().min(HEAD_BYTES - head.len());
        head.extend_from_slice(&chunk[..n]);
        reader.consume(n);
    }
    // Text that was UTF-8 before the first bad byte is a UTF-8 file with a bad line.
    if let Err(e) = std::str::from_utf8(&head)
        && (e.error_len().is_some() || head.len() < HEAD_BYTES)
        && head[..e.valid_up_to()].is_ascii()
        && !head.starts_with(&[0xFF, 0xFE])
        && !head.starts_with(&[0xFE, 0xFF])
    {
        p.set_legacy(&head);
    }
    let mut lines = LineReader::new(
        io::Read::chain(io::Cursor::new(head), reader),
        opts.max_line_len,
    );
    let mut buf = Vec::with_capacity(1024);
    loop {
        match lines.next_line(&mut buf)? {
            Line::Eof => break,
            Line::TooLong { len } => {
                p.line_no += 1;
                p.diag(
                    Severity::Error,
                    format!(
                        "line of {len} bytes exceeds the {} byte limit; skipped",
                        opts.max_line_len
                    ),
                );
                // A skipped URL line must not attach the pending #EXTINF to the next entry.
                p.pending = None;
                p.saw_content = true;
            }
            Line::Data => {
                p.line_no += 1;
                if p.line_no == 1 {
                    check_magic(&mut buf)?;
                }
                if is_binary(&buf) {
                    let offset = lines.offset - buf.len() as u64;
                    if p.out.channels.is_empty() {
                        return Err(M3uError::Binary { offset });
                    }
                    // Keep what was good; count what is dropped (never print it).
                    let mut rest = buf.len() as u64;
                    rest += io::copy(&mut lines.inner, &mut io::sink())?;
                    p.pending = None;
                    p.diag(
                        Severity::Error,
                        format!(
                            "binary data from byte {offset}: the rest of the file ({rest} bytes) \
                             was not read; the {} channels before it are kept",
                            p.out.channels.len()
                        ),
                    );
                    break;
                }
                p.line(&buf);
            }
        }
    }
    p.finish()
}

/// Bytes read ahead to judge the file's encoding.
const HEAD_BYTES: usize = 1 << 20;

/// Control characters no text playlist has (tabs aside): the file is binary from here on.
fn is_binary(line: &[u8]) -> bool {
    // No early exit: the loop vectorises, and text lines are read whole anyway.
    line.iter().fold(false, |bad, &b| {
        bad | ((b < 0x20) & (b != b'\t') & (b != 0x0C)) | (b == 0x7F)
    })
}

/// Strips a UTF-8 BOM; refuses UTF-16 (its BOM or NUL-interleaved text).
fn check_magic(first: &mut Vec<u8>) -> Result<(), M3uError> {
    if first.starts_with(&[0xEF, 0xBB, 0xBF]) {
        first.drain(..3);
    } else if first.starts_with(&[0xFF, 0xFE]) || first.starts_with(&[0xFE, 0xFF]) {
        return Err(M3uError::Utf16);
    }
    Ok(())
}

enum Line {
    Data,
    TooLong { len: usize },
    Eof,
}

/// Splits on `\n`, `\r\n` or a lone `\r`, never buffering more than `max` bytes of one line.
struct LineReader<R> {
    inner: R,
    max: usize,
    /// The previous line ended in `\r`: a `\n` right after it belongs to that line ending.
    skip_lf: bool,
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    fn new(inner: R, max: usize) -> Self {
        Self {
            inner,
            max,
            skip_lf: false,
            offset: 0,
        }
    }

    fn next_line(&mut self, out: &mut Vec<u8>) -> io::Result<Line> {
        out.clear();
        let mut len = 0usize;
        let mut any = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(if !any {
                    Line::Eof
                } else if len > self.max {
                    Line::TooLong { len }
                } else {
                    Line::Data
                });
            }
            if self.skip_lf {
                self.skip_lf = false;
                if chunk[0] == b'\n' {
                    self.inner.consume(1);
                    self.offset += 1;
                    continue;
                }
            }
            any = true;
            let (take, end) = match memchr2(b'\n', b'\r', chunk) {
                Some(i) => {
                    self.skip_lf = chunk[i] == b'\r';
                    (i, Some(i + 1))
                }
                None => (chunk.len(), None),
            };
            if len + take <= self.max {
                out.extend_from_slice(&chunk[..take]);
            } else if len <= self.max {
                // Crossing the limit: drop what we had, keep counting.
                out.clear();
            }
            len += take;
            let consumed = end.unwrap_or(take);
            self.inner.consume(consumed);
            self.offset += consumed as u64;
            if end.is_some() {
                return Ok(if len > self.max {
                    Line::TooLong { len }
                } else {
                    Line::Data
                });
            }
        }
    }
}

/// Per-entry state between an `#EXTINF` line and its URL.
#[derive(Default)]
struct Pending {
    line: u32,
    channel: Channel,
    headers: HttpHeaders,
    properties: Vec<(String, String)>,
    has_extinf: bool,
    /// An `#EXTGRP` inside the entry: wins over its `group-title`.
    ext_group: Option<Groups>,
}

struct Parser<'o> {
    opts: &'o ParseOptions,
    out: Playlist,
    line_no: u32,
    saw_header: bool,
    saw_hls_tags: bool,
    saw_content: bool,
    /// The file starts like a web page.
    saw_html: bool,
    encoding: Option<TextEncoding>,
    /// `#EXTGRP:` in force: applies to later entries until an empty one or a `group-title`.
    ext_group: Groups,
    /// Each set of groups once: channels share them.
    group_sets: GroupSets,
    /// A strong HLS tag (`#EXT-X-TARGETDURATION`, `#EXT-X-STREAM-INF`, ...) was seen.
    saw_hls_playlist: bool,
    pending: Option<Pending>,
    /// Channel indices by dedupe key; keys are read back from the channels, never copied.
    dedupe: HashTable<u32>,
    /// Channels without a tvg-id by (name, primary URL): one channel listed in two groups.
    by_url: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    overflowed: bool,
}

impl<'o> Parser<'o> {
    fn new(opts: &'o ParseOptions) -> Self {
        Self {
            opts,
            out: Playlist::default(),
            line_no: 0,
            saw_header: false,
            saw_hls_tags: false,
            saw_content: false,
            saw_html: false,
            encoding: None,
            ext_group: Groups::default(),
            group_sets: GroupSets::default(),
            saw_hls_playlist: false,
            pending: None,
            dedupe: HashTable::new(),
            by_url: HashTable::new(),
            hasher: Default::default(),
            overflowed: false,
        }
    }

    fn diag(&mut self, severity: Severity, message: String) {
        if self.out.diagnostics.len() < self.opts.max_diagnostics {
            self.out.diagnostics.push(Diagnostic {
                line: self.line_no,
                severity,
                message,
            });
        } else {
            self.out.diagnostics_dropped += 1;
        }
    }

    /// Reads the file in the legacy encoding `sample` looks like.
    fn set_legacy(&mut self, sample: &[u8]) {
        let mut d = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        d.feed(sample, false);
        let enc = d.guess(None, chardetng::Utf8Detection::Deny);
        self.encoding = Some(TextEncoding::Legacy(enc));
        self.out.encoding = TextEncoding::Legacy(enc);
        self.diag(
            Severity::Warning,
            format!("playlist is not UTF-8; reading it as {}", enc.name()),
        );
    }

    /// Decodes one line. The file's encoding is decided by the first line that is not ASCII
    /// (unless the first megabyte decided it): valid UTF-8 locks UTF-8 (later invalid bytes are
    /// replaced and reported), anything else locks the legacy encoding that line looks like.
    fn decode<'b>(&mut self, bytes: &'b [u8]) -> Cow<'b, str> {
        match self.encoding {
            Some(TextEncoding::Legacy(enc)) => {
                if bytes.is_ascii() {
                    Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
                } else {
                    enc.decode_without_bom_handling(bytes).0
                }
            }
            Some(TextEncoding::Utf8) => match std::str::from_utf8(bytes) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => {
                    self.diag(
                        Severity::Warning,
                        "invalid UTF-8 replaced with U+FFFD".into(),
                    );
                    String::from_utf8_lossy(bytes)
                }
            },
            None => match std::str::from_utf8(bytes) {
                Ok(s) => {
                    if !s.is_ascii() {
                        self.encoding = Some(TextEncoding::Utf8);
                    }
                    Cow::Borrowed(s)
                }
                Err(_) => {
                    self.set_legacy(bytes);
                    let Some(TextEncoding::Legacy(enc)) = self.encoding else {
                        unreachable!("set_legacy sets a legacy encoding")
                    };
                    enc.decode_without_bom_handling(bytes).0
                }
            },
        }
    }

    fn line(&mut self, raw: &[u8]) {
        let text = self.decode(raw);
        let line = text.trim();
        if line.is_empty() {
            return;
        }
        if !self.saw_content {
            self.saw_content = true;
            if starts_with_ci(line, "#EXTM3U") {
                self.saw_header = true;
                self.header(&line[7..]);
                return;
            }
            if line.starts_with('<') {
                self.saw_html = looks_like_html(line);
            }
            self.diag(
                Severity::Warning,
                "missing #EXTM3U header; reading it as a playlist anyway".into(),
            );
        }
        if let Some(rest) = strip_prefix_ci(line, "#EXTINF:") {
            self.extinf(rest);
        } else if let Some(rest) = strip_prefix_ci(line, "#EXTGRP:") {
            self.ext_group = self.group_sets.get(&split_groups(rest));
            let groups = self.ext_group.clone();
            if let Some(p) = self.pending.as_mut().filter(|p| p.has_extinf) {
                p.ext_group = Some(groups);
            }
        } else if let Some(rest) = strip_prefix_ci(line, "#EXTVLCOPT:") {
            self.vlcopt(rest);
        } else if let Some(rest) = strip_prefix_ci(line, "#KODIPROP:") {
            self.kodiprop(rest);
        } else if let Some(rest) = strip_prefix_ci(line, "#EXTHTTP:") {
            self.exthttp(rest);
        } else if starts_with_ci(line, "#EXTM3U") {
            // A second header (concatenated playlists): merge its attributes.
            self.header(&line[7..]);
        } else if starts_with_ci(line, "#EXT-X-") {
            self.saw_hls_tags = true;
            // Tags only a stream's own playlist has (a channel list may carry
            // #EXT-X-PLAYLIST-TYPE for a VOD entry, Kodi's README shows it).
            const HLS: [&str; 4] = [
                "#EXT-X-TARGETDURATION",
                "#EXT-X-STREAM-INF",
                "#EXT-X-MEDIA-SEQUENCE",
                "#EXT-X-MEDIA:",
            ];
            self.saw_hls_playlist |= HLS.iter().any(|t| starts_with_ci(line, t));
        } else if line.starts_with('#') {
            // Comments and tags Prism does not use.
        } else {
            self.url(line);
        }
    }

    fn pending_mut(&mut self) -> &mut Pending {
        let line = self.line_no;
        self.pending.get_or_insert_with(|| Pending {
            line,
            ..Default::default()
        })
    }

    fn header(&mut self, rest: &str) {
        let mut h = std::mem::take(&mut self.out.header);
        let mut catchup = h.catchup.take().unwrap_or_default();
        let mut has_catchup = false;
        for_each_attr(rest, |key, value| {
            let k = key.to_ascii_lowercase();
            match k.as_str() {
                "url-tvg" | "x-tvg-url" | "tvg-url" => {
                    for u in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                        if !h.epg_urls.iter().any(|e| e == u) {
                            h.epg_urls.push(u.to_owned());
                        }
                    }
                }
                "tvg-shift" => h.tvg_shift = value.trim().parse().ok(),
                "catchup" | "catchup-type" => {
                    catchup.kind = value.to_owned();
                    has_catchup = true;
                }
                "catchup-source" => {
                    catchup.source = non_empty(value);
                    has_catchup = true;
                }
                "catchup-days" => catchup.days = value.trim().parse().ok(),
                "catchup-correction" => catchup.correction = value.trim().parse().ok(),
                _ => {}
            }
            h.attributes.push((k, value.to_owned()));
        });
        if has_catchup {
            h.catchup = Some(catchup);
        }
        self.out.header = h;
    }

    fn extinf(&mut self, rest: &str) {
        if let Some(prev) = self.pending.as_ref().filter(|p| p.has_extinf) {
            let (line, name) = (prev.line, prev.channel.name.clone());
            self.out_diag_at(
                line,
                Severity::Error,
                format!("entry \"{name}\" has no stream URL; skipped"),
            );
            self.pending = None;
        }
        let line_no = self.line_no;
        let p = self.pending_mut();
        p.line = line_no;
        p.has_extinf = true;
        // Duration: up to the first space or comma.
        let dur_end = rest.find([' ', '\t', ',']).unwrap_or(rest.len());
        let mut after = &rest[dur_end..];
        let mut warn_duration = false;
        if rest[..dur_end].trim().parse::<f64>().is_err() {
            // `#EXTINF:tvg-id=...` with no duration: read attributes from the start.
            warn_duration = !rest[..dur_end].contains('=');
            after = rest;
        }
        let mut c = Channel::default();
        let mut catchup = Catchup::default();
        let mut has_catchup = false;
        let mut ua = None;
        let mut referrer = None;
        let mut has_group_title = false;
        let mut tvg_name = None;
        let name_at = for_each_attr(after, |key, value| {
            let v = || non_empty(value);
            let mut buf = [0u8; 24];
            match lower_key(key, &mut buf) {
                b"tvg-id" => c.tvg_id = v(),
                b"tvg-name" => tvg_name = v(),
                b"tvg-logo" | b"logo" => c.logo = v(),
                b"group-title" => {
                    c.groups = self.group_sets.get(&split_groups(value));
                    has_group_title = true;
                }
                b"tvg-chno" | b"ch-number" | b"channel-number" | b"tvg-channel-number" => {
                    c.number = value.parse::<ChannelNumber>().ok();
                }
                b"tvg-shift" => c.tvg_shift = value.trim().parse().ok(),
                b"tvg-language" => {
                    if let Some(l) = v() {
                        c.locale.get_or_insert_default().language = Some(l);
                    }
                }
                b"tvg-country" => {
                    if let Some(l) = v() {
                        c.locale.get_or_insert_default().country = Some(l);
                    }
                }
                b"radio" => c.radio = value.eq_ignore_ascii_case("true") || value == "1",
                b"adult" | b"tvg-adult" | b"is-adult" => {
                    c.adult = value.eq_ignore_ascii_case("true") || value == "1"
                }
                b"catchup" | b"catchup-type" => {
                    catchup.kind = value.to_owned();
                    has_catchup = true;
                }
                b"catchup-source" => {
                    catchup.source = v();
                    has_catchup = true;
                }
                b"catchup-days" | b"timeshift" => {
                    catchup.days = value.trim().parse().ok();
                    has_catchup |= catchup.days.is_some();
                    // SIPTV's old `timeshift="3"` is its shift mode too (a `catchup` of its
                    // own, before or after, wins).
                    if key.eq_ignore_ascii_case("timeshift") && catchup.kind.is_empty() {
                        catchup.kind = "timeshift".into();
                    }
                }
                b"catchup-correction" => catchup.correction = value.trim().parse().ok(),
                b"http-user-agent" | b"user-agent" => ua = v(),
                b"http-referrer" | b"http-referer" | b"referrer" | b"referer" => referrer = v(),
                _ => {}
            }
        });
        let mut missing_comma = false;
        c.name = match name_at {
            Some(i) => after[i..].trim().to_owned(),
            None => {
                missing_comma = true;
                String::new()
            }
        };
        if c.name.is_empty() {
            c.name = tvg_name.clone().unwrap_or_default();
        }
        c.set_tvg_name(tvg_name);
        if has_catchup {
            c.catchup = Some(Box::new(catchup));
        }
        if has_group_title {
            // Kodi: an entry's own group-title ends the #EXTGRP in force.
            self.ext_group = Groups::default();
        }
        let p = self
            .pending
            .as_mut()
            .expect("pending entry was just created");
        // Only a header given is set: an empty set costs a stream nothing.
        if ua.is_some() && p.headers.user_agent.is_none() {
            p.headers.user_agent = ua;
        }
        if referrer.is_some() && p.headers.referrer.is_none() {
            p.headers.referrer = referrer;
        }
        p.channel = c;
        if warn_duration {
            self.diag(Severity::Warning, "#EXTINF has no duration".into());
        }
        if missing_comma {
            self.diag(
                Severity::Warning,
                "#EXTINF has no comma before the channel name".into(),
            );
        }
    }

    fn vlcopt(&mut self, rest: &str) {
        let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
        let (k, v) = (k.trim(), unquote(v.trim()));
        let p = self.pending_mut();
        let header = match k.to_ascii_lowercase().as_str() {
            "http-user-agent" => Some("User-Agent"),
            "http-referrer" | "http-referer" => Some("Referer"),
            "http-origin" => Some("Origin"),
            "http-cookie" => Some("Cookie"),
            _ => None,
        };
        match header {
            Some(h) => p.headers.set(h, v),
            None => p.properties.push((k.to_owned(), v.to_owned())),
        }
    }

    /// `#KODIPROP:key=value`. inputstream.adaptive's header lists are honoured; a DRM licence
    /// is something Prism cannot play, said once per entry.
    fn kodiprop(&mut self, rest: &str) {
        let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
        let (k, v) = (k.trim(), unquote(v.trim()));
        let lower = k.to_ascii_lowercase();
        let p = self.pending_mut();
        match lower.as_str() {
            "inputstream.adaptive.stream_headers"
            | "inputstream.adaptive.manifest_headers"
            | "inputstream.adaptive.common_headers" => {
                for (name, value) in header_pairs(v) {
                    p.headers.set(&name, &value);
                }
            }
            "inputstream.adaptive.license_type" | "inputstream.adaptive.license_key" => {
                let said = p.properties.iter().any(|(k, _)| {
                    k.to_ascii_lowercase()
                        .starts_with("inputstream.adaptive.license")
                });
                p.properties.push((k.to_owned(), v.to_owned()));
                if !said {
                    let what = if lower.ends_with("type") {
                        v
                    } else {
                        "a licence server"
                    };
                    self.diag(
                        Severity::Warning,
                        format!(
                            "the stream is DRM-protected ({}); Prism cannot play DRM",
                            clip(what, 60)
                        ),
                    );
                }
                return;
            }
            _ => {}
        }
        p.properties.push((k.to_owned(), v.to_owned()));
    }

    /// TiviMate's `#EXTHTTP:{"cookie":"…","user-agent":"…"}`.
    fn exthttp(&mut self, rest: &str) {
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(rest.trim()) {
            Ok(map) => {
                let p = self.pending_mut();
                for (k, v) in map {
                    if let Some(v) = v.as_str() {
                        p.headers.set(&k, v);
                    }
                }
            }
            Err(_) => self.diag(
                Severity::Warning,
                "#EXTHTTP is not a JSON object of headers; ignored".into(),
            ),
        }
    }

    fn url(&mut self, line: &str) {
        let pending = self.pending.take().unwrap_or_default();
        let (url, suffix) = match line.split_once('|') {
            Some((u, s)) => (u.trim(), Some(s)),
            None => (line, None),
        };
        if !looks_like_url(url) {
            self.diag(
                Severity::Error,
                format!("\"{}\" is not a stream URL; entry skipped", clip(url, 80)),
            );
            return;
        }
        let mut headers = pending.headers;
        if let Some(suffix) = suffix {
            for (k, v) in header_pairs(suffix) {
                headers.set(&k, &v);
            }
        }
        let stream = Stream {
            url: url.to_owned(),
            headers,
            properties: pending.properties,
            line: self.line_no,
        };
        let mut channel = pending.channel;
        if !pending.has_extinf {
            channel.name = name_from_url(url);
            self.diag(
                Severity::Warning,
                "stream URL without #EXTINF; named after the URL".into(),
            );
        } else if channel.name.is_empty() {
            channel.name = name_from_url(url);
        }
        if let Some(g) = pending.ext_group {
            channel.groups = g;
        } else if channel.groups.is_empty() {
            channel.groups.clone_from(&self.ext_group);
        }
        self.add(channel, stream);
    }

    fn add(&mut self, mut channel: Channel, stream: Stream) {
        let hash = self.hasher.hash_one(DedupeKey::of(&channel));
        if self.opts.merge_duplicates {
            let channels = &self.out.channels;
            let key = DedupeKey::of(&channel);
            let found = self
                .dedupe
                .find(hash, |&i| DedupeKey::of(&channels[i as usize]) == key)
                .copied()
                .or_else(|| {
                    // No tvg-id: the same name and URL under another group is the same channel.
                    if channel.tvg_id.is_some() {
                        return None;
                    }
                    let h = self.hasher.hash_one((&channel.name, &stream.url));
                    self.by_url
                        .find(h, |&i| {
                            let c = &channels[i as usize];
                            c.name == channel.name && c.primary_url() == Some(&stream.url)
                        })
                        .copied()
                });
            if let Some(i) = found {
                let c = &mut self.out.channels[i as usize];
                c.groups = self.group_sets.union(&c.groups, &channel.groups);
                if !c.streams.iter().any(|s| s.url == stream.url) {
                    c.streams.push(stream);
                }
                return;
            }
        }
        if self.out.channels.len() >= self.opts.max_channels {
            if !self.overflowed {
                self.overflowed = true;
                let max = self.opts.max_channels;
                self.diag(
                    Severity::Error,
                    format!("more than {max} channels; the rest are ignored"),
                );
            }
            return;
        }
        let idx = self.out.channels.len() as u32;
        if self.opts.merge_duplicates {
            let (hasher, channels) = (&self.hasher, &self.out.channels);
            self.dedupe.insert_unique(hash, idx, |&i| {
                hasher.hash_one(DedupeKey::of(&channels[i as usize]))
            });
            if channel.tvg_id.is_none() {
                let h = hasher.hash_one((&channel.name, &stream.url));
                self.by_url.insert_unique(h, idx, |&i| {
                    let c = &channels[i as usize];
                    hasher.hash_one((&c.name, c.primary_url().unwrap_or_default()))
                });
            }
        }
        // Exactly one: a Vec's first push reserves four (512 bytes of Stream), which was a
        // third of a 500k-channel lineup's memory.
        channel.streams.reserve_exact(1);
        channel.streams.push(stream);
        self.out.channels.push(channel);
    }

    fn out_diag_at(&mut self, line: u32, severity: Severity, message: String) {
        let saved = std::mem::replace(&mut self.line_no, line);
        self.diag(severity, message);
        self.line_no = saved;
    }

    fn finish(mut self) -> Result<Playlist, M3uError> {
        if let Some(p) = self.pending.take().filter(|p| p.has_extinf) {
            let name = p.channel.name.clone();
            self.out_diag_at(
                p.line,
                Severity::Error,
                format!("entry \"{name}\" has no stream URL; skipped"),
            );
        }
        if self.saw_hls_playlist {
            // A master or media playlist read as a list would be nameless variants or segments.
            return Err(M3uError::HlsStream);
        }
        if self.out.channels.is_empty() {
            if self.saw_hls_tags {
                return Err(M3uError::HlsStream);
            }
            if self.saw_html {
                return Err(M3uError::Html);
            }
            if !self.saw_header && self.saw_content {
                return Err(M3uError::NotAPlaylist);
            }
        }
        Ok(self.out)
    }
}

/// What makes two entries one channel: the tvg-id and the name (an SD and an HD entry share a
/// tvg-id, as Kodi's README shows, but are two channels; a timeshift copy such as "BBC One +1"
/// shares it too, so the shift counts), or without a tvg-id, the name and group.
#[derive(PartialEq, Hash)]
enum DedupeKey<'a> {
    Id(&'a str, u32, &'a str),
    NameGroup(&'a str, &'a str),
}

impl<'a> DedupeKey<'a> {
    fn of(c: &'a Channel) -> Self {
        match &c.tvg_id {
            // +0.0 and -0.0 are one shift; bits keep the key hashable.
            Some(id) => Self::Id(
                id,
                c.tvg_shift.filter(|s| *s != 0.0).map_or(0, f32::to_bits),
                &c.name,
            ),
            None => Self::NameGroup(&c.name, c.group().unwrap_or_default()),
        }
    }
}

/// Walks `key=value` attributes; returns the byte offset just past the first comma outside
/// quotes (where the display name starts), or `None` if there is none.
fn for_each_attr(s: &str, mut f: impl FnMut(&str, &str)) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' => i += 1,
            b',' => return Some(i + 1),
            _ => {
                let key_start = i;
                while i < b.len() && !matches!(b[i], b'=' | b' ' | b'\t' | b',') {
                    i += 1;
                }
                let key = &s[key_start..i];
                if i >= b.len() || b[i] != b'=' {
                    continue; // a bare word; the comma or the next attribute decides
                }
                i += 1; // '='
                let value = match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let start = i + 1;
                        match memchr::memchr(q, &b[start..]) {
                            Some(len) => {
                                i = start + len + 1;
                                &s[start..start + len]
                            }
                            None => {
                                // Unterminated quote: the value runs to the end of the line.
                                i = b.len();
                                &s[start..]
                            }
                        }
                    }
                    _ => {
                        let start = i;
                        while i < b.len() && !matches!(b[i], b' ' | b'\t' | b',') {
                            i += 1;
                        }
                        &s[start..i]
                    }
                };
                f(key, value);
            }
        }
    }
    None
}

/// The attribute key in ASCII lower case, borrowed from `buf`; keys longer than any Prism reads
/// come back empty (and match nothing).
fn lower_key<'b>(key: &str, buf: &'b mut [u8; 24]) -> &'b [u8] {
    let Some(dst) = buf.get_mut(..key.len()) else {
        return &[];
    };
    dst.copy_from_slice(key.as_bytes());
    dst.make_ascii_lowercase();
    dst
}

/// Groups separated by `;` (Kodi), trimmed, empty ones dropped.
fn split_groups(v: &str) -> Vec<String> {
    let mut groups: Vec<String> = v
        .split(';')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect();
    // Usually one group: not the four a filtered collect reserves.
    groups.shrink_to_fit();
    groups
}

/// A value without the double or single quotes around it.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Headers written after a URL's `|` or in a Kodi property: `A=b&C=d` (values percent-encoded)
/// or iptv-org's `A="b"|C="d"` (quoted, pipe-separated; `&` inside quotes is the value's).
fn header_pairs(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && matches!(b[i], b'|' | b'&' | b' ') {
            i += 1;
        }
        let key_start = i;
        while i < b.len() && !matches!(b[i], b'=' | b'|' | b'&') {
            i += 1;
        }
        let key = s[key_start..i].trim();
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        i += 1;
        let value = if matches!(b.get(i), Some(b'"' | b'\'')) {
            let q = b[i];
            let start = i + 1;
            let end = memchr::memchr(q, &b[start..]).map_or(b.len(), |n| start + n);
            i = (end + 1).min(b.len());
            s[start..end].to_owned()
        } else {
            let start = i;
            while i < b.len() && !matches!(b[i], b'|' | b'&') {
                i += 1;
            }
            percent_decode(s[start..i].trim()).into_owned()
        };
        if !key.is_empty() {
            out.push((key.to_owned(), value));
        }
    }
    out
}

/// `<!DOCTYPE html`, `<html`, `<head`: what a login page or an error page starts with.
fn looks_like_html(line: &str) -> bool {
    let l = line.trim_start_matches('\u{feff}').to_ascii_lowercase();
    l.starts_with("<!doctype html")
        || l.starts_with("<html")
        || l.starts_with("<head")
        || l.starts_with("<?xml") && l.contains("html")
}

fn non_empty(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    starts_with_ci(s, prefix).then(|| &s[prefix.len()..])
}

fn looks_like_url(s: &str) -> bool {
    if s.chars().any(char::is_whitespace) && !s.contains("://") {
        return false;
    }
    match s.find("://") {
        Some(i) => {
            i > 0
                && s[..i]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        }
        // Local paths (absolute, relative) are accepted as streams too.
        None => s.starts_with('/') || s.starts_with("./") || s.contains('.'),
    }
}

/// A stream's name from its address: the file name, or the folder for the generic names HLS
/// servers use (".../news/index.m3u8" is "news").
pub fn name_from_url(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let mut parts = path.trim_end_matches('/').rsplit('/');
    let file = parts.next().filter(|s| !s.is_empty()).unwrap_or(url);
    match (file.to_ascii_lowercase().as_str(), parts.next()) {
        ("index.m3u8" | "playlist.m3u8" | "master.m3u8" | "live.m3u8", Some(dir))
            if !dir.is_empty() && !dir.ends_with(':') =>
        {
            dir.to_owned()
        }
        _ => file.to_owned(),
    }
}

use crate::text::clip;
