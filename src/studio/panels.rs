//! A layout's overlay layers (`kind = "overlay"`, `panel = "banner"`…): the app's own panels
//! (`theme::LayoutPanel`) put where the layer says, at its size, turned and faded by it, or
//! hidden when the layer is not visible (a stream without the zap banner). A panel the layout
//! does not name stays where the app puts it; one the layout stops naming goes back there.
//! What shows in a panel, and when, is still the overlay's business.

use bevy::prelude::*;
use prism_core::scene::{LayerKind, Layout, Plane};

use crate::theme::{self, LayoutPanel};

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        place
            .after(super::layout::place_video)
            .in_set(crate::app::AppSystems::Draw),
    );
}

/// Where the app had the panel, kept while a layout places it.
#[derive(Component)]
struct Home(Node);

/// The layout's layer for `panel`, if it has one.
fn layer<'a>(layout: &'a Layout, panel: &str) -> Option<&'a prism_core::scene::Layer> {
    layout
        .layers
        .iter()
        .find(|l| matches!(&l.kind, LayerKind::Overlay { panel: p } if p == panel))
}

#[allow(clippy::type_complexity)]
fn place(
    mut commands: Commands,
    scene: Res<super::layout::Scene>,
    stage: Res<super::broadcast::Stage>,
    mut panels: Query<(
        Entity,
        &LayoutPanel,
        &mut Node,
        &mut UiTransform,
        Option<&Home>,
        Option<&GlobalZIndex>,
    )>,
    children: Query<&Children>,
    mut parts: theme::FadeParts,
) {
    let Some(size) = stage.size() else { return };
    let layout = scene.layout();
    let avatar_z = layout
        .find(|k| *k == LayerKind::Avatar)
        .map_or(i32::MAX, |l| l.z);
    for (e, panel, mut node, mut transform, home, depth) in &mut panels {
        let Some(l) = layer(layout, panel.0) else {
            if let Some(Home(was)) = home {
                *node = was.clone();
                transform.rotation = Rot2::IDENTITY;
                theme::fade(e, 1.0, true, &children, &mut parts, &mut commands);
                commands.entity(e).remove::<(Home, GlobalZIndex)>();
            }
            continue;
        };
        let was = match home {
            Some(Home(was)) => was.clone(),
            None => {
                commands.entity(e).insert(Home(node.clone()));
                node.clone()
            }
        };
        let mut want = was.clone();
        match l.bounds() {
            Some(b) if l.visible => {
                let r = b.px(size.x, size.y);
                want.position_type = PositionType::Absolute;
                want.left = Val::Px(r.x);
                want.top = Val::Px(r.y);
                want.width = Val::Px(r.w);
                want.height = Val::Px(r.h);
                want.right = Val::Auto;
                want.bottom = Val::Auto;
                want.max_width = Val::Auto;
                want.margin = UiRect::ZERO;
            }
            _ => want.display = Display::None,
        }
        if *node != want {
            *node = want;
        }
        let turn = Rot2::degrees(l.rotation);
        if transform.rotation != turn {
            transform.rotation = turn;
        }
        // At its opacity, whatever the app draws in it meanwhile (the time-bar's badge turning
        // red) kept as the app's own.
        theme::fade(
            e,
            l.opacity,
            l.opacity >= 1.0,
            &children,
            &mut parts,
            &mut commands,
        );
        // Under Lumen when the layout says so; else where the app draws its panels.
        let under = theme::plane_above(Plane::Video, 5);
        match (l.z < avatar_z, depth) {
            (true, d) if d != Some(&under) => {
                commands.entity(e).insert(under);
            }
            (false, Some(_)) => {
                commands.entity(e).remove::<GlobalZIndex>();
            }
            _ => {}
        }
    }
}
