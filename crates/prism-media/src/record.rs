//! Recording the channel playing, from its time-shift buffer: no second connection upstream.
//! Each segment the buffer keeps is appended to an MPEG-TS file as it arrives (whole segments
//! only, so a recording cut short by a crash plays up to its last complete segment), and the
//! finished file is remuxed to Matroska (no re-encoding).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::shift::{Shift, Track};

/// Where a recording is.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordingState {
    /// Segments are being appended to `path` (MPEG-TS).
    Recording,
    /// Stopped; being remuxed to Matroska.
    Finishing,
    /// Done: `path` is the Matroska file.
    Done,
    /// It failed; `path` keeps what was recorded (MPEG-TS) when anything was.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordingStatus {
    pub path: PathBuf,
    /// Seconds of picture recorded.
    pub seconds: f64,
    pub bytes: u64,
    pub state: RecordingState,
}

pub(crate) struct Recording {
    stop: Arc<AtomicBool>,
    pub(crate) status: Arc<Mutex<RecordingStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl Recording {
    /// Starts appending the buffer's segments from its newest on to `stem`.ts. The buffer
    /// lives as long as the recording, even when the viewer zaps away.
    pub(crate) fn start(shift: Arc<Shift>, stem: &Path) -> Result<Recording, String> {
        let track = shift
            .track(0)
            .ok_or_else(|| "nothing is buffered yet to record".to_owned())?;
        if track.sample_encrypted() {
            return Err(
                "this channel's stream is encrypted per sample (SAMPLE-AES, DRM): Prism cannot record it"
                    .into(),
            );
        }
        Self::spawn(stem, move |file, status, stop| {
            let result = append(&shift, &track, file, status, stop);
            drop(shift);
            result
        })
    }

    /// Records a raw MPEG-TS channel: the bytes its one endless response brings (`chunks`,
    /// from the relay streaming it to the player, or a timer's own connection) are appended
    /// as they come, timed by the stream's PCR. It ends when stopped. When the stream ends
    /// or breaks, `reopen` is asked for it again (the player's buffer may have reopened it
    /// already), and the recording goes on from the new connection's first keyframe.
    pub(crate) fn start_raw(
        chunks: Receiver<Vec<u8>>,
        stem: &Path,
        reopen: impl FnMut() -> Option<Receiver<Vec<u8>>> + Send + 'static,
    ) -> Result<Recording, String> {
        Self::spawn(stem, move |file, status, stop| {
            append_raw(chunks, reopen, file, status, stop)
        })
    }

    /// Opens `stem`.ts and runs `record` into it on a thread; then remuxes it to `stem`.mkv.
    fn spawn(
        stem: &Path,
        record: impl FnOnce(std::fs::File, &Mutex<RecordingStatus>, &AtomicBool) -> Result<(), String>
        + Send
        + 'static,
    ) -> Result<Recording, String> {
        if let Some(dir) = stem.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let ts = with_ext(stem, "ts");
        let file = std::fs::File::create(&ts).map_err(|e| format!("{}: {e}", ts.display()))?;
        let status = Arc::new(Mutex::new(RecordingStatus {
            path: ts.clone(),
            seconds: 0.0,
            bytes: 0,
            state: RecordingState::Recording,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (status.clone(), stop.clone());
        let mkv = with_ext(stem, "mkv");
        let thread = std::thread::Builder::new()
            .name("prism-record".into())
            .spawn(move || {
                let result = record(file, &st, &sp);
                let state = match result {
                    Err(e) => RecordingState::Failed(e),
                    Ok(()) => {
                        set(&st, |s| s.state = RecordingState::Finishing);
                        match remux(&ts, &mkv) {
                            Ok(()) => {
                                let _ = std::fs::remove_file(&ts);
                                set(&st, |s| {
                                    s.path.clone_from(&mkv);
                                    s.bytes = std::fs::metadata(&mkv).map_or(s.bytes, |m| m.len());
                                });
                                RecordingState::Done
                            }
                            Err(e) => RecordingState::Failed(format!(
                                "remuxing failed ({e}); the MPEG-TS is kept"
                            )),
                        }
                    }
                };
                set(&st, |s| s.state = state);
            })
            .map_err(|e| e.to_string())?;
        Ok(Recording {
            stop,
            status,
            thread: Some(thread),
        })
    }

    /// Stops after the segments already buffered; the file is finished on its thread.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub(crate) fn status(&self) -> RecordingStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits for the file to be finished (tests, and the app's exit).
    pub(crate) fn wait(&mut self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                if let Some(t) = self.thread.take() {
                    let _ = t.join();
                }
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

/// `stem` + "." + `ext` (a stem may hold dots of its own: "… 20.15").
pub fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    s.into()
}

fn set(status: &Mutex<RecordingStatus>, f: impl FnOnce(&mut RecordingStatus)) {
    f(&mut status.lock().unwrap_or_else(|e| e.into_inner()));
}

/// Appends segments as the buffer gets them until stopped.
fn append(
    shift: &Shift,
    track: &Track,
    mut file: std::fs::File,
    status: &Mutex<RecordingStatus>,
    stop: &AtomicBool,
) -> Result<(), String> {
    let mut seq = track.newest().ok_or("nothing is buffered yet to record")?;
    if let Some(init) = track.init_section(seq) {
        file.write_all(&init).map_err(|e| e.to_string())?;
    }
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        match track.kept(seq) {
            Some((bytes, duration)) => {
                // AES-128 segments are written decrypted: the file plays anywhere.
                let bytes = match track.aes_key(seq)? {
                    Some((key, iv)) => decrypt(&bytes, &key, &iv).ok_or_else(|| {
                        "a segment did not decrypt with its key (AES-128)".to_owned()
                    })?,
                    None => bytes,
                };
                // Whole segments: a crash leaves a file that plays to its last one.
                file.write_all(&bytes)
                    .map_err(|e| format!("writing the recording: {e}"))?;
                file.flush().map_err(|e| e.to_string())?;
                set(status, |s| {
                    s.seconds += duration;
                    s.bytes += bytes.len() as u64;
                });
                seq += 1;
            }
            None if stopping => break,
            None if track.first().is_some_and(|f| f > seq) => {
                // Fell out of the buffer before it was written (a very slow disk): go on from
                // what is there.
                seq = track.first().unwrap_or(seq);
            }
            None => {
                if shift.stopped() && track.newest().is_none_or(|n| n < seq) {
                    return Err("the channel's buffer stopped".into());
                }
                track.wait_for(seq, Duration::from_millis(500));
            }
        }
    }
    file.sync_all().map_err(|e| e.to_string())
}

/// An AES-128-CBC segment (PKCS#7 padded, as HLS has it) decrypted.
fn decrypt(data: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Option<Vec<u8>> {
    use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
    cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .ok()
}

/// Appends a raw MPEG-TS stream's bytes until stopped, reopening the stream when it ends.
fn append_raw(
    mut chunks: Receiver<Vec<u8>>,
    mut reopen: impl FnMut() -> Option<Receiver<Vec<u8>>>,
    mut file: std::fs::File,
    status: &Mutex<RecordingStatus>,
    stop: &AtomicBool,
) -> Result<(), String> {
    let mut clock = prism_core::ts::PcrClock::new();
    let mut redial = crate::shift::Redial::new();
    let mut bytes = 0u64;
    // A tap joins the stream mid-packet and mid-picture: the file starts at a keyframe, with
    // the programme tables in front (else the sound leads the picture by seconds, and the
    // remux's per-stream queues fill before the picture's first frame comes).
    let mut lead: Option<Vec<u8>> = Some(Vec::new());
    while !stop.load(Ordering::Relaxed) {
        match chunks.recv_timeout(Duration::from_millis(250)) {
            Ok(chunk) => {
                let chunk = match lead.as_mut() {
                    Some(l) => {
                        l.extend_from_slice(&chunk);
                        match prism_core::ts::clean_start(l) {
                            Some((mut tables, at)) => {
                                tables.extend_from_slice(&l[at..]);
                                lead = None;
                                tables
                            }
                            None => continue,
                        }
                    }
                    None => chunk,
                };
                file.write_all(&chunk)
                    .map_err(|e| format!("writing the recording: {e}"))?;
                clock.push(&chunk);
                bytes += chunk.len() as u64;
                set(status, |s| {
                    s.seconds = clock.seconds();
                    s.bytes = bytes;
                });
            }
            Err(RecvTimeoutError::Timeout) => {}
            // The channel's stream ended or broke: asked for again (with a pause between
            // tries) until the recording is stopped; it goes on from a keyframe.
            Err(RecvTimeoutError::Disconnected) => match redial.again(stop, &mut reopen) {
                Some(rx) => {
                    chunks = rx;
                    lead = Some(Vec::new());
                }
                None => break,
            },
        }
    }
    if bytes == 0 {
        return Err("the channel sent nothing to record".into());
    }
    file.sync_all().map_err(|e| e.to_string())
}

/// A local file as the URI the player opens (spaces and the like escaped).
pub fn file_uri(path: &Path) -> String {
    reqwest::Url::from_file_path(path)
        .map(String::from)
        .unwrap_or_else(|()| format!("file://{}", path.display()))
}

/// How long a Matroska recording is (from its header), for the recordings list.
pub fn duration(path: &Path) -> Option<Duration> {
    crate::init().ok()?;
    let make = |name: &str| gst::ElementFactory::make(name).build().ok();
    let pipeline = gst::Pipeline::new();
    let src = make("filesrc")?;
    src.set_property("location", path.to_string_lossy().as_ref());
    let demux = make("matroskademux")?;
    pipeline.add_many([&src, &demux]).ok()?;
    src.link(&demux).ok()?;
    let pipe = pipeline.downgrade();
    // Each stream through a queue to a fakesink, so the file prerolls and says its length
    // (without the queues the first sink to preroll holds the demuxer's one thread, and the
    // other stream never prerolls).
    demux.connect_pad_added(move |_, pad| {
        let Some(pipeline) = pipe.upgrade() else {
            return;
        };
        let (Ok(queue), Ok(sink)) = (
            gst::ElementFactory::make("queue").build(),
            gst::ElementFactory::make("fakesink").build(),
        ) else {
            return;
        };
        if pipeline.add_many([&queue, &sink]).is_err() || queue.link(&sink).is_err() {
            return;
        }
        let _ = sink.sync_state_with_parent();
        let _ = queue.sync_state_with_parent();
        if let Some(p) = queue.static_pad("sink") {
            let _ = pad.link(&p);
        }
    });
    pipeline.set_state(gst::State::Paused).ok()?;
    // Prerolled (or failed): the bus says which.
    let bus = pipeline.bus()?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(5),
        &[gst::MessageType::AsyncDone, gst::MessageType::Error],
    );
    let prerolled = msg.is_some_and(|m| matches!(m.view(), gst::MessageView::AsyncDone(_)));
    let d = prerolled
        .then(|| pipeline.query_duration::<gst::ClockTime>())
        .flatten();
    let _ = pipeline.set_state(gst::State::Null);
    d.map(|d| Duration::from_nanos(d.nseconds()))
}

/// Rewrites an MPEG-TS (or fragmented MP4) recording as Matroska, streams as they are.
pub fn remux(from: &Path, to: &Path) -> Result<(), String> {
    crate::init().map_err(|e| e.to_string())?;
    let make = |name: &str| {
        gst::ElementFactory::make(name)
            .build()
            .map_err(|_| format!("the GStreamer element {name} is missing"))
    };
    let pipeline = gst::Pipeline::new();
    let src = make("filesrc")?;
    src.set_property("location", from.to_string_lossy().as_ref());
    let parse = make("parsebin")?;
    let mux = make("matroskamux")?;
    let sink = make("filesink")?;
    sink.set_property("location", to.to_string_lossy().as_ref());
    pipeline
        .add_many([&src, &parse, &mux, &sink])
        .map_err(|e| e.to_string())?;
    src.link(&parse).map_err(|e| e.to_string())?;
    mux.link(&sink).map_err(|e| e.to_string())?;
    let mux_weak = mux.downgrade();
    let pipeline_weak = pipeline.downgrade();
    parse.connect_pad_added(move |_, pad| {
        let (Some(mux), Some(pipeline)) = (mux_weak.upgrade(), pipeline_weak.upgrade()) else {
            return;
        };
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let kind = caps
            .structure(0)
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        let template = if kind.starts_with("video/") {
            "video_%u"
        } else if kind.starts_with("audio/") {
            "audio_%u"
        } else {
            "subtitle_%u"
        };
        // A queue per stream: the demuxer feeds every stream from one thread, and the muxer
        // holds one stream back while it waits for another (without queues, a deadlock).
        // Bounded by bytes only: a stream may lead another by seconds (a raw channel's
        // sound before its picture's first keyframe), and a full queue would stall the
        // demuxer's one thread for good.
        let Ok(queue) = gst::ElementFactory::make("queue")
            .property("max-size-time", 0u64)
            .property("max-size-buffers", 0u32)
            .property("max-size-bytes", 256u32 << 20)
            .build()
        else {
            return;
        };
        if pipeline.add(&queue).is_err() || queue.sync_state_with_parent().is_err() {
            return;
        }
        let Some(queue_sink) = queue.static_pad("sink") else {
            return;
        };
        if pad.link(&queue_sink).is_err() {
            return;
        }
        if let Some(sinkpad) = mux.request_pad_simple(template) {
            // A stream Matroska cannot hold is left out rather than failing the recording.
            let linked = queue
                .static_pad("src")
                .is_some_and(|q| q.link(&sinkpad).is_ok());
            if !linked {
                mux.release_request_pad(&sinkpad);
            }
        }
    });
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| e.to_string())?;
    let bus = pipeline.bus().ok_or("no bus")?;
    let result = loop {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_seconds(120)) else {
            break Err("remuxing took over two minutes".to_owned());
        };
        match msg.view() {
            gst::MessageView::Eos(_) => break Ok(()),
            gst::MessageView::Error(e) => break Err(e.error().to_string()),
            _ => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}
