//! An archived team is read-only: its history stays readable, but its
//! channel and case threads take no messages and its cases no triage,
//! edits, consults or referral moves (each answers 409 `conflict` saying the
//! team is archived, and nothing is stored).

use consilium_tests::{Resp, fixtures, ws::WsClient};
use serde_json::{Value, json};

use crate::support::{
    REFER_UP, World, assert_error, case_of, chest_pain_case, consult_action, hypertension_case, intake, message_items,
    patch_case, post_message, queue, refer, referral_action, request_consult, s, triage, try_consult, try_refer,
};

/// Asserts a 409 whose message says a team is archived.
#[track_caller]
fn assert_archived(r: &Resp, what: &str) {
    assert_error(r, 409, what);
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("archived"),
        "{what}: the 409 should say the team is archived: {}",
        r.body
    );
}

async fn post(api: &consilium_tests::Api, conversation: &str, client_msg_id: &str) -> Resp {
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &json!({ "client_msg_id": client_msg_id, "body": "团队已撤销后还能发言吗？" }),
    )
    .await
}

/// What the database holds, to prove a refused action stored nothing.
async fn snapshot(w: &World) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "select count(*) from messages",
        "select count(*) from cases",
        "select count(*) from consults",
        "select count(*) from referrals",
        "select count(*) from audit_events where action not in ('case_read', 'cases_listed', 'login')",
        "select count(*) from cases where status = 'triage'",
        "select count(*) from consults where status = 'requested'",
        "select count(*) from referrals where status = 'pending'",
        "select count(*) from referrals where status = 'accepted'",
    ] {
        counts.push(w.count(sql).await);
    }
    counts
}

struct Scene {
    w: World,
    channel: String,
    /// The expert team's open case, with one message in its thread.
    open: Value,
    /// An intake waiting in the expert team's queue.
    waiting: Value,
    /// 钱明's consult on `open`, requested.
    consult: Value,
    /// The township team's referral up to the expert team, pending.
    incoming: Value,
    /// The expert team's referral of `open` down to the township team, accepted there.
    outgoing: Value,
    /// The expert team's referral of `open` to the respiratory team, pending.
    to_resp: Value,
}

/// The expert team with work in every state, then archived.
async fn archived_expert_team() -> Scene {
    let w = World::new().await;
    let channel = fixtures::team_channel(&w.wang, &w.expert).await;
    post_message(&w.wang, &channel, "wang-before", "本团队将于月底撤销。").await;
    let open = chest_pain_case(&w.li, &w.expert).await;
    post_message(&w.li, &s(&open, "conversation_id"), "li-before", "心电图已复查。").await;
    let waiting = intake(&w.zhao, &w.expert, "李四", "胸闷待查", "", "urgent").await;
    let consult = request_consult(&w.li, &s(&open, "id"), &[&w.qian]).await;
    let source = hypertension_case(&w).await;
    let incoming = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let outgoing = refer(&w.li, &s(&open, "id"), &w.county, "down", "病情稳定，回基层随访。").await;
    let r = referral_action(&w.he, &s(&outgoing, "id"), "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let to_resp = refer(&w.li, &s(&open, "id"), &w.resp, "up", "合并肺部感染，请呼吸科接诊。").await;
    fixtures::archive_team(&w.app.admin, &w.expert).await;
    Scene {
        w,
        channel,
        open,
        waiting,
        consult,
        incoming,
        outgoing,
        to_resp,
    }
}

#[tokio::test]
async fn the_conversations_of_an_archived_team_take_no_messages() {
    let Scene {
        w,
        channel,
        open,
        consult,
        incoming,
        ..
    } = archived_expert_team().await;
    let before = snapshot(&w).await;
    let threads = [
        ("the team channel", channel.clone()),
        ("a case thread", s(&open, "conversation_id")),
        ("a consult thread", s(&consult, "conversation_id")),
        ("the thread of a referral to it", s(&incoming, "conversation_id")),
    ];
    for (n, (what, conversation)) in threads.iter().enumerate() {
        assert_archived(
            &post(&w.li, conversation, &format!("rest-{n}")).await,
            &format!("POST into {what}"),
        );
    }
    let mut ws = WsClient::connect_as(&w.li).await;
    for (n, (what, conversation)) in threads.iter().enumerate() {
        let answer = ws.try_send_message(conversation, &format!("ws-{n}"), "还在吗？").await;
        assert_eq!(answer["type"], "error", "websocket send into {what}: {answer}");
        assert_eq!(answer["code"], "conflict", "websocket send into {what}: {answer}");
        assert!(
            answer["message"].as_str().unwrap_or_default().contains("archived"),
            "{answer}"
        );
    }
    assert_eq!(snapshot(&w).await, before, "nothing was stored");

    // its history stays readable
    let history = crate::support::talk(&w.li, &s(&open, "conversation_id")).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["body"], "心电图已复查。");
    assert_eq!(message_items(&w.sun, &channel).await.len(), 1);
    assert_eq!(case_of(&w.li, &s(&open, "id")).await["status"], "open");
    // and its members still talk to each other directly
    let direct =
        w.li.post(&format!("/api/v1/direct/{}", w.wang.user_id()), &json!({}))
            .await;
    assert!(matches!(direct.status, 200 | 201), "{}", direct.body);
    post_message(
        &w.li,
        &s(&direct.body, "id"),
        "li-direct",
        "王主任，团队撤销后病例怎么交接？",
    )
    .await;
}

