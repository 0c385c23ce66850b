//! `ConversationDto.context` (SPEC §8): what tells a case, consult or
//! referral thread apart from the others about the same patient, loaded in
//! one query for a whole conversation list.

use std::collections::HashMap;

use consilium_shared::{
    ConversationId,
    cases::{CaseStatus, ConsultStatus, Priority, ReferralDirection, ReferralStatus, Sex},
    chat::{ConversationContext, PatientBrief},
};
use diesel::prelude::*;
use diesel::sql_types::{Array, Int4, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::prepared::CachePrepared;
use crate::error::ApiError;

#[derive(QueryableByName)]
struct ContextRow {
    #[diesel(sql_type = SqlUuid)]
    conversation_id: ConversationId,
    #[diesel(sql_type = Text)]
    patient_name: String,
    #[diesel(sql_type = Text)]
    sex: Sex,
    #[diesel(sql_type = Nullable<Int4>)]
    age: Option<i32>,
    #[diesel(sql_type = Text)]
    priority: Priority,
    #[diesel(sql_type = Text)]
    status: CaseStatus,
    #[diesel(sql_type = Text)]
    team_name: String,
    #[diesel(sql_type = Text)]
    case_title: String,
    #[diesel(sql_type = Nullable<Text>)]
    consult_question: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    consult_status: Option<ConsultStatus>,
    #[diesel(sql_type = Nullable<Text>)]
    referral_direction: Option<ReferralDirection>,
    #[diesel(sql_type = Nullable<Text>)]
    referral_status: Option<ReferralStatus>,
    #[diesel(sql_type = Nullable<Text>)]
    other_team_name: Option<String>,
}

/// `$1` conversation ids. A referral thread is about the referring (source)
/// case, so its other team is the one that case's team referred to.
const LOAD_CONTEXTS: &str = r#"
select c.id as conversation_id,
       p.name as patient_name, p.sex,
       extract(year from age(current_date, p.birth_date))::int4 as age,
       cs.priority, cs.status, t.name as team_name, cs.title as case_title,
       co.question as consult_question, co.status as consult_status,
       rf.direction as referral_direction, rf.status as referral_status,
       ot.name as other_team_name
from unnest($1::uuid[]) as x(id)
join conversations c on c.id = x.id
left join consults co on co.conversation_id = c.id
left join referrals rf on rf.conversation_id = c.id
left join cases own on own.conversation_id = c.id
join cases cs on cs.id = coalesce(own.id, co.case_id, rf.case_id)
join patients p on p.id = cs.patient_id
join teams t on t.id = cs.team_id
left join teams ot on ot.id = case when rf.from_team_id = cs.team_id then rf.to_team_id else rf.from_team_id end
"#;

/// Contexts of those of `ids` that are case, consult or referral threads.
/// The future does not hold `conn` (it pipelines with other queries).
pub fn load(
    conn: &mut AsyncPgConnection,
    ids: Vec<ConversationId>,
) -> impl Future<Output = Result<HashMap<ConversationId, ConversationContext>, ApiError>> + Send + use<> {
    let rows = (!ids.is_empty()).then(|| {
        diesel::sql_query(LOAD_CONTEXTS)
            .bind::<Array<SqlUuid>, _>(ids)
            .cache_prepared()
            .load::<ContextRow>(conn)
    });
    async move {
        match rows {
            Some(rows) => Ok(contexts_from(rows.await?)),
            None => Ok(HashMap::new()),
        }
    }
}

fn contexts_from(rows: Vec<ContextRow>) -> HashMap<ConversationId, ConversationContext> {
    rows.into_iter()
        .map(|r| {
            (
                r.conversation_id,
                ConversationContext {
                    patient: PatientBrief {
                        name: r.patient_name,
                        sex: r.sex,
                        age: r.age,
                    },
                    priority: r.priority,
                    status: r.status,
                    team_name: r.team_name,
                    case_title: r.case_title,
                    consult_question: r.consult_question,
                    consult_status: r.consult_status,
                    referral_direction: r.referral_direction,
                    referral_status: r.referral_status,
                    other_team_name: r.other_team_name,
                },
            )
        })
        .collect()
}
