//! Case materials (SPEC §6): files shared in a conversation — photos, ECG
//! strips, lab reports, discharge summaries, DICOM images.
//!
//! An upload is streamed to a spool file while it is hashed (never held
//! whole in memory), its type detected from its first bytes, its pixels
//! processed on a blocking thread within a pixel budget (metadata stripped,
//! orientation applied, a preview rendered), and then stored under its
//! SHA-256 in the object store. Postgres keeps one row per upload; a `send`
//! takes pending uploads of its sender into the message in the same
//! transaction. Readers get the rows with URLs signed for them
//! ([`signing`]); access is always the conversation's.

pub mod detect;
pub mod media;
pub mod signing;
mod spool_file;
pub mod storage;
mod writeback;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use consilium_shared::attachments::{AttachmentDto, AttachmentKind, DicomInfo, MAX_ATTACHMENTS_PER_MESSAGE};
use consilium_shared::chat::MessageDto;
use consilium_shared::{AttachmentId, CaseId, ConversationId, MessageId, UserId};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::{Stream, StreamExt};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tokio::sync::mpsc::Sender;

use crate::audit::{self, AuditEntry};
use crate::config::AttachmentConfig;
use crate::db::schema::{attachments, cases, consults, conversation_members, messages, referrals};
use crate::domain::keyset::{PageRequest, TimeKey};
use crate::error::ApiError;
use crate::pressure::Pressure;
use consilium_shared::ErrorReason as Reason;

pub use signing::{Rendition, SignedQuery, UrlSigner};
pub use storage::{Storage, StorageError};

/// How long rendering one upload may take before it is stored without a preview.
const RENDER_TIMEOUT: Duration = Duration::from_secs(20);

/// The attachment service of a node: store, URL signer, limits; cheap to clone.
#[derive(Clone, Debug)]
pub struct Attachments {
    /// Where the bytes live.
    pub storage: Storage,
    /// Signs and checks URLs.
    pub signer: UrlSigner,
    /// Limits.
    pub config: AttachmentConfig,
    /// Renders at once per node: decoding is CPU- and memory-heavy, and a
    /// burst of uploads must not starve chat of cores.
    render_slots: Arc<Semaphore>,
    /// Uploads read at once per node. Fifty phones sending a 5 MiB ECG each
    /// at the same moment would otherwise interleave fifty streams of
    /// parsing, hashing and writing with every chat message on the same
    /// two cores (chat p99 went from 11 ms to 185 ms during such a burst);
    /// the others wait, their TCP windows holding the bytes back. A turn is
    /// held only while an upload's bytes keep arriving (see [`spool`]).
    upload_slots: Arc<Semaphore>,
    /// Tells uploads when to stop reading for a moment so chat keeps its
    /// pace: turns bound how many read at once, not how fast.
    pressure: Pressure,
    /// Whether uploads listen to `pressure` (`ATTACHMENT_YIELD_TO_CHAT`).
    yield_to_chat: bool,
}

impl Attachments {
    /// The service over `storage`; uploads give way to chat per `pressure`.
    pub fn new(storage: Storage, signer: UrlSigner, config: AttachmentConfig, pressure: Pressure) -> Self {
        let slots = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            storage,
            signer,
            config,
            render_slots: Arc::new(Semaphore::new(slots)),
            upload_slots: Arc::new(Semaphore::new(slots)),
            pressure,
            yield_to_chat: config.yield_to_chat,
        }
    }

    /// Waits while chat needs the node's cores more than an upload does
    /// (see [`crate::pressure`]).
    pub async fn give_way(&self) -> Duration {
        if self.yield_to_chat {
            self.pressure.give_way().await
        } else {
            Duration::ZERO
        }
    }
}

