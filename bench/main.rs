//! webhookd benchmark: the machine's own limits and webhookd's figures, side by side.
//!
//! `cargo bench --bench webhookd` runs the default sizes and writes `bench/results/`;
//! `cargo bench --bench webhookd -- --help` lists the sizes. Under `cargo test` (no
//! `--bench` argument) it runs once at a tiny size and writes nothing to `bench/`.

mod cpu;
mod history;
mod limits;
mod load;
mod phases;
mod receiver;
mod recovery;
mod routing;
mod scale;
mod soak;
mod statements;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;

use phases::{Bench, Shared};
use receiver::Receiver;
use webhookd::storage::local::LocalPostgres;

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
    /// Unary publishers of the saturation phase (its events: `--unary-events`).
    #[arg(long, default_value_t = 32)]
    saturation_concurrency: usize,
    /// Deliveries in each delivery-rate phase.
    #[arg(long, default_value_t = 20_000)]
    deliveries: usize,
    /// Webhooks in the fan-out delivery phase.
    #[arg(long, default_value_t = 100)]
    webhooks: usize,
    /// Deliveries drained on each side of the ordered phase.
    #[arg(long, default_value_t = 2_000)]
    ordered_deliveries: usize,
    /// Seconds of the steady-rate latency phase.
    #[arg(long, default_value_t = 10)]
    latency_secs: u64,
    /// Events per second of each steady-rate latency phase.
    #[arg(long, value_delimiter = ',', default_value = "200,1000,5000")]
    latency_rates: Vec<u64>,
    /// Deliveries queued for the slow webhook of the head-of-line phase.
    #[arg(long, default_value_t = 2_000)]
    hol_backlog: usize,
    /// Events per second spread over the 99 fast webhooks of the head-of-line phase.
    #[arg(long, default_value_t = 200)]
    hol_rate: u64,
    /// Delivery rows seeded for the history phase.
    #[arg(long, default_value_t = 1_000_000)]
    history_rows: usize,
    /// Webhooks the seeded history is spread over.
    #[arg(long, default_value_t = 10_000)]
    history_webhooks: usize,
    /// Webhooks in the project of the routing phase (half of them filtered on one side).
    #[arg(long, default_value_t = 10_000)]
    routing_webhooks: usize,
    /// Events published one at a time on each side of the routing phase.
    #[arg(long, default_value_t = 1_000)]
    routing_events: usize,
    /// Events of each run of the statements phase (each published, handed off and its
    /// success recorded, one at a time).
    #[arg(long, default_value_t = 5_000)]
    statement_events: usize,
    /// ListEventHistory queries timed.
    #[arg(long, default_value_t = 2_000)]
    history_queries: usize,
    /// Pending deliveries seeded for the backlog phase (a webhook whose retries are due
    /// tomorrow, as after an outage of its endpoint).
    #[arg(long, default_value_t = 1_000_000)]
    backlog_rows: usize,
    /// Requests / rows in each machine-limit probe.
    #[arg(long, default_value_t = 20_000)]
    limit_ops: usize,
    /// Phases to run (default: all of them).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "limits,ingest,delivery,ordered,saturation,steady,backlog,replicas,recovery,hol,history,routing,statements"
    )]
    phases: Vec<Phase>,
    /// Deliveries that failed for good, recovered by the recovery phase.
    #[arg(long, default_value_t = 10_000)]
    recovery_deliveries: usize,
    /// The server's --recovery-rate in the recovery phase.
    #[arg(long, default_value_t = 2_000)]
    recovery_rate: u32,
    /// Runs of each steady-rate phase; the table shows their median and range, the JSON each run.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Loads pg_stat_statements and prints, after each steady-rate run, the statements that
    /// took the most time, per event; keeps the plans of statements slower than 1 ms
    /// (auto_explain) in the cluster's log, copied to the temporary directory.
    #[arg(long)]
    statements: bool,
    /// Seconds of the soak phase.
    #[arg(long, default_value_t = 1800)]
    soak_secs: u64,
    /// Events per second of the soak phase.
    #[arg(long, default_value_t = 500)]
    soak_rate: u64,
    /// Seconds between kills (SIGKILL) of a replica in the soak phase, the two in turn.
    #[arg(long, default_value_t = 300)]
    soak_kill_every: u64,
    /// PostgreSQL restarts in the soak phase (between kills).
    #[arg(long, default_value_t = 2)]
    soak_pg_restarts: u64,
    /// Where to write the JSON results (default: bench/results/run-<unix time>.json; the
    /// soak's plot goes beside it, as .svg).
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
        self.latency_rates = vec![100];
        self.hol_backlog = 100;
        self.hol_rate = 100;
        self.history_rows = 5_000;
        self.history_webhooks = 50;
        self.history_queries = 50;
        self.routing_webhooks = 40;
        self.routing_events = 20;
        self.statement_events = 200;
        self.ordered_deliveries = 50;
        self.limit_ops = 300;
        self.backlog_rows = 2_000;
        self.recovery_deliveries = 300;
        self.runs = 2;
        self.soak_secs = 30;
        self.soak_rate = 50;
        self.soak_kill_every = 10;
        self.soak_pg_restarts = 1;
        if !self.phases.contains(&Phase::Soak) {
            self.phases.push(Phase::Soak);
        }
        self
    }
}

