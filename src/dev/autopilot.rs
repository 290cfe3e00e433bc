//! Drives the real app from a script for end-to-end tests and screenshots: `PRISM_SCRIPT` holds
//! steps separated by `;` —
//! `wait SECS`, `playing` (wait until a picture is on, up to 90 s), `key KEYCODE` (press and
//! release through Bevy's keyboard input, like a real key), `shot PATH`, `zaptime`,
//! `cpu SECS` (CPU time per frame shown), `type TEXT`, `move X Y` / `click X Y` (the mouse,
//! in logical pixels from the window's top left), `pad BUTTON` (a gamepad button, e.g. `South`,
//! `DPadDown`, through the same raw events gilrs sends), `lumen` (wait until the avatar is
//! on screen, up to 90 s), `feel EXPRESSION [WEIGHT]`, `gesture NAME`, `mouth VISEME|none`, `mouthlog [N]` (the lines spoken and the mouth as applied; with N,
//! Lumen recites until N frames are logged),
//! `loudness DBFS` (speech level without a track), `look viewer|picture|auto`, `pin EXPRESSION WEIGHT|none` (hold an expression's input), `speak TRACK.json` (a recorded viseme track), `drop PATH` (a file dropped on the window),
//! `message` (what Lumen last told the user), `tiles` (the channels of the TV and the other tiles, and the focus),
//! `tilesplaying` (wait until every other tile that plays shows its picture, up to 90 s), `quit`.
//! Results are printed as `autopilot: ...` lines on stdout.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::input::ButtonState;
use bevy::input::gamepad::{
    GamepadConnection, GamepadConnectionEvent, RawGamepadButtonChangedEvent, RawGamepadEvent,
};
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::input::mouse::MouseButtonInput;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use bevy::window::CursorMoved;
use bevy::window::PrimaryWindow;

use crate::tv::video::{UPLOAD_NANOS, UPLOADS, VideoStats};
use crate::tv::{Status, Tv};
use std::sync::atomic::Ordering;

pub fn plugin(app: &mut App) {
    let Ok(script) = std::env::var("PRISM_SCRIPT") else {
        return;
    };
    let steps = script
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    app.insert_resource(Autopilot {
        steps,
        until: None,
        release: None,
        release_mouse: false,
        shot: None,
        pad: None,
        release_pad: None,
        started: Instant::now(),
        step: (usize::MAX, Instant::now()),
        cpu_mark: None,
        lumen_mark: (0, 0),
        frames: None,
    })
    .add_systems(Update, step.in_set(crate::app::AppSystems::Input));
}

#[derive(Resource)]
struct Autopilot {
    steps: VecDeque<String>,
    until: Option<Instant>,
    release: Option<KeyCode>,
    release_mouse: bool,
    /// A screenshot being written: the next step waits for the file (10 s at most), so a
    /// loaded machine cannot quit before the capture lands.
    shot: Option<(PathBuf, Instant)>,
    /// A virtual gamepad, connected on first use, and the button to release.
    pad: Option<Entity>,
    release_pad: Option<GamepadButton>,
    /// Lumen's animation time and frames when a `cpu` span began.
    lumen_mark: (u64, u64),
    started: Instant,
    /// `frametimes`: each frame's interval (ms) since the span began, and the last frame.
    frames: Option<(Vec<f32>, Instant)>,
    /// How many steps were left when the current one began, and when: a step's time limit
    /// counts from its own start, not the app's, so a long script is not cut short.
    step: (usize, Instant),
    cpu_mark: Option<(f64, u64, Instant, u64, u64)>,
}

/// What `mouthlog N` has Lumen say: vowels to open her mouth on, and commas for the pauses
/// that must shut it.
const RECITE: &str = "Well, hello again, I am Lumen, and I am watching the TV with you.";

