//! What an upload is, from its first bytes (SPEC §6): never from its name or
//! the type the browser declared, which anyone can set. `infer` knows the
//! magic numbers; text (which has none) is recognised as valid UTF-8 without
//! control characters.

use consilium_shared::attachments::AttachmentKind;

/// How many leading bytes detection looks at.
pub const SNIFF_BYTES: usize = 8192;

/// The accepted formats, each with its own handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
    /// GIF.
    Gif,
    /// HEIC/HEIF (iPhone photos): stored, not rendered.
    Heic,
    /// PDF.
    Pdf,
    /// DICOM Part 10.
    Dicom,
    /// Plain text.
    Text,
    /// Comma-separated values.
    Csv,
    /// Word, Excel, PowerPoint (OOXML and the old binary formats) and OpenDocument.
    Office,
}

/// A detected format and its media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// The media type served.
    pub content_type: String,
}

impl Detected {
    /// The kind shown to users (a DICOM file may still turn out to be an ECG).
    pub fn kind(&self) -> AttachmentKind {
        match self.format {
            Format::Jpeg | Format::Png | Format::Webp | Format::Gif | Format::Heic => AttachmentKind::Image,
            Format::Pdf => AttachmentKind::Pdf,
            Format::Dicom => AttachmentKind::Dicom,
            Format::Text | Format::Csv | Format::Office => AttachmentKind::Document,
        }
    }
}

/// The format of a file starting with `head` (up to [`SNIFF_BYTES`]), or
/// `None` when it is none of the accepted ones. `name` only tells CSV from
/// plain text, which no magic number can.
pub fn detect(head: &[u8], name: &str) -> Option<Detected> {
    if let Some(found) = infer::get(head) {
        let mime = match found.mime_type() {
            "application/zip" => ooxml_in_zip(head).unwrap_or("application/zip"),
            mime => mime,
        };
        let format = match mime {
            "image/jpeg" => Format::Jpeg,
            "image/png" => Format::Png,
            "image/webp" => Format::Webp,
            "image/gif" => Format::Gif,
            "image/heif" => Format::Heic,
            "application/pdf" => Format::Pdf,
            "application/dicom" => Format::Dicom,
            "application/msword"
            | "application/vnd.ms-excel"
            | "application/vnd.ms-powerpoint"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/vnd.oasis.opendocument.text"
            | "application/vnd.oasis.opendocument.spreadsheet"
            | "application/vnd.oasis.opendocument.presentation" => Format::Office,
            _ => return None,
        };
        let content_type = match format {
            Format::Heic => "image/heic".to_owned(),
            _ => mime.to_owned(),
        };
        return Some(Detected { format, content_type });
    }
    if !looks_like_text(head) {
        return None;
    }
    let csv = name.to_lowercase().ends_with(".csv") || looks_like_csv(head);
    Some(if csv {
        Detected {
            format: Format::Csv,
            content_type: "text/csv; charset=utf-8".to_owned(),
        }
    } else {
        Detected {
            format: Format::Text,
            content_type: "text/plain; charset=utf-8".to_owned(),
        }
    })
}

/// The Office Open XML type of a zip whose first entries name a `word/`,
/// `xl/` or `ppt/` part. `infer` decides by the third entry alone (and
/// falls back to plain zip when a document has only three), so the local
/// file headers within the sample are read here: 30 fixed bytes, the name
/// length at offset 26, the name at 30.
fn ooxml_in_zip(head: &[u8]) -> Option<&'static str> {
    const SIGNATURE: &[u8] = b"PK\x03\x04";
    let mut at = 0;
    while let Some(found) = head.get(at..)?.windows(4).position(|w| w == SIGNATURE) {
        let start = at + found;
        let name_len = usize::from(u16::from_le_bytes([*head.get(start + 26)?, *head.get(start + 27)?]));
        let name = head.get(start + 30..start + 30 + name_len)?;
        if name.starts_with(b"word/") {
            return Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        }
        if name.starts_with(b"xl/") {
            return Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        }
        if name.starts_with(b"ppt/") {
            return Some("application/vnd.openxmlformats-officedocument.presentationml.presentation");
        }
        at = start + 30 + name_len;
    }
    None
}

/// UTF-8 (a character cut at the end of the sample is fine) with no control
/// characters but tab, line feed, carriage return and form feed.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // only an incomplete character at the very end of the sample
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            match std::str::from_utf8(&head[..e.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// Two or more lines with the same, non-zero number of commas.
fn looks_like_csv(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let Some(first) = lines.next() else { return false };
    let commas = first.matches(',').count();
    let rest: Vec<_> = lines.collect();
    // the sample may cut the last line
    let complete = &rest[..rest.len().saturating_sub(1)];
    commas > 0 && !complete.is_empty() && complete.iter().all(|l| l.matches(',').count() == commas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_decides_not_the_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect(png, "report.pdf").map(|d| d.format), Some(Format::Png));
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\x00");
        assert_eq!(detect(&dicom, "x.jpg").map(|d| d.format), Some(Format::Dicom));
        assert_eq!(detect(b"%PDF-1.4\n", "a.txt").map(|d| d.format), Some(Format::Pdf));
        assert_eq!(detect(b"MZ\x90\0\x03\0\0\0", "notes.txt"), None);
        assert_eq!(detect(&[0xff, 0x00, 0x13, 0x37, 0x00, 0x01], "a.txt"), None);
        // a three-entry Word document, and a zip that is no document
        let docx = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/attachments/discharge.docx"
        ))
        .unwrap_or_default();
        assert_eq!(detect(&docx, "x").map(|d| d.format), Some(Format::Office));
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0u8; 22]);
        zip.extend_from_slice(&[5, 0, 0, 0]);
        zip.extend_from_slice(b"a.txt");
        assert_eq!(detect(&zip, "x.docx"), None);
    }

    #[test]
    fn text_and_csv() {
        let csv = "项目,结果,单位\n肌钙蛋白I,0.52,ng/mL\nWBC,9.8,10^9/L\n".as_bytes();
        assert_eq!(detect(csv, "labs").map(|d| d.format), Some(Format::Csv));
        let text = "会诊意见：建议冠脉造影。\nPlan: PCI.\n".as_bytes();
        assert_eq!(detect(text, "notes").map(|d| d.format), Some(Format::Text));
        assert_eq!(detect(text, "notes.CSV").map(|d| d.format), Some(Format::Csv));
        // a character cut by the sample's end is still text
        let cut = &"心电图".as_bytes()[..7];
        assert_eq!(detect(cut, "x").map(|d| d.format), Some(Format::Text));
        assert_eq!(detect(b"a\x01b", "x"), None);
        assert_eq!(detect(b"", "x"), None);
    }
}
