//! Several channels at once, beside the TV's own player (tile 0):
//! - **Picture-in-picture** (B): the channel watched before (or the next) in the top-right
//!   corner ("pip" layout); N swaps the two; B again closes it and the layout before returns.
//! - **Multi-view** (Q): four channels in a 2×2 grid ("quad" layout), the TV's and the next
//!   three. The arrows move the focus (a frame around the tile), the sound follows the focus
//!   (a tile's player selects no sound stream but while focused: a tile taking the focus opens
//!   its channel again with sound, its picture staying up), OK makes the focused channel the
//!   TV's, Back returns to the TV as it was.
//!
//! Tiles 1–3 have players of their own, held to the smallest variant the stream offers (a
//! quarter of the window needs no more than 360 lines) so four fit on a small machine; they
//! stay made after use, so opening again is a zap, not a start. Their frames reach the screen
//! through `video::TileFrames`.

use bevy::prelude::*;
use prism_core::command::MediaCommand;
use prism_core::hls::VariantLimits;
use prism_media::{PlayRequest, Player, PlayerEvent, PlayerOptions, StreamLimits};

use crate::app::Screen;
use crate::input::{Action, Nav};
use crate::settings::Settings;
use crate::t;
use crate::theme;
use crate::tv::video::{TILES, TileFrames};
use crate::tv::{Cmd, Executed, Outcome, Tv};

/// What the extra tiles are doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Off,
    Pip,
    Quad,
}

impl Mode {
    fn layout(self) -> Option<&'static str> {
        match self {
            Mode::Off => None,
            Mode::Pip => Some("pip"),
            Mode::Quad => Some("quad"),
        }
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Tiles>()
        .add_systems(Startup, spawn_focus)
        .add_systems(
            Update,
            (
                keys,
                swap,
                navigate.run_if(in_state(Screen::MultiView)),
                drain,
            )
                .chain()
                .in_set(crate::app::AppSystems::Execute),
        )
        .add_systems(OnExit(Screen::MultiView), leave_multiview)
        .add_systems(Update, draw_focus.in_set(crate::app::AppSystems::Draw));
}

/// The extra tiles' players and what they play.
#[derive(Resource)]
pub struct Tiles {
    players: [Option<Player>; TILES - 1],
    /// The channel of tiles 1–3 while they show.
    pub channels: [Option<usize>; TILES - 1],
    pub mode: Mode,
    /// Multi-view's focused tile (0: the TV's player); its sound is heard.
    pub focus: usize,
    /// The layout to return to.
    before: Option<String>,
    /// Each tile's sound level as its player last said (dBFS, after its muting; -90 for a tile
    /// playing without sound).
    pub levels: [f32; TILES - 1],
    /// Whether each tile's player decodes its sound (the focused one only).
    sounding: [bool; TILES - 1],
    /// A channel the TV is to watch (a swap), sent as a command next.
    watch: Option<usize>,
}

impl Default for Tiles {
    fn default() -> Self {
        Tiles {
            players: Default::default(),
            channels: [None; TILES - 1],
            mode: Mode::Off,
            focus: 0,
            before: None,
            levels: [-90.0; TILES - 1],
            sounding: [false; TILES - 1],
            watch: None,
        }
    }
}

impl Tiles {
    /// Tile `n` (1–3) plays `channel`, muted.
    fn play(
        &mut self,
        n: usize,
        tv: &Tv,
        channel: usize,
        frames: &mut TileFrames,
    ) -> Result<(), String> {
        let Some(c) = tv.channel(channel) else {
            return Err(format!("there is no channel {channel}"));
        };
        let slot = &mut self.players[n - 1];
        if slot.is_none() {
            // Muted tiles have no sound to cross-fade.
            let player = Player::new(PlayerOptions {
                crossfade: std::time::Duration::ZERO,
                ..Default::default()
            })
            .map_err(|e| e.to_string())?;
            player.set_stream_limits(StreamLimits {
                variants: VariantLimits {
                    max_height: Some(360),
                    max_bandwidth: None,
                },
                ..Default::default()
            });
            *slot = Some(player);
        }
        let player = slot.as_ref().expect("made above");
        // Only the focused tile's sound is heard: the others decode none.
        let sound = self.focus == n;
        player.set_sound(sound);
        self.sounding[n - 1] = sound;
        if !sound {
            self.levels[n - 1] = -90.0;
        }
        player.set_muted(!sound);
        player.set_volume(tv.volume);
        player.play(PlayRequest::from(c));
        frames.0[n - 1] = Some(player.frames().clone());
        self.channels[n - 1] = Some(channel);
        Ok(())
    }

