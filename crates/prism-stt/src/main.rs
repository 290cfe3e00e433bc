//! `prism-stt`: whisper.cpp behind NDJSON on stdio (protocol: `prism_core::worker`).
//!
//! `prism-stt --model ggml-tiny.en.bin [--threads N] [--weights q8_0|f16]`. Loads the model
//! (its matrices quantized to 8 bits in memory unless `--weights f16`, see `quantize`) and
//! warms it once, says `ready`, then answers each `transcribe` with a `transcript`. Whisper's encoder normally runs
//! over a 30 s window whatever the utterance's length; the window here is sized to the audio
//! (`audio_ctx`), which is what makes a 3 s command transcribe in a fraction of the time.

mod quantize;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use prism_core::command::hearing;
use prism_core::worker::{Event, Request, decode_pcm16, emit, requests};
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

const RATE: usize = 16_000;
const USAGE: &str = "usage: prism-stt --model FILE [--threads N] [--weights q8_0|f16]";

fn main() {
    let mut model = None;
    let mut q8 = true;
    let mut threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--model" => model = args.next(),
            "--threads" => threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(threads),
            "--weights" => match args.next().as_deref() {
                Some("q8_0") => q8 = true,
                Some("f16") => q8 = false,
                w => fail(&format!("--weights {w:?}: q8_0 or f16")),
            },
            _ => fail(&format!("unknown argument {a:?}; {USAGE}")),
        }
    }
    let Some(model) = model else { fail(USAGE) };
    whisper_rs::install_logging_hooks();

    let started = Instant::now();
    let (ctx, weights) = load(&model, q8);
    let mut state = ctx
        .create_state()
        .unwrap_or_else(|e| fail(&format!("whisper state: {e}")));
    // The slowed speech is encoded in a state of its own: `state` keeps the speech as heard,
    // which `score` judges repairs against after hearing again.
    let mut slow_state = ctx
        .create_state()
        .unwrap_or_else(|e| fail(&format!("whisper state: {e}")));
    let load_ms = ms(started);
    let warm = Instant::now();
    // One pass over a second of near-silence allocates every buffer the first real command needs.
    let hush: Vec<f32> = (0..RATE).map(|i| (i as f32 * 0.05).sin() * 1e-3).collect();
    for s in [&mut state, &mut slow_state] {
        transcribe(s, &hush, "", threads).unwrap_or_else(|e| fail(&format!("warm-up failed: {e}")));
    }
    let name = std::path::Path::new(&model)
        .file_name()
        .map_or(model.clone(), |n| n.to_string_lossy().into());
    let name = format!("{name} ({weights})");
    emit(&Event::Ready {
        model: name,
        threads: threads as u32,
        load_ms,
        warm_ms: ms(warm),
    });

    // A `cancel` lands while a transcription runs.
    let rx = requests(|r| match r {
        Request::Cancel { id } => {
            cancel(id);
            None
        }
        r => Some(r),
    });
    // What `score` judges against: the last transcription (its audio is still encoded in
    // `state`).
    // (Its id and length in seconds.)
    let mut last: Option<(u64, f32)> = None;
    // And its transcript, which start guesses are judged against; its speech and prompt,
    // which the slowed guesses hear again.
    let mut transcript = String::new();
    let (mut speech, mut prompted): (Vec<f32>, String) = Default::default();
    for request in rx {
        match request {
            Request::Score { id, texts } => {
                let t = Instant::now();
                let event = match last {
                    // One thread: a decoder step is too small to share, and beside the TV
                    // and the renderer two spinning threads took 1–2.5 s for nine repairs
                    // where one takes ~0.1 s.
                    Some((heard, _)) if heard == id => match score(&ctx, &mut state, &texts, 1) {
                        Ok(scores) => Event::Scores {
                            id,
                            scores,
                            took_ms: ms(t),
                        },
                        Err(message) => Event::Error {
                            id: Some(id),
                            message,
                        },
                    },
                    _ => Event::Error {
                        id: Some(id),
                        message: format!("no audio of {id} to score against"),
                    },
                };
                emit(&event);
            }
            Request::Rehear {
                id,
                prompts,
                branches,
                margin,
                starts,
                start_tries,
                start_margin,
                slowed,
            } => {
                let t = Instant::now();
                let event = match last {
                    Some((heard, secs)) if heard == id => {
                        CURRENT.store(id, Ordering::SeqCst);
                        let guess = |text: &str| {
                            emit(&Event::Guess {
                                id,
                                text: text.into(),
                            })
                        };
                        let heard = rehear(
                            &ctx,
                            &mut state,
                            &prompts,
                            secs,
                            threads,
                            branches as usize,
                            margin,
                            Starts {
                                words: &starts,
                                tries: start_tries as usize,
                                margin: start_margin,
                            },
                            &transcript,
                            guess,
                        )
                        .and_then(|mut texts| {
                            // Last, each a whole transcription, so the guesses before come
                            // no later than they did without; and only for what may be a
                            // command, for chat waits on it before the model answers.
                            let short = transcript.split_whitespace().count() <= SLOWED_WORDS;
                            // The transcript's fit, scored once for every slowed guess.
                            let mut heard_fit = None;
                            for how in slowed.iter().filter(|_| short) {
                                let slow = if how.pitch_kept {
                                    prism_core::speech::stretched(&speech, how.factor)
                                } else {
                                    prism_core::speech::slowed(&speech, how.factor)
                                };
                                let text =
                                    match transcribe(&mut slow_state, &slow, &prompted, threads) {
                                        Ok(text) => text,
                                        Err(_) if cancelled() => return Err(CANCELLED.into()),
                                        Err(e) => return Err(e),
                                    };
                                // Judged by the speech as heard, as a start guess is: noise
                                // slowed can sound like a command the speech does not hold.
                                let heard = match heard_fit {
                                    Some(f) => f,
                                    None => *heard_fit.insert(
                                        score(
                                            &ctx,
                                            &mut state,
                                            &[hearing::as_scored(&transcript)],
                                            1,
                                        )?[0],
                                    ),
                                };
                                let fit =
                                    score(&ctx, &mut state, &[hearing::as_scored(&text)], 1)?[0];
                                if fit >= heard - hearing::MARGIN {
                                    guess(&text);
                                    texts.push(text);
                                }
                            }
                            Ok(texts)
                        });
                        CURRENT.store(u64::MAX, Ordering::SeqCst);
                        match heard {
                            Ok(texts) => Event::Reheard {
                                id,
                                texts,
                                took_ms: ms(t),
                            },
                            Err(message) => Event::Error {
                                id: Some(id),
                                message,
                            },
                        }
                    }
                    _ => Event::Error {
                        id: Some(id),
                        message: format!("no audio of {id} to hear again"),
                    },
                };
                emit(&event);
            }
            Request::Transcribe { id, pcm16, prompt } => {
                let t = Instant::now();
                CURRENT.store(id, Ordering::SeqCst);
                let event = match decode_pcm16(&pcm16).and_then(|pcm| {
                    let audio_ms = pcm.len() as f64 * 1000.0 / RATE as f64;
                    if cancelled() {
                        return Err(CANCELLED.into());
                    }
                    // A steady noise (the TV's tone, hum, a fan) is taken out first; what is
                    // scored and heard again later is the speech as the recogniser heard it.
                    let pcm = prism_core::speech::without_steady_noise(&pcm).unwrap_or(pcm);
                    let text = transcribe(&mut state, &pcm, &prompt, threads)?;
                    speech = pcm;
                    prompted.clone_from(&prompt);
                    Ok((text, audio_ms))
                }) {
                    Ok((text, audio_ms)) => Event::Transcript {
                        id,
                        text,
                        audio_ms,
                        took_ms: ms(t),
                    },
                    Err(message) => Event::Error {
                        id: Some(id),
                        message: if cancelled() {
                            CANCELLED.into()
                        } else {
                            message
                        },
                    },
                };
                CURRENT.store(u64::MAX, Ordering::SeqCst);
                last = match &event {
                    Event::Transcript { audio_ms, text, .. } => {
                        transcript.clone_from(text);
                        Some((id, *audio_ms as f32 / 1000.0))
                    }
                    _ => None,
                };
                emit(&event);
            }
            other => emit(&Event::Error {
                id: None,
                message: format!("prism-stt cannot {other:?}"),
            }),
        }
    }
}

