//! `prism-llm`: llama.cpp with a GGUF model behind NDJSON on stdio (protocol: `prism_core::worker`).
//!
//! `prism-llm --model FILE.gguf [--threads N] [--ctx TOKENS]`. Each `chat` is rendered with the
//! model's own chat template (ChatML when it has none) and streamed back token by token. The KV
//! cache keeps the previous prompt: a new one that starts the same way — the persona prompt is kept
//! byte-identical for this — only decodes what follows the shared prefix.
//!
//! `prism-llm --endpoint URL --model NAME` speaks the same protocol for an OpenAI-compatible
//! server instead (see `openai`).

mod openai;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use prism_core::worker::{Done, Event, HOLD_AT_MOST, Message, Request, emit, requests};

const BATCH: usize = 512;

/// Runs `load` with llama.cpp's AMX matrix kernels turned away. `target-cpu=native` compiles
/// them in on a CPU that has AMX (Sapphire Rapids and later), and on such a machine (a 2-core
/// Firecracker VM) the worker died on its first decode, in ggml_backend_amx_mul_mat: SIGSEGV,
/// or SIGILL at ldtilecfg. ggml keeps weights in AMX buffers only if Linux lets the process use
/// AMX's tile registers (arch_prctl ARCH_REQ_XCOMP_PERM), asked once, as the model loads; and
/// Linux refuses while a thread's alternate signal stack is too small for a signal frame
/// holding them (ENOSPC). So the loading thread's alternate stack is swapped, for the load,
/// for one big enough for every signal frame but one with tiles, and Rust's put back after
/// (ggml prints "AMX is not ready to be used!" and keeps the weights in plain memory).
/// The matrices of a 135M-parameter model are small: AVX-512 does them as fast.
#[allow(unsafe_code)]
fn without_amx<T>(load: impl FnOnce() -> T) -> T {
    // SIGSTKSZ, 8 KiB, the classic size: room for any frame without tiles (AVX-512's state is
    // under 3 KiB), none for one with them (the tiles alone are 8 KiB). Rust's own is sized
    // for the largest frame the CPU may make, tiles included.
    let mut stack = vec![0u8; libc::SIGSTKSZ];
    let small = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: stack.len(),
    };
    // SAFETY: an all-zero stack_t is valid (the kernel fills it in).
    let mut rust: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: `small` points at `stack`, which outlives its use: Rust's stack is put back
    // before `stack` is dropped.
    let swapped = unsafe { libc::sigaltstack(&small, &mut rust) } == 0;
    let out = load();
    if swapped {
        // SAFETY: `rust` is the stack Rust installed for this thread, still allocated.
        unsafe { libc::sigaltstack(&rust, std::ptr::null_mut()) };
    }
    drop(stack);
    out
}

fn main() {
    let mut model_path = None;
    let mut endpoint = None;
    let mut threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4)) as i32;
    let mut n_ctx = 4096u32;
    let mut args = std::env::args().skip(1);
    let usage = "usage: prism-llm --model FILE.gguf [--threads N] [--ctx TOKENS]\n       prism-llm --endpoint URL --model NAME";
    while let Some(a) = args.next() {
        match a.as_str() {
            "--model" => model_path = args.next(),
            "--endpoint" => endpoint = args.next(),
            "--threads" => threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(threads),
            "--ctx" => n_ctx = args.next().and_then(|t| t.parse().ok()).unwrap_or(n_ctx),
            _ => fail(&format!("unknown argument {a:?}; {usage}")),
        }
    }
    let Some(model_path) = model_path else {
        fail(usage)
    };
    if let Some(endpoint) = endpoint {
        let started = Instant::now();
        let api = openai::OpenAi::new(&endpoint, &model_path).unwrap_or_else(|e| fail(&e));
        api.warm().unwrap_or_else(|e| fail(&e));
        emit(&Event::Ready {
            model: format!("{model_path} at {endpoint}"),
            threads: 0,
            load_ms: 0.0,
            warm_ms: ms(started),
        });
        serve(&mut { api });
        return;
    }
    llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default().with_logs_enabled(false));

    let started = Instant::now();
    let backend = LlamaBackend::init().unwrap_or_else(|e| fail(&format!("llama.cpp: {e}")));
    if !std::path::Path::new(&model_path).is_file() {
        fail(&format!("no model file at {model_path}"));
    }
    let model = without_amx(|| {
        LlamaModel::load_from_file(&backend, &model_path, &LlamaModelParams::default())
    })
    .unwrap_or_else(|e| fail(&format!("cannot load {model_path}: {e}")));
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(n_ctx))
        .with_n_batch(BATCH as u32)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let ctx = model
        .new_context(&backend, params)
        .unwrap_or_else(|e| fail(&format!("llama context: {e}")));
    let mut chat = Chat {
        model: &model,
        ctx,
        cached: Vec::new(),
        n_ctx: n_ctx as usize,
    };
    let load_ms = ms(started);

    let warm = Instant::now();
    let hello = [Message::new("user", "Hello")];
    let ask = Ask {
        id: 0,
        max_tokens: 1,
        temperature: 0.0,
        grammar: None,
        reply_start: None,
    };
    chat.run(&ask, &hello, &Control::default(), &mut |_| {})
        .unwrap_or_else(|e| fail(&format!("warm-up failed: {e}")));
    let name = std::path::Path::new(&model_path)
        .file_name()
        .map_or(model_path.clone(), |n| n.to_string_lossy().into());
    emit(&Event::Ready {
        model: name,
        threads: threads as u32,
        load_ms,
        warm_ms: ms(warm),
    });

    serve(&mut chat);
}

