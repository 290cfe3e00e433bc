//! A loopback relay between GStreamer and a channel's servers.
//!
//! GStreamer 1.22.0's hlsdemux2 aborts the whole process on two everyday faults of live HLS
//! servers: a segment answered 404 while a playlist refresh lands (an assertion on
//! `pending_cb_id`, 6 runs in 6) and a connection dropped under its download helper (a
//! use-after-free in glibc's lock code, about 1 run in 20). A TV app cannot die because an IPTV
//! server hiccups, so the player fetches through this relay and GStreamer only ever sees clean
//! answers from loopback:
//! - playlists are fetched whole and every URI in them is rewritten to come back here;
//! - a segment (or key, or init section) that fails is retried for a while (`patience`); if it
//!   never comes, an empty segment is served and the stream skips it, and the player's own stall
//!   watch takes over if nothing plays;
//! - the channel's entry URL fails fast with words for the error card (`502 Prism relay: …`), and
//!   a playlist that cannot be had gets the server's own status, which hlsdemux2 retries safely.
//!
//! Each channel gets a session holding the headers its playlist asks for (user agent, referrer,
//! origin, cookies, tokens), sent on every request upstream: playlists, segments and keys
//! (GStreamer's download helper would not send the referrer on segments).

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use prism_core::hls::{
    UriKind, VariantLimits, behind_live, cap_variants, is_playlist, rewrite_uris, single_variant,
};
use reqwest::Url;
use reqwest::blocking::{Client, Response};

use crate::StreamSource;
use crate::loopback::{Head, Loopback, Reply};
use crate::record::{Recording, RecordingState, RecordingStatus};
use crate::scheduled::{TimerRec, TimerRun, lock};
use crate::shift::{Answer, Shift, ShiftStatus, TimeshiftOptions, Track};

/// Playlists larger than this are refused (a real one is kilobytes).
const MAX_PLAYLIST: u64 = 8 << 20;
/// Sessions kept (one per channel started); older ones are forgotten.
const SESSIONS: usize = 32;

/// How streams are shaped for the viewer's settings: which variants an adaptive stream may
/// use, and how far behind the live edge to start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamLimits {
    pub variants: VariantLimits,
    /// Hidden from the end of a live playlist when the player first reads it: it starts
    /// that much further behind live, with that much more buffered.
    pub behind_live: Duration,
}

#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// How long a failing segment is retried before it is skipped.
    pub patience: Duration,
    /// How long a failing playlist refresh is retried before its error is passed on.
    pub playlist_patience: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        // About a segment's length: longer and the buffer runs dry anyway.
        Self {
            patience: Duration::from_secs(6),
            playlist_patience: Duration::from_secs(3),
        }
    }
}

/// What the relay absorbed, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RelayStats {
    /// Upstream failures retried.
    pub retried: u64,
    /// Segments given up on and served empty.
    pub skipped: u64,
    /// Responses the server broke off midway (passed on short, ending cleanly).
    pub cut: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// The URL the viewer's playlist gave: its failure is the channel's error.
    Entry,
    Playlist,
    Media,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::Entry => 'e',
            Kind::Playlist => 'p',
            Kind::Media => 'm',
        }
    }
}

#[derive(Default)]
pub(crate) struct Session {
    pub(crate) headers: prism_core::playlist::HttpHeaders,
    /// The limits in force when the channel started.
    pub(crate) limits: StreamLimits,
    /// Media playlists read once already (only the first read starts behind live).
    pub(crate) read: Mutex<std::collections::HashSet<String>>,
    /// The channel's entry URL.
    pub(crate) url: String,
}

pub(crate) struct Inner {
    /// Itself, for the time-shift recorders' threads.
    me: Weak<Inner>,
    client: Client,
    base: String,
    pub(crate) opts: RelayOptions,
    sessions: Mutex<VecDeque<(u64, Arc<Session>)>>,
    next: AtomicU64,
    retried: AtomicU64,
    skipped: AtomicU64,
    cut: AtomicU64,
    /// Why the last segment was skipped, when, and for which session.
    last_skip: Mutex<Option<(u64, Instant, String)>>,
    /// What the next channels started get.
    limits: Mutex<StreamLimits>,
    /// Where time-shift buffers go (none: channels play as they come).
    timeshift: Mutex<Option<TimeshiftOptions>>,
    /// The buffer of the channel playing, with the session it was routed as (one at a time: a
    /// zap drops the last, unless a timer's recording holds it).
    shift: Mutex<Option<(u64, Arc<Shift>)>>,
    /// The channel left's buffer while its sound fades out under the next one (the player's
    /// cross-fade): its segments are still served until `forget_previous`, so the fading
    /// pipeline is never answered 404 (which hlsdemux2 can abort the process on).
    previous: Mutex<Option<(u64, Arc<Shift>)>>,
    /// Scheduled recordings (timers), each on its channel's buffer: the one playing, or one of
    /// their own when the window shows another channel.
    timers: Mutex<Vec<TimerRec>>,
    /// Session numbers of the timers' own buffers (apart from the player's: `next` is the
    /// stream routed last).
    pub(crate) next_timer: AtomicU64,
    /// The recording, if one is running or was the last (it holds its channel's buffer).
    recording: Mutex<Option<Recording>>,
    /// Raw MPEG-TS channels being read, each once for all its readers.
    pub(crate) feeds: crate::feed::Feeds,
}

