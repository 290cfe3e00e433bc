//! Timers coming due (they are made through `MediaCommand::ToggleTimer`/`RecordProgramme`,
//! which `Tv::execute` carries out; `tv::timers` keeps them): once a second, a timer whose
//! padded window began starts recording its channel, one whose window ended stops, and a
//! finished or failed recording is noted in the timers file and said.

use bevy::prelude::*;
use prism_core::timers::{Due, Status};
use prism_media::RecordingState;

use crate::settings::Settings;
use crate::tv::Tv;
use crate::tv::timers::WallClock;
use crate::voice::Say;

pub fn plugin(app: &mut App) {
    app.init_resource::<WallClock>()
        .add_systems(Update, run.in_set(crate::app::AppSystems::Execute));
}

/// Once a second: timers due start or stop, and finished recordings are noted.
fn run(
    mut tv: ResMut<Tv>,
    settings: Res<Settings>,
    clock: Res<WallClock>,
    mut last: Local<i64>,
    mut say: Option<MessageWriter<Say>>,
) {
    let now = clock.now();
    if now == *last {
        return;
    }
    *last = now;
    let tv = &mut *tv;
    let mut lines = Vec::new();
    let mut changed = false;
    if std::mem::take(&mut tv.timers.fresh) {
        for t in tv.timers.timers.after_restart(now) {
            changed = true;
            lines.push(crate::msg!("timer-interrupted", title = t.title));
        }
    }
    for due in tv.timers.timers.due(now) {
        changed = true;
        match due {
            Due::Start(t) => match tv.start_timer(&t, &settings) {
                Ok(file) => {
                    info!("timer {}: recording {}", t.id, file.display());
                    tv.timers
                        .timers
                        .recording_into(t.id, file.to_string_lossy().into_owned());
                    tv.timers.running.push(t.id);
                    lines.push(crate::msg!(
                        "timer-started",
                        title = t.title,
                        channel = t.channel_name
                    ));
                }
                Err(why) => {
                    tv.timers
                        .timers
                        .finish(t.id, Status::Failed, None, Some(why.clone()));
                    lines.push(crate::msg!("timer-failed", title = t.title, why = why));
                }
            },
            Due::Stop(t) => {
                tv.player.stop_stream(t.id);
            }
            Due::Missed(t) => lines.push(crate::msg!("timer-missed", title = t.title)),
        }
    }
    // Recordings that ended (stopped and finished, or failed on the way).
    let running = std::mem::take(&mut tv.timers.running);
    for id in running {
        let Some(status) = tv.player.stream_recording(id) else {
            tv.timers.running.push(id);
            continue;
        };
        let title = tv
            .timers
            .timers
            .get(id)
            .map(|t| t.title.clone())
            .unwrap_or_default();
        let file = Some(status.path.to_string_lossy().into_owned());
        match status.state {
            RecordingState::Done => {
                changed = true;
                tv.timers.timers.finish(id, Status::Done, file, None);
                lines.push(crate::msg!(
                    "timer-done",
                    title = title,
                    time = prism_core::timeshift::clock(status.seconds)
                ));
            }
            RecordingState::Failed(why) => {
                changed = true;
                tv.timers
                    .timers
                    .finish(id, Status::Failed, file, Some(why.clone()));
                lines.push(crate::msg!("timer-failed", title = title, why = why));
            }
            RecordingState::Recording | RecordingState::Finishing => tv.timers.running.push(id),
        }
    }
    if changed {
        tv.timers.save();
    }
    for line in lines {
        let shown = line.shown();
        info!("{shown}");
        tv.notice = Some((std::time::Instant::now(), shown));
        if let Some(say) = say.as_mut() {
            say.write(Say::Line(line.said()));
        }
    }
}
