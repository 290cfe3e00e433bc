//! The time-shift buffer behind the relay: for the channel playing, a recorder per media
//! playlist the player uses (the picture's variant, a separate soundtrack, subtitles) follows
//! the upstream playlist itself, so it keeps going while the picture is paused, and keeps each
//! segment once in a disk ring under the cache dir. The player is served a live playlist made
//! from the ring ([`prism_core::timeshift::Ring`]): pausing keeps its place, and it seeks
//! anywhere in the buffer. The recorder is the only thing fetching the channel's segments
//! upstream: one connection serves the picture and the buffer (Xtream panels count them).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use prism_core::timeshift::{Follow, FollowError, Incoming, Kept, Limits, Ring, parse_media};
use prism_core::ts::{Cut, Cutter};
use reqwest::Url;

use crate::relay::{Ask, Failed, Inner, Session, fetch};

/// Where the buffers go and how much each keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeshiftOptions {
    /// A directory of Prism's own (`~/.cache/prism/timeshift`): each buffer is a folder in it,
    /// removed when its channel is left.
    pub dir: PathBuf,
    pub limits: Limits,
}

/// How the buffer of the channel playing is doing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShiftStatus {
    /// Seconds of the picture buffered (its first track: the variant).
    pub seconds: f64,
    /// Bytes on disk, all tracks.
    pub bytes: u64,
    /// The stream's segment length (for how near the edge counts as live).
    pub target_duration: u64,
    /// Why buffering stopped (the disk is full): live playback goes on without it.
    pub error: Option<String>,
}

/// Seconds of the newest segments a buffer starts with: where hlsdemux2 would start (three
/// target durations from the end) plus the viewer's "start behind live".
fn lead(target: u64, behind: Duration) -> f64 {
    3.0 * target as f64 + behind.as_secs_f64()
}

/// When a disk write fails, this much stays in memory so live playback goes on.
const MEMORY: Limits = Limits {
    seconds: 60.0,
    bytes: 64 << 20,
};

/// The buffer of one channel session.
pub(crate) struct Shift {
    pub(crate) sid: u64,
    /// The channel's entry URL it was made for.
    url: String,
    /// A timer's buffer read the entry itself: its answer, for a player that tunes in later
    /// (same variant URIs, so the player's playlists find the recorders already running).
    entry: Mutex<Option<(Url, Vec<u8>)>>,
    dir: PathBuf,
    limits: Limits,
    tracks: Mutex<Vec<Arc<Track>>>,
    stop: Arc<AtomicBool>,
}

pub(crate) struct Track {
    id: usize,
    upstream: Url,
    /// Cut from the channel's raw MPEG-TS stream (its entry), not followed from a playlist.
    raw: bool,
    dir: PathBuf,
    state: Mutex<TrackState>,
    grew: Condvar,
}

struct TrackState {
    ring: Ring,
    follow: Follow,
    /// Segments kept in memory (after the disk failed).
    memory: HashMap<u64, Arc<Vec<u8>>>,
    /// Keys and init sections, by upstream URI, with their bytes (small; kept in memory).
    extras: Vec<(String, Arc<Vec<u8>>)>,
    /// Why the buffer stopped writing to disk.
    error: Option<String>,
    /// The first read of the upstream playlist: `None` until done, then its verdict.
    first: Option<Result<(), Answer>>,
    /// A raw track's segment being cut (numbered `ring.next_sequence()` once it has bytes):
    /// what came of it so far.
    growing: Vec<u8>,
}

/// Why a track could not be followed, as the relay answers the player.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// The playlist is not a live media playlist: serve it as it is.
    PassThrough,
    /// The upstream error, as the relay would pass it on (status line, body).
    Error(String, String),
}

