//! The scene: what is drawn where. The TV picture, Lumen and the overlays are layers with a
//! z-order, visibility, opacity and a transform (a rectangle in window fractions, a rotation and
//! the anchor the rectangle hangs from); a layout arranges them (TV, Lumen big, side by side,
//! 2×2, picture-in-picture) and is plain TOML a user can write, checked with errors that name the
//! line and the field. How the app draws above and below the layouts is [`Plane`]: the one place
//! the stacking order of the whole window is decided.

pub mod ease;
pub mod output;

use std::fmt;

use serde::Deserialize;
use toml::Spanned;

pub use ease::{Ease, Keyframes, Lerp, Repeat, Tween};

/// The window's stacking order, bottom to top: every drawn thing takes its depth from here, so
/// a new overlay cannot slip under the picture by a stray number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Plane {
    /// The TV picture (and the other tiles of a multi-view).
    Video,
    /// Lumen, over the picture and under every panel.
    Avatar,
    /// Browsing screens: the guide, the grid, settings.
    Screen,
    /// Panels over the picture: details, tracks, recordings, the channel finder.
    Panel,
    /// What asks for an answer: the PIN, the pairing code.
    Dialog,
    /// Transient words over everything: voice, Lumen's notices.
    Notice,
}

impl Plane {
    /// The depth the UI draws it at (Bevy's `GlobalZIndex`): far apart, so a plane's parts
    /// can order themselves within it.
    pub const fn z(self) -> i32 {
        match self {
            Plane::Video => -100,
            Plane::Avatar => -50,
            Plane::Screen => 0,
            Plane::Panel => 10,
            Plane::Dialog => 20,
            Plane::Notice => 40,
        }
    }

    /// The `n`th level inside the plane (a layout's tiles, stacked by their z), never reaching
    /// the plane above.
    pub const fn above(self, n: u8) -> i32 {
        let n = if n > 9 { 9 } else { n };
        self.z() + n as i32
    }
}

/// A rectangle in fractions of the window (0–1, from the top left).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub const FULL: Rect = Rect {
        x: 0.0,
        y: 0.0,
        w: 1.0,
        h: 1.0,
    };

    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> Rect {
        Rect { x, y, w, h }
    }

    /// In pixels of a `width`×`height` window.
    pub fn px(self, width: f32, height: f32) -> Rect {
        Rect::new(
            self.x * width,
            self.y * height,
            self.w * width,
            self.h * height,
        )
    }

    /// The largest rectangle of `aspect` (width / height) inside this one, pushed towards
    /// `anchor` (a portrait avatar in a wide slot stands at the slot's anchored side).
    pub fn fit(self, aspect: f32, anchor: Anchor) -> Rect {
        if aspect <= 0.0 || self.w <= 0.0 || self.h <= 0.0 {
            return self;
        }
        let (w, h) = if self.w / self.h > aspect {
            (self.h * aspect, self.h)
        } else {
            (self.w, self.w / aspect)
        };
        let (ax, ay) = anchor.fraction();
        Rect::new(self.x + (self.w - w) * ax, self.y + (self.h - h) * ay, w, h)
    }
}

impl Lerp for Rect {
    fn lerp(a: Rect, b: Rect, t: f32) -> Rect {
        Rect::new(
            f32::lerp(a.x, b.x, t),
            f32::lerp(a.y, b.y, t),
            f32::lerp(a.w, b.w, t),
            f32::lerp(a.h, b.h, t),
        )
    }
}

/// Which point of the layer its position names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Anchor {
    #[default]
    TopLeft,
    Top,
    TopRight,
    Left,
    Center,
    Right,
    BottomLeft,
    Bottom,
    BottomRight,
}

impl Anchor {
    const NAMES: [(Anchor, &'static str); 9] = [
        (Anchor::TopLeft, "top-left"),
        (Anchor::Top, "top"),
        (Anchor::TopRight, "top-right"),
        (Anchor::Left, "left"),
        (Anchor::Center, "center"),
        (Anchor::Right, "right"),
        (Anchor::BottomLeft, "bottom-left"),
        (Anchor::Bottom, "bottom"),
        (Anchor::BottomRight, "bottom-right"),
    ];

    /// The anchor's place within a layer (0–1 across and down).
    fn fraction(self) -> (f32, f32) {
        let i = Anchor::NAMES
            .iter()
            .position(|(a, _)| *a == self)
            .unwrap_or(0);
        ((i % 3) as f32 / 2.0, (i / 3) as f32 / 2.0)
    }
}

/// The app's panels a layout can place, hide or fade (`kind = "overlay"`, `panel = NAME`),
/// with what each is.
pub const PANELS: [(&str, &str); 7] = [
    ("banner", "the zap banner: number, name, now and next"),
    ("time-bar", "paused, behind live or LIVE, with the buffer"),
    ("captions", "the stream's subtitles"),
    ("volume", "volume, mute and typed channel digits"),
    ("card", "what failed and what is tried next"),
    ("radio", "a radio channel's logo, name and song"),
    ("recording", "the recording badge"),
];

/// What a layer shows.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerKind {
    /// A channel: tile 0 is the main picture; 1–3 the others of a multi-view or PiP.
    Video { tile: u8 },
    /// Lumen.
    Avatar,
    /// One of the app's panels (the banner, captions, the guide…), by name.
    Overlay { panel: String },
    /// A picture file (a logo, a frame).
    Image { path: String },
    /// Words.
    Text { text: String },
}

