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

pub(crate) mod dialogue;
pub mod models;
mod speech;
mod talk;
mod ui;
mod workers;

pub(crate) use dialogue::ack_line;
#[cfg(test)]
pub(crate) use dialogue::catch_up_offer;
use talk::barge_in;
pub(crate) use workers::{llm_worker, stt_worker};

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
use prism_voice::audio::{Microphone, Speaker, resample};
use prism_voice::models as model_files;
use prism_voice::worker::{Notice, Worker, WorkerSpec, find_worker};

use crate::input::Action;
use crate::lumen::Act;
use crate::settings::{Settings, VoiceSettings};
use crate::t;
use crate::theme;
use crate::tv::{Cmd, Status, Tv};
use crate::tv::{Executed, Outcome};

pub fn plugin(app: &mut App) {
    app.add_message::<Hear>()
        .add_message::<Listen>()
        .add_message::<Hearing>()
        .add_message::<RestartVoice>()
        .add_message::<Say>()
        .add_message::<Typed>()
        .add_message::<Answered>()
        .add_systems(Startup, (start, ui::spawn_ui))
        .add_systems(
            Update,
            (
                warm_up,
                talk::push_to_talk,
                talk::listen,
                talk::early,
                talk::heard,
                talk::typed,
            )
                .chain()
                .in_set(crate::app::AppSystems::Input),
        )
        .add_systems(
            Update,
            (
                follow_settings,
                speech::speak_up,
                speech::think_aloud,
                // A spoken command is carried out and acknowledged in the frame its
                // transcript arrives, not one frame (17 ms) later each.
                workers::workers.before(crate::tv::execute),
                dialogue::acknowledge.after(crate::tv::execute),
                dialogue::offer_catch_up.after(crate::tv::execute),
                speech::speech,
                speech::duck,
                talk::answer_typed,
            )
                .chain()
                .in_set(crate::app::AppSystems::Execute),
        )
        .add_systems(
            Update,
            (ui::indicator, ui::metrics_panel, mirror_voice).in_set(crate::app::AppSystems::Draw),
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

/// Speech to handle as if it had been recorded (16 kHz mono): push-to-talk's release, the
/// autopilot's `hear FILE`.
#[derive(Message, Debug, Clone)]
pub struct Hear(pub Vec<f32>);

/// Words to Lumen as if she had heard them said (the control API's `Prism.Lumen.Ask`, the
/// phone remote's text box): answered like speech, a command or a question, and her answer
/// comes back as [`Answered`] with the same `ticket`.
#[derive(Message, Debug, Clone)]
pub struct Typed {
    pub text: String,
    pub ticket: u64,
}

/// What Lumen made of [`Typed`] words once she has finished answering (her timings: what she
/// heard, understood and said), or why she could not.
#[derive(Message, Debug, Clone)]
pub struct Answered {
    pub ticket: u64,
    pub result: Result<Timings, String>,
}

/// The user began speaking to Lumen (push-to-talk's press): while they speak, the language
/// model decodes how its prompt will begin.
#[derive(Message, Debug, Clone, Copy)]
pub struct Listen;

/// More of a recording still being made (16 kHz), for a source other than the microphone
/// (the bench): what push-to-talk hears while the key is held.
#[derive(Message, Debug, Clone)]
pub struct Hearing(pub Vec<f32>);

/// The recording while the key is held (16 kHz), and its early transcript: once the speech
/// looks finished it is transcribed before the release, and used at the release if nothing
/// more was said.
#[derive(Default)]
struct Held {
    pcm: Vec<f32>,
    checked: Option<Instant>,
    early: Option<Early>,
}

struct Early {
    id: u64,
    span: std::ops::Range<usize>,
    text: Option<String>,
}

/// One utterance's timings (ms from the release of push-to-talk).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    pub transcript: Option<f64>,
    /// The transcript was understood as a command (parsed, sent to the TV).
    pub command: Option<f64>,
    /// The TV reported it had carried the command out.
    pub applied: Option<f64>,
    /// The transcript was made while the key was held (the speech had ended before the
    /// release), and only waited for there.
    pub early: bool,
    pub llm_first_token: Option<f64>,
    /// Prompt tokens the language model decoded after the release (what the prefill made
    /// while the user spoke did not have to be).
    pub llm_prompt_after_release: Option<u32>,
    pub tts_first_audio: Option<f64>,
    pub first_sound: Option<f64>,
    /// Lumen began to say she is thinking (the model had given nothing by [`THINK_ALOUD`]);
    /// `first_sound` stays the answer's.
    pub thinking_aloud: Option<f64>,
    pub total: Option<f64>,
    pub heard: String,
    /// The command it was understood as (by the grammar, its repairs, or the model's call).
    pub understood: Option<prism_core::MediaCommand>,
    /// What Lumen said, sentence by sentence.
    pub said: Vec<String>,
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
    /// A command sent to be carried out: acknowledged when its outcome comes back (with the
    /// delivery to say it in, and when it was sent).
    awaiting: Option<(MediaCommand, [f32; 2], Instant)>,
    /// The language model is held (not generating) while her first words are synthesised.
    held: bool,
    /// Sentences handed to the voice thread whose audio (or failure) has not come back: the
    /// utterance is over only when none is left (see `dialogue::settle`).
    synth: usize,
    /// A catch-up the model is summing up found a moment to jump back to: once the summary is
    /// said, Lumen offers it ("say 'show me'").
    offer_moment: bool,
    /// "Hmm." was handed to the voice thread and has not come back yet (its line is the
    /// utterance's first, and is not the answer).
    thinking_line: bool,
    /// She has said (or begun to say) that she is thinking: once an utterance.
    thought_aloud: bool,
    /// Typed words, answered as [`Answered`] with this ticket when she has finished.
    ticket: Option<u64>,
}

/// How long after the release words may go without an answer (with the language model, or
/// still with the recogniser) before Lumen says she is thinking: a command the grammar knows,
/// or finds in the recogniser's other guesses, is carried out well within it.
pub const THINK_ALOUD: std::time::Duration = std::time::Duration::from_millis(600);

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
    /// The voice could not load (it is off) or could not say a sentence of utterance `id`.
    Failed {
        id: Option<u64>,
        fatal: bool,
        message: String,
    },
}

