//! The channel list: favourites, search, opening and closing, with the input map.

use bevy::prelude::*;
use prism_core::command::{ChannelRef, MediaCommand as M};

use super::*;
use crate::input::{Field, TextCapture};
use crate::screens::guide::GuideCursor;
use crate::tv::Outcome;

fn harness() -> Harness {
    Harness::with(demo_playlist(), |app| {
        app.init_resource::<crate::sources::logos::Logos>()
            .add_plugins(crate::screens::guide::plugin);
    })
}

/// The favourites as the channels' names (they are kept by identity).
fn favourites(h: &Harness) -> Vec<String> {
    let tv = h.tv();
    h.settings()
        .favourites
        .iter()
        .map(|f| {
            tv.lineup
                .as_ref()
                .and_then(|l| {
                    l.channels()
                        .iter()
                        .find(|c| c.identity() == *f || c.name == *f)
                })
                .map_or_else(|| format!("? {f}"), |c| c.name.clone())
        })
        .collect()
}

/// Favourites are kept by who the channel is: a provider that renames it ("Prism News" →
/// "UK: Prism News HD", same tvg-id) or moves its stream keeps it a favourite, and one kept by
/// name before is still read.
#[test]
fn a_favourite_survives_the_providers_rename() {
    let mut h = harness();
    h.key(KeyCode::KeyF);
    let kept = h.settings().favourites.clone();
    assert_eq!(
        kept,
        ["newsprismdemo|prismnews"],
        "by tvg-id and folded name"
    );
    let renamed = demo_playlist();
    let mut renamed = renamed;
    renamed.channels[0].name = "UK: Prism News HD".into();
    renamed.channels[0].streams[0].url = "http://elsewhere.example/news/new-token.m3u8".into();
    assert!(h.settings().is_favourite(&renamed.channels[0]));
    assert!(!h.settings().is_favourite(&renamed.channels[1]));
    // A list from before (names) still counts, and a toggle moves it to the identity.
    h.app.world_mut().resource_mut::<Settings>().favourites = vec!["Prism Sports".into()];
    let sports = demo_playlist().channels[1].clone();
    assert!(h.settings().is_favourite(&sports));
    h.app
        .world_mut()
        .resource_mut::<Settings>()
        .set_favourite(&sports, true);
    assert_eq!(h.settings().favourites, [sports.identity()]);
}

#[test]
fn f_adds_the_channel_and_f_again_removes_it() {
    let mut h = harness();
    h.key(KeyCode::KeyF);
    assert_eq!(favourites(&h), ["Prism News"]);
    h.key(KeyCode::KeyF);
    assert!(favourites(&h).is_empty());
}

/// "Add this to my favourites" on a favourite removed it (it was the F key's toggle).
#[test]
fn adding_a_favourite_that_is_one_keeps_it() {
    let mut h = harness();
    h.cmd(M::AddFavourite { channel: None });
    h.cmd(M::AddFavourite { channel: None });
    assert_eq!(favourites(&h), ["Prism News"]);
    let outcomes: Vec<_> = h
        .take::<Executed>()
        .into_iter()
        .map(|e| e.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Favourite {
                name: "Prism News".into(),
                added: true,
                already: false
            },
            Outcome::Favourite {
                name: "Prism News".into(),
                added: true,
                already: true
            }
        ]
    );
}

#[test]
fn remove_from_favourites_removes() {
    let mut h = harness();
    h.cmd(M::AddFavourite { channel: None });
    h.cmd(M::RemoveFavourite { channel: None });
    assert!(favourites(&h).is_empty());
    h.cmd(M::RemoveFavourite { channel: None });
    assert!(favourites(&h).is_empty(), "removing twice adds nothing");
}

#[test]
fn a_named_channel_is_favourited_not_the_current_one() {
    let mut h = harness();
    h.cmd(M::AddFavourite {
        channel: Some(ChannelRef {
            index: 4,
            name: "Prism Kids".into(),
        }),
    });
    assert_eq!(favourites(&h), ["Prism Kids"]);
}

