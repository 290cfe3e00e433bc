//! Scheduled recordings ("timers"), set on a programme in the guide or by voice: each records
//! its channel from a little before the programme to a little after (the padding, fixed when
//! the timer is made), whether or not the window is on that channel. Everything that can be
//! decided without a player lives here: when a timer starts and stops, what a restart after a
//! crash resumes, and whether a new timer fits the provider's connection limit, checked when
//! it is made rather than discovered when it fails.

use serde::{Deserialize, Serialize};

/// At most this many timers are kept; finished ones go first.
pub const MAX: usize = 500;

/// Where a timer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for its window.
    #[default]
    Scheduled,
    /// Its recorder runs (or ran until Prism stopped: see [`Timers::after_restart`]).
    Recording,
    /// Its window ended: stopped, its file being finished.
    Finishing,
    /// Recorded; `file` is the recording.
    Done,
    /// It could not record; `why` says why (and `file` keeps what was recorded, if anything).
    Failed,
    /// Its whole window passed while Prism was not running.
    Missed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub id: u64,
    /// The channel's identity (`Channel::identity`): a provider's refresh keeps it.
    pub channel: String,
    /// The channel's name when it was set (for the file name and what is said).
    pub channel_name: String,
    pub title: String,
    /// The programme, Unix seconds.
    pub start: i64,
    pub stop: i64,
    /// Seconds recorded before the start and after the stop.
    #[serde(default)]
    pub pre: i64,
    #[serde(default)]
    pub post: i64,
    /// Which connection limit it counts against: the stream's server ([`pool_of`]).
    #[serde(default)]
    pub pool: String,
    #[serde(default)]
    pub status: Status,
    /// The recording's file (once it started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl Timer {
    /// What it records: padding included.
    pub fn window(&self) -> (i64, i64) {
        (self.start - self.pre.max(0), self.stop + self.post.max(0))
    }
    /// Still to record, or recording.
    pub fn active(&self) -> bool {
        matches!(
            self.status,
            Status::Scheduled | Status::Recording | Status::Finishing
        )
    }
    fn overlaps(&self, from: i64, to: i64) -> bool {
        let (a, b) = self.window();
        a < to && from < b
    }
}

/// What the viewer asks for: a programme on a channel, with the padding in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub channel: String,
    pub channel_name: String,
    pub title: String,
    pub start: i64,
    pub stop: i64,
    pub pre: i64,
    pub post: i64,
    pub pool: String,
}

/// Why a timer was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The programme (with its padding) is over.
    Over,
    /// That programme has a timer already.
    Already,
    /// The provider allows `limit` connections and `with` (titles) would be recording then.
    Connections { limit: u32, with: Vec<String> },
}

/// A timer made, and what it leaves of the provider's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    pub id: u64,
    /// While it records, every connection the provider allows is taken: only the channels
    /// being recorded can be watched (the TV switches to it when it starts, if need be).
    pub uses_last_connection: bool,
}

/// What a timer asks of the TV now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Its window began: start recording (its status is [`Status::Recording`] already).
    Start(Timer),
    /// Its window ended: stop and finish the file (its status is [`Status::Finishing`]).
    Stop(Timer),
    /// Its window passed unrecorded (Prism was not running).
    Missed(Timer),
}

/// The timers, soonest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timers {
    #[serde(default, rename = "timer")]
    list: Vec<Timer>,
}

/// The connection pool of a stream: its server (scheme, host and port). Xtream panels and
/// most providers count connections per account, which is one server for one source.
pub fn pool_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials are not part of the name (they would end up in the timers file).
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.to_ascii_lowercase()
}