/// A sentence on its way to, or in, the speaker.
struct Line {
    utterance: u64,
    /// On the speaker's clock.
    starts: f64,
    ends: f64,
    track: Vec<TimedViseme>,
    started: bool,
    /// Her "Hmm." while the model thinks: not the answer's first sound.
    aloud: bool,
}

/// A sentence for Piper: the utterance it belongs to, the text, and the delivery (length and
/// noise scale factors) the viewer's mood asks for.
type TtsJob = (u64, String, [f32; 2]);

/// How long the voice waits for the TV's first picture, once the channels are loaded, before it
/// warms up anyway.
const WARM_UP_BY: std::time::Duration = std::time::Duration::from_secs(3);

/// How long the viewer's mood colours Lumen's answers.
const MOOD_FOR: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Resource)]
pub struct Voice {
    /// The workers and the voice thread have been started (see [`warm_up`]).
    started: bool,
    engines: Engines,
    mic: Option<Result<Microphone, String>>,
    phase: Phase,
    next_id: u64,
    /// The utterance being answered (its id is the request id of the transcript and the chat).
    current: Option<(u64, Utterance)>,
    /// Prefills sent to the language model and not yet answered.
    prefills: Vec<u64>,
    held: Held,
    /// Early transcripts cancelled (the user went on speaking): their answers are dropped.
    dropped: Vec<u64>,
    /// An early transcript that was ready at the release, for `workers` to take as it came.
    ready: Option<(u64, String)>,
    conversation: Conversation,
    out: Output,
    pub report: Report,
    /// The settings the workers were started with.
    applied: VoiceSettings,
    pub feeling: Feeling,
    /// What she was to say on her own while busy: said when she is free, unless it has gone
    /// stale (the latest only).
    queued: Option<(Say, Instant)>,
    /// The repairs of a transcript the recogniser is scoring against the sound.
    judging: Option<Judging>,
    /// The farther repairs of a transcript, being found off the main thread.
    repairing: Option<Repairing>,
    /// Typed words being answered: (utterance, ticket).
    asked: Vec<(u64, u64)>,
    /// Typed words answered and not yet reported: (ticket, timings).
    answered: Vec<(u64, Timings)>,
}

/// Utterance `id` waiting for the recogniser: its other guesses, or its scores for the repairs;
/// and how its words asked to be answered (worked out from the transcript once).
struct Judging {
    id: u64,
    /// The repairs being scored; none while the speech is heard again (`Request::Rehear`):
    /// repairs are only ever sent to be scored when there are some.
    repairs: Vec<(prism_core::MediaCommand, String)>,
    /// The recogniser's other guesses so far, while it hears the speech again
    /// (`Event::Guess`, in the order of its answer).
    guesses: Vec<String>,
    delivery: [f32; 2],
}

