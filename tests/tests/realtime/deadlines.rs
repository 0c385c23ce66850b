//! Deadlines and escalation (SPEC §7): what waits past its deadline is
//! escalated to the team's lead, level by level, exactly once across nodes,
//! from timers that live in Postgres and survive every node restarting.
//!
//! A deadline "minute" is shortened with DEADLINE_MINUTE_MS so the tests
//! run in seconds; the scheduler is the production one.

use std::time::Duration;

use consilium_tests::node::{Cluster, ClusterOptions};
use consilium_tests::ws::of_type;
use serde_json::json;

use consilium_tests::fixtures::{await_notifications, notifications_of};

use crate::support::{Bus, Deployment, QUIET, world_on, world_with};

#[tokio::test]
async fn a_team_sets_its_deadlines_and_only_its_lead_or_an_admin_may() {
    let w = world_with(Bus::Local, &[]).await;
    let path = format!("/api/v1/teams/{}/settings", w.team);
    let r = w.li.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        json!({
            "triage_minutes": { "emergency": 10, "urgent": 60, "routine": 1440 },
            "consult_minutes": { "emergency": 30, "urgent": 240, "routine": 4320 },
            "ack_minutes": { "urgent": 10, "emergency": 2 }
        })
    );
    let patch = json!({ "triage_minutes": { "emergency": 5, "urgent": 30, "routine": 720 } });
    let r = w.li.patch(&path, &patch).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (403, json!("lead_or_admin_only"))
    );
    let r = w.lead.patch(&path, &patch).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["triage_minutes"]["emergency"], 5);
    assert_eq!(r.body["ack_minutes"]["emergency"], 2, "groups not given are kept");
    let r =
        w.d.admin
            .patch(&path, &json!({ "ack_minutes": { "urgent": 15, "emergency": 3 } }))
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(w.li.get(&path).await.body["triage_minutes"]["emergency"], 5);
    for bad in [
        json!({ "ack_minutes": { "urgent": 0, "emergency": 3 } }),
        json!({ "consult_minutes": { "emergency": 1, "urgent": 1, "routine": 43201 } }),
    ] {
        let r = w.lead.patch(&path, &bad).await;
        assert_eq!(
            (r.status, r.body["error"]["reason"].clone()),
            (400, json!("deadline_out_of_range")),
            "{bad}"
        );
    }
    let r = w
        .lead
        .patch(&path, &json!({ "triage_minutes": { "emergency": 5 } }))
        .await;
    assert_eq!(r.status, 400, "a group is given whole");
    let r = w.lead.patch(&path, &json!({ "sla": 1 })).await;
    assert_eq!(r.status, 400);
    assert_eq!(w.outsider.get(&path).await.status, 404);
    assert_eq!(w.d.audit("team_settings_changed").await.len(), 2);
}

/// An emergency intake left in triage escalates to the lead; one assigned
/// in time does not. Its due time shows on the case while it waits.
#[tokio::test]
async fn an_intake_left_in_triage_escalates_to_the_lead() {
    // one deadline minute = 20 ms: an emergency triage (10 minutes) is due in 200 ms
    let w = world_with(
        Bus::Local,
        &[("DEADLINE_MINUTE_MS", "20"), ("ESCALATION_POLL_MS", "50")],
    )
    .await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let intake = |title: &'static str| {
        let liu = w.liu.clone();
        let team = w.team.clone();
        async move {
            let r = liu
                .post(
                    &format!("/api/v1/teams/{team}/intakes"),
                    &json!({ "patient": { "name": "王五", "sex": "male" }, "title": title, "summary": "", "priority": "emergency" }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body
        }
    };
    let waiting = intake("急性胸痛").await;
    assert!(waiting["due_at"].is_string(), "{waiting}");
    let handled = intake("已分诊").await;
    let r = w
        .lead
        .post(
            &format!("/api/v1/cases/{}/triage", handled["id"].as_str().unwrap()),
            &json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.get("due_at").is_none(),
        "an assigned case is due nowhere: {}",
        r.body
    );

    let event = lead_ws
        .expect(|v| v["type"] == "notification" && v["notification"]["kind"] == "escalation")
        .await;
    assert_eq!(event["notification"]["title"], "急性胸痛");
    assert_eq!(event["notification"]["link"]["case_id"], waiting["id"]);
    // the second level follows after the same time again, then nothing more
    await_notifications(&w.lead, "escalation", 2, Duration::from_secs(10)).await;
    tokio::time::sleep(QUIET).await;
    let all = notifications_of(&w.lead, "escalation").await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter().all(|n| n["link"]["case_id"] == waiting["id"]),
        "the assigned case never escalated"
    );
    assert!(notifications_of(&w.li, "escalation").await.is_empty());
}

