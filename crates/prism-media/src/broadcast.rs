//! The composed scene leaving the window: RGBA frames from the app (its GPU readback), the TV's
//! sound and Lumen's voice, mixed and encoded, sent to an RTMP(S) server or written to a
//! Matroska file.
//!
//! ```text
//! appsrc video (RGBA, stamped on arrival) ─ videoconvert ─ videorate 30 fps ─ x264 zerolatency ─┐
//! appsrc tv (F32 mono 48 kHz) ──────┐                                                          ├─ flvmux ─ rtmp2sink
//! appsrc voice (F32 mono, its rate) ┼─ audiomixer ─ AAC ────────────────────────────────────────┘  (matroskamux ─ filesink)
//! audiotestsrc silence (the clock) ─┘
//! ```
//!
//! Nothing here blocks the caller: a frame offered while the encoder still holds
//! [`QUEUED_FRAMES`] is dropped and counted. A stream that fails (refused, dropped) is rebuilt
//! after [`backoff`]; a file that fails (the disk is full) stops with the reason.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use prism_core::scene::output::{FPS, Output, OutputSize, backoff};

use crate::MediaError;

/// Frames the encoder may have waiting before new ones are dropped (100 ms at 30 fps).
pub const QUEUED_FRAMES: u64 = 3;

/// The longest [`Broadcast::stop`] waits: the encoder's 5 s to finish, and its closing.
pub const STOP_WAIT: Duration = Duration::from_secs(8);

/// What to send, and how big.
#[derive(Debug, Clone)]
pub struct BroadcastOptions {
    pub output: Output,
    pub size: OutputSize,
}

/// Where a broadcast stands.
#[derive(Debug, Clone, PartialEq)]
pub enum BroadcastState {
    /// Started, nothing delivered yet.
    Starting,
    /// Data reaches the server or the file.
    Live,
    /// The stream failed (why) and is tried again (attempt n) after a wait.
    Reconnecting { attempt: u32, why: String },
    /// Stopped for good: by the user (`None`) or a failure that a retry cannot fix.
    Stopped(Option<String>),
}

/// Counters and state, read by the app each frame.
#[derive(Debug, Clone)]
pub struct BroadcastStatus {
    pub state: BroadcastState,
    /// When it first went live (the elapsed time shown counts from here).
    pub live_since: Option<Instant>,
    /// Frames handed to the encoder, and frames dropped because it was behind (or while
    /// reconnecting).
    pub frames: u64,
    pub dropped: u64,
}

#[derive(Default)]
struct Counters {
    frames: AtomicU64,
    dropped: AtomicU64,
}

struct Shared {
    state: Mutex<(BroadcastState, Option<Instant>)>,
    sources: Mutex<Option<Sources>>,
    counters: Counters,
}

#[derive(Clone)]
struct Sources {
    video: gst_app::AppSrc,
    tv: gst_app::AppSrc,
    voice: gst_app::AppSrc,
    voice_rate: u32,
}

/// A running broadcast or recording. Dropping it stops it (and finishes the file).
pub struct Broadcast {
    shared: Arc<Shared>,
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
    width: u32,
    height: u32,
    pub output: Output,
}

impl Broadcast {
    /// Starts sending; the pipeline is built on the calling thread so a missing element or a
    /// bad file path is an error here, not later.
    pub fn start(opts: BroadcastOptions) -> Result<Broadcast, MediaError> {
        crate::init()?;
        crate::require("x264enc", "gstreamer1.0-plugins-ugly")?;
        crate::require("avenc_aac", "gstreamer1.0-libav")?;
        crate::require("audiomixer", "gstreamer1.0-plugins-base")?;
        match &opts.output {
            Output::Stream(_) => {
                crate::require("rtmp2sink", "gstreamer1.0-plugins-bad")?;
                crate::require("flvmux", "gstreamer1.0-plugins-good")?;
            }
            Output::File(path) => {
                crate::require("matroskamux", "gstreamer1.0-plugins-good")?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
            }
        }
        let (width, height) = opts.size.pixels();
        let shared = Arc::new(Shared {
            state: Mutex::new((BroadcastState::Starting, None)),
            sources: Mutex::new(None),
            counters: Counters::default(),
        });
        let first = build(&opts, &shared)?;
        let (stop, stopped) = mpsc::channel();
        let s = shared.clone();
        let o = opts.clone();
        let thread = std::thread::Builder::new()
            .name("broadcast".into())
            .spawn(move || run(o, s, first, stopped))
            .map_err(MediaError::Io)?;
        Ok(Broadcast {
            shared,
            stop,
            thread: Some(thread),
            width,
            height,
            output: opts.output,
        })
    }

