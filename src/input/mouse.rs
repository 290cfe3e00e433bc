//! The mouse: the wheel scrolls a screen (or changes the volume while watching), right click and
//! the back button go back, a click on the picture opens the channel list and a double-click
//! makes it fill the screen (closing the list the first click opened), the middle button mutes.
//! Rows and programmes take their own clicks (`theme::pointed`).

use bevy::input::mouse::MouseWheel;
use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use super::{Action, Nav};
use crate::app::Screen;
use crate::tv::Cmd;

/// Two clicks this close are a double-click (the desktops' default is 400-500 ms).
const DOUBLE_CLICK_S: f64 = 0.4;

pub fn mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    mut wheel: MessageReader<MouseWheel>,
    screen: Res<State<Screen>>,
    mut cmds: MessageWriter<Cmd>,
    mut nav: MessageWriter<Nav>,
    mut act: MessageWriter<Action>,
    time: Res<Time<Real>>,
    // When the last click on the picture was, and whether it opened the channel list.
    mut last_click: Local<Option<(f64, bool)>>,
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
    // A click on the picture opens the channel list (rows take their own clicks); a second
    // within the double-click time toggles fullscreen and closes the list again.
    if buttons.just_pressed(MouseButton::Left) {
        let now = time.elapsed_secs_f64();
        match *last_click {
            Some((at, opened)) if now - at <= DOUBLE_CLICK_S => {
                act.write(Action::Fullscreen);
                if opened && guide {
                    nav.write(Nav::Back);
                }
                *last_click = None;
            }
            _ => {
                if !guide {
                    nav.write(Nav::ChannelList);
                }
                *last_click = (!guide).then_some((now, true));
            }
        }
    }
    if buttons.just_pressed(MouseButton::Middle) {
        cmds.write(Cmd(M::ToggleMute));
    }
}
