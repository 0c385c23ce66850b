//! Teams and rosters, and who may see or change them (spec section 1).
//!
//! A team is visible (with its roster) to its members and to admins; everyone
//! else finds teams through the directory only, and gets 404 for the rest. The
//! roster is changed by admins or the team's lead. A team has exactly one lead:
//! the lead is set at creation and moved with `PATCH lead_id` (the old lead stays
//! as a specialist), and can be neither removed nor demoted directly.

use consilium_shared::chat::ConversationKind;
use consilium_shared::users::UserDto;
use std::collections::HashMap;

use chrono::Utc;
use consilium_shared::{
    ConversationId, TeamId, UserId,
    teams::{
        CreateTeamRequest, TeamDetail, TeamDirectoryEntry, TeamDto, TeamMemberDto, TeamRole, TeamSettings,
        TeamSettingsPatch, UpdateTeamRequest,
    },
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::auth::AuthUser;
use crate::db::escape_like;
use crate::db::models::{NewConversation, Team, TeamChanges, TeamMember, User};
use crate::db::schema::{conversations, team_members, teams, users};
use crate::domain::BoundedText;
use crate::error::ApiError;
use consilium_shared::ErrorReason as Reason;
use consilium_shared::sql::TextEnum;

/// A roster change to announce live to the team (and the affected user).
#[derive(Debug, Clone, Copy)]
pub struct RosterChange {
    /// The team.
    pub team_id: TeamId,
    /// The member added, changed or removed.
    pub user_id: UserId,
    /// Their new role; `None` when removed.
    pub role: Option<TeamRole>,
}

/// Loads a team the caller may see, with the caller's role in it.
/// Admins see every team; members see theirs; others get 404.
pub async fn load_visible(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team_id: TeamId,
) -> Result<(Team, Option<TeamRole>), ApiError> {
    let team: Option<Team> = teams::table
        .find(team_id)
        .select(Team::as_select())
        .first(conn)
        .await
        .optional()?;
    let team = team.ok_or_else(|| ApiError::not_found(Reason::TeamNotFound, "team"))?;
    let role = member_role(conn, team_id, caller.id()).await?;
    if role.is_none() && !caller.is_admin() {
        return Err(ApiError::not_found(Reason::TeamNotFound, "team"));
    }
    Ok((team, role))
}

/// The user's role in the team, if they are a member.
pub async fn member_role(
    conn: &mut AsyncPgConnection,
    team: TeamId,
    user: UserId,
) -> Result<Option<TeamRole>, ApiError> {
    Ok(team_members::table
        .find((team, user))
        .select(team_members::role)
        .first(conn)
        .await
        .optional()?)
}

fn require_roster_manager(caller: &AuthUser, role: Option<TeamRole>) -> Result<(), ApiError> {
    if caller.is_admin() || role == Some(TeamRole::Lead) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            Reason::LeadOrAdminOnly,
            "only an admin or the team's lead may change the roster".into(),
        ))
    }
}

/// A team's deadlines: visible to its members and admins.
pub async fn settings(conn: &mut AsyncPgConnection, caller: &AuthUser, team: TeamId) -> Result<TeamSettings, ApiError> {
    load_visible(conn, caller, team).await?;
    crate::deadlines::settings(conn, team).await
}

/// Changes a team's deadlines (its lead or an admin); audited.
pub async fn update_settings(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team: TeamId,
    patch: TeamSettingsPatch,
    ip: Option<&str>,
) -> Result<TeamSettings, ApiError> {
    let (row, role) = load_visible(conn, caller, team).await?;
    if !(caller.is_admin() || role == Some(TeamRole::Lead)) {
        return Err(ApiError::Forbidden(
            Reason::LeadOrAdminOnly,
            "only an admin or the team's lead may change the team's deadlines".into(),
        ));
    }
    require_not_archived(&row)?;
    let settings = crate::deadlines::update_settings(conn, team, patch).await?;
    audit::record(
        conn,
        AuditEntry::new(Some(caller.id()), "team_settings_changed", "team", team)
            .detail(serde_json::to_value(settings).unwrap_or_default())
            .ip(ip),
    )
    .await?;
    Ok(settings)
}

fn require_not_archived(team: &Team) -> Result<(), ApiError> {
    if team.archived_at.is_some() {
        Err(archived("the team"))
    } else {
        Ok(())
    }
}

fn archived(which: &str) -> ApiError {
    ApiError::Conflict(
        Reason::TeamArchived,
        format!("{which} is archived: its records are read-only"),
    )
}

