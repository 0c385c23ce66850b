//! Consults (会诊): a case's team asks a colleague of another team for an
//! opinion; the consultant reads the case while named on a live consult.

use consilium_tests::fixtures;
use serde_json::{Value, json};

use crate::support::{
    World, assert_conflict_naming, assert_error, case_of, chest_pain_case, consult_action, get_case, ids, intake,
    message_items, messages, opinion, patch_case, post_message, request_consult, s, try_consult,
};

/// A case by 李强 with one message in its thread, and a consult asking 钱明.
async fn consult_world() -> (World, Value, Value) {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    post_message(
        &w.li,
        &s(&case, "conversation_id"),
        "li-hx",
        "补充：患者近2天咳嗽、发热，体温38.3℃。",
    )
    .await;
    let consult = request_consult(&w.li, &s(&case, "id"), &[&w.qian]).await;
    (w, case, consult)
}

async fn consults_of(api: &consilium_tests::Api, query: &str) -> Vec<String> {
    let r = api.get(&format!("/api/v1/consults?{query}")).await;
    assert_eq!(r.status, 200, "{} lists consults {query}: {}", api.username(), r.body);
    ids(&r.body["items"])
}

#[tokio::test]
async fn a_member_asks_a_consultant_from_another_team() {
    let (w, case, consult) = consult_world().await;
    let case_id = s(&case, "id");
    let consult_id = s(&consult, "id");
    assert_eq!(consult["status"], "requested");
    assert_eq!(consult["case_id"], case_id.as_str());
    assert_eq!(consult["requested_by"], w.li.user_id());
    assert_eq!(consult["consultant_ids"], json!([w.qian.user_id()]));
    assert_eq!(consult["urgency"], "urgent");
    assert!(s(&consult, "question").contains("肺部感染"));
    assert!(consult.get("opinion").is_none(), "{consult}");

    // the consultant now reads the case, its discussion, and the consult thread
    assert_eq!(case_of(&w.qian, &case_id).await["title"], "胸痛待查");
    let case_conv = s(&case, "conversation_id");
    let history = message_items(&w.qian, &case_conv).await;
    assert!(
        history
            .iter()
            .any(|m| m["body"].as_str().unwrap_or_default().contains("体温38.3℃")),
        "the consultant reads what was said before: {history:?}"
    );
    post_message(&w.qian, &case_conv, "qian-1", "已阅病历，建议完善血培养、PCT。").await;
    let consult_conv = s(&consult, "conversation_id");
    let thread = w.qian.get(&format!("/api/v1/conversations/{consult_conv}")).await;
    assert_eq!(thread.status, 200, "{}", thread.body);
    assert_eq!(thread.body["kind"], "consult");
    assert_eq!(thread.body["consult_id"], consult_id.as_str());
    assert_eq!(thread.body["case_id"], case_id.as_str());
    post_message(&w.wang, &consult_conv, "wang-1", "钱主任，麻烦您尽快看一下。").await;
    assert_eq!(crate::support::talk(&w.qian, &consult_conv).await.len(), 1);

    // boxes: incoming for the consultant, outgoing for the requester
    assert_eq!(consults_of(&w.qian, "box=incoming").await, [consult_id.as_str()]);
    assert_eq!(
        consults_of(&w.qian, "").await,
        [consult_id.as_str()],
        "incoming by default"
    );
    assert!(consults_of(&w.qian, "box=outgoing").await.is_empty());
    assert_eq!(consults_of(&w.li, "box=outgoing").await, [consult_id.as_str()]);
    assert!(consults_of(&w.li, "box=incoming").await.is_empty());
    assert_eq!(
        consults_of(&w.qian, "box=incoming&status=requested").await,
        [consult_id.as_str()]
    );
    assert!(consults_of(&w.qian, "box=incoming&status=completed").await.is_empty());
    assert_error(
        &w.qian.get("/api/v1/consults?box=incoming&status=whatever").await,
        400,
        "an unknown status filter",
    );

    // the consult itself: everyone involved, nobody else
    for involved in [&w.qian, &w.li, &w.wang, &w.sun] {
        let r = involved.get(&format!("/api/v1/consults/{consult_id}")).await;
        assert_eq!(r.status, 200, "{}: {}", involved.username(), r.body);
        assert_eq!(r.body, consult);
    }
    for stranger in [&w.xu, &w.zhao, &w.ma, &w.app.admin] {
        assert_error(
            &stranger.get(&format!("/api/v1/consults/{consult_id}")).await,
            404,
            &format!("{} reads the consult", stranger.username()),
        );
    }
    // the consultant's colleagues are not consultants
    assert_error(
        &get_case(&w.xu, &case_id).await,
        404,
        "the consultant's colleague reads the case",
    );
    assert_error(
        &messages(&w.xu, &case_conv).await,
        404,
        "the consultant's colleague reads the thread",
    );

    let listed = w.qian.get(&format!("/api/v1/cases/{case_id}/consults")).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(ids(&listed.body), [consult_id.as_str()]);

    let audit = w.audited_once("consult", &consult_id, "consult_requested").await;
    assert_eq!(audit["actor_id"], w.li.user_id());
}

