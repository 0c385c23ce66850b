//! The clinical world every workflow test starts from, and the small helpers
//! that keep the tests about medicine rather than HTTP plumbing.
//!
//! Three teams: an expert cardiology team at a tertiary hospital (with two
//! assistants who triage), a township health-centre team of grassroots doctors
//! that refers patients up, and a respiratory team whose lead is asked for
//! consults. One doctor belongs to no team at all.

use std::time::Duration;

use consilium_tests::{Api, Resp, TestApp, TestOptions, fixtures};
use serde_json::{Value, json};

/// How long a test waits to prove that an event does NOT arrive.
pub const QUIET: Duration = Duration::from_millis(500);

/// Where live events travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    /// In-process fan-out (no Redis).
    Local,
    /// Redis pub/sub, with a per-test prefix.
    Redis,
}

/// Generates a `local` and a `redis` test for each `async fn(Bus)` scenario.
macro_rules! on_both_buses {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use crate::support::Bus;
                #[tokio::test]
                async fn local() {
                    super::$scenario(Bus::Local).await
                }
                #[tokio::test]
                async fn redis() {
                    super::$scenario(Bus::Redis).await
                }
            }
        )+
    };
}

pub(crate) use on_both_buses;

/// The three teams, their people, and a doctor in no team.
pub struct World {
    /// The server.
    pub app: TestApp,
    /// 王建国心血管专家团队 (心血管内科, tertiary).
    pub expert: String,
    /// 王建国, chief expert and lead of the expert team.
    pub wang: Api,
    /// 孙丽, the expert team's assistant.
    pub sun: Api,
    /// 周敏, the expert team's second assistant.
    pub zhou: Api,
    /// 李强, specialist (冠心病, 心力衰竭).
    pub li: Api,
    /// 陈静, specialist (心律失常).
    pub chen: Api,
    /// 刘洋, a grassroots doctor in the expert team.
    pub liu: Api,
    /// 青山镇卫生院全科团队 (全科医学, township).
    pub county: String,
    /// 黄伟, lead of the township team.
    pub huang: Api,
    /// 马超, grassroots doctor of the township team.
    pub ma: Api,
    /// 何芳, the township team's assistant.
    pub he: Api,
    /// 钱明呼吸专家团队 (呼吸与危重症医学科).
    pub resp: String,
    /// 钱明, lead of the respiratory team: the consultant.
    pub qian: Api,
    /// 徐磊, respiratory specialist (not named on consults).
    pub xu: Api,
    /// 赵刚, a village doctor in no team.
    pub zhao: Api,
}

async fn doctor(admin: &Api, username: &str, name: &str, title: &str, level: &str, specialties: &[&str]) -> Api {
    fixtures::create_user(
        admin,
        username,
        json!({
            "display_name": name,
            "title": title,
            "institution": match level {
                "tertiary" => "省人民医院",
                "primary" => "青山镇卫生院",
                _ => "石桥村卫生室",
            },
            "care_level": level,
            "specialties": specialties,
        }),
    )
    .await
}

impl World {
    /// The world on the in-process bus.
    pub async fn new() -> Self {
        Self::on(Bus::Local).await
    }

    /// The world on `bus`.
    pub async fn on(bus: Bus) -> Self {
        Self::with_env(bus, vec![]).await
    }

    /// The world on `bus`, its server configured with `env` on top of the defaults.
    pub async fn with_env(bus: Bus, env: Vec<(String, String)>) -> Self {
        let app = TestApp::spawn_with(TestOptions {
            redis: bus == Bus::Redis,
            env,
        })
        .await;
        let a = &app.admin;
        let wang = doctor(a, "dr_wang", "王建国", "主任医师", "tertiary", &["介入治疗"]).await;
        let sun = doctor(a, "asst_sun", "孙丽", "护师", "tertiary", &[]).await;
        let zhou = doctor(a, "asst_zhou", "周敏", "护师", "tertiary", &[]).await;
        let li = doctor(a, "dr_li", "李强", "副主任医师", "tertiary", &["冠心病", "心力衰竭"]).await;
        let chen = doctor(a, "dr_chen", "陈静", "主治医师", "tertiary", &["心律失常"]).await;
        let liu = doctor(a, "dr_liu", "刘洋", "住院医师", "primary", &[]).await;
        let huang = doctor(a, "dr_huang", "黄伟", "主治医师", "primary", &["全科"]).await;
        let ma = doctor(a, "dr_ma", "马超", "医师", "primary", &["全科"]).await;
        let he = doctor(a, "asst_he", "何芳", "护士", "primary", &[]).await;
        let qian = doctor(a, "dr_qian", "钱明", "主任医师", "tertiary", &["肺部感染", "慢阻肺"]).await;
        let xu = doctor(a, "dr_xu", "徐磊", "主治医师", "tertiary", &["哮喘"]).await;
        let zhao = doctor(a, "dr_zhao", "赵刚", "乡村医生", "village", &[]).await;

        let expert = fixtures::create_team_with(a, "王建国心血管专家团队", "心血管内科", &wang).await;
        fixtures::add_member(a, &expert, &sun, "assistant").await;
        fixtures::add_member(a, &expert, &zhou, "assistant").await;
        fixtures::add_member(a, &expert, &li, "specialist").await;
        fixtures::add_member(a, &expert, &chen, "specialist").await;
        fixtures::add_member(a, &expert, &liu, "grassroots").await;
        let county = fixtures::create_team_with(a, "青山镇卫生院全科团队", "全科医学", &huang).await;
        fixtures::add_member(a, &county, &ma, "grassroots").await;
        fixtures::add_member(a, &county, &he, "assistant").await;
        let resp = fixtures::create_team_with(a, "钱明呼吸专家团队", "呼吸与危重症医学科", &qian).await;
        fixtures::add_member(a, &resp, &xu, "specialist").await;
        Self {
            app,
            expert,
            wang,
            sun,
            zhou,
            li,
            chen,
            liu,
            county,
            huang,
            ma,
            he,
            resp,
            qian,
            xu,
            zhao,
        }
    }

