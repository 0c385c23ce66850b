//! Postgres access: the connection pool, embedded migrations, table models.
//!
//! Postgres is the source of truth for everything but live sockets; every
//! query returns `QueryResult` and callers map errors in `crate::error`.

pub mod models;
pub mod prepared;
pub mod schema;
pub mod tls;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Shared pool of async Postgres connections.
pub type DbPool = Pool<AsyncPgConnection>;
/// One connection checked out of the pool.
pub type DbConn = Object<AsyncPgConnection>;

/// Builds the pool; connections are opened lazily, with the TLS settings of
/// the URL (see [`tls`]).
pub fn pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    let connector = tls::Connector::new(database_url)?;
    let mut manager_config = ManagerConfig::default();
    manager_config.custom_setup = Box::new(move |_url| {
        let connector = connector.clone();
        async move { connector.connect().await }.boxed()
    });
    // The URL given here is only kept by the manager; `custom_setup` connects.
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, manager_config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Opens one connection the way [`pool`] does (TLS included); the error says
/// which TLS settings were in force and never shows the URL.
pub async fn connect(database_url: &str) -> anyhow::Result<AsyncPgConnection> {
    tls::Connector::new(database_url)?.connect_checked().await
}

/// Applies pending migrations. Several nodes may start at once, so the work
/// runs under a Postgres advisory lock and the losers find nothing left to do.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    // Connect here, on the async side, through the same TLS path as the pool;
    // the blocking migration harness then drives that connection.
    let conn = connect(database_url).await.context("migrating the database")?;
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        // Made on the blocking thread: the wrapper blocks on the runtime's handle.
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        conn.batch_execute("select pg_advisory_lock(727274)")?;
        let applied: anyhow::Result<Vec<String>> = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect())
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"));
        conn.batch_execute("select pg_advisory_unlock(727274)")?;
        applied
    })
    .await
    .context("migration task panicked")?
}

/// Escapes `%`, `_` and `\` so user input matches literally inside a LIKE pattern.
pub fn escape_like(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
