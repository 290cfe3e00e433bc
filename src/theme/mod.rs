//! How Prism looks: a palette readable from across a room, and the small widgets the screens
//! share (text, a box that shows or hides its text, pointer hit tests).
//!
//! Colours: panels are opaque. UI blending happens in linear light, where a 90 %-alpha dark
//! panel over bright video still reads as half see-through.

mod fade;
pub mod fonts;
mod widgets;

pub use fade::{FadeParts, fade};
pub use widgets::{pointed, show, show_image, text};

use bevy::prelude::Color;

/// The depth a thing is drawn at: its plane in the window's one stacking order
/// ([`prism_core::scene::Plane`]); no other code names a `GlobalZIndex`.
/// A UI root for the person at the screen only: while the scene is broadcast or recorded it is
/// drawn over the monitor in the window, never into what is sent. The pairing code and its QR
/// code would let anyone watching take the remote; the PIN pad, notices and the microphone's
/// words are nobody else's business either.
#[derive(bevy::prelude::Component)]
pub struct ViewerOnly;

/// One of the app's panels a layout file can place (`prism_core::scene::PANELS`, by name): on
/// the panel's root node.
#[derive(bevy::prelude::Component)]
pub struct LayoutPanel(pub &'static str);

pub fn plane(p: prism_core::scene::Plane) -> bevy::ui::GlobalZIndex {
    bevy::ui::GlobalZIndex(p.z())
}

/// Places an absolutely positioned node over `r` (pixels from the window's top left), with a
/// border of `border` pixels; untouched when it is there already (a touched node is laid out
/// again).
pub fn place(
    node: &mut bevy::prelude::Mut<bevy::ui::Node>,
    r: prism_core::scene::Rect,
    border: f32,
) {
    use bevy::ui::{Node, PositionType, UiRect, Val};
    let want = Node {
        position_type: PositionType::Absolute,
        border: UiRect::all(Val::Px(border)),
        left: Val::Px(r.x),
        top: Val::Px(r.y),
        width: Val::Px(r.w),
        height: Val::Px(r.h),
        ..Default::default()
    };
    if **node != want {
        **node = want;
    }
}

/// Level `n` inside plane `p` (the video tiles: picture-in-picture over the TV).
pub fn plane_above(p: prism_core::scene::Plane, n: u8) -> bevy::ui::GlobalZIndex {
    bevy::ui::GlobalZIndex(p.above(n))
}

/// How long a move on screen takes (Lumen to her corner, the picture to its place in a new
/// layout), before [`animation_scale`]; a fade.
pub const GLIDE: f64 = 0.45;
pub const FADE: f64 = 0.3;

/// Animations' durations times this (`PRISM_ANIMATION_SCALE`, as Android's animator scale):
/// window tests slow them down to photograph them mid-way; 0 turns them off.
pub fn animation_scale() -> f64 {
    static SCALE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *SCALE.get_or_init(|| {
        std::env::var("PRISM_ANIMATION_SCALE")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .unwrap_or(1.0)
    })
}

pub const PANEL: Color = Color::srgb(0.03, 0.04, 0.08);
pub const CARD: Color = Color::srgb(0.35, 0.05, 0.08);
pub const WARN: Color = Color::srgb(1.0, 0.55, 0.45);
pub const ROW: Color = Color::srgba(1.0, 1.0, 1.0, 0.06);
pub const SELECTED: Color = Color::srgba(0.16, 0.36, 0.85, 0.95);
pub const FOCUS: Color = Color::srgb(1.0, 0.85, 0.2);
pub const TEXT: Color = Color::srgb(0.97, 0.97, 0.97);
pub const DIM: Color = Color::srgb(0.72, 0.75, 0.8);
pub const ACCENT: Color = Color::srgb(0.3, 0.75, 1.0);
pub const TRACK: Color = Color::srgba(1.0, 1.0, 1.0, 0.18);
pub const CELL: Color = Color::srgb(0.12, 0.13, 0.18);
pub const NOW: Color = Color::srgb(0.16, 0.2, 0.3);
