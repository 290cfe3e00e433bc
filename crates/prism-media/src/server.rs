//! The loopback HTTP server behind the demo lineup. Each demo channel's cached loop is played out
//! as a live HLS stream: a sliding window of segments computed from the clock, with a
//! discontinuity at every wrap, so players see an endless channel. It also serves the demo M3U and
//! XMLTV, and can misbehave on request (dropped connections, segment 404s) for recovery tests.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::{self, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::demo::DemoStream;
use crate::loopback::{Loopback, read_head};

/// Segments listed in each live playlist.
const WINDOW: u64 = 6;

struct Channel {
    segments: Vec<(Arc<Vec<u8>>, Duration)>,
    loop_len: Duration,
    logo: Arc<Vec<u8>>,
    /// Carried as a WebVTT subtitle rendition beside the video (none: a plain media playlist).
    captions: &'static [prism_core::demo::Cue],
    /// The loop's first video PTS (90 kHz), which the subtitles' timestamp map refers to.
    mpegts: u64,
}

/// Faults the server injects until the given instants (tests drive these).
#[derive(Default)]
pub struct Faults {
    drop_connections_until: Mutex<Option<Instant>>,
    /// Until when segments fail, and with which status.
    segments_fail: Mutex<Option<(Instant, u16)>>,
}

impl Faults {
    /// Close every new request without an answer for `d`.
    pub fn drop_connections_for(&self, d: Duration) {
        *self.drop_connections_until.lock().unwrap() = Some(Instant::now() + d);
    }
    /// Answer 404 to every segment for `d` (playlists still work).
    pub fn segments_404_for(&self, d: Duration) {
        self.segments_fail_for(d, 404);
    }
    /// Answer `status` to every segment for `d` (playlists still work).
    pub fn segments_fail_for(&self, d: Duration, status: u16) {
        *self.segments_fail.lock().unwrap() = Some((Instant::now() + d, status));
    }
    fn segment_status(&self) -> Option<u16> {
        self.segments_fail
            .lock()
            .unwrap()
            .filter(|(until, _)| Instant::now() < *until)
            .map(|(_, status)| status)
    }
    fn active(slot: &Mutex<Option<Instant>>) -> bool {
        slot.lock().unwrap().is_some_and(|t| Instant::now() < t)
    }
}

/// One request as the server saw it (for tests of what players send).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeenRequest {
    pub path: String,
    pub user_agent: Option<String>,
    pub referer: Option<String>,
}

struct State {
    channels: HashMap<&'static str, Channel>,
    seen: Mutex<VecDeque<SeenRequest>>,
    epoch: Instant,
    faults: Faults,
    requests: AtomicU64,
    base: String,
}

/// A running server; stops when dropped.
pub struct DemoServer {
    state: Arc<State>,
    /// Accepting stops when it drops.
    _listener: Loopback,
}

impl DemoServer {
    /// Serves `streams` on 127.0.0.1 (an ephemeral port unless `port` is given).
    pub fn start(streams: &[DemoStream], port: u16) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let mut channels = HashMap::new();
        for s in streams {
            let mut segments = Vec::new();
            for seg in &s.segments {
                segments.push((Arc::new(std::fs::read(&seg.path)?), seg.duration));
            }
            let loop_len = segments.iter().map(|s| s.1).sum();
            let logo = Arc::new(std::fs::read(&s.logo).unwrap_or_default());
            // mpegtsmux starts at 3600 s; read it rather than assume it.
            let mpegts = segments
                .first()
                .and_then(|s| first_pts(&s.0))
                .unwrap_or(3600 * 90_000);
            channels.insert(
                s.id,
                Channel {
                    segments,
                    loop_len,
                    logo,
                    // CEA-608 channels carry theirs in the video.
                    captions: match prism_core::demo::carriage(s.id) {
                        prism_core::demo::Carriage::WebVtt => prism_core::demo::captions(s.id),
                        prism_core::demo::Carriage::Cea608 => &[],
                    },
                    mpegts,
                },
            );
        }
        let state = Arc::new(State {
            channels,
            epoch: Instant::now(),
            faults: Faults::default(),
            seen: Mutex::new(VecDeque::new()),
            requests: AtomicU64::new(0),
            base: format!("http://{addr}"),
        });
        let listener = Loopback::serve(listener, "prism-demo-http", state.clone(), serve)?;
        Ok(Self {
            state,
            _listener: listener,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> &str {
        &self.state.base
    }
    pub fn playlist_url(&self) -> String {
        format!("{}/playlist.m3u", self.state.base)
    }
    pub fn guide_url(&self) -> String {
        format!("{}/guide.xml", self.state.base)
    }
    /// A URL that redirects (302) to a demo channel's stream, as Xtream portals do.
    pub fn redirect_url(&self, id: &str) -> String {
        format!("{}/go/{id}", self.state.base)
    }
    /// The live HLS URL of a demo channel id.
    pub fn stream_url(&self, id: &str) -> String {
        format!("{}/{id}/index.m3u8", self.state.base)
    }
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }
    /// Requests answered or refused so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }
    /// The most recent requests (up to 1,000), oldest first.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.state.seen.lock().unwrap().iter().cloned().collect()
    }
}

