//! The first run: with no settings file, once the demo is playing, a short welcome says what
//! the keys do (made from the input map, so it cannot disagree with it), how to add a playlist
//! (OK opens the settings' channel sources: a file, a URL or an Xtream login), how to talk to
//! Lumen, and whether the voice models are installed (and how to install them). Leaving it in
//! any way dismisses it for good (`Settings::welcomed`).

use bevy::prelude::*;
use prism_core::command::MediaCommand as M;

use crate::app::Screen;
use crate::input::bindings::{Does, key_name, keys_for};
use crate::input::{Action, Nav};
use crate::settings::Settings;
use crate::t;
use crate::theme::{self, text};
use crate::tv::Tv;

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Welcome), spawn)
        .add_systems(OnExit(Screen::Welcome), |mut settings: ResMut<Settings>| {
            settings.welcomed = true
        })
        .add_systems(
            Update,
            (
                begin.in_set(crate::app::AppSystems::Execute),
                answer
                    .run_if(in_state(Screen::Welcome))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// A first run that has not been welcomed yet (put in by the window: no settings file, and
/// not turned off by `PRISM_NO_WELCOME`).
#[derive(Resource)]
pub struct FirstRun;

/// Whether this start should welcome: no settings file yet and not welcomed before.
/// `PRISM_NO_WELCOME=1` skips it (scripted runs that start from an empty config folder).
pub fn due(file: &crate::settings::SettingsFile, settings: &Settings) -> bool {
    let off = std::env::var("PRISM_NO_WELCOME").is_ok_and(|v| !v.is_empty() && v != "0");
    !file.existed && !settings.welcomed && !off
}

/// Once the channels are on (the demo plays behind the welcome), it opens.
fn begin(
    first: Option<Res<FirstRun>>,
    tv: Res<Tv>,
    screen: Res<State<Screen>>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
) {
    if first.is_none() || tv.lineup.is_none() {
        return;
    }
    commands.remove_resource::<FirstRun>();
    if *screen.get() == Screen::Watching {
        next.set(Screen::Welcome);
    }
}

/// The lines of keys: what they do, and the keys that do it (at most three per line).
fn key_lines() -> Vec<(String, String)> {
    // The keys a keyboard has (not the numpad's or the media keys' twins), two at most each.
    let keys = |does: &[Does]| {
        does.iter()
            .flat_map(|d| {
                keys_for(d)
                    .into_iter()
                    .map(key_name)
                    .filter(|k| {
                        !["Numpad", "Media", "Audio", "Browser"]
                            .iter()
                            .any(|p| k.starts_with(p))
                    })
                    .take(2)
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    vec![
        (
            keys(&[Does::Media(M::ChannelUp), Does::Media(M::ChannelDown)]),
            t!("welcome-zap"),
        ),
        (keys(&[Does::Nav(Nav::ChannelList)]), t!("welcome-list")),
        (keys(&[Does::Media(M::ToggleGuide)]), t!("welcome-guide")),
        (
            keys(&[
                Does::Media(M::VolumeUp { step: None }),
                Does::Media(M::VolumeDown { step: None }),
                Does::Media(M::ToggleMute),
            ]),
            t!("welcome-volume"),
        ),
        (keys(&[Does::Act(Action::Talk)]), t!("welcome-talk")),
        (
            keys(&[Does::Act(Action::OpenSettings)]),
            t!("welcome-settings"),
        ),
        (
            keys(&[Does::Act(Action::Fullscreen)]),
            t!("welcome-fullscreen"),
        ),
    ]
}

fn spawn(mut commands: Commands, settings: Res<Settings>) {
    let voice = if crate::voice::models::Install::missing(&settings.voice.whisper).is_empty() {
        t!("welcome-voice-ready")
    } else {
        t!("welcome-voice-off")
    };
    commands
        .spawn((
            DespawnOnExit(Screen::Welcome),
            Node {
                position_type: PositionType::Absolute,
                left: percent(18),
                right: percent(18),
                top: percent(8),
                flex_direction: FlexDirection::Column,
                padding: UiRect::axes(px(36), px(28)),
                row_gap: px(12),
                border_radius: BorderRadius::all(px(18)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Dialog),
        ))
        .with_children(|p| {
            p.spawn(text(&t!("welcome-title"), 34.0, theme::ACCENT));
            p.spawn(text(&t!("welcome-demo"), 20.0, theme::TEXT));
            p.spawn(Node {
                display: Display::Grid,
                grid_template_columns: vec![GridTrack::auto(), GridTrack::flex(1.0)],
                column_gap: px(24),
                row_gap: px(6),
                margin: UiRect::vertical(px(6)),
                ..default()
            })
            .with_children(|g| {
                for (keys, what) in key_lines() {
                    g.spawn(text(&keys, 19.0, theme::ACCENT));
                    g.spawn(text(&what, 19.0, theme::TEXT));
                }
            });
            p.spawn(text(&t!("welcome-playlist"), 20.0, theme::TEXT));
            p.spawn(text(&voice, 20.0, theme::TEXT));
            p.spawn(text(&t!("welcome-hint"), 18.0, theme::DIM));
        });
}

/// OK: the settings, to add a playlist; Back: watch.
fn answer(mut nav: MessageReader<Nav>, mut next: ResMut<NextState<Screen>>) {
    for n in nav.read() {
        match n {
            Nav::Ok => next.set(Screen::Settings),
            Nav::Back => next.set(Screen::Watching),
            _ => {}
        }
    }
}