/// One row of `attachments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct AttachmentRow {
    /// Id.
    pub id: AttachmentId,
    /// Conversation uploaded to.
    pub conversation_id: ConversationId,
    /// Uploader.
    pub uploader_id: UserId,
    /// The message that carries it; `None` while pending.
    pub message_id: Option<MessageId>,
    /// Safe file name.
    pub name: String,
    /// Detected media type.
    pub content_type: String,
    /// Bytes served.
    pub size: i64,
    /// Hex SHA-256 of the bytes served (the storage key).
    pub sha256: String,
    /// Kind.
    pub kind: AttachmentKind,
    /// Displayed width.
    pub width: Option<i32>,
    /// Displayed height.
    pub height: Option<i32>,
    /// DICOM details.
    pub dicom: Option<DicomInfo>,
    /// Whether `previews/<sha256>` exists.
    pub has_preview: bool,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

impl AttachmentRow {
    /// The DTO with its URLs still to be signed ([`UrlSigner::sign`]).
    pub fn dto(self) -> AttachmentDto {
        AttachmentDto {
            id: self.id,
            conversation_id: self.conversation_id,
            uploader_id: self.uploader_id,
            name: self.name,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            kind: self.kind,
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
            dicom: self.dicom,
            preview_url: self.has_preview.then(String::new),
            content_url: String::new(),
            created_at: self.created_at,
        }
    }
}

/// A file name safe to store and to put in a `Content-Disposition`: the
/// last path component, without control characters, at most 255
/// characters (the extension kept), never empty or a dot name.
pub fn safe_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    const MAX: usize = 255;
    if cleaned.chars().count() <= MAX {
        return cleaned.to_owned();
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, Some(ext)),
        _ => (cleaned, None),
    };
    match ext {
        Some(ext) => {
            let keep = MAX - ext.chars().count() - 1;
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        None => cleaned.chars().take(MAX).collect(),
    }
}

/// An upload spooled to disk: where, how big, its first bytes and hash.
struct Spooled {
    file: spool_file::SpoolFile,
    size: u64,
    head: Vec<u8>,
    sha256: String,
}

/// Why spooling stopped.
pub enum SpoolError<E> {
    /// The client's stream failed (a broken multipart body, a dropped connection).
    Stream(E),
    /// Larger than allowed.
    TooLarge,
    /// The disk failed.
    Io(std::io::Error),
}

