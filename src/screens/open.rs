//! Opening a playlist from outside: `prism FILE.m3u`, `prism URL`, the desktop file's `%U` (a
//! file manager's "Open with", an `xtream://` link) and a file dropped on the window. Prism
//! asks first: OK adds it as a source (in the demo's place, or beside the sources there are)
//! and it becomes the setting only once it loads, so the channels on screen keep playing until
//! then and if it fails; Back leaves everything as it was. Several are asked about in turn.

use std::collections::VecDeque;

use bevy::prelude::*;
use bevy::window::FileDragAndDrop;
use prism_core::playlist::xtream::XtreamLogin;

use crate::app::Screen;
use crate::input::Nav;
use crate::settings::{Settings, XtreamSettings};
use crate::sources::{Origin, Reload, Spec, source_key, source_label};
use crate::t;
use crate::theme::{self, text};
use crate::tv::Tv;

pub fn plugin(app: &mut App) {
    app.init_resource::<ToOpen>()
        .add_systems(OnEnter(Screen::Open), spawn)
        .add_systems(
            Update,
            (
                (dropped, ask)
                    .chain()
                    .in_set(crate::app::AppSystems::Execute),
                answer
                    .run_if(in_state(Screen::Open))
                    .in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// Sources waiting to be asked about, the one on screen first.
#[derive(Resource, Default, Debug)]
pub struct ToOpen(pub VecDeque<String>);

/// What the command line gave, as a source: a path made absolute (the setting outlives the
/// folder Prism started in), a `file://` URL as its path; URLs as they are. A file that is
/// not there is an error here, before any window opens.
pub fn source_of(arg: &str) -> Result<String, String> {
    let arg = arg.trim();
    if let Some(path) = arg.strip_prefix("file://") {
        let path = prism_core::text::percent_decode(path);
        return source_of(&path);
    }
    if arg.contains("://") {
        return Ok(arg.to_owned());
    }
    let path = std::path::Path::new(arg);
    if !path.is_file() {
        return Err(format!("{arg}: no such playlist file"));
    }
    Ok(std::path::absolute(path).map_or(arg.to_owned(), |p| p.display().to_string()))
}

/// The sources with `src` added: in the demo's place, else after the others (once: a source
/// already listed is switched back on instead).
pub fn with_source(settings: &Settings, src: &str) -> Spec {
    let mut spec = Spec::of(settings);
    let key = source_key(src);
    spec.off.retain(|k| *k != key);
    if spec.origin == Origin::Demo {
        spec.origin = match XtreamLogin::from_url(src) {
            Some(l) => Origin::Xtream(XtreamSettings {
                server: l.server,
                username: l.username,
                password: l.password,
            }),
            None => Origin::Playlist(src.to_owned()),
        };
    } else if !crate::sources::listed(settings)
        .iter()
        .any(|(k, _)| *k == key)
    {
        spec.more.push(src.to_owned());
    }
    spec
}

/// A playlist file dropped on the window joins the queue.
fn dropped(mut drops: MessageReader<FileDragAndDrop>, mut queue: ResMut<ToOpen>) {
    for d in drops.read() {
        if let FileDragAndDrop::DroppedFile { path_buf, .. } = d
            // An avatar or an animation is Lumen's (`lumen::dropped_files`).
            && prism_core::playlist::is_playlist_file(path_buf)
        {
            queue.0.push_back(path_buf.display().to_string());
        }
    }
}

/// With the channels on and nothing else open, the next one is asked about.
fn ask(
    queue: Res<ToOpen>,
    tv: Res<Tv>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    if !queue.0.is_empty() && tv.lineup.is_some() && *screen.get() == Screen::Watching {
        next.set(Screen::Open);
    }
}

fn spawn(mut commands: Commands, queue: Res<ToOpen>) {
    let Some(src) = queue.0.front() else { return };
    commands
        .spawn((
            DespawnOnExit(Screen::Open),
            Node {
                position_type: PositionType::Absolute,
                left: percent(22),
                right: percent(22),
                top: percent(28),
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::Center,
                padding: UiRect::all(px(28)),
                row_gap: px(14),
                border_radius: BorderRadius::all(px(18)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Dialog),
        ))
        .with_children(|p| {
            p.spawn(text(&t!("open-title"), 30.0, theme::ACCENT));
            p.spawn(text(&source_label(src), 22.0, theme::TEXT));
            p.spawn(text(&t!("open-explain"), 19.0, theme::TEXT));
            p.spawn(text(&t!("open-hint"), 18.0, theme::DIM));
        });
}

/// OK: try it as a source (it loads behind the picture); Back: not this one.
fn answer(
    mut nav: MessageReader<Nav>,
    mut queue: ResMut<ToOpen>,
    settings: Res<Settings>,
    mut tv: ResMut<Tv>,
    mut reload: MessageWriter<Reload>,
    mut next: ResMut<NextState<Screen>>,
) {
    for n in nav.read() {
        let yes = match n {
            Nav::Ok => true,
            Nav::Back => false,
            _ => continue,
        };
        let Some(src) = queue.0.pop_front() else {
            next.set(Screen::Watching);
            return;
        };
        if yes {
            info!("opening {} as a source", source_label(&src));
            tv.notice = Some((
                std::time::Instant::now(),
                t!("open-loading", source = source_label(&src)),
            ));
            reload.write(Reload::Try(with_source(&settings, &src)));
        }
        // Back to watching: the next in the queue is asked about from there.
        next.set(Screen::Watching);
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opened_playlist_takes_the_demos_place_or_joins_the_others_once() {
        let mut s = Settings::default();
        let spec = with_source(&s, "/tv/a.m3u");
        assert_eq!(spec.origin, Origin::Playlist("/tv/a.m3u".into()));
        assert!(spec.more.is_empty());
        let spec = with_source(&s, "xtream://me:pw@panel.example:8080");
        assert!(
            matches!(&spec.origin, Origin::Xtream(x) if x.username == "me" && x.password == "pw"),
            "{spec:?}"
        );
        s.playlist = Some("/tv/a.m3u".into());
        s.sources_off = vec!["/tv/b.m3u".into()];
        let spec = with_source(&s, "/tv/b.m3u");
        assert_eq!(spec.origin, Origin::Playlist("/tv/a.m3u".into()));
        assert_eq!(spec.more, ["/tv/b.m3u"]);
        assert!(spec.off.is_empty(), "switched back on");
        s.more_sources = vec!["/tv/b.m3u".into()];
        assert_eq!(with_source(&s, "/tv/b.m3u").more, ["/tv/b.m3u"]);
        assert_eq!(with_source(&s, "/tv/a.m3u").more, ["/tv/b.m3u"]);
    }

    #[test]
    fn command_line_sources_are_checked_and_made_absolute() {
        let dir = std::env::temp_dir().join(format!("prism-open-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("my list.m3u");
        std::fs::write(&file, "#EXTM3U\n").unwrap();
        let path = file.display().to_string();
        assert_eq!(source_of(&path).unwrap(), path);
        let url = format!("file://{}", path.replace(' ', "%20"));
        assert_eq!(source_of(&url).unwrap(), path);
        assert_eq!(
            source_of("http://example.com/tv.m3u").unwrap(),
            "http://example.com/tv.m3u"
        );
        let err = source_of("/no/such/list.m3u").unwrap_err();
        assert!(err.contains("/no/such/list.m3u"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
