//! Intakes and the triage queue: anyone submits a patient to any team, the
//! team's assistants and lead assign, re-prioritise, transfer or decline.

use consilium_tests::fixtures;
use serde_json::{Value, json};

use crate::support::{
    World, assert_conflict_naming, assert_error, assign, case_body, case_of, chest_pain_case, get_case, intake,
    messages, patch_case, patient, queue, s, submit_intake, triage,
};

const CHEST_PAIN: &str = "女，62岁。活动后胸闷胸痛1月，休息3–5分钟缓解。既往冠心病史、2型糖尿病。";
const PALPITATIONS: &str = "男，55岁。阵发性心悸半年，发作时心率170次/分，心电图提示室上性心律失常。";

#[tokio::test]
async fn anyone_submits_an_intake_to_any_team() {
    let w = World::new().await;
    // a village doctor in no team, and a member of another team
    let from_village = intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "urgent").await;
    let from_county = submit_intake(
        &w.ma,
        &w.expert,
        case_body(
            json!({ "name": "王五", "sex": "male" }),
            "心悸待查",
            PALPITATIONS,
            "routine",
        ),
    )
    .await;

    assert_eq!(from_village["status"], "triage");
    assert_eq!(from_village["source"], "intake");
    assert_eq!(from_village["priority"], "urgent");
    assert_eq!(from_village["team_id"], w.expert.as_str());
    assert_eq!(from_village["created_by"], w.zhao.user_id());
    assert_eq!(from_village["patient"]["name"], "李四");
    assert_eq!(from_village["patient"]["birth_date"], "1961-07-08");
    assert!(from_village.get("assignee_id").is_none(), "{from_village}");
    assert_eq!(from_county["patient"]["sex"], "male");
    assert!(from_county["patient"].get("birth_date").is_none(), "{from_county}");

    let village_id = s(&from_village, "id");
    let county_id = s(&from_county, "id");
    assert_eq!(
        queue(&w.sun, &w.expert).await,
        [village_id.as_str(), county_id.as_str()]
    );
    assert_eq!(queue(&w.li, &w.expert).await.len(), 2, "every member sees the queue");
    // the team discusses it in its thread
    let conv = s(&from_village, "conversation_id");
    assert_eq!(messages(&w.chen, &conv).await.status, 200);

    // the submitter follows the status, not the discussion or the team's queue
    let mut status_only = from_village.clone();
    status_only["summary"] = json!("");
    assert_eq!(case_of(&w.zhao, &village_id).await, status_only);
    assert_error(
        &w.zhao.get(&format!("/api/v1/conversations/{conv}")).await,
        404,
        "the submitter opens the case thread",
    );
    assert_error(
        &messages(&w.zhao, &conv).await,
        404,
        "the submitter reads the discussion",
    );
    assert_error(
        &w.zhao.get(&format!("/api/v1/teams/{}/triage", w.expert)).await,
        404,
        "the submitter reads the queue",
    );
    assert_error(
        &w.zhao.get(&format!("/api/v1/teams/{}/cases", w.expert)).await,
        404,
        "the submitter lists the team's cases",
    );
    assert_eq!(
        w.zhao.get(&format!("/api/v1/cases/{village_id}/consults")).await.body,
        json!([])
    );
    assert_error(&get_case(&w.zhao, &county_id).await, 404, "another submitter's intake");

    let submitted = w.audited_once("case", &village_id, "intake_submitted").await;
    assert_eq!(submitted["actor_id"], w.zhao.user_id());
}

