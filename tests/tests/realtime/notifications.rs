//! Notifications (SPEC §7): created by the server from what happened,
//! pushed live to every socket of their user on any node, counted in
//! `ready`, listed and marked read over REST.

use consilium_tests::Api;
use consilium_tests::fixtures;
use consilium_tests::ws::{WsClient, of_type};
use serde_json::{Value, json};

use crate::support::{Bus, QUIET, on_every_bus, world};

fn notification_of(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v["type"] == "notification" && v["notification"]["kind"] == kind
}

async fn intake(api: &Api, team: &str, title: &str) -> Value {
    let r = api
        .post(
            &format!("/api/v1/teams/{team}/intakes"),
            &json!({ "patient": { "name": "张三", "sex": "male" }, "title": title, "summary": "胸痛3天", "priority": "urgent" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn unread(api: &Api) -> Vec<Value> {
    let r = api.get("/api/v1/notifications?unread=true").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// Triage `assign` notifies the assignee, live on the other node, and the
/// notification is counted, listed and marked read.
async fn the_assignee_is_notified_live(bus: Bus) {
    let w = world(bus).await;
    let mut li_ws = w.d.ws(&w.li, 1).await;
    assert_eq!(li_ws.ready["unread_notifications"], 0);
    let case = intake(&w.liu, &w.team, "胸痛待分诊").await;
    let case_id = case["id"].as_str().unwrap();
    let lead = w.d.on(&w.lead, 0);
    let r = lead
        .post(
            &format!("/api/v1/cases/{case_id}/triage"),
            &json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let event = li_ws.expect(notification_of("assigned")).await;
    let n = &event["notification"];
    assert_eq!(n["title"], "胸痛待分诊");
    assert_eq!(n["body"], "Dr dr_wang");
    assert_eq!(n["link"]["case_id"], case_id);
    assert_eq!(n["link"]["conversation_id"], case["conversation_id"]);
    assert!(n.get("read_at").is_none());
    // nobody else was told, the assigner least of all
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    assert_eq!(lead_ws.ready["unread_notifications"], 0);
    lead_ws.expect_no_event(of_type("notification"), QUIET).await;

    // counted in ready on a new socket, listed over REST
    let li_again = w.d.ws(&w.li, 0).await;
    assert_eq!(li_again.ready["unread_notifications"], 1);
    let listed = unread(&w.li).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], n["id"]);

    // marked read: every socket of the user hears the new count
    let r =
        w.li.post("/api/v1/notifications/read", &json!({ "ids": [n["id"]] }))
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({ "marked": 1, "unread": 0 }));
    let read = li_ws.expect(of_type("notifications_read")).await;
    assert_eq!(read["unread"], 0);
    assert!(unread(&w.li).await.is_empty());
    let all = w.li.get("/api/v1/notifications").await;
    assert_eq!(all.body["items"][0]["id"], n["id"]);
    assert!(all.body["items"][0]["read_at"].is_string());
    // marking again changes nothing and announces nothing
    let r = w.li.post("/api/v1/notifications/read", &json!({ "all": true })).await;
    assert_eq!(r.body, json!({ "marked": 0, "unread": 0 }));
    li_ws.expect_no_event(of_type("notifications_read"), QUIET).await;
}

/// Mentions, consults and referrals notify the people they concern.
async fn mentions_consults_and_referrals_notify(bus: Bus) {
    let w = world(bus).await;
    // node 1 is the second process on two nodes, the same node otherwise
    let last = 1;
    let mut liu_ws = w.d.ws(&w.liu, last).await;
    let mut li_ws = w.d.ws(&w.li, 0).await;
    let mut outsider_ws = w.d.ws(&w.outsider, last).await;

    // @mention
    let message = crate::support::post_message(&w.li, &w.channel, "m1", "@dr_liu 请看一下这个心电图").await;
    let n = liu_ws.expect(notification_of("mentioned")).await;
    assert_eq!(n["notification"]["title"], "@dr_liu 请看一下这个心电图");
    assert_eq!(n["notification"]["body"], "Dr dr_li");
    assert_eq!(n["notification"]["link"]["conversation_id"], w.channel.as_str());
    assert_eq!(n["notification"]["link"]["seq"], message["seq"]);

    // a consult: the consultant is asked, the requester hears the answer
    let case = w
        .li
        .post(
            &format!("/api/v1/teams/{}/cases", w.team),
            &json!({ "patient": { "name": "李四", "sex": "female" }, "title": "房颤抗凝", "summary": "", "priority": "routine" }),
        )
        .await;
    assert_eq!(case.status, 201, "{}", case.body);
    let case_id = case.body["id"].as_str().unwrap().to_owned();
    let consult =
        w.li.post(
            &format!("/api/v1/cases/{case_id}/consults"),
            &json!({ "consultant_ids": [w.outsider.user_id()], "question": "是否需要抗凝？", "urgency": "urgent" }),
        )
        .await;
    assert_eq!(consult.status, 201, "{}", consult.body);
    let consult_id = consult.body["id"].as_str().unwrap().to_owned();
    let asked = outsider_ws.expect(notification_of("consult_requested")).await;
    assert_eq!(asked["notification"]["title"], "是否需要抗凝？");
    assert_eq!(asked["notification"]["link"]["consult_id"], consult_id.as_str());
    let outsider = w.d.on(&w.outsider, last);
    assert_eq!(
        outsider
            .post(&format!("/api/v1/consults/{consult_id}/accept"), &json!({}))
            .await
            .status,
        200
    );
    let done = outsider
        .post(
            &format!("/api/v1/consults/{consult_id}/complete"),
            &json!({ "opinion": { "assessment": "CHA2DS2-VASc 3分", "recommendation": "建议抗凝" } }),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let answered = li_ws.expect(notification_of("consult_answered")).await;
    assert_eq!(answered["notification"]["body"], "Dr dr_zhao");

    // a referral: the receiving team's triagers hear of it, the referrer of its acceptance
    let expert_lead = w.d.user("dr_chen").await;
    let assistant = w.d.user("asst_sun").await;
    let expert = fixtures::create_team(&w.d.admin, "陈教授心律失常团队", &expert_lead).await;
    fixtures::add_member(&w.d.admin, &expert, &assistant, "assistant").await;
    let mut assistant_ws = w.d.ws(&assistant, last).await;
    let referral =
        w.li.post(
            &format!("/api/v1/cases/{case_id}/referrals"),
            &json!({ "to_team_id": expert, "direction": "up", "reason": "需要射频消融评估" }),
        )
        .await;
    assert_eq!(referral.status, 201, "{}", referral.body);
    let received = assistant_ws.expect(notification_of("referral_received")).await;
    assert_eq!(received["notification"]["title"], "房颤抗凝");
    assert_eq!(received["notification"]["link"]["referral_id"], referral.body["id"]);
    assert_eq!(fixtures::audit(&w.d.admin, "referral_created").await.len(), 1);
    let referral_id = referral.body["id"].as_str().unwrap();
    let accepted =
        w.d.on(&assistant, last)
            .post(
                &format!("/api/v1/referrals/{referral_id}/accept"),
                &json!({ "assignee_id": expert_lead.user_id() }),
            )
            .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let updated = li_ws.expect(notification_of("referral_updated")).await;
    assert_eq!(updated["notification"]["body"], "Dr asst_sun");
    // accepting with an assignee assigned the linked case to the expert
    let expert_unread = unread(&expert_lead).await;
    assert!(
        expert_unread.iter().any(|n| n["kind"] == "assigned"),
        "{expert_unread:?}"
    );
}

on_every_bus!(the_assignee_is_notified_live, mentions_consults_and_referrals_notify);

#[tokio::test]
async fn marking_read_refuses_what_it_cannot_mean_and_never_touches_others() {
    let w = world(Bus::Local).await;
    let case = intake(&w.liu, &w.team, "待分诊").await;
    let r = w
        .lead
        .post(
            &format!("/api/v1/cases/{}/triage", case["id"].as_str().unwrap()),
            &json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        )
        .await;
    assert_eq!(r.status, 200);
    let mine = unread(&w.li).await;
    assert_eq!(mine.len(), 1);
    for body in [
        json!({}),
        json!({ "ids": [] }),
        json!({ "ids": [mine[0]["id"]], "all": true }),
        json!({ "all": false }),
    ] {
        let r = w.li.post("/api/v1/notifications/read", &body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.body["error"]["reason"], "mark_read_target", "{body}");
    }
    let too_many: Vec<String> = (0..201).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let r =
        w.li.post("/api/v1/notifications/read", &json!({ "ids": too_many }))
            .await;
    assert_eq!(r.body["error"]["reason"], "mark_read_target");
    let r =
        w.li.post("/api/v1/notifications/read", &json!({ "ids": ["not-a-uuid"] }))
            .await;
    assert_eq!(r.status, 400);
    // someone else's notification id marks nothing
    let r = w
        .outsider
        .post("/api/v1/notifications/read", &json!({ "ids": [mine[0]["id"]] }))
        .await;
    assert_eq!(r.body, json!({ "marked": 0, "unread": 0 }));
    assert_eq!(unread(&w.li).await.len(), 1);
    let r = w.li.get("/api/v1/notifications?unread=maybe").await;
    assert_eq!(r.status, 400);
    assert_eq!(Api::new(w.d.node(0)).get("/api/v1/notifications").await.status, 401);
    // self-assignment tells nobody
    let case = intake(&w.liu, &w.team, "自己分诊").await;
    let r = w
        .lead
        .post(
            &format!("/api/v1/cases/{}/triage", case["id"].as_str().unwrap()),
            &json!({ "action": "assign", "assignee_id": w.lead.user_id() }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(unread(&w.lead).await.is_empty());
}

#[tokio::test]
async fn notifications_page_newest_first() {
    let w = world(Bus::Local).await;
    for i in 0..5 {
        crate::support::post_message(&w.li, &w.channel, &format!("m{i}"), &format!("@dr_liu 第{i}条")).await;
    }
    let mut titles = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/notifications?limit=2&cursor={c}"),
            None => "/api/v1/notifications?limit=2".to_owned(),
        };
        let r = w.liu.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for n in r.body["items"].as_array().unwrap() {
            titles.push(n["title"].as_str().unwrap().to_owned());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..5).rev().map(|i| format!("@dr_liu 第{i}条")).collect();
    assert_eq!(titles, expected);
    let ws = WsClient::connect_to(w.d.node(0), &w.liu).await;
    assert_eq!(ws.ready["unread_notifications"], 5);
}
