//! Membership is live: roster changes open and close a team channel for the
//! user's sockets at once, with no subscribe step and no reconnect.

use consilium_tests::fixtures;
use consilium_tests::ws::{answer_to, any_message, message_in};
use serde_json::{Value, json};

use crate::support::{Bus, QUIET, on_every_bus, ready_conversation, world};

fn roster_changed(team: &str, user: &str) -> impl Fn(&Value) -> bool + use<> {
    let (team, user) = (team.to_owned(), user.to_owned());
    move |v| v["type"] == "roster_changed" && v["team_id"] == team.as_str() && v["user_id"] == user.as_str()
}

fn conversation_added(conversation: &str) -> impl Fn(&Value) -> bool + use<> {
    let conv = conversation.to_owned();
    move |v| v["type"] == "conversation_added" && v["conversation"]["id"] == conv.as_str()
}

fn conversation_removed(conversation: &str) -> impl Fn(&Value) -> bool + use<> {
    let conv = conversation.to_owned();
    move |v| v["type"] == "conversation_removed" && v["conversation_id"] == conv.as_str()
}

async fn adding_a_member_opens_the_channel_live(bus: Bus) {
    let w = world(bus).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    lead.send_message(&w.channel, "before-join", "新成员加入前的消息").await;
    lead.expect_message(&w.channel).await; // the sender's own copy
    let newcomer = w.d.user("dr_sun").await;
    let mut sun = w.d.ws(&newcomer, 1).await;
    assert!(ready_conversation(&sun.ready, &w.channel).is_none(), "{}", sun.ready);

    fixtures::add_member(&w.d.admin, &w.team, &newcomer, "grassroots").await;
    let added = sun.expect(conversation_added(&w.channel)).await;
    assert_eq!(added["conversation"]["kind"], "team");
    assert_eq!(added["conversation"]["team_id"], w.team);
    assert_eq!(added["conversation"]["last_seq"], 1);
    let change = lead.expect(roster_changed(&w.team, &newcomer.user_id())).await;
    assert_eq!(change["role"], "grassroots");

    // no subscribe step: the next message reaches the newcomer's open socket
    lead.send_message(&w.channel, "welcome", "欢迎孙医生加入").await;
    lead.expect_message(&w.channel).await;
    assert_eq!(sun.expect_message(&w.channel).await["client_msg_id"], "welcome");
    let ack = sun
        .send_message(&w.channel, "hello", "大家好，我是乡镇卫生院的孙医生")
        .await;
    assert_eq!(ack["seq"], 3);
    assert_eq!(lead.expect_message(&w.channel).await["client_msg_id"], "hello");
    assert_eq!(sun.expect_message(&w.channel).await["client_msg_id"], "hello");
    // and the channel's history is theirs to read
    assert_eq!(sun.sync(&[(w.channel.as_str(), 0)]).await.len(), 3);

    // a role change is announced with the new role
    fixtures::add_member(&w.d.on(&w.d.admin, 1), &w.team, &newcomer, "specialist").await;
    let change = lead.expect(roster_changed(&w.team, &newcomer.user_id())).await;
    assert_eq!(change["role"], "specialist");
    sun.expect_no_event(conversation_added(&w.channel), QUIET).await;
}

async fn removing_a_member_stops_delivery_at_once(bus: Bus) {
    let w = world(bus).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let mut li = w.d.ws(&w.li, 1).await;
    let mut liu = w.d.ws(&w.liu, 0).await;
    lead.send_message(&w.channel, "before", "移除之前").await;
    li.expect_message(&w.channel).await;
    liu.expect_message(&w.channel).await;

    // the lead removes li through the other node
    fixtures::remove_member(&w.d.on(&w.lead, 1), &w.team, &w.li).await;
    li.expect(conversation_removed(&w.channel)).await;
    let change = lead.expect(roster_changed(&w.team, &w.li.user_id())).await;
    assert!(change["role"].is_null(), "someone who left has no role: {change}");

    lead.send_message(&w.channel, "after", "移除之后，李医生不应再看到")
        .await;
    assert_eq!(liu.expect_message(&w.channel).await["client_msg_id"], "after");
    li.expect_no_event(any_message, QUIET).await;

    let refused = li.try_send_message(&w.channel, "sneak", "我还在吗").await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "not_found");
    let r = w.li.get(&format!("/api/v1/conversations/{}/messages", w.channel)).await;
    assert_eq!(r.status, 404, "{}", r.body);
    li.send(json!({ "type": "sync", "id": "gone", "cursors": { w.channel.clone(): 0 } }))
        .await;
    li.expect(answer_to("gone")).await;
    li.expect_no_event(message_in(&w.channel), QUIET).await;

    // back on the roster: the channel returns, with what was said meanwhile
    fixtures::add_member(&w.d.admin, &w.team, &w.li, "specialist").await;
    li.expect(conversation_added(&w.channel)).await;
    let missed = li.sync(&[(w.channel.as_str(), 1)]).await;
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0]["client_msg_id"], "after");
    lead.send_message(&w.channel, "welcome-back", "欢迎回来").await;
    assert_eq!(li.expect_message(&w.channel).await["client_msg_id"], "welcome-back");
}

on_every_bus!(
    adding_a_member_opens_the_channel_live,
    removing_a_member_stops_delivery_at_once
);
