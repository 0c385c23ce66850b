//! The machine-readable API description at `/api/v1/openapi.json`, generated
//! from the handlers' annotations so it cannot drift from the code.

use actix_web::{HttpResponse, ResponseError};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    attachments, audit, auth, calls, cases, consults, conversations, fhir, follow_ups, notifications, ops, referrals,
    slots, teams, users, webhooks, work,
};

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

/// Handlers of different resources share names (`list`, `get`, `create`),
/// and utoipa takes the function name as the operation id, which must be
/// unique; prefix each with its tag (`teams_list`, `users_get`).
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in operations.into_iter().flatten() {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned();
                if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut())
                    && !id.starts_with(&format!("{tag}_"))
                {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

/// The OpenAPI document of every HTTP endpoint.
#[derive(OpenApi)]
#[openapi(
    info(title = "Consilium API", description = "Realtime collaboration for expert-led doctor teams. Errors are `{\"error\": {\"code\", \"reason\", \"message\"}}`: `reason` is a stable word (ErrorReason) a client translates; any text containing U+0000 is refused with reason `nul_character`; a 429 carries `Retry-After` (seconds) when waiting helps: `too_many_logins` (1) and `too_many_failed_logins` (the 15-minute window); the websocket protocol is described in docs/protocol.md."),
    modifiers(&BearerAuth, &UniqueOperationIds),
    // Schemas only referred to from query parameters are not collected on
    // their own; name them so every `$ref` resolves.
    components(schemas(consilium_shared::cases::BoxKind, consilium_shared::chat::SearchKind, consilium_shared::follow_ups::FollowUpFilter)),
    paths(
        auth::login, auth::refresh, auth::logout, auth::me, auth::change_password, auth::my_sessions, auth::end_session,
        auth::login_second_factor, auth::two_factor_status, auth::enrol_totp, auth::confirm_totp,
        auth::regenerate_recovery_codes, auth::disable_two_factor,
        users::create, users::search, users::get, users::update, users::deactivate, users::reactivate, users::reset_two_factor,
        teams::create, teams::list, teams::directory, teams::get, teams::update, teams::archive,
        teams::members, teams::set_member, teams::remove_member, teams::settings, teams::update_settings,
        audit::list, audit::verify,
        conversations::list, conversations::get, conversations::direct, conversations::history,
        conversations::send, conversations::recall, conversations::read, conversations::search,
        conversations::acknowledge, conversations::acknowledgements, conversations::notify_level,
        conversations::edit, conversations::versions, conversations::add_reaction, conversations::remove_reaction,
        calls::start, calls::ice_servers, calls::get, calls::join, calls::leave, calls::decline, calls::end,
        attachments::upload, attachments::get_attachment, attachments::content, attachments::preview, attachments::of_case,
        cases::create_case, cases::submit_intake, cases::triage_queue, cases::list_cases, cases::get_case,
        cases::update_case, cases::triage, cases::suggestions, cases::break_glass, cases::break_glass_grants,
        consults::request_consult, consults::case_consults, consults::list_consults, consults::get_consult, consults::consult_transition,
        referrals::create_referral, referrals::case_referrals, referrals::list_referrals, referrals::get_referral, referrals::referral_transition,
        slots::create_slot, slots::list_slots, slots::delete_slot,
        follow_ups::plan_follow_ups, follow_ups::case_follow_ups, follow_ups::my_follow_ups, follow_ups::complete_follow_up,
        fhir::case_bundle,
        notifications::list, notifications::mark_read, work::my_work, work::set_status,
        webhooks::create, webhooks::list, webhooks::delete, webhooks::deliveries,
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
    }

    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
        out
    }

    /// Generated clients and API fuzzers refuse an operation whose path
    /// parameters are undeclared, so every `{name}` must be declared.
    #[test]
    fn every_path_parameter_is_declared() {
        let doc = document();
        let mut missing = Vec::new();
        for (path, method, op) in operations(&doc) {
            let declared_list: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let declared: BTreeSet<&str> = declared_list.iter().copied().collect();
            if declared.len() != declared_list.len() {
                missing.push(format!("{method} {path}: duplicate parameters {declared_list:?}"));
            }
            let in_path: BTreeSet<&str> = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            if declared != in_path {
                missing.push(format!("{method} {path}: declared {declared:?}, path has {in_path:?}"));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    /// Every `$ref` must point at a schema the document defines.
    #[test]
    fn every_reference_resolves() {
        fn walk(v: &Value, refs: &mut BTreeSet<String>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        refs.insert(r.clone());
                    }
                    map.values().for_each(|v| walk(v, refs));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
                _ => {}
            }
        }
        let doc = document();
        let mut refs = BTreeSet::new();
        walk(&doc, &mut refs);
        let dangling: Vec<&String> = refs
            .iter()
            .filter(|r| {
                let name = r.trim_start_matches("#/components/schemas/");
                doc["components"]["schemas"].get(name).is_none()
            })
            .collect();
        assert!(dangling.is_empty(), "undefined schemas: {dangling:?}");
    }

    /// Every route the server registers is described. actix-web cannot list
    /// its routes, so this reads the `.route(...)` calls of the route modules:
    /// a new route without an annotation fails here, not in a client.
    #[test]
    fn every_registered_route_is_in_the_document() {
        let doc = document();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
        let mut undocumented = Vec::new();
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let source = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let mut rest = source.as_str();
            while let Some(at) = rest.find(".route(\"") {
                rest = &rest[at + 8..];
                let Some(end) = rest.find('"') else { break };
                let path = &rest[..end];
                let Some(method) = rest[end..].split("web::").nth(1).and_then(|m| m.split("()").next()) else {
                    continue;
                };
                seen += 1;
                // Not REST operations: the websocket upgrade (docs/protocol.md),
                // the document itself and the unprefixed ops endpoints.
                if matches!(path, "/ws" | "/openapi.json" | "/metrics") {
                    continue;
                }
                let full = if matches!(path, "/healthz" | "/readyz") {
                    path.to_owned()
                } else {
                    format!("/api/v1{path}")
                };
                if doc["paths"][&full].get(method).is_none() {
                    undocumented.push(format!("{method} {full}"));
                }
            }
        }
        assert!(
            seen > 40,
            "found only {seen} routes; did the registration style change?"
        );
        assert!(
            undocumented.is_empty(),
            "routes missing from the OpenAPI document: {undocumented:?}"
        );
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let ids: Vec<String> = operations(&doc)
            .iter()
            .map(|(path, method, op)| {
                op["operationId"]
                    .as_str()
                    .unwrap_or(&format!("{method} {path}"))
                    .to_owned()
            })
            .collect();
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
    }

    #[test]
    fn errors_are_described_with_their_reason() {
        let doc = document();
        assert!(
            doc["components"]["schemas"]["ErrorReason"]["enum"]
                .as_array()
                .is_some_and(|reasons| reasons.iter().any(|r| r == "nul_character"))
        );
    }
}
