//! HLS playlists as text, for the media relay: every URI in a playlist, found and rewritten line
//! by line so that tags Prism does not know pass through untouched.

/// What a URI in a playlist points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    /// Another playlist: a variant, a rendition (audio, subtitles), a rendition report.
    Playlist,
    /// Media: a segment, a partial segment, an init section (`EXT-X-MAP`), a key.
    Media,
}

/// Whether a body is an HLS playlist (`#EXTM3U` first, after an optional BOM and blank space).
pub fn is_playlist(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..].starts_with(b"#EXTM3U")
}

/// The playlist with every URI replaced by `map(uri, kind)`: the lines that are not tags, and
/// the `URI="…"` attributes of tags. Line endings are normalised to `\n`.
pub fn rewrite_uris(text: &str, mut map: impl FnMut(&str, UriKind) -> String) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    // A URI line after EXT-X-STREAM-INF names a variant playlist; any other, a segment.
    let mut next_is_variant = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() || (trimmed.starts_with('#') && !trimmed.starts_with("#EXT")) {
            out.push_str(line);
        } else if let Some(tag) = trimmed.strip_prefix('#') {
            let name = tag.split(':').next().unwrap_or(tag);
            if name == "EXT-X-STREAM-INF" {
                next_is_variant = true;
            }
            let kind = match name {
                "EXT-X-MEDIA" | "EXT-X-I-FRAME-STREAM-INF" | "EXT-X-RENDITION-REPORT" => {
                    UriKind::Playlist
                }
                _ => UriKind::Media,
            };
            out.push_str(&rewrite_uri_attribute(line, |u| map(u, kind)));
        } else {
            let kind = if std::mem::take(&mut next_is_variant) {
                UriKind::Playlist
            } else {
                UriKind::Media
            };
            out.push_str(&map(trimmed, kind));
        }
        out.push('\n');
    }
    out
}

/// `…,URI="x",…` with x mapped (a tag has at most one URI attribute).
fn rewrite_uri_attribute(line: &str, map: impl FnOnce(&str) -> String) -> String {
    // The attribute starts the list (after ':') or follows a comma; "XURI=" is another one.
    let found = line
        .match_indices("URI=\"")
        .find(|(i, _)| matches!(line[..*i].chars().next_back(), Some(':') | Some(',')));
    let Some((i, _)) = found else {
        return line.to_owned();
    };
    let start = i + "URI=\"".len();
    let Some(len) = line[start..].find('"') else {
        return line.to_owned();
    };
    format!(
        "{}{}{}",
        &line[..start],
        map(&line[start..start + len]),
        &line[start + len..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_uri_is_found_with_its_kind() {
        let master = "#EXTM3U\r\n\
            #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",URI=\"subs.m3u8\"\r\n\
            #EXT-X-STREAM-INF:BANDWIDTH=800000,SUBTITLES=\"subs\"\r\n\
            live.m3u8?token=a\r\n\
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"iframes.m3u8\"\r\n";
        let mut seen = Vec::new();
        let out = rewrite_uris(master, |u, k| {
            seen.push((u.to_owned(), k));
            format!("R({u})")
        });
        assert_eq!(
            seen,
            [
                ("subs.m3u8".into(), UriKind::Playlist),
                ("live.m3u8?token=a".into(), UriKind::Playlist),
                ("iframes.m3u8".into(), UriKind::Playlist),
            ]
        );
        assert!(
            out.contains("NAME=\"English\",URI=\"R(subs.m3u8)\"\n"),
            "{out}"
        );
        assert!(out.contains("\nR(live.m3u8?token=a)\n"), "{out}");

        let media = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n\
            #EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k1\",IV=0x1\n\
            #EXT-X-MAP:URI=\"init.mp4\"\n# a comment, kept\n\
            #EXTINF:2.0,\nseg7.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\n/abs/seg8.ts\n\
            #EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part9.ts\"\n";
        let mut seen = Vec::new();
        let out = rewrite_uris(media, |u, k| {
            seen.push((u.to_owned(), k));
            u.to_uppercase()
        });
        let kinds: Vec<_> = seen.iter().map(|(u, k)| (u.as_str(), *k)).collect();
        assert_eq!(
            kinds,
            [
                ("https://keys.example/k1", UriKind::Media),
                ("init.mp4", UriKind::Media),
                ("seg7.ts", UriKind::Media),
                ("/abs/seg8.ts", UriKind::Media),
                ("part9.ts", UriKind::Media),
            ]
        );
        assert!(out.contains("METHOD=AES-128,URI=\"HTTPS://KEYS.EXAMPLE/K1\",IV=0x1\n"));
        assert!(
            out.contains("# a comment, kept\n#EXTINF:2.0,\nSEG7.TS\n"),
            "{out}"
        );
        assert!(out.contains("#EXT-X-DISCONTINUITY\n"));
    }

    #[test]
    fn only_a_real_uri_attribute_is_rewritten() {
        let line = "#EXT-X-SESSION-DATA:DATA-ID=\"x\",VALUE=\"URI=\\\"no\\\"\"";
        assert_eq!(rewrite_uris(line, |_, _| "X".into()).trim_end(), line);
    }

    #[test]
    fn playlists_are_told_from_media() {
        assert!(is_playlist(b"#EXTM3U\n#EXT-X-VERSION:3\n"));
        assert!(is_playlist(b"\xEF\xBB\xBF\r\n#EXTM3U\n"));
        assert!(!is_playlist(b"\x47\x40\x00\x10"));
        assert!(!is_playlist(b""));
    }
}
