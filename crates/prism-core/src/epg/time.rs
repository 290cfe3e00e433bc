//! XMLTV times: `YYYYMMDDhhmmss ±HHMM`, where trailing fields may be omitted and a missing zone
//! means UTC (XMLTV DTD). Everything is converted to Unix seconds.

/// Parses an XMLTV timestamp into Unix seconds. Returns `None` for text that is not a time.
pub fn parse_xmltv_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if !(4..=14).contains(&digits) || digits % 2 != 0 {
        return None;
    }
    let d = &s.as_bytes()[..digits];
    let num = |i: usize| -> i64 { i64::from(d[i] - b'0') * 10 + i64::from(d[i + 1] - b'0') };
    let year = num(0) * 100 + num(2);
    let field = |i: usize, default: i64| if digits > i { num(i) } else { default };
    let (month, day) = (field(4, 1), field(6, 1));
    let (hour, min, sec) = (field(8, 0), field(10, 0), field(12, 0));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let offset = parse_zone(&s[digits..])?;
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset)
}

/// Zone names as the XMLTV tools read them (Date::Manip's abbreviations; the DTD's own example
/// is "200007281733 BST"), in minutes east of UTC. IST is India's, as Date::Manip has it.
const ZONES: &[(&str, i64)] = &[
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("MET", 60),
    ("MEZ", 60),
    ("CEST", 120),
    ("MEST", 120),
    ("MESZ", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("MSD", 240),
    ("IST", 330),
    ("SGT", 480),
    ("HKT", 480),
    ("AWST", 480),
    ("JST", 540),
    ("KST", 540),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("WAT", 60),
    ("CAT", 120),
    ("SAST", 120),
    ("EAT", 180),
    ("AST", -240),
    ("ADT", -180),
    ("NST", -210),
    ("NDT", -150),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
];

/// The zone after the digits, per the DTD: nothing (UTC), an offset (`+0100`, `-05:30`, `+01`,
/// or unsigned `0100`) or a zone name (`BST`, `CET`, `Z`, any case). Returns seconds east of
/// UTC, or `None` for a zone nobody defines.
fn parse_zone(z: &str) -> Option<i64> {
    let z = z.trim();
    if z.is_empty() {
        return Some(0);
    }
    if z.bytes().all(|c| c.is_ascii_alphabetic()) {
        return ZONES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(z))
            .map(|(_, minutes)| minutes * 60);
    }
    let (sign, rest) = match z.as_bytes()[0] {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        b'0'..=b'9' => (1, z),
        _ => return None,
    };
    let rest: String = rest.chars().filter(|&c| c != ':').collect();
    if !rest.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match rest.len() {
        2 => (rest.parse::<i64>().ok()?, 0),
        4 => (
            rest[..2].parse::<i64>().ok()?,
            rest[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats Unix seconds as an XMLTV UTC timestamp (`YYYYMMDDhhmmss +0000`).
pub fn format_xmltv_time(t: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil_from_unix(t);
    format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02} +0000")
}

/// Unix seconds to (year, month, day, hour, minute, second) in UTC.
pub fn civil_from_unix(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_zoned() {
        assert_eq!(
            parse_xmltv_time("20240101000000 +0000"),
            Some(1_704_067_200)
        );
        assert_eq!(
            parse_xmltv_time("20240101010000 +0100"),
            Some(1_704_067_200)
        );
        assert_eq!(
            parse_xmltv_time("20231231190000 -0500"),
            Some(1_704_067_200)
        );
        assert_eq!(
            parse_xmltv_time("20240101053000 +05:30"),
            Some(1_704_067_200)
        );
        assert_eq!(parse_xmltv_time("20240101000000"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("20240101000000Z"), Some(1_704_067_200));
    }

    /// The DTD's own examples and the zone forms the XMLTV tools accept.
    #[test]
    fn zone_names_and_unsigned_offsets() {
        // "200007281733 BST" (BST == +0100, the DTD says) is 16:33 UTC.
        assert_eq!(
            parse_xmltv_time("200007281733 BST"),
            parse_xmltv_time("20000728163300 +0000")
        );
        assert_eq!(
            parse_xmltv_time("19880523083000 +0300"),
            parse_xmltv_time("19880523053000")
        );
        assert_eq!(parse_xmltv_time("20240101010000 CET"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("20231231190000 est"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("20240101010000 0100"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("20240101010000+0100"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("200209"), Some(1_030_838_400));
    }

    #[test]
    fn truncated_forms() {
        assert_eq!(parse_xmltv_time("202401010000"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("2024010100"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("20240101"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("202401"), Some(1_704_067_200));
        assert_eq!(parse_xmltv_time("2024"), Some(1_704_067_200));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "2024011",
            "20241301000000",
            "20240101000000 +99",
            "20240101000000 XYZ",
            "20240101000000 +01x",
        ] {
            assert_eq!(parse_xmltv_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn roundtrip() {
        for t in [0, 951_782_400, 1_704_067_200, 4_102_444_800 + 3661] {
            assert_eq!(parse_xmltv_time(&format_xmltv_time(t)), Some(t));
        }
    }
}