impl Shift {
    pub(crate) fn new(sid: u64, opts: &TimeshiftOptions, url: &str) -> Shift {
        Shift {
            sid,
            url: url.to_owned(),
            entry: Mutex::new(None),
            dir: opts.dir.join(format!("{}-{sid}", std::process::id())),
            limits: opts.limits,
            tracks: Mutex::new(Vec::new()),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn remember_entry(&self, base: Url, body: Vec<u8>) {
        *lock(&self.entry) = Some((base, body));
    }

    /// The entry as a timer's buffer read it (`None` for the player's own buffer).
    pub(crate) fn entry(&self) -> Option<(Url, Vec<u8>)> {
        lock(&self.entry).clone()
    }

    pub(crate) fn track(&self, id: usize) -> Option<Arc<Track>> {
        lock(&self.tracks).get(id).cloned()
    }

    /// The recorder following `upstream`, started on first use; waits for its first segment.
    pub(crate) fn follow(
        &self,
        inner: &Arc<Inner>,
        session: &Arc<Session>,
        upstream: Url,
    ) -> (Arc<Track>, Result<(), Answer>) {
        let (inner, session) = (inner.clone(), session.clone());
        let track = self.track_or_start(upstream, false, move |t, stop| {
            record(&t, &inner, &session, &stop)
        });
        let verdict = track.first_segment();
        (track, verdict)
    }

    /// The buffer of a raw MPEG-TS channel: its stream (`feed`, the relay's reading of the
    /// channel's entry) cut into segments at keyframes, served to the player as a live
    /// playlist like any other, so it pauses and rewinds too. Waits for the first segment.
    pub(crate) fn cut_raw(
        &self,
        inner: &Arc<Inner>,
        session: &Arc<Session>,
        upstream: Url,
        feed: Receiver<Vec<u8>>,
    ) -> (Arc<Track>, Result<(), Answer>) {
        let (inner, session) = (inner.clone(), session.clone());
        let track = self.track_or_start(upstream, true, move |t, stop| {
            cut(&t, &inner, &session, feed, &stop)
        });
        let verdict = track.first_segment();
        (track, verdict)
    }

    /// The buffer's raw track, once the channel turned out to be raw MPEG-TS.
    pub(crate) fn raw_track(&self) -> Option<Arc<Track>> {
        lock(&self.tracks).first().filter(|t| t.raw).cloned()
    }

    /// The track recording `upstream`, or a new one whose recorder `run` is started on a
    /// thread of its own.
    fn track_or_start(
        &self,
        upstream: Url,
        raw: bool,
        run: impl FnOnce(Arc<Track>, Arc<AtomicBool>) + Send + 'static,
    ) -> Arc<Track> {
        let mut tracks = lock(&self.tracks);
        if let Some(t) = tracks.iter().find(|t| t.upstream == upstream) {
            return t.clone();
        }
        let id = tracks.len();
        let t = Arc::new(Track {
            id,
            upstream,
            raw,
            dir: self.dir.join(id.to_string()),
            state: Mutex::new(TrackState {
                ring: Ring::new(self.limits),
                follow: Follow::default(),
                memory: HashMap::new(),
                extras: Vec::new(),
                error: None,
                first: None,
                growing: Vec::new(),
            }),
            grew: Condvar::new(),
        });
        tracks.push(t.clone());
        let (t2, stop) = (t.clone(), self.stop.clone());
        let started = std::thread::Builder::new()
            .name("prism-timeshift".into())
            .spawn(move || run(t2, stop));
        if started.is_err() {
            lock(&t.state).first = Some(Err(Answer::PassThrough));
        }
        t
    }

    /// What the stream's subtitles (a WebVTT rendition's buffer) said between `from` and `to`
    /// (the player's stream time), in order, each with the start of the segment it came in. Empty when it has none (captions inside the
    /// picture are only read by decoding it).
    pub(crate) fn captions(&self, from: f64, to: f64) -> Vec<(f64, String)> {
        let tracks: Vec<Arc<Track>> = lock(&self.tracks).clone();
        let mut out = Vec::new();
        for t in tracks {
            let seqs: Vec<(u64, f64)> = lock(&t.state)
                .ring
                .between(from, to)
                .map(|k| (k.sequence, k.start))
                .collect();
            let mut said: Vec<(f64, String)> = Vec::new();
            let mut subtitles = false;
            for (s, start) in seqs {
                let Some((bytes, _)) = t.kept(s) else {
                    continue;
                };
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    break; // media, not subtitles
                };
                if !text.trim_start_matches('\u{feff}').starts_with("WEBVTT") {
                    break;
                }
                subtitles = true;
                for cue in prism_core::timeshift::vtt_cues(text) {
                    // A cue spanning two segments is repeated in both.
                    if said.last().is_none_or(|(_, c)| *c != cue) {
                        said.push((start, cue));
                    }
                }
            }
            if subtitles {
                out = said;
                break;
            }
        }
        out
    }

    /// Its recorders were told to stop.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn status(&self) -> ShiftStatus {
        let tracks = lock(&self.tracks);
        let mut s = ShiftStatus::default();
        for (i, t) in tracks.iter().enumerate() {
            let st = lock(&t.state);
            if i == 0 {
                s.seconds = st.ring.seconds();
                s.target_duration = st.ring.target_duration();
            }
            s.bytes += st.ring.bytes();
            if s.error.is_none() {
                s.error.clone_from(&st.error);
            }
        }
        s
    }
}

