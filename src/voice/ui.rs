//! The voice on screen: the microphone indicator (level and status) and the F3 timings panel.

use super::*;

#[derive(Component)]
pub(super) struct MicIndicator;
#[derive(Component)]
pub(super) struct MicLevel;
#[derive(Component)]
pub(super) struct MicText;
#[derive(Component)]
pub(super) struct Metrics;

pub(super) fn spawn_ui(mut commands: Commands) {
    commands
        .spawn((
            MicIndicator,
            theme::ViewerOnly,
            Node {
                position_type: PositionType::Absolute,
                left: px(24),
                top: px(24),
                padding: UiRect::axes(px(16), px(10)),
                column_gap: px(12),
                align_items: AlignItems::Center,
                max_width: percent(45),
                border_radius: BorderRadius::all(px(12)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            Visibility::Hidden,
            crate::theme::plane(prism_core::scene::Plane::Notice),
        ))
        .with_children(|b| {
            b.spawn((
                Node {
                    width: px(10),
                    height: px(28),
                    ..default()
                },
                BackgroundColor(theme::TRACK),
            ))
            .with_children(|t| {
                t.spawn((
                    MicLevel,
                    Node {
                        width: percent(100),
                        height: percent(0),
                        position_type: PositionType::Absolute,
                        bottom: px(0),
                        ..default()
                    },
                    BackgroundColor(theme::ACCENT),
                ));
            });
            b.spawn((
                MicText,
                Text::new(""),
                TextFont::from_font_size(22.0),
                TextColor(theme::TEXT),
            ));
        });
    commands.spawn((
        Metrics,
        theme::ViewerOnly,
        Text::new(""),
        TextFont::from_font_size(16.0),
        TextColor(theme::TEXT),
        BackgroundColor(theme::PANEL),
        Node {
            position_type: PositionType::Absolute,
            left: px(24),
            bottom: px(24),
            padding: UiRect::all(px(10)),
            ..default()
        },
        Visibility::Hidden,
        crate::theme::plane(prism_core::scene::Plane::Notice),
    ));
}

pub(super) fn indicator(
    v: Res<Voice>,
    screen: Res<State<crate::app::Screen>>,
    mut panel: Query<(&mut Visibility, &mut Node), (With<MicIndicator>, Without<MicLevel>)>,
    mut level: Query<&mut Node, (With<MicLevel>, Without<MicIndicator>)>,
    mut text: Query<&mut Text, With<MicText>>,
) {
    let (Ok((mut vis, mut node)), Ok(mut bar), Ok(mut t)) =
        (panel.single_mut(), level.single_mut(), text.single_mut())
    else {
        return;
    };
    // The channel list fills the left side: the panel goes to the right, never over it.
    let (left, right) = if *screen.get() == crate::app::Screen::Guide {
        (Val::Auto, px(24))
    } else {
        (px(24), Val::Auto)
    };
    if node.left != left || node.right != right {
        node.left = left;
        node.right = right;
    }
    let waking = !v.ready();
    let (s, lvl) = match &v.phase {
        Phase::Listening(_) => {
            let db = v
                .mic
                .as_ref()
                .and_then(|m| m.as_ref().ok())
                .map_or(-90.0, Microphone::level_db);
            (t!("voice-listening"), ((db + 60.0) / 60.0).clamp(0.0, 1.0))
        }
        Phase::Transcribing(_) => ("...".to_string(), 0.0),
        Phase::Thinking(_) => (t!("voice-thinking", heard = v.report.status.clone()), 0.0),
        Phase::Idle if waking && v.report.status.is_empty() => (t!("voice-waking"), 0.0),
        Phase::Idle
            if !v.report.status.is_empty()
                && v.report.status_since.elapsed().as_secs_f32() < 6.0 =>
        {
            (v.report.status.clone(), 0.0)
        }
        Phase::Idle => (String::new(), 0.0),
    };
    // The settings screen shows the voice's status under its own rows.
    let show = if s.is_empty() || *screen.get() == crate::app::Screen::Settings {
        Visibility::Hidden
    } else {
        Visibility::Inherited
    };
    if *vis != show {
        *vis = show;
    }
    if t.0 != s {
        t.0 = s;
    }
    let h = percent(lvl * 100.0);
    if bar.height != h {
        bar.height = h;
    }
}

pub(super) fn metrics_panel(
    v: Res<Voice>,
    time: Res<Time>,
    mut q: Query<(&mut Text, &mut Visibility), With<Metrics>>,
) {
    let Ok((mut t, mut vis)) = q.single_mut() else {
        return;
    };
    let show = if v.report.show_metrics {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if *vis != show {
        *vis = show;
    }
    if !v.report.show_metrics {
        return;
    }
    // ASCII dashes: readable even where the font chain is missing (see `theme::fonts`).
    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.0} ms"));
    let l = &v.report.last;
    let s = format!(
        "voice  heard {:?}\ntranscript {}   command {}   applied {}\nLLM first token {} ({} prompt tokens after release)   TTS first audio {}\nfirst sound {}   thinking aloud {}   total {}\nrender {:.0} fps   {} utterances",
        l.heard,
        f(l.transcript),
        f(l.command),
        f(l.applied),
        f(l.llm_first_token),
        l.llm_prompt_after_release
            .map_or("-".to_string(), |n| n.to_string()),
        f(l.tts_first_audio),
        f(l.first_sound),
        f(l.thinking_aloud),
        f(l.total),
        1.0 / time.delta_secs().max(1e-3),
        v.report.history.len()
    );
    if t.0 != s {
        t.0 = s;
    }
}