async fn spool<E>(
    service: &Attachments,
    mut chunks: impl Stream<Item = Result<Bytes, E>> + Unpin,
    max_bytes: u64,
) -> Result<Spooled, SpoolError<E>> {
    let (mut file, path) = spool_file::SpoolFile::create(service.storage.spool_dir(), "upload-")
        .await
        .map_err(SpoolError::Io)?;
    let write_back = service.storage.keeps_spooled_files();
    // Hashing and writing each run on a blocking thread of their own, fed
    // the same pieces (`Bytes` clones share one buffer) through short
    // queues: the worker thread only parses the request and stays free for
    // the chat it also serves; the hash (SHA-256 runs at about 1.4 GB/s on
    // one core, SHA-NI included) no longer waits for each `write`, nor the
    // disk for the hash. One thread doing both bounded a 1 GiB upload.
    let (to_hasher, mut hasher_rx) = tokio::sync::mpsc::channel::<Bytes>(SPOOL_QUEUE_PIECES);
    let (to_writer, mut writer_rx) = tokio::sync::mpsc::channel::<Bytes>(SPOOL_QUEUE_PIECES);
    let hasher = tokio::task::spawn_blocking(move || {
        let mut hasher = Sha256::new();
        while let Some(piece) = hasher_rx.blocking_recv() {
            hasher.update(&piece);
        }
        hex::encode(hasher.finalize())
    });
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        // pieces are a mebibyte (the last one less): written as they come
        let mut writeback = writeback::Writeback::default();
        while let Some(piece) = writer_rx.blocking_recv() {
            file.write_all(&piece)?;
            if write_back {
                writeback.wrote(&file, piece.len());
            }
        }
        Ok(())
    });
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(detect::SNIFF_BYTES);
    let read = async {
        // A turn covers an upload while its bytes come fast enough to keep
        // a core busy. One that comes slowly (a phone on a ward's Wi-Fi) or
        // stops gives its turn back at the end of a window and carries on
        // without one, so it never makes the node's other uploads wait
        // behind it for minutes; its few bytes cost little CPU.
        let mut turn: Option<Turn<'_>> = None;
        let mut slow = false;
        let mut piece = bytes::BytesMut::new();
        loop {
            // Chat first: while it flows and the cores are queueing work,
            // the next bytes wait in the TCP window. The pause is not the
            // client's slowness, so it does not count against its turn.
            let paused = service.give_way().await;
            if let Some(held) = &mut turn {
                held.window_start += paused;
            }
            let next = match &turn {
                Some(held) => match tokio::time::timeout_at(held.window_end(), chunks.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        // a whole window without a byte
                        turn = None;
                        slow = true;
                        continue;
                    }
                },
                None => chunks.next().await,
            };
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(SpoolError::Stream)?;
            if turn.is_none() && !slow {
                let permit = service
                    .upload_slots
                    .acquire()
                    .await
                    .map_err(|e| SpoolError::Io(std::io::Error::other(e)))?;
                turn = Some(Turn::new(permit));
            }
            if let Some(held) = &mut turn
                && !held.count(chunk.len())
            {
                turn = None;
                slow = true;
            }
            size += chunk.len() as u64;
            if size > max_bytes {
                // the rest is never read: the connection closes after the answer
                return Err(SpoolError::TooLarge);
            }
            if head.len() < detect::SNIFF_BYTES {
                let take = (detect::SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            // The parser's chunks (about 130 KiB on loopback) are gathered
            // into pieces of a mebibyte before they are handed over: eight
            // times fewer wake-ups of each thread, and the writer's `write`s
            // need no buffer of their own. With the writeback, 1 GiB took
            // 1.49 s instead of 1.74 s (`bench/attachments.sh`, medians of 9).
            if piece.len() + chunk.len() > SPOOL_PIECE_BYTES && !hand_over(&mut piece, &to_hasher, &to_writer).await {
                // a thread stopped: the writer's error is reported below
                break;
            }
            if piece.capacity() == 0 {
                piece.reserve(SPOOL_PIECE_BYTES.max(chunk.len()));
            }
            piece.extend_from_slice(&chunk);
        }
        hand_over(&mut piece, &to_hasher, &to_writer).await;
        Ok(())
    }
    .await;
    drop((to_hasher, to_writer));
    let joined = |e: tokio::task::JoinError| SpoolError::Io(std::io::Error::other(e));
    let written = writer.await.map_err(joined)?;
    let sha256 = hasher.await.map_err(joined)?;
    read?;
    written.map_err(SpoolError::Io)?;
    Ok(Spooled {
        file: path,
        size,
        head,
        sha256,
    })
}

/// Sends what `piece` holds (if anything) to both threads; false when one
/// of them has stopped.
async fn hand_over(piece: &mut bytes::BytesMut, to_hasher: &Sender<Bytes>, to_writer: &Sender<Bytes>) -> bool {
    if piece.is_empty() {
        return true;
    }
    let piece = std::mem::take(piece).freeze();
    to_hasher.send(piece.clone()).await.is_ok() && to_writer.send(piece).await.is_ok()
}

/// How much of an upload is handed to its hashing and writing threads at once.
const SPOOL_PIECE_BYTES: usize = 1024 * 1024;
/// Pieces queued to each thread: with the piece being gathered, an upload
/// holds at most about 5 MiB, however slow its disk.
const SPOOL_QUEUE_PIECES: usize = 4;

/// An upload's turn to be read, with its pace over the current window.
struct Turn<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
    window_start: tokio::time::Instant,
    window_bytes: u64,
}