#[tokio::test]
async fn refused_intakes_store_nothing() {
    let w = World::new().await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let path = format!("/api/v1/teams/{}/intakes", w.expert);
    for (what, body) in [
        ("no patient", json!({ "title": "胸痛待查" })),
        (
            "an existing patient_id instead of a patient",
            json!({ "patient_id": uuid::Uuid::now_v7(), "title": "胸痛待查" }),
        ),
        (
            "an empty title",
            json!({ "patient": patient("李四", "female", "1961-07-08"), "title": "" }),
        ),
        (
            "a future birth date",
            json!({ "patient": patient("李四", "female", &tomorrow), "title": "胸痛待查" }),
        ),
        (
            "a bad sex",
            json!({ "patient": patient("李四", "女", "1961-07-08"), "title": "胸痛待查" }),
        ),
    ] {
        assert_error(&w.zhao.post(&path, &body).await, 400, what);
    }
    let body = case_body(
        patient("李四", "female", "1961-07-08"),
        "胸痛待查",
        CHEST_PAIN,
        "routine",
    );
    assert_error(
        &w.zhao
            .post(&format!("/api/v1/teams/{}/intakes", uuid::Uuid::now_v7()), &body)
            .await,
        404,
        "an unknown team",
    );
    let closed_team = fixtures::create_team_with(&w.app.admin, "已撤销的团队", "心血管内科", &w.huang).await;
    fixtures::archive_team(&w.app.admin, &closed_team).await;
    assert_error(
        &w.zhao
            .post(&format!("/api/v1/teams/{closed_team}/intakes"), &body)
            .await,
        409,
        "an archived team",
    );
    assert_eq!(w.count("select count(*) from cases").await, 0);
    assert_eq!(w.count("select count(*) from patients").await, 0);
}

#[tokio::test]
async fn the_queue_is_most_urgent_first_then_oldest() {
    let w = World::new().await;
    let mut made: Vec<(String, Value)> = Vec::new();
    for (name, title, priority) in [
        ("李四", "高血压复诊", "routine"),
        ("王五", "胸痛待查", "urgent"),
        ("赵六", "急性胸痛 疑似主动脉夹层", "emergency"),
        ("钱七", "心悸待查", "routine"),
        ("孙八", "晕厥待查", "urgent"),
    ] {
        let case = intake(&w.zhao, &w.expert, name, title, "", priority).await;
        made.push((name.to_owned(), case));
    }
    let id = |name: &str| s(&made.iter().find(|(n, _)| n == name).unwrap().1, "id");
    assert_eq!(
        queue(&w.sun, &w.expert).await,
        [id("赵六"), id("王五"), id("孙八"), id("李四"), id("钱七")]
    );

    // re-prioritising moves a case up without making it younger
    let r = triage(
        &w.wang,
        &id("钱七"),
        json!({ "action": "prioritize", "priority": "emergency" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["priority"], "emergency");
    assert_eq!(r.body["status"], "triage");
    assert_eq!(
        queue(&w.sun, &w.expert).await,
        [id("赵六"), id("钱七"), id("王五"), id("孙八"), id("李四")]
    );

    // assigned cases leave the queue
    assign(&w.sun, &id("赵六"), &w.li).await;
    assert_eq!(
        queue(&w.zhou, &w.expert).await,
        [id("钱七"), id("王五"), id("孙八"), id("李四")]
    );
}

#[tokio::test]
async fn assistants_and_the_lead_assign() {
    let w = World::new().await;
    let first = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "routine").await,
        "id",
    );
    let second = s(
        &intake(&w.zhao, &w.expert, "王五", "心悸待查", PALPITATIONS, "routine").await,
        "id",
    );

    let r = triage(
        &w.sun,
        &first,
        json!({ "action": "assign", "assignee_id": w.li.user_id(), "priority": "urgent" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["assignee_id"], w.li.user_id());
    assert_eq!(r.body["priority"], "urgent");
    let by_lead = assign(&w.wang, &second, &w.chen).await;
    assert_eq!(by_lead["assignee_id"], w.chen.user_id());
    assert_eq!(by_lead["priority"], "routine", "priority stays when not given");

    assert!(queue(&w.sun, &w.expert).await.is_empty());
    let mine =
        w.li.get(&format!("/api/v1/teams/{}/cases?assignee={}", w.expert, w.li.user_id()))
            .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(crate::support::ids(&mine.body["items"]), [first.as_str()]);
    // the submitter sees the new status
    let seen = case_of(&w.zhao, &first).await;
    assert_eq!(seen["status"], "open");
    assert_eq!(seen["assignee_id"], w.li.user_id());

    let audit = w.audited_once("case", &first, "case_triaged").await;
    assert_eq!(audit["actor_id"], w.sun.user_id());
    assert_eq!(audit["detail"]["action"], "assign");
    assert_eq!(audit["detail"]["assignee_id"], w.li.user_id());
    assert_eq!(
        w.audited_once("case", &second, "case_triaged").await["actor_id"],
        w.wang.user_id()
    );
}

#[tokio::test]
async fn only_assistants_and_the_lead_triage() {
    let w = World::new().await;
    let id = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "routine").await,
        "id",
    );
    let actions = [
        json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        json!({ "action": "prioritize", "priority": "emergency" }),
        json!({ "action": "transfer", "team_id": w.resp, "note": "转呼吸科" }),
        json!({ "action": "decline", "reason": "不收" }),
    ];
    for action in &actions {
        for member in [&w.li, &w.chen, &w.liu] {
            assert_error(
                &triage(member, &id, action.clone()).await,
                403,
                &format!("{} ({}) triages", member.username(), action["action"]),
            );
        }
        // the submitter sees the case but does not triage it
        assert_error(
            &triage(&w.zhao, &id, action.clone()).await,
            403,
            "the submitter triages",
        );
        for stranger in [&w.qian, &w.he, &w.app.admin] {
            assert_error(
                &triage(stranger, &id, action.clone()).await,
                404,
                &format!("{} triages another team's case", stranger.username()),
            );
        }
    }
    let now = case_of(&w.sun, &id).await;
    assert_eq!(now["status"], "triage");
    assert_eq!(now["priority"], "routine");
    assert_eq!(now["team_id"], w.expert.as_str());
    assert!(
        w.audit_of("case", &id)
            .await
            .iter()
            .all(|e| e["action"] != "case_triaged")
    );
}

