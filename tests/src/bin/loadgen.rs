//! `loadgen`: a load generator for Consilium, run by hand (never in CI).
//!
//! It creates its own users, teams and cases through the API, opens one
//! authenticated websocket per user spread across the given nodes, sends
//! messages at a target rate into the team channels and case discussions, and
//! measures send→ack and send→deliver latency at every recipient, durable
//! messages/s and deliveries/s. Any lost, duplicated or out-of-order delivery
//! is a hard failure. It also samples the server processes' RSS and CPU from
//! /proc. Results go to a JSON file and a Markdown table.
//!
//! ```text
//! loadgen --nodes http://127.0.0.1:8080 throughput --teams 50 --members 20 --rates 500,1000,2000 --step-secs 20 --hold-secs 60
//! loadgen --nodes http://127.0.0.1:8080 connections --connections 19900 --hold-secs 60 --workers 2
//! ```
//!
//! Every socket's reader keeps its own statistics (merged between steps), so
//! the generator measures the server rather than contention inside itself.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Parser)]
#[command(name = "loadgen", about = "Load generator for Consilium")]
struct Cli {
    /// Server base URLs; sockets are spread over them round-robin.
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:8080")]
    nodes: Vec<String>,
    /// An admin account (to create the load's users and teams).
    #[arg(long, default_value = "admin")]
    admin_user: String,
    /// Its password.
    #[arg(long, default_value = "consilium-demo")]
    admin_password: String,
    /// Server process ids to sample RSS and CPU from (default: every `consilium` process).
    #[arg(long, value_delimiter = ',')]
    pids: Vec<u32>,
    /// Where to write the JSON results.
    #[arg(long, default_value = "loadgen-results.json")]
    out: String,
    /// Parallel requests while setting up users.
    #[arg(long, default_value_t = 8)]
    setup_concurrency: usize,
    #[command(subcommand)]
    workload: Workload,
}

#[derive(Debug, Subcommand)]
enum Workload {
    /// N idle authenticated connections held for a while; reports RSS per connection.
    Connections {
        /// How many sockets.
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// How long to hold them once all are open.
        #[arg(long, default_value_t = 60)]
        hold_secs: u64,
        /// Users to spread them over (each user may hold several sockets).
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Client processes to spread the sockets over (one process may hold
        /// only as many sockets as its open-file limit allows).
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Put the users into teams of this size, each with a team channel
        /// and a case, so every `ready` carries conversations and contacts as
        /// a doctor's would (0: users in no conversation at all).
        #[arg(long, default_value_t = 20)]
        team_size: usize,
    },
    /// Teams of members all online; messages at stepped rates into the team channels and case discussions.
    Throughput {
        /// Teams.
        #[arg(long, default_value_t = 50)]
        teams: usize,
        /// Members per team (all connected, all receiving).
        #[arg(long, default_value_t = 20)]
        members: usize,
        /// Total message rates to run, in order (messages per second).
        #[arg(long, value_delimiter = ',', default_value = "200,500,1000,2000")]
        rates: Vec<u64>,
        /// Seconds per rate step.
        #[arg(long, default_value_t = 20)]
        step_secs: u64,
        /// Stop stepping up once p99 send→deliver passes this many milliseconds.
        #[arg(long, default_value_t = 100)]
        stop_p99_ms: u64,
        /// The p99 send→deliver a rate must keep to count as sustained.
        #[arg(long, default_value_t = 50)]
        target_p99_ms: u64,
        /// After stepping, hold the highest rate that kept the target this long (0: skip).
        #[arg(long, default_value_t = 60)]
        hold_secs: u64,
    },
    /// Internal: one client process of the connections workload.
    #[command(hide = true)]
    HoldWorker {
        /// File with one access token per line.
        #[arg(long)]
        tokens_file: String,
        /// Index of this worker's first socket.
        #[arg(long)]
        first: usize,
        /// Sockets this worker opens.
        #[arg(long)]
        count: usize,
        /// Seconds to hold them after reporting.
        #[arg(long)]
        hold_secs: u64,
    },
}

struct Http {
    client: reqwest::Client,
}

impl Http {
    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.client.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{url}: {status} {body}");
        Ok(body)
    }

