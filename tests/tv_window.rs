//! The real app in a real window: Xvfb + Mesa lavapipe, the embedded demo lineup on loopback
//! HLS, keys pressed through Bevy's input, screenshots saved and checked pixel by pixel.
//! Screenshots stay in `target/e2e/` (or `$PRISM_E2E_OUT`) to look at.

mod common;

use std::path::PathBuf;

use common::{Png, out_dir, run_prism, tempdir, xvfb};

#[test]
fn watch_zap_and_open_the_guide() {
    let out = out_dir();
    let shot = |name: &str| out.join(name);
    for n in [
        "watch.png",
        "guide.png",
        "zapped.png",
        "grid.png",
        "grid-right.png",
    ] {
        let _ = std::fs::remove_file(shot(n));
    }
    let config = tempdir();
    let (_x, display) = xvfb();
    let script = format!(
        "playing; wait 1.5; shot {}; key Enter; wait 1.5; shot {}; key Down; key Down; key Enter; \
         wait 0.3; playing; wait 1; zaptime; shot {}; key G; wait 1.5; shot {}; key Right; \
         wait 1; shot {}; key Escape; wait 0.5; key Enter; wait 0.5; key Right; key Right; \
         wait 1; shot {}; key Escape; wait 0.5; key Slash; wait 0.3; type nat; wait 1; shot {}; \
         key Escape; wait 0.5; quit",
        shot("watch.png").display(),
        shot("guide.png").display(),
        shot("zapped.png").display(),
        shot("grid.png").display(),
        shot("grid-right.png").display(),
        shot("recent.png").display(),
        shot("search.png").display()
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    println!("{stdout}");

    let watch = Png::load(&shot("watch.png"));
    let guide = Png::load(&shot("guide.png"));
    let zapped = Png::load(&shot("zapped.png"));
    assert_eq!((watch.w, watch.h), (1280, 720));

    // Watching channel 1 (SMPTE bars): the bars at mid-height run white, yellow, cyan, green,
    // magenta, red, blue; check a few by their dominant channels.
    let bar = |i: usize| watch.px((2 * i + 1) as f32 / 14.0, 0.45);
    let [r, g, b] = bar(1); // yellow
    assert!(r > 150 && g > 150 && b < 90, "yellow bar {:?}", bar(1));
    let [r, g, b] = bar(2); // cyan
    assert!(r < 90 && g > 150 && b > 150, "cyan bar {:?}", bar(2));
    let [r, g, b] = bar(5); // red
    assert!(r > 150 && g < 90 && b < 90, "red bar {:?}", bar(5));

    // The guide covers the left of the picture with its panel (dark, text on it); the right
    // half still shows the video.
    assert!(
        guide.diff(&watch, 0.0, 0.1, 0.4, 0.9) > 20.0,
        "the guide panel did not appear"
    );
    assert!(
        guide.diff(&watch, 0.6, 0.2, 0.95, 0.7) < 25.0,
        "the right half should still be the same channel"
    );
    // Text in the panel: many bright pixels on a dark background.
    let bright = (0..200)
        .flat_map(|y| (0..100).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = guide.px(0.02 + x as f32 * 0.0036, 0.05 + y as f32 * 0.0045);
            p.iter().all(|&c| c > 200)
        })
        .count();
    assert!(bright > 100, "no guide text found ({bright} bright pixels)");
    // Logos (fetched from the demo server): the Music channel's pinwheel is a black-and-white
    // tile left of its name in the third row.
    let tile: Vec<[u8; 3]> = (0..60)
        .map(|i| {
            guide.px(
                0.038 + (i % 12) as f32 * 0.004,
                0.418 + (i / 12) as f32 * 0.008,
            )
        })
        .collect();
    let white = tile.iter().filter(|p| p.iter().all(|&c| c > 200)).count();
    let black = tile.iter().filter(|p| p.iter().all(|&c| c < 50)).count();
    assert!(
        white > 5 && black > 5,
        "no logo: {white} white, {black} black"
    );

    // After zapping two channels down (channel 3, the pinwheel), the picture changed and the
    // banner sits at the bottom.
    assert!(
        zapped.diff(&watch, 0.1, 0.2, 0.9, 0.6) > 30.0,
        "the picture did not change after the zap"
    );
    // The banner's left padding, over a picture that is half white there: dark if it is shown.
    let strip: Vec<[u8; 3]> = (0..20)
        .map(|i| zapped.px(0.047, 0.71 + i as f32 * 0.011))
        .collect();
    let mean = strip.iter().flatten().map(|&c| c as u32).sum::<u32>() / 60;
    assert!(mean < 50, "zap banner missing at the bottom: {strip:?}");
    assert!(stdout.contains("autopilot: zap Some("), "{stdout}");

    // G opens the guide grid over everything: the pinwheel is gone, rows of programmes with
    // text are there; Right moves the focus to the next programme.
    let grid = Png::load(&shot("grid.png"));
    let grid_right = Png::load(&shot("grid-right.png"));
    assert!(
        grid.diff(&zapped, 0.3, 0.2, 0.9, 0.6) > 40.0,
        "the grid did not cover the picture"
    );
    let text = (0..2000)
        .filter(|i| {
            let p = grid.px(0.25 + (i % 50) as f32 * 0.014, 0.1 + (i / 50) as f32 * 0.02);
            p.iter().all(|&c| c > 200)
        })
        .count();
    assert!(text > 20, "no programme text in the grid ({text})");
    let moved = grid.diff(&grid_right, 0.22, 0.1, 1.0, 0.9);
    assert!(moved > 0.5, "Right did not move the focus ({moved})");

    // The list's third filter, "Recently watched", holds the two channels watched: two rows.
    let recent = Png::load(&shot("recent.png"));
    let row = |y: f32| recent.px(0.03, y);
    let is_row = |p: [u8; 3]| p.iter().any(|&c| c > 45);
    let rows = [0.17, 0.31, 0.45, 0.59]
        .iter()
        .filter(|&&y| is_row(row(y)))
        .count();
    assert_eq!(
        rows,
        2,
        "recently watched rows: {:?}",
        [0.17, 0.31, 0.45, 0.59].map(row)
    );
}

