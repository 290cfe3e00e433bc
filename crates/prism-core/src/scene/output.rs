//! Where the composed scene goes when it leaves the window: an RTMP(S) server or a Matroska
//! file. What can be decided without GStreamer lives here: the URL a server and a stream key
//! make, what may be written to a log of it (never the key), the output's size and bitrate,
//! the reconnection schedule, and the rows of a GPU readback without their padding.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

/// Where the scene is sent.
#[derive(Clone, PartialEq, Eq)]
pub enum Output {
    /// An RTMP or RTMPS URL, the stream key its last path segment: a secret.
    Stream(String),
    /// A Matroska file.
    File(PathBuf),
}

impl Output {
    /// What may be shown or logged: a stream's server without its key.
    pub fn public(&self) -> String {
        match self {
            Output::Stream(url) => redact(url),
            Output::File(p) => p.display().to_string(),
        }
    }
}

// The key must never reach a log through `{:?}`.
impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Output::Stream(_) => write!(f, "Stream({})", self.public()),
            Output::File(p) => write!(f, "File({p:?})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("no stream server is set: put its rtmp:// URL in Settings → Broadcast")]
    NoServer,
    #[error("the stream server must be an rtmp:// or rtmps:// URL, not \"{0}\"")]
    Scheme(String),
    #[error("the stream server URL has no host: \"{0}\"")]
    NoHost(String),
    #[error(
        "the stream server URL needs an application (rtmp://host/live) and a stream key, in the URL or the key field"
    )]
    NoKey,
}

/// The URL to publish to, from the server's URL and the stream key (which may instead be the
/// URL's last segment, as some services hand it out).
pub fn stream_url(server: &str, key: &str) -> Result<String, OutputError> {
    let server = server.trim();
    let key = key.trim().trim_matches('/');
    if server.is_empty() {
        return Err(OutputError::NoServer);
    }
    let Some((scheme, rest)) = server.split_once("://") else {
        return Err(OutputError::Scheme(redact(server)));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "rtmp" | "rtmps") {
        return Err(OutputError::Scheme(redact(server)));
    }
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || host.starts_with(':') {
        return Err(OutputError::NoHost(redact(server)));
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // An application and a stream name, one of them the key.
    let enough = if key.is_empty() {
        segments.len() >= 2
    } else {
        !segments.is_empty()
    };
    if !enough {
        return Err(OutputError::NoKey);
    }
    let mut url = format!("{scheme}://{host}/{}", segments.join("/"));
    if !key.is_empty() {
        url.push('/');
        url.push_str(key);
    }
    Ok(url)
}

/// A stream URL with its key (the last path segment) and any credentials hidden.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "•••".into();
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    match path.rsplit_once('/') {
        Some((app, _key)) => format!("{scheme}://{host}/{app}/•••"),
        None if path.is_empty() => format!("{scheme}://{host}"),
        None => format!("{scheme}://{host}/•••"),
    }
}

/// The output's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputSize {
    #[default]
    P720,
    P1080,
}

impl OutputSize {
    pub fn parse(s: &str) -> Option<OutputSize> {
        match s.trim().to_ascii_lowercase().as_str() {
            "720p" | "720" | "hd" => Some(OutputSize::P720),
            "1080p" | "1080" | "full hd" | "fhd" => Some(OutputSize::P1080),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputSize::P720 => "720p",
            OutputSize::P1080 => "1080p",
        }
    }

    pub fn pixels(self) -> (u32, u32) {
        match self {
            OutputSize::P720 => (1280, 720),
            OutputSize::P1080 => (1920, 1080),
        }
    }

    /// Video bitrate in kbit/s at 30 fps: what the big services recommend for each size.
    pub fn kbps(self) -> u32 {
        match self {
            OutputSize::P720 => 3000,
            OutputSize::P1080 => 4500,
        }
    }
}

/// Frames per second sent.
pub const FPS: u32 = 30;

/// The wait before reconnection attempt `n` (1-based): 1, 2, 4, 8, 16, then every 30 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// Bytes from one row to the next in a texture copied to a buffer: GPUs copy rows at 256-byte
/// steps (wgpu's `COPY_BYTES_PER_ROW_ALIGNMENT`).
pub fn padded_row(width: u32, bytes_per_pixel: u32) -> usize {
    let row = (width * bytes_per_pixel) as usize;
    row.div_ceil(256) * 256
}

/// A readback's pixels as tight rows. Borrowed when the rows need no padding (1280 and 1920
/// wide RGBA rows are multiples of 256 bytes); `None` when `data` is too short for the size.
pub fn unpad_rows(
    data: &[u8],
    width: u32,
    height: u32,
    bytes_per_pixel: u32,
) -> Option<Cow<'_, [u8]>> {
    let row = (width * bytes_per_pixel) as usize;
    let stride = padded_row(width, bytes_per_pixel);
    let h = height as usize;
    if h == 0 || data.len() < stride * (h - 1) + row {
        return None;
    }
    if stride == row {
        return Some(Cow::Borrowed(&data[..row * h]));
    }
    let mut out = Vec::with_capacity(row * h);
    for y in 0..h {
        out.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    Some(Cow::Owned(out))
}

