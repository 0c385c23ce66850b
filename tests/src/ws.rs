//! A websocket client for the realtime protocol (`GET /api/v1/ws`), for tests.
//!
//! It reads from the socket only when a test waits for something (no
//! background task), so a test can play a consumer that stops reading and let
//! the server's outbound queue fill up. Events that arrive while a test waits
//! for something else are kept in a mailbox in arrival order, so waiting for
//! an `ack` never loses the `message` that overtook it, and the next wait
//! looks there first. Every wait has a timeout; a failed wait panics with the
//! frames this client saw, because "timed out" alone says nothing.
//!
//! Every event is checked against `consilium_shared::ws::ServerEvent`, so a
//! frame that breaks the shared contract fails the test where it arrives.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::http::Api;

/// How long a test normally waits for an event.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the TCP connect plus websocket handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many frames a failure message lists (the newest ones).
const HISTORY_SHOWN: usize = 40;

/// How a client authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>` on the upgrade request.
    Header(String),
    /// A first text frame `{"type":"auth","token":…}`, as browsers do.
    FirstFrame(String),
    /// No credentials at all (the server must close with 1008 after its auth timeout).
    None,
}

/// Everything about how [`WsClient::open`] connects.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Credentials.
    pub auth: Auth,
    /// The `Origin` header, as a browser would send it; none by default.
    pub origin: Option<String>,
    /// `SO_RCVBUF` of the client socket. A small one makes a slow consumer
    /// back up into the server quickly instead of into the kernel.
    pub recv_buffer: Option<u32>,
    /// A name for failure messages (defaults to the user in `ready`).
    pub label: Option<String>,
}

impl ConnectOptions {
    /// Header auth with `token`, no Origin.
    pub fn header(token: &str) -> Self {
        Self {
            auth: Auth::Header(token.to_owned()),
            origin: None,
            recv_buffer: None,
            label: None,
        }
    }
}

/// Why an upgrade failed.
#[derive(Debug)]
pub enum ConnectError {
    /// The server answered the upgrade request with a plain HTTP response.
    Http {
        /// Its status (e.g. 401, 403).
        status: u16,
        /// Its body, as text.
        body: String,
    },
    /// Anything else (connection refused, timeout, protocol error).
    Other(String),
}

impl ConnectError {
    /// The HTTP status, when the server refused the upgrade with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            Self::Other(_) => None,
        }
    }
}

/// Why [`WsClient::wait_for`] came back empty-handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitError {
    /// Nothing matching arrived in time.
    TimedOut,
    /// The socket closed first (with this close code, if any).
    Closed(Option<u16>),
}

/// What one read from the socket gave.
enum Pulled {
    Event(Value),
    Closed(Option<u16>),
    TimedOut,
}

/// One websocket connection to a server.
pub struct WsClient {
    stream: WebSocketStream<TcpStream>,
    /// Events read from the socket that no wait has taken yet, oldest first.
    mailbox: VecDeque<Value>,
    /// One line per frame read, for failure messages.
    history: Vec<String>,
    /// `Some(code)` once the socket closed (`Some(None)`: closed without a close frame).
    closed: Option<Option<u16>>,
    next_request: u64,
    label: String,
    /// The `ready` event, once received (`Null` before).
    pub ready: Value,
}

/// `http://host:port` → `host:port`.
fn host_port(address: &str) -> &str {
    let rest = address
        .strip_prefix("http://")
        .or_else(|| address.strip_prefix("ws://"))
        .unwrap_or(address);
    rest.trim_end_matches('/')
}

fn header_value(value: &str) -> Result<HeaderValue, ConnectError> {
    HeaderValue::from_str(value).map_err(|e| ConnectError::Other(format!("bad header value {value:?}: {e}")))
}