/// Runs the app on `display` with a script, silent audio and its own settings; it must exit
/// cleanly. Returns its stdout and stderr.

#[test]
fn a_dead_channel_shows_what_failed_and_what_is_next() {
    let out = out_dir();
    let shot = out.join("error.png");
    let _ = std::fs::remove_file(&shot);
    let config = tempdir().join("dead");
    std::fs::create_dir_all(&config).unwrap();
    // Port 9 (discard) is closed on loopback: every attempt is refused.
    let playlist = config.join("dead.m3u");
    std::fs::write(
        &playlist,
        "#EXTM3U\n#EXTINF:-1 tvg-chno=\"7\",Broken Channel\nhttp://127.0.0.1:9/live.m3u8\n",
    )
    .unwrap();
    let (_x, display) = xvfb();
    let (_, stderr) = run_prism(
        &display,
        &config,
        &format!("wait 3; shot {}; quit", shot.display()),
        &["--playlist", playlist.to_str().unwrap()],
    );
    let img = Png::load(&shot);
    // The error card: dark red in the middle of a black screen (no picture), with text on it
    // (sampled in its top padding, where no text falls).
    let [r, g, b] = img.px(0.265, 0.395);
    assert!(r > 60 && g < 40 && b < 40, "no error card: {:?}", [r, g, b]);
    let text = (0..400)
        .filter(|i| {
            let p = img.px(
                0.27 + (i % 40) as f32 * 0.012,
                0.4 + (i / 40) as f32 * 0.012,
            );
            p.iter().all(|&c| c > 200)
        })
        .count();
    assert!(text > 5, "no text on the error card");
    assert!(stderr.contains("could not connect"), "{stderr}");
}

/// The settings screen (S) switches the channels to the user's playlist: a path that does not
/// exist is refused with a message while the demo keeps playing; a real one loads, becomes the
/// setting, and the TV tunes into it. Then the mouse: a click on the picture opens the list,
/// a click on a row watches that channel; and a gamepad's D-pad zaps back.
#[test]
fn settings_switch_the_playlist_and_the_mouse_picks_a_channel() {
    let out = out_dir();
    let shot = |name: &str| out.join(name);
    for n in [
        "settings.png",
        "settings-refused.png",
        "settings-loaded.png",
    ] {
        let _ = std::fs::remove_file(shot(n));
    }
    let cache = std::env::var_os("PRISM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/prism"));
    let streams = prism_media::demo::ensure_streams(&cache).expect("demo channels");
    let server = prism_media::server::DemoServer::start(&streams, 0).unwrap();
    let config = tempdir().join("settings");
    std::fs::create_dir_all(&config).unwrap();
    let mine = config.join("mine.m3u");
    std::fs::write(
        &mine,
        format!(
            "#EXTM3U\n#EXTINF:-1 tvg-chno=\"21\",My Pinwheel\n{}\n\
             #EXTINF:-1 tvg-chno=\"22\",My Gradient\n{}\n",
            server.stream_url("music.prism.demo"),
            server.stream_url("nature.prism.demo")
        ),
    )
    .unwrap();
    let missing = config.join("missing.m3u");
    let (_x, display) = xvfb();
    let script = format!(
        "playing; key S; wait 1; shot {settings}; key Right; key Down; key Enter; type {missing}; \
         key Enter; key Down; key Down; key Down; key Down; key Enter; wait 1; shot {refused}; \
         key Up; key Up; key Up; key Up; key Enter; key Delete; type {mine}; key Enter; key Down; \
         key Down; key Down; key Down; key Enter; wait 1; playing; wait 1; shot {loaded}; \
         click 900 300; wait 1; move 200 270; wait 0.3; click 200 270; wait 0.5; playing; \
         wait 0.5; pad DPadDown; wait 0.3; playing; wait 0.5; quit",
        settings = shot("settings.png").display(),
        refused = shot("settings-refused.png").display(),
        loaded = shot("settings-loaded.png").display(),
        missing = missing.display(),
        mine = mine.display(),
    );
    let (_, stderr) = run_prism(&display, &config, &script, &[]);

    let settings = Png::load(&shot("settings.png"));
    let refused = Png::load(&shot("settings-refused.png"));
    let loaded = Png::load(&shot("settings-loaded.png"));
    // The panel covers the middle; the demo's first channel (SMPTE bars) plays at the edges,
    // before and after the refused path.
    let [r, g, b] = settings.px(0.5, 0.3);
    assert!(
        r < 40 && g < 40 && b < 60,
        "no settings panel: {:?}",
        [r, g, b]
    );
    assert!(
        refused.diff(&settings, 0.0, 0.2, 0.1, 0.6) < 25.0,
        "the demo stopped playing while the settings were open"
    );
    // The refusal is written in the warning colour under the rows.
    // Every few pixels down (a line of text is about 16 px tall).
    let warn = (0..10_000)
        .filter(|i| {
            let [r, g, b] = refused.px(
                0.14 + (i % 100) as f32 * 0.0072,
                0.3 + (i / 100) as f32 * 0.006,
            );
            r > 200 && (90..190).contains(&g) && (60..160).contains(&b)
        })
        .count();
    assert!(warn > 20, "no refusal message ({warn} warning pixels)");

    // The real playlist loaded, became the setting, and its first channel (the pinwheel: black
    // and white, where SMPTE bars were colour) is on.
    assert!(stderr.contains("lineup: 2 channels"), "{stderr}");
    let saved = std::fs::read_to_string(config.join("settings.toml")).unwrap();
    assert!(
        saved.contains(&format!("playlist = \"{}\"", mine.display())),
        "{saved}"
    );
    let grey = (0..100)
        .map(|i| loaded.px(0.2 + (i % 10) as f32 * 0.06, 0.2 + (i / 10) as f32 * 0.05))
        .filter(|[r, g, b]| r.abs_diff(*g) < 30 && g.abs_diff(*b) < 30)
        .count();
    assert!(grey > 80, "the pinwheel is not on ({grey} grey samples)");

    // The mouse watched the second row, then the pad's D-pad went back down to the first.
    assert!(
        saved.contains("recent = [\n    \"My Pinwheel\",\n    \"My Gradient\","),
        "the click and the pad did not tune: {saved}"
    );
    assert!(saved.contains("last_channel = \"My Pinwheel\""), "{saved}");
}

