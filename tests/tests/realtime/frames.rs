//! Bad frames and limits: every refused frame gets an `error` and the socket
//! stays open, except the two the protocol closes for (a text frame over
//! 64 KiB: 1009; a consumer too slow to drain its queue: 1013).

use std::time::Duration;

use consilium_tests::fixtures;
use consilium_tests::ws::{ConnectOptions, WsClient, any_message, error_with_code, of_type, seqs};
use serde_json::{Value, json};

use crate::support::{Bus, Deployment, QUIET, history, numbered, on_one_node, one_to, post_message, world, world_with};

/// Asserts `answer` is an `error` with `code` (echoing `id` when given).
fn assert_error(answer: &Value, code: &str, id: Option<&str>) {
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], code, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
    if let Some(id) = id {
        assert_eq!(answer["id"], id, "{answer}");
    }
}

#[tokio::test]
async fn malformed_and_unknown_frames_are_invalid_and_the_socket_stays_open() {
    let w = world(Bus::Local).await;
    let mut ws = w.d.ws(&w.li, 0).await;
    let channel = &w.channel;
    let frames = [
        "{not json".to_owned(),
        "[1,2,3]".to_owned(),
        "\"hello\"".to_owned(),
        "{}".to_owned(),
        r#"{"type":"shout","id":"x1","text":"喂"}"#.to_owned(),
        r#"{"type":"SEND","id":"x2"}"#.to_owned(),
        r#"{"type":"send","id":"x3"}"#.to_owned(),
        r#"{"type":"send","id":"x4","conversation_id":"not-a-uuid","client_msg_id":"c","body":"b"}"#.to_owned(),
        format!(r#"{{"type":"read","id":"x5","conversation_id":"{channel}","seq":"three"}}"#),
        r#"{"type":"presence","status":"invisible"}"#.to_owned(),
        format!(r#"{{"type":"send","id":"x6","conversation_id":"{channel}","client_msg_id":"c6","body":42}}"#),
    ];
    for frame in frames {
        ws.send_raw_text(frame.clone()).await;
        let error = ws.expect(of_type("error")).await;
        assert_eq!(error["code"], "invalid", "frame {frame} → {error}");
        if let Some(id) = error["id"].as_str() {
            assert!(frame.contains(&format!("\"{id}\"")), "error id {id} for frame {frame}");
        }
    }
    ws.ping().await;
    ws.send_message(channel, "fine", "格式正确的消息照常发送").await;
    assert_eq!(
        history(&w.lead, channel, "after_seq=0").await.len(),
        1,
        "no bad frame stored anything"
    );
}

#[tokio::test]
async fn bodies_must_have_1_to_16000_characters() {
    let w = world(Bus::Local).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let id = "too-short";
    li.send(json!({ "type": "send", "id": id, "conversation_id": w.channel, "client_msg_id": "e1", "body": "" }))
        .await;
    assert_error(
        &li.expect(consilium_tests::ws::answer_to(id)).await,
        "invalid",
        Some(id),
    );

    // characters, not bytes: 16,000 CJK characters are 48,000 bytes and fit a frame
    let longest = "胸".repeat(16_000);
    let too_long = "胸".repeat(16_001);
    let refused = li.try_send_message(&w.channel, "e2", &too_long).await;
    assert_error(&refused, "invalid", None);
    li.ping().await;
    let ack = li.send_message(&w.channel, "max", &longest).await;
    assert_eq!(ack["seq"], 1);
    let m = lead.expect_message(&w.channel).await;
    assert_eq!(m["body"].as_str().map(|b| b.chars().count()), Some(16_000));

    // the REST send applies the same rule
    let path = format!("/api/v1/conversations/{}/messages", w.channel);
    for body in ["", too_long.as_str()] {
        let r =
            w.li.post(&path, &json!({ "client_msg_id": "rest-bad", "body": body }))
                .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.error_code(), "invalid");
    }
    assert_eq!(history(&w.lead, &w.channel, "after_seq=0").await.len(), 1);
    lead.expect_no_event(any_message, QUIET).await;
}

#[tokio::test]
async fn frames_about_conversations_the_user_is_not_in_are_not_found() {
    let w = world(Bus::Local).await;
    let other_team = fixtures::create_team(&w.d.admin, "别的团队", &w.outsider).await;
    let other = fixtures::team_channel(&w.outsider, &other_team).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut outsider = w.d.ws(&w.outsider, 0).await;

    let unknown = uuid::Uuid::now_v7().to_string();
    for conv in [&other, &unknown] {
        let answer = li.try_send_message(conv, "probe", "这条不该送达").await;
        assert_error(&answer, "not_found", None);
        for frame in [
            json!({ "type": "typing", "conversation_id": conv }),
            json!({ "type": "read", "conversation_id": conv, "seq": 1 }),
        ] {
            li.send(frame.clone()).await;
            let error = li.expect(error_with_code("not_found")).await;
            assert_eq!(error["type"], "error", "{frame} → {error}");
        }
    }
    li.ping().await;
    outsider
        .expect_no_event(
            |v| matches!(v["type"].as_str(), Some("message" | "typing" | "read")),
            QUIET,
        )
        .await;
    let stored = history(&w.outsider, &other, "after_seq=0").await;
    assert!(stored.is_empty(), "{stored:?}");
}

#[tokio::test]
async fn a_text_frame_over_64_kib_closes_with_1009() {
    let w = world(Bus::Local).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let frame = json!({
        "type": "send", "id": "huge", "conversation_id": w.channel,
        "client_msg_id": "huge", "body": "a".repeat(70 * 1024),
    })
    .to_string();
    assert!(frame.len() > 64 * 1024);
    // the server may close before it has read the whole frame
    let _ = li.try_send_raw_text(frame).await;
    assert_eq!(li.expect_close(Duration::from_secs(5)).await, Some(1009));
    assert!(li.drain().iter().all(|e| e["type"] != "ack"));
    assert!(history(&w.lead, &w.channel, "after_seq=0").await.is_empty());
    lead.ping().await;
}

/// A raw websocket on node 0 (upgraded with `token` when given), for frames
/// no well-behaved client library would write.
async fn raw_socket(d: &Deployment, token: Option<&str>) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = d.node(0).trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&host).await.expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "GET /api/v1/ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("upgrade request");
    let mut head = Vec::new();
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            tcp.read(&mut byte).await.expect("upgrade response"),
            1,
            "closed during the upgrade"
        );
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    tcp
}

