//! Ingest and delivery: fan-out, exact bodies, both signatures, TLS, proxy, retries, SSRF, caps, crashes.

use std::time::Duration;

use base64::Engine as _;
use hmac::Mac;
use sha2::Digest;
use tonic::Code;
use uuid::Uuid;
use webhookd_client::pb;

use crate::common::proxy::TinyProxy;
use crate::common::receiver::{Captured, Receiver, Reply, TestPki};
use crate::common::{assert_field_error, new_webhook, scope, sql, TestServer};

/// State of one stored delivery.
#[derive(Debug)]
pub struct Row {
    pub id: Uuid,
    pub status: i16,
    pub status_code: i32,
    pub attempts: i32,
    pub error: String,
}

/// Waits until every delivery of `webhook_id` is final (and at least `n` exist); returns them.
pub async fn wait_final(db: &tokio_postgres::Client, webhook_id: &str, n: usize) -> Vec<Row> {
    let id = Uuid::parse_str(webhook_id).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let rows = db
            .query(
                "SELECT id, status, status_code, attempts, error FROM deliveries WHERE webhook_id = $1 ORDER BY create_time, id",
                &[&id],
            )
            .await
            .unwrap();
        if rows.len() >= n && rows.iter().all(|r| r.get::<_, i16>("status") != 1) {
            return rows
                .iter()
                .map(|r| Row {
                    id: r.get("id"),
                    status: r.get("status"),
                    status_code: r.get("status_code"),
                    attempts: r.get("attempts"),
                    error: r.get("error"),
                })
                .collect();
        }
        assert!(tokio::time::Instant::now() < deadline, "deliveries of {webhook_id} not final within 30 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const SUCCESS: i16 = 2;
const ERROR: i16 = 3;

/// Checks both signatures of a received request independently of webhookd's code.
fn assert_signed(req: &Captured, secret: &str) {
    let mut h = sha2::Sha256::new();
    h.update(&req.body);
    h.update(secret.as_bytes());
    let mia: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(req.header("x-mia-signature"), Some(mia.as_str()), "X-Mia-Signature");

    let id = req.header("webhook-id").expect("webhook-id");
    let ts = req.header("webhook-timestamp").expect("webhook-timestamp");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - ts.parse::<i64>().unwrap()).abs() < 300, "timestamp is current");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&req.body);
    let want = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(req.header("webhook-signature"), Some(want.as_str()), "webhook-signature");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert!(req.header("user-agent").unwrap().starts_with("webhookd/"));
    assert_eq!(req.method, "POST");
}

