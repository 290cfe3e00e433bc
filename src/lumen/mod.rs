//! Lumen on screen: the avatar (Prism's own, or any VRM 0.x / 1.0 file the user picks with
//! `--avatar`, the settings or by dropping it on the window) rendered by its own camera into a
//! transparent texture that sits in a corner over the picture, under every panel, so it never
//! covers the guide's focus.
//!
//! Each frame, pure functions from `prism_core::avatar` decide the face (emotions, blinks,
//! the mouth from a viseme track, expression-type look-at, through the VRM 1.0 expression
//! rules), the body (idle, talking, gestures, bone-type look-at) and the spring bones; this
//! plugin only writes the results into Bevy's transforms, morph weights and materials.
//!
//! Keys: L shows or hides Lumen, K moves it to the next corner, J changes its size.

mod animate;
pub mod mtoon;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use bevy::asset::io::AssetSourceBuilder;
use bevy::asset::io::memory::{Dir, MemoryAssetReader};
use bevy::asset::{LoadContext, LoadState};
use bevy::camera::RenderTarget;
use bevy::camera::visibility::RenderLayers;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::gltf::extensions::{
    ErasedGltfExtensionHandler, GltfExtensionHandler, GltfExtensionHandlers,
};
use bevy::math::Affine2;
use bevy::mesh::morph::MorphWeights;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

use bevy::window::{FileDragAndDrop, WindowFocused};
use bevy_vrm::VrmInstance;
use bevy_vrm::loader::Vrm;
use bevy_vrm::mtoon::{MtoonMaterial, MtoonSun};
use prism_core::avatar::expression::{self, ColorKind};
use prism_core::avatar::face::{
    Blinker, Emotions, LoudnessMouth, TimedViseme, Viseme, ease_cubic as ease, mouth_at,
};
use prism_core::avatar::motion::{self, Gaze, Gesture, Pose};
use prism_core::avatar::skeleton::{Local, Skeleton};
use prism_core::avatar::spring::Springs;
use prism_core::avatar::vrma::{Clip, HUMAN_BONES};
use prism_core::avatar::{Avatar, LookAtKind, Preset, Version, lumen};
use prism_core::scene::{Ease, LayerKind, Rect, Tween};

use crate::settings::Settings;
use crate::t;

/// Time spent animating Lumen (face, body, springs, writing it all into Bevy), summed, and
/// the frames it was spent over: the autopilot's `cpu` step reports the mean.
pub static ANIMATE_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
pub static ANIMATED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The render layer only Lumen's camera sees.
pub const LAYER: usize = 5;

/// Avatar files are handed to the asset server from memory (`mem://`), so a file from
/// anywhere — a dropped file, `--avatar`, Lumen made in code — loads the same way and is
/// read once, here, where it is also checked.
#[derive(Resource, Clone)]
pub struct AvatarFiles(Dir);

/// Registers the `mem://` asset source; before `DefaultPlugins`, as Bevy requires.
pub fn register_source(app: &mut App) {
    let dir = Dir::default();
    let reader_dir = dir.clone();
    app.register_asset_source(
        "mem",
        AssetSourceBuilder::new(move || {
            Box::new(MemoryAssetReader {
                root: reader_dir.clone(),
            })
        }),
    );
    app.insert_resource(AvatarFiles(dir));
}

pub fn plugin(app: &mut App) {
    app.add_plugins((bevy_vrm::VrmPlugin, mtoon::plugin));
    app.world()
        .resource::<GltfExtensionHandlers>()
        .0
        .write_blocking()
        .push(Box::new(NodeTagger));
    // Components in a scene world are copied by reflection.
    register_scene_types(app);
    app.add_message::<Act>()
        .init_resource::<Lumen>()
        .add_systems(Startup, (setup, load_initial))
        .add_systems(
            Update,
            (
                (keys, dropped_files).in_set(crate::app::AppSystems::Input),
                (act, finish_loading, build_rig, take_morphs)
                    .chain()
                    .in_set(crate::app::AppSystems::Execute),
                (animate::animate, layout, throttle, notice).in_set(crate::app::AppSystems::Draw),
            ),
        );
}

