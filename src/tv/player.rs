//! The TV's seam to its player: what the app asks of playback, as a trait. The window uses
//! `prism_media::Player` (GStreamer); the app's headless tests use [`Recorder`], which keeps
//! every operation asked of it and hands back the events a test queues, so `tv::execute`, the
//! input map and the voice acknowledgements are tested without GStreamer or a window.

use prism_core::companion::beat::Beat;
use prism_media::{FrameSlot, PlayRequest, Player, PlayerEvent};

pub trait Playback: Send + Sync + 'static {
    fn play(&self, request: PlayRequest);
    fn pause(&self);
    fn resume(&self);
    fn stop(&self);
    fn set_volume(&self, percent: u8);
    fn set_muted(&self, muted: bool);
    /// Lumen's voice ducks the TV: 1 = not at all.
    fn set_duck(&self, factor: f64);
    /// Turn on an audio and/or subtitle track (ids from `PlayerEvent::Tracks`).
    fn select_tracks(&self, audio: Option<String>, subtitle: Option<String>);
    /// Variant caps and the distance behind live, for channels started from now on.
    fn set_stream_limits(&self, limits: prism_media::StreamLimits);
    /// Pause and rewind live TV for channels started from now on (`None`: off).
    fn set_timeshift(&self, opts: Option<prism_media::TimeshiftOptions>);
    /// A jump inside what can be played (the player clamps it).
    fn seek(&self, to: prism_media::SeekTo);
    /// Records the channel playing into `stem`.ts, then `stem`.mkv.
    fn start_recording(&self, stem: &std::path::Path) -> Result<(), String>;
    fn stop_recording(&self) -> Option<prism_media::RecordingStatus>;
    /// The recording running, or the last and how it ended.
    fn recording(&self) -> Option<prism_media::RecordingStatus>;
    /// Timer `id` records `src` (playing or not) into `stem`.ts, then `stem`.mkv; a channel
    /// not playing is buffered under `buffers`.
    fn record_stream(
        &self,
        id: u64,
        src: &prism_media::StreamSource,
        stem: &std::path::Path,
        buffers: prism_media::TimeshiftOptions,
    ) -> Result<(), String>;
    /// Stops timer `id`'s recording (its file is finished on its own thread).
    fn stop_stream(&self, id: u64) -> Option<prism_media::RecordingStatus>;
    /// How timer `id`'s recording goes.
    fn stream_recording(&self, id: u64) -> Option<prism_media::RecordingStatus>;
    /// What the subtitles said between two points of the stream's time, from the buffer.
    fn captions_between(&self, from: f64, to: f64) -> Vec<(f64, String)>;
    /// What happened since the last call.
    fn events(&self) -> Vec<PlayerEvent>;
    /// The music analysis of the audio tap now (tempo, beat phase), if any.
    fn beat(&self) -> Option<(Beat, f64)>;
    /// Decoded video frames, for a player that has a picture.
    fn frames(&self) -> Option<&FrameSlot>;
    /// Someone else hears what the viewer hears (a broadcast), or no longer. A player
    /// without sound has nothing to give.
    fn listen(&self, _listener: Option<prism_media::AudioListener>) {}
    /// What the viewer heard between two moments, 48 kHz mono (the echo canceller's
    /// reference); empty from a player without sound.
    fn heard_between(&self, _from: std::time::Instant, _to: std::time::Instant) -> Vec<f32> {
        Vec::new()
    }
    /// What the loopback relay absorbed (retries, skipped segments), when there is one.
    fn relay_stats(&self) -> Option<prism_media::relay::RelayStats> {
        None
    }
}