#[tokio::test]
async fn assigning_someone_outside_the_team_is_invalid() {
    let w = World::new().await;
    let id = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "routine").await,
        "id",
    );
    for (what, assignee) in [
        ("the submitter", w.zhao.user_id()),
        ("another team's lead", w.qian.user_id()),
        ("nobody", uuid::Uuid::now_v7().to_string()),
    ] {
        let r = triage(&w.sun, &id, json!({ "action": "assign", "assignee_id": assignee })).await;
        assert_error(&r, 400, &format!("assigning {what}"));
    }
    assert_error(
        &triage(&w.sun, &id, json!({ "action": "operate" })).await,
        400,
        "an unknown action",
    );
    assert_error(
        &triage(&w.sun, &id, json!({ "action": "decline", "reason": "  " })).await,
        400,
        "a decline without a reason",
    );
    assert_eq!(queue(&w.sun, &w.expert).await, [id.as_str()]);
    assert!(case_of(&w.sun, &id).await.get("assignee_id").is_none());
}

#[tokio::test]
async fn a_transfer_moves_the_case_to_the_other_teams_queue() {
    let w = World::new().await;
    let case = intake(
        &w.zhao,
        &w.expert,
        "李四",
        "咳嗽咳痰2周伴发热",
        "女，64岁。咳嗽、咳黄痰2周，发热38.5℃，胸片示右下肺渗出影。心电图正常。",
        "urgent",
    )
    .await;
    let id = s(&case, "id");
    let conv = s(&case, "conversation_id");

    let r = triage(
        &w.sun,
        &id,
        json!({ "action": "transfer", "team_id": w.resp, "note": "考虑社区获得性肺炎，非心血管问题，转呼吸科" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["team_id"], w.resp.as_str());
    assert_eq!(r.body["status"], "triage");
    assert_eq!(r.body["patient"], case["patient"]);

    assert!(queue(&w.sun, &w.expert).await.is_empty());
    assert_eq!(queue(&w.qian, &w.resp).await, [id.as_str()]);
    assert_eq!(queue(&w.xu, &w.resp).await, [id.as_str()]);
    // the old team lost it, the new one has it, with its thread
    for old in [&w.sun, &w.li, &w.wang] {
        assert_error(
            &get_case(old, &id).await,
            404,
            "the old team reads the transferred case",
        );
        assert_error(&messages(old, &conv).await, 404, "the old team reads its thread");
    }
    assert_eq!(case_of(&w.xu, &id).await["team_id"], w.resp.as_str());
    assert_eq!(messages(&w.xu, &conv).await.status, 200);
    assert_eq!(
        case_of(&w.zhao, &id).await["team_id"],
        w.resp.as_str(),
        "the submitter follows it"
    );

    // the old team's assistant can no longer act on it; the new team triages it
    assert_error(
        &triage(
            &w.sun,
            &id,
            json!({ "action": "assign", "assignee_id": w.li.user_id() }),
        )
        .await,
        404,
        "the old team assigns",
    );
    let done = assign(&w.qian, &id, &w.xu).await;
    assert_eq!(done["status"], "open");
    assert_eq!(done["assignee_id"], w.xu.user_id());

    let audit = w.audit_of("case", &id).await;
    let transfer = audit
        .iter()
        .find(|e| e["action"] == "case_triaged" && e["detail"]["action"] == "transfer")
        .unwrap_or_else(|| panic!("no transfer in {audit:#?}"));
    assert_eq!(transfer["actor_id"], w.sun.user_id());
    assert_eq!(transfer["detail"]["to"], w.resp.as_str());
}

#[tokio::test]
async fn a_transfer_needs_another_active_team() {
    let w = World::new().await;
    let id = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "routine").await,
        "id",
    );
    assert_error(
        &triage(&w.sun, &id, json!({ "action": "transfer", "team_id": w.expert })).await,
        400,
        "a transfer to the same team",
    );
    assert_error(
        &triage(
            &w.sun,
            &id,
            json!({ "action": "transfer", "team_id": uuid::Uuid::now_v7() }),
        )
        .await,
        400,
        "a transfer to no team",
    );
    let closed_team = fixtures::create_team_with(&w.app.admin, "已撤销的团队", "呼吸科", &w.huang).await;
    fixtures::archive_team(&w.app.admin, &closed_team).await;
    assert_error(
        &triage(&w.sun, &id, json!({ "action": "transfer", "team_id": closed_team })).await,
        409,
        "a transfer to an archived team",
    );
    assert_eq!(queue(&w.sun, &w.expert).await, [id]);
}