/// What answers requests: llama.cpp in this process, or an OpenAI-compatible server.
trait Backend {
    fn chat(
        &mut self,
        ask: &Ask,
        messages: &[Message],
        control: &Control,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Done, String>;

    /// Decodes the prompt `messages` begin (see `Request::Prefill`) into the cache.
    fn prefill(&mut self, id: u64, messages: &[Message], control: &Control)
    -> Result<Done, String>;
}

/// What the app says about a request while it runs (read on the stdin thread): stop it, or
/// pause it for a moment.
pub(crate) struct Control {
    cancel: AtomicU64,
    held: Mutex<Option<u64>>,
    resumed: Condvar,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            cancel: AtomicU64::new(u64::MAX),
            held: Mutex::new(None),
            resumed: Condvar::new(),
        }
    }
}

impl Control {
    pub(crate) fn cancelled(&self, id: u64) -> bool {
        self.cancel.load(Ordering::SeqCst) == id
    }

    /// Waits while `id` is held (until resumed or cancelled, [`HOLD_AT_MOST`] at most).
    fn pause_if_held(&self, id: u64) {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let (mut held, _) = self
            .resumed
            .wait_timeout_while(held, HOLD_AT_MOST, |h| {
                *h == Some(id) && !self.cancelled(id)
            })
            .unwrap_or_else(|e| e.into_inner());
        if *held == Some(id) {
            *held = None;
        }
    }

    fn set_held(&self, id: Option<u64>) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = id;
        self.resumed.notify_all();
    }
}

/// Answers requests from stdin until it closes. stdin is read on its own thread so a `cancel`
/// or `hold` lands while a reply is being generated.
fn serve(backend: &mut dyn Backend) {
    let control = Arc::new(Control::default());
    let rx = {
        let control = control.clone();
        requests(move |r| {
            match r {
                Request::Cancel { id } => {
                    control.cancel.store(id, Ordering::SeqCst);
                    control.resumed.notify_all();
                }
                Request::Hold { id } => control.set_held(Some(id)),
                Request::Resume { id } => {
                    let mut held = control.held.lock().unwrap_or_else(|e| e.into_inner());
                    if *held == Some(id) {
                        *held = None;
                    }
                    control.resumed.notify_all();
                }
                r => return Some(r),
            }
            None
        })
    };
    for request in rx {
        match request {
            Request::Chat {
                id,
                messages,
                max_tokens,
                temperature,
                grammar,
                reply_start,
            } => {
                // The reply's given start is its first words, as if generated: sent with the
                // first token the model makes (so the first token's time is still the model's),
                // or alone if it makes none.
                let mut start = reply_start.clone().filter(|s| !s.is_empty());
                let mut on_token = |text: &str| {
                    let text = match start.take() {
                        Some(s) => s + text,
                        None => text.to_string(),
                    };
                    emit(&Event::Token { id, text })
                };
                let ask = Ask {
                    id,
                    max_tokens,
                    temperature,
                    grammar: grammar.as_deref(),
                    reply_start: reply_start.as_deref(),
                };
                let answer = backend.chat(&ask, &messages, &control, &mut on_token);
                if answer.is_ok()
                    && let Some(text) = start
                {
                    emit(&Event::Token { id, text });
                }
                match answer {
                    Ok(done) => emit(&Event::Done(done)),
                    Err(message) => emit(&Event::Error {
                        id: Some(id),
                        message,
                    }),
                }
            }
            Request::Prefill { id, messages } => match backend.prefill(id, &messages, &control) {
                Ok(done) => emit(&Event::Prefilled(done)),
                Err(message) => emit(&Event::Error {
                    id: Some(id),
                    message,
                }),
            },
            other => emit(&Event::Error {
                id: None,
                message: format!("prism-llm cannot {other:?}"),
            }),
        }
    }
}

