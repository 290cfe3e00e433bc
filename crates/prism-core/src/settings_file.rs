//! Reading a settings file that a person may have edited by hand. Every field that can be read
//! is kept; a field whose value cannot be read is left at its default, and a line that is not
//! TOML is skipped, each reported with its line, its key and the value used instead; keys the
//! program does not know are reported too, never fatal. One typo must not cost a user their
//! playlist, favourites and volume.

use serde::{Serialize, de::DeserializeOwned};

/// What was wrong with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not TOML: the line was skipped.
    Syntax,
    /// TOML, but not a value the field can take: the field keeps its default.
    Value,
    /// A key the program does not know (a typo, or one from another version): ignored.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based; 0 when the reader could not say where.
    pub line: usize,
    /// The dotted key (`voice.language`), or empty when the line has none.
    pub key: String,
    pub fault: Fault,
    /// The TOML reader's own words.
    pub message: String,
    /// What the field holds instead, as TOML (`80`, `"720p"`); `None` when it is left unset
    /// (or for an unknown key, which has no field).
    pub used: Option<String>,
}

/// Reads `text` as a `T`, keeping what can be kept. The problems come in line order.
pub fn load<T: DeserializeOwned + Serialize + Default>(text: &str) -> (T, Vec<Problem>) {
    let original: Vec<&str> = text.split('\n').collect();
    // Lines are blanked, never removed, so every span and line number stays the file's own.
    let mut lines: Vec<String> = original.iter().map(|l| (*l).to_owned()).collect();
    let mut problems = Vec::new();
    // Each pass blanks at least one line that was not blank, or gives up.
    for _ in 0..=lines.len() {
        let doc = lines.join("\n");
        let (error, fault) = match toml::Deserializer::parse(&doc) {
            Err(e) => (e, Fault::Syntax),
            Ok(de) => {
                let mut unknown = Vec::new();
                match serde_ignored::deserialize(de, |path| unknown.push(path.to_string())) {
                    Ok(value) => {
                        finish(&value, &original, &mut problems, unknown);
                        return (value, problems);
                    }
                    Err(e) => (e, Fault::Value),
                }
            }
        };
        let Some(span) = error.span() else {
            break_with(&mut problems, fault, error.message());
            return (T::default(), problems);
        };
        let first = line_of(&doc, span.start);
        let mut last = line_of(&doc, span.end.saturating_sub(1).max(span.start));
        // A whole table that cannot be read goes with its header: blanking the header alone
        // would hand its keys to the table above it.
        if is_header(&lines[first]) {
            last = (first + 1..lines.len())
                .find(|&i| is_header(&lines[i]))
                .map_or(lines.len() - 1, |i| i - 1);
        }
        if lines[first..=last].iter().all(|l| l.trim().is_empty()) {
            break_with(&mut problems, fault, error.message());
            return (T::default(), problems);
        }
        problems.push(Problem {
            line: first + 1,
            key: key_at(&lines, first),
            fault,
            message: error.message().trim().to_owned(),
            used: None,
        });
        for line in &mut lines[first..=last] {
            line.clear();
        }
    }
    break_with(&mut problems, Fault::Syntax, "too many problems");
    (T::default(), problems)
}

/// Nothing could be read: one problem that says so (the file is kept; the caller starts on the
/// defaults).
fn break_with(problems: &mut Vec<Problem>, fault: Fault, message: &str) {
    problems.push(Problem {
        line: 0,
        key: String::new(),
        fault,
        message: message.trim().to_owned(),
        used: None,
    });
}

