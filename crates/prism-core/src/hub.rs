//! The control API's requests, decoded and checked without the app: JSON-RPC 2.0 with Kodi's
//! method names becomes typed [`Call`]s, or the JSON-RPC error to answer with. What acts on
//! the TV goes through the language model's tools ([`crate::command::tools`]): one whitelist,
//! one set of range checks, whoever asks.

use serde_json::{Value, json};

use crate::command::{BroadcastTo, LayoutName, MediaCommand};

/// The most a request body may hold.
pub const MAX_BODY: usize = 64 * 1024;
/// The most requests one batch may hold.
pub const MAX_BATCH: usize = 50;
/// The longest line Lumen will be asked to say.
pub const MAX_SPEAK: usize = 300;
/// The most channels one `PVR.GetChannels` answers with.
pub const MAX_PAGE: usize = 500;
/// The most programmes one `PVR.SearchBroadcasts` answers with.
pub const MAX_FOUND: usize = 100;

/// A JSON-RPC error: its code and what to tell the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn parse(why: impl std::fmt::Display) -> Self {
        Self::new(-32700, format!("parse error: {why}"))
    }
    pub fn invalid_request(why: &str) -> Self {
        Self::new(-32600, format!("invalid request: {why}"))
    }
    pub fn no_method(method: &str) -> Self {
        Self::new(
            -32601,
            format!("method not found: {:?}", crate::text::clip(method, 60)),
        )
    }
    pub fn params(why: impl std::fmt::Display) -> Self {
        Self::new(-32602, format!("invalid params: {why}"))
    }
    /// The TV was asked and did not do it (no such channel, nothing playing, ...).
    pub fn refused(why: impl std::fmt::Display) -> Self {
        Self::new(-32001, why.to_string())
    }
    /// The app did not answer in time (it is busy, or shutting down).
    pub fn unavailable(why: impl std::fmt::Display) -> Self {
        Self::new(-32002, why.to_string())
    }
    fn new(code: i64, message: String) -> Self {
        Self { code, message }
    }
}

/// A key of the remote, as `Input.*` presses it: it goes through the app's one input map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteKey {
    Up,
    Down,
    Left,
    Right,
    Select,
    Back,
    Home,
    Info,
}

/// What a request asks for, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Ping,
    Version,
    Introspect,
    /// A command through the tools' rules (`name`, `args`: the app resolves channel names
    /// against its lineup with them).
    Tool {
        name: &'static str,
        args: Value,
    },
    /// A command that needs nothing resolved.
    Command(MediaCommand),
    /// A channel by its place in the lineup (`channelid`, as `PVR.GetChannels` lists it).
    OpenIndex(usize),
    Key(RemoteKey),
    Properties,
    Groups,
    Channels {
        group: Option<String>,
        query: Option<String>,
        start: usize,
        limit: usize,
    },
    Broadcasts {
        channel: usize,
        hours: u32,
    },
    /// Programmes from now on whose titles have these words (the guide's search).
    Search {
        query: String,
        limit: usize,
    },
    Speak(String),
    /// Words to Lumen, answered as if spoken.
    Ask(String),
    /// The app's figures (`Prism.GetStats`, and `/metrics` in Prometheus' format).
    Stats,
    /// The programme on channel `channel` that started at `start` (Unix seconds): from the
    /// provider's archive (catch-up), or from its start when it is on now.
    OpenBroadcast {
        channel: usize,
        start: i64,
    },
    /// The timers, and what became of them.
    Timers,
    /// A timer for the programme on `channel` starting at `start` (none made twice).
    AddTimer {
        channel: usize,
        start: i64,
    },
    /// Timer `id` taken off (a recording running stops; what it recorded is kept).
    DeleteTimer(u64),
    /// The recordings on the shelf.
    Recordings,
    /// Shows a new pairing code (and its QR code) on the TV for a phone to pair with.
    PairPhone,
    /// A phone's pairing code, checked against the one on the TV (`POST /pair`).
    Pair(String),
}

/// One request of a body: its id (`None` for a notification, which gets no answer) and what
/// it asks, or why it cannot be done.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: Option<Value>,
    pub call: Result<Call, RpcError>,
}

/// A body: one request or a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    One(Request),
    Batch(Vec<Request>),
}

