//! Rows and hand-written SQL for the chat module, where a query reads better
//! as SQL than as a chain of diesel combinators.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::db::schema::messages;

/// A `messages` row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    pub client_msg_id: String,
    pub body: String,
    pub reply_to_seq: Option<i64>,
    pub mentions: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub recalled_at: Option<DateTime<Utc>>,
}

/// True while the conversation being updated (`conversations` in an
/// `update conversations …`) belongs to no archived team. A conversation
/// belongs to `conversations.team_id` (the team of a team channel, a case's
/// thread or a referral's), except a consult thread, which belongs to its
/// case's current team: a transfer moves the case but not the consult's row.
/// Direct conversations belong to no team.
pub const OF_NO_ARCHIVED_TEAM: &str = "not exists (select 1 from teams t where t.archived_at is not null and t.id = coalesce(\
     (select c.team_id from consults k join cases c on c.id = k.case_id where k.conversation_id = conversations.id), \
     conversations.team_id))";

/// One line of a user's conversation list.
#[derive(Debug, QueryableByName)]
pub struct ConversationRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub team_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub case_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub consult_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub referral_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub peer_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    pub last_seq: i64,
    #[diesel(sql_type = BigInt)]
    pub last_read_seq: i64,
}

/// `$1` user, `$2` optional single conversation. Direct conversations are
/// titled with the other person's name, as each side sees it.
pub const LIST_CONVERSATIONS: &str = r#"
select c.id, c.kind,
       case when c.kind = 'direct' then coalesce(peer.display_name, '') else c.title end as title,
       c.team_id,
       coalesce(cs.id, co.case_id, rf.case_id) as case_id,
       co.id as consult_id,
       rf.id as referral_id,
       peer.id as peer_id,
       c.last_seq,
       coalesce(r.last_read_seq, 0) as last_read_seq
from conversations c
join conversation_members m on m.conversation_id = c.id and m.user_id = $1
left join conversation_reads r on r.conversation_id = c.id and r.user_id = $1
left join cases cs on cs.conversation_id = c.id
left join consults co on co.conversation_id = c.id
left join referrals rf on rf.conversation_id = c.id
left join lateral (
    select u.id, u.display_name
    from conversation_participants p join users u on u.id = p.user_id
    where p.conversation_id = c.id and p.user_id <> $1
    limit 1
) peer on c.kind = 'direct'
where $2::uuid is null or c.id = $2
order by coalesce(c.last_message_at, c.created_at) desc, c.id
"#;

/// `$1` user: everyone sharing a conversation with them.
pub const CONTACTS: &str = r#"
select distinct o.user_id
from conversation_members mine
join conversation_members o on o.conversation_id = mine.conversation_id
where mine.user_id = $1 and o.user_id <> $1
"#;

/// A case found by search.
#[derive(Debug, QueryableByName)]
pub struct CaseHitRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub team_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = SqlUuid)]
    pub conversation_id: Uuid,
}

/// `$1` user, `$2` ILIKE pattern, `$3` limit: cases whose discussion the user can read.
pub const SEARCH_CASES: &str = r#"
select cs.id, cs.team_id, cs.title, cs.status, cs.conversation_id
from cases cs
join conversation_members m on m.conversation_id = cs.conversation_id and m.user_id = $1
where (cs.title || ' ' || cs.summary) ilike $2
order by cs.created_at desc
limit $3
"#;
