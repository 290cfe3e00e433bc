//! The TV: owns the player, executes every [`MediaCommand`] (from keys, remote, gamepad, mouse
//! and, later, voice) and keeps what the overlays show: the channel, volume, and what is wrong.

mod away;
pub mod player;
pub mod timers;
pub mod video;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use prism_core::command::MediaCommand;
use prism_core::companion::reactions::{Genre, from_caption};
use prism_core::tracks::{TrackKind, TrackList};
use prism_core::{Channel, Grammar, Guide, Playlist};
use prism_media::server::DemoServer;
use prism_media::{
    PlayRequest, Player, PlayerEvent, PlayerOptions, Recovery, SeekTo, ShiftStatus, Timeline,
};

use player::Playback;

use crate::settings::Settings;
use crate::t;

pub fn plugin(app: &mut App) {
    app.init_resource::<timers::WallClock>()
        .add_message::<Cmd>()
        .add_message::<Zapped>()
        .add_message::<Executed>()
        .add_message::<Captioned>()
        .add_systems(Startup, start_player)
        .add_systems(
            Update,
            (execute, player_events, stream_limits)
                .chain()
                .in_set(crate::app::AppSystems::Execute),
        )
        .add_systems(Update, (grammar_arrives, interrupted_recordings));
}

/// Recordings a crash or a kill cut short (an MPEG-TS left without its Matroska): said once at
/// start, and finished (remuxed) in the background. They play up to their last whole segment.
fn interrupted_recordings(mut done: Local<bool>, tv: Option<ResMut<Tv>>, settings: Res<Settings>) {
    let Some(mut tv) = tv else { return };
    if std::mem::replace(&mut *done, true) {
        return;
    }
    let dir = settings.recordings_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let cut: Vec<std::path::PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts") && !p.with_extension("mkv").exists())
        .collect();
    let Some(first) = cut.first() else { return };
    warn!(
        "{} recording(s) were cut short: {}",
        cut.len(),
        first.display()
    );
    tv.notice = Some((
        Instant::now(),
        t!("record-interrupted", path = first.display().to_string()),
    ));
    let _ = std::thread::Builder::new()
        .name("prism-remux".into())
        .spawn(move || {
            for ts in cut {
                match prism_media::remux(&ts, &ts.with_extension("mkv")) {
                    Ok(()) => {
                        let _ = std::fs::remove_file(&ts);
                    }
                    Err(e) => eprintln!("prism: {} stays as MPEG-TS: {e}", ts.display()),
                }
            }
        });
}

/// A big lineup's grammar, built after its channels went on screen, takes its place.
fn grammar_arrives(mut tv: ResMut<Tv>) {
    // Looked at every frame: not a change of what the TV shows.
    let tv = tv.bypass_change_detection();
    let Some(l) = tv.lineup.as_mut() else { return };
    use std::sync::mpsc::TryRecvError;
    let Some(got) = l.grammar_later.as_mut().map(|m| {
        m.get_mut()
            .map(|rx| rx.try_recv())
            .unwrap_or(Err(TryRecvError::Disconnected))
    }) else {
        return;
    };
    match got {
        Ok(g) => {
            info!("voice: the {} channel names are known", g.directory().len());
            l.grammar = Arc::new(g);
            l.grammar_later = None;
        }
        Err(TryRecvError::Empty) => {}
        Err(TryRecvError::Disconnected) => l.grammar_later = None,
    }
}

/// A media command for the TV to execute, whoever asked.
#[derive(Message, Debug, Clone)]
pub struct Cmd(pub MediaCommand);

impl Cmd {
    /// Watch channel `i` of the lineup on screen.
    pub fn watch(tv: &Tv, i: usize) -> Cmd {
        Cmd(MediaCommand::WatchChannel {
            channel: tv.channel_ref(i),
        })
    }
}

/// What came of a command: sent by whichever plugin carried it out (the TV for playback, the
/// channel list for favourites and the guide, companion mode for itself), so that what Lumen
/// says is what happened, never a guess.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct Executed {
    pub cmd: MediaCommand,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Now tuning to this channel of the lineup.
    Tuned(usize),
    /// No channel of the lineup answers to that (a number it does not have, no last channel).
    NoChannel,
    Volume(u8),
    Muted(bool),
    Paused(bool),
    Stopped,
    Subtitles(bool),
    /// This track is being turned on (its menu label, e.g. "Deutsch").
    Track {
        kind: TrackKind,
        label: String,
    },
    /// The channel has no track of that kind in that language (ISO 639-1 or as said).
    NoTrack {
        kind: TrackKind,
        language: String,
    },
    /// The guide is open (or closed).
    Guide(bool),
    /// A favourite added (`true`) or removed, and whether it already was so.
    Favourite {
        name: String,
        added: bool,
        already: bool,
    },
    Companion(bool),
    /// The channel is locked: nothing tuned until the PIN is given (the PIN screen asks).
    Locked(usize),
    /// A reminder for `title` on `channel` at `start` was set (`true`) or taken off.
    Reminder {
        set: bool,
        channel: usize,
        title: String,
        start: i64,
    },
    /// The guide has no programme to be reminded of: none with those words still to come,
    /// or the programme has started.
    NoProgramme,
    /// Playing the recording `name`.
    Replaying(String),
    /// What the subtitles said in the `minutes` skipped or not yet seen: the moments that
    /// matter (reaction triggers: a goal, breaking news), then the last words (empty: the
    /// channel's captions are not in the buffer); `moment`: there is one to jump back to.
    Missed {
        minutes: u32,
        said: Vec<String>,
        moment: bool,
        /// Everything the captions said in the span, each line once, in order (what Lumen's
        /// summary is made from), and the moment that mattered: what it was ("a goal") and
        /// its caption.
        heard: Vec<String>,
        matter: Option<(String, String)>,
    },
    /// Playing `title` on `channel` from the archive, from `start`.
    CatchUp {
        channel: usize,
        title: String,
        start: i64,
    },
    /// The archive cannot give that programme, and why (said as it is).
    NoArchive(String),
    /// The picture jumped: it is now `behind` seconds behind live (0: live) in a live
    /// channel's buffer, or at `behind` seconds into a programme that is not live.
    Seeked {
        behind: u32,
        live: bool,
    },
    /// This cannot be paused or rewound, and why (said as it is).
    NoTimeshift(String),
    /// What changed on the channel while the viewer was on others, from the guide (said as
    /// it is).
    Away(String),
    /// A recording of the channel playing started (`true`, or it was already running), or
    /// stopped after `seconds`; `name` is its file's name.
    Recording {
        on: bool,
        name: String,
        seconds: u32,
    },
    /// Nothing was recorded or stopped, and why (said as it is).
    NoRecording(String),
    /// A timer made (`set`) or taken off for a programme; `warning`: what it costs (every
    /// connection the provider allows).
    Timer {
        set: bool,
        title: String,
        channel: usize,
        start: i64,
        warning: Option<String>,
    },
    /// No timer was made, and why (said as it is).
    NoTimer(String),
    /// This layout is on (its name).
    Layout(String),
    /// This many pictures are on screen now (1, 2 with picture-in-picture, 4 in multi-view).
    Pictures(usize),
    /// The screen stays as it was, and why (said as it is).
    NoLayout(String),
    /// The composed scene went on air (`on`) or off after `seconds`; `target`: where, as it
    /// may be shown (a stream's server without its key, a file's path).
    Broadcast {
        on: bool,
        to: prism_core::command::BroadcastTo,
        target: String,
        seconds: u32,
    },
    /// Nothing went on or off air, and why (said as it is).
    NoBroadcast(String),
}

