//! Companion mode: Lumen watches with you. C (or "watch with me" / "be quiet, Lumen", or the
//! settings) turns it on and off; on, she greets you about what is on, remarks when a programme
//! starts and after a long lull, and reacts to what happens: words in the stream's captions
//! read against the programme's genre ("GOAL!" in a match, "breaking news" on the news) and
//! sudden bursts of loudness (a crowd erupting), with a gesture, an expression and sometimes a
//! line, all paced by the commentary scheduler (cooldown, daily budget, quiet level, never
//! over you). Whether on or not, she moves to the music on TV: the player's audio
//! tap (`prism_media::Music`) gives the tempo, the beat and the loudness; a steady pulse makes
//! her dance, and she stops smoothly when the music does. The engine-free parts (sentiment,
//! reactions, the scheduler) are in `prism_core::companion`.

use std::time::Instant;

use bevy::prelude::*;
use prism_core::MediaCommand;
use prism_core::companion::reactions::{BurstDetector, Genre, Trigger, from_caption, reaction};
use prism_core::companion::scheduler::{Decision, Moment, Scheduler};
use prism_core::epg::ProgrammeRef;

use crate::lumen::{Act, Groove};
use crate::settings::Settings;
use crate::tv::{Captioned, Cmd, Executed, Outcome, Tv};
use crate::voice::{Say, Voice};

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, start).add_systems(
        Update,
        (follow_settings, toggle, commentary, groove)
            .chain()
            .in_set(crate::app::AppSystems::Execute),
    );
}

fn start(mut commands: Commands, settings: Res<Settings>) {
    let mut c = Companion {
        on: settings.companion.on,
        // Turned on in an earlier session: she says hello once there is something on.
        greet: settings.companion.on,
        scheduler: Scheduler::default(),
        started: Instant::now(),
        programme: None,
        genre: Genre::Other,
        ending_told: None,
        bursts: BurstDetector::default(),
        levels_seen: 0,
        relax_at: None,
        reactions: Default::default(),
    };
    c.apply(&settings);
    commands.insert_resource(c);
}

/// The quiet level and cooldown follow the settings screen.
fn follow_settings(mut c: ResMut<Companion>, settings: Res<Settings>) {
    if settings.is_changed() {
        c.apply(&settings);
    }
}

#[derive(Resource)]
pub struct Companion {
    pub on: bool,
    /// Greet when the picture is up (companion mode was on when Prism started).
    greet: bool,
    scheduler: Scheduler,
    started: Instant,
    /// The channel and programme last seen, to notice a zap or a new programme starting.
    programme: Option<(usize, Option<String>)>,
    /// The genre of what is on, worked out when the channel or programme changes.
    genre: Genre,
    /// The programme whose ending was remarked on.
    ending_told: Option<String>,
    bursts: BurstDetector,
    levels_seen: u64,
    /// When a reaction's expression has been held long enough.
    relax_at: Option<f64>,
    /// The latest triggers (at most 16), what set each off, and what the scheduler allowed
    /// (autopilot, tests).
    pub reactions: std::collections::VecDeque<(Trigger, String, Decision)>,
}

impl Companion {
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn apply(&mut self, settings: &Settings) {
        self.scheduler.level = settings.companion.chattiness;
        self.scheduler.cooldown = f64::from(settings.companion.cooldown_s.max(5));
    }

    /// A trigger's gesture and expression (and line, if the scheduler allows one).
    fn react(
        &mut self,
        trigger: Trigger,
        cause: String,
        talking: bool,
        acts: &mut MessageWriter<Act>,
        say: &mut MessageWriter<Say>,
    ) {
        let now = self.now();
        let r = reaction(trigger);
        let decision = self
            .scheduler
            .offer_reaction(now, day(), trigger == Trigger::Burst);
        info!("companion: {trigger:?} from {cause:?}: {decision:?}");
        if self.reactions.len() == 16 {
            self.reactions.pop_front();
        }
        self.reactions.push_back((trigger, cause, decision));
        if let Decision::Skip(_) = decision {
            return;
        }
        if let Some(g) = r.gesture {
            acts.write(Act::Gesture(g));
        }
        acts.write(Act::Feel(r.expression, r.weight));
        self.relax_at = Some(now + f64::from(r.hold));
        // Mid-sentence she cheers without a word (the line would be dropped anyway).
        if let (Decision::Speak, Some(line), false) = (decision, r.line, talking) {
            say.write(Say::Line(line.into()));
        }
    }
}

