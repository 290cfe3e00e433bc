//! Real avatars: a third-party VRM 0.x model and the VRM consortium's 1.0 conformance models
//! (from `../shared/assets/vrm`, never copied into the repository). The conformance models are
//! judged the way they are meant to be: their expression binds move a texture window over an
//! atlas of green check marks and red crosses; every case must land on green.

use std::path::PathBuf;

use prism_core::avatar::expression::{apply, evaluate};
use prism_core::avatar::{Avatar, AvatarError, LookAtKind, REQUIRED_BONES, Version};

/// `../shared/assets/vrm`, found from the working directory (cargo runs tests in the
/// package's directory); missing is a failure, not a skip.
fn vrm_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    cwd.ancestors()
        .map(|d| d.join("../shared/assets/vrm"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "../shared/assets/vrm not found above {}: the test avatars live there",
                cwd.display()
            )
        })
}

fn load(name: &str) -> Avatar {
    let path = vrm_dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Avatar::from_glb(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_third_party_vrm_0_x_avatar_loads_with_its_bones_and_expressions() {
    let a = load("cool_loops.vrm");
    assert_eq!(a.version, Version::Vrm0);
    a.check_humanoid().unwrap();
    for bone in REQUIRED_BONES {
        assert!(a.bones.contains_key(bone), "{bone}");
    }
    // 0.x names arrive as 1.0 names; thumbs renamed.
    assert!(a.bones.contains_key("leftThumbMetacarpal"));
    assert!(a.unresolved.is_empty(), "{:?}", a.unresolved);
    let names: Vec<&str> = a.expressions.iter().map(|e| e.name.as_str()).collect();
    for n in [
        "aa",
        "ee",
        "ih",
        "oh",
        "ou",
        "blink",
        "lookLeft",
        "blinkLeft",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    // The vowels and blink move real morph targets, at full weight (100 in 0.x).
    for n in ["aa", "ee", "ih", "oh", "ou", "blink"] {
        let e = &a.expressions[a.expression(n).unwrap()];
        assert!(!e.morph_binds.is_empty(), "{n} has no binds");
        for b in &e.morph_binds {
            assert!(b.index < a.morph_targets(b.node), "{n}: {b:?}");
            assert!((b.weight - 1.0).abs() < 1e-6);
        }
    }
    assert_eq!(a.look_at, LookAtKind::Bone);
}

/// The colour at the centre and near the corners of the window a material's texture transform
/// shows, for each case: all must be the atlas's green.
fn judge(name: &str) {
    let a = load(name);
    assert_eq!(a.version, Version::Vrm1);
    assert!(a.unresolved.is_empty(), "{:?}", a.unresolved);
    let png_bytes = a.base_color_image(0).expect("the validation atlas");
    let mut dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let (w, h, ch) = (
        info.width as usize,
        info.height as usize,
        info.color_type.samples(),
    );
    let px = |u: f32, v: f32| {
        let x = ((u * w as f32) as usize).min(w - 1);
        let y = ((v * h as f32) as usize).min(h - 1);
        let i = (y * w + x) * ch;
        [buf[i], buf[i + 1], buf[i + 2]]
    };
    let happy = a.expression("happy").unwrap();
    let blink = a.expression("blink").unwrap();
    let steps = [0.0, 0.1, 0.25, 0.45, 0.5, 0.55, 0.75, 0.9, 1.0];
    for &hv in &steps {
        for &bv in &steps {
            let mut input = vec![0.0; a.expressions.len()];
            input[happy] = hv;
            input[blink] = bv;
            let out = evaluate(&a.expressions, &input);
            let applied = apply(&a.expressions, &out, &a);
            let (scale, offset) = applied
                .textures
                .iter()
                .find(|(m, _)| *m == 0)
                .map(|(_, t)| *t)
                .unwrap_or_else(|| a.texture_transform(0));
            // Checks and crosses are drawn in white on their cell's colour: red anywhere in
            // the window means a wrong result, and some green must show.
            let mut green = 0;
            for k in 0..25 {
                let (u, v) = (0.1 + (k % 5) as f32 * 0.2, 0.1 + (k / 5) as f32 * 0.2);
                let [r, g, b] = px(offset[0] + u * scale[0], offset[1] + v * scale[1]);
                assert!(
                    !(r > 150 && (g as u32) + 60 < r as u32),
                    "{name}: happy {hv}, blink {bv} → outputs happy {}, blink {}: \
                     the window shows red {:?} (a cross), not a green check",
                    out[happy],
                    out[blink],
                    [r, g, b]
                );
                green += usize::from(g > 100 && g as u32 > r as u32 * 3 / 2 && g > b);
            }
            assert!(
                green >= 10,
                "{name}: happy {hv}, blink {bv}: only {green} green samples"
            );
        }
    }
}

#[test]
fn conformance_binary_expression_overrides_with_its_binary_value() {
    judge("conformance/VRMC_vrm_expressions_isBinary_Overrides.vrm");
}

#[test]
fn conformance_binary_expression_overridden_is_fully_suppressed() {
    judge("conformance/VRMC_vrm_expressions_isBinary_Overridden.vrm");
}

/// Lumen's ears and ponytail while the head shakes and the body sways, at 30 and at 144 fps:
/// the fixed step gives the same motion (tails within 5 mm after two seconds).
#[test]
fn lumen_springs_move_the_same_at_30_and_144_fps() {
    use prism_core::avatar::lumen;
    use prism_core::avatar::spring::Springs;
    let a = Avatar::from_glb(&lumen::generate()).unwrap();
    let sk = a.skeleton();
    let setup = a.springs(&sk);
    let (head, hips) = (a.bones["head"], a.bones["hips"]);
    let pose = |t: f64| {
        let mut locals = sk.rest.clone();
        locals[head].rotation =
            glam::Quat::from_rotation_y((0.5 * (t * 6.0).sin()) as f32) * sk.rest[head].rotation;
        locals[hips].translation += glam::Vec3::new((0.05 * (t * 4.0).sin()) as f32, 0.0, 0.0);
        sk.world(&locals)
    };
    let run = |fps: f64| {
        let mut s = Springs::new(&setup, &sk, &pose(0.0));
        let rest: Vec<glam::Vec3> = s.tails().collect();
        let mut moved = 0.0f32;
        for k in 1..=(2.0 * fps) as usize {
            s.advance((1.0 / fps) as f32, &pose(k as f64 / fps));
            for (a, b) in s.tails().zip(&rest) {
                moved = moved.max((a - *b).length());
            }
        }
        (s.tails().collect::<Vec<_>>(), moved)
    };
    let (a30, moved) = run(30.0);
    let (a144, _) = run(144.0);
    assert!(moved > 0.03, "the springs barely moved: {moved} m");
    for (x, y) in a30.iter().zip(&a144) {
        assert!((*x - *y).length() < 0.005, "{x} vs {y}");
    }
}

/// A GLB of `json` (no binary chunk), as the VRM Blender add-on's broken test files are.
fn glb(json: &serde_json::Value) -> Vec<u8> {
    let mut j = serde_json::to_vec(json).unwrap();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    let mut out = b"glTF".to_vec();
    out.extend(2u32.to_le_bytes());
    out.extend(((12 + 8 + j.len()) as u32).to_le_bytes());
    out.extend((j.len() as u32).to_le_bytes());
    out.extend(b"JSON");
    out.extend(j);
    out
}

/// A minimal VRM 1.0 humanoid: a node per required bone, one mesh.
fn vrm1() -> serde_json::Value {
    let bones: serde_json::Map<String, serde_json::Value> = REQUIRED_BONES
        .iter()
        .enumerate()
        .map(|(i, b)| (b.to_string(), serde_json::json!({ "node": i })))
        .collect();
    serde_json::json!({
        "asset": {"version": "2.0"},
        "nodes": (0..REQUIRED_BONES.len()).map(|_| serde_json::json!({})).collect::<Vec<_>>(),
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "materials": [{"extensions": {"VRMC_materials_mtoon": {}}}, {}],
        "extensionsUsed": ["VRMC_vrm"],
        "extensions": {"VRMC_vrm": {
            "specVersion": "1.0",
            "meta": {"name": "Tiny"},
            "humanoid": {"humanBones": bones}
        }}
    })
}

/// The kinds of broken file avatar tools make (the VRM Blender add-on keeps one of each for
/// its tests): each is refused with what is wrong in words, never loaded half-way.
#[test]
fn broken_avatars_are_refused_with_the_reason() {
    let err = |bytes: &[u8]| Avatar::from_glb(bytes).and_then(|a| a.check_humanoid().map(|_| a));
    let tiny = err(&glb(&vrm1())).expect("the minimal avatar is fine");
    assert_eq!(tiny.materials(), (2, 1));
    assert_eq!(tiny.meshes(), (1, 0));

    // An empty glTF.
    let e = err(&glb(&serde_json::json!({"asset": {"version": "2.0"}}))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the file has no meshes: there is nothing to show"
    );
    // A model that is not an avatar.
    let mut plain = vrm1();
    plain["extensions"] = serde_json::json!({});
    assert!(matches!(err(&glb(&plain)), Err(AvatarError::NotVrm)));
    // Bad human bones: one past the nodes, two on one node, a required one missing.
    let mut past = vrm1();
    past["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]["head"]["node"] = 99.into();
    assert_eq!(
        err(&glb(&past)).unwrap_err().to_string(),
        "the humanoid's head bone is node 99, which the file does not have"
    );
    let mut shared = vrm1();
    shared["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]["spine"]["node"] = 0.into();
    assert!(matches!(
        err(&glb(&shared)),
        Err(AvatarError::SharedBone(_, _, 0))
    ));
    let mut missing = vrm1();
    missing["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]
        .as_object_mut()
        .unwrap()
        .remove("leftFoot");
    assert_eq!(
        err(&glb(&missing)).unwrap_err(),
        AvatarError::MissingBone("leftFoot")
    );
    // Required extensions Prism lacks: Draco-compressed meshes, and one nobody knows.
    let mut draco = vrm1();
    draco["extensionsRequired"] = serde_json::json!(["KHR_draco_mesh_compression"]);
    let e = err(&glb(&draco)).unwrap_err().to_string();
    assert!(
        e.contains("KHR_draco_mesh_compression") && e.contains("without mesh compression"),
        "{e}"
    );
    let mut odd = vrm1();
    odd["extensionsRequired"] = serde_json::json!(["VENDOR_secret_sauce", "VRMC_vrm"]);
    assert!(matches!(
        err(&glb(&odd)),
        Err(AvatarError::RequiredExtension(name, _)) if name == "VENDOR_secret_sauce"
    ));
    // Not glTF at all, and broken JSON.
    assert!(matches!(
        err(b"PK\x03\x04 a zip"),
        Err(AvatarError::NotGlb(_))
    ));
    let mut bad = glb(&vrm1());
    bad[20] = b'#';
    assert!(matches!(err(&bad), Err(AvatarError::Json(_))));
    // The real avatars pass every check.
    for name in [
        "cool_loops.vrm",
        "conformance/VRMC_vrm_expressions_isBinary_Overrides.vrm",
        "conformance/VRMC_materials_mtoon_UV_Animation_Test.vrm",
    ] {
        let a = load(name);
        a.check_humanoid().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(a.materials().0 > 0 && a.meshes().0 > 0, "{name}");
    }
}
