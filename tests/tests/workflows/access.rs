//! The "read a case" row of the access table, across every way a doctor can
//! be related to a case, and the audit trail the clinical steps leave.

use consilium_tests::{Api, fixtures};
use serde_json::{Value, json};

use crate::support::{
    REFER_UP, World, assert_error, assign, case_of, consult_action, get_case, hypertension_case, intake, messages,
    opinion, patch_case, refer, referral_action, request_consult, s,
};

/// A referred-in case in the expert team with a live consult to 钱明, and a
/// village doctor's intake.
struct Scene {
    w: World,
    /// The township case (referring side).
    source: Value,
    /// The linked case in the expert team.
    target: Value,
    /// The consult on the linked case.
    consult: Value,
    /// The referral.
    referral: Value,
    /// 赵刚's intake.
    intake: Value,
}

async fn scene() -> Scene {
    let w = World::new().await;
    let source = hypertension_case(&w).await;
    let referral = refer(&w.ma, &s(&source, "id"), &w.expert, "up", REFER_UP).await;
    let target = assign(&w.sun, &s(&referral, "target_case_id"), &w.li).await;
    let consult = request_consult(&w.li, &s(&target, "id"), &[&w.qian]).await;
    let intake = intake(
        &w.zhao,
        &w.expert,
        "孙八",
        "晕厥待查",
        "男，72岁，1小时前突发意识丧失约1分钟，自行苏醒。",
        "emergency",
    )
    .await;
    Scene {
        w,
        source,
        target,
        consult,
        referral,
        intake,
    }
}

/// Asserts what `who` gets for the case and for its discussion.
async fn check(who: &Api, case: &Value, case_status: u16, thread_status: u16) {
    let r = get_case(who, &s(case, "id")).await;
    assert_eq!(
        r.status,
        case_status,
        "{} reads case {}: {}",
        who.username(),
        case["title"],
        r.body
    );
    let r = messages(who, &s(case, "conversation_id")).await;
    assert_eq!(
        r.status,
        thread_status,
        "{} reads the discussion of {}: {}",
        who.username(),
        case["title"],
        r.body
    );
}

#[tokio::test]
async fn who_reads_a_case_and_its_discussion() {
    let Scene { w, target, intake, .. } = scene().await;
    // its team
    for member in [&w.wang, &w.sun, &w.zhou, &w.li, &w.chen, &w.liu] {
        check(member, &target, 200, 200).await;
        check(member, &intake, 200, 200).await;
    }
    // the consultant named on its consult (another team)
    check(&w.qian, &target, 200, 200).await;
    // the referring side
    for referring in [&w.ma, &w.huang, &w.he] {
        check(referring, &target, 200, 200).await;
        check(referring, &intake, 404, 404).await;
    }
    // the submitter of the intake: status only
    check(&w.zhao, &intake, 200, 404).await;
    check(&w.zhao, &target, 404, 404).await;
    // the consultant's colleague and the admin: nothing
    check(&w.xu, &target, 404, 404).await;
    check(&w.qian, &intake, 404, 404).await;
    check(&w.app.admin, &target, 404, 404).await;
    check(&w.app.admin, &intake, 404, 404).await;

    // seeing a case is not changing it: only its team edits
    let edit = json!({ "summary": "改写病情摘要" });
    for (who, case) in [
        (&w.qian, &target),
        (&w.ma, &target),
        (&w.huang, &target),
        (&w.zhao, &intake),
    ] {
        assert_error(
            &patch_case(who, &s(case, "id"), edit.clone()).await,
            403,
            &format!("{} edits a case they may only read", who.username()),
        );
    }
    for (who, case) in [(&w.xu, &target), (&w.app.admin, &intake)] {
        assert_error(
            &patch_case(who, &s(case, "id"), edit.clone()).await,
            404,
            &format!("{} edits a case they cannot see", who.username()),
        );
    }
    assert_eq!(case_of(&w.li, &s(&target, "id")).await["summary"], target["summary"]);
}

