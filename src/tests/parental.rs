//! Locked channels: a provider's adult group is locked by default; asking for one of its
//! channels (any way) opens the PIN screen instead of tuning, zapping passes it, the first PIN
//! typed is chosen and sealed, and the right PIN tunes the channel that asked.

use prism_core::command::MediaCommand as M;

use super::*;
use crate::tv::Outcome;

fn playlist() -> Playlist {
    parse_m3u(
        b"#EXTM3U\n\
          #EXTINF:-1 tvg-chno=\"1\" group-title=\"News\",One\nhttp://x/1\n\
          #EXTINF:-1 tvg-chno=\"2\" group-title=\"XXX\",Late\nhttp://x/2\n\
          #EXTINF:-1 tvg-chno=\"3\" group-title=\"Movies\" adult=\"1\",Marked\nhttp://x/3\n\
          #EXTINF:-1 tvg-chno=\"4\" group-title=\"Kids\",Four\nhttp://x/4\n"
            .as_slice(),
    )
    .unwrap()
}

fn harness(settings: Settings) -> Harness {
    let mut h = Harness::with(playlist(), |app| {
        app.add_plugins(crate::screens::pin::plugin);
    });
    *h.app.world_mut().resource_mut::<Settings>() = settings;
    h
}

#[test]
fn a_locked_channel_asks_for_the_pin_and_zapping_passes_it() {
    let mut h = harness(Settings::default());
    assert_eq!(h.watching().as_deref(), Some("One"));
    // Zapping up passes both locked channels.
    h.cmd(M::ChannelUp);
    assert_eq!(h.watching().as_deref(), Some("Four"));
    h.outcomes();
    // Asked for by number (as a voice command would be): not tuned, the PIN screen opens.
    h.cmd(M::GoToChannelNumber {
        number: "2".parse().unwrap(),
    });
    h.settle();
    assert_eq!(h.outcomes(), [Outcome::Locked(1)]);
    assert_eq!(h.watching().as_deref(), Some("Four"));
    assert_eq!(h.screen(), Screen::Pin);
    // The first PIN typed is the PIN, kept sealed; the channel that asked plays.
    h.type_text("2468");
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(h.watching().as_deref(), Some("Late"));
    let sealed = h.settings().parental.pin.clone().expect("a PIN chosen");
    assert!(!sealed.contains("2468"), "{sealed}");

    // Another session: a wrong PIN keeps the screen, the right one tunes.
    let mut settings = h.settings().clone();
    settings.last_channel = None;
    let mut h = harness(settings);
    h.cmd(M::GoToChannelNumber {
        number: "3".parse().unwrap(),
    });
    h.settle();
    assert_eq!(h.screen(), Screen::Pin, "marked adult by the provider");
    h.type_text("1111");
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.screen(), Screen::Pin);
    assert_eq!(h.watching().as_deref(), Some("One"));
    h.type_text("2468");
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.watching().as_deref(), Some("Marked"));
    // Unlocked for the session: zapping no longer passes them.
    h.cmd(M::ChannelDown);
    assert_eq!(h.watching().as_deref(), Some("Late"));
}

/// Back on the PIN screen gives up: nothing is tuned.
#[test]
fn back_on_the_pin_screen_tunes_nothing() {
    let mut h = harness(Settings::default());
    h.cmd(M::GoToChannelNumber {
        number: "2".parse().unwrap(),
    });
    h.settle();
    assert_eq!(h.screen(), Screen::Pin);
    h.type_text("12");
    h.key(KeyCode::Escape);
    h.settle();
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(h.watching().as_deref(), Some("One"));
    assert_eq!(h.settings().parental.pin, None);
}

/// The demo lineup with its Sports group locked, the guide around the real clock (the list
/// and the grid draw what is on now), and the screens that show programmes.
fn sports_locked() -> (Harness, i64) {
    let now = crate::time::unix_now();
    let mut settings = Settings::default();
    settings.parental.locked_groups = vec!["Sports".into()];
    let mut h = Harness::with(demo_playlist(), move |app| {
        app.insert_resource(settings)
            .init_resource::<crate::sources::logos::Logos>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::grid::plugin,
                crate::screens::finder::plugin,
                crate::screens::pin::plugin,
            ));
    });
    h.install_at(demo_playlist(), now);
    h.settle();
    (h, now)
}

