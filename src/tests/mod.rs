//! The app's logic, tested headless: a Bevy `App` with `MinimalPlugins`, the shared app layer
//! and the plugins under test, the TV on a [`Recorder`] instead of GStreamer, keys and buttons
//! fed in as the window would feed them. Milliseconds a test; the window tests in `tests/`
//! prove the pixels, these prove the logic. Nothing imports this module.

mod architecture;
mod archive;
mod avatar;
mod away;
mod fonts;
mod guide;
mod input;
mod locales;
mod mapping;
mod parental;
mod recordings;
mod reminders;
mod sources;
mod timers;
mod timeshift;
mod tracks;
mod tv;
mod voice;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
use bevy::prelude::*;
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::{Playlist, demo};
use prism_media::PlayerEvent;

use crate::app::Screen;
use crate::input::{Action, Nav};
use crate::settings::Settings;
use crate::tv::player::{Op, Recorder};
use crate::tv::{Cmd, Executed, Lineup, Tv};

/// Unix time the demo guide is built for in tests.
pub const NOW: i64 = 1_764_000_000;

/// Every message of type `M` sent since the last call, kept for the test to read.
#[derive(Resource)]
struct Seen<M>(Vec<M>);

fn keep<M: Message + Clone>(mut r: MessageReader<M>, mut seen: ResMut<Seen<M>>) {
    seen.0.extend(r.read().cloned());
}

pub struct Harness {
    pub app: App,
    pub player: Recorder,
    pad: Option<Entity>,
}

impl Harness {
    /// The app layer, the input map and the TV on the demo lineup (channel 1 playing).
    pub fn new() -> Self {
        Self::with(demo_playlist(), |_| {})
    }

    /// Like [`Harness::new`] on `playlist`, with more plugins added by `more`.
    pub fn with(playlist: Playlist, more: impl FnOnce(&mut App)) -> Self {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
            .add_message::<KeyboardInput>()
            .add_message::<bevy::input::mouse::MouseWheel>()
            .add_message::<bevy::window::CursorMoved>()
            .init_resource::<ButtonInput<MouseButton>>()
            .insert_resource(Settings::default())
            .add_plugins((crate::app::plugin, crate::input::plugin, crate::tv::plugin));
        let player = Recorder::default();
        let tv = Tv::new(Box::new(player.clone()), &Settings::default());
        app.insert_resource(tv);
        more(&mut app);
        let mut h = Harness {
            app,
            player,
            pad: None,
        };
        h.watch::<Cmd>();
        h.watch::<Nav>();
        h.watch::<Action>();
        h.watch::<Executed>();
        h.install(playlist);
        h.update();
        h.player.clear();
        h.take::<Cmd>();
        h.take::<Executed>();
        h
    }

    /// Keeps every `M` sent, for [`Harness::take`].
    pub fn watch<M: Message + Clone>(&mut self) {
        self.app
            .insert_resource(Seen::<M>(Vec::new()))
            .add_systems(Last, keep::<M>);
    }

    /// The `M`s sent since the last call.
    pub fn take<M: Message + Clone>(&mut self) -> Vec<M> {
        std::mem::take(&mut self.app.world_mut().resource_mut::<Seen<M>>().0)
    }

    /// A lineup, as the sources plugin installs one (a first load tunes in).
    pub fn install(&mut self, playlist: Playlist) {
        self.install_at(playlist, NOW);
    }

    /// As [`Harness::install`], with the demo guide around `now` (screens that draw what is
    /// on now read the real clock).
    pub fn install_at(&mut self, playlist: Playlist, now: i64) {
        let mut b = GuideBuilder::new(&playlist, GuideOptions::at(now));
        b.add_source(demo::guide_xmltv(now).as_bytes()).unwrap();
        let guide = b.finish();
        let lineup = Lineup::new(playlist, guide, "test".into(), None);
        let world = self.app.world_mut();
        let settings = world.resource::<Settings>().clone();
        let tune = world
            .resource_mut::<Tv>()
            .set_lineup(lineup, false, &settings);
        if let Some(i) = tune {
            let cmd = Cmd::watch(world.resource::<Tv>(), i);
            world.write_message(cmd);
        }
    }

    /// What came of the commands carried out since the last call.
    pub fn outcomes(&mut self) -> Vec<crate::tv::Outcome> {
        self.take::<Executed>()
            .into_iter()
            .map(|e| e.outcome)
            .collect()
    }

    /// Every text on screen (the UI's `Text` entities), in no particular order.
    pub fn texts(&mut self) -> Vec<String> {
        let world = self.app.world_mut();
        let mut q = world.query::<&Text>();
        q.iter(world).map(|t| t.0.clone()).collect()
    }

    pub fn update(&mut self) {
        self.app.update();
    }

    /// A few frames: enough for a message to be read, acted on and answered.
    pub fn settle(&mut self) {
        for _ in 0..3 {
            self.app.update();
        }
    }

