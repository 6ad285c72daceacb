//! webhookd benchmark: the machine's own limits and webhookd's figures, side by side.
//!
//! `cargo bench --bench webhookd` runs the default sizes and writes `bench/results/`;
//! `cargo bench --bench webhookd -- --help` lists the sizes. Under `cargo test` (no
//! `--bench` argument) it runs once at a tiny size and writes nothing to `bench/`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Parser;
use futures_util::SinkExt;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tonic::transport::{Channel, Endpoint};
use uuid::Uuid;

use webhookd::storage::local::LocalPostgres;
use webhookd_client::pb;

/// Sizes of one run.
#[derive(Debug, Clone, Parser, serde::Serialize)]
#[command(about = "webhookd benchmark")]
struct Args {
    /// Set by `cargo bench`; without it the run is a tiny smoke run.
    #[arg(long)]
    #[serde(skip)]
    bench: bool,
    /// Events published with unary PublishEvent.
    #[arg(long, default_value_t = 20_000)]
    unary_events: usize,
    /// Concurrent unary publishers (and concurrency of the machine-limit probes).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Events published over PublishEvents streams.
    #[arg(long, default_value_t = 60_000)]
    stream_events: usize,
    /// Concurrent PublishEvents streams.
    #[arg(long, default_value_t = 4)]
    streams: usize,
    /// Deliveries in each delivery-rate phase.
    #[arg(long, default_value_t = 20_000)]
    deliveries: usize,
    /// Webhooks in the fan-out delivery phase.
    #[arg(long, default_value_t = 100)]
    webhooks: usize,
    /// Seconds of the steady-rate latency phase.
    #[arg(long, default_value_t = 10)]
    latency_secs: u64,
    /// Events per second in the latency phase.
    #[arg(long, default_value_t = 1000)]
    latency_rate: u64,
    /// Delivery rows seeded for the history phase.
    #[arg(long, default_value_t = 1_000_000)]
    history_rows: usize,
    /// Webhooks the seeded history is spread over.
    #[arg(long, default_value_t = 10_000)]
    history_webhooks: usize,
    /// ListEventHistory queries timed.
    #[arg(long, default_value_t = 2_000)]
    history_queries: usize,
    /// Requests / rows in each machine-limit probe.
    #[arg(long, default_value_t = 20_000)]
    limit_ops: usize,
    /// Where to write the JSON results (default: bench/results/run-<unix time>.json).
    #[arg(long)]
    #[serde(skip)]
    out: Option<PathBuf>,
}

impl Args {
    fn smoke(mut self) -> Self {
        self.unary_events = 200;
        self.concurrency = 8;
        self.stream_events = 500;
        self.streams = 2;
        self.deliveries = 300;
        self.webhooks = 10;
        self.latency_secs = 1;
        self.latency_rate = 100;
        self.history_rows = 5_000;
        self.history_webhooks = 50;
        self.history_queries = 50;
        self.limit_ops = 300;
        self
    }
}

/// One figure of the results table.
#[derive(Debug, serde::Serialize)]
struct Figure {
    name: String,
    value: f64,
    unit: &'static str,
    limit: Option<(String, f64)>,
    ratio: Option<f64>,
    target: &'static str,
}

#[tokio::main]
async fn main() {
    let mut args = Args::parse();
    let smoke = !args.bench;
    if smoke {
        args = args.smoke();
        assert_eq!(fmt_ts(1_700_000_000), "2023-11-14 22:13:20+00");
        assert_eq!(fmt_ts(951_782_400), "2000-02-29 00:00:00+00");
    }
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    set_mode(&tmp, 0o755);
    let result = run(&args, &tmp).await;
    let _ = std::fs::remove_dir_all(&tmp);
    let (figures, plans) = result;
    print_table(&figures);
    let json = serde_json::json!({
        "unix_time": now_unix(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "smoke": smoke,
        "sizes": args,
        "figures": figures,
        "plans": plans,
    });
    let out = match (&args.out, smoke) {
        (Some(p), _) => p.clone(),
        (None, true) => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-smoke.json"),
        (None, false) => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("bench/results/run-{}.json", now_unix()))
        }
    };
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&out, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    println!("\nresults written to {}", out.display());
}

