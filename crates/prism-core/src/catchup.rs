//! Catch-up: the provider's archive URL for a programme that has aired, built the way Kodi's
//! IPTV Simple documents it (its README's catch-up modes and format specifiers), so a playlist
//! written for Kodi or TiviMate plays its archive here too.
//!
//! Two steps: [`template`] turns a channel's stream URL and its `catchup*` attributes into a
//! format string (the mode decides: `default` takes `catchup-source` whole, `append` adds it
//! to the stream URL, `shift` adds `utc`/`lutc`, `flussonic` and `xc` rewrite the stream URL's
//! path, `vod` is the source or the programme's `catchup-id`), and [`expand`] fills in a
//! programme's times. A placeholder Prism does not know is an
//! error, never sent to the provider as written.

use crate::playlist::Catchup;

/// What the archive is asked for: a programme's times, and when "now" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window<'a> {
    /// Unix seconds.
    pub start: i64,
    pub stop: i64,
    pub now: i64,
    /// Seconds east of UTC of the viewer's zone at `start`: the calendar fields (`{Y}`,
    /// `{utc:YmdHMS}`, ...) are local time, as Kodi writes them.
    pub local_offset: i32,
    /// The programme's XMLTV `catchup-id`, for `{catchup-id}`.
    pub catchup_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatchupError {
    #[error("this channel has no archive")]
    NoArchive,
    #[error("the catch-up mode \"{0}\" is not one Prism knows")]
    UnknownMode(String),
    #[error("the catch-up mode \"{0}\" needs a catchup-source")]
    NoSource(String),
    #[error("the stream URL is not a {0} URL, so its archive URL cannot be made")]
    UrlShape(&'static str),
    #[error("the catch-up URL has a placeholder Prism does not know: {0}")]
    UnknownPlaceholder(String),
    #[error("the archive keeps {days} days; that programme is older")]
    TooOld { days: u32 },
    #[error("that programme has not aired yet")]
    NotYet,
}

/// The format string for a channel's archive (Kodi's rules for each mode).
pub fn template(stream_url: &str, catchup: &Catchup) -> Result<String, CatchupError> {
    // Kodi keeps `|Header=…` options after the URL; Prism has read them into the stream's
    // headers already, so they are not part of the archive URL.
    let url = stream_url.split('|').next().unwrap_or(stream_url).trim();
    let source = catchup
        .source
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mode = catchup.kind.trim().to_ascii_lowercase();
    match mode.as_str() {
        "default" => Ok(match source {
            Some(s) => s.to_owned(),
            None => return Err(CatchupError::NoSource(mode)),
        }),
        "append" => match source {
            Some(s) => Ok(format!("{url}{s}")),
            None => Err(CatchupError::NoSource(mode)),
        },
        // SIPTV's shift; `timeshift` is its old name.
        "shift" | "timeshift" => {
            let sep = if url.contains('?') { '&' } else { '?' };
            Ok(format!("{url}{sep}utc={{utc}}&lutc={{lutc}}"))
        }
        "flussonic" | "flussonic-hls" | "flussonic-ts" | "fs" => flussonic(url),
        // A programme's own archive address: the source, else the guide's catchup-id.
        "vod" => Ok(source.unwrap_or("{catchup-id}").to_owned()),
        "xc" | "xtream" | "xtreamcodes" => xtream(url),
        "" => Err(CatchupError::NoArchive),
        _ => Err(CatchupError::UnknownMode(catchup.kind.trim().to_owned())),
    }
}

/// `http://host/CHANNEL/mpegts?token=…` → `…/CHANNEL/timeshift_abs-${start}.ts?token=…`;
/// `…/CHANNEL/index.m3u8?…` → `…/CHANNEL/timeshift_rel-{offset:1}.m3u8?…`; another playlist
/// name (`mono.m3u8`) keeps it as a prefix (`mono-timeshift_rel-{offset:1}.m3u8`).
fn flussonic(url: &str) -> Result<String, CatchupError> {
    let bad = CatchupError::UrlShape("Flussonic");
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (host, path) = split_host(base).ok_or(bad.clone())?;
    let mut parts = path.split('/');
    let (Some(channel), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad);
    };
    if channel.is_empty() {
        return Err(bad);
    }
    if file == "mpegts" {
        return Ok(format!(
            "{host}/{channel}/timeshift_abs-${{start}}.ts{query}"
        ));
    }
    match file.strip_suffix(".m3u8") {
        Some("index") => Ok(format!(
            "{host}/{channel}/timeshift_rel-{{offset:1}}.m3u8{query}"
        )),
        Some(list) => Ok(format!(
            "{host}/{channel}/{list}-timeshift_rel-{{offset:1}}.m3u8{query}"
        )),
        None => Err(bad),
    }
}

