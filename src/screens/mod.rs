//! The screens over the picture: the channel list (`guide`), the guide grid (`grid`) and the
//! settings (`settings`). Each reads the input map's navigation and acts on the TV.

pub mod details;
pub mod finder;
pub mod grid;
pub mod guide;
pub mod mapping;
pub mod open;
pub mod pin;
pub mod recordings;
pub mod settings;
pub mod tracks;
pub mod welcome;

use bevy::prelude::*;
use prism_core::scene::Ease;

use crate::app::Screen;

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (open, slide).chain().in_set(crate::app::AppSystems::Draw),
    );
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
        welcome::plugin,
        open::plugin,
    ));
}

/// A screen or panel on its way in: it rises into place and grows to full size (0.25 s,
/// scaled by `PRISM_ANIMATION_SCALE`). Closing one is at once: it is despawned with its screen.
#[derive(Component)]
struct Opening {
    since: f64,
}

/// How far below its place a panel starts, and how small.
const RISE: f32 = 36.0;
const GROW: f32 = 0.94;
const OPEN: f64 = 0.25;

fn open(
    mut commands: Commands,
    time: Res<Time<Real>>,
    added: Query<Entity, (Added<DespawnOnExit<Screen>>, With<Node>, Without<ChildOf>)>,
) {
    for e in &added {
        commands.entity(e).insert((
            Opening {
                since: time.elapsed_secs_f64(),
            },
            UiTransform {
                translation: Val2::px(0.0, RISE),
                scale: Vec2::splat(GROW),
                ..default()
            },
        ));
    }
}

fn slide(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut opening: Query<(Entity, &Opening, &mut UiTransform)>,
) {
    let length = OPEN * crate::theme::animation_scale();
    for (e, o, mut t) in &mut opening {
        let x = if length > 0.0 {
            ((time.elapsed_secs_f64() - o.since) / length).clamp(0.0, 1.0) as f32
        } else {
            1.0
        };
        let k = Ease::CubicOut.at(x);
        t.translation = Val2::px(0.0, RISE * (1.0 - k));
        t.scale = Vec2::splat(GROW + (1.0 - GROW) * k);
        if x >= 1.0 {
            commands.entity(e).remove::<Opening>();
        }
    }
}
