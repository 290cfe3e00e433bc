//! `prism bench voice`: the voice's latencies, measured by the app's own timing path. The
//! voice plugin runs in a headless Bevy app with the TV on the demo lineup (a player that
//! plays nothing), its real workers, grammar and Piper voice; speech from espeak-ng (a command,
//! a short command and a question) goes through push-to-talk's timeline: the press, the key
//! held for as long as the speech lasts, the recording handed in at the release. Each
//! utterance's figures are the [`Timings`] the F3 panel shows, from the release. Prints JSON
//! (p50/p90 per stage, in ms) and writes it to `--json FILE` if asked.

use std::path::Path;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::{MediaCommand, demo};
use prism_voice::audio::{read_wav, resample};
use prism_voice::models;
use serde_json::json;

use crate::settings::Settings;
use crate::tv::player::{Op, Recorder};
use crate::tv::{Cmd, Lineup, Tv};
use crate::voice::{Hear, Hearing, Listen, Timings, Voice};

const COMMAND: &str = "Lumen, could you switch over to channel three please";
/// Shorter than the prefill that its press starts (the release cancels it).
const SHORT_COMMAND: &str = "Next channel";
const QUESTION: &str = "What is this show about?";
/// A command whisper mishears ("Candlegown."): its repairs are scored against the speech
/// (`command::hearing`) before it is carried out.
const MISHEARD_COMMAND: &str = "channel down";
/// A request to act the grammar does not know: the language model makes it a call, with the
/// intent prompt (`assistant::intent_request`).
const REQUEST: &str = "the dog is barking, I can't hear the telly, crank it";
/// The app's frame cadence (60 Hz): the voice's systems run once a frame, as they do on screen.
const FRAME: Duration = Duration::from_micros(16_667);

/// `prism bench voice [--runs N] [--json FILE]`.
pub fn command(runs: usize, json_out: Option<String>) -> Result<(), String> {
    let report = voice(runs)?;
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    println!("{text}");
    if let Some(f) = json_out {
        std::fs::write(&f, text + "\n").map_err(|e| format!("{f}: {e}"))?;
    }
    Ok(())
}

/// espeak-ng's speech at 16 kHz, as the app's recorder delivers it.
fn espeak(text: &str, dir: &Path) -> Result<Vec<f32>, String> {
    let wav = dir.join("bench.wav");
    let ok = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .map_err(|e| format!("espeak-ng ({e}): apt install espeak-ng"))?;
    if !ok.success() {
        return Err("espeak-ng failed".into());
    }
    let (s, rate) = read_wav(&wav).map_err(|e| e.to_string())?;
    Ok(resample(&s, rate, 16_000))
}

fn stats(mut v: Vec<f64>) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::Value::Null;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    json!({ "p50": round(at(0.5)), "p90": round(at(0.9)), "min": round(v[0]), "runs": v.len() })
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The app without a window: the shared layer, the input map, the TV (on `player`) with the
/// demo lineup, and the voice.
fn headless(settings: Settings, player: Recorder) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
        .add_message::<bevy::input::keyboard::KeyboardInput>()
        .add_message::<bevy::input::mouse::MouseWheel>()
        .add_message::<bevy::window::CursorMoved>()
        .add_message::<crate::lumen::Act>()
        .init_resource::<ButtonInput<MouseButton>>()
        .insert_resource(Tv::new(Box::new(player), &settings))
        .insert_resource(settings)
        .add_plugins((
            crate::app::plugin,
            crate::input::plugin,
            crate::tv::plugin,
            crate::voice::plugin,
        ));
    app
}

