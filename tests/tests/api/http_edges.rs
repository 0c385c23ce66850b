//! Malformed and oversized input, unknown endpoints, ops endpoints, OpenAPI.

use consilium_tests::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_a_clear_400_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let cases: [(&str, &[u8]); 4] = [
        ("application/json", b"{\"username\": \"dr_x\", "),
        ("application/json", b"[1,2,3]"),
        (
            "application/json",
            b"{\"username\": 42, \"display_name\": \"x\", \"password\": \"password-1\"}",
        ),
        (
            "text/plain",
            b"{\"username\": \"dr_x\", \"display_name\": \"x\", \"password\": \"password-1\"}",
        ),
    ];
    for (ct, body) in cases {
        let r = app
            .admin
            .send_raw(Method::POST, "/api/v1/users", ct, body.to_vec())
            .await;
        assert_eq!(r.status, 400, "{ct} {:?}: {}", String::from_utf8_lossy(body), r.body);
        assert_eq!(r.error_code(), "invalid");
        assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
    }
    let db = app.db.connect().await;
    let n: i64 = db.query_one("select count(*) from users", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn().await;
    let huge = json!({ "username": "dr_big", "display_name": "x".repeat(300 * 1024), "password": "password-1" });
    let r = app.admin.post("/api/v1/users", &huge).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.error_code(), "too_large");
    // long but under the limit: a validation error, not a crash
    let long = json!({ "username": "dr_big", "display_name": "名".repeat(101), "password": "password-1" });
    let r = app.admin.post("/api/v1/users", &long).await;
    assert_eq!(r.status, 400);
    let db = app.db.connect().await;
    let n: i64 = db.query_one("select count(*) from users", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn malformed_ids_and_unknown_endpoints_answer_json() {
    let app = TestApp::spawn().await;
    let r = app.admin.get("/api/v1/users/not-a-uuid").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "invalid");
    let r = app.admin.get("/api/v1/no/such/thing").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "not_found");
    let r = app.admin.get("/api/v1/audit?since=yesterday").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn ops_endpoints_and_request_ids() {
    let app = TestApp::spawn().await;
    let h = app.anon.get("/healthz").await;
    assert_eq!(h.status, 200);
    assert!(h.headers.get("x-request-id").is_some());
    let r = app.anon.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["postgres"], true);
    assert_eq!(r.body["redis"], "not_configured");
    let m = app.anon.get("/metrics").await;
    assert_eq!(m.status, 200);
    assert!(m.body.as_str().unwrap().contains("consilium_http_requests_total"));
}

#[tokio::test]
async fn readiness_checks_redis_when_configured() {
    let app = TestApp::spawn_with(consilium_tests::TestOptions {
        redis: true,
        ..Default::default()
    })
    .await;
    let r = app.anon.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["redis"], true);
}

#[tokio::test]
async fn openapi_lists_every_endpoint() {
    let app = TestApp::spawn().await;
    let r = app.anon.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, 200);
    let paths = r.body["paths"].as_object().unwrap();
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/auth/login", &["post"]),
        ("/api/v1/auth/refresh", &["post"]),
        ("/api/v1/auth/logout", &["post"]),
        ("/api/v1/me", &["get"]),
        ("/api/v1/me/password", &["put"]),
        ("/api/v1/users", &["get", "post"]),
        ("/api/v1/users/{id}", &["get", "patch"]),
        ("/api/v1/users/{id}/deactivate", &["post"]),
        ("/api/v1/users/{id}/reactivate", &["post"]),
        ("/api/v1/teams", &["get", "post"]),
        ("/api/v1/teams/directory", &["get"]),
        ("/api/v1/teams/{id}", &["get", "patch"]),
        ("/api/v1/teams/{id}/archive", &["post"]),
        ("/api/v1/teams/{id}/members", &["get"]),
        ("/api/v1/teams/{id}/members/{user_id}", &["put", "delete"]),
        ("/api/v1/audit", &["get"]),
        ("/api/v1/conversations", &["get"]),
        ("/api/v1/conversations/{id}", &["get"]),
        ("/api/v1/direct/{user_id}", &["post"]),
        ("/api/v1/conversations/{id}/messages", &["get", "post"]),
        ("/api/v1/conversations/{id}/messages/{seq}", &["put"]),
        ("/api/v1/conversations/{id}/messages/{seq}/versions", &["get"]),
        (
            "/api/v1/conversations/{id}/messages/{seq}/reactions/{emoji}",
            &["put", "delete"],
        ),
        ("/api/v1/conversations/{id}/messages/{seq}/recall", &["post"]),
        ("/api/v1/conversations/{id}/read", &["put"]),
        ("/api/v1/search", &["get"]),
        ("/api/v1/conversations/{id}/attachments", &["post"]),
        ("/api/v1/attachments/{id}", &["get"]),
        ("/api/v1/attachments/{id}/content", &["get"]),
        ("/api/v1/attachments/{id}/preview", &["get"]),
        ("/api/v1/cases/{id}/attachments", &["get"]),
        ("/api/v1/teams/{id}/cases", &["get", "post"]),
        ("/api/v1/teams/{id}/intakes", &["post"]),
        ("/api/v1/teams/{id}/triage", &["get"]),
        ("/api/v1/cases/{id}", &["get", "patch"]),
        ("/api/v1/cases/{id}/triage", &["post"]),
        ("/api/v1/cases/{id}/suggestions", &["get"]),
        ("/api/v1/cases/{id}/consults", &["get", "post"]),
        ("/api/v1/cases/{id}/referrals", &["get", "post"]),
        ("/api/v1/consults", &["get"]),
        ("/api/v1/consults/{id}", &["get"]),
        ("/api/v1/consults/{id}/{transition}", &["post"]),
        ("/api/v1/referrals", &["get"]),
        ("/api/v1/referrals/{id}", &["get"]),
        ("/api/v1/referrals/{id}/{transition}", &["post"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
    ];
    for (path, methods) in expected {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing from OpenAPI"));
        for m in *methods {
            assert!(item.get(*m).is_some(), "{m} {path} missing from OpenAPI");
        }
    }
    assert!(r.body["components"]["schemas"]["UserDto"].is_object());
    assert!(r.body["components"]["schemas"]["CaseDto"].is_object());
    assert!(r.body["components"]["schemas"]["TriageAction"].is_object());
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
}

/// A newcomer changed BIND_ADDR and the browser was refused forever: with
/// ALLOWED_ORIGINS unset, the origins follow the address the server binds.
#[tokio::test]
async fn without_allowed_origins_the_bound_address_may_open_the_websocket() {
    use consilium_tests::ws::WsClient;
    let app = TestApp::spawn_with(consilium_tests::TestOptions {
        env: vec![("ALLOWED_ORIGINS".into(), String::new())],
        ..Default::default()
    })
    .await;
    let token = app.admin.token.clone().expect("token");
    let port = app.port;
    for origin in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
        let ws = WsClient::connect_with_origin(&app.address, &token, &origin)
            .await
            .unwrap_or_else(|e| panic!("origin {origin} refused: {e:?}"));
        assert_eq!(ws.ready["type"], "ready");
    }
    let other_port = port.wrapping_add(1);
    for origin in [
        "http://evil.example".to_owned(),
        format!("http://127.0.0.1:{other_port}"),
    ] {
        match WsClient::connect_with_origin(&app.address, &token, &origin).await {
            Err(e) => assert_eq!(e.status(), Some(403), "origin {origin}: {e:?}"),
            Ok(_) => panic!("origin {origin} was let in"),
        }
    }
}
