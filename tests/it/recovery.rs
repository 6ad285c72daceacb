//! Bulk recovery: after a receiver outage, exactly the deliveries that failed for good in the
//! window are sent again (beyond the 200-entry history too), oldest first, once; a second
//! recovery of the same window sends nothing; a cancelled one leaves the rest recoverable.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tonic::Code;
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::Role;
use crate::common::{assert_field_error, eventually, new_webhook, scope, Admin, TestServer};

const WAIT: Duration = Duration::from_secs(60);
/// What the receiver answers while down: a refusal that is not retried, so that each
/// delivery fails for good at its first attempt.
const DOWN: u16 = 400;

fn payload_index(body: &[u8]) -> i64 {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    v["payload"]["i"].as_i64().unwrap()
}

/// A recovery once it is no longer running.
async fn finished(admin: &mut Admin, id: &str) -> pb::Recovery {
    eventually(WAIT, "the recovery ended", || {
        let (mut admin, id) = (admin.clone(), id.to_string());
        async move {
            let r = admin.get_recovery(pb::GetRecoveryRequest { id }).await.unwrap().into_inner();
            (r.state != pb::RecoveryState::Running as i32).then_some(r)
        }
    })
    .await
}

/// Starts a recovery of webhook `id`'s failures since `since`.
async fn recover_since(admin: &mut Admin, id: &str, since: SystemTime) -> pb::Recovery {
    admin
        .recover_deliveries(pb::RecoverDeliveriesRequest {
            webhook_id: id.into(),
            start_time: Some(since.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// Publishes `n` events `{"i": k}` (k from `from`) to instance webhooks over one stream.
async fn publish_range(server: &TestServer, from: i64, n: i64) {
    let token = server.token(Role::Publisher, "", "").await;
    let events: Vec<pb::PublishEventRequest> = (from..from + n)
        .map(|i| pb::PublishEventRequest {
            event_name: "tag_created".into(),
            payload: format!(r#"{{"i":{i}}}"#),
            ..Default::default()
        })
        .collect();
    let mut acks =
        server.ingest_as(Some(&token)).await.publish_events(tokio_stream::iter(events)).await.unwrap().into_inner();
    while acks.message().await.unwrap().is_some() {}
}

/// Waits until the webhook's failures for good number `n` (counted in the database).
async fn failed_for_good(server: &TestServer, n: i64) {
    let db = crate::common::sql(server.database_url.as_deref().unwrap()).await;
    let db = &db;
    eventually(WAIT, &format!("{n} deliveries failed for good"), || async move {
        let got: i64 = db.query_one("SELECT count(*) FROM failed_deliveries", &[]).await.unwrap().get(0);
        assert!(got <= n, "{got} failed for good, more than {n}");
        (got == n).then_some(())
    })
    .await
}

#[tokio::test]
async fn an_outage_is_recovered_exactly_once_beyond_the_history_and_oldest_first() {
    // The outage does not open the circuit breaker: every delivery fails at once.
    let server = TestServer::start_with(&["--recovery-rate", "2000", "--breaker-threshold", "100000"]).await;
    let down = Arc::new(AtomicBool::new(true));
    let rx = Receiver::switchable(down.clone(), DOWN).await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, &rx.url("/hook"), &["tag_created"]);
    // One at a time: the recovery's order is the order the receiver sees.
    req.max_in_flight = 1;
    let w = admin.create_webhook(req).await.unwrap().into_inner();

    let before = SystemTime::now() - Duration::from_secs(1);
    // 250 failures: more than the 200 the history keeps.
    publish_range(&server, 0, 250).await;
    failed_for_good(&server, 250).await;
    for _ in 0..250 {
        rx.expect().await;
    }
    // The outage ends: a delivery after it succeeds, and is not recovered.
    down.store(false, Ordering::SeqCst);
    publish_range(&server, 1000, 1).await;
    assert_eq!(payload_index(&rx.expect().await.body), 1000);

    let started = recover_since(&mut admin, &w.id, before).await;
    assert_eq!(started.total, 250, "every failure, the pruned ones included");
    let done = finished(&mut admin, &started.id).await;
    assert_eq!(done.state, pb::RecoveryState::Done as i32);
    assert_eq!(done.sent, 250);
    assert!(done.finish_time.is_some());
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut order = Vec::new();
    for _ in 0..250 {
        let got = rx.expect().await;
        let i = payload_index(&got.body);
        *seen.entry(i).or_default() += 1;
        order.push(i);
    }
    assert_eq!(seen.len(), 250, "each failed delivery sent again");
    assert!(seen.values().all(|n| *n == 1), "none twice");
    assert_eq!(order, (0..250).collect::<Vec<_>>(), "oldest first");

    // The same window again: nothing left to send. The sentinel published after it is the
    // next thing the receiver gets.
    let again = recover_since(&mut admin, &w.id, before).await;
    assert_eq!(again.total, 0);
    assert_eq!(again.state, pb::RecoveryState::Done as i32, "a recovery of nothing is done at once");
    publish_range(&server, 2000, 1).await;
    assert_eq!(payload_index(&rx.expect().await.body), 2000);
    server.stop().await;
}

#[tokio::test]
async fn a_cancelled_recovery_leaves_the_rest_to_the_next_one_and_nothing_is_sent_twice() {
    let server = TestServer::start_with(&["--recovery-rate", "5", "--breaker-threshold", "100000"]).await;
    let down = Arc::new(AtomicBool::new(true));
    let rx = Receiver::switchable(down.clone(), DOWN).await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap().into_inner();
    let before = SystemTime::now() - Duration::from_secs(1);
    publish_range(&server, 0, 40).await;
    failed_for_good(&server, 40).await;
    for _ in 0..40 {
        rx.expect().await;
    }
    down.store(false, Ordering::SeqCst);

    // At 5 a second, 40 take 8 seconds: cancel once the first have gone.
    let first = recover_since(&mut admin, &w.id, before).await;
    assert_eq!(first.total, 40);
    let mut seen: HashMap<i64, usize> = HashMap::new();
    *seen.entry(payload_index(&rx.expect().await.body)).or_default() += 1;
    let cancelled =
        admin.cancel_recovery(pb::CancelRecoveryRequest { id: first.id.clone() }).await.unwrap().into_inner();
    assert_eq!(cancelled.state, pb::RecoveryState::Cancelled as i32);
    assert!(cancelled.sent >= 1 && cancelled.sent < 40, "{cancelled:?}");
    let again = admin.cancel_recovery(pb::CancelRecoveryRequest { id: first.id.clone() }).await.unwrap().into_inner();
    assert_eq!(again, cancelled, "cancelling again changes nothing");

    // The rest is recoverable, and only the rest.
    let second = admin
        .recover_deliveries(pb::RecoverDeliveriesRequest {
            webhook_id: w.id.clone(),
            start_time: Some(before.into()),
            event_types: vec!["tag_created".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.total, 40 - cancelled.sent);
    let done = finished(&mut admin, &second.id).await;
    assert_eq!(done.sent, second.total);
    for _ in 1..40 {
        *seen.entry(payload_index(&rx.expect().await.body)).or_default() += 1;
    }
    assert_eq!(seen.len(), 40);
    assert!(seen.values().all(|n| *n == 1), "none twice: {seen:?}");
    // Nothing more: the sentinel is next.
    publish_range(&server, 2000, 1).await;
    assert_eq!(payload_index(&rx.expect().await.body), 2000);
    server.stop().await;
}

#[tokio::test]
async fn recoveries_are_validated_and_scoped() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let w = admin
        .create_webhook(new_webhook(scope("acme", ""), "https://example.com/hook", &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let now = SystemTime::now();
    let ask = |start: Option<SystemTime>, end: Option<SystemTime>, types: Vec<String>| pb::RecoverDeliveriesRequest {
        webhook_id: w.id.clone(),
        start_time: start.map(Into::into),
        end_time: end.map(Into::into),
        event_types: types,
    };
    let ts = |seconds: i64, nanos: i32| prost_types::Timestamp { seconds, nanos };
    let raw = |start: prost_types::Timestamp, end: Option<prost_types::Timestamp>| pb::RecoverDeliveriesRequest {
        webhook_id: w.id.clone(),
        start_time: Some(start),
        end_time: end,
        event_types: vec![],
    };
    let recent = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 - 60;
    let cases = [
        (ask(None, None, vec![]), "start_time"),
        (ask(Some(now + Duration::from_secs(60)), None, vec![]), "start_time"),
        (ask(Some(now), Some(now - Duration::from_secs(60)), vec![]), "end_time"),
        (ask(Some(now - Duration::from_secs(60)), None, vec!["nope".into()]), "event_types"),
        // Beyond the recovery retention (7 days by default): those failures are gone.
        (ask(Some(now - Duration::from_secs(8 * 24 * 3600)), None, vec![]), "start_time"),
        // Out of the timestamps' range, or nanos out of range: refused, never a panic.
        (raw(ts(-1, 0), None), "start_time"),
        (raw(ts(recent, 0), Some(ts(253_402_300_800, 0))), "end_time"),
        (raw(ts(recent, 1_000_000_000), None), "start_time"),
        (raw(ts(recent, -1), None), "start_time"),
    ];
    for (req, field) in cases {
        let err = admin.recover_deliveries(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    let r =
        admin.recover_deliveries(ask(Some(now - Duration::from_secs(60)), None, vec![])).await.unwrap().into_inner();
    // Another company's admin sees neither the webhook nor the recovery.
    let other = server.token(Role::Admin, "other", "").await;
    let mut other = server.admin_as(Some(&other)).await;
    let err = other.get_recovery(pb::GetRecoveryRequest { id: r.id.clone() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = other.cancel_recovery(pb::CancelRecoveryRequest { id: r.id.clone() }).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = other.recover_deliveries(ask(Some(now - Duration::from_secs(60)), None, vec![])).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    // Its own company's admin does.
    let acme = server.token(Role::Admin, "acme", "").await;
    let got = server.admin_as(Some(&acme)).await.get_recovery(pb::GetRecoveryRequest { id: r.id.clone() }).await;
    assert_eq!(got.unwrap().into_inner().id, r.id);
    server.stop().await;
}
