//! `/conversations/{id}/attachments`, `/attachments/{id}`, `/cases/{id}/attachments` (SPEC §6).

use actix_files::HttpRange;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderValue,
};
use actix_web::{HttpRequest, HttpResponse, web};
use consilium_shared::attachments::{AttachmentDto, AttachmentKind};
use consilium_shared::paging::{Page, PageQuery};
use consilium_shared::{AttachmentId, CaseId, ConversationId, ErrorBody};
use futures_util::{StreamExt, TryStreamExt};

use super::{keyset_page, page_request};
use crate::attachments::{self, AttachmentRow, Rendition, SignedQuery, Upload};
use crate::auth::extractor::{AuthUser, ClientMeta};
use crate::domain::keyset::TimeKey;
use crate::error::ApiError;
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

/// What a multipart envelope may add to the file itself (boundaries, part
/// headers) before the `Content-Length` alone proves the file too large.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/attachments", web::post().to(upload))
        .route("/attachments/{id}", web::get().to(get_attachment))
        .route("/attachments/{id}/content", web::get().to(content))
        .route("/attachments/{id}/preview", web::get().to(preview))
        .route("/cases/{id}/attachments", web::get().to(of_case));
}

fn upload_malformed(why: impl std::fmt::Display) -> ApiError {
    ApiError::Invalid(
        Reason::UploadMalformed,
        format!("expected multipart/form-data with one part named \"file\": {why}"),
    )
}

/// Uploads one file (multipart part `file`) to a conversation of the
/// caller; it waits, pending, for the caller's next `send` with its id.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/attachments", params(("id" = uuid::Uuid, Path, description = "The conversation's id")), tag = "attachments", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "One part named `file`, with a file name"),
    responses((status = 201, body = AttachmentDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConversationId>,
    meta: ClientMeta,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let service = &state.attachments;
    let max = service.config.max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(attachments::too_large(max));
    }
    // fifty uploads arriving at once let chat have the pool and the cores first
    service.give_way().await;
    {
        let mut conn = state.db.get().await?;
        attachments::check_may_upload(&mut conn, service, caller.id(), *id).await?;
    }
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let field = loop {
        match parts.next().await {
            None => return Err(upload_malformed("no part named \"file\"")),
            Some(Err(e)) => return Err(upload_malformed(e)),
            Some(Ok(field)) if field.name() == Some("file") => break field,
            // other parts (a client's extra form fields) are read past, within a small bound
            Some(Ok(mut other)) => {
                let mut skipped = 0usize;
                while let Some(chunk) = other.next().await {
                    skipped += chunk.map_err(upload_malformed)?.len();
                    if skipped > MULTIPART_OVERHEAD as usize {
                        return Err(upload_malformed("a part other than \"file\" is too large"));
                    }
                }
            }
        }
    };
    // `filename*` (RFC 5987, any characters) wins over `filename` (RFC 6266)
    let file_name = field
        .content_disposition()
        .and_then(|cd| {
            cd.get_filename_ext()
                .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                .or_else(|| cd.get_filename().map(str::to_owned))
        })
        .unwrap_or_else(|| "file".to_owned());
    let row = attachments::store_upload(
        &state.db,
        service,
        Upload {
            uploader: caller.id(),
            conversation: *id,
            file_name: &file_name,
            ip: meta.ip.as_deref(),
        },
        field.map_err(|e| e.to_string()),
    )
    .await?;
    let mut dto = row.dto();
    service.signer.sign(&mut dto, caller.id());
    Ok(HttpResponse::Created().json(dto))
}

/// An attachment the caller may read, with fresh signed URLs.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", params(("id" = uuid::Uuid, Path, description = "The attachment's id")), tag = "attachments", security(("bearer" = [])),
    responses((status = 200, body = AttachmentDto), (status = 404, body = ErrorBody)))]
pub async fn get_attachment(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<AttachmentId>,
) -> Result<web::Json<AttachmentDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let row = attachments::readable(&mut conn, *id, caller.id()).await?;
    let mut dto = row.dto();
    state.attachments.signer.sign(&mut dto, caller.id());
    Ok(web::Json(dto))
}

/// The signed URL's user, when the URL is genuine, unexpired, not
/// presented with another user's token, and the user may still read the
/// attachment; 404 otherwise (nothing tells an outsider which check failed).
async fn authorize(
    state: &AppState,
    id: AttachmentId,
    rendition: Rendition,
    query: &SignedQuery,
    bearer: Option<AuthUser>,
) -> Result<(AttachmentRow, consilium_shared::UserId), ApiError> {
    let not_found = || ApiError::not_found(Reason::AttachmentNotFound, "attachment");
    let user = state
        .attachments
        .signer
        .verify(id, rendition, query)
        .ok_or_else(not_found)?;
    if bearer.is_some_and(|b| b.id() != user) {
        return Err(not_found());
    }
    let mut conn = state.db.get().await?;
    let row = attachments::readable(&mut conn, id, user).await?;
    Ok((row, user))
}