fn key_code(name: &str) -> Option<KeyCode> {
    Some(match name {
        "Up" => KeyCode::ArrowUp,
        "Down" => KeyCode::ArrowDown,
        "Left" => KeyCode::ArrowLeft,
        "Right" => KeyCode::ArrowRight,
        "Enter" => KeyCode::Enter,
        "Escape" => KeyCode::Escape,
        "Backspace" => KeyCode::Backspace,
        "G" => KeyCode::KeyG,
        "S" => KeyCode::KeyS,
        "Tab" => KeyCode::Tab,
        "Delete" => KeyCode::Delete,
        "M" => KeyCode::KeyM,
        "F" => KeyCode::KeyF,
        "Space" => KeyCode::Space,
        "End" => KeyCode::End,
        "Plus" => KeyCode::Equal,
        "Minus" => KeyCode::Minus,
        "PageDown" => KeyCode::PageDown,
        "PageUp" => KeyCode::PageUp,
        "Slash" => KeyCode::Slash,
        "L" => KeyCode::KeyL,
        "C" => KeyCode::KeyC,
        "T" => KeyCode::KeyT,
        "K" => KeyCode::KeyK,
        "J" => KeyCode::KeyJ,
        "F3" => KeyCode::F3,
        "F9" => KeyCode::F9,
        "F10" => KeyCode::F10,
        "F11" => KeyCode::F11,
        "I" => KeyCode::KeyI,
        // Any other letter: its key.
        l if l.len() == 1 && l.as_bytes()[0].is_ascii_uppercase() => {
            char_key(l.as_bytes()[0].to_ascii_lowercase() as char)
        }
        d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() => match d {
            "0" => KeyCode::Digit0,
            "1" => KeyCode::Digit1,
            "2" => KeyCode::Digit2,
            "3" => KeyCode::Digit3,
            "4" => KeyCode::Digit4,
            "5" => KeyCode::Digit5,
            "6" => KeyCode::Digit6,
            "7" => KeyCode::Digit7,
            "8" => KeyCode::Digit8,
            _ => KeyCode::Digit9,
        },
        _ => return None,
    })
}

/// The key a character is typed with on a US layout (what X11 reports as the key code).
pub fn char_key(ch: char) -> KeyCode {
    use KeyCode::*;
    const LETTERS: [KeyCode; 26] = [
        KeyA, KeyB, KeyC, KeyD, KeyE, KeyF, KeyG, KeyH, KeyI, KeyJ, KeyK, KeyL, KeyM, KeyN, KeyO,
        KeyP, KeyQ, KeyR, KeyS, KeyT, KeyU, KeyV, KeyW, KeyX, KeyY, KeyZ,
    ];
    const DIGITS: [KeyCode; 10] = [
        Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
    ];
    match ch.to_ascii_lowercase() {
        c @ 'a'..='z' => LETTERS[(c as u8 - b'a') as usize],
        c @ '0'..='9' => DIGITS[(c as u8 - b'0') as usize],
        ' ' => Space,
        '/' | '?' => Slash,
        '.' | '>' => Period,
        ',' | '<' => Comma,
        '-' | '_' => Minus,
        '=' | '+' => Equal,
        ':' | ';' => Semicolon,
        '\'' | '"' => Quote,
        _ => Unidentified(bevy::input::keyboard::NativeKeyCode::Unidentified),
    }
}

fn send(
    keys: &mut MessageWriter<KeyboardInput>,
    window: Entity,
    code: KeyCode,
    state: ButtonState,
) {
    keys.write(KeyboardInput {
        key_code: code,
        logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
        state,
        text: None,
        repeat: false,
        window,
    });
}

