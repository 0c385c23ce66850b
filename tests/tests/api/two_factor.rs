//! Two-factor sign-in (SPEC §11): TOTP enrolment, sign-in with a code or a
//! recovery code (each once), turning it off, an admin's reset, and admins
//! who must have it before they can do anything else.

use consilium_tests::ws::{ConnectOptions, WsClient};
use consilium_tests::{ADMIN_PASSWORD, ADMIN_USERNAME, Api, Resp, TestApp, TestOptions, USER_PASSWORD};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

fn assert_reason(r: &Resp, status: u16, reason: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], reason, "{what}: {}", r.body);
}

/// The authenticator app: codes from the enrolment's secret.
struct Authenticator(TOTP);

impl Authenticator {
    fn of(enrolment: &Value) -> Self {
        let secret = Secret::Encoded(enrolment["secret"].as_str().expect("secret").to_owned())
            .to_bytes()
            .expect("base32 secret");
        Self(TOTP::new_unchecked(
            Algorithm::SHA1,
            6,
            1,
            30,
            secret,
            None,
            String::new(),
        ))
    }

    /// The code of the step `offset` steps from now.
    fn code(&self, offset: i64) -> String {
        let now = chrono::Utc::now().timestamp() + offset * 30;
        self.0.generate(u64::try_from(now).expect("after 1970"))
    }
}

