//! Settings read once from the environment at start-up (spec section 5).
//!
//! A missing or malformed variable is a start-up error that names the variable,
//! never a panic deep inside a request.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

// `secrecy` keeps credentials out of `Debug` output and logs: a `Config`
// printed while debugging a start-up problem must not leak them.
use secrecy::SecretString;

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Whether the server runs for development or for real patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// Local development: a fixed JWT secret is allowed.
    Dev,
    /// Production: every secret must be given.
    Production,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (development).
    Pretty,
    /// One JSON object per line (production, log shippers).
    Json,
}

/// The admin created at start-up when the database has no users at all.
#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    /// Username of the admin.
    pub username: String,
    /// Initial password.
    pub password: SecretString,
}

/// Everything the server needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Postgres connection string (may hold a password).
    pub database_url: SecretString,
    /// Redis connection string (may hold a password); `None` runs a single
    /// node with in-process fan-out.
    pub redis_url: Option<SecretString>,
    /// PEM file of the CA that signed a `rediss://` server's certificate
    /// (`REDIS_CA_CERT`); when set, only it is trusted.
    pub redis_ca_cert: Option<PathBuf>,
    /// Prefix of every Redis key and channel, so several deployments (or test
    /// runs) can share one Redis: pub/sub ignores database numbers.
    pub redis_prefix: String,
    /// Address to listen on; port 0 picks a free one (tests).
    pub bind_addr: SocketAddr,
    /// HMAC secret for access tokens.
    pub jwt_secret: SecretString,
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of an unused refresh token.
    pub refresh_token_ttl: Duration,
    /// A session unused this long ends (SPEC §11, `SESSION_IDLE_SECS`).
    pub session_idle: Duration,
    /// Most sign-ins that may wait for a password-hashing slot before more
    /// get 429 `too_many_logins` (`LOGIN_QUEUE_LIMIT`).
    pub login_queue_limit: usize,
    /// Browser origins allowed to open the websocket.
    pub allowed_origins: Vec<String>,
    /// Whether `ALLOWED_ORIGINS` was given; if not, the origins follow the
    /// address the server really binds (see [`origins_for`]).
    pub origins_from_env: bool,
    /// Built web client, served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Admin to create when no user exists.
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// Development or production.
    pub app_env: AppEnv,
    /// Log output format.
    pub log_format: LogFormat,
    /// Largest number of Postgres connections this node opens.
    pub db_pool_size: usize,
    /// HTTP worker threads; `None` uses one per core.
    pub http_workers: Option<usize>,
    /// Websocket limits and timers.
    pub ws: WsConfig,
    /// Deadlines and their escalation (SPEC §7).
    pub deadlines: DeadlineConfig,
    /// Webhook deliveries (SPEC §7).
    pub webhooks: WebhookConfig,
    /// Where attachment bytes live (SPEC §6).
    pub storage: StorageConfig,
    /// Limits on attachments (SPEC §6).
    pub attachments: AttachmentConfig,
    /// `MESSAGE_EDIT_WINDOW_SECS`: how long after sending a message its
    /// sender may still edit it (SPEC §8; default one day).
    pub message_edit_window: Duration,
    /// Video calls (SPEC §9).
    pub calls: CallConfig,
    /// Second factor, encryption at rest and break-glass (SPEC §11).
    pub security: SecurityConfig,
}

/// Accounts and compliance settings (SPEC §11).
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// `DATA_ENCRYPTION_KEY`: 32 bytes (base64 or 64 hex digits) that seal
    /// secrets stored in Postgres (TOTP secrets), so a stolen dump or backup
    /// alone mints no codes. Required in production; development derives a
    /// fixed key.
    pub data_encryption_key: std::sync::Arc<secrecy::SecretBox<[u8; 32]>>,
    /// `REQUIRE_2FA_FOR_ADMINS` (default true in production): an admin
    /// without a confirmed second factor can do nothing but enrol.
    pub require_2fa_for_admins: bool,
    /// `BREAK_GLASS_MINUTES` (default 60): how long emergency read access lasts.
    pub break_glass: Duration,
    /// `TOTP_ISSUER` (default "Consilium"): the name authenticator apps show.
    pub totp_issuer: String,
}

/// What development seals secrets with when `DATA_ENCRYPTION_KEY` is unset
/// (refused in production, like the development JWT secret).
const DEV_DATA_KEY_LABEL: &[u8] = b"consilium-development-data-key-do-not-use-in-production";

