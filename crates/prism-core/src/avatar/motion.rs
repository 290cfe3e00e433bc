//! Body motion made from humanoid bones, playable on any avatar: the idle (relaxed arms,
//! breathing, weight shifts, a drifting head), talking, the gestures, and where the eyes
//! look (with saccades). All pure functions of time.
//!
//! Rotations are in the normalised humanoid space of VRM 1.0: T-pose at rest, the avatar
//! facing +Z, +X to its left, +Y up; each bone's rotation is in its parent's frame. The app
//! converts them to a file's own bone axes (and turns 0.x avatars, which face -Z).

use glam::{EulerRot, Quat, Vec2, Vec3};

use super::face::ease_cubic;

/// Degrees, X then Y then Z.
fn deg(x: f32, y: f32, z: f32) -> Quat {
    Quat::from_euler(
        EulerRot::XYZ,
        x.to_radians(),
        y.to_radians(),
        z.to_radians(),
    )
}

/// A body pose: bone (VRM 1.0 name) → rotation, and the hips' offset in metres.
#[derive(Debug, Clone, Default)]
pub struct Pose {
    pub bones: Vec<(&'static str, Quat)>,
    pub hips: Vec3,
}

impl Pose {
    pub fn get(&self, bone: &str) -> Quat {
        self.bones
            .iter()
            .find(|(b, _)| *b == bone)
            .map_or(Quat::IDENTITY, |(_, q)| *q)
    }

    pub fn set(&mut self, bone: &'static str, q: Quat) {
        match self.bones.iter_mut().find(|(b, _)| *b == bone) {
            Some((_, v)) => *v = q,
            None => self.bones.push((bone, q)),
        }
    }

