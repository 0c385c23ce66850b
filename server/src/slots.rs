//! Expert slots (号源, SPEC §10): a team publishes appointment places per
//! doctor, some kept for patients referred from other teams; a referral
//! books one at creation or on acceptance, and a cancel or decline frees it.
//!
//! A booking is one conditional `UPDATE … SET booked = booked + 1 WHERE
//! booked < capacity`: Postgres' row lock decides between two nodes racing
//! for the last place, and the loser sees the row full. Overlapping slots
//! of one doctor are refused under a transaction-scoped advisory lock on
//! the doctor, so two assistants publishing at once cannot both succeed.

use chrono::{DateTime, Duration, Utc};
use consilium_shared::{
    ErrorReason as Reason, SlotId, TeamId, UserId,
    cases::{CreateSlotRequest, SlotDto, SlotQuery},
    teams::TeamRole,
};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::auth::AuthUser;
use crate::db::prepared::CachePrepared;
use crate::db::schema::{referrals, slots};
use crate::error::ApiError;
use crate::teams::{member_role, require_active};

/// The longest window one listing covers.
const MAX_LIST_DAYS: i64 = 92;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = slots, check_for_backend(diesel::pg::Pg))]
struct SlotRow {
    id: SlotId,
    team_id: TeamId,
    doctor_id: UserId,
    starts_at: DateTime<Utc>,
    duration_minutes: i32,
    capacity: i32,
    booked: i32,
    reserved_for_referrals: bool,
}

impl From<SlotRow> for SlotDto {
    fn from(r: SlotRow) -> Self {
        Self {
            id: r.id,
            team_id: r.team_id,
            doctor_id: r.doctor_id,
            starts_at: r.starts_at,
            duration_minutes: r.duration_minutes,
            capacity: r.capacity,
            booked: r.booked,
            reserved_for_referrals: r.reserved_for_referrals,
        }
    }
}

/// 403 unless the caller is the team's lead or one of its assistants (or an admin).
async fn require_manager(conn: &mut AsyncPgConnection, caller: &AuthUser, team: TeamId) -> Result<(), ApiError> {
    let role = member_role(conn, team, caller.id()).await?;
    if caller.is_admin() || matches!(role, Some(TeamRole::Lead | TeamRole::Assistant)) {
        return Ok(());
    }
    Err(match role {
        None => ApiError::not_found(Reason::TeamNotFound, "team"),
        Some(_) => ApiError::Forbidden(
            Reason::SlotManagersOnly,
            "only the team's lead or assistants publish and delete slots".into(),
        ),
    })
}

/// `POST /teams/{id}/slots`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    team: TeamId,
    req: &CreateSlotRequest,
) -> Result<SlotDto, ApiError> {
    if !(5..=480).contains(&req.duration_minutes) {
        return Err(ApiError::Invalid(
            Reason::ValueRejected,
            "duration_minutes: 5 to 480".into(),
        ));
    }
    if !(1..=200).contains(&req.capacity) {
        return Err(ApiError::Invalid(Reason::ValueRejected, "capacity: 1 to 200".into()));
    }
    if req.starts_at <= Utc::now() {
        return Err(ApiError::Invalid(
            Reason::SlotPast,
            "starts_at: must be in the future".into(),
        ));
    }
    let caller_id = caller.id();
    require_manager(conn, caller, team).await?;
    let req = req.clone();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            require_active(conn, team, "the team").await?;
            match member_role(conn, team, req.doctor_id).await? {
                Some(TeamRole::Assistant) | None => {
                    return Err(ApiError::Invalid(
                        Reason::AssigneeNotMember,
                        "doctor_id: not a doctor of this team".into(),
                    ));
                }
                Some(_) => {}
            }
            // one publisher at a time per doctor, so the overlap check holds
            diesel::sql_query("select pg_advisory_xact_lock(hashtext('slots:' || $1::text))")
                .bind::<diesel::sql_types::Uuid, _>(req.doctor_id)
                .cache_prepared().execute(conn)
                .await?;
            let ends_at = req.starts_at + Duration::minutes(i64::from(req.duration_minutes));
            let overlapping: bool = diesel::select(diesel::dsl::exists(
                slots::table
                    .filter(slots::doctor_id.eq(req.doctor_id))
                    .filter(slots::starts_at.lt(ends_at))
                    .filter(
                        diesel::dsl::sql::<diesel::sql_types::Bool>("starts_at + make_interval(mins => duration_minutes) > ")
                            .bind::<diesel::sql_types::Timestamptz, _>(req.starts_at),
                    ),
            ))
            .get_result(conn)
            .await?;
            if overlapping {
                return Err(ApiError::Conflict(
                    Reason::SlotOverlaps,
                    "the doctor already has a slot at that time".into(),
                ));
            }
            let row: SlotRow = diesel::insert_into(slots::table)
                .values((
                    slots::id.eq(SlotId::new()),
                    slots::team_id.eq(team),
                    slots::doctor_id.eq(req.doctor_id),
                    slots::starts_at.eq(req.starts_at),
                    slots::duration_minutes.eq(req.duration_minutes),
                    slots::capacity.eq(req.capacity),
                    slots::reserved_for_referrals.eq(req.reserved_for_referrals.unwrap_or(false)),
                    slots::created_by.eq(caller_id),
                ))
                .returning(SlotRow::as_returning())
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                AuditEntry::new(Some(caller_id), "slot_created", "slot", row.id)
                    .detail(json!({ "team_id": team, "doctor_id": row.doctor_id, "starts_at": row.starts_at, "capacity": row.capacity })),
            )
            .await?;
            Ok(row.into())
        }
        .scope_boxed()
    })
    .await
}

