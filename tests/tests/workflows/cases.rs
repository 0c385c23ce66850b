//! Cases opened by a team for discussion: creation, patients, validation,
//! editing, closing and reopening, and who may change a case.

use serde_json::json;

use crate::support::{
    World, assert_conflict_naming, assert_error, at, case_body, case_of, chest_pain_case, get_case, ids, intake,
    message_items, messages, open_case, patch_case, patient, post_message, request_consult, s, zhang_san,
};

#[tokio::test]
async fn a_member_opens_a_case_and_the_team_discusses_it() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;

    assert_eq!(case["status"], "open");
    assert_eq!(case["source"], "direct");
    assert_eq!(case["priority"], "urgent");
    assert_eq!(case["team_id"], w.expert.as_str());
    assert_eq!(case["created_by"], w.li.user_id());
    assert_eq!(case["title"], "胸痛待查");
    assert!(s(&case, "summary").starts_with("男，68岁。反复胸骨后压榨样疼痛3天"));
    assert!(case.get("assignee_id").is_none(), "{case}");
    assert!(case.get("decline_reason").is_none(), "{case}");
    let p = &case["patient"];
    assert!(p["id"].is_string(), "{case}");
    assert_eq!(p["name"], "张三");
    assert_eq!(p["sex"], "male");
    assert_eq!(p["birth_date"], "1958-03-12");
    assert_eq!(p["external_id"], "ZY2026112201");

    // every member reads the case, and it is in the team's list, not its triage queue
    let id = s(&case, "id");
    for member in [&w.wang, &w.sun, &w.chen, &w.liu] {
        assert_eq!(case_of(member, &id).await, case, "{}", member.username());
    }
    let listed = w
        .sun
        .get(&format!("/api/v1/teams/{}/cases?status=open", w.expert))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(ids(&listed.body["items"]), [id.as_str()]);
    let closed = w
        .sun
        .get(&format!("/api/v1/teams/{}/cases?status=closed", w.expert))
        .await;
    assert_eq!(closed.body, json!({ "items": [] }));
    assert_eq!(
        w.sun.get(&format!("/api/v1/teams/{}/triage", w.expert)).await.body,
        json!({ "items": [] })
    );

    // its thread exists, belongs to the whole team, and carries the discussion
    let conv = s(&case, "conversation_id");
    let detail = w.wang.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["kind"], "case");
    assert_eq!(detail.body["case_id"], id.as_str());
    assert_eq!(detail.body["team_id"], w.expert.as_str());
    assert_eq!(detail.body["title"], "胸痛待查");
    let mut members: Vec<String> = detail.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| s(&m["user"], "username"))
        .collect();
    members.sort();
    assert_eq!(
        members,
        ["asst_sun", "asst_zhou", "dr_chen", "dr_li", "dr_liu", "dr_wang"],
        "the case thread's members are the team's roster"
    );
    post_message(
        &w.li,
        &conv,
        "li-1",
        "@dr_chen 请看一下这份心电图，是否需要急诊冠脉造影？",
    )
    .await;
    post_message(&w.chen, &conv, "chen-1", "同意尽快造影，先予双抗负荷。").await;
    let thread = message_items(&w.liu, &conv).await;
    let bodies: Vec<&str> = thread.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.len(), 2, "{thread:?}");
    assert!(bodies[0].contains("心电图") && bodies[1].contains("双抗"), "{bodies:?}");

    // outsiders see neither the case nor its thread
    for stranger in [&w.zhao, &w.qian, &w.ma] {
        assert_error(&get_case(stranger, &id).await, 404, "a stranger reads the case");
        assert_error(
            &stranger.get(&format!("/api/v1/conversations/{conv}")).await,
            404,
            "a stranger reads the case thread",
        );
        assert_error(&messages(stranger, &conv).await, 404, "a stranger reads the discussion");
    }

    let created = w.audited_once("case", &id, "case_created").await;
    assert_eq!(created["actor_id"], w.li.user_id());
}

