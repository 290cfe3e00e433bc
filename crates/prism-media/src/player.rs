//! One `playbin3` per player, driven from a control thread that owns it: commands come in over a
//! channel, the bus is polled on the same thread (no GLib main loop), and what happens goes out as
//! [`PlayerEvent`]s. Frames bypass the thread: the appsink publishes them into a [`FrameSlot`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use crate::errors::describe_message;
use crate::frame::FrameSlot;
use crate::record::RecordingStatus;
use crate::relay::{Relay, RelayOptions, RelayStats, StreamLimits};
use crate::shift::{ShiftStatus, TimeshiftOptions};
use crate::{MediaError, require};
use prism_core::playlist::HttpHeaders;
pub use prism_core::timeshift::Timeline;
use prism_core::tracks::{Track, TrackKind, TrackList, TrackWish};

/// One URL of a channel with the HTTP headers its playlist asks for (sent on every request
/// the relay makes for it: playlists, segments, keys).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamSource {
    pub url: String,
    pub headers: HttpHeaders,
}

impl StreamSource {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Default::default()
        }
    }
}

/// A channel to play: its primary URL first, then backups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlayRequest {
    pub sources: Vec<StreamSource>,
    /// The languages wanted for its sound and subtitles, best first: applied to each stream
    /// it opens (a backup URL, a reconnect) as soon as the stream says what it carries.
    pub tracks: TrackWish,
}

impl From<&prism_core::Channel> for PlayRequest {
    fn from(c: &prism_core::Channel) -> Self {
        Self {
            sources: c
                .streams
                .iter()
                .map(|s| StreamSource {
                    url: s.url.clone(),
                    headers: s.headers.clone(),
                })
                .collect(),
            tracks: TrackWish::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioOutput {
    /// The desktop's audio (autoaudiosink).
    System,
    /// Decoded and clocked, but silent: tests and machines without sound.
    Null,
    /// A sink of the user's choosing, as `gst-launch-1.0` writes it ("alsasink device=hw:1",
    /// "pulsesink server=…"): another output than the desktop's default.
    Sink(String),
}

#[derive(Debug, Clone)]
pub struct PlayerOptions {
    pub audio: AudioOutput,
    /// Tries per URL before moving to the next backup.
    pub attempts_per_source: u32,
    /// First retry delay; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// No new picture for this long while playing counts as a failure.
    pub stall_timeout: Duration,
    /// Not playing this long after a (re)start counts as a failure.
    pub start_timeout: Duration,
    /// HTTP timeout for the playlist fetch, seconds.
    pub http_timeout_s: u32,
    /// Switch channels inside the running pipeline (playbin3 `instant-uri`) instead of rebuilding.
    pub instant_switch: bool,
    /// Fetch HTTP streams through the loopback relay (`None`: GStreamer fetches them itself,
    /// and a segment 404 can abort the process on GStreamer 1.22.0; see `relay`).
    pub relay: Option<RelayOptions>,
    /// Pause and rewind live TV (through the relay; `None`: off).
    pub timeshift: Option<TimeshiftOptions>,
    /// How long the channel left keeps sounding under the next one, fading out (zero: the
    /// sound cuts at a zap).
    pub crossfade: Duration,
}

impl Default for PlayerOptions {
    fn default() -> Self {
        Self {
            audio: AudioOutput::from_env(),
            attempts_per_source: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            stall_timeout: Duration::from_secs(8),
            start_timeout: Duration::from_secs(15),
            http_timeout_s: 10,
            // playbin3's instant-uri on GStreamer 1.22 can wedge the pipeline on HLS (data before
            // segment, then no more frames; seen in the zap bench), so switches rebuild it.
            instant_switch: false,
            relay: Some(RelayOptions::default()),
            timeshift: None,
            crossfade: CROSSFADE,
        }
    }
}

impl AudioOutput {
    /// `PRISM_AUDIO=null` silences playback (tests, CI); `PRISM_AUDIO="alsasink device=hw:1"`
    /// plays through that sink; unset or empty, the desktop's audio.
    pub fn from_env() -> Self {
        match std::env::var("PRISM_AUDIO").as_deref().map(str::trim) {
            Ok("null") | Ok("none") => Self::Null,
            Ok(sink) if !sink.is_empty() => Self::Sink(sink.to_owned()),
            _ => Self::System,
        }
    }
}

/// What the next step of recovery is after a failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovery {
    /// Trying `source` (an index into the request's sources) again after `delay`.
    Retry {
        source: usize,
        attempt: u32,
        delay: Duration,
    },
    /// Every URL failed every attempt; playback stopped.
    GiveUp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    /// Opening `source` of the current request.
    Connecting {
        source: usize,
        url: String,
    },
    /// Pictures are flowing; `since_request` is the time from `play` to the first frame.
    FirstFrame {
        source: usize,
        since_request: Duration,
        width: u32,
        height: u32,
    },
    /// A stream with no picture at all (radio) is playing: its sound is flowing.
    FirstSound {
        source: usize,
        since_request: Duration,
    },
    Buffering {
        percent: u8,
    },
    /// Where playback is in a stream that can seek (a buffered live channel, a programme from
    /// the archive), four times a second; `buffer` is the time-shift buffer's state when the
    /// channel has one.
    Timeline {
        timeline: Timeline,
        buffer: Option<ShiftStatus>,
    },
    /// A seek's first picture came, `took` after it was asked for.
    Seeked {
        took: Duration,
    },
    Paused,
    Resumed,
    Stopped,
    /// Something failed; `message` is for people, `recovery` says what happens next.
    Error {
        message: String,
        recovery: Recovery,
    },
    /// A non-fatal problem GStreamer reported.
    Warning {
        message: String,
    },
    /// Loudness of what is playing, after volume and mute (loudest channel, dBFS), 10 per second.
    AudioLevel {
        rms_db: f64,
    },
    /// The channel left at a zap has faded out and stopped: its loudness as heard while it
    /// faded (dBFS, ten readings a second, in order) and how long it was heard.
    FadedOut {
        levels: Vec<f64>,
        after: Duration,
    },
    /// Part of the stream cannot be decoded here (a sound track in Dolby Digital without its
    /// decoder): the rest plays; `message` names the format and the package to install. (A
    /// picture that cannot be decoded is an [`PlayerEvent::Error`] instead.)
    MissingCodec {
        message: String,
    },
    /// The stream's audio and subtitle tracks and which are on: sent when a stream says what
    /// it carries (each zap) and when the choice changes.
    Tracks(TrackList),
    /// A caption (the stream's subtitles or closed captions), sent when it is due on screen
    /// and shown for `duration`; plain text, markup removed, lines joined by '\n'. Empty text
    /// ends the caption on screen (closed captions stay up until erased).
    Caption {
        text: String,
        duration: Duration,
    },
}

/// The music analysis of what is playing, shared with the audio tap's thread.
#[derive(Clone, Default)]
pub struct Music(Arc<Mutex<MusicState>>);

/// Hears what the viewer hears (after volume and ducking): mono 48 kHz, on the tap's thread.
pub type AudioListener = Arc<dyn Fn(&[f32]) + Send + Sync>;

/// The linear gain the player applies for a volume in percent (cubic, like system mixers):
/// what to divide out of a level heard after the volume to get the channel's own.
pub fn volume_gain(percent: u8) -> f64 {
    let v = f64::from(percent.min(100)) / 100.0;
    v * v * v
}

#[derive(Default)]
struct MusicState {
    tracker: Option<prism_core::companion::beat::BeatTracker>,
    /// When the latest audio arrived, and how much had been analysed by then (seconds).
    fed: Option<(Instant, f64)>,
    samples: u64,
    listener: Option<AudioListener>,
    /// What the viewer heard lately (the echo canceller's reference): 48 kHz chunks, each
    /// with the moment it began to be heard, the newest last (at most [`HEARD_FOR`]).
    heard: std::collections::VecDeque<(Instant, Vec<f32>)>,
    heard_len: usize,
}

/// How much of what the viewer heard is kept: the longest push-to-talk utterance the voice
/// takes the TV out of, and the second before it.
const HEARD_FOR: usize = 48_000 * 32;

impl Music {
    fn push(&self, samples: &[f32]) {
        let listener = self.listen_now();
        if let Some(l) = listener {
            l(samples);
        }
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.tracker
            .get_or_insert_with(|| prism_core::companion::beat::BeatTracker::new(48_000))
            .push(samples);
        m.samples += samples.len() as u64;
        let analysed = m.samples as f64 / 48_000.0;
        let now = Instant::now();
        m.fed = Some((now, analysed));
        // The tap keeps to the clock: a chunk arrives as its first sample is heard.
        m.heard.push_back((now, samples.to_vec()));
        m.heard_len += samples.len();
        while m.heard_len > HEARD_FOR
            && let Some((_, old)) = m.heard.pop_front()
        {
            m.heard_len -= old.len();
        }
    }

    /// What the viewer heard from `from` to `to` (after volume and ducking), 48 kHz mono:
    /// silence where nothing was (paused, muted, before the first sound, dropped chunks).
    pub fn heard_between(&self, from: Instant, to: Instant) -> Vec<f32> {
        let len = (to.saturating_duration_since(from).as_secs_f64() * 48_000.0).round() as usize;
        let mut out = vec![0f32; len];
        let m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (at, chunk) in &m.heard {
            // Where the chunk begins in `out`, before it or after.
            let offset = if *at >= from {
                (at.duration_since(from).as_secs_f64() * 48_000.0).round() as i64
            } else {
                -((from.duration_since(*at).as_secs_f64() * 48_000.0).round() as i64)
            };
            // The part of the chunk inside the window.
            let skip = (-offset).max(0) as usize;
            let at = offset.max(0) as usize;
            let n = chunk.len().saturating_sub(skip).min(len.saturating_sub(at));
            if n > 0 {
                out[at..at + n].copy_from_slice(&chunk[skip..skip + n]);
            }
        }
        out
    }

    fn listen_now(&self) -> Option<AudioListener> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .listener
            .clone()
    }

    /// Someone else hears the sound too (a broadcast), or no longer.
    pub fn listen(&self, listener: Option<AudioListener>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).listener = listener;
    }

