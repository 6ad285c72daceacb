//! Operational events: `delivery_exhausted`, `delivery_recovered` and `webhook_failing` go to the webhooks
//! subscribed to them in the affected webhook's scope or above, never to that webhook, and
//! deliveries of operational events never announce anything (no loops).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use webhookd_client::pb;

use crate::common::publish;
use crate::common::receiver::{Captured, Receiver};
use crate::common::Role;
use crate::common::{new_webhook, scope, Admin, TestServer};

const OPERATIONAL: [&str; 2] = ["delivery_exhausted", "delivery_recovered"];

/// A webhook's history once it holds `n` deliveries, none pending: (event type, status).
async fn settled(admin: &mut Admin, webhook_id: &str, n: usize) -> Vec<(String, i32)> {
    crate::common::settled_history(admin, webhook_id, n).await.into_iter().map(|r| (r.event_type, r.status)).collect()
}

fn body(c: &Captured) -> serde_json::Value {
    serde_json::from_slice(&c.body).unwrap()
}

#[tokio::test]
async fn failures_for_good_and_recoveries_are_announced_in_scope_but_never_to_the_webhook_itself() {
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let failing = Arc::new(AtomicBool::new(true));
    let target = Receiver::switchable(failing.clone(), 500).await;
    let instance_monitor = Receiver::ok().await;
    let company_monitor = Receiver::ok().await;
    let other_company = Receiver::ok().await;
    // The failing webhook listens to the operational events too: it must never get its own.
    let a = admin
        .create_webhook(new_webhook(
            scope("acme", "web"),
            &target.url("/a"),
            &["tag_created", "delivery_exhausted", "delivery_recovered"],
        ))
        .await
        .unwrap()
        .into_inner();
    let m =
        admin.create_webhook(new_webhook(None, &instance_monitor.url("/m"), &OPERATIONAL)).await.unwrap().into_inner();
    let c = admin
        .create_webhook(new_webhook(scope("acme", ""), &company_monitor.url("/c"), &["delivery_exhausted"]))
        .await
        .unwrap()
        .into_inner();
    let o = admin
        .create_webhook(new_webhook(scope("other", ""), &other_company.url("/o"), &OPERATIONAL))
        .await
        .unwrap()
        .into_inner();

    let published = publish(&server, "tag_created", scope("acme", "web"), r#"{"n":1}"#).await;
    assert!(target.expect().await.header("x-mia-signature").is_some());
    target.expect().await; // the retry, failing too: the delivery is exhausted
    for got in [instance_monitor.expect().await, company_monitor.expect().await] {
        let b = body(&got);
        assert_eq!(b["eventName"], "delivery_exhausted");
        let p = &b["payload"];
        assert_eq!(p["webhookId"], a.id.as_str());
        assert_eq!(p["companyId"], "acme");
        assert_eq!(p["projectId"], "web");
        assert_eq!(p["targetUrl"], target.url("/a").as_str());
        assert_eq!(p["eventId"], published.event_id.as_str());
        assert_eq!(p["eventType"], "tag_created");
        assert_eq!(p["attempts"], 2);
        assert_eq!(p["statusCode"], 500);
        assert_eq!(p["error"], "HTTP 500");
    }
    // The fan-out is one statement: with the monitors' deliveries made, any to the failing
    // webhook or to another company would exist already.
    assert_eq!(settled(&mut admin, &a.id, 1).await, [("tag_created".to_string(), pb::DeliveryStatus::Error as i32)]);
    assert!(settled(&mut admin, &o.id, 0).await.is_empty(), "not announced outside the webhook's scope");

    // It succeeds again: the recovery is announced to who subscribed to it.
    failing.store(false, Ordering::SeqCst);
    publish(&server, "tag_created", scope("acme", "web"), r#"{"n":2}"#).await;
    target.expect().await;
    let b = body(&instance_monitor.expect().await);
    assert_eq!(b["eventName"], "delivery_recovered");
    assert_eq!(b["payload"]["webhookId"], a.id.as_str());
    assert_eq!(b["payload"]["failuresBefore"], 2);
    assert_eq!(b["payload"]["statusCode"], 200);
    assert!(b["payload"]["failingSince"].as_str().unwrap().ends_with('Z'));
    assert_eq!(settled(&mut admin, &m.id, 2).await.len(), 2);
    assert_eq!(settled(&mut admin, &c.id, 1).await.len(), 1, "the company monitor listens to exhaustion only");
    assert_eq!(settled(&mut admin, &a.id, 2).await.iter().filter(|r| r.0 != "tag_created").count(), 0);

    // Publishers cannot send them.
    let publisher = server.token(Role::Publisher, "", "").await;
    let err = server.publish_as(&publisher, "delivery_exhausted", None, "{}").await.unwrap_err();
    crate::common::assert_field_error(&err, tonic::Code::InvalidArgument, "event_name");
    server.stop().await;
}

#[tokio::test]
async fn failing_subscribers_of_operational_events_do_not_announce_each_other_in_a_loop() {
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let failing = Arc::new(AtomicBool::new(true));
    let target = Receiver::switchable(failing.clone(), 500).await;
    let m1 = Receiver::switchable(failing.clone(), 500).await;
    let m2 = Receiver::switchable(failing.clone(), 500).await;
    let a = admin.create_webhook(new_webhook(None, &target.url("/a"), &["tag_created"])).await.unwrap().into_inner();
    let w1 = admin.create_webhook(new_webhook(None, &m1.url("/m1"), &OPERATIONAL)).await.unwrap().into_inner();
    let w2 = admin.create_webhook(new_webhook(None, &m2.url("/m2"), &OPERATIONAL)).await.unwrap().into_inner();
    publish(&server, "tag_created", None, "{}").await;
    settled(&mut admin, &a.id, 1).await;
    // Each monitor fails its delivery of the announcement for good. Had that been announced,
    // the other monitor's delivery would have been made in the same transaction as the
    // outcome, so it would show in the settled histories.
    let error = pb::DeliveryStatus::Error as i32;
    assert_eq!(settled(&mut admin, &w1.id, 1).await, [("delivery_exhausted".to_string(), error)]);
    assert_eq!(settled(&mut admin, &w2.id, 1).await, [("delivery_exhausted".to_string(), error)]);
    assert_eq!(m1.count() + m2.count(), 4, "two attempts each, nothing more");
    server.stop().await;
}

#[tokio::test]
async fn a_webhook_failing_long_enough_is_warned_of_once_before_it_would_be_disabled() {
    // Disabled after 20 s of failures, warned of after a tenth of that; retried every second.
    let server = TestServer::start_with(&[
        "--disable-after",
        "20s",
        "--failing-warning",
        "0.1",
        "--retry-schedule",
        "1s,1s,1s,1s,1s",
        "--retry-jitter",
        "0",
    ])
    .await;
    let mut admin = server.admin().await;
    let target = Receiver::switchable(Arc::new(AtomicBool::new(true)), 500).await;
    let monitor = Receiver::ok().await;
    // The failing webhook listens to the warning too: it must never get its own.
    let a = admin
        .create_webhook(new_webhook(scope("acme", "web"), &target.url("/a"), &["tag_created", "webhook_failing"]))
        .await
        .unwrap()
        .into_inner();
    admin
        .create_webhook(new_webhook(scope("acme", ""), &monitor.url("/m"), &["webhook_failing", "delivery_exhausted"]))
        .await
        .unwrap();
    publish(&server, "tag_created", scope("acme", "web"), "{}").await;
    let warned = monitor.expect().await;
    let w = body(&warned);
    assert_eq!(w["eventName"], "webhook_failing");
    let p = &w["payload"];
    assert_eq!(
        (p["webhookId"].as_str(), p["companyId"].as_str(), p["projectId"].as_str()),
        (Some(a.id.as_str()), Some("acme"), Some("web"))
    );
    assert!(p["failures"].as_i64().unwrap() >= 3, "failing for 2 s at one attempt a second: {p}");
    let since = humantime::parse_rfc3339(p["failingSince"].as_str().unwrap()).unwrap();
    let until = humantime::parse_rfc3339(p["disableTime"].as_str().unwrap()).unwrap();
    assert_eq!(until.duration_since(since).unwrap(), std::time::Duration::from_secs(20));
    // The sentinel: the delivery's retries run out after the warning; nothing came between,
    // and the failing webhook itself got only its own event's attempts.
    let exhausted = monitor.expect().await;
    assert_eq!(body(&exhausted)["eventName"], "delivery_exhausted");
    assert_eq!(monitor.count(), 2);
    assert_eq!(target.count(), 6, "one delivery's six attempts, and no warning of itself");
    server.stop().await;
}
