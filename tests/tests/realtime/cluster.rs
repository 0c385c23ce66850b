//! Two real server processes sharing Postgres and Redis: concurrent senders on
//! different nodes, and a Redis outage that must lose no acked message; the
//! same on a Redis Cluster, where a master dies during traffic.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use consilium_tests::node::{Cluster, ClusterOptions, RedisCluster, RedisServer};
use consilium_tests::test_redis_cluster_url;
use consilium_tests::ws::{WsClient, any_message, message_in, message_with_client_id, seqs};
use serde_json::Value;
use tokio::time::Instant;

use crate::support::{Bus, Deployment, QUIET, numbered, one_to, world_on, world_with};

/// Ack seqs by client_msg_id, asserting every answer is an ack.
fn acked_seqs(batch: &[(String, String)], answers: &[Value]) -> BTreeMap<String, i64> {
    batch
        .iter()
        .zip(answers)
        .map(|((id, _), a)| {
            assert_eq!(a["type"], "ack", "{id}: {a}");
            (id.clone(), a["seq"].as_i64().expect("seq"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_on_two_nodes_arrive_gapless_and_in_order_everywhere() {
    two_senders_on_two_nodes(Bus::TwoNodes).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_on_two_nodes_on_a_redis_cluster_arrive_gapless_and_in_order_everywhere() {
    two_senders_on_two_nodes(Bus::TwoNodesOnRedisCluster).await
}

async fn two_senders_on_two_nodes(bus: Bus) {
    let w = world_with(bus, &[("WS_SEND_RATE_PER_SEC", "1000"), ("WS_SEND_BURST", "1000")]).await;
    let mut a = w.d.ws(&w.lead, 0).await;
    let mut b = w.d.ws(&w.li, 1).await;
    let mut watcher_1 = w.d.ws(&w.liu, 1).await;
    let mut watcher_0 = w.d.ws(&w.liu, 0).await;

    let batch_a = numbered("node0", 50);
    let batch_b = numbered("node1", 50);
    let (answers_a, answers_b) = tokio::join!(
        a.send_pipelined(&w.channel, &batch_a),
        b.send_pipelined(&w.channel, &batch_b)
    );
    let mut by_client_id = acked_seqs(&batch_a, &answers_a);
    by_client_id.extend(acked_seqs(&batch_b, &answers_b));
    let all_seqs: BTreeSet<i64> = by_client_id.values().copied().collect();
    assert_eq!(all_seqs.len(), 100, "two senders never share a seq");
    assert_eq!(all_seqs.into_iter().collect::<Vec<_>>(), one_to(100));

    for ws in [&mut watcher_1, &mut watcher_0, &mut a, &mut b] {
        let got = ws.expect_messages(&w.channel, 100, Duration::from_secs(30)).await;
        assert_eq!(seqs(&got), one_to(100), "gapless and in seq order");
        for m in &got {
            let id = m["client_msg_id"].as_str().expect("client_msg_id");
            assert_eq!(m["seq"], by_client_id[id], "event and ack agree for {id}");
        }
    }
    futures_util::future::join_all(
        [&mut watcher_1, &mut watcher_0, &mut a, &mut b]
            .into_iter()
            .map(|ws| ws.expect_no_event(any_message, QUIET)),
    )
    .await;
    let stored = crate::support::history(&w.lead, &w.channel, "after_seq=0&limit=200").await;
    assert_eq!(seqs(&stored), one_to(100));
}

/// GET /readyz with a short timeout: status and body, or `None` if it did not answer.
async fn readyz(address: &str) -> Option<(u16, Value)> {
    let r = reqwest::Client::new()
        .get(format!("{address}/readyz"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.unwrap_or(Value::Null)))
}

/// Polls `/readyz` of `address` until it answers `status`; returns the body.
async fn wait_readyz(address: &str, status: u16, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        last = readyz(address).await;
        if let Some((s, body)) = &last
            && *s == status
        {
            return body.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{address}/readyz never answered {status} within {within:?}; last: {last:?}");
}

#[tokio::test]
async fn a_redis_outage_loses_no_acked_message_and_cross_node_delivery_resumes() {
    let mut redis = RedisServer::spawn().await;
    let cluster = Cluster::start(ClusterOptions {
        nodes: 2,
        redis_url: Some(redis.url.clone()),
        env: Vec::new(),
    })
    .await;
    let w = world_on(Deployment::from_cluster(cluster)).await;
    let mut a = w.d.ws(&w.lead, 0).await;
    let mut b = w.d.ws(&w.li, 1).await;
    let mut acks: Vec<Value> = Vec::new();
    // seqs of every channel message b took off its socket, to prove none came twice
    let mut b_live: Vec<i64> = Vec::new();

    // a normal conversation across the nodes
    for (id, body) in numbered("before", 3) {
        acks.push(a.send_message(&w.channel, &id, &body).await);
    }
    let before = b.expect_messages(&w.channel, 3, Duration::from_secs(5)).await;
    assert_eq!(seqs(&before), one_to(3));
    // the sender gets its own copies too
    assert_eq!(
        seqs(&a.expect_messages(&w.channel, 3, Duration::from_secs(5)).await),
        one_to(3)
    );
    b_live.extend(seqs(&before));
    acks.push(b.send_message(&w.channel, "before-b", "收到").await);
    assert_eq!(a.expect_message(&w.channel).await["seq"], 4);
    let seen_by_b_before = 4;

    // Redis goes away: Postgres is the truth, so sends still commit and ack
    redis.stop().await;
    for (id, body) in numbered("during", 5) {
        acks.push(a.send_message(&w.channel, &id, &body).await);
    }
    for (id, body) in numbered("during-b", 2) {
        acks.push(b.send_message(&w.channel, &id, &body).await);
    }
    for node in 0..2 {
        let body = wait_readyz(w.d.node(node), 503, Duration::from_secs(10)).await;
        assert_eq!(body["redis"], false, "{body}");
        assert_eq!(body["postgres"], true, "{body}");
    }

    // Redis comes back on the same port; the nodes reconnect by themselves
    redis.start().await;
    for node in 0..2 {
        let body = wait_readyz(w.d.node(node), 200, Duration::from_secs(15)).await;
        assert_eq!(body["redis"], true, "{body}");
    }

    // live cross-node delivery resumes (re-subscribing may lag readiness a little)
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut probe = 0;
    loop {
        probe += 1;
        let id = format!("probe-{probe}");
        acks.push(a.send_message(&w.channel, &id, "重连探测").await);
        if let Ok(event) = b.wait_for(message_with_client_id(&id), Duration::from_secs(1)).await {
            b_live.push(event["message"]["seq"].as_i64().expect("seq"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no live delivery from node 0 to node 1 within 15 s of Redis coming back"
        );
    }
    for (id, body) in numbered("after", 3) {
        acks.push(a.send_message(&w.channel, &id, &body).await);
        let event = b.expect(message_with_client_id(&id)).await;
        assert_eq!(event["message"]["body"], body.as_str());
        b_live.push(event["message"]["seq"].as_i64().expect("seq"));
    }
    acks.push(b.send_message(&w.channel, "after-b", "恢复正常").await);
    a.expect(message_with_client_id("after-b")).await;

    // every acked message is stored exactly once, gapless, and `sync` returns it in order
    let total = acks.len() as i64;
    let mut acked: Vec<i64> = acks.iter().map(|a| a["seq"].as_i64().expect("seq")).collect();
    acked.sort_unstable();
    assert_eq!(acked, one_to(total), "acks: {acks:?}");
    // the receiving user syncs from what b had seen before the outage (on a
    // new socket, so b's own unread live events cannot be mistaken for sync output)
    let mut b_again = WsClient::connect_to(w.d.node(1), &w.li).await;
    let synced = b_again.sync(&[(w.channel.as_str(), seen_by_b_before)]).await;
    assert_eq!(seqs(&synced), (seen_by_b_before + 1..=total).collect::<Vec<_>>());
    for m in &synced {
        let ack = acks
            .iter()
            .find(|a| a["seq"] == m["seq"])
            .expect("an ack for every seq");
        assert_eq!(m["id"], ack["message_id"]);
    }
    // a fresh client on the other node agrees
    let mut fresh = WsClient::connect_to(w.d.node(0), &w.liu).await;
    assert_eq!(seqs(&fresh.sync(&[(w.channel.as_str(), 0)]).await), one_to(total));

    // whatever b got live, it never got a message twice
    b.expect_no_event(|_| false, QUIET).await;
    let live: Vec<Value> = b
        .take_matching(message_in(&w.channel))
        .into_iter()
        .map(|e| e["message"].clone())
        .collect();
    b_live.extend(seqs(&live));
    let distinct: BTreeSet<i64> = b_live.iter().copied().collect();
    assert_eq!(distinct.len(), b_live.len(), "duplicates in live delivery: {b_live:?}");
}

#[tokio::test]
async fn a_crashed_nodes_users_go_offline_by_themselves() {
    a_crashed_nodes_users_go_offline(None).await
}

#[tokio::test]
async fn a_crashed_nodes_users_go_offline_by_themselves_on_a_redis_cluster() {
    a_crashed_nodes_users_go_offline(Some(test_redis_cluster_url())).await
}

async fn a_crashed_nodes_users_go_offline(redis_url: Option<String>) {
    let cluster = Cluster::start(ClusterOptions {
        nodes: 2,
        redis_url,
        env: vec![
            ("PRESENCE_TTL_MS".into(), "1500".into()),
            ("WS_HEARTBEAT_MS".into(), "400".into()),
        ],
    })
    .await;
    let mut w = world_on(Deployment::from_cluster(cluster)).await;
    let li_id = w.li.user_id();
    let mut watcher = w.d.ws(&w.lead, 0).await;
    let _li_on_node_1 = w.d.ws(&w.li, 1).await;
    let is_li = |status: &'static str| {
        let li_id = li_id.clone();
        move |v: &Value| v["type"] == "presence" && v["user_id"] == li_id.as_str() && v["status"] == status
    };
    watcher.expect(is_li("online")).await;

    // node 1 dies without saying goodbye: nobody removes li's presence entry
    w.d.cluster_mut().expect("a cluster").nodes[1].kill().await;
    let offline = watcher.wait_for(is_li("offline"), Duration::from_secs(10)).await;
    assert!(offline.is_ok(), "li stayed online after their node crashed");
    // and a newcomer's snapshot agrees
    let fresh = w.d.ws(&w.liu, 0).await;
    let entry = fresh.ready["presence"]
        .as_array()
        .expect("presence")
        .iter()
        .find(|p| p["user_id"] == li_id.as_str())
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(entry["status"], "offline", "{}", fresh.ready["presence"]);
}

/// Case materials across nodes (SPEC §6): a file uploaded to one node of a
/// cluster sharing an S3-protocol store is announced live on the other
/// node, with URLs signed for its reader, and served by it byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_uploaded_on_one_node_is_served_by_the_other_from_the_shared_s3_store() {
    let s3 = consilium_tests::s3_env().await;
    let env: Vec<(&str, &str)> = s3.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let w = world_with(Bus::TwoNodes, &env).await;
    let mut reader = w.d.ws(&w.liu, 1).await;
    let ecg = consilium_tests::attachment_fixture("ct-small.dcm");
    let uploaded = w.d.on(&w.li, 0).upload(&w.channel, "胸部CT.dcm", &ecg).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let sent = w
        .d
        .on(&w.li, 0)
        .post(
            &format!("/api/v1/conversations/{}/messages", w.channel),
            &serde_json::json!({ "client_msg_id": "ct-1", "body": "CT 见附件", "attachment_ids": [uploaded.body["id"]] }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let event = reader
        .expect_event(message_with_client_id("ct-1"), Duration::from_secs(10))
        .await;
    let file = &event["message"]["attachments"][0];
    assert_eq!(file["dicom"]["modality"], "CT");
    let url = file["content_url"].as_str().unwrap_or_default();
    assert!(
        url.contains(&format!("u={}", w.liu.user_id())),
        "signed for the reader: {url}"
    );
    let served = w.d.on(&w.liu, 1).fetch_bytes(url, None, false).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body, ecg, "node 1 serves node 0's upload from the shared store");
    let preview =
        w.d.on(&w.liu, 1)
            .fetch_bytes(file["preview_url"].as_str().unwrap_or_default(), None, false)
            .await;
    assert_eq!(preview.status, 200);
    assert!(preview.header("content-type").starts_with("image/"), "{preview:?}");
    // and the other way round: node 1 answers for node 0's signatures too
    let back =
        w.d.on(&w.li, 1)
            .fetch_bytes(
                uploaded.body["content_url"].as_str().unwrap_or_default(),
                Some("bytes=128-131"),
                false,
            )
            .await;
    assert_eq!((back.status, back.body.as_slice()), (206, &b"DICM"[..]));
}

/// A Redis Cluster master dies while both nodes send: every acked message is
/// stored once, the receiving socket still gets every one in seq order (live,
/// or caught up after the node resubscribes on the promoted replica), live
/// fan-out resumes after the failover, and `sync` returns everything. The
/// cluster is the test's own, so killing a master disturbs no other test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_failover_loses_no_acked_message_and_fan_out_resumes() {
    let mut redis = RedisCluster::spawn().await;
    let cluster = Cluster::start(ClusterOptions {
        nodes: 2,
        redis_url: Some(redis.url.clone()),
        env: vec![
            ("WS_SEND_RATE_PER_SEC".into(), "1000".into()),
            ("WS_SEND_BURST".into(), "1000".into()),
        ],
    })
    .await;
    let channel_name = |prefix: &str, conversation: &str| format!("{prefix}:conv:{conversation}");
    let prefix = cluster.redis_prefix.clone();
    let w = world_on(Deployment::from_cluster(cluster)).await;
    let mut a = w.d.ws(&w.lead, 0).await;
    let mut b = w.d.ws(&w.li, 1).await;
    // probes the live path, so b's own stream of events stays untouched
    let mut watcher = w.d.ws(&w.liu, 1).await;
    let mut acks: Vec<Value> = Vec::new();

    // traffic across the nodes, through the shard that owns the channel
    for (id, body) in numbered("before", 3) {
        acks.push(a.send_message(&w.channel, &id, &body).await);
    }
    let mut b_got = b.expect_messages(&w.channel, 3, Duration::from_secs(10)).await;
    assert_eq!(seqs(&b_got), one_to(3));
    acks.push(b.send_message(&w.channel, "before-b", "收到").await);
    a.expect(message_with_client_id("before-b")).await;
    let seen_by_b_before = 4;

    // that shard's master dies in the middle of a stream of sends from both nodes
    let victim = redis.master_of(&channel_name(&prefix, &w.channel)).await;
    let sends = async {
        let mut acked = Vec::new();
        for i in 0..20 {
            acked.push(
                a.send_message(&w.channel, &format!("during-a-{i}"), "主节点故障期间")
                    .await,
            );
            acked.push(
                b.send_message(&w.channel, &format!("during-b-{i}"), "主节点故障期间")
                    .await,
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        acked
    };
    let crash = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        redis.kill(victim).await;
    };
    let (during, ()) = tokio::join!(sends, crash);
    for ack in &during {
        assert_eq!(ack["type"], "ack", "a send during the failover was not acked: {ack}");
    }
    acks.extend(during);

    // a replica has taken over the slots (during the sends, or now); the cluster is whole again
    redis.wait_failover(&channel_name(&prefix, &w.channel), victim).await;

    // live cross-node fan-out resumes on the promoted master
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut probe = 0;
    loop {
        probe += 1;
        let id = format!("probe-{probe}");
        acks.push(a.send_message(&w.channel, &id, "故障转移探测").await);
        if watcher
            .wait_for(message_with_client_id(&id), Duration::from_secs(1))
            .await
            .is_ok()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no live delivery from node 0 to node 1 within 30 s of the failover"
        );
    }
    for (id, body) in numbered("after", 3) {
        acks.push(a.send_message(&w.channel, &id, &body).await);
        watcher.expect(message_with_client_id(&id)).await;
    }

    // the old master comes back as a replica, and nothing changes for the clients
    redis.restart(victim).await;
    acks.push(b.send_message(&w.channel, "after-b", "恢复正常").await);
    a.expect(message_with_client_id("after-b")).await;

    // every acked message is stored once, gapless
    let total = acks.len() as i64;
    let mut acked: Vec<i64> = acks.iter().map(|a| a["seq"].as_i64().expect("seq")).collect();
    acked.sort_unstable();
    assert_eq!(acked, one_to(total), "acks: {acks:?}");

    // b's socket got every message once and in seq order: live, or caught
    // up once its node resubscribed on the promoted master
    let rest = b
        .expect_messages(&w.channel, (total - 3) as usize, Duration::from_secs(30))
        .await;
    b_got.extend(rest);
    assert_eq!(seqs(&b_got), one_to(total), "b's socket, live and caught up");
    b.expect_no_event(message_in(&w.channel), QUIET).await;

    // sync on a new socket returns everything past what b had seen before
    let mut b_again = WsClient::connect_to(w.d.node(1), &w.li).await;
    let synced = b_again.sync(&[(w.channel.as_str(), seen_by_b_before)]).await;
    assert_eq!(seqs(&synced), (seen_by_b_before + 1..=total).collect::<Vec<_>>());
    // and a fresh client on the other node agrees
    let mut fresh = WsClient::connect_to(w.d.node(0), &w.liu).await;
    assert_eq!(seqs(&fresh.sync(&[(w.channel.as_str(), 0)]).await), one_to(total));
}