#[test]
fn live_tv_pauses_rewinds_and_goes_live_with_its_time_bar() {
    let out = out_dir();
    let shot = |name: &str| out.join(name);
    let names = [
        "ts-paused-a.png",
        "ts-paused-b.png",
        "ts-behind.png",
        "ts-live.png",
    ];
    for n in names {
        let _ = std::fs::remove_file(shot(n));
    }
    let config = tempdir();
    let (_x, display) = xvfb();
    // Past the zap banner, pause for a while (two shots of the frozen picture), resume, jump
    // back twice, then End for live.
    let script = format!(
        "playing; wait 5.5; timeline; key Space; wait 3; shot {}; wait 3; shot {}; timeline; \
         key Space; wait 1; key Left; key Left; wait 2; timeline; shot {}; key End; wait 3; \
         timeline; shot {}; quit",
        shot(names[0]).display(),
        shot(names[1]).display(),
        shot(names[2]).display(),
        shot(names[3]).display(),
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    println!("{stdout}");
    let lines: Vec<(f32, bool, f32)> = stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("autopilot: timeline behind ")?;
            let w: Vec<&str> = rest.split_whitespace().collect();
            Some((w[0].parse().ok()?, w[2] == "true", w[4].parse().ok()?))
        })
        .collect();
    assert_eq!(lines.len(), 4, "a buffer from the start: {stdout}");
    let [start, paused, behind, live] = [lines[0], lines[1], lines[2], lines[3]];
    assert!(start.1, "starts live: {start:?}");
    // Paused 6 s: the buffer grew and the picture fell behind.
    assert!(paused.2 >= start.2 + 4.0, "{start:?} -> {paused:?}");
    assert!(paused.0 >= 5.0 && !paused.1, "{paused:?}");
    // Two jumps back of 10 s: further behind, as far as the buffer reaches (the second may
    // stop at its start: what can be played ends the live slack, 3 segments and a second,
    // short of what is buffered; a slow machine paused longer and has less left to jump).
    assert!(
        behind.0 >= (paused.0 + 8.0).min(behind.2 - 9.0),
        "{paused:?} -> {behind:?}"
    );
    assert!(behind.0 <= behind.2, "never past the buffer: {behind:?}");
    assert!(live.1, "End goes live: {live:?}");

    let a = Png::load(&shot(names[0]));
    let b = Png::load(&shot(names[1]));
    let behind_shot = Png::load(&shot(names[2]));
    let live_shot = Png::load(&shot(names[3]));
    // Paused, the picture holds still (the demo's burnt-in clock, lower middle, included).
    assert!(
        a.diff(&b, 0.0, 0.0, 1.0, 0.8) < 1.0,
        "the picture moved while paused"
    );
    // The time bar's panel is across the bottom, dark over the bright picture.
    let strip: Vec<[u8; 3]> = (0..10).map(|i| a.px(0.3 + i as f32 * 0.05, 0.86)).collect();
    assert!(
        strip.iter().all(|p| p.iter().all(|&c| c < 60)),
        "no time bar: {strip:?}"
    );
    // The badge at its left: red "LIVE" when live, not when behind.
    let red = |p: [u8; 3]| p[0] > 150 && p[1] < 60 && p[2] < 60;
    let badge = |png: &Png| png.px(0.075, 0.875);
    assert!(
        red(badge(&live_shot)),
        "LIVE badge: {:?}",
        badge(&live_shot)
    );
    assert!(
        !red(badge(&behind_shot)),
        "behind: {:?}",
        badge(&behind_shot)
    );
    // The played part of the bar is shorter behind live than live.
    let filled = |png: &Png| {
        (0..100)
            .filter(|i| {
                let p = png.px(0.24 + *i as f32 * 0.0048, 0.895);
                p[2] > 200 && p[0] < 120
            })
            .count()
    };
    assert!(
        filled(&behind_shot) + 10 < filled(&live_shot),
        "bar: behind {} live {}",
        filled(&behind_shot),
        filled(&live_shot)
    );
}