#[tokio::test]
async fn the_consultant_accepts_and_completes_with_an_opinion() {
    let (w, case, consult) = consult_world().await;
    let id = s(&consult, "id");

    // only a named consultant answers, and only an accepted consult is completed
    assert_error(
        &consult_action(&w.li, &id, "accept", json!({})).await,
        403,
        "the requester accepts",
    );
    assert_error(
        &consult_action(&w.wang, &id, "accept", json!({})).await,
        403,
        "the team's lead accepts",
    );
    assert_error(
        &consult_action(&w.li, &id, "complete", opinion()).await,
        403,
        "the requester completes",
    );
    let early = consult_action(&w.qian, &id, "complete", opinion()).await;
    assert_conflict_naming(&early, "requested", "complete before accepting");

    let r = consult_action(&w.qian, &id, "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "accepted");
    assert_conflict_naming(
        &consult_action(&w.qian, &id, "accept", json!({})).await,
        "accepted",
        "accept twice",
    );

    for (what, body) in [
        ("no opinion", json!({})),
        (
            "an empty assessment",
            json!({ "opinion": { "assessment": "", "recommendation": "抗感染治疗" } }),
        ),
        (
            "no recommendation",
            json!({ "opinion": { "assessment": "社区获得性肺炎" } }),
        ),
    ] {
        assert_error(&consult_action(&w.qian, &id, "complete", body).await, 400, what);
    }
    let r = consult_action(&w.qian, &id, "complete", opinion()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["opinion"], opinion()["opinion"]);
    let seen = w.li.get(&format!("/api/v1/consults/{id}")).await;
    assert_eq!(seen.body["opinion"]["assessment"], opinion()["opinion"]["assessment"]);

    // finished is finished
    for (action, body, who) in [
        ("accept", json!({}), &w.qian),
        ("complete", opinion(), &w.qian),
        ("decline", json!({ "reason": "太忙" }), &w.qian),
        ("cancel", json!({}), &w.li),
    ] {
        let r = consult_action(who, &id, action, body).await;
        assert_conflict_naming(&r, "completed", &format!("{action} a completed consult"));
    }
    // a completed consult keeps the consultant on the case (for follow-up questions)
    assert_eq!(case_of(&w.qian, &s(&case, "id")).await["id"], case["id"]);
    assert_eq!(
        consults_of(&w.qian, "box=incoming&status=completed").await,
        [id.as_str()]
    );

    assert_eq!(
        w.audited_once("consult", &id, "consult_accepted").await["actor_id"],
        w.qian.user_id()
    );
    let completed = w.audited_once("consult", &id, "consult_completed").await;
    assert_eq!(completed["actor_id"], w.qian.user_id());
    assert_eq!(completed["detail"]["from"], "accepted");
}

#[tokio::test]
async fn a_declined_consult_takes_the_case_away_from_the_consultant() {
    let (w, case, consult) = consult_world().await;
    let id = s(&consult, "id");
    let case_id = s(&case, "id");
    assert_error(
        &consult_action(&w.qian, &id, "decline", json!({ "reason": "" })).await,
        400,
        "a decline without a reason",
    );
    assert_error(
        &consult_action(&w.qian, &id, "decline", json!({})).await,
        400,
        "a decline without a body",
    );
    assert_error(
        &consult_action(&w.li, &id, "decline", json!({ "reason": "不需要了" })).await,
        403,
        "the requester declines",
    );
    let reason = "本周外出参加学术会议，建议请徐磊医师会诊。";
    let r = consult_action(&w.qian, &id, "decline", json!({ "reason": reason })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "declined");
    assert_eq!(r.body["decline_reason"], reason);

    assert_error(&get_case(&w.qian, &case_id).await, 404, "the decliner reads the case");
    assert_error(
        &messages(&w.qian, &s(&case, "conversation_id")).await,
        404,
        "the decliner reads the case thread",
    );
    // ... but still sees the consult and its thread
    let r = w.qian.get(&format!("/api/v1/consults/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "declined");
    assert_eq!(messages(&w.qian, &s(&consult, "conversation_id")).await.status, 200);
    assert_eq!(consults_of(&w.qian, "box=incoming").await, [id.as_str()]);

    for (action, body, who) in [
        ("accept", json!({}), &w.qian),
        ("complete", opinion(), &w.qian),
        ("cancel", json!({}), &w.li),
    ] {
        let r = consult_action(who, &id, action, body).await;
        assert_conflict_naming(&r, "declined", &format!("{action} a declined consult"));
    }
    let declined = w.audited_once("consult", &id, "consult_declined").await;
    assert_eq!(declined["actor_id"], w.qian.user_id());
    // admins see that a reason was given, not the clinical text
    assert_eq!(declined["detail"]["reason"]["redacted"], true, "{declined}");
    assert_eq!(declined["detail"]["reason"]["chars"], reason.chars().count());
}

#[tokio::test]
async fn the_requester_cancels() {
    let (w, case, consult) = consult_world().await;
    let id = s(&consult, "id");
    let case_id = s(&case, "id");
    assert_error(
        &consult_action(&w.qian, &id, "cancel", json!({})).await,
        403,
        "the consultant cancels",
    );
    assert_error(
        &consult_action(&w.wang, &id, "cancel", json!({})).await,
        403,
        "another member of the team cancels",
    );
    let r = consult_action(&w.li, &id, "cancel", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_error(
        &get_case(&w.qian, &case_id).await,
        404,
        "the consultant of a cancelled consult",
    );
    assert_eq!(w.qian.get(&format!("/api/v1/consults/{id}")).await.status, 200);
    assert_conflict_naming(
        &consult_action(&w.li, &id, "cancel", json!({})).await,
        "cancelled",
        "cancel twice",
    );
    assert_conflict_naming(
        &consult_action(&w.qian, &id, "accept", json!({})).await,
        "cancelled",
        "accept a cancelled consult",
    );

    // an accepted consult can be withdrawn too
    let again = request_consult(&w.li, &case_id, &[&w.qian]).await;
    let again_id = s(&again, "id");
    assert_eq!(
        consult_action(&w.qian, &again_id, "accept", json!({})).await.status,
        200
    );
    assert_eq!(case_of(&w.qian, &case_id).await["id"], case["id"]);
    let r = consult_action(&w.li, &again_id, "cancel", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_error(
        &get_case(&w.qian, &case_id).await,
        404,
        "after the accepted consult is cancelled",
    );
    assert_eq!(
        w.audited_once("consult", &again_id, "consult_cancelled").await["actor_id"],
        w.li.user_id()
    );
    assert_error(
        &consult_action(&w.li, &again_id, "operate", json!({})).await,
        404,
        "an unknown transition",
    );
}

#[tokio::test]
async fn only_the_cases_team_requests_consults() {
    let (w, case, _consult) = consult_world().await;
    let case_id = s(&case, "id");
    // the consultant sees the case but may not open consults on it
    assert_error(
        &try_consult(&w.qian, &case_id, &[&w.xu], "请徐医师一起会诊").await,
        403,
        "the consultant requests a consult",
    );
    for stranger in [&w.zhao, &w.xu, &w.ma, &w.app.admin] {
        assert_error(
            &try_consult(stranger, &case_id, &[&w.qian], "请会诊").await,
            404,
            &format!("{} requests a consult", stranger.username()),
        );
    }
    // the submitter of an intake sees it but is not its team
    let waiting = s(
        &intake(&w.zhao, &w.expert, "李四", "胸痛待查", "", "routine").await,
        "id",
    );
    assert_error(
        &try_consult(&w.zhao, &waiting, &[&w.qian], "请会诊").await,
        403,
        "the submitter requests a consult",
    );
    // any member of the team may ask, even while the case waits in triage
    let r = try_consult(&w.liu, &waiting, &[&w.qian], "基层医生请教：是否需要加用抗生素？").await;
    assert_eq!(r.status, 201, "{}", r.body);
    // a closed case takes no new consults
    assert_eq!(
        patch_case(&w.li, &case_id, json!({ "status": "closed" })).await.status,
        200
    );
    assert_conflict_naming(
        &try_consult(&w.li, &case_id, &[&w.qian], "再请会诊").await,
        "closed",
        "a consult on a closed case",
    );
    assert_eq!(w.count("select count(*) from consults").await, 2);
}

#[tokio::test]
async fn consultants_must_be_other_active_users() {
    let w = World::new().await;
    let case_id = s(&chest_pain_case(&w.li, &w.expert).await, "id");
    let gone = fixtures::create_user(&w.app.admin, "dr_retired", json!({ "display_name": "退休的吴医生" })).await;
    fixtures::deactivate(&w.app.admin, &gone).await;
    let path = format!("/api/v1/cases/{case_id}/consults");
    let ask = |ids: Vec<String>| json!({ "consultant_ids": ids, "question": "请会诊" });
    for (what, body) in [
        ("no consultants", ask(vec![])),
        ("the requester themself", ask(vec![w.li.user_id()])),
        (
            "the requester among others",
            ask(vec![w.qian.user_id(), w.li.user_id()]),
        ),
        ("an unknown user", ask(vec![uuid::Uuid::now_v7().to_string()])),
        ("a deactivated user", ask(vec![gone.user_id()])),
        (
            "eleven consultants",
            ask((0..11).map(|_| uuid::Uuid::now_v7().to_string()).collect()),
        ),
        (
            "an empty question",
            json!({ "consultant_ids": [w.qian.user_id()], "question": " " }),
        ),
        ("no consultant_ids", json!({ "question": "请会诊" })),
    ] {
        assert_error(&w.li.post(&path, &body).await, 400, what);
    }
    assert_eq!(w.count("select count(*) from consults").await, 0);
    assert_eq!(
        w.count("select count(*) from conversations where kind = 'consult'")
            .await,
        0
    );

    // several consultants, named twice, are one each
    let r = w
        .li
        .post(
            &path,
            &json!({ "consultant_ids": [w.qian.user_id(), w.xu.user_id(), w.qian.user_id()], "question": "呼吸科联合会诊" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["urgency"], "routine", "routine when absent");
    let mut named: Vec<String> = r.body["consultant_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    named.sort();
    let mut expected = vec![w.qian.user_id(), w.xu.user_id()];
    expected.sort();
    assert_eq!(named, expected);
    assert_eq!(case_of(&w.xu, &case_id).await["id"], case_id.as_str());
}

#[tokio::test]
async fn two_consultants_racing_to_accept_one_wins() {
    let w = World::new().await;
    let case_id = s(&chest_pain_case(&w.li, &w.expert).await, "id");
    for round in 0..5 {
        let consult = request_consult(&w.li, &case_id, &[&w.qian, &w.xu]).await;
        let id = s(&consult, "id");
        let (by_qian, by_xu) = tokio::join!(
            consult_action(&w.qian, &id, "accept", json!({})),
            consult_action(&w.xu, &id, "accept", json!({})),
        );
        let mut statuses = [by_qian.status, by_xu.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: qian got {} {}, xu got {} {}",
            by_qian.status,
            by_qian.body,
            by_xu.status,
            by_xu.body
        );
        let loser = if by_qian.status == 409 { &by_qian } else { &by_xu };
        assert_conflict_naming(loser, "accepted", &format!("round {round}: the slower consultant"));
        let accepted: Vec<Value> = w
            .audit_of("consult", &id)
            .await
            .into_iter()
            .filter(|e| e["action"] == "consult_accepted")
            .collect();
        assert_eq!(accepted.len(), 1, "round {round}: {accepted:#?}");
        assert_eq!(consult_action(&w.li, &id, "cancel", json!({})).await.status, 200);
    }
}
