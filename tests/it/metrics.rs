//! Prometheus metrics: scraped from a server process and read with a Prometheus text parser.

use std::time::Duration;

use prometheus_parse::{Sample, Scrape, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::Role;
use crate::common::{eventually, new_webhook, ServerProcess};

/// The metrics page, parsed.
async fn scrape(addr: std::net::SocketAddr) -> Scrape {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut raw = String::new();
    tcp.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.") && head.contains(" 200 "), "{head}");
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text format")
}

/// A plain HTTP/1.1 GET on the server's port (as a browser, or a scanner, sends).
async fn page_get(addr: std::net::SocketAddr, path: &str) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.unwrap();
    assert!(raw.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&raw));
}

fn find<'a>(scrape: &'a Scrape, name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    scrape.samples.iter().find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
}

fn number(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    match find(scrape, name, labels).map(|s| &s.value) {
        Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
        _ => 0.0,
    }
}

#[tokio::test]
async fn metrics_count_ingest_deliveries_and_calls_with_bounded_labels() {
    let db = crate::common::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let metrics_addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let server = ServerProcess::serving(&db, tmp.path(), &["--metrics-listen", &metrics_addr.to_string()]).await;
    let admin = webhookd_client::Client::with_channel(server.channel(), Some(&server.admin_token())).unwrap();
    let rx = Receiver::ok().await;
    admin.admin().create_webhook(new_webhook(None, &rx.url("/m"), &["tag_created"])).await.unwrap();
    let refused = admin.admin().create_webhook(new_webhook(None, "ftp://x", &["tag_created"])).await;
    assert_eq!(refused.unwrap_err().code(), tonic::Code::InvalidArgument);
    let token = crate::common::support::mint_token(&db, Role::Publisher, &Default::default()).await;
    let publisher = webhookd_client::Client::with_channel(server.channel(), Some(&token)).unwrap();
    let event = |i: usize| pb::PublishEventRequest {
        event_name: "tag_created".into(),
        payload: format!(r#"{{"i":{i}}}"#),
        ..Default::default()
    };
    for i in 0..3 {
        publisher.publish_event(event(i)).await.unwrap();
    }
    let mut acks = publisher.ingest().publish_events(tokio_stream::iter((3..5).map(event))).await.unwrap().into_inner();
    while acks.message().await.unwrap().is_some() {}
    // An unknown method is counted without its name.
    let mut unknown = tonic::client::Grpc::new(server.channel());
    unknown.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static("/webhookd.v1.WebhookAdmin/NoSuchMethod");
    let codec = tonic_prost::ProstCodec::<pb::ListEventTypesRequest, pb::ListEventTypesResponse>::default();
    let err = unknown.unary(tonic::Request::new(pb::ListEventTypesRequest {}), path, codec).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented);
    // Requests for the page, under paths of the requester's choosing, are counted apart and
    // add no series: 100 paths are one `other` route.
    for i in 0..100 {
        page_get(server.addr, &format!("/probe-{i}/x")).await;
    }
    page_get(server.addr, "/").await;

    // Deliveries are counted when their attempt ends: scrape until all five are.
    eventually(Duration::from_secs(30), "five deliveries counted, and the queue depth", || async {
        let page = scrape(metrics_addr).await;
        let done = number(&page, "webhookd_deliveries_completed_total", &[("outcome", "success")]);
        (done >= 5.0 && find(&page, "webhookd_queue_depth", &[]).is_some()).then_some(())
    })
    .await;
    // A page renders its series one after another while deliveries are counted, so the one
    // that showed the last completion may show an earlier count of another series: read the
    // figures from a page rendered after every count was made.
    let page = scrape(metrics_addr).await;
    assert_eq!(rx.count(), 5);
    assert_eq!(number(&page, "webhookd_events_ingested_total", &[("rpc", "PublishEvent")]), 3.0);
    assert_eq!(number(&page, "webhookd_events_ingested_total", &[("rpc", "PublishEvents")]), 2.0);
    assert_eq!(number(&page, "webhookd_deliveries_completed_total", &[("outcome", "success")]), 5.0);
    assert_eq!(number(&page, "webhookd_delivery_attempts_total", &[("result", "success")]), 5.0);
    for histogram in ["webhookd_delivery_send_seconds", "webhookd_delivery_due_to_sent_seconds"] {
        let count = page.samples.iter().find(|s| s.metric == histogram).map(|s| match &s.value {
            Value::Histogram(buckets) => buckets.last().map(|b| b.count).unwrap_or_default(),
            other => panic!("{histogram} is not a histogram: {other:?}"),
        });
        assert_eq!(count, Some(5.0), "{histogram}");
    }
    let create = "/webhookd.v1.WebhookAdmin/CreateWebhook";
    assert_eq!(number(&page, "webhookd_grpc_requests_total", &[("method", create), ("code", "Ok")]), 1.0);
    assert_eq!(number(&page, "webhookd_grpc_requests_total", &[("method", create), ("code", "InvalidArgument")]), 1.0);
    let publish = "/webhookd.v1.EventIngest/PublishEvent";
    assert_eq!(number(&page, "webhookd_grpc_requests_total", &[("method", publish), ("code", "Ok")]), 3.0);
    assert_eq!(number(&page, "webhookd_grpc_requests_total", &[("method", "unknown"), ("code", "Unimplemented")]), 1.0);
    assert!(
        !page.samples.iter().any(|s| s.labels.get("method").is_some_and(|m| m.contains("NoSuchMethod"))),
        "a method the server does not serve is not a label value"
    );
    assert_eq!(number(&page, "webhookd_page_requests_total", &[("route", "other")]), 100.0);
    assert_eq!(number(&page, "webhookd_page_requests_total", &[("route", "/index.html")]), 1.0);
    assert!(
        !page.samples.iter().any(|s| s.labels.iter().any(|(_, v)| v.contains("probe-"))),
        "a requested path is never a label value"
    );
    let pool = |state| number(&page, "webhookd_db_pool_connections", &[("state", state)]);
    assert!(find(&page, "webhookd_db_pool_connections", &[("state", "idle")]).is_some());
    assert!(find(&page, "webhookd_db_pool_connections", &[("state", "in_use")]).is_some());
    assert!(pool("idle") + pool("in_use") >= 1.0, "the pool holds at least the connection that sampled it");
    assert!(find(&page, "webhookd_queue_oldest_due_age_seconds", &[]).is_some());
    for state in ["active", "paused", "disabled"] {
        assert!(find(&page, "webhookd_webhooks", &[("state", state)]).is_some(), "webhooks {state}");
    }
    assert_eq!(number(&page, "webhookd_circuit_breakers_open", &[]), 0.0);
    assert!(find(&page, "webhookd_circuit_breaker_opens_total", &[]).is_some());
    assert_eq!(number(&page, "webhookd_circuit_breaker_opens_total", &[]), 0.0);
    // No label names a webhook or a tenant.
    for s in &page.samples {
        for (k, _) in s.labels.iter() {
            assert!(
                ["rpc", "result", "outcome", "state", "method", "code", "route", "le", "quantile"]
                    .contains(&k.as_str()),
                "{k}"
            );
        }
    }
}