/// Every method, with what it does (`JSONRPC.Introspect`).
pub const METHODS: &[(&str, &str)] = &[
    ("JSONRPC.Ping", "answers \"pong\""),
    ("JSONRPC.Version", "the API's version"),
    ("JSONRPC.Introspect", "these methods"),
    (
        "Player.Open",
        "item: {channelid: N} (from PVR.GetChannels), {channel: name or number}, {channelid: N, start: T} (a programme from the archive, or from its start) or {recording: name} (from PVR.GetRecordings)",
    ),
    (
        "Player.PlayPause",
        "play: true, false or \"toggle\" (the default)",
    ),
    ("Player.Stop", "stops playback"),
    (
        "Player.Seek",
        "value: {seconds: N} (negative: back), in the time-shift buffer",
    ),
    (
        "Player.SetAudioStream",
        "stream: a language (\"de\", \"German\")",
    ),
    (
        "Player.SetSubtitle",
        "subtitle: \"on\", \"off\" or a language",
    ),
    (
        "Player.GoTo",
        "to: \"next\" or \"previous\": the channel up or down",
    ),
    (
        "Player.GetProperties",
        "what is playing, the volume, paused, muted",
    ),
    (
        "Application.SetVolume",
        "volume: 0-100, \"increment\" or \"decrement\"",
    ),
    (
        "Application.SetMute",
        "mute: true, false or \"toggle\" (the default)",
    ),
    ("Input.Up", "the remote's up"),
    ("Input.Down", "the remote's down"),
    ("Input.Left", "the remote's left"),
    ("Input.Right", "the remote's right"),
    ("Input.Select", "the remote's OK"),
    ("Input.Back", "the remote's back"),
    ("Input.Home", "back to the TV"),
    ("Input.Info", "the programme's details"),
    ("PVR.GetChannelGroups", "the lineup's groups"),
    (
        "PVR.GetChannels",
        "group, query (part of a name), start, limit (at most 500): channels with what is on",
    ),
    (
        "PVR.GetBroadcasts",
        "channelid, hours (at most 48): the channel's programmes from now",
    ),
    ("PVR.GetTimers", "the timers, with their status and file"),
    (
        "PVR.AddTimer",
        "{channelid, start} (a programme from PVR.GetBroadcasts) or {title} (its next showing): a timer, recorded with the padding the settings say",
    ),
    (
        "PVR.DeleteTimer",
        "timerid: the timer taken off (a recording running stops; what it recorded is kept)",
    ),
    (
        "PVR.Record",
        "record: true, false or \"toggle\" (the default): record the channel playing from now",
    ),
    (
        "PVR.GetRecordings",
        "the recordings: name (for Player.Open), size, length",
    ),
    (
        "PVR.SearchBroadcasts",
        "query (words of a title), limit (at most 100): programmes from now on, soonest first",
    ),
    (
        "Prism.GetStats",
        "frame time and fps, zap latency, voice stage latencies, relay retries and skipped segments, dropped frames, worker restarts (the figures GET /metrics serves)",
    ),
    (
        "Prism.PairPhone",
        "shows a pairing code and its QR code on the TV for 5 minutes: code, url (the phone remote's address, with the code)",
    ),
    (
        "Prism.Lumen.Speak",
        "text (at most 300 characters): Lumen says it",
    ),
    (
        "Prism.Lumen.Ask",
        "text (at most 300 characters): words to Lumen, answered as if spoken (a command is carried out); her reply and when she finished",
    ),
    (
        "Prism.Lumen.SetCompanion",
        "on: true or false: Lumen watches with you (companion mode), or not",
    ),
    (
        "Prism.SetLayout",
        "layout: tv, lumen-big, side-by-side or custom (the config folder's layout.toml): how the picture and Lumen are arranged",
    ),
    (
        "Prism.PictureInPicture",
        "on: true or false (absent: swap the two channels): the channel watched before in a corner",
    ),
    (
        "Prism.MultiView",
        "on: true or false: four channels at once (the TV's and the next three), or back to one",
    ),
    (
        "Prism.Broadcast",
        "on: true or false; to: stream (the RTMP server and key in the settings, the default) or file (a Matroska recording): the composed scene (the picture, Lumen, her voice over the TV's sound) sent out, or stopped",
    ),
];

