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
    if let Phase::Listening(_) = v.phase
        && released
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

/// The user began speaking: the language model decodes the persona, the conversation and what
/// is on (all a question's prompt holds but the question) while they speak, so an answer
/// starts from the question's few tokens instead of hundreds (0.5–1 s on two cores).
pub(super) fn listen(mut v: ResMut<Voice>, mut listen: MessageReader<Listen>, tv: Option<Res<Tv>>) {
    if listen.read().count() == 0 {
        return;
    }
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

/// Speech in hand: trimmed to what was said and sent to be transcribed.
pub(super) fn heard(mut v: ResMut<Voice>, mut hear: MessageReader<Hear>, tv: Option<Res<Tv>>) {
    for Hear(pcm) in hear.read() {
        let released = Instant::now();
        // The user has stopped speaking: speech recognition needs the cores more than the
        // prefill does (it stops within a chunk and keeps what it decoded). Earlier ones were
        // cancelled at their own release.
        if let (Some(llm), Some(&id)) = (&v.engines.llm, v.prefills.last()) {
            let _ = llm.send(&Request::Cancel { id });
        }
        let Some(span) = speech_span(pcm, 16_000) else {
            v.tell(t!("voice-heard-nothing"));
            continue;
        };
        let prompt = tv
            .as_ref()
            .and_then(|tv| tv.lineup.as_ref())
            .map(|l| prism_voice::stt_prompt(&l.playlist))
            .unwrap_or_default();
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
