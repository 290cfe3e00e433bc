//! Coming back to a channel after a while: Lumen's line says what the guide shows changed on
//! it (what ended, what started and when, and "start over" where there is an archive), a
//! glance elsewhere says nothing, and "what did I miss?" answers with the same line. The clock
//! is a fake one (`WallClock`).

use prism_core::command::MediaCommand as M;

use super::*;
use crate::tv::Outcome;
use crate::tv::timers::WallClock;

fn at(h: &mut Harness, t: i64) {
    h.app.world_mut().resource_mut::<WallClock>().0 = Some(t);
}

#[test]
fn coming_back_to_a_channel_tells_what_changed_on_it_from_the_guide() {
    let now = crate::time::unix_now();
    let mut h = Harness::with(demo_playlist(), |_| {});
    h.install_at(demo_playlist(), now);
    h.settle();
    assert_eq!(h.tv().current, Some(0));
    // What channel 0 shows now and next, from its guide.
    let (first, next) = {
        let g = h.tv().guide().unwrap();
        let nn = g.now_next(0, now);
        let (a, b) = (nn.now.unwrap(), nn.next.unwrap());
        (
            (a.start(), a.title().to_owned()),
            (b.start(), b.title().to_owned()),
        )
    };
    let name = h.tv().channel(0).unwrap().name.clone();
    assert!(
        h.tv().channel(0).unwrap().catchup.is_some(),
        "the demo keeps an archive"
    );

    // A glance at the next channel and back: nothing to tell.
    at(&mut h, first.0 + 60);
    h.cmd(M::ChannelUp);
    at(&mut h, first.0 + 120);
    h.cmd(M::ChannelDown);
    assert_eq!(h.tv().current, Some(0));
    assert_eq!(h.tv().came_back, None);

    // Away while the next programme began.
    at(&mut h, first.0 + 180);
    h.cmd(M::ChannelUp);
    let back_at = next.0 + 90;
    at(&mut h, back_at);
    h.outcomes();
    h.cmd(M::ChannelDown);
    let tuned = h.take::<crate::tv::Executed>();
    assert_eq!(
        tuned.iter().map(|e| &e.outcome).collect::<Vec<_>>(),
        [&Outcome::Tuned(0)]
    );
    let back = h.tv().came_back.clone().expect("came back after a while");
    let minutes = ((back_at - first.0 - 180) as f64 / 60.0).round();
    for part in [
        format!("You were away from {name} for {minutes} minutes"),
        format!("{} ended", first.1),
        format!("{} started at {}", next.1, crate::time::clock(next.0)),
        "Say \"start over\"".to_owned(),
    ] {
        assert!(back.line.contains(&part), "{part:?} in {:?}", back.line);
    }
    // Lumen says it of her own accord (what `offer_catch_up` hands her voice).
    assert_eq!(
        crate::voice::catch_up_offer(&tuned[0], h.tv()).as_deref(),
        Some(back.line.as_str())
    );
    // "What did I miss?" with no buffer skipped: the same.
    h.cmd(M::CatchMeUp);
    assert_eq!(h.outcomes(), [Outcome::Away(back.line.clone())]);

    // Away a few minutes inside one programme: it is still on.
    at(&mut h, back_at + 60);
    h.cmd(M::ChannelUp);
    at(&mut h, back_at + 60 + 5 * 60);
    h.cmd(M::ChannelDown);
    let back = h.tv().came_back.clone().expect("five minutes away");
    assert!(
        back.line.ends_with(&format!("; {} is still on.", next.1)),
        "{}",
        back.line
    );
    assert!(back.line.contains("for 5 minutes"), "{}", back.line);
    // Ten minutes on, "what did I miss?" no longer tells of the return.
    at(&mut h, back_at + 60 + 5 * 60 + 11 * 60);
    h.outcomes();
    h.cmd(M::CatchMeUp);
    let out = h.outcomes();
    assert!(
        matches!(&out[..], [o] if !matches!(o, Outcome::Away(_))),
        "{out:?}"
    );
}
