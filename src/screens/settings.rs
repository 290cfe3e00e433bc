//! The settings screen (S): where channels come from (the demo lineup, a playlist file or URL
//! with more playlists merged in, or an Xtream login), the TV guide sources, and how often they
//! refresh. Driven by the D-pad:
//! Up/Down pick a row, Left/Right change a choice, OK edits a text row (type, then OK), and
//! "Load channels" tries the new source. It becomes the setting only once it loads; until
//! then, and if it fails, the channels already there keep playing. The companion page picks
//! the mascot's avatar: a VRM file, or empty for Lumen; it loads when the typing is finished.
//!
//! "Voice and chat" opens a second page: the speech model and its threads, chat through the
//! local model (a GGUF file) or an OpenAI-compatible server, and the voice models, which OK
//! downloads (the model manager, with its progress on the row). These apply at once: the
//! workers concerned restart.
//!
//! "Picture and sound" opens a third: the picture size cap, data saver, how far behind live
//! to start (from the next channel on), and the preferred sound and subtitle languages.
//!
//! "Companion" opens a fourth: companion mode on or off, how much Lumen says on her own
//! (chatty, reactions only, or silent cheers), the pause between her remarks, and whether the
//! stream's captions are drawn. These apply at once too.

use bevy::prelude::*;

use crate::app::Screen;
use crate::input::{Action, Edit, Field, Nav, TextCapture};
use crate::settings::{Settings, XtreamSettings};
use crate::sources::{Origin, Reload, Sources, Spec};
use crate::voice::models::Install;
use crate::{t, theme};

/// Seconds between Lumen's own remarks.
const COOLDOWN: [u32; 5] = [15, 30, 60, 120, 300];

/// Refresh choices, in hours (0 = only at start).
const REFRESH: [u32; 4] = [0, 6, 12, 24];
/// Speech model choices (manifest names), smallest first.
const WHISPER: [&str; 5] = [
    "whisper-tiny.en",
    "whisper-base.en",
    "whisper-small.en",
    "whisper-medium.en",
    "whisper-large-v3-turbo",
];
/// Picture size caps offered (lines; 0 = the best the stream has).
const HEIGHTS: [u32; 5] = [0, 1080, 720, 480, 360];
/// How far behind live to start, seconds.
const BEHIND: [u32; 5] = [0, 6, 12, 30, 60];
/// The time-shift buffer's lengths, in minutes (0: off).
const BUFFER: [u32; 6] = [0, 30, 60, 120, 240, 480];
/// A timer's padding choices, in minutes (guides run early and late).
const PADDING: [u32; 7] = [0, 1, 2, 5, 10, 15, 30];
/// Preferred sound and subtitle languages offered (ISO 639-1; "" = the stream's own choice).
const LANGUAGES: [&str; 18] = [
    "", "en", "de", "es", "fr", "it", "pt", "nl", "pl", "ru", "uk", "tr", "el", "ar", "hi", "zh",
    "ja", "ko",
];
/// Speech recognition threads (0 = automatic).
const THREADS: [u32; 5] = [0, 1, 2, 4, 8];

