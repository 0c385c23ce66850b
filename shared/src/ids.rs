//! Typed identifiers, so a `CaseId` can never be passed where a `TeamId` is wanted.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, utoipa::ToSchema)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Uuid))]
        #[serde(transparent)]
        #[ts(export, type = "string")]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7), so primary-key indexes stay append-mostly.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                <Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(bytes).map(Self)
            }
        }
    )*};
}

id_type! {
    /// A person's account.
    UserId,
    /// A login session: one refresh-token chain and the access tokens minted from it.
    SessionId,
    /// An expert team.
    TeamId,
    /// A patient record.
    PatientId,
    /// A case (a patient's problem handled by one team).
    CaseId,
    /// A consult request (会诊) on a case.
    ConsultId,
    /// A referral (转诊) of a case to another team.
    ReferralId,
    /// A conversation: team channel, case/consult/referral thread or direct chat.
    ConversationId,
    /// A chat message.
    MessageId,
    /// A notification addressed to one user.
    NotificationId,
    /// A timer that escalates an item waiting past its deadline.
    EscalationTimerId,
    /// A webhook subscription.
    WebhookId,
    /// One delivery of a webhook.
    WebhookDeliveryId,
    /// An uploaded file (case material).
    AttachmentId,
    /// A video call (视频会诊) in a conversation.
    CallId,
    /// An expert's appointment slot (号源).
    SlotId,
    /// A follow-up item (随访) of a case.
    FollowUpId,
    /// One websocket connection (signalling addresses sockets, not users: a user may have several).
    ConnectionId,
}