/// What other features ask of Lumen (the voice and the companion, and the autopilot).
#[derive(Message, Debug, Clone)]
pub enum Act {
    /// Ease into an emotion (`happy`, `sad`...) at a weight; `neutral` eases out of all.
    Feel(Preset, f32),
    Gesture(Gesture),
    /// Speak along a viseme track starting now.
    Speak(Vec<TimedViseme>),
    /// The loudness (RMS, dBFS) of speech that has no viseme track, as it plays; the mouth
    /// opens with it.
    Loudness(f32),
    /// Hold the mouth on one viseme (None lets go): for tests and screenshots.
    HoldMouth(Option<Viseme>),
    /// Load another avatar (None: Lumen); a failure leaves the current one.
    Load(Option<PathBuf>),
    /// Play a VRM animation clip (a `.vrma` file) once.
    Play(Arc<Clip>),
    /// Where to look: the viewer, the picture, or (None) Lumen's own choice.
    Look(Option<Focus>),
    /// Hold an expression at a weight over whatever drives it (None lets go): for tests and
    /// the conformance models' documented cases.
    Pin(String, Option<f32>),
    /// The music playing now: beats counted (the fraction is the phase), beats per minute
    /// and how much to move (0–1); None when there is no music to move to.
    Groove(Option<Groove>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Groove {
    pub beats: f64,
    pub bpm: f32,
    pub intensity: f32,
    /// The music's mood on her face (energy × brightness), under any emotion she is shown.
    pub mood: (Preset, f32),
}

/// The music's mood, faded in and out with the dance (`dancing` eases towards the groove's
/// intensity).
fn faded_mood(groove: Option<(Groove, f32)>, dancing: f32) -> Option<(Preset, f32)> {
    let (g, _) = groove?;
    let fade = (dancing / g.intensity.max(0.3)).clamp(0.0, 1.0);
    Some((g.mood.0, g.mood.1 * fade))
}

/// A loaded scene is copied into the app's world by reflection, so every component a glTF
/// or VRM scene holds must be registered. Prism's trimmed Bevy has no automatic reflection
/// registration (that feature rebuilds all of Bevy), so they are named here.
fn register_scene_types(app: &mut App) {
    use bevy::camera::primitives::Aabb;
    use bevy::camera::visibility::NoFrustumCulling;
    use bevy::gltf::{
        GltfExtras, GltfMaterialExtras, GltfMaterialName, GltfMeshExtras, GltfMeshName,
        GltfSceneExtras, GltfSceneName,
    };
    use bevy::mesh::morph::MeshMorphWeights;
    use bevy::mesh::skinning::SkinnedMesh;
    app.register_type::<Name>()
        .register_type::<Transform>()
        .register_type::<GlobalTransform>()
        .register_type::<TransformTreeChanged>()
        .register_type::<Visibility>()
        .register_type::<InheritedVisibility>()
        .register_type::<ViewVisibility>()
        .register_type::<ChildOf>()
        .register_type::<Children>()
        .register_type::<Mesh3d>()
        .register_type::<MeshMaterial3d<StandardMaterial>>()
        .register_type::<MeshMaterial3d<MtoonMaterial>>()
        .register_type::<SkinnedMesh>()
        .register_type::<MorphWeights>()
        .register_type::<MeshMorphWeights>()
        .register_type::<Aabb>()
        .register_type::<NoFrustumCulling>()
        .register_type::<bevy::camera::visibility::DynamicSkinnedMeshBounds>()
        .register_type::<GltfExtras>()
        .register_type::<GltfMeshExtras>()
        .register_type::<GltfMaterialExtras>()
        .register_type::<GltfMeshName>()
        .register_type::<GltfMaterialName>()
        .register_type::<GltfSceneExtras>()
        .register_type::<GltfSceneName>()
        .register_type::<PointLight>()
        .register_type::<SpotLight>()
        .register_type::<DirectionalLight>()
        .register_type::<bevy_vrm::BoneName>()
        .register_type::<bevy_vrm::first_person::FirstPersonFlag>()
        .register_type::<bevy_vrm::mtoon::OutlineSync>()
        // bevy_vrm's spring-bone list on the scene root; its frame-rate dependent solver is
        // not added (ours runs instead).
        .register_type::<bevy_vrm::spring_bones::SpringBones>()
        .register_type::<NodeIndex>()
        .register_type::<MaterialIndex>();
}

/// What Lumen looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Viewer,
    Picture,
}

/// A glTF node's index on its entity, so a file's bone and bind indices find their entities.
#[derive(Component, Reflect, Debug, Clone, Copy)]
#[reflect(Component)]
pub struct NodeIndex(pub usize);

/// A glTF material's index on each mesh entity, for material colour and texture binds.
#[derive(Component, Reflect, Debug, Clone, Copy)]
#[reflect(Component)]
pub struct MaterialIndex(pub usize);

#[derive(Clone)]
struct NodeTagger;

impl GltfExtensionHandler for NodeTagger {
    fn dyn_clone(&self) -> Box<dyn ErasedGltfExtensionHandler> {
        Box::new(self.clone())
    }

    fn on_gltf_node(
        &mut self,
        _load_context: &mut LoadContext<'_>,
        node: &gltf::Node,
        entity: &mut EntityWorldMut,
    ) {
        entity.insert(NodeIndex(node.index()));
    }