    /// A number from the database (`select count(*) …`).
    pub async fn count(&self, sql: &str) -> i64 {
        self.app.db.connect().await.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Audit events about one target, newest first.
    pub async fn audit_of(&self, target_type: &str, target_id: &str) -> Vec<Value> {
        let r = self
            .app
            .admin
            .get(&format!(
                "/api/v1/audit?target_type={target_type}&target_id={target_id}&limit=200"
            ))
            .await;
        assert_eq!(r.status, 200, "audit: {}", r.body);
        r.body["items"].as_array().expect("audit items").clone()
    }

    /// The audit events about one target with `action`, asserting there is exactly one.
    pub async fn audited_once(&self, target_type: &str, target_id: &str, action: &str) -> Value {
        let all = self.audit_of(target_type, target_id).await;
        let found: Vec<&Value> = all.iter().filter(|e| e["action"] == action).collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {action:?} about {target_type} {target_id}, audit has: {all:#?}"
        );
        found[0].clone()
    }
}

// ---------------------------------------------------------------- patients and cases

/// A new patient.
pub fn patient(name: &str, sex: &str, birth_date: &str) -> Value {
    json!({ "name": name, "sex": sex, "birth_date": birth_date })
}

/// 张三, 68-year-old man with chest pain.
pub fn zhang_san() -> Value {
    json!({ "name": "张三", "sex": "male", "birth_date": "1958-03-12", "external_id": "ZY2026112201" })
}

/// A case body.
pub fn case_body(patient: Value, title: &str, summary: &str, priority: &str) -> Value {
    json!({ "patient": patient, "title": title, "summary": summary, "priority": priority })
}

/// `POST /teams/{team}/cases`; asserts 201 and returns the case.
pub async fn open_case(api: &Api, team: &str, body: Value) -> Value {
    let r = api.post(&format!("/api/v1/teams/{team}/cases"), &body).await;
    assert_eq!(r.status, 201, "{} opens a case: {}", api.username(), r.body);
    r.body
}

/// The usual direct case: 张三, 胸痛待查, opened by `api` in `team`.
pub async fn chest_pain_case(api: &Api, team: &str) -> Value {
    open_case(
        api,
        team,
        case_body(
            zhang_san(),
            "胸痛待查",
            "男，68岁。反复胸骨后压榨样疼痛3天，每次持续约10分钟，含服硝酸甘油可缓解。既往高血压10年。心电图：V1–V4 ST段压低0.1mV。",
            "urgent",
        ),
    )
    .await
}

/// `POST /teams/{team}/intakes`; asserts 201 and returns the case.
pub async fn submit_intake(api: &Api, team: &str, body: Value) -> Value {
    let r = api.post(&format!("/api/v1/teams/{team}/intakes"), &body).await;
    assert_eq!(r.status, 201, "{} submits an intake: {}", api.username(), r.body);
    r.body
}

/// An intake of 李四 with `title`, `summary` and `priority`.
pub async fn intake(api: &Api, team: &str, name: &str, title: &str, summary: &str, priority: &str) -> Value {
    submit_intake(
        api,
        team,
        case_body(patient(name, "female", "1961-07-08"), title, summary, priority),
    )
    .await
}

/// `GET /cases/{id}`.
pub async fn get_case(api: &Api, case: &str) -> Resp {
    api.get(&format!("/api/v1/cases/{case}")).await
}

/// `GET /cases/{id}`, asserting 200.
pub async fn case_of(api: &Api, case: &str) -> Value {
    let r = get_case(api, case).await;
    assert_eq!(r.status, 200, "{} reads case {case}: {}", api.username(), r.body);
    r.body
}

/// `PATCH /cases/{id}`.
pub async fn patch_case(api: &Api, case: &str, body: Value) -> Resp {
    api.patch(&format!("/api/v1/cases/{case}"), &body).await
}

/// `POST /cases/{id}/triage`.
pub async fn triage(api: &Api, case: &str, action: Value) -> Resp {
    api.post(&format!("/api/v1/cases/{case}/triage"), &action).await
}

/// Assigns `case` to `assignee` as `by`; asserts 200 and returns the case.
pub async fn assign(by: &Api, case: &str, assignee: &Api) -> Value {
    let r = triage(
        by,
        case,
        json!({ "action": "assign", "assignee_id": assignee.user_id() }),
    )
    .await;
    assert_eq!(r.status, 200, "{} assigns {case}: {}", by.username(), r.body);
    r.body
}

/// `GET /teams/{team}/triage` as `api`, asserting 200 and a single page; the case ids in order.
pub async fn queue(api: &Api, team: &str) -> Vec<String> {
    let r = api.get(&format!("/api/v1/teams/{team}/triage?limit=200")).await;
    assert_eq!(r.status, 200, "{} reads the triage queue: {}", api.username(), r.body);
    assert!(
        r.body.get("next_cursor").is_none(),
        "one page holds the queue: {}",
        r.body
    );
    ids(&r.body["items"])
}

/// The `id`s of a JSON list.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect()
}

