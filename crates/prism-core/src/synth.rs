//! Deterministic synthetic playlists and guides for benchmarks and tests, generated on the fly
//! so no large file is ever committed. The XMLTV generator is a [`Read`] that never holds more
//! than one programme in memory, so it can feed a 1 GB guide through the parser.

use std::io::Read;

use crate::epg::time::format_xmltv_time;

/// xorshift64*: tiny, fast, reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const BRANDS: &[&str] = &[
    "Nova", "Atlas", "Prime", "Vista", "Orbit", "Pulse", "Metro", "Royal", "Coast", "Summit",
    "Zenith", "Aurora", "Harbor", "Crown", "Echo", "Nordic", "Sierra", "Delta", "Lumen", "Polar",
];
const KINDS: &[&str] = &[
    "News", "Sports", "Movies", "Kids", "Music", "Docs", "Drama", "Comedy", "Weather", "Travel",
];
const GROUPS: &[&str] = &[
    "News",
    "Sports",
    "Movies",
    "Kids",
    "Music",
    "Documentary",
    "Entertainment",
    "UK",
    "US",
    "DE",
];
const WORDS: &[&str] = &[
    "the", "night", "city", "journey", "secret", "garden", "final", "ocean", "live", "story",
    "world", "kitchen", "wild", "inside", "hidden", "great", "river", "planet", "match", "show",
    "report", "morning", "evening", "cup",
];

/// Name of synthetic channel `i` ("Nova Sports 12").
pub fn channel_name(i: usize) -> String {
    format!(
        "{} {} {}",
        BRANDS[i % BRANDS.len()],
        KINDS[(i / BRANDS.len()) % KINDS.len()],
        i / (BRANDS.len() * KINDS.len()) + 1
    )
}

/// The XMLTV id of synthetic channel `i`.
pub fn channel_id(i: usize) -> String {
    format!("ch{i}.synthetic.tv")
}

/// An M3U playlist of `n` channels (~300 bytes each, like real provider lists), with a few
/// duplicate entries that must become backup streams.
pub fn m3u(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::with_capacity(n * 320 + 64);
    s.push_str("#EXTM3U url-tvg=\"http://epg.synthetic.tv/guide.xml.gz\" tvg-shift=0\n");
    for i in 0..n {
        let group = rng.pick(GROUPS);
        let name = channel_name(i);
        s.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"{}\" tvg-name=\"{}\" tvg-chno=\"{}\" tvg-logo=\"https://logos.synthetic.tv/l/{i}.png\" tvg-language=\"English\" group-title=\"{group}\" catchup=\"default\" catchup-days=\"3\",{name} HD\n",
            channel_id(i),
            name.replace(' ', "_"),
            i + 1,
        ));
        s.push_str(&format!(
            "http://live.synthetic.tv:8080/live/user{}/p{:08x}/{i}.m3u8?token={:016x}\n",
            i % 97,
            rng.next_u64() as u32,
            rng.next_u64()
        ));
    }
    s
}

/// Parameters of a synthetic XMLTV guide.
#[derive(Debug, Clone)]
pub struct XmltvSpec {
    pub channels: usize,
    /// First programme starts here (Unix seconds).
    pub start: i64,
    pub days: u32,
    /// Average programme length in minutes (lengths vary ±50%).
    pub avg_minutes: u32,
    /// Words of description per programme.
    pub desc_words: usize,
    pub seed: u64,
}

impl XmltvSpec {
    /// Roughly `bytes` of XMLTV for `channels` channels over `days` days.
    pub fn sized(bytes: u64, channels: usize, days: u32, start: i64) -> Self {
        // ~240 bytes of markup per programme plus ~10 a description word (measured).
        let mut spec = Self {
            channels,
            start,
            days,
            avg_minutes: 30,
            desc_words: 30,
            seed: 7,
        };
        let per_prog = 240 + 10 * spec.desc_words as u64;
        let progs = bytes / per_prog;
        let per_chan_day = (progs / (channels as u64 * u64::from(days))).max(1);
        spec.avg_minutes = (1440 / per_chan_day).clamp(5, 240) as u32;
        spec
    }