async fn publish(server: &TestServer, name: &str, s: Option<pb::Scope>, payload: &str) -> pb::PublishEventResponse {
    let token = server.token("publisher", "", "").await;
    let mut ingest = server.ingest_as(Some(&token)).await;
    ingest
        .publish_event(pb::PublishEventRequest {
            event_name: name.into(),
            scope: s,
            payload: payload.into(),
            event_timestamp: 1_700_000_000_123,
            idempotency_key: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn fan_out_exact_bodies_and_signatures() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let rx = Receiver::ok().await;
    let mut hooks = Vec::new();
    for (name, s, events) in [
        ("instance", None, vec!["project_created"]),
        ("acme", scope("acme", ""), vec!["project_created", "tag_created"]),
        ("acme-web", scope("acme", "web"), vec!["project_created"]),
        ("acme-api", scope("acme", "api"), vec!["project_created"]),
        ("acme-tags", scope("acme", ""), vec!["tag_created"]),
        ("globex", scope("globex", ""), vec!["project_created"]),
    ] {
        let mut req = new_webhook(s, &rx.url(&format!("/{name}")), &events);
        req.secret = format!("secret-of-{name}");
        let w = admin.create_webhook(req).await.unwrap().into_inner();
        hooks.push((name, w.id));
    }
    let payload = r#"{"id": 1700000000123, "huge": 123456789012345678901234567890, "price": 10.50, "nested": {"list": [1, {"deep": "é\u00e9"}], "null": null}}"#;
    let published = publish(&server, "project_created", scope("acme", "web"), payload).await;
    assert_eq!(published.deliveries, 3, "instance, company and project webhooks");
    assert!(!published.duplicate);

    let want_body = format!(r#"{{"eventName":"project_created","eventTimestamp":1700000000123,"payload":{payload}}}"#);
    let mut paths = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..3 {
        let req = rx.expect().await;
        assert_eq!(std::str::from_utf8(&req.body).unwrap(), want_body, "byte-exact body");
        let name = req.uri.trim_start_matches('/').to_string();
        assert_signed(&req, &format!("secret-of-{name}"));
        ids.insert(req.header("webhook-id").unwrap().to_string());
        paths.push(name);
    }
    paths.sort();
    assert_eq!(paths, vec!["acme", "acme-web", "instance"]);
    assert_eq!(ids.len(), 3, "each delivery has its own webhook-id");

    let db = sql(server.database_url.as_deref().unwrap()).await;
    for (name, id) in &hooks {
        if ["acme", "acme-web", "instance"].contains(name) {
            let rows = wait_final(&db, id, 1).await;
            assert_eq!(rows.len(), 1);
            assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (SUCCESS, 200, 1));
            assert!(ids.contains(&rows[0].id.to_string()), "webhook-id is the delivery id");
            let w = admin.get_webhook(pb::GetWebhookRequest { id: id.clone() }).await.unwrap().into_inner();
            let last = w.last_event.expect("last_event after a delivery");
            assert_eq!(last.status, pb::DeliveryStatus::Success as i32);
            assert_eq!(last.event_type, "project_created");
            assert_eq!(last.status_code, 200);
            assert!(last.dispatch_time.is_some());
        } else {
            let w = admin.get_webhook(pb::GetWebhookRequest { id: id.clone() }).await.unwrap().into_inner();
            assert!(w.last_event.is_none(), "{name} got nothing");
        }
    }
    assert_eq!(rx.count(), 3);

    // An unsubscribed event reaches nobody; a company event skips project webhooks.
    let p = publish(&server, "service_created", scope("acme", "web"), "{}").await;
    assert_eq!(p.deliveries, 0);
    let p = publish(&server, "tag_created", scope("acme", ""), r#"{"tag":"v1"}"#).await;
    assert_eq!(p.deliveries, 2, "acme and acme-tags");
    let mut got: Vec<String> = vec![rx.expect().await.uri, rx.expect().await.uri];
    got.sort();
    assert_eq!(got, vec!["/acme", "/acme-tags"]);
    server.stop().await;
}

#[tokio::test]
async fn tls_targets_verify_against_the_webhook_ca() {
    let pki = TestPki::new();
    let other = TestPki::new();
    let rx = Receiver::start(Some(pki.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    // TLS failures are retried like other transport errors; a short schedule makes them final soon.
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let url = format!("https://localhost:{}/tls", rx.addr.port());

    let mut right = new_webhook(None, &url, &["tag_created"]);
    right.ca_certificate = pki.ca_pem.clone();
    let right = admin.create_webhook(right).await.unwrap().into_inner();
    let mut wrong = new_webhook(None, &url, &["tag_created"]);
    wrong.ca_certificate = other.ca_pem.clone();
    let wrong = admin.create_webhook(wrong).await.unwrap().into_inner();
    let public = admin.create_webhook(new_webhook(None, &url, &["tag_created"])).await.unwrap().into_inner();

    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let ok = wait_final(&db, &right.id, 1).await;
    assert_eq!((ok[0].status, ok[0].status_code), (SUCCESS, 200), "{:?}", ok[0]);
    let got = rx.expect().await;
    assert_signed(&got, "s3cret-value-1234");

    for (w, what) in [(&wrong, "another CA"), (&public, "the public roots")] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (ERROR, 0, 2), "{what}");
        assert!(rows[0].error.contains("certificate"), "{what}: error names the TLS failure: {}", rows[0].error);
        assert!(rows[0].error.contains("UnknownIssuer"), "{what}: {}", rows[0].error);
        assert!(rows[0].error.contains("set ca_certificate"), "{what}: the error says what to do: {}", rows[0].error);
    }
    assert_eq!(rx.count(), 1, "only the webhook with the right CA got through");
    server.stop().await;
}

#[tokio::test]
async fn a_self_signed_target_certificate_given_as_ca_certificate_is_pinned() {
    let own = TestPki::self_signed();
    let impostor = TestPki::self_signed();
    let rx = Receiver::start(Some(own.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let url = format!("https://localhost:{}/pinned", rx.addr.port());
    let mut pinned = new_webhook(None, &url, &["tag_created"]);
    pinned.ca_certificate = own.ca_pem.clone();
    let pinned = admin.create_webhook(pinned).await.unwrap().into_inner();
    let mut other = new_webhook(None, &url, &["tag_created"]);
    other.ca_certificate = impostor.ca_pem.clone();
    let other = admin.create_webhook(other).await.unwrap().into_inner();

    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let ok = wait_final(&db, &pinned.id, 1).await;
    assert_eq!((ok[0].status, ok[0].status_code), (SUCCESS, 200), "{:?}", ok[0]);
    assert_signed(&rx.expect().await, "s3cret-value-1234");
    let refused = wait_final(&db, &other.id, 1).await;
    assert_eq!(refused[0].status, ERROR, "another self-signed certificate is not trusted");
    assert!(refused[0].error.contains("set ca_certificate"), "{}", refused[0].error);
    assert_eq!(rx.count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn deliveries_go_through_a_real_proxy_without_leaking_its_credentials() {
    let proxy = TinyProxy::start().await;
    let pki = TestPki::new();
    let plain = Receiver::ok().await;
    let tls = Receiver::start(Some(pki.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    let server = TestServer::start().await;
    let mut admin = server.admin().await;

    let mut via_http = new_webhook(None, &plain.url("/via-proxy"), &["tag_created"]);
    via_http.proxy_url = proxy.url_with_credentials();
    let via_http = admin.create_webhook(via_http).await.unwrap().into_inner();
    let mut via_https =
        new_webhook(None, &format!("https://localhost:{}/via-tunnel", tls.addr.port()), &["tag_created"]);
    via_https.proxy_url = proxy.url_with_credentials();
    via_https.ca_certificate = pki.ca_pem.clone();
    let via_https = admin.create_webhook(via_https).await.unwrap().into_inner();
    // Behind a proxy, a literal non-public target is refused too: when written, and (for a
    // row written before that check) when sent, so the proxy is never asked to reach it.
    let mut metadata = new_webhook(None, "http://169.254.169.254/latest/meta-data", &["tag_created"]);
    metadata.proxy_url = proxy.url();
    let err = admin.create_webhook(metadata.clone()).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "target_url");
    metadata.target_url = "http://metadata.example/".into();
    let metadata = admin.create_webhook(metadata).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    db.execute(
        "UPDATE webhooks SET target_url = 'http://169.254.169.254/latest/meta-data' WHERE id = $1",
        &[&Uuid::parse_str(&metadata.id).unwrap()],
    )
    .await
    .unwrap();

    publish(&server, "tag_created", None, r#"{"through":"proxy"}"#).await;
    for w in [&via_http, &via_https] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].status_code), (SUCCESS, 200), "{:?}", rows[0]);
    }
    for req in [plain.expect().await, tls.expect().await] {
        assert_signed(&req, "s3cret-value-1234");
        for h in ["proxy-authorization", "authorization"] {
            assert!(req.header(h).is_none(), "the target saw {h}: {:?}", req.headers);
        }
        let raw = format!("{:?}", req.headers);
        assert!(!raw.contains(super::common::proxy::PROXY_USER), "credentials leaked: {raw}");
    }
    let log = proxy.log();
    assert!(
        log.contains(&format!("CONNECT localhost:{}", tls.addr.port())),
        "https went through a CONNECT tunnel:\n{log}"
    );
    assert!(log.contains(&format!("127.0.0.1:{}", plain.addr.port())), "http went through the proxy:\n{log}");
    let refused = wait_final(&db, &metadata.id, 1).await;
    assert!(refused[0].error.contains("SSRF") && refused[0].error.contains("link-local"), "{:?}", refused[0]);
    let log = proxy.log();
    assert!(!log.contains("169.254"), "the proxy was never asked for the metadata address:\n{log}");

    // Without the credentials the proxy answers 407: a final error, nothing reaches the target.
    let mut no_auth = new_webhook(None, &plain.url("/no-auth"), &["project_created"]);
    no_auth.proxy_url = proxy.url();
    let no_auth = admin.create_webhook(no_auth).await.unwrap().into_inner();
    publish(&server, "project_created", None, "{}").await;
    let rows = wait_final(&db, &no_auth.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code), (ERROR, 407), "{:?}", rows[0]);
    assert_eq!(plain.count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn retries_follow_the_schedule_and_honour_retry_after() {
    let server = TestServer::start_with(&["--retry-schedule", "100ms,100ms,100ms", "--retry-jitter", "0"]).await;
    let mut admin = server.admin().await;
    let db = sql(server.database_url.as_deref().unwrap()).await;

    // Fails twice, then succeeds: three attempts of the same bytes under one webhook-id.
    let flaky = Receiver::start(None, |i, _| Reply::Status(if i < 2 { 503 } else { 200 }, vec![])).await;
    let w = admin.create_webhook(new_webhook(None, &flaky.url("/flaky"), &["tag_created"])).await.unwrap().into_inner();
    publish(&server, "tag_created", None, r#"{"try":1}"#).await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (SUCCESS, 200, 3));
    let reqs = [flaky.expect().await, flaky.expect().await, flaky.expect().await];
    for r in &reqs {
        assert_eq!(r.body, reqs[0].body);
        assert_eq!(r.header("webhook-id"), Some(rows[0].id.to_string().as_str()));
        assert_signed(r, "s3cret-value-1234");
    }
    let detail = admin.get_delivery(pb::GetDeliveryRequest { id: rows[0].id.to_string() }).await.unwrap().into_inner();
    let attempts = detail.attempts.len();
    let codes: Vec<i32> = detail.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![503, 503, 200]);
    assert_eq!(detail.attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(attempts, 3, "every attempt is recorded");
    admin.delete_webhook(pb::DeleteWebhookRequest { id: w.id }).await.unwrap();

    // A 4xx is final after one attempt.
    let gone = Receiver::start(None, |_, _| Reply::Status(410, vec![])).await;
    let w =
        admin.create_webhook(new_webhook(None, &gone.url("/gone"), &["service_created"])).await.unwrap().into_inner();
    publish(&server, "service_created", None, "{}").await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (ERROR, 410, 1));
    assert_eq!(gone.count(), 1);

    // A redirect is not followed: final error.
    let moved =
        Receiver::start(None, |_, _| Reply::Status(301, vec![("location", "http://127.0.0.1:1/".into())])).await;
    let w =
        admin.create_webhook(new_webhook(None, &moved.url("/moved"), &["project_created"])).await.unwrap().into_inner();
    publish(&server, "project_created", None, "{}").await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (ERROR, 301, 1));
    assert!(rows[0].error.contains("redirect"), "{}", rows[0].error);

    // Always 500: the schedule runs out after 1 + 3 attempts.
    let broken = Receiver::start(None, |_, _| Reply::Status(500, vec![])).await;
    let w = admin
        .create_webhook(new_webhook(None, &broken.url("/broken"), &["configuration_saved"]))
        .await
        .unwrap()
        .into_inner();
    publish(&server, "configuration_saved", None, "{}").await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (ERROR, 500, 4));
    assert_eq!(broken.count(), 4);

    // Retry-After (1 s) replaces the 100 ms scheduled delay.
    let busy = Receiver::start(None, |i, _| {
        if i == 0 {
            Reply::Status(429, vec![("retry-after", "1".into())])
        } else {
            Reply::Status(200, vec![])
        }
    })
    .await;
    let w = admin
        .create_webhook(new_webhook(None, &busy.url("/busy"), &["company_user_added"]))
        .await
        .unwrap()
        .into_inner();
    publish(&server, "company_user_added", None, "{}").await;
    let first = busy.expect().await;
    let second = busy.expect().await;
    let gap = second.at.duration_since(first.at);
    assert!(gap >= Duration::from_millis(900), "second attempt after {gap:?}, before Retry-After");
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].attempts), (SUCCESS, 2));
    server.stop().await;
}

#[tokio::test]
async fn the_ssrf_guard_refuses_private_targets_by_default() {
    let rx = Receiver::ok().await;
    let server = TestServer::start_guarded(&[]).await;
    let mut admin = server.admin().await;
    // Literal addresses are refused when written; names are judged on every connection.
    for target in [rx.url("/ip"), "http://169.254.169.254/latest/meta-data".into()] {
        let err = admin.create_webhook(new_webhook(None, &target, &["tag_created"])).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "target_url");
        assert!(err.message().contains("--allow-targets"), "{err:?}");
    }
    let by_name = admin
        .create_webhook(new_webhook(None, &format!("http://localhost:{}/name", rx.addr.port()), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    // A row written before the create-time check existed is still refused when sent.
    let legacy =
        admin.create_webhook(new_webhook(None, "http://legacy.example/", &["tag_created"])).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    db.execute(
        "UPDATE webhooks SET target_url = 'http://169.254.169.254/latest/meta-data' WHERE id = $1",
        &[&Uuid::parse_str(&legacy.id).unwrap()],
    )
    .await
    .unwrap();
    publish(&server, "tag_created", None, "{}").await;
    for (w, why) in [(&by_name, "loopback"), (&legacy, "link-local")] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].attempts), (ERROR, 1), "refused is final: {:?}", rows[0]);
        assert!(rows[0].error.contains("SSRF") && rows[0].error.contains(why), "{}", rows[0].error);
    }
    assert_eq!(rx.count(), 0, "nothing was sent");
    server.stop().await;
}

