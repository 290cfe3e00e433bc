//! The recordings (W): the timers still to record (soonest first, ● and their times), then
//! what is in the recordings folder, newest first, with its channel and programme (from the
//! name it was given), date, length and size. OK plays one (with seeking: ←/→ and the time bar
//! work as in an archive programme; Back or End return to live), Delete asks first, then
//! removes it (or cancels the timer).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::Receiver;
use std::time::{Duration, SystemTime};

use bevy::prelude::*;
use prism_core::command::MediaCommand;

use crate::app::Screen;
use crate::input::{Action, Nav};
use crate::settings::Settings;
use crate::t;
use crate::theme::{self, text};
use crate::tv::{Cmd, Tv};

pub fn plugin(app: &mut App) {
    app.init_resource::<Shelf>()
        .add_systems(OnEnter(Screen::Recordings), (scan, spawn).chain())
        .add_systems(
            Update,
            (
                open.in_set(crate::app::AppSystems::Input),
                (navigate, delete_key)
                    .run_if(in_state(Screen::Recordings))
                    .in_set(crate::app::AppSystems::Input)
                    .after(open),
                (lengths, draw)
                    .chain()
                    .run_if(in_state(Screen::Recordings))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// A recording on the shelf.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub path: PathBuf,
    /// Its file name without the extension: what `PlayRecording` takes.
    pub name: String,
    pub bytes: u64,
    pub modified: SystemTime,
    pub length: Option<Duration>,
    /// Still an MPEG-TS: being recorded now, or cut short (finished in the background).
    pub unfinished: bool,
    /// A timer still to record (or recording): no file to play yet.
    pub timer: Option<TimerRow>,
}

/// A timer as the shelf shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerRow {
    pub id: u64,
    pub channel: String,
    pub start: i64,
    pub stop: i64,
    pub recording: bool,
}

/// The timers still to record, soonest first.
fn timer_items(tv: &Tv) -> Vec<Item> {
    tv.timers
        .timers
        .list()
        .iter()
        .filter(|t| t.status == prism_core::timers::Status::Scheduled)
        .map(|t| Item {
            path: PathBuf::new(),
            name: format!("● {}", t.title),
            bytes: 0,
            modified: SystemTime::UNIX_EPOCH,
            length: None,
            unfinished: false,
            timer: Some(TimerRow {
                id: t.id,
                channel: t.channel_name.clone(),
                start: t.start,
                stop: t.stop,
                recording: false,
            }),
        })
        .collect()
}

/// Whether `path` is being written now (record now, or a timer).
fn being_recorded(tv: &Tv, path: &std::path::Path) -> bool {
    if tv.is_recording() && tv.recording.as_ref().is_some_and(|r| r.path == path) {
        return true;
    }
    let mkv = path.with_extension("mkv");
    tv.timers.timers.list().iter().any(|t| {
        matches!(
            t.status,
            prism_core::timers::Status::Recording | prism_core::timers::Status::Finishing
        ) && t
            .file
            .as_deref()
            .is_some_and(|f| std::path::Path::new(f) == mkv)
    })
}

/// The recordings listed, the cursor, and a deletion waiting for its OK.
#[derive(Resource, Default)]
pub struct Shelf {
    pub items: Vec<Item>,
    pub cursor: usize,
    pub confirm: Option<usize>,
    /// Lengths read on a thread (a file is opened for each): (path, length).
    lengths: Option<Mutex<Receiver<(PathBuf, Duration)>>>,
}

/// W opens the recordings anywhere and closes them again.
fn open(
    mut acts: MessageReader<Action>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    if acts.read().filter(|a| **a == Action::Recordings).count() % 2 == 1 {
        next.set(if *screen.get() == Screen::Recordings {
            Screen::Watching
        } else {
            Screen::Recordings
        });
    }
}

/// The recordings folder, newest first.
pub fn list(dir: &std::path::Path) -> Vec<Item> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut items: Vec<Item> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let ext = path.extension()?.to_str()?.to_owned();
            if ext != "mkv" && ext != "ts" {
                return None;
            }
            // While it is remuxed both exist for a moment: the Matroska is the one.
            if ext == "ts" && path.with_extension("mkv").exists() {
                return None;
            }
            let meta = e.metadata().ok()?;
            Some(Item {
                name: path.file_stem()?.to_string_lossy().into_owned(),
                bytes: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                length: None,
                unfinished: ext == "ts",
                timer: None,
                path,
            })
        })
        .collect();
    items.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.name.cmp(&b.name)));
    items
}

