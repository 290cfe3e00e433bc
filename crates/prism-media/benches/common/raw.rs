//! A loopback server of raw MPEG-TS channels for the benches (a provider's `.ts` URLs).

use std::time::Duration;

use prism_media::demo;

/// Each demo channel as an endless raw MPEG-TS response at its own bitrate (its segments in a
/// loop), each connection joining at a different point inside a segment. Returns the base URL.
pub fn serve(streams: &[demo::DemoStream]) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let channels: Vec<Vec<(Vec<u8>, Duration)>> = streams
        .iter()
        .map(|s| {
            s.segments
                .iter()
                .map(|g| (std::fs::read(&g.path).expect("segment"), g.duration))
                .collect()
        })
        .collect();
    let channels = std::sync::Arc::new(channels);
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().flatten().enumerate() {
            let channels = channels.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let ch: usize = line
                    .split('/')
                    .nth(1)
                    .and_then(|f| f.split('.').next())
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(0);
                while reader.read_line(&mut line).is_ok_and(|k| k > 2) {
                    line.clear();
                }
                let mut out = conn;
                let _ = out.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nConnection: close\r\n\r\n",
                );
                let segments = &channels[ch % channels.len()];
                // Joined somewhere in a segment (packet-aligned), as a live server is.
                let mut k = n * 7 % segments.len();
                let mut skip = (n * 7919 % 1000) * segments[k].0.len() / 1000 / 188 * 188;
                loop {
                    let (bytes, d) = &segments[k];
                    let chunks = bytes[skip..].chunks(16 * 1024);
                    let pace = d.div_f64(bytes.len().div_ceil(16 * 1024) as f64);
                    for c in chunks {
                        if out.write_all(c).is_err() {
                            return;
                        }
                        std::thread::sleep(pace);
                    }
                    skip = 0;
                    k = (k + 1) % segments.len();
                }
            });
        }
    });
    base
}
