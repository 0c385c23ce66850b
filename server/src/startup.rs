//! Start-up as a value: `Application::build` migrates, bootstraps and binds;
//! `run_until_stopped` serves. Tests build it on port 0 and read `port()`.

use consilium_shared::ErrorReason as Reason;
use std::net::TcpListener;

use secrecy::ExposeSecret;
use std::sync::Arc;

use actix_files::{Files, NamedFile};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse, fn_service};
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, middleware, web};
use anyhow::Context;
use consilium_shared::users::{CreateUserRequest, PlatformRole};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::{jwt::JwtKeys, password};
use crate::config::Config;
use crate::db::{self, schema::users};
use crate::error::{self, ApiError};
use crate::realtime::Realtime;
use crate::routes;
use crate::state::AppState;

/// Largest JSON request body accepted; message bodies are at most 16,000
/// characters, so this leaves room without inviting abuse.
pub const MAX_JSON_BODY_BYTES: usize = 256 * 1024;

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Migrates the database, creates the bootstrap admin if needed, connects
    /// the realtime machinery and binds the listener.
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind_addr).with_context(|| format!("binding {}", config.bind_addr))?;
        let local_addr = listener.local_addr()?;
        if !config.origins_from_env {
            // Follow the address really bound (port 0 picks one), so the
            // web client served here is never refused by its own server.
            config.allowed_origins = crate::config::origins_for(local_addr);
        }
        tracing::info!(origins = ?config.allowed_origins, "browser origins allowed to open the websocket");
        db::run_migrations(config.database_url.expose_secret()).await?;
        let metrics = actix_web_prom::PrometheusMetricsBuilder::new("consilium")
            .endpoint("/metrics")
            .build()
            .map_err(|e| anyhow::anyhow!("building metrics: {e}"))?;
        let pool_wait = db::pool_wait_metric(&metrics.registry)?;
        let url = config.database_url.expose_secret();
        let pool = db::timed_pool(url, config.db_pool_size, pool_wait.with_label_values(&["requests"]))?;
        // the message writer's own connections: chat never queues behind requests for one
        let writer_pool = db::timed_pool(
            url,
            crate::chat::SendQueue::CONNECTIONS,
            pool_wait.with_label_values(&["writer"]),
        )?;
        if let Some(admin) = &config.bootstrap_admin {
            bootstrap_admin(&pool, &admin.username, admin.password.expose_secret()).await?;
        }
        let realtime = Realtime::start(&config, pool.clone(), &metrics.registry).await?;
        // uploads give way to chat when the node's cores queue work
        let pressure = crate::pressure::Pressure::new(&metrics.registry)?;
        pressure.start();
        let storage = crate::attachments::Storage::open(&config.storage).context("opening the attachment store")?;
        let attachments = crate::attachments::Attachments::new(
            storage,
            crate::attachments::UrlSigner::new(&config.jwt_secret, config.attachments.url_ttl),
            config.attachments,
            pressure.clone(),
        );
        // every worker runs a probe too (below); the writer takes the original
        let worker_pressure = pressure.clone();
        let state = AppState {
            attachments,
            sends: crate::chat::SendQueue::start(writer_pool, &metrics.registry, config.deadlines, pressure)?,
            db: pool,
            jwt: Arc::new(JwtKeys::new(config.jwt_secret.expose_secret(), config.access_token_ttl)),
            config: Arc::new(config),
            realtime,
            dummy_password_hash: password::hash(uuid::Uuid::new_v4().to_string()).await?.into(),
        };

        crate::auth::password::limit_waiting_logins(state.config.login_queue_limit);
        let port = local_addr.port();
        // every node runs the escalation scheduler; the database makes each fire once
        crate::escalation::start(state.clone());
        crate::webhooks::start(state.db.clone(), state.config.webhooks);
        // every node sweeps calls whose sockets died; row locks make each change once
        crate::calls::sweeper::start(state.clone());

        let data = web::Data::new(state.clone());
        let static_dir = state.config.static_dir.clone();
        let mut server = HttpServer::new(move || {
            // called once on each worker's thread: a pressure probe per worker
            worker_pressure.start();
            let mut app = App::new()
                .wrap(middleware::from_fn(routes::input::refuse_nul))
                .wrap(middleware::from_fn(request_id_header))
                .wrap(TracingLogger::default())
                .wrap(metrics.clone())
                .app_data(data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_JSON_BODY_BYTES)
                        .error_handler(error::json_error),
                )
                .app_data(routes::input::payload_config())
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .configure(routes::ops::routes)
                .service(
                    web::scope("/api/v1")
                        .configure(routes::api)
                        .default_service(web::to(not_found)),
                );
            if let Some(dir) = &static_dir {
                let index = dir.join("index.html");
                app = app.service(
                    Files::new("/", dir)
                        .index_file("index.html")
                        .default_handler(fn_service(move |req: ServiceRequest| {
                            let index = index.clone();
                            async move {
                                let (req, _) = req.into_parts();
                                let file = NamedFile::open_async(&index).await?;
                                let res = file.into_response(&req);
                                Ok(ServiceResponse::new(req, res))
                            }
                        })),
                );
            }
            app.default_service(web::to(not_found))
        })
        // Small realtime frames must leave at once: with Nagle's algorithm an
        // event can wait for the peer's delayed ACK (tens of milliseconds).
        .tcp_nodelay(true)
        .listen(listener)?;
        if let Some(workers) = state.config.http_workers {
            server = server.workers(workers);
        }
        let server = server.run();
        tracing::info!(port, "listening");
        Ok(Self { port, server, state })
    }

    /// The bound port (useful when the configured port was 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tests that need to reach inside.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM), then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.state.realtime.shutdown().await;
        result
    }
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(Reason::NoSuchEndpoint, "no such endpoint".into()))
}

/// Echoes the request id tracing-actix-web assigned, so a user's bug report
/// can be matched to the server's log lines.
async fn request_id_header(
    req: ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(id) = id.and_then(|id| actix_web::http::header::HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(actix_web::http::header::HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}

/// Creates the admin named by `BOOTSTRAP_ADMIN_*` when the database has no users yet.
async fn bootstrap_admin(pool: &db::DbPool, username: &str, password: &str) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let count: i64 = users::table.count().get_result(&mut conn).await?;
    if count > 0 {
        return Ok(());
    }
    let req = CreateUserRequest {
        username: username.to_owned(),
        display_name: "Administrator".to_owned(),
        password: password.to_owned(),
        role: Some(PlatformRole::Admin),
        title: None,
        institution: None,
        care_level: None,
        specialties: None,
    };
    match crate::users::create_user(&mut conn, None, req, None).await {
        Ok(_) => {
            tracing::info!(username, "created bootstrap admin");
            Ok(())
        }
        // another node won the race
        Err(ApiError::Conflict(..)) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("creating bootstrap admin: {e}")),
    }
}
