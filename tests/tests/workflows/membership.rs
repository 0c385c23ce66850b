//! `conversation_members` is a table kept by triggers (migration 15) rather
//! than the nine-way view it replaced, so every way of gaining or losing a
//! conversation must move it exactly as the view would have. These tests
//! walk each of those ways, and a burst of them at once, and after every
//! step compare the table with its definition (`conversation_membership_sources`).

use consilium_tests::fixtures;
use serde_json::json;

use crate::support::{
    REFER_UP, World, assign, consult_action, hypertension_case, intake, opinion, refer, referral_action,
    request_consult, s, triage,
};

/// Rows in the table and not in the definition, plus the reverse.
const DRIFT: &str = "select count(*) from (
    (select conversation_id, user_id from conversation_members
     except select conversation_id, user_id from conversation_membership_sources)
    union all
    (select conversation_id, user_id from conversation_membership_sources
     except select conversation_id, user_id from conversation_members)
) drift";

async fn in_step(w: &World, step: &str) {
    assert_eq!(
        w.count(DRIFT).await,
        0,
        "members table drifted from its definition after: {step}"
    );
}

async fn is_member(w: &World, conversation: &str, user: &consilium_tests::Api) -> bool {
    let sql = format!(
        "select count(*) from conversation_members where conversation_id = '{conversation}' and user_id = '{}'",
        user.user_id()
    );
    w.count(&sql).await == 1
}

#[tokio::test]
async fn every_way_into_and_out_of_a_conversation_moves_the_members_table() {
    let w = World::new().await;
    let a = &w.app.admin;
    in_step(&w, "the world's teams and rosters").await;
    assert!(w.count("select count(*) from conversation_members").await > 0);

    let source = hypertension_case(&w).await;
    in_step(&w, "a case opened").await;
    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    in_step(&w, "a referral sent").await;
    let target = assign(&w.sun, &s(&referral, "target_case_id"), &w.li).await;
    let consult = request_consult(&w.li, &s(&target, "id"), &[&w.qian]).await;
    in_step(&w, "a consult requested").await;
    assert!(
        is_member(&w, &s(&target, "conversation_id"), &w.qian).await,
        "the consultant joins the case discussion"
    );

    // rosters: joining reaches every conversation of the team, leaving leaves them
    fixtures::add_member(a, &w.expert, &w.xu, "specialist").await;
    in_step(&w, "a member added").await;
    assert!(is_member(&w, &s(&consult, "conversation_id"), &w.xu).await);
    fixtures::remove_member(a, &w.expert, &w.xu).await;
    in_step(&w, "a member removed").await;
    assert!(!is_member(&w, &s(&consult, "conversation_id"), &w.xu).await);
    assert!(!is_member(&w, &s(&target, "conversation_id"), &w.xu).await);
    fixtures::remove_member(a, &w.county, &w.he).await;
    in_step(&w, "a member of the referring team removed").await;
    assert!(!is_member(&w, &s(&referral, "conversation_id"), &w.he).await);
    assert!(!is_member(&w, &s(&target, "conversation_id"), &w.he).await);

    // a declined consult keeps its thread but no longer opens the case discussion
    let consult_id = s(&consult, "id");
    assert_eq!(
        consult_action(&w.qian, &consult_id, "decline", json!({ "reason": "太忙" }))
            .await
            .status,
        200
    );
    in_step(&w, "a consult declined").await;
    assert!(!is_member(&w, &s(&target, "conversation_id"), &w.qian).await);
    assert!(is_member(&w, &s(&consult, "conversation_id"), &w.qian).await);
    let second = request_consult(&w.li, &s(&target, "id"), &[&w.qian]).await;
    assert_eq!(
        consult_action(&w.qian, &s(&second, "id"), "accept", json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        consult_action(&w.qian, &s(&second, "id"), "complete", opinion())
            .await
            .status,
        200
    );
    in_step(&w, "a consult accepted and completed").await;
    assert!(is_member(&w, &s(&target, "conversation_id"), &w.qian).await);

    // the referral runs to its end
    let done = referral_action(&w.li, &s(&referral, "id"), "complete", json!({ "outcome": "已处理" })).await;
    assert_eq!(done.status, 200, "{}", done.body);
    in_step(&w, "a referral completed").await;

    // an intake transferred to another team changes hands
    let walk_in = intake(&w.zhao, &w.expert, "孙八", "咳嗽待查", "男，60岁，咳嗽2周。", "routine").await;
    let moved = triage(
        &w.sun,
        &s(&walk_in, "id"),
        json!({ "action": "transfer", "team_id": w.resp, "note": "转呼吸科" }),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    in_step(&w, "a case transferred").await;
    assert!(is_member(&w, &s(&walk_in, "conversation_id"), &w.xu).await);
    assert!(!is_member(&w, &s(&walk_in, "conversation_id"), &w.li).await);

    // a direct conversation, and a new team whose channel starts with its lead
    let direct =
        w.li.post(&format!("/api/v1/direct/{}", w.zhao.user_id()), &json!({}))
            .await;
    assert!(direct.status == 200 || direct.status == 201, "{}", direct.body);
    let new_team = fixtures::create_team(a, "新建团队", &w.zhao).await;
    fixtures::add_member(a, &new_team, &w.ma, "grassroots").await;
    in_step(&w, "a direct conversation and a new team").await;
    assert!(is_member(&w, &fixtures::team_channel(&w.zhao, &new_team).await, &w.ma).await);
}

#[tokio::test]
async fn concurrent_changes_to_one_conversations_sources_all_land() {
    let w = World::new().await;
    let a = &w.app.admin;
    let case = hypertension_case(&w).await;
    let expert_case = assign(
        &w.sun,
        &s(
            &refer(&w.ma, &s(&case, "id"), &w.expert, "up", REFER_UP).await,
            "target_case_id",
        ),
        &w.li,
    )
    .await;
    // the same case discussion gains members through the roster and through
    // a consult at once, from separate requests (separate transactions)
    let extra = [
        fixtures::create_user(a, "dr_extra_1", json!({})).await,
        fixtures::create_user(a, "dr_extra_2", json!({})).await,
        fixtures::create_user(a, "dr_extra_3", json!({})).await,
    ];
    let roster = async {
        for doctor in &extra {
            fixtures::add_member(a, &w.expert, doctor, "specialist").await;
        }
    };
    let consults = async {
        let first = request_consult(&w.li, &s(&expert_case, "id"), &[&w.qian]).await;
        let second = request_consult(&w.chen, &s(&expert_case, "id"), &[&w.xu]).await;
        (first, second)
    };
    let leaving = async {
        fixtures::remove_member(a, &w.county, &w.he).await;
        fixtures::add_member(a, &w.county, &w.zhao, "grassroots").await;
    };
    let ((first, second), (), ()) = tokio::join!(consults, roster, leaving);
    in_step(&w, "roster changes and consults at once").await;
    let discussion = s(&expert_case, "conversation_id");
    for doctor in extra.iter().chain([&w.qian, &w.xu, &w.zhao]) {
        assert!(
            is_member(&w, &discussion, doctor).await,
            "{} is in the case discussion",
            doctor.username()
        );
    }
    assert!(!is_member(&w, &discussion, &w.he).await);
    for doctor in &extra {
        assert!(is_member(&w, &s(&first, "conversation_id"), doctor).await);
        assert!(is_member(&w, &s(&second, "conversation_id"), doctor).await);
    }
}
