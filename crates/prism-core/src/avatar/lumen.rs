//! Lumen, Prism's own avatar, made in code: a chibi TV sprite with a big head, fox-like ears
//! and a ponytail on spring bones, a teal hoodie with a glowing gem, and a face drawn as
//! shapes on the head whose morph targets give every VRM expression preset.
//!
//! The output is a VRM 0.x file (the version the renderer's loader reads with MToon
//! materials): T-pose, facing -Z as 0.x requires, 1.0 m tall, every part skinned to the
//! humanoid skeleton, spring bones with sphere colliders on the head and chest, look-at by
//! expression. `./x lumen` writes it to `assets/mascot/lumen.vrm`; the app builds it in
//! memory. The same code always gives the same bytes.

use glam::{Quat, Vec2, Vec3};
use serde_json::{Value, json};

use super::glb::Glb;

/// Bumped whenever the model changes, so caches know.
pub const VERSION: u32 = 1;

// ---------------------------------------------------------------- skeleton

struct Bone {
    name: String,
    human: Option<String>,
    parent: Option<usize>,
    at: Vec3,
}

/// Bone indices, named.
mod b {
    pub const HIPS: usize = 0;
    pub const SPINE: usize = 1;
    pub const CHEST: usize = 2;
    pub const UPPER_CHEST: usize = 3;
    pub const NECK: usize = 4;
    pub const HEAD: usize = 5;
    pub const L_SHOULDER: usize = 6;
    pub const L_UPPER_ARM: usize = 7;
    pub const L_LOWER_ARM: usize = 8;
    pub const L_HAND: usize = 9;
    pub const L_THUMB1: usize = 10;
    pub const L_THUMB2: usize = 11;
    pub const L_THUMB3: usize = 12;
    /// The right arm mirrors the left this many bones on.
    pub const RIGHT_OFFSET: usize = 7;
    pub const L_UPPER_LEG: usize = 20;
    pub const L_LOWER_LEG: usize = 21;
    pub const L_FOOT: usize = 22;
    pub const L_TOES: usize = 23;
    pub const LEG_RIGHT_OFFSET: usize = 4;
    pub const L_EAR0: usize = 28;
    pub const EAR_RIGHT_OFFSET: usize = 3;
    pub const HAIR0: usize = 34;
    pub const HAIR1: usize = 35;
    pub const HAIR2: usize = 36;
}

/// Character's left is -X in a VRM 0.x file (it faces -Z).
const LEFT: f32 = -1.0;

fn skeleton() -> Vec<Bone> {
    let mut v: Vec<Bone> = Vec::new();
    let mut bone = |name: &str, human: &str, parent: Option<usize>, at: [f32; 3]| {
        v.push(Bone {
            name: name.to_owned(),
            human: (!human.is_empty()).then(|| human.to_owned()),
            parent,
            at: Vec3::from(at),
        });
        v.len() - 1
    };
    bone("Hips", "hips", None, [0.0, 0.40, 0.0]);
    bone("Spine", "spine", Some(b::HIPS), [0.0, 0.46, 0.0]);
    bone("Chest", "chest", Some(b::SPINE), [0.0, 0.52, 0.0]);
    bone("UpperChest", "upperChest", Some(b::CHEST), [0.0, 0.57, 0.0]);
    bone("Neck", "neck", Some(b::UPPER_CHEST), [0.0, 0.635, 0.0]);
    bone("Head", "head", Some(b::NECK), [0.0, 0.68, 0.0]);
    let sides = [(LEFT, "left", "L_"), (-LEFT, "right", "R_")];
    for (x, side, short) in sides {
        let mut parent = b::UPPER_CHEST;
        for (name, human, at) in [
            ("Shoulder", "Shoulder", [0.05, 0.60, 0.0]),
            ("UpperArm", "UpperArm", [0.115, 0.60, 0.0]),
            ("LowerArm", "LowerArm", [0.235, 0.60, 0.0]),
            ("Hand", "Hand", [0.345, 0.60, 0.0]),
            ("Thumb1", "ThumbProximal", [0.36, 0.597, -0.022]),
            ("Thumb2", "ThumbIntermediate", [0.368, 0.597, -0.040]),
            ("Thumb3", "ThumbDistal", [0.373, 0.597, -0.055]),
        ] {
            parent = bone(
                &format!("{short}{name}"),
                &format!("{side}{human}"),
                Some(parent),
                [x * at[0], at[1], at[2]],
            );
        }
    }
    for (x, side, short) in sides {
        let mut parent = b::HIPS;
        for (name, at) in [
            ("UpperLeg", [0.065, 0.36, 0.0]),
            ("LowerLeg", [0.065, 0.205, 0.0]),
            ("Foot", [0.065, 0.06, 0.0]),
            ("Toes", [0.065, 0.025, -0.06]),
        ] {
            parent = bone(
                &format!("{short}{name}"),
                &format!("{side}{name}"),
                Some(parent),
                [x * at[0], at[1], at[2]],
            );
        }
    }
    // Ears (two joints and a tip each), then the ponytail: spring bones, not humanoid.
    for (x, _, short) in sides {
        let mut parent = b::HEAD;
        for (name, at) in [
            ("Ear0", [0.118, 0.99, 0.015]),
            ("Ear1", [0.148, 1.045, 0.02]),
            ("EarTip", [0.172, 1.10, 0.025]),
        ] {
            parent = bone(
                &format!("{short}{name}"),
                "",
                Some(parent),
                [x * at[0], at[1], at[2]],
            );
        }
    }
    let mut parent = b::HEAD;
    for (name, at) in [
        ("Hair0", [0.0, 0.90, 0.175]),
        ("Hair1", [0.0, 0.80, 0.245]),
        ("Hair2", [0.0, 0.69, 0.26]),
        ("HairTip", [0.0, 0.59, 0.245]),
    ] {
        parent = bone(name, "", Some(parent), at);
    }
    debug_assert_eq!(v[b::L_UPPER_LEG].name, "L_UpperLeg");
    debug_assert_eq!(v[b::L_EAR0].name, "L_Ear0");
    debug_assert_eq!(v[b::HAIR0].name, "Hair0");
    v
}

