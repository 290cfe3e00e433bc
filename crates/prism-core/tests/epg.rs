//! XMLTV guide: formats, time rules, channel matching, window, merging and queries.

use std::io::Write;

use prism_core::epg::time::parse_xmltv_time;
use prism_core::epg::{Compression, EpgError, GuideBuilder, GuideOptions, MatchPass};
use prism_core::playlist::parse_m3u;

const T0: i64 = 1_704_067_200; // 2024-01-01 00:00 UTC

fn t(s: &str) -> i64 {
    parse_xmltv_time(s).unwrap()
}

const PLAYLIST: &str = r#"#EXTM3U
#EXTINF:-1 tvg-id="bbc1.uk",BBC One
http://h/0
#EXTINF:-1 tvg-id="bbc1.uk" tvg-shift="1",BBC One +1
http://h/1
#EXTINF:-1 tvg-name="Sky_News",Sky News HD
http://h/2
#EXTINF:-1,Film Four
http://h/3
#EXTINF:-1 tvg-id="mapped-in-settings",Local TV
http://h/4
#EXTINF:-1 tvg-id="CASE.ID",Case Channel
http://h/5
"#;

const GUIDE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv>
  <channel id="bbc1.uk"><display-name>BBC One</display-name></channel>
  <channel id="sky.news"><display-name>Sky News</display-name><display-name>Sky News UK</display-name></channel>
  <channel id="f4"><display-name>Film Four</display-name></channel>
  <channel id="local.xmltv"><display-name>Something Else</display-name></channel>
  <channel id="case.id"><display-name>Case</display-name></channel>
  <channel id="unwanted"><display-name>Not In Playlist</display-name></channel>
  <programme start="20240101000000 +0000" stop="20240101003000 +0000" channel="bbc1.uk">
    <title lang="en">News &amp; Weather</title>
    <sub-title>Midnight edition</sub-title>
    <desc>Headlines &#8211; then the weather.</desc>
    <category>News</category><category>Weather</category><category>News</category>
    <episode-num system="xmltv_ns">2.9/20.</episode-num>
    <episode-num system="onscreen">S03E10</episode-num>
    <icon src="http://i/news.png"/>
    <rating system="UK"><value>U</value></rating>
  </programme>
  <programme start="20240101003000 +0000" channel="bbc1.uk" catchup-id="abc123"><title>Film: The Night</title></programme>
  <programme start="20240101020000" stop="20240101030000" channel="bbc1.uk"><title>Late Show</title></programme>
  <programme start="20240101010000 +0100" stop="20240101020000 +0100" channel="sky.news"><title>Sky News Tonight</title></programme>
  <programme start="202401010100" stop="202401010200" channel="f4"><title>Film Four Movie</title><episode-num system="xmltv_ns">.4.</episode-num></programme>
  <programme start="20240101000000 +0000" stop="20240101010000 +0000" channel="local.xmltv"><title>Local Bulletin</title></programme>
  <programme start="20240101000000 +0000" stop="20240101010000 +0000" channel="case.id"><title>Case Show</title></programme>
  <programme start="20240101000000 +0000" stop="20240101010000 +0000" channel="unwanted"><title>Never Kept</title></programme>
  <programme start="garbage" stop="20240101010000 +0000" channel="bbc1.uk"><title>Bad Time</title></programme>
  <programme start="20231220000000 +0000" stop="20231220010000 +0000" channel="bbc1.uk"><title>Too Old</title></programme>
  <programme start="20240120000000 +0000" stop="20240120010000 +0000" channel="bbc1.uk"><title>Too Far Ahead</title></programme>
</tv>
"#;

fn options() -> GuideOptions {
    let mut o = GuideOptions::at(T0 + 600);
    o.manual
        .push(("mapped-in-settings".into(), "local.xmltv".into()));
    o
}

fn build(sources: &[&[u8]], opts: GuideOptions) -> prism_core::Guide {
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    let mut b = GuideBuilder::new(&pl, opts);
    for s in sources {
        b.add_source(*s).unwrap();
    }
    b.finish()
}

