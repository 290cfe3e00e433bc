//! The window's layout: which arrangement of the picture and Lumen is on (`Settings::layout`: a
//! shipped layout from `prism_core::scene`, or "custom" for the config folder's `layout.toml`),
//! switched with Z. The picture's node glides to its place in the new layout; Lumen follows the
//! avatar layer (`lumen::layout`). A layout file that does not read keeps the last good layout
//! and says which line and field were wrong; the file is read again when it changes.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use bevy::prelude::*;
use prism_core::command::MediaCommand;
use prism_core::scene::{Ease, Layout, Layouts, Rect, Tween};

use crate::settings::Settings;
use crate::t;
use crate::theme;
use crate::tv::video::{TILES, TileFrames, VideoScreen};
use crate::tv::{Cmd, Executed, Outcome, Tv};

/// The user's own layout in `Settings::layout`.
pub const CUSTOM: &str = "custom";

/// What Z goes through: the shipped layouts one picture fills, then the user's file when there
/// is one. (2×2 and picture-in-picture need more players than the TV has yet.)
const CYCLE: [&str; 3] = ["tv", "lumen-big", "side-by-side"];

pub fn plugin(app: &mut App) {
    app.init_resource::<Scene>().add_systems(
        Update,
        (next_layout, choose, place_video)
            .chain()
            .in_set(crate::app::AppSystems::Draw),
    );
}

/// The layout in force and where the picture is going.
#[derive(Resource, Default)]
pub struct Scene {
    layouts: Layouts,
    /// The `Settings::layout` applied, and the custom file's time when it was read.
    applied: Option<(String, Option<SystemTime>)>,
    checked: Option<Instant>,
    /// The next change was asked for by name (Z): the toast says which layout is on. (B and Q
    /// change the layout too, and need no words.)
    announce: bool,
    /// Each tile's picture on its way.
    video: [Option<Tween<Rect>>; TILES],
    window: Vec2,
}

impl Scene {
    pub fn layout(&self) -> &Layout {
        self.layouts.current()
    }
}

/// `layout.toml` in the config folder.
pub fn custom_file() -> Option<PathBuf> {
    crate::settings::config_dir().map(|d| d.join("layout.toml"))
}

fn modified(path: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Z: the next layout. A command names one, and is answered with its name (or why not).
fn next_layout(
    mut acts: MessageReader<crate::input::Action>,
    mut cmds: MessageReader<Cmd>,
    mut done: MessageWriter<Executed>,
    mut settings: ResMut<Settings>,
    mut scene: ResMut<Scene>,
) {
    for Cmd(cmd) in cmds.read() {
        let MediaCommand::Layout { layout } = cmd else {
            continue;
        };
        let outcome = match named(layout.id()) {
            Ok(name) => {
                settings.layout = layout.id().to_owned();
                scene.announce = true;
                Outcome::Layout(name)
            }
            Err(why) => Outcome::NoLayout(why),
        };
        done.write(Executed {
            cmd: cmd.clone(),
            outcome,
        });
    }
    for a in acts.read() {
        if *a != crate::input::Action::NextLayout {
            continue;
        }
        let mut ids: Vec<&str> = CYCLE.to_vec();
        if custom_file().is_some_and(|f| f.exists()) {
            ids.push(CUSTOM);
        }
        let at = ids.iter().position(|i| *i == settings.layout);
        settings.layout = ids[at.map_or(0, |i| (i + 1) % ids.len())].to_owned();
        scene.announce = true;
    }
}

/// The name of the layout `id`, read as it would be applied; why not, if it cannot be.
fn named(id: &str) -> Result<String, String> {
    if id != CUSTOM {
        return prism_core::scene::builtin(id)
            .map(|l| l.name)
            .ok_or_else(|| t!("layout-unknown", id = id));
    }
    let path = custom_file().ok_or_else(|| t!("layout-unknown", id = id))?;
    let file = path.display().to_string();
    let text =
        std::fs::read_to_string(&path).map_err(|_| t!("layout-no-file", file = file.clone()))?;
    prism_core::scene::parse_layout(&text)
        .map(|l| l.name)
        .map_err(|e| t!("layout-bad", file = file, error = e.to_string()))
}

/// Applies `Settings::layout` when it changes (and the custom file when it is edited); says
/// what happened on screen.
fn choose(mut scene: ResMut<Scene>, settings: Res<Settings>, mut tv: Option<ResMut<Tv>>) {
    let want = settings.layout.as_str();
    let file = custom_file().filter(|_| want == CUSTOM);
    // The custom file is looked at when chosen, then again once a second.
    let chosen = scene.applied.as_ref().is_none_or(|(id, _)| id != want);
    let due = chosen || scene.checked.is_none_or(|at| at.elapsed().as_secs() >= 1);
    let stamp = match &file {
        Some(f) if due => {
            scene.checked = Some(Instant::now());
            modified(f)
        }
        _ => scene.applied.as_ref().and_then(|(_, s)| *s),
    };
    if scene
        .applied
        .as_ref()
        .is_some_and(|(id, s)| id == want && *s == stamp)
    {
        return;
    }
    let quiet = scene.applied.is_none() || !std::mem::take(&mut scene.announce) && file.is_none();
    scene.applied = Some((want.to_owned(), stamp));
    let said = match &file {
        Some(path) => {
            let name = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => match scene.layouts.load(&text) {
                    Ok(l) => Ok(l.name.clone()),
                    Err(e) => Err(t!("layout-bad", file = name, error = e.to_string())),
                },
                Err(e) => Err(t!("layout-bad", file = name, error = e.to_string())),
            }
        }
        None if scene.layouts.use_builtin(want) => Ok(scene.layout().name.clone()),
        None => Err(t!("layout-unknown", id = want)),
    };
    let line = match said {
        Ok(_) if quiet => return,
        Ok(name) => t!("layout-now", name = name),
        Err(why) => {
            let line = t!("layout-kept", why = why, name = scene.layout().name.clone());
            warn!("{line}");
            line
        }
    };
    if let Some(tv) = tv.as_mut() {
        tv.notice = Some((Instant::now(), line));
    }
}

/// Each tile's node on its way to its layer of the layout; a tile shows when the layout has it
/// and something plays there (tile 0 always: the TV).
pub(super) fn place_video(
    mut scene: ResMut<Scene>,
    time: Res<Time<Real>>,
    others: Res<TileFrames>,
    stage: Res<super::broadcast::Stage>,
    mut screens: Query<(&VideoScreen, &mut Node, &mut Visibility)>,
) {
    let Some(size) = stage.size() else {
        return;
    };
    let now = time.elapsed_secs_f64();
    let resized = scene.window != size;
    scene.window = size;
    let duration = theme::GLIDE * theme::animation_scale();
    for (screen, mut node, mut vis) in &mut screens {
        let tile = usize::from(screen.tile).min(TILES - 1);
        let layer = scene.layout().tile(tile).and_then(|l| l.bounds());
        let playing = tile == 0 || others.0[tile - 1].is_some();
        let want_vis = match layer {
            Some(_) if playing => Visibility::Inherited,
            _ => Visibility::Hidden,
        };
        if *vis != want_vis {
            *vis = want_vis;
        }
        let target = layer.unwrap_or(Rect::FULL).px(size.x, size.y);
        let tween = scene.video[tile].get_or_insert(Tween::settled(target));
        // A tile that was not showing appears in place; one showing glides.
        if resized || want_vis == Visibility::Hidden {
            tween.jump(target);
        } else {
            tween.go(now, target, duration, Ease::CubicInOut);
        }
        theme::place(&mut node, tween.value(now), 0.0);
    }
}