/// `http://host/[live/]USER/PASS/ID[.m3u8|.ts]` → `http://host/timeshift/USER/PASS/{duration:60}/
/// {Y}-{m}-{d}:{H}-{M}/ID.ts` (or `.m3u8`, as the live URL was).
fn xtream(url: &str) -> Result<String, CatchupError> {
    let bad = CatchupError::UrlShape("Xtream Codes");
    let (host, path) = split_host(url).ok_or(bad.clone())?;
    let path = path.strip_prefix("live/").unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let [user, pass, file] = parts[..] else {
        return Err(bad);
    };
    let (id, ext) = match file.rsplit_once('.') {
        Some((id, "m3u8")) => (id, "m3u8"),
        Some((id, "ts" | "m3u")) => (id, "ts"),
        None => (file, "ts"),
        Some(_) => return Err(bad),
    };
    if [user, pass, id].iter().any(|s| s.is_empty()) {
        return Err(bad);
    }
    Ok(format!(
        "{host}/timeshift/{user}/{pass}/{{duration:60}}/{{Y}}-{{m}}-{{d}}:{{H}}-{{M}}/{id}.{ext}"
    ))
}

/// `("http://host:port", "rest/of/path")` of an http(s) URL.
fn split_host(url: &str) -> Option<(&str, &str)> {
    let scheme_end = url.find("://")? + 3;
    let scheme = &url[..scheme_end - 3];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let slash = scheme_end + url[scheme_end..].find('/')?;
    Some((&url[..slash], &url[slash + 1..]))
}

/// The archive URL of a programme on a channel: its template with the times filled in, after
/// the channel's `catchup-correction` (hours) and within its `catchup-days`.
pub fn url(stream_url: &str, catchup: &Catchup, w: &Window<'_>) -> Result<String, CatchupError> {
    if w.start > w.now {
        return Err(CatchupError::NotYet);
    }
    if let Some(days) = catchup.days.filter(|d| *d > 0)
        && w.start < w.now - i64::from(days) * 86_400
    {
        return Err(CatchupError::TooOld { days });
    }
    let shift = catchup
        .correction
        .map_or(0, |h| (f64::from(h) * 3600.0).round() as i64);
    let w = Window {
        start: w.start + shift,
        stop: w.stop + shift,
        ..*w
    };
    expand(&template(stream_url, catchup)?, &w)
}

