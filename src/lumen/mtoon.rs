//! VRM 1.0 materials (VRMC_materials_mtoon), which bevy_vrm 0.4 leaves as glTF PBR: toon
//! shading and outlines through bevy_vrm's MToon shader, on the same glTF data, plus MToon's
//! UV animation (scroll and rotation) on the material's texture transform.
//!
//! MToon's shader has no texture transform, so a material that animates its UVs keeps Bevy's
//! standard (unlit, as these files ask) material, whose `uv_transform` the animation drives.

use std::collections::HashMap;

use bevy::asset::LoadContext;
use bevy::gltf::GltfAssetLabel;
use bevy::gltf::extensions::{
    ErasedGltfExtensionHandler, GltfExtensionHandler, GltfExtensionHandlers,
};
use bevy::math::Affine2;
use bevy::prelude::*;
use bevy_vrm::mtoon::{MtoonMaterial, OutlineSync, VrmOutlineMode};
use serde_json::Value;

pub fn plugin(app: &mut App) {
    app.world()
        .resource::<GltfExtensionHandlers>()
        .0
        .write_blocking()
        .push(Box::new(Mtoon1::default()));
    app.register_type::<UvAnimation>()
        .add_systems(Update, animate_uvs);
}

/// MToon's UV animation on a mesh: scroll (UV units a second) and rotation (radians a second,
/// about the texture's centre), over the material's own texture transform.
#[derive(Component, Reflect, Debug, Clone, Copy, Default)]
#[reflect(Component)]
pub struct UvAnimation {
    pub scroll: Vec2,
    pub rotation: f32,
    pub base: Affine2,
}

#[derive(Clone, Default)]
struct Mtoon1 {
    /// glTF material index → what it became.
    kinds: HashMap<usize, Kind>,
}

#[derive(Clone, Copy)]
enum Kind {
    Toon,
    Animated(UvAnimation),
}

fn f(v: &Value, key: &str, default: f32) -> f32 {
    v[key].as_f64().map_or(default, |x| x as f32)
}

fn rgb(v: &Value, key: &str, default: [f32; 3]) -> Color {
    let mut c = default;
    if let Some(a) = v[key].as_array() {
        for (o, x) in c.iter_mut().zip(a) {
            *o = x.as_f64().unwrap_or(0.0) as f32;
        }
    }
    Color::LinearRgba(LinearRgba::rgb(c[0], c[1], c[2]))
}

fn texture(lc: &mut LoadContext<'_>, v: &Value, key: &str) -> Option<Handle<Image>> {
    let i = v[key]["index"].as_u64()? as usize;
    Some(lc.get_label_handle(GltfAssetLabel::Texture(i).to_string()))
}

impl GltfExtensionHandler for Mtoon1 {
    fn dyn_clone(&self) -> Box<dyn ErasedGltfExtensionHandler> {
        Box::new(self.clone())
    }

