//! How the shared enums are stored (feature `diesel`, used by the server):
//! each is a checked `text` column holding its snake_case wire name, so a
//! row can only ever hold a known value and code compares enums, never
//! strings. The ids are `uuid` columns (see `ids.rs`).

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Jsonb, Text};

use crate::attachments::{AttachmentKind, DicomInfo};
use crate::cases::{
    CaseSource, CaseStatus, ConsultOpinion, ConsultStatus, Priority, ReferralDirection, ReferralStatus, Sex,
};
use crate::chat::{ConversationKind, MessagePriority, NotifyLevel};
use crate::follow_ups::FollowUpStatus;
use crate::notifications::{EscalationSubject, NotificationKind, NotificationLink};
use crate::teams::TeamRole;
use crate::users::{CareLevel, DutyStatus, PlatformRole};
use crate::webhooks::WebhookEvent;

/// A shared enum with a fixed text spelling in the database.
pub trait TextEnum: Sized + Copy + 'static {
    /// Every variant with its spelling.
    const SPELLINGS: &'static [(Self, &'static str)];

    /// The spelling of `self`.
    fn as_db(self) -> &'static str;

    /// The variant spelled `raw`, if any.
    fn from_db(raw: &str) -> Option<Self>;
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl TextEnum for $ty {
            const SPELLINGS: &'static [(Self, &'static str)] = &[$((Self::$variant, $text)),*];

            fn as_db(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            fn from_db(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_db().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let raw = std::str::from_utf8(bytes.as_bytes())?;
                <$ty as TextEnum>::from_db(raw)
                    .ok_or_else(|| format!(concat!("unknown ", stringify!($ty), " {:?} in the database"), raw).into())
            }
        }
    };
}

text_enum!(PlatformRole { Admin => "admin", User => "user" });
text_enum!(CareLevel { Tertiary => "tertiary", Secondary => "secondary", Primary => "primary", Village => "village" });
text_enum!(TeamRole { Lead => "lead", Specialist => "specialist", Grassroots => "grassroots", Assistant => "assistant" });
text_enum!(FollowUpStatus { Open => "open", Done => "done" });
text_enum!(Sex { Male => "male", Female => "female", Other => "other", Unknown => "unknown" });
text_enum!(CaseStatus { Triage => "triage", Open => "open", Closed => "closed" });
text_enum!(Priority { Routine => "routine", Urgent => "urgent", Emergency => "emergency" });
text_enum!(CaseSource { Direct => "direct", Intake => "intake", Referral => "referral" });
text_enum!(ConsultStatus {
    Requested => "requested",
    Accepted => "accepted",
    Completed => "completed",
    Declined => "declined",
    Cancelled => "cancelled",
});
text_enum!(ReferralDirection { Up => "up", Down => "down" });
text_enum!(ReferralStatus {
    Pending => "pending",
    Accepted => "accepted",
    Declined => "declined",
    Completed => "completed",
    Cancelled => "cancelled",
});
text_enum!(NotificationKind {
    Assigned => "assigned",
    Mentioned => "mentioned",
    UrgentMessage => "urgent_message",
    ConsultRequested => "consult_requested",
    ConsultAnswered => "consult_answered",
    ReferralReceived => "referral_received",
    ReferralUpdated => "referral_updated",
    FollowUpDue => "follow_up_due",
    FollowUpCompleted => "follow_up_completed",
    Escalation => "escalation",
    Call => "call",
    BreakGlass => "break_glass",
});
text_enum!(MessagePriority { Normal => "normal", Urgent => "urgent", Emergency => "emergency" });
text_enum!(NotifyLevel { All => "all", Mentions => "mentions", None => "none" });
text_enum!(DutyStatus { OnDuty => "on_duty", OffDuty => "off_duty", DoNotDisturb => "do_not_disturb" });
text_enum!(EscalationSubject { Case => "case", Consult => "consult", Message => "message", FollowUp => "follow_up" });
text_enum!(WebhookEvent {
    Escalation => "escalation",
    UrgentMessage => "urgent_message",
    ReferralReceived => "referral_received",
});
text_enum!(AttachmentKind {
    Image => "image",
    Pdf => "pdf",
    Dicom => "dicom",
    Ecg => "ecg",
    Document => "document",
    Other => "other",
});
text_enum!(ConversationKind {
    Team => "team",
    Case => "case",
    Consult => "consult",
    Referral => "referral",
    Direct => "direct",
});

/// Structured documents kept as `jsonb`: read and written through serde, so
/// a row holds the typed value.
macro_rules! jsonb_type {
    ($ty:ty) => {
        impl ToSql<Jsonb, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                let value = serde_json::to_value(self)?;
                <serde_json::Value as ToSql<Jsonb, Pg>>::to_sql(&value, &mut out.reborrow())
            }
        }

        impl FromSql<Jsonb, Pg> for $ty {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let value = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
                Ok(serde_json::from_value(value)?)
            }
        }
    };
}

jsonb_type!(ConsultOpinion);
jsonb_type!(DicomInfo);
jsonb_type!(NotificationLink);
jsonb_type!(crate::teams::TeamSettings);

#[cfg(test)]
mod tests {
    use super::*;

    /// The database spelling is the wire name, so logs, SQL and JSON agree.
    fn spelled_as_on_the_wire<T: TextEnum + serde::Serialize>() {
        for (variant, text) in T::SPELLINGS {
            assert_eq!(serde_json::to_value(variant).ok(), Some(serde_json::json!(text)));
            assert_eq!(T::from_db(text).map(|v| v.as_db()), Some(*text));
        }
    }

    #[test]
    fn every_enum_is_spelled_as_on_the_wire() {
        spelled_as_on_the_wire::<PlatformRole>();
        spelled_as_on_the_wire::<CareLevel>();
        spelled_as_on_the_wire::<FollowUpStatus>();
        spelled_as_on_the_wire::<TeamRole>();
        spelled_as_on_the_wire::<Sex>();
        spelled_as_on_the_wire::<CaseStatus>();
        spelled_as_on_the_wire::<Priority>();
        spelled_as_on_the_wire::<CaseSource>();
        spelled_as_on_the_wire::<ConsultStatus>();
        spelled_as_on_the_wire::<ReferralDirection>();
        spelled_as_on_the_wire::<ReferralStatus>();
        spelled_as_on_the_wire::<ConversationKind>();
        spelled_as_on_the_wire::<NotificationKind>();
        spelled_as_on_the_wire::<MessagePriority>();
        spelled_as_on_the_wire::<NotifyLevel>();
        spelled_as_on_the_wire::<DutyStatus>();
        spelled_as_on_the_wire::<WebhookEvent>();
        spelled_as_on_the_wire::<EscalationSubject>();
    }
}
