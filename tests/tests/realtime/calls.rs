//! Video consults (SPEC §9): calls ring every member, signalling reaches
//! exactly one socket on whichever node it lives and only between joined
//! participants, sockets that go (or whose node dies) leave, and the call's
//! start and end are written into the thread.

use std::time::Duration;

use consilium_tests::http::Resp;
use consilium_tests::node::{Cluster, ClusterOptions};
use consilium_tests::ws::WsClient;
use serde_json::{Value, json};

use crate::support::{Bus, Deployment, QUIET, World, history, on_every_bus, world, world_on, world_with};

fn assert_reason(r: &Resp, status: u16, reason: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], reason, "{what}: {}", r.body);
}

fn connection(ws: &WsClient) -> String {
    ws.ready["connection_id"]
        .as_str()
        .expect("ready carries connection_id")
        .to_owned()
}

fn call_event(kind: &'static str, call: &str) -> impl Fn(&Value) -> bool + use<> {
    let call = call.to_owned();
    move |e| e["type"] == kind && e["call"]["id"] == call.as_str()
}

fn signal_from(connection: &str) -> impl Fn(&Value) -> bool + use<> {
    let connection = connection.to_owned();
    move |e| e["type"] == "signal" && e["from_connection_id"] == connection.as_str()
}

fn is_signal(e: &Value) -> bool {
    e["type"] == "signal"
}

