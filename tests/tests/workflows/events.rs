//! Live events of the clinical workflows (spec section 4: `case_updated`,
//! `triage_changed`, `consult_updated`, `referral_updated`, and the
//! conversations people gain and lose), on the in-process bus and on Redis.
//! Sockets connect before the step they watch; every wait has a timeout, and
//! the only deliberate pauses prove that outsiders hear nothing.

use consilium_tests::ws::{WsClient, message_in};
use serde_json::{Value, json};

use crate::support::{
    Bus, QUIET, REFER_UP, World, any_clinical_event, assign, case_body, case_updated, chest_pain_case, consult_action,
    consult_updated, conversation_added, conversation_removed, hypertension_case, intake, on_both_buses, opinion,
    patch_case, post_message, refer, referral_action, referral_updated, request_consult, s, triage, triage_changed,
};

/// `triage_changed` for `case` in `team`'s queue, with the case in `status`.
fn queue_event(team: &str, case: &str, status: &str) -> impl Fn(&Value) -> bool + use<> {
    let matches = triage_changed(team, case);
    let status = status.to_owned();
    move |v| matches(v) && v["case"]["status"] == status.as_str()
}

/// Any `triage_changed` naming `team`.
fn any_queue_event_of(team: &str) -> impl Fn(&Value) -> bool + use<> {
    let team = team.to_owned();
    move |v| v["type"] == "triage_changed" && v["team_id"] == team.as_str()
}

async fn an_intake_reaches_the_team_and_its_assignment_follows(bus: Bus) {
    let w = World::on(bus).await;
    let mut sun = WsClient::connect_as(&w.sun).await;
    let mut li = WsClient::connect_as(&w.li).await;
    let mut wang = WsClient::connect_as(&w.wang).await;
    let mut liu = WsClient::connect_as(&w.liu).await;
    let mut submitter = WsClient::connect_as(&w.ma).await;
    let mut outsider = WsClient::connect_as(&w.zhao).await;
    let mut other_team = WsClient::connect_as(&w.qian).await;

    let case = intake(
        &w.ma,
        &w.expert,
        "李四",
        "胸痛待查",
        "女，62岁。活动后胸闷胸痛1月。既往冠心病史。",
        "urgent",
    )
    .await;
    let id = s(&case, "id");
    let conv = s(&case, "conversation_id");
    for ws in [&mut sun, &mut li, &mut wang, &mut liu] {
        let event = ws.expect(queue_event(&w.expert, &id, "triage")).await;
        assert_eq!(event["case"]["patient"]["name"], "李四");
        assert_eq!(event["case"]["priority"], "urgent");
        let added = ws.expect(conversation_added(&conv)).await;
        assert_eq!(added["conversation"]["kind"], "case");
        assert_eq!(added["conversation"]["case_id"], id.as_str());
    }
    submitter.expect(case_updated(&id, "triage")).await;

    assign(&w.sun, &id, &w.li).await;
    for ws in [&mut sun, &mut li, &mut wang, &mut liu] {
        let event = ws.expect(queue_event(&w.expert, &id, "open")).await;
        assert_eq!(event["case"]["assignee_id"], w.li.user_id());
    }
    for ws in [&mut li, &mut wang, &mut sun] {
        let event = ws.expect(case_updated(&id, "open")).await;
        assert_eq!(event["case"]["assignee_id"], w.li.user_id());
    }
    // the submitter follows the status, but is not told about the team's queue or thread
    let event = submitter.expect(case_updated(&id, "open")).await;
    assert_eq!(event["case"]["assignee_id"], w.li.user_id());
    tokio::join!(
        submitter.expect_no_event(
            |v: &Value| v["type"] == "triage_changed" || conversation_added(&conv)(v),
            QUIET
        ),
        outsider.expect_no_event(any_clinical_event, QUIET),
        other_team.expect_no_event(any_clinical_event, QUIET),
    );
}

