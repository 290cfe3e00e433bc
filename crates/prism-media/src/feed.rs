//! A raw MPEG-TS channel's one upstream response, read on a thread of its own and handed to
//! every reader: the player, a recording (R) and a timer's. The viewer who tunes in to a
//! channel a timer is recording, or a recording that outlives a zap, reads the same
//! connection (a provider's `max_connections` is often one). The reading stops when the last
//! reader has gone or the stream ends. It is read at the pace the programme plays (after a
//! lead), so a server that sends faster (a file served as a channel) is read in time.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::scheduled::lock;

/// An MPEG-TS packet: readers get whole ones, so one joining late starts on a packet.
const PACKET: usize = 188;

pub(crate) struct RawFeed {
    /// The channel's URL as the player and the timers name it.
    url: String,
    readers: Mutex<Vec<Sender<Vec<u8>>>>,
    ended: AtomicBool,
}

/// A connection may run this many seconds of programme ahead of the clock (a live server's
/// start-up burst, which shows the picture sooner); past that, it is read in time.
const LEAD: f64 = 10.0;

/// While held to the pace, the stream is read in pieces this big: one big read of a
/// low-bitrate radio holds seconds, and its readers would hear nothing for that long.
const PACED_READ: usize = 8 * 1024;

/// The feeds running, by URL.
pub(crate) struct Feeds {
    running: Mutex<Vec<Weak<RawFeed>>>,
    lead: f64,
}

impl Default for Feeds {
    fn default() -> Self {
        Self {
            running: Mutex::default(),
            lead: LEAD,
        }
    }
}

impl Feeds {
    /// Starts reading `resp` (whose first bytes, already read, are `first`) for one reader,
    /// the one returned; more may join with [`Feeds::join`]. `cut` hears of a connection that
    /// broke (not one that ended).
    pub(crate) fn start(
        &self,
        url: &str,
        first: Vec<u8>,
        mut resp: impl Read + Send + 'static,
        cut: impl Fn() + Send + 'static,
    ) -> std::io::Result<Receiver<Vec<u8>>> {
        let (tx, rx) = channel();
        let feed = Arc::new(RawFeed {
            url: url.to_owned(),
            readers: Mutex::new(vec![tx]),
            ended: AtomicBool::new(false),
        });
        {
            let mut feeds = lock(&self.running);
            feeds.retain(|f| f.strong_count() > 0);
            feeds.push(Arc::downgrade(&feed));
        }
        let mut pace = prism_core::ts::Pace::new(self.lead);
        std::thread::Builder::new()
            .name("prism-raw-ts".into())
            .spawn(move || {
                let began = Instant::now();
                let mut carry = first;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let whole = carry.len() / PACKET * PACKET;
                    if whole > 0 {
                        let rest = carry.split_off(whole);
                        let chunk = std::mem::replace(&mut carry, rest);
                        let wait = pace.push(&chunk, began.elapsed().as_secs_f64());
                        if !feed.send(chunk) {
                            break;
                        }
                        if wait > 0.0 {
                            buf.truncate(PACED_READ);
                            if !feed.hold(Duration::from_secs_f64(wait)) {
                                break;
                            }
                        }
                    }
                    match resp.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => carry.extend_from_slice(&buf[..n]),
                        Err(_) => {
                            cut();
                            break;
                        }
                    }
                }
                feed.ended.store(true, Ordering::Relaxed);
                // The readers learn the stream ended.
                lock(&feed.readers).clear();
            })?;
        Ok(rx)
    }

    /// A new reader of the feed of `url`, if one is running.
    pub(crate) fn join(&self, url: &str) -> Option<Receiver<Vec<u8>>> {
        let feeds = lock(&self.running);
        let feed = feeds
            .iter()
            .filter_map(Weak::upgrade)
            .find(|f| f.url == url && !f.ended.load(Ordering::Relaxed))?;
        let (tx, rx) = channel();
        let mut readers = lock(&feed.readers);
        // Checked again under the readers' lock: the reading thread may have just stopped.
        if feed.ended.load(Ordering::Relaxed) || readers.is_empty() {
            return None;
        }
        readers.push(tx);
        Some(rx)
    }
}

