//! The loopback HTTP server behind the demo lineup. Each demo channel's cached loop is played out
//! as a live HLS stream: a sliding window of segments computed from the clock, with a
//! discontinuity at every wrap, so players see an endless channel. It also serves the demo M3U and
//! XMLTV, and can misbehave on request (dropped connections, segment 404s) for recovery tests.
//!
//! On a first run ([`DemoServer::start_encoding`]) the channels not yet cached are encoded one
//! after another on a thread of the server's own. Each goes on the air as a live stream does
//! when it starts: once its first few segments (`HEAD`) exist, with the live edge there, and its
//! clock never runs ahead of the encoder; once the loop is whole it wraps like a cached one. A
//! request for a channel still waiting moves it to the front of the queue (setting aside the
//! one being made, unless that is on the air) and waits for it.
//! (An earlier try served from the first segment and numbered segments modulo the loop made so
//! far, so a segment's number changed meaning as the loop grew: GStreamer 1.22's hlsdemux2 lost
//! sync, stalled, and its teardown aborted the process.)

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::MediaError;
use crate::demo::{self, DemoStream};
use crate::loopback::{Head, Loopback, Reply};

/// Segments listed in each live playlist.
const WINDOW: u64 = 6;
/// How long a request waits for a channel (or logo) that is still being made.
const WAIT: Duration = Duration::from_secs(30);
/// Segments a channel being made needs before it goes on the air: with two (4 s, encoded in
/// well under a second) hlsdemux2 starts at the first and has a segment in hand; the stream
/// then grows at real time, faster than players eat it (the first-run test plays it through
/// its growth and its first wrap without a stall).
const HEAD: usize = 2;

struct Channel {
    segments: Vec<(Arc<Vec<u8>>, Duration)>,
    /// The whole loop is here (cached, or its encoding finished): the stream wraps around it.
    complete: bool,
    /// The stream's clock: at `started` it was `lead` into the loop. A cached channel starts
    /// one loop in (a full window at once), one being made at the end of its first segments.
    started: Instant,
    lead: Duration,
    logo: Arc<Vec<u8>>,
    /// Carried as a WebVTT subtitle rendition beside the video (none: a plain media playlist).
    captions: &'static [prism_core::demo::Cue],
    /// The loop's first video PTS (90 kHz), which the subtitles' timestamp map refers to.
    mpegts: u64,
    /// Its second soundtrack's loop (audio only, same clock), served once the loop is whole.
    dub: Vec<(Arc<Vec<u8>>, Duration)>,
    /// Its smaller variants' loops (`prism_core::demo::variants`), served once whole.
    variants: Vec<Vec<(Arc<Vec<u8>>, Duration)>>,
    /// Why the channel could not be made.
    failed: Option<String>,
}

impl Channel {
    /// A channel still to be made.
    fn new(id: &'static str, logo: Vec<u8>) -> Self {
        Channel {
            segments: Vec::new(),
            complete: false,
            started: Instant::now(),
            lead: Duration::ZERO,
            logo: Arc::new(logo),
            // CEA-608 channels carry theirs in the video.
            captions: match prism_core::demo::carriage(id) {
                prism_core::demo::Carriage::WebVtt => prism_core::demo::captions(id),
                prism_core::demo::Carriage::Cea608 => &[],
            },
            mpegts: 3600 * 90_000,
            dub: Vec::new(),
            variants: Vec::new(),
            failed: None,
        }
    }

    /// A cached channel: the whole loop, placed one loop in so a full window exists from the
    /// first request.
    fn cached(id: &'static str, stream: &DemoStream, logo: Vec<u8>) -> io::Result<Self> {
        let mut ch = Self::new(id, logo);
        ch.grow(load(&stream.segments)?);
        ch.dub = load(&stream.dub)?;
        ch.variants = stream
            .variants
            .iter()
            .map(|v| load(v))
            .collect::<io::Result<_>>()?;
        ch.finish();
        Ok(ch)
    }

    /// Its second soundtrack is on the air (only with the whole loop: it wraps with it).
    fn dubbed(&self) -> bool {
        self.complete && !self.dub.is_empty()
    }

    /// The loop, or as much of it as is made.
    fn loop_len(&self) -> Duration {
        self.segments.iter().map(|s| s.1).sum()
    }

    /// Served: its loop is whole, or its first [`HEAD`] segments are made.
    fn on_air(&self) -> bool {
        self.complete || self.segments.len() >= HEAD
    }