#[test]
fn programme_fields() {
    let g = build(&[GUIDE.as_bytes()], options());
    let p = g.programmes(0).next().unwrap();
    assert_eq!(p.title(), "News & Weather");
    assert_eq!(p.sub_title(), Some("Midnight edition"));
    assert_eq!(p.description(), Some("Headlines – then the weather."));
    assert_eq!(p.categories().collect::<Vec<_>>(), ["News", "Weather"]);
    assert_eq!(
        (p.programme.season, p.programme.episode),
        (Some(3), Some(10))
    );
    assert_eq!(
        p.episode_label(),
        Some("S03E10"),
        "onscreen wins for display"
    );
    assert_eq!(p.icon(), Some("http://i/news.png"));
    assert_eq!(p.rating(), Some("U"));
    let titles: Vec<&str> = g.programmes(0).map(|p| p.title()).collect();
    assert_eq!(
        titles,
        ["News & Weather", "Film: The Night", "Late Show"],
        "bad times and out-of-window dropped"
    );
    let film = g.programmes(0).nth(1).unwrap();
    assert_eq!(film.catchup_id(), Some("abc123"));
    assert_eq!(
        film.stop(),
        t("20240101020000"),
        "missing stop comes from the next programme"
    );
    let late = g.programmes(0).nth(2).unwrap();
    assert_eq!(
        late.start(),
        t("20240101020000 +0000"),
        "missing zone is UTC"
    );
    assert_eq!(g.programmes(3).next().unwrap().episode_label(), Some("E5"));
}

#[test]
fn three_pass_matching_manual_map_and_shift() {
    let g = build(&[GUIDE.as_bytes()], options());
    // Pass 1: id = tvg-id, and the +1 channel gets the same programmes an hour later, once.
    let a: Vec<i64> = g.programmes(0).map(|p| p.start()).collect();
    let b: Vec<i64> = g.programmes(1).map(|p| p.start()).collect();
    assert_eq!(b, a.iter().map(|s| s + 3600).collect::<Vec<_>>());
    // Pass 2: display-name = tvg-name with '_' as space; zone applied.
    let sky = g.programmes(2).next().unwrap();
    assert_eq!((sky.title(), sky.start()), ("Sky News Tonight", T0));
    // Pass 3: display-name = channel name.
    assert_eq!(g.programmes(3).next().unwrap().title(), "Film Four Movie");
    // Manual mapping wins.
    assert_eq!(g.programmes(4).next().unwrap().title(), "Local Bulletin");
    // tvg-id in another case: the folded-id pass.
    assert_eq!(g.programmes(5).next().unwrap().title(), "Case Show");
    let r = g.match_report();
    assert_eq!(
        r.channels[5].as_ref().map(|m| m.pass),
        Some(MatchPass::IdFolded)
    );
    assert_eq!(
        r.channels[4].as_ref().map(|m| m.pass),
        Some(MatchPass::Manual)
    );
    // Every guide channel is listed once, matched or not, for a mapping to choose from.
    let ids: Vec<&str> = r.guide.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "bbc1.uk",
            "sky.news",
            "f4",
            "local.xmltv",
            "case.id",
            "unwanted"
        ]
    );
    let named = |q: &str| -> Vec<&str> {
        r.find_guide(q)
            .into_iter()
            .map(|i| r.guide[i].name.as_str())
            .collect()
    };
    assert_eq!(named("sky"), ["Sky News"]);
    assert_eq!(named("NOT in"), ["Not In Playlist"]);
    assert_eq!(named("local"), ["Something Else"], "by id too");
    assert_eq!(named("news sky"), ["Sky News"]);
    assert_eq!(named("").len(), 6);
    assert!(named("nothing like it").is_empty());
}

