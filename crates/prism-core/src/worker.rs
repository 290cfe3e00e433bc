//! The NDJSON protocol between the app and its inference workers (`prism-stt`, `prism-llm`).
//! whisper.cpp and llama.cpp vendor different ggml builds and cannot share a binary, so each runs
//! in a process of its own: one JSON object per line on stdin (requests) and stdout (events);
//! stderr is the worker's log. A worker says `ready` once its model is loaded and warmed.

use serde::{Deserialize, Serialize};

/// App → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Transcribe 16 kHz mono speech (`pcm16`: little-endian i16 samples, base64).
    Transcribe {
        id: u64,
        pcm16: String,
        /// Words worth expecting (channel names): whisper's initial prompt.
        #[serde(default)]
        prompt: String,
    },
    /// How well each of `texts` fits the speech of transcription `id` (the last one): the
    /// mean log-probability of its tokens, the recogniser forced along it. Answered with
    /// `scores`, in the same order.
    Score {
        id: u64,
        texts: Vec<String>,
    },
    /// The speech of transcription `id` (the last one) decoded again, greedily, after each of
    /// `prompts` (`""`: none) instead of the transcription's: other hypotheses of what was
    /// said, for when the first is not a command. With `branches`, up to that many more after
    /// each prompt: its greedy path turned, at one of the recogniser's least sure choices, to
    /// the token it found next likeliest there, and decoded on greedily (an n-best list that
    /// differs where the recogniser hesitated), unless the whole branch is more than `margin`
    /// (nats, summed over the sentence) less likely than the greedy guess. Answered with
    /// `reheard`: each prompt's greedy guess in order, then the branches kept, least sure
    /// choice first, then the guesses from `starts`. Each of them also comes as a `guess` as
    /// soon as it is decoded, in that order, so the app can act on the first it can parse and
    /// `cancel` the rest.
    ///
    /// `starts` are words a command may begin with. After each prompt, the `start_tries` of
    /// them the recogniser finds likeliest as the first word (the greedy guess's own first
    /// word aside) are each put first and the speech decoded on greedily after it: what was
    /// said when the first word was misheard ("Cut me up" for "catch me up"). Such a guess is
    /// kept only if the recogniser carried on from the word with words of its own, it is no
    /// more than `start_margin` (nats, summed) less likely than the prompt's greedy guess, it
    /// is not too short for the speech, and without a prompt it fits the speech nearly as well
    /// as the transcript does (`score`, within `hearing::MARGIN`).
    ///
    /// Then, for each of `slowed`, the speech itself played slower (see [`Slower`]) is
    /// transcribed as it was the first time, under the transcription's prompt: one guess
    /// each, last, kept if it fits the speech as heard nearly as well as the transcript does
    /// (`score`, within `hearing::MARGIN`); not for a transcript too long to be a command
    /// (chat waits on it).
    Rehear {
        id: u64,
        prompts: Vec<String>,
        #[serde(default)]
        branches: u32,
        #[serde(default)]
        margin: f32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        starts: Vec<String>,
        #[serde(default)]
        start_tries: u32,
        #[serde(default)]
        start_margin: f32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        slowed: Vec<Slower>,
    },
    /// Continue a chat; the reply streams back as `token` events, then `done`.
    Chat {
        id: u64,
        messages: Vec<Message>,
        #[serde(default = "default_max_tokens")]
        max_tokens: u32,
        /// 0 = greedy (what tests use); the app uses a little warmth.
        #[serde(default)]
        temperature: f32,
        /// A GBNF grammar the reply must follow (a required tool call), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        grammar: Option<String>,
        /// How the reply begins: the model goes on from these words (a small model keeps to a
        /// task it has been started on). They are streamed back with the first token the
        /// model makes (alone, if it makes none), so that token's time is still the model's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_start: Option<String>,
    },
    /// Decode the prompt a coming `chat` will start with into the KV cache while the user is
    /// still speaking, so the chat only decodes what differs. `messages` are the chat's first
    /// messages; the last one's content is how that message will begin (the chat adds to it).
    /// Answered with `prefilled`; a `cancel` stops it between chunks, keeping what was decoded.
    Prefill {
        id: u64,
        messages: Vec<Message>,
    },
    /// Stop generating, prefilling or transcribing `id`: barge-in, the user stopped speaking, or
    /// spoke on after an early transcript. A finished or unknown id is ignored.
    Cancel {
        id: u64,
    },
    /// Pause generating `id` after the current token until `resume` (or a `cancel`), for at
    /// most [`HOLD_AT_MOST`]: Lumen's first words are being synthesised, and on two cores the
    /// voice needs them more than the rest of the reply does. A finished id is ignored.
    Hold {
        id: u64,
    },
    Resume {
        id: u64,
    },
}

/// How `Request::Rehear` plays the speech slower for a guess: `factor` times as long, as a
/// slowed tape (lower too: `speech::slowed`) or at its own pitch (`pitch_kept`:
/// `speech::stretched`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slower {
    pub factor: f32,
    #[serde(default)]
    pub pitch_kept: bool,
}

