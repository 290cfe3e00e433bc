//! Pairing a phone with the remote page: a six-digit code (and a QR code of the page's address
//! with it) shown on the TV for five minutes. The phone sends the code to `POST /pair` and gets
//! the hub's token as a cookie; a code works once, and five wrong tries burn it.

use std::time::{Duration, Instant};

use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use crate::t;
use crate::theme::{self, text};

/// How long a code stands.
pub const FOR: Duration = Duration::from_secs(300);
/// Wrong codes before the code is burnt (a million codes, five guesses).
const TRIES: u8 = 5;
/// How long "paired" stays on the TV.
const PAIRED_FOR: Duration = Duration::from_secs(4);

pub fn plugin(app: &mut App) {
    app.init_resource::<Pairing>()
        .add_systems(Startup, spawn)
        .add_systems(Update, show.in_set(crate::app::AppSystems::Draw));
}

/// The code on the TV, if any.
#[derive(Resource, Default)]
pub struct Pairing {
    open: Option<Open>,
    /// A phone paired a moment ago (said on the TV).
    paired: Option<Instant>,
    /// Something changed the panel's content.
    changed: bool,
}

struct Open {
    code: String,
    url: String,
    since: Instant,
    tries: u8,
    qr: Option<Image>,
    /// Over the LAN: the panel says plainly that the link is not encrypted.
    lan: bool,
}

impl Pairing {
    /// A new code, shown on the TV with `base` (the page's address) and a QR code of it.
    pub fn open(&mut self, base: &str, lan: bool) -> Result<(String, String), String> {
        let mut bytes = [0u8; 4];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| "no random bytes from the system".to_owned())?;
        let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
        let url = format!("{base}#pair={code}");
        self.open = Some(Open {
            qr: qr_image(&url),
            code: code.clone(),
            url: url.clone(),
            since: Instant::now(),
            tries: 0,
            lan,
        });
        self.changed = true;
        Ok((code, url))
    }

    /// Checks a phone's code: right, the code is used up; wrong five times, it is burnt.
    pub fn check(&mut self, code: &str) -> Result<(), String> {
        let Some(open) = self.open.as_mut().filter(|o| o.since.elapsed() < FOR) else {
            return Err(t!("pair-no-code"));
        };
        if prism_core::hub::same_secret(code.as_bytes(), open.code.as_bytes()) {
            self.open = None;
            self.paired = Some(Instant::now());
            self.changed = true;
            return Ok(());
        }
        open.tries += 1;
        if open.tries >= TRIES {
            self.open = None;
            self.changed = true;
        }
        Err(t!("pair-wrong-code"))
    }
}

/// A QR code of `url` as an image, a pixel a module with a quiet zone of four.
fn qr_image(url: &str) -> Option<Image> {
    let qr = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let w = qr.width();
    let side = w + 8;
    let mut px = vec![255u8; side * side * 4];
    for (i, c) in qr.to_colors().into_iter().enumerate() {
        if c == qrcode::Color::Dark {
            let at = ((i / w + 4) * side + i % w + 4) * 4;
            px[at..at + 3].fill(0);
        }
    }
    let mut img = Image::new(
        Extent3d {
            width: side as u32,
            height: side as u32,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        px,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    // Sharp modules, scaled up: a phone's camera reads edges.
    img.sampler = ImageSampler::nearest();
    Some(img)
}

#[derive(Component)]
struct Panel;
#[derive(Component)]
struct Qr;
#[derive(Component)]
struct Words;
#[derive(Component)]
struct Code;

fn spawn(mut commands: Commands) {
    // Bottom right, the QR code beside the words: clear of the settings panel above it (the
    // Remote page is short), over the zap banner while both show.
    commands
        .spawn((
            Panel,
            Node {
                position_type: PositionType::Absolute,
                right: percent(3),
                bottom: percent(4),
                width: px(620),
                flex_direction: FlexDirection::Row,
                align_items: AlignItems::Center,
                column_gap: px(20),
                padding: UiRect::all(px(18)),
                border_radius: BorderRadius::all(px(14)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            crate::theme::plane(prism_core::scene::Plane::Dialog),
            theme::ViewerOnly,
            Visibility::Hidden,
        ))
        .with_children(|p| {
            p.spawn((
                Qr,
                ImageNode::default(),
                Node {
                    width: px(180),
                    height: px(180),
                    flex_shrink: 0.0,
                    ..default()
                },
            ));
            p.spawn(Node {
                flex_direction: FlexDirection::Column,
                flex_grow: 1.0,
                flex_basis: px(0),
                row_gap: px(8),
                ..default()
            })
            .with_children(|c| {
                c.spawn((Words, text("", 20.0, theme::TEXT)));
                c.spawn((Code, text("", 52.0, theme::ACCENT)));
            });
        });
}

fn show(
    mut pairing: ResMut<Pairing>,
    mut panel: Query<&mut Visibility, With<Panel>>,
    mut qr: Query<(&mut ImageNode, &mut Node), With<Qr>>,
    mut words: Query<&mut Text, (With<Words>, Without<Code>)>,
    mut code: Query<&mut Text, With<Code>>,
    mut images: ResMut<Assets<Image>>,
) {
    let expired = pairing
        .open
        .as_ref()
        .is_some_and(|o| o.since.elapsed() >= FOR);
    let faded = pairing.paired.is_some_and(|t| t.elapsed() >= PAIRED_FOR);
    if expired {
        pairing.open = None;
        pairing.changed = true;
    }
    if faded {
        pairing.paired = None;
        pairing.changed = true;
    }
    if !std::mem::take(&mut pairing.changed) {
        return;
    }
    let Ok(mut vis) = panel.single_mut() else {
        return;
    };
    let (Ok((mut view, mut node)), Ok(mut words), Ok(mut code)) =
        (qr.single_mut(), words.single_mut(), code.single_mut())
    else {
        return;
    };
    let pairing = &mut *pairing;
    match (&mut pairing.open, pairing.paired) {
        (Some(open), _) => {
            *vis = Visibility::Inherited;
            if let Some(img) = open.qr.take() {
                view.image = images.add(img);
            }
            node.display = Display::Flex;
            let page = open.url.split('#').next().unwrap_or_default();
            words.0 = t!("pair-panel", url = page);
            if open.lan {
                words.0 = format!("{}\n{}", t!("pair-lan-plain"), words.0);
            }
            // Grouped as people read codes out: 388 737.
            code.0 = format!("{} {}", &open.code[..3], &open.code[3..]);
        }
        (None, Some(_)) => {
            *vis = Visibility::Inherited;
            node.display = Display::None;
            words.0 = t!("pair-done");
            code.0.clear();
        }
        (None, None) => *vis = Visibility::Hidden,
    }
}
