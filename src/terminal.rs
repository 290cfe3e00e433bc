//! The terminal commands that need no window: `prism lineup` (the lineup with now/next and
//! what loading it said), `prism say` (what the voice grammar makes of a sentence) and
//! `prism avatar` (what a VRM file has, or why Prism cannot use it).

use std::time::Instant;

use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::{Grammar, Guide, Playlist, demo};

use crate::cli::SourceArgs;
use crate::sources::fetch;
use crate::time::{clock, unix_now};

/// `prism avatar FILE`: the report on a VRM avatar, as Prism reads it, or the reason it
/// cannot be used (an error, for the exit status).
pub fn avatar(path: &str) -> Result<String, String> {
    use prism_core::avatar::{Avatar, LookAtKind, REQUIRED_BONES, Version};
    use std::fmt::Write as _;
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let a = Avatar::from_glb(&bytes).map_err(|e| format!("{path}: {e}"))?;
    a.check_humanoid().map_err(|e| format!("{path}: {e}"))?;
    let mut r = String::new();
    let name = if a.name.is_empty() {
        "(no name)"
    } else {
        &a.name
    };
    let version = match a.version {
        Version::Vrm0 => "VRM 0.x",
        Version::Vrm1 => "VRM 1.0",
    };
    let _ = writeln!(r, "{path}: {version} avatar \"{name}\"");
    let _ = writeln!(
        r,
        "  humanoid     {} bones (the {} required ones all there)",
        a.bones.len(),
        REQUIRED_BONES.len()
    );
    let mut presets: Vec<&str> = a
        .expressions
        .iter()
        .filter(|e| e.preset.is_some())
        .map(|e| e.name.as_str())
        .collect();
    presets.sort_unstable();
    let mut custom: Vec<&str> = a
        .expressions
        .iter()
        .filter(|e| e.preset.is_none())
        .map(|e| e.name.as_str())
        .collect();
    custom.sort_unstable();
    let _ = writeln!(
        r,
        "  expressions  {} preset ({}), {} custom{}",
        presets.len(),
        presets.join(", "),
        custom.len(),
        if custom.is_empty() {
            String::new()
        } else {
            format!(" ({})", custom.join(", "))
        }
    );
    let _ = writeln!(
        r,
        "  look-at      by {}",
        match a.look_at {
            LookAtKind::Bone => "eye bones",
            LookAtKind::Expression => "expressions",
        }
    );
    let (joints, colliders) = a.spring_counts();
    let _ = writeln!(r, "  springs      {joints} joints, {colliders} colliders");
    let (materials, mtoon) = a.materials();
    let _ = writeln!(r, "  materials    {materials} ({mtoon} MToon)");
    let (meshes, morphed) = a.meshes();
    let _ = writeln!(
        r,
        "  meshes       {meshes} ({morphed} with morph targets), {} nodes",
        a.node_count
    );
    if !a.unresolved.is_empty() {
        let _ = writeln!(
            r,
            "  note         {} expression binds point at nothing and are left out: {}",
            a.unresolved.len(),
            a.unresolved.join("; ")
        );
    }
    let _ = writeln!(r, "  usable       yes");
    Ok(r)
}

/// `prism say TEXT`: the command the grammar hears in `text`, against the demo lineup.
pub fn say(text: &str) -> Result<(), String> {
    let playlist = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes())
        .map_err(|e| e.to_string())?;
    let grammar = Grammar::for_playlist(&playlist);
    let t = Instant::now();
    let cmd = grammar.parse(text);
    let took = t.elapsed();
    match cmd {
        Some(c) => println!("{}", serde_json::to_string(&c).map_err(|e| e.to_string())?),
        None => println!("null  (not a media command: this goes to the LLM)"),
    }
    eprintln!("parsed in {took:?}");
    Ok(())
}

