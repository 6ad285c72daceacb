//! The soak phase: a steady rate for a long time through two replicas, one of them killed
//! (SIGKILL) and started again at a fixed interval, PostgreSQL restarted in between; then
//! every acknowledged event must have arrived. Sampled every few seconds: each replica's
//! resident memory and the age of the oldest pending delivery; per minute: end-to-end p99
//! and deliveries that came twice. Drawn as an SVG.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plotters::prelude::*;
use webhookd::model::Role;
use webhookd::storage::local::LocalPostgres;

use crate::load::{admin_client, create_webhooks, event};
use crate::receiver::Receiver;
use crate::support::{self, ServerProcess};

/// How long, how fast, how often things break.
pub struct SoakPlan {
    pub secs: u64,
    pub rate: u64,
    pub kill_every_secs: u64,
    pub pg_restarts: u64,
}

/// One sample of the run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sample {
    pub secs: f64,
    /// Resident memory of each replica, MiB.
    pub rss_mib: [f64; 2],
    /// Age of the oldest pending delivery, seconds (none while the database restarts).
    pub backlog_age_secs: Option<f64>,
}

/// One minute of the run, by when events were published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Minute {
    pub minute: u64,
    pub published: u64,
    pub e2e_p99_ms: f64,
    pub duplicates: u64,
}

/// What the soak saw.
#[derive(Debug, serde::Serialize)]
pub struct Soaked {
    pub acknowledged: u64,
    /// Publishes that failed for good (their callers were told: not lost).
    pub refused: u64,
    /// Acknowledged events that never arrived.
    pub lost: u64,
    /// Arrivals beyond the first.
    pub duplicates: u64,
    /// Deliveries held under a lease (by either replica) just before each kill, summed: at
    /// most what a kill can send twice.
    pub in_flight_at_kills: u64,
    pub kills: u64,
    pub pg_restarts: u64,
    /// Largest resident memory after warm-up over the memory at the end of warm-up, per
    /// replica lifetime (worst of them).
    pub rss_growth: f64,
    pub e2e_p99_ms: f64,
    pub max_backlog_age_secs: f64,
    pub samples: Vec<Sample>,
    pub minutes: Vec<Minute>,
}

/// Seconds a replica runs before its memory is taken as warmed up.
const WARM_UP_SECS: f64 = 60.0;

