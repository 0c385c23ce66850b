//! `seed-demo`: a believable demo world for a first look at Consilium.
//!
//! Two expert teams at a provincial hospital, each with a chief expert,
//! specialists, grassroots doctors from county, township and village clinics,
//! and three assistants; one grassroots doctor belongs to both teams. Every
//! demo account's password is [`DEMO_PASSWORD`]. Re-running is a no-op.

use consilium_shared::chat::ConversationKind;
use consilium_shared::{
    ConversationId, SessionId, TeamId, UserId,
    cases::{
        AcceptReferralRequest, ConsultOpinion, CreateCaseRequest, CreateConsultRequest, CreateReferralRequest,
        Diagnosis, IntakeRequest, NewPatient, Priority, ReferralDirection, Sex, TriageAction,
    },
    teams::{CreateTeamRequest, TeamRole},
    users::{CareLevel, CreateUserRequest, PlatformRole},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::cases;
use crate::chat::{self, NewMessage};
use crate::consults::{self, ConsultTransition};
use crate::db::schema::{conversations, teams};
use crate::referrals::{self, ReferralTransition};

use crate::auth::AuthUser;
use crate::db::{DbPool, models::User, schema::users};
use crate::error::ApiError;

/// The demo world's deadlines run in real minutes, as in production.
const SEED_DEADLINES: crate::config::DeadlineConfig = crate::config::DeadlineConfig {
    minute: std::time::Duration::from_secs(60),
    poll: std::time::Duration::from_secs(1),
};
/// Password of every demo account (shown in the README).
pub const DEMO_PASSWORD: &str = "consilium-demo";
/// Username of the demo admin.
pub const DEMO_ADMIN: &str = "admin";

struct DemoUser {
    username: &'static str,
    name: &'static str,
    title: &'static str,
    institution: &'static str,
    level: CareLevel,
    specialties: &'static [&'static str],
}

const fn doc(
    username: &'static str,
    name: &'static str,
    title: &'static str,
    institution: &'static str,
    level: CareLevel,
    specialties: &'static [&'static str],
) -> DemoUser {
    DemoUser {
        username,
        name,
        title,
        institution,
        level,
        specialties,
    }
}

const PROVINCIAL: &str = "省人民医院";

const PEOPLE: &[DemoUser] = &[
    // cardiology team
    doc(
        "wangjianguo",
        "王建国",
        "主任医师",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["心血管内科", "冠心病", "介入治疗"],
    ),
    doc(
        "lixiaohong",
        "李晓红",
        "副主任医师",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["心律失常", "心力衰竭"],
    ),
    doc(
        "zhangwei",
        "张伟",
        "主治医师",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["高血压", "血脂异常"],
    ),
    doc(
        "chenming",
        "陈明",
        "主治医师",
        "青山县人民医院",
        CareLevel::Secondary,
        &["全科", "慢病管理"],
    ),
    doc(
        "liufang",
        "刘芳",
        "执业医师",
        "青山县桃源镇卫生院",
        CareLevel::Primary,
        &["全科"],
    ),
    doc(
        "zhaolei",
        "赵磊",
        "乡村医生",
        "桃源镇杏林村卫生室",
        CareLevel::Village,
        &["全科"],
    ),
    doc("sunli", "孙丽", "医生助理", PROVINCIAL, CareLevel::Tertiary, &["分诊"]),
    doc(
        "zhoujing",
        "周静",
        "医生助理",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["分诊"],
    ),
    doc(
        "wuqiang",
        "吴强",
        "医生助理",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["分诊"],
    ),
    // endocrinology team
    doc(
        "liushufen",
        "刘淑芬",
        "主任医师",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["内分泌科", "糖尿病", "甲状腺疾病"],
    ),
    doc(
        "hejun",
        "何军",
        "副主任医师",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["糖尿病足", "糖尿病"],
    ),
    doc(
        "xumin",
        "徐敏",
        "主治医师",
        PROVINCIAL,
        CareLevel::Tertiary,
        &["甲状腺疾病", "骨质疏松"],
    ),
    doc(
        "yangfan",
        "杨帆",
        "全科医生",
        "东城区社区卫生服务中心",
        CareLevel::Primary,
        &["全科", "慢病管理"],
    ),
    doc(
        "huangtao",
        "黄涛",
        "主治医师",
        "青山县中医院",
        CareLevel::Secondary,
        &["中西医结合"],
    ),
    doc("guoyan", "郭燕", "医生助理", PROVINCIAL, CareLevel::Tertiary, &["分诊"]),
    doc("mali", "马丽", "医生助理", PROVINCIAL, CareLevel::Tertiary, &["分诊"]),
    doc("linna", "林娜", "医生助理", PROVINCIAL, CareLevel::Tertiary, &["分诊"]),
];

