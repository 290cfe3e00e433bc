//! The microphone and the speaker, each on a thread that owns its cpal stream (streams are not
//! `Send` on every platform), plus resampling and WAV reading.
//!
//! The microphone records at the device's own rate while push-to-talk is held; the recording is
//! resampled to 16 kHz mono for whisper when it is released. The speaker is one continuous output
//! stream: speech is appended to its queue as each sentence is ready, so sentences play back to
//! back with no gap, and silence is played when the queue is empty. With no output device, a
//! clock thread consumes the queue in real time instead, so lips and timings still work.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use rubato::{FftFixedIn, Resampler};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AudioError {
    #[error("No microphone found. Plug one in, or check the system's sound settings.")]
    NoMicrophone,
    #[error(
        "The microphone could not be opened ({0}). If this system asks for permission, allow Prism to use it."
    )]
    MicrophoneRefused(String),
    #[error("The microphone was unplugged.")]
    Unplugged,
    #[error("No speaker found: Lumen will move her lips without sound.")]
    NoSpeaker,
    #[error("The speaker could not be opened ({0}).")]
    SpeakerRefused(String),
    #[error("{0}")]
    Wav(String),
}

/// `input` at `from` Hz, at `to` Hz (band-limited FFT resampling), the same duration.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    const CHUNK: usize = 1024;
    let mut r =
        FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 1).expect("valid rates");
    let delay = r.output_delay();
    let want = (input.len() as u64 * to as u64 / from as u64) as usize;
    let mut out = Vec::with_capacity(want + delay + CHUNK * 2);
    let mut pos = 0;
    let mut chunk = vec![0f32; CHUNK];
    // Whole chunks, the last padded with zeros, until the resampler's delay has come out too.
    while out.len() < want + delay {
        let n = r.input_frames_next();
        chunk.resize(n, 0.0);
        let take = n.min(input.len().saturating_sub(pos));
        chunk[..take].copy_from_slice(&input[pos..pos + take]);
        chunk[take..].fill(0.0);
        pos += take;
        out.extend(&r.process(&[&chunk], None).expect("sized chunk")[0]);
    }
    out.drain(..delay);
    out.truncate(want);
    out
}

/// A WAV file's samples, mixed to mono, and its rate (PCM 16/24/32-bit or 32-bit float).
pub fn read_wav(path: &Path) -> Result<(Vec<f32>, u32), AudioError> {
    let bytes =
        std::fs::read(path).map_err(|e| AudioError::Wav(format!("{}: {e}", path.display())))?;
    let bad = |why: &str| AudioError::Wav(format!("{}: {why}", path.display()));
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("not a WAV file"));
    }
    let (mut fmt, mut data) = (None, None);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match id {
            b"fmt " if body.len() >= 16 => fmt = Some(body),
            b"data" => data = Some(body),
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
    let (fmt, data) = (
        fmt.ok_or_else(|| bad("no fmt chunk"))?,
        data.ok_or_else(|| bad("no data chunk"))?,
    );
    let u16_at = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    let (format, channels, bits) = (u16_at(0), u16_at(2).max(1) as usize, u16_at(14));
    let rate = u32::from_le_bytes(fmt[4..8].try_into().expect("4 bytes"));
    let frame: Vec<f32> = match (format, bits) {
        (1, 16) => data
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0)
            .collect(),
        (1, 24) => data
            .chunks_exact(3)
            .map(|b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0)
            .collect(),
        (1, 32) => data
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0)
            .collect(),
        (3, 32) => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        (0xFFFE, _) => {
            return Err(bad(
                "extensible WAV is not supported; convert with sox to 16-bit PCM",
            ));
        }
        _ => {
            return Err(bad(&format!(
                "unsupported sample format {format}/{bits}-bit"
            )));
        }
    };
    let mono = frame
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok((mono, rate))
}

/// Seconds of sound kept before push-to-talk (see [`Microphone::pre_roll`]).
pub const PRE_ROLL: f32 = 2.0;

/// What the microphone thread shares with the app.
struct MicShared {
    recording: AtomicBool,
    samples: Mutex<Vec<f32>>,
    /// The last [`PRE_ROLL`] seconds before push-to-talk, in memory only and overwritten as
    /// it goes (the echo canceller learns the room from the TV heard alone); frozen at the
    /// press.
    before: Mutex<VecDeque<f32>>,
    /// When the latest block arrived (its last sample's moment, near enough).
    latest: Mutex<Option<Instant>>,
    /// Peak dBFS of the latest block, as f32 bits.
    level: AtomicU32,
    error: Mutex<Option<AudioError>>,
}

