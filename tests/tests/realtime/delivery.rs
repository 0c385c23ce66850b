//! Message delivery: every member's sessions get each message once, in seq
//! order; outsiders get nothing; resends are idempotent; `sync` fills gaps.

use consilium_tests::USER_PASSWORD;
use consilium_tests::fixtures;
use consilium_tests::ws::{WsClient, answer_to, any_message, message_in, seqs};
use consilium_tests::{Api, ws::of_type};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{
    Bus, QUIET, history, numbered, on_every_bus, one_to, post_message, ready_conversation, world, world_with,
};

/// Asserts that none of `clients` gets another `message` within [`QUIET`].
async fn no_more_messages(clients: &mut [&mut WsClient]) {
    join_all(clients.iter_mut().map(|c| c.expect_no_event(any_message, QUIET))).await;
}

async fn a_message_reaches_every_members_sessions_once_and_no_outsider(bus: Bus) {
    let w = world(bus).await;
    // the lead has two login sessions, one of them with two sockets on different nodes
    let lead_elsewhere = Api::new(w.d.node(1)).login("dr_wang", USER_PASSWORD).await;
    let mut lead_a = w.d.ws(&w.lead, 0).await;
    let mut lead_a2 = w.d.ws(&w.lead, 1).await;
    let mut lead_b = WsClient::connect_to(w.d.node(1), &lead_elsewhere).await;
    let mut li = w.d.ws(&w.li, 1).await;
    let mut liu = w.d.ws(&w.liu, 0).await;
    let mut outsider = w.d.ws(&w.outsider, 0).await;
    assert_eq!(lead_a.session_id(), lead_a2.session_id(), "one login, one session");
    assert_ne!(lead_a.session_id(), lead_b.session_id(), "two logins, two sessions");

    let ack = li
        .send_message(&w.channel, "m-1", "患者男，58岁，胸痛三小时，请会诊")
        .await;
    assert_eq!(ack["conversation_id"], w.channel);
    assert_eq!(ack["seq"], 1);
    assert!(ack["message_id"].as_str().is_some(), "{ack}");
    let created_at = ack["created_at"].as_str().expect("created_at");
    assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok(), "{created_at}");

    let reply = li
        .request(json!({
            "type": "send",
            "conversation_id": w.channel,
            "client_msg_id": "m-2",
            "body": "心电图已上传",
            "reply_to_seq": 1,
        }))
        .await;
    assert_eq!(reply["type"], "ack", "{reply}");
    assert_eq!(reply["seq"], 2);

    for ws in [&mut lead_a, &mut lead_a2, &mut lead_b, &mut li, &mut liu] {
        let first = ws.expect_message(&w.channel).await;
        assert_eq!(first["id"], ack["message_id"]);
        assert_eq!(first["conversation_id"], w.channel);
        assert_eq!(first["seq"], 1);
        assert_eq!(first["sender_id"], w.li.user_id());
        assert_eq!(first["client_msg_id"], "m-1");
        assert_eq!(first["body"], "患者男，58岁，胸痛三小时，请会诊");
        assert_eq!(first["recalled"], false);
        assert_eq!(first["mentions"], json!([]));
        assert_eq!(first["created_at"], ack["created_at"]);
        assert!(first.get("reply_to_seq").is_none_or(Value::is_null), "{first}");
        let second = ws.expect_message(&w.channel).await;
        assert_eq!(second["seq"], 2);
        assert_eq!(second["reply_to_seq"], 1);
        assert_eq!(second["id"], reply["message_id"]);
    }
    no_more_messages(&mut [&mut lead_a, &mut lead_a2, &mut lead_b, &mut li, &mut liu, &mut outsider]).await;
}