struct DemoTeam {
    name: &'static str,
    specialty: &'static str,
    description: &'static str,
    lead: &'static str,
    members: &'static [(&'static str, TeamRole)],
}

const TEAMS: &[DemoTeam] = &[
    DemoTeam {
        name: "王建国心血管专家团队",
        specialty: "心血管内科",
        description: "冠心病、心律失常、高血压的诊治与基层随访；接收县、乡、村医生的会诊与转诊。",
        lead: "wangjianguo",
        members: &[
            ("lixiaohong", TeamRole::Specialist),
            ("zhangwei", TeamRole::Specialist),
            ("chenming", TeamRole::Grassroots),
            ("liufang", TeamRole::Grassroots),
            ("zhaolei", TeamRole::Grassroots),
            ("sunli", TeamRole::Assistant),
            ("zhoujing", TeamRole::Assistant),
            ("wuqiang", TeamRole::Assistant),
        ],
    },
    DemoTeam {
        name: "刘淑芬内分泌专家团队",
        specialty: "内分泌科",
        description: "糖尿病及其并发症、甲状腺疾病的规范化管理，与社区和县医院协同随访。",
        lead: "liushufen",
        members: &[
            ("hejun", TeamRole::Specialist),
            ("xumin", TeamRole::Specialist),
            ("yangfan", TeamRole::Grassroots),
            ("huangtao", TeamRole::Grassroots),
            ("chenming", TeamRole::Grassroots),
            ("guoyan", TeamRole::Assistant),
            ("mali", TeamRole::Assistant),
            ("linna", TeamRole::Assistant),
        ],
    },
];

