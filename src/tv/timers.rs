//! Timers: programmes recorded from the guide (R on a programme in the grid, "record top gear
//! tonight"), from a little before to a little after (the padding settings), whichever channel
//! the window shows. They are kept in `timers.toml` beside the settings, written (atomically,
//! off the frame) the moment they change, so a crash never loses one; a recording a crash cut
//! short records on into a new file if its programme is still on.
//! The provider's connection limit is checked when a timer is made; when one starts and the
//! viewer's channel would take a connection the provider does not have, the TV switches to the
//! channel being recorded (which then plays from the recording's buffer: one connection).

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use prism_core::timers::{Refused, Status, Timer, Timers, Wanted, pool_of};
use prism_media::PlayRequest;

use super::{Outcome, Tv};
use crate::settings::Settings;
use crate::t;

/// The wall clock timers go by: the system's, or one a test sets.
#[derive(Resource, Default)]
pub struct WallClock(pub Option<i64>);

impl WallClock {
    pub fn now(&self) -> i64 {
        self.0.unwrap_or_else(crate::time::unix_now)
    }
}

/// The timers and where they are kept.
#[derive(Default)]
pub struct Book {
    pub timers: Timers,
    /// Where they are written, by a thread of its own (`None`: kept in memory only).
    writer: Option<Writer>,
    /// Timers whose recordings this run started, for their outcome.
    pub running: Vec<u64>,
    /// Read from the file and not looked at yet (`after_restart` runs on the first tick).
    pub fresh: bool,
}

impl Book {
    /// The timers in `path`; a broken file is kept aside (`timers.toml.broken`), never lost.
    pub fn open(path: PathBuf) -> Book {
        let timers = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
                warn!("{}: {e}; kept aside", path.display());
                let _ = std::fs::rename(&path, path.with_extension("toml.broken"));
                Timers::default()
            }),
            Err(_) => Timers::default(),
        };
        Book {
            timers,
            writer: Writer::start(path),
            running: Vec::new(),
            fresh: true,
        }
    }

    /// Where Prism keeps them: beside the settings.
    pub fn default_path() -> Option<PathBuf> {
        crate::settings::config_dir().map(|d| d.join("timers.toml"))
    }

    /// Written at once, atomically (a timer is not lost to a crash that follows), by the
    /// writer's thread: the two fsyncs stay off the frame.
    pub fn save(&self) {
        let Some(w) = &self.writer else { return };
        match toml::to_string_pretty(&self.timers) {
            Ok(text) => {
                let _ = w.tx.as_ref().map(|tx| tx.send(text));
            }
            Err(e) => warn!("timers: {e}"),
        }
    }
}