/// One layer of a layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub name: String,
    pub kind: LayerKind,
    /// Higher draws above (within the scene's plane).
    pub z: i32,
    pub visible: bool,
    pub opacity: f32,
    /// Where the anchor point sits and the layer's size, in window fractions. `None` only for
    /// an avatar the file leaves where the user puts her (K and J).
    pub rect: Option<Rect>,
    pub anchor: Anchor,
    /// Degrees, clockwise.
    pub rotation: f32,
}

impl Layer {
    /// The layer's rectangle from the window's top left (its anchor applied); `None` for an
    /// avatar the user places.
    pub fn bounds(&self) -> Option<Rect> {
        let (ax, ay) = self.anchor.fraction();
        let r = self.rect?;
        Some(Rect::new(r.x - ax * r.w, r.y - ay * r.h, r.w, r.h))
    }
}

/// An arrangement of layers, bottom to top.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub name: String,
    /// Sorted by `z` (ties keep the file's order).
    pub layers: Vec<Layer>,
}

impl Layout {
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The first layer of this kind.
    pub fn find(&self, f: impl Fn(&LayerKind) -> bool) -> Option<&Layer> {
        self.layers.iter().find(|l| f(&l.kind))
    }

    /// Video tile `n`'s layer, when the layout shows it.
    pub fn tile(&self, n: usize) -> Option<&Layer> {
        self.layers.iter().find(|l| {
            l.visible && matches!(l.kind, LayerKind::Video { tile } if usize::from(tile) == n)
        })
    }

    /// Video tiles shown, in tile order.
    pub fn tiles(&self) -> Vec<&Layer> {
        let mut v: Vec<&Layer> = self
            .layers
            .iter()
            .filter(|l| l.visible && matches!(l.kind, LayerKind::Video { .. }))
            .collect();
        v.sort_by_key(|l| match l.kind {
            LayerKind::Video { tile } => tile,
            _ => 0,
        });
        v
    }
}