impl Outcome {
    /// Nothing was done: the command was refused and the outcome says why.
    pub fn refused(&self) -> bool {
        matches!(
            self,
            Outcome::NoChannel
                | Outcome::NoRecording(_)
                | Outcome::Locked(_)
                | Outcome::NoProgramme
                | Outcome::NoArchive(_)
                | Outcome::NoTimeshift(_)
                | Outcome::NoTrack { .. }
                | Outcome::NoLayout(_)
                | Outcome::NoBroadcast(_)
        )
    }
}

/// How long a reminder's offer to switch stands (and its toast shows).
pub const OFFER_FOR: Duration = Duration::from_secs(30);

/// Sent after the channel changed (the zap banner listens).
#[derive(Message, Debug, Clone, Copy)]
pub struct Zapped;

/// A caption of what is on came due (whether subtitles are shown or not: Lumen reads them).
#[derive(Message, Debug, Clone)]
pub struct Captioned(pub String);

/// Captions kept for Lumen's context: the last few, from the last minute and a half.
const RECENT_CAPTIONS: usize = 6;
const RECENT_FOR: Duration = Duration::from_secs(90);

/// What the viewer can watch.
pub struct Lineup {
    /// The channels, and what the playlist's header said.
    pub playlist: Playlist,
    pub guide: Option<Guide>,
    /// The voice grammar for these channels, built with the lineup (on the loading thread),
    /// never on a frame.
    pub grammar: Arc<Grammar>,
    /// A big lineup's full grammar while it is still being built (the one above knows the
    /// commands but no channel names yet); `grammar_arrives` puts it in place.
    pub grammar_later: Option<std::sync::Mutex<std::sync::mpsc::Receiver<Grammar>>>,
    /// The playlist's groups in first-seen order (the guide's filters), worked out once.
    pub groups: Vec<String>,
    /// Where the lineup came from, for the UI ("Demo channels", a file name, ...).
    pub source: String,
    /// Keeps the demo channels on the air while the lineup is in use (and across refreshes).
    pub server: Option<Arc<DemoServer>>,
    /// Each source it was loaded from (the main one first) and how that went; empty for the
    /// demo.
    pub sources: Vec<SourceReport>,
    /// Connections a source's server allows at once (Xtream's `max_connections`), by
    /// `prism_core::timers::pool_of`: timers are checked against it when made.
    pub connection_limits: Vec<(String, u32)>,
}

/// One source of a lineup and how its load went (the Sources page lists them).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReport {
    /// `sources::source_key`: what switching it off stores.
    pub key: String,
    /// What the page shows: the file name or URL, or "Xtream user@panel".
    pub label: String,
    pub main: bool,
    /// None: switched off. Otherwise its channel count, or why it did not load.
    pub result: Option<Result<usize, String>>,
}

impl Lineup {
    pub fn new(
        playlist: Playlist,
        guide: Guide,
        source: String,
        server: Option<Arc<DemoServer>>,
    ) -> Self {
        let grammar = Grammar::for_playlist(&playlist);
        Self::with_grammar(playlist, guide, grammar, source, server)
    }

    /// With the grammar built already (the lineup thread builds it while the guide streams).
    pub fn with_grammar(
        playlist: Playlist,
        guide: Guide,
        grammar: Grammar,
        source: String,
        server: Option<Arc<DemoServer>>,
    ) -> Self {
        let groups = {
            // foldhash, not SipHash: every channel of a 500k lineup is looked up.
            let mut seen = bevy::platform::collections::HashSet::new();
            playlist
                .channels
                .iter()
                .flat_map(|c| &c.groups)
                .filter(|g| seen.insert(g.as_str()))
                .cloned()
                .collect()
        };
        Self {
            grammar: Arc::new(grammar),
            grammar_later: None,
            playlist,
            guide: Some(guide),
            groups,
            source,
            server,
            sources: Vec::new(),
            connection_limits: Vec::new(),
        }
    }

    pub fn channels(&self) -> &[Channel] {
        &self.playlist.channels
    }

