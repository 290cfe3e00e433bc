//! Listening to the music on TV: band energies (bass, mid, high), onsets, and tempo with beat
//! phase, continuously and cheaply, from the audio the player already decodes.
//!
//! Per hop of ~5.3 ms: three bands from one-pole filters (no FFT), their log-energy rise summed
//! into an onset-strength envelope. Onsets are peaks of that envelope over an adaptive
//! threshold. Tempo is the autocorrelation of the last 8 s of envelope, read at one, two, three
//! and four beat periods (which sharpens the peak), weighted towards 120 BPM to settle
//! double/half ambiguity, and refined between hops by a parabola. The beat phase is the offset
//! whose comb of beats collects the most onset strength.

use std::collections::VecDeque;

/// What the analysis knows now.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Beat {
    /// Beats per minute, when a steady pulse is found.
    pub bpm: Option<f32>,
    /// Time (seconds, on the analyser's clock) of the latest beat.
    pub last_beat: Option<f64>,
    /// How clear the pulse is (0–1).
    pub confidence: f32,
    /// Smoothed energies (RMS, linear) of the bands: below 200 Hz, 200 Hz–2 kHz, above 2 kHz
    /// (over ~150 ms: they follow the beat).
    pub bass: f32,
    pub mid: f32,
    pub high: f32,
    /// The whole signal's RMS over ~1.5 s: how loud the music is, steady across beats.
    pub loudness: f32,
}

impl Beat {
    /// Where `t` falls in the beat (0 at a beat, rising to 1 just before the next).
    pub fn phase_at(&self, t: f64) -> Option<f32> {
        let (bpm, last) = (self.bpm?, self.last_beat?);
        let period = 60.0 / f64::from(bpm);
        Some(((t - last) / period).rem_euclid(1.0) as f32)
    }
}

impl Beat {
    /// How bright the sound is (0 all bass … 1 all treble): the high band's share, with the
    /// mid band counting half.
    pub fn brightness(&self) -> f32 {
        let total = self.bass + self.mid + self.high;
        if total <= 1e-9 {
            return 0.5;
        }
        (0.5 * self.mid + self.high) / total
    }
}

/// The feeling music gives, from its energy (how much Lumen dances, 0–1) and brightness
/// (0–1), read on the circumplex of affect: energetic and bright is joy, energetic and dark a
/// fierce grin (joy, held back), calm and bright contentment, calm and dark wistfulness.
/// The expression and its weight, faint where the music is neither.
pub fn music_mood(energy: f32, brightness: f32) -> (crate::avatar::expression::Preset, f32) {
    use crate::avatar::expression::Preset;
    let energy = energy.clamp(0.0, 1.0);
    let bright = brightness.clamp(0.0, 1.0);
    if energy >= 0.55 {
        if bright >= 0.35 {
            (Preset::Happy, 0.3 + 0.5 * energy)
        } else {
            (Preset::Happy, 0.2 + 0.2 * energy)
        }
    } else if bright >= 0.35 {
        (Preset::Relaxed, 0.35 + 0.3 * (bright - 0.35))
    } else {
        (Preset::Sad, 0.15 + 0.2 * (0.35 - bright))
    }
}

const HOP_SECONDS: f64 = 256.0 / 48_000.0;
const WINDOW_SECONDS: f64 = 8.0;
const MIN_BPM: f32 = 60.0;
const MAX_BPM: f32 = 200.0;
/// The least onset strength (summed log-energy rise) that counts as an attack.
const ONSET_BASE: f32 = 0.5;

/// One-pole low-pass.
#[derive(Clone, Copy, Default)]
struct Pole {
    y: f32,
    a: f32,
}

impl Pole {
    fn new(cutoff: f32, rate: f32) -> Self {
        Self {
            y: 0.0,
            a: 1.0 - (-2.0 * std::f32::consts::PI * cutoff / rate).exp(),
        }
    }
    fn run(&mut self, x: f32) -> f32 {
        self.y += self.a * (x - self.y);
        self.y
    }
}

pub struct BeatTracker {
    rate: f32,
    hop: usize,
    /// Samples into the current hop, and the three bands' energy so far.
    n: usize,
    acc: [f32; 3],
    lp200: [Pole; 2],
    lp2k: [Pole; 2],
    prev_log: [f32; 3],
    /// Onset strength per hop, newest last.
    env: VecDeque<f32>,
    /// Hops analysed since the start.
    hops: u64,
    /// Recent onset strengths for the adaptive threshold.
    onset_floor: f32,
    last_onset_hop: Option<u64>,
    /// Onset times found (seconds), for the caller to drain.
    pub onsets: Vec<f64>,
    state: Beat,
    since_tempo: usize,
    mean_power: f32,
}