/// Why a layout file was refused: where, which field, what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutError {
    /// 1-based; 0 when the fault has no place (an empty file).
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.field, self.line) {
            (Some(field), line) if line > 0 => {
                write!(f, "line {line}, {field}: {}", self.message)
            }
            (None, line) if line > 0 => write!(f, "line {line}: {}", self.message),
            (Some(field), _) => write!(f, "{field}: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LayoutError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    name: Spanned<String>,
    #[serde(default, rename = "layer")]
    layers: Vec<RawLayer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    name: Spanned<String>,
    kind: Spanned<String>,
    tile: Option<Spanned<i64>>,
    panel: Option<String>,
    path: Option<String>,
    text: Option<String>,
    #[serde(default)]
    z: i32,
    #[serde(default = "yes")]
    visible: bool,
    opacity: Option<Spanned<f64>>,
    rect: Option<Spanned<Vec<f64>>>,
    anchor: Option<Spanned<String>>,
    #[serde(default)]
    rotation: f64,
}

fn yes() -> bool {
    true
}

/// Reads a layout file.
pub fn parse_layout(text: &str) -> Result<Layout, LayoutError> {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let raw: RawLayout = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(s.start));
        // toml's message names the field ("unknown field `opacty`, expected …").
        let message = e.message().trim().to_owned();
        LayoutError {
            line,
            field: None,
            message,
        }
    })?;
    let fail = |span: std::ops::Range<usize>, field: &str, message: String| LayoutError {
        line: line_of(span.start),
        field: Some(field.to_owned()),
        message,
    };
    let name = raw.name.get_ref().trim();
    if name.is_empty() {
        return Err(fail(
            raw.name.span(),
            "name",
            "a layout needs a name".into(),
        ));
    }
    let mut layers: Vec<Layer> = Vec::new();
    for l in raw.layers {
        let lname = l.name.get_ref().trim().to_owned();
        if lname.is_empty() || layers.iter().any(|o| o.name == lname) {
            let why = if lname.is_empty() {
                "a layer needs a name".to_owned()
            } else {
                format!("two layers are called \"{lname}\"")
            };
            return Err(fail(l.name.span(), "name", why));
        }
        let need = |v: Option<String>, field: &str| {
            v.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                fail(
                    l.kind.span(),
                    field,
                    format!("a {} layer needs its {field}", l.kind.get_ref()),
                )
            })
        };
        let kind = match l.kind.get_ref().as_str() {
            "video" => {
                let tile = l.tile.as_ref().map_or(0, |t| *t.get_ref());
                if !(0..=3).contains(&tile) {
                    let span = l.tile.as_ref().map_or(l.kind.span(), |t| t.span());
                    return Err(fail(span, "tile", format!("a tile is 0 to 3 (got {tile})")));
                }
                LayerKind::Video { tile: tile as u8 }
            }
            "avatar" => LayerKind::Avatar,
            "overlay" => {
                let panel = need(l.panel, "panel")?;
                let Some((name, _)) = PANELS
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(panel.trim()))
                else {
                    let names: Vec<_> = PANELS.iter().map(|(n, _)| *n).collect();
                    return Err(fail(
                        l.kind.span(),
                        "panel",
                        format!("no panel \"{panel}\" ({})", names.join(", ")),
                    ));
                };
                LayerKind::Overlay {
                    panel: (*name).to_owned(),
                }
            }
            "image" => LayerKind::Image {
                path: need(l.path, "path")?,
            },
            "text" => LayerKind::Text {
                text: need(l.text, "text")?,
            },
            other => {
                return Err(fail(
                    l.kind.span(),
                    "kind",
                    format!("no layer kind \"{other}\" (video, avatar, overlay, image or text)"),
                ));
            }
        };
        if matches!(kind, LayerKind::Avatar) && layers.iter().any(|o| o.kind == LayerKind::Avatar) {
            return Err(fail(l.kind.span(), "kind", "there is one Lumen".into()));
        }
        if let LayerKind::Video { tile } = kind
            && layers.iter().any(|o| o.kind == kind)
        {
            return Err(fail(
                l.kind.span(),
                "tile",
                format!("tile {tile} is shown twice"),
            ));
        }
        let rect = match (&l.rect, &kind) {
            (Some(r), _) => Some(r),
            (None, LayerKind::Avatar) => None,
            (None, _) => {
                return Err(fail(
                    l.kind.span(),
                    "rect",
                    format!("a {} layer needs its rect", l.kind.get_ref()),
                ));
            }
        };
        let bad_rect = |r: &Vec<f64>| {
            r.len() != 4
                || r.iter().any(|v| !v.is_finite())
                || r[2] <= 0.0
                || r[3] <= 0.0
                || r[2] > 4.0
                || r[3] > 4.0
                || r[..2].iter().any(|v| !(-2.0..=3.0).contains(v))
        };
        if let Some(rect) = rect
            && bad_rect(rect.get_ref())
        {
            let r = rect.get_ref();
            return Err(fail(
                rect.span(),
                "rect",
                format!(
                    "a rect is [x, y, width, height] in window fractions, sizes above 0 (got {r:?})"
                ),
            ));
        }
        let opacity = match &l.opacity {
            Some(o) if !(0.0..=1.0).contains(o.get_ref()) => {
                return Err(fail(
                    o.span(),
                    "opacity",
                    format!("opacity is 0 to 1 (got {})", o.get_ref()),
                ));
            }
            Some(o) => *o.get_ref() as f32,
            None => 1.0,
        };
        let anchor = match &l.anchor {
            None => Anchor::TopLeft,
            Some(a) => Anchor::NAMES
                .iter()
                .find(|(_, n)| n.eq_ignore_ascii_case(a.get_ref()))
                .map(|(a, _)| *a)
                .ok_or_else(|| {
                    let names: Vec<_> = Anchor::NAMES.iter().map(|(_, n)| *n).collect();
                    fail(
                        a.span(),
                        "anchor",
                        format!("no anchor \"{}\" ({})", a.get_ref(), names.join(", ")),
                    )
                })?,
        };
        layers.push(Layer {
            name: lname,
            kind,
            z: l.z,
            visible: l.visible,
            opacity,
            rect: rect.map(|r| {
                let r = r.get_ref();
                Rect::new(r[0] as f32, r[1] as f32, r[2] as f32, r[3] as f32)
            }),
            anchor,
            rotation: l.rotation as f32,
        });
    }
    if !layers
        .iter()
        .any(|l| matches!(l.kind, LayerKind::Video { tile: 0 }))
    {
        return Err(LayoutError {
            line: 0,
            field: Some("layer".into()),
            message: "a layout shows the TV: it needs a video layer with tile 0".into(),
        });
    }
    layers.sort_by_key(|l| l.z);
    Ok(Layout {
        name: name.to_owned(),
        layers,
    })
}

