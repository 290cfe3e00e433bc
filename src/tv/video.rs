//! The TV picture: the newest decoded frame's Y, U and V planes go straight from GStreamer's
//! mapped buffer into three GPU textures (`queue.write_texture`, stride as `bytes_per_row`: no
//! CPU copy or colour conversion of ours), and `shaders/video_yuv.wgsl` turns them into RGB on a
//! full-window UI node under everything else.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bevy::asset::{RenderAssetUsages, uuid_handle};
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::{
    AsBindGroup, Extent3d, Origin3d, ShaderType, TexelCopyBufferLayout, TexelCopyTextureInfo,
    TextureAspect, TextureDimension, TextureFormat,
};
use bevy::render::renderer::RenderQueue;
use bevy::render::texture::GpuImage;
use bevy::render::{Extract, ExtractSchedule, Render, RenderApp, RenderSystems};
use bevy::shader::{Shader, ShaderRef};
use bevy::ui_render::prelude::{MaterialNode, UiMaterial, UiMaterialPlugin};
use prism_media::{ColorMatrix, Frame, PixelLayout};

use crate::tv::Tv;

const SHADER: Handle<Shader> = uuid_handle!("6f1f6d8e-2a55-4f7e-9d0b-5e1c8b7f3a10");

pub fn plugin(app: &mut App) {
    app.world_mut()
        .resource_mut::<Assets<Shader>>()
        .insert(
            SHADER.id(),
            Shader::from_wgsl(
                include_str!("../../shaders/video_yuv.wgsl"),
                "shaders/video_yuv.wgsl",
            ),
        )
        .expect("uuid asset ids always insert");
    app.add_plugins(UiMaterialPlugin::<VideoMaterial>::default())
        .init_resource::<VideoFrameToUpload>()
        .add_systems(Startup, spawn_screen)
        .add_systems(Update, take_frame);
    if let Some(render) = app.get_sub_app_mut(RenderApp) {
        render
            .init_resource::<RenderVideo>()
            .add_systems(ExtractSchedule, extract_frame)
            .add_systems(
                Render,
                upload_frame
                    .in_set(RenderSystems::PrepareResources)
                    .after(RenderSystems::PrepareAssets),
            );
    }
}

#[derive(Clone, Copy, Default, ShaderType, Debug, PartialEq)]
pub struct VideoParams {
    mode: Vec4,
    rect: Vec4,
}

#[derive(Asset, TypePath, AsBindGroup, Clone, Debug)]
pub struct VideoMaterial {
    #[uniform(0)]
    params: VideoParams,
    #[texture(1)]
    y: Handle<Image>,
    #[texture(2)]
    u: Handle<Image>,
    #[texture(3)]
    #[sampler(4)]
    v: Handle<Image>,
}

impl UiMaterial for VideoMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }
}

/// The full-window node the picture is drawn on.
#[derive(Component)]
pub struct VideoScreen;

/// The frame the render world should upload next, and where.
#[derive(Resource, Default, Clone)]
struct VideoFrameToUpload {
    frame: Option<Arc<Frame>>,
    planes: Option<[Handle<Image>; 3]>,
    /// Frames shown so far (the newest `Frame::seq` taken).
    seen: u64,
    shape: Option<(u32, u32, PixelLayout)>,
}

/// Render-thread time spent writing frames to textures (ns) and frames written: the app's own
/// share of the video path, which benches and the autopilot report.
pub static UPLOAD_NANOS: AtomicU64 = AtomicU64::new(0);
pub static UPLOADS: AtomicU64 = AtomicU64::new(0);

/// Presentation statistics other plugins read (the autopilot's "is a picture on").
#[derive(Resource, Default)]
pub struct VideoStats {
    pub frames_shown: u64,
    /// Decoded frames replaced by newer ones before a frame showed them (the app fell behind
    /// the stream).
    pub frames_dropped: u64,
}