/// The most words a transcript may have for its speech to be heard again slowed: commands run
/// to eight or nine ("could you put the weather channel on please"); longer is chat, and a
/// slowed transcription of it would hold the model's answer back by a second or more.
const SLOWED_WORDS: usize = 12;

/// The request being worked on, and the last few cancelled: an early transcript the user
/// went on speaking after, or hearing again once the app found its command. whisper.cpp asks
/// between graph nodes and tokens whether to stop. Several are kept because two can be
/// cancelled while one runs and the other waits behind it: with only the last id remembered,
/// the first was made in full, and the transcript the user waits for queued behind it.
static CURRENT: AtomicU64 = AtomicU64::new(u64::MAX);
static CANCEL: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());
const CANCELLED: &str = "cancelled";
/// How many cancelled ids are remembered (the app has a few requests in flight at most).
const CANCELS_KEPT: usize = 32;

fn cancel(id: u64) {
    let mut c = CANCEL.lock().unwrap_or_else(|e| e.into_inner());
    if c.len() >= CANCELS_KEPT {
        c.remove(0);
    }
    c.push(id);
}

fn cancelled() -> bool {
    let current = CURRENT.load(Ordering::SeqCst);
    CANCEL
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&current)
}

/// The model, with its matrices in 8 bits if asked and possible (a file already quantized, or
/// one the quantizer does not know, loads as it is), and what its weights are.
fn load(model: &str, q8: bool) -> (WhisperContext, &'static str) {
    let params = WhisperContextParameters::default;
    if q8 {
        let quantized = std::fs::read(model)
            .map_err(|e| e.to_string())
            .and_then(|f16| quantize::q8_0(&f16));
        match quantized.and_then(|q| {
            WhisperContext::new_from_buffer_with_params(&q, params()).map_err(|e| e.to_string())
        }) {
            Ok(ctx) => return (ctx, "q8_0"),
            Err(e) => eprintln!("prism-stt: {model} loads as it is: {e}"),
        }
    }
    let ctx = WhisperContext::new_with_params(model, params())
        .unwrap_or_else(|e| fail(&format!("cannot load whisper model {model}: {e}")));
    (ctx, "as stored")
}