/// A running relay on 127.0.0.1; stops accepting when dropped.
pub struct Relay {
    inner: Arc<Inner>,
    /// Accepting stops when it drops.
    _listener: Loopback,
}

impl Relay {
    pub fn start(opts: RelayOptions) -> io::Result<Relay> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::limited(10))
            .connect_timeout(Duration::from_secs(8))
            // Raw MPEG-TS channels are endless responses: no overall timeout. GStreamer's own
            // timeout closes the loopback side of a stalled one.
            .timeout(None::<Duration>)
            .build()
            .map_err(io::Error::other)?;
        let inner = Arc::new_cyclic(|me| Inner {
            me: me.clone(),
            client,
            base: format!("http://{addr}"),
            opts,
            sessions: Mutex::new(VecDeque::new()),
            next: AtomicU64::new(1),
            retried: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            cut: AtomicU64::new(0),
            last_skip: Mutex::new(None),
            limits: Mutex::new(StreamLimits::default()),
            timeshift: Mutex::new(None),
            shift: Mutex::new(None),
            previous: Mutex::new(None),
            recording: Mutex::new(None),
            timers: Mutex::new(Vec::new()),
            next_timer: AtomicU64::new(1 << 40),
            feeds: Default::default(),
        });
        // One request per connection, as before hyper: GStreamer's download helper never
        // finds a kept connection closed under it (a dropped connection is what crashed it).
        let listener = Loopback::serve(listener, "prism-relay", inner.clone(), serve, false)?;
        Ok(Relay {
            inner,
            _listener: listener,
        })
    }

    /// The loopback URL GStreamer should open for `src` (non-HTTP URLs are returned as they
    /// are: files, UDP multicast and the like have no server to misbehave).
    pub fn route(&self, src: &StreamSource) -> String {
        // Counted even when not relayed: it is the stream playing now (see `recent_skip`).
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let lower = src.url.to_ascii_lowercase();
        let http = lower.starts_with("http://") || lower.starts_with("https://");
        // The last channel's buffer goes with it, whatever plays next (a recording, a file,
        // multicast: its recorders must not go on fetching unwatched). A channel a timer is
        // recording plays from that recording's buffer: one upstream connection for both.
        let opts = self
            .inner
            .timeshift
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .filter(|_| http);
        let shift = http
            .then(|| self.inner.timer_shift(&src.url))
            .flatten()
            .or_else(|| opts.map(|o| Arc::new(Shift::new(id, &o, &src.url))));
        let left = std::mem::replace(
            &mut *self.inner.shift.lock().unwrap_or_else(|e| e.into_inner()),
            shift.map(|s| (id, s)),
        );
        *self
            .inner
            .previous
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = left;
        if !http {
            return src.url.clone();
        }
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= SESSIONS {
            sessions.pop_front();
        }
        sessions.push_back((
            id,
            Arc::new(Session {
                headers: src.headers.clone(),
                limits: *self.inner.limits.lock().unwrap_or_else(|e| e.into_inner()),
                url: src.url.clone(),
                ..Default::default()
            }),
        ));
        self.inner.local_url(id, Kind::Entry, &src.url)
    }

    /// The channel left at the last `route` is not fading any more: its buffer goes (and
    /// with it its fetching upstream).
    pub fn forget_previous(&self) {
        let left = self
            .inner
            .previous
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        drop(left);
    }

    /// Why a segment of the stream routed last was given up on, if that happened within
    /// `within`: the player adds it to a stall's message ("… buffering: the server refused the
    /// segments (HTTP 403)"). The channel before a zap does not count.
    pub fn recent_skip(&self, within: Duration) -> Option<String> {
        let latest = self.inner.next.load(Ordering::Relaxed) - 1;
        let last = self
            .inner
            .last_skip
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        last.as_ref()
            .filter(|(sid, at, _)| *sid == latest && at.elapsed() <= within)
            .map(|(_, _, why)| why.clone())
    }

    /// The buffer of the stream routed last, if it has one (`Inner::shift` of that session).
    fn current_shift(&self) -> Option<Arc<Shift>> {
        self.inner
            .shift(self.inner.next.load(Ordering::Relaxed) - 1)
    }

    /// Pause and rewind live TV for channels started from now on: each gets a buffer under
    /// `opts.dir` (`None`: off). Buffers a crashed Prism left there are removed.
    pub fn set_timeshift(&self, opts: Option<TimeshiftOptions>) {
        if let Some(o) = &opts {
            crate::shift::sweep(&o.dir);
        }
        *self
            .inner
            .timeshift
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = opts;
    }

    /// How the buffer of the stream routed last is doing (`None`: it has none, such as a
    /// programme from the archive, or time shift is off).
    pub fn timeshift(&self) -> Option<ShiftStatus> {
        self.current_shift()
            .map(|s| s.status())
            .filter(|s| s.seconds > 0.0 || s.error.is_some())
    }

    /// Records the channel playing from its buffer into `stem`.ts (then `stem`.mkv), from its
    /// newest segment on. One recording at a time.
    pub fn record(&self, stem: &std::path::Path) -> Result<(), String> {
        let mut rec = self
            .inner
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if rec
            .as_ref()
            .is_some_and(|r| r.status().state == RecordingState::Recording)
        {
            return Err("a recording is already running".into());
        }
        let sid = self.inner.next.load(Ordering::Relaxed) - 1;
        let session = self.inner.session(sid);
        // A raw MPEG-TS channel without a buffer (time shift off): the recording reads its
        // feed beside the player.
        let recording = match self.current_shift().filter(|s| s.track(0).is_some()) {
            Some(shift) => Recording::start(shift, stem)?,
            None => match self.inner.feeds.join(&session.url) {
                Some(rx) => {
                    let src = StreamSource {
                        url: session.url.clone(),
                        headers: session.headers.clone(),
                    };
                    let reopen = crate::scheduled::raw_reopener(&self.inner, &src);
                    Recording::start_raw(rx, stem, reopen)?
                }
                None => {
                    return Err(
                        "this channel has no time-shift buffer to record from (is time shift on?)"
                            .to_owned(),
                    );
                }
            },
        };
        *rec = Some(recording);
        Ok(())
    }

    /// Stops the recording after what is buffered; it is finished (remuxed) on its own thread.
    pub fn stop_recording(&self) -> Option<RecordingStatus> {
        let rec = self
            .inner
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let r = rec.as_ref()?;
        r.stop();
        Some(r.status())
    }

    /// The recording running, or the last one and how it ended.
    pub fn recording(&self) -> Option<RecordingStatus> {
        let rec = self
            .inner
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        rec.as_ref().map(|r| r.status())
    }

    /// Waits for the last recording's file to be finished.
    pub fn finish_recording(&self, timeout: Duration) -> Option<RecordingStatus> {
        let mut rec = self
            .inner
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let r = rec.as_mut()?;
        r.stop();
        r.wait(timeout);
        Some(r.status())
    }

    /// What the subtitles of the stream routed last said between `from` and `to` (the
    /// player's stream time), from its time-shift buffer: what a viewer who paused or jumped
    /// missed. Empty without a buffer or a subtitle rendition.
    pub fn captions(&self, from: f64, to: f64) -> Vec<(f64, String)> {
        self.current_shift()
            .map(|s| s.captions(from, to))
            .unwrap_or_default()
    }

    /// Starts timer `id`'s recording of `src` into `stem`.ts (then `stem`.mkv), on a thread:
    /// the channel playing records from its buffer; another channel gets a buffer of its own
    /// under `buffers` (one upstream connection, which the viewer shares by tuning in).
    /// [`Relay::stream_recording`] says how it goes.
    pub fn record_stream(
        &self,
        id: u64,
        src: &StreamSource,
        stem: &std::path::Path,
        buffers: TimeshiftOptions,
    ) {
        let path = crate::record::with_ext(stem, "ts");
        let if_unspawned = path.clone();
        let run = Arc::new(Mutex::new(TimerRun::Starting {
            stop: false,
            path: path.clone(),
        }));
        {
            let mut timers = lock(&self.inner.timers);
            // Ended ones beyond a few are forgotten (their files are the record); one still
            // being finished is kept, its outcome still to be read.
            while timers.len() >= 16
                && let Some(i) = timers.iter().position(|t| lock(&t.run).ended())
            {
                timers.remove(i);
            }
            timers.retain(|t| t.id != id);
            timers.push(TimerRec {
                id,
                url: src.url.clone(),
                run: run.clone(),
            });
        }
        let (inner, src, stem) = (self.inner.clone(), src.clone(), stem.to_path_buf());
        let mine = run.clone();
        let spawned = std::thread::Builder::new()
            .name("prism-timer".into())
            .spawn(move || {
                let started = crate::scheduled::start(&inner, &src, &stem, &buffers);
                let mut run = lock(&run);
                let stop = matches!(&*run, TimerRun::Starting { stop: true, .. });
                *run = match started {
                    Ok((rec, shift)) => {
                        if stop {
                            rec.stop();
                        }
                        TimerRun::Running(rec, shift)
                    }
                    Err(why) => TimerRun::Failed(why, path),
                };
            });
        if let Err(e) = spawned {
            *lock(&mine) = TimerRun::Failed(e.to_string(), if_unspawned);
        }
    }

    /// Stops timer `id`'s recording after what is buffered (finished on its own thread).
    pub fn stop_stream(&self, id: u64) -> Option<RecordingStatus> {
        let timers = lock(&self.inner.timers);
        let t = timers.iter().find(|t| t.id == id)?;
        let mut run = lock(&t.run);
        run.stop();
        Some(run.status())
    }

    /// How timer `id`'s recording goes (`Recording` while its buffer is set up).
    pub fn stream_recording(&self, id: u64) -> Option<RecordingStatus> {
        let timers = lock(&self.inner.timers);
        let t = timers.iter().find(|t| t.id == id)?;
        Some(lock(&t.run).status())
    }

    /// Stops every timer's recording and waits up to `timeout` for their files (the app's
    /// exit: what was recorded is finished, not cut short).
    pub fn finish_streams(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let runs: Vec<_> = lock(&self.inner.timers)
            .iter()
            .map(|t| t.run.clone())
            .collect();
        for run in &runs {
            lock(run).stop();
        }
        for run in runs {
            let left = deadline.saturating_duration_since(Instant::now());
            if let TimerRun::Running(r, _) = &mut *lock(&run) {
                r.wait(left);
            }
        }
    }

    /// The limits for channels started from now on.
    pub fn set_limits(&self, limits: StreamLimits) {
        *self.inner.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    pub fn stats(&self) -> RelayStats {
        RelayStats {
            retried: self.inner.retried.load(Ordering::Relaxed),
            skipped: self.inner.skipped.load(Ordering::Relaxed),
            cut: self.inner.cut.load(Ordering::Relaxed),
        }
    }
}