/// Reads `DATA_ENCRYPTION_KEY`: exactly 32 bytes, as base64 (`openssl rand
/// -base64 32`) or as 64 hex digits (`openssl rand -hex 32`).
fn parse_data_key(value: &str) -> Result<[u8; 32], ConfigError> {
    use base64::Engine;
    let value = value.trim();
    let bytes = if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(value).ok()
    } else {
        base64::engine::general_purpose::STANDARD.decode(value).ok()
    };
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or(ConfigError::Invalid {
            name: "DATA_ENCRYPTION_KEY",
            reason: "expected 32 random bytes as base64 or 64 hex digits (openssl rand -base64 32)".into(),
        })
}

/// Video calls: how many may join, and the STUN/TURN servers browsers use.
#[derive(Debug, Clone)]
pub struct CallConfig {
    /// `CALL_MAX_PARTICIPANTS` (default 6): mesh WebRTC sends every stream to
    /// every peer, so a phone's uplink sets the ceiling.
    pub max_participants: u32,
    /// `STUN_URLS` (comma-separated `stun:` URLs).
    pub stun_urls: Vec<String>,
    /// `TURN_URLS` (comma-separated `turn:`/`turns:` URLs).
    pub turn_urls: Vec<String>,
    /// `TURN_SECRET`: coturn's `static-auth-secret`; TURN credentials are
    /// derived from it and expire, so none is ever stored.
    pub turn_secret: Option<SecretString>,
    /// `TURN_TTL_SECS` (default one day): how long TURN credentials work.
    pub turn_ttl: Duration,
}

/// Where attachment bytes are kept.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// The backend and its settings.
    pub backend: StorageBackend,
}

/// The two attachment stores (SPEC §6).
#[derive(Debug, Clone)]
pub enum StorageBackend {
    /// A local directory (`STORAGE_DIR`): one node, or several sharing a network disk.
    Fs {
        /// The directory.
        dir: PathBuf,
    },
    /// An S3-compatible object store: several nodes.
    S3(S3Config),
}

/// An S3-compatible store (MinIO, Aliyun OSS, Tencent COS, AWS).
#[derive(Debug, Clone)]
pub struct S3Config {
    /// `S3_ENDPOINT`, e.g. `https://oss-cn-hangzhou.aliyuncs.com`.
    pub endpoint: String,
    /// `S3_BUCKET`.
    pub bucket: String,
    /// `S3_REGION`.
    pub region: String,
    /// `S3_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `S3_SECRET_ACCESS_KEY`.
    pub secret_access_key: SecretString,
    /// `S3_VIRTUAL_HOSTED_STYLE`: bucket in the host name (OSS and COS want
    /// it); path-style otherwise (MinIO's default).
    pub virtual_hosted_style: bool,
}

/// Limits on uploads and their URLs.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentConfig {
    /// `ATTACHMENT_MAX_BYTES`: larger uploads answer 413.
    pub max_bytes: u64,
    /// `ATTACHMENT_MAX_PIXELS`: images with more pixels are refused undecoded (decompression bombs).
    pub max_pixels: u64,
    /// `ATTACHMENT_URL_TTL_SECS`: how long a signed URL works (at least 300).
    pub url_ttl: Duration,
    /// `ATTACHMENT_MAX_PENDING`: uploads a user may hold that no message has taken yet.
    pub max_pending: i64,
    /// `ATTACHMENT_YIELD_TO_CHAT`: uploads pause reading while chat flows on
    /// a crowded node (see `crate::pressure`); off only to measure the difference.
    pub yield_to_chat: bool,
}

/// How webhooks are checked and delivered.
#[derive(Debug, Clone, Copy)]
pub struct WebhookConfig {
    /// Allow URLs that resolve to private, loopback or link-local addresses
    /// (a gateway inside the hospital network; and tests).
    pub allow_private: bool,
    /// The first retry's delay; each further retry doubles it (up to an hour).
    pub retry_base: Duration,
    /// How long a receiver may take to answer.
    pub timeout: Duration,
    /// How often each node looks for deliveries to send.
    pub poll: Duration,
}

/// How deadlines are measured and how often the escalation scheduler looks.
#[derive(Debug, Clone, Copy)]
pub struct DeadlineConfig {
    /// The length of one deadline "minute": 60 s, shorter only for drills and tests.
    pub minute: Duration,
    /// How often each node looks for due escalations.
    pub poll: Duration,
}

/// Websocket limits and timers (spec section 4).
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// How long a browser has to send its `auth` frame.
    pub auth_timeout: Duration,
    /// Events queued for one socket before it counts as too slow (closed with 1013).
    pub outbound_queue: usize,
    /// Sustained `send` frames per second per connection.
    pub send_rate_per_sec: u32,
    /// Burst of `send` frames allowed above the sustained rate.
    pub send_burst: u32,
    /// Interval of server pings and presence heartbeats.
    pub heartbeat: Duration,
    /// A client silent for this long is disconnected.
    pub client_timeout: Duration,
    /// How long a session's presence outlives its last heartbeat (a crashed node's users go offline after this).
    pub presence_ttl: Duration,
    /// Sockets building their `ready` snapshot at once; the rest wait their
    /// turn (`WS_HANDSHAKE_CONCURRENCY`), so a reconnect storm leaves live
    /// traffic database connections to work with.
    pub handshake_concurrency: usize,
}

