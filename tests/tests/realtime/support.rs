//! How a realtime scenario is deployed, and the small world most scenarios use.
//!
//! A scenario is an `async fn(Bus)`; [`on_every_bus!`] turns it into one test
//! per bus, so the same assertions hold for in-process fan-out, for Redis on
//! one node, and across two real server processes sharing Redis (where
//! clients are spread over both nodes, so every event has to cross Redis),
//! and the same two processes on a real Redis Cluster (`redis+cluster://`,
//! sharded pub/sub; `scripts/redis-cluster.sh` starts it).

use std::time::Duration;

use consilium_tests::fixtures;
use consilium_tests::node::{Cluster, ClusterOptions};
use consilium_tests::ws::WsClient;
use consilium_tests::{Api, TestApp, TestDatabase, TestOptions, test_redis_cluster_url};
use serde_json::{Value, json};

/// How long tests wait to prove that something does NOT arrive.
pub const QUIET: Duration = Duration::from_millis(700);
/// How long a socket may take to be closed by the server.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where events travel between sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    /// One in-process server without Redis: in-process fan-out and presence.
    Local,
    /// One in-process server on Redis (with a per-test prefix).
    Redis,
    /// Two real `consilium` processes on one database and one Redis prefix.
    TwoNodes,
    /// Two real `consilium` processes on a Redis Cluster of three shards
    /// (`TEST_REDIS_CLUSTER_URL`), so channels and keys live on different shards.
    TwoNodesOnRedisCluster,
}

/// Generates `local`, `redis`, `two_nodes` and `two_nodes_on_redis_cluster`
/// tests for each `async fn(Bus)` scenario.
macro_rules! on_every_bus {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use crate::support::Bus;
                #[tokio::test]
                async fn local() {
                    super::$scenario(Bus::Local).await
                }
                #[tokio::test]
                async fn redis() {
                    super::$scenario(Bus::Redis).await
                }
                #[tokio::test]
                async fn two_nodes() {
                    super::$scenario(Bus::TwoNodes).await
                }
                #[tokio::test]
                async fn two_nodes_on_redis_cluster() {
                    super::$scenario(Bus::TwoNodesOnRedisCluster).await
                }
            }
        )+
    };
}

/// Generates `local` and `redis` tests (one in-process node) for each scenario.
macro_rules! on_one_node {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use crate::support::Bus;
                #[tokio::test]
                async fn local() {
                    super::$scenario(Bus::Local).await
                }
                #[tokio::test]
                async fn redis() {
                    super::$scenario(Bus::Redis).await
                }
            }
        )+
    };
}

pub(crate) use {on_every_bus, on_one_node};

/// A running deployment: one in-process app or a two-process cluster.
pub struct Deployment {
    /// Node addresses (one for the in-process buses).
    nodes: Vec<String>,
    /// The bootstrap admin, on node 0.
    pub admin: Api,
    app: Option<TestApp>,
    cluster: Option<Cluster>,
}

impl Deployment {
    /// Starts a deployment on `bus` with extra server environment.
    pub async fn start(bus: Bus, env: &[(&str, &str)]) -> Self {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        match bus {
            Bus::Local | Bus::Redis => {
                let app = TestApp::spawn_with(TestOptions {
                    redis: bus == Bus::Redis,
                    env,
                })
                .await;
                Self {
                    nodes: vec![app.address.clone()],
                    admin: app.admin.clone(),
                    app: Some(app),
                    cluster: None,
                }
            }
            Bus::TwoNodes | Bus::TwoNodesOnRedisCluster => {
                let cluster = Cluster::start(ClusterOptions {
                    nodes: 2,
                    redis_url: (bus == Bus::TwoNodesOnRedisCluster).then(test_redis_cluster_url),
                    env,
                })
                .await;
                Self {
                    nodes: cluster.nodes.iter().map(|n| n.address.clone()).collect(),
                    admin: cluster.admin.clone(),
                    app: None,
                    cluster: Some(cluster),
                }
            }
        }
    }

    /// A deployment on a cluster the test started itself (e.g. on a private Redis).
    pub fn from_cluster(cluster: Cluster) -> Self {
        Self {
            nodes: cluster.nodes.iter().map(|n| n.address.clone()).collect(),
            admin: cluster.admin.clone(),
            app: None,
            cluster: Some(cluster),
        }
    }

    /// The processes, when this deployment runs several (to kill one).
    pub fn cluster_mut(&mut self) -> Option<&mut Cluster> {
        self.cluster.as_mut()
    }

    /// The address of node `i` (wrapping: on one node every index is that node).
    pub fn node(&self, i: usize) -> &str {
        &self.nodes[i % self.nodes.len()]
    }

    /// The value of `name` (one unlabelled sample, say a histogram's
    /// `_count`) on node `i`'s `/metrics`; panics when it is missing.
    pub async fn metric(&self, i: usize, name: &str) -> f64 {
        let metrics = reqwest::get(format!("{}/metrics", self.node(i)))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{metrics}"))
    }

