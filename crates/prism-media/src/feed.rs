//! A raw MPEG-TS channel's one upstream response, read on a thread of its own and handed to
//! every reader: the player, a recording (R) and a timer's. The viewer who tunes in to a
//! channel a timer is recording, or a recording that outlives a zap, reads the same
//! connection (a provider's `max_connections` is often one). The reading stops when the last
//! reader has gone or the stream ends.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, Weak};

use crate::scheduled::lock;

/// An MPEG-TS packet: readers get whole ones, so one joining late starts on a packet.
const PACKET: usize = 188;

pub(crate) struct RawFeed {
    /// The channel's URL as the player and the timers name it.
    url: String,
    readers: Mutex<Vec<Sender<Vec<u8>>>>,
    ended: AtomicBool,
}

/// The feeds running, by URL.
#[derive(Default)]
pub(crate) struct Feeds(Mutex<Vec<Weak<RawFeed>>>);

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
            let mut feeds = lock(&self.0);
            feeds.retain(|f| f.strong_count() > 0);
            feeds.push(Arc::downgrade(&feed));
        }
        std::thread::Builder::new()
            .name("prism-raw-ts".into())
            .spawn(move || {
                let mut carry = first;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let whole = carry.len() / PACKET * PACKET;
                    if whole > 0 {
                        let rest = carry.split_off(whole);
                        if !feed.send(std::mem::replace(&mut carry, rest)) {
                            break;
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
        let feeds = lock(&self.0);
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
        for f in lock(&self.0).iter().filter_map(Weak::upgrade) {
            if f.url == url {
                f.ended.store(true, Ordering::Relaxed);
                lock(&f.readers).clear();
            }
        }
    }
}

impl RawFeed {
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
