//! `previewbench`: how long the server takes to turn a camera-sized photo
//! into its preview (SPEC §6), run by hand (bench/attachments.sh), never in CI.
//!
//! Writes a 4000 × 3000 baseline JPEG (a noisy gradient, so the encoder
//! cannot cheat) with an EXIF orientation, then times the server's own
//! processing function (`consilium::attachments::media::process`: header
//! check, full decode, orientation, metadata strip or re-encode, thumbnail
//! and preview encode) over several runs and prints the median and max.

use std::time::Instant;

use consilium::attachments::detect::Format;
use consilium::attachments::media;

fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let (w, h) = (4000u32, 3000u32);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed & 0x1f) as u8;
        image::Rgb([
            ((x * 255 / w) as u8).saturating_add(noise),
            ((y * 255 / h) as u8).saturating_add(noise),
            128u8.saturating_add(noise),
        ])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&picture)?;
    let dir = tempfile_dir()?;
    let plain = dir.join("photo.jpg");
    std::fs::write(&plain, &jpeg)?;
    println!("4000x3000 JPEG: {} bytes", jpeg.len());
    let runs = runs.max(1);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let processed = media::process(&plain, Format::Jpeg, jpeg.len() as u64, 100_000_000)?;
        times.push(started.elapsed());
        anyhow::ensure!(processed.preview.is_some(), "no preview rendered");
    }
    times.sort();
    println!(
        "preview of a 4000x3000 JPEG (decode, strip, thumbnail, encode): median {:.0} ms, max {:.0} ms over {runs} runs",
        times[runs / 2].as_secs_f64() * 1000.0,
        times[runs - 1].as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("previewbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