async fn a_case_opened_by_a_member_reaches_the_team(bus: Bus) {
    let w = World::on(bus).await;
    let mut chen = WsClient::connect_as(&w.chen).await;
    let mut sun = WsClient::connect_as(&w.sun).await;
    let mut outsider = WsClient::connect_as(&w.zhao).await;

    let case = chest_pain_case(&w.li, &w.expert).await;
    let id = s(&case, "id");
    let conv = s(&case, "conversation_id");
    for ws in [&mut chen, &mut sun] {
        ws.expect(case_updated(&id, "open")).await;
        ws.expect(conversation_added(&conv)).await;
    }
    // the team discusses it live
    post_message(&w.li, &conv, "li-ecg", "心电图见V1–V4 ST段压低，请大家看看。").await;
    let message = chen.expect(message_in(&conv)).await;
    assert_eq!(message["message"]["sender_id"], w.li.user_id());

    let r = patch_case(&w.li, &id, json!({ "status": "closed" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    chen.expect(case_updated(&id, "closed")).await;
    sun.expect(case_updated(&id, "closed")).await;
    // a case that never waited in triage does not touch the queue
    tokio::join!(
        sun.expect_no_event(any_queue_event_of(&w.expert), QUIET),
        outsider.expect_no_event(any_clinical_event, QUIET),
    );
}

async fn a_transfer_moves_the_case_between_queues(bus: Bus) {
    let w = World::on(bus).await;
    let case = intake(
        &w.zhao,
        &w.expert,
        "李四",
        "咳嗽咳痰2周伴发热",
        "女，64岁。咳黄痰、发热，胸片示右下肺渗出影。",
        "urgent",
    )
    .await;
    let id = s(&case, "id");
    let conv = s(&case, "conversation_id");
    let mut sun = WsClient::connect_as(&w.sun).await;
    let mut li = WsClient::connect_as(&w.li).await;
    let mut qian = WsClient::connect_as(&w.qian).await;
    let mut xu = WsClient::connect_as(&w.xu).await;
    let mut submitter = WsClient::connect_as(&w.zhao).await;
    let mut bystander = WsClient::connect_as(&w.ma).await;

    let r = triage(
        &w.sun,
        &id,
        json!({ "action": "transfer", "team_id": w.resp, "note": "考虑肺炎，转呼吸科" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // the old team's queue loses it, and so does its members' list of conversations
    for ws in [&mut sun, &mut li] {
        let event = ws.expect(triage_changed(&w.expert, &id)).await;
        assert_eq!(event["case"]["team_id"], w.resp.as_str());
        ws.expect(conversation_removed(&conv)).await;
    }
    // the new team's queue gains it, with its thread
    for ws in [&mut qian, &mut xu] {
        let event = ws.expect(queue_event(&w.resp, &id, "triage")).await;
        assert_eq!(event["case"]["team_id"], w.resp.as_str());
        ws.expect(conversation_added(&conv)).await;
    }
    let event = submitter.expect(case_updated(&id, "triage")).await;
    assert_eq!(event["case"]["team_id"], w.resp.as_str());

    assign(&w.qian, &id, &w.xu).await;
    xu.expect(case_updated(&id, "open")).await;
    qian.expect(queue_event(&w.resp, &id, "open")).await;
    submitter.expect(case_updated(&id, "open")).await;
    tokio::join!(
        sun.expect_no_event(case_updated(&id, "open"), QUIET),
        bystander.expect_no_event(any_clinical_event, QUIET),
    );
}

async fn consultants_hear_of_their_consults(bus: Bus) {
    let w = World::on(bus).await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let case_id = s(&case, "id");
    let case_conv = s(&case, "conversation_id");
    let mut li = WsClient::connect_as(&w.li).await;
    let mut wang = WsClient::connect_as(&w.wang).await;
    let mut qian = WsClient::connect_as(&w.qian).await;
    let mut xu = WsClient::connect_as(&w.xu).await;
    let mut outsider = WsClient::connect_as(&w.zhao).await;

    let consult = request_consult(&w.li, &case_id, &[&w.qian]).await;
    let id = s(&consult, "id");
    let consult_conv = s(&consult, "conversation_id");
    // being named brings the case thread and the consult thread
    let added = qian.expect(conversation_added(&case_conv)).await;
    assert_eq!(added["conversation"]["kind"], "case");
    let added = qian.expect(conversation_added(&consult_conv)).await;
    assert_eq!(added["conversation"]["kind"], "consult");
    assert_eq!(added["conversation"]["consult_id"], id.as_str());
    let event = qian.expect(consult_updated(&id, "requested")).await;
    assert_eq!(event["consult"]["case_id"], case_id.as_str());
    for ws in [&mut li, &mut wang] {
        ws.expect(consult_updated(&id, "requested")).await;
        ws.expect(conversation_added(&consult_conv)).await;
    }
    // the discussion now reaches the consultant live
    post_message(&w.li, &case_conv, "li-q", "钱主任，患者今晨体温39℃，咳黄痰。").await;
    let message = qian.expect(message_in(&case_conv)).await;
    assert_eq!(message["message"]["client_msg_id"], "li-q");

    let r = consult_action(&w.qian, &id, "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut li, &mut wang, &mut qian] {
        ws.expect(consult_updated(&id, "accepted")).await;
    }
    let r = consult_action(&w.qian, &id, "complete", opinion()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let event = li.expect(consult_updated(&id, "completed")).await;
    assert_eq!(event["consult"]["opinion"], opinion()["opinion"]);
    qian.expect(consult_updated(&id, "completed")).await;
    tokio::join!(
        xu.expect_no_event(any_clinical_event, QUIET),
        outsider.expect_no_event(any_clinical_event, QUIET),
    );

    // declining takes the other case's thread away, live
    let other = crate::support::open_case(
        &w.chen,
        &w.expert,
        case_body(
            json!({ "name": "王五", "sex": "male", "birth_date": "1949-01-30" }),
            "慢性心衰急性加重",
            "男，77岁，慢阻肺病史20年，气促加重3天。",
            "urgent",
        ),
    )
    .await;
    let other_conv = s(&other, "conversation_id");
    let second = request_consult(&w.chen, &s(&other, "id"), &[&w.qian]).await;
    let second_id = s(&second, "id");
    qian.expect(conversation_added(&other_conv)).await;
    qian.expect(consult_updated(&second_id, "requested")).await;
    let r = consult_action(
        &w.qian,
        &second_id,
        "decline",
        json!({ "reason": "建议请徐磊医师会诊" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let event = qian.expect(consult_updated(&second_id, "declined")).await;
    assert_eq!(event["consult"]["decline_reason"], "建议请徐磊医师会诊");
    qian.expect(conversation_removed(&other_conv)).await;
    wang.expect(consult_updated(&second_id, "declined")).await;
    // the consult thread stays (the consultant still sees the consult), and so does the first case
    qian.expect_no_event(
        |v: &Value| {
            v["type"] == "conversation_removed"
                && (v["conversation_id"] == s(&second, "conversation_id").as_str()
                    || v["conversation_id"] == case_conv.as_str())
        },
        QUIET,
    )
    .await;
}

async fn both_teams_follow_a_referral(bus: Bus) {
    let w = World::on(bus).await;
    let source = hypertension_case(&w).await;
    let mut ma = WsClient::connect_as(&w.ma).await;
    let mut huang = WsClient::connect_as(&w.huang).await;
    let mut sun = WsClient::connect_as(&w.sun).await;
    let mut li = WsClient::connect_as(&w.li).await;
    let mut outsider = WsClient::connect_as(&w.zhao).await;
    let mut other_team = WsClient::connect_as(&w.qian).await;

    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let id = s(&referral, "id");
    let target = s(&referral, "target_case_id");
    let thread = s(&referral, "conversation_id");
    let target_conv = {
        let r = w.sun.get(&format!("/api/v1/cases/{target}")).await;
        s(&r.body, "conversation_id")
    };
    // the receiving team: the linked case enters its queue
    for ws in [&mut sun, &mut li] {
        let event = ws.expect(queue_event(&w.expert, &target, "triage")).await;
        assert_eq!(event["case"]["source"], "referral");
        assert_eq!(event["case"]["patient"]["name"], "赵六");
        ws.expect(referral_updated(&id, "pending")).await;
        ws.expect(conversation_added(&thread)).await;
        ws.expect(conversation_added(&target_conv)).await;
    }
    // the referring team: the referral, its thread, and the linked case's thread
    for ws in [&mut ma, &mut huang] {
        let event = ws.expect(referral_updated(&id, "pending")).await;
        assert_eq!(event["referral"]["target_case_id"], target.as_str());
        let added = ws.expect(conversation_added(&thread)).await;
        assert_eq!(added["conversation"]["kind"], "referral");
        ws.expect(conversation_added(&target_conv)).await;
    }

    let r = referral_action(
        &w.sun,
        &id,
        "accept",
        json!({ "assignee_id": w.li.user_id(), "appointment_at": "2026-12-01T01:30:00Z" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut ma, &mut huang, &mut sun, &mut li] {
        let event = ws.expect(referral_updated(&id, "accepted")).await;
        assert!(event["referral"]["appointment_at"].is_string(), "{event}");
    }
    sun.expect(queue_event(&w.expert, &target, "open")).await;
    let event = li.expect(case_updated(&target, "open")).await;
    assert_eq!(event["case"]["assignee_id"], w.li.user_id());
    ma.expect(case_updated(&target, "open")).await;

    let outcome = "已行肾动脉支架植入术，血压135/80mmHg，建议回基层随访。";
    let r = referral_action(&w.li, &id, "complete", json!({ "outcome": outcome })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut ma, &mut huang, &mut sun] {
        let event = ws.expect(referral_updated(&id, "completed")).await;
        assert_eq!(event["referral"]["outcome"], outcome);
    }
    // the outcome is posted into the township case's thread
    let source_conv = s(&source, "conversation_id");
    for ws in [&mut ma, &mut huang] {
        let entry = message_in(&source_conv);
        let posted = ws
            .expect(|e| entry(e) && e["message"]["system"]["event"] == "referral_completed")
            .await;
        assert!(
            posted["message"]["body"].as_str().unwrap_or_default().contains(outcome),
            "{posted}"
        );
    }
    tokio::join!(
        outsider.expect_no_event(any_clinical_event, QUIET),
        other_team.expect_no_event(any_clinical_event, QUIET),
        li.expect_no_event(message_in(&source_conv), QUIET),
    );
}

async fn a_referral_does_not_touch_the_referring_teams_queue(bus: Bus) {
    let w = World::on(bus).await;
    let source = hypertension_case(&w).await;
    let mut ma = WsClient::connect_as(&w.ma).await;
    let mut he = WsClient::connect_as(&w.he).await;
    let mut sun = WsClient::connect_as(&w.sun).await;

    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let id = s(&referral, "id");
    sun.expect(triage_changed(&w.expert, &s(&referral, "target_case_id")))
        .await;
    ma.expect(referral_updated(&id, "pending")).await;
    he.expect(referral_updated(&id, "pending")).await;
    // the township team's own queue is as empty as before: no `triage_changed` may claim otherwise
    let r = w.he.get(&format!("/api/v1/teams/{}/triage", w.county)).await;
    assert_eq!(r.body, json!({ "items": [] }), "{}", r.body);
    tokio::join!(
        ma.expect_no_event(any_queue_event_of(&w.county), QUIET),
        he.expect_no_event(any_queue_event_of(&w.county), QUIET),
    );
}

on_both_buses!(
    an_intake_reaches_the_team_and_its_assignment_follows,
    a_case_opened_by_a_member_reaches_the_team,
    a_transfer_moves_the_case_between_queues,
    consultants_hear_of_their_consults,
    both_teams_follow_a_referral,
    a_referral_does_not_touch_the_referring_teams_queue,
);
