//! `/cases/{id}/consults` and `/consults`: consults (会诊) and their transitions.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    CaseId, ConsultId, ErrorBody,
    cases::{BoxKind, BoxQuery, CompleteConsultRequest, ConsultDto, CreateConsultRequest, DeclineRequest},
    paging::Page,
};

use super::{json_body, keyset_page, page_request};
use crate::auth::{AuthUser, ClientMeta};
use crate::consults::{self, ConsultTransition};
use crate::domain::keyset::TimeKey;
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/consults", web::post().to(request_consult))
        .route("/cases/{id}/consults", web::get().to(case_consults))
        .route("/consults", web::get().to(list_consults))
        .route("/consults/{id}", web::get().to(get_consult))
        .route("/consults/{id}/{transition}", web::post().to(consult_transition));
}

/// Asks colleagues of any team for a consult on a case (the case's team).
#[utoipa::path(post, path = "/api/v1/cases/{id}/consults", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "consults", security(("bearer" = [])), request_body = CreateConsultRequest,
    responses((status = 201, body = ConsultDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_consult(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
    body: web::Json<CreateConsultRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let (consult, timeline) = consults::request(
        &mut conn,
        caller.id(),
        *id,
        body.into_inner(),
        meta.ip.as_deref(),
        &state.config.deadlines,
    )
    .await?;
    let dto = events::consult_changed(&state, &mut conn, caller.id(), &consult, &[]).await?;
    events::timeline_posted(&state, timeline).await;
    Ok(HttpResponse::Created().json(dto))
}

/// The consults of a case. Not paged: a case has a handful.
#[utoipa::path(get, path = "/api/v1/cases/{id}/consults", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "consults", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConsultDto>), (status = 404, body = ErrorBody)))]
pub async fn case_consults(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CaseId>,
) -> Result<web::Json<Vec<ConsultDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(consults::for_case(&mut conn, caller.id(), *id).await?))
}

/// Consults addressed to me (`box=incoming`, default) or requested by me
/// (`outgoing`), newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/consults", tag = "consults", security(("bearer" = [])), params(BoxQuery),
    responses((status = 200, body = Page<ConsultDto>), (status = 400, body = ErrorBody)))]
pub async fn list_consults(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<BoxQuery>,
) -> Result<web::Json<Page<ConsultDto>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), TimeKey::parse)?;
    let mut conn = state.db.get().await?;
    let box_kind = query.box_kind.unwrap_or(BoxKind::Incoming);
    let (items, more) = consults::list(&mut conn, caller.id(), box_kind, query.status.as_deref(), page).await?;
    Ok(web::Json(keyset_page(items, more, |c| {
        TimeKey {
            at: c.created_at,
            id: c.id.0,
        }
        .encode()
    })))
}

/// One consult (everyone involved).
#[utoipa::path(get, path = "/api/v1/consults/{id}", params(("id" = uuid::Uuid, Path, description = "The consult's id")), tag = "consults", security(("bearer" = [])),
    responses((status = 200, body = ConsultDto), (status = 404, body = ErrorBody)))]
pub async fn get_consult(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ConsultId>,
) -> Result<web::Json<ConsultDto>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        consults::load_visible(&mut conn, *id, caller.id(), false).await?.dto(),
    ))
}

/// `accept`, `decline {reason}`, `complete {opinion}` (consultants) or `cancel` (requester).
#[utoipa::path(post, path = "/api/v1/consults/{id}/{transition}", tag = "consults", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The consult's id"), ("transition" = String, Path, description = "accept | decline | complete | cancel")),
    request_body(content = String, content_type = "application/json", description = "decline: DeclineRequest; complete: CompleteConsultRequest; accept, cancel: empty"),
    responses((status = 200, body = ConsultDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn consult_transition(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    path: web::Path<(ConsultId, String)>,
    body: web::Bytes,
) -> Result<web::Json<ConsultDto>, ApiError> {
    let (id, name) = path.into_inner();
    let t = match name.as_str() {
        "accept" => ConsultTransition::Accept,
        "cancel" => ConsultTransition::Cancel,
        "decline" => ConsultTransition::Decline(json_body::<DeclineRequest>(&body)?.reason),
        "complete" => ConsultTransition::Complete(json_body::<CompleteConsultRequest>(&body)?.opinion),
        _ => return Err(ApiError::NotFound(Reason::NoSuchEndpoint, "no such endpoint".into())),
    };
    let mut conn = state.db.get().await?;
    let (consult, before, timeline) = consults::transition(&mut conn, caller.id(), id, t, meta.ip.as_deref()).await?;
    let dto = events::consult_changed(&state, &mut conn, caller.id(), &consult, &before).await?;
    events::timeline_posted(&state, timeline).await;
    Ok(web::Json(dto))
}