fn step(
    mut pilot: ResMut<Autopilot>,
    mut commands: Commands,
    mut keys: MessageWriter<KeyboardInput>,
    mut mouse: MessageWriter<MouseButtonInput>,
    mut moved: MessageWriter<CursorMoved>,
    (mut raw_pad, mut plug): (
        MessageWriter<RawGamepadEvent>,
        MessageWriter<GamepadConnectionEvent>,
    ),
    mut windows: Query<(Entity, &mut Window), With<PrimaryWindow>>,
    tv: Option<Res<Tv>>,
    (stats, tiles, air, screen): (
        Option<Res<VideoStats>>,
        Option<Res<crate::studio::tiles::Tiles>>,
        Option<Res<crate::studio::broadcast::OnAir>>,
        Option<Res<State<crate::app::Screen>>>,
    ),
    mut exit: MessageWriter<AppExit>,
    (mut lumen, mut acts, mut drops, voice, mut hear, mut say, companion): (
        Option<ResMut<crate::lumen::Lumen>>,
        MessageWriter<crate::lumen::Act>,
        MessageWriter<bevy::window::FileDragAndDrop>,
        Option<Res<crate::voice::Voice>>,
        MessageWriter<crate::voice::Hear>,
        MessageWriter<crate::voice::Say>,
        Option<Res<crate::companion::Companion>>,
    ),
) {
    let Ok((window, mut win)) = windows.single_mut() else {
        return;
    };
    if let Some((times, last)) = pilot.frames.as_mut() {
        times.push(last.elapsed().as_secs_f32() * 1000.0);
        *last = Instant::now();
    }
    if let Some(code) = pilot.release.take() {
        send(&mut keys, window, code, ButtonState::Released);
        return;
    }
    if let (Some(b), Some(pad)) = (pilot.release_pad.take(), pilot.pad) {
        raw_pad.write(RawGamepadEvent::Button(RawGamepadButtonChangedEvent::new(
            pad, b, 0.0,
        )));
        return;
    }
    if std::mem::take(&mut pilot.release_mouse) {
        mouse.write(MouseButtonInput {
            button: MouseButton::Left,
            state: ButtonState::Released,
            window,
        });
        return;
    }
    if pilot.until.is_some_and(|t| Instant::now() < t) {
        return;
    }
    if let Some((path, since)) = &pilot.shot {
        if !path.is_file() && since.elapsed() < Duration::from_secs(10) {
            return;
        }
        pilot.shot = None;
    }
    pilot.until = None;
    let Some(cmd) = pilot.steps.front().cloned() else {
        return;
    };
    let (verb, arg) = cmd.split_once(' ').unwrap_or((&cmd, ""));
    let t = pilot.started.elapsed().as_secs_f32();
    if pilot.step.0 != pilot.steps.len() {
        pilot.step = (pilot.steps.len(), Instant::now());
    }
    let waited = pilot.step.1.elapsed().as_secs_f32();
    match verb {
        "wait" => {
            let secs: f32 = arg.parse().unwrap_or(1.0);
            pilot.until = Some(Instant::now() + Duration::from_secs_f32(secs));
        }
        // Until a test's client says it is done (the file exists), up to 120 s.
        "waitfile" => {
            if !std::path::Path::new(arg).exists() {
                if waited > 120.0 {
                    println!("autopilot: no {arg} after {waited:.0} s");
                    exit.write(AppExit::from_code(6));
                }
                return;
            }
        }
        "playing" => {
            let on = tv.as_ref().is_some_and(|tv| tv.status == Status::Playing)
                && stats.as_ref().is_some_and(|s| s.frames_shown > 10);
            if !on {
                if waited > 90.0 {
                    println!("autopilot: no picture after {waited:.0} s");
                    exit.write(AppExit::from_code(3));
                }
                return;
            }
            println!("autopilot: playing at {t:.1} s");
        }
        // Until every other tile that plays a channel shows its picture (picture-in-picture,
        // multi-view): a few players starting at once on a loaded machine take their time.
        "tilesplaying" => {
            let Some(playing) = tiles.as_ref() else {
                println!("autopilot: no tiles");
                exit.write(AppExit::from_code(3));
                return;
            };
            let shown = stats
                .as_ref()
                .map(|s| s.tile_frames_shown)
                .unwrap_or_default();
            let waiting: Vec<usize> = (0..playing.channels.len())
                .filter(|&i| playing.channels[i].is_some() && shown[i] <= 10)
                .map(|i| i + 1)
                .collect();
            if !waiting.is_empty() {
                if waited > 90.0 {
                    println!("autopilot: no picture on tiles {waiting:?} after {waited:.0} s");
                    exit.write(AppExit::from_code(3));
                }
                return;
            }
            println!("autopilot: every tile's picture is up at {t:.1} s");
        }
        // What plays where: the TV's channel, the other tiles' (with their sound levels), and
        // which tile has the focus (and so the sound).
        "tiles" => {
            let name = |i: Option<usize>| {
                i.and_then(|i| tv.as_ref()?.channel(i).map(|c| c.name.clone()))
                    .unwrap_or_else(|| "-".into())
            };
            let mut fields = vec![format!(
                "main={}",
                name(tv.as_ref().and_then(|t| t.current))
            )];
            if let Some(t) = tiles.as_ref() {
                for (i, c) in t.channels.iter().enumerate() {
                    fields.push(format!("tile{}={}", i + 1, name(*c)));
                }
                fields.push(format!("focus={}", t.focus));
                // Silence reads as -90 dBFS (a muted player measures nothing at all).
                let db = |v: f32| v.max(-90.0).round();
                let main = tv.as_ref().map_or(-90.0, |t| t.audio_level.0);
                fields.push(format!(
                    "levels={},{},{},{}",
                    db(main),
                    db(t.levels[0]),
                    db(t.levels[1]),
                    db(t.levels[2])
                ));
            }
            println!("autopilot: tiles {}", fields.join(" | "));
        }
        // The broadcast: where to, its state, frames sent and dropped.
        "onair" => {
            let line = air.as_ref().map_or("off".to_owned(), |a| a.report());
            println!("autopilot: onair {line}");
        }
        "key" => match key_code(arg) {
            Some(code) => {
                send(&mut keys, window, code, ButtonState::Pressed);
                pilot.release = Some(code);
            }
            None => println!("autopilot: unknown key {arg}"),
        },
        "type" => {
            // As a keyboard delivers it: each character's own key, pressed with its text, then
            // released, so the app's input map sees real keys (J is J, not an unknown key).
            for ch in arg.chars() {
                let code = char_key(ch);
                for state in [ButtonState::Pressed, ButtonState::Released] {
                    keys.write(KeyboardInput {
                        key_code: code,
                        logical_key: Key::Character(ch.to_string().into()),
                        state,
                        text: (state == ButtonState::Pressed).then(|| ch.to_string().into()),
                        repeat: false,
                        window,
                    });
                }
            }
        }
        "move" | "click" => {
            let xy: Vec<f32> = arg.split(' ').filter_map(|v| v.parse().ok()).collect();
            let (Some(&x), Some(&y)) = (xy.first(), xy.get(1)) else {
                println!("autopilot: {verb} needs X Y");
                pilot.steps.pop_front();
                return;
            };
            // Where the UI looks for the pointer, and the motion it reacts to.
            win.set_cursor_position(Some(Vec2::new(x, y)));
            moved.write(CursorMoved {
                window,
                position: Vec2::new(x, y),
                delta: None,
            });
            if verb == "click" {
                // Pressed a frame after the move, as a hand would.
                pilot.steps[0] = "press".into();
                return;
            }
        }
        "pad" => {
            let Some(pad) = pilot.pad else {
                // Plugged in first; pressed from the next frame, once Bevy has the pad.
                let pad = commands.spawn_empty().id();
                plug.write(GamepadConnectionEvent::new(
                    pad,
                    GamepadConnection::Connected {
                        name: "autopilot pad".into(),
                        vendor_id: None,
                        product_id: None,
                    },
                ));
                pilot.pad = Some(pad);
                return;
            };
            let button = match arg {
                "South" => GamepadButton::South,
                "East" => GamepadButton::East,
                "North" => GamepadButton::North,
                "West" => GamepadButton::West,
                "DPadUp" => GamepadButton::DPadUp,
                "DPadDown" => GamepadButton::DPadDown,
                "DPadLeft" => GamepadButton::DPadLeft,
                "DPadRight" => GamepadButton::DPadRight,
                "Select" => GamepadButton::Select,
                "Start" => GamepadButton::Start,
                _ => {
                    println!("autopilot: unknown pad button {arg}");
                    pilot.steps.pop_front();
                    return;
                }
            };
            raw_pad.write(RawGamepadEvent::Button(RawGamepadButtonChangedEvent::new(
                pad, button, 1.0,
            )));
            pilot.release_pad = Some(button);
        }
        "press" => {
            mouse.write(MouseButtonInput {
                button: MouseButton::Left,
                state: ButtonState::Pressed,
                window,
            });
            pilot.release_mouse = true;
        }
        "shot" => {
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(PathBuf::from(arg)));
            println!("autopilot: screenshot {arg} at {t:.1} s");
            // Let the capture land before the next step.
            pilot.until = Some(Instant::now() + Duration::from_millis(700));
            pilot.shot = Some((PathBuf::from(arg), Instant::now()));
        }
        "timeline" => {
            // Where the picture is in the time-shift buffer, for window tests.
            match tv
                .as_ref()
                .and_then(|tv| tv.timeline.map(|t| (t, tv.buffer.clone())))
            {
                Some((t, b)) => println!(
                    "autopilot: timeline behind {:.1} live {} buffered {:.1} at {:.1} s",
                    t.behind(),
                    t.at_live(),
                    b.map_or(0.0, |b| b.seconds),
                    pilot.started.elapsed().as_secs_f32()
                ),
                None => println!("autopilot: timeline none"),
            }
        }
        "zaptime" => {
            let z = tv.as_ref().and_then(|tv| tv.last_zap_latency);
            println!("autopilot: zap {:?}", z.map(|d| d.as_secs_f64() * 1000.0));
        }
        // Every frame's interval over a span: median, p99, max, how many took over twice the
        // median, and the process's memory (what a load beside the frames costs them).
        "frametimes" => match pilot.frames.take() {
            None => {
                let secs: f32 = arg.parse().unwrap_or(10.0);
                pilot.frames = Some((Vec::new(), Instant::now()));
                pilot.until = Some(Instant::now() + Duration::from_secs_f32(secs));
                return; // come back to this step when the span is over
            }
            Some((mut v, _)) => {
                v.sort_by(f32::total_cmp);
                let at = |q: f32| v.get(((v.len().max(1) - 1) as f32 * q) as usize).copied();
                let median = at(0.5).unwrap_or(0.0);
                let over = v.iter().filter(|&&f| f > 2.0 * median).count();
                let rss = std::fs::read_to_string("/proc/self/status")
                    .unwrap_or_default()
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:").map(|r| r.trim().to_owned()))
                    .unwrap_or_default();
                println!(
                    "autopilot: frametimes {} frames, median {median:.1} ms, p99 {:.1} ms, max {:.1} ms, {over} over 2x the median; rss {rss}",
                    v.len(),
                    at(0.99).unwrap_or(0.0),
                    v.last().copied().unwrap_or(0.0),
                );
            }
        },
        "cpu" => {
            // Process CPU time (all threads: decode, upload, UI) per frame shown, over a span.
            let secs: f32 = arg.parse().unwrap_or(5.0);
            let frames = stats.as_ref().map_or(0, |s| s.frames_shown);
            match pilot.cpu_mark.take() {
                None => {
                    pilot.cpu_mark = Some((
                        prism_media::process_cpu_seconds(),
                        frames,
                        Instant::now(),
                        UPLOAD_NANOS.load(Ordering::Relaxed),
                        UPLOADS.load(Ordering::Relaxed),
                    ));
                    pilot.lumen_mark = (
                        crate::lumen::ANIMATE_NANOS.load(Ordering::Relaxed),
                        crate::lumen::ANIMATED.load(Ordering::Relaxed),
                    );
                    pilot.until = Some(Instant::now() + Duration::from_secs_f32(secs));
                    return; // come back to this step when the span is over
                }
                Some((cpu0, frames0, t0, nanos0, uploads0)) => {
                    let uploads = UPLOADS.load(Ordering::Relaxed) - uploads0;
                    let nanos = UPLOAD_NANOS.load(Ordering::Relaxed) - nanos0;
                    println!(
                        "autopilot: upload {:.0} us per frame ({uploads} frames)",
                        nanos as f64 / 1000.0 / uploads.max(1) as f64
                    );
                    let (n0, f0) = pilot.lumen_mark;
                    let animated = crate::lumen::ANIMATED.load(Ordering::Relaxed) - f0;
                    let nanos = crate::lumen::ANIMATE_NANOS.load(Ordering::Relaxed) - n0;
                    println!(
                        "autopilot: lumen animation {:.0} us per frame ({animated} frames)",
                        nanos as f64 / 1000.0 / animated.max(1) as f64
                    );
                    let cpu = prism_media::process_cpu_seconds() - cpu0;
                    let n = frames.saturating_sub(frames0).max(1);
                    let wall = t0.elapsed().as_secs_f64();
                    println!(
                        "autopilot: cpu {:.2} ms per frame, {n} frames in {wall:.1} s ({:.1} fps), {:.0} % of a core",
                        cpu * 1000.0 / n as f64,
                        n as f64 / wall,
                        cpu / wall * 100.0
                    );
                }
            }
        }
        "lumen" => match lumen.as_ref().and_then(|l| l.ready()) {
            Some(label) => println!("autopilot: avatar {label} at {t:.1} s"),
            None => {
                if waited > 90.0 {
                    println!("autopilot: no avatar after {waited:.0} s");
                    exit.write(AppExit::from_code(3));
                }
                return;
            }
        },
        "feel" => {
            use prism_core::avatar::Preset;
            let (name, w) = arg.split_once(' ').unwrap_or((arg, "1"));
            match Preset::from_name(name) {
                Some(p) => {
                    acts.write(crate::lumen::Act::Feel(p, w.parse().unwrap_or(1.0)));
                }
                None => println!("autopilot: unknown expression {name}"),
            }
        }
        "look" => {
            use crate::lumen::Focus;
            let f = match arg {
                "viewer" => Some(Focus::Viewer),
                "picture" => Some(Focus::Picture),
                _ => None,
            };
            acts.write(crate::lumen::Act::Look(f));
        }
        "pin" => {
            let (name, w) = arg.split_once(' ').unwrap_or((arg, "none"));
            acts.write(crate::lumen::Act::Pin(name.to_owned(), w.parse().ok()));
        }
        "gesture" => match prism_core::avatar::motion::Gesture::from_name(arg) {
            Some(g) => {
                acts.write(crate::lumen::Act::Gesture(g));
            }
            None => println!("autopilot: unknown gesture {arg}"),
        },
        "mouth" => {
            let v = serde_json::from_value(serde_json::Value::String(arg.into())).ok();
            acts.write(crate::lumen::Act::HoldMouth(v));
        }
        "speak" => match std::fs::read(arg)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(track) => {
                acts.write(crate::lumen::Act::Speak(track));
            }
            Err(e) => println!("autopilot: no viseme track in {arg}: {e}"),
        },
        // How much Lumen is dancing, and to what.
        "groove" => {
            if let Some(l) = lumen.as_ref() {
                let bpm = tv
                    .as_ref()
                    .and_then(|tv| tv.player.beat())
                    .and_then(|(b, _)| b.bpm);
                println!(
                    "autopilot: groove {:.2} bpm {bpm:?} mood {:?}",
                    l.dancing,
                    l.music_mood()
                );
            }
        }
        // Waits (up to 120 s into the run) until Lumen's last frame fell within 0.06 of a
        // beat phase (0 = on the beat), to time a screenshot to the dance.
        "beat" => {
            let want: f32 = arg.parse().unwrap_or(0.0);
            let phase = lumen.as_ref().and_then(|l| l.beat_phase);
            let near = phase.is_some_and(|p| {
                let d = (p - want).rem_euclid(1.0);
                d.min(1.0 - d) < 0.06
            });
            if !near {
                if waited > 120.0 {
                    println!("autopilot: not dancing on a beat after {waited:.0} s ({phase:?})");
                    exit.write(AppExit::from_code(7));
                }
                return;
            }
            println!("autopilot: beat phase {phase:?} at {t:.2} s");
        }
        // Waits (up to 120 s into the run) for Lumen to react to a caption with the given trigger ("Goal").
        "reaction" => {
            let hit = companion.as_ref().and_then(|c| {
                c.reactions
                    .iter()
                    .find(|(trigger, ..)| format!("{trigger:?}") == arg)
                    .cloned()
            });
            match hit {
                Some((trigger, cause, decision)) => {
                    let caption = tv
                        .as_ref()
                        .and_then(|tv| tv.caption_now().map(str::to_owned));
                    println!(
                        "autopilot: reaction {trigger:?} to {cause:?} ({decision:?}) at {t:.1} s; \
                         caption on screen {caption:?}"
                    );
                }
                None => {
                    if waited > 120.0 {
                        println!("autopilot: no {arg} reaction after {waited:.0} s");
                        exit.write(AppExit::from_code(6));
                    }
                    return;
                }
            }
        }
        // Every line spoken since the last `mouthlog`: its track and the mouth as applied.
        // `mouthlog N` first has Lumen recite a line, again and again, until N frames of her
        // mouth are logged: a slow machine draws fewer frames a sentence, so it listens longer
        // instead of handing the lip check too few samples.
        "mouthlog" => {
            let want: usize = arg.parse().unwrap_or(0);
            if let Some(l) = lumen.as_ref()
                && l.mouth_samples() < want
            {
                if waited > 240.0 {
                    println!(
                        "autopilot: only {} mouth samples after {waited:.0} s",
                        l.mouth_samples()
                    );
                    exit.write(AppExit::from_code(7));
                }
                if voice.as_ref().is_some_and(|v| !v.busy()) {
                    say.write(crate::voice::Say::Line(RECITE.into()));
                }
                return;
            }
            if let Some(l) = lumen.as_mut() {
                let lines: Vec<_> = l
                    .take_mouth_log()
                    .into_iter()
                    .map(|(track, samples)| {
                        let samples: Vec<Vec<f32>> = samples
                            .iter()
                            .map(|(t, w)| std::iter::once(*t).chain(w.iter().copied()).collect())
                            .collect();
                        serde_json::json!({ "track": track, "samples": samples })
                    })
                    .collect();
                println!(
                    "autopilot: mouthlog {}",
                    serde_json::json!({ "lines": lines })
                );
            }
        }
        "loudness" => {
            acts.write(crate::lumen::Act::Loudness(arg.parse().unwrap_or(-90.0)));
        }
        "drop" => {
            drops.write(bevy::window::FileDragAndDrop::DroppedFile {
                window,
                path_buf: PathBuf::from(arg),
            });
        }
        "voiceready" => {
            if !voice.as_ref().is_some_and(|v| v.ready()) {
                if waited > 120.0 {
                    println!("autopilot: voice not ready after {waited:.0} s");
                    exit.write(AppExit::from_code(4));
                }
                return;
            }
            println!("autopilot: voice ready at {t:.1} s");
        }
        // Speech as if recorded while push-to-talk was held.
        "hear" => match prism_voice::audio::read_wav(std::path::Path::new(arg)) {
            Ok((pcm, rate)) => {
                hear.write(crate::voice::Hear(prism_voice::audio::resample(
                    &pcm, rate, 16_000,
                )));
            }
            Err(e) => println!("autopilot: {e}"),
        },
        // Waits until what was heard has been transcribed (up to 30 s).
        "transcribed" => {
            if voice.as_ref().is_some_and(|v| v.transcribing()) {
                if waited > 30.0 {
                    println!("autopilot: no transcript after {waited:.0} s");
                    exit.write(AppExit::from_code(4));
                }
                return;
            }
        }
        // Until N utterances have been answered in full (120 s at most on this step).
        "voicedone" => {
            let n: usize = arg.parse().unwrap_or(1);
            if voice.as_ref().is_none_or(|v| v.report.history.len() < n) {
                if waited > 120.0 {
                    println!(
                        "autopilot: voice answered fewer than {n} utterances after {waited:.0} s"
                    );
                    exit.write(AppExit::from_code(5));
                }
                return;
            }
        }
        "voice" => {
            if let Some(v) = voice.as_ref() {
                let json = serde_json::to_string(&v.report.last).unwrap_or_default();
                let [quiet, ducked] = v.tv_loudness();
                let mood = v.fresh_mood().map(|m| {
                    let d = m.delivery();
                    format!("{:?} delivery {:.2} {:.2}", m.advice(), d.length, d.noise)
                });
                println!(
                    "autopilot: voice {json} status {:?} utterances {} mood {} tv_db {} {}",
                    v.report.status,
                    v.report.history.len(),
                    mood.unwrap_or_else(|| "-".into()),
                    quiet.map_or("-".into(), |d| format!("{d:.1}")),
                    ducked.map_or("-".into(), |d| format!("{d:.1}")),
                );
            }
        }
        "overflow" => {
            commands.queue(|world: &mut World| {
                let spilled = overflowing(world);
                println!("autopilot: overflow {} {spilled:?}", spilled.len());
            });
        }
        "screen" => {
            println!("autopilot: screen {:?}", screen.as_ref().map(|s| *s.get()));
        }
        "notice" => {
            let n = tv
                .as_ref()
                .and_then(|t| t.notice.as_ref().map(|(_, n)| n.clone()));
            println!("autopilot: notice {n:?}");
        }
        "message" => {
            let m = lumen.as_ref().and_then(|l| l.message().map(str::to_owned));
            println!("autopilot: lumen says {m:?}");
        }
        "quit" => {
            exit.write(AppExit::Success);
        }
        other => println!("autopilot: unknown step {other}"),
    }
    pilot.steps.pop_front();
}