/// Z goes through the layouts: from the TV to "Lumen big" to "Side by side", the picture
/// gliding to its new place (photographed three times on the way, animations slowed 20×); then
/// to the user's `layout.toml`, which has a fault: the message names its line and field, and
/// the picture stays where the last good layout put it.
#[test]
fn layouts_glide_and_a_bad_layout_file_says_where() {
    let shots = common::fresh_shots(
        "layout",
        &["tv", "glide-1", "glide-2", "glide-3", "side", "bad"],
    );
    let config = tempdir().join("layout");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("layout.toml"),
        "name = \"Mine\"\n\n[[layer]]\nname = \"tv\"\nkind = \"video\"\nrect = [0, 0, 1, 1]\n\n\
         [[layer]]\nname = \"lumen\"\nopacity = 1.5\nkind = \"avatar\"\n",
    )
    .unwrap();
    let (_x, display) = xvfb();
    // Lumen off (L), so only the picture moves; Z twice: "Lumen big" (the picture stays
    // whole), then "Side by side". The glide takes 0.45 s × 20 = 9 s; a shot adds 0.7 s.
    let script = format!(
        "playing; key L; wait 1; shot {}; key Z; key Z; wait 2.5; shot {}; wait 1; shot {}; \
         wait 1; shot {}; wait 7; shot {}; key Z; wait 1.5; shot {}; quit",
        shots[0].display(),
        shots[1].display(),
        shots[2].display(),
        shots[3].display(),
        shots[4].display(),
        shots[5].display()
    );
    let (stdout, stderr) = common::run_prism_with(
        &display,
        &config,
        &script,
        &[],
        &[("PRISM_ANIMATION_SCALE", "20")],
    );
    // The picture's top edge down the test card's yellow bar, and its right edge across the
    // middle: the first and last rows and columns that are not black.
    let edges = |p: &PathBuf| {
        let img = Png::load(p);
        let lit = |x: usize, y: usize| {
            img.px(x as f32 / 1280.0, y as f32 / 720.0)
                .iter()
                .any(|&c| c > 60)
        };
        let top = (0..720).find(|&y| lit(256, y)).unwrap_or(720);
        let right = (0..1280).rev().find(|&x| lit(x, 360)).unwrap_or(0);
        (top as f32, right as f32)
    };
    let e: Vec<(f32, f32)> = shots.iter().map(edges).collect();
    eprintln!("the picture's (top, right) edges: {e:?}");
    assert!(
        e[0].0 < 3.0 && e[0].1 > 1270.0,
        "the TV fills the window: {e:?}"
    );
    // Side by side: [0, 0.19, 0.62, 0.62] of 1280×720.
    let side = (0.19 * 720.0, 0.62 * 1280.0);
    for (top, right) in [e[4], e[5]] {
        assert!(
            (top - side.0).abs() < 6.0 && (right - side.1).abs() < 6.0,
            "side by side, and kept after the bad file: {e:?}"
        );
    }
    for w in e[..5].windows(2) {
        assert!(
            w[1].0 > w[0].0 + 5.0 && w[1].1 < w[0].1 - 15.0,
            "the picture glides down and in at every shot: {e:?}"
        );
    }
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains(
            "layout.toml: line 10, opacity: opacity is 0 to 1 (got 1.5). Keeping Side by side."
        ),
        "{}",
        &said[said.len().saturating_sub(3000)..]
    );
}

/// B opens picture-in-picture with the channel watched before in the top-right corner (its own
/// silent player), N swaps the two, B closes it and the picture is whole again.
#[test]
fn picture_in_picture_opens_swaps_and_closes() {
    let shots = common::fresh_shots("pip", &["open", "swapped", "closed"]);
    let config = tempdir().join("pip");
    std::fs::create_dir_all(&config).unwrap();
    let (_x, display) = xvfb();
    // Prism News, then Prism Sports (Down), then the corner opens with Prism News.
    let script = format!(
        "playing; key L; key Down; wait 0.5; playing; wait 1; key B; tilesplaying; wait 1; tiles; shot {}; \
         key N; wait 0.5; playing; wait 4; tiles; shot {}; key B; wait 2; tiles; shot {}; quit",
        shots[0].display(),
        shots[1].display(),
        shots[2].display()
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    let lines = tile_lines(&stdout);
    assert_eq!(lines.len(), 3, "{stdout}");
    let (main, corner) = (field(lines[0], "main"), field(lines[0], "tile1"));
    assert_eq!(
        corner, "Prism News",
        "the channel watched before: {}",
        lines[0]
    );
    assert!(main.starts_with("Prism ") && main != corner, "{}", lines[0]);
    assert_eq!(
        (field(lines[1], "main"), field(lines[1], "tile1")),
        (corner.clone(), main.clone()),
        "N swapped them: {}",
        lines[1]
    );
    assert_eq!(
        (field(lines[2], "main"), field(lines[2], "tile1")),
        (corner, "-".to_owned()),
        "B closed the corner: {}",
        lines[2]
    );
    let img: Vec<Png> = shots.iter().map(|p| Png::load(p)).collect();
    // The corner: [0.98, 0.03] top-right, 0.3 × 0.3 of the window.
    let corner = (0.69, 0.04, 0.97, 0.32);
    let diff = |a: &Png, b: &Png| a.diff(b, corner.0, corner.1, corner.2, corner.3);
    // Open and swapped: a different channel in the corner than under it when closed.
    assert!(
        diff(&img[0], &img[2]) > 8.0,
        "a second picture in the corner: {}",
        diff(&img[0], &img[2])
    );
    assert!(
        diff(&img[0], &img[1]) > 8.0,
        "the swap changed the corner's picture: {}",
        diff(&img[0], &img[1])
    );
    // The corner's picture is framed by the TV's around it: just outside the corner, the open
    // and closed shots show the same channel (Prism News after the swap).
    let below = img[1].diff(&img[2], 0.69, 0.36, 0.97, 0.45);
    assert!(
        below < 8.0,
        "outside the corner it is the TV's picture: {below}"
    );
}

/// The autopilot's `tiles` lines.
fn tile_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("autopilot: tiles "))
        .collect()
}