/// A transcript's farther repairs being found (`Grammar::repairs` parses up to 2000
/// sentences: a quarter of a second in the debug build, too long for a frame), on the
/// compute pool; `workers` takes them when done.
struct Repairing {
    id: u64,
    task: bevy::tasks::Task<Vec<(prism_core::MediaCommand, String)>>,
    delivery: [f32; 2],
    since: Instant,
}

impl Judging {
    /// Whether the recogniser is hearing the speech again, before any repair is scored.
    fn rehearing(&self) -> bool {
        self.repairs.is_empty()
    }
}

/// What listens, thinks and speaks: the two worker processes and Piper's thread.
#[derive(Default)]
struct Engines {
    stt: Option<Worker>,
    llm: Option<Worker>,
    tts: Option<Sender<TtsJob>>,
    spoken: Option<std::sync::Mutex<Receiver<Spoken>>>,
    tts_ready: bool,
    tts_thread: Option<std::thread::JoinHandle<()>>,
}

/// What she says and how the TV sounds under it.
struct Output {
    speaker: Speaker,
    lines: VecDeque<Line>,
    duck: f32,
    /// The TV's loudness readings (sum of dB, count) with the TV at full volume and ducked.
    tv_db: [(f64, u32); 2],
    levels_seen: u64,
    /// The broadcast (`OnAir::epoch`) the speaker's sound is sent to.
    mirrored: u64,
}

/// Lumen's voice goes out with the picture while on air, as the speaker plays it. An app
/// without the studio (`prism bench voice`) has nothing to mirror to.
fn mirror_voice(air: Option<Res<crate::studio::broadcast::OnAir>>, mut v: ResMut<Voice>) {
    let Some(air) = air else { return };
    if v.out.mirrored == air.epoch {
        return;
    }
    v.out.mirrored = air.epoch;
    v.out.speaker.mirror(air.feed().map(|f| {
        let m: prism_voice::audio::Mirror =
            std::sync::Arc::new(move |s: &[f32], rate: u32| f.voice(s, rate));
        m
    }));
}

/// What the indicator and the F3 panel show.
pub struct Report {
    /// What the indicator says when not listening (a problem, or the last thing heard).
    pub status: String,
    /// The status says a worker is restarting: its readiness is news ("... is back").
    restarting: bool,
    status_since: Instant,
    pub last: Timings,
    pub history: Vec<Timings>,
    /// Worker restarts (a crash, or a hang cut short) since launch.
    pub restarts: u64,
    show_metrics: bool,
}

/// The viewer's mood and the face Lumen wears for it.
#[derive(Default)]
pub struct Feeling {
    /// How the viewer sounded last, and when (their words' sentiment).
    pub mood: Option<(prism_core::companion::sentiment::Sentiment, Instant)>,
    /// Lumen wears the mood's expression while she answers: `Some(None)` until the answer
    /// ends, then when it ended (the face eases off 2 s later).
    relax_face: Option<Option<Instant>>,
}

impl Voice {
    fn tell(&mut self, s: impl Into<String>) {
        self.report.status = s.into();
        self.report.status_since = Instant::now();
    }

    /// The TV's mean loudness (dBFS) while Lumen is silent, and while she speaks (ducked).
    pub fn tv_loudness(&self) -> [Option<f64>; 2] {
        self.out
            .tv_db
            .map(|(sum, n)| (n > 0).then(|| sum / f64::from(n)))
    }

    /// The viewer's mood, while it is recent enough to matter.
    pub fn fresh_mood(&self) -> Option<&prism_core::companion::sentiment::Sentiment> {
        self.feeling
            .mood
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
        self.out.duck
    }

    /// The user is talking to Lumen or waiting for her answer (her own remarks do not count).
    pub fn user_engaged(&self) -> bool {
        matches!(self.phase, Phase::Listening(_) | Phase::Transcribing(_))
            || self.current.as_ref().is_some_and(|(_, u)| !u.remark)
    }

    /// Listening, transcribing, thinking or talking: the user has Lumen's attention.
    pub fn busy(&self) -> bool {
        self.phase != Phase::Idle || self.current.is_some() || !self.out.lines.is_empty()
    }

