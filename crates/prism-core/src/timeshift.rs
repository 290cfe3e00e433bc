//! Time-shifted live TV, decided without a network or a player: which segments of a live HLS
//! media playlist are new at each refresh ([`Follow`]), the buffer they go into and the
//! playlist the player is served from it ([`Ring`]), and where the viewer is in it
//! ([`Timeline`]). The relay does the fetching and the files; GStreamer plays the result.
//!
//! The served playlist is an ordinary live playlist (no `EXT-X-ENDLIST`) that only ever grows
//! at its end and loses its oldest segments at its start. hlsdemux2 plays it as live: it pauses
//! without losing its place (the segments stay listed), and seeks anywhere inside it.

use std::collections::VecDeque;

use m3u8_rs::{Key, Map, MediaPlaylist, MediaSegment};

/// A segment's `EXT-X-PROGRAM-DATE-TIME`.
pub type DateTime = chrono::DateTime<chrono::FixedOffset>;

pub use m3u8_rs::{KeyMethod, MediaPlaylist as Media};

/// How much a buffer keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Seconds of picture.
    pub seconds: f64,
    /// Bytes on disk.
    pub bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // Two hours, as TiviMate and Kodi offer; 6 GB holds two hours of 6 Mb/s 1080p.
        Self {
            seconds: 2.0 * 3600.0,
            bytes: 6 << 30,
        }
    }
}

/// Why an upstream playlist cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowError {
    #[error("the stream's playlist could not be read")]
    Unreadable,
    #[error("the stream's playlist lists variants, not segments")]
    Master,
    #[error("the stream has ended (its playlist is complete)")]
    Ended,
}

/// A segment of the upstream playlist that is new: the URI as the playlist gave it (the relay
/// resolves it), with the key and init section in force for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Its upstream media sequence number.
    pub sequence: u64,
    pub uri: String,
    pub duration: f64,
    /// Not continuous with the segment before it in the buffer (the stream said so, segments
    /// were missed, or the stream restarted its numbering).
    pub discontinuity: bool,
    pub key: Option<Key>,
    pub map: Option<Map>,
    pub program_date_time: Option<DateTime>,
}

/// Follows an upstream live media playlist across refreshes.
#[derive(Debug, Default, Clone)]
pub struct Follow {
    /// The last upstream sequence taken.
    last: Option<u64>,
    /// The target duration the stream declared last.
    pub target_duration: u64,
}

/// Parses a media playlist.
pub fn parse_media(body: &[u8]) -> Result<MediaPlaylist, FollowError> {
    match m3u8_rs::parse_playlist_res(body) {
        Ok(m3u8_rs::Playlist::MediaPlaylist(p)) => Ok(p),
        Ok(m3u8_rs::Playlist::MasterPlaylist(_)) => Err(FollowError::Master),
        Err(_) => Err(FollowError::Unreadable),
    }
}

impl Follow {
    /// The segments of this refresh not taken before, oldest first. On the first read, only
    /// the newest `lead` seconds (at least one segment): where a player would start.
    pub fn fresh(
        &mut self,
        playlist: &MediaPlaylist,
        lead: f64,
    ) -> Result<Vec<Incoming>, FollowError> {
        if playlist.end_list {
            return Err(FollowError::Ended);
        }
        self.target_duration = playlist.target_duration.max(1);
        // Keys and init sections are stated once and hold until restated.
        let mut key: Option<Key> = None;
        let mut map: Option<Map> = None;
        let mut all = Vec::with_capacity(playlist.segments.len());
        for (i, s) in playlist.segments.iter().enumerate() {
            if s.key.is_some() {
                key = s.key.clone().filter(|k| k.method != KeyMethod::None);
            }
            if s.map.is_some() {
                map.clone_from(&s.map);
            }
            let sequence = playlist.media_sequence + i as u64;
            let key = key.clone().map(|mut k| {
                // AES-128 without an IV uses the sequence number, which the buffer renumbers:
                // the upstream one is written out.
                if k.method == KeyMethod::AES128 && k.iv.is_none() {
                    k.iv = Some(format!("0x{sequence:032x}"));
                }
                k
            });
            all.push(Incoming {
                sequence,
                uri: s.uri.clone(),
                duration: f64::from(s.duration),
                discontinuity: s.discontinuity,
                key,
                map: map.clone(),
                program_date_time: s.program_date_time,
            });
        }
        let Some(newest) = all.last().map(|s| s.sequence) else {
            return Ok(Vec::new());
        };
        let take_from = match self.last {
            None => {
                // The newest `lead` seconds.
                let mut sum = 0.0;
                let mut from = all.len() - 1;
                while from > 0 && sum + all[from].duration < lead {
                    sum += all[from].duration;
                    from -= 1;
                }
                from
            }
            Some(last) if newest + all.len() as u64 + 1 < last => {
                // The stream restarted its numbering: its newest segment, as a new start.
                let mut fresh = all.split_off(all.len() - 1);
                fresh[0].discontinuity = true;
                self.last = Some(newest);
                return Ok(fresh);
            }
            Some(last) => {
                let Some(i) = all.iter().position(|s| s.sequence > last) else {
                    return Ok(Vec::new()); // nothing new (or a stale copy of the playlist)
                };
                if all[i].sequence > last + 1 {
                    // Segments went by unseen: the picture jumps there.
                    all[i].discontinuity = true;
                }
                i
            }
        };
        self.last = Some(newest);
        Ok(all.split_off(take_from))
    }
}

