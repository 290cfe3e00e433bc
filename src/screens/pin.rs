//! The PIN screen: it opens when a locked channel is asked for (by key, list, voice or API)
//! and when a locked group is to be unlocked; the first time, it asks for a PIN to be chosen.
//! The right PIN unlocks locked channels until Prism closes and tunes the channel that asked.

use bevy::prelude::*;
use prism_core::parental;

use crate::app::Screen;
use crate::input::{Edit, Field, TextCapture};
use crate::settings::Settings;
use crate::t;
use crate::theme::{self, text};
use crate::tv::{Cmd, Executed, Outcome, Tv};

pub fn plugin(app: &mut App) {
    app.init_resource::<PinEntry>()
        .add_systems(OnEnter(Screen::Pin), (begin, spawn))
        .add_systems(OnExit(Screen::Pin), |mut capture: ResMut<TextCapture>| {
            capture.end(Field::Pin)
        })
        .add_systems(
            Update,
            (
                ask.in_set(crate::app::AppSystems::Execute),
                (typing, draw)
                    .chain()
                    .run_if(in_state(Screen::Pin))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// The digits typed so far, and what was wrong with the last try.
#[derive(Resource, Default, Debug)]
pub struct PinEntry {
    pub digits: String,
    pub problem: Option<String>,
}

#[derive(Component)]
struct Says;

/// A locked channel was asked for: the PIN screen opens.
fn ask(mut done: MessageReader<Executed>, mut next: ResMut<NextState<Screen>>) {
    if done.read().any(|e| matches!(e.outcome, Outcome::Locked(_))) {
        next.set(Screen::Pin);
    }
}

fn begin(mut entry: ResMut<PinEntry>, mut capture: ResMut<TextCapture>) {
    *entry = PinEntry::default();
    capture.begin(Field::Pin);
}

fn spawn(mut commands: Commands) {
    commands
        .spawn((
            DespawnOnExit(Screen::Pin),
            Node {
                position_type: PositionType::Absolute,
                left: percent(30),
                right: percent(30),
                top: percent(30),
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::Center,
                padding: UiRect::all(px(28)),
                row_gap: px(14),
                border_radius: BorderRadius::all(px(18)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Dialog),
            theme::ViewerOnly,
        ))
        .with_children(|p| {
            p.spawn(text(&t!("pin-title"), 34.0, theme::ACCENT));
            p.spawn((Says, text("", 24.0, theme::TEXT)));
            p.spawn(text(&t!("pin-hint"), 20.0, theme::DIM));
        });
}

/// Digits, Backspace, OK to try, Back to give up.
fn typing(
    mut edits: MessageReader<Edit>,
    mut entry: ResMut<PinEntry>,
    mut tv: ResMut<Tv>,
    mut settings: ResMut<Settings>,
    mut cmds: MessageWriter<Cmd>,
    mut next: ResMut<NextState<Screen>>,
) {
    for e in edits.read() {
        match e {
            Edit::Text(s) => {
                for c in s.chars().filter(char::is_ascii_digit) {
                    if entry.digits.len() < 8 {
                        entry.digits.push(c);
                    }
                }
            }
            Edit::Backspace => {
                entry.digits.pop();
            }
            Edit::Clear => entry.digits.clear(),
            Edit::Cancel => {
                tv.pin_for = None;
                // Given up with nothing on (the last channel, locked, was the first asked
                // for): the first channel that needs no PIN plays, never a blank screen.
                if tv.current.is_none()
                    && let Some(i) = (0..tv.channel_count()).find(|&i| {
                        tv.channel(i)
                            .is_some_and(|c| !settings.is_locked(c) && !settings.is_hidden(c))
                    })
                {
                    cmds.write(Cmd::watch(&tv, i));
                }
                next.set(Screen::Watching);
            }
            Edit::Done => {
                let pin = std::mem::take(&mut entry.digits);
                let right = match &settings.parental.pin {
                    Some(sealed) => parental::check(sealed, &pin),
                    // The first time: the PIN typed becomes the PIN.
                    None if parental::valid_pin(&pin) => {
                        let salt = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(7, |d| d.as_nanos() as u64);
                        settings.parental.pin = Some(parental::seal(&pin, salt));
                        true
                    }
                    None => {
                        entry.problem = Some(t!("pin-invalid"));
                        continue;
                    }
                };
                if !right {
                    entry.problem = Some(t!("pin-wrong"));
                    continue;
                }
                tv.unlocked = true;
                if let Some(i) = tv.pin_for.take() {
                    cmds.write(Cmd::watch(&tv, i));
                }
                next.set(Screen::Watching);
            }
        }
    }
}

fn draw(
    entry: Res<PinEntry>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    mut says: Query<&mut Text, With<Says>>,
) {
    if !entry.is_changed() {
        return;
    }
    let Ok(mut t) = says.single_mut() else { return };
    let ask = if settings.parental.pin.is_none() {
        t!("pin-choose")
    } else if let Some(c) = tv.pin_for.and_then(|i| tv.channel(i)) {
        t!("pin-enter", channel = c.name.as_str())
    } else {
        t!("pin-unlock-group")
    };
    let dots: String = "● ".repeat(entry.digits.len());
    let mut s = format!("{ask}\n\n{}", dots.trim_end());
    if let Some(p) = &entry.problem {
        s += &format!("\n{p}");
    }
    t.0 = s;
}
