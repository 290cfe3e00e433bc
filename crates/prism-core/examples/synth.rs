//! Writes the synthetic inputs `prism bench lineup` is measured on (nothing large is
//! committed):
//!
//! ```text
//! cargo run -p prism-core --example synth -- m3u 500000 /tmp/500k.m3u
//! cargo run -p prism-core --example synth -- xmltv 200 2000 /tmp/guide.xml [WORDS [BACK DAYS]]
//! ```
//!
//! The guide has `CHANNELS` channels (the playlist's first ones, by id) over `DAYS` days (14)
//! from `BACK` days ago (7), sized to about `MB` megabytes, with `WORDS` words (30) in each
//! description: fewer words make more, shorter programmes.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: synth m3u CHANNELS OUT | synth xmltv MB CHANNELS OUT [WORDS [BACK DAYS]]";
    let num = |s: &str| -> u64 { s.parse().unwrap_or_else(|_| panic!("{usage}")) };
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["m3u", n, out] => {
            std::fs::write(out, prism_core::synth::m3u(num(n) as usize, 1))
                .unwrap_or_else(|e| panic!("{out}: {e}"));
        }
        ["xmltv", mb, channels, out, ref more @ ..] => {
            let (words, back, days) = match more {
                [] => (30, 7, 14),
                [w] => (num(w), 7, 14),
                [w, b, d] => (num(w), num(b), num(d)),
                _ => panic!("{usage}"),
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let start = now - now % 86_400 - back as i64 * 86_400;
            let mut spec = prism_core::synth::XmltvSpec::sized(
                num(mb) * 1_000_000,
                num(channels) as usize,
                days as u32,
                start,
            );
            // `sized` reckons with 30 words; the programmes' length follows the words asked.
            let per_prog = 240 + 10 * words;
            let per_chan_day = (num(mb) * 1_000_000 / per_prog / (num(channels) * days)).max(1);
            spec.avg_minutes = (1440 / per_chan_day).clamp(5, 240) as u32;
            spec.desc_words = words as usize;
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(out).unwrap_or_else(|e| panic!("{out}: {e}")),
            );
            std::io::copy(&mut spec.reader(), &mut file).unwrap();
            file.flush().unwrap();
        }
        _ => panic!("{usage}"),
    }
}
