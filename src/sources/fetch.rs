//! Playlists and guides by URL: fetched with reqwest (timeouts, redirects, gzip), kept in the
//! cache so the next start, or a provider outage, still has them. Local paths open directly.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a load is doing now, for the screen: a stage ("Downloading the playlist") and, while
/// bytes arrive, how many of how many. Cheap to clone; a default one reports to nobody.
#[derive(Clone, Default)]
pub struct Progress(Arc<Mutex<ProgressState>>);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgressState {
    pub stage: String,
    pub done: u64,
    pub total: Option<u64>,
    /// What the load said on the way ("guide.xml: 1 200 programmes"), for `prism lineup`.
    pub notes: Vec<String>,
}

impl Progress {
    pub fn stage(&self, stage: String) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.stage = stage;
        s.done = 0;
        s.total = None;
    }
    pub fn note(&self, note: String) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if s.notes.len() < 1000 {
            s.notes.push(note);
        }
    }
    fn bytes(&self, done: u64, total: Option<u64>) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.done = done;
        s.total = total;
    }
    pub fn get(&self) -> ProgressState {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Playlist,
    Guide,
    Logo,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Playlist => "playlists",
            Kind::Guide => "guides",
            Kind::Logo => "logos",
        }
    }
    /// Bigger than any real source; stops a runaway server from filling the disk.
    fn max_bytes(self) -> u64 {
        match self {
            Kind::Playlist => 512 << 20,
            Kind::Guide => 2 << 30,
            Kind::Logo => 4 << 20,
        }
    }
}

pub fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// A reader over `source` (a path or an http(s) URL). For URLs, a fresh download replaces the
/// cached copy; if the download fails and a cached copy exists, that copy is used and the
/// returned note says so.
pub fn open(
    source: &str,
    kind: Kind,
    progress: &Progress,
) -> Result<(Box<dyn Read + Send>, Option<String>), String> {
    if !is_url(source) {
        let f = File::open(source).map_err(|e| format!("{source}: {e}"))?;
        return Ok((Box::new(BufReader::new(f)), None));
    }
    let cached = cache_path(source, kind);
    match download(source, kind, &cached, progress) {
        Ok(()) => {
            let f = File::open(&cached).map_err(|e| format!("{}: {e}", cached.display()))?;
            Ok((Box::new(BufReader::new(f)), None))
        }
        Err(e) => match File::open(&cached) {
            Ok(f) => Ok((
                Box::new(BufReader::new(f)),
                Some(format!("{e}; using the copy saved earlier")),
            )),
            Err(_) => Err(e),
        },
    }
}

fn cache_path(url: &str, kind: Kind) -> PathBuf {
    // FNV-1a: a stable file name per URL, without the URL's credentials in it.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    crate::settings::cache_dir()
        .join(kind.dir())
        .join(format!("{h:016x}"))
}

fn download(url: &str, kind: Kind, dest: &PathBuf, progress: &Progress) -> Result<(), String> {
    // Credentials in Xtream-style URLs stay out of messages.
    let shown = redact(url);
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(match kind {
            Kind::Playlist => 60,
            Kind::Guide => 300,
            Kind::Logo => 20,
        }))
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("Prism/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client.get(url).send().map_err(|e| {
        if e.is_timeout() {
            format!("{shown}: the server did not answer in time")
        } else if e.is_connect() {
            format!("{shown}: could not connect")
        } else {
            format!("{shown}: {e}")
        }
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("{shown}: HTTP {}", status.as_u16()));
    }
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let tmp = dest.with_extension("part");
    let mut out = File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    // Compressed transfers report the compressed length: then the total is unknown.
    let total = resp.content_length().filter(|_| {
        resp.headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .is_none()
    });
    let mut limited = resp.take(kind.max_bytes() + 1);
    let mut buf = vec![0u8; 256 << 10];
    let mut n = 0u64;
    loop {
        let k = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(format!("{shown}: {e}"));
            }
        };
        std::io::Write::write_all(&mut out, &buf[..k])
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        n += k as u64;
        progress.bytes(n, total);
    }
    if n > kind.max_bytes() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "{shown}: larger than {} MB; refusing it",
            kind.max_bytes() >> 20
        ));
    }
    std::fs::rename(&tmp, dest).map_err(|e| e.to_string())
}

/// `http://host/get.php?username=u&password=p` → `http://host/get.php?…`
fn redact(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_owned(),
    }
}

