//! The two inference workers (processes): how each is started from the settings, and what
//! they send back — readiness and restarts, transcripts (a command, or a question for the
//! language model), the model's streamed tokens — and the sentences the voice thread has
//! synthesised, queued on the speaker.

use super::dialogue::{pieces_out, settle, transcribed};
use super::*;

pub(super) fn worker(
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
pub(super) fn whisper_file(s: &VoiceSettings) -> Result<PathBuf, String> {
    let m = crate::voice::models::manifest();
    let entry = m
        .iter()
        .find(|e| e.name == s.whisper && e.file.starts_with("ggml-"))
        .ok_or_else(|| format!("{:?} is not a speech model Prism knows", s.whisper))?;
    model_files::require(&entry.file).map_err(|_| {
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
        _ => model_files::require(model_files::LLM)?,
    };
    let args = vec![
        "--model".to_string(),
        model.display().to_string(),
        "--ctx".into(),
        "4096".into(),
    ];
    worker("the language model", "prism-llm", args, Vec::new())
}

/// Events from the workers and the voice thread.
pub(super) fn workers(
    mut v: ResMut<Voice>,
    tv: Option<Res<Tv>>,
    settings: Res<Settings>,
    mut cmds: MessageWriter<Cmd>,
    mut acts: MessageWriter<Act>,
) {
    let v = &mut *v;
    let mut notices = Vec::new();
    for w in [&v.engines.stt, &v.engines.llm].into_iter().flatten() {
        while let Some(n) = w.try_notice() {
            notices.push((w.spec.label.clone(), n));
        }
    }
    let lineup = tv.as_ref().and_then(|tv| tv.lineup.as_ref());
    if let Some(r) = v.repairing.as_mut()
        && let Some(repairs) = bevy::tasks::block_on(bevy::tasks::poll_once(&mut r.task))
    {
        let r = v.repairing.take().expect("checked");
        let ms = r.since.elapsed().as_secs_f64() * 1000.0;
        debug!("{} repairs of {} found in {ms:.0} ms", repairs.len(), r.id);
        dialogue::repaired(
            v,
            r.id,
            repairs,
            r.delivery,
            tv.as_deref(),
            lineup,
            &settings,
            &mut cmds,
            &mut acts,
        );
    }
    if let Some((id, text)) = v.ready.take() {
        transcribed(
            v,
            id,
            text,
            tv.as_deref(),
            lineup,
            &settings,
            &mut cmds,
            &mut acts,
        );
    }
    for (label, n) in notices {
        match n {
            Notice::Starting { attempt } if attempt > 1 => {
                v.report.restarts += 1;
                v.tell(t!("voice-restarting", what = label.clone()));
                v.report.restarting = true;
            }
            Notice::Starting { .. } => {}
            Notice::Died { message, retry_in } => {
                v.tell(t!(
                    "worker-died",
                    message = message,
                    seconds = format!("{:.1}", retry_in.as_secs_f32())
                ));
                v.report.restarting = true;
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
                if v.report.restarting {
                    v.report.restarting = false;
                    let back = t!("worker-back", what = label.clone());
                    let mut c = back.chars();
                    let back = c
                        .next()
                        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect());
                    v.tell(back);
                }
                // The persona (and what is on) goes into the model's cache now, so the first
                // question is quick.
                if label == "the language model" {
                    let context = tv
                        .as_deref()
                        .map(|tv| dialogue::tv_context(tv, v))
                        .unwrap_or_default();
                    let messages = v.conversation.prefix(&context);
                    super::talk::prefill(v, messages);
                }
            }
            Notice::Event(Event::Prefilled(d)) => {
                v.prefills.retain(|&id| id != d.id);
                debug!(
                    "prefill {}: {} of {} tokens decoded in {:.0} ms ({})",
                    d.id, d.tokens, d.prompt_tokens, d.took_ms, d.stop
                );
            }
            Notice::Event(Event::Error {
                id: Some(id),
                message,
            }) if v.prefills.contains(&id) => {
                // Only a head start was lost: the chat decodes what the prefill did not.
                v.prefills.retain(|&p| p != id);
                warn!("prefill: {message}");
            }
            Notice::Event(Event::Transcript { id, text, .. }) => {
                // Made early, with the key still held: kept for the release.
                if let Some(e) = v.held.early.as_mut().filter(|e| e.id == id) {
                    e.text = Some(text);
                    continue;
                }
                transcribed(
                    v,
                    id,
                    text,
                    tv.as_deref(),
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Scores {
                id,
                scores,
                took_ms,
            }) => {
                debug!("{} repairs of {id} scored in {took_ms:.0} ms", scores.len());
                let answer = dialogue::Answer::Scored(Some(&scores));
                dialogue::answered(
                    v,
                    id,
                    answer,
                    tv.as_deref(),
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Guess { id, text }) => {
                dialogue::guessed(
                    v,
                    id,
                    &text,
                    tv.as_deref(),
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Reheard { id, texts, took_ms }) => {
                debug!("{id} heard again in {took_ms:.0} ms: {texts:?}");
                let answer = dialogue::Answer::Reheard(Some(&texts));
                dialogue::answered(
                    v,
                    id,
                    answer,
                    tv.as_deref(),
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Error {
                id: Some(id),
                message,
            }) if v.judging.as_ref().is_some_and(|j| j.id == id) => {
                let answer = if v.judging.as_ref().is_some_and(|j| j.rehearing()) {
                    warn!("hearing {id} again: {message}");
                    dialogue::Answer::Reheard(None)
                } else {
                    warn!("scoring the repairs of {id}: {message}");
                    dialogue::Answer::Scored(None)
                };
                dialogue::answered(
                    v,
                    id,
                    answer,
                    tv.as_deref(),
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Error { id: Some(id), .. }) if v.dropped.contains(&id) => {
                v.dropped.retain(|&d| d != id);
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
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
            }
            Notice::Event(Event::Done(d)) => {
                let pieces = match v.current.as_mut().filter(|(c, _)| *c == d.id) {
                    Some((_, u)) => {
                        u.t.llm_prompt_after_release = Some(d.prompt_tokens - d.cached_tokens);
                        u.reader.finish()
                    }
                    None => continue,
                };
                pieces_out(
                    v,
                    d.id,
                    pieces,
                    tv.as_deref(),
                    lineup,
                    &settings,
                    &mut cmds,
                    &mut acts,
                );
                if let Some((_, u)) = &v.current {
                    let said = u.reader.said.clone();
                    let text = u.text.clone();
                    if !u.remark {
                        v.conversation.remember(&text, &said);
                    }
                }
                // A catch-up's summary said: the moment it found is offered.
                if let Some((cid, u)) = v.current.as_mut()
                    && *cid == d.id
                    && std::mem::take(&mut u.offer_moment)
                {
                    let delivery = v.delivery(false);
                    if let Some((cid, u)) = v.current.as_mut() {
                        super::dialogue::synthesise(
                            v.engines.tts.as_ref(),
                            *cid,
                            u,
                            t!("missed-show-me"),
                            delivery,
                        );
                    }
                }
                v.phase = Phase::Idle;
                settle(v);
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
    super::speech::spoken(v);
}