/// `GET /teams/{id}/slots`: any signed-in user (a referring doctor picks
/// from the receiving team's slots), soonest first.
pub async fn list(conn: &mut AsyncPgConnection, team: TeamId, query: &SlotQuery) -> Result<Vec<SlotDto>, ApiError> {
    use crate::db::schema::teams;
    let exists: bool = diesel::select(diesel::dsl::exists(teams::table.find(team)))
        .get_result(conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found(Reason::TeamNotFound, "team"));
    }
    let now = Utc::now();
    let from = query.from.unwrap_or(now);
    let to = query.to.unwrap_or(from + Duration::days(28));
    if to < from || to - from > Duration::days(MAX_LIST_DAYS) {
        return Err(ApiError::Invalid(
            Reason::ValueRejected,
            format!("to: after from, and at most {MAX_LIST_DAYS} days after it"),
        ));
    }
    let mut q = slots::table
        .filter(slots::team_id.eq(team))
        .filter(slots::starts_at.ge(from))
        .filter(slots::starts_at.lt(to))
        .into_boxed();
    if query.available == Some(true) {
        q = q
            .filter(slots::booked.lt(slots::capacity))
            .filter(slots::starts_at.gt(now));
    }
    let rows: Vec<SlotRow> = q
        .order((slots::starts_at, slots::id))
        .limit(2000)
        .select(SlotRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// `DELETE /slots/{id}`: only while nobody has booked it.
pub async fn delete(conn: &mut AsyncPgConnection, caller: &AuthUser, id: SlotId) -> Result<(), ApiError> {
    let row: SlotRow = slots::table
        .find(id)
        .select(SlotRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(Reason::SlotNotFound, "slot"))?;
    require_manager(conn, caller, row.team_id).await?;
    let caller_id = caller.id();
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            // a booking between the read above and here finds the row gone, or this finds it booked
            let deleted = diesel::delete(slots::table.find(id).filter(slots::booked.eq(0)))
                .execute(conn)
                .await?;
            let referenced: bool =
                diesel::select(diesel::dsl::exists(referrals::table.filter(referrals::slot_id.eq(id))))
                    .get_result(conn)
                    .await?;
            if deleted == 0 || referenced {
                return Err(ApiError::Conflict(
                    Reason::SlotBooked,
                    "the slot has bookings; it stays".into(),
                ));
            }
            audit::record(conn, AuditEntry::new(Some(caller_id), "slot_deleted", "slot", id)).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// Takes one place of `slot` for a referral to `team`; returns its start
/// (the appointment). 404 for another team's or a missing slot, 409 when
/// it is full or has started.
pub async fn book(conn: &mut AsyncPgConnection, slot: SlotId, team: TeamId) -> Result<DateTime<Utc>, ApiError> {
    let booked: Option<DateTime<Utc>> = diesel::update(
        slots::table
            .find(slot)
            .filter(slots::team_id.eq(team))
            .filter(slots::booked.lt(slots::capacity))
            .filter(slots::starts_at.gt(Utc::now())),
    )
    .set(slots::booked.eq(slots::booked + 1))
    .returning(slots::starts_at)
    .get_result(conn)
    .await
    .optional()?;
    if let Some(at) = booked {
        return Ok(at);
    }
    let row: Option<SlotRow> = slots::table
        .find(slot)
        .filter(slots::team_id.eq(team))
        .select(SlotRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Err(match row {
        None => ApiError::not_found(Reason::SlotNotFound, "slot of the receiving team"),
        Some(r) if r.starts_at <= Utc::now() => {
            ApiError::Conflict(Reason::SlotPast, "the slot has started or is over".into())
        }
        Some(_) => ApiError::Conflict(Reason::SlotFull, "every place of the slot is booked".into()),
    })
}

/// Gives back the place a referral held.
pub async fn free(conn: &mut AsyncPgConnection, slot: SlotId) -> Result<(), ApiError> {
    diesel::update(slots::table.find(slot).filter(slots::booked.gt(0)))
        .set(slots::booked.eq(slots::booked - 1))
        .execute(conn)
        .await?;
    Ok(())
}