impl Playback for Player {
    fn play(&self, request: PlayRequest) {
        Player::play(self, request)
    }
    fn pause(&self) {
        Player::pause(self)
    }
    fn resume(&self) {
        Player::resume(self)
    }
    fn stop(&self) {
        Player::stop(self)
    }
    fn set_volume(&self, percent: u8) {
        Player::set_volume(self, percent)
    }
    fn set_muted(&self, muted: bool) {
        Player::set_muted(self, muted)
    }
    fn set_duck(&self, factor: f64) {
        Player::set_duck(self, factor)
    }
    fn select_tracks(&self, audio: Option<String>, subtitle: Option<String>) {
        Player::select_tracks(self, audio, subtitle)
    }
    fn set_stream_limits(&self, limits: prism_media::StreamLimits) {
        Player::set_stream_limits(self, limits)
    }
    fn set_timeshift(&self, opts: Option<prism_media::TimeshiftOptions>) {
        Player::set_timeshift(self, opts)
    }
    fn seek(&self, to: prism_media::SeekTo) {
        Player::seek(self, to)
    }
    fn start_recording(&self, stem: &std::path::Path) -> Result<(), String> {
        Player::start_recording(self, stem)
    }
    fn stop_recording(&self) -> Option<prism_media::RecordingStatus> {
        Player::stop_recording(self)
    }
    fn recording(&self) -> Option<prism_media::RecordingStatus> {
        Player::recording(self)
    }
    fn record_stream(
        &self,
        id: u64,
        src: &prism_media::StreamSource,
        stem: &std::path::Path,
        buffers: prism_media::TimeshiftOptions,
    ) -> Result<(), String> {
        Player::record_stream(self, id, src, stem, buffers)
    }
    fn stop_stream(&self, id: u64) -> Option<prism_media::RecordingStatus> {
        Player::stop_stream(self, id)
    }
    fn stream_recording(&self, id: u64) -> Option<prism_media::RecordingStatus> {
        Player::stream_recording(self, id)
    }
    fn captions_between(&self, from: f64, to: f64) -> Vec<(f64, String)> {
        Player::captions_between(self, from, to)
    }
    fn events(&self) -> Vec<PlayerEvent> {
        Player::events(self)
    }
    fn beat(&self) -> Option<(Beat, f64)> {
        self.music().now()
    }
    fn listen(&self, listener: Option<prism_media::AudioListener>) {
        self.music().listen(listener)
    }
    fn heard_between(&self, from: std::time::Instant, to: std::time::Instant) -> Vec<f32> {
        self.music().heard_between(from, to)
    }
    fn relay_stats(&self) -> Option<prism_media::relay::RelayStats> {
        Player::relay_stats(self)
    }
    fn frames(&self) -> Option<&FrameSlot> {
        Some(Player::frames(self))
    }
}

pub use recorder::{Op, Recorder};

/// A player that plays nothing: the headless tests' double, and the voice bench's TV.
mod recorder {
    use std::sync::{Arc, Mutex};

    use prism_core::companion::beat::Beat;
    use prism_media::{FrameSlot, PlayRequest, PlayerEvent};

    use super::Playback;