    pub fn tv(&self) -> &Tv {
        self.app.world().resource::<Tv>()
    }
    pub fn settings(&self) -> &Settings {
        self.app.world().resource::<Settings>()
    }
    pub fn screen(&self) -> Screen {
        *self.app.world().resource::<State<Screen>>().get()
    }
    pub fn ops(&self) -> Vec<Op> {
        self.player.ops()
    }
    /// The name of the channel on screen.
    pub fn watching(&self) -> Option<String> {
        let tv = self.tv();
        tv.current
            .and_then(|i| tv.channel(i))
            .map(|c| c.name.clone())
    }

    /// A command, as the voice or a remote would send it; then a few frames.
    pub fn cmd(&mut self, c: prism_core::MediaCommand) {
        self.app.world_mut().write_message(Cmd(c));
        self.settle();
    }

    /// The player says something happened.
    pub fn event(&mut self, e: PlayerEvent) {
        self.player.emit(e);
        self.settle();
    }

    fn key_event(&mut self, code: KeyCode, text: Option<&str>, state: ButtonState) {
        let logical = match text {
            Some(t) => Key::Character(t.into()),
            None => Key::Unidentified(NativeKey::Unidentified),
        };
        self.logical_event(code, logical, text, state);
    }

    fn logical_event(
        &mut self,
        code: KeyCode,
        logical: Key,
        text: Option<&str>,
        state: ButtonState,
    ) {
        self.app.world_mut().write_message(KeyboardInput {
            key_code: code,
            logical_key: logical,
            state,
            text: text
                .filter(|_| state == ButtonState::Pressed)
                .map(Into::into),
            repeat: false,
            window: Entity::PLACEHOLDER,
        });
    }

    /// A key pressed and released (no text: a function key, an arrow).
    pub fn key(&mut self, code: KeyCode) {
        self.key_event(code, None, ButtonState::Pressed);
        self.update();
        self.key_event(code, None, ButtonState::Released);
        self.settle();
    }

    /// A key known only by what it means, as a remote's media keys arrive (no key code).
    pub fn logical_key(&mut self, key: Key) {
        let code = KeyCode::Unidentified(bevy::input::keyboard::NativeKeyCode::Unidentified);
        self.logical_event(code, key.clone(), None, ButtonState::Pressed);
        self.update();
        self.logical_event(code, key, None, ButtonState::Released);
        self.settle();
    }

    /// Held down (push-to-talk, Ctrl), until [`Harness::release`].
    pub fn hold(&mut self, code: KeyCode) {
        self.key_event(code, None, ButtonState::Pressed);
        self.settle();
    }
    pub fn release(&mut self, code: KeyCode) {
        self.key_event(code, None, ButtonState::Released);
        self.settle();
    }

    /// Text typed as a US keyboard delivers it: each character's key, with its text.
    pub fn type_text(&mut self, s: &str) {
        for ch in s.chars() {
            let code = crate::dev::autopilot::char_key(ch);
            let t = ch.to_string();
            self.key_event(code, Some(&t), ButtonState::Pressed);
            self.update();
            self.key_event(code, Some(&t), ButtonState::Released);
            self.update();
        }
        self.settle();
    }

    /// A gamepad button pressed and released.
    pub fn pad(&mut self, b: GamepadButton) {
        self.pad_press(b);
        self.pad_release(b);
    }
    pub fn pad_press(&mut self, b: GamepadButton) {
        let pad = *self
            .pad
            .get_or_insert_with(|| self.app.world_mut().spawn(Gamepad::default()).id());
        {
            let mut e = self.app.world_mut().entity_mut(pad);
            let mut g = e.get_mut::<Gamepad>().unwrap();
            g.digital_mut().press(b);
        }
        self.update();
        self.clear_pad();
        self.settle();
    }
    pub fn pad_release(&mut self, b: GamepadButton) {
        let Some(pad) = self.pad else { return };
        {
            let mut e = self.app.world_mut().entity_mut(pad);
            let mut g = e.get_mut::<Gamepad>().unwrap();
            g.digital_mut().release(b);
        }
        self.update();
        self.clear_pad();
        self.settle();
    }
    /// What the input plugin's gamepad step does at each frame's start (not added here).
    fn clear_pad(&mut self) {
        if let Some(pad) = self.pad {
            let mut e = self.app.world_mut().entity_mut(pad);
            e.get_mut::<Gamepad>().unwrap().digital_mut().clear();
        }
    }
}

/// The demo lineup (six numbered channels).
pub fn demo_playlist() -> Playlist {
    parse_m3u(demo::playlist_m3u("http://127.0.0.1:1/demo").as_bytes()).unwrap()
}

/// A playlist without channel numbers, as most providers' are.
pub fn unnumbered_playlist() -> Playlist {
    let mut m3u = String::from("#EXTM3U\n");
    for name in ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"] {
        m3u.push_str(&format!(
            "#EXTINF:-1 group-title=\"Test\",{name}\nhttp://127.0.0.1:1/{name}.m3u8\n"
        ));
    }
    parse_m3u(m3u.as_bytes()).unwrap()
}
