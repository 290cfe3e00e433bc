//! Voice: hold V (or the gamepad's North button) and speak. The recording is trimmed to speech
//! and sent to the speech-recognition worker; the transcript goes through the command grammar
//! first (a command runs at once and Lumen acknowledges it), anything else to the language-model
//! worker, whose streamed reply is cut into sentences, spoken by the in-process Piper voice one
//! sentence at a time into one continuous output stream, with Lumen's lips timed by the voice and
//! the TV ducked underneath. Nothing here blocks a frame: workers are processes, synthesis is a
//! thread, audio devices have threads of their own.
//!
//! Where "volume up" goes when spoken: heard here, parsed by `prism_core::command::grammar`,
//! executed by the `tv` plugin, drawn by the `overlay` plugin.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use bevy::prelude::*;
use prism_core::assistant::{self, Conversation, Piece, Programme, ReplyReader, TvContext};
use prism_core::avatar::Preset;
use prism_core::avatar::face::TimedViseme;
use prism_core::command::MediaCommand;
use prism_core::speech::speech_span;
use prism_core::worker::{Event, Request, encode_pcm16};
use prism_core::{Grammar, Playlist};
use prism_voice::audio::{Microphone, Speaker, resample};
use prism_voice::models;
use prism_voice::worker::{Notice, Worker, WorkerSpec, find_worker};

use crate::mascot::Act;
use crate::settings::{Settings, VoiceSettings};
use crate::theme;
use crate::tv::{Cmd, Tv};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Hear>()
        .add_message::<RestartVoice>()
        .add_message::<Say>()
        .add_systems(Startup, (start, spawn_ui))
        .add_systems(
            Update,
            (push_to_talk, heard)
                .chain()
                .in_set(crate::AppSystems::Input),
        )
        .add_systems(
            Update,
            (follow_settings, speak_up, workers, speech, duck)
                .chain()
                .in_set(crate::AppSystems::Execute),
        )
        .add_systems(
            Update,
            (indicator, metrics_panel).in_set(crate::AppSystems::Draw),
        )
        .add_systems(Last, shut_down);
}

/// Lumen speaking up on her own (companion mode), when she is not busy with the user: a line
/// as it is, or a remark the language model writes from an instruction and what is on.
#[derive(Message, Debug, Clone)]
pub enum Say {
    Line(String),
    Remark(String),
}

/// Speech to handle as if it had been recorded (16 kHz mono): the autopilot's `hear FILE`.
#[derive(Message, Debug, Clone)]
pub struct Hear(pub Vec<f32>);

/// One utterance's timings (ms from the release of push-to-talk).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    pub transcript: Option<f64>,
    pub command: Option<f64>,
    pub llm_first_token: Option<f64>,
    pub tts_first_audio: Option<f64>,
    pub first_sound: Option<f64>,
    pub total: Option<f64>,
    pub heard: String,
    /// How late (at most) a sentence's lips were started after its audio, before the
    /// correction that starts them that far into the track.
    pub lips_lag_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Listening(Instant),
    Transcribing(u64),
    Thinking(u64),
}

struct Utterance {
    released: Instant,
    text: String,
    reader: ReplyReader,
    sentences: usize,
    t: Timings,
    /// Lumen speaking up on her own (companion mode): not the user's words, not remembered
    /// as a question.
    remark: bool,
}

/// What the voice thread sends back.
enum Spoken {
    /// Loaded and warmed up.
    Ready,
    /// A sentence for utterance `id`, already at the speaker's rate, and its length in seconds.
    Line {
        id: u64,
        samples: Vec<f32>,
        seconds: f64,
        track: Vec<TimedViseme>,
    },
    /// The voice could not load (it is off) or could not say a sentence.
    Failed { fatal: bool, message: String },
}

/// A sentence on its way to, or in, the speaker.
struct Line {
    utterance: u64,
    /// On the speaker's clock.
    starts: f64,
    ends: f64,
    track: Vec<TimedViseme>,
    started: bool,
}

/// A sentence for Piper: the utterance it belongs to, the text, and the delivery (length and
/// noise scale factors) the viewer's mood asks for.
type TtsJob = (u64, String, [f32; 2]);

/// How long the viewer's mood colours Lumen's answers.
const MOOD_FOR: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Resource)]
pub struct Voice {
    stt: Option<Worker>,
    llm: Option<Worker>,
    tts: Option<Sender<TtsJob>>,
    spoken: Option<std::sync::Mutex<Receiver<Spoken>>>,
    tts_ready: bool,
    tts_thread: Option<std::thread::JoinHandle<()>>,
    speaker: Speaker,
    mic: Option<Result<Microphone, String>>,
    phase: Phase,
    next_id: u64,
    /// The utterance being answered (its id is the request id of the transcript and the chat).
    current: Option<(u64, Utterance)>,
    conversation: Conversation,
    lines: VecDeque<Line>,
    duck: f32,
    /// What the indicator says when not listening (a problem, or the last thing heard).
    pub status: String,
    status_since: Instant,
    pub last: Timings,
    pub history: Vec<Timings>,
    show_metrics: bool,
    /// The lineup as the grammar and the tools see it, rebuilt when the lineup changes.
    lineup: Option<(u64, std::sync::Arc<(Grammar, Playlist)>)>,
    /// The settings the workers were started with.
    applied: VoiceSettings,
    /// The TV's loudness readings (sum of dB, count) with the TV at full volume and ducked.
    tv_db: [(f64, u32); 2],
    levels_seen: u64,
    /// How the viewer sounded last, and when (their words' sentiment).
    pub mood: Option<(prism_core::companion::sentiment::Sentiment, Instant)>,
    /// Lumen wears the mood's expression while she answers: `Some(None)` until the answer
    /// ends, then when it ended (the face eases off 2 s later).
    relax_face: Option<Option<Instant>>,
}

