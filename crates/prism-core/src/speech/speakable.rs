//! Text made speakable before it is phonemised: numbers, times, decimals, percentages,
//! ordinals and channel numbers ("5.1" as "five point one"), and the abbreviations a TV
//! guide is full of ("BBC", "TV", "Dr.", "vs."). espeak-ng reads digits too, but in ways a
//! TV voice should not ("1982" as a number, "9:30" as "nine thirty" only sometimes), so the
//! choice is made here, where it is tested.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Abbreviations read as words (`Dr.`), or letter by letter where that is how they are said.
const WORDS: [(&str, &str); 12] = [
    ("Dr.", "Doctor"),
    ("Mr.", "Mister"),
    ("Mrs.", "Missus"),
    ("St.", "Saint"),
    ("vs.", "versus"),
    ("vs", "versus"),
    ("etc.", "et cetera"),
    ("e.g.", "for example"),
    ("i.e.", "that is"),
    ("approx.", "approximately"),
    ("&", "and"),
    ("No.", "number"),
];

/// Cardinal number in words (up to the billions; beyond, digit by digit).
pub fn number_words(n: u64) -> String {
    fn below_thousand(n: u64, out: &mut Vec<String>) {
        let (h, r) = (n / 100, n % 100);
        if h > 0 {
            out.push(format!("{} hundred", ONES[h as usize]));
        }
        if r > 0 {
            if h > 0 {
                out.push("and".into());
            }
            if r < 20 {
                out.push(ONES[r as usize].into());
            } else if r % 10 == 0 {
                out.push(TENS[(r / 10) as usize].into());
            } else {
                out.push(format!(
                    "{}-{}",
                    TENS[(r / 10) as usize],
                    ONES[(r % 10) as usize]
                ));
            }
        }
    }
    if n == 0 {
        return "zero".into();
    }
    if n >= 1_000_000_000_000 {
        return digits(&n.to_string());
    }
    let mut out = Vec::new();
    for (scale, name) in [
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ] {
        if !(n / scale).is_multiple_of(1000) {
            below_thousand(n / scale % 1000, &mut out);
            out.push(name.into());
        }
    }
    // "two thousand and five": British usage, as in "one hundred and five".
    if n >= 1000 && (1..100).contains(&(n % 1000)) {
        out.push("and".into());
    }
    below_thousand(n % 1000, &mut out);
    out.join(" ")
}

fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| ONES[d as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A year the way it is said: 1982 → "nineteen eighty-two", 2005 → "two thousand and five".
fn year_words(y: u64) -> String {
    let (hi, lo) = (y / 100, y % 100);
    if (2000..2010).contains(&y) || lo == 0 && hi % 10 == 0 {
        return number_words(y);
    }
    if lo == 0 {
        return format!("{} hundred", number_words(hi));
    }
    let lo = if lo < 10 {
        format!("oh {}", ONES[lo as usize])
    } else {
        number_words(lo)
    };
    format!("{} {lo}", number_words(hi))
}

fn ordinal(n: u64) -> String {
    let w = number_words(n);
    let irregular = [
        ("one", "first"),
        ("two", "second"),
        ("three", "third"),
        ("five", "fifth"),
        ("eight", "eighth"),
        ("nine", "ninth"),
        ("twelve", "twelfth"),
    ];
    for (a, b) in irregular {
        if let Some(stem) = w.strip_suffix(a) {
            return format!("{stem}{b}");
        }
    }
    if let Some(stem) = w.strip_suffix('y') {
        return format!("{stem}ieth");
    }
    format!("{w}th")
}

/// One token (a run of non-space characters) made speakable.
fn token(t: &str) -> String {
    for (abbr, word) in WORDS {
        if t == abbr {
            return word.into();
        }
    }
    // Split off trailing punctuation, keep it for the phonemiser's pauses.
    let end = t.trim_end_matches([',', '.', '!', '?', ';', ':', ')', '"']);
    let (core, tail) = t.split_at(end.len());
    let start = core.trim_start_matches(['(', '"']);
    let (head, core) = core.split_at(core.len() - start.len());
    if core.is_empty() || !core.chars().any(|c| c.is_ascii_digit()) {
        // Short all-capital words are initialisms: "BBC", "TV", "HD" are spelled out (longer
        // ones, "NEWS", are more often shouted words).
        if (2..=3).contains(&core.len()) && core.chars().all(|c| c.is_ascii_uppercase()) {
            let spelled = core.chars().map(String::from).collect::<Vec<_>>().join(" ");
            return format!("{head}{spelled}{tail}");
        }
        return t.into();
    }
    let said = if let Some((h, m)) = core.split_once(':')
        && let (Ok(h), Ok(m)) = (h.parse::<u64>(), m.parse::<u64>())
        && h < 24
        && m < 60
    {
        // A clock time.
        match m {
            0 => format!("{} o'clock", number_words(h)),
            1..=9 => format!("{} oh {}", number_words(h), number_words(m)),
            _ => format!("{} {}", number_words(h), number_words(m)),
        }
    } else if let Some(p) = core.strip_suffix('%') {
        format!("{} percent", token(p))
    } else if let Some(n) = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| core.strip_suffix(s)?.parse::<u64>().ok())
    {
        ordinal(n)
    } else if let Some((a, b)) = core.split_once('.')
        && let (Ok(a), true) = (
            a.parse::<u64>(),
            !b.is_empty() && b.chars().all(|c| c.is_ascii_digit()),
        )
    {
        format!("{} point {}", number_words(a), digits(b))
    } else if let Ok(n) = core.replace(',', "").parse::<u64>() {
        if core.len() == 4 && (1100..2100).contains(&n) && !core.contains(',') {
            year_words(n)
        } else {
            number_words(n)
        }
    } else {
        // Mixed letters and digits ("4K", "S02E05"): digits said one by one in place.
        core.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => format!(" {} ", ONES[d as usize]),
                None => c.to_string(),
            })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{head}{said}{tail}")
}

/// The sentence as words a voice reads well.
pub fn speakable(text: &str) -> String {
    text.split_whitespace()
        .map(token)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_say_them() {
        assert_eq!(number_words(0), "zero");
        assert_eq!(number_words(15), "fifteen");
        assert_eq!(number_words(42), "forty-two");
        assert_eq!(number_words(100), "one hundred");
        assert_eq!(number_words(305), "three hundred and five");
        assert_eq!(number_words(12_000), "twelve thousand");
        assert_eq!(
            number_words(2_500_001),
            "two million five hundred thousand and one"
        );
        assert_eq!(year_words(1982), "nineteen eighty-two");
        assert_eq!(year_words(2005), "two thousand and five");
        assert_eq!(year_words(1905), "nineteen oh five");
        assert_eq!(year_words(1900), "nineteen hundred");
        assert_eq!(ordinal(1), "first");
        assert_eq!(ordinal(22), "twenty-second");
        assert_eq!(ordinal(20), "twentieth");
        assert_eq!(ordinal(11), "eleventh");
    }

    #[test]
    fn a_guide_sentence_becomes_speakable() {
        assert_eq!(
            speakable("Dr. Who on BBC One at 9:30, then the 2nd film (1982) in 4K & HD."),
            "Doctor Who on B B C One at nine thirty, then the second film (nineteen eighty-two) \
             in four K and H D."
        );
        assert_eq!(
            speakable("Volume 75%. Channel 5.1 at 7:05 vs. 10:00!"),
            "Volume seventy-five percent. Channel five point one at seven oh five versus ten o'clock!"
        );
        assert_eq!(speakable("  spaced   out  "), "spaced out");
        assert_eq!(
            speakable("1,250 viewers"),
            "one thousand two hundred and fifty viewers"
        );
    }
}
