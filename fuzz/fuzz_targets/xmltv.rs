#![no_main]
//! Any bytes as a guide source: an error or a guide whose channels are time-ordered and
//! whose queries hold, never a panic.
use libfuzzer_sys::fuzz_target;
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;

const PLAYLIST: &[u8] = b"#EXTM3U\n#EXTINF:-1 tvg-id=\"a\",A\nhttp://h/a\n#EXTINF:-1 tvg-id=\"a\" tvg-shift=\"1\",A1\nhttp://h/a1\n#EXTINF:-1 tvg-name=\"B_B\",B\nhttp://h/b\n";

fuzz_target!(|data: &[u8]| {
    let pl = parse_m3u(PLAYLIST).unwrap();
    let mut opts = GuideOptions::at(1_704_067_200);
    opts.max_decompressed_bytes = 16 << 20;
    opts.max_token_bytes = 1 << 20;
    let mut b = GuideBuilder::new(&pl, opts);
    let _ = b.add_source(data);
    let g = b.finish();
    for ch in 0..g.channel_count() {
        let ps: Vec<_> = g.programmes(ch).collect();
        for w in ps.windows(2) {
            assert!(w[0].start() < w[1].start() && w[0].stop() <= w[1].start());
        }
        for p in &ps {
            assert!(p.start() < p.stop());
            let _ = (p.title(), p.description(), p.categories().count());
        }
        let _ = g.now_next(ch, 1_704_067_200);
    }
    let _ = g.search("a", 0, 10);
});
