//! Fading a UI tree: a screen opening or closing, a layout's panel at its opacity. One
//! helper, so every fade keeps what the tree's owner draws meanwhile.

use bevy::prelude::*;

/// A part's alphas as its owner drew them (background, border, text, image; NaN for what it
/// does not have), and as the fade last wrote them.
#[derive(Component, Clone, Copy)]
pub struct Faded {
    drawn: [f32; 4],
    wrote: [f32; 4],
}

impl Faded {
    /// Bit for bit (NaN marks what a part does not have), so a steady fade writes nothing.
    fn same(&self, other: &Faded) -> bool {
        let bits = |a: [f32; 4]| a.map(f32::to_bits);
        bits(self.drawn) == bits(other.drawn) && bits(self.wrote) == bits(other.wrote)
    }
}

pub type FadeParts<'w, 's> = Query<
    'w,
    's,
    (
        Option<&'static Faded>,
        Option<&'static mut BackgroundColor>,
        Option<&'static mut BorderColor>,
        Option<&'static mut TextColor>,
        Option<&'static mut ImageNode>,
    ),
>;

/// Everything drawn in `root` at `k` times its own alpha (`done`: back to its own, and the
/// fade's bookkeeping gone). What the owner itself changes meanwhile (a row becoming the
/// selected one, a badge turning red) is seen as it differs from what the fade wrote, and
/// becomes the alpha to fade; a part built meanwhile joins the fade where it is.
pub fn fade(
    root: Entity,
    k: f32,
    done: bool,
    children: &Query<&Children>,
    parts: &mut FadeParts,
    commands: &mut Commands,
) {
    for part in std::iter::once(root).chain(children.iter_descendants(root)) {
        let Ok((faded, bg, border, text, image)) = parts.get_mut(part) else {
            continue;
        };
        let now = [
            bg.as_ref().map_or(f32::NAN, |c| c.0.alpha()),
            border.as_ref().map_or(f32::NAN, |c| c.top.alpha()),
            text.as_ref().map_or(f32::NAN, |c| c.0.alpha()),
            image.as_ref().map_or(f32::NAN, |c| c.color.alpha()),
        ];
        if now.iter().all(|a| a.is_nan()) {
            continue;
        }
        let mut f = faded.copied().unwrap_or(Faded {
            drawn: now,
            wrote: [f32::NAN; 4],
        });
        let mut want = [f32::NAN; 4];
        for i in 0..4 {
            if now[i] != f.wrote[i] {
                f.drawn[i] = now[i];
            }
            want[i] = if done { f.drawn[i] } else { f.drawn[i] * k };
        }
        f.wrote = want;
        if let Some(mut c) = bg
            && c.0.alpha() != want[0]
        {
            c.0.set_alpha(want[0]);
        }
        if let Some(mut c) = border
            && c.top.alpha() != want[1]
        {
            let b = &mut *c;
            for side in [&mut b.top, &mut b.right, &mut b.bottom, &mut b.left] {
                side.set_alpha(want[1]);
            }
        }
        if let Some(mut c) = text
            && c.0.alpha() != want[2]
        {
            c.0.set_alpha(want[2]);
        }
        if let Some(mut c) = image
            && c.color.alpha() != want[3]
        {
            c.color.set_alpha(want[3]);
        }
        if done {
            if faded.is_some() {
                commands.entity(part).remove::<Faded>();
            }
        } else if faded.is_none_or(|was| !f.same(was)) {
            commands.entity(part).insert(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use bevy::ecs::system::RunSystemOnce;

    use super::*;

    fn run(world: &mut World, root: Entity, k: f32, done: bool) {
        world
            .run_system_once(
                move |mut commands: Commands, children: Query<&Children>, mut parts: FadeParts| {
                    fade(root, k, done, &children, &mut parts, &mut commands)
                },
            )
            .unwrap();
    }

    fn bg(world: &World, e: Entity) -> f32 {
        world.get::<BackgroundColor>(e).unwrap().0.alpha()
    }

    #[test]
    fn a_fade_keeps_what_the_owner_draws_meanwhile() {
        let mut world = World::new();
        let root = world
            .spawn((
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.6)),
                TextColor(Color::WHITE),
            ))
            .id();
        let badge = world
            .spawn((
                BackgroundColor(Color::srgba(1.0, 0.0, 0.0, 0.8)),
                ChildOf(root),
            ))
            .id();
        run(&mut world, root, 0.5, false);
        assert!((bg(&world, root) - 0.3).abs() < 1e-6);
        assert!((bg(&world, badge) - 0.4).abs() < 1e-6);
        assert!((world.get::<TextColor>(root).unwrap().0.alpha() - 0.5).abs() < 1e-6);
        // Held at the same opacity, nothing compounds.
        run(&mut world, root, 0.5, false);
        assert!((bg(&world, root) - 0.3).abs() < 1e-6);
        // The owner turns the badge opaque blue mid-fade: that is its alpha now.
        world.get_mut::<BackgroundColor>(badge).unwrap().0 = Color::srgb(0.0, 0.0, 1.0);
        run(&mut world, root, 0.5, false);
        assert!((bg(&world, badge) - 0.5).abs() < 1e-6);
        // Done: every part as its owner drew it, and no bookkeeping left.
        run(&mut world, root, 1.0, true);
        assert!((bg(&world, root) - 0.6).abs() < 1e-6);
        assert_eq!(bg(&world, badge), 1.0);
        assert_eq!(world.get::<TextColor>(root).unwrap().0.alpha(), 1.0);
        assert!(world.get::<Faded>(root).is_none() && world.get::<Faded>(badge).is_none());
    }
}
