//! The recordings screen (W) and playing a recording: the folder listed newest first, OK
//! plays through `PlayRecording`, Delete asks before it removes, and names never reach
//! outside the folder.

use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use super::Harness;
use crate::app::Screen;
use crate::screens::recordings::Shelf;
use crate::tv::player::Op;
use crate::tv::{Executed, Outcome};

fn folder(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("prism-recs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn harness(dir: &std::path::Path) -> Harness {
    let mut h = Harness::with(super::demo_playlist(), |app| {
        app.add_plugins(crate::screens::recordings::plugin);
    });
    h.app
        .world_mut()
        .resource_mut::<crate::settings::Settings>()
        .recordings = Some(dir.to_path_buf());
    h.settle();
    h
}

#[test]
fn the_shelf_lists_newest_first_plays_and_deletes_after_asking() {
    let dir = folder("shelf");
    std::fs::write(dir.join("Prism News - Old - 2026-12-01 20.00.mkv"), b"old").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        dir.join("Prism Sports - Match - 2026-12-03 20.00.mkv"),
        b"new",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), b"not a recording").unwrap();
    let mut h = harness(&dir);
    h.key(KeyCode::KeyW);
    assert_eq!(h.screen(), Screen::Recordings);
    let names: Vec<String> = h
        .app
        .world()
        .resource::<Shelf>()
        .items
        .iter()
        .map(|i| i.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "Prism Sports - Match - 2026-12-03 20.00",
            "Prism News - Old - 2026-12-01 20.00"
        ]
    );
    assert!(h.texts().iter().any(|t| t.contains("Prism Sports - Match")));
    // Delete asks; Back keeps it.
    h.key(KeyCode::Delete);
    assert!(
        h.texts()
            .iter()
            .any(|t| t.starts_with("Delete Prism Sports"))
    );
    h.key(KeyCode::Escape);
    assert_eq!(
        h.screen(),
        Screen::Recordings,
        "Back answered the question only"
    );
    assert!(
        dir.join("Prism Sports - Match - 2026-12-03 20.00.mkv")
            .exists()
    );
    // Delete, OK: gone.
    h.key(KeyCode::Delete);
    h.key(KeyCode::Enter);
    assert!(
        !dir.join("Prism Sports - Match - 2026-12-03 20.00.mkv")
            .exists()
    );
    assert_eq!(h.app.world().resource::<Shelf>().items.len(), 1);
    // OK plays the one left, as a file.
    h.player.clear();
    h.key(KeyCode::Enter);
    assert_eq!(h.screen(), Screen::Watching);
    let ops = h.ops();
    let Some(Op::Play(url)) = ops.last() else {
        panic!("{ops:?}")
    };
    assert!(
        url.starts_with("file:///") && url.ends_with("2026-12-01%2020.00.mkv"),
        "{url}"
    );
    assert_eq!(
        h.tv().replay.as_deref(),
        Some("Prism News - Old - 2026-12-01 20.00")
    );
    // Back returns to the channel, live.
    h.player.clear();
    h.key(KeyCode::Backspace);
    assert!(h.tv().replay.is_none());
    assert!(
        matches!(h.ops().last(), Some(Op::Play(u)) if u.starts_with("http")),
        "{:?}",
        h.ops()
    );
}

#[test]
fn a_name_never_reaches_outside_the_folder() {
    let dir = folder("outside");
    let mut h = harness(&dir);
    h.player.clear();
    for name in ["../secret", "/etc/passwd", "missing"] {
        h.cmd(M::PlayRecording { name: name.into() });
        let e = h.take::<Executed>();
        assert!(
            matches!(&e[0].outcome, Outcome::NoRecording(_)),
            "{name}: {e:?}"
        );
    }
    assert!(h.ops().is_empty(), "{:?}", h.ops());
}
