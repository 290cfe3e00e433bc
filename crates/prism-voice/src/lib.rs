//! Lumen's voice: Piper voices (VITS in ONNX) run through ONNX Runtime, with phonemes from the
//! `espeak-ng` program. espeak-ng is GPL, so it runs as a subprocess and is never linked; ONNX
//! Runtime is loaded from the library file the model manager installed.

pub mod onnx;
pub mod tts;

pub use tts::{Audio, PiperVoice, VoiceError};
