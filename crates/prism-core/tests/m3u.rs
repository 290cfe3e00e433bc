//! M3U parsing against hand-written fixtures of the things real playlists do.

use prism_core::playlist::m3u::M3uError;
use prism_core::playlist::{ChannelNumber, Severity, TextEncoding, parse_m3u};

fn parse(s: &[u8]) -> prism_core::Playlist {
    parse_m3u(s).expect("playlist parses")
}

#[test]
fn header_attributes() {
    let p = parse(
        b"#EXTM3U url-tvg=\"http://a/epg.xml,http://b/epg.xml.gz\" x-tvg-url=\"http://c/x.xml\" tvg-shift=\"-1.5\" catchup=\"append\" catchup-source=\"?utc={utc}\" catchup-days=\"5\"\n\
#EXTINF:-1,One\nhttp://h/1\n",
    );
    assert_eq!(
        p.header.epg_urls,
        ["http://a/epg.xml", "http://b/epg.xml.gz", "http://c/x.xml"]
    );
    assert_eq!(p.header.tvg_shift, Some(-1.5));
    let c = p.header.catchup.as_ref().unwrap();
    assert_eq!(
        (c.kind.as_str(), c.source.as_deref(), c.days),
        ("append", Some("?utc={utc}"), Some(5))
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
}

#[test]
fn extinf_attributes_all_quoting_styles_and_cases() {
    let p = parse(
        br#"#EXTM3U
#EXTINF:-1 tvg-ID="bbc1.uk" TVG-NAME='BBC_One' tvg-logo=http://l/bbc1.png group-title="UK;Entertainment" tvg-chno="5.1" tvg-language="English" tvg-country=UK tvg-shift=2 radio="false" catchup="shift" catchup-days="7" catchup-correction="0.5" http-user-agent="Kodi/20" http-referrer="http://ref/",BBC One, HD
http://h/bbc1.m3u8
"#,
    );
    let c = &p.channels[0];
    assert_eq!(
        c.name, "BBC One, HD",
        "name runs from the first comma outside quotes"
    );
    assert_eq!(c.tvg_id.as_deref(), Some("bbc1.uk"));
    assert_eq!(c.tvg_name(), Some("BBC_One"));
    assert_eq!(c.logo.as_deref(), Some("http://l/bbc1.png"));
    assert_eq!(c.groups, ["UK", "Entertainment"]);
    assert_eq!(c.number, Some(ChannelNumber::sub(5, 1)));
    assert_eq!(c.language(), Some("English"));
    assert_eq!(c.country(), Some("UK"));
    assert_eq!(c.tvg_shift, Some(2.0));
    assert!(!c.radio);
    let cu = c.catchup.as_ref().unwrap();
    assert_eq!(
        (cu.kind.as_str(), cu.days, cu.correction),
        ("shift", Some(7), Some(0.5))
    );
    let s = &c.streams[0];
    assert_eq!(s.headers.user_agent.as_deref(), Some("Kodi/20"));
    assert_eq!(s.headers.referrer.as_deref(), Some("http://ref/"));
    assert_eq!(s.line, 3);
}

#[test]
fn channel_number_aliases() {
    let p = parse(
        b"#EXTM3U\n#EXTINF:-1 ch-number=\"7\",A\nhttp://h/a\n#EXTINF:-1 channel-number=12,B\nhttp://h/b\n#EXTINF:-1 radio=\"true\",R\nhttp://h/r\n",
    );
    assert_eq!(p.channels[0].number, Some(ChannelNumber::new(7)));
    assert_eq!(p.channels[1].number, Some(ChannelNumber::new(12)));
    assert!(p.channels[2].radio);
}

#[test]
fn quoted_commas_and_equals_do_not_split_the_name() {
    let p = parse(b"#EXTM3U\n#EXTINF:-1 group-title=\"News, Sports\" tvg-name=\"a=b\",Name = With, Commas\nhttp://h/1\n");
    assert_eq!(p.channels[0].groups, ["News, Sports"]);
    assert_eq!(p.channels[0].tvg_name(), Some("a=b"));
    assert_eq!(p.channels[0].name, "Name = With, Commas");
}

#[test]
fn extgrp_vlcopt_kodiprop_and_url_headers() {
    let p = parse(
        b"#EXTM3U\n#EXTGRP:Movies\n#EXTINF:-1,Film 1\n#EXTVLCOPT:http-user-agent=VLC/3.0\n#EXTVLCOPT:http-referrer=http://site/\n#EXTVLCOPT:network-caching=1000\n\
#KODIPROP:inputstream.adaptive.manifest_type=hls\nhttp://h/film1\n\
#EXTINF:-1 group-title=\"Own\",Film 2\nhttp://h/film2|User-Agent=Mozilla%2F5.0%20(X11)&Referer=http://r/&X-Token=abc\n\
#EXTINF:-1,Film 3\nhttp://h/film3\n",
    );
    let [a, b, c] = &p.channels[..] else {
        panic!("{:?}", p.channels)
    };
    assert_eq!(a.groups, ["Movies"]);
    assert_eq!(a.streams[0].headers.user_agent.as_deref(), Some("VLC/3.0"));
    assert_eq!(
        a.streams[0].headers.referrer.as_deref(),
        Some("http://site/")
    );
    assert_eq!(
        a.streams[0].properties,
        [
            ("network-caching".into(), "1000".into()),
            ("inputstream.adaptive.manifest_type".into(), "hls".into())
        ]
    );
    assert_eq!(b.groups, ["Own"], "group-title wins over #EXTGRP");
    assert_eq!(b.streams[0].url, "http://h/film2");
    assert_eq!(
        b.streams[0].headers.user_agent.as_deref(),
        Some("Mozilla/5.0 (X11)")
    );
    assert_eq!(b.streams[0].headers.referrer.as_deref(), Some("http://r/"));
    assert_eq!(
        b.streams[0].headers.extra,
        [("X-Token".into(), "abc".into())]
    );
    assert!(
        c.groups.is_empty(),
        "an entry's own group-title ends the #EXTGRP in force (Kodi's rule)"
    );
    assert!(
        c.streams[0].properties.is_empty(),
        "options belong to one entry"
    );
}

#[test]
fn bom_crlf_stray_cr_blank_lines_and_comments() {
    let p = parse(b"\xEF\xBB\xBF#EXTM3U\r\n\r\n# a comment\r\n#EXTINF:-1,A\r\nhttp://h/a\r\n\r#EXTINF:-1,B\rhttp://h/b\r\n\n\n#EXTINF:-1,C\nhttp://h/c");
    let names: Vec<&str> = p.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!(p.channels[1].streams[0].url, "http://h/b");
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
}

#[test]
fn missing_header_is_a_warning() {
    let p = parse(b"#EXTINF:-1,A\nhttp://h/a\n");
    assert_eq!(p.channels.len(), 1);
    assert_eq!(p.diagnostics[0].severity, Severity::Warning);
    assert!(p.diagnostics[0].message.contains("#EXTM3U"));
}

#[test]
fn windows_1252_detected_for_the_whole_file() {
    // "Télé" and "Canal Ñ" in windows-1252; the first non-ASCII line decides.
    let p = parse(b"#EXTM3U\n#EXTINF:-1 group-title=\"T\xe9l\xe9\",Canal \xd1\nhttp://h/a\n#EXTINF:-1,Caf\xe9 \x80\nhttp://h/b\n");
    assert_eq!(p.encoding.name(), "windows-1252");
    assert_eq!(p.channels[0].groups, ["Télé"]);
    assert_eq!(p.channels[0].name, "Canal Ñ");
    assert_eq!(p.channels[1].name, "Café €");
}

#[test]
fn utf8_file_with_one_bad_line_stays_utf8() {
    let p = parse(
        "#EXTM3U\n#EXTINF:-1,Ünïcode\nhttp://h/a\n#EXTINF:-1,Bad \u{0}"
            .replace('\u{0}', "")
            .as_bytes(),
    );
    assert_eq!(p.encoding, TextEncoding::Utf8);
    let mut bytes =
        b"#EXTM3U\n#EXTINF:-1,\xc3\x9cber\nhttp://h/a\n#EXTINF:-1,Bad \xff\nhttp://h/b\n".to_vec();
    let p = parse(&bytes);
    assert_eq!(p.encoding, TextEncoding::Utf8);
    assert_eq!(p.channels[0].name, "Über");
    assert_eq!(p.channels[1].name, "Bad \u{fffd}");
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.line == 4 && d.message.contains("UTF-8"))
    );
    bytes.clear();
}