    /// The analysis now, and where "now" falls on its clock (for the beat phase). `None`
    /// when no audio has arrived for half a second (paused, silent stream, stopped).
    pub fn now(&self) -> Option<(prism_core::companion::beat::Beat, f64)> {
        let m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (at, analysed) = m.fed?;
        let since = at.elapsed().as_secs_f64();
        if since > 0.5 {
            return None;
        }
        Some((m.tracker.as_ref()?.state(), analysed + since))
    }

    /// Forget the last channel's music (a zap).
    pub fn reset(&self) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Whoever listens goes on listening to the next channel, and what was heard was
        // heard.
        let listener = m.listener.take();
        let heard = std::mem::take(&mut m.heard);
        let heard_len = m.heard_len;
        *m = MusicState {
            listener,
            heard,
            heard_len,
            ..MusicState::default()
        };
    }
}

/// Where to seek.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeekTo {
    /// Seconds from where the picture is (negative: back).
    By(f64),
    /// The live edge (or a recording's end).
    Live,
    /// A point in the stream's time ([`Timeline`]'s scale).
    At(f64),
}

enum Command {
    Play(PlayRequest),
    Seek(SeekTo),
    Volume(f64),
    /// A factor on the volume while Lumen speaks (1 = none).
    Duck(f64),
    Mute(bool),
    Pause,
    Resume,
    Stop,
    Shutdown,
    /// Whether the channels opened from now on have their sound decoded at all.
    Sound(bool),
    /// Turn on these tracks (ids from [`PlayerEvent::Tracks`]); `None` keeps that kind's.
    Select {
        audio: Option<String>,
        subtitle: Option<String>,
    },
}

/// A channel player. Cheap to poll from a UI thread; all GStreamer work happens elsewhere.
pub struct Player {
    tx: Sender<Command>,
    music: Music,
    // In a mutex so a `Player` can be shared (a Bevy resource is `Sync`).
    events: Mutex<Receiver<PlayerEvent>>,
    frames: FrameSlot,
    thread: Option<JoinHandle<()>>,
    done: Mutex<Receiver<()>>,
    relay: Option<Arc<Relay>>,
    /// The deinterlacer of the pipeline playing (a cross-fading zap changes pipelines).
    deinterlace: Arc<Mutex<gst::Element>>,
}

/// What the deinterlacer was given and gives: caps as text (`None` before any video).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeinterlaceCaps {
    pub input: Option<String>,
    pub output: Option<String>,
}

impl Player {
    pub fn new(opts: PlayerOptions) -> Result<Self, MediaError> {
        crate::init()?;
        require("playbin3", "gstreamer1.0-plugins-base")?;
        require("hlsdemux2", "gstreamer1.0-plugins-good")?;
        require("appsink", "gstreamer1.0-plugins-base")?;
        require("level", "gstreamer1.0-plugins-good")?;
        require("deinterlace", "gstreamer1.0-plugins-good")?;
        let frames = FrameSlot::default();
        let music = Music::default();
        let (events_tx, events) = mpsc::channel();
        let (tx, rx) = mpsc::channel();
        let relay = match &opts.relay {
            Some(o) => Some(Arc::new(Relay::start(o.clone())?)),
            None => None,
        };
        if let Some(r) = &relay {
            r.set_timeshift(opts.timeshift.clone());
        }
        let engine = Engine::new(
            opts,
            frames.clone(),
            music.clone(),
            events_tx,
            relay.clone(),
        )?;
        let deinterlace = engine.deinterlace.clone();
        let (done_tx, done) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("prism-player".into())
            .spawn(move || {
                engine.run(rx);
                let _ = done_tx.send(());
            })?;
        Ok(Self {
            tx,
            music,
            events: Mutex::new(events),
            frames,
            thread: Some(thread),
            done: Mutex::new(done),
            relay,
            deinterlace,
        })
    }

    /// The caps going into and out of the deinterlacer now: interlaced in, progressive out
    /// when it is working; the same caps both sides when the stream is progressive.
    pub fn deinterlace_caps(&self) -> DeinterlaceCaps {
        let deinterlace = self
            .deinterlace
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let caps = |pad: &str| {
            deinterlace
                .static_pad(pad)
                .and_then(|p| p.current_caps())
                .map(|c| c.to_string())
        };
        DeinterlaceCaps {
            input: caps("sink"),
            output: caps("src"),
        }
    }

    pub fn play(&self, request: PlayRequest) {
        let _ = self.tx.send(Command::Play(request));
    }
    /// Volume in percent, 0–100 (perceptual: cubic, like system mixers).
    pub fn set_volume(&self, percent: u8) {
        let _ = self.tx.send(Command::Volume(volume_gain(percent)));
    }
    /// Lowers the TV under Lumen's voice: `factor` (0–1) scales the volume the user set, which
    /// stays what the volume bar shows. The app fades it in steps.
    pub fn set_duck(&self, factor: f64) {
        let _ = self.tx.send(Command::Duck(factor.clamp(0.0, 1.0)));
    }
    /// Whether the channels played from now on decode their sound (`false`: no sound stream
    /// is selected at all, so none is decoded; for a picture that is only looked at, such as
    /// a multi-view tile). Off, the sound playing is let go of within a second; on, the sound
    /// comes from the next `play`.
    pub fn set_sound(&self, on: bool) {
        let _ = self.tx.send(Command::Sound(on));
    }

    pub fn set_muted(&self, muted: bool) {
        let _ = self.tx.send(Command::Mute(muted));
    }
    /// Jumps inside what can be played (clamped to it: never past the buffer's ends).
    pub fn seek(&self, to: SeekTo) {
        let _ = self.tx.send(Command::Seek(to));
    }
    /// Records the channel playing (from its time-shift buffer: no second connection) into
    /// `stem`.ts, remuxed to `stem`.mkv when it stops.
    pub fn start_recording(&self, stem: &std::path::Path) -> Result<(), String> {
        match &self.relay {
            Some(r) => r.record(stem),
            None => Err("recording needs the relay".into()),
        }
    }
    /// Stops the recording (it is finished on its own thread; see [`Player::recording`]).
    pub fn stop_recording(&self) -> Option<RecordingStatus> {
        self.relay.as_ref()?.stop_recording()
    }
    /// The recording running, or the last one and how it ended.
    pub fn recording(&self) -> Option<RecordingStatus> {
        self.relay.as_ref()?.recording()
    }
    /// Starts timer `id`'s recording of `src` (any channel, playing or not) into `stem`.ts,
    /// then `stem`.mkv; another channel's buffer goes under `buffers`. See
    /// [`Relay::record_stream`].
    pub fn record_stream(
        &self,
        id: u64,
        src: &StreamSource,
        stem: &std::path::Path,
        buffers: TimeshiftOptions,
    ) -> Result<(), String> {
        match &self.relay {
            Some(r) => {
                r.record_stream(id, src, stem, buffers);
                Ok(())
            }
            None => Err("recording needs the relay".into()),
        }
    }
    /// Stops timer `id`'s recording (finished on its own thread).
    pub fn stop_stream(&self, id: u64) -> Option<RecordingStatus> {
        self.relay.as_ref()?.stop_stream(id)
    }
    /// How timer `id`'s recording goes.
    pub fn stream_recording(&self, id: u64) -> Option<RecordingStatus> {
        self.relay.as_ref()?.stream_recording(id)
    }
    /// Stops the recording and waits up to `timeout` for its file to be finished.
    pub fn finish_recording(&self, timeout: Duration) -> Option<RecordingStatus> {
        self.relay.as_ref()?.finish_recording(timeout)
    }
    /// What the subtitles said between `from` and `to` (stream time), from the buffer, each
    /// with about when (the start of its segment).
    pub fn captions_between(&self, from: f64, to: f64) -> Vec<(f64, String)> {
        self.relay
            .as_ref()
            .map(|r| r.captions(from, to))
            .unwrap_or_default()
    }
    /// Pause and rewind for channels started from now on (`None`: off).
    pub fn set_timeshift(&self, opts: Option<TimeshiftOptions>) {
        if let Some(r) = &self.relay {
            r.set_timeshift(opts);
        }
    }
    pub fn pause(&self) {
        let _ = self.tx.send(Command::Pause);
    }
    pub fn resume(&self) {
        let _ = self.tx.send(Command::Resume);
    }
    pub fn stop(&self) {
        let _ = self.tx.send(Command::Stop);
    }
    /// Turns on an audio and/or a subtitle track of the stream playing (ids from
    /// [`PlayerEvent::Tracks`]); the video and the other kind stay as they are. The next
    /// `Tracks` event says what took effect.
    pub fn select_tracks(&self, audio: Option<String>, subtitle: Option<String>) {
        let _ = self.tx.send(Command::Select { audio, subtitle });
    }