/// Writes the newest timers file it is sent; dropped, it finishes what it was sent first (a
/// clean exit loses nothing).
struct Writer {
    tx: Option<std::sync::mpsc::Sender<String>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    fn start(path: PathBuf) -> Option<Writer> {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("timers".into())
            .spawn(move || {
                while let Ok(mut text) = rx.recv() {
                    while let Ok(newer) = rx.try_recv() {
                        text = newer;
                    }
                    if let Err(e) = crate::settings::write_private(&path, text.as_bytes()) {
                        warn!("could not save the timers to {}: {e}", path.display());
                    }
                }
            })
            .map_err(|e| warn!("timers: {e}"))
            .ok()?;
        Some(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A file stem in `dir` that no recording has: "… (2)" when the programme's name is taken (a
/// crash's cut-short file, a repeat).
fn free_stem(dir: &Path, stem: &str) -> PathBuf {
    let taken = |p: &Path| {
        prism_media::with_ext(p, "ts").exists() || prism_media::with_ext(p, "mkv").exists()
    };
    let first = dir.join(stem);
    if !taken(&first) {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem} ({n})")))
        .find(|p| !taken(p))
        .unwrap_or(first)
}

impl Tv {
    /// A timer for the programme on channel `i` starting at `start`, or off if it has one.
    pub(super) fn toggle_timer(
        &mut self,
        i: usize,
        start: i64,
        now: i64,
        settings: &Settings,
    ) -> Outcome {
        let identity = self.channel_identity(i);
        if let Some(t) = self.timers.timers.find(&identity, start).cloned() {
            self.cancel_timer(t.id);
            return Outcome::Timer {
                set: false,
                title: t.title,
                channel: i,
                start,
                warning: None,
            };
        }
        let Some(c) = self.channel(i) else {
            return Outcome::NoChannel;
        };
        let Some(p) = self.programme_at(i, start) else {
            return self.no_timer(t!("no-programme-then"));
        };
        let pool = pool_of(c.primary_url().unwrap_or_default());
        let wanted = Wanted {
            channel: identity,
            channel_name: c.name.clone(),
            title: p.title().to_owned(),
            start,
            stop: p.stop(),
            pre: i64::from(settings.record_early_min) * 60,
            post: i64::from(settings.record_late_min) * 60,
            pool: pool.clone(),
        };
        let title = wanted.title.clone();
        let limit = self.connection_limit(&pool);
        match self.timers.timers.add(wanted, now, limit) {
            Ok(made) => {
                self.timers.save();
                let warning = made
                    .uses_last_connection
                    .then(|| t!("timer-last-connection", limit = limit.unwrap_or(1)));
                if let Some(w) = &warning {
                    self.notice = Some((std::time::Instant::now(), w.clone()));
                }
                Outcome::Timer {
                    set: true,
                    title,
                    channel: i,
                    start,
                    warning,
                }
            }
            Err(Refused::Over) => self.no_timer(t!("timer-over", title = title)),
            Err(Refused::Already) => self.no_timer(t!("timer-already", title = title)),
            Err(Refused::Connections { limit, with }) => self.no_timer(t!(
                "timer-connections",
                title = title,
                limit = limit,
                with = with.join(", ")
            )),
        }
    }

    /// Takes timer `id` off; one recording is stopped (what it recorded is kept, finished).
    pub fn cancel_timer(&mut self, id: u64) -> bool {
        let Some(t) = self.timers.timers.get(id).cloned() else {
            return false;
        };
        if matches!(t.status, Status::Recording | Status::Finishing) {
            self.player.stop_stream(t.id);
            // Its outcome is still noted when the file is finished (`running` keeps it).
            self.timers
                .timers
                .finish(t.id, Status::Finishing, t.file.clone(), None);
        } else {
            self.timers.timers.remove(t.id);
        }
        self.timers.save();
        true
    }

    /// "Record top gear tonight": the programme showing now or next with those words.
    pub(super) fn record_programme(&mut self, title: &str, settings: &Settings) -> Outcome {
        let now = crate::time::unix_now();
        let best = self
            .soonest_showing(title, now, 50, false, settings)
            .map(|(c, p)| (c, p.start()));
        match best {
            Some((c, start)) => {
                if let Some(t) = self.timers.timers.find(&self.channel_identity(c), start) {
                    // Asked again: it stays set (saying it twice is not "cancel").
                    return Outcome::Timer {
                        set: true,
                        title: t.title.clone(),
                        channel: c,
                        start,
                        warning: None,
                    };
                }
                self.toggle_timer(c, start, now, settings)
            }
            None => Outcome::NoProgramme,
        }
    }

    /// The connections the source on server `pool` allows at once, when it says.
    fn connection_limit(&self, pool: &str) -> Option<u32> {
        let l = self.lineup.as_ref()?;
        l.connection_limits
            .iter()
            .find(|(p, _)| p == pool)
            .map(|(_, n)| *n)
    }

    fn no_timer(&mut self, why: String) -> Outcome {
        self.notice = Some((std::time::Instant::now(), why.clone()));
        Outcome::NoTimer(why)
    }

    /// Starts timer `t`'s recording; the file it goes to.
    pub fn start_timer(&mut self, t: &Timer, settings: &Settings) -> Result<PathBuf, String> {
        let i = self
            .lineup
            .as_ref()
            .and_then(|l| l.channels().iter().position(|c| c.identity() == t.channel))
            .ok_or_else(|| t!("timer-no-channel", channel = t.channel_name.clone()))?;
        let request = PlayRequest::from(self.channel(i).ok_or("no channel")?);
        let src = request
            .sources
            .first()
            .cloned()
            .ok_or_else(|| t!("timer-no-channel", channel = t.channel_name.clone()))?;
        // The provider's connections: the viewer's channel (on the same server) takes one.
        let limit = self.connection_limit(&t.pool);
        if let (Some(limit), Some(watching)) = (limit, self.current)
            && watching != i
            && self.archive.is_none()
            && self.replay.is_none()
            && self
                .channel(watching)
                .is_some_and(|c| pool_of(c.primary_url().unwrap_or_default()) == t.pool)
        {
            let mut channels: Vec<&str> = self
                .timers
                .timers
                .recording_on(&t.pool)
                .iter()
                .map(|r| r.channel.as_str())
                .collect();
            channels.push(&t.channel);
            channels.sort_unstable();
            channels.dedup();
            if channels.len() as u32 + 1 > limit {
                let name = self.channel(i).map(|c| c.name.clone()).unwrap_or_default();
                self.tune(i, settings);
                let why = t!("timer-switched", channel = name, limit = limit);
                self.notice = Some((std::time::Instant::now(), why));
            }
        }
        let local = t.start + i64::from(crate::time::local_offset(t.start));
        let stem = prism_core::timeshift::recording_stem(
            &t.channel_name,
            Some(&t.title),
            prism_core::timeshift::civil(local),
        );
        let path = free_stem(&settings.recordings_dir(), &stem);
        let buffers = prism_media::TimeshiftOptions {
            dir: crate::settings::cache_dir().join("timeshift"),
            limits: settings.stream.timeshift_limits(),
        };
        self.player.record_stream(t.id, &src, &path, buffers)?;
        Ok(prism_media::with_ext(&path, "mkv"))
    }
}
