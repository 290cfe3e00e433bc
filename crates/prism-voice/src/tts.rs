//! Text to speech with a Piper voice: text made speakable (prism-core), phonemised by espeak-ng
//! clause by clause with the clause's punctuation put back (Piper voices are trained on it:
//! it shapes the pauses and the pitch), mapped with the voice's `phoneme_id_map` the way Piper
//! does (`^`, each phoneme followed by the `_` pad, `$`), and run through the voice's ONNX graph.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ort::session::Session;
use ort::value::Tensor;
use prism_core::avatar::face::TimedViseme;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("{path}: {error}")]
    File { path: PathBuf, error: String },
    #[error("the voice's config is not usable: {0}")]
    Config(String),
    #[error(
        "espeak-ng is needed for phonemes and could not run ({0}); install it (apt install espeak-ng)"
    )]
    Espeak(String),
    #[error("ONNX Runtime: {0}")]
    Runtime(String),
}

impl From<ort::Error> for VoiceError {
    fn from(e: ort::Error) -> Self {
        VoiceError::Runtime(e.to_string())
    }
}

/// Mono samples in -1..1, with the mouth track timed by the voice itself.
#[derive(Debug, Clone)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// What producing it took (phonemes and inference).
    pub took: Duration,
    /// Each phoneme and how long the voice made it (seconds), when the voice's graph gives
    /// its durations; pads are counted with the phoneme before them.
    pub phonemes: Vec<(char, f32)>,
    /// The viseme track for the mouth: from `phonemes`, stretched to the samples; empty when
    /// the voice has no durations (the mascot then follows loudness).
    pub visemes: Vec<TimedViseme>,
    /// The durations' total, in the voice's hops (Piper's vocoder makes 256 samples a hop).
    pub hops: f32,
}

impl Audio {
    pub fn seconds(&self) -> f32 {
        self.samples.len() as f32 / self.sample_rate as f32
    }
    /// Synthesis time over audio time (below 1 is faster than real time).
    pub fn real_time_factor(&self) -> f32 {
        self.took.as_secs_f32() / self.seconds().max(1e-6)
    }
}

pub struct PiperVoice {
    session: Session,
    ids: HashMap<char, Vec<i64>>,
    pub sample_rate: u32,
    scales: [f32; 3],
    espeak_voice: String,
    multi_speaker: bool,
    /// The graph output carrying each input id's length in vocoder hops, when exposed.
    durations: Option<String>,
}

fn read(path: &Path) -> Result<Vec<u8>, VoiceError> {
    std::fs::read(path).map_err(|e| VoiceError::File {
        path: path.to_owned(),
        error: e.to_string(),
    })
}

impl PiperVoice {
    /// Loads ONNX Runtime from `runtime` (once per process), then the voice `onnx` with its
    /// `config` (the `.onnx.json` beside it).
    pub fn load(runtime: &Path, onnx: &Path, config: &Path) -> Result<PiperVoice, VoiceError> {
        let cfg: Value = serde_json::from_slice(&read(config)?)
            .map_err(|e| VoiceError::Config(e.to_string()))?;
        let mut ids = HashMap::new();
        for (k, v) in cfg["phoneme_id_map"]
            .as_object()
            .ok_or_else(|| VoiceError::Config("no phoneme_id_map".into()))?
        {
            let mut chars = k.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                continue; // Piper maps single code points
            };
            let v: Vec<i64> = v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect();
            ids.insert(c, v);
        }
        for required in ['^', '_', '$'] {
            if !ids.contains_key(&required) {
                return Err(VoiceError::Config(format!("no id for {required:?}")));
            }
        }
        let inf = &cfg["inference"];
        let f = |k: &str, d: f64| inf[k].as_f64().unwrap_or(d) as f32;
        let scales = [
            f("noise_scale", 0.667),
            f("length_scale", 1.0),
            f("noise_w", 0.8),
        ];
        let sample_rate = cfg["audio"]["sample_rate"].as_u64().unwrap_or(22050) as u32;
        let espeak_voice = cfg["espeak"]["voice"]
            .as_str()
            .unwrap_or("en-us")
            .to_owned();
        let multi_speaker = cfg["num_speakers"].as_u64().unwrap_or(1) > 1;

