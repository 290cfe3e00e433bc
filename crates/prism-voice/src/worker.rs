//! Supervising an inference worker process (`prism-stt`, `prism-llm`): started at once, watched,
//! and restarted with backoff when it dies. Requests go in as NDJSON lines; what comes out arrives
//! as [`Notice`]s on a channel the app polls each frame (tests wait on it). A request that was in
//! flight when the worker died is answered with an error, so nothing waits forever.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prism_core::worker::{Event, Request};

/// How to start a worker.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// What the user calls it in messages ("speech recognition", "the language model").
    pub label: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Extra environment (secrets such as an API key stay out of the process list).
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The process was started (again); the model is loading.
    Starting {
        attempt: u32,
    },
    Event(Event),
    /// It died; it will be started again after `retry_in`.
    Died {
        message: String,
        retry_in: Duration,
    },
}

struct Shared {
    stdin: Mutex<Option<ChildStdin>>,
    child: Mutex<Option<Child>>,
    ready: AtomicBool,
    stopping: AtomicBool,
    in_flight: Mutex<HashSet<u64>>,
}

pub struct Worker {
    pub spec: WorkerSpec,
    shared: Arc<Shared>,
    /// Lines for the writer thread: a 100 KB recording must not block the caller (a frame)
    /// while the worker is busy and its pipe is full.
    lines: Sender<String>,
    /// In a mutex so a worker can live in an app resource (shared across threads).
    notices: Mutex<Receiver<Notice>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0} is still starting")]
    NotReady(String),
    #[error("{0} stopped: {1}")]
    Gone(String, String),
}

impl Worker {
    pub fn start(spec: WorkerSpec) -> Worker {
        let shared = Arc::new(Shared {
            stdin: Mutex::new(None),
            child: Mutex::new(None),
            ready: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            in_flight: Mutex::new(HashSet::new()),
        });
        let (tx, notices) = channel();
        let s = shared.clone();
        let sp = spec.clone();
        std::thread::Builder::new()
            .name(format!("supervise {}", spec.label))
            .spawn(move || supervise(sp, s, tx))
            .expect("spawn supervisor thread");
        let (lines, to_write) = channel::<String>();
        let s = shared.clone();
        std::thread::Builder::new()
            .name(format!("write to {}", spec.label))
            .spawn(move || {
                for line in to_write {
                    // A write to a dead worker fails; the supervisor answers its request.
                    if let Some(pipe) = s.stdin.lock().unwrap().as_mut() {
                        let _ = writeln!(pipe, "{line}").and_then(|_| pipe.flush());
                    }
                }
            })
            .expect("spawn writer thread");
        Worker {
            spec,
            shared,
            lines,
            notices: Mutex::new(notices),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::SeqCst)
    }

    /// Sends a request; its answer arrives as notices.
    pub fn send(&self, request: &Request) -> Result<(), SendError> {
        if !self.is_ready() {
            return Err(SendError::NotReady(self.spec.label.clone()));
        }
        let id = match request {
            Request::Transcribe { id, .. }
            | Request::Score { id, .. }
            | Request::Rehear { id, .. }
            | Request::Chat { id, .. }
            | Request::Prefill { id, .. } => Some(*id),
            Request::Cancel { .. } | Request::Hold { .. } | Request::Resume { .. } => None,
        };
        if let Some(id) = id {
            self.shared.in_flight.lock().unwrap().insert(id);
        }
        self.lines
            .send(request.line())
            .map_err(|e| SendError::Gone(self.spec.label.clone(), e.to_string()))
    }

    pub fn try_notice(&self) -> Option<Notice> {
        self.notices.lock().unwrap().try_recv().ok()
    }

    pub fn wait_notice(&self, timeout: Duration) -> Option<Notice> {
        self.notices.lock().unwrap().recv_timeout(timeout).ok()
    }

    /// The worker process's id while it runs (tests kill it to prove recovery).
    pub fn pid(&self) -> Option<u32> {
        self.shared.child.lock().unwrap().as_ref().map(Child::id)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Killed first: a write blocked on a full pipe then fails and lets go of stdin.
        if let Some(mut child) = self.shared.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.shared.stdin.lock().unwrap().take();
    }
}

/// Backoff before restart number `n` (from 0): 0.5 s doubling to 30 s.
pub fn backoff(n: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << n.min(6))).min(Duration::from_secs(30))
}

