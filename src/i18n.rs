//! User-facing text through Fluent (`locales/<lang>/prism.ftl`). English is compiled in and
//! complete; German and Spanish are in the data folder's `locales/` (or `$PRISM_LOCALES`) and
//! chosen by the language setting, else by the environment as gettext reads it (`LC_ALL` >
//! `LC_MESSAGES` > `LANG`, with `LANGUAGE`'s list first; `C`/`POSIX` is English). A message a
//! translation lacks falls back to English. What Lumen says aloud stays in her voice's
//! language ([`spoken`]).

use std::cell::Cell;
use std::sync::{Arc, RwLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

const EN_US: &str = include_str!("../locales/en-US/prism.ftl");

pub(crate) struct Locales {
    /// The user's language first (when there is a file for it), then English.
    bundles: Vec<FluentBundle<FluentResource>>,
}

fn bundle(lang: &str, source: String) -> Option<FluentBundle<FluentResource>> {
    let id: LanguageIdentifier = lang.parse().ok()?;
    let res = FluentResource::try_new(source).ok()?;
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks: the UI font has no glyphs for them.
    b.set_use_isolating(false);
    b.add_resource(res).ok()?;
    Some(b)
}

/// The language a locale variable names, as a tag (`de_DE.UTF-8@euro` → `de-DE`); `C` and
/// `POSIX` name English.
fn tag(locale: &str) -> String {
    let l = locale
        .split(['.', '@'])
        .next()
        .unwrap_or("")
        .replace('_', "-");
    if l == "C" || l == "POSIX" {
        "en-US".into()
    } else {
        l
    }
}

/// The languages wanted, best first, as gettext reads the environment: the locale from
/// `LC_ALL`, else `LC_MESSAGES`, else `LANG`; `LANGUAGE`'s list before it, unless the locale
/// is `C`/`POSIX` (English, whatever `LANGUAGE` says).
pub fn wanted(
    lc_all: Option<&str>,
    lc_messages: Option<&str>,
    lang: Option<&str>,
    language: Option<&str>,
) -> Vec<String> {
    let Some(locale) = [lc_all, lc_messages, lang]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
    else {
        return vec!["en-US".into()];
    };
    let locale = tag(locale);
    let mut out: Vec<String> = Vec::new();
    if locale != "en-US" {
        out.extend(
            language
                .unwrap_or("")
                .split(':')
                .filter(|l| !l.is_empty())
                .map(tag),
        );
    }
    out.push(locale);
    out
}

fn from_env() -> Vec<String> {
    let var = |k: &str| std::env::var(k).ok();
    wanted(
        var("LC_ALL").as_deref(),
        var("LC_MESSAGES").as_deref(),
        var("LANG").as_deref(),
        var("LANGUAGE").as_deref(),
    )
}

/// The bundles for `wanted` (each tag, then its language alone: `de-AT`, `de`), then English.
pub(crate) fn load(wanted: &[String]) -> Locales {
    let mut bundles = Vec::new();
    let dir = std::env::var_os("PRISM_LOCALES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate::paths::data_dir().join("locales"));
    for lang in wanted {
        if lang == "en-US" || lang == "en" {
            break;
        }
        let short = lang.split('-').next().unwrap_or("").to_owned();
        let found = [lang.clone(), short].into_iter().find_map(|l| {
            let text = std::fs::read_to_string(dir.join(&l).join("prism.ftl")).ok()?;
            bundle(&l, text)
        });
        if let Some(b) = found {
            bundles.push(b);
            break;
        }
    }
    bundles.push(bundle("en-US", EN_US.to_owned()).expect("en-US.ftl is valid"));
    Locales { bundles }
}

/// What is on screen, and what Lumen says (her voice's language: English while the only voice
/// installed is English, whatever the screen's language).
struct State {
    screen: Arc<Locales>,
    spoken: Arc<Locales>,
    /// The screen's language as a setting has it ("" = the system's).
    setting: String,
}

static STATE: RwLock<Option<State>> = RwLock::new(None);

thread_local! {
    static SPEAKING: Cell<bool> = const { Cell::new(false) };
}

fn state() -> (Arc<Locales>, Arc<Locales>) {
    if let Some(s) = STATE.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return (s.screen.clone(), s.spoken.clone());
    }
    set_language("");
    state()
}

/// The screen's language: a tag from the settings (`de`, `es`, `en`), or "" for the system's
/// (the environment). Takes effect at once for every text made from now on.
pub fn set_language(setting: &str) {
    let mut st = STATE.write().unwrap_or_else(|e| e.into_inner());
    if st.as_ref().is_some_and(|s| s.setting == setting) {
        return;
    }
    let wanted = if setting.is_empty() {
        from_env()
    } else {
        vec![setting.to_owned()]
    };
    let screen = Arc::new(load(&wanted));
    let spoken = Arc::new(load(&[voice_language().to_owned()]));
    *st = Some(State {
        screen,
        spoken,
        setting: setting.to_owned(),
    });
}

/// The language of the voice Lumen speaks with (the one Prism installs: English).
pub fn voice_language() -> &'static str {
    "en-US"
}

