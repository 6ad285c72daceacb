//! Ordered delivery: a FIFO webhook's deliveries are sent one at a time in publish order, each
//! with a final outcome before the next, through retries, failures for good, a replica killed
//! with -9 and two replicas claiming side by side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonic::Code;
use webhookd::model::{DeliveryOrdering, Role};
use webhookd::storage::webhooks::NewWebhook;
use webhookd_client::pb;

use crate::common::receiver::{Captured, Receiver, Reply};
use crate::common::stored::{self, storage};
use crate::common::{assert_field_error, fresh_database, new_webhook, sql, ServerProcess, TestServer};

/// Events published.
const N: usize = 1000;

/// The event number a delivery carries (`{"i": n}`).
fn number(c: &Captured) -> usize {
    let body: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
    body["payload"]["i"].as_u64().unwrap() as usize
}

/// How the receiver answers event `n`: a failure for good (400) for a few, else its first
/// `retryable_failures(n)` attempts fail with 503 and the next succeeds.
fn fails_for_good(n: usize) -> bool {
    n % 97 == 13
}

fn retryable_failures(n: usize) -> usize {
    // A fixed pseudo-random mix: about a third fail once or twice before succeeding.
    match (n.wrapping_mul(2_654_435_761) >> 7) % 6 {
        0 => 2,
        1 => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn fifo_deliveries_arrive_in_publish_order_through_failures_and_a_kill() {
    let url = fresh_database().await;
    let seen: Arc<Mutex<HashMap<usize, usize>>> = Default::default();
    let counts = seen.clone();
    let rx = Receiver::start(None, move |_, c| {
        let n = number(c);
        let mut counts = counts.lock().unwrap();
        let tries = counts.entry(n).or_default();
        *tries += 1;
        if fails_for_good(n) {
            Reply::Status(400, vec![])
        } else if *tries <= retryable_failures(n) {
            Reply::Status(503, vec![])
        } else {
            Reply::Status(200, vec![])
        }
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let flags = ["--lease", "2s", "--retry-schedule", "5ms,5ms,5ms,5ms", "--poll-interval", "200ms"];
    let mut a = ServerProcess::serving(&url, &tmp.path().join("a"), &flags).await;
    let queue = storage(&url).await;
    let fifo =
        NewWebhook { target_url: rx.url("/fifo"), ordering: DeliveryOrdering::Fifo, ..stored::webhook("tag_created") };
    let webhook = stored::create(&queue, &fifo).await;

    // One stream, in order: stream order is publish order.
    let token = crate::common::support::mint_token(&url, Role::Publisher, &Default::default()).await;
    let mut ingest = webhookd_client::Client::with_channel(a.channel(), Some(&token)).unwrap().ingest();
    let events: Vec<pb::PublishEventRequest> = (0..N)
        .map(|i| pb::PublishEventRequest {
            event_name: "tag_created".into(),
            payload: format!(r#"{{"i":{i}}}"#),
            ..Default::default()
        })
        .collect();
    let mut acks = ingest.publish_events(tokio_stream::iter(events)).await.unwrap().into_inner();
    let mut acked = 0;
    while acks.message().await.unwrap().is_some() {
        acked += 1;
    }
    assert_eq!(acked, N);

    // A third of the way, the replica sending them is killed; two others take over once the
    // dead one's lease has run out, claiming side by side.
    let mut arrivals = Vec::new();
    while arrivals.len() < N / 3 {
        arrivals.push(number(&rx.expect().await));
    }
    a.kill();
    let b = ServerProcess::serving(&url, &tmp.path().join("b"), &flags).await;
    let c = ServerProcess::serving(&url, &tmp.path().join("c"), &flags).await;
    // Until every event has been answered for good at the receiver (completed deliveries
    // leave the table as its history is pruned, so the receiver keeps the count).
    let settled_count = |arrivals: &[usize]| {
        let mut tries: HashMap<usize, usize> = HashMap::new();
        arrivals
            .iter()
            .filter(|&&n| {
                let t = tries.entry(n).or_default();
                *t += 1;
                *t == if fails_for_good(n) { 1 } else { retryable_failures(n) + 1 }
            })
            .count()
    };
    while settled_count(&arrivals) < N {
        arrivals.push(number(&rx.expect().await));
    }
    // Then nothing is pending: every request made has been captured (before it was answered).
    let db = sql(&url).await;
    crate::common::eventually(Duration::from_secs(30), "no delivery pending", || {
        let db = &db;
        async move {
            let n: i64 = db
                .query_one("SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 1", &[&webhook])
                .await
                .unwrap()
                .get(0);
            (n == 0).then_some(())
        }
    })
    .await;
    while let Some(c) = rx.next(Duration::from_millis(1)).await {
        arrivals.push(number(&c));
    }
    drop((b, c));

    // Where each event was answered for good: its first success, or its failure for good.
    let mut tries: HashMap<usize, usize> = HashMap::new();
    let mut settled: Vec<Option<usize>> = vec![None; N];
    for (at, &n) in arrivals.iter().enumerate() {
        let t = tries.entry(n).or_default();
        *t += 1;
        if settled[n].is_none() && (fails_for_good(n) || *t > retryable_failures(n)) {
            settled[n] = Some(at);
        }
    }
    let settled: Vec<usize> =
        settled.iter().enumerate().map(|(n, s)| s.unwrap_or_else(|| panic!("event {n} never settled"))).collect();
    assert!(settled.windows(2).all(|w| w[0] < w[1]), "events settled in publish order");
    // No attempt of an event went before its predecessor had settled; only an event settled
    // already may come again (sent twice around the kill, at least once).
    for (at, &n) in arrivals.iter().enumerate() {
        if at <= settled[n] && n > 0 {
            assert!(settled[n - 1] < at, "event {n} was sent (arrival {at}) before event {} settled", n - 1);
        }
    }
    let resent: usize = (0..N).map(|n| tries[&n] - if fails_for_good(n) { 1 } else { retryable_failures(n) + 1 }).sum();
    assert!(resent <= 2, "at most the delivery in flight at the kill (and its successor) sent again: {resent}");
    // A failure for good was sent once and skipped: the next event went after it.
    for n in (0..N).filter(|&n| fails_for_good(n)) {
        assert_eq!(tries[&n], 1, "event {n} failed for good and was not retried");
    }
}

#[tokio::test]
async fn the_ordering_is_shown_changed_under_its_mask_path_and_checked() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
    req.ordering = 7;
    let err = admin.create_webhook(req).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "ordering");
    let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
    req.ordering = pb::DeliveryOrdering::Fifo as i32;
    let w = admin.create_webhook(req).await.unwrap().into_inner();
    assert_eq!(w.ordering, pb::DeliveryOrdering::Fifo as i32);
    let plain = admin
        .create_webhook(new_webhook(None, "https://example.com/plain", &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(plain.ordering, pb::DeliveryOrdering::Unordered as i32, "unordered unless asked");
    let mask = |p: &str| Some(prost_types::FieldMask { paths: vec![p.into()] });
    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            update_mask: mask("ordering"),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "ordering");
    let changed = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            ordering: pb::DeliveryOrdering::Unordered as i32,
            update_mask: mask("ordering"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.ordering, pb::DeliveryOrdering::Unordered as i32);
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let audit: Vec<String> = db
        .query("SELECT changes::text FROM audit_events WHERE resource_id = $1::text::uuid ORDER BY id", &[&w.id])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(audit[0].contains(r#""ordering": "FIFO""#) && audit[1].contains(r#""ordering": "UNORDERED""#), "{audit:?}");
}
