//! Settings and state that survive a restart (volume, mute, last channel, favourites, the user's
//! playlist and guides), as TOML in the platform config dir, written atomically.

use std::path::PathBuf;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::t;

pub fn plugin(app: &mut App) {
    // `main` may have inserted them already, with the command line's sources applied.
    if !app.world().contains_resource::<Settings>() {
        let (settings, file) = Settings::read();
        app.insert_resource(settings).insert_resource(file);
    }
    app.init_resource::<SettingsFile>();
    // A file with problems stays as the user wrote it until the first save, which keeps a copy
    // of it beside the new one: nothing they wrote is lost to a typo.
    let aside: Aside = std::sync::Arc::new(std::sync::Mutex::new(
        app.world().resource::<SettingsFile>().original.clone(),
    ));
    let (tx, rx) = std::sync::mpsc::channel::<Settings>();
    // Saving touches the disk (two fsyncs and a rename: a slow disk is slow): a thread
    // of its own, writing the newest settings it has been sent.
    std::thread::Builder::new()
        .name("settings".into())
        .spawn({
            let aside = aside.clone();
            move || {
                while let Ok(mut s) = rx.recv() {
                    while let Ok(newer) = rx.try_recv() {
                        s = newer;
                    }
                    keep_aside(&aside);
                    if let Err(e) = s.save() {
                        warn!("could not save settings: {e}");
                    }
                }
            }
        })
        .expect("spawn the settings thread");
    app.insert_resource(Saver {
        tx: std::sync::Mutex::new(tx),
        aside,
    })
    .add_systems(Last, save_when_changed);
}

/// What reading `settings.toml` found: the fields that could not be read (each kept at what it
/// says was used instead) and unknown keys, for the screen; and the file's bytes when it had
/// problems, kept aside before the first save rewrites it.
#[derive(Resource, Debug, Clone, Default)]
pub struct SettingsFile {
    /// There was a file (none: a first run).
    pub existed: bool,
    pub problems: Vec<prism_core::settings_file::Problem>,
    pub original: Option<Vec<u8>>,
}

/// One problem in words, with its line (English in the log, the UI language on screen).
pub fn describe(p: &prism_core::settings_file::Problem) -> String {
    use prism_core::settings_file::Fault;
    // toml's messages can run over lines; a toast line cannot.
    let message = p
        .message
        .split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    let line = p.line as i64;
    match (p.fault, &p.used) {
        (Fault::Unknown, _) => t!("settings-unknown", line = line, key = p.key.as_str()),
        (Fault::Syntax, _) if p.key.is_empty() => {
            t!("settings-syntax", line = line, message = message.as_str())
        }
        (_, Some(used)) => t!(
            "settings-used",
            line = line,
            key = p.key.as_str(),
            message = message.as_str(),
            used = used.as_str()
        ),
        (_, None) => t!(
            "settings-unset",
            line = line,
            key = p.key.as_str(),
            message = message.as_str()
        ),
    }
}

/// What the settings' Remote page asks of the hub (which follows `Settings::remote_lan` itself).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubAction {
    /// Show a pairing code (and its QR code) for a phone.
    PairPhone,
    /// A new token: every phone and agent paired with the old one must pair again.
    NewToken,
}

