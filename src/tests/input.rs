//! The input map: keys and buttons to commands, navigation and actions; typing; numbers.

use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use super::*;
use crate::input::{Field, TextCapture};

fn cmds(h: &mut Harness) -> Vec<M> {
    h.take::<Cmd>().into_iter().map(|c| c.0).collect()
}

#[test]
fn up_and_down_zap_while_watching() {
    let mut h = Harness::new();
    h.key(KeyCode::ArrowUp);
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::PageUp);
    assert_eq!(cmds(&mut h), [M::ChannelUp, M::ChannelDown, M::ChannelUp]);
}

#[test]
fn plus_minus_m_and_space() {
    let mut h = Harness::new();
    h.key(KeyCode::Equal);
    h.key(KeyCode::Minus);
    h.key(KeyCode::KeyM);
    h.key(KeyCode::Space);
    assert_eq!(
        cmds(&mut h),
        [
            M::VolumeUp { step: None },
            M::VolumeDown { step: None },
            M::ToggleMute,
            M::TogglePause
        ]
    );
}

#[test]
fn enter_opens_the_channel_list_while_watching() {
    let mut h = Harness::new();
    h.key(KeyCode::Enter);
    assert_eq!(h.take::<Nav>(), [Nav::ChannelList]);
}

#[test]
fn backspace_goes_back_to_the_last_channel() {
    let mut h = Harness::new();
    h.key(KeyCode::Backspace);
    assert_eq!(cmds(&mut h), [M::PreviousChannel]);
}

#[test]
fn on_a_screen_the_arrows_navigate_instead_of_zapping() {
    let mut h = Harness::new();
    h.app
        .world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Grid);
    h.settle();
    for k in [
        KeyCode::ArrowUp,
        KeyCode::ArrowDown,
        KeyCode::ArrowLeft,
        KeyCode::ArrowRight,
        KeyCode::Enter,
        KeyCode::Escape,
    ] {
        h.key(k);
    }
    assert_eq!(
        h.take::<Nav>(),
        [
            Nav::Up,
            Nav::Down,
            Nav::Left,
            Nav::Right,
            Nav::Ok,
            Nav::Back
        ]
    );
    assert!(cmds(&mut h).is_empty());
}

#[test]
fn t_turns_subtitles_on_then_off() {
    let mut h = Harness::new();
    h.key(KeyCode::KeyT);
    assert!(h.tv().subtitles);
    h.key(KeyCode::KeyT);
    assert!(!h.tv().subtitles);
}

#[test]
fn f_toggles_the_favourite() {
    let mut h = Harness::new();
    h.key(KeyCode::KeyF);
    assert_eq!(cmds(&mut h), [M::ToggleFavourite]);
}

#[test]
fn lumen_companion_voice_and_settings_keys_are_actions() {
    let mut h = Harness::new();
    for k in [
        KeyCode::KeyL,
        KeyCode::KeyK,
        KeyCode::KeyJ,
        KeyCode::KeyC,
        KeyCode::F3,
        KeyCode::F11,
        KeyCode::KeyS,
    ] {
        h.key(k);
    }
    assert_eq!(
        h.take::<Action>(),
        [
            Action::ShowLumen,
            Action::MoveLumen,
            Action::ResizeLumen,
            Action::Companion,
            Action::Timings,
            Action::Fullscreen,
            Action::OpenSettings
        ]
    );
}

#[test]
fn v_held_is_push_to_talk_from_press_to_release() {
    let mut h = Harness::new();
    h.hold(KeyCode::KeyV);
    assert_eq!(h.take::<Action>(), [Action::Talk]);
    h.release(KeyCode::KeyV);
    assert_eq!(h.take::<Action>(), [Action::TalkEnd]);
}

#[test]
fn typed_digits_tune_after_enter() {
    let mut h = Harness::new();
    h.key(KeyCode::Digit4);
    h.key(KeyCode::Digit2);
    assert_eq!(
        h.app.world().resource::<crate::input::NumberEntry>().digits,
        "42"
    );
    h.key(KeyCode::Enter);
    assert_eq!(
        cmds(&mut h),
        [M::GoToChannelNumber {
            number: "42".parse().unwrap()
        }]
    );
    // Enter with no digits pending opens the list, as usual.
    assert!(h.take::<Nav>().is_empty());
}

#[test]
fn a_dot_makes_a_sub_channel_number() {
    let mut h = Harness::new();
    h.key(KeyCode::Digit5);
    h.key(KeyCode::Period);
    h.key(KeyCode::Digit1);
    h.key(KeyCode::NumpadEnter);
    assert_eq!(
        cmds(&mut h),
        [M::GoToChannelNumber {
            number: "5.1".parse().unwrap()
        }]
    );
}

