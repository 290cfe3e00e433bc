//! Easing curves, tweens and keyframe timelines: how a layer's property moves from one value to
//! another over time. Times are seconds on any monotonic clock the caller keeps (the app uses its
//! frame clock), so everything here is decided without a renderer and tested in microseconds.

use std::f32::consts::PI;
use std::str::FromStr;

/// The shape of a move from 0 to 1 (the curves of easings.net, as Bevy's `EaseFunction` and
/// CSS name them). `Back` overshoots and comes back; `Elastic` rings; `Bounce` lands twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ease {
    Linear,
    QuadIn,
    QuadOut,
    QuadInOut,
    CubicIn,
    CubicOut,
    #[default]
    CubicInOut,
    SineInOut,
    BackIn,
    BackOut,
    BackInOut,
    ElasticOut,
    BounceOut,
}

impl Ease {
    /// Every curve, with its name in layout files.
    pub const ALL: [(Ease, &'static str); 13] = [
        (Ease::Linear, "linear"),
        (Ease::QuadIn, "quad-in"),
        (Ease::QuadOut, "quad-out"),
        (Ease::QuadInOut, "quad-in-out"),
        (Ease::CubicIn, "cubic-in"),
        (Ease::CubicOut, "cubic-out"),
        (Ease::CubicInOut, "cubic-in-out"),
        (Ease::SineInOut, "sine-in-out"),
        (Ease::BackIn, "back-in"),
        (Ease::BackOut, "back-out"),
        (Ease::BackInOut, "back-in-out"),
        (Ease::ElasticOut, "elastic-out"),
        (Ease::BounceOut, "bounce-out"),
    ];

    /// Progress at `t` (0–1, clamped): 0 at 0 and 1 at 1; in between it may leave 0–1 (the
    /// back and elastic curves overshoot).
    pub fn at(self, t: f32) -> f32 {
        let t = t.clamp(0.0, 1.0);
        // Back's overshoot (10 %), as everyone uses it.
        const C1: f32 = 1.70158;
        const C2: f32 = C1 * 1.525;
        const C3: f32 = C1 + 1.0;
        match self {
            Ease::Linear => t,
            Ease::QuadIn => t * t,
            Ease::QuadOut => 1.0 - (1.0 - t) * (1.0 - t),
            Ease::QuadInOut if t < 0.5 => 2.0 * t * t,
            Ease::QuadInOut => 1.0 - (-2.0 * t + 2.0).powi(2) / 2.0,
            Ease::CubicIn => t * t * t,
            Ease::CubicOut => 1.0 - (1.0 - t).powi(3),
            Ease::CubicInOut if t < 0.5 => 4.0 * t * t * t,
            Ease::CubicInOut => 1.0 - (-2.0 * t + 2.0).powi(3) / 2.0,
            Ease::SineInOut => -((PI * t).cos() - 1.0) / 2.0,
            Ease::BackIn => C3 * t * t * t - C1 * t * t,
            Ease::BackOut => 1.0 + C3 * (t - 1.0).powi(3) + C1 * (t - 1.0).powi(2),
            Ease::BackInOut if t < 0.5 => (2.0 * t).powi(2) * ((C2 + 1.0) * 2.0 * t - C2) / 2.0,
            Ease::BackInOut => {
                ((2.0 * t - 2.0).powi(2) * ((C2 + 1.0) * (t * 2.0 - 2.0) + C2) + 2.0) / 2.0
            }
            Ease::ElasticOut if t == 0.0 || t == 1.0 => t,
            Ease::ElasticOut => {
                2f32.powf(-10.0 * t) * ((t * 10.0 - 0.75) * (2.0 * PI / 3.0)).sin() + 1.0
            }
            Ease::BounceOut => {
                const N: f32 = 7.5625;
                const D: f32 = 2.75;
                if t < 1.0 / D {
                    N * t * t
                } else if t < 2.0 / D {
                    let t = t - 1.5 / D;
                    N * t * t + 0.75
                } else if t < 2.5 / D {
                    let t = t - 2.25 / D;
                    N * t * t + 0.9375
                } else {
                    let t = t - 2.625 / D;
                    N * t * t + 0.984375
                }
            }
        }
    }

    pub fn name(self) -> &'static str {
        Ease::ALL
            .iter()
            .find(|(e, _)| *e == self)
            .map_or("linear", |(_, n)| n)
    }
}

impl FromStr for Ease {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ease::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(e, _)| *e)
            .ok_or_else(|| {
                let names: Vec<_> = Ease::ALL.iter().map(|(_, n)| *n).collect();
                format!("no easing \"{s}\" (there are {})", names.join(", "))
            })
    }
}

/// A value that can be blended (`t` may leave 0–1 for overshooting curves).
pub trait Lerp: Copy {
    fn lerp(a: Self, b: Self, t: f32) -> Self;
}

