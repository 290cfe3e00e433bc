//! How the user sounds, from their words: valence (−1…1), intensity (0…1) and five emotions
//! (joy, sadness, anger, fear, surprise). Lexicon-based in the manner of VADER (Hutto & Gilbert
//! 2014): word scores, negation that flips and damps ("not bad" is mildly good), boosters and
//! dampers ("really annoyed", "a bit slow"), "but" shifting the weight to what follows, and
//! exclamation marks. Microseconds per sentence, no model, explainable; its accuracy on
//! Prism's labelled set is measured in `tests/sentiment.rs`.

use crate::avatar::expression::Preset;
use crate::command::normalise;

/// How Lumen answers someone who sounds a certain way: her face while she replies, and her
/// voice's pace and liveliness as factors on Piper's `length_scale` (above 1 is slower) and
/// `noise_scale` (below 1 is steadier, flatter; above is livelier).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    pub expression: Option<(Preset, f32)>,
    pub length: f32,
    pub noise: f32,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            expression: None,
            length: 1.0,
            noise: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Emotion {
    Joy,
    Sadness,
    Anger,
    Fear,
    Surprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    Positive,
    Negative,
    Neutral,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sentiment {
    /// −1 (very negative) … 1 (very positive).
    pub valence: f32,
    /// 0 (flat) … 1 (strongly felt), whatever the direction.
    pub intensity: f32,
    /// Each emotion's strength, 0…1, in [`Emotion`] order.
    pub emotions: [(Emotion, f32); 5],
}

impl Sentiment {
    pub fn polarity(&self) -> Polarity {
        if self.valence >= 0.05 {
            Polarity::Positive
        } else if self.valence <= -0.05 {
            Polarity::Negative
        } else {
            Polarity::Neutral
        }
    }

    /// The strongest emotion, if any is felt.
    pub fn dominant(&self) -> Option<(Emotion, f32)> {
        self.emotions
            .iter()
            .copied()
            .filter(|(_, w)| *w > 0.1)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// A line for the language model's context, when the user's mood should change how Lumen
    /// answers.
    pub fn advice(&self) -> Option<&'static str> {
        match self.dominant() {
            Some((Emotion::Anger, w)) if w > 0.3 => {
                Some("The user sounds frustrated: be brief and helpful.")
            }
            Some((Emotion::Sadness, w)) if w > 0.3 => Some("The user sounds down: be gentle."),
            Some((Emotion::Fear, w)) if w > 0.3 => Some("The user sounds worried: be calm."),
            Some((Emotion::Joy, w)) if w > 0.4 => Some("The user is in a good mood: share it."),
            _ => None,
        }
    }

    /// How Lumen should sound and look answering this: calm and slower for frustration,
    /// gentle for sadness, steady for worry, brighter and quicker for joy. The stronger the
    /// feeling, the further from her usual delivery (at most 20 % slower or 15 % quicker).
    pub fn delivery(&self) -> Delivery {
        let Some((emotion, w)) = self.dominant().filter(|(_, w)| *w > 0.2) else {
            return Delivery::default();
        };
        let k = (0.4 + self.intensity).min(1.0);
        let (expression, length, noise) = match emotion {
            // Empathy, not a mirror: she does not get angry back.
            Emotion::Anger => ((Preset::Relaxed, 0.35), 1.15, 0.75),
            Emotion::Sadness => ((Preset::Sad, 0.45), 1.20, 0.70),
            Emotion::Fear => ((Preset::Relaxed, 0.45), 1.15, 0.75),
            Emotion::Joy => ((Preset::Happy, 0.7), 0.85, 1.15),
            Emotion::Surprise => ((Preset::Surprised, 0.5), 0.93, 1.10),
        };
        Delivery {
            expression: Some((expression.0, expression.1 * w.clamp(0.5, 1.0))),
            length: 1.0 + (length - 1.0) * k,
            noise: 1.0 + (noise - 1.0) * k,
        }
    }
}

use Emotion::*;

/// Word → valence (−4…4) and the emotion it carries. Stems match words that start with them
/// when marked with a trailing `*`.
const LEXICON: &[(&str, f32, Option<Emotion>)] = &[
    // Positive.
    ("love*", 3.2, Some(Joy)),
    ("like", 1.5, Some(Joy)),
    ("liked", 1.5, Some(Joy)),
    ("enjoy*", 2.2, Some(Joy)),
    ("great", 3.1, Some(Joy)),
    ("good", 1.9, Some(Joy)),
    ("nice", 1.8, Some(Joy)),
    ("fine", 0.8, None),
    ("ok", 0.6, None),
    ("okay", 0.6, None),
    ("cool", 1.3, Some(Joy)),
    ("awesome", 3.1, Some(Joy)),
    ("amazing", 2.8, Some(Surprise)),
    ("brilliant", 2.8, Some(Joy)),
    ("excellent", 3.2, Some(Joy)),
    ("fantastic", 2.6, Some(Joy)),
    ("wonderful", 2.7, Some(Joy)),
    ("beautiful", 2.9, Some(Joy)),
    ("lovely", 2.8, Some(Joy)),
    ("perfect", 2.7, Some(Joy)),
    ("best", 3.2, Some(Joy)),
    ("better", 1.9, None),
    ("happy", 2.7, Some(Joy)),
    ("glad", 2.0, Some(Joy)),
    ("fun", 2.3, Some(Joy)),
    ("funny", 1.9, Some(Joy)),
    ("hilarious", 2.4, Some(Joy)),
    ("laugh*", 2.0, Some(Joy)),
    ("exciting", 2.2, Some(Joy)),
    ("excited", 2.2, Some(Joy)),
    ("thrill*", 2.4, Some(Joy)),
    ("yay", 2.4, Some(Joy)),
    ("yes", 1.2, Some(Joy)),
    ("wow", 2.3, Some(Surprise)),
    ("whoa", 1.2, Some(Surprise)),
    ("incredible", 2.5, Some(Surprise)),
    ("unbelievable", 0.8, Some(Surprise)),
    ("surpris*", 1.0, Some(Surprise)),
    ("shock*", -1.5, Some(Surprise)),
    ("wins", 2.6, Some(Joy)),
    ("win", 2.8, Some(Joy)),
    ("won", 2.7, Some(Joy)),
    ("goal", 1.5, Some(Joy)),
    ("thanks", 1.9, Some(Joy)),
    ("thank", 1.5, Some(Joy)),
    ("interesting", 1.7, None),
    ("relax*", 1.9, None),
    ("calm", 1.3, None),
    ("cosy", 1.8, Some(Joy)),
    ("cozy", 1.8, Some(Joy)),
    ("favourite", 2.0, Some(Joy)),
    ("favorite", 2.0, Some(Joy)),
    ("masterpiece", 3.0, Some(Joy)),
    ("gorgeous", 3.0, Some(Joy)),
    ("delight*", 2.9, Some(Joy)),
    ("pleas*", 1.5, Some(Joy)),
    ("proud", 2.1, Some(Joy)),
    ("hope*", 1.8, None),
    ("sweet", 2.0, Some(Joy)),
    ("epic", 2.3, Some(Joy)),
    ("classic", 1.2, None),
    ("recommend*", 1.5, None),
    ("worth", 0.9, None),
    // Negative.
    ("bad", -2.5, Some(Sadness)),
    ("worse", -2.1, None),
    ("worst", -3.1, Some(Anger)),
    ("awful", -2.0, Some(Anger)),
    ("terrible", -2.1, Some(Anger)),
    ("horrible", -2.5, Some(Anger)),
    ("dreadful", -2.7, Some(Anger)),
    ("rubbish", -1.9, Some(Anger)),
    ("garbage", -2.2, Some(Anger)),
    ("trash", -2.0, Some(Anger)),
    ("crap", -1.6, Some(Anger)),
    ("sucks", -1.5, Some(Anger)),
    ("suck", -1.5, Some(Anger)),
    ("hate*", -2.7, Some(Anger)),
    ("annoy*", -1.7, Some(Anger)),
    ("irritat*", -1.8, Some(Anger)),
    ("angry", -2.3, Some(Anger)),
    ("mad", -2.2, Some(Anger)),
    ("furious", -2.7, Some(Anger)),
    ("frustrat*", -2.1, Some(Anger)),
    ("stupid", -2.4, Some(Anger)),
    ("ridiculous", -1.8, Some(Anger)),
    ("useless", -1.8, Some(Anger)),
    ("broken", -1.8, Some(Anger)),
    ("fail*", -2.3, Some(Sadness)),
    ("lost", -1.3, Some(Sadness)),
    ("lose", -1.6, Some(Sadness)),
    ("losing", -1.6, Some(Sadness)),
    ("boring", -1.3, Some(Sadness)),
    ("bored", -1.1, Some(Sadness)),
    ("dull", -1.7, Some(Sadness)),
    ("slow", -0.9, None),
    ("sad", -2.1, Some(Sadness)),
    ("unhappy", -1.8, Some(Sadness)),
    ("depress*", -2.3, Some(Sadness)),
    ("miserable", -2.2, Some(Sadness)),
    ("tired", -1.9, Some(Sadness)),
    ("lonely", -1.8, Some(Sadness)),
    ("cry*", -2.1, Some(Sadness)),
    ("disappoint*", -2.1, Some(Sadness)),
    ("miss", -0.8, Some(Sadness)),
    ("sorry", -0.3, Some(Sadness)),
    ("upset", -1.6, Some(Sadness)),
    ("scared", -1.9, Some(Fear)),
    ("scary", -2.2, Some(Fear)),
    ("afraid", -2.0, Some(Fear)),
    ("fear*", -2.2, Some(Fear)),
    ("frighten*", -1.9, Some(Fear)),
    ("terrif*", -2.6, Some(Fear)),
    ("worr*", -1.9, Some(Fear)),
    ("nervous", -1.6, Some(Fear)),
    ("anxious", -1.0, Some(Fear)),
    ("creepy", -1.9, Some(Fear)),
    ("danger*", -2.0, Some(Fear)),
    ("ugh", -1.8, Some(Anger)),
    ("meh", -0.9, Some(Sadness)),
    ("no", -1.2, None),
    ("wrong", -2.1, Some(Anger)),
    ("problem", -1.7, None),
    ("confus*", -1.3, None),
    ("weird", -0.7, None),
    ("noisy", -1.2, Some(Anger)),
    ("loud", -0.5, None),
    ("quiet", 0.3, None),
    ("lag*", -1.3, Some(Anger)),
    ("buffer*", -1.1, Some(Anger)),
    ("freez*", -1.2, Some(Anger)),
    ("mess", -1.5, Some(Anger)),
    ("waste", -1.8, Some(Anger)),
    ("pointless", -1.7, Some(Anger)),
    ("cheesy", -0.8, None),
    ("predictable", -1.0, Some(Sadness)),
];

/// Words that scale the next scored word.
const BOOSTERS: &[(&str, f32)] = &[
    ("really", 0.293),
    ("very", 0.293),
    ("so", 0.293),
    ("extremely", 0.4),
    ("incredibly", 0.4),
    ("totally", 0.3),
    ("absolutely", 0.4),
    ("completely", 0.3),
    ("super", 0.3),
    ("quite", 0.15),
    ("too", 0.2),
    ("most", 0.25),
    ("truly", 0.3),
    ("damn", 0.3),
    ("bloody", 0.3),
    ("way", 0.2),
    ("kinda", -0.3),
    ("slightly", -0.4),
    ("somewhat", -0.3),
    ("barely", -0.5),
    ("little", -0.3),
    ("bit", -0.3),
    ("fairly", -0.2),
    ("rather", -0.15),
];

const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "hardly",
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant", "cannot", "couldnt",
    "wont", "wouldnt", "shouldnt", "aint", "havent", "hasnt", "hadnt", "nt",
];