// ---------------------------------------------------------------- geometry

#[derive(Default, Clone)]
struct Part {
    pos: Vec<Vec3>,
    nrm: Vec<Vec3>,
    uv: Vec<Vec2>,
    joints: Vec<[u16; 4]>,
    weights: Vec<[f32; 4]>,
    idx: Vec<u32>,
}

impl Part {
    fn append(&mut self, o: &Part) {
        let base = self.pos.len() as u32;
        self.pos.extend(&o.pos);
        self.nrm.extend(&o.nrm);
        self.uv.extend(&o.uv);
        self.joints.extend(&o.joints);
        self.weights.extend(&o.weights);
        self.idx.extend(o.idx.iter().map(|i| i + base));
    }

    /// Skins every vertex to one bone.
    fn bind(mut self, bone: usize) -> Part {
        self.joints = vec![[bone as u16, 0, 0, 0]; self.pos.len()];
        self.weights = vec![[1.0, 0.0, 0.0, 0.0]; self.pos.len()];
        self
    }

    /// Skins by position: `f` gives up to two (bone, weight) pairs.
    fn bind_by(mut self, f: impl Fn(Vec3) -> [(usize, f32); 2]) -> Part {
        self.joints.clear();
        self.weights.clear();
        for p in &self.pos {
            let [(a, wa), (b, wb)] = f(*p);
            let sum = (wa + wb).max(1e-6);
            self.joints.push([a as u16, b as u16, 0, 0]);
            self.weights.push([wa / sum, wb / sum, 0.0, 0.0]);
        }
        self
    }

    /// A grid of (u, v) in [0,1]² mapped through `f` to a point and normal; rows of `nu + 1`.
    fn grid(nu: usize, nv: usize, f: impl Fn(f32, f32) -> (Vec3, Vec3)) -> Part {
        let mut p = Part::default();
        for j in 0..=nv {
            for i in 0..=nu {
                let (u, v) = (i as f32 / nu as f32, j as f32 / nv as f32);
                let (at, n) = f(u, v);
                p.pos.push(at);
                p.nrm.push(n.normalize_or(Vec3::Y));
                p.uv.push(Vec2::new(u, v));
            }
        }
        let row = (nu + 1) as u32;
        for j in 0..nv as u32 {
            for i in 0..nu as u32 {
                let a = j * row + i;
                p.idx
                    .extend([a, a + row, a + 1, a + 1, a + row, a + row + 1]);
            }
        }
        p.orient()
    }

    /// Turns every triangle to face the way its vertex normals point (front faces are
    /// counter-clockwise in glTF), whatever way the grid happened to run.
    fn orient(mut self) -> Part {
        for t in self.idx.chunks_mut(3) {
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| i as usize);
            let n = (self.pos[b] - self.pos[a]).cross(self.pos[c] - self.pos[a]);
            if n.dot(self.nrm[a] + self.nrm[b] + self.nrm[c]) < 0.0 {
                t.swap(1, 2);
            }
        }
        self
    }

    /// Drops triangles whose centre fails `keep`.
    fn cut(mut self, keep: impl Fn(Vec3) -> bool) -> Part {
        let pos = &self.pos;
        self.idx = self
            .idx
            .chunks(3)
            .filter(|t| keep((pos[t[0] as usize] + pos[t[1] as usize] + pos[t[2] as usize]) / 3.0))
            .flatten()
            .copied()
            .collect();
        self
    }
}

const TAU: f32 = std::f32::consts::TAU;
const PI: f32 = std::f32::consts::PI;

/// An ellipsoid with radii `r`, turned by `rot`, at `c`.
fn ellipsoid(c: Vec3, r: Vec3, rot: Quat, nu: usize, nv: usize) -> Part {
    Part::grid(nu, nv, |u, v| {
        let (th, ph) = (u * TAU, v * PI);
        let d = Vec3::new(ph.sin() * th.cos(), -ph.cos(), ph.sin() * th.sin());
        (c + rot * (d * r), rot * (d / r))
    })
}

/// A solid of revolution about the local Y axis: `profile` gives (height, radius) pairs from
/// bottom to top; the cross-section is stretched by `sx`, `sz`; then turned and moved.
fn lathe(profile: &[(f32, f32)], sx: f32, sz: f32, rot: Quat, at: Vec3, nu: usize) -> Part {
    let n = profile.len();
    Part::grid(nu, n - 1, |u, v| {
        let k = ((v * (n - 1) as f32).round() as usize).min(n - 1);
        let (y, r) = profile[k];
        let (pa, pb) = (profile[k.saturating_sub(1)], profile[(k + 1).min(n - 1)]);
        let (dy, dr) = (pb.0 - pa.0, pb.1 - pa.1);
        let th = u * TAU;
        let (c, s) = (th.cos(), th.sin());
        let p = Vec3::new(r * c * sx, y, r * s * sz);
        // The profile's normal (-dr, dy) in the (radius, height) plane, with the stretch.
        let nn = Vec3::new(dy * c / sx, -dr, dy * s / sz);
        (at + rot * p, rot * nn)
    })
}

