//! Paging of the workflow lists (spec section 3: `?limit=` up to 200 and a
//! cursor): the triage queue, a team's cases, and the consult and referral
//! boxes. A walk from cursor to cursor returns every item once, in the list's
//! order, even when rows share a timestamp or arrive in the middle of the walk.

use std::collections::HashSet;

use consilium_tests::Api;
use serde_json::json;

use crate::support::{
    World, assert_error, case_body, hypertension_case, ids, intake, open_case, patient, refer, request_consult, s,
    zhang_san,
};

/// Pages of `path` (which already has a `?`) of `limit` items, from `cursor` to the end.
async fn walk_from(api: &Api, path: &str, limit: u32, mut cursor: Option<String>) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = api.get(&url).await;
        assert_eq!(r.status, 200, "{} GETs {url}: {}", api.username(), r.body);
        let page = ids(&r.body["items"]);
        assert!(
            page.len() <= limit as usize,
            "a page of {limit} holds {}: {}",
            page.len(),
            r.body
        );
        cursor = r.body["next_cursor"].as_str().map(str::to_owned);
        match &cursor {
            Some(_) => assert_eq!(
                page.len(),
                limit as usize,
                "only the last page may be short: {}",
                r.body
            ),
            None => assert!(r.body.get("next_cursor").is_none(), "{}", r.body),
        }
        pages.push(page);
        if cursor.is_none() {
            return pages;
        }
        assert!(pages.len() < 100, "the walk of {path} does not end");
    }
}

/// Every page of `path`, `limit` items at a time.
async fn walk(api: &Api, path: &str, limit: u32) -> Vec<Vec<String>> {
    walk_from(api, path, limit, None).await
}

/// The whole list in one page of 200.
async fn whole(api: &Api, path: &str) -> Vec<String> {
    let r = api.get(&format!("{path}&limit=200")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("next_cursor").is_none(), "{}", r.body);
    ids(&r.body["items"])
}

#[track_caller]
fn assert_no_repeats(items: &[String]) {
    let unique: HashSet<&String> = items.iter().collect();
    assert_eq!(unique.len(), items.len(), "an item came twice: {items:?}");
}

/// Gives every row of `table` with one of `ids` the same `created_at`, so only the id can order them.
async fn same_instant(w: &World, table: &str, ids: &[String]) {
    w.app
        .db
        .connect()
        .await
        .execute(
            &format!("update {table} set created_at = '2026-11-22 08:00:00.123456+08' where id::text = any($1)"),
            &[&ids.to_vec()],
        )
        .await
        .expect("set created_at");
}

#[tokio::test]
async fn the_triage_queue_pages_in_queue_order_and_new_intakes_do_not_disturb_a_walk() {
    let w = World::new().await;
    let mut emergencies = Vec::new();
    let mut urgent = Vec::new();
    let mut routine = Vec::new();
    for n in 0..9 {
        let priority = ["routine", "emergency", "urgent"][n % 3];
        let case = intake(
            &w.zhao,
            &w.expert,
            &format!("患者{n}"),
            &format!("胸闷 {n}"),
            "",
            priority,
        )
        .await;
        match priority {
            "emergency" => emergencies.push(s(&case, "id")),
            "urgent" => urgent.push(s(&case, "id")),
            _ => routine.push(s(&case, "id")),
        }
    }
    let expected: Vec<String> = [emergencies, urgent, routine.clone()].concat();
    let path = format!("/api/v1/teams/{}/triage?", w.expert);
    assert_eq!(whole(&w.sun, &path).await, expected, "most urgent first, then oldest");

    let pages = walk(&w.sun, &path, 4).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 1]);
    assert_eq!(pages.concat(), expected, "the pages together are the queue, in order");

    // a walk under way: a new emergency lands before the cursor, a new routine case after it
    let first = w.sun.get(&format!("{path}&limit=4")).await;
    let cursor = s(&first.body, "next_cursor");
    let jumped = s(
        &intake(&w.zhao, &w.expert, "急诊患者", "急性胸痛", "", "emergency").await,
        "id",
    );
    let queued = s(&intake(&w.zhao, &w.expert, "新患者", "复查", "", "routine").await, "id");
    let rest = walk_from(&w.sun, &path, 4, Some(cursor)).await.concat();
    let walked = [ids(&first.body["items"]), rest].concat();
    assert_no_repeats(&walked);
    assert!(
        !walked.contains(&jumped),
        "an item inserted before the cursor is not seen in this walk"
    );
    assert_eq!(
        walked,
        [expected.clone(), vec![queued.clone()]].concat(),
        "nothing skipped, nothing repeated"
    );

    // routine cases that arrived in the same instant are split by id, never repeated or lost
    same_instant(&w, "cases", &routine).await;
    let tied = walk(&w.sun, &path, 2).await.concat();
    assert_no_repeats(&tied);
    assert_eq!(tied, whole(&w.sun, &path).await);
    assert_eq!(tied.len(), expected.len() + 2);
}

