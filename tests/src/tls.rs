//! The TLS-only Postgres and Redis that `scripts/tls-services.sh` starts once
//! per test run (`scripts/test.sh` does), found through `TEST_TLS_*`.
//!
//! Without those variables the TLS tests fail, saying what to run: a
//! silently skipped test would let encrypted connections break unseen.

/// Where the TLS services are.
#[derive(Debug, Clone)]
pub struct TlsServices {
    /// `postgres://…/postgres` on the TLS-only cluster, without `sslmode`.
    pub database_url: String,
    /// `rediss://…` of the TLS-only Redis.
    pub redis_url: String,
    /// PEM of the CA that signed both servers' certificate (for `localhost`).
    pub ca_cert: String,
    /// PEM of a CA that signed neither.
    pub other_ca_cert: String,
}

/// How to get the variables, for failure messages.
pub const HOW_TO_START: &str = "start the TLS test services first: tls_env=$(bash scripts/tls-services.sh) && eval \"$tls_env\" (scripts/test.sh does this)";

fn var(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => {
            panic!("{name} is not set: the encrypted-connection tests need the TLS Postgres and Redis; {HOW_TO_START}")
        }
    }
}

/// The TLS services; panics with [`HOW_TO_START`] when they are not configured.
pub fn tls_services() -> TlsServices {
    TlsServices {
        database_url: var("TEST_TLS_DATABASE_URL"),
        redis_url: var("TEST_TLS_REDIS_URL"),
        ca_cert: var("TEST_TLS_CA_CERT"),
        other_ca_cert: var("TEST_TLS_OTHER_CA_CERT"),
    }
}

impl TlsServices {
    /// The maintenance database URL with `params` (e.g. `sslmode=verify-full&sslrootcert=…`).
    pub fn database_url_with(&self, params: &str) -> String {
        with_params(&self.database_url, params)
    }

    /// `verify-full` against the CA that signed the server: what a managed
    /// Postgres with a private CA is configured with.
    pub fn verify_full_url(&self) -> String {
        self.database_url_with(&format!("sslmode=verify-full&sslrootcert={}", self.ca_cert))
    }
}

/// `url` with `params` appended to its query.
pub fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}
