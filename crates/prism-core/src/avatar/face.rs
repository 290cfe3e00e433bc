//! Lumen's face over time, as expression weights for [`super::expression::evaluate`]: emotions
//! that ease in and out (cubic), natural blinks, and the mouth from a timed viseme track with
//! co-articulation (or from loudness when speech has no track). Pure functions of time, so a
//! frame at 30 fps and one at 144 fps see the same face at the same instant.

use super::expression::Preset;

/// Mouth shapes of a viseme track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Viseme {
    Aa,
    Ih,
    Ou,
    Ee,
    Oh,
    Silence,
}

impl Viseme {
    pub fn preset(self) -> Option<Preset> {
        Some(match self {
            Viseme::Aa => Preset::Aa,
            Viseme::Ih => Preset::Ih,
            Viseme::Ou => Preset::Ou,
            Viseme::Ee => Preset::Ee,
            Viseme::Oh => Preset::Oh,
            Viseme::Silence => return None,
        })
    }
}

/// A viseme at a time on the audio clock (seconds from the start of the utterance).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimedViseme {
    pub viseme: Viseme,
    pub start: f32,
    pub duration: f32,
}

/// How long the mouth takes to reach a shape, and to leave it: neighbours overlap by this
/// much, which is what co-articulation looks like.
const ATTACK: f32 = 0.06;
const RELEASE: f32 = 0.08;
/// Short visemes do not open the mouth all the way.
const FULL_AFTER: f32 = 0.09;

/// The mouth presets' weights at `t` on the track's clock: each viseme rises over `ATTACK`
/// (60 ms) before its start and falls over `RELEASE` (80 ms) after its end (smoothstep),
/// scaled down when it is very short; overlapping shapes are normalised so the mouth never
/// opens more than fully.
pub fn mouth_at(track: &[TimedViseme], t: f32) -> [(Preset, f32); 5] {
    let mut out: [(Preset, f32); 5] = [
        (Preset::Aa, 0.0),
        (Preset::Ih, 0.0),
        (Preset::Ou, 0.0),
        (Preset::Ee, 0.0),
        (Preset::Oh, 0.0),
    ];
    // Tracks are sorted by start; only the neighbourhood of `t` matters.
    let first = track.partition_point(|v| v.start + v.duration + RELEASE < t);
    for v in track[first..].iter().take_while(|v| v.start - ATTACK <= t) {
        let Some(p) = v.viseme.preset() else { continue };
        let end = v.start + v.duration;
        let env = if t < v.start {
            smoothstep((t - (v.start - ATTACK)) / ATTACK)
        } else if t <= end {
            1.0
        } else {
            1.0 - smoothstep((t - end) / RELEASE)
        };
        let strength = (v.duration / FULL_AFTER).min(1.0);
        if let Some(slot) = out.iter_mut().find(|(q, _)| *q == p) {
            slot.1 = slot.1.max(env * strength);
        }
    }
    let sum: f32 = out.iter().map(|(_, w)| w).sum();
    if sum > 1.0 {
        for (_, w) in &mut out {
            *w /= sum;
        }
    }
    out
}

fn smoothstep(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Cubic ease in-out on [0, 1].
pub fn ease_cubic(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    if x < 0.5 {
        4.0 * x * x * x
    } else {
        1.0 - (-2.0 * x + 2.0).powi(3) / 2.0
    }
}

/// An emotion moving from one weight to another over a duration, eased.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    pub from: f32,
    pub to: f32,
    pub start: f32,
    pub duration: f32,
}

impl Transition {
    pub fn at(&self, t: f32) -> f32 {
        if self.duration <= 0.0 {
            return self.to;
        }
        let k = ease_cubic((t - self.start) / self.duration);
        self.from + (self.to - self.from) * k
    }
}

/// The emotions Lumen shows, each easing towards its target.
#[derive(Debug, Clone, Default)]
pub struct Emotions {
    moves: Vec<(Preset, Transition)>,
}

/// How long an emotion takes to change.
pub const EMOTION_SECONDS: f32 = 0.4;

