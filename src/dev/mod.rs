//! For developers and tests: the autopilot (scripted runs of the real window) and
//! `prism bench voice`.

pub mod autopilot;
pub mod bench;
pub mod bench_lineup;

use bevy::prelude::*;

pub fn plugin(app: &mut App) {
    app.add_plugins(autopilot::plugin);
}
