//! Spring bones (hair, ears, tails, skirts) as the VRM 1.0 specification computes them
//! (VRMC_springBone: Verlet inertia with drag, stiffness back to the rest direction, gravity,
//! sphere and capsule colliders), read from either version of the file.
//!
//! Frame-rate independence: the simulation runs on a fixed 60 Hz step. A frame hands in the
//! model-space pose of the rest of the body; sub-steps see that pose interpolated between the
//! previous frame and this one, and what is shown is interpolated between the last two steps.
//! So 30 fps and 144 fps give the same motion (the test holds them to a few millimetres),
//! where a variable-step integrator changes stiffness and drag with the frame rate.

use glam::{Affine3A, Quat, Vec3};
use serde_json::Value;

use super::skeleton::Skeleton;

pub const STEP: f32 = 1.0 / 60.0;
/// After a stall (a dragged window, a breakpoint) the simulation skips time instead of
/// running hundreds of steps in one frame.
const MAX_STEPS_PER_FRAME: u32 = 8;
/// Tail length for a joint without a child (the VRM reference implementations use 7 cm).
const VIRTUAL_TAIL: f32 = 0.07;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Sphere {
        offset: Vec3,
        radius: f32,
    },
    Capsule {
        offset: Vec3,
        tail: Vec3,
        radius: f32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collider {
    pub node: usize,
    pub shape: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub stiffness: f32,
    pub gravity_power: f32,
    pub gravity_dir: Vec3,
    pub drag: f32,
    pub hit_radius: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JointSetup {
    pub node: usize,
    /// The node the bone points at; None gives a virtual tail.
    pub tail: Option<usize>,
    pub params: Params,
    /// Indices into [`Setup::colliders`].
    pub colliders: Vec<usize>,
}

/// The spring bones a file declares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    pub joints: Vec<JointSetup>,
    pub colliders: Vec<Collider>,
}

fn v3(v: &Value) -> Option<Vec3> {
    if let Some(a) = v.as_array() {
        let f = |i: usize| a.get(i).and_then(Value::as_f64).unwrap_or(0.0) as f32;
        return Some(Vec3::new(f(0), f(1), f(2)));
    }
    let f = |k: &str| v[k].as_f64();
    Some(Vec3::new(f("x")? as f32, f("y")? as f32, f("z")? as f32))
}

fn f(v: &Value, default: f32) -> f32 {
    v.as_f64().map_or(default, |x| x as f32)
}

impl Setup {
    pub fn from_json(json: &Value, skeleton: &Skeleton) -> Setup {
        let ext = &json["extensions"];
        if ext["VRMC_springBone"].is_object() {
            Self::read_1_0(&ext["VRMC_springBone"], skeleton)
        } else {
            Self::read_0_x(&ext["VRM"]["secondaryAnimation"], skeleton)
        }
    }

    fn read_1_0(s: &Value, skeleton: &Skeleton) -> Setup {
        let n = skeleton.parent.len();
        let mut setup = Setup::default();
        let mut collider_index = Vec::new();
        for c in s["colliders"].as_array().into_iter().flatten() {
            let node = c["node"].as_u64().map(|x| x as usize).filter(|&x| x < n);
            let shape = if c["shape"]["capsule"].is_object() {
                let k = &c["shape"]["capsule"];
                Some(Shape::Capsule {
                    offset: v3(&k["offset"]).unwrap_or(Vec3::ZERO),
                    tail: v3(&k["tail"]).unwrap_or(Vec3::ZERO),
                    radius: f(&k["radius"], 0.0),
                })
            } else if c["shape"]["sphere"].is_object() {
                let k = &c["shape"]["sphere"];
                Some(Shape::Sphere {
                    offset: v3(&k["offset"]).unwrap_or(Vec3::ZERO),
                    radius: f(&k["radius"], 0.0),
                })
            } else {
                None
            };
            collider_index.push(match (node, shape) {
                (Some(node), Some(shape)) => {
                    setup.colliders.push(Collider { node, shape });
                    Some(setup.colliders.len() - 1)
                }
                _ => None,
            });
        }
        let groups: Vec<Vec<usize>> = s["colliderGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                g["colliders"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| *collider_index.get(c.as_u64()? as usize)?)
                    .collect()
            })
            .collect();
        for spring in s["springs"].as_array().into_iter().flatten() {
            let colliders: Vec<usize> = spring["colliderGroups"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| groups.get(g.as_u64()? as usize))
                .flatten()
                .copied()
                .collect();
            let joints: Vec<&Value> = spring["joints"].as_array().into_iter().flatten().collect();
            for (i, j) in joints.iter().enumerate() {
                let Some(node) = j["node"].as_u64().map(|x| x as usize).filter(|&x| x < n) else {
                    continue;
                };
                // The last joint of a chain is its tail; it moves only when it has a child.
                let tail = match joints.get(i + 1) {
                    Some(next) => next["node"].as_u64().map(|x| x as usize).filter(|&x| x < n),
                    None => match skeleton.children(node).next() {
                        Some(c) => Some(c),
                        None => continue,
                    },
                };
                setup.joints.push(JointSetup {
                    node,
                    tail,
                    params: Params {
                        stiffness: f(&j["stiffness"], 1.0),
                        gravity_power: f(&j["gravityPower"], 0.0),
                        gravity_dir: v3(&j["gravityDir"]).unwrap_or(Vec3::NEG_Y),
                        drag: f(&j["dragForce"], 0.5),
                        hit_radius: f(&j["hitRadius"], 0.0),
                    },
                    colliders: colliders.clone(),
                });
            }
        }
        setup
    }

    fn read_0_x(s: &Value, skeleton: &Skeleton) -> Setup {
        let n = skeleton.parent.len();
        let mut setup = Setup::default();
        let mut groups = Vec::new();
        for g in s["colliderGroups"].as_array().into_iter().flatten() {
            let mut group = Vec::new();
            if let Some(node) = g["node"].as_u64().map(|x| x as usize).filter(|&x| x < n) {
                for c in g["colliders"].as_array().into_iter().flatten() {
                    // 0.x stores Unity's left-handed offsets; glTF has z the other way.
                    let o = v3(&c["offset"]).unwrap_or(Vec3::ZERO);
                    setup.colliders.push(Collider {
                        node,
                        shape: Shape::Sphere {
                            offset: Vec3::new(o.x, o.y, -o.z),
                            radius: f(&c["radius"], 0.0),
                        },
                    });
                    group.push(setup.colliders.len() - 1);
                }
            }
            groups.push(group);
        }
        for g in s["boneGroups"].as_array().into_iter().flatten() {
            let colliders: Vec<usize> = g["colliderGroups"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| groups.get(i.as_u64()? as usize))
                .flatten()
                .copied()
                .collect();
            let params = Params {
                stiffness: f(&g["stiffiness"], 1.0),
                gravity_power: f(&g["gravityPower"], 0.0),
                gravity_dir: v3(&g["gravityDir"])
                    .map(|d| Vec3::new(d.x, d.y, -d.z))
                    .unwrap_or(Vec3::NEG_Y),
                drag: f(&g["dragForce"], 0.4),
                hit_radius: f(&g["hitRadius"], 0.02),
            };
            // A 0.x root swings with all its descendants, each pointing at its first child.
            let mut stack: Vec<usize> = g["bones"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b.as_u64().map(|x| x as usize))
                .filter(|&x| x < n)
                .collect();
            while let Some(node) = stack.pop() {
                if setup.joints.iter().any(|j| j.node == node) {
                    continue;
                }
                let children: Vec<usize> = skeleton.children(node).collect();
                setup.joints.push(JointSetup {
                    node,
                    tail: children.first().copied(),
                    params,
                    colliders: colliders.clone(),
                });
                stack.extend(children);
            }
        }
        // Parents before children, so a step sees its parent's new rotation.
        let rank: Vec<usize> = {
            let mut r = vec![0; n];
            for (k, &i) in skeleton.order.iter().enumerate() {
                r[i] = k;
            }
            r
        };
        setup.joints.sort_by_key(|j| rank[j.node]);
        setup
    }
}

