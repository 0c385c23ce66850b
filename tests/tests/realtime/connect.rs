//! The handshake: header or first-frame auth, the `ready` snapshot, Origin
//! checks, and every way to be refused (spec section 4, first bullets).

use std::time::Duration;

use consilium_tests::ws::{Auth, ConnectOptions, WsClient, of_type};
use consilium_tests::{TEST_JWT_SECRET, fixtures};
use serde_json::json;
use tokio::time::Instant;

use crate::support::{
    Bus, CLOSE_TIMEOUT, claims_of, forge, on_every_bus, post_message, ready_conversation, world, world_with,
};

async fn ready_is_a_snapshot_of_conversations_and_presence(bus: Bus) {
    let w = world(bus).await;
    post_message(&w.li, &w.channel, "before-1", "早上好，今天查房改到九点").await;
    post_message(&w.li, &w.channel, "before-2", "收到请回复").await;

    // li is online (on the other node) before the lead connects
    let _li = w.d.ws(&w.li, 1).await;
    let lead = w.d.ws(&w.lead, 0).await;
    let ready = &lead.ready;
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["user_id"], w.lead.user_id());
    assert!(ready["session_id"].as_str().is_some_and(|s| !s.is_empty()), "{ready}");
    let channel = ready_conversation(ready, &w.channel).unwrap_or_else(|| panic!("no team channel in {ready}"));
    assert_eq!(channel["kind"], "team");
    assert_eq!(channel["team_id"], w.team);
    assert_eq!(channel["last_seq"], 2);
    assert_eq!(channel["last_read_seq"], 0);
    assert_eq!(channel["unread"], 2);

    let presence = ready["presence"].as_array().expect("presence list");
    let li_presence = presence
        .iter()
        .find(|p| p["user_id"] == w.li.user_id())
        .unwrap_or_else(|| panic!("dr_li missing from presence: {ready}"));
    assert_eq!(li_presence["status"], "online");
    assert!(
        presence.iter().all(|p| p["user_id"] != w.outsider.user_id()),
        "the outsider shares no conversation with the lead: {ready}"
    );
    if let Some(liu) = presence.iter().find(|p| p["user_id"] == w.liu.user_id()) {
        assert_eq!(liu["status"], "offline", "dr_liu never connected: {ready}");
    }

    // the outsider sees neither the channel nor the team's presence
    let outsider = w.d.ws(&w.outsider, 1).await;
    assert!(
        ready_conversation(&outsider.ready, &w.channel).is_none(),
        "{}",
        outsider.ready
    );
    let theirs = outsider.ready["presence"].as_array().expect("presence list");
    assert!(
        theirs
            .iter()
            .all(|p| p["user_id"] != w.li.user_id() && p["user_id"] != w.lead.user_id()),
        "{}",
        outsider.ready
    );
}

on_every_bus!(ready_is_a_snapshot_of_conversations_and_presence);

#[tokio::test]
async fn first_frame_auth_is_as_good_as_the_header() {
    let w = world(Bus::Local).await;
    let token = w.li.token.clone().expect("token");
    let mut by_frame = WsClient::connect_first_frame(w.d.node(0), &token).await;
    assert_eq!(by_frame.ready["user_id"], w.li.user_id());
    assert!(ready_conversation(&by_frame.ready, &w.channel).is_some());
    let mut lead = w.d.ws(&w.lead, 0).await;
    lead.send_message(&w.channel, "hello-frame", "第一帧认证的会话也能收到")
        .await;
    let m = by_frame.expect_message(&w.channel).await;
    assert_eq!(m["client_msg_id"], "hello-frame");
    by_frame.ping().await;
}

#[tokio::test]
async fn ping_is_answered_with_pong_echoing_the_id() {
    let w = world(Bus::Local).await;
    let mut ws = w.d.ws(&w.li, 0).await;
    ws.send(json!({ "type": "ping", "id": "p-42" })).await;
    let pong = ws.expect(of_type("pong")).await;
    assert_eq!(pong["id"], "p-42");
    ws.send(json!({ "type": "ping" })).await;
    let pong = ws.expect(of_type("pong")).await;
    assert!(pong["id"].is_null(), "a ping without id gets a pong without id: {pong}");
}

#[tokio::test]
async fn no_auth_within_the_timeout_closes_with_1008() {
    let w = world_with(Bus::Local, &[("WS_AUTH_TIMEOUT_MS", "1000")]).await;
    let options = ConnectOptions {
        auth: Auth::None,
        ..ConnectOptions::header("")
    };
    let started = Instant::now();
    let mut silent = WsClient::open(w.d.node(0), options)
        .await
        .expect("upgrade without credentials");
    assert_eq!(silent.expect_close(CLOSE_TIMEOUT).await, Some(1008));
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "closed after {:?}: the server must wait for the auth frame",
        started.elapsed()
    );
    assert!(silent.drain().iter().all(|e| e["type"] != "ready"));
}