impl Inner {
    /// `http://127.0.0.1:P/<kind>/<session>/<hex of the URL>/<its file name>`: the name is
    /// there for logs, and so that a relative URI the rewrite missed still resolves (against
    /// the upstream URL, see `target`).
    fn local_url(&self, session: u64, kind: Kind, upstream: &str) -> String {
        format!(
            "{}/{}/{session}/{}/{}",
            self.base,
            kind.letter(),
            hex(upstream.as_bytes()),
            file_name(upstream)
        )
    }

    /// A segment given up on: counted, and its reason kept for a stall's message.
    pub(crate) fn note_skip(&self, sid: u64, why: &str) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
        *self.last_skip.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((sid, Instant::now(), why.to_owned()));
    }

    /// The buffer of session `sid` when it names the channel playing (the session it was
    /// routed as, or the buffer's own: its segments' URIs; a timer's buffer has a session of its
    /// own), or the channel left whose sound still fades out.
    pub(crate) fn shift(&self, sid: u64) -> Option<Arc<Shift>> {
        let of = |slot: &Mutex<Option<(u64, Arc<Shift>)>>| {
            slot.lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .filter(|(id, s)| *id == sid || s.sid == sid)
                .map(|(_, s)| s.clone())
        };
        of(&self.shift).or_else(|| of(&self.previous))
    }

    /// The limits channels start with now.
    pub(crate) fn stream_limits(&self) -> StreamLimits {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a connection that broke mid-stream, from a thread of its own.
    pub(crate) fn cut_counter(&self) -> impl Fn() + Send + 'static {
        let me = self.me.clone();
        move || {
            if let Some(inner) = me.upgrade() {
                inner.cut.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// A buffer following `url` already: the channel playing's, or a running timer's.
    pub(crate) fn shift_for(&self, url: &str) -> Option<Arc<Shift>> {
        let playing = self
            .shift
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(_, s)| s.clone())
            .filter(|s| s.url() == url && !s.stopped());
        playing.or_else(|| self.timer_shift(url))
    }

    /// The buffer a running timer records `url` from.
    fn timer_shift(&self, url: &str) -> Option<Arc<Shift>> {
        let timers = self.timers.lock().unwrap_or_else(|e| e.into_inner());
        timers
            .iter()
            .filter(|t| t.url == url)
            .find_map(|t| match &*lock(&t.run) {
                TimerRun::Running(_, shift) => shift.upgrade().filter(|s| !s.stopped()),
                _ => None,
            })
    }

    fn session(&self, id: u64) -> Arc<Session> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }
}

