//! Several sources: the main playlist and more, loaded as the app loads them (files here),
//! merged into one lineup.

use crate::sources::fetch::Progress;
use crate::sources::{Origin, load};

#[test]
fn more_playlists_are_merged_and_a_broken_one_is_named() {
    let dir = std::env::temp_dir().join(format!("prism-more-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.m3u");
    let b = dir.join("b.m3u");
    std::fs::write(
        &a,
        "#EXTM3U\n#EXTINF:-1 tvg-id=\"one.x\",One\nhttp://a/one\n#EXTINF:-1,Two\nhttp://a/two\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "#EXTM3U\n#EXTINF:-1 tvg-id=\"ONE.x\",One HD\nhttp://b/one\n#EXTINF:-1,Three\nhttp://b/three\n",
    )
    .unwrap();
    let missing = dir.join("gone.m3u").display().to_string();
    let lineup = load(
        Origin::Playlist(a.display().to_string()),
        Vec::new(),
        &[b.display().to_string(), missing.clone()],
        &[],
        None,
        &Progress::default(),
    )
    .unwrap();
    let names: Vec<&str> = lineup.channels().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["One", "Two", "Three"]);
    let one: Vec<&str> = lineup.channels()[0]
        .streams
        .iter()
        .map(|s| s.url.as_str())
        .collect();
    assert_eq!(
        one,
        ["http://a/one", "http://b/one"],
        "the second provider's is a backup"
    );
    assert!(
        lineup
            .playlist
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with(&missing)),
        "{:?}",
        lineup.playlist.diagnostics
    );
    let _ = std::fs::remove_dir_all(&dir);
}