impl Voice {
    fn lineup(&mut self, tv: &Tv) -> Option<std::sync::Arc<(Grammar, Playlist)>> {
        if self
            .lineup
            .as_ref()
            .is_none_or(|(g, _)| *g != tv.generation)
        {
            let l = tv.lineup.as_ref()?;
            let playlist = Playlist {
                channels: l.channels.clone(),
                ..Default::default()
            };
            self.lineup = Some((
                tv.generation,
                std::sync::Arc::new((Grammar::for_playlist(&playlist), playlist)),
            ));
        }
        self.lineup.as_ref().map(|(_, l)| l.clone())
    }

    fn tell(&mut self, s: impl Into<String>) {
        self.status = s.into();
        self.status_since = Instant::now();
    }

    /// The TV's mean loudness (dBFS) while Lumen is silent, and while she speaks (ducked).
    pub fn tv_loudness(&self) -> [Option<f64>; 2] {
        self.tv_db
            .map(|(sum, n)| (n > 0).then(|| sum / f64::from(n)))
    }

    /// The viewer's mood, while it is recent enough to matter.
    pub fn fresh_mood(&self) -> Option<&prism_core::companion::sentiment::Sentiment> {
        self.mood
            .as_ref()
            .filter(|(_, at)| at.elapsed() < MOOD_FOR)
            .map(|(m, _)| m)
    }

    /// Piper's length and noise factors for a sentence: an answer to the viewer follows their
    /// mood (calmer for frustration, livelier for joy); her own remarks keep her usual voice.
    fn delivery(&self, remark: bool) -> [f32; 2] {
        match self.fresh_mood().filter(|_| !remark) {
            Some(m) => {
                let d = m.delivery();
                [d.length, d.noise]
            }
            None => [1.0, 1.0],
        }
    }

    /// How far the TV is ducked under Lumen's voice now (1 = not at all).
    pub fn duck(&self) -> f32 {
        self.duck
    }

    /// The user is talking to Lumen or waiting for her answer (her own remarks do not count).
    pub fn user_engaged(&self) -> bool {
        matches!(self.phase, Phase::Listening(_) | Phase::Transcribing(_))
            || self.current.as_ref().is_some_and(|(_, u)| !u.remark)
    }

    /// Listening, transcribing, thinking or talking: the user has Lumen's attention.
    pub fn busy(&self) -> bool {
        self.phase != Phase::Idle || self.current.is_some() || !self.lines.is_empty()
    }

    /// Speech handed in and not yet transcribed.
    pub fn transcribing(&self) -> bool {
        matches!(self.phase, Phase::Transcribing(_))
    }

    pub fn ready(&self) -> bool {
        self.stt.as_ref().is_none_or(Worker::is_ready)
            && self.llm.as_ref().is_none_or(Worker::is_ready)
            && (self.tts.is_none() || self.tts_ready)
    }
}

fn worker(
    label: &str,
    binary: &str,
    args: Vec<String>,
    env: Vec<(String, String)>,
) -> Result<Worker, String> {
    let program = find_worker(binary).ok_or_else(|| {
        format!("{binary} was not found beside Prism (cargo build --workspace builds it)")
    })?;
    Ok(Worker::start(WorkerSpec {
        label: label.into(),
        program,
        args,
        env,
    }))
}

/// The speech model chosen in settings, or why it cannot be used.
fn whisper_file(s: &VoiceSettings) -> Result<PathBuf, String> {
    let m = crate::models::manifest();
    let entry = m
        .iter()
        .find(|e| e.name == s.whisper && e.file.starts_with("ggml-"))
        .ok_or_else(|| format!("{:?} is not a speech model Prism knows", s.whisper))?;
    models::require(&entry.file).map_err(|_| {
        format!(
            "the speech model {} is not installed: run `prism models install {}` (or Voice models in settings)",
            entry.name, entry.name
        )
    })
}

pub(crate) fn stt_worker(s: &VoiceSettings) -> Result<Worker, String> {
    let model = whisper_file(s)?;
    let mut args = vec!["--model".to_string(), model.display().to_string()];
    if s.stt_threads > 0 {
        args.extend(["--threads".into(), s.stt_threads.to_string()]);
    }
    worker("speech recognition", "prism-stt", args, Vec::new())
}

pub(crate) fn llm_worker(s: &VoiceSettings) -> Result<Worker, String> {
    if s.use_server {
        let env = if s.api_key.is_empty() {
            Vec::new()
        } else {
            vec![("PRISM_LLM_API_KEY".to_string(), s.api_key.clone())]
        };
        let args = vec![
            "--endpoint".to_string(),
            s.endpoint.clone(),
            "--model".into(),
            s.server_model.clone(),
        ];
        return worker("the language model", "prism-llm", args, env);
    }
    let model = match &s.llm_model {
        Some(path) if !path.trim().is_empty() => {
            let p = PathBuf::from(path.trim());
            if !p.is_file() {
                return Err(format!("the model file {} does not exist", p.display()));
            }
            p
        }
        _ => models::require(models::LLM)?,
    };
    let args = vec![
        "--model".to_string(),
        model.display().to_string(),
        "--ctx".into(),
        "4096".into(),
    ];
    worker("the language model", "prism-llm", args, Vec::new())
}

