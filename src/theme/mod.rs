//! How Prism looks: a palette readable from across a room, and the small widgets the screens
//! share (text, a box that shows or hides its text, pointer hit tests).
//!
//! Colours: panels are opaque. UI blending happens in linear light, where a 90 %-alpha dark
//! panel over bright video still reads as half see-through.

pub mod fonts;
mod widgets;

pub use widgets::{pointed, show, show_image, text};

use bevy::prelude::Color;

/// The depth a thing is drawn at: its plane in the window's one stacking order
/// ([`prism_core::scene::Plane`]); no other code names a `GlobalZIndex`.
pub fn plane(p: prism_core::scene::Plane) -> bevy::ui::GlobalZIndex {
    bevy::ui::GlobalZIndex(p.z())
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
