//! Webhooks (SPEC §7): subscriptions (admin), the delivery queue, and the
//! sender every node runs.
//!
//! A delivery is a row queued with what it reports. Every node polls; a
//! poll takes due rows with `FOR UPDATE SKIP LOCKED`, counts the attempt and
//! leases the row (its next attempt moves past the request timeout) in a
//! short transaction, then POSTs outside it. A node that dies mid-request
//! leaves the lease to expire and another node sends again: delivery is at
//! least once, and receivers dedupe by the delivery's `id`. A receiver that
//! hangs or fails never delays anything but its own retries (doubling from
//! `WEBHOOK_RETRY_BASE_MS` up to an hour).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::{DateTime, Utc};
use consilium_shared::{
    ErrorReason as Reason, UserId, WebhookDeliveryId, WebhookId,
    webhooks::{CreateWebhookRequest, WebhookDeliveryDto, WebhookDto, WebhookEvent},
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::config::WebhookConfig;
use crate::db::DbPool;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::domain::keyset::{PageRequest, TimeKey};
use crate::error::ApiError;

/// Deliveries one poll takes.
const POLL_BATCH: i64 = 20;
/// Attempts before a delivery is given up (its log keeps why).
const MAX_ATTEMPTS: i32 = 20;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The signature header a receiver checks.
pub const SIGNATURE_HEADER: &str = "X-Consilium-Signature";

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `ip` is on the public internet (not loopback, private, link-local,
/// unique-local, multicast or unspecified): a webhook must not become a way
/// to reach the server's own network.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

fn bad_url(why: &str) -> ApiError {
    ApiError::Invalid(Reason::WebhookUrl, format!("url: {why}"))
}

/// Checks a webhook URL: http(s), and (unless allowed) every address it
/// resolves to is public. Checked at creation and again before each attempt.
pub async fn check_url(raw: &str, cfg: &WebhookConfig) -> Result<reqwest::Url, ApiError> {
    let url = reqwest::Url::parse(raw).map_err(|e| bad_url(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad_url("must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad_url("must not carry credentials; sign with the secret instead"));
    }
    let host = url.host_str().ok_or_else(|| bad_url("has no host"))?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| bad_url("its host does not resolve"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(bad_url("its host does not resolve"));
    }
    if !cfg.allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(bad_url(
            "points at a private address (set WEBHOOK_ALLOW_PRIVATE=true to allow)",
        ));
    }
    Ok(url)
}

/// A `webhooks` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
struct Webhook {
    id: WebhookId,
    url: String,
    events: Vec<WebhookEvent>,
    created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookDto {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events,
            created_at: w.created_at,
        }
    }
}

/// `POST /webhooks` (the caller is an admin).
pub async fn create(
    conn: &mut AsyncPgConnection,
    admin: UserId,
    req: CreateWebhookRequest,
    cfg: &WebhookConfig,
) -> Result<WebhookDto, ApiError> {
    let mut events = req.events;
    events.sort_by_key(|e| *e as u8);
    events.dedup();
    if events.is_empty() {
        return Err(ApiError::Invalid(
            Reason::WebhookEvents,
            "events: name at least one".into(),
        ));
    }
    let secret_len = req.secret.chars().count();
    if !(16..=200).contains(&secret_len) {
        return Err(ApiError::Invalid(
            if secret_len < 16 {
                Reason::FieldTooShort
            } else {
                Reason::FieldTooLong
            },
            "secret: 16 to 200 characters".into(),
        ));
    }
    let url = check_url(req.url.trim(), cfg).await?;
    let row: Webhook = diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(WebhookId::new()),
            webhooks::url.eq(url.as_str()),
            webhooks::events.eq(&events),
            webhooks::secret.eq(&req.secret),
            webhooks::created_by.eq(admin),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await?;
    Ok(row.into())
}

/// `GET /webhooks`: the live subscriptions.
pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<WebhookDto>, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .order(webhooks::created_at.asc())
        .select(Webhook::as_select())
        .load::<Webhook>(conn)
        .await?
        .into_iter()
        .map(WebhookDto::from)
        .collect())
}

