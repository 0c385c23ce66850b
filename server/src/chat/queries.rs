//! Rows and hand-written SQL for the chat module, where a query reads better
//! as SQL than as a chain of diesel combinators.

use chrono::{DateTime, Utc};
use consilium_shared::{
    CaseId, ConsultId, ConversationId, MessageId, ReferralId, TeamId, UserId,
    chat::{ConversationKind, MessagePriority, NotifyLevel},
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};

use crate::db::schema::messages;

/// A `messages` row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender_id: UserId,
    pub client_msg_id: String,
    pub body: String,
    pub reply_to_seq: Option<i64>,
    pub mentions: Vec<UserId>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub recalled_at: Option<DateTime<Utc>>,
    pub priority: MessagePriority,
    pub ack_required: bool,
    pub ack_count: i32,
    pub ack_due_at: Option<DateTime<Utc>>,
    /// What a workflow's timeline entry records; `None` for a person's message.
    pub system: Option<serde_json::Value>,
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
    pub id: ConversationId,
    #[diesel(sql_type = Text)]
    pub kind: ConversationKind,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub team_id: Option<TeamId>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub case_id: Option<CaseId>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub consult_id: Option<ConsultId>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub referral_id: Option<ReferralId>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub peer_id: Option<UserId>,
    #[diesel(sql_type = BigInt)]
    pub last_seq: i64,
    #[diesel(sql_type = BigInt)]
    pub last_read_seq: i64,
    #[diesel(sql_type = Text)]
    pub notify: NotifyLevel,
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
       coalesce(r.last_read_seq, 0) as last_read_seq,
       coalesce(r.notify, 'all') as notify
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

/// `$1` user: the conversations they belong to, and everyone sharing one
/// of them (their contacts, for presence), in one statement.
///
/// Both answers are index scans of the `conversation_members` table
/// (migration 15): the user's rows by `(user_id, …)`, then the members of
/// those conversations by the primary key. When membership was a nine-way
/// view this query was most of a reconnect's Postgres time.
pub const MEMBERSHIP: &str = r#"
with mine as (
    select array(select m.conversation_id from conversation_members m where m.user_id = $1) as ids
)
select mine.ids as conversation_ids,
       array(select distinct o.user_id from conversation_members o
             where o.conversation_id = any(mine.ids) and o.user_id <> $1) as contacts
from mine
"#;

/// Stores one message in a single statement — bump the conversation's
/// `last_seq`, insert the message with its resolved mentions, move the
/// sender's read position — so a send costs one round trip and the
/// conversation row stays locked only for the statement and its commit.
///
/// Returns no row when the conversation does not exist, the sender may not
/// post there, or `reply_to_seq` names no earlier message; the caller tells
/// those apart off the hot path. A reused `client_msg_id` fails the whole
/// statement on `messages_sender_id_client_msg_id_key` and bumps nothing,
/// so seqs stay gapless. The SQL text never varies, so the connection keeps
/// it prepared (see the `QueryId` impl).
#[derive(Debug)]
pub struct StoreMessage<'a> {
    pub id: MessageId,
    pub conversation: ConversationId,
    pub sender: UserId,
    /// Posting on behalf of a workflow: skip the membership check.
    pub on_behalf: bool,
    pub client_msg_id: &'a str,
    pub body: &'a str,
    pub reply_to_seq: Option<i64>,
    pub mention_names: &'a [String],
    pub priority: MessagePriority,
    pub ack_required: bool,
    /// The acknowledgement deadline's length, when it has one: the message
    /// is stored with its due time and its escalation timer in this statement.
    pub ack_step_ms: Option<i64>,
}

impl diesel::query_builder::QueryId for StoreMessage<'_> {
    type QueryId = StoreMessage<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for StoreMessage<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for StoreMessage<'_> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Array, Bool};
        out.push_sql(
            "with bumped as (\
               update conversations set last_seq = conversations.last_seq + 1, last_message_at = now() \
               where conversations.id = ",
        );
        out.push_bind_param::<SqlUuid, _>(&self.conversation)?;
        out.push_sql(" and (");
        out.push_bind_param::<Bool, _>(&self.on_behalf)?;
        out.push_sql(
            " or exists (select 1 from conversation_members m where m.conversation_id = conversations.id and m.user_id = ",
        );
        out.push_bind_param::<SqlUuid, _>(&self.sender)?;
        out.push_sql(")) and (");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.reply_to_seq)?;
        out.push_sql("::int8 is null or ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.reply_to_seq)?;
        out.push_sql("::int8 between 1 and conversations.last_seq) and ");
        out.push_sql(OF_NO_ARCHIVED_TEAM);
        out.push_sql(
            " returning conversations.id, conversations.last_seq\
             ), stored as (\
               insert into messages (id, conversation_id, seq, sender_id, client_msg_id, body, reply_to_seq, mentions, \
                                     priority, ack_required, ack_due_at) \
               select ",
        );
        out.push_bind_param::<SqlUuid, _>(&self.id)?;
        out.push_sql(", bumped.id, bumped.last_seq, ");
        out.push_bind_param::<SqlUuid, _>(&self.sender)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.client_msg_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.body)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.reply_to_seq)?;
        out.push_sql(", case when cardinality(");
        out.push_bind_param::<Array<Text>, _>(&self.mention_names)?;
        out.push_sql(") = 0 then '{}'::uuid[] else resolve_mentions(bumped.id, ");
        out.push_bind_param::<Array<Text>, _>(&self.mention_names)?;
        out.push_sql(") end, ");
        out.push_bind_param::<Text, _>(&self.priority)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&self.ack_required)?;
        out.push_sql(", now() + ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.ack_step_ms)?;
        out.push_sql(
            "::int8 * interval '1 millisecond' from bumped \
               returning id, conversation_id, seq, sender_id, client_msg_id, body, reply_to_seq, mentions, \
                         created_at, edited_at, recalled_at, priority, ack_required, ack_count, ack_due_at, system\
             ), ack_timer as (\
               insert into escalation_timers (id, subject_kind, subject_id, level, due_at, step_ms) \
               select gen_random_uuid(), 'message', stored.id, 1, stored.ack_due_at, ",
        );
        out.push_bind_param::<Nullable<BigInt>, _>(&self.ack_step_ms)?;
        out.push_sql(
            "::int8 from stored where stored.ack_due_at is not null\
             ), sender_read as (\
               insert into conversation_reads (conversation_id, user_id, last_read_seq) \
               select conversation_id, sender_id, seq from stored \
               on conflict (conversation_id, user_id) do update \
               set last_read_seq = excluded.last_read_seq, updated_at = now() \
               where conversation_reads.last_read_seq < excluded.last_read_seq\
             ) \
             select id, conversation_id, seq, sender_id, client_msg_id, body, reply_to_seq, mentions, \
                    created_at, edited_at, recalled_at, priority, ack_required, ack_count, ack_due_at, system from stored",
        );
        Ok(())
    }
}

