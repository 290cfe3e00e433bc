//! Lumen in the real app (Xvfb + lavapipe): over the TV picture, its face driven through the
//! expression pipeline, a gesture, a recorded viseme track, a refused file, hiding; and the
//! VRM consortium's conformance models rendered through their documented cases. Screenshots
//! stay in `target/e2e/` to look at.

mod common;

use std::path::PathBuf;

use common::{Png, out_dir, run_prism, run_prism_with, tempdir, xvfb};

/// Lumen's place at the default size in a 1280×720 window: the bottom-right corner.
/// Regions are (x0, y0, x1, y1) in fractions of the window.
/// The face box starts right of the test card's bar edge at x = 1097: the demo channels' x264
/// `ultrafast` has no deblocking, and its dark-blue ringing along that edge counted as "ink"
/// (up to 36 pixels, changing frame to frame), enough to hide the angry brows' 14 %.
const FACE: (f32, f32, f32, f32) = (
    1105.0 / 1280.0,
    440.0 / 720.0,
    1190.0 / 1280.0,
    515.0 / 720.0,
);
/// Where Lumen's right arm goes when it waves (the viewer's left of the head).
const ARM: (f32, f32, f32, f32) = (
    1025.0 / 1280.0,
    400.0 / 720.0,
    1092.0 / 1280.0,
    530.0 / 720.0,
);
/// Cheek: skin in every expression.
const CHEEK: (f32, f32) = (1130.0 / 1280.0, 505.0 / 720.0);

fn is_skin([r, g, b]: [u8; 3]) -> bool {
    r > 225 && g > 190 && g < 245 && b > 165 && b < 235 && r > b + 15
}

/// `../shared/assets/vrm/conformance`, found from the working directory; missing fails.
fn conformance_dir() -> PathBuf {
    std::env::current_dir()
        .unwrap()
        .ancestors()
        .map(|d| d.join("../shared/assets/vrm/conformance"))
        .find(|d| d.is_dir())
        .expect("../shared/assets/vrm/conformance holds the VRM conformance models")
}

/// A playlist whose only channel is refused: a black picture behind the avatar, so only the
/// avatar's colours count.
fn dead_playlist(config: &std::path::Path) -> PathBuf {
    let playlist = config.join("dead.m3u");
    std::fs::write(
        &playlist,
        "#EXTM3U\n#EXTINF:-1,Dead\nhttp://127.0.0.1:9/x.m3u8\n",
    )
    .unwrap();
    playlist
}

