//! `loadgen`: a load generator for Consilium, run by hand (never in CI).
//!
//! It creates its own users and teams through the API, opens one authenticated
//! websocket per user spread across the given nodes, sends messages into the
//! team channels at a target rate, and measures send→ack and send→deliver
//! latency at every recipient, durable messages/s and deliveries/s. Any lost,
//! duplicated or out-of-order delivery is a hard failure. It also samples the
//! server processes' RSS and CPU from /proc. Results go to a JSON file and a
//! Markdown table.
//!
//! ```text
//! loadgen throughput --nodes http://127.0.0.1:8080 --teams 50 --members 20 --rates 500,1000,2000 --step-secs 20
//! loadgen connections --nodes http://127.0.0.1:8080 --connections 5000 --hold-secs 60
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::sync::Mutex;
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
        /// How long to hold them.
        #[arg(long, default_value_t = 60)]
        hold_secs: u64,
        /// Users to spread them over (each user may hold several sockets).
        #[arg(long, default_value_t = 100)]
        users: usize,
    },
    /// Teams of members all online; messages at stepped rates into the team channels.
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

/// Creates `count` users and signs each in; returns (username, token, id).
async fn make_users(
    http: &Arc<Http>,
    cli: &Cli,
    admin: &str,
    prefix: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String, String)>> {
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
    let mut users: Vec<(String, String, String)> = results.into_iter().collect::<anyhow::Result<_>>()?;
    users.sort();
    Ok(users)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(node: &str, token: &str) -> anyhow::Result<(Socket, Value)> {
    let url = format!("{}/api/v1/ws", node.replacen("http", "ws", 1));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str())?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
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

/// RSS (KiB) and CPU time (clock ticks) of the server processes.
fn sample_servers(pids: &[u32]) -> (u64, u64) {
    let pids: Vec<u32> = if pids.is_empty() {
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "consilium"))
            .collect()
    } else {
        pids.to_vec()
    };
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
        } => connections_workload(&cli, &http, &admin, &run, *connections, *hold_secs, *users).await?,
        Workload::Throughput {
            teams,
            members,
            rates,
            step_secs,
            stop_p99_ms,
        } => {
            throughput_workload(
                &cli,
                &http,
                &admin,
                &run,
                *teams,
                *members,
                rates,
                *step_secs,
                *stop_p99_ms,
            )
            .await?
        }
    };
    std::fs::write(&cli.out, serde_json::to_string_pretty(&result)?)?;
    println!("{}", result["markdown"].as_str().unwrap_or_default());
    println!("results written to {}", cli.out);
    if result["failures"].as_u64().unwrap_or(0) > 0 {
        anyhow::bail!("lost, duplicated or out-of-order deliveries: see {}", cli.out);
    }
    Ok(())
}

