//! Webhooks (SPEC §7) against real HTTP receivers started by the test: signed
//! deliveries, retried until a 2xx, a hanging receiver delaying nothing else,
//! and the URLs and bodies that are refused.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{Bus, world_with};

const SECRET: &str = "paging-gateway-secret-0001";

/// What a receiver got: the signature header and the body.
type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// A receiver on 127.0.0.1 that answers 500 to its first `fail_first`
/// requests (or never answers, when `hang`), then 200.
async fn receiver(fail_first: usize, hang: bool) -> (String, Received) {
    let received: Received = Arc::default();
    let seen = received.clone();
    let calls = Arc::new(Mutex::new(0usize));
    let server = HttpServer::new(move || {
        let seen = seen.clone();
        let calls = calls.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let seen = seen.clone();
            let calls = calls.clone();
            async move {
                if hang {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                let n = {
                    let mut c = calls.lock().unwrap();
                    *c += 1;
                    *c
                };
                let signature = req
                    .headers()
                    .get("x-consilium-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let ok = {
                    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                    mac.update(&body);
                    signature == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
                };
                assert!(ok, "bad signature {signature} for {value}");
                seen.lock().unwrap().push((signature, value));
                if n <= fail_first {
                    HttpResponse::InternalServerError().finish()
                } else {
                    HttpResponse::Ok().finish()
                }
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/hook"), received)
}

async fn wait_for(received: &Received, what: impl Fn(&[(String, Value)]) -> bool, within: Duration) {
    let start = Instant::now();
    loop {
        if what(&received.lock().unwrap()) {
            return;
        }
        assert!(
            start.elapsed() < within,
            "waited {within:?}; received {:?}",
            received.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn events_of(received: &[(String, Value)], event: &str) -> Vec<Value> {
    received
        .iter()
        .filter(|(_, v)| v["event"] == event)
        .map(|(_, v)| v.clone())
        .collect()
}

#[tokio::test]
async fn escalations_and_urgent_messages_reach_a_gateway_signed_and_retried() {
    let w = world_with(
        Bus::Local,
        &[
            ("WEBHOOK_ALLOW_PRIVATE", "true"),
            ("WEBHOOK_RETRY_BASE_MS", "100"),
            ("WEBHOOK_POLL_MS", "50"),
            ("WEBHOOK_TIMEOUT_MS", "500"),
            ("DEADLINE_MINUTE_MS", "200"),
            ("ESCALATION_POLL_MS", "50"),
        ],
    )
    .await;
    let (url, received) = receiver(1, false).await;
    let (hanging_url, _) = receiver(0, true).await;
    let hook =
        w.d.admin
            .post(
                "/api/v1/webhooks",
                &json!({ "url": url, "events": ["escalation", "urgent_message"], "secret": SECRET }),
            )
            .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    assert!(hook.body.get("secret").is_none(), "the secret is never shown again");
    let hanging =
        w.d.admin
            .post(
                "/api/v1/webhooks",
                &json!({ "url": hanging_url, "events": ["urgent_message"], "secret": SECRET }),
            )
            .await;
    assert_eq!(hanging.status, 201);

    let sent = crate::support::post_message_with(
        &w.li,
        &w.channel,
        json!({ "client_msg_id": "e1", "body": "危急值：血钾 7.1", "priority": "emergency", "ack_required": true }),
    )
    .await;
    // the first attempt gets a 500, the retry a 200; the hanging receiver delays nothing
    wait_for(
        &received,
        |r| events_of(r, "urgent_message").len() >= 2,
        Duration::from_secs(10),
    )
    .await;
    let urgent = events_of(&received.lock().unwrap(), "urgent_message");
    assert_eq!(urgent[0]["id"], urgent[1]["id"], "a retry is the same delivery");
    assert_eq!(urgent[0]["data"]["message"]["seq"], sent["seq"]);
    assert_eq!(urgent[0]["data"]["sender"], "Dr dr_li");

    // nobody acknowledges: level 1 notifies, level 2 also reaches the gateway, once
    wait_for(
        &received,
        |r| !events_of(r, "escalation").is_empty(),
        Duration::from_secs(15),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let escalations = events_of(&received.lock().unwrap(), "escalation");
    assert_eq!(escalations.len(), 1, "{escalations:?}");
    assert_eq!(escalations[0]["data"]["level"], 2);
    assert_eq!(escalations[0]["data"]["subject"], "message");
    assert_eq!(escalations[0]["data"]["link"]["seq"], sent["seq"]);

    let log =
        w.d.admin
            .get(&format!(
                "/api/v1/webhooks/{}/deliveries",
                hook.body["id"].as_str().unwrap()
            ))
            .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|d| d["delivered_at"].is_string()), "{items:?}");
    let first = items.iter().find(|d| d["event"] == "urgent_message").unwrap();
    assert_eq!(first["attempts"], 2);
    assert_eq!(first["last_status"], 200);
    let stuck =
        w.d.admin
            .get(&format!(
                "/api/v1/webhooks/{}/deliveries",
                hanging.body["id"].as_str().unwrap()
            ))
            .await;
    let stuck = &stuck.body["items"][0];
    assert!(stuck["delivered_at"].is_null(), "{stuck}");
    assert!(stuck["last_error"].is_string(), "{stuck}");
}

#[tokio::test]
async fn webhooks_refuse_what_they_cannot_safely_do() {
    let w = world_with(Bus::Local, &[]).await;
    let create = |body: Value| {
        let admin = w.d.admin.clone();
        async move { admin.post("/api/v1/webhooks", &body).await }
    };
    for (body, reason) in [
        (
            json!({ "url": "ftp://gateway.example/x", "events": ["escalation"], "secret": SECRET }),
            "webhook_url",
        ),
        (
            json!({ "url": "not a url", "events": ["escalation"], "secret": SECRET }),
            "webhook_url",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/x", "events": ["escalation"], "secret": SECRET }),
            "webhook_url",
        ),
        (
            json!({ "url": "http://169.254.169.254/latest", "events": ["escalation"], "secret": SECRET }),
            "webhook_url",
        ),
        (
            json!({ "url": "http://[::1]:9/x", "events": ["escalation"], "secret": SECRET }),
            "webhook_url",
        ),
        (
            json!({ "url": "http://user:pw@8.8.8.8/x", "events": ["escalation"], "secret": SECRET }),
            "webhook_url",
        ),
        (
            json!({ "url": "http://8.8.8.8/x", "events": [], "secret": SECRET }),
            "webhook_events",
        ),
        (
            json!({ "url": "http://8.8.8.8/x", "events": ["escalation"], "secret": "short" }),
            "field_too_short",
        ),
    ] {
        let r = create(body.clone()).await;
        assert_eq!(
            (r.status, r.body["error"]["reason"].clone()),
            (400, json!(reason)),
            "{body}: {}",
            r.body
        );
    }
    let r = create(json!({ "url": "http://8.8.8.8/x", "events": ["pager"], "secret": SECRET })).await;
    assert_eq!(r.status, 400);
    let r =
        w.li.post(
            "/api/v1/webhooks",
            &json!({ "url": "http://8.8.8.8/x", "events": ["escalation"], "secret": SECRET }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].clone()),
        (403, json!("admin_only"))
    );
    assert_eq!(w.li.get("/api/v1/webhooks").await.status, 403);
    // a public address is accepted (nothing is sent until an event happens)
    let ok = create(json!({ "url": "https://8.8.8.8/consilium", "events": ["escalation"], "secret": SECRET })).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let id = ok.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.d.admin.get("/api/v1/webhooks").await.body.as_array().unwrap().len(),
        1
    );
    assert_eq!(w.d.admin.delete(&format!("/api/v1/webhooks/{id}")).await.status, 204);
    assert_eq!(w.d.admin.delete(&format!("/api/v1/webhooks/{id}")).await.status, 404);
    assert_eq!(w.d.admin.get("/api/v1/webhooks").await.body, json!([]));
    let missing =
        w.d.admin
            .get(&format!("/api/v1/webhooks/{}/deliveries", uuid::Uuid::new_v4()))
            .await;
    assert_eq!(missing.status, 404);
    let db = w.d.db().connect().await;
    let n: i64 = db.query_one("select count(*) from webhooks", &[]).await.unwrap().get(0);
    assert_eq!(n, 1, "only the accepted one was stored");
    assert_eq!(w.d.audit("webhook_created").await.len(), 1);
}
