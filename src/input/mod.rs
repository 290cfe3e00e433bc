//! The one input map: keys, the TV remote (arrows, OK, Back, media keys), the gamepad and the
//! mouse become the same `MediaCommand`s the voice grammar produces (`tv::Cmd`), screen
//! navigation (`Nav`) or the app's other actions (`Action`). Every binding is in
//! `bindings::table`; nothing else in the app reads keys or buttons.
//!
//! One text-capture state: a text field (the channel search, a settings row) takes the
//! keyboard with [`TextCapture::begin`]; while it holds it, keys become [`Edit`]s and no hotkey
//! acts ("jazz" typed into the search does not resize Lumen).

pub mod bindings;
mod mouse;

use std::time::{Duration, Instant};

use bevy::ecs::system::SystemParam;
use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;
use prism_core::ChannelNumber;
use prism_core::command::MediaCommand as M;

use crate::app::{AppSystems, Screen};
use crate::tv::{Cmd, Tv};
use bindings::{Binding, Does, Trigger, Where};

/// How long typed digits wait for the next one before tuning.
const DIGIT_TIMEOUT: Duration = Duration::from_millis(1500);

pub fn plugin(app: &mut App) {
    app.init_resource::<NumberEntry>()
        .init_resource::<TextCapture>()
        .insert_resource(Bindings(bindings::table()))
        .add_message::<Nav>()
        .add_message::<Action>()
        .add_message::<Edit>()
        .add_message::<Cmd>()
        .add_message::<Remote>()
        .add_systems(
            Update,
            (keyboard, gamepad, mouse::mouse, remote, number_timeout).in_set(AppSystems::Input),
        );
}

/// A remote's key pressed from elsewhere (the control API's `Input.*`): it means what the
/// same key means here, on the screen that is showing.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote(pub prism_core::hub::RemoteKey);

fn remote(
    mut keys: MessageReader<Remote>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    bindings: Res<Bindings>,
    mut out: Out,
    tv: Option<Res<Tv>>,
) {
    use prism_core::hub::RemoteKey as R;
    for Remote(k) in keys.read() {
        let key = match k {
            R::Up => KeyCode::ArrowUp,
            R::Down => KeyCode::ArrowDown,
            R::Left => KeyCode::ArrowLeft,
            R::Right => KeyCode::ArrowRight,
            R::Select => KeyCode::Enter,
            R::Back => KeyCode::BrowserBack,
            R::Info => KeyCode::KeyI,
            // Home is the TV itself: whatever screen is open closes.
            R::Home => {
                next.set(Screen::Watching);
                continue;
            }
        };
        for does in bindings.lookup(Trigger::Key(key), *screen.get()) {
            out.does(does, tv.as_deref());
        }
    }
}

/// Navigation on a screen, from the remote, keys, gamepad or mouse.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Up,
    Down,
    PageUp,
    PageDown,
    Left,
    Right,
    Ok,
    Back,
    Search,
    /// Open the channel list (OK while watching).
    ChannelList,
}

/// What a binding asks of a feature other than the TV and the screens' navigation.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the settings (or close them).
    OpenSettings,
    /// Push-to-talk went down (V, the gamepad's North button)...
    Talk,
    /// ...and came up again.
    TalkEnd,
    /// The voice timings panel (F3).
    Timings,
    /// Lumen: shown or hidden (L), the next corner (K), the next size (J).
    ShowLumen,
    MoveLumen,
    ResizeLumen,
    /// The next layout of the picture and Lumen (Z).
    NextLayout,
    /// Picture-in-picture opened or closed (B); its channel and the TV's swapped (N).
    Pip,
    SwapPip,
    /// Multi-view (2×2) opened or closed (Q).
    MultiView,
    /// Stream the composed scene (F9), or stop.
    Stream,
    /// Record the composed scene to a file (F10), or stop.
    RecordScene,
    /// Companion mode on or off (C).
    Companion,
    /// The window fills the screen, or not (F11, a double-click on the picture).
    Fullscreen,
    /// The programme's details (I, the remote's Info): on the channel list's channel, the
    /// grid's cell, or what is on.
    Info,
    /// The sound and subtitle tracks menu (A), or back from it.
    Tracks,
    /// The recordings (W), or back from them.
    Recordings,
    /// Record the programme under the cursor from the guide (a timer), or stop it being
    /// recorded (R on a screen).
    Record,
    /// Remove what is under the cursor, after asking (Delete or X on a screen: a recording).
    Delete,
    /// Choose the guide channel for the channel list's channel, or the one playing (E).
    MapGuide,
    /// Hide the channel list's group (from "All" and zapping), or show it again (H).
    HideGroup,
    /// Lock the channel list's group behind the PIN, or unlock it (P).
    LockGroup,
}

