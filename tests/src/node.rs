//! Real `consilium` processes and a private Redis, for tests that need more
//! than one server node (cross-node delivery and presence through Redis) or
//! need to take Redis away.
//!
//! Each process gets its own port (bind port 0, read it, drop the listener),
//! its stderr in a temporary log file that failure messages quote, and is
//! killed when dropped. The shared Redis on 6379 is never stopped: tests that
//! break Redis start a [`RedisServer`] of their own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::fixtures;
use crate::http::Api;
use crate::{ADMIN_PASSWORD, ADMIN_USERNAME, TestDatabase, base_env, consilium_bin, test_redis_url};

/// How long a node may take to answer `/healthz` after it is started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}

/// One running `consilium serve` process.
pub struct ServerProcess {
    child: Option<Child>,
    env: HashMap<String, String>,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Its port (kept across restarts).
    pub port: u16,
    /// Where its stderr goes.
    pub log_path: PathBuf,
}

impl ServerProcess {
    /// Starts the binary with `env` (BIND_ADDR is chosen here) and waits for `/healthz`.
    pub async fn start(env: HashMap<String, String>) -> Self {
        let log_path = std::env::temp_dir().join(format!("consilium-node-{}.log", uuid::Uuid::new_v4().simple()));
        let mut last_failure = String::new();
        // A port picked by binding port 0 can be taken by someone else before
        // the server binds it; try a few.
        for _ in 0..3 {
            let port = free_port();
            let mut node = Self {
                child: None,
                env: env.clone(),
                address: format!("http://127.0.0.1:{port}"),
                port,
                log_path: log_path.clone(),
            };
            match node.launch().await {
                Ok(()) => return node,
                Err(e) => last_failure = e,
            }
        }
        panic!("could not start a consilium node: {last_failure}");
    }

    async fn launch(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| format!("open {}: {e}", self.log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("dup log: {e}"))?;
        let mut cmd = Command::new(consilium_bin());
        cmd.arg("serve")
            .env_clear()
            .envs(&self.env)
            .env("BIND_ADDR", format!("127.0.0.1:{}", self.port))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true);
        let child = cmd
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", consilium_bin().display()))?;
        self.child = Some(child);
        self.wait_healthy().await
    }

    async fn wait_healthy(&mut self) -> Result<(), String> {
        let http = reqwest::Client::new();
        let url = format!("{}/healthz", self.address);
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "the node exited with {status} during start-up{}",
                    self.log_tail()
                ));
            }
            if let Ok(r) = http.get(&url).timeout(Duration::from_secs(2)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.kill().await;
        Err(format!("no /healthz within {STARTUP_TIMEOUT:?}{}", self.log_tail()))
    }

    /// The last lines of the node's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n    ");
        format!("\n  log of {} ({}):\n    {tail}", self.address, self.log_path.display())
    }

    /// Kills the process (SIGKILL: a crash, not a graceful stop) and waits for it.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it again on the same port with the same environment.
    pub async fn restart(&mut self) {
        self.kill().await;
        if let Err(e) = self.launch().await {
            panic!("restarting {} failed: {e}", self.address);
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        if std::thread::panicking() {
            eprintln!(
                "consilium node {} log kept at {}",
                self.address,
                self.log_path.display()
            );
        } else {
            let _ = std::fs::remove_file(&self.log_path);
        }
    }
}

/// Options for [`Cluster::start`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// How many nodes.
    pub nodes: usize,
    /// The Redis they share; `None` means the shared test Redis ([`test_redis_url`]).
    pub redis_url: Option<String>,
    /// Extra or overriding environment for every node.
    pub env: Vec<(String, String)>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            nodes: 2,
            redis_url: None,
            env: Vec::new(),
        }
    }
}

/// Several server processes sharing one fresh database and one Redis prefix.
pub struct Cluster {
    /// The nodes (dropped, so killed, before the database is).
    pub nodes: Vec<ServerProcess>,
    /// Their database.
    pub db: TestDatabase,
    /// Their Redis URL.
    pub redis_url: String,
    /// Their Redis key and channel prefix, unique to this cluster.
    pub redis_prefix: String,
    /// The bootstrap admin, signed in on node 0.
    pub admin: Api,
}

impl Cluster {
    /// Starts `options.nodes` processes (the first one creates the bootstrap admin).
    pub async fn start(options: ClusterOptions) -> Self {
        assert!(options.nodes >= 1, "a cluster needs a node");
        let db = TestDatabase::create().await;
        let redis_url = options.redis_url.clone().unwrap_or_else(test_redis_url);
        let redis_prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        let mut env = base_env(&db.url);
        env.insert("REDIS_URL".into(), redis_url.clone());
        env.insert("REDIS_PREFIX".into(), redis_prefix.clone());
        env.insert("RUST_LOG".into(), "warn".into());
        env.extend(options.env.iter().cloned());

        // The bootstrap admin is created once, by the first node, so the
        // others start without racing it for the username.
        let first = ServerProcess::start(env.clone()).await;
        env.remove("BOOTSTRAP_ADMIN_USERNAME");
        env.remove("BOOTSTRAP_ADMIN_PASSWORD");
        let rest = futures_util::future::join_all((1..options.nodes).map(|_| ServerProcess::start(env.clone()))).await;
        let mut nodes = vec![first];
        nodes.extend(rest);

        let admin = Api::new(&nodes[0].address).login(ADMIN_USERNAME, ADMIN_PASSWORD).await;
        Self {
            nodes,
            db,
            redis_url,
            redis_prefix,
            admin,
        }
    }

