//! Where Prism's read-only data (locales, assets) is, found at run time so an installed binary
//! works as well as one run from the checkout: `$PRISM_DATA_DIR`; else beside the binary, as
//! installed (`/usr/bin/prism` → `/usr/share/prism`) or unpacked (an AppDir's `usr/bin` or
//! a folder holding `prism` and `locales/` together); else the checkout it was built from (a
//! development build); else `/usr/share/prism`.

use std::path::{Path, PathBuf};

/// The data folder (see the module's comment); found once.
pub fn data_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        resolve(
            std::env::var_os("PRISM_DATA_DIR").map(PathBuf::from),
            std::env::current_exe().ok(),
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
    })
}

/// A folder is Prism's data when it has the locales.
fn is_data(dir: &Path) -> bool {
    dir.join("locales")
        .join("en-US")
        .join("prism.ftl")
        .is_file()
}

fn resolve(env: Option<PathBuf>, exe: Option<PathBuf>, checkout: &Path) -> PathBuf {
    if let Some(dir) = env {
        return dir;
    }
    let beside = exe
        .as_deref()
        .and_then(Path::parent)
        .map(|bin| {
            let share = bin.parent().map(|p| p.join("share").join("prism"));
            [share, Some(bin.to_path_buf())]
        })
        .into_iter()
        .flatten()
        .flatten();
    beside
        .chain([checkout.to_path_buf()])
        .find(|d| is_data(d))
        .unwrap_or_else(|| PathBuf::from("/usr/share/prism"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(dir: &Path) {
        let l = dir.join("locales").join("en-US");
        std::fs::create_dir_all(&l).unwrap();
        std::fs::write(l.join("prism.ftl"), "muted = Muted\n").unwrap();
    }

    #[test]
    fn installed_unpacked_and_development_builds_find_their_data() {
        let root = std::env::temp_dir().join(format!("prism-paths-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let checkout = root.join("checkout");
        data(&checkout);
        // Installed: /usr/bin/prism with /usr/share/prism.
        let usr = root.join("usr");
        data(&usr.join("share/prism"));
        let exe = Some(usr.join("bin/prism"));
        assert_eq!(
            resolve(None, exe.clone(), &checkout),
            usr.join("share/prism")
        );
        // The environment wins over everything.
        assert_eq!(
            resolve(Some(root.join("mine")), exe, &checkout),
            root.join("mine")
        );
        // Unpacked: the binary and its locales side by side.
        let flat = root.join("flat");
        data(&flat);
        assert_eq!(resolve(None, Some(flat.join("prism")), &checkout), flat);
        // A development build (target/debug/prism, nothing beside it): the checkout.
        let target = root.join("target/debug/prism");
        assert_eq!(resolve(None, Some(target.clone()), &checkout), checkout);
        // An installed binary whose build tree is gone: the system's place.
        assert_eq!(
            resolve(None, Some(target), &root.join("gone")),
            PathBuf::from("/usr/share/prism")
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
