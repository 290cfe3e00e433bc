//! What the window tests share: a virtual X server, running the app with a script, reading
//! screenshots.

#![allow(dead_code)] // each test file uses its own share of it

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};

/// A virtual X server, and this test's turn at the machine.
pub struct Xvfb(Child, #[allow(dead_code)] MutexGuard<'static, ()>);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One window test at a time in a test binary. Each runs the whole app (a software renderer,
/// GStreamer, and up to three inference workers whose ggml threads spin-wait): two side by side
/// on two cores starved each other so far that a 2 s command took over 30 s to transcribe.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A turn of this binary's one-at-a-time lock, for a test that runs the app's heavy parts
/// without a window (`prism bench voice`): beside a window test it starved both (a voice ready
/// after 69 s, and GStreamer's HLS demuxer aborting on a race in CI).
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the next one still runs.
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A virtual X server on a free display number (Xvfb picks it and prints it: `-displayfd 1`).
/// Waits for the window tests before it in this binary to finish.
pub fn xvfb() -> (Xvfb, String) {
    use std::io::BufRead;
    let turn = one_at_a_time();
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x720x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is required (apt install xvfb; ./x test installs it)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("Xvfb prints its display number when ready");
    let n = line.trim();
    assert!(!n.is_empty(), "Xvfb did not start");
    (Xvfb(child, turn), format!(":{n}"))
}

pub struct Png {
    pub w: usize,
    pub h: usize,
    pub rgba: Vec<u8>,
}

impl Png {
    pub fn load(path: &Path) -> Png {
        let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut dec = png::Decoder::new(std::io::BufReader::new(f));
        dec.set_transformations(png::Transformations::EXPAND);
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        let ch = info.color_type.samples();
        let mut rgba = Vec::with_capacity(info.width as usize * info.height as usize * 4);
        for px in buf[..info.buffer_size()].chunks(ch) {
            rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
        Png {
            w: info.width as usize,
            h: info.height as usize,
            rgba,
        }
    }
    pub fn px(&self, fx: f32, fy: f32) -> [u8; 3] {
        let x = ((fx * self.w as f32) as usize).min(self.w - 1);
        let y = ((fy * self.h as f32) as usize).min(self.h - 1);
        let i = (y * self.w + x) * 4;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }
    /// Mean absolute difference per channel over a region (fractions of the image).
    pub fn diff(&self, other: &Png, x0: f32, y0: f32, x1: f32, y1: f32) -> f32 {
        let mut sum = 0u64;
        let mut n = 0u64;
        for y in (y0 * self.h as f32) as usize..(y1 * self.h as f32) as usize {
            for x in (x0 * self.w as f32) as usize..(x1 * self.w as f32) as usize {
                let i = (y * self.w + x) * 4;
                for c in 0..3 {
                    sum += self.rgba[i + c].abs_diff(other.rgba[i + c]) as u64;
                }
                n += 3;
            }
        }
        sum as f32 / n.max(1) as f32
    }
}

pub fn run_prism(display: &str, config: &Path, script: &str, args: &[&str]) -> (String, String) {
    run_prism_with(display, config, script, args, &[])
}

/// [`run_prism`] with more environment variables.
pub fn run_prism_with(
    display: &str,
    config: &Path,
    script: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (String, String) {
    // The first run's welcome would stand over every scripted run's empty config folder; the
    // test of the welcome asks for it (PRISM_NO_WELCOME=0).
    let output = Command::new(env!("CARGO_BIN_EXE_prism"))
        .args(args)
        .env("PRISM_NO_WELCOME", "1")
        .envs(env.iter().copied())
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("PRISM_AUDIO", "null")
        .env("PRISM_CONFIG_DIR", config)
        .env("PRISM_SCRIPT", script)
        .env("RUST_LOG", "info,wgpu=error,naga=warn")
        .output()
        .expect("run prism");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "prism failed ({}):\n{stdout}\n{}",
        output.status,
        &stderr[stderr.len().saturating_sub(6000)..]
    );
    (stdout, stderr)
}

/// Where screenshots are kept for people to look at.
pub fn out_dir() -> PathBuf {
    let out = std::env::var_os("PRISM_E2E_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e"));
    std::fs::create_dir_all(&out).unwrap();
    out
}

/// Screenshot paths `PREFIX-NAME.png` in [`out_dir`], any left from an earlier run removed (a
/// shot that is never taken must not be read from before).
pub fn fresh_shots(prefix: &str, names: &[&str]) -> Vec<PathBuf> {
    let out = out_dir();
    names
        .iter()
        .map(|n| {
            let p = out.join(format!("{prefix}-{n}.png"));
            let _ = std::fs::remove_file(&p);
            p
        })
        .collect()
}

pub fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("prism-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
