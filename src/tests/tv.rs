//! `tv::execute`: every playback command, on the recorded player.

use prism_core::command::{ChannelRef, MediaCommand as M};
use prism_media::PlayerEvent;

use super::*;
use crate::tv::{Outcome, Status};

fn url(name: &str) -> String {
    let p = demo_playlist();
    let c = p.channels.iter().find(|c| c.name == name).unwrap();
    c.primary_url().unwrap().to_owned()
}

fn outcome(h: &mut Harness) -> Vec<Outcome> {
    h.take::<Executed>()
        .into_iter()
        .map(|e| e.outcome)
        .collect()
}

#[test]
fn a_first_lineup_tunes_to_the_first_channel() {
    let h = Harness::new();
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    assert_eq!(h.tv().status, Status::Connecting);
}

#[test]
fn channel_up_plays_the_next_channel() {
    let mut h = Harness::new();
    h.cmd(M::ChannelUp);
    assert_eq!(h.watching().as_deref(), Some("Prism Sports"));
    assert_eq!(h.ops(), [Op::Play(url("Prism Sports"))]);
    assert_eq!(outcome(&mut h), [Outcome::Tuned(1)]);
}

#[test]
fn channel_down_from_the_first_wraps_to_the_last() {
    let mut h = Harness::new();
    h.cmd(M::ChannelDown);
    assert_eq!(h.watching().as_deref(), Some("Prism Nature"));
}

#[test]
fn channel_up_from_the_last_wraps_to_the_first() {
    let mut h = Harness::new();
    h.cmd(M::ChannelDown);
    h.cmd(M::ChannelUp);
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
}

#[test]
fn previous_channel_goes_back_and_forth() {
    let mut h = Harness::new();
    h.cmd(M::GoToChannelNumber {
        number: "4".parse().unwrap(),
    });
    h.cmd(M::PreviousChannel);
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    h.cmd(M::PreviousChannel);
    assert_eq!(h.watching().as_deref(), Some("Prism Movies"));
}

#[test]
fn previous_channel_with_none_is_said_to_be_missing() {
    let mut h = Harness::new();
    h.cmd(M::PreviousChannel);
    assert_eq!(outcome(&mut h), [Outcome::NoChannel]);
    assert!(h.ops().is_empty(), "{:?}", h.ops());
}

#[test]
fn a_channel_number_tunes_that_channel() {
    let mut h = Harness::new();
    h.cmd(M::GoToChannelNumber {
        number: "5".parse().unwrap(),
    });
    assert_eq!(h.watching().as_deref(), Some("Prism Kids"));
}

#[test]
fn a_number_the_lineup_lacks_tunes_nothing() {
    let mut h = Harness::new();
    h.cmd(M::GoToChannelNumber {
        number: "42".parse().unwrap(),
    });
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    assert_eq!(outcome(&mut h), [Outcome::NoChannel]);
    assert!(h.ops().is_empty());
}

#[test]
fn without_numbers_the_position_in_the_list_is_the_number() {
    let mut h = Harness::with(unnumbered_playlist(), |_| {});
    h.cmd(M::GoToChannelNumber {
        number: "5".parse().unwrap(),
    });
    assert_eq!(h.watching().as_deref(), Some("Echo"));
}

#[test]
fn watch_channel_by_reference() {
    let mut h = Harness::new();
    h.cmd(M::WatchChannel {
        channel: ChannelRef {
            index: 2,
            name: "Prism Music".into(),
        },
    });
    assert_eq!(h.watching().as_deref(), Some("Prism Music"));
}

#[test]
fn a_reference_past_the_lineup_is_refused() {
    let mut h = Harness::new();
    h.cmd(M::WatchChannel {
        channel: ChannelRef {
            index: 99,
            name: "Nope".into(),
        },
    });
    assert_eq!(outcome(&mut h), [Outcome::NoChannel]);
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
}

#[test]
fn a_zap_is_remembered_as_watched_and_last() {
    let mut h = Harness::new();
    h.cmd(M::ChannelUp);
    assert_eq!(h.settings().last_channel.as_deref(), Some("Prism Sports"));
    assert_eq!(h.settings().recent[0], "Prism Sports");
}

