//! Reading a raw MPEG-TS channel as it streams (a provider's `.ts` URL is one endless HTTP
//! response): how many seconds of programme the bytes so far hold, from the stream's own clock
//! (the PCR), for a recording of such a channel. Packets may be split anywhere across pushes.

/// The length of an MPEG-TS packet.
pub const PACKET: usize = 188;

/// The PCR base runs at 90 kHz and wraps at 2^33.
const WRAP: f64 = (1u64 << 33) as f64 / 90_000.0;

/// A gap between two PCRs longer than this is a discontinuity (a server restart, a splice):
/// not counted as programme time.
const JUMP: f64 = 10.0;

/// Where a stream joined midway starts cleanly: at its next keyframe (a packet starting a
/// PES with the random-access flag), with the latest programme tables (PAT and PMT) put in
/// front, as a segmenter starts a segment. Returns (the tables, where the keyframe is); `None`:
/// not yet, more bytes needed. A stream that never flags keyframes starts at its first
/// table after 4 MB.
pub fn clean_start(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    clean_start_or(data, data.len() > 4 << 20)
}

/// As [`clean_start`], but with `give_up` a stream without a keyframe yet starts at its first
/// table (the player waits a few seconds for one, not 4 MB of a radio station).
pub fn clean_start_or(data: &[u8], give_up: bool) -> Option<(Vec<u8>, usize)> {
    let in_step = |i: usize| (0..3).all(|k| data.get(i + k * PACKET) == Some(&0x47));
    let first = (0..data.len().saturating_sub(2 * PACKET)).find(|&i| in_step(i))?;
    let (mut pat, mut pmt): (Option<&[u8]>, Option<&[u8]>) = (None, None);
    let mut pmt_pid = None;
    let mut first_pat = None;
    let mut i = first;
    while i + PACKET <= data.len() && data[i] == 0x47 {
        let p = &data[i..i + PACKET];
        let Header {
            pid,
            start,
            payload,
            random_access: keyframe,
            ..
        } = header(p);
        if pid == 0 && start {
            pat = Some(p);
            first_pat.get_or_insert(i);
            pmt_pid = pmt_pid_of(p, payload).or(pmt_pid);
        } else if Some(pid) == pmt_pid && start {
            pmt = Some(p);
        }
        if keyframe && let (Some(a), Some(b)) = (pat, pmt) {
            return Some(([a, b].concat(), i));
        }
        i += PACKET;
    }
    if give_up {
        return Some((Vec::new(), first_pat.unwrap_or(first)));
    }
    None
}

/// What a packet's header says.
struct Header {
    pid: u16,
    /// A PES or a table starts in it.
    start: bool,
    /// Where its payload starts.
    payload: usize,
    /// Its adaptation field carries a PCR.
    pcr: bool,
    /// A PES starts in it with the random-access flag set (a keyframe, or any audio frame).
    random_access: bool,
}

fn header(p: &[u8]) -> Header {
    let adaptation = p[3] & 0x20 != 0;
    let start = p[1] & 0x40 != 0;
    Header {
        pid: (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]),
        start,
        payload: match p[3] & 0x30 {
            0x10 => 4,
            0x30 => 5 + usize::from(p[4]),
            _ => PACKET,
        },
        pcr: adaptation && p[4] >= 7 && p[5] & 0x10 != 0,
        random_access: start && adaptation && p[4] > 0 && p[5] & 0x40 != 0,
    }
}

/// The PMT PID of the first programme a PAT packet names (its payload at `payload`).
fn pmt_pid_of(p: &[u8], payload: usize) -> Option<u16> {
    let at = payload + 1 + usize::from(*p.get(payload)?);
    let len = (usize::from(*p.get(at + 1)? & 0x0f) << 8) | usize::from(*p.get(at + 2)?);
    // Entries run from 8 bytes into the section to its CRC.
    let end = (at + 3 + len).saturating_sub(4).min(p.len());
    let mut e = at + 8;
    while e + 4 <= end {
        let program = (u16::from(p[e]) << 8) | u16::from(p[e + 1]);
        if program != 0 {
            return Some((u16::from(p[e + 2] & 0x1f) << 8) | u16::from(p[e + 3]));
        }
        e += 4;
    }
    None
}

/// Counts the seconds a stream's bytes cover by their PCR.
#[derive(Debug, Default, Clone)]
pub struct PcrClock {
    packets: Packets,
    /// The PID carrying the clock (the first seen with a PCR).
    pid: Option<u16>,
    last: Option<f64>,
    seconds: f64,
}

/// Splits a stream's bytes into whole packets across pushes, finding the sync byte again
/// where it was lost.
#[derive(Debug, Default, Clone)]
struct Packets {
    /// Bytes of a packet split across pushes.
    carry: Vec<u8>,
    /// Bytes skipped to find packet starts again.
    resynced: u64,
}