/// Scaling of a negated word (VADER's constant).
const NEGATE: f32 = -0.74;

fn score(word: &str) -> Option<(f32, Option<Emotion>)> {
    LEXICON.iter().find_map(|(w, v, e)| {
        let hit = match w.strip_suffix('*') {
            Some(stem) => word.starts_with(stem),
            None => word == *w,
        };
        hit.then_some((*v, *e))
    })
}

pub fn analyse(text: &str) -> Sentiment {
    let norm = normalise(text);
    let toks: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    let shouting = text.chars().filter(|c| c.is_alphabetic()).count() > 3
        && !text.chars().any(|c| c.is_lowercase());
    let but = toks.iter().position(|w| *w == "but");
    let mut total = 0.0f32;
    let mut emotions = [
        (Joy, 0.0f32),
        (Sadness, 0.0),
        (Anger, 0.0),
        (Fear, 0.0),
        (Surprise, 0.0),
    ];
    for (i, w) in toks.iter().enumerate() {
        // "no" as a negation of what follows ("no good") is not a score of its own.
        if *w == "no" && toks.get(i + 1).is_some_and(|n| score(n).is_some()) {
            continue;
        }
        let Some((mut v, emotion)) = score(w) else {
            continue;
        };
        // "like" as a comparison or filler ("looks like", "like a") is not liking.
        if *w == "like"
            && i > 0
            && !matches!(
                toks[i - 1],
                "i" | "really" | "we" | "you" | "dont" | "didnt" | "do" | "would"
            )
        {
            continue;
        }
        // Boosters and dampers up to three words before, fading with distance.
        for (d, b) in (1..=3).filter_map(|d| Some((d, *toks.get(i.checked_sub(d)?)?))) {
            if let Some((_, k)) = BOOSTERS.iter().find(|(x, _)| *x == b) {
                let k = k * [1.0, 0.95, 0.9][d - 1];
                v += v.signum() * k * v.abs().max(1.0);
            }
        }
        // Negation up to three words before: flips and damps. "not bad at all" is good.
        let negated = (1..=3).any(|d| {
            i.checked_sub(d)
                .and_then(|j| toks.get(j))
                .is_some_and(|p| NEGATIONS.contains(p))
        });
        let mut felt = true;
        if negated {
            v *= NEGATE;
            felt = false;
            if toks.get(i + 1..i + 3) == Some(&["at", "all"]) && v > 0.0 {
                v *= 1.4;
            }
        }
        if let Some(b) = but {
            v *= if i < b { 0.5 } else { 1.5 };
        }
        if shouting {
            v *= 1.25;
        }
        total += v;
        // A negated emotion word ("not scared") does not carry its emotion.
        if let (Some(e), true) = (emotion, felt) {
            let slot = emotions
                .iter_mut()
                .find(|(x, _)| *x == e)
                .expect("all listed");
            slot.1 += v.abs() / 4.0;
        }
    }
    let bangs = text.matches('!').count().min(4) as f32;
    if total != 0.0 {
        total += total.signum() * bangs * 0.292;
    }
    let valence = total / (total * total + 15.0).sqrt();
    let intensity = (valence.abs() + bangs * 0.05 + if shouting { 0.15 } else { 0.0 }).min(1.0);
    let mut emotions = emotions.map(|(e, w)| (e, w.min(1.0)));
    // Surprise with "!" or "?!" is stronger.
    if text.contains("?!") || text.contains("!?") {
        emotions[4].1 = (emotions[4].1 + 0.3).min(1.0);
    }
    Sentiment {
        valence,
        intensity,
        emotions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_intensifiers_and_but() {
        assert_eq!(analyse("not bad at all").polarity(), Polarity::Positive);
        assert_eq!(analyse("this is not good").polarity(), Polarity::Negative);
        let annoyed = analyse("I'm annoyed");
        let really = analyse("I'm really annoyed");
        assert!(
            really.valence < annoyed.valence,
            "{really:?} vs {annoyed:?}"
        );
        assert_eq!(really.dominant().map(|d| d.0), Some(Anger));
        assert!(really.advice().is_some_and(|a| a.contains("brief")));
        assert_eq!(
            analyse("the acting was bad but the ending was brilliant").polarity(),
            Polarity::Positive
        );
        assert_eq!(
            analyse("what channel is this").polarity(),
            Polarity::Neutral
        );
        assert!(analyse("GREAT!!!").intensity > analyse("great").intensity);
        assert_eq!(analyse("I'm not scared").dominant(), None);
        assert_eq!(analyse("it looks like rain").polarity(), Polarity::Neutral);
    }
}