#[tokio::test]
async fn the_cases_of_an_archived_team_accept_no_workflow() {
    let Scene {
        w,
        open,
        waiting,
        consult,
        ..
    } = archived_expert_team().await;
    let another = hypertension_case(&w).await;
    let before = snapshot(&w).await;
    let waiting_id = s(&waiting, "id");
    assert!(
        queue(&w.sun, &w.expert).await.contains(&waiting_id),
        "the queue stays readable"
    );
    for action in [
        json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        json!({ "action": "prioritize", "priority": "emergency" }),
        json!({ "action": "transfer", "team_id": w.resp }),
        json!({ "action": "decline", "reason": "团队已撤销" }),
    ] {
        assert_archived(
            &triage(&w.sun, &waiting_id, action.clone()).await,
            &format!("triage {action}"),
        );
    }
    let open_id = s(&open, "id");
    assert_archived(
        &patch_case(&w.li, &open_id, json!({ "status": "closed" })).await,
        "closing one of its cases",
    );
    assert_archived(
        &patch_case(&w.li, &open_id, json!({ "title": "改名" })).await,
        "editing one of its cases",
    );
    assert_archived(
        &try_consult(&w.li, &open_id, &[&w.xu], "请会诊").await,
        "a consult request on its case",
    );
    let consult_id = s(&consult, "id");
    for (who, action, body) in [
        (&w.qian, "accept", json!({})),
        (&w.qian, "decline", json!({ "reason": "不便" })),
        (&w.li, "cancel", json!({})),
    ] {
        assert_archived(
            &consult_action(who, &consult_id, action, body).await,
            &format!("consult {action}"),
        );
    }
    assert_archived(
        &try_refer(&w.li, &open_id, &w.county, "down", "回基层").await,
        "referring one of its cases",
    );
    assert_archived(
        &try_refer(&w.ma, &s(&another, "id"), &w.expert, "up", REFER_UP).await,
        "a referral to it",
    );
    assert_eq!(snapshot(&w).await, before, "nothing was stored");
    assert_eq!(case_of(&w.sun, &waiting_id).await["status"], "triage");
    assert_eq!(case_of(&w.li, &open_id).await["title"], open["title"]);
    assert_eq!(
        w.qian.get(&format!("/api/v1/consults/{consult_id}")).await.body["status"],
        "requested"
    );
    // the consultant who was never asked to act may still read what was asked
    assert_eq!(case_of(&w.qian, &open_id).await["id"], open_id.as_str());
}

#[tokio::test]
async fn referrals_of_an_archived_team_stand_still() {
    let Scene {
        w,
        open,
        incoming,
        outgoing,
        to_resp,
        ..
    } = archived_expert_team().await;
    let before = snapshot(&w).await;
    let before_entries = message_items(&w.li, &s(&open, "conversation_id")).await;
    // sent to it: the receiving team can no longer act, nor the sender withdraw it
    let id = s(&incoming, "id");
    for (who, action, body) in [
        (&w.sun, "accept", json!({ "assignee_id": w.li.user_id() })),
        (&w.wang, "decline", json!({ "reason": "团队撤销" })),
        (&w.ma, "cancel", json!({})),
    ] {
        assert_archived(
            &referral_action(who, &id, action, body).await,
            &format!("{action} a referral to it"),
        );
    }
    // sent by it and accepted: completing would write into its case's discussion
    let id = s(&outgoing, "id");
    assert_archived(
        &referral_action(&w.he, &id, "complete", json!({ "outcome": "血压平稳" })).await,
        "complete its outgoing referral",
    );
    assert_archived(
        &referral_action(&w.li, &id, "cancel", json!({})).await,
        "cancel its outgoing referral",
    );
    assert_eq!(snapshot(&w).await, before, "nothing was stored");
    assert_eq!(
        message_items(&w.li, &s(&open, "conversation_id")).await,
        before_entries,
        "no outcome was posted"
    );
    assert_eq!(
        w.he.get(&format!("/api/v1/referrals/{id}")).await.body["status"],
        "accepted"
    );

    // a patient it sent before it was archived may still be taken in by the receiving team
    let r = referral_action(
        &w.qian,
        &s(&to_resp, "id"),
        "accept",
        json!({ "assignee_id": w.xu.user_id() }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "accepted");
}