/// A capsule from `a` (radius `ra`) to `b` (radius `rb`), flattened across by `flat`.
fn capsule(a: Vec3, b: Vec3, ra: f32, rb: f32, flat: f32, nu: usize) -> Part {
    let len = (b - a).length();
    let rot = Quat::from_rotation_arc(Vec3::Y, (b - a) / len);
    let mut profile = Vec::new();
    let m = 6;
    for k in 0..=m {
        let t = -PI / 2.0 + k as f32 / m as f32 * PI / 2.0;
        profile.push((ra * t.sin(), ra * t.cos()));
    }
    for k in 0..=m {
        let t = k as f32 / m as f32 * PI / 2.0;
        profile.push((len + rb * t.sin(), rb * t.cos()));
    }
    lathe(&profile, 1.0, flat, rot, a, nu)
}

fn torus(c: Vec3, major: f32, minor: f32, squash: f32) -> Part {
    Part::grid(32, 10, |u, v| {
        let (th, ph) = (u * TAU, v * TAU);
        let ring = Vec3::new(th.cos(), 0.0, th.sin() * squash);
        let n = ring.normalize() * ph.cos() + Vec3::Y * ph.sin();
        (c + ring * major + n * minor, n)
    })
}

// ---------------------------------------------------------------- the face

const HEAD_C: Vec3 = Vec3::new(0.0, 0.84, 0.0);
const HEAD_R: Vec3 = Vec3::new(0.20, 0.185, 0.18);

/// A point drawn on the face at (x, y) from the head's centre, lifted `lift` off the skin.
fn on_face(x: f32, y: f32, lift: f32) -> (Vec3, Vec3) {
    let q = 1.0 - (x / HEAD_R.x).powi(2) - (y / HEAD_R.y).powi(2);
    let z = -HEAD_R.z * q.max(0.0).sqrt();
    let p = Vec3::new(x, y, z);
    let n = (p / (HEAD_R * HEAD_R)).normalize();
    (HEAD_C + p + n * lift, n)
}

/// A flat shape on the face: a polar grid of the unit disc through `shape` (u, v in [-1, 1]).
fn decal(shape: &dyn Fn(f32, f32) -> Vec2, lift: f32) -> Part {
    Part::grid(16, 4, |a, r| {
        let th = a * TAU;
        let s = shape(r * th.cos(), r * th.sin());
        on_face(s.x, s.y, lift)
    })
}

/// What a face looks like: every feature's knobs. Expressions are differences of these.
#[derive(Clone, Copy)]
struct Look {
    /// Per eye (left, right): openness 0–1, arc of the closed lid (+ = corners up).
    open: [f32; 2],
    arc: [f32; 2],
    eye_scale: f32,
    /// Where the eyes look (metres on the face).
    gaze: Vec2,
    /// Brows: raise, and tilt of the inner end (+ = up).
    brow_up: f32,
    brow_tilt: f32,
    /// Mouth: width, opening, corner lift (smile).
    mouth_w: f32,
    mouth_h: f32,
    smile: f32,
}

const NEUTRAL: Look = Look {
    open: [1.0, 1.0],
    arc: [0.0, 0.0],
    eye_scale: 1.0,
    gaze: Vec2::ZERO,
    brow_up: 0.0,
    brow_tilt: 0.0,
    mouth_w: 0.030,
    mouth_h: 0.003,
    smile: 0.005,
};

const EYE_X: f32 = 0.07;
const EYE_Y: f32 = -0.012;
const EYE_W: f32 = 0.040;
const EYE_H: f32 = 0.056;
const MOUTH_Y: f32 = -0.088;

/// The face's parts for a look, by material: (dark: eyes and brows, white: eye lights,
/// mouth, tongue). Every look gives the same vertices in the same order.
fn face(l: &Look) -> [Part; 4] {
    let mut dark = Part::default();
    let mut white = Part::default();
    for (k, side) in [(0, LEFT), (1, -LEFT)] {
        let cx = side * EYE_X + l.gaze.x;
        let open = l.open[k].clamp(0.0, 1.0);
        // A closing eye shrinks towards its lower third and bends into a lid line.
        let h = EYE_H * l.eye_scale * (0.12 + 0.88 * open);
        let cy = EYE_Y + l.gaze.y - (1.0 - open) * EYE_H * 0.2;
        let w = EYE_W * l.eye_scale;
        let arc = l.arc[k] * (1.0 - open);
        let eye = move |u: f32, v: f32| Vec2::new(cx + u * w / 2.0, cy + v * h / 2.0 + arc * u * u);
        dark.append(&decal(&eye, 0.0015));
        // Two lights: a big one up and out, a small one down and in; they close with the lid.
        for (dx, dy, r) in [(0.28, 0.38, 0.0085), (-0.22, -0.36, 0.0045)] {
            let (lx, ly) = (cx + side * -dx * w / 2.0, cy + dy * h / 2.0 * open);
            let r = r * l.eye_scale * open.max(0.0);
            let light = move |u: f32, v: f32| Vec2::new(lx + u * r, ly + v * r);
            white.append(&decal(&light, 0.003));
        }
        // Brows: a short thick stroke above each eye.
        let (bx, by) = (side * EYE_X, 0.05 + l.brow_up);
        let tilt = l.brow_tilt;
        let brow = move |u: f32, v: f32| {
            // u runs outer (-1) to inner (+1) whichever side.
            let inner = u;
            Vec2::new(
                bx - side * u * 0.018,
                by + v * 0.0035 + tilt * (inner + 1.0) / 2.0 - 0.004 * u * u,
            )
        };
        dark.append(&decal(&brow, 0.0015));
    }
    let (w, h, s) = (l.mouth_w.max(0.004), l.mouth_h.max(0.0), l.smile);
    let mouth = move |u: f32, v: f32| Vec2::new(u * w / 2.0, MOUTH_Y + v * h / 2.0 + s * u * u);
    let tongue = move |u: f32, v: f32| {
        let (tu, tv) = (u * 0.55, -0.55 + v * 0.35);
        Vec2::new(tu * w / 2.0, MOUTH_Y + tv * h / 2.0 + s * tu * tu)
    };
    let mouth = decal(&mouth, 0.0015);
    let tongue = decal(&tongue, 0.0022);
    [dark, white, mouth, tongue]
}

