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
        let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
        let start = p[1] & 0x40 != 0;
        let payload = match p[3] & 0x30 {
            0x10 => 4,
            0x30 => 5 + usize::from(p[4]),
            _ => PACKET,
        };
        if pid == 0 && start {
            pat = Some(p);
            first_pat.get_or_insert(i);
            pmt_pid = pmt_pid_of(p, payload).or(pmt_pid);
        } else if Some(pid) == pmt_pid && start {
            pmt = Some(p);
        }
        let keyframe = start && p[3] & 0x20 != 0 && p[4] > 0 && p[5] & 0x40 != 0;
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
    /// Bytes of a packet split across pushes.
    carry: Vec<u8>,
    /// The PID carrying the clock (the first seen with a PCR).
    pid: Option<u16>,
    last: Option<f64>,
    seconds: f64,
    /// Bytes skipped to find packet starts again.
    pub resynced: u64,
}

impl PcrClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seconds of programme in the bytes pushed so far.
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    pub fn push(&mut self, mut data: &[u8]) {
        if !self.carry.is_empty() {
            let need = PACKET - self.carry.len();
            let take = need.min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.carry.len() < PACKET {
                return;
            }
            let packet = std::mem::take(&mut self.carry);
            if packet[0] == 0x47 {
                self.packet(&packet);
            } else {
                // Lost sync: look again from the byte after.
                self.resynced += 1;
                let mut rest = packet[1..].to_vec();
                rest.extend_from_slice(data);
                return self.push(&rest);
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
            self.packet(&data[..PACKET]);
            data = &data[PACKET..];
        }
    }

    fn packet(&mut self, p: &[u8]) {
        let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
        let has_adaptation = p[3] & 0x20 != 0;
        if !has_adaptation || p[4] < 7 || p[5] & 0x10 == 0 {
            return;
        }
        if *self.pid.get_or_insert(pid) != pid {
            return;
        }
        let base = (u64::from(p[6]) << 25)
            | (u64::from(p[7]) << 17)
            | (u64::from(p[8]) << 9)
            | (u64::from(p[9]) << 1)
            | (u64::from(p[10]) >> 7);
        let ext = (u64::from(p[10] & 1) << 8) | u64::from(p[11]);
        let t = base as f64 / 90_000.0 + ext as f64 / 27_000_000.0;
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
            assert_eq!(c.resynced, 0);
        }
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
        assert!(c.resynced > 0);
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
        }
    }
}
