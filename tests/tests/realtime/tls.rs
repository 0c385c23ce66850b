//! Encrypted connections to Postgres and Redis (spec section 11), against
//! the TLS-only servers of `scripts/tls-services.sh`: their certificate is
//! signed by a throwaway CA and names `localhost` only, Postgres refuses
//! plain TCP and Redis has no plain-text port, so whatever works here went
//! over TLS.

use std::process::Stdio;
use std::time::Duration;

use consilium::config::Config;
use consilium::startup::Application;
use consilium_tests::tls::{TlsServices, tls_services};
use consilium_tests::ws::WsClient;
use consilium_tests::{Api, TestApp, TestDatabase, TestOptions, base_env, consilium_bin, fixtures, with_database};
use diesel_async::SimpleAsyncConnection;

/// Longest a refused start-up may take: a TLS failure is immediate, so
/// reaching this means something hangs.
const START_UP_LIMIT: Duration = Duration::from_secs(20);

/// Fails unless the session really is encrypted (asked of Postgres itself).
const ASSERT_ENCRYPTED: &str = "do $$ begin \
    if not coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false) then \
    raise exception 'this session is not encrypted'; end if; end $$";

/// Server environment for the TLS Redis, trusting `ca`.
fn rediss_env(svc: &TlsServices, ca: &str) -> Vec<(String, String)> {
    vec![
        ("REDIS_URL".into(), svc.redis_url.clone()),
        ("REDIS_CA_CERT".into(), ca.to_owned()),
    ]
}

/// Builds a server from `env`, failing if start-up takes longer than [`START_UP_LIMIT`].
async fn build(env: std::collections::HashMap<String, String>) -> anyhow::Result<Application> {
    let config = Config::from_lookup(|k| env.get(k).cloned())?;
    tokio::time::timeout(START_UP_LIMIT, Application::build(config))
        .await
        .unwrap_or_else(|_| panic!("start-up neither succeeded nor failed within {START_UP_LIMIT:?}"))
}

#[tokio::test]
async fn verify_full_postgres_and_rediss_serve_login_send_and_delivery_across_nodes() {
    let svc = tls_services();
    // An empty database: the server migrates it itself, over TLS.
    let db = TestDatabase::create_empty_on(&svc.verify_full_url()).await;
    let db_url = db.url.clone();
    assert!(db_url.contains("sslmode=verify-full"), "{db_url}");
    let app = TestApp::spawn_on(
        db,
        TestOptions {
            redis: true,
            env: rediss_env(&svc, &svc.ca_cert),
        },
    )
    .await;

    // A second node on the same database and Redis prefix: an event between
    // a socket here and one there must cross the TLS Redis.
    let mut env = base_env(&db_url);
    env.extend(rediss_env(&svc, &svc.ca_cert));
    let prefix = app.redis_prefix.clone().expect("redis prefix");
    env.insert("REDIS_PREFIX".into(), prefix);
    let node_b = build(env).await.expect("second node starts on TLS Postgres and Redis");
    let address_b = format!("http://127.0.0.1:{}", node_b.port());
    let node_b = tokio::spawn(node_b.run_until_stopped());

    for address in [&app.address, &address_b] {
        let ready = Api::new(address).get("/readyz").await;
        assert_eq!(ready.status, 200, "{address}: {}", ready.body);
        assert_eq!(ready.body["postgres"], true, "{}", ready.body);
        assert_eq!(ready.body["redis"], true, "{}", ready.body);
    }

    // Login (argon2 check against a user stored over TLS).
    let lead = app.user("dr_wang").await;
    let li = app.user("dr_li").await;
    let team = fixtures::create_team(&app.admin, "王建国心血管专家团队", &lead).await;
    fixtures::add_member(&app.admin, &team, &li, "specialist").await;
    let channel = fixtures::team_channel(&lead, &team).await;

    let mut li_ws = WsClient::connect_to(&app.address, &li).await;
    let mut lead_ws = WsClient::connect_to(&address_b, &lead).await;
    let ack = li_ws.send_message(&channel, "tls-1", "加密连接：患者胸痛三小时").await;
    assert_eq!(ack["seq"], 1, "{ack}");
    for ws in [&mut li_ws, &mut lead_ws] {
        let message = ws.expect_message(&channel).await;
        assert_eq!(message["id"], ack["message_id"], "{message}");
        assert_eq!(message["body"], "加密连接：患者胸痛三小时");
        assert_eq!(message["sender_id"], li.user_id());
    }

    // And the other way, from node B to node A.
    let ack = lead_ws.send_message(&channel, "tls-2", "收到").await;
    let message = li_ws.expect_message(&channel).await;
    assert_eq!(message["id"], ack["message_id"], "{message}");

    // What the server stored is readable over TLS too.
    let history = lead
        .get(&format!("/api/v1/conversations/{channel}/messages?limit=10"))
        .await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(
        history.body["items"].as_array().map(Vec::len),
        Some(2),
        "{}",
        history.body
    );
    node_b.abort();
}