/// `prism lineup [--playlist ... | --xtream ...] [--epg ...]`.
pub fn lineup(args: &SourceArgs) -> Result<(), String> {
    let now = unix_now();
    let t = Instant::now();
    let progress = fetch::Progress::default();
    // The user's own guide mapping, as the app would apply it.
    let manual: Vec<(String, String)> = crate::settings::Settings::load()
        .guide_map
        .into_iter()
        .collect();
    let origin = match (args.xtream(), &args.playlist) {
        (Some((server, username, password)), _) => {
            crate::sources::Origin::Xtream(crate::settings::XtreamSettings {
                server,
                username,
                password,
            })
        }
        (None, Some(p)) => crate::sources::Origin::Playlist(p.clone()),
        (None, None) => {
            let p = parse_m3u(demo::playlist_m3u("http://127.0.0.1/demo").as_bytes())
                .map_err(|e| e.to_string())?;
            let mut b = GuideBuilder::new(&p, GuideOptions::at(now));
            b.add_source(demo::guide_xmltv(now).as_bytes())
                .map_err(|e| e.to_string())?;
            println!("Prism — embedded demo lineup (no playlist configured)\n");
            let guide = b.finish();
            print_lineup(&p, &guide, now);
            print_matching(&p, &guide);
            return Ok(());
        }
    };
    // The app's own loader: every source in turn with its own guides, merged.
    let spec = crate::sources::Spec {
        origin,
        epg: args.epg.clone(),
        more: args.more.clone(),
        off: Vec::new(),
    };
    let loaded = crate::sources::load(spec, &manual, None, &progress);
    for n in progress.get().notes {
        eprintln!("{n}");
    }
    let lineup = loaded?;
    let mut out = String::new();
    for r in &lineup.sources {
        let what = match &r.result {
            Some(Ok(n)) => format!("{n} channels"),
            Some(Err(e)) => format!("did not load: {e}"),
            None => "switched off".into(),
        };
        out += &format!("{}: {what}\n", r.label);
    }
    println!("Prism — {}\n{out}", lineup.source);
    let empty = prism_core::Guide::default();
    let guide = lineup.guide.as_ref().unwrap_or(&empty);
    let playlist = &lineup.playlist;
    print_lineup(playlist, guide, now);
    print_matching(playlist, guide);
    eprintln!("\nloaded in {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

/// The guide match report: matched by each pass, then who is unmatched and ambiguous.
fn print_matching(playlist: &Playlist, guide: &Guide) {
    let r = guide.match_report();
    if r.guide_channels == 0 {
        println!("\nno guide channels to match (no guide loaded)");
        return;
    }
    println!("\n{r}");
    let ambiguous: std::collections::HashMap<u32, &Vec<String>> =
        r.ambiguous.iter().map(|(c, ids)| (*c, ids)).collect();
    let unmatched: Vec<usize> = r.unmatched().collect();
    for &i in unmatched.iter().take(40) {
        let c = &playlist.channels[i];
        let id = c.tvg_id.as_deref().unwrap_or("no tvg-id");
        match ambiguous.get(&(i as u32)) {
            Some(ids) => println!("  ambiguous  {} ({id}): {}", c.name, ids.join(", ")),
            None => println!("  unmatched  {} ({id})", c.name),
        }
    }
    if unmatched.len() > 40 {
        println!("  … and {} more unmatched", unmatched.len() - 40);
    }
}

fn print_lineup(playlist: &Playlist, guide: &Guide, now: i64) {
    for (i, c) in playlist.channels.iter().enumerate().take(200) {
        let number = c.number.map(|n| n.to_string()).unwrap_or_default();
        let nn = guide.now_next(i, now);
        let on_now = match nn.now {
            Some(p) => format!(
                "{}–{} {} ({:.0}%)",
                clock(p.start()),
                clock(p.stop()),
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
                clock(p.start()),
                p.title()
            );
        }
    }
    if playlist.channels.len() > 200 {
        println!("… and {} more channels", playlist.channels.len() - 200);
    }
}