    /// The address of node `i`.
    pub fn address(&self, i: usize) -> &str {
        &self.nodes[i].address
    }

    /// An anonymous client of node `i`.
    pub fn anon(&self, i: usize) -> Api {
        Api::new(self.address(i))
    }

    /// Creates a user (as the admin) and signs them in on node 0.
    pub async fn user(&self, username: &str) -> Api {
        fixtures::create_user(&self.admin, username, serde_json::json!({})).await
    }
}

/// A private `redis-server` that a test may stop and start again on the same
/// port (never the shared one, which other tests use in parallel).
pub struct RedisServer {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
    /// `redis://127.0.0.1:<port>`.
    pub url: String,
}

impl RedisServer {
    /// Starts `redis-server` on a free port, without persistence, and waits for PING.
    pub async fn spawn() -> Self {
        let port = free_port();
        let mut server = Self {
            child: None,
            port,
            url: format!("redis://127.0.0.1:{port}"),
        };
        server.start().await;
        server
    }

    /// Starts it (again) on its port and waits until it answers PING.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "redis-server on {} is already running", self.port);
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => panic!("cannot run redis-server (is it installed?): {e}"),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {} did not answer PING within 10 s", self.port);
    }

    /// Kills it (every connection drops at once) and waits until the port is closed.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.ping().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether it answers PING.
    pub async fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return false;
        };
        let attempt = async {
            let mut conn = client.get_multiplexed_async_connection().await.ok()?;
            redis::cmd("PING").query_async::<String>(&mut conn).await.ok()
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(1), attempt).await,
            Ok(Some(pong)) if pong == "PONG"
        )
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

/// One `redis-server` of a [`RedisCluster`].
struct ClusterNode {
    port: u16,
    bus_port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// A private Redis Cluster (three masters, three replicas) that a test may
/// break: kill a master, watch its replica take over, bring the old one back
/// as a replica. Never the shared one from `scripts/redis-cluster.sh`, which
/// other tests use in parallel.
pub struct RedisCluster {
    nodes: Vec<ClusterNode>,
    dir: PathBuf,
    /// `redis+cluster://127.0.0.1:<port>,…` naming every node.
    pub url: String,
}

/// How long a cluster may take to form, or to fail over.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(60);

impl RedisCluster {
    /// Starts six `redis-server` processes, makes them one cluster with
    /// `redis-cli --cluster create --cluster-replicas 1`, and waits until every
    /// node says `cluster_state:ok`.
    pub async fn spawn() -> Self {
        let dir = std::env::temp_dir().join(format!("consilium-redis-cluster-{}", uuid::Uuid::new_v4().simple()));
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = free_port();
            let node_dir = dir.join(port.to_string());
            std::fs::create_dir_all(&node_dir).expect("create a node directory");
            nodes.push(ClusterNode {
                port,
                bus_port: free_port(),
                dir: node_dir,
                child: None,
            });
        }
        let url = format!(
            "redis+cluster://{}",
            nodes
                .iter()
                .map(|n| format!("127.0.0.1:{}", n.port))
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut cluster = Self { nodes, dir, url };
        for i in 0..cluster.nodes.len() {
            cluster.start_node(i).await;
        }
        let addresses: Vec<String> = cluster.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        let out = tokio::time::timeout(
            CLUSTER_TIMEOUT,
            Command::new("redis-cli")
                .arg("--cluster")
                .arg("create")
                .args(&addresses)
                .args(["--cluster-replicas", "1", "--cluster-yes"])
                .stdin(Stdio::null())
                .output(),
        )
        .await
        .expect("redis-cli --cluster create finishes")
        .expect("run redis-cli (is redis-tools installed?)");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.wait_ok(|info| info.contains("cluster_known_nodes:6")).await;
        cluster.wait_replicas_linked().await;
        cluster
    }

