//! VRM expressions as the VRM 1.0 specification defines them (`VRMC_vrm.expressions`): presets
//! and custom expressions, `isBinary`, and `overrideBlink` / `overrideLookAt` / `overrideMouth`
//! (none / block / blend), then the binds (morph targets, material colours, texture transforms)
//! accumulated the way the specification's update algorithm says. VRM 0.x blend-shape groups
//! map onto the same model (`a`→`aa` … `joy`→`happy`, weights 0–100 → 0–1).

/// The preset expressions of VRM 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    Happy,
    Angry,
    Sad,
    Relaxed,
    Surprised,
    Aa,
    Ih,
    Ou,
    Ee,
    Oh,
    Blink,
    BlinkLeft,
    BlinkRight,
    LookUp,
    LookDown,
    LookLeft,
    LookRight,
    Neutral,
}

/// The procedural groups an expression can override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Blink,
    LookAt,
    Mouth,
}

impl Preset {
    pub const ALL: [Preset; 18] = [
        Preset::Happy,
        Preset::Angry,
        Preset::Sad,
        Preset::Relaxed,
        Preset::Surprised,
        Preset::Aa,
        Preset::Ih,
        Preset::Ou,
        Preset::Ee,
        Preset::Oh,
        Preset::Blink,
        Preset::BlinkLeft,
        Preset::BlinkRight,
        Preset::LookUp,
        Preset::LookDown,
        Preset::LookLeft,
        Preset::LookRight,
        Preset::Neutral,
    ];