/// Reads a request body (one request or a batch).
pub fn decode(body: &[u8]) -> Result<Incoming, RpcError> {
    if body.len() > MAX_BODY {
        return Err(RpcError::invalid_request("the body is over 64 KiB"));
    }
    let v: Value = serde_json::from_slice(body).map_err(RpcError::parse)?;
    match v {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(RpcError::invalid_request("an empty batch"));
            }
            if items.len() > MAX_BATCH {
                return Err(RpcError::invalid_request("a batch of more than 50"));
            }
            Ok(Incoming::Batch(items.iter().map(request).collect()))
        }
        v => Ok(Incoming::One(request(&v))),
    }
}

fn request(v: &Value) -> Request {
    let Some(o) = v.as_object() else {
        return Request {
            id: Some(Value::Null),
            call: Err(RpcError::invalid_request("not an object")),
        };
    };
    // An id must be a string, a number or null; a request without one is a notification.
    let id = match o.get("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_) | Value::Null)) => Some(id.clone()),
        Some(_) => {
            return Request {
                id: Some(Value::Null),
                call: Err(RpcError::invalid_request("id must be a string or a number")),
            };
        }
    };
    let call = if o.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        Err(RpcError::invalid_request("jsonrpc must be \"2.0\""))
    } else {
        match (o.get("method"), o.get("params")) {
            (Some(Value::String(m)), None | Some(Value::Object(_)) | Some(Value::Null)) => {
                let empty = Value::Object(Default::default());
                let params = o.get("params").filter(|p| !p.is_null()).unwrap_or(&empty);
                call(m, params)
            }
            (Some(Value::String(_)), Some(_)) => {
                Err(RpcError::params("params must be an object (named)"))
            }
            _ => Err(RpcError::invalid_request("method must be a string")),
        }
    };
    Request { id, call }
}