/// A string field.
pub fn s(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field:?} in {v}"))
        .to_owned()
}

/// A timestamp field.
pub fn at(v: &Value, field: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&s(v, field))
        .unwrap_or_else(|e| panic!("{field:?} of {v} is not RFC 3339: {e}"))
        .to_utc()
}

// ---------------------------------------------------------------- consults and referrals

/// `POST /cases/{id}/consults`.
pub async fn try_consult(api: &Api, case: &str, consultants: &[&Api], question: &str) -> Resp {
    let ids: Vec<String> = consultants.iter().map(|c| c.user_id()).collect();
    api.post(
        &format!("/api/v1/cases/{case}/consults"),
        &json!({ "consultant_ids": ids, "question": question, "urgency": "urgent" }),
    )
    .await
}

/// Requests a consult; asserts 201 and returns it.
pub async fn request_consult(api: &Api, case: &str, consultants: &[&Api]) -> Value {
    let r = try_consult(
        api,
        case,
        consultants,
        "患者胸痛伴咳嗽、发热2天，胸片示右下肺斑片影，请协助评估是否合并肺部感染及抗感染方案。",
    )
    .await;
    assert_eq!(r.status, 201, "{} requests a consult: {}", api.username(), r.body);
    r.body
}

/// `POST /consults/{id}/{action}` with `body`.
pub async fn consult_action(api: &Api, consult: &str, action: &str, body: Value) -> Resp {
    api.post(&format!("/api/v1/consults/{consult}/{action}"), &body).await
}

/// A consultant's opinion.
pub fn opinion() -> Value {
    json!({ "opinion": {
        "assessment": "社区获得性肺炎（右下肺），轻症；与急性冠脉综合征并存。",
        "recommendation": "头孢曲松2g静滴 qd，联合阿奇霉素0.5g qd，疗程7天；复查血常规、PCT；注意与抗血小板药物的相互作用。",
    } })
}

/// `POST /cases/{id}/referrals`.
pub async fn try_refer(api: &Api, case: &str, to_team: &str, direction: &str, reason: &str) -> Resp {
    api.post(
        &format!("/api/v1/cases/{case}/referrals"),
        &json!({ "to_team_id": to_team, "direction": direction, "reason": reason }),
    )
    .await
}

/// Refers a case; asserts 201 and returns the referral.
pub async fn refer(api: &Api, case: &str, to_team: &str, direction: &str, reason: &str) -> Value {
    let r = try_refer(api, case, to_team, direction, reason).await;
    assert_eq!(r.status, 201, "{} refers {case}: {}", api.username(), r.body);
    r.body
}

/// `POST /referrals/{id}/{action}` with `body`.
pub async fn referral_action(api: &Api, referral: &str, action: &str, body: Value) -> Resp {
    api.post(&format!("/api/v1/referrals/{referral}/{action}"), &body).await
}

/// The township team's hypertension case, opened by 马超.
pub async fn hypertension_case(w: &World) -> Value {
    open_case(
        &w.ma,
        &w.county,
        case_body(
            json!({ "name": "赵六", "sex": "male", "birth_date": "1955-11-02", "external_id": "QS-0042" }),
            "高血压3级 血压控制不佳",
            "男，71岁。联用氨氯地平、厄贝沙坦、氢氯噻嗪，血压仍波动于180/105mmHg，伴头痛、夜间阵发性呼吸困难。",
            "urgent",
        ),
    )
    .await
}

