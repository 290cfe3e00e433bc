//! Each frame, Lumen as she is now, in three steps that only meet in `animate`: the mouth and
//! where she looks (from the voice's track or loudness, and what she is doing), the face
//! (emotions, blinks, the music's mood, a clip's expressions, the mouth and expression-type
//! look-at, through the VRM expression rules, then written into morph weights and materials),
//! and the body (idle, a gesture, a clip, the dance, the head and eyes towards the gaze, the
//! spring bones, then written into transforms). The deciding is `prism_core::avatar`'s; this
//! file gathers its inputs and writes its results into Bevy.

use super::*;

/// The material handles a mesh entity may carry.
pub(super) type MaterialsOf = (
    Option<&'static MeshMaterial3d<MtoonMaterial>>,
    Option<&'static MeshMaterial3d<StandardMaterial>>,
);

/// How much of a look the head turns (the eyes do the rest).
const HEAD_SHARE: f32 = 0.45;

pub(super) fn animate(
    mut lumen: ResMut<Lumen>,
    time: Res<Time>,
    mut transforms: Query<&mut Transform>,
    mut morphs: Query<&mut MorphWeights>,
    mut mtoons: ResMut<Assets<MtoonMaterial>>,
    mut standards: ResMut<Assets<StandardMaterial>>,
    mats: Query<MaterialsOf>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let started = Instant::now();
    let t = time.elapsed_secs();
    let dt = time.delta_secs();
    // The avatar is taken out while it is animated, so the rest of Lumen's state can be
    // read and stepped beside it; it goes back below.
    let Some(mut cur) = lumen.current.take() else {
        return;
    };
    if let Some(rig) = cur.rig.as_mut() {
        let a = &*cur.avatar;
        let (mouth, speaking) = mouth(&mut lumen, t, dt);
        look(&mut lumen, speaking, t, dt);
        let (clip_pose, clip_faces) = clip(&mut lumen, t, rig.hips_height);
        let input = face(&mut lumen, a, t, &mouth, &clip_faces);
        write_face(
            rig,
            a,
            &input,
            &mut morphs,
            &mut meshes,
            &mats,
            &mut mtoons,
            &mut standards,
        );
        let pose = body(&mut lumen, t, dt, clip_pose);
        write_body(rig, a, &lumen.gaze, &pose, dt, &mut transforms);
        use std::sync::atomic::Ordering::Relaxed;
        ANIMATE_NANOS.fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        ANIMATED.fetch_add(1, Relaxed);
    }
    lumen.current = Some(cur);
}

/// The mouth now (a held viseme, the voice's track, or the loudness of speech without one),
/// logged for the autopilot while a track plays; and whether she is speaking.
fn mouth(lumen: &mut Lumen, t: f32, dt: f32) -> ([(Preset, f32); 5], bool) {
    let mut mouth: [(Preset, f32); 5] = match (lumen.hold, &lumen.track) {
        (Some(v), _) => {
            let mut m = mouth_at(&[], 0.0);
            if let Some(p) = v.preset() {
                for x in &mut m {
                    if x.0 == p {
                        x.1 = 1.0;
                    }
                }
            }
            m
        }
        (None, Some((track, start))) => mouth_at(track, t - start),
        _ => mouth_at(&[], 0.0),
    };
    if let (None, Some((_, start))) = (lumen.hold, &lumen.track) {
        let at = t - start;
        if let Some(log) = lumen.mouth_log.last_mut() {
            log.1.push((at, mouth.map(|(_, w)| w)));
        }
    }
    // Speech without a track: the mouth follows its loudness (silent when none arrives).
    let level = match lumen.loudness {
        Some((db, at)) if t - at < 0.4 => db,
        _ => -90.0,
    };
    let open = lumen.loud_mouth.step(level, dt);
    // A finished track lets go of the mouth (after the last viseme has eased out).
    if lumen
        .track
        .as_ref()
        .is_some_and(|(tr, s)| tr.last().is_none_or(|v| t - s > v.start + v.duration + 0.2))
    {
        lumen.track = None;
    }
    if lumen.hold.is_none() && lumen.track.is_none() {
        for m in &mut mouth {
            if m.0 == Preset::Aa {
                m.1 = m.1.max(open);
            }
        }
    }
    let speaking = open > 0.05 || lumen.hold.is_some() || lumen.track.is_some();
    let k = 1.0 - (-dt / 0.3).exp();
    lumen.talk += (if speaking { 1.0 } else { 0.0 } - lumen.talk) * k;
    (mouth, speaking)
}

/// Where to look: mostly at the picture (up and to Lumen's right, as Lumen sits bottom
/// right), at the viewer while talking or gesturing and for a glance now and then.
fn look(lumen: &mut Lumen, speaking: bool, t: f32, dt: f32) {
    let glance = (t % 11.0) < 2.2;
    let at_viewer = match lumen.focus {
        Some(f) => f == Focus::Viewer,
        None => speaking || lumen.gesture.is_some() || lumen.clip.is_some() || glance,
    };
    let target = if at_viewer {
        Vec2::ZERO
    } else {
        Vec2::new(-28.0, 10.0)
    };
    lumen.gaze.step(target, t, dt);
}