#[tokio::test]
async fn admins_run_the_platform_but_do_not_read_patient_content() {
    let Scene {
        w,
        source,
        target,
        consult,
        referral,
        ..
    } = scene().await;
    let admin = &w.app.admin;
    // the team itself is theirs to manage
    assert_eq!(admin.get(&format!("/api/v1/teams/{}", w.expert)).await.status, 200);
    // its patients are not
    for path in [
        format!("/api/v1/teams/{}/cases", w.expert),
        format!("/api/v1/teams/{}/triage", w.expert),
        format!("/api/v1/cases/{}", s(&source, "id")),
        format!("/api/v1/cases/{}/consults", s(&target, "id")),
        format!("/api/v1/cases/{}/referrals", s(&target, "id")),
        format!("/api/v1/cases/{}/suggestions", s(&target, "id")),
        format!("/api/v1/consults/{}", s(&consult, "id")),
        format!("/api/v1/referrals/{}", s(&referral, "id")),
        format!("/api/v1/conversations/{}", s(&consult, "conversation_id")),
        format!("/api/v1/conversations/{}/messages", s(&referral, "conversation_id")),
    ] {
        assert_error(&admin.get(&path).await, 404, &format!("the admin GETs {path}"));
    }
    assert_eq!(
        admin.get("/api/v1/consults?box=incoming").await.body,
        json!({ "items": [] })
    );
    assert_eq!(
        admin.get("/api/v1/referrals?box=incoming").await.body,
        json!({ "items": [] })
    );
    let found = admin
        .get(&format!("/api/v1/search?q={}", fixtures::encode_query("高血压")))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["cases"], json!([]), "search finds no case for the admin");

    // an admin who is also a member reads like a member
    fixtures::add_member(admin, &w.expert, admin, "specialist").await;
    assert_eq!(case_of(admin, &s(&target, "id")).await["id"], target["id"]);
}

