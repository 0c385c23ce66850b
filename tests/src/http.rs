//! A small HTTP client for the API that records status and JSON body.

use reqwest::Method;
use serde_json::Value;

/// A response: status and body (JSON, or a JSON string of the raw text).
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Parsed JSON body (`Null` when empty).
    pub body: Value,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    /// The spec error code, if the body is an error body.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// A response whose body is bytes (a downloaded file).
#[derive(Debug, Clone)]
pub struct RawResp {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl RawResp {
    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

/// A `multipart/form-data` body with one part `file`: (content type, body).
pub fn multipart_file(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("consilium-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(bytes.len() + 512);
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    let quoted = file_name.replace('\\', "\\\\").replace('"', "\\\"");
    body.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\n").as_bytes(),
    );
    body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A client, optionally signed in.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    /// Server base address.
    pub base: String,
    /// Bearer token, when signed in.
    pub token: Option<String>,
    /// Refresh token from the last login/refresh.
    pub refresh_token: Option<String>,
    /// The signed-in user as login returned it.
    pub user: Value,
}

impl Api {
    /// An anonymous client of `base`.
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token: None,
            refresh_token: None,
            user: Value::Null,
        }
    }

    /// The same client with another bearer token.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> String {
        self.user["id"].as_str().unwrap_or_default().to_owned()
    }

    /// The signed-in user's username.
    pub fn username(&self) -> String {
        self.user["username"].as_str().unwrap_or_default().to_owned()
    }

    /// Signs in, panicking on failure.
    pub async fn login(&self, username: &str, password: &str) -> Self {
        let r = self.try_login(username, password).await;
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        self.signed_in(&r.body)
    }

    /// Attempts a login and returns the raw response.
    pub async fn try_login(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            &serde_json::json!({ "username": username, "password": password }),
        )
        .await
    }

    /// A client signed in with the tokens of a login or refresh response.
    pub fn signed_in(&self, tokens: &Value) -> Self {
        Self {
            http: self.http.clone(),
            base: self.base.clone(),
            token: tokens["access_token"].as_str().map(str::to_owned),
            refresh_token: tokens["refresh_token"].as_str().map(str::to_owned),
            user: tokens["user"].clone(),
        }
    }

    /// Sends a request with an optional JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Self::finish(req).await
    }

    /// Sends a raw body with a content type (for malformed-input tests).
    pub async fn send_raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::finish(req).await
    }

    async fn finish(req: reqwest::RequestBuilder) -> Resp {
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp { status, body, headers }
    }

    /// Uploads `bytes` as the multipart part `file` named `file_name` to a
    /// conversation (SPEC §6).
    pub async fn upload(&self, conversation: &str, file_name: &str, bytes: &[u8]) -> Resp {
        let (content_type, body) = multipart_file(file_name, bytes);
        self.send_raw(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/attachments"),
            &content_type,
            body,
        )
        .await
    }

    /// GETs `url` (a path, e.g. a signed attachment URL) and returns the raw
    /// bytes; with this client's token only when `with_token`.
    pub async fn fetch_bytes(&self, url: &str, range: Option<&str>, with_token: bool) -> RawResp {
        let mut req = self.http.get(format!("{}{url}", self.base));
        if with_token && let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(range) = range {
            req = req.header("range", range);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        RawResp { status, headers, body }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::POST, path, Some(body)).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None).await
    }

    /// `DELETE` with a JSON body (e.g. the code that turns 2FA off).
    pub async fn delete_with(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::DELETE, path, Some(body)).await
    }
}