    /// Appends newly made segments; the one that completes the head puts it on the air, live
    /// from the end of what exists.
    fn grow(&mut self, more: Vec<(Arc<Vec<u8>>, Duration)>) {
        let was = self.on_air();
        if self.segments.is_empty()
            && let Some((first, _)) = more.first()
        {
            // mpegtsmux starts at 3600 s; read it rather than assume it.
            self.mpegts = first_pts(first).unwrap_or(3600 * 90_000);
        }
        self.segments.extend(more);
        if !was && self.on_air() {
            self.started = Instant::now();
            self.lead = self.loop_len();
        }
    }

    /// The loop is whole: from now on the stream wraps around it. One on the air goes on
    /// where it is; one that never was starts one loop in.
    fn finish(&mut self) {
        if !self.on_air() {
            self.started = Instant::now();
            self.lead = self.loop_len();
        }
        self.complete = true;
    }

    /// How far into the stream it is at `now`. A channel still being made cannot run ahead
    /// of its encoder: while the next segment is not written, its clock waits.
    fn position(&mut self, now: Instant) -> Duration {
        let t = now.saturating_duration_since(self.started) + self.lead;
        let made = self.loop_len();
        if self.complete || t <= made {
            return t;
        }
        self.started += t - made;
        made
    }

    /// Which of the loop's segments stream segment `k` is: `None` for one not made yet.
    fn segment_index(&self, k: u64) -> Option<usize> {
        let n = self.segments.len() as u64;
        if self.complete && n > 0 {
            Some((k % n) as usize)
        } else {
            (k < n).then_some(k as usize)
        }
    }
}

/// Faults the server injects until the given instants (tests drive these).
#[derive(Default)]
pub struct Faults {
    drop_connections_until: Mutex<Option<Instant>>,
    /// Until when segments fail, and with which status.
    segments_fail: Mutex<Option<(Instant, u16)>>,
    /// Media goes out at most this fast (bytes a second): a slow network.
    throttle: Mutex<Option<u64>>,
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
    /// Send media no faster than `bytes_per_second` (`None`: as fast as loopback goes).
    pub fn throttle(&self, bytes_per_second: Option<u64>) {
        *self.throttle.lock().unwrap() = bytes_per_second;
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
    pub origin: Option<String>,
    pub cookie: Option<String>,
}

/// What a locked channel (`/locked/…`, see [`DemoServer::locked_url`]) must be asked with, as
/// portals that check a session cookie and the page's origin do.
pub const LOCKED_COOKIE: &str = "prism-session=7f3a; theme=dark";
pub const LOCKED_ORIGIN: &str = "http://portal.prism.demo";

struct State {
    live: Mutex<Live>,
    /// Signalled whenever a channel is made or fails, or a logo is made.
    grew: Condvar,
    /// Tells the encoder to give up the channel it is making: the server is stopping, or a
    /// viewer wants a channel that is not on the air yet (the abandoned one waits its turn).
    abandon: AtomicBool,
    seen: Mutex<VecDeque<SeenRequest>>,
    faults: Faults,
    requests: AtomicU64,
    base: String,
}

/// The channels and what is left to encode.
struct Live {
    channels: HashMap<&'static str, Channel>,
    /// Channels (indices into `prism_core::demo::CHANNELS`) waiting to be encoded, next first.
    queue: VecDeque<usize>,
    /// The one being encoded now.
    encoding: Option<usize>,
    /// Every logo that could be made is made.
    logos_done: bool,
}

/// A running server; stops when dropped.
pub struct DemoServer {
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    /// The encoder's and the logo maker's threads.
    workers: Vec<JoinHandle<()>>,
    /// Accepting stops when it drops.
    _listener: Loopback,
}

/// The segments' bytes, read into memory (a loop is a few megabytes).
fn load(segments: &[demo::Segment]) -> io::Result<Vec<(Arc<Vec<u8>>, Duration)>> {
    segments
        .iter()
        .map(|seg| Ok((Arc::new(std::fs::read(&seg.path)?), seg.duration)))
        .collect()
}

impl DemoServer {
    /// Serves `streams` on 127.0.0.1 (an ephemeral port unless `port` is given).
    pub fn start(streams: &[DemoStream], port: u16) -> io::Result<Self> {
        let mut channels = HashMap::new();
        for s in streams {
            let logo = std::fs::read(&s.logo).unwrap_or_default();
            channels.insert(s.id, Channel::cached(s.id, s, logo)?);
        }
        Self::serve(channels, VecDeque::new(), port)
    }