#[test]
fn long_urls_survive() {
    let url = format!("http://h/live?token={}", "x".repeat(8000));
    let p = parse(format!("#EXTM3U\n#EXTINF:-1,Long\n{url}\n").as_bytes());
    assert_eq!(p.channels[0].streams[0].url, url);
}

#[test]
fn bad_entries_are_skipped_with_line_numbers() {
    let p = parse(
        b"#EXTM3U\n#EXTINF:-1,No URL\n#EXTINF:-1,Good\nhttp://h/good\n#EXTINF:-1,Junk\nthis is not a url\n#EXTINF:-1 tvg-id=\"x\" Missing Comma\nhttp://h/mc\n#EXTINF:-1,Dangling\n",
    );
    let names: Vec<&str> = p.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Good", "mc"],
        "a nameless entry is named after its URL"
    );
    let lines: Vec<(u32, Severity)> = p.diagnostics.iter().map(|d| (d.line, d.severity)).collect();
    assert!(lines.contains(&(2, Severity::Error)), "{:?}", p.diagnostics);
    assert!(lines.contains(&(6, Severity::Error)), "{:?}", p.diagnostics);
    assert!(
        lines.contains(&(7, Severity::Warning)),
        "{:?}",
        p.diagnostics
    );
    assert!(lines.contains(&(9, Severity::Error)), "{:?}", p.diagnostics);
    for d in &p.diagnostics {
        assert!(d.to_string().starts_with(&format!("line {}:", d.line)));
    }
}

