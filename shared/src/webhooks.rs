//! Webhooks (SPEC §7): how a hospital's SMS or paging gateway hears of an
//! unacknowledged emergency. Admins subscribe URLs to events; each delivery
//! is a JSON POST signed `X-Consilium-Signature: sha256=<hex HMAC-SHA256>`
//! and retried with backoff until the receiver answers 2xx.

use crate::{WebhookDeliveryId, WebhookId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WebhookEvent {
    /// Something is still waiting after its second deadline.
    Escalation,
    /// An urgent or emergency message was posted.
    UrgentMessage,
    /// A referral reached a team.
    ReferralReceived,
}

/// `POST /webhooks` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateWebhookRequest {
    /// Where to POST: `http` or `https`, not a private address unless the
    /// server allows it (`WEBHOOK_ALLOW_PRIVATE`).
    pub url: String,
    /// What to send there (at least one).
    pub events: Vec<WebhookEvent>,
    /// The HMAC key the receiver checks signatures with (16 to 200 characters).
    pub secret: String,
}

/// A subscribed webhook (its secret is never shown again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct WebhookDto {
    /// Stable id.
    pub id: WebhookId,
    /// Where deliveries go.
    pub url: String,
    /// What it receives.
    pub events: Vec<WebhookEvent>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// One delivery and how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct WebhookDeliveryDto {
    /// The delivery's id, also in its body: receivers dedupe by it.
    pub id: WebhookDeliveryId,
    /// What it reports.
    pub event: WebhookEvent,
    /// The JSON body sent.
    #[ts(type = "unknown")]
    pub payload: serde_json::Value,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Attempts so far.
    #[ts(type = "number")]
    pub attempts: i32,
    /// When the receiver answered 2xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The last HTTP status received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_error: Option<String>,
}