#[test]
fn g_opens_and_closes_the_grid() {
    let mut h = harness();
    h.key(KeyCode::KeyG);
    assert_eq!(h.screen(), Screen::Grid);
    h.key(KeyCode::KeyG);
    assert_eq!(h.screen(), Screen::Watching);
}

#[test]
fn enter_opens_the_list_and_ok_watches_the_chosen_row() {
    let mut h = harness();
    h.key(KeyCode::Enter);
    assert_eq!(h.screen(), Screen::Guide);
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::Enter);
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(h.watching().as_deref(), Some("Prism Music"));
}

#[test]
fn the_list_filters_by_group_with_left_and_right() {
    let mut h = harness();
    h.key(KeyCode::Enter);
    // All, favourites, recently watched, then the groups: News, Sports, ...
    for _ in 0..4 {
        h.key(KeyCode::ArrowRight);
    }
    h.key(KeyCode::ArrowDown); // one channel in Sports: Down wraps onto it
    h.key(KeyCode::Enter);
    assert_eq!(h.watching().as_deref(), Some("Prism Sports"));
}

/// Typing in the search reached the hotkeys: L/K/J/C/V acted while the user typed.
#[test]
fn typing_a_search_finds_channels_and_no_hotkey_acts() {
    let mut h = harness();
    h.key(KeyCode::Slash);
    assert_eq!(h.screen(), Screen::Guide);
    assert!(h.app.world().resource::<TextCapture>().is(Field::Search));
    h.take::<Action>();
    h.type_text("kids");
    assert_eq!(
        h.app.world().resource::<GuideCursor>().query.as_deref(),
        Some("kids")
    );
    h.type_text(" jazz vlc");
    assert!(
        h.take::<Action>().is_empty(),
        "no Lumen, companion or voice key"
    );
    assert!(h.take::<Cmd>().is_empty());
    for _ in 0.." jazz vlc".len() {
        h.key(KeyCode::Backspace);
    }
    h.key(KeyCode::Enter);
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(h.watching().as_deref(), Some("Prism Kids"));
    assert!(!h.app.world().resource::<TextCapture>().active());
}

#[test]
fn escape_leaves_the_search_and_gives_the_keyboard_back() {
    let mut h = harness();
    h.key(KeyCode::Slash);
    h.type_text("zzz");
    h.key(KeyCode::Escape);
    assert!(!h.app.world().resource::<TextCapture>().active());
    assert_eq!(h.app.world().resource::<GuideCursor>().query, None);
    h.key(KeyCode::KeyL);
    assert_eq!(h.take::<Action>(), [Action::ShowLumen]);
}

/// I opens the details of what is on the channel list's channel, and I again closes them.
#[test]
fn i_shows_the_programme_details() {
    let mut h = Harness::with(demo_playlist(), |app| {
        app.init_resource::<crate::sources::logos::Logos>()
            .init_resource::<crate::screens::grid::GridCursor>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::details::plugin,
            ));
    });
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.screen(), Screen::Guide);
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::KeyI);
    h.settle();
    let open = h
        .app
        .world()
        .resource::<crate::screens::details::Details>()
        .open;
    let (channel, _) = open.expect("the details opened");
    assert_eq!(channel, 1, "the list's channel, not the one playing");
    // The harness's guide is built for NOW, not the wall clock the panel reads.
    let (title, facts, desc, _) =
        crate::screens::details::lines(h.tv(), h.settings(), channel, NOW).unwrap();
    let guide = h.tv().guide().unwrap();
    let on = guide.now_next(1, NOW).now.unwrap();
    assert_eq!(title, on.title());
    assert!(facts.starts_with("Prism Sports"), "{facts}");
    assert_eq!(Some(desc.as_str()), on.description());
    h.key(KeyCode::KeyI);
    h.settle();
    assert!(
        h.app
            .world()
            .resource::<crate::screens::details::Details>()
            .open
            .is_none()
    );
}

/// The demo lineup with the channel list, the grid and its search.
fn grid_harness() -> Harness {
    Harness::with(demo_playlist(), |app| {
        app.init_resource::<crate::sources::logos::Logos>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::grid::plugin,
                crate::screens::finder::plugin,
            ));
    })
}