/// The language the screen shows now, as a tag (`en-US`, `de`).
pub fn screen_language() -> String {
    let (screen, _) = state();
    screen.bundles[0].locales[0].to_string()
}

/// Whether text made now is for Lumen to say (inside [`spoken`]).
pub(crate) fn speaking() -> bool {
    SPEAKING.with(Cell::get)
}

/// Text made inside `f` is in Lumen's voice's language: lines she says aloud.
pub fn spoken<T>(f: impl FnOnce() -> T) -> T {
    let before = SPEAKING.with(|s| s.replace(true));
    let out = f();
    SPEAKING.with(|s| s.set(before));
    out
}

/// The text for `id` with `args`, from the first locale that has it.
pub fn tr(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    let (screen, spoken) = state();
    let locales = if speaking() { spoken } else { screen };
    tr_in(&locales, id, &fa)
}

/// The text for `id` from the first of `locales` that has it (the id itself if none has).
pub(crate) fn tr_in(locales: &Locales, id: &str, args: &FluentArgs) -> String {
    for b in &locales.bundles {
        if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return b
                .format_pattern(pattern, Some(args), &mut errors)
                .into_owned();
        }
    }
    id.to_owned()
}

/// A line both shown and said (a reminder, a timer's news): formatted for the screen in its
/// language and for Lumen in her voice's. Made with [`msg!`](crate::msg).
pub struct Line {
    pub id: &'static str,
    pub args: Vec<(&'static str, FluentValue<'static>)>,
}

impl Line {
    pub fn shown(&self) -> String {
        tr(self.id, &self.args)
    }
    pub fn said(&self) -> String {
        spoken(|| tr(self.id, &self.args))
    }
}

/// `msg!(ID, name = value)`: a [`Line`], for text both shown and said.
#[macro_export]
macro_rules! msg {
    ($id:literal) => { $crate::i18n::Line { id: $id, args: Vec::new() } };
    ($id:literal, $($k:ident = $v:expr),+ $(,)?) => {
        $crate::i18n::Line {
            id: $id,
            args: vec![$((stringify!($k), fluent_bundle::FluentValue::from($v))),+],
        }
    };
}

/// `t!` with a message id, and `name = value` arguments if the message has any.
#[macro_export]
macro_rules! t {
    ($id:literal) => { $crate::i18n::tr($id, &[]) };
    ($id:literal, $($k:ident = $v:expr),+ $(,)?) => {
        $crate::i18n::tr($id, &[$((stringify!($k), fluent_bundle::FluentValue::from($v))),+])
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn english_is_complete_and_formats() {
        assert_eq!(t!("muted"), "Muted");
        assert_eq!(
            t!("retrying", seconds = "2.0", attempt = 3),
            "Retrying in 2.0 s (attempt 3)"
        );
        assert_eq!(
            t!(
                "banner-now",
                start = "20:00",
                stop = "21:00",
                title = "News"
            ),
            "Now  20:00-21:00  News"
        );
        // Every id the code uses resolves (an unknown id comes back as itself), in every
        // source file of the app.
        fn sources(dir: &std::path::Path, out: &mut String) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    sources(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push_str(&std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut src = String::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut src,
        );
        let mut checked = 0;
        let uses = src.match_indices("t!(").chain(src.match_indices("msg!("));
        for (i, m) in uses {
            // `format!(` ends in `t!(` too: only a bare `t!` counts.
            let before = src[..i].chars().last().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' {
                continue;
            }
            let Some(rest) = src[i + m.len()..].trim_start().strip_prefix('"') else {
                continue;
            };
            let id = rest.split('"').next().unwrap();
            // Only a message id (this test's own `"t!("` is not one).
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                continue;
            }
            assert_ne!(
                super::tr(id, &[]),
                id,
                "{id} is missing from en-US/prism.ftl"
            );
            checked += 1;
        }
        assert!(checked >= 60, "only {checked} ids found");
    }
}
