//! Timers: R on a programme in the grid makes one (marked ●, R again takes it off), it is
//! written to `timers.toml` at once, at its padded start it records its channel while the
//! viewer watches another, at its end it stops and the finished file is noted; a restart
//! inside the window records on into a new file; the provider's connection limit refuses a
//! timer when it is made and switches the viewer's channel when one starts. The clock is a
//! fake one (`WallClock`).

use prism_core::command::MediaCommand as M;
use prism_core::timers::Status;

use super::*;
use crate::tv::Outcome;
use crate::tv::timers::{Book, WallClock};

fn folder(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("prism-timers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The demo lineup with the guide around `now`, the grid, and timers kept in `dir`.
fn harness(dir: &std::path::Path, now: i64) -> Harness {
    let mut h = Harness::with(demo_playlist(), |app| {
        app.init_resource::<crate::sources::logos::Logos>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::grid::plugin,
                crate::screens::finder::plugin,
                crate::timers::plugin,
            ));
    });
    {
        let world = h.app.world_mut();
        world.resource_mut::<Settings>().recordings = Some(dir.join("recordings"));
        world.resource_mut::<WallClock>().0 = Some(now);
        world.resource_mut::<Tv>().timers = Book::open(dir.join("timers.toml"));
    }
    h.install_at(demo_playlist(), now);
    h.settle();
    h.take::<Executed>();
    h
}

fn at(h: &mut Harness, t: i64) {
    h.app.world_mut().resource_mut::<WallClock>().0 = Some(t);
    h.update();
    h.update();
}

/// The timers file once it says what `done` looks for (it is written on a thread of its own).
fn saved(dir: &std::path::Path, done: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(dir.join("timers.toml")).unwrap_or_default();
        if done(&text) || std::time::Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn notice(h: &Harness) -> String {
    h.tv().notice.clone().map(|n| n.1).unwrap_or_default()
}

#[test]
fn r_in_the_grid_records_another_channel_at_its_time_and_notes_the_file() {
    let dir = folder("grid");
    let now = crate::time::unix_now();
    let mut h = harness(&dir, now);
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    h.key(KeyCode::KeyG);
    h.settle();
    // Prism Sports, the programme after the one on now.
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::ArrowRight);
    let next = h.tv().guide().unwrap().now_next(1, now).next.unwrap();
    let (title, start, stop) = (next.title().to_owned(), next.start(), next.stop());
    h.take::<Executed>();
    h.key(KeyCode::KeyR);
    h.settle();
    assert_eq!(
        h.outcomes(),
        [Outcome::Timer {
            set: true,
            title: title.clone(),
            channel: 1,
            start,
            warning: None,
        }]
    );
    let marked = format!("● {title}");
    assert!(h.texts().contains(&marked), "{:?}", h.texts());
    // On disk at once, with the padding in force (2 and 5 minutes).
    let text = saved(&dir, |t| t.contains(&title));
    assert!(text.contains(&title) && text.contains("pre = 120") && text.contains("post = 300"));
    // R again takes it off; once more sets it.
    h.key(KeyCode::KeyR);
    h.settle();
    assert!(!h.texts().contains(&marked));
    assert!(h.tv().timers.timers.list().is_empty());
    h.key(KeyCode::KeyR);
    h.settle();
    let id = h.tv().timers.timers.list()[0].id;
    h.key(KeyCode::Escape);
    h.settle();

    // Three minutes before: nothing. Two: it records Prism Sports; the viewer stays on News.
    h.player.clear();
    at(&mut h, start - 180);
    assert!(h.ops().is_empty(), "{:?}", h.ops());
    at(&mut h, start - 120);
    let ops = h.ops();
    let [Op::Timer(got, Some((url, stem)))] = &ops[..] else {
        panic!("{ops:?}")
    };
    assert_eq!(*got, id);
    assert_eq!(url, "http://127.0.0.1:1/demo/sports.prism.demo/index.m3u8");
    let name = stem.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("Prism Sports - {title} - ")),
        "{name}"
    );
    assert_eq!(stem.parent().unwrap(), dir.join("recordings"));
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    assert_eq!(notice(&h), format!("Recording {title} on Prism Sports."));
    assert_eq!(
        h.tv().timers.timers.get(id).unwrap().status,
        Status::Recording
    );
    // The grid's cell keeps its mark while it records; the details say so.
    assert!(
        saved(&dir, |t| t.contains("status = \"recording\"")).contains("status = \"recording\"")
    );

    // Its end, plus five minutes: stopped; then the player finishes the file.
    h.player.clear();
    at(&mut h, stop + 299);
    assert!(h.ops().is_empty());
    at(&mut h, stop + 300);
    assert_eq!(h.ops(), [Op::Timer(id, None)]);
    h.player.set_stream(id, prism_media::RecordingState::Done);
    at(&mut h, stop + 302);
    let t = h.tv().timers.timers.get(id).unwrap().clone();
    assert_eq!(t.status, Status::Done);
    assert_eq!(
        t.file.as_deref(),
        Some(
            prism_media::with_ext(stem, "mkv")
                .to_string_lossy()
                .as_ref()
        )
    );
    assert!(
        notice(&h).starts_with(&format!("Recorded {title} (")),
        "{}",
        notice(&h)
    );
}