pub fn plugin(app: &mut App) {
    app.init_resource::<Form>()
        .init_resource::<Install>()
        .add_systems(OnEnter(Screen::Settings), (fill, spawn).chain())
        .add_systems(
            OnExit(Screen::Settings),
            |mut form: ResMut<Form>, mut capture: ResMut<TextCapture>| {
                form.editing = None;
                capture.end(Field::Settings);
            },
        )
        .add_systems(
            Update,
            (
                open.in_set(crate::app::AppSystems::Execute),
                (edit, pointer, navigate, follow_load, follow_install, redraw)
                    .chain()
                    .run_if(in_state(Screen::Settings))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Demo,
    Playlist,
    Xtream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Source,
    Playlist,
    MorePlaylists,
    Server,
    Username,
    Password,
    Guides,
    Refresh,
    Load,
    Avatar,
    VoicePage,
    PlaybackPage,
    Whisper,
    Threads,
    Chat,
    LlmFile,
    Endpoint,
    ServerModel,
    ApiKey,
    Models,
    ChannelsPage,
    CompanionPage,
    Companion,
    Chattiness,
    Cooldown,
    Subtitles,
    AudioLanguage,
    SubtitleLanguage,
    PictureSize,
    DataSaver,
    BehindLive,
    Timeshift,
    /// A timer's padding: minutes recorded before and after its programme.
    RecordEarly,
    RecordLate,
    ReminderSwitches,
    SourcesPage,
    RemotePage,
    /// Remote control from other devices (the hub on the LAN).
    Lan,
    /// Show a pairing code for a phone.
    PairPhone,
    /// A new hub token.
    NewToken,
    /// Broadcasting the composed scene: the stream server, its key (shown masked), the size.
    StreamServer,
    StreamKey,
    StreamSize,
    /// A source on the Sources page, by its place in `Form::sources`.
    SourceOn(usize),
    /// The screen's language (the system's, English, German, Spanish).
    UiLanguage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Page {
    #[default]
    Channels,
    Voice,
    Playback,
    Companion,
    Sources,
    Remote,
}

/// The form being edited: a draft of the settings, applied by "Load channels".
#[derive(Resource, Default)]
pub struct Form {
    kind: Kind,
    playlist: String,
    server: String,
    username: String,
    password: String,
    guides: String,
    /// More sources, as typed (space- or comma-separated).
    more: String,
    /// The Sources page's list: each source's key and label (the main one first).
    sources: Vec<(String, String)>,
    /// Sources switched off (kept by "Load channels").
    off: Vec<String>,
    refresh: usize,
    avatar: String,
    /// Which page is showing.
    page: Page,
    llm_file: String,
    endpoint: String,
    server_model: String,
    api_key: String,
    stream_server: String,
    stream_key: String,
    focus: usize,
    /// Typing into the focused row; the value before, for Back.
    pub editing: Option<String>,
    /// A problem with the draft, shown until the next change.
    problem: Option<String>,
    /// Sources' finished-load count when "Load channels" was pressed.
    waiting_for: Option<u64>,
}

impl Form {
    fn rows(&self, voice: &crate::settings::VoiceSettings) -> Vec<Row> {
        if self.page == Page::Companion {
            // The language sits with Lumen: what she says stays in her voice's language.
            return vec![
                Row::UiLanguage,
                Row::Avatar,
                Row::Companion,
                Row::Chattiness,
                Row::Cooldown,
                Row::Subtitles,
                Row::ChannelsPage,
            ];
        }
        if self.page == Page::Remote {
            return vec![
                Row::Lan,
                Row::PairPhone,
                Row::NewToken,
                Row::StreamServer,
                Row::StreamKey,
                Row::StreamSize,
                Row::ChannelsPage,
            ];
        }
        if self.page == Page::Sources {
            let mut rows: Vec<Row> = (0..self.sources.len()).map(Row::SourceOn).collect();
            rows.push(Row::ChannelsPage);
            return rows;
        }
        if self.page == Page::Playback {
            return vec![
                Row::PictureSize,
                Row::DataSaver,
                Row::BehindLive,
                Row::AudioLanguage,
                Row::SubtitleLanguage,
                Row::Timeshift,
                Row::RecordEarly,
                Row::RecordLate,
                Row::ReminderSwitches,
                Row::ChannelsPage,
            ];
        }
        if self.page == Page::Voice {
            let mut rows = vec![Row::Whisper, Row::Threads, Row::Chat];
            if voice.use_server {
                rows.extend([Row::Endpoint, Row::ServerModel, Row::ApiKey]);
            } else {
                rows.push(Row::LlmFile);
            }
            rows.extend([Row::Models, Row::ChannelsPage]);
            return rows;
        }
        let mut rows = vec![Row::Source];
        match self.kind {
            Kind::Demo => {}
            Kind::Playlist => rows.extend([Row::Playlist, Row::MorePlaylists, Row::Guides]),
            Kind::Xtream => rows.extend([
                Row::Server,
                Row::Username,
                Row::Password,
                Row::MorePlaylists,
                Row::Guides,
            ]),
        }
        rows.extend([Row::Refresh, Row::Load]);
        // With more than one source (one alone has nothing to switch between). It sits beside
        // Load channels, on its line, so the tallest form and its message still fit 720p.
        if self.kind != Kind::Demo && !self.more.trim().is_empty() {
            rows.push(Row::SourcesPage);
        }
        // Companion stays last (Up from the top reaches it), Voice third from the end.
        rows.extend([
            Row::RemotePage,
            Row::VoicePage,
            Row::PlaybackPage,
            Row::CompanionPage,
        ]);
        rows
    }
    fn row(&self, voice: &crate::settings::VoiceSettings) -> Row {
        let rows = self.rows(voice);
        rows[self.focus.min(rows.len() - 1)]
    }
    fn text_mut(&mut self, row: Row) -> Option<&mut String> {
        Some(match row {
            Row::Playlist => &mut self.playlist,
            Row::Server => &mut self.server,
            Row::Username => &mut self.username,
            Row::Password => &mut self.password,
            Row::Guides => &mut self.guides,
            Row::MorePlaylists => &mut self.more,
            Row::Avatar => &mut self.avatar,
            Row::LlmFile => &mut self.llm_file,
            Row::Endpoint => &mut self.endpoint,
            Row::ServerModel => &mut self.server_model,
            Row::ApiKey => &mut self.api_key,
            Row::StreamServer => &mut self.stream_server,
            Row::StreamKey => &mut self.stream_key,
            _ => return None,
        })
    }

    /// The draft as a source to try, or what is wrong with it.
    fn spec(&self) -> Result<Spec, String> {
        let list = |s: &str| -> Vec<String> {
            s.split([' ', ',', '\n'])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let guides = list(&self.guides);
        // An Xtream login written as a URL (`xtream://…`) is neither a file nor http(s).
        let more = list(&self.more)
            .iter()
            .map(|p| {
                if prism_core::playlist::xtream::XtreamLogin::from_url(p).is_some() {
                    Ok(p.clone())
                } else {
                    local_or_url(p)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let origin = match self.kind {
            Kind::Demo => {
                return Ok(Spec::default());
            }
            Kind::Playlist => {
                let p = self.playlist.trim();
                if p.is_empty() {
                    return Err(t!("need-playlist"));
                }
                Origin::Playlist(local_or_url(p)?)
            }
            Kind::Xtream => {
                let (server, username, password) = (
                    self.server.trim(),
                    self.username.trim(),
                    self.password.as_str(),
                );
                if server.is_empty() || username.is_empty() || password.is_empty() {
                    return Err(t!("need-xtream"));
                }
                Origin::Xtream(XtreamSettings {
                    server: server.to_owned(),
                    username: username.to_owned(),
                    password: password.to_owned(),
                })
            }
        };
        Ok(Spec {
            origin,
            more,
            off: self.off.clone(),
            epg: guides
                .iter()
                .map(|g| local_or_url(g))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// A URL as typed, or an existing file made absolute (the setting outlives the directory
/// Prism was started from).
fn local_or_url(s: &str) -> Result<String, String> {
    if crate::sources::fetch::is_url(s) {
        return Ok(s.to_owned());
    }
    let path = std::path::Path::new(s);
    match path.canonicalize() {
        Ok(p) if p.is_file() => Ok(p.to_string_lossy().into_owned()),
        _ => Err(t!("no-such-file", path = s)),
    }
}

#[derive(Component)]
struct Panel;

/// A row the mouse can point at.
#[derive(Component)]
struct RowTarget(usize);

/// The mouse: moving over a row focuses it, a click acts like OK on it.
fn pointer(
    rows: Query<(&Interaction, &RowTarget), Changed<Interaction>>,
    moved: MessageReader<CursorMoved>,
    mut form: ResMut<Form>,
    mut nav: MessageWriter<Nav>,
) {
    if form.editing.is_some() {
        return;
    }
    if let Some((row, ok)) = crate::theme::pointed(rows.iter().map(|(i, r)| (*i, r.0)), moved) {
        if form.focus != row {
            form.focus = row;
        }
        if ok {
            nav.write(Nav::Ok);
        }
    }
}

fn open(
    mut acts: MessageReader<Action>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    if acts.read().filter(|a| **a == Action::OpenSettings).count() % 2 == 1 {
        next.set(if *screen.get() == Screen::Settings {
            Screen::Watching
        } else {
            Screen::Settings
        });
    }
}

/// The form starts from the settings in force.
fn fill(settings: Res<Settings>, mut form: ResMut<Form>) {
    let x = settings.xtream.clone();
    *form = Form {
        kind: match Origin::of(&settings) {
            Origin::Xtream(_) => Kind::Xtream,
            Origin::Playlist(_) => Kind::Playlist,
            Origin::Demo => Kind::Demo,
        },
        playlist: settings.playlist.clone().unwrap_or_default(),
        server: x.as_ref().map(|x| x.server.clone()).unwrap_or_default(),
        username: x.as_ref().map(|x| x.username.clone()).unwrap_or_default(),
        password: x.map(|x| x.password).unwrap_or_default(),
        guides: settings.epg.join(" "),
        more: settings.more_sources.join(" "),
        off: settings.sources_off.clone(),
        refresh: REFRESH
            .iter()
            .position(|&h| h == settings.refresh_hours)
            .unwrap_or(2),
        avatar: settings.avatar.clone().unwrap_or_default(),
        llm_file: settings.voice.llm_model.clone().unwrap_or_default(),
        endpoint: settings.voice.endpoint.clone(),
        server_model: settings.voice.server_model.clone(),
        api_key: settings.voice.api_key.clone(),
        stream_server: settings.broadcast.server.clone(),
        stream_key: settings.broadcast.key.clone(),
        ..default()
    };
}

fn spawn(mut commands: Commands) {
    commands.spawn((
        Panel,
        DespawnOnExit(Screen::Settings),
        Node {
            position_type: PositionType::Absolute,
            left: percent(12),
            right: percent(12),
            // Compact enough for the tallest form (an Xtream login and the avatar) at 720p.
            top: percent(3),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(28), px(14)),
            row_gap: px(4),
            border_radius: BorderRadius::all(px(18)),
            ..default()
        },
        BackgroundColor(theme::PANEL),
    ));
}

/// Typing into a text row: characters as the keyboard layout gives them, Backspace, Delete
/// (clears the row), and OK (or Tab) to finish; Back restores what was there.
fn edit(
    mut edits: MessageReader<Edit>,
    mut form: ResMut<Form>,
    mut settings: ResMut<Settings>,
    mut acts: MessageWriter<crate::lumen::Act>,
    mut capture: ResMut<TextCapture>,
) {
    let Some(before) = form.editing.clone().filter(|_| capture.is(Field::Settings)) else {
        edits.clear();
        return;
    };
    // Touch the form only when a key did something (a touched form is redrawn).
    if edits.is_empty() {
        return;
    }
    let row = form.row(&settings.voice);
    let Some(field) = form.text_mut(row) else {
        form.editing = None;
        capture.end(Field::Settings);
        edits.clear();
        return;
    };
    let mut done = false;
    let mut typed = false;
    for e in edits.read() {
        match e {
            Edit::Text(t) => {
                field.push_str(t);
                typed = true;
            }
            Edit::Backspace => {
                field.pop();
            }
            Edit::Clear => field.clear(),
            Edit::Done => done = true,
            Edit::Cancel => {
                *field = before.clone();
                done = true;
            }
        }
        if done {
            break;
        }
    }
    edits.clear();
    if done || typed {
        form.problem = None;
    }
    if done {
        form.editing = None;
        capture.end(Field::Settings);
        // A new avatar file loads at once (empty: Lumen); the mascot keeps the current one
        // and says why if it cannot use it.
        if row == Row::Avatar && form.avatar != before {
            let path = form.avatar.trim();
            acts.write(crate::lumen::Act::Load(
                (!path.is_empty()).then(|| std::path::PathBuf::from(path)),
            ));
        }
        // Chat settings apply when the typing is done (the voice plugin restarts chat).
        let text = form.text_mut(row).map(|t| t.trim().to_owned());
        // The stream server is checked as it is left: a bad one says why (never quoting the
        // key) and is kept for fixing; the next F9 says the same.
        if row == Row::StreamServer || row == Row::StreamKey {
            let b = &mut settings.broadcast;
            match (row, text.clone()) {
                (Row::StreamServer, Some(t)) if b.server != t => b.server = t,
                (Row::StreamKey, Some(t)) if b.key != t => b.key = t,
                _ => {}
            }
            if !b.server.is_empty()
                && let Err(e) = prism_core::scene::output::stream_url(&b.server, &b.key)
            {
                form.problem = Some(e.to_string());
            }
        }
        let v = &mut settings.voice;
        match (row, text) {
            (Row::LlmFile, Some(t)) => {
                let t = if t.is_empty() {
                    t
                } else {
                    std::path::absolute(&t).map_or(t, |p| p.display().to_string())
                };
                let file = (!t.is_empty()).then_some(t);
                if v.llm_model != file {
                    v.llm_model = file;
                }
            }
            (Row::Endpoint, Some(t)) if v.endpoint != t => v.endpoint = t,
            (Row::ServerModel, Some(t)) if v.server_model != t => v.server_model = t,
            (Row::ApiKey, Some(t)) if v.api_key != t => v.api_key = t,
            _ => {}
        }
    }
}

fn navigate(
    mut nav: MessageReader<Nav>,
    mut form: ResMut<Form>,
    mut reload: MessageWriter<Reload>,
    mut settings: ResMut<Settings>,
    sources: Res<Sources>,
    (mut next, mut install, mut cmds, mut capture, mut hub): (
        ResMut<NextState<Screen>>,
        ResMut<Install>,
        MessageWriter<crate::tv::Cmd>,
        ResMut<TextCapture>,
        MessageWriter<crate::settings::HubAction>,
    ),
) {
    if form.editing.is_some() {
        nav.clear();
        return;
    }
    for n in nav.read() {
        let len = form.rows(&settings.voice).len();
        let row = form.row(&settings.voice);
        let step =
            |i: usize, n: usize, by: isize| (i as isize + by).rem_euclid(n as isize) as usize;
        match (n, row) {
            (Nav::Up, _) => form.focus = step(form.focus.min(len - 1), len, -1),
            (Nav::Down, _) => form.focus = step(form.focus.min(len - 1), len, 1),
            (Nav::Left | Nav::Right | Nav::Ok, Row::Source) => {
                let by = if *n == Nav::Left { -1 } else { 1 };
                let kinds = [Kind::Demo, Kind::Playlist, Kind::Xtream];
                let i = kinds.iter().position(|&k| k == form.kind).unwrap_or(0);
                form.kind = kinds[step(i, kinds.len(), by)];
                form.problem = None;
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Refresh) => {
                let by = if *n == Nav::Left { -1 } else { 1 };
                form.refresh = step(form.refresh, REFRESH.len(), by);
                // Not a source: it applies at once.
                settings.refresh_hours = REFRESH[form.refresh];
            }
            // The page links are side by side: Left and Right move between them.
            (Nav::Right, Row::RemotePage | Row::VoicePage | Row::PlaybackPage)
            | (Nav::Left, Row::VoicePage | Row::PlaybackPage | Row::CompanionPage) => {
                form.focus = step(
                    form.focus.min(len - 1),
                    len,
                    if *n == Nav::Right { 1 } else { -1 },
                );
            }
            (
                Nav::Ok,
                Row::VoicePage
                | Row::ChannelsPage
                | Row::PlaybackPage
                | Row::CompanionPage
                | Row::RemotePage,
            ) => {
                form.page = match row {
                    Row::VoicePage => Page::Voice,
                    Row::PlaybackPage => Page::Playback,
                    Row::CompanionPage => Page::Companion,
                    Row::RemotePage => Page::Remote,
                    _ => Page::Channels,
                };
                form.focus = 0;
            }
            (Nav::Ok, Row::SourcesPage) => {
                form.sources = crate::sources::listed(&settings);
                form.page = Page::Sources;
                form.focus = 0;
            }
            // A source switched on or off applies at once: the lineup reloads without it (the
            // channel on screen keeps playing if it came from another source).
            (Nav::Left | Nav::Right | Nav::Ok, Row::SourceOn(i)) => {
                if let Some((key, _)) = form.sources.get(i).cloned() {
                    let off = &mut settings.sources_off;
                    if off.contains(&key) {
                        off.retain(|k| *k != key);
                    } else {
                        off.push(key);
                    }
                    form.off = off.clone();
                    reload.write(Reload::Refresh);
                }
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Lan) => {
                settings.remote_lan = !settings.remote_lan;
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::StreamSize) => {
                let b = &mut settings.broadcast;
                b.size = next_of(&["720p", "1080p"], &b.size.as_str(), *n).to_owned();
            }
            (Nav::Ok, Row::PairPhone) => {
                hub.write(crate::settings::HubAction::PairPhone);
            }
            (Nav::Ok, Row::NewToken) => {
                hub.write(crate::settings::HubAction::NewToken);
                form.problem = Some(t!("new-token-done"));
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Companion) => {
                settings.companion.on = !settings.companion.on;
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Chattiness) => {
                use prism_core::companion::scheduler::Chattiness as C;
                let c = &mut settings.companion;
                c.chattiness = next_of(&[C::Off, C::ReactionsOnly, C::Chatty], &c.chattiness, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Cooldown) => {
                let c = &mut settings.companion;
                c.cooldown_s = next_of(&COOLDOWN, &c.cooldown_s, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Subtitles) => {
                cmds.write(crate::tv::Cmd(prism_core::MediaCommand::Subtitles {
                    on: !settings.subtitles,
                }));
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::PictureSize) => {
                let st = &mut settings.stream;
                st.max_height = next_of(&HEIGHTS, &st.max_height, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::DataSaver) => {
                settings.stream.data_saver = !settings.stream.data_saver;
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::BehindLive) => {
                let st = &mut settings.stream;
                st.behind_live_s = next_of(&BEHIND, &st.behind_live_s, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Timeshift) => {
                // Off, or a length: one row, from the next channel on.
                let st = &mut settings.stream;
                let now = if st.timeshift {
                    st.timeshift_minutes
                } else {
                    0
                };
                let next = next_of(&BUFFER, &now, *n);
                st.timeshift = next > 0;
                if next > 0 {
                    st.timeshift_minutes = next;
                }
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::RecordEarly) => {
                settings.record_early_min = next_of(&PADDING, &settings.record_early_min, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::RecordLate) => {
                settings.record_late_min = next_of(&PADDING, &settings.record_late_min, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::UiLanguage) => {
                const UI: [&str; 4] = ["", "en", "de", "es"];
                settings.language = next_of(&UI, &settings.language.as_str(), *n).to_owned();
                // At once: this page redraws in the new language.
                crate::i18n::set_language(&settings.language);
                form.set_changed();
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::ReminderSwitches) => {
                settings.reminder_switches = !settings.reminder_switches;
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::AudioLanguage | Row::SubtitleLanguage) => {
                let list = if row == Row::AudioLanguage {
                    &mut settings.tracks.audio_languages
                } else {
                    &mut settings.tracks.subtitle_languages
                };
                let now = list.first().map_or("", String::as_str);
                let next = next_of(&LANGUAGES, &now, *n);
                *list = if next.is_empty() {
                    Vec::new()
                } else {
                    vec![next.to_owned()]
                };
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Whisper) => {
                let v = &mut settings.voice;
                v.whisper = next_of(&WHISPER, &v.whisper.as_str(), *n).to_owned();
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Threads) => {
                let v = &mut settings.voice;
                v.stt_threads = next_of(&THREADS, &v.stt_threads, *n);
            }
            (Nav::Left | Nav::Right | Nav::Ok, Row::Chat) => {
                settings.voice.use_server = !settings.voice.use_server;
                form.set_changed();
            }
            (Nav::Ok, Row::Models) => install.start(&settings.voice.whisper),
            (Nav::Ok, Row::Load) => match form.spec() {
                Ok(spec) => {
                    form.problem = None;
                    form.waiting_for = Some(sources.finished);
                    reload.write(Reload::Try(spec));
                }
                Err(e) => form.problem = Some(e),
            },
            (Nav::Ok, _) => {
                let before = form.text_mut(row).map(|s| s.clone());
                if before.is_some() {
                    capture.begin(Field::Settings);
                }
                form.editing = before;
            }
            (Nav::Back, _) if form.page != Page::Channels => {
                form.page = Page::Channels;
                form.focus = 0;
            }
            (Nav::Back, _) => next.set(Screen::Watching),
            _ => {}
        }
    }
}

fn on_off(on: bool) -> String {
    if on {
        t!("switch-on")
    } else {
        t!("switch-off")
    }
}

/// The choice after `current` (before it for Left), wrapping; the first if `current` is not one.
fn next_of<T: PartialEq + Copy>(choices: &[T], current: &T, n: Nav) -> T {
    let i = choices.iter().position(|c| c == current).unwrap_or(0) as isize;
    let by = if n == Nav::Left { -1 } else { 1 };
    choices[(i + by).rem_euclid(choices.len() as isize) as usize]
}

/// After "Load channels": back to the TV once the new channels are in; on failure the screen
/// stays, with the reason.
fn follow_load(mut form: ResMut<Form>, sources: Res<Sources>, mut next: ResMut<NextState<Screen>>) {
    let Some(mark) = form.waiting_for else { return };
    if sources.finished == mark || sources.trying() {
        return;
    }
    form.waiting_for = None;
    match sources.outcome.as_ref().map(|o| &o.result) {
        Some(Ok(_)) => next.set(Screen::Watching),
        Some(Err(e)) => form.problem = Some(t!("load-failed", error = e.as_str())),
        None => {}
    }
}

/// Models installed from here wake the voice up with them.
fn follow_install(
    install: Res<Install>,
    mut seen: Local<u64>,
    mut restart: MessageWriter<crate::voice::RestartVoice>,
) {
    let n = install.finished();
    if n != *seen {
        *seen = n;
        restart.write(crate::voice::RestartVoice);
    }
}

fn redraw(
    mut commands: Commands,
    form: Res<Form>,
    sources: Res<Sources>,
    settings: Res<Settings>,
    install: Res<Install>,
    heard: Option<Res<crate::voice::Voice>>,
    (panel, tv): (Query<Entity, With<Panel>>, Option<Res<crate::tv::Tv>>),
    mut last_status: Local<Option<String>>,
) {
    let Ok(panel) = panel.single() else {
        *last_status = None;
        return;
    };
    let voice = &settings.voice;
    let rows = form.rows(voice);
    let models_line = if form.page == Page::Voice {
        install.line(&voice.whisper)
    } else {
        String::new()
    };
    let status = if form.waiting_for.is_some() {
        crate::sources::loading_line(&sources).unwrap_or_default()
    } else if let Some(p) = &form.problem {
        p.clone()
    } else if form.page == Page::Voice {
        // What the workers say about the settings just chosen.
        heard
            .as_ref()
            .map(|v| v.report.status.clone())
            .unwrap_or_default()
    } else {
        String::new()
    };
    // A finished load changes what the Sources page says of each source.
    let status_key = format!("{status}\n{models_line}\n{}", sources.finished);
    // Redraw when the form changed, the loading line moved on, or the panel is new.
    if !form.is_changed() && !settings.is_changed() && last_status.as_ref() == Some(&status_key) {
        return;
    }
    *last_status = Some(status_key);
    let focus = form.focus.min(rows.len() - 1);
    commands.entity(panel).despawn_children();
    commands.entity(panel).with_children(|p| {
        p.spawn((
            Text::new(match form.page {
                Page::Voice => t!("voice-settings-title"),
                Page::Companion => t!("companion-settings-title"),
                Page::Playback => t!("playback-settings-title"),
                Page::Sources => t!("sources-settings-title"),
                Page::Remote => t!("remote-settings-title"),
                Page::Channels => t!("settings-title"),
            }),
            TextFont::from_font_size(32.0),
            TextColor(theme::ACCENT),
            Node {
                margin: UiRect::bottom(px(6)),
                ..default()
            },
        ));
        let mut links = Vec::new();
        let mut group = Vec::new();
        for (i, &row) in rows.iter().enumerate() {
            let focused = i == focus;
            let editing = focused && form.editing.is_some();
            let (label, value) = match row {
                Row::Source => (
                    t!("setting-source"),
                    format!(
                        "<  {}  >",
                        match form.kind {
                            Kind::Demo => t!("source-demo"),
                            Kind::Playlist => t!("source-playlist"),
                            Kind::Xtream => t!("source-xtream"),
                        }
                    ),
                ),
                Row::Playlist => (t!("setting-playlist"), form.playlist.clone()),
                Row::Server => (t!("setting-server"), form.server.clone()),
                Row::Username => (t!("setting-username"), form.username.clone()),
                Row::Password => (
                    t!("setting-password"),
                    "*".repeat(form.password.chars().count()),
                ),
                Row::Guides => (t!("setting-guides"), form.guides.clone()),
                Row::MorePlaylists => (t!("setting-more-playlists"), form.more.clone()),
                Row::SourcesPage => {
                    let all = crate::sources::listed(&settings);
                    let on = all
                        .iter()
                        .filter(|(k, _)| !settings.sources_off.contains(k))
                        .count();
                    (
                        String::new(),
                        t!("sources-page", on = on, total = all.len()),
                    )
                }
                Row::SourceOn(i) => {
                    let (key, label) = form.sources.get(i).cloned().unwrap_or_default();
                    let report = tv
                        .as_ref()
                        .and_then(|tv| tv.lineup.as_ref())
                        .and_then(|l| l.sources.iter().find(|r| r.key == key));
                    let value = if settings.sources_off.contains(&key) {
                        t!("switch-off")
                    } else {
                        match report.and_then(|r| r.result.as_ref()) {
                            Some(Ok(n)) => t!("source-channels", channels = n),
                            Some(Err(e)) => {
                                // The label above already names the source.
                                let e = e.strip_prefix(&format!("{key}: ")).unwrap_or(e);
                                t!("source-failed", error = prism_core::text::clip(e, 60))
                            }
                            None => t!("switch-on"),
                        }
                    };
                    (label, format!("<  {value}  >"))
                }
                Row::Refresh => (
                    t!("setting-refresh"),
                    format!(
                        "<  {}  >",
                        match REFRESH[form.refresh] {
                            0 => t!("refresh-never"),
                            h => t!("refresh-hours", hours = h),
                        }
                    ),
                ),
                Row::Load => (String::new(), t!("load-channels")),
                Row::Avatar => (t!("setting-avatar"), form.avatar.clone()),
                Row::VoicePage => (String::new(), t!("voice-page")),
                Row::PlaybackPage => (String::new(), t!("playback-page")),
                Row::ChannelsPage => (String::new(), t!("channels-page")),
                Row::Whisper => (
                    t!("setting-whisper"),
                    format!("<  {}  >", voice.whisper.trim_start_matches("whisper-")),
                ),
                Row::Threads => (
                    t!("setting-stt-threads"),
                    format!(
                        "<  {}  >",
                        match voice.stt_threads {
                            0 => t!("threads-auto"),
                            n => n.to_string(),
                        }
                    ),
                ),
                Row::Chat => (
                    t!("setting-chat"),
                    format!(
                        "<  {}  >",
                        if voice.use_server {
                            t!("chat-server")
                        } else {
                            t!("chat-local")
                        }
                    ),
                ),
                Row::LlmFile => (t!("setting-llm-file"), form.llm_file.clone()),
                Row::Endpoint => (t!("setting-endpoint"), form.endpoint.clone()),
                Row::ServerModel => (t!("setting-server-model"), form.server_model.clone()),
                Row::ApiKey => (
                    t!("setting-api-key"),
                    "*".repeat(form.api_key.chars().count()),
                ),
                Row::Models => (t!("setting-models"), models_line.clone()),
                Row::CompanionPage => (String::new(), t!("companion-page")),
                Row::RemotePage => (String::new(), t!("remote-page")),
                Row::Lan => (
                    t!("setting-remote-lan"),
                    format!(
                        "<  {}  >",
                        if settings.remote_lan {
                            t!("remote-lan-on")
                        } else {
                            t!("switch-off")
                        }
                    ),
                ),
                Row::PairPhone => (String::new(), t!("pair-phone")),
                Row::StreamServer => (
                    t!("setting-stream-server"),
                    // A key written into the URL is not shown.
                    if form.stream_key.is_empty() && !form.stream_server.is_empty() {
                        prism_core::scene::output::redact(&form.stream_server)
                    } else {
                        form.stream_server.clone()
                    },
                ),
                Row::StreamKey => (
                    t!("setting-stream-key"),
                    "*".repeat(form.stream_key.chars().count()),
                ),
                Row::StreamSize => (
                    t!("setting-stream-size"),
                    format!("<  {}  >", settings.broadcast.size),
                ),
                Row::NewToken => (String::new(), t!("new-token")),
                Row::Companion => (
                    t!("setting-companion"),
                    format!("<  {}  >", on_off(settings.companion.on)),
                ),
                Row::Chattiness => (
                    t!("setting-chattiness"),
                    format!(
                        "<  {}  >",
                        match settings.companion.chattiness {
                            prism_core::companion::scheduler::Chattiness::Off => {
                                t!("chattiness-off")
                            }
                            prism_core::companion::scheduler::Chattiness::ReactionsOnly => {
                                t!("chattiness-reactions")
                            }
                            prism_core::companion::scheduler::Chattiness::Chatty => {
                                t!("chattiness-chatty")
                            }
                        }
                    ),
                ),
                Row::Cooldown => (
                    t!("setting-cooldown"),
                    format!(
                        "<  {}  >",
                        t!("cooldown-seconds", seconds = settings.companion.cooldown_s)
                    ),
                ),
                Row::Subtitles => (
                    t!("setting-subtitles"),
                    format!("<  {}  >", on_off(settings.subtitles)),
                ),
                Row::PictureSize => (
                    t!("setting-picture-size"),
                    format!(
                        "<  {}  >",
                        match settings.stream.max_height {
                            0 => t!("picture-best"),
                            h => t!("picture-lines", lines = h),
                        }
                    ),
                ),
                Row::DataSaver => (
                    t!("setting-data-saver"),
                    format!("<  {}  >", on_off(settings.stream.data_saver)),
                ),
                Row::Timeshift => (
                    t!("setting-timeshift"),
                    format!(
                        "<  {}  >",
                        match (settings.stream.timeshift, settings.stream.timeshift_minutes) {
                            (false, _) => t!("switch-off"),
                            (true, m) if m % 60 == 0 => t!("buffer-hours", hours = m / 60),
                            (true, m) => t!("buffer-minutes", minutes = m),
                        }
                    ),
                ),
                Row::RecordEarly => (
                    t!("setting-record-early"),
                    format!(
                        "<  {}  >",
                        t!("padding-minutes", minutes = settings.record_early_min)
                    ),
                ),
                Row::RecordLate => (
                    t!("setting-record-late"),
                    format!(
                        "<  {}  >",
                        t!("padding-minutes", minutes = settings.record_late_min)
                    ),
                ),
                Row::UiLanguage => {
                    let name = match settings.language.as_str() {
                        "" => t!("language-system"),
                        l => prism_core::tracks::language(l)
                            .map_or_else(|| l.to_owned(), |l| l.native.to_owned()),
                    };
                    let screen = crate::i18n::screen_language();
                    // Lumen's voice is English: said where the screen is not.
                    let note = if screen.starts_with("en") {
                        String::new()
                    } else {
                        format!("   {}", t!("language-voice-stays"))
                    };
                    (t!("setting-language"), format!("<  {name}  >{note}"))
                }
                Row::ReminderSwitches => (
                    t!("setting-reminder-switches"),
                    format!("<  {}  >", on_off(settings.reminder_switches)),
                ),
                Row::BehindLive => (
                    t!("setting-behind-live"),
                    format!(
                        "<  {}  >",
                        match settings.stream.behind_live_s {
                            0 => t!("behind-live-edge"),
                            s => t!("cooldown-seconds", seconds = s),
                        }
                    ),
                ),
                Row::AudioLanguage | Row::SubtitleLanguage => {
                    let (label, list) = if row == Row::AudioLanguage {
                        (
                            t!("setting-audio-language"),
                            &settings.tracks.audio_languages,
                        )
                    } else {
                        (
                            t!("setting-subtitle-language"),
                            &settings.tracks.subtitle_languages,
                        )
                    };
                    let name = list
                        .first()
                        .and_then(|c| prism_core::tracks::language(c))
                        .map_or_else(|| t!("language-stream"), |l| l.native.to_owned());
                    (label, format!("<  {name}  >"))
                }
            };
            let value = if editing {
                format!("{value}_")
            } else if matches!(row, Row::MorePlaylists | Row::Guides) && value.chars().count() > 64
            {
                // Several long paths or URLs: one line here (OK shows them all to edit), so
                // the tallest form still fits 720p.
                format!("{}…", prism_core::text::clip(&value, 63))
            } else if value.is_empty() && row == Row::Avatar {
                t!("avatar-lumen")
            } else if value.is_empty() && row == Row::LlmFile {
                t!("llm-file-default")
            } else if value.is_empty() && row == Row::ApiKey {
                t!("api-key-none")
            } else if value.is_empty() {
                t!("empty-field")
            } else {
                value
            };
            let link = matches!(
                row,
                Row::VoicePage | Row::PlaybackPage | Row::CompanionPage | Row::RemotePage
            );
            if link && form.page == Page::Channels {
                // The page links sit side by side, like tabs (and keep the tallest form,
                // an Xtream login, within 720p).
                links.push((i, row, (focused, editing), label, value));
                continue;
            }
            // Rows that share a line (the user name and password; how often to refresh,
            // Load channels and the Sources page link; a timer's two paddings), so the
            // tallest form and a two-line message fit 720p.
            let line = |r: Option<&Row>| match r {
                Some(Row::Username | Row::Password) => Some(1),
                Some(Row::Refresh | Row::Load | Row::SourcesPage) => Some(2),
                Some(Row::RecordEarly | Row::RecordLate) => Some(3),
                _ => None,
            };
            if line(Some(&row)).is_some() {
                group.push((i, row, (focused, editing), label, value));
                if line(rows.get(i + 1)) == line(Some(&row)) {
                    continue;
                }
                let members = std::mem::take(&mut group);
                if members.len() == 1 {
                    let (i, row, state, label, value) = members.into_iter().next().unwrap();
                    spawn_row(p, i, row, state, label, value, false);
                    continue;
                }
                p.spawn(Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(12),
                    margin: UiRect::top(px(if row == Row::SourcesPage || row == Row::Load {
                        8.0
                    } else {
                        0.0
                    })),
                    ..default()
                })
                .with_children(|l| {
                    for (i, row, state, label, value) in members {
                        // The text fields and Load share what is left; a choice and a link
                        // take their own width.
                        let grows = matches!(
                            row,
                            Row::Username
                                | Row::Password
                                | Row::Load
                                | Row::RecordEarly
                                | Row::RecordLate
                        );
                        l.spawn(Node {
                            flex_direction: FlexDirection::Column,
                            // A one-line row beside a two-line one sits in its middle.
                            justify_content: JustifyContent::Center,
                            flex_grow: if grows { 1.0 } else { 0.0 },
                            // The user name and password share the line equally; nothing
                            // else is squeezed below its text ("Load channels" on one line).
                            flex_basis: if row == Row::Load || !grows {
                                Val::Auto
                            } else {
                                px(0)
                            },
                            flex_shrink: if row == Row::Load || !grows { 0.0 } else { 1.0 },
                            ..default()
                        })
                        .with_children(|w| spawn_row(w, i, row, state, label, value, true));
                    }
                });
                continue;
            }
            spawn_row(p, i, row, (focused, editing), label, value, false);
        }
        if !links.is_empty() {
            p.spawn(Node {
                flex_direction: FlexDirection::Row,
                column_gap: px(12),
                margin: UiRect::top(px(8)),
                ..default()
            })
            .with_children(|tabs| {
                for (i, row, state, label, value) in links {
                    spawn_row(tabs, i, row, state, label, value, false);
                }
            });
        }
        // An empty status takes no line: the Xtream form with both page links fits 720p.
        if !status.is_empty() {
            p.spawn((
                Text::new(status),
                TextFont::from_font_size(24.0),
                TextColor(if form.problem.is_some() {
                    theme::WARN
                } else {
                    theme::TEXT
                }),
                Node {
                    margin: UiRect::top(px(if form.page == Page::Voice { 2.0 } else { 10.0 })),
                    ..default()
                },
            ));
        }
        p.spawn((
            Text::new(if form.editing.is_some() {
                t!("settings-hint-editing")
            } else {
                t!("settings-hint")
            }),
            TextFont::from_font_size(22.0),
            TextColor(theme::DIM),
        ));
    });
}

/// One row of the settings panel.
fn spawn_row(
    p: &mut ChildSpawnerCommands,
    i: usize,
    row: Row,
    (focused, editing): (bool, bool),
    label: String,
    value: String,
    // On a line with others: the line keeps the spacing.
    grouped: bool,
) {
    p.spawn((
        RowTarget(i),
        Interaction::default(),
        Node {
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(18), px(4)),
            border: UiRect::all(px(3)),
            border_radius: BorderRadius::all(px(10)),
            margin: UiRect::top(px(
                if !grouped && matches!(row, Row::Load | Row::Avatar | Row::Models) {
                    8.0
                } else {
                    0.0
                },
            )),
            ..default()
        },
        BackgroundColor(if focused { theme::SELECTED } else { theme::ROW }),
        BorderColor::all(match (focused, editing) {
            (_, true) => theme::ACCENT,
            (true, false) => theme::FOCUS,
            _ => Color::NONE,
        }),
    ))
    .with_children(|r| {
        if !label.is_empty() {
            r.spawn((
                Text::new(label),
                TextFont::from_font_size(17.0),
                TextColor(if focused { theme::TEXT } else { theme::DIM }),
            ));
        }
        r.spawn((
            Text::new(value),
            TextFont::from_font_size(24.0),
            TextColor(theme::TEXT),
        ));
    });
}
