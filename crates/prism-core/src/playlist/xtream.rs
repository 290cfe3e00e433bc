//! Xtream Codes panels: parsing of `player_api.php` responses into the shared channel model, and the
//! URLs to fetch and play. Fetching is the app's job; this module only reads what came back.
//!
//! Panels are inconsistent about JSON types (`"stream_id": 12` and `"stream_id": "12"`, `null` and
//! `""` for absent values, `0`/`"0"`/`false` for flags), so every field is read leniently.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{Catchup, Channel, ChannelNumber, Playlist, Stream};
use crate::text::{base64_decode, percent_encode_segment};

#[derive(Debug, thiserror::Error)]
pub enum XtreamError {
    #[error("the server's reply is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("login failed: {0}")]
    Auth(String),
    #[error("the server replied with an unexpected shape: {0}")]
    Shape(&'static str),
}

/// Where a panel lives and who is logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XtreamLogin {
    /// `http://host:port` (a trailing slash or `/player_api.php` is tolerated).
    pub server: String,
    pub username: String,
    pub password: String,
}

impl XtreamLogin {
    pub fn new(server: &str, username: &str, password: &str) -> Self {
        let mut s = server.trim().trim_end_matches('/').to_owned();
        for suffix in ["/player_api.php", "/get.php"] {
            if let Some(stripped) = s.strip_suffix(suffix) {
                s = stripped.to_owned();
            }
        }
        if !s.contains("://") {
            s.insert_str(0, "http://");
        }
        Self {
            server: s,
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    /// A login written as one URL, as providers hand them out and other players accept them:
    /// the panel's M3U link (`http://host:port/get.php?username=U&password=P&type=m3u_plus`),
    /// its API link (`…/player_api.php?username=U&password=P`), or `xtream://U:P@host:port`
    /// (`xtreams://` for HTTPS). None for anything else (a plain playlist).
    pub fn from_url(url: &str) -> Option<Self> {
        use crate::text::percent_decode;
        let url = url.trim();
        for (scheme, http) in [("xtream://", "http://"), ("xtreams://", "https://")] {
            let Some(rest) = url
                .get(..scheme.len())
                .filter(|s| s.eq_ignore_ascii_case(scheme))
                .map(|_| &url[scheme.len()..])
            else {
                continue;
            };
            let (auth, host) = rest.rsplit_once('@')?;
            let (user, pass) = auth.split_once(':')?;
            let host = host.trim_end_matches('/');
            if user.is_empty() || host.is_empty() {
                return None;
            }
            return Some(Self::new(
                &format!("{http}{host}"),
                &percent_decode(user),
                &percent_decode(pass),
            ));
        }
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return None;
        }
        let (path, query) = url.split_once('?')?;
        let base = ["/get.php", "/player_api.php"].iter().find_map(|s| {
            path.len()
                .checked_sub(s.len())
                .filter(|&at| path[at..].eq_ignore_ascii_case(s))
                .map(|at| &path[..at])
        })?;
        let param = |key: &str| {
            query.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                k.eq_ignore_ascii_case(key)
                    .then(|| percent_decode(v).into_owned())
            })
        };
        let (user, pass) = (param("username")?, param("password")?);
        // "HTTP://Panel" and "http://Panel" are one panel (and one source key).
        let (scheme, rest) = base.split_once("://")?;
        let base = format!("{}://{rest}", scheme.to_ascii_lowercase());
        (!user.is_empty()).then(|| Self::new(&base, &user, &pass))
    }

    /// The login as the user may see it: the panel and the user, never the password.
    pub fn label(&self) -> String {
        let host = self
            .server
            .split_once("://")
            .map_or(&*self.server, |(_, h)| h);
        format!("{}@{host}", self.username)
    }

    fn api(&self, action: Option<&str>) -> String {
        let mut u = format!(
            "{}/player_api.php?username={}&password={}",
            self.server,
            percent_encode_segment(&self.username),
            percent_encode_segment(&self.password)
        );
        if let Some(a) = action {
            u.push_str("&action=");
            u.push_str(a);
        }
        u
    }

    /// The login call; its reply is [`parse_account`]'s input.
    pub fn account_url(&self) -> String {
        self.api(None)
    }
    pub fn live_categories_url(&self) -> String {
        self.api(Some("get_live_categories"))
    }
    pub fn live_streams_url(&self) -> String {
        self.api(Some("get_live_streams"))
    }
    pub fn short_epg_url(&self, stream_id: u64, limit: u32) -> String {
        format!(
            "{}&stream_id={stream_id}&limit={limit}",
            self.api(Some("get_short_epg"))
        )
    }
    /// The panel's full XMLTV guide.
    pub fn xmltv_url(&self) -> String {
        format!(
            "{}/xmltv.php?username={}&password={}",
            self.server,
            percent_encode_segment(&self.username),
            percent_encode_segment(&self.password)
        )
    }
    /// `/live/user/pass/id.ext`, where `ext` is `m3u8` unless the account only allows `ts`.
    pub fn live_stream_url(&self, stream_id: u64, ext: &str) -> String {
        format!(
            "{}/live/{}/{}/{stream_id}.{ext}",
            self.server,
            percent_encode_segment(&self.username),
            percent_encode_segment(&self.password)
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub username: String,
    pub status: String,
    pub message: Option<String>,
    /// Unix seconds; `None` for unlimited.
    pub expires_at: Option<i64>,
    pub is_trial: bool,
    pub active_connections: u32,
    pub max_connections: u32,
    pub allowed_output_formats: Vec<String>,
    pub server_timezone: Option<String>,
    /// Server's `timestamp_now`, to detect clock skew.
    pub server_time: Option<i64>,
}

impl Account {
    /// The container Prism asks for: HLS when allowed (seekable, adaptive), else MPEG-TS.
    pub fn preferred_format(&self) -> &'static str {
        let allows = |f: &str| {
            self.allowed_output_formats
                .iter()
                .any(|a| a.eq_ignore_ascii_case(f))
        };
        if self.allowed_output_formats.is_empty() || allows("m3u8") {
            "m3u8"
        } else if allows("ts") {
            "ts"
        } else {
            "m3u8"
        }
    }
}

