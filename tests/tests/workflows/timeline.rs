//! The thread as the record (SPEC §8): each step of a case, consult or
//! referral appears in its thread as a system message, in seq order with
//! the talk, live; and each thread says what it is about (`context`).

use consilium_tests::ws::WsClient;
use serde_json::{Value, json};

use crate::support::{
    REFER_UP, World, assign, case_of, chest_pain_case, consult_action, hypertension_case, intake, message_items,
    opinion, post_message, refer, referral_action, request_consult, s,
};

/// The system entries of a thread as `(event, sender)`, in seq order.
fn timeline(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .filter(|m| m["kind"] == "system")
        .map(|m| {
            (
                m["system"]["event"].as_str().unwrap_or_default().to_owned(),
                m["sender_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn seqs_in_order(items: &[Value]) {
    let seqs: Vec<i64> = items.iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless, in order");
}

#[tokio::test]
async fn triage_steps_are_posted_into_the_case_thread_live() {
    let w = World::new().await;
    let case = intake(
        &w.zhao,
        &w.expert,
        "张三",
        "胸痛待查",
        "胸痛3天，心电图ST段抬高",
        "urgent",
    )
    .await;
    let thread = s(&case, "conversation_id");
    let mut li_ws = WsClient::connect_as(&w.li).await;
    assign(&w.sun, &s(&case, "id"), &w.li).await;
    let live = li_ws
        .expect(|e| e["type"] == "message" && e["message"]["kind"] == "system")
        .await;
    assert_eq!(live["message"]["conversation_id"], thread.as_str());
    assert_eq!(
        live["message"]["system"],
        json!({ "event": "case_assigned", "assignee_id": w.li.user_id(), "assignee_name": "李强" })
    );
    assert_eq!(live["message"]["sender_id"], w.sun.user_id());
    post_message(&w.li, &thread, "li-1", "已接诊，安排急诊冠脉造影").await;
    let r =
        w.li.patch(
            &format!("/api/v1/cases/{}", s(&case, "id")),
            &json!({ "status": "closed" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = message_items(&w.wang, &thread).await;
    seqs_in_order(&items);
    assert_eq!(
        timeline(&items),
        [
            ("case_assigned".to_owned(), w.sun.user_id()),
            ("case_status_changed".to_owned(), w.li.user_id())
        ]
    );
    assert_eq!(items[1]["kind"], "user");
    assert_eq!(items[2]["system"]["status"], "closed");

    // a timeline entry is the record: nobody edits it or reacts to it
    let entry = format!("/api/v1/conversations/{thread}/messages/1");
    let r = w.sun.put(&entry, &json!({ "body": "改写" })).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (409, json!("system_message")),
        "{}",
        r.body
    );
    let r = w.li.put(&format!("{entry}/reactions/%F0%9F%91%8D"), &json!({})).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (409, json!("system_message")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_consult_leaves_its_steps_and_opinion_in_both_threads() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let case_thread = s(&case, "conversation_id");
    let consult = request_consult(&w.li, &s(&case, "id"), &[&w.qian]).await;
    let consult_thread = s(&consult, "conversation_id");
    let r = consult_action(&w.qian, &s(&consult, "id"), "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    post_message(&w.qian, &consult_thread, "q-1", "请补充血常规").await;
    let r = consult_action(&w.qian, &s(&consult, "id"), "complete", opinion()).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let items = message_items(&w.li, &consult_thread).await;
    seqs_in_order(&items);
    let events: Vec<String> = timeline(&items).into_iter().map(|(e, _)| e).collect();
    assert_eq!(events, ["consult_requested", "consult_accepted", "consult_completed"]);
    assert_eq!(items[0]["system"]["consultant_names"], json!(["钱明"]));
    assert_eq!(items[0]["system"]["urgency"], "urgent");
    let done = items.last().expect("entries");
    assert_eq!(done["sender_id"], w.qian.user_id());
    assert_eq!(done["system"]["assessment"], opinion()["opinion"]["assessment"]);
    assert_eq!(done["system"]["recommendation"], opinion()["opinion"]["recommendation"]);
    // the case's own thread records the request and the opinion
    let events: Vec<String> = timeline(&message_items(&w.wang, &case_thread).await)
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(events, ["consult_requested", "consult_completed"]);
    // and search finds the opinion's text
    let found =
        w.li.get(&format!(
            "/api/v1/search?q={}&kind=messages",
            consilium_tests::fixtures::encode_query("头孢曲松")
        ))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(
        found.body["messages"].as_array().map(Vec::len),
        Some(2),
        "{}",
        found.body
    );
}

#[tokio::test]
async fn a_referral_is_told_in_its_thread_and_back_in_the_referring_case() {
    let w = World::new().await;
    let source = hypertension_case(&w).await;
    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let id = s(&referral, "id");
    let r = referral_action(
        &w.sun,
        &id,
        "accept",
        json!({ "assignee_id": w.li.user_id(), "appointment_at": "2026-12-20T01:30:00Z" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let outcome = "肾动脉支架植入术后，血压135/80mmHg，回基层随访。";
    let r = referral_action(&w.li, &id, "complete", json!({ "outcome": outcome })).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let thread = message_items(&w.ma, &s(&referral, "conversation_id")).await;
    let events: Vec<String> = timeline(&thread).into_iter().map(|(e, _)| e).collect();
    assert_eq!(events, ["referral_created", "referral_accepted", "referral_completed"]);
    assert_eq!(thread[0]["system"]["direction"], "up");
    assert_eq!(thread[0]["system"]["to_team_name"], "王建国心血管专家团队");
    assert_eq!(thread[1]["system"]["assignee_name"], "李强");
    assert_eq!(thread[1]["system"]["appointment_at"], "2026-12-20T01:30:00Z");
    let back = message_items(&w.ma, &s(&source, "conversation_id")).await;
    let last = back.last().expect("entries");
    assert_eq!(
        last["system"],
        json!({ "event": "referral_completed", "outcome": outcome })
    );
    assert_eq!(last["body"], outcome, "the outcome is the body too, for search");
    // the receiving side's case records the assignment
    let target = case_of(&w.li, &s(&referral, "target_case_id")).await;
    let entries = timeline(&message_items(&w.li, &s(&target, "conversation_id")).await);
    assert_eq!(entries, [("case_assigned".to_owned(), w.sun.user_id())]);
}

#[tokio::test]
async fn threads_about_one_patient_tell_themselves_apart() {
    let w = World::new().await;
    let source = hypertension_case(&w).await;
    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let mine = w.ma.get("/api/v1/conversations").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let find = |list: &Value, id: &str| -> Value {
        list.as_array()
            .and_then(|l| l.iter().find(|c| c["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in {list}"))
    };
    let case_thread = find(&mine.body, &s(&source, "conversation_id"));
    let context = &case_thread["context"];
    assert_eq!(context["patient"], json!({ "name": "赵六", "sex": "male", "age": 71 }));
    assert_eq!(context["priority"], "urgent");
    assert_eq!(context["status"], "open");
    assert_eq!(context["team_name"], "青山镇卫生院全科团队");
    assert_eq!(context["case_title"], "高血压3级 血压控制不佳");
    assert!(context.get("referral_direction").is_none(), "{context}");
    let referral_thread = find(&mine.body, &s(&referral, "conversation_id"));
    assert_eq!(referral_thread["context"]["referral_direction"], "up");
    assert_eq!(referral_thread["context"]["other_team_name"], "王建国心血管专家团队");
    assert_eq!(referral_thread["context"]["referral_status"], "pending");
    // the team channel is about no patient
    let channel = mine
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["kind"] == "team")
        .cloned()
        .expect("channel");
    assert!(channel.get("context").is_none(), "{channel}");

    // a consult thread names its question; the websocket snapshot carries the same
    let case = chest_pain_case(&w.li, &w.expert).await;
    let consult = request_consult(&w.li, &s(&case, "id"), &[&w.qian]).await;
    let ws = WsClient::connect_as(&w.qian).await;
    let thread = ws.ready["conversations"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == consult["conversation_id"]))
        .cloned()
        .expect("the consult thread in ready");
    assert!(
        thread["context"]["consult_question"]
            .as_str()
            .unwrap_or_default()
            .contains("肺部感染")
    );
    assert_eq!(thread["context"]["consult_status"], "requested");
    assert_eq!(thread["context"]["other_team_name"], Value::Null);
}
