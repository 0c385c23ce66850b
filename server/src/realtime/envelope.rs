//! What travels between nodes: a routed, already-serialized event or a
//! control instruction for sessions.
//!
//! An event is serialized to JSON once, where it happens; every node and
//! every local socket forwards those same bytes.

use bytestring::ByteString;

use consilium_shared::{ConversationId, SessionId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

/// Who an envelope is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "t", content = "id", rename_all = "snake_case")]
pub enum Topic {
    /// Every member of a conversation.
    Conversation(ConversationId),
    /// Every session of one user.
    User(UserId),
    /// Everyone who watches one user's presence.
    Presence(UserId),
}

impl Topic {
    /// The Redis (sharded) pub/sub channel of this topic.
    pub fn channel(&self, prefix: &str) -> String {
        match self {
            Self::Conversation(id) => format!("{prefix}:conv:{id}"),
            Self::User(id) => format!("{prefix}:user:{id}"),
            Self::Presence(id) => format!("{prefix}:presence:{id}"),
        }
    }
}

/// Instructions for a user's sessions rather than frames for their screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Control {
    /// Close this login session's sockets (logout, token reuse, password change).
    CloseSession {
        /// The session.
        session_id: SessionId,
    },
    /// Close every socket of the user (deactivation).
    CloseUser,
    /// The user's conversation membership may have changed: reload it.
    RefreshMembership,
}

/// An envelope's content.
#[derive(Debug, Clone)]
pub enum Payload {
    /// A server event, serialized once; clones share the bytes, so every
    /// local socket sends the same buffer without copying it.
    Event(ByteString),
    /// A control instruction.
    Control(Control),
}

/// A routed payload.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The node that published it (nodes ignore their own envelopes coming back from Redis).
    pub origin: Uuid,
    /// Who it is for.
    pub topic: Topic,
    /// The message seq, for `message` events: sessions use it to deliver in order, once.
    pub seq: Option<i64>,
    /// Sessions of this user skip it (typing is not echoed to the typist).
    pub exclude_user: Option<UserId>,
    /// Only this socket gets it (signalling, SPEC §9); it travels on its
    /// user's topic, so no socket needs a channel of its own.
    pub to_connection: Option<Uuid>,
    /// The content.
    pub payload: Payload,
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    o: Uuid,
    t: Topic,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    e: Option<&'a RawValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<Control>,
}

impl Envelope {
    /// The JSON sent over Redis.
    pub fn encode(&self) -> serde_json::Result<String> {
        let raw;
        let (e, c) = match &self.payload {
            Payload::Event(json) => {
                raw = serde_json::from_str::<&RawValue>(json.as_ref())?;
                (Some(raw), None)
            }
            Payload::Control(c) => (None, Some(c.clone())),
        };
        serde_json::to_string(&Wire {
            o: self.origin,
            t: self.topic,
            s: self.seq,
            x: self.exclude_user,
            k: self.to_connection,
            e,
            c,
        })
    }

    /// Reads an envelope received from Redis.
    pub fn decode(bytes: &[u8]) -> serde_json::Result<Self> {
        let wire: Wire<'_> = serde_json::from_slice(bytes)?;
        let payload = match (wire.e, wire.c) {
            (Some(e), _) => Payload::Event(ByteString::from(e.get().to_owned())),
            (None, Some(c)) => Payload::Control(c),
            (None, None) => return Err(serde::de::Error::custom("envelope has no payload")),
        };
        Ok(Self {
            origin: wire.o,
            topic: wire.t,
            seq: wire.s,
            exclude_user: wire.x,
            to_connection: wire.k,
            payload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_events_byte_for_byte() -> serde_json::Result<()> {
        let json = ByteString::from_static(r#"{"type":"typing","conversation_id":"x","user_id":"y"}"#);
        let env = Envelope {
            origin: Uuid::now_v7(),
            topic: Topic::Conversation(ConversationId::new()),
            seq: Some(7),
            exclude_user: Some(UserId::new()),
            to_connection: Some(Uuid::now_v7()),
            payload: Payload::Event(json.clone()),
        };
        let back = Envelope::decode(env.encode()?.as_bytes())?;
        assert_eq!(back.topic, env.topic);
        assert_eq!(back.seq, Some(7));
        assert_eq!(back.exclude_user, env.exclude_user);
        assert_eq!(back.to_connection, env.to_connection);
        assert!(matches!(back.payload, Payload::Event(j) if j == json));
        Ok(())
    }

    #[test]
    fn round_trips_controls() -> serde_json::Result<()> {
        let env = Envelope {
            origin: Uuid::now_v7(),
            topic: Topic::User(UserId::new()),
            seq: None,
            exclude_user: None,
            to_connection: None,
            payload: Payload::Control(Control::CloseSession {
                session_id: SessionId::new(),
            }),
        };
        let back = Envelope::decode(env.encode()?.as_bytes())?;
        assert!(matches!(back.payload, Payload::Control(Control::CloseSession { .. })));
        Ok(())
    }
}