/// A short, one-line rendering of an event: long strings (bodies) cut.
fn summarize(v: &Value) -> String {
    fn shorten(v: &mut Value) {
        match v {
            Value::String(s) if s.chars().count() > 60 => {
                let n = s.chars().count();
                *s = format!("{}…({n} chars)", s.chars().take(40).collect::<String>());
            }
            Value::Array(items) => items.iter_mut().for_each(shorten),
            Value::Object(map) => map.values_mut().for_each(shorten),
            _ => {}
        }
    }
    let mut v = v.clone();
    shorten(&mut v);
    let s = v.to_string();
    if s.chars().count() > 600 {
        s.chars().take(600).collect::<String>() + "…"
    } else {
        s
    }
}

/// Panics unless `v` is one of the `ServerEvent`s of the shared contract.
fn check_contract(v: &Value) {
    if let Err(e) = serde_json::from_value::<consilium_shared::ws::ServerEvent>(v.clone()) {
        panic!(
            "the server sent a frame that is not a shared::ws::ServerEvent ({e}): {}",
            summarize(v)
        );
    }
}

impl WsClient {
    /// Performs the upgrade (and sends the auth frame for [`Auth::FirstFrame`])
    /// without waiting for `ready`.
    pub async fn open(address: &str, options: ConnectOptions) -> Result<Self, ConnectError> {
        let host = host_port(address);
        let addr: SocketAddr = tokio::net::lookup_host(host)
            .await
            .map_err(|e| ConnectError::Other(format!("resolve {host}: {e}")))?
            .next()
            .ok_or_else(|| ConnectError::Other(format!("{host} resolves to nothing")))?;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(|e| ConnectError::Other(format!("socket: {e}")))?;
        if let Some(size) = options.recv_buffer {
            socket
                .set_recv_buffer_size(size)
                .map_err(|e| ConnectError::Other(format!("SO_RCVBUF: {e}")))?;
        }
        let tcp = tokio::time::timeout(HANDSHAKE_TIMEOUT, socket.connect(addr))
            .await
            .map_err(|_| ConnectError::Other(format!("connect to {addr} timed out")))?
            .map_err(|e| ConnectError::Other(format!("connect to {addr}: {e}")))?;

        let mut request = format!("ws://{host}/api/v1/ws")
            .into_client_request()
            .map_err(|e| ConnectError::Other(format!("request: {e}")))?;
        if let Auth::Header(token) = &options.auth {
            request
                .headers_mut()
                .insert("authorization", header_value(&format!("Bearer {token}"))?);
        }
        if let Some(origin) = &options.origin {
            request.headers_mut().insert("origin", header_value(origin)?);
        }
        let handshake = tokio_tungstenite::client_async_with_config(request, tcp, None);
        let (stream, _response) = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Err(_) => return Err(ConnectError::Other("websocket handshake timed out".into())),
            Ok(Err(WsError::Http(response))) => {
                let status = response.status().as_u16();
                let body = response
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                return Err(ConnectError::Http { status, body });
            }
            Ok(Err(e)) => return Err(ConnectError::Other(format!("handshake: {e}"))),
            Ok(Ok(ok)) => ok,
        };
        let mut client = Self {
            stream,
            mailbox: VecDeque::new(),
            history: Vec::new(),
            closed: None,
            next_request: 0,
            label: options.label.clone().unwrap_or_else(|| format!("ws@{host}")),
            ready: Value::Null,
        };
        if let Auth::FirstFrame(token) = &options.auth {
            client.send(json!({ "type": "auth", "token": token })).await;
        }
        Ok(client)
    }

    /// Connects with `options` and waits for `ready`; panics if refused.
    pub async fn connect_with(address: &str, options: ConnectOptions) -> Self {
        let mut client = match Self::open(address, options).await {
            Ok(c) => c,
            Err(e) => panic!("websocket connect to {address} failed: {e:?}"),
        };
        client.await_ready().await;
        client
    }

    /// Connects with header auth and waits for `ready`.
    pub async fn connect(address: &str, token: &str) -> Self {
        Self::connect_with(address, ConnectOptions::header(token)).await
    }

    /// Connects as `api`'s user to `api`'s server and waits for `ready`.
    pub async fn connect_as(api: &Api) -> Self {
        Self::connect_to(&api.base, api).await
    }

    /// Connects as `api`'s user to the server at `address` (another node) and waits for `ready`.
    pub async fn connect_to(address: &str, api: &Api) -> Self {
        let token = api.token.as_deref().unwrap_or_default();
        let mut options = ConnectOptions::header(token);
        options.label = Some(format!("{}@{}", api.username(), host_port(address)));
        Self::connect_with(address, options).await
    }

    /// Connects without credentials, authenticates with a first `auth` frame and waits for `ready`.
    pub async fn connect_first_frame(address: &str, token: &str) -> Self {
        let options = ConnectOptions {
            auth: Auth::FirstFrame(token.to_owned()),
            ..ConnectOptions::header("")
        };
        Self::connect_with(address, options).await
    }

    /// Connects with header auth and an `Origin` header; on success waits for `ready`.
    pub async fn connect_with_origin(address: &str, token: &str, origin: &str) -> Result<Self, ConnectError> {
        let options = ConnectOptions {
            origin: Some(origin.to_owned()),
            ..ConnectOptions::header(token)
        };
        let mut client = Self::open(address, options).await?;
        client.await_ready().await;
        Ok(client)
    }

    /// Waits for `ready` and keeps it in [`WsClient::ready`].
    pub async fn await_ready(&mut self) -> Value {
        let ready = self.expect_event(of_type("ready"), Duration::from_secs(10)).await;
        if let Some(user) = ready["user_id"].as_str()
            && self.label.starts_with("ws@")
        {
            self.label = format!("user {user} {}", self.label);
        }
        self.ready = ready.clone();
        ready
    }

    /// The signed-in user, from `ready`.
    pub fn user_id(&self) -> String {
        self.ready["user_id"].as_str().unwrap_or_default().to_owned()
    }

    /// The login session, from `ready`.
    pub fn session_id(&self) -> String {
        self.ready["session_id"].as_str().unwrap_or_default().to_owned()
    }

    /// A fresh request id, unique on this client.
    pub fn request_id(&mut self) -> String {
        self.next_request += 1;
        format!("r{}", self.next_request)
    }

    /// Sends a JSON frame; panics if the socket is already closed.
    pub async fn send(&mut self, frame: Value) {
        self.send_raw_text(frame.to_string()).await;
    }

    /// Sends a text frame as is (for malformed-frame tests).
    pub async fn send_raw_text(&mut self, text: String) {
        let len = text.len();
        match tokio::time::timeout(EVENT_TIMEOUT, self.stream.send(Message::text(text))).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!(
                "{}: sending a {len}-byte text frame failed: {e}{}",
                self.label,
                self.seen()
            ),
            Err(_) => panic!(
                "{}: sending a {len}-byte text frame blocked for {EVENT_TIMEOUT:?}{}",
                self.label,
                self.seen()
            ),
        }
    }

    /// Sends a text frame and reports whether the transport took it (the
    /// server may already have closed the socket).
    pub async fn try_send_raw_text(&mut self, text: String) -> bool {
        matches!(
            tokio::time::timeout(EVENT_TIMEOUT, self.stream.send(Message::text(text))).await,
            Ok(Ok(()))
        )
    }

    /// Closes the socket cleanly (close frame, then wait briefly for the server's reply).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.stream.close(None)).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
    }

    /// Reads one frame from the socket, up to `deadline`.
    async fn pull(&mut self, deadline: Instant) -> Pulled {
        if let Some(code) = self.closed {
            return Pulled::Closed(code);
        }
        loop {
            let next = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return Pulled::TimedOut,
                Ok(next) => next,
            };
            let code = match next {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = match serde_json::from_str(text.as_str()) {
                        Ok(v) => v,
                        Err(e) => panic!("{}: the server sent text that is not JSON ({e}): {text}", self.label),
                    };
                    self.history.push(summarize(&value));
                    check_contract(&value);
                    return Pulled::Event(value);
                }
                Some(Ok(Message::Binary(b))) => {
                    panic!(
                        "{}: the server sent a {}-byte binary frame; the protocol is JSON text",
                        self.label,
                        b.len()
                    )
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.as_ref().map(|f| u16::from(f.code));
                    let reason = frame.as_ref().map(|f| f.reason.to_string()).unwrap_or_default();
                    self.history.push(format!("<close {code:?} {reason:?}>"));
                    // complete the closing handshake: send the reply tungstenite queued
                    let _ = tokio::time::timeout(Duration::from_secs(1), self.stream.flush()).await;
                    code
                }
                Some(Err(e)) => {
                    self.history.push(format!("<transport error: {e}>"));
                    None
                }
                None => {
                    self.history.push("<end of stream>".into());
                    None
                }
            };
            self.closed = Some(code);
            return Pulled::Closed(code);
        }
    }

    /// The frames seen so far, for failure messages.
    fn seen(&self) -> String {
        let mut out = String::new();
        let skip = self.history.len().saturating_sub(HISTORY_SHOWN);
        let _ = write!(
            out,
            "\n  frames seen by {} ({} in all{}):",
            self.label,
            self.history.len(),
            if skip > 0 { ", oldest left out" } else { "" }
        );
        for line in &self.history[skip..] {
            let _ = write!(out, "\n    {line}");
        }
        if !self.mailbox.is_empty() {
            let _ = write!(
                out,
                "\n  ({} of them still unclaimed in the mailbox)",
                self.mailbox.len()
            );
        }
        out
    }

    /// The next event (from the mailbox first), or `None` on timeout or close.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<Value> {
        if let Some(v) = self.mailbox.pop_front() {
            return Some(v);
        }
        match self.pull(Instant::now() + timeout).await {
            Pulled::Event(v) => Some(v),
            Pulled::Closed(_) | Pulled::TimedOut => None,
        }
    }

    /// Takes the first event matching `pred` (mailbox first, then the socket),
    /// keeping the others in the mailbox; `Err` on timeout or close. For
    /// retry loops; tests that expect the event use [`WsClient::expect_event`].
    pub async fn wait_for(&mut self, pred: impl Fn(&Value) -> bool, timeout: Duration) -> Result<Value, WaitError> {
        if let Some(pos) = self.mailbox.iter().position(&pred)
            && let Some(v) = self.mailbox.remove(pos)
        {
            return Ok(v);
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.pull(deadline).await {
                Pulled::Event(v) if pred(&v) => return Ok(v),
                Pulled::Event(v) => self.mailbox.push_back(v),
                Pulled::Closed(code) => return Err(WaitError::Closed(code)),
                Pulled::TimedOut => return Err(WaitError::TimedOut),
            }
        }
    }

    /// Takes the first event matching `pred` (mailbox first, then the socket),
    /// keeping the others in the mailbox. Panics after `timeout`, or if the
    /// socket closes, listing the frames seen.
    pub async fn expect_event(&mut self, pred: impl Fn(&Value) -> bool, timeout: Duration) -> Value {
        match self.wait_for(pred, timeout).await {
            Ok(v) => v,
            Err(WaitError::Closed(code)) => panic!(
                "{}: the socket closed (close code {code:?}) while waiting for an event{}",
                self.label,
                self.seen()
            ),
            Err(WaitError::TimedOut) => panic!("{}: no matching event within {timeout:?}{}", self.label, self.seen()),
        }
    }

    /// [`WsClient::expect_event`] with the usual timeout.
    pub async fn expect(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        self.expect_event(pred, EVENT_TIMEOUT).await
    }

    /// Panics if an event matching `pred` is in the mailbox or arrives within
    /// `duration` (the only place a test waits on purpose: to prove absence).
    /// A close during the wait is not an event and ends it early.
    pub async fn expect_no_event(&mut self, pred: impl Fn(&Value) -> bool, duration: Duration) {
        if let Some(v) = self.mailbox.iter().find(|v| pred(v)) {
            panic!("{}: unexpected event {}{}", self.label, summarize(v), self.seen());
        }
        let deadline = Instant::now() + duration;
        loop {
            match self.pull(deadline).await {
                Pulled::Event(v) if pred(&v) => {
                    panic!("{}: unexpected event {}{}", self.label, summarize(&v), self.seen())
                }
                Pulled::Event(v) => self.mailbox.push_back(v),
                Pulled::Closed(_) | Pulled::TimedOut => return,
            }
        }
    }

    /// Reads (keeping events in the mailbox) until the socket closes and
    /// returns the close code (`None`: closed without a close frame). Panics
    /// if it is still open after `timeout`.
    pub async fn expect_close(&mut self, timeout: Duration) -> Option<u16> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.pull(deadline).await {
                Pulled::Event(v) => self.mailbox.push_back(v),
                Pulled::Closed(code) => return code,
                Pulled::TimedOut => panic!(
                    "{}: the socket is still open after {timeout:?}{}",
                    self.label,
                    self.seen()
                ),
            }
        }
    }

    /// Whether the socket has been seen to close.
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// Takes every event in the mailbox.
    pub fn drain(&mut self) -> Vec<Value> {
        self.mailbox.drain(..).collect()
    }

    /// Takes the mailbox's events matching `pred`, leaving the others.
    pub fn take_matching(&mut self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let (taken, kept): (Vec<Value>, Vec<Value>) = self.mailbox.drain(..).partition(|v| pred(v));
        self.mailbox = kept.into();
        taken
    }

    /// Sends `frame` with a fresh `id` and waits for the answer carrying that
    /// id (`ack`, `error`, `pong` or `synced`). Returns the answer.
    pub async fn request(&mut self, mut frame: Value) -> Value {
        let id = self.request_id();
        frame["id"] = json!(id);
        self.send(frame).await;
        self.expect(answer_to(&id)).await
    }

    /// Sends a message and returns its `ack`, panicking on an `error`.
    pub async fn send_message(&mut self, conversation_id: &str, client_msg_id: &str, body: &str) -> Value {
        let answer = self.try_send_message(conversation_id, client_msg_id, body).await;
        assert_eq!(
            answer["type"], "ack",
            "{}: send {client_msg_id} to {conversation_id} was refused: {answer}",
            self.label
        );
        answer
    }

    /// Sends a message and returns the `ack` or the `error`.
    pub async fn try_send_message(&mut self, conversation_id: &str, client_msg_id: &str, body: &str) -> Value {
        self.request(json!({
            "type": "send",
            "conversation_id": conversation_id,
            "client_msg_id": client_msg_id,
            "body": body,
        }))
        .await
    }

    /// Sends several `send` frames back to back without waiting, then collects
    /// every answer; returns them in the order of `bodies` (acks or errors).
    pub async fn send_pipelined(&mut self, conversation_id: &str, messages: &[(String, String)]) -> Vec<Value> {
        let mut ids = Vec::with_capacity(messages.len());
        for (client_msg_id, body) in messages {
            let id = self.request_id();
            self.send(json!({
                "type": "send",
                "id": id,
                "conversation_id": conversation_id,
                "client_msg_id": client_msg_id,
                "body": body,
            }))
            .await;
            ids.push(id);
        }
        let mut answers = Vec::with_capacity(ids.len());
        for id in &ids {
            answers.push(self.expect_event(answer_to(id), Duration::from_secs(20)).await);
        }
        answers
    }

    /// Sends `sync` with `cursors` and returns the `message` payloads that
    /// arrive before the matching `synced`, in arrival order. Only events read
    /// from the socket after the request count; older ones stay in the mailbox.
    pub async fn sync(&mut self, cursors: &[(&str, i64)]) -> Vec<Value> {
        let id = self.request_id();
        let map: serde_json::Map<String, Value> = cursors.iter().map(|(c, s)| ((*c).to_owned(), json!(s))).collect();
        self.send(json!({ "type": "sync", "id": id, "cursors": map })).await;
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut messages = Vec::new();
        loop {
            match self.pull(deadline).await {
                Pulled::Event(v) if v["type"] == "synced" && v["id"] == json!(id) => return messages,
                Pulled::Event(v) if v["type"] == "message" => messages.push(v["message"].clone()),
                Pulled::Event(v) if v["type"] == "error" && v["id"] == json!(id) => {
                    panic!("{}: sync was refused: {v}{}", self.label, self.seen())
                }
                Pulled::Event(v) => self.mailbox.push_back(v),
                Pulled::Closed(code) => panic!(
                    "{}: the socket closed ({code:?}) during sync{}",
                    self.label,
                    self.seen()
                ),
                Pulled::TimedOut => panic!("{}: no `synced` for sync {id}{}", self.label, self.seen()),
            }
        }
    }

    /// Waits for the next `message` event of `conversation_id` and returns its payload.
    pub async fn expect_message(&mut self, conversation_id: &str) -> Value {
        self.expect(message_in(conversation_id)).await["message"].clone()
    }

    /// Collects the next `n` `message` payloads of `conversation_id`, in arrival order.
    pub async fn expect_messages(&mut self, conversation_id: &str, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            out.push(self.expect_event(message_in(conversation_id), left).await["message"].clone());
        }
        out
    }

    /// Pings with an id and waits for the matching pong: proves the socket is open and served.
    pub async fn ping(&mut self) {
        let pong = self.request(json!({ "type": "ping" })).await;
        assert_eq!(pong["type"], "pong", "{}: ping answered with {pong}", self.label);
    }
}

