//! Guide search (`/` in the grid): programmes whose title, then description, has every word
//! typed, as you type. OK on a result that is on now watches it; on a later one, a reminder is
//! set and the grid goes to it (I then shows its details). Back or Escape leaves the search.

use bevy::prelude::*;

use super::grid::{GridCursor, SLOT, SPAN, timed_starts};
use crate::app::Screen;
use crate::input::{Edit, Field, Nav, TextCapture};
use crate::settings::Settings;
use crate::t;
use crate::theme::{self, text};
use crate::time::{clock, local_day, unix_now, weekday};
use crate::tv::{Cmd, Tv};

/// Results shown at once.
const SHOWN: usize = 8;

pub fn plugin(app: &mut App) {
    app.init_resource::<Finder>()
        .add_systems(OnExit(Screen::Grid), close)
        .add_systems(
            Update,
            (open, edit, navigate, draw)
                .chain()
                // The grid sees the search open in the frame that closes it (its Back is
                // the search's, not the grid's).
                .after(super::grid::navigate)
                .run_if(in_state(Screen::Grid))
                .in_set(crate::app::AppSystems::Draw),
        );
}

/// The search: its query while open, and the results (channel, programme start).
#[derive(Resource, Default, Debug)]
pub struct Finder {
    pub query: Option<String>,
    pub hits: Vec<(usize, i64)>,
    pub selected: usize,
}

impl Finder {
    pub fn is_open(&self) -> bool {
        self.query.is_some()
    }
    fn refresh(&mut self, tv: &Tv, settings: &Settings) {
        let q = self.query.as_deref().unwrap_or_default();
        // A locked channel's programmes are not found until the PIN is given.
        self.hits = tv
            .guide()
            .map(|g| {
                g.find(q, unix_now(), 50)
                    .into_iter()
                    .filter(|(c, _, _)| tv.shows_programmes(*c, settings))
                    .map(|(c, p, _)| (c, p.start()))
                    .collect()
            })
            .unwrap_or_default();
        self.selected = 0;
    }
}

#[derive(Component)]
struct Panel;

fn close(mut finder: ResMut<Finder>, mut capture: ResMut<TextCapture>) {
    *finder = Finder::default();
    capture.end(Field::Programmes);
}