#[tokio::test]
async fn a_declined_intake_is_closed_with_the_reason() {
    let w = World::new().await;
    let id = s(
        &intake(
            &w.zhao,
            &w.expert,
            "李四",
            "反酸烧心3月",
            "女，58岁。反酸、烧心3月，餐后加重，心电图及心肌酶正常。",
            "routine",
        )
        .await,
        "id",
    );
    let reason = "心脏检查未见异常，考虑胃食管反流病，建议消化内科就诊。";
    let r = triage(&w.zhou, &id, json!({ "action": "decline", "reason": reason })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    assert_eq!(r.body["decline_reason"], reason);
    assert!(r.body.get("assignee_id").is_none(), "{}", r.body);
    assert!(queue(&w.sun, &w.expert).await.is_empty());
    let seen = case_of(&w.zhao, &id).await;
    assert_eq!(seen["status"], "closed");
    assert_eq!(seen["decline_reason"], reason, "the submitter learns why");
    let audit = w.audited_once("case", &id, "case_triaged").await;
    assert_eq!(audit["actor_id"], w.zhou.user_id());
    // admins see that a reason was given, not the clinical text
    assert_eq!(audit["detail"]["reason"]["redacted"], true, "{audit}");
}

#[tokio::test]
async fn triage_on_a_case_that_is_not_waiting_conflicts() {
    let w = World::new().await;
    let assigned = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "routine").await,
        "id",
    );
    assign(&w.sun, &assigned, &w.li).await;
    let declined = s(
        &intake(&w.zhao, &w.expert, "王五", "心悸待查", PALPITATIONS, "routine").await,
        "id",
    );
    let r = triage(&w.sun, &declined, json!({ "action": "decline", "reason": "重复提交" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let direct = s(&chest_pain_case(&w.li, &w.expert).await, "id");

    let actions = [
        json!({ "action": "assign", "assignee_id": w.chen.user_id() }),
        json!({ "action": "prioritize", "priority": "emergency" }),
        json!({ "action": "transfer", "team_id": w.resp }),
        json!({ "action": "decline", "reason": "不收" }),
    ];
    for (case, status) in [(&assigned, "open"), (&declined, "closed"), (&direct, "open")] {
        for action in &actions {
            let r = triage(&w.sun, case, action.clone()).await;
            assert_conflict_naming(&r, status, &format!("{} on a case that is {status}", action["action"]));
        }
    }
    assert_eq!(case_of(&w.sun, &assigned).await["assignee_id"], w.li.user_id());
    assert_eq!(case_of(&w.sun, &declined).await["status"], "closed");
    // a declined intake cannot be reopened around triage; it is submitted again
    let r = patch_case(&w.sun, &declined, json!({ "status": "open" })).await;
    assert_conflict_naming(&r, "closed", "reopening a declined intake");
    assert!(queue(&w.sun, &w.expert).await.is_empty());
}

#[tokio::test]
async fn suggestions_put_matching_specialties_first() {
    let w = World::new().await;
    let chest = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", CHEST_PAIN, "routine").await,
        "id",
    );
    let palp = s(
        &intake(&w.zhao, &w.expert, "王五", "心悸待查", PALPITATIONS, "routine").await,
        "id",
    );

    let suggestions = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap_or_else(|| panic!("not a list: {body}"))
            .iter()
            .map(|x| s(&x["user"], "username"))
            .collect()
    };
    let r = w.sun.get(&format!("/api/v1/cases/{chest}/suggestions")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names = suggestions(&r.body);
    assert_eq!(names[0], "dr_li", "冠心病 in the summary: {}", r.body);
    assert_eq!(r.body[0]["matching_specialties"], json!(["冠心病"]));
    assert!(
        !names.iter().any(|n| n.starts_with("asst_")),
        "assistants are not suggested: {names:?}"
    );
    let mut everyone = names.clone();
    everyone.sort();
    assert_eq!(everyone, ["dr_chen", "dr_li", "dr_liu", "dr_wang"]);
    let scores: Vec<f64> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|p| p[0] >= p[1]), "best first: {scores:?}");

    let r = w.wang.get(&format!("/api/v1/cases/{palp}/suggestions")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        suggestions(&r.body)[0],
        "dr_chen",
        "心律失常 in the summary: {}",
        r.body
    );
    assert_eq!(r.body[0]["matching_specialties"], json!(["心律失常"]));

    // load counts, but a fit still wins
    assign(&w.sun, &palp, &w.li).await;
    let another = s(
        &intake(&w.zhao, &w.expert, "赵六", "冠心病复诊", CHEST_PAIN, "routine").await,
        "id",
    );
    let r = w.sun.get(&format!("/api/v1/cases/{another}/suggestions")).await;
    assert_eq!(r.body[0]["user"]["username"], "dr_li", "{}", r.body);
    assert_eq!(r.body[0]["open_cases"], 1);

    assert_error(
        &w.zhao.get(&format!("/api/v1/cases/{chest}/suggestions")).await,
        403,
        "the submitter asks for suggestions",
    );
    assert_error(
        &w.qian.get(&format!("/api/v1/cases/{chest}/suggestions")).await,
        404,
        "another team asks for suggestions",
    );
}