fn start(mut commands: Commands, settings: Res<Settings>) {
    commands.insert_resource(Voice::launch(&settings.voice));
}

/// Asks for the voice to be started again (after models were installed).
#[derive(Message, Debug, Clone, Copy)]
pub struct RestartVoice;

/// A changed speech or chat setting restarts that worker; [`RestartVoice`] restarts it all,
/// keeping the conversation.
fn follow_settings(
    mut v: ResMut<Voice>,
    settings: Res<Settings>,
    mut restart: MessageReader<RestartVoice>,
) {
    if restart.read().last().is_some() {
        let mut fresh = Voice::launch(&settings.voice);
        fresh.conversation = std::mem::take(&mut v.conversation);
        fresh.history = std::mem::take(&mut v.history);
        fresh.show_metrics = v.show_metrics;
        // The old voice thread ends when its queue closes; joined so it never outlives us.
        let old = std::mem::replace(&mut *v, fresh);
        if let Some(t) = old.stop() {
            let _ = t.join();
        }
        return;
    }
    if !settings.is_changed() || settings.voice == v.applied {
        return;
    }
    let (new, old) = (&settings.voice, v.applied.clone());
    let mut problems = Vec::new();
    let mut restarting = Vec::new();
    if (new.whisper.as_str(), new.stt_threads) != (old.whisper.as_str(), old.stt_threads) {
        v.stt = stt_worker(new)
            .map_err(|e| problems.push(format!("Voice commands are off: {e}")))
            .ok();
        restarting.push(format!("speech recognition ({})", new.whisper));
    }
    let chat = |s: &VoiceSettings| {
        (
            s.use_server,
            s.llm_model.clone(),
            s.endpoint.clone(),
            s.server_model.clone(),
            s.api_key.clone(),
        )
    };
    if chat(new) != chat(&old) {
        barge_in(&mut v);
        v.llm = llm_worker(new)
            .map_err(|e| problems.push(format!("Chat is off: {e}")))
            .ok();
        restarting.push("the language model".into());
    }
    v.applied = new.clone();
    // "Restarting" is replaced by "... is back" when the worker is ready.
    v.tell(if problems.is_empty() {
        format!("Restarting {}...", restarting.join(" and "))
    } else {
        problems.join("\n")
    });
}

impl Voice {
    fn launch(settings: &VoiceSettings) -> Voice {
        let mut problems = Vec::new();
        let stt = stt_worker(settings)
            .map_err(|e| problems.push(format!("Voice commands are off: {e}")))
            .ok();
        let llm = llm_worker(settings)
            .map_err(|e| problems.push(format!("Chat is off: {e}")))
            .ok();
        let speaker = Speaker::open();
        if let Some(why) = &speaker.silent {
            info!("{why}");
        }
        // Piper runs in-process on its own thread (loading it is the warm-up), which also
        // resamples each sentence to the speaker's rate so the frame only appends it.
        let mut tts_thread = None;
        let (tts, spoken) = match (
            models::require(models::RUNTIME),
            models::require(models::VOICE),
        ) {
            (Ok(runtime), Ok(onnx)) => {
                let (job_tx, jobs) = channel::<TtsJob>();
                let (out_tx, out) = channel();
                let rate = speaker.rate;
                tts_thread = std::thread::Builder::new()
                    .name("lumen's voice".into())
                    .spawn(move || {
                        let config = PathBuf::from(format!("{}.json", onnx.display()));
                        let mut voice =
                            match prism_voice::PiperVoice::load(&runtime, &onnx, &config) {
                                Ok(v) => v,
                                Err(e) => {
                                    let message = format!("Lumen's voice is off: {e}");
                                    let _ = out_tx.send(Spoken::Failed {
                                        fatal: true,
                                        message,
                                    });
                                    return;
                                }
                            };
                        let _ = voice.synthesize("Hello.");
                        let _ = out_tx.send(Spoken::Ready);
                        for (id, text, [length, noise]) in jobs {
                            let out = match voice.synthesize_with(&text, length, noise) {
                                Ok(a) => Spoken::Line {
                                    id,
                                    samples: resample(&a.samples, a.sample_rate, rate),
                                    seconds: a.seconds() as f64,
                                    track: a.visemes,
                                },
                                Err(e) => Spoken::Failed {
                                    fatal: false,
                                    message: e.to_string(),
                                },
                            };
                            if out_tx.send(out).is_err() {
                                break;
                            }
                        }
                    })
                    .ok();
                (Some(job_tx), Some(std::sync::Mutex::new(out)))
            }
            (Err(e), _) | (_, Err(e)) => {
                problems.push(format!("Lumen's voice is off: {e}"));
                (None, None)
            }
        };
        for p in &problems {
            warn!("{p}");
        }
        let now = Instant::now();
        Voice {
            applied: settings.clone(),
            tv_db: [(0.0, 0); 2],
            levels_seen: 0,
            mood: None,
            relax_face: None,
            stt,
            llm,
            tts,
            spoken,
            tts_ready: false,
            tts_thread,
            speaker,
            mic: None,
            phase: Phase::Idle,
            next_id: 1,
            current: None,
            conversation: Conversation::default(),
            lines: VecDeque::new(),
            duck: 1.0,
            status: problems.join("\n"),
            status_since: now,
            last: Timings::default(),
            history: Vec::new(),
            show_metrics: false,
            lineup: None,
        }
    }