#[derive(Resource, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub volume: u8,
    pub muted: bool,
    pub last_channel: Option<String>,
    /// Favourite channels by `Channel::identity` (a provider's renames and new URLs keep
    /// them); names from before are still read.
    pub favourites: Vec<String>,
    /// Groups the viewer hid (H on the group in the channel list): their channels leave the
    /// channel list's "All" and the zapping order, and stay under the group itself.
    pub hidden_groups: Vec<String>,
    /// Channels watched, most recent first (at most [`RECENT`]).
    pub recent: Vec<String>,
    /// A playlist file or URL; none (and no Xtream login) means the embedded demo lineup.
    pub playlist: Option<String>,
    /// An Xtream Codes login, used instead of `playlist` when set.
    pub xtream: Option<XtreamSettings>,
    /// More sources merged into the lineup after the main one: M3U playlists (files or URLs)
    /// and Xtream logins written as URLs (`…/get.php?username=…`, `xtream://user:pass@host`),
    /// each with its own guides. A channel they share becomes one channel with backups.
    #[serde(alias = "more_playlists")]
    pub more_sources: Vec<String>,
    /// Sources switched off on the Sources page (by `sources::source_key`): kept in
    /// the settings, left out of the lineup.
    pub sources_off: Vec<String>,
    pub epg: Vec<String>,
    /// The user's own guide mapping: a channel's tvg-id (or name) → the guide channel's id. It
    /// wins over every automatic pass.
    pub guide_map: std::collections::BTreeMap<String, String>,
    /// The window fills the screen (F11, double-click), remembered across starts.
    pub fullscreen: bool,
    /// Reload the playlist and guides this often while Prism runs (0 = only at start).
    pub refresh_hours: u32,
    /// A VRM file for the mascot; none means Lumen, Prism's own.
    pub avatar: Option<String>,
    pub lumen: LumenSettings,
    /// How the picture and Lumen are arranged: a shipped layout ("tv", "lumen-big",
    /// "side-by-side") or "custom" for the config folder's `layout.toml` (Z goes through them).
    pub layout: String,
    pub voice: VoiceSettings,
    /// Show the stream's captions.
    pub subtitles: bool,
    /// The languages wanted for sound and subtitles, and each channel's own choice.
    pub tracks: TrackSettings,
    /// The picture size cap, data saver, and how far behind live to start.
    pub stream: StreamSettings,
    pub companion: CompanionSettings,
    pub parental: ParentalSettings,
    /// Programmes to be reminded of (the grid's OK on a later programme, "remind me when...").
    pub reminders: prism_core::reminders::Reminders,
    /// A reminder switches to its channel when the programme starts (else it offers: OK
    /// switches).
    pub reminder_switches: bool,
    /// Where recordings go (`None`: `$PRISM_RECORDINGS`, else Videos/Prism).
    pub recordings: Option<PathBuf>,
    /// A timer starts recording this many minutes before its programme (guides run late and
    /// early)...
    pub record_early_min: u32,
    /// ...and stops this many after it.
    pub record_late_min: u32,
    /// Remote control from other devices: the hub listens on the LAN too (unencrypted), not
    /// only on loopback.
    pub remote_lan: bool,
    /// Where the composed scene is streamed (F9) and how big.
    pub broadcast: BroadcastSettings,
    /// The first run's welcome was seen (and is not shown again).
    pub welcomed: bool,
    /// The screen's language (`en`, `de`, `es`); empty: the system's (`LC_ALL`, `LANG`…).
    pub language: String,
}

/// The stream server for broadcasting the composed scene. The key is a secret: kept in the
/// settings file like the Xtream password (mode 0600) and never logged (`Debug` hides it).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BroadcastSettings {
    /// The service's ingest URL: `rtmp://…` or `rtmps://…` (the key may be its last segment).
    pub server: String,
    pub key: String,
    /// "720p" (the default) or "1080p".
    pub size: String,
}

impl Default for BroadcastSettings {
    fn default() -> Self {
        Self {
            server: String::new(),
            key: String::new(),
            size: "720p".into(),
        }
    }
}

impl std::fmt::Debug for BroadcastSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BroadcastSettings")
            .field("server", &prism_core::scene::output::redact(&self.server))
            .field("key", &if self.key.is_empty() { "" } else { "•••" })
            .field("size", &self.size)
            .finish()
    }
}

impl Settings {
    /// Where recordings go: the setting, else `$PRISM_RECORDINGS`, else the default.
    pub fn recordings_dir(&self) -> PathBuf {
        self.recordings.clone().unwrap_or_else(recordings_dir)
    }
}

/// Channels a parent locks behind a PIN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParentalSettings {
    /// The PIN, sealed (`prism_core::parental::seal`); none until one is chosen.
    pub pin: Option<String>,
    /// Groups locked by hand (P on the group in the channel list).
    pub locked_groups: Vec<String>,
    /// Channels the provider marks for adults are locked (on unless turned off).
    pub lock_adult: bool,
}