impl Timers {
    pub fn list(&self) -> &[Timer] {
        &self.list
    }
    /// Timers still to record or recording (what the guide marks ●).
    pub fn active_count(&self) -> usize {
        self.list().iter().filter(|t| t.active()).count()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn get(&self, id: u64) -> Option<&Timer> {
        self.list.iter().find(|t| t.id == id)
    }

    /// The active timer for the programme on `channel` starting at `start`.
    pub fn find(&self, channel: &str, start: i64) -> Option<&Timer> {
        self.list
            .iter()
            .find(|t| t.active() && t.channel == channel && t.start == start)
    }

    /// Makes a timer, checking it against the others on the same connection pool: with the
    /// provider's `limit` (None or 0: unknown, not checked), the distinct channels recording
    /// at once never exceed it.
    pub fn add(&mut self, w: Wanted, now: i64, limit: Option<u32>) -> Result<Made, Refused> {
        let pre = w.pre.max(0);
        let post = w.post.max(0);
        if w.stop + post <= now || w.stop <= w.start {
            return Err(Refused::Over);
        }
        if self.find(&w.channel, w.start).is_some() {
            return Err(Refused::Already);
        }
        let (a, b) = (w.start - pre, w.stop + post);
        let mut uses_last_connection = false;
        if let Some(limit) = limit.filter(|l| *l > 0) {
            let others: Vec<&Timer> = self
                .list
                .iter()
                .filter(|t| t.active() && t.pool == w.pool && t.overlaps(a, b))
                .collect();
            // The most channels at once happens at some window's start inside [a, b).
            let mut worst: Vec<&Timer> = Vec::new();
            let mut worst_channels = 1;
            let starts =
                std::iter::once(a).chain(others.iter().map(|t| t.window().0).filter(|s| *s > a));
            for at in starts.filter(|s| *s < b) {
                let here: Vec<&Timer> = others
                    .iter()
                    .copied()
                    .filter(|t| t.overlaps(at, at + 1))
                    .collect();
                let mut channels: Vec<&str> = here.iter().map(|t| t.channel.as_str()).collect();
                channels.push(&w.channel);
                channels.sort_unstable();
                channels.dedup();
                if channels.len() > worst_channels || worst.is_empty() {
                    worst_channels = channels.len().max(worst_channels);
                    worst = here;
                }
            }
            if worst_channels > limit as usize {
                return Err(Refused::Connections {
                    limit,
                    with: worst.iter().map(|t| t.title.clone()).collect(),
                });
            }
            uses_last_connection = worst_channels == limit as usize;
        }
        let id = self.list.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        let t = Timer {
            id,
            channel: w.channel,
            channel_name: w.channel_name,
            title: w.title,
            start: w.start,
            stop: w.stop,
            pre,
            post,
            pool: w.pool,
            status: Status::Scheduled,
            file: None,
            why: None,
        };
        let at = self.list.partition_point(|x| x.window().0 <= a);
        self.list.insert(at, t);
        self.prune();
        Ok(Made {
            id,
            uses_last_connection,
        })
    }

    /// Takes a timer off (a recording one is stopped by the caller first); `true` if it was
    /// there.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.list.len();
        self.list.retain(|t| t.id != id);
        self.list.len() != before
    }

    /// Sets what became of a timer's recording.
    pub fn finish(&mut self, id: u64, status: Status, file: Option<String>, why: Option<String>) {
        if let Some(t) = self.list.iter_mut().find(|t| t.id == id) {
            t.status = status;
            if file.is_some() {
                t.file = file;
            }
            t.why = why;
        }
    }

    /// Notes the file a started timer records into.
    pub fn recording_into(&mut self, id: u64, file: String) {
        if let Some(t) = self.list.iter_mut().find(|t| t.id == id) {
            t.status = Status::Recording;
            t.file = Some(file);
        }
    }

    /// What is due at `now`: windows begun start (their status becomes `Recording`), windows
    /// ended stop, windows that passed entirely while Prism was closed are missed.
    pub fn due(&mut self, now: i64) -> Vec<Due> {
        let mut out = Vec::new();
        for t in &mut self.list {
            let (a, b) = t.window();
            match t.status {
                Status::Scheduled if b <= now => {
                    t.status = Status::Missed;
                    out.push(Due::Missed(t.clone()));
                }
                Status::Scheduled if a <= now => {
                    t.status = Status::Recording;
                    out.push(Due::Start(t.clone()));
                }
                Status::Recording if b <= now => {
                    t.status = Status::Finishing;
                    out.push(Due::Stop(t.clone()));
                }
                _ => {}
            }
        }
        out
    }

    /// After a start: a timer left `Recording` by a Prism that stopped (a crash, a power cut)
    /// records again if its window is still open (into a new file: the old one is kept and
    /// finished as an interrupted recording), else it failed. Returns the ones that failed.
    pub fn after_restart(&mut self, now: i64) -> Vec<Timer> {
        let mut failed = Vec::new();
        for t in &mut self.list {
            if !matches!(t.status, Status::Recording | Status::Finishing) {
                continue;
            }
            if t.window().1 > now {
                t.status = Status::Scheduled;
                // The window's start is past: `due` starts it at once.
            } else {
                t.status = Status::Failed;
                t.why = Some("Prism stopped while it was recording".into());
                failed.push(t.clone());
            }
        }
        failed
    }

    /// The channels recording at `now` on `pool` (their identities).
    pub fn recording_on(&self, pool: &str) -> Vec<&Timer> {
        self.list
            .iter()
            .filter(|t| t.status == Status::Recording && t.pool == pool)
            .collect()
    }

