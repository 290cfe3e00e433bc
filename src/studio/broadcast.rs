//! The composed scene leaves the window: streamed to an RTMP(S) server (F9, "start
//! streaming", `Prism.Broadcast`) or recorded to a Matroska file (F10, "record the show with
//! Lumen").
//!
//! The scene is drawn once. While on air the stage camera (the one the whole UI draws
//! through) renders into an image at the output's size instead of the window; a monitor
//! camera shows that image in the window, letterboxed, with the red dot and the elapsed time
//! over it (on the monitor only: they are not part of what is sent). The image is read back
//! every frame (`Readback`), its rows stripped of the GPU's 256-byte padding, and offered to
//! `prism_media::broadcast`, which drops what the encoder has no room for and counts it. The
//! TV's sound comes from the player's audio tap and Lumen's voice from the speaker, both as
//! they are heard.
//!
//! While on air `Stage` is the output's size, so layouts, tiles and Lumen are placed for it.

use std::time::{Duration, Instant};

use bevy::camera::RenderTarget;
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy::render::gpu_readback::{Readback, ReadbackComplete};
use bevy::render::render_resource::TextureUsages;
use bevy::ui::FocusPolicy;
use bevy::window::PrimaryWindow;
use bevy::window::WindowRef;
use prism_core::command::{BroadcastTo, MediaCommand};
use prism_core::scene::Plane;
use prism_core::scene::output::{
    FPS, Output, OutputSize, file_name, stream_url, unpad_rows, window_to_output,
};
use prism_media::broadcast::{AudioFeed, Broadcast, BroadcastOptions, BroadcastState};

use crate::input::Action;
use crate::settings::Settings;
use crate::t;
use crate::theme;
use crate::tv::{Cmd, Executed, Outcome, Tv};

/// The camera every UI node draws through (spawned by the window with `IsDefaultUiCamera`).
#[derive(Component)]
pub struct StageCamera;

/// The monitor: its camera, the output image shown on it, the on-air indicator.
#[derive(Component)]
struct Monitor;

#[derive(Component)]
struct OnAirLabel;

/// What only the monitor camera sees.
const MONITOR_LAYER: usize = 30;

/// The logical size the UI is laid out for: the window's, or the output's while on air.
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct Stage {
    pub size: Vec2,
    /// Physical pixels per logical one.
    pub scale: f32,
}

impl Stage {
    /// `None` before there is a window (headless runs).
    pub fn size(&self) -> Option<Vec2> {
        (self.size.x > 0.0 && self.size.y > 0.0).then_some(self.size)
    }
}

/// The broadcast or recording running, if any.
#[derive(Resource, Default)]
pub struct OnAir {
    session: Option<Session>,
    /// Changes each start and stop, so a listener (the voice's speaker) knows to follow.
    pub epoch: u64,
    /// Outputs finishing (a file's index being written): waited for at exit.
    finishing: Vec<std::thread::JoinHandle<()>>,
}

struct Session {
    broadcast: Broadcast,
    to: BroadcastTo,
    image: Handle<Image>,
    started: Instant,
    /// The last frame offered (30 a second at most).
    offered: Option<Instant>,
    /// The state last told to the viewer.
    told: Option<BroadcastState>,
}

impl OnAir {
    /// Where the scene goes now.
    pub fn to(&self) -> Option<BroadcastTo> {
        self.session.as_ref().map(|s| s.to)
    }

    /// The sound goes here while on air.
    pub fn feed(&self) -> Option<AudioFeed> {
        self.session.as_ref().map(|s| s.broadcast.audio())
    }

