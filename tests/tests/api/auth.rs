//! Login, tokens, refresh rotation and reuse, logout, password changes, throttling.

use consilium_tests::{ADMIN_USERNAME, TEST_JWT_SECRET, TestApp, TestOptions, USER_PASSWORD};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

#[tokio::test]
async fn login_returns_tokens_and_the_user() {
    let app = TestApp::spawn().await;
    let r = app
        .anon
        .try_login(ADMIN_USERNAME, consilium_tests::ADMIN_PASSWORD)
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(r.body["refresh_token"].as_str().is_some_and(|t| t.len() >= 40));
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.body["user"]["username"], ADMIN_USERNAME);
    assert_eq!(r.body["user"]["role"], "admin");
    assert!(r.body["user"].get("password_hash").is_none());

    let me = app.admin.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], ADMIN_USERNAME);
    assert_eq!(app.audit("login").await.len(), 2);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same_and_are_audited() {
    let app = TestApp::spawn().await;
    let wrong = app.anon.try_login(ADMIN_USERNAME, "not-the-password").await;
    let unknown = app.anon.try_login("nobody_here", "whatever-password").await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, 401);
        assert_eq!(r.error_code(), "unauthorized");
        assert_eq!(r.body["error"]["message"], "invalid username or password");
    }
    let failed = app.audit("login_failed").await;
    assert_eq!(failed.len(), 2);
    assert!(
        failed
            .iter()
            .any(|e| e["detail"]["username"] == "nobody_here" && e["actor_id"].is_null())
    );
    assert!(
        failed
            .iter()
            .any(|e| e["detail"]["reason"] == "wrong_password" && e["ip"] == "127.0.0.1")
    );
}