#[derive(Debug, Clone)]
struct Joint {
    node: usize,
    /// The joint that is this node's parent, if any (its simulated rotation counts).
    parent_joint: Option<usize>,
    parent_node: Option<usize>,
    rest_translation: Vec3,
    rest_rotation: Quat,
    /// Unit direction to the tail in the node's own frame, and the length in model space.
    axis: Vec3,
    length: f32,
    params: Params,
    colliders: Vec<usize>,
    head: Vec3,
    prev_tail: Vec3,
    tail: Vec3,
    /// Model-space rotation after the last step, and local rotations after the last two.
    world_rotation: Quat,
    local: Quat,
    local_before: Quat,
}

/// A running simulation.
#[derive(Debug, Clone)]
pub struct Springs {
    joints: Vec<Joint>,
    colliders: Vec<Collider>,
    /// The body's pose at the previous frame, for sub-step interpolation.
    before: Option<Vec<Affine3A>>,
    /// Seconds not yet simulated.
    pending: f32,
}

fn lerp_affine(a: &Affine3A, b: &Affine3A, t: f32) -> Affine3A {
    let (sa, ra, ta) = a.to_scale_rotation_translation();
    let (sb, rb, tb) = b.to_scale_rotation_translation();
    Affine3A::from_scale_rotation_translation(sa.lerp(sb, t), ra.slerp(rb, t), ta.lerp(tb, t))
}

