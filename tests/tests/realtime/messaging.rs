//! Everyday messaging (SPEC §8): edits with their history, reactions, group
//! mentions, and search with snippets, highlights, filters and paging.

use std::time::Duration;

use consilium_tests::fixtures::encode_query;
use consilium_tests::http::Resp;
use consilium_tests::{Api, ws::WsClient};
use serde_json::{Value, json};

use crate::support::{Bus, on_every_bus, post_message, world, world_with};

fn assert_reason(r: &Resp, status: u16, reason: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], reason, "{what}: {}", r.body);
}

fn path(conversation: &str, seq: i64) -> String {
    format!("/api/v1/conversations/{conversation}/messages/{seq}")
}

fn reaction(conversation: &str, seq: i64, emoji: &str) -> String {
    format!("{}/reactions/{}", path(conversation, seq), encode_query(emoji))
}

fn edited(conversation: &str, seq: i64) -> impl Fn(&Value) -> bool + use<> {
    let conversation = conversation.to_owned();
    move |e| e["type"] == "message_edited" && e["conversation_id"] == conversation.as_str() && e["seq"] == seq
}

fn reacted(emoji: &str, added: bool) -> impl Fn(&Value) -> bool + use<> {
    let emoji = emoji.to_owned();
    move |e| e["type"] == "reaction" && e["emoji"] == emoji.as_str() && e["added"] == added
}

/// The sender edits on one node (REST) and again over the websocket; every
/// member hears each edit live on whichever node they are; every version
/// stays readable by those allowed, and each edit is audited.
async fn edits_reach_every_member_and_keep_every_version(bus: Bus) {
    let w = world(bus).await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let mut li_ws = w.d.ws(&w.li, 1).await;
    let sent = post_message(&w.d.on(&w.li, 1), &w.channel, "bp-1", "血压 150/90，心率 88").await;
    let seq = sent["seq"].as_i64().expect("seq");
    lead_ws.expect_message(&w.channel).await;
    li_ws.expect_message(&w.channel).await;

    let r =
        w.d.on(&w.li, 0)
            .put(
                &path(&w.channel, seq),
                &json!({ "body": "血压 160/95，请 @dr_liu 复测" }),
            )
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["body"], "血压 160/95，请 @dr_liu 复测");
    assert!(r.body["edited_at"].is_string(), "{}", r.body);
    assert_eq!(
        r.body["mentions"],
        json!([w.liu.user_id()]),
        "a corrected mention resolves"
    );
    for ws in [&mut lead_ws, &mut li_ws] {
        let e = ws.expect(edited(&w.channel, seq)).await;
        assert_eq!(e["body"], "血压 160/95，请 @dr_liu 复测");
        assert_eq!(e["edited_at"], r.body["edited_at"]);
    }

    let id = li_ws.request_id();
    li_ws
        .send(json!({ "type": "edit", "id": id, "conversation_id": w.channel, "seq": seq, "body": "血压 165/95" }))
        .await;
    let e = lead_ws.expect(edited(&w.channel, seq)).await;
    assert_eq!(e["body"], "血压 165/95");
    li_ws.expect(edited(&w.channel, seq)).await;

    let history = crate::support::history(&w.lead, &w.channel, "after_seq=0").await;
    assert_eq!(history[0]["body"], "血压 165/95");
    assert!(history[0]["edited_at"].is_string());

    let versions = w.li.get(&format!("{}/versions", path(&w.channel, seq))).await;
    assert_eq!(versions.status, 200, "{}", versions.body);
    let bodies: Vec<&str> = versions
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["body"].as_str())
        .collect();
    assert_eq!(
        bodies,
        ["血压 150/90，心率 88", "血压 160/95，请 @dr_liu 复测", "血压 165/95"]
    );
    assert!(
        versions
            .body
            .as_array()
            .expect("list")
            .iter()
            .all(|v| v["editor_id"] == w.li.user_id().as_str())
    );
    for allowed in [&w.lead, &w.d.admin] {
        let r = allowed.get(&format!("{}/versions", path(&w.channel, seq))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, versions.body);
    }
    assert_reason(
        &w.liu.get(&format!("{}/versions", path(&w.channel, seq))).await,
        403,
        "versions_forbidden",
        "a member who is neither sender nor lead",
    );
    assert_reason(
        &w.outsider.get(&format!("{}/versions", path(&w.channel, seq))).await,
        404,
        "conversation_not_found",
        "an outsider",
    );
    let audited = w.d.audit("message_edited").await;
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(audited.iter().all(|a| a["actor_id"] == w.li.user_id().as_str()));
    assert!(
        audited
            .iter()
            .any(|a| a["detail"]["previous_body"] == "血压 150/90，心率 88"),
        "{audited:?}"
    );
}

