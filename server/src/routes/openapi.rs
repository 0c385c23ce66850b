//! The machine-readable API description at `/api/v1/openapi.json`, generated
//! from the handlers' annotations so it cannot drift from the code.

use actix_web::{HttpResponse, ResponseError};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, auth, cases, conversations, ops, teams, users};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of every HTTP endpoint.
#[derive(OpenApi)]
#[openapi(
    info(title = "Consilium API", description = "Realtime collaboration for expert-led doctor teams. Errors are `{\"error\": {\"code\", \"message\"}}`; the websocket protocol is described in docs/protocol.md."),
    modifiers(&BearerAuth),
    paths(
        auth::login, auth::refresh, auth::logout, auth::me, auth::change_password,
        users::create, users::search, users::get, users::update, users::deactivate, users::reactivate,
        teams::create, teams::list, teams::directory, teams::get, teams::update, teams::archive,
        teams::members, teams::set_member, teams::remove_member,
        audit::list,
        conversations::list, conversations::get, conversations::direct, conversations::history,
        conversations::send, conversations::recall, conversations::read, conversations::search,
        cases::create_case, cases::submit_intake, cases::triage_queue, cases::list_cases, cases::get_case,
        cases::update_case, cases::triage, cases::suggestions,
        cases::request_consult, cases::case_consults, cases::list_consults, cases::get_consult, cases::consult_transition,
        cases::create_referral, cases::case_referrals, cases::list_referrals, cases::get_referral, cases::referral_transition,
        ops::healthz, ops::readyz,
    )
)]
pub struct ApiDoc;

/// Serves the document.
pub async fn serve() -> HttpResponse {
    match ApiDoc::openapi().to_json() {
        Ok(json) => HttpResponse::Ok().content_type("application/json").body(json),
        Err(e) => crate::error::ApiError::Unexpected(e.into()).error_response(),
    }
}
