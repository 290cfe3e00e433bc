//! Reminders for programmes: set from the grid, the guide search or by voice ("remind me when
//! the news is on"), kept in the settings across restarts, and due a little before the
//! programme starts. A reminder names its channel by identity (`Channel::identity`), so a
//! provider's refresh that moves or renames the channel's URL keeps it.

use serde::{Deserialize, Serialize};

/// How long before the start a reminder is announced.
pub const LEAD_SECS: i64 = 60;

/// At most this many are kept (the soonest): a reminder list is not a recording schedule.
pub const MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The channel's identity.
    pub channel: String,
    /// The channel's name when it was set (what is said if the channel is gone).
    pub channel_name: String,
    pub title: String,
    /// Unix seconds.
    pub start: i64,
    pub stop: i64,
    /// Announced already (a minute before): only the switch at the start is left.
    #[serde(default)]
    pub announced: bool,
}

/// What a reminder asks of the TV now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// It starts within [`LEAD_SECS`]: say so.
    Soon(Reminder),
    /// It has started: time to watch it (the reminder is done).
    Now(Reminder),
}

/// The reminders, soonest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reminders(Vec<Reminder>);

impl Reminders {
    pub fn list(&self) -> &[Reminder] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a programme on `channel` starting at `start` has a reminder.
    pub fn has(&self, channel: &str, start: i64) -> bool {
        self.0
            .iter()
            .any(|r| r.channel == channel && r.start == start)
    }

    /// Sets a reminder for a programme that has not started at `now`; `false` when it has
    /// (nothing to remind of) or one is set already.
    pub fn set(&mut self, r: Reminder, now: i64) -> bool {
        if r.start <= now || self.has(&r.channel, r.start) {
            return false;
        }
        let at = self.0.partition_point(|x| x.start <= r.start);
        self.0.insert(at, r);
        self.0.truncate(MAX);
        true
    }

    /// Takes the reminder off; `true` when there was one.
    pub fn unset(&mut self, channel: &str, start: i64) -> bool {
        let before = self.0.len();
        self.0
            .retain(|r| !(r.channel == channel && r.start == start));
        self.0.len() != before
    }

    /// Set if it was not, off if it was: `Some(true)` set, `Some(false)` taken off, `None`
    /// when it could not be set (it has started).
    pub fn toggle(&mut self, r: Reminder, now: i64) -> Option<bool> {
        if self.unset(&r.channel, r.start) {
            return Some(false);
        }
        self.set(r, now).then_some(true)
    }

    /// What is due at `now`, soonest first: a programme starting within [`LEAD_SECS`] is
    /// announced once; one that has started is handed over and forgotten. One that ended
    /// while Prism was closed is dropped unannounced (it would send the viewer to the wrong
    /// programme).
    pub fn due(&mut self, now: i64) -> Vec<Due> {
        let mut out = Vec::new();
        self.0.retain_mut(|r| {
            if r.stop <= now {
                return false;
            }
            if r.start <= now {
                out.push(Due::Now(r.clone()));
                return false;
            }
            if !r.announced && r.start - LEAD_SECS <= now {
                r.announced = true;
                out.push(Due::Soon(r.clone()));
            }
            true
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(channel: &str, start: i64) -> Reminder {
        Reminder {
            channel: channel.into(),
            channel_name: channel.to_uppercase(),
            title: format!("at {start}"),
            start,
            stop: start + 1800,
            announced: false,
        }
    }

    #[test]
    fn set_toggle_and_order() {
        let mut rs = Reminders::default();
        assert!(rs.set(r("b", 2000), 0));
        assert!(rs.set(r("a", 1000), 0));
        assert!(!rs.set(r("a", 1000), 0), "set twice");
        assert!(!rs.set(r("c", 500), 600), "started already");
        assert_eq!(
            rs.list().iter().map(|x| x.start).collect::<Vec<_>>(),
            [1000, 2000]
        );
        assert_eq!(rs.toggle(r("a", 1000), 0), Some(false));
        assert!(!rs.has("a", 1000));
        assert_eq!(rs.toggle(r("a", 1000), 0), Some(true));
        assert_eq!(rs.toggle(r("z", 10), 20), None);
    }

    #[test]
    fn announced_a_minute_before_then_handed_over_at_the_start() {
        let mut rs = Reminders::default();
        rs.set(r("a", 1000), 0);
        rs.set(r("b", 5000), 0);
        assert!(rs.due(900).is_empty());
        let soon = rs.due(1000 - LEAD_SECS);
        assert!(matches!(&soon[..], [Due::Soon(x)] if x.channel == "a"));
        assert!(rs.due(970).is_empty(), "announced once");
        let now = rs.due(1001);
        assert!(matches!(&now[..], [Due::Now(x)] if x.channel == "a"));
        assert_eq!(rs.list().len(), 1);
        // Prism was closed through "b": dropped, never handed over late.
        assert!(rs.due(5000 + 1800).is_empty());
        assert!(rs.is_empty());
    }

    #[test]
    fn kept_in_settings_as_a_plain_list() {
        let mut rs = Reminders::default();
        rs.set(r("a", 1000), 0);
        let json = serde_json::to_string(&rs).unwrap();
        assert!(json.starts_with('['), "{json}");
        let back: Reminders = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rs);
        // Written before `announced` existed.
        let old: Reminders = serde_json::from_str(
            r#"[{"channel":"a","channel_name":"A","title":"t","start":1,"stop":2}]"#,
        )
        .unwrap();
        assert!(!old.list()[0].announced);
    }
}