fn serve(conn: TcpStream, state: &State) -> io::Result<()> {
    conn.set_nodelay(true)?;
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        let close = head
            .header("connection")
            .is_some_and(|v| v.to_ascii_lowercase().contains("close"));
        state.requests.fetch_add(1, Ordering::Relaxed);
        if Faults::active(&state.faults.drop_connections_until) {
            return Ok(()); // hang up without a word
        }
        let method = head.method.as_str();
        let path = head.path.split('?').next().unwrap_or(&head.path);
        {
            let mut all = state.seen.lock().unwrap();
            if all.len() >= 1000 {
                all.pop_front();
            }
            all.push_back(SeenRequest {
                path: path.to_owned(),
                user_agent: head.header("user-agent").map(str::to_owned),
                referer: head.header("referer").map(str::to_owned),
            });
        }
        let (status, ctype, body) = if method != "GET" && method != "HEAD" {
            (405, "text/plain", Body::Text("method not allowed".into()))
        } else {
            route(state, path)
        };
        let (bytes, location): (&[u8], _) = match &body {
            Body::Text(s) => (s.as_bytes(), String::new()),
            Body::Bytes(b) => (b, String::new()),
            Body::Redirect(to) => (b"", format!("Location: {to}\r\n")),
        };
        let reason = match status {
            200 => "OK",
            302 => "Found",
            403 => "Forbidden",
            404 => "Not Found",
            _ => "Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
             {location}Cache-Control: no-cache\r\nConnection: {}\r\n\r\n",
            bytes.len(),
            if close { "close" } else { "keep-alive" }
        );
        out.write_all(head.as_bytes())?;
        if method == "GET" {
            out.write_all(bytes)?;
        }
        out.flush()?;
        if close {
            return Ok(());
        }
    }
}

enum Body {
    Text(String),
    Bytes(Arc<Vec<u8>>),
    /// A 302 to this path (portals hand out redirects to the real stream).
    Redirect(String),
}

fn route(state: &State, path: &str) -> (u16, &'static str, Body) {
    let not_found = || (404, "text/plain", Body::Text("not found".into()));
    if let Some(id) = path.strip_prefix("/go/") {
        return (
            302,
            "text/plain",
            Body::Redirect(format!("/{id}/index.m3u8")),
        );
    }
    match path {
        "/playlist.m3u" => {
            return (
                200,
                "audio/x-mpegurl",
                Body::Text(prism_core::demo::playlist_m3u(&state.base)),
            );
        }
        "/guide.xml" => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            return (
                200,
                "application/xml",
                Body::Text(prism_core::demo::guide_xmltv(now)),
            );
        }
        _ => {}
    }
    let mut it = path.trim_start_matches('/').split('/');
    let (Some(id), Some(rest)) = (it.next(), it.next()) else {
        return not_found();
    };
    let Some(ch) = state.channels.get(id) else {
        return not_found();
    };
    if rest == "logo.png" && !ch.logo.is_empty() {
        return (200, "image/png", Body::Bytes(ch.logo.clone()));
    }
    let playlist = |text| (200, "application/vnd.apple.mpegurl", Body::Text(text));
    let captioned = !ch.captions.is_empty();
    match rest {
        "index.m3u8" if captioned => return playlist(master_playlist()),
        "index.m3u8" | "live.m3u8" => {
            return playlist(media_playlist(ch, state.epoch.elapsed(), |k| {
                format!("seg/{k}.ts")
            }));
        }
        "subs.m3u8" if captioned => {
            return playlist(media_playlist(ch, state.epoch.elapsed(), |k| {
                format!("subs/{k}.vtt")
            }));
        }
        _ => {}
    }
    if rest == "subs"
        && captioned
        && let Some(k) = it
            .next()
            .and_then(|f| f.strip_suffix(".vtt"))
            .and_then(|k| k.parse::<u64>().ok())
    {
        let n = ch.segments.len() as u64;
        let i = (k % n) as usize;
        let from: Duration = ch.segments[..i].iter().map(|s| s.1).sum();
        let to = from + ch.segments[i].1;
        return (
            200,
            "text/vtt",
            Body::Text(prism_core::demo::webvtt_segment(
                ch.captions,
                from.as_secs_f64(),
                to.as_secs_f64(),
                ch.mpegts,
            )),
        );
    }
    if rest == "seg"
        && let Some(k) = it
            .next()
            .and_then(|f| f.strip_suffix(".ts"))
            .and_then(|k| k.parse::<u64>().ok())
    {
        if let Some(status) = state.faults.segment_status() {
            return (status, "text/plain", Body::Text("fault".into()));
        }
        let n = ch.segments.len() as u64;
        let seg = &ch.segments[(k % n) as usize];
        return (200, "video/mp2t", Body::Bytes(seg.0.clone()));
    }
    not_found()
}