/// Parses the login reply (`player_api.php` without action). A refused login is an error.
pub fn parse_account(json: &str) -> Result<Account, XtreamError> {
    let v: Value = serde_json::from_str(json)?;
    let ui = v
        .get("user_info")
        .ok_or(XtreamError::Shape("no user_info"))?;
    let auth = ui.get("auth").map(flag).unwrap_or(false);
    let message = ui.get("message").and_then(opt_string);
    if !auth {
        return Err(XtreamError::Auth(
            message.unwrap_or_else(|| "wrong username or password".into()),
        ));
    }
    let status = ui.get("status").and_then(opt_string).unwrap_or_default();
    if !status.is_empty() && !status.eq_ignore_ascii_case("active") {
        return Err(XtreamError::Auth(format!("account is {status}")));
    }
    let si = v.get("server_info");
    Ok(Account {
        username: ui.get("username").and_then(opt_string).unwrap_or_default(),
        status,
        message,
        expires_at: ui.get("exp_date").and_then(opt_i64),
        is_trial: ui.get("is_trial").map(flag).unwrap_or(false),
        active_connections: ui.get("active_cons").and_then(opt_i64).unwrap_or(0) as u32,
        max_connections: ui.get("max_connections").and_then(opt_i64).unwrap_or(0) as u32,
        allowed_output_formats: ui
            .get("allowed_output_formats")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(opt_string).collect())
            .unwrap_or_default(),
        server_timezone: si.and_then(|s| s.get("timezone")).and_then(opt_string),
        server_time: si.and_then(|s| s.get("timestamp_now")).and_then(opt_i64),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Category {
    #[serde(deserialize_with = "de_string")]
    pub category_id: String,
    #[serde(deserialize_with = "de_string")]
    pub category_name: String,
}

/// Parses `get_live_categories`.
pub fn parse_categories(json: &str) -> Result<Vec<Category>, XtreamError> {
    let v: Value = serde_json::from_str(json)?;
    match v {
        Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect()),
        // Some panels answer an empty object when there are no categories.
        Value::Object(o) if o.is_empty() => Ok(Vec::new()),
        _ => Err(XtreamError::Shape("categories are not a list")),
    }
}

/// One entry of `get_live_streams`, before it becomes a [`Channel`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LiveStream {
    #[serde(deserialize_with = "de_opt_u64")]
    pub num: Option<u64>,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(deserialize_with = "de_opt_u64")]
    pub stream_id: Option<u64>,
    #[serde(deserialize_with = "de_string")]
    pub stream_icon: String,
    #[serde(deserialize_with = "de_string")]
    pub epg_channel_id: String,
    #[serde(deserialize_with = "de_string")]
    pub category_id: String,
    #[serde(deserialize_with = "de_flag")]
    pub tv_archive: bool,
    #[serde(deserialize_with = "de_opt_u64")]
    pub tv_archive_duration: Option<u64>,
    #[serde(deserialize_with = "de_string")]
    pub stream_type: String,
    #[serde(deserialize_with = "de_flag")]
    pub is_adult: bool,
}

