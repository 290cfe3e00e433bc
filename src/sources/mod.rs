//! Where the channels come from: the embedded demo lineup, a playlist (file or URL) or an
//! Xtream login, each with its guides. Loading runs on a thread and reports what it is doing;
//! the lineup is refreshed on a schedule and whenever the settings screen applies a new source.
//! A refresh that fails keeps the channels already loaded, and the TV keeps playing.

pub mod fetch;
pub mod logos;

use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use prism_core::demo;
use prism_core::epg::{GuideBuilder, GuideOptions};
use prism_core::playlist::parse_m3u;
use prism_media::server::DemoServer;

use prism_core::playlist::xtream::XtreamLogin;

use crate::settings::{Settings, XtreamSettings};
use crate::t;
use crate::time::unix_now;
use crate::tv::{Cmd, Lineup, SourceReport, Tv};
use fetch::{Progress, ProgressState};

pub fn plugin(app: &mut App) {
    app.add_plugins(logos::plugin)
        .add_message::<Reload>()
        .init_resource::<Sources>()
        .add_systems(
            Update,
            (schedule, start, finish)
                .chain()
                .in_set(crate::app::AppSystems::Execute),
        );
}

/// Load the channels.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum Reload {
    /// Same source as the settings say, fresher data: keep watching.
    Refresh,
    /// A source the user chose (the settings screen): it becomes the setting only once it
    /// loads, so a typo never replaces a working playlist; then the TV tunes into it.
    Try(Spec),
}

/// The sources and their guides.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    pub origin: Origin,
    /// Guides for the main source (none: the ones it names itself).
    pub epg: Vec<String>,
    /// More sources merged after the origin's channels (playlists, Xtream logins as URLs).
    pub more: Vec<String>,
    /// Sources switched off, by [`source_key`].
    pub off: Vec<String>,
}

impl Spec {
    pub fn of(settings: &Settings) -> Self {
        Spec {
            origin: Origin::of(settings),
            epg: settings.epg.clone(),
            more: settings.more_sources.clone(),
            off: settings.sources_off.clone(),
        }
    }
    fn commit(self, settings: &mut Settings) {
        (settings.playlist, settings.xtream) = match self.origin {
            Origin::Demo => (None, None),
            Origin::Playlist(p) => (Some(p), None),
            Origin::Xtream(x) => (None, Some(x)),
        };
        settings.epg = self.epg;
        settings.more_sources = self.more;
        settings.sources_off = self.off;
    }
}

/// Every source the settings name, the main one first: (key, label).
pub fn listed(settings: &Settings) -> Vec<(String, String)> {
    Origin::of(settings)
        .as_source()
        .iter()
        .chain(&settings.more_sources)
        .map(|s| (source_key(s), source_label(s)))
        .collect()
}

/// How a source is named in `sources_off`: a playlist by its path or URL, an Xtream login by
/// its panel and user (never its password).
pub fn source_key(source: &str) -> String {
    match XtreamLogin::from_url(source) {
        Some(l) => format!("xtream:{}", l.label()),
        None => source.trim().to_owned(),
    }
}

/// Where channels come from, as the settings describe it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Origin {
    #[default]
    Demo,
    Playlist(String),
    Xtream(XtreamSettings),
}

impl Origin {
    /// The source as the loader takes any source: a playlist's path or URL, a login as an
    /// Xtream URL (so it loads, and is switched off, like the more sources). None: the demo.
    pub fn as_source(&self) -> Option<String> {
        match self {
            Origin::Demo => None,
            Origin::Playlist(p) => Some(p.clone()),
            Origin::Xtream(x) => {
                let l = XtreamLogin::new(&x.server, &x.username, &x.password);
                let (scheme, host) = match l.server.strip_prefix("https://") {
                    Some(h) => ("xtreams", h),
                    None => ("xtream", l.server.trim_start_matches("http://")),
                };
                Some(format!(
                    "{scheme}://{}:{}@{host}",
                    prism_core::text::percent_encode_segment(&l.username),
                    prism_core::text::percent_encode_segment(&l.password),
                ))
            }
        }
    }

    pub fn of(settings: &Settings) -> Self {
        match (&settings.xtream, &settings.playlist) {
            (Some(x), _) => Origin::Xtream(x.clone()),
            (None, Some(p)) => Origin::Playlist(p.clone()),
            (None, None) => Origin::Demo,
        }
    }
}