fn scan(mut shelf: ResMut<Shelf>, settings: Res<Settings>, tv: Res<Tv>) {
    let mut items = timer_items(&tv);
    items.extend(list(&settings.recordings_dir()));
    shelf.items = items;
    shelf.cursor = shelf.cursor.min(shelf.items.len().saturating_sub(1));
    shelf.confirm = None;
    let paths: Vec<PathBuf> = shelf
        .items
        .iter()
        .filter(|i| !i.unfinished && i.timer.is_none())
        .map(|i| i.path.clone())
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    shelf.lengths = Some(Mutex::new(rx));
    let _ = std::thread::Builder::new()
        .name("prism-recording-lengths".into())
        .spawn(move || {
            for p in paths {
                if let Some(d) = prism_media::duration(&p)
                    && tx.send((p, d)).is_err()
                {
                    return;
                }
            }
        });
}

fn lengths(mut shelf: ResMut<Shelf>) {
    // Looked at every frame: only a length that came is a change (the list redraws).
    let got: Vec<(PathBuf, Duration)> = match shelf.bypass_change_detection().lengths.as_mut() {
        Some(rx) => rx
            .get_mut()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default(),
        None => return,
    };
    if got.is_empty() {
        return;
    }
    for (p, d) in got {
        if let Some(i) = shelf.items.iter_mut().find(|i| i.path == p) {
            i.length = Some(d);
        }
    }
}

fn navigate(
    mut nav: MessageReader<Nav>,
    mut shelf: ResMut<Shelf>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
    mut tv: ResMut<Tv>,
) {
    let n = shelf.items.len();
    for a in nav.read() {
        if let Some(i) = shelf.confirm {
            match a {
                Nav::Ok => {
                    let item = shelf.items[i].clone();
                    if let Some(t) = &item.timer {
                        tv.cancel_timer(t.id);
                        shelf.items.remove(i);
                        shelf.cursor = shelf.cursor.min(shelf.items.len().saturating_sub(1));
                        shelf.confirm = None;
                        continue;
                    }
                    // The one being written is not deleted under the recorder.
                    let writing = being_recorded(&tv, &item.path);
                    if !writing && std::fs::remove_file(&item.path).is_ok() {
                        info!("deleted {}", item.path.display());
                        shelf.items.remove(i);
                        shelf.cursor = shelf.cursor.min(shelf.items.len().saturating_sub(1));
                    }
                    shelf.confirm = None;
                }
                Nav::Back => shelf.confirm = None,
                _ => {}
            }
            continue;
        }
        match a {
            Nav::Up if n > 0 => shelf.cursor = (shelf.cursor + n - 1) % n,
            Nav::Down if n > 0 => shelf.cursor = (shelf.cursor + 1) % n,
            Nav::Ok => {
                if let Some(item) = shelf.items.get(shelf.cursor).filter(|i| i.timer.is_none()) {
                    cmds.write(Cmd(MediaCommand::PlayRecording {
                        name: item.name.clone(),
                    }));
                    next.set(Screen::Watching);
                }
            }
            Nav::Back => next.set(Screen::Watching),
            _ => {}
        }
    }
}

/// Delete (or X) asks to delete the recording under the cursor.
fn delete_key(mut acts: MessageReader<Action>, mut shelf: ResMut<Shelf>) {
    for a in acts.read() {
        if *a == Action::Delete && shelf.cursor < shelf.items.len() {
            shelf.confirm = Some(shelf.cursor);
        }
    }
}

#[derive(Component)]
struct Rows;

/// The keys line: what OK and Delete do on the row selected.
#[derive(Component)]
struct Hint;