    fn stop(&mut self, n: usize, frames: &mut TileFrames) {
        if let Some(p) = &self.players[n - 1] {
            p.stop();
        }
        frames.0[n - 1] = None;
        self.channels[n - 1] = None;
        self.levels[n - 1] = -90.0;
    }

    /// The sound of the focused tile, and only it (the TV's player keeps the viewer's mute).
    /// A tile's player decodes sound only while focused: one gaining the focus opens its
    /// channel again with sound (its last picture stays up meanwhile), one losing it without.
    fn hear(&mut self, tv: &Tv) {
        tv.player.set_muted(tv.muted || self.focus != 0);
        for (i, p) in self.players.iter().enumerate() {
            let Some(p) = p else { continue };
            let sound = self.focus == i + 1 && self.channels[i].is_some();
            p.set_volume(tv.volume);
            p.set_muted(tv.muted || !sound);
            if sound != self.sounding[i]
                && let Some(c) = self.channels[i].and_then(|c| tv.channel(c))
            {
                p.set_sound(sound);
                p.play(PlayRequest::from(c));
                self.sounding[i] = sound;
                if !sound {
                    self.levels[i] = -90.0;
                }
            }
        }
    }

    /// Everything back to one picture.
    fn close(&mut self, tv: &Tv, settings: &mut Settings, frames: &mut TileFrames) {
        for n in 1..TILES {
            self.stop(n, frames);
        }
        self.focus = 0;
        self.hear(tv);
        if self.mode != Mode::Off {
            settings.layout = self.before.take().unwrap_or_else(|| "tv".into());
        }
        self.mode = Mode::Off;
    }

    /// Pictures on screen: the TV's and the tiles playing.
    fn showing(&self) -> usize {
        1 + self.channels.iter().flatten().count()
    }

    /// Switches the layout to `mode`'s, remembering the one before.
    fn enter(&mut self, mode: Mode, settings: &mut Settings) {
        let layout = mode.layout().unwrap_or("tv");
        if self.mode == Mode::Off {
            self.before = Some(settings.layout.clone());
        }
        settings.layout = layout.into();
        self.mode = mode;
    }
}

/// `count` channels after `main`, none of them `main` (fewer when the lineup is short).
fn next_channels(main: usize, total: usize, count: usize) -> Vec<usize> {
    (1..total).map(|k| (main + k) % total).take(count).collect()
}

/// What was asked of the tiles, by key or by command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    Pip(Option<bool>),
    Swap,
    Multi(Option<bool>),
}