/// Typing into the field that holds the [`TextCapture`].
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Characters as the keyboard layout gives them.
    Text(String),
    Backspace,
    /// Delete: empties the field.
    Clear,
    /// Enter or Tab: the typing is finished.
    Done,
    /// Escape: back to what was there.
    Cancel,
}

impl Edit {
    /// Applies a text edit (typing, Backspace, Delete) to `query`; false for Done and Cancel,
    /// which the field acts on itself.
    pub fn apply(&self, query: &mut String) -> bool {
        match self {
            Edit::Text(t) => query.push_str(t),
            Edit::Backspace => {
                query.pop();
            }
            Edit::Clear => query.clear(),
            Edit::Done | Edit::Cancel => return false,
        }
        true
    }
}

/// Which field is typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The channel list's search (after `/`).
    Search,
    /// The guide grid's programme search (after `/` in the grid).
    Programmes,
    /// A text row of the settings.
    Settings,
    /// The guide mapping's search.
    Mapping,
    /// The parental PIN.
    Pin,
}

/// Who has the keyboard for typing, if anyone.
#[derive(Resource, Default, Debug)]
pub struct TextCapture(Option<Field>);

impl TextCapture {
    pub fn begin(&mut self, field: Field) {
        self.0 = Some(field);
    }
    /// Gives the keyboard back, if `field` has it.
    pub fn end(&mut self, field: Field) {
        if self.0 == Some(field) {
            self.0 = None;
        }
    }
    pub fn is(&self, field: Field) -> bool {
        self.0 == Some(field)
    }
    pub fn active(&self) -> bool {
        self.0.is_some()
    }
}

/// The binding table in force.
#[derive(Resource)]
pub struct Bindings(pub Vec<Binding>);

impl Bindings {
    /// What `trigger` does on `screen`.
    fn lookup(&self, trigger: Trigger, screen: Screen) -> impl Iterator<Item = &Does> {
        self.0
            .iter()
            .filter(move |b| {
                b.trigger == trigger
                    && match b.on {
                        Where::Any => true,
                        Where::Watching => !screen.navigates(),
                        Where::Screens => screen.navigates(),
                    }
            })
            .map(|b| &b.does)
    }
    /// Triggers bound to push-to-talk (their release ends it).
    fn talks(&self, trigger: Trigger) -> bool {
        self.0
            .iter()
            .any(|b| b.trigger == trigger && b.does == Does::Act(Action::Talk))
    }
}

/// Digits typed so far for a channel number (shown by the overlay).
#[derive(Resource, Default)]
pub struct NumberEntry {
    pub digits: String,
    pub since: Option<Instant>,
}

impl NumberEntry {
    fn take(&mut self) -> Option<ChannelNumber> {
        let n = std::mem::take(&mut self.digits).parse().ok();
        self.since = None;
        n
    }
}

fn digit(key: KeyCode) -> Option<char> {
    use KeyCode::*;
    Some(match key {
        Digit0 | Numpad0 => '0',
        Digit1 | Numpad1 => '1',
        Digit2 | Numpad2 => '2',
        Digit3 | Numpad3 => '3',
        Digit4 | Numpad4 => '4',
        Digit5 | Numpad5 => '5',
        Digit6 | Numpad6 => '6',
        Digit7 | Numpad7 => '7',
        Digit8 | Numpad8 => '8',
        Digit9 | Numpad9 => '9',
        _ => return None,
    })
}

/// Where the input map's results go.
#[derive(SystemParam)]
struct Out<'w> {
    cmds: MessageWriter<'w, Cmd>,
    nav: MessageWriter<'w, Nav>,
    acts: MessageWriter<'w, Action>,
    edits: MessageWriter<'w, Edit>,
}

impl Out<'_> {
    fn does(&mut self, does: &Does, tv: Option<&Tv>) {
        match does {
            Does::Media(m) => {
                self.cmds.write(Cmd(m.clone()));
            }
            Does::Nav(n) => {
                self.nav.write(*n);
            }
            Does::Act(a) => {
                self.acts.write(*a);
            }
            Does::ToggleSubtitles => {
                let on = !tv.is_some_and(|tv| tv.subtitles);
                self.cmds.write(Cmd(M::Subtitles { on }));
            }
        }
    }
}