    /// Speech handed in and not yet transcribed.
    pub fn transcribing(&self) -> bool {
        matches!(self.phase, Phase::Transcribing(_))
    }

    pub fn ready(&self) -> bool {
        self.started
            && self.engines.stt.as_ref().is_none_or(Worker::is_ready)
            && self.engines.llm.as_ref().is_none_or(Worker::is_ready)
            && (self.engines.tts.is_none() || self.engines.tts_ready)
    }
}

fn start(mut commands: Commands, settings: Res<Settings>) {
    commands.insert_resource(Voice::waiting(&settings.voice));
}

/// Starts the speech and language workers and Lumen's voice once the TV shows its first
/// picture (or has failed to, or [`WARM_UP_BY`] has passed since the channels loaded), at once
/// if the user talks first: loading three models on two cores beside the first tune held the
/// picture back by seconds, and beside a first run's demo encoding, by seven.
fn warm_up(
    mut v: ResMut<Voice>,
    tv: Option<Res<Tv>>,
    sources: Option<Res<crate::sources::Sources>>,
    mut loaded: Local<Option<Instant>>,
    mut input: MessageReader<Action>,
    hear: MessageReader<Hear>,
) {
    let talk = input.read().any(|a| *a == Action::Talk);
    if v.started {
        return;
    }
    if sources.is_some_and(|s| s.loading().is_some()) {
        *loaded = None;
    } else {
        loaded.get_or_insert_with(Instant::now);
    }
    let waited = loaded.is_some_and(|at| at.elapsed() >= WARM_UP_BY);
    let tv_done = tv.is_none_or(|tv| tv.pictured || matches!(tv.status, Status::Failed { .. }));
    if talk || !hear.is_empty() || tv_done || waited {
        info!(
            "voice: warming up {:?} after launch",
            crate::time::since_launch()
        );
        let settings = v.applied.clone();
        v.start_workers(&settings);
    }
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
        fresh.report.history = std::mem::take(&mut v.report.history);
        fresh.report.restarts = v.report.restarts;
        fresh.report.show_metrics = v.report.show_metrics;
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
    if !v.started {
        // Not warmed up yet: it will start with these.
        v.applied = settings.voice.clone();
        return;
    }
    let (new, old) = (&settings.voice, v.applied.clone());
    let mut problems = Vec::new();
    let mut restarting = Vec::new();
    if (new.whisper.as_str(), new.stt_threads) != (old.whisper.as_str(), old.stt_threads) {
        v.engines.stt = stt_worker(new)
            .map_err(|e| problems.push(t!("voice-commands-off", why = e)))
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
        v.engines.llm = llm_worker(new)
            .map_err(|e| problems.push(t!("chat-off", why = e)))
            .ok();
        restarting.push("the language model".into());
    }
    v.applied = new.clone();
    // "Restarting" is replaced by "... is back" when the worker is ready.
    v.report.restarting = problems.is_empty();
    v.tell(if problems.is_empty() {
        t!("voice-restarting", what = restarting.join(" and "))
    } else {
        problems.join("\n")
    });
}

impl Voice {
    /// The voice, started at once (a restart after models were installed).
    fn launch(settings: &VoiceSettings) -> Voice {
        let mut v = Voice::waiting(settings);
        v.start_workers(settings);
        v
    }

    /// The voice before its warm-up: no worker, no model loaded.
    fn waiting(settings: &VoiceSettings) -> Voice {
        let speaker = Speaker::open();
        if let Some(why) = &speaker.silent {
            info!("{why}");
        }
        let now = Instant::now();
        Voice {
            applied: settings.clone(),
            started: false,
            engines: Engines::default(),
            mic: None,
            phase: Phase::Idle,
            next_id: 1,
            current: None,
            prefills: Vec::new(),
            held: Held::default(),
            dropped: Vec::new(),
            ready: None,
            conversation: Conversation::default(),
            out: Output {
                speaker,
                lines: VecDeque::new(),
                duck: 1.0,
                tv_db: [(0.0, 0); 2],
                levels_seen: 0,
                mirrored: 0,
            },
            report: Report {
                status: String::new(),
                restarting: false,
                status_since: now,
                last: Timings::default(),
                history: Vec::new(),
                restarts: 0,
                show_metrics: false,
            },
            feeling: Feeling::default(),
            queued: None,
            judging: None,
            repairing: None,
            asked: Vec::new(),
            answered: Vec::new(),
        }
    }