#[tokio::test]
async fn two_assistants_racing_to_assign_one_intake_one_wins() {
    let w = World::new().await;
    for round in 0..10 {
        let case = intake(
            &w.zhao,
            &w.expert,
            &format!("患者{round}"),
            "胸痛待查",
            CHEST_PAIN,
            "urgent",
        )
        .await;
        let id = s(&case, "id");
        let (by_sun, by_zhou) = tokio::join!(
            triage(
                &w.sun,
                &id,
                json!({ "action": "assign", "assignee_id": w.li.user_id() })
            ),
            triage(
                &w.zhou,
                &id,
                json!({ "action": "assign", "assignee_id": w.chen.user_id() })
            ),
        );
        let mut statuses = [by_sun.status, by_zhou.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: sun got {} {}, zhou got {} {}",
            by_sun.status,
            by_sun.body,
            by_zhou.status,
            by_zhou.body
        );
        let (winner, loser, expected) = if by_sun.status == 200 {
            (&by_sun, &by_zhou, w.li.user_id())
        } else {
            (&by_zhou, &by_sun, w.chen.user_id())
        };
        assert_conflict_naming(loser, "open", &format!("round {round}: the slower assistant"));
        assert_eq!(winner.body["assignee_id"], expected.as_str());
        let now = case_of(&w.wang, &id).await;
        assert_eq!(now["status"], "open");
        assert_eq!(
            now["assignee_id"],
            expected.as_str(),
            "round {round}: the winner's choice stands"
        );
        let triaged: Vec<Value> = w
            .audit_of("case", &id)
            .await
            .into_iter()
            .filter(|e| e["action"] == "case_triaged")
            .collect();
        assert_eq!(triaged.len(), 1, "round {round}: one assignment happened: {triaged:#?}");
    }
    assert!(queue(&w.sun, &w.expert).await.is_empty());
}

