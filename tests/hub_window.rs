//! The control API against the real app in a window: a real HTTP client (reqwest, hyper
//! underneath) drives the TV over JSON-RPC with the token from hub.json, and requests without
//! the token, or from another host or page, are refused before they are read.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Png, out_dir, run_prism_with, tempdir, xvfb};
use serde_json::{Value, json};

/// The official Python MCP SDK as a client (tests/mcp_client.py) of `prism mcp` over stdio, or
/// of `/mcp` over streamable HTTP (`http`: the URL and the token): what it got.
fn mcp_client(runtime: &Path, http: Option<(&str, &str)>) -> Value {
    let python = std::env::var_os("PRISM_MCP_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/prism/venv-mcp/bin/python")
        });
    assert!(
        python.is_file(),
        "no Python MCP client at {}: ./x test installs it (PyPI mcp in ~/.cache/prism/venv-mcp)",
        python.display()
    );
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py"));
    match http {
        Some((url, token)) => cmd.args(["--http", url, token]),
        None => cmd.arg(env!("CARGO_BIN_EXE_prism")),
    };
    let out = cmd.env("XDG_RUNTIME_DIR", runtime).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the MCP client failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Waits for the app's hub.json (port and token).
fn hub_file(path: &Path) -> (u16, String) {
    let t = Instant::now();
    loop {
        if let Some(v) = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        {
            return (
                v["port"].as_u64().unwrap() as u16,
                v["token"].as_str().unwrap().to_owned(),
            );
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A test's app: its virtual display, its folder, and the runtime folder hub.json goes in.
struct HubApp {
    _x: common::Xvfb,
    display: String,
    dir: std::path::PathBuf,
    runtime: std::path::PathBuf,
    hub: std::path::PathBuf,
}

impl HubApp {
    fn new(name: &str) -> HubApp {
        let (x, display) = xvfb();
        let dir = tempdir().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        let runtime = dir.join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        HubApp {
            _x: x,
            display,
            hub: runtime.join("prism").join("hub.json"),
            dir,
            runtime,
        }
    }

    /// Runs the app with `script` (on any free port, hub.json in this test's runtime folder)
    /// and more environment: its stdout.
    fn run(&self, script: &str, env: &[(&str, &str)]) -> String {
        let mut all = vec![
            ("XDG_RUNTIME_DIR", self.runtime.to_str().unwrap()),
            ("PRISM_HUB_PORT", "0"),
        ];
        all.extend_from_slice(env);
        run_prism_with(&self.display, &self.dir.join("config"), script, &[], &all).0
    }
}

/// What a test's client saw, printed for the log, and the screenshots to look at.
fn report(seen: &[Value], shots: &[std::path::PathBuf]) {
    for s in seen {
        println!("{s}");
    }
    println!(
        "screenshots: {}",
        shots
            .iter()
            .map(|s| s.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// Fresh paths for screenshots in the folder people look at.
fn shot_paths<const N: usize>(names: [&str; N]) -> [std::path::PathBuf; N] {
    let out = out_dir();
    names.map(|n| {
        let p = out.join(n);
        let _ = std::fs::remove_file(&p);
        p
    })
}

/// A raw HTTP/1.1 POST with the headers given: its status code.
fn raw_status(port: u16, headers: &str) -> u16 {
    raw_status_at(port, "/jsonrpc", headers)
}

fn raw_status_at(port: u16, path: &str, headers: &str) -> u16 {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"JSONRPC.Ping"}"#;
    write!(
        s,
        "POST {path} HTTP/1.1\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_control_api_drives_the_tv_with_its_token_and_refuses_strangers() {
    let app = HubApp::new("hub");
    let (hub, runtime) = (app.hub.clone(), app.runtime.clone());
    let done = app.dir.join("client-done");
    let [before, shot] = shot_paths(["hub-before.png", "hub-tuned.png"]);

    let client = {
        let (hub, done, before) = (hub.clone(), done.clone(), before.clone());
        std::thread::spawn(move || {
            let (port, token) = hub_file(&hub);
            // hub.json and the token are the user's alone.
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&hub).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "hub.json's mode");
            let url = format!("http://127.0.0.1:{port}/jsonrpc");
            let http = reqwest::blocking::Client::new();
            let rpc = |body: Value| -> Value {
                let text = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .send()
                    .unwrap()
                    .text()
                    .unwrap();
                serde_json::from_str(&text).unwrap()
            };
            let call = |id: u32, method: &str, params: Value| {
                rpc(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            };
            let mut seen = Vec::new();
            // Channel 1 plays and the window has been captured with it.
            let t = Instant::now();
            while !before.is_file() {
                assert!(t.elapsed() < Duration::from_secs(120), "never playing");
                std::thread::sleep(Duration::from_millis(200));
            }
            seen.push(call(2, "JSONRPC.Ping", json!({})));
            seen.push(call(
                3,
                "Player.Open",
                json!({"item": {"channel": "Prism Music"}}),
            ));
            seen.push(call(4, "Application.SetVolume", json!({"volume": 35})));
            seen.push(call(5, "Player.GetProperties", json!({})));
            seen.push(call(6, "Player.Open", json!({"item": {"channelid": 99}})));
            seen.push(call(7, "Application.SetVolume", json!({"volume": 150})));
            seen.push(rpc(json!([
                {"jsonrpc": "2.0", "id": 8, "method": "PVR.GetChannels", "params": {"limit": 2}},
                {"jsonrpc": "2.0", "id": 9, "method": "Nope.Never"},
            ])));
            // The WebSocket: the same methods, and what happens as notifications.
            let ws_url = format!("ws://127.0.0.1:{port}/ws");
            use tungstenite::client::IntoClientRequest;
            let refused = match tungstenite::connect(ws_url.as_str()) {
                Err(tungstenite::Error::Http(r)) => r.status().as_u16(),
                other => panic!("a WebSocket without the token: {other:?}"),
            };
            let mut req = ws_url.as_str().into_client_request().unwrap();
            req.headers_mut()
                .insert("Authorization", format!("Bearer {token}").parse().unwrap());
            let (mut ws, _) = tungstenite::connect(req).unwrap();
            if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_mut() {
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            }
            ws.send(tungstenite::Message::text(
                json!({"jsonrpc": "2.0", "id": 10, "method": "Player.Open",
                       "params": {"item": {"channelid": 1}}})
                .to_string(),
            ))
            .unwrap();
            let mut on_ws = Vec::new();
            while on_ws.len() < 2 {
                let m = ws.read().unwrap();
                if let tungstenite::Message::Text(t) = m {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    // The reply, and the notification of the zap (volume changes may come too).
                    if v["id"] == 10 || v["method"] == "Player.OnPlay" {
                        on_ws.push(v);
                    }
                }
            }
            seen.push(json!(on_ws));
            // Words to Lumen, answered as if spoken once she has said it; and what she said,
            // told to the WebSocket.
            ws.send(tungstenite::Message::text(
                json!({"jsonrpc": "2.0", "id": 13, "method": "Prism.Lumen.Ask",
                       "params": {"text": "mute"}})
                .to_string(),
            ))
            .unwrap();
            let mut lumen = Vec::new();
            while lumen.len() < 2 {
                if let tungstenite::Message::Text(t) = ws.read().unwrap() {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["id"] == 13 || v["method"] == "Prism.Lumen.OnSpeak" {
                        lumen.push(v);
                    }
                }
            }
            seen.push(json!(lumen));
            seen.push(json!(refused));
            seen.push(call(11, "Prism.Lumen.SetCompanion", json!({"on": true})));
            // An AI agent: the Python MCP SDK launches `prism mcp`, which drives this app.
            let runtime = hub.parent().unwrap().parent().unwrap();
            seen.push(mcp_client(runtime, None));
            // And over streamable HTTP, on the app's own listener, with the token.
            let url = format!("http://127.0.0.1:{port}/mcp");
            seen.push(mcp_client(runtime, Some((&url, &token))));
            // No token; the token from another host's page; a foreign Host (DNS rebinding).
            let statuses = [
                raw_status(port, &format!("Host: 127.0.0.1:{port}\r\n")),
                raw_status(
                    port,
                    &format!(
                        "Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nOrigin: http://evil.example\r\n"
                    ),
                ),
                raw_status(
                    port,
                    &format!("Host: evil.example:{port}\r\nAuthorization: Bearer {token}\r\n"),
                ),
                raw_status(
                    port,
                    &format!(
                        "Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {}\r\n",
                        "0".repeat(64)
                    ),
                ),
                // MCP's endpoint is behind the same checks.
                raw_status_at(port, "/mcp", &format!("Host: 127.0.0.1:{port}\r\n")),
                raw_status_at(
                    port,
                    "/mcp",
                    &format!("Host: evil.example:{port}\r\nAuthorization: Bearer {token}\r\n"),
                ),
            ];
            // The figures, as JSON and for Prometheus (with the token; without, refused).
            seen.push(call(14, "Prism.GetStats", json!({})));
            let metrics = http
                .get(format!("http://127.0.0.1:{port}/metrics"))
                .bearer_auth(&token)
                .send()
                .unwrap()
                .text()
                .unwrap();
            let bare = reqwest::blocking::get(format!("http://127.0.0.1:{port}/metrics"))
                .unwrap()
                .status()
                .as_u16();
            seen.push(json!({ "metrics": metrics, "bare": bare }));
            std::fs::write(&done, "").unwrap();
            (seen, statuses)
        })
    };
    let script = format!(
        "playing;shot {};waitfile {};wait 2;shot {};quit",
        before.display(),
        done.display(),
        shot.display()
    );
    let stdout = app.run(&script, &[]);
    let (seen, statuses) = client.join().unwrap();
    report(&seen, &[before.clone(), shot.clone()]);
    assert_eq!(seen[0]["result"], "pong");
    // Carried out, and said as it happened.
    assert_eq!(seen[1]["result"]["outcome"], "Tuned", "{}", seen[1]);
    assert_eq!(seen[1]["result"]["said"], "Channel 3, Prism Music.");
    assert_eq!(seen[2]["result"]["outcome"], "Volume", "{}", seen[2]);
    let now = &seen[3]["result"];
    assert_eq!(now["channel"]["label"], "Prism Music", "{now}");
    assert_eq!(now["volume"], 35);
    // What cannot be done is an error, never an acknowledgement.
    assert_eq!(seen[4]["error"]["code"], -32001, "{}", seen[4]);
    assert_eq!(seen[5]["error"]["code"], -32001, "{}", seen[5]);
    let batch = seen[6].as_array().unwrap();
    assert_eq!(batch[0]["result"]["limits"]["total"], 6);
    assert_eq!(batch[0]["result"]["channels"][1]["label"], "Prism Sports");
    assert_eq!(batch[1]["error"]["code"], -32601);
    assert_eq!(statuses, [401, 403, 403, 401, 401, 403]);
    let on_ws = seen[7].as_array().unwrap();
    let reply = on_ws.iter().find(|v| v["id"] == 10).expect("the reply");
    assert_eq!(reply["result"]["outcome"], "Tuned", "{reply}");
    let played = on_ws
        .iter()
        .find(|v| v["method"] == "Player.OnPlay")
        .expect("Player.OnPlay");
    assert_eq!(played["params"]["data"]["item"]["label"], "Prism Sports");
    assert_eq!(seen[9], 401, "a WebSocket without the token");
    assert_eq!(seen[10]["result"]["outcome"], "Companion", "{}", seen[10]);
    let stats = &seen[13]["result"];
    assert!(stats["zap"]["count"].as_u64().unwrap() >= 3, "{stats}");
    assert!(stats["zap"]["last_ms"].as_f64().unwrap() > 0.0, "{stats}");
    assert!(stats["fps"].as_f64().unwrap() > 0.0, "{stats}");
    assert!(stats["video"]["shown"].as_u64().unwrap() > 0, "{stats}");
    assert!(stats["hub"]["requests"].as_u64().unwrap() >= 10, "{stats}");
    let metrics = seen[14]["metrics"].as_str().unwrap();
    for m in [
        "# TYPE prism_fps gauge",
        "prism_zap_latency_ms ",
        "prism_frames_shown_total ",
        "prism_relay_skipped_segments_total 0",
        "prism_voice_total_ms ",
    ] {
        assert!(metrics.contains(m), "{m}: {metrics}");
    }
    assert_eq!(seen[14]["bare"], 401, "/metrics without the token");
    let lumen = seen[8].as_array().unwrap();
    let asked = lumen.iter().find(|v| v["id"] == 13).expect("Ask's reply");
    assert_eq!(asked["result"]["understood"], "Mute", "{asked}");
    assert_eq!(asked["result"]["said"], "Muted.", "{asked}");
    let spoke = lumen
        .iter()
        .find(|v| v["method"] == "Prism.Lumen.OnSpeak")
        .expect("Prism.Lumen.OnSpeak");
    assert_eq!(spoke["params"]["data"]["text"], "Muted.", "{spoke}");
    for mcp in &seen[11..13] {
        an_agent_drove_the_tv(mcp);
    }
    // With the app gone, the agent is told so.
    let gone = mcp_client(&runtime, None);
    let said = gone["calls"][0]["text"].as_str().unwrap();
    assert!(said.contains("Prism is not running"), "{gone}");
    assert!(
        gone["read_errors"][0]
            .as_str()
            .unwrap()
            .contains("Prism is not running"),
        "{gone}"
    );
    // Gone with the app: nothing reads a port that no longer answers.
    assert!(!hub.exists(), "hub.json outlived the app");
    println!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.contains("autopilot"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The window changed channel: channel 1's SMPTE bars (a yellow bar second from the left)
    // gave way to channel 3's pinwheel (3, then 2 over the WebSocket, then 3 again by MCP).
    let (a, b) = (Png::load(&before), Png::load(&shot));
    let [r, g, bl] = a.px(3.0 / 14.0, 0.45);
    assert!(
        r > 150 && g > 150 && bl < 90,
        "channel 1's yellow bar: {:?}",
        [r, g, bl]
    );
    assert!(
        b.diff(&a, 0.1, 0.2, 0.9, 0.6) > 30.0,
        "the picture did not change after Player.Open"
    );
}

/// What the Python MCP client saw: the tools, a zap by name, what is on, an unknown channel
/// refused, a page of channels, a guide search and the now-playing resource.
fn an_agent_drove_the_tv(mcp: &Value) {
    assert_eq!(mcp["server"], "prism", "{mcp}");
    for t in [
        "list_channels",
        "tune",
        "whats_on",
        "get_guide",
        "set_volume",
        "speak",
        "set_companion",
        "arrange_screen",
        "broadcast",
        "status",
        "search_programmes",
        "ask_lumen",
        "watch_programme",
        "record_programme",
        "list_timers",
        "cancel_timer",
        "list_recordings",
        "play_recording",
    ] {
        assert!(
            mcp["tools"].as_array().unwrap().iter().any(|n| n == t),
            "{t}: {mcp}"
        );
    }
    let calls = mcp["calls"].as_array().unwrap();
    assert_eq!(calls[0]["error"], false, "{mcp}");
    assert_eq!(calls[0]["text"], "Channel 3, Prism Music.", "{mcp}");
    let on = calls[1]["text"].as_str().unwrap();
    assert!(
        on.starts_with("Data from Prism")
            && on.contains("\"channel\":\"Prism Music\"")
            && on.contains("\"now\":{"),
        "{on}"
    );
    assert_eq!(
        calls[2]["error"], true,
        "an unknown channel is an error: {mcp}"
    );
    assert!(
        calls[3]["text"].as_str().unwrap().contains("\"total\":6"),
        "{mcp}"
    );
    let found = calls[4]["text"].as_str().unwrap();
    assert!(found.contains("\"title\":\"World Report\""), "{found}");
    assert_eq!(mcp["resources"][0], "prism://now-playing", "{mcp}");
    let now: Value = serde_json::from_str(mcp["read"][0].as_str().unwrap()).unwrap();
    assert_eq!(now["channel"], "Prism Music", "{mcp}");
    assert!(now["now"]["title"].is_string(), "{mcp}");
}

/// A headless Chromium driven over the DevTools protocol (a WebSocket): commands answered by id,
/// events skipped.
struct Browser {
    child: std::process::Child,
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    id: u64,
    _profile: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A folder removed when dropped (the browser's profile).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Browser {
    /// Chromium at a phone's size (390×844 CSS pixels at 2×, touch), on a blank page.
    fn phone(profile: std::path::PathBuf) -> Browser {
        use std::io::BufRead;
        let chromium = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|c| {
                std::process::Command::new("sh")
                    .args(["-c", &format!("command -v {c}")])
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .expect("no chromium: ./x test installs Debian's chromium package");
        let _ = std::fs::remove_dir_all(&profile);
        let mut child = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--window-size=390,844",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut lines = stderr.lines();
        let browser_ws = loop {
            let line = lines
                .next()
                .expect("chromium ended without its DevTools address")
                .unwrap();
            if let Some(at) = line.find("ws://") {
                break line[at..].trim().to_owned();
            }
        };
        // Keep reading its stderr so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let http = browser_ws
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let list: Value = serde_json::from_str(
            &reqwest::blocking::get(format!("http://{http}/json/list"))
                .unwrap()
                .text()
                .unwrap(),
        )
        .unwrap();
        let page = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .expect("a page target");
        let (ws, _) = tungstenite::connect(page["webSocketDebuggerUrl"].as_str().unwrap()).unwrap();
        let mut b = Browser {
            child,
            ws,
            id: 0,
            _profile: tempfile_dir::Dir(profile),
        };
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
        );
        b.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({"enabled": true, "maxTouchPoints": 5}),
        );
        b
    }

    fn cdp(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let id = self.id;
        self.ws
            .send(tungstenite::Message::text(
                json!({"id": id, "method": method, "params": params}).to_string(),
            ))
            .unwrap();
        loop {
            if let tungstenite::Message::Text(t) = self.ws.read().unwrap() {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["id"] == id {
                    assert!(v.get("error").is_none(), "{method}: {v}");
                    return v["result"].clone();
                }
            }
        }
    }

    /// A script's value in the page.
    fn eval(&mut self, js: &str) -> Value {
        self.cdp(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        )["result"]["value"]
            .clone()
    }

    /// Waits until `js` is true in the page.
    fn until(&mut self, js: &str, what: &str) {
        let t = Instant::now();
        while self.eval(js) != json!(true) {
            assert!(t.elapsed() < Duration::from_secs(60), "the page: {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A finger's tap on the element `selector` (a touch at its centre, as a phone sends).
    fn tap(&mut self, selector: &str) {
        let r = self.eval(&format!(
            "(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}),
        );
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({"type": "touchEnd", "touchPoints": []}),
        );
    }

    fn screenshot(&mut self, to: &Path) {
        use base64::Engine;
        let png = self.cdp("Page.captureScreenshot", json!({"format": "png"}));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png["data"].as_str().unwrap())
            .unwrap();
        std::fs::write(to, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_phone_pairs_with_the_code_on_the_tv_and_zaps_from_its_browser() {
    let app = HubApp::new("phone");
    let (hub, dir) = (&app.hub, &app.dir);
    let (done, paired) = (dir.join("client-done"), dir.join("paired"));
    let shots = shot_paths([
        "phone-tv-code.png",
        "phone-remote.png",
        "phone-zapped.png",
        "phone-tv-zapped.png",
    ]);
    let client = {
        let (hub, done, paired, shots, dir) = (
            hub.clone(),
            done.clone(),
            paired.clone(),
            shots.clone(),
            dir.clone(),
        );
        std::thread::spawn(move || {
            let (port, token) = hub_file(&hub);
            let http = reqwest::blocking::Client::new();
            let at = format!("127.0.0.1:{port}");
            let call = |method: &str, params: Value| rpc_at(&at, &token, method, params).1;
            let t = Instant::now();
            while call("Player.GetProperties", json!({}))["result"]["status"] != "Playing" {
                assert!(t.elapsed() < Duration::from_secs(120), "never playing");
                std::thread::sleep(Duration::from_millis(300));
            }
            let mut seen = Vec::new();
            // The TV shows a code (and its QR code) for the phone.
            let code = call("Prism.PairPhone", json!({}));
            seen.push(code.clone());
            std::fs::write(&paired, "").unwrap();
            let url = code["result"]["url"].as_str().unwrap().to_owned();
            let code = code["result"]["code"].as_str().unwrap().to_owned();
            // A wrong code is refused, and a code's shape is checked before anything.
            let pair = |c: &str| {
                http.post(format!("http://127.0.0.1:{port}/pair"))
                    .header("Content-Type", "application/json")
                    .body(json!({ "code": c }).to_string())
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            };
            let wrong = if code == "000000" { "111111" } else { "000000" };
            seen.push(json!([pair(wrong), pair("12ab")]));
            while !shots[0].is_file() {
                std::thread::sleep(Duration::from_millis(100));
            }
            // The phone opens the QR code's address: paired, it shows what is on.
            let mut phone = Browser::phone(dir.join("chromium-profile"));
            phone.cdp("Page.enable", json!({}));
            phone.cdp("Page.navigate", json!({ "url": url }));
            phone.until("document.body.dataset.ready === '1'", "paired and ready");
            let before = phone.eval("document.body.dataset.channel");
            phone.screenshot(&shots[1]);
            // Used once: the same code again is refused.
            seen.push(json!(pair(&code)));
            // A tap on CH − zaps the TV, and the page follows.
            phone.tap("#ch-down");
            let t = Instant::now();
            let now = loop {
                let now =
                    call("Player.GetProperties", json!({}))["result"]["channel"]["label"].clone();
                if now != before {
                    break now;
                }
                assert!(t.elapsed() < Duration::from_secs(30), "the tap did not zap");
                std::thread::sleep(Duration::from_millis(200));
            };
            phone.until(
                &format!("document.body.dataset.channel === {now}"),
                "the page shows the new channel",
            );
            phone.screenshot(&shots[2]);
            seen.push(json!({ "before": before, "after": now }));
            std::fs::write(&done, "").unwrap();
            seen
        })
    };
    let script = format!(
        "playing;waitfile {};wait 1;shot {};waitfile {};wait 2;shot {};quit",
        paired.display(),
        shots[0].display(),
        done.display(),
        shots[3].display()
    );
    app.run(&script, &[]);
    let seen = client.join().unwrap();
    report(&seen, &shots);
    let url = seen[0]["result"]["url"].as_str().unwrap();
    assert!(url.contains("/remote#pair="), "{url}");
    assert_eq!(seen[1], json!([403, 400]), "a wrong code, a malformed one");
    assert_eq!(seen[2], 403, "a code works once");
    let zap = &seen[3];
    assert_eq!(zap["before"], "Prism News", "{zap}");
    assert_ne!(zap["after"], zap["before"], "{zap}");
    // The TV showed the code with its QR code: a white square with dark modules, bottom right.
    let tv = Png::load(&shots[0]);
    let [r, g, b] = tv.px(0.57, 0.78);
    assert!(
        r.abs_diff(g) < 10 && g.abs_diff(b) < 10,
        "the QR code is black and white: {:?}",
        [r, g, b]
    );
    // A phone's camera reads the QR code on the TV as the page's address with the code
    // (zbarimg decodes the screenshot).
    let read = std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&shots[0])
        .output()
        .expect("no zbarimg: ./x test installs Debian's zbar-tools");
    assert_eq!(
        String::from_utf8_lossy(&read.stdout).trim(),
        url,
        "the QR code on the TV"
    );
    // The TV's picture changed with the tap.
    assert!(
        Png::load(&shots[3]).diff(&tv, 0.05, 0.2, 0.45, 0.9) > 30.0,
        "the TV did not zap"
    );
}

/// This machine's network address (the route out's; nothing is sent).
fn lan_address() -> std::net::IpAddr {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    s.connect("192.0.2.255:9")
        .or_else(|_| s.connect("10.255.255.255:9"))
        .unwrap();
    let ip = s.local_addr().unwrap().ip();
    assert!(!ip.is_loopback(), "this machine has no network address");
    ip
}

/// JSON-RPC to `host` (an address and port) with `token`: the HTTP status (0: no connection)
/// and the answer.
fn rpc_at(host: &str, token: &str, method: &str, params: Value) -> (u16, Value) {
    let r = reqwest::blocking::Client::new()
        .post(format!("http://{host}/jsonrpc"))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string())
        .timeout(Duration::from_secs(10))
        .send();
    match r {
        Ok(r) => {
            let status = r.status().as_u16();
            (
                status,
                serde_json::from_str(&r.text().unwrap()).unwrap_or(Value::Null),
            )
        }
        Err(_) => (0, Value::Null),
    }
}

#[test]
fn remote_control_from_the_network_is_opt_in_and_a_new_token_locks_old_clients_out() {
    let app = HubApp::new("lan");
    let hub = &app.hub;
    let (checked, done) = (app.dir.join("lan-checked"), app.dir.join("done"));
    let shots = shot_paths(["lan-settings.png", "lan-pairing.png", "lan-new-token.png"]);
    let lan = lan_address();
    let client = {
        let (hub, checked, done) = (hub.clone(), checked.clone(), done.clone());
        std::thread::spawn(move || {
            let (port, token) = hub_file(&hub);
            let mut seen = Vec::new();
            // Off by default: the network address does not answer.
            let at_lan = format!("{lan}:{port}");
            seen.push(json!(rpc_at(&at_lan, &token, "JSONRPC.Ping", json!({})).0));
            // A WebSocket with this token, to see it cut off by the new one.
            let mut req = tungstenite::client::IntoClientRequest::into_client_request(format!(
                "ws://127.0.0.1:{port}/ws"
            ))
            .unwrap();
            req.headers_mut()
                .insert("Authorization", format!("Bearer {token}").parse().unwrap());
            let (mut ws, _) = tungstenite::connect(req).unwrap();
            // Switched on in the settings: the same API on the network address.
            let t = Instant::now();
            let (port, token) = loop {
                let (port, token) = hub_file(&hub);
                let (status, v) =
                    rpc_at(&format!("{lan}:{port}"), &token, "JSONRPC.Ping", json!({}));
                if status == 200 {
                    seen.push(v);
                    break (port, token);
                }
                assert!(t.elapsed() < Duration::from_secs(60), "never on the LAN");
                std::thread::sleep(Duration::from_millis(300));
            };
            let at_lan = format!("{lan}:{port}");
            let (_, pair) = rpc_at(&at_lan, &token, "Prism.PairPhone", json!({}));
            seen.push(pair);
            // Still refused: a foreign Host, and no token.
            let mut s = std::net::TcpStream::connect(&at_lan).unwrap();
            write!(
                s,
                "GET /metrics HTTP/1.1\r\nHost: evil.example:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).unwrap();
            seen.push(json!(text.split(' ').nth(1)));
            seen.push(json!(rpc_at(&at_lan, "", "JSONRPC.Ping", json!({})).0));
            std::fs::write(&checked, "").unwrap();
            // A new token from the settings: the old one is refused, the new one works, and
            // the WebSocket opened with the old one is closed.
            let t = Instant::now();
            let fresh = loop {
                let (_, now) = hub_file(&hub);
                if now != token && rpc_at(&at_lan, &now, "JSONRPC.Ping", json!({})).0 == 200 {
                    break now;
                }
                assert!(t.elapsed() < Duration::from_secs(60), "no new token");
                std::thread::sleep(Duration::from_millis(300));
            };
            seen.push(json!([
                rpc_at(&at_lan, &token, "JSONRPC.Ping", json!({})).0,
                rpc_at(&at_lan, &fresh, "JSONRPC.Ping", json!({})).0
            ]));
            if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_mut() {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            }
            let closed = loop {
                match ws.read() {
                    Ok(tungstenite::Message::Close(_)) | Err(_) => break true,
                    Ok(_) => {}
                }
            };
            seen.push(json!(closed));
            std::fs::write(&done, "").unwrap();
            seen
        })
    };
    let script = format!(
        "playing;key S;wait 0.5;key Up;key Left;key Left;key Left;wait 0.5;shot {};key Enter;\
         wait 0.5;key Enter;wait 2;shot {};waitfile {};key Down;key Down;key Enter;wait 1;shot {};\
         waitfile {};quit",
        shots[0].display(),
        shots[1].display(),
        checked.display(),
        shots[2].display(),
        done.display()
    );
    app.run(&script, &[]);
    let seen = client.join().unwrap();
    report(&seen, &shots);
    assert_eq!(
        seen[0], 0,
        "the network address answered before it was switched on"
    );
    assert_eq!(seen[1]["result"], "pong", "{}", seen[1]);
    let url = seen[2]["result"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{lan}:")),
        "the QR code names the network address: {url}"
    );
    assert_eq!(seen[3], "403", "a foreign Host on the network");
    assert_eq!(seen[4], 401, "no token on the network");
    assert_eq!(seen[5], json!([401, 200]), "the old token, the new one");
    assert_eq!(seen[6], true, "the old token's WebSocket stayed open");
    // The settings' Remote page, then the TV's pairing panel saying the link is not encrypted.
    let (settings, pairing) = (Png::load(&shots[0]), Png::load(&shots[1]));
    assert!(pairing.diff(&settings, 0.55, 0.05, 0.95, 0.5) > 10.0);
}

/// `playerctl` against the test's own session bus: its output.
fn playerctl(bus: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("playerctl")
        .args(["--player", "prism"])
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("no playerctl: ./x test installs Debian's playerctl");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn mpris_shows_the_channel_playerctl_zaps_and_timers_and_catch_up_answer_over_the_api() {
    use std::io::BufRead;
    let app = HubApp::new("mpris");
    let (hub, dir) = (&app.hub, &app.dir);
    let done = dir.join("done");
    // A session bus of the test's own, as dbus-run-session makes.
    let mut bus = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("no dbus-daemon");
    let mut address = String::new();
    std::io::BufReader::new(bus.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    let address = address.trim().to_owned();
    let client = {
        let (hub, done, address) = (hub.clone(), done.clone(), address.clone());
        std::thread::spawn(move || {
            let (port, token) = hub_file(&hub);
            let at = format!("127.0.0.1:{port}");
            let t = Instant::now();
            while rpc_at(&at, &token, "Player.GetProperties", json!({})).1["result"]["status"]
                != "Playing"
            {
                assert!(t.elapsed() < Duration::from_secs(120), "never playing");
                std::thread::sleep(Duration::from_millis(300));
            }
            let mut seen = Vec::new();
            seen.push(json!(playerctl(&address, &["-l"])));
            let format = [
                "metadata",
                "--format",
                "{{artist}}|{{title}}|{{mpris:artUrl}}",
            ];
            seen.push(json!(playerctl(&address, &format)));
            seen.push(json!(playerctl(&address, &["status"])));
            // Following the metadata: PropertiesChanged arrives with the zap.
            let mut follow = std::process::Command::new("playerctl")
                .args([
                    "--player",
                    "prism",
                    "metadata",
                    "--follow",
                    "--format",
                    "{{artist}}",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &address)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut lines = std::io::BufReader::new(follow.stdout.take().unwrap()).lines();
            let first = lines.next().unwrap().unwrap();
            playerctl(&address, &["next"]);
            let followed = lines.next().unwrap().unwrap();
            let _ = follow.kill();
            let _ = follow.wait();
            seen.push(json!([first, followed]));
            let props = rpc_at(&at, &token, "Player.GetProperties", json!({})).1;
            seen.push(props["result"]["channel"]["label"].clone());
            playerctl(&address, &["volume", "0.4"]);
            let props = rpc_at(&at, &token, "Player.GetProperties", json!({})).1;
            seen.push(props["result"]["volume"].clone());
            seen.push(json!(playerctl(&address, &["volume"])));
            // Timers and recordings through the control API: a timer for the next programme
            // (asked twice: one timer), listed, taken off; the shelf; a programme that has
            // begun, from its start (the demo's archive).
            let call = |method: &str, params: Value| rpc_at(&at, &token, method, params).1;
            let guide = call("PVR.GetBroadcasts", json!({"channelid": 2, "hours": 6}));
            let on = guide["result"]["broadcasts"].as_array().unwrap();
            let now = on[0]["start"].clone();
            // Far enough ahead that its padding has not begun (it would be recording).
            let soon = on[0]["end"].as_i64().unwrap() + 3600;
            let next = on
                .iter()
                .find(|p| p["start"].as_i64().unwrap() >= soon)
                .expect("a programme an hour ahead")["start"]
                .clone();
            let timer = json!({"channelid": 2, "start": next});
            seen.push(json!([
                call("PVR.AddTimer", timer.clone()),
                call("PVR.AddTimer", timer),
                call("PVR.GetTimers", json!({})),
                call("PVR.DeleteTimer", json!({"timerid": 1})),
                call("PVR.DeleteTimer", json!({"timerid": 1})),
                call("PVR.GetRecordings", json!({})),
                call(
                    "Player.Open",
                    json!({"item": {"channelid": 2, "start": now}})
                ),
            ]));
            // The programme from the archive: MPRIS tells where in it the picture is, and a
            // seek from playerctl moves it.
            let time = || call("Player.GetProperties", json!({}))["result"]["time"].clone();
            let t = Instant::now();
            // (The live channel before it had a buffer's timeline too.)
            while time()["live"] != false || time()["position"].as_f64().is_none_or(|p| p <= 0.0) {
                assert!(
                    t.elapsed() < Duration::from_secs(90),
                    "no position: {}",
                    time()
                );
                std::thread::sleep(Duration::from_millis(300));
            }
            let before = time();
            let length = playerctl(&address, &["metadata", "mpris:length"]);
            let position = playerctl(&address, &["position"]);
            playerctl(&address, &["position", "60+"]);
            let t = Instant::now();
            let moved = loop {
                let now = time();
                if moved_on(&before, &now) || t.elapsed() > Duration::from_secs(60) {
                    break now;
                }
                std::thread::sleep(Duration::from_millis(300));
            };
            seen.push(json!([before, length, position, moved]));
            // The screen's arrangement over the API: a layout by name, the user's file that
            // is not there, four channels and back, a swap with no corner to swap.
            seen.push(json!([
                call("Prism.SetLayout", json!({"layout": "side-by-side"})),
                call("Prism.SetLayout", json!({"layout": "custom"})),
                call("Prism.SetLayout", json!({"layout": "nine"})),
                call("Prism.MultiView", json!({"on": true})),
                call("Prism.MultiView", json!({"on": false})),
                call("Prism.PictureInPicture", json!({})),
            ]));
            // The composed scene recorded over the API, two seconds of it; a stream with no
            // server set is refused with what to do.
            let on = call("Prism.Broadcast", json!({"on": true, "to": "file"}));
            std::thread::sleep(Duration::from_secs(2));
            seen.push(json!([
                on,
                call("Prism.Broadcast", json!({"on": false, "to": "file"})),
                call("Prism.Broadcast", json!({"on": true, "to": "stream"})),
                call("Prism.Broadcast", json!({"on": true, "to": "tape"})),
            ]));
            std::fs::write(&done, "").unwrap();
            seen
        })
    };
    let script = format!("playing;waitfile {};quit", done.display());
    app.run(
        &script,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", &address),
            ("PRISM_RECORDINGS", dir.join("recordings").to_str().unwrap()),
        ],
    );
    let seen = client.join().unwrap();
    let _ = bus.kill();
    let _ = bus.wait();
    report(&seen, &[]);
    assert_eq!(seen[0], "prism");
    let meta = seen[1].as_str().unwrap();
    assert!(
        meta.starts_with("Prism News|") && meta.contains("/news.prism.demo/logo.png"),
        "the channel as the artist, the programme as the title, the logo as the art: {meta}"
    );
    assert_ne!(meta, "Prism News|Prism News|", "no programme title");
    assert_eq!(seen[2], "Playing");
    assert_eq!(
        seen[3],
        json!(["Prism News", "Prism Sports"]),
        "followed the zap"
    );
    assert_eq!(seen[4], "Prism Sports", "playerctl next zapped");
    assert_eq!(seen[5], 40, "playerctl set the volume");
    assert_eq!(seen[6], "0.400000");
    let pvr = seen[7].as_array().unwrap();
    assert_eq!(pvr[0]["result"]["outcome"], "Timer", "{}", pvr[0]);
    assert_eq!(pvr[1]["result"]["outcome"], "AlreadySet", "{}", pvr[1]);
    assert_eq!(
        pvr[2]["result"]["timers"][0]["status"], "Scheduled",
        "{}",
        pvr[2]
    );
    assert_eq!(pvr[3]["result"]["deleted"], 1, "{}", pvr[3]);
    assert_eq!(pvr[4]["error"]["code"], -32001, "{}", pvr[4]);
    assert_eq!(pvr[5]["result"]["recordings"], json!([]), "{}", pvr[5]);
    assert_eq!(pvr[6]["result"]["outcome"], "CatchUp", "{}", pvr[6]);
    let [before, length, position, moved] = &seen[8].as_array().unwrap()[..] else {
        panic!("{}", seen[8]);
    };
    assert_eq!(
        before["live"], false,
        "a programme from the archive: {before}"
    );
    let total = before["total"].as_f64().unwrap();
    let length: f64 = length.as_str().unwrap().parse().unwrap();
    assert!(
        (length / 1e6 - total).abs() < 30.0,
        "mpris:length {length} µs is the programme's {total} s"
    );
    let position: f64 = position.as_str().unwrap().parse().unwrap();
    assert!(
        position > 0.0 && position < total,
        "MPRIS position {position} s inside the programme"
    );
    assert!(
        moved_on(before, moved),
        "playerctl position 60+ moved the picture: {before} → {moved}"
    );
    let arranged = seen[9].as_array().unwrap();
    assert_eq!(
        arranged[0]["result"]["outcome"], "Layout",
        "{}",
        arranged[0]
    );
    assert_eq!(
        arranged[0]["result"]["said"], "Side by side.",
        "{}",
        arranged[0]
    );
    let no_file = arranged[1]["error"]["message"].as_str().unwrap_or_default();
    assert!(no_file.contains("layout.toml"), "{}", arranged[1]);
    assert_eq!(arranged[2]["error"]["code"], -32602, "{}", arranged[2]);
    assert_eq!(
        arranged[3]["result"]["outcome"], "Pictures",
        "{}",
        arranged[3]
    );
    assert_eq!(
        arranged[3]["result"]["said"], "4 channels at once.",
        "{}",
        arranged[3]
    );
    assert_eq!(
        arranged[4]["result"]["said"], "One picture.",
        "{}",
        arranged[4]
    );
    assert_eq!(arranged[5]["error"]["code"], -32001, "{}", arranged[5]);
    let sent = seen[10].as_array().unwrap();
    assert_eq!(sent[0]["result"]["outcome"], "Broadcast", "{}", sent[0]);
    assert_eq!(
        sent[0]["result"]["said"], "Recording the show, with me in it.",
        "{}",
        sent[0]
    );
    assert_eq!(sent[1]["result"]["outcome"], "Broadcast", "{}", sent[1]);
    let refused = sent[2]["error"]["message"].as_str().unwrap_or_default();
    assert!(refused.contains("no stream server is set"), "{}", sent[2]);
    assert_eq!(sent[3]["error"]["code"], -32602, "{}", sent[3]);
    let recorded: Vec<_> = std::fs::read_dir(dir.join("recordings"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mkv"))
        .collect();
    assert_eq!(recorded.len(), 1, "the scene's recording: {recorded:?}");
    let secs = prism_media::duration(&recorded[0]).expect("a finished recording");
    assert!(secs.as_secs_f64() > 1.0, "{secs:?}");
}

/// A minute's seek landed (the archive serves the whole programme, so a minute on is there).
fn moved_on(before: &Value, now: &Value) -> bool {
    let at = |v: &Value| v["position"].as_f64().unwrap_or(0.0);
    at(now) >= at(before) + 40.0
}