/// The layouts Prism ships, as the files a user would write (id, file).
pub const BUILTIN: [(&str, &str); 5] = [
    ("tv", include_str!("layouts/tv.toml")),
    ("lumen-big", include_str!("layouts/lumen-big.toml")),
    ("side-by-side", include_str!("layouts/side-by-side.toml")),
    ("quad", include_str!("layouts/quad.toml")),
    ("pip", include_str!("layouts/pip.toml")),
];

/// A shipped layout by id.
pub fn builtin(id: &str) -> Option<Layout> {
    BUILTIN
        .iter()
        .find(|(i, _)| *i == id)
        .and_then(|(_, text)| parse_layout(text).ok())
}

/// The layout in force: a file that fails to read leaves the last good one in place, and says
/// why.
#[derive(Clone, Debug)]
pub struct Layouts {
    current: Layout,
    /// Why the last file was refused, until a good one comes.
    pub error: Option<LayoutError>,
}

impl Default for Layouts {
    fn default() -> Self {
        Layouts {
            current: builtin("tv").expect("the shipped TV layout reads"),
            error: None,
        }
    }
}

impl Layouts {
    pub fn current(&self) -> &Layout {
        &self.current
    }

    /// Switches to a shipped layout (`false`: no such id).
    pub fn use_builtin(&mut self, id: &str) -> bool {
        match builtin(id) {
            Some(l) => {
                self.current = l;
                self.error = None;
                true
            }
            None => false,
        }
    }