/// A `tiles` line's field (`main`, `tile1`…, `focus`, `levels`).
fn field(line: &str, key: &str) -> String {
    line.split(" | ")
        .find_map(|f| f.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_owned()
}

/// Q opens multi-view: the TV's channel and the next three in a 2×2 grid, each its own player.
/// The arrows move the focus frame and the sound with it (the focused tile's player is the one
/// heard, by the levels each player measures after its muting); OK watches the focused channel
/// full screen.
#[test]
fn multiview_shows_four_channels_and_the_sound_follows_the_focus() {
    let shots = common::fresh_shots("multiview", &["quad", "focus-right", "full"]);
    let config = tempdir().join("multiview");
    std::fs::create_dir_all(&config).unwrap();
    let (_x, display) = xvfb();
    // Three more players start at once, which takes a loaded machine a while: the first shot
    // waits for every tile's picture (under a loaded CI run two were still black after 8 s).
    let script = format!(
        "playing; key L; key Q; tilesplaying; wait 1; tiles; shot {}; key Right; wait 2; tiles; shot {}; \
         key Down; wait 2; tiles; key Enter; wait 0.5; playing; wait 2; tiles; shot {}; quit",
        shots[0].display(),
        shots[1].display(),
        shots[2].display()
    );
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    let lines = tile_lines(&stdout);
    assert_eq!(lines.len(), 4, "{stdout}");
    eprintln!("{lines:#?}");
    // Four different channels.
    let four: Vec<String> = ["main", "tile1", "tile2", "tile3"]
        .iter()
        .map(|k| field(lines[0], k))
        .collect();
    let mut distinct = four.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{four:?}");
    assert!(four.iter().all(|c| c.starts_with("Prism ")), "{four:?}");
    // The focus moves right (tile 1), then down (tile 3); the sound is the focused tile's.
    let levels = |l: &str| -> Vec<f32> {
        field(l, "levels")
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect()
    };
    assert_eq!(field(lines[0], "focus"), "0");
    assert_eq!(field(lines[1], "focus"), "1");
    assert_eq!(field(lines[2], "focus"), "3");
    for (line, heard) in [(lines[0], 0), (lines[1], 1), (lines[2], 3)] {
        let l = levels(line);
        for (tile, db) in l.iter().enumerate() {
            if tile == heard {
                assert!(*db > -60.0, "tile {tile} is heard: {line}");
            } else {
                assert!(*db < -80.0, "tile {tile} is silent: {line}");
            }
        }
    }
    // OK: the focused channel (tile 3) is the TV's, alone.
    assert_eq!(field(lines[3], "main"), four[3], "{}", lines[3]);
    assert_eq!(field(lines[3], "tile1"), "-");
    let img: Vec<Png> = shots.iter().map(|p| Png::load(p)).collect();
    // Four pictures: each quadrant differs from the others.
    let q = [(0.02, 0.02), (0.52, 0.02), (0.02, 0.52), (0.52, 0.52)];
    for a in 0..4 {
        for b in a + 1..4 {
            let d = quadrant_diff(&img[0], q[a], q[b]);
            assert!(
                d > 8.0,
                "quadrants {a} and {b} show different channels: {d}"
            );
        }
    }
    // The focus frame: yellow along the focused tile's left edge (tile 1 starts at x = 640).
    let is_focus = |[r, g, b]: [u8; 3]| r > 220 && (180..245).contains(&g) && b < 110;
    assert!(
        is_focus(img[1].px(642.0 / 1280.0, 0.25)),
        "{:?}",
        img[1].px(642.0 / 1280.0, 0.25)
    );
    assert!(!is_focus(img[0].px(642.0 / 1280.0, 0.25)));
}

/// How different two quarter-window regions of one picture are (mean channel difference).
fn quadrant_diff(img: &Png, a: (f32, f32), b: (f32, f32)) -> f32 {
    let (mut sum, mut n) = (0u64, 0u64);
    for j in 0..40 {
        for i in 0..40 {
            let (dx, dy) = (i as f32 * 0.0115, j as f32 * 0.0115);
            let p = img.px(a.0 + dx, a.1 + dy);
            let q = img.px(b.0 + dx, b.1 + dy);
            for c in 0..3 {
                sum += u64::from(p[c].abs_diff(q[c]));
            }
            n += 3;
        }
    }
    sum as f32 / n as f32
}

/// The composed scene (the demo channel, Lumen in her corner, the TV's sound) streamed to a
/// real RTMP server (nginx with its RTMP module, on loopback) with F9 and pulled back from it
/// with GStreamer; then recorded to a Matroska file with F10 and read back. On air again,
/// the mouse still picks a channel from the list (the UI draws into the output image then).
#[test]
fn the_composed_scene_streams_to_rtmp_and_records_to_a_file() {
    use prism_media::rtmp_server::{RtmpServer, pull};
    let shots = common::fresh_shots("broadcast", &["monitor"]);
    let dir = tempdir().join("broadcast");
    let _ = std::fs::remove_dir_all(&dir);
    let (config, recordings) = (dir.join("config"), dir.join("recordings"));
    std::fs::create_dir_all(&config).unwrap();
    let server = RtmpServer::start(&dir.join("nginx")).expect("the RTMP server");
    // The key apart from the server, as services hand them out.
    std::fs::write(
        config.join("settings.toml"),
        format!(
            "[broadcast]\nserver = \"rtmp://127.0.0.1:{}/live\"\nkey = \"prism-e2e-key\"\n",
            server.port
        ),
    )
    .unwrap();
    let (_x, display) = xvfb();
    // The reader waits on the server for the stream (nginx holds a player until a publisher
    // comes) and keeps the last picture, sent when Lumen has long been in her corner.
    let url = server.url("prism-e2e-key");
    let reader = std::thread::spawn(move || pull(&url, 40.0));
    let script = format!(
        "playing; wait 1; key F9; wait 8; notice; onair; shot {}; wait 0.5; key F9; wait 1; \
         onair; key F10; wait 5; onair; key F10; wait 2; onair; \
         key F10; wait 2; tiles; click 900 300; wait 1; move 200 270; wait 0.3; \
         click 200 270; wait 1; tiles; onair; key F10; wait 2; quit",
        shots[0].display()
    );
    let rec = recordings.to_string_lossy().into_owned();
    let (stdout, stderr) = common::run_prism_with(
        &display,
        &config,
        &script,
        &[],
        &[("PRISM_RECORDINGS", rec.as_str())],
    );
    let onair: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("autopilot: onair "))
        .collect();
    assert_eq!(onair.len(), 5, "{stdout}");
    assert!(
        onair[0].starts_with("stream live to=rtmp://127.0.0.1:"),
        "{}",
        onair[0]
    );
    assert!(
        !stdout.contains("prism-e2e-key") && !stderr.contains("prism-e2e-key"),
        "the key is never shown or logged"
    );
    let frames = |line: &str| -> u64 {
        line.split(' ')
            .find_map(|f| f.strip_prefix("frames="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert!(frames(onair[0]) >= 20, "frames sent: {}", onair[0]);
    assert_eq!(onair[1], "off");
    assert!(onair[2].starts_with("file "), "{}", onair[2]);
    assert_eq!(onair[3], "off");
    assert!(onair[4].starts_with("file "), "{}", onair[4]);
    // On air the UI draws into the output image, out of Bevy's reach for the mouse: a click
    // on the picture opened the channel list, and a click on a row watched that channel.
    let mains: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("autopilot: tiles main="))
        .map(|l| l.split(" | ").next().unwrap_or(""))
        .collect();
    assert_eq!(mains.len(), 2, "{stdout}");
    assert_eq!(
        mains,
        ["Prism News", "Prism Sports"],
        "the click on the second row while on air"
    );

    let got = reader
        .join()
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert!(got.frames >= 20, "pictures came back: {}", got.frames);
    let (w, h, _) = got.frame.as_ref().unwrap();
    assert_eq!((*w, *h), (1280, 720));
    check_scene("the stream", &got);
    // "Live: streaming to …" was up in the window when the last picture went out: the
    // notice is the viewer's, over the monitor, and the stream has the blue bar there.
    assert!(
        stdout.contains("autopilot: notice Some(\"Live: streaming to rtmp://"),
        "{stdout}"
    );
    let under_notice = got.mean(0.87, 0.08, 0.94, 0.11).unwrap();
    assert!(
        under_notice[2] > 0.5 && under_notice[0] < 0.2,
        "the stream shows the picture where the window has the notice: {under_notice:?}"
    );
    assert!(
        got.samples > 48_000 * 3,
        "sound came back: {} samples",
        got.samples
    );
    assert!(got.rms > 0.005, "the TV's sound is in it: rms {}", got.rms);

    let files: Vec<PathBuf> = std::fs::read_dir(&recordings)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mkv"))
        .collect();
    // The first recording, of the first channel; the second is where the mouse was tried.
    let mut files = files;
    files.sort();
    assert_eq!(files.len(), 2, "two recordings: {files:?}");
    let got = pull(&prism_media::file_uri(&files[0]), 30.0).unwrap();
    check_scene("the recording", &got);
    assert!(
        got.samples > 48_000 * 3,
        "the recording has sound: {}",
        got.samples
    );
    let secs = prism_media::duration(&files[0]).expect("a finished file");
    assert!(secs.as_secs_f64() > 3.0, "{secs:?}");

    // The window showed the monitor: the output with the red dot and LIVE over it, top
    // centre, and the notice top right.
    let img = Png::load(&shots[0]);
    let red = (300..700).any(|x| {
        let p = img.px(x as f32 / 1000.0, 0.047);
        p[0] > 180 && p[1] < 80 && p[2] < 80
    });
    assert!(red, "the red dot, top centre");
    let notice = img.px(0.9, 0.095);
    assert!(
        notice[2] < 100,
        "the notice in the window, over the blue bar: {notice:?}"
    );
}

/// The demo's first channel (colour bars) fills the picture and Lumen stands in the bottom
/// right corner, over the blue bar.
fn check_scene(what: &str, got: &prism_media::rtmp_server::Pulled) {
    let yellow = got.mean(0.16, 0.3, 0.27, 0.6).unwrap();
    assert!(
        yellow[0] > 0.6 && yellow[1] > 0.6 && yellow[2] < 0.35,
        "{what}: the video's yellow bar: {yellow:?}"
    );
    // Her face, where the video alone is pure blue (red near 0). Her idle sway moves her
    // face about this small patch: a loaded CI run caught her half in it (red 0.4998), so
    // what is asked is that much of it is not the bar.
    let face = got.mean(0.875, 0.6, 0.905, 0.65).unwrap();
    assert!(face[0] > 0.3, "{what}: Lumen over the picture: {face:?}");
}

/// A layout file's own layers: a picture (turned 10°, 90 % opaque) under Lumen and words over
/// her, where the file puts them; Z to the TV layout takes them away. The app's zap banner is
/// an overlay layer of the file too, moved to the top; in the TV layout it is at the bottom.
#[test]
fn a_layout_draws_its_picture_and_words_and_places_the_banner() {
    let shots = common::fresh_shots("decor", &["custom", "tv", "custom-banner", "tv-banner"]);
    let config = tempdir().join("decor");
    std::fs::create_dir_all(&config).unwrap();
    // A 64×64 magenta square.
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, 64, 64);
        enc.set_color(png::ColorType::Rgba);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[255, 0, 255, 255].repeat(64 * 64))
            .unwrap();
    }
    std::fs::write(config.join("logo.png"), png).unwrap();
    std::fs::write(
        config.join("layout.toml"),
        "name = \"Co-stream\"\n\
         [[layer]]\nname = \"tv\"\nkind = \"video\"\nrect = [0, 0, 1, 1]\n\
         [[layer]]\nname = \"logo\"\nkind = \"image\"\npath = \"logo.png\"\n\
         rect = [0.03, 0.80, 0.1, 0.16]\nopacity = 0.9\nrotation = 10\nz = 5\n\
         [[layer]]\nname = \"title\"\nkind = \"text\"\ntext = \"Match night with Lumen\"\n\
         rect = [0.35, 0.86, 0.5, 0.08]\nanchor = \"top\"\nz = 20\n\
         [[layer]]\nname = \"banner\"\nkind = \"overlay\"\npanel = \"banner\"\n\
         rect = [0.5, 0.03, 0.9, 0.25]\nanchor = \"top\"\nopacity = 0.9\nz = 30\n\
         [[layer]]\nname = \"lumen\"\nkind = \"avatar\"\nz = 10\n",
    )
    .unwrap();
    std::fs::write(config.join("settings.toml"), "layout = \"custom\"\n").unwrap();
    let (_x, display) = xvfb();
    let script = format!(
        "playing; wait 6; shot {}; key Up; wait 0.5; key Down; playing; wait 0.5; shot {}; \
         wait 5; key Z; wait 2; shot {}; key Up; wait 0.5; key Down; playing; wait 0.5; shot {}; \
         quit",
        shots[0].display(),
        shots[2].display(),
        shots[1].display(),
        shots[3].display()
    );
    run_prism(&display, &config, &script, &[]);
    // The banner's dark panel (90 % opaque): at the top with the file's layout, where the TV
    // layout has the bars; at the bottom in the TV layout.
    let (cb, tb) = (Png::load(&shots[2]), Png::load(&shots[3]));
    let sum = |c: [u8; 3]| c.iter().map(|&v| u32::from(v)).sum::<u32>();
    let darker = (0..100)
        .filter(|i| {
            let (x, y) = (0.6 + (i % 10) as f32 * 0.03, 0.07 + (i / 10) as f32 * 0.01);
            sum(cb.px(x, y)) * 2 < sum(tb.px(x, y))
        })
        .count();
    assert!(
        darker > 50,
        "the banner at the top by the layout: {darker} of 100 samples darker"
    );
    let tv_plain = Png::load(&shots[1]);
    let low = tb.diff(&tv_plain, 0.1, 0.8, 0.5, 0.9);
    assert!(low > 20.0, "the TV layout's banner at the bottom: {low}");
    let (custom, tv) = (Png::load(&shots[0]), Png::load(&shots[1]));
    let logo = custom.px(0.08, 0.88);
    assert!(
        logo[0] > 200 && logo[1] < 60 && logo[2] > 200,
        "the layout's picture: {logo:?}"
    );
    let plain = tv.px(0.08, 0.88);
    assert!(
        plain[1] > 60 || plain[0] < 200,
        "gone with its layout: {plain:?}"
    );
    // The words: the same bars under them, with and without.
    let words = custom.diff(&tv, 0.15, 0.865, 0.55, 0.93);
    assert!(words > 6.0, "the layout's words are drawn: {words}");
}