#[tokio::test]
async fn a_second_case_reuses_the_patient() {
    let w = World::new().await;
    let first = open_case(
        &w.li,
        &w.expert,
        case_body(
            patient("李四", "female", "1963-05-20"),
            "心力衰竭 NYHA III级",
            "女，63岁，活动后气促半年，加重1周，双下肢水肿。BNP 1860 pg/mL。",
            "routine",
        ),
    )
    .await;
    let patient_id = s(&first["patient"], "id");
    let second = open_case(
        &w.chen,
        &w.expert,
        json!({
            "patient_id": patient_id,
            "title": "阵发性房颤",
            "summary": "同一患者，动态心电图示阵发性房颤，CHA2DS2-VASc 4分。",
        }),
    )
    .await;
    assert_eq!(second["patient"], first["patient"], "the same patient, not a copy");
    assert_eq!(second["priority"], "routine", "routine when absent");
    assert_ne!(second["id"], first["id"]);
    assert_ne!(second["conversation_id"], first["conversation_id"]);
    assert_eq!(w.count("select count(*) from patients where name = '李四'").await, 1);

    let unknown =
        w.li.post(
            &format!("/api/v1/teams/{}/cases", w.expert),
            &json!({ "patient_id": uuid::Uuid::now_v7(), "title": "胸闷" }),
        )
        .await;
    assert_error(&unknown, 400, "an unknown patient_id");
    assert_eq!(w.count("select count(*) from cases").await, 2);
}

#[tokio::test]
async fn invalid_cases_are_refused_and_nothing_is_stored() {
    let w = World::new().await;
    let existing = w.count("select count(*) from conversations").await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let refused = [
        ("no patient", json!({ "title": "胸痛待查", "summary": "无患者信息" })),
        (
            "both patient and patient_id",
            json!({ "patient": zhang_san(), "patient_id": uuid::Uuid::now_v7(), "title": "胸痛待查" }),
        ),
        ("an empty title", json!({ "patient": zhang_san(), "title": "" })),
        ("a blank title", json!({ "patient": zhang_san(), "title": "   " })),
        (
            "a birth date in the future",
            json!({ "patient": patient("张三", "male", &tomorrow), "title": "胸痛待查" }),
        ),
        (
            "an unknown sex",
            json!({ "patient": { "name": "张三", "sex": "男" }, "title": "胸痛待查" }),
        ),
        (
            "a patient without a name",
            json!({ "patient": { "name": " ", "sex": "male" }, "title": "胸痛待查" }),
        ),
        (
            "an unknown priority",
            json!({ "patient": zhang_san(), "title": "胸痛待查", "priority": "asap" }),
        ),
        (
            "a title of 201 characters",
            json!({ "patient": zhang_san(), "title": "痛".repeat(201) }),
        ),
    ];
    for (what, body) in refused {
        let r = w.li.post(&format!("/api/v1/teams/{}/cases", w.expert), &body).await;
        assert_error(&r, 400, what);
    }
    let r =
        w.li.post(
            &format!("/api/v1/teams/{}/cases", w.expert),
            &json!({ "patient": patient("张三", "male", &tomorrow), "title": "胸痛待查" }),
        )
        .await;
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("birth_date"),
        "the error names the field: {}",
        r.body
    );

    // a doctor outside the team (and an admin outside it) cannot open cases there
    let body = case_body(zhang_san(), "胸痛待查", "", "routine");
    assert_error(
        &w.zhao.post(&format!("/api/v1/teams/{}/cases", w.expert), &body).await,
        404,
        "a non-member opens a case",
    );
    assert_error(
        &w.app
            .admin
            .post(&format!("/api/v1/teams/{}/cases", w.expert), &body)
            .await,
        404,
        "an admin outside the team opens a case",
    );

    assert_eq!(w.count("select count(*) from cases").await, 0);
    assert_eq!(w.count("select count(*) from patients").await, 0);
    assert_eq!(
        w.count("select count(*) from conversations").await,
        existing,
        "no case thread was left behind"
    );
}