    /// Starts the workers and the voice thread, each of which loads and warms its model.
    fn start_workers(&mut self, settings: &VoiceSettings) {
        let mut problems = Vec::new();
        self.engines.stt = stt_worker(settings)
            .map_err(|e| problems.push(t!("voice-commands-off", why = e)))
            .ok();
        self.engines.llm = llm_worker(settings)
            .map_err(|e| problems.push(t!("chat-off", why = e)))
            .ok();
        // Piper runs in-process on its own thread (loading it is the warm-up), which also
        // resamples each sentence to the speaker's rate so the frame only appends it.
        (self.engines.tts, self.engines.spoken) = match (
            model_files::require(model_files::RUNTIME),
            model_files::require(model_files::VOICE),
        ) {
            (Ok(runtime), Ok(onnx)) => {
                let (job_tx, jobs) = channel::<TtsJob>();
                let (out_tx, out) = channel();
                let rate = self.out.speaker.rate;
                self.engines.tts_thread = std::thread::Builder::new()
                    .name("lumen's voice".into())
                    .spawn(move || {
                        let config = PathBuf::from(format!("{}.json", onnx.display()));
                        let mut voice =
                            match prism_voice::PiperVoice::load(&runtime, &onnx, &config) {
                                Ok(v) => v,
                                Err(e) => {
                                    let message = t!("lumen-voice-off", why = e.to_string());
                                    let _ = out_tx.send(Spoken::Failed {
                                        id: None,
                                        fatal: true,
                                        message,
                                    });
                                    return;
                                }
                            };
                        // The warm-up is the line she says while she thinks, kept: it is
                        // wanted at once (`THINK_ALOUD`), and the thread may be busy then.
                        let mut aloud: Option<(String, prism_voice::Audio)> = None;
                        let mut said = |voice: &mut prism_voice::PiperVoice,
                                        text: &str,
                                        [length, noise]: [f32; 2]|
                         -> Result<prism_voice::Audio, prism_voice::VoiceError> {
                            let thinking = text == t!("voice-thinking-aloud")
                                && [length, noise] == [1.0, 1.0];
                            match &aloud {
                                Some((t, a)) if thinking && t == text => Ok(a.clone()),
                                _ => {
                                    let a = voice.synthesize_with(text, length, noise)?;
                                    if thinking {
                                        aloud = Some((text.to_owned(), a.clone()));
                                    }
                                    Ok(a)
                                }
                            }
                        };
                        let _ = said(&mut voice, &t!("voice-thinking-aloud"), [1.0, 1.0]);
                        let _ = out_tx.send(Spoken::Ready);
                        for (id, text, delivery) in jobs {
                            let out = match said(&mut voice, &text, delivery) {
                                Ok(a) => Spoken::Line {
                                    id,
                                    samples: resample(&a.samples, a.sample_rate, rate),
                                    seconds: a.seconds() as f64,
                                    track: a.visemes,
                                },
                                Err(e) => Spoken::Failed {
                                    id: Some(id),
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
                problems.push(t!("lumen-voice-off", why = e));
                (None, None)
            }
        };
        for p in &problems {
            warn!("{p}");
        }
        self.started = true;
        self.tell(problems.join("\n"));
    }

    /// Stops the workers and closes the voice thread's queue; its handle, to join.
    fn stop(mut self) -> Option<std::thread::JoinHandle<()>> {
        self.engines.tts = None;
        self.engines.stt = None;
        self.engines.llm = None;
        self.engines.tts_thread.take()
    }
}

/// At exit the voice thread is let finish what it is doing: ONNX Runtime's static destructors
/// run when the process exits, and a thread still inside the runtime then crashes it.
fn shut_down(mut exits: MessageReader<AppExit>, v: Option<ResMut<Voice>>) {
    if exits.read().next().is_none() {
        return;
    }
    let Some(mut v) = v else { return };
    v.engines.tts = None;
    v.engines.stt = None;
    v.engines.llm = None;
    if let Some(t) = v.engines.tts_thread.take() {
        let _ = t.join();
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// A new utterance's bookkeeping (`remark`: Lumen speaking up on her own).
fn fresh(remark: bool) -> Utterance {
    Utterance {
        released: Instant::now(),
        text: String::new(),
        reader: ReplyReader::new(),
        sentences: 0,
        t: Timings::default(),
        remark,
        awaiting: None,
        held: false,
        synth: 0,
        offer_moment: false,
        thinking_line: false,
        thought_aloud: false,
        ticket: None,
    }
}
