//! The TV guide grid: channels down, time across (two hours on screen), like a printed listing.
//! Up/Down pick a channel, Left/Right move through the programmes (scrolling the time window
//! when the cursor leaves it), OK watches the channel, Back closes. G or "show the guide" opens it.

use bevy::prelude::*;

use crate::app::Screen;
use crate::input::Nav;
use crate::settings::Settings;
use crate::sources::logos::Logos;
use crate::t;
use crate::theme;
use crate::time::unix_now;
use crate::tv::{Cmd, Tv};

const ROWS: usize = 7;
/// A row's height and the gap under it.
const ROW_H: f32 = 78.0;
const PITCH: f32 = ROW_H + 6.0;
/// How fast scrolling catches up with the cursor (time constant): quick, but visible.
const EASE_SECONDS: f32 = 0.06;
/// Seconds across the screen.
pub(super) const SPAN: i64 = 2 * 3600;
pub(super) const SLOT: i64 = 30 * 60;
/// Share of the width for the channel column.
const NAME_COL: f32 = 22.0;

pub fn plugin(app: &mut App) {
    app.init_resource::<GridCursor>()
        .add_systems(OnEnter(Screen::Grid), (reset, spawn).chain())
        .add_systems(
            Update,
            (list_rows, pointer, navigate, redraw, scroll)
                .chain()
                .run_if(in_state(Screen::Grid))
                .in_set(crate::app::AppSystems::Draw),
        );
}

#[derive(Resource, Default)]
pub struct GridCursor {
    pub channel: usize,
    /// The time the cursor is on; the programme containing it is selected.
    pub at: i64,
    /// Left edge of the visible window (a half-hour boundary).
    pub from: i64,
    /// First row in view (a place in `rows`).
    pub first: usize,
    /// Where the view is drawn now, easing towards `from` and `first`.
    shown_from: f64,
    shown_first: f32,
    /// The channels the grid lists, in lineup order: all but those in hidden groups (the
    /// one on screen, and one the search went to, always).
    pub rows: Vec<usize>,
    /// What `rows` was worked out from: the lineup's generation and the hidden groups.
    rows_for: Option<(u64, Vec<String>)>,
}

impl GridCursor {
    /// The row `channel` is on (not listed: the nearest row after it).
    fn row_of(&self, channel: usize) -> usize {
        self.rows
            .partition_point(|&c| c < channel)
            .min(self.rows.len().saturating_sub(1))
    }

    /// Puts the cursor on `channel`, listed from now on if it was not, with the view moved to
    /// it (`centre`: in the middle, else only as far as it must).
    pub fn show(&mut self, channel: usize, centre: bool) {
        if let Err(at) = self.rows.binary_search(&channel) {
            self.rows.insert(at, channel);
        }
        self.channel = channel;
        self.first = first_row(self.row_of(channel), self.first, self.rows.len(), centre);
    }
}

/// The grid's rows follow the lineup and the hidden groups (H in the channel list).
fn list_rows(tv: Res<Tv>, settings: Res<Settings>, mut cursor: ResMut<GridCursor>) {
    if relist(&tv, &settings, &mut cursor) {
        let channel = cursor.channel;
        cursor.show(channel, false);
    }
}

/// Works the rows out again if the lineup or the hidden groups changed; true if it did.
fn relist(tv: &Tv, settings: &Settings, cursor: &mut GridCursor) -> bool {
    let key = (tv.generation, settings.hidden_groups.clone());
    if cursor.rows_for.as_ref() == Some(&key) {
        return false;
    }
    cursor.rows = (0..tv.channel_count())
        .filter(|&i| Some(i) == tv.current || !tv.channel(i).is_some_and(|c| settings.is_hidden(c)))
        .collect();
    cursor.rows_for = Some(key);
    true
}

#[derive(Component)]
struct GridBody;
/// Moves with the time scroll (the header's times and each row's programmes).
#[derive(Component)]
struct TimeStrip;
/// Moves with the channel scroll.
#[derive(Component)]
struct RowStrip;
/// Something in the grid the mouse can point at: a channel, and a programme's start.
#[derive(Component, Clone, Copy)]
struct GridTarget {
    channel: usize,
    start: Option<i64>,
}