/// `/` in the grid searches programmes (not channel names): the field takes the keyboard,
/// typing fills the query, Escape leaves the search and the grid keeps the arrows again.
#[test]
fn slash_in_the_grid_searches_programmes() {
    let mut h = grid_harness();
    h.key(KeyCode::KeyG);
    h.settle();
    assert_eq!(h.screen(), Screen::Grid);
    h.key(KeyCode::Slash);
    h.settle();
    assert_eq!(h.screen(), Screen::Grid, "the grid stays; no channel list");
    assert!(
        h.app
            .world()
            .resource::<TextCapture>()
            .is(Field::Programmes)
    );
    h.type_text("news");
    h.settle();
    let finder = h.app.world().resource::<crate::screens::finder::Finder>();
    assert_eq!(finder.query.as_deref(), Some("news"));
    h.key(KeyCode::Escape);
    h.settle();
    assert!(
        !h.app
            .world()
            .resource::<crate::screens::finder::Finder>()
            .is_open()
    );
    assert!(!h.app.world().resource::<TextCapture>().active());
    assert_eq!(h.screen(), Screen::Grid);
}

/// H on a group in the channel list hides it: its channels leave "All" and zapping skips
/// them; the group's own filter still lists them, and H there shows them again.
#[test]
fn a_hidden_group_leaves_the_list_and_the_zapping() {
    let mut h = harness();
    h.key(KeyCode::Enter);
    assert_eq!(h.screen(), Screen::Guide);
    for _ in 0..4 {
        h.key(KeyCode::ArrowRight);
    }
    h.key(KeyCode::KeyH);
    assert_eq!(h.settings().hidden_groups, ["Sports"]);
    let cursor = h.app.world().resource::<GuideCursor>();
    let shown = crate::screens::guide::selected_channel(h.tv(), h.settings(), cursor);
    assert_eq!(shown, Some(1), "the group itself still lists Prism Sports");
    // Back to "All": no Prism Sports there.
    for _ in 0..4 {
        h.key(KeyCode::ArrowLeft);
    }
    let mut all = Vec::new();
    for _ in 0..6 {
        let cursor = h.app.world().resource::<GuideCursor>();
        if let Some(i) = crate::screens::guide::selected_channel(h.tv(), h.settings(), cursor) {
            all.push(i);
        }
        h.key(KeyCode::ArrowDown);
    }
    assert!(!all.contains(&1), "{all:?}");
    h.key(KeyCode::Escape);
    // Zapping up from Prism News skips the hidden Prism Sports.
    h.cmd(M::ChannelUp);
    assert_eq!(h.watching().as_deref(), Some("Prism Music"));
    h.cmd(M::ChannelDown);
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
}

/// A hidden group's channels are not rows of the grid either: Down from Prism News goes to
/// Prism Music, Up from it wraps to the last channel; a search result on a hidden channel is
/// still shown.
#[test]
fn the_grid_leaves_out_hidden_groups() {
    let mut h = grid_harness();
    h.app
        .world_mut()
        .resource_mut::<Settings>()
        .hidden_groups
        .push("Sports".into());
    h.key(KeyCode::KeyG);
    h.settle();
    assert_eq!(h.screen(), Screen::Grid);
    let grid = |h: &Harness| {
        let g = h.app.world().resource::<crate::screens::grid::GridCursor>();
        (g.channel, g.rows.clone())
    };
    assert_eq!(grid(&h), (0, vec![0, 2, 3, 4, 5]));
    h.key(KeyCode::ArrowDown);
    assert_eq!(grid(&h).0, 2, "past the hidden Prism Sports");
    h.key(KeyCode::ArrowUp);
    h.key(KeyCode::ArrowUp);
    assert_eq!(grid(&h).0, 5, "wrapped to Prism Nature");
    h.app
        .world_mut()
        .resource_mut::<crate::screens::grid::GridCursor>()
        .show(1, true);
    assert_eq!(grid(&h), (1, vec![0, 1, 2, 3, 4, 5]));
}