/// Morph targets, in order: (VRM 0.x preset, group name, the look).
fn targets() -> Vec<(&'static str, &'static str, Look)> {
    let n = NEUTRAL;
    let closed = |k: [bool; 2]| Look {
        open: [if k[0] { 0.0 } else { 1.0 }, if k[1] { 0.0 } else { 1.0 }],
        arc: [0.006, 0.006],
        ..n
    };
    let mouth = |w: f32, h: f32, smile: f32| Look {
        mouth_w: w,
        mouth_h: h,
        smile,
        ..n
    };
    vec![
        ("a", "A", mouth(0.034, 0.036, 0.002)),
        ("i", "I", mouth(0.042, 0.012, 0.004)),
        ("u", "U", mouth(0.016, 0.018, 0.0)),
        ("e", "E", mouth(0.044, 0.020, 0.006)),
        ("o", "O", mouth(0.026, 0.030, 0.0)),
        ("blink", "Blink", closed([true, true])),
        ("blink_l", "Blink_L", closed([true, false])),
        ("blink_r", "Blink_R", closed([false, true])),
        (
            "joy",
            "Joy",
            Look {
                open: [0.0, 0.0],
                arc: [-0.011, -0.011],
                brow_up: 0.004,
                mouth_w: 0.040,
                mouth_h: 0.018,
                smile: 0.012,
                ..n
            },
        ),
        (
            "angry",
            "Angry",
            Look {
                open: [0.75, 0.75],
                brow_up: -0.004,
                brow_tilt: -0.012,
                mouth_w: 0.026,
                mouth_h: 0.005,
                smile: -0.006,
                ..n
            },
        ),
        (
            "sorrow",
            "Sorrow",
            Look {
                open: [0.7, 0.7],
                arc: [0.004, 0.004],
                brow_tilt: 0.012,
                mouth_w: 0.024,
                mouth_h: 0.006,
                smile: -0.010,
                ..n
            },
        ),
        (
            "fun",
            "Fun",
            Look {
                open: [0.45, 0.45],
                arc: [-0.004, -0.004],
                mouth_w: 0.034,
                mouth_h: 0.006,
                smile: 0.010,
                ..n
            },
        ),
        (
            "unknown",
            "Surprised",
            Look {
                eye_scale: 1.18,
                brow_up: 0.014,
                mouth_w: 0.020,
                mouth_h: 0.026,
                smile: 0.0,
                ..n
            },
        ),
        (
            "lookup",
            "LookUp",
            Look {
                gaze: Vec2::new(0.0, 0.012),
                ..n
            },
        ),
        (
            "lookdown",
            "LookDown",
            Look {
                gaze: Vec2::new(0.0, -0.010),
                open: [0.85, 0.85],
                ..n
            },
        ),
        (
            "lookleft",
            "LookLeft",
            Look {
                gaze: Vec2::new(LEFT * 0.016, 0.0),
                ..n
            },
        ),
        (
            "lookright",
            "LookRight",
            Look {
                gaze: Vec2::new(-LEFT * 0.016, 0.0),
                ..n
            },
        ),
        ("neutral", "Neutral", Look { smile: 0.003, ..n }),
    ]
}

// ---------------------------------------------------------------- the body

/// Materials: (name, colour in sRGB, shade colour factor, emission, double-sided).
const MATERIALS: [(&str, u32, f32, u32, bool); 13] = [
    ("Skin", 0xffe3d3, 0.82, 0, false),
    ("Hair", 0x7f8cf2, 0.70, 0, true),
    ("Hoodie", 0x22b5a8, 0.70, 0, false),
    ("Cream", 0xfff3dc, 0.85, 0, false),
    ("Tights", 0x2d3350, 0.75, 0, false),
    ("Shoes", 0xffc34d, 0.75, 0, false),
    ("Eyes", 0x2a2155, 1.0, 0, false),
    ("EyeLight", 0xffffff, 1.0, 0xffffff, false),
    ("Mouth", 0x7a2a3c, 1.0, 0, false),
    ("Tongue", 0xf07a8a, 1.0, 0, false),
    ("Blush", 0xffa4b4, 1.0, 0, false),
    ("EarInner", 0xffb6c9, 0.85, 0, false),
    ("Gem", 0xffe27a, 1.0, 0xffc23a, false),
];

mod m {
    pub const SKIN: usize = 0;
    pub const HAIR: usize = 1;
    pub const HOODIE: usize = 2;
    pub const CREAM: usize = 3;
    pub const TIGHTS: usize = 4;
    pub const SHOES: usize = 5;
    pub const EYES: usize = 6;
    pub const EYE_LIGHT: usize = 7;
    pub const MOUTH: usize = 8;
    pub const TONGUE: usize = 9;
    pub const BLUSH: usize = 10;
    pub const EAR_INNER: usize = 11;
    pub const GEM: usize = 12;
}

fn linear(srgb: u32) -> [f32; 3] {
    let c = |s: u32| {
        let x = (s & 0xff) as f32 / 255.0;
        if x <= 0.04045 {
            x / 12.92
        } else {
            ((x + 0.055) / 1.055).powf(2.4)
        }
    };
    [c(srgb >> 16), c(srgb >> 8), c(srgb)]
}