impl BeatTracker {
    pub fn new(rate: u32) -> Self {
        let rate = rate as f32;
        let hop = ((rate as f64 * HOP_SECONDS).round() as usize).max(1);
        Self {
            rate,
            hop,
            n: 0,
            acc: [0.0; 3],
            lp200: [Pole::new(200.0, rate); 2],
            lp2k: [Pole::new(2000.0, rate); 2],
            prev_log: [0.0; 3],
            env: VecDeque::new(),
            hops: 0,
            onset_floor: 0.0,
            last_onset_hop: None,
            onsets: Vec::new(),
            state: Beat::default(),
            since_tempo: 0,
            mean_power: 0.0,
        }
    }

    fn hop_seconds(&self) -> f64 {
        self.hop as f64 / f64::from(self.rate)
    }

    pub fn state(&self) -> Beat {
        self.state
    }

    /// Feeds mono samples (−1…1).
    pub fn push(&mut self, samples: &[f32]) {
        for &x in samples {
            // Two poles each for a steeper split.
            let low = self.lp200[0].run(x);
            let low = self.lp200[1].run(low);
            let below2k = self.lp2k[0].run(x);
            let below2k = self.lp2k[1].run(below2k);
            let bands = [low, below2k - low, x - below2k];
            for (a, b) in self.acc.iter_mut().zip(bands) {
                *a += b * b;
            }
            self.n += 1;
            if self.n == self.hop {
                self.end_hop();
            }
        }
    }

    fn end_hop(&mut self) {
        let n = self.n as f32;
        self.n = 0;
        let rms = self.acc.map(|a| (a / n).sqrt());
        self.acc = [0.0; 3];
        // Energies smoothed over ~150 ms, for the dance's intensity and mood.
        let k = (self.hop_seconds() / 0.15) as f32;
        self.state.bass += (rms[0] - self.state.bass) * k;
        self.state.mid += (rms[1] - self.state.mid) * k;
        self.state.high += (rms[2] - self.state.high) * k;
        let power: f32 = rms.iter().map(|r| r * r).sum();
        self.mean_power += (power - self.mean_power) * (self.hop_seconds() / 1.5) as f32;
        self.state.loudness = self.mean_power.sqrt();
        // Onset strength: how much each band's log energy rose (falls do not count).
        // The pulse is carried by the low end (kick, bass) more than by hi-hats, which run at
        // twice the beat: the tempo's envelope weights the bands accordingly.
        let (mut strength, mut pulse) = (0.0, 0.0);
        for (i, r) in rms.iter().enumerate() {
            let l = (1.0 + 1000.0 * r).ln();
            let rise = (l - self.prev_log[i]).max(0.0);
            strength += rise;
            pulse += rise * [2.0, 1.0, 0.35][i];
            self.prev_log[i] = l;
        }
        let t = self.hops as f64 * self.hop_seconds();
        self.hops += 1;
        self.env.push_back(pulse);
        let max_len = (WINDOW_SECONDS / self.hop_seconds()) as usize;
        while self.env.len() > max_len {
            self.env.pop_front();
        }
        self.pick_onset(strength, t);
        // Tempo four times a second is plenty for a dancing mascot (the phase in between is
        // extrapolated from the last beat).
        self.since_tempo += 1;
        if self.since_tempo * self.hop >= (self.rate * 0.25) as usize {
            self.since_tempo = 0;
            self.tempo();
        }
    }

    /// An onset is the first hop whose strength clears a threshold that follows the recent
    /// level (so loud music needs louder attacks), at most one per 100 ms (a note's bands do
    /// not rise together: its later rises are not new onsets).
    fn pick_onset(&mut self, strength: f32, t: f64) {
        let threshold = ONSET_BASE + 1.5 * self.onset_floor;
        // The filters and the floor settle over the first quarter second.
        if t < 0.25 {
            self.onset_floor += (strength - self.onset_floor) * 0.2;
            return;
        }
        let gap = (0.06 / self.hop_seconds()) as u64;
        let free = self.last_onset_hop.is_none_or(|h| self.hops - h > gap);
        if strength > threshold && free {
            self.onsets.push(t);
            self.last_onset_hop = Some(self.hops);
        }
        let k = (self.hop_seconds() / 0.5) as f32;
        self.onset_floor += (strength - self.onset_floor) * k;
    }

