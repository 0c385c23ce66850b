//! Accounts: who may create, change, find and deactivate them.

use consilium_tests::{TestApp, USER_PASSWORD};
use serde_json::json;

#[tokio::test]
async fn admin_creates_users_with_full_profiles() {
    let app = TestApp::spawn().await;
    let r = app
        .admin
        .post(
            "/api/v1/users",
            &json!({
                "username": "wangjianguo",
                "display_name": "王建国",
                "password": "secret-password",
                "role": "user",
                "title": "主任医师",
                "institution": "省人民医院",
                "care_level": "tertiary",
                "specialties": ["心血管内科", "冠心病"]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["display_name"], "王建国");
    assert_eq!(r.body["care_level"], "tertiary");
    assert_eq!(r.body["specialties"], json!(["心血管内科", "冠心病"]));
    assert_eq!(r.body["active"], true);
    let id = r.body["id"].as_str().unwrap();
    let got = app.admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(got.body, r.body);
    let created = app.audit("user_created").await;
    assert!(
        created
            .iter()
            .any(|e| e["target_id"] == id && e["actor_id"] == app.admin.user_id())
    );
    assert_eq!(app.anon.try_login("wangjianguo", "secret-password").await.status, 200);
}

#[tokio::test]
async fn only_admins_create_users_and_usernames_are_unique_and_valid() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_li").await;
    let body = json!({ "username": "dr_new", "display_name": "New", "password": "password-123" });
    let r = doc.post("/api/v1/users", &body).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "forbidden");
    assert_eq!(app.anon.post("/api/v1/users", &body).await.status, 401);

    let dup = app
        .admin
        .post(
            "/api/v1/users",
            &json!({ "username": "dr_li", "display_name": "Li 2", "password": "password-123" }),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.error_code(), "conflict");

    for bad in ["ab", "Dr_Upper", "王医生", "has space", "x'; drop table users; --"] {
        let r = app
            .admin
            .post(
                "/api/v1/users",
                &json!({ "username": bad, "display_name": "X", "password": "password-123" }),
            )
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().starts_with("username"));
    }
    let weak = app
        .admin
        .post(
            "/api/v1/users",
            &json!({ "username": "dr_weak", "display_name": "X", "password": "short" }),
        )
        .await;
    assert_eq!(weak.status, 400);
    for common in ["password", "12345678", "password123", "Qwertyuiop"] {
        let r = app
            .admin
            .post(
                "/api/v1/users",
                &json!({ "username": "dr_common", "display_name": "X", "password": common }),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["reason"].clone()),
            (400, json!("common_password")),
            "{common}: {}",
            r.body
        );
    }
    let bad_level = app
        .admin
        .post(
            "/api/v1/users",
            &json!({ "username": "dr_lvl", "display_name": "X", "password": "password-123", "care_level": "quaternary" }),
        )
        .await;
    assert_eq!(bad_level.status, 400);
    // nothing of the refused attempts was stored
    let db = app.db.connect().await;
    let n: i64 = db.query_one("select count(*) from users", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn unicode_and_sql_looking_text_round_trips_unchanged() {
    let app = TestApp::spawn().await;
    let name = "Robert'); DROP TABLE users;-- 李明 🩺 \"quoted\" \\ back";
    let r = app
        .admin
        .post(
            "/api/v1/users",
            &json!({
                "username": "dr_bobby",
                "display_name": name,
                "password": "密码密码-password",
                "institution": "医院 % _ wildcard",
                "specialties": ["心内科", "'; select 1; --"]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["display_name"], name);
    let found = app.admin.get("/api/v1/users?q=%25%20_").await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "{}", found.body);
    let found = app.admin.get("/api/v1/users?q=DROP%20TABLE").await;
    assert_eq!(found.body["items"][0]["display_name"], name);
    assert_eq!(app.anon.try_login("dr_bobby", "密码密码-password").await.status, 200);
}

#[tokio::test]
async fn directory_search_finds_chinese_names_institutions_and_specialties() {
    let app = TestApp::spawn().await;
    app.user_with(
        "dr_wang",
        json!({ "display_name": "王建国", "institution": "省人民医院", "specialties": ["冠心病"] }),
    )
    .await;
    app.user_with(
        "dr_liu",
        json!({ "display_name": "刘芳", "institution": "桃源镇卫生院", "specialties": ["全科"] }),
    )
    .await;
    let doc = app.user("dr_reader").await;
    let by_name = doc.get("/api/v1/users?q=建国").await;
    assert_eq!(by_name.status, 200);
    assert_eq!(by_name.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_name.body["items"][0]["username"], "dr_wang");
    assert_eq!(
        doc.get("/api/v1/users?q=卫生院").await.body["items"][0]["username"],
        "dr_liu"
    );
    assert_eq!(
        doc.get("/api/v1/users?q=冠心").await.body["items"][0]["username"],
        "dr_wang"
    );
    assert_eq!(
        doc.get("/api/v1/users?q=DR_").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn directory_pages_with_a_cursor() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.user(&format!("dr_page{i}")).await;
    }
    let first = app.admin.get("/api/v1/users?q=dr_page&limit=2").await;
    let names = |r: &consilium_tests::Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["dr_page0", "dr_page1"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .admin
        .get(&format!("/api/v1/users?q=dr_page&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(names(&second), ["dr_page2", "dr_page3"]);
    let cursor = second.body["next_cursor"].as_str().unwrap();
    let third = app
        .admin
        .get(&format!("/api/v1/users?q=dr_page&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(names(&third), ["dr_page4"]);
    assert!(third.body.get("next_cursor").is_none());
    assert_eq!(app.admin.get("/api/v1/users?limit=0").await.status, 400);
    assert_eq!(app.admin.get("/api/v1/users?limit=201").await.status, 400);
    assert_eq!(app.admin.get("/api/v1/users?cursor=%%%").await.status, 400);
}

#[tokio::test]
async fn users_edit_their_own_profile_and_admins_edit_anyone() {
    let app = TestApp::spawn().await;
    let me = app.user("dr_self").await;
    let other = app.user("dr_other").await;
    let r = me
        .patch(
            &format!("/api/v1/users/{}", me.user_id()),
            &json!({ "title": "副主任医师", "specialties": ["高血压"], "care_level": "secondary" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["title"], "副主任医师");
    assert_eq!(r.body["care_level"], "secondary");

    let r = me
        .patch(&format!("/api/v1/users/{}", other.user_id()), &json!({ "title": "x" }))
        .await;
    assert_eq!(r.status, 403);
    let r = me
        .patch(&format!("/api/v1/users/{}", me.user_id()), &json!({ "role": "admin" }))
        .await;
    assert_eq!(r.status, 403);
    let r = me
        .patch(&format!("/api/v1/users/{}", me.user_id()), &json!({ "active": false }))
        .await;
    assert_eq!(r.status, 400, "unknown fields are refused: {}", r.body);
    let r = me
        .patch(
            &format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
            &json!({ "title": "x" }),
        )
        .await;
    assert_eq!(r.status, 404);

    let r = app
        .admin
        .patch(
            &format!("/api/v1/users/{}", other.user_id()),
            &json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["role"], "admin");
    assert_eq!(
        other.get("/api/v1/audit").await.status,
        200,
        "the promotion applies at once"
    );
}

#[tokio::test]
async fn admin_password_reset_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_reset").await;
    let r = app
        .admin
        .patch(
            &format!("/api/v1/users/{}", doc.user_id()),
            &json!({ "password": "reset-password-1" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(doc.get("/api/v1/me").await.status, 401);
    assert_eq!(app.anon.try_login("dr_reset", USER_PASSWORD).await.status, 401);
    assert_eq!(app.anon.try_login("dr_reset", "reset-password-1").await.status, 200);
}

#[tokio::test]
async fn deactivation_cuts_access_at_once_and_reactivation_restores_login() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_gone").await;
    let peer = app.user("dr_peer").await;
    let path = format!("/api/v1/users/{}/deactivate", doc.user_id());
    assert_eq!(peer.post(&path, &json!({})).await.status, 403);
    let r = app.admin.post(&path, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);

    // the still-unexpired access token stops working immediately
    let me = doc.get("/api/v1/me").await;
    assert_eq!(me.status, 401);
    let refresh = app
        .anon
        .post("/api/v1/auth/refresh", &json!({ "refresh_token": doc.refresh_token }))
        .await;
    assert_eq!(refresh.status, 401);
    let login = app.anon.try_login("dr_gone", USER_PASSWORD).await;
    assert_eq!(login.status, 401);
    assert_eq!(app.audit("user_deactivated").await.len(), 1);

    // hidden from the directory, except for admins who ask
    assert_eq!(
        peer.get("/api/v1/users?q=dr_gone").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let all = app.admin.get("/api/v1/users?q=dr_gone&include_inactive=true").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);

    let r = app
        .admin
        .post(&format!("/api/v1/users/{}/reactivate", doc.user_id()), &json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.anon.try_login("dr_gone", USER_PASSWORD).await.status, 200);

    let me_id = app.admin.user_id();
    let r = app
        .admin
        .post(&format!("/api/v1/users/{me_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(r.status, 409, "an admin cannot lock themself out");
}
