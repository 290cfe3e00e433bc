//! The mouse: the wheel scrolls a screen (or changes the volume while watching), right click and
//! the back button go back, a click on the picture opens the channel list, the middle button
//! mutes. Rows and programmes take their own clicks (`theme::pointed`).

use bevy::input::mouse::MouseWheel;
use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use super::Nav;
use crate::app::Screen;
use crate::tv::Cmd;

pub fn mouse(
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