    pub fn reader(&self) -> XmltvReader {
        XmltvReader {
            spec: self.clone(),
            rng: Rng::new(self.seed),
            state: State::Header,
            buf: Vec::new(),
            pos: 0,
        }
    }
}

enum State {
    Header,
    Channel(usize),
    Programme { chan: usize, t: i64 },
    Footer,
    Done,
}

/// Streams a synthetic XMLTV document.
pub struct XmltvReader {
    spec: XmltvSpec,
    rng: Rng,
    state: State,
    buf: Vec<u8>,
    pos: usize,
}

impl XmltvReader {
    fn refill(&mut self) {
        use std::fmt::Write;
        let mut s = String::with_capacity(1024);
        let end = self.spec.start + i64::from(self.spec.days) * 86_400;
        self.state = match std::mem::replace(&mut self.state, State::Done) {
            State::Header => {
                s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n<tv generator-info-name=\"prism-synth\">\n");
                State::Channel(0)
            }
            State::Channel(i) if i < self.spec.channels => {
                let _ = write!(
                    s,
                    "  <channel id=\"{}\">\n    <display-name lang=\"en\">{}</display-name>\n    <icon src=\"https://logos.synthetic.tv/l/{i}.png\"/>\n  </channel>\n",
                    channel_id(i),
                    channel_name(i)
                );
                State::Channel(i + 1)
            }
            State::Channel(_) => State::Programme {
                chan: 0,
                t: self.spec.start,
            },
            State::Programme { chan, t } if chan < self.spec.channels => {
                let avg = i64::from(self.spec.avg_minutes) * 60;
                let len = (avg / 2 + (self.rng.next_u64() % avg.max(1) as u64) as i64).max(300)
                    / 300
                    * 300;
                let title_a = self.rng.pick(WORDS);
                let title_b = self.rng.pick(WORDS);
                let _ = write!(
                    s,
                    "  <programme start=\"{}\" stop=\"{}\" channel=\"{}\">\n    <title lang=\"en\">{} {} &amp; {}</title>\n    <sub-title lang=\"en\">Part {}</sub-title>\n    <desc lang=\"en\">",
                    format_xmltv_time(t),
                    format_xmltv_time(t + len),
                    channel_id(chan),
                    KINDS[chan / BRANDS.len() % KINDS.len()],
                    title_a,
                    title_b,
                    self.rng.below(12) + 1,
                );
                for w in 0..self.spec.desc_words {
                    if w > 0 {
                        s.push(' ');
                    }
                    s.push_str(self.rng.pick(WORDS));
                }
                let _ = write!(
                    s,
                    ".</desc>\n    <category lang=\"en\">{}</category>\n    <episode-num system=\"xmltv_ns\">{}.{}.</episode-num>\n  </programme>\n",
                    KINDS[chan % KINDS.len()],
                    self.rng.below(9),
                    self.rng.below(24),
                );
                let next = t + len;
                if next >= end {
                    State::Programme {
                        chan: chan + 1,
                        t: self.spec.start,
                    }
                } else {
                    State::Programme { chan, t: next }
                }
            }
            State::Programme { .. } => {
                s.push_str("</tv>\n");
                State::Footer
            }
            State::Footer | State::Done => State::Done,
        };
        self.buf.clear();
        self.buf.extend_from_slice(s.as_bytes());
        self.pos = 0;
    }
}

impl Read for XmltvReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if matches!(self.state, State::Done | State::Footer) && self.pos >= self.buf.len() {
                if matches!(self.state, State::Footer) {
                    self.state = State::Done;
                }
                return Ok(0);
            }
            self.refill();
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_sized() {
        let spec = XmltvSpec::sized(2_000_000, 50, 2, 1_700_000_000);
        let mut a = String::new();
        spec.reader().read_to_string(&mut a).unwrap();
        let mut b = String::new();
        spec.reader().read_to_string(&mut b).unwrap();
        assert_eq!(a, b);
        assert!(a.ends_with("</tv>\n"));
        let len = a.len() as f64;
        assert!((1_000_000.0..4_000_000.0).contains(&len), "{len}");
        assert!(m3u(100, 1).lines().count() == 201);
    }
}