impl Lerp for f32 {
    fn lerp(a: f32, b: f32, t: f32) -> f32 {
        a + (b - a) * t
    }
}

/// One property moving to a target: started at `start`, it waits `delay`, then takes
/// `duration` along its curve. Retargeting mid-way starts from where it is (no jump), so an
/// animation is interruptible at any frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tween<T> {
    from: T,
    to: T,
    start: f64,
    delay: f64,
    duration: f64,
    ease: Ease,
}

impl<T: Lerp + PartialEq> Tween<T> {
    /// Settled at `value`.
    pub fn settled(value: T) -> Self {
        Tween {
            from: value,
            to: value,
            start: 0.0,
            delay: 0.0,
            duration: 0.0,
            ease: Ease::Linear,
        }
    }

    /// The value at `now`.
    pub fn value(&self, now: f64) -> T {
        let t = now - self.start - self.delay;
        if t <= 0.0 {
            return self.from;
        }
        if t >= self.duration || self.duration <= 0.0 {
            return self.to;
        }
        T::lerp(self.from, self.to, self.ease.at((t / self.duration) as f32))
    }

    /// Where it is going.
    pub fn target(&self) -> T {
        self.to
    }

    /// At rest at its target (from `now` on).
    pub fn done(&self, now: f64) -> bool {
        now >= self.start + self.delay + self.duration
    }

    /// Heads for `to` from wherever it is at `now`. Asked for the target it already has, it
    /// carries on undisturbed (asked every frame, it must not restart).
    pub fn go(&mut self, now: f64, to: T, duration: f64, ease: Ease) {
        self.go_after(now, to, 0.0, duration, ease);
    }

    /// As [`Tween::go`], after waiting `delay` seconds.
    pub fn go_after(&mut self, now: f64, to: T, delay: f64, duration: f64, ease: Ease) {
        if to == self.to {
            return;
        }
        *self = Tween {
            from: self.value(now),
            to,
            start: now,
            delay: delay.max(0.0),
            duration: duration.max(0.0),
            ease,
        };
    }

    /// At `to` at once.
    pub fn jump(&mut self, to: T) {
        *self = Tween::settled(to);
    }
}

/// How often a timeline plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Times(u32),
    Forever,
}

/// Keyframes over time: at each key's time the value is the key's; between keys it moves along
/// the later key's curve. Named events fire as the playhead passes their times, loops included.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyframes<T> {
    keys: Vec<(f64, T, Ease)>,
    events: Vec<(f64, String)>,
    repeat: Repeat,
}

impl<T: Lerp> Keyframes<T> {
    /// Keys as (time, value, curve into it); they are sorted by time. `None` without keys.
    pub fn new(mut keys: Vec<(f64, T, Ease)>, repeat: Repeat) -> Option<Self> {
        if keys.is_empty() {
            return None;
        }
        keys.sort_by(|a, b| a.0.total_cmp(&b.0));
        Some(Keyframes {
            keys,
            events: Vec::new(),
            repeat,
        })
    }

    /// An event named `name` at `at` seconds into each run.
    pub fn with_event(mut self, at: f64, name: impl Into<String>) -> Self {
        self.events.push((at, name.into()));
        self.events.sort_by(|a, b| a.0.total_cmp(&b.0));
        self
    }

    /// One run's length.
    pub fn length(&self) -> f64 {
        self.keys.last().map_or(0.0, |k| k.0)
    }

    /// The playhead `t` seconds after the start: which run, and the time within it.
    fn local(&self, t: f64) -> (u64, f64) {
        let len = self.length();
        if t <= 0.0 || len <= 0.0 {
            return (0, t.max(0.0).min(len));
        }
        let run = (t / len).floor() as u64;
        let last = match self.repeat {
            Repeat::Once => 0,
            Repeat::Times(n) => u64::from(n.max(1) - 1),
            Repeat::Forever => u64::MAX,
        };
        if run > last {
            (last, len)
        } else {
            (run, t - run as f64 * len)
        }
    }

    /// The value `t` seconds after the start.
    pub fn value(&self, t: f64) -> T {
        let (_, t) = self.local(t);
        let i = self.keys.partition_point(|k| k.0 <= t);
        match (i.checked_sub(1).map(|j| &self.keys[j]), self.keys.get(i)) {
            (Some(a), Some(b)) => {
                let f = ((t - a.0) / (b.0 - a.0).max(f64::EPSILON)) as f32;
                T::lerp(a.1, b.1, b.2.at(f))
            }
            (Some(a), None) => a.1,
            (None, Some(b)) => b.1,
            (None, None) => unreachable!("a timeline has keys"),
        }
    }

    /// Finished (never, for one that loops forever).
    pub fn done(&self, t: f64) -> bool {
        match self.repeat {
            Repeat::Forever => false,
            Repeat::Once => t >= self.length(),
            Repeat::Times(n) => t >= self.length() * f64::from(n.max(1)),
        }
    }