async fn resending_a_client_msg_id_stores_and_delivers_once(bus: Bus) {
    let w = world(bus).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut lead = w.d.ws(&w.lead, 1).await;

    let first = li.send_message(&w.channel, "dup-1", "血压 150/95").await;
    let again = li.send_message(&w.channel, "dup-1", "血压 150/95").await;
    // the key decides, not the body: a resend with edited text is still the same message
    let edited = li.send_message(&w.channel, "dup-1", "血压 160/100").await;
    for resend in [&again, &edited] {
        assert_ne!(resend["id"], first["id"], "each ack echoes its own request id");
        for field in ["conversation_id", "seq", "message_id", "created_at"] {
            assert_eq!(resend[field], first[field], "{field}: {resend} vs {first}");
        }
    }

    for ws in [&mut lead, &mut li] {
        let m = ws.expect_message(&w.channel).await;
        assert_eq!(m["body"], "血压 150/95");
    }
    no_more_messages(&mut [&mut lead, &mut li]).await;

    // the REST resend of the same key is the same message too
    let r =
        w.d.on(&w.li, 1)
            .post(
                &format!("/api/v1/conversations/{}/messages", w.channel),
                &json!({ "client_msg_id": "dup-1", "body": "血压 150/95" }),
            )
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["created"], false);
    assert_eq!(r.body["message"]["id"], first["message_id"]);
    assert_eq!(r.body["message"]["body"], "血压 150/95");
    assert_eq!(history(&w.lead, &w.channel, "after_seq=0").await.len(), 1);
    let stored: i64 =
        w.d.db()
            .connect()
            .await
            .query_one("select count(*) from messages where client_msg_id = 'dup-1'", &[])
            .await
            .expect("count messages")
            .get(0);
    assert_eq!(stored, 1, "three sends of one key store one row");
    lead.expect_no_event(any_message, QUIET).await;

    // idempotency keys belong to their sender: another user's identical key is a new message
    let theirs = lead.send_message(&w.channel, "dup-1", "我也用了同一个键").await;
    assert_eq!(theirs["seq"], 2);
    assert_ne!(theirs["message_id"], first["message_id"]);
    assert_eq!(li.expect_message(&w.channel).await["body"], "我也用了同一个键");
}

async fn pipelined_sends_get_gapless_seqs_delivered_in_order(bus: Bus) {
    let w = world_with(bus, &[("WS_SEND_RATE_PER_SEC", "1000"), ("WS_SEND_BURST", "1000")]).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut liu = w.d.ws(&w.liu, 1).await;
    let batch = numbered("burst", 30);
    let acks = li.send_pipelined(&w.channel, &batch).await;
    let mut acked: Vec<i64> = acks
        .iter()
        .map(|a| {
            assert_eq!(a["type"], "ack", "{a}");
            a["seq"].as_i64().expect("seq")
        })
        .collect();
    acked.sort_unstable();
    assert_eq!(acked, one_to(30), "acked seqs are 1..=30 without gaps or repeats");
    // the node timed each send from its frame to its ack (operators tell a
    // slow node from a slow network by it)
    assert!(w.d.metric(0, "consilium_ws_send_seconds_count").await >= 30.0);
    assert!(w.d.metric(0, "consilium_ws_send_seconds_sum").await > 0.0);

    for ws in [&mut liu, &mut li] {
        let got = ws
            .expect_messages(&w.channel, 30, std::time::Duration::from_secs(15))
            .await;
        assert_eq!(seqs(&got), one_to(30), "delivered in seq order");
        for m in &got {
            let i = batch
                .iter()
                .position(|(id, _)| m["client_msg_id"] == id.as_str())
                .expect("a message we sent");
            assert_eq!(m["seq"], acks[i]["seq"], "the ack and the event agree on {m}");
            assert_eq!(m["body"], batch[i].1.as_str());
        }
    }
    no_more_messages(&mut [&mut liu, &mut li]).await;
}

async fn reconnecting_with_sync_loses_nothing(bus: Bus) {
    let w = world(bus).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let mut li = w.d.ws(&w.li, 1).await;
    for (id, body) in numbered("online", 3) {
        lead.send_message(&w.channel, &id, &body).await;
    }
    assert_eq!(
        seqs(&li.expect_messages(&w.channel, 3, crate::support::CLOSE_TIMEOUT).await),
        one_to(3)
    );
    li.close().await;

    // while li is away: five over the socket, one over REST from the other node
    for (id, body) in numbered("away", 5) {
        lead.send_message(&w.channel, &id, &body).await;
    }
    post_message(&w.d.on(&w.liu, 1), &w.channel, "away-rest", "离线期间的第六条").await;

    let mut li = w.d.ws(&w.li, 0).await;
    let channel = ready_conversation(&li.ready, &w.channel).expect("channel in ready");
    assert_eq!(channel["last_seq"], 9);
    let missed = li.sync(&[(w.channel.as_str(), 3)]).await;
    assert_eq!(seqs(&missed), (4..=9).collect::<Vec<_>>());
    assert_eq!(missed[0]["client_msg_id"], "away-1");
    assert_eq!(missed[5]["body"], "离线期间的第六条");
    assert!(
        li.sync(&[(w.channel.as_str(), 9)]).await.is_empty(),
        "nothing after the newest seq"
    );
    assert_eq!(seqs(&li.sync(&[(w.channel.as_str(), 0)]).await), one_to(9));

    // `sync` without an id is answered by `synced` without one
    li.send(json!({ "type": "sync", "cursors": { w.channel.clone(): 8 } }))
        .await;
    let last = li.expect_message(&w.channel).await;
    assert_eq!(last["seq"], 9);
    let synced = li.expect(of_type("synced")).await;
    assert!(synced["id"].is_null(), "{synced}");

    // cursors for conversations the user is not in sync nothing (an error is fine too)
    let other_team = fixtures::create_team(&w.d.admin, "别的团队", &w.outsider).await;
    let other = fixtures::team_channel(&w.outsider, &other_team).await;
    post_message(&w.outsider, &other, "secret-1", "别的团队的病例讨论").await;
    li.send(json!({ "type": "sync", "id": "foreign", "cursors": { other.clone(): 0 } }))
        .await;
    let answer = li.expect(answer_to("foreign")).await;
    assert!(
        answer["type"] == "synced" || (answer["type"] == "error" && answer["code"] == "not_found"),
        "{answer}"
    );
    li.expect_no_event(message_in(&other), QUIET).await;

    // and live delivery goes on after a sync
    lead.send_message(&w.channel, "after-sync", "同步之后的新消息").await;
    assert_eq!(li.expect_message(&w.channel).await["seq"], 10);
    li.expect_no_event(any_message, QUIET).await;
}