#[tokio::test]
async fn publish_validation_idempotency_and_scopes() {
    let server = TestServer::start_with(&["--max-payload-bytes", "1024"]).await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin
        .create_webhook(new_webhook(scope("acme", ""), &rx.url("/"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let token = server.token("publisher", "acme", "").await;
    let mut ingest = server.ingest_as(Some(&token)).await;
    let ok = || pb::PublishEventRequest {
        event_name: "tag_created".into(),
        scope: scope("acme", "web"),
        payload: r#"{"a":1}"#.into(),
        event_timestamp: 0,
        idempotency_key: String::new(),
    };
    type Mutate = Box<dyn Fn(&mut pb::PublishEventRequest)>;
    let cases: Vec<(Code, &str, Mutate)> = vec![
        (Code::InvalidArgument, "event_name", Box::new(|r| r.event_name = "nope".into())),
        (Code::InvalidArgument, "event_name", Box::new(|r| r.event_name = String::new())),
        (Code::InvalidArgument, "payload", Box::new(|r| r.payload = "[1]".into())),
        (Code::InvalidArgument, "payload", Box::new(|r| r.payload = "{oops".into())),
        (Code::InvalidArgument, "payload", Box::new(|r| r.payload = String::new())),
        (Code::ResourceExhausted, "payload", Box::new(|r| r.payload = format!(r#"{{"x":"{}"}}"#, "a".repeat(1100)))),
        (Code::InvalidArgument, "scope.project_id", Box::new(|r| r.scope = scope("", "web"))),
        (Code::InvalidArgument, "event_timestamp", Box::new(|r| r.event_timestamp = -5)),
    ];
    for (code, field, mutate) in &cases {
        let mut r = ok();
        mutate(&mut r);
        let err = ingest.publish_event(r).await.unwrap_err();
        assert_field_error(&err, *code, field);
    }
    let mut other = ok();
    other.scope = scope("globex", "");
    assert_eq!(ingest.publish_event(other).await.unwrap_err().code(), Code::PermissionDenied);
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let n: i64 = db.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "rejected events wrote nothing");

    // Idempotency: the same key in the same scope returns the first event and creates nothing.
    let mut keyed = ok();
    keyed.idempotency_key = "order-42".into();
    let first = ingest.publish_event(keyed.clone()).await.unwrap().into_inner();
    assert!(!first.duplicate);
    assert_eq!(first.deliveries, 1);
    let again = ingest.publish_event(keyed.clone()).await.unwrap().into_inner();
    assert_eq!((again.event_id.as_str(), again.deliveries, again.duplicate), (first.event_id.as_str(), 1, true));
    let mut elsewhere = keyed.clone();
    elsewhere.scope = scope("acme", "api");
    let third = ingest.publish_event(elsewhere).await.unwrap().into_inner();
    assert!(!third.duplicate);
    assert_ne!(third.event_id, first.event_id);
    let rows = wait_final(&db, &w.id, 2).await;
    assert_eq!(rows.len(), 2, "one delivery per distinct event");
    let n: i64 = db.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    server.stop().await;
}

#[tokio::test]
async fn streaming_ingest_answers_in_order_and_history_is_capped_at_200() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    let token = server.token("publisher", "", "").await;
    let mut ingest = server.ingest_as(Some(&token)).await;
    let reqs: Vec<pb::PublishEventRequest> = (0..230)
        .map(|i| pb::PublishEventRequest {
            event_name: "tag_created".into(),
            payload: format!(r#"{{"seq":{i}}}"#),
            idempotency_key: if i == 229 { "k-0".into() } else { format!("k-{i}") },
            ..Default::default()
        })
        .collect();
    let mut answers = ingest.publish_events(tokio_stream::iter(reqs)).await.unwrap().into_inner();
    let mut got = Vec::new();
    while let Some(a) = answers.message().await.unwrap() {
        got.push(a);
    }
    assert_eq!(got.len(), 230);
    assert!(got[..229].iter().all(|a| !a.duplicate && a.deliveries == 1));
    assert!(got[229].duplicate && got[229].event_id == got[0].event_id, "in-order answers; last one repeats key k-0");
    let db = sql(server.database_url.as_deref().unwrap()).await;
    // In order: event ids are time-ordered UUIDv7s and the payload sequence matches.
    for (i, a) in got[..229].iter().enumerate() {
        let id = Uuid::parse_str(&a.event_id).unwrap();
        let body: Vec<u8> = db.query_one("SELECT body FROM events WHERE id = $1", &[&id]).await.unwrap().get(0);
        assert!(String::from_utf8(body).unwrap().contains(&format!(r#"{{"seq":{i}}}"#)));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while rx.count() < 229 {
        assert!(tokio::time::Instant::now() < deadline, "only {} of 229 delivered", rx.count());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = wait_final(&db, &w.id, 200).await;
    assert_eq!(rows.len(), 200, "history keeps the 200 most recent completed deliveries");

    // An invalid event ends the stream after the valid ones before it are answered.
    let mut bad =
        vec![
            pb::PublishEventRequest { event_name: "tag_created".into(), payload: "{}".into(), ..Default::default() };
            3
        ];
    bad[1].payload = "[]".into();
    let mut answers = ingest.publish_events(tokio_stream::iter(bad)).await.unwrap().into_inner();
    assert!(answers.message().await.unwrap().is_some());
    let err = answers.message().await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "payload");
    server.stop().await;
}

#[tokio::test]
async fn a_claim_left_by_a_killed_server_is_delivered_after_its_lease() {
    let db_url = crate::common::fresh_database().await;
    let rx = Receiver::start(None, |i, _| if i == 0 { Reply::Hang } else { Reply::Status(200, vec![]) }).await;
    let tmp = tempfile::tempdir().unwrap();
    // Server A: a separate process that claims the delivery, sends it, and is killed mid-send.
    let mut a = crate::common::spawn_server_process(&db_url, tmp.path(), &["--lease", "2s"]);
    let db = sql(&db_url).await;
    // Create the webhook and the event straight in the database A serves.
    let storage = webhookd::storage::Storage::connect(db_url.parse().unwrap(), 2).await.unwrap();
    let hook = storage
        .create_webhook(
            &webhookd::storage::webhooks::NewWebhook {
                scope: Default::default(),
                target_url: rx.url("/crash"),
                secret: webhookd::secret::Secret::new("crash-secret"),
                events: vec!["tag_created".into()],
                ca_certificate: None,
                proxy_url: None,
            },
            &webhookd::storage::webhooks::WebhookQuota::UNLIMITED,
        )
        .await
        .unwrap();
    let body = webhookd::body::delivery_body("tag_created", 1, "{}").unwrap();
    storage
        .publish(&[webhookd::storage::events::NewEvent {
            name: "tag_created".into(),
            scope: Default::default(),
            timestamp_ms: 1,
            idempotency_key: None,
            body,
        }])
        .await
        .unwrap();
    let first = rx.expect().await;
    a.kill().unwrap();
    a.wait().unwrap();
    let claimed: Option<Uuid> = db.query_one("SELECT claim_token FROM deliveries", &[]).await.unwrap().get(0);
    assert!(claimed.is_some(), "the dead server's claim is left behind");

    // Server B picks it up once the lease has run out.
    let b = TestServer::start_opts(crate::common::ServerOptions {
        database_url: Some(db_url.clone()),
        data_dir: None,
        args: vec!["--allow-targets".into(), "127.0.0.1/32".into(), "--poll-interval".into(), "200ms".into()],
    })
    .await;
    let second = rx.expect().await;
    assert_eq!(second.header("webhook-id"), first.header("webhook-id"), "the same delivery");
    assert_eq!(second.body, first.body);
    assert!(second.at.duration_since(first.at) >= Duration::from_millis(1500), "not before the lease ran out");
    let rows = wait_final(&db, &hook.id.to_string(), 1).await;
    assert_eq!((rows[0].status, rows[0].attempts), (SUCCESS, 2));
    b.stop().await;
}

#[tokio::test]
async fn old_events_without_deliveries_are_purged_after_their_retention() {
    let url = crate::common::fresh_database().await;
    let storage = webhookd::storage::Storage::connect(url.parse().unwrap(), 2).await.unwrap();
    let db = sql(&url).await;
    let hook = storage
        .create_webhook(
            &webhookd::storage::webhooks::NewWebhook {
                scope: Default::default(),
                target_url: "https://example.com/".into(),
                secret: webhookd::secret::Secret::new("a-secret-value"),
                events: vec!["tag_created".into()],
                ca_certificate: None,
                proxy_url: None,
            },
            &webhookd::storage::webhooks::WebhookQuota::UNLIMITED,
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (age_hours, with_delivery) in [(25, false), (25, true), (1, false)] {
        let id = Uuid::now_v7();
        db.execute(
            "INSERT INTO events (id, event_name, event_timestamp, idempotency_key, body, create_time)
             VALUES ($1, 'tag_created', 1, $2, '{}', now() - $3 * interval '1 hour')",
            &[&id, &id.to_string(), &f64::from(age_hours)],
        )
        .await
        .unwrap();
        if with_delivery {
            db.execute(
                "INSERT INTO deliveries (id, webhook_id, event_id, event_type, status) VALUES ($1, $2, $3, 'tag_created', 2)",
                &[&Uuid::new_v4(), &hook.id, &id],
            )
            .await
            .unwrap();
        }
        ids.push(id);
    }
    assert_eq!(storage.purge_events(100).await.unwrap(), 1);
    let left: Vec<Uuid> =
        db.query("SELECT id FROM events ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(left, vec![ids[1], ids[2]], "kept: still delivered, and still within its idempotency window");
}

#[tokio::test]
async fn shutdown_lets_sends_finish_within_the_grace_period_and_releases_the_rest() {
    let server = TestServer::start_with(&["--shutdown-grace", "1500ms"]).await;
    let slow = Receiver::start(None, |_, _| Reply::After(Duration::from_millis(300), 200)).await;
    let stuck = Receiver::start(None, |_, _| Reply::Hang).await;
    let mut admin = server.admin().await;
    let finishing =
        admin.create_webhook(new_webhook(None, &slow.url("/slow"), &["tag_created"])).await.unwrap().into_inner();
    let hanging =
        admin.create_webhook(new_webhook(None, &stuck.url("/stuck"), &["tag_created"])).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    publish(&server, "tag_created", None, "{}").await;
    // Both sends are in flight when the server is told to stop.
    slow.expect().await;
    stuck.expect().await;
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(10), "shutdown took {:?}", started.elapsed());

    let row = |id: &str| {
        let id = Uuid::parse_str(id).unwrap();
        let db = &db;
        async move {
            db.query_one(
                "SELECT status, attempts, claim_token, next_attempt_time <= now() AS due FROM deliveries WHERE webhook_id = $1",
                &[&id],
            )
            .await
            .unwrap()
        }
    };
    let done = row(&finishing.id).await;
    assert_eq!(
        (done.get::<_, i16>("status"), done.get::<_, i32>("attempts")),
        (SUCCESS, 1),
        "finished within the grace period"
    );
    let released = row(&hanging.id).await;
    assert_eq!(released.get::<_, i16>("status"), 1, "still pending");
    assert_eq!(released.get::<_, i32>("attempts"), 0, "the abandoned attempt is not counted");
    assert_eq!(released.get::<_, Option<Uuid>>("claim_token"), None, "the claim was released");
    assert!(released.get::<_, bool>("due"), "due again at once, not after the lease");
}

#[tokio::test]
async fn two_replicas_share_the_queue_and_send_each_delivery_once() {
    let a = TestServer::start().await;
    let db_url = a.database_url.clone().unwrap();
    let b = TestServer::start_opts(crate::common::ServerOptions {
        database_url: Some(db_url.clone()),
        data_dir: None,
        args: vec!["--allow-targets".into(), "127.0.0.1/32".into()],
    })
    .await;
    let rx = Receiver::ok().await;
    let w =
        a.admin().await.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    a.publish_many("tag_created", 600).await;
    let mut ids = std::collections::HashSet::new();
    for _ in 0..600 {
        let req = rx.expect().await;
        assert!(ids.insert(req.header("webhook-id").unwrap().to_string()), "a delivery was sent twice");
    }
    let db = sql(&db_url).await;
    let rows = wait_final(&db, &w.id, 200).await;
    assert!(rows.iter().all(|r| r.attempts == 1 && r.status == SUCCESS));
    assert!(rx.next(Duration::from_millis(500)).await.is_none(), "no extra sends");
    assert_eq!(rx.count(), 600);
    b.stop().await;
    a.stop().await;
}
