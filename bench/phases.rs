//! The benchmark's phases, one function each: what it runs (`--runs` times, mostly) and the
//! figures it adds to the [`Bench`].

use std::path::{Path, PathBuf};

use webhookd::storage::local::LocalPostgres;
use webhookd_client::pb;

use crate::load::{
    self, admin_client, create_webhooks, drain, latency, publish_streaming, publish_unary, Admin, Steady,
};
use crate::receiver::Receiver;
use crate::support::{self, ServerProcess};
use crate::{
    database, history, limits, median, print_processes, print_statements, recovery, routing, scale, soak, statements,
    Args, Figure,
};
use webhookd::model::Role;

/// What the phases share: the arguments, the cluster and the receiver, and what they found.
pub struct Bench<'a> {
    pub args: &'a Args,
    pub tmp: &'a Path,
    /// The benchmark's cluster; taken and given back by the soak, which restarts it.
    pub pg: Option<LocalPostgres>,
    pub pgdata: PathBuf,
    pub receiver: Receiver,
    pub figures: Vec<Figure>,
    pub plans: serde_json::Map<String, serde_json::Value>,
    /// Peak RSS (KiB) of each server process measured.
    pub rss: Vec<u64>,
    /// The limits the figures are compared to, once the limits phase has measured them.
    pub pg_limit: Option<(String, f64)>,
    pub post_limit: Option<(String, f64)>,
}

impl Bench<'_> {
    pub fn pg(&self) -> &LocalPostgres {
        self.pg.as_ref().expect("the cluster is running")
    }

    /// Adds a figure: the median of `runs` (every run kept when there are several), with its
    /// ratio to `limit` and the `target` it is held to.
    pub fn fig(
        &mut self,
        name: String,
        runs: &[f64],
        unit: &'static str,
        limit: Option<(String, f64)>,
        target: &'static str,
    ) {
        let value = median(runs);
        let ratio = limit.as_ref().and_then(|(_, l)| (*l > 0.0).then(|| value / l));
        let runs = if runs.len() > 1 { runs.to_vec() } else { Vec::new() };
        self.figures.push(Figure { name, value, unit, limit, ratio, target, runs });
    }
}

/// The server the ingest and delivery phases share (it does not deliver), its database and
/// tokens.
pub struct Shared {
    pub url: String,
    pub a: ServerProcess,
    pub admin_token: String,
    pub publisher: String,
    pub admin: Admin,
    pub db: tokio_postgres::Client,
}

impl Shared {
    pub async fn start(b: &mut Bench<'_>) -> Self {
        let url = database(b.pg(), "bench_main").await;
        let a = ServerProcess::serving(&url, &b.tmp.join("a"), &["--no-delivery"]).await;
        b.fig("server RSS idle".into(), &[a.rss("VmRSS") as f64 / 1024.0], "MiB", None, "< 30");
        let admin_token = a.admin_token();
        let publisher = support::mint_token(&url, Role::Publisher, &Default::default()).await;
        let admin = admin_client(&a, &admin_token);
        let db = support::sql(&url).await;
        Self { url, a, admin_token, publisher, admin, db }
    }
}