    fn on_spawn_mesh_and_material(
        &mut self,
        _load_context: &mut LoadContext<'_>,
        _primitive: &gltf::Primitive,
        _mesh: &gltf::Mesh,
        material: &gltf::Material,
        entity: &mut EntityWorldMut,
        _material_label: &str,
    ) {
        if let Some(i) = material.index() {
            entity.insert(MaterialIndex(i));
        }
    }
}

/// Work on a thread of its own (reading and checking files), its one result picked up by a
/// later frame.
struct Job<T>(std::sync::Mutex<Receiver<T>>);

impl<T: Send + 'static> Job<T> {
    fn spawn(name: &str, work: impl FnOnce() -> T + Send + 'static) -> Job<T> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let _ = tx.send(work());
            })
            .expect("spawn a worker thread");
        Job(std::sync::Mutex::new(rx))
    }

    /// The result, once: a finished job is taken out of `slot`.
    fn take(slot: &mut Option<Job<T>>) -> Option<T> {
        let result = slot.as_ref()?.0.lock().ok()?.try_recv().ok()?;
        *slot = None;
        Some(result)
    }
}

/// A checked avatar file on its way into the asset server.
struct Checked {
    label: String,
    bytes: Vec<u8>,
    avatar: Avatar,
}

struct Pending {
    label: String,
    handle: Handle<Vrm>,
    avatar: Arc<Avatar>,
    path: PathBuf,
}

/// The avatar on screen.
struct Current {
    label: String,
    avatar: Arc<Avatar>,
    root: Entity,
    rig: Option<Rig>,
    path: PathBuf,
}

/// Everything the per-frame animation needs, resolved once per avatar.
struct Rig {
    /// glTF node → entity.
    nodes: Vec<Option<Entity>>,
    skeleton: Skeleton,
    /// For each humanoid bone we drive: (normalised name, node, rest local, the rest
    /// world rotation of its parent), see `animate::to_raw`.
    bones: Vec<(&'static str, usize, Local, Quat)>,
    eyes: Vec<(usize, Local, Quat)>,
    springs: Springs,
    /// Mesh entities by material index, for colour and texture binds.
    materials: Vec<(usize, Entity)>,
    /// What the expressions wrote last frame, so unchanged values are not written again.
    last_morphs: Vec<((usize, usize), f32)>,
    last_colors: Vec<((usize, ColorKind), [f32; 4])>,
    last_textures: Vec<(usize, expression::Transform)>,
    /// How high the hips stand at rest, to scale a clip's hip motion.
    hips_height: f32,
    morphed: Vec<CpuMorph>,
}

/// A primitive whose morph targets Prism blends on the CPU. Bevy 0.19 draws the morph
/// targets of a glTF scene's meshes without their weights here (a spawned scene's mesh
/// instances keep a morph descriptor index from before the descriptors existed), so the
/// face would never move. Blending ~2k vertices when an expression changes costs tens of
/// microseconds; the result is an ordinary mesh.
struct CpuMorph {
    mesh: Handle<Mesh>,
    /// The entity whose MorphWeights drive it (the glTF node).
    weights: Entity,
    base: Vec<Vec3>,
    /// Target-major: target t's deltas are `deltas[t * n..(t + 1) * n]`.
    deltas: Vec<Vec3>,
}

impl CpuMorph {
    /// Takes over a morphed primitive: a copy of its mesh without morph targets.
    fn take(
        mesh: &Mesh,
        weights: Entity,
        meshes: &mut Assets<Mesh>,
    ) -> Option<(CpuMorph, Handle<Mesh>)> {
        use bevy::mesh::VertexAttributeValues;
        let targets = mesh.morph_targets()?;
        let Some(VertexAttributeValues::Float32x3(pos)) = mesh.attribute(Mesh::ATTRIBUTE_POSITION)
        else {
            return None;
        };
        let base: Vec<Vec3> = pos.iter().map(|p| Vec3::from(*p)).collect();
        let deltas: Vec<Vec3> = targets.iter().map(|m| m.position).collect();
        if base.is_empty() || !deltas.len().is_multiple_of(base.len()) {
            return None;
        }
        let mut plain = Mesh::new(mesh.primitive_topology(), mesh.asset_usage);
        for (attr, values) in mesh.attributes() {
            plain.insert_attribute(*attr, values.clone());
        }
        if let Some(i) = mesh.indices() {
            plain.insert_indices(i.clone());
        }
        let handle = meshes.add(plain);
        Some((
            CpuMorph {
                mesh: handle.clone(),
                weights,
                base,
                deltas,
            },
            handle,
        ))
    }

