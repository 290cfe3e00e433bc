//! Several sources: the main playlist and more, loaded as the app loads them (files here),
//! merged into one lineup.

use crate::sources::fetch::Progress;
use crate::sources::{Origin, Spec, load};

#[test]
fn more_playlists_are_merged_and_a_broken_one_is_named() {
    let dir = std::env::temp_dir().join(format!("prism-more-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.m3u");
    let b = dir.join("b.m3u");
    std::fs::write(
        &a,
        "#EXTM3U\n#EXTINF:-1 tvg-id=\"one.x\",One\nhttp://a/one\n#EXTINF:-1,Two\nhttp://a/two\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "#EXTM3U\n#EXTINF:-1 tvg-id=\"ONE.x\",One HD\nhttp://b/one\n#EXTINF:-1,Three\nhttp://b/three\n",
    )
    .unwrap();
    let missing = dir.join("gone.m3u").display().to_string();
    let spec = Spec {
        origin: Origin::Playlist(a.display().to_string()),
        more: vec![b.display().to_string(), missing.clone()],
        ..Spec::default()
    };
    let lineup = load(spec, &[], None, &Progress::default()).unwrap();
    let names: Vec<&str> = lineup.channels().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["One", "Two", "Three"]);
    let one: Vec<&str> = lineup.channels()[0]
        .streams
        .iter()
        .map(|s| s.url.as_str())
        .collect();
    assert_eq!(
        one,
        ["http://a/one", "http://b/one"],
        "the second provider's is a backup"
    );
    assert!(
        lineup
            .playlist
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with(&missing)),
        "{:?}",
        lineup.playlist.diagnostics
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A loopback Xtream panel for user `user`: its account, one category, `streams` (name,
/// guide id), and a guide with one programme for each of its own guide ids.
fn panel(user: &'static str, streams: &'static [(&'static str, &'static str)]) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut line = String::new();
            let mut r = BufReader::new(&conn);
            if r.read_line(&mut line).is_err() {
                continue;
            }
            // The rest of the request's head.
            let mut h = String::new();
            while r.read_line(&mut h).is_ok_and(|n| n > 2) {
                h.clear();
            }
            let path = line.split(' ').nth(1).unwrap_or_default();
            let body = if !path.contains(&format!("username={user}")) {
                r#"{"user_info":{"auth":0}}"#.to_string()
            } else if path.starts_with("/xmltv.php") {
                let mut x = String::from("<tv>");
                for (name, id) in streams {
                    x += &format!(
                        "<channel id=\"{id}\"><display-name>{name}</display-name></channel>\
                         <programme channel=\"{id}\" start=\"20000101000000 +0000\" \
                         stop=\"20991231000000 +0000\"><title>{name} all day</title></programme>"
                    );
                }
                x + "</tv>"
            } else if path.contains("action=get_live_categories") {
                r#"[{"category_id":"1","category_name":"Live"}]"#.to_string()
            } else if path.contains("action=get_live_streams") {
                let s: Vec<String> = streams
                    .iter()
                    .enumerate()
                    .map(|(i, (name, id))| {
                        format!(
                            r#"{{"num":{},"name":"{name}","stream_id":{},"stream_icon":"","epg_channel_id":"{id}","category_id":"1","tv_archive":0,"stream_type":"live"}}"#,
                            i + 1,
                            i + 100
                        )
                    })
                    .collect();
                format!("[{}]", s.join(","))
            } else {
                format!(
                    r#"{{"user_info":{{"username":"{user}","auth":1,"status":"Active","allowed_output_formats":["m3u8"]}},"server_info":{{}}}}"#
                )
            };
            let mut w = &conn;
            let _ = write!(
                w,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// Two providers' Xtream logins (the main one, and one pasted as its M3U link among the more
/// sources): one lineup, the channel both carry once with a backup, each panel's own guide
/// for its channels, and a report per source. Switched off, a source leaves the lineup.
#[test]
fn two_xtream_logins_merge_each_with_its_guide_and_switch_off() {
    let a = panel("ann", &[("News One", "news1.a"), ("Shared", "shared.x")]);
    let b = panel(
        "bob",
        &[("Sports Two", "sports2.b"), ("Shared", "shared.x")],
    );
    let second = format!("{b}/get.php?username=bob&password=pw&type=m3u_plus");
    let spec = Spec {
        origin: Origin::Xtream(crate::settings::XtreamSettings {
            server: a.clone(),
            username: "ann".into(),
            password: "pw".into(),
        }),
        more: vec![second.clone()],
        ..Spec::default()
    };
    let lineup = load(spec.clone(), &[], None, &Progress::default()).unwrap();
    let names: Vec<&str> = lineup.channels().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["News One", "Shared", "Sports Two"]);
    assert_eq!(lineup.channels()[1].streams.len(), 2, "Shared has a backup");
    let g = lineup.guide.as_ref().unwrap();
    let now = crate::time::unix_now();
    let title = |i: usize| g.now_next(i, now).now.map(|p| p.title().to_string());
    assert_eq!(title(0).as_deref(), Some("News One all day"));
    assert_eq!(
        title(2).as_deref(),
        Some("Sports Two all day"),
        "the second panel's own guide"
    );
    let reports: Vec<(&str, bool, Option<Result<usize, String>>)> = lineup
        .sources
        .iter()
        .map(|r| (r.label.as_str(), r.main, r.result.clone()))
        .collect();
    let host = |u: &str| u.trim_start_matches("http://").to_string();
    assert_eq!(
        reports,
        [
            (&*format!("Xtream ann@{}", host(&a)), true, Some(Ok(2))),
            (&*format!("Xtream bob@{}", host(&b)), false, Some(Ok(2))),
        ]
    );
    assert!(
        !lineup.sources.iter().any(|r| r.key.contains("pw")),
        "keys never hold a password"
    );

    // The main source switched off: the second provider's channels alone.
    let off = Spec {
        off: vec![lineup.sources[0].key.clone()],
        ..spec.clone()
    };
    let lineup = load(off, &[], None, &Progress::default()).unwrap();
    let names: Vec<&str> = lineup.channels().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Sports Two", "Shared"]);
    assert_eq!(lineup.sources[0].result, None, "reported as off");
    // Both off: a clear error (the lineup on screen stays).
    let keys = lineup.sources.iter().map(|r| r.key.clone()).collect();
    let e = load(Spec { off: keys, ..spec }, &[], None, &Progress::default())
        .err()
        .unwrap();
    assert!(e.contains("switched off"), "{e}");
}

/// A lineup of `GRAMMAR_LATER` channels or more does not wait for the voice grammar: it may go
/// on screen knowing the commands only, and the channel names arrive (the TV puts them in
/// place); either way the voice then finds a channel by its name.
#[test]
fn a_huge_lineups_channel_names_reach_the_voice_after_it_is_on() {
    use prism_core::command::MediaCommand;
    let n = crate::sources::GRAMMAR_LATER;
    let dir = std::env::temp_dir().join(format!("prism-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("huge.m3u");
    std::fs::write(&file, prism_core::synth::m3u(n, 7)).unwrap();
    let spec = Spec {
        origin: Origin::Playlist(file.display().to_string()),
        ..Spec::default()
    };
    let lineup = load(spec, &[], None, &Progress::default()).unwrap();
    assert_eq!(lineup.channels().len(), n);
    let last = lineup.channels()[n - 1].name.clone();
    let mut h = super::Harness::new();
    let world = h.app.world_mut();
    let settings = world.resource::<crate::settings::Settings>().clone();
    world
        .resource_mut::<crate::tv::Tv>()
        .set_lineup(lineup, true, &settings);
    // The names arrive within a minute however slow the machine (they took 1.3 s for 500k).
    let since = std::time::Instant::now();
    while h
        .tv()
        .lineup
        .as_ref()
        .is_some_and(|l| l.grammar_later.is_some())
    {
        assert!(since.elapsed().as_secs() < 60, "the names never came");
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.update();
    }
    let grammar = h.tv().lineup.as_ref().unwrap().grammar.clone();
    assert_eq!(grammar.directory().len(), n);
    match grammar.parse(&format!("watch {last}")) {
        Some(MediaCommand::WatchChannel { channel }) => {
            assert_eq!(channel.index as usize, n - 1, "{last}")
        }
        other => panic!("{last}: {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