async fn run(args: &Args, tmp: &Path) -> (Vec<Figure>, serde_json::Value) {
    let pg = {
        let dir = tmp.join("pg");
        tokio::task::spawn_blocking(move || LocalPostgres::start(&dir, None).expect("start postgres")).await.unwrap()
    };
    let receiver = Receiver::start().await;
    let mut figures = Vec::new();

    // --- the machine's limits -------------------------------------------------------------
    let post_rate = limit_plain_posts(&receiver, args.limit_ops, args.concurrency).await;
    eprintln!("limit: plain POST {post_rate:.0}/s");
    let insert_rate = limit_pg_inserts(&pg, args.limit_ops, args.concurrency).await;
    eprintln!("limit: durable single-row INSERT {insert_rate:.0}/s");

    // --- ingest --------------------------------------------------------------------------
    let main_url = create_db(&pg, "bench_main").await;
    let a = Server::spawn(&main_url, &tmp.join("a"), &["--no-delivery"]).await;
    let idle_rss = a.rss("VmRSS");
    let admin_token = a.admin_token();
    let publisher = token(&main_url, "publisher").await;
    let mut admin = admin_client(&a, &admin_token);
    create_webhooks(&mut admin, &receiver.url("/ingest"), "project_created", 1).await;

    let unary = publish_unary(&a, &publisher, "project_created", args.unary_events, args.concurrency).await;
    eprintln!("unary PublishEvent: {unary:.0}/s");
    let streaming = publish_streaming(&a, &publisher, "project_created", args.stream_events, args.streams).await;
    eprintln!("streaming PublishEvents: {streaming:.0}/s");
    let db = connect(&main_url).await;
    db.batch_execute("DELETE FROM deliveries; DELETE FROM events;").await.unwrap();

    // --- delivery to one webhook, then to many ---------------------------------------------
    create_webhooks(&mut admin, &receiver.url("/one"), "tag_created", 1).await;
    publish_streaming(&a, &publisher, "tag_created", args.deliveries, args.streams).await;
    let (one_rate, b_peak) = drain(&main_url, &tmp.join("b"), &receiver, &db, args.deliveries).await;
    eprintln!("deliveries to 1 webhook: {one_rate:.0}/s");

    create_webhooks(&mut admin, &receiver.url("/many"), "service_created", args.webhooks).await;
    let events = args.deliveries.div_ceil(args.webhooks);
    publish_streaming(&a, &publisher, "service_created", events, args.streams).await;
    let (many_rate, c_peak) = drain(&main_url, &tmp.join("c"), &receiver, &db, events * args.webhooks).await;
    eprintln!("deliveries to {} webhooks: {many_rate:.0}/s", args.webhooks);

    // --- end-to-end latency at a steady rate ------------------------------------------------
    create_webhooks(&mut admin, &receiver.url("/latency"), "configuration_saved", 1).await;
    let d = Server::spawn(&main_url, &tmp.join("d"), &[]).await;
    let lat = latency(&d, &publisher, &receiver, args.latency_rate, args.latency_secs).await;
    eprintln!("latency p50 {:.2} ms p99 {:.2} ms", lat[0], lat[2]);
    let peak_rss = [a.rss("VmHWM"), b_peak, c_peak, d.rss("VmHWM")].into_iter().max().unwrap_or(0);
    drop(d);
    drop(a);

    // --- history on a seeded table ----------------------------------------------------------
    let hist_url = create_db(&pg, "bench_history").await;
    let seeded = seed_history(&hist_url, args.history_rows, args.history_webhooks).await;
    let h = Server::spawn(&hist_url, &tmp.join("h"), &["--no-delivery"]).await;
    let (hist, plan) = history_latency(&h, &hist_url, &seeded, args.history_queries).await;
    eprintln!("history p50 {:.2} ms p99 {:.2} ms", hist[0], hist[1]);
    let claim_plan = explain(&hist_url, "EXPLAIN (COSTS OFF) ", &claim_sql()).await;
    drop(h);

    let ratio = |v: f64, l: f64| (l > 0.0).then(|| v / l);
    let pg_limit = ("postgres durable single-row inserts/s".to_string(), insert_rate);
    let post_limit = ("receiver plain POSTs/s (same client stack)".to_string(), post_rate);
    let mut fig = |name: String, value: f64, unit: &'static str, limit: Option<(String, f64)>, target: &'static str| {
        let r = limit.as_ref().and_then(|(_, l)| ratio(value, *l));
        figures.push(Figure { name, value, unit, limit, ratio: r, target });
    };
    fig("limit: receiver plain POSTs".into(), post_rate, "req/s", None, "");
    fig("limit: postgres durable inserts".into(), insert_rate, "rows/s", None, "");
    fig(
        format!("PublishEvent (unary, concurrency {})", args.concurrency),
        unary,
        "events/s",
        Some(pg_limit.clone()),
        ">= 5000",
    );
    fig("PublishEvents (streaming)".into(), streaming, "events/s", Some(pg_limit), ">= 20000");
    fig(
        "deliveries to 1 webhook".into(),
        one_rate,
        "deliveries/s",
        Some(post_limit.clone()),
        ">= 10000, >= 50 % of limit",
    );
    fig(format!("deliveries to {} webhooks", args.webhooks), many_rate, "deliveries/s", Some(post_limit), "");
    fig(format!("e2e latency p50 at {}/s", args.latency_rate), lat[0], "ms", None, "");
    fig(format!("e2e latency p95 at {}/s", args.latency_rate), lat[1], "ms", None, "");
    fig(format!("e2e latency p99 at {}/s", args.latency_rate), lat[2], "ms", None, "< 25");
    fig(format!("e2e latency max at {}/s", args.latency_rate), lat[3], "ms", None, "");
    fig(format!("ListEventHistory p50 ({} rows)", args.history_rows), hist[0], "ms", None, "");
    fig(format!("ListEventHistory p99 ({} rows)", args.history_rows), hist[1], "ms", None, "< 5");
    fig("server RSS idle".into(), idle_rss as f64 / 1024.0, "MiB", None, "< 30");
    fig("server RSS peak".into(), peak_rss as f64 / 1024.0, "MiB", None, "< 200");
    let _ = tokio::task::spawn_blocking(move || pg.stop()).await;
    (figures, serde_json::json!({ "list_event_history": plan, "claim": claim_plan }))
}