#[test]
fn now_next_range_and_search() {
    let g = build(&[GUIDE.as_bytes()], options());
    let nn = g.now_next(0, T0 + 600);
    assert_eq!(nn.now.unwrap().title(), "News & Weather");
    assert_eq!(nn.next.unwrap().title(), "Film: The Night");
    assert!((nn.now.unwrap().progress(T0 + 900) - 0.5).abs() < 1e-6);
    // In a gap before the first programme: nothing now, the first is next.
    let early = g.now_next(1, T0 + 60);
    assert!(early.now.is_none());
    assert_eq!(early.next.unwrap().title(), "News & Weather");
    let grid: Vec<&str> = g
        .range(0, T0 + 1200, T0 + 2 * 3600 + 1)
        .map(|p| p.title())
        .collect();
    assert_eq!(grid, ["News & Weather", "Film: The Night", "Late Show"]);
    assert_eq!(g.range(0, T0 + 3 * 3600, T0 + 4 * 3600).count(), 0);
    let hits: Vec<(usize, &str)> = g
        .search("film", T0, 10)
        .iter()
        .map(|(c, p)| (*c, p.title()))
        .collect();
    assert_eq!(
        hits,
        [
            (0, "Film: The Night"),
            (3, "Film Four Movie"),
            (1, "Film: The Night")
        ]
    );
    let hits = g.search("news wea", T0, 10);
    assert_eq!(
        hits.len(),
        2,
        "prefix on the last word, on both BBC channels"
    );
    assert!(g.search("nonexistent", T0, 10).is_empty());
    assert_eq!(g.channel_count(), 6);
}

#[test]
fn gzip_and_xz_detected_by_magic() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(GUIDE.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(GUIDE.as_bytes()).unwrap();
    let xz = xz.finish().unwrap();
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    for (bytes, kind) in [
        (&gz, Compression::Gzip),
        (&xz, Compression::Xz),
        (&GUIDE.as_bytes().to_vec(), Compression::None),
    ] {
        let mut b = GuideBuilder::new(&pl, options());
        let stats = b.add_source(&bytes[..]).unwrap();
        assert_eq!(stats.compression, kind);
        assert_eq!(stats.bytes, GUIDE.len() as u64);
        assert_eq!(stats.channels_in_source, 6);
        assert_eq!(stats.bad_times, 1);
        assert_eq!(b.finish().programmes(0).count(), 3);
    }
}

#[test]
fn bom_and_legacy_encoding() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(GUIDE.as_bytes());
    assert_eq!(build(&[&bom], options()).programmes(0).count(), 3);
    let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><tv><programme start=\"20240101000000\" stop=\"20240101010000\" channel=\"bbc1.uk\"><title>Caf\xe9</title></programme></tv>";
    let g = build(&[latin], options());
    assert_eq!(g.programmes(0).next().unwrap().title(), "Café");
}

