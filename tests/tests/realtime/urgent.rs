//! Urgent messages (SPEC §7): a priority and an acknowledgement that each
//! recipient gives once, which the sender watches arrive.

use consilium_tests::ws::{message_in, of_type};
use serde_json::{Value, json};

use crate::support::{Bus, QUIET, on_every_bus, world};

fn acked_by(user: String) -> impl Fn(&Value) -> bool {
    move |v| v["type"] == "message_acked" && v["user_id"] == user.as_str()
}

/// An emergency message that must be acknowledged: everyone is told, each
/// acknowledgement reaches the sender live, and the acks view says who is left.
async fn an_emergency_message_is_acknowledged_by_each_recipient(bus: Bus) {
    let w = world(bus).await;
    let mut li_ws = w.d.ws(&w.li, 0).await;
    let mut liu_ws = w.d.ws(&w.liu, 1).await;
    let mut lead_ws = w.d.ws(&w.lead, 1).await;
    let ack = li_ws
        .request(json!({
            "type": "send", "conversation_id": w.channel, "client_msg_id": "k1",
            "body": "危急值：血钾 6.8 mmol/L，请立即处理", "priority": "emergency", "ack_required": true
        }))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let seq = ack["seq"].as_i64().unwrap();
    for ws in [&mut liu_ws, &mut lead_ws] {
        let m = ws.expect(message_in(&w.channel)).await;
        assert_eq!(m["message"]["priority"], "emergency");
        assert_eq!(m["message"]["ack_required"], true);
        assert_eq!(m["message"]["ack_count"], 0);
        let n = ws
            .expect(|v| v["type"] == "notification" && v["notification"]["kind"] == "urgent_message")
            .await;
        assert_eq!(n["notification"]["link"]["seq"], seq);
        assert_eq!(n["notification"]["body"], "Dr dr_li");
    }
    li_ws.expect_no_event(of_type("notification"), QUIET).await;

    let acks_path = format!("/api/v1/conversations/{}/messages/{seq}/acks", w.channel);
    let view = w.li.get(&acks_path).await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(view.body["acks"], json!([]));
    let mut pending: Vec<String> = view.body["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    pending.sort();
    let mut expected = vec![w.lead.user_id(), w.liu.user_id()];
    expected.sort();
    assert_eq!(pending, expected);

    // by frame
    liu_ws
        .send(json!({ "type": "ack_message", "conversation_id": w.channel, "seq": seq }))
        .await;
    let acked = li_ws.expect(acked_by(w.liu.user_id())).await;
    assert_eq!(acked["seq"], seq);
    assert_eq!(acked["ack_count"], 1);
    // by REST, on the other node
    let r =
        w.d.on(&w.lead, 1)
            .post(
                &format!("/api/v1/conversations/{}/messages/{seq}/ack", w.channel),
                &json!({}),
            )
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["user_id"], w.lead.user_id());
    let acked = li_ws.expect(acked_by(w.lead.user_id())).await;
    assert_eq!(acked["ack_count"], 2);
    // twice: the first acknowledgement answers, nothing is announced again
    let again = w
        .lead
        .post(
            &format!("/api/v1/conversations/{}/messages/{seq}/ack", w.channel),
            &json!({}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["at"], r.body["at"]);
    li_ws.expect_no_event(acked_by(w.lead.user_id()), QUIET).await;

    let view = w.li.get(&acks_path).await;
    assert_eq!(view.body["pending"], json!([]));
    assert_eq!(view.body["acks"].as_array().unwrap().len(), 2);
    assert_eq!(view.body["acks"][0]["user_id"], w.liu.user_id());
    let history = crate::support::history(&w.li, &w.channel, "").await;
    let stored = history.iter().find(|m| m["seq"] == seq).unwrap();
    assert_eq!(stored["ack_count"], 2);
    assert_eq!(stored["priority"], "emergency");
}

on_every_bus!(an_emergency_message_is_acknowledged_by_each_recipient);

#[tokio::test]
async fn acknowledging_what_cannot_be_acknowledged_is_refused_and_stores_nothing() {
    let w = world(Bus::Local).await;
    let mut li_ws = w.d.ws(&w.li, 0).await;
    let urgent = crate::support::post_message_with(
        &w.li,
        &w.channel,
        json!({ "client_msg_id": "u1", "body": "请确认收到", "priority": "urgent", "ack_required": true }),
    )
    .await;
    let normal = crate::support::post_message(&w.li, &w.channel, "n1", "普通消息").await;
    let useq = urgent["seq"].as_i64().unwrap();
    let nseq = normal["seq"].as_i64().unwrap();
    let ack = |seq: i64| format!("/api/v1/conversations/{}/messages/{seq}/ack", w.channel);

    let r = w.li.post(&ack(useq), &json!({})).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (409, json!("ack_own_message"))
    );
    let r = w.liu.post(&ack(nseq), &json!({})).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (409, json!("ack_not_required"))
    );
    let r = w.outsider.post(&ack(useq), &json!({})).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (404, json!("conversation_not_found"))
    );
    let r = w.liu.post(&ack(999), &json!({})).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (404, json!("message_not_found"))
    );
    let r = w.liu.post(&ack(0), &json!({})).await;
    assert_eq!(r.status, 400);
    let r = w
        .outsider
        .get(&format!("/api/v1/conversations/{}/messages/{useq}/acks", w.channel))
        .await;
    assert_eq!(r.status, 404);
    let r = w
        .liu
        .get(&format!("/api/v1/conversations/{}/messages/{nseq}/acks", w.channel))
        .await;
    assert_eq!(r.body["error"]["reason"], "ack_not_required");
    // by frame: an error naming the reason, the socket stays open
    li_ws
        .send(json!({ "type": "ack_message", "conversation_id": w.channel, "seq": useq }))
        .await;
    let e = li_ws.expect(of_type("error")).await;
    assert_eq!(e["reason"], "ack_own_message");
    li_ws.ping().await;
    // an unknown priority is a malformed send
    let r =
        w.li.post(
            &format!("/api/v1/conversations/{}/messages", w.channel),
            &json!({ "client_msg_id": "x", "body": "b", "priority": "critical" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (400, json!("malformed_body"))
    );
    let db = w.d.db().connect().await;
    let n: i64 = db
        .query_one("select count(*) from message_acks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
    // a recalled message asks for nothing any more
    let r =
        w.li.post(
            &format!("/api/v1/conversations/{}/messages/{useq}/recall", w.channel),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = w.liu.post(&ack(useq), &json!({})).await;
    assert_eq!(r.body["error"]["reason"], "ack_not_required");
}