fn transcribe(
    state: &mut WhisperState,
    pcm: &[f32],
    prompt: &str,
    threads: usize,
) -> Result<String, String> {
    // whisper.cpp refuses less than a second; pad short clips with silence.
    let mut audio = pcm.to_vec();
    audio.resize(audio.len().max(RATE + RATE / 10), 0.0);
    let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
    params.set_n_threads(threads as i32);
    params.set_language(Some("en"));
    params.set_no_context(true);
    params.set_single_segment(true);
    params.set_no_timestamps(true);
    params.set_print_special(false);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_timestamps(false);
    params.set_suppress_nst(true);
    // Commands are short: the encoder window is sized to the audio (50 frames a second) with a
    // little headroom, instead of whisper's fixed 30 s.
    let secs = audio.len() as f32 / RATE as f32;
    // With less headroom than ~3 s the decoder no longer sees the end of speech and repeats
    // the sentence until it runs out of tokens (measured on tiny.en: +64 frames repeats, +150
    // does not; the full 30 s window costs 0.83 s against 0.09 s for a 1.3 s command).
    params.set_audio_ctx(((secs * 50.0) as i32 + 150).min(1500));
    // Temperature fallback re-decodes up to five times when a result looks unsure: seconds of
    // latency for a command, so one greedy pass; a bound on tokens stops a runaway repeat.
    params.set_temperature_inc(0.0);
    params.set_max_tokens((12.0 + secs * 6.0) as i32);
    if !prompt.is_empty() {
        params.set_initial_prompt(prompt);
    }
    // The function item itself, which is zero-sized (it reads the statics): whisper-rs's
    // trampoline reads the callback from a pointer to its boxed trait object, which is only
    // sound for a type with nothing to read (a closure with state, or a `fn` pointer, would be
    // read from the wrong place). whisper-rs does not free that box (16 bytes an utterance).
    params.set_abort_callback_safe(cancelled);
    state
        .full(params, &audio)
        .map_err(|e| format!("whisper: {e}"))?;
    let mut text = String::new();
    for segment in state.as_iter() {
        text.push_str(
            &segment
                .to_str_lossy()
                .map_err(|e| format!("whisper text: {e}"))?,
        );
    }
    Ok(collapse_repeats(text.trim()))
}