/// Live (not left) participants' user ids.
fn live(call: &Value) -> Vec<String> {
    call["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter(|p| p["left_at"].is_null())
        .map(|p| p["user_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn start(api: &consilium_tests::Api, conversation: &str, ws: Option<&WsClient>) -> Resp {
    let body = match ws {
        Some(ws) => json!({ "connection_id": connection(ws) }),
        None => json!({}),
    };
    api.post(&format!("/api/v1/conversations/{conversation}/calls"), &body)
        .await
}

async fn join(api: &consilium_tests::Api, call: &str, ws: &WsClient) -> Resp {
    api.post(
        &format!("/api/v1/calls/{call}/join"),
        &json!({ "connection_id": connection(ws) }),
    )
    .await
}

fn signal(call: &str, to: &str, data: Value) -> Value {
    json!({ "type": "signal", "call_id": call, "to_connection_id": to, "data": data })
}

/// The lead calls from node 0; the team rings on both nodes; a specialist
/// joins from node 1; an SDP offer and answer cross the nodes to exactly
/// the addressed socket; leaving ends the call, and the thread records its
/// start and end.
async fn a_call_rings_the_team_relays_signals_and_is_recorded(bus: Bus) {
    let w = world(bus).await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let mut li_ws = w.d.ws(&w.li, 1).await;
    let mut liu_ws = w.d.ws(&w.liu, 0).await;
    assert_ne!(connection(&lead_ws), connection(&li_ws), "each socket has its own id");
    assert_eq!(lead_ws.ready["live_calls"], json!([]));

    let started = start(&w.d.on(&w.lead, 0), &w.channel, Some(&lead_ws)).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let call = started.body["id"].as_str().expect("call id").to_owned();
    assert_eq!(started.body["conversation_id"], w.channel.as_str());
    assert_eq!(started.body["started_by"], w.lead.user_id().as_str());
    assert_eq!(live(&started.body), vec![w.lead.user_id()], "the caller is in at once");
    assert_eq!(started.body["max_participants"], 6);

    for ws in [&mut li_ws, &mut liu_ws] {
        let rung = ws.expect(call_event("call_started", &call)).await;
        assert_eq!(rung["call"]["started_by"], w.lead.user_id().as_str());
        let note = ws
            .expect(|e| e["type"] == "notification" && e["notification"]["kind"] == "call")
            .await;
        assert_eq!(note["notification"]["link"]["call_id"], call.as_str());
        assert_eq!(note["notification"]["link"]["conversation_id"], w.channel.as_str());
    }
    lead_ws.expect_no_event(|e| e["type"] == "notification", QUIET).await;
    // a socket opened now sees the live call in its snapshot
    let late = w.d.ws(&w.liu, 1).await;
    assert_eq!(late.ready["live_calls"][0]["id"], call.as_str(), "{}", late.ready);
    late.close().await;

    let joined = join(&w.d.on(&w.li, 1), &call, &li_ws).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(live(&joined.body), vec![w.lead.user_id(), w.li.user_id()]);
    lead_ws.expect(call_event("call_updated", &call)).await;

    // an offer from the lead's socket reaches li's socket, on the other node, and nobody else
    let offer = json!({ "kind": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" });
    lead_ws.send(signal(&call, &connection(&li_ws), offer.clone())).await;
    let got = li_ws.expect(signal_from(&connection(&lead_ws))).await;
    assert_eq!(got["call_id"], call.as_str());
    assert_eq!(got["from_user_id"], w.lead.user_id().as_str());
    assert_eq!(got["data"], offer);
    li_ws
        .send(signal(
            &call,
            &connection(&lead_ws),
            json!({ "kind": "answer", "sdp": "v=0" }),
        ))
        .await;
    let answer = lead_ws.expect(signal_from(&connection(&li_ws))).await;
    assert_eq!(answer["data"]["kind"], "answer");
    liu_ws.expect_no_event(is_signal, QUIET).await;

    // li leaves; the lead, last one in, leaves: the call ends for everyone
    let left =
        w.d.on(&w.li, 1)
            .post(&format!("/api/v1/calls/{call}/leave"), &json!({}))
            .await;
    assert_eq!(left.status, 200, "{}", left.body);
    assert_eq!(live(&left.body), vec![w.lead.user_id()]);
    assert!(left.body["ended_at"].is_null());
    let left =
        w.d.on(&w.lead, 0)
            .post(&format!("/api/v1/calls/{call}/leave"), &json!({}))
            .await;
    assert_eq!(left.status, 200, "{}", left.body);
    assert!(left.body["ended_at"].is_string(), "{}", left.body);
    for ws in [&mut lead_ws, &mut li_ws, &mut liu_ws] {
        ws.expect(call_event("call_ended", &call)).await;
    }
    // signalling in an ended call is refused
    let refused = lead_ws
        .request(signal(&call, &connection(&li_ws), json!({ "kind": "candidate" })))
        .await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["reason"], "call_ended", "{refused}");

    let thread = history(&w.lead, &w.channel, "after_seq=0").await;
    let systems: Vec<&Value> = thread.iter().filter(|m| m["kind"] == "system").collect();
    assert_eq!(systems.len(), 2, "{thread:?}");
    assert_eq!(systems[0]["system"]["event"], "call_started");
    assert_eq!(systems[0]["system"]["call_id"], call.as_str());
    assert_eq!(systems[0]["system"]["started_by_name"], "Dr dr_wang");
    assert_eq!(systems[1]["system"]["event"], "call_ended");
    assert_eq!(
        systems[1]["system"]["participant_names"],
        json!(["Dr dr_wang", "Dr dr_li"])
    );
    assert!(systems[1]["system"]["duration_secs"].as_i64().is_some_and(|d| d >= 0));
    assert!(systems[0]["seq"].as_i64() < systems[1]["seq"].as_i64());

    let audit = w.d.audit("call.start").await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["target_id"], call.as_str());
    let audit = w.d.audit("call.end").await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(
        audit[0]["detail"]["participants"],
        json!([w.lead.user_id(), w.li.user_id()])
    );
}

/// Signals are authorised frame by frame: only from a joined socket, only
/// to a joined socket of the same call; nothing is relayed otherwise.
async fn signals_go_only_between_joined_sockets(bus: Bus) {
    let w = world(bus).await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let mut li_ws = w.d.ws(&w.li, 1).await;
    let mut liu_ws = w.d.ws(&w.liu, 1).await;
    let call = start(&w.d.on(&w.lead, 0), &w.channel, Some(&lead_ws)).await.body["id"]
        .as_str()
        .expect("call")
        .to_owned();
    assert_eq!(join(&w.d.on(&w.li, 1), &call, &li_ws).await.status, 200);

    // to a member who has not joined
    let e = lead_ws
        .request(signal(&call, &connection(&liu_ws), json!({ "kind": "offer" })))
        .await;
    assert_eq!(
        (e["type"].as_str(), e["reason"].as_str()),
        (Some("error"), Some("not_in_call")),
        "{e}"
    );
    // from a member who has not joined
    let e = liu_ws
        .request(signal(&call, &connection(&lead_ws), json!({ "kind": "offer" })))
        .await;
    assert_eq!(e["reason"], "not_in_call", "{e}");
    // to an unknown socket, to oneself, to an unknown call
    let e = lead_ws
        .request(signal(&call, &uuid::Uuid::new_v4().to_string(), json!({})))
        .await;
    assert_eq!(e["reason"], "not_in_call", "{e}");
    let e = lead_ws.request(signal(&call, &connection(&lead_ws), json!({}))).await;
    assert_eq!(e["reason"], "not_in_call", "{e}");
    let e = lead_ws
        .request(signal(
            &uuid::Uuid::new_v4().to_string(),
            &connection(&li_ws),
            json!({}),
        ))
        .await;
    assert_eq!(e["reason"], "call_not_found", "{e}");
    // a frame without its fields
    let e = lead_ws.request(json!({ "type": "signal", "call_id": call })).await;
    assert_eq!(e["reason"], "malformed_frame", "{e}");
    // li's second socket (another device) is not in the call
    let mut li_phone = w.d.ws(&w.li, 0).await;
    let e = lead_ws.request(signal(&call, &connection(&li_phone), json!({}))).await;
    assert_eq!(e["reason"], "not_in_call", "{e}");
    li_ws.expect_no_event(is_signal, QUIET).await;
    li_phone.expect_no_event(is_signal, Duration::from_millis(50)).await;
    liu_ws.expect_no_event(is_signal, Duration::from_millis(50)).await;

    // joining from the phone moves li there: the old socket's stay ends
    let moved = join(&w.d.on(&w.li, 0), &call, &li_phone).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let li_stays: Vec<&Value> = moved.body["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter(|p| p["user_id"] == w.li.user_id().as_str())
        .collect();
    assert_eq!(li_stays.len(), 2, "{}", moved.body);
    assert!(
        li_stays[0]["left_at"].is_string() && li_stays[1]["left_at"].is_null(),
        "{}",
        moved.body
    );
    let e = lead_ws.request(signal(&call, &connection(&li_ws), json!({}))).await;
    assert_eq!(e["reason"], "not_in_call", "{e}");
    lead_ws
        .send(signal(&call, &connection(&li_phone), json!({ "kind": "offer" })))
        .await;
    li_phone.expect(signal_from(&connection(&lead_ws))).await;
    li_ws.expect_no_event(is_signal, QUIET).await;
}

/// A participant whose socket closes leaves at once; when the last one
/// goes, the call ends.
async fn a_closed_socket_leaves_and_the_last_one_ends_the_call(bus: Bus) {
    let w = world(bus).await;
    let mut liu_ws = w.d.ws(&w.liu, 0).await;
    let lead_ws = w.d.ws(&w.lead, 0).await;
    let li_ws = w.d.ws(&w.li, 1).await;
    let call = start(&w.d.on(&w.lead, 0), &w.channel, Some(&lead_ws)).await.body["id"]
        .as_str()
        .expect("call")
        .to_owned();
    assert_eq!(join(&w.d.on(&w.li, 1), &call, &li_ws).await.status, 200);
    liu_ws.expect(call_event("call_updated", &call)).await;

    li_ws.close().await;
    let update = liu_ws.expect(call_event("call_updated", &call)).await;
    assert_eq!(live(&update["call"]), vec![w.lead.user_id()], "{update}");
    lead_ws.close().await;
    let ended = liu_ws.expect(call_event("call_ended", &call)).await;
    assert!(ended["call"]["ended_at"].is_string(), "{ended}");
}

/// A call rings; in a direct conversation the callee declining ends it,
/// in a group the others talk on and the decliner's devices stop ringing.
async fn declining(bus: Bus) {
    let w = world(bus).await;
    let mut lead_ws = w.d.ws(&w.lead, 0).await;
    let mut li_ws = w.d.ws(&w.li, 1).await;
    let direct =
        w.d.on(&w.lead, 0)
            .post(&format!("/api/v1/direct/{}", w.li.user_id()), &json!({}))
            .await;
    assert!(direct.status == 200 || direct.status == 201, "{}", direct.body);
    let direct = direct.body["id"].as_str().expect("direct").to_owned();
    let call = start(&w.d.on(&w.lead, 0), &direct, Some(&lead_ws)).await.body["id"]
        .as_str()
        .expect("call")
        .to_owned();
    li_ws.expect(call_event("call_started", &call)).await;
    let declined =
        w.d.on(&w.li, 1)
            .post(&format!("/api/v1/calls/{call}/decline"), &json!({}))
            .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert_eq!(declined.body["declined_by"], json!([w.li.user_id()]));
    assert!(
        declined.body["ended_at"].is_string(),
        "a declined 1:1 call ends: {}",
        declined.body
    );
    let ended = lead_ws.expect(call_event("call_ended", &call)).await;
    assert_eq!(ended["call"]["declined_by"], json!([w.li.user_id()]));
    assert_reason(
        &w.d.on(&w.li, 1)
            .post(&format!("/api/v1/calls/{call}/decline"), &json!({}))
            .await,
        409,
        "call_ended",
        "declining an ended call",
    );

    // in the team channel li declines and the call goes on
    let group = start(&w.d.on(&w.lead, 0), &w.channel, Some(&lead_ws)).await.body["id"]
        .as_str()
        .expect("call")
        .to_owned();
    let declined =
        w.d.on(&w.li, 0)
            .post(&format!("/api/v1/calls/{group}/decline"), &json!({}))
            .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert!(declined.body["ended_at"].is_null(), "{}", declined.body);
    let update = li_ws.expect(call_event("call_updated", &group)).await;
    assert_eq!(update["call"]["declined_by"], json!([w.li.user_id()]));
}

on_every_bus!(
    a_call_rings_the_team_relays_signals_and_is_recorded,
    signals_go_only_between_joined_sockets,
    a_closed_socket_leaves_and_the_last_one_ends_the_call,
    declining,
);

/// Every bad request answers a clear 4xx and changes nothing.
#[tokio::test]
async fn bad_requests_are_refused_with_reasons() {
    let w = world_with(Bus::Local, &[("CALL_MAX_PARTICIPANTS", "2")]).await;
    let lead_ws = w.d.ws(&w.lead, 0).await;
    let li_ws = w.d.ws(&w.li, 0).await;
    let liu_ws = w.d.ws(&w.liu, 0).await;
    let outsider_ws = w.d.ws(&w.outsider, 0).await;

    // an outsider cannot start, see or join
    assert_reason(
        &start(&w.outsider, &w.channel, Some(&outsider_ws)).await,
        404,
        "conversation_not_found",
        "outsider starts",
    );
    // a socket that is not the caller's, an unknown one, a malformed body
    assert_reason(
        &start(&w.lead, &w.channel, Some(&li_ws)).await,
        400,
        "unknown_connection",
        "someone else's socket",
    );
    assert_reason(
        &w.lead
            .post(
                &format!("/api/v1/conversations/{}/calls", w.channel),
                &json!({ "connection_id": uuid::Uuid::new_v4() }),
            )
            .await,
        400,
        "unknown_connection",
        "an unknown socket",
    );
    assert_reason(
        &w.lead
            .post(
                &format!("/api/v1/conversations/{}/calls", w.channel),
                &json!({ "video": true }),
            )
            .await,
        400,
        "malformed_body",
        "an unknown field",
    );
    let r = w
        .lead
        .send_raw(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{}/calls", w.channel),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    assert_reason(&r, 400, "malformed_body", "not JSON");
    assert_eq!(w.d.audit("call.start").await.len(), 0, "nothing was started");

    // an empty body starts a call nobody has joined yet
    let started = w
        .lead
        .send_raw(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{}/calls", w.channel),
            "application/json",
            Vec::new(),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.body);
    let call = started.body["id"].as_str().expect("call").to_owned();
    assert_eq!(live(&started.body), Vec::<String>::new());

    // a second live call is refused, naming the live one
    let second = start(&w.li, &w.channel, Some(&li_ws)).await;
    assert_reason(&second, 409, "call_in_progress", "a second call");
    assert_eq!(second.body["error"]["call"]["id"], call.as_str(), "{}", second.body);

    assert_reason(
        &w.outsider.get(&format!("/api/v1/calls/{call}")).await,
        404,
        "call_not_found",
        "outsider reads",
    );
    assert_reason(
        &join(&w.outsider, &call, &outsider_ws).await,
        404,
        "call_not_found",
        "outsider joins",
    );
    assert_reason(
        &w.lead.get(&format!("/api/v1/calls/{}", uuid::Uuid::new_v4())).await,
        404,
        "call_not_found",
        "unknown call",
    );
    assert_eq!(w.lead.get("/api/v1/calls/not-a-uuid").await.status, 400);
    assert_reason(
        &join(&w.lead, &call, &li_ws).await,
        400,
        "unknown_connection",
        "joining with li's socket",
    );
    assert_reason(
        &w.lead.post(&format!("/api/v1/calls/{call}/join"), &json!({})).await,
        400,
        "malformed_body",
        "join without connection_id",
    );

    // at most CALL_MAX_PARTICIPANTS (2 here)
    assert_eq!(join(&w.lead, &call, &lead_ws).await.status, 200);
    assert_eq!(join(&w.li, &call, &li_ws).await.status, 200);
    assert_reason(
        &join(&w.liu, &call, &liu_ws).await,
        409,
        "call_full",
        "a third participant",
    );
    // joining again from the same socket is no second seat
    let again = join(&w.li, &call, &li_ws).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(live(&again.body).len(), 2);

    // only the starter, the lead or an admin ends it for everyone
    assert_reason(
        &w.liu.post(&format!("/api/v1/calls/{call}/end"), &json!({})).await,
        403,
        "call_end_forbidden",
        "a member ends",
    );
    let ended = w.d.admin.post(&format!("/api/v1/calls/{call}/end"), &json!({})).await;
    assert_eq!(
        ended.status, 404,
        "an admin outside the conversation does not see it: {}",
        ended.body
    );
    let ended = w.lead.post(&format!("/api/v1/calls/{call}/end"), &json!({})).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert!(ended.body["ended_at"].is_string());
    assert_eq!(live(&ended.body), Vec::<String>::new());
    assert_reason(
        &join(&w.liu, &call, &liu_ws).await,
        409,
        "call_ended",
        "joining an ended call",
    );
    // ending or leaving twice answers the ended call
    assert_eq!(
        w.lead
            .post(&format!("/api/v1/calls/{call}/end"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        w.li.post(&format!("/api/v1/calls/{call}/leave"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(w.d.audit("call.end").await.len(), 1, "ended once");
}

/// ICE servers: STUN as configured, TURN with credentials in coturn's
/// `use-auth-secret` scheme; nothing without configuration.
#[tokio::test]
async fn ice_servers_carry_time_limited_turn_credentials() {
    let w = world(Bus::Local).await;
    let r = w.lead.get("/api/v1/calls/ice-servers").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ice_servers"], json!([]));
    assert_eq!(
        consilium_tests::Api::new(w.d.node(0))
            .get("/api/v1/calls/ice-servers")
            .await
            .status,
        401
    );

    let w = world_with(
        Bus::Local,
        &[
            ("STUN_URLS", "stun:stun.example.org:3478"),
            (
                "TURN_URLS",
                "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349",
            ),
            ("TURN_SECRET", "north-secret"),
            ("TURN_TTL_SECS", "600"),
        ],
    )
    .await;
    let r = w.lead.get("/api/v1/calls/ice-servers").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ttl_secs"], 600);
    assert_eq!(
        r.body["ice_servers"][0],
        json!({ "urls": ["stun:stun.example.org:3478"] })
    );
    let turn = &r.body["ice_servers"][1];
    assert_eq!(
        turn["urls"],
        json!([
            "turn:turn.example.org:3478?transport=udp",
            "turns:turn.example.org:5349"
        ])
    );
    let username = turn["username"].as_str().expect("username");
    let (expiry, user) = username.split_once(':').expect("expiry:user");
    assert_eq!(user, w.lead.user_id());
    let expiry: i64 = expiry.parse().expect("unix time");
    let now = chrono::Utc::now().timestamp();
    assert!((now + 590..=now + 610).contains(&expiry), "{expiry} vs {now}");
    assert!(turn["credential"].as_str().is_some_and(|c| c.len() == 28), "{turn}");
}

/// A participant's node dies: the others see them leave within the presence
/// TTL, and the call goes on; when every participant's node is gone the
/// call ends by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_nodes_participants_leave_within_the_presence_ttl() {
    let cluster = Cluster::start(ClusterOptions {
        nodes: 2,
        redis_url: None,
        env: vec![
            ("PRESENCE_TTL_MS".into(), "1500".into()),
            ("WS_HEARTBEAT_MS".into(), "400".into()),
        ],
    })
    .await;
    let mut w: World = world_on(Deployment::from_cluster(cluster)).await;
    let lead_ws = w.d.ws(&w.lead, 0).await;
    let li_ws = w.d.ws(&w.li, 1).await;
    let mut liu_ws = w.d.ws(&w.liu, 0).await;
    let call = start(&w.d.on(&w.lead, 0), &w.channel, Some(&lead_ws)).await.body["id"]
        .as_str()
        .expect("call")
        .to_owned();
    assert_eq!(join(&w.d.on(&w.li, 1), &call, &li_ws).await.status, 200);
    liu_ws.expect(call_event("call_updated", &call)).await;

    w.d.cluster_mut().expect("a cluster").nodes[1].kill().await;
    let li = w.li.user_id();
    let gone = liu_ws
        .wait_for(
            |e| e["type"] == "call_updated" && !live(&e["call"]).contains(&li),
            Duration::from_secs(15),
        )
        .await;
    let gone = gone.expect("li's stay ended after their node crashed");
    assert_eq!(live(&gone["call"]), vec![w.lead.user_id()]);
    assert!(gone["call"]["ended_at"].is_null());
    drop(li_ws);
    drop(lead_ws);
}
