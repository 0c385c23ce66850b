//! What the server does with an upload's pixels, always on a blocking
//! thread (see `mod.rs`): metadata stripped from images, orientation
//! applied, thumbnails, and DICOM read with dicom-rs and rendered at the
//! file's own window/level.
//!
//! Nothing here trusts a header: an image's size is read first and checked
//! against the pixel budget before a single pixel is decoded (a 30000 ×
//! 30000 PNG of 100 KiB asks for 900 MB), and the decoder runs with an
//! allocation limit too.

use std::io::Cursor;
use std::path::Path;

use bytes::Bytes;
use consilium_shared::attachments::{AttachmentKind, DicomInfo};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use dicom_pixeldata::{ConvertOptions, PixelDecoder, VoiLutOption};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use img_parts::ImageEXIF;

use super::detect::Format;

/// The longest side of a preview.
pub const PREVIEW_MAX_SIDE: u32 = 1024;
/// DICOM files up to this size get a rendered preview; larger ones (long
/// multi-frame runs) are described but not rendered.
const DICOM_RENDER_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file was refused after its type was known.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// More pixels than the budget: refused without decoding.
    #[error("the image is {width} × {height} pixels; at most {budget} pixels are accepted")]
    TooManyPixels {
        /// Width claimed by the header.
        width: u64,
        /// Height claimed by the header.
        height: u64,
        /// The budget.
        budget: u64,
    },
    /// Damaged, truncated or not what its first bytes claim.
    #[error("the file is damaged or truncated: {0}")]
    Corrupt(String),
    /// Reading the spooled file failed (the server's problem, not the file's).
    #[error("reading the upload: {0}")]
    Io(#[from] std::io::Error),
}

fn corrupt(e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt(e.to_string())
}

/// What processing learned and produced.
#[derive(Debug, Default)]
pub struct Processed {
    /// The kind, when processing decides it (a DICOM waveform is an ECG).
    pub kind: Option<AttachmentKind>,
    /// Displayed width.
    pub width: Option<u32>,
    /// Displayed height.
    pub height: Option<u32>,
    /// What a DICOM file says about itself.
    pub dicom: Option<DicomInfo>,
    /// Bytes to serve instead of the upload (metadata stripped or pixels
    /// rotated); `None` serves the upload as it came.
    pub served: Option<Vec<u8>>,
    /// A JPEG (or PNG, for images with transparency) rendering.
    pub preview: Option<Vec<u8>>,
}

/// Processes the upload spooled at `path`, detected as `format`.
pub fn process(path: &Path, format: Format, size: u64, max_pixels: u64) -> Result<Processed, MediaError> {
    match format {
        Format::Jpeg | Format::Png | Format::Webp | Format::Gif => image(path, format, max_pixels),
        Format::Dicom => dicom(path, size, max_pixels),
        Format::Heic | Format::Pdf | Format::Text | Format::Csv | Format::Office => Ok(Processed::default()),
    }
}

fn image(path: &Path, format: Format, max_pixels: u64) -> Result<Processed, MediaError> {
    let (width, height) = ImageReader::open(path)?
        .with_guessed_format()?
        .into_dimensions()
        .map_err(corrupt)?;
    check_pixels(u64::from(width), u64::from(height), max_pixels)?;
    let bytes = std::fs::read(path)?;
    let mut reader = ImageReader::new(Cursor::new(bytes.as_slice())).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(8).max(64 * 1024 * 1024));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let served = if orientation == Orientation::NoTransforms {
        strip_metadata(bytes, format)?
    } else {
        // A phone photo stored sideways: stripping EXIF would lose the
        // rotation, so the pixels are turned and re-encoded (as WeChat and
        // Slack do), at a quality no reader of an ECG strip can tell apart.
        picture.apply_orientation(orientation);
        Some(encode_jpeg(&picture, 92)?)
    };
    let preview = render_preview(&picture)?;
    Ok(Processed {
        kind: None,
        width: Some(picture.width()),
        height: Some(picture.height()),
        dicom: None,
        served,
        preview: Some(preview),
    })
}

fn check_pixels(width: u64, height: u64, budget: u64) -> Result<(), MediaError> {
    if width.saturating_mul(height) > budget {
        return Err(MediaError::TooManyPixels { width, height, budget });
    }
    Ok(())
}