    fn blend(&self, weights: &[f32], meshes: &mut Assets<Mesh>) {
        let n = self.base.len();
        let mut pos = self.base.clone();
        for (t, &w) in weights.iter().enumerate() {
            if w == 0.0 || (t + 1) * n > self.deltas.len() {
                continue;
            }
            for (p, d) in pos.iter_mut().zip(&self.deltas[t * n..(t + 1) * n]) {
                *p += *d * w;
            }
        }
        if let Some(mut m) = meshes.get_mut(&self.mesh) {
            m.insert_attribute(
                Mesh::ATTRIBUTE_POSITION,
                pos.into_iter().map(|p| p.to_array()).collect::<Vec<_>>(),
            );
        }
    }
}

#[derive(Resource)]
pub struct Lumen {
    loading: Option<Job<Result<Checked, (String, String)>>>,
    pending: Option<Pending>,
    current: Option<Current>,
    seq: u32,
    /// A line for the user (a refused file), and since when.
    message: Option<(String, Instant)>,
    emotions: Emotions,
    blinker: Blinker,
    track: Option<(Vec<TimedViseme>, f32)>,
    /// The tracks spoken since the autopilot last asked, each with the mouth as applied each
    /// animated frame (seconds into the track, aa/ih/ou/ee/oh): its `mouthlog`, to check the
    /// lips against the voice over a whole answer (one sentence can be a single word).
    mouth_log: Vec<MouthLog>,
    /// Loudness-driven mouth: the level and when it was last heard.
    loudness: Option<(f32, f32)>,
    loud_mouth: LoudnessMouth,
    hold: Option<Viseme>,
    gesture: Option<(Gesture, f32)>,
    pins: Vec<(String, f32)>,
    clip: Option<(Arc<Clip>, f32)>,
    clip_loading: Option<Job<Result<Clip, String>>>,
    focus: Option<Focus>,
    gaze: Gaze,
    /// Talking, eased (0–1).
    talk: f32,
    /// The music (and when it was told, on the animation clock), and how much Lumen moves to
    /// it now, eased in and out.
    groove: Option<(Groove, f32)>,
    /// The last music danced to, so her face eases out with the dance after it stops.
    last_groove: Option<(Groove, f32)>,
    pub dancing: f32,
    /// Where the last drawn frame fell in the beat (0 on it), while dancing.
    pub beat_phase: Option<f32>,
    /// Frames rendered while throttled, to skip every other one.
    frame: u64,
    focused: bool,
}

/// A spoken track and the mouth weights applied while it played.
pub type MouthLog = (Vec<TimedViseme>, Vec<(f32, [f32; 5])>);

impl Lumen {
    /// The music's mood on her face now, faded with the dance (autopilot, tests).
    pub fn music_mood(&self) -> Option<(Preset, f32)> {
        faded_mood(self.groove.or(self.last_groove), self.dancing)
    }

    /// The viseme tracks spoken since the last call, with the mouth weights applied while
    /// each played.
    pub fn take_mouth_log(&mut self) -> Vec<MouthLog> {
        std::mem::take(&mut self.mouth_log)
    }

    /// Frames of mouth logged since the last [`Self::take_mouth_log`].
    pub fn mouth_samples(&self) -> usize {
        self.mouth_log.iter().map(|(_, s)| s.len()).sum()
    }
}

impl Default for Lumen {
    fn default() -> Self {
        Lumen {
            loading: None,
            pending: None,
            current: None,
            seq: 0,
            message: None,
            emotions: Emotions::default(),
            blinker: Blinker::new(0x5eed),
            track: None,
            mouth_log: Default::default(),
            loudness: None,
            loud_mouth: LoudnessMouth::default(),
            hold: None,
            gesture: None,
            pins: Vec::new(),
            clip: None,
            clip_loading: None,
            focus: None,
            gaze: Gaze::new(0x9a2e),
            talk: 0.0,
            groove: None,
            last_groove: None,
            dancing: 0.0,
            beat_phase: None,
            frame: 0,
            focused: true,
        }
    }
}

impl Lumen {
    /// The avatar on screen, and whether its rig is built (scene spawned).
    pub fn ready(&self) -> Option<&str> {
        self.current
            .as_ref()
            .filter(|c| c.rig.is_some())
            .map(|c| c.label.as_str())
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_ref().map(|(m, _)| m.as_str())
    }