/// Loads `team` for a change to its records (cases, triage, consults,
/// referrals): 404 if it does not exist, 409 naming `which` ("the team", "the
/// receiving team", …) if it is archived, since an archived team keeps its
/// history readable but accepts nothing new. Inside a transaction the share
/// lock holds off a concurrent archive until the change commits.
pub async fn require_active(conn: &mut AsyncPgConnection, team: TeamId, which: &str) -> Result<Team, ApiError> {
    let team: Team = teams::table
        .find(team)
        .select(Team::as_select())
        .for_share()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(Reason::TeamNotFound, "team"))?;
    if team.archived_at.is_some() {
        return Err(archived(which));
    }
    Ok(team)
}

async fn require_active_user(conn: &mut AsyncPgConnection, id: UserId, field: &str) -> Result<User, ApiError> {
    let user: Option<User> = users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?;
    match user {
        Some(u) if u.active => Ok(u),
        Some(_) => Err(ApiError::Invalid(
            Reason::UserDeactivated,
            format!("{field}: the user is deactivated"),
        )),
        None => Err(ApiError::Invalid(Reason::UserMissing, format!("{field}: no such user"))),
    }
}

/// Builds the wire view of several teams in three queries, whatever their number.
pub async fn to_dtos(conn: &mut AsyncPgConnection, rows: Vec<Team>, caller: UserId) -> Result<Vec<TeamDto>, ApiError> {
    let ids: Vec<_> = rows.iter().map(|t| t.id).collect();
    let members: Vec<(TeamId, UserId, TeamRole)> = team_members::table
        .filter(team_members::team_id.eq_any(&ids))
        .select((team_members::team_id, team_members::user_id, team_members::role))
        .load(conn)
        .await?;
    let channels: HashMap<TeamId, ConversationId> = conversations::table
        .filter(conversations::kind.eq(ConversationKind::Team))
        .filter(conversations::team_id.eq_any(&ids))
        .select((conversations::team_id.assume_not_null(), conversations::id))
        .load::<(TeamId, ConversationId)>(conn)
        .await?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|t| {
            let mine = members.iter().filter(|m| m.0 == t.id);
            let lead = mine.clone().find(|m| m.2 == TeamRole::Lead).map(|m| m.1);
            let my_role = mine.clone().find(|m| m.1 == caller).map(|m| m.2);
            Ok(TeamDto {
                id: t.id,
                lead_id: lead.ok_or_else(|| anyhow::anyhow!("team {} has no lead", t.id))?,
                conversation_id: *channels
                    .get(&t.id)
                    .ok_or_else(|| anyhow::anyhow!("team {} has no channel", t.id))?,
                member_count: i64::try_from(mine.count()).unwrap_or(i64::MAX),
                my_role,
                name: t.name,
                specialty: t.specialty,
                institution: t.institution,
                description: t.description,
                archived_at: t.archived_at,
                created_at: t.created_at,
            })
        })
        .collect::<Result<_, anyhow::Error>>()
        .map_err(ApiError::from)
}

/// The roster of a team, lead first, then by role and name.
pub async fn roster(conn: &mut AsyncPgConnection, team: TeamId) -> Result<Vec<TeamMemberDto>, ApiError> {
    let rows: Vec<(TeamMember, User)> = team_members::table
        .inner_join(users::table)
        .filter(team_members::team_id.eq(team))
        .select((TeamMember::as_select(), User::as_select()))
        .load(conn)
        .await?;
    let mut out = rows
        .into_iter()
        .map(|(m, u)| {
            Ok(TeamMemberDto {
                team_id: team,
                role: m.role,
                joined_at: m.joined_at,
                user: UserDto::from(u.clone()),
            })
        })
        .collect::<Result<Vec<_>, anyhow::Error>>()?;
    let rank = |r: TeamRole| match r {
        TeamRole::Lead => 0,
        TeamRole::Specialist => 1,
        TeamRole::Grassroots => 2,
        TeamRole::Assistant => 3,
    };
    out.sort_by(|a, b| {
        rank(a.role)
            .cmp(&rank(b.role))
            .then_with(|| a.user.username.cmp(&b.user.username))
    });
    Ok(out)
}

/// The team with its roster, as `GET /teams/{id}` shows it.
pub async fn detail(conn: &mut AsyncPgConnection, team: Team, caller: UserId) -> Result<TeamDetail, ApiError> {
    let id = team.id;
    let team = to_dtos(conn, vec![team], caller)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("team vanished"))?;
    Ok(TeamDetail {
        team,
        members: roster(conn, id).await?,
    })
}