/// The genre of what is on: the programme's category in the guide, else the channel's group.
fn genre(tv: &Tv, channel: usize, on_now: Option<ProgrammeRef>) -> Genre {
    on_now
        .and_then(|p| p.categories().next().map(Genre::of))
        .filter(|g| *g != Genre::Other)
        .or_else(|| {
            let group = tv.channel(channel)?.groups.first()?;
            Some(Genre::of(group))
        })
        .unwrap_or(Genre::Other)
}

/// The gain between the channel's sound and what the player's meter and tap hear: the
/// viewer's volume and the ducking under Lumen's voice.
fn heard_gain(tv: &Tv, voice: Option<&Voice>) -> f32 {
    prism_media::volume_gain(tv.volume) as f32 * voice.map_or(1.0, Voice::duck)
}

fn day() -> i64 {
    crate::time::local_day(crate::time::unix_now())
}

/// C, or the voice grammar's companion commands, or the settings screen's switch.
fn toggle(
    mut c: ResMut<Companion>,
    mut keys: MessageReader<crate::input::Action>,
    mut cmds: MessageReader<Cmd>,
    mut done: MessageWriter<Executed>,
    mut say: MessageWriter<Say>,
    mut acts: MessageWriter<Act>,
    mut settings: ResMut<Settings>,
    tv: Option<Res<Tv>>,
) {
    // On from the last session: hello once the picture is up.
    if c.greet
        && tv
            .as_ref()
            .is_some_and(|tv| tv.status == crate::tv::Status::Playing)
    {
        c.greet = false;
        greet(&mut c, &mut say, &mut acts);
    }
    let mut want = None;
    if keys.read().any(|a| *a == crate::input::Action::Companion) {
        want = Some(!c.on);
    }
    for Cmd(cmd) in cmds.read() {
        if let MediaCommand::Companion { on } = cmd {
            want = Some(*on);
            done.write(Executed {
                cmd: cmd.clone(),
                outcome: Outcome::Companion(*on),
            });
        }
    }
    // The settings screen's switch.
    if settings.companion.on != c.on && want.is_none() && settings.is_changed() {
        want = Some(settings.companion.on);
    }
    let Some(on) = want.filter(|&on| on != c.on) else {
        return;
    };
    c.on = on;
    c.greet = false;
    if settings.companion.on != on {
        settings.companion.on = on;
    }
    if on {
        greet(&mut c, &mut say, &mut acts);
    } else {
        say.write(Say::Line(crate::i18n::spoken(|| {
            crate::t!("companion-quiet")
        })));
    }
}

fn greet(c: &mut Companion, say: &mut MessageWriter<Say>, acts: &mut MessageWriter<Act>) {
    acts.write(Act::Gesture(prism_core::avatar::motion::Gesture::Wave));
    let now = c.now();
    if c.scheduler.offer(&Moment::Greeting, now, day()) == Decision::Speak {
        say.write(Say::Remark(prism_core::companion::GREETING.into()));
    }
}

