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