/// How long an upload's pace is measured before its turn is kept or given up.
const TURN_WINDOW: Duration = Duration::from_secs(1);
/// Uploads slower than this over a [`TURN_WINDOW`] give their turn back.
const SLOW_UPLOAD_BYTES_PER_WINDOW: u64 = 4 * 1024 * 1024;

impl<'a> Turn<'a> {
    fn new(permit: tokio::sync::SemaphorePermit<'a>) -> Self {
        Self {
            _permit: permit,
            window_start: tokio::time::Instant::now(),
            window_bytes: 0,
        }
    }

    fn window_end(&self) -> tokio::time::Instant {
        self.window_start + TURN_WINDOW
    }

    /// Counts `bytes` read; false when a window ended below the pace worth
    /// a turn.
    fn count(&mut self, bytes: usize) -> bool {
        self.window_bytes += bytes as u64;
        let now = tokio::time::Instant::now();
        if now < self.window_end() {
            return true;
        }
        let fast = self.window_bytes >= SLOW_UPLOAD_BYTES_PER_WINDOW;
        self.window_start = now;
        self.window_bytes = 0;
        fast
    }
}

/// An upload to store: who, where, the name the browser gave.
pub struct Upload<'a> {
    /// Uploader (already checked to be a member).
    pub uploader: UserId,
    /// Conversation.
    pub conversation: ConversationId,
    /// The name from the multipart part.
    pub file_name: &'a str,
    /// Client address, for the audit trail.
    pub ip: Option<&'a str>,
}

/// 404 unless `user` may read `conversation`; 429 when `user` holds too many
/// uploads that no message has taken. Checked before a byte is read.
pub async fn check_may_upload(
    conn: &mut AsyncPgConnection,
    service: &Attachments,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), ApiError> {
    if !is_member(conn, conversation, user).await? {
        return Err(ApiError::not_found(Reason::ConversationNotFound, "conversation"));
    }
    let pending: i64 = attachments::table
        .filter(attachments::uploader_id.eq(user))
        .filter(attachments::message_id.is_null())
        .filter(attachments::created_at.gt(Utc::now() - chrono::Duration::hours(24)))
        .count()
        .get_result(conn)
        .await?;
    if pending >= service.config.max_pending {
        return Err(ApiError::RateLimited(
            Reason::TooManyPendingUploads,
            format!(
                "{pending} uploads are waiting to be sent; send or discard them first (at most {})",
                service.config.max_pending
            ),
            // waiting does not help: sending or discarding them does
            None,
        ));
    }
    Ok(())
}