    /// The same signed-in client talking to node `i`.
    pub fn on(&self, api: &Api, i: usize) -> Api {
        let mut api = api.clone();
        api.base = self.node(i).to_owned();
        api
    }

    /// Its database.
    pub fn db(&self) -> &TestDatabase {
        match (&self.app, &self.cluster) {
            (Some(app), _) => &app.db,
            (None, Some(cluster)) => &cluster.db,
            (None, None) => unreachable!("a deployment has an app or a cluster"),
        }
    }

    /// Creates a user and signs them in (on node 0).
    pub async fn user(&self, username: &str) -> Api {
        fixtures::create_user(&self.admin, username, json!({})).await
    }

    /// A websocket for `api`'s user on node `i`, past `ready`.
    pub async fn ws(&self, api: &Api, node: usize) -> WsClient {
        WsClient::connect_to(self.node(node), api).await
    }

    /// Audit events matching `action`, newest first.
    pub async fn audit(&self, action: &str) -> Vec<Value> {
        fixtures::audit(&self.admin, action).await
    }
}

/// A team with a lead, a specialist, a grassroots doctor, and an outsider in no team.
pub struct World {
    /// Where it runs.
    pub d: Deployment,
    /// `dr_wang`, the team's lead.
    pub lead: Api,
    /// `dr_li`, a specialist.
    pub li: Api,
    /// `dr_liu`, a grassroots doctor.
    pub liu: Api,
    /// `dr_zhao`, in no team.
    pub outsider: Api,
    /// The team's id.
    pub team: String,
    /// Its channel's conversation id.
    pub channel: String,
}

/// The usual world on `bus`.
pub async fn world(bus: Bus) -> World {
    world_with(bus, &[]).await
}

/// The usual world on `bus`, with extra server environment.
pub async fn world_with(bus: Bus, env: &[(&str, &str)]) -> World {
    world_on(Deployment::start(bus, env).await).await
}

/// The usual world on a deployment the test started.
pub async fn world_on(d: Deployment) -> World {
    let lead = d.user("dr_wang").await;
    let li = d.user("dr_li").await;
    let liu = d.user("dr_liu").await;
    let outsider = d.user("dr_zhao").await;
    let team = fixtures::create_team(&d.admin, "王建国心血管专家团队", &lead).await;
    fixtures::add_member(&d.admin, &team, &li, "specialist").await;
    fixtures::add_member(&d.admin, &team, &liu, "grassroots").await;
    let channel = fixtures::team_channel(&lead, &team).await;
    World {
        d,
        lead,
        li,
        liu,
        outsider,
        team,
        channel,
    }
}

/// `POST /conversations/{id}/messages` by `api`; asserts 201 and returns the message.
pub async fn post_message(api: &Api, conversation: &str, client_msg_id: &str, body: &str) -> Value {
    post_message_with(
        api,
        conversation,
        json!({ "client_msg_id": client_msg_id, "body": body }),
    )
    .await
}

/// `POST /conversations/{id}/messages` with a whole request body; asserts 201.
pub async fn post_message_with(api: &Api, conversation: &str, request: Value) -> Value {
    let r = api
        .post(&format!("/api/v1/conversations/{conversation}/messages"), &request)
        .await;
    assert_eq!(r.status, 201, "post {request}: {}", r.body);
    assert_eq!(r.body["created"], true, "{}", r.body);
    r.body["message"].clone()
}

/// `GET /conversations/{id}/messages?…` by `api`; asserts 200 and returns the items.
pub async fn history(api: &Api, conversation: &str, query: &str) -> Vec<Value> {
    let r = api
        .get(&format!("/api/v1/conversations/{conversation}/messages?{query}"))
        .await;
    assert_eq!(r.status, 200, "history {query}: {}", r.body);
    r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("history without items: {}", r.body))
        .clone()
}

/// The caller's entry for `conversation` in `GET /conversations`.
pub async fn my_conversation(api: &Api, conversation: &str) -> Option<Value> {
    let r = api.get("/api/v1/conversations").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body.as_array().or_else(|| r.body["items"].as_array()).cloned();
    list.unwrap_or_else(|| panic!("GET /conversations is not a list: {}", r.body))
        .into_iter()
        .find(|c| c["id"] == conversation)
}

/// The conversation with `id` in a `ready` event, if the user has it.
pub fn ready_conversation(ready: &Value, id: &str) -> Option<Value> {
    ready["conversations"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id))
        .cloned()
}

/// `n` numbered (client_msg_id, body) pairs.
pub fn numbered(prefix: &str, n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("{prefix}-{i}"), format!("{prefix} 第{i}条")))
        .collect()
}

/// `1..=n` as a vector, for comparing seq lists.
pub fn one_to(n: i64) -> Vec<i64> {
    (1..=n).collect()
}

/// A JWT with `claims`, signed with `secret`.
pub fn forge(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign token")
}

/// The claims of a JWT (unverified).
pub fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').nth(1).expect("jwt payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64 payload");
    serde_json::from_slice(&bytes).expect("json payload")
}
