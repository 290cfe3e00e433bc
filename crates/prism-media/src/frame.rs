//! Decoded frames handed from GStreamer's streaming thread to the renderer: latest frame wins,
//! nothing queues up, and the pixels stay in GStreamer's buffer (mapped, not copied) until the
//! renderer uploads them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

/// How the YUV planes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    /// Y, then U and V at half width and height.
    I420,
    /// Y, then interleaved UV at half width and height.
    Nv12,
}

/// The YUV→RGB matrix the stream declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMatrix {
    Bt601,
    Bt709,
}

/// One decoded picture, mapped read-only.
pub struct Frame {
    frame: gst_video::VideoFrame<gst_video::video_frame::Readable>,
    /// Increments at every new stream (channel switch); frames of a new channel carry a new one.
    pub stream_epoch: u64,
    /// Running count of frames delivered by this player.
    pub seq: u64,
}

impl Frame {
    pub fn width(&self) -> u32 {
        self.frame.width()
    }
    pub fn height(&self) -> u32 {
        self.frame.height()
    }
    pub fn layout(&self) -> PixelLayout {
        match self.frame.format() {
            gst_video::VideoFormat::Nv12 => PixelLayout::Nv12,
            _ => PixelLayout::I420,
        }
    }
    /// Plane bytes and row stride (stride may exceed the visible width: decoders pad rows).
    pub fn plane(&self, i: u32) -> Option<(&[u8], u32)> {
        let data = self.frame.plane_data(i).ok()?;
        let stride = *self.frame.plane_stride().get(i as usize)?;
        Some((data, u32::try_from(stride).ok()?))
    }
    pub fn matrix(&self) -> ColorMatrix {
        match self.frame.info().colorimetry().matrix() {
            gst_video::VideoColorMatrix::Bt601 => ColorMatrix::Bt601,
            gst_video::VideoColorMatrix::Bt709 => ColorMatrix::Bt709,
            // Unknown: SD sizes are BT.601 by convention, HD is BT.709.
            _ if self.height() < 720 => ColorMatrix::Bt601,
            _ => ColorMatrix::Bt709,
        }
    }
    /// Full-range (0–255) luma instead of the broadcast 16–235.
    pub fn full_range(&self) -> bool {
        self.frame.info().colorimetry().range() == gst_video::VideoColorRange::Range0_255
    }
}

#[derive(Default)]
struct Shared {
    latest: Mutex<Option<Arc<Frame>>>,
    epoch: AtomicU64,
    seq: AtomicU64,
}

/// The hand-off point between the decoder and the renderer: a single slot that the newest frame
/// overwrites, so a slow renderer skips frames instead of building latency.
#[derive(Clone, Default)]
pub struct FrameSlot(Arc<Shared>);

impl FrameSlot {
    pub(crate) fn publish(
        &self,
        frame: gst_video::VideoFrame<gst_video::video_frame::Readable>,
    ) -> Arc<Frame> {
        let seq = self.0.seq.fetch_add(1, Ordering::AcqRel) + 1;
        let frame = Arc::new(Frame {
            frame,
            stream_epoch: self.0.epoch.load(Ordering::Acquire),
            seq,
        });
        *self.0.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(frame.clone());
        frame
    }

    pub(crate) fn new_stream(&self) {
        self.0.epoch.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn clear(&self) {
        *self.0.latest.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The newest frame if it is newer than `seen` (a `Frame::seq`).
    pub fn newer_than(&self, seen: u64) -> Option<Arc<Frame>> {
        let latest = self.0.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.as_ref().filter(|f| f.seq > seen).cloned()
    }

    /// Frames delivered so far.
    pub fn delivered(&self) -> u64 {
        self.0.seq.load(Ordering::Acquire)
    }

    /// Stream-start count so far.
    pub fn epoch(&self) -> u64 {
        self.0.epoch.load(Ordering::Acquire)
    }
}