impl Default for ParentalSettings {
    fn default() -> Self {
        Self {
            pin: None,
            locked_groups: Vec::new(),
            lock_adult: true,
        }
    }
}

/// How adaptive streams are played (applied from the next channel on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSettings {
    /// The tallest picture to fetch, in lines (0: any).
    pub max_height: u32,
    /// The smallest variant that will do: at most 1.5 Mbit/s.
    pub data_saver: bool,
    /// Start this many seconds behind the live edge (more buffer, more delay).
    pub behind_live_s: u32,
    /// Pause and rewind live TV: the channel playing is buffered on disk.
    pub timeshift: bool,
    /// How far back the buffer reaches, in minutes.
    pub timeshift_minutes: u32,
    /// The most disk the buffer may use, in GB.
    pub timeshift_gb: u32,
}

impl Default for StreamSettings {
    fn default() -> Self {
        let limits = prism_core::timeshift::Limits::default();
        Self {
            max_height: 0,
            data_saver: false,
            behind_live_s: 0,
            timeshift: true,
            timeshift_minutes: (limits.seconds / 60.0) as u32,
            timeshift_gb: (limits.bytes >> 30) as u32,
        }
    }
}

impl StreamSettings {
    /// The time-shift buffer the player is told to keep (`None`: off).
    pub fn timeshift(&self) -> Option<prism_media::TimeshiftOptions> {
        self.timeshift.then(|| prism_media::TimeshiftOptions {
            dir: cache_dir().join("timeshift"),
            limits: self.timeshift_limits(),
        })
    }

    /// How much a buffer keeps (the time-shift settings, on or off: a timer's buffer too).
    pub fn timeshift_limits(&self) -> prism_core::timeshift::Limits {
        prism_core::timeshift::Limits {
            seconds: f64::from(self.timeshift_minutes.clamp(1, 24 * 60)) * 60.0,
            bytes: u64::from(self.timeshift_gb.clamp(1, 1024)) << 30,
        }
    }

    /// What the player's relay is told.
    pub fn limits(&self) -> prism_media::StreamLimits {
        prism_media::StreamLimits {
            variants: prism_core::hls::VariantLimits {
                max_height: (self.max_height > 0).then_some(self.max_height),
                max_bandwidth: self.data_saver.then_some(1_500_000),
            },
            behind_live: std::time::Duration::from_secs(u64::from(self.behind_live_s)),
        }
    }
}

/// Sound and subtitle languages: the viewer's order of preference (ISO 639-1 codes), and the
/// choice made on a channel, which wins there (by channel name, as the favourites are).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackSettings {
    pub audio_languages: Vec<String>,
    pub subtitle_languages: Vec<String>,
    pub channels: std::collections::BTreeMap<String, ChannelTracks>,
}

/// The languages chosen on one channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelTracks {
    pub audio: Option<String>,
    pub subtitles: Option<String>,
}

impl TrackSettings {
    /// What to ask of channel `name`'s stream: its own choice first, then the preferences.
    pub fn wish(&self, name: &str) -> prism_core::tracks::TrackWish {
        let own = self.channels.get(name);
        let list = |first: Option<&String>, rest: &[String]| {
            first.into_iter().chain(rest).cloned().collect::<Vec<_>>()
        };
        prism_core::tracks::TrackWish {
            audio: list(own.and_then(|c| c.audio.as_ref()), &self.audio_languages),
            subtitles: list(
                own.and_then(|c| c.subtitles.as_ref()),
                &self.subtitle_languages,
            ),
        }
    }
}

/// Companion mode: whether Lumen watches along, and how much she says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanionSettings {
    pub on: bool,
    pub chattiness: prism_core::companion::scheduler::Chattiness,
    /// Seconds between remarks she makes on her own.
    pub cooldown_s: u32,
}

impl Default for CompanionSettings {
    fn default() -> Self {
        Self {
            on: false,
            chattiness: Default::default(),
            cooldown_s: 30,
        }
    }
}