    /// Stops the workers and closes the voice thread's queue; its handle, to join.
    fn stop(mut self) -> Option<std::thread::JoinHandle<()>> {
        self.tts = None;
        self.stt = None;
        self.llm = None;
        self.tts_thread.take()
    }
}

/// At exit the voice thread is let finish what it is doing: ONNX Runtime's static destructors
/// run when the process exits, and a thread still inside the runtime then crashes it.
fn shut_down(mut exits: MessageReader<AppExit>, v: Option<ResMut<Voice>>) {
    if exits.read().next().is_none() {
        return;
    }
    let Some(mut v) = v else { return };
    v.tts = None;
    v.stt = None;
    v.llm = None;
    if let Some(t) = v.tts_thread.take() {
        let _ = t.join();
    }
}

/// Companion mode's lines and remarks, when Lumen is free to speak.
fn speak_up(mut v: ResMut<Voice>, mut say: MessageReader<Say>, tv: Option<Res<Tv>>) {
    for s in say.read() {
        if v.busy() {
            continue;
        }
        let id = v.next_id;
        v.next_id += 1;
        let mut u = Utterance {
            released: Instant::now(),
            text: String::new(),
            reader: ReplyReader::new(),
            sentences: 0,
            t: Timings::default(),
            remark: true,
        };
        match s {
            Say::Line(line) => {
                let Some(tts) = &v.tts else { continue };
                if tts.send((id, line.clone(), [1.0, 1.0])).is_ok() {
                    u.sentences = 1;
                    u.t.heard = format!("(remark) {line}");
                    v.current = Some((id, u));
                }
            }
            Say::Remark(instruction) => {
                let Some(llm) = &v.llm else { continue };
                let context = tv
                    .as_deref()
                    .map(|tv| tv_context(tv, &v))
                    .unwrap_or_default();
                let messages = v.conversation.messages(&context, instruction);
                let sent = llm.send(&Request::Chat {
                    id,
                    messages,
                    max_tokens: 40,
                    temperature: 0.7,
                    grammar: None,
                });
                if sent.is_ok() {
                    u.text = instruction.clone();
                    u.t.heard = format!("(remark) {instruction}");
                    v.phase = Phase::Thinking(id);
                    v.current = Some((id, u));
                }
            }
        }
    }
}

/// Stops Lumen talking and thinking (push-to-talk while she speaks).
fn barge_in(v: &mut Voice) {
    v.speaker.hush();
    v.lines.clear();
    if let (Some((id, _)), Some(llm)) = (&v.current, &v.llm) {
        let _ = llm.send(&Request::Cancel { id: *id });
    }
    v.current = None;
}

fn push_to_talk(
    mut v: ResMut<Voice>,
    keys: Res<ButtonInput<KeyCode>>,
    pads: Query<&Gamepad>,
    screen: Res<State<crate::Screen>>,
    mut hear: MessageWriter<Hear>,
    mut acts: MessageWriter<Act>,
) {
    if keys.just_pressed(KeyCode::F3) {
        v.show_metrics = !v.show_metrics;
    }
    // Typing in the settings form uses V.
    let typing = *screen.get() == crate::Screen::Settings;
    let pressed = (!typing && keys.just_pressed(KeyCode::KeyV))
        || pads.iter().any(|p| p.just_pressed(GamepadButton::North));
    let held = (!typing && keys.pressed(KeyCode::KeyV))
        || pads.iter().any(|p| p.pressed(GamepadButton::North));
    if pressed {
        barge_in(&mut v);
        if v.stt.is_none() {
            let s = v.status.clone();
            v.tell(if s.is_empty() {
                "Voice commands are off.".to_string()
            } else {
                s
            });
            return;
        }
        if v.mic.is_none() {
            v.mic = Some(Microphone::open().map_err(|e| e.to_string()));
        }
        match v.mic.as_ref() {
            Some(Ok(mic)) => mic.start(),
            Some(Err(e)) => {
                let e = e.clone();
                v.mic = None; // try again next time: it may have been plugged in
                v.tell(e);
                return;
            }
            None => {}
        }
        v.phase = Phase::Listening(Instant::now());
        acts.write(Act::Look(Some(crate::mascot::Focus::Viewer)));
    }
    if let Phase::Listening(_) = v.phase
        && !held
    {
        v.phase = Phase::Idle;
        if let Some(Ok(mic)) = &v.mic {
            let raw = mic.finish();
            let pcm = resample(&raw, mic.rate, 16_000);
            hear.write(Hear(pcm));
        }
    }
    if let Some(Ok(mic)) = &v.mic
        && let Some(e) = mic.error()
    {
        v.mic = None;
        v.phase = Phase::Idle;
        v.tell(e.to_string());
    }
}