    /// Events since the last call, oldest first.
    pub fn events(&self) -> Vec<PlayerEvent> {
        let rx = self.events.lock().unwrap_or_else(|e| e.into_inner());
        rx.try_iter().collect()
    }
    /// Waits up to `timeout` for the next event.
    pub fn next_event(&self, timeout: Duration) -> Option<PlayerEvent> {
        let rx = self.events.lock().unwrap_or_else(|e| e.into_inner());
        rx.recv_timeout(timeout).ok()
    }
    /// What the music playing now does (tempo, beat, band energies), from the audio tap.
    pub fn music(&self) -> &Music {
        &self.music
    }

    pub fn frames(&self) -> &FrameSlot {
        &self.frames
    }

    /// The variants and the distance behind live for channels started from now on (through
    /// the relay; without one, streams play as they come).
    pub fn set_stream_limits(&self, limits: StreamLimits) {
        if let Some(r) = &self.relay {
            r.set_limits(limits);
        }
    }

    /// What the relay absorbed so far (retries, skipped segments), when there is one.
    pub fn relay_stats(&self) -> Option<RelayStats> {
        self.relay.as_ref().map(|r| r.stats())
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        // A recording running is finished (its segments so far, remuxed), not cut short.
        if let Some(r) = &self.relay {
            r.finish_recording(Duration::from_secs(30));
            r.finish_streams(Duration::from_secs(30));
        }
        let _ = self.tx.send(Command::Shutdown);
        // A wedged GStreamer state change must not hang the app on exit: wait, then leave the
        // thread to the process's end. The wait is generous because a pipeline still tearing
        // down when the process exits can crash inside GStreamer (seen once under a loaded
        // test run: an abort in glibc's mutex code), and a loaded machine is slow to tear down.
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        if done.recv_timeout(Duration::from_secs(10)).is_ok()
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
    }
}