/// Runs the soak on database `bench_soak` of `pg` (whose cluster lives in `pg_dir`), posting
/// to `receiver`'s `/soak`. Returns the cluster (restarted, it is a new handle).
pub async fn soak(
    mut pg: LocalPostgres,
    pg_dir: &Path,
    tmp: &Path,
    receiver: &Receiver,
    plan: &SoakPlan,
) -> (LocalPostgres, Soaked) {
    let url = crate::database(&pg, "bench_soak").await;
    let dirs = [tmp.join("soak-0"), tmp.join("soak-1")];
    let mut replicas =
        [ServerProcess::serving(&url, &dirs[0], &[]).await, ServerProcess::serving(&url, &dirs[1], &[]).await];
    let mut admin = admin_client(&replicas[0], &replicas[0].admin_token());
    create_webhooks(&mut admin, &receiver.url("/soak"), "tag_created", 1).await;
    let publisher = support::mint_token(&url, Role::Publisher, &Default::default()).await;
    receiver.soak.lock().unwrap().clear();

    // Publishers: each event through the replicas in turn, retried (with its idempotency
    // key) while its replica or the database is away.
    let options = webhookd_client::ConnectOptions { timeout: Duration::from_secs(60), ..Default::default() };
    let clients: Vec<webhookd_client::Client> = replicas
        .iter()
        .map(|r| webhookd_client::Client::connect_lazy(&r.addr.to_string(), &publisher, &options).unwrap())
        .collect();
    let starts: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let acked: Arc<Mutex<Vec<u64>>> = Arc::default();
    let refused = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let total = plan.rate * plan.secs;
    let publishing = {
        let (starts, acked, refused) = (starts.clone(), acked.clone(), refused.clone());
        let rate = plan.rate;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut calls = Vec::new();
            for seq in 0..total {
                tick.tick().await;
                let client = clients[(seq % 2) as usize].clone();
                let (starts, acked, refused) = (starts.clone(), acked.clone(), refused.clone());
                calls.push(tokio::spawn(async move {
                    starts.lock().unwrap().insert(seq, Instant::now());
                    match client.publish_event(event("tag_created", seq as usize)).await {
                        Ok(_) => acked.lock().unwrap().push(seq),
                        Err(e) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            eprintln!("soak: publish {seq} failed for good: {e}");
                        }
                    }
                }));
            }
            for c in calls {
                let _ = c.await;
            }
        })
    };

    // The schedule: a kill every `kill_every_secs`, replicas in turn; PostgreSQL restarted
    // halfway between the second and third kill, the fourth and fifth, …
    let every = plan.kill_every_secs as f64;
    let kill_at: Vec<f64> = (1..).map(|k| k as f64 * every).take_while(|t| *t < plan.secs as f64).collect();
    let restart_at: Vec<f64> =
        (0..plan.pg_restarts).map(|j| (2 * j) as f64 * every + 2.5 * every).filter(|t| *t < plan.secs as f64).collect();
    let (mut next_kill, mut next_restart) = (0, 0);
    let mut samples = Vec::new();
    let mut in_flight_at_kills = 0u64;
    let mut db = support::sql(&url).await;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut n = 0u64;
    while began.elapsed().as_secs_f64() < plan.secs as f64 {
        tick.tick().await;
        n += 1;
        let t = began.elapsed().as_secs_f64();
        if next_kill < kill_at.len() && t >= kill_at[next_kill] {
            let k = next_kill % 2;
            in_flight_at_kills += db
                .query_one("SELECT count(*) FROM deliveries WHERE status = 1 AND claim_token IS NOT NULL", &[])
                .await
                .map(|r| r.get::<_, i64>(0) as u64)
                .unwrap_or(0);
            replicas[k].kill();
            let addr = replicas[k].addr;
            replicas[k] = ServerProcess::wait(ServerProcess::start_at(addr, &url, &dirs[k], &[])).await;
            eprintln!("soak: {t:.0} s: replica {k} killed and started again");
            next_kill += 1;
        }
        if next_restart < restart_at.len() && t >= restart_at[next_restart] {
            let dir = pg_dir.to_path_buf();
            tokio::task::spawn_blocking(move || pg.stop()).await.unwrap();
            pg = tokio::task::spawn_blocking(move || LocalPostgres::start(&dir, None).expect("restart postgres"))
                .await
                .unwrap();
            db = support::sql(&url).await;
            eprintln!("soak: {t:.0} s: PostgreSQL restarted");
            next_restart += 1;
        }
        if n % 5 == 0 {
            let backlog_age_secs = db
                .query_one(
                    "SELECT coalesce(extract(epoch FROM now() - min(create_time)), 0)::float8 FROM deliveries WHERE status = 1",
                    &[],
                )
                .await
                .map(|r| r.get::<_, f64>(0))
                .ok();
            let rss_mib = [0, 1].map(|k| replicas[k].rss("VmRSS") as f64 / 1024.0);
            samples.push(Sample { secs: t, rss_mib, backlog_age_secs });
            if n % 60 == 0 {
                eprintln!(
                    "soak: {:.0} min: RSS {:.1} / {:.1} MiB, oldest pending {:.1} s, {} acknowledged",
                    t / 60.0,
                    rss_mib[0],
                    rss_mib[1],
                    backlog_age_secs.unwrap_or(f64::NAN),
                    acked.lock().unwrap().len()
                );
            }
        }
    }
    publishing.await.unwrap();

    // Every acknowledged event arrives (given two minutes after the last).
    let acked: Vec<u64> = acked.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let missing = {
            let arrived = receiver.soak.lock().unwrap();
            acked.iter().filter(|s| !arrived.contains_key(s)).count()
        };
        if missing == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let arrived = receiver.soak.lock().unwrap().clone();
    let starts = starts.lock().unwrap().clone();
    let lost = acked.iter().filter(|s| !arrived.contains_key(s)).count() as u64;
    let duplicates: u64 = arrived.values().map(|(_, n)| u64::from(n.saturating_sub(1))).sum();

    // Per minute of publishing: e2e p99 and duplicates.
    let mut by_minute: HashMap<u64, (Vec<f64>, u64)> = HashMap::new();
    let mut all = Vec::new();
    for (seq, start) in &starts {
        let Some((first, n)) = arrived.get(seq) else { continue };
        let minute = start.duration_since(began).as_secs() / 60;
        let e2e = first.duration_since(*start).as_secs_f64() * 1000.0;
        let m = by_minute.entry(minute).or_default();
        m.0.push(e2e);
        m.1 += u64::from(n.saturating_sub(1));
        all.push(e2e);
    }
    let p99 = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        crate::pct(v, 0.99)
    };
    let mut minutes: Vec<Minute> = by_minute
        .into_iter()
        .map(|(minute, (mut e2e, duplicates))| Minute {
            minute,
            published: e2e.len() as u64,
            e2e_p99_ms: p99(&mut e2e),
            duplicates,
        })
        .collect();
    minutes.sort_by_key(|m| m.minute);

    // Memory after warm-up, per replica lifetime: largest over the first warmed-up sample.
    let mut rss_growth: f64 = 1.0;
    for k in 0..2 {
        let mut lifetimes: Vec<f64> = kill_at.iter().enumerate().filter(|(i, _)| i % 2 == k).map(|(_, t)| *t).collect();
        lifetimes.insert(0, 0.0);
        lifetimes.push(f64::INFINITY);
        for w in lifetimes.windows(2) {
            let life: Vec<f64> = samples
                .iter()
                .filter(|s| s.secs >= w[0] + WARM_UP_SECS && s.secs < w[1])
                .map(|s| s.rss_mib[k])
                .collect();
            if let Some(first) = life.first() {
                let max = life.iter().copied().fold(0.0, f64::max);
                rss_growth = rss_growth.max(max / first);
            }
        }
    }
    let max_backlog_age_secs = samples.iter().filter_map(|s| s.backlog_age_secs).fold(0.0, f64::max);
    let soaked = Soaked {
        acknowledged: acked.len() as u64,
        refused: refused.load(Ordering::Relaxed),
        lost,
        duplicates,
        in_flight_at_kills,
        kills: next_kill as u64,
        pg_restarts: next_restart as u64,
        rss_growth,
        e2e_p99_ms: p99(&mut all),
        max_backlog_age_secs,
        samples,
        minutes,
    };
    drop(replicas);
    (pg, soaked)
}

