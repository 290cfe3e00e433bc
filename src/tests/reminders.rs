//! Reminders: OK on a later programme in the grid sets one (OK again takes it off), the grid
//! marks it, "remind me when ... is on" sets one for the soonest showing, a minute before it
//! is announced and at the start a toast offers the channel: OK switches (or the TV switches
//! by itself, if the viewer asked for that).

use prism_core::command::MediaCommand as M;

use super::*;
use crate::tv::Outcome;

/// The demo lineup with the guide around the real clock, the grid and the reminders.
fn harness() -> (Harness, i64) {
    let now = crate::time::unix_now();
    let mut h = Harness::with(demo_playlist(), |app| {
        app.init_resource::<crate::sources::logos::Logos>()
            .add_plugins((
                crate::screens::guide::plugin,
                crate::screens::grid::plugin,
                crate::screens::finder::plugin,
                crate::reminders::plugin,
            ));
    });
    h.install_at(demo_playlist(), now);
    h.settle();
    h.take::<Executed>();
    (h, now)
}

fn reminders(h: &Harness) -> Vec<(String, i64)> {
    h.settings()
        .reminders
        .list()
        .iter()
        .map(|r| (r.channel_name.clone(), r.start))
        .collect()
}

#[test]
fn ok_on_a_later_programme_in_the_grid_sets_a_reminder_and_ok_switches_at_its_start() {
    let (mut h, now) = harness();
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    h.key(KeyCode::KeyG);
    h.settle();
    assert_eq!(h.screen(), Screen::Grid);
    // Down to Prism Sports, Right to the programme after the one on now.
    h.key(KeyCode::ArrowDown);
    h.key(KeyCode::ArrowRight);
    let next = h.tv().guide().unwrap().now_next(1, now).next.unwrap();
    let (title, start) = (next.title().to_owned(), next.start());
    h.take::<Executed>();
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(
        h.screen(),
        Screen::Grid,
        "OK on a later programme stays in the grid"
    );
    assert_eq!(
        h.outcomes(),
        [Outcome::Reminder {
            set: true,
            channel: 1,
            title: title.clone(),
            start
        }]
    );
    assert_eq!(reminders(&h), [("Prism Sports".to_owned(), start)]);
    let marked = format!("◷ {title}");
    assert!(
        h.texts().contains(&marked),
        "{marked:?} not in {:?}",
        h.texts()
    );
    // OK again takes it off.
    h.key(KeyCode::Enter);
    h.settle();
    assert!(reminders(&h).is_empty());
    assert!(!h.texts().contains(&marked));
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(reminders(&h).len(), 1);
    h.key(KeyCode::Escape);
    h.settle();
    assert_eq!(h.screen(), Screen::Watching);

    // A minute before: announced, nothing tuned. (The clock is real: the reminder's times
    // are moved instead.)
    let set_start = |h: &mut Harness, start: i64| {
        let mut s = h.app.world_mut().resource_mut::<Settings>();
        let mut r = s.reminders.list()[0].clone();
        s.reminders = Default::default();
        r.start = start;
        r.stop = start + 1800;
        s.reminders.set(r, start - 1);
    };
    set_start(&mut h, now + 30);
    h.player.clear();
    h.settle();
    let notice = h.tv().notice.as_ref().map(|(_, n)| n.clone()).unwrap();
    assert!(
        notice.contains("starts in a minute on Prism Sports"),
        "{notice}"
    );
    assert!(notice.contains(&title), "{notice}");
    assert!(h.ops().is_empty(), "nothing tuned a minute before");
    // At the start: a toast offers the channel, nothing is tuned until OK, and the reminder
    // is done.
    let started = |h: &mut Harness| {
        let mut s = h.app.world_mut().resource_mut::<Settings>();
        let mut r = s.reminders.list()[0].clone();
        r.start = crate::time::unix_now() - 1;
        s.reminders = serde_json::from_value(serde_json::json!([r])).unwrap();
    };
    started(&mut h);
    h.settle();
    assert!(reminders(&h).is_empty());
    assert_eq!(h.watching().as_deref(), Some("Prism News"));
    let notice = h.tv().notice.as_ref().map(|(_, n)| n.clone()).unwrap();
    assert!(
        notice.ends_with("is starting on Prism Sports. OK to watch."),
        "{notice}"
    );
    h.key(KeyCode::Enter);
    h.settle();
    assert_eq!(h.watching().as_deref(), Some("Prism Sports"));
    assert_eq!(
        h.screen(),
        Screen::Watching,
        "OK took the offer, no channel list"
    );
    assert_eq!(h.tv().offered(), None, "taken once");
}

/// With `reminder_switches` on, the TV switches by itself when the programme starts.
#[test]
fn a_reminder_can_switch_by_itself() {
    let (mut h, now) = harness();
    h.app
        .world_mut()
        .resource_mut::<Settings>()
        .reminder_switches = true;
    let next = h
        .tv()
        .guide()
        .unwrap()
        .now_next(1, now)
        .next
        .unwrap()
        .start();
    h.cmd(M::ToggleReminder {
        channel: prism_core::command::ChannelRef {
            index: 1,
            name: "Prism Sports".into(),
        },
        start: next,
    });
    assert_eq!(reminders(&h).len(), 1);
    let mut s = h.app.world_mut().resource_mut::<Settings>();
    let mut r = s.reminders.list()[0].clone();
    r.start = crate::time::unix_now() - 1;
    s.reminders = serde_json::from_value(serde_json::json!([r])).unwrap();
    h.settle();
    assert_eq!(h.watching().as_deref(), Some("Prism Sports"));
    assert!(reminders(&h).is_empty());
}

#[test]
fn remind_me_when_it_is_on_sets_a_reminder_for_the_soonest_showing() {
    let (mut h, now) = harness();
    // A title still to come somewhere in the demo guide.
    let guide = h.tv().guide().unwrap();
    let p = (0..h.tv().channel_count())
        .find_map(|c| guide.now_next(c, now).next)
        .unwrap();
    let title = p.title().to_owned();
    let soonest = guide
        .find(&title, now, 50)
        .into_iter()
        .filter(|(_, p, t)| *t && p.start() > now)
        .map(|(c, p, _)| (p.start(), c))
        .min()
        .unwrap();
    h.cmd(M::Remind {
        title: title.to_lowercase(),
    });
    let done = h.take::<Executed>();
    assert_eq!(done.len(), 1);
    let Outcome::Reminder {
        set: true,
        channel,
        start,
        ..
    } = done[0].outcome.clone()
    else {
        panic!("{:?}", done[0].outcome)
    };
    assert_eq!((start, channel), soonest);
    let line = crate::voice::ack_line(&done[0], h.tv()).unwrap();
    assert!(
        line.starts_with(&format!("I'll remind you: {title} on ")),
        "{line}"
    );
    assert_eq!(reminders(&h).len(), 1);
    // Asked again: still one reminder, and she says it is set.
    h.cmd(M::Remind {
        title: title.clone(),
    });
    assert!(matches!(
        h.take::<Executed>()[0].outcome,
        Outcome::Reminder { set: true, .. }
    ));
    assert_eq!(reminders(&h).len(), 1);
    // Nothing to come by that name.
    h.cmd(M::Remind {
        title: "the eurovision song contest".into(),
    });
    let done = h.take::<Executed>();
    assert_eq!(done[0].outcome, Outcome::NoProgramme);
    assert_eq!(
        crate::voice::ack_line(&done[0], h.tv()).as_deref(),
        Some("I can't find the eurovision song contest still to come in the guide.")
    );
}