    /// One line for the autopilot and the status: state, frames sent and dropped.
    pub fn report(&self) -> String {
        match &self.session {
            None => "off".into(),
            Some(s) => {
                let st = s.broadcast.status();
                let state = match &st.state {
                    BroadcastState::Starting => "starting".to_owned(),
                    BroadcastState::Live => "live".to_owned(),
                    BroadcastState::Reconnecting { attempt, why } => {
                        format!("reconnecting({attempt}: {why})")
                    }
                    BroadcastState::Stopped(why) => {
                        format!("stopped({})", why.as_deref().unwrap_or(""))
                    }
                };
                format!(
                    "{} {state} to={} frames={} dropped={}",
                    match s.to {
                        BroadcastTo::Stream => "stream",
                        BroadcastTo::File => "file",
                    },
                    s.broadcast.output.public(),
                    st.frames,
                    st.dropped
                )
            }
        }
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Stage>()
        .init_resource::<OnAir>()
        .add_systems(PreUpdate, stage_size)
        .add_systems(PreUpdate, pointer_on_air.after(bevy::ui::UiSystems::Focus))
        .add_systems(
            Update,
            (asks, watch)
                .chain()
                .in_set(crate::app::AppSystems::Execute),
        )
        .add_systems(
            Update,
            (follow_tv_sound, show_on_air, keep_viewer_only_off_air)
                .in_set(crate::app::AppSystems::Draw),
        )
        .add_systems(Last, stop_on_exit);
}

/// What is for the person at the screen ([`theme::ViewerOnly`]) is drawn by the monitor while
/// on air, so it is seen over the output in the window and never sent; off air, by the stage
/// (the default UI camera) again.
fn keep_viewer_only_off_air(
    mut commands: Commands,
    monitor: Query<Entity, (With<Monitor>, With<Camera>)>,
    roots: Query<(Entity, Option<&UiTargetCamera>), With<theme::ViewerOnly>>,
) {
    let monitor = monitor.iter().next();
    for (e, target) in &roots {
        match (monitor, target) {
            (Some(m), t) if t.map(|t| t.0) != Some(m) => {
                commands.entity(e).insert(UiTargetCamera(m));
            }
            (None, Some(_)) => {
                commands.entity(e).remove::<UiTargetCamera>();
            }
            _ => {}
        }
    }
}

/// While on air the UI draws into the output image, and Bevy sets `Interaction` only for
/// cameras that draw to a window: the rows and programmes under the stage would take no
/// click. So the cursor is carried into the image as the monitor shows it, and the stage's
/// nodes get their `Interaction` here, as Bevy gives it (the top node under the cursor
/// takes it, a `FocusPolicy::Pass` lets it through); the monitor's own nodes keep Bevy's.
#[allow(clippy::too_many_arguments)]
fn pointer_on_air(
    air: Res<OnAir>,
    stage: Res<Stage>,
    windows: Query<&Window, With<PrimaryWindow>>,
    buttons: Res<ButtonInput<MouseButton>>,
    ui_stack: Res<bevy::ui::UiStack>,
    stage_camera: Query<Entity, With<StageCamera>>,
    mut nodes: Query<(
        &ComputedNode,
        &UiGlobalTransform,
        &InheritedVisibility,
        &ComputedUiTargetCamera,
        Option<&mut Interaction>,
        &FocusPolicy,
    )>,
    clipping: Query<(&ComputedNode, &UiGlobalTransform, &Node)>,
    parents: Query<&ChildOf, Without<bevy::ui::OverrideClip>>,
) {
    if air.session.is_none() {
        return;
    }
    let (Ok(camera), Ok(win)) = (stage_camera.single(), windows.single()) else {
        return;
    };
    let point = win.cursor_position().and_then(|c| {
        let (x, y) = window_to_output(
            c.into(),
            (win.width(), win.height()),
            (stage.size.x, stage.size.y),
        )?;
        Some(Vec2::new(x, y) * stage.scale)
    });
    let pressed = buttons.just_pressed(MouseButton::Left);
    let released = buttons.just_released(MouseButton::Left);
    // Back to front, so the first hit walking backwards is the top one.
    let mut taken = false;
    for &e in ui_stack.uinodes.iter().rev() {
        let Ok((node, transform, vis, target, interaction, policy)) = nodes.get_mut(e) else {
            continue;
        };
        if target.get() != Some(camera) {
            continue;
        }
        let hit = !taken
            && vis.get()
            && point.is_some_and(|p| {
                node.contains_point(*transform, p)
                    && bevy::ui::clip_check_recursive(p, e, &clipping, &parents)
            });
        if let Some(mut i) = interaction {
            let want = match (hit, *i) {
                (true, _) if pressed => Interaction::Pressed,
                (true, Interaction::Pressed) if !released => Interaction::Pressed,
                (true, _) => Interaction::Hovered,
                (false, _) => Interaction::None,
            };
            i.set_if_neq(want);
        }
        if hit && *policy == FocusPolicy::Block {
            taken = true;
        }
    }
}

fn stage_size(
    air: Res<OnAir>,
    images: Res<Assets<Image>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut stage: ResMut<Stage>,
) {
    let want = match air.session.as_ref().and_then(|s| images.get(&s.image)) {
        Some(img) => Stage {
            size: img.size().as_vec2(),
            scale: 1.0,
        },
        None => match windows.single() {
            Ok(w) => Stage {
                size: Vec2::new(w.width(), w.height()),
                scale: w.scale_factor(),
            },
            Err(_) => Stage::default(),
        },
    };
    if stage.size != want.size || stage.scale != want.scale {
        *stage = want;
    }
}

/// F9, F10 and the `Broadcast` command: start or stop, answered with what happened.
#[allow(clippy::too_many_arguments)]
fn asks(
    mut acts: MessageReader<Action>,
    mut cmds: MessageReader<Cmd>,
    mut done: MessageWriter<Executed>,
    mut air: ResMut<OnAir>,
    mut tv: ResMut<Tv>,
    settings: Res<Settings>,
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    mut stage_camera: Query<(Entity, &mut RenderTarget), With<StageCamera>>,
    monitors: Query<Entity, With<Monitor>>,
) {
    let mut asks: Vec<(BroadcastTo, Option<bool>, Option<MediaCommand>)> = acts
        .read()
        .filter_map(|a| match a {
            Action::Stream => Some((BroadcastTo::Stream, None, None)),
            Action::RecordScene => Some((BroadcastTo::File, None, None)),
            _ => None,
        })
        .collect();
    asks.extend(cmds.read().filter_map(|Cmd(c)| match c {
        MediaCommand::Broadcast { on, to } => Some((*to, Some(*on), Some(c.clone()))),
        _ => None,
    }));
    for (to, want, cmd) in asks {
        let on = want.unwrap_or(air.to() != Some(to));
        let outcome = if on {
            if air.to() == Some(to) {
                Ok(Outcome::Broadcast {
                    on: true,
                    to,
                    target: air
                        .session
                        .as_ref()
                        .map(|s| s.broadcast.output.public())
                        .unwrap_or_default(),
                    seconds: 0,
                })
            } else {
                // One output at a time: streaming replaces a recording and the other way round.
                if air.session.is_some() {
                    end(&mut air, &mut commands, &mut stage_camera, &monitors);
                }
                begin(
                    to,
                    &settings,
                    &mut air,
                    &mut commands,
                    &mut images,
                    &mut stage_camera,
                )
            }
        } else {
            match air.to() {
                Some(now) if now == to => {
                    let seconds = air
                        .session
                        .as_ref()
                        .map_or(0, |s| s.started.elapsed().as_secs() as u32);
                    let target = end(&mut air, &mut commands, &mut stage_camera, &monitors);
                    Ok(Outcome::Broadcast {
                        on: false,
                        to,
                        target,
                        seconds,
                    })
                }
                _ => Err(match to {
                    BroadcastTo::Stream => t!("broadcast-not-streaming"),
                    BroadcastTo::File => t!("broadcast-not-recording"),
                }),
            }
        };
        match (outcome, cmd) {
            (Ok(outcome), Some(cmd)) => {
                done.write(Executed { cmd, outcome });
            }
            (Err(why), Some(cmd)) => {
                done.write(Executed {
                    cmd,
                    outcome: Outcome::NoBroadcast(why),
                });
            }
            (Err(why), None) => tv.notice = Some((Instant::now(), why)),
            (Ok(o), None) => tv.notice = Some((Instant::now(), said(&o))),
        }
    }
}

/// The toast for a key press.
fn said(o: &Outcome) -> String {
    match o {
        Outcome::Broadcast {
            on: true,
            to,
            target,
            ..
        } => match to {
            BroadcastTo::Stream => t!("broadcast-streaming", target = target.clone()),
            BroadcastTo::File => t!("broadcast-recording", target = target.clone()),
        },
        Outcome::Broadcast { seconds, .. } => t!("broadcast-ended", time = clock(*seconds)),
        _ => String::new(),
    }
}

fn clock(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn begin(
    to: BroadcastTo,
    settings: &Settings,
    air: &mut OnAir,
    commands: &mut Commands,
    images: &mut Assets<Image>,
    stage_camera: &mut Query<(Entity, &mut RenderTarget), With<StageCamera>>,
) -> Result<Outcome, String> {
    let b = &settings.broadcast;
    let size = OutputSize::parse(&b.size).unwrap_or_default();
    let output = match to {
        BroadcastTo::Stream => {
            Output::Stream(stream_url(&b.server, &b.key).map_err(|e| e.to_string())?)
        }
        BroadcastTo::File => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let local = now + i64::from(crate::time::local_offset(now));
            Output::File(settings.recordings_dir().join(file_name(local)))
        }
    };
    let Ok((camera, mut target)) = stage_camera.single_mut() else {
        return Err(t!("broadcast-no-window"));
    };
    let broadcast = Broadcast::start(BroadcastOptions {
        output: output.clone(),
        size,
    })
    .map_err(|e| e.to_string())?;
    let (w, h) = size.pixels();
    let mut image = Image::new_target_texture(
        w,
        h,
        bevy::render::render_resource::TextureFormat::Rgba8UnormSrgb,
        None,
    );
    image.texture_descriptor.usage |= TextureUsages::COPY_SRC;
    let image = images.add(image);
    *target = RenderTarget::Image(image.clone().into());
    let _ = camera;
    // The monitor: the output in the window, the indicator over it.
    let monitor = commands
        .spawn((
            Camera2d,
            Camera {
                order: 10,
                ..default()
            },
            RenderLayers::layer(MONITOR_LAYER),
            Monitor,
        ))
        .id();
    commands.spawn((
        Sprite {
            image: image.clone(),
            custom_size: Some(Vec2::new(w as f32, h as f32)),
            ..default()
        },
        Transform::default(),
        RenderLayers::layer(MONITOR_LAYER),
        Monitor,
    ));
    // Top centre: the top corners are the microphone's and the notices'.
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                top: Val::Px(16.0),
                left: Val::Px(0.0),
                right: Val::Px(0.0),
                justify_content: JustifyContent::Center,
                ..default()
            },
            UiTargetCamera(monitor),
            theme::plane(Plane::Notice),
            Monitor,
        ))
        .with_children(|top| {
            top.spawn((
                Node {
                    padding: UiRect::axes(Val::Px(12.0), Val::Px(6.0)),
                    column_gap: Val::Px(8.0),
                    align_items: AlignItems::Center,
                    border_radius: BorderRadius::all(Val::Px(6.0)),
                    ..default()
                },
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.6)),
            ))
            .with_children(|row| {
                row.spawn((
                    Node {
                        width: Val::Px(14.0),
                        height: Val::Px(14.0),
                        border_radius: BorderRadius::all(Val::Px(7.0)),
                        ..default()
                    },
                    BackgroundColor(Color::srgb(0.9, 0.1, 0.1)),
                ));
                row.spawn((theme::text("", 20.0, theme::TEXT), OnAirLabel));
            });
        });
    commands
        .spawn((Readback::texture(image.clone()), Monitor))
        .observe(offer_frame);
    air.session = Some(Session {
        broadcast,
        to,
        image,
        started: Instant::now(),
        offered: None,
        told: None,
    });
    air.epoch += 1;
    info!("on air: {}", output.public());
    Ok(Outcome::Broadcast {
        on: true,
        to,
        target: output.public(),
        seconds: 0,
    })
}