/// A playing clip: its pose (to go over the idle) and its expressions (into the face), both
/// weighted by how far in or out it has eased.
fn clip(lumen: &mut Lumen, t: f32, hips_height: f32) -> (Option<(Pose, f32)>, Vec<(String, f32)>) {
    let Some((clip, start)) = &lumen.clip else {
        return (None, Vec::new());
    };
    let s = t - start;
    if s > clip.duration + 0.1 {
        lumen.clip = None;
        return (None, Vec::new());
    }
    // Eased in and out over a quarter second, like the gestures.
    let w = ease((s / 0.25).min(1.0)) * ease(((clip.duration - s) / 0.25).clamp(0.0, 1.0));
    let (p, e) = clip.sample(s, hips_height);
    let faces = e.into_iter().map(|(n, v)| (n.to_owned(), v * w)).collect();
    (Some((p, w)), faces)
}

/// Each expression's input weight this frame.
fn face(
    lumen: &mut Lumen,
    a: &Avatar,
    t: f32,
    mouth: &[(Preset, f32); 5],
    clip_faces: &[(String, f32)],
) -> Vec<f32> {
    let mut input = vec![0.0; a.expressions.len()];
    let mut put = |name: &str, w: f32| {
        if let Some(i) = a.expression(name) {
            input[i] = (input[i] + w).min(1.0);
        }
    };
    let mut felt = 0.0;
    for (p, w) in lumen.emotions.weights(t) {
        put(p.name(), w);
        felt += w;
    }
    // The music's mood, faded in and out with the dance, and giving way to what she feels
    // about anything else (a goal, the viewer's mood, her own words).
    let mut mood_closed = 0.0;
    if let Some((preset, w)) = faded_mood(lumen.groove.or(lumen.last_groove), lumen.dancing) {
        let w = w * (1.0 - felt).clamp(0.0, 1.0);
        if w > 0.005 {
            put(preset.name(), w);
            mood_closed = match preset {
                Preset::Happy => w,
                Preset::Relaxed => 0.6 * w,
                _ => 0.0,
            };
        }
    }
    // Blinking never fights eyes an emotion has closed (happy's smiling arcs, relaxed's
    // half-shut lids), whatever overrides the file declares.
    let closed = lumen.emotions.weight(Preset::Happy, t)
        + 0.6 * lumen.emotions.weight(Preset::Relaxed, t)
        + mood_closed;
    put(
        "blink",
        lumen.blinker.at(t) * (1.0 - closed.clamp(0.0, 1.0)),
    );
    for (n, w) in clip_faces {
        put(n, *w);
    }
    for &(p, w) in mouth {
        put(p.name(), w);
    }
    if a.look_at == LookAtKind::Expression {
        for (name, w) in lumen.gaze.look_weights(HEAD_SHARE) {
            put(name, w);
        }
    }
    for (name, w) in &lumen.pins {
        if let Some(i) = a.expression(name) {
            input[i] = *w;
        }
    }
    input
}

/// The expressions' morph weights, colours and texture transforms, written into Bevy where
/// they changed since last frame.
fn write_face(
    rig: &mut Rig,
    a: &Avatar,
    input: &[f32],
    morphs: &mut Query<&mut MorphWeights>,
    meshes: &mut Assets<Mesh>,
    mats: &Query<MaterialsOf>,
    mtoons: &mut Assets<MtoonMaterial>,
    standards: &mut Assets<StandardMaterial>,
) {
    let out = expression::evaluate(&a.expressions, input);
    let applied = expression::apply(&a.expressions, &out, a);
    if applied.morphs != rig.last_morphs {
        for &((node, index), w) in &applied.morphs {
            if let Some(Some(e)) = rig.nodes.get(node)
                && let Ok(mut mw) = morphs.get_mut(*e)
                && let Some(slot) = mw.weights_mut().get_mut(index)
            {
                *slot = w;
            }
        }
        rig.last_morphs = applied.morphs;
        for m in &rig.morphed {
            if let Ok(w) = morphs.get(m.weights) {
                m.blend(w.weights(), meshes);
            }
        }
    }
    if applied.colors != rig.last_colors || applied.textures != rig.last_textures {
        for &(m, e) in &rig.materials {
            let Ok((mt, st)) = mats.get(e) else {
                continue;
            };
            for &((mat, kind), c) in &applied.colors {
                if mat != m || kind != ColorKind::Color {
                    continue;
                }
                let colour = Color::LinearRgba(LinearRgba::from_f32_array(c));
                if let Some(h) = mt
                    && let Some(mut x) = mtoons.get_mut(&h.0)
                {
                    x.base_color = colour;
                }
                if let Some(h) = st
                    && let Some(mut x) = standards.get_mut(&h.0)
                {
                    x.base_color = colour;
                }
            }
            for &(mat, (scale, offset)) in &applied.textures {
                if mat != m {
                    continue;
                }
                if let Some(h) = st
                    && let Some(mut x) = standards.get_mut(&h.0)
                {
                    x.uv_transform = Affine2::from_scale_angle_translation(
                        Vec2::from(scale),
                        0.0,
                        Vec2::from(offset),
                    );
                }
            }
        }
        rig.last_colors = applied.colors;
        rig.last_textures = applied.textures;
    }
}