/// A playlist from a path or URL. Notes (a cached copy used) and the first diagnostics go to
/// `report`; a bad entry never loses the file.
pub fn playlist(
    source: &str,
    progress: &Progress,
    report: &mut dyn FnMut(String),
) -> Result<prism_core::Playlist, String> {
    progress.stage(crate::t!("loading-playlist"));
    let (reader, note) = open(source, Kind::Playlist, progress)?;
    if let Some(n) = note {
        report(n);
    }
    // The file read (the source, or the copy a download saved): its size sizes the lineup.
    let local = match is_url(source) {
        true => cache_path(source, Kind::Playlist),
        false => PathBuf::from(source),
    };
    let opts = prism_core::playlist::ParseOptions {
        expected_bytes: std::fs::metadata(local).ok().map(|m| m.len()),
        ..Default::default()
    };
    let p = match prism_core::playlist::parse_m3u_with(BufReader::new(reader), &opts) {
        Ok(p) => p,
        // A stream's own playlist given as the channel list: it is one channel.
        Err(prism_core::playlist::m3u::M3uError::HlsStream) => {
            report(format!(
                "{source}: this is one HLS stream, not a channel list; playing it as one channel"
            ));
            return Ok(prism_core::Playlist::single_stream(source));
        }
        Err(e) => return Err(format!("{source}: {e}")),
    };
    for d in p.diagnostics.iter().take(20) {
        report(format!("{source}: {d}"));
    }
    let more = p.diagnostics.len().saturating_sub(20) + p.diagnostics_dropped;
    if more > 0 {
        report(format!("{source}: … {more} more"));
    }
    Ok(p)
}

/// The guide for `playlist` from `sources` (paths or URLs), with the user's own mapping
/// (`manual`, tvg-id or name → guide id) applied first. Each source's outcome goes to
/// `report`; one that fails is skipped: the guide keeps what the others gave, and the TV plays
/// without it.
pub fn guide(
    playlist: &prism_core::Playlist,
    sources: &[String],
    now: i64,
    manual: &[(String, String)],
    progress: &Progress,
    report: &mut dyn FnMut(String),
) -> prism_core::Guide {
    let mut opts = prism_core::epg::GuideOptions::at(now);
    opts.manual = manual.to_vec();
    let mut b = prism_core::GuideBuilder::new(playlist, opts);
    for (k, e) in sources.iter().enumerate() {
        progress.stage(crate::t!(
            "loading-guide",
            number = k + 1,
            count = sources.len()
        ));
        match open(e, Kind::Guide, progress)
            .and_then(|(r, _)| b.add_source(r).map_err(|err| format!("{e}: {err}")))
        {
            Ok(s) => report(format!(
                "{e}: {:?}, {:.1} MB, {} programmes kept of {}, {} channels matched",
                s.compression,
                s.bytes as f64 / 1e6,
                s.programmes_kept,
                s.programmes_read,
                s.channels_matched
            )),
            // `open` names the source in its errors already.
            Err(err) => report(err),
        }
    }
    b.finish()
}

/// An Xtream Codes login: the account is checked, then live categories and streams become the
/// lineup (streams in the format the account allows); the panel's XMLTV is its guide. Also
/// returns how many connections the account allows at once (0: it does not say).
pub fn xtream_lineup(
    server: &str,
    username: &str,
    password: &str,
    progress: &Progress,
) -> Result<(prism_core::Playlist, String, u32), String> {
    use prism_core::playlist::xtream::{
        XtreamLogin, parse_account, parse_categories, parse_live_streams,
    };
    let login = XtreamLogin::new(server, username, password);
    let text = |url: String| -> Result<String, String> {
        let (mut r, note) = open(&url, Kind::Playlist, progress)?;
        if let Some(n) = note {
            bevy::log::warn!("{n}");
        }
        let mut s = String::new();
        r.read_to_string(&mut s).map_err(|e| e.to_string())?;
        Ok(s)
    };
    progress.stage(crate::t!(
        "loading-xtream-login",
        server = login.server.as_str()
    ));
    let account = parse_account(&text(login.account_url())?)
        .map_err(|e| format!("Xtream login to {}: {e}", login.server))?;
    let categories = parse_categories(&text(login.live_categories_url())?)
        .map_err(|e| format!("Xtream categories: {e}"))?;
    progress.stage(crate::t!("loading-playlist"));
    let playlist = parse_live_streams(
        &text(login.live_streams_url())?,
        &login,
        &categories,
        account.preferred_format(),
    )
    .map_err(|e| format!("Xtream streams: {e}"))?;
    Ok((playlist, login.xmltv_url(), account.max_connections))
}
