//! Widgets the screens share.

use bevy::prelude::*;

/// A text bundle: `s` at `size` in `color`.
pub fn text(s: &str, size: f32, color: Color) -> impl Bundle {
    (
        Text::new(s),
        TextFont::from_font_size(size),
        TextColor(color),
    )
}

/// Shows a box with `s` as its text, or hides it; text is only touched when it changes (a
/// change re-lays out the text).
pub fn show(
    s: Option<String>,
    vis: &mut Visibility,
    children: &Children,
    texts: &mut Query<&mut Text>,
) {
    *vis = if s.is_some() {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if let (Some(s), Some(&child)) = (s, children.first())
        && let Ok(mut t) = texts.get_mut(child)
        && t.0 != s
    {
        t.0 = s;
    }
}

/// What the mouse did to a screen's pointable items this frame, from their [`Interaction`]
/// changes: the item it moved onto (hovering only counts when the mouse moved, so a list
/// redrawn under a resting pointer keeps the keyboard's choice), and whether it was clicked.
pub fn pointed<T>(
    changed: impl Iterator<Item = (Interaction, T)>,
    mut moved: MessageReader<CursorMoved>,
) -> Option<(T, bool)> {
    let moved = moved.read().count() > 0;
    let mut out = None;
    for (interaction, item) in changed {
        match interaction {
            Interaction::Pressed => return Some((item, true)),
            Interaction::Hovered if moved => out = Some((item, false)),
            _ => {}
        }
    }
    out
}

/// Shows `image` in an image node, or collapses the node when there is none (a logo or a
/// programme picture not fetched yet, or that failed).
pub fn show_image(node: (&mut ImageNode, &mut Node), image: Option<Handle<Image>>) {
    let (view, layout) = node;
    match image {
        Some(h) => {
            if view.image != h {
                view.image = h;
            }
            layout.display = Display::Flex;
        }
        None => layout.display = Display::None,
    }
}