/// The last path segment of a URL, as a safe path segment (for logs and relative references).
fn file_name(url: &str) -> String {
    let name: String = url
        .split(['?', '#'])
        .next()
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(64)
        .collect();
    if name.is_empty() { "x".into() } else { name }
}

/// The request's kind, session and upstream URL, from the local path.
fn target(path: &str) -> Option<(Kind, u64, Url)> {
    let mut parts = path.trim_start_matches('/').splitn(4, '/');
    let kind = match parts.next()? {
        "e" => Kind::Entry,
        "p" => Kind::Playlist,
        "m" => Kind::Media,
        _ => return None,
    };
    let session = parts.next()?.parse().ok()?;
    let upstream = String::from_utf8(unhex(parts.next()?)?).ok()?;
    let url = Url::parse(&upstream).ok()?;
    let rest = parts.next().unwrap_or_default();
    if rest.is_empty() || rest == file_name(&upstream) {
        return Some((kind, session, url));
    }
    // A relative reference resolved by GStreamer against our URL (a DASH manifest's segments):
    // resolve it upstream instead. It is media, and as patient, unless it names a playlist.
    let url = url.join(rest).ok()?;
    let path = url.path().to_ascii_lowercase();
    let kind = if path.ends_with(".m3u8") || path.ends_with(".m3u") {
        Kind::Playlist
    } else {
        Kind::Media
    };
    Some((kind, session, url))
}