impl Drop for Shift {
    fn drop(&mut self) {
        // The recorders stop at their next look; the folder goes now (a write racing it fails
        // harmlessly).
        self.stop.store(true, Ordering::Relaxed);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Track {
    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// Waits for the first segment, or the verdict that there will be none.
    fn first_segment(&self) -> Result<(), Answer> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut st = lock(&self.state);
        loop {
            match &st.first {
                Some(Err(a)) => return Err(a.clone()),
                Some(Ok(())) if !st.ring.is_empty() || !st.growing.is_empty() => return Ok(()),
                _ => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let words = "the stream sent no segment in 20 s";
                return Err(Answer::Error(
                    format!("504 Prism relay: {words}"),
                    words.into(),
                ));
            }
            st = self
                .grew
                .wait_timeout(st, left.min(Duration::from_millis(200)))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// The served playlist, segments named by `uri(sequence)`. A raw track's also lists the
    /// segment being cut and the one after it, at the length the last one had: a player at
    /// the live edge is sent them as they come (`Track::piece`), so it plays on with no wait
    /// for whole segments, as it would reading the stream itself.
    pub(crate) fn playlist(&self, uri: impl Fn(u64) -> String) -> String {
        let st = lock(&self.state);
        let mut text = st.ring.playlist(&uri);
        if self.raw {
            let next = st.ring.next_sequence();
            let guess = st
                .ring
                .get(next.wrapping_sub(1))
                .map_or(2.0, |k| k.duration)
                .max(0.5);
            let target = st.ring.target_duration().max(guess.ceil() as u64);
            text = text.replace(
                &format!("#EXT-X-TARGETDURATION:{}\n", st.ring.target_duration()),
                &format!("#EXT-X-TARGETDURATION:{target}\n"),
            );
            for n in [next, next + 1] {
                text.push_str(&format!("#EXTINF:{guess:.3},\n{}\n", uri(n)));
            }
        }
        text
    }

    /// A raw track's segment `sequence` from byte `from` on: what there is of it now (waiting
    /// up to `patience` for more), and whether that is its end. `None`: not in the buffer, or
    /// nothing came in time.
    pub(crate) fn piece(
        &self,
        sequence: u64,
        from: usize,
        patience: Duration,
    ) -> Option<(Vec<u8>, bool)> {
        let deadline = Instant::now() + patience;
        let mut st = lock(&self.state);
        loop {
            if st.ring.holds(sequence) {
                let whole = match st.memory.get(&sequence) {
                    Some(m) => m.to_vec(),
                    None => {
                        drop(st);
                        std::fs::read(self.file(sequence)).ok()?
                    }
                };
                return Some((whole.get(from..).unwrap_or_default().to_vec(), true));
            }
            let next = st.ring.next_sequence();
            if sequence < next {
                return None; // gone from the buffer
            }
            if sequence == next && st.growing.len() > from {
                return Some((st.growing[from..].to_vec(), false));
            }
            st = self.wait(st, deadline)?;
        }
    }

    /// Waits for the buffer to grow, until `deadline` (`None`: it passed).
    fn wait<'a>(
        &'a self,
        st: MutexGuard<'a, TrackState>,
        deadline: Instant,
    ) -> Option<MutexGuard<'a, TrackState>> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        Some(
            self.grew
                .wait_timeout(st, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0),
        )
    }

