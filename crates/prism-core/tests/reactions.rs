//! Reaction triggers from a caption fixture (tests/fixtures/sports.vtt, the kind of lines the
//! demo sports channel carries) and from a loudness burst, and the animation payloads they give.

use prism_core::avatar::expression::Preset;
use prism_core::avatar::motion::Gesture;
use prism_core::companion::reactions::{BurstDetector, Genre, Trigger, from_caption, reaction};

/// (start seconds, text) of each cue of a WebVTT file.
fn cues(vtt: &str) -> Vec<(f64, String)> {
    let secs = |ts: &str| {
        let p: Vec<f64> = ts.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2]
    };
    vtt.split("\n\n")
        .filter_map(|block| {
            let mut lines = block.lines();
            let timing = lines.find(|l| l.contains("-->"))?;
            let start = secs(timing.split(" --> ").next()?.trim());
            Some((start, lines.collect::<Vec<_>>().join(" ")))
        })
        .collect()
}

#[test]
fn captions_trigger_the_genres_reactions() {
    let cues = cues(include_str!("fixtures/sports.vtt"));
    assert_eq!(cues.len(), 7);
    let fired: Vec<(f64, Trigger)> = cues
        .iter()
        .filter_map(|(t, text)| Some((*t, from_caption(text, Genre::of("Football"))?)))
        .collect();
    // "breaking through the defence" is football, not news; "[CROWD CHEERING]" is caption
    // markup and counts anywhere.
    assert_eq!(
        fired,
        [
            (9.0, Trigger::Goal),
            (12.0, Trigger::Applause),
            (20.0, Trigger::Penalty),
            (30.0, Trigger::RedCard)
        ]
    );
    let goal = reaction(Trigger::Goal);
    assert_eq!(goal.gesture, Some(Gesture::Cheer));
    assert_eq!(goal.expression, Preset::Happy);
    assert!(goal.hold >= 2.0 && goal.line.is_some_and(|l| l.contains("Goal")));
    assert_eq!(reaction(Trigger::Penalty).expression, Preset::Surprised);
    // The same words on the news channel are news.
    assert_eq!(
        from_caption("Breaking news: the match is off", Genre::of("News")),
        Some(Trigger::Breaking)
    );
    assert_eq!(
        from_caption("What a goal that was", Genre::of("News")),
        None
    );
    assert_eq!(
        from_caption("Encore!", Genre::of("Music / Concert")),
        Some(Trigger::Encore)
    );
}

#[test]
fn a_loudness_burst_is_one_reaction() {
    let mut d = BurstDetector::default();
    let mut fired = Vec::new();
    // Ten readings a second, like the player's level meter: 12 s of steady commentary at
    // −30 dB, the crowd erupting to −16 dB for 2 s, then back.
    for i in 0..200 {
        let t = f64::from(i) * 0.1;
        let db = if (12.0..14.0).contains(&t) {
            -16.0
        } else {
            -30.0
        };
        if let Some(trigger) = d.push(t, db, 0.1) {
            fired.push((t, trigger));
        }
    }
    assert_eq!(fired.len(), 1, "{fired:?}");
    let (t, trigger) = fired[0];
    assert!((12.0..12.6).contains(&t), "fired at {t}");
    let r = reaction(trigger);
    assert_eq!(
        (r.gesture, r.expression),
        (Some(Gesture::StepBack), Preset::Surprised)
    );

    // A slow swell (a song building up) is not a burst.
    let mut d = BurstDetector::default();
    for i in 0..300 {
        let t = f64::from(i) * 0.1;
        let db = -40.0 + (t as f32) * 0.5;
        assert_eq!(d.push(t, db, 0.1), None, "at {t}");
    }
}