#[test]
fn lumen_lives_over_the_tv() {
    let names = [
        "idle",
        "aa",
        "silence",
        "happy",
        "angry",
        "sad",
        "relaxed",
        "surprised",
        "wave",
        "vrma",
        "speak",
        "loud",
        "refused",
        "hidden",
        "settings",
    ];
    let shots = common::fresh_shots("lumen", &names);
    let shot = |n: &str| {
        shots[names.iter().position(|x| *x == n).unwrap()]
            .display()
            .to_string()
    };
    let config = tempdir().join("lumen");
    std::fs::create_dir_all(&config).unwrap();
    let track = config.join("track.json");
    // A recorded track: "hello" (eh-l-oh) with a pause.
    std::fs::write(
        &track,
        r#"[{"viseme":"ee","start":0.0,"duration":0.25},{"viseme":"aa","start":0.25,"duration":0.45},
            {"viseme":"oh","start":0.7,"duration":0.4},{"viseme":"silence","start":1.1,"duration":0.3}]"#,
    )
    .unwrap();
    let cool_loops = conformance_dir().join("../cool_loops.vrm");
    let clip = config.join("raise.vrma");
    std::fs::write(&clip, prism_core::avatar::vrma::Clip::sample_file()).unwrap();
    let broken = config.join("not-an-avatar.vrm");
    std::fs::write(&broken, "this is a text file with a .vrm name").unwrap();
    let mut script = format!(
        "playing; lumen; look viewer; pin blink 0; wait 5; shot {}; \
         mouth aa; wait 0.6; shot {}; mouth none; wait 0.6; shot {}",
        shot("idle"),
        shot("aa"),
        shot("silence")
    );
    for e in ["happy", "angry", "sad", "relaxed", "surprised"] {
        script += &format!("; feel {e}; wait 0.8; shot {}", shot(e));
    }
    script += &format!(
        "; feel neutral; wait 0.6; gesture wave; wait 1.0; shot {}; wait 2; \
         drop {}; wait 1.0; shot {}; wait 1.5; \
         speak {}; wait 0.3; shot {}; wait 1.5; loudness -15; wait 0.1; shot {}; wait 0.6; \
         drop {}; wait 1.5; message; shot {}; key L; wait 0.6; shot {}; key L; \
         key S; wait 0.5; key Up; key Enter; wait 0.3; key Down; key Enter; type {}; key Enter; wait 0.5; shot {}; wait 3; \
         key Escape; wait 0.5; lumen; quit",
        shot("wave"),
        clip.display(),
        shot("vrma"),
        track.display(),
        shot("speak"),
        shot("loud"),
        broken.display(),
        shot("refused"),
        shot("hidden"),
        cool_loops.display(),
        shot("settings")
    );
    let (_x, display) = xvfb();
    let (stdout, _) = run_prism(&display, &config, &script, &[]);
    assert!(stdout.contains("autopilot: avatar Lumen"), "{stdout}");
    let img: Vec<Png> = shots.iter().map(|p| Png::load(p)).collect();
    let by = |n: &str| &img[names.iter().position(|x| *x == n).unwrap()];

    // Over the TV: the demo's test card plays, and Lumen's face is in the corner over it.
    let idle = by("idle");
    assert!(
        is_skin(idle.px(CHEEK.0, CHEEK.1)),
        "{:?}",
        idle.px(CHEEK.0, CHEEK.1)
    );
    let [r, g, b] = idle.px(0.2, 0.3);
    assert!(
        r > 150 && g > 150 && b < 100,
        "the yellow bar of the test card: {r} {g} {b}"
    );

    // The face is judged by what its features are made of, so the idle sway (a few pixels)
    // does not count: ink (eyes and brows) and mouth (its inside and the tongue).
    let count = |img: &Png, r: (f32, f32, f32, f32), f: &dyn Fn([u8; 3]) -> bool| {
        let mut n = 0;
        for y in (r.1 * 720.0) as usize..(r.3 * 720.0) as usize {
            for x in (r.0 * 1280.0) as usize..(r.2 * 1280.0) as usize {
                n += usize::from(f(img.px(x as f32 / 1280.0, y as f32 / 720.0)));
            }
        }
        n
    };
    let ink = |img: &Png| {
        count(img, FACE, &|[r, g, b]| {
            r < 100 && g < 90 && b < 150 && b > r
        })
    };
    let mouth = |img: &Png| {
        count(img, FACE, &|[r, g, b]| {
            (r > 90 && r as u32 > g as u32 + 40 && g < 110 && b < 130 && r < 215)
                || (r > 200 && (85..160).contains(&g) && (100..180).contains(&b))
        })
    };
    let (ink0, mouth0) = (ink(by("silence")), mouth(by("silence")));
    eprintln!("neutral: ink {ink0}, mouth {mouth0}");
    assert!(ink0 > 150, "no eyes on the face: {ink0} ink pixels");
    let aa = mouth(by("aa"));
    assert!(
        aa > mouth0 + 40,
        "aa opens the mouth: {aa} vs {mouth0} pixels"
    );
    for e in ["happy", "angry", "sad", "relaxed", "surprised"] {
        let (i, m) = (ink(by(e)), mouth(by(e)));
        eprintln!("{e}: ink {i}, mouth {m}");
        let ok = match e {
            // Closed smiling eyes, an open smile.
            "happy" => i * 10 < ink0 * 6 && m > mouth0 + 15,
            // Narrowed or lowered eyes.
            "angry" | "sad" => i * 100 < ink0 * 95,
            "relaxed" => i * 10 < ink0 * 8,
            // Wide eyes, an open mouth.
            "surprised" => i * 10 > ink0 * 11 && m > mouth0 + 10,
            _ => unreachable!(),
        };
        assert!(ok, "{e}: ink {i}, mouth {m} (neutral {ink0}, {mouth0})");
        assert!(
            is_skin(by(e).px(CHEEK.0, CHEEK.1)),
            "{e}: the face moved away"
        );
    }
    // The wave raises the hoodie's sleeve beside the head.
    let teal = |img: &Png| count(img, ARM, &|[r, g, b]| r < 110 && g > 140 && b > 130);
    let (up, down) = (teal(by("wave")), teal(by("silence")));
    assert!(
        up > down + 80,
        "the wave does not show: {up} vs {down} sleeve pixels"
    );
    // A dropped VRMA clip plays: the right arm up, and its happy track closes the eyes.
    let raised = teal(by("vrma"));
    assert!(
        raised > down + 60,
        "the clip does not raise the arm: {raised} vs {down}"
    );
    assert!(
        ink(by("vrma")) < ink0,
        "the clip's happy track does not show"
    );
    // Speech without a track opens the mouth with its loudness.
    let loud = mouth(by("loud"));
    assert!(
        loud > mouth0 + 30,
        "loud speech leaves the mouth shut: {loud} vs {mouth0}"
    );
    let speak = mouth(by("speak"));
    assert!(
        speak > mouth0 + 30,
        "the track does not open the mouth: {speak} vs {mouth0}"
    );
    // A broken file is refused with a reason, and Lumen stays.
    assert!(
        stdout.contains("Could not use that avatar") && stdout.contains("keeping Lumen"),
        "{stdout}"
    );
    assert!(is_skin(by("refused").px(CHEEK.0, CHEEK.1)));
    // L hides Lumen: the picture shows through where the face was.
    assert!(!is_skin(by("hidden").px(CHEEK.0, CHEEK.1)));
    // The settings' avatar row takes a file: the third-party avatar replaces Lumen, and is
    // remembered.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("autopilot: avatar /") && l.contains("cool_loops.vrm")),
        "{stdout}"
    );
    let saved = std::fs::read_to_string(config.join("settings.toml")).unwrap();
    assert!(saved.contains("cool_loops.vrm"), "{saved}");
}