/// Fills in what each bad field holds now, and adds the unknown keys with their lines.
fn finish<T: Serialize>(
    value: &T,
    original: &[&str],
    problems: &mut Vec<Problem>,
    unknown: Vec<String>,
) {
    let now = toml::Value::try_from(value).ok();
    for p in problems.iter_mut() {
        if p.key.is_empty() {
            continue;
        }
        p.used = now.as_ref().and_then(|v| lookup(v, &p.key)).map(render);
    }
    for key in unknown {
        problems.push(Problem {
            line: line_of_key(original, &key).map_or(0, |l| l + 1),
            key,
            fault: Fault::Unknown,
            message: "unknown key".into(),
            used: None,
        });
    }
    problems.sort_by_key(|p| (p.line == 0, p.line));
}

fn line_of(doc: &str, at: usize) -> usize {
    doc.as_bytes()[..at.min(doc.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn is_header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

/// `[a.b]` or `[[a]]` → `a.b` / `a`.
fn header_path(line: &str) -> String {
    let inner = line.trim().trim_start_matches('[');
    let inner = inner.split(']').next().unwrap_or("");
    dotted(inner)
}

/// A key as written (`a . "b c"`) as one dotted path (`a.b c`).
fn dotted(key: &str) -> String {
    key.split('.')
        .map(|p| p.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// The dotted key a line sets, with its table's header in front.
fn key_at(lines: &[String], at: usize) -> String {
    let line = &lines[at];
    if is_header(line) {
        return header_path(line);
    }
    let table = lines[..at]
        .iter()
        .rev()
        .find(|l| is_header(l))
        .map(|h| header_path(h))
        .unwrap_or_default();
    let Some((key, _)) = line.split_once('=') else {
        return table;
    };
    let key = dotted(key);
    if key.is_empty() || key.contains(char::is_whitespace) && !key.contains('.') {
        // Words that are not a key (a stray sentence): name the table only.
        return table;
    }
    if table.is_empty() {
        key
    } else {
        format!("{table}.{key}")
    }
}

/// Where `key` (dotted, as serde_ignored writes it) is set in the file.
fn line_of_key(lines: &[&str], key: &str) -> Option<usize> {
    let mut table = String::new();
    for (i, line) in lines.iter().enumerate() {
        if is_header(line) {
            table = header_path(line);
            if table == key {
                return Some(i);
            }
            continue;
        }
        let Some((k, _)) = line.split_once('=') else {
            continue;
        };
        let k = dotted(k);
        let full = if table.is_empty() {
            k
        } else {
            format!("{table}.{k}")
        };
        if full == key {
            return Some(i);
        }
    }
    None
}

fn lookup<'a>(value: &'a toml::Value, key: &str) -> Option<&'a toml::Value> {
    key.split('.').try_fold(value, |v, part| v.get(part))
}

/// A value as it would be written in the file, kept short enough for a message.
fn render(value: &toml::Value) -> String {
    let s = value.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Voice {
        language: String,
        speed: f32,
    }

    impl Default for Voice {
        fn default() -> Self {
            Self {
                language: "en".into(),
                speed: 1.0,
            }
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Login {
        server: String,
        password: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct S {
        volume: u8,
        muted: bool,
        playlist: Option<String>,
        favourites: Vec<String>,
        voice: Voice,
        xtream: Option<Login>,
        #[serde(alias = "more_playlists")]
        more: Vec<String>,
    }

    impl Default for S {
        fn default() -> Self {
            Self {
                volume: 80,
                muted: false,
                playlist: None,
                favourites: vec![],
                voice: Voice::default(),
                xtream: None,
                more: vec![],
            }
        }
    }

    #[test]
    fn a_good_file_has_no_problems() {
        let (s, problems): (S, _) =
            load("volume = 30\nmore_playlists = [\"a.m3u\"]\n[voice]\nlanguage = \"de\"\n");
        assert_eq!(problems, vec![]);
        assert_eq!(s.volume, 30);
        assert_eq!(s.more, ["a.m3u"]);
        assert_eq!(s.voice.language, "de");
    }

    #[test]
    fn a_bad_value_keeps_every_other_field_and_says_what_was_used() {
        let text = "volume = \"loud\"\nplaylist = \"/tv/list.m3u\"\nfavourites = [\"BBC\"]\n\
                    [voice]\nlanguage = \"es\"\nspeed = \"fast\"\n";
        let (s, problems): (S, _) = load(text);
        assert_eq!(s.playlist.as_deref(), Some("/tv/list.m3u"));
        assert_eq!(s.favourites, ["BBC"]);
        assert_eq!(s.voice.language, "es");
        assert_eq!((s.volume, s.voice.speed), (80, 1.0));
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert_eq!(
            (
                problems[0].line,
                problems[0].key.as_str(),
                problems[0].fault
            ),
            (1, "volume", Fault::Value)
        );
        assert!(problems[0].message.contains("string"), "{problems:?}");
        assert_eq!(problems[0].used.as_deref(), Some("80"));
        assert_eq!(
            (problems[1].line, problems[1].key.as_str()),
            (6, "voice.speed")
        );
        assert_eq!(problems[1].used.as_deref(), Some("1.0"));
    }

    #[test]
    fn a_line_that_is_not_toml_is_skipped_and_the_rest_read() {
        let text = "volume = 12\nthis is not toml\nmuted = true\nplaylist = \"unterminated\n";
        let (s, problems): (S, _) = load(text);
        assert_eq!((s.volume, s.muted), (12, true));
        let lines: Vec<_> = problems.iter().map(|p| (p.line, p.fault)).collect();
        assert_eq!(
            lines,
            [(2, Fault::Syntax), (4, Fault::Syntax)],
            "{problems:#?}"
        );
        assert_eq!(problems[1].key, "playlist");
        assert_eq!(problems[1].used, None, "left unset");
    }

    #[test]
    fn unknown_keys_are_reported_with_their_lines_and_do_no_harm() {
        let text = "volum = 3\nvolume = 4\n[voice]\nlanguag = \"fr\"\n";
        let (s, problems): (S, _) = load(text);
        assert_eq!(s.volume, 4);
        let got: Vec<_> = problems
            .iter()
            .map(|p| (p.line, p.key.as_str(), p.fault))
            .collect();
        assert_eq!(
            got,
            [
                (1, "volum", Fault::Unknown),
                (4, "voice.languag", Fault::Unknown)
            ]
        );
    }

    #[test]
    fn a_table_missing_a_required_field_goes_whole_and_the_tables_after_it_stay() {
        let text = "volume = 5\n[xtream]\nserver = \"http://x\"\n[voice]\nlanguage = \"de\"\n";
        let (s, problems): (S, _) = load(text);
        assert_eq!(s.volume, 5);
        assert_eq!(s.xtream, None);
        assert_eq!(s.voice.language, "de");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!((problems[0].line, problems[0].key.as_str()), (2, "xtream"));
        assert!(problems[0].message.contains("password"), "{problems:?}");
    }

    #[test]
    fn a_table_given_as_a_value_and_a_duplicate_key_are_reported() {
        let text = "voice = 3\nvolume = 1\nvolume = 2\n";
        let (s, problems): (S, _) = load(text);
        assert_eq!(s.voice, S::default().voice);
        let got: Vec<_> = problems.iter().map(|p| (p.line, p.key.as_str())).collect();
        assert_eq!(got, [(1, "voice"), (3, "volume")], "{problems:#?}");
        assert_eq!(s.volume, 1, "the first of two is kept");
    }

    #[test]
    fn garbage_gives_the_defaults_and_problems_never_a_panic() {
        for text in [
            "\u{0}\u{1}",
            "[[[",
            "a = [1, 2",
            "= = =",
            "\"",
            "[voice]\n[voice]",
        ] {
            let (s, problems): (S, _) = load(text);
            assert!(!problems.is_empty(), "{text:?}");
            let _ = s;
        }
        let (s, problems): (S, _) = load("");
        assert_eq!((s, problems), (S::default(), vec![]));
    }
}
