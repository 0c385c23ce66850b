//! The conversation REST API (spec section 3, Conversations): history paging,
//! sending, recall, read state, direct conversations. Sends and recalls are
//! also checked to reach live sockets, on every bus.

use consilium_tests::fixtures;
use consilium_tests::ws::{any_message, of_type, seqs};
use serde_json::{Value, json};

use crate::support::{Bus, QUIET, history, my_conversation, on_every_bus, one_to, post_message, world};

fn messages_path(conversation: &str) -> String {
    format!("/api/v1/conversations/{conversation}/messages")
}

#[tokio::test]
async fn history_pages_forwards_and_backwards() {
    let w = world(Bus::Local).await;
    for i in 1..=25 {
        post_message(&w.li, &w.channel, &format!("h-{i}"), &format!("第{i}条病程记录")).await;
    }
    let (lead, ch) = (&w.lead, w.channel.as_str());

    assert_eq!(seqs(&history(lead, ch, "after_seq=0&limit=10").await), one_to(10));
    assert_eq!(
        seqs(&history(lead, ch, "after_seq=10&limit=10").await),
        (11..=20).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs(&history(lead, ch, "after_seq=20&limit=10").await),
        (21..=25).collect::<Vec<_>>()
    );
    assert!(history(lead, ch, "after_seq=25&limit=10").await.is_empty());
    // backwards pages are the newest before the cursor, still oldest first
    assert_eq!(
        seqs(&history(lead, ch, "before_seq=16&limit=10").await),
        (6..=15).collect::<Vec<_>>()
    );
    assert_eq!(seqs(&history(lead, ch, "before_seq=6&limit=10").await), one_to(5));
    assert!(history(lead, ch, "before_seq=1&limit=10").await.is_empty());
    // no cursor: the newest page
    assert_eq!(
        seqs(&history(lead, ch, "limit=10").await),
        (16..=25).collect::<Vec<_>>()
    );
    assert_eq!(seqs(&history(lead, ch, "").await), one_to(25));
    let first = &history(lead, ch, "after_seq=0&limit=1").await[0];
    assert_eq!(first["body"], "第1条病程记录");
    assert_eq!(first["sender_id"], w.li.user_id());
    assert_eq!(first["client_msg_id"], "h-1");

    // walking page by page either way sees every message exactly once
    let mut forwards = Vec::new();
    let mut cursor = 0;
    loop {
        let items = history(lead, ch, &format!("after_seq={cursor}&limit=7")).await;
        let Some(last) = items.last() else { break };
        cursor = last["seq"].as_i64().expect("seq");
        forwards.extend(seqs(&items));
    }
    assert_eq!(forwards, one_to(25));
    let mut backwards = Vec::new();
    let mut cursor = 26;
    loop {
        let items = history(lead, ch, &format!("before_seq={cursor}&limit=7")).await;
        let Some(first) = items.first() else { break };
        cursor = first["seq"].as_i64().expect("seq");
        let mut chunk = seqs(&items);
        chunk.extend(backwards);
        backwards = chunk;
    }
    assert_eq!(backwards, one_to(25));

    // the spec's page limit is 200: asking for more is refused or capped
    let r = w.lead.get(&format!("{}?limit=1000", messages_path(&w.channel))).await;
    assert!(
        r.status == 400 || (r.status == 200 && r.body["items"].as_array().is_some_and(|i| i.len() <= 200)),
        "{}",
        r.body
    );
    let r = w
        .lead
        .get(&format!("{}?after_seq=abc", messages_path(&w.channel)))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test]
