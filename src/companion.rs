//! Companion mode: Lumen watches with you. C (or "watch with me" / "be quiet, Lumen") turns it
//! on and off; on, she greets you about what is on, remarks when a programme starts and after a
//! long lull, and reacts to sudden bursts of loudness (a crowd erupting) with a gesture, an
//! expression and sometimes a line, all paced by the commentary scheduler (cooldown, daily
//! budget, never over you). Whether on or not, she moves to the music on TV: the player's audio
//! tap (`prism_media::Music`) gives the tempo, the beat and the loudness; a steady pulse makes
//! her dance, and she stops smoothly when the music does. The engine-free parts (sentiment,
//! reactions, the scheduler) are in `prism_core::companion`.

use std::time::Instant;

use bevy::prelude::*;
use prism_core::MediaCommand;
use prism_core::companion::reactions::{BurstDetector, reaction};
use prism_core::companion::scheduler::{Decision, Moment, Scheduler};

use crate::mascot::{Act, Groove};
use crate::tv::{Cmd, Tv};
use crate::voice::{Say, Voice};

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(Companion {
        on: false,
        scheduler: Scheduler::default(),
        started: Instant::now(),
        programme: None,
        bursts: BurstDetector::default(),
        levels_seen: 0,
        relax_at: None,
    })
    .add_systems(
        Update,
        (toggle, commentary, groove)
            .chain()
            .in_set(crate::AppSystems::Execute),
    );
}

#[derive(Resource)]
pub struct Companion {
    pub on: bool,
    scheduler: Scheduler,
    started: Instant,
    /// The channel and programme last seen, to notice a new one starting.
    programme: Option<(usize, String)>,
    bursts: BurstDetector,
    levels_seen: u64,
    /// When a reaction's expression has been held long enough.
    relax_at: Option<f64>,
}

impl Companion {
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

fn day() -> i64 {
    (crate::unix_now() + crate::utc_offset_seconds()).div_euclid(86_400)
}

/// C, or the voice grammar's companion commands.
fn toggle(
    mut c: ResMut<Companion>,
    keys: Res<ButtonInput<KeyCode>>,
    screen: Res<State<crate::Screen>>,
    mut cmds: MessageReader<Cmd>,
    mut say: MessageWriter<Say>,
    mut acts: MessageWriter<Act>,
) {
    let mut want = None;
    // Typing in the settings uses C.
    if keys.just_pressed(KeyCode::KeyC) && *screen.get() != crate::Screen::Settings {
        want = Some(!c.on);
    }
    for Cmd(cmd) in cmds.read() {
        if let MediaCommand::Companion { on } = cmd {
            want = Some(*on);
        }
    }
    let Some(on) = want.filter(|&on| on != c.on) else {
        return;
    };
    c.on = on;
    let now = c.now();
    if on {
        acts.write(Act::Gesture(prism_core::avatar::motion::Gesture::Wave));
        if c.scheduler.offer(&Moment::Greeting, now, day()) == Decision::Speak {
            say.write(Say::Remark(
                "(Companion mode is on: greet the viewer in one short, warm sentence about \
                 what is on now.)"
                    .into(),
            ));
        }
    } else {
        say.write(Say::Line("Okay, I'll keep quiet.".into()));
    }
}

/// Remarks at programme starts and lulls, reactions to loudness bursts.
fn commentary(
    mut c: ResMut<Companion>,
    tv: Option<Res<Tv>>,
    voice: Option<Res<Voice>>,
    mut say: MessageWriter<Say>,
    mut acts: MessageWriter<Act>,
) {
    let now = c.now();
    let busy = voice.as_ref().is_some_and(|v| v.busy());
    c.scheduler.user_busy(busy, now);
    let Some(tv) = tv else { return };
    // What is on: a new programme (not a zap) is a moment.
    let on_now = tv.current.and_then(|i| {
        let p = tv.guide()?.now_next(i, crate::unix_now()).now?;
        Some((i, p.title().to_string()))
    });
    let started = match (&c.programme, &on_now) {
        (Some((ci, ct)), Some((ni, nt))) => ci == ni && ct != nt,
        _ => false,
    };
    if on_now != c.programme {
        // Another channel's loudness is not a burst on this one.
        if on_now.as_ref().map(|p| p.0) != c.programme.as_ref().map(|p| p.0) {
            c.bursts = BurstDetector::default();
        }
        c.programme = on_now.clone();
    }
    if c.relax_at.is_some_and(|t| now >= t) {
        c.relax_at = None;
        acts.write(Act::Feel(
            prism_core::avatar::expression::Preset::Neutral,
            0.0,
        ));
    }
    if !c.on {
        return;
    }
    let d = day();
    if started {
        let title = on_now.map(|(_, t)| t).unwrap_or_default();
        if c.scheduler.offer(&Moment::ProgrammeStart, now, d) == Decision::Speak {
            say.write(Say::Remark(format!(
                "({title} is just starting: say one short line about it.)"
            )));
        }
    } else if c.scheduler.offer(&Moment::Lull, now, d) == Decision::Speak {
        say.write(Say::Remark(
            "(It has been quiet for a while: one short, friendly remark about what is on.)".into(),
        ));
    }
    // The TV's loudness, ten readings a second.
    if tv.audio_level.1 != c.levels_seen {
        c.levels_seen = tv.audio_level.1;
        if let Some(trigger) = c.bursts.push(now, tv.audio_level.0, 0.1) {
            let r = reaction(trigger);
            match c.scheduler.offer(&Moment::Reaction, now, d) {
                Decision::Skip(_) => {}
                decision => {
                    if let Some(g) = r.gesture {
                        acts.write(Act::Gesture(g));
                    }
                    acts.write(Act::Feel(r.expression, r.weight));
                    c.relax_at = Some(now + f64::from(r.hold));
                    if let (Decision::Speak, Some(line)) = (decision, r.line) {
                        say.write(Say::Line(line.into()));
                    }
                }
            }
        }
    }
}

/// How clear a pulse must be to dance to (the autocorrelation peak, 0–1).
const STEADY: f32 = 0.3;

fn groove(tv: Option<Res<Tv>>, mut acts: MessageWriter<Act>, mut told: Local<Option<(f32, f64)>>) {
    let music = tv.as_ref().and_then(|tv| tv.player.music().now());
    let pulse = music.and_then(|(beat, now)| {
        let bpm = beat.bpm.filter(|_| beat.confidence >= STEADY)?;
        Some((beat, bpm, beat.last_beat?, now))
    });
    // The mascot carries the beat forward itself: it is told when the analysis moves on (its
    // tempo updates four times a second) and when the music stops, not every frame.
    let key = pulse.map(|(_, bpm, last, _)| (bpm, last));
    if key == *told {
        return;
    }
    *told = key;
    let g = pulse.map(|(beat, bpm, last, now)| {
        let period = 60.0 / f64::from(bpm);
        // Beats counted from the analysis's start, so the two-beat sway keeps its side.
        let beats = (last / period).round() + (now - last) / period;
        // The music's loudness as the channel sends it: the tap hears the TV after its
        // volume, which must not change how much she dances. −45 dB barely moves her, −25 dB
        // and up is all in.
        let gain = tv
            .as_ref()
            .map_or(1.0, |tv| (f32::from(tv.volume) / 100.0).powi(3));
        let energy = beat.loudness / gain.max(1e-3);
        let db = 20.0 * energy.max(1e-6).log10();
        Groove {
            beats,
            bpm,
            intensity: ((db + 45.0) / 20.0).clamp(0.3, 1.0),
        }
    });
    acts.write(Act::Groove(g));
}