    pub(crate) fn is_raw(&self) -> bool {
        self.raw
    }

    /// Segment `sequence`, waiting up to `patience` for it to arrive. `None`: not there (gone
    /// from the buffer, or it never came).
    pub(crate) fn segment(&self, sequence: u64, patience: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + patience;
        let mut st = lock(&self.state);
        while sequence >= st.ring.next_sequence() {
            st = self.wait(st, deadline)?;
        }
        if !st.ring.holds(sequence) {
            return None;
        }
        if let Some(m) = st.memory.get(&sequence) {
            return Some(m.to_vec());
        }
        drop(st);
        std::fs::read(self.file(sequence)).ok()
    }

    /// The newest segment's number.
    pub(crate) fn newest(&self) -> Option<u64> {
        let st = lock(&self.state);
        (!st.ring.is_empty()).then(|| st.ring.next_sequence() - 1)
    }

    /// The oldest segment's number.
    pub(crate) fn first(&self) -> Option<u64> {
        lock(&self.state).ring.first()
    }

    /// Segment `sequence` and its length, if it is in the buffer now.
    pub(crate) fn kept(&self, sequence: u64) -> Option<(Vec<u8>, f64)> {
        let st = lock(&self.state);
        let duration = st.ring.get(sequence)?.duration;
        if let Some(m) = st.memory.get(&sequence) {
            return Some((m.to_vec(), duration));
        }
        drop(st);
        Some((std::fs::read(self.file(sequence)).ok()?, duration))
    }

    /// Waits up to `timeout` for segment `sequence` to arrive.
    pub(crate) fn wait_for(&self, sequence: u64, timeout: Duration) {
        let st = lock(&self.state);
        if sequence >= st.ring.next_sequence() {
            let _ = self.grew.wait_timeout(st, timeout);
        }
    }

    /// Whether its segments are encrypted per sample (SAMPLE-AES or a DRM scheme): kept as
    /// fetched, they cannot be recorded. Whole-segment AES-128 can (`aes_key`).
    pub(crate) fn sample_encrypted(&self) -> bool {
        use prism_core::timeshift::KeyMethod;
        let st = lock(&self.state);
        st.ring.since(None).any(|k| {
            k.key
                .as_ref()
                .is_some_and(|k| !matches!(k.method, KeyMethod::None | KeyMethod::AES128))
        })
    }

    /// Segment `sequence`'s AES-128 key and IV, when it is encrypted so (the key fetched once,
    /// the IV the playlist's or its upstream sequence number, as `Follow` wrote it).
    /// `Err`: it is AES-128, but its key never came (or is not 16 bytes), or its IV is bad.
    #[allow(clippy::type_complexity)]
    pub(crate) fn aes_key(&self, sequence: u64) -> Result<Option<([u8; 16], [u8; 16])>, String> {
        let st = lock(&self.state);
        let Some(k) = st.ring.get(sequence).and_then(|k| k.key.as_ref()) else {
            return Ok(None);
        };
        if k.method != prism_core::timeshift::KeyMethod::AES128 {
            return Ok(None);
        }
        let iv =
            k.iv.as_deref()
                .and_then(prism_core::timeshift::iv_bytes)
                .ok_or("a segment's IV is not readable")?;
        let key = k
            .uri
            .as_deref()
            .and_then(|u| u.strip_prefix('x')?.parse::<usize>().ok())
            .and_then(|i| st.extras.get(i))
            .and_then(|e| <[u8; 16]>::try_from(e.1.as_slice()).ok())
            .ok_or("the stream's decryption key could not be fetched")?;
        Ok(Some((key, iv)))
    }

