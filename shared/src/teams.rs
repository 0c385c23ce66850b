//! Expert teams and their rosters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ConversationId, TeamId, UserId, users::UserDto};

/// A member's role inside one team.
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TeamRole {
    /// The chief expert; a team has exactly one.
    Lead,
    /// A specialist doctor.
    Specialist,
    /// A county, township, village or community doctor.
    Grassroots,
    /// Triages incoming patients.
    Assistant,
}

/// A team as its members and admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TeamDto {
    /// Stable id.
    pub id: TeamId,
    /// Team name (e.g. 心内科王建国专家团队).
    pub name: String,
    /// Main specialty (e.g. cardiology / 心血管内科).
    pub specialty: String,
    /// Hosting institution.
    pub institution: String,
    /// Free-text description.
    pub description: String,
    /// The chief expert.
    pub lead_id: UserId,
    /// The team channel.
    pub conversation_id: ConversationId,
    /// Set once an admin has archived the team.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
    /// Number of members.
    #[ts(type = "number")]
    pub member_count: i64,
    /// The caller's role in the team, if a member.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_role: Option<TeamRole>,
    /// When the team was created.
    pub created_at: DateTime<Utc>,
}

/// `GET /teams/{id}`: the team with its roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TeamDetail {
    /// The team.
    #[serde(flatten)]
    pub team: TeamDto,
    /// Its roster, lead first.
    pub members: Vec<TeamMemberDto>,
}

/// What everyone may see of a team, to choose where to refer or send an intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TeamDirectoryEntry {
    /// Stable id.
    pub id: TeamId,
    /// Team name.
    pub name: String,
    /// Main specialty.
    pub specialty: String,
    /// Hosting institution.
    pub institution: String,
    /// Free-text description.
    pub description: String,
    /// The chief expert's public profile.
    pub lead: UserDto,
    /// Number of members.
    #[ts(type = "number")]
    pub member_count: i64,
}

/// One roster entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TeamMemberDto {
    /// The team.
    pub team_id: TeamId,
    /// The member's role in this team.
    pub role: TeamRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Their profile.
    pub user: UserDto,
}

/// `POST /teams` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CreateTeamRequest {
    /// Team name.
    pub name: String,
    /// Main specialty.
    pub specialty: String,
    /// Hosting institution.
    #[serde(default)]
    #[ts(optional)]
    pub institution: Option<String>,
    /// Free-text description.
    #[serde(default)]
    #[ts(optional)]
    pub description: Option<String>,
    /// The chief expert.
    pub lead_id: UserId,
}

/// `PATCH /teams/{id}`: absent fields stay. Changing `lead_id` is for admins;
/// the old lead stays in the team as a specialist.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct UpdateTeamRequest {
    /// New name.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    /// New specialty.
    #[serde(default)]
    #[ts(optional)]
    pub specialty: Option<String>,
    /// New institution.
    #[serde(default)]
    #[ts(optional)]
    pub institution: Option<String>,
    /// New description.
    #[serde(default)]
    #[ts(optional)]
    pub description: Option<String>,
    /// New chief expert (admin only).
    #[serde(default)]
    #[ts(optional)]
    pub lead_id: Option<UserId>,
}

/// `PUT /teams/{id}/members/{user_id}`: add a member or change their role.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct SetMemberRequest {
    /// The role to give. `lead` is set through `PATCH /teams/{id}` only.
    pub role: TeamRole,
}

/// `GET /teams/directory?specialty=` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct TeamDirectoryQuery {
    /// Case-insensitive substring of the team's specialty.
    #[serde(default)]
    #[ts(optional)]
    pub specialty: Option<String>,
    /// Case-insensitive substring of name or institution.
    #[serde(default)]
    #[ts(optional)]
    pub q: Option<String>,
}

/// Minutes allowed per priority (SPEC §7 deadlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MinutesByPriority {
    /// For emergencies.
    pub emergency: i32,
    /// For urgent items.
    pub urgent: i32,
    /// For routine items.
    pub routine: i32,
}

/// Minutes allowed to acknowledge an urgent or emergency message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AckMinutes {
    /// For urgent messages.
    pub urgent: i32,
    /// For emergency messages.
    pub emergency: i32,
}

/// A team's deadlines: `GET/PATCH /teams/{id}/settings` (lead or admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Jsonb))]
#[ts(export)]
pub struct TeamSettings {
    /// How long a case may wait in triage.
    pub triage_minutes: MinutesByPriority,
    /// How long a requested consult may wait for an answer.
    pub consult_minutes: MinutesByPriority,
    /// How long an `ack_required` message may wait for each acknowledgement.
    pub ack_minutes: AckMinutes,
}

impl Default for TeamSettings {
    /// SPEC §7's defaults.
    fn default() -> Self {
        Self {
            triage_minutes: MinutesByPriority {
                emergency: 10,
                urgent: 60,
                routine: 1440,
            },
            consult_minutes: MinutesByPriority {
                emergency: 30,
                urgent: 240,
                routine: 4320,
            },
            ack_minutes: AckMinutes {
                urgent: 10,
                emergency: 2,
            },
        }
    }
}

/// `PATCH /teams/{id}/settings`: the groups to replace (each given whole).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct TeamSettingsPatch {
    /// New triage deadlines.
    #[serde(default)]
    #[ts(optional)]
    pub triage_minutes: Option<MinutesByPriority>,
    /// New consult deadlines.
    #[serde(default)]
    #[ts(optional)]
    pub consult_minutes: Option<MinutesByPriority>,
    /// New acknowledgement deadlines.
    #[serde(default)]
    #[ts(optional)]
    pub ack_minutes: Option<AckMinutes>,
}
