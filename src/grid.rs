//! The TV guide grid: channels down, time across (two hours on screen), like a printed listing.
//! Up/Down pick a channel, Left/Right move through the programmes (scrolling the time window
//! when the cursor leaves it), OK watches the channel, Back closes. G or "show the guide" opens it.

use bevy::prelude::*;
use prism_core::command::{ChannelRef, MediaCommand as M};

use crate::guide::Nav;
use crate::t;
use crate::tv::{Cmd, Tv};
use crate::{Screen, theme, unix_now};

const ROWS: usize = 7;
/// Seconds across the screen.
const SPAN: i64 = 2 * 3600;
const SLOT: i64 = 30 * 60;
/// Share of the width for the channel column.
const NAME_COL: f32 = 22.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<GridCursor>()
        .add_systems(OnEnter(Screen::Grid), (reset, spawn).chain())
        .add_systems(
            Update,
            (navigate, redraw)
                .chain()
                .run_if(in_state(Screen::Grid))
                .in_set(crate::AppSystems::Draw),
        );
}

#[derive(Resource, Default)]
pub struct GridCursor {
    pub channel: usize,
    /// The time the cursor is on; the programme containing it is selected.
    pub at: i64,
    /// Left edge of the visible window (a half-hour boundary).
    pub from: i64,
}

#[derive(Component)]
struct GridBody;

fn reset(tv: Res<Tv>, mut cursor: ResMut<GridCursor>) {
    let now = unix_now();
    cursor.channel = tv.current.unwrap_or(0);
    cursor.at = now;
    cursor.from = now - now.rem_euclid(SLOT);
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

fn navigate(
    mut nav: MessageReader<Nav>,
    tv: Res<Tv>,
    mut cursor: ResMut<GridCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    let n = tv.channel_count();
    for ev in nav.read() {
        match ev {
            Nav::Up if n > 0 => cursor.channel = (cursor.channel + n - 1) % n,
            Nav::Down if n > 0 => cursor.channel = (cursor.channel + 1) % n,
            Nav::PageUp => cursor.channel = cursor.channel.saturating_sub(ROWS),
            Nav::PageDown if n > 0 => cursor.channel = (cursor.channel + ROWS).min(n - 1),
            Nav::Right => {
                let (_, stop) = cell_at(&tv, cursor.channel, cursor.at);
                cursor.at = stop;
            }
            Nav::Left => {
                let (start, _) = cell_at(&tv, cursor.channel, cursor.at);
                // Not before the programme on now: the past is not watchable here.
                cursor.at = (start - 1).max(unix_now());
            }
            Nav::Ok => {
                cmds.write(Cmd(M::WatchChannel {
                    channel: ChannelRef {
                        index: cursor.channel as u32,
                        name: tv
                            .channel(cursor.channel)
                            .map(|c| c.name.clone())
                            .unwrap_or_default(),
                    },
                }));
                next.set(Screen::Watching);
            }
            Nav::Back => next.set(Screen::Watching),
            _ => {}
        }
        // Keep the cursor's programme start in view.
        let (start, _) = cell_at(&tv, cursor.channel, cursor.at);
        let focus = start.max(cursor.at.min(start + SLOT));
        while focus >= cursor.from + SPAN - SLOT / 2 {
            cursor.from += SLOT;
        }
        while focus < cursor.from {
            cursor.from -= SLOT;
        }
    }
}

type GridKey = (usize, i64, i64, Option<usize>, i64);

fn redraw(
    mut commands: Commands,
    tv: Res<Tv>,
    cursor: Res<GridCursor>,
    body: Query<Entity, With<GridBody>>,
    mut last: Local<Option<GridKey>>,
) {
    let Ok(body) = body.single() else { return };
    let now = unix_now();
    let key = (cursor.channel, cursor.at, cursor.from, tv.current, now / 30);
    if *last == Some(key) {
        return;
    }
    *last = Some(key);
    let n = tv.channel_count();
    let first = cursor
        .channel
        .saturating_sub(ROWS / 2)
        .min(n.saturating_sub(ROWS));
    let selected = cell_at(&tv, cursor.channel, cursor.at);
    let to_pct = |t: i64| ((t - cursor.from) as f32 / SPAN as f32).clamp(0.0, 1.0) * 100.0;
    commands.entity(body).despawn_children();
    commands.entity(body).with_children(|p| {
        // Time header.
        p.spawn(Node {
            height: px(44),
            flex_direction: FlexDirection::Row,
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
                ..default()
            })
            .with_children(|slots| {
                for k in 0..SPAN / SLOT {
                    let t = cursor.from + k * SLOT;
                    slots.spawn((
                        Node {
                            position_type: PositionType::Absolute,
                            left: percent(to_pct(t)),
                            ..default()
                        },
                        children![(
                            Text::new(crate::clock(t)),
                            TextFont::from_font_size(26.0),
                            TextColor(theme::DIM),
                        )],
                    ));
                }
            });
        });
        for i in first..(first + ROWS).min(n) {
            let Some(c) = tv.channel(i) else { continue };
            let number = c
                .number
                .map_or_else(|| format!("{}", i + 1), |n| n.to_string());
            p.spawn(Node {
                height: px(78),
                flex_direction: FlexDirection::Row,
                column_gap: px(6),
                ..default()
            })
            .with_children(|row| {
                row.spawn((
                    Node {
                        width: percent(NAME_COL),
                        padding: UiRect::axes(px(12), px(8)),
                        align_items: AlignItems::Center,
                        border_radius: BorderRadius::all(px(8)),
                        ..default()
                    },
                    BackgroundColor(if i == cursor.channel {
                        theme::SELECTED
                    } else {
                        theme::ROW
                    }),
                    children![(
                        Text::new(format!("{number} {}", c.name)),
                        TextFont::from_font_size(26.0),
                        TextColor(theme::TEXT),
                    )],
                ));
                row.spawn((
                    Node {
                        flex_grow: 1.0,
                        overflow: Overflow::clip(),
                        ..default()
                    },
                    BackgroundColor(theme::ROW),
                ))
                .with_children(|cells| {
                    let programmes = tv
                        .guide()
                        .map(|g| {
                            g.range(i, cursor.from, cursor.from + SPAN)
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
                                Text::new(t!("nothing-scheduled")),
                                TextFont::from_font_size(22.0),
                                TextColor(theme::DIM),
                            )],
                        ));
                    }
                    for prog in programmes {
                        let (a, b) = (to_pct(prog.start()), to_pct(prog.stop()));
                        let focused =
                            i == cursor.channel && (prog.start(), prog.stop()) == selected;
                        let on_now = prog.is_on_at(now);
                        cells.spawn((
                            Node {
                                position_type: PositionType::Absolute,
                                left: percent(a),
                                width: percent((b - a).max(0.5)),
                                top: px(0),
                                bottom: px(0),
                                padding: UiRect::axes(px(10), px(6)),
                                border: UiRect::all(px(if focused { 3.0 } else { 1.0 })),
                                overflow: Overflow::clip(),
                                flex_direction: FlexDirection::Column,
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
                            children![
                                (
                                    Text::new(prog.title()),
                                    TextFont::from_font_size(22.0),
                                    TextColor(theme::TEXT),
                                ),
                                (
                                    Text::new(format!(
                                        "{}-{}",
                                        crate::clock(prog.start()),
                                        crate::clock(prog.stop())
                                    )),
                                    TextFont::from_font_size(18.0),
                                    TextColor(theme::DIM),
                                ),
                            ],
                        ));
                    }
                    // The "now" line.
                    if (cursor.from..cursor.from + SPAN).contains(&now) {
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
                });
            });
        }
    });
}