#[test]
fn typed_digits_tune_by_themselves_after_a_pause() {
    let mut h = Harness::new();
    h.key(KeyCode::Digit3);
    h.app
        .world_mut()
        .resource_mut::<crate::input::NumberEntry>()
        .since = Some(std::time::Instant::now() - std::time::Duration::from_secs(2));
    h.settle();
    assert_eq!(
        cmds(&mut h),
        [M::GoToChannelNumber {
            number: "3".parse().unwrap()
        }]
    );
    assert_eq!(h.watching().as_deref(), Some("Prism Music"));
}

#[test]
fn a_number_is_five_digits_at_most() {
    let mut h = Harness::new();
    h.type_text("1234567");
    assert_eq!(
        h.app.world().resource::<crate::input::NumberEntry>().digits,
        "12345"
    );
}

#[test]
fn while_a_field_types_no_hotkey_acts() {
    let mut h = Harness::new();
    h.app
        .world_mut()
        .resource_mut::<TextCapture>()
        .begin(Field::Search);
    h.type_text("cnn kids jazz vst 42");
    assert!(h.take::<Action>().is_empty());
    assert!(cmds(&mut h).is_empty());
    assert!(
        h.app
            .world()
            .resource::<crate::input::NumberEntry>()
            .digits
            .is_empty()
    );
}

#[test]
fn while_a_field_types_keys_become_edits() {
    let mut h = Harness::new();
    h.watch::<crate::input::Edit>();
    h.app
        .world_mut()
        .resource_mut::<TextCapture>()
        .begin(Field::Settings);
    h.type_text("ab");
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Delete);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Escape);
    use crate::input::Edit as E;
    assert_eq!(
        h.take::<E>(),
        [
            E::Text("a".into()),
            E::Text("b".into()),
            E::Backspace,
            E::Clear,
            E::Done,
            E::Cancel
        ]
    );
}

#[test]
fn the_gamepad_drives_the_tv() {
    let mut h = Harness::new();
    h.pad(GamepadButton::DPadUp);
    h.pad(GamepadButton::RightTrigger);
    h.pad(GamepadButton::Start);
    h.pad(GamepadButton::Select);
    h.pad(GamepadButton::East);
    assert_eq!(
        cmds(&mut h),
        [
            M::ChannelUp,
            M::VolumeUp { step: None },
            M::TogglePause,
            M::ToggleGuide,
            M::PreviousChannel
        ]
    );
    h.pad(GamepadButton::South);
    assert_eq!(h.take::<Nav>(), [Nav::ChannelList]);
}

/// The README promised North for both settings and push-to-talk; it was bound to both, so
/// holding it to speak opened the settings.
#[test]
fn the_gamepad_north_button_talks_and_does_not_open_the_settings() {
    let mut h = Harness::new();
    h.pad_press(GamepadButton::North);
    assert_eq!(h.take::<Action>(), [Action::Talk]);
    h.pad_release(GamepadButton::North);
    assert_eq!(h.take::<Action>(), [Action::TalkEnd]);
    h.pad(GamepadButton::West);
    assert_eq!(h.take::<Action>(), [Action::OpenSettings]);
}

fn left_click(h: &mut Harness) {
    h.app
        .world_mut()
        .resource_mut::<ButtonInput<MouseButton>>()
        .press(MouseButton::Left);
    h.update();
    let mut b = h.app.world_mut().resource_mut::<ButtonInput<MouseButton>>();
    b.release(MouseButton::Left);
    b.clear();
    h.update();
}

/// A click on the picture opens the channel list; a double-click makes the picture fill the
/// screen and closes the list the first click opened.
#[test]
fn a_double_click_is_fullscreen() {
    let mut h = Harness::new();
    left_click(&mut h);
    assert_eq!(h.take::<Nav>(), [Nav::ChannelList]);
    // The screens plugin (not in the harness) opens the list.
    h.app
        .world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Guide);
    h.update();
    left_click(&mut h);
    assert_eq!(h.take::<Action>(), [Action::Fullscreen]);
    assert_eq!(h.take::<Nav>(), [Nav::Back]);
    h.app
        .world_mut()
        .resource_mut::<NextState<Screen>>()
        .set(Screen::Watching);
    h.update();
    // Slow clicks are two single clicks.
    std::thread::sleep(std::time::Duration::from_millis(450));
    left_click(&mut h);
    h.settle();
    std::thread::sleep(std::time::Duration::from_millis(450));
    left_click(&mut h);
    assert!(h.take::<Action>().is_empty());
}