on_every_bus!(
    a_message_reaches_every_members_sessions_once_and_no_outsider,
    resending_a_client_msg_id_stores_and_delivers_once,
    pipelined_sends_get_gapless_seqs_delivered_in_order,
    reconnecting_with_sync_loses_nothing,
);

/// The message writer has a connection of its own: a node whose pooled
/// connections are all held up (here both, by requests waiting on the
/// locked audit trail, which a message does not touch) still stores
/// and delivers chat at once, instead of after the requests ahead of it in
/// the pool's queue.
#[tokio::test]
async fn sends_are_stored_while_every_pooled_connection_is_held_up() {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let w = world_with(Bus::Local, &[("DB_POOL_SIZE", "2")]).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut liu = w.d.ws(&w.liu, 0).await;

    let mut locker = consilium::db::connect(&w.d.db().url).await.expect("connect");
    locker
        .batch_execute("begin; lock table audit_events in access exclusive mode")
        .await
        .expect("lock the audit trail");
    // each read of the audit trail takes one of the pool's two connections
    // and waits on the lock
    let read_audit = || {
        let admin = w.d.admin.clone();
        tokio::spawn(async move { admin.get("/api/v1/audit?limit=1").await })
    };
    let mut held: Vec<_> = (0..2).map(|_| read_audit()).collect();
    // until Postgres shows the node's connection waiting on the lock
    let mut waiting = 0i64;
    for _ in 0..100 {
        let row: Waiting = diesel::sql_query(
            "select count(*) as n from pg_stat_activity \
             where datname = current_database() and wait_event_type = 'Lock'",
        )
        .get_result(&mut locker)
        .await
        .expect("pg_stat_activity");
        waiting = row.n;
        if waiting >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        waiting, 2,
        "both audit requests hold a pooled connection, waiting on the lock"
    );
    assert!(held.iter().all(|h| !h.is_finished()));

    let ack = li.send_message(&w.channel, "pool-busy-1", "血压 150/95，请评估").await;
    assert_eq!(ack["seq"], 1, "{ack}");
    let delivered = liu.expect_message(&w.channel).await;
    assert_eq!(delivered["client_msg_id"], "pool-busy-1");
    assert!(
        held.iter().all(|h| !h.is_finished()),
        "the message did not wait for the pool"
    );

    // a third request finds the pool empty and waits for a connection;
    // the node's metrics show that wait, and none for the writer
    held.push(read_audit());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    locker.batch_execute("commit").await.expect("unlock");
    for request in held {
        let answer = request.await.expect("request task");
        assert_eq!(
            answer.status, 200,
            "the requests go on once the lock is gone: {}",
            answer.body
        );
    }
    let requests_waited =
        w.d.metric(0, r#"consilium_db_pool_wait_seconds_sum{pool="requests"}"#)
            .await;
    assert!(
        requests_waited >= 0.3,
        "the third request's wait is counted: {requests_waited} s"
    );
    assert!(
        w.d.metric(0, r#"consilium_db_pool_wait_seconds_count{pool="writer"}"#)
            .await
            >= 1.0
    );
    let writer_waited =
        w.d.metric(0, r#"consilium_db_pool_wait_seconds_sum{pool="writer"}"#)
            .await;
    assert!(writer_waited < 0.3, "the writer never queued: {writer_waited} s");
}
