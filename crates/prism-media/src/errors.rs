//! GStreamer errors in words a viewer understands.

use gstreamer as gst;
use gstreamer::prelude::*;

/// One sentence for an error or warning message off the bus (element and all).
pub(crate) fn describe_message(msg: &gst::Message) -> Option<String> {
    let (err, debug) = match msg.view() {
        gst::MessageView::Error(e) => (e.error(), e.debug()),
        gst::MessageView::Warning(w) => (w.error(), w.debug()),
        _ => return None,
    };
    let factory = msg
        .src()
        .and_then(|s| s.downcast_ref::<gst::Element>())
        .and_then(|el| el.factory())
        .map(|f| f.name().to_string());
    Some(describe_error(&err, debug.as_deref(), factory.as_deref()))
}

/// One sentence for the error card, from a GStreamer error, its debug string and the factory
/// name of the element that posted it.
pub fn describe_error(
    err: &gst::glib::Error,
    debug: Option<&str>,
    element: Option<&str>,
) -> String {
    // souphttpsrc reports a refused or dropped connection as a bare flow error.
    if element == Some("souphttpsrc") && err.matches(gst::StreamError::Failed) {
        return "could not connect to the stream's server, or it hung up".to_owned();
    }
    let msg = err.message();
    let all = format!("{msg} {}", debug.unwrap_or_default());
    // The relay could not reach the server and says why in its status line, which souphttpsrc
    // makes the message ("Prism relay: could not connect to the stream's server") and quotes in
    // the debug string ("… (502), URL: …").
    for text in [msg, debug.unwrap_or_default()] {
        if let Some((_, words)) = text.split_once("Prism relay: ") {
            let words = words.split([' ', '\n']).collect::<Vec<_>>().join(" ");
            let words = words.split(" (").next().unwrap_or_default().trim();
            if !words.is_empty() {
                return words.to_owned();
            }
        }
    }
    if let Some(codec) = missing_decoder(&all) {
        return format!("no decoder for {codec}: install gstreamer1.0-libav");
    }
    if let Some(status) = http_status(&all) {
        return match status {
            401 | 403 => format!(
                "the server refused access (HTTP {status}): check the playlist's login or user agent"
            ),
            404 | 410 => format!("stream not found (HTTP {status})"),
            429 => "the server is rate-limiting us (HTTP 429)".to_owned(),
            500..=599 => format!("the stream's server failed (HTTP {status})"),
            _ => format!("the server answered HTTP {status}"),
        };
    }
    let lower = all.to_ascii_lowercase();
    if lower.contains("connection refused") || lower.contains("could not connect") {
        return "could not connect to the stream's server".to_owned();
    }
    if lower.contains("timed out") || lower.contains("timeout") {
        return "the stream's server did not answer in time".to_owned();
    }
    if lower.contains("resolve") || lower.contains("name or service not known") {
        return "the stream's server name could not be found (DNS)".to_owned();
    }
    if err.matches(gst::StreamError::TypeNotFound) || err.matches(gst::StreamError::WrongType) {
        return "this is not a playable stream".to_owned();
    }
    if err.matches(gst::StreamError::Decode) {
        return "the stream is damaged and could not be decoded".to_owned();
    }
    msg.to_string()
}

/// What Prism tells a viewer when GStreamer lacks a decoder: the format in words, whether it is
/// the picture, and the Debian package that has its decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingCodec {
    pub codec: &'static str,
    pub video: bool,
}

impl MissingCodec {
    /// From the caps GStreamer could not decode (`video/x-h265, ...`).
    pub fn from_caps(caps: &str) -> Self {
        let lower = caps.to_ascii_lowercase();
        let codec = CODECS
            .iter()
            .find(|(c, _)| lower.starts_with(c))
            .map_or("this stream's format", |(_, name)| name);
        Self {
            codec,
            video: lower.starts_with("video/") || lower.starts_with("image/"),
        }
    }

    /// "no decoder for HEVC video: install gstreamer1.0-libav".
    pub fn message(&self) -> String {
        let what = if self.video { "video" } else { "sound" };
        format!(
            "no decoder for {} {what}: install gstreamer1.0-libav",
            self.codec
        )
    }
}

