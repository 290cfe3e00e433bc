//! The TV window: settings with the command line's sources over them, then every feature's
//! plugin on the shared app layer. Nothing imports this module; it imports the features.

use std::process::ExitCode;

use bevy::prelude::*;
use bevy::window::WindowResolution;

use crate::cli::WindowArgs;
use crate::settings::{Settings, XtreamSettings};

pub fn run(args: WindowArgs) -> ExitCode {
    let mut settings = Settings::load();
    apply(&mut settings, args);
    let mut app = App::new();
    crate::lumen::register_source(&mut app);
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Prism".into(),
                    resolution: WindowResolution::new(1280, 720),
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin {
                file_path: concat!(env!("CARGO_MANIFEST_DIR"), "/assets").into(),
                ..default()
            }),
    )
    .insert_resource(ClearColor(Color::BLACK))
    .insert_resource(settings)
    .add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    })
    .add_plugins((
        crate::app::plugin,
        crate::settings::plugin,
        crate::input::plugin,
        crate::tv::plugin,
        crate::tv::video::plugin,
        crate::sources::plugin,
        crate::overlay::plugin,
        crate::screens::plugin,
        crate::lumen::plugin,
        crate::voice::plugin,
        crate::companion::plugin,
        crate::dev::plugin,
    ));
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// Sources given on the command line are remembered like settings.
fn apply(settings: &mut Settings, args: WindowArgs) {
    let s = args.sources;
    // One source at a time: the one given replaces the one remembered (an Xtream login
    // would otherwise win over a playlist given on the command line).
    if let Some((server, username, password)) = s.xtream() {
        settings.xtream = Some(XtreamSettings {
            server,
            username,
            password,
        });
        settings.playlist = None;
    }
    if let Some(p) = s.playlist {
        settings.playlist = Some(p);
        settings.xtream = None;
    }
    if !s.epg.is_empty() {
        settings.epg = s.epg;
    }
    if let Some(f) = args.avatar {
        // Made absolute: the setting outlives the directory Prism started in.
        let p = std::path::absolute(&f).map_or(f, |p| p.display().to_string());
        settings.avatar = Some(p);
    }
}
