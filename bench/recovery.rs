//! The recovery phase: deliveries that failed for good, seeded in SQL as after a receiver
//! outage, sent again by one RecoverDeliveries call.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use webhookd_client::pb;

use crate::load::admin_client;
use crate::receiver::Receiver;
use crate::support::ServerProcess;

/// What one recovery took.
pub struct Recovered {
    /// From the call to the last delivery's arrival.
    pub secs: f64,
    /// Deliveries sent again per second over that time.
    pub rate: f64,
    /// Requests the receiver got beyond one per failed delivery.
    pub duplicates: i64,
}

/// Seeds `n` failures for good of webhook `webhook_id` an hour ago, each with its own event.
pub async fn seed_failed(db: &tokio_postgres::Client, webhook_id: uuid::Uuid, event: &str, n: usize) {
    db.execute(
        "WITH ev AS (
             INSERT INTO events (id, event_name, event_timestamp, body)
             SELECT gen_random_uuid(), $2, 1,
                    convert_to('{\"eventName\":\"' || $2 || '\",\"eventTimestamp\":1,\"payload\":{\"i\":' || g || '}}', 'UTF8')
             FROM generate_series(1, $3::int8) g
             RETURNING id)
         INSERT INTO failed_deliveries (delivery_id, webhook_id, event_id, event_type, failed_time)
         SELECT gen_random_uuid(), $1, id, $2, now() - interval '1 hour' FROM ev",
        &[&webhook_id, &event, &(n as i64)],
    )
    .await
    .unwrap();
    db.batch_execute("ANALYZE failed_deliveries").await.unwrap();
}

/// Recovers the `n` failures seeded for `webhook_id` with a server sending at most `rate` a
/// second, and waits for every delivery to arrive and be recorded.
pub async fn recover(
    url: &str,
    dir: &Path,
    receiver: &Receiver,
    admin_token: &str,
    webhook_id: uuid::Uuid,
    n: usize,
    rate: u32,
) -> Recovered {
    receiver.reset();
    let db = crate::support::sql(url).await;
    let server = ServerProcess::serving(url, dir, &["--recovery-rate", &rate.to_string()]).await;
    let mut admin = admin_client(&server, admin_token);
    let started = Instant::now();
    let recovery = admin
        .recover_deliveries(pb::RecoverDeliveriesRequest {
            webhook_id: webhook_id.to_string(),
            start_time: Some((SystemTime::now() - Duration::from_secs(7200)).into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recovery.total as usize, n, "the recovery covers every seeded failure");
    let deadline = Instant::now() + Duration::from_secs(900);
    while receiver.count.load(Ordering::SeqCst) < n as u64 {
        assert!(Instant::now() < deadline, "only {} of {n} recovered", receiver.count.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    // Every recovered delivery recorded, and the recovery done: then count what arrived.
    loop {
        let left: i64 = db
            .query_one("SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 1", &[&webhook_id])
            .await
            .unwrap()
            .get(0);
        let done = admin.get_recovery(pb::GetRecoveryRequest { id: recovery.id.clone() }).await.unwrap().into_inner();
        if left == 0 && done.state == pb::RecoveryState::Done as i32 {
            assert_eq!(done.sent as usize, n);
            break;
        }
        assert!(Instant::now() < deadline, "recovery not finished: {done:?}, {left} pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let duplicates = receiver.count.load(Ordering::SeqCst) as i64 - n as i64;
    drop(server);
    Recovered { secs, rate: n as f64 / secs, duplicates }
}