#[tokio::test]
async fn the_triage_queue_has_a_default_page_and_a_maximum() {
    let w = World::new().await;
    for n in 0..51 {
        intake(&w.zhao, &w.expert, &format!("患者{n}"), "头晕", "", "routine").await;
    }
    let r = w.sun.get(&format!("/api/v1/teams/{}/triage", w.expert)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(50), "50 by default");
    assert!(r.body["next_cursor"].is_string(), "{}", r.body);
    let r = w.sun.get(&format!("/api/v1/teams/{}/triage?limit=200", w.expert)).await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(51));
    assert!(
        r.body.get("next_cursor").is_none(),
        "no cursor after the last item: {}",
        r.body
    );
}

#[tokio::test]
async fn a_teams_cases_page_with_their_filters() {
    let w = World::new().await;
    let mut open = Vec::new();
    for n in 0..5 {
        let case = open_case(
            &w.li,
            &w.expert,
            case_body(
                patient(&format!("病人{n}"), "male", "1960-01-01"),
                &format!("病例{n}"),
                "",
                "routine",
            ),
        )
        .await;
        open.push(s(&case, "id"));
    }
    open_case(&w.li, &w.expert, case_body(zhang_san(), "急症", "", "emergency")).await;
    intake(&w.zhao, &w.expert, "李四", "待分诊", "", "routine").await;

    let open_cases = format!("/api/v1/teams/{}/cases?status=open", w.expert);
    let all_open = whole(&w.wang, &open_cases).await;
    assert_eq!(all_open.len(), 6);
    assert_eq!(
        &all_open[1..],
        &open[..],
        "the emergency first, then the routine cases by age"
    );
    assert_eq!(walk(&w.wang, &open_cases, 2).await.concat(), all_open);
    let everything = format!("/api/v1/teams/{}/cases?", w.expert);
    let walked = walk(&w.wang, &everything, 3).await.concat();
    assert_no_repeats(&walked);
    assert_eq!(walked.len(), 7, "open and triage cases alike");

    // each page is audited as a listing of exactly the cases it showed
    let listed = w.app.audit("cases_listed").await;
    let shown: Vec<usize> = listed
        .iter()
        .filter(|e| e["actor_id"] == w.wang.user_id().as_str() && e["detail"]["status"].is_null())
        .map(|e| e["detail"]["case_ids"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(shown, [1, 3, 3], "newest first: the last page had one case");
}

#[tokio::test]
async fn consult_boxes_page_newest_first() {
    let w = World::new().await;
    let case = s(&crate::support::chest_pain_case(&w.li, &w.expert).await, "id");
    let mut asked = Vec::new();
    for _ in 0..5 {
        asked.push(s(&request_consult(&w.li, &case, &[&w.qian]).await, "id"));
    }
    asked.reverse();
    let incoming = "/api/v1/consults?box=incoming".to_owned();
    assert_eq!(whole(&w.qian, &incoming).await, asked, "newest first");
    assert_eq!(walk(&w.qian, &incoming, 2).await.concat(), asked);
    let outgoing = "/api/v1/consults?box=outgoing&status=requested".to_owned();
    assert_eq!(walk(&w.li, &outgoing, 3).await.concat(), asked);

    // a consult asked mid-walk is newer than the cursor: the walk goes on undisturbed
    let first = w.qian.get(&format!("{incoming}&limit=2")).await;
    let newer = s(&request_consult(&w.li, &case, &[&w.qian]).await, "id");
    let rest = walk_from(&w.qian, &incoming, 2, Some(s(&first.body, "next_cursor"))).await;
    let walked = [ids(&first.body["items"]), rest.concat()].concat();
    assert_eq!(walked, asked);
    assert!(!walked.contains(&newer));

    same_instant(&w, "consults", &asked).await;
    let tied = walk(&w.qian, &incoming, 2).await.concat();
    assert_no_repeats(&tied);
    assert_eq!(tied.len(), 6);
    assert_eq!(tied, whole(&w.qian, &incoming).await);
}

#[tokio::test]
async fn referral_boxes_page_newest_first() {
    let w = World::new().await;
    let mut sent = Vec::new();
    for _ in 0..4 {
        let source = hypertension_case(&w).await;
        sent.push(s(
            &refer(&w.ma, &s(&source, "id"), &w.expert, "up", crate::support::REFER_UP).await,
            "id",
        ));
    }
    sent.reverse();
    for (api, path) in [
        (&w.sun, "/api/v1/referrals?box=incoming"),
        (&w.huang, "/api/v1/referrals?box=outgoing&status=pending"),
    ] {
        assert_eq!(whole(api, path).await, sent, "{path}: newest first");
        assert_eq!(walk(api, path, 3).await.concat(), sent, "{path}");
        assert_eq!(walk(api, path, 1).await.concat(), sent, "{path}");
    }
    same_instant(&w, "referrals", &sent).await;
    let tied = walk(&w.sun, "/api/v1/referrals?box=incoming", 3).await.concat();
    assert_no_repeats(&tied);
    assert_eq!(tied.len(), 4);
}

#[tokio::test]
async fn bad_limits_and_cursors_are_refused() {
    let w = World::new().await;
    let lists = [
        format!("/api/v1/teams/{}/triage?", w.expert),
        format!("/api/v1/teams/{}/cases?status=open", w.expert),
        "/api/v1/consults?box=incoming".to_owned(),
        "/api/v1/referrals?box=outgoing".to_owned(),
    ];
    let foreign_key = base64_url("not a position");
    for path in &lists {
        for bad in [
            "limit=0",
            "limit=-1",
            "limit=201",
            "limit=many",
            "cursor=%%%",
            "cursor=@@@",
        ] {
            assert_error(
                &w.wang.get(&format!("{path}&{bad}")).await,
                400,
                &format!("{path}&{bad}"),
            );
        }
        assert_error(
            &w.wang.get(&format!("{path}&cursor={foreign_key}")).await,
            400,
            &format!("{path} with a cursor that holds no position"),
        );
        for good in ["limit=1", "limit=200"] {
            let r = w.wang.get(&format!("{path}&{good}")).await;
            assert_eq!(r.status, 200, "{path}&{good}: {}", r.body);
            assert_eq!(r.body, json!({ "items": [] }), "{path}&{good}");
        }
    }
    // a cursor of one list is no position in another
    for _ in 0..2 {
        let source = hypertension_case(&w).await;
        refer(&w.ma, &s(&source, "id"), &w.expert, "up", crate::support::REFER_UP).await;
    }
    let r = w.sun.get("/api/v1/referrals?box=incoming&limit=1").await;
    let referral_cursor = s(&r.body, "next_cursor");
    assert_error(
        &w.sun
            .get(&format!("/api/v1/teams/{}/triage?cursor={referral_cursor}", w.expert))
            .await,
        400,
        "a referral cursor in the triage queue",
    );
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