pub struct Microphone {
    shared: Arc<MicShared>,
    pub rate: u32,
    pub name: String,
    stop: mpsc::Sender<()>,
}

impl Microphone {
    /// Opens the default input device and starts its stream (recording only while held).
    pub fn open() -> Result<Microphone, AudioError> {
        let shared = Arc::new(MicShared {
            recording: AtomicBool::new(false),
            samples: Mutex::new(Vec::new()),
            before: Mutex::new(VecDeque::new()),
            latest: Mutex::new(None),
            level: AtomicU32::new((-90f32).to_bits()),
            error: Mutex::new(None),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let (opened_tx, opened) = mpsc::channel();
        let s = shared.clone();
        std::thread::Builder::new()
            .name("microphone".into())
            .spawn(move || {
                let stream = (|| {
                    let host = cpal::default_host();
                    let device = host
                        .default_input_device()
                        .ok_or(AudioError::NoMicrophone)?;
                    let name = device.name().unwrap_or_else(|_| "microphone".into());
                    let config = device.default_input_config().map_err(|e| match e {
                        cpal::DefaultStreamConfigError::DeviceNotAvailable => {
                            AudioError::NoMicrophone
                        }
                        e => AudioError::MicrophoneRefused(e.to_string()),
                    })?;
                    let rate = config.sample_rate().0;
                    let channels = config.channels() as usize;
                    let sc: cpal::StreamConfig = config.clone().into();
                    let stream = match config.sample_format() {
                        cpal::SampleFormat::F32 => input::<f32>(&device, &sc, channels, s.clone()),
                        cpal::SampleFormat::I16 => input::<i16>(&device, &sc, channels, s.clone()),
                        cpal::SampleFormat::U16 => input::<u16>(&device, &sc, channels, s.clone()),
                        cpal::SampleFormat::I32 => input::<i32>(&device, &sc, channels, s.clone()),
                        f => {
                            return Err(AudioError::MicrophoneRefused(format!(
                                "unsupported sample format {f}"
                            )));
                        }
                    }?;
                    stream
                        .play()
                        .map_err(|e| AudioError::MicrophoneRefused(e.to_string()))?;
                    Ok((stream, rate, name))
                })();
                match stream {
                    Ok((stream, rate, name)) => {
                        let _ = opened_tx.send(Ok((rate, name)));
                        let _ = stopped.recv();
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                    }
                }
            })
            .expect("spawn microphone thread");
        let (rate, name) = opened.recv().unwrap_or(Err(AudioError::NoMicrophone))?;
        Ok(Microphone {
            shared,
            rate,
            name,
            stop,
        })
    }

    pub fn start(&self) {
        self.shared.samples.lock().unwrap().clear();
        self.shared.recording.store(true, Ordering::SeqCst);
    }

    /// What the microphone heard in the [`PRE_ROLL`] before the recording began (at the
    /// device's rate; the recording follows on from its last sample). Empty on the first
    /// press after opening, or when the stream had not run that long.
    pub fn pre_roll(&self) -> Vec<f32> {
        if !self.shared.recording.load(Ordering::SeqCst) {
            return Vec::new();
        }
        self.shared.before.lock().unwrap().iter().copied().collect()
    }

    /// When the newest sample (of the recording, or of the stream) was heard.
    pub fn latest(&self) -> Option<Instant> {
        *self.shared.latest.lock().unwrap()
    }

    /// The recording so far (at the device's rate), while it goes on.
    pub fn snapshot(&self) -> Vec<f32> {
        self.shared.samples.lock().unwrap().clone()
    }

    /// Stops recording; the recording at the device's rate.
    pub fn finish(&self) -> Vec<f32> {
        self.shared.recording.store(false, Ordering::SeqCst);
        // The next pre-roll starts after this recording, not before it.
        self.shared.before.lock().unwrap().clear();
        std::mem::take(&mut *self.shared.samples.lock().unwrap())
    }

    pub fn level_db(&self) -> f32 {
        f32::from_bits(self.shared.level.load(Ordering::Relaxed))
    }

    /// A stream error since the last call (an unplugged device).
    pub fn error(&self) -> Option<AudioError> {
        self.shared.error.lock().unwrap().take()
    }
}

impl Drop for Microphone {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}

fn input<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    channels: usize,
    s: Arc<MicShared>,
) -> Result<cpal::Stream, AudioError>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let e = s.clone();
    let keep = (config.sample_rate.0 as f32 * PRE_ROLL) as usize;
    device
        .build_input_stream(
            config,
            move |data: &[T], _: &cpal::InputCallbackInfo| {
                let mono: Vec<f32> = data
                    .chunks(channels)
                    .map(|f| f.iter().map(|x| x.to_sample::<f32>()).sum::<f32>() / channels as f32)
                    .collect();
                s.level.store(
                    prism_core::speech::level_db(&mono).to_bits(),
                    Ordering::Relaxed,
                );
                *s.latest.lock().unwrap() = Some(Instant::now());
                if s.recording.load(Ordering::Relaxed) {
                    s.samples.lock().unwrap().extend(mono);
                } else {
                    let mut before = s.before.lock().unwrap();
                    before.extend(mono);
                    let over = before.len().saturating_sub(keep);
                    before.drain(..over);
                }
            },
            move |err| {
                *e.error.lock().unwrap() = Some(match err {
                    cpal::StreamError::DeviceNotAvailable => AudioError::Unplugged,
                    other => AudioError::MicrophoneRefused(other.to_string()),
                });
            },
            None,
        )
        .map_err(|e| match e {
            cpal::BuildStreamError::DeviceNotAvailable => AudioError::NoMicrophone,
            e => AudioError::MicrophoneRefused(e.to_string()),
        })
}

