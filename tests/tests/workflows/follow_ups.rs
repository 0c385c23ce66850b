//! The referral loop's second half (SPEC §10): structured forms on consults
//! and referrals, the follow-up (随访) a patient sent back down carries — its
//! reminder, its escalation once overdue, the result reported back to the
//! expert team — and the case's FHIR R4 export, checked against HL7's schema.

use std::time::Duration;

use consilium_tests::fixtures::{await_notifications_matching, notifications_of};
use consilium_tests::{Api, attachment_fixture};
use serde_json::{Value, json};

use crate::support::*;

fn assert_reason(r: &consilium_tests::Resp, status: u16, reason: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], reason, "{what}: {}", r.body);
}

fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339()
}

fn in_days(days: i64) -> String {
    in_secs(days * 86_400)
}

/// The expert team's own case of 张三, to send down after treatment.
async fn treated_case(w: &World) -> Value {
    chest_pain_case(&w.li, &w.expert).await
}

const DOWN: &str = "PCI术后病情稳定，转回基层继续二级预防和随访。";
const PLAN: &str = "双抗治疗12个月；每月复查血脂、肝功能；心率>110次/分或胸痛复发及时上转。";

/// Refers `case` down to the township team with a follow-up plan and returns the referral.
async fn send_down(w: &World, case: &Value) -> Value {
    let r =
        w.li.post(
            &format!("/api/v1/cases/{}/referrals", s(case, "id")),
            &json!({
                "to_team_id": w.county, "direction": "down", "reason": DOWN,
                "summary": "男，68岁，急性前壁心梗，PCI术后第5天。",
                "diagnoses": [{ "code": "I21.0", "text": "急性前壁心肌梗死" }, { "text": "高血压3级" }],
                "purpose": "基层随访、康复指导",
                "precautions": "避免剧烈活动，监测血压心率",
                "follow_up_plan": PLAN,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn plan(api: &Api, case: &str, items: Value) -> consilium_tests::Resp {
    api.post(&format!("/api/v1/cases/{case}/follow-ups"), &json!({ "items": items }))
        .await
}

fn about_a_follow_up(n: &Value) -> bool {
    n["link"]["follow_up_id"].is_string()
}

/// `api`'s notifications of `kind` about follow-ups (with the fast deadlines
/// of the escalation test, the township's triage queue escalates too).
async fn follow_up_notes(api: &Api, kind: &str) -> Vec<Value> {
    notifications_of(api, kind)
        .await
        .into_iter()
        .filter(about_a_follow_up)
        .collect()
}

async fn await_notes(api: &Api, kind: &str, n: usize, within: Duration) -> Vec<Value> {
    await_notifications_matching(api, kind, n, within, about_a_follow_up).await
}

fn bodies(history: &Value) -> Vec<Value> {
    history["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.get("system").cloned())
        .collect()
}

async fn timeline(api: &Api, conversation: &str) -> Vec<Value> {
    let r = api
        .get(&format!("/api/v1/conversations/{conversation}/messages?limit=200"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    bodies(&r.body)
}

#[tokio::test]
async fn referral_and_consult_forms_carry_summary_diagnoses_purpose_and_precautions() {
    let w = World::new().await;
    let case = hypertension_case(&w).await;
    let path = format!("/api/v1/cases/{}/referrals", s(&case, "id"));
    let form = json!({
        "to_team_id": w.expert, "direction": "up", "reason": REFER_UP,
        "summary": "男，71岁，三联降压仍180/105mmHg。",
        "diagnoses": [{ "code": " i15.0 ", "text": "继发性高血压？" }, { "code": "", "text": "心功能不全" }],
        "purpose": "排查继发性高血压，调整降压方案",
        "precautions": "夜间阵发性呼吸困难，转运途中半卧位",
    });

    // bad forms are refused whole, nothing stored
    for (bad, reason) in [
        (
            json!({ "diagnoses": [{ "code": "I1", "text": "高血压" }] }),
            "invalid_icd10_code",
        ),
        (
            json!({ "diagnoses": [{ "code": "150.0", "text": "心衰" }] }),
            "invalid_icd10_code",
        ),
        (json!({ "diagnoses": [{ "text": "  " }] }), "field_empty"),
        (
            json!({ "diagnoses": vec![json!({ "text": "x" }); 21] }),
            "too_many_diagnoses",
        ),
        (json!({ "follow_up_plan": "每月随访" }), "follow_up_plan_down_only"),
        (
            json!({ "diagnoses": [{ "text": "x", "icd": "I10" }] }),
            "malformed_body",
        ),
    ] {
        let mut body = form.clone();
        for (k, v) in bad.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let r = w.ma.post(&path, &body).await;
        assert_reason(&r, 400, reason, &format!("{bad}"));
    }
    assert_eq!(w.count("select count(*) from referrals").await, 0);

    let r = w.ma.post(&path, &form).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let referral = r.body;
    assert_eq!(referral["summary"], "男，71岁，三联降压仍180/105mmHg。");
    assert_eq!(
        referral["diagnoses"],
        json!([{ "code": "I15.0", "text": "继发性高血压？" }, { "text": "心功能不全" }]),
        "codes are trimmed and upper-cased, an empty one is none"
    );
    assert_eq!(referral["purpose"], "排查继发性高血压，调整降压方案");
    assert_eq!(referral["precautions"], "夜间阵发性呼吸困难，转运途中半卧位");
    assert!(referral.get("follow_up_plan").is_none(), "{referral}");

    // the receiving inbox shows who is coming and how urgent it is
    let r = w.sun.get("/api/v1/referrals?box=incoming").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = &r.body["items"][0];
    assert_eq!(listed["patient"]["name"], "赵六");
    assert_eq!(listed["patient"]["birth_date"], "1955-11-02");
    assert_eq!(listed["priority"], "urgent");
    assert_eq!(listed["diagnoses"][0]["code"], "I15.0");

    // the consult request form
    let consult_path = format!("/api/v1/cases/{}/consults", s(&case, "id"));
    let r =
        w.ma.post(
            &consult_path,
            &json!({ "consultant_ids": [w.qian.user_id()], "question": "夜间呼吸困难是否需排除肺部疾病？",
                     "summary": "男，71岁，夜间阵发性呼吸困难1周。",
                     "diagnoses": [{ "code": "I50.9", "text": "心力衰竭" }], "urgency": "urgent" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["summary"], "男，71岁，夜间阵发性呼吸困难1周。");
    assert_eq!(r.body["diagnoses"], json!([{ "code": "I50.9", "text": "心力衰竭" }]));
    let r = w.qian.get(&format!("/api/v1/consults/{}", s(&r.body, "id"))).await;
    assert_eq!(
        r.body["diagnoses"][0]["text"], "心力衰竭",
        "the consultant reads the form"
    );
    let r = w
        .ma
        .post(
            &consult_path,
            &json!({ "consultant_ids": [w.qian.user_id()], "question": "?", "diagnoses": [{ "code": "J44", "text": "x" }, { "code": "XX", "text": "y" }] }),
        )
        .await;
    assert_reason(&r, 400, "invalid_icd10_code", "a consult with a bad code");
}

#[tokio::test]
async fn a_patient_sent_down_is_followed_up_and_the_result_reaches_the_expert_team() {
    let w = World::new().await;
    let case = treated_case(&w).await;
    let referral = send_down(&w, &case).await;
    assert_eq!(referral["follow_up_plan"], PLAN);
    assert_eq!(referral["diagnoses"][0]["code"], "I21.0");
    // acceptance may restate the plan; an up-referral's may not carry one
    let r = referral_action(
        &w.he,
        &s(&referral, "id"),
        "accept",
        json!({ "assignee_id": w.ma.user_id(), "follow_up_plan": format!("{PLAN} 首次随访：出院后1周。") }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["follow_up_plan"]
            .as_str()
            .unwrap_or_default()
            .ends_with("出院后1周。")
    );
    let local = s(&referral, "target_case_id");

    // the expert plans two follow-ups on the expert case, for the township doctor
    let r = plan(
        &w.li,
        &s(&case, "id"),
        json!([
            { "title": "复查血脂、肝功能", "instructions": "空腹抽血", "due_at": in_days(30), "assignee_id": w.ma.user_id() },
            { "title": "出院后1周电话随访", "due_at": in_days(7), "assignee_id": w.ma.user_id() },
        ]),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let items = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["title"], "出院后1周电话随访", "soonest first");
    for item in &items {
        assert_eq!(
            item["case_id"],
            local.as_str(),
            "kept under the case the assignee works on"
        );
        assert_eq!(item["status"], "open");
        assert_eq!(item["patient_name"], "张三");
        assert_eq!(item["created_by"], w.li.user_id().as_str());
    }
    let first = s(&items[0], "id");

    // both sides see the plan; the township doctor has it in My work
    for (api, case_id) in [
        (&w.li, s(&case, "id")),
        (&w.ma, local.clone()),
        (&w.huang, local.clone()),
    ] {
        let r = api.get(&format!("/api/v1/cases/{case_id}/follow-ups")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.body.as_array().map(Vec::len),
            Some(2),
            "{} sees both: {}",
            api.username(),
            r.body
        );
    }
    let r = w.ma.get("/api/v1/me/follow-ups").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(2), "{}", r.body);
    let r = w.ma.get("/api/v1/me/work").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let due: Vec<&str> = r.body["follow_ups_due"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(due, vec!["出院后1周电话随访"], "My work shows the coming week");
    assert_eq!(w.li.get("/api/v1/me/follow-ups").await.body, json!([]));
    let planned = timeline(&w.ma, &s(&case_of(&w.ma, &local).await, "conversation_id")).await;
    assert!(
        planned.iter().any(|e| e["event"] == "follow_ups_planned"
            && e["assignee_names"] == json!(["马超"])
            && e["titles"][0] == "出院后1周电话随访"),
        "{planned:?}"
    );

    // only the assignee or the case's teams record it; once
    let complete = |api: &Api, id: &str, result: &str| {
        let (api, id, result) = (api.clone(), id.to_owned(), result.to_owned());
        async move {
            api.post(
                &format!("/api/v1/follow-ups/{id}/complete"),
                &json!({ "result": result }),
            )
            .await
        }
    };
    assert_reason(
        &complete(&w.zhao, &first, "x").await,
        404,
        "follow_up_not_found",
        "an outsider",
    );
    assert_reason(
        &complete(&w.ma, &first, "   ").await,
        400,
        "field_empty",
        "an empty result",
    );
    let fake = uuid::Uuid::now_v7().to_string();
    assert_reason(
        &complete(&w.ma, &fake, "x").await,
        404,
        "follow_up_not_found",
        "no such follow-up",
    );
    let result = "患者无胸痛，血压128/76mmHg，心率68次/分，规律服药。";
    let r = complete(&w.ma, &first, result).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "done");
    assert_eq!(r.body["result"], result);
    assert_eq!(r.body["completed_by"], w.ma.user_id().as_str());
    assert_reason(
        &complete(&w.ma, &first, "again").await,
        409,
        "follow_up_done",
        "a second result",
    );

    // the loop closes: the expert hears of it and reads it in the expert case
    let note = &await_notes(&w.li, "follow_up_completed", 1, Duration::from_secs(5)).await[0];
    assert_eq!(note["title"], "出院后1周电话随访");
    assert_eq!(
        note["link"]["case_id"],
        s(&case, "id").as_str(),
        "the planner's own case"
    );
    assert_eq!(note["link"]["follow_up_id"], first.as_str());
    let expert_side = timeline(&w.li, &s(&case, "conversation_id")).await;
    assert!(
        expert_side
            .iter()
            .any(|e| e["event"] == "follow_up_completed" && e["result"] == result),
        "{expert_side:?}"
    );
    let r = w.ma.get("/api/v1/me/follow-ups?status=done").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = w.ma.get("/api/v1/me/follow-ups?status=due").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = w.ma.get("/api/v1/me/follow-ups?status=someday").await;
    assert_eq!(r.status, 400, "{}", r.body);
    w.audited_once("follow_up", &first, "follow_up_completed").await;
    w.audited_once("case", &s(&case, "id"), "follow_ups_planned").await;
}

#[tokio::test]
async fn bad_follow_up_plans_are_refused_and_store_nothing() {
    let w = World::new().await;
    let case = treated_case(&w).await;
    send_down(&w, &case).await;
    let id = s(&case, "id");
    let item = |due: String, assignee: String| json!({ "title": "复查心电图", "due_at": due, "assignee_id": assignee });
    let ma = w.ma.user_id();
    for (api, items, status, reason) in [
        (&w.li, json!([item(in_secs(-60), ma.clone())]), 400, "date_in_past"),
        (&w.li, json!([]), 400, "follow_up_count"),
        (
            &w.li,
            json!(vec![item(in_days(3), ma.clone()); 21]),
            400,
            "follow_up_count",
        ),
        (
            &w.li,
            json!([item(in_days(3), w.qian.user_id())]),
            403,
            "follow_up_assignee_outside",
        ),
        (
            &w.li,
            json!([item(in_days(3), uuid::Uuid::now_v7().to_string())]),
            403,
            "follow_up_assignee_outside",
        ),
        (
            &w.li,
            json!([{ "title": "", "due_at": in_days(3), "assignee_id": ma }]),
            400,
            "field_empty",
        ),
        (&w.zhao, json!([item(in_days(3), ma.clone())]), 404, "case_not_found"),
    ] {
        let r = plan(api, &id, items.clone()).await;
        assert_reason(&r, status, reason, &format!("{} plans {items}", api.username()));
    }
    let r =
        w.li.post(&format!("/api/v1/cases/{id}/follow-ups"), &json!({ "items": "soon" }))
            .await;
    assert_eq!(r.status, 400, "{}", r.body);

    // a consultant may read the case but is not of its teams
    let consult = request_consult(&w.li, &id, &[&w.qian]).await;
    assert_eq!(consult["status"], "requested");
    let r = plan(&w.qian, &id, json!([item(in_days(3), ma.clone())])).await;
    assert_reason(&r, 403, "follow_up_teams_only", "a consultant plans");
    assert_eq!(w.count("select count(*) from follow_ups").await, 0);
    assert_eq!(
        w.count("select count(*) from escalation_timers where subject_kind = 'follow_up'")
            .await,
        0
    );
}

/// A follow-up reminds its assignee as it comes due and, left undone,
/// escalates to the lead of the assignee's team and to its planner, then to
/// the lead again; one done in time stays quiet.
#[tokio::test]
async fn a_follow_up_coming_due_reminds_and_an_overdue_one_escalates() {
    // one deadline minute = 20 ms; the scheduler looks every 50 ms
    let w = World::with_env(
        Bus::Local,
        vec![
            ("DEADLINE_MINUTE_MS".into(), "20".into()),
            ("ESCALATION_POLL_MS".into(), "50".into()),
        ],
    )
    .await;
    let case = treated_case(&w).await;
    send_down(&w, &case).await;
    let r = plan(
        &w.li,
        &s(&case, "id"),
        json!([
            { "title": "电话随访", "due_at": in_secs(3), "assignee_id": w.ma.user_id() },
            { "title": "复查心电图", "due_at": in_secs(4), "assignee_id": w.ma.user_id() },
        ]),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (late, done) = (s(&r.body[0], "id"), s(&r.body[1], "id"));

    // reminded before it is due (halfway, since less than a day is left)
    let reminders = await_notes(&w.ma, "follow_up_due", 2, Duration::from_secs(4)).await;
    assert!(
        reminders
            .iter()
            .any(|n| n["title"] == "电话随访" && n["link"]["follow_up_id"] == late.as_str())
    );
    let r =
        w.ma.post(
            &format!("/api/v1/follow-ups/{done}/complete"),
            &json!({ "result": "心电图正常" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // overdue: the township lead, the planner and the assignee hear of it
    let lead = await_notes(&w.huang, "escalation", 1, Duration::from_secs(6)).await;
    assert_eq!(lead[0]["title"], "电话随访");
    assert_eq!(lead[0]["link"]["follow_up_id"], late.as_str());
    await_notes(&w.li, "escalation", 1, Duration::from_secs(2)).await;
    await_notes(&w.ma, "escalation", 1, Duration::from_secs(2)).await;
    let r = w.ma.get("/api/v1/me/follow-ups?status=overdue").await;
    let overdue: Vec<&str> = r
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(overdue, vec!["电话随访"]);
    let work = w.ma.get("/api/v1/me/work").await.body;
    assert_eq!(work["overdue"]["follow_ups"][0]["title"], "电话随访", "{work}");

    // still undone after the same time again: the lead a second time
    await_notes(&w.huang, "escalation", 2, Duration::from_secs(8)).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        follow_up_notes(&w.huang, "escalation").await.len(),
        2,
        "each level once"
    );
    assert_eq!(
        follow_up_notes(&w.li, "escalation").await.len(),
        1,
        "the planner hears at the first level"
    );
    assert!(
        follow_up_notes(&w.huang, "escalation")
            .await
            .iter()
            .all(|n| n["title"] == "电话随访"),
        "the follow-up done in time never escalates"
    );
    let timers: Vec<(i32, String, Option<String>)> = w
        .app
        .db
        .connect()
        .await
        .query(
            "select level, subject_id::text, outcome from escalation_timers where subject_kind = 'follow_up' order by subject_id, level",
            &[],
        )
        .await
        .expect("timers")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let fired = |id: &str| -> Vec<(i32, Option<&str>)> {
        timers
            .iter()
            .filter(|t| t.1 == id)
            .map(|t| (t.0, t.2.as_deref()))
            .collect()
    };
    assert_eq!(
        fired(&late),
        vec![(0, Some("escalated")), (1, Some("escalated")), (2, Some("escalated"))],
        "the late one: reminded, then both levels"
    );
    assert_eq!(
        fired(&done),
        vec![(0, Some("escalated")), (1, Some("resolved"))],
        "the one done in time: reminded, then nothing"
    );
}

/// A validator of HL7's FHIR R4 JSON schema (the fixture). The schema says
/// which definition a resource must match twice: as a 146-way `oneOf` and as
/// an OpenAPI-style `discriminator` on `resourceType`. The validator crate
/// implements only the first, and trying 146 resource definitions for every
/// resource in a bundle does not finish; so the discriminator is spelled as
/// what it means — if `resourceType` is X, the resource must match X — with
/// draft 7's `if`/`then`. Every resource is then held to its own definition,
/// exactly as the schema intends.
fn fhir_r4_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fhir/fhir.schema.json"))
        .expect("the FHIR R4 schema fixture");
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    assert_eq!(schema["id"], "http://hl7.org/fhir/json-schema/4.0");
    let mapping = schema["discriminator"]["mapping"]
        .as_object()
        .cloned()
        .expect("a discriminator");
    assert_eq!(mapping.len(), 146, "HL7's R4 resources");
    let known: Vec<&String> = mapping.keys().collect();
    let mut by_type: Vec<Value> =
        vec![json!({ "properties": { "resourceType": { "enum": known } }, "required": ["resourceType"] })];
    by_type.extend(mapping.iter().map(|(name, target)| {
        json!({
            "if": { "properties": { "resourceType": { "const": name } }, "required": ["resourceType"] },
            "then": { "$ref": target },
        })
    }));
    schema["definitions"]["ResourceList"] = json!({ "allOf": by_type });
    let root = schema.as_object_mut().expect("an object");
    root.remove("oneOf");
    root.remove("discriminator");
    root.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
    root.insert("$ref".into(), json!("#/definitions/ResourceList"));
    jsonschema::draft7::new(&schema).expect("the schema compiles")
}

/// `GET /cases/{id}/fhir`: the case as a FHIR R4 Bundle, valid against HL7's
/// R4 JSON schema, for who may read the case only; audited.
#[tokio::test]
async fn a_case_exports_as_a_valid_fhir_r4_bundle() {
    let w = World::new().await;
    let case = hypertension_case(&w).await;
    let id = s(&case, "id");
    let r = w
        .ma
        .post(
            &format!("/api/v1/cases/{id}/referrals"),
            &json!({ "to_team_id": w.expert, "direction": "up", "reason": REFER_UP,
                     "summary": "男，71岁。", "diagnoses": [{ "code": "I15.0", "text": "继发性高血压" }, { "text": "心功能不全" }],
                     "purpose": "排查继发性高血压", "precautions": "半卧位转运" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let referral = r.body;
    let r = w
        .ma
        .post(
            &format!("/api/v1/cases/{id}/consults"),
            &json!({ "consultant_ids": [w.qian.user_id()], "question": "夜间呼吸困难的原因？",
                     "diagnoses": [{ "code": "I15.0", "text": "继发性高血压" }, { "code": "J44.9", "text": "慢阻肺？" }] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let consult = r.body;
    let r =
        w.ma.upload(
            &s(&case, "conversation_id"),
            "lab-report.pdf",
            &attachment_fixture("lab-report.pdf"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let file = r.body;
    let r =
        w.ma.post(
            &format!("/api/v1/conversations/{}/messages", s(&case, "conversation_id")),
            &json!({ "client_msg_id": "lab", "body": "化验单", "attachment_ids": [file["id"]] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = w.ma.get(&format!("/api/v1/cases/{id}/fhir")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bundle = r.body;

    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let of = |t: &str| {
        resources
            .iter()
            .filter(|r| r["resourceType"] == t)
            .copied()
            .collect::<Vec<_>>()
    };
    let patients = of("Patient");
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0]["name"][0]["text"], "赵六");
    assert_eq!(patients[0]["gender"], "male");
    assert_eq!(patients[0]["birthDate"], "1955-11-02");
    assert_eq!(patients[0]["identifier"][0]["value"], "QS-0042");
    let conditions = of("Condition");
    let codes: Vec<String> = conditions
        .iter()
        .map(|c| {
            c["code"]["coding"][0]["code"]
                .as_str()
                .unwrap_or(c["code"]["text"].as_str().unwrap_or_default())
                .to_owned()
        })
        .collect();
    assert_eq!(codes.len(), 3, "one per distinct diagnosis: {codes:?}");
    for code in ["I15.0", "J44.9", "心功能不全"] {
        assert!(codes.iter().any(|c| c == code), "{code} in {codes:?}");
    }
    assert!(conditions.iter().all(|c| {
        c["code"]["coding"]
            .as_array()
            .is_none_or(|cs| cs.iter().all(|x| x["system"] == "http://hl7.org/fhir/sid/icd-10"))
    }));
    let requests = of("ServiceRequest");
    assert_eq!(requests.len(), 2, "the consult and the referral");
    let referral_request = requests
        .iter()
        .find(|r| r["id"] == s(&referral, "id").as_str())
        .expect("the referral");
    assert_eq!(referral_request["priority"], "urgent");
    assert_eq!(referral_request["status"], "active");
    assert!(referral_request["note"].as_array().is_some_and(|n| {
        n.iter()
            .any(|x| x["text"].as_str().unwrap_or_default().contains("半卧位转运"))
    }));
    assert!(requests.iter().any(|r| r["id"] == s(&consult, "id").as_str()));
    let tasks = of("Task");
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t["status"] == "requested"));
    let documents = of("DocumentReference");
    assert_eq!(documents.len(), 1);
    assert_eq!(
        documents[0]["content"][0]["attachment"]["contentType"],
        "application/pdf"
    );
    assert_eq!(documents[0]["content"][0]["attachment"]["title"], "lab-report.pdf");
    // every reference inside the bundle resolves to an entry
    let urls: Vec<&str> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    let text = bundle.to_string();
    for reference in text
        .split("\"reference\":\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap_or_default())
    {
        assert!(urls.contains(&reference), "{reference} resolves");
    }

    // who may read the case: the consultant yes, an outsider no; audited
    assert_eq!(w.qian.get(&format!("/api/v1/cases/{id}/fhir")).await.status, 200);
    let r = w.zhao.get(&format!("/api/v1/cases/{id}/fhir")).await;
    assert_reason(&r, 404, "case_not_found", "an outsider exports");
    let exports = w.audit_of("case", &id).await;
    assert_eq!(exports.iter().filter(|e| e["action"] == "case.fhir_export").count(), 2);

    // last, as it takes seconds: an idle keep-alive connection would meanwhile be closed
    let validator = fhir_r4_validator();
    let errors: Vec<String> = validator
        .iter_errors(&bundle)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "the bundle is not valid FHIR R4: {errors:#?}\n{bundle:#}"
    );
    // and the validator does reject what is not FHIR
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"]["gender"] = json!("man");
    assert!(!validator.is_valid(&broken), "a wrong gender code is caught");
    let mut unknown = bundle.clone();
    unknown["entry"][0]["resource"]["resourceType"] = json!("Person2");
    assert!(
        !validator.is_valid(&unknown),
        "a resource type R4 does not have is caught"
    );
}