/// A captioned channel's master playlist: the video (with its audio) and an English subtitle
/// rendition, on by default as broadcasters' closed captions are.
fn master_playlist() -> String {
    "#EXTM3U\n#EXT-X-VERSION:3\n\
     #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"cc\",NAME=\"English\",LANGUAGE=\"en\",\
     DEFAULT=YES,AUTOSELECT=YES,URI=\"subs.m3u8\"\n\
     #EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,\
     CODECS=\"avc1.64001f,mp4a.40.2\",SUBTITLES=\"cc\"\nlive.m3u8\n"
        .to_owned()
}

/// The first PES timestamp (90 kHz) in an MPEG-TS segment.
fn first_pts(ts: &[u8]) -> Option<u64> {
    for p in ts.chunks_exact(188).filter(|p| p[0] == 0x47) {
        let unit_start = p[1] & 0x40 != 0;
        let adaptation = (p[3] >> 4) & 3;
        if !unit_start || adaptation & 1 == 0 {
            continue;
        }
        let off = if adaptation & 2 != 0 {
            5 + usize::from(p[4])
        } else {
            4
        };
        let pes = p.get(off..)?;
        if pes.len() >= 14 && pes[..3] == [0, 0, 1] && pes[7] & 0x80 != 0 {
            let b = &pes[9..14];
            return Some(
                (u64::from(b[0] >> 1) & 7) << 30
                    | u64::from(b[1]) << 22
                    | u64::from(b[2] >> 1) << 15
                    | u64::from(b[3]) << 7
                    | u64::from(b[4] >> 1),
            );
        }
    }
    None
}

/// The live window at `elapsed` since the server started, each segment named by `item(k)`.
/// Segment `k` is loop segment `k % n`; the stream is placed one loop in, so a full window
/// exists from the first request. Video and subtitles share the window and the wraps.
fn media_playlist(ch: &Channel, elapsed: Duration, item: impl Fn(u64) -> String) -> String {
    let n = ch.segments.len() as u64;
    let t = elapsed + ch.loop_len;
    let loops = (t.as_secs_f64() / ch.loop_len.as_secs_f64()).floor() as u64;
    let mut within = t.saturating_sub(ch.loop_len * loops as u32);
    let mut i = 0;
    while i < n - 1 && within >= ch.segments[i as usize].1 {
        within -= ch.segments[i as usize].1;
        i += 1;
    }
    // Segment `current` is still "being recorded"; the window ends just before it.
    let current = loops * n + i;
    let first = current.saturating_sub(WINDOW);
    let target = ch
        .segments
        .iter()
        .map(|s| s.1.as_secs_f64().ceil() as u64)
        .max()
        .unwrap_or(2);
    let discontinuities = if first == 0 { 0 } else { (first - 1) / n };
    let mut s = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n\
         #EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuities}\n"
    );
    for k in first..current {
        if k > 0 && k % n == 0 {
            s.push_str("#EXT-X-DISCONTINUITY\n");
        }
        let d = ch.segments[(k % n) as usize].1.as_secs_f64();
        let _ = writeln!(s, "#EXTINF:{d:.3},\n{}", item(k));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(n: usize) -> Channel {
        let segments = (0..n)
            .map(|_| (Arc::new(Vec::new()), Duration::from_secs(2)))
            .collect::<Vec<_>>();
        Channel {
            loop_len: Duration::from_secs(2 * n as u64),
            segments,
            logo: Arc::new(Vec::new()),
            captions: &[],
            mpegts: 0,
        }
    }

    fn seg(k: u64) -> String {
        format!("seg/{k}.ts")
    }

    #[test]
    fn live_window_slides_and_marks_wraps() {
        let ch = channel(15);
        let a = media_playlist(&ch, Duration::ZERO, seg);
        // One loop in: segments 9..15 are complete.
        assert!(a.contains("#EXT-X-MEDIA-SEQUENCE:9\n"), "{a}");
        assert_eq!(a.matches("#EXTINF").count(), WINDOW as usize);
        assert!(a.contains("seg/14.ts") && !a.contains("seg/15.ts"));
        assert!(!a.contains("#EXT-X-DISCONTINUITY\n"));
        // Two segments later the window crosses the wrap, with one discontinuity.
        let b = media_playlist(&ch, Duration::from_secs(4), seg);
        assert!(b.contains("#EXT-X-MEDIA-SEQUENCE:11\n"), "{b}");
        assert!(
            b.contains("#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg/15.ts"),
            "{b}"
        );
        assert_eq!(b.matches("#EXT-X-DISCONTINUITY\n").count(), 1);
        assert!(b.contains("#EXT-X-DISCONTINUITY-SEQUENCE:0\n"));
        // Once the wrap leaves the window, the discontinuity sequence counts it.
        let c = media_playlist(&ch, Duration::from_secs(2 * 22), seg);
        assert!(c.contains("#EXT-X-MEDIA-SEQUENCE:31\n"), "{c}");
        assert!(c.contains("#EXT-X-DISCONTINUITY-SEQUENCE:2\n"), "{c}");
    }
}