/// The machine's own limits with the stacks webhookd uses: plain POSTs to the receiver, durable single-row inserts.
pub async fn limits(b: &mut Bench<'_>) {
    let (mut posts, mut inserts, mut v1, mut v1a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 1..=b.args.runs {
        let post_rate = limits::plain_posts(&b.receiver, b.args.limit_ops, b.args.concurrency).await;
        let insert_rate = limits::durable_inserts(b.pg(), run, b.args.limit_ops, b.args.concurrency).await;
        let [hmac_us, ed25519_us] = limits::signatures(b.args.limit_ops);
        eprintln!(
            "run {run}: limit: plain POST {post_rate:.0}/s; durable single-row INSERT {insert_rate:.0}/s; \
             signing an attempt: v1 {hmac_us:.2} µs, v1a {ed25519_us:.2} µs"
        );
        posts.push(post_rate);
        inserts.push(insert_rate);
        v1.push(hmac_us);
        v1a.push(ed25519_us);
    }
    b.fig("limit: receiver plain POSTs".into(), &posts, "req/s", None, "");
    b.fig("limit: postgres durable inserts".into(), &inserts, "rows/s", None, "");
    b.fig("signing one attempt, v1 (HMAC-SHA256)".into(), &v1, "µs", None, "");
    b.fig("signing one attempt, v1a (ed25519)".into(), &v1a, "µs", None, "");
    b.pg_limit = Some(("postgres durable single-row inserts/s".to_string(), median(&inserts)));
    b.post_limit = Some(("receiver plain POSTs/s (same client stack)".to_string(), median(&posts)));
}

/// Unary `PublishEvent` (each call's p50, p99 and max) and streaming `PublishEvents`.
pub async fn ingest(b: &mut Bench<'_>, m: &mut Shared) {
    create_webhooks(&mut m.admin, &b.receiver.url("/ingest"), "project_created", 1).await;
    let (mut unary, mut p99, mut max, mut streaming) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 1..=b.args.runs {
        let u = publish_unary(&m.a, &m.publisher, "project_created", b.args.unary_events, b.args.concurrency).await;
        eprintln!(
            "run {run}: unary PublishEvent: {:.0}/s; call p50 {:.2} ms p99 {:.2} ms max {:.2} ms (the slowest started at {:.0} ms)",
            u.rate, u.call_ms[0], u.call_ms[1], u.call_ms[2], u.slowest_at_ms
        );
        let s = publish_streaming(&m.a, &m.publisher, "project_created", b.args.stream_events, b.args.streams).await;
        eprintln!("run {run}: streaming PublishEvents: {s:.0}/s");
        m.db.batch_execute("DELETE FROM deliveries; DELETE FROM events;").await.unwrap();
        unary.push(u.rate);
        p99.push(u.call_ms[1]);
        max.push(u.call_ms[2]);
        streaming.push(s);
    }
    b.fig(
        format!("PublishEvent (unary, concurrency {})", b.args.concurrency),
        &unary,
        "events/s",
        b.pg_limit.clone(),
        ">= 5000",
    );
    b.fig("PublishEvent call p99".into(), &p99, "ms", None, "");
    b.fig("PublishEvent call max".into(), &max, "ms", None, "");
    b.fig("PublishEvents (streaming)".into(), &streaming, "events/s", b.pg_limit.clone(), ">= 20000");
}

/// Deliveries to one webhook, then to many.
pub async fn delivery(b: &mut Bench<'_>, m: &mut Shared) {
    create_webhooks(&mut m.admin, &b.receiver.url("/one"), "tag_created", 1).await;
    create_webhooks(&mut m.admin, &b.receiver.url("/many"), "service_created", b.args.webhooks).await;
    let events = b.args.deliveries.div_ceil(b.args.webhooks);
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for run in 1..=b.args.runs {
        publish_streaming(&m.a, &m.publisher, "tag_created", b.args.deliveries, b.args.streams).await;
        let dir = b.tmp.join(format!("b-{run}"));
        let d = drain(&m.url, &dir, &b.receiver, &m.db, &b.pgdata, "tag_created", b.args.deliveries, 1).await;
        eprintln!("run {run}: deliveries to 1 webhook: {:.0}/s", d.rate);
        one.push(d.rate);
        b.rss.push(d.peak_kib);
        publish_streaming(&m.a, &m.publisher, "service_created", events, b.args.streams).await;
        let dir = b.tmp.join(format!("c-{run}"));
        let d =
            drain(&m.url, &dir, &b.receiver, &m.db, &b.pgdata, "service_created", events * b.args.webhooks, 1).await;
        eprintln!("run {run}: deliveries to {} webhooks: {:.0}/s", b.args.webhooks, d.rate);
        many.push(d.rate);
        b.rss.push(d.peak_kib);
    }
    b.fig("deliveries to 1 webhook".into(), &one, "deliveries/s", b.post_limit.clone(), ">= 10000, >= 50 % of limit");
    b.fig(format!("deliveries to {} webhooks", b.args.webhooks), &many, "deliveries/s", b.post_limit.clone(), "");
    let ratios: Vec<f64> = one.iter().zip(&many).map(|(o, m)| m / o).collect();
    b.fig(format!("deliveries to {} webhooks / to 1 webhook", b.args.webhooks), &ratios, "ratio", None, ">= 0.8");
}

/// Deliveries to one FIFO webhook (one at a time, in publish order) against deliveries to one
/// unordered webhook, the same backlog drained by one server, alternately.
pub async fn ordered(b: &mut Bench<'_>, m: &mut Shared) {
    // Two webhooks of their own, deleted at the end: the later phases publish these events.
    let mut ids = Vec::new();
    for (path, event, ordering) in [
        ("/fifo", "company_user_edited", pb::DeliveryOrdering::Fifo),
        ("/unordered", "company_user_removed", pb::DeliveryOrdering::Unordered),
    ] {
        let w = m
            .admin
            .create_webhook(pb::CreateWebhookRequest {
                target_url: b.receiver.url(path),
                secret: "bench-secret-value".into(),
                events: vec![event.into()],
                ordering: ordering as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        ids.push(w.id);
    }
    let n = b.args.ordered_deliveries;
    let (mut fifo, mut unordered) = (Vec::new(), Vec::new());
    for run in 1..=b.args.runs {
        for (event, rates) in [("company_user_edited", &mut fifo), ("company_user_removed", &mut unordered)] {
            publish_streaming(&m.a, &m.publisher, event, n, b.args.streams).await;
            let dir = b.tmp.join(format!("o-{event}-{run}"));
            let d = drain(&m.url, &dir, &b.receiver, &m.db, &b.pgdata, event, n, 1).await;
            eprintln!("run {run}: {n} deliveries to 1 webhook, {event}: {:.0}/s, {} sent twice", d.rate, d.extra);
            rates.push(d.rate);
        }
    }
    for id in ids {
        m.admin.delete_webhook(pb::DeleteWebhookRequest { id }).await.unwrap();
    }
    b.fig("deliveries to 1 FIFO webhook".into(), &fifo, "deliveries/s", None, "");
    b.fig("deliveries to 1 unordered webhook (same backlog)".into(), &unordered, "deliveries/s", None, "");
    let ratios: Vec<f64> = fifo.iter().zip(&unordered).map(|(f, u)| f / u).collect();
    b.fig("FIFO / unordered, one webhook".into(), &ratios, "ratio", None, "");
}

/// Unary ingest as fast as it goes, delivered beside it.
pub async fn saturation(b: &mut Bench<'_>, m: &mut Shared) {
    create_webhooks(&mut m.admin, &b.receiver.url("/saturation"), "project_user_removed", 1).await;
    let d = ServerProcess::serving(&m.url, &b.tmp.join("sat"), &[]).await;
    let (mut accepted, mut delivered, mut p50, mut p99, mut max) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 1..=b.args.runs {
        let s = load::saturation(
            &d,
            &m.publisher,
            &b.receiver,
            "project_user_removed",
            b.args.unary_events,
            b.args.saturation_concurrency,
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
    let c = b.args.saturation_concurrency;
    b.fig(format!("saturation (unary, concurrency {c}): accepted"), &accepted, "events/s", None, "");
    b.fig(format!("saturation (unary, concurrency {c}): delivered"), &delivered, "deliveries/s", None, "");
    b.fig("saturation e2e p50 (from call start)".into(), &p50, "ms", None, "");
    b.fig("saturation e2e p99 (from call start)".into(), &p99, "ms", None, "<= 30");
    b.fig("saturation e2e max (from call start)".into(), &max, "ms", None, "");
    b.rss.push(d.rss("VmHWM"));
}

/// End-to-end latency at each steady rate, with the CPU per event of webhookd and PostgreSQL.
pub async fn steady(b: &mut Bench<'_>, m: &mut Shared) {
    create_webhooks(&mut m.admin, &b.receiver.url("/latency"), "configuration_saved", 1).await;
    let d = ServerProcess::serving(&m.url, &b.tmp.join("d"), &[]).await;
    for &rate in &b.args.latency_rates {
        // One connection keeps up with everyday rates only.
        let mut floor_pair = None;
        if rate <= 1000 {
            let floor = limits::paced_insert_cpu(b.pg(), &b.pgdata, rate, b.args.latency_secs, false).await;
            eprintln!("at {rate}/s, durable single-row inserts alone: postgres CPU {floor:.3} ms per row");
            b.fig(format!("limit: postgres CPU per durable insert at {rate}/s"), &[floor], "ms", None, "");
            let pair = limits::paced_insert_cpu(b.pg(), &b.pgdata, rate, b.args.latency_secs, true).await;
            eprintln!(
                "at {rate}/s, durable single-row inserts each updated once asynchronously: postgres CPU {pair:.3} ms per row"
            );
            b.fig(
                format!("limit: postgres CPU per durable insert and asynchronous update at {rate}/s"),
                &[pair],
                "ms",
                None,
                "",
            );
            floor_pair = Some(("durable insert + async update".to_string(), pair));
        }
        let mut runs: Vec<Steady> = Vec::new();
        for run in 1..=b.args.runs {
            if b.args.statements {
                let stats = support::sql(&b.pg().url("postgres")).await;
                stats.batch_execute("SELECT pg_stat_statements_reset()").await.unwrap();
            }
            let lat = latency(
                &d,
                &m.publisher,
                &b.receiver,
                &b.pgdata,
                "configuration_saved",
                &[None],
                rate,
                b.args.latency_secs,
            )
            .await;
            eprintln!(
                "at {rate}/s, run {run}: e2e p50 {:.2} ms p99 {:.2} ms max {:.2} ms; CPU per event: webhookd {:.3} ms, postgres {:.3} ms",
                lat.e2e_ms[0], lat.e2e_ms[2], lat.e2e_ms[3], lat.server_cpu_ms, lat.postgres_cpu_ms
            );
            if b.args.statements {
                print_statements(b.pg(), rate * b.args.latency_secs).await;
            }
            print_processes(b.pg(), &lat.postgres_processes).await;
            runs.push(lat);
        }
        let target = |t: &'static str| if rate == 200 { t } else { "" };
        let each = |f: &dyn Fn(&Steady) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
        b.fig(format!("e2e p50 at {rate}/s (from call start)"), &each(&|l| l.e2e_ms[0]), "ms", None, "");
        b.fig(format!("e2e p95 at {rate}/s (from call start)"), &each(&|l| l.e2e_ms[1]), "ms", None, "");
        b.fig(
            format!("e2e p99 at {rate}/s (from call start)"),
            &each(&|l| l.e2e_ms[2]),
            "ms",
            None,
            target("<= 4 every run"),
        );
        b.fig(format!("e2e max at {rate}/s (from call start)"), &each(&|l| l.e2e_ms[3]), "ms", None, "");
        b.fig(format!("webhookd CPU per event at {rate}/s"), &each(&|l| l.server_cpu_ms), "ms", None, "");
        b.fig(
            format!("postgres CPU per event at {rate}/s"),
            &each(&|l| l.postgres_cpu_ms),
            "ms",
            floor_pair,
            target("<= 0.6"),
        );
    }
    b.rss.push(d.rss("VmHWM"));
}

/// Ingest, and delivery beside it, with a backlog of pending deliveries against the same with none.
pub async fn backlog(b: &mut Bench<'_>, m: &mut Shared) {
    create_webhooks(&mut m.admin, &b.receiver.url("/backlog-ingest"), "company_user_edited", 1).await;
    create_webhooks(&mut m.admin, &b.receiver.url("/backlog-drain"), "company_user_removed", b.args.webhooks).await;
    create_webhooks(&mut m.admin, &b.receiver.url("/stalled"), "project_user_added", 1).await;
    let events = b.args.deliveries.div_ceil(b.args.webhooks);
    let mut rates: [[Vec<f64>; 2]; 2] = Default::default();
    for (k, backlog) in [0, b.args.backlog_rows].into_iter().enumerate() {
        if backlog > 0 {
            scale::seed_backlog(&m.db, "project_user_added", backlog).await;
        }
        for run in 1..=b.args.runs {
            let ingest =
                publish_streaming(&m.a, &m.publisher, "company_user_edited", b.args.stream_events, b.args.streams)
                    .await;
            m.db.batch_execute("DELETE FROM events WHERE event_name = 'company_user_edited'").await.unwrap();
            publish_streaming(&m.a, &m.publisher, "company_user_removed", events, b.args.streams).await;
            let delivered = scale::drain_beside_ingest(
                &m.url,
                &b.tmp.join(format!("backlog-{k}-{run}")),
                &b.receiver,
                &m.db,
                &b.pgdata,
                "company_user_removed",
                events * b.args.webhooks,
                &m.a,
                &m.publisher,
            )
            .await;
            eprintln!(
                "with {backlog} pending deliveries, run {run}: streaming ingest {ingest:.0}/s; \
                 delivery to {} webhooks beside unary ingest {:.0}/s",
                b.args.webhooks, delivered
            );
            rates[k][0].push(ingest);
            rates[k][1].push(delivered);
        }
    }
    m.db.batch_execute("DELETE FROM events WHERE event_name = 'project_user_added'").await.unwrap();
    let ratio = |i: usize| {
        let empty = median(&rates[0][i]);
        Some((format!("the same with an empty queue ({empty:.0}/s)"), empty))
    };
    let n = b.args.backlog_rows;
    b.fig("PublishEvents (streaming), empty queue".into(), &rates[0][0], "events/s", None, "");
    b.fig(format!("PublishEvents (streaming), {n} pending"), &rates[1][0], "events/s", ratio(0), ">= 0.8");
    b.fig(
        format!("deliveries to {} webhooks beside ingest, empty queue", b.args.webhooks),
        &rates[0][1],
        "deliveries/s",
        None,
        "",
    );
    b.fig(
        format!("deliveries to {} webhooks beside ingest, {n} pending", b.args.webhooks),
        &rates[1][1],
        "deliveries/s",
        ratio(1),
        ">= 0.8",
    );
}

/// Two servers delivering from one database, against one.
pub async fn replicas(b: &mut Bench<'_>, m: &mut Shared) {
    create_webhooks(&mut m.admin, &b.receiver.url("/replicas"), "company_user_added", b.args.webhooks).await;
    let events = b.args.deliveries.div_ceil(b.args.webhooks);
    let mut rates: [Vec<f64>; 2] = Default::default();
    let mut cpu: [[Vec<f64>; 2]; 2] = Default::default();
    let mut extra = 0;
    for run in 1..=b.args.runs {
        for replicas in [1, 2] {
            publish_streaming(&m.a, &m.publisher, "company_user_added", events, b.args.streams).await;
            let dir = b.tmp.join(format!("replicas-{replicas}-{run}"));
            let d = drain(
                &m.url,
                &dir,
                &b.receiver,
                &m.db,
                &b.pgdata,
                "company_user_added",
                events * b.args.webhooks,
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
    b.fig(format!("deliveries to {} webhooks, 1 server", b.args.webhooks), &rates[0], "deliveries/s", None, "");
    b.fig(
        format!("deliveries to {} webhooks, 2 servers", b.args.webhooks),
        &rates[1],
        "deliveries/s",
        Some((format!("1 server ({one:.0}/s)"), one)),
        "",
    );
    b.fig("deliveries sent twice, 2 servers (all runs)".into(), &[extra as f64], "deliveries", None, "0");
    for (k, servers) in ["1 server", "2 servers"].into_iter().enumerate() {
        b.fig(format!("webhookd CPU per delivery, {servers}"), &cpu[k][0], "ms", None, "");
        b.fig(format!("postgres CPU per delivery, {servers}"), &cpu[k][1], "ms", None, "");
    }
}

/// A bulk recovery of deliveries that failed for good.
pub async fn recovery(b: &mut Bench<'_>, m: &mut Shared) {
    // A webhook of its own (its subscription does not matter: the failures are seeded).
    let created = m
        .admin
        .create_webhook(pb::CreateWebhookRequest {
            target_url: b.receiver.url("/recovered"),
            secret: "bench-secret-value".into(),
            events: vec!["project_created".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let hook: uuid::Uuid = created.id.parse().unwrap();
    let n = b.args.recovery_deliveries;
    let (mut secs, mut rates, mut duplicates) = (Vec::new(), Vec::new(), 0);
    for run in 1..=b.args.runs {
        recovery::seed_failed(&m.db, hook, "project_created", n).await;
        let dir = b.tmp.join(format!("recovery-{run}"));
        let r = recovery::recover(&m.url, &dir, &b.receiver, &m.admin_token, hook, n, b.args.recovery_rate).await;
        eprintln!(
            "run {run}: recovery of {n} failed deliveries at --recovery-rate {}: {:.1} s, {:.0}/s, {} sent twice",
            b.args.recovery_rate, r.secs, r.rate, r.duplicates
        );
        secs.push(r.secs);
        rates.push(r.rate);
        duplicates += r.duplicates;
    }
    let limit = Some((format!("--recovery-rate {}", b.args.recovery_rate), f64::from(b.args.recovery_rate)));
    b.fig(format!("recovery of {n} failed deliveries"), &secs, "s", None, "");
    b.fig("recovery rate".into(), &rates, "deliveries/s", limit, "");
    b.fig("recovered deliveries sent twice (all runs)".into(), &[duplicates as f64], "deliveries", None, "0");
}

/// Head of line: 99 fast webhooks at a steady rate, alone, then beside one webhook whose
/// endpoint takes 10 s to answer and has a backlog of due deliveries.
pub async fn hol(b: &mut Bench<'_>) {
    let hol_url = database(b.pg(), "bench_hol").await;
    let e = ServerProcess::serving(&hol_url, &b.tmp.join("e"), &["--request-timeout", "30s"]).await;
    let hol_publisher = support::mint_token(&hol_url, Role::Publisher, &Default::default()).await;
    let mut hol_admin = admin_client(&e, &e.admin_token());
    let hol_scopes: Vec<Option<pb::Scope>> =
        (0..99).map(|i| Some(pb::Scope { company_id: "hol".into(), project_id: format!("p{i}") })).collect();
    for scope in &hol_scopes {
        let create = pb::CreateWebhookRequest {
            scope: scope.clone(),
            target_url: b.receiver.url("/latency"),
            secret: "bench-secret-value".into(),
            events: vec!["company_user_added".into()],
            ..Default::default()
        };
        hol_admin.create_webhook(create).await.unwrap();
    }
    let hol_latency = |name| {
        latency(&e, &hol_publisher, &b.receiver, &b.pgdata, name, &hol_scopes, b.args.hol_rate, b.args.latency_secs)
    };
    let alone = hol_latency("company_user_added").await;
    // The slow webhook is on the instance: it gets the backlog and every fast event too.
    create_webhooks(&mut hol_admin, &b.receiver.url("/slow"), "company_user_added", 1).await;
    publish_streaming(&e, &hol_publisher, "company_user_added", b.args.hol_backlog, b.args.streams).await;
    let beside_slow = hol_latency("company_user_added").await;
    eprintln!(
        "head of line at {}/s over 99 webhooks: e2e p99 {:.2} ms alone, {:.2} ms beside a 10 s endpoint with {} due",
        b.args.hol_rate, alone.e2e_ms[2], beside_slow.e2e_ms[2], b.args.hol_backlog
    );
    b.rss.push(e.rss("VmHWM"));
    b.fig(
        format!("head of line: e2e p99 at {}/s, 99 webhooks alone", b.args.hol_rate),
        &[alone.e2e_ms[2]],
        "ms",
        None,
        "",
    );
    b.fig(
        format!("head of line: e2e p99 beside a 10 s endpoint with {} due", b.args.hol_backlog),
        &[beside_slow.e2e_ms[2]],
        "ms",
        Some(("e2e p99 alone".into(), alone.e2e_ms[2])),
        "ratio <= 2",
    );
}

/// `ListEventHistory` on a seeded table.
pub async fn history(b: &mut Bench<'_>) {
    let hist_url = database(b.pg(), "bench_history").await;
    let seeded = history::seed(&hist_url, b.args.history_rows, b.args.history_webhooks).await;
    let h = ServerProcess::serving(&hist_url, &b.tmp.join("h"), &["--no-delivery"]).await;
    history::wait_sealed(&hist_url).await;
    let (hist, plan) = history::latency(&h, &hist_url, &seeded, b.args.history_queries).await;
    eprintln!("history p50 {:.2} ms p99 {:.2} ms", hist[0], hist[1]);
    let claim_plan = history::explain(&hist_url, "EXPLAIN (COSTS OFF) ", &history::claim_sql()).await;
    b.plans.insert("list_event_history".into(), plan.into());
    b.plans.insert("claim".into(), claim_plan.into());
    b.fig(format!("ListEventHistory p50 ({} rows)", b.args.history_rows), &[hist[0]], "ms", None, "");
    b.fig(format!("ListEventHistory p99 ({} rows)", b.args.history_rows), &[hist[1]], "ms", None, "< 5");
}

/// The soak: hours of traffic compressed into `--soak-secs`, with failures; plotted beside `out`.
pub async fn soak(b: &mut Bench<'_>, out: &Path) {
    let plan = soak::SoakPlan {
        secs: b.args.soak_secs,
        rate: b.args.soak_rate,
        kill_every_secs: b.args.soak_kill_every,
        pg_restarts: b.args.soak_pg_restarts,
    };
    let pg = b.pg.take().expect("the cluster is running");
    let (restarted, s) = soak::soak(pg, &b.tmp.join("pg"), b.tmp, &b.receiver, &plan).await;
    b.pg = Some(restarted);
    let svg = out.with_extension("svg");
    match soak::plot(&s, &plan, &svg) {
        Ok(()) => eprintln!("soak plot: {}", svg.display()),
        Err(e) => eprintln!("soak plot not written: {e}"),
    }
    eprintln!(
        "soak: {} acknowledged, {} lost, {} sent twice ({} leased at the {} kills), {} refused; RSS growth {:.3}; e2e p99 {:.1} ms; oldest pending {:.1} s",
        s.acknowledged, s.lost, s.duplicates, s.in_flight_at_kills, s.kills, s.refused, s.rss_growth, s.e2e_p99_ms, s.max_backlog_age_secs
    );
    b.fig("soak: events acknowledged".into(), &[s.acknowledged as f64], "events", None, "");
    b.fig("soak: acknowledged events lost".into(), &[s.lost as f64], "events", None, "0");
    b.fig(
        "soak: deliveries sent twice".into(),
        &[s.duplicates as f64],
        "deliveries",
        Some(("leased at the kills".into(), s.in_flight_at_kills as f64)),
        "<= leased at the kills",
    );
    b.fig("soak: publishes refused for good".into(), &[s.refused as f64], "events", None, "0");
    b.fig("soak: RSS growth after warm-up".into(), &[s.rss_growth], "ratio", None, "<= 1.10");
    b.fig("soak: e2e p99 (from call start)".into(), &[s.e2e_p99_ms], "ms", None, "");
    b.fig("soak: oldest pending delivery, max".into(), &[s.max_backlog_age_secs], "s", None, "");
    b.plans.insert("soak".into(), serde_json::to_value(&s).unwrap());
}

/// Payload filters' cost in the fan-out: `--routing-webhooks` webhooks in one project, none
/// filtered, against half of them behind a filter; publishes timed one call at a time.
pub async fn routing(b: &mut Bench<'_>) {
    let (n, events) = (b.args.routing_webhooks, b.args.routing_events);
    let mut sides: [Vec<routing::Fanout>; 2] = [Vec::new(), Vec::new()];
    for run in 0..b.args.runs {
        // Alternated, so that neither side always runs on a machine warmed by the other.
        let order = if run % 2 == 0 { [false, true] } else { [true, false] };
        for filtered in order {
            let url =
                database(b.pg(), &format!("bench_routing_{run}_{}", if filtered { "half" } else { "none" })).await;
            routing::seed(&url, n, filtered, &b.receiver.url("/routing")).await;
            let s = ServerProcess::serving(&url, &b.tmp.join(format!("routing-{run}-{filtered}")), &["--no-delivery"])
                .await;
            history::wait_sealed(&url).await;
            let f = routing::publish(&s, &url, &b.pgdata, n, events).await;
            eprintln!(
                "routing, {n} webhooks, {}: publish p50 {:.2} ms p99 {:.2} ms, postgres CPU {:.3} ms per event, {} deliveries each",
                if filtered { "half filtered" } else { "none filtered" },
                f.publish_ms[0],
                f.publish_ms[1],
                f.postgres_cpu_ms,
                f.deliveries
            );
            sides[usize::from(filtered)].push(f);
        }
    }
    let runs = |side: &[routing::Fanout], f: fn(&routing::Fanout) -> f64| side.iter().map(f).collect::<Vec<f64>>();
    let [none, half] = &sides;
    let none_p50 = median(&runs(none, |f| f.publish_ms[0]));
    let none_cpu = median(&runs(none, |f| f.postgres_cpu_ms));
    b.fig(
        format!("publish p50, {n} webhooks in the project, none filtered"),
        &runs(none, |f| f.publish_ms[0]),
        "ms",
        None,
        "",
    );
    b.fig(
        format!("publish p50, {n} webhooks, half filtered"),
        &runs(half, |f| f.publish_ms[0]),
        "ms",
        Some(("none filtered".into(), none_p50)),
        "",
    );
    b.fig(
        format!("postgres CPU per event, {n} webhooks, none filtered"),
        &runs(none, |f| f.postgres_cpu_ms),
        "ms",
        None,
        "",
    );
    b.fig(
        format!("postgres CPU per event, {n} webhooks, half filtered"),
        &runs(half, |f| f.postgres_cpu_ms),
        "ms",
        Some(("none filtered".into(), none_cpu)),
        "",
    );
}

/// The hot path's statements alone against the least their two transactions could cost,
/// alternately, each run on a fresh database (see `statements`).
pub async fn statements(b: &mut Bench<'_>) {
    let events = b.args.statement_events;
    let (mut hot, mut floor) = (Vec::new(), Vec::new());
    for run in 0..b.args.runs {
        let url = database(b.pg(), &format!("bench_statements_{run}")).await;
        // Alternated, so that neither side always runs on a machine warmed by the other.
        let order = if run % 2 == 0 { [true, false] } else { [false, true] };
        for hot_path in order {
            if hot_path {
                hot.push(statements::hot_path(&url, &b.pgdata, events).await);
            } else {
                floor.push(statements::floor(&url, &b.pgdata, events).await);
            }
        }
        eprintln!(
            "statements alone, run {}: postgres CPU {:.3} ms per event (publish, record), {:.3} ms for a durable insert and an asynchronous update",
            run + 1,
            hot[run],
            floor[run]
        );
    }
    b.fig(
        "statements alone: postgres CPU per event (publish, record)".into(),
        &hot,
        "ms",
        Some(("durable insert + async update".into(), median(&floor))),
        "",
    );
    b.fig("statements alone: durable insert + async update".into(), &floor, "ms", None, "");
}