async fn enrol(api: &Api) -> (Authenticator, Vec<String>) {
    let r = api.post("/api/v1/me/2fa/totp", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let app = Authenticator::of(&r.body);
    let r = api
        .post("/api/v1/me/2fa/totp/confirm", &json!({ "code": app.code(0) }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes = r.body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (app, codes)
}

/// Signs in with the password, expecting a second-factor challenge.
async fn challenge(anon: &Api, username: &str, password: &str) -> String {
    let r = anon.try_login(username, password).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["mfa_required"], true, "{}", r.body);
    assert!(
        r.body.get("access_token").is_none(),
        "no tokens before the second factor: {}",
        r.body
    );
    assert_eq!(r.body["expires_in"], 300);
    r.body["mfa_token"].as_str().expect("mfa_token").to_owned()
}

async fn answer(anon: &Api, token: &str, code: &str) -> Resp {
    anon.post("/api/v1/auth/login/mfa", &json!({ "mfa_token": token, "code": code }))
        .await
}

#[tokio::test]
async fn a_doctor_enrols_signs_in_with_a_code_or_a_recovery_code_once_and_turns_it_off() {
    let app = TestApp::spawn().await;
    let doctor = app.user("dr_2fa").await;
    let r = doctor.get("/api/v1/me/2fa").await;
    assert_eq!(
        r.body,
        json!({ "enabled": false, "required": false, "recovery_codes_left": 0 })
    );

    // enrolment: a secret and an otpauth URL the app reads from a QR code
    let r = doctor.post("/api/v1/me/2fa/totp", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let url = r.body["otpauth_url"].as_str().expect("url").to_owned();
    assert!(url.starts_with("otpauth://totp/Consilium:dr_2fa?"), "{url}");
    assert!(url.contains("issuer=Consilium"), "{url}");
    let authenticator = Authenticator::of(&r.body);
    // not in force until confirmed: the password alone still signs in
    assert!(app.anon.try_login("dr_2fa", USER_PASSWORD).await.body["access_token"].is_string());
    // the secret is sealed at rest: its bytes are nowhere in the row
    let raw = Secret::Encoded(r.body["secret"].as_str().expect("secret").to_owned())
        .to_bytes()
        .expect("base32");
    let db = app.db.connect().await;
    let sealed: Vec<u8> = db
        .query_one("select secret_sealed from user_totp", &[])
        .await
        .expect("a row")
        .get(0);
    assert!(
        sealed.windows(raw.len()).all(|w| w != raw.as_slice()),
        "the secret is stored in the clear"
    );

    for bad in ["000000", "12345", "abcdef", "", "1234567"] {
        let code = if bad == "000000" && authenticator.code(0) == "000000" {
            "111111"
        } else {
            bad
        };
        assert_reason(
            &doctor
                .post("/api/v1/me/2fa/totp/confirm", &json!({ "code": code }))
                .await,
            400,
            "invalid_mfa_code",
            &format!("confirming with {code:?}"),
        );
    }
    assert_eq!(doctor.post("/api/v1/me/2fa/totp/confirm", &json!({})).await.status, 400);
    let first_code = authenticator.code(0);
    let r = doctor
        .post("/api/v1/me/2fa/totp/confirm", &json!({ "code": first_code }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let recovery: Vec<String> = serde_json::from_value(r.body["recovery_codes"].clone()).expect("codes");
    assert_eq!(recovery.len(), 10);
    assert!(
        recovery.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'),
        "{recovery:?}"
    );
    assert_eq!(
        doctor.get("/api/v1/me/2fa").await.body,
        json!({ "enabled": true, "required": false, "recovery_codes_left": 10 })
    );
    assert_reason(
        &doctor.post("/api/v1/me/2fa/totp", &json!({})).await,
        409,
        "two_factor_already_enabled",
        "enrolling twice",
    );

    // sign-in now asks for a code; the one used to confirm is not taken again
    let token = challenge(&app.anon, "dr_2fa", USER_PASSWORD).await;
    assert_reason(
        &answer(&app.anon, &token, &first_code).await,
        401,
        "invalid_mfa_code",
        "a replayed code",
    );
    assert_reason(
        &app.anon
            .post(
                "/api/v1/auth/login/mfa",
                &json!({ "mfa_token": "forged", "code": first_code }),
            )
            .await,
        401,
        "mfa_token_invalid",
        "a forged challenge",
    );
    let r = answer(&app.anon, &token, &authenticator.code(1)).await;
    assert_eq!(r.status, 200, "the next step's code (clock skew): {}", r.body);
    assert!(r.body["access_token"].is_string());
    let signed_in = app.anon.signed_in(&r.body);
    assert_eq!(signed_in.get("/api/v1/me").await.body["username"], "dr_2fa");
    assert_reason(
        &answer(&app.anon, &token, &authenticator.code(1)).await,
        401,
        "mfa_token_invalid",
        "a used challenge",
    );

    // a recovery code works once, typed in any case and with spaces
    let token = challenge(&app.anon, "dr_2fa", USER_PASSWORD).await;
    let typed = format!(" {} ", recovery[0].to_uppercase().replace('-', " - "));
    let r = answer(&app.anon, &token, &typed).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = challenge(&app.anon, "dr_2fa", USER_PASSWORD).await;
    assert_reason(
        &answer(&app.anon, &token, &recovery[0]).await,
        401,
        "invalid_mfa_code",
        "a spent recovery code",
    );
    assert_eq!(doctor.get("/api/v1/me/2fa").await.body["recovery_codes_left"], 9);
    assert_eq!(app.audit("recovery_code_used").await.len(), 1);

    // new recovery codes replace the old ones
    let r = doctor
        .post("/api/v1/me/2fa/recovery-codes", &json!({ "code": recovery[2] }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh: Vec<String> = serde_json::from_value(r.body["recovery_codes"].clone()).expect("codes");
    let token = challenge(&app.anon, "dr_2fa", USER_PASSWORD).await;
    assert_reason(
        &answer(&app.anon, &token, &recovery[3]).await,
        401,
        "invalid_mfa_code",
        "an old recovery code",
    );
    assert_eq!(answer(&app.anon, &token, &fresh[0]).await.status, 200);

    // turning it off takes a code
    assert_reason(
        &doctor.delete_with("/api/v1/me/2fa", &json!({ "code": "wrong" })).await,
        400,
        "invalid_mfa_code",
        "turning off with a wrong code",
    );
    let r = doctor.delete_with("/api/v1/me/2fa", &json!({ "code": fresh[1] })).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(app.anon.try_login("dr_2fa", USER_PASSWORD).await.body["access_token"].is_string());
    assert_reason(
        &doctor.delete_with("/api/v1/me/2fa", &json!({ "code": fresh[2] })).await,
        409,
        "two_factor_not_enabled",
        "turning off twice",
    );
    for action in [
        "two_factor_enrolment_started",
        "two_factor_enabled",
        "two_factor_disabled",
    ] {
        assert_eq!(app.audit(action).await.len(), 1, "{action} audited");
    }
}

#[tokio::test]
async fn guessing_codes_wears_out_the_challenge_and_locks_the_account_like_wrong_passwords() {
    let app = TestApp::spawn().await;
    let doctor = app.user("dr_guessed").await;
    let (_, recovery) = enrol(&doctor).await;
    let token = challenge(&app.anon, "dr_guessed", USER_PASSWORD).await;
    for _ in 0..5 {
        assert_reason(
            &answer(&app.anon, &token, "xxxxx-xxxxx").await,
            401,
            "invalid_mfa_code",
            "wrong",
        );
    }
    // five wrong codes wear the challenge out, even for a right one
    assert_reason(
        &answer(&app.anon, &token, &recovery[0]).await,
        401,
        "mfa_token_invalid",
        "worn out",
    );
    // and they count as failed logins: the password no longer opens a challenge
    let r = app.anon.try_login("dr_guessed", USER_PASSWORD).await;
    assert_reason(&r, 429, "too_many_failed_logins", "after five wrong codes");
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("900"),
        "a throttled sign-in says how long the throttle window lasts"
    );
    let failed = app.audit("login_failed").await;
    assert_eq!(failed.len(), 5, "{failed:#?}");
    assert!(
        failed.iter().all(|e| e["detail"]["reason"] == "wrong_second_factor"),
        "{failed:#?}"
    );
}

#[tokio::test]
async fn an_admin_resets_the_second_factor_of_a_doctor_who_lost_their_phone() {
    let app = TestApp::spawn().await;
    let doctor = app.user("dr_lost").await;
    enrol(&doctor).await;
    let path = format!("/api/v1/users/{}/2fa", doctor.user_id());
    assert_reason(&doctor.delete(&path).await, 403, "admin_only", "a doctor resetting");
    assert_eq!(app.admin.delete(&path).await.status, 204);
    assert!(app.anon.try_login("dr_lost", USER_PASSWORD).await.body["access_token"].is_string());
    assert_reason(
        &app.admin.delete(&path).await,
        409,
        "two_factor_not_enabled",
        "resetting twice",
    );
    assert_reason(
        &app.admin
            .delete(&format!("/api/v1/users/{}/2fa", uuid::Uuid::new_v4()))
            .await,
        404,
        "user_not_found",
        "an unknown user",
    );
    assert_eq!(app.audit("two_factor_reset").await.len(), 1);
}

#[tokio::test]
async fn an_admin_who_must_have_a_second_factor_can_only_enrol_until_they_do() {
    let app = TestApp::spawn_with(TestOptions {
        redis: false,
        env: vec![("REQUIRE_2FA_FOR_ADMINS".into(), "true".into())],
    })
    .await;
    let admin = &app.admin;
    // everything but enrolling is refused
    assert_reason(
        &admin.get("/api/v1/users?q=a").await,
        403,
        "two_factor_required",
        "searching users",
    );
    assert_reason(
        &admin.get("/api/v1/audit").await,
        403,
        "two_factor_required",
        "reading the audit",
    );
    assert_reason(
        &admin
            .post(
                "/api/v1/users",
                &json!({ "username": "x1", "display_name": "X", "password": "a-long-passphrase-1" }),
            )
            .await,
        403,
        "two_factor_required",
        "creating a user",
    );
    let refused = WsClient::open(
        &app.address,
        ConnectOptions::header(admin.token.as_deref().unwrap_or_default()),
    )
    .await;
    assert_eq!(refused.err().and_then(|e| e.status()), Some(403), "the websocket too");
    // ... but they see who they are, their 2FA state and their sessions, and enrol
    assert_eq!(admin.get("/api/v1/me").await.status, 200);
    assert_eq!(admin.get("/api/v1/me/sessions").await.status, 200);
    assert_eq!(
        admin.get("/api/v1/me/2fa").await.body,
        json!({ "enabled": false, "required": true, "recovery_codes_left": 0 })
    );
    let (authenticator, _) = enrol(admin).await;
    // the same session now works, and they may not turn it off
    assert_eq!(admin.get("/api/v1/audit").await.status, 200);
    assert_reason(
        &admin
            .delete_with("/api/v1/me/2fa", &json!({ "code": authenticator.code(1) }))
            .await,
        403,
        "two_factor_required",
        "turning it off",
    );
    // and from now on their sign-in asks for a code
    let token = challenge(&app.anon, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!(answer(&app.anon, &token, &authenticator.code(1)).await.status, 200);
    // doctors are not affected
    let doctor = app.user("dr_free").await;
    assert_eq!(doctor.get("/api/v1/teams").await.status, 200);
}