/// How Lumen hears and thinks. Changes restart the workers they concern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceSettings {
    /// A speech-to-text model of `models/manifest.toml`, by name.
    pub whisper: String,
    /// Threads for speech recognition; 0 lets it choose (up to 4).
    pub stt_threads: u32,
    /// Chat through an OpenAI-compatible server instead of the local model.
    pub use_server: bool,
    /// A GGUF file for the local model; none means the default (SmolLM2-135M-Instruct).
    pub llm_model: Option<String>,
    /// The server's API root, e.g. `http://localhost:11434/v1` (Ollama).
    pub endpoint: String,
    /// The model the server should use, e.g. `llama3.2:3b`.
    pub server_model: String,
    /// Sent as a bearer token when set (kept here like the Xtream password: mode 0600).
    pub api_key: String,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self {
            whisper: "whisper-tiny.en".into(),
            stt_threads: 0,
            use_server: false,
            llm_model: None,
            endpoint: "http://localhost:11434/v1".into(),
            server_model: "llama3.2:3b".into(),
            api_key: String::new(),
        }
    }
}

/// Where the mascot sits and whether it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LumenSettings {
    pub visible: bool,
    /// 0 bottom right, 1 bottom left, 2 top left, 3 top right.
    pub corner: u8,
    /// 0 small, 1 medium, 2 large.
    pub size: u8,
}

impl Default for LumenSettings {
    fn default() -> Self {
        Self {
            visible: true,
            corner: 0,
            size: 1,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            volume: 60,
            muted: false,
            last_channel: None,
            favourites: Vec::new(),
            hidden_groups: Vec::new(),
            recent: Vec::new(),
            playlist: None,
            xtream: None,
            more_sources: Vec::new(),
            sources_off: Vec::new(),
            epg: Vec::new(),
            guide_map: Default::default(),
            fullscreen: false,
            refresh_hours: 12,
            avatar: None,
            lumen: LumenSettings::default(),
            layout: "tv".into(),
            voice: VoiceSettings::default(),
            subtitles: false,
            tracks: TrackSettings::default(),
            stream: StreamSettings::default(),
            companion: CompanionSettings::default(),
            parental: ParentalSettings::default(),
            reminders: Default::default(),
            reminder_switches: false,
            recordings: None,
            record_early_min: 2,
            record_late_min: 5,
            remote_lan: false,
            broadcast: BroadcastSettings::default(),
            welcomed: false,
            language: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XtreamSettings {
    pub server: String,
    pub username: String,
    /// Stored as the panel expects it; the settings file is the user's own (mode 0600 on save).
    pub password: String,
}

/// `$PRISM_CONFIG_DIR`, else the platform's (`~/.config/prism` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("PRISM_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("tv", "Prism", "prism").map(|d| d.config_dir().to_path_buf())
}

/// Where recordings go: `$PRISM_RECORDINGS`, else the user's Videos folder's `Prism`, else
/// the platform's data folder's `recordings`.
pub fn recordings_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("PRISM_RECORDINGS") {
        return PathBuf::from(d);
    }
    if let Some(v) =
        directories::UserDirs::new().and_then(|u| u.video_dir().map(|v| v.join("Prism")))
    {
        return v;
    }
    directories::ProjectDirs::from("tv", "Prism", "prism")
        .map(|d| d.data_dir().join("recordings"))
        .unwrap_or_else(|| std::env::temp_dir().join("prism-recordings"))
}

/// `$PRISM_CACHE`, else the platform's (`~/.cache/prism` on Linux).
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("PRISM_CACHE") {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("tv", "Prism", "prism")
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("prism"))
}

/// How many recently watched channels are remembered.
pub const RECENT: usize = 12;

impl Settings {
    /// Whether `c` is a favourite: by its identity, or by its name as favourites were kept.
    pub fn is_favourite(&self, c: &prism_core::Channel) -> bool {
        let id = c.identity();
        self.favourites.iter().any(|f| *f == id || *f == c.name)
    }

    /// Makes `c` a favourite or not (by identity; an old entry by name goes either way).
    pub fn set_favourite(&mut self, c: &prism_core::Channel, on: bool) {
        let id = c.identity();
        self.favourites.retain(|f| *f != id && *f != c.name);
        if on {
            self.favourites.push(id);
        }
    }

