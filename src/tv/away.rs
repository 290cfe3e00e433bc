//! Coming back to a channel: what happened on it while the viewer was elsewhere, from the
//! guide (its buffer went with the zap, so there are no captions of that time to tell from).

use std::collections::HashMap;

use super::Tv;
use crate::t;

/// Away for less than this is a glance at another channel, not an absence.
const AWAY_AT_LEAST: i64 = 3 * 60;
/// Left longer ago than this is another evening: nothing to catch up on.
const AWAY_AT_MOST: i64 = 6 * 3600;
/// How long after coming back "what did I miss?" still answers with what changed.
const TOLD_FOR: i64 = 10 * 60;

/// When each channel was last left (Unix seconds), by position in the lineup.
#[derive(Debug, Default)]
pub struct Left(HashMap<usize, i64>);

/// The viewer came back to `channel` after an absence: what Lumen tells them.
#[derive(Debug, Clone, PartialEq)]
pub struct CameBack {
    pub channel: usize,
    /// When (Unix seconds, the wall clock's).
    pub at: i64,
    pub line: String,
}

impl Tv {
    /// After a zap from `from` to `to` at `now`: remembers when `from` was left, and on
    /// coming back to `to` after an absence, what changed on it.
    pub(crate) fn zapped(&mut self, from: Option<usize>, to: usize, now: i64) {
        if let Some(f) = from.filter(|&f| f != to) {
            self.left.0.insert(f, now);
        }
        self.came_back = self
            .left
            .0
            .remove(&to)
            .filter(|left| (AWAY_AT_LEAST..=AWAY_AT_MOST).contains(&(now - left)))
            .and_then(|left| {
                let line = self.away_line(to, left, now)?;
                Some(CameBack {
                    channel: to,
                    at: now,
                    line,
                })
            });
    }

    /// Before a command at `now`: a return long past is no longer news.
    pub(crate) fn came_back_expires(&mut self, now: i64) {
        self.came_back.take_if(|b| now - b.at > TOLD_FOR);
    }

    /// A new lineup: its positions are other channels.
    pub(crate) fn forget_left(&mut self) {
        self.left.0.clear();
        self.came_back = None;
    }

    /// "You were away from BBC One for 25 minutes: the News ended, and Match of the Day
    /// started at 20:30. Say "start over" to watch it from the beginning."
    fn away_line(&self, i: usize, left: i64, now: i64) -> Option<String> {
        let channel = self.channel(i)?;
        let guide = self.guide()?;
        let minutes = ((now - left) as f64 / 60.0).round() as u32;
        let was = guide.now_next(i, left).now;
        let is = guide.now_next(i, now).now;
        let name = channel.name.clone();
        let line = match (was, is) {
            (Some(was), Some(is)) if is.start() > left => {
                let started = t!(
                    "away-started",
                    channel = name,
                    minutes = minutes,
                    ended = was.title().to_owned(),
                    started = is.title().to_owned(),
                    time = crate::time::clock(is.start())
                );
                match channel.catchup.is_some() {
                    true => format!("{started} {}", t!("away-start-over")),
                    false => started,
                }
            }
            (_, Some(is)) => t!(
                "away-still-on",
                channel = name,
                minutes = minutes,
                title = is.title().to_owned()
            ),
            (_, None) => return None,
        };
        Some(line)
    }
}
