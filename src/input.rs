//! Keys, the TV remote (arrows, OK, Back), the gamepad and the mouse, all turned into the same
//! `MediaCommand` vocabulary the voice grammar produces, or into guide navigation.

use std::time::{Duration, Instant};

use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::input::mouse::MouseWheel;
use bevy::prelude::*;
use prism_core::ChannelNumber;
use prism_core::command::MediaCommand as M;

use crate::Screen;
use crate::guide::{GuideCursor, Nav};
use crate::settings_screen::{Form, OpenSettings};
use crate::tv::Cmd;

/// How long typed digits wait for the next one before tuning.
const DIGIT_TIMEOUT: Duration = Duration::from_millis(1500);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<NumberEntry>().add_systems(
        Update,
        (keyboard, gamepad, mouse, number_timeout).in_set(crate::AppSystems::Input),
    );
}

/// Digits typed so far for a channel number (shown by the overlay).
#[derive(Resource, Default)]
pub struct NumberEntry {
    pub digits: String,
    pub since: Option<Instant>,
}

impl NumberEntry {
    fn take(&mut self) -> Option<ChannelNumber> {
        let n = std::mem::take(&mut self.digits).parse().ok();
        self.since = None;
        n
    }
}

fn digit(key: KeyCode) -> Option<char> {
    use KeyCode::*;
    Some(match key {
        Digit0 | Numpad0 => '0',
        Digit1 | Numpad1 => '1',
        Digit2 | Numpad2 => '2',
        Digit3 | Numpad3 => '3',
        Digit4 | Numpad4 => '4',
        Digit5 | Numpad5 => '5',
        Digit6 | Numpad6 => '6',
        Digit7 | Numpad7 => '7',
        Digit8 | Numpad8 => '8',
        Digit9 | Numpad9 => '9',
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)] // one system reads every kind of key on purpose
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    mut typed: MessageReader<KeyboardInput>,
    screen: Res<State<Screen>>,
    mut entry: ResMut<NumberEntry>,
    mut cursor: ResMut<GuideCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut nav: MessageWriter<Nav>,
    form: Res<Form>,
    mut settings: MessageWriter<OpenSettings>,
    tv: Option<Res<crate::tv::Tv>>,
) {
    let guide = screen.get().navigates();
    let in_settings = *screen.get() == Screen::Settings;
    // Typing into a settings field: the settings screen reads the keys itself.
    if in_settings && form.editing.is_some() {
        typed.clear();
        return;
    }
    // Searching: letters go to the query; only navigation keys keep their meaning.
    if let Some(q) = cursor
        .query
        .as_mut()
        .filter(|_| *screen.get() == Screen::Guide)
    {
        let before = q.clone();
        for k in typed.read().filter(|k| k.state == ButtonState::Pressed) {
            if let Some(text) = &k.text {
                q.extend(text.chars().filter(|c| !c.is_control()));
            }
        }
        for &key in keys.get_just_pressed() {
            match key {
                KeyCode::Backspace => {
                    q.pop();
                }
                KeyCode::ArrowUp => {
                    nav.write(Nav::Up);
                }
                KeyCode::ArrowDown => {
                    nav.write(Nav::Down);
                }
                KeyCode::Enter | KeyCode::NumpadEnter => {
                    nav.write(Nav::Ok);
                }
                KeyCode::Escape => {
                    nav.write(Nav::Back);
                }
                _ => {}
            }
        }
        if *q != before {
            cursor.selected = 0;
        }
        return;
    }
    typed.clear();
    for &key in keys.get_just_pressed() {
        if let Some(d) = digit(key).filter(|_| !in_settings) {
            if entry.digits.len() < 5 {
                entry.digits.push(d);
            }
            entry.since = Some(Instant::now());
            continue;
        }
        let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
        match key {
            KeyCode::Enter | KeyCode::NumpadEnter if !entry.digits.is_empty() => {
                if let Some(number) = entry.take() {
                    cmds.write(Cmd(M::GoToChannelNumber { number }));
                }
            }
            KeyCode::Period | KeyCode::NumpadDecimal if !entry.digits.is_empty() => {
                entry.digits.push('.');
                entry.since = Some(Instant::now());
            }
            // Volume: +/- (with or without shift), the media keys, and the numpad.
            KeyCode::Equal | KeyCode::NumpadAdd | KeyCode::AudioVolumeUp => {
                cmds.write(Cmd(M::VolumeUp { step: None }));
            }
            KeyCode::Minus | KeyCode::NumpadSubtract | KeyCode::AudioVolumeDown => {
                cmds.write(Cmd(M::VolumeDown { step: None }));
            }
            KeyCode::KeyM | KeyCode::AudioVolumeMute => {
                cmds.write(Cmd(M::ToggleMute));
            }
            KeyCode::Space | KeyCode::MediaPlayPause => {
                cmds.write(Cmd(M::TogglePause));
            }
            KeyCode::KeyG | KeyCode::F1 => {
                cmds.write(Cmd(M::ToggleGuide));
            }
            KeyCode::KeyF => {
                cmds.write(Cmd(M::AddFavourite { channel: None }));
            }
            KeyCode::Slash => {
                nav.write(Nav::Search);
            }
            KeyCode::KeyS | KeyCode::F2 => {
                settings.write(OpenSettings);
            }
            // T for subtitles, as in Kodi.
            KeyCode::KeyT => {
                let on = !tv.as_ref().is_some_and(|tv| tv.subtitles);
                cmds.write(Cmd(M::Subtitles { on }));
            }
            _ if guide => match key {
                KeyCode::ArrowUp => {
                    nav.write(Nav::Up);
                }
                KeyCode::ArrowDown => {
                    nav.write(Nav::Down);
                }
                KeyCode::PageUp => {
                    nav.write(Nav::PageUp);
                }
                KeyCode::PageDown => {
                    nav.write(Nav::PageDown);
                }
                KeyCode::ArrowLeft => {
                    nav.write(Nav::Left);
                }
                KeyCode::ArrowRight => {
                    nav.write(Nav::Right);
                }
                KeyCode::Enter | KeyCode::NumpadEnter => {
                    nav.write(Nav::Ok);
                }
                KeyCode::Escape | KeyCode::Backspace | KeyCode::BrowserBack => {
                    nav.write(Nav::Back);
                }
                _ => {}
            },
            // Watching: up/down zap like a remote, OK opens the channel list, Back = last channel.
            KeyCode::ArrowUp | KeyCode::PageUp | KeyCode::MediaTrackNext => {
                cmds.write(Cmd(M::ChannelUp));
            }
            KeyCode::ArrowDown | KeyCode::PageDown | KeyCode::MediaTrackPrevious => {
                cmds.write(Cmd(M::ChannelDown));
            }
            KeyCode::Enter | KeyCode::NumpadEnter => {
                nav.write(Nav::ChannelList);
            }
            KeyCode::Backspace | KeyCode::BrowserBack if !shift => {
                cmds.write(Cmd(M::PreviousChannel));
            }
            _ => {}
        }
    }
}