    /// The events passed going from `t0` (exclusive) to `t1` (inclusive), in order, over
    /// every run between them.
    pub fn events_between(&self, t0: f64, t1: f64) -> Vec<&str> {
        let len = self.length();
        let mut out = Vec::new();
        if t1 <= t0 || len <= 0.0 {
            return out;
        }
        let (r0, _) = self.local(t0.max(0.0));
        let (r1, _) = self.local(t1);
        for run in r0..=r1 {
            for (at, name) in &self.events {
                let abs = run as f64 * len + at;
                if abs > t0 && abs <= t1 {
                    out.push(name.as_str());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_starts_at_0_ends_at_1_and_reads_its_name() {
        for (e, name) in Ease::ALL {
            assert!(e.at(0.0).abs() < 1e-4, "{name} at 0: {}", e.at(0.0));
            assert!((e.at(1.0) - 1.0).abs() < 1e-4, "{name} at 1: {}", e.at(1.0));
            assert_eq!(name.parse::<Ease>(), Ok(e));
            assert_eq!(e.name(), name);
        }
        // In-out curves are symmetric about the middle.
        for e in [Ease::QuadInOut, Ease::CubicInOut, Ease::SineInOut] {
            assert!((e.at(0.5) - 0.5).abs() < 1e-4, "{e:?}");
            assert!((e.at(0.2) + e.at(0.8) - 1.0).abs() < 1e-4, "{e:?}");
        }
        // Back overshoots past 1 before it settles; back-in dips below 0 first.
        assert!((0..100).any(|i| Ease::BackOut.at(i as f32 / 100.0) > 1.05));
        assert!((0..100).any(|i| Ease::BackIn.at(i as f32 / 100.0) < -0.05));
        assert!((0..100).any(|i| Ease::ElasticOut.at(i as f32 / 100.0) > 1.1));
        assert!(
            "wobble"
                .parse::<Ease>()
                .unwrap_err()
                .contains("elastic-out")
        );
    }

    #[test]
    fn a_tween_interrupted_mid_way_turns_from_where_it_is() {
        let mut x = Tween::settled(0.0f32);
        x.go(10.0, 100.0, 1.0, Ease::Linear);
        assert_eq!(x.value(10.0), 0.0);
        assert!((x.value(10.5) - 50.0).abs() < 1e-3);
        // Asked again for the same target every frame: undisturbed.
        x.go(10.5, 100.0, 1.0, Ease::Linear);
        assert!((x.value(10.75) - 75.0).abs() < 1e-3);
        // Sent back half-way: no jump, then it heads back.
        let here = x.value(10.75);
        x.go(10.75, 0.0, 1.0, Ease::CubicInOut);
        assert!((x.value(10.75) - here).abs() < 1e-3);
        assert!(x.value(11.25) < here && x.value(11.25) > 0.0);
        assert_eq!(x.value(12.0), 0.0);
        assert!(x.done(11.75) && !x.done(11.5));
        // A delay holds it where it was.
        x.go_after(20.0, 10.0, 0.5, 1.0, Ease::Linear);
        assert_eq!(x.value(20.4), 0.0);
        assert!((x.value(21.0) - 5.0).abs() < 1e-3);
    }

    #[test]
    fn keyframes_loop_and_fire_their_events_on_every_run() {
        let k = Keyframes::new(
            vec![
                (1.0, 10.0f32, Ease::Linear),
                (0.0, 0.0, Ease::Linear),
                (2.0, 0.0, Ease::QuadIn),
            ],
            Repeat::Times(2),
        )
        .unwrap()
        .with_event(1.0, "peak");
        assert_eq!(k.length(), 2.0);
        assert!((k.value(0.5) - 5.0).abs() < 1e-4);
        assert_eq!(k.value(1.0), 10.0);
        assert!((k.value(2.5) - 5.0).abs() < 1e-4, "second run");
        assert_eq!(k.value(9.0), 0.0, "held at the end after two runs");
        assert!(k.done(4.0) && !k.done(3.9));
        assert_eq!(k.events_between(0.0, 4.0), ["peak", "peak"]);
        assert_eq!(k.events_between(1.0, 2.9), Vec::<&str>::new());
        assert_eq!(k.events_between(0.9, 1.0), ["peak"]);
        let forever = Keyframes::new(
            vec![(0.0, 0.0f32, Ease::Linear), (1.0, 1.0, Ease::Linear)],
            Repeat::Forever,
        )
        .unwrap()
        .with_event(0.5, "half");
        assert_eq!(forever.events_between(0.0, 10.0).len(), 10);
        assert!(!forever.done(1e9));
        assert!(Keyframes::<f32>::new(vec![], Repeat::Once).is_none());
    }
}