/// Back to the window; the encoder finishes on a thread of its own (a file gets its index).
/// Returns where it went.
fn end(
    air: &mut OnAir,
    commands: &mut Commands,
    stage_camera: &mut Query<(Entity, &mut RenderTarget), With<StageCamera>>,
    monitors: &Query<Entity, With<Monitor>>,
) -> String {
    for e in monitors {
        commands.entity(e).despawn();
    }
    if let Ok((_, mut target)) = stage_camera.single_mut() {
        *target = RenderTarget::Window(WindowRef::Primary);
    }
    air.epoch += 1;
    let Some(s) = air.session.take() else {
        return String::new();
    };
    let target = s.broadcast.output.public();
    let public = target.clone();
    air.finishing.retain(|t| !t.is_finished());
    air.finishing.push(std::thread::spawn(move || {
        let st = s.broadcast.stop();
        info!(
            "off air: {public} ({} frames sent, {} dropped)",
            st.frames, st.dropped
        );
        if let BroadcastState::Stopped(Some(why)) = st.state {
            warn!("{why}");
        }
    }));
    target
}

/// Each frame's readback, offered at 30 fps at most.
fn offer_frame(ev: On<ReadbackComplete>, mut air: ResMut<OnAir>) {
    let Some(s) = air.session.as_mut() else {
        return;
    };
    let now = Instant::now();
    // A little early is fine (frames arrive with the display's jitter); videorate evens it out.
    let gap = Duration::from_secs_f64(0.8 / f64::from(FPS));
    if s.offered.is_some_and(|t| now - t < gap) {
        return;
    }
    let (w, h) = s.broadcast.size();
    let Some(rows) = unpad_rows(&ev.data, w, h, 4) else {
        return;
    };
    s.offered = Some(now);
    s.broadcast.frame(rows.into_owned());
}

