//! The machine's own limits, measured with the same stacks webhookd uses: plain HTTP POSTs
//! to the receiver and durable single-row PostgreSQL inserts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use uuid::Uuid;
use webhookd::storage::local::LocalPostgres;

use crate::receiver::Receiver;
use crate::support;

/// The limits' table: a delivery-sized row.
pub const PROBE_TABLE: &str =
    "CREATE TABLE probe (id uuid PRIMARY KEY, webhook_id uuid NOT NULL, event_type text NOT NULL,
    status smallint NOT NULL, body bytea NOT NULL, create_time timestamptz NOT NULL DEFAULT now())";
/// One row of it.
pub const PROBE_INSERT: &str =
    "INSERT INTO probe (id, webhook_id, event_type, status, body) VALUES ($1, $2, 'tag_created', 1, $3)";

/// Its outcome, as an asynchronously committed update by key.
pub const PROBE_UPDATE: &str = "UPDATE probe SET status = 2 WHERE id = $1";

/// Plain POSTs to the receiver with the client stack webhookd uses (hyper-util, HTTP/1.1, pooled).
pub async fn plain_posts(receiver: &Receiver, n: usize, concurrency: usize) -> f64 {
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
pub async fn durable_inserts(pg: &LocalPostgres, run: usize, n: usize, concurrency: usize) -> f64 {
    let name = format!("bench_limit_{run}");
    support::create_database(&pg.url("postgres"), &name, None).await;
    let url = pg.url(&name);
    let db = support::sql(&url).await;
    db.batch_execute(PROBE_TABLE).await.unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let body = vec![b'x'; 200];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (url, next, body) = (url.clone(), next.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let c = support::sql(&url).await;
            let stmt = c.prepare(PROBE_INSERT).await.unwrap();
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

/// PostgreSQL's CPU milliseconds per row for durable single-row inserts of a delivery-sized
/// row at a steady `rate` for `secs` seconds, one connection: the least a durably accepted
/// event can cost the database at that rate, to set the steady-rate figures against. With
/// `then_update`, each row is then updated once from a second connection that commits
/// asynchronously, as an outcome is recorded: the least an accepted event with its outcome
/// written can cost, whatever the statements.
pub async fn paced_insert_cpu(
    pg: &LocalPostgres,
    pgdata: &std::path::Path,
    rate: u64,
    secs: u64,
    then_update: bool,
) -> f64 {
    let name = format!("bench_paced_{rate}{}", if then_update { "_updated" } else { "" });
    support::create_database(&pg.url("postgres"), &name, None).await;
    let db = support::sql(&pg.url(&name)).await;
    db.batch_execute(PROBE_TABLE).await.unwrap();
    let stmt = db.prepare(PROBE_INSERT).await.unwrap();
    let recorder = support::sql(&pg.url(&name)).await;
    recorder.batch_execute("SET synchronous_commit = off").await.unwrap();
    let update = recorder.prepare(PROBE_UPDATE).await.unwrap();
    let body = vec![b'x'; 200];
    let total = rate * secs;
    let mut tick = tokio::time::interval(std::time::Duration::from_nanos(1_000_000_000 / rate));
    let before = crate::cpu::cluster_processes(pgdata);
    for _ in 0..total {
        tick.tick().await;
        let id = Uuid::new_v4();
        db.execute(&stmt, &[&id, &Uuid::new_v4(), &body]).await.unwrap();
        if then_update {
            recorder.execute(&update, &[&id]).await.unwrap();
        }
    }
    let used: std::time::Duration = crate::cpu::since(&before, &crate::cpu::cluster_processes(pgdata)).values().sum();
    used.as_secs_f64() * 1000.0 / total as f64
}

/// The CPU time of one `webhook-signature` entry for a ~290-byte body, in µs, over `n`
/// attempts on one core: v1 (HMAC-SHA256 with a secret) and v1a (ed25519 with a key pair the
/// engine has parsed already, as it keeps them).
pub fn signatures(n: usize) -> [f64; 2] {
    use webhookd::delivery::signing::{asymmetric_signature, new_signing_key, standard_signature};
    let body = format!(
        r#"{{"eventName":"tag_created","eventTimestamp":1700000000123,"payload":{{"data":"{}"}}}}"#,
        "x".repeat(220)
    );
    let (key, _) = new_signing_key();
    let time = |f: &dyn Fn(usize)| {
        f(0);
        let start = std::time::Instant::now();
        for i in 0..n {
            f(i);
        }
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    };
    let id = "0190c0de-0000-7000-8000-000000000001";
    [
        time(&|i| {
            std::hint::black_box(standard_signature(
                id,
                1_700_000_000 + i as i64,
                body.as_bytes(),
                b"bench-secret-value",
            ));
        }),
        time(&|i| {
            std::hint::black_box(asymmetric_signature(id, 1_700_000_000 + i as i64, body.as_bytes(), key.expose()));
        }),
    ]
}