/// Frames at the app's cadence until `done` says so, or `within` has passed: the longest
/// frame's time (work on the main thread that a viewer would see as a frozen picture).
fn frames_until(
    app: &mut App,
    within: Duration,
    what: &str,
    mut done: impl FnMut(&mut World) -> bool,
) -> Result<Duration, String> {
    let until = Instant::now() + within;
    let mut next = Instant::now();
    let mut longest = Duration::ZERO;
    while Instant::now() < until {
        let frame = Instant::now();
        app.update();
        longest = longest.max(frame.elapsed());
        if done(app.world_mut()) {
            return Ok(longest);
        }
        next += FRAME;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    Err(format!("{what} within {within:?}"))
}

/// One utterance through the app: pressed, held while it is spoken (in real time), released
/// with the recording; timed until Lumen has finished answering (her last sentence spoken), as
/// F3 shows it; with the longest frame from the release on, milliseconds.
fn utterance(app: &mut App, pcm: &[f32]) -> Result<(Timings, f64), String> {
    let before = app.world().resource::<Voice>().report.history.len();
    app.world_mut().write_message(Listen);
    // The microphone's samples arrive as they are spoken.
    let pressed = Instant::now();
    let mut sent = 0;
    frames_until(app, Duration::from_secs(60), "", |w| {
        let due = ((pressed.elapsed().as_secs_f64() * 16_000.0) as usize).min(pcm.len());
        w.write_message(Hearing(pcm[sent..due].to_vec()));
        sent = due;
        sent == pcm.len()
    })?;
    app.world_mut().write_message(Hear(pcm.to_vec()));
    let longest = frames_until(app, Duration::from_secs(90), "no answer", |w| {
        let v = w.resource::<Voice>();
        v.report.history.len() > before && !v.busy()
    })?;
    let t = app.world().resource::<Voice>().report.last.clone();
    Ok((t, longest.as_secs_f64() * 1000.0))
}

/// `runs` of a command that tunes channel `to` from channel `from` each time (so it really
/// changes the channel): its timings.
fn commands(
    app: &mut App,
    player: &Recorder,
    said: &str,
    pcm: &[f32],
    [from, to]: [u32; 2],
    runs: usize,
) -> Result<serde_json::Value, String> {
    let url = {
        let tv = app.world().resource::<Tv>();
        let lineup = tv.lineup.as_ref().ok_or("no lineup")?;
        lineup
            .channels()
            .iter()
            .find(|c| c.number == Some(prism_core::ChannelNumber::new(to)))
            .and_then(|c| c.primary_url())
            .ok_or(format!("no channel {to}"))?
            .to_owned()
    };
    let (mut transcript, mut parsed, mut applied, mut sound, mut total) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut frames = vec![];
    let mut heard = String::new();
    let mut early = 0;
    for _ in 0..runs {
        app.world_mut()
            .write_message(Cmd(MediaCommand::GoToChannelNumber {
                number: prism_core::ChannelNumber::new(from),
            }));
        app.update();
        player.clear();
        let (t, frame) = utterance(app, pcm)?;
        frames.push(frame);
        if !player.ops().contains(&Op::Play(url.clone())) {
            return Err(format!(
                "{:?} did not tune channel {to} (the player was asked {:?})",
                t.heard,
                player.ops()
            ));
        }
        heard = t.heard.clone();
        early += usize::from(t.early);
        transcript.extend(t.transcript);
        parsed.extend(t.command);
        applied.extend(t.applied);
        sound.extend(t.first_sound);
        total.extend(t.total);
    }
    Ok(json!({
        "utterance": said,
        "speech_seconds": round(pcm.len() as f64 / 16_000.0),
        "heard": heard,
        "transcribed_before_release": early,
        "release_to_transcript_ms": stats(transcript),
        "release_to_command_parsed_ms": stats(parsed),
        "release_to_command_applied_ms": stats(applied),
        "release_to_acknowledgement_sound_ms": stats(sound),
        "release_to_done_ms": stats(total),
        "longest_frame_ms": stats(frames),
    }))
}

/// `runs` of a request to act that only the language model understands (the volume set to
/// half before each, so "louder" always has room): its timings.
fn requests(app: &mut App, pcm: &[f32], runs: usize) -> Result<serde_json::Value, String> {
    let (mut transcript, mut token, mut applied, mut aloud, mut frames) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut heard = String::new();
    let mut early = 0;
    for _ in 0..runs {
        app.world_mut()
            .write_message(Cmd(MediaCommand::SetVolume { percent: 50 }));
        app.update();
        let (t, frame) = utterance(app, pcm)?;
        if t.llm_first_token.is_none() || t.applied.is_none() {
            return Err(format!(
                "{:?} was not carried out by the model: {t:?}",
                t.heard
            ));
        }
        heard = t.heard.clone();
        early += usize::from(t.early);
        frames.push(frame);
        transcript.extend(t.transcript);
        token.extend(t.llm_first_token);
        applied.extend(t.applied);
        aloud.extend(t.thinking_aloud);
    }
    Ok(json!({
        "utterance": REQUEST,
        "heard": heard,
        "transcribed_before_release": early,
        "release_to_transcript_ms": stats(transcript),
        "release_to_llm_first_token_ms": stats(token),
        "release_to_command_applied_ms": stats(applied),
        "release_to_thinking_aloud_ms": stats(aloud),
        "longest_frame_ms": stats(frames),
    }))
}

fn voice(runs: usize) -> Result<serde_json::Value, String> {
    let dir = std::env::temp_dir().join(format!("prism-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let command_pcm = espeak(COMMAND, &dir)?;
    let short_pcm = espeak(SHORT_COMMAND, &dir)?;
    let question_pcm = espeak(QUESTION, &dir)?;
    let misheard_pcm = espeak(MISHEARD_COMMAND, &dir)?;
    let request_pcm = espeak(REQUEST, &dir)?;
    std::fs::remove_dir_all(&dir).ok();

    let now = crate::time::unix_now();
    let playlist = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut guide = GuideBuilder::new(&playlist, GuideOptions::at(now));
    guide
        .add_source(demo::guide_xmltv(now).as_bytes())
        .map_err(|e| e.to_string())?;
    let guide = guide.finish();
    let lineup = Lineup::new(playlist, guide, "bench".into(), None);
    // The user's choices (speech model, threads, chat backend) are what is measured.
    let settings = Settings::load();
    let player = Recorder::default();
    let mut app = headless(settings.clone(), player.clone());
    let t = Instant::now();
    app.update();
    {
        let world = app.world_mut();
        let tune = world
            .resource_mut::<Tv>()
            .set_lineup(lineup, false, &settings);
        let first = tune.unwrap_or(0);
        let cmd = Cmd::watch(world.resource::<Tv>(), first);
        world.write_message(cmd);
    }
    // The voice warms up once the TV has a picture (none comes from this player); here it is
    // started at once, as after installing models, and its readiness timed from there.
    app.world_mut().write_message(crate::voice::RestartVoice);
    frames_until(
        &mut app,
        Duration::from_secs(120),
        "the voice was not ready",
        |w| w.resource::<Voice>().ready(),
    )?;
    let warm_up = t.elapsed().as_secs_f64() * 1000.0;

    let command = commands(&mut app, &player, COMMAND, &command_pcm, [1, 3], runs)?;
    let short_command = commands(&mut app, &player, SHORT_COMMAND, &short_pcm, [1, 2], runs)?;
    let misheard = commands(
        &mut app,
        &player,
        MISHEARD_COMMAND,
        &misheard_pcm,
        [3, 2],
        runs,
    )?;
    let request = requests(&mut app, &request_pcm, runs)?;
    // The worst case: let go 150 ms after the last word (espeak-ng's own 0.4 s of quiet cut),
    // too soon for a transcript to be made before the release.
    let end = prism_core::speech::speech_span(&command_pcm, 16_000).map_or(0, |s| s.end);
    let command_at_once = commands(
        &mut app,
        &player,
        COMMAND,
        &command_pcm[..end],
        [1, 3],
        runs,
    )?;

    let (mut q_transcript, mut q_token, mut q_audio, mut q_sound, mut q_total) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut q_prompt, mut q_aloud, mut q_frames) = (vec![], vec![], vec![]);
    let mut q_early = 0;
    let mut answered = String::new();
    for _ in 0..runs {
        let (t, frame) = utterance(&mut app, &question_pcm)?;
        q_frames.push(frame);
        if t.command.is_some() {
            return Err(format!("{:?} was taken for a command", t.heard));
        }
        if t.llm_first_token.is_none() || t.first_sound.is_none() {
            return Err(format!("{:?} got no spoken answer: {t:?}", t.heard));
        }
        answered = t.heard.clone();
        q_early += usize::from(t.early);
        q_transcript.extend(t.transcript);
        q_token.extend(t.llm_first_token);
        q_prompt.extend(t.llm_prompt_after_release.map(f64::from));
        q_audio.extend(t.tts_first_audio);
        q_sound.extend(t.first_sound);
        q_aloud.extend(t.thinking_aloud);
        q_total.extend(t.total);
    }
    app.world_mut().write_message(AppExit::Success);
    app.update();
    drop(app);

    let mut piper = prism_voice::PiperVoice::load(
        &models::require(models::RUNTIME)?,
        &models::require(models::VOICE)?,
        &models::dir().join(models::VOICE_CONFIG),
    )
    .map_err(|e| e.to_string())?;
    // Real-time factor with and without the phonemiser: espeak-ng runs as a program (it is
    // GPL), so each sentence pays for a process start that an in-process phonemiser does not.
    let (mut rtf, mut rtf_model) = (vec![], vec![]);
    for s in [
        "Good evening, and welcome to the late news.",
        "Tonight's match kicks off at eight, with both teams at full strength.",
        "I'm not sure, but the guide says it's a documentary about whales.",
    ] {
        let t = Instant::now();
        piper.phonemes(s).map_err(|e| e.to_string())?;
        let phonemes = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let a = piper.synthesize(s).map_err(|e| e.to_string())?;
        let all = t.elapsed().as_secs_f64();
        rtf.push(all / f64::from(a.seconds()));
        rtf_model.push((all - phonemes) / f64::from(a.seconds()));
    }
    rtf.sort_by(f64::total_cmp);
    rtf_model.sort_by(f64::total_cmp);
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    Ok(json!({
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "cpus": cpus,
        "models": {
            "stt": settings.voice.whisper,
            "stt_threads": settings.voice.stt_threads,
            "llm": if settings.voice.use_server { format!("{} at {}", settings.voice.server_model, settings.voice.endpoint) } else { settings.voice.llm_model.clone().unwrap_or(models::LLM.into()) },
            "voice": models::VOICE,
        },
        "voice_ready_ms": round(warm_up),
        "command": command,
        "short_command": short_command,
        "command_released_at_the_last_word": command_at_once,
        "misheard_command": misheard,
        "request_for_the_model": request,
        "chat": {
            "utterance": QUESTION,
            "heard": answered,
            "transcribed_before_release": q_early,
            "release_to_transcript_ms": stats(q_transcript),
            "llm_prompt_tokens_after_release": stats(q_prompt),
            "release_to_llm_first_token_ms": stats(q_token),
            "release_to_tts_first_audio_ms": stats(q_audio),
            "release_to_first_sound_ms": stats(q_sound),
            // Her "Hmm." when the model had said nothing by THINK_ALOUD (`runs`: how many had it).
            "release_to_thinking_aloud_ms": stats(q_aloud),
            "release_to_done_ms": stats(q_total),
            "longest_frame_ms": stats(q_frames),
        },
        "piper_real_time_factor": round(rtf[rtf.len() / 2] * 1000.0) / 1000.0,
        "piper_real_time_factor_without_espeak": round(rtf_model[rtf_model.len() / 2] * 1000.0) / 1000.0,
    }))
}