/// A method and its named parameters, checked.
pub fn call(method: &str, p: &Value) -> Result<Call, RpcError> {
    let tool = |name: &'static str, args: Value| Ok(Call::Tool { name, args });
    let toggle = |key: &str| -> Result<Option<bool>, RpcError> {
        match &p[key] {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s == "toggle" => Ok(None),
            _ => Err(RpcError::params(format!(
                "{key} must be true, false or \"toggle\""
            ))),
        }
    };
    let count = |key: &str, default: u64, most: u64| -> Result<u64, RpcError> {
        match &p[key] {
            Value::Null => Ok(default),
            v => v
                .as_u64()
                .filter(|n| *n <= most)
                .ok_or_else(|| RpcError::params(format!("{key} must be 0 to {most}"))),
        }
    };
    let text = |key: &str| -> Result<Option<String>, RpcError> {
        match &p[key] {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Ok(Some(crate::text::clip(s.trim(), 80))),
            _ => Err(RpcError::params(format!("{key} must be a string"))),
        }
    };
    match method {
        "JSONRPC.Ping" => Ok(Call::Ping),
        "JSONRPC.Version" => Ok(Call::Version),
        "JSONRPC.Introspect" => Ok(Call::Introspect),
        "Player.Open" => {
            let item = &p["item"];
            if let Some(name) = item.get("recording") {
                let name = name
                    .as_str()
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| RpcError::params("recording must be a recording's name"))?;
                return Ok(Call::Command(MediaCommand::PlayRecording {
                    name: crate::text::clip(name.trim(), 200),
                }));
            }
            if let Some(i) = item.get("channelid") {
                let i = i
                    .as_u64()
                    .ok_or_else(|| RpcError::params("channelid must be a whole number"))?;
                if let Some(start) = item.get("start") {
                    let start = start
                        .as_i64()
                        .ok_or_else(|| RpcError::params("start must be Unix seconds"))?;
                    return Ok(Call::OpenBroadcast {
                        channel: i as usize,
                        start,
                    });
                }
                return Ok(Call::OpenIndex(i as usize));
            }
            match item.get("channel") {
                Some(c @ (Value::String(_) | Value::Number(_))) => {
                    tool("watch_channel", json!({ "channel": c }))
                }
                _ => Err(RpcError::params(
                    "item must be {channelid: N} or {channel: a name or number}",
                )),
            }
        }
        "Player.PlayPause" => Ok(Call::Command(match toggle("play")? {
            Some(true) => MediaCommand::Play,
            Some(false) => MediaCommand::Pause,
            None => MediaCommand::TogglePause,
        })),
        "Player.Stop" => Ok(Call::Command(MediaCommand::Stop)),
        "Player.Seek" => {
            let v = &p["value"];
            let s = v
                .get("seconds")
                .unwrap_or(v)
                .as_i64()
                .filter(|s| s.abs() <= 6 * 3600 && *s != 0)
                .ok_or_else(|| {
                    RpcError::params("value must be {seconds: N}, N not 0, within 6 hours")
                })?;
            Ok(Call::Command(MediaCommand::Seek { seconds: s as i32 }))
        }
        "Player.SetAudioStream" => match &p["stream"] {
            Value::String(l) => tool("language", json!({ "language": l, "track": "audio" })),
            _ => Err(RpcError::params("stream must be a language")),
        },
        "Player.SetSubtitle" => match p["subtitle"].as_str() {
            Some("on") => tool("subtitles", json!({ "on": true })),
            Some("off") => tool("subtitles", json!({ "on": false })),
            Some(l) => tool("language", json!({ "language": l, "track": "subtitles" })),
            None => Err(RpcError::params(
                "subtitle must be \"on\", \"off\" or a language",
            )),
        },
        "Player.GoTo" => match p["to"].as_str() {
            Some("next") => Ok(Call::Command(MediaCommand::ChannelUp)),
            Some("previous") => Ok(Call::Command(MediaCommand::ChannelDown)),
            _ => Err(RpcError::params("to must be \"next\" or \"previous\"")),
        },
        "Player.GetProperties" => Ok(Call::Properties),
        "Application.SetVolume" => match &p["volume"] {
            Value::String(s) if s == "increment" => {
                tool("change_volume", json!({ "direction": "up" }))
            }
            Value::String(s) if s == "decrement" => {
                tool("change_volume", json!({ "direction": "down" }))
            }
            Value::Number(n) => tool("set_volume", json!({ "percent": n })),
            _ => Err(RpcError::params(
                "volume must be 0-100, \"increment\" or \"decrement\"",
            )),
        },
        "Application.SetMute" => Ok(Call::Command(match toggle("mute")? {
            Some(true) => MediaCommand::Mute,
            Some(false) => MediaCommand::Unmute,
            None => MediaCommand::ToggleMute,
        })),
        "Input.Up" => Ok(Call::Key(RemoteKey::Up)),
        "Input.Down" => Ok(Call::Key(RemoteKey::Down)),
        "Input.Left" => Ok(Call::Key(RemoteKey::Left)),
        "Input.Right" => Ok(Call::Key(RemoteKey::Right)),
        "Input.Select" => Ok(Call::Key(RemoteKey::Select)),
        "Input.Back" => Ok(Call::Key(RemoteKey::Back)),
        "Input.Home" => Ok(Call::Key(RemoteKey::Home)),
        "Input.Info" => Ok(Call::Key(RemoteKey::Info)),
        "PVR.GetChannelGroups" => Ok(Call::Groups),
        "PVR.GetChannels" => Ok(Call::Channels {
            group: text("group")?,
            query: text("query")?,
            start: count("start", 0, u32::MAX as u64)? as usize,
            limit: count("limit", 100, MAX_PAGE as u64)? as usize,
        }),
        "PVR.GetBroadcasts" => Ok(Call::Broadcasts {
            channel: p["channelid"]
                .as_u64()
                .ok_or_else(|| RpcError::params("channelid must be a whole number"))?
                as usize,
            hours: count("hours", 6, 48)? as u32,
        }),
        "PVR.GetTimers" => Ok(Call::Timers),
        "PVR.AddTimer" => {
            if let Some(title) = text("title")? {
                return Ok(Call::Command(MediaCommand::RecordProgramme { title }));
            }
            match (p["channelid"].as_u64(), p["start"].as_i64()) {
                (Some(c), Some(start)) => Ok(Call::AddTimer {
                    channel: c as usize,
                    start,
                }),
                _ => Err(RpcError::params(
                    "{channelid, start} (Unix seconds) or {title}",
                )),
            }
        }
        "PVR.DeleteTimer" => p["timerid"]
            .as_u64()
            .map(Call::DeleteTimer)
            .ok_or_else(|| RpcError::params("timerid must be a whole number")),
        "PVR.Record" => Ok(Call::Command(match toggle("record")? {
            Some(true) => MediaCommand::StartRecording,
            Some(false) => MediaCommand::StopRecording,
            None => MediaCommand::ToggleRecording,
        })),
        "PVR.GetRecordings" => Ok(Call::Recordings),
        "PVR.SearchBroadcasts" => match text("query")? {
            Some(query) => Ok(Call::Search {
                query,
                limit: count("limit", 20, MAX_FOUND as u64)? as usize,
            }),
            None => Err(RpcError::params("query is missing")),
        },
        "Prism.GetStats" => Ok(Call::Stats),
        "Prism.PairPhone" => Ok(Call::PairPhone),
        "Prism.Lumen.Speak" => line(p).map(Call::Speak),
        "Prism.Lumen.Ask" => line(p).map(Call::Ask),
        "Prism.Lumen.SetCompanion" => match p["on"] {
            Value::Bool(on) => Ok(Call::Command(MediaCommand::Companion { on })),
            _ => Err(RpcError::params("on must be true or false")),
        },
        "Prism.SetLayout" => match p["layout"].as_str().and_then(LayoutName::from_id) {
            Some(layout) => Ok(Call::Command(MediaCommand::Layout { layout })),
            None => Err(RpcError::params(
                "layout must be tv, lumen-big, side-by-side or custom",
            )),
        },
        "Prism.PictureInPicture" => match &p["on"] {
            Value::Bool(on) => Ok(Call::Command(MediaCommand::PictureInPicture { on: *on })),
            Value::Null => Ok(Call::Command(MediaCommand::SwapPictures)),
            _ => Err(RpcError::params("on must be true or false")),
        },
        "Prism.MultiView" => match p["on"] {
            Value::Bool(on) => Ok(Call::Command(MediaCommand::MultiView { on })),
            _ => Err(RpcError::params("on must be true or false")),
        },
        "Prism.Broadcast" => {
            let to = match p["to"].as_str() {
                None | Some("stream") => BroadcastTo::Stream,
                Some("file") => BroadcastTo::File,
                Some(_) => return Err(RpcError::params("to must be stream or file")),
            };
            match p["on"] {
                Value::Bool(on) => Ok(Call::Command(MediaCommand::Broadcast { on, to })),
                _ => Err(RpcError::params("on must be true or false")),
            }
        }
        m => Err(RpcError::no_method(m)),
    }
}

