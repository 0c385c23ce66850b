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
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// One connection checked out of the pool.
pub type DbConn = Object<AsyncPgConnection>;

/// A pool of async Postgres connections; cheap to clone.
///
/// It times every checkout (`consilium_db_pool_wait_seconds`): a pool that
/// runs dry shows nowhere else, every request and send just gets slower.
/// The upload benchmark had to infer such a wait from the message batches'
/// times (docs/performance.md, "Eighth machine").
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<AsyncPgConnection>,
    wait: prometheus::Histogram,
}

impl DbPool {
    /// A connection, once one is free; an error after the pool's wait
    /// timeout or when no connection can be opened.
    pub async fn get(&self) -> Result<DbConn, PoolError> {
        let asked = std::time::Instant::now();
        let conn = self.pool.get().await;
        self.wait.observe(asked.elapsed().as_secs_f64());
        conn
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("DbPool")
            .field("max_size", &status.max_size)
            .field("size", &status.size)
            .field("available", &status.available)
            .field("waiting", &status.waiting)
            .finish()
    }
}

/// How long checkouts waited for a connection, by pool (`requests`, the
/// node's shared one; `writer`, the message writer's own), registered in
/// `registry`.
pub fn pool_wait_metric(registry: &prometheus::Registry) -> prometheus::Result<prometheus::HistogramVec> {
    let wait = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new(
            "consilium_db_pool_wait_seconds",
            "Time a checkout waited for a Postgres connection from the node's pool",
        )
        .buckets(vec![0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 10.0]),
        &["pool"],
    )?;
    registry.register(Box::new(wait.clone()))?;
    Ok(wait)
}

/// Builds a pool whose waits go nowhere (the command-line tools').
pub fn pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    let unexported = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
        "consilium_db_pool_wait_seconds",
        "not exported",
    ))?;
    timed_pool(database_url, max_size, unexported)
}

/// Builds the pool, its checkouts timed into `wait`; connections are opened
/// lazily, with the TLS settings of the URL (see [`tls`]).
pub fn timed_pool(database_url: &str, max_size: usize, wait: prometheus::Histogram) -> anyhow::Result<DbPool> {
    let connector = tls::Connector::new(database_url)?;
    let mut manager_config = ManagerConfig::default();
    manager_config.custom_setup = Box::new(move |_url| {
        let connector = connector.clone();
        async move { connector.connect().await }.boxed()
    });
    // The URL given here is only kept by the manager; `custom_setup` connects.
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, manager_config);
    let pool = Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")?;
    Ok(DbPool { pool, wait })
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
