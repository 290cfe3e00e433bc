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
        (open, slide, sink)
            .chain()
            .in_set(crate::app::AppSystems::Draw),
    )
    .add_systems(
        StateTransition,
        leave_behind
            .after(bevy::state::state::StateTransitionSystems::DependentTransitions)
            .before(bevy::state::state::StateTransitionSystems::ExitSchedules),
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

/// A screen or panel on its way in: it rises into place, grows to full size and fades in
/// (0.25 s, scaled by `PRISM_ANIMATION_SCALE`). Closed back to the picture, it sinks, shrinks
/// and fades out the same way ([`Closing`]); closed for another screen, it goes at once.
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
    children: Query<&Children>,
    mut parts: crate::theme::FadeParts,
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
        crate::theme::fade(
            e,
            Ease::QuadOut.at(x),
            x >= 1.0,
            &children,
            &mut parts,
            &mut commands,
        );
        if x >= 1.0 {
            commands.entity(e).remove::<Opening>();
        }
    }
}

/// A picture of a screen just closed, sinking and fading out over the TV: a copy of what was
/// drawn (nodes, colours, words, images) without the screen's own components, so nothing of
/// the screen's logic finds it, no click reaches it, and the screen can open again at once.
#[derive(Component)]
struct Closing {
    since: f64,
}

const CLOSE: f64 = 0.2;

/// On a screen's exit to the picture, its roots are copied before Bevy despawns them with
/// their screen; on any other change of screen, pictures still closing go at once.
fn leave_behind(
    mut commands: Commands,
    mut transitions: MessageReader<StateTransitionEvent<Screen>>,
    roots: Query<(Entity, &DespawnOnExit<Screen>), (With<Node>, Without<ChildOf>)>,
    closing: Query<Entity, With<Closing>>,
    time: Res<Time<Real>>,
) {
    let Some(t) = transitions.read().last() else {
        return;
    };
    let (Some(exited), Some(entered)) = (t.exited, t.entered) else {
        return;
    };
    if exited == entered {
        return;
    }
    for e in &closing {
        commands.entity(e).despawn();
    }
    if entered != Screen::Watching || crate::theme::animation_scale() == 0.0 {
        return;
    }
    let since = time.elapsed_secs_f64();
    for (e, on) in &roots {
        if on.0 != exited {
            continue;
        }
        commands
            .entity(e)
            .clone_and_spawn_with_opt_in(|b| {
                b.linked_cloning(true).without_required_components(|b| {
                    b.allow::<(
                        Node,
                        BackgroundColor,
                        BorderColor,
                        UiTransform,
                        Visibility,
                        GlobalZIndex,
                        ZIndex,
                        UiTargetCamera,
                        Children,
                        ChildOf,
                    )>()
                    .allow::<(Text, TextSpan, TextFont, TextColor, TextLayout, TextShadow)>()
                    .allow::<ImageNode>();
                });
            })
            .insert(Closing { since });
    }
}

/// Pictures of closed screens sink, shrink and fade; gone when done.
fn sink(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut roots: Query<(Entity, &Closing, &mut UiTransform)>,
    children: Query<&Children>,
    mut parts: crate::theme::FadeParts,
) {
    let length = CLOSE * crate::theme::animation_scale();
    for (e, c, mut t) in &mut roots {
        let x = ((time.elapsed_secs_f64() - c.since) / length.max(1e-6)).clamp(0.0, 1.0) as f32;
        if x >= 1.0 {
            commands.entity(e).despawn();
            continue;
        }
        let k = Ease::QuadIn.at(x);
        t.translation = Val2::px(0.0, RISE * k);
        t.scale = Vec2::splat(1.0 - (1.0 - GROW) * k);
        crate::theme::fade(e, 1.0 - k, false, &children, &mut parts, &mut commands);
    }
}