#[derive(Resource, Default)]
pub struct Sources {
    job: Option<Job>,
    /// When the lineup on screen was loaded (the refresh schedule counts from here).
    pub loaded_at: Option<Instant>,
    /// What the last load said: "42 channels, guide for 40" or its error.
    pub outcome: Option<Outcome>,
    /// Counts finished loads, so a screen waiting for one can tell it arrived.
    pub finished: u64,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub at: Instant,
    /// The load at start (the TV itself shows how that went).
    pub first: bool,
    pub result: Result<String, String>,
}

struct Job {
    rx: Mutex<Receiver<Result<Lineup, String>>>,
    progress: Progress,
    started: Instant,
    reason: Reload,
}

impl Sources {
    /// What is loading now, and for how long.
    pub fn loading(&self) -> Option<(ProgressState, Duration)> {
        self.job
            .as_ref()
            .map(|j| (j.progress.get(), j.started.elapsed()))
    }
    /// Trying a source the user chose (not a scheduled refresh).
    pub fn trying(&self) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| matches!(j.reason, Reload::Try(_)))
    }
}

/// The first load starts with the app; later ones on [`Reload`] or when the schedule says so.
fn schedule(sources: Res<Sources>, settings: Res<Settings>, mut reload: MessageWriter<Reload>) {
    if sources.job.is_some() {
        return;
    }
    let due = match sources.loaded_at {
        // The first load: nothing loaded, nothing tried yet.
        None => sources.outcome.is_none(),
        Some(t) => {
            settings.refresh_hours > 0
                && t.elapsed() >= Duration::from_secs(u64::from(settings.refresh_hours) * 3600)
        }
    };
    if due {
        reload.write(Reload::Refresh);
    }
}

fn start(
    mut reload: MessageReader<Reload>,
    mut sources: ResMut<Sources>,
    settings: Res<Settings>,
    tv: Option<Res<Tv>>,
) {
    // Several requests in one frame are one load; the user's choice wins over a refresh.
    let Some(reason) = reload
        .read()
        .cloned()
        .reduce(|a, b| if matches!(b, Reload::Try(_)) { b } else { a })
    else {
        return;
    };
    if let Some(job) = &sources.job
        && (job.reason == reason
            || (matches!(job.reason, Reload::Try(_)) && reason == Reload::Refresh))
    {
        return; // already on it
    }
    // The user's guide mapping applies to whichever source loads.
    let guide_map: Vec<(String, String)> = settings
        .guide_map
        .iter()
        .map(|(a, b)| (a.clone(), b.clone()))
        .collect();
    let spec = match &reason {
        Reload::Refresh => Spec::of(&settings),
        Reload::Try(spec) => spec.clone(),
    };
    // The demo lineup keeps its loopback server (and its URLs) across reloads.
    let server = tv
        .as_ref()
        .and_then(|tv| tv.lineup.as_ref())
        .and_then(|l| l.server.clone());
    let progress = Progress::default();
    let (tx, rx) = channel();
    {
        let progress = progress.clone();
        std::thread::Builder::new()
            .name("lineup".into())
            .spawn(move || {
                let _ = tx.send(load(spec, &guide_map, server, &progress));
            })
            .expect("spawn the lineup thread");
    }
    // A newer request replaces one in flight; the old thread's result is dropped.
    sources.job = Some(Job {
        rx: Mutex::new(rx),
        progress,
        started: Instant::now(),
        reason,
    });
}