impl Emotions {
    /// Show `preset` at `weight` from time `t` (every other emotion eases out).
    pub fn set(&mut self, preset: Preset, weight: f32, t: f32) {
        let presets = [
            Preset::Happy,
            Preset::Angry,
            Preset::Sad,
            Preset::Relaxed,
            Preset::Surprised,
        ];
        for p in presets {
            let now = self.weight(p, t);
            let to = if p == preset {
                weight.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let tr = Transition {
                from: now,
                to,
                start: t,
                duration: EMOTION_SECONDS,
            };
            match self.moves.iter_mut().find(|(q, _)| *q == p) {
                Some((_, m)) => *m = tr,
                None => self.moves.push((p, tr)),
            }
        }
    }
    /// Back to a neutral face.
    pub fn clear(&mut self, t: f32) {
        self.set(Preset::Neutral, 0.0, t);
    }
    pub fn weight(&self, p: Preset, t: f32) -> f32 {
        self.moves
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(0.0, |(_, m)| m.at(t))
    }
    pub fn weights(&self, t: f32) -> impl Iterator<Item = (Preset, f32)> + '_ {
        self.moves.iter().map(move |(p, m)| (*p, m.at(t)))
    }
}

/// Blinks at natural, random moments: intervals around 3 s (2–5 s, sometimes a quick double
/// blink), each 120–150 ms, closing faster than opening. Deterministic for a seed, so tests and
/// replays see the same blinks.
#[derive(Debug, Clone)]
pub struct Blinker {
    state: u64,
    /// (start, duration) of the blinks scheduled so far, in time order.
    blinks: Vec<(f32, f32)>,
}

impl Blinker {
    pub fn new(seed: u64) -> Self {
        Blinker {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            blinks: Vec::new(),
        }
    }
    fn next_f32(&mut self) -> f32 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let x = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 40) as f32 / (1u64 << 24) as f32
    }
    fn schedule_until(&mut self, t: f32) {
        while self.blinks.last().is_none_or(|&(s, _)| s < t + 6.0) {
            let last = self.blinks.last().map_or(0.0, |&(s, d)| s + d);
            let double = self.next_f32() < 0.12;
            let gap = if double {
                0.12 + self.next_f32() * 0.1
            } else {
                // Around 3 s: the mean of 2 + 2u is 3, spread over 2–4 s with a tail to 5 s.
                2.0 + 2.0 * self.next_f32() + (self.next_f32() * self.next_f32())
            };
            let duration = 0.12 + 0.03 * self.next_f32();
            self.blinks.push((last + gap, duration));
            // Old blinks are not needed again.
            if self.blinks.len() > 64 {
                self.blinks.drain(..32);
            }
        }
    }
    /// How closed the eyes are at `t` (0 open, 1 closed). Times must not go backwards by more
    /// than a few seconds.
    pub fn at(&mut self, t: f32) -> f32 {
        self.schedule_until(t);
        for &(s, d) in &self.blinks {
            if t >= s && t <= s + d {
                // Close in the first 40 %, open in the rest.
                let x = (t - s) / d;
                return if x < 0.4 {
                    smoothstep(x / 0.4)
                } else {
                    1.0 - smoothstep((x - 0.4) / 0.6)
                };
            }
        }
        0.0
    }
    /// The blinks scheduled up to a few seconds after `t`.
    pub fn schedule_at(&mut self, t: f32) -> &[(f32, f32)] {
        self.schedule_until(t);
        &self.blinks
    }
    /// The blinks scheduled so far (for tests and the debug overlay).
    pub fn schedule(&self) -> &[(f32, f32)] {
        &self.blinks
    }
}

/// The mouth from loudness, for speech without a viseme track: `aa` opening with the level,
/// smoothed with attack and release time constants.
#[derive(Debug, Clone, Default)]
pub struct LoudnessMouth {
    open: f32,
}

