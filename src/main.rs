//! Prism: a TV app with a companion. `prism` opens the TV window on the embedded demo lineup
//! (or `--playlist FILE [--epg FILE]...`); `prism lineup [...]` prints the lineup with now/next
//! in the terminal; `prism say TEXT` shows what the command grammar makes of a sentence;
//! `prism models install` downloads the voice models (`models`).
//!
//! The app is one Bevy plugin per thing the user sees: `tv` (playback and every media command),
//! `video` (the picture), `guide`, `grid`, `overlay` (banner, volume, error card, loading news),
//! `input`, `settings` (what is remembered), `settings_screen` (S), `sources` (loading and
//! refreshing channels and guides).

mod autopilot;
mod bench;
mod companion;
mod fetch;
mod grid;
mod guide;
mod i18n;
mod input;
mod logos;
mod mascot;
mod models;
mod mtoon;
mod overlay;
mod settings;
mod settings_screen;
mod sources;
mod tv;
mod video;
mod voice;

use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bevy::prelude::*;
use bevy::window::WindowResolution;
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_core::{Grammar, Guide, Playlist, demo};

// Playlist and guide loading are allocation-bound (hundreds of thousands of small strings);
// mimalloc halves the time of a 50k-channel parse against glibc's allocator (prism-core benches).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: prism [--playlist FILE|URL | --xtream SERVER USER PASSWORD] [--epg FILE|URL]... [--avatar FILE.vrm]\n       prism lineup [--playlist FILE|URL | --xtream SERVER USER PASSWORD] [--epg FILE|URL]...\n       prism say TEXT...\n       prism models [list | install [NAME...] [--mirror URL]]\n       prism bench voice [--runs N] [--json FILE]";

/// Screens, as states: the picture alone, the channel list over it, or the guide grid.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Watching,
    /// The channel list (OK while watching).
    Guide,
    /// The TV guide grid (G, or "show the guide").
    Grid,
    /// Where channels come from, and how often they refresh (S).
    Settings,
}

impl Screen {
    /// A screen where the arrows navigate instead of zapping.
    pub fn navigates(self) -> bool {
        self != Screen::Watching
    }
}

/// Input is read, then executed, then drawn, in that order every frame.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    Input,
    Execute,
    Draw,
}