    /// One operation asked of the player.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Op {
        /// The first stream's URL.
        Play(String),
        Pause,
        Resume,
        Stop,
        Volume(u8),
        Muted(bool),
        Duck(f64),
        /// Tracks asked for: (audio id, subtitle id).
        Tracks(Option<String>, Option<String>),
        Limits(prism_media::StreamLimits),
        /// Time shift on (`true`) or off for the next channels.
        Timeshift(bool),
        Seek(prism_media::SeekTo),
        /// A recording started into this file stem, or stopped (`None`).
        Record(Option<std::path::PathBuf>),
        /// The buffer's captions asked for, between these stream times.
        Captions(f64, f64),
        /// Timer `id` started recording this URL into this stem, or stopped (`None`).
        Timer(u64, Option<(String, std::path::PathBuf)>),
    }

    /// A player that records what it is asked and plays back queued events. Clones share state:
    /// a test keeps one and gives the other to the TV.
    #[derive(Clone, Default)]
    pub struct Recorder {
        ops: Arc<Mutex<Vec<Op>>>,
        events: Arc<Mutex<Vec<PlayerEvent>>>,
        last: Arc<Mutex<Option<PlayRequest>>>,
        recording: Arc<Mutex<Option<prism_media::RecordingStatus>>>,
        said: Arc<Mutex<Vec<(f64, String)>>>,
        streams: Arc<Mutex<Vec<(u64, prism_media::RecordingStatus)>>>,
    }

    impl Recorder {
        /// Everything asked so far (ducking left out: it changes every frame while Lumen talks).
        pub fn ops(&self) -> Vec<Op> {
            let ops = self.ops.lock().unwrap();
            ops.iter()
                .filter(|o| !matches!(o, Op::Duck(_)))
                .cloned()
                .collect()
        }
        /// The last request to play, whole (its languages, its backups).
        #[cfg(test)]
        pub fn last_request(&self) -> Option<PlayRequest> {
            self.last.lock().unwrap().clone()
        }
        /// What the buffer's subtitles "said", for `captions_between`.
        #[cfg(test)]
        pub fn set_said(&self, said: &[(f64, &str)]) {
            *self.said.lock().unwrap() = said.iter().map(|(t, s)| (*t, s.to_string())).collect();
        }
        /// Timer `id`'s recording comes to `state` (as the relay's would, finished or failed).
        #[cfg(test)]
        pub fn set_stream(&self, id: u64, state: prism_media::RecordingState) {
            let mut st = self.streams.lock().unwrap();
            if let Some((_, s)) = st.iter_mut().find(|(i, _)| *i == id) {
                if state == prism_media::RecordingState::Done {
                    s.path = s.path.with_extension("mkv");
                }
                s.state = state;
            }
        }
        /// Forgets what was asked (after set-up).
        pub fn clear(&self) {
            self.ops.lock().unwrap().clear();
        }
        /// An event for the TV to read on its next frame.
        pub fn emit(&self, e: PlayerEvent) {
            self.events.lock().unwrap().push(e);
        }
        fn push(&self, op: Op) {
            self.ops.lock().unwrap().push(op);
        }
    }

    /// A recording just begun into `stem`.ts, as the relay reports one.
    fn started(stem: &std::path::Path) -> prism_media::RecordingStatus {
        prism_media::RecordingStatus {
            path: prism_media::with_ext(stem, "ts"),
            seconds: 0.0,
            bytes: 0,
            state: prism_media::RecordingState::Recording,
        }
    }

    impl Playback for Recorder {
        fn play(&self, request: PlayRequest) {
            let url = request
                .sources
                .first()
                .map(|s| s.url.clone())
                .unwrap_or_default();
            self.push(Op::Play(url));
            *self.last.lock().unwrap() = Some(request);
        }
        fn pause(&self) {
            self.push(Op::Pause);
            self.emit(PlayerEvent::Paused);
        }
        fn resume(&self) {
            self.push(Op::Resume);
            self.emit(PlayerEvent::Resumed);
        }
        fn stop(&self) {
            self.push(Op::Stop);
        }
        fn set_volume(&self, percent: u8) {
            self.push(Op::Volume(percent));
        }
        fn set_muted(&self, muted: bool) {
            self.push(Op::Muted(muted));
        }
        fn set_duck(&self, factor: f64) {
            self.push(Op::Duck(factor));
        }
        fn select_tracks(&self, audio: Option<String>, subtitle: Option<String>) {
            self.push(Op::Tracks(audio, subtitle));
        }
        fn set_stream_limits(&self, limits: prism_media::StreamLimits) {
            self.push(Op::Limits(limits));
        }
        fn set_timeshift(&self, opts: Option<prism_media::TimeshiftOptions>) {
            self.push(Op::Timeshift(opts.is_some()));
        }
        fn seek(&self, to: prism_media::SeekTo) {
            self.push(Op::Seek(to));
        }
        fn start_recording(&self, stem: &std::path::Path) -> Result<(), String> {
            self.push(Op::Record(Some(stem.to_path_buf())));
            *self.recording.lock().unwrap() = Some(started(stem));
            Ok(())
        }
        fn stop_recording(&self) -> Option<prism_media::RecordingStatus> {
            self.push(Op::Record(None));
            let mut r = self.recording.lock().unwrap();
            let s = r.as_mut()?;
            s.state = prism_media::RecordingState::Finishing;
            Some(s.clone())
        }
        fn recording(&self) -> Option<prism_media::RecordingStatus> {
            self.recording.lock().unwrap().clone()
        }
        fn record_stream(
            &self,
            id: u64,
            src: &prism_media::StreamSource,
            stem: &std::path::Path,
            _buffers: prism_media::TimeshiftOptions,
        ) -> Result<(), String> {
            self.push(Op::Timer(id, Some((src.url.clone(), stem.to_path_buf()))));
            let mut st = self.streams.lock().unwrap();
            st.retain(|(i, _)| *i != id);
            st.push((id, started(stem)));
            Ok(())
        }
        fn stop_stream(&self, id: u64) -> Option<prism_media::RecordingStatus> {
            self.push(Op::Timer(id, None));
            let mut st = self.streams.lock().unwrap();
            let (_, s) = st.iter_mut().find(|(i, _)| *i == id)?;
            s.state = prism_media::RecordingState::Finishing;
            Some(s.clone())
        }
        fn stream_recording(&self, id: u64) -> Option<prism_media::RecordingStatus> {
            let st = self.streams.lock().unwrap();
            st.iter().find(|(i, _)| *i == id).map(|(_, s)| s.clone())
        }
        fn captions_between(&self, from: f64, to: f64) -> Vec<(f64, String)> {
            self.push(Op::Captions(from, to));
            self.said.lock().unwrap().clone()
        }
        fn events(&self) -> Vec<PlayerEvent> {
            std::mem::take(&mut *self.events.lock().unwrap())
        }
        fn beat(&self) -> Option<(Beat, f64)> {
            None
        }
        fn frames(&self) -> Option<&FrameSlot> {
            None
        }
    }
}
