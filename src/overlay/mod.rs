//! What floats over the picture: the zap banner (number, name, now/next with times and progress),
//! the volume/mute OSD, typed channel digits, the stream's captions when subtitles are on, a
//! card saying what failed and what Prism is trying next, and a radio channel's card (its
//! logo, name and what is playing, in place of the picture it does not have).

use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::input::NumberEntry;
use crate::sources::Sources;
use crate::sources::logos::Logos;
use crate::t;
use crate::theme::{self, text};
use crate::time::unix_now;
use crate::tv::{Status, Tv, Zapped};

const BANNER_FOR: Duration = Duration::from_secs(5);
const OSD_FOR: Duration = Duration::from_secs(2);

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn)
        .add_systems(
            Update,
            (
                banner, osd, card, toast, captions, radio, time_bar, rec_badge,
            )
                .in_set(crate::app::AppSystems::Draw),
        )
        .add_systems(Update, settings_problems);
}

/// How many of settings.toml's problems the toast lists (the rest are in the log).
const PROBLEMS_SHOWN: usize = 4;

/// What could not be read from settings.toml, once the channels are on screen (the toast
/// shows only then): which line, which field, what is used instead.
fn settings_problems(
    file: Option<Res<crate::settings::SettingsFile>>,
    mut tv: ResMut<Tv>,
    mut done: Local<bool>,
) {
    let Some(file) = file.filter(|f| !f.problems.is_empty()) else {
        return;
    };
    if *done || tv.lineup.is_none() {
        return;
    }
    *done = true;
    let mut lines = vec![t!("settings-problems")];
    lines.extend(
        file.problems
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(crate::settings::describe),
    );
    let more = file.problems.len().saturating_sub(PROBLEMS_SHOWN);
    if more > 0 {
        lines.push(t!("settings-problems-more", count = more as i64));
    }
    // Up for twice a notice's time (an instant ahead reads as no time passed): there is more
    // to read than in a one-line notice.
    tv.notice = Some((Instant::now() + Duration::from_secs(10), lines.join("\n")));
}

#[derive(Component)]
struct Banner {
    shown: Option<Instant>,
}
#[derive(Component)]
struct BannerText;
#[derive(Component)]
struct BannerProgress;
#[derive(Component)]
struct BannerLogo;
#[derive(Component)]
struct Osd;
#[derive(Component)]
struct TimeBar;
#[derive(Component)]
struct RecBadge;
#[derive(Component)]
struct TimeBarState;
#[derive(Component)]
struct TimeBarPlayed;
#[derive(Component)]
struct TimeBarLength;

/// How long the time bar stays up after a jump.
const TIME_BAR_FOR: Duration = Duration::from_secs(4);
#[derive(Component)]
struct Card;
#[derive(Component)]
struct Toast;
#[derive(Component)]
struct Caption;
#[derive(Component)]
struct Radio;
#[derive(Component)]
struct RadioLogo;
#[derive(Component)]
struct RadioName;
#[derive(Component)]
struct RadioNow;

