//! Pausing and rewinding live TV, as the app drives it: keys and spoken commands become jumps
//! the player is asked for, inside the buffer it reports, and the replies say where the
//! picture is (the player's side is proven in prism-media's tests and the window test).

use std::time::Duration;

use bevy::prelude::*;
use prism_core::command::MediaCommand as M;
use prism_media::{PlayerEvent, SeekTo, ShiftStatus, Timeline};

use super::Harness;
use crate::tv::player::Op;
use crate::tv::{Executed, Outcome};

fn buffered(h: &mut Harness, position: f64, end: f64) {
    h.event(PlayerEvent::FirstFrame {
        source: 0,
        since_request: Duration::from_millis(300),
        width: 1280,
        height: 720,
    });
    h.event(PlayerEvent::Timeline {
        timeline: Timeline {
            position,
            start: 0.0,
            end,
            live: true,
            slack: 7.0,
        },
        buffer: Some(ShiftStatus {
            seconds: end + 4.0,
            bytes: 1 << 20,
            target_duration: 2,
            error: None,
        }),
    });
    h.settle();
    h.player.clear();
    h.take::<Executed>();
}

fn seeks(h: &Harness) -> Vec<SeekTo> {
    h.ops()
        .into_iter()
        .filter_map(|o| match o {
            Op::Seek(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn left_and_right_jump_in_the_buffer_and_end_goes_live() {
    let mut h = Harness::new();
    buffered(&mut h, 200.0, 200.0);
    h.key(KeyCode::ArrowLeft);
    h.key(KeyCode::ArrowLeft);
    // Presses add up before the player has caught up with the first.
    assert_eq!(seeks(&h), [SeekTo::At(190.0), SeekTo::At(180.0)]);
    let e = h.take::<Executed>();
    assert_eq!(
        e.last().map(|e| &e.outcome),
        Some(&Outcome::Seeked {
            behind: 20,
            live: true
        })
    );
    h.player.clear();
    h.key(KeyCode::ArrowRight);
    assert_eq!(seeks(&h), [SeekTo::At(190.0)]);
    h.player.clear();
    h.key(KeyCode::End);
    assert_eq!(seeks(&h), [SeekTo::At(200.0), SeekTo::Live]);
    let e = h.take::<Executed>();
    assert_eq!(
        e.last().map(|e| &e.outcome),
        Some(&Outcome::Seeked {
            behind: 0,
            live: true
        })
    );
}

#[test]
fn jumps_stop_at_the_buffers_ends() {
    let mut h = Harness::new();
    buffered(&mut h, 50.0, 200.0);
    h.cmd(M::Seek { seconds: -3600 });
    h.cmd(M::Seek { seconds: 7200 });
    assert_eq!(seeks(&h), [SeekTo::At(0.0), SeekTo::At(200.0)]);
}

#[test]
fn a_paused_channel_goes_live_playing() {
    let mut h = Harness::new();
    buffered(&mut h, 100.0, 200.0);
    h.event(PlayerEvent::Paused);
    h.settle();
    h.player.clear();
    h.cmd(M::GoLive);
    let ops = h.ops();
    assert_eq!(ops.first(), Some(&Op::Resume), "{ops:?}");
    assert!(ops.contains(&Op::Seek(SeekTo::Live)), "{ops:?}");
}

#[test]
fn without_a_buffer_a_jump_says_why_and_asks_nothing() {
    let mut h = Harness::new();
    h.event(PlayerEvent::FirstFrame {
        source: 0,
        since_request: Duration::from_millis(300),
        width: 1280,
        height: 720,
    });
    h.settle();
    h.player.clear();
    h.take::<Executed>();
    h.cmd(M::Seek { seconds: -30 });
    let e = h.take::<Executed>();
    let Outcome::NoTimeshift(why) = &e[0].outcome else {
        panic!("{e:?}")
    };
    assert!(why.contains("can't be rewound"), "{why}");
    assert!(seeks(&h).is_empty());
    // Switched off in the settings: it says where to switch it on.
    h.app
        .world_mut()
        .resource_mut::<crate::settings::Settings>()
        .stream
        .timeshift = false;
    h.cmd(M::GoLive);
    let e = h.take::<Executed>();
    assert!(
        matches!(&e[0].outcome, Outcome::NoTimeshift(w) if w.contains("Settings")),
        "{e:?}"
    );
    // A buffer that broke says why, and the picture is not touched.
    h.event(PlayerEvent::Timeline {
        timeline: Timeline::default(),
        buffer: Some(ShiftStatus {
            error: Some("the disk is full: pausing and rewinding live TV stopped".into()),
            ..Default::default()
        }),
    });
    h.settle();
    let shown = h.tv().notice.clone().map(|n| n.1);
    assert!(shown.is_some_and(|n| n.contains("disk is full")));
}

#[test]
fn behind_live_the_screen_time_is_earlier_and_start_over_uses_the_buffer() {
    let mut h = Harness::new();
    let now = crate::time::unix_now();
    h.install_at(super::demo_playlist(), now);
    // An hour buffered, watching 15 minutes behind.
    buffered(&mut h, 2700.0, 3600.0);
    let on_screen = h.tv().on_screen_time();
    assert!((on_screen - (now - 900)).abs() <= 2, "{on_screen} vs {now}");
    // The programme on screen started within the buffer: start over jumps inside it.
    let start = {
        let tv = h.tv();
        let i = tv.current.unwrap();
        tv.guide()
            .unwrap()
            .now_next(i, on_screen)
            .now
            .unwrap()
            .start()
    };
    h.player.clear();
    h.cmd(M::StartOver);
    let s = seeks(&h);
    if on_screen - start < 3600 - 900 {
        let want = 3600.0 - (now - start) as f64;
        let [SeekTo::At(at)] = s[..] else {
            panic!("{s:?}")
        };
        assert!((at - want.max(0.0)).abs() < 3.0, "{at} vs {want}");
        let e = h.take::<Executed>();
        assert!(matches!(e[0].outcome, Outcome::CatchUp { .. }), "{e:?}");
    } else {
        // Started before the buffer: the archive (the demo has one), not a jump.
        assert!(s.is_empty(), "{s:?}");
    }
}

#[test]
fn r_records_what_plays_and_stops_it() {
    let mut h = Harness::new();
    buffered(&mut h, 200.0, 200.0);
    h.key(KeyCode::KeyR);
    let ops = h.ops();
    let Some(Op::Record(Some(stem))) = ops.last() else {
        panic!("{ops:?}")
    };
    let name = stem.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("Prism News - "), "{name}");
    let e = h.take::<Executed>();
    assert!(
        matches!(&e[0].outcome, Outcome::Recording { on: true, name: n, .. } if *n == name),
        "{e:?}"
    );
    h.settle();
    assert!(h.tv().is_recording());
    // "Record this" again: already recording, nothing new started.
    h.player.clear();
    h.cmd(M::StartRecording);
    assert!(h.ops().is_empty(), "{:?}", h.ops());
    // R again stops it.
    h.key(KeyCode::KeyR);
    assert_eq!(h.ops().last(), Some(&Op::Record(None)));
    let e = h.take::<Executed>();
    assert!(
        matches!(
            e.last().map(|e| &e.outcome),
            Some(Outcome::Recording { on: false, .. })
        ),
        "{e:?}"
    );
    // The remote's record key, watching, is R too.
    h.settle();
    h.player.clear();
    h.logical_key(bevy::input::keyboard::Key::MediaRecord);
    assert!(
        matches!(h.ops().last(), Some(Op::Record(Some(_)))),
        "{:?}",
        h.ops()
    );
}

#[test]
fn an_archive_programme_is_not_recorded_as_live() {
    let mut h = Harness::new();
    buffered(&mut h, 200.0, 200.0);
    h.app.world_mut().resource_mut::<crate::tv::Tv>().archive = Some((0, 0, "Old news".into()));
    h.cmd(M::StartRecording);
    let e = h.take::<Executed>();
    assert!(matches!(&e[0].outcome, Outcome::NoRecording(_)), "{e:?}");
    assert!(!h.ops().iter().any(|o| matches!(o, Op::Record(_))));
}