/// A panel of the plot: its title, its lines (points in minutes) and their colours.
type Panel<'a> = (&'a str, Vec<Vec<(f64, f64)>>, [RGBColor; 2]);

/// Draws the soak: memory per replica, oldest pending delivery, e2e p99 and duplicates per
/// minute, with the kills and restarts marked.
pub fn plot(s: &Soaked, plan: &SoakPlan, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(out, (960, 880)).into_drawing_area();
    root.fill(&WHITE)?;
    let (title, body) = root.split_vertically(40);
    title.titled(
        &format!(
            "webhookd soak: {} min at {}/s, 2 replicas, a kill every {} s, {} PostgreSQL restarts — {} acknowledged, {} lost, {} twice",
            plan.secs / 60,
            plan.rate,
            plan.kill_every_secs,
            s.pg_restarts,
            s.acknowledged,
            s.lost,
            s.duplicates
        ),
        ("sans-serif", 15),
    )?;
    let panels = body.split_evenly((4, 1));
    let minutes = (plan.secs as f64 / 60.0).max(1.0);
    let kills: Vec<f64> = (1..=s.kills).map(|k| (k * plan.kill_every_secs) as f64 / 60.0).collect();
    let every = plan.kill_every_secs as f64;
    let restarts: Vec<f64> = (0..s.pg_restarts).map(|j| ((2 * j) as f64 * every + 2.5 * every) / 60.0).collect();
    let series: [Panel; 4] = [
        (
            "RSS per replica (MiB)",
            (0..2).map(|k| s.samples.iter().map(|x| (x.secs / 60.0, x.rss_mib[k])).collect()).collect(),
            [BLUE, RED],
        ),
        (
            "oldest pending delivery (s)",
            vec![s.samples.iter().filter_map(|x| x.backlog_age_secs.map(|a| (x.secs / 60.0, a))).collect()],
            [BLUE, RED],
        ),
        (
            "e2e p99 per minute (ms)",
            vec![s.minutes.iter().map(|m| (m.minute as f64 + 0.5, m.e2e_p99_ms)).collect()],
            [BLUE, RED],
        ),
        (
            "deliveries sent twice per minute",
            vec![s.minutes.iter().map(|m| (m.minute as f64 + 0.5, m.duplicates as f64)).collect()],
            [BLUE, RED],
        ),
    ];
    for (i, ((name, lines, colors), area)) in series.iter().zip(panels.iter()).enumerate() {
        let top = lines.iter().flatten().map(|p| p.1).fold(0.0, f64::max).max(1.0) * 1.1;
        let caption = if i == 0 {
            format!("{name}: replica 0 blue, replica 1 red; grey lines: a replica killed, green: PostgreSQL restarted")
        } else {
            name.to_string()
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 14))
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..minutes, 0.0..top)?;
        chart.configure_mesh().x_desc("minutes").light_line_style(WHITE.mix(0.0)).draw()?;
        for (line, color) in lines.iter().zip(colors.iter()) {
            chart.draw_series(LineSeries::new(line.iter().copied(), color).point_size(2))?;
        }
        for at in &kills {
            chart.draw_series(LineSeries::new([(*at, 0.0), (*at, top)], BLACK.mix(0.35)))?;
        }
        for at in &restarts {
            chart.draw_series(LineSeries::new([(*at, 0.0), (*at, top)], GREEN.mix(0.8)))?;
        }
    }
    root.present()?;
    Ok(())
}
