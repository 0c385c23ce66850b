//! Break-glass access (SPEC §11): a doctor who must read a case of another
//! team in an emergency states why and reads it, and its thread, for
//! `BREAK_GLASS_MINUTES`.
//!
//! Nothing is hidden about it: the grant is audited with its reason, the
//! team's lead is notified, the case's thread shows a notice, and the case
//! page lists every grant. The access is read-only: [`super::load_for_change`]
//! refuses it, and it never makes anyone a conversation member (so no
//! sending, no live events).

use chrono::Utc;
use consilium_shared::cases::BreakGlassDto;
use consilium_shared::chat::{MessageDto, SystemEvent};
use consilium_shared::notifications::{NotificationKind, NotificationLink};
use consilium_shared::teams::TeamRole;
use consilium_shared::{CaseId, ErrorReason as Reason, UserId};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::{CaseAccess, access_of, load_visible};
use crate::audit::{self, AuditEntry};
use crate::auth::AuthUser;
use crate::chat;
use crate::db::models::{Case, Notification};
use crate::db::schema::{break_glass_grants, cases, team_members, users};
use crate::domain::BoundedText;
use crate::error::ApiError;
use crate::notifications::{self, NewNotification};

/// Fewest characters a reason must have: "急诊抢救" is four, so five asks
/// for at least a few words.
pub const MIN_REASON_CHARS: usize = 5;
/// Longest reason kept.
pub const MAX_REASON_CHARS: usize = 1000;

/// The refusal of a change or a send under break-glass access.
pub fn read_only() -> ApiError {
    ApiError::Forbidden(
        Reason::BreakGlassReadOnly,
        "break-glass access reads the case; it cannot change it or send in its thread".into(),
    )
}

/// What opening a grant produced, to publish once committed.
#[derive(Debug)]
pub struct Opened {
    /// The grant.
    pub grant: BreakGlassDto,
    /// The notice posted in the case's thread.
    pub timeline: Vec<MessageDto>,
    /// The lead's notification.
    pub notes: Vec<Notification>,
    /// False when a live grant already existed and was returned as it was.
    pub created: bool,
}

type GrantRow = (
    uuid::Uuid,
    CaseId,
    UserId,
    String,
    String,
    chrono::DateTime<Utc>,
    chrono::DateTime<Utc>,
);

fn dto(row: GrantRow) -> BreakGlassDto {
    let (id, case_id, user_id, user_name, reason, started_at, expires_at) = row;
    BreakGlassDto {
        id,
        case_id,
        user_id,
        user_name,
        reason,
        started_at,
        expires_at,
    }
}