/// `POST /teams` (admin): the team, its channel and its lead, in one transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    req: CreateTeamRequest,
    ip: Option<&str>,
) -> Result<(Team, RosterChange), ApiError> {
    caller.require_admin()?;
    let name = BoundedText::parse(&req.name, "name", 1, 200)?.into_inner();
    let specialty = BoundedText::parse(&req.specialty, "specialty", 1, 100)?.into_inner();
    let institution = BoundedText::parse(req.institution.as_deref().unwrap_or(""), "institution", 0, 200)?.into_inner();
    let description =
        BoundedText::parse(req.description.as_deref().unwrap_or(""), "description", 0, 4000)?.into_inner();
    require_active_user(conn, req.lead_id, "lead_id").await?;
    let actor = caller.id();
    let team_id = TeamId::new();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let team: Team = diesel::insert_into(teams::table)
                .values((
                    teams::id.eq(team_id),
                    teams::name.eq(&name),
                    teams::specialty.eq(&specialty),
                    teams::institution.eq(&institution),
                    teams::description.eq(&description),
                ))
                .returning(Team::as_returning())
                .get_result(conn)
                .await?;
            diesel::insert_into(conversations::table)
                .values(NewConversation {
                    id: ConversationId::new(),
                    kind: ConversationKind::Team,
                    title: &name,
                    team_id: Some(team.id),
                    direct_key: None,
                })
                .execute(conn)
                .await?;
            diesel::insert_into(team_members::table)
                .values((
                    team_members::team_id.eq(team.id),
                    team_members::user_id.eq(req.lead_id),
                    team_members::role.eq(TeamRole::Lead),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(actor), "team_created", "team", team.id)
                    .detail(json!({ "name": name, "lead_id": req.lead_id }))
                    .ip(ip),
            )
            .await?;
            Ok((
                team,
                RosterChange {
                    team_id,
                    user_id: req.lead_id,
                    role: Some(TeamRole::Lead),
                },
            ))
        }
        .scope_boxed()
    })
    .await
}

/// `GET /teams`: the caller's active teams; admins get every team.
pub async fn list_for(conn: &mut AsyncPgConnection, caller: &AuthUser) -> Result<Vec<TeamDto>, ApiError> {
    let rows: Vec<Team> = if caller.is_admin() {
        teams::table
            .select(Team::as_select())
            .order(teams::name.asc())
            .load(conn)
            .await?
    } else {
        teams::table
            .inner_join(team_members::table)
            .filter(team_members::user_id.eq(caller.id().0))
            .filter(teams::archived_at.is_null())
            .select(Team::as_select())
            .order(teams::name.asc())
            .load(conn)
            .await?
    };
    to_dtos(conn, rows, caller.id()).await
}

/// `GET /teams/directory`: every active team with its lead, for referrals and intakes.
pub async fn directory(
    conn: &mut AsyncPgConnection,
    specialty: Option<&str>,
    q: Option<&str>,
) -> Result<Vec<TeamDirectoryEntry>, ApiError> {
    let mut query = teams::table
        .inner_join(team_members::table.inner_join(users::table))
        .filter(teams::archived_at.is_null())
        .filter(team_members::role.eq(TeamRole::Lead))
        .select((Team::as_select(), User::as_select()))
        .order(teams::name.asc())
        .into_boxed();
    if let Some(s) = specialty.map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(teams::specialty.ilike(format!("%{}%", escape_like(s))));
    }
    if let Some(q) = q.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(q));
        query = query.filter(teams::name.ilike(pattern.clone()).or(teams::institution.ilike(pattern)));
    }
    let rows: Vec<(Team, User)> = query.load(conn).await?;
    let ids: Vec<_> = rows.iter().map(|(t, _)| t.id).collect();
    let counts: HashMap<TeamId, i64> = team_members::table
        .filter(team_members::team_id.eq_any(&ids))
        .group_by(team_members::team_id)
        .select((team_members::team_id, diesel::dsl::count_star()))
        .load::<(TeamId, i64)>(conn)
        .await?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|(t, lead)| {
            Ok(TeamDirectoryEntry {
                id: t.id,
                member_count: counts.get(&t.id).copied().unwrap_or(0),
                lead: UserDto::from(lead.clone()),
                name: t.name,
                specialty: t.specialty,
                institution: t.institution,
                description: t.description,
            })
        })
        .collect::<Result<_, anyhow::Error>>()
        .map_err(ApiError::from)
}