async fn connections_workload(
    cli: &Cli,
    http: &Arc<Http>,
    admin: &str,
    run: &str,
    connections: usize,
    hold_secs: u64,
    users: usize,
) -> anyhow::Result<Value> {
    let users = make_users(http, cli, admin, &format!("lgc{run}_"), users.max(1)).await?;
    let (rss_before, _) = sample_servers(&cli.pids);
    let started = Instant::now();
    let sockets = futures_util::stream::iter((0..connections).map(|i| {
        let node = cli.nodes[i % cli.nodes.len()].clone();
        let token = users[i % users.len()].1.clone();
        async move { open_socket(&node, &token).await.map(|(ws, _)| ws) }
    }))
    .buffer_unordered(64)
    .collect::<Vec<_>>()
    .await;
    let opened = sockets.iter().filter(|s| s.is_ok()).count();
    let connect_secs = started.elapsed().as_secs_f64();
    let mut sockets: Vec<Socket> = sockets.into_iter().flatten().collect();
    // keep them alive: answer pings by reading
    let hold = Instant::now();
    while hold.elapsed() < Duration::from_secs(hold_secs) {
        for ws in sockets.iter_mut() {
            while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(0), ws.next()).await {}
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let (rss_after, _) = sample_servers(&cli.pids);
    let per_conn_kib = (rss_after.saturating_sub(rss_before)) as f64 / opened.max(1) as f64;
    let markdown = format!(
        "| workload | connections | connect time (s) | server RSS before (MiB) | after (MiB) | RSS per connection (KiB) |\n|---|---|---|---|---|---|\n| idle connections | {opened}/{connections} | {connect_secs:.1} | {:.1} | {:.1} | {per_conn_kib:.1} |",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    Ok(json!({
        "workload": "connections",
        "requested": connections,
        "opened": opened,
        "connect_secs": connect_secs,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_per_connection_kib": per_conn_kib,
        "failures": connections - opened,
        "markdown": markdown,
    }))
}

/// What every receiver checks: per conversation, the next seq it expects.
#[derive(Default)]
struct Receiver {
    next: HashMap<String, i64>,
    lost_or_reordered: u64,
    duplicated: u64,
}

#[allow(clippy::too_many_arguments)]
async fn throughput_workload(
    cli: &Cli,
    http: &Arc<Http>,
    admin: &str,
    run: &str,
    teams: usize,
    members: usize,
    rates: &[u64],
    step_secs: u64,
    stop_p99_ms: u64,
) -> anyhow::Result<Value> {
    println!("creating {} users and {teams} teams…", teams * members);
    let users = make_users(http, cli, admin, &format!("lgt{run}_"), teams * members).await?;
    let mut channels = Vec::with_capacity(teams);
    for t in 0..teams {
        let team_users = &users[t * members..(t + 1) * members];
        let team = http
            .call(
                reqwest::Method::POST,
                &format!("{}/api/v1/teams", cli.nodes[0]),
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
                &format!("{}/api/v1/teams/{team_id}/members/{}", cli.nodes[0], u.2),
                Some(admin),
                Some(json!({"role": "specialist"})),
            )
            .await?;
        }
        channels.push(team["conversation_id"].as_str().unwrap_or_default().to_owned());
    }

    println!("opening {} sockets…", users.len());
    let epoch = Instant::now();
    let deliver = Arc::new(Mutex::new(histogram()));
    let ack = Arc::new(Mutex::new(histogram()));
    let deliveries = Arc::new(AtomicU64::new(0));
    let max_acked: Arc<Mutex<HashMap<String, i64>>> = Arc::new(Mutex::new(HashMap::new()));
    let receivers: Arc<Mutex<Vec<Receiver>>> =
        Arc::new(Mutex::new((0..users.len()).map(|_| Receiver::default()).collect()));
    let mut senders = Vec::with_capacity(users.len());
    for (i, (_, token, _)) in users.iter().enumerate() {
        let node = &cli.nodes[i % cli.nodes.len()];
        let (ws, ready) = open_socket(node, token).await?;
        {
            let mut r = receivers.lock().await;
            for c in ready["conversations"].as_array().into_iter().flatten() {
                r[i].next.insert(
                    c["id"].as_str().unwrap_or_default().to_owned(),
                    c["last_seq"].as_i64().unwrap_or(0) + 1,
                );
            }
        }
        let (sink, mut stream) = ws.split();
        let deliver = deliver.clone();
        let ack = ack.clone();
        let deliveries = deliveries.clone();
        let receivers = receivers.clone();
        let pending: Arc<Mutex<HashMap<String, u64>>> = Arc::new(Mutex::new(HashMap::new()));
        let pending_reader = pending.clone();
        let max_acked = max_acked.clone();
        tokio::spawn(async move {
            while let Some(Ok(Message::Text(text))) = stream.next().await {
                let now = epoch.elapsed().as_micros() as u64;
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                match v["type"].as_str() {
                    Some("message") => {
                        let m = &v["message"];
                        let sent: u64 = m["body"]
                            .as_str()
                            .and_then(|b| b.split('|').nth(1)?.parse().ok())
                            .unwrap_or(now);
                        let _ = deliver.lock().await.record(now.saturating_sub(sent).max(1));
                        deliveries.fetch_add(1, Ordering::Relaxed);
                        let conv = m["conversation_id"].as_str().unwrap_or_default().to_owned();
                        let seq = m["seq"].as_i64().unwrap_or(0);
                        let mut all = receivers.lock().await;
                        let r = &mut all[i];
                        let expected = *r.next.get(&conv).unwrap_or(&seq);
                        if seq < expected {
                            r.duplicated += 1;
                        } else {
                            if seq > expected {
                                r.lost_or_reordered += 1;
                            }
                            r.next.insert(conv, seq + 1);
                        }
                    }
                    Some("ack") => {
                        let id = v["id"].as_str().unwrap_or_default();
                        if let Some(sent) = pending_reader.lock().await.remove(id) {
                            let _ = ack.lock().await.record(now.saturating_sub(sent).max(1));
                        }
                        let conv = v["conversation_id"].as_str().unwrap_or_default().to_owned();
                        let seq = v["seq"].as_i64().unwrap_or(0);
                        let mut m = max_acked.lock().await;
                        let top = m.entry(conv).or_insert(0);
                        *top = (*top).max(seq);
                    }
                    _ => {}
                }
            }
        });
        senders.push((Arc::new(Mutex::new(sink)), pending, channels[i / members].clone()));
    }

    let mut steps = Vec::new();
    let mut markdown = String::from(
        "| rate (msg/s) | durable msg/s | deliveries/s | ack p50/p99 (ms) | deliver p50/p95/p99/max (ms) | lost/reordered | dup | server CPU (%) | server RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let counter = AtomicU64::new(0);
    for &rate in rates {
        deliver.lock().await.reset();
        ack.lock().await.reset();
        deliveries.store(0, Ordering::Relaxed);
        let acks_before = ack.lock().await.len();
        let (_, cpu_before) = sample_servers(&cli.pids);
        let started = Instant::now();
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let mut next = tokio::time::Instant::now();
        let mut sent = 0u64;
        while started.elapsed() < Duration::from_secs(step_secs) {
            let n = counter.fetch_add(1, Ordering::Relaxed) as usize;
            let (sink, pending, channel) = &senders[(n * 7919) % senders.len()];
            let id = format!("m{n}");
            let at = epoch.elapsed().as_micros() as u64;
            pending.lock().await.insert(id.clone(), at);
            let frame = json!({"type": "send", "id": id, "conversation_id": channel, "client_msg_id": format!("{run}-{n}"), "body": format!("load|{at}|患者血压 150/95 mmHg，请评估")});
            let sink = sink.clone();
            tokio::spawn(async move {
                let _ = sink.lock().await.send(Message::Text(frame.to_string().into())).await;
            });
            sent += 1;
            next += interval;
            tokio::time::sleep_until(next).await;
        }
        // let the tail drain
        tokio::time::sleep(Duration::from_secs(2)).await;
        let elapsed = started.elapsed().as_secs_f64() - 2.0;
        let (rss, cpu_after) = sample_servers(&cli.pids);
        let ticks = 100.0; // USER_HZ on Linux
        let cpu_pct = (cpu_after - cpu_before) as f64 / ticks / (elapsed + 2.0) * 100.0;
        let d = deliver.lock().await.clone();
        let a = ack.lock().await.clone();
        let (lost, dup) = {
            let r = receivers.lock().await;
            let acked = max_acked.lock().await;
            // anything acked that a member never received by now counts as lost
            let missing: u64 = r
                .iter()
                .flat_map(|x| {
                    x.next
                        .iter()
                        .map(|(conv, next)| (acked.get(conv).copied().unwrap_or(0) - (next - 1)).max(0) as u64)
                })
                .sum();
            (
                r.iter().map(|x| x.lost_or_reordered).sum::<u64>() + missing,
                r.iter().map(|x| x.duplicated).sum::<u64>(),
            )
        };
        let durable = (a.len() - acks_before.min(a.len())) as f64 / elapsed;
        let per_sec = deliveries.load(Ordering::Relaxed) as f64 / elapsed;
        let p99 = d.value_at_quantile(0.99) as f64 / 1000.0;
        markdown.push_str(&format!(
            "| {rate} | {durable:.0} | {per_sec:.0} | {:.1} / {:.1} | {:.1} / {:.1} / {p99:.1} / {:.1} | {lost} | {dup} | {cpu_pct:.0} | {:.0} |\n",
            a.value_at_quantile(0.5) as f64 / 1000.0,
            a.value_at_quantile(0.99) as f64 / 1000.0,
            d.value_at_quantile(0.5) as f64 / 1000.0,
            d.value_at_quantile(0.95) as f64 / 1000.0,
            d.max() as f64 / 1000.0,
            rss as f64 / 1024.0,
        ));
        println!(
            "rate {rate}: sent {sent}, durable {durable:.0}/s, deliveries {per_sec:.0}/s, deliver p99 {p99:.1} ms"
        );
        steps.push(json!({
            "rate": rate, "sent": sent, "durable_per_sec": durable, "deliveries_per_sec": per_sec,
            "ack": summary(&a), "deliver": summary(&d), "lost_or_reordered": lost, "duplicated": dup,
            "server_cpu_percent": cpu_pct, "server_rss_kib": rss,
        }));
        if p99 > stop_p99_ms as f64 {
            println!("p99 passed {stop_p99_ms} ms; stopping");
            break;
        }
    }
    let failures: u64 = steps
        .iter()
        .map(|s| s["lost_or_reordered"].as_u64().unwrap_or(0) + s["duplicated"].as_u64().unwrap_or(0))
        .sum();
    Ok(json!({
        "workload": "throughput", "teams": teams, "members": members, "nodes": cli.nodes,
        "steps": steps, "failures": failures, "markdown": markdown,
    }))
}