/// A line of `text` for Lumen: one line (what she says is shown too, and control characters
/// are not text), not too long.
fn line(p: &Value) -> Result<String, RpcError> {
    match p["text"].as_str().map(str::trim) {
        Some(t) if !t.is_empty() && t.chars().count() <= MAX_SPEAK => {
            Ok(t.chars().filter(|c| !c.is_control()).collect())
        }
        Some(t) if !t.is_empty() => Err(RpcError::params("text is over 300 characters")),
        _ => Err(RpcError::params("text is missing")),
    }
}

/// The answer to request `id`.
pub fn response(id: &Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(r) => json!({ "jsonrpc": "2.0", "id": id, "result": r }),
        Err(e) => json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": e.code, "message": e.message },
        }),
    }
}

/// `JSONRPC.Introspect`'s answer.
pub fn introspect() -> Value {
    let methods: serde_json::Map<String, Value> = METHODS
        .iter()
        .map(|(m, d)| ((*m).to_owned(), json!({ "description": d })))
        .collect();
    json!({ "methods": methods })
}

/// The figures of `Prism.GetStats` as Prometheus metrics: (where in the stats, the metric's
/// name, its type, what it measures). Absent figures (no zap yet, no utterance) are left out.
pub const METRICS: &[(&str, &str, &str, &str)] = &[
    (
        "/fps",
        "prism_fps",
        "gauge",
        "Frames drawn per second, over the last frames",
    ),
    (
        "/frame_ms/p50",
        "prism_frame_time_p50_ms",
        "gauge",
        "Median frame time (ms), over the last frames",
    ),
    (
        "/frame_ms/p99",
        "prism_frame_time_p99_ms",
        "gauge",
        "99th percentile frame time (ms), over the last frames",
    ),
    (
        "/frame_ms/max",
        "prism_frame_time_max_ms",
        "gauge",
        "Longest frame time (ms), over the last frames",
    ),
    (
        "/zap/last_ms",
        "prism_zap_latency_ms",
        "gauge",
        "The last zap: request to first picture (ms)",
    ),
    (
        "/zap/count",
        "prism_zaps_total",
        "counter",
        "Zaps that reached a picture",
    ),
    (
        "/voice/transcript_ms",
        "prism_voice_transcript_ms",
        "gauge",
        "Last utterance: release to transcript (ms)",
    ),
    (
        "/voice/applied_ms",
        "prism_voice_applied_ms",
        "gauge",
        "Last spoken command: release to carried out (ms)",
    ),
    (
        "/voice/llm_first_token_ms",
        "prism_voice_llm_first_token_ms",
        "gauge",
        "Last question: release to the model's first token (ms)",
    ),
    (
        "/voice/first_sound_ms",
        "prism_voice_first_sound_ms",
        "gauge",
        "Last utterance: release to Lumen's first sound (ms)",
    ),
    (
        "/voice/total_ms",
        "prism_voice_total_ms",
        "gauge",
        "Last utterance: release to the end of her answer (ms)",
    ),
    (
        "/voice/utterances",
        "prism_voice_utterances_total",
        "counter",
        "Utterances answered",
    ),
    (
        "/voice/worker_restarts",
        "prism_worker_restarts_total",
        "counter",
        "Speech and language worker restarts",
    ),
    (
        "/relay/retried",
        "prism_relay_retries_total",
        "counter",
        "Upstream failures the relay retried",
    ),
    (
        "/relay/skipped",
        "prism_relay_skipped_segments_total",
        "counter",
        "Segments the relay gave up on and served empty",
    ),
    (
        "/video/shown",
        "prism_frames_shown_total",
        "counter",
        "Video frames shown",
    ),
    (
        "/video/dropped",
        "prism_frames_dropped_total",
        "counter",
        "Decoded video frames replaced before they were shown",
    ),
    (
        "/hub/requests",
        "prism_hub_requests_total",
        "counter",
        "Control API requests the app answered",
    ),
    (
        "/process/rss_bytes",
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory of the app (bytes)",
    ),
];

