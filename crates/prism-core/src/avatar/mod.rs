//! Avatars: what Prism needs to know about a VRM file (0.x or 1.0) beyond its glTF meshes —
//! the humanoid skeleton, the expressions with their binds, the look-at type and the spring
//! bones — read from the file's JSON into one model, whatever the version. The renderer loads
//! the meshes; this says which node is the head and what `happy` moves.

pub mod expression;
pub mod face;
pub mod glb;
pub mod lumen;
pub mod motion;
pub mod skeleton;
pub mod spring;
pub mod vrma;

use std::collections::HashMap;

use serde_json::Value;

use expression::{ColorBind, ColorKind, MorphBind, Override, TextureBind};
pub use expression::{Expression, Preset};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AvatarError {
    #[error("not a VRM file: {0}")]
    NotGlb(&'static str),
    #[error("the file's glTF JSON is broken: {0}")]
    Json(String),
    #[error("a glTF model, but not a VRM avatar (no VRM or VRMC_vrm extension)")]
    NotVrm,
    #[error("the avatar has no {0} bone, which every VRM humanoid needs")]
    MissingBone(&'static str),
    #[error("the humanoid's {0} bone is node {1}, which the file does not have")]
    BadBone(String, usize),
    #[error("the humanoid's {0} and {1} bones are the same node ({2}); each bone needs its own")]
    SharedBone(String, String, usize),
    #[error("the file has no meshes: there is nothing to show")]
    NoMeshes,
    #[error("the file needs the glTF extension {0}, which Prism cannot read{1}")]
    RequiredExtension(String, &'static str),
}

/// glTF extensions a file may require that Prism reads (Bevy's glTF loader and the VRM
/// ones); anything else a file marks required cannot be shown right, so it is refused.
const READABLE_EXTENSIONS: &[&str] = &[
    "KHR_materials_unlit",
    "KHR_texture_transform",
    "KHR_materials_emissive_strength",
    "KHR_lights_punctual",
    "KHR_materials_ior",
    "KHR_materials_specular",
    "KHR_materials_transmission",
    "KHR_materials_volume",
    "KHR_materials_clearcoat",
    "KHR_materials_anisotropy",
    "KHR_mesh_quantization",
    "VRM",
    "VRMC_vrm",
    "VRMC_springBone",
    "VRMC_materials_mtoon",
    "VRMC_node_constraint",
    "VRMC_materials_hdr_emissiveMultiplier",
];

/// What to do about a required extension Prism lacks.
fn extension_hint(name: &str) -> &'static str {
    match name {
        "KHR_draco_mesh_compression" | "EXT_meshopt_compression" => {
            " (compressed meshes): export the avatar again without mesh compression"
        }
        "KHR_texture_basisu" | "EXT_texture_webp" | "EXT_texture_avif" => {
            " (its textures' format): export the textures as PNG or JPEG"
        }
        _ => "",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Vrm0,
    Vrm1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookAtKind {
    Bone,
    Expression,
}

/// A VRM avatar's description.
#[derive(Debug, Clone)]
pub struct Avatar {
    pub version: Version,
    pub name: String,
    /// Humanoid bone (VRM 1.0 name) → glTF node.
    pub bones: HashMap<String, usize>,
    pub expressions: Vec<Expression>,
    pub look_at: LookAtKind,
    /// Spring-bone chains (joints) and colliders, counted.
    pub spring_joints: usize,
    pub colliders: usize,
    /// Binds that point at nothing (a node without that morph, an unknown material): each
    /// named once. Such binds are dropped, the rest of the expression still works.
    pub unresolved: Vec<String>,
    pub node_count: usize,
    json: Value,
    bin: Vec<u8>,
}

/// Bones every VRM humanoid has (VRM 1.0, humanoid.md: required).
pub const REQUIRED_BONES: [&str; 15] = [
    "hips",
    "spine",
    "head",
    "leftUpperLeg",
    "leftLowerLeg",
    "leftFoot",
    "rightUpperLeg",
    "rightLowerLeg",
    "rightFoot",
    "leftUpperArm",
    "leftLowerArm",
    "leftHand",
    "rightUpperArm",
    "rightLowerArm",
    "rightHand",
];

/// Splits a GLB into its JSON and binary chunks.
pub fn split_glb(bytes: &[u8]) -> Result<(&[u8], &[u8]), AvatarError> {
    let u32_at = |o: usize| -> Option<usize> {
        Some(u32::from_le_bytes(bytes.get(o..o + 4)?.try_into().ok()?) as usize)
    };
    if bytes.get(..4) != Some(b"glTF") {
        return Err(AvatarError::NotGlb("it does not start like a glTF binary"));
    }
    if u32_at(4) != Some(2) {
        return Err(AvatarError::NotGlb("only glTF 2.0 binaries are VRM"));
    }
    let json_len = u32_at(12).ok_or(AvatarError::NotGlb("truncated header"))?;
    if bytes.get(16..20) != Some(b"JSON") {
        return Err(AvatarError::NotGlb("the first chunk is not JSON"));
    }
    let json = bytes
        .get(20..20 + json_len)
        .ok_or(AvatarError::NotGlb("truncated JSON chunk"))?;
    let bin = match u32_at(20 + json_len) {
        Some(n) if bytes.get(24 + json_len..28 + json_len) == Some(b"BIN\0") => bytes
            .get(28 + json_len..28 + json_len + n)
            .ok_or(AvatarError::NotGlb("truncated binary chunk"))?,
        _ => &[],
    };
    Ok((json, bin))
}

fn f32_of(v: &Value) -> Option<f32> {
    v.as_f64().map(|f| f as f32)
}

fn arr<const N: usize>(v: &Value, default: [f32; N]) -> [f32; N] {
    let mut out = default;
    if let Some(a) = v.as_array() {
        for (o, x) in out.iter_mut().zip(a) {
            if let Some(f) = f32_of(x) {
                *o = f;
            }
        }
    }
    out
}

/// VRM 0.x thumb bones were renamed in 1.0 (a metacarpal was added below them).
fn bone_name_1_0(name: &str) -> String {
    let renamed = [
        ("ThumbProximal", "ThumbMetacarpal"),
        ("ThumbIntermediate", "ThumbProximal"),
    ];
    for (old, new) in renamed {
        if let Some(side) = name.strip_suffix(old) {
            return format!("{side}{new}");
        }
    }
    name.to_owned()
}

impl Avatar {
    pub fn from_glb(bytes: &[u8]) -> Result<Avatar, AvatarError> {
        let (json, bin) = split_glb(bytes)?;
        let json: Value =
            serde_json::from_slice(json).map_err(|e| AvatarError::Json(e.to_string()))?;
        // What the file says a reader must understand comes first: without it nothing else in
        // the file can be trusted to mean what it says.
        for e in json["extensionsRequired"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !READABLE_EXTENSIONS.contains(&e) {
                let name: String = e.chars().take(64).filter(|c| !c.is_control()).collect();
                return Err(AvatarError::RequiredExtension(name, extension_hint(e)));
            }
        }
        if json["meshes"].as_array().is_none_or(Vec::is_empty) {
            return Err(AvatarError::NoMeshes);
        }
        let ext = &json["extensions"];
        let (version, mut a) = if ext["VRMC_vrm"].is_object() {
            (Version::Vrm1, Self::read_1_0(&json))
        } else if ext["VRM"].is_object() {
            (Version::Vrm0, Self::read_0_x(&json))
        } else {
            return Err(AvatarError::NotVrm);
        };
        a.version = version;
        a.node_count = json["nodes"].as_array().map_or(0, Vec::len);
        // Bones that point past the nodes, or two bones on one node: the skeleton is broken
        // and animating it would move the wrong things (or nothing).
        let mut bones: Vec<(&String, &usize)> = a.bones.iter().collect();
        bones.sort();
        if let Some(&(name, &n)) = bones.iter().find(|(_, n)| **n >= a.node_count) {
            return Err(AvatarError::BadBone(name.clone(), n));
        }
        for (i, (name, n)) in bones.iter().enumerate() {
            if let Some((other, _)) = bones[i + 1..].iter().find(|(_, m)| m == n) {
                return Err(AvatarError::SharedBone(
                    (*name).clone(),
                    (*other).clone(),
                    **n,
                ));
            }
        }
        a.json = json;
        a.bin = bin.to_vec();
        a.resolve();
        Ok(a)
    }

    /// The file's materials, and how many of them are MToon (VRM's toon shader).
    pub fn materials(&self) -> (usize, usize) {
        let all = self.json["materials"].as_array().map_or(0, Vec::len);
        let mtoon = match self.version {
            Version::Vrm1 => self.json["materials"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["extensions"]["VRMC_materials_mtoon"].is_object())
                .count(),
            Version::Vrm0 => self.json["extensions"]["VRM"]["materialProperties"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["shader"].as_str() == Some("VRM/MToon"))
                .count(),
        };
        (all, mtoon)
    }

    /// The spring bones as Prism simulates them (VRM 1.0's chains, or 0.x's bone groups
    /// walked down their children): the joints and the colliders.
    pub fn spring_counts(&self) -> (usize, usize) {
        let setup = self.springs(&skeleton::Skeleton::from_json(&self.json));
        (setup.joints.len(), setup.colliders.len())
    }

    /// The meshes and how many of them have morph targets (what expressions move).
    pub fn meshes(&self) -> (usize, usize) {
        let meshes = self.json["meshes"].as_array();
        let morphed = meshes
            .into_iter()
            .flatten()
            .filter(|m| {
                m["primitives"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["targets"].as_array().is_some_and(|t| !t.is_empty()))
            })
            .count();
        (meshes.map_or(0, Vec::len), morphed)
    }

    /// The humanoid bones the specification requires are there (the conformance test models
    /// have them too).
    pub fn check_humanoid(&self) -> Result<(), AvatarError> {
        match REQUIRED_BONES
            .iter()
            .find(|b| !self.bones.contains_key(**b))
        {
            Some(b) => Err(AvatarError::MissingBone(b)),
            None => Ok(()),
        }
    }

    fn empty() -> Avatar {
        Avatar {
            version: Version::Vrm1,
            name: String::new(),
            bones: HashMap::new(),
            expressions: Vec::new(),
            look_at: LookAtKind::Bone,
            spring_joints: 0,
            colliders: 0,
            unresolved: Vec::new(),
            node_count: 0,
            json: Value::Null,
            bin: Vec::new(),
        }
    }

    fn read_1_0(json: &Value) -> Avatar {
        let vrm = &json["extensions"]["VRMC_vrm"];
        let mut a = Avatar::empty();
        a.name = vrm["meta"]["name"].as_str().unwrap_or_default().to_owned();
        if let Some(bones) = vrm["humanoid"]["humanBones"].as_object() {
            for (name, b) in bones {
                if let Some(n) = b["node"].as_u64() {
                    a.bones.insert(name.clone(), n as usize);
                }
            }
        }
        let read = |name: &str, preset: Option<Preset>, e: &Value| Expression {
            name: name.to_owned(),
            preset,
            is_binary: e["isBinary"].as_bool().unwrap_or(false),
            override_blink: Override::parse(e["overrideBlink"].as_str().unwrap_or("")),
            override_look_at: Override::parse(e["overrideLookAt"].as_str().unwrap_or("")),
            override_mouth: Override::parse(e["overrideMouth"].as_str().unwrap_or("")),
            morph_binds: e["morphTargetBinds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| {
                    Some(MorphBind {
                        node: b["node"].as_u64()? as usize,
                        index: b["index"].as_u64()? as usize,
                        weight: f32_of(&b["weight"]).unwrap_or(1.0),
                    })
                })
                .collect(),
            color_binds: e["materialColorBinds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| {
                    Some(ColorBind {
                        material: b["material"].as_u64()? as usize,
                        kind: ColorKind::parse(b["type"].as_str()?)?,
                        target: arr(&b["targetValue"], [0.0; 4]),
                    })
                })
                .collect(),
            texture_binds: e["textureTransformBinds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| {
                    Some(TextureBind {
                        material: b["material"].as_u64()? as usize,
                        scale: arr(&b["scale"], [1.0, 1.0]),
                        offset: arr(&b["offset"], [0.0, 0.0]),
                    })
                })
                .collect(),
        };
        let exprs = &vrm["expressions"];
        if let Some(p) = exprs["preset"].as_object() {
            for (name, e) in p {
                if let Some(preset) = Preset::from_name(name) {
                    a.expressions.push(read(name, Some(preset), e));
                }
            }
        }
        if let Some(c) = exprs["custom"].as_object() {
            for (name, e) in c {
                // Custom names may not shadow presets (the specification forbids it).
                if Preset::from_name(name).is_none() {
                    a.expressions.push(read(name, None, e));
                }
            }
        }
        a.look_at = match vrm["lookAt"]["type"].as_str() {
            Some("expression") => LookAtKind::Expression,
            _ => LookAtKind::Bone,
        };
        let spring = &json["extensions"]["VRMC_springBone"];
        a.spring_joints = spring["springs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["joints"].as_array().map_or(0, Vec::len))
            .sum();
        a.colliders = spring["colliders"].as_array().map_or(0, Vec::len);
        a
    }

    fn read_0_x(json: &Value) -> Avatar {
        let vrm = &json["extensions"]["VRM"];
        let mut a = Avatar::empty();
        a.name = vrm["meta"]["title"].as_str().unwrap_or_default().to_owned();
        for b in vrm["humanoid"]["humanBones"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let (Some(name), Some(n)) = (b["bone"].as_str(), b["node"].as_u64()) {
                a.bones.insert(bone_name_1_0(name), n as usize);
            }
        }
        // 0.x binds name meshes; 1.0 names nodes: every node showing that mesh is bound.
        let nodes_of_mesh = |mesh: u64| -> Vec<usize> {
            json["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter(|(_, n)| n["mesh"].as_u64() == Some(mesh))
                .map(|(i, _)| i)
                .collect()
        };
        let material_index = |name: &str| -> Option<usize> {
            json["materials"]
                .as_array()?
                .iter()
                .position(|m| m["name"].as_str() == Some(name))
        };
        for g in vrm["blendShapeMaster"]["blendShapeGroups"]
            .as_array()
            .into_iter()
            .flatten()
        {
            // 0.x has no "surprised" preset; avatars carry it as a custom group of that name,
            // which 1.0 exporters map onto the preset.
            let preset = g["presetName"]
                .as_str()
                .and_then(Preset::from_vrm0)
                .or_else(|| {
                    let name = g["name"].as_str()?.to_ascii_lowercase();
                    (name == "surprised").then_some(Preset::Surprised)
                });
            let name = match preset {
                Some(p) => p.name().to_owned(),
                None => g["name"].as_str().unwrap_or("unnamed").to_owned(),
            };
            // A 0.x file can list a preset twice; the first one wins, as in UniVRM.
            if a.expressions.iter().any(|e| e.name == name) {
                continue;
            }
            let mut e = Expression {
                name,
                preset,
                is_binary: g["isBinary"].as_bool().unwrap_or(false),
                ..Default::default()
            };
            for b in g["binds"].as_array().into_iter().flatten() {
                let (Some(mesh), Some(index)) = (b["mesh"].as_u64(), b["index"].as_u64()) else {
                    continue;
                };
                let weight = f32_of(&b["weight"]).unwrap_or(100.0) / 100.0;
                let nodes = nodes_of_mesh(mesh);
                if nodes.is_empty() {
                    a.unresolved
                        .push(format!("{}: mesh {mesh} is not in the scene", e.name));
                }
                for node in nodes {
                    e.morph_binds.push(MorphBind {
                        node,
                        index: index as usize,
                        weight,
                    });
                }
            }
            for m in g["materialValues"].as_array().into_iter().flatten() {
                let (Some(mat), Some(prop)) =
                    (m["materialName"].as_str(), m["propertyName"].as_str())
                else {
                    continue;
                };
                let Some(material) = material_index(mat) else {
                    a.unresolved
                        .push(format!("{}: no material named {mat:?}", e.name));
                    continue;
                };
                let v = arr(&m["targetValue"], [0.0; 4]);
                if prop == "_MainTex_ST" {
                    // Unity's scale-and-offset vector: (scale x, scale y, offset x, offset y).
                    e.texture_binds.push(TextureBind {
                        material,
                        scale: [v[0], v[1]],
                        offset: [v[2], v[3]],
                    });
                } else if let Some(kind) = ColorKind::from_vrm0(prop) {
                    e.color_binds.push(ColorBind {
                        material,
                        kind,
                        target: v,
                    });
                }
            }
            a.expressions.push(e);
        }
        a.look_at = match vrm["firstPerson"]["lookAtTypeName"].as_str() {
            Some("BlendShape") => LookAtKind::Expression,
            _ => LookAtKind::Bone,
        };
        let sec = &vrm["secondaryAnimation"];
        a.spring_joints = sec["boneGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| g["bones"].as_array().map_or(0, Vec::len))
            .sum();
        a.colliders = sec["colliderGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| g["colliders"].as_array().map_or(0, Vec::len))
            .sum();
        a
    }

    /// Morph target count of a node's mesh (0 without a mesh).
    pub fn morph_targets(&self, node: usize) -> usize {
        let Some(mesh) = self.json["nodes"][node]["mesh"].as_u64() else {
            return 0;
        };
        self.json["meshes"][mesh as usize]["primitives"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["targets"].as_array().map_or(0, Vec::len))
            .max()
            .unwrap_or(0)
    }

    fn material_count(&self) -> usize {
        self.json["materials"].as_array().map_or(0, Vec::len)
    }

    /// Drops binds that point at nothing, noting each.
    fn resolve(&mut self) {
        let nodes = self.node_count;
        let materials = self.material_count();
        let morphs: Vec<usize> = (0..nodes).map(|n| self.morph_targets(n)).collect();
        let mut unresolved = std::mem::take(&mut self.unresolved);
        for e in &mut self.expressions {
            e.morph_binds.retain(|b| {
                let ok = b.node < nodes && b.index < morphs[b.node];
                if !ok {
                    unresolved.push(format!(
                        "{}: node {} has no morph target {}",
                        e.name, b.node, b.index
                    ));
                }
                ok
            });
            e.color_binds.retain(|b| {
                let ok = b.material < materials;
                if !ok {
                    unresolved.push(format!("{}: no material {}", e.name, b.material));
                }
                ok
            });
            e.texture_binds.retain(|b| {
                let ok = b.material < materials;
                if !ok {
                    unresolved.push(format!("{}: no material {}", e.name, b.material));
                }
                ok
            });
        }
        for (bone, &node) in &self.bones {
            if node >= nodes {
                unresolved.push(format!("bone {bone}: no node {node}"));
            }
        }
        self.bones.retain(|_, n| *n < nodes);
        self.unresolved = unresolved;
    }

    /// The node tree in its rest pose.
    pub fn skeleton(&self) -> skeleton::Skeleton {
        skeleton::Skeleton::from_json(&self.json)
    }

    /// The spring bones and colliders, whichever version declared them.
    pub fn springs(&self, skeleton: &skeleton::Skeleton) -> spring::Setup {
        spring::Setup::from_json(&self.json, skeleton)
    }

    /// The avatar's extent in the rest pose, from its meshes' position bounds: (min, max) in
    /// model space. Skinned meshes are in bind space, which is model space at rest.
    pub fn rest_bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        let sk = self.skeleton();
        let world = sk.world(&sk.rest);
        let mut lo = glam::Vec3::splat(f32::MAX);
        let mut hi = glam::Vec3::splat(f32::MIN);
        for (i, node) in self.json["nodes"].as_array()?.iter().enumerate() {
            let Some(mesh) = node["mesh"].as_u64() else {
                continue;
            };
            let to_model = if node["skin"].is_u64() {
                glam::Affine3A::IDENTITY
            } else {
                world[i]
            };
            for p in self.json["meshes"][mesh as usize]["primitives"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let Some(acc) = p["attributes"]["POSITION"].as_u64() else {
                    continue;
                };
                let acc = &self.json["accessors"][acc as usize];
                let (min, max) = (arr(&acc["min"], [0.0; 3]), arr(&acc["max"], [0.0; 3]));
                if acc["min"].is_null() {
                    continue;
                }
                for k in 0..8 {
                    let c = glam::Vec3::new(
                        if k & 1 == 0 { min[0] } else { max[0] },
                        if k & 2 == 0 { min[1] } else { max[1] },
                        if k & 4 == 0 { min[2] } else { max[2] },
                    );
                    let c = to_model.transform_point3(c);
                    lo = lo.min(c);
                    hi = hi.max(c);
                }
            }
        }
        (lo.x <= hi.x).then(|| (lo.to_array(), hi.to_array()))
    }

    pub fn expression(&self, name: &str) -> Option<usize> {
        self.expressions.iter().position(|e| e.name == name)
    }

    /// A material's base colour texture transform (KHR_texture_transform) as (scale, offset).
    pub fn texture_transform(&self, material: usize) -> ([f32; 2], [f32; 2]) {
        let t = &self.json["materials"][material]["pbrMetallicRoughness"]["baseColorTexture"]["extensions"]
            ["KHR_texture_transform"];
        (arr(&t["scale"], [1.0, 1.0]), arr(&t["offset"], [0.0, 0.0]))
    }

    /// A material's base colour factor.
    pub fn base_color(&self, material: usize) -> [f32; 4] {
        arr(
            &self.json["materials"][material]["pbrMetallicRoughness"]["baseColorFactor"],
            [1.0; 4],
        )
    }

    /// The encoded bytes (PNG/JPEG) of the image a material's base colour texture uses.
    pub fn base_color_image(&self, material: usize) -> Option<&[u8]> {
        let tex =
            self.json["materials"][material]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
                .as_u64()?;
        let image = self.json["textures"][tex as usize]["source"].as_u64()?;
        let view = self.json["images"][image as usize]["bufferView"].as_u64()?;
        let v = &self.json["bufferViews"][view as usize];
        let start = v["byteOffset"].as_u64().unwrap_or(0) as usize;
        let len = v["byteLength"].as_u64()? as usize;
        self.bin.get(start..start + len)
    }
}

impl expression::Bases for Avatar {
    fn color(&self, material: usize, _kind: ColorKind) -> [f32; 4] {
        self.base_color(material)
    }
    fn texture(&self, material: usize) -> ([f32; 2], [f32; 2]) {
        self.texture_transform(material)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_vrm_is_a_clear_error() {
        assert_eq!(
            Avatar::from_glb(b"PK\x03\x04 a zip file").unwrap_err(),
            AvatarError::NotGlb("it does not start like a glTF binary")
        );
        let mut glb = b"glTF\x02\x00\x00\x00\x00\x00\x00\x00".to_vec();
        let json = br#"{"asset":{"version":"2.0"}}"#;
        glb.extend((json.len() as u32).to_le_bytes());
        glb.extend(b"JSON");
        glb.extend(json);
        // An empty glTF: nothing to show comes before "not a VRM".
        assert_eq!(Avatar::from_glb(&glb).unwrap_err(), AvatarError::NoMeshes);
        assert!(matches!(
            Avatar::from_glb(&glb[..30]).unwrap_err(),
            AvatarError::NotGlb(_)
        ));
    }

    #[test]
    fn thumbs_are_renamed_from_0_x() {
        assert_eq!(bone_name_1_0("leftThumbProximal"), "leftThumbMetacarpal");
        assert_eq!(
            bone_name_1_0("rightThumbIntermediate"),
            "rightThumbProximal"
        );
        assert_eq!(bone_name_1_0("leftThumbDistal"), "leftThumbDistal");
        assert_eq!(bone_name_1_0("head"), "head");
    }
}