impl Packets {
    fn split(&mut self, mut data: &[u8], each: &mut impl FnMut(&[u8])) {
        if !self.carry.is_empty() {
            let take = (PACKET - self.carry.len()).min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.carry.len() < PACKET {
                return;
            }
            let packet = std::mem::take(&mut self.carry);
            if packet[0] == 0x47 {
                each(&packet);
            } else {
                // Lost sync: look again from the byte after.
                self.resynced += 1;
                let mut rest = packet[1..].to_vec();
                rest.extend_from_slice(data);
                return self.split(&rest, each);
            }
        }
        while !data.is_empty() {
            if data[0] != 0x47 {
                let skip = data.iter().position(|b| *b == 0x47).unwrap_or(data.len());
                self.resynced += skip as u64;
                data = &data[skip..];
                continue;
            }
            if data.len() < PACKET {
                self.carry.extend_from_slice(data);
                return;
            }
            each(&data[..PACKET]);
            data = &data[PACKET..];
        }
    }
}

impl PcrClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seconds of programme in the bytes pushed so far.
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    pub fn push(&mut self, data: &[u8]) {
        let mut packets = std::mem::take(&mut self.packets);
        packets.split(data, &mut |p| self.packet(p));
        self.packets = packets;
    }

    /// Bytes skipped to find packet starts again.
    pub fn resynced(&self) -> u64 {
        self.packets.resynced
    }

    fn packet(&mut self, p: &[u8]) {
        let Header { pid, pcr, .. } = header(p);
        if !pcr {
            return;
        }
        if *self.pid.get_or_insert(pid) != pid {
            return;
        }
        let t = pcr_seconds(p);
        if let Some(last) = self.last {
            let mut d = t - last;
            if d < -WRAP / 2.0 {
                d += WRAP;
            }
            if (0.0..JUMP).contains(&d) {
                self.seconds += d;
            }
        }
        self.last = Some(t);
    }
}

/// Holds one connection's reading to the pace its programme plays at. A server that sends
/// faster than that (a file served as a channel, a long start-up burst) would otherwise run
/// the buffer's live edge ahead of the clock and, when its answer ends, be asked again many
/// times a second. Up to `lead` seconds ahead is let through at once: a live server's burst,
/// which starts the picture sooner.
#[derive(Debug, Default)]
pub struct Pace {
    clock: PcrClock,
    began: Option<f64>,
    lead: f64,
}

impl Pace {
    pub fn new(lead: f64) -> Self {
        Self {
            lead,
            ..Self::default()
        }
    }

    /// Counts in `data`, read at `now` (seconds, on any steady clock); returns how many
    /// seconds to wait before reading on (0 at or behind the pace, and for a stream without
    /// a PCR, which cannot be paced).
    pub fn push(&mut self, data: &[u8], now: f64) -> f64 {
        let began = *self.began.get_or_insert(now);
        self.clock.push(data);
        (self.clock.seconds() - (now - began) - self.lead).max(0.0)
    }
}

/// A segment cut from a raw stream: whole packets, starting at a keyframe (or, for a stream
/// without pictures, at a PAT) with the programme tables in front.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub bytes: Vec<u8>,
    /// Seconds of programme, by the stream's clock (the wall clock's for a stream without a
    /// PCR).
    pub duration: f64,
}

/// A new connection whose clock is this far at most past the old one's end carries on its
/// timeline.
const RESUMED: f64 = 120.0;

/// The PCR's and PTS's 33-bit 90 kHz count wraps here.
const TICKS: i64 = 1 << 33;

/// A segment runs on to the next keyframe past this many seconds, however long its GOP.
const LONGEST: f64 = 10.0;
/// ... or to this many bytes (a stream whose clock never runs).
const BIGGEST: usize = 32 << 20;
/// A stream that flags no keyframe in this long is treated as one without pictures (radio):
/// cut at its tables.
const NO_PICTURES: f64 = 3.0;