/// Why the township team refers the patient up.
pub const REFER_UP: &str = "三联降压药物治疗血压仍不达标，伴心功能不全表现，需上级医院排查继发性高血压并调整方案。";

// ---------------------------------------------------------------- conversations

/// `GET /conversations/{id}/messages`.
pub async fn messages(api: &Api, conversation: &str) -> Resp {
    api.get(&format!("/api/v1/conversations/{conversation}/messages?limit=200"))
        .await
}

/// The message items of a conversation, asserting 200.
pub async fn message_items(api: &Api, conversation: &str) -> Vec<Value> {
    let r = messages(api, conversation).await;
    assert_eq!(r.status, 200, "{} reads {conversation}: {}", api.username(), r.body);
    r.body["items"].as_array().expect("items").clone()
}

/// What people wrote in a conversation: its messages without the workflow's
/// timeline entries (SPEC §8 system messages).
pub async fn talk(api: &Api, conversation: &str) -> Vec<Value> {
    message_items(api, conversation)
        .await
        .into_iter()
        .filter(|m| m["kind"] != "system")
        .collect()
}

/// `POST /conversations/{id}/messages`; asserts 201 and returns the message.
pub async fn post_message(api: &Api, conversation: &str, client_msg_id: &str, body: &str) -> Value {
    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({ "client_msg_id": client_msg_id, "body": body }),
        )
        .await;
    assert_eq!(r.status, 201, "{} posts {client_msg_id}: {}", api.username(), r.body);
    r.body["message"].clone()
}

// ---------------------------------------------------------------- assertions

/// Asserts `status` and the spec error code that goes with it.
#[track_caller]
pub fn assert_error(r: &Resp, status: u16, what: &str) {
    let code = match status {
        400 => "invalid",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        other => panic!("no error code for {other}"),
    };
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.error_code(), code, "{what}: {}", r.body);
}

/// Asserts a 409 whose message names the current `status`.
#[track_caller]
pub fn assert_conflict_naming(r: &Resp, status: &str, what: &str) {
    assert_error(r, 409, what);
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(status),
        "{what}: the 409 should name the current status {status:?}: {}",
        r.body
    );
}

// ---------------------------------------------------------------- live events

/// `triage_changed` for `case` in `team`'s queue.
pub fn triage_changed(team: &str, case: &str) -> impl Fn(&Value) -> bool + use<> {
    let (team, case) = (team.to_owned(), case.to_owned());
    move |v| v["type"] == "triage_changed" && v["team_id"] == team.as_str() && v["case"]["id"] == case.as_str()
}

/// `case_updated` for `case` with `status`.
pub fn case_updated(case: &str, status: &str) -> impl Fn(&Value) -> bool + use<> {
    let (case, status) = (case.to_owned(), status.to_owned());
    move |v| v["type"] == "case_updated" && v["case"]["id"] == case.as_str() && v["case"]["status"] == status.as_str()
}

/// `consult_updated` for `consult` with `status`.
pub fn consult_updated(consult: &str, status: &str) -> impl Fn(&Value) -> bool + use<> {
    let (consult, status) = (consult.to_owned(), status.to_owned());
    move |v| {
        v["type"] == "consult_updated"
            && v["consult"]["id"] == consult.as_str()
            && v["consult"]["status"] == status.as_str()
    }
}

/// `referral_updated` for `referral` with `status`.
pub fn referral_updated(referral: &str, status: &str) -> impl Fn(&Value) -> bool + use<> {
    let (referral, status) = (referral.to_owned(), status.to_owned());
    move |v| {
        v["type"] == "referral_updated"
            && v["referral"]["id"] == referral.as_str()
            && v["referral"]["status"] == status.as_str()
    }
}

/// `conversation_added` for `conversation`.
pub fn conversation_added(conversation: &str) -> impl Fn(&Value) -> bool + use<> {
    let conv = conversation.to_owned();
    move |v| v["type"] == "conversation_added" && v["conversation"]["id"] == conv.as_str()
}

/// `conversation_removed` for `conversation`.
pub fn conversation_removed(conversation: &str) -> impl Fn(&Value) -> bool + use<> {
    let conv = conversation.to_owned();
    move |v| v["type"] == "conversation_removed" && v["conversation_id"] == conv.as_str()
}

/// Any clinical event (case, triage, consult, referral) or new conversation.
pub fn any_clinical_event(v: &Value) -> bool {
    matches!(
        v["type"].as_str(),
        Some("case_updated" | "triage_changed" | "consult_updated" | "referral_updated" | "conversation_added")
    )
}