/// How well each of `texts` fits the audio last transcribed: the mean
/// log-probability of its tokens and the end of text, the decoder forced along it. Whisper
/// writes one guess; a sentence the command grammar can parse (a repair of a misheard word)
/// is judged by the sound, not only by how alike it is spelt. The texts are decoded as a
/// trie: a prefix they share is decoded once.
fn score(
    ctx: &WhisperContext,
    state: &mut WhisperState,
    texts: &[String],
    threads: usize,
) -> Result<Vec<f32>, String> {
    let tokenize = |t: &str| {
        // Byte-level BPE: never more tokens than bytes (a short buffer is unsound in
        // whisper-rs, which sets the length from a negative count).
        ctx.tokenize(t, t.len() + 1)
            .map_err(|e| format!("whisper tokens: {e}"))
    };
    let eot = ctx.token_eot();
    // Without the transcription's prompt (the channel names): the sentences are only compared
    // with each other, and a decoder step after ~150 prompt tokens costs ten times as much
    // (9 repairs: 0.8–1.2 s with it, against tens of milliseconds).
    let prefix = [ctx.token_sot(), ctx.token_not()];
    let mut seqs: Vec<(usize, Vec<i32>)> = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let mut toks = tokenize(&format!(" {}", t.trim()))?;
        toks.truncate(48);
        toks.push(eot);
        seqs.push((i, toks));
    }
    seqs.sort_by(|a, b| a.1.cmp(&b.1));
    // The log-probabilities after the prefix and after each token of the path so far.
    let logprobs = |state: &WhisperState| text_logprobs(state, eot);
    let decode = |state: &mut WhisperState, toks: &[i32], past: usize| {
        state
            .decode(toks, past, threads)
            .map_err(|e| format!("whisper decode: {e}"))
    };
    decode_last(state, &prefix, 0, threads)?;
    let mut stack = vec![logprobs(state)?];
    let mut path: Vec<i32> = Vec::new();
    let mut out = vec![f32::NEG_INFINITY; texts.len()];
    for (i, toks) in &seqs {
        let shared = path.iter().zip(toks).take_while(|(a, b)| a == b).count();
        path.truncate(shared);
        stack.truncate(shared + 1);
        let mut sum = 0.0;
        for (k, t) in toks.iter().enumerate() {
            sum += stack[k][*t as usize];
            if k + 1 < toks.len() && k >= path.len() {
                decode(state, &[*t], prefix.len() + k)?;
                path.push(*t);
                stack.push(logprobs(state)?);
            }
        }
        out[*i] = sum / toks.len() as f32;
    }
    Ok(out)
}

/// Decodes `toks` after `past` tokens so that the logits whisper-rs reads (`get_logits`: the
/// first row) are the last token's: whisper.cpp writes a batch's logits in the row of its
/// last token, so a batch of several leaves the first row stale. All but the last token go
/// in one batch, the last alone.
fn decode_last(
    state: &mut WhisperState,
    toks: &[i32],
    past: usize,
    threads: usize,
) -> Result<(), String> {
    let Some((last, before)) = toks.split_last() else {
        return Ok(());
    };
    if !before.is_empty() {
        state
            .decode(before, past, threads)
            .map_err(|e| format!("whisper decode: {e}"))?;
    }
    state
        .decode(&[*last], past + before.len(), threads)
        .map_err(|e| format!("whisper decode: {e}"))
}

/// The log-probabilities over text tokens and the end of text (what whisper samples from
/// when timestamps are off) for the last token decoded.
fn text_logprobs(state: &WhisperState, eot: i32) -> Result<Vec<f32>, String> {
    let logits = state
        .get_logits()
        .map_err(|e| format!("whisper logits: {e}"))?;
    let text = &logits[..=eot as usize];
    let most = text.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = text.iter().map(|l| (l - most).exp()).sum();
    let norm = most + sum.ln();
    Ok(text.iter().map(|l| l - norm).collect())
}