#[tokio::test]
async fn repeated_failures_throttle_the_username() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_throttle").await;
    for _ in 0..5 {
        assert_eq!(app.anon.try_login(&doc.username(), "wrong-password").await.status, 401);
    }
    // even the right password is refused while throttled
    let r = app.anon.try_login(&doc.username(), USER_PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.error_code(), "rate_limited");
    // another account from the same address is still fine
    assert_eq!(
        app.anon
            .try_login(ADMIN_USERNAME, consilium_tests::ADMIN_PASSWORD)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn repeated_failures_throttle_the_address() {
    let app = TestApp::spawn().await;
    for i in 0..30 {
        assert_eq!(
            app.anon.try_login(&format!("guess_{i}"), "wrong-password").await.status,
            401
        );
    }
    let r = app
        .anon
        .try_login(ADMIN_USERNAME, consilium_tests::ADMIN_PASSWORD)
        .await;
    assert_eq!(r.status, 429);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("address"));
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_chain() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_refresh").await;
    let first = doc.refresh_token.clone().unwrap();

    let r1 = app
        .anon
        .post("/api/v1/auth/refresh", &json!({ "refresh_token": first }))
        .await;
    assert_eq!(r1.status, 200, "{}", r1.body);
    let second = r1.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(r1.body["user"]["username"], "dr_refresh");
    let rotated = doc.signed_in(&r1.body);
    assert_eq!(rotated.get("/api/v1/me").await.status, 200);

    // the consumed token is presented again: someone copied it
    let reuse = app
        .anon
        .post("/api/v1/auth/refresh", &json!({ "refresh_token": first }))
        .await;
    assert_eq!(reuse.status, 401);
    assert!(reuse.body["error"]["message"].as_str().unwrap().contains("revoked"));

    // the legitimate holder's newer tokens die with the chain
    let r2 = app
        .anon
        .post("/api/v1/auth/refresh", &json!({ "refresh_token": second }))
        .await;
    assert_eq!(r2.status, 401);
    assert_eq!(rotated.get("/api/v1/me").await.status, 401);
    assert_eq!(doc.get("/api/v1/me").await.status, 401);
    assert_eq!(app.audit("refresh_token_reused").await.len(), 1);

    // other sessions of the same user are untouched
    let other = app.anon.login("dr_refresh", USER_PASSWORD).await;
    assert_eq!(other.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn garbage_refresh_tokens_are_refused() {
    let app = TestApp::spawn().await;
    for token in ["", "nope", "' or 1=1 --"] {
        let r = app
            .anon
            .post("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
            .await;
        assert_eq!(r.status, 401, "{token}");
    }
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_logout").await;
    let other = app.anon.login("dr_logout", USER_PASSWORD).await;
    let r = doc
        .post("/api/v1/auth/logout", &json!({ "refresh_token": doc.refresh_token }))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(doc.get("/api/v1/me").await.status, 401);
    let refresh = app
        .anon
        .post("/api/v1/auth/refresh", &json!({ "refresh_token": doc.refresh_token }))
        .await;
    assert_eq!(refresh.status, 401);
    // logging out twice is fine; the other session lives on
    assert_eq!(
        doc.post("/api/v1/auth/logout", &json!({ "refresh_token": doc.refresh_token }))
            .await
            .status,
        204
    );
    assert_eq!(other.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let here = app.user("dr_pw").await;
    let elsewhere = app.anon.login("dr_pw", USER_PASSWORD).await;

    let wrong = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": "nope-nope", "new_password": "brand-new-pass" }),
        )
        .await;
    assert_eq!(wrong.status, 403);
    let weak = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": USER_PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(weak.body["error"]["message"].as_str().unwrap().contains("new_password"));
    let common = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": USER_PASSWORD, "new_password": "password123" }),
        )
        .await;
    assert_eq!(
        (common.status, common.body["error"]["reason"].clone()),
        (400, json!("common_password"))
    );

    let ok = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": USER_PASSWORD, "new_password": "brand-new-pass" }),
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.body);
    assert_eq!(here.get("/api/v1/me").await.status, 200);
    assert_eq!(elsewhere.get("/api/v1/me").await.status, 401);
    let refresh = app
        .anon
        .post(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": elsewhere.refresh_token }),
        )
        .await;
    assert_eq!(refresh.status, 401);
    assert_eq!(app.anon.try_login("dr_pw", USER_PASSWORD).await.status, 401);
    assert_eq!(app.anon.try_login("dr_pw", "brand-new-pass").await.status, 200);
}

fn forge(claims: serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn payload_of(token: &str) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn expired_forged_and_unsigned_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_tokens").await;
    let claims = payload_of(doc.token.as_ref().unwrap());
    let now = chrono::Utc::now().timestamp();

    // the same claims signed with our secret are accepted (the forging itself works)
    assert_eq!(
        doc.with_token(&forge(claims.clone(), TEST_JWT_SECRET))
            .get("/api/v1/me")
            .await
            .status,
        200
    );

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["exp"] = json!(now - 60);
    let r = doc.with_token(&forge(expired, TEST_JWT_SECRET)).get("/api/v1/me").await;
    assert_eq!(r.status, 401);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("expired"));

    let wrong_secret = forge(claims.clone(), "some-other-secret-some-other-secret-123456");
    assert_eq!(doc.with_token(&wrong_secret).get("/api/v1/me").await.status, 401);

    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("somebody-else");
    assert_eq!(
        doc.with_token(&forge(wrong_audience, TEST_JWT_SECRET))
            .get("/api/v1/me")
            .await
            .status,
        401
    );

    // alg: none with no signature
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(serde_json::to_vec(&claims).unwrap())
    );
    assert_eq!(doc.with_token(&none).get("/api/v1/me").await.status, 401);

    // a signature of someone else's claims spliced onto ours
    let mut tampered = claims.clone();
    tampered["sub"] = app.admin.user["id"].clone();
    let original = doc.token.clone().unwrap();
    let sig = original.rsplit('.').next().unwrap();
    let header = original.split('.').next().unwrap();
    let spliced = format!("{header}.{}.{sig}", b64.encode(serde_json::to_vec(&tampered).unwrap()));
    assert_eq!(doc.with_token(&spliced).get("/api/v1/me").await.status, 401);

    for header in ["", "Bearer", "Bearer not.a.jwt", "Basic abc"] {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/me", app.address))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "{header:?}");
    }
    assert_eq!(app.anon.get("/api/v1/me").await.error_code(), "unauthorized");
}