/// What the appsink thread needs to report the first frame of a new request.
#[derive(Default)]
struct FirstFrameWatch {
    /// (stream epoch when the request started, when, which source)
    armed: Option<(u64, Instant, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Idle,
    /// Started a source at this instant; waiting for pictures.
    Starting(Instant),
    Playing,
    Paused,
    /// A retry is due at this instant.
    Waiting(Instant),
}

/// The picture's sink: decoded I420/NV12 frames, shown when due against the audio clock,
/// published to the frame slot; the first frame after a request is reported.
fn video_sink(
    frames: &FrameSlot,
    watch: &Arc<Mutex<FirstFrameWatch>>,
    events: &Sender<PlayerEvent>,
    live: &Arc<AtomicBool>,
) -> gst_app::AppSink {
    let caps = gst_video::VideoCapsBuilder::new()
        .format_list([gst_video::VideoFormat::I420, gst_video::VideoFormat::Nv12])
        .build();
    let appsink = gst_app::AppSink::builder()
        .caps(&caps)
        .max_buffers(1)
        .drop(true)
        // Frames are shown when due, against the audio clock, like any video sink.
        .sync(true)
        .enable_last_sample(false)
        .build();
    {
        let frames = frames.clone();
        let watch = watch.clone();
        let events = events.clone();
        let live = live.clone();
        appsink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    // A channel fading out after a zap shows nothing.
                    if !live.load(Ordering::Relaxed) {
                        return Ok(gst::FlowSuccess::Ok);
                    }
                    let info = sample
                        .caps()
                        .and_then(|c| gst_video::VideoInfo::from_caps(c).ok())
                        .ok_or(gst::FlowError::NotNegotiated)?;
                    let buffer = sample.buffer_owned().ok_or(gst::FlowError::Error)?;
                    let frame = gst_video::VideoFrame::from_buffer_readable(buffer, &info)
                        .map_err(|_| gst::FlowError::Error)?;
                    let frame = frames.publish(frame);
                    let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some((epoch, at, source)) = w.armed
                        && frame.stream_epoch > epoch
                    {
                        w.armed = None;
                        let _ = events.send(PlayerEvent::FirstFrame {
                            source,
                            since_request: at.elapsed(),
                            width: frame.width(),
                            height: frame.height(),
                        });
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
    }
    appsink
}

/// Closed captions (CEA-608 in A/53 caption meta) read off every frame on its way into the
/// sink, and a new stream marked (a new frame epoch, a clean caption screen).
fn read_closed_captions(
    appsink: &gst_app::AppSink,
    frames: &FrameSlot,
    events: &Sender<PlayerEvent>,
    subtitled: &Arc<Mutex<Option<Instant>>>,
    live: &Arc<AtomicBool>,
) {
    if let Some(pad) = appsink.static_pad("sink") {
        let live = live.clone();
        let frames = frames.clone();
        let events = events.clone();
        let subtitled = subtitled.clone();
        let cc = Mutex::new(prism_core::cea608::Decoder::default());
        pad.add_probe(
            gst::PadProbeType::EVENT_DOWNSTREAM | gst::PadProbeType::BUFFER,
            move |_, info| {
                if !live.load(Ordering::Relaxed) {
                    return gst::PadProbeReturn::Ok;
                }
                match &info.data {
                    // A new stream (channel switch) starts a new epoch, so its first frame
                    // is recognisable, and a clean caption screen.
                    Some(gst::PadProbeData::Event(ev))
                        if ev.type_() == gst::EventType::StreamStart =>
                    {
                        frames.new_stream();
                        *cc.lock().unwrap_or_else(|e| e.into_inner()) = Default::default();
                        *subtitled.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    }
                    // Read here rather than in the appsink's callback: a frame dropped for
                    // being late still carries its captions. Most streams carry none.
                    Some(gst::PadProbeData::Buffer(buffer))
                        if buffer.meta::<gst_video::VideoCaptionMeta>().is_some() =>
                    {
                        let recent_subtitles = subtitled
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .is_some_and(|t| t.elapsed() < Duration::from_secs(10));
                        if !recent_subtitles {
                            let mut cc = cc.lock().unwrap_or_else(|e| e.into_inner());
                            for text in closed_captions(buffer, &mut cc) {
                                let _ = events.send(PlayerEvent::Caption {
                                    duration: if text.is_empty() {
                                        Duration::ZERO
                                    } else {
                                        CC_LONGEST
                                    },
                                    text,
                                });
                            }
                        }
                    }
                    _ => {}
                }
                gst::PadProbeReturn::Ok
            },
        );
    }
}

/// What the viewer hears (through `level`, for the loudness readings) and the music tap, both
/// from the same decoded audio.
fn audio_sink(
    output: &AudioOutput,
    music: &Music,
    live: &Arc<AtomicBool>,
) -> Result<gst::Bin, MediaError> {
    // `level` after playbin's volume: the loudness the viewer hears, ten times a second (the
    // volume OSD's proof in tests, and what a companion can react to).
    let sink = match output {
        AudioOutput::Null => "fakesink sync=true",
        AudioOutput::System => "autoaudiosink",
        AudioOutput::Sink(s) => s.as_str(),
    };
    // A tap on the same decoded audio (no second decode) for the music analysis: mono,
    // 48 kHz floats into an appsink that keeps to the clock, so a beat is reported when it
    // is heard. The sound's own queue is short (100 ms): upstream runs that far ahead of
    // what is heard, and playbin's volume, which ducks the TV under Lumen, acts upstream.
    // The tap's queue leaks rather than ever holding the sound back, but holds more than
    // the sound's (a smaller one than upstream's lead leaked half the audio).
    let audio = gst::parse::bin_from_description(
        &format!(
            "tee name=t ! queue max-size-time=100000000 max-size-buffers=0 max-size-bytes=0 \
             ! level interval=100000000 post-messages=true ! {sink} \
             t. ! queue leaky=downstream max-size-time=3000000000 max-size-buffers=0 max-size-bytes=0 \
             ! audioconvert ! audioresample \
             ! audio/x-raw,format=F32LE,channels=1,rate=48000 ! appsink name=tap sync=true max-buffers=8 drop=true"
        ),
        true,
    )
    .map_err(|e| MediaError::Init(format!("audio sink: {e}")))?;
    if let Some(tap) = audio
        .by_name("tap")
        .and_then(|t| t.downcast::<gst_app::AppSink>().ok())
    {
        let music = music.clone();
        let live = live.clone();
        tap.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    if !live.load(Ordering::Relaxed) {
                        return Ok(gst::FlowSuccess::Ok);
                    }
                    if let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok()) {
                        let samples: Vec<f32> = map
                            .chunks_exact(4)
                            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .collect();
                        music.push(&samples);
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
    }
    Ok(audio)
}

/// Every source element playbin makes is configured (headers, timeouts), and what the server
/// answered is kept in `headers`.
fn configure_sources(playbin: &gst::Element, headers: &Arc<Mutex<HttpHeaders>>, timeout: u32) {
    let headers = headers.clone();
    playbin.connect("source-setup", false, move |args| {
        if let Some(src) = args.get(1).and_then(|v| v.get::<gst::Element>().ok()) {
            configure_source(&src, &headers, timeout);
        }
        None
    });
}

/// How long the channel left keeps sounding under the next one after a zap, fading out.
const CROSSFADE: Duration = Duration::from_millis(300);

/// One playbin3 with Prism's sinks. Its sinks pass on pictures, captions and sound for the
/// music tap only while `live`: a pipeline fading out after a zap is heard, never seen.
struct Pipe {
    playbin: gst::Element,
    deinterlace: gst::Element,
    bus: gst::Bus,
    live: Arc<AtomicBool>,
}

/// The channel left, fading out: since when, from what volume, how loud it was heard.
struct Fade {
    pipe: Pipe,
    since: Instant,
    from: f64,
    levels: Vec<f64>,
}

/// What every pipeline's sinks and signal handlers share with the engine.
struct Hooks<'a> {
    frames: &'a FrameSlot,
    music: &'a Music,
    events: &'a Sender<PlayerEvent>,
    watch: &'a Arc<Mutex<FirstFrameWatch>>,
    headers: &'a Arc<Mutex<HttpHeaders>>,
    wish: &'a Arc<Mutex<TrackWish>>,
    sound: &'a Arc<AtomicBool>,
}

fn build_pipe(opts: &PlayerOptions, hooks: &Hooks) -> Result<Pipe, MediaError> {
    let Hooks {
        frames,
        music,
        events,
        watch,
        headers,
        wish,
        sound,
    } = *hooks;
    let build = |name: &str| {
        gst::ElementFactory::make(name)
            .build()
            .map_err(|e| MediaError::Init(format!("{name}: {e}")))
    };
    let playbin = build("playbin3")?;
    let live = Arc::new(AtomicBool::new(false));
    let appsink = video_sink(frames, watch, events, &live);
    // When this stream's subtitle track last spoke: closed captions in the video then give
    // way to it, so a channel carrying both is not read twice (forgotten on a zap).
    let subtitled: Arc<Mutex<Option<Instant>>> = Arc::default();
    read_closed_captions(&appsink, frames, events, &subtitled, &live);
    playbin.set_property("video-sink", &appsink);
    // Interlaced broadcast (576i, 1080i) is deinterlaced, at the field rate (50i becomes
    // 50p, as TVs do for sport); progressive streams pass through untouched (mode auto
    // acts only on what the caps or the buffers say is interlaced).
    let deinterlace = gst::ElementFactory::make("deinterlace")
        .property_from_str("mode", "auto")
        .property_from_str("method", "greedyh")
        .build()
        .map_err(|e| MediaError::Init(format!("deinterlace: {e}")))?;
    playbin.set_property("video-filter", &deinterlace);
    let audio = audio_sink(&opts.audio, music, &live)?;
    playbin.set_property("audio-sink", &audio);
    // Subtitles are not drawn by GStreamer: their text comes out here, when due, for Prism
    // to draw (if the viewer wants them) and for Lumen to read (whether shown or not).
    playbin.set_property(
        "text-sink",
        caption_sink(events.clone(), subtitled, live.clone()),
    );
    playbin.set_property_from_str("flags", "video+audio+text+soft-volume");
    playbin.set_property("instant-uri", opts.instant_switch);
    configure_sources(&playbin, headers, opts.http_timeout_s);
    choose_tracks_on_open(&playbin, wish, sound);
    let bus = playbin
        .bus()
        .ok_or_else(|| MediaError::Init("playbin3 has no bus".into()))?;
    Ok(Pipe {
        playbin,
        deinterlace,
        bus,
        live,
    })
}

struct Engine {
    opts: PlayerOptions,
    playbin: gst::Element,
    deinterlace: Arc<Mutex<gst::Element>>,
    bus: gst::Bus,
    /// The playing pipeline's sinks pass their output on.
    live: Arc<AtomicBool>,
    /// A pipeline ready for the next zap (the one that faded out last).
    spare: Option<Pipe>,
    /// The channel left, still heard for `CROSSFADE`.
    fading: Option<Fade>,
    muted: bool,
    /// Sound streams are selected at open (read by `select-stream`).
    sound: Arc<AtomicBool>,
    frames: FrameSlot,
    music: Music,
    events: Sender<PlayerEvent>,
    headers: Arc<Mutex<HttpHeaders>>,
    watch: Arc<Mutex<FirstFrameWatch>>,
    request: PlayRequest,
    requested_at: Instant,
    source: usize,
    attempt: u32,
    phase: Phase,
    /// Buffering since (below 100 %).
    buffering: Option<Instant>,
    last_frame: (u64, Instant),
    /// The current stream's collection has sound and no picture (radio).
    audio_only: bool,
    /// The last loudness reading (ten a second while sound flows).
    last_audio: Instant,
    volume: f64,
    duck: f64,
    relay: Option<Arc<Relay>>,
    /// The stream's latest collection, what of it is selected, and its tracks as told.
    collection: Option<gst::StreamCollection>,
    selected: Vec<String>,
    tracks: TrackList,
    /// The languages wanted, read by decodebin3's `select-stream` as each stream opens.
    wish: Arc<Mutex<TrackWish>>,
    /// The wish was checked against this stream's selection once it played.
    wish_checked: bool,
    /// When sound was last asked away (a picture played without sound).
    silenced: Option<Instant>,
    /// Sound formats this stream has no decoder for (caps names), left out of the selection.
    undecodable: Vec<String>,
    /// A seek asked for: when, and the frames delivered when it completed (the pipeline's
    /// async-done; `None` until then: frames already on their way before the flush would
    /// otherwise count as the seek's).
    seeking: Option<(Instant, Option<u64>)>,
    last_timeline: Instant,
}

impl Engine {
    fn new(
        opts: PlayerOptions,
        frames: FrameSlot,
        music: Music,
        events: Sender<PlayerEvent>,
        relay: Option<Arc<Relay>>,
    ) -> Result<Self, MediaError> {
        let watch = Arc::new(Mutex::new(FirstFrameWatch::default()));
        let headers = Arc::new(Mutex::new(HttpHeaders::default()));
        let wish = Arc::new(Mutex::new(TrackWish::default()));
        let sound = Arc::new(AtomicBool::new(true));
        let hooks = Hooks {
            frames: &frames,
            music: &music,
            events: &events,
            watch: &watch,
            headers: &headers,
            wish: &wish,
            sound: &sound,
        };
        let pipe = build_pipe(&opts, &hooks)?;
        pipe.live.store(true, Ordering::Relaxed);
        // The next channel's pipeline, made now so a zap does not wait for it.
        let spare = build_pipe(&opts, &hooks)?;
        Ok(Self {
            opts,
            playbin: pipe.playbin,
            deinterlace: Arc::new(Mutex::new(pipe.deinterlace)),
            bus: pipe.bus,
            live: pipe.live,
            spare: Some(spare),
            fading: None,
            muted: false,
            sound,
            frames,
            music,
            events,
            headers,
            watch,
            request: PlayRequest::default(),
            requested_at: Instant::now(),
            source: 0,
            attempt: 0,
            phase: Phase::Idle,
            buffering: None,
            last_frame: (0, Instant::now()),
            audio_only: false,
            last_audio: Instant::now(),
            volume: 1.0,
            duck: 1.0,
            relay,
            collection: None,
            selected: Vec::new(),
            tracks: TrackList::default(),
            wish,
            wish_checked: false,
            silenced: None,
            undecodable: Vec::new(),
            seeking: None,
            last_timeline: Instant::now(),
        })
    }

    fn run(mut self, rx: Receiver<Command>) {
        loop {
            loop {
                match rx.try_recv() {
                    Ok(Command::Shutdown) | Err(TryRecvError::Disconnected) => {
                        self.end_fade();
                        let _ = self.playbin.set_state(gst::State::Null);
                        return;
                    }
                    Ok(cmd) => self.command(cmd),
                    Err(TryRecvError::Empty) => break,
                }
            }
            // Short waits keep command latency low without a GLib main loop.
            if let Some(msg) = self.bus.timed_pop(gst::ClockTime::from_mseconds(10)) {
                self.message(&msg);
                while let Some(msg) = self.bus.pop() {
                    self.message(&msg);
                }
            }
            self.tick();
        }
    }