#[tokio::test]
async fn a_first_frame_that_is_not_auth_closes_with_1008() {
    let w = world(Bus::Local).await;
    let options = ConnectOptions {
        auth: Auth::None,
        ..ConnectOptions::header("")
    };
    let mut ws = WsClient::open(w.d.node(0), options).await.expect("upgrade");
    ws.send(json!({
        "type": "send", "id": "sneaky", "conversation_id": w.channel,
        "client_msg_id": "sneaky-1", "body": "未认证的消息",
    }))
    .await;
    assert_eq!(ws.expect_close(CLOSE_TIMEOUT).await, Some(1008));
    assert!(ws.drain().iter().all(|e| e["type"] != "ack" && e["type"] != "ready"));
    let stored = crate::support::history(&w.lead, &w.channel, "after_seq=0").await;
    assert!(stored.is_empty(), "nothing may be stored before auth: {stored:?}");
}

/// Header auth with `token` is refused: HTTP 401 before the upgrade, or close 1008 after it.
async fn header_refused(address: &str, token: &str) {
    match WsClient::open(address, ConnectOptions::header(token)).await {
        Err(e) => assert_eq!(e.status(), Some(401), "{e:?}"),
        Ok(mut ws) => {
            assert_eq!(ws.expect_close(CLOSE_TIMEOUT).await, Some(1008), "token {token:?}");
            assert!(ws.drain().iter().all(|e| e["type"] != "ready"));
        }
    }
}

/// First-frame auth with `token` is refused with close 1008.
async fn frame_refused(address: &str, token: &str) {
    let options = ConnectOptions {
        auth: Auth::FirstFrame(token.to_owned()),
        ..ConnectOptions::header("")
    };
    let mut ws = WsClient::open(address, options).await.expect("upgrade");
    assert_eq!(ws.expect_close(CLOSE_TIMEOUT).await, Some(1008), "token {token:?}");
    assert!(ws.drain().iter().all(|e| e["type"] != "ready"));
}

#[tokio::test]
async fn invalid_expired_forged_and_revoked_tokens_are_refused() {
    let w = world(Bus::Local).await;
    let address = w.d.node(0).to_owned();
    let good = w.li.token.clone().expect("token");
    let claims = claims_of(&good);
    let now = chrono::Utc::now().timestamp();
    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["exp"] = json!(now - 60);
    let bad_tokens = [
        "garbage".to_owned(),
        "not.a.jwt".to_owned(),
        forge(&expired, TEST_JWT_SECRET),
        forge(&claims, "some-other-secret-some-other-secret-123456"),
    ];
    for token in &bad_tokens {
        header_refused(&address, token).await;
        frame_refused(&address, token).await;
    }
    // a deactivated user's unexpired token stops working at once
    let victim = w.d.user("dr_leaving").await;
    let token = victim.token.clone().expect("token");
    fixtures::deactivate(&w.d.admin, &victim).await;
    header_refused(&address, &token).await;
    frame_refused(&address, &token).await;
    // the same claims signed with the right secret still work (the forging is sound)
    let ws = WsClient::connect(&address, &forge(&claims, TEST_JWT_SECRET)).await;
    assert_eq!(ws.ready["user_id"], w.li.user_id());
}

#[tokio::test]
async fn origins_outside_the_allow_list_are_refused_before_the_upgrade() {
    let w = world(Bus::Local).await;
    let token = w.li.token.clone().expect("token");
    for origin in ["http://evil.example", "http://allowed.example.evil.example", "null"] {
        match WsClient::connect_with_origin(w.d.node(0), &token, origin).await {
            Err(e) => assert_eq!(e.status(), Some(403), "origin {origin}: {e:?}"),
            Ok(_) => panic!("origin {origin} was let in"),
        }
    }
    let allowed = WsClient::connect_with_origin(w.d.node(0), &token, "http://allowed.example")
        .await
        .expect("the allowed origin is let in");
    assert_eq!(allowed.ready["user_id"], w.li.user_id());
    // a browser from the allowed origin authenticating by first frame
    let options = ConnectOptions {
        auth: Auth::FirstFrame(token.clone()),
        origin: Some("http://allowed.example".into()),
        ..ConnectOptions::header("")
    };
    let browser = WsClient::connect_with(w.d.node(0), options).await;
    assert_eq!(browser.ready["user_id"], w.li.user_id());
    // no Origin at all: a non-browser client, allowed
    let cli = WsClient::connect(w.d.node(0), &token).await;
    assert_eq!(cli.ready["user_id"], w.li.user_id());
}

#[tokio::test]
async fn a_burst_of_reconnects_takes_turns_building_ready_and_every_socket_gets_there() {
    // one snapshot at a time: thirty sockets queue for their turn
    let w = world_with(Bus::Local, &[("WS_HANDSHAKE_CONCURRENCY", "1")]).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let burst = (0..30).map(|_| w.d.ws(&w.li, 0));
    let mut sockets = futures_util::future::join_all(burst).await;
    let ack = lead.send_message(&w.channel, "after-burst", "大家都回来了").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for ws in &mut sockets {
        let got = ws.expect_messages(&w.channel, 1, Duration::from_secs(10)).await;
        assert_eq!(got[0]["client_msg_id"], "after-burst");
    }
}