/// Streams one file into the store and records it; returns the row.
pub async fn store_upload<E: std::fmt::Display>(
    db: &crate::db::DbPool,
    service: &Attachments,
    upload: Upload<'_>,
    chunks: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<AttachmentRow, ApiError> {
    let max = service.config.max_bytes;
    let spooled = match spool(service, chunks, max).await {
        Ok(spooled) => spooled,
        Err(SpoolError::TooLarge) => return Err(too_large(max)),
        Err(SpoolError::Stream(e)) => {
            return Err(ApiError::Invalid(
                Reason::UploadMalformed,
                format!("the upload was cut off or malformed: {e}"),
            ));
        }
        Err(SpoolError::Io(e)) => return Err(ApiError::Unexpected(e.into())),
    };
    if spooled.size == 0 {
        return Err(ApiError::Invalid(Reason::FileEmpty, "the file is empty".into()));
    }
    let name = safe_name(upload.file_name);
    let detected = detect::detect(&spooled.head, &name).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            Reason::UnsupportedFileType,
            "this type of file is not accepted: images (JPEG, PNG, WebP, GIF, HEIC), PDF, DICOM, text, CSV and \
             office documents are"
                .into(),
        )
    })?;
    // decoding a photo takes a core for a sixth of a second: chat first
    service.give_way().await;
    let processed = render(service, &spooled, detected.format).await?;
    // Storing takes a turn again: fifty finished uploads syncing their
    // files at once would queue every chat commit behind them on a shared
    // disk (chat p99 280 ms against 100 ms with turns, `bench/attachments.sh`).
    // No client is waited for here, so a turn is soon given back.
    service.give_way().await;
    let _turn = service
        .upload_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let (sha256, size, served_path) = match processed.served {
        Some(bytes) => {
            let sha256 = hex::encode(Sha256::digest(&bytes));
            let size = bytes.len() as u64;
            let (mut file, path) = spool_file::SpoolFile::create(service.storage.spool_dir(), "served-")
                .await
                .map_err(|e| ApiError::Unexpected(e.into()))?;
            // written through the file just made, not opened a second time
            tokio::task::spawn_blocking(move || std::io::Write::write_all(&mut file, &bytes))
                .await
                .map_err(|e| ApiError::Unexpected(e.into()))?
                .map_err(|e| ApiError::Unexpected(e.into()))?;
            (sha256, size, Some(path))
        }
        None => (spooled.sha256.clone(), spooled.size, None),
    };
    let source: PathBuf = served_path.as_ref().unwrap_or(&spooled.file).to_path_buf();
    service
        .storage
        .put_blob(&sha256, &source, size)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let has_preview = match processed.preview {
        Some(preview) => {
            service
                .storage
                .put_preview(&sha256, preview)
                .await
                .map_err(|e| ApiError::Unexpected(e.into()))?;
            true
        }
        None => false,
    };
    let row = AttachmentRow {
        id: AttachmentId::new(),
        conversation_id: upload.conversation,
        uploader_id: upload.uploader,
        message_id: None,
        name,
        content_type: detected.content_type.clone(),
        size: i64::try_from(size).unwrap_or(i64::MAX),
        sha256,
        kind: processed.kind.unwrap_or_else(|| detected.kind()),
        width: processed.width.and_then(|w| i32::try_from(w).ok()),
        height: processed.height.and_then(|h| i32::try_from(h).ok()),
        dicom: processed.dicom,
        has_preview,
        created_at: Utc::now(),
    };
    // a connection only now: an upload may take minutes on a ward's Wi-Fi
    let mut conn = db.get().await?;
    // The row and its audit entry commit together: an upload is never
    // stored unaudited, and it costs the disk one commit instead of two.
    let stored = &row;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            diesel::insert_into(attachments::table)
                .values(stored)
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(upload.uploader), "attachment.upload", "attachment", stored.id)
                    .detail(json!({
                        "conversation_id": stored.conversation_id,
                        "name": stored.name,
                        "content_type": stored.content_type,
                        "size": stored.size,
                        "sha256": stored.sha256,
                        "kind": stored.kind,
                    }))
                    .ip(upload.ip),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    Ok(row)
}

/// 413 naming the limit.
pub fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(
        Reason::FileTooLarge,
        format!("the file is larger than {} MiB", max / (1024 * 1024)),
    )
}

/// Processes the spooled upload on a blocking thread, one per free render
/// slot, within [`RENDER_TIMEOUT`].
async fn render(
    service: &Attachments,
    spooled: &Spooled,
    format: detect::Format,
) -> Result<media::Processed, ApiError> {
    let _slot = service
        .render_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let path = spooled.file.to_path_buf();
    let (size, max_pixels) = (spooled.size, service.config.max_pixels);
    let job = tokio::task::spawn_blocking(move || media::process(&path, format, size, max_pixels));
    let outcome = match tokio::time::timeout(RENDER_TIMEOUT, job).await {
        Ok(Ok(outcome)) => outcome,
        // a panic inside a decoder is the file's fault, not the server's
        Ok(Err(join)) => Err(media::MediaError::Corrupt(format!("the decoder failed: {join}"))),
        Err(_) => {
            tracing::warn!(?format, size, "rendering took too long; refused");
            Err(media::MediaError::Corrupt("the file took too long to read".into()))
        }
    };
    outcome.map_err(|e| match e {
        media::MediaError::TooManyPixels { .. } => ApiError::Invalid(Reason::ImageTooLarge, e.to_string()),
        media::MediaError::Corrupt(_) => ApiError::Invalid(Reason::FileCorrupt, e.to_string()),
        media::MediaError::Io(e) => ApiError::Unexpected(e.into()),
    })
}

