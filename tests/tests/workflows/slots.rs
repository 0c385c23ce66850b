//! Expert slots (号源, SPEC §10): the expert team's assistants publish them,
//! a referral books one (at creation or on acceptance), a cancel or decline
//! frees it, and no slot is ever booked past its capacity, also when many
//! referrals race for it through two nodes.

use consilium_tests::fixtures;
use consilium_tests::http::Resp;
use consilium_tests::node::{Cluster, ClusterOptions};
use serde_json::{Value, json};

use crate::support::{REFER_UP, World, case_body, hypertension_case, open_case, patient, referral_action, s};

fn assert_reason(r: &Resp, status: u16, reason: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], reason, "{what}: {}", r.body);
}

fn in_days(days: i64, hour: u32) -> String {
    let day = (chrono::Utc::now() + chrono::Duration::days(days)).date_naive();
    let at = day.and_hms_opt(hour, 0, 0).expect("a time").and_utc();
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn slot_body(doctor: &str, starts_at: &str, capacity: i64, reserved: bool) -> Value {
    json!({ "doctor_id": doctor, "starts_at": starts_at, "duration_minutes": 30, "capacity": capacity, "reserved_for_referrals": reserved })
}

async fn publish(api: &consilium_tests::Api, team: &str, body: Value) -> Value {
    let r = api.post(&format!("/api/v1/teams/{team}/slots"), &body).await;
    assert_eq!(r.status, 201, "{} publishes a slot: {}", api.username(), r.body);
    r.body
}

async fn slot_of(api: &consilium_tests::Api, team: &str, id: &str) -> Value {
    let r = api
        .get(&format!(
            "/api/v1/teams/{team}/slots?from={}&to={}",
            fixtures::encode_query(&in_days(0, 0)),
            fixtures::encode_query(&in_days(60, 0))
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
        .as_array()
        .expect("a list")
        .iter()
        .find(|x| x["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

fn refer_with_slot(to_team: &str, slot: &str) -> Value {
    json!({ "to_team_id": to_team, "direction": "up", "reason": REFER_UP, "slot_id": slot })
}

#[tokio::test]
async fn assistants_publish_slots_and_bad_ones_are_refused() {
    let w = World::new().await;
    let at = in_days(3, 1);
    let slot = publish(&w.sun, &w.expert, slot_body(&w.li.user_id(), &at, 2, true)).await;
    assert_eq!(slot["doctor_id"], w.li.user_id().as_str());
    assert_eq!(slot["booked"], 0);
    assert_eq!(slot["capacity"], 2);
    assert_eq!(slot["reserved_for_referrals"], true);

    // the same doctor at an overlapping time; another doctor at that time is fine
    let r = w
        .sun
        .post(
            &format!("/api/v1/teams/{}/slots", w.expert),
            &slot_body(&w.li.user_id(), &at, 1, false),
        )
        .await;
    assert_reason(&r, 409, "slot_overlaps", "an overlapping slot");
    publish(&w.zhou, &w.expert, slot_body(&w.chen.user_id(), &at, 1, false)).await;

    let post = |api: &consilium_tests::Api, body: Value| {
        let (api, team) = (api.clone(), w.expert.clone());
        async move { api.post(&format!("/api/v1/teams/{team}/slots"), &body).await }
    };
    assert_reason(
        &post(&w.li, slot_body(&w.li.user_id(), &in_days(4, 1), 1, false)).await,
        403,
        "slot_managers_only",
        "a specialist publishes",
    );
    assert_reason(
        &post(&w.huang, slot_body(&w.li.user_id(), &in_days(4, 1), 1, false)).await,
        404,
        "team_not_found",
        "another team publishes",
    );
    assert_reason(
        &post(&w.sun, slot_body(&w.sun.user_id(), &in_days(4, 1), 1, false)).await,
        400,
        "assignee_not_member",
        "an assistant as the doctor",
    );
    assert_reason(
        &post(&w.sun, slot_body(&w.huang.user_id(), &in_days(4, 1), 1, false)).await,
        400,
        "assignee_not_member",
        "a doctor of another team",
    );
    assert_reason(
        &post(&w.sun, slot_body(&w.li.user_id(), &in_days(-1, 1), 1, false)).await,
        400,
        "slot_past",
        "a slot in the past",
    );
    assert_reason(
        &post(&w.sun, slot_body(&w.li.user_id(), &in_days(4, 1), 0, false)).await,
        400,
        "value_rejected",
        "capacity 0",
    );
    let mut long = slot_body(&w.li.user_id(), &in_days(4, 1), 1, false);
    long["duration_minutes"] = json!(481);
    assert_reason(&post(&w.sun, long).await, 400, "value_rejected", "over eight hours");
    let mut extra = slot_body(&w.li.user_id(), &in_days(4, 1), 1, false);
    extra["price"] = json!(50);
    assert_eq!(post(&w.sun, extra).await.status, 400, "an unknown field");

    // anyone signed in lists them (a referring doctor picks one); bad windows are refused
    let r =
        w.ma.get(&format!("/api/v1/teams/{}/slots?available=true", w.expert))
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.as_array().map(Vec::len), Some(2), "{}", r.body);
    let r =
        w.ma.get(&format!(
            "/api/v1/teams/{}/slots?from={}&to={}",
            w.expert,
            fixtures::encode_query(&in_days(0, 0)),
            fixtures::encode_query(&in_days(200, 0))
        ))
        .await;
    assert_reason(&r, 400, "value_rejected", "a window of 200 days");
    assert_eq!(
        w.ma.get(&format!("/api/v1/teams/{}/slots?from=yesterday", w.expert))
            .await
            .status,
        400
    );
    assert_reason(
        &w.ma.get(&format!("/api/v1/teams/{}/slots", uuid::Uuid::new_v4())).await,
        404,
        "team_not_found",
        "unknown team",
    );

    // an unbooked slot can be deleted by its team's managers only
    let id = s(&slot, "id");
    assert_reason(
        &w.li.delete(&format!("/api/v1/slots/{id}")).await,
        403,
        "slot_managers_only",
        "a specialist deletes",
    );
    assert_eq!(w.sun.delete(&format!("/api/v1/slots/{id}")).await.status, 204);
    assert_reason(
        &w.sun.delete(&format!("/api/v1/slots/{id}")).await,
        404,
        "slot_not_found",
        "deleting twice",
    );
}

#[tokio::test]
async fn a_referral_books_a_slot_and_a_cancel_or_decline_frees_it() {
    let w = World::new().await;
    let at = in_days(5, 2);
    let slot = publish(&w.sun, &w.expert, slot_body(&w.li.user_id(), &at, 1, true)).await;
    let slot_id = s(&slot, "id");

    let case = hypertension_case(&w).await;
    let r =
        w.ma.post(
            &format!("/api/v1/cases/{}/referrals", s(&case, "id")),
            &refer_with_slot(&w.expert, &slot_id),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let referral = r.body;
    assert_eq!(referral["slot_id"], slot_id.as_str());
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(referral["appointment_at"].as_str().expect("appointment")).ok(),
        chrono::DateTime::parse_from_rfc3339(&at).ok(),
        "the slot's start is the appointment"
    );
    assert_eq!(slot_of(&w.sun, &w.expert, &slot_id).await["booked"], 1);
    assert_reason(
        &w.sun.delete(&format!("/api/v1/slots/{slot_id}")).await,
        409,
        "slot_booked",
        "deleting a booked slot",
    );

    // the slot is full: a second referral is refused and nothing is stored
    let other = open_case(
        &w.ma,
        &w.county,
        case_body(patient("孙八", "male", "1950-01-01"), "胸闷", "活动后胸闷", "routine"),
    )
    .await;
    let referrals_before = w.count("select count(*) from referrals").await;
    let r =
        w.ma.post(
            &format!("/api/v1/cases/{}/referrals", s(&other, "id")),
            &refer_with_slot(&w.expert, &slot_id),
        )
        .await;
    assert_reason(&r, 409, "slot_full", "a full slot");
    assert_eq!(w.count("select count(*) from referrals").await, referrals_before);
    // a slot of another team than the receiving one
    let resp_slot = publish(&w.qian, &w.resp, slot_body(&w.xu.user_id(), &in_days(5, 3), 3, true)).await;
    let r =
        w.ma.post(
            &format!("/api/v1/cases/{}/referrals", s(&other, "id")),
            &refer_with_slot(&w.expert, &s(&resp_slot, "id")),
        )
        .await;
    assert_reason(&r, 404, "slot_not_found", "another team's slot");

    // the referring side cancels: the place is free again
    let r = referral_action(&w.ma, &s(&referral, "id"), "cancel", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["slot_id"].is_null(), "{}", r.body);
    assert_eq!(slot_of(&w.sun, &w.expert, &slot_id).await["booked"], 0);

    // booked on acceptance instead, then declined: freed again
    let r =
        w.ma.post(
            &format!("/api/v1/cases/{}/referrals", s(&other, "id")),
            &json!({ "to_team_id": w.expert, "direction": "up", "reason": REFER_UP }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = s(&r.body, "id");
    let accepted = referral_action(&w.sun, &second, "accept", json!({ "slot_id": slot_id })).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["slot_id"], slot_id.as_str());
    assert!(accepted.body["appointment_at"].is_string());
    assert_eq!(slot_of(&w.sun, &w.expert, &slot_id).await["booked"], 1);
    let third_case = open_case(
        &w.ma,
        &w.county,
        case_body(patient("周九", "female", "1949-02-02"), "头晕", "头晕一周", "routine"),
    )
    .await;
    let third =
        w.ma.post(
            &format!("/api/v1/cases/{}/referrals", s(&third_case, "id")),
            &json!({ "to_team_id": w.expert, "direction": "up", "reason": REFER_UP }),
        )
        .await;
    let third = s(&third.body, "id");
    assert_reason(
        &referral_action(&w.sun, &third, "accept", json!({ "slot_id": slot_id })).await,
        409,
        "slot_full",
        "accepting onto a full slot",
    );
    let declined = referral_action(&w.sun, &third, "decline", json!({ "reason": "号源已满，请改约" })).await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    // cancelling the accepted one frees its place
    assert_eq!(referral_action(&w.ma, &second, "cancel", json!({})).await.status, 200);
    assert_eq!(slot_of(&w.sun, &w.expert, &slot_id).await["booked"], 0);
}

/// Ten referrals race for a slot with three places through two nodes:
/// exactly three get it, the others are told it is full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_bookings_across_two_nodes_never_exceed_capacity() {
    let cluster = Cluster::start(ClusterOptions::default()).await;
    let admin = &cluster.admin;
    let lead = fixtures::create_user(
        admin,
        "dr_expert",
        json!({ "care_level": "tertiary", "specialties": ["高血压"] }),
    )
    .await;
    let assistant = fixtures::create_user(admin, "asst_expert", json!({})).await;
    let grassroots = fixtures::create_user(admin, "dr_town", json!({ "care_level": "primary" })).await;
    let expert = fixtures::create_team(admin, "省医院高血压团队", &lead).await;
    fixtures::add_member(admin, &expert, &assistant, "assistant").await;
    let town = fixtures::create_team(admin, "镇卫生院", &grassroots).await;
    let slot = publish(&assistant, &expert, slot_body(&lead.user_id(), &in_days(2, 3), 3, true)).await;
    let slot_id = s(&slot, "id");
    let mut cases = Vec::new();
    for i in 0..10 {
        let case = open_case(
            &grassroots,
            &town,
            case_body(
                patient(&format!("患者{i}"), "male", "1950-01-01"),
                "血压控制不佳",
                "三联用药仍不达标",
                "routine",
            ),
        )
        .await;
        cases.push(s(&case, "id"));
    }
    let attempts = cases.iter().enumerate().map(|(i, case)| {
        let mut api = grassroots.clone();
        api.base = cluster.address(i % 2).to_owned();
        let body = refer_with_slot(&expert, &slot_id);
        let case = case.clone();
        async move { api.post(&format!("/api/v1/cases/{case}/referrals"), &body).await }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r.status == 201).count();
    let full = results
        .iter()
        .filter(|r| r.status == 409 && r.body["error"]["reason"] == "slot_full")
        .count();
    assert_eq!(
        (won, full),
        (3, 7),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert_eq!(slot_of(&assistant, &expert, &slot_id).await["booked"], 3);
}