/// The keyboard, read from its events (key, layout text, press or release) so that what is
/// typed and what is bound come from the same place, in order.
fn keyboard(
    mut typed: MessageReader<KeyboardInput>,
    screen: Res<State<Screen>>,
    capture: Res<TextCapture>,
    bindings: Res<Bindings>,
    mut entry: ResMut<NumberEntry>,
    mut out: Out,
    tv: Option<Res<Tv>>,
    // Push-to-talk keys held down since they started talking: only their release ends it
    // (a V typed into a search is released too, and must not).
    mut talking: Local<Vec<KeyCode>>,
    // Control held (Ctrl+R records from a search, where R is a letter).
    mut ctrl: Local<bool>,
) {
    let screen = *screen.get();
    for k in typed.read() {
        if matches!(k.key_code, KeyCode::ControlLeft | KeyCode::ControlRight) {
            *ctrl = k.state == ButtonState::Pressed;
        }
        if k.state == ButtonState::Released {
            if let Some(i) = talking.iter().position(|c| *c == k.key_code) {
                talking.swap_remove(i);
                out.acts.write(Action::TalkEnd);
            }
            continue;
        }
        // The remote's record key (a logical key, no key code of its own) is R; while a field
        // types, it and Ctrl+R still record (the search's selected programme).
        let record = k.logical_key == bevy::input::keyboard::Key::MediaRecord;
        if capture.active() {
            if record || (*ctrl && k.key_code == KeyCode::KeyR) {
                out.acts.write(Action::Record);
                continue;
            }
            type_into(k, &mut out);
            continue;
        }
        // Held keys repeat; only typing repeats.
        if k.repeat {
            continue;
        }
        let key = if record { KeyCode::KeyR } else { k.key_code };
        if let Some(d) = digit(key).filter(|_| screen != Screen::Settings) {
            if entry.digits.len() < 5 {
                entry.digits.push(d);
            }
            entry.since = Some(Instant::now());
            continue;
        }
        if !entry.digits.is_empty() {
            match key {
                KeyCode::Enter | KeyCode::NumpadEnter => {
                    if let Some(number) = entry.take() {
                        out.cmds.write(Cmd(M::GoToChannelNumber { number }));
                    }
                    continue;
                }
                KeyCode::Period | KeyCode::NumpadDecimal => {
                    entry.digits.push('.');
                    entry.since = Some(Instant::now());
                    continue;
                }
                _ => {}
            }
        }
        if bindings.talks(Trigger::Key(key)) && !talking.contains(&key) {
            talking.push(key);
        }
        for does in bindings.lookup(Trigger::Key(key), screen) {
            out.does(does, tv.as_deref());
        }
    }
}

/// A key while a field has the keyboard: editing keys edit, the list keys still move the
/// list under a search, and everything else is text (or nothing).
fn type_into(k: &KeyboardInput, out: &mut Out) {
    let edit = match k.key_code {
        KeyCode::Backspace => Edit::Backspace,
        KeyCode::Delete => Edit::Clear,
        KeyCode::Enter | KeyCode::NumpadEnter | KeyCode::Tab => Edit::Done,
        KeyCode::Escape => Edit::Cancel,
        KeyCode::ArrowUp => {
            out.nav.write(Nav::Up);
            return;
        }
        KeyCode::ArrowDown => {
            out.nav.write(Nav::Down);
            return;
        }
        _ => {
            let text: String = k
                .text
                .iter()
                .flat_map(|t| t.chars())
                .filter(|c| !c.is_control())
                .collect();
            if text.is_empty() {
                return;
            }
            Edit::Text(text)
        }
    };
    out.edits.write(edit);
}

fn number_timeout(mut entry: ResMut<NumberEntry>, mut cmds: MessageWriter<Cmd>) {
    if entry.since.is_some_and(|t| t.elapsed() > DIGIT_TIMEOUT)
        && let Some(number) = entry.take()
    {
        cmds.write(Cmd(M::GoToChannelNumber { number }));
    }
}

fn gamepad(
    pads: Query<&Gamepad>,
    screen: Res<State<Screen>>,
    bindings: Res<Bindings>,
    mut out: Out,
    tv: Option<Res<Tv>>,
) {
    let screen = *screen.get();
    for pad in &pads {
        for &button in pad.get_just_pressed() {
            for does in bindings.lookup(Trigger::Pad(button), screen) {
                out.does(does, tv.as_deref());
            }
        }
        for &button in pad.get_just_released() {
            if bindings.talks(Trigger::Pad(button)) {
                out.acts.write(Action::TalkEnd);
            }
        }
    }
}