/// The audio last transcribed (still encoded in `state`), decoded again greedily after each
/// of `prompts` (none if empty): the recogniser's guesses under other expectations; then, if
/// `branches`, that many more guesses after each prompt, each the greedy path with one token
/// turned to the recogniser's next-likeliest there (the least sure choices first) and decoded
/// on greedily, kept if it is no more than `margin` less likely than the greedy guess over the
/// sentence. `secs` is the audio's length, which bounds the tokens as the transcription's
/// does. Then, after each prompt, the guesses that begin with one of `starts` (see
/// `Request::Rehear`), judged against `heard`, the transcript. Each guess is given to `guess`
/// as soon as it is decoded, in the order of the answer: the greedy guesses in the order of
/// their prompts, then each prompt's branches, then each prompt's start guesses.
#[allow(clippy::too_many_arguments)]
fn rehear(
    ctx: &WhisperContext,
    state: &mut WhisperState,
    prompts: &[String],
    secs: f32,
    threads: usize,
    branches: usize,
    margin: f32,
    starts: Starts,
    heard: &str,
    mut guess: impl FnMut(&str),
) -> Result<Vec<String>, String> {
    let eot = ctx.token_eot();
    let mut prompted = Vec::new();
    for prompt in prompts {
        let mut toks = Vec::new();
        let prompt = prompt.trim();
        if !prompt.is_empty() {
            toks.push(ctx.token_prev());
            let mut words = ctx
                .tokenize(&format!(" {prompt}"), prompt.len() + 2)
                .map_err(|e| format!("whisper tokens: {e}"))?;
            // Whisper keeps the end of a long prompt (half its text context).
            let keep = 200;
            if words.len() > keep {
                words.drain(..words.len() - keep);
            }
            toks.extend(words);
        }
        toks.extend([ctx.token_sot(), ctx.token_not()]);
        prompted.push(toks);
    }
    let budget = (12.0 + secs * 6.0) as usize;
    let text = |path: &[i32]| -> Result<String, String> {
        let mut said: Vec<u8> = Vec::new();
        for t in path {
            said.extend(
                ctx.token_to_bytes(*t)
                    .map_err(|e| format!("whisper text: {e}"))?,
            );
        }
        Ok(collapse_repeats(String::from_utf8_lossy(&said).trim()))
    };
    let stop = || {
        if cancelled() {
            Err(CANCELLED.to_string())
        } else {
            Ok(())
        }
    };
    // Greedy from what is decoded (`path`, after the prompt `toks`): the tokens it adds with
    // the log-probability of each (and of the end, when reached), and at each step the other
    // likely tokens: where, which, and their log-probability. `Ok(false)` once the tokens
    // added are more than `worst` unlikely (summed): a branch that cannot be kept.
    let greedy = |state: &mut WhisperState,
                  toks: &[i32],
                  path: &mut Vec<i32>,
                  chosen: &mut Vec<f32>,
                  doubts: &mut Vec<(usize, i32, f32)>,
                  worst: f32|
     -> Result<bool, String> {
        let mut sum = 0.0;
        while path.len() < budget {
            stop()?;
            let lp = text_logprobs(state, eot)?;
            let mut order: Vec<usize> = (0..lp.len()).collect();
            let k = 3.min(order.len());
            order.select_nth_unstable_by(k - 1, |a, b| lp[*b].total_cmp(&lp[*a]));
            order.truncate(k);
            order.sort_by(|a, b| lp[*b].total_cmp(&lp[*a]));
            let best = order[0] as i32;
            chosen.push(lp[order[0]]);
            sum -= lp[order[0]];
            if sum > worst {
                return Ok(false);
            }
            for &o in &order[1..] {
                if o as i32 != eot {
                    doubts.push((path.len(), o as i32, lp[o]));
                }
            }
            if best == eot {
                break;
            }
            path.push(best);
            // One thread: a decoder step is too small to share (see `score`).
            decode_last(state, &[best], toks.len() + path.len() - 1, 1)?;
        }
        Ok(true)
    };
    // Every prompt's greedy guess first, the last prompt first: the decoder's cache then
    // holds the first prompt, whose branches come next (a prompt is decoded again only for
    // the others' branches, and the long commands prompt is the first).
    let mut greedies = Vec::new();
    for toks in prompted.iter().rev() {
        stop()?;
        decode_last(state, toks, 0, threads)?;
        let (mut path, mut chosen, mut doubts) = (Vec::new(), Vec::new(), Vec::new());
        greedy(
            state,
            toks,
            &mut path,
            &mut chosen,
            &mut doubts,
            f32::INFINITY,
        )?;
        greedies.push((path, chosen, doubts));
    }
    greedies.reverse();
    let mut out = Vec::new();
    for (path, ..) in &greedies {
        out.push(text(path)?);
        guess(out.last().expect("pushed"));
    }
    for (i, (toks, (path, chosen, doubts))) in prompted.iter().zip(&mut greedies).enumerate() {
        if branches == 0 {
            break;
        }
        // How much of the greedy path the decoder's cache still holds: a branch decodes only
        // what it lacks of the path before its turn (whisper drops the cache from where a
        // decode starts, so a branch leaves the path before its turn in place).
        let mut held = path.len();
        if i > 0 {
            decode_last(state, toks, 0, threads)?;
            held = 0;
        }
        // The least sure choices first: the smallest step down from the token chosen there.
        doubts.sort_by(|a, b| (chosen[a.0] - a.2).total_cmp(&(chosen[b.0] - b.2)));
        for &(at, token, first) in doubts.iter().take(branches) {
            let mut branch = path[..at].to_vec();
            branch.push(token);
            let from = held.min(at);
            decode_last(state, &branch[from..], toks.len() + from, 1)?;
            held = from;
            // The whole branch's likelihood against the greedy guess's: turned at a close
            // choice, a branch can still run on into words the speech does not hold. What
            // it may still lose once turned (each token can only make it less likely):
            // past that, it is given up where it stands.
            let spare = margin - (chosen[at..].iter().sum::<f32>() - first);
            if greedy(
                state,
                toks,
                &mut branch,
                &mut Vec::new(),
                &mut Vec::new(),
                spare,
            )? {
                out.push(text(&branch)?);
                guess(out.last().expect("pushed"));
            }
        }
    }
    if starts.words.is_empty() || starts.tries == 0 {
        return Ok(out);
    }
    // Each start word as the recogniser writes a sentence's first word: " Catch".
    let mut firsts: Vec<Vec<i32>> = Vec::new();
    for w in starts.words {
        let mut c = w.trim().chars();
        let Some(f) = c.next() else { continue };
        let w = format!(" {}{}", f.to_uppercase(), c.as_str());
        let t = ctx
            .tokenize(&w, w.len() + 1)
            .map_err(|e| format!("whisper tokens: {e}"))?;
        if !t.is_empty() && !firsts.contains(&t) {
            firsts.push(t);
        }
    }
    // How well the transcript fits the speech without a prompt, once a guess needs it.
    let mut heard_fit: Option<f32> = None;
    for (toks, (path, chosen, _)) in prompted.iter().zip(&greedies) {
        stop()?;
        let greedy_sum: f32 = chosen.iter().sum();
        decode_last(state, toks, 0, threads)?;
        let first = text_logprobs(state, eot)?;
        let mut likeliest: Vec<(f32, &Vec<i32>)> = firsts
            .iter()
            .filter(|w| !path.starts_with(w))
            .map(|w| (first[w[0] as usize], w))
            .collect();
        likeliest.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (first_lp, word) in likeliest.into_iter().take(starts.tries) {
            stop()?;
            // The word's own likelihood, token by token; then greedy after it, given up
            // once it can no longer come within the margin.
            let mut forced = first_lp;
            for k in 1..word.len() {
                decode_last(state, &word[k - 1..k], toks.len() + k - 1, 1)?;
                forced += text_logprobs(state, eot)?[word[k] as usize];
            }
            let worst = forced - greedy_sum + starts.margin;
            if worst < 0.0 {
                continue;
            }
            let at = word.len() - 1;
            decode_last(state, &word[at..], toks.len() + at, 1)?;
            let mut branch = word.clone();
            let mut went = Vec::new();
            if !greedy(state, toks, &mut branch, &mut went, &mut Vec::new(), worst)? {
                continue;
            }
            // The recogniser must go on in words of its own (a lone forced word is only the
            // word asked for), and a guess must cover the speech: a command word and the end
            // where seconds of speech were heard is the rest of it left out.
            let after = text(&branch[word.len()..])?;
            let tokens = word.len() + went.len();
            if !after.chars().any(char::is_alphanumeric)
                || (tokens as f32) < secs * START_TOKENS_PER_SECOND
            {
                continue;
            }
            let said = text(&branch)?;
            // Judged without a prompt against the transcript, as a repair is: a word put
            // first can lead the decoder into a command the speech does not hold.
            let heard_fit = match heard_fit {
                Some(f) => f,
                None => *heard_fit.insert(score(ctx, state, &[hearing::as_scored(heard)], 1)?[0]),
            };
            let fit = score(ctx, state, &[hearing::as_scored(&said)], 1)?[0];
            // `score` decoded over the prompt: the next word needs it again.
            decode_last(state, toks, 0, threads)?;
            if fit >= heard_fit - hearing::MARGIN {
                out.push(said);
                guess(out.last().expect("pushed"));
            }
        }
    }
    Ok(out)
}