/// A screen rises into place and fades in as it opens: mid-way (animations slowed 20 times)
/// the picture still shows around it and through it; then it fills its place. Closed, it sinks and fades: mid-way the
/// TV is already back (the screen's logic is gone at once) and the picture shows through.
#[test]
fn a_screen_slides_in_as_it_opens_and_fades_as_it_closes() {
    let shots = common::fresh_shots("open", &["during", "after", "closing", "closed"]);
    let config = tempdir().join("open");
    std::fs::create_dir_all(&config).unwrap();
    let (_x, display) = xvfb();
    let script = format!(
        "playing; wait 5; key G; wait 0.8; shot {}; wait 6; shot {}; key Escape; wait 0.1; \
         screen; wait 1.9; shot {}; wait 5; shot {}; quit",
        shots[0].display(),
        shots[1].display(),
        shots[2].display(),
        shots[3].display()
    );
    let (stdout, _) = common::run_prism_with(
        &display,
        &config,
        &script,
        &[],
        &[("PRISM_ANIMATION_SCALE", "20")],
    );
    let (during, after) = (Png::load(&shots[0]), Png::load(&shots[1]));
    // The top-left corner: the picture's white bar beside the rising grid, then the grid.
    let (d, a) = (during.px(0.003, 0.004), after.px(0.003, 0.004));
    assert!(
        d.iter().all(|&c| c > 150),
        "the picture around the opening grid: {d:?}"
    );
    assert!(a.iter().all(|&c| c < 60), "the grid in its place: {a:?}");
    // Fading in: mid-way the bars show through the grid's dark panels.
    let light = |p: &Png| -> f32 {
        (0..100)
            .map(|i| {
                let c = p.px(0.3 + (i % 10) as f32 * 0.04, 0.3 + (i / 10) as f32 * 0.04);
                c.iter().map(|&v| f32::from(v)).sum::<f32>() / 3.0
            })
            .sum::<f32>()
            / 100.0
    };
    let (ld, la) = (light(&during), light(&after));
    assert!(
        ld > la + 40.0,
        "the opening grid fades in: {ld} mid-way, {la} after"
    );
    assert!(
        stdout.contains("autopilot: screen Some(Watching)"),
        "{stdout}"
    );
    // The upper left (the grid's header and first rows over the bars): half-way between the
    // grid and the picture, like neither.
    let (closing, closed) = (Png::load(&shots[2]), Png::load(&shots[3]));
    let r = (0.0, 0.1, 0.5, 0.5);
    let whole = after.diff(&closed, r.0, r.1, r.2, r.3);
    let from_grid = closing.diff(&after, r.0, r.1, r.2, r.3);
    let from_tv = closing.diff(&closed, r.0, r.1, r.2, r.3);
    assert!(
        whole > 30.0 && from_grid > 0.1 * whole && from_tv > 0.2 * whole,
        "closing mid-way: {from_grid} from the grid, {from_tv} from the picture, {whole} apart"
    );
}

