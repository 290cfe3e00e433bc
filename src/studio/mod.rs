//! The studio: how the window is composed. `layout` arranges the picture's tiles and Lumen by
//! the layout in force (shipped or the user's file) and glides them to their places; `tiles`
//! runs the other channels of picture-in-picture and multi-view; `decor` draws a layout's
//! pictures and words, `panels` puts the app's panels where a layout places them.

use bevy::prelude::*;

pub mod broadcast;
mod decor;
pub mod layout;
mod panels;
pub mod tiles;

pub fn plugin(app: &mut App) {
    app.add_plugins((
        layout::plugin,
        tiles::plugin,
        broadcast::plugin,
        decor::plugin,
        panels::plugin,
    ));
}