fn smooth(a: f32, b: f32, x: f32) -> f32 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The body's parts by material (skinned, no morphs).
fn body(bones: &[Bone]) -> Vec<(usize, Part)> {
    let at = |i: usize| bones[i].at;
    let mut parts: Vec<(usize, Part)> = Vec::new();
    let mut add = |mat: usize, p: Part| parts.push((mat, p));

    // Head and neck.
    add(
        m::SKIN,
        ellipsoid(HEAD_C, HEAD_R, Quat::IDENTITY, 40, 24).bind(b::HEAD),
    );
    add(
        m::SKIN,
        capsule(
            at(b::NECK) - Vec3::Y * 0.02,
            at(b::HEAD) + Vec3::Y * 0.03,
            0.04,
            0.04,
            1.0,
            16,
        )
        .bind(b::NECK),
    );
    // Blush.
    for side in [LEFT, -LEFT] {
        let blush = move |u: f32, v: f32| Vec2::new(side * 0.112 + u * 0.02, -0.055 + v * 0.010);
        add(m::BLUSH, decal(&blush, 0.0012).bind(b::HEAD));
    }

    // Hair: a cap open over the face, bangs over its edge, locks by the cheeks, a ponytail.
    let hc = HEAD_C + Vec3::new(0.0, 0.012, 0.01);
    let hr = HEAD_R + Vec3::new(0.016, 0.018, 0.02);
    let cap = ellipsoid(hc, hr, Quat::IDENTITY, 48, 32).cut(|p| {
        let q = p - HEAD_C;
        let face = q.z < -0.05 && q.y < 0.078 && q.x.abs() < 0.165;
        let below = q.y < -0.1 + 0.05 * (q.z / 0.2).max(0.0) && q.z > -0.12;
        let chin = q.y < -0.02 && q.z < -0.12;
        !(face || below || chin)
    });
    add(m::HAIR, cap.bind(b::HEAD));
    let front_z = |x: f32, y: f32| {
        let q = 1.0 - (x / hr.x).powi(2) - ((y - hc.y) / hr.y).powi(2);
        hc.z - hr.z * q.max(0.0).sqrt()
    };
    for (k, x) in [-0.13f32, -0.066, 0.0, 0.066, 0.13].into_iter().enumerate() {
        // The roots sit inside the cap, so only the strands show.
        let top_y = HEAD_C.y + 0.11;
        let tip_y = HEAD_C.y
            + if k == 2 {
                0.055
            } else {
                0.066 - 0.01 * (x.abs() / 0.13)
            };
        let top = Vec3::new(x * 0.9, top_y, front_z(x * 0.9, top_y) + 0.02);
        let tip = Vec3::new(x * 1.04, tip_y, front_z(x, tip_y) - 0.004);
        add(
            m::HAIR,
            capsule(top, tip, 0.036, 0.006, 0.45, 16).bind(b::HEAD),
        );
    }
    for side in [LEFT, -LEFT] {
        let top = HEAD_C + Vec3::new(side * 0.178, 0.02, -0.07);
        let tip = HEAD_C + Vec3::new(side * 0.168, -0.13, -0.105);
        add(
            m::HAIR,
            capsule(top, tip, 0.034, 0.008, 0.55, 16).bind(b::HEAD),
        );
    }
    // The ponytail: three segments, each blending into the one above near its root.
    for (k, bone) in [b::HAIR0, b::HAIR1, b::HAIR2].into_iter().enumerate() {
        let (a, z) = (at(bone), at(bone + 1));
        let r = [0.05, 0.046, 0.036][k];
        let rz = [0.046, 0.036, 0.008][k];
        let parent = if k == 0 { b::HEAD } else { bone - 1 };
        let len = (z - a).length();
        let dir = (z - a) / len;
        add(
            m::HAIR,
            capsule(a, z, r, rz, 0.8, 16).bind_by(|p| {
                let t = (p - a).dot(dir) / len;
                let w = smooth(-0.15, 0.2, t);
                [(bone, w), (parent, 1.0 - w)]
            }),
        );
    }
    // Ears: fox-like, on spring bones, with a pink inside.
    for e in [b::L_EAR0, b::L_EAR0 + b::EAR_RIGHT_OFFSET] {
        let (a, tip) = (at(e) - Vec3::Y * 0.02, at(e + 2));
        let len = (tip - a).length();
        let dir = (tip - a) / len;
        let w = move |p: Vec3| {
            let t = (p - a).dot(dir) / len;
            let w = smooth(0.3, 0.55, t);
            [(e + 1, w), (e, 1.0 - w)]
        };
        add(m::HAIR, capsule(a, tip, 0.05, 0.006, 0.42, 16).bind_by(w));
        let inner_a = a + dir * 0.018 + Vec3::new(0.0, 0.0, -0.014);
        add(
            m::EAR_INNER,
            capsule(
                inner_a,
                tip - dir * 0.02 + Vec3::new(0.0, 0.0, -0.006),
                0.032,
                0.004,
                0.3,
                12,
            )
            .bind_by(w),
        );
    }

    // Torso: a hoodie flaring into a short dress, blended up the spine.
    let profile = [
        (0.285, 0.0),
        (0.29, 0.13),
        (0.31, 0.158),
        (0.36, 0.14),
        (0.42, 0.118),
        (0.48, 0.108),
        (0.54, 0.118),
        (0.59, 0.112),
        (0.625, 0.08),
        (0.64, 0.0),
    ];
    let spine = [b::HIPS, b::SPINE, b::CHEST, b::UPPER_CHEST];
    let heights: Vec<f32> = spine.iter().map(|&s| at(s).y).collect();
    add(
        m::HOODIE,
        lathe(&profile, 1.0, 0.82, Quat::IDENTITY, Vec3::ZERO, 40).bind_by(|p| {
            // Between two spine bones, blend by height.
            let k = heights.iter().rposition(|&h| p.y >= h).unwrap_or(0);
            if k + 1 >= spine.len() {
                return [(spine[k], 1.0), (spine[k], 0.0)];
            }
            let t = smooth(heights[k] + 0.01, heights[k + 1] + 0.01, p.y);
            [(spine[k], 1.0 - t), (spine[k + 1], t)]
        }),
    );
    add(
        m::CREAM,
        torus(Vec3::new(0.0, 0.622, 0.0), 0.062, 0.018, 0.85).bind(b::UPPER_CHEST),
    );
    add(
        m::CREAM,
        torus(Vec3::new(0.0, 0.296, 0.0), 0.152, 0.012, 0.82).bind(b::HIPS),
    );
    add(
        m::GEM,
        ellipsoid(
            Vec3::new(0.0, 0.545, -0.092),
            Vec3::new(0.02, 0.024, 0.012),
            Quat::IDENTITY,
            16,
            10,
        )
        .bind(b::CHEST),
    );

    // Arms: sleeves, cuffs, mitten hands with thumbs.
    for (side, o) in [(LEFT, 0), (-LEFT, b::RIGHT_OFFSET)] {
        let (up, lo, ha) = (
            at(b::L_UPPER_ARM + o),
            at(b::L_LOWER_ARM + o),
            at(b::L_HAND + o),
        );
        add(
            m::HOODIE,
            ellipsoid(
                up - Vec3::X * side * 0.01,
                Vec3::splat(0.05),
                Quat::IDENTITY,
                16,
                10,
            )
            .bind(b::L_SHOULDER + o),
        );
        let elbow = move |p: Vec3, a: usize, b: usize, at_x: f32| {
            let t = smooth(-0.02, 0.02, side * (p.x - at_x));
            [(b, t), (a, 1.0 - t)]
        };
        add(
            m::HOODIE,
            capsule(up, lo, 0.043, 0.038, 1.0, 16)
                .bind_by(move |p| elbow(p, b::L_UPPER_ARM + o, b::L_LOWER_ARM + o, lo.x)),
        );
        add(
            m::HOODIE,
            capsule(lo, ha - Vec3::X * side * 0.012, 0.038, 0.04, 1.0, 16)
                .bind_by(move |p| elbow(p, b::L_UPPER_ARM + o, b::L_LOWER_ARM + o, lo.x)),
        );
        let cuff = torus(Vec3::ZERO, 0.036, 0.011, 1.0);
        let turn = Quat::from_rotation_z(PI / 2.0);
        let mut cuff_part = cuff.clone();
        for (p, n) in cuff_part.pos.iter_mut().zip(cuff_part.nrm.iter_mut()) {
            *p = ha - Vec3::X * side * 0.012 + turn * *p;
            *n = turn * *n;
        }
        add(m::CREAM, cuff_part.bind(b::L_LOWER_ARM + o));
        add(
            m::SKIN,
            ellipsoid(
                ha + Vec3::new(side * 0.035, -0.002, 0.0),
                Vec3::new(0.042, 0.03, 0.038),
                Quat::IDENTITY,
                20,
                12,
            )
            .bind(b::L_HAND + o),
        );
        let (t1, t2, t3) = (
            at(b::L_THUMB1 + o),
            at(b::L_THUMB2 + o),
            at(b::L_THUMB3 + o),
        );
        add(
            m::SKIN,
            capsule(t1, t2, 0.013, 0.012, 1.0, 10).bind(b::L_THUMB1 + o),
        );
        add(
            m::SKIN,
            capsule(t2, t3 + (t3 - t2) * 0.2, 0.012, 0.011, 1.0, 10).bind(b::L_THUMB2 + o),
        );
    }

    // Legs: tights and round shoes.
    for o in [0, b::LEG_RIGHT_OFFSET] {
        let (up, lo, ft, toe) = (
            at(b::L_UPPER_LEG + o),
            at(b::L_LOWER_LEG + o),
            at(b::L_FOOT + o),
            at(b::L_TOES + o),
        );
        let knee = move |p: Vec3| {
            let t = smooth(lo.y + 0.02, lo.y - 0.02, p.y);
            [(b::L_LOWER_LEG + o, t), (b::L_UPPER_LEG + o, 1.0 - t)]
        };
        add(
            m::TIGHTS,
            capsule(up + Vec3::Y * 0.02, lo, 0.045, 0.038, 1.0, 16).bind_by(knee),
        );
        add(
            m::TIGHTS,
            capsule(lo, ft, 0.038, 0.033, 1.0, 16).bind_by(knee),
        );
        add(
            m::SHOES,
            ellipsoid(
                Vec3::new(ft.x, 0.038, (ft.z + toe.z) / 2.0 + 0.002),
                Vec3::new(0.048, 0.04, 0.075),
                Quat::IDENTITY,
                20,
                12,
            )
            .bind_by(move |p| {
                let t = smooth(-0.02, -0.05, p.z);
                [(b::L_TOES + o, t), (b::L_FOOT + o, 1.0 - t)]
            }),
        );
    }
    parts
}