/// The first run: with no settings file, a welcome opens over the playing demo (the keys, a
/// playlist, Lumen, the voice models); Back dismisses it for good, and the next start goes
/// straight to the TV.
#[test]
fn a_first_run_is_welcomed_once() {
    let shots = common::fresh_shots("first-run", &["welcome", "again"]);
    let config = tempdir().join("first-run");
    let _ = std::fs::remove_dir_all(&config);
    std::fs::create_dir_all(&config).unwrap();
    let (_x, display) = xvfb();
    let welcome = [("PRISM_NO_WELCOME", "0")];
    let script = |shot: &PathBuf| {
        format!(
            "playing; wait 3; screen; shot {}; key Escape; wait 1; screen; quit",
            shot.display()
        )
    };
    let (first, _) = common::run_prism_with(&display, &config, &script(&shots[0]), &[], &welcome);
    assert!(
        first.contains("autopilot: screen Some(Welcome)")
            && first.contains("autopilot: screen Some(Watching)"),
        "the welcome opened and Back closed it: {first}"
    );
    let saved = std::fs::read_to_string(config.join("settings.toml")).unwrap();
    assert!(saved.contains("welcomed = true"), "remembered: {saved}");
    let (again, _) = common::run_prism_with(&display, &config, &script(&shots[1]), &[], &welcome);
    assert!(
        !again.contains("Some(Welcome)"),
        "welcomed once only: {again}"
    );
    // The panel over the middle of the picture, then the picture itself.
    let (w, a) = (Png::load(&shots[0]), Png::load(&shots[1]));
    let panel = w.diff(&a, 0.25, 0.2, 0.75, 0.8);
    assert!(panel > 20.0, "the welcome stands over the picture: {panel}");
}

