//! Hostile input: errors, never panics, never unbounded memory.

use std::io::{Read, Write};

use prism_core::epg::{EpgError, GuideBuilder, GuideOptions};
use prism_core::playlist::{ParseOptions, parse_m3u, parse_m3u_with};
use prism_core::synth::Rng;

/// A reader of `n` bytes produced by `f(i)`, without allocating them.
struct Gen<F: FnMut(u64) -> u8> {
    n: u64,
    i: u64,
    f: F,
}
impl<F: FnMut(u64) -> u8> Read for Gen<F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = (buf.len() as u64).min(self.n - self.i) as usize;
        for b in &mut buf[..k] {
            *b = (self.f)(self.i);
            self.i += 1;
        }
        Ok(k)
    }
}

#[test]
fn million_line_playlist() {
    let mut s = String::from("#EXTM3U\n");
    for i in 0..500_000 {
        s.push_str(&format!("#EXTINF:-1,C{i}\nhttp://h/{i}\n"));
    }
    let p = parse_m3u(s.as_bytes()).unwrap();
    assert_eq!(p.channels.len(), 500_000);
    // The cap holds, with one diagnostic.
    let opts = ParseOptions {
        max_channels: 1000,
        ..Default::default()
    };
    let p = parse_m3u_with(s.as_bytes(), &opts).unwrap();
    assert_eq!(p.channels.len(), 1000);
    assert_eq!(p.diagnostics.len(), 1);
}

#[test]
fn million_lines_of_junk_keep_bounded_diagnostics() {
    let mut s = String::from("#EXTM3U\n");
    for i in 0..1_000_000 {
        s.push_str(if i % 2 == 0 {
            "#EXTINF:-1,x\n"
        } else {
            "not a url at all\n"
        });
    }
    let p = parse_m3u(s.as_bytes()).unwrap();
    assert!(p.channels.is_empty());
    assert_eq!(p.diagnostics.len(), ParseOptions::default().max_diagnostics);
    assert!(p.diagnostics_dropped > 400_000);
}

#[test]
fn binary_junk_and_invalid_utf8() {
    let mut rng = Rng::new(9);
    for _ in 0..50 {
        let junk: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
        let _ = parse_m3u(&junk[..]); // must not panic
        let pl = parse_m3u(&b"#EXTM3U\n#EXTINF:-1,a\nhttp://h/a\n"[..]).unwrap();
        let mut b = GuideBuilder::new(&pl, GuideOptions::at(0));
        assert!(b.add_source(&junk[..]).is_err());
    }
    let p = parse_m3u(&b"#EXTM3U\n#EXTINF:-1,\xff\xfe\xfd\nhttp://h/\xc0\xc1\n"[..]).unwrap();
    assert_eq!(p.channels.len(), 1);
}

#[test]
fn five_megabyte_single_line() {
    let mut s = b"#EXTM3U\n#EXTINF:-1,Huge\n".to_vec();
    s.extend(std::iter::repeat_n(b'a', 5 << 20));
    s.extend_from_slice(b"\n#EXTINF:-1,After\nhttp://h/after\n");
    let p = parse_m3u(&s[..]).unwrap();
    assert_eq!(p.channels.len(), 1);
    assert_eq!(p.channels[0].name, "After");
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.line == 3 && d.message.contains("exceeds"))
    );
    // Same as one line with no newline at all.
    let one: Vec<u8> = std::iter::repeat_n(b'#', 5 << 20).collect();
    assert!(parse_m3u(&one[..]).is_err());
}

#[test]
fn gzip_bomb_is_capped() {
    // 64 MiB of spaces inside a valid guide compresses to ~64 KiB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"<tv>").unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&spaces).unwrap();
    }
    gz.write_all(b"</tv>").unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 200_000);
    let pl = parse_m3u(&b"#EXTM3U\n#EXTINF:-1,a\nhttp://h/a\n"[..]).unwrap();
    let mut opts = GuideOptions::at(0);
    opts.max_decompressed_bytes = 8 << 20;
    let mut b = GuideBuilder::new(&pl, opts);
    let e = b.add_source(&bomb[..]).unwrap_err();
    assert!(
        matches!(e, EpgError::TooLarge { limit } if limit == 8 << 20),
        "{e}"
    );
}

#[test]
fn endless_text_node_is_refused() {
    // A 64 MiB text node would be buffered whole; the token guard stops it at 1 MiB.
    let head = b"<tv><programme start=\"20240101000000\" channel=\"a\"><title>";
    let src = Gen {
        n: 64 << 20,
        i: 0,
        f: |i| {
            if (i as usize) < head.len() {
                head[i as usize]
            } else {
                b'x'
            }
        },
    };
    let pl = parse_m3u(&b"#EXTM3U\n#EXTINF:-1 tvg-id=\"a\",a\nhttp://h/a\n"[..]).unwrap();
    let mut opts = GuideOptions::at(1_704_067_200);
    opts.max_token_bytes = 1 << 20;
    let mut b = GuideBuilder::new(&pl, opts);
    let e = b.add_source(src).unwrap_err();
    assert!(matches!(e, EpgError::TokenTooLarge { .. }), "{e}");
}

#[test]
fn grammar_survives_garbage() {
    let g = prism_core::Grammar::for_playlist(
        &prism_core::playlist::parse_m3u(prism_core::synth::m3u(200, 1).as_bytes()).unwrap(),
    );
    let mut rng = Rng::new(4);
    for _ in 0..2000 {
        let len = rng.below(200);
        let s: String = (0..len)
            .map(|_| char::from_u32(rng.next_u64() as u32 % 0x3000).unwrap_or('x'))
            .collect();
        let _ = g.parse(&s);
    }
    let long = "volume up ".repeat(10_000);
    assert_eq!(g.parse(&long), None);
}

/// A guide URL that answers with a gzip of random bytes (or random bytes): a clear error that
/// never echoes the binary, whatever the decompressed junk happens to look like.
#[test]
fn a_gzip_of_garbage_is_named_without_echoing_it() {
    let pl = parse_m3u(&b"#EXTM3U\n#EXTINF:-1,a\nhttp://h/a\n"[..]).unwrap();
    for seed in 1..=40u64 {
        let mut rng = Rng::new(seed);
        let junk: Vec<u8> = (0..4096).map(|_| (rng.next_u64() & 0xff) as u8).collect();
        // A `<` first makes the junk look like a tag to the XML reader, as real junk can.
        let mut tagged = b"<".to_vec();
        tagged.extend(&junk);
        for body in [junk.clone(), tagged] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&body).unwrap();
            let sources: [Vec<u8>; 2] = [gz.finish().unwrap(), body];
            for source in sources {
                let mut b = GuideBuilder::new(&pl, GuideOptions::at(0));
                let e = b.add_source(&source[..]).unwrap_err().to_string();
                assert!(
                    e.chars()
                        .all(|c| !c.is_control() && c != char::REPLACEMENT_CHARACTER),
                    "seed {seed}: {e:?}"
                );
                assert!(e.len() < 300, "seed {seed}: {e:?}");
            }
        }
    }
    // The one that reads as a tag says what it is.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"<\x8b\x01\xfe\x07junk").unwrap();
    let mut b = GuideBuilder::new(&pl, GuideOptions::at(0));
    let e = b.add_source(&gz.finish().unwrap()[..]).unwrap_err();
    assert!(matches!(e, EpgError::Binary), "{e}");
}