/// Parses `get_live_streams` and builds channels with playable URLs. Entries without a
/// `stream_id` are skipped and reported in the playlist's diagnostics.
pub fn parse_live_streams(
    json: &str,
    login: &XtreamLogin,
    categories: &[Category],
    format: &str,
) -> Result<Playlist, XtreamError> {
    let v: Value = serde_json::from_str(json)?;
    let Value::Array(items) = v else {
        return Err(XtreamError::Shape("live streams are not a list"));
    };
    let mut out = Playlist::default();
    // One shared list per category: every channel of it points there.
    let mut sets = super::GroupSets::default();
    let category_groups: Vec<super::Groups> = categories
        .iter()
        .map(|c| sets.get(std::slice::from_ref(&c.category_name)))
        .collect();
    for (i, item) in items.into_iter().enumerate() {
        let s: LiveStream = match serde_json::from_value(item) {
            Ok(s) => s,
            Err(e) => {
                out.diagnostics.push(super::Diagnostic {
                    line: 0,
                    severity: super::Severity::Error,
                    message: format!("stream #{}: {e}; skipped", i + 1),
                });
                continue;
            }
        };
        let Some(id) = s.stream_id else {
            out.diagnostics.push(super::Diagnostic {
                line: 0,
                severity: super::Severity::Error,
                message: format!(
                    "stream #{} (\"{}\") has no stream_id; skipped",
                    i + 1,
                    s.name
                ),
            });
            continue;
        };
        let groups = categories
            .iter()
            .position(|c| c.category_id == s.category_id)
            .map(|i| category_groups[i].clone())
            .unwrap_or_default();
        out.channels.push(Channel {
            name: s.name.trim().to_owned(),
            number: s.num.map(|n| ChannelNumber::new(n as u32)),
            tvg_id: (!s.epg_channel_id.is_empty()).then(|| s.epg_channel_id.clone()),
            tvg_name: None,
            logo: (!s.stream_icon.is_empty()).then(|| s.stream_icon.clone()),
            groups,
            radio: s.stream_type.eq_ignore_ascii_case("radio_streams"),
            adult: s.is_adult,
            catchup: s.tv_archive.then(|| {
                Box::new(Catchup {
                    kind: "xc".into(),
                    source: None,
                    days: s.tv_archive_duration.map(|d| d as u32),
                    correction: None,
                })
            }),
            streams: smallvec::smallvec![Stream {
                url: login.live_stream_url(id, format),
                ..Default::default()
            }],
            ..Default::default()
        });
    }
    Ok(out)
}

/// One programme of `get_short_epg`; title and description arrive base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortEpgEntry {
    pub title: String,
    pub description: String,
    pub start: i64,
    pub stop: i64,
    pub epg_id: Option<String>,
}

/// Parses `get_short_epg` (`{"epg_listings": [...]}`), decoding the base64 text. Times come from
/// `start_timestamp`/`stop_timestamp` (UTC), which panels fill reliably, unlike the local strings.
pub fn parse_short_epg(json: &str) -> Result<Vec<ShortEpgEntry>, XtreamError> {
    let v: Value = serde_json::from_str(json)?;
    let listings = match v.get("epg_listings") {
        Some(Value::Array(a)) => a,
        Some(_) | None => return Err(XtreamError::Shape("no epg_listings")),
    };
    let text = |item: &Value, key: &str| -> String {
        let raw = item.get(key).and_then(opt_string).unwrap_or_default();
        match base64_decode(&raw) {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => raw,
        }
    };
    let mut out = Vec::with_capacity(listings.len());
    for item in listings {
        let start = item.get("start_timestamp").and_then(opt_i64);
        let stop = item.get("stop_timestamp").and_then(opt_i64);
        let (Some(start), Some(stop)) = (start, stop) else {
            continue;
        };
        out.push(ShortEpgEntry {
            title: text(item, "title"),
            description: text(item, "description"),
            start,
            stop,
            epg_id: item.get("epg_id").and_then(opt_string),
        });
    }
    out.sort_by_key(|e| e.start);
    Ok(out)
}

fn opt_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn opt_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn flag(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().unwrap_or(0) != 0,
        Value::String(s) => matches!(s.trim(), "1" | "true" | "True"),
        _ => false,
    }
}

fn de_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(&Value::deserialize(d)?).unwrap_or_default())
}

fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_i64(&Value::deserialize(d)?).and_then(|n| u64::try_from(n).ok()))
}

fn de_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(flag(&Value::deserialize(d)?))
}