fn reset(tv: Res<Tv>, settings: Res<Settings>, mut cursor: ResMut<GridCursor>) {
    let now = unix_now();
    cursor.at = now;
    cursor.from = now - now.rem_euclid(SLOT);
    // Listed afresh: the channel on screen may have changed since.
    cursor.rows_for = None;
    relist(&tv, &settings, &mut cursor);
    cursor.show(tv.current.unwrap_or(0), true);
    cursor.shown_from = cursor.from as f64;
    cursor.shown_first = cursor.first as f32;
}

/// The first row in view: the cursor stays at least a row away from the edges where it can,
/// and the view moves only when it must (so Up/Down move the focus, not the whole page).
pub(super) fn first_row(channel: usize, first: usize, n: usize, centre: bool) -> usize {
    let max = n.saturating_sub(ROWS);
    let f = if centre {
        channel.saturating_sub(ROWS / 2)
    } else if channel < first + 1 {
        channel.saturating_sub(1)
    } else if channel + 2 > first + ROWS {
        channel + 2 - ROWS
    } else {
        first
    };
    f.min(max)
}

fn spawn(mut commands: Commands) {
    commands.spawn((
        GridBody,
        DespawnOnExit(Screen::Grid),
        Node {
            position_type: PositionType::Absolute,
            left: px(0),
            right: px(0),
            top: px(0),
            bottom: px(0),
            flex_direction: FlexDirection::Column,
            padding: UiRect::all(px(24)),
            row_gap: px(6),
            ..default()
        },
        BackgroundColor(theme::PANEL),
    ));
}

/// How far back the grid goes on `channel`: its archive's days (a day when the playlist does
/// not say), or only to now without one.
pub(super) fn archive_from(tv: &Tv, channel: usize) -> i64 {
    let now = unix_now();
    match tv.channel(channel).and_then(|c| c.catchup.as_ref()) {
        Some(c) if !c.kind.trim().is_empty() => {
            now - i64::from(c.days.filter(|d| *d > 0).unwrap_or(1).min(30)) * 86_400
        }
        _ => now,
    }
}

/// The programme under the cursor on `channel`: (start, stop), or the slot when the guide is
/// empty there.
fn cell_at(tv: &Tv, channel: usize, t: i64) -> (i64, i64) {
    tv.guide()
        .and_then(|g| {
            g.range(channel, t, t + 1)
                .next()
                .map(|p| (p.start(), p.stop()))
        })
        .unwrap_or_else(|| {
            let s = t - t.rem_euclid(SLOT);
            (s, s + SLOT)
        })
}

/// The mouse: moving over a programme or channel focuses it, a click watches the channel.
fn pointer(
    targets: Query<(&Interaction, &GridTarget), Changed<Interaction>>,
    moved: MessageReader<CursorMoved>,
    mut cursor: ResMut<GridCursor>,
    mut nav: MessageWriter<Nav>,
) {
    let Some((t, ok)) = crate::theme::pointed(targets.iter().map(|(i, t)| (*i, *t)), moved) else {
        return;
    };
    if cursor.channel != t.channel {
        cursor.channel = t.channel;
    }
    if let Some(start) = t.start {
        let at = start.max(unix_now());
        if cursor.at != at {
            cursor.at = at;
        }
    }
    if ok {
        nav.write(Nav::Ok);
    }
}

