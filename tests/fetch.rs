//! Playlists and guides by URL, against the demo server on loopback: fetched, parsed and matched;
//! kept in the cache so an outage still starts with the last copy; a dead URL is a clear error.

use std::path::PathBuf;
use std::process::{Command, Output};

use prism_media::demo;
use prism_media::server::DemoServer;

fn prism(cache: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prism"))
        .arg("lineup")
        .args(args)
        .env("PRISM_CACHE", cache)
        .output()
        .expect("run prism")
}

#[test]
fn playlists_and_guides_by_url_with_an_offline_copy() {
    let shared_cache = std::env::var_os("PRISM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism"));
    let streams = demo::ensure_streams(&shared_cache).expect("demo channels");
    let cache = std::env::temp_dir().join(format!("prism-fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    let srv = DemoServer::start(&streams, 0).unwrap();
    let (playlist, guide) = (srv.playlist_url(), srv.guide_url());
    let out = prism(&cache, &["--playlist", &playlist, "--epg", &guide]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for c in prism_core::demo::CHANNELS {
        assert!(stdout.contains(c.name), "{} missing:\n{stdout}", c.name);
    }
    // The guide matched: every channel has a programme on now, none lacks information.
    assert!(!stdout.contains("no guide information"), "{stdout}");
    assert!(stdout.matches("next ").count() >= 6, "{stdout}");

    // The provider goes away: the copies fetched before still start the lineup, with a note.
    drop(srv);
    let out = prism(&cache, &["--playlist", &playlist, "--epg", &guide]);
    let stdout2 = String::from_utf8_lossy(&out.stdout);
    let stderr2 = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout2}\n{stderr2}");
    assert!(
        stderr2.contains("using the copy saved earlier"),
        "{stderr2}"
    );
    assert!(stdout2.contains("Prism Nature"), "{stdout2}");

    // A URL that never worked: a clear error, no panic.
    let out = prism(&cache, &["--playlist", "http://127.0.0.1:9/none.m3u"]);
    let stderr3 = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr3.contains("could not connect"),
        "unclear error: {stderr3}"
    );
    let _ = std::fs::remove_dir_all(&cache);
}

/// A minimal Xtream Codes panel on loopback: the four calls Prism makes, with canned replies
/// shaped like real panels' (numbers as strings, nulls, base64-free XMLTV).
fn fake_panel() -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for conn in listener.incoming().take(4) {
            let mut conn = conn.unwrap();
            let mut line = String::new();
            let mut r = BufReader::new(conn.try_clone().unwrap());
            r.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap() <= 2 {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let body = if path.starts_with("/xmltv.php") {
                r#"<tv><channel id="one.x"><display-name>One</display-name></channel>
<programme channel="one.x" start="20000101000000 +0000" stop="20991231000000 +0000"><title>Forever News</title></programme></tv>"#
            } else if path.contains("action=get_live_categories") {
                r#"[{"category_id":"7","category_name":"News","parent_id":0}]"#
            } else if path.contains("action=get_live_streams") {
                r#"[{"num":1,"name":"One HD","stream_type":"live","stream_id":"101","stream_icon":"","epg_channel_id":"one.x","category_id":"7","tv_archive":0},
                    {"num":"2","name":"Two","stream_type":"live","stream_id":102,"stream_icon":null,"epg_channel_id":null,"category_id":"7","tv_archive":"1","tv_archive_duration":"3"}]"#
            } else {
                r#"{"user_info":{"username":"al ice","auth":1,"status":"Active","exp_date":null,"is_trial":"0","active_cons":"0","max_connections":"1","allowed_output_formats":["m3u8","ts"]},"server_info":{"timezone":"UTC"}}"#
            };
            write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            seen.push(path);
        }
        seen
    });
    (base, handle)
}

#[test]
fn an_xtream_login_becomes_the_lineup() {
    let cache = std::env::temp_dir().join(format!("prism-xtream-{}", std::process::id()));
    let (base, panel) = fake_panel();
    let out = prism(&cache, &["--xtream", &base, "al ice", "p@ss"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("al ice@127.0.0.1") && stdout.contains(": 2 channels"),
        "{stdout}"
    );
    assert!(
        stdout.contains("One HD") && stdout.contains("Two"),
        "{stdout}"
    );
    // The panel's XMLTV matched channel One by its epg_channel_id.
    assert!(stdout.contains("Forever News"), "{stdout}");
    let seen = panel.join().unwrap();
    assert!(
        seen.iter()
            .all(|p| p.contains("username=al%20ice&password=p%40ss")),
        "credentials must be escaped: {seen:?}"
    );
    let _ = std::fs::remove_dir_all(&cache);
}
