//! Test harness: the real server on a random port against real Postgres (and
//! Redis, when a test asks for it).
//!
//! Each test gets its own database, cloned from a template that is migrated
//! once per migration set (`CREATE DATABASE … TEMPLATE …` takes milliseconds;
//! running migrations per test would not), and dropped when the test ends.
//! Redis keys and channels get a per-test prefix, because pub/sub ignores
//! database numbers.
//!
//! [`ws::WsClient`] speaks the realtime protocol; [`node`] runs real server
//! processes (several nodes on one Redis) and a private Redis a test may stop;
//! [`fixtures`] builds users and teams through any node's API.

pub mod fixtures;
pub mod http;
pub mod node;
pub mod tls;
pub mod ws;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use consilium::config::Config;
use consilium::startup::Application;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;

pub use http::{Api, Resp};

/// The bootstrap admin every test app starts with.
pub const ADMIN_USERNAME: &str = "root";
/// Its password.
pub const ADMIN_PASSWORD: &str = "root-password-123";
/// The JWT secret test apps sign with, so tests can forge and tamper with tokens.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
/// Password given to users made by [`TestApp::user`].
pub const USER_PASSWORD: &str = "password-123";

/// Postgres server for tests (a maintenance database on it).
pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Redis for tests.
pub fn test_redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// How to get a Redis Cluster for the tests, for failure messages.
pub const HOW_TO_START_REDIS_CLUSTER: &str = "start the test Redis Cluster first: cluster_env=$(bash scripts/redis-cluster.sh) && eval \"$cluster_env\" (scripts/test.sh does this)";

/// `redis+cluster://…` of the Redis Cluster that `scripts/redis-cluster.sh`
/// starts; panics saying how to start it when `TEST_REDIS_CLUSTER_URL` is
/// unset (a silently skipped test would let cluster support break unseen).
pub fn test_redis_cluster_url() -> String {
    match std::env::var("TEST_REDIS_CLUSTER_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!("TEST_REDIS_CLUSTER_URL is not set: {HOW_TO_START_REDIS_CLUSTER}"),
    }
}

