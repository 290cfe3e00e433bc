//! User-facing text through Fluent (`locales/<lang>/prism.ftl`). English is compiled in and
//! complete; a translation for `$LANG` next to the binary's `locales/` (or `$PRISM_LOCALES`)
//! overrides it message by message.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

const EN_US: &str = include_str!("../locales/en-US/prism.ftl");

struct Locales {
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

fn locales() -> &'static Locales {
    static L: OnceLock<Locales> = OnceLock::new();
    L.get_or_init(|| {
        let mut bundles = Vec::new();
        // LANG=de_DE.UTF-8 → de-DE
        let lang = std::env::var("LANG").unwrap_or_default();
        let lang = lang.split('.').next().unwrap_or("").replace('_', "-");
        let dir = std::env::var_os("PRISM_LOCALES")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/locales").into());
        if !lang.is_empty() && lang != "en-US" {
            let short = lang.split('-').next().unwrap_or("").to_owned();
            for l in [lang.clone(), short] {
                if let Ok(text) = std::fs::read_to_string(dir.join(&l).join("prism.ftl"))
                    && let Some(b) = bundle(&l, text)
                {
                    bundles.push(b);
                    break;
                }
            }
        }
        bundles.push(bundle("en-US", EN_US.to_owned()).expect("en-US.ftl is valid"));
        Locales { bundles }
    })
}

/// The text for `id` with `args`, from the first locale that has it.
pub fn tr(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    for b in &locales().bundles {
        if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return b
                .format_pattern(pattern, Some(&fa), &mut errors)
                .into_owned();
        }
    }
    id.to_owned()
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
        for (i, _) in src.match_indices("t!(") {
            // `format!(` ends in `t!(` too: only a bare `t!` counts.
            let before = src[..i].chars().last().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' {
                continue;
            }
            let Some(rest) = src[i + 3..].trim_start().strip_prefix('"') else {
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