#[test]
fn volume_up_and_down_step_by_five() {
    let mut h = Harness::new();
    let v = h.tv().volume;
    h.cmd(M::VolumeUp { step: None });
    assert_eq!(h.tv().volume, v + 5);
    h.cmd(M::VolumeDown { step: Some(20) });
    assert_eq!(h.tv().volume, v - 15);
    assert_eq!(h.ops(), [Op::Volume(v + 5), Op::Volume(v - 15)]);
    assert_eq!(h.settings().volume, v - 15);
}

#[test]
fn volume_is_clamped_to_0_and_100() {
    let mut h = Harness::new();
    h.cmd(M::SetVolume { percent: 250 });
    assert_eq!(h.tv().volume, 100);
    h.cmd(M::VolumeUp { step: Some(50) });
    assert_eq!(h.tv().volume, 100);
    h.cmd(M::SetVolume { percent: 3 });
    h.cmd(M::VolumeDown { step: None });
    assert_eq!(h.tv().volume, 0);
}

#[test]
fn mute_unmute_and_toggle() {
    let mut h = Harness::new();
    h.cmd(M::Mute);
    assert!(h.tv().muted);
    h.cmd(M::ToggleMute);
    assert!(!h.tv().muted);
    h.cmd(M::ToggleMute);
    h.cmd(M::Unmute);
    assert_eq!(
        h.ops(),
        [
            Op::Muted(true),
            Op::Muted(false),
            Op::Muted(true),
            Op::Muted(false)
        ]
    );
    assert!(!h.settings().muted);
}

#[test]
fn turning_the_volume_up_unmutes() {
    let mut h = Harness::new();
    h.cmd(M::Mute);
    h.cmd(M::VolumeUp { step: None });
    assert!(!h.tv().muted);
    assert!(h.ops().contains(&Op::Muted(false)));
}

#[test]
fn pause_and_resume_follow_the_player() {
    let mut h = Harness::new();
    h.event(PlayerEvent::FirstFrame {
        since_request: std::time::Duration::from_millis(300),
        source: 0,
        width: 1280,
        height: 720,
    });
    assert_eq!(h.tv().status, Status::Playing);
    h.cmd(M::TogglePause);
    assert_eq!(h.tv().status, Status::Paused);
    h.cmd(M::TogglePause);
    assert_eq!(h.tv().status, Status::Playing);
    assert_eq!(h.ops(), [Op::Pause, Op::Resume]);
}

#[test]
fn play_while_paused_resumes() {
    let mut h = Harness::new();
    h.cmd(M::Pause);
    h.cmd(M::Play);
    assert_eq!(h.ops(), [Op::Pause, Op::Resume]);
}

#[test]
fn subtitles_on_and_off_are_remembered() {
    let mut h = Harness::new();
    h.cmd(M::Subtitles { on: true });
    assert!(h.tv().subtitles && h.settings().subtitles);
    h.cmd(M::Subtitles { on: false });
    assert!(!h.tv().subtitles && !h.settings().subtitles);
}

#[test]
fn recording_needs_something_live_and_says_so() {
    let mut h = Harness::new();
    // Nothing recording: stopping says so.
    h.cmd(M::StopRecording);
    let e = h.take::<Executed>();
    assert!(matches!(e[0].outcome, Outcome::NoRecording(_)), "{e:?}");
    // Seeking before anything plays is refused with its reason (see tests/timeshift.rs).
    h.cmd(M::Seek { seconds: -30 });
    let e = h.take::<Executed>();
    assert!(matches!(e[0].outcome, Outcome::NoTimeshift(_)), "{e:?}");
    assert!(
        !h.ops()
            .iter()
            .any(|o| matches!(o, Op::Seek(_) | Op::Record(_))),
        "{:?}",
        h.ops()
    );
}

#[test]
fn a_caption_is_kept_for_lumen_and_shown_until_it_ends() {
    let mut h = Harness::new();
    h.event(PlayerEvent::Caption {
        text: "GOAL!".into(),
        duration: std::time::Duration::from_secs(5),
    });
    assert_eq!(h.tv().caption_now(), Some("GOAL!"));
    assert_eq!(h.tv().recent_captions().collect::<Vec<_>>(), ["GOAL!"]);
    // An erasure (closed captions) ends it now.
    h.event(PlayerEvent::Caption {
        text: String::new(),
        duration: std::time::Duration::ZERO,
    });
    assert_eq!(h.tv().caption_now(), None);
}