/// Failures and reconnections are told once each; a recording that failed (the disk is
/// full) ends.
#[allow(clippy::type_complexity)]
fn watch(
    mut air: ResMut<OnAir>,
    mut tv: ResMut<Tv>,
    mut commands: Commands,
    mut stage_camera: Query<(Entity, &mut RenderTarget), With<StageCamera>>,
    monitors: Query<Entity, With<Monitor>>,
) {
    let Some(s) = air.session.as_mut() else {
        return;
    };
    let state = s.broadcast.status().state;
    if s.told.as_ref() == Some(&state) {
        return;
    }
    s.told = Some(state.clone());
    match state {
        BroadcastState::Reconnecting { attempt, why } => {
            warn!("broadcast: {why} (attempt {attempt})");
            tv.notice = Some((
                Instant::now(),
                t!(
                    "broadcast-reconnecting",
                    why = why,
                    seconds = prism_core::scene::output::backoff(attempt).as_secs()
                ),
            ));
        }
        BroadcastState::Stopped(Some(why)) => {
            warn!("broadcast: {why}");
            tv.notice = Some((Instant::now(), t!("broadcast-failed", why = why)));
            end(&mut air, &mut commands, &mut stage_camera, &monitors);
        }
        BroadcastState::Live => info!("broadcast: live"),
        _ => {}
    }
}