fn open(mut nav: MessageReader<Nav>, mut finder: ResMut<Finder>, mut capture: ResMut<TextCapture>) {
    for n in nav.read() {
        if *n == Nav::Search {
            *finder = Finder {
                query: Some(String::new()),
                ..Default::default()
            };
            capture.begin(Field::Programmes);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn edit(
    mut edits: MessageReader<Edit>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    mut finder: ResMut<Finder>,
    mut capture: ResMut<TextCapture>,
    mut grid: ResMut<GridCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    if !capture.is(Field::Programmes) {
        return;
    }
    let mut changed = false;
    for e in edits.read() {
        let Some(q) = finder.query.as_mut() else {
            continue;
        };
        match e {
            // Acted on here, not as navigation: the grid must not see these keys too.
            Edit::Done => {
                choose(
                    &tv,
                    &mut finder,
                    &mut capture,
                    &mut grid,
                    &mut cmds,
                    &mut next,
                );
                return;
            }
            Edit::Cancel => {
                *finder = Finder::default();
                capture.end(Field::Programmes);
                return;
            }
            _ => changed |= e.apply(q),
        }
    }
    if changed {
        finder.refresh(&tv, &settings);
    }
}

/// OK on a result: on now, watch it; later, the grid goes to it. The search closes.
fn choose(
    tv: &Tv,
    finder: &mut Finder,
    capture: &mut TextCapture,
    grid: &mut GridCursor,
    cmds: &mut MessageWriter<Cmd>,
    next: &mut NextState<Screen>,
) {
    if let Some(&(channel, start)) = finder.hits.get(finder.selected) {
        let now = unix_now();
        if start <= now {
            cmds.write(Cmd::watch(tv, channel));
            next.set(Screen::Watching);
        } else {
            // Still to come: a reminder (OK again in the grid takes it off), and the grid
            // goes to it.
            cmds.write(Cmd(prism_core::MediaCommand::ToggleReminder {
                channel: tv.channel_ref(channel),
                start,
            }));
            grid.at = start;
            grid.from = (start - SPAN / 4).max(now - now.rem_euclid(SLOT));
            grid.from -= grid.from.rem_euclid(SLOT);
            grid.show(channel, true);
        }
    }
    *finder = Finder::default();
    capture.end(Field::Programmes);
}

#[allow(clippy::too_many_arguments)]
fn navigate(
    mut nav: MessageReader<Nav>,
    mut acts: MessageReader<crate::input::Action>,
    tv: Res<Tv>,
    mut finder: ResMut<Finder>,
    mut capture: ResMut<TextCapture>,
    mut grid: ResMut<GridCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    if !finder.is_open() {
        nav.clear();
        acts.clear();
        return;
    }
    // Record (the remote's key, Ctrl+R): a timer for the selected programme, or none.
    for a in acts.read() {
        if *a == crate::input::Action::Record
            && let Some(&(channel, start)) = finder.hits.get(finder.selected)
        {
            cmds.write(Cmd(prism_core::MediaCommand::ToggleTimer {
                channel: tv.channel_ref(channel),
                start,
            }));
        }
    }
    let len = finder.hits.len();
    for n in nav.read() {
        match n {
            Nav::Up if len > 0 => finder.selected = (finder.selected + len - 1) % len,
            Nav::Down if len > 0 => finder.selected = (finder.selected + 1) % len,
            Nav::Ok => {
                choose(
                    &tv,
                    &mut finder,
                    &mut capture,
                    &mut grid,
                    &mut cmds,
                    &mut next,
                );
                return;
            }
            Nav::Back => {
                *finder = Finder::default();
                capture.end(Field::Programmes);
            }
            _ => {}
        }
    }
}

/// The search's panel over the grid: the prompt, then the results with their channel and
/// time; rebuilt only when the search changes (typing, a new selection, closing) or a timer
/// was set or taken off.
fn draw(
    mut commands: Commands,
    finder: Res<Finder>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    panel: Query<Entity, With<Panel>>,
    mut timers_seen: Local<usize>,
) {
    // As the grid knows its marks are stale: a timer set or taken off changes the count.
    let timers = tv.timers.timers.active_count();
    if !finder.is_changed() && timers == *timers_seen {
        return;
    }
    *timers_seen = timers;
    for e in &panel {
        commands.entity(e).despawn();
    }
    let Some(q) = &finder.query else { return };
    let guide = tv.guide();
    let today = local_day(unix_now());
    commands
        .spawn((
            Panel,
            DespawnOnExit(Screen::Grid),
            Node {
                position_type: PositionType::Absolute,
                left: percent(20),
                right: percent(20),
                top: percent(8),
                padding: UiRect::all(px(24)),
                flex_direction: FlexDirection::Column,
                row_gap: px(6),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Panel),
        ))
        .with_children(|p| {
            p.spawn(text(
                &t!("programme-search", query = format!("{q}_")),
                30.0,
                theme::ACCENT,
            ));
            if finder.hits.is_empty() && !q.is_empty() {
                p.spawn(text(&t!("no-programmes"), 24.0, theme::DIM));
            } else if !finder.hits.is_empty() {
                p.spawn(text(&t!("programme-search-keys"), 20.0, theme::DIM));
            }
            let from = finder.selected.saturating_sub(SHOWN - 1);
            for (k, &(c, start)) in finder.hits.iter().enumerate().skip(from).take(SHOWN) {
                let Some(prog) = guide.and_then(|g| g.range(c, start, start + 1).next()) else {
                    continue;
                };
                let name = tv.channel(c).map_or("", |ch| ch.name.as_str());
                let day = if local_day(start) == today {
                    String::new()
                } else {
                    format!("{} ", weekday(start))
                };
                let mark = match tv.channel(c) {
                    _ if timed_starts(&tv, c).contains(&start) => "● ",
                    Some(ch) if settings.reminders.has(&ch.identity(), start) => "◷ ",
                    _ => "",
                };
                let line = format!(
                    "{mark}{day}{}  {}  ·  {name}",
                    clock(prog.start()),
                    prog.title()
                );
                p.spawn((
                    Node {
                        padding: UiRect::axes(px(12), px(6)),
                        border_radius: BorderRadius::all(px(8)),
                        ..default()
                    },
                    BackgroundColor(if k == finder.selected {
                        theme::SELECTED
                    } else {
                        theme::ROW
                    }),
                    children![text(&line, 24.0, theme::TEXT)],
                ));
            }
        });
}