/// The secret used in development when `JWT_SECRET` is unset; refused in production.
/// Where Redis is, parsed from `REDIS_URL` at start-up so that a typo in a
/// cluster's node list stops the server instead of failing on first use.
///
/// Deliberately not `Debug`: the URLs may hold a password.
#[derive(Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// `redis://` or `rediss://`: one server (or a proxy that looks like one).
    Single(String),
    /// `redis+cluster://host1:port,host2:port,…` (or `rediss+cluster://`): the
    /// seed nodes of a Redis Cluster, one `redis://`/`rediss://` URL each; the
    /// client discovers the rest of the cluster from them.
    Cluster(Vec<String>),
}

impl RedisTarget {
    /// Parses a `REDIS_URL`; the error says what is wrong without repeating
    /// the URL (it may hold a password).
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.ends_with("#insecure") {
            return Err("#insecure (TLS without checking the certificate) is not supported; \
                        give the server's CA in REDIS_CA_CERT instead"
                .into());
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err("expected redis://, rediss://, redis+cluster:// or rediss+cluster://".into());
        };
        let node_scheme = match scheme {
            "redis" | "rediss" | "unix" | "redis+unix" => {
                redis::Client::open(url).map_err(|e| e.to_string())?;
                return Ok(Self::Single(url.to_owned()));
            }
            "redis+cluster" => "redis",
            "rediss+cluster" => "rediss",
            other => {
                return Err(format!(
                    "unknown scheme {other}://; expected redis://, rediss://, redis+cluster:// or rediss+cluster://"
                ));
            }
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((user, hosts)) => (format!("{user}@"), hosts),
            None => (String::new(), authority),
        };
        let (path, query) = match tail.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (tail, String::new()),
        };
        if !matches!(path, "" | "/" | "/0") {
            return Err("a Redis Cluster has only database 0; drop the /DB part of the URL".into());
        }
        let mut nodes = Vec::new();
        for host in hosts.split(',') {
            let host = host.trim();
            if host.is_empty() {
                return Err(format!(
                    "{scheme}:// needs a comma-separated list of host:port, e.g. {scheme}://10.0.0.1:7000,10.0.0.2:7000"
                ));
            }
            let node = format!("{node_scheme}://{userinfo}{host}{query}");
            redis::Client::open(node.as_str()).map_err(|e| format!("cluster node {host}: {e}"))?;
            nodes.push(node);
        }
        Ok(Self::Cluster(nodes))
    }

    /// Whether the connections speak TLS (so `REDIS_CA_CERT` means something).
    pub fn is_tls(&self) -> bool {
        match self {
            Self::Single(url) => url.starts_with("rediss://"),
            Self::Cluster(nodes) => nodes.iter().all(|n| n.starts_with("rediss://")),
        }
    }

    /// Every URL to connect to: one for a single server, the seed nodes for a cluster.
    pub fn urls(&self) -> &[String] {
        match self {
            Self::Single(url) => std::slice::from_ref(url),
            Self::Cluster(nodes) => nodes,
        }
    }
}

