//! Referrals (转诊): a township team sends a patient up to the expert team,
//! which accepts, declines or completes it; a linked case waits in the
//! receiving team's triage queue, and the outcome goes back to the referring case.

use consilium_tests::{Api, fixtures};
use serde_json::{Value, json};

use crate::support::{
    REFER_UP, World, assert_conflict_naming, assert_error, assign, at, case_of, chest_pain_case, get_case,
    hypertension_case, ids, message_items, messages, queue, refer, referral_action, s, triage, try_refer,
};

/// The township case referred up to the expert team by 马超.
async fn referred_world() -> (World, Value, Value) {
    let w = World::new().await;
    let source = hypertension_case(&w).await;
    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    (w, source, referral)
}

async fn referrals_of(api: &Api, query: &str) -> Vec<String> {
    let r = api.get(&format!("/api/v1/referrals?{query}")).await;
    assert_eq!(r.status, 200, "{} lists referrals {query}: {}", api.username(), r.body);
    ids(&r.body["items"])
}

async fn case_referrals(api: &Api, case: &str) -> Vec<String> {
    let r = api.get(&format!("/api/v1/cases/{case}/referrals")).await;
    assert_eq!(
        r.status,
        200,
        "{} lists the referrals of {case}: {}",
        api.username(),
        r.body
    );
    ids(&r.body)
}

#[tokio::test]
async fn a_township_team_refers_a_patient_up() {
    let (w, source, referral) = referred_world().await;
    let id = s(&referral, "id");
    assert_eq!(referral["status"], "pending");
    assert_eq!(referral["case_id"], source["id"]);
    assert_eq!(referral["from_team_id"], w.county.as_str());
    assert_eq!(referral["to_team_id"], w.expert.as_str());
    assert_eq!(referral["direction"], "up");
    assert_eq!(referral["reason"], REFER_UP);
    assert_eq!(referral["created_by"], w.ma.user_id());
    assert!(
        referral.get("appointment_at").is_none() && referral.get("outcome").is_none(),
        "{referral}"
    );

    // a linked case of the same patient waits in the expert team's queue
    let target_id = s(&referral, "target_case_id");
    assert_ne!(target_id, s(&source, "id"));
    let target = case_of(&w.sun, &target_id).await;
    assert_eq!(target["source"], "referral");
    assert_eq!(target["status"], "triage");
    assert_eq!(target["team_id"], w.expert.as_str());
    assert_eq!(target["patient"], source["patient"], "the same patient");
    assert_eq!(target["title"], source["title"]);
    assert_eq!(target["priority"], "urgent");
    assert!(
        s(&target, "summary").contains("三联降压药物"),
        "the reason travels with it: {target}"
    );
    assert_eq!(queue(&w.sun, &w.expert).await, [target_id.as_str()]);
    // the referring case itself stays with the township team
    assert_eq!(case_of(&w.ma, &s(&source, "id")).await["status"], "open");
    assert!(queue(&w.he, &w.county).await.is_empty());

    // the referring team follows the linked case and its discussion
    for referring in [&w.ma, &w.huang, &w.he] {
        assert_eq!(case_of(referring, &target_id).await["id"], target_id.as_str());
        assert_eq!(
            messages(referring, &s(&target, "conversation_id")).await.status,
            200,
            "{} reads the linked case's thread",
            referring.username()
        );
    }
    // the receiving team does not get the township case's own discussion
    assert_error(
        &get_case(&w.sun, &s(&source, "id")).await,
        404,
        "the receiving team reads the source case",
    );

    // both teams list it and share its thread
    assert_eq!(referrals_of(&w.sun, "box=incoming").await, [id.as_str()]);
    assert_eq!(referrals_of(&w.li, "").await, [id.as_str()], "incoming by default");
    assert!(referrals_of(&w.sun, "box=outgoing").await.is_empty());
    assert_eq!(referrals_of(&w.huang, "box=outgoing").await, [id.as_str()]);
    assert_eq!(referrals_of(&w.ma, "box=outgoing&status=pending").await, [id.as_str()]);
    assert!(referrals_of(&w.ma, "box=outgoing&status=accepted").await.is_empty());
    assert!(referrals_of(&w.ma, "box=incoming").await.is_empty());
    assert_error(
        &w.ma.get("/api/v1/referrals?status=lost").await,
        400,
        "an unknown status filter",
    );
    let thread = s(&referral, "conversation_id");
    for party in [&w.ma, &w.huang, &w.sun, &w.wang, &w.li] {
        let r = party.get(&format!("/api/v1/conversations/{thread}")).await;
        assert_eq!(r.status, 200, "{}: {}", party.username(), r.body);
        assert_eq!(r.body["kind"], "referral");
        assert_eq!(r.body["referral_id"], id.as_str());
        let one = party.get(&format!("/api/v1/referrals/{id}")).await;
        assert_eq!(one.status, 200, "{}: {}", party.username(), one.body);
        assert_eq!(one.body, referral);
    }
    crate::support::post_message(&w.ma, &thread, "ma-1", "患者明早8点可到省医院门诊。").await;
    assert_eq!(crate::support::talk(&w.sun, &thread).await.len(), 1);
    for stranger in [&w.zhao, &w.qian, &w.app.admin] {
        assert_error(
            &stranger.get(&format!("/api/v1/referrals/{id}")).await,
            404,
            &format!("{} reads the referral", stranger.username()),
        );
        assert_error(
            &messages(stranger, &thread).await,
            404,
            "a stranger reads the referral thread",
        );
        assert_error(
            &get_case(stranger, &target_id).await,
            404,
            "a stranger reads the linked case",
        );
    }

    let created = w.audited_once("referral", &id, "referral_created").await;
    assert_eq!(created["actor_id"], w.ma.user_id());
    assert_eq!(created["detail"]["target_case_id"], target_id.as_str());
}