/// Cuts a raw MPEG-TS channel (one endless response) into segments a live playlist can list,
/// as a segmenter does: each starts at a keyframe of the picture with the latest PAT and PMT
/// in front, so playback can start at any of them, and is at least `target` seconds long.
/// Its time-shift buffer is made of them. Packets may be split anywhere across pushes.
///
/// Its clock never jumps: where the stream's does (a looping channel, an encoder restart, a
/// new connection to a stream that started over), every PCR, PTS and DTS from there on is
/// moved to carry on from the last, so the buffer is one timeline (hlsdemux2 given a jump,
/// even one announced, lost its seek range; a recording plays straight through).
#[derive(Debug, Clone)]
pub struct Cutter {
    target: f64,
    packets: Packets,
    pat: Option<Vec<u8>>,
    pmt: Option<Vec<u8>>,
    pmt_pid: Option<u16>,
    /// The picture's PID, once the PMT named one: only its keyframes start segments (a muxer
    /// may flag every audio frame as one).
    video_pid: Option<u16>,
    pcr_pid: Option<u16>,
    last_pcr: Option<f64>,
    /// Programme seconds so far, by the PCR.
    clock: f64,
    /// Seconds by the caller's wall clock, for a stream without a PCR.
    wall: f64,
    /// The segment being filled (empty until the stream's first clean start).
    current: Vec<u8>,
    /// `clock` and `wall` where it began.
    began: (f64, f64),
    /// Where the search for a clean start began (`clock`, `wall`), and the bytes it passed.
    searching: Option<(f64, f64, usize)>,
    last_keyframe: Option<f64>,
    /// 90 kHz ticks added to every PCR, PTS and DTS (mod 2^33), so the clock carries on
    /// across jumps.
    offset: i64,
    /// The last PCR step that was not a jump (seconds): a jump is bridged by one of these.
    step: f64,
    /// After a new connection, the clock the old one ended on: if the new one's carries on
    /// from it (the same live timeline, a few seconds missed), the stream is not
    /// discontinuous, only short of those seconds.
    resumed_from: Option<f64>,
    /// `current` is the old connection's last segment, held until the new one's first clean
    /// start ends it (its length then counts the seconds missed in between).
    held: bool,
}

impl Cutter {
    pub fn new(target: f64) -> Self {
        Self {
            target,
            packets: Packets::default(),
            pat: None,
            pmt: None,
            pmt_pid: None,
            video_pid: None,
            pcr_pid: None,
            last_pcr: None,
            clock: 0.0,
            wall: 0.0,
            current: Vec::new(),
            began: (0.0, 0.0),
            searching: None,
            last_keyframe: None,
            offset: 0,
            step: 0.04,
            resumed_from: None,
            held: false,
        }
    }

    /// Takes the next bytes, which arrived `wall` seconds into the stream; returns the
    /// segments they completed.
    pub fn push(&mut self, data: &[u8], wall: f64) -> Vec<Cut> {
        self.wall = wall;
        let mut out = Vec::new();
        let mut packets = std::mem::take(&mut self.packets);
        packets.split(data, &mut |p| self.packet(p, &mut out));
        self.packets = packets;
        out
    }

    /// The bytes of the segment being filled so far (empty before the first clean start):
    /// the segment it becomes starts with them. A player at the live edge is sent them as
    /// they come.
    pub fn pending(&self) -> &[u8] {
        &self.current
    }

    /// The segment being filled, as it is (the stream ended for good).
    pub fn finish(&mut self) -> Option<Cut> {
        self.held = false;
        self.cut()
    }

    /// A new connection follows. The segment being filled is held until the new stream's
    /// first clean start ends it. If the new clock carries on the old timeline, the held
    /// segment's length takes in the seconds missed (the playlist's times stay the stream's);
    /// if it started over, it is moved on to carry on from the old one.
    pub fn restart(&mut self) {
        let old = std::mem::replace(self, Self::new(self.target));
        self.clock = old.clock;
        self.wall = old.wall;
        self.resumed_from = old.last_pcr;
        self.offset = old.offset;
        self.step = old.step;
        if !old.current.is_empty() {
            self.current = old.current;
            self.began = old.began;
            self.held = true;
        }
    }

    /// The segment being filled, ended here.
    fn cut(&mut self) -> Option<Cut> {
        if self.current.is_empty() {
            return None;
        }
        let by_clock = self.clock - self.began.0;
        let duration = if self.last_pcr.is_some() && by_clock > 0.0 {
            by_clock
        } else {
            self.wall - self.began.1
        };
        Some(Cut {
            bytes: std::mem::take(&mut self.current),
            duration: duration.max(0.0),
        })
    }

    fn begin(&mut self, tables: bool, p: &[u8]) {
        self.current.clear();
        if tables && let (Some(pat), Some(pmt)) = (&self.pat, &self.pmt) {
            self.current.extend_from_slice(pat);
            self.current.extend_from_slice(pmt);
        }
        self.current.extend_from_slice(p);
        self.began = (self.clock, self.wall);
    }

