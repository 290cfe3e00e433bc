//! `prism bench lineup`: loading a lineup exactly as the app's lineup thread does (the playlist
//! read and parsed, every guide streamed and matched, the `Lineup` with its grammar built),
//! timed and with the process's peak memory growth (Linux's high-water mark, reset first).
//! Runs `--runs` times in one process and prints JSON (each run, and the best). A big lineup
//! goes on screen before its voice grammar knows the channel names: `names_seconds` is when
//! it does.

use std::time::Instant;

use serde_json::json;

use crate::sources::fetch::Progress;
use crate::sources::{Origin, Spec, load};

/// Kernel-reported memory figures of this process, in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub fn command(playlist: String, epg: Vec<String>, runs: usize) -> Result<(), String> {
    let mut results = Vec::new();
    for run in 0..runs.max(1) {
        // Start each run from what the process holds now, with the high-water mark there.
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let before = status_kib("VmRSS");
        let t = Instant::now();
        let spec = Spec {
            origin: Origin::Playlist(playlist.clone()),
            epg: epg.clone(),
            ..Spec::default()
        };
        let mut lineup = load(spec, &[], None, &Progress::default())?;
        let secs = t.elapsed().as_secs_f64();
        let peak = status_kib("VmHWM");
        let held = status_kib("VmRSS");
        // A big lineup's channel names reach the voice grammar after it is on screen.
        let names = lineup.grammar_later.take().map(|rx| {
            let g = rx.into_inner().ok().and_then(|rx| rx.recv().ok());
            let at = t.elapsed().as_secs_f64();
            if let Some(g) = g {
                lineup.grammar = std::sync::Arc::new(g);
            }
            (at, status_kib("VmHWM"))
        });
        let report = lineup.guide.as_ref().map(|g| g.match_report().clone());
        let r = json!({
            "run": run + 1,
            "seconds": (secs * 1000.0).round() / 1000.0,
            "channels": lineup.channels().len(),
            "guide_matched": report.as_ref().map_or(0, |r| r.matched()),
            "programmes": lineup.guide.as_ref().map_or(0, |g| g.programme_count()),
            "peak_rss_growth_mb": if reset { json!(((peak.saturating_sub(before)) as f64 / 1024.0).round()) } else { json!(null) },
            "held_mb": ((held.saturating_sub(before)) as f64 / 1024.0).round(),
            // When the voice knew every channel name, and the peak growth by then.
            "names_seconds": names.map_or(json!(null), |(s, _)| json!((s * 1000.0).round() / 1000.0)),
            "names_peak_rss_growth_mb": names.map_or(json!(null), |(_, p)| {
                json!(((p.saturating_sub(before)) as f64 / 1024.0).round())
            }),
        });
        eprintln!("{r}");
        results.push(r);
        drop(lineup);
    }
    let best = results
        .iter()
        .min_by(|a, b| {
            a["seconds"]
                .as_f64()
                .partial_cmp(&b["seconds"].as_f64())
                .unwrap()
        })
        .cloned();
    let out = json!({ "playlist": playlist, "epg": epg, "runs": results, "best": best });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}