    /// The init section (fMP4's `EXT-X-MAP`) in force for segment `sequence`, if any.
    pub(crate) fn init_section(&self, sequence: u64) -> Option<Arc<Vec<u8>>> {
        let st = lock(&self.state);
        let uri = st.ring.get(sequence)?.map.as_ref()?.uri.clone();
        let i: usize = uri.strip_prefix('x')?.parse().ok()?;
        st.extras.get(i).map(|e| e.1.clone())
    }

    /// A key or init section by its index.
    pub(crate) fn extra(&self, index: usize) -> Option<Arc<Vec<u8>>> {
        lock(&self.state).extras.get(index).map(|e| e.1.clone())
    }

    fn file(&self, sequence: u64) -> PathBuf {
        self.dir.join(format!("{sequence}.ts"))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The recorder: reads the upstream playlist as a player would, fetches what is new, keeps it.
fn record(track: &Arc<Track>, inner: &Arc<Inner>, session: &Session, stop: &AtomicBool) {
    let on_disk = std::fs::create_dir_all(&track.dir);
    if let Err(e) = on_disk {
        disk_failed(track, &e);
    }
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let began = Instant::now();
        let body = match get(
            inner,
            session,
            &track.upstream,
            Duration::from_secs(10),
            inner.opts.playlist_patience,
        ) {
            Ok(r) => {
                let mut body = Vec::new();
                use std::io::Read;
                let _ = r.take(8 << 20).read_to_end(&mut body);
                Some(body)
            }
            Err(f) if first => {
                let answer = match f {
                    Failed::Status(r) => {
                        let s = r.status();
                        Answer::Error(
                            format!("{} {}", s.as_u16(), s.canonical_reason().unwrap_or("Error")),
                            String::new(),
                        )
                    }
                    Failed::Transport(words) => {
                        Answer::Error(format!("502 Prism relay: {words}"), words)
                    }
                };
                finish_first(track, Err(answer));
                return;
            }
            // Later failures are ridden out: the buffer waits, the player plays what it has.
            Err(_) => None,
        };
        let mut new = 0;
        if let Some(body) = body {
            let playlist = parse_media(&body);
            let behind = session.limits.behind_live;
            let fresh = playlist.and_then(|p| {
                let lead = lead(p.target_duration.max(1), behind);
                let mut st = lock(&track.state);
                st.follow.fresh(&p, lead)
            });
            match fresh {
                Ok(segments) => {
                    new = segments.len();
                    // The first batch is what the player waits for before its first picture:
                    // fetched all at once, not one after another.
                    let mut early: Vec<Option<Vec<u8>>> = if first {
                        std::thread::scope(|scope| {
                            let jobs: Vec<_> = segments
                                .iter()
                                .map(|s| {
                                    let url = track.upstream.join(&s.uri).ok();
                                    scope.spawn(move || {
                                        fetch_bytes(inner, session, &url?, SEGMENT_TIMEOUT)
                                    })
                                })
                                .collect();
                            jobs.into_iter().map(|j| j.join().ok().flatten()).collect()
                        })
                    } else {
                        Vec::new()
                    };
                    early.reverse();
                    let mut skipped = false;
                    for s in segments {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let got = early.pop().flatten();
                        skipped = !keep(track, inner, session, s, got, skipped);
                    }
                    // The player's first playlist is the whole first batch, as a server's
                    // window would be: hlsdemux2 given a single segment lost its place when
                    // the next refresh brought more.
                    if first && new > 0 {
                        first = false;
                        finish_first(track, Ok(()));
                    }
                }
                Err(FollowError::Ended | FollowError::Master | FollowError::Unreadable)
                    if first =>
                {
                    finish_first(track, Err(Answer::PassThrough));
                    return;
                }
                Err(_) => {}
            }
        }
        // A playlist is reloaded after a segment's length when it grew, half that when not
        // (the HLS spec's pace).
        let target = lock(&track.state).ring.target_duration().max(1);
        let wait = Duration::from_secs(target)
            .div_f64(if new > 0 { 1.0 } else { 2.0 })
            .saturating_sub(began.elapsed())
            .max(Duration::from_millis(250));
        nap(wait, stop);
    }
    let _ = std::fs::remove_dir_all(&track.dir);
}

/// Sleeps `wait`, or until `stop` is set.
fn nap(wait: Duration, stop: &AtomicBool) {
    let until = Instant::now() + wait;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A connection that ends sooner than this after it opened is followed by a pause before the
/// next: a server that ends every answer at once is not asked many times a second.
const SHORT_LIVED: Duration = Duration::from_secs(3);

/// Asks for a raw channel's stream again after its connection ended.
pub(crate) struct Redial {
    opened: Instant,
    wait: Duration,
}

impl Redial {
    const FIRST: Duration = Duration::from_millis(500);
    const MOST: Duration = Duration::from_secs(8);

    /// For a connection opened now.
    pub(crate) fn new() -> Self {
        Self {
            opened: Instant::now(),
            wait: Self::FIRST,
        }
    }

    /// Asks `open` until it gives the stream, pausing between tries (half a second, doubling
    /// to 8 s), and before the first when the last connection was short-lived; `None` once
    /// `stop` is set.
    pub(crate) fn again(
        &mut self,
        stop: &AtomicBool,
        mut open: impl FnMut() -> Option<Receiver<Vec<u8>>>,
    ) -> Option<Receiver<Vec<u8>>> {
        if self.opened.elapsed() < SHORT_LIVED {
            nap(self.wait, stop);
            self.wait = (self.wait * 2).min(Self::MOST);
        } else {
            self.wait = Self::FIRST;
        }
        let mut wait = self.wait;
        while !stop.load(Ordering::Relaxed) {
            if let Some(rx) = open() {
                self.opened = Instant::now();
                return Some(rx);
            }
            nap(wait, stop);
            wait = (wait * 2).min(Self::MOST);
        }
        None
    }
}

/// One GET upstream with the channel's headers, retried for `patience`.
pub(crate) fn get(
    inner: &Inner,
    session: &Session,
    url: &Url,
    timeout: Duration,
    patience: Duration,
) -> Result<reqwest::blocking::Response, Failed> {
    let ask = Ask {
        url,
        user_agent: session.headers.user_agent.as_deref(),
        headers: &session.headers,
        range: None,
        timeout: Some(timeout),
    };
    fetch(inner, &ask, patience)
}

/// A segment's whole exchange may take this long.
const SEGMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A segment, key or init section, whole, with the channel's headers (retried for the relay's
/// patience).
fn fetch_bytes(inner: &Inner, session: &Session, url: &Url, timeout: Duration) -> Option<Vec<u8>> {
    let r = get(inner, session, url, timeout, inner.opts.patience).ok()?;
    Some(r.bytes().ok()?.to_vec())
}

fn finish_first(track: &Track, verdict: Result<(), Answer>) {
    lock(&track.state).first = Some(verdict);
    track.grew.notify_all();
}

/// Fetches one new segment (and its key and init section the first time) into the buffer.
/// `after_skip`: the segment before it never came. Returns whether it was kept.
fn keep(
    track: &Track,
    inner: &Inner,
    session: &Session,
    s: Incoming,
    fetched: Option<Vec<u8>>,
    after_skip: bool,
) -> bool {
    let resolve = |u: &str| track.upstream.join(u).ok();
    let Some(url) = resolve(&s.uri) else {
        return false;
    };
    // Keys and init sections: fetched once, served from memory under the relay's URI.
    let extra = |uri: &str| -> Option<usize> {
        let abs = resolve(uri)?;
        if let Some(i) = lock(&track.state)
            .extras
            .iter()
            .position(|(u, _)| u == abs.as_str())
        {
            return Some(i);
        }
        let bytes = fetch_bytes(inner, session, &abs, Duration::from_secs(10))?;
        let mut st = lock(&track.state);
        st.extras.push((abs.to_string(), Arc::new(bytes)));
        Some(st.extras.len() - 1)
    };
    let mut key = s.key.clone();
    if let Some(k) = key.as_mut()
        && let Some(u) = k.uri.clone()
    {
        k.uri = Some(format!("x{}", extra(&u).map_or(usize::MAX, |i| i)));
    }
    let mut map = s.map.clone();
    if let Some(m) = map.as_mut() {
        m.uri = format!("x{}", extra(&m.uri.clone()).map_or(usize::MAX, |i| i));
    }
    let bytes = match fetched.or_else(|| fetch_bytes(inner, session, &url, SEGMENT_TIMEOUT)) {
        Some(b) => b,
        None => {
            inner.note_skip(track_session(track), "the server failed to send a segment");
            return false;
        }
    };
    store(
        track,
        bytes,
        Kept {
            sequence: 0,
            start: 0.0,
            duration: s.duration,
            bytes: 0,
            discontinuity: s.discontinuity || after_skip,
            key,
            map,
            program_date_time: s.program_date_time,
        },
    );
    true
}

/// Keeps a segment's bytes (on disk, or in memory once the disk failed) and its entry in the
/// ring (numbered and sized here), dropping what no longer fits; wakes whoever waits for it.
fn store(track: &Track, bytes: Vec<u8>, mut kept: Kept) {
    let mut st = lock(&track.state);
    let sequence = st.ring.next_sequence();
    kept.sequence = sequence;
    kept.bytes = bytes.len() as u64;
    if st.error.is_none()
        && let Err(e) = write(&track.file(sequence), &bytes)
    {
        drop(st);
        disk_failed(track, &e);
        st = lock(&track.state);
    }
    if st.error.is_some() {
        st.memory.insert(sequence, Arc::new(bytes));
    }
    let gone = st.ring.push(kept);
    // A raw track's segment being cut was this one: the next starts from nothing.
    st.growing.clear();
    for g in gone {
        if st.memory.remove(&g).is_none() {
            let _ = std::fs::remove_file(track.file(g));
        }
    }
    drop(st);
    track.grew.notify_all();
}

/// A raw channel's segments are cut at the first keyframe this long after the last.
const RAW_SEGMENT: f64 = 1.0;

/// A raw channel that sends nothing for this long is connected to again (before the player's
/// stall timeout, 8 s, would start everything over and lose the buffer).
const QUIET: Duration = Duration::from_secs(5);

/// The recorder of a raw MPEG-TS channel: cuts its stream into segments as it comes. A
/// connection that ends or breaks is opened again (the buffer carries on after a
/// discontinuity, and so does the picture).
fn cut(
    track: &Arc<Track>,
    inner: &Arc<Inner>,
    session: &Session,
    feed: Receiver<Vec<u8>>,
    stop: &AtomicBool,
) {
    use std::sync::mpsc::RecvTimeoutError;
    if let Err(e) = std::fs::create_dir_all(&track.dir) {
        disk_failed(track, &e);
    }
    let began = Instant::now();
    let mut cutter = Cutter::new(RAW_SEGMENT);
    let mut feed = Some(feed);
    let mut first = true;
    let mut heard = Instant::now();
    let mut redial = Redial::new();
    let keep = |c: Cut| {
        let kept = Kept {
            sequence: 0,
            start: 0.0,
            duration: c.duration,
            bytes: 0,
            // The cutter keeps one clock across jumps and new connections.
            discontinuity: false,
            key: None,
            map: None,
            program_date_time: None,
        };
        store(track, c.bytes, kept);
    };
    while !stop.load(Ordering::Relaxed) {
        let Some(rx) = &feed else {
            feed = redial.again(stop, || reopen(inner, session, &track.upstream));
            heard = Instant::now();
            continue;
        };
        let lost = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(chunk) => {
                heard = Instant::now();
                let cuts = cutter.push(&chunk, began.elapsed().as_secs_f64());
                let cut_now = !cuts.is_empty();
                for c in cuts {
                    keep(c);
                }
                // What is coming of the next segment, for a player at the live edge.
                let pending = cutter.pending();
                let mut st = lock(&track.state);
                if cut_now || pending.len() < st.growing.len() {
                    st.growing.clear();
                }
                let have = st.growing.len();
                st.growing.extend_from_slice(&pending[have..]);
                let started = !st.growing.is_empty();
                drop(st);
                track.grew.notify_all();
                if started && std::mem::take(&mut first) {
                    finish_first(track, Ok(()));
                }
                false
            }
            // A server that stopped sending but keeps the connection: given up on, so nobody
            // joins it again, and asked for anew.
            Err(RecvTimeoutError::Timeout) if heard.elapsed() >= QUIET && !first => {
                inner.feeds.abandon(&session.url);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        if lost {
            // The stream ended or broke: it is asked for again. The segment being cut is
            // held (and a player at the live edge waits on it) until the new connection's
            // first keyframe ends it.
            if first {
                let words = "the stream ended before its first picture";
                finish_first(
                    track,
                    Err(Answer::Error(
                        format!("502 Prism relay: {words}"),
                        words.into(),
                    )),
                );
                break;
            }
            cutter.restart();
            inner.note_skip(track_session(track), "the stream's connection was lost");
            feed = None;
        }
    }
    let _ = std::fs::remove_dir_all(&track.dir);
}

/// The raw channel's stream again, after its connection ended: another reader's (a timer
/// that reopened it first), or a new connection. `None`: not yet (the server refused, or sent
/// something that is not MPEG-TS).
pub(crate) fn reopen(inner: &Inner, session: &Session, url: &Url) -> Option<Receiver<Vec<u8>>> {
    if let Some(rx) = inner.feeds.join(&session.url) {
        return Some(rx);
    }
    let ask = Ask {
        url,
        user_agent: session.headers.user_agent.as_deref(),
        headers: &session.headers,
        range: None,
        // An endless response: no overall timeout.
        timeout: None,
    };
    let mut resp = fetch(inner, &ask, Duration::ZERO).ok()?;
    use std::io::Read;
    let mut head = [0u8; 1024];
    let n = resp.read(&mut head).ok()?;
    if head[..n].first() != Some(&0x47) {
        return None;
    }
    inner
        .feeds
        .start(&session.url, head[..n].to_vec(), resp, inner.cut_counter())
        .ok()
}

/// The session a track belongs to (its folder's name says), for the relay's skip note.
fn track_session(track: &Track) -> u64 {
    track
        .dir
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // Written aside and renamed: a reader never sees half a segment.
    let part = path.with_extension("part");
    std::fs::write(&part, bytes)?;
    std::fs::rename(&part, path)
}

/// The disk failed (full, or not writable): the buffer shrinks to a minute in memory, so live
/// playback goes on, and says why.
fn disk_failed(track: &Track, e: &io::Error) {
    let why = if e.raw_os_error() == Some(28) {
        "the disk is full".to_owned()
    } else {
        format!("the buffer could not be written ({e})")
    };
    let mut st = lock(&track.state);
    if st.error.is_none() {
        st.error = Some(format!("{why}: pausing and rewinding live TV stopped"));
        // What is on disk stays readable until it leaves the (now short) buffer.
        for g in st.ring.set_limits(MEMORY) {
            let _ = std::fs::remove_file(track.file(g));
        }
    }
}

/// Buffers left behind by a Prism that did not exit cleanly (its process is gone).
pub(crate) fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