    fn emit(&self, e: PlayerEvent) {
        let _ = self.events.send(e);
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Play(req) => {
                // Another channel: its picture must not sit under the old one's (a channel
                // that fails would otherwise show the last channel's frozen frame).
                let first = |r: &PlayRequest| r.sources.first().map(|s| s.url.clone());
                if first(&self.request) != first(&req) {
                    self.frames.clear();
                    self.music.reset();
                }
                self.request = req;
                self.requested_at = Instant::now();
                self.source = 0;
                self.attempt = 0;
                if self.request.sources.is_empty() {
                    self.stop();
                    self.emit(PlayerEvent::Error {
                        message: "this channel has no stream URL".into(),
                        recovery: Recovery::GiveUp,
                    });
                    return;
                }
                self.start(true);
            }
            Command::Volume(v) => {
                self.volume = v.clamp(0.0, 1.0);
                self.playbin.set_property("volume", self.volume * self.duck);
            }
            Command::Duck(d) => {
                self.duck = d;
                self.playbin.set_property("volume", self.volume * self.duck);
            }
            Command::Mute(m) => {
                self.muted = m;
                self.playbin.set_property("mute", m);
                if let Some(f) = &self.fading {
                    f.pipe.playbin.set_property("mute", m);
                }
            }
            Command::Pause => {
                if matches!(self.phase, Phase::Playing | Phase::Starting(_)) {
                    let _ = self.playbin.set_state(gst::State::Paused);
                    self.phase = Phase::Paused;
                    self.emit(PlayerEvent::Paused);
                }
            }
            Command::Resume => {
                if self.phase == Phase::Paused {
                    let _ = self.playbin.set_state(gst::State::Playing);
                    self.phase = Phase::Playing;
                    self.last_frame = (self.frames.delivered(), Instant::now());
                    self.emit(PlayerEvent::Resumed);
                }
            }
            Command::Stop => self.stop(),
            Command::Sound(on) => self.sound.store(on, Ordering::Relaxed),
            Command::Seek(to) => self.seek(to),
            Command::Shutdown => {}
            Command::Select { audio, subtitle } => {
                // The viewer's choice outlives a reconnect or a fall-over to a backup URL.
                let lang = |id: &Option<String>, kind| {
                    let id = id.as_ref()?;
                    let t = self.tracks.of(kind).iter().find(|t| &t.id == id)?;
                    t.language.clone()
                };
                if let Some(l) = lang(&audio, TrackKind::Audio) {
                    self.request.tracks.audio.insert(0, l);
                }
                if let Some(l) = lang(&subtitle, TrackKind::Subtitle) {
                    self.request.tracks.subtitles.insert(0, l);
                }
                self.wish
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone_from(&self.request.tracks);
                self.select(audio, subtitle);
            }
        }
    }

    /// Where playback is, when the stream can seek.
    fn timeline(&self) -> Option<(Timeline, Option<ShiftStatus>)> {
        let mut q = gst::query::Seeking::new(gst::Format::Time);
        if !self.playbin.query(&mut q) {
            return None;
        }
        let (seekable, start, end) = q.result();
        let secs = |v: gst::GenericFormattedValue| match v {
            gst::GenericFormattedValue::Time(Some(t)) => Some(t.nseconds() as f64 / 1e9),
            _ => None,
        };
        let (start, end) = (secs(start)?, secs(end)?);
        if !seekable || end <= start {
            return None;
        }
        let position = self.playbin.query_position::<gst::ClockTime>()?.nseconds() as f64 / 1e9;
        let live = self.playbin.query_duration::<gst::ClockTime>().is_none();
        let buffer = self.relay.as_ref().and_then(|r| r.timeshift());
        let target = buffer.as_ref().map_or(6, |b| b.target_duration) as f64;
        Some((
            Timeline {
                position,
                start,
                end,
                live,
                slack: prism_core::timeshift::live_slack(target),
            },
            buffer,
        ))
    }

    fn seek(&mut self, to: SeekTo) {
        if !matches!(self.phase, Phase::Playing | Phase::Paused) {
            return;
        }
        let Some((t, _)) = self.timeline() else {
            self.emit(PlayerEvent::Warning {
                message: "this stream cannot be rewound".into(),
            });
            return;
        };
        let target = match to {
            SeekTo::By(s) => t.jump(s),
            SeekTo::Live => t.end,
            SeekTo::At(x) => x.clamp(t.start, t.end),
        };
        let at = gst::ClockTime::from_nseconds((target.max(0.0) * 1e9) as u64);
        // Key units: a segment starts with one, so the picture comes at once.
        match self
            .playbin
            .seek_simple(gst::SeekFlags::FLUSH | gst::SeekFlags::KEY_UNIT, at)
        {
            Ok(()) => {
                self.seeking = Some((Instant::now(), None));
                // A seek is not a stall: the stall watch starts over.
                self.last_frame = (self.frames.delivered(), Instant::now());
            }
            Err(_) => self.emit(PlayerEvent::Warning {
                message: "the stream refused to seek there".into(),
            }),
        }
    }

    fn stop(&mut self) {
        self.end_fade();
        let _ = self.playbin.set_state(gst::State::Null);
        self.frames.clear();
        self.phase = Phase::Idle;
        self.watch.lock().unwrap_or_else(|e| e.into_inner()).armed = None;
        self.emit(PlayerEvent::Stopped);
    }

    /// Opens the current source. `switch` allows reusing the running pipeline.
    fn start(&mut self, switch: bool) {
        let src = self.request.sources[self.source].clone();
        self.headers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone_from(&src.headers);
        self.watch.lock().unwrap_or_else(|e| e.into_inner()).armed =
            Some((self.frames.epoch(), self.requested_at, self.source));
        self.emit(PlayerEvent::Connecting {
            source: self.source,
            url: src.url.clone(),
        });
        let (_, current, _) = self.playbin.state(gst::ClockTime::ZERO);
        let running = current == gst::State::Playing;
        // A fade still going from the zap before ends here, before the relay routes the next
        // channel (which keeps the one left served while it fades).
        self.end_fade();
        self.buffering = None;
        self.audio_only = false;
        // A new stream says anew what it carries; the wish applies to it.
        self.collection = None;
        self.selected.clear();
        self.wish_checked = false;
        self.undecodable.clear();
        self.wish
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone_from(&self.request.tracks);
        if self.tracks != TrackList::default() {
            self.tracks = TrackList::default();
            self.emit(PlayerEvent::Tracks(self.tracks.clone()));
        }
        let uri = self
            .relay
            .as_ref()
            .map_or_else(|| src.url.clone(), |r| r.route(&src));
        let fade = switch && running && !self.opts.instant_switch && !self.opts.crossfade.is_zero();
        if let Some(next) = fade.then(|| self.spare_pipe()).flatten() {
            // The channel left goes on sounding, fading out, while this one starts in the other
            // pipeline: no cut in the sound, and no wait for the old pipeline to stop first.
            let from = self.volume * self.duck;
            let pipe = self.swap_pipe(next);
            self.fading = Some(Fade {
                pipe,
                since: Instant::now(),
                from,
                levels: Vec::new(),
            });
            self.playbin.set_property("volume", from);
            self.playbin.set_property("mute", self.muted);
            self.playbin.set_property("uri", &uri);
            let _ = self.playbin.set_state(gst::State::Playing);
        } else if switch && running && self.opts.instant_switch {
            self.forget_previous();
            self.playbin.set_property("uri", &uri);
        } else {
            let _ = self.playbin.set_state(gst::State::Null);
            // Its segments were served until it stopped.
            self.forget_previous();
            self.playbin.set_property("uri", &uri);
            if self.playbin.set_state(gst::State::Playing).is_err() {
                // The bus carries the reason; `message` handles it.
            }
        }
        self.phase = Phase::Starting(Instant::now());
        self.last_frame = (self.frames.delivered(), Instant::now());
    }

    /// A pipeline for the next channel: the one that faded out last, or a new one.
    fn spare_pipe(&mut self) -> Option<Pipe> {
        if let Some(p) = self.spare.take() {
            return Some(p);
        }
        build_pipe(
            &self.opts,
            &Hooks {
                frames: &self.frames,
                music: &self.music,
                events: &self.events,
                watch: &self.watch,
                headers: &self.headers,
                wish: &self.wish,
                sound: &self.sound,
            },
        )
        .ok()
    }

    /// `next` becomes the pipeline playing; the one that was is returned, no longer live.
    fn swap_pipe(&mut self, next: Pipe) -> Pipe {
        let mut deinterlace = self.deinterlace.lock().unwrap_or_else(|e| e.into_inner());
        let old = Pipe {
            playbin: std::mem::replace(&mut self.playbin, next.playbin),
            deinterlace: std::mem::replace(&mut *deinterlace, next.deinterlace),
            bus: std::mem::replace(&mut self.bus, next.bus),
            live: std::mem::replace(&mut self.live, next.live),
        };
        drop(deinterlace);
        old.live.store(false, Ordering::Relaxed);
        self.live.store(true, Ordering::Relaxed);
        old
    }

    /// The channel left is heard for `CROSSFADE`, its volume falling along a quarter cosine
    /// (the new one's rises as it starts, so together they stay about as loud); then it
    /// stops, and its pipeline waits for the next zap.
    fn fade_out(&mut self) {
        let Some(f) = &mut self.fading else { return };
        // Its news is not this channel's, but for how loud it still is.
        while let Some(msg) = f.pipe.bus.pop() {
            if let Some(db) = level_of(&msg) {
                f.levels.push(db);
            }
        }
        let t = f.since.elapsed().as_secs_f64() / self.opts.crossfade.as_secs_f64();
        if t >= 1.0 {
            self.end_fade();
        } else {
            let gain = f.from * (t * std::f64::consts::FRAC_PI_2).cos();
            f.pipe.playbin.set_property("volume", gain);
        }
    }

    /// The channel left stops now.
    fn end_fade(&mut self) {
        let Some(f) = self.fading.take() else { return };
        let _ = f.pipe.playbin.set_state(gst::State::Null);
        while f.pipe.bus.pop().is_some() {}
        self.forget_previous();
        self.emit(PlayerEvent::FadedOut {
            levels: f.levels,
            after: f.since.elapsed(),
        });
        self.spare = Some(f.pipe);
    }

    fn forget_previous(&self) {
        if let Some(r) = &self.relay {
            r.forget_previous();
        }
    }

