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

/// What the viewer allows a stream: a resolution cap (the picture's height) and a bitrate
/// cap (data saver). `None`: any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VariantLimits {
    pub max_height: Option<u32>,
    pub max_bandwidth: Option<u64>,
}

/// `KEY=value` of a tag's attribute list (quoted values unquoted).
fn attribute<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let list = tag.split_once(':')?.1;
    let mut rest = list;
    while !rest.is_empty() {
        let (k, after) = rest.split_once('=')?;
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"')?;
            (&q[..end], q[end + 1..].trim_start_matches(','))
        } else {
            match after.split_once(',') {
                Some((v, n)) => (v, n),
                None => (after, ""),
            }
        };
        if k.trim() == key {
            return Some(value);
        }
        rest = next;
    }
    None
}

/// A master playlist without the variants over `limits` (their `EXT-X-STREAM-INF` and URI
/// lines), so the player's adaptive choice stays within them. When every variant is over, the
/// smallest stays: a capped picture beats none. Media playlists come back unchanged.
pub fn cap_variants(text: &str, limits: VariantLimits) -> String {
    pick_variants(text, limits, false)
}

/// A master playlist with one variant left: the largest within `limits` (the smallest when
/// all are over). A time-shift buffer records one picture, so the player must not switch to a
/// variant the buffer does not have. Renditions (audio, subtitles) stay.
pub fn single_variant(text: &str, limits: VariantLimits) -> String {
    pick_variants(text, limits, true)
}

/// The URI of the variant [`single_variant`] keeps (`None` for a media playlist): what a
/// recorder with no player in front of it follows.
pub fn variant_uri(text: &str, limits: VariantLimits) -> Option<String> {
    let one = single_variant(text, limits);
    let mut lines = one.lines().map(str::trim);
    lines.find(|l| l.starts_with("#EXT-X-STREAM-INF"))?;
    lines
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
}