#[tokio::test]
async fn the_receiving_team_accepts_and_the_outcome_goes_back() {
    let (w, source, referral) = referred_world().await;
    let id = s(&referral, "id");
    let target_id = s(&referral, "target_case_id");
    let appointment = "2026-12-01T09:30:00+08:00";
    let accept = json!({ "assignee_id": w.li.user_id(), "appointment_at": appointment });

    // only the receiving team's assistants and lead accept
    for (who, status) in [
        (&w.li, 403),
        (&w.liu, 403),
        (&w.ma, 403),
        (&w.huang, 403),
        (&w.zhao, 404),
    ] {
        assert_error(
            &referral_action(who, &id, "accept", accept.clone()).await,
            status,
            &format!("{} accepts", who.username()),
        );
    }
    assert_conflict_naming(
        &referral_action(&w.sun, &id, "complete", json!({ "outcome": "已处理" })).await,
        "pending",
        "complete a pending referral",
    );
    assert_error(
        &referral_action(&w.sun, &id, "accept", json!({ "assignee_id": w.ma.user_id() })).await,
        400,
        "accept with an assignee from the referring team",
    );

    let r = referral_action(&w.sun, &id, "accept", accept.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "accepted");
    assert_eq!(
        at(&r.body, "appointment_at"),
        chrono::DateTime::parse_from_rfc3339(appointment).unwrap().to_utc()
    );
    let target = case_of(&w.ma, &target_id).await;
    assert_eq!(target["status"], "open");
    assert_eq!(target["assignee_id"], w.li.user_id());
    assert!(queue(&w.sun, &w.expert).await.is_empty());
    for (action, body) in [("accept", accept.clone()), ("decline", json!({ "reason": "改主意了" }))] {
        assert_conflict_naming(
            &referral_action(&w.sun, &id, action, body).await,
            "accepted",
            &format!("{action} an accepted referral"),
        );
    }

    // the assignee (a specialist) completes, and the outcome lands in the township case's thread
    let outcome = "肾动脉CTA示右肾动脉狭窄70%，已行支架植入术，术后血压135/80mmHg。建议回基层随访，每周监测血压。";
    assert_error(
        &referral_action(&w.chen, &id, "complete", json!({ "outcome": outcome })).await,
        403,
        "a specialist who is not the assignee completes",
    );
    assert_error(
        &referral_action(&w.li, &id, "complete", json!({ "outcome": "" })).await,
        400,
        "an empty outcome",
    );
    let r = referral_action(&w.li, &id, "complete", json!({ "outcome": outcome })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["outcome"], outcome);
    let back = message_items(&w.ma, &s(&source, "conversation_id")).await;
    let last = back.last().unwrap_or_else(|| panic!("nothing posted back"));
    assert_eq!(last["body"], outcome, "the outcome is posted back: {last}");
    assert_eq!(
        last["system"],
        json!({ "event": "referral_completed", "outcome": outcome })
    );
    assert_eq!(last["sender_id"], w.li.user_id());
    assert_eq!(message_items(&w.huang, &s(&source, "conversation_id")).await, back);

    for (who, action, body) in [
        (&w.ma, "cancel", json!({})),
        (&w.sun, "complete", json!({ "outcome": "再次完成" })),
        (&w.sun, "accept", json!({})),
    ] {
        assert_conflict_naming(
            &referral_action(who, &id, action, body).await,
            "completed",
            &format!("{action} a completed referral"),
        );
    }
    assert_eq!(
        w.audited_once("referral", &id, "referral_accepted").await["actor_id"],
        w.sun.user_id()
    );
    assert_eq!(
        w.audited_once("referral", &id, "referral_completed").await["actor_id"],
        w.li.user_id()
    );
}

