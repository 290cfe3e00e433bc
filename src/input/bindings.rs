//! Every key and gamepad button Prism answers to, in one table a user could later remap. A
//! binding says what it does and on which screens; the mouse (wheel, clicks) is in `mouse.rs`.

use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use super::{Action, Nav};

/// Which screens a binding works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// Everywhere.
    Any,
    /// Watching the picture, no screen open.
    Watching,
    /// On a screen (the channel list, the grid, the settings).
    Screens,
}

/// What a binding does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Does {
    Media(M),
    Nav(Nav),
    Act(Action),
    /// Subtitles on if they are off, off if they are on.
    ToggleSubtitles,
}

/// What is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Key(KeyCode),
    Pad(GamepadButton),
}

pub struct Binding {
    pub trigger: Trigger,
    pub on: Where,
    pub does: Does,
}

/// The bindings. Digits (channel numbers) and typing into a text field are not bindings:
/// the input map handles them before this table (see `mod.rs`).
pub fn table() -> Vec<Binding> {
    use GamepadButton as P;
    use KeyCode as K;
    let vol_up = || Does::Media(M::VolumeUp { step: None });
    let vol_down = || Does::Media(M::VolumeDown { step: None });
    let mut t = Vec::new();
    let mut bind = |triggers: &[Trigger], on: Where, does: Does| {
        for &trigger in triggers {
            t.push(Binding {
                trigger,
                on,
                does: does.clone(),
            });
        }
    };
    use Trigger::{Key, Pad};
    // Volume: +/- (with or without shift), the media keys, the numpad, the triggers.
    bind(
        &[
            Key(K::Equal),
            Key(K::NumpadAdd),
            Key(K::AudioVolumeUp),
            Pad(P::RightTrigger),
        ],
        Where::Any,
        vol_up(),
    );
    bind(
        &[
            Key(K::Minus),
            Key(K::NumpadSubtract),
            Key(K::AudioVolumeDown),
            Pad(P::LeftTrigger),
        ],
        Where::Any,
        vol_down(),
    );
    bind(
        &[Key(K::KeyM), Key(K::AudioVolumeMute), Pad(P::LeftThumb)],
        Where::Any,
        Does::Media(M::ToggleMute),
    );
    bind(
        &[Key(K::Space), Key(K::MediaPlayPause), Pad(P::Start)],
        Where::Any,
        Does::Media(M::TogglePause),
    );
    bind(
        &[Key(K::KeyG), Key(K::F1), Pad(P::Select)],
        Where::Any,
        Does::Media(M::ToggleGuide),
    );
    bind(&[Key(K::KeyF)], Where::Any, Does::Media(M::ToggleFavourite));
    bind(&[Key(K::Slash)], Where::Any, Does::Nav(Nav::Search));
    // Settings: S, F2, the gamepad's West (X). North (Y) is push-to-talk: one button, one job.
    bind(
        &[Key(K::KeyS), Key(K::F2), Pad(P::West)],
        Where::Any,
        Does::Act(Action::OpenSettings),
    );
    // T for subtitles, as in Kodi.
    bind(&[Key(K::KeyT)], Where::Any, Does::ToggleSubtitles);
    // Held: Lumen listens while it is down.
    bind(
        &[Key(K::KeyV), Pad(P::North)],
        Where::Any,
        Does::Act(Action::Talk),
    );
    bind(&[Key(K::F3)], Where::Any, Does::Act(Action::Timings));
    bind(&[Key(K::F11)], Where::Any, Does::Act(Action::Fullscreen));
    bind(&[Key(K::KeyI)], Where::Any, Does::Act(Action::Info));
    // A for audio (and subtitle) tracks.
    bind(&[Key(K::KeyA)], Where::Any, Does::Act(Action::Tracks));
    // W for what was recorded; Delete or X removes one (after asking).
    bind(&[Key(K::KeyW)], Where::Any, Does::Act(Action::Recordings));
    bind(
        &[Key(K::Delete), Key(K::KeyX)],
        Where::Screens,
        Does::Act(Action::Delete),
    );
    // E to edit which guide channel feeds a channel.
    bind(&[Key(K::KeyE)], Where::Any, Does::Act(Action::MapGuide));
    bind(
        &[Key(K::KeyH)],
        Where::Screens,
        Does::Act(Action::HideGroup),
    );
    bind(
        &[Key(K::KeyP)],
        Where::Screens,
        Does::Act(Action::LockGroup),
    );
    bind(&[Key(K::KeyL)], Where::Any, Does::Act(Action::ShowLumen));
    bind(&[Key(K::KeyK)], Where::Any, Does::Act(Action::MoveLumen));
    bind(&[Key(K::KeyJ)], Where::Any, Does::Act(Action::ResizeLumen));
    bind(&[Key(K::KeyZ)], Where::Any, Does::Act(Action::NextLayout));
    bind(&[Key(K::KeyB)], Where::Watching, Does::Act(Action::Pip));
    bind(&[Key(K::KeyN)], Where::Watching, Does::Act(Action::SwapPip));
    bind(&[Key(K::KeyQ)], Where::Any, Does::Act(Action::MultiView));
    bind(&[Key(K::F9)], Where::Any, Does::Act(Action::Stream));
    bind(&[Key(K::F10)], Where::Any, Does::Act(Action::RecordScene));
    bind(&[Key(K::KeyC)], Where::Any, Does::Act(Action::Companion));
    // The arrows navigate a screen; watching, up/down zap like a remote.
    bind(
        &[Key(K::ArrowUp), Pad(P::DPadUp)],
        Where::Screens,
        Does::Nav(Nav::Up),
    );
    bind(
        &[Key(K::ArrowDown), Pad(P::DPadDown)],
        Where::Screens,
        Does::Nav(Nav::Down),
    );
    bind(
        &[
            Key(K::ArrowUp),
            Key(K::PageUp),
            Key(K::MediaTrackNext),
            Pad(P::DPadUp),
        ],
        Where::Watching,
        Does::Media(M::ChannelUp),
    );
    bind(
        &[
            Key(K::ArrowDown),
            Key(K::PageDown),
            Key(K::MediaTrackPrevious),
            Pad(P::DPadDown),
        ],
        Where::Watching,
        Does::Media(M::ChannelDown),
    );
    bind(&[Key(K::PageUp)], Where::Screens, Does::Nav(Nav::PageUp));
    bind(
        &[Key(K::PageDown)],
        Where::Screens,
        Does::Nav(Nav::PageDown),
    );
    bind(&[Pad(P::LeftTrigger2)], Where::Any, Does::Nav(Nav::PageUp));
    bind(
        &[Pad(P::RightTrigger2)],
        Where::Any,
        Does::Nav(Nav::PageDown),
    );
    bind(
        &[Key(K::ArrowLeft), Pad(P::DPadLeft)],
        Where::Screens,
        Does::Nav(Nav::Left),
    );
    bind(
        &[Key(K::ArrowRight), Pad(P::DPadRight)],
        Where::Screens,
        Does::Nav(Nav::Right),
    );
    // Watching, left and right jump inside the time-shift buffer (or an archive programme), as
    // TiviMate's and Kodi's do; End goes back to live.
    bind(
        &[Key(K::ArrowLeft), Pad(P::DPadLeft)],
        Where::Watching,
        Does::Media(M::Seek { seconds: -10 }),
    );
    bind(
        &[Key(K::ArrowRight), Pad(P::DPadRight)],
        Where::Watching,
        Does::Media(M::Seek { seconds: 10 }),
    );
    bind(&[Key(K::End)], Where::Any, Does::Media(M::GoLive));
    // R records what plays (or stops the recording), as the remote's record key.
    bind(
        &[Key(K::KeyR)],
        Where::Watching,
        Does::Media(M::ToggleRecording),
    );
    // On the guide's screens, R records the programme under the cursor (a timer).
    bind(&[Key(K::KeyR)], Where::Screens, Does::Act(Action::Record));
    // OK: on a screen it chooses; watching it opens the channel list.
    bind(
        &[Key(K::Enter), Key(K::NumpadEnter), Pad(P::South)],
        Where::Screens,
        Does::Nav(Nav::Ok),
    );
    bind(
        &[Key(K::Enter), Key(K::NumpadEnter), Pad(P::South)],
        Where::Watching,
        Does::Nav(Nav::ChannelList),
    );
    // Back: closes a screen; watching, it goes back to the last channel.
    bind(
        &[
            Key(K::Escape),
            Key(K::Backspace),
            Key(K::BrowserBack),
            Pad(P::East),
        ],
        Where::Screens,
        Does::Nav(Nav::Back),
    );
    bind(
        &[Key(K::Backspace), Key(K::BrowserBack), Pad(P::East)],
        Where::Watching,
        Does::Media(M::PreviousChannel),
    );
    t
}

