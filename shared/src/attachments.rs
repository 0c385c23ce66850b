//! Case materials (SPEC §6): photos, ECG strips, lab reports, discharge
//! summaries and DICOM images shared in a conversation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AttachmentId, ConversationId, UserId};

/// The most attachments one message may carry.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 20;

/// What a file is, as detected from its content (never from its name):
/// decides how the client shows it.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AttachmentKind {
    /// A photo or scan (JPEG, PNG, WebP, GIF, HEIC): shown inline with a thumbnail.
    Image,
    /// A PDF report: opened in the browser's own viewer.
    Pdf,
    /// A DICOM Part 10 image (CT, MR, DX, US…): previewed at its window/level.
    Dicom,
    /// A DICOM waveform ECG.
    Ecg,
    /// Text, CSV and office documents: downloaded.
    Document,
    /// Anything else that was accepted.
    Other,
}

/// What a DICOM file says about itself, for the card in the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Jsonb))]
#[ts(export)]
pub struct DicomInfo {
    /// Modality (CT, MR, DX, US, ECG…).
    pub modality: String,
    /// Study Description (0008,1030).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study_description: Option<String>,
    /// Series Description (0008,103E).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_description: Option<String>,
    /// Rows of a frame (0 for a waveform).
    pub rows: u32,
    /// Columns of a frame (0 for a waveform).
    pub columns: u32,
    /// Number of frames (1 for a single image, 0 for a waveform).
    pub frames: u32,
}

/// One uploaded file (SPEC §6). The URLs are signed for the caller and
/// short-lived: fetch the attachment again (`GET /attachments/{id}`) for fresh ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AttachmentDto {
    /// Stable id.
    pub id: AttachmentId,
    /// The conversation it was uploaded to.
    pub conversation_id: ConversationId,
    /// Who uploaded it.
    pub uploader_id: UserId,
    /// The file name as given (made safe: no path, no control characters).
    pub name: String,
    /// The detected media type.
    pub content_type: String,
    /// Bytes of what is served.
    #[ts(type = "number")]
    pub size: i64,
    /// Hex SHA-256 of what is served.
    pub sha256: String,
    /// What kind of material it is.
    pub kind: AttachmentKind,
    /// Pixel width (images).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixel height (images).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// DICOM details.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dicom: Option<DicomInfo>,
    /// A signed URL of a PNG/JPEG rendering (images and DICOM images).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
    /// A signed URL of the original bytes.
    pub content_url: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}
