//! Other projects' playlist fixtures (iptv-playlist-parser, Kodi's IPTV Simple README), read from
//! `../shared/assets/iptv` (never copied in), and the real-world forms they taught us. Each
//! assertion is what the format's rules (or the peer's own tests) say a correct reader gives.

use std::path::PathBuf;

use prism_core::playlist::m3u::M3uError;
use prism_core::playlist::{Playlist, Severity, TextEncoding, parse_m3u};

/// `../shared/assets/iptv`, found from the working directory; missing is a failure, not a skip.
fn iptv_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    cwd.ancestors()
        .map(|d| d.join("../shared/assets/iptv"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| panic!("../shared/assets/iptv not found above {}", cwd.display()))
}

fn fixture(name: &str) -> Playlist {
    let path = iptv_dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_m3u(&bytes[..]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn named<'p>(p: &'p Playlist, name: &str) -> &'p prism_core::Channel {
    p.channels
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no channel {name:?} in {:?}", names(p)))
}

fn names(p: &Playlist) -> Vec<&str> {
    p.channels.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn iptv_playlist_parser_base() {
    let p = fixture("freearhey_base.m3u");
    assert_eq!(
        names(&p),
        [
            "Channel 1 (Tested)",
            "Channel 2",
            "=>(★ TURKİYE ★)<=",
            "TRT 1 HD",
            "name,with comma",
            "The Good, the Bad and the Ugly"
        ]
    );
    let c1 = &p.channels[0];
    assert_eq!(
        c1.groups,
        ["Только Android"],
        "#EXTGRP inside the entry wins"
    );
    assert_eq!(
        c1.logo.as_deref(),
        Some(
            "http://www.rtvchannel.com.au/wp-content/uploads/2017/04/xshow_08.png,Mic_.2KNN9OHw1p.png.pagespeed.ce.2KNN9OHw1p.png"
        )
    );
    let h = &c1.streams[0].headers;
    assert_eq!(
        h.referrer.as_deref(),
        Some("http://player.livesports.pw/la2/")
    );
    assert!(h.user_agent.as_deref().unwrap().starts_with("Mozilla/5.0"));
    assert_eq!(
        p.channels[1].groups,
        ["Только Android"],
        "#EXTGRP carries over to later entries (Kodi)"
    );
    let trt = named(&p, "TRT 1 HD");
    let cu = trt.catchup.as_ref().unwrap();
    assert_eq!((cu.kind.as_str(), cu.days), ("shift", Some(3)));
    assert!(cu.source.as_deref().unwrap().contains("utc=325234234"));
    assert_eq!(trt.tvg_shift, Some(-4.5));
    assert_eq!(
        p.header.epg_urls,
        ["http://195.154.221.171/epg/guidealbania.xml.gz"]
    );
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.message.contains("=====") && d.severity == Severity::Error),
        "the junk line is named: {:?}",
        p.diagnostics
    );
}

#[test]
fn iptv_playlist_parser_header_forms() {
    let p = fixture("freearhey_pipe.m3u");
    let sport = named(&p, "Sport channel").streams[0].clone();
    assert_eq!(sport.url, "http://192.54.104.122:8080/d/abcdef/video.mp4");
    assert_eq!(
        sport.headers.user_agent.as_deref(),
        Some("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; AS; rv:11.0) like Gecko")
    );
    assert_eq!(
        sport.headers.referrer.as_deref(),
        Some("http://180upload.abc/embed-uaqmgcckhpcl.html")
    );
    let news = &named(&p, "News channel").streams[0];
    assert_eq!(news.url, "http://my-news-stream:8999/d/letsplay/video.mp4");
    assert_eq!(
        news.headers.referrer.as_deref(),
        Some("http://test.abc/blank.html")
    );
    assert!(
        news.headers.user_agent.is_some(),
        "#EXTVLCOPT and |Referer= mix"
    );

    let p = fixture("freearhey_vlcopt.m3u");
    let c = &p.channels[0];
    assert_eq!(
        c.streams[0].headers.user_agent.as_deref(),
        Some("Dalvik/2.1.0 (Linux; U; Android 6.0.1;)"),
        "the quotes of a #EXTVLCOPT value are not the value's"
    );
    assert_eq!(c.groups, ["News"], "#EXTGRP wins over group-title");

    let p = fixture("freearhey_kodi.m3u");
    let s = &p.channels[0].streams[0];
    assert_eq!(
        s.url,
        "https://streaming-live.rtp.pt/liverepeater/rtpClean1HD.smil/playlist.m3u8"
    );
    assert_eq!(
        s.headers.user_agent.as_deref(),
        Some("RTP Play/2.0.26 (Linux;Android 11) ExoPlayerLib/2.11.8")
    );
    assert_eq!(s.properties.len(), 2, "{:?}", s.properties);

    let p = fixture("freearhey_duplicate.m3u");
    assert_eq!(p.channels.len(), 1, "the same entry twice is one channel");
    assert_eq!(p.channels[0].streams.len(), 1);
}

