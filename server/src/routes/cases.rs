//! `/teams/{id}/cases|intakes|triage`, `/cases`, `/consults`, `/referrals`.

use crate::events;
use actix_web::{HttpResponse, web};
use consilium_shared::{
    CaseId, ConsultId, ErrorBody, ReferralId, TeamId,
    cases::{
        AcceptReferralRequest, AssigneeSuggestion, BoxKind, BoxQuery, CaseDto, CaseListQuery, CaseStatus,
        CompleteConsultRequest, CompleteReferralRequest, ConsultDto, CreateCaseRequest, CreateConsultRequest,
        CreateReferralRequest, DeclineRequest, IntakeRequest, ReferralDto, TriageAction, UpdateCaseRequest,
    },
    paging::{Page, PageQuery},
};

use super::{keyset_page, page_request};

use crate::auth::{AuthUser, ClientMeta};
use crate::cases::{self};
use crate::consults::{self, ConsultTransition};
use crate::domain::keyset::{QueueKey, TimeKey};
use crate::error::ApiError;
use crate::referrals::{self, ReferralTransition};
use crate::state::AppState;
use consilium_shared::ErrorReason as Reason;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams/{id}/cases", web::post().to(create_case))
        .route("/teams/{id}/cases", web::get().to(list_cases))
        .route("/teams/{id}/intakes", web::post().to(submit_intake))
        .route("/teams/{id}/triage", web::get().to(triage_queue))
        .route("/cases/{id}", web::get().to(get_case))
        .route("/cases/{id}", web::patch().to(update_case))
        .route("/cases/{id}/triage", web::post().to(triage))
        .route("/cases/{id}/suggestions", web::get().to(suggestions))
        .route("/cases/{id}/consults", web::post().to(request_consult))
        .route("/cases/{id}/consults", web::get().to(case_consults))
        .route("/cases/{id}/referrals", web::post().to(create_referral))
        .route("/cases/{id}/referrals", web::get().to(case_referrals))
        .route("/consults", web::get().to(list_consults))
        .route("/consults/{id}", web::get().to(get_consult))
        .route("/consults/{id}/{transition}", web::post().to(consult_transition))
        .route("/referrals", web::get().to(list_referrals))
        .route("/referrals/{id}", web::get().to(get_referral))
        .route("/referrals/{id}/{transition}", web::post().to(referral_transition));
}

/// A transition's body: empty means none; anything else must be JSON.
fn optional_json(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Invalid(Reason::MalformedBody, format!("invalid JSON body: {e}")))
}

/// A transition's body parsed as `T` (an empty body parses as JSON `null`).
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_value(optional_json(body)?)
        .map_err(|e| ApiError::Invalid(Reason::MalformedBody, format!("invalid body: {e}")))
}

