//! Prism's icon, drawn in code like Lumen: a glass prism on a night-blue tile, a beam of white
//! light entering from the left and a fan of the spectrum leaving on the right. The same
//! shapes as an SVG (the scalable icon) and as PNGs at any size (the hicolor sizes), each
//! pixel the average of 4×4 samples so small sizes stay smooth.

use std::io::Write;

/// The icon's shapes in a 1×1 square, y down.
const TRIANGLE: [(f32, f32); 3] = [(0.5, 0.2), (0.24, 0.72), (0.76, 0.72)];
/// Where the beam meets the prism's left face, and where it starts.
const BEAM: [(f32, f32); 2] = [(0.08, 0.58), (0.40, 0.42)];
/// Where the spectrum leaves the right face, and its colours top to bottom.
const EXIT: (f32, f32) = (0.60, 0.44);
const SPECTRUM: [[u8; 3]; 6] = [
    [235, 64, 52],
    [245, 146, 40],
    [247, 214, 54],
    [76, 196, 92],
    [52, 132, 235],
    [140, 82, 214],
];
const TILE: [u8; 3] = [16, 20, 34];
const GLASS: [u8; 3] = [214, 228, 246];
/// The fan's angles (radians, y down) from its top edge to its bottom edge.
const FAN: (f32, f32) = (0.0, 0.6);
const CORNER: f32 = 0.2;

/// The colour at (x, y) in the unit square, with its coverage (0: outside the tile).
fn sample(x: f32, y: f32) -> ([u8; 3], f32) {
    if !in_rounded_square(x, y) {
        return ([0, 0, 0], 0.0);
    }
    if in_triangle(x, y) {
        return (GLASS, 1.0);
    }
    if distance_to_segment((x, y), BEAM[0], BEAM[1]) < 0.022 {
        return ([250, 250, 250], 1.0);
    }
    let (dx, dy) = (x - EXIT.0, y - EXIT.1);
    if dx > 0.0 {
        let angle = dy.atan2(dx);
        if angle >= FAN.0 && angle < FAN.1 {
            let band = ((angle - FAN.0) / (FAN.1 - FAN.0) * SPECTRUM.len() as f32) as usize;
            return (SPECTRUM[band.min(SPECTRUM.len() - 1)], 1.0);
        }
    }
    (TILE, 1.0)
}

fn in_rounded_square(x: f32, y: f32) -> bool {
    let (m, r) = (0.04, CORNER);
    if !(m..=1.0 - m).contains(&x) || !(m..=1.0 - m).contains(&y) {
        return false;
    }
    let cx = x.clamp(m + r, 1.0 - m - r);
    let cy = y.clamp(m + r, 1.0 - m - r);
    (x - cx).powi(2) + (y - cy).powi(2) <= r * r
}

fn in_triangle(x: f32, y: f32) -> bool {
    let [a, b, c] = TRIANGLE;
    let side = |p: (f32, f32), q: (f32, f32)| (q.0 - p.0) * (y - p.1) - (q.1 - p.1) * (x - p.0);
    let (d1, d2, d3) = (side(a, b), side(b, c), side(c, a));
    let neg = d1 < 0.0 || d2 < 0.0 || d3 < 0.0;
    let pos = d1 > 0.0 || d2 > 0.0 || d3 > 0.0;
    !(neg && pos)
}

fn distance_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * vx + (p.1 - a.1) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    ((p.0 - a.0 - t * vx).powi(2) + (p.1 - a.1 - t * vy).powi(2)).sqrt()
}

/// The icon as RGBA rows, `size` pixels square.
pub fn rgba(size: u32) -> Vec<u8> {
    const N: u32 = 4;
    let mut out = Vec::with_capacity((size * size * 4) as usize);
    for py in 0..size {
        for px in 0..size {
            let mut acc = [0f32; 4];
            for sy in 0..N {
                for sx in 0..N {
                    let x = (px as f32 + (sx as f32 + 0.5) / N as f32) / size as f32;
                    let y = (py as f32 + (sy as f32 + 0.5) / N as f32) / size as f32;
                    let (c, a) = sample(x, y);
                    for i in 0..3 {
                        acc[i] += c[i] as f32 * a;
                    }
                    acc[3] += a;
                }
            }
            let a = acc[3];
            for v in &acc[..3] {
                out.push(if a > 0.0 { (v / a).round() as u8 } else { 0 });
            }
            out.push((a / (N * N) as f32 * 255.0).round() as u8);
        }
    }
    out
}