/// The body's pose: idle, a gesture over it, a clip, the dance (eased in and out over about a
/// second, its beat carried forward between the analysis's reports), the head towards the gaze.
fn body(lumen: &mut Lumen, t: f32, dt: f32, clip_pose: Option<(Pose, f32)>) -> Pose {
    let mut pose: Pose = motion::idle(t, lumen.talk);
    if let Some((g, start)) = lumen.gesture {
        let s = t - start;
        if s > g.duration() {
            lumen.gesture = None;
        } else {
            let (gp, w) = g.pose(s, &pose);
            pose.blend(&gp, w);
        }
    }
    if let Some((p, w)) = &clip_pose {
        pose.blend(p, *w);
    }
    let target = match lumen.groove {
        Some((g, _)) => g.intensity,
        None => 0.0,
    };
    lumen.dancing += (target - lumen.dancing) * (1.0 - (-dt / 0.6).exp());
    lumen.beat_phase = None;
    if let Some((g, at)) = lumen.groove
        && lumen.dancing > 0.01
    {
        let beats = g.beats + f64::from((t - at) * g.bpm / 60.0);
        lumen.beat_phase = Some(beats.rem_euclid(1.0) as f32);
        let d = motion::dance(beats as f32, lumen.dancing);
        for (bone, q) in &d.bones {
            pose.set(bone, pose.get(bone) * *q);
        }
        pose.hips += d.hips;
    }
    let look = motion::look_rotation(lumen.gaze.head * HEAD_SHARE);
    pose.set("head", pose.get("head") * look);
    pose
}

/// The pose as the file's local bone rotations (with bone-type look-at for the eyes and the
/// spring bones stepped on top), written into the transforms that changed.
fn write_body(
    rig: &mut Rig,
    a: &Avatar,
    gaze: &Gaze,
    pose: &Pose,
    dt: f32,
    transforms: &mut Query<&mut Transform>,
) {
    let flip = a.version == Version::Vrm0;
    let mut locals = rig.skeleton.rest.clone();
    for (name, node, rest, parent) in &rig.bones {
        locals[*node].rotation = to_raw(pose.get(name), rest, *parent, flip);
    }
    if let Some((_, node, rest, parent)) = rig.bones.iter().find(|b| b.0 == "hips") {
        let offset = if flip {
            Vec3::new(-pose.hips.x, pose.hips.y, -pose.hips.z)
        } else {
            pose.hips
        };
        locals[*node].translation = rest.translation + parent.inverse() * offset;
    }
    if a.look_at == LookAtKind::Bone {
        let e = gaze.eyes_in_head(HEAD_SHARE);
        let q = motion::look_rotation(e);
        for (node, rest, parent) in &rig.eyes {
            locals[*node].rotation = to_raw(q, rest, *parent, flip);
        }
    }
    if !rig.springs.is_empty() {
        let world = rig.skeleton.world(&locals);
        rig.springs.advance(dt, &world);
        for (node, q) in rig.springs.locals() {
            locals[node].rotation = q;
        }
    }
    let driven = rig
        .bones
        .iter()
        .map(|b| b.1)
        .chain(rig.eyes.iter().map(|e| e.0))
        .chain(rig.springs.locals().map(|(n, _)| n));
    for node in driven {
        if let Some(Some(e)) = rig.nodes.get(node)
            && let Ok(mut tr) = transforms.get_mut(*e)
        {
            let l = locals[node];
            if tr.rotation != l.rotation || tr.translation != l.translation {
                tr.rotation = l.rotation;
                tr.translation = l.translation;
            }
        }
    }
}

/// A normalised-space rotation (VRM 1.0: +Z forward, T-pose rest) as a file's local bone
/// rotation: parent⁻¹ · q · parent · rest, where parent is the parent's rest world rotation
/// (the conversion three-vrm's normalised rig uses). `flip` turns a 0.x model's space.
fn to_raw(q: Quat, rest: &Local, parent: Quat, flip: bool) -> Quat {
    let q = if flip {
        let y = Quat::from_rotation_y(std::f32::consts::PI);
        y * q * y.inverse()
    } else {
        q
    };
    parent.inverse() * q * parent * rest.rotation
}