#[test]
fn kodi_iptv_simple_readme() {
    let p = fixture("kodi_readme_example.m3u");
    assert_eq!(p.channels.len(), 19, "{:?}", names(&p));
    let x = named(&p, "Channel X");
    assert!(x.radio);
    assert_eq!(x.tvg_shift, Some(-3.5));
    assert_eq!(x.number.map(|n| n.to_string()).as_deref(), Some("10"));
    assert_eq!(
        named(&p, "Channel X HD").groups,
        ["Entertainment", "HD Channels"]
    );
    assert_eq!(named(&p, "Channel Y").groups, ["Entertainment"]);
    assert_eq!(
        named(&p, "Channel Z").groups,
        ["Entertainment"],
        "#EXTGRP is a begin directive"
    );
    assert_eq!(
        named(&p, "Channel E").catchup.as_ref().unwrap().days,
        Some(3),
        "timeshift= is catchup-days"
    );
    let c = named(&p, "Channel C").catchup.clone().unwrap();
    assert_eq!((c.kind.as_str(), c.correction), ("append", Some(-4.0)));
    assert_eq!(p.header.tvg_shift, Some(-4.5));
    // Channel L carries #EXT-X-PLAYLIST-TYPE; the list is still a list.
    named(&p, "Channel L");
}

#[test]
fn iptv_org_pipe_quoted_headers_and_other_header_forms() {
    let p = parse_m3u(
        &br#"#EXTM3U
#EXTINF:-1 tvg-id="A.us",A
https://a/live.m3u8|Referer="https://site.example/"|User-Agent="Mozilla/5.0 (X11; a&b)"|Origin="https://site.example"
#EXTINF:-1 tvg-id="B.us",B
#EXTVLCOPT:http-origin=https://b.example
#EXTVLCOPT:http-cookie="session=1; theme=dark"
https://b/live.m3u8
#EXTINF:-1 tvg-id="C.us",C
#EXTHTTP:{"cookie":"k=v","User-Agent":"TiviMate/4"}
https://c/live.m3u8
#EXTINF:-1 tvg-id="D.us",D
#KODIPROP:inputstream.adaptive.stream_headers=Cookie=t%3D1&Origin=https%3A%2F%2Fd.example
#KODIPROP:inputstream.adaptive.license_type=com.widevine.alpha
#KODIPROP:inputstream.adaptive.license_key=https://lic.example/
https://d/manifest.mpd
"#[..],
    )
    .unwrap();
    let pairs = |i: usize| -> Vec<(String, String)> {
        p.channels[i].streams[0]
            .headers
            .pairs()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect()
    };
    let own = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(p.channels[0].streams[0].url, "https://a/live.m3u8");
    assert_eq!(
        pairs(0),
        own(&[
            ("User-Agent", "Mozilla/5.0 (X11; a&b)"),
            ("Referer", "https://site.example/"),
            ("Origin", "https://site.example")
        ])
    );
    assert_eq!(
        pairs(1),
        own(&[
            ("Origin", "https://b.example"),
            ("Cookie", "session=1; theme=dark")
        ])
    );
    assert_eq!(
        pairs(2),
        own(&[("User-Agent", "TiviMate/4"), ("cookie", "k=v")])
    );
    assert_eq!(
        pairs(3),
        own(&[("Cookie", "t=1"), ("Origin", "https://d.example")])
    );
    let drm: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("DRM"))
        .collect();
    assert_eq!(drm.len(), 1, "said once per entry: {:?}", p.diagnostics);
    assert_eq!(drm[0].line, 13);
    assert!(drm[0].message.contains("com.widevine.alpha"));
}