// ---------------------------------------------------------------- the file

fn material_json(name: &str, srgb: u32, emission: u32, double: bool) -> Value {
    let c = linear(srgb);
    let e = linear(emission);
    json!({
        "name": name,
        "pbrMetallicRoughness": {
            "baseColorFactor": [c[0], c[1], c[2], 1.0],
            "metallicFactor": 0.0,
            "roughnessFactor": 1.0
        },
        "emissiveFactor": e,
        "doubleSided": double
    })
}

fn material_props(name: &str, srgb: u32, shade: f32, emission: u32, double: bool) -> Value {
    let c = linear(srgb);
    let e = linear(emission);
    let s = [
        c[0] * shade,
        c[1] * shade * 0.97,
        c[2] * shade.powf(0.7),
        1.0,
    ];
    let face = matches!(
        name,
        "Eyes" | "EyeLight" | "Mouth" | "Tongue" | "Blush" | "Gem"
    );
    json!({
        "name": name,
        "shader": "VRM/MToon",
        "renderQueue": 2000,
        "keywordMap": {"MTOON_OUTLINE_WIDTH_WORLD": !face, "MTOON_OUTLINE_COLOR_MIXED": true},
        "tagMap": {"RenderType": "Opaque"},
        "floatProperties": {
            "_ShadeShift": -0.1,
            "_ShadeToony": 0.92,
            "_IndirectLightIntensity": 0.2,
            "_CullMode": if double { 0.0 } else { 2.0 },
            "_OutlineWidth": if face { 0.0 } else { 0.22 },
            "_OutlineWidthMode": if face { 0.0 } else { 1.0 },
            "_OutlineLightingMix": 1.0,
            "_RimLightingMix": 0.0
        },
        "vectorProperties": {
            "_Color": [c[0], c[1], c[2], 1.0],
            "_ShadeColor": s,
            "_EmissionColor": [e[0], e[1], e[2], 1.0],
            "_OutlineColor": [c[0] * 0.3, c[1] * 0.25, c[2] * 0.35, 1.0]
        },
        "textureProperties": {}
    })
}