/// A member opens a case discussion in their team (status `open`).
#[utoipa::path(post, path = "/api/v1/teams/{id}/cases", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "cases", security(("bearer" = [])), request_body = CreateCaseRequest,
    responses((status = 201, body = CaseDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_case(
    state: web::Data<AppState>,
    caller: AuthUser,
    team: web::Path<TeamId>,
    body: web::Json<CreateCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let (case, patient) = cases::create(&mut conn, caller.id(), *team, body.into_inner()).await?;
    let dto = events::case_changed(&state, &mut conn, &case, &patient, &[], &[case.team_id]).await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Anyone submits a new patient to any team's triage queue.
#[utoipa::path(post, path = "/api/v1/teams/{id}/intakes", params(("id" = uuid::Uuid, Path, description = "The team's id")), tag = "cases", security(("bearer" = [])), request_body = IntakeRequest,
    responses((status = 201, body = CaseDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn submit_intake(
    state: web::Data<AppState>,
    caller: AuthUser,
    team: web::Path<TeamId>,
    body: web::Json<IntakeRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let (case, patient) = cases::submit_intake(&mut conn, caller.id(), *team, body.into_inner()).await?;
    let dto = events::case_changed(&state, &mut conn, &case, &patient, &[case.team_id], &[case.team_id]).await?;
    Ok(HttpResponse::Created().json(dto))
}

/// The triage queue: cases waiting, most urgent first, then oldest (members), a page at a time.
#[utoipa::path(get, path = "/api/v1/teams/{id}/triage", tag = "cases", security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "The team's id"), PageQuery),
    responses((status = 200, body = Page<CaseDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn triage_queue(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    team: web::Path<TeamId>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<CaseDto>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), QueueKey::parse)?;
    let mut conn = state.db.get().await?;
    let (items, more) = cases::list_for_team(
        &mut conn,
        caller.id(),
        *team,
        Some(CaseStatus::Triage),
        None,
        page,
        meta.ip.as_deref(),
    )
    .await?;
    Ok(web::Json(keyset_page(items, more, |c| cases::queue_key(c).encode())))
}

/// A team's cases, by status and assignee (members), in the triage queue's
/// order (most urgent first, then oldest), a page at a time.
#[utoipa::path(get, path = "/api/v1/teams/{id}/cases", tag = "cases", security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "The team's id"), CaseListQuery),
    responses((status = 200, body = Page<CaseDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_cases(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    team: web::Path<TeamId>,
    query: web::Query<CaseListQuery>,
) -> Result<web::Json<Page<CaseDto>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), QueueKey::parse)?;
    let mut conn = state.db.get().await?;
    let (items, more) = cases::list_for_team(
        &mut conn,
        caller.id(),
        *team,
        query.status,
        query.assignee,
        page,
        meta.ip.as_deref(),
    )
    .await?;
    Ok(web::Json(keyset_page(items, more, |c| cases::queue_key(c).encode())))
}

/// A case (audited). Its submitter sees its status but not its discussion.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = CaseDto), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
) -> Result<web::Json<CaseDto>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(
        cases::read(&mut conn, caller.id(), *id, meta.ip.as_deref()).await?,
    ))
}

/// Edits, closes (`status: closed`) or reopens (`status: open`) a case (its team).
#[utoipa::path(patch, path = "/api/v1/cases/{id}", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "cases", security(("bearer" = [])), request_body = UpdateCaseRequest,
    responses((status = 200, body = CaseDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_case(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
    body: web::Json<UpdateCaseRequest>,
) -> Result<web::Json<CaseDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let change = cases::update(&mut conn, caller.id(), *id, body.into_inner(), meta.ip.as_deref()).await?;
    Ok(web::Json(events::case_edited(&state, &mut conn, change).await?))
}

/// Triage: `assign`, `prioritize`, `transfer` or `decline` (the team's assistants and lead).
#[utoipa::path(post, path = "/api/v1/cases/{id}/triage", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "cases", security(("bearer" = [])), request_body = TriageAction,
    responses((status = 200, body = CaseDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn triage(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
    body: web::Json<TriageAction>,
) -> Result<web::Json<CaseDto>, ApiError> {
    let mut conn = state.db.get().await?;
    let change = cases::triage(&mut conn, caller.id(), *id, body.into_inner(), meta.ip.as_deref()).await?;
    Ok(web::Json(events::case_triaged(&state, &mut conn, change).await?))
}

/// Members ranked as assignees for a case: matching specialties, then load.
/// Not paged: bounded by the team's roster.
#[utoipa::path(get, path = "/api/v1/cases/{id}/suggestions", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<AssigneeSuggestion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CaseId>,
) -> Result<web::Json<Vec<AssigneeSuggestion>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(cases::suggest_assignees(&mut conn, caller.id(), *id).await?))
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
    let consult = consults::request(&mut conn, caller.id(), *id, body.into_inner(), meta.ip.as_deref()).await?;
    let dto = events::consult_changed(&state, &mut conn, &consult, &[]).await?;
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
    let (consult, before) = consults::transition(&mut conn, caller.id(), id, t, meta.ip.as_deref()).await?;
    Ok(web::Json(
        events::consult_changed(&state, &mut conn, &consult, &before).await?,
    ))
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
        req.to_team_id,
        req.direction,
        &req.reason,
        meta.ip.as_deref(),
    )
    .await?;
    let dto = events::referral_created(&state, &mut conn, &created).await?;
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
    Ok(web::Json(ReferralDto::from(&referral)))
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
        "complete" => ReferralTransition::Complete(json_body::<CompleteReferralRequest>(&body)?.outcome),
        "cancel" => ReferralTransition::Cancel,
        _ => return Err(ApiError::NotFound(Reason::NoSuchEndpoint, "no such endpoint".into())),
    };
    let mut conn = state.db.get().await?;
    let done = referrals::transition(&mut conn, caller.id(), id, t, meta.ip.as_deref()).await?;
    Ok(web::Json(events::referral_transitioned(&state, &mut conn, done).await?))
}