fn serve(req: &Head, inner: &Inner, conn: &mut Reply) -> io::Result<()> {
    let head_only = req.method == "HEAD";
    if req.method != "GET" && !head_only {
        return respond(conn, "405 Method Not Allowed", "text/plain", b"");
    }
    if let Some(rest) = req.path.strip_prefix("/r/") {
        return from_buffer(conn, inner, rest, head_only);
    }
    let Some((kind, sid, url)) = target(&req.path) else {
        return respond(conn, "404 Not Found", "text/plain", b"");
    };
    let session = inner.session(sid);
    let shift = inner.shift(sid);
    // A media playlist of the channel playing, with its buffer on: served from the buffer.
    if kind == Kind::Playlist
        && let Some(shift) = &shift
        && let Some(done) = buffered(conn, inner, shift, &session, url.clone())
    {
        return done;
    }
    // A channel a timer is recording: its entry as that buffer read it (no second fetch, and
    // the same variant URIs, so the player's playlists find the recorders running).
    if kind == Kind::Entry
        && let Some((base, body)) = shift.as_ref().and_then(|s| s.entry())
    {
        return playlist_answer(conn, inner, sid, kind, &session, &shift, base, body);
    }
    // A raw MPEG-TS channel with its buffer running: the player reloads the buffer's
    // playlist at the channel's own URL.
    if kind == Kind::Entry
        && let Some(shift) = &shift
        && let Some(track) = shift.raw_track()
    {
        let verdict = Ok(());
        return answer_from_buffer(conn, inner, shift, &track, verdict).unwrap_or(Ok(()));
    }
    // A raw MPEG-TS channel already being read (a timer records it): the player joins it.
    if kind == Kind::Entry
        && !head_only
        && let Some(rx) = inner.feeds.join(&session.url)
    {
        return raw_answer(conn, inner, &shift, &session, url, rx);
    }
    let (patience, timeout) = match kind {
        // It may be an endless MPEG-TS response: no overall timeout.
        Kind::Entry => (Duration::ZERO, None),
        Kind::Playlist => (inner.opts.playlist_patience, Some(Duration::from_secs(10))),
        Kind::Media => (inner.opts.patience, Some(Duration::from_secs(30))),
    };
    let ask = Ask {
        url: &url,
        // GStreamer's own user agent goes on when the channel names none (servers took it).
        user_agent: session
            .headers
            .user_agent
            .as_deref()
            .or(req.header("user-agent")),
        headers: &session.headers,
        range: req.header("range"),
        timeout,
    };
    let resp = match fetch(inner, &ask, patience) {
        Ok(r) => r,
        Err(Failed::Status(r)) => {
            let status = r.status();
            if kind == Kind::Media {
                let why = match status.as_u16() {
                    401 | 403 => format!("the server refused the segments (HTTP {status})"),
                    404 | 410 => format!("the server lost the segments (HTTP {status})"),
                    _ => format!("the server failed to send the segments (HTTP {status})"),
                };
                return skip(conn, inner, sid, why);
            }
            let reason = status.canonical_reason().unwrap_or("Error");
            // The status is what GStreamer reports; the server's error page is not needed.
            return respond(
                conn,
                &format!("{} {reason}", status.as_u16()),
                "text/plain",
                b"",
            );
        }
        Err(Failed::Transport(words)) => {
            if kind == Kind::Media {
                return skip(conn, inner, sid, words);
            }
            return respond(
                conn,
                &format!("502 Prism relay: {words}"),
                "text/plain",
                words.as_bytes(),
            );
        }
    };
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let path = resp.url().path().to_ascii_lowercase();
    let looks_like_playlist = kind == Kind::Playlist
        || ctype.to_ascii_lowercase().contains("mpegurl")
        || path.ends_with(".m3u8")
        || path.ends_with(".m3u");
    if looks_like_playlist {
        let base = resp.url().clone();
        let mut body = Vec::new();
        resp.take(MAX_PLAYLIST + 1).read_to_end(&mut body)?;
        if body.len() as u64 > MAX_PLAYLIST {
            // Cut short it would name a wrong URI on its last line.
            let words = "the stream's playlist is too large (over 8 MB)";
            return respond(
                conn,
                &format!("502 Prism relay: {words}"),
                "text/plain",
                words.as_bytes(),
            );
        }
        if is_playlist(&body) {
            return playlist_answer(conn, inner, sid, kind, &session, &shift, base, body);
        }
        return respond(conn, "200 OK", &ctype, &body);
    }
    // The channel's own endless MPEG-TS response: read for every reader at once (a recording
    // or a timer joins it), from a thread of its own.
    let mut first = Vec::new();
    if kind == Kind::Entry && !head_only && req.header("range").is_none() {
        let mut resp = resp;
        let mut head = [0u8; 1024];
        let n = resp.read(&mut head).unwrap_or(0);
        first.extend_from_slice(&head[..n]);
        if first.first() == Some(&0x47) {
            let rx = inner
                .feeds
                .start(&session.url, first, resp, inner.cut_counter())?;
            return raw_answer(conn, inner, &shift, &session, url, rx);
        }
        return stream(conn, inner, resp, first, &ctype, head_only);
    }
    stream(conn, inner, resp, first, &ctype, head_only)
}