/// `url` naming database `db` instead, its `?parameters` kept.
pub fn with_database(url: &str, db: &str) -> String {
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url, None),
    };
    let (base, _) = path.rsplit_once('/').expect("database url has a path");
    match query {
        Some(query) => format!("{base}/{db}?{query}"),
        None => format!("{base}/{db}"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Hash of every migration file, so a changed migration gets a fresh template.
fn migrations_fingerprint() -> String {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![workspace_root().join("migrations")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read migrations").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).expect("read migration"));
    }
    hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

async fn admin_client() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&test_database_url(), NoTls)
        .await
        .expect("connect to test Postgres");
    tokio::spawn(conn);
    client
}

/// Makes sure the migrated template exists (once per migration set, across
/// concurrently starting test processes) and returns its name.
async fn ensure_template() -> String {
    let name = format!("consilium_tpl_{}", migrations_fingerprint());
    let client = admin_client().await;
    client.execute("select pg_advisory_lock(727275)", &[]).await.unwrap();
    let exists = client
        .query_opt("select 1 from pg_database where datname = $1", &[&name])
        .await
        .unwrap()
        .is_some();
    if !exists {
        let building = format!("{name}_building");
        client
            .batch_execute(&format!("drop database if exists {building}"))
            .await
            .unwrap();
        client
            .batch_execute(&format!("create database {building}"))
            .await
            .unwrap();
        consilium::db::run_migrations(&with_database(&test_database_url(), &building))
            .await
            .expect("migrate template");
        client
            .batch_execute(&format!("alter database {building} rename to {name}"))
            .await
            .unwrap();
        client
            .batch_execute(&format!("alter database {name} is_template true"))
            .await
            .unwrap();
    }
    client.execute("select pg_advisory_unlock(727275)", &[]).await.unwrap();
    name
}

/// A fresh database cloned from the template; dropped with the value.
pub struct TestDatabase {
    /// Its name.
    pub name: String,
    /// Connection string for it.
    pub url: String,
    /// The server's maintenance database, where it is dropped from.
    admin_url: String,
}

impl TestDatabase {
    /// Clones the template into a new database.
    pub async fn create() -> Self {
        let template = ensure_template().await;
        let name = format!("consilium_test_{}", uuid::Uuid::new_v4().simple());
        admin_client()
            .await
            .batch_execute(&format!("create database {name} template {template}"))
            .await
            .expect("clone template");
        let url = with_database(&test_database_url(), &name);
        Self {
            name,
            url,
            admin_url: test_database_url(),
        }
    }

    /// A new, empty (unmigrated) database on the server `admin_url` points
    /// at, made and later dropped through the server's own connection code,
    /// so `admin_url` may ask for TLS (`sslmode`, `sslrootcert`). Its `url`
    /// keeps those parameters.
    pub async fn create_empty_on(admin_url: &str) -> Self {
        use diesel_async::SimpleAsyncConnection;
        let name = format!("consilium_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = consilium::db::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {admin_url}: {e:#}"));
        admin
            .batch_execute(&format!("create database {name}"))
            .await
            .expect("create database");
        Self {
            url: with_database(admin_url, &name),
            name,
            admin_url: admin_url.to_owned(),
        }
    }

    /// A direct connection, for tests that check what was (not) stored
    /// (plain text: not for databases made by [`Self::create_empty_on`] on a TLS-only server).
    pub async fn connect(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .expect("connect to test database");
        tokio::spawn(conn);
        client
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use diesel_async::SimpleAsyncConnection;
        let name = self.name.clone();
        let admin_url = self.admin_url.clone();
        // Drop runs outside async context; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                // The server's own connection code, so TLS-only servers work too.
                if let Ok(mut admin) = consilium::db::connect(&admin_url).await {
                    let _ = admin
                        .batch_execute(&format!("drop database if exists {name} with (force)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// Options for [`TestApp::spawn_with`].
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Use Redis (with a per-test prefix) instead of in-process fan-out.
    pub redis: bool,
    /// Extra or overriding environment variables for the server's configuration.
    pub env: Vec<(String, String)>,
}

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// Its database.
    pub db: TestDatabase,
    /// The Redis prefix it uses, if any.
    pub redis_prefix: Option<String>,
    /// An anonymous client.
    pub anon: Api,
    /// A client signed in as the bootstrap admin.
    pub admin: Api,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The environment a test server is configured with.
pub fn base_env(db_url: &str) -> HashMap<String, String> {
    HashMap::from([
        ("DATABASE_URL".into(), db_url.to_owned()),
        ("BIND_ADDR".into(), "127.0.0.1:0".into()),
        ("JWT_SECRET".into(), TEST_JWT_SECRET.into()),
        ("BOOTSTRAP_ADMIN_USERNAME".into(), ADMIN_USERNAME.into()),
        ("BOOTSTRAP_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
        ("HTTP_WORKERS".into(), "2".into()),
        ("DB_POOL_SIZE".into(), "8".into()),
        ("ALLOWED_ORIGINS".into(), "http://allowed.example".into()),
        // content-addressed, so every test server of this run may share it
        (
            "STORAGE_DIR".into(),
            std::env::temp_dir()
                .join("consilium-test-attachments")
                .display()
                .to_string(),
        ),
    ])
}

/// The environment of a server storing attachments in a fresh bucket of
/// the test S3-protocol server (`scripts/s3-services.sh` exports its address).
pub async fn s3_env() -> Vec<(String, String)> {
    let endpoint = std::env::var("TEST_S3_ENDPOINT")
        .expect("TEST_S3_ENDPOINT is unset: run `eval \"$(bash scripts/s3-services.sh)\"` first");
    let bucket = format!("consilium-test-{}", uuid::Uuid::new_v4().simple());
    // moto creates a bucket on an unsigned PUT
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("S3 server reachable");
    assert!(
        created.status().is_success(),
        "creating bucket {bucket}: {}",
        created.status()
    );
    let var = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
    vec![
        ("STORAGE_BACKEND".into(), "s3".into()),
        ("S3_ENDPOINT".into(), endpoint),
        ("S3_BUCKET".into(), bucket),
        ("S3_REGION".into(), var("TEST_S3_REGION", "us-east-1")),
        ("S3_ACCESS_KEY_ID".into(), var("TEST_S3_ACCESS_KEY_ID", "testing")),
        (
            "S3_SECRET_ACCESS_KEY".into(),
            var("TEST_S3_SECRET_ACCESS_KEY", "testing"),
        ),
    ]
}

/// The bytes of a file in `tests/fixtures/attachments/`.
pub fn attachment_fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/attachments")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

impl TestApp {
    /// A server with in-process fan-out.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    /// A server configured by `options`.
    pub async fn spawn_with(options: TestOptions) -> Self {
        Self::spawn_on(TestDatabase::create().await, options).await
    }

    /// A server on `db` (which it migrates if needed), configured by `options`.
    pub async fn spawn_on(db: TestDatabase, options: TestOptions) -> Self {
        let mut env = base_env(&db.url);
        let redis_prefix = options.redis.then(|| format!("test-{}", uuid::Uuid::new_v4().simple()));
        if let Some(prefix) = &redis_prefix {
            env.insert("REDIS_URL".into(), test_redis_url());
            env.insert("REDIS_PREFIX".into(), prefix.clone());
        }
        env.extend(options.env);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
        let app = Application::build(config).await.expect("build app");
        let port = app.port();
        let server = tokio::spawn(app.run_until_stopped());
        let address = format!("http://127.0.0.1:{port}");
        let anon = Api::new(&address);
        let admin = anon.login(ADMIN_USERNAME, ADMIN_PASSWORD).await;
        Self {
            address,
            port,
            db,
            redis_prefix,
            anon,
            admin,
            server,
        }
    }

    /// Creates a user (as the admin) and returns a client signed in as them.
    pub async fn user(&self, username: &str) -> Api {
        self.user_with(username, json!({})).await
    }

    /// Creates a user with extra profile fields and signs them in.
    pub async fn user_with(&self, username: &str, extra: Value) -> Api {
        let mut body = json!({
            "username": username,
            "display_name": format!("Dr {username}"),
            "password": USER_PASSWORD,
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let r = self.admin.post("/api/v1/users", &body).await;
        assert_eq!(r.status, 201, "create user {username}: {}", r.body);
        self.anon.login(username, USER_PASSWORD).await
    }

    /// Creates a team led by `lead` and returns its id.
    pub async fn team(&self, name: &str, lead: &Api) -> String {
        let r = self
            .admin
            .post(
                "/api/v1/teams",
                &json!({ "name": name, "specialty": "心血管内科", "lead_id": lead.user_id() }),
            )
            .await;
        assert_eq!(r.status, 201, "create team: {}", r.body);
        r.body["id"].as_str().expect("team id").to_owned()
    }

    /// Adds `member` to `team` with `role` (as the admin).
    pub async fn add_member(&self, team: &str, member: &Api, role: &str) {
        let r = self
            .admin
            .put(
                &format!("/api/v1/teams/{team}/members/{}", member.user_id()),
                &json!({ "role": role }),
            )
            .await;
        assert_eq!(r.status, 200, "add member: {}", r.body);
    }

    /// Audit events matching `action`, newest first.
    pub async fn audit(&self, action: &str) -> Vec<Value> {
        let r = self.admin.get("/api/v1/audit?limit=200").await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["action"] == action)
            .cloned()
            .collect()
    }
}

/// Path of the `consilium` binary built next to the test executable
/// (`scripts/test.sh` builds the binaries before the tests).
pub fn consilium_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("consilium");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bins` first",
        bin.display()
    );
    bin
}
