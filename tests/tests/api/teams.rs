//! Teams and rosters against the access table of spec section 1.

use consilium_tests::{Api, TestApp};
use serde_json::json;

struct World {
    app: TestApp,
    lead: Api,
    specialist: Api,
    assistant: Api,
    outsider: Api,
    team: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let lead = app.user("lead_wang").await;
    let specialist = app.user("spec_li").await;
    let assistant = app.user("asst_sun").await;
    let outsider = app.user("outsider_zhao").await;
    let team = app.team("王建国心血管专家团队", &lead).await;
    app.add_member(&team, &specialist, "specialist").await;
    app.add_member(&team, &assistant, "assistant").await;
    World {
        app,
        lead,
        specialist,
        assistant,
        outsider,
        team,
    }
}

#[tokio::test]
async fn admin_creates_a_team_with_its_lead_and_channel() {
    let w = world().await;
    let r = w.app.admin.get(&format!("/api/v1/teams/{}", w.team)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "王建国心血管专家团队");
    assert_eq!(r.body["lead_id"], w.lead.user_id());
    assert_eq!(r.body["member_count"], 3);
    assert!(r.body["conversation_id"].as_str().is_some());
    let members = r.body["members"].as_array().unwrap();
    assert_eq!(members[0]["role"], "lead");
    assert_eq!(members[0]["user"]["username"], "lead_wang");
    assert_eq!(w.app.audit("team_created").await.len(), 1);
    assert_eq!(w.app.audit("member_added").await.len(), 2);

    let db = w.app.db.connect().await;
    let channels: i64 = db
        .query_one(
            "select count(*) from conversations where kind = 'team' and team_id = $1::text::uuid",
            &[&w.team],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(channels, 1);
}

#[tokio::test]
async fn only_admins_create_teams_and_the_lead_must_exist() {
    let w = world().await;
    let body = json!({ "name": "X", "specialty": "内分泌科", "lead_id": w.lead.user_id() });
    assert_eq!(w.lead.post("/api/v1/teams", &body).await.status, 403);
    let r = w
        .app
        .admin
        .post(
            "/api/v1/teams",
            &json!({ "name": "X", "specialty": "内分泌科", "lead_id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = w
        .app
        .admin
        .post(
            "/api/v1/teams",
            &json!({ "name": "  ", "specialty": "x", "lead_id": w.lead.user_id() }),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = w
        .app
        .admin
        .post(
            "/api/v1/teams",
            &json!({ "specialty": "x", "lead_id": w.lead.user_id() }),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn members_see_their_teams_outsiders_see_only_the_directory() {
    let w = world().await;
    let path = format!("/api/v1/teams/{}", w.team);
    for member in [&w.lead, &w.specialist, &w.assistant] {
        let r = member.get(&path).await;
        assert_eq!(r.status, 200);
        assert_eq!(member.get(&format!("{path}/members")).await.status, 200);
        let mine = member.get("/api/v1/teams").await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1);
        assert!(mine.body[0]["my_role"].is_string());
    }
    let r = w.outsider.get(&path).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "not_found");
    assert_eq!(w.outsider.get(&format!("{path}/members")).await.status, 404);
    assert_eq!(w.outsider.get("/api/v1/teams").await.body, json!([]));
    assert_eq!(
        w.outsider
            .get(&format!("/api/v1/teams/{}", uuid::Uuid::now_v7()))
            .await
            .status,
        404
    );

    let dir = w.outsider.get("/api/v1/teams/directory").await;
    assert_eq!(dir.status, 200);
    assert_eq!(dir.body.as_array().unwrap().len(), 1);
    assert_eq!(dir.body[0]["lead"]["username"], "lead_wang");
    assert_eq!(dir.body[0]["member_count"], 3);
    assert!(dir.body[0].get("members").is_none());
    assert_eq!(
        w.outsider
            .get("/api/v1/teams/directory?specialty=心血管")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.outsider
            .get("/api/v1/teams/directory?specialty=骨科")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(w.app.admin.get("/api/v1/teams").await.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_lead_and_admins_manage_the_roster() {
    let w = world().await;
    let newcomer = w.app.user("grass_liu").await;
    let add = |who: &Api, role: &str| {
        let path = format!("/api/v1/teams/{}/members/{}", w.team, newcomer.user_id());
        let who = who.clone();
        let role = role.to_owned();
        async move { who.put(&path, &json!({ "role": role })).await }
    };
    assert_eq!(add(&w.specialist, "grassroots").await.status, 403);
    assert_eq!(add(&w.assistant, "grassroots").await.status, 403);
    assert_eq!(add(&w.outsider, "grassroots").await.status, 404);
    let r = add(&w.lead, "grassroots").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["role"], "grassroots");
    assert_eq!(newcomer.get(&format!("/api/v1/teams/{}", w.team)).await.status, 200);

    let r = add(&w.app.admin, "specialist").await;
    assert_eq!(r.body["role"], "specialist");
    assert_eq!(w.app.audit("member_role_changed").await.len(), 1);
    assert_eq!(
        add(&w.lead, "lead").await.status,
        400,
        "the lead is set through PATCH lead_id"
    );
    assert_eq!(add(&w.lead, "chief").await.status, 400);

    let path = format!("/api/v1/teams/{}/members/{}", w.team, newcomer.user_id());
    assert_eq!(w.specialist.delete(&path).await.status, 403);
    assert_eq!(w.lead.delete(&path).await.status, 204);
    assert_eq!(w.lead.delete(&path).await.status, 404);
    assert_eq!(newcomer.get(&format!("/api/v1/teams/{}", w.team)).await.status, 404);
    assert_eq!(w.app.audit("member_removed").await.len(), 1);
}

#[tokio::test]
async fn a_team_always_keeps_exactly_one_lead() {
    let w = world().await;
    let lead_path = format!("/api/v1/teams/{}/members/{}", w.team, w.lead.user_id());
    let r = w.app.admin.delete(&lead_path).await;
    assert_eq!(r.status, 409);
    let r = w.app.admin.put(&lead_path, &json!({ "role": "specialist" })).await;
    assert_eq!(r.status, 409);

    // only an admin moves the lead; the old lead stays as a specialist
    let team_path = format!("/api/v1/teams/{}", w.team);
    let r = w
        .lead
        .patch(&team_path, &json!({ "lead_id": w.specialist.user_id() }))
        .await;
    assert_eq!(r.status, 403);
    let r = w
        .app
        .admin
        .patch(&team_path, &json!({ "lead_id": w.specialist.user_id() }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["lead_id"], w.specialist.user_id());
    let roles: Vec<(String, String)> = r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["username"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(roles.contains(&("spec_li".into(), "lead".into())));
    assert!(roles.contains(&("lead_wang".into(), "specialist".into())));
    assert_eq!(roles.iter().filter(|(_, r)| r == "lead").count(), 1);

    // a non-member can be made lead directly
    let r = w
        .app
        .admin
        .patch(&team_path, &json!({ "lead_id": w.outsider.user_id() }))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["member_count"], 4);
    assert_eq!(w.app.audit("team_lead_changed").await.len(), 2);
}

#[tokio::test]
async fn the_lead_edits_the_description_and_admins_archive() {
    let w = world().await;
    let path = format!("/api/v1/teams/{}", w.team);
    let r = w
        .lead
        .patch(&path, &json!({ "description": "冠心病与高血压的基层协同诊治" }))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["description"], "冠心病与高血压的基层协同诊治");
    assert_eq!(w.specialist.patch(&path, &json!({ "name": "x" })).await.status, 403);
    assert_eq!(w.outsider.patch(&path, &json!({ "name": "x" })).await.status, 404);

    assert_eq!(w.lead.post(&format!("{path}/archive"), &json!({})).await.status, 403);
    assert_eq!(
        w.outsider.post(&format!("{path}/archive"), &json!({})).await.status,
        404
    );
    let r = w.app.admin.post(&format!("{path}/archive"), &json!({})).await;
    assert_eq!(r.status, 200);
    assert!(r.body["archived_at"].is_string());
    assert_eq!(
        w.app.admin.post(&format!("{path}/archive"), &json!({})).await.status,
        409
    );
    assert_eq!(w.outsider.get("/api/v1/teams/directory").await.body, json!([]));
    assert_eq!(w.lead.get("/api/v1/teams").await.body, json!([]));
    // the roster of an archived team is frozen
    let add = w
        .app
        .admin
        .put(
            &format!("{path}/members/{}", w.outsider.user_id()),
            &json!({ "role": "specialist" }),
        )
        .await;
    assert_eq!(add.status, 409);
}

#[tokio::test]
async fn deactivated_users_cannot_join_teams() {
    let w = world().await;
    let gone = w.app.user("gone_user").await;
    w.app
        .admin
        .post(&format!("/api/v1/users/{}/deactivate", gone.user_id()), &json!({}))
        .await;
    let r = w
        .app
        .admin
        .put(
            &format!("/api/v1/teams/{}/members/{}", w.team, gone.user_id()),
            &json!({ "role": "specialist" }),
        )
        .await;
    assert_eq!(r.status, 400);
}
