//! The other backend: any OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, a hosted
//! API) behind the same NDJSON protocol, for users whose machine cannot run a bigger model.
//! Replies are streamed (server-sent events) and forwarded token by token; `cancel` closes the
//! connection, which stops generation on the server. A grammar is sent as `grammar` (what
//! llama.cpp's server reads; others ignore it, and the app's intent check still guards tools).

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use prism_core::worker::{Done, Message};
use serde_json::{Value, json};

pub struct OpenAi {
    base: String,
    model: String,
    key: Option<String>,
    client: reqwest::blocking::Client,
}

impl OpenAi {
    /// `base` is the API root (`http://localhost:11434/v1`); the key, if any, comes from the
    /// `PRISM_LLM_API_KEY` environment variable, never the command line.
    pub fn new(base: &str, model: &str) -> Result<Self, String> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // Per wait (the answer, each read of the stream), not per reply.
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("Prism/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            key: std::env::var("PRISM_LLM_API_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            client,
        })
    }

    fn post(&self, path: &str, body: &Value) -> Result<reqwest::blocking::Response, String> {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Accept", "text/event-stream")
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().map_err(|e| {
            if e.is_connect() {
                format!("cannot reach {}", self.base)
            } else if e.is_timeout() {
                format!("{} did not answer in time", self.base)
            } else {
                format!("{}: {e}", self.base)
            }
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        // Servers explain themselves in {"error": {"message": ...}} (or a plain string).
        let text = resp.text().unwrap_or_default();
        let why = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?;
                e.get("message")
                    .and_then(Value::as_str)
                    .or(e.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| text.chars().take(200).collect());
        Err(match status.as_u16() {
            401 | 403 => format!(
                "{} refused the request (HTTP {}): {why}; set PRISM_LLM_API_KEY",
                self.base,
                status.as_u16()
            ),
            s => format!("{} answered HTTP {s}: {why}", self.base),
        })
    }

    /// One round trip before declaring the worker ready: a missing model or a wrong URL is
    /// reported at launch, not at the first question.
    pub fn warm(&self) -> Result<(), String> {
        let mut resp = self.post(
            "/chat/completions",
            &json!({
                "model": self.model,
                "messages": [{ "role": "user", "content": "Hello" }],
                "max_tokens": 1,
                "stream": false,
            }),
        )?;
        std::io::copy(&mut resp, &mut std::io::sink()).map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl crate::Backend for OpenAi {
    /// A server keeps its own prompt cache (llama.cpp's server, vLLM): nothing to do ahead.
    fn prefill(
        &mut self,
        id: u64,
        _messages: &[Message],
        _control: &crate::Control,
    ) -> Result<Done, String> {
        Ok(Done {
            id,
            prompt_tokens: 0,
            cached_tokens: 0,
            tokens: 0,
            first_token_ms: 0.0,
            took_ms: 0.0,
            stop: "skipped".into(),
        })
    }

    fn chat(
        &mut self,
        ask: &crate::Ask,
        messages: &[Message],
        control: &crate::Control,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Done, String> {
        let t = Instant::now();
        let mut said: Vec<Value> = messages
            .iter()
            .map(|m| json!({ "role": m.role, "content": m.content }))
            .collect();
        // A last assistant message is continued by llama.cpp's server and most others.
        if let Some(start) = ask.reply_start {
            said.push(json!({ "role": "assistant", "content": start }));
        }
        let mut body = json!({
            "model": self.model,
            "messages": said,
            "max_tokens": ask.max_tokens,
            "temperature": ask.temperature,
            "stream": true,
            "stream_options": { "include_usage": true },
        });
        if let Some(g) = ask.grammar {
            body["grammar"] = json!(g);
        }
        let resp = self.post("/chat/completions", &body)?;
        let mut first_token_ms = 0.0;
        let mut generated = 0u32;
        let (mut prompt_tokens, mut cached_tokens) = (0u32, 0u32);
        let mut stop = String::from("stop");
        for line in BufReader::new(resp).lines() {
            if control.cancelled(ask.id) {
                // Dropping the response closes the connection: the server stops generating.
                stop = "cancelled".into();
                break;
            }
            let line = line.map_err(|e| format!("the reply broke off: {e}"))?;
            let Some(data) = line.strip_prefix("data:").map(str::trim) else {
                continue;
            };
            if data == "[DONE]" {
                break;
            }
            let chunk: Value =
                serde_json::from_str(data).map_err(|e| format!("unreadable reply chunk: {e}"))?;
            if let Some(e) = chunk.get("error") {
                return Err(format!("the server stopped: {e}"));
            }
            if let Some(u) = chunk.get("usage").filter(|u| !u.is_null()) {
                let n = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0) as u32;
                prompt_tokens = n(u.get("prompt_tokens"));
                cached_tokens = n(u.pointer("/prompt_tokens_details/cached_tokens"));
                generated = generated.max(n(u.get("completion_tokens")));
            }
            let Some(choice) = chunk.pointer("/choices/0") else {
                continue;
            };
            if let Some(text) = choice
                .pointer("/delta/content")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                if first_token_ms == 0.0 {
                    first_token_ms = crate::ms(t);
                }
                generated += 1;
                on_token(text);
            }
            if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
                stop = r.to_owned();
            }
        }
        Ok(Done {
            id: ask.id,
            prompt_tokens,
            cached_tokens,
            tokens: generated,
            first_token_ms,
            took_ms: crate::ms(t),
            stop,
        })
    }
}