/// `PATCH /teams/{id}`: descriptive fields by an admin or the lead; the lead by an admin.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team_id: TeamId,
    req: UpdateTeamRequest,
    ip: Option<&str>,
) -> Result<(Team, Vec<RosterChange>), ApiError> {
    let (team, role) = load_visible(conn, caller, team_id).await?;
    if !caller.is_admin() && role != Some(TeamRole::Lead) {
        return Err(ApiError::Forbidden(
            Reason::LeadOrAdminOnly,
            "only an admin or the team's lead may change the team".into(),
        ));
    }
    if req.lead_id.is_some() && !caller.is_admin() {
        return Err(ApiError::Forbidden(
            Reason::AdminOnly,
            "only an admin may set the lead".into(),
        ));
    }
    require_not_archived(&team)?;
    let changes = TeamChanges {
        name: req
            .name
            .map(|v| BoundedText::parse(&v, "name", 1, 200).map(BoundedText::into_inner))
            .transpose()?,
        specialty: req
            .specialty
            .map(|v| BoundedText::parse(&v, "specialty", 1, 100).map(BoundedText::into_inner))
            .transpose()?,
        institution: req
            .institution
            .map(|v| BoundedText::parse(&v, "institution", 0, 200).map(BoundedText::into_inner))
            .transpose()?,
        description: req
            .description
            .map(|v| BoundedText::parse(&v, "description", 0, 4000).map(BoundedText::into_inner))
            .transpose()?,
    };
    if let Some(lead) = req.lead_id {
        require_active_user(conn, lead, "lead_id").await?;
    }
    let actor = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let has_changes = changes.name.is_some()
                || changes.specialty.is_some()
                || changes.institution.is_some()
                || changes.description.is_some();
            let team: Team = if has_changes {
                diesel::update(teams::table.find(team_id))
                    .set(&changes)
                    .returning(Team::as_returning())
                    .get_result(conn)
                    .await?
            } else {
                team
            };
            if let Some(name) = &changes.name {
                diesel::update(conversations::table.filter(conversations::team_id.eq(team_id)).filter(conversations::kind.eq(ConversationKind::Team)))
                    .set(conversations::title.eq(name))
                    .execute(conn)
                    .await?;
            }
            let mut roster_changes = vec![];
            if let Some(new_lead) = req.lead_id {
                let old_lead: Option<UserId> = team_members::table
                    .filter(team_members::team_id.eq(team_id))
                    .filter(team_members::role.eq(TeamRole::Lead))
                    .select(team_members::user_id)
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                if old_lead != Some(new_lead) {
                    if let Some(old) = old_lead {
                        diesel::update(team_members::table.find((team_id, old)))
                            .set(team_members::role.eq(TeamRole::Specialist))
                            .execute(conn)
                            .await?;
                        roster_changes.push(RosterChange { team_id, user_id: old, role: Some(TeamRole::Specialist) });
                    }
                    diesel::insert_into(team_members::table)
                        .values((
                            team_members::team_id.eq(team_id),
                            team_members::user_id.eq(new_lead),
                            team_members::role.eq(TeamRole::Lead),
                        ))
                        .on_conflict((team_members::team_id, team_members::user_id))
                        .do_update()
                        .set(team_members::role.eq(TeamRole::Lead))
                        .execute(conn)
                        .await?;
                    roster_changes.push(RosterChange { team_id, user_id: new_lead, role: Some(TeamRole::Lead) });
                    audit::record(
                        conn,
                        AuditEntry::new(Some(actor), "team_lead_changed", "team", team_id)
                            .detail(json!({ "from": old_lead, "to": new_lead }))
                            .ip(ip),
                    )
                    .await?;
                }
            }
            if has_changes {
                audit::record(
                    conn,
                    AuditEntry::new(Some(actor), "team_updated", "team", team_id)
                        .detail(json!({ "name": changes.name, "specialty": changes.specialty, "institution": changes.institution, "description_changed": changes.description.is_some() }))
                        .ip(ip),
                )
                .await?;
            }
            Ok((team, roster_changes))
        }
        .scope_boxed()
    })
    .await
}

