//! `prism bench voice`: the voice pipeline's latencies without a window, with the same workers,
//! grammar, prompt and voice the app uses. Speech comes from espeak-ng (a 3 s command and a
//! question), handed in as a microphone recording would be at the release of push-to-talk.
//! Prints JSON (p50/p90 per stage, in ms) and writes it to `--json FILE` if asked.

use std::path::Path;
use std::time::{Duration, Instant};

use prism_core::assistant::{self, Conversation, Piece, ReplyReader};
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::speech::speech_span;
use prism_core::worker::{Event, Request, encode_pcm16};
use prism_core::{Grammar, demo};
use prism_voice::audio::{read_wav, resample};
use prism_voice::models;
use prism_voice::worker::{Notice, Worker};
use serde_json::json;

const COMMAND: &str = "Lumen, could you switch over to channel three please";
const QUESTION: &str = "What is this show about?";

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

fn ready(w: &Worker) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        match w.wait_notice(Duration::from_millis(200)) {
            Some(Notice::Event(Event::Ready { .. })) => return Ok(()),
            Some(Notice::Died { message, .. }) => return Err(message),
            _ => {}
        }
    }
    Err(format!("{} was not ready in 120 s", w.spec.label))
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

/// What the app does between the release of push-to-talk and the transcript: trim to speech,
/// encode, send, wait.
fn transcribe(stt: &Worker, id: u64, pcm: &[f32], prompt: &str) -> Result<String, String> {
    let span = speech_span(pcm, 16_000).ok_or("no speech found")?;
    stt.send(&Request::Transcribe {
        id,
        pcm16: encode_pcm16(&pcm[span]),
        prompt: prompt.into(),
    })
    .map_err(|e| e.to_string())?;
    loop {
        match stt.wait_notice(Duration::from_secs(30)) {
            Some(Notice::Event(Event::Transcript { id: i, text, .. })) if i == id => {
                return Ok(text);
            }
            Some(Notice::Event(Event::Error { message, .. })) => return Err(message),
            Some(Notice::Died { message, .. }) => return Err(message),
            None => return Err("no transcript in 30 s".into()),
            _ => {}
        }
    }
}