    fn packet(&mut self, p: &[u8], out: &mut Vec<Cut>) {
        let mut q = [0u8; PACKET];
        q.copy_from_slice(p);
        let p = &mut q;
        let Header {
            pid,
            start,
            payload,
            pcr,
            random_access,
        } = header(p.as_slice());
        if pid == 0 && start {
            self.pat = Some(p.to_vec());
            self.pmt_pid = pmt_pid_of(p, payload).or(self.pmt_pid);
        } else if Some(pid) == self.pmt_pid && start {
            self.pmt = Some(p.to_vec());
            if let Some(v) = video_pid_of(p, payload) {
                self.video_pid = Some(v);
            }
        }
        if pcr && *self.pcr_pid.get_or_insert(pid) == pid {
            let raw = pcr_base(p);
            let mut t = ticks_seconds(raw + self.offset);
            if let Some(before) = self.resumed_from.take() {
                // A new connection: the server's clock ran on while we reconnected (the same
                // timeline, short of the seconds missed, which the held segment takes in), or
                // it started over (moved on to carry on from the old one).
                let d = forward(t - before);
                if (0.0..RESUMED).contains(&d) {
                    self.clock += d;
                } else {
                    self.bridge(raw, before);
                    t = ticks_seconds(raw + self.offset);
                }
            } else if let Some(last) = self.last_pcr {
                let d = forward(t - last);
                if (0.0..JUMP).contains(&d) {
                    self.clock += d;
                    if d > 0.0 {
                        self.step = d.min(0.5);
                    }
                } else {
                    // A jump: the clock carries on one step after the last.
                    self.bridge(raw, last);
                    t = ticks_seconds(raw + self.offset);
                    self.clock += self.step;
                }
            }
            self.last_pcr = Some(t);
        }
        if self.offset != 0 {
            shift_times(p, self.offset, payload);
        }
        let p = &*p;
        let keyframe = random_access && self.video_pid.is_none_or(|v| v == pid);
        if keyframe {
            self.last_keyframe = Some(self.clock);
        }
        let table = pid == 0 && start;
        let tables_known = self.pat.is_some() && self.pmt.is_some();
        if self.current.is_empty() || self.held {
            // Looking for the first clean start: a keyframe with the tables known, or, when
            // none comes for a while, the next PAT.
            let (c, w, bytes) = *self.searching.get_or_insert((self.clock, self.wall, 0));
            self.searching = Some((c, w, bytes + PACKET));
            let waited = (self.clock - c).max(self.wall - w);
            // After a new connection, its first segment waits (a second at most) for the
            // clock that says whether it carries on the old timeline.
            if self.resumed_from.is_some() && waited < 1.0 {
                return;
            }
            let clean = if keyframe && tables_known {
                Some(true)
            } else if table && (waited >= NO_PICTURES || bytes > 4 << 20) {
                Some(false)
            } else {
                None
            };
            if let Some(tables) = clean {
                if std::mem::take(&mut self.held) {
                    out.extend(self.cut());
                }
                self.begin(tables, p);
                self.searching = None;
            }
            return;
        }
        let now = if self.last_pcr.is_some() {
            self.clock - self.began.0
        } else {
            self.wall - self.began.1
        };
        let pictures = self
            .last_keyframe
            .is_some_and(|k| self.clock - k < LONGEST + NO_PICTURES);
        let cut_here = (now >= self.target && keyframe && tables_known)
            || (now >= self.target && !pictures && table)
            || (now >= LONGEST && table)
            || self.current.len() >= BIGGEST;
        if cut_here {
            out.extend(self.cut());
            self.begin(keyframe, p);
        } else {
            self.current.extend_from_slice(p);
        }
    }
}

impl Cutter {
    /// Moves the clock on so that the PCR `raw` (its base, 90 kHz) comes one step after
    /// `last` (seconds, as sent).
    fn bridge(&mut self, raw: i64, last: f64) {
        let want = ((last + self.step) * 90_000.0).round() as i64;
        self.offset = (want - raw).rem_euclid(TICKS);
    }
}

/// A time difference read forward across the 33-bit wrap.
fn forward(d: f64) -> f64 {
    if d < -WRAP / 2.0 { d + WRAP } else { d }
}

/// A 90 kHz count (any integer) as seconds on the wrapping clock.
fn ticks_seconds(t: i64) -> f64 {
    t.rem_euclid(TICKS) as f64 / 90_000.0
}

/// A PCR packet's base (90 kHz).
fn pcr_base(p: &[u8]) -> i64 {
    (i64::from(p[6]) << 25)
        | (i64::from(p[7]) << 17)
        | (i64::from(p[8]) << 9)
        | (i64::from(p[9]) << 1)
        | (i64::from(p[10]) >> 7)
}