        if !runtime.is_file() {
            return Err(VoiceError::File {
                path: runtime.to_owned(),
                error: "ONNX Runtime is not installed there (./x models installs it)".into(),
            });
        }
        // ONNX Runtime allows one environment per process: the first load makes it and later
        // ones (a restarted voice, a second voice) share it.
        static ENV: std::sync::Mutex<Option<ort::environment::Environment>> =
            std::sync::Mutex::new(None);
        let env = {
            let mut slot = ENV.lock().unwrap_or_else(|e| e.into_inner());
            match &*slot {
                Some(env) => env.clone(),
                None => {
                    let env = ort::init_from(runtime)
                        .map_err(|e| VoiceError::Runtime(e.to_string()))?
                        .with_name("prism")
                        .build()?;
                    *slot = Some(env.clone());
                    env
                }
            }
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // The duration predictor's output, added to the graph's outputs (see `onnx`); a voice
        // whose graph has no such node loads as it is.
        let bytes = read(onnx)?;
        let (bytes, durations) = match crate::onnx::expose_output(&bytes, "Ceil") {
            Ok((b, name)) => (b, Some(name)),
            Err(_) => (bytes, None),
        };
        let session = Session::builder(&env)?
            .with_intra_threads(threads)
            .map_err(|e| VoiceError::Runtime(e.to_string()))?
            .commit_from_memory(&bytes)
            .map_err(|e| VoiceError::File {
                path: onnx.to_owned(),
                error: e.to_string(),
            })?;
        Ok(PiperVoice {
            session,
            ids,
            sample_rate,
            scales,
            espeak_voice,
            multi_speaker,
            durations,
        })
    }

    /// The sentence as Piper phonemes: espeak-ng's IPA for each clause, with the clause's
    /// punctuation put back after it.
    pub fn phonemes(&self, text: &str) -> Result<String, VoiceError> {
        let text = prism_core::speech::speakable(text);
        let mut child = Command::new("espeak-ng")
            .args(["-q", "--ipa", "-v", &self.espeak_voice])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| VoiceError::Espeak(e.to_string()))?;
        // Text arrives on stdin, never as an argument: a reply starting with "-" stays text.
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| VoiceError::Espeak(e.to_string()))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| VoiceError::Espeak(e.to_string()))?;
        if !out.status.success() {
            return Err(VoiceError::Espeak(
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            ));
        }
        let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        Ok(with_punctuation(&lines, &text))
    }

    /// Piper's ids for a phoneme string: `^`, each known phoneme followed by the pad, `$`.
    pub fn ids(&self, phonemes: &str) -> Vec<i64> {
        let mut out = self.ids[&'^'].clone();
        out.extend(&self.ids[&'_']);
        for c in phonemes.chars() {
            if let Some(id) = self.ids.get(&c) {
                out.extend(id);
                out.extend(&self.ids[&'_']);
            }
        }
        out.extend(&self.ids[&'$']);
        out
    }

    /// Speaks one sentence.
    pub fn synthesize(&mut self, text: &str) -> Result<Audio, VoiceError> {
        self.synthesize_with(text, 1.0, 1.0)
    }

    /// Speaks one sentence with the voice's length scale times `length` (above 1 is slower)
    /// and its noise scale times `noise` (below 1 is steadier, above livelier).
    pub fn synthesize_with(
        &mut self,
        text: &str,
        length: f32,
        noise: f32,
    ) -> Result<Audio, VoiceError> {
        let started = Instant::now();
        let phonemes = self.phonemes(text)?;
        let ids = self.ids(&phonemes);
        let n = ids.len();
        let input = Tensor::from_array(([1usize, n], ids))?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64]))?;
        let [noise_scale, length_scale, noise_w] = self.scales;
        let scales = Tensor::from_array((
            [3usize],
            vec![
                noise_scale * noise.clamp(0.3, 2.0),
                length_scale * length.clamp(0.5, 2.0),
                noise_w,
            ],
        ))?;
        let (samples, frames) = {
            let outputs = if self.multi_speaker {
                let sid = Tensor::from_array(([1usize], vec![0i64]))?;
                self.session.run(ort::inputs![
                    "input" => input, "input_lengths" => lengths, "scales" => scales, "sid" => sid
                ])?
            } else {
                self.session.run(ort::inputs![
                    "input" => input, "input_lengths" => lengths, "scales" => scales
                ])?
            };
            let (_, samples) = outputs["output"].try_extract_tensor::<f32>()?;
            let samples = samples.to_vec();
            let frames: Vec<f32> = match &self.durations {
                Some(name) => outputs[name.as_str()]
                    .try_extract_tensor::<f32>()?
                    .1
                    .to_vec(),
                None => Vec::new(),
            };
            (samples, frames)
        };
        let seconds = samples.len() as f32 / self.sample_rate as f32;
        let phonemes = self.timed(&phonemes, &frames, samples.len());
        let visemes = if phonemes.is_empty() {
            Vec::new()
        } else {
            let named: Vec<(String, f32)> =
                phonemes.iter().map(|(c, d)| (c.to_string(), *d)).collect();
            prism_core::speech::track_from_phonemes(&named, seconds)
        };
        Ok(Audio {
            samples,
            sample_rate: self.sample_rate,
            took: started.elapsed(),
            phonemes,
            visemes,
            hops: frames.iter().sum(),
        })
    }
}

