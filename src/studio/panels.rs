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

/// A panel part's alphas as the app drew them (background, text, image), kept while a layout
/// fades it.
#[derive(Component)]
struct Alphas([f32; 3]);

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
    mut parts: Query<(
        Option<&Alphas>,
        Option<&mut BackgroundColor>,
        Option<&mut TextColor>,
        Option<&mut ImageNode>,
    )>,
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
                fade(e, 1.0, &children, &mut parts, &mut commands);
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
        fade(e, l.opacity, &children, &mut parts, &mut commands);
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

/// The panel and everything in it at `opacity` times the alphas the app drew them with.
#[allow(clippy::type_complexity)]
fn fade(
    root: Entity,
    opacity: f32,
    children: &Query<&Children>,
    parts: &mut Query<(
        Option<&Alphas>,
        Option<&mut BackgroundColor>,
        Option<&mut TextColor>,
        Option<&mut ImageNode>,
    )>,
    commands: &mut Commands,
) {
    for part in std::iter::once(root).chain(children.iter_descendants(root)) {
        let Ok((alphas, bg, text, image)) = parts.get_mut(part) else {
            continue;
        };
        let base = match alphas {
            Some(a) => a.0,
            None if opacity >= 1.0 => continue,
            None => {
                let a = [
                    bg.as_ref().map_or(1.0, |c| c.0.alpha()),
                    text.as_ref().map_or(1.0, |c| c.0.alpha()),
                    image.as_ref().map_or(1.0, |c| c.color.alpha()),
                ];
                commands.entity(part).insert(Alphas(a));
                a
            }
        };
        if let Some(mut c) = bg
            && c.0.alpha() != base[0] * opacity
        {
            c.0.set_alpha(base[0] * opacity);
        }
        if let Some(mut c) = text
            && c.0.alpha() != base[1] * opacity
        {
            c.0.set_alpha(base[1] * opacity);
        }
        if let Some(mut c) = image
            && c.color.alpha() != base[2] * opacity
        {
            c.color.set_alpha(base[2] * opacity);
        }
        if opacity >= 1.0 {
            commands.entity(part).remove::<Alphas>();
        }
    }
}