    fn start_load(&mut self, path: Option<PathBuf>) {
        self.loading = Some(Job::spawn("avatar", move || check(path)));
    }
}

/// The label of Prism's own avatar (every other avatar is labelled by its path).
const LUMEN: &str = "Lumen";

/// Reads and checks an avatar (None: Lumen, made in code); a refusal is (label, reason).
fn check(path: Option<PathBuf>) -> Result<Checked, (String, String)> {
    let (label, bytes) = match path {
        None => (LUMEN.to_owned(), lumen::generate()),
        Some(p) => {
            // Absolute: the path is remembered, and outlives the directory Prism started in.
            let p = std::path::absolute(&p).unwrap_or(p);
            let label = p.display().to_string();
            let bytes = std::fs::read(&p).map_err(|e| (label.clone(), e.to_string()))?;
            (label, bytes)
        }
    };
    let avatar = Avatar::from_glb(&bytes).map_err(|e| (label.clone(), e.to_string()))?;
    avatar
        .check_humanoid()
        .map_err(|e| (label.clone(), e.to_string()))?;
    Ok(Checked {
        label,
        bytes,
        avatar,
    })
}

#[derive(Component)]
struct LumenCamera;

#[derive(Component)]
struct LumenView;

#[derive(Component)]
struct LumenNotice;

fn target_image(size: UVec2) -> Image {
    Image::new_target_texture(
        size.x.max(8),
        size.y.max(8),
        TextureFormat::Rgba8UnormSrgb,
        None,
    )
}

fn setup(mut commands: Commands, mut images: ResMut<Assets<Image>>) {
    let image = images.add(target_image(UVec2::new(300, 400)));
    commands.spawn((
        Camera3d::default(),
        Camera {
            order: -1,
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
        RenderTarget::Image(image.clone().into()),
        Projection::Perspective(PerspectiveProjection {
            fov: 20f32.to_radians(),
            ..default()
        }),
        // The palette is authored for the screen: no filmic curve over it.
        Tonemapping::None,
        Transform::from_xyz(0.0, 0.6, 3.5).looking_at(Vec3::new(0.0, 0.6, 0.0), Vec3::Y),
        RenderLayers::layer(LAYER),
        LumenCamera,
    ));
    // A soft key light from the viewer's upper left; MToon reads it through MtoonSun.
    commands.spawn((
        DirectionalLight {
            illuminance: 4000.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(-1.5, 2.5, 3.0).looking_at(Vec3::new(0.0, 0.8, 0.0), Vec3::Y),
        RenderLayers::layer(LAYER),
        MtoonSun,
    ));
    // Over the picture, under every panel.
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            ..default()
        },
        ImageNode::new(image),
        crate::theme::plane(prism_core::scene::Plane::Avatar),
        LumenView,
    ));
    commands
        .spawn((
            Node {
                // Top right: clear of Lumen's default corner and of the channel banner.
                position_type: PositionType::Absolute,
                right: Val::Px(24.0),
                top: Val::Px(24.0),
                max_width: Val::Px(560.0),
                padding: UiRect::all(Val::Px(10.0)),
                ..default()
            },
            BackgroundColor(crate::theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Notice),
            Visibility::Hidden,
            LumenNotice,
        ))
        .with_child((
            Text::new(""),
            TextFont {
                font_size: FontSize::Px(18.0),
                ..default()
            },
            TextColor(crate::theme::WARN),
        ));
}

fn load_initial(mut lumen: ResMut<Lumen>, settings: Res<Settings>) {
    lumen.start_load(settings.avatar.as_ref().map(PathBuf::from));
}

/// L hides or shows Lumen, K moves her to the next corner, J gives her the next size.
fn keys(mut acts: MessageReader<crate::input::Action>, mut settings: ResMut<Settings>) {
    use crate::input::Action;
    for a in acts.read() {
        match a {
            Action::ShowLumen => settings.lumen.visible = !settings.lumen.visible,
            Action::MoveLumen => settings.lumen.corner = (settings.lumen.corner + 1) % 4,
            Action::ResizeLumen => settings.lumen.size = (settings.lumen.size + 1) % 3,
            _ => {}
        }
    }
}

/// A dropped `.vrma` plays as an animation; a playlist is for the TV (`screens::open`); any
/// other file is tried as an avatar.
fn dropped_files(
    mut drops: MessageReader<FileDragAndDrop>,
    mut acts: MessageWriter<Act>,
    mut lumen: ResMut<Lumen>,
) {
    for d in drops.read() {
        let FileDragAndDrop::DroppedFile { path_buf, .. } = d else {
            continue;
        };
        let is_vrma = path_buf
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("vrma"));
        if prism_core::playlist::is_playlist_file(path_buf) {
            continue;
        }
        if !is_vrma {
            acts.write(Act::Load(Some(path_buf.clone())));
            continue;
        }
        let path = path_buf.clone();
        lumen.clip_loading = Some(Job::spawn("vrma", move || {
            std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| Clip::from_glb(&b))
                .map_err(|e| format!("{}: {e}", path.display()))
        }));
    }
    if let Some(result) = Job::take(&mut lumen.clip_loading) {
        match result {
            Ok(c) => {
                acts.write(Act::Play(Arc::new(c)));
            }
            Err(e) => {
                warn!("animation refused: {e}");
                lumen.message =
                    Some((t!("lumen-clip-refused", error = e.as_str()), Instant::now()));
            }
        }
    }
}

