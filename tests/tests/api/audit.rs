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

#[tokio::test]
async fn the_audit_trail_cannot_be_truncated_even_inside_a_transaction() {
    let app = TestApp::spawn().await;
    let mut db = app.db.connect().await;
    assert!(db.execute("truncate audit_events", &[]).await.is_err());
    let tx = db.transaction().await.expect("a transaction");
    let refused = tx.execute("truncate audit_events cascade", &[]).await;
    assert!(refused.is_err(), "TRUNCATE inside a transaction is refused too");
    drop(tx);
    // setting the chain columns once is the only update allowed, and only by the chain itself
    assert!(db.execute("update audit_events set hash = null", &[]).await.is_err());
    let n: i64 = db
        .query_one("select count(*) from audit_events", &[])
        .await
        .expect("a count")
        .get(0);
    assert!(n >= 2);
}

/// Audit rows written at once by many requests form one unbroken chain; a
/// row changed, removed or slipped in behind the triggers' back (as a DBA
/// could, with `session_replication_role = replica`) is reported.
#[tokio::test]
async fn the_audit_hash_chain_verifies_and_finds_tampering() {
    let app = TestApp::spawn().await;
    let doc = app.user("dr_chain").await;
    assert_eq!(doc.get("/api/v1/audit/verify").await.status, 403, "admins only");
    assert_eq!(app.anon.get("/api/v1/audit/verify").await.status, 401);

    // forty audited requests at once: failed logins and successful ones
    let logins = (0..40).map(|i| {
        let anon = app.anon.clone();
        async move {
            let password = if i % 2 == 0 {
                "wrong-password-1"
            } else {
                consilium_tests::USER_PASSWORD
            };
            anon.post(
                "/api/v1/auth/login",
                &json!({ "username": "dr_chain", "password": password }),
            )
            .await
        }
    });
    futures_util::future::join_all(logins).await;

    let verify = || async { app.admin.get("/api/v1/audit/verify").await };
    let r = verify().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let checked = r.body["checked"].as_i64().unwrap_or_default();
    // throttling may refuse (and not audit) some of the wrong passwords: compare with what is there
    let rows: i64 = app
        .db
        .connect()
        .await
        .query_one("select count(*) from audit_events", &[])
        .await
        .expect("a count")
        .get(0);
    assert_eq!(checked, rows, "{}", r.body);
    assert!(
        checked >= 20 - 5,
        "every success and most failures are audited: {}",
        r.body
    );
    assert!(r.body.get("first_bad_id").is_none());

    let db = app.db.connect().await;
    let ids: Vec<i64> = db
        .query("select id from audit_events order by chain_seq", &[])
        .await
        .expect("ids")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let tamper = |sql: String| {
        let url = app.db.url.clone();
        async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            client
                .batch_execute(&format!(
                    "set session_replication_role = replica; {sql}; reset session_replication_role"
                ))
                .await
                .expect("tampering as a superuser");
        }
    };

    // a changed detail is found; put back exactly, the chain is whole again
    let victim = ids[ids.len() / 2];
    let original: String = db
        .query_one("select detail::text from audit_events where id = $1", &[&victim])
        .await
        .expect("the row")
        .get(0);
    tamper(format!(
        "update audit_events set detail = '{{\"username\": \"someone_else\"}}' where id = {victim}"
    ))
    .await;
    let r = verify().await;
    assert_eq!(
        (r.body["ok"].clone(), r.body["first_bad_id"].as_i64()),
        (json!(false), Some(victim)),
        "{}",
        r.body
    );
    tamper(format!(
        "update audit_events set detail = '{}' where id = {victim}",
        original.replace('\'', "''")
    ))
    .await;
    assert_eq!(verify().await.body["ok"], true, "restored");

    // a row slipped in without its link
    tamper("insert into audit_events (action, target_type, detail) values ('login', 'user', '{}')".into()).await;
    let r = verify().await;
    assert_eq!(r.body["ok"], false, "{}", r.body);
    let slipped: i64 = db
        .query_one("select max(id) from audit_events", &[])
        .await
        .expect("max")
        .get(0);
    assert_eq!(r.body["first_bad_id"].as_i64(), Some(slipped));
    tamper(format!("delete from audit_events where id = {slipped}")).await;
    assert_eq!(verify().await.body["ok"], true);

    // a row removed from the middle: the next one no longer follows
    tamper(format!("delete from audit_events where id = {}", ids[5])).await;
    let r = verify().await;
    assert_eq!(
        (r.body["ok"].clone(), r.body["first_bad_id"].as_i64()),
        (json!(false), Some(ids[6])),
        "{}",
        r.body
    );
}

/// Rows cut from the end leave a chain that is whole but shorter than its
/// recorded head: reported at the last row left.
#[tokio::test]
async fn rows_cut_from_the_end_of_the_audit_chain_are_found() {
    let app = TestApp::spawn().await;
    app.user("dr_tail").await;
    let db = app.db.connect().await;
    let ids: Vec<i64> = db
        .query("select id from audit_events order by chain_seq", &[])
        .await
        .expect("ids")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(ids.len() >= 3);
    assert_eq!(app.admin.get("/api/v1/audit/verify").await.body["ok"], true);
    let last = ids[ids.len() - 1];
    db.batch_execute(&format!(
        "set session_replication_role = replica; delete from audit_events where id >= {last}; reset session_replication_role"
    ))
    .await
    .expect("tampering as a superuser");
    // verifying writes nothing itself, so the head stays where it was
    let r = app.admin.get("/api/v1/audit/verify").await;
    assert_eq!(r.body["ok"], false, "{}", r.body);
    assert_eq!(r.body["first_bad_id"].as_i64(), Some(ids[ids.len() - 2]), "{}", r.body);
}