async fn conversations_are_invisible_to_non_members() {
    let w = world(Bus::Local).await;
    post_message(&w.li, &w.channel, "private", "患者隐私信息").await;
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/api/v1/conversations/{}", w.channel),
        messages_path(&w.channel),
        format!("/api/v1/conversations/{unknown}"),
        messages_path(&unknown.to_string()),
    ] {
        let r = w.outsider.get(&path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert_eq!(r.error_code(), "not_found");
    }
    let r = w
        .outsider
        .post(
            &messages_path(&w.channel),
            &json!({ "client_msg_id": "x", "body": "闯入" }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = w
        .outsider
        .put(
            &format!("/api/v1/conversations/{}/read", w.channel),
            &json!({ "seq": 1 }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // admins manage rosters but do not read patient talk unless they are members
    assert_eq!(w.d.admin.get(&messages_path(&w.channel)).await.status, 404);
    assert!(my_conversation(&w.outsider, &w.channel).await.is_none());
    let anon = consilium_tests::Api::new(w.d.node(0));
    assert_eq!(anon.get(&messages_path(&w.channel)).await.status, 401);
}

async fn rest_sends_are_idempotent_and_reach_every_socket(bus: Bus) {
    let w = world(bus).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let li_rest = w.d.on(&w.li, 1);
    let path = messages_path(&w.channel);
    let body = json!({ "client_msg_id": "rest-1", "body": "请各位看一下这份CT报告" });

    let first = li_rest.post(&path, &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["created"], true);
    let message = &first.body["message"];
    assert_eq!(message["seq"], 1);
    assert_eq!(message["conversation_id"], w.channel);
    assert_eq!(message["sender_id"], w.li.user_id());
    assert_eq!(message["recalled"], false);

    let again = li_rest.post(&path, &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["created"], false);
    assert_eq!(
        again.body["message"], *message,
        "a resend returns the original, unchanged"
    );

    for ws in [&mut lead, &mut li] {
        let live = ws.expect_message(&w.channel).await;
        assert_eq!(live, *message, "the socket gets the same message REST returned");
    }
    lead.expect_no_event(any_message, QUIET).await;
    li.expect_no_event(any_message, QUIET).await;

    // a reply over REST, then one over the socket: one seq space
    let reply = li_rest
        .post(
            &path,
            &json!({ "client_msg_id": "rest-2", "body": "看过了，考虑肺栓塞", "reply_to_seq": 1 }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["message"]["seq"], 2);
    assert_eq!(reply.body["message"]["reply_to_seq"], 1);
    let ack = lead.send_message(&w.channel, "ws-3", "同意，先做D-二聚体").await;
    assert_eq!(ack["seq"], 3);
    assert_eq!(seqs(&history(&w.lead, &w.channel, "after_seq=0").await), one_to(3));
}

#[tokio::test]
async fn rest_sends_validate_their_input() {
    let w = world(Bus::Local).await;
    let path = messages_path(&w.channel);
    for bad in [
        json!({ "client_msg_id": "", "body": "空的键" }),
        json!({ "client_msg_id": "k".repeat(101), "body": "键太长" }),
        json!({ "body": "没有键" }),
        json!({ "client_msg_id": "no-body" }),
        json!({ "client_msg_id": "extra", "body": "多余字段", "sender_id": w.lead.user_id() }),
        json!({ "client_msg_id": "typed", "body": 42 }),
    ] {
        let r = w.li.post(&path, &bad).await;
        assert_eq!(r.status, 400, "{bad} → {}", r.body);
        assert_eq!(r.error_code(), "invalid");
    }
    let r =
        w.li.send_raw(
            reqwest::Method::POST,
            &path,
            "application/json",
            b"{\"client_msg_id\":".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(history(&w.lead, &w.channel, "after_seq=0").await.is_empty());
    let ok =
        w.li.post(
            &path,
            &json!({ "client_msg_id": "k".repeat(100), "body": "键正好一百个字符" }),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

async fn recall_leaves_a_tombstone_and_the_audit_keeps_the_original(bus: Bus) {
    let w = world(bus).await;
    let mut lead = w.d.ws(&w.lead, 1).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let original = "患者姓名写错了：张三丰，身份证号110101";
    let ack = li.send_message(&w.channel, "oops", original).await;
    let seq = ack["seq"].as_i64().expect("seq");
    lead.expect_message(&w.channel).await;
    let recall_path = format!("{}/{seq}/recall", messages_path(&w.channel));

    // only the sender recalls; outsiders do not even see it
    let r = w.lead.post(&recall_path, &json!({})).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.error_code(), "forbidden");
    assert_eq!(w.outsider.post(&recall_path, &json!({})).await.status, 404);
    let r =
        w.li.post(&format!("{}/99/recall", messages_path(&w.channel)), &json!({}))
            .await;
    assert_eq!(r.status, 404, "{}", r.body);

    let r = w.d.on(&w.li, 1).post(&recall_path, &json!({})).await;
    assert!((200..300).contains(&r.status), "{}", r.body);
    for ws in [&mut lead, &mut li] {
        let event = ws.expect(of_type("message_recalled")).await;
        assert_eq!(event["conversation_id"], w.channel);
        assert_eq!(event["seq"], seq);
    }

    // readers see a tombstone in its place, everywhere they look
    let items = history(&w.lead, &w.channel, "after_seq=0").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["recalled"], true);
    assert_eq!(items[0]["body"], "");
    assert_eq!(items[0]["seq"], seq);
    let listed = my_conversation(&w.lead, &w.channel).await.expect("listed");
    assert_eq!(listed["last_message"]["recalled"], true);
    assert_eq!(listed["last_message"]["body"], "");
    let synced = lead.sync(&[(w.channel.as_str(), 0)]).await;
    assert_eq!(synced.len(), 1);
    assert_eq!(synced[0]["recalled"], true);
    assert_eq!(synced[0]["body"], "");
    let found = w
        .lead
        .get(&format!("/api/v1/search?q={}", fixtures::encode_query("张三丰")))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["messages"], json!([]), "a recalled body is not searchable");

    // the original survives only in the audit trail
    let audit = w.d.audit("message_recalled").await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["actor_id"], w.li.user_id());
    // admins read the trail but not patient content: the API shows only its size
    assert!(!audit[0]["detail"].to_string().contains(original), "{}", audit[0]);
    assert_eq!(audit[0]["detail"]["original_body"]["redacted"], true, "{}", audit[0]);
    let db = w.d.db().connect().await;
    let stored: String = db
        .query_one(
            "select detail ->> 'original_body' from audit_events where action = 'message_recalled'",
            &[],
        )
        .await
        .expect("audit row")
        .get(0);
    assert_eq!(stored, original, "the audit row keeps the original body");
    // a resend of the recalled message's key does not resurrect it
    let resend = li.send_message(&w.channel, "oops", original).await;
    assert_eq!(resend["seq"], seq);
    let items = history(&w.lead, &w.channel, "after_seq=0").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["body"], "");
}

#[tokio::test]
async fn read_state_drives_unread_counts() {
    let w = world(Bus::Local).await;
    for i in 1..=5 {
        post_message(&w.lead, &w.channel, &format!("r-{i}"), &format!("查房记录{i}")).await;
    }
    let mine = my_conversation(&w.li, &w.channel).await.expect("listed");
    assert_eq!(mine["kind"], "team");
    assert_eq!(mine["last_seq"], 5);
    assert_eq!(mine["last_read_seq"], 0);
    assert_eq!(mine["unread"], 5);
    assert_eq!(mine["last_message"]["seq"], 5);
    assert_eq!(mine["last_message"]["body"], "查房记录5");

    let read_path = format!("/api/v1/conversations/{}/read", w.channel);
    let r = w.li.put(&read_path, &json!({ "seq": 3 })).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let mine = my_conversation(&w.li, &w.channel).await.expect("listed");
    assert_eq!(mine["last_read_seq"], 3);
    assert_eq!(mine["unread"], 2);
    // never backwards
    assert_eq!(w.li.put(&read_path, &json!({ "seq": 1 })).await.status, 204);
    assert_eq!(my_conversation(&w.li, &w.channel).await.expect("listed")["unread"], 2);
    // other people's counts are their own
    assert_eq!(my_conversation(&w.liu, &w.channel).await.expect("listed")["unread"], 5);
    assert_eq!(w.li.put(&read_path, &json!({ "seq": "x" })).await.status, 400);

    let detail = w.liu.get(&format!("/api/v1/conversations/{}", w.channel)).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["id"], w.channel);
    assert_eq!(detail.body["last_seq"], 5);
    let members = detail.body["members"].as_array().expect("members");
    assert_eq!(members.len(), 3, "the roster: {}", detail.body);
    let read_of = |user: &str| {
        members
            .iter()
            .find(|m| m["user"]["id"] == user)
            .map(|m| m["last_read_seq"].clone())
    };
    assert_eq!(read_of(&w.li.user_id()), Some(json!(3)));
    assert_eq!(read_of(&w.liu.user_id()), Some(json!(0)));
    assert!(
        members.iter().all(|m| m["user"].get("password_hash").is_none()),
        "{}",
        detail.body
    );

    // reading everything clears the badge; a new message brings it back
    assert_eq!(w.li.put(&read_path, &json!({ "seq": 5 })).await.status, 204);
    assert_eq!(my_conversation(&w.li, &w.channel).await.expect("listed")["unread"], 0);
    post_message(&w.lead, &w.channel, "r-6", "新的会诊意见").await;
    let mine = my_conversation(&w.li, &w.channel).await.expect("listed");
    assert_eq!(mine["unread"], 1);
    assert_eq!(mine["last_message"]["seq"], 6);
}

async fn direct_conversations_are_get_or_create(bus: Bus) {
    let w = world(bus).await;
    let mut li = w.d.ws(&w.li, 1).await;
    let outsider_path = format!("/api/v1/direct/{}", w.outsider.user_id());

    let created = w.li.post(&outsider_path, &json!({})).await;
    assert!(matches!(created.status, 200 | 201), "{}", created.body);
    let dm = created.body["id"].as_str().expect("conversation id").to_owned();
    assert_eq!(created.body["kind"], "direct");
    assert_eq!(created.body["peer_id"], w.outsider.user_id());
    let again = w.li.post(&outsider_path, &json!({})).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], dm.as_str());
    let theirs =
        w.d.on(&w.outsider, 1)
            .post(&format!("/api/v1/direct/{}", w.li.user_id()), &json!({}))
            .await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert_eq!(
        theirs.body["id"],
        dm.as_str(),
        "one conversation per pair, whoever asks"
    );
    assert_eq!(theirs.body["peer_id"], w.li.user_id());

    // live both ways, across nodes, once li's socket has picked the new conversation up
    // (a message committed before that arrives inside `conversation_added` instead)
    li.expect(|e| e["type"] == "conversation_added" && e["conversation"]["id"] == dm.as_str())
        .await;
    let mut outsider = w.d.ws(&w.outsider, 0).await;
    assert!(crate::support::ready_conversation(&outsider.ready, &dm).is_some());
    let ack = outsider.send_message(&dm, "dm-1", "李医生，私下问一个病例").await;
    assert_eq!(ack["seq"], 1);
    assert_eq!(
        outsider.expect_message(&dm).await["client_msg_id"],
        "dm-1",
        "the sender's own copy"
    );
    assert_eq!(li.expect_message(&dm).await["body"], "李医生，私下问一个病例");
    li.send_message(&dm, "dm-2", "请讲").await;
    assert_eq!(outsider.expect_message(&dm).await["client_msg_id"], "dm-2");
    assert!(my_conversation(&w.li, &dm).await.is_some());

    // nobody else reads it
    let mut lead = w.d.ws(&w.lead, 0).await;
    assert_eq!(w.lead.get(&format!("/api/v1/conversations/{dm}")).await.status, 404);
    assert_eq!(w.lead.get(&messages_path(&dm)).await.status, 404);
    let probe = lead.try_send_message(&dm, "intrude", "插话").await;
    assert_eq!(probe["code"], "not_found", "{probe}");
    li.send_message(&dm, "dm-3", "好的").await;
    lead.expect_no_event(any_message, QUIET).await;

    let r =
        w.li.post(&format!("/api/v1/direct/{}", uuid::Uuid::now_v7()), &json!({}))
            .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

on_every_bus!(
    rest_sends_are_idempotent_and_reach_every_socket,
    recall_leaves_a_tombstone_and_the_audit_keeps_the_original,
    direct_conversations_are_get_or_create,
);

/// Sends that arrive together are committed together (group commit); a
/// burst that mixes good sends, resends of one `client_msg_id`, a stranger's
/// send, a reply to nothing and mentions must still mean exactly what each
/// send means alone, with gapless seqs.
#[tokio::test]
async fn a_burst_of_mixed_sends_keeps_each_sends_meaning() {
    let w = world(Bus::Local).await;
    let ch = w.channel.as_str();
    post_message(&w.lead, ch, "first", "第一条").await;
    let send = |api: &consilium_tests::http::Api, client_msg_id: String, body: Value| {
        let api = api.clone();
        let path = messages_path(ch);
        async move {
            let mut body = body;
            body["client_msg_id"] = json!(client_msg_id);
            api.post(&path, &body).await
        }
    };
    let mut requests = Vec::new();
    for i in 0..60 {
        let api = [&w.lead, &w.li, &w.liu][i % 3];
        // a fifth of them mention someone (those are resolved one at a time)
        let body = if i % 5 == 0 {
            format!("会诊意见 {i} @dr_li")
        } else {
            format!("会诊意见 {i}")
        };
        requests.push(send(api, format!("burst-{i}"), json!({ "body": body })));
    }
    for _ in 0..8 {
        requests.push(send(&w.liu, "same-key".into(), json!({ "body": "重复发送" })));
    }
    for i in 0..4 {
        requests.push(send(
            &w.outsider,
            format!("stranger-{i}"),
            json!({ "body": "不该出现" }),
        ));
        requests.push(send(
            &w.li,
            format!("bad-reply-{i}"),
            json!({ "body": "回复", "reply_to_seq": 9999 }),
        ));
    }
    let responses = futures_util::future::join_all(requests).await;

    let (good, rest) = responses.split_at(60);
    let (same_key, rest) = rest.split_at(8);
    for (i, r) in good.iter().enumerate() {
        assert_eq!(r.status, 201, "{}", r.body);
        let mentions = if i % 5 == 0 { json!([w.li.user_id()]) } else { json!([]) };
        assert_eq!(r.body["message"]["mentions"], mentions, "{}", r.body);
    }
    let created: Vec<&consilium_tests::http::Resp> = same_key.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        created.len(),
        1,
        "one resend of a client_msg_id stores, the rest answer with it"
    );
    let original = &created[0].body["message"];
    for r in same_key {
        assert!(r.status == 201 || r.status == 200, "{}", r.body);
        assert_eq!(r.body["message"]["id"], original["id"]);
        assert_eq!(r.body["message"]["seq"], original["seq"]);
    }
    for pair in rest.chunks(2) {
        assert_eq!(pair[0].status, 404, "a stranger's send: {}", pair[0].body);
        assert_eq!(pair[1].status, 400, "a reply to nothing: {}", pair[1].body);
        assert_eq!(pair[1].body["error"]["code"], "invalid");
    }

    // 1 + 60 + 1 messages, gapless, each once, in the order of their seqs
    let all = history(&w.lead, ch, "after_seq=0&limit=200").await;
    assert_eq!(seqs(&all), one_to(62));
    let mut ids: Vec<&str> = all.iter().filter_map(|m| m["client_msg_id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 62);
    assert!(all.iter().all(|m| m["sender_id"] != w.outsider.user_id()));
    let conversation = my_conversation(&w.li, ch).await.expect("li's channel");
    assert_eq!(conversation["last_seq"], 62);

    // and they really were written in batches
    let (messages, batches) = (
        w.d.metric(0, "consilium_message_batch_size_sum").await,
        w.d.metric(0, "consilium_message_batch_size_count").await,
    );
    assert!(messages > batches, "{messages} messages in {batches} batches");
}