fn plane_image(w: u32, h: u32, format: TextureFormat) -> Image {
    let mut img = Image::new_uninit(
        Extent3d {
            width: w.max(1),
            height: h.max(1),
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        format,
        // The pixels never live in the main world: the render world writes them from the frame.
        RenderAssetUsages::RENDER_WORLD,
    );
    img.sampler = ImageSampler::linear();
    img
}

fn spawn_screen(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<VideoMaterial>>,
) {
    let blank = images.add(plane_image(2, 2, TextureFormat::R8Unorm));
    let material = materials.add(VideoMaterial {
        params: VideoParams::default(),
        y: blank.clone(),
        u: blank.clone(),
        v: blank,
    });
    commands.insert_resource(VideoStats::default());
    commands.spawn((
        VideoScreen,
        MaterialNode(material),
        Node {
            width: percent(100),
            height: percent(100),
            position_type: PositionType::Absolute,
            ..default()
        },
        crate::theme::plane(prism_core::scene::Plane::Video),
    ));
}

/// Main world: picks up the newest frame, (re)creates plane textures when the shape changes and
/// keeps the shader's parameters (matrix, range, letterbox) right. The material is only touched
/// when something changed: a touched material is re-prepared (a new bind group) by the renderer.
fn take_frame(
    tv: Option<Res<Tv>>,
    mut upload: ResMut<VideoFrameToUpload>,
    mut stats: ResMut<VideoStats>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<VideoMaterial>>,
    screen: Query<(&MaterialNode<VideoMaterial>, &ComputedNode), With<VideoScreen>>,
) {
    let Some(tv) = tv else { return };
    let Ok((node, computed)) = screen.single() else {
        return;
    };
    let Some(frames) = tv.player.frames() else {
        return;
    };
    if let Some(frame) = frames.newer_than(upload.seen) {
        let shape = (frame.width(), frame.height(), frame.layout());
        if upload.shape != Some(shape) {
            let Some(mut m) = materials.get_mut(&node.0) else {
                return;
            };
            let (w, h, layout) = shape;
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            let y = images.add(plane_image(w, h, TextureFormat::R8Unorm));
            let (u, v) = match layout {
                PixelLayout::I420 => (
                    images.add(plane_image(cw, ch, TextureFormat::R8Unorm)),
                    images.add(plane_image(cw, ch, TextureFormat::R8Unorm)),
                ),
                PixelLayout::Nv12 => {
                    let uv = images.add(plane_image(cw, ch, TextureFormat::Rg8Unorm));
                    (uv.clone(), uv)
                }
            };
            (m.y, m.u, m.v) = (y.clone(), u.clone(), v.clone());
            upload.planes = Some([y, u, v]);
            upload.shape = Some(shape);
        }
        if upload.seen > 0 {
            stats.frames_dropped += frame.seq.saturating_sub(upload.seen + 1);
        }
        upload.seen = frame.seq;
        stats.frames_shown += 1;
        upload.frame = Some(frame);
    } else if upload.frame.is_some() && frames.newer_than(0).is_none() {
        // Stopped or failed: clear the picture.
        upload.frame = None;
        upload.shape = None;
    }
    let params = upload
        .frame
        .as_ref()
        .map_or_else(VideoParams::default, |f| VideoParams {
            mode: Vec4::new(
                f32::from(f.matrix() == ColorMatrix::Bt709),
                f32::from(f.full_range()),
                f32::from(f.layout() == PixelLayout::Nv12),
                1.0,
            ),
            rect: letterbox(computed.size(), f.width() as f32 / f.height().max(1) as f32),
        });
    if materials.get(&node.0).is_some_and(|m| m.params != params)
        && let Some(mut m) = materials.get_mut(&node.0)
    {
        m.params = params;
    }
}

/// The picture's rectangle (UV) inside a node of `size`, keeping the stream's aspect ratio.
fn letterbox(size: Vec2, aspect: f32) -> Vec4 {
    if size.x <= 0.0 || size.y <= 0.0 {
        return Vec4::new(0.0, 0.0, 1.0, 1.0);
    }
    let node_aspect = size.x / size.y;
    if node_aspect > aspect {
        let w = aspect / node_aspect;
        Vec4::new((1.0 - w) / 2.0, 0.0, (1.0 + w) / 2.0, 1.0)
    } else {
        let h = node_aspect / aspect;
        Vec4::new(0.0, (1.0 - h) / 2.0, 1.0, (1.0 + h) / 2.0)
    }
}

#[derive(Resource, Default)]
struct RenderVideo {
    pending: Option<(Arc<Frame>, [AssetId<Image>; 3])>,
    uploaded: u64,
}

fn extract_frame(main: Extract<Res<VideoFrameToUpload>>, mut video: ResMut<RenderVideo>) {
    if let (Some(frame), Some(planes)) = (&main.frame, &main.planes)
        && frame.seq > video.uploaded
    {
        video.pending = Some((frame.clone(), planes.clone().map(|h| h.id())));
    }
}

/// Render world: writes the pending frame's planes into the plane textures, from GStreamer's
/// mapped memory (the driver's staging copy is the only one).
fn upload_frame(
    mut video: ResMut<RenderVideo>,
    gpu_images: Res<RenderAssets<GpuImage>>,
    queue: Res<RenderQueue>,
) {
    let Some((frame, ids)) = video.pending.as_ref() else {
        return;
    };
    let Some(textures) = ids
        .iter()
        .map(|id| gpu_images.get(*id))
        .collect::<Option<Vec<_>>>()
    else {
        return; // textures are created this frame; try next frame
    };
    let started = Instant::now();
    let (w, h) = (frame.width(), frame.height());
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let planes: &[(u32, u32, u32)] = match frame.layout() {
        PixelLayout::I420 => &[(0, w, h), (1, cw, ch), (2, cw, ch)],
        PixelLayout::Nv12 => &[(0, w, h), (1, cw, ch)],
    };
    for &(i, pw, ph) in planes {
        let Some((data, stride)) = frame.plane(i) else {
            return;
        };
        let tex = textures[i as usize];
        if tex.texture_descriptor.size.width != pw || tex.texture_descriptor.size.height != ph {
            return; // a resize is on its way
        }
        queue.write_texture(
            TexelCopyTextureInfo {
                texture: &tex.texture,
                mip_level: 0,
                origin: Origin3d::ZERO,
                aspect: TextureAspect::All,
            },
            data,
            TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(stride),
                rows_per_image: Some(ph),
            },
            Extent3d {
                width: pw,
                height: ph,
                depth_or_array_layers: 1,
            },
        );
    }
    video.uploaded = frame.seq;
    video.pending = None;
    UPLOAD_NANOS.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    UPLOADS.fetch_add(1, Ordering::Relaxed);
}
