//! The house rules, checked on the source: no import circles between `src/`'s top-level
//! modules (each module points one way, producers below consumers), and keys and buttons are
//! bound in `src/input` alone (the autopilot, which presses them, excepted), and every depth
//! comes from the one stacking order (`prism_core::scene::Plane`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module → the top-level modules its files name as `crate::x`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut modules = BTreeMap::new();
    for e in std::fs::read_dir(&root).unwrap().flatten() {
        let p = e.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "main" || name == "lib" {
            continue;
        }
        let mut fs = Vec::new();
        if p.is_dir() {
            files(&p, &mut fs);
        } else if p.extension().is_some_and(|x| x == "rs") {
            fs.push(p);
        } else {
            continue;
        }
        modules.insert(name, fs);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .into_iter()
        .map(|(m, fs)| {
            let mut to = BTreeSet::new();
            for f in fs {
                let text = std::fs::read_to_string(f).unwrap();
                for (i, _) in text.match_indices("crate::") {
                    let rest = &text[i + 7..];
                    let n: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if names.contains(&n) && n != m {
                        to.insert(n);
                    }
                }
            }
            (m, to)
        })
        .collect()
}

#[test]
fn no_top_level_module_imports_one_that_imports_it_back() {
    let edges = imports();
    assert!(edges.len() >= 12, "{edges:?}");
    // Depth-first search for a way back to where it started.
    fn reaches(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(m) = stack.pop() {
            for n in edges.get(&m).into_iter().flatten() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone()) {
                    stack.push(n.clone());
                }
            }
        }
        false
    }
    let circles: Vec<_> = edges
        .iter()
        .flat_map(|(m, to)| to.iter().map(move |n| (m, n)))
        .filter(|(m, n)| reaches(&edges, n, m))
        .collect();
    assert!(circles.is_empty(), "import circles: {circles:?}");
}

#[test]
fn the_shared_layer_imports_no_feature() {
    let edges = imports();
    for low in ["app", "time", "theme", "i18n", "cli", "paths"] {
        assert!(
            edges[low].iter().all(|n| n == "i18n" || n == "paths"),
            "{low} imports {:?}",
            edges[low]
        );
    }
}

/// `src/` files outside the folders `allowed` whose text contains any of `needles`.
fn found_outside(allowed: &[&str], needles: &[&str]) -> Vec<PathBuf> {
    let mut fs = Vec::new();
    files(&src(), &mut fs);
    let root = src();
    fs.into_iter()
        .filter(|f| {
            let rel = f.strip_prefix(&root).unwrap();
            !allowed.iter().any(|a| rel.starts_with(a))
        })
        .filter(|f| {
            let t = std::fs::read_to_string(f).unwrap();
            needles.iter().any(|n| t.contains(n))
        })
        .collect()
}

#[test]
fn keys_and_buttons_are_bound_in_the_input_map_only() {
    let leaks = found_outside(
        &["input", "dev", "tests"],
        &["KeyCode::", "GamepadButton::"],
    );
    assert!(leaks.is_empty(), "bindings outside src/input: {leaks:?}");
}

/// An installed binary has no build tree: data is found at run time (`paths::data_dir`).
#[test]
fn data_is_found_at_run_time_not_in_the_build_tree() {
    let leaks = found_outside(
        &["paths.rs", "tests"],
        &[
            "CARGO_MANIFEST_DIR\"), \"/locales",
            "CARGO_MANIFEST_DIR\"), \"/assets",
        ],
    );
    assert!(
        leaks.is_empty(),
        "build-tree paths outside src/paths.rs: {leaks:?}"
    );
}

#[test]
fn depths_come_from_the_one_stacking_order() {
    let leaks = found_outside(&["theme", "tests"], &["ZIndex("]);
    assert!(
        leaks.is_empty(),
        "depths outside prism_core::scene::Plane (use theme::plane): {leaks:?}"
    );
}