#[test]
fn duplicates_become_backup_streams_in_order() {
    let p = parse(
        b"#EXTM3U\n#EXTINF:-1 tvg-id=\"cnn.us\",CNN\nhttp://a/cnn\n#EXTINF:-1 tvg-id=\"news1\" group-title=\"News\",News One\nhttp://a/n1\n\
#EXTINF:-1 tvg-id=\"cnn.us\",CNN HD\nhttp://b/cnn\n#EXTINF:-1 group-title=\"G\",Plain\nhttp://a/p\n#EXTINF:-1 group-title=\"G\",Plain\nhttp://b/p\n\
#EXTINF:-1 group-title=\"Other\",Plain\nhttp://c/p\n#EXTINF:-1 tvg-id=\"cnn.us\",CNN\nhttp://a/cnn\n#EXTINF:-1 tvg-id=\"cnn.us\",CNN\nhttp://c/cnn\n#EXTINF:-1 tvg-id=\"cnn.us\" tvg-shift=\"1\",CNN +1\nhttp://a/cnn1\n",
    );
    let summary: Vec<(&str, Vec<&str>)> = p
        .channels
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.streams.iter().map(|s| s.url.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("CNN", vec!["http://a/cnn", "http://c/cnn"]),
            ("News One", vec!["http://a/n1"]),
            ("CNN HD", vec!["http://b/cnn"]),
            ("Plain", vec!["http://a/p", "http://b/p"]),
            ("Plain", vec!["http://c/p"]),
            ("CNN +1", vec!["http://a/cnn1"]),
        ]
    );
}

#[test]
fn bare_urls_and_local_paths() {
    let p = parse(b"#EXTM3U\nhttp://h/path/stream.m3u8?x=1\n/media/tv/local.ts\n");
    assert_eq!(p.channels[0].name, "stream.m3u8");
    assert_eq!(p.channels[1].streams[0].url, "/media/tv/local.ts");
}