#[tokio::test]
async fn calls_the_client_gives_up_are_counted_as_cancelled_never_as_internal() {
    let db = crate::common::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let metrics_addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let server = ServerProcess::serving(&db, tmp.path(), &["--metrics-listen", &metrics_addr.to_string()]).await;
    let token = crate::common::support::mint_token(&db, Role::Publisher, &Default::default()).await;
    let event =
        pb::PublishEventRequest { event_name: "tag_created".into(), payload: "{}".into(), ..Default::default() };
    // Each stream publishes one event, then its caller goes: by cancelling the call (its
    // connection stays), or by closing the connection under it.
    for close_connection in [false, true, false, true] {
        let channel = server.channel();
        let publisher = webhookd_client::Client::with_channel(channel.clone(), Some(&token)).unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.send(event.clone()).await.unwrap();
        let mut acks = publisher
            .ingest()
            .publish_events(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner();
        acks.message().await.unwrap().expect("an acknowledgement");
        drop(acks);
        if close_connection {
            drop(publisher);
            drop(channel);
        }
        drop(tx);
    }
    // Unary calls given up while their request is half sent: reset (CANCEL), or the
    // connection closed under them.
    let unary = "/webhookd.v1.EventIngest/PublishEvent";
    for close_connection in [false, true, false, true] {
        let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let (send, mut conn) = h2::client::handshake(tcp).await.unwrap();
        let mut ping = conn.ping_pong().expect("a ping handle");
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        let req = http::Request::post(format!("http://localhost{unary}"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap();
        let (response, mut body) = send.ready().await.unwrap().send_request(req, false).unwrap();
        // A message announced as 100 bytes, of which 2 are sent.
        body.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 100, 0x0a, 0]), false).unwrap();
        // The server has read the call's frames once it answers a ping sent after them.
        ping.ping(h2::Ping::opaque()).await.unwrap();
        if close_connection {
            driver.abort();
            let _ = driver.await;
        } else {
            body.send_reset(h2::Reason::CANCEL);
            let _ = response.await;
        }
    }
    let stream = "/webhookd.v1.EventIngest/PublishEvents";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let page = scrape(metrics_addr).await;
        let counted: f64 = page
            .samples
            .iter()
            .filter(|s| s.metric == "webhookd_grpc_requests_total" && s.labels.get("method") == Some(stream))
            .map(|s| match s.value {
                Value::Counter(v) | Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum();
        if counted >= 4.0 {
            let codes: Vec<String> = page
                .samples
                .iter()
                .filter(|s| s.metric == "webhookd_grpc_requests_total" && s.labels.get("method") == Some(stream))
                .map(|s| format!("{}={:?}", s.labels.get("code").unwrap_or_default(), s.value))
                .collect();
            assert_eq!(
                number(&page, "webhookd_grpc_requests_total", &[("method", stream), ("code", "Cancelled")]),
                4.0,
                "{codes:?}"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "streams counted: {counted}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        let page = scrape(metrics_addr).await;
        let codes: Vec<(String, f64)> = page
            .samples
            .iter()
            .filter(|s| s.metric == "webhookd_grpc_requests_total" && s.labels.get("method") == Some(unary))
            .map(|s| {
                let v = match s.value {
                    Value::Counter(v) | Value::Untyped(v) => v,
                    _ => 0.0,
                };
                (s.labels.get("code").unwrap_or_default().to_string(), v)
            })
            .collect();
        if codes.iter().map(|c| c.1).sum::<f64>() >= 4.0 {
            assert_eq!(codes, vec![("Cancelled".to_string(), 4.0)]);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "unary calls counted: {codes:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
