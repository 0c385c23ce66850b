//! Break-glass grants as stored (SPEC §11): whether a user holds live
//! emergency read access to a case or to its thread.
//!
//! This sits below the case, chat and attachment modules, which each ask it
//! on their read paths; opening a grant is a case workflow
//! ([`crate::cases::break_glass`]). A grant never makes anyone a
//! conversation member: it reads, and sends or changes nothing.

use chrono::Utc;
use consilium_shared::{CaseId, ConversationId, UserId};
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{break_glass_grants, cases};
use crate::error::ApiError;

/// Whether `user` holds live break-glass access to `case`.
pub async fn on_case(conn: &mut AsyncPgConnection, case: CaseId, user: UserId) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        break_glass_grants::table
            .filter(break_glass_grants::user_id.eq(user))
            .filter(break_glass_grants::case_id.eq(case))
            .filter(break_glass_grants::expires_at.gt(Utc::now())),
    ))
    .get_result(conn)
    .await?)
}

/// Whether `user` holds live break-glass access to the case whose thread
/// `conversation` is.
pub async fn on_conversation(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        break_glass_grants::table
            .inner_join(cases::table)
            .filter(cases::conversation_id.eq(conversation))
            .filter(break_glass_grants::user_id.eq(user))
            .filter(break_glass_grants::expires_at.gt(Utc::now())),
    ))
    .get_result(conn)
    .await?)
}