#[test]
fn a_timer_survives_a_crash_and_records_on_into_a_new_file() {
    let dir = folder("crash");
    let now = crate::time::unix_now();
    let mut h = harness(&dir, now);
    let next = h.tv().guide().unwrap().now_next(2, now).next.unwrap();
    let (title, start, stop) = (next.title().to_owned(), next.start(), next.stop());
    let channel = h.tv().channel_ref(2);
    h.cmd(M::ToggleTimer { channel, start });
    at(&mut h, start + 60);
    let ops = h.ops();
    let Some(Op::Timer(id, Some((_, stem)))) = ops.last().cloned() else {
        panic!("{ops:?}")
    };
    // What a kill -9 leaves: the MPEG-TS being appended to, and the timers file.
    std::fs::create_dir_all(stem.parent().unwrap()).unwrap();
    std::fs::write(prism_media::with_ext(&stem, "ts"), b"partial").unwrap();
    drop(h);

    // Started again inside the window: it records on, into a file of its own.
    let mut h = harness(&dir, start + 600);
    at(&mut h, start + 601);
    let ops = h.ops();
    let Some(Op::Timer(again, Some((_, stem2)))) = ops.last().cloned() else {
        panic!("{ops:?}")
    };
    assert_eq!(again, id);
    assert_ne!(stem2, stem);
    assert!(
        stem2.to_string_lossy().ends_with(" (2)"),
        "{}",
        stem2.display()
    );
    assert_eq!(notice(&h), format!("Recording {title} on Prism Music."));
    drop(h);

    // Started again after the window: it failed, and the TV says so.
    let mut h = harness(&dir, stop + 3600);
    at(&mut h, stop + 3601);
    assert!(h.ops().iter().all(|o| !matches!(o, Op::Timer(..))));
    assert_eq!(h.tv().timers.timers.get(id).unwrap().status, Status::Failed);
    assert_eq!(
        notice(&h),
        format!("Recording {title} was cut short when Prism stopped.")
    );
}

#[test]
fn the_providers_connection_limit_is_checked_when_a_timer_is_made_and_when_it_starts() {
    let dir = folder("limit");
    let now = crate::time::unix_now();
    let mut h = harness(&dir, now);
    // A panel allowing one connection (the demo channels share a server).
    h.app
        .world_mut()
        .resource_mut::<Tv>()
        .lineup
        .as_mut()
        .unwrap()
        .connection_limits = vec![("127.0.0.1:1".into(), 1)];
    let guide_next = |h: &Harness, c: usize| {
        let p = h.tv().guide().unwrap().now_next(c, now).next.unwrap();
        (p.title().to_owned(), p.start(), p.stop())
    };
    let (sports, start, _) = guide_next(&h, 1);
    let channel = h.tv().channel_ref(1);
    h.cmd(M::ToggleTimer { channel, start });
    let out = h.outcomes();
    let [
        Outcome::Timer {
            set: true,
            warning: Some(w),
            ..
        },
    ] = &out[..]
    else {
        panic!("{out:?}")
    };
    assert!(w.contains("one connection"), "{w}");
    // Another channel at the same time: refused now, not when it would fail.
    let music = h
        .tv()
        .guide()
        .unwrap()
        .range(2, start, start + 1)
        .next()
        .map(|p| (p.title().to_owned(), p.start()))
        .unwrap();
    let channel = h.tv().channel_ref(2);
    h.cmd(M::ToggleTimer {
        channel,
        start: music.1,
    });
    let out = h.outcomes();
    let [Outcome::NoTimer(why)] = &out[..] else {
        panic!("{out:?}")
    };
    assert_eq!(
        *why,
        format!(
            "{} can't be recorded: your provider allows one connection at once, and {sports} would be recording then.",
            music.0
        )
    );
    assert_eq!(h.tv().timers.timers.list().len(), 1);
    // When it starts, the viewer's channel (News, same server) would be a second
    // connection: the TV switches to the channel being recorded, and says why.
    h.player.clear();
    at(&mut h, start - 120);
    assert_eq!(h.watching().as_deref(), Some("Prism Sports"));
    let ops = h.ops();
    assert!(
        matches!(&ops[..], [Op::Play(u), .., Op::Timer(_, Some(_))] if u.contains("sports")),
        "{ops:?}"
    );
}

