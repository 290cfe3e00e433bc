//! The translations: every `.ftl` parses without junk; each locale has exactly English's
//! messages and attributes and no variable English lacks; every message formats with sample
//! arguments (plural categories at 0, 1, 2 and 5) without an error; every character drawn is
//! in the UI font. And the language is chosen as gettext chooses it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use fluent_syntax::ast;

use crate::i18n::wanted;

fn locales_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("locales")
}

/// A message's (or attribute's) variables and the text it draws.
#[derive(Default, Debug)]
struct Shape {
    variables: BTreeSet<String>,
    text: String,
}

fn pattern(p: &ast::Pattern<&str>, s: &mut Shape) {
    for e in &p.elements {
        match e {
            ast::PatternElement::TextElement { value } => s.text.push_str(value),
            ast::PatternElement::Placeable { expression } => expression_of(expression, s),
        }
    }
}

fn expression_of(e: &ast::Expression<&str>, s: &mut Shape) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline(selector, s);
            for v in variants {
                pattern(&v.value, s);
            }
        }
        ast::Expression::Inline(i) => inline(i, s),
    }
}

fn inline(i: &ast::InlineExpression<&str>, s: &mut Shape) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            s.variables.insert(id.name.to_owned());
        }
        ast::InlineExpression::StringLiteral { value } => s.text.push_str(value),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline(a, s);
            }
            for a in &arguments.named {
                inline(&a.value, s);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_of(expression, s),
        _ => {}
    }
}

/// Every message and attribute (`id`, `id.attr`) of a locale, with its shape.
fn shapes(source: &str, lang: &str) -> BTreeMap<String, Shape> {
    let res = fluent_syntax::parser::parse(source)
        .unwrap_or_else(|(_, errors)| panic!("{lang}: the file does not parse: {errors:?}"));
    let mut out = BTreeMap::new();
    for entry in &res.body {
        match entry {
            ast::Entry::Message(m) => {
                let mut s = Shape::default();
                if let Some(v) = &m.value {
                    pattern(v, &mut s);
                }
                out.insert(m.id.name.to_owned(), s);
                for a in &m.attributes {
                    let mut s = Shape::default();
                    pattern(&a.value, &mut s);
                    out.insert(format!("{}.{}", m.id.name, a.id.name), s);
                }
            }
            ast::Entry::Junk { content } => panic!("{lang}: junk in prism.ftl: {content:?}"),
            _ => {}
        }
    }
    out
}

fn translations() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(locales_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("prism.ftl").is_file())
        .map(|e| {
            let lang = e.file_name().to_string_lossy().into_owned();
            (
                lang,
                std::fs::read_to_string(e.path().join("prism.ftl")).unwrap(),
            )
        })
        .filter(|(lang, _)| lang != "en-US")
        .collect();
    out.sort();
    out
}

#[test]
fn german_and_spanish_have_exactly_englishs_messages_and_variables() {
    let english = shapes(
        &std::fs::read_to_string(locales_dir().join("en-US/prism.ftl")).unwrap(),
        "en-US",
    );
    let langs = translations();
    let names: Vec<&str> = langs.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, ["de", "es"], "the translations shipped");
    for (lang, source) in &langs {
        let theirs = shapes(source, lang);
        let missing: Vec<&String> = english
            .keys()
            .filter(|k| !theirs.contains_key(*k))
            .collect();
        let extra: Vec<&String> = theirs
            .keys()
            .filter(|k| !english.contains_key(*k))
            .collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(extra.is_empty(), "{lang} has ids English lacks: {extra:?}");
        for (id, shape) in &theirs {
            let unknown: Vec<&String> =
                shape.variables.difference(&english[id].variables).collect();
            assert!(
                unknown.is_empty(),
                "{lang} {id} uses variables English does not give: {unknown:?}"
            );
        }
    }
}

