//! The `prism` command. Until the Bevy window lands (the TV issue), it runs the engine-free core
//! on the embedded default or on the user's files and prints what the TV will show:
//!
//! - `prism` — the embedded demo lineup with what's on now and next;
//! - `prism --playlist FILE [--epg FILE]...` — a real playlist and guide, with diagnostics;
//! - `prism say "turn it up"` — what the command grammar makes of a sentence (JSON).

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use prism_core::epg::time::civil_from_unix;
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::{Grammar, Guide, Playlist, demo};

// Playlist and guide loading are allocation-bound (hundreds of thousands of small strings);
// mimalloc halves the time of a 50k-channel parse against glibc's allocator (prism-core benches).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: prism [--playlist FILE] [--epg FILE]... | prism say TEXT...";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prism: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    if args.first().map(String::as_str) == Some("say") {
        let playlist = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes())
            .map_err(|e| e.to_string())?;
        let grammar = Grammar::for_playlist(&playlist);
        let text = args[1..].join(" ");
        let t = Instant::now();
        let cmd = grammar.parse(&text);
        let took = t.elapsed();
        match cmd {
            Some(c) => println!("{}", serde_json::to_string(&c).map_err(|e| e.to_string())?),
            None => println!("null  (not a media command: this goes to the LLM)"),
        }
        eprintln!("parsed in {took:?}");
        return Ok(());
    }
    let mut playlist_path = None;
    let mut epg_paths = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--playlist" => playlist_path = Some(it.next().ok_or(USAGE)?),
            "--epg" => epg_paths.push(it.next().ok_or(USAGE)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let t = Instant::now();
    let (playlist, guide) = match playlist_path {
        None => {
            let p = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes())
                .map_err(|e| e.to_string())?;
            let mut b = GuideBuilder::new(&p, GuideOptions::at(now));
            b.add_source(demo::guide_xmltv(now).as_bytes())
                .map_err(|e| e.to_string())?;
            println!("Prism — embedded demo lineup (no playlist configured)\n");
            (p, b.finish())
        }
        Some(path) => {
            let f = File::open(&path).map_err(|e| format!("{path}: {e}"))?;
            let p = parse_m3u(BufReader::new(f)).map_err(|e| format!("{path}: {e}"))?;
            for d in p.diagnostics.iter().take(20) {
                eprintln!("{path}: {d}");
            }
            if p.diagnostics_dropped > 0 || p.diagnostics.len() > 20 {
                eprintln!(
                    "{path}: … {} more",
                    p.diagnostics.len().saturating_sub(20) + p.diagnostics_dropped
                );
            }
            let mut b = GuideBuilder::new(&p, GuideOptions::at(now));
            for e in &epg_paths {
                let f = File::open(e).map_err(|err| format!("{e}: {err}"))?;
                match b.add_source(f) {
                    Ok(s) => eprintln!(
                        "{e}: {:?}, {:.1} MB, {} programmes kept of {}, {} channels matched",
                        s.compression,
                        s.bytes as f64 / 1e6,
                        s.programmes_kept,
                        s.programmes_read,
                        s.channels_matched
                    ),
                    // The guide keeps what was read before the error.
                    Err(err) => eprintln!("{e}: {err}"),
                }
            }
            (p, b.finish())
        }
    };
    print_lineup(&playlist, &guide, now);
    eprintln!("\nloaded in {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

fn hhmm(t: i64) -> String {
    // Local time needs the platform's zone database; the guide prints UTC until the app has it.
    let (_, _, _, h, m, _) = civil_from_unix(t);
    format!("{h:02}:{m:02}")
}

fn print_lineup(playlist: &Playlist, guide: &Guide, now: i64) {
    for (i, c) in playlist.channels.iter().enumerate().take(200) {
        let number = c.number.map(|n| n.to_string()).unwrap_or_default();
        let nn = guide.now_next(i, now);
        let on_now = match nn.now {
            Some(p) => format!(
                "{}–{} {} ({:.0}%)",
                hhmm(p.start()),
                hhmm(p.stop()),
                p.title(),
                p.progress(now) * 100.0
            ),
            None => "no guide information".into(),
        };
        println!("{number:>5}  {:<28} {on_now}", c.name);
        if let Some(p) = nn.next {
            println!(
                "{:>5}  {:<28} next {} {}",
                "",
                "",
                hhmm(p.start()),
                p.title()
            );
        }
    }
    if playlist.channels.len() > 200 {
        println!("… and {} more channels", playlist.channels.len() - 200);
    }
}