    /// Serves every demo channel, encoding those not cached under `cache_dir` in the
    /// background (in `prism_core::demo::CHANNELS` order, a requested one first); the cached
    /// ones are on the air at once, each new one once it is whole. Returns at once;
    /// [`Self::on_air`] tells how far it got.
    pub fn start_encoding(cache_dir: &Path, port: u16) -> Result<Self, MediaError> {
        demo::remove_stale_encodes(cache_dir);
        let mut channels = HashMap::new();
        let mut queue = VecDeque::new();
        for (i, c) in prism_core::demo::CHANNELS.iter().enumerate() {
            let ch = match demo::cached_stream(cache_dir, i)? {
                Some(s) => {
                    let logo = std::fs::read(&s.logo).unwrap_or_default();
                    Channel::cached(c.id, &s, logo)?
                }
                None => {
                    queue.push_back(i);
                    Channel::new(c.id, Vec::new())
                }
            };
            channels.insert(c.id, ch);
        }
        let mut server = Self::serve(channels, queue, port)?;
        // The logos are a frame each, made beside the encoder so neither waits for the other:
        // the guide wants them at once, the viewer the first channel.
        for (name, job) in [
            (
                "prism-demo-logos",
                make_logos as fn(&State, &Path, &AtomicBool),
            ),
            ("prism-demo-encoder", encode_queue),
        ] {
            let (state, stop, cache) = (
                server.state.clone(),
                server.stop.clone(),
                cache_dir.to_path_buf(),
            );
            server.workers.push(
                std::thread::Builder::new()
                    .name(name.into())
                    .spawn(move || job(&state, &cache, &stop))?,
            );
        }
        Ok(server)
    }