// --- the receiver ----------------------------------------------------------------------------

/// A loopback HTTP receiver that counts requests and, for the latency phase, timestamps them.
struct Receiver {
    addr: SocketAddr,
    count: Arc<AtomicU64>,
    first: Arc<Mutex<Option<Instant>>>,
    arrivals: Arc<Mutex<HashMap<u64, Instant>>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Arc::new(AtomicU64::new(0));
        let first = Arc::new(Mutex::new(None));
        let arrivals = Arc::new(Mutex::new(HashMap::new()));
        let (c, f, a) = (count.clone(), first.clone(), arrivals.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let _ = tcp.set_nodelay(true);
                let (c, f, a) = (c.clone(), f.clone(), a.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (c, f, a) = (c.clone(), f.clone(), a.clone());
                        async move {
                            let latency = req.uri().path() == "/latency";
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let now = Instant::now();
                            if c.fetch_add(1, Ordering::Relaxed) == 0 {
                                f.lock().unwrap().get_or_insert(now);
                            }
                            if latency {
                                if let Some(seq) = seq_of(&body) {
                                    a.lock().unwrap().insert(seq, now);
                                }
                            }
                            Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
                        }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                });
            }
        });
        Receiver { addr, count, first, arrivals }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
        *self.first.lock().unwrap() = None;
    }
}

fn seq_of(body: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(body).ok()?;
    let rest = &s[s.find("\"seq\":")? + 6..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?].parse().ok()
}

// --- the machine's limits ----------------------------------------------------------------------

