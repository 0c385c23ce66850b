//! `/cases/{id}/referrals` and `/referrals`: referrals (转诊) and their transitions.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    CaseId, ErrorBody, ReferralId,
    cases::{
        AcceptReferralRequest, BoxKind, BoxQuery, CompleteReferralRequest, CreateReferralRequest, DeclineRequest,
        ReferralDto,
    },
    paging::Page,
};

use super::{json_body, keyset_page, optional_json, page_request};
use crate::auth::{AuthUser, ClientMeta};
use crate::domain::keyset::TimeKey;
use crate::error::ApiError;
use crate::events;
use crate::referrals::{self, ReferralTransition};
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/referrals", web::post().to(create_referral))
        .route("/cases/{id}/referrals", web::get().to(case_referrals))
        .route("/referrals", web::get().to(list_referrals))
        .route("/referrals/{id}", web::get().to(get_referral))
        .route("/referrals/{id}/{transition}", web::post().to(referral_transition));
}

/// Refers a case up or down to another team; a linked case enters that team's triage queue.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "referrals", security(("bearer" = [])), request_body = CreateReferralRequest,
    responses((status = 201, body = ReferralDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_referral(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
    body: web::Json<CreateReferralRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let mut conn = state.db.get().await?;
    let created = referrals::create(
        &mut conn,
        caller.id(),
        *id,
        &req,
        meta.ip.as_deref(),
        &state.config.deadlines,
    )
    .await?;
    let dto = events::referral_created(&state, &mut conn, caller.id(), &created).await?;
    Ok(HttpResponse::Created().json(dto))
}

/// The referrals from or to a case. Not paged: a case has a handful.
#[utoipa::path(get, path = "/api/v1/cases/{id}/referrals", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "referrals", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReferralDto>), (status = 404, body = ErrorBody)))]
pub async fn case_referrals(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CaseId>,
) -> Result<web::Json<Vec<ReferralDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(referrals::for_case(&mut conn, caller.id(), *id).await?))
}

/// Referrals to my teams (`box=incoming`, default) or from them
/// (`outgoing`), newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", security(("bearer" = [])), params(BoxQuery),
    responses((status = 200, body = Page<ReferralDto>), (status = 400, body = ErrorBody)))]
pub async fn list_referrals(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<BoxQuery>,
) -> Result<web::Json<Page<ReferralDto>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), TimeKey::parse)?;
    let mut conn = state.db.get().await?;
    let box_kind = query.box_kind.unwrap_or(BoxKind::Incoming);
    let (items, more) = referrals::list(&mut conn, caller.id(), box_kind, query.status.as_deref(), page).await?;
    Ok(web::Json(keyset_page(items, more, |r| {
        TimeKey {
            at: r.created_at,
            id: r.id.0,
        }
        .encode()
    })))
}

/// One referral (both teams).
#[utoipa::path(get, path = "/api/v1/referrals/{id}", params(("id" = uuid::Uuid, Path, description = "The referral's id")), tag = "referrals", security(("bearer" = [])),
    responses((status = 200, body = ReferralDto), (status = 404, body = ErrorBody)))]
pub async fn get_referral(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<ReferralId>,
) -> Result<web::Json<ReferralDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let (referral, _) = referrals::load_visible(&mut conn, *id, caller.id(), false).await?;
    Ok(web::Json(referrals::dto(&mut conn, &referral).await?))
}

/// `accept {assignee_id?, appointment_at?}`, `decline {reason}`, `complete {outcome}`
/// (receiving team's assistants and lead; the assignee may complete) or `cancel` (referring team).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/{transition}", tag = "referrals", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The referral's id"), ("transition" = String, Path, description = "accept | decline | complete | cancel")),
    request_body(content = String, content_type = "application/json", description = "accept: AcceptReferralRequest (optional); decline: DeclineRequest; complete: CompleteReferralRequest; cancel: empty"),
    responses((status = 200, body = ReferralDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn referral_transition(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    path: web::Path<(ReferralId, String)>,
    body: web::Bytes,
) -> Result<web::Json<ReferralDto>, ApiError> {
    let (id, name) = path.into_inner();
    let t = match name.as_str() {
        "accept" => ReferralTransition::Accept(if optional_json(&body)?.is_null() {
            AcceptReferralRequest::default()
        } else {
            json_body(&body)?
        }),
        "decline" => ReferralTransition::Decline(json_body::<DeclineRequest>(&body)?.reason),
        "complete" => ReferralTransition::Complete(json_body::<CompleteReferralRequest>(&body)?),
        "cancel" => ReferralTransition::Cancel,
        _ => return Err(ApiError::NotFound(Reason::NoSuchEndpoint, "no such endpoint".into())),
    };
    let mut conn = state.db.get().await?;
    let done = referrals::transition(&mut conn, caller.id(), id, t, meta.ip.as_deref()).await?;
    Ok(web::Json(
        events::referral_transitioned(&state, &mut conn, caller.id(), done).await?,
    ))
}