/// A raw MPEG-TS channel's stream (`rx`) for the player: cut into its time-shift buffer and
/// served as a live playlist when it has one (so it pauses and rewinds as any channel does),
/// else streamed as it comes.
fn raw_answer(
    conn: &mut Reply,
    inner: &Inner,
    shift: &Option<Arc<Shift>>,
    session: &Arc<Session>,
    url: Url,
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let (Some(shift), Some(me)) = (shift, inner.me.upgrade()) else {
        return stream_feed(conn, rx);
    };
    let (track, verdict) = shift.cut_raw(&me, session, url, rx);
    answer_from_buffer(conn, inner, shift, &track, verdict).unwrap_or(Ok(()))
}

/// A raw MPEG-TS feed to the player, chunked, until the stream ends or the player goes. It
/// starts at a keyframe with the programme tables in front (`ts::clean_start`), as a segment
/// does: joined mid-picture, playbin3 never showed a first picture.
fn stream_feed(conn: &mut Reply, rx: std::sync::mpsc::Receiver<Vec<u8>>) -> io::Result<()> {
    let sink = conn.stream("200 OK", "video/mp2t", &[])?;
    let send = |chunk: &[u8]| sink.send(chunk.to_vec());
    let mut rx = rx.into_iter();
    let mut head = Vec::new();
    // A stream that flags no keyframes (a radio station may not) starts at its first table.
    let waited = Instant::now();
    for chunk in rx.by_ref() {
        head.extend_from_slice(&chunk);
        let give_up = waited.elapsed() > Duration::from_secs(3) || head.len() > 4 << 20;
        if let Some((tables, at)) = prism_core::ts::clean_start_or(&head, give_up) {
            send(&tables)?;
            send(&head[at..])?;
            head.clear();
            break;
        }
    }
    // A stream that ended before its first keyframe: what came.
    send(&head)?;
    for chunk in rx {
        sink.send(chunk)?;
    }
    Ok(())
}

/// A playlist fetched for the player (or remembered by a timer's buffer), shaped for the
/// viewer's limits and rewritten to come back here; a live media playlist of a buffered
/// channel is served from the buffer.
#[allow(clippy::too_many_arguments)]
fn playlist_answer(
    conn: &mut Reply,
    inner: &Inner,
    sid: u64,
    kind: Kind,
    session: &Arc<Session>,
    shift: &Option<Arc<Shift>>,
    base: Url,
    body: Vec<u8>,
) -> io::Result<()> {
    let text = String::from_utf8_lossy(&body);
    // The viewer's limits: variants within the caps; a live playlist's first read
    // starts further behind its edge.
    let first_read = session
        .read
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(base.as_str().to_owned());
    // A buffered channel records one variant: the player must not switch away from it.
    let text = if shift.is_some() {
        single_variant(&text, session.limits.variants)
    } else {
        cap_variants(&text, session.limits.variants)
    };
    // A media playlist as the entry: the buffer follows it.
    if kind == Kind::Entry
        && !text.contains("#EXT-X-STREAM-INF")
        && let Some(shift) = &shift
        && let Some(done) = buffered(conn, inner, shift, session, base.clone())
    {
        return done;
    }
    let text = if first_read {
        behind_live(&text, session.limits.behind_live.as_secs_f64())
    } else {
        text
    };
    let out = rewrite_uris(&text, |uri, kind| match base.join(uri) {
        Ok(abs) => {
            let kind = match kind {
                UriKind::Playlist => Kind::Playlist,
                UriKind::Media => Kind::Media,
            };
            inner.local_url(sid, kind, abs.as_str())
        }
        Err(_) => uri.to_owned(),
    });
    respond(
        conn,
        "200 OK",
        "application/vnd.apple.mpegurl",
        out.as_bytes(),
    )
}