/// `POST /cases/{id}/break-glass`.
pub async fn open(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    case_id: CaseId,
    reason: &str,
    minutes: std::time::Duration,
    ip: Option<&str>,
) -> Result<Opened, ApiError> {
    let reason = BoundedText::parse(reason, "reason", 0, MAX_REASON_CHARS)?.into_inner();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(ApiError::Invalid(
            Reason::BreakGlassReasonRequired,
            format!("say why emergency access is needed (at least {MIN_REASON_CHARS} characters)"),
        ));
    }
    let user = caller.user.clone();
    let ttl = chrono::Duration::from_std(minutes).unwrap_or(chrono::Duration::hours(1));
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let case: Case = cases::table
                .find(case_id)
                .select(<Case as diesel::SelectableHelper<diesel::pg::Pg>>::as_select())
                .first(conn)
                .await
                .optional()?
                .ok_or_else(|| ApiError::not_found(Reason::CaseNotFound, "case"))?;
            // a doctor: an active user who works as a doctor (not only as an
            // assistant) in some team; admins keep rosters, not records
            let doctor: bool = diesel::select(diesel::dsl::exists(
                team_members::table
                    .filter(team_members::user_id.eq(user.id))
                    .filter(team_members::role.ne(TeamRole::Assistant)),
            ))
            .get_result(conn)
            .await?;
            if user.is_admin() || !doctor {
                return Err(ApiError::Forbidden(
                    Reason::BreakGlassNotAllowed,
                    "only doctors may open a case under break-glass".into(),
                ));
            }
            match access_of(conn, &case, user.id).await? {
                Some(CaseAccess::BreakGlass) => {
                    let live = grants_of(conn, case_id, Some(user.id), true).await?;
                    if let Some(grant) = live.into_iter().next() {
                        return Ok(Opened {
                            grant,
                            timeline: Vec::new(),
                            notes: Vec::new(),
                            created: false,
                        });
                    }
                }
                Some(_) => {
                    return Err(ApiError::Conflict(
                        Reason::BreakGlassNotNeeded,
                        "you may already read this case".into(),
                    ));
                }
                None => {}
            }
            let now = Utc::now();
            let id = uuid::Uuid::new_v4();
            let expires_at = now + ttl;
            diesel::insert_into(break_glass_grants::table)
                .values((
                    break_glass_grants::id.eq(id),
                    break_glass_grants::case_id.eq(case_id),
                    break_glass_grants::user_id.eq(user.id),
                    break_glass_grants::reason.eq(&reason),
                    break_glass_grants::started_at.eq(now),
                    break_glass_grants::expires_at.eq(expires_at),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(user.id), "break_glass", "case", case_id)
                    .detail(json!({ "reason": reason, "expires_at": expires_at, "team_id": case.team_id }))
                    .ip(ip),
            )
            .await?;
            let event = SystemEvent::BreakGlass {
                user_name: user.display_name.clone(),
                reason: reason.clone(),
                expires_at,
            };
            let text = format!("{} opened this case under break-glass: {reason}", user.display_name);
            let timeline: Vec<MessageDto> = chat::post_system(conn, case.conversation_id, user.id, &event, &text)
                .await?
                .into_iter()
                .collect();
            let leads: Vec<UserId> = team_members::table
                .filter(team_members::team_id.eq(case.team_id))
                .filter(team_members::role.eq(TeamRole::Lead))
                .select(team_members::user_id)
                .load(conn)
                .await?;
            let notes = notifications::create(
                conn,
                leads
                    .into_iter()
                    .map(|lead| NewNotification {
                        user: lead,
                        kind: NotificationKind::BreakGlass,
                        title: case.title.clone(),
                        body: format!("{}: {reason}", user.display_name),
                        link: NotificationLink {
                            case_id: Some(case_id),
                            conversation_id: Some(case.conversation_id),
                            ..Default::default()
                        },
                    })
                    .collect(),
            )
            .await?;
            let grant = BreakGlassDto {
                id,
                case_id,
                user_id: user.id,
                user_name: user.display_name.clone(),
                reason,
                started_at: now,
                expires_at,
            };
            Ok(Opened {
                grant,
                timeline,
                notes,
                created: true,
            })
        }
        .scope_boxed()
    })
    .await
}

/// Grants on `case` (of `only` one user, live ones only if `live`), newest first.
async fn grants_of(
    conn: &mut AsyncPgConnection,
    case: CaseId,
    only: Option<UserId>,
    live: bool,
) -> Result<Vec<BreakGlassDto>, ApiError> {
    let mut query = break_glass_grants::table
        .inner_join(users::table)
        .filter(break_glass_grants::case_id.eq(case))
        .select((
            break_glass_grants::id,
            break_glass_grants::case_id,
            break_glass_grants::user_id,
            users::display_name,
            break_glass_grants::reason,
            break_glass_grants::started_at,
            break_glass_grants::expires_at,
        ))
        .order(break_glass_grants::started_at.desc())
        .limit(200)
        .into_boxed();
    if let Some(user) = only {
        query = query.filter(break_glass_grants::user_id.eq(user));
    }
    if live {
        query = query.filter(break_glass_grants::expires_at.gt(Utc::now()));
    }
    let rows: Vec<GrantRow> = query.load(conn).await?;
    Ok(rows.into_iter().map(dto).collect())
}

/// `GET /cases/{id}/break-glass`: who opened the case under break-glass,
/// why and until when, for anyone who may read the case (an intake's
/// submitter only follows its status, so not them).
pub async fn list(conn: &mut AsyncPgConnection, caller: UserId, case: CaseId) -> Result<Vec<BreakGlassDto>, ApiError> {
    let loaded = load_visible(conn, case, caller, false).await?;
    if loaded.access == CaseAccess::Submitter {
        return Err(ApiError::Forbidden(
            Reason::CaseTeamOnly,
            "the intake's submitter follows its status only".into(),
        ));
    }
    grants_of(conn, case, None, false).await
}
