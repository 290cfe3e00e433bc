//! Catch-up in the app: the grid goes back as far as a channel's archive, marks what is over
//! there (↺), and OK plays it from the archive; "start this programme over" plays the one on
//! now from its start; Back returns to the channel live. A channel without an archive says so.

use prism_core::command::{ChannelRef, MediaCommand as M};

use super::*;
use crate::tv::Outcome;
use crate::tv::player::Op;

fn harness(playlist: Playlist) -> (Harness, i64) {
    let now = crate::time::unix_now();
    let mut h = Harness::with(playlist.clone(), |app| {
        app.init_resource::<crate::sources::logos::Logos>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::grid::plugin,
                crate::screens::finder::plugin,
            ));
    });
    h.install_at(playlist, now);
    h.settle();
    h.player.clear();
    h.take::<Executed>();
    (h, now)
}

#[test]
fn ok_on_a_past_programme_plays_it_from_the_archive_and_back_goes_live() {
    let (mut h, now) = harness(demo_playlist());
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    let guide = h.tv().guide().unwrap();
    let on_now = guide.now_next(0, now).now.unwrap();
    let before = guide
        .range(0, on_now.start() - 1, on_now.start())
        .next()
        .expect("the demo guide has the hours before now");
    let (title, start, stop) = (before.title().to_owned(), before.start(), before.stop());
    h.key(KeyCode::KeyG);
    h.settle();
    assert_eq!(h.screen(), Screen::Grid);
    h.take::<Executed>();
    // Left: the programme before the one on now (the demo keeps a week of archive).
    h.key(KeyCode::ArrowLeft);
    h.settle();
    let marked = format!("↺ {title}");
    assert!(
        h.texts().contains(&marked),
        "{marked:?} not in {:?}",
        h.texts()
    );
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.screen(), Screen::Watching);
    assert_eq!(
        h.outcomes(),
        [Outcome::CatchUp {
            channel: 0,
            title: title.clone(),
            start
        }]
    );
    let want = format!("http://127.0.0.1:1/demo/news.prism.demo/archive/{start}-{stop}.m3u8");
    assert_eq!(h.ops(), [Op::Play(want)]);
    assert_eq!(h.tv().archive, Some((0, start, title.clone())));
    let notice = h.tv().notice.as_ref().map(|(_, n)| n.clone()).unwrap();
    assert!(
        notice.starts_with(&format!("From the archive: {title}")),
        "{notice}"
    );
    // Back: the channel again, live.
    h.player.clear();
    h.key(KeyCode::Backspace);
    h.settle();
    assert_eq!(
        h.ops(),
        [Op::Play(
            "http://127.0.0.1:1/demo/news.prism.demo/index.m3u8".into()
        )]
    );
    assert_eq!(h.tv().archive, None);
}

#[test]
fn start_over_plays_the_programme_on_now_from_its_start() {
    let (mut h, now) = harness(demo_playlist());
    let on_now = h.tv().guide().unwrap().now_next(0, now).now.unwrap();
    let start = on_now.start();
    let grammar = h.tv().lineup.as_ref().unwrap().grammar.clone();
    assert_eq!(
        grammar.parse("start this programme over"),
        Some(M::StartOver)
    );
    assert_eq!(
        grammar.parse("play it from the beginning"),
        Some(M::StartOver)
    );
    h.cmd(M::StartOver);
    let got = h.outcomes();
    assert!(
        matches!(&got[..], [Outcome::CatchUp { channel: 0, start: s, .. }] if *s == start),
        "{got:?}"
    );
    let played = h.ops();
    assert!(
        matches!(&played[..], [Op::Play(u)] if u.contains(&format!("/archive/{start}-"))),
        "{played:?}"
    );
}

#[test]
fn a_channel_without_an_archive_says_so_and_keeps_playing() {
    // The demo lineup, its first channel without the archive attributes.
    let mut p = demo_playlist();
    p.channels[0].catchup = None;
    let (mut h, now) = harness(p);
    // The grid does not go into its past.
    h.key(KeyCode::KeyG);
    h.settle();
    h.key(KeyCode::ArrowLeft);
    h.settle();
    let at = h
        .app
        .world()
        .resource::<crate::screens::grid::GridCursor>()
        .at;
    assert!(at >= now, "the cursor went back to {at} (now {now})");
    h.key(KeyCode::Escape);
    h.settle();
    h.take::<Executed>();
    h.player.clear();
    // Asked anyway (by voice or the API): a clear refusal, and the live channel plays on.
    let start = h
        .tv()
        .guide()
        .unwrap()
        .now_next(0, now)
        .now
        .unwrap()
        .start();
    h.cmd(M::CatchUp {
        channel: ChannelRef {
            index: 0,
            name: "Prism News".into(),
        },
        start,
    });
    let no = Outcome::NoArchive("this channel has no archive".into());
    assert_eq!(h.outcomes(), std::slice::from_ref(&no));
    h.cmd(M::StartOver);
    assert_eq!(h.outcomes(), [no]);
    let notice = h.tv().notice.as_ref().map(|(_, n)| n.clone());
    assert_eq!(notice.as_deref(), Some("this channel has no archive"));
    assert!(h.ops().is_empty(), "nothing was tuned: {:?}", h.ops());
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
}

#[test]
fn an_archive_that_fails_goes_back_to_live_and_says_why() {
    let (mut h, now) = harness(demo_playlist());
    let start = {
        let guide = h.tv().guide().unwrap();
        let on_now = guide.now_next(0, now).now.unwrap();
        guide
            .range(0, on_now.start() - 1, on_now.start())
            .next()
            .unwrap()
            .start()
    };
    h.cmd(M::CatchUp {
        channel: ChannelRef {
            index: 0,
            name: "Prism News".into(),
        },
        start,
    });
    assert!(h.tv().archive.is_some());
    h.player.clear();
    // The archive's server answers 404 on every try.
    h.event(PlayerEvent::Error {
        message: "the stream was not found (HTTP 404)".into(),
        recovery: prism_media::Recovery::GiveUp,
    });
    h.settle();
    assert!(h.tv().archive.is_none());
    let ops = h.ops();
    assert!(
        matches!(ops.last(), Some(Op::Play(u)) if !u.contains("archive")),
        "live again: {ops:?}"
    );
    let notice = h.tv().notice.clone().map(|n| n.1).unwrap_or_default();
    assert!(
        notice.contains("HTTP 404") && notice.contains("back to live"),
        "{notice}"
    );
}