/// `Prism.GetStats`'s answer in the Prometheus text format (version 0.0.4).
pub fn prometheus(stats: &Value) -> String {
    let mut out = String::new();
    for (at, name, kind, help) in METRICS {
        let Some(v) = stats.pointer(at).and_then(Value::as_f64) else {
            continue;
        };
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
        ));
    }
    out
}

/// The value of cookie `name` in a `Cookie` header (the phone page's token, set by pairing).
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v.trim())
    })
}

/// Whether `code` is a pairing code's shape: six digits.
pub fn pairing_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The authorities (`host:port`) a request may name in its `Host` (and its page's `Origin`):
/// this listener on loopback, and on the LAN address when remote control from other devices
/// is on. A page on any other name that resolves here (DNS rebinding) is refused.
pub fn authorities(port: u16, lan: Option<std::net::IpAddr>) -> Vec<String> {
    let mut a: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect();
    if let Some(ip) = lan {
        a.push(std::net::SocketAddr::new(ip, port).to_string());
    }
    a
}

/// Whether a `Host` header is one of `allowed`.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let host = host.trim();
    allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
}

/// Whether an `Origin` header is a page of this listener (the phone remote); any other site's
/// page is refused.
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    origin
        .trim()
        .strip_prefix("http://")
        .is_some_and(|h| host_allowed(h, allowed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str) -> Request {
        match decode(body.as_bytes()).unwrap() {
            Incoming::One(r) => r,
            b => panic!("{b:?}"),
        }
    }

    #[test]
    fn methods_become_calls() {
        let r = one(
            r#"{"jsonrpc":"2.0","id":1,"method":"Player.Open","params":{"item":{"channel":"BBC One"}}}"#,
        );
        assert_eq!(r.id, Some(json!(1)));
        assert_eq!(
            r.call,
            Ok(Call::Tool {
                name: "watch_channel",
                args: json!({"channel": "BBC One"})
            })
        );
        let r = one(r#"{"jsonrpc":"2.0","id":"a","method":"Application.SetMute"}"#);
        assert_eq!(r.call, Ok(Call::Command(MediaCommand::ToggleMute)));
        let r =
            one(r#"{"jsonrpc":"2.0","method":"Player.Seek","params":{"value":{"seconds":-30}}}"#);
        assert_eq!(r.id, None, "a notification");
        assert_eq!(
            r.call,
            Ok(Call::Command(MediaCommand::Seek { seconds: -30 }))
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":2,"method":"PVR.GetChannels","params":{"limit":20}}"#)
                .call,
            Ok(Call::Channels {
                group: None,
                query: None,
                start: 0,
                limit: 20
            })
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":4,"method":"PVR.SearchBroadcasts","params":{"query":" news "}}"#)
                .call,
            Ok(Call::Search {
                query: "news".into(),
                limit: 20
            })
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":3,"method":"Input.Select"}"#).call,
            Ok(Call::Key(RemoteKey::Select))
        );
        // Every listed method is one `call` knows.
        for (m, _) in METHODS {
            let e = call(m, &json!({})).err();
            assert!(e.as_ref().is_none_or(|e| e.code == -32602), "{m}: {e:?}");
        }
    }

    #[test]
    fn bad_requests_get_json_rpc_errors() {
        assert_eq!(decode(b"{").unwrap_err().code, -32700);
        assert_eq!(decode(b"[]").unwrap_err().code, -32600);
        let many = format!("[{}]", vec!["{}"; 51].join(","));
        assert_eq!(decode(many.as_bytes()).unwrap_err().code, -32600);
        assert_eq!(decode(&vec![b' '; MAX_BODY + 1]).unwrap_err().code, -32600);
        let code = |b: &str| one(b).call.unwrap_err().code;
        assert_eq!(code(r#"{"id":1,"method":"JSONRPC.Ping"}"#), -32600);
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"Nope.Never"}"#),
            -32601
        );
        assert_eq!(
            code(
                r#"{"jsonrpc":"2.0","id":1,"method":"Player.Seek","params":{"value":{"seconds":999999}}}"#
            ),
            -32602
        );
        assert_eq!(
            code(
                r#"{"jsonrpc":"2.0","id":1,"method":"PVR.GetChannels","params":{"limit":100000}}"#
            ),
            -32602
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"Player.Open","params":[1]}"#),
            -32602
        );
        let long = "a".repeat(MAX_SPEAK + 1);
        assert_eq!(
            code(&format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"Prism.Lumen.Speak","params":{{"text":"{long}"}}}}"#
            )),
            -32602
        );
        // A batch answers each of its requests, good or bad.
        match decode(br#"[{"jsonrpc":"2.0","id":1,"method":"JSONRPC.Ping"},5]"#).unwrap() {
            Incoming::Batch(b) => {
                assert_eq!(b[0].call, Ok(Call::Ping));
                assert_eq!(b[1].call.as_ref().unwrap_err().code, -32600);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn stats_become_prometheus_metrics() {
        let text = prometheus(&json!({
            "fps": 59.8,
            "frame_ms": { "p50": 16.7, "p99": 20.1, "max": 33.0 },
            "zap": { "last_ms": null, "count": 0 },
            "relay": { "retried": 3, "skipped": 1 },
        }));
        assert!(
            text.contains("# TYPE prism_fps gauge\nprism_fps 59.8\n"),
            "{text}"
        );
        assert!(text.contains("prism_relay_retries_total 3\n"), "{text}");
        assert!(text.contains("prism_zaps_total 0\n"), "{text}");
        // No zap yet: no latency, rather than a made-up 0.
        assert!(!text.contains("prism_zap_latency_ms"), "{text}");
        // Every line is a comment or `name value`.
        for l in text.lines() {
            assert!(l.starts_with("# ") || l.split(' ').count() == 2, "{l}");
        }
    }

    #[test]
    fn only_this_listener_on_loopback_and_the_token_itself() {
        let local = authorities(9870, None);
        assert!(host_allowed("127.0.0.1:9870", &local));
        assert!(host_allowed("localhost:9870", &local));
        assert!(!host_allowed("evil.example:9870", &local));
        assert!(!host_allowed("127.0.0.1:80", &local));
        assert!(origin_allowed("http://127.0.0.1:9870", &local));
        assert!(!origin_allowed("http://evil.example", &local));
        assert!(!origin_allowed("null", &local));
        // With the LAN on, its address too, and still nothing else.
        let lan = authorities(9870, Some("192.168.1.20".parse().unwrap()));
        assert!(host_allowed("192.168.1.20:9870", &lan));
        assert!(origin_allowed("http://192.168.1.20:9870", &lan));
        assert!(!host_allowed("192.168.1.21:9870", &lan));
        assert!(!host_allowed("192.168.1.20:9870", &authorities(9870, None)));
        assert_eq!(
            cookie("a=1; prism_token=ab12 ;b=2", "prism_token"),
            Some("ab12")
        );
        assert_eq!(cookie("xprism_token=1", "prism_token"), None);
        assert!(pairing_code("012345"));
        assert!(!pairing_code("01234") && !pairing_code("01234x") && !pairing_code("٠١٢٣٤٥"));
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }
}
