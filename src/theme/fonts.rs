//! Text in every script. Bevy's embedded font has the 95 ASCII glyphs only, so "Télé-Québec",
//! "Первый канал", "ΕΡΤ1" or "東京" drew as boxes. The UI font becomes DejaVu Sans (Latin with
//! every diacritic, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic, symbols), from the
//! system package `./x` installs; Droid Sans Fallback (Chinese, Japanese) and NanumGothic
//! (Korean) follow it in a fallback chain for every script. Both are read once at start; if one is missing, Prism
//! says so and keeps the fonts it has.

use std::path::{Path, PathBuf};

use bevy::asset::AssetId;
use bevy::prelude::*;
use bevy::text::{Font, FontCx};

/// The chain, in order: the UI face, then the face for what it lacks.
pub const CHAIN: [(&str, &str); 3] = [
    ("DejaVu Sans", "dejavu/DejaVuSans.ttf"),
    ("Droid Sans Fallback", "droid/DroidSansFallbackFull.ttf"),
    // Droid's fallback has no Hangul.
    ("NanumGothic", "nanum/NanumGothic.ttf"),
];

/// Where the fonts are: `PRISM_FONTS_DIR`, else the system's TrueType folder.
pub fn fonts_dir() -> PathBuf {
    std::env::var_os("PRISM_FONTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/fonts/truetype"))
}

/// The chain's files that exist, in order.
pub fn chain_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    CHAIN
        .iter()
        .map(|(family, rel)| (*family, dir.join(rel)))
        .filter(|(_, p)| p.is_file())
        .collect()
}

/// Keeps the fallback faces alive (an unreferenced font asset is dropped).
#[derive(Resource, Default)]
struct Faces {
    handles: Vec<Handle<Font>>,
    /// The families to register as fallbacks, once Bevy has put them in its collection.
    pending: Vec<&'static str>,
}

pub fn plugin(app: &mut App) {
    let dir = fonts_dir();
    let files = chain_files(&dir);
    let mut faces = Faces::default();
    {
        let mut fonts = app.world_mut().resource_mut::<Assets<Font>>();
        for (i, (family, path)) in files.iter().enumerate() {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    warn!("font {}: {e}", path.display());
                    continue;
                }
            };
            let font = Font::from_bytes(bytes);
            if i == 0 && *family == CHAIN[0].0 {
                // The default handle: every `TextFont` that names no font uses it.
                if fonts.insert(AssetId::default(), font).is_err() {
                    warn!("could not replace the default font");
                }
            } else {
                faces.handles.push(fonts.add(font));
            }
            faces.pending.push(family);
        }
    }
    if files.len() < CHAIN.len() {
        warn!(
            "fonts missing from {} (install fonts-dejavu-core, fonts-droid-fallback and \
             fonts-nanum): some scripts will draw as boxes",
            dir.display()
        );
    }
    app.insert_resource(faces)
        .add_systems(PostUpdate, register_fallbacks);
}

/// Every script falls back along the chain (parley asks for a script's fallbacks when the
/// face in use lacks a character). Runs until Bevy has registered the families.
fn register_fallbacks(mut faces: ResMut<Faces>, font_cx: Option<ResMut<FontCx>>) {
    if faces.pending.is_empty() {
        return;
    }
    let Some(mut font_cx) = font_cx else { return };
    let ids: Vec<_> = faces
        .pending
        .iter()
        .filter_map(|f| font_cx.collection.family_id(f))
        .collect();
    if ids.len() < faces.pending.len() {
        return; // not registered yet: next frame
    }
    for script in SCRIPTS {
        let key = parley::fontique::Script::from_bytes(*script);
        font_cx.collection.set_fallbacks(key, ids.iter().copied());
    }
    info!("fonts: fallback chain {}", faces.pending.join(" → "));
    faces.pending.clear();
}

/// ISO 15924 codes of the scripts channel and programme names are written in.
const SCRIPTS: &[[u8; 4]] = &[
    *b"Latn", *b"Grek", *b"Cyrl", *b"Armn", *b"Geor", *b"Hebr", *b"Arab", *b"Hani", *b"Hira",
    *b"Kana", *b"Hang", *b"Bopo", *b"Thai", *b"Zyyy", *b"Zinh", *b"Zzzz",
];
