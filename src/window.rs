//! The TV window: settings with the command line's sources over them, then every feature's
//! plugin on the shared app layer. Nothing imports this module; it imports the features.

use std::process::ExitCode;

use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode, WindowResolution};

use crate::cli::WindowArgs;
use crate::settings::{Settings, XtreamSettings};

pub fn run(args: WindowArgs) -> ExitCode {
    // What is to be opened is checked before a window opens: a typo is said where it was typed.
    let open = match args
        .open
        .iter()
        .map(|a| crate::screens::open::source_of(a))
        .collect()
    {
        Ok(open) => open,
        Err(e) => {
            eprintln!("prism: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut settings, file) = Settings::read();
    crate::i18n::set_language(&settings.language);
    // Someone opening a playlist has found their way already: no welcome for them.
    let welcome = crate::screens::welcome::due(&file, &settings) && args.open.is_empty();
    apply(&mut settings, args);
    let fullscreen = settings.fullscreen;
    let mut app = App::new();
    crate::lumen::register_source(&mut app);
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Prism".into(),
                    resolution: WindowResolution::new(1280, 720),
                    mode: mode(fullscreen),
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin {
                // The data folder's, found at run time: installed, unpacked or the checkout.
                file_path: crate::paths::data_dir()
                    .join("assets")
                    .display()
                    .to_string(),
                ..default()
            }),
    )
    .insert_resource(ClearColor(Color::BLACK))
    .insert_resource(settings)
    .insert_resource(file)
    .insert_resource(crate::screens::open::ToOpen(open))
    .add_systems(Startup, |mut commands: Commands| {
        // Every UI node draws through this camera: into the window, or into the output image
        // while broadcasting (`studio::broadcast`).
        commands.spawn((
            Camera2d,
            bevy::ui::IsDefaultUiCamera,
            crate::studio::broadcast::StageCamera,
        ));
    })
    .add_systems(Update, toggle_fullscreen)
    .add_systems(Startup, move |mut commands: Commands| {
        if welcome {
            commands.insert_resource(crate::screens::welcome::FirstRun);
        }
    })
    .add_plugins(crate::theme::fonts::plugin)
    .add_plugins((
        crate::app::plugin,
        crate::settings::plugin,
        crate::input::plugin,
        crate::tv::plugin,
        (crate::tv::video::plugin, crate::studio::plugin),
        crate::sources::plugin,
        crate::overlay::plugin,
        crate::screens::plugin,
        crate::lumen::plugin,
        crate::voice::plugin,
        crate::hub::plugin,
        crate::companion::plugin,
        crate::reminders::plugin,
        crate::timers::plugin,
        crate::dev::plugin,
    ));
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

fn mode(fullscreen: bool) -> WindowMode {
    if fullscreen {
        WindowMode::BorderlessFullscreen(MonitorSelection::Current)
    } else {
        WindowMode::Windowed
    }
}

/// F11 or a double-click: the window fills the screen or returns, and the choice is kept.
fn toggle_fullscreen(
    mut actions: MessageReader<crate::input::Action>,
    mut window: Query<&mut Window, With<PrimaryWindow>>,
    mut settings: ResMut<Settings>,
    // The window's size before it went fullscreen.
    mut windowed: Local<Option<(f32, f32)>>,
) {
    for a in actions.read() {
        if *a != crate::input::Action::Fullscreen {
            continue;
        }
        let Ok(mut w) = window.single_mut() else {
            return;
        };
        settings.fullscreen = !settings.fullscreen;
        if settings.fullscreen {
            *windowed = Some((w.resolution.width(), w.resolution.height()));
        }
        w.mode = mode(settings.fullscreen);
        if !settings.fullscreen {
            // Back to the size it had (a window that started fullscreen has none: 1280x720).
            let (width, height) = windowed.take().unwrap_or((1280.0, 720.0));
            w.resolution.set(width, height);
        }
        info!("fullscreen: {}", settings.fullscreen);
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
    if !s.more.is_empty() {
        settings.more_sources = s.more;
    }
    if let Some(f) = args.avatar {
        // Made absolute: the setting outlives the directory Prism started in.
        let p = std::path::absolute(&f).map_or(f, |p| p.display().to_string());
        settings.avatar = Some(p);
    }
}
