//! Reminders coming due (they are set through `MediaCommand::Remind`/`ToggleReminder`, which
//! `Tv::execute` carries out): a minute before the programme a notice, and Lumen says it; at
//! the start a toast offers the channel and OK switches to it (`Tv::offer`), or with
//! `reminder_switches` on the TV switches by itself. Either way it is the same tune as a key,
//! so a locked channel asks for its PIN.

use bevy::prelude::*;
use prism_core::reminders::{Due, LEAD_SECS};

use crate::app::Screen;
use crate::settings::Settings;
use crate::tv::{Cmd, Tv};
use crate::voice::Say;

pub fn plugin(app: &mut App) {
    app.add_systems(Update, fire.in_set(crate::app::AppSystems::Execute));
}

/// Looks every frame (at most 200 reminders); touches the settings (and so saves them) only
/// when one is due.
fn fire(
    mut settings: ResMut<Settings>,
    mut tv: ResMut<Tv>,
    screen: Res<State<Screen>>,
    mut cmds: MessageWriter<Cmd>,
    mut say: Option<MessageWriter<Say>>,
) {
    let now = crate::time::unix_now();
    let any_due =
        settings.reminders.list().iter().any(|r| {
            r.start <= now || r.stop <= now || (!r.announced && r.start - LEAD_SECS <= now)
        });
    if !any_due {
        return;
    }
    let switches = settings.reminder_switches;
    for due in settings.reminders.due(now) {
        let (r, soon) = match due {
            Due::Soon(r) => (r, true),
            Due::Now(r) => (r, false),
        };
        // The channel by identity: a refresh may have moved it.
        let at = tv
            .lineup
            .as_ref()
            .and_then(|l| l.channels().iter().position(|c| c.identity() == r.channel));
        let channel = at
            .and_then(|i| tv.channel(i))
            .map_or(r.channel_name.clone(), |c| c.name.clone());
        let watching = at.is_some() && tv.current == at;
        let watching_screen = *screen.get() == Screen::Watching;
        let line = match at {
            _ if soon => crate::msg!("reminder-soon", title = r.title.clone(), channel = channel),
            _ if watching => continue,
            Some(i) if switches && watching_screen => {
                cmds.write(Cmd::watch(&tv, i));
                crate::msg!("reminder-now", title = r.title.clone(), channel = channel)
            }
            // OK while watching takes the offer (screens::guide).
            Some(i) => {
                tv.offer = Some((i, std::time::Instant::now()));
                crate::msg!(
                    "reminder-now-ok",
                    title = r.title.clone(),
                    channel = channel
                )
            }
            None => crate::msg!(
                "reminder-now-stay",
                title = r.title.clone(),
                channel = channel
            ),
        };
        let shown = line.shown();
        info!("{shown}");
        tv.notice = Some((std::time::Instant::now(), shown));
        if let Some(say) = say.as_mut() {
            say.write(Say::Line(line.said()));
        }
    }
}