    fn serve(
        channels: HashMap<&'static str, Channel>,
        queue: VecDeque<usize>,
        port: u16,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            live: Mutex::new(Live {
                channels,
                logos_done: queue.is_empty(),
                queue,
                encoding: None,
            }),
            grew: Condvar::new(),
            abandon: AtomicBool::new(false),
            faults: Faults::default(),
            seen: Mutex::new(VecDeque::new()),
            requests: AtomicU64::new(0),
            base: format!("http://{addr}"),
        });
        let listener = Loopback::serve(listener, "prism-demo-http", state.clone(), serve, true)?;
        Ok(Self {
            state,
            stop: Arc::new(AtomicBool::new(false)),
            workers: Vec::new(),
            _listener: listener,
        })
    }

    /// Demo channels on the air (watchable, though the last may still be growing), of all
    /// of them.
    pub fn on_air(&self) -> (usize, usize) {
        let live = self.state.live();
        let done = live.channels.values().filter(|c| c.on_air()).count();
        (done, live.channels.len())
    }

    /// Waits until demo channel `id` is on the air (moving it to the front of the encoder's
    /// queue): at once when it was cached, after its first segments when it is being made.
    /// Err says why it could not be made.
    pub fn wait_until_on_air(&self, id: &str) -> Result<(), String> {
        loop {
            let live = wait_for(&self.state, id, true, |l| {
                l.channels
                    .get(id)
                    .is_none_or(|c| c.on_air() || c.failed.is_some())
            });
            match live.channels.get(id) {
                None => return Err(format!("{id} is not a demo channel")),
                Some(c) if c.on_air() => return Ok(()),
                Some(Channel {
                    failed: Some(why), ..
                }) => return Err(why.clone()),
                // Still being made after `WAIT`: an encode takes longer on a loaded machine.
                Some(_) => {}
            }
        }
    }

    /// The channels that could not be encoded, with why.
    pub fn failures(&self) -> Vec<(&'static str, String)> {
        let live = self.state.live();
        let mut out: Vec<_> = live
            .channels
            .iter()
            .filter_map(|(id, c)| Some((*id, c.failed.clone()?)))
            .collect();
        out.sort();
        out
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
    /// The same channel behind a portal's lock: refused (403) unless every request carries
    /// [`LOCKED_COOKIE`] and [`LOCKED_ORIGIN`].
    pub fn locked_url(&self, id: &str) -> String {
        format!("{}/locked/{id}/index.m3u8", self.state.base)
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

impl Drop for DemoServer {
    fn drop(&mut self) {
        // The encoder notices within 100 ms, stops its pipeline and removes its partial files.
        self.stop.store(true, Ordering::SeqCst);
        self.state.abandon.store(true, Ordering::SeqCst);
        self.state.grew.notify_all();
        for t in self.workers.drain(..) {
            let _ = t.join();
        }
    }
}

impl State {
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The logo thread: each missing logo (one frame each).
fn make_logos(state: &State, cache: &Path, stop: &AtomicBool) {
    for (i, c) in prism_core::demo::CHANNELS.iter().enumerate() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if state
            .live()
            .channels
            .get(c.id)
            .is_some_and(|ch| ch.logo.is_empty())
        {
            let logo = demo::ensure_logo(cache, i)
                .and_then(|p| std::fs::read(p).map_err(MediaError::from));
            let mut live = state.live();
            if let (Ok(logo), Some(ch)) = (logo, live.channels.get_mut(c.id)) {
                ch.logo = Arc::new(logo);
            }
            state.grew.notify_all();
        }
    }
    state.live().logos_done = true;
    state.grew.notify_all();
}

/// The encoder thread: each queued channel, on the air from its first segments.
fn encode_queue(state: &State, cache: &Path, stop: &AtomicBool) {
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let (i, mut have) = {
            let mut live = state.live();
            live.encoding = live.queue.pop_front();
            state.abandon.store(false, Ordering::SeqCst);
            // Checked after the reset: a stop that came before it is seen here, one after it
            // sets `abandon` again (Drop sets `stop` first).
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let Some(i) = live.encoding else { return };
            // One set aside for a viewer keeps what it had on the air and goes on from there
            // (the encoding is the same every time).
            let id = prism_core::demo::CHANNELS[i].id;
            (i, live.channels.get(id).map_or(0, |c| c.segments.len()))
        };
        let id = prism_core::demo::CHANNELS[i].id;
        // Segments are read before the lock is taken: requests wait on it.
        let mut written = |segments: &[demo::Segment]| {
            let Some(new) = segments.get(have..) else {
                return;
            };
            let Ok(more) = load(new) else { return };
            have += more.len();
            if let Some(ch) = state.live().channels.get_mut(id) {
                ch.grow(more);
            }
            state.grew.notify_all();
        };
        let result = demo::encode_channel(cache, i, &mut written, &state.abandon);
        // The loop as the cache has it now: what was not reported yet (the last segment).
        let result = result.and_then(|s| {
            let rest = s
                .segments
                .get(have..)
                .ok_or_else(|| MediaError::Demo(format!("{id}: the encoded loop lost segments")))?;
            let variants = s
                .variants
                .iter()
                .map(|v| load(v))
                .collect::<io::Result<Vec<_>>>()?;
            Ok((load(rest)?, load(&s.dub)?, variants))
        });
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let mut live = state.live();
        live.encoding = None;
        if result.is_err() && state.abandon.load(Ordering::SeqCst) {
            // Another channel was asked for: it is at the front; this one comes right after.
            let at = live.queue.len().min(1);
            live.queue.insert(at, i);
            continue;
        }
        if let Some(ch) = live.channels.get_mut(id) {
            match result {
                Ok((rest, dub, variants)) => {
                    ch.grow(rest);
                    ch.dub = dub;
                    ch.variants = variants;
                    ch.finish();
                }
                Err(e) => {
                    // Off the air: a stream that stops growing would only stall its viewers.
                    ch.segments.clear();
                    ch.failed = Some(e.to_string());
                }
            }
        }
        state.grew.notify_all();
    }
}

/// Waits (up to [`WAIT`]) until `ready` holds for the live state, moving channel `id` to the
/// front of the encoder's queue meanwhile when `bump` says so; returns the state either way.
fn wait_for<'a>(
    state: &'a State,
    id: &str,
    bump: bool,
    mut ready: impl FnMut(&Live) -> bool,
) -> MutexGuard<'a, Live> {
    let mut live = state.live();
    if bump
        && !ready(&live)
        && let Some(i) = prism_core::demo::CHANNELS.iter().position(|c| c.id == id)
        && let Some(at) = live.queue.iter().position(|&q| q == i)
    {
        live.queue.remove(at);
        live.queue.push_front(i);
        // What is being made now can wait (the viewer is waiting for this one) unless it is
        // on the air already: someone may be watching it, and it is done in seconds.
        if live
            .encoding
            .and_then(|e| live.channels.get(prism_core::demo::CHANNELS[e].id))
            .is_some_and(|c| !c.on_air())
        {
            state.abandon.store(true, Ordering::SeqCst);
        }
    }
    let deadline = Instant::now() + WAIT;
    while !ready(&live) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        live = state
            .grew
            .wait_timeout(live, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    live
}