fn spawn(mut commands: Commands) {
    commands
        .spawn((
            DespawnOnExit(Screen::Recordings),
            Node {
                position_type: PositionType::Absolute,
                left: percent(10),
                right: percent(10),
                top: percent(8),
                bottom: percent(8),
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(px(32)),
                row_gap: px(12),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Panel),
        ))
        .with_children(|p| {
            p.spawn(text(&t!("recordings-title"), 36.0, theme::TEXT));
            p.spawn((
                Rows,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(8),
                    flex_grow: 1.0,
                    overflow: Overflow::clip(),
                    ..default()
                },
            ));
            p.spawn((Hint, text(&t!("recordings-hint"), 20.0, theme::DIM)));
        });
}

/// One recording's second line: "Prism Sports · 4 Dec 20:15 · 1:02:10 · 1.3 GB".
pub fn details(item: &Item) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &item.timer {
        return format!(
            "{}  ·  {} {}-{}  ·  {}",
            t.channel,
            crate::time::weekday(t.start),
            crate::time::clock(t.start),
            crate::time::clock(t.stop),
            if t.recording {
                t!("recordings-recording")
            } else {
                t!("timer-mark")
            }
        );
    }
    let when = item
        .modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    parts.push(format!(
        "{} {}",
        crate::time::weekday(when),
        crate::time::clock(when)
    ));
    if let Some(d) = item.length {
        parts.push(prism_core::timeshift::clock(d.as_secs_f64()));
    }
    parts.push(if item.bytes >= 1 << 30 {
        format!("{:.1} GB", item.bytes as f64 / f64::from(1u32 << 30))
    } else {
        format!("{:.0} MB", item.bytes as f64 / f64::from(1u32 << 20))
    });
    if item.unfinished {
        parts.push(t!("recordings-cut"));
    }
    parts.join("  ·  ")
}

fn draw(
    mut commands: Commands,
    shelf: Res<Shelf>,
    tv: Res<Tv>,
    list: Query<Entity, With<Rows>>,
    added: Query<(), Added<Rows>>,
    mut hint: Query<&mut Text, With<Hint>>,
) {
    let Ok(list) = list.single() else {
        return;
    };
    if added.is_empty() && !shelf.is_changed() {
        return;
    }
    if let Ok(mut h) = hint.single_mut() {
        let timer = shelf
            .items
            .get(shelf.cursor)
            .is_some_and(|i| i.timer.is_some());
        h.0 = if timer {
            t!("recordings-hint-timer")
        } else {
            t!("recordings-hint")
        };
    }
    commands.entity(list).despawn_related::<Children>();
    let mut children = Vec::new();
    if shelf.items.is_empty() {
        children.push(
            commands
                .spawn(text(&t!("recordings-none"), 24.0, theme::DIM))
                .id(),
        );
    }
    // A window of rows around the cursor (a long list scrolls).
    let from = shelf.cursor.saturating_sub(3);
    for (i, item) in shelf.items.iter().enumerate().skip(from).take(7) {
        let selected = i == shelf.cursor;
        let mut second = details(item);
        if item.timer.is_none() && being_recorded(&tv, &item.path) {
            second = second.replace(&format!("  ·  {}", t!("recordings-cut")), "");
            second = format!("{second}  ·  {}", t!("recordings-recording"));
        }
        if shelf.confirm == Some(i) {
            second = match &item.timer {
                Some(_) => t!(
                    "recordings-cancel",
                    name = item.name.trim_start_matches("● ").to_owned()
                ),
                None => t!("recordings-confirm", name = item.name.clone()),
            };
        }
        let id = commands
            .spawn((
                Node {
                    flex_direction: FlexDirection::Column,
                    padding: UiRect::axes(px(16), px(8)),
                    border_radius: BorderRadius::all(px(8)),
                    ..default()
                },
                BackgroundColor(if shelf.confirm == Some(i) {
                    theme::CARD
                } else if selected {
                    theme::SELECTED
                } else {
                    theme::ROW
                }),
            ))
            .with_children(|r| {
                r.spawn(text(&item.name, 26.0, theme::TEXT));
                r.spawn(text(&second, 20.0, theme::DIM));
            })
            .id();
        children.push(id);
    }
    commands.entity(list).add_children(&children);
}