    /// The frame size [`Broadcast::frame`] expects.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Offers one RGBA frame (tight rows, `width × height × 4` bytes). Returns false when it
    /// was dropped: the encoder is behind, or the stream is reconnecting.
    pub fn frame(&self, rgba: Vec<u8>) -> bool {
        let counters = &self.shared.counters;
        if rgba.len() != (self.width * self.height * 4) as usize {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let video = self.sources().map(|s| s.video);
        let Some(video) = video else {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        if video.current_level_buffers() >= QUEUED_FRAMES {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        match video.push_buffer(gst::Buffer::from_mut_slice(rgba)) {
            Ok(_) => {
                counters.frames.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                counters.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// The TV's sound as heard: mono 48 kHz.
    pub fn tv_audio(&self, samples: &[f32]) {
        self.audio().tv(samples)
    }

    /// Lumen's voice as the speaker plays it, mono at `rate`.
    pub fn voice_audio(&self, samples: &[f32], rate: u32) {
        self.audio().voice(samples, rate)
    }

    /// A handle for the audio threads (the player's tap, the speaker) to send sound with;
    /// it goes quiet when the broadcast stops.
    pub fn audio(&self) -> AudioFeed {
        AudioFeed(self.shared.clone())
    }

    pub fn status(&self) -> BroadcastStatus {
        let (state, live_since) = self.shared.state.lock().unwrap().clone();
        BroadcastStatus {
            state,
            live_since,
            frames: self.shared.counters.frames.load(Ordering::Relaxed),
            dropped: self.shared.counters.dropped.load(Ordering::Relaxed),
        }
    }

    fn sources(&self) -> Option<Sources> {
        self.shared.sources.lock().unwrap().clone()
    }

    /// Stops: the encoder finishes what it has (a file gets its index), then the pipeline
    /// closes. Waits [`STOP_WAIT`] at most: a pipeline that will not close is left to its
    /// thread, and the status says so, rather than holding the app (which stops on exit).
    pub fn stop(mut self) -> BroadcastStatus {
        self.finish();
        self.status()
    }

    fn finish(&mut self) {
        let _ = self.stop.send(());
        let Some(t) = self.thread.take() else { return };
        let until = Instant::now() + STOP_WAIT;
        while !t.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if t.is_finished() {
            let _ = t.join();
        } else {
            self.shared.state.lock().unwrap().0 = BroadcastState::Stopped(Some(format!(
                "{} did not close in time: it may be cut short",
                self.output.public()
            )));
        }
    }
}

impl Drop for Broadcast {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Sends sound into a broadcast from any thread; see [`Broadcast::audio`].
#[derive(Clone)]
pub struct AudioFeed(Arc<Shared>);

impl AudioFeed {
    /// The TV's sound as heard: mono 48 kHz.
    pub fn tv(&self, samples: &[f32]) {
        let src = self
            .0
            .sources
            .lock()
            .unwrap()
            .as_ref()
            .map(|s| s.tv.clone());
        if let Some(src) = src {
            push_audio(&src, samples);
        }
    }

    /// Lumen's voice as the speaker plays it, mono at `rate`.
    pub fn voice(&self, samples: &[f32], rate: u32) {
        let src = {
            let mut sources = self.0.sources.lock().unwrap();
            sources.as_mut().map(|s| {
                if s.voice_rate != rate {
                    s.voice.set_caps(Some(&mono(rate)));
                    s.voice_rate = rate;
                }
                s.voice.clone()
            })
        };
        if let Some(src) = src {
            push_audio(&src, samples);
        }
    }
}

fn mono(rate: u32) -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "F32LE")
        .field("layout", "interleaved")
        .field("channels", 1)
        .field("rate", rate as i32)
        .build()
}

fn push_audio(src: &gst_app::AppSrc, samples: &[f32]) {
    if samples.is_empty() {
        return;
    }
    // More than a second waiting means the mixer is not taking it: drop rather than grow.
    if src.current_level_bytes() > 48_000 * 4 {
        return;
    }
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let _ = src.push_buffer(gst::Buffer::from_mut_slice(bytes));
}

/// The pipeline for `opts`, its sources published in `shared`.
fn build(opts: &BroadcastOptions, shared: &Shared) -> Result<gst::Pipeline, MediaError> {
    let (w, h) = opts.size.pixels();
    let kbps = opts.size.kbps();
    let (mux, sink) = match &opts.output {
        // The key is set as a property below, never written into a description that could be
        // logged.
        Output::Stream(_) => ("flvmux streamable=true name=mux", "rtmp2sink name=sink"),
        Output::File(_) => ("matroskamux name=mux", "filesink name=sink"),
    };
    let desc = format!(
        "appsrc name=video is-live=true do-timestamp=true format=time \
           caps=video/x-raw,format=RGBA,width={w},height={h},framerate=0/1 \
         ! queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 \
         ! videoconvert ! videorate drop-only=false max-rate={FPS} \
         ! video/x-raw,format=I420,framerate={FPS}/1 \
         ! x264enc tune=zerolatency speed-preset=veryfast bitrate={kbps} vbv-buf-capacity=1000 \
           key-int-max={key} \
         ! video/x-h264,profile=main ! h264parse ! queue ! mux. \
         appsrc name=tv is-live=true do-timestamp=true format=time \
           caps=audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=48000 \
         ! audioconvert ! audioresample ! mix. \
         appsrc name=voice is-live=true do-timestamp=true format=time \
           caps=audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=48000 \
         ! audioconvert ! audioresample ! mix. \
         audiotestsrc name=silence is-live=true wave=silence samplesperbuffer=960 \
         ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! mix. \
         audiomixer name=mix latency=100000000 ignore-inactive-pads=true force-live=true \
         ! audioconvert ! audio/x-raw,rate=48000,channels=2 \
         ! avenc_aac bitrate=128000 ! aacparse ! queue ! mux. \
         {mux} ! {sink}",
        key = FPS * 2,
    );
    let pipeline = gst::parse::launch(&desc)
        .map_err(|e| MediaError::Init(format!("broadcast pipeline: {e}")))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| MediaError::Init("broadcast pipeline is not a pipeline".into()))?;
    let sink = pipeline
        .by_name("sink")
        .ok_or_else(|| MediaError::Init("broadcast sink".into()))?;
    match &opts.output {
        Output::Stream(url) => sink.set_property("location", url),
        Output::File(path) => sink.set_property("location", path.to_string_lossy().as_ref()),
    }
    let src = |name: &str| {
        pipeline
            .by_name(name)
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
            .ok_or_else(|| MediaError::Init(format!("broadcast {name} source")))
    };
    let (video, tv, voice) = (src("video")?, src("tv")?, src("voice")?);
    // Whatever the app offers beyond what the encoder holds is its to drop (and count).
    video.set_max_bytes(0);
    *shared.sources.lock().unwrap() = Some(Sources {
        video,
        tv,
        voice,
        voice_rate: 48_000,
    });
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| MediaError::Init(describe_failure(&pipeline, &opts.output)))?;
    Ok(pipeline)
}

/// The first error on the bus, in words, or a generic line.
fn describe_failure(pipeline: &gst::Pipeline, output: &Output) -> String {
    pipeline
        .bus()
        .and_then(|b| b.timed_pop_filtered(gst::ClockTime::ZERO, &[gst::MessageType::Error]))
        .map(|m| describe(&m, output))
        .unwrap_or_else(|| format!("could not start sending to {}", output.public()))
}

/// A failure in words a user can act on; the stream key is never part of it.
fn describe(msg: &gst::Message, output: &Output) -> String {
    let (text, debug) = match msg.view() {
        gst::MessageView::Error(e) => (e.error().to_string(), e.debug().unwrap_or_default()),
        _ => return String::new(),
    };
    let all = format!("{text} {debug}").to_ascii_lowercase();
    let target = output.public();
    if all.contains("no space left") {
        return format!("the disk is full: the recording stopped ({target})");
    }
    if all.contains("permission denied") {
        return format!("cannot write {target}: permission denied");
    }
    if let Output::Stream(_) = output {
        if all.contains("connection refused") || all.contains("could not connect") {
            return format!("the stream server at {target} refused the connection");
        }
        if all.contains("publish")
            || all.contains("badname")
            || all.contains("rejected")
            || all.contains("_error")
        {
            return format!("the stream server at {target} refused the stream key");
        }
        if all.contains("closed") || all.contains("reset") || all.contains("broken pipe") {
            return format!("the stream server at {target} dropped the connection");
        }
        if all.contains("resolve") || all.contains("name or service") {
            return format!("the stream server's name in {target} could not be found");
        }
        if all.contains("timed out") || all.contains("timeout") {
            return format!("the stream server at {target} did not answer in time");
        }
    }
    // Elements quote their location in the debug text: not the key's place to be shown.
    format!("{} ({target})", text.trim_end_matches('.'))
}

/// Watches the bus; rebuilds a failed stream after a wait; stops on request.
fn run(
    opts: BroadcastOptions,
    shared: Arc<Shared>,
    first: gst::Pipeline,
    stop: mpsc::Receiver<()>,
) {
    let mut pipeline = Some(first);
    let mut attempt = 0u32;
    let set = |state: BroadcastState| {
        let mut s = shared.state.lock().unwrap();
        if state == BroadcastState::Live && s.1.is_none() {
            s.1 = Some(Instant::now());
        }
        s.0 = state;
    };
    loop {
        let Some(p) = pipeline.as_ref() else {
            // Waiting to reconnect.
            let wait = backoff(attempt);
            match stop.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                    set(BroadcastState::Stopped(None));
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            match build(&opts, &shared) {
                Ok(p) => pipeline = Some(p),
                Err(e) => {
                    attempt += 1;
                    set(BroadcastState::Reconnecting {
                        attempt,
                        why: e.to_string(),
                    });
                }
            }
            continue;
        };
        match stop.try_recv() {
            Ok(()) | Err(mpsc::TryRecvError::Disconnected) => {
                finish(p);
                *shared.sources.lock().unwrap() = None;
                let mut s = shared.state.lock().unwrap();
                if !matches!(s.0, BroadcastState::Stopped(Some(_))) {
                    s.0 = BroadcastState::Stopped(None);
                }
                return;
            }
            Err(mpsc::TryRecvError::Empty) => {}
        }
        let Some(bus) = p.bus() else { return };
        // Live once the sink has taken data for a moment without an error.
        let sunk = p
            .by_name("sink")
            .map(|s| s.property::<Option<gst::Sample>>("last-sample").is_some())
            .unwrap_or(false);
        if sunk {
            let live = matches!(shared.state.lock().unwrap().0, BroadcastState::Live);
            if !live {
                attempt = 0;
                set(BroadcastState::Live);
            }
        }
        let Some(msg) = bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(100),
            &[gst::MessageType::Error, gst::MessageType::Eos],
        ) else {
            continue;
        };
        let why = match msg.view() {
            gst::MessageView::Eos(_) => format!("{} ended the stream", opts.output.public()),
            _ => describe(&msg, &opts.output),
        };
        let _ = p.set_state(gst::State::Null);
        *shared.sources.lock().unwrap() = None;
        pipeline = None;
        match opts.output {
            Output::Stream(_) => {
                attempt += 1;
                set(BroadcastState::Reconnecting { attempt, why });
            }
            Output::File(_) => {
                set(BroadcastState::Stopped(Some(why)));
                // Wait for the stop the app will send.
                let _ = stop.recv();
                return;
            }
        }
    }
}

/// End of stream through the pipeline (a file gets its index), 5 s at most, then closed.
fn finish(p: &gst::Pipeline) {
    // Never `send_event` on an element here: it holds the element's state lock while the
    // silence source may be stuck in a start-up query the mixer answers only once it runs, and
    // going to NULL needs that same lock (one stop in ten right after a start hung). The ends
    // go in at pads. Before the pipeline runs nothing was written that an end could save: it
    // just closes.
    if p.current_state() == gst::State::Playing {
        if let Some(video) = p
            .by_name("video")
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        {
            let _ = video.end_of_stream();
        }
        // The mixer never ends by itself (force-live: with every input ended it spins on): the
        // sound ends after it, from a thread of its own, since the pad's stream lock is the
        // mixer's while it pushes into a full queue.
        if let Some(pad) = p
            .by_name("mix")
            .and_then(|e| e.static_pad("src"))
            .and_then(|pad| pad.peer())
        {
            let _ = std::thread::Builder::new()
                .name("broadcast-eos".into())
                .spawn(move || {
                    pad.send_event(gst::event::Eos::new());
                });
        }
        if let Some(bus) = p.bus() {
            let _ = bus.timed_pop_filtered(
                gst::ClockTime::from_seconds(5),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            );
        }
    }
    let _ = p.set_state(gst::State::Null);
}