/// The benchmark's phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Phase {
    /// The machine's limits: plain POSTs and durable single-row inserts.
    Limits,
    /// Unary and streaming ingest.
    Ingest,
    /// Delivery rate to one webhook and to many.
    Delivery,
    /// Delivery rate to one FIFO webhook against one unordered webhook.
    Ordered,
    /// Unary ingest as fast as `--saturation-concurrency` publishers go, delivered beside it
    /// to one webhook: accepted and delivered rates, end-to-end latency.
    Saturation,
    /// End-to-end latency and CPU per event at steady rates.
    Steady,
    /// Head of line: fast webhooks beside a slow one.
    Hol,
    /// ListEventHistory on a seeded table.
    History,
    /// Publishes to a project of many webhooks, none filtered against half behind payload
    /// filters.
    Routing,
    /// The hot path's statements alone (publish, hand-off, record) against the least their
    /// two transactions could cost: PostgreSQL's CPU per event.
    Statements,
    /// Ingest and delivery rates with a large backlog of pending deliveries in the table,
    /// against the same rates with none.
    Backlog,
    /// Delivery rate of two servers on one database against one.
    Replicas,
    /// A bulk recovery of deliveries that failed for good.
    Recovery,
    /// Not run unless named: `--soak-secs` at `--soak-rate` through two replicas, one killed
    /// every `--soak-kill-every` seconds, PostgreSQL restarted `--soak-pg-restarts` times;
    /// lost and repeated deliveries, memory, backlog and latency over time, plotted.
    Soak,
}

/// One figure of the results table: the median of its runs.
#[derive(Debug, serde::Serialize)]
struct Figure {
    name: String,
    value: f64,
    unit: &'static str,
    limit: Option<(String, f64)>,
    ratio: Option<f64>,
    target: &'static str,
    /// Every run's value, when the figure was measured more than once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    runs: Vec<f64>,
}