/// A doctor sees their signed-in devices and ends one: its next request is
/// refused, its refresh token too, and the other devices go on.
#[tokio::test]
async fn a_user_lists_their_sessions_and_ends_one() {
    let app = TestApp::spawn().await;
    let phone = app.user("dr_sessions").await;
    let ward_pc = app.anon.login("dr_sessions", USER_PASSWORD).await;
    let other = app.user("dr_other").await;

    let r = phone.get("/api/v1/me/sessions").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2, "{}", r.body);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    for s in &list {
        assert!(
            s["created_at"].is_string() && s["last_used_at"].is_string() && s["idle_expires_at"].is_string(),
            "{s}"
        );
    }
    let pc_session = list
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("the other session")
        .to_owned();

    // nobody ends another user's session, not even knowing its id
    assert_eq!(
        (other.delete(&format!("/api/v1/me/sessions/{pc_session}")).await.status),
        404
    );
    assert_eq!(ward_pc.get("/api/v1/me").await.status, 200);

    let r = phone.delete(&format!("/api/v1/me/sessions/{pc_session}")).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = ward_pc.get("/api/v1/me").await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (401, json!("session_ended"))
    );
    let r = app
        .anon
        .post(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": ward_pc.refresh_token.clone() }),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(phone.get("/api/v1/me").await.status, 200, "the phone goes on");
    assert_eq!(
        phone.get("/api/v1/me/sessions").await.body.as_array().map(Vec::len),
        Some(1)
    );
    let r = phone.delete(&format!("/api/v1/me/sessions/{pc_session}")).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (404, json!("session_not_found"))
    );
    let r = phone.delete("/api/v1/me/sessions/not-a-uuid").await;
    assert_eq!(r.status, 400, "{}", r.body);
    let audit = app
        .admin
        .get(&format!("/api/v1/audit?target_type=session&target_id={pc_session}"))
        .await;
    assert_eq!(audit.body["items"][0]["action"], "session_ended", "{}", audit.body);
}

/// A session unused for SESSION_IDLE_SECS ends (SPEC §11): its access token
/// and its refresh token are refused; one in use stays.
#[tokio::test]
async fn an_idle_session_ends_and_one_in_use_stays() {
    let app = TestApp::spawn_with(consilium_tests::TestOptions {
        env: vec![("SESSION_IDLE_SECS".into(), "2".into())],
        ..Default::default()
    })
    .await;
    let idle = app.user("dr_idle").await;
    let busy = app.anon.login("dr_idle", USER_PASSWORD).await;
    for _ in 0..6 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(busy.get("/api/v1/me").await.status, 200, "a session in use stays");
    }
    let r = idle.get("/api/v1/me").await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (401, json!("session_ended")),
        "{}",
        r.body
    );
    let r = app
        .anon
        .post(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": idle.refresh_token.clone() }),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    let sessions = busy.get("/api/v1/me/sessions").await.body;
    assert_eq!(sessions.as_array().map(Vec::len), Some(1), "{sessions}");

    // a refresh token left unused as long is refused as well
    let sleeper = app.anon.login("dr_idle", USER_PASSWORD).await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let r = app
        .anon
        .post(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": sleeper.refresh_token.clone() }),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
}

#[tokio::test]
async fn a_login_storm_past_the_queue_is_refused_at_once_with_429_too_many_logins() {
    // A queue of two, so that a storm of 24 overflows it on any machine.
    let app = TestApp::spawn_with(TestOptions {
        env: vec![("LOGIN_QUEUE_LIMIT".into(), "2".into())],
        ..TestOptions::default()
    })
    .await;
    app.user("dr_storm").await;
    app.user("dr_storm_typo").await;
    // every fourth with a wrong password, for another account
    let attempts = (0..24).map(|i| {
        let anon = app.anon.clone();
        async move {
            if i % 4 == 0 {
                anon.try_login("dr_storm_typo", "not-the-password").await
            } else {
                anon.try_login("dr_storm", USER_PASSWORD).await
            }
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let busy = answers
        .iter()
        .filter(|r| r.status == 429 && r.body["error"]["reason"] == "too_many_logins")
        .count();
    assert!(busy > 0, "the storm overflowed the queue: {answers:#?}");
    for refused in answers
        .iter()
        .filter(|r| r.status == 429 && r.body["error"]["reason"] == "too_many_logins")
    {
        assert_eq!(
            refused.headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1"),
            "a busy server asks for a moment: {refused:#?}"
        );
    }
    assert!(
        answers.iter().all(|r| matches!(r.status, 200 | 401 | 429)),
        "nothing but sign-ins, wrong passwords and refusals: {answers:#?}"
    );
    assert!(
        answers.iter().any(|r| r.status == 200),
        "some got through: {answers:#?}"
    );
    // a refused login is not a failed one: the account is not throttled for it
    let r = app.anon.try_login("dr_storm", USER_PASSWORD).await;
    assert_eq!(r.status, 200, "after the storm: {}", r.body);
    assert!(r.body["access_token"].is_string());
}