fn spawn(mut commands: Commands) {
    // Zap banner, bottom of the screen.
    commands
        .spawn((
            Banner { shown: None },
            theme::LayoutPanel("banner"),
            Node {
                position_type: PositionType::Absolute,
                left: percent(4),
                right: percent(4),
                bottom: percent(5),
                padding: UiRect::all(px(24)),
                flex_direction: FlexDirection::Column,
                row_gap: px(10),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            Visibility::Hidden,
        ))
        .with_children(|b| {
            b.spawn(Node {
                flex_direction: FlexDirection::Row,
                align_items: AlignItems::FlexStart,
                column_gap: px(20),
                ..default()
            })
            .with_children(|row| {
                row.spawn((
                    BannerLogo,
                    ImageNode::default(),
                    Node {
                        width: px(128),
                        height: px(72),
                        display: Display::None,
                        ..default()
                    },
                ));
                row.spawn((BannerText, text("", 34.0, theme::TEXT)));
            });
            b.spawn((
                Node {
                    height: px(8),
                    width: percent(100),
                    ..default()
                },
                BackgroundColor(theme::TRACK),
            ))
            .with_children(|t| {
                t.spawn((
                    BannerProgress,
                    Node {
                        height: percent(100),
                        width: percent(0),
                        ..default()
                    },
                    BackgroundColor(theme::ACCENT),
                ));
            });
        });
    // The time bar, bottom (in the zap banner's place): where the picture is in the buffer,
    // how far behind live, "LIVE" when it is live.
    commands
        .spawn((
            TimeBar,
            theme::LayoutPanel("time-bar"),
            Node {
                position_type: PositionType::Absolute,
                left: percent(4),
                right: percent(4),
                bottom: percent(5),
                padding: UiRect::axes(px(24), px(18)),
                flex_direction: FlexDirection::Row,
                align_items: AlignItems::Center,
                column_gap: px(20),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            Visibility::Hidden,
        ))
        .with_children(|b| {
            b.spawn((
                Node {
                    padding: UiRect::axes(px(12), px(4)),
                    min_width: px(200),
                    justify_content: JustifyContent::Center,
                    border_radius: BorderRadius::all(px(8)),
                    ..default()
                },
                BackgroundColor(theme::CELL),
                children![(TimeBarState, text("", 28.0, theme::TEXT))],
            ));
            b.spawn((
                Node {
                    height: px(10),
                    flex_grow: 1.0,
                    border_radius: BorderRadius::all(px(5)),
                    ..default()
                },
                BackgroundColor(theme::TRACK),
            ))
            .with_children(|t| {
                t.spawn((
                    TimeBarPlayed,
                    Node {
                        height: percent(100),
                        width: percent(0),
                        border_radius: BorderRadius::all(px(5)),
                        ..default()
                    },
                    BackgroundColor(theme::ACCENT),
                ));
            });
            b.spawn((TimeBarLength, text("", 24.0, theme::DIM)));
        });
    // Recording, top centre: red while it runs.
    commands
        .spawn((
            theme::LayoutPanel("recording"),
            Node {
                position_type: PositionType::Absolute,
                left: percent(0),
                right: percent(0),
                top: percent(4),
                justify_content: JustifyContent::Center,
                ..default()
            },
        ))
        .with_children(|row| {
            row.spawn((
                RecBadge,
                Node {
                    padding: UiRect::axes(px(20), px(8)),
                    border_radius: BorderRadius::all(px(10)),
                    ..default()
                },
                BackgroundColor(LIVE_RED),
                Visibility::Hidden,
                children![text("", 28.0, theme::TEXT)],
            ));
        });
    // Volume / mute / digits OSD, top right.
    commands.spawn((
        Osd,
        theme::LayoutPanel("volume"),
        Node {
            position_type: PositionType::Absolute,
            right: percent(4),
            top: percent(5),
            padding: UiRect::axes(px(28), px(16)),
            border_radius: BorderRadius::all(px(14)),
            ..default()
        },
        BackgroundColor(theme::PANEL),
        Visibility::Hidden,
        children![text("", 40.0, theme::TEXT)],
    ));
    // Error / status card, centre.
    commands.spawn((
        Card,
        theme::LayoutPanel("card"),
        Node {
            position_type: PositionType::Absolute,
            left: percent(25),
            right: percent(25),
            top: percent(38),
            padding: UiRect::all(px(28)),
            justify_content: JustifyContent::Center,
            border_radius: BorderRadius::all(px(16)),
            ..default()
        },
        BackgroundColor(theme::CARD),
        Visibility::Hidden,
        children![text("", 30.0, theme::TEXT)],
    ));
    // A radio channel's card, upper centre (Lumen dances to it in her corner).
    commands
        .spawn((
            Radio,
            theme::LayoutPanel("radio"),
            Node {
                position_type: PositionType::Absolute,
                left: percent(20),
                right: percent(20),
                top: percent(14),
                padding: UiRect::all(px(32)),
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::Center,
                row_gap: px(14),
                border_radius: BorderRadius::all(px(20)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            Visibility::Hidden,
        ))
        .with_children(|r| {
            r.spawn((
                RadioLogo,
                ImageNode::default(),
                Node {
                    width: px(256),
                    height: px(144),
                    display: Display::None,
                    ..default()
                },
            ));
            r.spawn(text(&t!("radio-label"), 24.0, theme::ACCENT));
            r.spawn((
                RadioName,
                text("", 44.0, theme::TEXT),
                TextLayout::default().with_justify(Justify::Center),
            ));
            r.spawn((
                RadioNow,
                text("", 28.0, theme::DIM),
                TextLayout::default().with_justify(Justify::Center),
            ));
        });
    // Captions, bottom centre, white on black as broadcasters draw them.
    commands
        .spawn((
            theme::LayoutPanel("captions"),
            Node {
                position_type: PositionType::Absolute,
                left: percent(15),
                right: percent(15),
                bottom: percent(8),
                justify_content: JustifyContent::Center,
                ..default()
            },
        ))
        .with_children(|row| {
            row.spawn((
                Caption,
                Node {
                    padding: UiRect::axes(px(18), px(8)),
                    border_radius: BorderRadius::all(px(6)),
                    ..default()
                },
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.78)),
                Visibility::Hidden,
                children![(
                    text("", 34.0, Color::WHITE),
                    TextLayout::default().with_justify(Justify::Center),
                )],
            ));
        });
    // Loading news while something is on (a refresh, a new source, the demo channels still
    // being made), top right: the top left is the voice indicator's.
    commands.spawn((
        Toast,
        theme::ViewerOnly,
        Node {
            position_type: PositionType::Absolute,
            right: percent(4),
            top: percent(5),
            // Clear of the top centre, where the on-air pill is while broadcasting.
            max_width: percent(38),
            padding: UiRect::axes(px(24), px(14)),
            border_radius: BorderRadius::all(px(14)),
            ..default()
        },
        BackgroundColor(theme::PANEL),
        Visibility::Hidden,
        children![text("", 26.0, theme::TEXT)],
    ));
}

fn banner(
    mut zapped: MessageReader<Zapped>,
    tv: Res<Tv>,
    mut banner: Query<(&mut Banner, &mut Visibility)>,
    mut label: Query<&mut Text, With<BannerText>>,
    mut progress: Query<&mut Node, (With<BannerProgress>, Without<BannerLogo>)>,
    mut logo: Query<(&mut ImageNode, &mut Node), With<BannerLogo>>,
    logos: Res<Logos>,
) {
    let Ok((mut b, mut vis)) = banner.single_mut() else {
        return;
    };
    if zapped.read().last().is_some() {
        b.shown = Some(Instant::now());
    }
    // The time bar takes the banner's place while it is up.
    let visible = b.shown.is_some_and(|t| t.elapsed() < BANNER_FOR) && !time_bar_up(&tv);
    *vis = if visible {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    let (Some(i), true) = (tv.current, visible) else {
        return;
    };
    let Some(c) = tv.channel(i) else { return };
    if let Ok((mut image, mut node)) = logo.single_mut() {
        theme::show_image((&mut image, &mut node), logos.get(c.logo.as_deref()));
    }
    // What is on screen: earlier than now when paused or rewound, or from the archive.
    let now = tv.on_screen_time();
    let number = c
        .number
        .map_or_else(|| format!("{}", i + 1), |n| n.to_string());
    let mut s = format!("{number}   {}", c.name);
    let mut frac = 0.0;
    if let Some(name) = &tv.replay {
        // A recording plays: its name, not the channel's live programmes.
        if let Ok(mut t) = label.single_mut() {
            t.0 = format!("\u{25B6}  {name}");
        }
        if let Ok(mut n) = progress.single_mut() {
            n.width = percent(tv.timeline.map_or(0.0, |t| t.fraction()) * 100.0);
        }
        return;
    }
    if let Some(nn) = tv.guide().map(|g| g.now_next(i, now)) {
        if let Some(p) = &nn.now {
            s.push('\n');
            s.push_str(&t!(
                "banner-now",
                start = crate::time::clock(p.start()),
                stop = crate::time::clock(p.stop()),
                title = p.title()
            ));
            frac = p.progress(now);
        }
        if let Some(p) = &nn.next {
            s.push('\n');
            s.push_str(&t!(
                "banner-next",
                start = crate::time::clock(p.start()),
                title = p.title()
            ));
        }
    }
    if let Ok(mut t) = label.single_mut() {
        t.0 = s;
    }
    if let Ok(mut n) = progress.single_mut() {
        n.width = percent(frac * 100.0);
    }
}

/// Whether the time bar is up: paused, behind live, just after a jump, or a programme from
/// the archive whose bar was asked for.
fn time_bar_up(tv: &Tv) -> bool {
    let Some(t) = tv.timeline else { return false };
    tv.status == Status::Paused
        || (t.live && !t.at_live())
        || tv.seeked.is_some_and(|s| s.elapsed() < TIME_BAR_FOR)
}

const LIVE_RED: Color = Color::srgb(0.8, 0.1, 0.12);

#[allow(clippy::type_complexity)]
fn time_bar(
    tv: Res<Tv>,
    mut bar: Query<&mut Visibility, With<TimeBar>>,
    mut state: Query<(&mut Text, &ChildOf), (With<TimeBarState>, Without<TimeBarLength>)>,
    mut badge: Query<&mut BackgroundColor, Without<TimeBarPlayed>>,
    mut played: Query<&mut Node, With<TimeBarPlayed>>,
    mut length: Query<&mut Text, (With<TimeBarLength>, Without<TimeBarState>)>,
) {
    let Ok(mut vis) = bar.single_mut() else {
        return;
    };
    let up = time_bar_up(&tv);
    *vis = if up {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    let (true, Some(t)) = (up, tv.timeline) else {
        return;
    };
    use prism_core::timeshift::clock;
    let live = t.live && t.at_live();
    let words = if tv.status == Status::Paused {
        t!("timebar-paused")
    } else if live {
        t!("timebar-live")
    } else if t.live {
        t!("timebar-behind", time = clock(t.behind()))
    } else {
        t!(
            "timebar-archive",
            position = clock(t.position - t.start),
            length = clock(t.end - t.start)
        )
    };
    if let Ok((mut text, parent)) = state.single_mut() {
        text.0 = words;
        if let Ok(mut bg) = badge.get_mut(parent.parent()) {
            bg.0 = if live && tv.status != Status::Paused {
                LIVE_RED
            } else {
                theme::CELL
            };
        }
    }
    if let Ok(mut n) = played.single_mut() {
        n.width = percent(t.fraction() * 100.0);
    }
    if let Ok(mut l) = length.single_mut() {
        l.0 = if t.live {
            // Paused, the badge says so and this says how far behind; otherwise the badge has it.
            let behind = if tv.status == Status::Paused {
                format!("{}  ·  ", clock(-t.behind()))
            } else {
                String::new()
            };
            format!(
                "{behind}{}",
                t!("timebar-buffer", time = clock(t.end - t.start))
            )
        } else {
            String::new()
        };
    }
}

fn rec_badge(
    tv: Res<Tv>,
    mut badge: Query<(&mut Visibility, &Children), With<RecBadge>>,
    mut texts: Query<&mut Text>,
) {
    let Ok((mut vis, children)) = badge.single_mut() else {
        return;
    };
    use prism_media::RecordingState as R;
    let s = tv.recording.as_ref().and_then(|r| match r.state {
        R::Recording => Some(t!(
            "rec-badge",
            time = prism_core::timeshift::clock(r.seconds)
        )),
        R::Finishing => Some(t!("rec-saving")),
        R::Done | R::Failed(_) => None,
    });
    // A timer recording in the background (another channel, or this one) shows too.
    let s = s.or_else(|| {
        let mut on = tv
            .timers
            .timers
            .list()
            .iter()
            .filter(|t| t.status == prism_core::timers::Status::Recording);
        let first = on.next()?;
        let more = on.count();
        Some(match more {
            0 => t!("rec-timer", title = first.title.clone()),
            n => t!("rec-timers", title = first.title.clone(), more = n),
        })
    });
    crate::theme::show(
        s.map(|s| format!("\u{25CF} {s}")),
        &mut vis,
        children,
        &mut texts,
    );
}

fn osd(
    tv: Res<Tv>,
    entry: Res<NumberEntry>,
    mut osd: Query<(&mut Visibility, &Children), With<Osd>>,
    mut texts: Query<&mut Text>,
) {
    let Ok((mut vis, children)) = osd.single_mut() else {
        return;
    };
    let s = if !entry.digits.is_empty() {
        Some(format!("{}_", entry.digits))
    } else if tv.volume_changed.is_some_and(|t| t.elapsed() < OSD_FOR) {
        Some(if tv.muted {
            t!("muted")
        } else {
            let bars = (tv.volume as usize).div_ceil(10);
            let bar = format!("{}{}", "|".repeat(bars), ".".repeat(10 - bars));
            t!("volume", percent = tv.volume, bar = bar)
        })
    } else if tv.subtitles_changed.is_some_and(|t| t.elapsed() < OSD_FOR) {
        Some(if tv.subtitles {
            t!("subtitles-on")
        } else {
            t!("subtitles-off")
        })
    } else if tv.status == Status::Paused && tv.timeline.is_none() {
        // (With a time bar, the bar says it.)
        Some(t!("paused"))
    } else {
        None
    };
    crate::theme::show(s, &mut vis, children, &mut texts);
}

fn card(
    tv: Res<Tv>,
    sources: Res<Sources>,
    mut card: Query<(&mut Visibility, &Children), With<Card>>,
    mut texts: Query<&mut Text>,
) {
    let Ok((mut vis, children)) = card.single_mut() else {
        return;
    };
    let name = tv
        .current
        .and_then(|i| tv.channel(i))
        .map(|c| c.name.as_str())
        .unwrap_or("");
    let s = match &tv.status {
        Status::Loading => crate::sources::loading_line(&sources),
        Status::Failed { message, next } if tv.lineup.is_none() => Some(t!(
            "lineup-failed",
            error = message.as_str(),
            next = next.as_str()
        )),
        Status::Failed { message, next } => Some(t!(
            "playback-failed",
            channel = name,
            message = message.as_str(),
            next = next.as_str()
        )),
        Status::Buffering(p) => Some(t!("buffering", percent = *p)),
        Status::Connecting if tv.zap_requested.is_some_and(|t| t.elapsed() > OSD_FOR) => {
            Some(t!("connecting", channel = name))
        }
        _ => None,
    };
    crate::theme::show(s, &mut vis, children, &mut texts);
}

/// A radio channel's card: logo, station and what is playing now (from the guide).
fn radio(
    tv: Res<Tv>,
    logos: Res<Logos>,
    mut card: Query<&mut Visibility, With<Radio>>,
    mut logo: Query<(&mut ImageNode, &mut Node), With<RadioLogo>>,
    mut name: Query<&mut Text, (With<RadioName>, Without<RadioNow>)>,
    mut now_playing: Query<&mut Text, (With<RadioNow>, Without<RadioName>)>,
    // What the card shows: (channel, programme on now, lineup), redrawn only when it changes.
    mut shown: Local<Option<(usize, Option<i64>, u64)>>,
) {
    let Ok(mut vis) = card.single_mut() else {
        return;
    };
    let on = tv.audio_only && matches!(tv.status, Status::Playing | Status::Buffering(_));
    let playing = tv
        .current
        .filter(|_| on)
        .zip(tv.current.and_then(|i| tv.channel(i)));
    let Some((i, c)) = playing else {
        vis.set_if_neq(Visibility::Hidden);
        *shown = None;
        return;
    };
    vis.set_if_neq(Visibility::Inherited);
    let now = tv.guide().and_then(|g| g.now_next(i, unix_now()).now);
    let key = (i, now.map(|p| p.start()), tv.generation);
    if *shown == Some(key) && !logos.is_changed() {
        return;
    }
    *shown = Some(key);
    if let Ok((mut image, mut node)) = logo.single_mut() {
        theme::show_image((&mut image, &mut node), logos.get(c.logo.as_deref()));
    }
    if let Ok(mut t) = name.single_mut() {
        t.0.clone_from(&c.name);
    }
    if let Ok(mut t) = now_playing.single_mut() {
        t.0 = now
            .map(|p| {
                t!(
                    "radio-now",
                    start = crate::time::clock(p.start()),
                    stop = crate::time::clock(p.stop()),
                    title = p.title()
                )
            })
            .unwrap_or_default();
    }
}

/// The caption due now, when the viewer wants subtitles; lifted above the zap banner while it
/// shows.
fn captions(
    tv: Res<Tv>,
    banner: Query<&Visibility, (With<Banner>, Without<Caption>)>,
    mut caption: Query<(&mut Visibility, &Children, &ChildOf), With<Caption>>,
    mut rows: Query<&mut Node, Without<Caption>>,
    mut texts: Query<&mut Text>,
) {
    let Ok((mut vis, children, parent)) = caption.single_mut() else {
        return;
    };
    let s = tv.caption_now().filter(|_| tv.subtitles).map(str::to_owned);
    crate::theme::show(s, &mut vis, children, &mut texts);
    let lifted = banner.single().is_ok_and(|v| *v != Visibility::Hidden);
    if let Ok(mut row) = rows.get_mut(parent.parent()) {
        let bottom = if lifted { percent(34) } else { percent(8) };
        if row.bottom != bottom {
            row.bottom = bottom;
        }
    }
}

/// While channels are on screen, a reload's progress and result show in a corner, so a
/// refresh never hides the picture.
fn toast(
    tv: Res<Tv>,
    sources: Res<Sources>,
    screen: Res<State<crate::app::Screen>>,
    mut toast: Query<(&mut Visibility, &Children), With<Toast>>,
    mut texts: Query<&mut Text>,
) {
    let Ok((mut vis, children)) = toast.single_mut() else {
        return;
    };
    // The settings screen shows the same news itself.
    let s = if tv.lineup.is_none() || *screen.get() == crate::app::Screen::Settings {
        None
    } else if let Some(line) = crate::sources::loading_line(&sources) {
        Some(t!("refreshing", line = line))
    } else if let Some((_, notice)) = tv.notice.as_ref().filter(|(at, _)| {
        // A reminder's offer keeps its toast up while it stands.
        at.elapsed() < Duration::from_secs(10) || tv.offered().is_some()
    }) {
        Some(notice.clone())
    } else if let Some((done, count)) = tv
        .lineup
        .as_ref()
        .and_then(|l| l.server.as_ref())
        .map(|s| s.on_air())
        .filter(|(done, count)| done < count)
    {
        // A first run: the other demo channels are still being made (those made play).
        Some(t!("encoding-demo", done = done, count = count))
    } else {
        sources
            .outcome
            .as_ref()
            .filter(|o| !o.first && o.at.elapsed() < Duration::from_secs(8))
            .map(|o| match &o.result {
                Ok(summary) => summary.clone(),
                Err(e) => t!("refresh-failed", error = e.as_str()),
            })
    };
    crate::theme::show(s, &mut vis, children, &mut texts);
}