    /// Waits until every running replica has synced with its master, so a
    /// killed master's replica holds its data and may take over.
    async fn wait_replicas_linked(&self) {
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            loop {
                let info = query::<String>(node.port, &["INFO", "replication"])
                    .await
                    .unwrap_or_default();
                if info.contains("role:master") || info.contains("master_link_status:up") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the replica on {} did not sync with its master within {CLUSTER_TIMEOUT:?}: {info}",
                    node.port
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    async fn start_node(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        assert!(node.child.is_none(), "redis-server on {} is already running", node.port);
        let child = Command::new("redis-server")
            .args(["--port", &node.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes"])
            .args(["--cluster-port", &node.bus_port.to_string()])
            .args(["--cluster-config-file", "nodes.conf"])
            // a dead master is noticed within a second
            .args(["--cluster-node-timeout", "1000"])
            // a replica takes over however long ago it last heard its master
            .args(["--cluster-replica-validity-factor", "0"])
            .arg("--dir")
            .arg(&node.dir)
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn();
        node.child = Some(match child {
            Ok(c) => c,
            Err(e) => panic!("cannot run redis-server (is it installed?): {e}"),
        });
        let port = node.port;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if query::<String>(port, &["PING"]).await.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {port} did not answer PING within 10 s");
    }

    /// Waits until every running node says `cluster_state:ok`, serves all
    /// 16384 slots, and `also` holds for its `CLUSTER INFO`.
    pub async fn wait_ok(&self, also: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            let mut all = true;
            for node in self.nodes.iter().filter(|n| n.child.is_some()) {
                let info = query::<String>(node.port, &["CLUSTER", "INFO"])
                    .await
                    .unwrap_or_default();
                if !(info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384") && also(&info)) {
                    all = false;
                    last = format!("node {}: {info}", node.port);
                    break;
                }
            }
            if all {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the Redis Cluster was not ok within {CLUSTER_TIMEOUT:?}; last: {last}");
    }

    /// The port of the master serving the slot of `key` (a key or a sharded channel).
    pub async fn master_of(&self, key: &str) -> u16 {
        match self.try_master_of(key).await {
            Ok(port) => port,
            Err(why) => panic!("{why}"),
        }
    }

    /// The master serving `key`'s slot as a live node sees it, or why there is none.
    async fn try_master_of(&self, key: &str) -> Result<u16, String> {
        let live = self.live_port();
        let slot: i64 = query(live, &["CLUSTER", "KEYSLOT", key])
            .await
            .ok_or("CLUSTER KEYSLOT did not answer")?;
        let nodes: String = query(live, &["CLUSTER", "NODES"])
            .await
            .ok_or("CLUSTER NODES did not answer")?;
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 9 || !fields[2].contains("master") || fields[2].contains("fail") {
                continue;
            }
            let serves = fields[8..].iter().any(|range| {
                let (from, to) = range.split_once('-').unwrap_or((range, range));
                matches!((from.parse::<i64>(), to.parse::<i64>()), (Ok(f), Ok(t)) if f <= slot && slot <= t)
            });
            let port = fields[1]
                .split('@')
                .next()
                .and_then(|a| a.rsplit_once(':'))
                .and_then(|(_, p)| p.parse::<u16>().ok());
            if let (true, Some(port)) = (serves, port) {
                return Ok(port);
            }
        }
        Err(format!("no healthy master serves slot {slot} of {key}:\n{nodes}"))
    }

    /// Waits until a master other than the dead one on `dead` serves `key`'s
    /// slot (its replica was promoted) and the cluster is ok again; returns
    /// the new master's port.
    pub async fn wait_failover(&self, key: &str, dead: u16) -> u16 {
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        loop {
            let now = self.try_master_of(key).await;
            match now {
                Ok(port) if port != dead => {
                    self.wait_ok(|_| true).await;
                    return port;
                }
                _ if Instant::now() >= deadline => {
                    panic!("no replica took over from {dead} within {CLUSTER_TIMEOUT:?}: {now:?}")
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    fn live_port(&self) -> u16 {
        self.nodes
            .iter()
            .find(|n| n.child.is_some())
            .map(|n| n.port)
            .expect("a running node")
    }

    fn index_of(&self, port: u16) -> usize {
        self.nodes
            .iter()
            .position(|n| n.port == port)
            .unwrap_or_else(|| panic!("no node on port {port}"))
    }

    /// Kills the node on `port` with SIGKILL (a crash: its connections drop at once).
    pub async fn kill(&mut self, port: u16) {
        let i = self.index_of(port);
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the node on `port` again with its old cluster configuration; it
    /// rejoins, as a replica when its slots were taken over meanwhile, and
    /// this waits until it says so and the cluster is ok everywhere.
    pub async fn restart(&mut self, port: u16) {
        let i = self.index_of(port);
        self.start_node(i).await;
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        loop {
            let role: Vec<redis::Value> = query(port, &["ROLE"]).await.unwrap_or_default();
            let is_replica = matches!(role.first(), Some(redis::Value::BulkString(r)) if r == b"slave");
            let linked = query::<String>(port, &["INFO", "replication"])
                .await
                .is_some_and(|i| i.contains("master_link_status:up"));
            if is_replica && linked {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the node on {port} did not rejoin as a linked replica within {CLUSTER_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.wait_ok(|info| info.contains("cluster_known_nodes:6")).await;
    }
}

/// One command to the node on `port`, or `None` if it does not answer in time.
async fn query<T: redis::FromRedisValue>(port: u16, args: &[&str]) -> Option<T> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).ok()?;
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        let mut cmd = redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query_async::<T>(&mut conn).await.ok()
    };
    tokio::time::timeout(Duration::from_secs(2), attempt)
        .await
        .ok()
        .flatten()
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(child) = node.child.as_mut() {
                let _ = child.start_kill();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
