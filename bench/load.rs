//! Publishing, delivering and end-to-end latency against webhookd server processes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use webhookd_client::pb;

use crate::receiver::Receiver;
use crate::support::{self, ServerProcess};
use crate::{cpu, pct};

pub type Admin = webhookd_client::AdminClient;
pub type Ingest = webhookd_client::IngestClient;

pub fn admin_client(s: &ServerProcess, token: &str) -> Admin {
    webhookd_client::Client::with_channel(s.channel(), Some(token)).unwrap().admin()
}

pub fn ingest_client(s: &ServerProcess, token: &str) -> Ingest {
    webhookd_client::Client::with_channel(s.channel(), Some(token)).unwrap().ingest()
}

pub async fn create_webhooks(admin: &mut Admin, url: &str, event: &str, n: usize) {
    for _ in 0..n {
        admin
            .create_webhook(pb::CreateWebhookRequest {
                target_url: url.into(),
                secret: "bench-secret-value".into(),
                events: vec![event.into()],
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

pub fn event(name: &str, seq: usize) -> pb::PublishEventRequest {
    pb::PublishEventRequest {
        event_name: name.into(),
        payload: format!(r#"{{"seq":{seq},"data":"{}"}}"#, "x".repeat(100)),
        ..Default::default()
    }
}

// --- phases --------------------------------------------------------------------------------------

/// What a unary ingest phase measured.
pub struct Unary {
    /// Events per second.
    pub rate: f64,
    /// Call latency in milliseconds: p50, p99, max.
    pub call_ms: [f64; 3],
    /// When the slowest call started, in milliseconds from the phase's start.
    pub slowest_at_ms: f64,
}

pub async fn publish_unary(s: &ServerProcess, token: &str, name: &str, n: usize, concurrency: usize) -> Unary {
    let next = Arc::new(AtomicUsize::new(0));
    // Each publisher's connection is open before the clock starts, as a long-lived client's
    // would be; its first call (and the server's first look at its token) is measured.
    let mut clients = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", s.addr))
            .unwrap()
            .tcp_nodelay(true)
            .connect()
            .await
            .unwrap();
        clients.push(webhookd_client::Client::with_channel(channel, Some(token)).unwrap().ingest());
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut client in clients {
        let (next, name) = (next.clone(), name.to_string());
        tasks.push(tokio::spawn(async move {
            let mut calls = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return calls;
                }
                let call = Instant::now();
                client.publish_event(event(&name, i)).await.unwrap();
                calls.push((call.duration_since(started), call.elapsed()));
            }
        }));
    }
    let mut calls = Vec::with_capacity(n);
    for t in tasks {
        calls.extend(t.await.unwrap());
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let slowest = calls.iter().max_by_key(|c| c.1).copied().unwrap_or_default();
    let mut ms: Vec<f64> = calls.iter().map(|c| c.1.as_secs_f64() * 1000.0).collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    Unary {
        rate,
        call_ms: [pct(&ms, 0.50), pct(&ms, 0.99), *ms.last().unwrap_or(&0.0)],
        slowest_at_ms: slowest.0.as_secs_f64() * 1000.0,
    }
}

pub async fn publish_streaming(s: &ServerProcess, token: &str, name: &str, n: usize, streams: usize) -> f64 {
    let started = Instant::now();
    let per = n.div_ceil(streams.max(1));
    let mut tasks = Vec::new();
    for k in 0..streams.max(1) {
        let (mut client, name) = (ingest_client(s, token), name.to_string());
        let range = (k * per)..((k + 1) * per).min(n);
        tasks.push(tokio::spawn(async move {
            let expected = range.len();
            let reqs = tokio_stream::iter(range.map(move |i| event(&name, i)));
            let mut answers = client.publish_events(reqs).await.unwrap().into_inner();
            let mut got = 0;
            while answers.message().await.unwrap().is_some() {
                got += 1;
            }
            assert_eq!(got, expected);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// What a drain measured.
pub struct Drained {
    /// Deliveries per second, from the first arrival to the last recorded outcome.
    pub rate: f64,
    /// Peak RSS of the servers, KiB (the largest).
    pub peak_kib: u64,
    /// Requests the receiver got beyond the deliveries: sent twice.
    pub extra: u64,
    /// CPU milliseconds per delivery of the servers (together) and of PostgreSQL, from the
    /// servers' start to the last recorded outcome.
    pub cpu_ms: [f64; 2],
}

/// Starts `replicas` delivering servers on a backlog of `n` deliveries of `event` and times
/// the drain, from the first arrival to the last recorded outcome; then deletes the events.
#[allow(clippy::too_many_arguments)]
pub async fn drain(
    url: &str,
    dir: &Path,
    receiver: &Receiver,
    db: &tokio_postgres::Client,
    pgdata: &Path,
    event: &str,
    n: usize,
    replicas: usize,
) -> Drained {
    receiver.reset();
    let pg_before = cpu::cluster_processes(pgdata);
    let mut servers = Vec::new();
    for r in 0..replicas.max(1) {
        servers.push(ServerProcess::serving(url, &dir.join(r.to_string()), &[]).await);
    }
    // Wait on the receiver's own counter, then for the last outcomes to be recorded: the
    // measurement must not load the database it measures.
    let deadline = Instant::now() + Duration::from_secs(600);
    while receiver.count.load(Ordering::SeqCst) < n as u64 {
        assert!(Instant::now() < deadline, "only {} of {n} deliveries arrived", receiver.count.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Pending deliveries of the webhooks of `event`, probed by webhook on the queue's partial
    // indexes (the table may hold a large backlog of other webhooks, which the planner's
    // estimates would otherwise have scanned whole every few milliseconds).
    let probe = support::sql(url).await;
    probe.batch_execute("SET enable_seqscan = off").await.unwrap();
    let pending = probe
        .prepare(
            "SELECT EXISTS (SELECT 1 FROM webhooks w WHERE $1 = ANY (w.events) AND (
                 EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = w.id AND d.status = 1 AND d.claim_token IS NULL)
                 OR EXISTS (SELECT 1 FROM deliveries d
                            WHERE d.webhook_id = w.id AND d.status = 1 AND d.claim_token IS NOT NULL)))",
        )
        .await
        .unwrap();
    loop {
        let pending: bool = probe.query_one(&pending, &[&event]).await.unwrap().get(0);
        if !pending {
            break;
        }
        assert!(Instant::now() < deadline, "outcomes not recorded");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let done = Instant::now();
    let first = receiver.first.lock().unwrap().expect("requests arrived");
    let peak_kib = servers.iter().map(|s| s.rss("VmHWM")).max().unwrap_or(0);
    let extra = receiver.count.load(Ordering::SeqCst).saturating_sub(n as u64);
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / n as f64;
    let server_cpu: Duration = servers.iter().map(|s| cpu::process(s.child.id())).sum();
    let pg_cpu: Duration = cpu::since(&pg_before, &cpu::cluster_processes(pgdata)).values().sum();
    drop(servers);
    db.execute("DELETE FROM events WHERE event_name = $1", &[&event]).await.unwrap();
    Drained {
        rate: n as f64 / done.duration_since(first).as_secs_f64(),
        peak_kib,
        extra,
        cpu_ms: [per(server_cpu), per(pg_cpu)],
    }
}

/// What a steady-rate phase measured.
pub struct Steady {
    /// Milliseconds from the start of each `PublishEvent` call to the event's arrival at the
    /// receiver: p50, p95, p99, max.
    pub e2e_ms: [f64; 4],
    /// CPU milliseconds per event of the webhookd process.
    pub server_cpu_ms: f64,
    /// CPU milliseconds per event of the PostgreSQL cluster (every process of it).
    pub postgres_cpu_ms: f64,
    /// CPU milliseconds per event of each process of the cluster, by pid (0: those that
    /// exited during the run).
    pub postgres_processes: HashMap<u32, f64>,
}

/// Publishes `name` at a steady `rate` for `secs` seconds, in `scopes` in turn, and measures,
/// per event, the time from the start of the call to its arrival at `/latency` and the CPU
/// webhookd and PostgreSQL spent. Each event must reach exactly one webhook.
#[allow(clippy::too_many_arguments)]
pub async fn latency(
    s: &ServerProcess,
    token: &str,
    receiver: &Receiver,
    pgdata: &Path,
    name: &str,
    scopes: &[Option<pb::Scope>],
    rate: u64,
    secs: u64,
) -> Steady {
    receiver.arrivals.lock().unwrap().clear();
    let starts: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let total = rate * secs;
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let client = ingest_client(s, token);
    let (server_cpu, pg_cpu) = (cpu::process(s.child.id()), cpu::cluster_processes(pgdata));
    let mut tasks = Vec::with_capacity(total as usize);
    for seq in 0..total {
        tick.tick().await;
        let (mut client, starts) = (client.clone(), starts.clone());
        let request =
            pb::PublishEventRequest { scope: scopes[seq as usize % scopes.len()].clone(), ..event(name, seq as usize) };
        tasks.push(tokio::spawn(async move {
            starts.lock().unwrap().insert(seq, Instant::now());
            client.publish_event(request).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    await_arrivals(receiver, total as usize, Duration::from_secs(60), "latency").await;
    let per_event = |d: Duration| d.as_secs_f64() * 1000.0 / total as f64;
    let server_cpu_ms = per_event(cpu::process(s.child.id()).saturating_sub(server_cpu));
    let pg_used = cpu::since(&pg_cpu, &cpu::cluster_processes(pgdata));
    let postgres_cpu_ms = per_event(pg_used.values().sum());
    let postgres_processes = pg_used.into_iter().map(|(pid, t)| (pid, per_event(t))).collect();
    let ms = e2e_sorted(receiver, &starts.lock().unwrap());
    Steady {
        e2e_ms: [pct(&ms, 0.50), pct(&ms, 0.95), pct(&ms, 0.99), *ms.last().unwrap_or(&0.0)],
        server_cpu_ms,
        postgres_cpu_ms,
        postgres_processes,
    }
}

/// What a saturation run measured: ingest as fast as the publishers go, deliveries beside it.
pub struct Saturation {
    /// Events acknowledged per second.
    pub accepted: f64,
    /// Deliveries per second, from the first call's start to the last arrival.
    pub delivered: f64,
    /// End to end, from the call's start to the arrival: p50, p99, max (ms).
    pub e2e_ms: [f64; 3],
}

/// Publishes `n` events `name` with unary calls from `concurrency` publishers, as fast as they
/// go, to a server that delivers them to one webhook: whether deliveries keep pace with ingest.
pub async fn saturation(
    s: &ServerProcess,
    token: &str,
    receiver: &Receiver,
    name: &str,
    n: usize,
    concurrency: usize,
) -> Saturation {
    receiver.arrivals.lock().unwrap().clear();
    let starts: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let client = ingest_client(s, token);
    let began = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (mut client, starts, next) = (client.clone(), starts.clone(), next.clone());
            let name = name.to_string();
            tokio::spawn(async move {
                loop {
                    let seq = next.fetch_add(1, Ordering::Relaxed);
                    if seq >= n {
                        return;
                    }
                    starts.lock().unwrap().insert(seq as u64, Instant::now());
                    client.publish_event(event(&name, seq)).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let accepted = n as f64 / began.elapsed().as_secs_f64();
    await_arrivals(receiver, n, Duration::from_secs(120), "saturation").await;
    let last = receiver.arrivals.lock().unwrap().values().max().copied().unwrap_or(began);
    let ms = e2e_sorted(receiver, &starts.lock().unwrap());
    Saturation {
        accepted,
        delivered: n as f64 / last.saturating_duration_since(began).as_secs_f64(),
        e2e_ms: [pct(&ms, 0.50), pct(&ms, 0.99), *ms.last().unwrap_or(&0.0)],
    }
}

/// Waits until `n` numbered events have arrived at `receiver`, at most `within`.
async fn await_arrivals(receiver: &Receiver, n: usize, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while receiver.arrivals.lock().unwrap().len() < n {
        assert!(Instant::now() < deadline, "{what} events did not all arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Each event's time from its call's start to its arrival, in ms, ascending.
fn e2e_sorted(receiver: &Receiver, starts: &HashMap<u64, Instant>) -> Vec<f64> {
    let arrivals = receiver.arrivals.lock().unwrap();
    let mut ms: Vec<f64> = starts
        .iter()
        .map(|(seq, start)| arrivals[seq].saturating_duration_since(*start).as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    ms
}
