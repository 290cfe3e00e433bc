//! Lumen's voice coming out: a remark she starts herself, each queued sentence's visemes sent to
//! her face on the speaker's clock, and the TV ducked under her while she speaks.

use super::dialogue::{settle, synthesise, tv_context};
use super::*;

/// Companion mode's lines and remarks, when Lumen is free to speak.
pub(super) fn speak_up(mut v: ResMut<Voice>, mut say: MessageReader<Say>, tv: Option<Res<Tv>>) {
    for s in say.read() {
        v.queued = Some((s.clone(), Instant::now()));
    }
    if v.busy() {
        return;
    }
    // A greeting or "I'll keep quiet" asked for while she answered the user comes after her
    // answer; a remark about what was on ten seconds ago is no longer worth making.
    let due = v.queued.take().filter(|(_, at)| at.elapsed() < QUEUED_FOR);
    if let Some((s, _)) = due {
        let id = v.next_id;
        v.next_id += 1;
        let mut u = fresh(true);
        match s {
            Say::Line(line) => {
                u.t.heard = format!("(remark) {line}");
                if synthesise(v.engines.tts.as_ref(), id, &mut u, line, [1.0, 1.0]) {
                    u.sentences = 1;
                    v.current = Some((id, u));
                }
            }
            Say::Remark(instruction) => {
                let Some(llm) = &v.engines.llm else { return };
                let context = tv
                    .as_deref()
                    .map(|tv| tv_context(tv, &v))
                    .unwrap_or_default();
                let messages = v.conversation.messages(&context, &instruction);
                let sent = llm.send(&Request::Chat {
                    id,
                    messages,
                    max_tokens: 40,
                    temperature: 0.7,
                    grammar: Some(assistant::REMARK_GRAMMAR.into()),
                    reply_start: None,
                });
                if sent.is_ok() {
                    u.t.heard = format!("(remark) {instruction}");
                    u.text = instruction;
                    v.phase = Phase::Thinking(id);
                    v.current = Some((id, u));
                }
            }
        }
    }
}

/// How long something she was to say on her own waits for her to be free.
const QUEUED_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// Lips follow each sentence as the speaker reaches it.
pub(super) fn speech(mut v: ResMut<Voice>, mut acts: MessageWriter<Act>) {
    let v = &mut *v;
    // The mood's expression eases off two seconds after the answer.
    match v.feeling.relax_face {
        Some(None) if !v.busy() => v.feeling.relax_face = Some(Some(Instant::now())),
        Some(Some(at)) if at.elapsed().as_secs_f32() >= 2.0 => {
            v.feeling.relax_face = None;
            acts.write(Act::Feel(
                prism_core::avatar::expression::Preset::Neutral,
                0.0,
            ));
        }
        _ => {}
    }
    let clock = v.out.speaker.clock();
    for line in v.out.lines.iter_mut() {
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
                if line.aloud {
                    u.t.thinking_aloud.get_or_insert(ms(u.released));
                } else {
                    u.t.first_sound.get_or_insert(ms(u.released));
                }
                let lag = lag * 1000.0;
                u.t.lips_lag_ms = Some(u.t.lips_lag_ms.map_or(lag, |l| l.max(lag)));
            }
        }
    }
    while v
        .out
        .lines
        .front()
        .is_some_and(|l| l.started && clock >= l.ends)
    {
        v.out.lines.pop_front();
    }
    settle(v);
}

/// Words [`THINK_ALOUD`] after their release with nothing to show for it (no sentence, no
/// command), with the language model or still with the recogniser (its transcript late, the
/// speech heard again, repairs found or scored): Lumen says "Hmm." at once (its sound is kept
/// from the warm-up), so the wait is hers, not silence. Once per utterance; her own remarks
/// never.
pub(super) fn think_aloud(mut v: ResMut<Voice>) {
    let v = &mut *v;
    let Some((id, u)) = v.current.as_mut() else {
        return;
    };
    let waiting = matches!(v.phase, Phase::Transcribing(p) | Phase::Thinking(p) if p == *id);
    if !waiting
        || u.remark
        || u.sentences > 0
        || u.synth > 0
        || u.awaiting.is_some()
        || u.t.command.is_some()
        || u.thought_aloud
        || u.released.elapsed() < super::THINK_ALOUD
    {
        return;
    }
    let Some(tts) = v.engines.tts.as_ref() else {
        return;
    };
    // Not one of her sentences (`said`, the two-sentence limit): a sound while she thinks.
    if tts
        .send((*id, t!("voice-thinking-aloud"), [1.0, 1.0]))
        .is_ok()
    {
        u.synth += 1;
        u.thinking_line = true;
        u.thought_aloud = true;
    }
}

