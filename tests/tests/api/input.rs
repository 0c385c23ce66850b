//! Text that no column can hold: U+0000 in any text field of any endpoint or
//! frame is a 400 `nul_character`, never a 500, and stores nothing.
//!
//! The HTTP half walks the server's own OpenAPI document, so an endpoint or
//! field added later is covered without editing this file; the document's
//! completeness is checked by the server's unit tests and by
//! `openapi_is_a_valid_document` below.

use std::process::Command;

use consilium_tests::TestApp;
use consilium_tests::ws::{WsClient, answer_to, of_type};
use reqwest::Method;
use serde_json::{Map, Value, json};

const NUL_TEXT: &str = "a\u{0}b";

/// Resolves `$ref`s against the document's schemas.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        ),
        None => schema,
    }
}

/// Every way to put `NUL_TEXT` into one string of a body of `schema`: one
/// minimal body per string leaf (object fields, array items, variants).
fn nul_bodies(doc: &Value, schema: &Value, depth: usize) -> Vec<Value> {
    let schema = resolve(doc, schema);
    if depth > 6 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for key in ["oneOf", "anyOf", "allOf"] {
        for variant in schema[key].as_array().into_iter().flatten() {
            out.extend(nul_bodies(doc, variant, depth + 1));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"string") {
        out.push(json!(NUL_TEXT));
    }
    if types.contains(&"array") {
        out.extend(
            nul_bodies(doc, &schema["items"], depth + 1)
                .into_iter()
                .map(|item| json!([item])),
        );
    }
    if let Some(props) = schema["properties"].as_object() {
        // A tagged variant keeps its tag so the NUL is in a field the
        // endpoint really reads.
        let tags: Map<String, Value> = props
            .iter()
            .filter_map(|(k, p)| {
                let p = resolve(doc, p);
                p["enum"]
                    .as_array()
                    .filter(|e| e.len() == 1)
                    .map(|e| (k.clone(), e[0].clone()))
            })
            .collect();
        for (name, prop) in props {
            for value in nul_bodies(doc, prop, depth + 1) {
                let mut body = tags.clone();
                body.insert(name.clone(), value);
                out.push(Value::Object(body));
            }
        }
    }
    if let Some(extra) = schema["additionalProperties"].as_object() {
        let extra = Value::Object(extra.clone());
        out.push(json!({ NUL_TEXT: 1 }));
        for value in nul_bodies(doc, &extra, depth + 1) {
            out.push(json!({ "key": value }));
        }
    }
    out
}

fn concrete_path(template: &str) -> String {
    template
        .split('/')
        .map(|seg| match seg {
            "{seq}" => "1".to_owned(),
            "{transition}" => "accept".to_owned(),
            s if s.starts_with('{') => uuid::Uuid::new_v4().to_string(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn assert_nul_refused(r: &consilium_tests::http::Resp, what: &str) {
    assert_eq!(r.status, 400, "{what}: {}", r.body);
    assert_eq!(r.body["error"]["code"], "invalid", "{what}: {}", r.body);
    assert_eq!(r.body["error"]["reason"], "nul_character", "{what}: {}", r.body);
}

#[tokio::test]
async fn nul_in_any_text_field_of_any_endpoint_is_a_400() {
    let app = TestApp::spawn().await;
    let doc = app.anon.get("/api/v1/openapi.json").await.body;
    let mut bodies_checked = 0;
    let mut params_checked = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operation") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let path = concrete_path(template);
            if let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") {
                // (A body without text fields, like `read {seq}`, yields none.)
                for body in nul_bodies(&doc, schema, 0) {
                    let r = app.admin.send(method.clone(), &path, Some(&body)).await;
                    assert_nul_refused(&r, &format!("{method} {template} {body}"));
                    // The same request unsigned: the rule holds before sign-in too.
                    let r = app.anon.send(method.clone(), &path, Some(&body)).await;
                    assert_nul_refused(&r, &format!("anonymous {method} {template} {body}"));
                    bodies_checked += 1;
                }
            }
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().expect("parameter name");
                let r = match param["in"].as_str() {
                    Some("query") => {
                        let sep = if path.contains('?') { '&' } else { '?' };
                        app.admin
                            .send(method.clone(), &format!("{path}{sep}{name}=a%00b"), None)
                            .await
                    }
                    Some("path") => {
                        let with_nul = template.replace(&format!("{{{name}}}"), "a%00b");
                        let with_nul = concrete_path(&with_nul);
                        app.admin.send(method.clone(), &with_nul, None).await
                    }
                    _ => continue,
                };
                assert_nul_refused(&r, &format!("{method} {template} parameter {name}"));
                params_checked += 1;
            }
        }
    }
    // The endpoints named by the bug report are among them; a document that
    // lost its parameters or bodies would make this test vacuous.
    assert!(bodies_checked > 60, "only {bodies_checked} bodies checked");
    assert!(params_checked > 60, "only {params_checked} parameters checked");

    // Nothing reached the database.
    let db = app.db.connect().await;
    let users: i64 = db.query_one("select count(*) from users", &[]).await.unwrap().get(0);
    assert_eq!(users, 1);
    let messages: i64 = db.query_one("select count(*) from messages", &[]).await.unwrap().get(0);
    assert_eq!(messages, 0);
}

#[tokio::test]
async fn the_reported_nul_holes_are_closed() {
    let app = TestApp::spawn().await;
    let dr = app.user("dr_nul").await;
    let lead = app.user("lead_nul").await;
    let team = app.team("NUL 团队", &lead).await;
    app.add_member(&team, &dr, "specialist").await;
    let channel = consilium_tests::fixtures::team_channel(&dr, &team).await;
    let path = format!("/api/v1/conversations/{channel}/messages");
    for body in [
        json!({ "client_msg_id": "c1", "body": NUL_TEXT }),
        json!({ "client_msg_id": NUL_TEXT, "body": "ok" }),
    ] {
        assert_nul_refused(&dr.post(&path, &body).await, &body.to_string());
    }
    // An escaped backslash before "u0000" is text, not a NUL: it is stored.
    let r = dr
        .post(&path, &json!({ "client_msg_id": "c2", "body": "C:\\u0000 路径" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    for query in [
        "/api/v1/search?q=a%00",
        "/api/v1/users?q=a%00",
        "/api/v1/teams/directory?specialty=a%00",
        "/api/v1/teams/directory?q=a%00",
        "/api/v1/audit?target_type=a%00",
        "/api/v1/audit?target_id=a%00",
    ] {
        assert_nul_refused(&app.admin.get(query).await, query);
    }
    let login = app
        .anon
        .post(
            "/api/v1/auth/login",
            &json!({ "username": "dr\u{0}nul", "password": "x" }),
        )
        .await;
    assert_nul_refused(&login, "login");
    let password = dr
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": consilium_tests::USER_PASSWORD, "new_password": "long\u{0}enough" }),
        )
        .await;
    assert_nul_refused(&password, "new password");
    // The old password still works.
    dr.login(&dr.username(), consilium_tests::USER_PASSWORD).await;
    let case = dr
        .post(
            &format!("/api/v1/teams/{team}/cases"),
            &json!({ "patient": { "name": "张三", "sex": "male" }, "title": "胸痛", "summary": "", "priority": "routine" }),
        )
        .await;
    assert_eq!(case.status, 201, "{}", case.body);
    let transfer = lead
        .post(
            &format!("/api/v1/cases/{}/triage", case.body["id"].as_str().unwrap()),
            &json!({ "action": "transfer", "team_id": team, "note": NUL_TEXT }),
        )
        .await;
    assert_nul_refused(&transfer, "triage transfer note");
}

#[tokio::test]
async fn nul_in_any_frame_is_refused_and_the_socket_stays_open() {
    let app = TestApp::spawn().await;
    let dr = app.user("dr_frames").await;
    let lead = app.user("lead_frames").await;
    let team = app.team("帧 团队", &lead).await;
    app.add_member(&team, &dr, "specialist").await;
    let channel = consilium_tests::fixtures::team_channel(&dr, &team).await;
    let mut ws = WsClient::connect_as(&dr).await;
    // Every client frame type, with U+0000 in each of its text fields.
    let frames = [
        json!({ "type": "send", "id": "s1", "conversation_id": channel, "client_msg_id": "c1", "body": NUL_TEXT }),
        json!({ "type": "send", "id": "s2", "conversation_id": channel, "client_msg_id": NUL_TEXT, "body": "x" }),
        json!({ "type": "send", "id": NUL_TEXT, "conversation_id": channel, "client_msg_id": "c3", "body": "x" }),
        json!({ "type": "send", "id": "s4", "conversation_id": NUL_TEXT, "client_msg_id": "c4", "body": "x" }),
        json!({ "type": "send", "id": "s5", "conversation_id": channel, "client_msg_id": "c5", "body": "x", "priority": NUL_TEXT }),
        json!({ "type": "ack_message", "conversation_id": NUL_TEXT, "seq": 1 }),
        json!({ "type": "typing", "conversation_id": NUL_TEXT }),
        json!({ "type": "read", "conversation_id": NUL_TEXT, "seq": 1 }),
        json!({ "type": "presence", "status": NUL_TEXT }),
        json!({ "type": "sync", "cursors": { NUL_TEXT: 0 } }),
        json!({ "type": "ping", "id": NUL_TEXT }),
        json!({ "type": "auth", "token": NUL_TEXT }),
        json!({ "type": NUL_TEXT }),
    ];
    for frame in frames {
        ws.send(frame.clone()).await;
        let error = ws.expect(of_type("error")).await;
        assert_eq!(error["reason"], "nul_character", "{frame}: {error}");
        assert_eq!(error["code"], "invalid", "{frame}: {error}");
        if frame["id"] == "s1" {
            assert_eq!(error["id"], "s1", "the refused send is named by its id");
        }
    }
    let id = ws.request_id();
    ws.send(json!({ "type": "ping", "id": id })).await;
    ws.expect(answer_to(&id)).await;
    let db = app.db.connect().await;
    let messages: i64 = db.query_one("select count(*) from messages", &[]).await.unwrap().get(0);
    assert_eq!(messages, 0);
}

#[tokio::test]
async fn error_bodies_name_a_reason() {
    let app = TestApp::spawn().await;
    let r = app
        .anon
        .post(
            "/api/v1/auth/login",
            &json!({ "username": "admin", "password": "wrong-password" }),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["reason"], "wrong_credentials");
    let r = app.admin.get("/api/v1/no/such/thing").await;
    assert_eq!(r.body["error"]["reason"], "no_such_endpoint");
    let r = app.anon.get("/api/v1/me").await;
    assert_eq!(r.body["error"]["reason"], "missing_token");
    let r = app.admin.get(&format!("/api/v1/cases/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(r.body["error"]["reason"], "case_not_found");
    let r = app.admin.get("/api/v1/users?limit=999").await;
    assert_eq!(r.body["error"]["reason"], "invalid_limit");
    let r = app
        .admin
        .send_raw(
            Method::POST,
            "/api/v1/users",
            "application/json",
            b"{\"username\": ".to_vec(),
        )
        .await;
    assert_eq!(r.body["error"]["reason"], "malformed_body");
}

/// The document passes a standard validator (`openapi-spec-validator` from
/// PyPI, which `scripts/test.sh` installs), so generated clients and fuzzers
/// accept every operation.
#[tokio::test]
async fn openapi_is_a_valid_document() {
    let app = TestApp::spawn().await;
    let doc = app.anon.get("/api/v1/openapi.json").await.body;
    let file = std::env::temp_dir().join(format!("consilium-openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document (pip install openapi-spec-validator if it is missing):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `[[[…]]]`, `depth` arrays deep.
fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test]
async fn json_nested_10000_deep_is_a_400_or_an_error_frame_and_everything_keeps_working() {
    let app = TestApp::spawn().await;
    let dr = app.user("dr_deep").await;
    let deep = nested_arrays(10_000);
    // a deep body before sign-in, a deep value in a field, and a deep body on
    // a transition endpoint (read as raw JSON)
    let bodies = [
        ("/api/v1/auth/login", deep.clone()),
        ("/api/v1/teams", format!("{{\"name\":{deep}}}")),
        (
            "/api/v1/auth/login",
            format!("{{\"username\":\"admin\",\"password\":{deep}}}"),
        ),
    ];
    for (path, body) in bodies {
        let r = app
            .admin
            .send_raw(Method::POST, path, "application/json", body.into_bytes())
            .await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(r.body["error"]["reason"].is_string(), "{path}: {}", r.body);
    }
    assert_eq!(dr.get("/api/v1/me").await.status, 200, "the server still answers");

    // on the socket: an error frame, and the socket stays usable
    let lead = app.user("lead_deep").await;
    let team = app.team("深 团队", &lead).await;
    app.add_member(&team, &dr, "specialist").await;
    let channel = consilium_tests::fixtures::team_channel(&dr, &team).await;
    let mut ws = WsClient::connect_as(&dr).await;
    for frame in [
        deep.clone(),
        format!(
            "{{\"type\":\"send\",\"id\":\"d1\",\"conversation_id\":\"{channel}\",\"client_msg_id\":\"d1\",\"body\":{deep}}}"
        ),
    ] {
        assert!(ws.try_send_raw_text(frame).await, "the frame went out");
        let error = ws.expect(of_type("error")).await;
        assert_eq!(error["reason"], "malformed_frame", "{error}");
    }
    let id = ws.request_id();
    ws.send(json!({ "type": "ping", "id": id })).await;
    ws.expect(answer_to(&id)).await;
    let ack = ws.send_message(&channel, "after-deep", "嵌套之后").await;
    assert_eq!(ack["type"], "ack", "{ack}");
}
