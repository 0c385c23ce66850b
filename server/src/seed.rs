//! `seed-demo`: a believable demo world for a first look at Consilium.
//!
//! Two expert teams at a provincial hospital, each with a chief expert,
//! specialists, grassroots doctors from county, township and village clinics,
//! and three assistants; one grassroots doctor belongs to both teams. Every
//! demo account's password is [`DEMO_PASSWORD`]. Re-running is a no-op.

use consilium_shared::{
    SessionId, TeamId, UserId,
    teams::{CreateTeamRequest, TeamRole},
    users::{CareLevel, CreateUserRequest, PlatformRole},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::auth::AuthUser;
use crate::db::{DbPool, models::User, schema::users};
use crate::error::ApiError;

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
        ids.insert(p.username, UserId(user.id));
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
            crate::teams::set_member(&mut conn, &caller, TeamId(team.id), id_of(member)?, *role, None)
                .await
                .map_err(err)?;
        }
    }
    Ok(format!(
        "seeded {} users and {} teams; sign in as {DEMO_ADMIN} (or any demo doctor, e.g. wangjianguo) with password {DEMO_PASSWORD}",
        PEOPLE.len() + 1,
        TEAMS.len()
    ))
}