/// The icon as a PNG file, `size` pixels square (8-bit RGBA, one zlib stream).
pub fn png(size: u32) -> Vec<u8> {
    let pixels = rgba(size);
    let mut raw = Vec::with_capacity(pixels.len() + size as usize);
    for row in pixels.chunks_exact(size as usize * 4) {
        raw.push(0); // no filter
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).expect("in memory");
    let idat = z.finish().expect("in memory");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", &ihdr), (b"IDAT", &idat), (b"IEND", &Vec::new())] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    out
}

/// The same icon as an SVG (the scalable one), in a 256-unit square.
pub fn svg() -> String {
    let p = |(x, y): (f32, f32)| format!("{:.1},{:.1}", x * 256.0, y * 256.0);
    let m = 0.04 * 256.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"256\" height=\"256\" viewBox=\"0 0 256 256\">\n\
         <title>Prism</title>\n\
         <clipPath id=\"tile\"><rect x=\"{m:.1}\" y=\"{m:.1}\" width=\"{w:.1}\" height=\"{w:.1}\" rx=\"{r:.1}\"/></clipPath>\n\
         <rect x=\"{m:.1}\" y=\"{m:.1}\" width=\"{w:.1}\" height=\"{w:.1}\" rx=\"{r:.1}\" fill=\"#{t}\"/>\n\
         <g clip-path=\"url(#tile)\">\n",
        w = 256.0 - 2.0 * m,
        r = CORNER * 256.0,
        t = hex(TILE),
    );
    let step = (FAN.1 - FAN.0) / SPECTRUM.len() as f32;
    for (i, c) in SPECTRUM.iter().enumerate() {
        let (a0, a1) = (FAN.0 + step * i as f32, FAN.0 + step * (i + 1) as f32);
        let far = |a: f32| (EXIT.0 + 2.0 * a.cos(), EXIT.1 + 2.0 * a.sin());
        s += &format!(
            "<polygon points=\"{} {} {}\" fill=\"#{}\"/>\n",
            p(EXIT),
            p(far(a0)),
            p(far(a1)),
            hex(*c)
        );
    }
    s += &format!(
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#fafafa\" stroke-width=\"{:.1}\" stroke-linecap=\"round\"/>\n",
        BEAM[0].0 * 256.0,
        BEAM[0].1 * 256.0,
        BEAM[1].0 * 256.0,
        BEAM[1].1 * 256.0,
        0.044 * 256.0
    );
    s += "</g>\n";
    s += &format!(
        "<polygon points=\"{} {} {}\" fill=\"#{}\"/>\n</svg>\n",
        p(TRIANGLE[0]),
        p(TRIANGLE[1]),
        p(TRIANGLE[2]),
        hex(GLASS)
    );
    s
}

fn hex(c: [u8; 3]) -> String {
    format!("{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_has_its_tile_prism_beam_and_spectrum_and_transparent_corners() {
        let size = 64;
        let px = rgba(size);
        let at = |x: f32, y: f32| {
            let i = (((y * size as f32) as u32 * size + (x * size as f32) as u32) * 4) as usize;
            [px[i], px[i + 1], px[i + 2], px[i + 3]]
        };
        assert_eq!(at(0.0, 0.0)[3], 0, "a transparent corner");
        assert_eq!(at(0.5, 0.55), [GLASS[0], GLASS[1], GLASS[2], 255]);
        assert_eq!(at(0.5, 0.9), [TILE[0], TILE[1], TILE[2], 255]);
        // Halfway along the fan, in its first and last bands.
        let band = (FAN.1 - FAN.0) / SPECTRUM.len() as f32;
        let along = |a: f32| at(EXIT.0 + 0.28 * a.cos(), EXIT.1 + 0.28 * a.sin());
        let red = along(FAN.0 + band / 2.0);
        let violet = along(FAN.1 - band / 2.0);
        assert!(red[0] > 200 && red[2] < 80, "red at the fan's top: {red:?}");
        assert!(
            violet[2] > 180 && violet[1] < 120,
            "violet at its bottom: {violet:?}"
        );
    }

    #[test]
    fn the_png_is_a_well_formed_file_of_the_size_asked() {
        let png = png(48);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 48);
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // The pixels come back out of the zlib stream whole.
        let idat_len = u32::from_be_bytes(png[33..37].try_into().unwrap()) as usize;
        assert_eq!(&png[37..41], b"IDAT");
        let mut raw = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::ZlibDecoder::new(&png[41..41 + idat_len]),
            &mut raw,
        )
        .unwrap();
        assert_eq!(raw.len(), 48 * (48 * 4 + 1));
        let svg = svg();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polygon").count(), SPECTRUM.len() + 1);
    }
}
