//! The Rust client's own behaviour against a real server: deadlines, retries that never
//! store an event twice, and watches that survive a restart.

use std::time::Duration;

use tonic::Code;
use webhookd_client::{pb, Client, ConnectOptions, RetryPolicy, WatchEvent};

use crate::common::receiver::Receiver;
use crate::common::relay::CutRelay;
use crate::common::Role;
use crate::common::{eventually, new_webhook, sql, TestServer};

fn event(name: &str, i: u32) -> pb::PublishEventRequest {
    pb::PublishEventRequest { event_name: name.into(), payload: format!(r#"{{"i":{i}}}"#), ..Default::default() }
}

async fn events_stored(server: &TestServer) -> i64 {
    let db = sql(server.database_url.as_ref().unwrap()).await;
    db.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_publish_whose_answer_was_lost_is_retried_and_stored_once() {
    let server = TestServer::start().await;
    let publisher = server.token(Role::Publisher, "", "").await;
    let relay = CutRelay::start(server.addr).await;
    let client = Client::connect(format!("http://{}", relay.addr), &publisher).await.unwrap();
    relay.arm();
    let sent = client.publish_event(event("tag_created", 1)).await.expect("retried after the lost answer");
    assert_eq!(relay.cuts(), 1, "the first answer was lost");
    assert!(sent.duplicate, "the retry found the event the first attempt stored");
    assert_eq!(events_stored(&server).await, 1);

    // Without the generated key the same loss stores the event twice: the key is what helps.
    relay.arm();
    let mut raw = client.ingest();
    let lost = raw.publish_event(event("tag_created", 2)).await.unwrap_err();
    assert!(webhookd_client::is_retryable(&lost), "a lost answer is retryable: {lost:?}");
    raw.publish_event(event("tag_created", 2)).await.unwrap();
    assert_eq!(events_stored(&server).await, 3);
    server.stop().await;
}

#[tokio::test]
async fn a_publish_made_while_the_server_is_down_succeeds_once_it_is_back() {
    let mut server = TestServer::start().await;
    let publisher = server.token(Role::Publisher, "", "").await;
    let client = Client::connect_lazy(&server.addr.to_string(), &publisher, &ConnectOptions::default()).unwrap();
    client.publish_event(event("tag_created", 0)).await.unwrap();
    server.go_down().await;
    let publishing = tokio::spawn({
        let client = client.clone();
        async move { client.publish_event(event("tag_created", 1)).await }
    });
    // The first attempts are refused while the server is down.
    let down = Client::connect_lazy(
        &server.addr.to_string(),
        &server.admin_token,
        &ConnectOptions { retry: RetryPolicy::none(), ..Default::default() },
    )
    .unwrap();
    assert_eq!(down.list_event_types().await.unwrap_err().code(), Code::Unavailable);
    // A publish that fails for good says which idempotency key it went with.
    let failed = down.publish_event(event("tag_created", 2)).await.unwrap_err();
    assert_eq!(failed.code(), webhookd_client::Code::Unavailable, "the crate's own re-export of tonic's Code");
    let key = webhookd_client::idempotency_key(&failed).expect("the key on the error");
    assert_eq!(uuid::Uuid::parse_str(&key).unwrap().get_version_num(), 4);
    server.come_back().await;
    let sent = publishing.await.unwrap().expect("the publish waited for the server");
    assert!(!sent.duplicate);
    assert_eq!(events_stored(&server).await, 2);
    server.stop().await;
}

#[tokio::test]
async fn a_call_past_its_deadline_is_deadline_exceeded() {
    // A listener that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let _accepting = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let options = ConnectOptions { timeout: Duration::from_millis(300), ..Default::default() };
    let client = Client::connect_lazy(&addr.to_string(), "whk_x", &options).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(client.list_event_types().await.unwrap_err().code(), Code::DeadlineExceeded);
    assert_eq!(client.publish_event(event("tag_created", 1)).await.unwrap_err().code(), Code::DeadlineExceeded);
    // Raw stubs too: the client keeps the request's deadline, whether or not a server answers.
    let raw = tokio::time::timeout(
        Duration::from_secs(10),
        client.admin().list_event_types(client.request(pb::ListEventTypesRequest {})),
    )
    .await
    .expect("the raw call ends at its deadline");
    let raw = raw.unwrap_err();
    assert_eq!(raw.code(), Code::DeadlineExceeded, "{raw:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // On a live server the deadline travels with the call: a watch given one ends with it.
    let server = TestServer::start().await;
    let client = Client::connect(format!("http://{}", server.addr), &server.admin_token).await.unwrap();
    let mut request = tonic::Request::new(pb::WatchDeliveriesRequest::default());
    request.set_timeout(Duration::from_millis(300));
    let mut watch = client.admin().watch_deliveries(request).await.unwrap().into_inner();
    let ended = tokio::time::timeout(Duration::from_secs(20), watch.message())
        .await
        .expect("the server ends the watch at its deadline")
        .unwrap_err();
    assert_eq!(ended.code(), Code::DeadlineExceeded, "{ended:?}");
    server.stop().await;
}

/// Publishes until `watch` reports one of the events published (one published before the
/// watch opened is never reported), and returns that event's id.
async fn publish_until_seen(publisher: &Client, watch: &mut webhookd_client::Watch) -> String {
    let mut published = Vec::new();
    for i in 0..150 {
        published.push(publisher.publish_event(event("tag_created", 100 + i)).await.unwrap().event_id);
        let wait = tokio::time::timeout(Duration::from_millis(200), watch.next());
        if let Ok(got) = wait.await {
            match got.unwrap() {
                WatchEvent::Delivery(d) if published.contains(&d.event_id) => return d.event_id,
                other => panic!("expected one of the published deliveries, got {other:?}"),
            }
        }
    }
    panic!("the watch reported none of {} deliveries", published.len());
}

#[tokio::test]
async fn a_watch_misses_nothing_delivered_while_its_server_was_down() {
    // Server A serves the API only; process B delivers, also while A is down.
    let mut a = TestServer::start_with(&["--no-delivery"]).await;
    let db_url = a.database_url.clone().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let b = crate::common::ServerProcess::serving(&db_url, tmp.path(), &["--poll-interval", "100ms"]).await;
    let rx = Receiver::ok().await;
    let admin = Client::connect(format!("http://{}", a.addr), &a.admin_token).await.unwrap();
    let publisher = Client::with_channel(b.channel(), Some(&a.token(Role::Publisher, "", "").await)).unwrap();
    let hook =
        admin.admin().create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap().into_inner();
    let mut watch = admin.watch_deliveries(pb::WatchDeliveriesRequest {
        target: Some(pb::watch_deliveries_request::Target::WebhookId(hook.id.clone())),
        status: pb::DeliveryStatus::Success as i32,
        ..Default::default()
    });
    let first = publish_until_seen(&publisher, &mut watch).await;
    let db = crate::common::sql(&db_url).await;
    let hook_id: uuid::Uuid = hook.id.parse().unwrap();
    let delivered = || async {
        let n: i64 = db
            .query_one("SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 2", &[&hook_id])
            .await
            .unwrap()
            .get(0);
        n
    };
    // What the watch yields before A goes down.
    let mut seen = std::collections::HashSet::from([first]);
    let last = publisher.publish_event(event("tag_created", 400)).await.unwrap();
    loop {
        match next_delivery(&mut watch).await.unwrap() {
            WatchEvent::Delivery(d) => {
                assert!(seen.insert(d.event_id.clone()), "seen twice: {d:?}");
                if d.event_id == last.event_id {
                    break;
                }
            }
            other => panic!("{other:?}"),
        }
    }
    let before = delivered().await;
    a.go_down().await;
    let mut missed = std::collections::HashSet::new();
    for i in 0..5 {
        missed.insert(publisher.publish_event(event("tag_created", 500 + i)).await.unwrap().event_id);
    }
    eventually(Duration::from_secs(30), "B delivered the five", || async {
        (delivered().await >= before + 5).then_some(())
    })
    .await;
    a.come_back().await;
    match next_delivery(&mut watch).await.unwrap() {
        WatchEvent::Resumed { complete, .. } => assert!(complete, "nothing missed"),
        other => panic!("expected the watch to say it resumed, got {other:?}"),
    }
    // The five delivered while A was down, each once, and nothing the watch yielded before
    // (it may yield changes from just before it first opened, which it never yielded); then
    // the next one, live.
    let mut replayed = std::collections::HashSet::new();
    while replayed.len() < 5 {
        match next_delivery(&mut watch).await.unwrap() {
            WatchEvent::Delivery(d) => {
                assert!(!seen.contains(&d.event_id), "yielded again: {d:?}");
                if missed.contains(&d.event_id) {
                    assert!(replayed.insert(d.event_id.clone()), "once: {d:?}");
                }
            }
            other => panic!("{other:?}"),
        }
    }
    let sentinel = publisher.publish_event(event("tag_created", 900)).await.unwrap();
    match next_delivery(&mut watch).await.unwrap() {
        WatchEvent::Delivery(d) => assert_eq!(d.event_id, sentinel.event_id, "{d:?}"),
        other => panic!("{other:?}"),
    }
    drop(b);
    a.stop().await;
}

/// The watch's next event, within 30 s.
async fn next_delivery(watch: &mut webhookd_client::Watch) -> Result<WatchEvent, tonic::Status> {
    tokio::time::timeout(Duration::from_secs(30), watch.next()).await.expect("a watch event within 30 s")
}

#[tokio::test]
async fn a_watch_resumes_after_a_restart_and_says_so() {
    let mut server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let admin = Client::connect(format!("http://{}", server.addr), &server.admin_token).await.unwrap();
    let publisher =
        Client::connect(format!("http://{}", server.addr), &server.token(Role::Publisher, "", "").await).await.unwrap();
    let hook =
        admin.admin().create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap().into_inner();
    let mut watch = admin.watch_deliveries(pb::WatchDeliveriesRequest {
        target: Some(pb::watch_deliveries_request::Target::WebhookId(hook.id.clone())),
        status: pb::DeliveryStatus::Success as i32,
        ..Default::default()
    });
    publish_until_seen(&publisher, &mut watch).await;
    server.go_down().await;
    server.come_back().await;
    match next_delivery(&mut watch).await.unwrap() {
        WatchEvent::Resumed { after, complete } => {
            assert_eq!(after.code(), Code::Unavailable, "{after:?}");
            assert!(complete, "resumed from the last change seen");
        }
        other => panic!("expected the watch to say it resumed, got {other:?}"),
    }
    // What was delivered before the restart and not yet seen is replayed, each once, then
    // the next delivery comes live.
    let second = publisher.publish_event(event("tag_created", 2)).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    loop {
        match next_delivery(&mut watch).await.unwrap() {
            WatchEvent::Delivery(d) if d.event_id == second.event_id => break,
            WatchEvent::Delivery(d) => assert!(seen.insert(d.id.clone()), "seen twice: {d:?}"),
            other => panic!("expected the second delivery, got {other:?}"),
        }
    }

    // Opting out: the same break ends the watch with its error.
    let mut once = admin
        .watch_deliveries(pb::WatchDeliveriesRequest {
            target: Some(pb::watch_deliveries_request::Target::WebhookId(hook.id.clone())),
            ..Default::default()
        })
        .without_resume();
    publish_until_seen(&publisher, &mut once).await;
    server.go_down().await;
    let ended = loop {
        match next_delivery(&mut once).await {
            Ok(WatchEvent::Delivery(_)) => continue,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
}

#[tokio::test]
async fn reads_and_keyed_publishes_ride_out_three_restarts_and_a_kill() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let db = crate::common::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--lease", "3s", "--shutdown-grace", "2s"];
    let mut server = crate::common::ServerProcess::serving(&db, tmp.path(), &args).await;
    let addr = server.addr;
    let rx = Receiver::ok().await;
    let options = ConnectOptions { timeout: Duration::from_secs(60), ..Default::default() };
    let admin = Client::connect_lazy(&format!("http://{addr}"), &server.admin_token(), &options).unwrap();
    let w = admin.admin().create_webhook(new_webhook(None, &rx.url("/r"), &["tag_created"])).await.unwrap();
    let w = w.into_inner();
    let publisher = crate::common::support::mint_token(&db, Role::Publisher, &Default::default()).await;
    let client = Client::connect_lazy(&format!("http://{addr}"), &publisher, &options).unwrap();
    let reader = admin.clone();

    // Eight loops, each a keyed publish then a read, as fast as they go.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let mut loops = Vec::new();
    for l in 0..8u32 {
        let (client, reader, stop, acked, failed) =
            (client.clone(), reader.clone(), stop.clone(), acked.clone(), failed.clone());
        let id = w.id.clone();
        loops.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                match client.publish_event(event("tag_created", l * 1_000_000 + i)).await {
                    Ok(r) => acked.lock().unwrap().push(r.event_id),
                    Err(e) => failed.lock().unwrap().push(format!("publish: {e:?}")),
                }
                if let Err(e) = reader.get_webhook(&id).await {
                    failed.lock().unwrap().push(format!("read: {e:?}"));
                }
                i += 1;
            }
        }));
    }
    let settle = || tokio::time::sleep(Duration::from_millis(700));
    for _ in 0..3 {
        settle().await;
        drop(server); // SIGTERM: a graceful shutdown, waited for
        server =
            crate::common::ServerProcess::wait(crate::common::ServerProcess::start_at(addr, &db, tmp.path(), &args))
                .await;
    }
    settle().await;
    server.kill();
    server =
        crate::common::ServerProcess::wait(crate::common::ServerProcess::start_at(addr, &db, tmp.path(), &args)).await;
    settle().await;
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        l.await.unwrap();
    }
    let failed = failed.lock().unwrap().clone();
    let acked = acked.lock().unwrap().clone();
    assert!(
        failed.is_empty(),
        "{} of {} calls failed: {:?}",
        failed.len(),
        acked.len() * 2,
        &failed[..failed.len().min(5)]
    );
    // Each acknowledged publish is one event, and is delivered.
    let mut distinct = acked.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), acked.len(), "each publish is its own event");
    let sqlc = sql(&db).await;
    let stored: i64 = sqlc.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(stored as usize, acked.len(), "no event stored twice, none acknowledged and lost");
    // Every event reaches the receiver (at least once: a delivery in flight at the kill may
    // go twice); each publish's payload names it.
    let mut seen = std::collections::HashSet::new();
    let mut received = 0;
    while seen.len() < acked.len() {
        let got = rx.next(Duration::from_secs(30)).await;
        let got = got.unwrap_or_else(|| panic!("delivered {} of {} events", seen.len(), acked.len()));
        let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        seen.insert(body["payload"]["i"].as_u64().unwrap());
        received += 1;
    }
    eprintln!(
        "{} publishes and as many reads through 3 restarts and a kill; {} deliveries for them ({} again)",
        acked.len(),
        received,
        received - acked.len()
    );
    drop(server);
}