/// The isBinary conformance models, driven through happy × blink: the texture window their
/// expressions move must show the atlas's green checks, never a red cross.
#[test]
fn conformance_models_show_green_checks() {
    let vrm = conformance_dir();
    let out = out_dir();
    let config = tempdir().join("conformance");
    std::fs::create_dir_all(&config).unwrap();
    let playlist = dead_playlist(&config);
    let cases = [
        (0.0, 0.0),
        (1.0, 0.0),
        (0.0, 1.0),
        (1.0, 1.0),
        (0.3, 0.7),
        (0.7, 0.3),
    ];
    let (_x, display) = xvfb();
    for model in [
        "VRMC_vrm_expressions_isBinary_Overrides.vrm",
        "VRMC_vrm_expressions_isBinary_Overridden.vrm",
    ] {
        let stem = model.trim_end_matches(".vrm");
        let mut script = "lumen; wait 2".to_owned();
        let mut paths = Vec::new();
        for (k, (h, b)) in cases.iter().enumerate() {
            let p = out.join(format!("{stem}-{k}.png"));
            let _ = std::fs::remove_file(&p);
            script += &format!(
                "; pin happy {h}; pin blink {b}; wait 0.6; shot {}",
                p.display()
            );
            paths.push(p);
        }
        script += "; quit";
        let path = vrm.join(model);
        run_prism(
            &display,
            &config,
            &script,
            &[
                "--playlist",
                playlist.to_str().unwrap(),
                "--avatar",
                path.to_str().unwrap(),
            ],
        );
        for (p, (h, b)) in paths.iter().zip(cases) {
            let img = Png::load(p);
            let (mut green, mut red) = (0, 0);
            for y in 380..700 {
                for x in 1020..1268 {
                    let [r, g, bl] = img.px(x as f32 / 1280.0, y as f32 / 720.0);
                    green += usize::from(g > 70 && g as u32 > r as u32 * 2 && g > bl);
                    red += usize::from(r > 120 && r as u32 > g as u32 * 2 && r > bl);
                }
            }
            assert!(
                green > 5000 && red < 50,
                "{model}, happy {h}, blink {b}: {green} green and {red} red pixels ({})",
                p.display()
            );
        }
    }
}