/// Adds `offset` ticks to a packet's PCR and, at a PES start, its PTS and DTS.
fn shift_times(p: &mut [u8; PACKET], offset: i64, payload: usize) {
    if header(p.as_slice()).pcr {
        let base = (pcr_base(p) + offset).rem_euclid(TICKS);
        p[6] = (base >> 25) as u8;
        p[7] = (base >> 17) as u8;
        p[8] = (base >> 9) as u8;
        p[9] = (base >> 1) as u8;
        p[10] = (p[10] & 0x7f) | (((base & 1) as u8) << 7);
    }
    let start = p[1] & 0x40 != 0;
    let Some(h) = p.get(payload..payload + 14) else {
        return;
    };
    // A PES header with the optional fields (not padding or private stream 2 and the like).
    if !start
        || h[..3] != [0, 0, 1]
        || matches!(h[3], 0xbc | 0xbe | 0xbf | 0xf0..=0xf2 | 0xf8 | 0xff)
    {
        return;
    }
    let flags = h[7] >> 6;
    let mut put = |at: usize| {
        let Some(b) = p.get_mut(at..at + 5) else {
            return;
        };
        let t = (i64::from(b[0] & 0x0e) << 29)
            | (i64::from(b[1]) << 22)
            | (i64::from(b[2] >> 1) << 15)
            | (i64::from(b[3]) << 7)
            | i64::from(b[4] >> 1);
        let t = (t + offset).rem_euclid(TICKS);
        b[0] = (b[0] & 0xf1) | (((t >> 29) as u8) & 0x0e);
        b[1] = (t >> 22) as u8;
        b[2] = (((t >> 14) as u8) & 0xfe) | 1;
        b[3] = (t >> 7) as u8;
        b[4] = (((t << 1) as u8) & 0xfe) | 1;
    };
    if flags & 2 != 0 {
        put(payload + 9);
    }
    if flags == 3 {
        put(payload + 14);
    }
}

/// A PCR packet's time in seconds (its base and extension).
fn pcr_seconds(p: &[u8]) -> f64 {
    let base = (u64::from(p[6]) << 25)
        | (u64::from(p[7]) << 17)
        | (u64::from(p[8]) << 9)
        | (u64::from(p[9]) << 1)
        | (u64::from(p[10]) >> 7);
    let ext = (u64::from(p[10] & 1) << 8) | u64::from(p[11]);
    base as f64 / 90_000.0 + ext as f64 / 27_000_000.0
}

