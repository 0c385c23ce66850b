//! Rows as diesel reads and writes them, and their conversion to wire types.

use chrono::{DateTime, Utc};
use consilium_shared::{UserId, audit::AuditEventDto, users::UserDto};
use diesel::prelude::*;
use uuid::Uuid;

use super::enums::DbEnum;
use super::schema::{audit_events, conversations, sessions, team_members, teams, users};

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub title: String,
    pub institution: String,
    pub care_level: String,
    pub specialties: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Whether the user is a platform admin.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }

    /// The typed id.
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }

    /// The public view; fails only if the database holds an unknown enum spelling.
    pub fn to_dto(&self) -> anyhow::Result<UserDto> {
        Ok(UserDto {
            id: UserId(self.id),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: DbEnum::from_db(&self.role)?,
            title: self.title.clone(),
            institution: self.institution.clone(),
            care_level: DbEnum::from_db(&self.care_level)?,
            specialties: self.specialties.clone(),
            active: self.active,
            created_at: self.created_at,
        })
    }
}

/// A user to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub title: &'a str,
    pub institution: &'a str,
    pub care_level: &'a str,
    pub specialties: &'a [String],
}

/// Changes to a user; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub title: Option<String>,
    pub institution: Option<String>,
    pub care_level: Option<String>,
    pub specialties: Option<Vec<String>>,
    pub role: Option<String>,
    pub password_hash: Option<String>,
    pub active: Option<bool>,
}

/// A `sessions` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A `teams` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = teams, check_for_backend(diesel::pg::Pg))]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub specialty: String,
    pub institution: String,
    pub description: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to a team; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub specialty: Option<String>,
    pub institution: Option<String>,
    pub description: Option<String>,
}

/// A `team_members` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = team_members, check_for_backend(diesel::pg::Pg))]
pub struct TeamMember {
    pub team_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

/// A conversation to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = conversations)]
pub struct NewConversation<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub title: &'a str,
    pub team_id: Option<Uuid>,
    pub direct_key: Option<&'a str>,
}

/// An `audit_events` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id.map(UserId),
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            detail: e.detail,
            ip: e.ip,
        }
    }
}

/// An audit event to append.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<&'a str>,
}

/// A `patients` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::patients, check_for_backend(diesel::pg::Pg))]
pub struct Patient {
    pub id: Uuid,
    pub name: String,
    pub sex: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub external_id: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `cases` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::cases, check_for_backend(diesel::pg::Pg))]
pub struct Case {
    pub id: Uuid,
    pub team_id: Uuid,
    pub patient_id: Uuid,
    pub title: String,
    pub summary: String,
    pub status: String,
    pub priority: String,
    pub assignee_id: Option<Uuid>,
    pub source: String,
    pub created_by: Uuid,
    pub conversation_id: Uuid,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `consults` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::consults, check_for_backend(diesel::pg::Pg))]
pub struct Consult {
    pub id: Uuid,
    pub case_id: Uuid,
    pub requested_by: Uuid,
    pub question: String,
    pub urgency: String,
    pub status: String,
    pub opinion: Option<serde_json::Value>,
    pub decline_reason: Option<String>,
    pub conversation_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `referrals` row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::referrals, check_for_backend(diesel::pg::Pg))]
pub struct Referral {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_team_id: Uuid,
    pub to_team_id: Uuid,
    pub direction: String,
    pub reason: String,
    pub status: String,
    pub target_case_id: Uuid,
    pub appointment_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub decline_reason: Option<String>,
    pub created_by: Uuid,
    pub conversation_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
