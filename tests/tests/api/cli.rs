//! The `consilium` binary's subcommands, run as real processes.

use std::process::Stdio;

use consilium_tests::{TestDatabase, consilium_bin};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

fn command(db_url: Option<&str>) -> Command {
    let mut cmd = Command::new(consilium_bin());
    cmd.env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("CONSILIUM_ADMIN_PASSWORD")
        .env_remove("BOOTSTRAP_ADMIN_USERNAME")
        .env_remove("BOOTSTRAP_ADMIN_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = db_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

#[tokio::test]
async fn a_missing_database_url_is_named() {
    let out = command(None).arg("migrate").output().await.unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    let out = command(Some("mysql://nope")).arg("migrate").output().await.unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

#[tokio::test]
async fn migrate_on_a_migrated_database_is_a_no_op() {
    let db = TestDatabase::create().await;
    let out = command(Some(&db.url)).arg("migrate").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 0 migration"));
}

#[tokio::test]
async fn create_admin_reads_the_password_from_stdin_or_the_environment() {
    let db = TestDatabase::create().await;
    let mut child = command(Some(&db.url))
        .args(["create-admin", "--username", "health_commission"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"stdin-password-1\n")
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = command(Some(&db.url))
        .args(["create-admin", "--username", "second_admin"])
        .env("CONSILIUM_ADMIN_PASSWORD", "env-password-1")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = command(Some(&db.url))
        .args(["create-admin", "--username", "second_admin"])
        .env("CONSILIUM_ADMIN_PASSWORD", "env-password-1")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));

    let client = db.connect().await;
    let rows = client
        .query("select username, role, password_hash from users order by username", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row.get::<_, String>(1), "admin");
        assert!(row.get::<_, String>(2).starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}

#[tokio::test]
async fn seed_demo_builds_the_demo_world_once() {
    let db = TestDatabase::create().await;
    let out = command(Some(&db.url)).arg("seed-demo").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = command(Some(&db.url)).arg("seed-demo").output().await.unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to do"));

    let client = db.connect().await;
    let count = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(count("select count(*) from users").await, 18);
    assert_eq!(count("select count(*) from users where role = 'admin'").await, 1);
    assert_eq!(count("select count(*) from teams").await, 2);
    assert_eq!(count("select count(*) from team_members where role = 'lead'").await, 2);
    assert_eq!(
        count("select count(*) from team_members where role = 'assistant'").await,
        6
    );
    assert_eq!(
        count("select count(*) from team_members m join users u on u.id = m.user_id where u.username = 'chenming'")
            .await,
        2
    );
    assert_eq!(count("select count(*) from conversations where kind = 'team'").await, 2);
}

/// `consilium purge` deletes read notifications and delivered webhook
/// deliveries past their retention, and nothing else: unread notifications,
/// deliveries still being retried, messages and the audit trail stay; a
/// retention under 30 days is refused.
#[tokio::test]
async fn purge_deletes_only_what_may_expire() {
    let app = consilium_tests::TestApp::spawn().await;
    let doc = app.user("dr_purge").await;
    let peer = app.user("dr_purge_peer").await;
    let r = doc
        .post(&format!("/api/v1/direct/{}", peer.user_id()), &serde_json::json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let conversation = r.body["id"].as_str().unwrap_or_default().to_owned();
    let r = doc
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &serde_json::json!({ "client_msg_id": "old", "body": "患者血压稳定" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let db = app.db.connect().await;
    let user = doc.user_id();
    db.batch_execute(&format!(
        "insert into notifications (id, user_id, kind, title, body, created_at, read_at) values
            (gen_random_uuid(), '{user}', 'mentioned', 'old read', '', now() - interval '400 days', now() - interval '399 days'),
            (gen_random_uuid(), '{user}', 'mentioned', 'old unread', '', now() - interval '400 days', null),
            (gen_random_uuid(), '{user}', 'mentioned', 'recent read', '', now() - interval '10 days', now());
         insert into webhooks (id, url, events, secret, created_by) values
            ('00000000-0000-7000-8000-000000000001', 'https://sms.example/hook', '{{escalation}}', 'secret', '{admin}');
         insert into webhook_deliveries (id, webhook_id, event, payload, created_at, next_attempt_at, delivered_at) values
            (gen_random_uuid(), '00000000-0000-7000-8000-000000000001', 'escalation', '{{}}', now() - interval '200 days', now(), now() - interval '200 days'),
            (gen_random_uuid(), '00000000-0000-7000-8000-000000000001', 'escalation', '{{}}', now() - interval '200 days', now(), null);",
        admin = app.admin.user_id()
    ))
    .await
    .expect("old rows");
    let count = |sql: &'static str| {
        let db = &db;
        async move { db.query_one(sql, &[]).await.expect("a count").get::<_, i64>(0) }
    };
    let (messages, audit) = (
        count("select count(*) from messages").await,
        count("select count(*) from audit_events").await,
    );

    let out = command(Some(&app.db.url))
        .args(["purge", "--notification-days", "0"])
        .output()
        .await
        .expect("purge runs");
    assert!(!out.status.success(), "a zero retention is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 30 days"));

    let out = command(Some(&app.db.url))
        .arg("purge")
        .output()
        .await
        .expect("purge runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("purged 1 read notification(s)") && said.contains(", 1 delivered webhook"),
        "{said}"
    );
    let titles: Vec<String> = db
        .query(
            "select title from notifications where user_id::text = $1 order by title",
            &[&user],
        )
        .await
        .expect("titles")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(titles, vec!["old unread", "recent read"]);
    assert_eq!(
        count("select count(*) from webhook_deliveries where delivered_at is null").await,
        1,
        "still being retried"
    );
    assert_eq!(count("select count(*) from webhook_deliveries").await, 1);
    assert_eq!(
        count("select count(*) from messages").await,
        messages,
        "the record stays"
    );
    assert_eq!(count("select count(*) from audit_events").await, audit);
    assert_eq!(app.admin.get("/api/v1/audit/verify").await.body["ok"], true);
}

/// The README's backup procedure: `pg_dump -Fc` of a live database restored
/// with `pg_restore` into a new one serves the same history, and its audit
/// chain verifies (and goes on verifying as the restored node writes).
#[tokio::test]
async fn a_restored_backup_serves_the_same_history_and_a_valid_audit_chain() {
    let app = consilium_tests::TestApp::spawn().await;
    let doc = app.user("dr_backup").await;
    let peer = app.user("dr_backup_peer").await;
    let r = doc
        .post(&format!("/api/v1/direct/{}", peer.user_id()), &serde_json::json!({}))
        .await;
    let conversation = r.body["id"].as_str().unwrap_or_default().to_owned();
    for (i, body) in ["胸痛3天", "心电图ST段抬高", "已转上级医院"].iter().enumerate() {
        let r = doc
            .post(
                &format!("/api/v1/conversations/{conversation}/messages"),
                &serde_json::json!({ "client_msg_id": format!("m{i}"), "body": body }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let history = |api: consilium_tests::Api, conversation: String| async move {
        let r = api
            .get(&format!("/api/v1/conversations/{conversation}/messages?limit=50"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|m| {
                (
                    m["seq"].as_i64().unwrap_or_default(),
                    m["body"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = history(doc.clone(), conversation.clone()).await;
    let verified = app.admin.get("/api/v1/audit/verify").await.body;
    assert_eq!(verified["ok"], true, "{verified}");

    let dump = std::env::temp_dir().join(format!("consilium-backup-{}.dump", uuid::Uuid::new_v4().simple()));
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&app.db.url)
        .output()
        .await
        .expect("pg_dump runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = TestDatabase::create_empty_on(&consilium_tests::test_database_url()).await;
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&restored.url)
        .arg(&dump)
        .output()
        .await
        .expect("pg_restore runs");
    let _ = std::fs::remove_file(&dump);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let node = consilium_tests::node::ServerProcess::start(consilium_tests::base_env(&restored.url)).await;
    let anon = consilium_tests::Api::new(&node.address);
    let doc_there = anon.login("dr_backup", consilium_tests::USER_PASSWORD).await;
    assert_eq!(
        history(doc_there, conversation).await,
        before,
        "the same history, seq for seq"
    );
    let admin_there = anon
        .login(consilium_tests::ADMIN_USERNAME, consilium_tests::ADMIN_PASSWORD)
        .await;
    let r = admin_there.get("/api/v1/audit/verify").await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    assert!(
        r.body["checked"].as_i64().unwrap_or_default() > verified["checked"].as_i64().unwrap_or_default(),
        "the restored node's own sign-ins chain on: {} after {}",
        r.body,
        verified
    );
}