#[test]
fn every_message_formats_with_sample_arguments_in_every_language() {
    let mut checked = 0;
    let all = std::iter::once((
        "en-US".to_owned(),
        std::fs::read_to_string(locales_dir().join("en-US/prism.ftl")).unwrap(),
    ))
    .chain(translations());
    for (lang, source) in all {
        let shaped = shapes(&source, &lang);
        let id: unic_langid::LanguageIdentifier = lang.parse().unwrap();
        let mut bundle = FluentBundle::new(vec![id]);
        bundle.set_use_isolating(false);
        bundle
            .add_resource(FluentResource::try_new(source.clone()).unwrap())
            .unwrap();
        for (key, shape) in &shaped {
            let (msg, attr) = key
                .split_once('.')
                .map_or((key.as_str(), None), |(m, a)| (m, Some(a)));
            let m = bundle.get_message(msg).unwrap();
            let p = match attr {
                Some(a) => m.get_attribute(a).unwrap().value(),
                None => match m.value() {
                    Some(v) => v,
                    None => continue,
                },
            };
            // Numbers for the plural categories, then words (a title, a channel).
            let samples: [FluentValue; 5] =
                [0.into(), 1.into(), 2.into(), 5.into(), "Prism News".into()];
            for sample in samples {
                let mut args = FluentArgs::new();
                for v in &shape.variables {
                    args.set(v.clone(), sample.clone());
                }
                let mut errors = Vec::new();
                let out = bundle.format_pattern(p, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{lang} {key}: {errors:?}");
                assert!(
                    !out.trim().is_empty() || shape.text.trim().is_empty(),
                    "{lang} {key}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 900, "only {checked} messages checked");
}

#[test]
fn every_character_of_every_translation_is_in_the_ui_font() {
    let files = crate::theme::fonts::chain_files(&crate::theme::fonts::fonts_dir());
    let (_, ui) = files
        .first()
        .expect("the UI font (fonts-dejavu-core, which ./x installs)");
    let data = std::fs::read(ui).unwrap();
    let face = ttf_parser::Face::parse(&data, 0).unwrap();
    for (lang, source) in translations() {
        let chars: BTreeSet<char> = shapes(&source, &lang)
            .values()
            .flat_map(|s| s.text.chars())
            .filter(|c| !c.is_control())
            .collect();
        let missing: Vec<char> = chars
            .into_iter()
            .filter(|&c| face.glyph_index(c).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{lang}: no glyph in the UI font for {missing:?}"
        );
    }
}

#[test]
fn the_language_is_chosen_as_gettext_chooses_it() {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(wanted(None, None, None, None), v(&["en-US"]));
    assert_eq!(wanted(None, None, Some("de_DE.UTF-8"), None), v(&["de-DE"]));
    // LC_ALL over LC_MESSAGES over LANG.
    assert_eq!(
        wanted(Some("es_ES.UTF-8"), Some("de_DE"), Some("fr_FR"), None),
        v(&["es-ES"])
    );
    assert_eq!(
        wanted(None, Some("de_AT@euro"), Some("es_ES"), None),
        v(&["de-AT"])
    );
    // An empty variable is as good as none.
    assert_eq!(wanted(Some(""), None, Some("es_MX"), None), v(&["es-MX"]));
    // LANGUAGE's list comes first...
    assert_eq!(
        wanted(None, None, Some("fr_FR.UTF-8"), Some("de:es")),
        v(&["de", "es", "fr-FR"])
    );
    // ...but C and POSIX mean English, whatever it says.
    assert_eq!(wanted(Some("C"), None, None, Some("de")), v(&["en-US"]));
    assert_eq!(wanted(None, None, Some("POSIX"), Some("es")), v(&["en-US"]));
    assert_eq!(wanted(Some("C.UTF-8"), None, None, None), v(&["en-US"]));
}

/// German and Spanish load from the data folder (English filling any gap), and text made for
/// Lumen to say is marked as such only inside `spoken`.
#[test]
fn translations_load_and_lumen_speaks_her_voices_language() {
    let none = FluentArgs::new();
    let said = |lang: &str| {
        let l = crate::i18n::load(&[lang.to_owned()]);
        crate::i18n::tr_in(&l, "muted", &none)
    };
    assert_eq!(said("en-US"), "Muted");
    let (de, es) = (said("de-DE"), said("es"));
    assert!(de != "Muted" && es != "Muted" && de != es, "{de} / {es}");
    assert!(!crate::i18n::speaking());
    assert!(crate::i18n::spoken(crate::i18n::speaking));
    assert!(!crate::i18n::speaking(), "only inside");
    assert_eq!(crate::i18n::voice_language(), "en-US");
}