impl Feeds {
    /// The feed of `url` went quiet (its server stopped sending but keeps the connection): no
    /// one joins it any more, and its readers are let go (they hear it ended).
    pub(crate) fn abandon(&self, url: &str) {
        for f in lock(&self.running).iter().filter_map(Weak::upgrade) {
            if f.url == url {
                f.ended.store(true, Ordering::Relaxed);
                lock(&f.readers).clear();
            }
        }
    }
}

impl RawFeed {
    /// Waits `wait` before reading on, or until no reader is left (so a quiet-looking wait
    /// never holds a provider's connection after its readers gave up on it); false then.
    fn hold(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        loop {
            if lock(&self.readers).is_empty() {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }

    /// Gives `chunk` to every reader; false when none is left.
    fn send(&self, chunk: Vec<u8>) -> bool {
        let mut readers = lock(&self.readers);
        let last = readers.len().saturating_sub(1);
        let mut chunk = Some(chunk);
        let mut i = 0;
        readers.retain(|tx| {
            let c = match i == last {
                true => chunk.take().unwrap_or_default(),
                false => chunk.clone().unwrap_or_default(),
            };
            i += 1;
            tx.send(c).is_ok()
        });
        !readers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet on PID 256 carrying PCR `seconds`.
    fn pcr_packet(seconds: f64) -> Vec<u8> {
        let base = (seconds * 90_000.0) as u64;
        let mut p = vec![0xffu8; PACKET];
        p[..6].copy_from_slice(&[0x47, 0x01, 0x00, 0x30, 7, 0x10]);
        p[6..11].copy_from_slice(&[
            (base >> 25) as u8,
            (base >> 17) as u8,
            (base >> 9) as u8,
            (base >> 1) as u8,
            ((base & 1) << 7) as u8 | 0x7e,
        ]);
        p[11] = 0;
        p
    }

    #[test]
    fn a_stream_sent_all_at_once_is_read_at_its_own_pace_after_the_lead() {
        let feeds = Feeds {
            lead: 0.5,
            ..Feeds::default()
        };
        // 3 s of programme (a PCR every 20 ms), there all at once.
        let data: Vec<u8> = (0..150).flat_map(|i| pcr_packet(i as f64 * 0.02)).collect();
        let began = Instant::now();
        let rx = feeds
            .start(
                "http://x/ts",
                Vec::new(),
                std::io::Cursor::new(data.clone()),
                || {},
            )
            .unwrap();
        let got: Vec<u8> = rx.iter().flatten().collect();
        let took = began.elapsed().as_secs_f64();
        assert_eq!(got, data, "all of it, in order");
        assert!(
            took >= 2.3,
            "read in {took:.2} s, not held to 3 s − 0.5 s of lead"
        );
    }

    #[test]
    fn every_reader_gets_whole_packets_and_the_reading_stops_with_the_last() {
        let feeds = Feeds::default();
        let data: Vec<u8> = (0..PACKET * 40).map(|i| (i % 251) as u8).collect();
        // Read slowly so a second reader joins midway.
        struct Slow(std::io::Cursor<Vec<u8>>);
        impl Read for Slow {
            fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                std::thread::sleep(std::time::Duration::from_millis(5));
                let n = b.len().min(1000);
                self.0.read(&mut b[..n])
            }
        }
        let first = data[..100].to_vec();
        let rx = feeds
            .start(
                "http://x/ts",
                first,
                Slow(std::io::Cursor::new(data[100..].to_vec())),
                || {},
            )
            .unwrap();
        let mut a = Vec::new();
        while a.len() < PACKET * 10 {
            let c = rx.recv().unwrap();
            assert!(c.len().is_multiple_of(PACKET));
            a.extend(c);
        }
        let late = feeds.join("http://x/ts").expect("running");
        assert!(feeds.join("http://y/ts").is_none());
        a.extend(rx.iter().flatten());
        let b: Vec<u8> = late.iter().flatten().collect();
        assert_eq!(a, data, "the first reader got it all");
        assert!(!b.is_empty() && b.len().is_multiple_of(PACKET));
        assert!(data.ends_with(&b), "the late one from a packet on");
        assert!(feeds.join("http://x/ts").is_none(), "ended");
    }
}
