//! Ending access ends live sockets: deactivation closes all of a user's
//! sockets on every node at once; logout and password changes close the
//! sessions they end.

use consilium_tests::ws::{ConnectOptions, WsClient, presence_of};
use consilium_tests::{Api, USER_PASSWORD, fixtures};
use serde_json::json;

use crate::support::{Bus, CLOSE_TIMEOUT, on_every_bus, world};

/// Asserts the server closes `ws` soon, with 1008 if it sends a close frame.
async fn closed_by_server(ws: &mut WsClient, why: &str) {
    let code = ws.expect_close(CLOSE_TIMEOUT).await;
    assert!(
        matches!(code, None | Some(1008)),
        "{why}: closed with {code:?}, expected 1008 (policy) or no close frame"
    );
}

async fn deactivation_closes_every_socket_on_every_node(bus: Bus) {
    let w = world(bus).await;
    let li_elsewhere = Api::new(w.d.node(1)).login("dr_li", USER_PASSWORD).await;
    let mut li_a = w.d.ws(&w.li, 0).await;
    let mut li_b = w.d.ws(&w.li, 1).await;
    let mut li_c = WsClient::connect_to(w.d.node(1), &li_elsewhere).await;
    let mut lead = w.d.ws(&w.lead, 0).await;

    fixtures::deactivate(&w.d.on(&w.d.admin, 1), &w.li).await;
    for ws in [&mut li_a, &mut li_b, &mut li_c] {
        closed_by_server(ws, "deactivated user's socket").await;
    }
    lead.expect(presence_of(&w.li.user_id(), "offline")).await;
    lead.ping().await;

    // the old token opens no new socket on either node
    for node in 0..2 {
        let token = w.li.token.clone().expect("token");
        match WsClient::open(w.d.node(node), ConnectOptions::header(&token)).await {
            Err(e) => assert_eq!(e.status(), Some(401), "{e:?}"),
            Ok(mut ws) => closed_by_server(&mut ws, "reconnect after deactivation").await,
        }
    }
}

async fn logout_closes_that_sessions_sockets_only(bus: Bus) {
    let w = world(bus).await;
    let other_session = Api::new(w.d.node(1)).login("dr_li", USER_PASSWORD).await;
    let mut here_a = w.d.ws(&w.li, 0).await;
    let mut here_b = w.d.ws(&w.li, 1).await;
    let mut there = WsClient::connect_to(w.d.node(1), &other_session).await;
    let mut lead = w.d.ws(&w.lead, 0).await;

    let r =
        w.li.post("/api/v1/auth/logout", &json!({ "refresh_token": w.li.refresh_token }))
            .await;
    assert_eq!(r.status, 204, "{}", r.body);
    closed_by_server(&mut here_a, "logged-out session, same node").await;
    closed_by_server(&mut here_b, "logged-out session, other node").await;

    there.ping().await;
    lead.send_message(&w.channel, "still-there", "另一个会话仍然在线").await;
    assert_eq!(there.expect_message(&w.channel).await["client_msg_id"], "still-there");
}

async fn a_password_change_closes_the_other_sessions_sockets(bus: Bus) {
    let w = world(bus).await;
    let elsewhere = Api::new(w.d.node(1)).login("dr_li", USER_PASSWORD).await;
    let mut here = w.d.ws(&w.li, 0).await;
    let mut there = WsClient::connect_to(w.d.node(1), &elsewhere).await;

    let r =
        w.li.put(
            "/api/v1/me/password",
            &json!({ "current_password": USER_PASSWORD, "new_password": "brand-new-pass" }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    closed_by_server(&mut there, "the other session's socket").await;
    // the session that changed the password lives on, socket included
    here.ping().await;
    let mut lead = w.d.ws(&w.lead, 1).await;
    lead.send_message(&w.channel, "pw", "改密码后仍能收到").await;
    assert_eq!(here.expect_message(&w.channel).await["client_msg_id"], "pw");
}

on_every_bus!(
    deactivation_closes_every_socket_on_every_node,
    logout_closes_that_sessions_sockets_only,
    a_password_change_closes_the_other_sessions_sockets,
);