pub(super) fn navigate(
    mut nav: MessageReader<Nav>,
    mut acts: MessageReader<crate::input::Action>,
    finder: Res<super::finder::Finder>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    mut cursor: ResMut<GridCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    let n = cursor.rows.len();
    if finder.is_open() {
        // The search's results take the arrows, OK, Back and record.
        nav.clear();
        acts.clear();
        return;
    }
    // R on a programme on now or to come: a timer, made or taken off.
    for a in acts.read() {
        if *a != crate::input::Action::Record || n == 0 {
            continue;
        }
        let (start, stop) = cell_at(&tv, cursor.channel, cursor.at);
        let shown = tv.shows_programmes(cursor.channel, &settings)
            && tv
                .guide()
                .is_some_and(|g| g.range(cursor.channel, start, start + 1).next().is_some());
        if shown && stop > unix_now() {
            cmds.write(Cmd(prism_core::MediaCommand::ToggleTimer {
                channel: tv.channel_ref(cursor.channel),
                start,
            }));
        }
    }
    for ev in nav.read() {
        let row = cursor.row_of(cursor.channel);
        let to = match ev {
            Nav::Up if n > 0 => Some((row + n - 1) % n),
            Nav::Down if n > 0 => Some((row + 1) % n),
            Nav::PageUp => Some(row.saturating_sub(ROWS)),
            Nav::PageDown if n > 0 => Some((row + ROWS).min(n - 1)),
            _ => None,
        };
        if let Some(&c) = to.and_then(|r| cursor.rows.get(r)) {
            cursor.channel = c;
            // Into a channel without an archive: back to what is on now.
            cursor.at = cursor.at.max(archive_from(&tv, c));
        }
        match ev {
            Nav::Right => {
                let (_, stop) = cell_at(&tv, cursor.channel, cursor.at);
                cursor.at = stop;
            }
            Nav::Left => {
                let (start, _) = cell_at(&tv, cursor.channel, cursor.at);
                // The past only as far as the channel's archive goes.
                cursor.at = (start - 1).max(archive_from(&tv, cursor.channel));
            }
            Nav::Ok => {
                let now = unix_now();
                let (start, stop) = cell_at(&tv, cursor.channel, cursor.at);
                // (A locked channel's programmes are hidden: OK asks for its PIN.)
                let shown = tv.shows_programmes(cursor.channel, &settings)
                    && tv.guide().is_some_and(|g| {
                        g.range(cursor.channel, start, start + 1).next().is_some()
                    });
                let channel = tv.channel_ref(cursor.channel);
                if shown && stop <= now {
                    // Over: from the archive.
                    cmds.write(Cmd(prism_core::MediaCommand::CatchUp { channel, start }));
                    next.set(Screen::Watching);
                } else if shown && start > now {
                    // A programme still to come: a reminder, set or taken off (TiviMate's OK).
                    cmds.write(Cmd(prism_core::MediaCommand::ToggleReminder {
                        channel,
                        start,
                    }));
                } else {
                    cmds.write(Cmd::watch(&tv, cursor.channel));
                    next.set(Screen::Watching);
                }
            }
            Nav::Back => next.set(Screen::Watching),
            _ => {}
        }
        cursor.first = first_row(cursor.row_of(cursor.channel), cursor.first, n, false);
        // Left/Right move through time and the window follows the cursor; Up/Down keep the
        // window where it is (a long programme that began earlier shows its title at the
        // left edge instead). Never before the half hour that is on now, or the archive's
        // first.
        if matches!(ev, Nav::Left | Nav::Right) {
            let from = archive_from(&tv, cursor.channel);
            let earliest = from - from.rem_euclid(SLOT);
            while cursor.at >= cursor.from + SPAN - SLOT / 2 {
                cursor.from += SLOT;
            }
            while cursor.at < cursor.from && cursor.from > earliest {
                cursor.from -= SLOT;
            }
        }
    }
}

type GridKey = (
    usize,
    i64,
    i64,
    usize,
    Option<usize>,
    i64,
    u64,
    usize,
    (usize, bool, usize, usize),
);