fn serve(head: &Head, state: &State, out: &mut Reply) -> io::Result<()> {
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
            origin: head.header("origin").map(str::to_owned),
            cookie: head.header("cookie").map(str::to_owned),
        });
    }
    let (status, ctype, body) = if method != "GET" && method != "HEAD" {
        (405, "text/plain", Body::Text("method not allowed".into()))
    } else if let Some(inner) = path.strip_prefix("/locked") {
        // Every request of a locked channel (playlists and segments) needs both headers.
        if head.header("cookie") == Some(LOCKED_COOKIE)
            && head.header("origin") == Some(LOCKED_ORIGIN)
        {
            route(state, inner)
        } else {
            (403, "text/plain", Body::Text("forbidden".into()))
        }
    } else {
        route(state, path)
    };
    let status = status.to_string();
    let throttle = *state.faults.throttle.lock().unwrap();
    match body {
        Body::Text(s) => out.whole(&status, ctype, &[], s),
        Body::Redirect(to) => out.whole(&status, ctype, &[("location", &to)], Vec::new()),
        Body::Bytes(b) => match throttle {
            Some(bps) if method == "GET" => {
                // A slow line: a chunk, then the time it would take.
                let len = b.len().to_string();
                let sink = out.stream(&status, ctype, &[("content-length", &len)])?;
                for chunk in b.chunks(8 * 1024) {
                    sink.send(chunk.to_vec())?;
                    std::thread::sleep(Duration::from_secs_f64(chunk.len() as f64 / bps as f64));
                }
                Ok(())
            }
            // Segments are shared: the answer is a view of the same bytes.
            _ => out.whole(&status, ctype, &[], Bytes::from_owner(Shared(b))),
        },
    }
}

/// A segment's bytes, shared with every answer that sends them.
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
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
    // An Xtream Codes panel's shapes: `live/USER/PASS/ID.m3u8` and its archive,
    // `timeshift/USER/PASS/MINUTES/YYYY-MM-DD:HH-MM/ID.m3u8` (UTC), lead to the channel.
    if let Some(to) = xtream_path(path) {
        return (302, "text/plain", Body::Redirect(to));
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
    let Some(id) = prism_core::demo::CHANNELS
        .iter()
        .map(|c| c.id)
        .find(|c| *c == id)
    else {
        return not_found();
    };
    // A logo, or a playlist of a channel being made, waits for it (the channel jumps the
    // queue).
    let has = |live: &Live, f: &dyn Fn(&Channel) -> bool| -> bool {
        live.channels
            .get(id)
            .is_none_or(|c| c.failed.is_some() || f(c))
    };
    let mut live = match rest {
        // Logos are made apart from the channels; asking for one changes no order.
        "logo.png" => wait_for(state, id, false, |l| {
            l.logos_done || has(l, &|c: &Channel| !c.logo.is_empty())
        }),
        "index.m3u8" | "live.m3u8" | "subs.m3u8" | "subs-2.m3u8" | "audio-2.m3u8" | "v1.m3u8"
        | "v2.m3u8" => wait_for(state, id, true, |l| has(l, &|c: &Channel| c.on_air())),
        _ => state.live(),
    };
    let Some(ch) = live.channels.get_mut(id) else {
        return not_found();
    };
    if rest == "logo.png" {
        if ch.logo.is_empty() {
            return not_found();
        }
        return (200, "image/png", Body::Bytes(ch.logo.clone()));
    }
    if !ch.on_air() {
        let why = ch
            .failed
            .clone()
            .unwrap_or_else(|| "still being made".into());
        return (503, "text/plain", Body::Text(why));
    }
    let playlist = |text| (200, "application/vnd.apple.mpegurl", Body::Text(text));
    let captioned = !ch.captions.is_empty();
    let translated = prism_core::demo::translated_captions(id).filter(|_| captioned);
    let dubbed = ch.dubbed();
    let variants = if ch.complete { ch.variants.len() } else { 0 };
    let variant = |name: &str| {
        name.strip_prefix('v')
            .and_then(|n| n.split('.').next()?.parse::<usize>().ok())
            .filter(|n| (1..=variants).contains(n))
    };
    if let Some(n) = variant(rest).filter(|_| rest.ends_with(".m3u8")) {
        let t = ch.position(Instant::now());
        return playlist(media_playlist(&ch.variants[n - 1], true, t, |k| {
            format!("v{n}/{k}.ts")
        }));
    }
    if let Some(n) = variant(rest)
        && let Some(k) = it
            .next()
            .and_then(|f| f.strip_suffix(".ts"))
            .and_then(|k| k.parse::<u64>().ok())
    {
        return loop_segment(state, &ch.variants[n - 1], k);
    }
    match rest {
        "index.m3u8" if captioned => return playlist(master_playlist(id, dubbed, variants)),
        "index.m3u8" | "live.m3u8" => {
            let t = ch.position(Instant::now());
            return playlist(media_playlist(&ch.segments, ch.complete, t, |k| {
                format!("seg/{k}.ts")
            }));
        }
        "subs.m3u8" | "subs-2.m3u8" if captioned => {
            let dir = if rest == "subs.m3u8" {
                "subs"
            } else {
                "subs-2"
            };
            let t = ch.position(Instant::now());
            return playlist(media_playlist(&ch.segments, ch.complete, t, |k| {
                format!("{dir}/{k}.vtt")
            }));
        }
        "audio-2.m3u8" if dubbed => {
            let t = ch.position(Instant::now());
            return playlist(media_playlist(&ch.dub, true, t, |k| format!("dub/{k}.ts")));
        }
        _ => {}
    }
    let cues = match rest {
        "subs" => Some(ch.captions),
        "subs-2" => translated.map(|(_, cues)| cues),
        _ => None,
    };
    if let Some(cues) = cues.filter(|_| captioned)
        && let Some(i) = it
            .next()
            .and_then(|f| f.strip_suffix(".vtt"))
            .and_then(|k| k.parse::<u64>().ok())
            .and_then(|k| ch.segment_index(k))
    {
        let from: Duration = ch.segments[..i].iter().map(|s| s.1).sum();
        let to = from + ch.segments[i].1;
        return (
            200,
            "text/vtt",
            Body::Text(prism_core::demo::webvtt_segment(
                cues,
                from.as_secs_f64(),
                to.as_secs_f64(),
                ch.mpegts,
            )),
        );
    }
    if rest == "dub"
        && dubbed
        && let Some(k) = it
            .next()
            .and_then(|f| f.strip_suffix(".ts"))
            .and_then(|k| k.parse::<u64>().ok())
    {
        return loop_segment(state, &ch.dub, k);
    }
    // The archive (catch-up): `archive/{start}-{stop}.m3u8` is that programme as a finished
    // playlist of the channel's loop, starting where the start time falls in it.
    if rest == "archive"
        && let Some((a, b)) = it
            .next()
            .and_then(|f| f.strip_suffix(".m3u8"))
            .and_then(|f| f.split_once('-'))
            .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)))
    {
        if !ch.complete || b <= a {
            return (404, "text/plain", Body::Text("no archive for that".into()));
        }
        return playlist(archive_playlist(id, &ch.segments, a, b));
    }
    if rest == "seg"
        && let Some(i) = it
            .next()
            .and_then(|f| f.strip_suffix(".ts"))
            .and_then(|k| k.parse::<u64>().ok())
            .and_then(|k| ch.segment_index(k))
    {
        if let Some(status) = state.faults.segment_status() {
            return (status, "text/plain", Body::Text("fault".into()));
        }
        return (200, "video/mp2t", Body::Bytes(ch.segments[i].0.clone()));
    }
    not_found()
}

