//! Scheduled recordings (timers) in the relay: a timer records its channel from a buffer, like
//! "record now" does, whichever channel the window shows. The channel playing lends its buffer;
//! any other channel gets a buffer of its own that follows the channel's playlist with no player
//! in front of it (the variant the player would keep). A viewer who zaps to a channel being
//! recorded plays from that buffer, so a channel costs one upstream connection however it is
//! used (Xtream panels count them).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use prism_core::hls::{is_playlist, variant_uri};
use reqwest::Url;

use crate::StreamSource;
use crate::record::{Recording, RecordingState, RecordingStatus};
use crate::relay::{Failed, Inner, Session};
use crate::shift::{Answer, Shift, TimeshiftOptions};

pub(crate) struct TimerRec {
    pub(crate) id: u64,
    /// The channel's entry URL (what the player would be routed to).
    pub(crate) url: String,
    pub(crate) run: Arc<Mutex<TimerRun>>,
}

pub(crate) enum TimerRun {
    /// Its buffer is being set up; `stop` was asked meanwhile.
    Starting { stop: bool, path: PathBuf },
    /// Recording from this buffer (held by the recording while it runs).
    Running(Recording, Weak<Shift>),
    /// It never started, and why.
    Failed(String, PathBuf),
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TimerRun {
    /// Stops after what is buffered (one still being set up stops as soon as it starts).
    pub(crate) fn stop(&mut self) {
        match self {
            TimerRun::Starting { stop, .. } => *stop = true,
            TimerRun::Running(r, _) => r.stop(),
            TimerRun::Failed(..) => {}
        }
    }

    /// Over: its file finished, or it failed.
    pub(crate) fn ended(&self) -> bool {
        matches!(
            self.status().state,
            RecordingState::Done | RecordingState::Failed(_)
        )
    }

    pub(crate) fn status(&self) -> RecordingStatus {
        match self {
            TimerRun::Starting { path, .. } => RecordingStatus {
                path: path.clone(),
                seconds: 0.0,
                bytes: 0,
                state: RecordingState::Recording,
            },
            TimerRun::Running(r, _) => r.status(),
            TimerRun::Failed(why, path) => RecordingStatus {
                path: path.clone(),
                seconds: 0.0,
                bytes: 0,
                state: RecordingState::Failed(why.clone()),
            },
        }
    }
}

/// Sets up the timer's buffer and starts its recording (on the caller's thread: it waits for
/// the channel's first segments).
pub(crate) fn start(
    inner: &Arc<Inner>,
    src: &StreamSource,
    stem: &Path,
    opts: &TimeshiftOptions,
) -> Result<(Recording, Weak<Shift>), String> {
    if let Some(shift) = inner.shift_for(&src.url).filter(|s| s.track(0).is_some()) {
        let weak = Arc::downgrade(&shift);
        return Ok((Recording::start(shift, stem)?, weak));
    }
    // A raw MPEG-TS channel being read (the one playing, or another timer's): it joins.
    if let Some(rx) = inner.feeds.join(&src.url) {
        return Ok((
            Recording::start_raw(rx, stem, raw_reopener(inner, src))?,
            Weak::new(),
        ));
    }
    match own_source(inner, src, opts)? {
        Source::Buffer(shift) => {
            let weak = Arc::downgrade(&shift);
            Ok((Recording::start(shift, stem)?, weak))
        }
        Source::Raw(rx) => Ok((
            Recording::start_raw(rx, stem, raw_reopener(inner, src))?,
            Weak::new(),
        )),
    }
}

/// How a raw channel's recording gets its stream again after the connection ended: the
/// feed another reader (the player's buffer) reopened, else a new connection.
pub(crate) fn raw_reopener(
    inner: &Arc<Inner>,
    src: &StreamSource,
) -> impl FnMut() -> Option<std::sync::mpsc::Receiver<Vec<u8>>> + Send + 'static {
    let inner = Arc::downgrade(inner);
    let session = Session {
        headers: src.headers.clone(),
        url: src.url.clone(),
        ..Default::default()
    };
    let url = Url::parse(&src.url).ok();
    move || {
        let inner = inner.upgrade()?;
        crate::shift::reopen(&inner, &session, url.as_ref()?)
    }
}

/// What a timer records from when the channel is not playing.
enum Source {
    Buffer(Arc<Shift>),
    /// A raw MPEG-TS channel's bytes, from the timer's own connection.
    Raw(std::sync::mpsc::Receiver<Vec<u8>>),
}

/// A buffer following `src` with no player: the entry is read as the player's would be, and
/// remembered so a player that tunes in later is answered from it. A raw MPEG-TS channel's
/// response is read on by a thread of its own instead.
fn own_source(
    inner: &Arc<Inner>,
    src: &StreamSource,
    opts: &TimeshiftOptions,
) -> Result<Source, String> {
    let url = Url::parse(&src.url).map_err(|e| format!("{}: {e}", src.url))?;
    let sid = inner.next_timer.fetch_add(1, Ordering::Relaxed);
    let session = Arc::new(Session {
        headers: src.headers.clone(),
        limits: inner.stream_limits(),
        url: src.url.clone(),
        ..Default::default()
    });
    let shift = Arc::new(Shift::new(sid, opts, &src.url));
    let resp = crate::shift::get(
        inner,
        &session,
        &url,
        Duration::from_secs(10),
        inner.opts.playlist_patience,
    )
    .map_err(|f| match f {
        Failed::Status(r) => format!("the channel's server answered {}", r.status()),
        Failed::Transport(words) => words,
    })?;
    let base = resp.url().clone();
    let mut body = Vec::new();
    // A raw MPEG-TS channel is an endless response: the first bytes tell.
    let mut resp = resp.take(8 << 20);
    let mut head = [0u8; 1024];
    let n = resp.read(&mut head).map_err(|e| e.to_string())?;
    body.extend_from_slice(&head[..n]);
    if !is_playlist(&body) {
        if body.first() != Some(&0x47) {
            return Err("the channel's stream is neither HLS nor MPEG-TS".into());
        }
        // Read for the recording and for a viewer who tunes in (one connection).
        let rx = inner
            .feeds
            .start(&src.url, body, resp.into_inner(), inner.cut_counter())
            .map_err(|e| e.to_string())?;
        return Ok(Source::Raw(rx));
    }
    resp.read_to_end(&mut body).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&body).into_owned();
    let media = match variant_uri(&text, session.limits.variants) {
        Some(u) => base.join(&u).map_err(|e| format!("{u}: {e}"))?,
        None => base.clone(),
    };
    shift.remember_entry(base, body);
    let (_, verdict) = shift.follow(inner, &session, media);
    match verdict {
        Ok(()) => Ok(Source::Buffer(shift)),
        Err(Answer::PassThrough) => {
            Err("the channel's playlist is not live: nothing to record".into())
        }
        Err(Answer::Error(status, words)) if words.is_empty() => {
            Err(format!("the channel's server answered {status}"))
        }
        Err(Answer::Error(_, words)) => Err(words),
    }
}