/// Remarks at programme starts and lulls, reactions to captions and loudness bursts.
fn commentary(
    mut c: ResMut<Companion>,
    tv: Option<Res<Tv>>,
    voice: Option<Res<Voice>>,
    mut captions: MessageReader<Captioned>,
    mut say: MessageWriter<Say>,
    mut acts: MessageWriter<Act>,
) {
    let now = c.now();
    // The user talking to her (or waiting for an answer) holds her commentary; her own remark
    // in progress does not stop a silent cheer.
    let engaged = voice.as_ref().is_some_and(|v| v.user_engaged());
    c.scheduler.user_busy(engaged, now);
    let talking = voice.as_ref().is_some_and(|v| v.busy());
    let Some(tv) = tv else { return };
    // What is on screen, read from the guide once a frame (earlier than now when the viewer
    // paused or rewound: her remarks are about the picture, not the live edge).
    let t = tv.on_screen_time();
    let now_next = tv
        .current
        .map(|i| (i, tv.guide().map(|g| g.now_next(i, t)).unwrap_or_default()));
    let seen = now_next
        .as_ref()
        .map(|(i, nn)| (*i, nn.now.map(|p| p.title().to_string())));
    // A new programme on the same channel (not a zap) is a moment.
    let started = match (&c.programme, &seen) {
        (Some((ci, Some(ct))), Some((ni, Some(nt)))) => ci == ni && ct != nt,
        _ => false,
    };
    if seen != c.programme {
        // Another channel's loudness is not a burst on this one.
        if seen.as_ref().map(|p| p.0) != c.programme.as_ref().map(|p| p.0) {
            c.bursts = BurstDetector::default();
        }
        c.genre = now_next
            .as_ref()
            .map_or(Genre::Other, |(i, nn)| genre(&tv, *i, nn.now));
        c.programme = seen.clone();
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
    // The last minute of a programme, with something after it in the guide.
    let ending = now_next.as_ref().and_then(|(_, nn)| {
        let (p, next) = (nn.now?, nn.next?);
        (p.stop() - t <= 60).then(|| (p.title().to_string(), next.title().to_string()))
    });
    let ending = ending.filter(|(title, _)| c.ending_told.as_ref() != Some(title));
    if let Some((title, next)) = ending {
        c.ending_told = Some(title.clone());
        if c.scheduler.offer(&Moment::ProgrammeEnd, now, d) == Decision::Speak {
            say.write(Say::Remark(format!(
                "({title} is ending and {next} is next: one short line about either.)"
            )));
        }
    } else if started {
        let title = seen.and_then(|(_, t)| t).unwrap_or_default();
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
    // Words in the captions, read against what kind of programme this is.
    let g = c.genre;
    for Captioned(text) in captions.read() {
        if let Some(trigger) = from_caption(text, g) {
            c.react(trigger, text.clone(), talking, &mut acts, &mut say);
        }
    }
    // The TV's loudness, ten readings a second, as the channel sends it: the viewer's volume
    // and the ducking under Lumen's own voice divided out (the TV coming back up after she
    // speaks is not a crowd erupting).
    if tv.audio_level.1 != c.levels_seen {
        c.levels_seen = tv.audio_level.1;
        let db = tv.audio_level.0 - 20.0 * heard_gain(&tv, voice.as_deref()).max(1e-4).log10();
        if !tv.muted
            && let Some(trigger) = c.bursts.push(now, db, 0.1)
        {
            c.react(trigger, format!("{db:.0} dB"), talking, &mut acts, &mut say);
        }
    }
}

/// How clear a pulse must be to dance to (the autocorrelation peak, 0–1); on a programme the
/// guide files under music, a fainter one will do.
const STEADY: f32 = 0.3;
const STEADY_ON_MUSIC: f32 = 0.2;

fn groove(
    c: Res<Companion>,
    tv: Option<Res<Tv>>,
    voice: Option<Res<Voice>>,
    mut acts: MessageWriter<Act>,
    mut told: Local<Option<(f32, f64)>>,
    mut bright: Local<Option<f32>>,
) {
    let music = tv.as_ref().and_then(|tv| tv.player.beat());
    let steady = if c.genre == Genre::Music {
        STEADY_ON_MUSIC
    } else {
        STEADY
    };
    let pulse = music.and_then(|(beat, now)| {
        let bpm = beat.bpm.filter(|_| beat.confidence >= steady)?;
        Some((beat, bpm, beat.last_beat?, now))
    });
    // The mascot carries the beat forward itself: it is told when the analysis moves on (its
    // tempo updates four times a second) and when the music stops, not every frame.
    let key = pulse.map(|(_, bpm, last, _)| (bpm, last));
    if key == *told {
        return;
    }
    *told = key;
    // Brightness over a couple of seconds (the bands follow each beat).
    let b = match (pulse, *bright) {
        (Some((beat, ..)), Some(b)) => b + (beat.brightness() - b) * 0.12,
        (Some((beat, ..)), None) => beat.brightness(),
        (None, _) => 0.5,
    };
    *bright = pulse.map(|_| b);
    let g = pulse.map(|(beat, bpm, last, now)| {
        let period = 60.0 / f64::from(bpm);
        // Beats counted from the analysis's start, so the two-beat sway keeps its side.
        let beats = (last / period).round() + (now - last) / period;
        // The music's loudness as the channel sends it: the tap hears the TV after its
        // volume and the ducking under Lumen's voice, which must not change how much she
        // dances. −45 dB barely moves her, −25 dB and up is all in.
        let gain = tv
            .as_ref()
            .map_or(1.0, |tv| heard_gain(tv, voice.as_deref()));
        let energy = beat.loudness / gain.max(1e-3);
        let db = 20.0 * energy.max(1e-6).log10();
        let intensity = ((db + 45.0) / 20.0).clamp(0.3, 1.0);
        Groove {
            beats,
            bpm,
            intensity,
            mood: prism_core::companion::beat::music_mood(intensity, b),
        }
    });
    acts.write(Act::Groove(g));
}
