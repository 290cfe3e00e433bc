//! What makes Lumen react while watching: words in the captions, read against the programme's
//! genre ("goal" during football, "breaking" on the news), and sudden bursts of loudness (a
//! crowd erupting). Each trigger becomes a timed animation payload: a gesture, an expression
//! and how long it holds, and a line she may say if the commentary scheduler allows it.

use crate::avatar::expression::Preset;
use crate::avatar::motion::Gesture;
use crate::command::normalise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Genre {
    Sports,
    News,
    Music,
    Other,
}

impl Genre {
    /// From the guide's category ("Sports", "Football", "News", "Music"…).
    pub fn of(category: &str) -> Genre {
        let c = category.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
        if has(&[
            "sport",
            "football",
            "soccer",
            "basketball",
            "tennis",
            "rugby",
            "cricket",
            "hockey",
            "racing",
            "match",
        ]) {
            Genre::Sports
        } else if has(&["news", "weather", "current affairs"]) {
            Genre::News
        } else if has(&[
            "music",
            "concert",
            "pop",
            "rock",
            "jazz",
            "classical",
            "dance",
        ]) {
            Genre::Music
        } else {
            Genre::Other
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    Goal,
    Penalty,
    Touchdown,
    RedCard,
    Breaking,
    Urgent,
    Encore,
    Applause,
    /// A sudden rise in loudness (a crowd, an explosion).
    Burst,
}

impl Trigger {
    /// What happened, as a sentence would name it ("there was a goal").
    pub fn noun(self) -> &'static str {
        match self {
            Trigger::Goal => "a goal",
            Trigger::Penalty => "a penalty",
            Trigger::Touchdown => "a touchdown",
            Trigger::RedCard => "a red card",
            Trigger::Breaking => "breaking news",
            Trigger::Urgent => "an urgent news alert",
            Trigger::Encore => "an encore",
            Trigger::Applause => "big applause",
            Trigger::Burst => "a big moment",
        }
    }
}

/// Each genre's words, and the trigger they mean. Matched as whole words of the caption.
const VOCABULARY: &[(Genre, &[&str], Trigger)] = &[
    (
        Genre::Sports,
        &["goal", "goooal", "scores", "scored"],
        Trigger::Goal,
    ),
    (Genre::Sports, &["penalty", "penalties"], Trigger::Penalty),
    (Genre::Sports, &["touchdown"], Trigger::Touchdown),
    (Genre::Sports, &["red card", "sent off"], Trigger::RedCard),
    (
        Genre::News,
        &["breaking", "breaking news"],
        Trigger::Breaking,
    ),
    (
        Genre::News,
        &["urgent", "alert", "just in"],
        Trigger::Urgent,
    ),
    (Genre::Music, &["encore"], Trigger::Encore),
    (Genre::Music, &["applause", "cheering"], Trigger::Applause),
];

/// The trigger in one caption line, if its genre's vocabulary is in it. Caption markup such
/// as `[APPLAUSE]` counts in any genre.
pub fn from_caption(text: &str, genre: Genre) -> Option<Trigger> {
    let norm = format!(" {} ", normalise(text));
    // Sound descriptions in brackets ("[CROWD CHEERING]", "(applause)") describe the room,
    // whatever the programme.
    let mut markup = String::from(" ");
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => {
                depth = 0;
                markup.push(' ');
            }
            c if depth > 0 => markup.extend(c.to_lowercase()),
            _ => {}
        }
    }
    let markup = format!(" {} ", normalise(&markup));
    for (g, words, trigger) in VOCABULARY {
        for w in *words {
            let w = format!(" {w} ");
            if (*g == genre && norm.contains(&w)) || markup.contains(&w) {
                return Some(*trigger);
            }
        }
    }
    None
}

/// A timed animation payload for the mascot.
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    pub trigger: Trigger,
    pub gesture: Option<Gesture>,
    pub expression: Preset,
    pub weight: f32,
    /// How long the expression holds before easing out (seconds).
    pub hold: f32,
    /// What she may say (the scheduler decides whether she does).
    pub line: Option<&'static str>,
}

pub fn reaction(trigger: Trigger) -> Reaction {
    let r = |gesture, expression, weight, hold, line| Reaction {
        trigger,
        gesture,
        expression,
        weight,
        hold,
        line,
    };
    use Gesture as G;
    use Preset as P;
    match trigger {
        Trigger::Goal => r(
            Some(G::Cheer),
            P::Happy,
            1.0,
            3.0,
            Some("Goal! Did you see that?"),
        ),
        Trigger::Touchdown => r(Some(G::Cheer), P::Happy, 1.0, 3.0, Some("Touchdown!")),
        Trigger::Penalty => r(
            Some(G::LeanIn),
            P::Surprised,
            0.8,
            2.5,
            Some("Ooh, a penalty."),
        ),
        Trigger::RedCard => r(
            Some(G::Shake),
            P::Surprised,
            0.9,
            2.5,
            Some("A red card? Ouch."),
        ),
        Trigger::Breaking => r(
            Some(G::LeanIn),
            P::Surprised,
            0.6,
            2.5,
            Some("Breaking news, let's listen."),
        ),
        Trigger::Urgent => r(Some(G::LeanIn), P::Surprised, 0.5, 2.0, None),
        Trigger::Encore => r(Some(G::Clap), P::Happy, 0.9, 3.0, Some("Encore! Encore!")),
        Trigger::Applause => r(Some(G::Clap), P::Happy, 0.7, 2.0, None),
        Trigger::Burst => r(Some(G::StepBack), P::Surprised, 0.7, 1.5, Some("Whoa!")),
    }
}

/// Sudden loudness: the last 0.4 s against the last 10 s, both in dB. A burst is the short
/// level rising 8 dB or more above the long one, at most one per 5 s.
pub struct BurstDetector {
    short: f32,
    long: f32,
    started: Option<f64>,
    last_burst: Option<f64>,
}

impl Default for BurstDetector {
    fn default() -> Self {
        Self {
            short: -90.0,
            long: -90.0,
            started: None,
            last_burst: None,
        }
    }
}

impl BurstDetector {
    /// Feeds one loudness reading (RMS dBFS) taken at `t` seconds, `dt` after the last one.
    pub fn push(&mut self, t: f64, db: f32, dt: f32) -> Option<Trigger> {
        let db = db.max(-90.0);
        let started = *self.started.get_or_insert(t);
        let ks = (dt / 0.4).min(1.0);
        let kl = (dt / 10.0).min(1.0);
        self.short += (db - self.short) * ks;
        // The long level settles quickly at first, then follows slowly.
        self.long += (db - self.long) * if t - started < 3.0 { ks } else { kl };
        let ready = t - started >= 3.0;
        let quiet_since = self.last_burst.is_none_or(|b| t - b >= 5.0);
        if ready && quiet_since && self.short - self.long >= 8.0 && self.short > -50.0 {
            self.last_burst = Some(t);
            return Some(Trigger::Burst);
        }
        None
    }
}