#[tokio::test]
async fn sslmodes_behave_as_libpq_against_a_tls_only_server() {
    let svc = tls_services();
    let by_ip = svc.database_url.replacen("localhost", "127.0.0.1", 1);
    assert_ne!(by_ip, svc.database_url, "expected localhost in {}", svc.database_url);
    let ca = &svc.ca_cert;
    let other = &svc.other_ca_cert;
    let on = |url: &str, params: String| consilium_tests::tls::with_params(url, &params);

    let accepted = [
        on(&svc.database_url, format!("sslmode=verify-full&sslrootcert={ca}")),
        // a CA file alone means verify-full
        on(&svc.database_url, format!("sslrootcert={ca}")),
        // the certificate names localhost, not 127.0.0.1: only the chain is checked
        on(&by_ip, format!("sslmode=verify-ca&sslrootcert={ca}")),
        on(&by_ip, format!("sslmode=require&sslrootcert={ca}")),
        // no CA: encrypted, certificate unchecked (libpq's require/prefer/allow)
        on(&by_ip, "sslmode=require".into()),
        on(&by_ip, "sslmode=prefer".into()),
        // plain text is refused by this server, so allow falls back to TLS
        on(&by_ip, "sslmode=allow".into()),
    ];
    for url in &accepted {
        let mut conn = consilium::db::connect(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e:#}"));
        conn.batch_execute(ASSERT_ENCRYPTED)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    let refused = [
        (
            on(&by_ip, format!("sslmode=verify-full&sslrootcert={ca}")),
            "not valid for name",
        ),
        (
            on(&svc.database_url, format!("sslmode=verify-full&sslrootcert={other}")),
            "UnknownIssuer",
        ),
        (
            on(&svc.database_url, format!("sslmode=verify-ca&sslrootcert={other}")),
            "UnknownIssuer",
        ),
        // require with a CA file checks the chain, as libpq does
        (
            on(&svc.database_url, format!("sslmode=require&sslrootcert={other}")),
            "UnknownIssuer",
        ),
        // the throwaway CA is not one of the built-in public roots
        (on(&svc.database_url, "sslmode=verify-full".into()), "UnknownIssuer"),
        (on(&svc.database_url, "sslmode=disable".into()), "no encryption"),
    ];
    for (url, why) in &refused {
        let err = match consilium::db::connect(url).await {
            Ok(_) => panic!("{url}: connected, expected a refusal ({why})"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains(why), "{url}: expected {why:?} in: {err}");
        assert!(err.contains("connecting to Postgres (sslmode="), "{url}: {err}");
    }
}

#[tokio::test]
async fn verify_full_with_a_ca_that_did_not_sign_the_server_stops_start_up_with_a_clear_error() {
    let svc = tls_services();
    // A database that does not exist: were the certificate wrongly accepted,
    // the error would say so instead, and nothing would be migrated anywhere.
    let url = with_database(
        &svc.database_url_with(&format!("sslmode=verify-full&sslrootcert={}", svc.other_ca_cert)),
        "consilium_never_created",
    );

    // In process: Application::build returns the error.
    let err = match build(base_env(&url)).await {
        Ok(_) => panic!("the server started although its CA did not sign Postgres's certificate"),
        Err(e) => format!("{e:#}"),
    };
    for expected in [
        "invalid peer certificate",
        "UnknownIssuer",
        "sslmode=verify-full",
        &svc.other_ca_cert,
    ] {
        assert!(err.contains(expected), "expected {expected:?} in: {err}");
    }

    // The binary: exits non-zero at once and says why on stderr.
    let started = std::time::Instant::now();
    let out = tokio::time::timeout(
        START_UP_LIMIT,
        tokio::process::Command::new(consilium_bin())
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", &url)
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("consilium serve hung instead of failing")
    .expect("run consilium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for expected in [
        "consilium: ",
        "invalid peer certificate",
        "UnknownIssuer",
        "sslmode=verify-full",
    ] {
        assert!(stderr.contains(expected), "expected {expected:?} in: {stderr}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rediss_with_a_ca_that_did_not_sign_redis_stops_start_up_with_a_clear_error() {
    let svc = tls_services();
    let db = TestDatabase::create().await;
    let mut env = base_env(&db.url);
    env.extend(rediss_env(&svc, &svc.other_ca_cert));
    let err = match build(env).await {
        Ok(_) => panic!("the server started although its CA did not sign Redis's certificate"),
        Err(e) => format!("{e:#}"),
    };
    for expected in ["connecting to Redis (TLS, CA file", &svc.other_ca_cert, "UnknownIssuer"] {
        assert!(err.contains(expected), "expected {expected:?} in: {err}");
    }
    // The REDIS_URL itself is not printed (it may hold a password).
    assert!(!err.contains(&svc.redis_url), "{err}");
}

#[tokio::test]
async fn migrate_subcommand_works_over_verify_full() {
    let svc = tls_services();
    let db = TestDatabase::create_empty_on(&svc.verify_full_url()).await;
    let run = || {
        tokio::process::Command::new(consilium_bin())
            .arg("migrate")
            .env_clear()
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
    };
    let first = run().await.expect("run consilium migrate");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(!stdout.contains("applied 0 migration"), "{stdout}");
    let again = run().await.expect("run consilium migrate");
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied 0 migration"));
}