    fn on_material(
        &mut self,
        lc: &mut LoadContext<'_>,
        material: &gltf::Material,
        _handle: Handle<bevy::gltf::GltfMaterial>,
        _asset: &bevy::gltf::GltfMaterial,
        label: &str,
    ) {
        let (Some(index), Some(ext)) = (
            material.index(),
            material
                .extensions()
                .and_then(|e| e.get("VRMC_materials_mtoon")),
        ) else {
            return;
        };
        let scroll = Vec2::new(
            f(ext, "uvAnimationScrollXSpeedFactor", 0.0),
            f(ext, "uvAnimationScrollYSpeedFactor", 0.0),
        );
        let rotation = f(ext, "uvAnimationRotationSpeedFactor", 0.0);
        if scroll != Vec2::ZERO || rotation != 0.0 {
            let t = material
                .pbr_metallic_roughness()
                .base_color_texture()
                .and_then(|t| t.texture_transform());
            let base = t.map_or(Affine2::IDENTITY, |t| {
                Affine2::from_scale_angle_translation(
                    Vec2::from(t.scale()),
                    -t.rotation(),
                    Vec2::from(t.offset()),
                )
            });
            self.kinds.insert(
                index,
                Kind::Animated(UvAnimation {
                    scroll,
                    rotation,
                    base,
                }),
            );
            return;
        }
        let pbr = material.pbr_metallic_roughness();
        let [r, g, b, a] = pbr.base_color_factor();
        let mut m = MtoonMaterial {
            base_color: Color::LinearRgba(LinearRgba::new(r, g, b, a)),
            base_color_texture: pbr.base_color_texture().map(|t| {
                lc.get_label_handle(GltfAssetLabel::Texture(t.texture().index()).to_string())
            }),
            shade_factor: rgb(ext, "shadeColorFactor", [0.0; 3]),
            shade_multiply_texture: texture(lc, ext, "shadeMultiplyTexture"),
            shading_shift_factor: f(ext, "shadingShiftFactor", 0.0),
            shading_toony_factor: f(ext, "shadingToonyFactor", 0.9),
            gi_equalization_factor: f(ext, "giEqualizationFactor", 0.9),
            matcap_factor: rgb(ext, "matcapFactor", [1.0; 3]).to_linear().to_vec3(),
            matcap_texture: texture(lc, ext, "matcapTexture"),
            parametric_rim_color: rgb(ext, "parametricRimColorFactor", [0.0; 3]),
            parametric_rim_fresnel_power: f(ext, "parametricRimFresnelPowerFactor", 5.0),
            parametric_rim_lift_factor: f(ext, "parametricRimLiftFactor", 0.0),
            rim_lighting_mix_factor: f(ext, "rimLightingMixFactor", 1.0),
            rim_multiply_texture: texture(lc, ext, "rimMultiplyTexture"),
            outline_width: f(ext, "outlineWidthFactor", 0.0),
            outline_color: rgb(ext, "outlineColorFactor", [0.0; 3]),
            outline_mode: match ext["outlineWidthMode"].as_str() {
                Some("worldCoordinates") => VrmOutlineMode::World,
                Some("screenCoordinates") => VrmOutlineMode::Screen,
                _ => VrmOutlineMode::None,
            },
            double_sided: material.double_sided(),
            ..default()
        };
        let [er, eg, eb] = material.emissive_factor();
        m.emissive_factor = Color::LinearRgba(LinearRgba::rgb(er, eg, eb));
        m.emissive_texture = material
            .emissive_texture()
            .map(|t| lc.get_label_handle(GltfAssetLabel::Texture(t.texture().index()).to_string()));
        m.normal_map_texture = material
            .normal_texture()
            .map(|t| lc.get_label_handle(GltfAssetLabel::Texture(t.texture().index()).to_string()));
        m.alpha_mode = match material.alpha_mode() {
            gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
            gltf::material::AlphaMode::Mask => {
                AlphaMode::Mask(material.alpha_cutoff().unwrap_or(0.5))
            }
            gltf::material::AlphaMode::Blend => AlphaMode::Blend,
        };
        lc.add_labeled_asset(format!("{label}/mtoon1"), m);
        self.kinds.insert(index, Kind::Toon);
    }

    fn on_spawn_mesh_and_material(
        &mut self,
        lc: &mut LoadContext<'_>,
        _primitive: &gltf::Primitive,
        _mesh: &gltf::Mesh,
        material: &gltf::Material,
        entity: &mut EntityWorldMut,
        label: &str,
    ) {
        match material.index().and_then(|i| self.kinds.get(&i)) {
            Some(Kind::Toon) => {
                let handle = lc.get_label_handle::<MtoonMaterial>(format!("{label}/mtoon1"));
                entity.remove::<MeshMaterial3d<StandardMaterial>>();
                entity.insert((MeshMaterial3d(handle), OutlineSync));
            }
            Some(Kind::Animated(a)) => {
                entity.insert(*a);
            }
            None => {}
        }
    }
}

/// Moves each animated material's texture window; a material shared by several meshes is
/// written once a frame.
fn animate_uvs(
    time: Res<Time>,
    meshes: Query<(&UvAnimation, &MeshMaterial3d<StandardMaterial>)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut done: Local<Vec<AssetId<StandardMaterial>>>,
) {
    let t = time.elapsed_secs();
    done.clear();
    for (a, m) in &meshes {
        if done.contains(&m.id()) {
            continue;
        }
        done.push(m.id());
        if let Some(mut mat) = materials.get_mut(&m.0) {
            mat.uv_transform = uv_at(a, t);
        }
    }
}

/// The texture transform `t` seconds in: scrolled, then turned about the centre (wrapped to
/// keep the numbers small over hours).
pub fn uv_at(a: &UvAnimation, t: f32) -> Affine2 {
    let scroll = (a.scroll * t).fract_gl();
    let angle = (a.rotation * t) % std::f32::consts::TAU;
    let centre = Vec2::splat(0.5);
    let turn = Affine2::from_translation(centre)
        * Affine2::from_angle(angle)
        * Affine2::from_translation(-centre);
    a.base * Affine2::from_translation(scroll) * turn
}