struct SpeakerShared {
    queue: Mutex<VecDeque<f32>>,
    /// Samples played since the speaker opened (the clock lips are timed against).
    played: AtomicU64,
    error: Mutex<Option<AudioError>>,
    /// Also hears what is played, as it is played (a broadcast mixing the voice in).
    mirror: Mutex<Option<Mirror>>,
}

/// Hears the speaker's samples (mono, at the rate given) on the audio thread.
pub type Mirror = Arc<dyn Fn(&[f32], u32) + Send + Sync>;

impl SpeakerShared {
    /// Takes `n` samples off the queue (silence where it runs out) into `out` when someone
    /// listens, else just drops them; returns the listener.
    fn take(&self, n: usize, mut each: impl FnMut(f32)) -> Option<(Mirror, Vec<f32>)> {
        let mirror = self.mirror.lock().unwrap().clone();
        let mut q = self.queue.lock().unwrap();
        let mut heard = Vec::with_capacity(if mirror.is_some() { n } else { 0 });
        for _ in 0..n {
            let v = q.pop_front().unwrap_or(0.0);
            each(v);
            if mirror.is_some() {
                heard.push(v);
            }
        }
        mirror.map(|m| (m, heard))
    }
}

/// One continuous output stream; see the module's notes.
pub struct Speaker {
    shared: Arc<SpeakerShared>,
    pub rate: u32,
    /// `None` when a real device plays; why not, when the clock thread stands in.
    pub silent: Option<AudioError>,
    stop: mpsc::Sender<()>,
}