/// Suggestions come from a specialty vocabulary, not literal matches: a
/// 房颤/心律不齐 case goes to the arrhythmia doctor, not to a hypertension
/// doctor nor to everyone whose specialty the team's department names;
/// each suggestion says why (the specialty and the case's words, the load,
/// the care level for an emergency, the lead kept free).
#[tokio::test]
async fn suggestions_follow_the_specialty_vocabulary_and_say_why() {
    let w = World::new().await;
    let zhang = fixtures::create_user(
        &w.app.admin,
        "dr_zhang",
        json!({ "display_name": "张敏", "care_level": "tertiary", "specialties": ["高血压"] }),
    )
    .await;
    fixtures::add_member(&w.app.admin, &w.expert, &zhang, "specialist").await;
    let af = s(
        &intake(
            &w.zhao,
            &w.expert,
            "钱七",
            "阵发性房颤",
            "男，68岁。阵发性房颤3年，心律不齐，近1周心悸加重，血压正常。",
            "emergency",
        )
        .await,
        "id",
    );
    let r = w.sun.get(&format!("/api/v1/cases/{af}/suggestions")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body.as_array().expect("a list");
    assert_eq!(list[0]["user"]["username"], "dr_chen", "{}", r.body);
    assert_eq!(list[0]["matching_specialties"], json!(["心律失常"]));
    assert_eq!(
        list[0]["reasons"][0],
        json!({ "kind": "specialty", "specialty": "心律失常", "terms": ["房颤", "心律不齐", "心悸"] })
    );
    assert!(
        list[0]["reasons"]
            .as_array()
            .expect("reasons")
            .contains(&json!({ "kind": "care_level", "care_level": "tertiary", "priority": "emergency" })),
        "{}",
        list[0]
    );
    let hypertension = list
        .iter()
        .find(|x| x["user"]["username"] == "dr_zhang")
        .expect("the hypertension doctor is listed");
    assert_eq!(
        hypertension["matching_specialties"],
        json!([]),
        "血压正常 is no call for 高血压"
    );
    let lead = list
        .iter()
        .find(|x| x["user"]["username"] == "dr_wang")
        .expect("the lead");
    assert!(
        lead["reasons"]
            .as_array()
            .expect("reasons")
            .contains(&json!({ "kind": "lead" }))
    );
    assert!(
        list.iter()
            .all(|x| !x["user"]["username"].as_str().unwrap_or_default().starts_with("asst_")),
        "never an assistant: {}",
        r.body
    );
    // a grassroots doctor gets no care-level weight for an emergency
    let liu = list.iter().find(|x| x["user"]["username"] == "dr_liu").expect("dr_liu");
    assert_eq!(liu["reasons"], json!([]), "{liu}");
}