/// The TV's sound goes out with the picture.
fn follow_tv_sound(air: Res<OnAir>, tv: Res<Tv>, mut heard: Local<u64>) {
    if *heard == air.epoch {
        return;
    }
    *heard = air.epoch;
    tv.player.listen(air.feed().map(|f| {
        let l: prism_media::AudioListener = std::sync::Arc::new(move |s: &[f32]| f.tv(s));
        l
    }));
}

/// The monitor's indicator: the red dot, LIVE or REC, and the time on air; the output image
/// fitted to the window.
fn show_on_air(
    air: Res<OnAir>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut label: Query<&mut Text, With<OnAirLabel>>,
    mut sprite: Query<&mut Sprite, With<Monitor>>,
) {
    let Some(s) = air.session.as_ref() else {
        return;
    };
    let st = s.broadcast.status();
    let what = match (&st.state, s.to) {
        (BroadcastState::Reconnecting { .. }, _) => t!("broadcast-label-reconnecting"),
        (_, BroadcastTo::Stream) => t!("broadcast-label-live"),
        (_, BroadcastTo::File) => t!("broadcast-label-rec"),
    };
    let seconds = st.live_since.map_or(0, |t| t.elapsed().as_secs() as u32);
    for mut text in &mut label {
        let line = format!("{what} {}", clock(seconds));
        if text.0 != line {
            text.0 = line;
        }
    }
    let (Ok(win), Some((w, h))) = (windows.single(), Some(s.broadcast.size())) else {
        return;
    };
    let fit = (win.width() / w as f32).min(win.height() / h as f32);
    let want = Vec2::new(w as f32, h as f32) * fit;
    for mut sp in &mut sprite {
        if sp.custom_size != Some(want) {
            sp.custom_size = Some(want);
        }
    }
}

/// A recording is finished (its index written) when the app quits while on air.
fn stop_on_exit(mut exit: MessageReader<AppExit>, mut air: ResMut<OnAir>) {
    if exit.read().next().is_none() {
        return;
    }
    if let Some(s) = air.session.take() {
        let st = s.broadcast.stop();
        info!(
            "off air at exit: {} frames, {} dropped",
            st.frames, st.dropped
        );
        if let BroadcastState::Stopped(Some(why)) = st.state {
            warn!("{why}");
        }
    }
    for t in air.finishing.drain(..) {
        let _ = t.join();
    }
}