/// `DELETE /webhooks/{id}`: stops deliveries; the log is kept.
pub async fn delete(conn: &mut AsyncPgConnection, id: WebhookId) -> Result<(), ApiError> {
    let n = diesel::update(webhooks::table.find(id).filter(webhooks::deleted_at.is_null()))
        .set(webhooks::deleted_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    if n == 0 {
        return Err(ApiError::not_found(Reason::NotFound, "webhook"));
    }
    Ok(())
}

/// `GET /webhooks/{id}/deliveries`: the delivery log, newest first.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    id: WebhookId,
    page: PageRequest<TimeKey>,
) -> Result<(Vec<WebhookDeliveryDto>, bool), ApiError> {
    let exists: bool = diesel::select(diesel::dsl::exists(webhooks::table.find(id)))
        .get_result(conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found(Reason::NotFound, "webhook"));
    }
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
        .limit(page.fetch())
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event,
            webhook_deliveries::payload,
            webhook_deliveries::created_at,
            webhook_deliveries::attempts,
            webhook_deliveries::delivered_at,
            webhook_deliveries::last_status,
            webhook_deliveries::last_error,
        ))
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(
            webhook_deliveries::created_at
                .lt(after.at)
                .or(webhook_deliveries::created_at
                    .eq(after.at)
                    .and(webhook_deliveries::id.lt(after.id))),
        );
    }
    type Row = (
        WebhookDeliveryId,
        WebhookEvent,
        serde_json::Value,
        DateTime<Utc>,
        i32,
        Option<DateTime<Utc>>,
        Option<i32>,
        Option<String>,
    );
    let rows: Vec<Row> = query.load(conn).await?;
    let (rows, more) = page.split(rows);
    Ok((
        rows.into_iter()
            .map(
                |(id, event, payload, created_at, attempts, delivered_at, last_status, last_error)| {
                    WebhookDeliveryDto {
                        id,
                        event,
                        payload,
                        created_at,
                        attempts,
                        delivered_at,
                        last_status,
                        last_error,
                    }
                },
            )
            .collect(),
        more,
    ))
}

/// Queues a delivery of `event` with `data` to every webhook subscribed to
/// it; in the caller's transaction when there is one, so what is reported
/// and its report commit together. Returns how many were queued.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    event: WebhookEvent,
    data: serde_json::Value,
) -> Result<usize, ApiError> {
    let hooks: Vec<WebhookId> = webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .filter(webhooks::events.contains(vec![event]))
        .select(webhooks::id)
        .load(conn)
        .await?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let rows: Vec<_> = hooks
        .iter()
        .map(|hook| {
            let id = WebhookDeliveryId::new();
            (
                webhook_deliveries::id.eq(id),
                webhook_deliveries::webhook_id.eq(*hook),
                webhook_deliveries::event.eq(event),
                webhook_deliveries::payload.eq(json!({ "id": id, "event": event, "created_at": now, "data": data })),
                webhook_deliveries::created_at.eq(now),
            )
        })
        .collect();
    Ok(diesel::insert_into(webhook_deliveries::table)
        .values(rows)
        .execute(conn)
        .await?)
}

/// The wait before attempt `attempts + 1`.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// Runs the sender on this node until the process ends.
pub fn start(db: DbPool, cfg: WebhookConfig) {
    tokio::spawn(async move {
        // rustls asks for the process-wide crypto provider for https receivers
        crate::db::tls::install_crypto_provider();
        let client = match reqwest::Client::builder()
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "webhook client could not start; webhooks stay queued");
                return;
            }
        };
        let mut interval = tokio::time::interval(cfg.poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(e) = poll(&db, &client, &cfg).await {
                tracing::warn!(error = %e, "webhook poll failed");
            }
        }
    });
}

/// A leased delivery with where it goes.
struct Leased {
    id: WebhookDeliveryId,
    payload: serde_json::Value,
    attempts: i32,
    url: String,
    secret: String,
}