/// Keys (B, N, Q) and commands (voice, the control API, MCP): the same asks; a command is
/// answered with what happened.
#[allow(clippy::too_many_arguments)]
fn keys(
    mut acts: MessageReader<Action>,
    mut cmds: MessageReader<Cmd>,
    mut tiles: ResMut<Tiles>,
    mut tv: ResMut<Tv>,
    mut settings: ResMut<Settings>,
    mut frames: ResMut<TileFrames>,
    mut done: MessageWriter<Executed>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let mut asks: Vec<(Ask, Option<MediaCommand>)> = acts
        .read()
        .filter_map(|a| match a {
            Action::Pip => Some(Ask::Pip(None)),
            Action::SwapPip => Some(Ask::Swap),
            Action::MultiView => Some(Ask::Multi(None)),
            _ => None,
        })
        .map(|a| (a, None))
        .collect();
    asks.extend(cmds.read().filter_map(|Cmd(c)| {
        let ask = match c {
            MediaCommand::PictureInPicture { on } => Ask::Pip(Some(*on)),
            MediaCommand::SwapPictures => Ask::Swap,
            MediaCommand::MultiView { on } => Ask::Multi(Some(*on)),
            _ => return None,
        };
        Some((ask, Some(c.clone())))
    }));
    for (ask, cmd) in asks {
        let result = match ask {
            Ask::Pip(want) => {
                let on = want.unwrap_or(tiles.mode != Mode::Pip);
                match (on, tiles.mode) {
                    (false, Mode::Pip) => {
                        tiles.close(&tv, &mut settings, &mut frames);
                        Ok(1)
                    }
                    (false, _) => Err(t!("tiles-no-pip")),
                    (true, Mode::Pip) => Ok(2),
                    (true, _) => open_pip(&mut tiles, &tv, &mut settings, &mut frames, &mut next),
                }
            }
            Ask::Swap => match (tiles.mode, tiles.channels[0], tv.current) {
                (Mode::Pip, Some(corner), Some(main)) => {
                    tiles.play(1, &tv, main, &mut frames).map(|()| {
                        // Sent by `swap` (this system reads the commands).
                        tiles.watch = Some(corner);
                        2
                    })
                }
                _ => Err(t!("tiles-no-pip")),
            },
            Ask::Multi(want) => {
                let on = want.unwrap_or(tiles.mode != Mode::Quad);
                match (on, tiles.mode) {
                    (false, Mode::Quad) => {
                        next.set(Screen::Watching);
                        tiles.close(&tv, &mut settings, &mut frames);
                        Ok(1)
                    }
                    (false, _) => Err(t!("tiles-no-multiview")),
                    (true, Mode::Quad) => Ok(tiles.showing()),
                    (true, _) => {
                        open_multiview(&mut tiles, &tv, &mut settings, &mut frames, &mut next)
                    }
                }
            }
        };
        match (result, cmd) {
            (Ok(count), Some(cmd)) => {
                done.write(Executed {
                    cmd,
                    outcome: Outcome::Pictures(count),
                });
            }
            (Err(why), Some(cmd)) => {
                done.write(Executed {
                    cmd,
                    outcome: Outcome::NoLayout(why),
                });
            }
            (Err(why), None) => failed(&mut tv, why),
            (Ok(_), None) => {}
        }
    }
    // Another layout chosen (Z, settings): the tiles go with their layout.
    if let Some(layout) = tiles.mode.layout()
        && settings.layout != layout
    {
        tiles.before = None;
        tiles.close(&tv, &mut settings, &mut frames);
        if *screen.get() == Screen::MultiView {
            next.set(Screen::Watching);
        }
    }
}

/// A swap's other half: the TV watches the corner's channel (through the one executor).
fn swap(mut tiles: ResMut<Tiles>, tv: Res<Tv>, mut cmds: MessageWriter<Cmd>) {
    if let Some(c) = tiles.watch.take() {
        cmds.write(Cmd::watch(&tv, c));
    }
}

/// The channel watched before (or the next) in the corner: two pictures.
fn open_pip(
    tiles: &mut Tiles,
    tv: &Tv,
    settings: &mut Settings,
    frames: &mut TileFrames,
    next: &mut NextState<Screen>,
) -> Result<usize, String> {
    let main = tv.current.ok_or_else(|| t!("tiles-nothing-playing"))?;
    if tiles.mode == Mode::Quad {
        next.set(Screen::Watching);
        tiles.close(tv, settings, frames);
    }
    let count = tv.channel_count();
    let other = tv
        .previous
        .filter(|p| *p != main && *p < count)
        .or_else(|| next_channels(main, count, 1).first().copied())
        .ok_or_else(|| t!("tiles-one-channel"))?;
    tiles.play(1, tv, other, frames)?;
    tiles.enter(Mode::Pip, settings);
    Ok(2)
}

/// The TV's channel and the next three in a 2×2 grid, the focus (and the sound) on the TV's.
fn open_multiview(
    tiles: &mut Tiles,
    tv: &Tv,
    settings: &mut Settings,
    frames: &mut TileFrames,
    next: &mut NextState<Screen>,
) -> Result<usize, String> {
    let main = tv.current.ok_or_else(|| t!("tiles-nothing-playing"))?;
    if tiles.mode == Mode::Pip {
        tiles.close(tv, settings, frames);
    }
    let others = next_channels(main, tv.channel_count(), TILES - 1);
    if others.is_empty() {
        return Err(t!("tiles-one-channel"));
    }
    for (k, c) in others.into_iter().enumerate() {
        if let Err(e) = tiles.play(k + 1, tv, c, frames) {
            tiles.close(tv, settings, frames);
            return Err(e);
        }
    }
    tiles.enter(Mode::Quad, settings);
    tiles.focus = 0;
    tiles.hear(tv);
    next.set(Screen::MultiView);
    Ok(tiles.showing())
}

