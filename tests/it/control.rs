//! Delivery control per webhook: in-flight limits and fairness, rate limits, the circuit
//! breaker, pause and resume, and webhooks disabled by webhookd with their operational event.

use std::sync::Arc;
use std::time::Duration;

use prost_types::FieldMask;
use tonic::Code;
use webhookd::model::DeliveryStatus;
use webhookd_client::pb;

use crate::common::publish;
use crate::common::receiver::{Receiver, Reply};
use crate::common::Role;
use crate::common::{assert_field_error, eventually_showing, new_webhook, scope, sql, Admin, TestServer};
use crate::delivery::wait_final;

/// Publishes `n` `tag_created` events in `s` on one stream.
async fn publish_many(server: &TestServer, s: Option<pb::Scope>, n: usize) {
    let token = server.token(Role::Publisher, "", "").await;
    let mut ingest = server.ingest_as(Some(&token)).await;
    let events: Vec<pb::PublishEventRequest> = (0..n)
        .map(|i| pb::PublishEventRequest {
            event_name: "tag_created".into(),
            scope: s.clone(),
            payload: format!(r#"{{"i":{i}}}"#),
            ..Default::default()
        })
        .collect();
    let mut acks = ingest.publish_events(tokio_stream::iter(events)).await.unwrap().into_inner();
    let mut acked = 0;
    while acks.message().await.unwrap().is_some() {
        acked += 1;
    }
    assert_eq!(acked, n);
}

async fn get(admin: &mut Admin, id: &str) -> pb::Webhook {
    admin.get_webhook(pb::GetWebhookRequest { id: id.into() }).await.unwrap().into_inner()
}

/// Polls the webhook until `done` holds (30 s at most).
async fn wait_webhook(admin: &mut Admin, id: &str, what: &str, done: impl Fn(&pb::Webhook) -> bool) -> pb::Webhook {
    let what = format!("webhook {id}: {what}");
    let done = &done;
    eventually_showing(Duration::from_secs(30), &what, || {
        let mut admin = admin.clone();
        async move {
            let w = get(&mut admin, id).await;
            if done(&w) {
                Ok(w)
            } else {
                Err(format!("{w:?}"))
            }
        }
    })
    .await
}

fn set_state(id: &str, state: pb::WebhookState) -> pb::UpdateWebhookRequest {
    pb::UpdateWebhookRequest {
        id: id.into(),
        state: state as i32,
        update_mask: Some(FieldMask { paths: vec!["state".into()] }),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_slow_webhook_holds_only_its_own_slots_while_newer_work_of_others_is_sent() {
    let server = TestServer::start_with(&["--delivery-concurrency", "8", "--webhook-concurrency", "4"]).await;
    let mut admin = server.admin().await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let g = gate.clone();
    let slow = Receiver::start(None, move |_, _| Reply::Gate(g.clone(), 200)).await;
    let slow_hook = admin
        .create_webhook(pb::CreateWebhookRequest {
            max_in_flight: 3,
            ..new_webhook(scope("slow", ""), &slow.url("/"), &["tag_created"])
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(slow_hook.max_in_flight, 3);
    // The slow webhook's backlog is older than anything the others get.
    publish_many(&server, scope("slow", ""), 60).await;
    let fast = Receiver::ok().await;
    for i in 0..5 {
        let company = format!("fast{i}");
        admin.create_webhook(new_webhook(scope(&company, ""), &fast.url("/"), &["tag_created"])).await.unwrap();
    }
    for i in 0..5 {
        publish_many(&server, scope(&format!("fast{i}"), ""), 20).await;
    }
    for _ in 0..100 {
        fast.expect().await;
    }
    // Every newer delivery to the other webhooks arrived while the slow target held its
    // requests: it got exactly its own limit, not the engine's 8 slots.
    assert_eq!(slow.count(), 3, "in flight to the slow webhook");
    gate.close();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let rows = wait_final(&db, &slow_hook.id, 60).await;
    assert!(rows.iter().all(|r| r.status == DeliveryStatus::Success));
    assert_eq!(slow.count(), 60);
}

#[tokio::test]
async fn a_rate_limited_webhook_is_sent_no_faster_than_its_limit() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let rx = Receiver::ok().await;
    let hook = admin
        .create_webhook(pb::CreateWebhookRequest {
            rate_limit_per_second: 10,
            ..new_webhook(scope("rated", ""), &rx.url("/"), &["tag_created"])
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hook.rate_limit_per_second, 10);
    publish_many(&server, scope("rated", ""), 30).await;
    let mut arrivals = Vec::new();
    for _ in 0..30 {
        arrivals.push(rx.expect().await.at);
    }
    // A burst of one second's worth (10), then one every 100 ms: the 30th at least 2 s after
    // the first (1.9 s allowed for clock granularity).
    let span = arrivals[29] - arrivals[0];
    assert!(span >= Duration::from_millis(1900), "30 deliveries at 10/s took only {span:?}");
    for w in arrivals.windows(21) {
        assert!(w[20] - w[0] >= Duration::from_millis(900), "21 deliveries within {:?}", w[20] - w[0]);
    }
}

#[tokio::test]
async fn the_circuit_breaker_holds_a_failing_webhook_and_probes_until_one_succeeds() {
    let server = TestServer::start_with(&[
        "--webhook-concurrency",
        "1",
        "--breaker-threshold",
        "3",
        "--breaker-cooldown",
        "1s",
        "--retry-schedule",
        "50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms",
        "--retry-jitter",
        "0",
    ])
    .await;
    let mut admin = server.admin().await;
    // Requests 0 to 3 fail, then the target recovers.
    let rx = Receiver::start(None, |i, _| Reply::Status(if i < 4 { 500 } else { 200 }, vec![])).await;
    let hook = admin
        .create_webhook(new_webhook(scope("flaky", ""), &rx.url("/"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    publish_many(&server, scope("flaky", ""), 5).await;
    let mut arrivals = Vec::new();
    for _ in 0..3 {
        arrivals.push(rx.expect().await.at);
    }
    let open = wait_webhook(&mut admin, &hook.id, "breaker open", |w| {
        w.health.as_ref().is_some_and(|h| h.circuit_open_until.is_some())
    })
    .await;
    assert!(open.health.as_ref().unwrap().consecutive_failures >= 3);
    assert!(open.health.as_ref().unwrap().failing_since.is_some());
    // After the third failure in a row nothing is sent for the cooldown; then one probe,
    // which fails and holds the rest for another cooldown; the next probe succeeds.
    arrivals.push(rx.expect().await.at);
    arrivals.push(rx.expect().await.at);
    let min_gap = Duration::from_millis(900);
    assert!(arrivals[3] - arrivals[2] >= min_gap, "first probe after {:?}", arrivals[3] - arrivals[2]);
    assert!(arrivals[4] - arrivals[3] >= min_gap, "second probe after {:?}", arrivals[4] - arrivals[3]);
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let rows = wait_final(&db, &hook.id, 5).await;
    assert!(rows.iter().all(|r| r.status == DeliveryStatus::Success), "{rows:?}");
    let closed = wait_webhook(&mut admin, &hook.id, "breaker closed", |w| {
        w.health.as_ref().is_some_and(|h| h.circuit_open_until.is_none())
    })
    .await;
    assert_eq!(closed.health.unwrap().consecutive_failures, 0);
    assert_eq!(closed.state, pb::WebhookState::Active as i32);
}

#[tokio::test]
async fn a_paused_webhook_accumulates_deliveries_and_sends_them_on_resume() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let paused_rx = Receiver::ok().await;
    let active_rx = Receiver::ok().await;
    let paused = admin
        .create_webhook(new_webhook(scope("p", ""), &paused_rx.url("/"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let active = admin
        .create_webhook(new_webhook(scope("p", ""), &active_rx.url("/"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let w = admin.update_webhook(set_state(&paused.id, pb::WebhookState::Paused)).await.unwrap().into_inner();
    assert_eq!(w.state, pb::WebhookState::Paused as i32);
    assert!(w.state_reason.starts_with("paused by token "), "{}", w.state_reason);
    assert!(w.state_change_time.is_some());

    // Bad states and limits are refused and change nothing.
    let err = admin.update_webhook(set_state(&paused.id, pb::WebhookState::Disabled)).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "state");
    let err = admin.update_webhook(set_state(&paused.id, pb::WebhookState::Unspecified)).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "state");
    let err = admin
        .create_webhook(pb::CreateWebhookRequest {
            max_in_flight: 1001,
            ..new_webhook(scope("p", ""), &active_rx.url("/"), &["tag_created"])
        })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "max_in_flight");
    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: paused.id.clone(),
            rate_limit_per_second: 10_001,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "rate_limit_per_second");
    assert_eq!(get(&mut admin, &paused.id).await.state, pb::WebhookState::Paused as i32);

    let listed = |states: Vec<pb::WebhookState>| pb::ListWebhooksRequest {
        scope: scope("p", ""),
        states: states.into_iter().map(|s| s as i32).collect(),
        ..Default::default()
    };
    let ids = |r: pb::ListWebhooksResponse| r.webhooks.into_iter().map(|w| w.id).collect::<Vec<String>>();
    assert_eq!(
        ids(admin.list_webhooks(listed(vec![pb::WebhookState::Paused])).await.unwrap().into_inner()),
        [paused.id.as_str()]
    );
    assert_eq!(
        ids(admin.list_webhooks(listed(vec![pb::WebhookState::Active])).await.unwrap().into_inner()),
        [active.id.as_str()]
    );
    assert_eq!(ids(admin.list_webhooks(listed(vec![])).await.unwrap().into_inner()).len(), 2);

    for i in 0..3 {
        publish(&server, "tag_created", scope("p", "web"), &format!(r#"{{"i":{i}}}"#)).await;
    }
    for _ in 0..3 {
        active_rx.expect().await;
    }
    // The same events reached the active webhook; the paused one holds its three.
    assert_eq!(paused_rx.count(), 0);
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let id = uuid::Uuid::parse_str(&paused.id).unwrap();
    let held: i64 = db
        .query_one("SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 3);

    let w = admin.update_webhook(set_state(&paused.id, pb::WebhookState::Active)).await.unwrap().into_inner();
    assert_eq!(w.state, pb::WebhookState::Active as i32);
    assert!(w.state_reason.starts_with("made active by token "), "{}", w.state_reason);
    let bodies: Vec<String> = [paused_rx.expect().await, paused_rx.expect().await, paused_rx.expect().await]
        .iter()
        .map(|c| String::from_utf8(c.body.to_vec()).unwrap())
        .collect();
    for i in 0..3 {
        assert!(bodies[i].contains(&format!(r#""payload":{{"i":{i}}}"#)), "oldest first: {bodies:?}");
    }
}

#[tokio::test]
async fn a_gone_target_disables_its_webhook_announces_it_and_a_test_ping_enables_it_again() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    // The target is gone for the first request, back for the test ping.
    let gone = Receiver::start(None, |i, _| Reply::Status(if i == 0 { 410 } else { 200 }, vec![])).await;
    let watcher = Receiver::ok().await;
    let elsewhere = Receiver::ok().await;
    let hook = admin
        .create_webhook(new_webhook(scope("g", "x"), &gone.url("/"), &["tag_created", "webhook_disabled"]))
        .await
        .unwrap()
        .into_inner();
    let company_watch = admin
        .create_webhook(new_webhook(scope("g", ""), &watcher.url("/company"), &["webhook_disabled"]))
        .await
        .unwrap()
        .into_inner();
    let other_company = admin
        .create_webhook(new_webhook(scope("h", ""), &elsewhere.url("/"), &["webhook_disabled"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(get(&mut admin, &hook.id).await.state, pb::WebhookState::Active as i32);

    // Publishers may not send the operational event themselves.
    let token = server.token(Role::Publisher, "", "").await;
    let err = server.publish_as(&token, "webhook_disabled", scope("g", ""), "{}").await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "event_name");

    publish(&server, "tag_created", scope("g", "x"), r#"{"n":1}"#).await;
    assert_eq!(gone.expect().await.uri, "/");
    let announced = watcher.expect().await;
    let body: serde_json::Value = serde_json::from_slice(&announced.body).unwrap();
    assert_eq!(body["eventName"], "webhook_disabled");
    assert_eq!(body["payload"]["webhookId"], hook.id.as_str());
    assert_eq!(body["payload"]["targetUrl"], gone.url("/").as_str());
    assert_eq!(body["payload"]["reason"], "the target answered 410 Gone");

    let w = get(&mut admin, &hook.id).await;
    assert_eq!(w.state, pb::WebhookState::Disabled as i32);
    assert_eq!(w.state_reason, "the target answered 410 Gone");
    assert!(w.state_change_time.is_some());
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let rows = wait_final(&db, &hook.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code), (DeliveryStatus::Error, 410));
    // The event went to webhooks in the disabled webhook's scope or above only, and not to
    // the disabled webhook itself.
    assert_eq!(wait_final(&db, &company_watch.id, 1).await.len(), 1);
    assert_eq!(wait_final(&db, &other_company.id, 0).await.len(), 0);
    assert_eq!(wait_final(&db, &hook.id, 1).await.len(), 1);

    // New events no longer fan out to it.
    let r = publish(&server, "tag_created", scope("g", "x"), r#"{"n":2}"#).await;
    assert_eq!(r.deliveries, 0);
    let disabled = admin
        .list_webhooks(pb::ListWebhooksRequest {
            include_descendants: true,
            states: vec![pb::WebhookState::Disabled as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(disabled.webhooks.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(), [hook.id.as_str()]);

    // A test ping is sent although the webhook is disabled; its success enables it again.
    admin.test_webhook(pb::TestWebhookRequest { webhook_id: hook.id.clone() }).await.unwrap();
    assert!(String::from_utf8(gone.expect().await.body.to_vec()).unwrap().contains("webhook_test"));
    let w = wait_webhook(&mut admin, &hook.id, "enabled", |w| w.state == pb::WebhookState::Active as i32).await;
    assert_eq!(w.state_reason, "a test ping succeeded");
    let r = publish(&server, "tag_created", scope("g", "x"), r#"{"n":3}"#).await;
    assert_eq!(r.deliveries, 1);
    assert!(String::from_utf8(gone.expect().await.body.to_vec()).unwrap().contains(r#""n":3"#));
}

#[tokio::test]
async fn a_webhook_failing_with_no_success_for_the_window_is_disabled() {
    let server = TestServer::start_with(&[
        "--disable-after",
        "1s",
        "--breaker-threshold",
        "1000",
        "--retry-schedule",
        "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms",
        "--retry-jitter",
        "0",
    ])
    .await;
    let mut admin = server.admin().await;
    let rx = Receiver::start(None, |_, _| Reply::Status(503, vec![])).await;
    let hook =
        admin.create_webhook(new_webhook(scope("d", ""), &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    publish(&server, "tag_created", scope("d", ""), r#"{"n":1}"#).await;
    let first = rx.expect().await.at;
    let w = wait_webhook(&mut admin, &hook.id, "disabled", |w| w.state == pb::WebhookState::Disabled as i32).await;
    assert!(first.elapsed() >= Duration::from_millis(900));
    assert!(w.state_reason.starts_with("no delivery succeeded since "), "{}", w.state_reason);
    // Its pending delivery is held, not sent, while disabled; making it active resumes it.
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let id = uuid::Uuid::parse_str(&hook.id).unwrap();
    let pending: i64 = db
        .query_one("SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 1);
    let w = admin.update_webhook(set_state(&hook.id, pb::WebhookState::Active)).await.unwrap().into_inner();
    assert_eq!(w.state, pb::WebhookState::Active as i32);
    assert_eq!(w.health.unwrap().consecutive_failures, 0);
}