fn pick_variants(text: &str, limits: VariantLimits, single: bool) -> String {
    if (!single && limits == VariantLimits::default()) || !text.contains("#EXT-X-STREAM-INF") {
        return text.to_owned();
    }
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    // (index of the tag line, index of its URI line, height, bandwidth)
    let mut variants = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("#EXT-X-STREAM-INF") {
            let tag = lines[i].trim();
            let uri = (i + 1..lines.len()).find(|&j| {
                let t = lines[j].trim();
                !t.is_empty() && !t.starts_with('#')
            });
            let height = attribute(tag, "RESOLUTION")
                .and_then(|r| r.split_once(['x', 'X']))
                .and_then(|(_, h)| h.trim().parse::<u32>().ok());
            let bandwidth = attribute(tag, "BANDWIDTH").and_then(|b| b.trim().parse::<u64>().ok());
            if let Some(u) = uri {
                variants.push((i, u, height, bandwidth));
                i = u;
            }
        }
        i += 1;
    }
    let over = |h: Option<u32>, b: Option<u64>| {
        limits.max_height.is_some_and(|m| h.is_some_and(|h| h > m))
            || limits
                .max_bandwidth
                .is_some_and(|m| b.is_some_and(|b| b > m))
    };
    let mut drop: Vec<usize> = Vec::new();
    if variants.iter().all(|v| over(v.2, v.3)) {
        // Keep the smallest (by bandwidth, then height).
        let keep = variants
            .iter()
            .min_by_key(|v| (v.3.unwrap_or(u64::MAX), v.2.unwrap_or(u32::MAX)))
            .map(|v| v.0);
        for v in &variants {
            if Some(v.0) != keep {
                drop.extend([v.0, v.1]);
            }
        }
    } else if single {
        let keep = variants
            .iter()
            .filter(|v| !over(v.2, v.3))
            .max_by_key(|v| (v.3.unwrap_or(0), v.2.unwrap_or(0)))
            .map(|v| v.0);
        for v in &variants {
            if Some(v.0) != keep {
                drop.extend([v.0, v.1]);
            }
        }
    } else {
        for v in variants.iter().filter(|v| over(v.2, v.3)) {
            drop.extend([v.0, v.1]);
        }
    }
    let mut out = String::with_capacity(text.len());
    for (i, l) in lines.iter().enumerate() {
        if !drop.contains(&i) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// A live media playlist without its newest segments, as many as last `seconds` (each
/// segment's own tags go with it), so a player that starts at the end starts that much
/// further behind live, with that much more to buffer before the edge. A playlist that ends
/// (`EXT-X-ENDLIST`), or would keep fewer than three segments, comes back unchanged.
pub fn behind_live(text: &str, seconds: f64) -> String {
    if seconds <= 0.0 || text.contains("#EXT-X-ENDLIST") || text.contains("#EXT-X-STREAM-INF") {
        return text.to_owned();
    }
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    // Each segment: the line it starts on (its first tag after the previous URI) and its
    // duration.
    let mut segments: Vec<(usize, f64)> = Vec::new();
    let mut start = None;
    let mut duration = 0.0;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(d) = t.strip_prefix("#EXTINF:") {
            duration = d
                .split(',')
                .next()
                .and_then(|d| d.trim().parse().ok())
                .unwrap_or(0.0);
            start.get_or_insert(i);
        } else if t.starts_with("#EXT-X-") && !segments.is_empty() {
            start.get_or_insert(i);
        } else if !t.starts_with('#') {
            segments.push((start.take().unwrap_or(i), duration));
            duration = 0.0;
        }
    }
    let mut hidden = 0.0;
    let mut cut = segments.len();
    while cut > 3 && hidden < seconds {
        cut -= 1;
        hidden += segments[cut].1;
    }
    if cut == segments.len() || hidden < seconds {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for l in &lines[..segments[cut].0] {
        out.push_str(l);
        out.push('\n');
    }
    out
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

    const MASTER: &str = "#EXTM3U\n#EXT-X-VERSION:3\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"cc\",NAME=\"English\",URI=\"subs.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\nlive.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=854x480\nv1.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=640x360\nv2.m3u8\n";

    fn uris(text: &str) -> Vec<&str> {
        text.lines().filter(|l| !l.starts_with('#')).collect()
    }

    #[test]
    fn variants_over_the_limits_are_left_out() {
        let cap = |h: Option<u32>, b: Option<u64>| {
            cap_variants(
                MASTER,
                VariantLimits {
                    max_height: h,
                    max_bandwidth: b,
                },
            )
        };
        assert_eq!(uris(&cap(None, None)), ["live.m3u8", "v1.m3u8", "v2.m3u8"]);
        assert_eq!(uris(&cap(Some(480), None)), ["v1.m3u8", "v2.m3u8"]);
        assert_eq!(uris(&cap(None, Some(1_000_000))), ["v2.m3u8"]);
        // All over: the smallest stays.
        assert_eq!(uris(&cap(Some(240), None)), ["v2.m3u8"]);
        // The renditions and the header stay.
        assert!(cap(Some(480), None).contains("#EXT-X-MEDIA:TYPE=SUBTITLES"));
        assert!(!cap(Some(480), None).contains("1280x720"));
        let media = "#EXTM3U\n#EXTINF:2,\na.ts\n";
        assert_eq!(
            cap_variants(
                media,
                VariantLimits {
                    max_height: Some(1),
                    max_bandwidth: None
                }
            ),
            media
        );
    }

    #[test]
    fn a_time_shift_keeps_one_variant() {
        let one = |h: Option<u32>| {
            single_variant(
                MASTER,
                VariantLimits {
                    max_height: h,
                    max_bandwidth: None,
                },
            )
        };
        assert_eq!(uris(&one(None)), ["live.m3u8"]);
        assert_eq!(uris(&one(Some(480))), ["v1.m3u8"]);
        assert_eq!(uris(&one(Some(240))), ["v2.m3u8"]);
        assert!(one(None).contains("#EXT-X-MEDIA:TYPE=SUBTITLES"));
    }

    #[test]
    fn a_live_playlist_starts_further_from_its_edge() {
        let mut live = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n");
        for k in 10..18 {
            if k == 15 {
                live.push_str("#EXT-X-DISCONTINUITY\n");
            }
            live.push_str(&format!("#EXTINF:2.000,\nseg/{k}.ts\n"));
        }
        let behind = behind_live(&live, 4.0);
        assert_eq!(uris(&behind).last(), Some(&"seg/15.ts"));
        assert_eq!(uris(&behind).len(), 6);
        assert!(behind.contains("#EXT-X-MEDIA-SEQUENCE:10"));
        // A cut segment's own tags go with it; the kept ones' stay.
        let three = behind_live(&live, 5.0);
        assert_eq!(uris(&three).last(), Some(&"seg/14.ts"));
        assert!(!three.contains("DISCONTINUITY"), "{three}");
        assert!(behind.contains("DISCONTINUITY"));
        assert_eq!(behind_live(&live, 0.0), live);
        let ended = format!("{live}#EXT-X-ENDLIST\n");
        assert_eq!(behind_live(&ended, 4.0), ended);
        // Too short to lose that much: unchanged.
        assert_eq!(behind_live(&live, 12.0), live);
    }

    #[test]
    fn the_variant_a_recorder_follows_is_the_one_the_player_would_keep() {
        let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720\nhigh.m3u8\n";
        assert_eq!(
            variant_uri(master, VariantLimits::default()).as_deref(),
            Some("high.m3u8")
        );
        let capped = VariantLimits {
            max_height: Some(480),
            max_bandwidth: None,
        };
        assert_eq!(variant_uri(master, capped).as_deref(), Some("low.m3u8"));
        assert_eq!(variant_uri("#EXTM3U\n#EXTINF:6,\na.ts\n", capped), None);
    }
}