fn number_timeout(mut entry: ResMut<NumberEntry>, mut cmds: MessageWriter<Cmd>) {
    if entry.since.is_some_and(|t| t.elapsed() > DIGIT_TIMEOUT)
        && let Some(number) = entry.take()
    {
        cmds.write(Cmd(M::GoToChannelNumber { number }));
    }
}

fn gamepad(
    pads: Query<&Gamepad>,
    screen: Res<State<Screen>>,
    mut cmds: MessageWriter<Cmd>,
    mut nav: MessageWriter<Nav>,
    mut settings: MessageWriter<OpenSettings>,
) {
    let guide = screen.get().navigates();
    for pad in &pads {
        let pressed = |b| pad.just_pressed(b);
        if pressed(GamepadButton::DPadUp) {
            if guide {
                nav.write(Nav::Up);
            } else {
                cmds.write(Cmd(M::ChannelUp));
            }
        }
        if pressed(GamepadButton::DPadDown) {
            if guide {
                nav.write(Nav::Down);
            } else {
                cmds.write(Cmd(M::ChannelDown));
            }
        }
        if pressed(GamepadButton::DPadLeft) && guide {
            nav.write(Nav::Left);
        }
        if pressed(GamepadButton::DPadRight) && guide {
            nav.write(Nav::Right);
        }
        if pressed(GamepadButton::South) {
            nav.write(if guide { Nav::Ok } else { Nav::ChannelList });
        }
        if pressed(GamepadButton::East) {
            if guide {
                nav.write(Nav::Back);
            } else {
                cmds.write(Cmd(M::PreviousChannel));
            }
        }
        if pressed(GamepadButton::RightTrigger) {
            cmds.write(Cmd(M::VolumeUp { step: None }));
        }
        if pressed(GamepadButton::LeftTrigger) {
            cmds.write(Cmd(M::VolumeDown { step: None }));
        }
        if pressed(GamepadButton::LeftThumb) {
            cmds.write(Cmd(M::ToggleMute));
        }
        if pressed(GamepadButton::Start) {
            cmds.write(Cmd(M::TogglePause));
        }
        if pressed(GamepadButton::Select) {
            cmds.write(Cmd(M::ToggleGuide));
        }
        if pressed(GamepadButton::North) {
            settings.write(OpenSettings);
        }
        if pressed(GamepadButton::RightTrigger2) {
            nav.write(Nav::PageDown);
        }
        if pressed(GamepadButton::LeftTrigger2) {
            nav.write(Nav::PageUp);
        }
    }
}