#[test]
fn sources_merge_without_mixing_a_channel() {
    let second = br#"<tv><programme start="20240101050000" stop="20240101060000" channel="bbc1.uk"><title>From Second</title></programme>
<programme start="20240101050000" stop="20240101060000" channel="case.id"><title>Only In Second</title></programme></tv>"#;
    let o = options();
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    let mut b = GuideBuilder::new(&pl, o);
    b.add_source(&br#"<tv><programme start="20240101000000" stop="20240101010000" channel="bbc1.uk"><title>From First</title></programme></tv>"#[..]).unwrap();
    b.add_source(&second[..]).unwrap();
    let g = b.finish();
    assert_eq!(
        g.programmes(0).map(|p| p.title()).collect::<Vec<_>>(),
        ["From First"]
    );
    assert_eq!(
        g.programmes(5).map(|p| p.title()).collect::<Vec<_>>(),
        ["Only In Second"]
    );
}

#[test]
fn truncated_guide_keeps_what_was_read() {
    let cut = &GUIDE.as_bytes()[..GUIDE.find("<programme start=\"20240101020000\"").unwrap() + 40];
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    let mut b = GuideBuilder::new(&pl, options());
    let err = b.add_source(cut);
    assert!(err.is_err(), "{err:?}");
    assert_eq!(b.finish().programmes(0).count(), 2);
}

#[test]
fn errors_are_clear() {
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    let mut b = GuideBuilder::new(&pl, options());
    let e = b
        .add_source(&b"<html><body>404</body></html>"[..])
        .unwrap_err();
    assert!(matches!(e, EpgError::NotXmltv(ref r) if r == "html"), "{e}");
    let e = b.add_source(&b""[..]).unwrap_err();
    assert!(e.to_string().contains("not an XMLTV guide"), "{e}");
}

#[test]
fn synthetic_guide_matches_synthetic_playlist() {
    let pl = parse_m3u(prism_core::synth::m3u(20, 1).as_bytes()).unwrap();
    let spec = prism_core::synth::XmltvSpec {
        channels: 40,
        start: T0 - 86_400,
        days: 3,
        avg_minutes: 60,
        desc_words: 5,
        seed: 3,
    };
    let mut b = GuideBuilder::new(&pl, GuideOptions::at(T0));
    let stats = b.add_source(spec.reader()).unwrap();
    assert_eq!(stats.channels_in_source, 40);
    assert_eq!(stats.channels_matched, 20);
    let g = b.finish();
    assert!(g.now_next(19, T0).now.is_some());
    assert!(
        stats.programmes_kept * 2 < stats.programmes_read + 40,
        "half the channels are not in the playlist"
    );
}

#[test]
fn demo_guide_covers_the_demo_lineup() {
    let pl =
        parse_m3u(prism_core::demo::playlist_m3u("http://127.0.0.1:1/demo").as_bytes()).unwrap();
    let mut b = GuideBuilder::new(&pl, GuideOptions::at(T0));
    b.add_source(prism_core::demo::guide_xmltv(T0).as_bytes())
        .unwrap();
    let g = b.finish();
    for i in 0..pl.channels.len() {
        let nn = g.now_next(i, T0);
        assert!(
            nn.now.is_some() && nn.next.is_some(),
            "channel {i} has now/next"
        );
    }
}

/// A name two guide channels fit is reported ambiguous and left unmatched; a display-name
/// equal to the channel's own name breaks such a tie.
#[test]
fn ambiguous_names_are_reported_not_guessed() {
    let pl =
        parse_m3u(&b"#EXTM3U\n#EXTINF:-1,Sport\nhttp://h/1\n#EXTINF:-1,News\nhttp://h/2\n"[..])
            .unwrap();
    let guide = br#"<tv>
<channel id="sport.a"><display-name>Sport HD</display-name></channel>
<channel id="sport.b"><display-name>SPORT FHD</display-name></channel>
<channel id="news.a"><display-name>News HD</display-name></channel>
<channel id="news.b"><display-name>news</display-name></channel>
</tv>"#;
    let mut b = GuideBuilder::new(&pl, GuideOptions::at(T0));
    b.add_source(&guide[..]).unwrap();
    let g = b.finish();
    let r = g.match_report();
    assert_eq!(r.channels[0], None);
    assert_eq!(
        r.ambiguous,
        [(0, vec!["sport.a".to_string(), "sport.b".to_string()])]
    );
    assert_eq!(r.channels[1].as_ref().unwrap().xmltv_id, "news.b");
}

/// XMLTV's own rules for programmes that share a slot or overlap (the DTD's clumpidx and
/// tv_sort): nothing is lost, the order is tv_sort's, and the grid gets a clean sequence.
#[test]
fn overlaps_and_clumps_follow_tv_sort() {
    let pl = parse_m3u(&b"#EXTM3U\n#EXTINF:-1 tvg-id=\"c\",C\nhttp://h/c\n"[..]).unwrap();
    let guide = br#"<tv>
<programme start="20240101110000" channel="c" clumpidx="1/2"><title>Weather</title></programme>
<programme start="20240101110000" channel="c" clumpidx="0/2"><title>News</title></programme>
<programme start="20240101120000" stop="20240101140000" channel="c"><title>Long Film</title></programme>
<programme start="20240101120000" stop="20240101130000" channel="c"><title>Short Doc</title></programme>
<programme start="20240101140000" stop="20240101150000" channel="c"><title>Quiz</title></programme>
<programme start="20240101140000" stop="20240101150000" channel="c"><title>Quiz</title></programme>
<programme start="20240101143000" stop="20240101160000" channel="c"><title>Late Start</title></programme>
</tv>"#;
    let mut b = GuideBuilder::new(&pl, GuideOptions::at(t("20240101120000")));
    b.add_source(&guide[..]).unwrap();
    let g = b.finish();
    let got: Vec<(String, i64, i64)> = g
        .programmes(0)
        .map(|p| (p.title().to_owned(), p.start(), p.stop()))
        .collect();
    let at = |s: &str| t(&format!("20240101{s}00"));
    assert_eq!(
        got,
        [
            // The clump shares 11:00-12:00 in index order (the source listed Weather first).
            ("News".to_owned(), at("1100"), at("1130")),
            ("Weather".to_owned(), at("1130"), at("1200")),
            // Same start: tv_sort puts the earlier stop first; the other follows it.
            ("Short Doc".to_owned(), at("1200"), at("1300")),
            ("Long Film".to_owned(), at("1300"), at("1400")),
            // An identical duplicate is dropped; an overlap ends at the later start.
            ("Quiz".to_owned(), at("1400"), at("1430")),
            ("Late Start".to_owned(), at("1430"), at("1600")),
        ]
    );
}

/// The XMLTV project's own sort fixture: a missing stop is the next start, zones applied.
#[test]
fn the_xmltv_projects_sort_fixture() {
    let dir = std::env::current_dir()
        .unwrap()
        .ancestors()
        .map(|d| d.join("../shared/assets/iptv"))
        .find(|d| d.is_dir())
        .expect("../shared/assets/iptv");
    let xml = std::fs::read(dir.join("xmltv_sort.xml")).unwrap();
    let pl = parse_m3u(&b"#EXTM3U\n#EXTINF:-1 tvg-id=\"2\",Two\nhttp://h/2\n"[..]).unwrap();
    let mut b = GuideBuilder::new(&pl, GuideOptions::at(t("20030513040000")));
    b.add_source(&xml[..]).unwrap();
    let g = b.finish();
    let got: Vec<(&str, i64, i64)> = g
        .programmes(0)
        .map(|p| (p.title(), p.start(), p.stop()))
        .collect();
    assert_eq!(
        got,
        [
            ("A", t("20030513033500"), t("20030513040600")),
            ("B", t("20030513040600"), t("20030513050600")),
        ]
    );
}

/// Guide search finds titles first, then descriptions, any case, nothing that has ended.
#[test]
fn find_searches_titles_then_descriptions() {
    let g = build(&[GUIDE.as_bytes()], options());
    let hits: Vec<(&str, bool)> = g
        .find("WEATHER", T0, 10)
        .into_iter()
        .map(|(_, p, title)| (p.title(), title))
        .collect();
    assert_eq!(hits.first(), Some(&("News & Weather", true)));
    let by_desc: Vec<&str> = g
        .find("headlines", T0, 10)
        .into_iter()
        .filter(|(_, _, title)| !title)
        .map(|(_, p, _)| p.title())
        .collect();
    assert!(by_desc.contains(&"News & Weather"), "{by_desc:?}");
    assert!(g.find("headlines", T0 + 30 * 86_400, 10).is_empty());
}

/// Every programme of every channel with all its text, and the source's counts: what two
/// ways of reading one guide must agree on.
fn everything(
    pl: &prism_core::Playlist,
    doc: &[u8],
    opts: GuideOptions,
) -> (Vec<String>, prism_core::epg::SourceStats) {
    let mut b = GuideBuilder::new(pl, opts);
    let stats = b.add_source(doc).unwrap();
    let g = b.finish();
    let mut out = Vec::new();
    for c in 0..pl.channels.len() {
        for p in g.programmes(c) {
            out.push(format!(
                "{c} {}-{} {} / {:?} / {:?} / {:?} / {:?} / {:?} / {:?} / {:?}",
                p.start(),
                p.stop(),
                p.title(),
                p.sub_title(),
                p.description(),
                p.categories().collect::<Vec<_>>(),
                p.episode_label(),
                p.icon(),
                p.rating(),
                p.catchup_id()
            ));
        }
    }
    (out, stats)
}

fn with_pieces(at: i64, threads: usize, piece_bytes: usize) -> GuideOptions {
    let mut o = GuideOptions::at(at);
    o.parse_threads = threads;
    o.piece_bytes = piece_bytes;
    o
}

#[test]
fn a_guide_read_in_pieces_on_several_threads_is_the_guide_read_whole() {
    // Several MB of guide for a playlist that has half its channels: pieces of 64 KiB on
    // three threads, against the whole document parsed on this one.
    let pl = parse_m3u(prism_core::synth::m3u(60, 1).as_bytes()).unwrap();
    let spec = prism_core::synth::XmltvSpec {
        channels: 120,
        start: T0 - 3 * 86_400,
        days: 12,
        avg_minutes: 45,
        desc_words: 12,
        seed: 9,
    };
    let mut doc = Vec::new();
    std::io::Read::read_to_end(&mut spec.reader(), &mut doc).unwrap();
    assert!(doc.len() > 4_000_000, "{}", doc.len());
    let (whole, s1) = everything(&pl, &doc, with_pieces(T0, 1, usize::MAX / 2));
    let (pieces, s2) = everything(&pl, &doc, with_pieces(T0, 3, 64 << 10));
    assert!(whole.len() > 10_000, "{}", whole.len());
    assert_eq!(s1, s2);
    assert_eq!(s1.programmes_read, s2.programmes_read);
    assert!(
        s1.programmes_kept < s1.programmes_read,
        "half are not wanted"
    );
    assert_eq!(whole, pieces);
}

#[test]
fn pieces_never_cut_inside_a_comment_or_cdata_and_late_channels_still_match() {
    // End tags inside a comment and a CDATA section, a <channel> among the programmes whose
    // programmes follow it, entities and a bad time: cut after every possible byte count.
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<tv>
  <channel id="bbc1.uk"><display-name>BBC One</display-name></channel>
  <programme start="20240101000000 +0000" stop="20240101010000 +0000" channel="bbc1.uk"><title>One &amp; Two</title></programme>
  <!-- a programme left out: <programme channel="bbc1.uk"></programme> -->
  <programme start="20240101010000 +0000" stop="20240101020000 +0000" channel="bbc1.uk"><title>Three</title><desc><![CDATA[Ends </programme> and </channel> in text]]></desc></programme>
  <programme start="garbage" channel="bbc1.uk"><title>Bad Time</title></programme>
  <programme start="20240101000000 +0000" stop="20240101010000 +0000" channel="sky.news"><title>Before Its Channel</title></programme>
  <channel id="sky.news"><display-name>Sky News</display-name></channel>
  <programme start="20240101010000 +0000" stop="20240101020000 +0000" channel="sky.news"><title>After Its Channel</title></programme>
  <programme start="20240101020000 +0000" stop="20240101030000 +0000" channel="case.id"><title>No Channel Element</title></programme>
</tv>
"#;
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    let (whole, s1) = everything(&pl, doc.as_bytes(), with_pieces(T0, 1, usize::MAX / 2));
    assert!(
        whole
            .iter()
            .any(|p| p.contains("Ends </programme> and </channel> in text"))
    );
    assert!(whole.iter().any(|p| p.contains("After Its Channel")));
    assert!(!whole.iter().any(|p| p.contains("Before Its Channel")));
    assert!(whole.iter().any(|p| p.contains("No Channel Element")));
    assert_eq!(s1.bad_times, 1);
    for piece in [1, 7, 40, 100, 333, 1000] {
        for threads in [1, 2, 4] {
            let (pieces, s2) = everything(&pl, doc.as_bytes(), with_pieces(T0, threads, piece));
            assert_eq!(
                (&whole, &s1),
                (&pieces, &s2),
                "{piece} bytes, {threads} threads"
            );
        }
    }
}

#[test]
fn a_cut_download_keeps_the_whole_programmes_before_the_cut() {
    let pl = parse_m3u(PLAYLIST.as_bytes()).unwrap();
    let cut = &GUIDE.as_bytes()[..GUIDE.find("Sky News Tonight").unwrap()];
    struct Cut<'a>(&'a [u8]);
    impl std::io::Read for Cut<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset",
                ));
            }
            let n = buf.len().min(self.0.len()).min(50);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    for threads in [1, 2] {
        let mut b = GuideBuilder::new(&pl, with_pieces(T0 + 600, threads, 100));
        let e = b.add_source(Cut(cut)).unwrap_err();
        assert!(matches!(e, EpgError::Io(_)), "{e:?}");
        let g = b.finish();
        let titles: Vec<String> = (0..pl.channels.len())
            .flat_map(|c| {
                g.programmes(c)
                    .map(|p| p.title().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            titles.iter().any(|t| t == "Late Show"),
            "{threads}: {titles:?}"
        );
        assert!(!titles.iter().any(|t| t == "Sky News Tonight"), "{threads}");
    }
}