#[test]
fn a_zap_forgets_the_last_channels_captions() {
    let mut h = Harness::new();
    h.event(PlayerEvent::Caption {
        text: "Hello".into(),
        duration: std::time::Duration::from_secs(5),
    });
    h.cmd(M::ChannelUp);
    assert_eq!(h.tv().recent_captions().count(), 0);
}

#[test]
fn an_error_says_what_prism_does_next() {
    let mut h = Harness::new();
    h.event(PlayerEvent::Error {
        message: "could not connect".into(),
        recovery: prism_media::Recovery::GiveUp,
    });
    match &h.tv().status {
        Status::Failed { message, next } => {
            assert_eq!(message, "could not connect");
            assert!(!next.is_empty());
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn a_refreshed_lineup_keeps_the_channel_playing_without_a_retune() {
    let mut h = Harness::new();
    h.cmd(M::ChannelUp);
    h.player.clear();
    let mut p = demo_playlist();
    p.channels.reverse();
    h.install(p);
    h.settle();
    assert_eq!(h.watching().as_deref(), Some("Prism Sports"));
    assert!(h.ops().is_empty(), "{:?}", h.ops());
}

#[test]
fn a_new_source_resumes_the_last_channel_watched() {
    let mut h = Harness::new();
    h.cmd(M::GoToChannelNumber {
        number: "3".parse().unwrap(),
    });
    let settings = h.settings().clone();
    let mut p = demo_playlist();
    p.channels.rotate_left(1);
    let lineup = Lineup::new(p, prism_core::Guide::default(), "new".into(), None);
    let tune = h
        .app
        .world_mut()
        .resource_mut::<Tv>()
        .set_lineup(lineup, true, &settings);
    // Prism Music is still there (at index 1 now), same stream: it plays on.
    assert_eq!(tune, None);
    assert_eq!(h.watching().as_deref(), Some("Prism Music"));
}

#[test]
fn a_failed_first_load_is_shown_where_the_picture_would_be() {
    let mut h = Harness::new();
    h.app.world_mut().resource_mut::<Tv>().lineup = None;
    h.app
        .world_mut()
        .resource_mut::<Tv>()
        .lineup_failed("no such file");
    assert!(matches!(&h.tv().status, Status::Failed { message, .. } if message == "no such file"));
}

/// A radio channel plays on its sound (no picture is waited for), and the next channel with a
/// picture is not shown as radio.
#[test]
fn a_radio_channel_plays_on_its_sound() {
    let mut h = Harness::new();
    h.event(PlayerEvent::FirstSound {
        since_request: std::time::Duration::from_millis(200),
        source: 0,
    });
    assert_eq!(h.tv().status, Status::Playing);
    assert!(h.tv().audio_only);
    h.event(PlayerEvent::Connecting {
        source: 0,
        url: "http://h/next".into(),
    });
    assert!(!h.tv().audio_only);
    h.event(PlayerEvent::FirstFrame {
        since_request: std::time::Duration::from_millis(300),
        source: 0,
        width: 1280,
        height: 720,
    });
    assert!(!h.tv().audio_only);
}

/// The picture settings reach the player when they change (the next channel plays by them).
#[test]
fn the_stream_settings_reach_the_player() {
    let mut h = Harness::new();
    {
        let mut s = h.app.world_mut().resource_mut::<Settings>();
        s.stream.max_height = 480;
        s.stream.data_saver = true;
        s.stream.behind_live_s = 12;
    }
    h.settle();
    let limits = h
        .ops()
        .into_iter()
        .filter_map(|o| match o {
            Op::Limits(l) => Some(l),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(limits.len(), 1, "told once");
    assert_eq!(limits[0].variants.max_height, Some(480));
    assert_eq!(limits[0].variants.max_bandwidth, Some(1_500_000));
    assert_eq!(limits[0].behind_live, std::time::Duration::from_secs(12));
}
