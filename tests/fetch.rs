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