/// Where an Xtream-shaped path of the demo channels leads (`None`: it is not one).
fn xtream_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["live", _user, _pass, file] => {
            let id = file.strip_suffix(".m3u8")?;
            Some(format!("/{id}/index.m3u8"))
        }
        ["timeshift", _user, _pass, minutes, when, file] => {
            let id = file.strip_suffix(".m3u8")?;
            let minutes: u64 = minutes.parse().ok()?;
            let (date, time) = when.split_once(':')?;
            let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
            let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
            let (h, mi) = time.split_once('-')?;
            let (h, mi): (i64, i64) = (h.parse().ok()?, mi.parse().ok()?);
            // Days from the civil date (Howard Hinnant's days_from_civil).
            let y = if mo <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + da - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            let start = u64::try_from(days * 86_400 + h * 3600 + mi * 60).ok()?;
            Some(format!(
                "/{id}/archive/{start}-{}.m3u8",
                start + minutes * 60
            ))
        }
        _ => None,
    }
}

/// A past programme from `start` to `stop` (Unix seconds) as a VOD playlist of a whole loop's
/// segments (at most two hours of them), from the segment the start time falls on.
fn archive_playlist(
    id: &str,
    segments: &[(Arc<Vec<u8>>, Duration)],
    start: u64,
    stop: u64,
) -> String {
    let n = segments.len() as u64;
    let loop_secs: f64 = segments.iter().map(|s| s.1.as_secs_f64()).sum();
    let target = segments
        .iter()
        .map(|s| s.1.as_secs_f64().ceil() as u64)
        .max()
        .unwrap_or(2);
    let first = ((start as f64 % loop_secs) / loop_secs * n as f64) as u64;
    let want = (stop - start).min(2 * 3600) as f64;
    let mut s = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n\
         #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n"
    );
    let (mut k, mut had) = (first, 0.0);
    while had < want {
        if k > first && k % n == 0 {
            s.push_str("#EXT-X-DISCONTINUITY\n");
        }
        let d = segments[(k % n) as usize].1.as_secs_f64();
        let _ = writeln!(s, "#EXTINF:{d:.3},\n/{id}/seg/{k}.ts");
        had += d;
        k += 1;
    }
    s.push_str("#EXT-X-ENDLIST\n");
    s
}

