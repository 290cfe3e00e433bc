//! Lumen's voice: Piper voices (VITS in ONNX) run through ONNX Runtime, with phonemes from the
//! `espeak-ng` program. espeak-ng is GPL, so it runs as a subprocess and is never linked; ONNX
//! Runtime is loaded from the library file the model manager installed.

pub mod audio;
pub mod models;
pub mod onnx;
pub mod tts;
pub mod worker;

pub use tts::{Audio, PiperVoice, VoiceError};

/// Whisper's initial prompt for a lineup: a few commands written out and the channel names.
/// Whisper reads the prompt as text said just before, so short sentences in the style of a
/// command bias it towards "Mute." and "Prism Sports" where it would hear "Newt" and "prison
/// sports" (measured: 18 → 23 of 29 espeak commands right with tiny.en).
pub fn stt_prompt(playlist: &prism_core::Playlist) -> String {
    let mut p = String::from(
        "Lumen, mute. Unmute. Pause. Resume playing. Channel up. Channel down. Previous channel. \
         Show the guide. Turn on subtitles. Add to favourites. Put on",
    );
    for c in playlist.channels.iter().take(40) {
        if p.len() + c.name.len() > 700 {
            break;
        }
        p.push(' ');
        p.push_str(&c.name);
        p.push(',');
    }
    p.pop();
    p.push('.');
    p
}