fn act(mut acts: MessageReader<Act>, mut lumen: ResMut<Lumen>, time: Res<Time>) {
    let t = time.elapsed_secs();
    for a in acts.read() {
        match a.clone() {
            Act::Feel(Preset::Neutral, _) => lumen.emotions.clear(t),
            Act::Feel(p, w) => lumen.emotions.set(p, w, t),
            Act::Gesture(g) => lumen.gesture = Some((g, t)),
            Act::Speak(track) => {
                // Bounded: nothing reads it outside the autopilot.
                if lumen.mouth_log.len() == 16 {
                    lumen.mouth_log.remove(0);
                }
                lumen.mouth_log.push((track.clone(), Vec::new()));
                lumen.track = Some((track, t));
            }
            Act::HoldMouth(v) => lumen.hold = v,
            Act::Loudness(db) => lumen.loudness = Some((db, t)),
            Act::Load(path) => lumen.start_load(path),
            Act::Look(f) => lumen.focus = f,
            Act::Play(c) => lumen.clip = Some((c, t)),
            Act::Pin(name, w) => {
                lumen.pins.retain(|(n, _)| *n != name);
                if let Some(w) = w {
                    lumen.pins.push((name, w));
                }
            }
            Act::Groove(g) => {
                if lumen.groove.is_some() {
                    lumen.last_groove = lumen.groove;
                }
                lumen.groove = g.map(|g| (g, t));
            }
        }
    }
}

fn finish_loading(
    mut commands: Commands,
    mut lumen: ResMut<Lumen>,
    files: Res<AvatarFiles>,
    server: Res<AssetServer>,
    mut settings: ResMut<Settings>,
) {
    if let Some(result) = Job::take(&mut lumen.loading) {
        match result {
            Ok(c) => {
                lumen.seq += 1;
                let path = PathBuf::from(format!("avatar-{}.vrm", lumen.seq));
                files.0.insert_asset(&path, c.bytes);
                let handle = server.load(format!("mem://{}", path.display()));
                lumen.pending = Some(Pending {
                    label: c.label,
                    handle,
                    avatar: Arc::new(c.avatar),
                    path,
                });
            }
            Err((label, e)) => refuse(&mut lumen, &label, &e),
        }
    }
    let Some(p) = &lumen.pending else {
        return;
    };
    match server.load_state(&p.handle) {
        LoadState::Loaded => {
            let Some(p) = lumen.pending.take() else {
                return;
            };
            // A 0.x avatar faces -Z; turned, every avatar faces the camera (+Z).
            let turn = match p.avatar.version {
                Version::Vrm0 => Quat::from_rotation_y(std::f32::consts::PI),
                Version::Vrm1 => Quat::IDENTITY,
            };
            let root = commands
                .spawn((
                    VrmInstance(p.handle),
                    Transform::from_rotation(turn),
                    Visibility::default(),
                ))
                .id();
            if let Some(old) = lumen.current.take() {
                commands.entity(old.root).despawn();
                files.0.remove_asset(&old.path);
            }
            // Remembered only once it has worked (Lumen itself is the default, not a path).
            let remembered = (p.label != LUMEN).then(|| p.label.clone());
            if settings.avatar != remembered {
                settings.avatar = remembered;
            }
            info!("avatar: {} ({:?})", p.label, p.avatar.version);
            lumen.current = Some(Current {
                label: p.label,
                avatar: p.avatar,
                root,
                rig: None,
                path: p.path,
            });
        }
        LoadState::Failed(e) => {
            let p = lumen.pending.take();
            if let Some(p) = p {
                files.0.remove_asset(&p.path);
                refuse(&mut lumen, &p.label, &e.to_string());
            }
        }
        _ => {}
    }
}

fn refuse(lumen: &mut Lumen, label: &str, error: &str) {
    let keeps = lumen.current.as_ref().map_or(t!("lumen-stand-in"), |c| {
        t!("lumen-keeping", name = c.label.as_str())
    });
    let e = format!("{label}: {error}");
    warn!("avatar refused: {e}");
    // Nothing on screen yet (a saved avatar file went missing): Lumen stands in, unless it
    // was Lumen that failed (trying again would only fail again).
    if lumen.current.is_none() && lumen.loading.is_none() && label != LUMEN {
        lumen.start_load(None);
    }
    lumen.message = Some((
        t!("lumen-refused", error = e.as_str(), keeps = keeps.as_str()),
        Instant::now(),
    ));
}

