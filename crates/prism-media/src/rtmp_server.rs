//! A real RTMP server on loopback (Debian's nginx with its RTMP module, on a free port, with a
//! configuration and a folder of its own) and a reader that pulls a stream or a file back and
//! decodes it: what the broadcast tests and bench send to and check with.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

const MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/// nginx serving `rtmp://127.0.0.1:{port}/live/{key}`; stopped when dropped.
pub struct RtmpServer {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl RtmpServer {
    /// Starts nginx in `dir` (its configuration, pid and log live there). Fails with what to
    /// install when nginx or its RTMP module is missing.
    pub fn start(dir: &Path) -> Result<RtmpServer, String> {
        Self::start_on(dir, 0)
    }

    /// [`RtmpServer::start`] on `port` (0: a free one), e.g. the port of one that stopped.
    pub fn start_on(dir: &Path, port: u16) -> Result<RtmpServer, String> {
        if !Path::new(MODULE).exists() || !Path::new("/usr/sbin/nginx").exists() {
            return Err(
                "an RTMP server is needed: apt install nginx-light libnginx-mod-rtmp (./x test does)"
                    .into(),
            );
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let port = match port {
            0 => TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| e.to_string())?
                .port(),
            p => p,
        };
        let conf = format!(
            "load_module {MODULE};\n\
             daemon off;\nmaster_process off;\nworker_processes 1;\n\
             error_log {d}/error.log info;\npid {d}/nginx.pid;\n\
             events {{ worker_connections 64; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
               application live {{ live on; record off; }} }} }}\n",
            d = dir.display()
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).map_err(|e| e.to_string())?;
        let mut child = Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("nginx: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                return Err(format!("nginx exited ({status}): {log}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("nginx did not listen within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(RtmpServer {
            child,
            port,
            dir: dir.to_owned(),
        })
    }

    /// The URL to publish (and play) stream `key` at.
    pub fn url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.port)
    }

    /// nginx's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for RtmpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What came back from a stream or a file.
#[derive(Debug, Default)]
pub struct Pulled {
    /// The last picture decoded: RGBA, tight rows.
    pub frame: Option<(u32, u32, Vec<u8>)>,
    pub frames: u64,
    /// Audio decoded: samples (mono) and their RMS level.
    pub samples: u64,
    pub rms: f32,
}

impl Pulled {
    /// The average colour of a rectangle of the last frame, in 0..1 fractions of its size.
    pub fn mean(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> Option<[f32; 3]> {
        let (w, h, px) = self.frame.as_ref()?;
        let (w, h) = (*w as usize, *h as usize);
        let xs = (x0 * w as f32) as usize..(x1 * w as f32) as usize;
        let ys = (y0 * h as f32) as usize..(y1 * h as f32) as usize;
        let mut sum = [0f64; 3];
        let mut n = 0f64;
        for y in ys {
            for x in xs.clone() {
                let i = (y * w + x) * 4;
                for (c, s) in sum.iter_mut().enumerate() {
                    *s += f64::from(px[i + c]);
                }
                n += 1.0;
            }
        }
        (n > 0.0).then(|| sum.map(|s| (s / n / 255.0) as f32))
    }
}

/// Decodes `uri` (an `rtmp://` stream or a `file://`) for `seconds` or to its end, and says
/// what it held.
pub fn pull(uri: &str, seconds: f64) -> Result<Pulled, String> {
    crate::init().map_err(|e| e.to_string())?;
    let desc = format!(
        "uridecodebin uri={uri} name=d \
         d. ! queue ! videoconvert ! video/x-raw,format=RGBA ! appsink name=v sync=false \
         d. ! queue ! audioconvert ! audioresample \
            ! audio/x-raw,format=F32LE,channels=1,rate=48000 ! appsink name=a sync=false"
    );
    let pipeline = gst::parse::launch(&desc)
        .map_err(|e| e.to_string())?
        .downcast::<gst::Pipeline>()
        .map_err(|_| "not a pipeline".to_owned())?;
    let sink = |n: &str| {
        pipeline
            .by_name(n)
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| format!("no {n}"))
    };
    let (v, a) = (sink("v")?, sink("a")?);
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| format!("{uri}: {e}"))?;
    let bus = pipeline.bus().ok_or("no bus")?;
    let mut out = Pulled::default();
    let mut energy = 0f64;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut ended = false;
    // The audio sink's samples so far, into the energy and the count.
    let drain = |energy: &mut f64, samples: &mut u64| {
        while let Some(s) = a.try_pull_sample(gst::ClockTime::ZERO) {
            if let Some(map) = s.buffer().and_then(|b| b.map_readable().ok()) {
                for c in map.chunks_exact(4) {
                    let x = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    *energy += f64::from(x * x);
                    *samples += 1;
                }
            }
        }
    };
    // Only the last frame is kept: it is copied out once, after the loop, not once a frame.
    let mut last = None;
    while Instant::now() < deadline && !ended {
        if let Some(s) = v.try_pull_sample(gst::ClockTime::from_mseconds(10)) {
            out.frames += 1;
            last = Some(s);
        }
        drain(&mut energy, &mut out.samples);
        while let Some(msg) = bus.pop() {
            match msg.view() {
                gst::MessageView::Eos(_) => ended = true,
                gst::MessageView::Error(e) => {
                    let _ = pipeline.set_state(gst::State::Null);
                    return Err(format!("{uri}: {} ({:?})", e.error(), e.debug()));
                }
                _ => {}
            }
        }
    }
    // What the sinks still hold after the end.
    drain(&mut energy, &mut out.samples);
    if let Some(s) = last {
        let caps = s.caps().and_then(|c| c.structure(0).map(|s| s.to_owned()));
        let (w, h) = caps
            .map(|c| {
                (
                    c.get::<i32>("width").unwrap_or(0) as u32,
                    c.get::<i32>("height").unwrap_or(0) as u32,
                )
            })
            .unwrap_or_default();
        if let Some(map) = s.buffer().and_then(|b| b.map_readable().ok()) {
            // videoconvert may pad rows: keep the tight ones.
            let stride = map.len() / h.max(1) as usize;
            let row = w as usize * 4;
            let mut px = Vec::with_capacity(row * h as usize);
            for y in 0..h as usize {
                px.extend_from_slice(&map[y * stride..y * stride + row]);
            }
            out.frame = Some((w, h, px));
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    out.rms = (energy / out.samples.max(1) as f64).sqrt() as f32;
    Ok(out)
}