fn finish(
    mut sources: ResMut<Sources>,
    tv: Option<ResMut<Tv>>,
    mut settings: ResMut<Settings>,
    mut cmds: MessageWriter<Cmd>,
) {
    let Some(mut tv) = tv else { return };
    let Some(job) = &sources.job else { return };
    let got = job.rx.lock().unwrap_or_else(|e| e.into_inner()).try_recv();
    let result = match got {
        Ok(r) => r,
        Err(std::sync::mpsc::TryRecvError::Empty) => return,
        Err(std::sync::mpsc::TryRecvError::Disconnected) => {
            Err("the loading thread stopped unexpectedly".into())
        }
    };
    let job = sources.job.take().expect("checked above");
    let took = job.started.elapsed();
    let first = sources.loaded_at.is_none() && sources.outcome.is_none();
    sources.finished += 1;
    let result = match result {
        Ok(lineup) => {
            let summary = t!(
                "lineup-summary",
                channels = lineup.channels().len(),
                guided = lineup.guided_channels(),
                source = lineup.source.as_str()
            );
            info!("lineup: {summary} in {took:?}");
            let tried = match job.reason {
                Reload::Try(spec) => {
                    spec.commit(&mut settings);
                    true
                }
                Reload::Refresh => false,
            };
            if let Some(i) = tv.set_lineup(lineup, tried, &settings) {
                cmds.write(Cmd::watch(&tv, i));
            }
            sources.loaded_at = Some(Instant::now());
            Ok(summary)
        }
        Err(e) => {
            warn!("lineup: {e}");
            tv.lineup_failed(&e);
            // Try again at the next scheduled time, not in a loop.
            if sources.loaded_at.is_some() {
                sources.loaded_at = Some(Instant::now());
            }
            Err(e)
        }
    };
    sources.outcome = Some(Outcome {
        at: Instant::now(),
        first,
        result,
    });
}

/// Loads a lineup (runs on the lineup thread).
pub fn load(
    spec: Spec,
    guide_map: &[(String, String)],
    server: Option<Arc<DemoServer>>,
    progress: &Progress,
) -> Result<Lineup, String> {
    let now = unix_now();
    let Spec {
        origin,
        epg,
        more,
        off,
    } = spec;
    let main = match origin.as_source() {
        Some(main) => main,
        None => {
            let server = match server {
                Some(s) => s,
                None => {
                    progress.stage(t!("loading-demo"));
                    // On a first run the channels are encoded in the background: the first
                    // plays as soon as it is made, the rest follow while it plays.
                    let cache = crate::settings::cache_dir();
                    let server = DemoServer::start_encoding(&cache, 0)
                        .map_err(|e| format!("demo server: {e}"))?;
                    let (done, count) = server.on_air();
                    if done < count {
                        progress.stage(t!("encoding-first-demo", count = count));
                        server
                            .wait_until_on_air(prism_core::demo::CHANNELS[0].id)
                            .map_err(|e| format!("demo server: {e}"))?;
                    }
                    Arc::new(server)
                }
            };
            let p = parse_m3u(demo::playlist_m3u(server.base_url()).as_bytes())
                .map_err(|e| e.to_string())?;
            let mut opts = GuideOptions::at(now);
            opts.manual = guide_map.to_vec();
            let mut b = GuideBuilder::new(&p, opts);
            b.add_source(demo::guide_xmltv(now).as_bytes())
                .map_err(|e| e.to_string())?;
            let guide = b.finish();
            return Ok(Lineup::new(p, guide, t!("demo-lineup-title"), Some(server)));
        }
    };
    // Every source in turn, each with its own guides; the main one's failure is the load's,
    // another's is reported and the rest still play.
    let mut parts = Vec::new();
    let mut guides: Vec<String> = Vec::new();
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    let mut limits = Vec::new();
    for (i, src) in std::iter::once(&main).chain(&more).enumerate() {
        let key = source_key(src);
        let mut report = SourceReport {
            label: source_label(src),
            key,
            main: i == 0,
            result: None,
        };
        if !off.contains(&report.key) {
            match one_source(src, progress) {
                Ok((p, own, limit)) => {
                    report.result = Some(Ok(p.channels.len()));
                    limits.extend(limit);
                    // The user's guides replace the main source's own, not the others'.
                    let own = if i == 0 && !epg.is_empty() {
                        epg.clone()
                    } else {
                        own
                    };
                    for g in own {
                        if !guides.contains(&g) {
                            guides.push(g);
                        }
                    }
                    parts.push(p);
                }
                Err(e) if i == 0 => return Err(e),
                Err(e) => {
                    warn!("{}: {e}", report.label);
                    failed.push(prism_core::playlist::Diagnostic {
                        line: 0,
                        severity: prism_core::playlist::Severity::Error,
                        message: format!("{}: {e}", report.label),
                    });
                    report.result = Some(Err(e));
                }
            }
        }
        reports.push(report);
    }
    if parts.is_empty() {
        return Err(t!("every-source-off"));
    }
    let mut p = prism_core::Playlist::merge(parts);
    p.diagnostics.extend(failed);
    let (guide, grammar, later) = guide_and_grammar(&p, &guides, now, guide_map, progress);
    let mut lineup = Lineup::with_grammar(p, guide, grammar, reports[0].label.clone(), None);
    lineup.grammar_later = later.map(Mutex::new);
    lineup.sources = reports;
    lineup.connection_limits = limits;
    Ok(lineup)
}