/// Fills every placeholder of a catch-up format string (Kodi IPTV Simple README's list, and
/// DIYP's): `{utc}` `${start}` `{start}` (start, Unix seconds), `{utcend}` `${end}`
/// `{end}`, `{lutc}` `${now}` `${timestamp}` (now), each also as `{utc:FORMAT}` or
/// `${start:FORMAT}` with `Y m d H M S` letters in local time; `{Y}` `{m}` `{d}` `{H}` `{M}`
/// `{S}` (the start, local); `{duration}` and `{duration:N}` (seconds, or in units of N
/// seconds); `{offset}`, `${offset}` and `{offset:N}` (now − start); `{catchup-id}`; and the
/// `${(b)yyyyMMddHHmmss}` / `${(e)…}` form DIYP and APTV playlists use.
pub fn expand(template: &str, w: &Window<'_>) -> Result<String, CatchupError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '$']) {
        out.push_str(&rest[..i]);
        let at = &rest[i..];
        // `${...}` or `{...}`; a `$` not followed by `{` is text.
        let body_from = if at.starts_with("${") {
            2
        } else if at.starts_with('{') {
            1
        } else {
            out.push('$');
            rest = &at[1..];
            continue;
        };
        let Some(close) = at.find('}') else {
            return Err(CatchupError::UnknownPlaceholder(clip(at)));
        };
        let body = &at[body_from..close];
        let value = placeholder(body, w)
            .ok_or_else(|| CatchupError::UnknownPlaceholder(clip(&at[..=close])))?;
        out.push_str(&value);
        rest = &at[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn clip(s: &str) -> String {
    crate::text::clip(s, 40)
}

/// One placeholder's value, or `None` when Prism does not know it.
fn placeholder(body: &str, w: &Window<'_>) -> Option<String> {
    let (name, arg) = match body.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (body, None),
    };
    let duration = (w.stop - w.start).max(0);
    let offset = (w.now - w.start).max(0);
    let per = |v: i64, arg: Option<&str>| -> Option<String> {
        match arg {
            None => Some(v.to_string()),
            Some(a) => {
                let n: i64 = a.trim().parse().ok().filter(|n| *n >= 1)?;
                Some((v / n).to_string())
            }
        }
    };
    let time = |t: i64, arg: Option<&str>| -> Option<String> {
        match arg {
            None => Some(t.to_string()),
            Some(fmt) => Some(calendar(
                t + i64::from(w.local_offset),
                fmt,
                CalendarStyle::Kodi,
            )),
        }
    };
    // DIYP/APTV: `${(b)yyyyMMddHHmmss}` is the start, `(e)` the end.
    if let Some(fmt) = body.strip_prefix("(b)") {
        return Some(calendar(
            w.start + i64::from(w.local_offset),
            fmt,
            CalendarStyle::Java,
        ));
    }
    if let Some(fmt) = body.strip_prefix("(e)") {
        return Some(calendar(
            w.stop + i64::from(w.local_offset),
            fmt,
            CalendarStyle::Java,
        ));
    }
    let local_start = w.start + i64::from(w.local_offset);
    match name {
        "utc" | "start" => time(w.start, arg),
        "utcend" | "end" => time(w.stop, arg),
        "lutc" | "now" | "timestamp" => time(w.now, arg),
        "duration" => per(duration, arg),
        "offset" => per(offset, arg),
        "catchup-id" if arg.is_none() => w.catchup_id.map(str::to_owned),
        "Y" | "m" | "d" | "H" | "M" | "S" if arg.is_none() => {
            Some(calendar(local_start, name, CalendarStyle::Kodi))
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum CalendarStyle {
    /// `Y m d H M S`, each letter one field (Kodi's format argument).
    Kodi,
    /// `yyyy MM dd HH mm ss` (DIYP's, from Java's date patterns).
    Java,
}

/// `t` (seconds, already in the zone wanted) written with a format's field letters; every
/// other character is kept.
fn calendar(t: i64, fmt: &str, style: CalendarStyle) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::with_capacity(fmt.len() + 8);
    match style {
        CalendarStyle::Kodi => {
            for c in fmt.chars() {
                match c {
                    'Y' => out.push_str(&format!("{y:04}")),
                    'm' => out.push_str(&format!("{mo:02}")),
                    'd' => out.push_str(&format!("{d:02}")),
                    'H' => out.push_str(&format!("{h:02}")),
                    'M' => out.push_str(&format!("{mi:02}")),
                    'S' => out.push_str(&format!("{s:02}")),
                    c => out.push(c),
                }
            }
        }
        CalendarStyle::Java => {
            let mut rest = fmt;
            while !rest.is_empty() {
                let fields: [(&str, String); 6] = [
                    ("yyyy", format!("{y:04}")),
                    ("MM", format!("{mo:02}")),
                    ("dd", format!("{d:02}")),
                    ("HH", format!("{h:02}")),
                    ("mm", format!("{mi:02}")),
                    ("ss", format!("{s:02}")),
                ];
                match fields.iter().find(|(p, _)| rest.starts_with(p)) {
                    Some((p, v)) => {
                        out.push_str(v);
                        rest = &rest[p.len()..];
                    }
                    None => {
                        let c = rest.chars().next().expect("not empty");
                        out.push(c);
                        rest = &rest[c.len_utf8()..];
                    }
                }
            }
        }
    }
    out
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2019-11-26 22:00:32 UTC, an hour long, asked for two hours later.
    const START: i64 = 1_574_805_632;

    fn w() -> Window<'static> {
        Window {
            start: START,
            stop: START + 3600,
            now: START + 7200,
            local_offset: 0,
            catchup_id: Some("ep-42"),
        }
    }

    fn cu(kind: &str, source: Option<&str>) -> Catchup {
        Catchup {
            kind: kind.into(),
            source: source.map(str::to_owned),
            days: None,
            correction: None,
        }
    }

    /// Kodi's README and its Channel.cpp examples, mode by mode.
    #[test]
    fn templates_of_every_mode() {
        let table: &[(&str, Option<&str>, &str, Result<&str, CatchupError>)] = &[
            (
                "default",
                Some("http://path-to-stream/live/catchup-b.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}"),
                "http://path-to-stream/live/channel-b.ts",
                Ok("http://path-to-stream/live/catchup-b.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}"),
            ),
            (
                "append",
                Some("&cutv={Y}-{m}-{d}T{H}:{M}:{S}"),
                "http://path-to-stream/live/channel-c.ts",
                Ok("http://path-to-stream/live/channel-c.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}"),
            ),
            (
                "shift",
                None,
                "http://path-to-stream/live/channel-d.ts",
                Ok("http://path-to-stream/live/channel-d.ts?utc={utc}&lutc={lutc}"),
            ),
            (
                "shift",
                None,
                "http://x/live.m3u8?token=1",
                Ok("http://x/live.m3u8?token=1&utc={utc}&lutc={lutc}"),
            ),
            (
                "flussonic",
                None,
                "http://ch01.spr24.net/151/mpegts?token=my_token",
                Ok("http://ch01.spr24.net/151/timeshift_abs-${start}.ts?token=my_token"),
            ),
            (
                "flussonic",
                None,
                "http://list.tv:8888/325/index.m3u8?token=secret",
                Ok("http://list.tv:8888/325/timeshift_rel-{offset:1}.m3u8?token=secret"),
            ),
            (
                "fs",
                None,
                "http://list.tv:8888/325/mono.m3u8?token=secret",
                Ok("http://list.tv:8888/325/mono-timeshift_rel-{offset:1}.m3u8?token=secret"),
            ),
            (
                "xc",
                None,
                "http://list.tv:8080/my@account.xc/my_password/1477",
                Ok(
                    "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.ts",
                ),
            ),
            (
                "xc",
                None,
                "http://list.tv:8080/live/my@account.xc/my_password/1477.m3u8",
                Ok(
                    "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.m3u8",
                ),
            ),
            (
                "default",
                None,
                "http://x/1.ts",
                Err(CatchupError::NoSource("default".into())),
            ),
            (
                "flussonic",
                None,
                "http://x/a/b/c.m3u8",
                Err(CatchupError::UrlShape("Flussonic")),
            ),
            (
                "xc",
                None,
                "rtsp://x/u/p/1",
                Err(CatchupError::UrlShape("Xtream Codes")),
            ),
            (
                "vod-magic",
                None,
                "http://x/1.ts",
                Err(CatchupError::UnknownMode("vod-magic".into())),
            ),
        ];
        for (kind, source, stream, want) in table {
            let got = template(stream, &cu(kind, *source));
            assert_eq!(
                got.as_deref().map_err(Clone::clone),
                want.clone(),
                "{kind} {stream}"
            );
        }
    }

    #[test]
    fn every_placeholder() {
        let cases = [
            ("?utc={utc}&lutc={lutc}", "?utc=1574805632&lutc=1574812832"),
            (
                "${start}-${end}/${now}/${timestamp}",
                "1574805632-1574809232/1574812832/1574812832",
            ),
            ("{start}/{end}", "1574805632/1574809232"),
            ("&cutv={Y}-{m}-{d}T{H}:{M}:{S}", "&cutv=2019-11-26T22:00:32"),
            (
                "?d={duration}&m={duration:60}&h={duration:3600}",
                "?d=3600&m=60&h=1",
            ),
            (
                "?o={offset}&o1={offset:1}&om={offset:60}&o2=${offset}",
                "?o=7200&o1=7200&om=120&o2=7200",
            ),
            (
                "?start={utc:YmdHM}&end=${end:YmdHM}",
                "?start=201911262200&end=201911262300",
            ),
            (
                "?start={utc:Ymd-H-M}&end=${end:Ymd-H-M}",
                "?start=20191126-22-00&end=20191126-23-00",
            ),
            (
                "playseek={utc:YmdHMS}-{utcend:YmdHMS}",
                "playseek=20191126220032-20191126230032",
            ),
            (
                "?playseek=${(b)yyyyMMddHHmmss}-${(e)yyyyMMddHHmmss}",
                "?playseek=20191126220032-20191126230032",
            ),
            ("/vod/{catchup-id}.m3u8", "/vod/ep-42.m3u8"),
            ("price$5", "price$5"),
        ];
        for (t, want) in cases {
            assert_eq!(expand(t, &w()).unwrap(), want, "{t}");
        }
        // The calendar fields are local time: an hour east of UTC.
        let east = Window {
            local_offset: 3600,
            ..w()
        };
        assert_eq!(expand("{H}:{M}", &east).unwrap(), "23:00");
        assert_eq!(expand("{utc}", &east).unwrap(), START.to_string());
        // Across a new year and a leap day.
        let ny = Window {
            start: 1_704_067_199, // 2023-12-31 23:59:59
            ..w()
        };
        assert_eq!(expand("{Y}{m}{d}{H}{M}{S}", &ny).unwrap(), "20231231235959");
        let leap = Window {
            start: 1_709_208_000, // 2024-02-29 12:00:00
            ..w()
        };
        assert_eq!(expand("{utc:Y-m-d}", &leap).unwrap(), "2024-02-29");
    }

    #[test]
    fn unknown_placeholders_are_refused_not_sent() {
        for t in [
            "?t={utc}&x={foo}",
            "?t={start",
            "?x=${(q)yyyy}",
            "?d={duration:0}",
            "?d={duration:x}",
        ] {
            assert!(
                matches!(expand(t, &w()), Err(CatchupError::UnknownPlaceholder(_))),
                "{t}: {:?}",
                expand(t, &w())
            );
        }
        let e = expand("?x={nonsense}", &w()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the catch-up URL has a placeholder Prism does not know: {nonsense}"
        );
    }

    #[test]
    fn days_correction_and_the_future() {
        let mut c = cu("shift", None);
        c.days = Some(1);
        // Two hours back is within a day.
        assert!(url("http://x/1.ts", &c, &w()).is_ok());
        let old = Window {
            start: w().now - 2 * 86_400,
            stop: w().now - 2 * 86_400 + 3600,
            ..w()
        };
        assert_eq!(
            url("http://x/1.ts", &c, &old),
            Err(CatchupError::TooOld { days: 1 })
        );
        let later = Window {
            start: w().now + 60,
            ..w()
        };
        assert_eq!(url("http://x/1.ts", &c, &later), Err(CatchupError::NotYet));
        // catchup-correction moves the times the provider is asked for.
        c.correction = Some(-2.5);
        assert_eq!(
            url("http://x/1.ts", &c, &w()).unwrap(),
            format!("http://x/1.ts?utc={}&lutc={}", START - 9000, START + 7200)
        );
        // No mode: no archive.
        assert_eq!(
            url("http://x/1.ts", &cu("", None), &w()),
            Err(CatchupError::NoArchive)
        );
    }
}