/// Texts on screen that do not fit: wider than their own node (a word too long to wrap), or
/// sticking out of the panel they are drawn on (the nearest ancestor with a background) or
/// out of the window. Texts in a clipping list (rows scrolled out of view) are meant to be
/// cut and are left out.
fn overflowing(world: &mut World) -> Vec<String> {
    use bevy::text::TextLayoutInfo;
    use bevy::ui::{ComputedNode, UiGlobalTransform};
    let Ok(window) = world
        .query_filtered::<&Window, With<PrimaryWindow>>()
        .single(world)
        .map(|w| Vec2::new(w.physical_width() as f32, w.physical_height() as f32))
    else {
        return vec![];
    };
    let screen = Rect::from_corners(Vec2::ZERO, window);
    let rect = |n: &ComputedNode, t: &UiGlobalTransform| {
        Rect::from_center_size(t.affine().translation, n.size)
    };
    // Out by more than two pixels (rounding).
    let outside = |inner: Rect, outer: Rect| {
        inner.min.x < outer.min.x - 2.0
            || inner.min.y < outer.min.y - 2.0
            || inner.max.x > outer.max.x + 2.0
            || inner.max.y > outer.max.y + 2.0
    };
    let mut texts = world.query::<(
        Entity,
        &Text,
        &ComputedNode,
        &UiGlobalTransform,
        &InheritedVisibility,
        Option<&TextLayoutInfo>,
    )>();
    let found: Vec<(Entity, String, Rect, bool)> = texts
        .iter(world)
        .filter(|(_, t, _, _, v, _)| v.get() && !t.0.trim().is_empty())
        .map(|(e, t, n, g, _, layout)| {
            // A line wrapped at spaces keeps them in its measured width: a glyph's width of
            // slack before a text counts as wider than its node.
            let too_wide = layout.is_some_and(|l| l.size.x > n.size.x + 16.0);
            (e, t.0.clone(), rect(n, g), too_wide)
        })
        .collect();
    let mut nodes = world.query::<(
        &ComputedNode,
        &UiGlobalTransform,
        Option<&Node>,
        Option<&BackgroundColor>,
        Option<&ChildOf>,
    )>();
    let mut spilled = Vec::new();
    for (e, text, r, too_wide) in found {
        let mut panel = None;
        let mut clipped = false;
        let mut at = world.get::<ChildOf>(e).map(ChildOf::parent);
        while let Some(p) = at {
            let Ok((n, g, node, bg, up)) = nodes.get(world, p) else {
                break;
            };
            if node.is_some_and(|n| {
                n.overflow.x != OverflowAxis::Visible || n.overflow.y != OverflowAxis::Visible
            }) {
                clipped = true;
                break;
            }
            if panel.is_none() && bg.is_some_and(|b| b.0.alpha() > 0.0) {
                panel = Some(rect(n, g));
            }
            at = up.map(ChildOf::parent);
        }
        if clipped {
            continue;
        }
        let short: String = text.chars().take(40).collect();
        if too_wide {
            spilled.push(format!("{short:?} is wider than its node"));
        } else if outside(r, screen) {
            spilled.push(format!("{short:?} leaves the window"));
        } else if panel.is_some_and(|p| outside(r, p)) {
            spilled.push(format!("{short:?} leaves its panel"));
        }
    }
    spilled
}