/// Once the avatar's scene is spawned: find its nodes, tag its meshes for Lumen's camera,
/// and resolve the bones, springs and materials the animation drives.
fn build_rig(
    mut commands: Commands,
    mut lumen: ResMut<Lumen>,
    children: Query<&Children>,
    nodes: Query<&NodeIndex>,
    meshes: Query<(Entity, Option<&MaterialIndex>), With<Mesh3d>>,
    mut camera: Query<&mut Transform, With<LumenCamera>>,
) {
    let Some(cur) = lumen.current.as_mut() else {
        return;
    };
    if cur.rig.is_some() {
        return;
    }
    let mut map = vec![None; cur.avatar.node_count];
    let mut materials = Vec::new();
    let mut found = 0;
    for e in children.iter_descendants(cur.root) {
        if let Ok(NodeIndex(i)) = nodes.get(e)
            && let Some(slot) = map.get_mut(*i)
        {
            *slot = Some(e);
            found += 1;
        }
        if let Ok((e, m)) = meshes.get(e) {
            materials.push((m.map(|m| m.0), e));
        }
    }
    if found < cur.avatar.node_count || materials.is_empty() {
        return; // not spawned yet
    }
    // Only Lumen's camera sees the avatar (MToon's outline children copy the layer).
    for &(_, e) in &materials {
        commands.entity(e).insert(RenderLayers::layer(LAYER));
    }
    let materials: Vec<(usize, Entity)> = materials
        .into_iter()
        .filter_map(|(m, e)| Some((m?, e)))
        .collect();
    let a = &cur.avatar;
    let skeleton = a.skeleton();
    let rest_world = skeleton.world(&skeleton.rest);
    let rot = |n: Option<usize>| {
        n.map_or(Quat::IDENTITY, |n| {
            rest_world[n].to_scale_rotation_translation().1
        })
    };
    let mut bones = Vec::new();
    for name in HUMAN_BONES {
        if let Some(&n) = a.bones.get(name) {
            bones.push((name, n, skeleton.rest[n], rot(skeleton.parent[n])));
        }
    }
    let eyes = ["leftEye", "rightEye"]
        .iter()
        .filter_map(|b| a.bones.get(*b))
        .map(|&n| (n, skeleton.rest[n], rot(skeleton.parent[n])))
        .collect();
    let setup = a.springs(&skeleton);
    let springs = Springs::new(&setup, &skeleton, &rest_world);
    let (lo, hi) = a
        .rest_bounds()
        .unwrap_or(([-0.3, 0.0, -0.3], [0.3, 1.6, 0.3]));
    let (lo, hi) = (Vec3::from(lo), Vec3::from(hi));
    // Framed once per avatar: the whole body, a little headroom, in a 20° view.
    let height = (hi.y - lo.y).max(0.2);
    let centre = Vec3::new(0.0, (lo.y + hi.y) / 2.0, 0.0);
    if let Ok(mut cam) = camera.single_mut() {
        let d = height * 0.62 / 10f32.to_radians().tan();
        *cam = Transform::from_translation(centre + Vec3::new(0.0, height * 0.03, d))
            .looking_at(centre, Vec3::Y);
    }
    info!(
        "avatar rig: {} bones, {} spring joints, {} materials, {:.2} m tall",
        bones.len(),
        setup.joints.len(),
        materials.len(),
        hi.y - lo.y
    );
    cur.rig = Some(Rig {
        nodes: map,
        skeleton,
        bones,
        eyes,
        springs,
        materials,
        last_morphs: Vec::new(),
        last_colors: Vec::new(),
        last_textures: Vec::new(),
        morphed: Vec::new(),
        hips_height: a
            .bones
            .get("hips")
            .map_or(0.9, |&n| rest_world[n].translation.y.max(0.1)),
    });
}

/// Takes over every morphed mesh of the avatar for CPU blending (see [`CpuMorph`]): at once
/// for the scene's meshes, later for outline meshes MToon adds as children.
fn take_morphs(
    mut commands: Commands,
    mut lumen: ResMut<Lumen>,
    morph_meshes: Query<(Entity, &Mesh3d, &bevy::mesh::morph::MeshMorphWeights)>,
    weights: Query<&MorphWeights>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let Some(rig) = lumen.current.as_mut().and_then(|c| c.rig.as_mut()) else {
        return;
    };
    for (e, mesh3d, mmw) in &morph_meshes {
        let bevy::mesh::morph::MeshMorphWeights::Reference(w) = mmw else {
            continue;
        };
        let Some(mesh) = meshes.get(&mesh3d.0).cloned() else {
            continue;
        };
        if let Some((m, handle)) = CpuMorph::take(&mesh, *w, &mut meshes) {
            if let Ok(ws) = weights.get(*w) {
                m.blend(ws.weights(), &mut meshes);
            }
            commands
                .entity(e)
                .insert(Mesh3d(handle))
                .remove::<bevy::mesh::morph::MeshMorphWeights>();
            rig.morphed.push(m);
        }
    }
}

/// Sizes in window heights, and the render texture matched to the pixels shown.
const SIZES: [f32; 3] = [0.32, 0.46, 0.62];

/// Lumen on screen, moving: a new corner or size glides there, showing and hiding fade, and a
/// change mid-way turns from where she is (no jump). A resized window puts her in place at once.
#[derive(Default)]
struct Glide {
    rect: Option<Tween<Rect>>,
    alpha: Option<Tween<f32>>,
    window: Vec2,
}

