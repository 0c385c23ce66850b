//! Search (substring, Chinese included, never across the caller's access) and
//! `@username` mentions.

use std::collections::BTreeSet;

use consilium_tests::fixtures::{self, encode_query};
use consilium_tests::{Api, ws::WsClient};
use serde_json::{Value, json};

use crate::support::{Bus, post_message, world};

async fn search(api: &Api, q: &str) -> Value {
    let r = api.get(&format!("/api/v1/search?q={}", encode_query(q))).await;
    assert_eq!(r.status, 200, "search {q}: {}", r.body);
    assert!(r.body["cases"].is_array(), "{}", r.body);
    r.body
}

fn bodies(results: &Value) -> Vec<String> {
    results["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("no messages list: {results}"))
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_chinese_substrings_only_where_the_caller_belongs() {
    let w = world(Bus::Local).await;
    let other_team = fixtures::create_team(&w.d.admin, "县医院内科团队", &w.outsider).await;
    let other = fixtures::team_channel(&w.outsider, &other_team).await;
    let dm = w
        .liu
        .post(&format!("/api/v1/direct/{}", w.lead.user_id()), &json!({}))
        .await;
    assert!(matches!(dm.status, 200 | 201), "{}", dm.body);
    let dm = dm.body["id"].as_str().expect("dm id").to_owned();

    let ours = "患者胸痛三天，心电图提示ST段抬高";
    let theirs = "另一位患者胸痛两小时，已转上级医院";
    let private = "胸痛的那个病人今天出院了";
    post_message(&w.li, &w.channel, "s-1", ours).await;
    post_message(&w.li, &w.channel, "s-2", "无关的消息：明天排班").await;
    post_message(&w.outsider, &other, "s-3", theirs).await;
    post_message(&w.liu, &dm, "s-4", private).await;

    assert_eq!(bodies(&search(&w.li, "胸痛").await), vec![ours.to_owned()]);
    assert_eq!(bodies(&search(&w.li, "ST段").await), vec![ours.to_owned()]);
    assert_eq!(bodies(&search(&w.li, "心电图提示").await), vec![ours.to_owned()]);
    assert_eq!(bodies(&search(&w.outsider, "胸痛").await), vec![theirs.to_owned()]);
    // the lead is in the team and the direct chat; newest first
    assert_eq!(
        bodies(&search(&w.lead, "胸痛").await),
        vec![private.to_owned(), ours.to_owned()]
    );
    let hit = &search(&w.lead, "出院").await["messages"][0];
    assert_eq!(hit["conversation_id"], dm.as_str());
    assert_eq!(hit["seq"], 1);
    assert_eq!(hit["sender_id"], w.liu.user_id());
    // admins see no patient talk they are not part of
    assert!(bodies(&search(&w.d.admin, "胸痛").await).is_empty());
    assert!(bodies(&search(&w.li, "肺栓塞").await).is_empty());
    // the query is text, not a pattern
    for pattern in ["%", "_", "%胸%", "胸_"] {
        let found = bodies(&search(&w.li, pattern).await);
        assert!(found.iter().all(|b| b.contains(pattern)), "{pattern} matched {found:?}");
    }
    let anon = Api::new(w.d.node(0));
    assert_eq!(anon.get("/api/v1/search?q=x").await.status, 401);
}

fn mention_set(message: &Value) -> BTreeSet<String> {
    message["mentions"]
        .as_array()
        .unwrap_or_else(|| panic!("mentions missing: {message}"))
        .iter()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn mentions_name_the_users_mentioned() {
    let w = world(Bus::Local).await;
    let mut lead = WsClient::connect_as(&w.lead).await;
    let mut li = WsClient::connect_as(&w.li).await;
    let li_id = w.li.user_id();
    let liu_id = w.liu.user_id();
    let cases: [(&str, Vec<&str>); 5] = [
        ("@dr_li 请看一下这个心电图", vec![li_id.as_str()]),
        ("@dr_li @dr_liu 下午三点会诊", vec![li_id.as_str(), liu_id.as_str()]),
        ("请@dr_li看一下，谢谢", vec![li_id.as_str()]),
        ("@nobody_here 你好", vec![]),
        ("没有提到任何人", vec![]),
    ];
    for (i, (body, expected)) in cases.iter().enumerate() {
        let id = format!("mention-{i}");
        lead.send_message(&w.channel, &id, body).await;
        let m = li.expect_message(&w.channel).await;
        assert_eq!(m["body"], *body);
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(mention_set(&m), expected, "{body}");
    }
    // the same parsing over REST, and in stored history
    let m = post_message(&w.liu, &w.channel, "rest-mention", "@dr_wang 病人已到").await;
    assert_eq!(mention_set(&m), BTreeSet::from([w.lead.user_id()]));
    let stored = crate::support::history(&w.lead, &w.channel, "after_seq=0").await;
    assert_eq!(mention_set(&stored[1]), BTreeSet::from([li_id.clone(), liu_id.clone()]));
}

/// Search looks in the latest weeks first and widens its window only when
/// that finds too few (issue 13's benchmark): whatever the windows, results
/// are the newest matches in order, and paging crosses the windows without
/// losing or repeating one.
#[tokio::test]
async fn search_pages_newest_first_across_its_time_windows() {
    let w = world(Bus::Local).await;
    // 24 matches: 4 of this week, then 10 of five weeks ago, then 10 of a year ago
    let mut sent = Vec::new();
    for i in 0..24 {
        let m = post_message(&w.li, &w.channel, &format!("hba1c-{i}"), &format!("糖化血红蛋白 {i}")).await;
        sent.push(m["id"].as_str().expect("id").to_owned());
    }
    let db = w.d.db().connect().await;
    for (i, id) in sent.iter().enumerate() {
        let days_ago: i32 = match i {
            0..=9 => 365,
            10..=19 => 35,
            _ => 0,
        };
        // older first: within each group, seconds keep their sending order
        db.execute(
            "update messages set created_at = now() - make_interval(days => $2) - make_interval(secs => (30 - $3)::float8) where id = $1::text::uuid",
            &[id, &days_ago, &(i as i32)],
        )
        .await
        .expect("backdate");
    }
    post_message(&w.li, &w.channel, "noise", "血压平稳").await;

    let mut seen: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut path = format!(
            "/api/v1/search?kind=messages&limit=5&q={}",
            encode_query("糖化血红蛋白")
        );
        if let Some(b) = &before {
            path.push_str(&format!("&before={b}"));
        }
        let r = w.lead.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen.extend(bodies(&r.body));
        match r.body["next_before"].as_str() {
            Some(b) => before = Some(b.to_owned()),
            None => break,
        }
        assert!(seen.len() <= 24, "paging does not end: {seen:?}");
    }
    let expected: Vec<String> = (0..24).rev().map(|i| format!("糖化血红蛋白 {i}")).collect();
    assert_eq!(seen, expected);
}

/// Migration 16: the search index merges its new entries into itself in
/// small steps. With the default 4 MB pending list, the message that filled
/// it merged all of it while holding its conversation's lock, and chat
/// stalled for a tenth of a second every 8,750 messages (docs/performance.md,
/// "Fifth machine"). A later migration that rebuilds the index must keep it.
#[tokio::test]
async fn the_search_index_merges_new_entries_in_small_steps() {
    let w = world(Bus::Local).await;
    let db = w.d.db().connect().await;
    let options: Option<Vec<String>> = db
        .query_one(
            "select reloptions from pg_class where relname = 'messages_search_keys'",
            &[],
        )
        .await
        .expect("the search index exists")
        .get(0);
    assert_eq!(options, Some(vec!["gin_pending_list_limit=256".to_owned()]));
}