/// A playlist given on the command line is asked about over the playing demo; OK loads it as
/// the source (the demo's place), and it is remembered. A file that is not there is said at
/// once, before any window.
#[test]
fn a_playlist_given_on_the_command_line_is_asked_about_and_added() {
    let shots = common::fresh_shots("open-playlist", &["ask"]);
    let config = tempdir().join("open-playlist");
    let _ = std::fs::remove_dir_all(&config);
    std::fs::create_dir_all(&config).unwrap();
    let list = config.join("Mine.m3u");
    std::fs::write(
        &list,
        "#EXTM3U\n#EXTINF:-1 group-title=\"Mine\",Opened One\nhttp://127.0.0.1:9/one.m3u8\n\
         #EXTINF:-1 group-title=\"Mine\",Opened Two\nhttp://127.0.0.1:9/two.m3u8\n",
    )
    .unwrap();
    let (_x, display) = xvfb();
    let script = format!(
        "playing; wait 2; screen; shot {}; key Enter; wait 4; screen; notice; quit",
        shots[0].display()
    );
    let url = format!("file://{}", list.display());
    let (out, _) = run_prism(&display, &config, &script, &[&url]);
    assert!(
        out.contains("autopilot: screen Some(Open)"),
        "asked before adding: {out}"
    );
    let saved = std::fs::read_to_string(config.join("settings.toml")).unwrap();
    assert!(
        saved.contains(&format!("playlist = \"{}\"", list.display())),
        "the opened playlist is the source now: {saved}"
    );
    let ask = Png::load(&shots[0]);
    let panel = ask.px(0.5, 0.45);
    assert!(
        panel.iter().all(|&c| c < 90),
        "the question's dark panel over the picture: {panel:?}"
    );
    // A typo: a clear error and no window.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_prism"))
        .arg(config.join("nope.m3u"))
        .env("PRISM_CONFIG_DIR", &config)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nope.m3u: no such playlist file"), "{err}");
}

/// A hand-edited settings file with mistakes: everything else in it is used, the mistakes are
/// shown with their lines and what was used instead, and the file is left as it was until a
/// setting changes; then a copy of it is kept beside the new one.
#[test]
fn a_settings_file_with_mistakes_says_where_and_keeps_the_rest() {
    let shots = common::fresh_shots("settings-problems", &["toast"]);
    let config = tempdir().join("settings-problems");
    let _ = std::fs::remove_dir_all(&config);
    std::fs::create_dir_all(&config).unwrap();
    let text = "volume = \"loud\"\nrefresh_hours = 6\nsubtitels = true\n\
                favourites = [\"Prism Nature\"]\n[broadcast]\nsize = 1080\n";
    std::fs::write(config.join("settings.toml"), text).unwrap();
    let (_x, display) = xvfb();
    let script = format!("playing; wait 2; notice; shot {}; quit", shots[0].display());
    let (out, err) = run_prism(&display, &config, &script, &[]);
    for said in [
        "line 1, volume: ",
        "Using 60.",
        "line 3: \\\"subtitels\\\" is not a setting Prism knows",
        "line 6, broadcast.size: ",
        "Using \\\"720p\\\".",
    ] {
        assert!(out.contains(said), "the toast says {said:?}: {out}");
    }
    assert!(err.contains("settings.toml: line 1, volume"), "and the log");
    assert_eq!(
        std::fs::read_to_string(config.join("settings.toml")).unwrap(),
        text,
        "left as it was while nothing changed"
    );
    // A change (mute) writes the settings: the rest of the file kept, and a copy of it aside.
    run_prism(&display, &config, "playing; key M; wait 1; quit", &[]);
    let saved = std::fs::read_to_string(config.join("settings.toml")).unwrap();
    assert!(
        saved.contains("refresh_hours = 6") && saved.contains("\"Prism Nature\""),
        "{saved}"
    );
    assert!(saved.contains("muted = true"), "{saved}");
    assert_eq!(
        std::fs::read_to_string(config.join("settings.toml.broken")).unwrap(),
        text
    );
}

/// German and Spanish (and English, the reference) on screen, chosen by the environment as on a user's system: the
/// welcome, the settings, their Companion page (with the language row) and the guide
/// grid, each photographed to look at, with no text wider than its node or out of its panel.
#[test]
fn german_and_spanish_fit_their_panels() {
    for (lang, short) in [
        ("de_DE.UTF-8", "de"),
        ("es_ES.UTF-8", "es"),
        ("en_US.UTF-8", "en"),
    ] {
        let names = ["welcome", "settings", "companion", "grid"];
        let shots = common::fresh_shots(&format!("lang-{short}"), &names);
        let config = tempdir().join(format!("lang-{short}"));
        let _ = std::fs::remove_dir_all(&config);
        std::fs::create_dir_all(&config).unwrap();
        let (_x, display) = xvfb();
        let script = format!(
            "playing; wait 3; screen; overflow; shot {}; key Escape; wait 1; key S; wait 1.5; \
             overflow; shot {}; key Up; key Enter; wait 1.5; overflow; shot {}; \
             key Escape; wait 1; key Escape; wait 1; key G; wait 2; screen; overflow; shot {}; \
             quit",
            shots[0].display(),
            shots[1].display(),
            shots[2].display(),
            shots[3].display()
        );
        let env = [
            ("PRISM_NO_WELCOME", "0"),
            ("LC_ALL", lang),
            ("LANG", lang),
            ("LANGUAGE", ""),
        ];
        let (out, _) = common::run_prism_with(&display, &config, &script, &[], &env);
        assert!(out.contains("autopilot: screen Some(Welcome)"), "{out}");
        // The page, then Settings, closed before G: the grid is what the last shot checks.
        assert!(out.contains("autopilot: screen Some(Grid)"), "{out}");
        let reports: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("autopilot: overflow"))
            .collect();
        assert_eq!(reports.len(), 4, "{out}");
        for r in reports {
            assert_eq!(r, "autopilot: overflow 0 []", "{lang}: text out of place");
        }
        for s in &shots {
            assert!(s.is_file(), "{}", s.display());
        }
    }
}
