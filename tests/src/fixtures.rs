//! Building blocks for test worlds that do not depend on how the server runs
//! (in-process [`crate::TestApp`] or real processes in a [`crate::node::Cluster`]):
//! everything goes through an admin [`Api`] client.

use serde_json::{Value, json};

use crate::USER_PASSWORD;
use crate::http::Api;

/// Creates a user (as `admin`) with extra profile fields and signs them in on `admin`'s server.
pub async fn create_user(admin: &Api, username: &str, extra: Value) -> Api {
    let mut body = json!({
        "username": username,
        "display_name": format!("Dr {username}"),
        "password": USER_PASSWORD,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = admin.post("/api/v1/users", &body).await;
    assert_eq!(r.status, 201, "create user {username}: {}", r.body);
    Api::new(&admin.base).login(username, USER_PASSWORD).await
}

/// Creates a team led by `lead` and returns its id.
pub async fn create_team(admin: &Api, name: &str, lead: &Api) -> String {
    let r = admin
        .post(
            "/api/v1/teams",
            &json!({ "name": name, "specialty": "心血管内科", "lead_id": lead.user_id() }),
        )
        .await;
    assert_eq!(r.status, 201, "create team: {}", r.body);
    r.body["id"].as_str().expect("team id").to_owned()
}

/// Creates a team of `specialty` led by `lead` and returns its id.
pub async fn create_team_with(admin: &Api, name: &str, specialty: &str, lead: &Api) -> String {
    let r = admin
        .post(
            "/api/v1/teams",
            &json!({ "name": name, "specialty": specialty, "lead_id": lead.user_id() }),
        )
        .await;
    assert_eq!(r.status, 201, "create team {name}: {}", r.body);
    r.body["id"].as_str().expect("team id").to_owned()
}

/// Archives `team` (as `admin`).
pub async fn archive_team(admin: &Api, team: &str) {
    let r = admin.post(&format!("/api/v1/teams/{team}/archive"), &json!({})).await;
    assert_eq!(r.status, 200, "archive team {team}: {}", r.body);
}

/// Adds `member` to `team` with `role`, or changes their role.
pub async fn add_member(admin: &Api, team: &str, member: &Api, role: &str) {
    let r = admin
        .put(
            &format!("/api/v1/teams/{team}/members/{}", member.user_id()),
            &json!({ "role": role }),
        )
        .await;
    assert_eq!(r.status, 200, "add member {}: {}", member.username(), r.body);
}

/// Removes `member` from `team`.
pub async fn remove_member(admin: &Api, team: &str, member: &Api) {
    let r = admin
        .delete(&format!("/api/v1/teams/{team}/members/{}", member.user_id()))
        .await;
    assert_eq!(r.status, 204, "remove member {}: {}", member.username(), r.body);
}

/// The id of `team`'s channel, as a member (or admin) `viewer` sees it.
pub async fn team_channel(viewer: &Api, team: &str) -> String {
    let r = viewer.get(&format!("/api/v1/teams/{team}")).await;
    assert_eq!(r.status, 200, "get team: {}", r.body);
    r.body["conversation_id"]
        .as_str()
        .unwrap_or_else(|| panic!("team {team} has no conversation_id: {}", r.body))
        .to_owned()
}

/// Deactivates `user` (as `admin`).
pub async fn deactivate(admin: &Api, user: &Api) {
    let r = admin
        .post(&format!("/api/v1/users/{}/deactivate", user.user_id()), &json!({}))
        .await;
    assert_eq!(r.status, 200, "deactivate {}: {}", user.username(), r.body);
}

/// Audit events matching `action`, newest first.
pub async fn audit(admin: &Api, action: &str) -> Vec<Value> {
    let r = admin.get("/api/v1/audit?limit=200").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

/// Percent-encodes a query value (Chinese text, spaces, `&`).
pub fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `api`'s notifications of `kind`, newest first (the latest 200).
pub async fn notifications_of(api: &Api, kind: &str) -> Vec<Value> {
    let r = api.get("/api/v1/notifications?limit=200").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

/// Waits until `api` has `n` notifications of `kind` that `keep` accepts
/// (panics after `within`); for what a scheduler sends in its own time.
pub async fn await_notifications_matching(
    api: &Api,
    kind: &str,
    n: usize,
    within: std::time::Duration,
    keep: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let start = std::time::Instant::now();
    loop {
        let found: Vec<Value> = notifications_of(api, kind)
            .await
            .into_iter()
            .filter(|v| keep(v))
            .collect();
        if found.len() >= n {
            return found;
        }
        assert!(
            start.elapsed() < within,
            "{} waited {within:?} for {n} {kind} notifications, has {found:?}",
            api.username()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until `api` has `n` notifications of `kind` (panics after `within`).
pub async fn await_notifications(api: &Api, kind: &str, n: usize, within: std::time::Duration) -> Vec<Value> {
    await_notifications_matching(api, kind, n, within, |_| true).await
}
