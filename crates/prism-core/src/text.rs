//! Small text helpers shared by the parsers.

use std::borrow::Cow;

/// Decodes `%XX` escapes (lenient: a bad escape is kept as written).
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Percent-encodes a URL path segment (RFC 3986 unreserved characters pass through).
pub fn percent_encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Standard base64 (with or without padding, whitespace ignored), as Xtream panels send EPG text.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Resolves an XML entity name (`amp`, `#233`, `#x263A`) to text.
pub fn xml_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Unescapes XML entities in attribute or text content; unknown entities are kept as written.
pub fn xml_unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        match after.find(';').filter(|&e| e <= 10) {
            Some(e) if xml_entity(&after[..e]).is_some() => {
                out.push(xml_entity(&after[..e]).unwrap_or('&'));
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// At most `max` characters of `s` for a message, control characters (and the replacement
/// character binary data decodes to) shown as `?`: messages never echo binary.
pub fn clip(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| {
            if c.is_control() || c == char::REPLACEMENT_CHARACTER {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Whether `hay` contains `needle` ignoring case, without lowering `hay` (a filter over half a
/// million channel names must not allocate one each). `needle` must already be lower case; an
/// ASCII one is compared byte by byte (a non-ASCII byte never equals an ASCII one, so names in
/// any script are searched correctly), any other lowers `hay`.
pub fn contains_folded(hay: &str, needle: &str) -> bool {
    if !needle.is_ascii() {
        return hay.to_lowercase().contains(needle);
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::contains_folded;

    #[test]
    fn folded_search_matches_any_case_without_lowering_ascii_names() {
        assert!(contains_folded("BBC One HD", "one"));
        assert!(contains_folded("bbc one", ""));
        assert!(!contains_folded("BBC", "bbc one"));
        assert!(contains_folded("Das Erste (Österreich)", "erste"));
        assert!(contains_folded("Das Erste (ÖSTERREICH)", "österreich"));
        assert!(contains_folded("ΕΡΤ1", "ερτ"));
        assert!(!contains_folded("Arte", "ä"));
    }

    use super::*;

    #[test]
    fn percent() {
        assert_eq!(percent_decode("Mozilla%2F5.0%20(X11)"), "Mozilla/5.0 (X11)");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_encode_segment("a b/c@d"), "a%20b%2Fc%40d");
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("SGVsbG8gd29ybGQ=").unwrap(), b"Hello world");
        assert_eq!(base64_decode("SGVsbG8").unwrap(), b"Hello");
        assert!(base64_decode("*!").is_none());
    }

    #[test]
    fn entities() {
        assert_eq!(
            xml_unescape("Tom &amp; Jerry &#233;t&#xE9; &bogus; & x"),
            "Tom & Jerry été &bogus; & x"
        );
    }
}