const DEV_JWT_SECRET: &str = "consilium-development-secret-do-not-use-in-production";

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests can supply variables
    /// without touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("dev") | Some("development") => AppEnv::Dev,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "APP_ENV",
                    reason: format!("expected dev or production, got {other:?}"),
                });
            }
        };
        let database_url = get("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))?;
        if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                reason: "expected a postgres:// URL".into(),
            });
        }
        crate::db::tls::PgTarget::parse(&database_url).map_err(|reason| ConfigError::Invalid {
            name: "DATABASE_URL",
            reason,
        })?;
        let redis_url = get("REDIS_URL");
        let redis_target = match &redis_url {
            Some(url) => Some(RedisTarget::parse(url).map_err(|reason| ConfigError::Invalid {
                name: "REDIS_URL",
                reason,
            })?),
            None => None,
        };
        let redis_ca_cert = get("REDIS_CA_CERT").map(PathBuf::from);
        if let Some(path) = &redis_ca_cert {
            if !redis_target.as_ref().is_some_and(RedisTarget::is_tls) {
                return Err(ConfigError::Invalid {
                    name: "REDIS_CA_CERT",
                    reason: "only applies to a rediss:// or rediss+cluster:// REDIS_URL".into(),
                });
            }
            if !path.is_file() {
                return Err(ConfigError::Invalid {
                    name: "REDIS_CA_CERT",
                    reason: format!("{} is not a readable file", path.display()),
                });
            }
        }
        let bind_addr = match get("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(addr) => addr.parse().map_err(|e| ConfigError::Invalid {
                name: "BIND_ADDR",
                reason: format!("{e} (expected host:port, e.g. 127.0.0.1:8080)"),
            })?,
        };
        let jwt_secret = match (get("JWT_SECRET"), app_env) {
            (Some(secret), _) if secret.len() < 32 => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    reason: "must be at least 32 characters".into(),
                });
            }
            (Some(secret), _) => SecretString::from(secret),
            (None, AppEnv::Dev) => SecretString::from(DEV_JWT_SECRET),
            (None, AppEnv::Production) => return Err(ConfigError::Missing("JWT_SECRET")),
        };
        let origins_from_env = get("ALLOWED_ORIGINS").is_some();
        let allowed_origins = match get("ALLOWED_ORIGINS") {
            Some(v) => v
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            None => origins_for(bind_addr),
        };
        let static_dir = get("STATIC_DIR").map(PathBuf::from);
        if let Some(dir) = &static_dir
            && !dir.is_dir()
        {
            return Err(ConfigError::Invalid {
                name: "STATIC_DIR",
                reason: format!("{} is not a directory", dir.display()),
            });
        }
        let bootstrap_admin = match (get("BOOTSTRAP_ADMIN_USERNAME"), get("BOOTSTRAP_ADMIN_PASSWORD")) {
            (Some(username), Some(password)) => Some(BootstrapAdmin {
                username,
                password: SecretString::from(password),
            }),
            (None, None) => None,
            (Some(_), None) => return Err(ConfigError::Missing("BOOTSTRAP_ADMIN_PASSWORD")),
            (None, Some(_)) => return Err(ConfigError::Missing("BOOTSTRAP_ADMIN_USERNAME")),
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            None if app_env == AppEnv::Production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOG_FORMAT",
                    reason: format!("expected json or pretty, got {other:?}"),
                });
            }
        };
        let access_token_ttl =
            Duration::from_secs(parse_or(get("ACCESS_TOKEN_TTL_SECS"), "ACCESS_TOKEN_TTL_SECS", 900)?);
        let refresh_token_ttl = Duration::from_secs(parse_or(
            get("REFRESH_TOKEN_TTL_SECS"),
            "REFRESH_TOKEN_TTL_SECS",
            30 * 24 * 3600,
        )?);
        let session_idle =
            Duration::from_secs(parse_or(get("SESSION_IDLE_SECS"), "SESSION_IDLE_SECS", 12 * 3600)?.max(1));
        let login_queue_limit = parse_or(
            get("LOGIN_QUEUE_LIMIT"),
            "LOGIN_QUEUE_LIMIT",
            crate::auth::password::DEFAULT_LOGIN_QUEUE_LIMIT,
        )?
        .max(1);
        let db_pool_size = parse_or(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 16)?;
        let http_workers = get("HTTP_WORKERS")
            .map(|v| parse_or(Some(v), "HTTP_WORKERS", 1))
            .transpose()?;
        let ws = WsConfig {
            auth_timeout: Duration::from_millis(parse_or(get("WS_AUTH_TIMEOUT_MS"), "WS_AUTH_TIMEOUT_MS", 10_000)?),
            outbound_queue: parse_or(get("WS_OUTBOUND_QUEUE"), "WS_OUTBOUND_QUEUE", 1024)?,
            send_rate_per_sec: parse_or(get("WS_SEND_RATE_PER_SEC"), "WS_SEND_RATE_PER_SEC", 20)?,
            send_burst: parse_or(get("WS_SEND_BURST"), "WS_SEND_BURST", 60)?,
            heartbeat: Duration::from_millis(parse_or(get("WS_HEARTBEAT_MS"), "WS_HEARTBEAT_MS", 15_000)?),
            client_timeout: Duration::from_millis(parse_or(
                get("WS_CLIENT_TIMEOUT_MS"),
                "WS_CLIENT_TIMEOUT_MS",
                60_000,
            )?),
            presence_ttl: Duration::from_millis(parse_or(get("PRESENCE_TTL_MS"), "PRESENCE_TTL_MS", 60_000)?),
            // half the pool by default: the other half serves sends and requests
            handshake_concurrency: parse_or(
                get("WS_HANDSHAKE_CONCURRENCY"),
                "WS_HANDSHAKE_CONCURRENCY",
                (db_pool_size / 2).max(1),
            )?
            .max(1),
        };
        let message_edit_window = Duration::from_secs(parse_or(
            get("MESSAGE_EDIT_WINDOW_SECS"),
            "MESSAGE_EDIT_WINDOW_SECS",
            86_400,
        )?);
        if ws.outbound_queue == 0 || ws.send_rate_per_sec == 0 || ws.send_burst == 0 {
            return Err(ConfigError::Invalid {
                name: "WS_OUTBOUND_QUEUE",
                reason: "websocket queue and rate limits must be positive".into(),
            });
        }
        let url_list = |name: &'static str| -> Vec<String> {
            get(name)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let calls = CallConfig {
            max_participants: parse_or(get("CALL_MAX_PARTICIPANTS"), "CALL_MAX_PARTICIPANTS", 6)?,
            stun_urls: url_list("STUN_URLS"),
            turn_urls: url_list("TURN_URLS"),
            turn_secret: get("TURN_SECRET").map(SecretString::from),
            turn_ttl: Duration::from_secs(parse_or(get("TURN_TTL_SECS"), "TURN_TTL_SECS", 86_400)?),
        };
        if calls.max_participants < 2 {
            return Err(ConfigError::Invalid {
                name: "CALL_MAX_PARTICIPANTS",
                reason: "a call needs at least 2 participants".into(),
            });
        }
        if !calls.turn_urls.is_empty() && calls.turn_secret.is_none() {
            return Err(ConfigError::Invalid {
                name: "TURN_SECRET",
                reason: "TURN_URLS is set, so TURN_SECRET (coturn's static-auth-secret) is required".into(),
            });
        }
        if let Some(bad) = calls
            .stun_urls
            .iter()
            .find(|u| !u.starts_with("stun:") && !u.starts_with("stuns:"))
        {
            return Err(ConfigError::Invalid {
                name: "STUN_URLS",
                reason: format!("{bad}: expected a stun: URL"),
            });
        }
        if let Some(bad) = calls
            .turn_urls
            .iter()
            .find(|u| !u.starts_with("turn:") && !u.starts_with("turns:"))
        {
            return Err(ConfigError::Invalid {
                name: "TURN_URLS",
                reason: format!("{bad}: expected a turn: or turns: URL"),
            });
        }
        let redis_prefix = get("REDIS_PREFIX").unwrap_or_else(|| "consilium".to_owned());
        let deadlines = DeadlineConfig {
            minute: Duration::from_millis(parse_or(get("DEADLINE_MINUTE_MS"), "DEADLINE_MINUTE_MS", 60_000)?),
            poll: Duration::from_millis(parse_or(get("ESCALATION_POLL_MS"), "ESCALATION_POLL_MS", 1_000)?),
        };
        let webhooks = WebhookConfig {
            allow_private: match get("WEBHOOK_ALLOW_PRIVATE").as_deref() {
                None | Some("false") | Some("0") => false,
                Some("true") | Some("1") => true,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "WEBHOOK_ALLOW_PRIVATE",
                        reason: format!("expected true or false, got {other:?}"),
                    });
                }
            },
            retry_base: Duration::from_millis(parse_or(get("WEBHOOK_RETRY_BASE_MS"), "WEBHOOK_RETRY_BASE_MS", 5_000)?),
            timeout: Duration::from_millis(parse_or(get("WEBHOOK_TIMEOUT_MS"), "WEBHOOK_TIMEOUT_MS", 10_000)?),
            poll: Duration::from_millis(parse_or(get("WEBHOOK_POLL_MS"), "WEBHOOK_POLL_MS", 1_000)?),
        };
        if webhooks.retry_base.is_zero() || webhooks.timeout.is_zero() || webhooks.poll.is_zero() {
            return Err(ConfigError::Invalid {
                name: "WEBHOOK_RETRY_BASE_MS",
                reason: "webhook retry, timeout and poll must be positive".into(),
            });
        }
        if deadlines.minute.is_zero() || deadlines.poll.is_zero() {
            return Err(ConfigError::Invalid {
                name: "DEADLINE_MINUTE_MS",
                reason: "deadline minute and escalation poll must be positive".into(),
            });
        }

        let storage = StorageConfig {
            backend: match get("STORAGE_BACKEND").as_deref() {
                None | Some("fs") => StorageBackend::Fs {
                    dir: PathBuf::from(get("STORAGE_DIR").unwrap_or_else(|| "./data/attachments".to_owned())),
                },
                Some("s3") => {
                    let endpoint = get("S3_ENDPOINT").ok_or(ConfigError::Missing("S3_ENDPOINT"))?;
                    if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
                        return Err(ConfigError::Invalid {
                            name: "S3_ENDPOINT",
                            reason: "expected an http:// or https:// URL".into(),
                        });
                    }
                    StorageBackend::S3(S3Config {
                        endpoint,
                        bucket: get("S3_BUCKET").ok_or(ConfigError::Missing("S3_BUCKET"))?,
                        region: get("S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
                        access_key_id: get("S3_ACCESS_KEY_ID").ok_or(ConfigError::Missing("S3_ACCESS_KEY_ID"))?,
                        secret_access_key: SecretString::from(
                            get("S3_SECRET_ACCESS_KEY").ok_or(ConfigError::Missing("S3_SECRET_ACCESS_KEY"))?,
                        ),
                        virtual_hosted_style: matches!(get("S3_VIRTUAL_HOSTED_STYLE").as_deref(), Some("true" | "1")),
                    })
                }
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "STORAGE_BACKEND",
                        reason: format!("expected fs or s3, got {other:?}"),
                    });
                }
            },
        };
        let attachments = AttachmentConfig {
            max_bytes: parse_or(get("ATTACHMENT_MAX_BYTES"), "ATTACHMENT_MAX_BYTES", 104_857_600)?,
            max_pixels: parse_or(get("ATTACHMENT_MAX_PIXELS"), "ATTACHMENT_MAX_PIXELS", 100_000_000)?,
            url_ttl: Duration::from_secs(parse_or(
                get("ATTACHMENT_URL_TTL_SECS"),
                "ATTACHMENT_URL_TTL_SECS",
                900,
            )?),
            max_pending: parse_or(get("ATTACHMENT_MAX_PENDING"), "ATTACHMENT_MAX_PENDING", 100)?,
            yield_to_chat: parse_bool(get("ATTACHMENT_YIELD_TO_CHAT"), "ATTACHMENT_YIELD_TO_CHAT", true)?,
        };
        if attachments.max_bytes == 0 || attachments.max_pixels == 0 || attachments.max_pending <= 0 {
            return Err(ConfigError::Invalid {
                name: "ATTACHMENT_MAX_BYTES",
                reason: "attachment limits must be positive".into(),
            });
        }
        if attachments.url_ttl < Duration::from_secs(300) {
            return Err(ConfigError::Invalid {
                name: "ATTACHMENT_URL_TTL_SECS",
                reason: "signed URLs must live at least 300 seconds (SPEC §6)".into(),
            });
        }

        let data_encryption_key = match (get("DATA_ENCRYPTION_KEY"), app_env) {
            (Some(v), _) => parse_data_key(&v)?,
            (None, AppEnv::Dev) => {
                use sha2::Digest;
                sha2::Sha256::digest(DEV_DATA_KEY_LABEL).into()
            }
            (None, AppEnv::Production) => return Err(ConfigError::Missing("DATA_ENCRYPTION_KEY")),
        };
        let security = SecurityConfig {
            data_encryption_key: std::sync::Arc::new(secrecy::SecretBox::new(Box::new(data_encryption_key))),
            require_2fa_for_admins: parse_bool(
                get("REQUIRE_2FA_FOR_ADMINS"),
                "REQUIRE_2FA_FOR_ADMINS",
                app_env == AppEnv::Production,
            )?,
            break_glass: Duration::from_secs(
                60 * parse_or(get("BREAK_GLASS_MINUTES"), "BREAK_GLASS_MINUTES", 60u64)?.clamp(1, 24 * 60),
            ),
            totp_issuer: get("TOTP_ISSUER").unwrap_or_else(|| "Consilium".to_owned()),
        };

        Ok(Self {
            database_url: SecretString::from(database_url),
            redis_url: redis_url.map(SecretString::from),
            redis_ca_cert,
            redis_prefix,
            bind_addr,
            jwt_secret,
            access_token_ttl,
            refresh_token_ttl,
            session_idle,
            login_queue_limit,
            allowed_origins,
            origins_from_env,
            static_dir,
            bootstrap_admin,
            app_env,
            log_format,
            db_pool_size,
            http_workers,
            ws,
            deadlines,
            webhooks,
            storage,
            attachments,
            message_edit_window,
            calls,
            security,
        })
    }
}

