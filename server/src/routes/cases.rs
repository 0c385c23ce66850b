//! `/teams/{id}/cases|intakes|triage` and `/cases/{id}`: cases and triage.

use actix_web::{HttpResponse, web};
use consilium_shared::{
    CaseId, ErrorBody, TeamId,
    cases::{
        AssigneeSuggestion, BreakGlassDto, BreakGlassRequest, CaseDto, CaseListQuery, CaseStatus, CreateCaseRequest,
        IntakeRequest, TriageAction, UpdateCaseRequest,
    },
    paging::{Page, PageQuery},
};

use super::{keyset_page, page_request};
use crate::auth::{AuthUser, ClientMeta};
use crate::cases::{self};
use crate::domain::keyset::QueueKey;
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams/{id}/cases", web::post().to(create_case))
        .route("/teams/{id}/cases", web::get().to(list_cases))
        .route("/teams/{id}/intakes", web::post().to(submit_intake))
        .route("/teams/{id}/triage", web::get().to(triage_queue))
        .route("/cases/{id}", web::get().to(get_case))
        .route("/cases/{id}", web::patch().to(update_case))
        .route("/cases/{id}/triage", web::post().to(triage))
        .route("/cases/{id}/suggestions", web::get().to(suggestions))
        .route("/cases/{id}/break-glass", web::post().to(break_glass))
        .route("/cases/{id}/break-glass", web::get().to(break_glass_grants));
}

/// Emergency read access to a case of another team (SPEC §11): the reason
/// is audited, the team's lead notified, the thread shows a notice; the case
/// and its thread read for `BREAK_GLASS_MINUTES`. Asking again while access
/// lasts returns the live grant (200).
#[utoipa::path(post, path = "/api/v1/cases/{id}/break-glass", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "cases", security(("bearer" = [])), request_body = BreakGlassRequest,
    responses((status = 201, body = BreakGlassDto), (status = 200, body = BreakGlassDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn break_glass(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
    body: web::Json<BreakGlassRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let opened = cases::break_glass::open(
        &mut conn,
        &caller,
        *id,
        &body.reason,
        state.config.security.break_glass,
        meta.ip.as_deref(),
    )
    .await?;
    drop(conn);
    let grant = opened.grant.clone();
    let created = opened.created;
    events::timeline_posted(&state, opened.timeline).await;
    events::notifications_created(&state, opened.notes).await;
    Ok(if created {
        HttpResponse::Created().json(grant)
    } else {
        HttpResponse::Ok().json(grant)
    })
}

/// Everyone who opened the case under break-glass: who, why, until when.
#[utoipa::path(get, path = "/api/v1/cases/{id}/break-glass", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<BreakGlassDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn break_glass_grants(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<CaseId>,
) -> Result<web::Json<Vec<BreakGlassDto>>, ApiError> {
    let mut conn = state.db.get().await?;
    Ok(web::Json(cases::break_glass::list(&mut conn, caller.id(), *id).await?))
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
    let (case, patient) = cases::submit_intake(
        &mut conn,
        caller.id(),
        *team,
        body.into_inner(),
        &state.config.deadlines,
    )
    .await?;
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