/// The close code of the first close frame the server sends (within 5 s).
async fn close_code_of(tcp: &mut tokio::net::TcpStream) -> Option<u16> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        // server frames are unmasked: a close is 0x88, its length, then the code
        if let Some(i) = seen.iter().position(|b| *b == 0x88)
            && seen.len() >= i + 4
        {
            return Some(u16::from_be_bytes([seen[i + 2], seen[i + 3]]));
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
}

#[tokio::test]
async fn a_frame_announcing_10_mb_is_refused_from_its_header_before_its_payload() {
    use tokio::io::AsyncWriteExt;
    let w = world(Bus::Local).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    // a masked text frame header announcing 10 MiB, then only 1 KiB of it: the
    // server must not wait for the rest before it refuses the frame
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(10u64 * 1024 * 1024).to_be_bytes());
    header.extend_from_slice(&[7, 7, 7, 7]);
    header.extend(std::iter::repeat_n(b'a', 1024));
    for token in [w.li.token.as_deref(), None] {
        let mut tcp = raw_socket(&w.d, token).await;
        tcp.write_all(&header).await.expect("the header");
        assert_eq!(
            close_code_of(&mut tcp).await,
            Some(1009),
            "signed in: {}",
            token.is_some()
        );
    }
    // the node serves everyone else as before
    lead.ping().await;
    let ack = lead.send_message(&w.channel, "after", "大帧之后").await;
    assert_eq!(ack["type"], "ack", "{ack}");
}

