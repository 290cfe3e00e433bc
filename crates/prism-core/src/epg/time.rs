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

/// `+0100`, `-05:30`, `+01`, `Z`, `UTC`, `GMT` or nothing (UTC). Returns the offset in seconds.
fn parse_zone(z: &str) -> Option<i64> {
    let z = z.trim();
    if z.is_empty()
        || z.eq_ignore_ascii_case("z")
        || z.eq_ignore_ascii_case("utc")
        || z.eq_ignore_ascii_case("gmt")
    {
        return Some(0);
    }
    let (sign, rest) = match z.as_bytes()[0] {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
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
            "20240101000000 EST",
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
