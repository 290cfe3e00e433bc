#![no_main]
//! Any bytes: the M3U parser returns a playlist or an error, never panics, and every
//! channel it returns has at least one stream.
use libfuzzer_sys::fuzz_target;
use prism_core::playlist::{ParseOptions, parse_m3u_with};

fuzz_target!(|data: &[u8]| {
    let opts = ParseOptions { max_line_len: 4096, ..Default::default() };
    if let Ok(p) = parse_m3u_with(data, &opts) {
        for c in &p.channels {
            assert!(!c.streams.is_empty());
        }
        assert!(p.diagnostics.len() <= opts.max_diagnostics);
    }
});