#[test]
fn windows_1251_cyrillic_is_detected() {
    let (text, _, _) = encoding_rs::WINDOWS_1251.encode(
        "#EXTM3U\n#EXTINF:-1 group-title=\"Россия\",Первый канал\nhttp://h/1\n#EXTINF:-1,Россия 1\nhttp://h/2\n#EXTINF:-1,НТВ Мир\nhttp://h/3\n",
    );
    let p = parse_m3u(&text[..]).unwrap();
    assert_eq!(p.encoding, TextEncoding::Legacy(encoding_rs::WINDOWS_1251));
    assert_eq!(names(&p), ["Первый канал", "Россия 1", "НТВ Мир"]);
    assert_eq!(p.channels[0].groups, ["Россия"]);
    // Past the first megabyte, the first bad line decides.
    let mut late = String::from("#EXTM3U\n");
    while late.len() < 1_100_000 {
        late.push_str("#EXTINF:-1,Channel\nhttp://h/x\n");
    }
    let mut bytes = late.into_bytes();
    bytes.extend_from_slice(&text[8..]);
    let p = parse_m3u(&bytes[..]).unwrap();
    assert_eq!(p.encoding.name(), "windows-1251");
    assert!(names(&p).contains(&"Первый канал"));
}

#[test]
fn names_come_from_tvg_name_then_the_url() {
    let p = parse_m3u(
        &b"#EXTM3U\n#EXTINF:-1 tvg-name=\"Named\"\nhttp://h/a.m3u8\n#EXTINF:1\nhttp://h/live/sport.ts\n"[..],
    )
    .unwrap();
    assert_eq!(names(&p), ["Named", "sport.ts"]);
}

#[test]
fn a_channel_listed_under_two_groups_is_in_both() {
    let p = parse_m3u(
        &b"#EXTM3U\n#EXTINF:-1 tvg-id=\"n.us\" group-title=\"News\",N\nhttp://h/n\n\
#EXTINF:-1 tvg-id=\"n.us\" group-title=\"Local\",N\nhttp://h/n\n\
#EXTINF:-1 group-title=\"Kids\",K\nhttp://h/k\n#EXTINF:-1 group-title=\"Family\",K\nhttp://h/k\n"[..],
    )
    .unwrap();
    assert_eq!(names(&p), ["N", "K"]);
    assert_eq!(p.channels[0].groups, ["News", "Local"]);
    assert_eq!(p.channels[1].groups, ["Kids", "Family"]);
    assert_eq!(p.channels[1].streams.len(), 1);
}

#[test]
fn binary_junk_after_good_channels_keeps_them() {
    let mut bytes = b"#EXTM3U\n".to_vec();
    for i in 0..100 {
        bytes.extend_from_slice(format!("#EXTINF:-1,C{i}\nhttp://h/{i}\n").as_bytes());
    }
    // Deterministic junk with newlines and NULs in it.
    let mut x: u32 = 12345;
    for _ in 0..10_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bytes.push((x >> 16) as u8);
    }
    let p = parse_m3u(&bytes[..]).unwrap();
    assert_eq!(p.channels.len(), 100);
    let d = p.diagnostics.last().unwrap();
    assert!(
        d.message.contains("binary data") && d.message.contains("100 channels"),
        "{d}"
    );
    for d in &p.diagnostics {
        assert!(
            d.message.chars().all(|c| !c.is_control()),
            "a message never echoes binary: {d:?}"
        );
    }
}

#[test]
fn web_pages_and_stream_playlists_are_named() {
    assert!(matches!(
        parse_m3u(&b"<!DOCTYPE html>\n<html><body>Login</body></html>\n"[..]),
        Err(M3uError::Html)
    ));
    assert!(matches!(
        parse_m3u(
            &b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\nhigh/index.m3u8\n"[..]
        ),
        Err(M3uError::HlsStream)
    ));
}

/// Channel names as providers write them, against the real guides (iptv-org's, the XMLTV
/// project's, epg-parser's): each lands in the pass that should find it, and the report says so.
#[test]
fn guide_matching_on_real_guides() {
    use prism_core::epg::{GuideBuilder, GuideOptions, MatchPass};
    let playlist = parse_m3u(
        "#EXTM3U
#EXTINF:-1 tvg-id=\"AlJazeera.English.net\",Al Jazeera English
http://h/1
#EXTINF:-1 tvg-id=\"aljazeera.arabic.NET\",AR: الجزيرة
http://h/2
#EXTINF:-1 tvg-id=\"3SAT.DE\",3sat
http://h/3
#EXTINF:-1 tvg-id=\"ardhd.de\" tvg-name=\"Das_Erste\",Das Erste – HD
http://h/4
#EXTINF:-1,|DE| ARD
http://h/5
#EXTINF:-1,13 KERA HD
http://h/6
#EXTINF:-1,UK: Unknown Channel
http://h/7
#EXTINF:-1,11 KTVT +1
http://h/8
"
        .as_bytes(),
    )
    .unwrap();
    let mut b = GuideBuilder::new(&playlist, GuideOptions::at(1_700_000_000));
    let dir = iptv_dir();
    for g in [
        "iptvorg_epgshare01.xml.gz",
        "xmltv_test.xml",
        "epgparser_basic.xml",
    ] {
        let f = std::fs::File::open(dir.join(g)).unwrap();
        b.add_source(std::io::BufReader::new(f))
            .unwrap_or_else(|e| panic!("{g}: {e}"));
    }
    let guide = b.finish();
    let r = guide.match_report();
    let got: Vec<Option<(MatchPass, &str)>> = r
        .channels
        .iter()
        .map(|m| m.as_ref().map(|m| (m.pass, m.xmltv_id.as_str())))
        .collect();
    assert_eq!(
        got,
        [
            Some((MatchPass::IdExact, "AlJazeera.English.net")),
            Some((MatchPass::IdFolded, "AlJazeera.Arabic.net")),
            Some((MatchPass::IdFolded, "3sat.de")),
            Some((MatchPass::TvgName, "das-erste.de")),
            Some((MatchPass::Name, "das-erste.de")),
            Some((MatchPass::Name, "I10436.labs.zap2it.com")),
            None,
            None,
        ]
    );
    assert!((r.rate() - 0.75).abs() < 1e-9);
    let text = r.to_string();
    assert!(text.contains("6 of 8 channels (75.0 %)"), "{text}");
    println!("{text}");
}