#[tokio::test]
async fn the_team_edits_closes_and_reopens_a_case() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let id = s(&case, "id");
    let conv = s(&case, "conversation_id");

    // any member edits, not only the author
    let r = patch_case(
        &w.chen,
        &id,
        json!({
            "title": "急性非ST段抬高型心肌梗死",
            "summary": "肌钙蛋白I 2.3 ng/mL，诊断NSTEMI，拟行冠脉造影。",
            "priority": "emergency",
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["title"], "急性非ST段抬高型心肌梗死");
    assert_eq!(r.body["summary"], "肌钙蛋白I 2.3 ng/mL，诊断NSTEMI，拟行冠脉造影。");
    assert_eq!(r.body["priority"], "emergency");
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["patient"], case["patient"], "the patient is untouched");
    assert!(at(&r.body, "updated_at") > at(&case, "updated_at"), "{}", r.body);
    let detail = w.li.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(
        detail.body["title"], "急性非ST段抬高型心肌梗死",
        "the thread follows the title"
    );

    // absent fields stay
    let r = patch_case(&w.wang, &id, json!({ "priority": "urgent" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["title"], "急性非ST段抬高型心肌梗死");
    assert_eq!(r.body["priority"], "urgent");

    let r = patch_case(&w.li, &id, json!({ "status": "closed" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    assert_eq!(case_of(&w.sun, &id).await["status"], "closed");
    let r = patch_case(&w.li, &id, json!({ "status": "open" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "open");

    // an open case cannot go back to triage
    let r = patch_case(&w.li, &id, json!({ "status": "triage" })).await;
    assert_conflict_naming(&r, "open", "an open case sent back to triage");
    assert_error(
        &patch_case(&w.li, &id, json!({ "title": "" })).await,
        400,
        "an empty title",
    );
    assert_eq!(case_of(&w.li, &id).await["status"], "open");

    assert_eq!(
        w.audited_once("case", &id, "case_closed").await["actor_id"],
        w.li.user_id()
    );
    assert_eq!(
        w.audited_once("case", &id, "case_reopened").await["actor_id"],
        w.li.user_id()
    );
}

#[tokio::test]
async fn a_triage_case_is_not_opened_or_closed_by_patch() {
    let w = World::new().await;
    let case = intake(
        &w.zhao,
        &w.expert,
        "李四",
        "心悸待查",
        "女，65岁，阵发性心悸2月。",
        "routine",
    )
    .await;
    let id = s(&case, "id");
    for target in ["open", "closed"] {
        let r = patch_case(&w.sun, &id, json!({ "status": target })).await;
        assert_conflict_naming(&r, "triage", &format!("PATCH status {target} on a triage case"));
    }
    // editing the text of a waiting case is fine
    let r = patch_case(
        &w.sun,
        &id,
        json!({ "summary": "女，65岁，阵发性心悸2月，伴黑矇1次。" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "triage");
    assert_eq!(case_of(&w.sun, &id).await["status"], "triage");
}

#[tokio::test]
async fn only_the_cases_team_changes_it() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let id = s(&case, "id");
    request_consult(&w.li, &id, &[&w.qian]).await;
    let edit = json!({ "title": "改了标题" });

    // the consultant reads the case but may not change it
    assert_eq!(case_of(&w.qian, &id).await["title"], "胸痛待查");
    assert_error(&patch_case(&w.qian, &id, edit.clone()).await, 403, "a consultant edits");
    assert_error(
        &patch_case(&w.qian, &id, json!({ "status": "closed" })).await,
        403,
        "a consultant closes",
    );
    // strangers and admins outside the team do not even see it
    assert_error(&patch_case(&w.zhao, &id, edit.clone()).await, 404, "an outsider edits");
    assert_error(
        &patch_case(&w.xu, &id, edit.clone()).await,
        404,
        "the consultant's colleague edits",
    );
    assert_error(
        &patch_case(&w.app.admin, &id, edit.clone()).await,
        404,
        "an admin edits",
    );
    assert_error(
        &get_case(&w.app.admin, &id).await,
        404,
        "an admin reads patient content",
    );
    assert_error(
        &patch_case(&w.li, &uuid::Uuid::now_v7().to_string(), edit).await,
        404,
        "an unknown case",
    );

    let now = case_of(&w.li, &id).await;
    assert_eq!(now["title"], "胸痛待查");
    assert_eq!(now["status"], "open");
}