fn err(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn find_user(conn: &mut diesel_async::AsyncPgConnection, username: &str) -> anyhow::Result<Option<User>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Seeds the demo world unless it is already there; returns what it did.
pub async fn seed_demo(pool: &DbPool) -> anyhow::Result<String> {
    let mut conn = pool.get().await?;
    let admin = match find_user(&mut conn, DEMO_ADMIN).await? {
        Some(admin) => admin,
        None => {
            let req = CreateUserRequest {
                username: DEMO_ADMIN.into(),
                display_name: "平台管理员".into(),
                password: DEMO_PASSWORD.into(),
                role: Some(PlatformRole::Admin),
                title: Some("系统管理员".into()),
                institution: Some("区域卫生健康委员会".into()),
                care_level: Some(CareLevel::Tertiary),
                specialties: None,
            };
            crate::users::create_user(&mut conn, None, req, None)
                .await
                .map_err(err)?
        }
    };
    if find_user(&mut conn, PEOPLE[0].username).await?.is_some() {
        return Ok("demo data already present; nothing to do".into());
    }
    let caller = AuthUser {
        user: admin,
        session_id: SessionId(uuid::Uuid::nil()),
    };
    let mut ids = std::collections::HashMap::new();
    for p in PEOPLE {
        let req = CreateUserRequest {
            username: p.username.into(),
            display_name: p.name.into(),
            password: DEMO_PASSWORD.into(),
            role: Some(PlatformRole::User),
            title: Some(p.title.into()),
            institution: Some(p.institution.into()),
            care_level: Some(p.level),
            specialties: Some(p.specialties.iter().map(|s| (*s).to_owned()).collect()),
        };
        let user = crate::users::create_user(&mut conn, Some(caller.id()), req, None)
            .await
            .map_err(err)?;
        ids.insert(p.username, user.id);
    }
    let id_of = |name: &str| {
        ids.get(name)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("demo user {name} missing"))
    };
    for t in TEAMS {
        let req = CreateTeamRequest {
            name: t.name.into(),
            specialty: t.specialty.into(),
            institution: Some(PROVINCIAL.into()),
            description: Some(t.description.into()),
            lead_id: id_of(t.lead)?,
        };
        let (team, _) = crate::teams::create(&mut conn, &caller, req, None).await.map_err(err)?;
        for (member, role) in t.members {
            crate::teams::set_member(&mut conn, &caller, team.id, id_of(member)?, *role, None)
                .await
                .map_err(err)?;
        }
    }
    let mut team_ids = Vec::new();
    for t in TEAMS {
        let id: TeamId = teams::table
            .filter(teams::name.eq(t.name))
            .select(teams::id)
            .first(&mut conn)
            .await?;
        team_ids.push(id);
    }
    seed_work(&mut conn, &id_of, team_ids[0], team_ids[1]).await?;
    Ok(format!(
        "seeded {} users, {} teams and their cases, consults, referrals and conversations; \
         sign in as {DEMO_ADMIN} (or any demo doctor, e.g. wangjianguo) with password {DEMO_PASSWORD}",
        PEOPLE.len() + 1,
        TEAMS.len()
    ))
}

async fn team_channel(conn: &mut AsyncPgConnection, team: TeamId) -> anyhow::Result<ConversationId> {
    Ok(conversations::table
        .filter(conversations::team_id.eq(team))
        .filter(conversations::kind.eq(ConversationKind::Team))
        .select(conversations::id)
        .first(conn)
        .await?)
}

/// Posts a message as `who` (seeding only).
async fn say(
    conn: &mut AsyncPgConnection,
    who: UserId,
    conversation: ConversationId,
    key: &str,
    body: &str,
) -> anyhow::Result<()> {
    let msg = NewMessage::parse(format!("seed-{key}"), body.to_owned(), None).map_err(|e| anyhow::anyhow!("{e}"))?;
    chat::send(conn, who, conversation, msg, &SEED_DEADLINES)
        .await
        .map_err(err)?;
    Ok(())
}

fn patient(name: &str, sex: Sex, birth: (i32, u32, u32)) -> NewPatient {
    NewPatient {
        name: name.to_owned(),
        sex: Some(sex),
        birth_date: chrono::NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
        external_id: None,
    }
}