    /// Finished timers beyond [`MAX`] go, oldest first.
    fn prune(&mut self) {
        while self.list.len() > MAX {
            match self.list.iter().position(|t| !t.active()) {
                Some(i) => {
                    self.list.remove(i);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(channel: &str, title: &str, start: i64, stop: i64) -> Wanted {
        Wanted {
            channel: channel.into(),
            channel_name: channel.to_uppercase(),
            title: title.into(),
            start,
            stop,
            pre: 120,
            post: 300,
            pool: "panel.example:8080".into(),
        }
    }

    #[test]
    fn a_timer_starts_at_its_padded_window_and_stops_after_it() {
        let mut ts = Timers::default();
        let made = ts.add(want("a", "Match", 1000, 2000), 0, None).unwrap();
        assert_eq!(made.id, 1);
        assert!(ts.due(879).is_empty());
        let d = ts.due(880);
        assert!(
            matches!(&d[..], [Due::Start(t)] if t.title == "Match"),
            "{d:?}"
        );
        assert_eq!(ts.get(1).unwrap().status, Status::Recording);
        // Started once only.
        assert!(ts.due(1500).is_empty());
        assert!(ts.due(2299).is_empty());
        assert!(matches!(&ts.due(2300)[..], [Due::Stop(_)]));
        assert!(ts.due(2301).is_empty(), "stopped once");
        ts.finish(1, Status::Done, Some("/r/Match.mkv".into()), None);
        assert!(ts.due(5000).is_empty());
        assert_eq!(ts.get(1).unwrap().file.as_deref(), Some("/r/Match.mkv"));
    }

    #[test]
    fn a_programme_over_or_set_twice_is_refused() {
        let mut ts = Timers::default();
        assert_eq!(
            ts.add(want("a", "Old", 0, 100), 500, None),
            Err(Refused::Over)
        );
        // Over, but inside its post padding: still worth the end.
        assert!(ts.add(want("a", "Just ended", 0, 400), 500, None).is_ok());
        ts.add(want("a", "Match", 1000, 2000), 0, None).unwrap();
        assert_eq!(
            ts.add(want("a", "Match", 1000, 2000), 0, None),
            Err(Refused::Already)
        );
    }

    #[test]
    fn connection_limits_are_checked_when_the_timer_is_made() {
        let mut ts = Timers::default();
        ts.add(want("a", "News", 1000, 2000), 0, Some(2)).unwrap();
        // A second channel at once: fits two connections, and takes the last one.
        let m = ts.add(want("b", "Film", 1500, 3000), 0, Some(2)).unwrap();
        assert!(m.uses_last_connection);
        // A third channel overlapping both: refused, naming what would be recording.
        match ts.add(want("c", "Match", 1800, 2500), 0, Some(2)) {
            Err(Refused::Connections { limit: 2, with }) => {
                assert_eq!(with, vec!["News".to_string(), "Film".to_string()])
            }
            other => panic!("{other:?}"),
        }
        // The same channel as one recording: it shares that connection.
        assert!(
            ts.add(want("a", "Late news", 1900, 2600), 0, Some(2))
                .is_ok()
        );
        // Once both of channel a's windows (padding too) are over, a third channel fits.
        assert!(
            ts.add(want("c", "Late match", 2700, 3500), 0, Some(2))
                .is_err()
        );
        assert!(
            ts.add(want("c", "Late match", 3100, 3500), 0, Some(2))
                .is_ok()
        );
        // Another provider's server is another pool.
        let mut other = want("d", "Elsewhere", 1800, 2500);
        other.pool = "other.example".into();
        assert!(ts.add(other, 0, Some(2)).is_ok());
        // No limit known: nothing is refused.
        assert!(ts.add(want("e", "Free", 1800, 2500), 0, None).is_ok());
    }

    #[test]
    fn a_window_missed_while_closed_is_reported_and_a_crash_resumes_the_recording() {
        let mut ts = Timers::default();
        ts.add(want("a", "Gone", 1000, 2000), 0, None).unwrap();
        ts.add(want("b", "Running", 3000, 4000), 0, None).unwrap();
        assert!(matches!(&ts.due(2500)[..], [Due::Missed(t)] if t.title == "Gone"));
        assert!(matches!(&ts.due(3000)[..], [Due::Start(t)] if t.title == "Running"));
        ts.recording_into(2, "/r/Running.mkv".into());
        // Prism is killed; it starts again inside the window: recording resumes at once.
        let text = toml::to_string(&ts).unwrap();
        let mut back: Timers = toml::from_str(&text).unwrap();
        assert_eq!(back, ts, "{text}");
        assert!(back.after_restart(3500).is_empty());
        assert!(matches!(&back.due(3500)[..], [Due::Start(t)] if t.title == "Running"));
        // Started again after the window: it failed, and says why.
        let mut late: Timers = toml::from_str(&text).unwrap();
        let failed = late.after_restart(9000);
        assert_eq!(failed.len(), 1);
        assert_eq!(late.get(2).unwrap().status, Status::Failed);
        assert!(late.due(9000).is_empty());
    }

    #[test]
    fn pools_are_servers_without_credentials() {
        assert_eq!(
            pool_of("http://User:pw@Panel.example:8080/live/u/p/1.m3u8"),
            "panel.example:8080"
        );
        assert_eq!(pool_of("https://cdn.example/a.m3u8?t=1"), "cdn.example");
    }
}