/// Matches events of one `type`.
pub fn of_type(kind: &str) -> impl Fn(&Value) -> bool + use<> {
    let kind = kind.to_owned();
    move |v| v["type"] == kind.as_str()
}

/// Matches the answer (`ack`, `error`, `pong`, `synced`) to request `id`.
pub fn answer_to(id: &str) -> impl Fn(&Value) -> bool + use<> {
    let id = id.to_owned();
    move |v| v["id"] == id.as_str() && matches!(v["type"].as_str(), Some("ack" | "error" | "pong" | "synced"))
}

/// Matches `message` events of a conversation.
pub fn message_in(conversation_id: &str) -> impl Fn(&Value) -> bool + use<> {
    let conv = conversation_id.to_owned();
    move |v| v["type"] == "message" && v["message"]["conversation_id"] == conv.as_str()
}

/// Matches the `message` event with a given `client_msg_id`.
pub fn message_with_client_id(client_msg_id: &str) -> impl Fn(&Value) -> bool + use<> {
    let id = client_msg_id.to_owned();
    move |v| v["type"] == "message" && v["message"]["client_msg_id"] == id.as_str()
}

/// Matches any `message` event.
pub fn any_message(v: &Value) -> bool {
    v["type"] == "message"
}

/// Matches `presence` events about `user_id` with `status`.
pub fn presence_of(user_id: &str, status: &str) -> impl Fn(&Value) -> bool + use<> {
    let (user, status) = (user_id.to_owned(), status.to_owned());
    move |v| v["type"] == "presence" && v["user_id"] == user.as_str() && v["status"] == status.as_str()
}

/// Matches any `presence` event about `user_id`.
pub fn any_presence_of(user_id: &str) -> impl Fn(&Value) -> bool + use<> {
    let user = user_id.to_owned();
    move |v| v["type"] == "presence" && v["user_id"] == user.as_str()
}

/// Matches `error` events with `code` (any id).
pub fn error_with_code(code: &str) -> impl Fn(&Value) -> bool + use<> {
    let code = code.to_owned();
    move |v| v["type"] == "error" && v["code"] == code.as_str()
}

/// The `seq`s of message payloads, in order.
pub fn seqs(messages: &[Value]) -> Vec<i64> {
    messages.iter().map(|m| m["seq"].as_i64().unwrap_or(-1)).collect()
}
