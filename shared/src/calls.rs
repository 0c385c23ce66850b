//! Video consults (SPEC §9): calls per conversation. Consilium carries the
//! signalling and keeps the record; media flows browser to browser (mesh
//! WebRTC), through TURN when NATs are in the way, never through Consilium.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CallId, ConnectionId, ConversationId, UserId};

/// One socket's stay in a call. A user who joins from another device moves
/// there: their earlier socket's stay ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CallParticipantDto {
    /// Who.
    pub user_id: UserId,
    /// From which socket (signals are addressed to it).
    pub connection_id: ConnectionId,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// When they left, hung up elsewhere, or their socket died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub left_at: Option<DateTime<Utc>>,
}

/// A call in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CallDto {
    /// Stable id.
    pub id: CallId,
    /// Where it rings.
    pub conversation_id: ConversationId,
    /// Who started it.
    pub started_by: UserId,
    /// When.
    pub started_at: DateTime<Utc>,
    /// When it ended (the last participant left, or the starter or lead ended it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended_at: Option<DateTime<Utc>>,
    /// Everyone who joined, in order, including those who left.
    pub participants: Vec<CallParticipantDto>,
    /// Members who declined the ring (their other devices stop ringing too).
    pub declined_by: Vec<UserId>,
    /// Most participants at once (`CALL_MAX_PARTICIPANTS`).
    pub max_participants: u32,
}

/// `POST /calls/{id}/join`: which of the caller's sockets joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct JoinCallRequest {
    /// The `connection_id` from that socket's `ready`.
    pub connection_id: ConnectionId,
}

/// One STUN or TURN server for `RTCPeerConnection`'s `iceServers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct IceServer {
    /// `stun:` or `turn:`/`turns:` URLs.
    pub urls: Vec<String>,
    /// TURN only: `<expiry unix time>:<user id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub username: Option<String>,
    /// TURN only: base64 HMAC-SHA1 of the username under `TURN_SECRET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub credential: Option<String>,
}

/// `GET /calls/ice-servers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct IceServers {
    /// STUN first, then TURN.
    pub ice_servers: Vec<IceServer>,
    /// How long the TURN credentials stay valid; fetch again before then.
    #[ts(type = "number")]
    pub ttl_secs: u64,
}

/// `POST /conversations/{id}/calls` (the body may be empty): the socket
/// that joins at once, so the caller is in the call before anyone answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct StartCallRequest {
    /// The `connection_id` from the caller's socket's `ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub connection_id: Option<ConnectionId>,
}
