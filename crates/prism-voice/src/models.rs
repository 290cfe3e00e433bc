//! Where models live: `PRISM_MODELS_DIR`, else `~/.cache/prism/models` (what `./x models` and
//! `prism models install` fill). A missing file is an error that says how to get it.

use std::path::PathBuf;

pub const WHISPER: &str = "ggml-tiny.en.bin";
pub const LLM: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const VOICE: &str = "en_US-joe-medium.onnx";
pub const VOICE_CONFIG: &str = "en_US-joe-medium.onnx.json";
pub const RUNTIME: &str = "libonnxruntime.so.1.31.1";

pub fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("PRISM_MODELS_DIR") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cache/prism/models")
}

/// `file` in the models folder, or why it is not usable.
pub fn require(file: &str) -> Result<PathBuf, String> {
    let path = dir().join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: run `prism models install` (or ./x models)",
            path.display()
        ))
    }
}