/// Whether `user` reads `conversation` (the derived membership table; the
/// chat module sits above this one, so it is asked directly).
async fn is_member(conn: &mut AsyncPgConnection, conversation: ConversationId, user: UserId) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation))
            .filter(conversation_members::user_id.eq(user)),
    ))
    .get_result(conn)
    .await?)
}

/// An attachment `user` may read now: its conversation's members see it
/// once sent (unless the message was recalled); only its uploader sees it
/// while pending. Everyone else: 404.
pub async fn readable(conn: &mut AsyncPgConnection, id: AttachmentId, user: UserId) -> Result<AttachmentRow, ApiError> {
    let not_found = || ApiError::not_found(Reason::AttachmentNotFound, "attachment");
    let row: Option<(AttachmentRow, Option<DateTime<Utc>>)> = attachments::table
        .left_join(messages::table)
        .filter(attachments::id.eq(id))
        .select((AttachmentRow::as_select(), messages::recalled_at.nullable()))
        .first(conn)
        .await
        .optional()?;
    let (row, recalled) = row.ok_or_else(not_found)?;
    match row.message_id {
        None if row.uploader_id == user => Ok(row),
        None => Err(not_found()),
        Some(_) if recalled.is_some() => Err(not_found()),
        Some(_) => {
            if is_member(conn, row.conversation_id, user).await?
                || crate::grants::on_conversation(conn, row.conversation_id, user).await?
            {
                Ok(row)
            } else {
                Err(not_found())
            }
        }
    }
}

/// Fills `attachments` of the messages that carry any (recalled ones stay
/// empty), URLs unsigned: one query for the whole page.
pub async fn load_for_messages(conn: &mut AsyncPgConnection, messages: &mut [MessageDto]) -> Result<(), ApiError> {
    let ids: Vec<MessageId> = messages.iter().filter(|m| !m.recalled).map(|m| m.id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<AttachmentRow> = attachments::table
        .filter(attachments::message_id.eq_any(&ids))
        .order((attachments::created_at.asc(), attachments::id.asc()))
        .select(AttachmentRow::as_select())
        .load(conn)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut by_message: std::collections::HashMap<MessageId, Vec<AttachmentDto>> = Default::default();
    for row in rows {
        if let Some(message) = row.message_id {
            by_message.entry(message).or_default().push(row.dto());
        }
    }
    for message in messages.iter_mut() {
        if let Some(files) = by_message.remove(&message.id) {
            message.attachments = files;
        }
    }
    Ok(())
}

/// Validates `ids` for a message of `sender` in `conversation` and locks
/// them (inside the send's transaction): at most 20, each the sender's own
/// pending upload to this conversation.
pub async fn lock_for_send(
    conn: &mut AsyncPgConnection,
    sender: UserId,
    conversation: ConversationId,
    ids: &[AttachmentId],
) -> Result<(), ApiError> {
    if ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(ApiError::Invalid(
            Reason::TooManyAttachments,
            format!("a message carries at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments"),
        ));
    }
    let mut unique = ids.to_vec();
    unique.sort_by_key(|id| id.0);
    unique.dedup();
    let rows: Vec<AttachmentRow> = attachments::table
        .filter(attachments::id.eq_any(&unique))
        .order(attachments::id.asc())
        .select(AttachmentRow::as_select())
        .for_update()
        .load(conn)
        .await?;
    for id in &unique {
        let row = rows.iter().find(|r| r.id == *id);
        match row {
            Some(r) if r.uploader_id == sender && r.conversation_id == conversation => {
                if r.message_id.is_some() {
                    return Err(ApiError::Conflict(
                        Reason::AttachmentAlreadySent,
                        format!("attachment {id} was already sent with another message"),
                    ));
                }
            }
            _ => {
                return Err(ApiError::Invalid(
                    Reason::AttachmentUnavailable,
                    format!("attachment {id} is not your upload to this conversation"),
                ));
            }
        }
    }
    Ok(())
}