/// Reactions from the palette, live on every node, idempotent both ways,
/// stored with the message.
async fn reactions_are_live_and_idempotent(bus: Bus) {
    let w = world(bus).await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let mut li_ws = w.d.ws(&w.li, 1).await;
    let seq = post_message(&w.li, &w.channel, "r-1", "今晚值班表已更新").await["seq"]
        .as_i64()
        .expect("seq");
    lead_ws.expect_message(&w.channel).await;
    li_ws.expect_message(&w.channel).await;

    let liu = w.d.on(&w.liu, 1);
    let r = liu.put(&reaction(&w.channel, seq, "👍"), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!([{ "emoji": "👍", "user_ids": [w.liu.user_id()] }]));
    for ws in [&mut lead_ws, &mut li_ws] {
        let e = ws.expect(reacted("👍", true)).await;
        assert_eq!(e["user_id"], w.liu.user_id().as_str());
        assert_eq!(e["seq"], seq);
    }
    // again: nothing changes, nobody hears it twice
    let again = liu.put(&reaction(&w.channel, seq, "👍"), &json!({})).await;
    assert_eq!(again.body, r.body);
    let r = w.lead.put(&reaction(&w.channel, seq, "收到"), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = li_ws.expect(reacted("收到", true)).await;
    assert_eq!(e["user_id"], w.lead.user_id().as_str());
    li_ws
        .expect_no_event(reacted("👍", true), Duration::from_millis(300))
        .await;
    let r = w.li.put(&reaction(&w.channel, seq, "👍"), &json!({})).await;
    assert_eq!(
        r.body,
        json!([
            { "emoji": "👍", "user_ids": [w.liu.user_id(), w.li.user_id()] },
            { "emoji": "收到", "user_ids": [w.lead.user_id()] },
        ])
    );
    let history = crate::support::history(&w.liu, &w.channel, "after_seq=0").await;
    assert_eq!(history[0]["reactions"], r.body);

    let r = liu.delete(&reaction(&w.channel, seq, "👍")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    lead_ws.expect(reacted("👍", false)).await;
    let r = liu.delete(&reaction(&w.channel, seq, "👍")).await;
    assert_eq!(r.status, 200, "removing what is not there changes nothing");
    // each emoji keeps the order of its first use still standing
    assert_eq!(
        r.body,
        json!([
            { "emoji": "收到", "user_ids": [w.lead.user_id()] },
            { "emoji": "👍", "user_ids": [w.li.user_id()] },
        ])
    );
}

on_every_bus!(
    edits_reach_every_member_and_keep_every_version,
    reactions_are_live_and_idempotent,
);

#[tokio::test]
async fn bad_edits_are_refused_and_change_nothing() {
    let w = world(Bus::Local).await;
    let seq = post_message(&w.li, &w.channel, "e-1", "原文").await["seq"]
        .as_i64()
        .expect("seq");
    let p = path(&w.channel, seq);
    assert_reason(
        &w.lead.put(&p, &json!({ "body": "改" })).await,
        403,
        "sender_only",
        "someone else's message",
    );
    assert_reason(
        &w.outsider.put(&p, &json!({ "body": "改" })).await,
        404,
        "conversation_not_found",
        "an outsider",
    );
    assert_reason(
        &w.li.put(&p, &json!({ "body": "   " })).await,
        400,
        "field_empty",
        "a blank body",
    );
    assert_reason(
        &w.li.put(&p, &json!({ "body": "a\u{0}b" })).await,
        400,
        "nul_character",
        "U+0000",
    );
    assert_reason(
        &w.li.put(&p, &json!({ "body": "字".repeat(16_001) })).await,
        400,
        "body_too_long",
        "too long",
    );
    assert_reason(
        &w.li.put(&p, &json!({ "body": "x", "seq": 3 })).await,
        400,
        "malformed_body",
        "an unknown field",
    );
    assert_reason(&w.li.put(&p, &json!({})).await, 400, "malformed_body", "no body");
    assert_reason(
        &w.li.put(&path(&w.channel, 99), &json!({ "body": "x" })).await,
        404,
        "message_not_found",
        "no such seq",
    );
    let r =
        w.li.put(
            &format!("/api/v1/conversations/{}/messages/abc", w.channel),
            &json!({ "body": "x" }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let mentions: String = (0..51).map(|i| format!("@user_{i:02} ")).collect();
    assert_reason(
        &w.li.put(&p, &json!({ "body": mentions })).await,
        400,
        "too_many_mentions",
        "51 mentions",
    );

    // over the websocket the error names the frame
    let mut ws = WsClient::connect_as(&w.lead).await;
    let id = ws.request_id();
    ws.send(json!({ "type": "edit", "id": id, "conversation_id": w.channel, "seq": seq, "body": "改" }))
        .await;
    let e = ws.expect(|e| e["type"] == "error").await;
    assert_eq!(e["id"], id.as_str());
    assert_eq!(e["reason"], "sender_only");

    // a recalled message cannot come back through an edit
    let r = w.li.post(&format!("{p}/recall"), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_reason(
        &w.li.put(&p, &json!({ "body": "改" })).await,
        409,
        "already_recalled",
        "a recalled message",
    );
    assert_reason(
        &w.li.put(&reaction(&w.channel, seq, "👍"), &json!({})).await,
        409,
        "already_recalled",
        "react to a recalled message",
    );
    let history = crate::support::history(&w.lead, &w.channel, "after_seq=0").await;
    assert_eq!(history[0]["body"], "");
    assert!(history[0].get("edited_at").is_none(), "{}", history[0]);
    assert!(w.d.audit("message_edited").await.is_empty());
}

#[tokio::test]
async fn the_edit_window_closes() {
    let w = world_with(Bus::Local, &[("MESSAGE_EDIT_WINDOW_SECS", "0")]).await;
    let seq = post_message(&w.li, &w.channel, "w-1", "原文").await["seq"]
        .as_i64()
        .expect("seq");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_reason(
        &w.li.put(&path(&w.channel, seq), &json!({ "body": "改" })).await,
        409,
        "edit_window_passed",
        "past the window",
    );
}

#[tokio::test]
async fn reactions_come_from_the_palette_and_are_limited() {
    let w = world(Bus::Local).await;
    let seq = post_message(&w.li, &w.channel, "p-1", "好的").await["seq"]
        .as_i64()
        .expect("seq");
    for bad in ["🐍", "ok", "%F0%9F", "👍👍", "收"] {
        let r =
            w.li.put(&format!("{}/reactions/{bad}", path(&w.channel, seq)), &json!({}))
                .await;
        assert_reason(&r, 400, "emoji_not_allowed", bad);
    }
    assert_reason(
        &w.outsider.put(&reaction(&w.channel, seq, "👍"), &json!({})).await,
        404,
        "conversation_not_found",
        "outsider",
    );
    assert_reason(
        &w.li.put(&reaction(&w.channel, 42, "👍"), &json!({})).await,
        404,
        "message_not_found",
        "no such message",
    );
    let palette = consilium_shared::chat::REACTION_PALETTE;
    assert!(palette.len() > consilium_shared::chat::MAX_REACTIONS_PER_MESSAGE);
    for emoji in &palette[..consilium_shared::chat::MAX_REACTIONS_PER_MESSAGE] {
        let r = w.liu.put(&reaction(&w.channel, seq, emoji), &json!({})).await;
        assert_eq!(r.status, 200, "{emoji}: {}", r.body);
    }
    let extra = palette[consilium_shared::chat::MAX_REACTIONS_PER_MESSAGE];
    assert_reason(
        &w.lead.put(&reaction(&w.channel, seq, extra), &json!({})).await,
        409,
        "too_many_reactions",
        "a 21st emoji",
    );
    // one already there can still be joined
    let r = w.lead.put(&reaction(&w.channel, seq, palette[0]), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body.as_array().map(Vec::len),
        Some(consilium_shared::chat::MAX_REACTIONS_PER_MESSAGE)
    );
}

async fn mention_notifications(api: &Api) -> usize {
    let r = api.get("/api/v1/notifications?unread=true").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .map_or(0, |items| items.iter().filter(|n| n["kind"] == "mentioned").count())
}

#[tokio::test]
async fn group_mentions_reach_the_team_or_those_on_duty() {
    let w = world(Bus::Local).await;
    let m = post_message(&w.lead, &w.channel, "g-1", "@team 下午三点科室病例讨论").await;
    let mut mentioned: Vec<String> = m["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    mentioned.sort();
    let mut roster = vec![w.lead.user_id(), w.li.user_id(), w.liu.user_id()];
    roster.sort();
    assert_eq!(mentioned, roster);
    assert_eq!(mention_notifications(&w.li).await, 1);
    assert_eq!(mention_notifications(&w.liu).await, 1);
    assert_eq!(mention_notifications(&w.lead).await, 0, "the sender is not notified");

    let r = w.liu.put("/api/v1/me/status", &json!({ "status": "off_duty" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = post_message(&w.lead, &w.channel, "g-2", "@oncall 急诊来了胸痛患者").await;
    let on_duty = m["mentions"].as_array().expect("mentions");
    assert!(on_duty.contains(&json!(w.li.user_id())), "{m}");
    assert!(!on_duty.contains(&json!(w.liu.user_id())), "off duty: {m}");
    assert_eq!(mention_notifications(&w.li).await, 2);

    // a direct conversation has no team
    let dm = w
        .lead
        .post(&format!("/api/v1/direct/{}", w.outsider.user_id()), &json!({}))
        .await;
    let dm = dm.body["id"].as_str().expect("dm").to_owned();
    let m = post_message(&w.lead, &dm, "g-3", "@team 你好").await;
    assert_eq!(m["mentions"], json!([]));

    for reserved in ["team", "oncall"] {
        let r =
            w.d.admin
                .post(
                    "/api/v1/users",
                    &json!({ "username": reserved, "display_name": "组", "password": "correct horse battery staple" }),
                )
                .await;
        assert_reason(&r, 400, "username_reserved", reserved);
    }
    let many: String = (0..51).map(|i| format!("@user_{i:02} ")).collect();
    let r = w
        .lead
        .post(
            &format!("/api/v1/conversations/{}/messages", w.channel),
            &json!({ "client_msg_id": "g-4", "body": many }),
        )
        .await;
    assert_reason(&r, 400, "too_many_mentions", "51 mentions");
}

async fn search(api: &Api, query: &str) -> Value {
    let r = api.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(r.status, 200, "search {query}: {}", r.body);
    r.body
}

fn q(text: &str) -> String {
    format!("q={}", encode_query(text))
}

/// The marked parts of a snippet, cut by UTF-16 offsets as a browser would.
fn marked(hit: &Value) -> Vec<String> {
    let snippet: Vec<u16> = hit["snippet"].as_str().expect("snippet").encode_utf16().collect();
    hit["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|h| {
            let (a, b) = (
                h[0].as_u64().expect("start") as usize,
                h[1].as_u64().expect("end") as usize,
            );
            String::from_utf16_lossy(&snippet[a..b])
        })
        .collect()
}

#[tokio::test]
async fn search_marks_chinese_and_english_matches_and_pages_newest_first() {
    let w = world(Bus::Local).await;
    let lab = "👍 患者胸痛3天，心电图ST段抬高，肌钙蛋白 0.8 ng/ml";
    post_message(&w.li, &w.channel, "s-1", lab).await;
    post_message(&w.li, &w.channel, "s-2", "Troponin I rose to 0.8 overnight").await;
    let found = search(&w.lead, &q("肌钙蛋白")).await;
    assert_eq!(found["messages"].as_array().map(Vec::len), Some(1), "{found}");
    let hit = &found["messages"][0];
    assert_eq!(hit["body"], lab);
    assert_eq!(hit["conversation_title"], "王建国心血管专家团队");
    assert_eq!(marked(hit), ["肌钙蛋白"]);
    assert_eq!(
        marked(&search(&w.lead, &q("st段 肌钙")).await["messages"][0]),
        ["ST段", "肌钙"]
    );
    let hit = &search(&w.lead, &q("TROPONIN")).await["messages"][0];
    assert_eq!(marked(hit), ["Troponin"]);
    assert!(
        search(&w.lead, &q("胸痛 肺栓塞")).await["messages"]
            .as_array()
            .expect("list")
            .is_empty(),
        "every word must occur"
    );

    // an edit is found by its new text; a recalled message is not found
    let seq = post_message(&w.li, &w.channel, "s-3", "复查心超").await["seq"]
        .as_i64()
        .expect("seq");
    assert_eq!(
        w.li.put(&path(&w.channel, seq), &json!({ "body": "复查冠脉CTA" }))
            .await
            .status,
        200
    );
    assert!(
        search(&w.lead, &q("心超")).await["messages"]
            .as_array()
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        search(&w.lead, &q("冠脉cta")).await["messages"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        w.li.post(&format!("{}/recall", path(&w.channel, seq)), &json!({}))
            .await
            .status,
        200
    );
    assert!(
        search(&w.lead, &q("冠脉")).await["messages"]
            .as_array()
            .expect("list")
            .is_empty()
    );

    // paging: five follow-ups, two at a time, newest first, none twice
    for i in 0..5 {
        post_message(&w.li, &w.channel, &format!("f-{i}"), &format!("随访记录 第{i}次")).await;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut query = format!("{}&limit=2", q("随访"));
    for expected in [2, 2, 1] {
        let page = search(&w.lead, &query).await;
        let items = page["messages"].as_array().expect("list");
        assert_eq!(items.len(), expected, "{page}");
        seen.extend(items.iter().map(|m| m["body"].as_str().unwrap_or_default().to_owned()));
        match page["next_before"].as_str() {
            Some(next) => query = format!("{}&limit=2&before={next}", q("随访")),
            None => assert_eq!(expected, 1, "only the last page lacks a cursor"),
        }
        assert!(page["cases"].as_array().expect("cases").is_empty());
    }
    assert_eq!(
        seen,
        (0..5).rev().map(|i| format!("随访记录 第{i}次")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn search_filters_by_conversation_and_kind_and_refuses_bad_queries() {
    let w = world(Bus::Local).await;
    let dm = w
        .lead
        .post(&format!("/api/v1/direct/{}", w.li.user_id()), &json!({}))
        .await;
    let dm = dm.body["id"].as_str().expect("dm").to_owned();
    post_message(&w.li, &w.channel, "c-1", "房颤患者抗凝方案").await;
    post_message(&w.li, &dm, "c-2", "房颤那位患者明天出院").await;
    let case = w
        .lead
        .post(
            &format!("/api/v1/teams/{}/cases", w.team),
            &json!({ "patient": { "name": "赵六", "sex": "female" }, "title": "房颤伴心衰", "summary": "阵发性房颤2年", "priority": "routine" }),
        )
        .await;
    assert_eq!(case.status, 201, "{}", case.body);

    let all = search(&w.lead, &q("房颤")).await;
    assert_eq!(all["messages"].as_array().map(Vec::len), Some(2));
    let hits = all["cases"].as_array().expect("cases");
    assert_eq!(hits.len(), 1, "{all}");
    assert_eq!(hits[0]["title"], "房颤伴心衰");
    assert_eq!(marked(&hits[0]), ["房颤"]);
    let only_dm = search(&w.lead, &format!("{}&conversation_id={dm}", q("房颤"))).await;
    assert_eq!(only_dm["messages"].as_array().map(Vec::len), Some(1));
    assert_eq!(only_dm["messages"][0]["conversation_id"], dm.as_str());
    assert!(only_dm["cases"].as_array().expect("cases").is_empty());
    let cases_only = search(&w.lead, &format!("{}&kind=cases", q("房颤"))).await;
    assert!(cases_only["messages"].as_array().expect("list").is_empty());
    assert_eq!(cases_only["cases"].as_array().map(Vec::len), Some(1));
    let messages_only = search(&w.lead, &format!("{}&kind=messages", q("房颤"))).await;
    assert!(messages_only["cases"].as_array().expect("cases").is_empty());
    // the case summary is searched too, and marked there
    let by_summary = search(&w.lead, &format!("{}&kind=cases", q("阵发性"))).await;
    assert_eq!(marked(&by_summary["cases"][0]), ["阵发性"]);

    assert_reason(
        &w.outsider
            .get(&format!("/api/v1/search?{}&conversation_id={dm}", q("房颤")))
            .await,
        404,
        "conversation_not_found",
        "someone else's conversation",
    );
    for (query, reason) in [
        ("q=".to_owned(), "invalid_query"),
        ("q=%20%20".to_owned(), "invalid_query"),
        ("".to_owned(), "malformed_query"),
        (q(&"字".repeat(1000)), "invalid_query"),
        ("q=a%00b".to_owned(), "nul_character"),
        (format!("{}&kind=everything", q("房颤")), "malformed_query"),
        (format!("{}&limit=0", q("房颤")), "invalid_limit"),
        (format!("{}&limit=201", q("房颤")), "invalid_limit"),
        (format!("{}&before=not-a-uuid", q("房颤")), "malformed_query"),
        (
            format!("{}&before={}", q("房颤"), uuid::Uuid::new_v4()),
            "malformed_cursor",
        ),
        (format!("{}&conversation_id=xyz", q("房颤")), "malformed_query"),
    ] {
        assert_reason(
            &w.lead.get(&format!("/api/v1/search?{query}")).await,
            400,
            reason,
            &query,
        );
    }
    // punctuation and LIKE metacharacters are text
    post_message(&w.li, &w.channel, "c-3", r"剂量 50% 或 a_b 或 C:\path").await;
    for literal in ["%", "_", r"\", "50%", "a_b", r"C:\"] {
        let found = search(&w.lead, &q(literal)).await;
        let bodies: Vec<&str> = found["messages"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|m| m["body"].as_str())
            .collect();
        assert!(
            !bodies.is_empty() && bodies.iter().all(|b| b.contains(literal)),
            "{literal}: {bodies:?}"
        );
    }
    assert!(
        search(&w.lead, &q("，。！？")).await["messages"]
            .as_array()
            .expect("list")
            .is_empty()
    );
}