/// Segment `k` of a whole loop (a variant's, a soundtrack's), or the fault being injected.
fn loop_segment(
    state: &State,
    segments: &[(Arc<Vec<u8>>, Duration)],
    k: u64,
) -> (u16, &'static str, Body) {
    if let Some(status) = state.faults.segment_status() {
        return (status, "text/plain", Body::Text("fault".into()));
    }
    let i = (k % segments.len() as u64) as usize;
    (200, "video/mp2t", Body::Bytes(segments[i].0.clone()))
}

/// A captioned channel's master playlist: the video (with its audio) and an English subtitle
/// rendition, on by default as broadcasters' closed captions are; a second subtitle language
/// and a second soundtrack where the channel has them (`dubbed`: its soundtrack is on the air).
fn master_playlist(id: &str, dubbed: bool, variants: usize) -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-VERSION:3\n");
    let mut audio = "";
    if let Some((dub, _)) = prism_core::demo::dub(id).filter(|_| dubbed) {
        // The English sound is the one in the video's segments (a rendition without a URI).
        let _ = write!(
            s,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",\
             DEFAULT=YES,AUTOSELECT=YES\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"{}\",LANGUAGE=\"{}\",\
             AUTOSELECT=YES,URI=\"audio-2.m3u8\"\n",
            dub.name, dub.language
        );
        audio = ",AUDIO=\"aud\"";
    }
    s.push_str(
        "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"cc\",NAME=\"English\",LANGUAGE=\"en\",\
         DEFAULT=YES,AUTOSELECT=YES,URI=\"subs.m3u8\"\n",
    );
    if let Some((r, _)) = prism_core::demo::translated_captions(id) {
        let _ = writeln!(
            s,
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"cc\",NAME=\"{}\",LANGUAGE=\"{}\",\
             AUTOSELECT=YES,URI=\"subs-2.m3u8\"",
            r.name, r.language
        );
    }
    let _ = write!(
        s,
        "#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,\
         CODECS=\"avc1.64001f,mp4a.40.2\"{audio},SUBTITLES=\"cc\"\nlive.m3u8\n"
    );
    // The smaller variants, for a slow line or a viewer's cap.
    for (n, v) in prism_core::demo::variants(id)
        .iter()
        .take(variants)
        .enumerate()
    {
        let _ = write!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},RESOLUTION={}x{},\
             CODECS=\"avc1.64001f,mp4a.40.2\"{audio},SUBTITLES=\"cc\"\nv{}.m3u8\n",
            (v.kbps + 150) * 1000,
            v.width,
            v.height,
            n + 1
        );
    }
    s
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

