//! Push-to-talk: the microphone opened on Talk and read on TalkEnd, the recording trimmed to
//! speech and sent to be transcribed; talking over Lumen interrupts her. While the user speaks,
//! the language model decodes the prompt a question would begin with (a prefill), and stops
//! when they let go, so speech recognition has the cores.

use super::*;

/// Stops Lumen talking and thinking (push-to-talk while she speaks).
pub(super) fn barge_in(v: &mut Voice) {
    v.out.speaker.hush();
    v.out.lines.clear();
    if let (Some((id, _)), Some(llm)) = (&v.current, &v.engines.llm) {
        let _ = llm.send(&Request::Cancel { id: *id });
    }
    v.current = None;
}

/// Push-to-talk from the input map (V, the gamepad's North button): listening from the press
/// to the release; F3 shows the timings.
pub(super) fn push_to_talk(
    mut v: ResMut<Voice>,
    mut input: MessageReader<Action>,
    mut hear: MessageWriter<Hear>,
    mut listen: MessageWriter<Listen>,
    mut acts: MessageWriter<Act>,
    tv: Option<Res<Tv>>,
) {
    let mut pressed = false;
    let mut released = false;
    for a in input.read() {
        match a {
            Action::Timings => v.report.show_metrics = !v.report.show_metrics,
            Action::Talk => pressed = true,
            Action::TalkEnd => released = true,
            _ => {}
        }
    }
    if pressed {
        barge_in(&mut v);
        if v.engines.stt.is_none() {
            let s = v.report.status.clone();
            v.tell(if s.is_empty() { t!("voice-off") } else { s });
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
        listen.write(Listen);
        acts.write(Act::Look(Some(crate::lumen::Focus::Viewer)));
    }
    // What has been said so far, for an early transcript (a tenth of a second at a time).
    if let (Phase::Listening(_), Some(Ok(mic))) = (&v.phase, &v.mic)
        && !released
        && v.held.checked.is_none_or(|t| t.elapsed() >= EARLY_EVERY)
    {
        // The moment after the sound: a block that comes in between makes the sound seem
        // later than it was, which the canceller's search allows for (earlier would not be).
        let (pre, now) = (mic.pre_roll(), mic.snapshot());
        let pcm = without_tv(mic, mic.latest(), &pre, &now, tv.as_deref());
        v.held.pcm = pcm;
    }
    // Released: the recording goes to `heard` (which ends the listening).
    if let Phase::Listening(_) = v.phase
        && released
    {
        match &v.mic {
            Some(Ok(mic)) => {
                let pre = mic.pre_roll();
                let raw = mic.finish();
                hear.write(Hear(without_tv(
                    mic,
                    mic.latest(),
                    &pre,
                    &raw,
                    tv.as_deref(),
                )));
            }
            _ => v.phase = Phase::Idle,
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

/// What the microphone recorded, at 16 kHz, with the TV's own sound taken out: the player's
/// sound is the reference, the second before the press shows the room
/// (`prism_voice::echo`). Ducking lowers the TV from the press; this takes out what is left.
fn without_tv(
    mic: &Microphone,
    end: Option<Instant>,
    pre_roll: &[f32],
    recording: &[f32],
    tv: Option<&Tv>,
) -> Vec<f32> {
    match (tv, end) {
        (Some(tv), Some(end)) => {
            prism_voice::echo::without_tv(pre_roll, recording, mic.rate, end, |from, to| {
                tv.player.heard_between(from, to)
            })
        }
        _ => resample(recording, mic.rate, 16_000),
    }
}

/// The user began speaking: the language model decodes the persona, the conversation and what
/// is on (all a question's prompt holds but the question) while they speak, so an answer
/// starts from the question's few tokens instead of hundreds (0.5–1 s on two cores).
pub(super) fn listen(mut v: ResMut<Voice>, mut listen: MessageReader<Listen>, tv: Option<Res<Tv>>) {
    if listen.read().count() == 0 {
        return;
    }
    v.phase = Phase::Listening(Instant::now());
    v.held = Held::default();
    let (Some(tv), Some(_)) = (tv, &v.engines.llm) else {
        return;
    };
    let messages = v.conversation.prefix(&super::dialogue::tv_context(&tv, &v));
    prefill(&mut v, messages);
}

/// Sends a prefill of `messages` to the language model (if it is ready; it is only a head start).
pub(super) fn prefill(v: &mut Voice, messages: Vec<prism_core::worker::Message>) {
    let id = v.next_id;
    let Some(llm) = &v.engines.llm else { return };
    if llm.send(&Request::Prefill { id, messages }).is_ok() {
        v.next_id += 1;
        v.prefills.push(id);
    }
}

/// How often the recording is looked at for an early transcript while the key is held.
const EARLY_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// While the key is held: once what was said looks finished (a quarter of a second of quiet
/// after it), it is transcribed at once, so a release a moment later finds the transcript made
/// or under way. More words after it cancel it (whisper stops within a few milliseconds) and
/// it is made again at the next pause.
pub(super) fn early(
    mut v: ResMut<Voice>,
    mut hearing: MessageReader<Hearing>,
    tv: Option<Res<Tv>>,
) {
    for Hearing(more) in hearing.read() {
        v.held.pcm.extend_from_slice(more);
    }
    if !matches!(v.phase, Phase::Listening(_))
        || v.held.checked.is_some_and(|t| t.elapsed() < EARLY_EVERY)
    {
        return;
    }
    v.held.checked = Some(Instant::now());
    let Some(span) = prism_core::speech::settled(&v.held.pcm, 16_000) else {
        return;
    };
    if let Some(e) = &v.held.early {
        if prism_core::speech::same_speech(&e.span, &span, 16_000) {
            return;
        }
        let id = e.id;
        cancel_recognition(&mut v, id);
    }
    let id = v.next_id;
    let request = Request::Transcribe {
        id,
        pcm16: encode_pcm16(&v.held.pcm[span.clone()]),
        prompt: stt_prompt(tv.as_deref()),
    };
    if v.engines
        .stt
        .as_ref()
        .is_some_and(|w| w.send(&request).is_ok())
    {
        v.next_id += 1;
        v.held.early = Some(Early {
            id,
            span,
            text: None,
        });
    }
}

/// Stops the recogniser's work on `id` (an early transcript that no longer fits what was
/// said, or hearing again once a guess was a command); its answer is dropped.
pub(super) fn cancel_recognition(v: &mut Voice, id: u64) {
    if let Some(stt) = &v.engines.stt {
        let _ = stt.send(&Request::Cancel { id });
    }
    v.dropped.push(id);
    if v.dropped.len() > 16 {
        v.dropped.remove(0);
    }
}

/// Speech in hand: trimmed to what was said and sent to be transcribed, unless the early
/// transcript made while the key was held is of the same speech.
pub(super) fn heard(mut v: ResMut<Voice>, mut hear: MessageReader<Hear>, tv: Option<Res<Tv>>) {
    for Hear(pcm) in hear.read() {
        let released = Instant::now();
        if matches!(v.phase, Phase::Listening(_)) {
            v.phase = Phase::Idle;
        }
        let early = std::mem::take(&mut v.held).early;
        // The user has stopped speaking: speech recognition needs the cores more than the
        // prefill does (it stops within a chunk and keeps what it decoded). Earlier ones were
        // cancelled at their own release.
        if let (Some(llm), Some(&id)) = (&v.engines.llm, v.prefills.last()) {
            let _ = llm.send(&Request::Cancel { id });
        }
        let Some(span) = speech_span(pcm, 16_000) else {
            if let Some(e) = early {
                cancel_recognition(&mut v, e.id);
            }
            v.tell(t!("voice-heard-nothing"));
            continue;
        };
        if let Some(e) = early {
            if prism_core::speech::same_speech(&e.span, &span, 16_000) {
                let mut u = Utterance {
                    released,
                    ..fresh(false)
                };
                u.t.early = true;
                v.phase = Phase::Transcribing(e.id);
                v.current = Some((e.id, u));
                // Made already: `workers` takes it this frame as if it had just come.
                v.ready = e.text.map(|text| (e.id, text));
                continue;
            }
            cancel_recognition(&mut v, e.id);
        }
        let prompt = stt_prompt(tv.as_deref());
        let id = v.next_id;
        v.next_id += 1;
        let request = Request::Transcribe {
            id,
            pcm16: encode_pcm16(&pcm[span]),
            prompt,
        };
        let sent = v.engines.stt.as_ref().map(|w| w.send(&request));
        match sent {
            Some(Ok(())) => {
                v.phase = Phase::Transcribing(id);
                v.current = Some((
                    id,
                    Utterance {
                        released,
                        ..fresh(false)
                    },
                ));
            }
            Some(Err(e)) => v.tell(t!("voice-try-again", error = e.to_string())),
            None => v.tell(t!("voice-off")),
        }
    }
}

/// Words worth expecting (the channels' names): whisper's initial prompt.
fn stt_prompt(tv: Option<&Tv>) -> String {
    tv.and_then(|tv| tv.lineup.as_ref())
        .map(|l| prism_voice::stt_prompt(&l.playlist))
        .unwrap_or_default()
}

/// Typed words, taken as speech already transcribed: what she was saying is cut short (as
/// push-to-talk does), and `workers` takes the words this frame as if they had just come.
pub(super) fn typed(
    mut v: ResMut<Voice>,
    mut typed: MessageReader<Typed>,
    mut answered: MessageWriter<Answered>,
) {
    for Typed { text, ticket } in typed.read() {
        if !v.started {
            let settings = v.applied.clone();
            v.start_workers(&settings);
        }
        if matches!(v.phase, Phase::Listening(_)) {
            // The viewer is speaking to her: their words come first.
            answered.write(Answered {
                ticket: *ticket,
                result: Err("Lumen is listening to the viewer".into()),
            });
            continue;
        }
        barge_in(&mut v);
        let id = v.next_id;
        v.next_id += 1;
        let mut u = fresh(false);
        u.ticket = Some(*ticket);
        v.phase = Phase::Transcribing(id);
        v.current = Some((id, u));
        v.ready = Some((id, text.clone()));
        v.asked.push((id, *ticket));
    }
}

/// Typed words answered, or dropped (not understood, the model off, cut short): each ticket
/// hears which, once.
pub(super) fn answer_typed(mut v: ResMut<Voice>, mut answered: MessageWriter<Answered>) {
    if v.asked.is_empty() {
        return;
    }
    let done = std::mem::take(&mut v.answered);
    let asked = std::mem::take(&mut v.asked);
    for (id, ticket) in asked {
        if let Some((_, t)) = done.iter().find(|(t, _)| *t == ticket) {
            answered.write(Answered {
                ticket,
                result: Ok(t.clone()),
            });
        } else if v.current.as_ref().is_some_and(|(c, _)| *c == id) {
            v.asked.push((id, ticket));
        } else {
            // Dropped without an answer: what she told the viewer is why.
            let why = v.report.status.clone();
            answered.write(Answered {
                ticket,
                result: Err(if why.is_empty() {
                    "Lumen did not answer".into()
                } else {
                    why
                }),
            });
        }
    }
}