#[test]
fn record_a_programme_by_name_sets_a_timer_for_its_next_showing() {
    let dir = folder("voice");
    let now = crate::time::unix_now();
    let mut h = harness(&dir, now);
    let next = h.tv().guide().unwrap().now_next(1, now).next.unwrap();
    let (title, start) = (next.title().to_owned(), next.start());
    h.cmd(M::RecordProgramme {
        title: title.to_lowercase(),
    });
    let out = h.outcomes();
    assert!(
        matches!(&out[..], [Outcome::Timer { set: true, title: t, .. }] if *t == title),
        "{out:?}"
    );
    let t = &h.tv().timers.timers.list()[0];
    assert_eq!(t.title, title);
    assert!(t.start <= start, "the next showing (or the one on now)");
    // Asked again: still set, not cancelled.
    h.cmd(M::RecordProgramme {
        title: title.to_lowercase(),
    });
    assert!(matches!(
        &h.outcomes()[..],
        [Outcome::Timer { set: true, .. }]
    ));
    assert_eq!(h.tv().timers.timers.list().len(), 1);
    h.cmd(M::RecordProgramme {
        title: "no such programme anywhere".into(),
    });
    assert_eq!(h.outcomes(), [Outcome::NoProgramme]);
}

#[test]
fn the_recordings_screen_lists_timers_first_and_delete_cancels_one_after_asking() {
    let dir = folder("shelf");
    let now = crate::time::unix_now();
    let mut h = harness(&dir, now);
    h.app.add_plugins(crate::screens::recordings::plugin);
    std::fs::create_dir_all(dir.join("recordings")).unwrap();
    std::fs::write(
        dir.join("recordings/Prism News - Old - 2026-12-01 20.00.mkv"),
        b"old",
    )
    .unwrap();
    let next = h.tv().guide().unwrap().now_next(1, now).next.unwrap();
    let (title, start) = (next.title().to_owned(), next.start());
    let channel = h.tv().channel_ref(1);
    h.cmd(M::ToggleTimer { channel, start });
    h.key(KeyCode::KeyW);
    h.settle();
    assert_eq!(h.screen(), Screen::Recordings);
    let texts = h.texts();
    assert!(texts.contains(&format!("● {title}")), "{texts:?}");
    let when = format!(
        "Prism Sports  ·  {} {}-",
        crate::time::weekday(start),
        crate::time::clock(start)
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with(&when) && t.ends_with("Set to record")),
        "{when:?} in {texts:?}"
    );
    // The keys line says what Delete does here.
    assert!(
        texts.contains(&"Delete cancels the recording · Back closes".to_string()),
        "{texts:?}"
    );
    // OK on a timer plays nothing; Delete asks, OK cancels it.
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.screen(), Screen::Recordings);
    h.key(KeyCode::Delete);
    h.settle();
    assert!(h.texts().contains(&format!(
        "Cancel the recording of {title}? OK cancels it, Back keeps it."
    )));
    h.key(KeyCode::Enter);
    h.settle();
    assert!(h.tv().timers.timers.list().is_empty());
    assert!(!h.texts().contains(&format!("● {title}")));
    assert!(
        dir.join("recordings/Prism News - Old - 2026-12-01 20.00.mkv")
            .exists()
    );
    assert!(!saved(&dir, |t| !t.contains(&title)).contains(&title));
}

/// In the guide search R is a letter: Ctrl+R, or the remote's record key, sets a timer for
/// the selected result (and takes it off again), and nothing is typed.
#[test]
fn ctrl_r_or_the_record_key_in_the_guide_search_records_the_selected_programme() {
    let dir = folder("search");
    let now = crate::time::unix_now();
    let mut h = harness(&dir, now);
    h.key(KeyCode::KeyG);
    h.settle();
    h.key(KeyCode::Slash);
    h.settle();
    let title = h
        .tv()
        .guide()
        .unwrap()
        .now_next(1, now)
        .next
        .unwrap()
        .title()
        .to_lowercase();
    h.type_text(&title);
    h.settle();
    let finder = h.app.world().resource::<crate::screens::finder::Finder>();
    let (channel, start) = finder.hits[finder.selected];
    h.take::<Executed>();

    h.hold(KeyCode::ControlLeft);
    h.key(KeyCode::KeyR);
    h.release(KeyCode::ControlLeft);
    let out = h.outcomes();
    assert!(
        matches!(&out[..], [Outcome::Timer { set: true, channel: c, start: s, .. }] if *c == channel && *s == start),
        "{out:?}"
    );
    let finder = h.app.world().resource::<crate::screens::finder::Finder>();
    assert_eq!(
        finder.query.as_deref(),
        Some(title.as_str()),
        "nothing typed"
    );
    h.settle();
    let texts = h.texts();
    assert!(texts.iter().any(|t| t.starts_with("● ")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("Ctrl+R")), "{texts:?}");

    // The remote's record key (a logical key with no key code): off again.
    h.logical_key(bevy::input::keyboard::Key::MediaRecord);
    let out = h.outcomes();
    assert!(
        matches!(&out[..], [Outcome::Timer { set: false, .. }]),
        "{out:?}"
    );
}