/// Each way a client's TLS set-up can be wrong fails at once (not retried until the deadline)
/// and says what to change, whether the client connected eagerly or on its first call.
#[tokio::test]
async fn tls_failures_say_what_failed_and_are_not_retried() {
    let pki = crate::listener::Pki::new();
    let tls = crate::listener::tls_server(&pki, &[]).await;
    let ca = pki.path("ca.pem").display().to_string();
    let mutual = crate::listener::tls_server(&pki, &["--tls-client-ca", &ca]).await;
    let plain = TestServer::start().await;
    let token = plain.token(Role::Admin, "", "").await;
    // Retried, a failing call would run into this deadline and say DEADLINE_EXCEEDED.
    let options = |ca: Option<&str>| ConnectOptions {
        ca_certificate: ca.map(String::from),
        timeout: Duration::from_secs(20),
        ..ConnectOptions::default()
    };
    let (port, ca) = (tls.addr.port(), Some(pki.ca_pem.as_str()));
    let cases = [
        ("unknown issuer", format!("https://localhost:{port}"), None, Code::Unavailable),
        ("does not name the host", format!("https://127.0.0.1:{port}"), ca, Code::Unavailable),
        ("address it as http://", format!("https://{}", plain.addr), ca, Code::Unavailable),
        ("requires a client certificate", format!("https://localhost:{}", mutual.addr.port()), ca, Code::Unavailable),
        ("address the server as https://", format!("http://localhost:{port}"), None, Code::FailedPrecondition),
    ];
    for (says, address, ca, code) in cases {
        if code == Code::Unavailable && !says.contains("client certificate") {
            // Refused during the handshake: an eager connect fails, saying why.
            let err = Client::connect_with(address.clone(), &token, &options(ca)).await.err().expect(says);
            assert!(err.to_string().contains(says), "{address}: {err}");
        }
        let client = Client::connect_lazy(&address, &token, &options(ca)).unwrap();
        let err = client.list_event_types().await.unwrap_err();
        assert_eq!(err.code(), code, "{address}: {err:?}");
        assert!(err.message().contains(says), "{address}: {err:?}");
        let raw = client.admin().list_event_types(pb::ListEventTypesRequest::default()).await.unwrap_err();
        assert!(!webhookd_client::is_retryable(&raw), "{address}: {raw:?}");
    }
    // The same CA and name work: what failed above was the set-up, not the servers.
    let token = tls.token(Role::Admin, "", "").await;
    let fine = Client::connect_with(format!("https://localhost:{port}"), &token, &options(ca)).await.unwrap();
    fine.list_event_types().await.unwrap();
    for s in [tls, mutual, plain] {
        s.stop().await;
    }
}