fn voice(runs: usize) -> Result<serde_json::Value, String> {
    let dir = std::env::temp_dir().join(format!("prism-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let command_pcm = espeak(COMMAND, &dir)?;
    let question_pcm = espeak(QUESTION, &dir)?;
    std::fs::remove_dir_all(&dir).ok();

    let now = crate::time::unix_now();
    let playlist = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut guide = GuideBuilder::new(&playlist, GuideOptions::at(now));
    guide
        .add_source(demo::guide_xmltv(now).as_bytes())
        .map_err(|e| e.to_string())?;
    let guide = guide.finish();
    let grammar = Grammar::for_playlist(&playlist);
    let prompt = prism_voice::stt_prompt(&playlist);
    let context = crate::voice::context_for(&playlist.channels[1], 1, Some(&guide), now);

    let t = Instant::now();
    // The user's choices (speech model, threads, chat backend) are what is measured.
    let settings = crate::settings::Settings::load().voice;
    let stt = crate::voice::stt_worker(&settings)?;
    let llm = crate::voice::llm_worker(&settings)?;
    ready(&stt)?;
    ready(&llm)?;
    let workers_ready = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let mut piper = prism_voice::PiperVoice::load(
        &models::require(models::RUNTIME)?,
        &models::require(models::VOICE)?,
        &models::dir().join(models::VOICE_CONFIG),
    )
    .map_err(|e| e.to_string())?;
    piper.synthesize("Hello.").map_err(|e| e.to_string())?;
    let voice_ready = t.elapsed().as_secs_f64() * 1000.0;
    // The persona into the KV cache, as the app does at launch.
    let warm = Conversation::default().messages(&Default::default(), "Hi");
    llm.send(&Request::Chat {
        id: 0,
        messages: warm,
        max_tokens: 1,
        temperature: 0.0,
        grammar: None,
    })
    .map_err(|e| e.to_string())?;
    wait_done(&llm, 0)?;

    let mut id = 1;
    let (mut c_transcript, mut c_applied, mut c_ack) = (vec![], vec![], vec![]);
    let mut heard_command = String::new();
    for _ in 0..runs {
        id += 1;
        let released = Instant::now();
        let text = transcribe(&stt, id, &command_pcm, &prompt)?;
        c_transcript.push(ms(released));
        let (cmd, _) = grammar
            .parse_heard(&text)
            .ok_or_else(|| format!("{text:?} was not understood as a command"))?;
        c_applied.push(ms(released));
        heard_command = format!(
            "{text} → {}",
            serde_json::to_string(&cmd).unwrap_or_default()
        );
        piper
            .synthesize("Channel 3, Prism Music.")
            .map_err(|e| e.to_string())?;
        c_ack.push(ms(released));
    }

    let (mut q_transcript, mut q_token, mut q_sentence, mut q_audio) =
        (vec![], vec![], vec![], vec![]);
    let mut answer = String::new();
    for _ in 0..runs {
        id += 1;
        let released = Instant::now();
        let text = transcribe(&stt, id, &question_pcm, &prompt)?;
        q_transcript.push(ms(released));
        if grammar.parse_heard(&text).is_some() {
            return Err(format!("{text:?} was taken for a command"));
        }
        llm.send(&Request::Chat {
            id,
            messages: Conversation::default().messages(&context, &text),
            max_tokens: 80,
            temperature: 0.3,
            grammar: assistant::tool_grammar(&text),
        })
        .map_err(|e| e.to_string())?;
        let mut reader = ReplyReader::new();
        let mut first_token = None;
        let sentence = loop {
            let n = llm
                .wait_notice(Duration::from_secs(30))
                .ok_or("no reply in 30 s")?;
            let pieces = match n {
                Notice::Event(Event::Token { id: i, text }) if i == id => {
                    first_token.get_or_insert(ms(released));
                    reader.push(&text)
                }
                Notice::Event(Event::Done(d)) if d.id == id => {
                    let mut p = reader.finish();
                    p.push(Piece::Say {
                        text: String::new(),
                        feelings: vec![],
                    });
                    p
                }
                Notice::Died { message, .. } => return Err(message),
                _ => continue,
            };
            if let Some(s) = pieces.into_iter().find_map(|p| match p {
                Piece::Say { text, .. } => Some(text),
                _ => None,
            }) {
                break s;
            }
        };
        q_token.push(first_token.unwrap_or(f64::NAN));
        q_sentence.push(ms(released));
        if !sentence.is_empty() {
            piper.synthesize(&sentence).map_err(|e| e.to_string())?;
        }
        q_audio.push(ms(released));
        answer = sentence;
        // The app stops after two sentences; here the first is all that is timed.
        llm.send(&Request::Cancel { id }).ok();
        wait_done(&llm, id)?;
    }

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
            "stt": settings.whisper,
            "stt_threads": settings.stt_threads,
            "llm": if settings.use_server { format!("{} at {}", settings.server_model, settings.endpoint) } else { settings.llm_model.clone().unwrap_or(models::LLM.into()) },
            "voice": models::VOICE,
        },
        "startup_ms": { "workers_ready": round(workers_ready), "voice_ready": round(voice_ready) },
        "command": {
            "utterance": COMMAND,
            "speech_seconds": round(command_pcm.len() as f64 / 16_000.0),
            "heard": heard_command,
            "release_to_transcript_ms": stats(c_transcript),
            "release_to_command_applied_ms": stats(c_applied),
            "release_to_acknowledgement_audio_ms": stats(c_ack),
        },
        "chat": {
            "utterance": QUESTION,
            "answer_first_sentence": answer,
            "release_to_transcript_ms": stats(q_transcript),
            "release_to_llm_first_token_ms": stats(q_token),
            "release_to_first_sentence_ms": stats(q_sentence),
            "release_to_first_audio_ms": stats(q_audio),
        },
        "piper_real_time_factor": round(rtf[rtf.len() / 2] * 1000.0) / 1000.0,
        "piper_real_time_factor_without_espeak": round(rtf_model[rtf_model.len() / 2] * 1000.0) / 1000.0,
    }))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn wait_done(llm: &Worker, id: u64) -> Result<(), String> {
    loop {
        match llm.wait_notice(Duration::from_secs(30)) {
            Some(Notice::Event(Event::Done(d))) if d.id == id => return Ok(()),
            Some(Notice::Event(Event::Error { id: Some(i), .. })) if i == id => return Ok(()),
            Some(Notice::Died { message, .. }) => return Err(message),
            None => return Err("the language model did not finish in 30 s".into()),
            _ => {}
        }
    }
}