    /// Whether `c` is in a group the viewer hid.
    /// Whether `c` needs the PIN: in a locked group, or marked for adults by its provider.
    pub fn is_locked(&self, c: &prism_core::Channel) -> bool {
        let p = &self.parental;
        c.groups.iter().any(|g| p.locked_groups.contains(g))
            || (p.lock_adult && prism_core::parental::marked_adult(c))
    }

    pub fn is_hidden(&self, c: &prism_core::Channel) -> bool {
        !self.hidden_groups.is_empty() && c.groups.iter().any(|g| self.hidden_groups.contains(g))
    }

    /// Puts `name` first in the recently watched list.
    pub fn watched(&mut self, name: &str) {
        self.recent.retain(|n| n != name);
        self.recent.insert(0, name.to_owned());
        self.recent.truncate(RECENT);
    }

    fn path() -> Option<PathBuf> {
        config_dir().map(|d| d.join("settings.toml"))
    }

    /// The settings as far as the file can be read (see [`Settings::read`]).
    pub fn load() -> Self {
        Self::read().0
    }

    /// Missing file: defaults. A file with mistakes keeps every field that can be read; each
    /// one that cannot (a line that is not TOML, a value of the wrong kind, an unknown key) is
    /// logged and listed in [`SettingsFile`] with its line and what was used instead.
    pub fn read() -> (Self, SettingsFile) {
        let Some(path) = Self::path() else {
            return (Self::default(), SettingsFile::default());
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Self::default(), SettingsFile::default());
            }
            Err(e) => {
                // Unreadable (permissions): defaults, and the file is left alone until a save.
                eprintln!("prism: {}: {e}; starting from defaults", path.display());
                let file = SettingsFile {
                    existed: true,
                    ..default()
                };
                return (Self::default(), file);
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let (settings, problems) = prism_core::settings_file::load::<Settings>(&text);
        // Read before the log is set up: straight to stderr.
        for p in &problems {
            eprintln!("prism: {}: {}", path.display(), describe(p));
        }
        let original = (!problems.is_empty()).then_some(bytes);
        let file = SettingsFile {
            existed: true,
            problems,
            original,
        };
        (settings, file)
    }

    /// Write to a temporary file and rename over the old one: a crash never leaves half a file.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = Self::path() else {
            return Ok(());
        };
        let text = toml::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_private(&path, text.as_bytes())
    }
}