/// Headers that keep a served file from acting in our origin: no type
/// sniffing, no script (a sandboxing CSP; PDFs only lose the sandbox,
/// which would stop the browser's own viewer), not framed by other sites.
fn harden(res: &mut HttpResponse, pdf: bool) {
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if pdf {
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
        } else {
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
        }),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// `inline` for what a browser shows safely (images, PDF), `attachment`
/// for the rest; the UTF-8 name in `filename*`, an ASCII stand-in in `filename`.
fn disposition(row: &AttachmentRow) -> ContentDisposition {
    let inline = matches!(row.kind, AttachmentKind::Image | AttachmentKind::Pdf);
    let ascii: String = row
        .name
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| !matches!(c, '"' | '\\'))
        .collect();
    ContentDisposition {
        disposition: if inline {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: row.name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// The original bytes (metadata stripped), with `Range` support; audited.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/content", params(("id" = uuid::Uuid, Path, description = "The attachment's id"), SignedQuery), tag = "attachments",
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 206, description = "A byte range of the file"), (status = 404, body = ErrorBody), (status = 416, body = ErrorBody)))]
pub async fn content(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<AttachmentId>,
    query: web::Query<SignedQuery>,
    bearer: Option<AuthUser>,
    meta: ClientMeta,
) -> Result<HttpResponse, ApiError> {
    let (row, user) = authorize(&state, *id, Rendition::Content, &query, bearer).await?;
    let size = u64::try_from(row.size).unwrap_or(0);
    let range = match req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(spec) => match HttpRange::parse(spec, size) {
            // one range is served; several (rare; no browser asks) get the first
            Ok(ranges) => ranges.first().map(|r| r.start..r.start + r.length),
            Err(_) => {
                let mut res = actix_web::ResponseError::error_response(&ApiError::RangeNotSatisfiable(
                    Reason::RangeNotSatisfiable,
                    format!("the file has {size} bytes"),
                ));
                res.headers_mut().insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{size}")).map_err(|e| ApiError::Unexpected(e.into()))?,
                );
                return Ok(res);
            }
        },
    };
    if range.as_ref().is_none_or(|r| r.start == 0) {
        let mut conn = state.db.get().await?;
        attachments::audit_read(&mut conn, &row, user, meta.ip.as_deref()).await?;
    }
    let body = state
        .attachments
        .storage
        .read_blob(&row.sha256, range.clone())
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    let mut res = match &range {
        Some(r) => {
            let mut res = HttpResponse::PartialContent();
            res.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end.saturating_sub(1)),
            ));
            res.no_chunking(r.end - r.start);
            res
        }
        None => {
            let mut res = HttpResponse::Ok();
            res.no_chunking(size);
            res
        }
    };
    res.insert_header((header::CONTENT_TYPE, row.content_type.clone()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(disposition(&row));
    let mut res = res.streaming(body);
    harden(&mut res, row.kind == AttachmentKind::Pdf);
    Ok(res)
}

/// The server's rendering (PNG or JPEG): image thumbnails, DICOM first frames.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/preview", params(("id" = uuid::Uuid, Path, description = "The attachment's id"), SignedQuery), tag = "attachments",
    responses((status = 200, description = "A PNG or JPEG rendering", content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub async fn preview(
    state: web::Data<AppState>,
    id: web::Path<AttachmentId>,
    query: web::Query<SignedQuery>,
    bearer: Option<AuthUser>,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = authorize(&state, *id, Rendition::Preview, &query, bearer).await?;
    if !row.has_preview {
        return Err(ApiError::not_found(Reason::AttachmentNotFound, "preview"));
    }
    let bytes = state
        .attachments
        .storage
        .read_preview(&row.sha256)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let mut res = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, attachments::media::preview_content_type(&bytes)))
        .body(bytes);
    harden(&mut res, false);
    Ok(res)
}

/// Every attachment of a case's thread and of its consults' and referrals'
/// threads the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments", params(("id" = uuid::Uuid, Path, description = "The case's id"), PageQuery), tag = "attachments", security(("bearer" = [])),
    responses((status = 200, body = Page<AttachmentDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn of_case(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CaseId>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<AttachmentDto>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), TimeKey::parse)?;
    let mut conn = state.db.get().await?;
    crate::cases::load_visible(&mut conn, *id, caller.id(), false).await?;
    let (mut items, more) = attachments::of_case(&mut conn, *id, caller.id(), page).await?;
    for item in &mut items {
        state.attachments.signer.sign(item, caller.id());
    }
    Ok(web::Json(keyset_page(items, more, |a| {
        TimeKey {
            at: a.created_at,
            id: a.id.0,
        }
        .encode()
    })))
}