struct Ask<'a> {
    id: u64,
    max_tokens: u32,
    temperature: f32,
    grammar: Option<&'a str>,
    /// The reply goes on from these words (already streamed back).
    reply_start: Option<&'a str>,
}

struct Chat<'m> {
    model: &'m LlamaModel,
    ctx: LlamaContext<'m>,
    /// The tokens the KV cache holds, in order.
    cached: Vec<LlamaToken>,
    n_ctx: usize,
}

/// Tokens a prefill decodes at a time: a `cancel` (the user stopped speaking, and speech
/// recognition wants the cores) waits for one chunk at most, about 0.15 s on two cores (16 at
/// a time cost a fifth more per token, 64 twice the wait).
const PREFILL_CHUNK: usize = 32;

impl Backend for Chat<'_> {
    fn chat(
        &mut self,
        ask: &Ask,
        messages: &[Message],
        control: &Control,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Done, String> {
        self.run(ask, messages, control, on_token)
    }

    fn prefill(
        &mut self,
        id: u64,
        messages: &[Message],
        control: &Control,
    ) -> Result<Done, String> {
        let t = Instant::now();
        // The template is rendered with a mark where the rest of the last message will go;
        // what comes before the mark is how the chat's prompt will begin.
        const MARK: &str = "\u{1}prism-prefill\u{1}";
        let mut m = messages.to_vec();
        m.last_mut()
            .ok_or("a prefill needs messages")?
            .content
            .push_str(MARK);
        let prompt = self.prompt(&m)?;
        let Some(at) = prompt.find(MARK) else {
            return Err("the chat template does not keep a message's text as it is".into());
        };
        let mut tokens = self
            .model
            .vocab()
            .tokenize(&prompt.as_bytes()[..at], true, true);
        // The last token may merge with the text that follows it: the chat decodes it.
        tokens.pop();
        if tokens.len() + 1 >= self.n_ctx {
            return Err(format!(
                "the conversation is {} tokens, too long for a {}-token context",
                tokens.len(),
                self.n_ctx
            ));
        }
        let keep = self.reuse(&tokens, tokens.len())?;
        let mut batch = LlamaBatch::new(PREFILL_CHUNK, 1);
        let done = self.feed(&mut batch, &tokens, PREFILL_CHUNK, false, &|| {
            control.cancelled(id)
        })?;
        Ok(Done {
            id,
            prompt_tokens: tokens.len() as u32,
            cached_tokens: keep as u32,
            tokens: (self.cached.len() - keep) as u32,
            first_token_ms: 0.0,
            took_ms: ms(t),
            stop: if done.is_some() {
                "prefilled"
            } else {
                "cancelled"
            }
            .into(),
        })
    }
}