/// `POST /teams/{id}/archive` (admin): the team leaves the directory; its history stays readable.
pub async fn archive(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team_id: TeamId,
    ip: Option<&str>,
) -> Result<Team, ApiError> {
    let (team, _) = load_visible(conn, caller, team_id).await?;
    caller.require_admin()?;
    require_not_archived(&team)?;
    let actor = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let team: Team = diesel::update(teams::table.find(team_id))
                .set(teams::archived_at.eq(Utc::now()))
                .returning(Team::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(actor), "team_archived", "team", team_id).ip(ip),
            )
            .await?;
            Ok(team)
        }
        .scope_boxed()
    })
    .await
}

/// `PUT /teams/{id}/members/{user_id}`: adds a member or changes their role.
pub async fn set_member(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team_id: TeamId,
    user_id: UserId,
    role: TeamRole,
    ip: Option<&str>,
) -> Result<(TeamMemberDto, Option<RosterChange>), ApiError> {
    let (team, my_role) = load_visible(conn, caller, team_id).await?;
    require_roster_manager(caller, my_role)?;
    require_not_archived(&team)?;
    if role == TeamRole::Lead {
        return Err(ApiError::Invalid(
            Reason::LeadViaTeam,
            "role: the lead is set with PATCH /teams/{id} lead_id".into(),
        ));
    }
    let user = require_active_user(conn, user_id, "user_id").await?;
    let actor = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let current: Option<TeamMember> = team_members::table
                .find((team_id, user_id))
                .select(TeamMember::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let (member, change) = match current {
                Some(m) if m.role == TeamRole::Lead => {
                    return Err(ApiError::Conflict(
                        Reason::LeadRoleFixed,
                        "the lead's role cannot be changed; set a new lead first".into(),
                    ));
                }
                Some(m) if m.role == role => (m, None),
                Some(m) => {
                    let updated: TeamMember = diesel::update(team_members::table.find((team_id, user_id)))
                        .set(team_members::role.eq(role))
                        .returning(TeamMember::as_returning())
                        .get_result(conn)
                        .await?;
                    audit::record(
                        conn,
                        AuditEntry::new(Some(actor), "member_role_changed", "team", team_id)
                            .detail(json!({ "user_id": user_id, "from": m.role, "to": role.as_db() }))
                            .ip(ip),
                    )
                    .await?;
                    (
                        updated,
                        Some(RosterChange {
                            team_id,
                            user_id,
                            role: Some(role),
                        }),
                    )
                }
                None => {
                    let added: TeamMember = diesel::insert_into(team_members::table)
                        .values((
                            team_members::team_id.eq(team_id),
                            team_members::user_id.eq(user_id),
                            team_members::role.eq(role),
                        ))
                        .returning(TeamMember::as_returning())
                        .get_result(conn)
                        .await?;
                    audit::record(
                        conn,
                        AuditEntry::new(Some(actor), "member_added", "team", team_id)
                            .detail(json!({ "user_id": user_id, "role": role.as_db() }))
                            .ip(ip),
                    )
                    .await?;
                    (
                        added,
                        Some(RosterChange {
                            team_id,
                            user_id,
                            role: Some(role),
                        }),
                    )
                }
            };
            Ok((
                TeamMemberDto {
                    team_id,
                    role: member.role,
                    joined_at: member.joined_at,
                    user: UserDto::from(user.clone()),
                },
                change,
            ))
        }
        .scope_boxed()
    })
    .await
}

/// `DELETE /teams/{id}/members/{user_id}`: removes a member (never the lead).
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team_id: TeamId,
    user_id: UserId,
    ip: Option<&str>,
) -> Result<RosterChange, ApiError> {
    let (team, my_role) = load_visible(conn, caller, team_id).await?;
    require_roster_manager(caller, my_role)?;
    require_not_archived(&team)?;
    let actor = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let current: Option<String> = team_members::table
                .find((team_id, user_id))
                .select(team_members::role)
                .for_update()
                .first(conn)
                .await
                .optional()?;
            match current.as_deref() {
                None => return Err(ApiError::not_found(Reason::MemberNotFound, "member")),
                Some("lead") => {
                    return Err(ApiError::Conflict(
                        Reason::LeadNotRemovable,
                        "the lead cannot be removed; set a new lead first".into(),
                    ));
                }
                Some(_) => {}
            }
            diesel::delete(team_members::table.find((team_id, user_id)))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(actor), "member_removed", "team", team_id)
                    .detail(json!({ "user_id": user_id, "role": current }))
                    .ip(ip),
            )
            .await?;
            Ok(RosterChange {
                team_id,
                user_id,
                role: None,
            })
        }
        .scope_boxed()
    })
    .await
}