/// The TV goes down to 30 % under Lumen's voice, with 150 ms fades, and from the moment
/// push-to-talk is pressed until the words are transcribed: less of the TV reaches the
/// microphone while the user speaks.
pub(super) fn duck(mut v: ResMut<Voice>, tv: Option<Res<Tv>>, time: Res<Time>) {
    let ducked = !v.out.lines.is_empty()
        || v.out.speaker.pending() > 0.0
        || matches!(v.phase, Phase::Listening(_) | Phase::Transcribing(_));
    // What the viewer hears from the TV, fully ducked and not at all (the proof of ducking).
    if let Some(tv) = tv.as_ref()
        && tv.audio_level.1 != v.out.levels_seen
    {
        v.out.levels_seen = tv.audio_level.1;
        let db = f64::from(tv.audio_level.0);
        let slot = if v.out.duck <= 0.301 {
            Some(1)
        } else if v.out.duck >= 0.999 {
            Some(0)
        } else {
            None
        };
        if let Some(i) = slot.filter(|_| db > -80.0) {
            v.out.tv_db[i].0 += db;
            v.out.tv_db[i].1 += 1;
        }
    }
    let target = if ducked { 0.3 } else { 1.0 };
    let step = time.delta_secs() / 0.15 * 0.7;
    let d = if v.out.duck < target {
        (v.out.duck + step).min(target)
    } else {
        (v.out.duck - step).max(target)
    };
    if (d - v.out.duck).abs() > f32::EPSILON {
        v.out.duck = d;
        if let Some(tv) = tv {
            tv.player.set_duck(d as f64);
        }
    }
}

/// Sentences the voice thread has synthesised: queued back to back on the speaker.
pub(super) fn spoken(v: &mut Voice) {
    let mut spoken = Vec::new();
    if let Some(rx) = &v.engines.spoken {
        let rx = rx.lock().unwrap();
        while let Ok(s) = rx.try_recv() {
            spoken.push(s);
        }
    }
    for out in spoken {
        match out {
            Spoken::Ready => v.engines.tts_ready = true,
            Spoken::Line {
                id,
                samples,
                seconds,
                track,
            } => {
                let Some((_, u)) = v.current.as_mut().filter(|(c, _)| *c == id) else {
                    continue;
                };
                u.synth = u.synth.saturating_sub(1);
                let aloud = std::mem::take(&mut u.thinking_line);
                if !aloud {
                    u.t.tts_first_audio.get_or_insert(ms(u.released));
                }
                if std::mem::take(&mut u.held)
                    && let Some(llm) = &v.engines.llm
                {
                    let _ = llm.send(&Request::Resume { id });
                }
                let starts = v.out.speaker.queue(samples);
                v.out.lines.push_back(Line {
                    utterance: id,
                    starts,
                    ends: starts + seconds,
                    track,
                    started: false,
                    aloud,
                });
            }
            Spoken::Failed { id, fatal, message } => {
                if let Some((c, u)) = v.current.as_mut()
                    && id == Some(*c)
                {
                    // The sentence is not coming: the utterance must not wait for it.
                    u.synth = u.synth.saturating_sub(1);
                    u.thinking_line = false;
                    if std::mem::take(&mut u.held)
                        && let Some(llm) = &v.engines.llm
                    {
                        let _ = llm.send(&Request::Resume { id: *c });
                    }
                }
                if fatal {
                    v.engines.tts = None;
                }
                v.tell(message);
            }
        }
    }
    if let Some(e) = v.out.speaker.error() {
        v.tell(e.to_string());
    }
}