/// Takes the due deliveries this node can lease and sends them.
async fn poll(db: &DbPool, client: &reqwest::Client, cfg: &WebhookConfig) -> Result<(), ApiError> {
    let mut conn = db.get().await?;
    let lease = cfg.timeout + cfg.retry_base;
    let leased: Vec<Leased> = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let live = webhooks::table
                    .filter(webhooks::deleted_at.is_null())
                    .select(webhooks::id);
                let locked: Vec<(WebhookDeliveryId, WebhookId, serde_json::Value, i32)> = webhook_deliveries::table
                    .filter(webhook_deliveries::delivered_at.is_null())
                    .filter(webhook_deliveries::next_attempt_at.le(Utc::now()))
                    .filter(webhook_deliveries::attempts.lt(MAX_ATTEMPTS))
                    .filter(webhook_deliveries::webhook_id.eq_any(live))
                    .order(webhook_deliveries::next_attempt_at.asc())
                    .limit(POLL_BATCH)
                    .select((
                        webhook_deliveries::id,
                        webhook_deliveries::webhook_id,
                        webhook_deliveries::payload,
                        webhook_deliveries::attempts,
                    ))
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                let hook_ids: Vec<WebhookId> = locked.iter().map(|d| d.1).collect();
                let hooks: Vec<(WebhookId, String, String)> = webhooks::table
                    .filter(webhooks::id.eq_any(&hook_ids))
                    .select((webhooks::id, webhooks::url, webhooks::secret))
                    .load(conn)
                    .await?;
                let due: Vec<(WebhookDeliveryId, serde_json::Value, i32, String, String)> = locked
                    .into_iter()
                    .filter_map(|(id, hook, payload, attempts)| {
                        let (_, url, secret) = hooks.iter().find(|h| h.0 == hook)?;
                        Some((id, payload, attempts, url.clone(), secret.clone()))
                    })
                    .collect();
                let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
                let ids: Vec<WebhookDeliveryId> = due.iter().map(|d| d.0).collect();
                diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
                    .set((
                        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                        webhook_deliveries::next_attempt_at.eq(until),
                    ))
                    .execute(conn)
                    .await?;
                Ok(due
                    .into_iter()
                    .map(|(id, payload, attempts, url, secret)| Leased {
                        id,
                        payload,
                        attempts: attempts + 1,
                        url,
                        secret,
                    })
                    .collect())
            }
            .scope_boxed()
        })
        .await?;
    drop(conn);
    for delivery in leased {
        let outcome = send(client, cfg, &delivery).await;
        let mut conn = db.get().await?;
        let now = Utc::now();
        match outcome {
            Ok(status) => {
                diesel::update(webhook_deliveries::table.find(delivery.id))
                    .set((
                        webhook_deliveries::delivered_at.eq(now),
                        webhook_deliveries::last_status.eq(status),
                        webhook_deliveries::last_error.eq(None::<String>),
                    ))
                    .execute(&mut conn)
                    .await?;
            }
            Err((status, error)) => {
                let wait = backoff(cfg.retry_base, delivery.attempts);
                let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                tracing::info!(delivery = %delivery.id, attempts = delivery.attempts, %error, "webhook delivery failed; will retry");
                diesel::update(webhook_deliveries::table.find(delivery.id))
                    .set((
                        webhook_deliveries::last_status.eq(status),
                        webhook_deliveries::last_error.eq(error),
                        webhook_deliveries::next_attempt_at.eq(next),
                    ))
                    .execute(&mut conn)
                    .await?;
            }
        }
    }
    Ok(())
}

/// POSTs one delivery: the 2xx status, or the status (if any) and why not.
async fn send(client: &reqwest::Client, cfg: &WebhookConfig, d: &Leased) -> Result<i32, (Option<i32>, String)> {
    // checked again now: the name may resolve elsewhere than at creation
    let url = check_url(&d.url, cfg).await.map_err(|e| (None, e.to_string()))?;
    let body = serde_json::to_vec(&d.payload).map_err(|e| (None, e.to_string()))?;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&d.secret, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| (None, e.to_string()))?;
    let status = i32::from(response.status().as_u16());
    if response.status().is_success() {
        Ok(status)
    } else {
        Err((Some(status), format!("receiver answered {status}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))), "{ip}");
        }
        for ip in ["8.8.8.8", "2001:4860:4860::8888", "114.114.114.114"] {
            assert!(is_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))), "{ip}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 3), Duration::from_secs(20));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