/// A segment kept in the buffer.
#[derive(Debug, Clone)]
pub struct Kept {
    /// Its number in the buffer (the served playlist's media sequence).
    pub sequence: u64,
    /// Where it starts in the buffer's time (seconds since its first segment, the player's
    /// stream time): set by [`Ring::push`].
    pub start: f64,
    pub duration: f64,
    pub bytes: u64,
    pub discontinuity: bool,
    /// The key and init section with the relay's URIs.
    pub key: Option<Key>,
    pub map: Option<Map>,
    pub program_date_time: Option<DateTime>,
}

/// The buffer's index: segments in order, trimmed to its limits.
#[derive(Debug, Clone)]
pub struct Ring {
    limits: Limits,
    kept: VecDeque<Kept>,
    next: u64,
    seconds: f64,
    bytes: u64,
    /// Discontinuities trimmed off the start (the served playlist's discontinuity sequence).
    discontinuities_gone: u64,
    target_duration: u64,
    /// Seconds pushed so far, trimmed ones included: the next segment's start.
    elapsed: f64,
}

impl Ring {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            kept: VecDeque::new(),
            next: 0,
            seconds: 0.0,
            bytes: 0,
            discontinuities_gone: 0,
            target_duration: 1,
            elapsed: 0.0,
        }
    }

    /// The number the next segment will have.
    pub fn next_sequence(&self) -> u64 {
        self.next
    }

    /// Keeps a segment (numbered [`Ring::next_sequence`]); returns the numbers of the oldest
    /// ones that no longer fit, whose files go. The newest always stays.
    pub fn push(&mut self, mut seg: Kept) -> Vec<u64> {
        seg.sequence = self.next;
        seg.start = self.elapsed;
        self.elapsed += seg.duration;
        self.next += 1;
        self.target_duration = self.target_duration.max(seg.duration.ceil() as u64);
        self.seconds += seg.duration;
        self.bytes += seg.bytes;
        self.kept.push_back(seg);
        self.trim()
    }

    fn trim(&mut self) -> Vec<u64> {
        let mut gone = Vec::new();
        while self.kept.len() > 1
            && (self.seconds > self.limits.seconds || self.bytes > self.limits.bytes)
        {
            let old = self.kept.pop_front().expect("more than one");
            self.seconds -= old.duration;
            self.bytes -= old.bytes;
            gone.push(old.sequence);
            // The discontinuity sequence counts those that left the playlist's start.
            if self.kept.front().is_some_and(|k| k.discontinuity) {
                self.discontinuities_gone += 1;
                if let Some(k) = self.kept.front_mut() {
                    k.discontinuity = false;
                }
            }
        }
        gone
    }

    /// New limits, applied at once: returns the numbers of the segments that no longer fit.
    pub fn set_limits(&mut self, limits: Limits) -> Vec<u64> {
        self.limits = limits;
        self.trim()
    }

    /// Everything dropped: a buffer that cannot be written any more (its files are gone).
    pub fn clear(&mut self) -> Vec<u64> {
        self.seconds = 0.0;
        self.bytes = 0;
        self.kept.drain(..).map(|k| k.sequence).collect()
    }

    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    pub fn target_duration(&self) -> u64 {
        self.target_duration
    }

    /// Segment `sequence`, if it is in the buffer.
    pub fn get(&self, sequence: u64) -> Option<&Kept> {
        let first = self.kept.front()?.sequence;
        self.kept
            .get(usize::try_from(sequence.checked_sub(first)?).ok()?)
    }

    /// The oldest segment's number.
    pub fn first(&self) -> Option<u64> {
        self.kept.front().map(|k| k.sequence)
    }

    /// Whether segment `sequence` is in the buffer.
    pub fn holds(&self, sequence: u64) -> bool {
        self.kept.front().is_some_and(|f| f.sequence <= sequence) && sequence < self.next
    }

    /// The segments that overlap `from..to` (the buffer's time), oldest first.
    pub fn between(&self, from: f64, to: f64) -> impl Iterator<Item = &Kept> {
        self.kept
            .iter()
            .filter(move |k| k.start < to && k.start + k.duration > from)
    }

    /// The segments from `from` on (all of them when `None`), oldest first.
    pub fn since(&self, from: Option<u64>) -> impl Iterator<Item = &Kept> {
        let skip = match (from, self.kept.front()) {
            (Some(f), Some(first)) => f.saturating_sub(first.sequence) as usize,
            _ => 0,
        };
        self.kept.iter().skip(skip)
    }

    /// The live playlist the player is served: every kept segment, `uri(sequence)` naming
    /// each, keys and init sections stated where they change.
    pub fn playlist(&self, uri: impl Fn(u64) -> String) -> String {
        let mut key: Option<&Key> = None;
        let mut map: Option<&Map> = None;
        let mut segments = Vec::with_capacity(self.kept.len());
        for k in &self.kept {
            let mut s = MediaSegment {
                uri: uri(k.sequence),
                duration: k.duration as f32,
                discontinuity: k.discontinuity,
                program_date_time: k.program_date_time,
                ..Default::default()
            };
            // A key stated again only when it changes; an IV (the upstream sequence) differs
            // per segment, so such keys are stated on each.
            if k.key.as_ref() != key {
                s.key = Some(k.key.clone().unwrap_or(Key {
                    method: KeyMethod::None,
                    ..Default::default()
                }));
                key = k.key.as_ref();
            }
            if k.map.as_ref() != map {
                s.map.clone_from(&k.map);
                map = k.map.as_ref();
            }
            segments.push(s);
        }
        let p = MediaPlaylist {
            version: Some(if map.is_some() { 6 } else { 3 }),
            target_duration: self.target_duration,
            media_sequence: self.kept.front().map_or(self.next, |k| k.sequence),
            discontinuity_sequence: self.discontinuities_gone,
            segments,
            ..Default::default()
        };
        let mut out = Vec::new();
        p.write_to(&mut out).expect("writing to memory");
        String::from_utf8(out).expect("playlists are UTF-8")
    }
}