/// The live window `t` into the stream ([`Channel::position`]), each segment named by
/// `item(k)`. Segment `k` is loop segment `k % n` once the loop is whole; before, the stream
/// has not reached its end. Video and subtitles share the window and the wraps.
fn media_playlist(
    segments: &[(Arc<Vec<u8>>, Duration)],
    complete: bool,
    t: Duration,
    item: impl Fn(u64) -> String,
) -> String {
    let n = segments.len() as u64;
    let (loops, mut within) = if complete {
        let loop_len: Duration = segments.iter().map(|s| s.1).sum();
        let loops = (t.as_secs_f64() / loop_len.as_secs_f64()).floor() as u64;
        (loops, t.saturating_sub(loop_len * loops as u32))
    } else {
        (0, t)
    };
    // Segment `current` is still "being recorded"; the window ends just before it. (A loop
    // still being made ends where its encoder is: every segment there is whole.)
    let last = if complete { n - 1 } else { n };
    let mut i = 0;
    while i < last && within >= segments[i as usize].1 {
        within -= segments[i as usize].1;
        i += 1;
    }
    let current = loops * n + i;
    let first = current.saturating_sub(WINDOW);
    let target = segments
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
        let d = segments[(k % n) as usize].1.as_secs_f64();
        let _ = writeln!(s, "#EXTINF:{d:.3},\n{}", item(k));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(n: usize) -> Vec<(Arc<Vec<u8>>, Duration)> {
        (0..n)
            .map(|_| (Arc::new(Vec::new()), Duration::from_secs(2)))
            .collect()
    }

    fn seg(k: u64) -> String {
        format!("seg/{k}.ts")
    }

    const ID: &str = "news.prism.demo";

    fn cached(segs: Vec<(Arc<Vec<u8>>, Duration)>) -> Channel {
        let mut ch = Channel::new(ID, Vec::new());
        ch.grow(segs);
        ch.finish();
        ch
    }

    #[test]
    fn xtream_shaped_paths_lead_to_the_channel_and_its_archive() {
        assert_eq!(
            xtream_path("/live/u/p/news.prism.demo.m3u8").as_deref(),
            Some("/news.prism.demo/index.m3u8")
        );
        // 2025-11-24 16:00 UTC is 1 764 000 000.
        assert_eq!(
            xtream_path("/timeshift/u/p/30/2025-11-24:16-00/news.prism.demo.m3u8").as_deref(),
            Some("/news.prism.demo/archive/1764000000-1764001800.m3u8")
        );
        assert_eq!(xtream_path("/news.prism.demo/index.m3u8"), None);
    }

    #[test]
    fn live_window_slides_and_marks_wraps() {
        let mut ch = cached(segments(15));
        let t0 = ch.started;
        let a = {
            let t = ch.position(t0);
            media_playlist(&ch.segments, ch.complete, t, seg)
        };
        // One loop in: segments 9..15 are complete.
        assert!(a.contains("#EXT-X-MEDIA-SEQUENCE:9\n"), "{a}");
        assert_eq!(a.matches("#EXTINF").count(), WINDOW as usize);
        assert!(a.contains("seg/14.ts") && !a.contains("seg/15.ts"));
        assert!(!a.contains("#EXT-X-DISCONTINUITY\n"));
        // Two segments later the window crosses the wrap, with one discontinuity.
        let b = {
            let t = ch.position(t0 + Duration::from_secs(4));
            media_playlist(&ch.segments, ch.complete, t, seg)
        };
        assert!(b.contains("#EXT-X-MEDIA-SEQUENCE:11\n"), "{b}");
        assert!(
            b.contains("#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg/15.ts"),
            "{b}"
        );
        assert_eq!(b.matches("#EXT-X-DISCONTINUITY\n").count(), 1);
        assert!(b.contains("#EXT-X-DISCONTINUITY-SEQUENCE:0\n"));
        // Once the wrap leaves the window, the discontinuity sequence counts it.
        let c = {
            let t = ch.position(t0 + Duration::from_secs(2 * 22));
            media_playlist(&ch.segments, ch.complete, t, seg)
        };
        assert!(c.contains("#EXT-X-MEDIA-SEQUENCE:31\n"), "{c}");
        assert!(c.contains("#EXT-X-DISCONTINUITY-SEQUENCE:2\n"), "{c}");
    }

    #[test]
    fn a_channel_being_made_goes_live_from_its_head_and_never_outruns_its_encoder() {
        let secs = Duration::from_secs;
        let mut ch = Channel::new(ID, Vec::new());
        ch.grow(segments(HEAD - 1));
        assert!(!ch.on_air(), "not before its head is made");
        ch.grow(segments(1));
        assert!(ch.on_air());
        let t0 = ch.started;
        // Live at the end of the head: all of it listed, nothing beyond.
        let a = {
            let t = ch.position(t0);
            media_playlist(&ch.segments, ch.complete, t, seg)
        };
        assert!(a.contains("#EXT-X-MEDIA-SEQUENCE:0\n"), "{a}");
        assert_eq!(a.matches("#EXTINF").count(), HEAD, "{a}");
        assert_eq!(ch.segment_index(HEAD as u64 - 1), Some(HEAD - 1));
        assert_eq!(ch.segment_index(HEAD as u64), None, "not made yet");
        // The encoder is late: four seconds on, the stream has waited for it.
        let late = t0 + secs(4);
        assert_eq!(ch.position(late), secs(2 * HEAD as u64));
        // Two more segments: the clock goes on from where it waited, not from where it was due.
        ch.grow(segments(2));
        assert_eq!(ch.position(late), secs(2 * HEAD as u64));
        let b = {
            let t = ch.position(late + secs(4));
            media_playlist(&ch.segments, ch.complete, t, seg)
        };
        assert_eq!(b.matches("#EXTINF").count(), HEAD + 2, "{b}");
        assert!(b.contains(&seg(HEAD as u64 + 1)) && !b.contains("DISCONTINUITY\n#"));
        // Whole: the stream goes on where it is and wraps at the end of the loop.
        ch.grow(segments(15 - HEAD - 2));
        ch.finish();
        assert_eq!(ch.position(late + secs(4)), secs(2 * HEAD as u64 + 4));
        let wrap = late + secs(30 - 2 * HEAD as u64 + 4);
        let c = {
            let t = ch.position(wrap);
            media_playlist(&ch.segments, ch.complete, t, seg)
        };
        assert!(
            c.contains("#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg/15.ts"),
            "{c}"
        );
        assert_eq!(ch.segment_index(15), Some(0));
    }
}
