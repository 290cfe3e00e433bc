//! A programme's details (I): title, episode, time, genre, rating, description and its picture
//! when the guide has one. It opens on what the cursor is on: the grid's programme, the channel
//! list's channel (what is on now), or the channel playing; I again, or any screen change,
//! closes it.

use bevy::prelude::*;

use crate::app::Screen;
use crate::input::Action;
use crate::screens::grid::GridCursor;
use crate::screens::guide::{GuideCursor, selected_channel};
use crate::settings::Settings;
use crate::sources::logos::Logos;
use crate::t;
use crate::theme::{self, text};
use crate::time::{clock, unix_now};
use crate::tv::Tv;

pub fn plugin(app: &mut App) {
    app.init_resource::<Details>()
        .add_systems(Startup, spawn)
        .add_systems(
            Update,
            (open_close, draw)
                .chain()
                .in_set(crate::app::AppSystems::Draw),
        );
}

/// What the panel shows: a channel and a moment in its schedule.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq)]
pub struct Details {
    pub open: Option<(usize, i64)>,
}

#[derive(Component)]
struct Panel;
#[derive(Component)]
struct Picture;
#[derive(Component)]
struct Title;
#[derive(Component)]
struct Facts;
#[derive(Component)]
struct Description;

fn spawn(mut commands: Commands) {
    commands
        .spawn((
            Panel,
            Node {
                position_type: PositionType::Absolute,
                left: percent(18),
                right: percent(18),
                top: percent(12),
                padding: UiRect::all(px(32)),
                flex_direction: FlexDirection::Column,
                row_gap: px(14),
                border_radius: BorderRadius::all(px(18)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            // Over the screens (the grid fills the window).
            crate::theme::plane(prism_core::scene::Plane::Panel),
            Visibility::Hidden,
        ))
        .with_children(|p| {
            p.spawn((
                Picture,
                ImageNode::default(),
                Node {
                    width: px(320),
                    height: px(180),
                    display: Display::None,
                    ..default()
                },
            ));
            p.spawn((Title, text("", 40.0, theme::TEXT)));
            p.spawn((Facts, text("", 24.0, theme::ACCENT)));
            p.spawn((Description, text("", 26.0, theme::DIM)));
        });
}

#[allow(clippy::too_many_arguments)]
fn open_close(
    mut actions: MessageReader<Action>,
    screen: Res<State<Screen>>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    grid: Res<GridCursor>,
    list: Res<GuideCursor>,
    mut details: ResMut<Details>,
    mut last_screen: Local<Option<Screen>>,
) {
    let now_screen = *screen.get();
    if last_screen.is_some_and(|s| s != now_screen) {
        details.open = None;
    }
    *last_screen = Some(now_screen);
    for a in actions.read() {
        if *a != Action::Info {
            continue;
        }
        if details.open.is_some() {
            details.open = None;
            continue;
        }
        let now = unix_now();
        details.open = match now_screen {
            Screen::Grid => Some((grid.channel, grid.at)),
            Screen::Guide => selected_channel(&tv, &settings, &list).map(|c| (c, now)),
            _ => tv.current.map(|c| (c, now)),
        };
    }
}

/// The lines of a programme's details, for the panel (and tests).
pub fn lines(
    tv: &Tv,
    settings: &Settings,
    channel: usize,
    at: i64,
) -> Option<(String, String, String, Option<String>)> {
    let c = tv.channel(channel)?;
    if !tv.shows_programmes(channel, settings) {
        return Some((c.name.clone(), t!("locked-programmes"), String::new(), None));
    }
    let Some(p) = tv.guide().and_then(|g| g.range(channel, at, at + 1).next()) else {
        return Some((c.name.clone(), t!("nothing-scheduled"), String::new(), None));
    };
    let mut title = p.title().to_owned();
    if let Some(sub) = p.sub_title() {
        title.push_str(" - ");
        title.push_str(sub);
    }
    let mut facts = vec![
        c.name.clone(),
        format!("{}-{}", clock(p.start()), clock(p.stop())),
    ];
    if let Some(e) = p.episode_label() {
        facts.push(e.to_owned());
    }
    let genres: Vec<&str> = p.categories().collect();
    if !genres.is_empty() {
        facts.push(genres.join(", "));
    }
    if let Some(r) = p.rating() {
        facts.push(t!("rating", rating = r));
    }
    if settings.reminders.has(&c.identity(), p.start()) {
        facts.push(t!("reminder-mark"));
    }
    if tv.timers.timers.find(&c.identity(), p.start()).is_some() {
        facts.push(t!("timer-mark"));
    }
    Some((
        title,
        facts.join("   "),
        p.description().unwrap_or_default().to_owned(),
        p.icon().map(str::to_owned),
    ))
}

#[allow(clippy::type_complexity)]
fn draw(
    details: Res<Details>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    mut logos: ResMut<Logos>,
    mut panel: Query<&mut Visibility, With<Panel>>,
    mut picture: Query<(&mut ImageNode, &mut Node), With<Picture>>,
    mut title: Query<&mut Text, (With<Title>, Without<Facts>, Without<Description>)>,
    mut facts: Query<&mut Text, (With<Facts>, Without<Title>, Without<Description>)>,
    mut desc: Query<&mut Text, (With<Description>, Without<Title>, Without<Facts>)>,
) {
    // Only when what is open changes, or an image arrives for it.
    if !details.is_changed() && !logos.is_changed() && !settings.is_changed() {
        return;
    }
    let Ok(mut vis) = panel.single_mut() else {
        return;
    };
    let shown = details
        .open
        .and_then(|(c, at)| lines(&tv, &settings, c, at));
    let Some((t, f, d, icon)) = shown else {
        vis.set_if_neq(Visibility::Hidden);
        return;
    };
    vis.set_if_neq(Visibility::Inherited);
    for (q, s) in [(title.single_mut(), t), (facts.single_mut(), f)] {
        if let Ok(mut q) = q
            && q.0 != s
        {
            q.0 = s;
        }
    }
    if let Ok(mut q) = desc.single_mut()
        && q.0 != d
    {
        q.0 = d;
    }
    if let Ok((mut image, mut node)) = picture.single_mut() {
        if let Some(url) = icon.as_deref()
            && details.is_changed()
        {
            logos.ask(url);
        }
        theme::show_image((&mut image, &mut node), logos.get(icon.as_deref()));
    }
}