    async fn login(&self, node: &str, user: &str, password: &str) -> anyhow::Result<(String, String)> {
        let body = self
            .call(
                reqwest::Method::POST,
                &format!("{node}/api/v1/auth/login"),
                None,
                Some(json!({"username": user, "password": password})),
            )
            .await?;
        Ok((
            body["access_token"].as_str().unwrap_or_default().to_owned(),
            body["user"]["id"].as_str().unwrap_or_default().to_owned(),
        ))
    }
}

const PASSWORD: &str = "loadgen-password";

/// A load user: (username, access token, id).
type LoadUser = (String, String, String);

/// Creates `count` users and signs each in.
async fn make_users(
    http: &Arc<Http>,
    cli: &Cli,
    admin: &str,
    prefix: &str,
    count: usize,
) -> anyhow::Result<Vec<LoadUser>> {
    let node = cli.nodes[0].clone();
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}{i:05}")).collect();
    let results = futures_util::stream::iter(names.into_iter().enumerate().map(|(i, name)| {
        let http = http.clone();
        let node = node.clone();
        let login_node = cli.nodes[i % cli.nodes.len()].clone();
        let admin = admin.to_owned();
        async move {
            http.call(
                reqwest::Method::POST,
                &format!("{node}/api/v1/users"),
                Some(&admin),
                Some(json!({"username": name, "display_name": name, "password": PASSWORD})),
            )
            .await?;
            let (token, id) = http.login(&login_node, &name, PASSWORD).await?;
            anyhow::Ok((name, token, id))
        }
    }))
    .buffer_unordered(cli.setup_concurrency)
    .collect::<Vec<_>>()
    .await;
    let mut users: Vec<LoadUser> = results.into_iter().collect::<anyhow::Result<_>>()?;
    users.sort();
    Ok(users)
}

/// Puts `users` into teams of `members` (the first of each leads it), each
/// with its team channel and one case discussion; returns those two
/// conversations per team.
async fn make_teams(
    http: &Arc<Http>,
    cli: &Cli,
    admin: &str,
    run: &str,
    users: &[LoadUser],
    members: usize,
) -> anyhow::Result<Vec<[String; 2]>> {
    let mut conversations: Vec<[String; 2]> = Vec::with_capacity(users.len().div_ceil(members));
    for (t, team_users) in users.chunks(members).enumerate() {
        let node = &cli.nodes[0];
        let team = http
            .call(
                reqwest::Method::POST,
                &format!("{node}/api/v1/teams"),
                Some(admin),
                Some(
                    json!({"name": format!("loadgen {run} team {t}"), "specialty": "load", "lead_id": team_users[0].2}),
                ),
            )
            .await?;
        let team_id = team["id"].as_str().unwrap_or_default().to_owned();
        for u in &team_users[1..] {
            http.call(
                reqwest::Method::PUT,
                &format!("{node}/api/v1/teams/{team_id}/members/{}", u.2),
                Some(admin),
                Some(json!({"role": "specialist"})),
            )
            .await?;
        }
        let case = http
            .call(
                reqwest::Method::POST,
                &format!("{node}/api/v1/teams/{team_id}/cases"),
                Some(&team_users[0].1),
                Some(json!({
                    "patient": {"name": format!("负载患者 {t}"), "sex": "female"},
                    "title": "高血压随访",
                    "summary": "血压控制不佳，讨论调整用药",
                    "priority": "routine"
                })),
            )
            .await?;
        conversations.push([
            team["conversation_id"].as_str().unwrap_or_default().to_owned(),
            case["conversation_id"].as_str().unwrap_or_default().to_owned(),
        ]);
    }

    Ok(conversations)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(node: &str, token: &str) -> anyhow::Result<(Socket, Value)> {
    let url = format!("{}/api/v1/ws", node.replacen("http", "ws", 1));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str())?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = match loopback_source(node)? {
        Some((source, server)) => {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(source)?;
            let stream = socket.connect(server).await?;
            stream.set_nodelay(true)?;
            tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream)).await?
        }
        None => tokio_tungstenite::connect_async(request).await?,
    };
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t)?;
                if v["type"] == "ready" {
                    return Ok((ws, v));
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => anyhow::bail!("socket closed before ready"),
        }
    }
}

