//! My work, notification levels and duty forwarding (SPEC §7).

use consilium_tests::Api;
use consilium_tests::ws::of_type;
use serde_json::{Value, json};

use crate::support::{Bus, QUIET, on_every_bus, world};

async fn kinds(api: &Api) -> Vec<String> {
    let r = api.get("/api/v1/notifications?limit=200").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn my_work_gathers_a_doctors_day() {
    let w = world(Bus::Local).await;
    let intake = |title: &'static str, priority: &'static str| {
        let liu = w.liu.clone();
        let team = w.team.clone();
        async move {
            let r = liu
                .post(
                    &format!("/api/v1/teams/{team}/intakes"),
                    &json!({ "patient": { "name": "钱七", "sex": "male" }, "title": title, "summary": "", "priority": priority }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["id"].as_str().unwrap().to_owned()
        }
    };
    let routine = intake("慢性咳嗽", "routine").await;
    let emergency = intake("急性心梗", "emergency").await;
    let assigned = intake("心悸", "urgent").await;
    let r = w
        .lead
        .post(
            &format!("/api/v1/cases/{assigned}/triage"),
            &json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        )
        .await;
    assert_eq!(r.status, 200);
    let consult =
        w.li.post(
            &format!("/api/v1/cases/{assigned}/consults"),
            &json!({ "consultant_ids": [w.liu.user_id()], "question": "心电图怎么看？", "urgency": "routine" }),
        )
        .await;
    assert_eq!(consult.status, 201, "{}", consult.body);
    let urgent = crate::support::post_message_with(
        &w.li,
        &w.channel,
        json!({ "client_msg_id": "a1", "body": "请确认", "priority": "urgent", "ack_required": true }),
    )
    .await;

    // the lead triages: the queue, most urgent first, and the message to acknowledge
    let lead = w.lead.get("/api/v1/me/work").await;
    assert_eq!(lead.status, 200, "{}", lead.body);
    assert_eq!(
        ids(&lead.body["triage_queue"]),
        vec![emergency.clone(), routine.clone()]
    );
    assert_eq!(lead.body["unacknowledged"][0]["seq"], urgent["seq"]);
    assert_eq!(lead.body["assigned_cases"], json!([]));
    // the assignee: their case; the consultant: the consult to answer
    let li = w.li.get("/api/v1/me/work").await.body;
    assert_eq!(ids(&li["assigned_cases"]), vec![assigned.clone()]);
    assert_eq!(li["triage_queue"], json!([]), "a specialist triages nothing");
    assert_eq!(li["unacknowledged"], json!([]), "one's own message asks nothing of one");
    let liu = w.liu.get("/api/v1/me/work").await.body;
    assert_eq!(
        ids(&liu["consults_to_answer"]),
        vec![consult.body["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(
        liu["overdue"],
        json!({ "cases": [], "consults": [], "messages": [], "follow_ups": [] })
    );
    // acknowledged: gone from the list
    let r = w
        .lead
        .post(
            &format!("/api/v1/conversations/{}/messages/{}/ack", w.channel, urgent["seq"]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(w.lead.get("/api/v1/me/work").await.body["unacknowledged"], json!([]));
    assert_eq!(w.outsider.get("/api/v1/me/work").await.body["triage_queue"], json!([]));
    assert_eq!(Api::new(w.d.node(0)).get("/api/v1/me/work").await.status, 401);
}

/// A silenced conversation mentions no one, but urgent messages still reach everyone.
async fn notification_levels_silence_mentions_but_not_urgency(bus: Bus) {
    let w = world(bus).await;
    let path = format!("/api/v1/conversations/{}/notify", w.channel);
    let r = w.liu.put(&path, &json!({ "level": "none" })).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let listed = w.liu.get(&format!("/api/v1/conversations/{}", w.channel)).await;
    assert_eq!(listed.status, 200);
    let mine = w.liu.get("/api/v1/conversations").await.body;
    let channel = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == w.channel.as_str())
        .unwrap()
        .clone();
    assert_eq!(channel["notify"], "none");
    let ready_ws = w.d.ws(&w.liu, 1).await;
    let in_ready = ready_ws.ready["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == w.channel.as_str())
        .unwrap()
        .clone();
    assert_eq!(in_ready["notify"], "none");
    let mut liu_ws = w.d.ws(&w.liu, 1).await;

    crate::support::post_message(&w.li, &w.channel, "m1", "@dr_liu 看一下").await;
    liu_ws.expect_no_event(of_type("notification"), QUIET).await;
    crate::support::post_message_with(
        &w.li,
        &w.channel,
        json!({ "client_msg_id": "m2", "body": "@dr_liu 紧急", "priority": "emergency" }),
    )
    .await;
    let n = liu_ws.expect(of_type("notification")).await;
    assert_eq!(n["notification"]["kind"], "urgent_message");
    // back to all: mentions notify again
    assert_eq!(w.liu.put(&path, &json!({ "level": "all" })).await.status, 204);
    crate::support::post_message(&w.li, &w.channel, "m3", "@dr_liu 再看一下").await;
    let n = liu_ws.expect(of_type("notification")).await;
    assert_eq!(n["notification"]["kind"], "mentioned");

    assert_eq!(w.liu.put(&path, &json!({ "level": "loud" })).await.status, 400);
    assert_eq!(w.outsider.put(&path, &json!({ "level": "none" })).await.status, 404);
}

/// Off duty with forwarding: my notifications also reach my colleague; my
/// contacts see my duty; back on duty, forwarding stops.
async fn duty_forwarding(bus: Bus) {
    let w = world(bus).await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let r =
        w.li.put(
            "/api/v1/me/status",
            &json!({ "status": "off_duty", "forward_to": w.liu.user_id() }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "off_duty");
    let seen = lead_ws
        .expect(|v| v["type"] == "presence" && v["user_id"] == w.li.user_id().as_str() && v.get("duty").is_some())
        .await;
    assert_eq!(seen["duty"], "off_duty");
    let fresh = w.d.ws(&w.lead, 1).await;
    let entry = fresh.ready["presence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == w.li.user_id().as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["duty"], "off_duty", "{}", fresh.ready["presence"]);

    let mut liu_ws = w.d.ws(&w.liu, 1).await;
    crate::support::post_message(&w.lead, &w.channel, "m1", "@dr_li 这个病人请看一下").await;
    let forwarded = liu_ws.expect(of_type("notification")).await;
    assert_eq!(forwarded["notification"]["kind"], "mentioned");
    assert_eq!(forwarded["notification"]["title"], "@dr_li 这个病人请看一下");
    assert_eq!(kinds(&w.li).await, vec!["mentioned"], "the absent doctor still has it");

    let r = w.li.put("/api/v1/me/status", &json!({ "status": "on_duty" })).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.get("forward_to").is_none(),
        "on duty forwards nothing: {}",
        r.body
    );
    crate::support::post_message(&w.lead, &w.channel, "m2", "@dr_li 第二条").await;
    liu_ws.expect_no_event(of_type("notification"), QUIET).await;
    assert_eq!(kinds(&w.li).await.len(), 2);

    for bad in [
        json!({ "status": "off_duty", "forward_to": w.li.user_id() }),
        json!({ "status": "off_duty", "forward_to": uuid::Uuid::new_v4() }),
        json!({ "status": "off_duty", "until": "2001-01-01T00:00:00Z" }),
        json!({ "status": "asleep" }),
    ] {
        let r = w.li.put("/api/v1/me/status", &bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
}

on_every_bus!(notification_levels_silence_mentions_but_not_urgency, duty_forwarding);
