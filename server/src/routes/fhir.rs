//! `/cases/{id}/fhir`: a case as a FHIR R4 Bundle (SPEC §10).

use actix_web::{HttpResponse, web};
use consilium_shared::{CaseId, ErrorBody};

use crate::auth::{AuthUser, ClientMeta};
use crate::error::ApiError;
use crate::fhir;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/fhir", web::get().to(case_bundle));
}

/// The case as a FHIR R4 `Bundle` (`collection`): Patient, a Condition per
/// diagnosis, a ServiceRequest and Task per consult and referral, a
/// DocumentReference per attachment the caller may read. Audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}/fhir", params(("id" = uuid::Uuid, Path, description = "The case's id")), tag = "fhir", security(("bearer" = [])),
    responses((status = 200, content_type = "application/fhir+json", body = Object, description = "A FHIR R4 Bundle"), (status = 404, body = ErrorBody)))]
pub async fn case_bundle(
    state: web::Data<AppState>,
    caller: AuthUser,
    meta: ClientMeta,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.get().await?;
    let bundle = fhir::export(&mut conn, caller.id(), *id, meta.ip.as_deref()).await?;
    Ok(HttpResponse::Ok().content_type("application/fhir+json").json(bundle))
}
