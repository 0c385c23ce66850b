//! Ephemeral events: typing, read positions and presence, on every bus.

use consilium_tests::USER_PASSWORD;
use consilium_tests::ws::{WsClient, any_presence_of, of_type, presence_of};
use consilium_tests::{Api, fixtures};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{Bus, QUIET, my_conversation, numbered, on_every_bus, world};

fn typing_by(conversation: &str, user: &str) -> impl Fn(&Value) -> bool + use<> {
    let (conv, user) = (conversation.to_owned(), user.to_owned());
    move |v| v["type"] == "typing" && v["conversation_id"] == conv.as_str() && v["user_id"] == user.as_str()
}

fn read_by(conversation: &str, user: &str, seq: i64) -> impl Fn(&Value) -> bool + use<> {
    let (conv, user) = (conversation.to_owned(), user.to_owned());
    move |v| {
        v["type"] == "read" && v["conversation_id"] == conv.as_str() && v["user_id"] == user.as_str() && v["seq"] == seq
    }
}

async fn typing_reaches_the_others_but_not_the_typist(bus: Bus) {
    let w = world(bus).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut lead = w.d.ws(&w.lead, 1).await;
    let mut liu = w.d.ws(&w.liu, 0).await;
    let mut outsider = w.d.ws(&w.outsider, 1).await;

    li.send(json!({ "type": "typing", "conversation_id": w.channel })).await;
    lead.expect(typing_by(&w.channel, &w.li.user_id())).await;
    liu.expect(typing_by(&w.channel, &w.li.user_id())).await;
    join_all([
        li.expect_no_event(of_type("typing"), QUIET),
        outsider.expect_no_event(of_type("typing"), QUIET),
    ])
    .await;
    // typing is not a message and is never stored
    assert_eq!(
        crate::support::history(&w.lead, &w.channel, "after_seq=0").await.len(),
        0
    );
}

async fn read_positions_reach_the_members(bus: Bus) {
    let w = world(bus).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let mut li = w.d.ws(&w.li, 1).await;
    let mut li_again = w.d.ws(&w.li, 0).await;
    let mut outsider = w.d.ws(&w.outsider, 1).await;
    for (id, body) in numbered("case", 3) {
        lead.send_message(&w.channel, &id, &body).await;
    }

    li.send(json!({ "type": "read", "conversation_id": w.channel, "seq": 2 }))
        .await;
    let li_id = w.li.user_id();
    lead.expect(read_by(&w.channel, &li_id, 2)).await;
    // the reader's other sockets learn it too (to clear their unread badge)
    li_again.expect(read_by(&w.channel, &li_id, 2)).await;
    outsider.expect_no_event(of_type("read"), QUIET).await;

    let mine = my_conversation(&w.li, &w.channel).await.expect("channel listed");
    assert_eq!(mine["last_read_seq"], 2);
    assert_eq!(mine["unread"], 1);
    let detail = w.lead.get(&format!("/api/v1/conversations/{}", w.channel)).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let member = detail.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["user"]["id"] == li_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("dr_li not among the members: {}", detail.body));
    assert_eq!(member["last_read_seq"], 2);

    // read positions never move backwards
    li.send(json!({ "type": "read", "conversation_id": w.channel, "seq": 1 }))
        .await;
    li.ping().await;
    assert_eq!(
        my_conversation(&w.li, &w.channel).await.expect("listed")["last_read_seq"],
        2
    );
    lead.expect_no_event(read_by(&w.channel, &li_id, 1), QUIET).await;
}

async fn presence_follows_sockets_across_nodes(bus: Bus) {
    let w = world(bus).await;
    let li_id = w.li.user_id();
    let mut lead = w.d.ws(&w.lead, 0).await;
    let mut outsider = w.d.ws(&w.outsider, 0).await;

    let mut li_first = w.d.ws(&w.li, 1).await;
    lead.expect(presence_of(&li_id, "online")).await;
    li_first.send(json!({ "type": "presence", "status": "away" })).await;
    lead.expect(presence_of(&li_id, "away")).await;
    li_first.send(json!({ "type": "presence", "status": "online" })).await;
    lead.expect(presence_of(&li_id, "online")).await;

    // a second login on the other node; closing the first socket keeps li online
    let li_elsewhere = Api::new(w.d.node(0)).login("dr_li", USER_PASSWORD).await;
    let li_second = WsClient::connect_to(w.d.node(0), &li_elsewhere).await;
    li_first.close().await;
    lead.expect_no_event(presence_of(&li_id, "offline"), QUIET).await;
    let liu = w.d.ws(&w.liu, 1).await;
    let seen_by_liu = liu.ready["presence"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["user_id"] == li_id.as_str()).cloned())
        .unwrap_or_else(|| panic!("dr_li missing from dr_liu's presence: {}", liu.ready));
    assert_eq!(seen_by_liu["status"], "online");

    // the last socket going makes li offline, everywhere
    li_second.close().await;
    lead.expect(presence_of(&li_id, "offline")).await;
    outsider.expect_no_event(any_presence_of(&li_id), QUIET).await;
    let late = w.d.ws(&w.liu, 0).await;
    if let Some(p) = late.ready["presence"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["user_id"] == li_id.as_str()))
    {
        assert_eq!(p["status"], "offline", "{}", late.ready);
    }

    // presence is shared only between people who share a conversation
    let stranger = w.d.user("dr_stranger").await;
    let _stranger_ws = w.d.ws(&stranger, 1).await;
    lead.expect_no_event(any_presence_of(&stranger.user_id()), QUIET).await;
    // ... and flows once they do
    let newbie = w.d.user("dr_newbie").await;
    fixtures::add_member(&w.d.admin, &w.team, &newbie, "assistant").await;
    let _newbie_ws = w.d.ws(&newbie, 1).await;
    lead.expect(presence_of(&newbie.user_id(), "online")).await;
}

on_every_bus!(
    typing_reaches_the_others_but_not_the_typist,
    read_positions_reach_the_members,
    presence_follows_sockets_across_nodes,
);