#[tokio::test]
async fn a_completion_commits_with_its_outcome_message_or_not_at_all() {
    let (w, source, referral) = referred_world().await;
    let id = s(&referral, "id");
    let thread = s(&source, "conversation_id");
    let r = referral_action(&w.sun, &id, "accept", json!({ "assignee_id": w.li.user_id() })).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // the outcome post fails inside the database: the completion must not stay behind without it
    let db = w.app.db.connect().await;
    db.batch_execute(
        "create function refuse_outcomes() returns trigger language plpgsql as $$ \
         begin if new.system->>'event' = 'referral_completed' then raise exception 'outcome refused'; end if; return new; end $$; \
         create trigger refuse_outcomes before insert on messages for each row execute function refuse_outcomes();",
    )
    .await
    .expect("install the failing trigger");
    let outcome = "肾动脉支架植入术后，血压135/80mmHg，回基层随访。";
    let r = referral_action(&w.li, &id, "complete", json!({ "outcome": outcome })).await;
    assert_eq!(r.status, 500, "{}", r.body);
    let now = w.ma.get(&format!("/api/v1/referrals/{id}")).await;
    assert_eq!(
        now.body["status"], "accepted",
        "the completion rolled back: {}",
        now.body
    );
    assert!(now.body.get("outcome").is_none(), "{}", now.body);
    assert!(
        message_items(&w.ma, &thread)
            .await
            .iter()
            .all(|m| m["system"]["event"] != "referral_completed"),
        "no outcome without its completion"
    );
    assert!(
        w.audit_of("referral", &id)
            .await
            .iter()
            .all(|e| e["action"] != "referral_completed"),
        "no completion is audited"
    );

    // once the post can be stored, the completion and its message arrive together
    db.batch_execute("drop trigger refuse_outcomes on messages")
        .await
        .expect("drop the trigger");
    let r = referral_action(&w.li, &id, "complete", json!({ "outcome": outcome })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    let posted: Vec<_> = message_items(&w.ma, &thread)
        .await
        .into_iter()
        .filter(|m| m["system"]["event"] == "referral_completed")
        .collect();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(
        posted[0]["body"].as_str().unwrap_or_default().contains(outcome),
        "{}",
        posted[0]
    );
    assert_eq!(posted[0]["sender_id"], w.li.user_id());
    w.audited_once("referral", &id, "referral_completed").await;
}

#[tokio::test]
async fn the_receiving_team_declines() {
    let (w, _source, referral) = referred_world().await;
    let id = s(&referral, "id");
    let target_id = s(&referral, "target_case_id");
    assert_error(
        &referral_action(&w.li, &id, "decline", json!({ "reason": "不收" })).await,
        403,
        "a receiving specialist declines",
    );
    assert_error(
        &referral_action(&w.wang, &id, "decline", json!({})).await,
        400,
        "a decline without a reason",
    );
    let reason = "本院床位已满，建议转市第一人民医院心内科。";
    let r = referral_action(&w.wang, &id, "decline", json!({ "reason": reason })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "declined");
    assert_eq!(r.body["decline_reason"], reason);
    let target = case_of(&w.ma, &target_id).await;
    assert_eq!(target["status"], "closed");
    assert_eq!(target["decline_reason"], reason);
    assert!(queue(&w.sun, &w.expert).await.is_empty());
    for (who, action, body) in [
        (&w.ma, "cancel", json!({})),
        (&w.sun, "accept", json!({})),
        (&w.sun, "complete", json!({ "outcome": "无" })),
    ] {
        assert_conflict_naming(
            &referral_action(who, &id, action, body).await,
            "declined",
            &format!("{action} a declined referral"),
        );
    }
    let audit = w.audited_once("referral", &id, "referral_declined").await;
    assert_eq!(audit["actor_id"], w.wang.user_id());
}

#[tokio::test]
async fn the_referring_side_cancels() {
    let (w, source, referral) = referred_world().await;
    let id = s(&referral, "id");
    let target_id = s(&referral, "target_case_id");
    assert_error(
        &referral_action(&w.sun, &id, "cancel", json!({})).await,
        403,
        "the receiving team cancels",
    );
    let r = referral_action(&w.huang, &id, "cancel", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(case_of(&w.sun, &target_id).await["status"], "closed");
    assert!(
        queue(&w.sun, &w.expert).await.is_empty(),
        "the linked case left the queue"
    );
    for (who, action) in [(&w.ma, "cancel"), (&w.sun, "accept")] {
        assert_conflict_naming(
            &referral_action(who, &id, action, json!({})).await,
            "cancelled",
            &format!("{action} a cancelled referral"),
        );
    }
    assert_eq!(
        w.audited_once("referral", &id, "referral_cancelled").await["actor_id"],
        w.huang.user_id()
    );

    // after a cancellation the case may be referred again; an accepted one can be withdrawn too
    let again = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let again_id = s(&again, "id");
    let r = referral_action(&w.zhou, &again_id, "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        case_of(&w.sun, &s(&again, "target_case_id")).await["status"],
        "triage",
        "accepted without an assignee, the linked case still waits for triage"
    );
    let r = referral_action(&w.ma, &again_id, "cancel", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
}

#[tokio::test]
async fn referrals_that_cannot_be_made() {
    let w = World::new().await;
    let source = hypertension_case(&w).await;
    let case_id = s(&source, "id");
    assert_error(
        &try_refer(&w.ma, &case_id, &w.county, "up", REFER_UP).await,
        400,
        "a referral to the same team",
    );
    assert_error(
        &try_refer(&w.ma, &case_id, &uuid::Uuid::now_v7().to_string(), "up", REFER_UP).await,
        400,
        "a referral to no team",
    );
    assert_error(
        &try_refer(&w.ma, &case_id, &w.expert, "sideways", REFER_UP).await,
        400,
        "an unknown direction",
    );
    assert_error(
        &try_refer(&w.ma, &case_id, &w.expert, "up", " ").await,
        400,
        "no reason",
    );
    let closed_team = fixtures::create_team_with(&w.app.admin, "已撤销的心内科团队", "心血管内科", &w.wang).await;
    fixtures::archive_team(&w.app.admin, &closed_team).await;
    assert_error(
        &try_refer(&w.ma, &case_id, &closed_team, "up", REFER_UP).await,
        409,
        "a referral to an archived team",
    );
    for stranger in [&w.sun, &w.zhao, &w.app.admin] {
        assert_error(
            &try_refer(stranger, &case_id, &w.expert, "up", REFER_UP).await,
            404,
            &format!("{} refers a case they cannot see", stranger.username()),
        );
    }
    assert_eq!(w.count("select count(*) from referrals").await, 0);
    assert_eq!(
        w.count("select count(*) from cases").await,
        1,
        "no linked case was left behind"
    );

    refer(&w.ma, &case_id, &w.expert, "up", REFER_UP).await;
    assert_error(
        &try_refer(&w.huang, &case_id, &w.expert, "up", REFER_UP).await,
        409,
        "a second open referral to the same team",
    );
    // the referring side follows the linked case but does not refer it onwards
    let target = s(
        &w.ma.get("/api/v1/referrals?box=outgoing").await.body["items"][0],
        "target_case_id",
    );
    assert_error(
        &try_refer(&w.ma, &target, &w.resp, "up", REFER_UP).await,
        403,
        "the referring side refers the linked case",
    );
    assert_eq!(
        crate::support::patch_case(&w.ma, &case_id, json!({ "status": "closed" }))
            .await
            .status,
        200
    );
    assert_conflict_naming(
        &try_refer(&w.ma, &case_id, &w.resp, "up", REFER_UP).await,
        "closed",
        "a referral of a closed case",
    );
}

#[tokio::test]
async fn an_expert_refers_a_patient_down_for_follow_up() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let reason = "PCI术后病情稳定，转回基层随访：双抗12个月，每月复查血脂、肝功能。";
    let referral = refer(&w.li, &s(&case, "id"), &w.county, "down", reason).await;
    assert_eq!(referral["direction"], "down");
    assert_eq!(referral["from_team_id"], w.expert.as_str());
    assert_eq!(referral["to_team_id"], w.county.as_str());
    let id = s(&referral, "id");
    let target_id = s(&referral, "target_case_id");
    assert_eq!(queue(&w.he, &w.county).await, [target_id.as_str()]);

    assert_error(
        &referral_action(&w.ma, &id, "accept", json!({ "assignee_id": w.ma.user_id() })).await,
        403,
        "a grassroots doctor accepts",
    );
    let r = referral_action(&w.he, &id, "accept", json!({ "assignee_id": w.ma.user_id() })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(case_of(&w.li, &target_id).await["assignee_id"], w.ma.user_id());
    let outcome = "随访1月：无胸痛发作，LDL-C 1.6 mmol/L，继续当前方案。";
    let r = referral_action(&w.ma, &id, "complete", json!({ "outcome": outcome })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    let back = message_items(&w.li, &s(&case, "conversation_id")).await;
    assert!(
        back.iter()
            .any(|m| m["body"].as_str().unwrap_or_default().contains(outcome)),
        "the follow-up outcome reaches the expert case: {back:?}"
    );
}

#[tokio::test]
async fn triaging_a_referred_case_moves_its_referral() {
    let (w, source, referral) = referred_world().await;
    let target_id = s(&referral, "target_case_id");
    assert_error(
        &triage(&w.sun, &target_id, json!({ "action": "transfer", "team_id": w.resp })).await,
        409,
        "a referred case is not transferred",
    );
    let r = triage(
        &w.sun,
        &target_id,
        json!({ "action": "assign", "assignee_id": w.li.user_id() }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let now = w.ma.get(&format!("/api/v1/referrals/{}", s(&referral, "id"))).await;
    assert_eq!(
        now.body["status"], "accepted",
        "assigning the linked case accepts the referral"
    );

    let second = refer(
        &w.ma,
        &s(&source, "id"),
        &w.resp,
        "up",
        "合并慢阻肺急性加重，请呼吸科评估。",
    )
    .await;
    let r = triage(
        &w.qian,
        &s(&second, "target_case_id"),
        json!({ "action": "decline", "reason": "已由心内科收治，无需重复转诊" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let now = w.ma.get(&format!("/api/v1/referrals/{}", s(&second, "id"))).await;
    assert_eq!(
        now.body["status"], "declined",
        "declining the linked case declines the referral"
    );
    assert_eq!(now.body["decline_reason"], "已由心内科收治，无需重复转诊");
}

#[tokio::test]
async fn a_referral_moved_by_triage_is_audited_as_a_referral_transition() {
    let (w, source, referral) = referred_world().await;
    let id = s(&referral, "id");
    assign(&w.sun, &s(&referral, "target_case_id"), &w.li).await;
    assert_eq!(
        w.ma.get(&format!("/api/v1/referrals/{id}")).await.body["status"],
        "accepted"
    );
    let accepted = w.audited_once("referral", &id, "referral_accepted").await;
    assert_eq!(accepted["actor_id"], w.sun.user_id());

    let second = refer(
        &w.ma,
        &s(&source, "id"),
        &w.resp,
        "up",
        "合并慢阻肺急性加重，请呼吸科评估。",
    )
    .await;
    let second_id = s(&second, "id");
    let r = triage(
        &w.qian,
        &s(&second, "target_case_id"),
        json!({ "action": "decline", "reason": "无需转诊" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let declined = w.audited_once("referral", &second_id, "referral_declined").await;
    assert_eq!(declined["actor_id"], w.qian.user_id());
}

#[tokio::test]
async fn a_cases_referrals_show_the_whole_history_on_both_sides() {
    let (w, source, up) = referred_world().await;
    let up_id = s(&up, "id");
    let target = s(&up, "target_case_id");
    let r = referral_action(&w.sun, &up_id, "accept", json!({ "assignee_id": w.li.user_id() })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = referral_action(&w.li, &up_id, "complete", json!({ "outcome": "已调整降压方案" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // the expert sends the same patient back down from the linked case
    let down = refer(&w.li, &target, &w.county, "down", "血压达标，转回基层随访。").await;
    let down_id = s(&down, "id");

    assert_eq!(case_referrals(&w.ma, &s(&source, "id")).await, [up_id.as_str()]);
    assert_eq!(case_referrals(&w.li, &target).await, [up_id.as_str(), down_id.as_str()]);
    assert_eq!(
        case_referrals(&w.huang, &target).await,
        [up_id.as_str(), down_id.as_str()],
        "the referring side sees the linked case's history too"
    );
    let back_down = s(&down, "target_case_id");
    assert_eq!(case_referrals(&w.he, &back_down).await, [down_id.as_str()]);
    assert_eq!(case_referrals(&w.wang, &back_down).await, [down_id.as_str()]);
    let listed = w.ma.get(&format!("/api/v1/cases/{}/referrals", s(&source, "id"))).await;
    assert_eq!(listed.body[0]["status"], "completed");
    assert_eq!(listed.body[0]["outcome"], "已调整降压方案");
    assert_error(
        &w.zhao.get(&format!("/api/v1/cases/{target}/referrals")).await,
        404,
        "an outsider reads the referral history",
    );
}

#[tokio::test]
async fn two_assistants_racing_to_accept_a_referral_one_wins() {
    let w = World::new().await;
    for round in 0..5 {
        let source = hypertension_case(&w).await;
        let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
        let id = s(&referral, "id");
        let (by_sun, by_zhou) = tokio::join!(
            referral_action(&w.sun, &id, "accept", json!({ "assignee_id": w.li.user_id() })),
            referral_action(&w.zhou, &id, "accept", json!({ "assignee_id": w.chen.user_id() })),
        );
        let mut statuses = [by_sun.status, by_zhou.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: sun got {} {}, zhou got {} {}",
            by_sun.status,
            by_sun.body,
            by_zhou.status,
            by_zhou.body
        );
        let (loser, assignee) = if by_sun.status == 200 {
            (&by_zhou, w.li.user_id())
        } else {
            (&by_sun, w.chen.user_id())
        };
        assert_conflict_naming(loser, "accepted", &format!("round {round}: the slower assistant"));
        let target = case_of(&w.wang, &s(&referral, "target_case_id")).await;
        assert_eq!(
            target["assignee_id"],
            assignee.as_str(),
            "round {round}: the winner's assignee"
        );
    }
}

/// Two doors into the same decision: assigning the linked case in triage
/// accepts its referral, and accepting the referral takes the linked case.
/// Done at the same moment, one may find the other's work (409) or both may
/// succeed, but neither may fail with a server error.
#[tokio::test]
async fn triage_and_referral_acceptance_at_the_same_moment_do_not_fail() {
    let w = World::new().await;
    for round in 0..10 {
        let source = hypertension_case(&w).await;
        let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
        let id = s(&referral, "id");
        let target_id = s(&referral, "target_case_id");
        let (by_triage, by_accept) = tokio::join!(
            triage(
                &w.sun,
                &target_id,
                json!({ "action": "assign", "assignee_id": w.li.user_id() })
            ),
            referral_action(
                &w.zhou,
                &id,
                "accept",
                json!({ "appointment_at": "2026-12-02T00:30:00Z" })
            ),
        );
        for (what, r) in [("assign", &by_triage), ("accept", &by_accept)] {
            assert!(
                r.status == 200 || r.status == 409,
                "round {round}: {what} answered {} {} (the other answered {} {})",
                r.status,
                r.body,
                if what == "assign" {
                    by_accept.status
                } else {
                    by_triage.status
                },
                if what == "assign" {
                    &by_accept.body
                } else {
                    &by_triage.body
                },
            );
        }
        assert!(
            by_triage.status == 200 || by_accept.status == 200,
            "round {round}: neither went through"
        );
        let now = w.ma.get(&format!("/api/v1/referrals/{id}")).await;
        assert_eq!(now.body["status"], "accepted", "round {round}: {}", now.body);
        let target = case_of(&w.sun, &target_id).await;
        if by_triage.status == 200 {
            assert_eq!(target["status"], "open", "round {round}");
            assert_eq!(target["assignee_id"], w.li.user_id(), "round {round}");
        }
    }
}

#[tokio::test]
async fn triage_cannot_decline_a_referral_already_accepted() {
    let (w, _source, referral) = referred_world().await;
    let target = s(&referral, "target_case_id");
    // accepted without an assignee: the linked case still waits in the queue
    let r = referral_action(&w.sun, &s(&referral, "id"), "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(case_of(&w.sun, &target).await["status"], "triage");
    let r = triage(&w.sun, &target, json!({ "action": "decline", "reason": "不收" })).await;
    assert_conflict_naming(&r, "accepted", "declining the case of an accepted referral");
    assert_eq!(case_of(&w.sun, &target).await["status"], "triage");
    // assigning it is still the way forward
    assign(&w.sun, &target, &w.li).await;
}

#[tokio::test]
async fn a_patient_record_is_reused_only_by_a_team_that_treats_the_patient() {
    let (w, source, _referral) = referred_world().await;
    let patient = s(&source["patient"], "id");
    // the expert team now treats the patient through the linked case: it may reuse the record
    let r =
        w.li.post(
            &format!("/api/v1/teams/{}/cases", w.expert),
            &json!({ "patient_id": patient, "title": "复诊" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // the respiratory team never had this patient
    let r = w
        .qian
        .post(
            &format!("/api/v1/teams/{}/cases", w.resp),
            &json!({ "patient_id": patient, "title": "借用病人" }),
        )
        .await;
    assert_error(&r, 400, "reusing another team's patient");
}