/// Colours readable from across a room. Panels are opaque: UI blending happens in linear light,
/// where a 90 %-alpha dark panel over bright video still reads as half see-through.
pub mod theme {
    use bevy::prelude::Color;
    pub const PANEL: Color = Color::srgb(0.03, 0.04, 0.08);
    pub const CARD: Color = Color::srgb(0.35, 0.05, 0.08);
    pub const WARN: Color = Color::srgb(1.0, 0.55, 0.45);
    pub const ROW: Color = Color::srgba(1.0, 1.0, 1.0, 0.06);
    pub const SELECTED: Color = Color::srgba(0.16, 0.36, 0.85, 0.95);
    pub const FOCUS: Color = Color::srgb(1.0, 0.85, 0.2);
    pub const TEXT: Color = Color::srgb(0.97, 0.97, 0.97);
    pub const DIM: Color = Color::srgb(0.72, 0.75, 0.8);
    pub const ACCENT: Color = Color::srgb(0.3, 0.75, 1.0);
    pub const TRACK: Color = Color::srgba(1.0, 1.0, 1.0, 0.18);
    pub const CELL: Color = Color::srgb(0.12, 0.13, 0.18);
    pub const NOW: Color = Color::srgb(0.16, 0.2, 0.3);
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `HH:MM` in the viewer's time zone.
pub fn clock(t: i64) -> String {
    let s = (t + utc_offset_seconds()).rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// The system's UTC offset, from `date +%z` once (no zone database is linked).
pub fn utc_offset_seconds() -> i64 {
    static OFFSET: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *OFFSET.get_or_init(|| {
        let out = std::process::Command::new("date").arg("+%z").output();
        let s = out
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        s.and_then(|s| {
            let (sign, rest) = s.split_at_checked(1)?;
            let h: i64 = rest.get(..2)?.parse().ok()?;
            let m: i64 = rest.get(2..4)?.parse().ok()?;
            Some(if sign == "-" { -1 } else { 1 } * (h * 3600 + m * 60))
        })
        .unwrap_or(0)
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("say") | Some("lineup") => {
            let mut args = args;
            if args[0] == "lineup" {
                args.remove(0);
            }
            terminal(args)
        }
        Some("bench") => match bench::command(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("prism: {e}");
                ExitCode::FAILURE
            }
        },
        Some("models") => match models::command(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("prism: {e}");
                ExitCode::FAILURE
            }
        },
        Some("-h") | Some("--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => window(args),
    }
}

fn window(args: Vec<String>) -> ExitCode {
    let mut settings = settings::Settings::load();
    let mut it = args.into_iter();
    let mut cli_epg = Vec::new();
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
            ("--playlist", Some(p)) => settings.playlist = Some(p),
            ("--xtream", Some(server)) => {
                let (Some(username), Some(password)) = (it.next(), it.next()) else {
                    eprintln!("prism: --xtream SERVER USER PASSWORD\n{USAGE}");
                    return ExitCode::FAILURE;
                };
                settings.xtream = Some(settings::XtreamSettings {
                    server,
                    username,
                    password,
                });
            }
            ("--epg", Some(e)) => cli_epg.push(e),
            ("--avatar", Some(f)) => {
                // Made absolute: the setting outlives the directory Prism started in.
                let p = std::path::absolute(&f).map_or(f, |p| p.display().to_string());
                settings.avatar = Some(p);
            }
            _ => {
                eprintln!("prism: unknown argument {a:?}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    if !cli_epg.is_empty() {
        settings.epg = cli_epg;
    }
    let mut app = App::new();
    mascot::register_source(&mut app);
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Prism".into(),
                    resolution: WindowResolution::new(1280, 720),
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin {
                file_path: concat!(env!("CARGO_MANIFEST_DIR"), "/assets").into(),
                ..default()
            }),
    )
    .insert_resource(ClearColor(Color::BLACK))
    .insert_resource(settings)
    .init_state::<Screen>()
    .configure_sets(
        Update,
        (AppSystems::Input, AppSystems::Execute, AppSystems::Draw).chain(),
    )
    .add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    })
    .add_plugins((
        settings::plugin,
        settings_screen::plugin,
        sources::plugin,
        tv::plugin,
        video::plugin,
        guide::plugin,
        grid::plugin,
        logos::plugin,
        overlay::plugin,
        mascot::plugin,
        mtoon::plugin,
        input::plugin,
        voice::plugin,
        companion::plugin,
        autopilot::plugin,
    ));
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

fn terminal(args: Vec<String>) -> ExitCode {
    match run(args) {
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
    let mut xtream = None;
    let mut epg_paths = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--playlist" => playlist_path = Some(it.next().ok_or(USAGE)?),
            "--xtream" => {
                xtream = Some((
                    it.next().ok_or(USAGE)?,
                    it.next().ok_or(USAGE)?,
                    it.next().ok_or(USAGE)?,
                ))
            }
            "--epg" => epg_paths.push(it.next().ok_or(USAGE)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let t = Instant::now();
    let mut tell = |m: String| eprintln!("{m}");
    let progress = fetch::Progress::default();
    if let Some((server, user, pass)) = xtream {
        let (p, xmltv) = fetch::xtream_lineup(&server, &user, &pass, &progress)?;
        let sources = if epg_paths.is_empty() {
            vec![xmltv]
        } else {
            epg_paths
        };
        let guide = fetch::guide(&p, &sources, now, &progress, &mut tell);
        println!(
            "Prism — Xtream {server}: {} live channels\n",
            p.channels.len()
        );
        print_lineup(&p, &guide, now);
        return Ok(());
    }
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
            let p = fetch::playlist(&path, &progress, &mut tell)?;
            let guide = fetch::guide(&p, &epg_paths, now, &progress, &mut tell);
            (p, guide)
        }
    };
    print_lineup(&playlist, &guide, now);
    eprintln!("\nloaded in {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    Ok(())
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
