//! The TV picture: the newest decoded frame's Y, U and V planes go straight from GStreamer's
//! mapped buffer into three GPU textures (`queue.write_texture`, stride as `bytes_per_row`: no
//! CPU copy or colour conversion of ours), and `shaders/video_yuv.wgsl` turns them into RGB on a
//! UI node under everything else. There is a node per tile: tile 0 is the TV's player, 1–3 the
//! other channels of picture-in-picture and multi-view ([`TileFrames`]); `studio::layout` places
//! them.

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
use prism_media::{ColorMatrix, Frame, FrameSlot, PixelLayout};

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
        .init_resource::<TileFrames>()
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

/// A node a tile's picture is drawn on.
#[derive(Component)]
pub struct VideoScreen {
    pub tile: u8,
}

/// Tiles: the TV's picture and three more.
pub const TILES: usize = 4;

/// The decoded frames of tiles 1–3, from whoever plays them (`studio::tiles`).
#[derive(Resource, Default)]
pub struct TileFrames(pub [Option<FrameSlot>; TILES - 1]);

/// The frame the render world should upload next for each tile, and where.
#[derive(Resource, Default, Clone)]
struct VideoFrameToUpload {
    tiles: [TileUpload; TILES],
}

#[derive(Default, Clone)]
struct TileUpload {
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
    /// Frames each other tile (picture-in-picture, multi-view) showed since it last had no
    /// player: what says its picture is up.
    pub tile_frames_shown: [u64; TILES - 1],
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
    commands.insert_resource(VideoStats::default());
    for tile in 0..TILES as u8 {
        let material = materials.add(VideoMaterial {
            params: VideoParams::default(),
            y: blank.clone(),
            u: blank.clone(),
            v: blank.clone(),
        });
        commands.spawn((
            VideoScreen { tile },
            MaterialNode(material),
            Node {
                width: percent(100),
                height: percent(100),
                position_type: PositionType::Absolute,
                ..default()
            },
            // The other tiles show when a layout and a player give them a picture.
            if tile == 0 {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            },
            crate::theme::plane_above(prism_core::scene::Plane::Video, tile),
        ));
    }
}

/// Main world: picks up the newest frame, (re)creates plane textures when the shape changes and
/// keeps the shader's parameters (matrix, range, letterbox) right. The material is only touched
/// when something changed: a touched material is re-prepared (a new bind group) by the renderer.
fn take_frame(
    tv: Option<Res<Tv>>,
    others: Res<TileFrames>,
    mut upload: ResMut<VideoFrameToUpload>,
    mut stats: ResMut<VideoStats>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<VideoMaterial>>,
    screens: Query<(&VideoScreen, &MaterialNode<VideoMaterial>, &ComputedNode)>,
) {
    let Some(tv) = tv else { return };
    for (screen, node, computed) in &screens {
        let tile = usize::from(screen.tile).min(TILES - 1);
        let frames = match tile {
            0 => tv.player.frames(),
            n => others.0[n - 1].as_ref(),
        };
        let up = &mut upload.tiles[tile];
        let Some(frames) = frames else {
            // Nobody plays this tile: forget its picture (a new player starts counting at 1).
            *up = TileUpload::default();
            if tile > 0 {
                stats.tile_frames_shown[tile - 1] = 0;
            }
            continue;
        };
        if let Some(frame) = frames.newer_than(up.seen) {
            let shape = (frame.width(), frame.height(), frame.layout());
            if up.shape != Some(shape) {
                let Some(mut m) = materials.get_mut(&node.0) else {
                    continue;
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
                up.planes = Some([y, u, v]);
                up.shape = Some(shape);
            }
            if tile == 0 {
                if up.seen > 0 {
                    stats.frames_dropped += frame.seq.saturating_sub(up.seen + 1);
                }
                stats.frames_shown += 1;
            } else {
                stats.tile_frames_shown[tile - 1] += 1;
            }
            up.seen = frame.seq;
            up.frame = Some(frame);
        } else if up.frame.is_some() && frames.newer_than(0).is_none() {
            // Stopped or failed: clear the picture.
            up.frame = None;
            up.shape = None;
        }
        let params = up
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
    tiles: [RenderTile; TILES],
}

#[derive(Default)]
struct RenderTile {
    pending: Option<(Arc<Frame>, [AssetId<Image>; 3])>,
    uploaded: u64,
}

fn extract_frame(main: Extract<Res<VideoFrameToUpload>>, mut video: ResMut<RenderVideo>) {
    for (up, tile) in main.tiles.iter().zip(&mut video.tiles) {
        match (&up.frame, &up.planes) {
            (Some(frame), Some(planes)) if frame.seq > tile.uploaded => {
                tile.pending = Some((frame.clone(), planes.clone().map(|h| h.id())));
            }
            // A tile whose player went: its next player counts from 1 again.
            (None, _) if up.seen == 0 => tile.uploaded = 0,
            _ => {}
        }
    }
}

/// Render world: writes the pending frame's planes into the plane textures, from GStreamer's
/// mapped memory (the driver's staging copy is the only one).
fn upload_frame(
    mut video: ResMut<RenderVideo>,
    gpu_images: Res<RenderAssets<GpuImage>>,
    queue: Res<RenderQueue>,
) {
    for tile in &mut video.tiles {
        upload_tile(tile, &gpu_images, &queue);
    }
}

fn upload_tile(video: &mut RenderTile, gpu_images: &RenderAssets<GpuImage>, queue: &RenderQueue) {
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
