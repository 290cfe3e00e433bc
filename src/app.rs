//! The shared app layer: the screens (as states) and the order every frame's work runs in.
//! Every feature plugin builds on these; this module imports none of them.

use bevy::prelude::*;

/// Screens, as states: the picture alone, the channel list over it, or the guide grid.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Watching,
    /// The channel list (OK while watching).
    Guide,
    /// The TV guide grid (G, or "show the guide").
    Grid,
    /// Where channels come from, and how often they refresh (S).
    Settings,
    /// The sound and subtitle tracks of what plays (A).
    Tracks,
    /// Which guide channel a channel's programmes come from (E).
    Mapping,
    /// The parental PIN, asked for a locked channel (or chosen the first time).
    Pin,
    /// What was recorded: play or delete (W).
    Recordings,
    /// Four channels at once (Q): the arrows move the focus, and the sound with it.
    MultiView,
    /// The first run's welcome: the keys, adding a playlist, talking to Lumen.
    Welcome,
    /// A playlist opened from outside (the command line, a dropped file): add it?
    Open,
}

impl Screen {
    /// A screen where the arrows navigate instead of zapping.
    pub fn navigates(self) -> bool {
        self != Screen::Watching
    }
}

/// Input is read, then executed, then drawn, in that order every frame.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    Input,
    Execute,
    Draw,
}

/// What every app has, window or not: the screen state and the frame's order.
pub fn plugin(app: &mut App) {
    app.init_state::<Screen>().configure_sets(
        Update,
        (AppSystems::Input, AppSystems::Execute, AppSystems::Draw).chain(),
    );
}