/// The MToon UV-animation conformance model (VRM 1.0): its three panels scroll and turn, so
/// two frames three quarters of a second apart differ where the panels are.
#[test]
fn mtoon_uv_animation_moves() {
    let vrm = conformance_dir();
    let out = out_dir();
    let config = tempdir().join("uv");
    std::fs::create_dir_all(&config).unwrap();
    let playlist = dead_playlist(&config);
    let (a, b) = (out.join("mtoon-uv-1.png"), out.join("mtoon-uv-2.png"));
    let model = vrm.join("VRMC_materials_mtoon_UV_Animation_Test.vrm");
    let (_x, display) = xvfb();
    // Top right (K three times), clear of the dead channel's card.
    run_prism(
        &display,
        &config,
        &format!(
            "lumen; key K; key K; key K; wait 2; shot {}; wait 0.05; shot {}; quit",
            a.display(),
            b.display()
        ),
        &[
            "--playlist",
            playlist.to_str().unwrap(),
            "--avatar",
            model.to_str().unwrap(),
        ],
    );
    let (a, b) = (Png::load(&a), Png::load(&b));
    // The panels are white with black arrows: some white must be there, and move.
    let (x0, x1, y0, y1) = (
        1020.0 / 1280.0,
        1268.0 / 1280.0,
        12.0 / 720.0,
        343.0 / 720.0,
    );
    let white = (0..50)
        .flat_map(|i| (0..50).map(move |j| (i, j)))
        .filter(|&(i, j)| {
            let p = a.px(
                x0 + (x1 - x0) * i as f32 / 50.0,
                y0 + (y1 - y0) * j as f32 / 50.0,
            );
            p.iter().all(|&c| c > 200)
        })
        .count();
    assert!(
        white > 100,
        "the panels are not drawn ({white} white samples)"
    );
    let moved = a.diff(&b, x0, y0, x1, y1);
    assert!(moved > 2.0, "the panels did not move: {moved:.2}");
}

/// An avatar file that has gone missing (a saved setting, a typo on the command line): Lumen
/// stands in, and the user is told which file and why.
#[test]
fn a_missing_avatar_file_leaves_lumen_standing_in() {
    let config = tempdir().join("missing-avatar");
    std::fs::create_dir_all(&config).unwrap();
    let missing = config.join("gone.vrm");
    let playlist = dead_playlist(&config);
    let (_x, display) = xvfb();
    let (stdout, _) = run_prism(
        &display,
        &config,
        "lumen; message; quit",
        &[
            "--playlist",
            playlist.to_str().unwrap(),
            "--avatar",
            missing.to_str().unwrap(),
        ],
    );
    assert!(stdout.contains("autopilot: avatar Lumen"), "{stdout}");
    let said = stdout
        .lines()
        .find(|l| l.starts_with("autopilot: lumen says"))
        .unwrap_or_default();
    assert!(
        said.contains("gone.vrm") && said.contains("showing Lumen instead"),
        "{said}"
    );
}

/// K sends Lumen to the next corner and she glides there: photographed three times on the way
/// (animations slowed 20× so the frames land mid-way), her face moves steadily left between
/// where she stood and where she ends.
#[test]
fn lumen_glides_to_her_next_corner() {
    let shots = common::fresh_shots(
        "lumen",
        &["before", "glide-1", "glide-2", "glide-3", "after"],
    );
    let config = tempdir().join("glide");
    std::fs::create_dir_all(&config).unwrap();
    let playlist = dead_playlist(&config);
    let (_x, display) = xvfb();
    // The glide takes 0.45 s × 20 = 9 s along cubic-in-out; each shot adds 0.7 s.
    let script = format!(
        "lumen; look viewer; wait 3; shot {}; key K; wait 2; shot {}; wait 1; shot {}; \
         wait 1; shot {}; wait 6; shot {}; quit",
        shots[0].display(),
        shots[1].display(),
        shots[2].display(),
        shots[3].display(),
        shots[4].display()
    );
    run_prism_with(
        &display,
        &config,
        &script,
        &["--playlist", playlist.to_str().unwrap()],
        &[("PRISM_ANIMATION_SCALE", "20")],
    );
    // Where her skin is: its mean x (pixels), and how much of it there is.
    let face = |p: &PathBuf| {
        let img = Png::load(p);
        let (mut sum, mut n) = (0.0, 0usize);
        for y in (0..720).step_by(3) {
            for x in (0..1280).step_by(3) {
                if is_skin(img.px(x as f32 / 1280.0, y as f32 / 720.0)) {
                    sum += x as f32;
                    n += 1;
                }
            }
        }
        assert!(n > 50, "no Lumen in {}: {n} skin samples", p.display());
        sum / n as f32
    };
    let xs: Vec<f32> = shots.iter().map(face).collect();
    eprintln!("Lumen's x on the way: {xs:?}");
    assert!(xs[0] > 900.0, "she starts bottom right: {xs:?}");
    assert!(xs[4] < 380.0, "she ends bottom left: {xs:?}");
    for w in xs.windows(2) {
        assert!(w[0] > w[1] + 15.0, "she moves left at every shot: {xs:?}");
    }
}