    /// Switches to a layout file's contents; a bad one keeps the current layout and its error
    /// is returned (and kept in `error`).
    pub fn load(&mut self, text: &str) -> Result<&Layout, LayoutError> {
        match parse_layout(text) {
            Ok(l) => {
                self.current = l;
                self.error = None;
                Ok(&self.current)
            }
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_layout_reads_and_shows_the_tv() {
        for (id, text) in BUILTIN {
            let l = parse_layout(text).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(l.tiles()[0].visible, "{id}");
            // Every layer sits at least partly in the window.
            for layer in &l.layers {
                let Some(b) = layer.bounds() else {
                    assert_eq!(layer.kind, LayerKind::Avatar, "{id}");
                    continue;
                };
                assert!(
                    b.x < 1.0 && b.y < 1.0 && b.x + b.w > 0.0 && b.y + b.h > 0.0,
                    "{id}: {layer:?}"
                );
            }
        }
        assert_eq!(builtin("quad").unwrap().tiles().len(), 4);
        assert_eq!(builtin("pip").unwrap().tiles().len(), 2);
        let big = builtin("lumen-big").unwrap();
        let small = builtin("tv").unwrap();
        let lumen = |l: &Layout| l.find(|k| *k == LayerKind::Avatar).unwrap().bounds();
        assert!(lumen(&big).unwrap().h > 0.9);
        assert_eq!(
            lumen(&small),
            None,
            "on the TV she stands where the user put her"
        );
    }

    #[test]
    fn anchors_hang_the_rect_from_their_point() {
        let mut l = Layer {
            name: "x".into(),
            kind: LayerKind::Avatar,
            z: 0,
            visible: true,
            opacity: 1.0,
            rect: Some(Rect::new(0.98, 0.97, 0.2, 0.4)),
            anchor: Anchor::BottomRight,
            rotation: 0.0,
        };
        let b = l.bounds().unwrap();
        assert!((b.x - 0.78).abs() < 1e-6 && (b.y - 0.57).abs() < 1e-6);
        l.anchor = Anchor::Center;
        l.rect = Some(Rect::new(0.5, 0.5, 0.2, 0.4));
        assert_eq!(l.bounds(), Some(Rect::new(0.4, 0.3, 0.2, 0.4)));
        // A portrait avatar in a wide slot keeps its shape, at the anchored side.
        let slot = Rect::new(100.0, 0.0, 400.0, 200.0);
        assert_eq!(
            slot.fit(0.75, Anchor::BottomRight),
            Rect::new(350.0, 0.0, 150.0, 200.0)
        );
        assert_eq!(
            slot.fit(0.75, Anchor::Center),
            Rect::new(225.0, 0.0, 150.0, 200.0)
        );
        assert_eq!(
            slot.fit(4.0, Anchor::TopLeft),
            Rect::new(100.0, 0.0, 400.0, 100.0)
        );
    }

    fn err(text: &str) -> String {
        parse_layout(text).unwrap_err().to_string()
    }

    #[test]
    fn a_bad_layout_names_its_line_and_field_and_the_last_good_one_stays() {
        let tv =
            "name = \"Mine\"\n[[layer]]\nname = \"tv\"\nkind = \"video\"\nrect = [0, 0, 1, 1]\n";
        assert_eq!(parse_layout(tv).unwrap().name, "Mine");
        let with = |extra: &str| format!("{tv}[[layer]]\nname = \"lumen\"\n{extra}");
        assert_eq!(
            err(&with(
                "kind = \"avatar\"\nrect = [0.7, 0.5, 0.25, 0.45]\nopacity = 1.5\n"
            )),
            "line 10, opacity: opacity is 0 to 1 (got 1.5)"
        );
        assert_eq!(
            err(&with("kind = \"avtar\"\nrect = [0, 0, 1, 1]\n")),
            "line 8, kind: no layer kind \"avtar\" (video, avatar, overlay, image or text)"
        );
        assert!(
            err(&with(
                "kind = \"avatar\"\nrect = [0, 0, 1, 1]\nopacty = 1\n"
            ))
            .starts_with("line 10: unknown field `opacty`"),
            "{}",
            err(&with(
                "kind = \"avatar\"\nrect = [0, 0, 1, 1]\nopacty = 1\n"
            ))
        );
        assert_eq!(
            err(&with("kind = \"avatar\"\nrect = [0, 0, 0, 1]\n")),
            "line 9, rect: a rect is [x, y, width, height] in window fractions, sizes above 0 \
             (got [0.0, 0.0, 0.0, 1.0])"
        );
        assert_eq!(
            err(&with(
                "kind = \"avatar\"\nrect = [0, 0, 1, 1]\nanchor = \"middle\"\n"
            )),
            "line 10, anchor: no anchor \"middle\" (top-left, top, top-right, left, center, \
             right, bottom-left, bottom, bottom-right)"
        );
        assert_eq!(
            err(&with("kind = \"video\"\nrect = [0, 0, 1, 1]\n")),
            "line 8, tile: tile 0 is shown twice"
        );
        assert_eq!(
            err(&with("kind = \"overlay\"\nrect = [0, 0, 1, 1]\n")),
            "line 8, panel: a overlay layer needs its panel"
        );
        assert_eq!(
            err(&with(
                "kind = \"overlay\"\npanel = \"clock\"\nrect = [0, 0, 1, 1]\n"
            )),
            "line 8, panel: no panel \"clock\" (banner, time-bar, captions, volume, card, \
             radio, recording)"
        );
        assert_eq!(
            parse_layout(&with(
                "kind = \"overlay\"\npanel = \"Banner\"\nrect = [0, 0, 1, 0.2]\n"
            ))
            .unwrap()
            .layer("lumen")
            .map(|l| l.kind.clone()),
            Some(LayerKind::Overlay {
                panel: "banner".into()
            })
        );
        assert_eq!(
            err(&with("kind = \"text\"\ntext = \"hi\"\n")),
            "line 8, rect: a text layer needs its rect"
        );
        assert!(
            parse_layout(&with("kind = \"avatar\"\n")).is_ok(),
            "placed by the user"
        );
        assert!(err("name = \"x\"\n").contains("needs a video layer with tile 0"));
        assert!(err("name = \"x\"\n[[layer]\n").starts_with("line 2:"));

        let mut layouts = Layouts::default();
        assert_eq!(layouts.current().name, "TV");
        assert!(layouts.load("name = 3").is_err());
        assert_eq!(layouts.current().name, "TV", "the last good layout stays");
        assert!(layouts.error.is_some());
        assert_eq!(layouts.load(tv).unwrap().name, "Mine");
        assert!(layouts.error.is_none());
        assert!(layouts.use_builtin("quad") && !layouts.use_builtin("nine"));
    }

    #[test]
    fn planes_stack_the_picture_under_lumen_under_every_panel() {
        let all = [
            Plane::Video,
            Plane::Avatar,
            Plane::Screen,
            Plane::Panel,
            Plane::Dialog,
            Plane::Notice,
        ];
        assert!(all.windows(2).all(|p| p[0].z() < p[1].z()));
        assert!(all.windows(2).all(|p| p[0].above(200) < p[1].z()));
    }
}
