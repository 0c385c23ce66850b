//! The audit log: admin-only, filterable, append-only.

use consilium_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_curious").await;
    let r = doc.get("/api/v1/audit").await;
    assert_eq!(r.status, 403);
    assert_eq!(app.anon.get("/api/v1/audit").await.status, 401);
}

#[tokio::test]
async fn the_audit_log_filters_and_pages() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_audited").await;
    let lead = app.user("dr_lead").await;
    let team = app.team("团队", &lead).await;
    app.add_member(&team, &doc, "grassroots").await;

    let by_actor = app
        .admin
        .get(&format!("/api/v1/audit?actor_id={}", doc.user_id()))
        .await;
    let actions: Vec<&str> = by_actor.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["login"]);

    let by_target = app
        .admin
        .get(&format!("/api/v1/audit?target_type=team&target_id={team}"))
        .await;
    let actions: Vec<&str> = by_target.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["member_added", "team_created"], "newest first");
    assert_eq!(by_target.body["items"][0]["detail"]["role"], "grassroots");
    assert_eq!(by_target.body["items"][0]["actor_id"], app.admin.user_id());

    let since = chrono::Utc::now() + chrono::Duration::hours(1);
    let future = app
        .admin
        .get(&format!(
            "/api/v1/audit?since={}",
            since.to_rfc3339().replace('+', "%2B")
        ))
        .await;
    assert_eq!(future.status, 200, "{}", future.body);
    assert_eq!(future.body["items"], json!([]));

    let page1 = app.admin.get("/api/v1/audit?limit=2").await;
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app.admin.get(&format!("/api/v1/audit?limit=2&cursor={cursor}")).await;
    let first_ids: Vec<i64> = page1.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let second_ids: Vec<i64> = page2.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(first_ids.iter().all(|a| second_ids.iter().all(|b| a > b)));
}

#[tokio::test]
async fn audit_rows_cannot_be_changed_or_deleted() {
    let app = TestApp::spawn().await;
    let db = app.db.connect().await;
    assert!(
        db.execute("update audit_events set action = 'nothing'", &[])
            .await
            .is_err()
    );
    assert!(db.execute("delete from audit_events", &[]).await.is_err());
    let n: i64 = db
        .query_one("select count(*) from audit_events", &[])
        .await
        .unwrap()
        .get(0);
    assert!(n >= 2);
}