/// Writes `bytes` to `path` so that a crash or a power cut leaves the old file or the new one,
/// never half of one, and nobody else can read it (it may hold an Xtream password): the
/// temporary file is created mode 0600 (not chmod-ed after the secret is in it), synced, renamed
/// over `path`, and the directory is synced so the rename itself is on disk.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    // One temporary file per write: the saving thread and the save at exit may overlap.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A settings file edited by hand with three mistakes: everything else in it is kept, and
    /// each mistake is said with its line, its field and what is used instead.
    #[test]
    fn a_hand_edited_file_with_mistakes_keeps_the_rest_and_says_where() {
        let text = "volume = 300\nplaylist = \"/tv/list.m3u\"\nfavourites = [\"BBC One\"]\n\
                    volum = 3\n[broadcast]\nserver = \"rtmp://127.0.0.1/live\"\nsize = 1080\n";
        let (s, problems) = prism_core::settings_file::load::<Settings>(text);
        assert_eq!(s.playlist.as_deref(), Some("/tv/list.m3u"));
        assert_eq!(s.favourites, ["BBC One"]);
        assert_eq!(s.broadcast.server, "rtmp://127.0.0.1/live");
        assert_eq!((s.volume, s.broadcast.size.as_str()), (60, "720p"));
        let said: Vec<String> = problems.iter().map(describe).collect();
        assert_eq!(said.len(), 3, "{said:#?}");
        assert!(
            said[0].starts_with("line 1, volume: ") && said[0].ends_with("Using 60."),
            "{said:?}"
        );
        assert_eq!(
            said[1],
            "line 4: \"volum\" is not a setting Prism knows; ignored."
        );
        assert!(
            said[2].starts_with("line 7, broadcast.size: ") && said[2].ends_with("Using \"720p\"."),
            "{said:?}"
        );
    }

    /// Reminders are kept in the settings file (TOML: a table per reminder after the plain
    /// values) and read back as they were.
    #[test]
    fn reminders_survive_a_restart() {
        let mut s = Settings::default();
        s.reminders.set(
            prism_core::reminders::Reminder {
                channel: "bbcone.uk|bbc 1".into(),
                channel_name: "BBC One".into(),
                title: "Match of the Day".into(),
                start: 2_000_000_000,
                stop: 2_000_005_400,
                announced: false,
            },
            0,
        );
        let text = toml::to_string_pretty(&s).unwrap();
        let back: Settings = toml::from_str(&text).unwrap();
        assert_eq!(back.reminders, s.reminders, "{text}");
        assert_eq!(back, s);
    }

    #[test]
    fn a_private_file_is_never_readable_by_others_and_replaces_the_old_one() {
        let dir = std::env::temp_dir().join(format!("prism-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("settings.toml");
        write_private(&path, b"old").unwrap();
        write_private(&path, b"password = \"secret\"").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"password = \"secret\"");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = std::env::temp_dir().join(format!("prism-settings-ro-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("settings.toml");
        write_private(&path, b"kept").unwrap();
        // A directory where the file should go: the rename fails.
        let blocked = dir.join("blocked.toml");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(write_private(&blocked, b"new").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
        let tmps = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .count();
        assert_eq!(tmps, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[derive(Resource)]
struct Saver {
    tx: std::sync::Mutex<std::sync::mpsc::Sender<Settings>>,
    /// A file read with problems, as it was: written beside the new one before it is replaced.
    aside: Aside,
}

type Aside = std::sync::Arc<std::sync::Mutex<Option<Vec<u8>>>>;

impl Saver {
    fn send(&self, settings: &Settings) {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        let _ = tx.send(settings.clone());
    }

    fn keep_aside(&self) {
        keep_aside(&self.aside);
    }
}

/// Writes the file as it was to `settings.toml.broken`, once.
fn keep_aside(aside: &Aside) {
    let bytes = aside.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let (Some(bytes), Some(path)) = (bytes, Settings::path()) {
        let to = path.with_extension("toml.broken");
        match write_private(&to, &bytes) {
            Ok(()) => info!("the settings file as it was is kept as {}", to.display()),
            Err(e) => warn!("could not keep {}: {e}", to.display()),
        }
    }
}

/// Whether `now` differs from `then` only in what the app keeps for itself (the channel
/// watched, the recent list), not in anything the user set.
fn only_state_differs(then: &Settings, now: &Settings) -> bool {
    let mut now = now.clone();
    now.last_channel.clone_from(&then.last_channel);
    now.recent.clone_from(&then.recent);
    now == *then
}

/// Changes go to the saving thread; on the way out they are written here, so the last one
/// (the channel being watched at quit) is never lost to a thread that did not get to run.
/// A file read with problems is left as the user wrote it until they change a setting (the
/// channel watched alone does not rewrite it); then a copy of it is kept first.
fn save_when_changed(
    settings: Res<Settings>,
    saver: Res<Saver>,
    file: Res<SettingsFile>,
    mut exit: MessageReader<AppExit>,
    // The settings as loaded, while the file on disk still has its problems.
    mut held: Local<Option<Option<Settings>>>,
) {
    let quitting = exit.read().next().is_some();
    let held = held.get_or_insert_with(|| file.original.as_ref().map(|_| settings.clone()));
    if let Some(then) = held.as_ref() {
        if only_state_differs(then, &settings) {
            return;
        }
        *held = None;
        if !quitting {
            saver.send(&settings);
            return;
        }
    }
    if quitting {
        saver.keep_aside();
        if let Err(e) = settings.save() {
            warn!("could not save settings: {e}");
        }
        return;
    }
    if settings.is_changed() && !settings.is_added() {
        saver.send(&settings);
    }
}