impl PiperVoice {
    /// Each phoneme with its duration: the ids were `^ _ (p _)* $`, and `frames` holds one
    /// length per id, in vocoder hops; a hop is the samples over the total. `^` and `$` (with
    /// their pads) become pauses, written as spaces.
    fn timed(&self, phonemes: &str, frames: &[f32], samples: usize) -> Vec<(char, f32)> {
        let known: Vec<char> = phonemes
            .chars()
            .filter(|c| self.ids.contains_key(c))
            .collect();
        // Only single-id symbols keep the one-length-per-id layout this relies on.
        if frames.len() != 2 * known.len() + 3
            || known.iter().any(|c| self.ids[c].len() != 1)
            || frames.iter().any(|f| !f.is_finite() || *f < 0.0)
        {
            return Vec::new();
        }
        let total: f32 = frames.iter().sum();
        if total <= 0.0 {
            return Vec::new();
        }
        let hop_seconds = samples as f32 / total / self.sample_rate as f32;
        let mut out = Vec::with_capacity(known.len() + 2);
        out.push((' ', (frames[0] + frames[1]) * hop_seconds));
        for (k, &c) in known.iter().enumerate() {
            out.push((c, (frames[2 + 2 * k] + frames[3 + 2 * k]) * hop_seconds));
        }
        out.push((' ', frames[frames.len() - 1] * hop_seconds));
        out
    }

    /// Whether the voice's graph gives phoneme durations (lip-sync from the voice itself).
    pub fn has_durations(&self) -> bool {
        self.durations.is_some()
    }
}

/// Puts the clause punctuation of `text` after espeak-ng's clause lines, in order. If the two
/// do not line up (espeak split somewhere else), the clauses are joined by spaces and a final
/// mark is kept.
fn with_punctuation(lines: &[String], text: &str) -> String {
    let mut marks = Vec::new();
    let mut last_was_mark = false;
    for c in text.chars() {
        let is_mark = matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '…');
        // "?!" or "...": the first mark carries the clause.
        if is_mark && !last_was_mark {
            marks.push(c);
        }
        last_was_mark = is_mark;
    }
    let ends_with_mark = text
        .trim_end()
        .chars()
        .last()
        .is_some_and(|c| matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '…'));
    let clauses = marks.len() + usize::from(!ends_with_mark);
    let mut out = String::new();
    if clauses == lines.len() {
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(l);
            if let Some(&m) = marks.get(i) {
                out.push(m);
            }
        }
    } else {
        out = lines.join(" ");
        if ends_with_mark && let Some(&m) = marks.last() {
            out.push(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_punctuation_goes_back_after_each_clause() {
        let lines = ["tʃˈænəl fˈaɪv".to_owned(), "bˌiːbˌiːsˈiː wˌʌn".to_owned()];
        assert_eq!(
            with_punctuation(&lines, "Channel five, B B C One."),
            "tʃˈænəl fˈaɪv, bˌiːbˌiːsˈiː wˌʌn."
        );
        // No final mark: the last clause stays bare.
        assert_eq!(
            with_punctuation(&lines, "Channel five, B B C One"),
            "tʃˈænəl fˈaɪv, bˌiːbˌiːsˈiː wˌʌn"
        );
        // Out of step: joined, final mark kept.
        assert_eq!(
            with_punctuation(&lines, "Well, channel five, B B C One!"),
            "tʃˈænəl fˈaɪv bˌiːbˌiːsˈiː wˌʌn!"
        );
    }
}