/// Media passed through as it arrives, chunked: a server that hangs up mid-segment gives a
/// short segment that ends cleanly rather than a dropped connection under GStreamer. `first`:
/// bytes of it read already.
fn stream(
    conn: &mut Reply,
    inner: &Inner,
    mut resp: Response,
    first: Vec<u8>,
    ctype: &str,
    head_only: bool,
) -> io::Result<()> {
    let status = resp.status().as_u16().to_string();
    let range = resp
        .headers()
        .get(reqwest::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let headers: Vec<_> = range
        .iter()
        .map(|r| ("content-range", r.as_str()))
        .collect();
    if head_only {
        return conn.whole(&status, ctype, &headers, Vec::new());
    }
    let sink = conn.stream(&status, ctype, &headers)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = first;
    loop {
        let chunk: &[u8] = if !pending.is_empty() {
            &pending
        } else {
            match resp.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => &buf[..n],
                Err(_) => {
                    inner.cut.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        };
        sink.send(chunk.to_vec())?;
        pending.clear();
    }
    Ok(())
}

/// A segment that never came: an empty one, so the stream moves on.
fn skip(conn: &mut Reply, inner: &Inner, sid: u64, why: String) -> io::Result<()> {
    inner.note_skip(sid, &why);
    respond(conn, "200 OK", "video/mp2t", b"")
}

/// A media playlist served from the channel's buffer (its recorder started on first ask).
/// `None`: not a live playlist (an archive's, say): the caller passes it through.
fn buffered(
    conn: &mut Reply,
    inner: &Inner,
    shift: &Shift,
    session: &Arc<Session>,
    upstream: Url,
) -> Option<io::Result<()>> {
    let me = inner.me.upgrade()?;
    let (track, verdict) = shift.follow(&me, session, upstream);
    answer_from_buffer(conn, inner, shift, &track, verdict)
}

/// The player's playlist of a track of the buffer, or why there is none (`None`: serve the
/// upstream playlist as it is).
fn answer_from_buffer(
    conn: &mut Reply,
    inner: &Inner,
    shift: &Shift,
    track: &Track,
    verdict: Result<(), Answer>,
) -> Option<io::Result<()>> {
    match verdict {
        Ok(()) => {
            let base = format!("{}/r/{}/{}/", inner.base, shift.sid, track.id());
            let text = track.playlist(|k| format!("{k}.ts"));
            let text = rewrite_uris(&text, |u, _| format!("{base}{u}"));
            Some(respond(
                conn,
                "200 OK",
                "application/vnd.apple.mpegurl",
                text.as_bytes(),
            ))
        }
        Err(Answer::PassThrough) => None,
        Err(Answer::Error(status, words)) => {
            Some(respond(conn, &status, "text/plain", words.as_bytes()))
        }
    }
}

/// `/r/<session>/<track>/<n>.ts` (a segment) or `…/x<n>` (a key or init section) from the
/// buffer. A segment not there (gone from the buffer, or it never came) is served empty, as a
/// skipped one is.
fn from_buffer(conn: &mut Reply, inner: &Inner, rest: &str, head_only: bool) -> io::Result<()> {
    let mut parts = rest.splitn(3, '/');
    let (Some(sid), Some(track), Some(name)) = (
        parts.next().and_then(|s| s.parse::<u64>().ok()),
        parts.next().and_then(|t| t.parse::<usize>().ok()),
        parts.next(),
    ) else {
        return respond(conn, "404 Not Found", "text/plain", b"");
    };
    let Some(track) = inner.shift(sid).and_then(|s| s.track(track)) else {
        return respond(conn, "404 Not Found", "text/plain", b"");
    };
    if let Some(i) = name.strip_prefix('x').and_then(|i| i.parse::<usize>().ok()) {
        return match track.extra(i) {
            Some(b) => respond(conn, "200 OK", "application/octet-stream", &b),
            None => respond(conn, "404 Not Found", "text/plain", b""),
        };
    }
    let Some(seq) = name.strip_suffix(".ts").and_then(|n| n.parse::<u64>().ok()) else {
        return respond(conn, "404 Not Found", "text/plain", b"");
    };
    if track.is_raw() && !head_only {
        return growing_segment(conn, inner, sid, &track, seq);
    }
    // A segment still coming is waited for as long as a failing one is retried.
    match track.segment(seq, inner.opts.patience * 2) {
        Some(bytes) => conn.whole("200 OK", "video/mp2t", &[], bytes),
        None => skip(
            conn,
            inner,
            sid,
            "the segment is not in the time-shift buffer".into(),
        ),
    }
}

/// A raw track's segment, sent as it is cut: whole when it is done, else what there is and
/// then the rest as it comes (chunked), so a player at the live edge reads the stream as it
/// arrives. One not there in time is served empty, as a skipped one is.
fn growing_segment(
    conn: &mut Reply,
    inner: &Inner,
    sid: u64,
    track: &Track,
    seq: u64,
) -> io::Result<()> {
    // The one after the segment being cut waits for that one to end (a GOP or so).
    let patience = (inner.opts.patience * 2).max(Duration::from_secs(12));
    let Some((first, mut done)) = track.piece(seq, 0, patience) else {
        return skip(
            conn,
            inner,
            sid,
            "the segment is not in the time-shift buffer".into(),
        );
    };
    if done {
        return conn.whole("200 OK", "video/mp2t", &[], first);
    }
    let sink = conn.stream("200 OK", "video/mp2t", &[])?;
    let mut sent = 0;
    let mut piece = first;
    loop {
        sent += piece.len();
        sink.send(piece)?;
        if done {
            break;
        }
        // Nothing for this long: the stream stalled; what came is the segment.
        match track.piece(seq, sent, patience) {
            Some((p, d)) => (piece, done) = (p, d),
            None => break,
        }
    }
    Ok(())
}

fn respond(conn: &mut Reply, status: &str, ctype: &str, body: &[u8]) -> io::Result<()> {
    conn.whole(status, ctype, &[], body.to_vec())
}

pub(crate) enum Failed {
    /// The server answered with an error status.
    Status(Box<Response>),
    /// No answer: the reason in words.
    Transport(String),
}

/// A request upstream.
pub(crate) struct Ask<'a> {
    pub(crate) url: &'a Url,
    pub(crate) user_agent: Option<&'a str>,
    /// The channel's own headers (its user agent is `user_agent`).
    pub(crate) headers: &'a prism_core::playlist::HttpHeaders,
    pub(crate) range: Option<&'a str>,
    /// For the whole exchange, body included.
    pub(crate) timeout: Option<Duration>,
}

/// One GET upstream, retried while it fails in a way that may pass (no answer, 404/410 on a
/// live edge, 429, 5xx) until `patience` runs out.
pub(crate) fn fetch(inner: &Inner, ask: &Ask, patience: Duration) -> Result<Response, Failed> {
    let deadline = Instant::now() + patience;
    let mut pause = Duration::from_millis(100);
    loop {
        let mut req = inner.client.get(ask.url.clone());
        if let Some(ua) = ask.user_agent {
            req = req.header(reqwest::header::USER_AGENT, ua);
        }
        for (name, value) in ask.headers.pairs().filter(|(n, _)| *n != "User-Agent") {
            req = req.header(name, value);
        }
        if let Some(r) = ask.range {
            req = req.header(reqwest::header::RANGE, r);
        }
        if let Some(t) = ask.timeout {
            req = req.timeout(t);
        }
        let failed = match req.send() {
            Ok(r) if r.status().is_success() => return Ok(r),
            Ok(r) => {
                let s = r.status().as_u16();
                if !(matches!(s, 404 | 408 | 410 | 425 | 429) || s >= 500) {
                    return Err(Failed::Status(Box::new(r)));
                }
                Failed::Status(Box::new(r))
            }
            Err(e) => Failed::Transport(in_words(&e)),
        };
        if Instant::now() + pause > deadline {
            return Err(failed);
        }
        inner.retried.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// A transport error as the error card says it.
fn in_words(e: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        chain.push_str(&s.to_string().to_ascii_lowercase());
        chain.push(' ');
        src = s.source();
    }
    if chain.contains("dns") || chain.contains("resolve") || chain.contains("name or service") {
        "the stream's server name could not be found (DNS)".into()
    } else if e.is_timeout() || chain.contains("timed out") {
        "the stream's server did not answer in time".into()
    } else if chain.contains("certificate") || chain.contains("tls") {
        "a secure connection to the stream's server failed (TLS)".into()
    } else if e.is_connect() {
        "could not connect to the stream's server".into()
    } else {
        "the stream's server hung up".into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_lead_back_upstream() {
        let relay = Relay::start(RelayOptions::default()).unwrap();
        let up = "https://cdn.example/live/ch1/index.m3u8?token=a%20b";
        let local = relay.inner.local_url(7, Kind::Playlist, up);
        assert!(local.ends_with("/index.m3u8"), "{local}");
        let path = &local[relay.inner.base.len()..];
        let (kind, sid, url) = target(path).unwrap();
        assert_eq!((kind, sid, url.as_str()), (Kind::Playlist, 7, up));
        // A relative URI resolved against the local URL still reaches the right file.
        let rel = path.replace("/index.m3u8", "/seg1.ts");
        let (kind, _, url) = target(&rel).unwrap();
        assert_eq!(url.as_str(), "https://cdn.example/live/ch1/seg1.ts");
        assert_eq!(kind, Kind::Media);
        assert!(target("/x/1/00/a").is_none());
        assert!(target("/m/1/zz/a").is_none());
    }

    #[test]
    fn other_schemes_are_not_relayed() {
        let relay = Relay::start(RelayOptions::default()).unwrap();
        let udp = StreamSource::new("udp://239.0.0.1:1234");
        assert_eq!(relay.route(&udp), "udp://239.0.0.1:1234");
        let http = relay.route(&StreamSource::new("http://h/a.m3u8"));
        assert!(http.starts_with("http://127.0.0.1:"), "{http}");
    }

    #[test]
    fn a_buffer_goes_when_anything_else_plays() {
        let relay = Relay::start(RelayOptions::default()).unwrap();
        let dir = std::env::temp_dir().join(format!("prism-relay-shift-{}", std::process::id()));
        relay.set_timeshift(Some(TimeshiftOptions {
            dir,
            limits: Default::default(),
        }));
        let shift = |r: &Relay| r.inner.shift.lock().unwrap().as_ref().map(|s| s.1.sid);
        relay.route(&StreamSource::new("http://h/a.m3u8"));
        let first = shift(&relay);
        assert!(first.is_some());
        relay.route(&StreamSource::new("http://h/b.m3u8"));
        assert!(shift(&relay).is_some() && shift(&relay) != first);
        // The channel left is served while its sound fades, then goes.
        let first = first.unwrap();
        assert!(relay.inner.shift(first).is_some());
        relay.forget_previous();
        assert!(relay.inner.shift(first).is_none());
        // A recording's file, or multicast: no buffer is kept for the channel left.
        relay.route(&StreamSource::new("file:///tmp/x.mkv"));
        assert_eq!(shift(&relay), None);
    }
}