/// What a start guess must hold for each second of speech (tokens, the end of text with
/// them): speech runs at three or four; a command word put first and the end at once, where
/// seconds were said, leaves most of it out (noise heard as "Unmute." or "The end.").
const START_TOKENS_PER_SECOND: f32 = 1.5;

/// [`rehear`]'s start words: the words, how many are tried after each prompt, and the margin.
struct Starts<'a> {
    words: &'a [String],
    tries: usize,
    margin: f32,
}

/// Whisper, cut short of the end of its window, can repeat a sentence until its token budget
/// runs out ("Go to channel 5. Go to channel 5. Go to"): a repeat of the sentence before, or a
/// cut-off start of it, is dropped.
fn collapse_repeats(text: &str) -> String {
    let key = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let mut sentences: Vec<&str> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['.', '?', '!']).map_or(rest.len(), |i| i + 1);
        let (s, r) = rest.split_at(end);
        rest = r;
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        let k = key(s);
        let repeat = sentences.last().is_some_and(|last| {
            let lk = key(last);
            lk == k || (rest.trim().is_empty() && !k.is_empty() && lk.starts_with(&k))
        });
        if !repeat {
            sentences.push(s);
        }
    }
    let text = sentences.join(" ");
    // The same words again without sentence ends ("Switch to channel 3 Switch to channel 3 …").
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare: Vec<String> = words.iter().map(|w| key(w)).collect();
    for period in 1..=words.len() / 2 {
        if (period..bare.len()).all(|i| {
            bare[i] == bare[i % period]
                || (i == bare.len() - 1 && bare[i % period].starts_with(&bare[i]))
        }) {
            return words[..period].join(" ").trim_end_matches(',').to_string();
        }
    }
    text
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn fail(message: &str) -> ! {
    prism_core::worker::fail("prism-stt", message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeats_collapse() {
        use super::collapse_repeats as c;
        assert_eq!(
            c("Go to channel 5. Go to Channel 5. go to channel"),
            "Go to channel 5."
        );
        assert_eq!(c("Mute. Unmute."), "Mute. Unmute.");
        assert_eq!(c("Hello? Hello! Yes"), "Hello? Yes");
        assert_eq!(c("volume up"), "volume up");
        assert_eq!(
            c("Switch to channel 3 Switch to channel 3 Switch to chan"),
            "Switch to channel 3"
        );
        assert_eq!(
            c("Unute, unmute, unmute, unm"),
            "Unute, unmute, unmute, unm"
        );
        assert_eq!(c("channel up, channel up,"), "channel up");
        assert_eq!(c("no no"), "no");
    }
}
