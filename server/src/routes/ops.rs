//! Operations endpoints, outside `/api/v1`: liveness, readiness, metrics.

use actix_web::{HttpResponse, web};
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::state::AppState;

/// Registers `/healthz` and `/readyz` (`/metrics` is served by the metrics middleware).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        // answered by the metrics middleware; the route only keeps it out of the 404 log
        .route("/metrics", web::get().to(HttpResponse::Ok));
}

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Postgres (and Redis, when configured) answer; load balancers stop routing here otherwise.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses((status = 200), (status = 503)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let postgres = match state.db.get().await {
        Ok(mut conn) => diesel::sql_query("select 1").execute(&mut conn).await.is_ok(),
        Err(_) => false,
    };
    let redis = state.realtime.redis_ready().await;
    let ready = postgres && redis.unwrap_or(true);
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "postgres": postgres,
        "redis": redis.map_or(json!("not_configured"), |ok| json!(ok)),
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