/// Where Lumen stands in a `win`-sized window (pixels from the top left).
fn placement(settings: &Settings, win: Vec2) -> Rect {
    let h = win.y * SIZES[(settings.lumen.size as usize).min(2)];
    let w = h * 0.75;
    let margin = 12.0;
    let (right, bottom) = match settings.lumen.corner % 4 {
        0 => (true, true),
        1 => (false, true),
        2 => (false, false),
        _ => (true, false),
    };
    Rect::new(
        if right { win.x - margin - w } else { margin },
        if bottom { win.y - margin - h } else { margin },
        w,
        h,
    )
}

#[allow(clippy::too_many_arguments)]
fn layout(
    settings: Res<Settings>,
    stage: Res<crate::studio::broadcast::Stage>,
    mut view: Query<(&mut Node, &mut ImageNode, &mut Visibility), With<LumenView>>,
    mut camera: Query<&mut RenderTarget, With<LumenCamera>>,
    mut images: ResMut<Assets<Image>>,
    lumen: Res<Lumen>,
    time: Res<Time<Real>>,
    mut glide: bevy::prelude::Local<Glide>,
    scene: Option<Res<crate::studio::layout::Scene>>,
) {
    let (Some(size), Ok((mut node, mut image, mut vis))) = (stage.size(), view.single_mut()) else {
        return;
    };
    let now = time.elapsed_secs_f64();
    let scale = crate::theme::animation_scale();
    // The layout's avatar layer: hidden, placed by the layout, or where the user put her.
    let layer = scene
        .as_deref()
        .and_then(|s| s.layout().find(|k| *k == LayerKind::Avatar));
    let target = match layer.as_ref().and_then(|l| Some((l.bounds()?, l.anchor))) {
        Some((slot, anchor)) => slot.px(size.x, size.y).fit(0.75, anchor),
        None => placement(&settings, size),
    };
    let resized = glide.window != size;
    glide.window = size;
    let rect = glide.rect.get_or_insert(Tween::settled(target));
    if resized {
        rect.jump(target);
    } else {
        rect.go(now, target, crate::theme::GLIDE * scale, Ease::CubicInOut);
    }
    let at = rect.value(now);
    let shown = settings.lumen.visible
        && lumen.ready().is_some()
        && layer.as_ref().is_some_and(|l| l.visible);
    let alpha = glide.alpha.get_or_insert(Tween::settled(0.0));
    alpha.go(
        now,
        if shown { 1.0 } else { 0.0 },
        crate::theme::FADE * scale,
        Ease::QuadOut,
    );
    let a = alpha.value(now);
    let want_vis = if shown || a > 0.001 {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if *vis != want_vis {
        *vis = want_vis;
    }
    if image.color.alpha() != a {
        image.color.set_alpha(a);
    }
    crate::theme::place(&mut node, at, 0.0);
    // The texture has the size she is going to (drawn scaled on the way), so a change of size
    // makes one new texture, not one a frame.
    let px = UVec2::new(
        (target.w * stage.scale) as u32,
        (target.h * stage.scale) as u32,
    );
    let current = images.get(&image.image).map(|i| i.size());
    if current != Some(px) {
        let new = images.add(target_image(px));
        image.image = new.clone();
        if let Ok(mut target) = camera.single_mut() {
            *target = RenderTarget::Image(new.into());
        }
    }
}

/// Lumen costs nothing hidden. Minimised (the small size) or with the window in the
/// background, it renders at half rate (30 fps at 60 Hz) and without multisampling.
fn throttle(
    mut lumen: ResMut<Lumen>,
    settings: Res<Settings>,
    mut focus: MessageReader<WindowFocused>,
    mut camera: Query<(&mut Camera, &mut Msaa), With<LumenCamera>>,
) {
    for f in focus.read() {
        lumen.focused = f.focused;
    }
    lumen.frame += 1;
    let Ok((mut cam, mut msaa)) = camera.single_mut() else {
        return;
    };
    let low = !lumen.focused || settings.lumen.size == 0;
    let active = settings.lumen.visible
        && lumen.ready().is_some()
        && (!low || lumen.frame.is_multiple_of(2));
    if cam.is_active != active {
        cam.is_active = active;
    }
    let want = if low { Msaa::Off } else { Msaa::Sample4 };
    if *msaa != want {
        *msaa = want;
    }
}

fn notice(
    lumen: Res<Lumen>,
    mut notice: Query<(&mut Visibility, &Children), With<LumenNotice>>,
    mut texts: Query<&mut Text>,
) {
    let Ok((mut vis, children)) = notice.single_mut() else {
        return;
    };
    let msg = lumen
        .message
        .as_ref()
        .filter(|(_, at)| at.elapsed().as_secs() < 10)
        .map(|(m, _)| m.clone());
    crate::theme::show(msg, &mut vis, children, &mut texts);
}
