//! The track menu (A): the sound and subtitle tracks of what plays, each named in its own
//! language, the ones on marked; OK turns one on (and remembers it for the channel), the last
//! row shows or hides subtitles and closed captions (T does the same anywhere). The stream tells its tracks on every zap; the menu follows.

use bevy::prelude::*;
use prism_core::command::MediaCommand;
use prism_core::tracks::{TrackKind, TrackList};

use crate::app::Screen;
use crate::input::{Action, Nav};
use crate::t;
use crate::theme::{self, text};
use crate::tv::{Cmd, Tv};

pub fn plugin(app: &mut App) {
    app.init_resource::<TrackCursor>()
        .add_systems(OnEnter(Screen::Tracks), (place_cursor, spawn).chain())
        .add_systems(
            Update,
            (
                open.in_set(crate::app::AppSystems::Input),
                navigate
                    .run_if(in_state(Screen::Tracks))
                    .in_set(crate::app::AppSystems::Input)
                    .after(open),
                draw.run_if(in_state(Screen::Tracks))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// A row of the menu that can be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Track(TrackKind, usize),
    /// Subtitles and closed captions drawn, or not.
    ShowSubtitles,
}

/// The rows of the menu for `tracks`: the sound tracks, the subtitle tracks, then "show".
pub fn rows(tracks: &TrackList) -> Vec<Row> {
    let mut rows: Vec<Row> = (0..tracks.audio.len())
        .map(|i| Row::Track(TrackKind::Audio, i))
        .collect();
    rows.extend((0..tracks.subtitles.len()).map(|i| Row::Track(TrackKind::Subtitle, i)));
    rows.push(Row::ShowSubtitles);
    rows
}

/// Which row the cursor is on.
#[derive(Resource, Default, Debug)]
pub struct TrackCursor(pub usize);

#[derive(Component)]
struct Rows;

/// A opens the menu anywhere and closes it again.
fn open(
    mut acts: MessageReader<Action>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    if acts.read().filter(|a| **a == Action::Tracks).count() % 2 == 1 {
        next.set(if *screen.get() == Screen::Tracks {
            Screen::Watching
        } else {
            Screen::Tracks
        });
    }
}

/// The cursor starts on the sound track that is on.
fn place_cursor(tv: Res<Tv>, mut cursor: ResMut<TrackCursor>) {
    let on = tv.tracks.on(TrackKind::Audio).map(|t| t.id.clone());
    cursor.0 = tv
        .tracks
        .audio
        .iter()
        .position(|t| Some(&t.id) == on.as_ref())
        .unwrap_or(0);
}

fn navigate(
    mut nav: MessageReader<Nav>,
    tv: Res<Tv>,
    mut cursor: ResMut<TrackCursor>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    let rows = rows(&tv.tracks);
    let n = rows.len();
    for a in nav.read() {
        match a {
            Nav::Up => cursor.0 = (cursor.0 + n - 1) % n,
            Nav::Down => cursor.0 = (cursor.0 + 1) % n,
            Nav::Ok => match rows.get(cursor.0) {
                Some(Row::Track(kind, i)) => {
                    cmds.write(Cmd(MediaCommand::Track {
                        kind: *kind,
                        index: *i as u32,
                    }));
                }
                Some(Row::ShowSubtitles) => {
                    cmds.write(Cmd(MediaCommand::Subtitles { on: !tv.subtitles }));
                }
                None => {}
            },
            Nav::Back => next.set(Screen::Watching),
            _ => {}
        }
    }
    // The stream may have changed under the menu (a zap).
    if cursor.0 >= n {
        cursor.0 = n - 1;
    }
}

fn spawn(mut commands: Commands) {
    commands
        .spawn((
            DespawnOnExit(Screen::Tracks),
            Node {
                position_type: PositionType::Absolute,
                right: px(0),
                top: px(0),
                bottom: px(0),
                width: percent(34),
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(px(32)),
                row_gap: px(10),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Panel),
        ))
        .with_children(|p| {
            p.spawn(text(&t!("tracks-title"), 36.0, theme::TEXT));
            p.spawn((
                Rows,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(8),
                    ..default()
                },
            ));
            p.spawn(text(&t!("tracks-hint"), 20.0, theme::DIM));
        });
}

/// A line of the menu as drawn.
enum Line {
    Heading(String),
    Note(String),
    /// Label, under the cursor, on.
    Row(String, bool, bool),
}

/// The menu's lines for `tracks`, the cursor on row `cursor`, subtitles shown or not.
fn lines(tracks: &TrackList, cursor: usize, subtitles_shown: bool) -> Vec<Line> {
    let mut out = Vec::new();
    let mut row = 0;
    for (kind, title, empty) in [
        (TrackKind::Audio, t!("tracks-sound"), t!("tracks-no-sound")),
        (
            TrackKind::Subtitle,
            t!("tracks-subtitles"),
            t!("tracks-no-subtitles"),
        ),
    ] {
        out.push(Line::Heading(title));
        if tracks.of(kind).is_empty() {
            out.push(Line::Note(empty));
        }
        for (i, track) in tracks.of(kind).iter().enumerate() {
            let on = tracks.on(kind).is_some_and(|o| o.id == track.id)
                && (kind == TrackKind::Audio || subtitles_shown);
            out.push(Line::Row(track.label(i + 1), cursor == row, on));
            row += 1;
        }
    }
    out.push(Line::Row(
        t!("tracks-show-subtitles"),
        cursor == row,
        subtitles_shown,
    ));
    out
}

/// The rows, redrawn when the tracks, the cursor or the subtitles' display change.
fn draw(
    mut commands: Commands,
    tv: Res<Tv>,
    cursor: Res<TrackCursor>,
    list: Query<Entity, With<Rows>>,
    added: Query<(), Added<Rows>>,
    mut shown: Local<Option<(TrackList, usize, bool)>>,
) {
    let Ok(list) = list.single() else {
        return;
    };
    // Compared in place: the tracks are cloned only when the menu redraws, not every frame.
    let same = shown
        .as_ref()
        .is_some_and(|(t, c, s)| *t == tv.tracks && *c == cursor.0 && *s == tv.subtitles);
    if added.is_empty() && same {
        return;
    }
    let now = (tv.tracks.clone(), cursor.0, tv.subtitles);
    commands.entity(list).despawn_related::<Children>();
    let mut children = Vec::new();
    for line in lines(&now.0, now.1, now.2) {
        let id = match line {
            Line::Heading(s) => commands.spawn(text(&s, 24.0, theme::ACCENT)).id(),
            Line::Note(s) => commands.spawn(text(&s, 22.0, theme::DIM)).id(),
            Line::Row(label, selected, on) => {
                let mark = if on { "●  " } else { "     " };
                commands
                    .spawn((
                        Node {
                            padding: UiRect::axes(px(14), px(8)),
                            border_radius: BorderRadius::all(px(8)),
                            ..default()
                        },
                        BackgroundColor(if selected {
                            theme::SELECTED
                        } else {
                            theme::ROW
                        }),
                    ))
                    .with_child(text(&format!("{mark}{label}"), 26.0, theme::TEXT))
                    .id()
            }
        };
        children.push(id);
    }
    commands.entity(list).add_children(&children);
    *shown = Some(now);
}
