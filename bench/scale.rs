//! The backlog phase's parts: a large backlog of pending deliveries seeded in SQL, and a
//! drain measured while events keep being published.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::load::{drain, event, ingest_client};
use crate::receiver::Receiver;
use crate::support::ServerProcess;

/// Seeds `n` pending deliveries for the webhooks of `event`, one event per thousand, with
/// their next attempt due tomorrow: a backlog of retries, as after an outage of the endpoint.
pub async fn seed_backlog(db: &tokio_postgres::Client, event: &str, n: usize) {
    let started = Instant::now();
    let events = n.div_ceil(1000) as i64;
    db.execute(
        "INSERT INTO events (id, event_name, event_timestamp, body)
         SELECT gen_random_uuid(), $1, 0, convert_to('{}', 'UTF8') FROM generate_series(1, $2::int8)",
        &[&event, &events],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO deliveries (id, webhook_id, event_id, event_type, attempts, next_attempt_time)
         SELECT gen_random_uuid(), w.id, e.id, $1, 1, now() + interval '1 day'
         FROM events e CROSS JOIN generate_series(1, 1000) CROSS JOIN webhooks w
         WHERE e.event_name = $1 AND $1 = ANY (w.events)
         LIMIT $2::int8",
        &[&event, &(n as i64)],
    )
    .await
    .unwrap();
    for table in ["deliveries", "events"] {
        db.batch_execute(&format!("VACUUM ANALYZE {table}")).await.unwrap();
    }
    eprintln!("seeded {n} pending deliveries in {:.1} s", started.elapsed().as_secs_f64());
}

/// Drains `n` deliveries of `event` with one server while four unary publishers keep
/// publishing an event no webhook listens to (each a durable insert); returns deliveries/s.
#[allow(clippy::too_many_arguments)]
pub async fn drain_beside_ingest(
    url: &str,
    dir: &Path,
    receiver: &Receiver,
    db: &tokio_postgres::Client,
    pgdata: &Path,
    event_name: &str,
    n: usize,
    publishing: &ServerProcess,
    token: &str,
) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let mut publishers = Vec::new();
    for _ in 0..4 {
        let (mut client, stop) = (ingest_client(publishing, token), stop.clone());
        publishers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                client.publish_event(event("project_user_removed", i)).await.unwrap();
                i += 1;
            }
        }));
    }
    let drained = drain(url, dir, receiver, db, pgdata, event_name, n, 1).await;
    stop.store(true, Ordering::Relaxed);
    for p in publishers {
        p.await.unwrap();
    }
    db.batch_execute("DELETE FROM events WHERE event_name = 'project_user_removed'").await.unwrap();
    drained.rate
}