/// Rebuilds the grid when what it shows changes. Rows one past each edge and an hour either
/// side of the window are built too, so [`scroll`] can slide them in.
fn redraw(
    mut commands: Commands,
    tv: Res<Tv>,
    mut cursor: ResMut<GridCursor>,
    body: Query<Entity, With<GridBody>>,
    logos: Res<Logos>,
    settings: Res<Settings>,
    mut last: Local<Option<GridKey>>,
) {
    let Ok(body) = body.single() else { return };
    let now = unix_now();
    let key = (
        cursor.channel,
        cursor.at,
        cursor.from,
        cursor.first,
        tv.current,
        now / 30,
        tv.generation,
        logos.by_url.len(),
        (
            settings.parental.locked_groups.len(),
            tv.unlocked,
            settings.reminders.list().len(),
            tv.timers.timers.active_count(),
        ),
    );
    if *last == Some(key) {
        return;
    }
    // The first build starts in place; later ones slide from where the view was.
    if last.is_none() || (cursor.from as f64 - cursor.shown_from).abs() > (SPAN / 2) as f64 {
        cursor.shown_from = cursor.from as f64;
    }
    if last.is_none() || (cursor.first as f32 - cursor.shown_first).abs() > 1.01 {
        cursor.shown_first = cursor.first as f32;
    }
    *last = Some(key);
    let first = cursor.first;
    let selected = cell_at(&tv, cursor.channel, cursor.at);
    let from = cursor.from;
    let to_pct = |t: i64| (t - from) as f32 / SPAN as f32 * 100.0;
    // Built where the view is drawn now; `scroll` slides them home.
    let (x, y) = offsets(&cursor);
    let strip = || {
        (
            TimeStrip,
            Node {
                position_type: PositionType::Absolute,
                left: x,
                width: percent(100),
                top: px(0),
                bottom: px(0),
                ..default()
            },
        )
    };
    commands.entity(body).despawn_children();
    commands.entity(body).with_children(|p| {
        // Time header.
        p.spawn(Node {
            height: px(44),
            flex_direction: FlexDirection::Row,
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|h| {
            h.spawn((
                Node {
                    width: percent(NAME_COL),
                    ..default()
                },
                children![(
                    Text::new(t!("guide-title")),
                    TextFont::from_font_size(28.0),
                    TextColor(theme::ACCENT),
                )],
            ));
            h.spawn(Node {
                flex_grow: 1.0,
                overflow: Overflow::clip(),
                ..default()
            })
            .with_children(|clip| {
                clip.spawn(strip()).with_children(|slots| {
                    for k in -2..SPAN / SLOT + 2 {
                        let t = from + k * SLOT;
                        slots.spawn((
                            Node {
                                position_type: PositionType::Absolute,
                                left: percent(to_pct(t)),
                                ..default()
                            },
                            children![(
                                Text::new(crate::time::clock(t)),
                                TextFont::from_font_size(26.0),
                                TextColor(theme::DIM),
                            )],
                        ));
                    }
                });
            });
        });
        // Rows, in a clipped viewport; the strip holds one extra row above and below.
        p.spawn(Node {
            height: px(PITCH * ROWS as f32),
            flex_shrink: 0.0,
            overflow: Overflow::clip(),
            ..default()
        })
        .with_children(|view| {
            view.spawn((
                RowStrip,
                Node {
                    position_type: PositionType::Absolute,
                    left: px(0),
                    right: px(0),
                    top: y,
                    flex_direction: FlexDirection::Column,
                    row_gap: px(PITCH - ROW_H),
                    ..default()
                },
            ))
            .with_children(|rows| {
                for slot in 0..ROWS + 2 {
                    let i = (first + slot)
                        .checked_sub(1)
                        .and_then(|r| cursor.rows.get(r).copied());
                    let Some(c) = i.and_then(|i| tv.channel(i)) else {
                        // Keeps the others in place at the ends of the list.
                        rows.spawn(Node {
                            height: px(ROW_H),
                            ..default()
                        });
                        continue;
                    };
                    let i = i.unwrap_or_default();
                    let number = c
                        .number
                        .map_or_else(|| format!("{}", i + 1), |n| n.to_string());
                    rows.spawn(Node {
                        height: px(ROW_H),
                        flex_shrink: 0.0,
                        flex_direction: FlexDirection::Row,
                        column_gap: px(6),
                        ..default()
                    })
                    .with_children(|row| {
                        row.spawn((
                            GridTarget {
                                channel: i,
                                start: None,
                            },
                            Interaction::default(),
                            Node {
                                width: percent(NAME_COL),
                                padding: UiRect::axes(px(10), px(8)),
                                align_items: AlignItems::Center,
                                column_gap: px(10),
                                border_radius: BorderRadius::all(px(8)),
                                overflow: Overflow::clip(),
                                ..default()
                            },
                            BackgroundColor(if i == cursor.channel {
                                theme::SELECTED
                            } else {
                                theme::ROW
                            }),
                        ))
                        .with_children(|name| {
                            if let Some(logo) = logos.get(c.logo.as_deref()) {
                                name.spawn((
                                    ImageNode::new(logo),
                                    Node {
                                        width: px(64),
                                        height: px(36),
                                        flex_shrink: 0.0,
                                        ..default()
                                    },
                                ));
                            }
                            name.spawn((
                                Text::new(format!("{number} {}", c.name)),
                                TextFont::from_font_size(24.0),
                                TextColor(theme::TEXT),
                            ));
                        });
                        row.spawn((
                            Node {
                                flex_grow: 1.0,
                                overflow: Overflow::clip(),
                                ..default()
                            },
                            BackgroundColor(theme::ROW),
                        ))
                        .with_children(|clip| {
                            clip.spawn(strip()).with_children(|cells| {
                                let shown = tv.shows_programmes(i, &settings);
                                let reminded = reminded_starts(&tv, &settings, i);
                                let timed = timed_starts(&tv, i);
                                let archive = archive_from(&tv, i) < now;
                                programme_cells(
                                    cells,
                                    &tv,
                                    i,
                                    from,
                                    cursor.channel,
                                    selected,
                                    now,
                                    shown,
                                    &reminded,
                                    &timed,
                                    archive,
                                );
                            });
                        });
                    });
                }
            });
        });
    });
}

/// Starts of the programmes on channel `i` with a reminder.
fn reminded_starts(tv: &Tv, settings: &Settings, i: usize) -> Vec<i64> {
    if settings.reminders.is_empty() {
        return Vec::new();
    }
    let Some(id) = tv.channel(i).map(|c| c.identity()) else {
        return Vec::new();
    };
    settings
        .reminders
        .list()
        .iter()
        .filter(|r| r.channel == id)
        .map(|r| r.start)
        .collect()
}

/// Starts of the programmes on channel `i` set to record (or recording).
pub(crate) fn timed_starts(tv: &Tv, i: usize) -> Vec<i64> {
    if tv.timers.timers.is_empty() {
        return Vec::new();
    }
    let Some(id) = tv.channel(i).map(|c| c.identity()) else {
        return Vec::new();
    };
    tv.timers
        .timers
        .list()
        .iter()
        .filter(|t| t.active() && t.channel == id)
        .map(|t| t.start)
        .collect()
}

/// One channel's programmes from an hour before the window to an hour after it.
#[allow(clippy::too_many_arguments)]
fn programme_cells(
    cells: &mut ChildSpawnerCommands,
    tv: &Tv,
    i: usize,
    from: i64,
    cursor_channel: usize,
    selected: (i64, i64),
    now: i64,
    shown: bool,
    reminded: &[i64],
    timed: &[i64],
    archive: bool,
) {
    let to_pct = |t: i64| (t - from) as f32 / SPAN as f32 * 100.0;
    // A locked channel's titles say what it shows: none until the PIN is given.
    let programmes = tv
        .guide()
        .filter(|_| shown)
        .map(|g| {
            g.range(i, from - SPAN / 2, from + SPAN * 3 / 2)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if programmes.is_empty() {
        cells.spawn((
            Node {
                padding: UiRect::all(px(10)),
                ..default()
            },
            children![(
                Text::new(if shown {
                    t!("nothing-scheduled")
                } else {
                    t!("locked-programmes")
                }),
                TextFont::from_font_size(22.0),
                TextColor(theme::DIM),
            )],
        ));
    }
    for prog in programmes {
        let (a, b) = (to_pct(prog.start()), to_pct(prog.stop()));
        let focused = i == cursor_channel && (prog.start(), prog.stop()) == selected;
        let on_now = prog.is_on_at(now);
        // A programme that began before the window keeps its title readable at the left edge.
        let inset = if a < 0.0 && b > 0.0 {
            percent(-a / (b - a) * 100.0)
        } else {
            px(0)
        };
        cells
            .spawn((
                GridTarget {
                    channel: i,
                    start: Some(prog.start()),
                },
                Interaction::default(),
                Node {
                    position_type: PositionType::Absolute,
                    left: percent(a),
                    width: percent((b - a).max(0.5)),
                    top: px(0),
                    bottom: px(0),
                    padding: UiRect::vertical(px(6)),
                    border: UiRect::all(px(if focused { 3.0 } else { 1.0 })),
                    overflow: Overflow::clip(),
                    ..default()
                },
                BackgroundColor(if focused {
                    theme::SELECTED
                } else if on_now {
                    theme::NOW
                } else {
                    theme::CELL
                }),
                BorderColor::all(if focused { theme::FOCUS } else { theme::PANEL }),
            ))
            .with_children(|cell| {
                cell.spawn((
                    Node {
                        flex_direction: FlexDirection::Column,
                        margin: UiRect::left(inset),
                        padding: UiRect::horizontal(px(10)),
                        ..default()
                    },
                    children![
                        (
                            // ● (in DejaVu Sans): set to record. ◷: a reminder is set.
                            // ↺: over, and in the channel's archive (OK plays it).
                            Text::new(if timed.contains(&prog.start()) {
                                format!("● {}", prog.title())
                            } else if reminded.contains(&prog.start()) {
                                format!("◷ {}", prog.title())
                            } else if archive && prog.stop() <= now {
                                format!("↺ {}", prog.title())
                            } else {
                                prog.title().to_owned()
                            }),
                            TextFont::from_font_size(22.0),
                            TextColor(theme::TEXT),
                        ),
                        (
                            Text::new(format!(
                                "{}-{}",
                                crate::time::clock(prog.start()),
                                crate::time::clock(prog.stop())
                            )),
                            TextFont::from_font_size(18.0),
                            TextColor(theme::DIM),
                        ),
                    ],
                ));
            });
    }
    // The "now" line.
    if (from - SPAN / 2..from + SPAN * 3 / 2).contains(&now) {
        cells.spawn((
            Node {
                position_type: PositionType::Absolute,
                left: percent(to_pct(now)),
                width: px(3),
                top: px(0),
                bottom: px(0),
                ..default()
            },
            BackgroundColor(theme::FOCUS),
        ));
    }
}

/// Eases the drawn view towards the cursor's, frame-rate independent: the strips are offset by
/// what is left to travel. Far jumps (wrapping from the last channel to the first) snap.
fn scroll(
    time: Res<Time>,
    mut cursor: ResMut<GridCursor>,
    mut times: Query<&mut Node, (With<TimeStrip>, Without<RowStrip>)>,
    mut rows: Query<&mut Node, (With<RowStrip>, Without<TimeStrip>)>,
) {
    let k = 1.0 - (-time.delta_secs() / EASE_SECONDS).exp();
    // Unix seconds need f64: an f32 would step in 128 s jumps.
    let (to_from, to_first) = (cursor.from as f64, cursor.first as f32);
    let mut from = cursor.shown_from + (to_from - cursor.shown_from) * f64::from(k);
    let mut first = cursor.shown_first + (to_first - cursor.shown_first) * k;
    // Only what was built around the window can slide in; farther jumps snap.
    if (to_from - from).abs() < 5.0 || (to_from - cursor.shown_from).abs() > (SPAN / 2) as f64 {
        from = to_from;
    }
    if (to_first - first).abs() < 0.01 || (to_first - cursor.shown_first).abs() > 1.01 {
        first = to_first;
    }
    if (from, first) == (cursor.shown_from, cursor.shown_first) {
        return;
    }
    (cursor.shown_from, cursor.shown_first) = (from, first);
    let (x, y) = offsets(&cursor);
    for mut n in &mut times {
        n.left = x;
    }
    for mut n in &mut rows {
        n.top = y;
    }
}

/// The strips' offsets for the view drawn now: what is left to travel.
fn offsets(c: &GridCursor) -> (Val, Val) {
    (
        percent(((c.from as f64 - c.shown_from) / SPAN as f64 * 100.0) as f32),
        px(-PITCH + (c.first as f32 - c.shown_first) * PITCH),
    )
}
