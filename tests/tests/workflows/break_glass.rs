//! Break-glass access (SPEC §11): a doctor of another team reads a case in
//! an emergency — with a stated reason, for a limited time, read-only,
//! audited, the team's lead told and the thread showing it.

use std::time::Duration;

use consilium_tests::fixtures::await_notifications;
use serde_json::json;

use crate::support::*;

fn assert_reason(r: &consilium_tests::Resp, status: u16, reason: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], reason, "{what}: {}", r.body);
}

const WHY: &str = "患者急诊入我院，胸痛发作，需查看既往心电图和诊疗经过";

#[tokio::test]
async fn a_doctor_of_another_team_reads_a_case_for_a_limited_time_and_everyone_sees_it() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let id = s(&case, "id");
    let thread = s(&case, "conversation_id");
    let r =
        w.li.post(
            &format!("/api/v1/conversations/{thread}/messages"),
            &json!({ "client_msg_id": "ecg", "body": "心电图提示V1–V4 ST段压低，建议冠脉造影。" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // 钱明 (respiratory lead) is outside the expert team: the case does not exist for him
    let case_path = format!("/api/v1/cases/{id}");
    let glass = format!("/api/v1/cases/{id}/break-glass");
    assert_reason(&w.qian.get(&case_path).await, 404, "case_not_found", "before");
    assert_reason(
        &messages(&w.qian, &thread).await,
        404,
        "conversation_not_found",
        "thread before",
    );

    // bad input: no reason, a too-short one, unknown fields, an unknown case
    assert_reason(
        &w.qian.post(&glass, &json!({ "reason": "急诊" })).await,
        400,
        "break_glass_reason_required",
        "a two-character reason",
    );
    assert_eq!(w.qian.post(&glass, &json!({})).await.status, 400);
    assert_eq!(
        w.qian
            .post(&glass, &json!({ "reason": WHY, "minutes": 600 }))
            .await
            .status,
        400,
        "the caller does not choose how long"
    );
    assert_reason(
        &w.qian
            .post(
                &format!("/api/v1/cases/{}/break-glass", uuid::Uuid::new_v4()),
                &json!({ "reason": WHY }),
            )
            .await,
        404,
        "case_not_found",
        "an unknown case",
    );
    // who may not: an assistant (何芳 triages, she is no doctor), the admin,
    // and someone who can already read it
    assert_reason(
        &w.he.post(&glass, &json!({ "reason": WHY })).await,
        403,
        "break_glass_not_allowed",
        "an assistant",
    );
    assert_reason(
        &w.app.admin.post(&glass, &json!({ "reason": WHY })).await,
        403,
        "break_glass_not_allowed",
        "the admin",
    );
    assert_reason(
        &w.chen.post(&glass, &json!({ "reason": WHY })).await,
        409,
        "break_glass_not_needed",
        "a member of the team",
    );
    assert_eq!(w.count("select count(*) from break_glass_grants").await, 0);

    let r = w.qian.post(&glass, &json!({ "reason": WHY })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let grant = r.body;
    assert_eq!(grant["reason"], WHY);
    assert_eq!(grant["user_name"], "钱明");
    let started = chrono::DateTime::parse_from_rfc3339(&s(&grant, "started_at")).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&s(&grant, "expires_at")).unwrap();
    assert_eq!(
        (expires - started).num_minutes(),
        60,
        "BREAK_GLASS_MINUTES defaults to 60"
    );

    // asking again while it lasts returns the same grant, and tells nobody twice
    let again = w.qian.post(&glass, &json!({ "reason": WHY })).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], grant["id"]);

    // now he reads the case, its thread and its materials
    let r = w.qian.get(&case_path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["title"], "胸痛待查");
    let items = message_items(&w.qian, &thread).await;
    assert!(
        items
            .iter()
            .any(|m| m["body"] == "心电图提示V1–V4 ST段压低，建议冠脉造影。")
    );
    let notice = items
        .iter()
        .find(|m| m["system"]["event"] == "break_glass")
        .unwrap_or_else(|| panic!("the thread shows the break-glass: {items:#?}"));
    assert_eq!(notice["system"]["reason"], WHY);
    assert_eq!(notice["system"]["user_name"], "钱明");
    assert_eq!(w.qian.get(&format!("{case_path}/attachments")).await.status, 200);

    // ... and changes nothing: no message, no edit, no triage, no consult
    assert_reason(
        &w.qian
            .post(
                &format!("/api/v1/conversations/{thread}/messages"),
                &json!({ "client_msg_id": "bg", "body": "我来看看" }),
            )
            .await,
        403,
        "break_glass_read_only",
        "sending in the thread",
    );
    assert_reason(
        &w.qian.patch(&case_path, &json!({ "title": "改标题" })).await,
        403,
        "break_glass_read_only",
        "editing the case",
    );
    let r = w
        .qian
        .get(&format!("/api/v1/conversations/{thread}/messages?limit=200"))
        .await;
    assert!(
        r.body["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|m| m["body"] != "我来看看")),
        "nothing was stored"
    );

    // the lead hears of it, once; the team's members see who and why
    let notes = await_notifications(&w.wang, "break_glass", 1, Duration::from_secs(5)).await;
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0]["link"]["case_id"], id.as_str());
    assert!(
        notes[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("钱明") && b.contains(WHY)),
        "{}",
        notes[0]
    );
    let r = w.li.get(&glass).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    assert_eq!(r.body[0]["reason"], WHY);
    let audited = w.audited_once("case", &id, "break_glass").await;
    // the audit view redacts the free text (it may name the patient) but the
    // trail itself keeps the reason in full
    assert_eq!(
        audited["detail"]["reason"],
        serde_json::json!({ "redacted": true, "chars": WHY.chars().count() })
    );
    let stored: String = w
        .app
        .db
        .connect()
        .await
        .query_one(
            "select detail->>'reason' from audit_events where action = 'break_glass'",
            &[],
        )
        .await
        .expect("the audit row")
        .get(0);
    assert_eq!(stored, WHY);
    assert_eq!(audited["actor_id"], w.qian.user_id().as_str());

    // the time limit: once expired, the case is gone for him again
    let db = w.app.db.connect().await;
    db.execute(
        "update break_glass_grants set started_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'",
        &[],
    )
    .await
    .unwrap();
    assert_reason(&w.qian.get(&case_path).await, 404, "case_not_found", "after expiry");
    assert_reason(
        &messages(&w.qian, &thread).await,
        404,
        "conversation_not_found",
        "thread after expiry",
    );
    // the record stays for the team
    assert_eq!(w.li.get(&glass).await.body.as_array().map(Vec::len), Some(1));
}