fn mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    mut wheel: MessageReader<MouseWheel>,
    screen: Res<State<Screen>>,
    mut cmds: MessageWriter<Cmd>,
    mut nav: MessageWriter<Nav>,
) {
    let guide = screen.get().navigates();
    for w in wheel.read() {
        let up = w.y > 0.0;
        match (guide, up) {
            (true, true) => {
                nav.write(Nav::Up);
            }
            (true, false) => {
                nav.write(Nav::Down);
            }
            (false, true) => {
                cmds.write(Cmd(M::VolumeUp { step: None }));
            }
            (false, false) => {
                cmds.write(Cmd(M::VolumeDown { step: None }));
            }
        }
    }
    // Right click or the mouse's back button: Back on a screen, the guide while watching.
    if buttons.just_pressed(MouseButton::Right) || buttons.just_pressed(MouseButton::Back) {
        if guide {
            nav.write(Nav::Back);
        } else {
            cmds.write(Cmd(M::ToggleGuide));
        }
    }
    // A click on the picture opens the channel list (rows take their own clicks).
    if buttons.just_pressed(MouseButton::Left) && !guide {
        nav.write(Nav::ChannelList);
    }
    if buttons.just_pressed(MouseButton::Middle) {
        cmds.write(Cmd(M::ToggleMute));
    }
}

/// What the mouse did to a screen's pointable items this frame, from their [`Interaction`]
/// changes: the item it moved onto (hovering only counts when the mouse moved, so a list
/// redrawn under a resting pointer keeps the keyboard's choice), and whether it was clicked.
pub fn pointed<T>(
    changed: impl Iterator<Item = (Interaction, T)>,
    mut moved: MessageReader<CursorMoved>,
) -> Option<(T, bool)> {
    let moved = moved.read().count() > 0;
    let mut out = None;
    for (interaction, item) in changed {
        match interaction {
            Interaction::Pressed => return Some((item, true)),
            Interaction::Hovered if moved => out = Some((item, false)),
            _ => {}
        }
    }
    out
}