#[test]
fn a_stream_playlist_becomes_one_channel_named_after_its_folder() {
    let p = prism_core::Playlist::single_stream("http://h/live/news/index.m3u8?token=1");
    assert_eq!(p.channels.len(), 1);
    assert_eq!(p.channels[0].name, "news");
    assert_eq!(
        p.channels[0].primary_url(),
        Some("http://h/live/news/index.m3u8?token=1")
    );
    assert_eq!(
        prism_core::Playlist::single_stream("http://h/hls/sport.m3u8").channels[0].name,
        "sport.m3u8"
    );
}

/// Catch-up on Kodi IPTV Simple's README playlist: every channel's archive URL for a programme
/// two hours back, as the README's modes and specifiers make it (or why there is none).
#[test]
fn kodi_readme_catchup_urls() {
    use prism_core::catchup::{CatchupError, Window, url};
    let p = fixture("kodi_readme_example.m3u");
    // 2019-11-26 22:00:32 UTC, an hour long, asked for at midnight; the viewer on UTC.
    let start = 1_574_805_632;
    let w = Window {
        start,
        stop: start + 3600,
        now: start + 7200,
        local_offset: 0,
        catchup_id: Some("ep-42"),
    };
    let archive = |name: &str| {
        let c = named(&p, name);
        let cu = c.catchup.as_ref().ok_or(CatchupError::NoArchive)?;
        url(c.primary_url().unwrap(), cu, &w)
    };
    let table: &[(&str, Result<String, CatchupError>)] = &[
        ("Channel X", Err(CatchupError::NoArchive)),
        ("Channel A", Err(CatchupError::NoSource("default".into()))),
        (
            "Channel B",
            Ok("http://path-to-stream/live/catchup-b.ts&cutv=2019-11-26T22:00:32".into()),
        ),
        // catchup-correction="-4.0": the provider's clock is four hours behind.
        (
            "Channel C",
            Ok("http://path-to-stream/live/channel-c.ts&cutv=2019-11-26T18:00:32".into()),
        ),
        (
            "Channel D",
            Ok(format!(
                "http://path-to-stream/live/channel-d.ts?utc={start}&lutc={}",
                start + 7200
            )),
        ),
        // The legacy timeshift="3" is SIPTV's shift.
        (
            "Channel E",
            Ok(format!(
                "http://path-to-stream/live/channel-e.ts?utc={start}&lutc={}",
                start + 7200
            )),
        ),
        (
            "Channel F",
            Ok(format!("http://yoururl/channeld/video-{start}-3600.m3u8")),
        ),
        (
            "Channel G",
            Ok("http://list.tv:8888/325/mono-timeshift_rel-7200.m3u8?token=secret".into()),
        ),
        (
            "Channel H",
            Ok("http://list.tv:8080/timeshift/my@account.xc/my_password/60/2019-11-26:22-00/1477.ts".into()),
        ),
        (
            "Channel I",
            Ok("http://list.tv:8080/timeshift/my@account.xc/my_password/60/2019-11-26:22-00/1477.m3u8".into()),
        ),
        (
            "Channel J",
            Ok("http://path-to-stream/live/catchup-j.ts&cutv=2019-11-26T22:00:32".into()),
        ),
        ("Channel K", Ok("ep-42".into())),
    ];
    for (name, want) in table {
        assert_eq!(&archive(name), want, "{name}");
    }
}