/// The keyboard keys that do `does`, in the table's order: help text is made from this, so it
/// can never disagree with the map.
pub fn keys_for(does: &Does) -> Vec<KeyCode> {
    let mut keys = Vec::new();
    for b in table() {
        if let (Trigger::Key(k), true) = (b.trigger, b.does == *does)
            && !keys.contains(&k)
        {
            keys.push(k);
        }
    }
    keys
}

/// A key as it is printed on a keyboard.
pub fn key_name(key: KeyCode) -> String {
    use KeyCode as K;
    let s = match key {
        K::ArrowUp => "↑",
        K::ArrowDown => "↓",
        K::ArrowLeft => "←",
        K::ArrowRight => "→",
        K::PageUp => "PgUp",
        K::PageDown => "PgDn",
        K::Escape => "Esc",
        // Volume up is = with or without shift: the key says +.
        K::Equal => "+",
        K::Minus => "-",
        K::Slash => "/",
        K::Space => "Space",
        other => {
            let name = format!("{other:?}");
            let name = name.strip_prefix("Key").unwrap_or(&name);
            return name.strip_prefix("Digit").unwrap_or(name).to_owned();
        }
    };
    s.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_the_keys_the_map_binds() {
        let keys = |d: Does| keys_for(&d).into_iter().map(key_name).collect::<Vec<_>>();
        assert_eq!(keys(Does::Act(Action::OpenSettings)), ["S", "F2"]);
        assert_eq!(keys(Does::Act(Action::Talk)), ["V"]);
        assert_eq!(
            keys(Does::Media(M::ChannelUp)),
            ["↑", "PgUp", "MediaTrackNext"]
        );
        assert_eq!(keys(Does::Nav(Nav::ChannelList)), ["Enter", "NumpadEnter"]);
    }

    /// A trigger may mean one thing per screen, never two things on the same screen.
    #[test]
    fn no_trigger_is_bound_twice_on_a_screen() {
        let t = table();
        for (i, a) in t.iter().enumerate() {
            for b in &t[i + 1..] {
                let overlap = a.on == b.on || a.on == Where::Any || b.on == Where::Any;
                assert!(
                    !(a.trigger == b.trigger && overlap),
                    "{:?} is bound to {:?} and {:?}",
                    a.trigger,
                    a.does,
                    b.does
                );
            }
        }
    }

    #[test]
    fn the_gamepad_north_button_is_push_to_talk_only() {
        let north: Vec<_> = table()
            .into_iter()
            .filter(|b| b.trigger == Trigger::Pad(GamepadButton::North))
            .map(|b| b.does)
            .collect();
        assert_eq!(north, [Does::Act(Action::Talk)]);
    }
}