fn primitive(glb: &mut Glb, part: &Part, material: usize, targets: &[Vec<Vec3>]) -> Value {
    let v3 = |v: &[Vec3]| v.iter().map(|p| p.to_array()).collect::<Vec<_>>();
    let pos = glb.floats(&v3(&part.pos), true);
    let nrm = glb.floats(&v3(&part.nrm), false);
    let uv = glb.floats(
        &part.uv.iter().map(|p| p.to_array()).collect::<Vec<_>>(),
        false,
    );
    let idx = glb.indices(&part.idx);
    let mut p = json!({
        "attributes": {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": uv},
        "indices": idx,
        "material": material
    });
    if !part.joints.is_empty() {
        p["attributes"]["JOINTS_0"] = json!(glb.joints(&part.joints));
        p["attributes"]["WEIGHTS_0"] = json!(glb.floats(&part.weights, false));
    }
    if !targets.is_empty() {
        let t: Vec<Value> = targets
            .iter()
            .map(|d| json!({"POSITION": glb.floats(&v3(d), true)}))
            .collect();
        p["targets"] = Value::Array(t);
    }
    p
}

/// Lumen as a VRM 0.x GLB.
pub fn generate() -> Vec<u8> {
    let bones = skeleton();
    let mut glb = Glb::default();

    // Nodes: 0 the root, then the bones, then the two mesh nodes.
    let first_bone = 1;
    let mut nodes = vec![json!({"name": "Lumen", "children": []})];
    for (i, bone) in bones.iter().enumerate() {
        let parent_at = bone.parent.map_or(Vec3::ZERO, |p| bones[p].at);
        let t = bone.at - parent_at;
        let children: Vec<usize> = bones
            .iter()
            .enumerate()
            .filter(|(_, c)| c.parent == Some(i))
            .map(|(k, _)| first_bone + k)
            .collect();
        let mut n = json!({"name": bone.name, "translation": t.to_array()});
        if !children.is_empty() {
            n["children"] = json!(children);
        }
        nodes.push(n);
    }
    let body_node = nodes.len();
    let face_node = body_node + 1;
    nodes.push(json!({"name": "Body", "mesh": 0, "skin": 0}));
    // The face rides on the head bone as a rigid, unskinned mesh: it only ever moves with
    // the head, so skinning it would cost without changing a pixel.
    nodes.push(json!({"name": "Face", "mesh": 1}));
    nodes[0]["children"] = json!([first_bone + b::HIPS, body_node]);
    let head_node = &mut nodes[first_bone + b::HEAD];
    let mut kids = head_node["children"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    kids.push(json!(face_node));
    head_node["children"] = Value::Array(kids);

    // The skin: every bone, bound in the rest pose (translations only).
    let ibm: Vec<[f32; 16]> = bones
        .iter()
        .map(|b| glam::Mat4::from_translation(-b.at).to_cols_array())
        .collect();
    let ibm = glb.floats(&ibm, false);
    let skin = json!({
        "inverseBindMatrices": ibm,
        "joints": (0..bones.len()).map(|i| first_bone + i).collect::<Vec<_>>(),
        "skeleton": first_bone + b::HIPS
    });

    // Mesh 0: the body, one primitive per material.
    let mut by_material: Vec<Part> = vec![Part::default(); MATERIALS.len()];
    for (mat, part) in body(&bones) {
        by_material[mat].append(&part);
    }
    let body_prims: Vec<Value> = by_material
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.idx.is_empty())
        .map(|(mat, p)| primitive(&mut glb, p, mat, &[]))
        .collect();

    // Mesh 1: the face, its morph targets the differences between looks.
    let looks = targets();
    let base = face(&NEUTRAL);
    let shaped: Vec<[Part; 4]> = looks.iter().map(|(_, _, l)| face(l)).collect();
    let face_mats = [m::EYES, m::EYE_LIGHT, m::MOUTH, m::TONGUE];
    let face_prims: Vec<Value> = (0..4)
        .map(|k| {
            let mut part = base[k].clone();
            for p in &mut part.pos {
                *p -= bones[b::HEAD].at;
            }
            let deltas: Vec<Vec<Vec3>> = shaped
                .iter()
                .map(|s| {
                    s[k].pos
                        .iter()
                        .zip(&base[k].pos)
                        .map(|(a, b)| *a - *b)
                        .collect()
                })
                .collect();
            primitive(&mut glb, &part, face_mats[k], &deltas)
        })
        .collect();
    let names: Vec<&str> = looks.iter().map(|(_, n, _)| *n).collect();
    let meshes = json!([
        {"name": "Body", "primitives": body_prims},
        {"name": "Face", "primitives": face_prims, "weights": vec![0.0; looks.len()],
         "extras": {"targetNames": names}}
    ]);

    let materials: Vec<Value> = MATERIALS
        .iter()
        .map(|&(n, c, _, e, d)| material_json(n, c, e, d))
        .collect();
    let props: Vec<Value> = MATERIALS
        .iter()
        .map(|&(n, c, s, e, d)| material_props(n, c, s, e, d))
        .collect();

    let human_bones: Vec<Value> = bones
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            Some(json!({"bone": b.human.as_deref()?, "node": first_bone + i, "useDefaultValues": true}))
        })
        .collect();
    let groups: Vec<Value> = looks
        .iter()
        .enumerate()
        .map(|(i, (preset, name, _))| {
            json!({
                "name": name,
                "presetName": preset,
                "binds": [{"mesh": 1, "index": i, "weight": 100.0}],
                "materialValues": [],
                "isBinary": false
            })
        })
        .collect();
    // Unity's left-handed offsets: z flipped.
    let unity = |v: Vec3| json!({"x": v.x, "y": v.y, "z": -v.z});
    let head = bones[b::HEAD].at;
    let chest = bones[b::UPPER_CHEST].at;
    let collider_groups = json!([
        {"node": first_bone + b::HEAD, "colliders": [
            {"offset": unity(HEAD_C - head), "radius": 0.19},
            {"offset": unity(HEAD_C - head + Vec3::new(0.0, -0.07, 0.05)), "radius": 0.14}
        ]},
        {"node": first_bone + b::UPPER_CHEST, "colliders": [
            {"offset": unity(Vec3::new(0.0, 0.58, 0.02) - chest), "radius": 0.11},
            {"offset": unity(Vec3::new(0.0, 0.46, 0.03) - chest), "radius": 0.12}
        ]}
    ]);
    let group = |bones_: Vec<usize>, stiff: f32, gravity: f32, drag: f32, hit: f32| {
        json!({
            "comment": "",
            "stiffiness": stiff,
            "gravityPower": gravity,
            "gravityDir": {"x": 0.0, "y": -1.0, "z": 0.0},
            "dragForce": drag,
            "center": -1,
            "hitRadius": hit,
            "bones": bones_.iter().map(|b| first_bone + b).collect::<Vec<_>>(),
            "colliderGroups": [0, 1]
        })
    };
    let secondary = json!({
        "boneGroups": [
            group(vec![b::L_EAR0, b::L_EAR0 + b::EAR_RIGHT_OFFSET], 2.4, 0.03, 0.55, 0.02),
            group(vec![b::HAIR0], 0.9, 0.35, 0.45, 0.03)
        ],
        "colliderGroups": collider_groups
    });
    let curve =
        json!({"curve": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0], "xRange": 90.0, "yRange": 1.0});
    let vrm = json!({
        "exporterVersion": format!("Prism lumen generator {VERSION}"),
        "specVersion": "0.0",
        "meta": {
            "title": "Lumen",
            "version": VERSION.to_string(),
            "author": "Prism",
            "contactInformation": "",
            "reference": "",
            "allowedUserName": "Everyone",
            "violentUssageName": "Disallow",
            "sexualUssageName": "Disallow",
            "commercialUssageName": "Allow",
            "otherPermissionUrl": "",
            "licenseName": "CC0",
            "otherLicenseUrl": ""
        },
        "humanoid": {
            "humanBones": human_bones,
            "armStretch": 0.05, "legStretch": 0.05, "upperArmTwist": 0.5, "lowerArmTwist": 0.5,
            "upperLegTwist": 0.5, "lowerLegTwist": 0.5, "feetSpacing": 0.0, "hasTranslationDoF": false
        },
        "firstPerson": {
            "firstPersonBone": first_bone + b::HEAD,
            "firstPersonBoneOffset": {"x": 0.0, "y": 0.12, "z": 0.0},
            "meshAnnotations": [
                {"mesh": 0, "firstPersonFlag": "Auto"},
                {"mesh": 1, "firstPersonFlag": "ThirdPersonOnly"}
            ],
            "lookAtTypeName": "BlendShape",
            "lookAtHorizontalInner": curve, "lookAtHorizontalOuter": curve,
            "lookAtVerticalDown": curve, "lookAtVerticalUp": curve
        },
        "blendShapeMaster": {"blendShapeGroups": groups},
        "secondaryAnimation": secondary,
        "materialProperties": props
    });
    let json = json!({
        "asset": {"version": "2.0", "generator": format!("Prism lumen generator {VERSION}")},
        "extensionsUsed": ["VRM"],
        "scene": 0,
        "scenes": [{"name": "Lumen", "nodes": [0]}],
        "nodes": nodes,
        "skins": [skin],
        "meshes": meshes,
        "materials": materials,
        "extensions": {"VRM": vrm}
    });
    glb.finish(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avatar::{Avatar, LookAtKind, Preset, REQUIRED_BONES, Version};

    #[test]
    fn lumen_is_a_complete_vrm() {
        let a = Avatar::from_glb(&generate()).unwrap();
        assert_eq!(a.version, Version::Vrm0);
        assert_eq!(a.name, "Lumen");
        a.check_humanoid().unwrap();
        for bone in REQUIRED_BONES {
            assert!(a.bones.contains_key(bone), "{bone}");
        }
        assert!(a.unresolved.is_empty(), "{:?}", a.unresolved);
        for p in Preset::ALL {
            let e = a
                .expression(p.name())
                .unwrap_or_else(|| panic!("no {}", p.name()));
            assert!(
                !a.expressions[e].morph_binds.is_empty(),
                "{} is empty",
                p.name()
            );
        }
        assert_eq!(a.look_at, LookAtKind::Expression);
        assert!(a.spring_joints >= 3 && a.colliders >= 4);
        let s = a.skeleton();
        let springs = a.springs(&s);
        assert!(springs.joints.len() >= 8, "{}", springs.joints.len());
        assert!(springs.joints.iter().all(|j| j.colliders.len() == 4));
    }

    #[test]
    fn the_same_bytes_every_time() {
        assert_eq!(generate(), generate());
    }
}