    /// Channels the guide has programmes for.
    pub fn guided_channels(&self) -> usize {
        self.guide.as_ref().map_or(0, |g| {
            (0..self.playlist.channels.len())
                .filter(|&i| g.programmes(i).next().is_some())
                .count()
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Loading,
    Connecting,
    Playing,
    Buffering(u8),
    Paused,
    /// The error, and what Prism is doing about it.
    Failed {
        message: String,
        next: String,
    },
}

#[derive(Resource)]
pub struct Tv {
    pub player: Box<dyn Playback>,
    pub lineup: Option<Lineup>,
    /// Counts lineups installed, so views built from the last one know to rebuild.
    pub generation: u64,
    pub current: Option<usize>,
    pub previous: Option<usize>,
    pub volume: u8,
    pub muted: bool,
    pub status: Status,
    /// When the last volume or mute change happened (the OSD shows for a moment).
    pub volume_changed: Option<Instant>,
    /// Key press → first frame of the new channel, for the last zap.
    pub zap_requested: Option<Instant>,
    pub last_zap_latency: Option<Duration>,
    /// The loudness the viewer hears (RMS dBFS after volume and ducking) and a count of
    /// readings, ten a second while sound plays.
    pub audio_level: (f32, u64),
    /// Draw the stream's captions (they are read for Lumen either way).
    pub subtitles: bool,
    pub subtitles_changed: Option<Instant>,
    /// Recent captions of this channel, oldest first; the last is on screen until it ends.
    captions: std::collections::VecDeque<Caption>,
    /// A picture has been shown since launch (the voice warms up after it).
    pub pictured: bool,
    /// What plays has sound and no picture (radio): the overlay shows its card instead.
    pub audio_only: bool,
    /// The audio and subtitle tracks of what plays, as the player last told.
    pub tracks: TrackList,
    /// When a track was last chosen (the OSD shows it for a moment).
    pub track_changed: Option<(Instant, String)>,
    /// Something the viewer should know about what plays (sound that cannot be decoded here),
    /// shown in the corner for a while.
    pub notice: Option<(Instant, String)>,
    /// A channel a reminder offers (its programme is starting): OK while watching switches to
    /// it, for [`OFFER_FOR`].
    pub offer: Option<(usize, Instant)>,
    /// What plays from the archive instead of live: (channel, programme start, title).
    pub archive: Option<(usize, i64, String)>,
    /// The PIN was given this session: locked channels play.
    pub unlocked: bool,
    /// A locked channel asked for, waiting for the PIN (the PIN screen tunes it).
    pub pin_for: Option<usize>,
    /// Where the picture is in what can be played (a buffered live channel, an archive
    /// programme), as the player last said; `None` when it cannot seek.
    pub timeline: Option<Timeline>,
    /// The time-shift buffer of the channel playing, as the player last said.
    pub buffer: Option<ShiftStatus>,
    /// When the viewer last jumped (the time bar shows for a moment), and whether the
    /// player has yet to show the jump's first picture (its reports of where it is are old
    /// until then).
    pub seeked: Option<Instant>,
    seek_pending: bool,
    /// A jump's first picture, after the jump was asked for, for the last jump.
    pub last_seek_latency: Option<Duration>,
    /// The recording running (or the last one, and how it ended), as the player says.
    pub recording: Option<prism_media::RecordingStatus>,
    /// A recording playing instead of the channel (its name): Back and "go live" return.
    pub replay: Option<String>,
    /// The span of the buffer last jumped over toward live (stream times): "what did I miss?"
    pub skipped: Option<(f64, f64)>,
    /// The moment that mattered in what was missed (stream time): "show me" jumps there.
    pub moment: Option<f64>,
    /// Scheduled recordings (`timers`).
    pub timers: timers::Book,
    /// When each channel was last left, and what changed on the one just come back to
    /// (`away`).
    left: away::Left,
    pub came_back: Option<away::CameBack>,
}

struct Caption {
    at: Instant,
    until: Instant,
    text: String,
}

impl Tv {
    pub fn channel(&self, i: usize) -> Option<&Channel> {
        self.lineup.as_ref()?.channels().get(i)
    }
    pub fn channel_count(&self) -> usize {
        self.lineup.as_ref().map_or(0, |l| l.channels().len())
    }
    pub fn guide(&self) -> Option<&Guide> {
        self.lineup.as_ref()?.guide.as_ref()
    }
    /// Channel `i` as commands name it.
    pub fn channel_ref(&self, i: usize) -> prism_core::command::ChannelRef {
        prism_core::command::ChannelRef {
            index: i as u32,
            name: self.channel(i).map(|c| c.name.clone()).unwrap_or_default(),
        }
    }

    /// The soonest showing of a programme with `title`'s words among the guide's first `limit`
    /// finds (a title match before a description's), on a channel whose programmes may be
    /// shown; with `to_come`, only one that has not started.
    pub fn soonest_showing(
        &self,
        title: &str,
        now: i64,
        limit: usize,
        to_come: bool,
        settings: &Settings,
    ) -> Option<(usize, prism_core::epg::ProgrammeRef<'_>)> {
        let mut found = self.guide()?.find(title, now, limit);
        found.retain(|(c, p, _)| {
            (!to_come || p.start() > now) && self.shows_programmes(*c, settings)
        });
        let soonest = |title_only: bool| {
            found
                .iter()
                .filter(|(_, _, in_title)| *in_title || !title_only)
                .min_by_key(|(c, p, _)| (p.start(), *c))
                .map(|(c, p, _)| (*c, *p))
        };
        soonest(true).or_else(|| soonest(false))
    }

    /// The channel to put on for a wish ("the match", "something with football"): one
    /// showing it now by the guide, else one whose name or group says it; never a hidden or
    /// locked one (a locked channel's programmes are not told). The current channel when it
    /// answers as well as any.
    pub fn wished(&self, wish: &str, now: i64, settings: &Settings) -> Option<usize> {
        use prism_core::command::wish;
        let l = self.lineup.as_ref()?;
        let open = |i: usize| {
            self.channel(i).is_some_and(|c| {
                !settings.is_hidden(c) && (self.unlocked || !settings.is_locked(c))
            })
        };
        let on_now: Vec<usize> = l
            .guide
            .as_ref()
            .map(|g| {
                wish::on_now(g, wish, now)
                    .into_iter()
                    .map(|(c, _)| c)
                    .collect()
            })
            .unwrap_or_default();
        let found = |list: &[usize]| {
            let first = list.iter().copied().find(|&i| open(i))?;
            Some(
                self.current
                    .filter(|c| list.contains(c) && open(*c))
                    .unwrap_or(first),
            )
        };
        found(&on_now).or_else(|| found(&wish::channels(&l.playlist, wish)))
    }

    /// The channel a reminder offers, while it stands.
    pub fn offered(&self) -> Option<usize> {
        self.offer
            .filter(|(_, at)| at.elapsed() < OFFER_FOR)
            .map(|(i, _)| i)
    }
    /// Whether channel `i`'s programmes may be shown: not while it is locked and the PIN has
    /// not been given (a locked channel's titles say what it shows).
    pub fn shows_programmes(&self, i: usize, settings: &Settings) -> bool {
        self.unlocked || !self.channel(i).is_some_and(|c| settings.is_locked(c))
    }
    /// The guide for channel `i`, or `None` while it is locked (see [`Tv::shows_programmes`]).
    pub fn guide_for(&self, i: usize, settings: &Settings) -> Option<&Guide> {
        self.guide().filter(|_| self.shows_programmes(i, settings))
    }
    /// The captions of the last minute and a half, oldest first.
    pub fn recent_captions(&self) -> impl Iterator<Item = &str> {
        self.captions
            .iter()
            .filter(|c| c.at.elapsed() < RECENT_FOR)
            .map(|c| c.text.as_str())
    }
    /// The caption due on screen now, if one is.
    pub fn caption_now(&self) -> Option<&str> {
        let c = self.captions.back()?;
        (Instant::now() < c.until).then_some(c.text.as_str())
    }
}

fn start_player(mut commands: Commands, settings: Res<Settings>, tv: Option<Res<Tv>>) {
    // A test gives the TV its own player before start-up.
    if tv.is_some() {
        return;
    }
    let player = match Player::new(PlayerOptions {
        timeshift: settings.stream.timeshift(),
        ..Default::default()
    }) {
        Ok(p) => p,
        Err(e) => {
            // Without GStreamer there is no TV; say exactly what is missing.
            error!("{e}");
            eprintln!("prism: {e}");
            std::process::exit(2);
        }
    };
    let mut tv = Tv::new(Box::new(player), &settings);
    if let Some(path) = timers::Book::default_path() {
        tv.timers = timers::Book::open(path);
    }
    commands.insert_resource(tv);
}

impl Tv {
    /// A TV on `player`, at the volume and with the subtitles the settings remember.
    pub fn new(player: Box<dyn Playback>, settings: &Settings) -> Tv {
        player.set_volume(settings.volume);
        player.set_muted(settings.muted);
        Tv {
            player,
            lineup: None,
            generation: 0,
            current: None,
            previous: None,
            volume: settings.volume,
            muted: settings.muted,
            status: Status::Loading,
            pictured: false,
            audio_only: false,
            volume_changed: None,
            zap_requested: None,
            last_zap_latency: None,
            audio_level: (-90.0, 0),
            subtitles: settings.subtitles,
            subtitles_changed: None,
            captions: Default::default(),
            tracks: TrackList::default(),
            track_changed: None,
            notice: None,
            offer: None,
            archive: None,
            unlocked: false,
            pin_for: None,
            timeline: None,
            buffer: None,
            seeked: None,
            seek_pending: false,
            last_seek_latency: None,
            recording: None,
            replay: None,
            skipped: None,
            moment: None,
            timers: timers::Book::default(),
            left: Default::default(),
            came_back: None,
        }
    }
}

impl Tv {
    /// Installs a freshly loaded lineup and says which channel to tune to, if any. The channel
    /// being watched stays on if the new lineup still has it (same name and stream); a new
    /// source, or a first load, tunes in (the last channel watched, else the first).
    pub fn set_lineup(
        &mut self,
        lineup: Lineup,
        source_changed: bool,
        settings: &Settings,
    ) -> Option<usize> {
        let watching = self
            .current
            .and_then(|i| self.channel(i))
            .map(|c| (c.name.clone(), c.primary_url().map(str::to_owned)));
        let first = self.lineup.is_none();
        let same = watching.as_ref().and_then(|(name, url)| {
            let i = lineup.channels().iter().position(|c| &c.name == name)?;
            Some((i, lineup.channels()[i].primary_url() == url.as_deref()))
        });
        let resume = settings
            .last_channel
            .as_ref()
            .and_then(|name| lineup.channels().iter().position(|c| &c.name == name));
        let any = !lineup.channels().is_empty();
        self.lineup = Some(lineup);
        self.generation += 1;
        self.previous = None;
        self.forget_left();
        match same {
            // Still there, same stream: keep playing, only the index moves.
            Some((i, true)) => {
                self.current = Some(i);
                None
            }
            Some((i, false)) => Some(i),
            None if (first || source_changed) && any => Some(resume.unwrap_or(0)),
            // The channel is gone from a refreshed lineup: it plays on until the next zap.
            None => {
                self.current = None;
                None
            }
        }
    }

    /// A load failed: with nothing on screen yet, say so where the picture would be; with a
    /// lineup playing, nothing changes (the settings screen and a toast tell the user).
    pub fn lineup_failed(&mut self, error: &str) {
        if self.lineup.is_none() {
            self.status = Status::Failed {
                message: error.to_owned(),
                next: t!("lineup-fix"),
            };
        }
    }

    fn tune(&mut self, i: usize, settings: &Settings) {
        let Some(channel) = self.channel(i) else {
            return;
        };
        let request = PlayRequest::from(channel);
        if self.current != Some(i) {
            self.previous = self.current;
        }
        self.play_channel(i, request, settings);
        self.notice = None;
        self.archive = None;
        self.replay = None;
    }

    /// Plays `request` as channel `i` (live, or from its archive): what was known of the last
    /// stream goes.
    fn play_channel(&mut self, i: usize, mut request: PlayRequest, settings: &Settings) {
        // The channel's own language choice, then the viewer's preferences.
        if let Some(c) = self.channel(i) {
            request.tracks = settings.tracks.wish(&c.name);
        }
        self.player.play(request);
        self.timeline = None;
        self.buffer = None;
        self.seeked = None;
        self.seek_pending = false;
        self.skipped = None;
        self.moment = None;
        self.tracks = TrackList::default();
        self.current = Some(i);
        self.captions.clear();
        self.status = Status::Connecting;
        self.zap_requested = Some(Instant::now());
    }
}

pub(crate) fn execute(
    mut cmds: MessageReader<Cmd>,
    mut tv: ResMut<Tv>,
    mut settings: ResMut<Settings>,
    mut zapped: MessageWriter<Zapped>,
    mut done: MessageWriter<Executed>,
    clock: Res<timers::WallClock>,
) {
    for Cmd(cmd) in cmds.read() {
        let from = tv.current;
        tv.came_back_expires(clock.now());
        let Some(outcome) = tv.execute(cmd, &mut settings) else {
            continue; // the guide, favourites, companion: their plugins carry them out
        };
        if let Outcome::Tuned(i) = outcome {
            tv.zapped(from, i, clock.now());
            if let Some(name) = tv.channel(i).map(|c| c.name.clone()) {
                settings.watched(&name);
                settings.last_channel = Some(name);
            }
            zapped.write(Zapped);
        }
        if matches!(outcome, Outcome::Replaying(_)) {
            // The banner names the recording.
            zapped.write(Zapped);
        }
        done.write(Executed {
            cmd: cmd.clone(),
            outcome,
        });
    }
}

impl Tv {
    /// The lineup's channel for a number: the playlist's own number, or on playlists without
    /// numbers, the position in the list.
    pub fn channel_numbered(&self, number: prism_core::ChannelNumber) -> Option<usize> {
        let l = self.lineup.as_ref()?;
        l.channels()
            .iter()
            .position(|c| c.number == Some(number))
            .or_else(|| {
                (number.minor.is_none() && number.major >= 1)
                    .then(|| number.major as usize - 1)
                    .filter(|i| *i < l.channels().len())
            })
    }

    /// Carries out a playback command and says what came of it; `None` for commands other
    /// plugins carry out.
    fn execute(&mut self, cmd: &MediaCommand, settings: &mut Settings) -> Option<Outcome> {
        let n = self.channel_count();
        // One gate for every way of tuning (keys, voice, the list, the API): a locked
        // channel waits for the PIN.
        // (Playing from the archive passes the same gate.)
        let gate = |tv: &mut Tv, i: usize| {
            let locked = !tv.unlocked && tv.channel(i).is_some_and(|c| settings.is_locked(c));
            if locked {
                tv.pin_for = Some(i);
            }
            locked.then_some(Outcome::Locked(i))
        };
        let tune = |tv: &mut Tv, i: Option<usize>| match i.filter(|&i| tv.channel(i).is_some()) {
            Some(i) => gate(tv, i).unwrap_or_else(|| {
                tv.tune(i, settings);
                Outcome::Tuned(i)
            }),
            None => Outcome::NoChannel,
        };
        let unlocked = self.unlocked;
        Some(match cmd {
            MediaCommand::ChannelUp | MediaCommand::ChannelDown => {
                // The next channel that is not in a hidden group (all of them hidden: the
                // plain next one).
                let step = if matches!(cmd, MediaCommand::ChannelUp) {
                    1
                } else {
                    n - 1
                };
                let from = |c: usize| (c + step) % n;
                let i = (n > 0).then(|| {
                    let start = self.current.map_or(0, from);
                    let mut i = start;
                    for _ in 0..n {
                        // Zapping passes hidden groups, and locked ones until the PIN.
                        if !self.channel(i).is_some_and(|c| {
                            settings.is_hidden(c) || (!unlocked && settings.is_locked(c))
                        }) {
                            return i;
                        }
                        i = from(i);
                    }
                    start
                });
                tune(self, i)
            }
            MediaCommand::PreviousChannel => tune(self, self.previous),
            MediaCommand::GoToChannelNumber { number } => {
                let i = self.channel_numbered(*number);
                tune(self, i)
            }
            MediaCommand::WatchChannel { channel } => tune(self, Some(channel.index as usize)),
            MediaCommand::WatchProgramme { query } => {
                match self.wished(query, crate::time::unix_now(), settings) {
                    // Already on: nothing to change.
                    Some(i) if Some(i) == self.current => Outcome::Tuned(i),
                    Some(i) => tune(self, Some(i)),
                    None => Outcome::NoProgramme,
                }
            }
            MediaCommand::Play => {
                if self.status == Status::Paused {
                    self.player.resume();
                } else if let Some(i) = self.current {
                    self.tune(i, settings);
                }
                Outcome::Paused(false)
            }
            MediaCommand::Pause => {
                self.player.pause();
                Outcome::Paused(true)
            }
            MediaCommand::TogglePause => {
                let pause = self.status != Status::Paused;
                if pause {
                    self.player.pause();
                } else {
                    self.player.resume();
                }
                Outcome::Paused(pause)
            }
            MediaCommand::Stop => {
                self.player.stop();
                Outcome::Stopped
            }
            MediaCommand::Mute | MediaCommand::Unmute | MediaCommand::ToggleMute => {
                let muted = match cmd {
                    MediaCommand::Mute => true,
                    MediaCommand::Unmute => false,
                    _ => !self.muted,
                };
                self.muted = muted;
                self.player.set_muted(muted);
                self.volume_changed = Some(Instant::now());
                settings.muted = muted;
                Outcome::Muted(muted)
            }
            MediaCommand::VolumeUp { step } | MediaCommand::VolumeDown { step } => {
                let step = i16::from(step.unwrap_or(5));
                let sign = if matches!(cmd, MediaCommand::VolumeUp { .. }) {
                    1
                } else {
                    -1
                };
                let v = (i16::from(self.volume) + sign * step).clamp(0, 100) as u8;
                set_volume(self, settings, v);
                Outcome::Volume(v)
            }
            MediaCommand::SetVolume { percent } => {
                let v = (*percent).min(100);
                set_volume(self, settings, v);
                Outcome::Volume(v)
            }
            MediaCommand::Subtitles { on } => {
                self.subtitles = *on;
                self.subtitles_changed = Some(Instant::now());
                settings.subtitles = *on;
                Outcome::Subtitles(*on)
            }
            MediaCommand::AudioLanguage { language } => {
                self.choose_language(TrackKind::Audio, language, settings)
            }
            MediaCommand::Track { kind, index } => {
                let id = self
                    .tracks
                    .of(*kind)
                    .get(*index as usize)
                    .map(|t| t.id.clone());
                let outcome = match id {
                    Some(id) => self.choose_track(*kind, &id, settings),
                    None => Outcome::NoTrack {
                        kind: *kind,
                        language: format!("#{}", index + 1),
                    },
                };
                if *kind == TrackKind::Subtitle && matches!(outcome, Outcome::Track { .. }) {
                    self.subtitles = true;
                    settings.subtitles = true;
                }
                outcome
            }
            MediaCommand::SubtitleLanguage { language } => {
                let outcome = self.choose_language(TrackKind::Subtitle, language, settings);
                // Asking for subtitles in a language is asking to see them.
                if matches!(outcome, Outcome::Track { .. }) && !self.subtitles {
                    self.subtitles = true;
                    settings.subtitles = true;
                }
                outcome
            }
            MediaCommand::CatchUp { channel, start } => {
                let i = channel.index as usize;
                match self.channel(i) {
                    Some(_) => gate(self, i).unwrap_or_else(|| self.catch_up(i, *start, settings)),
                    None => Outcome::NoChannel,
                }
            }
            MediaCommand::StartOver => {
                let now = self.on_screen_time();
                match self.current.and_then(|i| {
                    let p = self.guide()?.now_next(i, now).now?;
                    Some((i, p.start(), p.title().to_owned()))
                }) {
                    // The buffer reaches back to its start: no archive needed.
                    Some((i, start, title)) if self.buffered_since(start).is_some() => {
                        let at = self.buffered_since(start).unwrap_or_default();
                        self.seek_to(at);
                        Outcome::CatchUp {
                            channel: i,
                            title,
                            start,
                        }
                    }
                    Some((i, start, _)) => self.catch_up(i, start, settings),
                    None => {
                        let why = t!("no-programme-now");
                        self.notice = Some((Instant::now(), why.clone()));
                        Outcome::NoArchive(why)
                    }
                }
            }
            MediaCommand::Remind { title } => self.remind_of(title, settings),
            MediaCommand::ToggleReminder { channel, start } => {
                self.toggle_reminder(channel.index as usize, *start, settings)
            }
            MediaCommand::CatchMeUp => self.catch_me_up(settings),
            MediaCommand::ToggleTimer { channel, start } => self.toggle_timer(
                channel.index as usize,
                *start,
                crate::time::unix_now(),
                settings,
            ),
            MediaCommand::RecordProgramme { title } => self.record_programme(title, settings),
            MediaCommand::ShowMoment => match (self.moment, self.timeline) {
                (Some(at), Some(_)) => {
                    if self.status == Status::Paused {
                        self.player.resume();
                    }
                    self.seek_to(at);
                    self.seeked_outcome()
                }
                _ => {
                    let why = t!("moment-none");
                    self.notice = Some((Instant::now(), why.clone()));
                    Outcome::NoTimeshift(why)
                }
            },
            MediaCommand::Seek { seconds } => match self.timeline {
                Some(t) => {
                    let to = t.jump(f64::from(*seconds));
                    if *seconds > 0 && t.live {
                        self.skipped = Some((t.position, to));
                    }
                    self.seek_to(to);
                    self.seeked_outcome()
                }
                None => self.cannot_shift(settings),
            },
            MediaCommand::PlayRecording { name } => self.play_recording(name, settings),
            MediaCommand::GoLive => match (
                self.archive
                    .take()
                    .or(self.replay.take().map(|_| (0, 0, String::new()))),
                self.current,
            ) {
                // From the archive or a recording: the channel, live.
                (Some(_), Some(i)) => {
                    self.tune(i, settings);
                    Outcome::Tuned(i)
                }
                _ => match self.timeline.filter(|t| t.live) {
                    Some(t) => {
                        if self.status == Status::Paused {
                            self.player.resume();
                        }
                        if !t.at_live() {
                            self.skipped = Some((t.position, t.end));
                        }
                        self.seek_to(t.end);
                        self.player.seek(SeekTo::Live);
                        self.seeked_outcome()
                    }
                    None => self.cannot_shift(settings),
                },
            },
            MediaCommand::StartRecording => self.record(settings),
            MediaCommand::StopRecording => self.stop_recording(),
            MediaCommand::ToggleRecording => {
                if self.is_recording() {
                    self.stop_recording()
                } else {
                    self.record(settings)
                }
            }
            MediaCommand::ShowGuide
            | MediaCommand::HideGuide
            | MediaCommand::ToggleGuide
            | MediaCommand::WhatsOn { .. }
            | MediaCommand::ChannelMissing { .. }
            | MediaCommand::WhenIs { .. }
            | MediaCommand::AddFavourite { .. }
            | MediaCommand::RemoveFavourite { .. }
            | MediaCommand::ToggleFavourite
            | MediaCommand::Companion { .. }
            | MediaCommand::Layout { .. }
            | MediaCommand::PictureInPicture { .. }
            | MediaCommand::SwapPictures
            | MediaCommand::MultiView { .. }
            | MediaCommand::Broadcast { .. } => return None,
        })
    }
}

impl Tv {
    pub fn is_recording(&self) -> bool {
        self.recording
            .as_ref()
            .is_some_and(|r| r.state == prism_media::RecordingState::Recording)
    }

    /// Records the channel playing from now, named after it and its programme.
    fn record(&mut self, settings: &Settings) -> Outcome {
        let name_of = |r: &prism_media::RecordingStatus| {
            r.path
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        if let Some(r) = self.recording.as_ref().filter(|_| self.is_recording()) {
            return Outcome::Recording {
                on: true,
                name: name_of(r),
                seconds: r.seconds as u32,
            };
        }
        let refuse = |tv: &mut Tv, why: String| {
            tv.notice = Some((Instant::now(), why.clone()));
            Outcome::NoRecording(why)
        };
        let Some(i) = self
            .current
            .filter(|_| self.archive.is_none() && self.replay.is_none())
        else {
            return refuse(self, t!("record-nothing"));
        };
        let now = crate::time::unix_now();
        let title = self
            .guide()
            .and_then(|g| g.now_next(i, now).now)
            .map(|p| p.title().to_owned());
        let channel = self.channel(i).map(|c| c.name.clone()).unwrap_or_default();
        let local = prism_core::timeshift::civil(now + i64::from(crate::time::local_offset(now)));
        let stem = prism_core::timeshift::recording_stem(&channel, title.as_deref(), local);
        let path = settings.recordings_dir().join(&stem);
        match self.player.start_recording(&path) {
            Ok(()) => {
                info!("recording {}", path.display());
                self.recording = self.player.recording();
                Outcome::Recording {
                    on: true,
                    name: stem,
                    seconds: 0,
                }
            }
            Err(why) => refuse(self, why),
        }
    }

    /// "What did I miss?": the span last jumped over, or (still behind) what live has shown
    /// that the picture has not, read from the buffer's subtitles.
    fn catch_me_up(&mut self, settings: &Settings) -> Outcome {
        let behind = self
            .timeline
            .filter(|t| t.live && !t.at_live())
            .map(|t| (t.position, t.end));
        let Some((from, to)) = self.skipped.or(behind) else {
            // Just back on this channel: what the guide says changed while away.
            if let Some(back) = self
                .came_back
                .as_ref()
                .filter(|b| Some(b.channel) == self.current)
            {
                return Outcome::Away(back.line.clone());
            }
            return match self.timeline {
                Some(_) => Outcome::NoTimeshift(t!("missed-nothing")),
                None => self.cannot_shift(settings),
            };
        };
        let said = self.player.captions_between(from, to);
        let genre = self
            .current
            .and_then(|i| {
                let p = self.guide()?.now_next(i, self.on_screen_time()).now?;
                Some(Genre::of(p.categories().next().unwrap_or_default()))
            })
            .unwrap_or(Genre::Other);
        // The programme's own kind of moment first; a goal on a news channel still counts.
        let trigger = |c: &str| {
            [genre, Genre::Sports, Genre::News]
                .into_iter()
                .find_map(|g| from_caption(c, g))
        };
        let matters = |c: &str| trigger(c).is_some();
        let mut picked: Vec<&(f64, String)> =
            said.iter().filter(|(_, c)| matters(c)).take(2).collect();
        // A moment's segment starts a little before it: the jump lands just ahead of it.
        self.moment = picked.first().map(|(t, _)| *t);
        if let Some(last) = said.last()
            && !picked.contains(&last)
        {
            picked.push(last);
        }
        let matter = picked
            .first()
            .filter(|_| self.moment.is_some())
            .and_then(|(_, c)| Some((trigger(c)?.noun().to_owned(), c.clone())));
        let mut heard: Vec<String> = Vec::new();
        for (_, c) in &said {
            // A looping programme (or a repeated line) is told once.
            if !heard.contains(c) {
                heard.push(c.clone());
            }
        }
        Outcome::Missed {
            minutes: ((to - from) / 60.0).round().max(1.0) as u32,
            said: picked.into_iter().map(|(_, c)| c.clone()).collect(),
            moment: self.moment.is_some(),
            heard,
            matter,
        }
    }

    /// Plays a recording from the recordings folder, by name.
    fn play_recording(&mut self, name: &str, settings: &Settings) -> Outcome {
        let dir = settings.recordings_dir();
        // A name, never a path: nothing outside the folder plays by this.
        let path = (!name.contains(['/', '\\']) && !name.starts_with('.'))
            .then(|| {
                ["mkv", "ts"]
                    .iter()
                    .map(|e| prism_media::with_ext(&dir.join(name), e))
                    .find(|p| p.is_file())
            })
            .flatten();
        let Some(path) = path else {
            let why = t!("recording-missing", name = name.to_owned());
            self.notice = Some((Instant::now(), why.clone()));
            return Outcome::NoRecording(why);
        };
        self.player.play(PlayRequest {
            sources: vec![prism_media::StreamSource::new(prism_media::file_uri(&path))],
            ..Default::default()
        });
        self.timeline = None;
        self.buffer = None;
        self.seeked = None;
        self.seek_pending = false;
        self.tracks = TrackList::default();
        self.captions.clear();
        self.status = Status::Connecting;
        self.archive = None;
        self.replay = Some(name.to_owned());
        // Back (the last channel) returns to the channel, live.
        self.previous = self.current;
        Outcome::Replaying(name.to_owned())
    }

    fn stop_recording(&mut self) -> Outcome {
        if !self.is_recording() {
            let why = t!("record-none");
            self.notice = Some((Instant::now(), why.clone()));
            return Outcome::NoRecording(why);
        }
        match self.player.stop_recording() {
            Some(r) => {
                let name = r
                    .path
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let seconds = r.seconds as u32;
                self.recording = Some(r);
                Outcome::Recording {
                    on: false,
                    name,
                    seconds,
                }
            }
            None => Outcome::NoRecording(t!("record-none")),
        }
    }

    /// A jump to `at` (the timeline's scale), shown at once on the time bar.
    fn seek_to(&mut self, at: f64) {
        if let Some(t) = self.timeline.as_mut() {
            t.position = at.clamp(t.start, t.end.max(t.start));
            self.player.seek(SeekTo::At(t.position));
        }
        self.seeked = Some(Instant::now());
        self.seek_pending = true;
    }

    fn seeked_outcome(&self) -> Outcome {
        let t = self.timeline.unwrap_or_default();
        if t.live {
            let behind = if t.at_live() {
                0
            } else {
                t.behind().round() as u32
            };
            Outcome::Seeked { behind, live: true }
        } else {
            Outcome::Seeked {
                behind: (t.position - t.start).max(0.0).round() as u32,
                live: false,
            }
        }
    }

    /// Why what plays cannot be paused or rewound.
    fn cannot_shift(&mut self, settings: &Settings) -> Outcome {
        let why = if let Some(e) = self.buffer.as_ref().and_then(|b| b.error.clone()) {
            e
        } else if !settings.stream.timeshift {
            t!("timeshift-off")
        } else if !matches!(self.status, Status::Playing | Status::Paused) {
            t!("timeshift-nothing")
        } else {
            t!("timeshift-unavailable")
        };
        self.notice = Some((Instant::now(), why.clone()));
        Outcome::NoTimeshift(why)
    }

    /// The wall-clock time (Unix seconds) of what is on screen: now when live, earlier when
    /// paused or rewound, the programme's time when it plays from the archive. The banner,
    /// "start over" and Lumen's remarks go by it.
    pub fn on_screen_time(&self) -> i64 {
        let now = crate::time::unix_now();
        match (&self.archive, self.timeline) {
            (Some((_, start, _)), Some(t)) if !t.live => start + (t.position - t.start) as i64,
            (Some((_, start, _)), _) => *start,
            (None, Some(t)) if t.live && !t.at_live() => now - t.behind().round() as i64,
            _ => now,
        }
    }

    /// Where wall-clock time `at` is in the live buffer, if the buffer reaches back to it.
    fn buffered_since(&self, at: i64) -> Option<f64> {
        let t = self.timeline.filter(|t| t.live && self.archive.is_none())?;
        // The seekable end is about now (a few seconds behind the broadcast, as live is).
        let pos = t.end - (crate::time::unix_now() - at) as f64;
        (pos >= t.start).then_some(pos)
    }

    /// "Remind me when the news is on": the soonest programme still to come with those words
    /// in its title (a description's match only when no title has them), on a channel whose
    /// programmes may be shown.
    fn remind_of(&mut self, title: &str, settings: &mut Settings) -> Outcome {
        let now = crate::time::unix_now();
        let best = self
            .soonest_showing(title, now, 50, true, settings)
            .map(|(c, p)| (c, p.start()));
        match best {
            Some((c, start)) if settings.reminders.has(&self.channel_identity(c), start) => {
                let title = self.programme_title(c, start).unwrap_or_default();
                Outcome::Reminder {
                    set: true,
                    channel: c,
                    title,
                    start,
                }
            }
            Some((c, start)) => self.toggle_reminder(c, start, settings),
            None => Outcome::NoProgramme,
        }
    }

    /// Plays the programme on channel `i` that started at `start` from the provider's archive
    /// (`prism_core::catchup`), or says why it cannot (in the corner too: the live channel
    /// plays on).
    fn catch_up(&mut self, i: usize, start: i64, settings: &Settings) -> Outcome {
        let outcome = self.archive_play(i, start, settings);
        if let Outcome::NoArchive(why) = &outcome {
            self.notice = Some((Instant::now(), why.clone()));
        }
        outcome
    }

    fn archive_play(&mut self, i: usize, start: i64, settings: &Settings) -> Outcome {
        let now = crate::time::unix_now();
        let Some(c) = self.channel(i) else {
            return Outcome::NoChannel;
        };
        let Some(p) = self.programme_at(i, start) else {
            return Outcome::NoArchive(t!("no-programme-then"));
        };
        let Some(catchup) = c.catchup.as_ref() else {
            return Outcome::NoArchive(prism_core::catchup::CatchupError::NoArchive.to_string());
        };
        let window = prism_core::catchup::Window {
            start,
            stop: p.stop(),
            now,
            local_offset: crate::time::local_offset(start),
            catchup_id: p.catchup_id(),
        };
        let title = p.title().to_owned();
        let url =
            match prism_core::catchup::url(c.primary_url().unwrap_or_default(), catchup, &window) {
                Ok(url) => url,
                Err(e) => return Outcome::NoArchive(e.to_string()),
            };
        // The channel's headers go with the archive's requests too.
        let mut request = PlayRequest::from(c);
        request.sources.truncate(1);
        if let Some(s) = request.sources.first_mut() {
            s.url = url;
        }
        self.play_channel(i, request, settings);
        // Back (the last channel) returns to this channel, live.
        self.previous = Some(i);
        self.archive = Some((i, start, title.clone()));
        self.notice = Some((
            Instant::now(),
            t!(
                "catchup-playing",
                title = title.clone(),
                time = crate::time::clock(start)
            ),
        ));
        Outcome::CatchUp {
            channel: i,
            title,
            start,
        }
    }

    fn channel_identity(&self, i: usize) -> String {
        self.channel(i).map(|c| c.identity()).unwrap_or_default()
    }

    fn programme_title(&self, i: usize, start: i64) -> Option<String> {
        self.programme_at(i, start).map(|p| p.title().to_owned())
    }

    /// The programme on channel `i` that starts at `start` exactly.
    pub(crate) fn programme_at(
        &self,
        i: usize,
        start: i64,
    ) -> Option<prism_core::epg::ProgrammeRef<'_>> {
        self.guide()?
            .range(i, start, start + 1)
            .next()
            .filter(|p| p.start() == start)
    }

    /// The programme on channel `i` starting at `start`: a reminder set, or taken off.
    fn toggle_reminder(&mut self, i: usize, start: i64, settings: &mut Settings) -> Outcome {
        let now = crate::time::unix_now();
        // A locked channel's programmes are not shown: none to be reminded of either.
        if !self.shows_programmes(i, settings) {
            return Outcome::NoProgramme;
        }
        let (Some(c), Some(p)) = (
            self.channel(i),
            self.programme_at(i, start).filter(|p| p.start() > now),
        ) else {
            return Outcome::NoProgramme;
        };
        let r = prism_core::reminders::Reminder {
            channel: c.identity(),
            channel_name: c.name.clone(),
            title: p.title().to_owned(),
            start,
            stop: p.stop(),
            announced: false,
        };
        let title = r.title.clone();
        match settings.reminders.toggle(r, now) {
            Some(set) => Outcome::Reminder {
                set,
                channel: i,
                title,
                start,
            },
            None => Outcome::NoProgramme,
        }
    }

    /// The track of `kind` in `language`, turned on; or why not.
    fn choose_language(
        &mut self,
        kind: TrackKind,
        language: &str,
        settings: &mut Settings,
    ) -> Outcome {
        match self.tracks.find(kind, language).map(|t| t.id.clone()) {
            Some(id) => self.choose_track(kind, &id, settings),
            None => Outcome::NoTrack {
                kind,
                language: language.to_owned(),
            },
        }
    }

    /// Turns on track `id` (the track menu, a spoken language) and remembers its language
    /// for this channel.
    pub fn choose_track(&mut self, kind: TrackKind, id: &str, settings: &mut Settings) -> Outcome {
        let Some((n, track)) = self
            .tracks
            .of(kind)
            .iter()
            .enumerate()
            .find(|(_, t)| t.id == id)
        else {
            return Outcome::NoTrack {
                kind,
                language: id.to_owned(),
            };
        };
        let label = track.label(n + 1);
        let language = track.language.clone();
        match kind {
            TrackKind::Audio => self.player.select_tracks(Some(id.to_owned()), None),
            TrackKind::Subtitle => self.player.select_tracks(None, Some(id.to_owned())),
        }
        if let (Some(lang), Some(name)) = (language, self.current.and_then(|i| self.channel(i))) {
            let own = settings
                .tracks
                .channels
                .entry(name.name.clone())
                .or_default();
            match kind {
                TrackKind::Audio => own.audio = Some(lang),
                TrackKind::Subtitle => own.subtitles = Some(lang),
            }
        }
        self.track_changed = Some((Instant::now(), label.clone()));
        Outcome::Track { kind, label }
    }
}

/// The stream settings reach the player at start and whenever they change (the next channel
/// started plays by them).
fn stream_limits(
    tv: Res<Tv>,
    settings: Res<Settings>,
    mut told: Local<Option<crate::settings::StreamSettings>>,
) {
    if told.as_ref() != Some(&settings.stream) {
        tv.player.set_stream_limits(settings.stream.limits());
        if told.as_ref().map(|s| s.timeshift()) != Some(settings.stream.timeshift()) {
            tv.player.set_timeshift(settings.stream.timeshift());
        }
        *told = Some(settings.stream.clone());
    }
}

fn set_volume(tv: &mut Tv, settings: &mut Settings, v: u8) {
    tv.volume = v;
    tv.player.set_volume(v);
    if tv.muted && v > 0 {
        tv.muted = false;
        tv.player.set_muted(false);
        settings.muted = false;
    }
    tv.volume_changed = Some(Instant::now());
    settings.volume = v;
}

impl Tv {
    /// A zap's first picture (or a radio's first sound) arrived: its latency is kept.
    fn zap_landed(&mut self, what: &str, since_request: Duration, source: usize) {
        if let Some(t) = self.zap_requested.take() {
            let latency = t.elapsed();
            info!("zap: {what} after {latency:?} (player {since_request:?}, source {source})");
            self.last_zap_latency = Some(latency);
        }
    }
}

fn player_events(
    mut tv: ResMut<Tv>,
    settings: Res<Settings>,
    mut captioned: MessageWriter<Captioned>,
    mut zapped: MessageWriter<Zapped>,
) {
    // The recording's progress (a lock and a copy: cheap enough each frame); its end is told.
    let rec = tv.player.recording();
    if rec != tv.recording {
        use prism_media::RecordingState as R;
        let was = tv.recording.as_ref().map(|r| r.state.clone());
        if let Some(r) = &rec
            && was.as_ref() != Some(&r.state)
        {
            let name = r.path.display().to_string();
            match &r.state {
                R::Done => {
                    info!("recorded {name} ({:.0} s)", r.seconds);
                    tv.notice = Some((
                        Instant::now(),
                        t!(
                            "record-saved",
                            time = prism_core::timeshift::clock(r.seconds),
                            path = name
                        ),
                    ));
                }
                R::Failed(why) => {
                    warn!("recording {name}: {why}");
                    tv.notice = Some((Instant::now(), t!("record-failed", why = why.clone())));
                }
                R::Recording | R::Finishing => {}
            }
        }
        tv.recording = rec;
    }
    for e in tv.player.events() {
        match e {
            PlayerEvent::Connecting { source, url } => {
                if source > 0 {
                    info!("trying backup {source}: {url}");
                }
                tv.status = Status::Connecting;
                tv.audio_only = false;
            }
            PlayerEvent::FirstSound {
                since_request,
                source,
            } => {
                tv.status = Status::Playing;
                tv.audio_only = true;
                tv.zap_landed("radio sound", since_request, source);
            }
            PlayerEvent::FirstFrame {
                since_request,
                source,
                ..
            } => {
                if !tv.pictured {
                    tv.pictured = true;
                    info!(
                        "first picture {:?} after launch",
                        crate::time::since_launch()
                    );
                }
                tv.status = Status::Playing;
                tv.audio_only = false;
                tv.zap_landed("first frame", since_request, source);
            }
            PlayerEvent::Buffering { percent } => {
                if matches!(tv.status, Status::Playing | Status::Buffering(_)) {
                    tv.status = if percent < 100 {
                        Status::Buffering(percent)
                    } else {
                        Status::Playing
                    };
                }
            }
            PlayerEvent::Timeline { timeline, buffer } => {
                let tv = tv.as_mut();
                // Until a jump's first picture, the player's position is the old one.
                let position = match (tv.seek_pending, tv.timeline) {
                    (true, Some(t)) => t.position,
                    _ => timeline.position,
                };
                tv.timeline = Some(Timeline {
                    position,
                    ..timeline
                });
                if tv.buffer.as_ref().and_then(|b| b.error.as_ref()).is_none()
                    && let Some(e) = buffer.as_ref().and_then(|b| b.error.clone())
                {
                    warn!("timeshift: {e}");
                    tv.notice = Some((Instant::now(), e));
                }
                tv.buffer = buffer;
            }
            PlayerEvent::Seeked { took } => {
                info!("seek: first picture after {took:?}");
                tv.seek_pending = false;
                tv.last_seek_latency = Some(took);
            }
            PlayerEvent::Paused => tv.status = Status::Paused,
            PlayerEvent::Resumed => tv.status = Status::Playing,
            PlayerEvent::Stopped => {}
            PlayerEvent::Error {
                message,
                recovery: Recovery::GiveUp,
            } if tv.archive.is_some() || tv.replay.is_some() => {
                // An archive programme or a recording that cannot play: the channel goes on
                // live, and the card says what failed.
                warn!("playback: {message} (back to live)");
                let what = match (&tv.archive, &tv.replay) {
                    (Some((_, _, title)), _) => title.clone(),
                    (_, Some(name)) => name.clone(),
                    _ => String::new(),
                };
                if let Some(i) = tv.current {
                    tv.tune(i, &settings);
                    zapped.write(Zapped);
                }
                tv.notice = Some((
                    Instant::now(),
                    t!("replay-failed", title = what, why = message),
                ));
            }
            PlayerEvent::Error { message, recovery } => {
                warn!("playback: {message} ({recovery:?})");
                let next = match recovery {
                    Recovery::Retry {
                        source: 0,
                        attempt,
                        delay,
                    } => t!(
                        "retrying",
                        seconds = format!("{:.1}", delay.as_secs_f32()),
                        attempt = attempt
                    ),
                    Recovery::Retry { source, .. } => t!("trying-backup", source = source),
                    Recovery::GiveUp => t!("gave-up"),
                };
                tv.status = Status::Failed { message, next };
            }
            PlayerEvent::Warning { message } => debug!("gstreamer: {message}"),
            PlayerEvent::Tracks(tracks) => tv.tracks = tracks,
            PlayerEvent::MissingCodec { message } => {
                warn!("playback: {message}");
                tv.notice = Some((Instant::now(), message));
            }
            PlayerEvent::AudioLevel { rms_db } => {
                tv.audio_level = (rms_db as f32, tv.audio_level.1 + 1);
            }
            PlayerEvent::FadedOut { levels, after } => {
                debug!(
                    "the channel left faded out over {after:?}: {:.0?} dBFS",
                    levels
                );
            }
            // Closed captions are erased rather than timed: the one on screen ends now.
            PlayerEvent::Caption { text, .. } if text.is_empty() => {
                if let Some(c) = tv.captions.back_mut() {
                    c.until = c.until.min(Instant::now());
                }
            }
            PlayerEvent::Caption { text, duration } => {
                let at = Instant::now();
                while tv.captions.len() >= RECENT_CAPTIONS {
                    tv.captions.pop_front();
                }
                tv.captions.push_back(Caption {
                    at,
                    until: at + duration,
                    text: text.clone(),
                });
                captioned.write(Captioned(text));
            }
        }
    }
}
