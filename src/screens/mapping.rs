//! The guide mapping (E on the channel list's channel, or on the one playing): which guide
//! channel a channel's programmes come from when the automatic passes got it wrong or found
//! none. Type to search the guide's channels (by name or id), Up/Down to choose, OK to use it;
//! the first row goes back to automatic. The choice is stored in the settings (`guide_map`,
//! by tvg-id, else by name) and the lineup reloads with it, the channels playing on.

use bevy::prelude::*;

use crate::app::Screen;
use crate::input::{Action, Edit, Field, Nav, TextCapture};
use crate::screens::guide::{GuideCursor, selected_channel};
use crate::settings::Settings;
use crate::sources::Reload;
use crate::t;
use crate::theme::{self, text};
use crate::tv::Tv;

/// Rows shown at once.
const SHOWN: usize = 9;

pub fn plugin(app: &mut App) {
    app.init_resource::<Mapping>()
        .add_systems(OnExit(Screen::Mapping), close)
        .add_systems(
            Update,
            (
                open.in_set(crate::app::AppSystems::Input),
                (edit, navigate, draw)
                    .chain()
                    .run_if(in_state(Screen::Mapping))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// The mapping being edited: the channel, the search, the guide channels it finds
/// (positions in the guide's match report) and the row chosen (0 = automatic).
#[derive(Resource, Default, Debug)]
pub struct Mapping {
    pub channel: Option<usize>,
    pub query: String,
    pub hits: Vec<usize>,
    pub selected: usize,
    back: Option<Screen>,
}

impl Mapping {
    fn refresh(&mut self, tv: &Tv) {
        self.hits = tv
            .guide()
            .map(|g| g.match_report().find_guide(&self.query))
            .unwrap_or_default();
        // The best fit, not "automatic", when the search finds something.
        self.selected = usize::from(!self.hits.is_empty());
    }
}

/// The settings key of channel `i`'s mapping: its tvg-id, else its name (the guide builder
/// looks a channel up the same way).
pub fn key(tv: &Tv, i: usize) -> Option<String> {
    let c = tv.channel(i)?;
    Some(
        c.tvg_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map_or_else(|| c.name.trim().to_owned(), str::to_owned),
    )
}

fn close(mut mapping: ResMut<Mapping>, mut capture: ResMut<TextCapture>) {
    *mapping = Mapping::default();
    capture.end(Field::Mapping);
}

#[allow(clippy::too_many_arguments)]
fn open(
    mut acts: MessageReader<Action>,
    screen: Res<State<Screen>>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    list: Option<Res<GuideCursor>>,
    mut mapping: ResMut<Mapping>,
    mut capture: ResMut<TextCapture>,
    mut next: ResMut<NextState<Screen>>,
) {
    if !acts.read().any(|a| *a == Action::MapGuide) {
        return;
    }
    let now = *screen.get();
    let channel = match (now, list) {
        (Screen::Guide, Some(list)) => selected_channel(&tv, &settings, &list),
        (Screen::Watching, _) => tv.current,
        _ => None,
    };
    let Some(channel) = channel.filter(|_| tv.guide().is_some()) else {
        return;
    };
    *mapping = Mapping {
        channel: Some(channel),
        query: tv
            .channel(channel)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        back: Some(now),
        ..Default::default()
    };
    mapping.refresh(&tv);
    capture.begin(Field::Mapping);
    next.set(Screen::Mapping);
}

/// OK: the chosen guide channel (or automatic) becomes the setting, the lineup reloads.
fn choose(
    tv: &Tv,
    mapping: &Mapping,
    settings: &mut Settings,
    reload: &mut MessageWriter<Reload>,
    next: &mut NextState<Screen>,
) {
    let (Some(channel), Some(guide)) = (mapping.channel, tv.guide()) else {
        return;
    };
    let Some(key) = key(tv, channel) else { return };
    let changed = match mapping.selected {
        0 => settings.guide_map.remove(&key).is_some(),
        n => {
            let Some(g) = mapping
                .hits
                .get(n - 1)
                .and_then(|&i| guide.match_report().guide.get(i))
            else {
                return;
            };
            settings.guide_map.insert(key, g.id.clone()).as_ref() != Some(&g.id)
        }
    };
    if changed {
        reload.write(Reload::Refresh);
    }
    next.set(mapping.back.unwrap_or(Screen::Watching));
}

#[allow(clippy::too_many_arguments)]
fn edit(
    mut edits: MessageReader<Edit>,
    tv: Res<Tv>,
    mut mapping: ResMut<Mapping>,
    capture: Res<TextCapture>,
    mut settings: ResMut<Settings>,
    mut reload: MessageWriter<Reload>,
    mut next: ResMut<NextState<Screen>>,
) {
    if !capture.is(Field::Mapping) {
        return;
    }
    let mut changed = false;
    for e in edits.read() {
        match e {
            Edit::Done => {
                choose(&tv, &mapping, &mut settings, &mut reload, &mut next);
                return;
            }
            Edit::Cancel => {
                next.set(mapping.back.unwrap_or(Screen::Watching));
                return;
            }
            _ => changed |= e.apply(&mut mapping.query),
        }
    }
    if changed {
        mapping.refresh(&tv);
    }
}

#[allow(clippy::too_many_arguments)]
fn navigate(
    mut nav: MessageReader<Nav>,
    tv: Res<Tv>,
    mut mapping: ResMut<Mapping>,
    mut settings: ResMut<Settings>,
    mut reload: MessageWriter<Reload>,
    mut next: ResMut<NextState<Screen>>,
) {
    let rows = mapping.hits.len() + 1;
    for n in nav.read() {
        match n {
            Nav::Up => mapping.selected = (mapping.selected + rows - 1) % rows,
            Nav::Down => mapping.selected = (mapping.selected + 1) % rows,
            Nav::Ok => choose(&tv, &mapping, &mut settings, &mut reload, &mut next),
            Nav::Back => next.set(mapping.back.unwrap_or(Screen::Watching)),
            _ => {}
        }
    }
}

/// The panel: the channel and what feeds it now, the search, then automatic and the guide
/// channels found; rebuilt when the mapping changes.
fn draw(
    mut commands: Commands,
    mapping: Res<Mapping>,
    tv: Res<Tv>,
    settings: Res<Settings>,
    panel: Query<Entity, With<Panel>>,
) {
    if !mapping.is_changed() {
        return;
    }
    for e in &panel {
        commands.entity(e).despawn();
    }
    let (Some(channel), Some(guide)) = (mapping.channel, tv.guide()) else {
        return;
    };
    let report = guide.match_report();
    let name = tv.channel(channel).map_or("", |c| c.name.as_str());
    let now = match report.channels.get(channel).and_then(Option::as_ref) {
        Some(m) => {
            let shown = report
                .guide
                .iter()
                .find(|g| g.id == m.xmltv_id)
                .map_or(m.xmltv_id.as_str(), |g| g.name.as_str());
            t!(
                "mapping-now",
                guide = format!("{shown} ({})", m.xmltv_id),
                pass = {
                    use prism_core::epg::MatchPass as P;
                    match m.pass {
                        P::Manual => t!("pass-manual"),
                        P::IdExact => t!("pass-id"),
                        P::IdFolded => t!("pass-id-folded"),
                        P::TvgName => t!("pass-tvg-name"),
                        P::Name => t!("pass-name"),
                    }
                }
            )
        }
        None => t!("mapping-none"),
    };
    let mine = key(&tv, channel).is_some_and(|k| settings.guide_map.contains_key(&k));
    let mut rows = vec![if mine {
        t!("mapping-automatic-again")
    } else {
        t!("mapping-automatic")
    }];
    rows.extend(mapping.hits.iter().filter_map(|&i| {
        report
            .guide
            .get(i)
            .map(|g| format!("{}   ·   {}", g.name, g.id))
    }));
    let from = mapping.selected.saturating_sub(SHOWN - 1);
    commands
        .spawn((
            Panel,
            DespawnOnExit(Screen::Mapping),
            Node {
                position_type: PositionType::Absolute,
                left: percent(16),
                right: percent(16),
                top: percent(8),
                padding: UiRect::all(px(28)),
                flex_direction: FlexDirection::Column,
                row_gap: px(8),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Panel),
        ))
        .with_children(|p| {
            p.spawn(text(
                &t!("mapping-title", channel = name.to_owned()),
                32.0,
                theme::TEXT,
            ));
            p.spawn(text(&now, 22.0, theme::DIM));
            p.spawn(text(
                &t!("mapping-search", query = format!("{}_", mapping.query)),
                26.0,
                theme::ACCENT,
            ));
            if mapping.hits.is_empty() {
                p.spawn(text(&t!("mapping-no-hits"), 22.0, theme::DIM));
            }
            for (k, line) in rows.iter().enumerate().skip(from).take(SHOWN) {
                p.spawn((
                    Node {
                        padding: UiRect::axes(px(12), px(6)),
                        border_radius: BorderRadius::all(px(8)),
                        ..default()
                    },
                    BackgroundColor(if k == mapping.selected {
                        theme::SELECTED
                    } else {
                        theme::ROW
                    }),
                    children![text(line, 24.0, theme::TEXT)],
                ));
            }
            p.spawn(text(&t!("mapping-hint"), 20.0, theme::DIM));
        });
}

#[derive(Component)]
struct Panel;