/// The same image without EXIF, XMP, IPTC, comments or text chunks; colour
/// profiles stay. `None` when nothing needed removing.
fn strip_metadata(bytes: Vec<u8>, format: Format) -> Result<Option<Vec<u8>>, MediaError> {
    let bytes = Bytes::from(bytes);
    let stripped = match format {
        Format::Jpeg => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(corrupt)?;
            // APP0 (JFIF), APP2 (ICC profile) and APP14 (Adobe colour transform) are needed to show it right
            let before = jpeg.segments().len();
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                !((0xE1..=0xEF).contains(&m) && m != 0xE2 && m != 0xEE || m == 0xFE)
            });
            if jpeg.segments().len() == before {
                return Ok(None);
            }
            jpeg.encoder().bytes()
        }
        Format::Png => {
            let mut png = img_parts::png::Png::from_bytes(bytes).map_err(corrupt)?;
            let before = png.chunks().len();
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"));
            if png.chunks().len() == before {
                return Ok(None);
            }
            png.encoder().bytes()
        }
        Format::Webp => {
            let mut webp = img_parts::webp::WebP::from_bytes(bytes).map_err(corrupt)?;
            if webp.exif().is_none() && !webp.has_chunk(*b"XMP ") {
                return Ok(None);
            }
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            webp.encoder().bytes()
        }
        _ => return Ok(None),
    };
    Ok(Some(stripped.to_vec()))
}

fn encode_jpeg(picture: &DynamicImage, quality: u8) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let rgb = picture.to_rgb8();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(corrupt)?;
    Ok(out)
}

/// A thumbnail at most [`PREVIEW_MAX_SIDE`] on its longest side: JPEG, or
/// PNG when the picture has transparency (a JPEG would blacken it).
fn render_preview(picture: &DynamicImage) -> Result<Vec<u8>, MediaError> {
    let thumb = if picture.width() > PREVIEW_MAX_SIDE || picture.height() > PREVIEW_MAX_SIDE {
        picture.thumbnail(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE)
    } else {
        picture.clone()
    };
    if thumb.color().has_alpha() {
        let mut out = Cursor::new(Vec::new());
        thumb.write_to(&mut out, ImageFormat::Png).map_err(corrupt)?;
        Ok(out.into_inner())
    } else {
        encode_jpeg(&thumb, 85)
    }
}

/// The media type of a preview, from its first bytes.
pub fn preview_content_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

fn text_of(obj: &DefaultDicomObject, tag: dicom_object::Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!value.is_empty()).then(|| value.chars().take(200).collect())
}

fn number_of(obj: &DefaultDicomObject, tag: dicom_object::Tag) -> Option<u32> {
    obj.get(tag)?.to_int::<u32>().ok()
}

fn dicom(path: &Path, size: u64, max_pixels: u64) -> Result<Processed, MediaError> {
    let render = size <= DICOM_RENDER_MAX_BYTES;
    let options = OpenFileOptions::new();
    let options = if render {
        options
    } else {
        options.read_until(tags::PIXEL_DATA)
    };
    let obj = options.open_file(path).map_err(corrupt)?;
    let sop_class = text_of(&obj, tags::SOP_CLASS_UID).unwrap_or_default();
    let modality = text_of(&obj, tags::MODALITY);
    if modality.is_none() && sop_class.is_empty() {
        return Err(MediaError::Corrupt("no SOP class and no modality".into()));
    }
    // 1.2.840.10008.5.1.4.1.1.9.*: the waveform storage classes (ECG and others)
    let waveform = sop_class.starts_with("1.2.840.10008.5.1.4.1.1.9.") || modality.as_deref() == Some("ECG");
    let has_pixels = obj.get(tags::PIXEL_DATA).is_some() || !render;
    let (rows, columns, frames) = if has_pixels && !waveform {
        (
            number_of(&obj, tags::ROWS).unwrap_or(0),
            number_of(&obj, tags::COLUMNS).unwrap_or(0),
            number_of(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1),
        )
    } else {
        (0, 0, 0)
    };
    let info = DicomInfo {
        modality: modality.unwrap_or_else(|| "OT".to_owned()),
        study_description: text_of(&obj, tags::STUDY_DESCRIPTION),
        series_description: text_of(&obj, tags::SERIES_DESCRIPTION),
        rows,
        columns,
        frames,
    };
    let mut processed = Processed {
        kind: Some(if waveform {
            AttachmentKind::Ecg
        } else {
            AttachmentKind::Dicom
        }),
        dicom: Some(info),
        ..Default::default()
    };
    if rows > 0 && columns > 0 {
        check_pixels(u64::from(rows), u64::from(columns), max_pixels)?;
        processed.width = Some(columns);
        processed.height = Some(rows);
        if render && obj.get(tags::PIXEL_DATA).is_some() {
            // A file whose pixels cannot be decoded (an unsupported
            // compression) is still a valid study: described, not rendered.
            match render_dicom_frame(&obj) {
                Ok(preview) => processed.preview = Some(preview),
                Err(e) => tracing::info!(error = %e, "DICOM stored without a preview"),
            }
        }
    }
    Ok(processed)
}

/// The first frame, through the file's first VOI LUT or window (Modality
/// LUT / rescale applied first), as a preview.
fn render_dicom_frame(obj: &DefaultDicomObject) -> Result<Vec<u8>, MediaError> {
    let pixels = obj.decode_pixel_data_frame(0).map_err(corrupt)?;
    let options = ConvertOptions::new().with_voi_lut(VoiLutOption::Default);
    let picture = pixels.to_dynamic_image_with_options(0, &options).map_err(corrupt)?;
    render_preview(&picture)
}
