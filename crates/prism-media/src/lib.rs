//! Prism's media layer, with no Bevy in it:
//! - [`Player`]: GStreamer `playbin3` (hlsdemux2) decoding into planar YUV frames that the app
//!   uploads and converts on the GPU, audio to the normal sink, a bus read on our own thread
//!   (no GLib main loop), typed events with messages a person understands, and recovery through
//!   retries and backup URLs;
//! - [`relay`]: the loopback relay the player fetches through, which keeps GStreamer 1.22's
//!   HLS demuxer away from the server faults that crash it;
//! - [`demo`]: the offline demo channels (test patterns and tones encoded to HLS once, cached);
//! - [`server`]: the loopback HTTP server that plays them out as live HLS, with fault injection
//!   for tests.

pub mod broadcast;
pub mod demo;
mod errors;
mod feed;
mod frame;
mod loopback;
mod player;
mod record;
pub mod relay;
pub mod rtmp_server;
mod scheduled;
pub mod server;
mod shift;

pub use errors::describe_error;
pub use frame::{ColorMatrix, Frame, FrameSlot, PixelLayout};
pub use player::{
    AudioListener, AudioOutput, DeinterlaceCaps, PlayRequest, Player, PlayerEvent, PlayerOptions,
    Recovery, SeekTo, StreamSource, Timeline, volume_gain,
};
pub use record::{RecordingState, RecordingStatus, duration, file_uri, remux, with_ext};
pub use relay::StreamLimits;
pub use shift::{ShiftStatus, TimeshiftOptions};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer could not start: {0}")]
    Init(String),
    #[error("a GStreamer element is missing: {element} (install {package})")]
    MissingElement {
        element: &'static str,
        package: &'static str,
    },
    #[error("could not build the demo channels: {0}")]
    Demo(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// User + system CPU seconds of this process so far (Linux `/proc`; 0 elsewhere), for the
/// per-frame CPU figures of benches and the app's autopilot.
pub fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')';
    // utime and stime are stat's fields 14 and 15, so 12 and 13 from there (0-based 11, 12).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Initialises GStreamer once; every entry point calls it.
pub fn init() -> Result<(), MediaError> {
    gstreamer::init().map_err(|e| MediaError::Init(e.to_string()))
}

/// Fails with the Debian package to install when an element Prism needs is not there.
pub(crate) fn require(element: &'static str, package: &'static str) -> Result<(), MediaError> {
    if gstreamer::ElementFactory::find(element).is_some() {
        Ok(())
    } else {
        Err(MediaError::MissingElement { element, package })
    }
}
