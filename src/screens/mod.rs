//! The screens over the picture: the channel list (`guide`), the guide grid (`grid`) and the
//! settings (`settings`). Each reads the input map's navigation and acts on the TV.

pub mod details;
pub mod finder;
pub mod grid;
pub mod guide;
pub mod mapping;
pub mod pin;
pub mod recordings;
pub mod settings;
pub mod tracks;

use bevy::prelude::*;

pub fn plugin(app: &mut App) {
    app.add_plugins((
        guide::plugin,
        grid::plugin,
        settings::plugin,
        details::plugin,
        finder::plugin,
        tracks::plugin,
        pin::plugin,
        mapping::plugin,
        recordings::plugin,
    ));
}