    /// Blends towards `other` by `w` (0 = self, 1 = other), bone by bone.
    pub fn blend(&mut self, other: &Pose, w: f32) {
        for (bone, q) in &other.bones {
            let from = self.get(bone);
            self.set(bone, from.slerp(*q, w));
        }
        self.hips = self.hips.lerp(other.hips, w);
    }
}

fn wave(t: f32, period: f32) -> f32 {
    (t * std::f32::consts::TAU / period).sin()
}

/// Moving to music: `beats` counts beats (its fraction is the phase: 0 on the beat), and
/// `intensity` (0–1) follows the music's energy. The head nods down onto each beat, the body
/// dips with it, and the hips sway side to side over two beats, the chest answering them.
pub fn dance(beats: f32, intensity: f32) -> Pose {
    let mut p = Pose::default();
    let k = intensity.clamp(0.0, 1.0);
    let phase = beats.rem_euclid(1.0);
    // Sharp into the beat, easing out of it: the nod peaks on the beat.
    let hit = (1.0 - phase).powi(3);
    let sway = (beats * std::f32::consts::PI).sin();
    // Big enough to read at the mascot's size in a corner: about 17° of nod and 2 cm of dip
    // at full intensity.
    p.hips = Vec3::new(0.02 * k * sway, -0.02 * k * hit, 0.0);
    p.set("hips", deg(0.0, 0.0, 5.0 * k * sway));
    p.set("spine", deg(3.0 * k * hit, 0.0, -3.0 * k * sway));
    p.set("chest", deg(2.0 * k * hit, 0.0, -2.0 * k * sway));
    p.set("neck", deg(8.0 * k * hit, 0.0, 0.0));
    p.set("head", deg(9.0 * k * hit, 0.0, 4.0 * k * sway));
    // The arms swing with the hips.
    p.set("leftUpperArm", deg(0.0, 0.0, 6.0 * k * sway));
    p.set("rightUpperArm", deg(0.0, 0.0, 6.0 * k * sway));
    p
}

/// Standing at ease: arms down, breathing (4 s), a weight shift (9 s), the head drifting.
/// `talk` (0–1) adds the small head and hand motion of someone speaking.
pub fn idle(t: f32, talk: f32) -> Pose {
    let mut p = Pose::default();
    let breath = wave(t, 4.2);
    let shift = wave(t, 9.0);
    p.hips = Vec3::new(0.008 * shift, 0.002 * breath, 0.0);
    p.set("hips", deg(0.0, 2.0 * wave(t, 13.0), 1.5 * shift));
    p.set("spine", deg(1.0 + 0.6 * breath, 0.0, -1.2 * shift));
    p.set("chest", deg(-1.2 * breath, 0.0, -0.5 * shift));
    p.set("upperChest", deg(-0.8 * breath, 0.0, 0.0));
    let nod = talk * 3.0 * wave(t, 0.9) * wave(t, 2.3);
    p.set(
        "neck",
        deg(
            1.5 * wave(t, 7.0) + nod,
            3.0 * wave(t, 11.0),
            1.2 * wave(t, 8.3),
        ),
    );
    p.set(
        "head",
        deg(1.0 * wave(t, 5.0), 2.0 * wave(t, 6.1), 1.0 * wave(t, 9.7)),
    );
    let sh = 1.0 + 1.0 * breath;
    p.set("leftShoulder", deg(0.0, 0.0, sh));
    p.set("rightShoulder", deg(0.0, 0.0, -sh));
    let hand = talk * 8.0 * wave(t, 1.7);
    p.set(
        "leftUpperArm",
        deg(0.0, -6.0 - hand * 0.5, -68.0 + 1.5 * breath),
    );
    p.set(
        "rightUpperArm",
        deg(0.0, 6.0 + hand * 0.5, 68.0 - 1.5 * breath),
    );
    p.set("leftLowerArm", deg(0.0, -12.0 - hand, 0.0));
    p.set("rightLowerArm", deg(0.0, 12.0 + hand, 0.0));
    p.set("leftHand", deg(0.0, 0.0, -6.0));
    p.set("rightHand", deg(0.0, 0.0, 6.0));
    p
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gesture {
    Wave,
    Nod,
    Shake,
    ThumbsUp,
    Shrug,
    Clap,
    Cheer,
    LeanIn,
    StepBack,
}

impl Gesture {
    pub const ALL: [Gesture; 9] = [
        Gesture::Wave,
        Gesture::Nod,
        Gesture::Shake,
        Gesture::ThumbsUp,
        Gesture::Shrug,
        Gesture::Clap,
        Gesture::Cheer,
        Gesture::LeanIn,
        Gesture::StepBack,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Gesture::Wave => "wave",
            Gesture::Nod => "nod",
            Gesture::Shake => "shake",
            Gesture::ThumbsUp => "thumbs-up",
            Gesture::Shrug => "shrug",
            Gesture::Clap => "clap",
            Gesture::Cheer => "cheer",
            Gesture::LeanIn => "lean-in",
            Gesture::StepBack => "step-back",
        }
    }

    pub fn from_name(name: &str) -> Option<Gesture> {
        Gesture::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Seconds, blending in and out included.
    pub fn duration(self) -> f32 {
        match self {
            Gesture::Wave => 2.4,
            Gesture::Nod => 1.3,
            Gesture::Shake => 1.5,
            Gesture::ThumbsUp => 2.0,
            Gesture::Shrug => 1.8,
            Gesture::Clap => 2.2,
            Gesture::Cheer => 2.2,
            Gesture::LeanIn => 2.5,
            Gesture::StepBack => 2.0,
        }
    }

    /// The pose `s` seconds in, over `base` (the idle), with how much of it shows (0–1).
    pub fn pose(self, s: f32, base: &Pose) -> (Pose, f32) {
        let d = self.duration();
        let (blend_in, blend_out) = (0.3, 0.45);
        let w = if s < 0.0 || s > d {
            0.0
        } else {
            ease_cubic((s / blend_in).min(1.0)) * ease_cubic(((d - s) / blend_out).min(1.0))
        };
        let mut p = Pose::default();
        match self {
            Gesture::Wave => {
                let swing = 22.0 * wave(s, 0.55);
                p.set("rightUpperArm", deg(0.0, 15.0, -12.0));
                p.set("rightLowerArm", deg(0.0, 0.0, -62.0 + swing));
                p.set("rightHand", deg(0.0, 0.0, -10.0));
                p.set("head", base.get("head") * deg(0.0, 0.0, 6.0));
            }
            Gesture::Nod => {
                let n = 14.0 * wave(s, 0.55).max(-0.3);
                p.set("head", base.get("head") * deg(n, 0.0, 0.0));
                p.set("neck", base.get("neck") * deg(n * 0.4, 0.0, 0.0));
            }
            Gesture::Shake => {
                let n = 20.0 * wave(s, 0.5);
                p.set("head", base.get("head") * deg(0.0, n, 0.0));
                p.set("neck", base.get("neck") * deg(0.0, n * 0.3, 0.0));
            }
            Gesture::ThumbsUp => {
                p.set("rightUpperArm", deg(0.0, 55.0, 40.0));
                p.set("rightLowerArm", deg(0.0, 45.0, -35.0));
                p.set("rightHand", deg(-90.0, 0.0, 0.0));
                p.set("head", base.get("head") * deg(0.0, 0.0, -8.0));
            }
            Gesture::Shrug => {
                let up = ease_cubic((s / 0.6).min(1.0));
                p.set("leftShoulder", deg(0.0, 0.0, 14.0 * up));
                p.set("rightShoulder", deg(0.0, 0.0, -14.0 * up));
                p.set("leftUpperArm", deg(0.0, -20.0, -60.0));
                p.set("rightUpperArm", deg(0.0, 20.0, 60.0));
                p.set("leftLowerArm", deg(0.0, -60.0, 25.0));
                p.set("rightLowerArm", deg(0.0, 60.0, -25.0));
                p.set("leftHand", deg(80.0, 0.0, 0.0));
                p.set("rightHand", deg(80.0, 0.0, 0.0));
                p.set("head", base.get("head") * deg(0.0, 0.0, 10.0));
            }
            Gesture::Clap => {
                let c = 14.0 * (0.5 + 0.5 * wave(s, 0.36));
                p.set("leftUpperArm", deg(0.0, -62.0, -35.0));
                p.set("rightUpperArm", deg(0.0, 62.0, 35.0));
                p.set("leftLowerArm", deg(0.0, -48.0 + c, 0.0));
                p.set("rightLowerArm", deg(0.0, 48.0 - c, 0.0));
                p.set("leftHand", deg(-90.0, 0.0, 0.0));
                p.set("rightHand", deg(-90.0, 0.0, 0.0));
            }
            Gesture::Cheer => {
                let bounce = wave(s, 0.5).abs();
                p.set("leftUpperArm", deg(0.0, -10.0, 62.0));
                p.set("rightUpperArm", deg(0.0, 10.0, -62.0));
                p.set("leftLowerArm", deg(0.0, 0.0, 25.0 + 10.0 * bounce));
                p.set("rightLowerArm", deg(0.0, 0.0, -25.0 - 10.0 * bounce));
                p.set("head", base.get("head") * deg(-10.0, 0.0, 0.0));
                p.hips = base.hips + Vec3::new(0.0, 0.025 * bounce, 0.0);
            }
            Gesture::LeanIn => {
                p.set("spine", base.get("spine") * deg(10.0, 0.0, 0.0));
                p.set("chest", base.get("chest") * deg(8.0, 0.0, 0.0));
                p.set("head", base.get("head") * deg(-8.0, 0.0, 6.0));
                p.set("leftUpperArm", deg(0.0, -25.0, -70.0));
                p.set("rightUpperArm", deg(0.0, 25.0, 70.0));
                p.hips = base.hips + Vec3::new(0.0, 0.0, 0.03);
            }
            Gesture::StepBack => {
                p.set("spine", base.get("spine") * deg(-9.0, 0.0, 0.0));
                p.set("head", base.get("head") * deg(-6.0, 0.0, 0.0));
                p.set("leftUpperArm", deg(0.0, -45.0, -40.0));
                p.set("rightUpperArm", deg(0.0, 45.0, 40.0));
                p.set("leftLowerArm", deg(0.0, -70.0, 30.0));
                p.set("rightLowerArm", deg(0.0, 70.0, -30.0));
                p.set("leftUpperLeg", deg(-8.0, 0.0, 0.0));
                p.set("rightUpperLeg", deg(12.0, 0.0, 0.0));
                p.hips = base.hips + Vec3::new(0.0, -0.008, -0.07);
            }
        }
        if p.hips == Vec3::ZERO {
            p.hips = base.hips;
        }
        (p, w)
    }
}

/// Where the eyes look, in degrees (yaw + = to the avatar's left, pitch + = up), with
/// saccades: small quick jumps around the target every 0.4–2.5 s, the head following
/// slowly behind the eyes.
#[derive(Debug, Clone)]
pub struct Gaze {
    seed: u64,
    next_saccade: f32,
    offset: Vec2,
    /// Eye direction and head direction now.
    pub eyes: Vec2,
    pub head: Vec2,
}

impl Gaze {
    pub fn new(seed: u64) -> Gaze {
        Gaze {
            seed: seed | 1,
            next_saccade: 0.0,
            offset: Vec2::ZERO,
            eyes: Vec2::ZERO,
            head: Vec2::ZERO,
        }
    }

    fn rand(&mut self) -> f32 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Moves towards `target` (degrees) over a frame of `dt` seconds ending at time `t`.
    pub fn step(&mut self, target: Vec2, t: f32, dt: f32) {
        if t >= self.next_saccade {
            self.offset = Vec2::new(self.rand() * 7.0 - 3.5, self.rand() * 4.0 - 2.0);
            self.next_saccade = t + 0.4 + self.rand() * 2.1;
        }
        let want = target + self.offset;
        // Saccades take tens of milliseconds; the head takes a good part of a second.
        let k = |tau: f32| 1.0 - (-dt / tau).exp();
        self.eyes += (want - self.eyes) * k(0.035);
        self.head += (target - self.head) * k(0.35);
    }

    /// Eye rotation relative to the head, limited to what eyes do (±25° across, ±15° up/down).
    pub fn eyes_in_head(&self, head_share: f32) -> Vec2 {
        let e = self.eyes - self.head * head_share;
        Vec2::new(e.x.clamp(-25.0, 25.0), e.y.clamp(-15.0, 15.0))
    }

    /// lookLeft / lookRight / lookUp / lookDown weights for expression-type look-at.
    pub fn look_weights(&self, head_share: f32) -> [(&'static str, f32); 4] {
        let e = self.eyes_in_head(head_share);
        [
            ("lookLeft", (e.x / 25.0).clamp(0.0, 1.0)),
            ("lookRight", (-e.x / 25.0).clamp(0.0, 1.0)),
            ("lookUp", (e.y / 15.0).clamp(0.0, 1.0)),
            ("lookDown", (-e.y / 15.0).clamp(0.0, 1.0)),
        ]
    }
}

/// Head rotation for a gaze (degrees): yaw about Y, pitch about X (+ pitch = up, which is a
/// negative X rotation for a +Z-facing avatar).
pub fn look_rotation(yaw_pitch: Vec2) -> Quat {
    deg(-yaw_pitch.y, yaw_pitch.x, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gestures_blend_in_and_out_and_names_round_trip() {
        let base = idle(0.0, 0.0);
        for g in Gesture::ALL {
            assert_eq!(Gesture::from_name(g.name()), Some(g));
            let (_, w0) = g.pose(0.0, &base);
            let (p, mid) = g.pose(g.duration() / 2.0, &base);
            let (_, end) = g.pose(g.duration(), &base);
            assert!(
                w0 < 0.01 && end < 0.01 && mid > 0.99,
                "{g:?}: {w0} {mid} {end}"
            );
            assert!(!p.bones.is_empty());
        }
    }

    #[test]
    fn idle_arms_hang_down() {
        // The left upper arm points along +X at rest; relaxed, it points mostly down.
        let p = idle(1.0, 0.0);
        let arm = p.get("leftUpperArm") * Vec3::X;
        assert!(arm.y < -0.85, "{arm}");
        let arm = p.get("rightUpperArm") * -Vec3::X;
        assert!(arm.y < -0.85, "{arm}");
    }

    #[test]
    fn a_raised_wave_hand_is_above_the_shoulder() {
        let (p, _) = Gesture::Wave.pose(1.0, &idle(1.0, 0.0));
        // Right arm: upper then lower, from the shoulder outwards along -X.
        let upper = p.get("rightUpperArm");
        let elbow = upper * (-Vec3::X * 0.12);
        let hand = elbow + upper * p.get("rightLowerArm") * (-Vec3::X * 0.11);
        assert!(hand.y > 0.1, "{hand}");
    }

    #[test]
    fn saccades_jump_and_the_head_follows_slowly() {
        let mut g = Gaze::new(7);
        let target = Vec2::new(20.0, 0.0);
        let mut t = 0.0;
        for _ in 0..6 {
            t += 1.0 / 60.0;
            g.step(target, t, 1.0 / 60.0);
        }
        // A tenth of a second in, the eyes are nearly there and the head only on its way.
        assert!((g.eyes.x - 20.0).abs() < 5.0, "{}", g.eyes);
        assert!(g.head.x > 2.0 && g.head.x < 10.0, "{}", g.head);
        let w = g.look_weights(0.0);
        assert!(w[0].1 > 0.5 && w[1].1 == 0.0);
    }

    #[test]
    fn the_dance_nods_on_the_beat_and_stops_with_the_music() {
        let pitch = |p: &Pose| p.get("head").to_euler(EulerRot::XYZ).0.to_degrees();
        // On the beat the nod is at its deepest; half a beat later it has eased off.
        assert!(pitch(&dance(4.0, 1.0)) > 5.0);
        assert!(pitch(&dance(4.5, 1.0)) < pitch(&dance(4.0, 1.0)) / 6.0);
        // The sway goes one way, then the other, over two beats.
        let roll = |b: f32| dance(b, 1.0).hips.x;
        assert!(roll(0.5) > 0.01 && roll(1.5) < -0.01);
        // No music, no dance.
        let still = dance(4.0, 0.0);
        assert!(
            still
                .bones
                .iter()
                .all(|(_, q)| q.angle_between(Quat::IDENTITY) < 1e-4)
        );
        assert_eq!(still.hips, Vec3::ZERO);
    }
}