/// The longest a `hold` lasts: a lost `resume` costs a pause, never the reply.
pub const HOLD_AT_MOST: std::time::Duration = std::time::Duration::from_secs(2);

fn default_max_tokens() -> u32 {
    160
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// Worker → app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Ready {
        model: String,
        threads: u32,
        load_ms: f64,
        warm_ms: f64,
    },
    Transcript {
        id: u64,
        text: String,
        audio_ms: f64,
        took_ms: f64,
    },
    Scores {
        id: u64,
        scores: Vec<f32>,
        took_ms: f64,
    },
    Reheard {
        id: u64,
        texts: Vec<String>,
        took_ms: f64,
    },
    /// One of a `rehear`'s answers, as soon as it is decoded (they come in `reheard`'s order).
    Guess {
        id: u64,
        text: String,
    },
    Token {
        id: u64,
        text: String,
    },
    Done(Done),
    /// A `prefill` finished or was cancelled (`stop`): `prompt_tokens` is the prefix it was
    /// given, `cached_tokens` what the cache already held of it, `tokens` what it decoded.
    Prefilled(Done),
    Error {
        id: Option<u64>,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    pub id: u64,
    /// Prompt tokens, and how many of them the KV cache already held (the persona prefix).
    pub prompt_tokens: u32,
    pub cached_tokens: u32,
    pub tokens: u32,
    pub first_token_ms: f64,
    pub took_ms: f64,
    /// "stop" (end of turn), "length" or "cancelled".
    pub stop: String,
}

impl Request {
    pub fn line(&self) -> String {
        serde_json::to_string(self).expect("requests serialise")
    }
}

impl Event {
    pub fn line(&self) -> String {
        serde_json::to_string(self).expect("events serialise")
    }
}

/// Reads requests from stdin on a thread of its own (the worker's side), so a `cancel` or a
/// `hold` lands while another request runs: `urgent` handles those at once and returns `None`,
/// or gives the request back to come out of the receiver in order. An unreadable line is
/// answered with an error; the receiver ends when stdin closes.
pub fn requests(
    mut urgent: impl FnMut(Request) -> Option<Request> + Send + 'static,
) -> std::sync::mpsc::Receiver<Request> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Request>(&line) {
                Ok(request) => {
                    if let Some(r) = urgent(request)
                        && tx.send(r).is_err()
                    {
                        break;
                    }
                }
                Err(e) => emit(&Event::Error {
                    id: None,
                    message: format!("bad request: {e}"),
                }),
            }
        }
    });
    rx
}

/// Writes one event line to stdout (the worker's side). A closed stdout means the app is gone:
/// the worker exits.
pub fn emit(event: &Event) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", event.line())
        .and_then(|_| out.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

/// Reports a fatal error as an event and on stderr (the supervisor shows the last stderr line),
/// then exits.
pub fn fail(worker: &str, message: &str) -> ! {
    emit(&Event::Error {
        id: None,
        message: message.to_string(),
    });
    eprintln!("{worker}: {message}");
    std::process::exit(2)
}

/// 16 kHz f32 samples as the `pcm16` field.
pub fn encode_pcm16(samples: &[f32]) -> String {
    let mut bytes = Vec::with_capacity(samples.len() * 2);
    for &s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    base64_encode(&bytes)
}

pub fn decode_pcm16(field: &str) -> Result<Vec<f32>, String> {
    let bytes = base64_decode(field)?;
    if bytes.len() % 2 != 0 {
        return Err("pcm16 has an odd number of bytes".into());
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0)
        .collect())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("pcm16 is not base64 (byte {c:#04x})")),
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_survives_the_wire() {
        for n in 0..7 {
            let samples: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin() * 0.9).collect();
            let back = decode_pcm16(&encode_pcm16(&samples)).unwrap();
            assert_eq!(back.len(), n);
            for (a, b) in samples.iter().zip(&back) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
        assert!(decode_pcm16("no!").is_err());
    }

    #[test]
    fn requests_and_events_are_one_line_each() {
        let r = Request::Chat {
            id: 3,
            messages: vec![Message::new("user", "hi\nthere")],
            max_tokens: 9,
            temperature: 0.0,
            grammar: None,
            reply_start: None,
        };
        let line = r.line();
        assert!(!line.contains('\n'));
        assert_eq!(serde_json::from_str::<Request>(&line).unwrap(), r);
        let e: Event = serde_json::from_str(r#"{"token":{"id":3,"text":" Hi"}}"#).unwrap();
        assert_eq!(
            e,
            Event::Token {
                id: 3,
                text: " Hi".into()
            }
        );
        let c: Request = serde_json::from_str(r#"{"chat":{"id":1,"messages":[]}}"#).unwrap();
        assert!(matches!(
            c,
            Request::Chat {
                max_tokens: 160,
                ..
            }
        ));
    }
}