#[tokio::test]
async fn sends_over_the_rate_limit_are_refused_and_the_socket_stays_open() {
    let w = world_with(Bus::Local, &[("WS_SEND_RATE_PER_SEC", "1"), ("WS_SEND_BURST", "3")]).await;
    let mut li = w.d.ws(&w.li, 0).await;
    let mut lead = w.d.ws(&w.lead, 0).await;
    let answers = li.send_pipelined(&w.channel, &numbered("flood", 10)).await;
    let acked = answers.iter().filter(|a| a["type"] == "ack").count();
    for a in answers.iter().filter(|a| a["type"] != "ack") {
        assert_error(a, "rate_limited", None);
    }
    assert!(
        (3..=5).contains(&acked),
        "burst 3 at 1/s: {acked} of 10 accepted: {answers:?}"
    );
    li.ping().await;

    let delivered = lead.expect_messages(&w.channel, acked, Duration::from_secs(5)).await;
    assert_eq!(
        seqs(&delivered),
        one_to(acked as i64),
        "only accepted sends are stored and delivered"
    );
    lead.expect_no_event(any_message, QUIET).await;

    // the bucket refills (waiting out the refill is the point here, not synchronisation)
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ack = li.send_message(&w.channel, "later", "过一会儿再发").await;
    assert_eq!(ack["seq"], acked as i64 + 1);
    assert_eq!(history(&w.lead, &w.channel, "after_seq=0").await.len(), acked + 1);
}

/// A consumer that stops reading is closed with 1013 once its queue (16 here)
/// overflows, while everyone else keeps getting everything; it reconnects and
/// `sync` gives it exactly what it missed.
async fn a_slow_consumer_is_closed_with_1013_and_recovers_by_sync(bus: Bus) {
    // sends are not what is limited here
    let env = [
        ("WS_OUTBOUND_QUEUE", "16"),
        ("WS_SEND_RATE_PER_SEC", "10000"),
        ("WS_SEND_BURST", "10000"),
    ];
    let w = world_with(bus, &env).await;
    let token = w.li.token.clone().expect("token");
    let mut slow = WsClient::connect_with(
        w.d.node(0),
        ConnectOptions {
            recv_buffer: Some(4096),
            label: Some("slow dr_li".into()),
            ..ConnectOptions::header(&token)
        },
    )
    .await;
    let mut lead = w.d.ws(&w.lead, 0).await;

    // ~45 KB per event: enough to fill the kernel's socket buffers and then the queue
    const N: i64 = 200;
    let body = "慢".repeat(15_000);
    let flood = async {
        for i in 1..=N {
            post_message(&w.liu, &w.channel, &format!("flood-{i}"), &body).await;
        }
    };
    // a fast reader, reading while the flood goes on, gets them all live
    let ((), all) = tokio::join!(
        flood,
        lead.expect_messages(&w.channel, N as usize, Duration::from_secs(90))
    );
    assert_eq!(seqs(&all), one_to(N));
    lead.ping().await;

    // the slow one finally reads: a gapless prefix, then 1013
    assert_eq!(slow.expect_close(Duration::from_secs(60)).await, Some(1013));
    let got: Vec<Value> = slow
        .take_matching(|v| v["type"] == "message")
        .into_iter()
        .map(|e| e["message"].clone())
        .collect();
    let k = got.len() as i64;
    assert!(
        k < N,
        "the consumer was closed after it fell behind, not after everything"
    );
    assert_eq!(seqs(&got), one_to(k), "what did arrive is a gapless prefix");

    let mut again = w.d.ws(&w.li, 0).await;
    let rest = again.sync(&[(w.channel.as_str(), k)]).await;
    assert_eq!(seqs(&rest), (k + 1..=N).collect::<Vec<_>>());
    again.ping().await;
}

on_one_node!(a_slow_consumer_is_closed_with_1013_and_recovers_by_sync);