/// An `EXT-X-KEY` IV ("0x" and up to 32 hex digits) as the 16 bytes AES-128-CBC takes.
pub fn iv_bytes(iv: &str) -> Option<[u8; 16]> {
    let hex = iv
        .trim()
        .strip_prefix("0x")
        .or(iv.trim().strip_prefix("0X"))?;
    if hex.is_empty() || hex.len() > 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let padded = format!("{hex:0>32}");
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&padded[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Within this many seconds of the seekable end the viewer is watching live: hlsdemux2 starts
/// three target durations from the newest segment (two from the end of its seek range, measured:
/// 0.16 s into a 6 s playlist whose range ended at 4 s), and its reach moves a segment at a time.
pub fn live_slack(target_duration: f64) -> f64 {
    3.0 * target_duration + 1.0
}

/// Where playback is in a seekable stream, in the player's stream time (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timeline {
    pub position: f64,
    /// The earliest point that can be played.
    pub start: f64,
    /// The latest: the live edge as the player can reach it, or a recording's end.
    pub end: f64,
    /// A live stream (it grows); otherwise a programme from the archive or a recording.
    pub live: bool,
    /// Seconds from the end that still count as live ([`live_slack`]).
    pub slack: f64,
}

impl Timeline {
    /// How far behind live the picture is.
    pub fn behind(&self) -> f64 {
        (self.end - self.position).max(0.0)
    }

    /// Watching live (or near enough to say so).
    pub fn at_live(&self) -> bool {
        self.live && self.behind() <= self.slack
    }

    /// Where a jump of `seconds` lands, kept inside what can be played (Kodi's ffmpegdirect
    /// crashed rewinding past its buffer; a jump past the end of a live stream is "go live").
    pub fn jump(&self, seconds: f64) -> f64 {
        (self.position + seconds).clamp(self.start, self.end.max(self.start))
    }

    /// What the time bar shows filled: the buffer's share played so far (0–1).
    pub fn fraction(&self) -> f64 {
        let span = self.end - self.start;
        if span <= 0.0 {
            1.0
        } else {
            ((self.position - self.start) / span).clamp(0.0, 1.0)
        }
    }
}

/// A recording's file name (no extension): "Prism Sports - The Match - 2026-12-04 20.15", with
/// what a file name cannot hold replaced. `local` is the start as (year, month, day, hour,
/// minute) in the viewer's zone.
pub fn recording_stem(
    channel: &str,
    title: Option<&str>,
    local: (i64, u32, u32, u32, u32),
) -> String {
    let clean = |s: &str| -> String {
        let t: String = s
            .chars()
            .map(|c| match c {
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        t.trim().trim_start_matches('.').chars().take(80).collect()
    };
    let (y, mo, d, h, mi) = local;
    let mut parts = vec![clean(channel)];
    if let Some(t) = title.map(clean).filter(|t| !t.is_empty()) {
        parts.push(t);
    }
    parts.push(format!("{y:04}-{mo:02}-{d:02} {h:02}.{mi:02}"));
    parts.retain(|p| !p.is_empty());
    parts.join(" - ")
}

/// The civil date and time of `t` seconds since 1970 (already shifted to the zone wanted).
pub fn civil(t: i64) -> (i64, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (secs / 3600) as u32, (secs / 60 % 60) as u32)
}

/// The cue texts of a WebVTT segment, in order, markup removed (what the stream said in it).
pub fn vtt_cues(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = body.lines().map(|l| l.trim_end_matches('\r'));
    while let Some(l) = lines.next() {
        if !l.contains("-->") {
            continue;
        }
        let mut text = Vec::new();
        for t in lines.by_ref() {
            if t.trim().is_empty() {
                break;
            }
            // Tags (<i>, <c.yellow>, <00:01.000>) are not words.
            let mut plain = String::new();
            let mut depth = 0;
            for c in t.chars() {
                match c {
                    '<' => depth += 1,
                    '>' if depth > 0 => depth -= 1,
                    c if depth == 0 => plain.push(c),
                    _ => {}
                }
            }
            let plain = plain.trim().to_owned();
            if !plain.is_empty() {
                text.push(plain);
            }
        }
        if !text.is_empty() {
            out.push(text.join(" "));
        }
    }
    out
}

/// "-1:05:09", "-4:30", "0:12" for the time bar.
pub fn clock(seconds: f64) -> String {
    let neg = seconds < -0.5;
    let s = seconds.abs().round() as u64;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let sign = if neg { "-" } else { "" };
    if h > 0 {
        format!("{sign}{h}:{m:02}:{s:02}")
    } else {
        format!("{sign}{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(first: u64, n: u64, extra: &str) -> MediaPlaylist {
        let mut s = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{first}\n{extra}"
        );
        for k in first..first + n {
            s.push_str(&format!("#EXTINF:2.000,\nseg{k}.ts\n"));
        }
        parse_media(s.as_bytes()).unwrap()
    }

    fn kept(d: f64, bytes: u64) -> Kept {
        Kept {
            sequence: 0,
            start: 0.0,
            duration: d,
            bytes,
            discontinuity: false,
            key: None,
            map: None,
            program_date_time: None,
        }
    }

    #[test]
    fn the_first_read_starts_near_the_edge_and_later_ones_take_whats_new() {
        let mut f = Follow::default();
        let got = f.fresh(&upstream(100, 6, ""), 5.0).unwrap();
        let seqs: Vec<u64> = got.iter().map(|s| s.sequence).collect();
        assert_eq!(seqs, [103, 104, 105]);
        assert_eq!(got[0].uri, "seg103.ts");
        // The same playlist again: nothing; one later: the one new segment.
        assert!(f.fresh(&upstream(100, 6, ""), 5.0).unwrap().is_empty());
        let got = f.fresh(&upstream(101, 6, ""), 5.0).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].sequence, 106);
        assert!(!got[0].discontinuity);
        // A stale copy (a CDN's older playlist): nothing, and no going back.
        assert!(f.fresh(&upstream(99, 6, ""), 5.0).unwrap().is_empty());
    }

    #[test]
    fn missed_segments_and_restarts_become_discontinuities() {
        let mut f = Follow::default();
        f.fresh(&upstream(100, 6, ""), 5.0).unwrap();
        // 106..=109 went by unseen.
        let got = f.fresh(&upstream(110, 6, ""), 5.0).unwrap();
        assert_eq!(got.first().map(|s| s.sequence), Some(110));
        assert!(got[0].discontinuity);
        assert!(!got[1].discontinuity);
        // The server restarted and counts from 0 again.
        let got = f.fresh(&upstream(0, 3, ""), 5.0).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].sequence, 2);
        assert!(got[0].discontinuity);
        let got = f.fresh(&upstream(1, 3, ""), 5.0).unwrap();
        assert_eq!(got.iter().map(|s| s.sequence).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn keys_and_init_sections_hold_until_restated_and_carry_their_iv() {
        let mut f = Follow::default();
        let p = upstream(
            7,
            3,
            "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXT-X-MAP:URI=\"init.mp4\"\n",
        );
        let got = f.fresh(&p, 100.0).unwrap();
        assert_eq!(got.len(), 3);
        for s in &got {
            let k = s.key.as_ref().unwrap();
            assert_eq!(k.uri.as_deref(), Some("k1"));
            // The sequence as the IV, since the buffer renumbers.
            assert_eq!(k.iv.as_deref(), Some(&*format!("0x{:032x}", s.sequence)));
            assert_eq!(s.map.as_ref().unwrap().uri, "init.mp4");
        }
        assert_eq!(
            parse_media(b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n")
                .and_then(|p| f.fresh(&p, 1.0)),
            Err(FollowError::Ended)
        );
        assert_eq!(
            parse_media(b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n").err(),
            Some(FollowError::Master)
        );
    }

    #[test]
    fn the_ring_keeps_its_limits_and_its_playlist_stays_consistent() {
        let mut r = Ring::new(Limits {
            seconds: 6.0,
            bytes: 1000,
        });
        for i in 0..3 {
            assert!(r.push(kept(2.0, 100)).is_empty(), "{i}");
        }
        let mut d = kept(2.0, 100);
        d.discontinuity = true;
        // The fourth pushes the first out (8 s > 6 s).
        assert_eq!(r.push(d), [0]);
        assert_eq!((r.len(), r.seconds(), r.bytes()), (3, 6.0, 300));
        assert!(r.holds(1) && r.holds(3) && !r.holds(0) && !r.holds(4));
        assert_eq!(r.get(3).map(|k| k.discontinuity), Some(true));
        assert!(r.get(0).is_none() && r.get(4).is_none());
        assert_eq!(r.first(), Some(1));
        // Times run on across trimming: segment 3 starts 6 s in.
        assert_eq!(r.get(3).map(|k| k.start), Some(6.0));
        let over: Vec<u64> = r.between(3.0, 6.5).map(|k| k.sequence).collect();
        assert_eq!(over, [1, 2, 3]);
        let p = r.playlist(|k| format!("/r/{k}.ts"));
        assert!(p.contains("#EXT-X-MEDIA-SEQUENCE:1\n"), "{p}");
        assert!(
            p.contains("#EXT-X-DISCONTINUITY\n#EXTINF:2,\n/r/3.ts"),
            "{p}"
        );
        assert!(!p.contains("ENDLIST"));
        // Two more: the discontinuity leaves the start and is counted.
        r.push(kept(2.0, 100));
        r.push(kept(2.0, 100));
        let p = r.playlist(|k| format!("/r/{k}.ts"));
        assert!(p.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), "{p}");
        assert!(p.contains("#EXT-X-MEDIA-SEQUENCE:3\n"), "{p}");
        // The byte cap binds too; a single huge segment still stays.
        assert_eq!(r.push(kept(1.0, 5000)).len(), 3);
        assert_eq!(r.len(), 1);
        assert_eq!(r.since(Some(6)).count(), 1);
        assert_eq!(r.clear(), [6]);
        assert!(r.is_empty());
    }

    #[test]
    fn the_served_playlist_states_keys_where_they_change() {
        let mut r = Ring::new(Limits::default());
        let key = |iv: &str| Key {
            method: KeyMethod::AES128,
            uri: Some("/k/1".into()),
            iv: Some(iv.into()),
            ..Default::default()
        };
        for iv in ["0x1", "0x2"] {
            let mut k = kept(2.0, 1);
            k.key = Some(key(iv));
            r.push(k);
        }
        r.push(kept(2.0, 1));
        let p = r.playlist(|k| format!("s{k}"));
        assert_eq!(p.matches("METHOD=AES-128").count(), 2, "{p}");
        assert!(p.contains("IV=0x2"), "{p}");
        // Clear segments after encrypted ones say so.
        assert!(p.contains("METHOD=NONE"), "{p}");
        // And the whole thing reads back as the same segments.
        let back = parse_media(p.as_bytes()).unwrap();
        assert_eq!(back.segments.len(), 3);
        assert!(!back.end_list);
    }

    #[test]
    fn the_timeline_clamps_jumps_and_knows_live() {
        let t = Timeline {
            position: 100.0,
            start: 10.0,
            end: 200.0,
            live: true,
            slack: live_slack(2.0),
        };
        assert_eq!(t.jump(-30.0), 70.0);
        assert_eq!(t.jump(-1000.0), 10.0);
        assert_eq!(t.jump(1000.0), 200.0);
        assert_eq!(t.behind(), 100.0);
        assert!(!t.at_live());
        let live = Timeline {
            position: 193.5,
            ..t
        };
        assert!(live.at_live());
        assert!(
            !Timeline {
                live: false,
                ..live
            }
            .at_live()
        );
        assert!((t.fraction() - 90.0 / 190.0).abs() < 1e-9);
        assert_eq!(clock(-65.0), "-1:05");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(0.2), "0:00");
    }

    #[test]
    fn webvtt_cues_are_read_as_plain_text() {
        let vtt = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n\
                   1\n00:00:12.500 --> 00:00:15.000 align:center\n<i>GOAL!</i> What a strike\nfrom Okafor!\n\n\
                   00:00:15.000 --> 00:00:18.000\n[CROWD CHEERING]\n";
        assert_eq!(
            vtt_cues(vtt),
            ["GOAL! What a strike from Okafor!", "[CROWD CHEERING]"]
        );
        assert!(vtt_cues("WEBVTT\n").is_empty());
    }

    #[test]
    fn recordings_are_named_by_channel_programme_and_time() {
        assert_eq!(civil(1_764_000_000), (2025, 11, 24, 16, 0));
        assert_eq!(civil(0), (1970, 1, 1, 0, 0));
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0));
        assert_eq!(
            recording_stem("Prism Sports", Some("Match: A/B"), civil(1_764_000_000)),
            "Prism Sports - Match- A-B - 2025-11-24 16.00"
        );
        assert_eq!(
            recording_stem("../etc", None, (2026, 1, 2, 3, 4)),
            "-etc - 2026-01-02 03.04"
        );
    }

    #[test]
    fn ivs_are_read_as_sixteen_bytes() {
        let mut seven = [0u8; 16];
        seven[15] = 7;
        assert_eq!(iv_bytes("0x7"), Some(seven));
        assert_eq!(
            iv_bytes("0X000102030405060708090A0B0C0D0E0F"),
            Some(std::array::from_fn(|i| i as u8))
        );
        assert_eq!(iv_bytes("7"), None);
        assert_eq!(iv_bytes("0x"), None);
        assert_eq!(iv_bytes("0xzz"), None);
        assert_eq!(iv_bytes(&format!("0x{}", "1".repeat(33))), None);
    }
}