/// The browser origins of a server reached at `bind`: its own address, and
/// for a loopback or wildcard address the local names a browser uses. This
/// is the default when `ALLOWED_ORIGINS` is unset, so changing `BIND_ADDR`
/// never leaves the web client locked out of its own server.
pub fn origins_for(bind: SocketAddr) -> Vec<String> {
    let port = bind.port();
    let ip = bind.ip();
    let mut origins = Vec::new();
    if ip.is_loopback() || ip.is_unspecified() {
        origins.push(format!("http://127.0.0.1:{port}"));
        origins.push(format!("http://localhost:{port}"));
        origins.push(format!("http://[::1]:{port}"));
    } else {
        origins.push(format!("http://{bind}"));
    }
    origins
}

/// Reads a yes/no variable (`true`/`false`, `1`/`0`, `yes`/`no`).
fn parse_bool(value: Option<String>, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off") => Ok(false),
        Some(v) => Err(ConfigError::Invalid {
            name,
            reason: format!("expected true or false, got {v:?}"),
        }),
    }
}

fn parse_or<T: std::str::FromStr>(value: Option<String>, name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn database_url_is_required_and_named() {
        let err = config(&[]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn production_requires_a_jwt_secret() {
        let err = config(&[("DATABASE_URL", "postgres://x/y"), ("APP_ENV", "production")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("JWT_SECRET"), "{err}");
    }

    #[test]
    fn production_requires_a_data_key_and_a_second_factor_for_admins() -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        let base = [
            ("DATABASE_URL", "postgres://x/y"),
            ("APP_ENV", "production"),
            ("JWT_SECRET", "jwt-hunter2-jwt-hunter2-jwt-hunter2-0123"),
        ];
        let err = config(&base).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("DATA_ENCRYPTION_KEY"), "{err}");
        let hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let c = config(&[base[0], base[1], base[2], ("DATA_ENCRYPTION_KEY", hex_key)])?;
        assert!(c.security.require_2fa_for_admins);
        assert_eq!(c.security.data_encryption_key.expose_secret()[1], 0x11);
        let b64 = "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=";
        let c = config(&[
            base[0],
            base[1],
            base[2],
            ("DATA_ENCRYPTION_KEY", b64),
            ("REQUIRE_2FA_FOR_ADMINS", "false"),
        ])?;
        assert!(!c.security.require_2fa_for_admins);
        assert_eq!(c.security.data_encryption_key.expose_secret()[1], 0x11);
        for bad in ["too-short", "00112233", &"x".repeat(48)] {
            let err = config(&[base[0], base[1], base[2], ("DATA_ENCRYPTION_KEY", bad)])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("DATA_ENCRYPTION_KEY"), "{bad}: {err}");
        }
        let dev = config(&[base[0]])?;
        assert!(!dev.security.require_2fa_for_admins, "development does not require it");
        assert_eq!(dev.security.break_glass, Duration::from_secs(3600));
        Ok(())
    }

    #[test]
    fn malformed_bind_addr_is_named() {
        let err = config(&[("DATABASE_URL", "postgres://x/y"), ("BIND_ADDR", "nope")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("BIND_ADDR"), "{err}");
    }

    #[test]
    fn defaults_and_origins() -> Result<(), ConfigError> {
        let c = config(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("ALLOWED_ORIGINS", "http://a.example, https://b.example/ ,"),
        ])?;
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.allowed_origins, vec!["http://a.example", "https://b.example"]);
        assert!(c.origins_from_env);
        assert!(c.redis_url.is_none());
        assert_eq!(c.app_env, AppEnv::Dev);
        Ok(())
    }

    #[test]
    fn origins_follow_bind_addr_when_unset() -> Result<(), ConfigError> {
        let c = config(&[("DATABASE_URL", "postgres://x/y"), ("BIND_ADDR", "127.0.0.1:9191")])?;
        assert!(!c.origins_from_env);
        assert!(c.allowed_origins.contains(&"http://127.0.0.1:9191".to_owned()));
        assert!(c.allowed_origins.contains(&"http://localhost:9191".to_owned()));
        let c = config(&[("DATABASE_URL", "postgres://x/y"), ("BIND_ADDR", "10.1.2.3:8443")])?;
        assert_eq!(c.allowed_origins, vec!["http://10.1.2.3:8443"]);
        Ok(())
    }

    #[test]
    fn database_sslmode_is_checked_at_start_up() -> Result<(), ConfigError> {
        for mode in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
            config(&[("DATABASE_URL", &format!("postgres://x/y?sslmode={mode}"))])?;
        }
        let err = config(&[("DATABASE_URL", "postgres://u:pg-hunter2@x/y?sslmode=verify")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("DATABASE_URL") && err.contains("sslmode"), "{err}");
        assert!(!err.contains("pg-hunter2"), "{err}");
        Ok(())
    }

    #[test]
    fn rediss_urls_and_their_ca_are_accepted() -> Result<(), ConfigError> {
        let ca = std::env::temp_dir().join(format!("consilium-config-test-ca-{}.pem", std::process::id()));
        std::fs::write(&ca, "not read here").map_err(|e| ConfigError::Invalid {
            name: "test",
            reason: e.to_string(),
        })?;
        let ca_path = ca.display().to_string();
        let c = config(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("REDIS_URL", "rediss://:pw@cache.example:6380/0"),
            ("REDIS_CA_CERT", &ca_path),
        ]);
        let _ = std::fs::remove_file(&ca);
        assert_eq!(c?.redis_ca_cert, Some(ca));
        Ok(())
    }

    #[test]
    fn redis_tls_misconfigurations_are_named() {
        let cases: [(&str, &[(&str, &str)]); 3] = [
            ("REDIS_URL", &[("REDIS_URL", "rediss://cache.example:6380/#insecure")]),
            (
                "REDIS_CA_CERT",
                &[
                    ("REDIS_URL", "redis://cache.example:6379"),
                    ("REDIS_CA_CERT", "/etc/hostname"),
                ],
            ),
            (
                "REDIS_CA_CERT",
                &[
                    ("REDIS_URL", "rediss://cache.example:6380"),
                    ("REDIS_CA_CERT", "/nonexistent/ca.pem"),
                ],
            ),
        ];
        for (named, vars) in cases {
            let mut vars = vars.to_vec();
            vars.push(("DATABASE_URL", "postgres://x/y"));
            let err = config(&vars).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(named), "{vars:?}: {err}");
        }
    }

    #[test]
    fn cluster_urls_name_every_seed_node() -> Result<(), String> {
        let t = RedisTarget::parse("redis+cluster://127.0.0.1:7101,127.0.0.1:7102, 127.0.0.1:7103")?;
        assert!(matches!(t, RedisTarget::Cluster(_)));
        assert_eq!(
            t.urls(),
            [
                "redis://127.0.0.1:7101",
                "redis://127.0.0.1:7102",
                "redis://127.0.0.1:7103"
            ]
        );
        assert!(!t.is_tls());
        // credentials and query parameters apply to every node
        let t = RedisTarget::parse("rediss+cluster://app:pw@cache-a:6380,cache-b:6380/0?protocol=resp3")?;
        assert_eq!(
            t.urls(),
            [
                "rediss://app:pw@cache-a:6380?protocol=resp3",
                "rediss://app:pw@cache-b:6380?protocol=resp3"
            ]
        );
        assert!(t.is_tls());
        let t = RedisTarget::parse("redis://127.0.0.1:6379/2")?;
        assert!(matches!(&t, RedisTarget::Single(u) if u == "redis://127.0.0.1:6379/2"));
        assert_eq!(t.urls().len(), 1);
        Ok(())
    }

    #[test]
    fn bad_redis_urls_stop_start_up_with_a_reason_and_no_password() {
        for (url, says) in [
            ("redis+cluster://", "host:port"),
            ("redis+cluster://a:7000,,b:7000", "host:port"),
            ("redis+cluster://a:7000,b:7000/3", "database 0"),
            ("redis+cluster://:cl-hunter2@a:notaport,b:7000", "cluster node"),
            ("rediss+cluster://a:7000,b:7000/#insecure", "#insecure"),
            ("memcached://:cl-hunter2@a:11211", "unknown scheme"),
            ("127.0.0.1:6379", "expected redis://"),
        ] {
            let err = config(&[("DATABASE_URL", "postgres://x/y"), ("REDIS_URL", url)])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("REDIS_URL") && err.contains(says), "{url}: {err}");
            assert!(!err.contains("cl-hunter2"), "{url}: {err}");
        }
    }

    #[test]
    fn a_ca_file_goes_with_a_tls_cluster_url() -> Result<(), ConfigError> {
        let ca = std::env::temp_dir().join(format!("consilium-config-test-cluster-ca-{}.pem", std::process::id()));
        std::fs::write(&ca, "not read here").map_err(|e| ConfigError::Invalid {
            name: "test",
            reason: e.to_string(),
        })?;
        let ca_path = ca.display().to_string();
        let tls = config(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("REDIS_URL", "rediss+cluster://a:7000,b:7000"),
            ("REDIS_CA_CERT", &ca_path),
        ]);
        let plain = config(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("REDIS_URL", "redis+cluster://a:7000,b:7000"),
            ("REDIS_CA_CERT", &ca_path),
        ]);
        let _ = std::fs::remove_file(&ca);
        assert_eq!(tls?.redis_ca_cert, Some(ca));
        let err = plain.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("REDIS_CA_CERT"), "{err}");
        Ok(())
    }

    #[test]
    fn secrets_never_print() -> Result<(), ConfigError> {
        let c = config(&[
            ("DATABASE_URL", "postgres://app:pg-hunter2@db.example/consilium"),
            ("REDIS_URL", "redis://:redis-hunter2@cache.example:6379"),
            ("JWT_SECRET", "jwt-hunter2-jwt-hunter2-jwt-hunter2-0123"),
            ("BOOTSTRAP_ADMIN_USERNAME", "admin"),
            ("BOOTSTRAP_ADMIN_PASSWORD", "admin-hunter2"),
        ])?;
        let printed = format!("{c:?} {c:#?}");
        for secret in ["pg-hunter2", "redis-hunter2", "jwt-hunter2", "admin-hunter2"] {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        Ok(())
    }
}