/// Speech in hand: trimmed to what was said and sent to be transcribed.
fn heard(mut v: ResMut<Voice>, mut hear: MessageReader<Hear>, tv: Option<Res<Tv>>) {
    for Hear(pcm) in hear.read() {
        let released = Instant::now();
        let Some(span) = speech_span(pcm, 16_000) else {
            v.tell("I didn't hear anything. Hold V while you speak.");
            continue;
        };
        let prompt = tv
            .as_ref()
            .and_then(|tv| v.lineup(tv))
            .map(|l| prism_voice::stt_prompt(&l.1))
            .unwrap_or_default();
        let id = v.next_id;
        v.next_id += 1;
        let request = Request::Transcribe {
            id,
            pcm16: encode_pcm16(&pcm[span]),
            prompt,
        };
        let sent = v.stt.as_ref().map(|w| w.send(&request));
        match sent {
            Some(Ok(())) => {
                v.phase = Phase::Transcribing(id);
                v.current = Some((
                    id,
                    Utterance {
                        released,
                        text: String::new(),
                        reader: ReplyReader::new(),
                        sentences: 0,
                        t: Timings::default(),
                        remark: false,
                    },
                ));
            }
            Some(Err(e)) => v.tell(format!("{e}. Try again in a moment.")),
            None => v.tell("Voice commands are off."),
        }
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// What Lumen says after a command ran ("Channel 5, Prism Kids").
fn acknowledge(cmd: &MediaCommand, tv: &Tv) -> Option<String> {
    let lineup = tv.lineup.as_ref()?;
    let name_of = |i: usize| {
        lineup.channels.get(i).map(|c| match c.number {
            Some(n) => format!("Channel {n}, {}.", c.name),
            None => format!("{}.", c.name),
        })
    };
    Some(match cmd {
        MediaCommand::WatchChannel { channel } => name_of(channel.index as usize)?,
        MediaCommand::GoToChannelNumber { number } => {
            let i = lineup
                .channels
                .iter()
                .position(|c| c.number == Some(*number))?;
            name_of(i)?
        }
        MediaCommand::VolumeUp { .. } => "Louder.".into(),
        MediaCommand::VolumeDown { .. } => "Quieter.".into(),
        MediaCommand::SetVolume { percent } => format!("Volume {percent}."),
        MediaCommand::Mute => "Muted.".into(),
        MediaCommand::Unmute => "Sound's back.".into(),
        MediaCommand::ShowGuide => "Here's the guide.".into(),
        MediaCommand::Subtitles { on } => format!("Subtitles {}.", if *on { "on" } else { "off" }),
        MediaCommand::WhatsOn { .. } => {
            let i = tv.current?;
            let p = lineup.guide.as_ref()?.now_next(i, crate::unix_now()).now?;
            format!("On now: {}.", p.title())
        }
        _ => return None,
    })
}

/// What the model is told: what is on, its latest captions, and how the viewer sounds.
fn tv_context(tv: &Tv, v: &Voice) -> TvContext {
    let mut c = match tv.current.and_then(|i| Some((i, tv.channel(i)?))) {
        Some((i, ch)) => context_for(ch, i, tv.guide(), crate::unix_now()),
        None => TvContext::default(),
    };
    c.captions = tv.recent_captions().map(str::to_owned).collect();
    c.viewer = v.fresh_mood().and_then(|m| m.advice()).map(str::to_owned);
    c
}

/// What the LLM is told about channel `i` and its guide at `now`.
pub(crate) fn context_for(
    ch: &prism_core::Channel,
    i: usize,
    guide: Option<&prism_core::Guide>,
    now: i64,
) -> TvContext {
    let mut c = TvContext {
        channel: Some(match ch.number {
            Some(n) => format!("{n} {}", ch.name),
            None => ch.name.clone(),
        }),
        ..Default::default()
    };
    if let Some(g) = guide {
        let nn = g.now_next(i, now);
        c.now = nn.now.map(|p| Programme {
            title: p.title().to_string(),
            description: p.description().unwrap_or_default().to_string(),
            category: p.categories().next().unwrap_or_default().to_owned(),
            when: format!(
                "{}–{}, {} minutes left",
                crate::clock(p.start()),
                crate::clock(p.stop()),
                (p.stop() - now).max(0) / 60
            ),
        });
        c.next = nn.next.map(|p| Programme {
            title: p.title().to_string(),
            description: p.description().unwrap_or_default().to_string(),
            category: p.categories().next().unwrap_or_default().to_owned(),
            when: crate::clock(p.start()),
        });
    }
    c
}

/// Events from the workers and the voice thread.
fn workers(
    mut v: ResMut<Voice>,
    tv: Option<Res<Tv>>,
    mut cmds: MessageWriter<Cmd>,
    mut acts: MessageWriter<Act>,
) {
    let v = &mut *v;
    let mut notices = Vec::new();
    for w in [&v.stt, &v.llm].into_iter().flatten() {
        while let Some(n) = w.try_notice() {
            notices.push((w.spec.label.clone(), n));
        }
    }
    let lineup = tv.as_ref().and_then(|tv| v.lineup(tv));
    for (label, n) in notices {
        match n {
            Notice::Starting { attempt } if attempt > 1 => v.tell(format!("Restarting {label}...")),
            Notice::Starting { .. } => {}
            Notice::Died { message, retry_in } => {
                v.tell(format!(
                    "{message}. Restarting in {:.1} s.",
                    retry_in.as_secs_f32()
                ));
                if matches!(v.phase, Phase::Transcribing(_) | Phase::Thinking(_)) {
                    v.phase = Phase::Idle;
                    v.current = None;
                }
            }
            Notice::Event(Event::Ready {
                model,
                load_ms,
                warm_ms,
                ..
            }) => {
                info!(
                    "{label} ready: {model} (loaded in {load_ms:.0} ms, warmed in {warm_ms:.0} ms)"
                );
                if v.status.starts_with("Restarting") || v.status.contains("Restarting in") {
                    let mut back = format!("{label} is back.");
                    back[..1].make_ascii_uppercase();
                    v.tell(back);
                }
                // The persona goes into the model's cache now, so the first question is quick.
                if let Some(llm) = v.llm.as_ref().filter(|_| label == "the language model") {
                    let messages = Conversation::default().messages(&TvContext::default(), "Hi");
                    let _ = llm.send(&Request::Chat {
                        id: 0,
                        messages,
                        max_tokens: 1,
                        temperature: 0.0,
                        grammar: None,
                    });
                }
            }
            Notice::Event(Event::Transcript { id, text, .. }) => {
                if v.current.as_ref().is_none_or(|(c, _)| *c != id) {
                    continue;
                }
                let (_, mut u) = v.current.take().expect("checked");
                u.t.transcript = Some(ms(u.released));
                u.text = text.clone();
                u.t.heard = text.clone();
                v.phase = Phase::Idle;
                // How they sound shapes how she answers: the advice in the context, her
                // voice, and her face while she answers.
                let mood = prism_core::companion::sentiment::analyse(&text);
                let d = mood.delivery();
                let delivery = [d.length, d.noise];
                if let Some((p, w)) = d.expression {
                    acts.write(Act::Feel(p, w));
                    v.relax_face = Some(None);
                }
                v.mood = Some((mood, Instant::now()));
                let Some(tv) = tv.as_ref() else { continue };
                if let Some((cmd, meant)) = lineup.as_ref().and_then(|l| l.0.parse_heard(&text)) {
                    u.t.command = Some(ms(u.released));
                    let ack = acknowledge(&cmd, tv);
                    cmds.write(Cmd(cmd));
                    acts.write(Act::Gesture(prism_core::avatar::motion::Gesture::Nod));
                    v.tell(format!("\"{meant}\""));
                    let spoken = match (ack, &v.tts) {
                        (Some(line), Some(tts)) => tts.send((id, line, delivery)).is_ok(),
                        _ => false,
                    };
                    if spoken {
                        u.sentences = 1;
                    } else {
                        u.t.total = u.t.command;
                    }
                    v.current = Some((id, u));
                    if !spoken {
                        finish(v, id);
                    }
                } else if text.trim().is_empty() {
                    v.tell("I didn't catch that.");
                } else if let Some(llm) = &v.llm {
                    let messages = v.conversation.messages(&tv_context(tv, v), &text);
                    let grammar = assistant::tool_grammar(&text);
                    let max_tokens = if grammar.is_some() { 40 } else { 80 };
                    match llm.send(&Request::Chat {
                        id,
                        messages,
                        max_tokens,
                        temperature: 0.3,
                        grammar,
                    }) {
                        Ok(()) => {
                            v.phase = Phase::Thinking(id);
                            v.current = Some((id, u));
                            v.tell(format!("\"{text}\""));
                        }
                        Err(e) => v.tell(e.to_string()),
                    }
                } else {
                    v.tell(format!("\"{text}\" isn't a TV command, and chat is off."));
                }
            }
            Notice::Event(Event::Token { id, text }) => {
                let pieces = match v.current.as_mut().filter(|(c, _)| *c == id) {
                    Some((_, u)) => {
                        u.t.llm_first_token.get_or_insert(ms(u.released));
                        u.reader.push(&text)
                    }
                    None => continue,
                };
                pieces_out(
                    v,
                    id,
                    pieces,
                    tv.as_deref(),
                    lineup.as_deref(),
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Done(d)) => {
                let pieces = match v.current.as_mut().filter(|(c, _)| *c == d.id) {
                    Some((_, u)) => u.reader.finish(),
                    None => continue,
                };
                pieces_out(
                    v,
                    d.id,
                    pieces,
                    tv.as_deref(),
                    lineup.as_deref(),
                    &mut cmds,
                    &mut acts,
                );
                if let Some((_, u)) = &v.current {
                    let said = u.reader.said.clone();
                    let text = u.text.clone();
                    if !u.remark {
                        v.conversation.remember(&text, &said);
                    }
                    if u.sentences == 0 {
                        finish(v, d.id);
                    }
                }
                v.phase = Phase::Idle;
            }
            Notice::Event(Event::Error {
                id: Some(id),
                message,
            }) if id != 0 => {
                if v.current.as_ref().is_some_and(|(c, _)| *c == id) {
                    v.current = None;
                    v.phase = Phase::Idle;
                }
                v.tell(message);
            }
            Notice::Event(Event::Error { message, .. }) => warn!("{label}: {message}"),
        }
    }
    // Synthesised sentences: queued back to back on the speaker.
    let mut spoken = Vec::new();
    if let Some(rx) = &v.spoken {
        let rx = rx.lock().unwrap();
        while let Ok(s) = rx.try_recv() {
            spoken.push(s);
        }
    }
    for out in spoken {
        match out {
            Spoken::Ready => v.tts_ready = true,
            Spoken::Line {
                id,
                samples,
                seconds,
                track,
            } => {
                let Some((_, u)) = v.current.as_mut().filter(|(c, _)| *c == id) else {
                    continue;
                };
                u.t.tts_first_audio.get_or_insert(ms(u.released));
                let starts = v.speaker.queue(samples);
                v.lines.push_back(Line {
                    utterance: id,
                    starts,
                    ends: starts + seconds,
                    track,
                    started: false,
                });
            }
            Spoken::Failed { fatal, message } => {
                if fatal {
                    v.tts = None;
                }
                v.tell(message);
            }
        }
    }
    if let Some(e) = v.speaker.error() {
        v.tell(e.to_string());
    }
}

fn pieces_out(
    v: &mut Voice,
    id: u64,
    pieces: Vec<Piece>,
    tv: Option<&Tv>,
    lineup: Option<&(Grammar, Playlist)>,
    cmds: &mut MessageWriter<Cmd>,
    acts: &mut MessageWriter<Act>,
) {
    let remark = v.current.as_ref().is_some_and(|(_, u)| u.remark);
    let delivery = v.delivery(remark);
    for piece in pieces {
        let Some((_, u)) = v.current.as_mut() else {
            return;
        };
        if let Piece::Say { text, feelings } = &piece {
            if let Some((_, p)) = feelings.first() {
                acts.write(Act::Feel(*p, if *p == Preset::Neutral { 0.0 } else { 0.8 }));
            }
            // Two sentences are an answer; more is a small model rambling.
            if !text.is_empty() && u.sentences < 2 {
                u.sentences += 1;
                if let Some(tts) = &v.tts {
                    let _ = tts.send((id, text.clone(), delivery));
                }
                if u.sentences == 2
                    && let Some(llm) = &v.llm
                {
                    let _ = llm.send(&Request::Cancel { id });
                }
            }
            continue;
        }
        let (Some(tv), Some((grammar, playlist))) = (tv, lineup) else {
            continue;
        };
        match assistant::admit(&piece, &u.text, grammar, playlist) {
            Some(Ok(cmd)) => {
                u.t.command.get_or_insert(ms(u.released));
                let ack = acknowledge(&cmd, tv);
                cmds.write(Cmd(cmd));
                if let (Some(line), Some(tts)) = (ack, &v.tts)
                    && u.sentences == 0
                {
                    u.sentences = 1;
                    let _ = tts.send((id, line, delivery));
                }
            }
            Some(Err(why)) => {
                info!("a tool call was refused: {why}");
            }
            None => {}
        }
    }
}

fn finish(v: &mut Voice, id: u64) {
    if let Some((c, mut u)) = v.current.take() {
        if c != id {
            v.current = Some((c, u));
            return;
        }
        u.t.total.get_or_insert(ms(u.released));
        v.last = u.t.clone();
        v.history.push(u.t);
    }
}

/// Lips follow each sentence as the speaker reaches it.
fn speech(mut v: ResMut<Voice>, mut acts: MessageWriter<Act>) {
    let v = &mut *v;
    // The mood's expression eases off two seconds after the answer.
    match v.relax_face {
        Some(None) if !v.busy() => v.relax_face = Some(Some(Instant::now())),
        Some(Some(at)) if at.elapsed().as_secs_f32() >= 2.0 => {
            v.relax_face = None;
            acts.write(Act::Feel(
                prism_core::avatar::expression::Preset::Neutral,
                0.0,
            ));
        }
        _ => {}
    }
    let clock = v.speaker.clock();
    for line in v.lines.iter_mut() {
        if !line.started && clock >= line.starts {
            line.started = true;
            // The frame noticed the sentence `lag` late: the lips start that far in, so they
            // keep to the audio rather than to the frame grid.
            let lag = clock - line.starts;
            let mut track = std::mem::take(&mut line.track);
            for v in &mut track {
                v.start -= lag as f32;
            }
            acts.write(Act::Speak(track));
            if let Some((c, u)) = v.current.as_mut()
                && *c == line.utterance
            {
                u.t.first_sound.get_or_insert(ms(u.released));
                let lag = lag * 1000.0;
                u.t.lips_lag_ms = Some(u.t.lips_lag_ms.map_or(lag, |l| l.max(lag)));
            }
        }
    }
    while v
        .lines
        .front()
        .is_some_and(|l| l.started && clock >= l.ends)
    {
        let done = v.lines.pop_front().expect("checked");
        let more = v.lines.iter().any(|l| l.utterance == done.utterance);
        let answering = v
            .current
            .as_ref()
            .is_some_and(|(c, _)| *c == done.utterance)
            && v.phase == Phase::Idle;
        if !more && answering {
            finish(v, done.utterance);
        }
    }
}

/// The TV goes down to 30 % under Lumen's voice, with 150 ms fades.
fn duck(mut v: ResMut<Voice>, tv: Option<Res<Tv>>, time: Res<Time>) {
    let speaking = !v.lines.is_empty() || v.speaker.pending() > 0.0;
    // What the viewer hears from the TV, fully ducked and not at all (the proof of ducking).
    if let Some(tv) = tv.as_ref()
        && tv.audio_level.1 != v.levels_seen
    {
        v.levels_seen = tv.audio_level.1;
        let db = f64::from(tv.audio_level.0);
        let slot = if v.duck <= 0.301 {
            Some(1)
        } else if v.duck >= 0.999 {
            Some(0)
        } else {
            None
        };
        if let Some(i) = slot.filter(|_| db > -80.0) {
            v.tv_db[i].0 += db;
            v.tv_db[i].1 += 1;
        }
    }
    let target = if speaking { 0.3 } else { 1.0 };
    let step = time.delta_secs() / 0.15 * 0.7;
    let d = if v.duck < target {
        (v.duck + step).min(target)
    } else {
        (v.duck - step).max(target)
    };
    if (d - v.duck).abs() > f32::EPSILON {
        v.duck = d;
        if let Some(tv) = tv {
            tv.player.set_duck(d as f64);
        }
    }
}

#[derive(Component)]
struct MicIndicator;
#[derive(Component)]
struct MicLevel;
#[derive(Component)]
struct MicText;
#[derive(Component)]
struct Metrics;

fn spawn_ui(mut commands: Commands) {
    commands
        .spawn((
            MicIndicator,
            Node {
                position_type: PositionType::Absolute,
                left: px(24),
                top: px(24),
                padding: UiRect::axes(px(16), px(10)),
                column_gap: px(12),
                align_items: AlignItems::Center,
                max_width: percent(45),
                border_radius: BorderRadius::all(px(12)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            Visibility::Hidden,
            GlobalZIndex(20),
        ))
        .with_children(|b| {
            b.spawn((
                Node {
                    width: px(10),
                    height: px(28),
                    ..default()
                },
                BackgroundColor(theme::TRACK),
            ))
            .with_children(|t| {
                t.spawn((
                    MicLevel,
                    Node {
                        width: percent(100),
                        height: percent(0),
                        position_type: PositionType::Absolute,
                        bottom: px(0),
                        ..default()
                    },
                    BackgroundColor(theme::ACCENT),
                ));
            });
            b.spawn((
                MicText,
                Text::new(""),
                TextFont::from_font_size(22.0),
                TextColor(theme::TEXT),
            ));
        });
    commands.spawn((
        Metrics,
        Text::new(""),
        TextFont::from_font_size(16.0),
        TextColor(theme::TEXT),
        BackgroundColor(theme::PANEL),
        Node {
            position_type: PositionType::Absolute,
            left: px(24),
            bottom: px(24),
            padding: UiRect::all(px(10)),
            ..default()
        },
        Visibility::Hidden,
        GlobalZIndex(21),
    ));
}

fn indicator(
    v: Res<Voice>,
    screen: Res<State<crate::Screen>>,
    mut panel: Query<&mut Visibility, With<MicIndicator>>,
    mut level: Query<&mut Node, With<MicLevel>>,
    mut text: Query<&mut Text, With<MicText>>,
) {
    let (Ok(mut vis), Ok(mut bar), Ok(mut t)) =
        (panel.single_mut(), level.single_mut(), text.single_mut())
    else {
        return;
    };
    let waking = !v.ready();
    let (s, lvl) = match &v.phase {
        Phase::Listening(_) => {
            let db = v
                .mic
                .as_ref()
                .and_then(|m| m.as_ref().ok())
                .map_or(-90.0, Microphone::level_db);
            (
                "Listening...".to_string(),
                ((db + 60.0) / 60.0).clamp(0.0, 1.0),
            )
        }
        Phase::Transcribing(_) => ("...".to_string(), 0.0),
        Phase::Thinking(_) => (format!("{} Thinking...", v.status), 0.0),
        Phase::Idle if waking && v.status.is_empty() => ("Lumen is waking up...".to_string(), 0.0),
        Phase::Idle if !v.status.is_empty() && v.status_since.elapsed().as_secs_f32() < 6.0 => {
            (v.status.clone(), 0.0)
        }
        Phase::Idle => (String::new(), 0.0),
    };
    // The settings screen shows the voice's status under its own rows.
    let show = if s.is_empty() || *screen.get() == crate::Screen::Settings {
        Visibility::Hidden
    } else {
        Visibility::Inherited
    };
    if *vis != show {
        *vis = show;
    }
    if t.0 != s {
        t.0 = s;
    }
    let h = percent(lvl * 100.0);
    if bar.height != h {
        bar.height = h;
    }
}

fn metrics_panel(
    v: Res<Voice>,
    time: Res<Time>,
    mut q: Query<(&mut Text, &mut Visibility), With<Metrics>>,
) {
    let Ok((mut t, mut vis)) = q.single_mut() else {
        return;
    };
    let show = if v.show_metrics {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if *vis != show {
        *vis = show;
    }
    if !v.show_metrics {
        return;
    }
    let f = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{x:.0} ms"));
    let l = &v.last;
    let s = format!(
        "voice  heard {:?}\ntranscript {}   command {}\nLLM first token {}   TTS first audio {}\nfirst sound {}   total {}\nrender {:.0} fps   {} utterances",
        l.heard,
        f(l.transcript),
        f(l.command),
        f(l.llm_first_token),
        f(l.tts_first_audio),
        f(l.first_sound),
        f(l.total),
        1.0 / time.delta_secs().max(1e-3),
        v.history.len()
    );
    if t.0 != s {
        t.0 = s;
    }
}