    fn fail(&mut self, message: String) {
        let _ = self.playbin.set_state(gst::State::Null);
        self.watch.lock().unwrap_or_else(|e| e.into_inner()).armed = None;
        self.attempt += 1;
        if self.attempt >= self.opts.attempts_per_source {
            self.attempt = 0;
            self.source += 1;
        }
        if self.source >= self.request.sources.len() {
            self.phase = Phase::Idle;
            self.frames.clear();
            self.emit(PlayerEvent::Error {
                message,
                recovery: Recovery::GiveUp,
            });
            return;
        }
        // A new backup URL is tried at once; the same URL again after a growing pause.
        let delay = if self.attempt == 0 {
            Duration::ZERO
        } else {
            (self.opts.base_backoff * 2u32.pow(self.attempt - 1)).min(self.opts.max_backoff)
        };
        self.phase = Phase::Waiting(Instant::now() + delay);
        self.emit(PlayerEvent::Error {
            message,
            recovery: Recovery::Retry {
                source: self.source,
                attempt: self.attempt + 1,
                delay,
            },
        });
    }

    fn tick(&mut self) {
        self.fade_out();
        let now = Instant::now();
        if let Some((at, Some(frames))) = self.seeking
            && self.frames.delivered() > frames
        {
            self.seeking = None;
            self.emit(PlayerEvent::Seeked { took: at.elapsed() });
        }
        if matches!(self.phase, Phase::Playing | Phase::Paused)
            && now - self.last_timeline >= Duration::from_millis(250)
        {
            self.last_timeline = now;
            if let Some((timeline, buffer)) = self.timeline() {
                self.emit(PlayerEvent::Timeline { timeline, buffer });
            }
        }
        if self.phase == Phase::Playing && !self.wish_checked && !self.selected.is_empty() {
            self.wish_checked = true;
            self.apply_wish();
        }
        // Without sound, a sound stream still selected (an adaptive demuxer's own choice, or
        // a request dropped while the stream settled) is asked away again, once a second.
        if self.phase == Phase::Playing
            && !self.sound.load(Ordering::Relaxed)
            && (self.tracks.audio_on.is_some()
                || now - self.last_audio < Duration::from_millis(500))
            && self
                .silenced
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.silenced = Some(now);
            self.select(None, None);
        }
        let delivered = self.frames.delivered();
        if delivered != self.last_frame.0 {
            self.last_frame = (delivered, now);
            // Pictures flow: whatever the last buffering message said, we are not stuck (a
            // track that is not shown, such as a subtitle rendition between cues, can report
            // an empty buffer and never report it full again).
            if self.buffering.take().is_some() {
                self.emit(PlayerEvent::Buffering { percent: 100 });
            }
        }
        match self.phase {
            Phase::Waiting(at) if now >= at => self.start(false),
            Phase::Starting(since) => {
                if self.frame_since_start() {
                    self.phase = Phase::Playing;
                } else if self.audio_only && self.last_audio > since {
                    // Radio: there will be no picture; its sound is what plays.
                    self.watch.lock().unwrap_or_else(|e| e.into_inner()).armed = None;
                    self.phase = Phase::Playing;
                    self.emit(PlayerEvent::FirstSound {
                        source: self.source,
                        since_request: self.requested_at.elapsed(),
                    });
                } else if now - since > self.opts.start_timeout {
                    let secs = self.opts.start_timeout.as_secs();
                    self.fail(format!("the stream did not start within {secs} s"));
                }
            }
            Phase::Playing
                if self
                    .buffering
                    .is_some_and(|t| now - t > self.opts.stall_timeout) =>
            {
                let secs = self.opts.stall_timeout.as_secs();
                let why = self.with_relay_reason(format!(
                    "the stream stopped sending data ({secs} s buffering)"
                ));
                self.fail(why);
            }
            Phase::Playing
                if self.buffering.is_none()
                    && self.audio_only
                    && now - self.last_audio > self.opts.stall_timeout =>
            {
                let secs = self.opts.stall_timeout.as_secs();
                let why =
                    self.with_relay_reason(format!("the sound stalled (nothing for {secs} s)"));
                self.fail(why);
            }
            // Radio with its sound flowing: no picture to wait for.
            Phase::Playing if self.audio_only => {}
            Phase::Playing if self.buffering.is_none() => {
                if now - self.last_frame.1 > self.opts.stall_timeout {
                    let secs = self.opts.stall_timeout.as_secs();
                    let why = self
                        .with_relay_reason(format!("the picture stalled (no video for {secs} s)"));
                    self.fail(why);
                } else if self.attempt > 0 && now - self.last_frame.1 < Duration::from_millis(100) {
                    // Healthy again: the next failure starts the backoff from the beginning.
                    self.attempt = 0;
                }
            }
            _ => {}
        }
    }

    /// A stall's message, with the relay's reason when it has been skipping segments.
    fn with_relay_reason(&self, message: String) -> String {
        let within = self.opts.stall_timeout * 2;
        match self.relay.as_ref().and_then(|r| r.recent_skip(within)) {
            Some(why) => format!("{message}: {why}"),
            None => message,
        }
    }

    /// The first-frame watch fired (it disarms itself when the new stream's first frame lands).
    fn frame_since_start(&self) -> bool {
        self.watch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .armed
            .is_none()
    }

    fn message(&mut self, msg: &gst::Message) {
        use gst::MessageView;
        match msg.view() {
            MessageView::Error(_) => {
                if matches!(self.phase, Phase::Idle | Phase::Waiting(_)) {
                    return; // a late error from a pipeline we already gave up on
                }
                let message = describe_message(msg).unwrap_or_default();
                self.fail(message);
            }
            // The sound's sink was the pipeline's clock, and it went (the sound let go of:
            // a multi-view tile losing the focus, through PulseAudio): the picture waited on
            // a clock that no longer ran, until the watchdog rebuilt the pipeline. Through
            // paused and back, the pipeline takes another clock. A paused picture takes one
            // when it plays again.
            MessageView::ClockLost(_) => {
                if matches!(self.phase, Phase::Playing | Phase::Starting(_)) {
                    let _ = self.playbin.set_state(gst::State::Paused);
                    let _ = self.playbin.set_state(gst::State::Playing);
                }
            }
            MessageView::AsyncDone(_) => {
                if let Some((_, done @ None)) = self.seeking.as_mut() {
                    *done = Some(self.frames.delivered());
                }
            }
            MessageView::Warning(_) => self.emit(PlayerEvent::Warning {
                message: describe_message(msg).unwrap_or_default(),
            }),
            MessageView::Eos(_) => {
                if matches!(self.phase, Phase::Playing | Phase::Starting(_)) {
                    // Live TV does not end: an ended stream is a failure to recover from.
                    self.fail("the stream ended".into());
                }
            }
            MessageView::Element(e)
                if e.structure().is_some_and(|s| s.name() == "missing-plugin") =>
            {
                let s = e.structure().expect("checked");
                let caps = s
                    .get::<gst::Caps>("detail")
                    .map(|c| c.to_string())
                    .or_else(|_| s.get::<String>("detail"))
                    .unwrap_or_default();
                let missing = crate::errors::MissingCodec::from_caps(&caps);
                if missing.video {
                    // No picture will come from this URL: say why now, not after the start
                    // timeout, and go straight to a backup (which may be H.264).
                    if matches!(self.phase, Phase::Starting(_) | Phase::Playing) {
                        self.attempt = self.opts.attempts_per_source.saturating_sub(1);
                        self.fail(missing.message());
                    }
                } else {
                    // Normally left out when the stream opened (`choose_tracks_on_open`); a
                    // decoder that failed to load is only found here.
                    let name = caps.split([',', ' ']).next().unwrap_or_default().to_owned();
                    if !name.is_empty() && !self.undecodable.contains(&name) {
                        self.emit(PlayerEvent::MissingCodec {
                            message: missing.message(),
                        });
                        self.undecodable.push(name);
                    }
                    self.avoid_undecodable();
                }
            }
            MessageView::Element(_) => {
                if let Some(rms_db) = level_of(msg) {
                    self.last_audio = Instant::now();
                    self.emit(PlayerEvent::AudioLevel { rms_db });
                }
            }
            MessageView::StreamCollection(c) => {
                // Collections change on every zap; the latest says what this stream has.
                let collection = c.stream_collection();
                let (mut audio, mut video) = (false, false);
                for s in collection.iter() {
                    let t = s.stream_type();
                    audio |= t.contains(gst::StreamType::AUDIO);
                    video |= t.contains(gst::StreamType::VIDEO);
                }
                self.audio_only = audio && !video;
                self.collection = Some(collection);
                self.update_tracks();
            }
            MessageView::StreamsSelected(s) => {
                self.collection = Some(s.stream_collection());
                self.selected = s
                    .streams()
                    .filter_map(|s| s.stream_id().map(|id| id.to_string()))
                    .collect();
                self.update_tracks();
                self.avoid_undecodable();
            }
            MessageView::Buffering(b) => {
                let percent = b.percent().clamp(0, 100) as u8;
                let was = self.buffering.is_some();
                if percent < 100 {
                    self.buffering.get_or_insert_with(Instant::now);
                    self.emit(PlayerEvent::Buffering { percent });
                } else if was {
                    self.buffering = None;
                    self.last_frame.1 = Instant::now();
                    self.emit(PlayerEvent::Buffering { percent });
                }
            }
            _ => {}
        }
    }
}

