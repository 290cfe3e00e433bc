//! Spoken numbers and durations: "twenty five", "one oh one", "five point one", "75",
//! "a minute and a half". Each parser returns every way the words at a position can be read,
//! longest first, so the pattern matcher can backtrack.

/// A number as heard: an integer part and an optional sub-number (`5.1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num {
    pub major: u64,
    pub minor: Option<u32>,
}

impl Num {
    pub fn value(&self) -> f64 {
        match self.minor {
            None => self.major as f64,
            Some(m) => format!("{}.{m}", self.major)
                .parse()
                .unwrap_or(self.major as f64),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Unit(u64),
    Teen(u64),
    Tens(u64),
    Hundred,
    Thousand,
}

fn class(w: &str) -> Option<Class> {
    use Class::*;
    Some(match w {
        "zero" => Unit(0),
        "one" => Unit(1),
        "two" => Unit(2),
        "three" => Unit(3),
        "four" => Unit(4),
        "five" => Unit(5),
        "six" => Unit(6),
        "seven" => Unit(7),
        "eight" => Unit(8),
        "nine" => Unit(9),
        "ten" => Teen(10),
        "eleven" => Teen(11),
        "twelve" => Teen(12),
        "thirteen" => Teen(13),
        "fourteen" => Teen(14),
        "fifteen" => Teen(15),
        "sixteen" => Teen(16),
        "seventeen" => Teen(17),
        "eighteen" => Teen(18),
        "nineteen" => Teen(19),
        "twenty" => Tens(20),
        "thirty" => Tens(30),
        "forty" | "fourty" => Tens(40),
        "fifty" => Tens(50),
        "sixty" => Tens(60),
        "seventy" => Tens(70),
        "eighty" => Tens(80),
        "ninety" => Tens(90),
        "hundred" => Hundred,
        "thousand" => Thousand,
        _ => return None,
    })
}

/// A single spoken digit, including "oh" (only meaningful inside digit sequences).
fn digit(w: &str) -> Option<u64> {
    match class(w) {
        Some(Class::Unit(v)) => Some(v),
        _ if w == "oh" || w == "o" => Some(0),
        _ if w.len() == 1 && w.as_bytes()[0].is_ascii_digit() => {
            Some(u64::from(w.as_bytes()[0] - b'0'))
        }
        _ => None,
    }
}

fn parse_digits(w: &str) -> Option<Num> {
    let (a, b) = match w.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (w, None),
    };
    if a.is_empty() || a.len() > 9 || !a.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let minor = match b {
        Some(b) if !b.is_empty() && b.len() <= 4 && b.bytes().all(|c| c.is_ascii_digit()) => {
            Some(b.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some(Num {
        major: a.parse().ok()?,
        minor,
    })
}

/// Every reading of a number starting at `toks[pos]`: `(end, number)`, longest first.
pub fn numbers_at(toks: &[&str], pos: usize) -> Vec<(usize, Num)> {
    let mut out = Vec::new();
    let Some(&first) = toks.get(pos) else {
        return out;
    };
    if let Some(n) = parse_digits(first) {
        out.push((pos + 1, n));
        return out;
    }
    // Additive reading: "one hundred and twenty five", "a hundred", "twenty five".
    let mut total = 0u64;
    let mut cur = 0u64;
    let mut last: Option<Class> = None;
    let mut i = pos;
    if toks.get(i) == Some(&"a")
        && matches!(
            toks.get(i + 1).and_then(|w| class(w)),
            Some(Class::Hundred | Class::Thousand)
        )
    {
        cur = 1;
        last = Some(Class::Unit(1));
        i += 1;
    }
    while let Some(&w) = toks.get(i) {
        let c = if w == "and" && matches!(last, Some(Class::Hundred | Class::Thousand)) {
            if toks.get(i + 1).and_then(|w| class(w)).is_some() {
                i += 1;
                continue;
            }
            break;
        } else {
            match class(w) {
                Some(c) => c,
                None => break,
            }
        };
        let ok = match c {
            Class::Unit(v)
                if matches!(
                    last,
                    None | Some(Class::Tens(_) | Class::Hundred | Class::Thousand)
                ) =>
            {
                cur += v;
                true
            }
            Class::Teen(v) | Class::Tens(v)
                if matches!(last, None | Some(Class::Hundred | Class::Thousand)) =>
            {
                cur += v;
                true
            }
            // "ten hundred ten hundred …" must end, not overflow: stop at the first step past
            // any channel number or volume anyone says.
            Class::Hundred if matches!(last, None | Some(Class::Unit(_) | Class::Teen(_))) => {
                match cur.max(1).checked_mul(100).filter(|v| *v < 1_000_000) {
                    Some(v) => {
                        cur = v;
                        true
                    }
                    None => false,
                }
            }
            Class::Thousand if !matches!(last, Some(Class::Thousand)) => {
                match cur
                    .max(1)
                    .checked_mul(1000)
                    .and_then(|v| v.checked_add(total))
                {
                    Some(v) if v < 1_000_000_000 => {
                        total = v;
                        cur = 0;
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            break;
        }
        last = Some(c);
        i += 1;
        out.push((
            i,
            Num {
                major: total + cur,
                minor: None,
            },
        ));
    }
    // "five point one"
    if let Some(&(end, n)) = out.last()
        && toks.get(end) == Some(&"point")
        && let Some(d) = toks
            .get(end + 1)
            .and_then(|w| digit(w).or_else(|| w.parse::<u64>().ok()))
    {
        out.push((
            end + 2,
            Num {
                major: n.major,
                minor: Some(d as u32),
            },
        ));
    }
    // Digit sequence: "one oh one" = 101, "two five" = 25.
    let mut j = pos;
    let mut value = 0u64;
    while let Some(d) = toks.get(j).and_then(|w| digit(w)) {
        if j - pos >= 9 {
            break;
        }
        value = value * 10 + d;
        j += 1;
        if j - pos >= 2 {
            out.push((
                j,
                Num {
                    major: value,
                    minor: None,
                },
            ));
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.0));
    out.dedup_by_key(|c| c.0);
    out
}

fn unit_seconds(w: &str) -> Option<i64> {
    Some(match w {
        "second" | "seconds" | "sec" | "secs" | "s" => 1,
        "minute" | "minutes" | "min" | "mins" => 60,
        "hour" | "hours" | "hr" | "hrs" => 3600,
        _ => return None,
    })
}

/// Every reading of a duration at `pos`: `(end, seconds)`, longest first.
/// "30 seconds", "a minute", "half a minute", "a minute and a half", "2 minutes 30 seconds",
/// "a couple of minutes", "ninety seconds".
pub fn durations_at(toks: &[&str], pos: usize) -> Vec<(usize, i64)> {
    let mut out = Vec::new();
    single_durations(toks, pos, &mut out);
    // Compound: "<dur> [and] <dur>" with a smaller second unit.
    let firsts = out.clone();
    for (end, secs) in firsts {
        let mut k = end;
        if toks.get(k) == Some(&"and") {
            k += 1;
        }
        // "a minute and a half"
        if toks.get(k) == Some(&"a") && toks.get(k + 1) == Some(&"half") && k > end {
            let unit = secs_unit(secs);
            out.push((k + 2, secs + unit / 2));
            continue;
        }
        let mut more = Vec::new();
        single_durations(toks, k, &mut more);
        for (e2, s2) in more {
            if s2 < secs_unit(secs) {
                out.push((e2, secs + s2));
            }
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.0));
    out.dedup_by_key(|c| c.0);
    out
}

fn secs_unit(secs: i64) -> i64 {
    if secs % 3600 == 0 {
        3600
    } else if secs % 60 == 0 {
        60
    } else {
        1
    }
}

fn single_durations(toks: &[&str], pos: usize, out: &mut Vec<(usize, i64)>) {
    let w = |i: usize| toks.get(i).copied().unwrap_or("");
    // "half a minute", "half an hour"
    if w(pos) == "half"
        && matches!(w(pos + 1), "a" | "an")
        && let Some(u) = unit_seconds(w(pos + 2))
    {
        out.push((pos + 3, u / 2));
    }
    // "a minute", "an hour"
    if matches!(w(pos), "a" | "an") {
        if let Some(u) = unit_seconds(w(pos + 1)) {
            out.push((pos + 2, u));
        }
        // "a couple of minutes", "a few seconds"
        let (n, skip) = match (w(pos + 1), w(pos + 2)) {
            ("couple", "of") => (2, 3),
            ("couple", _) => (2, 2),
            ("few", _) => (3, 2),
            _ => (0, 0),
        };
        if n > 0
            && let Some(u) = unit_seconds(w(pos + skip))
        {
            out.push((pos + skip + 1, n * u));
        }
    }
    for (end, n) in numbers_at(toks, pos) {
        if let Some(u) = unit_seconds(w(end)) {
            let secs = (n.value() * u as f64).round() as i64;
            if secs > 0 && secs <= 24 * 3600 {
                out.push((end + 1, secs));
            }
        }
    }
}

/// Rewrites number words as digits, for matching channel names ("BBC One" = "bbc 1").
pub fn digits_for_words(toks: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        // Single digit-words only as standalone numbers: "one piece" stays readable as "1 piece".
        match numbers_at(toks, i).first() {
            Some(&(end, n)) if class(toks[i]).is_some() || parse_digits(toks[i]).is_some() => {
                out.push(match n.minor {
                    Some(m) => format!("{}.{m}", n.major),
                    None => n.major.to_string(),
                });
                i = end;
            }
            _ => {
                out.push(toks[i].to_owned());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(s: &str) -> Option<(usize, f64)> {
        let t: Vec<&str> = s.split(' ').collect();
        numbers_at(&t, 0).first().map(|(e, n)| (*e, n.value()))
    }

    #[test]
    fn spoken_numbers() {
        assert_eq!(first("twenty five"), Some((2, 25.0)));
        assert_eq!(first("one hundred and five"), Some((4, 105.0)));
        assert_eq!(first("a hundred"), Some((2, 100.0)));
        assert_eq!(first("one oh one"), Some((3, 101.0)));
        assert_eq!(first("five point one"), Some((3, 5.1)));
        assert_eq!(first("seventy five percent"), Some((2, 75.0)));
        assert_eq!(first("two thousand and twenty four"), Some((5, 2024.0)));
        assert_eq!(first("75"), Some((1, 75.0)));
        assert_eq!(first("5.1"), Some((1, 5.1)));
        assert_eq!(first("bbc"), None);
    }

    #[test]
    fn spoken_durations() {
        let d = |s: &str| {
            let t: Vec<&str> = s.split(' ').collect();
            durations_at(&t, 0).first().copied()
        };
        assert_eq!(d("30 seconds"), Some((2, 30)));
        assert_eq!(d("a minute"), Some((2, 60)));
        assert_eq!(d("half a minute"), Some((3, 30)));
        assert_eq!(d("a minute and a half"), Some((5, 90)));
        assert_eq!(d("two minutes thirty seconds"), Some((4, 150)));
        assert_eq!(d("a couple of minutes"), Some((4, 120)));
        assert_eq!(d("ninety seconds"), Some((2, 90)));
        assert_eq!(d("seconds"), None);
    }
}