impl Chat<'_> {
    fn prompt(&self, messages: &[Message]) -> Result<String, String> {
        let chat: Vec<LlamaChatMessage> = messages
            .iter()
            .map(|m| LlamaChatMessage::new(m.role.clone(), m.content.clone()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("message: {e}"))?;
        match self.model.chat_template(None) {
            Ok(template) => self
                .model
                .apply_chat_template(&template, &chat, true)
                .map_err(|e| format!("chat template: {e}")),
            // No template in the file: ChatML, which most instruction-tuned GGUFs understand.
            Err(_) => Ok(messages
                .iter()
                .map(|m| format!("<|im_start|>{}\n{}<|im_end|>\n", m.role, m.content))
                .chain(["<|im_start|>assistant\n".to_string()])
                .collect()),
        }
    }

    fn run(
        &mut self,
        ask: &Ask,
        messages: &[Message],
        control: &Control,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Done, String> {
        let Ask {
            id,
            max_tokens,
            temperature,
            grammar,
            reply_start,
        } = *ask;
        let t = Instant::now();
        let mut prompt = self.prompt(messages)?;
        if let Some(start) = reply_start {
            prompt.push_str(start);
        }
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
        if tokens.len() + max_tokens as usize >= self.n_ctx {
            return Err(format!(
                "the conversation is {} tokens, too long for a {}-token context",
                tokens.len(),
                self.n_ctx
            ));
        }
        // At least one token is decoded so there are logits to sample from.
        let keep = self.reuse(&tokens, tokens.len() - 1)?;
        let mut batch = LlamaBatch::new(BATCH, 1);
        let logits_at = self
            .feed(&mut batch, &tokens, BATCH, true, &|| false)?
            .expect("never stopped");

        let mut chain = Vec::new();
        if let Some(g) = grammar {
            chain.push(
                LlamaSampler::grammar(self.model, g, "root")
                    .map_err(|e| format!("grammar: {e}"))?,
            );
        }
        // Small models loop; a mild repetition penalty over the last 64 tokens stops most of it.
        chain.push(LlamaSampler::penalties(
            self.model.n_vocab(),
            64,
            1.15,
            0.0,
            0.0,
        ));
        if temperature <= 0.0 {
            chain.push(LlamaSampler::greedy());
        } else {
            chain.extend([
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(0.9, 1),
                LlamaSampler::temp(temperature),
                LlamaSampler::dist(id as u32 ^ 0x5eed),
            ]);
        }
        let mut sampler = LlamaSampler::chain_simple(chain);
        let mut first_token_ms = 0.0;
        let mut generated = 0u32;
        let mut pending: Vec<u8> = Vec::new();
        let mut stop = "length";
        let mut logits_at = logits_at;
        while generated < max_tokens {
            control.pause_if_held(id);
            if control.cancelled(id) {
                stop = "cancelled";
                break;
            }
            // `sample` also accepts the token (grammar and penalty state move on).
            let token = sampler.sample(&self.ctx, logits_at);
            if vocab.is_eog(token) {
                stop = "stop";
                break;
            }
            generated += 1;
            if generated == 1 {
                first_token_ms = ms(t);
            }
            pending.extend(vocab.token_to_piece(token, false, None));
            // Tokens can split a UTF-8 character: send only whole characters.
            let valid = match std::str::from_utf8(&pending) {
                Ok(s) => s.len(),
                Err(e) => e.valid_up_to(),
            };
            if valid > 0 {
                on_token(std::str::from_utf8(&pending[..valid]).expect("checked"));
                pending.drain(..valid);
            }
            batch.clear();
            batch
                .add(token, self.cached.len() as i32, &[0], true)
                .map_err(|e| format!("batch: {e}"))?;
            self.decode(&mut batch)?;
            self.cached.push(token);
            logits_at = 0;
        }
        Ok(Done {
            id,
            prompt_tokens: tokens.len() as u32,
            cached_tokens: keep as u32,
            tokens: generated,
            first_token_ms,
            took_ms: ms(t),
            stop: stop.into(),
        })
    }

    /// Keeps the cache up to the first token where `tokens` differ from what it holds (at most
    /// `most` tokens), drops the rest, and says how many it kept.
    fn reuse(&mut self, tokens: &[LlamaToken], most: usize) -> Result<usize, String> {
        let keep = self
            .cached
            .iter()
            .zip(tokens)
            .take_while(|(a, b)| a == b)
            .count()
            .min(most);
        self.ctx
            .clear_kv_cache_seq(Some(0), Some(keep as u32), None)
            .map_err(|e| format!("kv cache: {e}"))?;
        self.cached.truncate(keep);
        Ok(keep)
    }

    /// Decodes the `tokens` after those the cache holds, `chunk` at a time, asking `stop` before
    /// each chunk. With `logits`, the last token's are kept: its index in the last batch is
    /// returned. `None` when stopped.
    fn feed(
        &mut self,
        batch: &mut LlamaBatch,
        tokens: &[LlamaToken],
        chunk: usize,
        logits: bool,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<i32>, String> {
        let mut pos = self.cached.len();
        let mut last = 0;
        while pos < tokens.len() {
            if stop() {
                return Ok(None);
            }
            batch.clear();
            let end = (pos + chunk).min(tokens.len());
            for (i, &tok) in tokens[pos..end].iter().enumerate() {
                let p = pos + i;
                batch
                    .add(tok, p as i32, &[0], logits && p == tokens.len() - 1)
                    .map_err(|e| format!("batch: {e}"))?;
            }
            self.decode(batch)?;
            self.cached.extend_from_slice(&tokens[pos..end]);
            last = (end - pos - 1) as i32;
            pos = end;
        }
        Ok(Some(last))
    }

    fn decode(&mut self, batch: &mut LlamaBatch) -> Result<(), String> {
        self.ctx.decode(batch).map_err(|e| {
            // A failed decode leaves the cache in an unknown state: start clean next time.
            self.cached.clear();
            let _ = self.ctx.clear_kv_cache_seq(Some(0), None, None);
            format!("llama decode: {e}")
        })
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn fail(message: &str) -> ! {
    prism_core::worker::fail("prism-llm", message)
}
