//! The guide mapping screen (E): the channel's guide channel chosen by search, stored in the
//! settings by tvg-id, and the lineup reloaded with it; the first row goes back to automatic.

use super::*;
use crate::screens::mapping::Mapping;
use crate::sources::Reload;

fn harness() -> Harness {
    let mut h = Harness::with(demo_playlist(), |app| {
        app.add_message::<Reload>()
            .init_resource::<crate::sources::logos::Logos>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::mapping::plugin,
            ));
    });
    h.watch::<Reload>();
    h
}

fn mapping(h: &Harness) -> &Mapping {
    h.app.world().resource::<Mapping>()
}

#[test]
fn e_maps_the_channel_to_a_guide_channel_found_by_search() {
    let mut h = harness();
    h.key(KeyCode::KeyE);
    assert_eq!(h.screen(), Screen::Mapping);
    // It opens on the channel playing, searching for its name.
    assert_eq!(mapping(&h).query, "Prism News");
    let report = h.tv().guide().unwrap().match_report();
    let first = mapping(&h).hits[0];
    assert_eq!(report.guide[first].id, "news.prism.demo");
    // Typing searches (the arrows and the letters do nothing else meanwhile).
    h.key(KeyCode::Delete);
    h.type_text("nature");
    assert_eq!(h.screen(), Screen::Mapping);
    let hits: Vec<&str> = mapping(&h)
        .hits
        .iter()
        .map(|&i| h.tv().guide().unwrap().match_report().guide[i].id.as_str())
        .collect();
    assert_eq!(hits, ["nature.prism.demo"]);
    h.key(KeyCode::Enter);
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(
        h.settings()
            .guide_map
            .get("news.prism.demo")
            .map(String::as_str),
        Some("nature.prism.demo"),
        "stored by the channel's tvg-id"
    );
    assert_eq!(h.take::<Reload>().len(), 1, "the lineup reloads with it");
    assert_eq!(h.watching().as_deref(), Some("Prism News"), "still playing");

    // Again, and the first row forgets the choice.
    h.key(KeyCode::KeyE);
    h.key(KeyCode::ArrowUp);
    assert_eq!(mapping(&h).selected, 0);
    h.key(KeyCode::Enter);
    assert!(h.settings().guide_map.is_empty());
    assert_eq!(h.take::<Reload>().len(), 1);
    // Escape leaves without a change.
    h.key(KeyCode::KeyE);
    h.key(KeyCode::Escape);
    assert_eq!(h.screen(), Screen::Watching);
    assert!(h.take::<Reload>().is_empty());
}