/// A recording's file name for a start time, given as local seconds since 1970 (the UTC
/// time plus the zone's offset).
pub fn file_name(local: i64) -> String {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::from_timestamp(local, 0).unwrap_or_default();
    format!(
        "Prism {:04}-{:02}-{:02} {:02}.{:02}.{:02}.mkv",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Where a point of the window falls in the output image (in its pixels) when the monitor
/// shows the image centred and as large as the window allows (letterboxed or pillarboxed);
/// `None` for a point on the bars around it.
pub fn window_to_output(
    point: (f32, f32),
    window: (f32, f32),
    output: (f32, f32),
) -> Option<(f32, f32)> {
    let fit = (window.0 / output.0).min(window.1 / output.1);
    if !(fit.is_finite() && fit > 0.0) {
        return None;
    }
    let x = (point.0 - (window.0 - output.0 * fit) / 2.0) / fit;
    let y = (point.1 - (window.1 - output.1 * fit) / 2.0) / fit;
    ((0.0..output.0).contains(&x) && (0.0..output.1).contains(&y)).then_some((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_in_the_window_is_found_in_the_output_the_monitor_shows() {
        // The same shape: scaled.
        assert_eq!(
            window_to_output((640.0, 360.0), (1280.0, 720.0), (1920.0, 1080.0)),
            Some((960.0, 540.0))
        );
        assert_eq!(
            window_to_output((200.0, 270.0), (1280.0, 720.0), (1280.0, 720.0)),
            Some((200.0, 270.0))
        );
        // A 4:3 window shows 16:9 with bars above and below.
        let (x, y) = window_to_output((512.0, 384.0), (1024.0, 768.0), (1280.0, 720.0)).unwrap();
        assert!((x - 640.0).abs() < 1e-3 && (y - 360.0).abs() < 1e-3);
        assert_eq!(
            window_to_output((512.0, 50.0), (1024.0, 768.0), (1280.0, 720.0)),
            None,
            "on the bar above"
        );
        let (_, top) = window_to_output((0.0, 96.0), (1024.0, 768.0), (1280.0, 720.0)).unwrap();
        assert!(top.abs() < 1e-3);
        assert_eq!(
            window_to_output((1.0, 1.0), (0.0, 0.0), (1280.0, 720.0)),
            None
        );
    }

    #[test]
    fn a_server_and_a_key_make_the_url_and_the_key_is_never_shown() {
        let url = stream_url("rtmp://live.example.com/app", "sk_123").unwrap();
        assert_eq!(url, "rtmp://live.example.com/app/sk_123");
        assert_eq!(
            stream_url(" rtmps://a.rtmp.example:443/live2/ ", "/k/").unwrap(),
            "rtmps://a.rtmp.example:443/live2/k"
        );
        // The key already in the URL.
        assert_eq!(
            stream_url("rtmp://127.0.0.1:1935/live/demo", "").unwrap(),
            "rtmp://127.0.0.1:1935/live/demo"
        );
        assert_eq!(redact(&url), "rtmp://live.example.com/app/•••");
        assert_eq!(
            redact("rtmp://user:pw@h:1935/live/secret"),
            "rtmp://h:1935/live/•••"
        );
        let out = Output::Stream(url);
        assert!(!format!("{out:?}").contains("sk_123"));
        assert!(!out.public().contains("sk_123"));
    }

    #[test]
    fn bad_servers_say_what_is_wrong_without_quoting_a_key() {
        assert_eq!(stream_url("", "k"), Err(OutputError::NoServer));
        let e = stream_url("http://x/live/secretkey", "").unwrap_err();
        assert!(matches!(e, OutputError::Scheme(_)));
        assert!(!e.to_string().contains("secretkey"), "{e}");
        assert!(matches!(
            stream_url("rtmp:///live", "k"),
            Err(OutputError::NoHost(_))
        ));
        assert_eq!(stream_url("rtmp://h", "k"), Err(OutputError::NoKey));
        assert_eq!(stream_url("rtmp://h/live", ""), Err(OutputError::NoKey));
    }

    #[test]
    fn reconnection_waits_double_up_to_half_a_minute() {
        let s: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(s, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn readback_rows_lose_their_padding() {
        // 1280 × 4 = 5120 bytes, a multiple of 256: borrowed as is.
        let data = vec![7u8; 5120 * 2];
        assert!(matches!(
            unpad_rows(&data, 1280, 2, 4),
            Some(Cow::Borrowed(_))
        ));
        // 10 px × 4 = 40 bytes a row, padded to 256.
        let mut data = vec![0u8; 256 * 3];
        for y in 0..3 {
            for x in 0..40 {
                data[y * 256 + x] = y as u8 + 1;
            }
        }
        let tight = unpad_rows(&data, 10, 3, 4).unwrap();
        assert_eq!(tight.len(), 120);
        assert!(tight[..40].iter().all(|&b| b == 1));
        assert!(tight[80..].iter().all(|&b| b == 3));
        // The last row need not carry its padding; shorter than that is refused.
        assert!(unpad_rows(&data[..256 * 2 + 40], 10, 3, 4).is_some());
        assert!(unpad_rows(&data[..256 * 2 + 39], 10, 3, 4).is_none());
    }

    #[test]
    fn sizes_parse_and_carry_their_rates() {
        assert_eq!(OutputSize::parse("1080p"), Some(OutputSize::P1080));
        assert_eq!(OutputSize::parse(" 720P "), Some(OutputSize::P720));
        assert_eq!(OutputSize::parse("4k"), None);
        assert_eq!(OutputSize::P1080.pixels(), (1920, 1080));
        // 2026-12-05 09:03:07.
        assert_eq!(file_name(1_796_461_387), "Prism 2026-12-05 09.03.07.mkv");
    }
}
