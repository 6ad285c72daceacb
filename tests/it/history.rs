//! History and operations RPCs: ListEventHistory against a brute-force model, GetDelivery,
//! RedeliverEvent, TestWebhook. WatchDeliveries is in `watch.rs`.

use std::time::{Duration, SystemTime};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use tonic::Code;
use uuid::Uuid;
use webhookd_client::pb;

use crate::common::receiver::{Receiver, Reply};
use crate::common::Role;
use crate::common::{assert_field_error, eventually, new_webhook, scope, sql, TestServer};
use crate::delivery::wait_final;

#[derive(Debug, Clone)]
struct Seeded {
    id: Uuid,
    event_type: String,
    status: i16,
    status_code: i32,
    dispatch_time: Option<SystemTime>,
}

const TYPES: [&str; 4] = ["project_created", "tag_created", "service_created", "company_user_added"];
const CODES: [i32; 5] = [0, 200, 404, 500, 503];

/// Inserts `n` deliveries with random types, states, codes and (often tied) times.
async fn seed(db: &tokio_postgres::Client, webhook_id: &str, n: usize, rng: &mut StdRng) -> Vec<Seeded> {
    let webhook_id = Uuid::parse_str(webhook_id).unwrap();
    let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let mut rows = Vec::new();
    for _ in 0..n {
        let event_type = TYPES.choose(rng).unwrap().to_string();
        let status: i16 = rng.random_range(1..=3);
        let status_code = *CODES.choose(rng).unwrap();
        // Twenty distinct instants for hundreds of rows: many ties, broken by id.
        let dispatch_time = if status == 1 && rng.random_bool(0.5) {
            None
        } else {
            Some(base + Duration::from_secs(rng.random_range(0..20)))
        };
        let event_id = Uuid::now_v7();
        let id = Uuid::new_v4();
        db.execute(
            "INSERT INTO events (id, event_name, event_timestamp, body) VALUES ($1, $2, 1, '{}')",
            &[&event_id, &event_type],
        )
        .await
        .unwrap();
        db.execute(
            "INSERT INTO deliveries (id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts, next_attempt_time)
             VALUES ($1, $2, $3, $4, $5::int2, $6, $7, 1, CASE WHEN $5::int2 = 1::int2 THEN now() + interval '1 day' END)",
            &[&id, &webhook_id, &event_id, &event_type, &status, &status_code, &dispatch_time],
        )
        .await
        .unwrap();
        rows.push(Seeded { id, event_type, status, status_code, dispatch_time });
    }
    rows
}

/// The model's answer: of the pending deliveries and the 200 most recent completed ones,
/// filter with AND, sort by dispatch time (absent first when newest first, last when oldest
/// first), ties by id, cut at the limit.
fn model(rows: &[Seeded], r: &pb::ListEventHistoryRequest) -> Vec<Uuid> {
    let mut completed: Vec<&Seeded> = rows.iter().filter(|s| s.status != 1).collect();
    completed.sort_by_key(|s| std::cmp::Reverse((s.dispatch_time, s.id)));
    let shown: std::collections::HashSet<Uuid> = completed.iter().take(200).map(|s| s.id).collect();
    let mut hits: Vec<&Seeded> = rows
        .iter()
        .filter(|s| s.status == 1 || shown.contains(&s.id))
        .filter(|s| r.event_types.is_empty() || r.event_types.contains(&s.event_type))
        .filter(|s| r.status == 0 || i32::from(s.status) == r.status)
        .filter(|s| r.status_codes.is_empty() || r.status_codes.contains(&s.status_code))
        .collect();
    // Oldest first: ascending time, absent times last, ties by ascending id.
    hits.sort_by_key(|s| (s.dispatch_time.is_none(), s.dispatch_time, s.id));
    if r.order != pb::HistoryOrder::OldestFirst as i32 {
        // Newest first is exactly the reverse: absent times lead, ties by descending id.
        hits.reverse();
    }
    let limit = match r.limit {
        0 => 200,
        n => n.min(200) as usize,
    };
    hits.into_iter().take(limit).map(|s| s.id).collect()
}

pub async fn history(
    admin: &mut crate::common::Admin,
    r: pb::ListEventHistoryRequest,
) -> Result<Vec<pb::DeliveryRecord>, tonic::Status> {
    let mut stream = admin.list_event_history(r).await?.into_inner();
    let mut out = Vec::new();
    while let Some(d) = stream.message().await? {
        out.push(d);
    }
    Ok(out)
}