/// A requested consult nobody answers escalates to the lead of the case's
/// team; one accepted in time does not.
#[tokio::test]
async fn an_unanswered_consult_escalates() {
    // emergency consult: 30 minutes of 20 ms = 600 ms
    let w = world_with(
        Bus::Local,
        &[("DEADLINE_MINUTE_MS", "20"), ("ESCALATION_POLL_MS", "50")],
    )
    .await;
    let case = w
        .li
        .post(
            &format!("/api/v1/teams/{}/cases", w.team),
            &json!({ "patient": { "name": "赵六", "sex": "female" }, "title": "室速", "summary": "", "priority": "urgent" }),
        )
        .await;
    let case_id = case.body["id"].as_str().unwrap().to_owned();
    let ask = |question: &'static str| {
        let li = w.li.clone();
        let case_id = case_id.clone();
        let consultant = w.outsider.user_id();
        async move {
            let r = li
                .post(
                    &format!("/api/v1/cases/{case_id}/consults"),
                    &json!({ "consultant_ids": [consultant], "question": question, "urgency": "emergency" }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            assert!(r.body["due_at"].is_string(), "{}", r.body);
            r.body
        }
    };
    let ignored = ask("是否需要电复律？").await;
    let answered = ask("能否加用胺碘酮？").await;
    let r = w
        .outsider
        .post(
            &format!("/api/v1/consults/{}/accept", answered["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("due_at").is_none(), "an accepted consult is due nowhere");
    let first = await_notifications(&w.lead, "escalation", 1, Duration::from_secs(10)).await;
    assert_eq!(first[0]["link"]["consult_id"], ignored["id"]);
    assert_eq!(first[0]["title"], "是否需要电复律？");
    await_notifications(&w.lead, "escalation", 2, Duration::from_secs(10)).await;
    tokio::time::sleep(QUIET).await;
    let all = notifications_of(&w.lead, "escalation").await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|n| n["link"]["consult_id"] == ignored["id"]));
}

/// An unacknowledged emergency message escalates to the lead and its
/// sender, then to the lead again, exactly once per level, with every node
/// killed and restarted in between.
#[tokio::test]
async fn an_unacknowledged_emergency_escalates_once_per_level_across_restarts() {
    // emergency acknowledgement: 2 minutes of 1.5 s = 3 s per level
    let cluster = Cluster::start(ClusterOptions {
        nodes: 2,
        redis_url: None,
        env: vec![
            ("DEADLINE_MINUTE_MS".into(), "1500".into()),
            ("ESCALATION_POLL_MS".into(), "100".into()),
        ],
    })
    .await;
    let mut w = world_on(Deployment::from_cluster(cluster)).await;
    let sent = crate::support::post_message_with(
        &w.li,
        &w.channel,
        json!({ "client_msg_id": "k1", "body": "危急值：肌钙蛋白 12 ng/mL", "priority": "emergency", "ack_required": true }),
    )
    .await;
    let seq = sent["seq"].as_i64().unwrap();
    let acks =
        w.li.get(&format!("/api/v1/conversations/{}/messages/{seq}/acks", w.channel))
            .await;
    assert!(acks.body["due_at"].is_string(), "{}", acks.body);
    // liu acknowledges; the lead does not
    let r = w
        .liu
        .post(
            &format!("/api/v1/conversations/{}/messages/{seq}/ack", w.channel),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200);

    // every node dies before the deadline and comes back after it
    let cluster = w.d.cluster_mut().expect("a cluster");
    for node in &mut cluster.nodes {
        node.kill().await;
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    for node in &mut cluster.nodes {
        node.restart().await;
    }
    let lead = w.d.on(&w.lead, 1);
    let li = w.d.on(&w.li, 0);
    let level1 = await_notifications(&lead, "escalation", 1, Duration::from_secs(15)).await;
    assert_eq!(level1[0]["link"]["seq"], seq);
    await_notifications(&li, "escalation", 1, Duration::from_secs(5)).await;

    // and again before the second level
    let cluster = w.d.cluster_mut().expect("a cluster");
    for node in &mut cluster.nodes {
        node.kill().await;
    }
    tokio::time::sleep(Duration::from_millis(3200)).await;
    for node in &mut cluster.nodes {
        node.restart().await;
    }
    let mut lead_ws = w.d.ws(&w.lead, 1).await;
    let lead_api = w.d.on(&w.lead, 0);
    await_notifications(&lead_api, "escalation", 2, Duration::from_secs(15)).await;
    tokio::time::sleep(QUIET * 2).await;
    assert_eq!(
        notifications_of(&lead_api, "escalation").await.len(),
        2,
        "the lead: once per level"
    );
    assert_eq!(
        notifications_of(&w.d.on(&w.li, 1), "escalation").await.len(),
        1,
        "the sender: level 1 only"
    );
    assert!(notifications_of(&w.d.on(&w.liu, 1), "escalation").await.is_empty());
    lead_ws.expect_no_event(of_type("notification"), QUIET).await;
    let db = w.d.db().connect().await;
    let rows = db
        .query(
            "select level, outcome from escalation_timers where subject_kind = 'message' order by level",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(i32, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![(1, Some("escalated".into())), (2, Some("escalated".into()))]);
}

/// A message everyone acknowledged in time never escalates.
#[tokio::test]
async fn an_acknowledged_message_never_escalates() {
    // emergency acknowledgement: 2 minutes of 150 ms = 300 ms
    let w = world_with(
        Bus::Local,
        &[("DEADLINE_MINUTE_MS", "150"), ("ESCALATION_POLL_MS", "50")],
    )
    .await;
    let sent = crate::support::post_message_with(
        &w.li,
        &w.channel,
        json!({ "client_msg_id": "k1", "body": "请确认", "priority": "emergency", "ack_required": true }),
    )
    .await;
    let seq = sent["seq"].as_i64().unwrap();
    for who in [&w.lead, &w.liu] {
        let r = who
            .post(
                &format!("/api/v1/conversations/{}/messages/{seq}/ack", w.channel),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(notifications_of(&w.lead, "escalation").await.is_empty());
    assert!(notifications_of(&w.li, "escalation").await.is_empty());
    let db = w.d.db().connect().await;
    let outcome: Option<String> = db
        .query_one(
            "select outcome from escalation_timers where subject_kind = 'message'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(outcome.as_deref(), Some("resolved"));
}
