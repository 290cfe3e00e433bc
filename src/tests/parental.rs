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

fn outcomes(h: &mut Harness) -> Vec<Outcome> {
    h.take::<Executed>()
        .into_iter()
        .map(|e| e.outcome)
        .collect()
}

#[test]
fn a_locked_channel_asks_for_the_pin_and_zapping_passes_it() {
    let mut h = harness(Settings::default());
    assert_eq!(h.watching().as_deref(), Some("One"));
    // Zapping up passes both locked channels.
    h.cmd(M::ChannelUp);
    assert_eq!(h.watching().as_deref(), Some("Four"));
    outcomes(&mut h);
    // Asked for by number (as a voice command would be): not tuned, the PIN screen opens.
    h.cmd(M::GoToChannelNumber {
        number: "2".parse().unwrap(),
    });
    h.settle();
    assert_eq!(outcomes(&mut h), [Outcome::Locked(1)]);
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
