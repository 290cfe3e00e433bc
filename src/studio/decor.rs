//! A layout's own layers: pictures (a logo, a frame) and words (a title, "live with Lumen"),
//! drawn with their layer's place, anchor, opacity, rotation and z. They are part of the scene,
//! so a broadcast carries them. A layer below the avatar's z draws under Lumen, one above it
//! over her; both stay under every screen and panel (`Plane`).
//!
//! A picture is read from its path (relative to the config folder, or absolute) when the layout
//! comes into force; one that cannot be read is said once, and the rest of the layout stands.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::image::{CompressedImageFormats, ImageSampler, ImageType};
use bevy::prelude::*;
use prism_core::scene::{Ease, LayerKind, Layout, Plane};

use crate::t;
use crate::theme;
use crate::tv::Tv;

/// One drawn layer, by its index in the layout, and when it appeared (it fades in).
#[derive(Component)]
struct Decor {
    layer: usize,
    since: f64,
}

#[derive(Component)]
struct DecorText;

/// The layout the decor was built for.
#[derive(Default)]
struct Built {
    layout: Option<Layout>,
}

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (build, place)
            .chain()
            .after(super::layout::place_video)
            .in_set(crate::app::AppSystems::Draw),
    );
}

/// Layers of kind image or text: rebuilt when the layout changes.
fn build(
    scene: Res<super::layout::Scene>,
    mut built: Local<Built>,
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    old: Query<Entity, With<Decor>>,
    mut tv: ResMut<Tv>,
    time: Res<Time<Real>>,
) {
    let layout = scene.layout();
    if built.layout.as_ref() == Some(layout) {
        return;
    }
    for e in &old {
        commands.entity(e).despawn();
    }
    let avatar_z = layout
        .find(|k| *k == LayerKind::Avatar)
        .map_or(i32::MAX, |l| l.z);
    let now = time.elapsed_secs_f64();
    let mut n = 0u8;
    for (i, l) in layout.layers.iter().enumerate() {
        if !l.visible || l.rect.is_none() {
            continue;
        }
        // Over the video tiles (levels 0–4), under or over Lumen by the file's z.
        let depth = if l.z < avatar_z {
            theme::plane_above(Plane::Video, 5 + n.min(4))
        } else {
            theme::plane_above(Plane::Avatar, 1 + n.min(8))
        };
        let base = (
            Node {
                position_type: PositionType::Absolute,
                ..default()
            },
            UiTransform::default(),
            depth,
            Decor {
                layer: i,
                since: now,
            },
        );
        match &l.kind {
            LayerKind::Image { path } => match load(&resolve(path)) {
                Ok(img) => {
                    let handle = images.add(img);
                    commands.spawn((
                        base,
                        ImageNode {
                            image: handle,
                            color: Color::WHITE.with_alpha(0.0),
                            ..default()
                        },
                    ));
                }
                Err(why) => {
                    warn!("layout image {path}: {why}");
                    tv.notice = Some((
                        Instant::now(),
                        t!("layout-image-bad", file = path.clone(), error = why),
                    ));
                    continue;
                }
            },
            LayerKind::Text { text } => {
                commands.spawn((
                    base,
                    Text::new(text.clone()),
                    TextFont::from_font_size(24.0),
                    TextColor(theme::TEXT.with_alpha(0.0)),
                    TextShadow::default(),
                    TextLayout::default().with_justify(Justify::Center),
                    DecorText,
                ));
            }
            _ => continue,
        }
        n += 1;
    }
    built.layout = Some(layout.clone());
}

/// Each layer at its rectangle, turned and faded as its layer says.
fn place(
    scene: Res<super::layout::Scene>,
    stage: Res<super::broadcast::Stage>,
    time: Res<Time<Real>>,
    mut decor: Query<(
        &Decor,
        &mut Node,
        &mut UiTransform,
        Option<&mut ImageNode>,
        Option<(&mut TextColor, &mut TextFont)>,
    )>,
) {
    let Some(size) = stage.size() else { return };
    let layout = scene.layout();
    let now = time.elapsed_secs_f64();
    let fade = theme::FADE * theme::animation_scale();
    for (d, mut node, mut transform, image, text) in &mut decor {
        let Some(l) = layout.layers.get(d.layer) else {
            continue;
        };
        let Some(b) = l.bounds() else { continue };
        let r = b.px(size.x, size.y);
        theme::place(&mut node, r, 0.0);
        let turn = Rot2::degrees(l.rotation);
        if transform.rotation != turn {
            transform.rotation = turn;
        }
        let t = ((now - d.since) / fade).clamp(0.0, 1.0) as f32;
        let alpha = l.opacity * Ease::QuadOut.at(t);
        if let Some(mut img) = image
            && img.color.alpha() != alpha
        {
            img.color.set_alpha(alpha);
        }
        if let Some((mut color, mut font)) = text {
            if color.0.alpha() != alpha {
                color.0.set_alpha(alpha);
            }
            // Words fill their layer's height.
            let px = FontSize::Px((r.h * 0.7).max(8.0));
            if font.font_size != px {
                font.font_size = px;
            }
        }
    }
}

/// A layer's path: absolute, or from the config folder (where `layout.toml` is).
fn resolve(path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        return p.to_owned();
    }
    crate::settings::config_dir()
        .map(|d| d.join(p))
        .unwrap_or_else(|| p.to_owned())
}

fn load(path: &Path) -> Result<Image, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("png")
        .to_ascii_lowercase();
    Image::from_buffer(
        &bytes,
        ImageType::Extension(&ext),
        CompressedImageFormats::NONE,
        true,
        ImageSampler::linear(),
        bevy::asset::RenderAssetUsages::RENDER_WORLD,
    )
    .map_err(|e| e.to_string())
}