/// For a node on 127.0.0.1: a source address for the next socket, spread over
/// 127.0.0.2–127.0.0.65, and the node's address.
///
/// Twenty thousand sockets from one address to one port leave the kernel
/// searching the ephemeral range for a free port on every `connect` (its
/// `__inet_hash_connect` took 38 % of both cores in a connections run, more
/// than the server and Postgres together). Real clients come from many
/// addresses; spreading the sources measures the server, not that search.
fn loopback_source(node: &str) -> anyhow::Result<Option<(std::net::SocketAddr, std::net::SocketAddr)>> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let Some(authority) = node.strip_prefix("http://") else {
        return Ok(None);
    };
    let server: std::net::SocketAddr = match authority.trim_end_matches('/').parse() {
        Ok(addr) => addr,
        Err(_) => return Ok(None),
    };
    if server.ip() != std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST) {
        return Ok(None);
    }
    let spread = u8::try_from(NEXT.fetch_add(1, Ordering::Relaxed) % 64)?;
    Ok(Some((std::net::SocketAddr::from(([127, 0, 0, 2 + spread], 0)), server)))
}

/// RSS (KiB) and CPU time (clock ticks) of the given processes.
fn sample(pids: &[u32]) -> (u64, u64) {
    let mut rss = 0;
    let mut cpu = 0;
    for pid in pids {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            rss += status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            && let Some(rest) = stat.rsplit(')').next()
        {
            let fields: Vec<&str> = rest.split_whitespace().collect();
            // utime and stime are fields 14 and 15 of stat; 12 and 13 after the command
            cpu += fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    (rss, cpu)
}

/// The server processes to sample: the given pids, or every `consilium` process.
fn server_pids(pids: &[u32]) -> Vec<u32> {
    if !pids.is_empty() {
        return pids.to_vec();
    }
    pids_named("consilium")
}

/// Every process whose command name is `name` (Postgres backends, Redis).
fn pids_named(name: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name))
        .collect()
}

const CLOCK_TICKS_PER_SEC: f64 = 100.0; // USER_HZ on Linux

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