/// One playlist or Xtream login, the guides it names itself (a playlist's `url-tvg`, the
/// panel's `xmltv.php`), and the connections it allows at once when it says (a panel's
/// `max_connections`, by server: `prism_core::timers::pool_of`).
#[allow(clippy::type_complexity)]
fn one_source(
    src: &str,
    progress: &Progress,
) -> Result<(prism_core::Playlist, Vec<String>, Option<(String, u32)>), String> {
    match XtreamLogin::from_url(src) {
        Some(x) => {
            let (p, xmltv, max) =
                fetch::xtream_lineup(&x.server, &x.username, &x.password, progress)?;
            let limit = (max > 0).then(|| (prism_core::timers::pool_of(&x.server), max));
            Ok((p, vec![xmltv], limit))
        }
        None => {
            let p = fetch::playlist(src, progress, &mut |m| {
                warn!("{m}");
                progress.note(m)
            })?;
            let own = p.header.epg_urls.clone();
            Ok((p, own, None))
        }
    }
}

/// A source as the UI names it: "Xtream user@panel" for a login, else the path or URL.
pub fn source_label(src: &str) -> String {
    match XtreamLogin::from_url(src) {
        Some(l) => format!("Xtream {}", l.label()),
        None => src.trim().to_owned(),
    }
}

/// Lineups this big do not wait for their voice grammar (500k names took 1.3 s on two
/// cores): see [`guide_and_grammar`].
pub const GRAMMAR_LATER: usize = 100_000;

/// The guide streamed on this thread while the voice grammar for the same channels is built
/// on another (both only read the playlist): on two cores the grammar costs nothing. A lineup
/// of [`GRAMMAR_LATER`] channels or more whose guide is done first goes on screen with a
/// grammar that knows the commands but no names yet; the full one follows (the receiver).
#[allow(clippy::type_complexity)]
fn guide_and_grammar(
    p: &prism_core::Playlist,
    sources: &[String],
    now: i64,
    guide_map: &[(String, String)],
    progress: &Progress,
) -> (
    prism_core::Guide,
    prism_core::Grammar,
    Option<Receiver<prism_core::Grammar>>,
) {
    let guide = |p| {
        fetch::guide(p, sources, now, guide_map, progress, &mut |m| {
            info!("{m}");
            progress.note(m)
        })
    };
    if p.channels.len() < GRAMMAR_LATER {
        return std::thread::scope(|s| {
            let grammar = std::thread::Builder::new()
                .name("grammar".into())
                .spawn_scoped(s, || prism_core::Grammar::for_playlist(p))
                .expect("spawn the grammar thread");
            let guide = guide(p);
            let grammar = grammar
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (guide, grammar, None)
        });
    }
    // The names go to a thread of their own (the playlist moves into the lineup).
    let mut names =
        prism_core::keys::Strings::with_capacity(p.channels.len(), p.channels.len() * 24);
    for c in &p.channels {
        names.push(&c.name);
    }
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .name("grammar".into())
        .spawn(move || {
            let names = (0..names.len() as u32).map(|i| names.get(i));
            let _ = tx.send(prism_core::Grammar::new(
                prism_core::command::ChannelDirectory::new(names),
            ));
        })
        .expect("spawn the grammar thread");
    let guide = guide(p);
    match rx.try_recv() {
        Ok(grammar) => (guide, grammar, None),
        Err(_) => {
            info!("voice: the channel names follow the channels");
            let commands = prism_core::Grammar::new(Default::default());
            (guide, commands, Some(rx))
        }
    }
}

/// "Downloading the channel list...  3.2 of 8.0 MB".
pub fn loading_line(sources: &Sources) -> Option<String> {
    let (p, took) = sources.loading()?;
    let mb = |b: u64| format!("{:.1}", b as f64 / 1e6);
    let bytes = match (p.done, p.total) {
        (0, _) => String::new(),
        (d, Some(t)) => t!("progress-bytes", done = mb(d), total = mb(t)),
        (d, None) => t!("progress-bytes-unknown", done = mb(d)),
    };
    Some(t!(
        "loading-line",
        stage = p.stage,
        bytes = bytes,
        seconds = took.as_secs()
    ))
}
