//! The channel guide: a list of channels (number, name, what's on with its progress) that the
//! D-pad drives, filtered by group or favourites with Left/Right; OK watches, Back closes.

use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use crate::app::Screen;
use crate::input::{Edit, Field, Nav, TextCapture};
use crate::settings::Settings;
use crate::sources::logos::Logos;
use crate::t;
use crate::theme;
use crate::time::unix_now;
use crate::tv::{Cmd, Executed, Outcome, Tv};

/// Rows visible at once (large type, readable from 3 m).
const ROWS: usize = 8;

pub fn plugin(app: &mut App) {
    app.init_resource::<GuideCursor>()
        .add_systems(OnEnter(Screen::Guide), (place_cursor, spawn_guide).chain())
        .add_systems(
            OnExit(Screen::Guide),
            |mut c: ResMut<GuideCursor>, mut capture: ResMut<TextCapture>| {
                c.query = None;
                capture.end(Field::Search);
            },
        )
        .add_systems(
            Update,
            (
                (open_close, take_offer)
                    .chain()
                    .in_set(crate::app::AppSystems::Execute),
                (
                    (search, pointer, navigate)
                        .chain()
                        .run_if(in_state(Screen::Guide)),
                    favourites,
                    hide_group.run_if(in_state(Screen::Guide)),
                    redraw,
                )
                    .chain()
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

#[derive(Resource, Default)]
pub struct GuideCursor {
    /// Index into the filtered list.
    pub selected: usize,
    /// 0 = all channels, 1 = favourites, 2 = recently watched, 3.. = the playlist's groups.
    pub filter: usize,
    /// Typed search (after `/`): channels whose name contains it, whatever the filter.
    pub query: Option<String>,
}

#[derive(Component)]
struct GuidePanel;

/// What the list shows: (selected, filter, favourites and hidden groups, current channel,
/// half-minute, search, logos loaded, lineup generation).
type RedrawKey = (
    usize,
    usize,
    (usize, usize, usize, bool),
    Option<usize>,
    i64,
    Option<String>,
    usize,
    u64,
);

#[derive(Component)]
struct GuideRows;

/// A row of the list the mouse can point at: its position in the filtered list.
#[derive(Component)]
struct ListRow(usize);

fn groups(tv: &Tv) -> &[String] {
    tv.lineup.as_ref().map_or(&[], |l| &l.groups)
}

/// Filters before the playlist's groups: all, favourites, recently watched.
const FIXED_FILTERS: usize = 3;

fn filter_name(tv: &Tv, settings: &Settings, filter: usize) -> String {
    match filter {
        0 => t!("filter-all"),
        1 => t!("filter-favourites"),
        2 => t!("filter-recent"),
        n => {
            let g = groups(tv)
                .get(n - FIXED_FILTERS)
                .cloned()
                .unwrap_or_default();
            if settings.hidden_groups.contains(&g) {
                t!("group-hidden", group = g)
            } else if settings.parental.locked_groups.contains(&g) {
                t!("group-locked", group = g)
            } else {
                g
            }
        }
    }
}

/// H on a group's filter hides the group from "All" and from zapping, or shows it again. P
/// locks it behind the PIN, or unlocks it once the PIN has been given.
fn hide_group(
    mut acts: MessageReader<crate::input::Action>,
    tv: Res<Tv>,
    cursor: Res<GuideCursor>,
    mut settings: ResMut<Settings>,
    mut next: ResMut<NextState<Screen>>,
) {
    use crate::input::Action;
    for a in acts.read() {
        if !matches!(a, Action::HideGroup | Action::LockGroup) || cursor.filter < FIXED_FILTERS {
            continue;
        }
        let Some(g) = groups(&tv).get(cursor.filter - FIXED_FILTERS).cloned() else {
            continue;
        };
        if *a == Action::LockGroup {
            let locked = &mut settings.parental.locked_groups;
            if !locked.contains(&g) {
                locked.push(g);
                if settings.parental.pin.is_none() {
                    // The first lock: the PIN that will open it is chosen now.
                    next.set(Screen::Pin);
                }
            } else if tv.unlocked || settings.parental.pin.is_none() {
                settings.parental.locked_groups.retain(|l| *l != g);
            } else {
                // Unlocking takes the PIN; P again once it is given.
                next.set(Screen::Pin);
            }
            continue;
        }
        if settings.hidden_groups.contains(&g) {
            settings.hidden_groups.retain(|h| *h != g);
        } else {
            settings.hidden_groups.push(g);
        }
    }
}

/// Indices of the channels the list shows: the search results, or the filter's channels.
/// The channel the list's cursor is on.
pub fn selected_channel(tv: &Tv, settings: &Settings, cursor: &GuideCursor) -> Option<usize> {
    visible(tv, settings, cursor).get(cursor.selected).copied()
}

fn visible(tv: &Tv, settings: &Settings, cursor: &GuideCursor) -> Vec<usize> {
    let Some(l) = &tv.lineup else {
        return Vec::new();
    };
    if let Some(q) = cursor.query.as_deref().filter(|q| !q.is_empty()) {
        let q = q.to_lowercase();
        return (0..l.channels().len())
            .filter(|&i| l.channels()[i].name.to_lowercase().contains(&q))
            .collect();
    }
    let filter = cursor.filter;
    if filter == 2 {
        // Most recent first.
        return settings
            .recent
            .iter()
            .filter_map(|name| l.channels().iter().position(|c| &c.name == name))
            .collect();
    }
    let group = (filter >= FIXED_FILTERS)
        .then(|| groups(tv).get(filter - FIXED_FILTERS).cloned())
        .flatten();
    l.channels()
        .iter()
        .enumerate()
        .filter(|(_, c)| match filter {
            0 => !settings.is_hidden(c),
            1 => settings.is_favourite(c),
            _ => group.as_ref().is_some_and(|g| c.groups.contains(g)),
        })
        .map(|(i, _)| i)
        .collect()
}

/// OK while watching, when a reminder offers its channel (the programme is starting): the
/// TV switches to it instead of opening the list.
fn take_offer(mut nav: MessageReader<Nav>, mut tv: ResMut<Tv>, mut cmds: MessageWriter<Cmd>) {
    for n in nav.read() {
        if *n == Nav::ChannelList
            && let Some(i) = tv.offered()
        {
            tv.offer = None;
            cmds.write(Cmd::watch(&tv, i));
        }
    }
}

/// "Show the guide" and G open the grid; OK while watching opens the channel list.
fn open_close(
    mut cmds: MessageReader<Cmd>,
    mut nav: MessageReader<Nav>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    (mut cursor, mut capture): (ResMut<GuideCursor>, ResMut<TextCapture>),
    mut done: MessageWriter<Executed>,
    tv: Res<Tv>,
) {
    let open = screen.get().navigates();
    for Cmd(c) in cmds.read() {
        let show = match c {
            M::ShowGuide => true,
            M::HideGuide => false,
            M::ToggleGuide => !open,
            _ => continue,
        };
        next.set(if show { Screen::Grid } else { Screen::Watching });
        done.write(Executed {
            cmd: c.clone(),
            outcome: Outcome::Guide(show),
        });
    }
    for n in nav.read() {
        match n {
            // While a reminder offers its channel, OK takes the offer (`take_offer`).
            Nav::ChannelList if !open && tv.offered().is_none() => {
                cursor.query = None;
                next.set(Screen::Guide);
            }
            // `/` searches channel names from anywhere (the grid searches programmes): the list
            // opens with a prompt.
            Nav::Search if *screen.get() != Screen::Grid => {
                cursor.query = Some(String::new());
                cursor.selected = 0;
                capture.begin(Field::Search);
                next.set(Screen::Guide);
            }
            _ => {}
        }
    }
}

fn place_cursor(tv: Res<Tv>, settings: Res<Settings>, mut cursor: ResMut<GuideCursor>) {
    if cursor.query.is_some() {
        return;
    }
    let list = visible(&tv, &settings, &cursor);
    cursor.selected = tv
        .current
        .and_then(|c| list.iter().position(|&i| i == c))
        .unwrap_or(0);
}

fn spawn_guide(mut commands: Commands) {
    commands
        .spawn((
            GuidePanel,
            DespawnOnExit(Screen::Guide),
            Node {
                position_type: PositionType::Absolute,
                left: px(0),
                top: px(0),
                bottom: px(0),
                width: percent(46),
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(px(28)),
                row_gap: px(10),
                ..default()
            },
            BackgroundColor(theme::PANEL),
        ))
        .with_children(|p| {
            p.spawn((
                GuideRows,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(8),
                    ..default()
                },
            ));
        });
}

/// Typing into the search: the query narrows the list; Enter watches the first match (or the
/// one chosen with the arrows), Escape leaves the search.
fn search(
    mut edits: MessageReader<Edit>,
    mut cursor: ResMut<GuideCursor>,
    mut capture: ResMut<TextCapture>,
    mut nav: MessageWriter<Nav>,
) {
    if !capture.is(Field::Search) {
        edits.clear();
        return;
    }
    for e in edits.read() {
        let Some(q) = cursor.query.as_mut() else {
            continue;
        };
        match e {
            Edit::Done => nav.write(Nav::Ok),
            Edit::Cancel => {
                capture.end(Field::Search);
                nav.write(Nav::Back)
            }
            _ => {
                e.apply(q);
                cursor.selected = 0;
                continue;
            }
        };
    }
}

/// The mouse: moving over a row selects it, a click watches it.
fn pointer(
    rows: Query<(&Interaction, &ListRow), Changed<Interaction>>,
    moved: MessageReader<CursorMoved>,
    mut cursor: ResMut<GuideCursor>,
    mut nav: MessageWriter<Nav>,
) {
    if let Some((row, ok)) = crate::theme::pointed(rows.iter().map(|(i, r)| (*i, r.0)), moved) {
        if cursor.selected != row {
            cursor.selected = row;
        }
        if ok {
            nav.write(Nav::Ok);
        }
    }
}

fn navigate(
    mut nav: MessageReader<Nav>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    mut cursor: ResMut<GuideCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
    mut capture: ResMut<TextCapture>,
) {
    for n in nav.read() {
        let list = visible(&tv, &settings, &cursor);
        let len = list.len();
        let filters = FIXED_FILTERS + groups(&tv).len();
        match n {
            Nav::Up if len > 0 => cursor.selected = (cursor.selected + len - 1) % len,
            Nav::Down if len > 0 => cursor.selected = (cursor.selected + 1) % len,
            Nav::PageUp => cursor.selected = cursor.selected.saturating_sub(ROWS),
            Nav::PageDown if len > 0 => cursor.selected = (cursor.selected + ROWS).min(len - 1),
            Nav::Left => {
                cursor.filter = (cursor.filter + filters - 1) % filters;
                cursor.selected = 0;
            }
            Nav::Right => {
                cursor.filter = (cursor.filter + 1) % filters;
                cursor.selected = 0;
            }
            Nav::Ok => {
                if let Some(&i) = list.get(cursor.selected) {
                    cmds.write(Cmd::watch(&tv, i));
                    next.set(Screen::Watching);
                }
            }
            Nav::Back if cursor.query.is_some() => {
                cursor.query = None;
                cursor.selected = 0;
                capture.end(Field::Search);
            }
            Nav::Back => next.set(Screen::Watching),
            _ => {}
        }
    }
}

/// Favourites: F toggles the current channel (or the one under the cursor in the list); "add
/// this to my favourites" adds (and says so if it already was one), "remove ..." removes.
fn favourites(
    mut cmds: MessageReader<Cmd>,
    tv: Res<Tv>,
    screen: Res<State<Screen>>,
    cursor: Res<GuideCursor>,
    mut settings: ResMut<Settings>,
    mut done: MessageWriter<Executed>,
) {
    for Cmd(c) in cmds.read() {
        let (channel, want) = match c {
            M::AddFavourite { channel } => (channel, Some(true)),
            M::RemoveFavourite { channel } => (channel, Some(false)),
            M::ToggleFavourite => (&None, None),
            _ => continue,
        };
        let target = match channel {
            Some(r) => Some(r.index as usize),
            None if *screen.get() == Screen::Guide => visible(&tv, &settings, &cursor)
                .get(cursor.selected)
                .copied(),
            None => tv.current,
        };
        let Some(channel) = target.and_then(|i| tv.channel(i)) else {
            done.write(Executed {
                cmd: c.clone(),
                outcome: Outcome::NoChannel,
            });
            continue;
        };
        let name = channel.name.clone();
        let has = settings.is_favourite(channel);
        let add = want.unwrap_or(!has);
        if add != has {
            settings.set_favourite(channel, add);
        }
        done.write(Executed {
            cmd: c.clone(),
            outcome: Outcome::Favourite {
                name,
                added: add,
                already: add == has,
            },
        });
    }
}

fn redraw(
    mut commands: Commands,
    tv: Res<Tv>,
    settings: Res<Settings>,
    cursor: Res<GuideCursor>,
    rows: Query<Entity, With<GuideRows>>,
    logos: Res<Logos>,
    mut last: Local<Option<RedrawKey>>,
) {
    let Ok(rows) = rows.single() else {
        *last = None;
        return;
    };
    let now = unix_now();
    // Redraw on any change, and every 30 s for the progress bars.
    let key = (
        cursor.selected,
        cursor.filter,
        (
            settings.favourites.len(),
            settings.hidden_groups.len(),
            settings.parental.locked_groups.len(),
            tv.unlocked,
        ),
        tv.current,
        now / 30,
        cursor.query.clone(),
        logos.by_url.len(),
        tv.generation,
    );
    if last.as_ref() == Some(&key) {
        return;
    }
    *last = Some(key);
    let list = visible(&tv, &settings, &cursor);
    let start = cursor
        .selected
        .saturating_sub(ROWS / 2)
        .min(list.len().saturating_sub(ROWS));
    commands.entity(rows).despawn_children();
    commands.entity(rows).with_children(|p| {
        p.spawn((
            Text::new(match &cursor.query {
                Some(q) => t!("search-prompt", query = format!("{q}_")),
                None => format!("<  {}  >", filter_name(&tv, &settings, cursor.filter)),
            }),
            TextFont::from_font_size(30.0),
            TextColor(theme::ACCENT),
            Node {
                margin: UiRect::bottom(px(8)),
                ..default()
            },
        ));
        if list.is_empty() {
            p.spawn((
                Text::new(match cursor.filter {
                    1 => t!("no-favourites"),
                    2 => t!("no-recent"),
                    _ => t!("no-channels"),
                }),
                TextFont::from_font_size(26.0),
                TextColor(theme::DIM),
            ));
        }
        for (row, &i) in list.iter().enumerate().skip(start).take(ROWS) {
            let Some(c) = tv.channel(i) else { continue };
            let selected = row == cursor.selected;
            let number = c
                .number
                .map_or_else(|| format!("{}", i + 1), |n| n.to_string());
            let fav = if settings.favourites.contains(&c.name) {
                "  *"
            } else {
                ""
            };
            let playing = if tv.current == Some(i) {
                format!("  {}", t!("playing-marker"))
            } else {
                String::new()
            };
            let nn = tv.guide_for(i, &settings).map(|g| g.now_next(i, now));
            let (title, progress) = match nn.as_ref().and_then(|n| n.now.as_ref()) {
                Some(p) => (p.title().to_owned(), p.progress(now)),
                None if !tv.shows_programmes(i, &settings) => (t!("locked-programmes"), 0.0),
                None => (t!("nothing-scheduled"), 0.0),
            };
            p.spawn((
                ListRow(row),
                Interaction::default(),
                Node {
                    flex_direction: FlexDirection::Column,
                    padding: UiRect::axes(px(16), px(8)),
                    border: UiRect::all(px(3)),
                    border_radius: BorderRadius::all(px(10)),
                    ..default()
                },
                BackgroundColor(if selected {
                    theme::SELECTED
                } else {
                    theme::ROW
                }),
                BorderColor::all(if selected { theme::FOCUS } else { Color::NONE }),
            ))
            .with_children(|r| {
                r.spawn(Node {
                    flex_direction: FlexDirection::Row,
                    align_items: AlignItems::Center,
                    column_gap: px(12),
                    ..default()
                })
                .with_children(|line| {
                    if let Some(logo) = logos.get(c.logo.as_deref()) {
                        line.spawn((
                            ImageNode::new(logo),
                            Node {
                                width: px(64),
                                height: px(36),
                                ..default()
                            },
                        ));
                    }
                    line.spawn((
                        Text::new(format!("{number}  {}{fav}{playing}", c.name)),
                        TextFont::from_font_size(30.0),
                        TextColor(theme::TEXT),
                    ));
                });
                r.spawn((
                    Text::new(title),
                    TextFont::from_font_size(22.0),
                    TextColor(theme::DIM),
                ));
                r.spawn((
                    Node {
                        height: px(5),
                        width: percent(100),
                        margin: UiRect::top(px(4)),
                        ..default()
                    },
                    BackgroundColor(theme::TRACK),
                ))
                .with_children(|b| {
                    b.spawn((
                        Node {
                            height: percent(100),
                            width: percent(progress * 100.0),
                            ..default()
                        },
                        BackgroundColor(theme::ACCENT),
                    ));
                });
            });
        }
    });
}