fn summary(h: &Histogram<u64>) -> Value {
    let ms = |us: u64| us as f64 / 1000.0;
    json!({
        "count": h.len(),
        "p50_ms": ms(h.value_at_quantile(0.50)),
        "p95_ms": ms(h.value_at_quantile(0.95)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "max_ms": ms(h.max()),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Workload::HoldWorker {
        tokens_file,
        first,
        count,
        hold_secs,
    } = &cli.workload
    {
        return hold_worker(&cli.nodes, tokens_file, *first, *count, *hold_secs).await;
    }
    let http = Arc::new(Http {
        client: reqwest::Client::builder().pool_max_idle_per_host(64).build()?,
    });
    let (admin, _) = http.login(&cli.nodes[0], &cli.admin_user, &cli.admin_password).await?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();
    let result = match &cli.workload {
        Workload::Connections {
            connections,
            hold_secs,
            users,
            workers,
            team_size,
        } => {
            let shape = Crowd {
                users: *users,
                team_size: *team_size,
            };
            connections_workload(&cli, &http, &admin, &run, *connections, *hold_secs, shape, *workers).await?
        }
        Workload::Throughput {
            teams,
            members,
            rates,
            step_secs,
            stop_p99_ms,
            target_p99_ms,
            hold_secs,
        } => {
            let plan = Plan {
                rates: rates.clone(),
                step_secs: *step_secs,
                stop_p99_ms: *stop_p99_ms,
                target_p99_ms: *target_p99_ms,
                hold_secs: *hold_secs,
            };
            throughput_workload(&cli, &http, &admin, &run, *teams, *members, &plan).await?
        }
        Workload::HoldWorker { .. } => unreachable!("handled above"),
    };
    std::fs::write(&cli.out, serde_json::to_string_pretty(&result)?)?;
    println!("{}", result["markdown"].as_str().unwrap_or_default());
    println!("results written to {}", cli.out);
    if result["failures"].as_u64().unwrap_or(0) > 0 {
        anyhow::bail!(
            "lost, duplicated or out-of-order deliveries, or sockets that failed: see {}",
            cli.out
        );
    }
    Ok(())
}

/// One client process of the connections workload: opens its sockets, says
/// how many opened, keeps them alive (reading answers the server's pings),
/// then says how many are still open.
async fn hold_worker(
    nodes: &[String],
    tokens_file: &str,
    first: usize,
    count: usize,
    hold_secs: u64,
) -> anyhow::Result<()> {
    let tokens: Vec<String> = std::fs::read_to_string(tokens_file)?
        .lines()
        .map(str::to_owned)
        .collect();
    anyhow::ensure!(!tokens.is_empty(), "no tokens in {tokens_file}");
    let alive = Arc::new(AtomicUsize::new(0));
    let opened = futures_util::stream::iter((first..first + count).map(|i| {
        let node = nodes[i % nodes.len()].clone();
        let token = tokens[i % tokens.len()].clone();
        let alive = alive.clone();
        async move {
            let (mut ws, _) = open_socket(&node, &token).await?;
            alive.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                while let Some(Ok(_)) = ws.next().await {}
                alive.fetch_sub(1, Ordering::Relaxed);
            });
            anyhow::Ok(())
        }
    }))
    .buffer_unordered(64)
    .collect::<Vec<_>>()
    .await;
    let failed: Vec<String> = opened
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    if let Some(e) = failed.first() {
        eprintln!("worker {first}: {} sockets failed, first error: {e}", failed.len());
    }
    println!("opened {} failed {}", count - failed.len(), failed.len());
    std::io::stdout().flush()?;
    tokio::time::sleep(Duration::from_secs(hold_secs)).await;
    println!("held {}", alive.load(Ordering::Relaxed));
    std::io::stdout().flush()?;
    Ok(())
}

/// Who holds the sockets of the connections workload.
#[derive(Debug, Clone, Copy)]
struct Crowd {
    users: usize,
    /// Teams of this size (0: none).
    team_size: usize,
}

#[allow(clippy::too_many_arguments)]
async fn connections_workload(
    cli: &Cli,
    http: &Arc<Http>,
    admin: &str,
    run: &str,
    connections: usize,
    hold_secs: u64,
    shape: Crowd,
    workers: usize,
) -> anyhow::Result<Value> {
    let users = make_users(http, cli, admin, &format!("lgc{run}_"), shape.users.max(1)).await?;
    if shape.team_size > 0 {
        make_teams(http, cli, admin, run, &users, shape.team_size).await?;
    }
    let tokens_file = std::env::temp_dir().join(format!("loadgen-{run}-tokens"));
    std::fs::write(
        &tokens_file,
        users.iter().map(|u| u.1.as_str()).collect::<Vec<_>>().join("\n"),
    )?;
    let pids = server_pids(&cli.pids);
    // let start-up allocations settle before the baseline
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_before, _) = sample(&pids);
    let started = Instant::now();
    let workers = workers.max(1);
    let share = connections.div_ceil(workers);
    let mut children = Vec::new();
    for w in 0..workers {
        let first = w * share;
        let count = share.min(connections.saturating_sub(first));
        if count == 0 {
            break;
        }
        let child = std::process::Command::new(std::env::current_exe()?)
            .arg("--nodes")
            .arg(cli.nodes.join(","))
            .arg("hold-worker")
            .arg("--tokens-file")
            .arg(&tokens_file)
            .arg("--first")
            .arg(first.to_string())
            .arg("--count")
            .arg(count.to_string())
            .arg("--hold-secs")
            .arg(hold_secs.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        children.push(child);
    }
    // each worker prints "opened N failed M", holds, then "held N"
    let (lines_tx, mut lines_rx) = mpsc::unbounded_channel::<String>();
    for child in children.iter_mut() {
        let Some(out) = child.stdout.take() else { continue };
        let tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    drop(lines_tx);
    let word = |line: &str, key: &str| -> usize {
        line.split_whitespace()
            .skip_while(|w| *w != key)
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let (mut opened, mut reported) = (0, 0);
    while reported < children.len() {
        let Some(line) = lines_rx.recv().await else { break };
        if line.starts_with("opened") {
            opened += word(&line, "opened");
            reported += 1;
        }
    }
    let connect_secs = started.elapsed().as_secs_f64();
    println!("{opened}/{connections} sockets open after {connect_secs:.1} s; holding {hold_secs} s");
    let (_, cpu_open) = sample(&pids);
    let hold_started = Instant::now();
    let mut rss_peak = 0;
    let mut held = 0;
    let mut held_reports = 0;
    while held_reports < children.len() {
        match tokio::time::timeout(Duration::from_secs(1), lines_rx.recv()).await {
            Ok(Some(line)) if line.starts_with("held") => {
                held += word(&line, "held");
                held_reports += 1;
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                rss_peak = rss_peak.max(sample(&pids).0);
            }
        }
    }
    let hold_elapsed = hold_started.elapsed().as_secs_f64();
    let (rss_after, cpu_after) = sample(&pids);
    let rss_peak = rss_peak.max(rss_after);
    for mut child in children {
        let _ = child.wait();
    }
    let _ = std::fs::remove_file(&tokens_file);
    let idle_cpu_pct = (cpu_after - cpu_open) as f64 / CLOCK_TICKS_PER_SEC / hold_elapsed.max(0.001) * 100.0;
    let per_conn_kib = rss_peak.saturating_sub(rss_before) as f64 / opened.max(1) as f64;
    let markdown = format!(
        "| workload | connections open / held / asked | connect time (s) | server RSS before (MiB) | peak (MiB) | RSS per connection (KiB) | server CPU while idle (%) |\n|---|---|---|---|---|---|---|\n| idle connections, {hold_secs} s | {opened} / {held} / {connections} | {connect_secs:.1} | {:.1} | {:.1} | {per_conn_kib:.1} | {idle_cpu_pct:.1} |",
        rss_before as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    Ok(json!({
        "workload": "connections",
        "requested": connections,
        "opened": opened,
        "held": held,
        "connect_secs": connect_secs,
        "rss_before_kib": rss_before,
        "rss_peak_kib": rss_peak,
        "rss_per_connection_kib": per_conn_kib,
        "idle_cpu_percent": idle_cpu_pct,
        "failures": connections - held.min(connections),
        "markdown": markdown,
    }))
}

/// What one socket saw, kept by its reader and merged between steps.
struct SocketStats {
    deliver: Histogram<u64>,
    ack: Histogram<u64>,
    deliveries: u64,
    errors: u64,
    /// Per conversation, the next seq this member expects.
    next: HashMap<String, i64>,
    lost_or_reordered: u64,
    duplicated: u64,
    /// Per conversation, the highest seq acked to this socket as a sender.
    max_acked: HashMap<String, i64>,
    /// Request id → send time (µs since the epoch) of sends awaiting their ack.
    pending: HashMap<String, u64>,
    /// The slowest ack (µs) of the sends of each tenth of a second (by
    /// send time, in tenths since the epoch): when a burst of other work
    /// slows chat, and for how long, which one p99 does not tell.
    worst_ack_by_tenth: BTreeMap<u64, u64>,
}

impl SocketStats {
    fn new() -> Self {
        Self {
            deliver: histogram(),
            ack: histogram(),
            deliveries: 0,
            errors: 0,
            next: HashMap::new(),
            lost_or_reordered: 0,
            duplicated: 0,
            max_acked: HashMap::new(),
            pending: HashMap::new(),
            worst_ack_by_tenth: BTreeMap::new(),
        }
    }

    fn reset_step(&mut self) {
        self.deliver.reset();
        self.ack.reset();
        self.deliveries = 0;
        self.errors = 0;
        self.worst_ack_by_tenth.clear();
    }
}

#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    conversation_id: Option<Cow<'a, str>>,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(default, borrow)]
    message: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct IncomingMessage<'a> {
    #[serde(borrow)]
    conversation_id: Cow<'a, str>,
    seq: i64,
    #[serde(borrow)]
    body: Cow<'a, str>,
}

fn read_frame(text: &str, now: u64, stats: &Mutex<SocketStats>) {
    let Ok(frame) = serde_json::from_str::<Incoming<'_>>(text) else {
        return;
    };
    let Ok(mut s) = stats.lock() else { return };
    match frame.kind.as_ref() {
        "message" => {
            let Some(Ok(m)) = frame
                .message
                .map(|raw| serde_json::from_str::<IncomingMessage<'_>>(raw.get()))
            else {
                return;
            };
            let sent: u64 = m.body.split('|').nth(1).and_then(|t| t.parse().ok()).unwrap_or(now);
            let _ = s.deliver.record(now.saturating_sub(sent).max(1));
            s.deliveries += 1;
            let expected = s.next.get(m.conversation_id.as_ref()).copied().unwrap_or(m.seq);
            if m.seq < expected {
                s.duplicated += 1;
            } else {
                if m.seq > expected {
                    s.lost_or_reordered += 1;
                }
                s.next.insert(m.conversation_id.into_owned(), m.seq + 1);
            }
        }
        "ack" => {
            if let Some(sent) = frame.id.and_then(|id| s.pending.remove(id.as_ref())) {
                let took = now.saturating_sub(sent).max(1);
                let _ = s.ack.record(took);
                let worst = s.worst_ack_by_tenth.entry(sent / 100_000).or_insert(0);
                *worst = (*worst).max(took);
            }
            if let (Some(conv), Some(seq)) = (frame.conversation_id, frame.seq) {
                let top = s.max_acked.entry(conv.into_owned()).or_insert(0);
                *top = (*top).max(seq);
            }
        }
        "error" => {
            s.errors += 1;
            if s.errors <= 3 {
                eprintln!("server error frame: {text}");
            }
        }
        _ => {}
    }
}

/// How the throughput workload steps its rate.
struct Plan {
    rates: Vec<u64>,
    step_secs: u64,
    stop_p99_ms: u64,
    target_p99_ms: u64,
    hold_secs: u64,
}

struct Member {
    stats: Arc<Mutex<SocketStats>>,
    outbox: mpsc::UnboundedSender<String>,
    team: usize,
}

async fn throughput_workload(
    cli: &Cli,
    http: &Arc<Http>,
    admin: &str,
    run: &str,
    teams: usize,
    members: usize,
    plan: &Plan,
) -> anyhow::Result<Value> {
    println!("creating {} users, {teams} teams and a case per team…", teams * members);
    let users = make_users(http, cli, admin, &format!("lgt{run}_"), teams * members).await?;
    let conversations = make_teams(http, cli, admin, run, &users, members).await?;

    println!("opening {} sockets…", users.len());
    let epoch = Instant::now();
    let mut roster = Vec::with_capacity(users.len());
    for (i, (_, token, _)) in users.iter().enumerate() {
        let node = &cli.nodes[i % cli.nodes.len()];
        let (ws, ready) = open_socket(node, token).await?;
        let mut stats = SocketStats::new();
        for c in ready["conversations"].as_array().into_iter().flatten() {
            stats.next.insert(
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["last_seq"].as_i64().unwrap_or(0) + 1,
            );
        }
        let stats = Arc::new(Mutex::new(stats));
        let (mut sink, mut stream) = ws.split();
        let reader_stats = stats.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if let Message::Text(text) = frame {
                    let now = epoch.elapsed().as_micros() as u64;
                    read_frame(text.as_str(), now, &reader_stats);
                }
            }
        });
        let (outbox, mut outgoing) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(frame) = outgoing.recv().await {
                if sink.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
        });
        roster.push(Member {
            stats,
            outbox,
            team: i / members,
        });
    }

    let pids = server_pids(&cli.pids);
    let mut steps: Vec<Value> = Vec::new();
    let mut markdown = String::from(
        "| phase | rate (msg/s) | s | durable msg/s | deliveries/s | ack p50/p99 (ms) | deliver p50/p95/p99/max (ms) | lost/reordered | dup | errors | CPU % server / postgres / redis / loadgen | server RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut counter = 0u64;
    let mut best: Option<u64> = None;
    let mut phases: Vec<(&str, u64, u64)> = plan.rates.iter().map(|r| ("step", *r, plan.step_secs)).collect();
    let mut i = 0;
    while i < phases.len() {
        let (phase, rate, secs) = phases[i];
        i += 1;
        let step = run_step(&roster, &conversations, run, epoch, &pids, &mut counter, rate, secs).await;
        markdown.push_str(&format!(
            "| {phase} | {rate} | {secs} | {:.0} | {:.0} | {:.1} / {:.1} | {:.1} / {:.1} / {:.1} / {:.1} | {} | {} | {} | {:.0} / {:.0} / {:.0} / {:.0} | {:.0} |\n",
            step["durable_per_sec"].as_f64().unwrap_or(0.0),
            step["deliveries_per_sec"].as_f64().unwrap_or(0.0),
            step["ack"]["p50_ms"].as_f64().unwrap_or(0.0),
            step["ack"]["p99_ms"].as_f64().unwrap_or(0.0),
            step["deliver"]["p50_ms"].as_f64().unwrap_or(0.0),
            step["deliver"]["p95_ms"].as_f64().unwrap_or(0.0),
            step["deliver"]["p99_ms"].as_f64().unwrap_or(0.0),
            step["deliver"]["max_ms"].as_f64().unwrap_or(0.0),
            step["lost_or_reordered"],
            step["duplicated"],
            step["errors"],
            step["server_cpu_percent"].as_f64().unwrap_or(0.0),
            step["postgres_cpu_percent"].as_f64().unwrap_or(0.0),
            step["redis_cpu_percent"].as_f64().unwrap_or(0.0),
            step["loadgen_cpu_percent"].as_f64().unwrap_or(0.0),
            step["server_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
        ));
        let p99 = step["deliver"]["p99_ms"].as_f64().unwrap_or(f64::MAX);
        let sustained = step["durable_per_sec"].as_f64().unwrap_or(0.0) >= rate as f64 * 0.97;
        println!(
            "{phase} {rate}/s: durable {:.0}/s, deliveries {:.0}/s, deliver p99 {p99:.1} ms",
            step["durable_per_sec"].as_f64().unwrap_or(0.0),
            step["deliveries_per_sec"].as_f64().unwrap_or(0.0),
        );
        let mut step = step;
        step["phase"] = json!(phase);
        steps.push(step);
        if phase == "step" {
            if p99 <= plan.target_p99_ms as f64 && sustained {
                best = Some(best.map_or(rate, |b| b.max(rate)));
            }
            let last_step = i == plan.rates.len();
            if p99 > plan.stop_p99_ms as f64 || !sustained || last_step {
                if p99 > plan.stop_p99_ms as f64 {
                    println!("p99 passed {} ms; stopping the steps", plan.stop_p99_ms);
                }
                phases.truncate(i);
                if let (Some(b), true) = (best, plan.hold_secs > 0) {
                    phases.push(("hold", b, plan.hold_secs));
                }
            }
        }
    }
    let failures: u64 = steps
        .iter()
        .map(|s| s["lost_or_reordered"].as_u64().unwrap_or(0) + s["duplicated"].as_u64().unwrap_or(0))
        .sum();
    let held = steps
        .iter()
        .rfind(|s| s["phase"] == "hold")
        .filter(|s| s["deliver"]["p99_ms"].as_f64().unwrap_or(f64::MAX) <= plan.target_p99_ms as f64)
        .cloned();
    Ok(json!({
        "workload": "throughput", "teams": teams, "members": members, "nodes": cli.nodes,
        "steps": steps, "failures": failures, "markdown": markdown,
        "result": held,
    }))
}

/// Sends at `rate` for `secs`, lets the tail drain, and reports the step.
#[allow(clippy::too_many_arguments)]
async fn run_step(
    roster: &[Member],
    conversations: &[[String; 2]],
    run: &str,
    epoch: Instant,
    pids: &[u32],
    counter: &mut u64,
    rate: u64,
    secs: u64,
) -> Value {
    for m in roster {
        if let Ok(mut s) = m.stats.lock() {
            s.reset_step();
        }
    }
    let self_pid = [std::process::id()];
    let (_, cpu_before) = sample(pids);
    let (_, self_before) = sample(&self_pid);
    // Postgres forks a backend per connection: sample whichever exist now
    let db_pids = pids_named("postgres");
    let redis_pids = pids_named("redis-server");
    let (_, db_before) = sample(&db_pids);
    let (_, redis_before) = sample(&redis_pids);
    let started = Instant::now();
    let step_start_us = epoch.elapsed().as_micros() as u64;
    // This process shares the machine with the node it measures: when its
    // own tasks wake late, a slow delivery may be the client's, not the
    // node's. A probe sleeps 5 ms at a time and keeps how late it woke,
    // worst per tenth of a second, beside the acks' worst.
    let probe_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = tokio::spawn({
        let stop = probe_stop.clone();
        async move {
            let mut lateness = histogram();
            let mut worst_by_tenth: BTreeMap<u64, u64> = BTreeMap::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let asleep = Instant::now();
                tokio::time::sleep(Duration::from_millis(5)).await;
                let late_us = (asleep.elapsed().as_micros() as u64).saturating_sub(5_000);
                let _ = lateness.record(late_us.max(1));
                let tenth = epoch.elapsed().as_micros() as u64 / 100_000;
                let worst = worst_by_tenth.entry(tenth).or_insert(0);
                *worst = (*worst).max(late_us);
            }
            (lateness, worst_by_tenth)
        }
    });
    let mut sent = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while started.elapsed() < Duration::from_secs(secs) {
        tick.tick().await;
        let due = (started.elapsed().as_secs_f64() * rate as f64) as u64;
        while sent < due {
            let n = *counter;
            *counter += 1;
            let sender = &roster[(n.wrapping_mul(7919) % roster.len() as u64) as usize];
            let conversation = &conversations[sender.team][(n % 2) as usize];
            let at = epoch.elapsed().as_micros() as u64;
            let id = format!("m{n}");
            if let Ok(mut s) = sender.stats.lock() {
                s.pending.insert(id.clone(), at);
            }
            let frame = json!({"type": "send", "id": id, "conversation_id": conversation, "client_msg_id": format!("{run}-{n}"), "body": format!("load|{at}|患者血压 150/95 mmHg，请评估")});
            let _ = sender.outbox.send(frame.to_string());
            sent += 1;
        }
    }
    // let the tail drain
    tokio::time::sleep(Duration::from_secs(2)).await;
    probe_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (client_lateness, client_worst_by_tenth) = probe.await.unwrap_or_else(|_| (histogram(), BTreeMap::new()));
    let elapsed = started.elapsed().as_secs_f64() - 2.0;
    let (rss, cpu_after) = sample(pids);
    let (_, self_after) = sample(&self_pid);
    let (_, db_after) = sample(&db_pids);
    let (_, redis_after) = sample(&redis_pids);
    let wall = elapsed + 2.0;
    let db_pct = db_after.saturating_sub(db_before) as f64 / CLOCK_TICKS_PER_SEC / wall * 100.0;
    let redis_pct = redis_after.saturating_sub(redis_before) as f64 / CLOCK_TICKS_PER_SEC / wall * 100.0;
    let cpu_pct = (cpu_after - cpu_before) as f64 / CLOCK_TICKS_PER_SEC / wall * 100.0;
    let self_pct = (self_after - self_before) as f64 / CLOCK_TICKS_PER_SEC / wall * 100.0;

    let mut deliver = histogram();
    let mut ack = histogram();
    let (mut deliveries, mut errors, mut lost, mut dup) = (0u64, 0u64, 0u64, 0u64);
    let mut acked: HashMap<String, i64> = HashMap::new();
    let mut worst_by_tenth: BTreeMap<u64, u64> = BTreeMap::new();
    for m in roster {
        let Ok(s) = m.stats.lock() else { continue };
        for (tenth, took) in &s.worst_ack_by_tenth {
            let worst = worst_by_tenth.entry(*tenth).or_insert(0);
            *worst = (*worst).max(*took);
        }
        let _ = deliver.add(&s.deliver);
        let _ = ack.add(&s.ack);
        deliveries += s.deliveries;
        errors += s.errors;
        lost += s.lost_or_reordered;
        dup += s.duplicated;
        for (conv, seq) in &s.max_acked {
            let top = acked.entry(conv.clone()).or_insert(0);
            *top = (*top).max(*seq);
        }
    }
    // anything acked that a member has not received by now counts as lost
    for m in roster {
        let Ok(s) = m.stats.lock() else { continue };
        lost += s
            .next
            .iter()
            .map(|(conv, next)| (acked.get(conv).copied().unwrap_or(0) - (next - 1)).max(0) as u64)
            .sum::<u64>();
    }
    json!({
        "rate": rate, "secs": secs, "sent": sent,
        "durable_per_sec": ack.len() as f64 / elapsed,
        "deliveries_per_sec": deliveries as f64 / elapsed,
        "ack": summary(&ack), "deliver": summary(&deliver),
        "lost_or_reordered": lost, "duplicated": dup, "errors": errors,
        "server_cpu_percent": cpu_pct, "loadgen_cpu_percent": self_pct, "postgres_cpu_percent": db_pct,
        "redis_cpu_percent": redis_pct, "server_rss_kib": rss as f64,
        // [seconds into the step, slowest ack in ms] per tenth of a second
        "worst_ack_ms_by_tenth": by_tenth(&worst_by_tenth, step_start_us),
        // how late this process's own 5 ms sleeps woke (see the probe above)
        "client_wakeup_lateness": summary(&client_lateness),
        "worst_client_lateness_ms_by_tenth": by_tenth(&client_worst_by_tenth, step_start_us),
    })
}

/// `[seconds into the step, worst in ms]` for each tenth of a second that
/// `worst_by_tenth` (tenths since the epoch → microseconds) holds.
fn by_tenth(worst_by_tenth: &BTreeMap<u64, u64>, step_start_us: u64) -> Vec<Value> {
    worst_by_tenth
        .iter()
        .map(|(tenth, took)| {
            let at = (*tenth * 100_000).saturating_sub(step_start_us) as f64 / 1e6;
            json!([(at * 10.0).round() / 10.0, *took as f64 / 1000.0])
        })
        .collect()
}