/// Stores a batch of messages in one statement (see `chat::writer`): locks
/// the batch's conversations in id order, keeps the messages it can vouch
/// for (the sender is a member; a reply to an earlier message; a
/// `client_msg_id` not used before), numbers them per conversation from
/// `last_seq`, bumps each conversation once, and moves each sender's read
/// position. Everything else comes back as missing rows and takes the
/// single-send path, which tells the caller why. Messages with mentions
/// never come here (resolving them is per message).
/// The arrays are parallel, one element per message.
#[derive(Debug)]
pub struct StoreMessages<'a> {
    pub ids: &'a [MessageId],
    pub conversations: &'a [ConversationId],
    pub senders: &'a [UserId],
    pub client_msg_ids: &'a [&'a str],
    pub bodies: &'a [&'a str],
    pub reply_to_seqs: &'a [Option<i64>],
}

impl diesel::query_builder::QueryId for StoreMessages<'_> {
    type QueryId = StoreMessages<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for StoreMessages<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for StoreMessages<'_> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        use diesel::sql_types::Array;
        out.push_sql("with input as (select * from unnest(");
        out.push_bind_param::<Array<SqlUuid>, _>(&self.ids)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<SqlUuid>, _>(&self.conversations)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<SqlUuid>, _>(&self.senders)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Text>, _>(&self.client_msg_ids)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Text>, _>(&self.bodies)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.reply_to_seqs)?;
        out.push_sql(
            "::int8[]) with ordinality as t(id, conv, sender, client_msg_id, body, reply_to_seq, ord)\
             ), locked as (\
               select conversations.id, conversations.last_seq \
               from conversations where conversations.id in (select conv from input) and ",
        );
        out.push_sql(OF_NO_ARCHIVED_TEAM);
        out.push_sql(
            " order by conversations.id for no key update\
             ), eligible as (\
               select i.*, l.last_seq from input i join locked l on l.id = i.conv \
               where exists (select 1 from conversation_members m \
                             where m.conversation_id = i.conv and m.user_id = i.sender) \
                 and (i.reply_to_seq is null or i.reply_to_seq between 1 and l.last_seq) \
                 and not exists (select 1 from messages x \
                                 where x.sender_id = i.sender and x.client_msg_id = i.client_msg_id)\
             ), numbered as (\
               select e.*, e.last_seq + row_number() over (partition by e.conv order by e.ord) as seq from eligible e\
             ), bumped as (\
               update conversations c set last_seq = c.last_seq + n.added, last_message_at = now() \
               from (select conv, count(*) as added from numbered group by conv) n where c.id = n.conv\
             ), stored as (\
               insert into messages (id, conversation_id, seq, sender_id, client_msg_id, body, reply_to_seq, mentions) \
               select n.id, n.conv, n.seq, n.sender, n.client_msg_id, n.body, n.reply_to_seq, '{}' \
               from numbered n order by n.conv, n.seq \
               returning id, conversation_id, seq, sender_id, client_msg_id, body, reply_to_seq, mentions, \
                         created_at, edited_at, recalled_at, priority, ack_required, ack_count, ack_due_at, system\
             ), sender_reads as (\
               insert into conversation_reads (conversation_id, user_id, last_read_seq) \
               select conversation_id, sender_id, max(seq) from stored group by conversation_id, sender_id \
               on conflict (conversation_id, user_id) do update \
               set last_read_seq = excluded.last_read_seq, updated_at = now() \
               where conversation_reads.last_read_seq < excluded.last_read_seq\
             ) \
             select id, conversation_id, seq, sender_id, client_msg_id, body, reply_to_seq, mentions, \
                    created_at, edited_at, recalled_at, priority, ack_required, ack_count, ack_due_at, system from stored",
        );
        Ok(())
    }
}