    /// The VRM 1.0 name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Happy => "happy",
            Preset::Angry => "angry",
            Preset::Sad => "sad",
            Preset::Relaxed => "relaxed",
            Preset::Surprised => "surprised",
            Preset::Aa => "aa",
            Preset::Ih => "ih",
            Preset::Ou => "ou",
            Preset::Ee => "ee",
            Preset::Oh => "oh",
            Preset::Blink => "blink",
            Preset::BlinkLeft => "blinkLeft",
            Preset::BlinkRight => "blinkRight",
            Preset::LookUp => "lookUp",
            Preset::LookDown => "lookDown",
            Preset::LookLeft => "lookLeft",
            Preset::LookRight => "lookRight",
            Preset::Neutral => "neutral",
        }
    }

    /// A VRM 1.0 preset name.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// A VRM 0.x `presetName` (case-insensitive, as exporters vary): the vowels, `joy`,
    /// `sorrow` and `fun` were renamed in 1.0; `unknown` is not a preset.
    pub fn from_vrm0(name: &str) -> Option<Preset> {
        Some(match name.to_ascii_lowercase().as_str() {
            "a" => Preset::Aa,
            "i" => Preset::Ih,
            "u" => Preset::Ou,
            "e" => Preset::Ee,
            "o" => Preset::Oh,
            "joy" => Preset::Happy,
            "angry" => Preset::Angry,
            "sorrow" => Preset::Sad,
            "fun" => Preset::Relaxed,
            "surprised" => Preset::Surprised,
            "blink" => Preset::Blink,
            "blink_l" => Preset::BlinkLeft,
            "blink_r" => Preset::BlinkRight,
            "lookup" => Preset::LookUp,
            "lookdown" => Preset::LookDown,
            "lookleft" => Preset::LookLeft,
            "lookright" => Preset::LookRight,
            "neutral" => Preset::Neutral,
            _ => return None,
        })
    }

    /// The procedural group this preset belongs to, if any.
    pub fn category(self) -> Option<Category> {
        match self {
            Preset::Aa | Preset::Ih | Preset::Ou | Preset::Ee | Preset::Oh => Some(Category::Mouth),
            Preset::Blink | Preset::BlinkLeft | Preset::BlinkRight => Some(Category::Blink),
            Preset::LookUp | Preset::LookDown | Preset::LookLeft | Preset::LookRight => {
                Some(Category::LookAt)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Override {
    #[default]
    None,
    /// The targets go to 0 while this expression's weight is above 0.
    Block,
    /// The targets are attenuated by this expression's weight.
    Blend,
}

impl Override {
    pub fn parse(s: &str) -> Override {
        match s {
            "block" => Override::Block,
            "blend" => Override::Blend,
            _ => Override::None,
        }
    }
}

/// A morph target of a node's mesh, driven by an expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorphBind {
    /// glTF node index (0.x binds name a mesh; the loader resolves them to its nodes).
    pub node: usize,
    /// Morph target index.
    pub index: usize,
    /// Morph weight at full expression, 0–1.
    pub weight: f32,
}

/// Which colour of a material a colour bind changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorKind {
    Color,
    EmissionColor,
    ShadeColor,
    MatcapColor,
    RimColor,
    OutlineColor,
}

impl ColorKind {
    pub fn parse(s: &str) -> Option<ColorKind> {
        Some(match s {
            "color" => ColorKind::Color,
            "emissionColor" => ColorKind::EmissionColor,
            "shadeColor" => ColorKind::ShadeColor,
            "matcapColor" => ColorKind::MatcapColor,
            "rimColor" => ColorKind::RimColor,
            "outlineColor" => ColorKind::OutlineColor,
            _ => return None,
        })
    }
    /// A VRM 0.x material property name (MToon's shader properties).
    pub fn from_vrm0(s: &str) -> Option<ColorKind> {
        Some(match s {
            "_Color" => ColorKind::Color,
            "_EmissionColor" => ColorKind::EmissionColor,
            "_ShadeColor" => ColorKind::ShadeColor,
            "_RimColor" => ColorKind::RimColor,
            "_OutlineColor" => ColorKind::OutlineColor,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorBind {
    pub material: usize,
    pub kind: ColorKind,
    pub target: [f32; 4],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextureBind {
    pub material: usize,
    pub scale: [f32; 2],
    pub offset: [f32; 2],
}

/// One expression of an avatar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expression {
    /// The 1.0 name for presets, else the custom name.
    pub name: String,
    pub preset: Option<Preset>,
    pub is_binary: bool,
    pub override_blink: Override,
    pub override_look_at: Override,
    pub override_mouth: Override,
    pub morph_binds: Vec<MorphBind>,
    pub color_binds: Vec<ColorBind>,
    pub texture_binds: Vec<TextureBind>,
}

impl Expression {
    fn overrides(&self, c: Category) -> Override {
        match c {
            Category::Blink => self.override_blink,
            Category::LookAt => self.override_look_at,
            Category::Mouth => self.override_mouth,
        }
    }
    fn category(&self) -> Option<Category> {
        self.preset.and_then(Preset::category)
    }
}

/// The output weight of every expression for the input weights (same order), by the
/// specification's rules:
/// 1. inputs are clamped to [0, 1]; `isBinary` expressions output 1 above 0.5, else 0;
/// 2. for each procedural group, the expressions outside it (with a weight above 0) that
///    `block` it set its factor to 0, those that `blend` it subtract their weights
///    (`factor = 1 - saturate(sum)`); an expression's override of its own group is ignored;
/// 3. a group's expressions are multiplied by its factor, and a binary one that is affected
///    at all (factor below 1) is suppressed completely.
///
/// The overriding side uses its binary output, so a binary `happy` at 0.4 does not suppress
/// `blink`. Custom expressions override but are not overridden (the specification leaves it
/// to the application; VRM presets are what procedural drivers write).
pub fn evaluate(expressions: &[Expression], input: &[f32]) -> Vec<f32> {
    let w: Vec<f32> = expressions
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let v = input.get(i).copied().unwrap_or(0.0);
            let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
            if e.is_binary {
                if v > 0.5 { 1.0 } else { 0.0 }
            } else {
                v
            }
        })
        .collect();
    let factor = |c: Category| {
        let mut blend = 0.0f32;
        for (e, &v) in expressions.iter().zip(&w) {
            if v <= 0.0 || e.category() == Some(c) {
                continue;
            }
            match e.overrides(c) {
                Override::Block => return 0.0,
                Override::Blend => blend += v,
                Override::None => {}
            }
        }
        1.0 - blend.clamp(0.0, 1.0)
    };
    let factors = [
        factor(Category::Blink),
        factor(Category::LookAt),
        factor(Category::Mouth),
    ];
    expressions
        .iter()
        .zip(&w)
        .map(|(e, &v)| match e.category() {
            None => v,
            Some(c) => {
                let f = factors[c as usize];
                if e.is_binary && f < 1.0 { 0.0 } else { v * f }
            }
        })
        .collect()
}

/// What the binds make of the output weights: per morph target, per material colour and per
/// material texture transform. Colours and transforms start from the material's own values
/// (`base`) and add `(target - base) * weight` for each bind, as the specification says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    /// ((node, morph index), weight), each pair once.
    pub morphs: Vec<((usize, usize), f32)>,
    pub colors: Vec<((usize, ColorKind), [f32; 4])>,
    pub textures: Vec<(usize, Transform)>,
}

/// A texture transform: (scale, offset).
pub type Transform = ([f32; 2], [f32; 2]);

/// The material values expressions start from, asked for by material and kind.
pub trait Bases {
    fn color(&self, material: usize, kind: ColorKind) -> [f32; 4];
    /// (scale, offset)
    fn texture(&self, material: usize) -> Transform;
}

pub fn apply(expressions: &[Expression], output: &[f32], bases: &dyn Bases) -> Applied {
    let mut a = Applied::default();
    for (e, &w) in expressions.iter().zip(output) {
        for b in &e.morph_binds {
            let key = (b.node, b.index);
            match a.morphs.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v += b.weight * w,
                None => a.morphs.push((key, b.weight * w)),
            }
        }
        for b in &e.color_binds {
            let key = (b.material, b.kind);
            let base = bases.color(b.material, b.kind);
            let slot = match a.colors.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    a.colors.push((key, base));
                    a.colors.len() - 1
                }
            };
            for ((v, t), b0) in a.colors[slot].1.iter_mut().zip(b.target).zip(base) {
                *v += (t - b0) * w;
            }
        }
        for b in &e.texture_binds {
            let (bs, bo) = bases.texture(b.material);
            let slot = match a.textures.iter().position(|(m, _)| *m == b.material) {
                Some(i) => i,
                None => {
                    a.textures.push((b.material, (bs, bo)));
                    a.textures.len() - 1
                }
            };
            let (s, o) = &mut a.textures[slot].1;
            for c in 0..2 {
                s[c] += (b.scale[c] - bs[c]) * w;
                o[c] += (b.offset[c] - bo[c]) * w;
            }
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(preset: Preset) -> Expression {
        Expression {
            name: preset.name().into(),
            preset: Some(preset),
            ..Default::default()
        }
    }

    #[test]
    fn block_zeroes_the_group_while_the_overrider_is_on() {
        let mut happy = ex(Preset::Happy);
        happy.override_blink = Override::Block;
        let set = [happy, ex(Preset::Blink), ex(Preset::Aa)];
        assert_eq!(evaluate(&set, &[0.01, 1.0, 1.0]), vec![0.01, 0.0, 1.0]);
        assert_eq!(evaluate(&set, &[0.0, 1.0, 1.0]), vec![0.0, 1.0, 1.0]);
    }

    #[test]
    fn blend_attenuates_by_the_sum_of_overriders() {
        let mut happy = ex(Preset::Happy);
        happy.override_mouth = Override::Blend;
        let mut sad = ex(Preset::Sad);
        sad.override_mouth = Override::Blend;
        let set = [happy, sad, ex(Preset::Oh)];
        let out = evaluate(&set, &[0.3, 0.2, 0.8]);
        assert!((out[2] - 0.8 * 0.5).abs() < 1e-6, "{out:?}");
        // Saturated: never negative.
        assert_eq!(evaluate(&set, &[0.9, 0.9, 0.8])[2], 0.0);
    }

    #[test]
    fn a_group_does_not_override_itself() {
        let mut blink = ex(Preset::Blink);
        blink.override_blink = Override::Block;
        let set = [blink, ex(Preset::BlinkLeft)];
        assert_eq!(evaluate(&set, &[1.0, 1.0]), vec![1.0, 1.0]);
    }

    #[test]
    fn binary_overrider_uses_its_binary_output() {
        // The spec's example: binary happy blending blink suppresses it only above 0.5.
        let mut happy = ex(Preset::Happy);
        happy.is_binary = true;
        happy.override_blink = Override::Blend;
        let set = [happy, ex(Preset::Blink)];
        assert_eq!(evaluate(&set, &[0.4, 1.0]), vec![0.0, 1.0]);
        assert_eq!(evaluate(&set, &[0.6, 1.0]), vec![1.0, 0.0]);
    }

    #[test]
    fn binary_overridden_is_suppressed_by_any_effect() {
        let mut happy = ex(Preset::Happy);
        happy.override_blink = Override::Blend;
        let mut blink = ex(Preset::Blink);
        blink.is_binary = true;
        let set = [happy, blink];
        assert_eq!(evaluate(&set, &[0.0, 0.7]), vec![0.0, 1.0]);
        assert_eq!(evaluate(&set, &[0.1, 0.7]), vec![0.1, 0.0]);
        assert_eq!(evaluate(&set, &[0.1, 0.4]), vec![0.1, 0.0]);
    }

    #[test]
    fn inputs_are_clamped() {
        let set = [ex(Preset::Aa)];
        assert_eq!(evaluate(&set, &[1.7]), vec![1.0]);
        assert_eq!(evaluate(&set, &[-0.2]), vec![0.0]);
        assert_eq!(evaluate(&set, &[f32::NAN]), vec![0.0]);
    }

    #[test]
    fn vrm0_presets_map_to_1_0_names() {
        for (old, new) in [
            ("a", "aa"),
            ("i", "ih"),
            ("u", "ou"),
            ("e", "ee"),
            ("o", "oh"),
            ("joy", "happy"),
            ("sorrow", "sad"),
            ("fun", "relaxed"),
            ("Blink_L", "blinkLeft"),
            ("LOOKUP", "lookUp"),
        ] {
            assert_eq!(Preset::from_vrm0(old).map(Preset::name), Some(new), "{old}");
        }
        assert_eq!(Preset::from_vrm0("unknown"), None);
    }

    struct Base;
    impl Bases for Base {
        fn color(&self, _: usize, _: ColorKind) -> [f32; 4] {
            [1.0, 1.0, 1.0, 1.0]
        }
        fn texture(&self, _: usize) -> ([f32; 2], [f32; 2]) {
            ([1.0, 1.0], [0.0, 0.0])
        }
    }

    #[test]
    fn binds_accumulate_from_the_base() {
        let mut a = ex(Preset::Aa);
        a.morph_binds.push(MorphBind {
            node: 3,
            index: 1,
            weight: 0.5,
        });
        a.color_binds.push(ColorBind {
            material: 0,
            kind: ColorKind::Color,
            target: [0.0, 1.0, 1.0, 1.0],
        });
        let mut b = ex(Preset::Oh);
        b.morph_binds.push(MorphBind {
            node: 3,
            index: 1,
            weight: 1.0,
        });
        b.texture_binds.push(TextureBind {
            material: 0,
            scale: [0.5, 0.5],
            offset: [0.5, 0.0],
        });
        let out = apply(&[a, b], &[1.0, 0.5], &Base);
        assert_eq!(out.morphs, vec![((3, 1), 1.0)]);
        assert_eq!(
            out.colors,
            vec![((0, ColorKind::Color), [0.0, 1.0, 1.0, 1.0])]
        );
        assert_eq!(out.textures, vec![(0, ([0.75, 0.75], [0.25, 0.0]))]);
    }
}
