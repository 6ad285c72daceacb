//! webhookd benchmark: the machine's own limits and webhookd's figures, side by side.
//!
//! `cargo bench --bench webhookd` runs the default sizes and writes `bench/results/`;
//! `cargo bench --bench webhookd -- --help` lists the sizes. Under `cargo test` (no
//! `--bench` argument) it runs once at a tiny size and writes nothing to `bench/`.

mod cpu;
mod history;
mod limits;
mod load;
mod receiver;
mod recovery;
mod scale;
mod soak;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;

use load::{admin_client, create_webhooks, drain, latency, publish_streaming, publish_unary, saturation, Steady};
use receiver::Receiver;
use support::ServerProcess;
use webhookd::model::Role;
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
    /// Unary publishers of the saturation phase (its events: `--unary-events`).
    #[arg(long, default_value_t = 32)]
    saturation_concurrency: usize,
    /// Deliveries in each delivery-rate phase.
    #[arg(long, default_value_t = 20_000)]
    deliveries: usize,
    /// Webhooks in the fan-out delivery phase.
    #[arg(long, default_value_t = 100)]
    webhooks: usize,
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
        default_value = "limits,ingest,delivery,saturation,steady,backlog,replicas,recovery,hol,history"
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
    /// Unary ingest as fast as `--saturation-concurrency` publishers go, delivered beside it
    /// to one webhook: accepted and delivered rates, end-to-end latency.
    Saturation,
    /// End-to-end latency and CPU per event at steady rates.
    Steady,
    /// Head of line: fast webhooks beside a slow one.
    Hol,
    /// ListEventHistory on a seeded table.
    History,
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
    let start_pg = || {
        let dir = tmp.join("pg");
        tokio::task::spawn_blocking(move || LocalPostgres::start(&dir, None).expect("start postgres"))
    };
    let mut pg = start_pg().await.unwrap();
    if args.statements {
        let db = support::sql(&pg.url("postgres")).await;
        db.batch_execute("ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain").await.unwrap();
        drop(db);
        tokio::task::spawn_blocking(move || pg.stop()).await.unwrap();
        pg = start_pg().await.unwrap();
        let db = support::sql(&pg.url("postgres")).await;
        db.batch_execute("CREATE EXTENSION pg_stat_statements").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET pg_stat_statements.track_planning = on").await.unwrap();
        // Plans of statements slower than 1 ms go to the cluster's log.
        db.batch_execute("ALTER SYSTEM SET auto_explain.log_min_duration = '1ms'").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET auto_explain.log_analyze = on").await.unwrap();
        db.batch_execute("ALTER SYSTEM SET auto_explain.log_buffers = on").await.unwrap();
        db.batch_execute("SELECT pg_reload_conf()").await.unwrap();
    }
    let pgdata = tmp.join("pg").join("pg");
    let receiver = Receiver::start().await;
    let mut figures = Vec::new();
    let mut fig =
        |name: String, runs: &[f64], unit: &'static str, limit: Option<(String, f64)>, target: &'static str| {
            let value = median(runs);
            let ratio = limit.as_ref().and_then(|(_, l)| (*l > 0.0).then(|| value / l));
            let runs = if runs.len() > 1 { runs.to_vec() } else { Vec::new() };
            figures.push(Figure { name, value, unit, limit, ratio, target, runs });
        };
    let mut plans = serde_json::Map::new();
    let mut rss = Vec::new();

    // --- the machine's limits -------------------------------------------------------------
    let (mut pg_limit, mut post_limit) = (None, None);
    if on(Phase::Limits) {
        let (mut posts, mut inserts) = (Vec::new(), Vec::new());
        for run in 1..=args.runs {
            let post_rate = limits::plain_posts(&receiver, args.limit_ops, args.concurrency).await;
            let insert_rate = limits::durable_inserts(&pg, run, args.limit_ops, args.concurrency).await;
            eprintln!("run {run}: limit: plain POST {post_rate:.0}/s; durable single-row INSERT {insert_rate:.0}/s");
            posts.push(post_rate);
            inserts.push(insert_rate);
        }
        fig("limit: receiver plain POSTs".into(), &posts, "req/s", None, "");
        fig("limit: postgres durable inserts".into(), &inserts, "rows/s", None, "");
        pg_limit = Some(("postgres durable single-row inserts/s".to_string(), median(&inserts)));
        post_limit = Some(("receiver plain POSTs/s (same client stack)".to_string(), median(&posts)));
    }

    if [
        Phase::Ingest,
        Phase::Delivery,
        Phase::Saturation,
        Phase::Steady,
        Phase::Backlog,
        Phase::Replicas,
        Phase::Recovery,
    ]
    .into_iter()
    .any(on)
    {
        let main_url = database(&pg, "bench_main").await;
        let a = ServerProcess::serving(&main_url, &tmp.join("a"), &["--no-delivery"]).await;
        fig("server RSS idle".into(), &[a.rss("VmRSS") as f64 / 1024.0], "MiB", None, "< 30");
        let admin_token = a.admin_token();
        let publisher = support::mint_token(&main_url, Role::Publisher, &Default::default()).await;
        let mut admin = admin_client(&a, &admin_token);
        let db = support::sql(&main_url).await;

        // --- ingest, `runs` times ----------------------------------------------------------
        if on(Phase::Ingest) {
            create_webhooks(&mut admin, &receiver.url("/ingest"), "project_created", 1).await;
            let (mut unary, mut p99, mut max, mut streaming) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for run in 1..=args.runs {
                let u = publish_unary(&a, &publisher, "project_created", args.unary_events, args.concurrency).await;
                eprintln!(
                    "run {run}: unary PublishEvent: {:.0}/s; call p50 {:.2} ms p99 {:.2} ms max {:.2} ms (the slowest started at {:.0} ms)",
                    u.rate, u.call_ms[0], u.call_ms[1], u.call_ms[2], u.slowest_at_ms
                );
                let s = publish_streaming(&a, &publisher, "project_created", args.stream_events, args.streams).await;
                eprintln!("run {run}: streaming PublishEvents: {s:.0}/s");
                db.batch_execute("DELETE FROM deliveries; DELETE FROM events;").await.unwrap();
                unary.push(u.rate);
                p99.push(u.call_ms[1]);
                max.push(u.call_ms[2]);
                streaming.push(s);
            }
            fig(
                format!("PublishEvent (unary, concurrency {})", args.concurrency),
                &unary,
                "events/s",
                pg_limit.clone(),
                ">= 5000",
            );
            fig("PublishEvent call p99".into(), &p99, "ms", None, "");
            fig("PublishEvent call max".into(), &max, "ms", None, "");
            fig("PublishEvents (streaming)".into(), &streaming, "events/s", pg_limit.clone(), ">= 20000");
        }

        // --- delivery to one webhook, then to many, `runs` times ----------------------------
        if on(Phase::Delivery) {
            create_webhooks(&mut admin, &receiver.url("/one"), "tag_created", 1).await;
            create_webhooks(&mut admin, &receiver.url("/many"), "service_created", args.webhooks).await;
            let events = args.deliveries.div_ceil(args.webhooks);
            let (mut one, mut many) = (Vec::new(), Vec::new());
            for run in 1..=args.runs {
                publish_streaming(&a, &publisher, "tag_created", args.deliveries, args.streams).await;
                let dir = tmp.join(format!("b-{run}"));
                let d = drain(&main_url, &dir, &receiver, &db, &pgdata, "tag_created", args.deliveries, 1).await;
                eprintln!("run {run}: deliveries to 1 webhook: {:.0}/s", d.rate);
                one.push(d.rate);
                rss.push(d.peak_kib);
                publish_streaming(&a, &publisher, "service_created", events, args.streams).await;
                let dir = tmp.join(format!("c-{run}"));
                let d =
                    drain(&main_url, &dir, &receiver, &db, &pgdata, "service_created", events * args.webhooks, 1).await;
                eprintln!("run {run}: deliveries to {} webhooks: {:.0}/s", args.webhooks, d.rate);
                many.push(d.rate);
                rss.push(d.peak_kib);
            }
            fig(
                "deliveries to 1 webhook".into(),
                &one,
                "deliveries/s",
                post_limit.clone(),
                ">= 10000, >= 50 % of limit",
            );
            fig(format!("deliveries to {} webhooks", args.webhooks), &many, "deliveries/s", post_limit, "");
            let ratios: Vec<f64> = one.iter().zip(&many).map(|(o, m)| m / o).collect();
            fig(format!("deliveries to {} webhooks / to 1 webhook", args.webhooks), &ratios, "ratio", None, ">= 0.8");
        }

        // --- saturation: unary ingest as fast as it goes, delivered beside it, `runs` times --
        if on(Phase::Saturation) {
            create_webhooks(&mut admin, &receiver.url("/saturation"), "project_user_removed", 1).await;
            let d = ServerProcess::serving(&main_url, &tmp.join("sat"), &[]).await;
            let (mut accepted, mut delivered, mut p50, mut p99, mut max) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for run in 1..=args.runs {
                let s = saturation(
                    &d,
                    &publisher,
                    &receiver,
                    "project_user_removed",
                    args.unary_events,
                    args.saturation_concurrency,
                )
                .await;
                eprintln!(
                    "run {run}: saturation: accepted {:.0}/s, delivered {:.0}/s, e2e p50 {:.2} ms p99 {:.2} ms max {:.2} ms",
                    s.accepted, s.delivered, s.e2e_ms[0], s.e2e_ms[1], s.e2e_ms[2]
                );
                accepted.push(s.accepted);
                delivered.push(s.delivered);
                p50.push(s.e2e_ms[0]);
                p99.push(s.e2e_ms[1]);
                max.push(s.e2e_ms[2]);
            }
            let c = args.saturation_concurrency;
            fig(format!("saturation (unary, concurrency {c}): accepted"), &accepted, "events/s", None, "");
            fig(format!("saturation (unary, concurrency {c}): delivered"), &delivered, "deliveries/s", None, "");
            fig("saturation e2e p50 (from call start)".into(), &p50, "ms", None, "");
            fig("saturation e2e p99 (from call start)".into(), &p99, "ms", None, "<= 30");
            fig("saturation e2e max (from call start)".into(), &max, "ms", None, "");
            rss.push(d.rss("VmHWM"));
        }

        // --- end-to-end latency at a steady rate, each rate `runs` times ------------------
        if on(Phase::Steady) {
            create_webhooks(&mut admin, &receiver.url("/latency"), "configuration_saved", 1).await;
            let d = ServerProcess::serving(&main_url, &tmp.join("d"), &[]).await;
            for &rate in &args.latency_rates {
                // One connection keeps up with everyday rates only.
                if rate <= 1000 {
                    let floor = limits::paced_insert_cpu(&pg, &pgdata, rate, args.latency_secs).await;
                    eprintln!("at {rate}/s, durable single-row inserts alone: postgres CPU {floor:.3} ms per row");
                    fig(format!("limit: postgres CPU per durable insert at {rate}/s"), &[floor], "ms", None, "");
                }
                let mut runs: Vec<Steady> = Vec::new();
                for run in 1..=args.runs {
                    if args.statements {
                        let stats = support::sql(&pg.url("postgres")).await;
                        stats.batch_execute("SELECT pg_stat_statements_reset()").await.unwrap();
                    }
                    let lat = latency(
                        &d,
                        &publisher,
                        &receiver,
                        &pgdata,
                        "configuration_saved",
                        &[None],
                        rate,
                        args.latency_secs,
                    )
                    .await;
                    eprintln!(
                        "at {rate}/s, run {run}: e2e p50 {:.2} ms p99 {:.2} ms max {:.2} ms; CPU per event: webhookd {:.3} ms, postgres {:.3} ms",
                        lat.e2e_ms[0], lat.e2e_ms[2], lat.e2e_ms[3], lat.server_cpu_ms, lat.postgres_cpu_ms
                    );
                    if args.statements {
                        print_statements(&pg, rate * args.latency_secs).await;
                    }
                    print_processes(&pg, &lat.postgres_processes).await;
                    runs.push(lat);
                }
                let target = |t: &'static str| if rate == 200 { t } else { "" };
                let each = |f: &dyn Fn(&Steady) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
                fig(format!("e2e p50 at {rate}/s (from call start)"), &each(&|l| l.e2e_ms[0]), "ms", None, "");
                fig(format!("e2e p95 at {rate}/s (from call start)"), &each(&|l| l.e2e_ms[1]), "ms", None, "");
                fig(
                    format!("e2e p99 at {rate}/s (from call start)"),
                    &each(&|l| l.e2e_ms[2]),
                    "ms",
                    None,
                    target("<= 4 every run"),
                );
                fig(format!("e2e max at {rate}/s (from call start)"), &each(&|l| l.e2e_ms[3]), "ms", None, "");
                fig(format!("webhookd CPU per event at {rate}/s"), &each(&|l| l.server_cpu_ms), "ms", None, "");
                fig(
                    format!("postgres CPU per event at {rate}/s"),
                    &each(&|l| l.postgres_cpu_ms),
                    "ms",
                    None,
                    target("<= 0.5"),
                );
            }
            rss.push(d.rss("VmHWM"));
        }

        // --- a backlog of pending deliveries: ingest and delivery beside it, against the same
        // with none --------------------------------------------------------------------------
        if on(Phase::Backlog) {
            create_webhooks(&mut admin, &receiver.url("/backlog-ingest"), "company_user_edited", 1).await;
            create_webhooks(&mut admin, &receiver.url("/backlog-drain"), "company_user_removed", args.webhooks).await;
            create_webhooks(&mut admin, &receiver.url("/stalled"), "project_user_added", 1).await;
            let events = args.deliveries.div_ceil(args.webhooks);
            let mut rates: [[Vec<f64>; 2]; 2] = Default::default();
            for (k, backlog) in [0, args.backlog_rows].into_iter().enumerate() {
                if backlog > 0 {
                    scale::seed_backlog(&db, "project_user_added", backlog).await;
                }
                for run in 1..=args.runs {
                    let ingest =
                        publish_streaming(&a, &publisher, "company_user_edited", args.stream_events, args.streams)
                            .await;
                    db.batch_execute("DELETE FROM events WHERE event_name = 'company_user_edited'").await.unwrap();
                    publish_streaming(&a, &publisher, "company_user_removed", events, args.streams).await;
                    let delivered = scale::drain_beside_ingest(
                        &main_url,
                        &tmp.join(format!("backlog-{k}-{run}")),
                        &receiver,
                        &db,
                        &pgdata,
                        "company_user_removed",
                        events * args.webhooks,
                        &a,
                        &publisher,
                    )
                    .await;
                    eprintln!(
                        "with {backlog} pending deliveries, run {run}: streaming ingest {ingest:.0}/s; \
                         delivery to {} webhooks beside unary ingest {:.0}/s",
                        args.webhooks, delivered
                    );
                    rates[k][0].push(ingest);
                    rates[k][1].push(delivered);
                }
            }
            db.batch_execute("DELETE FROM events WHERE event_name = 'project_user_added'").await.unwrap();
            let ratio = |i: usize| {
                let empty = median(&rates[0][i]);
                Some((format!("the same with an empty queue ({empty:.0}/s)"), empty))
            };
            let n = args.backlog_rows;
            fig("PublishEvents (streaming), empty queue".into(), &rates[0][0], "events/s", None, "");
            fig(format!("PublishEvents (streaming), {n} pending"), &rates[1][0], "events/s", ratio(0), ">= 0.8");
            fig(
                format!("deliveries to {} webhooks beside ingest, empty queue", args.webhooks),
                &rates[0][1],
                "deliveries/s",
                None,
                "",
            );
            fig(
                format!("deliveries to {} webhooks beside ingest, {n} pending", args.webhooks),
                &rates[1][1],
                "deliveries/s",
                ratio(1),
                ">= 0.8",
            );
        }

        // --- two servers delivering from one database, against one --------------------------
        if on(Phase::Replicas) {
            create_webhooks(&mut admin, &receiver.url("/replicas"), "company_user_added", args.webhooks).await;
            let events = args.deliveries.div_ceil(args.webhooks);
            let mut rates: [Vec<f64>; 2] = Default::default();
            let mut cpu: [[Vec<f64>; 2]; 2] = Default::default();
            let mut extra = 0;
            for run in 1..=args.runs {
                for replicas in [1, 2] {
                    publish_streaming(&a, &publisher, "company_user_added", events, args.streams).await;
                    let dir = tmp.join(format!("replicas-{replicas}-{run}"));
                    let d = drain(
                        &main_url,
                        &dir,
                        &receiver,
                        &db,
                        &pgdata,
                        "company_user_added",
                        events * args.webhooks,
                        replicas,
                    )
                    .await;
                    eprintln!(
                        "{replicas} server(s), run {run}: {:.0} deliveries/s, {} sent twice; CPU per delivery: webhookd {:.3} ms, postgres {:.3} ms",
                        d.rate, d.extra, d.cpu_ms[0], d.cpu_ms[1]
                    );
                    cpu[replicas - 1][0].push(d.cpu_ms[0]);
                    cpu[replicas - 1][1].push(d.cpu_ms[1]);
                    rates[replicas - 1].push(d.rate);
                    extra += d.extra;
                }
            }
            let one = median(&rates[0]);
            fig(format!("deliveries to {} webhooks, 1 server", args.webhooks), &rates[0], "deliveries/s", None, "");
            fig(
                format!("deliveries to {} webhooks, 2 servers", args.webhooks),
                &rates[1],
                "deliveries/s",
                Some((format!("1 server ({one:.0}/s)"), one)),
                "",
            );
            fig("deliveries sent twice, 2 servers (all runs)".into(), &[extra as f64], "deliveries", None, "0");
            for (k, servers) in ["1 server", "2 servers"].into_iter().enumerate() {
                fig(format!("webhookd CPU per delivery, {servers}"), &cpu[k][0], "ms", None, "");
                fig(format!("postgres CPU per delivery, {servers}"), &cpu[k][1], "ms", None, "");
            }
        }
        // --- a bulk recovery of deliveries that failed for good ----------------------------
        if on(Phase::Recovery) {
            // A webhook of its own (its subscription does not matter: the failures are seeded).
            let created = admin
                .create_webhook(pb::CreateWebhookRequest {
                    target_url: receiver.url("/recovered"),
                    secret: "bench-secret-value".into(),
                    events: vec!["project_created".into()],
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            let hook: uuid::Uuid = created.id.parse().unwrap();
            let n = args.recovery_deliveries;
            let (mut secs, mut rates, mut duplicates) = (Vec::new(), Vec::new(), 0);
            for run in 1..=args.runs {
                recovery::seed_failed(&db, hook, "project_created", n).await;
                let dir = tmp.join(format!("recovery-{run}"));
                let r = recovery::recover(&main_url, &dir, &receiver, &admin_token, hook, n, args.recovery_rate).await;
                eprintln!(
                    "run {run}: recovery of {n} failed deliveries at --recovery-rate {}: {:.1} s, {:.0}/s, {} sent twice",
                    args.recovery_rate, r.secs, r.rate, r.duplicates
                );
                secs.push(r.secs);
                rates.push(r.rate);
                duplicates += r.duplicates;
            }
            let limit = Some((format!("--recovery-rate {}", args.recovery_rate), f64::from(args.recovery_rate)));
            fig(format!("recovery of {n} failed deliveries"), &secs, "s", None, "");
            fig("recovery rate".into(), &rates, "deliveries/s", limit, "");
            fig("recovered deliveries sent twice (all runs)".into(), &[duplicates as f64], "deliveries", None, "0");
        }
        rss.push(a.rss("VmHWM"));
    }

    // --- head of line: 99 fast webhooks at a steady rate, alone, then beside one webhook
    // whose endpoint takes 10 s to answer and has a backlog of due deliveries --------------
    if on(Phase::Hol) {
        let hol_url = database(&pg, "bench_hol").await;
        let e = ServerProcess::serving(&hol_url, &tmp.join("e"), &["--request-timeout", "30s"]).await;
        let hol_publisher = support::mint_token(&hol_url, Role::Publisher, &Default::default()).await;
        let mut hol_admin = admin_client(&e, &e.admin_token());
        let hol_scopes: Vec<Option<pb::Scope>> =
            (0..99).map(|i| Some(pb::Scope { company_id: "hol".into(), project_id: format!("p{i}") })).collect();
        for scope in &hol_scopes {
            let create = pb::CreateWebhookRequest {
                scope: scope.clone(),
                target_url: receiver.url("/latency"),
                secret: "bench-secret-value".into(),
                events: vec!["company_user_added".into()],
                ..Default::default()
            };
            hol_admin.create_webhook(create).await.unwrap();
        }
        let hol_latency =
            |name| latency(&e, &hol_publisher, &receiver, &pgdata, name, &hol_scopes, args.hol_rate, args.latency_secs);
        let alone = hol_latency("company_user_added").await;
        // The slow webhook is on the instance: it gets the backlog and every fast event too.
        create_webhooks(&mut hol_admin, &receiver.url("/slow"), "company_user_added", 1).await;
        publish_streaming(&e, &hol_publisher, "company_user_added", args.hol_backlog, args.streams).await;
        let beside_slow = hol_latency("company_user_added").await;
        eprintln!(
            "head of line at {}/s over 99 webhooks: e2e p99 {:.2} ms alone, {:.2} ms beside a 10 s endpoint with {} due",
            args.hol_rate, alone.e2e_ms[2], beside_slow.e2e_ms[2], args.hol_backlog
        );
        rss.push(e.rss("VmHWM"));
        fig(
            format!("head of line: e2e p99 at {}/s, 99 webhooks alone", args.hol_rate),
            &[alone.e2e_ms[2]],
            "ms",
            None,
            "",
        );
        fig(
            format!("head of line: e2e p99 beside a 10 s endpoint with {} due", args.hol_backlog),
            &[beside_slow.e2e_ms[2]],
            "ms",
            Some(("e2e p99 alone".into(), alone.e2e_ms[2])),
            "ratio <= 2",
        );
    }

    // --- history on a seeded table ----------------------------------------------------------
    if on(Phase::History) {
        let hist_url = database(&pg, "bench_history").await;
        let seeded = history::seed(&hist_url, args.history_rows, args.history_webhooks).await;
        let h = ServerProcess::serving(&hist_url, &tmp.join("h"), &["--no-delivery"]).await;
        history::wait_sealed(&hist_url).await;
        let (hist, plan) = history::latency(&h, &hist_url, &seeded, args.history_queries).await;
        eprintln!("history p50 {:.2} ms p99 {:.2} ms", hist[0], hist[1]);
        let claim_plan = history::explain(&hist_url, "EXPLAIN (COSTS OFF) ", &history::claim_sql()).await;
        plans.insert("list_event_history".into(), plan.into());
        plans.insert("claim".into(), claim_plan.into());
        fig(format!("ListEventHistory p50 ({} rows)", args.history_rows), &[hist[0]], "ms", None, "");
        fig(format!("ListEventHistory p99 ({} rows)", args.history_rows), &[hist[1]], "ms", None, "< 5");
    }

    // --- the soak: hours of traffic compressed into `--soak-secs`, with failures -------------
    if on(Phase::Soak) {
        let plan = soak::SoakPlan {
            secs: args.soak_secs,
            rate: args.soak_rate,
            kill_every_secs: args.soak_kill_every,
            pg_restarts: args.soak_pg_restarts,
        };
        let (restarted, s) = soak::soak(pg, &tmp.join("pg"), tmp, &receiver, &plan).await;
        pg = restarted;
        let svg = out.with_extension("svg");
        match soak::plot(&s, &plan, &svg) {
            Ok(()) => eprintln!("soak plot: {}", svg.display()),
            Err(e) => eprintln!("soak plot not written: {e}"),
        }
        eprintln!(
            "soak: {} acknowledged, {} lost, {} sent twice ({} leased at the {} kills), {} refused; RSS growth {:.3}; e2e p99 {:.1} ms; oldest pending {:.1} s",
            s.acknowledged, s.lost, s.duplicates, s.in_flight_at_kills, s.kills, s.refused, s.rss_growth, s.e2e_p99_ms, s.max_backlog_age_secs
        );
        fig("soak: events acknowledged".into(), &[s.acknowledged as f64], "events", None, "");
        fig("soak: acknowledged events lost".into(), &[s.lost as f64], "events", None, "0");
        fig(
            "soak: deliveries sent twice".into(),
            &[s.duplicates as f64],
            "deliveries",
            Some(("leased at the kills".into(), s.in_flight_at_kills as f64)),
            "<= leased at the kills",
        );
        fig("soak: publishes refused for good".into(), &[s.refused as f64], "events", None, "0");
        fig("soak: RSS growth after warm-up".into(), &[s.rss_growth], "ratio", None, "<= 1.10");
        fig("soak: e2e p99 (from call start)".into(), &[s.e2e_p99_ms], "ms", None, "");
        fig("soak: oldest pending delivery, max".into(), &[s.max_backlog_age_secs], "s", None, "");
        plans.insert("soak".into(), serde_json::to_value(&s).unwrap());
    }

    if let Some(peak) = rss.into_iter().max() {
        fig("server RSS peak".into(), &[peak as f64 / 1024.0], "MiB", None, "< 200");
    }
    let _ = tokio::task::spawn_blocking(move || pg.stop()).await;
    (figures, serde_json::Value::Object(plans))
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
        let limit = f.limit.as_ref().map(|(n, v)| format!("{n} = {v:.0}")).unwrap_or_default();
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
