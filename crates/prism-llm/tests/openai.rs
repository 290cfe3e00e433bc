//! The OpenAI-compatible backend (`prism-llm --endpoint`) against a loopback server that speaks
//! the streamed chat-completions protocol the way llama.cpp's server and Ollama do: tokens
//! arrive as they are sent, cancel closes the connection, and a refused key or a dead server is
//! a clear message. (No real OpenAI-compatible server can run offline here; the local model's
//! own path is tested in llm.rs.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prism_core::worker::{Event, Message, Request};
use prism_voice::worker::{Notice, Worker, WorkerSpec};
use serde_json::{Value, json};

#[derive(Default)]
struct Seen {
    /// (Authorization header, request body) of every request.
    requests: Mutex<Vec<(Option<String>, Value)>>,
    /// Set when a streamed reply could not be written to the end (the client hung up).
    hung_up: AtomicBool,
}

fn server() -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let s = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let s = s.clone();
            std::thread::spawn(move || answer(conn, &s));
        }
    });
    (url, seen)
}

fn answer(mut conn: TcpStream, seen: &Seen) {
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let (mut len, mut auth) = (0usize, None);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        if h == "\r\n" || h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        match k.to_ascii_lowercase().as_str() {
            "content-length" => len = v.trim().parse().unwrap(),
            "authorization" => auth = Some(v.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    seen.requests
        .lock()
        .unwrap()
        .push((auth.clone(), body.clone()));
    if body["model"] == "locked" {
        let e = json!({ "error": { "message": "Invalid API key", "type": "auth" } }).to_string();
        let _ = write!(
            conn,
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{e}",
            e.len()
        );
        return;
    }
    if body["stream"] != json!(true) {
        let reply = json!({ "choices": [{ "message": { "role": "assistant", "content": "Hi" } }] })
            .to_string();
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        return;
    }
    let question = body["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let pieces: Vec<String> = if question.contains("talk forever") {
        (0..200).map(|i| format!("word{i} ")).collect()
    } else {
        [
            "It's",
            " a",
            " nature",
            " documentary",
            " [happy]",
            " about",
            " whales",
            ".",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let _ = conn.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
    );
    for p in &pieces {
        let chunk = json!({ "choices": [{ "index": 0, "delta": { "content": p }, "finish_reason": null }] });
        if conn
            .write_all(format!("data: {chunk}\n\n").as_bytes())
            .and_then(|_| conn.flush())
            .is_err()
        {
            seen.hung_up.store(true, Ordering::SeqCst);
            return;
        }
        std::thread::sleep(Duration::from_millis(60));
    }
    let last = json!({ "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] });
    let usage = json!({ "choices": [], "usage": { "prompt_tokens": 321, "completion_tokens": pieces.len(), "prompt_tokens_details": { "cached_tokens": 300 } } });
    let _ = write!(conn, "data: {last}\n\ndata: {usage}\n\ndata: [DONE]\n\n");
}

fn start(url: &str, model: &str, key: Option<&str>) -> Worker {
    Worker::start(WorkerSpec {
        label: "the language model".into(),
        program: PathBuf::from(env!("CARGO_BIN_EXE_prism-llm")),
        args: vec![
            "--endpoint".into(),
            url.into(),
            "--model".into(),
            model.into(),
        ],
        env: key
            .map(|k| vec![("PRISM_LLM_API_KEY".to_owned(), k.to_owned())])
            .unwrap_or_default(),
    })
}

fn first_notice(w: &Worker) -> Notice {
    loop {
        match w
            .wait_notice(Duration::from_secs(20))
            .expect("a notice in 20 s")
        {
            Notice::Starting { .. } => continue,
            n => return n,
        }
    }
}

fn chat(question: &str, grammar: Option<String>) -> Request {
    Request::Chat {
        id: 7,
        messages: vec![
            Message::new("system", "You are Lumen."),
            Message::new("user", question),
        ],
        max_tokens: 80,
        temperature: 0.3,
        grammar,
        reply_start: None,
    }
}

#[test]
fn a_server_reply_streams_token_by_token_with_the_key_and_the_grammar() {
    let (url, seen) = server();
    let w = start(&url, "llama3.2:1b", Some("sekrit"));
    assert!(
        matches!(first_notice(&w), Notice::Event(Event::Ready { .. })),
        "ready after a round trip"
    );
    w.send(&chat(
        "What is this show about?",
        Some("root ::= \"x\"".into()),
    ))
    .unwrap();
    let sent = Instant::now();
    let (mut text, mut first) = (String::new(), None);
    let (done, total) = loop {
        match w.wait_notice(Duration::from_secs(10)).expect("the reply") {
            Notice::Event(Event::Token { id: 7, text: t }) => {
                first.get_or_insert(sent.elapsed());
                text += &t;
            }
            Notice::Event(Event::Done(d)) => break (d, sent.elapsed()),
            Notice::Event(Event::Error { message, .. }) => panic!("{message}"),
            _ => {}
        }
    };
    assert_eq!(text, "It's a nature documentary [happy] about whales.");
    // Eight pieces 60 ms apart: streamed, the first lands long before the last.
    let first = first.unwrap();
    assert!(
        total - first > Duration::from_millis(300),
        "first token at {first:?}, done at {total:?}: not streamed"
    );
    assert_eq!(
        (done.id, done.prompt_tokens, done.cached_tokens, done.tokens),
        (7, 321, 300, 8)
    );
    assert_eq!(done.stop, "stop");
    let requests = seen.requests.lock().unwrap();
    let (auth, body) = requests.last().unwrap();
    assert_eq!(auth.as_deref(), Some("Bearer sekrit"));
    assert_eq!(body["model"], "llama3.2:1b");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 80);
    assert_eq!(body["grammar"], "root ::= \"x\"");
    assert_eq!(body["messages"][0]["content"], "You are Lumen.");
    assert_eq!(body["messages"][1]["role"], "user");
    println!(
        "first token {:.0} ms, done {:.0} ms",
        first.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0
    );
}

/// A reply's given start is streamed back first and sent as the assistant message the server
/// continues.
#[test]
fn a_reply_start_is_continued_by_the_server() {
    let (url, seen) = server();
    let w = start(&url, "llama3.2:1b", None);
    assert!(matches!(
        first_notice(&w),
        Notice::Event(Event::Ready { .. })
    ));
    let mut ask = chat("What did I miss?", None);
    if let Request::Chat { reply_start, .. } = &mut ask {
        *reply_start = Some("While you were away,".into());
    }
    w.send(&ask).unwrap();
    let mut text = String::new();
    loop {
        match w.wait_notice(Duration::from_secs(10)).expect("the reply") {
            Notice::Event(Event::Token { id: 7, text: t }) => text += &t,
            Notice::Event(Event::Done(_)) => break,
            Notice::Event(Event::Error { message, .. }) => panic!("{message}"),
            _ => {}
        }
    }
    assert!(text.starts_with("While you were away,It's"), "{text}");
    let requests = seen.requests.lock().unwrap();
    let (_, body) = requests.last().unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(
        messages.last().unwrap(),
        &json!({ "role": "assistant", "content": "While you were away," })
    );
}

#[test]
fn cancel_hangs_up_on_the_server() {
    let (url, seen) = server();
    let w = start(&url, "m", None);
    assert!(matches!(
        first_notice(&w),
        Notice::Event(Event::Ready { .. })
    ));
    w.send(&chat("talk forever", None)).unwrap();
    let mut cancelled_at = None;
    let done = loop {
        match w.wait_notice(Duration::from_secs(10)).expect("the reply") {
            Notice::Event(Event::Token { .. }) if cancelled_at.is_none() => {
                w.send(&Request::Cancel { id: 7 }).unwrap();
                cancelled_at = Some(Instant::now());
            }
            Notice::Event(Event::Done(d)) => break d,
            _ => {}
        }
    };
    assert_eq!(done.stop, "cancelled");
    assert!(done.tokens < 20, "{} tokens after cancel", done.tokens);
    assert!(cancelled_at.unwrap().elapsed() < Duration::from_secs(1));
    // The server notices the closed connection at its next write.
    let until = Instant::now() + Duration::from_secs(3);
    while !seen.hung_up.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        seen.hung_up.load(Ordering::SeqCst),
        "the server kept talking"
    );
    assert!(
        seen.requests.lock().unwrap()[0].0.is_none(),
        "no key, no header"
    );
}

#[test]
fn a_refused_key_and_a_dead_server_are_clear_messages() {
    let (url, _) = server();
    let w = start(&url, "locked", Some("wrong"));
    let message = death(&w);
    assert!(message.contains("refused"), "{message}");
    assert!(message.contains("Invalid API key"), "{message}");
    assert!(message.contains("PRISM_LLM_API_KEY"), "{message}");
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", dead.local_addr().unwrap());
    drop(dead);
    let w = start(&url, "m", None);
    let message = death(&w);
    assert!(message.contains("cannot reach"), "{message}");
}

/// What the supervisor tells the user when a worker dies starting.
fn death(w: &Worker) -> String {
    loop {
        match first_notice(w) {
            Notice::Died { message, .. } => return message,
            Notice::Event(Event::Ready { .. }) => panic!("ready against a broken server"),
            _ => {}
        }
    }
}