fn supervise(spec: WorkerSpec, shared: Arc<Shared>, tx: Sender<Notice>) {
    let mut failures = 0u32;
    let mut attempt = 0u32;
    while !shared.stopping.load(Ordering::SeqCst) {
        attempt += 1;
        if tx.send(Notice::Starting { attempt }).is_err() {
            return;
        }
        let started = Instant::now();
        let message = match run_once(&spec, &shared, &tx) {
            Ok(message) | Err(message) => message,
        };
        shared.ready.store(false, Ordering::SeqCst);
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        for id in shared.in_flight.lock().unwrap().drain() {
            let _ = tx.send(Notice::Event(Event::Error {
                id: Some(id),
                message: format!("{} stopped while working on it", spec.label),
            }));
        }
        // A worker that stayed up a while earns a quick restart; one that keeps dying backs off.
        if started.elapsed() > Duration::from_secs(60) {
            failures = 0;
        }
        let retry_in = backoff(failures);
        failures += 1;
        if tx.send(Notice::Died { message, retry_in }).is_err() {
            return;
        }
        let until = Instant::now() + retry_in;
        while Instant::now() < until && !shared.stopping.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Runs the worker until it exits; the message says why it did.
fn run_once(spec: &WorkerSpec, shared: &Shared, tx: &Sender<Notice>) -> Result<String, String> {
    let mut child = Command::new(&spec.program)
        .args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", spec.program.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    *shared.stdin.lock().unwrap() = child.stdin.take();
    *shared.child.lock().unwrap() = Some(child);

    // The last thing the worker logged explains most deaths.
    let last_log = Arc::new(Mutex::new(String::new()));
    let log = last_log.clone();
    let label = spec.label.clone();
    let err_thread = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !line.trim().is_empty() {
                eprintln!("[{label}] {line}");
                *log.lock().unwrap() = line;
            }
        }
    });
    let mut reported = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let event = match serde_json::from_str::<Event>(&line) {
            Ok(event) => event,
            Err(e) => Event::Error {
                id: None,
                message: format!("unreadable line from worker ({e}): {line}"),
            },
        };
        match &event {
            Event::Ready { .. } => shared.ready.store(true, Ordering::SeqCst),
            Event::Transcript { id, .. }
            | Event::Scores { id, .. }
            | Event::Reheard { id, .. }
            | Event::Done(prism_core::worker::Done { id, .. })
            | Event::Prefilled(prism_core::worker::Done { id, .. }) => {
                shared.in_flight.lock().unwrap().remove(id);
            }
            Event::Error { id: Some(id), .. } => {
                shared.in_flight.lock().unwrap().remove(id);
            }
            Event::Error { id: None, message } => reported = Some(message.clone()),
            Event::Token { .. } | Event::Guess { .. } => {}
        }
        if tx.send(Notice::Event(event)).is_err() {
            break;
        }
    }
    shared.stdin.lock().unwrap().take();
    let status = shared.child.lock().unwrap().take().map(|mut c| c.wait());
    let _ = err_thread.join();
    let why = reported.unwrap_or_else(|| last_log.lock().unwrap().clone());
    let status = match status {
        Some(Ok(s)) => s.to_string(),
        Some(Err(e)) => e.to_string(),
        None => "stopped".into(),
    };
    // "The language model stopped: cannot reach …" (the worker's own reason, when it gave
    // one, says more than its exit status).
    let mut label = spec.label.clone();
    if let Some(first) = label.get(..1) {
        label.replace_range(..1, &first.to_uppercase());
    }
    Ok(if why.is_empty() {
        format!("{label} stopped ({status})")
    } else {
        format!("{label} stopped: {}", why.trim_end_matches('.'))
    })
}

/// Where the worker binaries are: beside the running program (`target/<profile>`), one folder
/// up (a test binary in `target/<profile>/deps`), or in `../lib/prism` as the package installs
/// them; `PRISM_WORKER_DIR` overrides.
pub fn find_worker(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PRISM_WORKER_DIR")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.to_path_buf());
        dirs.extend(dir.parent().map(Path::to_path_buf));
        // Installed by the package: /usr/bin/prism, /usr/lib/prism/prism-stt.
        dirs.extend(dir.parent().map(|p| p.join("lib").join("prism")));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}