fn failed(tv: &mut Tv, why: String) {
    warn!("several channels at once: {why}");
    tv.notice = Some((std::time::Instant::now(), t!("tiles-failed", why = why)));
}

/// Multi-view: the arrows move the focus over the 2×2 grid (tiles 0 1 / 2 3), OK watches the
/// focused channel, Back returns to the TV.
fn navigate(
    mut nav: MessageReader<Nav>,
    mut tiles: ResMut<Tiles>,
    tv: Res<Tv>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    for n in nav.read() {
        let f = tiles.focus;
        let to = match n {
            Nav::Left | Nav::Right => f ^ 1,
            Nav::Up | Nav::Down => f ^ 2,
            Nav::Ok => {
                if f > 0
                    && let Some(c) = tiles.channels[f - 1]
                {
                    cmds.write(Cmd::watch(&tv, c));
                }
                next.set(Screen::Watching);
                continue;
            }
            Nav::Back => {
                next.set(Screen::Watching);
                continue;
            }
            _ => continue,
        };
        // A tile with nothing in it (a short lineup) is passed over.
        if to == 0 || tiles.channels[to - 1].is_some() {
            tiles.focus = to;
            tiles.hear(&tv);
        }
    }
}

fn leave_multiview(
    mut tiles: ResMut<Tiles>,
    tv: Res<Tv>,
    mut settings: ResMut<Settings>,
    mut frames: ResMut<TileFrames>,
) {
    if tiles.mode == Mode::Quad {
        tiles.close(&tv, &mut settings, &mut frames);
    }
}

/// The tiles' players' news, read every frame (an unread queue would only grow).
fn drain(mut tiles: ResMut<Tiles>) {
    for i in 0..TILES - 1 {
        let Some(events) = tiles.players[i].as_ref().map(Player::events) else {
            continue;
        };
        for e in events {
            // A reading still on its way from before the tile lost its sound is not news.
            if let PlayerEvent::AudioLevel { rms_db } = e
                && tiles.sounding[i]
            {
                tiles.levels[i] = rms_db as f32;
            }
        }
    }
}

/// The frame around multi-view's focused tile.
#[derive(Component)]
struct Focus;

fn spawn_focus(mut commands: Commands) {
    commands.spawn((
        Focus,
        Node {
            position_type: PositionType::Absolute,
            border: UiRect::all(Val::Px(4.0)),
            ..default()
        },
        BorderColor::all(theme::FOCUS),
        Visibility::Hidden,
        // Over the tiles, under Lumen.
        theme::plane_above(prism_core::scene::Plane::Video, TILES as u8),
    ));
}

fn draw_focus(
    tiles: Res<Tiles>,
    scene: Res<crate::studio::layout::Scene>,
    stage: Res<crate::studio::broadcast::Stage>,
    mut frame: Query<(&mut Node, &mut Visibility), With<Focus>>,
) {
    let (Some(size), Ok((mut node, mut vis))) = (stage.size(), frame.single_mut()) else {
        return;
    };
    let rect = (tiles.mode == Mode::Quad)
        .then(|| scene.layout().tile(tiles.focus))
        .flatten()
        .and_then(|l| l.bounds());
    let want_vis = if rect.is_some() {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if *vis != want_vis {
        *vis = want_vis;
    }
    if let Some(r) = rect {
        theme::place(&mut node, r.px(size.x, size.y), 4.0);
    }
}

#[cfg(test)]
mod tests {
    use super::next_channels;

    #[test]
    fn the_next_channels_wrap_and_never_repeat_the_tv() {
        assert_eq!(next_channels(4, 6, 3), [5, 0, 1]);
        assert_eq!(next_channels(0, 2, 3), [1]);
        assert!(next_channels(0, 1, 3).is_empty());
    }
}