impl Engine {
    /// The tracks as the latest collection and selection say, told when they changed.
    fn update_tracks(&mut self) {
        let Some(c) = &self.collection else { return };
        // Sound the stream has that cannot be decoded here: said once per stream.
        let missing: Vec<String> = c
            .iter()
            .filter(|s| s.stream_type().contains(gst::StreamType::AUDIO))
            .filter_map(|s| s.caps())
            .filter(|caps| !decodable(caps))
            .filter_map(|caps| caps.structure(0).map(|st| st.name().to_string()))
            .collect();
        let tracks = tracks_of(c, &self.selected);
        for name in missing {
            if !self.undecodable.contains(&name) {
                self.emit(PlayerEvent::MissingCodec {
                    message: crate::errors::MissingCodec::from_caps(&name).message(),
                });
                self.undecodable.push(name);
            }
        }
        if tracks != self.tracks {
            self.tracks = tracks;
            self.emit(PlayerEvent::Tracks(self.tracks.clone()));
        }
    }

    /// Selects everything selected but the sound tracks in a format with no decoder here
    /// (another sound track in place of one, when the stream has one that decodes).
    fn avoid_undecodable(&mut self) {
        let Some(c) = &self.collection else { return };
        let bad = |s: &gst::Stream| {
            s.stream_type().contains(gst::StreamType::AUDIO)
                && s.caps()
                    .and_then(|c| c.structure(0).map(|st| st.name().to_string()))
                    .is_some_and(|n| self.undecodable.contains(&n))
        };
        let streams: Vec<gst::Stream> = c.iter().collect();
        let selected_bad = streams.iter().any(|s| {
            s.stream_id()
                .is_some_and(|id| self.selected.iter().any(|x| x == id.as_str()))
                && bad(s)
        });
        if !selected_bad {
            return;
        }
        let mut ids: Vec<String> = streams
            .iter()
            .filter(|s| !bad(s))
            .filter_map(|s| s.stream_id().map(|id| id.to_string()))
            .filter(|id| self.selected.contains(id))
            .collect();
        let has_audio = streams.iter().any(|s| {
            s.stream_type().contains(gst::StreamType::AUDIO)
                && s.stream_id()
                    .is_some_and(|id| ids.iter().any(|x| x == id.as_str()))
        });
        if !has_audio
            && let Some(id) = streams
                .iter()
                .find(|s| s.stream_type().contains(gst::StreamType::AUDIO) && !bad(s))
                .and_then(|s| s.stream_id())
        {
            ids.push(id.to_string());
        }
        if ids.is_empty() {
            return;
        }
        self.playbin.send_event(gst::event::SelectStreams::new(
            ids.iter().map(String::as_str),
        ));
    }

    /// Turns on the wished tracks the stream has where its selection differs. decodebin3's
    /// `select-stream` does this before anything plays when it makes the choice (MPEG-TS);
    /// an adaptive demuxer (HLS renditions) has chosen by then, and is told once the stream
    /// plays (an event sent while it starts up is dropped).
    fn apply_wish(&mut self) {
        let wish = self.request.tracks.clone();
        let (audio, subtitle) = self.tracks.wanted(&wish);
        let change = |want: Option<&Track>, on: &Option<String>| {
            want.filter(|t| Some(&t.id) != on.as_ref())
                .map(|t| t.id.clone())
        };
        let audio = change(audio, &self.tracks.audio_on);
        let subtitle = change(subtitle, &self.tracks.subtitle_on);
        if audio.is_some() || subtitle.is_some() {
            self.select(audio, subtitle);
        }
    }

    /// Selects `audio` and `subtitle` (ids; `None` keeps that kind's), keeping the picture:
    /// playbin3 wants the full list of streams to have, not a change.
    fn select(&mut self, audio: Option<String>, subtitle: Option<String>) {
        let Some(c) = &self.collection else { return };
        let known = |id: &Option<String>, kind: TrackKind| {
            id.as_ref()
                .filter(|id| self.tracks.of(kind).iter().any(|t| &t.id == *id))
                .cloned()
        };
        let audio = known(&audio, TrackKind::Audio)
            .or_else(|| self.tracks.audio_on.clone())
            .filter(|_| self.sound.load(Ordering::Relaxed));
        let subtitle =
            known(&subtitle, TrackKind::Subtitle).or_else(|| self.tracks.subtitle_on.clone());
        let mut ids: Vec<String> = picture_kept(c, &self.selected).into_iter().collect();
        ids.extend(audio);
        ids.extend(subtitle);
        if ids.is_empty() {
            return;
        }
        let event = gst::event::SelectStreams::new(ids.iter().map(String::as_str));
        self.playbin.send_event(event);
    }
}

/// The picture a new selection keeps: the one `selected`, or else the collection's first. A
/// selection read before a new collection (an adaptive stream changing variant) can name none
/// of its streams, and a list without a picture would turn the picture off.
fn picture_kept(c: &gst::StreamCollection, selected: &[String]) -> Option<String> {
    let videos: Vec<String> = c
        .iter()
        .filter(|s| s.stream_type().contains(gst::StreamType::VIDEO))
        .filter_map(|s| s.stream_id().map(|id| id.to_string()))
        .collect();
    videos
        .iter()
        .find(|id| selected.contains(id))
        .or(videos.first())
        .cloned()
}

/// A `level` reading: the loudest channel's RMS, dBFS.
fn level_of(msg: &gst::Message) -> Option<f64> {
    let gst::MessageView::Element(e) = msg.view() else {
        return None;
    };
    let rms = e
        .structure()
        .filter(|s| s.name() == "level")?
        .get::<gst::glib::ValueArray>("rms")
        .ok()?;
    Some(
        rms.iter()
            .filter_map(|v| v.get::<f64>().ok())
            .fold(f64::NEG_INFINITY, f64::max),
    )
}

/// The audio and subtitle tracks of `c`, and which of them are `selected`.
fn tracks_of(c: &gst::StreamCollection, selected: &[String]) -> TrackList {
    let mut tracks = TrackList::default();
    for s in c.iter() {
        let Some(id) = s.stream_id().map(|id| id.to_string()) else {
            continue;
        };
        let t = s.stream_type();
        let kind = if t.contains(gst::StreamType::AUDIO) {
            TrackKind::Audio
        } else if t.contains(gst::StreamType::TEXT) {
            TrackKind::Subtitle
        } else {
            continue;
        };
        let tags = s.tags();
        let tag = |name: &str| {
            tags.as_ref()
                .and_then(|t| t.generic(name))
                .and_then(|v| v.get::<String>().ok())
        };
        let mut track = Track::new(
            id.clone(),
            kind,
            tag("language-code").as_deref(),
            tag("title").or_else(|| rendition_name(&id)).as_deref(),
        );
        track.codec = s.caps().and_then(|c| codec_name(&c));
        let on = selected.contains(&id);
        match kind {
            TrackKind::Audio => {
                if on {
                    tracks.audio_on = Some(id);
                }
                tracks.audio.push(track);
            }
            TrackKind::Subtitle => {
                if on {
                    tracks.subtitle_on = Some(id);
                }
                tracks.subtitles.push(track);
            }
        }
    }
    tracks
}

/// Each stream decodebin3 opens starts on the wished languages (its `select-stream` asks,
/// per stream, before anything plays: no flash of the default track). A kind with no wished
/// language there keeps the stream's default.
fn choose_tracks_on_open(
    playbin: &gst::Element,
    wish: &Arc<Mutex<TrackWish>>,
    sound: &Arc<AtomicBool>,
) {
    let Some(bin) = playbin.downcast_ref::<gst::Bin>() else {
        return;
    };
    let hook = {
        let wish = wish.clone();
        let sound = sound.clone();
        move |element: &gst::Element| {
            if element.factory().is_none_or(|f| f.name() != "decodebin3") {
                return;
            }
            let wish = wish.clone();
            let sound = sound.clone();
            element.connect("select-stream", false, move |args| {
                let collection = args.get(1)?.get::<gst::StreamCollection>().ok()?;
                let stream = args.get(2)?.get::<gst::Stream>().ok()?;
                let id = stream.stream_id()?.to_string();
                // Sound with no decoder here is never chosen at open: choosing it and taking
                // it back with select-streams raced decodebin3 (on a busy machine the attempt
                // kept it and stalled until the start timeout, every retry alike).
                let undecodable: Vec<String> = collection
                    .iter()
                    .filter(|s| s.stream_type().contains(gst::StreamType::AUDIO))
                    .filter(|s| s.caps().is_some_and(|c| !decodable(&c)))
                    .filter_map(|s| s.stream_id().map(|i| i.to_string()))
                    .collect();
                let mut tracks = tracks_of(&collection, &[]);
                tracks.audio.retain(|t| !undecodable.contains(&t.id));
                let wish = wish.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let (audio, subtitle) = tracks.wanted(&wish);
                let t = stream.stream_type();
                // No sound wanted: none is chosen, and so every stream is answered (below).
                let sound = sound.load(Ordering::Relaxed);
                if !sound && t.contains(gst::StreamType::AUDIO) {
                    return Some(0i32.to_value());
                }
                let wanted = if t.contains(gst::StreamType::AUDIO) {
                    audio
                } else if t.contains(gst::StreamType::TEXT) {
                    subtitle
                } else {
                    None
                };
                // 1 select, 0 leave out, -1 decodebin3's own choice. Once any stream is left
                // to decodebin3, it also picks the first stream of every kind no stream was
                // chosen for, a 0 notwithstanding: so where some sound must stay out, every
                // stream is answered, as decodebin3 would have (the first of its kind) but
                // for that sound.
                let answer: i32 = match wanted {
                    Some(w) => i32::from(w.id == id),
                    None if undecodable.is_empty() && sound => -1,
                    None if t.is_empty() => 0,
                    None => {
                        let first = collection
                            .iter()
                            .filter(|s| s.stream_type() == t)
                            .filter_map(|s| s.stream_id().map(|i| i.to_string()))
                            .find(|i| !undecodable.contains(i));
                        i32::from(first.as_deref() == Some(id.as_str()))
                    }
                };
                Some(answer.to_value())
            });
        }
    };
    for e in bin
        .iterate_all_by_element_factory_name("decodebin3")
        .into_iter()
        .flatten()
    {
        hook(&e);
    }
    bin.connect_deep_element_added(move |_, _, element| hook(element));
}