/// The audit log records which client made a change: the helpers' and the raw stubs' calls
/// carry the client's name and version first in their user agent; a long one is cut.
#[tokio::test]
async fn the_audit_log_names_the_client_and_its_version() {
    let server = TestServer::start().await;
    let client = Client::connect(format!("http://{}", server.addr), &server.admin_token).await.unwrap();
    let webhook = |company: &str| pb::CreateWebhookRequest {
        target_url: "https://example.com/ua".into(),
        secret: "rust-secret-value-1".into(),
        events: vec!["tag_created".into()],
        scope: Some(pb::Scope { company_id: company.into(), project_id: String::new() }),
        ..Default::default()
    };
    let made = client.admin().create_webhook(client.request(webhook("ua-rust"))).await.unwrap().into_inner();
    let audit = |company: &str, id: &str| pb::ListAuditEventsRequest {
        scope: Some(pb::Scope { company_id: company.into(), project_id: String::new() }),
        resource_id: id.into(),
        ..Default::default()
    };
    let [event] = client.list_audit_events(audit("ua-rust", &made.id)).await.unwrap().try_into().unwrap();
    assert!(event.user_agent.starts_with(&format!("{} ", webhookd_client::USER_AGENT)), "{:?}", event.user_agent);

    let long = "x".repeat(1000);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .user_agent(long.as_str())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let other = Client::with_channel(channel, Some(&server.admin_token)).unwrap();
    let made = other.admin().create_webhook(other.request(webhook("ua-long"))).await.unwrap().into_inner();
    let [event] = client.list_audit_events(audit("ua-long", &made.id)).await.unwrap().try_into().unwrap();
    assert_eq!(event.user_agent, long[..256], "cut to 256 characters");
    server.stop().await;
}