/// A day of work in both teams: a case under discussion, a consult to the
/// other team, a live triage queue, a referral up, team chatter and a direct chat.
async fn seed_work(
    conn: &mut AsyncPgConnection,
    id_of: &dyn Fn(&str) -> anyhow::Result<UserId>,
    cardio: TeamId,
    endo: TeamId,
) -> anyhow::Result<()> {
    let cardio_channel = team_channel(conn, cardio).await?;
    let endo_channel = team_channel(conn, endo).await?;
    say(
        conn,
        id_of("wangjianguo")?,
        cardio_channel,
        "c1",
        "各位，本周四下午两点科室疑难病例讨论，请基层医生提前把病例发到群里。",
    )
    .await?;
    say(
        conn,
        id_of("sunli")?,
        cardio_channel,
        "c2",
        "收到。今天新进分诊 4 例，急诊 1 例已优先处理。",
    )
    .await?;
    say(
        conn,
        id_of("chenming")?,
        cardio_channel,
        "c3",
        "@wangjianguo 王主任，县医院这边有一例胸痛患者想请您看一下心电图，已建病例。",
    )
    .await?;
    say(
        conn,
        id_of("liushufen")?,
        endo_channel,
        "e1",
        "下周起门诊糖尿病足患者统一由何军主任随访，基层转诊请注明溃疡分级。",
    )
    .await?;

    // a case under discussion, opened by the county doctor
    let (chest, _) = cases::create(
        conn,
        id_of("chenming")?,
        cardio,
        CreateCaseRequest {
            patient: Some(patient("赵建华", Sex::Male, (1962, 3, 15))),
            patient_id: None,
            title: "胸痛3天，心电图ST段抬高待查".into(),
            summary: Some("患者男，62岁。胸骨后压榨样疼痛3天，加重6小时。既往高血压10年、2型糖尿病5年。心电图：II、III、aVF导联ST段抬高0.2mV。".into()),
            priority: Some(Priority::Urgent),
        },
    )
    .await
    .map_err(err)?;
    let chest_thread = chest.conversation_id;
    say(
        conn,
        id_of("chenming")?,
        chest_thread,
        "k1",
        "患者男，62岁，胸痛3天，心电图提示下壁导联ST段抬高，请王主任会诊。",
    )
    .await?;
    say(
        conn,
        id_of("wangjianguo")?,
        chest_thread,
        "k2",
        "@chenming 考虑急性下壁心肌梗死可能大。立即查肌钙蛋白，阿司匹林300mg嚼服，尽快转我院行冠脉造影。",
    )
    .await?;
    say(
        conn,
        id_of("lixiaohong")?,
        chest_thread,
        "k3",
        "同意王主任意见。转运途中注意心电监护，警惕房室传导阻滞。",
    )
    .await?;

    // a consult to the endocrinology team about the same patient's diabetes
    let consult = consults::request(
        conn,
        id_of("lixiaohong")?,
        chest.id,
        CreateConsultRequest {
            consultant_ids: vec![id_of("liushufen")?],
            question: "患者2型糖尿病5年，围手术期血糖如何管理？二甲双胍是否需要停用？".into(),
            summary: Some("男，62岁，胸痛3天，心电图ST段抬高，拟行PCI。2型糖尿病5年，口服二甲双胍。".into()),
            diagnoses: Some(vec![
                Diagnosis {
                    code: Some("I21.0".into()),
                    text: "急性前壁心肌梗死".into(),
                },
                Diagnosis {
                    code: Some("E11.9".into()),
                    text: "2型糖尿病".into(),
                },
            ]),
            urgency: Some(Priority::Urgent),
        },
        None,
        &SEED_DEADLINES,
    )
    .await
    .map_err(err)?;
    let consult_id = consult.0.consult.id;
    consults::transition(conn, id_of("liushufen")?, consult_id, ConsultTransition::Accept, None)
        .await
        .map_err(err)?;
    consults::transition(
        conn,
        id_of("liushufen")?,
        consult_id,
        ConsultTransition::Complete(ConsultOpinion {
            assessment: "2型糖尿病，血糖控制欠佳（HbA1c 8.6%）。".into(),
            recommendation:
                "造影前48小时停用二甲双胍；围术期改用胰岛素泵，目标血糖7.8–10.0 mmol/L；术后复查肾功能后恢复口服药。"
                    .into(),
        }),
        None,
    )
    .await
    .map_err(err)?;

    // the live triage queue: intakes from grassroots doctors outside the team
    let intakes = [
        (
            "yangfan",
            "晕厥1次，伴黑矇",
            Priority::Emergency,
            ("钱桂兰", Sex::Female, (1950, 7, 2)),
        ),
        (
            "zhaolei",
            "反复心悸2周",
            Priority::Urgent,
            ("周小军", Sex::Male, (1985, 11, 20)),
        ),
        (
            "huangtao",
            "高血压控制不佳，随访调药",
            Priority::Routine,
            ("吴秀珍", Sex::Female, (1959, 1, 8)),
        ),
        (
            "yangfan",
            "活动后气促1月，下肢水肿",
            Priority::Routine,
            ("郑国强", Sex::Male, (1948, 5, 30)),
        ),
    ];
    let mut first_intake = None;
    for (by, title, priority, (name, sex, birth)) in intakes {
        let (case, _) = cases::submit_intake(
            conn,
            id_of(by)?,
            cardio,
            IntakeRequest {
                patient: patient(name, sex, birth),
                title: title.into(),
                summary: Some(format!("{name}，由基层医生提交。{title}。")),
                priority: Some(priority),
            },
            &SEED_DEADLINES,
        )
        .await
        .map_err(err)?;
        first_intake.get_or_insert(case.id);
    }
    if let Some(id) = first_intake {
        cases::triage(
            conn,
            id_of("sunli")?,
            id,
            TriageAction::Assign {
                assignee_id: id_of("lixiaohong")?,
                priority: None,
            },
            None,
        )
        .await
        .map_err(err)?;
    }

    // a diabetic-foot case in the endocrinology team, referred up to cardiology for chest tightness
    let (foot, _) = cases::create(
        conn,
        id_of("huangtao")?,
        endo,
        CreateCaseRequest {
            patient: Some(patient("冯德明", Sex::Male, (1955, 9, 12))),
            patient_id: None,
            title: "糖尿病足溃疡（Wagner 2级）".into(),
            summary: Some("右足第一跖骨头处溃疡2周，足背动脉搏动减弱。近3天活动后胸闷。".into()),
            priority: Some(Priority::Routine),
        },
    )
    .await
    .map_err(err)?;
    say(
        conn,
        id_of("huangtao")?,
        foot.conversation_id,
        "f1",
        "患者近3天活动后胸闷，是否需要先评估心脏情况再处理足部溃疡？",
    )
    .await?;
    say(
        conn,
        id_of("hejun")?,
        foot.conversation_id,
        "f2",
        "建议转心内科评估冠脉情况，足部先换药控制感染。",
    )
    .await?;
    let referral = referrals::create(
        conn,
        id_of("hejun")?,
        foot.id,
        &CreateReferralRequest {
            to_team_id: cardio,
            direction: ReferralDirection::Up,
            reason: "糖尿病足患者出现活动后胸闷，需心内科评估冠心病可能。".into(),
            slot_id: None,
            summary: Some("女，58岁，2型糖尿病10年，右足溃疡2周，近1周活动后胸闷。".into()),
            diagnoses: Some(vec![
                Diagnosis {
                    code: Some("E11.5".into()),
                    text: "2型糖尿病足".into(),
                },
                Diagnosis {
                    code: None,
                    text: "冠心病待排".into(),
                },
            ]),
            purpose: Some("评估冠脉情况，必要时行冠脉造影。".into()),
            precautions: Some("足部溃疡换药中，注意血糖监测。".into()),
            follow_up_plan: None,
        },
        None,
        &SEED_DEADLINES,
    )
    .await
    .map_err(err)?;
    referrals::transition(
        conn,
        id_of("zhoujing")?,
        referral.referral.id,
        ReferralTransition::Accept(AcceptReferralRequest {
            assignee_id: Some(id_of("zhangwei")?),
            appointment_at: Some(chrono::Utc::now() + chrono::Duration::days(2)),
            slot_id: None,
            follow_up_plan: None,
        }),
        None,
    )
    .await
    .map_err(err)?;

    // a direct conversation
    let (direct, _) = chat::get_or_create_direct(conn, id_of("chenming")?, id_of("wangjianguo")?)
        .await
        .map_err(err)?;
    say(
        conn,
        id_of("chenming")?,
        direct.id,
        "d1",
        "王主任，上次您讲的心电图判读课件能发我一份吗？",
    )
    .await?;
    say(
        conn,
        id_of("wangjianguo")?,
        direct.id,
        "d2",
        "好的，稍后发到团队群里，大家都可以看。",
    )
    .await?;
    Ok(())
}