/// Whether GStreamer here has a decoder for `caps` (raw formats need none).
fn decodable(caps: &gst::Caps) -> bool {
    let raw = caps
        .structure(0)
        .is_some_and(|s| s.name().ends_with("/x-raw"));
    raw || gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER,
        gst::Rank::MARGINAL,
    )
    .iter()
    .any(|f| f.can_sink_any_caps(caps))
}

/// The `NAME` of an HLS rendition, which hlsdemux2 puts in its stream id ("audio-Deutsch",
/// "subtitle-Español").
fn rendition_name(id: &str) -> Option<String> {
    ["audio-", "subtitle-", "text-"]
        .iter()
        .find_map(|p| id.strip_prefix(p))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// A codec worth naming in a track menu: surround and broadcast formats, bitmap subtitles.
/// AAC and text subtitles go unnamed (nearly every track is one).
fn codec_name(caps: &gst::Caps) -> Option<String> {
    let s = caps.structure(0)?;
    let name = match s.name().as_str() {
        "audio/x-ac3" | "audio/ac3" => "Dolby Digital",
        "audio/x-eac3" => "Dolby Digital Plus",
        "audio/x-dts" => "DTS",
        "audio/x-opus" => "Opus",
        "audio/mpeg" if s.get::<i32>("mpegversion").ok() == Some(1) => "MPEG audio",
        "subpicture/x-dvb" => "DVB",
        "application/x-teletext" => "Teletext",
        "subpicture/x-pgs" => "PGS",
        _ => return None,
    };
    Some(name.to_owned())
}

/// An appsink for the subtitle stream that sends each caption as it falls due. It does not
/// take part in prerolling (`async=false`): captions are sparse, and the picture must not wait
/// for the first one. A cue repeated across HLS subtitle segments is sent once.
fn caption_sink(
    events: Sender<PlayerEvent>,
    subtitled: Arc<Mutex<Option<Instant>>>,
    live: Arc<AtomicBool>,
) -> gst_app::AppSink {
    let sink = gst_app::AppSink::builder()
        .name("captions")
        .caps(&gst::Caps::builder("text/x-raw").build())
        .sync(true)
        .async_(false)
        .enable_last_sample(false)
        .build();
    let mut last: Option<(String, gst::ClockTime)> = None;
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if !live.load(Ordering::Relaxed) {
                    return Ok(gst::FlowSuccess::Ok);
                }
                let Some(buffer) = sample.buffer() else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let markup = buffer
                    .map_readable()
                    .map(|m| String::from_utf8_lossy(&m).into_owned())
                    .unwrap_or_default();
                let text = caption_text(&markup);
                let pts = buffer.pts().unwrap_or(gst::ClockTime::ZERO);
                let duration = buffer.duration().unwrap_or(gst::ClockTime::from_seconds(3));
                if text.is_empty() {
                    return Ok(gst::FlowSuccess::Ok);
                }
                *subtitled.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                let end = pts + duration;
                // The same cue again, from the next segment: it only lasts longer.
                if let Some((t, e)) = &mut last
                    && *t == text
                    && pts <= *e
                {
                    *e = (*e).max(end);
                    return Ok(gst::FlowSuccess::Ok);
                }
                let _ = events.send(PlayerEvent::Caption {
                    text: text.clone(),
                    duration: Duration::from_nanos(duration.nseconds()),
                });
                last = Some((text, end));
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    sink
}

/// A closed caption stays up at most this long without being erased (as TVs clear a stale
/// roll-up).
const CC_LONGEST: Duration = Duration::from_secs(16);

/// The CEA-608 (channel 1) captions a video frame carries, as caption meta (decoders put the
/// H.264 SEI's A/53 `cc_data` there), through `cc`: the screen's text each time it changed.
fn closed_captions(buffer: &gst::BufferRef, cc: &mut prism_core::cea608::Decoder) -> Vec<String> {
    use gst_video::VideoCaptionType as T;
    let mut out = Vec::new();
    // Decoders may attach the same data twice (the parser's and the decoder's): one meta.
    let Some(meta) = buffer.meta::<gst_video::VideoCaptionMeta>() else {
        return out;
    };
    let data = meta.data();
    let pairs: Vec<[u8; 2]> = match meta.caption_type() {
        // cc_data triplets: valid field-1 608 pairs only (cc_type 0).
        T::Cea708Raw => data
            .chunks_exact(3)
            .filter(|t| t[0] & 0x04 != 0 && t[0] & 0x03 == 0)
            .map(|t| [t[1], t[2]])
            .collect(),
        // SMPTE 334-1 Annex A: a field flag, then the pair.
        T::Cea608S3341a => data
            .chunks_exact(3)
            .filter(|t| t[0] & 0x80 != 0)
            .map(|t| [t[1], t[2]])
            .collect(),
        T::Cea608Raw => data.chunks_exact(2).map(|p| [p[0], p[1]]).collect(),
        _ => Vec::new(),
    };
    for p in pairs {
        if let Some(text) = cc.push(p) {
            out.push(text);
        }
    }
    out
}

/// Plain text from a subtitle buffer's Pango markup (what subparse and the caption decoders
/// give): tags dropped, entities decoded, blank lines removed.
fn caption_text(markup: &str) -> String {
    let mut plain = String::with_capacity(markup.len());
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    prism_core::text::xml_unescape(&plain)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The source element's headers, for streams the relay does not carry (it carries every HTTP
/// one): a user agent and the rest as `extra-headers`.
fn configure_source(src: &gst::Element, headers: &Mutex<HttpHeaders>, timeout_s: u32) {
    let h = headers.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(ua) = &h.user_agent
        && src.find_property("user-agent").is_some()
    {
        src.set_property("user-agent", ua);
    }
    if src.find_property("extra-headers").is_some() {
        let mut s = gst::Structure::builder("extra-headers");
        let mut any = false;
        for (name, value) in h.pairs().filter(|(n, _)| *n != "User-Agent") {
            s = s.field(name, value);
            any = true;
        }
        if any {
            src.set_property("extra-headers", s.build());
        }
    }
    // souphttpsrc's timeout is seconds (guint); udpsrc's is nanoseconds (guint64) and means
    // something else (a message after a silence): only the first is an HTTP timeout.
    if src
        .find_property("timeout")
        .is_some_and(|p| p.value_type() == u32::static_type())
    {
        src.set_property("timeout", timeout_s);
    }
}

#[cfg(test)]
mod tests {
    use super::{caption_text, picture_kept};
    use gstreamer as gst;

    #[test]
    fn a_new_selection_never_leaves_the_picture_out() {
        gst::init().unwrap();
        let stream = |id: &str, t| gst::Stream::new(Some(id), None, t, gst::StreamFlags::empty());
        let c = gst::StreamCollection::builder(None)
            .stream(stream("video-0", gst::StreamType::VIDEO))
            .stream(stream("video-1", gst::StreamType::VIDEO))
            .stream(stream("audio-0", gst::StreamType::AUDIO))
            .build();
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // The picture selected stays.
        assert_eq!(
            picture_kept(&c, &ids(&["audio-0", "video-1"])).as_deref(),
            Some("video-1")
        );
        // A selection of another collection's streams, or none yet: the first picture.
        assert_eq!(
            picture_kept(&c, &ids(&["old-video"])).as_deref(),
            Some("video-0")
        );
        assert_eq!(picture_kept(&c, &[]).as_deref(), Some("video-0"));
        // Radio: no picture to keep.
        let radio = gst::StreamCollection::builder(None)
            .stream(stream("audio-0", gst::StreamType::AUDIO))
            .build();
        assert_eq!(picture_kept(&radio, &ids(&["audio-0"])), None);
    }

    #[test]
    fn caption_markup_becomes_plain_text() {
        assert_eq!(
            caption_text("<i>GOAL!</i> What a strike from O&apos;Neil &amp; co\n\n"),
            "GOAL! What a strike from O'Neil & co"
        );
        assert_eq!(
            caption_text("<b>[CROWD CHEERING]</b>\n  second line "),
            "[CROWD CHEERING]\nsecond line"
        );
        assert_eq!(caption_text("  \n"), "");
    }
}