/// Plain POSTs to the receiver with the client stack webhookd uses (hyper-util, HTTP/1.1, pooled).
async fn limit_plain_posts(receiver: &Receiver, n: usize, concurrency: usize) -> f64 {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let uri: hyper::Uri = receiver.url("/limit").parse().unwrap();
    let body = Bytes::from(format!(
        r#"{{"eventName":"tag_created","eventTimestamp":1,"payload":{{"data":"{}"}}}}"#,
        "x".repeat(100)
    ));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, uri, body, next) = (client.clone(), uri.clone(), body.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let req = hyper::Request::post(uri.clone())
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .unwrap();
                let resp = client.request(req).await.unwrap();
                let _ = resp.into_body().collect().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Durable single-row inserts (one transaction each, synchronous commit) of a delivery-sized row.
async fn limit_pg_inserts(pg: &LocalPostgres, n: usize, concurrency: usize) -> f64 {
    let url = create_db(pg, "bench_limit").await;
    let db = connect(&url).await;
    db.batch_execute(
        "CREATE TABLE probe (id uuid PRIMARY KEY, webhook_id uuid NOT NULL, event_type text NOT NULL,
                             status smallint NOT NULL, body bytea NOT NULL, create_time timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let body = vec![b'x'; 200];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (url, next, body) = (url.clone(), next.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let c = connect(&url).await;
            let stmt = c
                .prepare("INSERT INTO probe (id, webhook_id, event_type, status, body) VALUES ($1, $2, 'tag_created', 1, $3)")
                .await
                .unwrap();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                c.execute(&stmt, &[&Uuid::new_v4(), &Uuid::new_v4(), &body]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

// --- webhookd servers ---------------------------------------------------------------------------

/// A webhookd server process.
struct Server {
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
}

impl Server {
    async fn spawn(database_url: &str, data_dir: &Path, extra: &[&str]) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = std::fs::File::create(data_dir.join("server.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_webhookd"))
            .arg("serve")
            .args(["--database-url", database_url, "--listen", &addr.to_string(), "--allow-targets", "127.0.0.1/32"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start webhookd");
        let server = Server { child, addr, data_dir: data_dir.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel());
            if let Ok(r) = health.check(tonic_health::pb::HealthCheckRequest { service: String::new() }).await {
                if r.into_inner().status == 1 {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "webhookd did not start; see {}", data_dir.join("server.log").display());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr)).unwrap().tcp_nodelay(true).connect_lazy()
    }

    fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join(webhookd::ADMIN_TOKEN_FILE)).unwrap().trim().to_string()
    }

    /// A field of /proc/<pid>/status in KiB (VmRSS now, VmHWM peak).
    fn rss(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

type Admin = webhookd_client::AdminClient;
type Ingest = webhookd_client::IngestClient;

fn admin_client(s: &Server, token: &str) -> Admin {
    webhookd_client::Client::with_channel(s.channel(), Some(token)).unwrap().admin()
}

fn ingest_client(s: &Server, token: &str) -> Ingest {
    webhookd_client::Client::with_channel(s.channel(), Some(token)).unwrap().ingest()
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

async fn create_db(pg: &LocalPostgres, name: &str) -> String {
    let admin = connect(&pg.url("postgres")).await;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = pg.url(name);
    // Connecting migrates.
    drop(webhookd::storage::Storage::connect(url.parse().unwrap(), 2).await.unwrap());
    url
}

async fn token(url: &str, role: &str) -> String {
    let storage = webhookd::storage::Storage::connect(url.parse().unwrap(), 2).await.unwrap();
    let (token, hash) = webhookd::auth::new_token();
    storage.insert_token(&hash, role, &Default::default(), "bench").await.unwrap();
    token
}

async fn create_webhooks(admin: &mut Admin, url: &str, event: &str, n: usize) {
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

fn event(name: &str, seq: usize) -> pb::PublishEventRequest {
    pb::PublishEventRequest {
        event_name: name.into(),
        payload: format!(r#"{{"seq":{seq},"data":"{}"}}"#, "x".repeat(100)),
        ..Default::default()
    }
}

// --- phases --------------------------------------------------------------------------------------

async fn publish_unary(s: &Server, token: &str, name: &str, n: usize, concurrency: usize) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (mut client, next, name) = (ingest_client(s, token), next.clone(), name.to_string());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                client.publish_event(event(&name, i)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn publish_streaming(s: &Server, token: &str, name: &str, n: usize, streams: usize) -> f64 {
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

/// Starts a delivering server on a backlog of `n` deliveries and times the drain, from the
/// first arrival to the last recorded outcome. Returns the rate and the server's peak RSS.
async fn drain(url: &str, dir: &Path, receiver: &Receiver, db: &tokio_postgres::Client, n: usize) -> (f64, u64) {
    receiver.reset();
    let server = Server::spawn(url, dir, &[]).await;
    // Wait on the receiver's own counter, then for the last outcomes to be recorded: the
    // measurement must not load the database it measures.
    let deadline = Instant::now() + Duration::from_secs(600);
    while receiver.count.load(Ordering::SeqCst) < n as u64 {
        assert!(Instant::now() < deadline, "only {} of {n} deliveries arrived", receiver.count.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    loop {
        let pending: bool =
            db.query_one("SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 1)", &[]).await.unwrap().get(0);
        if !pending {
            break;
        }
        assert!(Instant::now() < deadline, "outcomes not recorded");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let done = Instant::now();
    let first = receiver.first.lock().unwrap().expect("requests arrived");
    let peak = server.rss("VmHWM");
    db.batch_execute("DELETE FROM deliveries; DELETE FROM events;").await.unwrap();
    (n as f64 / done.duration_since(first).as_secs_f64(), peak)
}

/// Publishes at a steady rate and measures acknowledgement-to-arrival latency: [p50, p95, p99, max] ms.
async fn latency(s: &Server, token: &str, receiver: &Receiver, rate: u64, secs: u64) -> [f64; 4] {
    receiver.arrivals.lock().unwrap().clear();
    let acks: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let total = rate * secs;
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let client = ingest_client(s, token);
    let mut tasks = Vec::with_capacity(total as usize);
    for seq in 0..total {
        tick.tick().await;
        let (mut client, acks) = (client.clone(), acks.clone());
        tasks.push(tokio::spawn(async move {
            client.publish_event(event("configuration_saved", seq as usize)).await.unwrap();
            acks.lock().unwrap().insert(seq, Instant::now());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.arrivals.lock().unwrap().len() < total as usize {
        assert!(Instant::now() < deadline, "latency events did not all arrive");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let arrivals = receiver.arrivals.lock().unwrap();
    let acks = acks.lock().unwrap();
    // Arrival can precede the acknowledgement's return to the client: that counts as 0.
    let mut ms: Vec<f64> =
        acks.iter().map(|(seq, ack)| arrivals[seq].saturating_duration_since(*ack).as_secs_f64() * 1000.0).collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    [pct(&ms, 0.50), pct(&ms, 0.95), pct(&ms, 0.99), *ms.last().unwrap_or(&0.0)]
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Seeds webhooks, events and `rows` deliveries with COPY; returns the webhook ids.
async fn seed_history(url: &str, rows: usize, webhooks: usize) -> Vec<Uuid> {
    let started = Instant::now();
    let db = connect(url).await;
    let ids: Vec<Uuid> = (0..webhooks).map(|_| Uuid::new_v4()).collect();
    let events: Vec<Uuid> = (0..rows.div_ceil(10)).map(|_| Uuid::now_v7()).collect();
    let types = ["project_created", "tag_created", "service_created", "configuration_saved"];
    let base = 1_750_000_000u64;

    let mut buf = String::new();
    for (i, id) in ids.iter().enumerate() {
        buf.push_str(&format!(
            "{id}\tc{}\t\thttps://example.com/h{i}\t\\\\x62656e63682d736563726574\t{{project_created,tag_created,service_created,configuration_saved}}\n",
            i % 100
        ));
    }
    copy(&db, "COPY webhooks (id, company_id, project_id, target_url, secret, events) FROM STDIN", buf).await;

    let mut buf = String::new();
    for (i, id) in events.iter().enumerate() {
        buf.push_str(&format!("{id}\t{}\t{}\t{{}}\n", types[i % 4], base * 1000 + i as u64));
    }
    copy(&db, "COPY events (id, event_name, event_timestamp, body) FROM STDIN", buf).await;

    let mut buf = String::with_capacity(64 << 20);
    let mut sent = 0;
    for i in 0..rows {
        // Row k of a webhook: 1 % pending, 9 % errors, the rest successes, over four event types.
        let k = i / webhooks;
        let (status, code) = match k % 100 {
            0 => (1, 0),
            1..=9 => (3, [500, 404, 0][k % 3]),
            _ => (2, 200),
        };
        // Pending rows have no dispatch time and are due far in the future.
        let (dispatch, due) = if status == 1 {
            ("\\N".to_string(), fmt_ts(base + 100_000_000))
        } else {
            (fmt_ts(base + (i as u64) / 20), "\\N".to_string())
        };
        buf.push_str(&format!(
            "{}\t{}\t{}\t{}\t{status}\t{code}\t{dispatch}\t1\t{due}\n",
            Uuid::new_v4(),
            ids[i % webhooks],
            events[i / 10],
            types[k % 4],
        ));
        if buf.len() > 32 << 20 || i + 1 == rows {
            copy(
                &db,
                "COPY deliveries (id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts, next_attempt_time) FROM STDIN",
                std::mem::take(&mut buf),
            )
            .await;
            sent = i + 1;
        }
    }
    assert_eq!(sent, rows);
    db.batch_execute("ANALYZE webhooks; ANALYZE events; ANALYZE deliveries;").await.unwrap();
    eprintln!("seeded {rows} deliveries over {webhooks} webhooks in {:.1} s", started.elapsed().as_secs_f64());
    ids
}

/// `YYYY-MM-DD HH:MM:SS+00` of a Unix time (days-to-civil conversion, proleptic Gregorian).
fn fmt_ts(unix: u64) -> String {
    let (days, secs) = ((unix / 86_400) as i64, unix % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}+00", secs / 3600, secs / 60 % 60, secs % 60)
}

async fn copy(db: &tokio_postgres::Client, sql: &str, data: String) {
    let sink = db.copy_in::<_, Bytes>(sql).await.unwrap();
    futures_util::pin_mut!(sink);
    sink.send(Bytes::from(data)).await.unwrap();
    sink.as_mut().finish().await.unwrap();
}

/// Times filtered ListEventHistory calls over random webhooks: [p50, p99] ms, and the plan.
async fn history_latency(s: &Server, url: &str, ids: &[Uuid], queries: usize) -> ([f64; 2], String) {
    let token = token(url, "admin").await;
    let mut admin = admin_client(s, &token);
    let types = ["project_created", "tag_created", "service_created", "configuration_saved"];
    let mut ms = Vec::with_capacity(queries);
    for q in 0..queries {
        let id = ids[(q * 7919) % ids.len()];
        let req = pb::ListEventHistoryRequest {
            webhook_id: id.to_string(),
            event_types: vec![types[q % 4].into()],
            status: if q % 2 == 0 { pb::DeliveryStatus::Success as i32 } else { 0 },
            order: (q % 3) as i32,
            limit: 50,
            ..Default::default()
        };
        let started = Instant::now();
        let mut stream = admin.list_event_history(req).await.unwrap().into_inner();
        while stream.message().await.unwrap().is_some() {}
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // The plans of a filtered listing and of the default, unfiltered one.
    let sql = webhookd::storage::history::HISTORY_NEWEST.trim_end();
    let mut plan = String::new();
    for (types, status) in [("ARRAY['project_created']", "2"), ("ARRAY[]::text[]", "NULL")] {
        plan.push_str(
            &explain(
                url,
                &format!(
                    "PREPARE h(uuid, text[], int2, int4[], int8) AS {sql};\nEXPLAIN (ANALYZE, BUFFERS) EXECUTE h('{}', {types}, {status}, ARRAY[]::int4[], 50);\nDEALLOCATE h",
                    ids[0]
                ),
                "",
            )
            .await,
        );
        plan.push('\n');
    }
    ([pct(&ms, 0.5), pct(&ms, 0.99)], plan)
}

fn claim_sql() -> String {
    include_str!("../src/storage/sql/claim.sql")
        .replace("$1", "256")
        .replace("$2", "60000")
        .replace("$3", "'00000000-0000-0000-0000-000000000000'::uuid")
}

/// Runs `prefix || sql` (an EXPLAIN) and returns the plan text.
async fn explain(url: &str, prefix: &str, sql: &str) -> String {
    let db = connect(url).await;
    let mut out = String::new();
    for m in db.simple_query(&format!("{prefix}{sql}")).await.unwrap() {
        if let tokio_postgres::SimpleQueryMessage::Row(r) = m {
            out.push_str(r.get(0).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

fn print_table(figures: &[Figure]) {
    println!("\n{:<44} {:>12} {:<13} {:>8}  {:<14} limit", "figure", "value", "unit", "ratio", "target");
    for f in figures {
        let ratio = f.ratio.map(|r| format!("{:.2}", r)).unwrap_or_default();
        let limit = f.limit.as_ref().map(|(n, v)| format!("{n} = {v:.0}")).unwrap_or_default();
        println!("{:<44} {:>12.2} {:<13} {:>8}  {:<14} {limit}", f.name, f.value, f.unit, ratio, f.target);
    }
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}
