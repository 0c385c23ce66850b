//! The text columns that hold shared enums, and their spellings in the database.
//!
//! The database keeps them as checked `text` (readable in psql, easy to extend
//! in a migration); this is the single mapping between the two.

/// A shared enum stored as a text column.
pub trait DbEnum: Sized + Copy {
    /// The spelling in the database.
    fn as_db(self) -> &'static str;
    /// Reads the database spelling; an unknown one means the schema and the code disagree.
    fn from_db(raw: &str) -> anyhow::Result<Self>;
}

macro_rules! db_enum {
    ($ty:path { $($variant:ident => $text:literal),* $(,)? }) => {
        impl DbEnum for $ty {
            fn as_db(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
            fn from_db(raw: &str) -> anyhow::Result<Self> {
                match raw {
                    $($text => Ok(Self::$variant),)*
                    other => Err(anyhow::anyhow!(concat!("unknown ", stringify!($ty), " {:?} in the database"), other)),
                }
            }
        }
    };
}

use consilium_shared::{
    cases::{CaseSource, CaseStatus, ConsultStatus, Priority, ReferralDirection, ReferralStatus, Sex},
    teams::TeamRole,
    users::{CareLevel, PlatformRole},
};

db_enum!(PlatformRole { Admin => "admin", User => "user" });
db_enum!(CareLevel { Tertiary => "tertiary", Secondary => "secondary", Primary => "primary", Village => "village" });
db_enum!(TeamRole { Lead => "lead", Specialist => "specialist", Grassroots => "grassroots", Assistant => "assistant" });
db_enum!(Sex { Male => "male", Female => "female", Other => "other", Unknown => "unknown" });
db_enum!(CaseStatus { Triage => "triage", Open => "open", Closed => "closed" });
db_enum!(Priority { Routine => "routine", Urgent => "urgent", Emergency => "emergency" });
db_enum!(CaseSource { Direct => "direct", Intake => "intake", Referral => "referral" });
db_enum!(ConsultStatus { Requested => "requested", Accepted => "accepted", Completed => "completed", Declined => "declined", Cancelled => "cancelled" });
db_enum!(ReferralDirection { Up => "up", Down => "down" });
db_enum!(ReferralStatus { Pending => "pending", Accepted => "accepted", Declined => "declined", Completed => "completed", Cancelled => "cancelled" });