const CODECS: &[(&str, &str)] = &[
    ("video/x-h265", "HEVC"),
    ("video/x-h264", "H.264"),
    ("video/x-av1", "AV1"),
    ("video/x-vp9", "VP9"),
    ("video/mpeg", "MPEG"),
    ("audio/x-ac3", "Dolby Digital (AC-3)"),
    ("audio/x-eac3", "Dolby Digital Plus (E-AC-3)"),
    ("audio/x-dts", "DTS"),
    ("audio/mpeg", "AAC/MP3"),
    ("audio/x-opus", "Opus"),
];

/// `No decoder available for type 'video/x-h265'` and similar, to a codec name.
fn missing_decoder(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    if !(lower.contains("no decoder") || lower.contains("missing") && lower.contains("plugin")) {
        return None;
    }
    Some(
        CODECS
            .iter()
            .find(|(caps, _)| lower.contains(caps))
            .map_or("this stream's format", |(_, name)| name),
    )
}

/// The HTTP status in souphttpsrc/hlsdemux2 messages: `Not Found (404)`, `status 404`,
/// `HTTP 404`. Bare numbers (ports, sizes) are not statuses.
fn http_status(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    (0..b.len().saturating_sub(2)).find_map(|i| {
        let digits = &b[i..i + 3];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let before = &lower[..i];
        let after = b.get(i + 3).copied();
        let framed = (before.ends_with('(') && after == Some(b')'))
            || ((before.ends_with("status ") || before.ends_with("http "))
                && after.is_none_or(|c| !c.is_ascii_digit()));
        let code: u16 = text[i..i + 3].parse().ok()?;
        (framed && (400..600).contains(&code)).then_some(code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: gst::ResourceError, msg: &str) -> gst::glib::Error {
        gst::glib::Error::new(kind, msg)
    }

    #[test]
    fn the_relays_reason_is_the_message() {
        // As souphttpsrc posts it: the status line's reason as the message.
        let e = err(
            gst::ResourceError::Read,
            "Prism relay: could not connect to the stream's server",
        );
        let debug = "../ext/soup/gstsouphttpsrc.c(1690): gst_soup_http_src_parse_status (): \
                     /GstPlayBin3:playbin/GstURIDecodeBin3:uridecodebin3-0/GstSoupHTTPSrc:source:\n\
                     Prism relay: could not connect to the stream's server (502), URL: \
                     http://127.0.0.1:41234/e/1/68/x, Redirect to: (NULL)";
        assert_eq!(
            describe_error(&e, Some(debug), Some("souphttpsrc")),
            "could not connect to the stream's server"
        );
        // Only in the debug string.
        let e = err(gst::ResourceError::Read, "Server error");
        assert_eq!(
            describe_error(&e, Some(debug), Some("souphttpsrc")),
            "could not connect to the stream's server"
        );
    }

    #[test]
    fn http_statuses() {
        let e = err(
            gst::ResourceError::NotFound,
            "Not Found (404), URL: http://x/y.m3u8",
        );
        assert_eq!(
            describe_error(&e, None, None),
            "stream not found (HTTP 404)"
        );
        let e = err(gst::ResourceError::OpenRead, "Forbidden (403)");
        assert!(describe_error(&e, None, None).contains("HTTP 403"));
        let e = err(gst::ResourceError::Read, "Internal Server Error (500)");
        assert_eq!(
            describe_error(&e, None, None),
            "the stream's server failed (HTTP 500)"
        );
        // Port numbers and sizes are not statuses.
        let e = err(
            gst::ResourceError::Read,
            "Could not connect: http://127.0.0.1:4040/",
        );
        assert_eq!(
            describe_error(&e, Some("Connection refused"), None),
            "could not connect to the stream's server"
        );
    }

    #[test]
    fn missing_codecs() {
        let e = gst::glib::Error::new(
            gst::StreamError::CodecNotFound,
            "No decoder available for type 'video/x-h265, stream-format=(string)hvc1'.",
        );
        assert_eq!(
            describe_error(&e, None, None),
            "no decoder for HEVC: install gstreamer1.0-libav"
        );
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn a_bare_flow_error_from_the_http_source_is_a_connection_failure() {
        let e = gst::glib::Error::new(gst::StreamError::Failed, "Internal data stream error.");
        assert_eq!(
            describe_error(
                &e,
                Some("streaming stopped, reason error (-5)"),
                Some("souphttpsrc")
            ),
            "could not connect to the stream's server, or it hung up"
        );
        // The same words from elsewhere stay GStreamer's.
        assert_eq!(
            describe_error(&e, None, Some("h264parse")),
            "Internal data stream error."
        );
    }
}
