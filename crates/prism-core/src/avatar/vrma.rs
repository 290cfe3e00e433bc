//! VRM animation files (`.vrma`, VRMC_vrm_animation 1.0): glTF animations of a humanoid, retargeted
//! to the normalised humanoid space [`super::motion`] uses, so a clip plays on any avatar.
//!
//! Retargeting follows the specification (and three-vrm-animation): a bone's animated local
//! rotation q becomes parentRest · q · selfRest⁻¹ in world-aligned T-pose space; the hips'
//! translation is taken relative to the clip's rest and scaled by the avatar's hips height.
//! Expressions are carried as the x translation of their nodes.

use glam::{Quat, Vec3};
use serde_json::Value;

use super::motion::Pose;
use super::skeleton::Skeleton;
use super::split_glb;

/// Every VRM 1.0 humanoid bone name, so poses can name bones without allocating.
pub const HUMAN_BONES: [&str; 55] = [
    "hips",
    "spine",
    "chest",
    "upperChest",
    "neck",
    "head",
    "leftEye",
    "rightEye",
    "jaw",
    "leftUpperLeg",
    "leftLowerLeg",
    "leftFoot",
    "leftToes",
    "rightUpperLeg",
    "rightLowerLeg",
    "rightFoot",
    "rightToes",
    "leftShoulder",
    "leftUpperArm",
    "leftLowerArm",
    "leftHand",
    "rightShoulder",
    "rightUpperArm",
    "rightLowerArm",
    "rightHand",
    "leftThumbMetacarpal",
    "leftThumbProximal",
    "leftThumbDistal",
    "leftIndexProximal",
    "leftIndexIntermediate",
    "leftIndexDistal",
    "leftMiddleProximal",
    "leftMiddleIntermediate",
    "leftMiddleDistal",
    "leftRingProximal",
    "leftRingIntermediate",
    "leftRingDistal",
    "leftLittleProximal",
    "leftLittleIntermediate",
    "leftLittleDistal",
    "rightThumbMetacarpal",
    "rightThumbProximal",
    "rightThumbDistal",
    "rightIndexProximal",
    "rightIndexIntermediate",
    "rightIndexDistal",
    "rightMiddleProximal",
    "rightMiddleIntermediate",
    "rightMiddleDistal",
    "rightRingProximal",
    "rightRingIntermediate",
    "rightRingDistal",
    "rightLittleProximal",
    "rightLittleIntermediate",
    "rightLittleDistal",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Interpolation {
    Linear,
    Step,
    CubicSpline,
}

#[derive(Debug, Clone)]
struct Track<T> {
    times: Vec<f32>,
    values: Vec<T>,
    interpolation: Interpolation,
}

impl<T: Copy> Track<T> {
    fn sample(&self, t: f32, mix: impl Fn(T, T, f32) -> T) -> Option<T> {
        let n = self.times.len();
        // Cubic splines store (in-tangent, value, out-tangent); the values are taken, and
        // eased linearly between (close enough at 30+ keys a second).
        let value = |i: usize| match self.interpolation {
            Interpolation::CubicSpline => self.values.get(i * 3 + 1).copied(),
            _ => self.values.get(i).copied(),
        };
        if n == 0 {
            return None;
        }
        let i = self.times.partition_point(|&k| k <= t);
        if i == 0 {
            return value(0);
        }
        if i >= n {
            return value(n - 1);
        }
        let (a, b) = (value(i - 1)?, value(i)?);
        if self.interpolation == Interpolation::Step {
            return Some(a);
        }
        let span = self.times[i] - self.times[i - 1];
        let f = if span > 0.0 {
            (t - self.times[i - 1]) / span
        } else {
            0.0
        };
        Some(mix(a, b, f))
    }
}

/// A humanoid animation clip.
#[derive(Debug, Clone)]
pub struct Clip {
    pub duration: f32,
    rotations: Vec<(&'static str, Track<Quat>)>,
    /// The hips' offset from the clip's rest position, in the clip's metres.
    hips: Option<(Track<Vec3>, Vec3, f32)>,
    expressions: Vec<(String, Track<f32>)>,
}

fn floats(json: &Value, bin: &[u8], accessor: usize) -> Result<(Vec<f32>, usize), String> {
    let a = &json["accessors"][accessor];
    if a["componentType"].as_u64() != Some(5126) {
        return Err(format!("accessor {accessor} is not float"));
    }
    let width = match a["type"].as_str() {
        Some("SCALAR") => 1,
        Some("VEC3") => 3,
        Some("VEC4") => 4,
        other => return Err(format!("accessor {accessor}: type {other:?}")),
    };
    let count = a["count"].as_u64().ok_or("accessor without count")? as usize;
    let view = &json["bufferViews"][a["bufferView"].as_u64().ok_or("sparse accessors")? as usize];
    let start = view["byteOffset"].as_u64().unwrap_or(0) as usize
        + a["byteOffset"].as_u64().unwrap_or(0) as usize;
    let stride = view["byteStride"].as_u64().unwrap_or(width as u64 * 4) as usize;
    let mut out = Vec::with_capacity(count * width);
    for i in 0..count {
        for k in 0..width {
            let o = start + i * stride + k * 4;
            let b = bin
                .get(o..o + 4)
                .ok_or_else(|| format!("accessor {accessor} runs past the buffer"))?;
            out.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        }
    }
    Ok((out, width))
}

impl Clip {
    pub fn from_glb(bytes: &[u8]) -> Result<Clip, String> {
        let (json, bin) = split_glb(bytes).map_err(|e| e.to_string())?;
        let json: Value = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        let ext = &json["extensions"]["VRMC_vrm_animation"];
        if !ext.is_object() {
            return Err("not a VRM animation (no VRMC_vrm_animation extension)".into());
        }
        let sk = Skeleton::from_json(&json);
        let rest = sk.world(&sk.rest);
        let rot = |n: Option<usize>| {
            n.map_or(Quat::IDENTITY, |n| {
                rest[n].to_scale_rotation_translation().1
            })
        };
        let mut bone_of = vec![None; sk.parent.len()];
        for (name, b) in ext["humanoid"]["humanBones"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if let (Some(n), Some(&bone)) = (
                b["node"].as_u64().map(|n| n as usize),
                HUMAN_BONES.iter().find(|x| **x == name),
            ) && n < bone_of.len()
            {
                bone_of[n] = Some(bone);
            }
        }
        let mut expr_of: Vec<Option<String>> = vec![None; sk.parent.len()];
        for kind in ["preset", "custom"] {
            for (name, e) in ext["expressions"][kind].as_object().into_iter().flatten() {
                if let Some(n) = e["node"].as_u64().map(|n| n as usize)
                    && n < expr_of.len()
                {
                    expr_of[n] = Some(name.clone());
                }
            }
        }
        let anim = json["animations"]
            .get(0)
            .ok_or("the file has no animation")?;
        let mut clip = Clip {
            duration: 0.0,
            rotations: Vec::new(),
            hips: None,
            expressions: Vec::new(),
        };
        let samplers = anim["samplers"].as_array().cloned().unwrap_or_default();
        for ch in anim["channels"].as_array().into_iter().flatten() {
            let (Some(node), Some(path), Some(s)) = (
                ch["target"]["node"].as_u64().map(|n| n as usize),
                ch["target"]["path"].as_str(),
                ch["sampler"]
                    .as_u64()
                    .and_then(|s| samplers.get(s as usize)),
            ) else {
                continue;
            };
            if node >= sk.parent.len() {
                continue;
            }
            let interpolation = match s["interpolation"].as_str() {
                Some("STEP") => Interpolation::Step,
                Some("CUBICSPLINE") => Interpolation::CubicSpline,
                _ => Interpolation::Linear,
            };
            let (times, _) = floats(
                &json,
                bin,
                s["input"].as_u64().ok_or("sampler input")? as usize,
            )?;
            let (values, width) = floats(
                &json,
                bin,
                s["output"].as_u64().ok_or("sampler output")? as usize,
            )?;
            if let Some(&last) = times.last() {
                clip.duration = clip.duration.max(last);
            }
            match (path, bone_of[node], &expr_of[node]) {
                ("rotation", Some(bone), _) if width == 4 => {
                    let parent = rot(sk.parent[node]);
                    let own = rot(Some(node)).inverse();
                    let values = values
                        .chunks(4)
                        .map(|q| parent * Quat::from_xyzw(q[0], q[1], q[2], q[3]).normalize() * own)
                        .collect();
                    clip.rotations.push((
                        bone,
                        Track {
                            times,
                            values,
                            interpolation,
                        },
                    ));
                }
                ("translation", Some("hips"), _) if width == 3 => {
                    let to_world = sk.parent[node].map_or(glam::Affine3A::IDENTITY, |p| rest[p]);
                    let values = values
                        .chunks(3)
                        .map(|v| to_world.transform_point3(Vec3::new(v[0], v[1], v[2])))
                        .collect();
                    let rest_at: Vec3 = rest[node].translation.into();
                    clip.hips = Some((
                        Track {
                            times,
                            values,
                            interpolation,
                        },
                        rest_at,
                        rest_at.y.max(0.1),
                    ));
                }
                ("translation", None, Some(name)) if width == 3 => {
                    clip.expressions.push((
                        name.clone(),
                        Track {
                            times,
                            values: values.chunks(3).map(|v| v[0]).collect(),
                            interpolation,
                        },
                    ));
                }
                _ => {}
            }
        }
        if clip.rotations.is_empty() && clip.hips.is_none() && clip.expressions.is_empty() {
            return Err("the animation moves no humanoid bone and no expression".into());
        }
        Ok(clip)
    }

    /// The pose `t` seconds in (clamped to the clip) for an avatar whose hips stand
    /// `hips_height` metres up, and the expression weights.
    pub fn sample(&self, t: f32, hips_height: f32) -> (Pose, Vec<(&str, f32)>) {
        let t = t.clamp(0.0, self.duration);
        let mut pose = Pose::default();
        for (bone, track) in &self.rotations {
            if let Some(q) = track.sample(t, |a, b, f| a.slerp(b, f)) {
                pose.set(bone, q);
            }
        }
        if let Some((track, rest, height)) = &self.hips
            && let Some(p) = track.sample(t, |a, b, f| a.lerp(b, f))
        {
            pose.hips = (p - *rest) * (hips_height / height);
        }
        let expressions = self
            .expressions
            .iter()
            .filter_map(|(n, tr)| Some((n.as_str(), tr.sample(t, |a, b, f| a + (b - a) * f)?)))
            .collect();
        (pose, expressions)
    }

    /// A clip made in code, as a VRMA file: the right arm raised in a wave with `happy`,
    /// over a T-pose whose arm bones are turned at rest (so retargeting matters). For tests.
    pub fn sample_file() -> Vec<u8> {
        use super::glb::Glb;
        use serde_json::json;
        let mut glb = Glb::default();
        // Nodes: 0 hips, 1 spine, 2 rightUpperArm (turned 90° about Y at rest), 3 Happy.
        let turn = Quat::from_rotation_y(std::f32::consts::FRAC_PI_2);
        // Two seconds: up over half a second, held a second, down over the last half.
        let times: Vec<[f32; 1]> = (0..=20).map(|i| [i as f32 * 0.1]).collect();
        let level = |i: usize| {
            let t = i as f32 * 0.1;
            (t / 0.5).min(1.0).min((2.0 - t) / 0.5).clamp(0.0, 1.0)
        };
        // Raise the arm 60° in normalised space (about world Z); in the clip's own bone frame,
        // which the rest turn rotates, that is turn⁻¹ · Rz · turn after the rest rotation.
        let raise: Vec<[f32; 4]> = (0..=20)
            .map(|i| {
                let a = level(i) * 60f32.to_radians();
                let local = turn.inverse() * Quat::from_rotation_z(-a) * turn;
                (turn * local).to_array()
            })
            .collect();
        let happy: Vec<[f32; 3]> = (0..=20).map(|i| [level(i), 0.0, 0.0]).collect();
        let t = glb.floats(&times, true);
        let r = glb.floats(&raise, false);
        let h = glb.floats(&happy, false);
        let json = json!({
            "asset": {"version": "2.0"},
            "extensionsUsed": ["VRMC_vrm_animation"],
            "nodes": [
                {"name": "hips", "translation": [0.0, 0.9, 0.0], "children": [1, 3]},
                {"name": "spine", "translation": [0.0, 0.1, 0.0], "children": [2]},
                {"name": "rightUpperArm", "translation": [-0.2, 0.3, 0.0], "rotation": turn.to_array()},
                {"name": "Happy"}
            ],
            "scenes": [{"nodes": [0]}],
            "animations": [{
                "channels": [
                    {"sampler": 0, "target": {"node": 2, "path": "rotation"}},
                    {"sampler": 1, "target": {"node": 3, "path": "translation"}}
                ],
                "samplers": [
                    {"input": t, "output": r, "interpolation": "LINEAR"},
                    {"input": t, "output": h, "interpolation": "LINEAR"}
                ]
            }],
            "extensions": {"VRMC_vrm_animation": {
                "specVersion": "1.0",
                "humanoid": {"humanBones": {"hips": {"node": 0}, "spine": {"node": 1}, "rightUpperArm": {"node": 2}}},
                "expressions": {"preset": {"happy": {"node": 3}}}
            }}
        });
        glb.finish(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_retargets_to_normalised_space() {
        let clip = Clip::from_glb(&Clip::sample_file()).unwrap();
        assert!((clip.duration - 2.0).abs() < 1e-5);
        let (pose, expr) = clip.sample(1.0, 1.0);
        // Mid-way the arm is raised 60° about world Z, whatever the clip's rest turn was.
        let q = pose.get("rightUpperArm");
        let want = Quat::from_rotation_z(-60f32.to_radians());
        assert!(q.angle_between(want) < 0.01, "{q} vs {want}");
        let arm = q * -Vec3::X;
        assert!(arm.y > 0.8, "{arm}");
        assert_eq!(expr.len(), 1);
        assert_eq!(expr[0].0, "happy");
        assert!((expr[0].1 - 1.0).abs() < 1e-4);
        let (_, expr) = clip.sample(0.25, 1.0);
        assert!((expr[0].1 - 0.5).abs() < 1e-4);
        // At the end the arm is down at rest again.
        let (pose, _) = clip.sample(2.0, 1.0);
        assert!(pose.get("rightUpperArm").angle_between(Quat::IDENTITY) < 0.01);
    }

    #[test]
    fn not_an_animation_is_a_clear_error() {
        assert!(Clip::from_glb(b"nope").is_err());
        let lumen = super::super::lumen::generate();
        let e = Clip::from_glb(&lumen).unwrap_err();
        assert!(e.contains("not a VRM animation"), "{e}");
    }
}