#[tokio::main]
async fn main() {
    let mut args = Args::parse();
    let smoke = !args.bench;
    if smoke {
        args = args.smoke();
        assert_eq!(history::fmt_ts(1_700_000_000), "2023-11-14 22:13:20+00");
        assert_eq!(history::fmt_ts(951_782_400), "2000-02-29 00:00:00+00");
    }
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    set_mode(&tmp, 0o755);
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
    let result = run(&args, &tmp, &out).await;
    if args.statements {
        // The cluster's log holds the plans auto_explain logged.
        let log = std::env::temp_dir().join("webhookd-bench-postgres.log");
        if std::fs::copy(tmp.join("pg").join("postgres.log"), &log).is_ok() {
            eprintln!("slow statements' plans: {}", log.display());
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let (figures, mut plans) = result;
    let soak = plans.as_object_mut().and_then(|p| p.remove("soak"));
    print_table(&figures);
    let json = serde_json::json!({
        "unix_time": now_unix(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "smoke": smoke,
        "sizes": args,
        "figures": figures,
        "plans": plans,
        "soak": soak,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    println!("\nresults written to {}", out.display());
}

async fn run(args: &Args, tmp: &Path, out: &Path) -> (Vec<Figure>, serde_json::Value) {
    let on = |p: Phase| args.phases.contains(&p);
    let mut b = Bench {
        args,
        tmp,
        pg: Some(start_postgres(tmp, args.statements).await),
        pgdata: tmp.join("pg").join("pg"),
        receiver: Receiver::start().await,
        figures: Vec::new(),
        plans: serde_json::Map::new(),
        rss: Vec::new(),
        pg_limit: None,
        post_limit: None,
    };
    if on(Phase::Limits) {
        phases::limits(&mut b).await;
    }
    let shared = [
        Phase::Ingest,
        Phase::Delivery,
        Phase::Ordered,
        Phase::Saturation,
        Phase::Steady,
        Phase::Backlog,
        Phase::Replicas,
        Phase::Recovery,
    ];
    if shared.into_iter().any(on) {
        let mut m = Shared::start(&mut b).await;
        if on(Phase::Ingest) {
            phases::ingest(&mut b, &mut m).await;
        }
        if on(Phase::Delivery) {
            phases::delivery(&mut b, &mut m).await;
        }
        if on(Phase::Ordered) {
            phases::ordered(&mut b, &mut m).await;
        }
        if on(Phase::Saturation) {
            phases::saturation(&mut b, &mut m).await;
        }
        if on(Phase::Steady) {
            phases::steady(&mut b, &mut m).await;
        }
        if on(Phase::Backlog) {
            phases::backlog(&mut b, &mut m).await;
        }
        if on(Phase::Replicas) {
            phases::replicas(&mut b, &mut m).await;
        }
        if on(Phase::Recovery) {
            phases::recovery(&mut b, &mut m).await;
        }
        b.rss.push(m.a.rss("VmHWM"));
    }
    if on(Phase::Hol) {
        phases::hol(&mut b).await;
    }
    if on(Phase::History) {
        phases::history(&mut b).await;
    }
    if on(Phase::Routing) {
        phases::routing(&mut b).await;
    }
    if on(Phase::Statements) {
        phases::statements(&mut b).await;
    }
    if on(Phase::Soak) {
        phases::soak(&mut b, out).await;
    }
    if let Some(peak) = b.rss.iter().copied().max() {
        b.fig("server RSS peak".into(), &[peak as f64 / 1024.0], "MiB", None, "< 200");
    }
    if let Some(pg) = b.pg.take() {
        let _ = tokio::task::spawn_blocking(move || pg.stop()).await;
    }
    (b.figures, serde_json::Value::Object(b.plans))
}

/// The benchmark's cluster; with `statements`, with pg_stat_statements and auto_explain
/// loaded (a restart) and plans of statements slower than 1 ms logged.
async fn start_postgres(tmp: &Path, statements: bool) -> LocalPostgres {
    let start = || {
        let dir = tmp.join("pg");
        tokio::task::spawn_blocking(move || LocalPostgres::start(&dir, None).expect("start postgres"))
    };
    let mut pg = start().await.unwrap();
    if statements {
        let db = support::sql(&pg.url("postgres")).await;
        db.batch_execute("ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain").await.unwrap();
        drop(db);
        tokio::task::spawn_blocking(move || pg.stop()).await.unwrap();
        pg = start().await.unwrap();
        let db = support::sql(&pg.url("postgres")).await;
        db.batch_execute("CREATE EXTENSION pg_stat_statements").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET pg_stat_statements.track_planning = on").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET auto_explain.log_min_duration = '1ms'").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET auto_explain.log_analyze = on").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET auto_explain.log_buffers = on").await.unwrap();
        db.batch_execute("SELECT pg_reload_conf()").await.unwrap();
    }
    pg
}

/// The statements that took the most execution time since the last reset, per event.
async fn print_statements(pg: &LocalPostgres, events: u64) {
    let db = support::sql(&pg.url("postgres")).await;
    let rows = db
        .query(
            "SELECT calls, total_exec_time + total_plan_time, shared_blks_hit + shared_blks_read, wal_bytes::float8, plans,
                    regexp_replace(left(query, 300), '\\s+', ' ', 'g')
             FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 12",
            &[],
        )
        .await
        .unwrap();
    eprintln!(
        "  {:>8} {:>8} {:>10} {:>9} {:>9}  statement (per event)",
        "calls", "plans", "plan+exec", "blocks", "WAL B"
    );
    for r in rows {
        let per = |v: f64| v / events as f64;
        let query: String = r.get(5);
        eprintln!(
            "  {:>8.2} {:>8.2} {:>10.4} {:>9.1} {:>9.0}  {}",
            per(r.get::<_, i64>(0) as f64),
            per(r.get::<_, i64>(4) as f64),
            per(r.get(1)),
            per(r.get::<_, i64>(2) as f64),
            per(r.get(3)),
            query.chars().take(110).collect::<String>()
        );
    }
}

/// PostgreSQL's CPU per event by kind of process: each connection by its application name
/// and database, each background process by its type.
async fn print_processes(pg: &LocalPostgres, per_pid: &HashMap<u32, f64>) {
    let db = support::sql(&pg.url("postgres")).await;
    let rows = db
        .query(
            "SELECT pid, concat_ws(' ', nullif(application_name, ''), backend_type, datname) FROM pg_stat_activity",
            &[],
        )
        .await
        .unwrap();
    let kinds: HashMap<u32, String> = rows.iter().map(|r| (r.get::<_, i32>(0) as u32, r.get(1))).collect();
    let mut by_kind: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (pid, ms) in per_pid.iter().filter(|(_, ms)| **ms > 0.0) {
        let kind = match pid {
            0 => "exited during the run".to_string(),
            p => kinds.get(p).cloned().unwrap_or_else(|| "postmaster, or gone before this listing".to_string()),
        };
        let e = by_kind.entry(kind).or_default();
        e.0 += ms;
        e.1 += 1;
    }
    eprintln!("  {:>10} {:>6}  PostgreSQL process (CPU ms per event)", "CPU", "busy");
    for (kind, (ms, n)) in &by_kind {
        eprintln!("  {ms:>10.4} {n:>6}  {kind}");
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The `p` quantile of `sorted` (nearest rank).
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A migrated database `name` on the bench's cluster; returns its URL.
async fn database(pg: &LocalPostgres, name: &str) -> String {
    support::create_database(&pg.url("postgres"), name, None).await;
    let url = pg.url(name);
    support::migrate(&url).await;
    url
}

fn print_table(figures: &[Figure]) {
    println!(
        "\n{:<44} {:>12} {:<17} {:<13} {:>8}  {:<16} limit",
        "figure", "value", "range", "unit", "ratio", "target"
    );
    for f in figures {
        let ratio = f.ratio.map(|r| format!("{:.2}", r)).unwrap_or_default();
        let limit = f
            .limit
            .as_ref()
            .map(|(n, v)| if *v >= 100.0 { format!("{n} = {v:.0}") } else { format!("{n} = {v:.3}") })
            .unwrap_or_default();
        let range = match (f.runs.iter().copied().reduce(f64::min), f.runs.iter().copied().reduce(f64::max)) {
            (Some(lo), Some(hi)) => format!("{lo:.2}–{hi:.2}"),
            _ => String::new(),
        };
        println!(
            "{:<44} {:>12.2} {:<17} {:<13} {:>8}  {:<16} {limit}",
            f.name, f.value, range, f.unit, ratio, f.target
        );
    }
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}