fn rotation(a: &Affine3A) -> Quat {
    a.to_scale_rotation_translation().1
}

fn closest_on_segment(p: Vec3, a: Vec3, b: Vec3) -> Vec3 {
    let ab = b - a;
    let len2 = ab.length_squared();
    if len2 <= f32::EPSILON {
        return a;
    }
    a + ab * ((p - a).dot(ab) / len2).clamp(0.0, 1.0)
}

impl Springs {
    /// Starts at rest in the pose `world` (model-space matrices of every node).
    pub fn new(setup: &Setup, skeleton: &Skeleton, world: &[Affine3A]) -> Springs {
        let mut joints: Vec<Joint> = Vec::with_capacity(setup.joints.len());
        for j in &setup.joints {
            let rest = skeleton.rest[j.node];
            let head: Vec3 = world[j.node].translation.into();
            let (axis_local, tail_world) = match j.tail {
                Some(t) => {
                    let tail: Vec3 = world[t].translation.into();
                    let local = skeleton.rest[t].translation;
                    (local, tail)
                }
                None => {
                    let dir = rest.translation.normalize_or(Vec3::Y) * VIRTUAL_TAIL;
                    (dir, world[j.node].transform_point3(dir))
                }
            };
            let length = (tail_world - head).length();
            let parent_node = skeleton.parent[j.node];
            let parent_joint = parent_node.and_then(|p| joints.iter().position(|x| x.node == p));
            joints.push(Joint {
                node: j.node,
                parent_joint,
                parent_node,
                rest_translation: rest.translation,
                rest_rotation: rest.rotation,
                axis: axis_local.normalize_or(Vec3::Y),
                length,
                params: j.params,
                colliders: j.colliders.clone(),
                head,
                prev_tail: tail_world,
                tail: tail_world,
                world_rotation: rotation(&world[j.node]),
                local: rest.rotation,
                local_before: rest.rotation,
            });
        }
        Springs {
            joints,
            colliders: setup.colliders.clone(),
            before: None,
            pending: 0.0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.joints.is_empty()
    }

    /// Advances by a frame of `dt` seconds; `world` is the body's pose at the end of the frame
    /// (the spring joints' own entries are ignored).
    pub fn advance(&mut self, dt: f32, world: &[Affine3A]) {
        let before = self.before.take().unwrap_or_else(|| world.to_vec());
        let start = self.pending;
        self.pending += dt.max(0.0);
        let mut steps = 0;
        // A hair of slack: 144 frames of 1/144 s summed in f32 fall just short of a second.
        while self.pending >= STEP - 1e-5 {
            self.pending = (self.pending - STEP).max(0.0);
            steps += 1;
            if steps > MAX_STEPS_PER_FRAME {
                self.pending %= STEP;
                break;
            }
            // How far through this frame the step falls.
            let at = if dt > 0.0 {
                ((STEP * steps as f32 - start) / dt).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let pose = |n: usize| lerp_affine(&before[n], &world[n], at);
            self.step(&pose);
        }
        // This frame's pose is the next frame's "before", in the same allocation.
        let mut before = before;
        before.clear();
        before.extend_from_slice(world);
        self.before = Some(before);
    }

    fn step(&mut self, pose: &dyn Fn(usize) -> Affine3A) {
        let colliders: Vec<(Shape, Affine3A)> = self
            .colliders
            .iter()
            .map(|c| (c.shape, pose(c.node)))
            .collect();
        for i in 0..self.joints.len() {
            let (parent_rot, parent) = match self.joints[i].parent_joint {
                Some(p) => {
                    let pj = &self.joints[p];
                    (
                        pj.world_rotation,
                        Affine3A::from_rotation_translation(pj.world_rotation, pj.head),
                    )
                }
                None => {
                    let a = self.joints[i].parent_node.map_or(Affine3A::IDENTITY, pose);
                    (rotation(&a), a)
                }
            };
            let j = &mut self.joints[i];
            let head = parent.transform_point3(j.rest_translation);
            let rest_rot = parent_rot * j.rest_rotation;
            let p = j.params;
            let inertia = (j.tail - j.prev_tail) * (1.0 - p.drag);
            let stiffness = rest_rot * j.axis * (p.stiffness * STEP);
            let gravity = p.gravity_dir * (p.gravity_power * STEP);
            let mut next = j.tail + inertia + stiffness + gravity;
            next = head + (next - head).normalize_or(rest_rot * j.axis) * j.length;
            for &c in &j.colliders {
                let (shape, at) = &colliders[c];
                let (centre, radius) = match *shape {
                    Shape::Sphere { offset, radius } => (at.transform_point3(offset), radius),
                    Shape::Capsule {
                        offset,
                        tail,
                        radius,
                    } => (
                        closest_on_segment(
                            next,
                            at.transform_point3(offset),
                            at.transform_point3(tail),
                        ),
                        radius,
                    ),
                };
                let d = next - centre;
                let reach = radius + p.hit_radius;
                if d.length_squared() < reach * reach {
                    next = centre + d.normalize_or(Vec3::Y) * reach;
                    next = head + (next - head).normalize_or(rest_rot * j.axis) * j.length;
                }
            }
            j.head = head;
            j.prev_tail = j.tail;
            j.tail = next;
            let from = rest_rot * j.axis;
            let to = (next - head).normalize_or(from);
            j.world_rotation = Quat::from_rotation_arc(from, to) * rest_rot;
            j.local_before = j.local;
            j.local = (parent_rot.inverse() * j.world_rotation).normalize();
        }
    }

    /// Local rotations to show now: (node, rotation), interpolated between the last two steps.
    pub fn locals(&self) -> impl Iterator<Item = (usize, Quat)> + '_ {
        let alpha = (self.pending / STEP).clamp(0.0, 1.0);
        self.joints
            .iter()
            .map(move |j| (j.node, j.local_before.slerp(j.local, alpha)))
    }

    /// Model-space tail positions after the last step (tests, debugging).
    pub fn tails(&self) -> impl Iterator<Item = Vec3> + '_ {
        self.joints.iter().map(|j| j.tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avatar::skeleton::Local;
    use serde_json::json;

    /// A body node (0) carrying a four-joint strand hanging 10 cm per joint below it, and a
    /// collider ball on the body.
    fn strand(collider: Value) -> (Skeleton, Setup) {
        let json = json!({
            "nodes": [
                {"name": "body", "children": [1]},
                {"name": "s0", "translation": [0.0, -0.1, 0.0], "children": [2]},
                {"name": "s1", "translation": [0.0, -0.1, 0.0], "children": [3]},
                {"name": "s2", "translation": [0.0, -0.1, 0.0], "children": [4]},
                {"name": "s3", "translation": [0.0, -0.1, 0.0]}
            ],
            "extensions": {"VRMC_springBone": {
                "colliders": [{"node": 0, "shape": collider}],
                "colliderGroups": [{"colliders": [0]}],
                "springs": [{"joints": [
                    {"node": 1, "stiffness": 0.6, "dragForce": 0.3, "gravityPower": 0.4, "hitRadius": 0.01},
                    {"node": 2, "stiffness": 0.6, "dragForce": 0.3, "gravityPower": 0.4, "hitRadius": 0.01},
                    {"node": 3, "stiffness": 0.6, "dragForce": 0.3, "gravityPower": 0.4, "hitRadius": 0.01},
                    {"node": 4}
                ], "colliderGroups": [0]}]
            }}
        });
        let skeleton = Skeleton::from_json(&json);
        let setup = Setup::from_json(&json, &skeleton);
        (skeleton, setup)
    }

    fn pose(skeleton: &Skeleton, body: Local) -> Vec<Affine3A> {
        let mut locals = skeleton.rest.clone();
        locals[0] = body;
        skeleton.world(&locals)
    }

    /// The body sways and turns for `seconds` at `fps`; the strand's tails at the end.
    fn run(fps: f64, seconds: f64, collider: Value) -> (Vec<Vec3>, f32) {
        let (skeleton, setup) = strand(collider);
        let body = |t: f64| Local {
            translation: Vec3::new((0.15 * (t * 5.0).sin()) as f32, 0.0, 0.0),
            rotation: Quat::from_rotation_y((0.6 * (t * 3.0).sin()) as f32),
            scale: Vec3::ONE,
        };
        let mut springs = Springs::new(&setup, &skeleton, &pose(&skeleton, body(0.0)));
        let frames = (seconds * fps).round() as usize;
        let mut swing = 0.0f32;
        for k in 1..=frames {
            let t = k as f64 / fps;
            springs.advance((1.0 / fps) as f32, &pose(&skeleton, body(t)));
            let tip = springs.tails().last().unwrap();
            let anchor = Vec3::new((0.15 * (t * 5.0).sin()) as f32, -0.4, 0.0);
            swing = swing.max((tip - anchor).length());
        }
        (springs.tails().collect(), swing)
    }

    fn far_ball() -> Value {
        json!({"sphere": {"offset": [0.0, 5.0, 0.0], "radius": 0.01}})
    }

    #[test]
    fn the_same_motion_at_30_and_144_fps() {
        let (a, swing) = run(30.0, 2.0, far_ball());
        let (b, _) = run(144.0, 2.0, far_ball());
        // The strand really moves (its tip strays well away from hanging straight)...
        assert!(swing > 0.05, "the strand barely moved: {swing} m");
        // ...and both frame rates put every tail within 5 mm of each other.
        for (x, y) in a.iter().zip(&b) {
            assert!((*x - *y).length() < 0.005, "{x} vs {y}");
        }
    }

    #[test]
    fn a_strand_at_rest_stays_at_rest() {
        let (skeleton, setup) = strand(far_ball());
        let still = pose(&skeleton, Local::IDENTITY);
        let mut springs = Springs::new(&setup, &skeleton, &still);
        let before: Vec<Vec3> = springs.tails().collect();
        for _ in 0..120 {
            springs.advance(1.0 / 60.0, &still);
        }
        for (x, y) in before.iter().zip(springs.tails()) {
            assert!((*x - y).length() < 1e-4, "{x} drifted to {y}");
        }
    }

    #[test]
    fn colliders_keep_the_strand_out() {
        // A ball and a capsule right where the hanging strand would pass as the body sways.
        for shape in [
            json!({"sphere": {"offset": [0.0, -0.25, 0.06], "radius": 0.08}}),
            json!({"capsule": {"offset": [-0.3, -0.25, 0.06], "tail": [0.3, -0.25, 0.06], "radius": 0.08}}),
        ] {
            let (skeleton, setup) = strand(shape.clone());
            let mut springs = Springs::new(&setup, &skeleton, &pose(&skeleton, Local::IDENTITY));
            let mut deepest = f32::MIN;
            for k in 1..=240 {
                let t = k as f32 / 60.0;
                let body = Local {
                    translation: Vec3::new(0.1 * (t * 4.0).sin(), 0.0, 0.0),
                    ..Local::IDENTITY
                };
                let world = pose(&skeleton, body);
                springs.advance(1.0 / 60.0, &world);
                for tail in springs.tails() {
                    let local = world[0].inverse().transform_point3(tail);
                    let centre = match setup.colliders[0].shape {
                        Shape::Sphere { offset, .. } => offset,
                        Shape::Capsule { offset, tail, .. } => {
                            closest_on_segment(local, offset, tail)
                        }
                    };
                    deepest = deepest.max(0.09 - (local - centre).length());
                }
            }
            // Hanging straight, the strand would sit over a centimetre inside; the spec's
            // push-out-then-keep-length leaves at most a few millimetres.
            assert!(deepest < 0.005, "{shape}: a tail {deepest} m inside");
            let straight = Vec3::new(0.0, -0.3, 0.0);
            let centre = match setup.colliders[0].shape {
                Shape::Sphere { offset, .. } => offset,
                Shape::Capsule { offset, tail, .. } => closest_on_segment(straight, offset, tail),
            };
            assert!(0.09 - (straight - centre).length() > 0.01);
        }
    }

    #[test]
    fn vrm_0_x_groups_swing_every_descendant_and_flip_z() {
        let json = json!({
            "nodes": [
                {"name": "head", "children": [1]},
                {"name": "ear", "translation": [0.0, 0.1, 0.0], "children": [2]},
                {"name": "ear_tip", "translation": [0.0, 0.1, 0.0]}
            ],
            "extensions": {"VRM": {"secondaryAnimation": {
                "colliderGroups": [{"node": 0, "colliders": [{"offset": {"x": 0.1, "y": 0.2, "z": 0.3}, "radius": 0.05}]}],
                "boneGroups": [{"bones": [1], "stiffiness": 0.8, "gravityPower": 0.0,
                                "gravityDir": {"x": 0.0, "y": -1.0, "z": 0.0},
                                "dragForce": 0.4, "hitRadius": 0.02, "colliderGroups": [0]}]
            }}}
        });
        let skeleton = Skeleton::from_json(&json);
        let setup = Setup::from_json(&json, &skeleton);
        let nodes: Vec<(usize, Option<usize>)> =
            setup.joints.iter().map(|j| (j.node, j.tail)).collect();
        assert_eq!(nodes, [(1, Some(2)), (2, None)]);
        assert_eq!(
            setup.colliders[0].shape,
            Shape::Sphere {
                offset: Vec3::new(0.1, 0.2, -0.3),
                radius: 0.05
            }
        );
        assert_eq!(setup.joints[0].colliders, [0]);
    }
}