impl LoudnessMouth {
    /// Feed the level (RMS in dBFS) for a step of `dt` seconds; returns how open (0–1).
    pub fn step(&mut self, rms_db: f32, dt: f32) -> f32 {
        // -50 dB is closed, -15 dB wide open.
        let target = ((rms_db + 50.0) / 35.0).clamp(0.0, 1.0);
        let tau = if target > self.open { 0.04 } else { 0.09 };
        self.open += (target - self.open) * (1.0 - (-dt / tau).exp());
        self.open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(m: &[(Preset, f32); 5], p: Preset) -> f32 {
        m.iter().find(|(q, _)| *q == p).unwrap().1
    }

    fn track() -> Vec<TimedViseme> {
        let v = |viseme, start, duration| TimedViseme {
            viseme,
            start,
            duration,
        };
        vec![
            v(Viseme::Silence, 0.0, 0.2),
            v(Viseme::Aa, 0.2, 0.2),
            v(Viseme::Oh, 0.4, 0.15),
            v(Viseme::Ee, 0.55, 0.03),
            v(Viseme::Silence, 0.58, 0.5),
        ]
    }

    #[test]
    fn visemes_open_the_mouth_and_silence_closes_it() {
        let t = track();
        let mid_aa = mouth_at(&t, 0.3);
        assert_eq!(w(&mid_aa, Preset::Aa), 1.0);
        assert_eq!(w(&mid_aa, Preset::Oh), 0.0);
        let quiet = mouth_at(&t, 0.05);
        assert!(quiet.iter().all(|(_, v)| *v == 0.0), "{quiet:?}");
        let after = mouth_at(&t, 1.0);
        assert!(after.iter().all(|(_, v)| *v == 0.0), "{after:?}");
    }

    #[test]
    fn neighbours_coarticulate_without_overshoot() {
        let t = track();
        // Just before oh starts, aa is still full and oh is rising; the sum stays ≤ 1.
        let m = mouth_at(&t, 0.38);
        assert!(w(&m, Preset::Oh) > 0.1, "{m:?}");
        assert!(w(&m, Preset::Aa) > 0.4, "{m:?}");
        let sum: f32 = m.iter().map(|(_, v)| v).sum();
        assert!(sum <= 1.0 + 1e-6, "{sum}");
        // A 30 ms viseme only half-opens.
        assert!(w(&mouth_at(&t, 0.565), Preset::Ee) < 0.4);
    }

    #[test]
    fn emotions_ease_cubically_and_hand_over() {
        let mut e = Emotions::default();
        e.set(Preset::Happy, 1.0, 0.0);
        assert_eq!(e.weight(Preset::Happy, 0.0), 0.0);
        assert!((e.weight(Preset::Happy, EMOTION_SECONDS / 2.0) - 0.5).abs() < 1e-5);
        // Cubic: slow start.
        assert!(e.weight(Preset::Happy, EMOTION_SECONDS * 0.1) < 0.01);
        assert_eq!(e.weight(Preset::Happy, 1.0), 1.0);
        // Sad takes over from where happy is, happy eases out.
        e.set(Preset::Sad, 0.8, 1.0);
        assert_eq!(e.weight(Preset::Happy, 1.0), 1.0);
        assert_eq!(e.weight(Preset::Happy, 2.0), 0.0);
        assert!((e.weight(Preset::Sad, 2.0) - 0.8).abs() < 1e-6);
        // Interrupted mid-way: no jump.
        e.set(Preset::Happy, 1.0, 2.1);
        let before = e.weight(Preset::Sad, 2.1);
        e.set(Preset::Angry, 1.0, 2.1);
        assert!((e.weight(Preset::Sad, 2.1) - before).abs() < 1e-6);
    }

    #[test]
    fn blinks_are_natural() {
        let mut b = Blinker::new(7);
        let mut closed_frames = 0;
        let mut t = 0.0;
        while t < 600.0 {
            if b.at(t) > 0.99 {
                closed_frames += 1;
            }
            t += 1.0 / 144.0;
        }
        let blinks: Vec<(f32, f32)> = b
            .schedule()
            .iter()
            .copied()
            .filter(|(s, _)| *s < 600.0)
            .collect();
        assert!(closed_frames > 0);
        let starts: Vec<f32> = blinks.iter().map(|(s, _)| *s).collect();
        let gaps: Vec<f32> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        let mean = gaps.iter().sum::<f32>() / gaps.len() as f32;
        // Around every 3 s (doubles pull the mean down a little).
        assert!((2.4..3.6).contains(&mean), "mean gap {mean}");
        assert!(gaps.iter().all(|g| *g < 5.5), "{gaps:?}");
        for (_, d) in &blinks {
            assert!((0.12..=0.15).contains(d), "{d}");
        }
        // The same seed blinks at the same moments.
        let (mut x, mut y) = (Blinker::new(7), Blinker::new(7));
        x.at(0.0);
        y.at(0.0);
        assert_eq!(x.schedule(), y.schedule());
        assert_ne!(x.schedule(), Blinker::new(8).schedule_at(0.0));
    }

    #[test]
    fn blink_shape_is_the_same_at_any_frame_rate() {
        let mut a = Blinker::new(1);
        let mut b = Blinker::new(1);
        let (s, d) = {
            a.at(0.0);
            a.schedule()[0]
        };
        for k in 0..=10 {
            let t = s + d * k as f32 / 10.0;
            assert_eq!(a.at(t), b.at(t));
        }
    }

    #[test]
    fn loudness_opens_and_closes_the_mouth() {
        let mut m = LoudnessMouth::default();
        let mut open = 0.0;
        for _ in 0..30 {
            open = m.step(-15.0, 1.0 / 60.0);
        }
        assert!(open > 0.95, "{open}");
        for _ in 0..60 {
            open = m.step(-80.0, 1.0 / 60.0);
        }
        assert!(open < 0.05, "{open}");
    }
}