#[test]
fn not_a_playlist() {
    assert!(matches!(
        parse_m3u(&b"hello world\nthis is text\n"[..]),
        Err(M3uError::NotAPlaylist)
    ));
    assert!(
        matches!(
            parse_m3u(&b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nseg1.ts\n"[..]),
            Err(M3uError::HlsStream)
        ),
        "a media playlist is one stream, not a channel per segment"
    );
    assert!(matches!(
        parse_m3u(&b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"[..]),
        Err(M3uError::HlsStream)
    ));
    assert!(matches!(
        parse_m3u(&b"\xff\xfe#\x00E\x00"[..]),
        Err(M3uError::Utf16)
    ));
    assert!(matches!(
        parse_m3u(&b"\x7fELF\x02\x01\x01\x00\x00\x00"[..]),
        Err(M3uError::Binary { .. })
    ));
    let empty = parse_m3u(&b"#EXTM3U\n"[..]).unwrap();
    assert!(empty.channels.is_empty());
}

#[test]
fn synthetic_playlist_roundtrip() {
    let text = prism_core::synth::m3u(1000, 3);
    let p = parse(text.as_bytes());
    assert_eq!(p.channels.len(), 1000);
    assert_eq!(p.channels[999].number, Some(ChannelNumber::new(1000)));
    assert_eq!(
        p.channels[0].name,
        format!("{} HD", prism_core::synth::channel_name(0))
    );
    assert!(p.diagnostics.is_empty());
}

/// Two providers' lists as one lineup: a channel both carry is one channel whose second
/// provider's stream is its backup (and its groups both providers'); each provider's own
/// channels stay as they were; guide URLs are pooled.
#[test]
fn several_sources_merge_with_duplicates_as_backups() {
    use prism_core::Playlist;
    let a = parse_m3u(
        &b"#EXTM3U x-tvg-url=\"http://a/guide.xml\"\n\
           #EXTINF:-1 tvg-id=\"bbc1.uk\" group-title=\"UK\",BBC One HD\nhttp://a/bbc1hd\n\
           #EXTINF:-1 tvg-id=\"bbc1.uk\" group-title=\"UK\",BBC One\nhttp://a/bbc1\n\
           #EXTINF:-1,Local News\nhttp://a/local\n"[..],
    )
    .unwrap();
    let b = parse_m3u(
        &b"#EXTM3U url-tvg=\"http://b/epg.xml.gz\"\n\
           #EXTINF:-1 tvg-id=\"BBC1.uk\" group-title=\"Entertainment\",UK: BBC One\nhttp://b/one\n\
           #EXTINF:-1 group-title=\"News\",local news\nhttp://b/local\n\
           #EXTINF:-1 tvg-id=\"cnn.us\",CNN\nhttp://b/cnn\n"[..],
    )
    .unwrap();
    let m = Playlist::merge(vec![a, b]);
    let names: Vec<&str> = m.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["BBC One HD", "BBC One", "Local News", "CNN"]);
    let urls = |i: usize| -> Vec<&str> {
        m.channels[i]
            .streams
            .iter()
            .map(|s| s.url.as_str())
            .collect()
    };
    // B's BBC One is a backup of A's first (its name folds to the same key as both of A's:
    // the first takes it); A's SD and HD stay two channels.
    assert_eq!(urls(0), ["http://a/bbc1hd", "http://b/one"]);
    assert_eq!(urls(1), ["http://a/bbc1"]);
    assert_eq!(urls(2), ["http://a/local", "http://b/local"]);
    assert_eq!(m.channels[2].groups, ["News"]);
    assert_eq!(m.channels[0].groups, ["UK", "Entertainment"]);
    assert_eq!(
        m.header.epg_urls,
        ["http://a/guide.xml", "http://b/epg.xml.gz"]
    );
    assert_eq!(Playlist::merge(Vec::new()).channels.len(), 0);
}

/// A provider's channels share their group lists, and a tvg-name that is the channel's own
/// name is read back (and matched by the tvg-name pass) though it is not stored twice.
#[test]
fn shared_groups_and_a_tvg_name_that_is_the_name() {
    use prism_core::epg::{GuideBuilder, GuideOptions, MatchPass};
    let p = parse(
        br#"#EXTM3U
#EXTINF:-1 tvg-name="Sky News" group-title="News",Sky News
http://h/1
#EXTINF:-1 tvg-name="BBC_News" group-title="News",BBC News
http://h/2
#EXTGRP:News
#EXTINF:-1,CNN
http://h/3
#EXTINF:-1 group-title="News;UK",ITV News
http://h/4
"#,
    );
    let [sky, bbc, cnn, itv] = &p.channels[..] else {
        panic!("{:?}", p.channels)
    };
    assert_eq!(sky.tvg_name(), Some("Sky News"));
    assert_eq!(bbc.tvg_name(), Some("BBC_News"));
    assert_eq!(cnn.tvg_name(), None);
    assert_eq!(cnn.groups, ["News"]);
    assert_eq!(itv.groups, ["News", "UK"]);
    // One list for "News", however it was given.
    assert!(std::ptr::eq(sky.groups.as_ptr(), bbc.groups.as_ptr()));
    assert!(std::ptr::eq(sky.groups.as_ptr(), cnn.groups.as_ptr()));
    let mut b = GuideBuilder::new(&p, GuideOptions::at(1_700_000_000));
    b.add_source(
        &br#"<tv><channel id="sky.uk"><display-name>Sky News</display-name></channel>
<channel id="bbc.uk"><display-name>BBC News</display-name></channel></tv>"#[..],
    )
    .unwrap();
    let guide = b.finish();
    let passes: Vec<Option<MatchPass>> = guide
        .match_report()
        .channels
        .iter()
        .map(|m| m.as_ref().map(|m| m.pass))
        .collect();
    assert_eq!(
        passes,
        [
            Some(MatchPass::TvgName),
            Some(MatchPass::TvgName),
            None,
            None
        ]
    );
}
