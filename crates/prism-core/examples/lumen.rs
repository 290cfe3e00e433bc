//! Writes Lumen, Prism's own avatar, as a VRM file: `./x lumen` (or
//! `cargo run -p prism-core --example lumen -- PATH`), by default `assets/mascot/lumen.vrm`.
//! The app builds the same bytes in memory; the file is for other VRM tools.

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "assets/mascot/lumen.vrm".into());
    let t = std::time::Instant::now();
    let bytes = prism_core::avatar::lumen::generate();
    let took = t.elapsed();
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir).expect("create the output folder");
    }
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    println!(
        "{path}: {} KiB, generated in {:.1} ms",
        bytes.len() / 1024,
        took.as_secs_f64() * 1000.0
    );
}
