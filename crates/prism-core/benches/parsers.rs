//! Performance targets of prism-core (issue: foundation):
//! - M3U: 50,000 channels (~15 MB) in ≤ 40 ms;
//! - XMLTV: 200 MB at ≥ 150 MB/s with peak RSS growth ≤ 64 MB;
//! - grammar: ≤ 20 µs per utterance.
//!
//! Inputs come from `prism_core::synth`; nothing large is committed. Run with
//! `cargo bench -p prism-core` (set `PRISM_BENCH_XMLTV_MB` to change the guide size).

use std::hint::black_box;

// The allocator the `prism` app runs with: parsing a big playlist is allocation-bound, so measure
// what users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::synth::{self, XmltvSpec};
use prism_core::{Grammar, Playlist};

const NOW: i64 = 1_704_067_200;

fn m3u(c: &mut Criterion) {
    let text = synth::m3u(50_000, 1);
    let mut g = c.benchmark_group("m3u");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(30);
    g.bench_function(
        format!("parse_50k_channels_{:.1}MB", text.len() as f64 / 1e6),
        |b| {
            b.iter(|| {
                let p = parse_m3u(black_box(text.as_bytes())).unwrap();
                assert_eq!(p.channels.len(), 50_000);
                p
            })
        },
    );
    g.finish();
}

/// The control API's channel filter (`PVR.GetChannels` with a query) over 50,000 names: names
/// folded as compared, against lowering each name (what it did before).
fn name_filter(c: &mut Criterion) {
    let p = parse_m3u(synth::m3u(50_000, 1).as_bytes()).unwrap();
    let mut g = c.benchmark_group("channel filter 50k");
    g.sample_size(30);
    g.bench_function("contains_folded", |b| {
        b.iter(|| {
            p.channels
                .iter()
                .filter(|c| prism_core::text::contains_folded(&c.name, black_box("sport")))
                .count()
        })
    });
    g.bench_function("to_lowercase", |b| {
        b.iter(|| {
            p.channels
                .iter()
                .filter(|c| c.name.to_lowercase().contains(black_box("sport")))
                .count()
        })
    });
    g.finish();
}

/// The playlist a 200 MB guide is matched against: a quarter of the guide's channels, as when a
/// provider's full guide serves one user's lineup.
fn guide_playlist(channels: usize) -> Playlist {
    parse_m3u(synth::m3u(channels / 4, 2).as_bytes()).unwrap()
}

fn xmltv_spec() -> XmltvSpec {
    let mb: u64 = std::env::var("PRISM_BENCH_XMLTV_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    // 2,000 channels × 14 days (a week back, a week ahead), like a large provider guide.
    XmltvSpec::sized(mb * 1_000_000, 2000, 14, NOW - 7 * 86_400)
}

fn xmltv(c: &mut Criterion) {
    let spec = xmltv_spec();
    let bytes = std::io::copy(&mut spec.reader(), &mut std::io::sink()).unwrap();
    let playlist = guide_playlist(spec.channels);
    let mut g = c.benchmark_group("xmltv");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    // Generation cost alone, to subtract: the parser's throughput is what's left.
    g.bench_function("generate_only", |b| {
        b.iter(|| std::io::copy(&mut spec.reader(), &mut std::io::sink()).unwrap())
    });
    g.bench_function(format!("parse_{}MB_generated", bytes / 1_000_000), |b| {
        b.iter(|| {
            let mut builder = GuideBuilder::new(&playlist, GuideOptions::at(NOW));
            builder.add_source(spec.reader()).unwrap();
            builder.finish()
        })
    });
    g.finish();
}

/// Peak RSS growth can't be a criterion measurement; it is printed once, on a fresh process
/// high-water mark reset (Linux `clear_refs` 5), with the guide streamed from the generator.
fn xmltv_memory(_: &mut Criterion) {
    let spec = xmltv_spec();
    let playlist = guide_playlist(spec.channels);
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = rss_kib("VmHWM");
    let t = Instant::now();
    let mut builder = GuideBuilder::new(&playlist, GuideOptions::at(NOW));
    let stats = builder.add_source(spec.reader()).unwrap();
    let guide = builder.finish();
    let secs = t.elapsed().as_secs_f64();
    let after = rss_kib("VmHWM");
    println!(
        "xmltv/memory: {:.0} MB streamed in {:.2} s ({:.0} MB/s incl. generation); {} of {} programmes kept for {} of {} channels; \
         text {:.1} MB; peak RSS growth {:.1} MB{}",
        stats.bytes as f64 / 1e6,
        secs,
        stats.bytes as f64 / 1e6 / secs,
        stats.programmes_kept,
        stats.programmes_read,
        stats.channels_matched,
        stats.channels_in_source,
        guide.text_bytes() as f64 / 1e6,
        (after.saturating_sub(before)) as f64 / 1024.0,
        if reset {
            ""
        } else {
            " (high-water mark not reset: includes earlier benches)"
        }
    );
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

const UTTERANCES: &[&str] = &[
    "turn the volume up to seventy five percent please",
    "hey lumen could you put on sky sports",
    "what's next on nova news 3",
    "skip forward a minute and a half",
    "channel one hundred and one",
    "what do you think about this show",
    "add this channel to my favourites",
    "I want to watch atlas kids two",
];

fn grammar(c: &mut Criterion) {
    // A real-sized lineup: 5,000 channels.
    let playlist = parse_m3u(synth::m3u(5000, 3).as_bytes()).unwrap();
    let g = Grammar::for_playlist(&playlist);
    let mut group = c.benchmark_group("grammar");
    group.throughput(Throughput::Elements(UTTERANCES.len() as u64));
    group.bench_function("8_utterances_5000_channels", |b| {
        b.iter(|| {
            for u in UTTERANCES {
                black_box(g.parse(black_box(u)));
            }
        })
    });
    group.finish();
}

/// Guide matching: 50,000 playlist channels written the way providers write them (region
/// prefixes, quality tags, ids in another case) against a guide of 50,000 `<channel>` elements,
/// every pass run. Criterion's time divided by 50,000 is the cost per channel.
fn matching(c: &mut Criterion) {
    const N: usize = 50_000;
    let mut m3u = String::from("#EXTM3U\n");
    let mut xml = String::from("<tv>\n");
    for i in 0..N {
        let name = synth::channel_name(i);
        let id = synth::channel_id(i);
        // A third by exact id, a third by id in another case, a third by name only.
        let attr = match i % 3 {
            0 => format!("tvg-id=\"{id}\""),
            1 => format!("tvg-id=\"{}\"", id.to_uppercase()),
            _ => String::new(),
        };
        m3u.push_str(&format!("#EXTINF:-1 {attr},UK: {name} FHD\nhttp://h/{i}\n"));
        xml.push_str(&format!(
            "<channel id=\"{id}\"><display-name>{name}</display-name></channel>\n"
        ));
    }
    xml.push_str("</tv>\n");
    let playlist = parse_m3u(m3u.as_bytes()).unwrap();
    let mut g = c.benchmark_group("matching");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    g.bench_function("match_50k_channels_all_passes", |b| {
        b.iter(|| {
            let mut builder = GuideBuilder::new(&playlist, GuideOptions::at(NOW));
            builder.add_source(black_box(xml.as_bytes())).unwrap();
            let guide = builder.finish();
            assert_eq!(guide.match_report().matched(), N);
            guide
        })
    });
    g.finish();
}

// Memory first, while the process has not yet grown through the other benches.
criterion_group!(
    benches,
    xmltv_memory,
    m3u,
    name_filter,
    matching,
    grammar,
    xmltv
);
criterion_main!(benches);