/// The first picture stream a PMT packet names (its payload at `payload`).
fn video_pid_of(p: &[u8], payload: usize) -> Option<u16> {
    let at = payload + 1 + usize::from(*p.get(payload)?);
    if *p.get(at)? != 0x02 {
        return None;
    }
    let len = (usize::from(*p.get(at + 1)? & 0x0f) << 8) | usize::from(*p.get(at + 2)?);
    let end = (at + 3 + len).saturating_sub(4).min(p.len());
    let info = (usize::from(*p.get(at + 10)? & 0x0f) << 8) | usize::from(*p.get(at + 11)?);
    let mut e = at + 12 + info;
    while e + 5 <= end {
        let kind = p[e];
        let pid = (u16::from(p[e + 1] & 0x1f) << 8) | u16::from(p[e + 2]);
        // MPEG-1/2, MPEG-4 part 2, H.264, HEVC, VVC, AVS, VC-1, Dirac.
        if matches!(
            kind,
            0x01 | 0x02 | 0x10 | 0x1b | 0x24 | 0x33 | 0x42 | 0xd1 | 0xea
        ) {
            return Some(pid);
        }
        e += 5 + ((usize::from(p[e + 3] & 0x0f) << 8) | usize::from(p[e + 4]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet on `pid` carrying PCR `seconds` (base only), or plain payload.
    fn packet(pid: u16, pcr: Option<f64>) -> Vec<u8> {
        let mut p = vec![0xffu8; PACKET];
        p[0] = 0x47;
        p[1] = (pid >> 8) as u8 & 0x1f;
        p[2] = pid as u8;
        match pcr {
            Some(s) => {
                let base = ((s * 90_000.0) as u64) & ((1 << 33) - 1);
                p[3] = 0x30;
                p[4] = 7;
                p[5] = 0x10;
                p[6] = (base >> 25) as u8;
                p[7] = (base >> 17) as u8;
                p[8] = (base >> 9) as u8;
                p[9] = (base >> 1) as u8;
                p[10] = ((base & 1) << 7) as u8 | 0x7e;
                p[11] = 0;
            }
            None => p[3] = 0x10,
        }
        p
    }

    #[test]
    fn seconds_come_from_the_pcr_across_any_split() {
        let mut stream = Vec::new();
        for i in 0..=100 {
            stream.extend(packet(256, Some(10.0 + i as f64 * 0.1)));
            stream.extend(packet(257, None));
            // Another PID's PCR is not the clock.
            stream.extend(packet(300, Some(5000.0)));
        }
        for split in [1, 7, 188, 1000, stream.len()] {
            let mut c = PcrClock::new();
            for chunk in stream.chunks(split) {
                c.push(chunk);
            }
            assert!(
                (c.seconds() - 10.0).abs() < 0.001,
                "{split}: {}",
                c.seconds()
            );
            assert_eq!(c.resynced(), 0);
        }
    }

    #[test]
    fn a_stream_sent_faster_than_it_plays_is_held_to_its_pace_after_the_lead() {
        // 30 s of programme, PCR every 0.1 s, all at once: after 4 s of lead, a wait.
        let mut pace = Pace::new(4.0);
        let mut waits = Vec::new();
        for i in 0..=300 {
            let chunk = packet(256, Some(50.0 + i as f64 * 0.1));
            waits.push(pace.push(&chunk, 1000.0));
        }
        assert!(waits[..=40].iter().all(|w| *w == 0.0), "{waits:?}");
        assert!((waits[300] - 26.0).abs() < 0.01, "{}", waits[300]);
        // Read in time (each 0.1 s of programme at 0.1 s of wall clock): never a wait.
        let mut pace = Pace::new(0.5);
        for i in 0..=300 {
            let chunk = packet(256, Some(50.0 + i as f64 * 0.1));
            assert_eq!(pace.push(&chunk, 7.0 + i as f64 * 0.1), 0.0);
        }
        // No clock, no pace: a stream without a PCR is never held.
        let mut pace = Pace::new(0.0);
        assert_eq!(pace.push(&packet(256, None).repeat(1000), 0.0), 0.0);
    }

    #[test]
    fn a_stream_joined_midway_starts_at_its_next_keyframe_with_its_tables() {
        // A PAT naming program 1's PMT on PID 4096, and that PMT.
        let mut pat = vec![0xffu8; PACKET];
        pat[..4].copy_from_slice(&[0x47, 0x40, 0x00, 0x10]);
        pat[4..17].copy_from_slice(&[
            0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00,
        ]);
        let mut pmt = packet(4096, None);
        pmt[1] |= 0x40;
        let mut key = packet(256, Some(1.2));
        key[1] |= 0x40;
        key[5] |= 0x40;
        let mut stream = b"tail of a packet".to_vec();
        stream.extend(packet(256, Some(1.0)));
        stream.extend(&pat);
        stream.extend(&pmt);
        stream.extend(packet(257, None));
        stream.extend(packet(256, Some(1.1)));
        let at = stream.len();
        stream.extend(&key);
        stream.extend(packet(257, None));
        stream.extend(packet(257, None));
        let (tables, start) = clean_start(&stream).expect("a clean start");
        assert_eq!(start, at);
        assert_eq!(tables, [pat.clone(), pmt.clone()].concat());
        // Not enough yet to tell.
        assert_eq!(clean_start(&stream[..at]), None);
    }

    #[test]
    fn a_wrap_counts_and_a_jump_or_garbage_does_not() {
        let mut c = PcrClock::new();
        let near_wrap = WRAP - 1.0;
        c.push(&packet(256, Some(near_wrap)));
        c.push(&packet(256, Some(near_wrap + 0.5)));
        // Wrapped: 0.5 s later.
        c.push(&packet(256, Some(0.0)));
        assert!((c.seconds() - 1.0).abs() < 0.001, "{}", c.seconds());
        // A server restart: the clock jumps an hour; the next second counts again.
        c.push(&packet(256, Some(3600.0)));
        c.push(b"garbage between packets");
        c.push(&packet(256, Some(3601.0)));
        assert!((c.seconds() - 2.0).abs() < 0.001, "{}", c.seconds());
        assert!(c.resynced() > 0);
    }

    /// A PAT naming program 1's PMT on PID 4096, and that PMT: H.264 on 256, AAC on 257.
    fn tables() -> (Vec<u8>, Vec<u8>) {
        let mut pat = vec![0xffu8; PACKET];
        pat[..4].copy_from_slice(&[0x47, 0x40, 0x00, 0x10]);
        pat[4..17].copy_from_slice(&[
            0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00,
        ]);
        let mut pmt = vec![0xffu8; PACKET];
        pmt[..4].copy_from_slice(&[0x47, 0x50, 0x00, 0x10]);
        pmt[4..32].copy_from_slice(&[
            0x00, 0x02, 0xb0, 0x17, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe1, 0x00, 0xf0, 0x00, 0x1b,
            0xe1, 0x00, 0xf0, 0x00, 0x0f, 0xe1, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0xff,
        ]);
        (pat, pmt)
    }

    /// `seconds` of a stream at 10 packets a second: PCR on every video packet, tables each
    /// half second, a keyframe each `gop` s, and every audio packet flagged random-access (as
    /// some muxers do); without `video`, sound only.
    fn stream(seconds: f64, gop: f64, video: bool) -> (Vec<u8>, Vec<usize>) {
        let (pat, pmt) = tables();
        let mut out = Vec::new();
        let mut keyframes = Vec::new();
        let ticks = (seconds * 10.0) as usize;
        let per_gop = (gop * 10.0).round() as usize;
        for i in 0..ticks {
            let t = 100.0 + i as f64 * 0.1;
            if i % 5 == 0 {
                out.extend(&pat);
                out.extend(&pmt);
            }
            let mut v = packet(if video { 256 } else { 257 }, Some(t));
            if video && i % per_gop == 0 {
                v[1] |= 0x40;
                v[5] |= 0x40;
                keyframes.push(out.len());
            }
            out.extend(v);
            let mut a = packet(257, Some(0.0));
            a[1] |= 0x40;
            a[5] = 0x40; // random access, no PCR
            out.extend(a);
        }
        (out, keyframes)
    }

    #[test]
    fn a_raw_stream_is_cut_at_its_picture_keyframes_with_its_tables_in_front() {
        let (pat, pmt) = tables();
        let (data, keyframes) = stream(20.0, 1.5, true);
        for split in [1, 100, 188, 4096, data.len()] {
            let mut c = Cutter::new(2.0);
            let mut cuts = Vec::new();
            for (i, chunk) in data.chunks(split).enumerate() {
                cuts.extend(c.push(chunk, i as f64));
            }
            // 1.5 s GOPs, at least 2 s each: 3 s segments from the first keyframe on.
            assert!(cuts.len() >= 5, "{split}: {}", cuts.len());
            for cut in &cuts {
                assert!(cut.bytes.starts_with(&[pat.clone(), pmt.clone()].concat()));
                let key = &cut.bytes[2 * PACKET..3 * PACKET];
                assert_eq!(key[5] & 0x40, 0x40, "a keyframe after the tables");
                assert_eq!(key[2], 0, "of the picture (PID 256)");
                assert!((cut.duration - 3.0).abs() < 0.15, "{}", cut.duration);
                assert!(cut.bytes.len().is_multiple_of(PACKET));
            }
            // What was pending is where each segment began.
            let mut c2 = Cutter::new(2.0);
            let mut pending = Vec::new();
            for chunk in data.chunks(split.max(4096)) {
                if let Some(cut) = c2.push(chunk, 0.0).first() {
                    assert!(cut.bytes.starts_with(&pending));
                }
                pending = c2.pending().to_vec();
            }
            // Together they are the stream from its first keyframe on (tables added).
            let joined: usize = cuts.iter().map(|c| c.bytes.len() - 2 * PACKET).sum();
            let last = c.finish().expect("the rest");
            assert!(last.duration > 0.0);
            assert_eq!(
                joined + last.bytes.len() - 2 * PACKET,
                data.len() - keyframes[0],
                "{split}"
            );
        }
    }

    #[test]
    fn a_stream_without_pictures_is_cut_at_its_tables_and_a_new_connection_carries_its_clock_on() {
        let (pat, _) = tables();
        let (data, _) = stream(12.0, 1.0, false);
        let mut c = Cutter::new(2.0);
        let cuts = c.push(&data, 0.0);
        // No keyframe for 3 s: it starts at a PAT, then one every 2 s.
        assert!(cuts.len() >= 3, "{}", cuts.len());
        for cut in &cuts {
            assert!(cut.bytes.starts_with(&pat));
            assert!((cut.duration - 2.0).abs() < 0.15, "{}", cut.duration);
        }
        // The stream started over (its clock back at 100 s): the last segment of the old one
        // ends where the new one starts, and the new one's clock carries on from it.
        c.restart();
        let (more, _) = stream(8.0, 1.0, true);
        let cuts = c.push(&more, 20.0);
        assert!(cuts[0].bytes.starts_with(&pat));
        let pcrs = pcrs_of(
            &cuts
                .iter()
                .flat_map(|c| c.bytes.clone())
                .collect::<Vec<u8>>(),
        );
        assert!(pcrs[0] > 111.0, "carried on from 111.9 s: {:?}", &pcrs[..3]);
        assert!(pcrs.windows(2).all(|w| (0.0..0.2).contains(&(w[1] - w[0]))));
        // A new connection to the same live timeline (its clock on from where it was): none.
        let mut c = Cutter::new(2.0);
        let (a, _) = stream(6.0, 1.0, true);
        c.push(&a, 0.0);
        c.restart();
        let (b, _) = stream(20.0, 1.0, true);
        let cuts = c.push(&b[b.len() / 2..], 10.0);
        assert!(!cuts.is_empty());
        // Its clock as it was: nothing moved.
        let pcrs = pcrs_of(&cuts[1].bytes);
        assert!((pcrs[0] - 110.0).abs() < 0.05, "{:?}", &pcrs[..3]);
        // The old connection's last segment (from 104 s) ran to 105.9 s; the new one's first
        // keyframe is at 110 s: the missed seconds are in its length, so the times add up.
        assert!(
            (cuts[0].duration - 6.0).abs() < 0.05,
            "{}",
            cuts[0].duration
        );
    }

    /// The PCRs (seconds) of a stream's packets, in order.
    fn pcrs_of(data: &[u8]) -> Vec<f64> {
        data.chunks(PACKET)
            .filter(|p| header(p).pcr)
            .map(pcr_seconds)
            .collect()
    }

    #[test]
    fn a_jump_of_the_clock_is_carried_over_pcr_pts_and_dts_alike() {
        // A looping channel: 6 s, then the same 6 s again (its clock back at 100 s), with a
        // PES start carrying a PTS and DTS after the jump.
        let (a, _) = stream(6.0, 1.0, true);
        let mut pes = packet(257, None);
        pes[1] |= 0x40;
        // 00 00 01 C0, length, flags: PTS and DTS, header length 10; PTS 100.5 s, DTS 100.4 s.
        let stamp = |prefix: u8, t: i64| {
            [
                prefix << 4 | ((t >> 29) as u8 & 0x0e) | 1,
                (t >> 22) as u8,
                ((t >> 14) as u8 & 0xfe) | 1,
                (t >> 7) as u8,
                ((t << 1) as u8 & 0xfe) | 1,
            ]
        };
        pes[4..13].copy_from_slice(&[0, 0, 1, 0xc0, 0, 0, 0x80, 0xc0, 10]);
        pes[13..18].copy_from_slice(&stamp(3, 9_045_000));
        pes[18..23].copy_from_slice(&stamp(1, 9_036_000));
        let mut again = a.clone();
        again.extend(&pes);
        let mut c = Cutter::new(2.0);
        let mut cuts = c.push(&a, 0.0);
        cuts.extend(c.push(&again, 6.0));
        cuts.extend(c.finish());
        let out: Vec<u8> = cuts.iter().flat_map(|c| c.bytes.clone()).collect();
        let pcrs = pcrs_of(&out);
        assert!(
            pcrs.windows(2).all(|w| (0.0..0.2).contains(&(w[1] - w[0]))),
            "one clock throughout"
        );
        // No time is lost or made up: 5.9 s each time round, and the step between.
        let total: f64 = cuts.iter().map(|c| c.duration).sum();
        assert!((total - 11.9).abs() < 0.15, "{total}");
        // The PES after the jump moved as its clock did (+6 s).
        let moved = out
            .chunks(PACKET)
            .rev()
            .find(|p| p[4..8] == [0, 0, 1, 0xc0])
            .expect("the PES");
        let read = |b: &[u8]| {
            (i64::from(b[0] & 0x0e) << 29)
                | (i64::from(b[1]) << 22)
                | (i64::from(b[2] >> 1) << 15)
                | (i64::from(b[3]) << 7)
                | i64::from(b[4] >> 1)
        };
        let (pts, dts) = (read(&moved[13..18]), read(&moved[18..23]));
        assert!((pts as f64 / 90_000.0 - 106.5).abs() < 0.05, "{pts}");
        assert_eq!(pts - dts, 9_000, "their distance kept");
        assert_eq!(moved[13] >> 4, 3, "the prefix kept");
    }

    #[test]
    fn a_stream_without_a_clock_is_timed_by_the_wall_clock() {
        let (pat, pmt) = tables();
        let mut key = packet(256, None);
        key[1] |= 0x40;
        key[3] = 0x30;
        key[4] = 1;
        key[5] = 0x40;
        let mut c = Cutter::new(2.0);
        let mut cuts = Vec::new();
        for s in 0..10 {
            let mut second = [pat.clone(), pmt.clone(), key.clone()].concat();
            second.extend(packet(256, None));
            cuts.extend(c.push(&second, f64::from(s)));
        }
        assert_eq!(cuts.len(), 4, "{cuts:?}");
        assert!(cuts.iter().all(|c| (c.duration - 2.0).abs() < 1e-9));
    }

    /// Hostile bytes (random, and packets with lengths and pointers out of range) never
    /// panic: a provider's stream is not trusted.
    #[test]
    fn garbage_never_panics() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        };
        for round in 0..200 {
            let mut data: Vec<u8> = (0..PACKET * 40).map(|_| next()).collect();
            // Sync bytes in step, so the parsers look inside the packets.
            for k in (0..data.len()).step_by(PACKET) {
                data[k] = 0x47;
                if round % 2 == 0 {
                    data[k + 1] = 0x40; // PID 0, a table start
                    data[k + 2] = 0;
                }
            }
            let mut c = PcrClock::new();
            c.push(&data);
            let _ = clean_start(&data);
            assert!(c.seconds() >= 0.0);
            let mut cutter = Cutter::new(2.0);
            for (i, chunk) in data.chunks(1000).enumerate() {
                for cut in cutter.push(chunk, i as f64) {
                    assert!(cut.duration >= 0.0 && cut.bytes.len().is_multiple_of(PACKET));
                }
            }
        }
    }
}