/// A locked channel's programmes say what it shows: until the PIN is given, its list row,
/// grid cells, details, guide search results and spoken answers show none of them.
#[test]
fn a_locked_channels_programmes_stay_hidden_until_the_pin() {
    use crate::voice::dialogue::answer;
    use prism_core::command::{ChannelRef, When};
    let (mut h, now) = sports_locked();
    let sports = 1;
    assert_eq!(h.tv().channel(sports).unwrap().name, "Prism Sports");
    let title = h
        .tv()
        .guide()
        .unwrap()
        .now_next(sports, now)
        .now
        .expect("the demo guide has Sports on now")
        .title()
        .to_owned();
    let locked = crate::t!("locked-programmes");
    let shows = |h: &mut Harness, s: &str| h.texts().iter().any(|t| t.contains(s));

    // The channel list.
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.screen(), Screen::Guide);
    assert!(shows(&mut h, &locked), "{:?}", h.texts());
    assert!(!shows(&mut h, &title), "{title:?} in {:?}", h.texts());
    // The grid (a fresh harness: a screen's first frame would read the list's Back, which
    // a test's instant frames never let expire).
    let (mut h, _) = sports_locked();
    h.key(KeyCode::KeyG);
    h.settle();
    assert_eq!(h.screen(), Screen::Grid);
    assert!(shows(&mut h, &locked), "{:?}", h.texts());
    assert!(!shows(&mut h, &title), "{title:?} in {:?}", h.texts());
    // The guide search does not find it.
    h.key(KeyCode::Slash);
    h.type_text(&title);
    h.settle();
    let hits = h
        .app
        .world()
        .resource::<crate::screens::finder::Finder>()
        .hits
        .clone();
    assert!(hits.iter().all(|(c, _)| *c != sports), "{hits:?}");
    h.key(KeyCode::Escape);
    // Details and spoken answers.
    let (_, facts, desc, _) =
        crate::screens::details::lines(h.tv(), h.settings(), sports, now).unwrap();
    assert_eq!((facts, desc), (locked.clone(), String::new()));
    let whats_on = M::WhatsOn {
        when: When::Now,
        channel: Some(ChannelRef {
            index: sports as u32,
            name: "Prism Sports".into(),
        }),
    };
    assert_eq!(
        answer(&whats_on, h.tv(), h.settings(), now).as_deref(),
        Some(crate::t!("ack-locked").as_str())
    );
    // Nor can a reminder be set for one.
    let next = h
        .tv()
        .guide()
        .unwrap()
        .now_next(sports, now)
        .next
        .unwrap()
        .start();
    h.take::<Executed>();
    h.cmd(M::ToggleReminder {
        channel: ChannelRef {
            index: sports as u32,
            name: "Prism Sports".into(),
        },
        start: next,
    });
    let done: Vec<Outcome> = h
        .take::<Executed>()
        .into_iter()
        .map(|e| e.outcome)
        .collect();
    assert_eq!(done, [Outcome::NoProgramme]);
    assert!(h.settings().reminders.is_empty());

    // The PIN given, everything shows.
    h.app.world_mut().resource_mut::<Tv>().unlocked = true;
    h.settle();
    assert!(shows(&mut h, &title), "{title:?} not in {:?}", h.texts());
    let said = answer(&whats_on, h.tv(), h.settings(), now).unwrap();
    assert!(said.contains(&title), "{said}");
}

/// Prism starting on a locked last channel asks for the PIN before it plays; giving up plays
/// the first channel that needs none, so the screen is never left blank.
#[test]
fn a_locked_last_channel_at_start_asks_for_the_pin() {
    let settings = Settings {
        last_channel: Some("Late".into()),
        ..Default::default()
    };
    let mut h = Harness::with(playlist(), move |app| {
        app.insert_resource(settings)
            .add_plugins(crate::screens::pin::plugin);
    });
    h.settle();
    assert_eq!(h.screen(), Screen::Pin);
    assert_eq!(h.watching(), None);
    h.key(KeyCode::Escape);
    h.settle();
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(h.watching().as_deref(), Some("One"));
}