    fn tempo(&mut self) {
        let env: Vec<f32> = self.env.iter().copied().collect();
        let hop = self.hop_seconds() as f32;
        if (env.len() as f32) * hop < 3.0 {
            return;
        }
        // Onsets are one-hop spikes, and a beat period is rarely a whole number of hops: a
        // small blur lets spikes a hop apart still correlate.
        let blurred: Vec<f32> = (0..env.len())
            .map(|i| {
                let at = |d: isize| env.get(i.wrapping_add_signed(d)).copied().unwrap_or(0.0);
                (at(-2) + 2.0 * at(-1) + 3.0 * at(0) + 2.0 * at(1) + at(2)) / 9.0
            })
            .collect();
        let mean = blurred.iter().sum::<f32>() / blurred.len() as f32;
        let e: Vec<f32> = blurred.iter().map(|x| x - mean).collect();
        let energy: f32 = e.iter().map(|x| x * x).sum();
        if energy <= 1e-6 {
            self.state.bpm = None;
            self.state.confidence = 0.0;
            return;
        }
        let min_lag = (60.0 / MAX_BPM / hop).floor() as usize;
        let max_lag = (60.0 / MIN_BPM / hop).ceil() as usize;
        // Every lag the comb can read, computed once.
        let table: Vec<f32> = (0..=4 * (max_lag + 1) + 1)
            .map(|lag| {
                if lag >= e.len() {
                    return 0.0;
                }
                e[lag..].iter().zip(&e).map(|(a, b)| a * b).sum::<f32>() / energy
            })
            .collect();
        let acf = |lag: usize| table.get(lag).copied().unwrap_or(0.0);
        // Reading the autocorrelation at multiples of the period sharpens it; a log-normal
        // preference around 120 BPM picks between a tempo and its double or half.
        let score = |lag: f32| -> f32 {
            let interp = |x: f32| {
                let i = x.floor() as usize;
                let f = x - i as f32;
                acf(i) * (1.0 - f) + acf(i + 1) * f
            };
            let comb: f32 = (1..=4).map(|k| interp(lag * k as f32)).sum::<f32>() / 4.0;
            let bpm = 60.0 / (lag * hop);
            let octaves = (bpm / 120.0).log2();
            comb * (-0.5 * (octaves / 0.9).powi(2)).exp()
        };
        let (mut best, mut best_score) = (0usize, f32::MIN);
        for lag in min_lag..=max_lag {
            let s = score(lag as f32);
            if s > best_score {
                best = lag;
                best_score = s;
            }
        }
        // Between hops: the vertex of the parabola through the peak and its neighbours.
        let (a, b, c) = (
            score(best as f32 - 1.0),
            best_score,
            score(best as f32 + 1.0),
        );
        let denom = a - 2.0 * b + c;
        let offset = if denom.abs() > 1e-9 {
            (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let lag = best as f32 + offset;
        let confidence = best_score.clamp(0.0, 1.0);
        if confidence < 0.1 {
            self.state.bpm = None;
            self.state.confidence = confidence;
            return;
        }
        self.state.bpm = Some(60.0 / (lag * hop));
        self.state.confidence = confidence;
        // Phase: the offset whose comb of beats, back from now, gathers the most strength.
        let period = lag;
        let n = env.len();
        let (mut best_phase, mut best_sum) = (0.0f32, f32::MIN);
        let steps = period.ceil() as usize;
        for p in 0..steps {
            let mut sum = 0.0;
            let mut k = 0.0;
            loop {
                let x = (n - 1) as f32 - p as f32 - k * period;
                if x < 0.0 {
                    break;
                }
                // Each beat may land a hop early or late.
                let i = x.round() as usize;
                let w = env[i]
                    .max(if i > 0 { env[i - 1] } else { 0.0 })
                    .max(*env.get(i + 1).unwrap_or(&0.0));
                sum += w;
                k += 1.0;
            }
            if sum > best_sum {
                best_sum = sum;
                best_phase = p as f32;
            }
        }
        let newest = (self.hops - 1) as f64 * self.hop_seconds();
        self.state.last_beat = Some(newest - f64::from(best_phase) * self.hop_seconds());
    }
}