#[tokio::test]
async fn history_filters_and_sorts_like_a_brute_force_model() {
    let server = TestServer::start_with(&["--no-delivery"]).await;
    let mut admin = server.admin().await;
    let w =
        admin.create_webhook(new_webhook(None, "https://a.example.com/", &["tag_created"])).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let rows = seed(&db, &w.id, 400, &mut rng).await;

    for round in 0..150 {
        let (n_types, n_codes) = (rng.random_range(0..=2), rng.random_range(0..=2));
        let event_types: Vec<String> = TYPES.choose_multiple(&mut rng, n_types).map(|s| s.to_string()).collect();
        let status_codes: Vec<i32> = CODES.choose_multiple(&mut rng, n_codes).copied().collect();
        let req = pb::ListEventHistoryRequest {
            webhook_id: w.id.clone(),
            event_types,
            status: *[0, 1, 2, 3].choose(&mut rng).unwrap(),
            status_codes,
            order: *[0, 1, 2].choose(&mut rng).unwrap(),
            limit: *[0, 1, 3, 17, 100, 200, 500].choose(&mut rng).unwrap(),
        };
        let got: Vec<Uuid> =
            history(&mut admin, req.clone()).await.unwrap().iter().map(|d| Uuid::parse_str(&d.id).unwrap()).collect();
        assert_eq!(got, model(&rows, &req), "round {round}: {req:?}");
    }

    // Records carry what was stored.
    let all = history(&mut admin, pb::ListEventHistoryRequest { webhook_id: w.id.clone(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.len(), 200, "limit 0 means 200");
    let capped = history(
        &mut admin,
        pb::ListEventHistoryRequest { webhook_id: w.id.clone(), limit: 10_000, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(capped.len(), 200, "limits above 200 are capped");
    let first = rows.iter().find(|s| s.id.to_string() == all[0].id).unwrap();
    assert_eq!(all[0].event_type, first.event_type);
    assert_eq!(all[0].status_code, first.status_code);
    assert_eq!(all[0].webhook_id, w.id);
    server.stop().await;
}

#[tokio::test]
async fn history_errors_and_scopes() {
    let server = TestServer::start_with(&["--no-delivery"]).await;
    let mut root = server.admin().await;
    let (theirs, mut acme) = crate::common::theirs_and_acme(&server).await;
    let err = history(
        &mut root,
        pb::ListEventHistoryRequest { webhook_id: Uuid::new_v4().to_string(), ..Default::default() },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = history(&mut acme, pb::ListEventHistoryRequest { webhook_id: theirs.id.clone(), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "another company's webhook is not revealed");
    let bad = |f: fn(&mut pb::ListEventHistoryRequest)| {
        let mut r = pb::ListEventHistoryRequest { webhook_id: theirs.id.clone(), ..Default::default() };
        f(&mut r);
        r
    };
    for (field, req) in [
        ("limit", bad(|r| r.limit = -1)),
        ("status", bad(|r| r.status = 42)),
        ("order", bad(|r| r.order = 9)),
        ("status_codes", bad(|r| r.status_codes = vec![999])),
        ("event_types", bad(|r| r.event_types = vec!["nope".into()])),
        ("webhook_id", bad(|r| r.webhook_id = "x".into())),
    ] {
        let err = history(&mut root, req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
    }
    for id in [Uuid::new_v4().to_string()] {
        assert_eq!(
            root.get_delivery(pb::GetDeliveryRequest { id: id.clone() }).await.unwrap_err().code(),
            Code::NotFound
        );
        assert_eq!(
            root.redeliver_event(pb::RedeliverEventRequest { delivery_id: id.clone() }).await.unwrap_err().code(),
            Code::NotFound
        );
        assert_eq!(
            root.test_webhook(pb::TestWebhookRequest { webhook_id: id }).await.unwrap_err().code(),
            Code::NotFound
        );
    }
    assert_eq!(
        acme.test_webhook(pb::TestWebhookRequest { webhook_id: theirs.id.clone() }).await.unwrap_err().code(),
        Code::NotFound
    );
    // Another company's delivery is not revealed either, whether read or sent again.
    let their_delivery =
        root.test_webhook(pb::TestWebhookRequest { webhook_id: theirs.id.clone() }).await.unwrap().into_inner();
    assert_eq!(
        acme.get_delivery(pb::GetDeliveryRequest { id: their_delivery.id.clone() }).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        acme.redeliver_event(pb::RedeliverEventRequest { delivery_id: their_delivery.id.clone() })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let detail = root.get_delivery(pb::GetDeliveryRequest { id: their_delivery.id.clone() }).await.unwrap();
    assert_eq!(detail.into_inner().delivery.unwrap().webhook_id, theirs.id);
    let err = acme
        .watch_deliveries(pb::WatchDeliveriesRequest {
            target: Some(pb::watch_deliveries_request::Target::Scope(pb::Scope {
                company_id: "globex".into(),
                project_id: String::new(),
            })),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    server.stop().await;
}

#[tokio::test]
async fn an_unsuccessful_answer_keeps_its_headers_with_the_attempt() {
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let long = "v".repeat(1000);
    let rx = Receiver::start(None, move |_, _| {
        Reply::Status(400, vec![("x-reason", "schema mismatch".into()), ("x-long", long.clone())])
    })
    .await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap().into_inner();
    crate::common::publish(&server, "tag_created", None, "{}").await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let rows = wait_final(&db, &w.id, 1).await;
    let detail = admin.get_delivery(pb::GetDeliveryRequest { id: rows[0].id.to_string() }).await.unwrap().into_inner();
    let last = detail.attempts.last().expect("an attempt");
    assert_eq!(last.status_code, 400);
    let header = |name: &str| last.response_headers.iter().find(|h| h.name == name).map(|h| h.value.clone());
    assert_eq!(header("x-reason").as_deref(), Some("schema mismatch"));
    assert_eq!(header("x-long").map(|v| v.len()), Some(256), "values are cut to 256 bytes");
    server.stop().await;
}

#[tokio::test]
async fn get_delivery_redeliver_and_test_ping() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin
        .create_webhook(new_webhook(scope("acme", ""), &rx.url("/hook"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let publisher = server.token(Role::Publisher, "acme", "").await;
    let payload = r#"{"n": 12345678901234567890, "x": [1.0, "two"]}"#;
    server.publish_as(&publisher, "tag_created", scope("acme", ""), payload).await.unwrap();
    let got = rx.expect().await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let rows = wait_final(&db, &w.id, 1).await;

    let detail = admin.get_delivery(pb::GetDeliveryRequest { id: rows[0].id.to_string() }).await.unwrap().into_inner();
    assert_eq!(detail.request_body, got.body.to_vec(), "GetDelivery returns the exact bytes received");
    let header = |name: &str| detail.request_headers.iter().find(|h| h.name == name).map(|h| h.value.as_str());
    for name in
        ["x-mia-signature", "webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"]
    {
        assert_eq!(header(name), got.header(name), "{name}");
    }
    assert_eq!(detail.response_status, 200);
    assert_eq!(detail.response_body, b"received");
    assert_eq!(detail.attempts.len(), 1);
    assert_eq!(detail.attempts[0].status_code, 200);
    assert_eq!(detail.attempts[0].response_body, b"received");
    assert!(detail.attempts[0].response_headers.is_empty(), "a success keeps no response headers");
    let d = detail.delivery.unwrap();
    assert_eq!((d.status, d.attempts, d.event_type.as_str()), (pb::DeliveryStatus::Success as i32, 1, "tag_created"));

    // Redelivery: a new delivery of the same bytes, signed with the current secret.
    admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            secret: "rotated-secret-42".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let again =
        admin.redeliver_event(pb::RedeliverEventRequest { delivery_id: d.id.clone() }).await.unwrap().into_inner();
    assert_ne!(again.id, d.id);
    assert_eq!(again.status, pb::DeliveryStatus::Pending as i32);
    let second = rx.expect().await;
    assert_eq!(second.body, got.body);
    assert_eq!(second.header("webhook-id"), Some(again.id.as_str()));
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut h, &second.body);
    sha2::Digest::update(&mut h, b"rotated-secret-42");
    let want: String = sha2::Digest::finalize(h).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(second.header("x-mia-signature"), Some(want.as_str()));

    // Test ping: a webhook_test event through the engine.
    let ping = admin.test_webhook(pb::TestWebhookRequest { webhook_id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(ping.event_type, "webhook_test");
    let third = rx.expect().await;
    let body: serde_json::Value = serde_json::from_slice(&third.body).unwrap();
    assert_eq!(body["eventName"], "webhook_test");
    assert_eq!(body["payload"]["webhookId"], w.id.as_str());

    wait_final(&db, &w.id, 3).await;
    let all = history(&mut admin, pb::ListEventHistoryRequest { webhook_id: w.id.clone(), ..Default::default() })
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, vec![ping.id.as_str(), again.id.as_str(), d.id.as_str()], "newest first");
    assert!(all.iter().all(|d| d.status == pb::DeliveryStatus::Success as i32));
    let pings = history(
        &mut admin,
        pb::ListEventHistoryRequest {
            webhook_id: w.id.clone(),
            event_types: vec!["webhook_test".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(pings.len(), 1);
    let original = admin.get_delivery(pb::GetDeliveryRequest { id: d.id.clone() }).await.unwrap().into_inner();
    assert_eq!(original.delivery.unwrap().attempts, 1, "the original stays as it was");
    server.stop().await;
}

#[tokio::test]
async fn a_webhook_being_retried_shows_its_latest_attempt_though_it_has_no_last_event() {
    let server = TestServer::start_with(&["--allow-targets", "127.0.0.1/32"]).await;
    let rx = Receiver::start(None, |i, _| {
        if i == 0 {
            crate::common::receiver::Reply::Status(500, vec![])
        } else {
            crate::common::receiver::Reply::Status(200, vec![])
        }
    })
    .await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/flaky"), &["tag_created"])).await.unwrap().into_inner();
    assert!(w.latest_attempt.is_none(), "nothing attempted yet");
    let published = crate::common::publish(&server, "tag_created", None, "{}").await;
    rx.expect().await;
    // The first attempt failed: the delivery is pending, to be retried; no event completed.
    let failing = eventually(Duration::from_secs(20), "the failed attempt was recorded", || {
        let (mut admin, id) = (admin.clone(), w.id.clone());
        async move {
            let got = admin.get_webhook(pb::GetWebhookRequest { id }).await.unwrap().into_inner();
            got.latest_attempt.is_some().then_some(got)
        }
    })
    .await;
    assert!(failing.last_event.is_none(), "no delivery completed: {:?}", failing.last_event);
    let attempt = failing.latest_attempt.unwrap();
    assert_eq!(attempt.status, pb::DeliveryStatus::Pending as i32);
    assert_eq!((attempt.status_code, attempt.error.as_str()), (500, "HTTP 500"));
    assert_eq!(attempt.event_type, "tag_created");
    let next = SystemTime::try_from(attempt.next_attempt_time.expect("when the retry is due")).unwrap();
    let sent = SystemTime::try_from(attempt.dispatch_time.unwrap()).unwrap();
    assert!(next > sent, "the retry is due after the attempt");
    assert_eq!(failing.health.unwrap().consecutive_failures, 1);
    // The list shows the same.
    let listed = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner();
    assert_eq!(listed.webhooks[0].latest_attempt.as_ref().map(|a| a.status_code), Some(500));
    // The history row agrees.
    let history = admin
        .list_event_history(pb::ListEventHistoryRequest { webhook_id: w.id.clone(), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .message()
        .await
        .unwrap()
        .unwrap();
    assert_eq!((history.id.as_str(), history.status_code), (attempt.delivery_id.as_str(), 500));
    assert_eq!(history.event_id, published.event_id);
    server.stop().await;
}

#[tokio::test]
async fn deliveries_not_attempted_yet_list_in_the_order_they_were_made() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, "https://example.com/held", &["tag_created"]);
    req.state = pb::WebhookState::Paused as i32;
    let w = admin.create_webhook(req).await.unwrap().into_inner();
    for i in 0..30 {
        crate::common::publish(&server, "tag_created", None, &format!(r#"{{"i":{i}}}"#)).await;
    }
    for order in [pb::HistoryOrder::NewestFirst, pb::HistoryOrder::OldestFirst] {
        let mut stream = admin
            .list_event_history(pb::ListEventHistoryRequest {
                webhook_id: w.id.clone(),
                order: order as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let mut made = Vec::new();
        while let Some(r) = stream.message().await.unwrap() {
            assert_eq!(r.status, pb::DeliveryStatus::Pending as i32);
            made.push(SystemTime::try_from(r.create_time.unwrap()).unwrap());
        }
        assert_eq!(made.len(), 30);
        if order == pb::HistoryOrder::OldestFirst {
            made.reverse();
        }
        // Newest first, to the millisecond (ids are time-ordered to the millisecond; a
        // publish's id is taken a moment after its transaction's time, so a few ms of slack).
        for pair in made.windows(2) {
            assert!(
                pair[1] <= pair[0] + Duration::from_millis(5),
                "{order:?}: {:?} listed before {:?}",
                pair[0],
                pair[1]
            );
        }
    }
    server.stop().await;
}