impl Speaker {
    pub fn open() -> Speaker {
        let shared = Arc::new(SpeakerShared {
            queue: Mutex::new(VecDeque::new()),
            played: AtomicU64::new(0),
            error: Mutex::new(None),
            mirror: Mutex::new(None),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let (opened_tx, opened) = mpsc::channel();
        let s = shared.clone();
        std::thread::Builder::new()
            .name("speaker".into())
            .spawn(move || {
                let stream = (|| {
                    let device = cpal::default_host()
                        .default_output_device()
                        .ok_or(AudioError::NoSpeaker)?;
                    let config = device
                        .default_output_config()
                        .map_err(|e| AudioError::SpeakerRefused(e.to_string()))?;
                    let rate = config.sample_rate().0;
                    let channels = config.channels() as usize;
                    let sc: cpal::StreamConfig = config.clone().into();
                    let stream = match config.sample_format() {
                        cpal::SampleFormat::F32 => output::<f32>(&device, &sc, channels, s.clone()),
                        cpal::SampleFormat::I16 => output::<i16>(&device, &sc, channels, s.clone()),
                        cpal::SampleFormat::U16 => output::<u16>(&device, &sc, channels, s.clone()),
                        cpal::SampleFormat::I32 => output::<i32>(&device, &sc, channels, s.clone()),
                        f => {
                            return Err(AudioError::SpeakerRefused(format!(
                                "unsupported sample format {f}"
                            )));
                        }
                    }?;
                    stream
                        .play()
                        .map_err(|e| AudioError::SpeakerRefused(e.to_string()))?;
                    Ok((stream, rate))
                })();
                match stream {
                    Ok((stream, rate)) => {
                        let _ = opened_tx.send(Ok(rate));
                        let _ = stopped.recv();
                        drop(stream);
                    }
                    Err(e) => {
                        // No device: consume the queue in real time, 10 ms at a time.
                        const RATE: u32 = 48_000;
                        let _ = opened_tx.send(Err((e, RATE)));
                        let start = Instant::now();
                        let mut consumed = 0u64;
                        while stopped.try_recv() == Err(mpsc::TryRecvError::Empty) {
                            std::thread::sleep(Duration::from_millis(10));
                            let due = (start.elapsed().as_secs_f64() * RATE as f64) as u64;
                            let n = (due - consumed) as usize;
                            if let Some((m, heard)) = s.take(n, |_| {}) {
                                m(&heard, RATE);
                            }
                            consumed = due;
                            s.played.fetch_add(n as u64, Ordering::Relaxed);
                        }
                    }
                }
            })
            .expect("spawn speaker thread");
        match opened.recv().expect("speaker thread answers") {
            Ok(rate) => Speaker {
                shared,
                rate,
                silent: None,
                stop,
            },
            Err((why, rate)) => Speaker {
                shared,
                rate,
                silent: Some(why),
                stop,
            },
        }
    }

    /// Appends speech at the speaker's `rate` (see [`resample`]) right after what is queued:
    /// back to back, no gap. Returns when, on the speaker's clock (seconds), it will start.
    pub fn queue(&self, samples: Vec<f32>) -> f64 {
        let mut q = self.shared.queue.lock().unwrap();
        let starts = self.clock() + q.len() as f64 / self.rate as f64;
        q.extend(samples);
        starts
    }

    /// Seconds of audio played since the speaker opened.
    pub fn clock(&self) -> f64 {
        self.shared.played.load(Ordering::Relaxed) as f64 / self.rate as f64
    }

    /// Seconds still queued.
    pub fn pending(&self) -> f64 {
        self.shared.queue.lock().unwrap().len() as f64 / self.rate as f64
    }

    /// Stops speaking at once (barge-in), with a 10 ms fade so it does not click.
    pub fn hush(&self) {
        let mut q = self.shared.queue.lock().unwrap();
        let fade = (self.rate as usize / 100).min(q.len());
        q.truncate(fade);
        for (i, s) in q.iter_mut().enumerate() {
            *s *= 1.0 - i as f32 / fade as f32;
        }
    }

    pub fn error(&self) -> Option<AudioError> {
        self.shared.error.lock().unwrap().take()
    }

    /// Someone else hears what is played from now on (a broadcast), or no longer.
    pub fn mirror(&self, mirror: Option<Mirror>) {
        *self.shared.mirror.lock().unwrap() = mirror;
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}

fn output<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    channels: usize,
    s: Arc<SpeakerShared>,
) -> Result<cpal::Stream, AudioError>
where
    T: SizedSample + FromSample<f32>,
{
    let e = s.clone();
    let rate = config.sample_rate.0;
    device
        .build_output_stream(
            config,
            move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                let n = data.len() / channels;
                let mut frames = data.chunks_mut(channels);
                let heard = s.take(n, |v| {
                    if let Some(frame) = frames.next() {
                        frame.iter_mut().for_each(|x| *x = T::from_sample(v));
                    }
                });
                if let Some((m, heard)) = heard {
                    m(&heard, rate);
                }
                s.played
                    .fetch_add((data.len() / channels) as u64, Ordering::Relaxed);
            },
            move |err| {
                *e.error.lock().unwrap() = Some(match err {
                    cpal::StreamError::DeviceNotAvailable => AudioError::NoSpeaker,
                    other => AudioError::SpeakerRefused(other.to_string()),
                });
            },
            None,
        )
        .map_err(|e| AudioError::SpeakerRefused(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_duration_and_pitch() {
        let tone: Vec<f32> = (0..48_000)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 48_000.0).sin())
            .collect();
        let out = resample(&tone, 48_000, 16_000);
        assert_eq!(out.len(), 16_000);
        // Zero crossings per second stay 880 (440 Hz).
        let crossings = out[1000..15_000]
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        assert!(
            (crossings as f32 / (14_000.0 / 16_000.0) - 440.0).abs() < 3.0,
            "{crossings}"
        );
        // In phase: the resampler's delay is taken out (within half a sample: 0.09 at this slope).
        let expect = (8000.0 * 440.0 * std::f32::consts::TAU / 16_000.0).sin();
        assert!(
            (out[8000] - expect).abs() < 0.09,
            "{} vs {expect}",
            out[8000]
        );
        assert_eq!(resample(&tone[..100], 22_050, 48_000).len(), 217);
    }
}