#[tokio::test]
async fn search_finds_only_the_cases_the_caller_may_see() {
    let Scene { w, source, target, .. } = scene().await;
    let found = |api: Api| async move {
        let r = api
            .get(&format!("/api/v1/search?q={}", fixtures::encode_query("血压控制不佳")))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut ids: Vec<String> = r.body["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| s(c, "id"))
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![s(&source, "id"), s(&target, "id")];
    both.sort();
    assert_eq!(found(w.ma.clone()).await, both, "the referring side finds both cases");
    assert_eq!(found(w.sun.clone()).await, [s(&target, "id")]);
    assert_eq!(
        found(w.qian.clone()).await,
        [s(&target, "id")],
        "the consultant finds the case"
    );
    assert!(found(w.xu.clone()).await.is_empty());
    assert!(found(w.zhao.clone()).await.is_empty());
}

/// The actions of `actor` in the audit log, oldest first.
async fn actions_of(w: &World, actor: &Api) -> Vec<(String, String)> {
    let r = w
        .app
        .admin
        .get(&format!("/api/v1/audit?actor_id={}&limit=200", actor.user_id()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut out: Vec<(String, String)> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .inspect(|e| assert_eq!(e["actor_id"], actor.user_id(), "{e}"))
        .map(|e| (s(e, "action"), e["target_id"].as_str().unwrap_or_default().to_owned()))
        .filter(|(a, _)| a != "login")
        .collect();
    out.reverse();
    out
}

fn pair(action: &str, target: &Value) -> (String, String) {
    (action.to_owned(), s(target, "id"))
}

#[tokio::test]
async fn every_clinical_step_is_audited_with_its_actor() {
    let Scene {
        w,
        source,
        target,
        consult,
        referral,
        intake,
    } = scene().await;
    assert_eq!(
        consult_action(&w.qian, &s(&consult, "id"), "accept", json!({}))
            .await
            .status,
        200
    );
    case_of(&w.qian, &s(&target, "id")).await;
    assert_eq!(
        consult_action(&w.qian, &s(&consult, "id"), "complete", opinion())
            .await
            .status,
        200
    );
    let outcome = json!({ "outcome": "已明确为肾血管性高血压，支架术后血压达标。" });
    assert_eq!(
        referral_action(&w.li, &s(&referral, "id"), "complete", outcome)
            .await
            .status,
        200
    );
    case_of(&w.zhao, &s(&intake, "id")).await;
    case_of(&w.ma, &s(&target, "id")).await;
    let declined = crate::support::triage(
        &w.zhou,
        &s(&intake, "id"),
        json!({ "action": "decline", "reason": "建议急诊科就诊" }),
    )
    .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    let second = request_consult(&w.li, &s(&target, "id"), &[&w.qian]).await;
    assert_eq!(
        consult_action(&w.qian, &s(&second, "id"), "decline", json!({ "reason": "已完成会诊" }))
            .await
            .status,
        200
    );
    let third = request_consult(&w.chen, &s(&target, "id"), &[&w.xu]).await;
    assert_eq!(
        consult_action(&w.chen, &s(&third, "id"), "cancel", json!({}))
            .await
            .status,
        200
    );
    let again = refer(&w.huang, &s(&source, "id"), &w.resp, "up", "合并慢阻肺，请呼吸科评估。").await;
    assert_eq!(
        referral_action(&w.huang, &s(&again, "id"), "cancel", json!({}))
            .await
            .status,
        200
    );
    let declined_ref = refer(&w.huang, &s(&source, "id"), &w.resp, "up", "再次申请呼吸科评估。").await;
    assert_eq!(
        referral_action(
            &w.qian,
            &s(&declined_ref, "id"),
            "decline",
            json!({ "reason": "无需转诊" })
        )
        .await
        .status,
        200
    );

    let ma = actions_of(&w, &w.ma).await;
    assert!(ma.contains(&pair("case_created", &source)), "{ma:?}");
    assert!(ma.contains(&pair("referral_created", &referral)), "{ma:?}");
    assert!(ma.contains(&pair("case_read", &target)), "{ma:?}");
    let sun = actions_of(&w, &w.sun).await;
    assert!(sun.contains(&pair("case_triaged", &target)), "{sun:?}");
    let li = actions_of(&w, &w.li).await;
    assert!(li.contains(&pair("consult_requested", &consult)), "{li:?}");
    assert!(li.contains(&pair("consult_requested", &second)), "{li:?}");
    assert!(li.contains(&pair("referral_completed", &referral)), "{li:?}");
    let qian = actions_of(&w, &w.qian).await;
    let consult_steps: Vec<&str> = qian
        .iter()
        .filter(|(a, t)| a.starts_with("consult_") && *t == s(&consult, "id"))
        .map(|(a, _)| a.as_str())
        .collect();
    assert_eq!(consult_steps, ["consult_accepted", "consult_completed"], "{qian:?}");
    assert!(qian.contains(&pair("case_read", &target)), "{qian:?}");
    assert!(qian.contains(&pair("consult_declined", &second)), "{qian:?}");
    assert!(qian.contains(&pair("referral_declined", &declined_ref)), "{qian:?}");
    let chen = actions_of(&w, &w.chen).await;
    assert!(chen.contains(&pair("consult_cancelled", &third)), "{chen:?}");
    let huang = actions_of(&w, &w.huang).await;
    assert!(huang.contains(&pair("referral_created", &again)), "{huang:?}");
    assert!(huang.contains(&pair("referral_cancelled", &again)), "{huang:?}");
    let zhao = actions_of(&w, &w.zhao).await;
    assert!(zhao.contains(&pair("intake_submitted", &intake)), "{zhao:?}");
    assert!(zhao.contains(&pair("case_read", &intake)), "{zhao:?}");
    let zhou = actions_of(&w, &w.zhou).await;
    assert!(zhou.contains(&pair("case_triaged", &intake)), "{zhou:?}");

    // every read that was allowed is recorded once per read, a refused one not at all
    let reads: Vec<Value> = w
        .audit_of("case", &s(&target, "id"))
        .await
        .into_iter()
        .filter(|e| e["action"] == "case_read")
        .collect();
    let by = |who: &Api| reads.iter().filter(|e| e["actor_id"] == who.user_id()).count();
    assert_eq!(by(&w.qian), 1, "{reads:#?}");
    assert_eq!(by(&w.ma), 1, "{reads:#?}");
    assert_eq!(by(&w.app.admin), 0, "{reads:#?}");
    assert_error(&get_case(&w.app.admin, &s(&target, "id")).await, 404, "the admin reads");
    assert_error(&get_case(&w.xu, &s(&target, "id")).await, 404, "a stranger reads");
    let after: Vec<Value> = w
        .audit_of("case", &s(&target, "id"))
        .await
        .into_iter()
        .filter(|e| e["action"] == "case_read")
        .collect();
    assert_eq!(after.len(), reads.len(), "refused reads are not case reads: {after:#?}");
}