/// Hands the locked uploads to the stored message.
pub async fn attach(conn: &mut AsyncPgConnection, ids: &[AttachmentId], message: MessageId) -> Result<(), ApiError> {
    diesel::update(attachments::table.filter(attachments::id.eq_any(ids)))
        .set(attachments::message_id.eq(message))
        .execute(conn)
        .await?;
    Ok(())
}

/// A page of every sent attachment of a case's thread and of its consults'
/// and referrals' threads that `user` is a member of, newest first. The
/// caller has already checked that `user` may see the case.
pub async fn of_case(
    conn: &mut AsyncPgConnection,
    case: CaseId,
    user: UserId,
    page: PageRequest<TimeKey>,
) -> Result<(Vec<AttachmentDto>, bool), ApiError> {
    let mut threads: Vec<ConversationId> = cases::table
        .filter(cases::id.eq(case))
        .select(cases::conversation_id)
        .load(conn)
        .await?;
    threads.extend(
        consults::table
            .filter(consults::case_id.eq(case))
            .select(consults::conversation_id)
            .load::<ConversationId>(conn)
            .await?,
    );
    // a referral's thread belongs to both its source case and the case it created
    threads.extend(
        referrals::table
            .filter(referrals::case_id.eq(case).or(referrals::target_case_id.eq(case)))
            .select(referrals::conversation_id)
            .load::<ConversationId>(conn)
            .await?,
    );
    let readable: Vec<ConversationId> = conversation_members::table
        .filter(conversation_members::user_id.eq(user))
        .filter(conversation_members::conversation_id.eq_any(&threads))
        .select(conversation_members::conversation_id)
        .load(conn)
        .await?;
    let mut query = attachments::table
        .inner_join(messages::table)
        .filter(attachments::conversation_id.eq_any(readable))
        .filter(messages::recalled_at.is_null())
        .select(AttachmentRow::as_select())
        .order((attachments::created_at.desc(), attachments::id.desc()))
        .limit(page.fetch())
        .into_boxed();
    if let Some(after) = &page.after {
        let id = AttachmentId(after.id);
        query = query.filter(
            attachments::created_at
                .lt(after.at)
                .or(attachments::created_at.eq(after.at).and(attachments::id.lt(id))),
        );
    }
    let (rows, more) = page.split(query.load::<AttachmentRow>(conn).await?);
    Ok((rows.into_iter().map(AttachmentRow::dto).collect(), more))
}

/// Records a download in the audit trail (`attachment.read`).
pub async fn audit_read(
    conn: &mut AsyncPgConnection,
    row: &AttachmentRow,
    user: UserId,
    ip: Option<&str>,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        AuditEntry::new(Some(user), "attachment.read", "attachment", row.id)
            .detail(json!({ "conversation_id": row.conversation_id, "name": row.name, "sha256": row.sha256 }))
            .ip(ip),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\王\\心电图.jpg"), "心电图.jpg");
        assert_eq!(safe_name("a\u{0}b\r\n\u{7}c.pdf"), "abc.pdf");
        assert_eq!(safe_name("evil\u{202e}fdp.exe"), "evilfdp.exe");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name(".bashrc"), "bashrc");
        assert_eq!(safe_name("   "), "file");
        let long = format!("{}.pdf", "长".repeat(1000));
        let safe = safe_name(&long);
        assert_eq!(safe.chars().count(), 255);
        assert!(safe.ends_with(".pdf"));
        assert_eq!(safe_name(&"x".repeat(1000)).chars().count(), 255);
    }
}
