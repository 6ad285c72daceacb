//! The listener's edge: stream and connection limits, handshake and idle timeouts, TLS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest};

use webhookd_client::pb;

use crate::common::Role;
use crate::common::TestServer;

/// A raw HTTP/2 connection: its request handle and the task driving it (which ends
/// when the server closes the connection).
async fn h2_connect(addr: std::net::SocketAddr) -> (h2::client::SendRequest<Bytes>, JoinHandle<()>) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (send, conn) = h2::client::handshake(tcp).await.unwrap();
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    (send, driver)
}

/// Starts a gRPC call of `path` with an empty request message; returns its response
/// future and the request stream (ended when `end`).
/// Fails when the server refused the connection.
async fn grpc_call(
    send: &mut h2::client::SendRequest<Bytes>,
    path: &str,
    end: bool,
) -> Result<(h2::client::ResponseFuture, h2::SendStream<Bytes>), h2::Error> {
    grpc_call_with(send, path, &[0, 0, 0, 0, 0], end).await
}

/// `grpc_call` with `message` (a framed gRPC message) as the request's first.
async fn grpc_call_with(
    send: &mut h2::client::SendRequest<Bytes>,
    path: &str,
    message: &'static [u8],
    end: bool,
) -> Result<(h2::client::ResponseFuture, h2::SendStream<Bytes>), h2::Error> {
    let req = http::Request::post(format!("http://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let mut ready = send.clone().ready().await?;
    let (response, mut body) = ready.send_request(req, false)?;
    body.send_data(Bytes::from_static(message), end)?;
    Ok((response, body))
}

/// Starts a call that stays in flight while the client keeps its request stream open:
/// reflection's bidirectional stream, asked to list the services, answers and waits for the
/// next request.
async fn held_call(
    send: &mut h2::client::SendRequest<Bytes>,
) -> Result<(http::Response<h2::RecvStream>, h2::SendStream<Bytes>), h2::Error> {
    // ServerReflectionRequest { list_services: "" }: field 7, length 0.
    let (response, body) = grpc_call_with(
        send,
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        &[0, 0, 0, 0, 2, 0x3a, 0],
        false,
    )
    .await?;
    // Answered: the call runs on the server.
    Ok((response.await?, body))
}

/// Reads a unary health check's whole answer (message and trailers).
async fn finish(response: h2::client::ResponseFuture) {
    let mut body = response.await.unwrap().into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        body.flow_control().release_capacity(chunk.len()).unwrap();
    }
    body.trailers().await.unwrap();
}

/// Waits (at most 10 s) for the server to close the connection driven by `driver`.
async fn closed_by_server(driver: JoinHandle<()>, what: &str) {
    tokio::time::timeout(Duration::from_secs(10), driver).await.unwrap_or_else(|_| panic!("{what}")).unwrap();
}

#[tokio::test]
async fn each_connection_gets_at_most_max_concurrent_streams() {
    let server = TestServer::start_with(&["--max-concurrent-streams", "4"]).await;
    let (mut send, _driver) = h2_connect(server.addr).await;
    let (response, _) = grpc_call(&mut send, "/grpc.health.v1.Health/Check", true).await.unwrap();
    finish(response).await;
    assert_eq!(send.current_max_send_streams(), 4, "SETTINGS_MAX_CONCURRENT_STREAMS is advertised");

    // Through a generated client on one connection: four watches run, a fifth waits
    // for a slot and runs as soon as one of the four ends.
    let channel = server.channel().await;
    let mut watches = Vec::new();
    for _ in 0..4 {
        let mut w = HealthClient::new(channel.clone())
            .watch(HealthCheckRequest { service: String::new() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(w.message().await.unwrap().unwrap().status, ServingStatus::Serving as i32);
        watches.push(w);
    }
    let fifth = tokio::spawn(async move {
        let mut w = HealthClient::new(channel).watch(HealthCheckRequest { service: String::new() }).await.unwrap();
        w.get_mut().message().await.unwrap().unwrap().status
    });
    watches.pop();
    let status = tokio::time::timeout(Duration::from_secs(10), fifth).await.expect("the fifth watch ran").unwrap();
    assert_eq!(status, ServingStatus::Serving as i32);
    drop(watches);
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_max_connections_are_refused_with_a_reason() {
    let server = TestServer::start_with(&["--max-connections", "2"]).await;
    // The harness's own health probe may hold a slot for a moment after start: connect
    // until the server takes both connections.
    // Each holds a call in flight (a stream the client has not ended), so neither is idle.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut open = Vec::new();
    while open.len() < 2 {
        let (mut send, driver) = h2_connect(server.addr).await;
        let held = match grpc_call(&mut send, "/grpc.health.v1.Health/Check", true).await {
            Ok((response, _)) => response.await.map(|_| ()),
            Err(e) => Err(e),
        };
        let held = match held {
            Ok(()) => held_call(&mut send).await,
            Err(e) => Err(e),
        };
        match held {
            Ok(call) => open.push((send, driver, call)),
            Err(e) => assert!(e.is_go_away() && tokio::time::Instant::now() < deadline, "{e:?}"),
        }
    }
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), third.read_to_end(&mut answer))
        .await
        .expect("the refused connection is closed")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.contains("--max-connections"), "GOAWAY debug data says why: {answer:?}");
    assert_eq!(answer[12], 0x7, "a GOAWAY frame follows the SETTINGS frame");

    // A closed connection frees its slot.
    let (a, a_driver, call) = open.pop().unwrap();
    drop((a, call));
    a_driver.abort();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut health = HealthClient::new(server.channel().await);
        if health.check(HealthCheckRequest { service: String::new() }).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "a slot was freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn connections_that_do_not_finish_the_handshake_in_time_are_closed() {
    let server = TestServer::start_with(&["--handshake-timeout", "300ms"]).await;
    let silent = TcpStream::connect(server.addr).await.unwrap();
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    half.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    for (mut tcp, what) in [(silent, "a silent connection"), (half, "half a preface")] {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "{what} is closed");
    }
    // A real client's connection outlives its handshake deadline: a silent connection
    // opened after it being closed is the sentinel.
    let (mut send, driver) = h2_connect(server.addr).await;
    let (response, _) = grpc_call(&mut send, "/grpc.health.v1.Health/Check", true).await.unwrap();
    finish(response).await;
    let mut later = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), later.read_to_end(&mut Vec::new())).await.unwrap().unwrap();
    assert!(!driver.is_finished(), "a connection past its handshake stays open");
    let (response, _) = grpc_call(&mut send, "/grpc.health.v1.Health/Check", true).await.unwrap();
    finish(response).await;
    server.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_but_not_while_a_call_runs() {
    let server = TestServer::start_with(&["--idle-timeout", "1s"]).await;
    let (mut idle, idle_driver) = h2_connect(server.addr).await;
    let (mut busy, busy_driver) = h2_connect(server.addr).await;
    let (mut watching, watching_driver) = h2_connect(server.addr).await;
    let (response, _) = grpc_call(&mut idle, "/grpc.health.v1.Health/Check", true).await.unwrap();
    finish(response).await;
    // A call in flight: a stream the client has not ended.
    let (_pending, request) = held_call(&mut busy).await.unwrap();
    // A health watch is no activity: it does not keep its connection open.
    let (watch, _) = grpc_call(&mut watching, "/grpc.health.v1.Health/Watch", true).await.unwrap();
    let mut watch = watch.await.unwrap().into_body();
    assert!(watch.data().await.is_some(), "the watch answered");

    // The idle connections closing are the sentinel: the busy one, older, is still open.
    closed_by_server(idle_driver, "the idle connection is closed").await;
    closed_by_server(watching_driver, "the connection with only a health watch is closed").await;
    assert!(!busy_driver.is_finished(), "a connection with a call in flight stays open");
    let mut request = request;
    request.send_reset(h2::Reason::CANCEL);
    closed_by_server(busy_driver, "the connection is closed once its call ended").await;
    server.stop().await;
}

/// A CA, and certificates it issued for the server (localhost) and for a client.
pub struct Pki {
    dir: tempfile::TempDir,
    pub ca_pem: String,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (ca_cert, issuer) = crate::common::receiver::new_ca("webhookd listener test CA");
        for (name, sans) in [("server", vec!["localhost".to_string()]), ("client", vec!["client.example".into()])] {
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = rcgen::CertificateParams::new(sans).unwrap().signed_by(&key, &issuer).unwrap();
            std::fs::write(dir.path().join(format!("{name}.pem")), cert.pem()).unwrap();
            std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem()).unwrap();
        }
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        Pki { dir, ca_pem: ca_cert.pem() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn identity(&self) -> Identity {
        let read = |n: &str| std::fs::read_to_string(self.path(n)).unwrap();
        Identity::from_pem(read("client.pem"), read("client.key"))
    }
}

fn arg(p: &Path) -> String {
    p.display().to_string()
}

/// A health check over TLS trusting `ca_pem`, with an optional client identity.
async fn tls_check(server: &TestServer, ca_pem: &str, identity: Option<Identity>) -> Result<(), String> {
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_pem)).domain_name("localhost");
    if let Some(id) = identity {
        tls = tls.identity(id);
    }
    let channel = Endpoint::from_shared(format!("https://localhost:{}", server.addr.port()))
        .unwrap()
        .tls_config(tls)
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    HealthClient::new(channel)
        .check(HealthCheckRequest { service: String::new() })
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

/// Starts a TLS server with `pki`'s server certificate; the harness reaches it with a
/// client certificate when `extra` asks for mutual TLS.
pub async fn tls_server(pki: &Pki, extra: &[&str]) -> TestServer {
    let (cert, key) = (arg(&pki.path("server.pem")), arg(&pki.path("server.key")));
    let mut args = vec!["--allow-targets", "127.0.0.1/32", "--tls-cert", &cert, "--tls-key", &key];
    args.extend_from_slice(extra);
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca_pem)).domain_name("localhost");
    if extra.contains(&"--tls-client-ca") {
        tls = tls.identity(pki.identity());
    }
    TestServer::start_tls(&args, tls).await
}

#[tokio::test]
async fn tls_on_the_listener_refuses_plaintext() {
    let pki = Pki::new();
    let server = tls_server(&pki, &[]).await;
    tls_check(&server, &pki.ca_pem, None).await.expect("a TLS client calls");
    let plain = Endpoint::from_shared(format!("http://{}", server.addr)).unwrap().connect_lazy();
    let plaintext = HealthClient::new(plain).check(HealthCheckRequest { service: String::new() }).await;
    let refused = plaintext.expect_err("a plaintext client is refused");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{refused:?}");
    assert!(refused.message().contains("https://"), "the refusal says what to do: {refused:?}");
    // A browser or curl speaking HTTP/1.1 in plaintext is told the same.
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400") && answer.contains("https://"), "{answer}");
    let stranger = Pki::new();
    assert!(
        tls_check(&server, &stranger.ca_pem, None).await.is_err(),
        "a client trusting another CA refuses the server"
    );
    server.stop().await;
}

#[tokio::test]
async fn mutual_tls_refuses_clients_without_a_certificate() {
    let pki = Pki::new();
    let ca = arg(&pki.path("ca.pem"));
    let server = tls_server(&pki, &["--tls-client-ca", &ca]).await;
    tls_check(&server, &pki.ca_pem, Some(pki.identity())).await.expect("a client with a certificate calls");
    assert!(tls_check(&server, &pki.ca_pem, None).await.is_err(), "no client certificate");
    let stranger = Pki::new();
    assert!(tls_check(&server, &pki.ca_pem, Some(stranger.identity())).await.is_err(), "a certificate of another CA");
    server.stop().await;
}

#[tokio::test]
async fn the_certificate_is_reloaded_on_sighup_without_a_restart() {
    let pki = Pki::new();
    let server = tls_server(&pki, &[]).await;
    tls_check(&server, &pki.ca_pem, None).await.unwrap();

    let next = Pki::new();
    for f in ["server.pem", "server.key"] {
        std::fs::copy(next.path(f), pki.path(f)).unwrap();
    }
    nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGHUP).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tls_check(&server, &next.ca_pem, None).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "the new certificate is served after SIGHUP");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(tls_check(&server, &pki.ca_pem, None).await.is_err(), "the old certificate is no longer served");
    server.stop().await;
}

/// Resident memory of process `pid`, in KiB.
#[tokio::test]
async fn a_flood_of_watch_streams_is_bounded_per_connection_and_its_memory_returns() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const CONNECTIONS: usize = 3;
    const STREAMS: usize = 64;
    const ATTEMPTS: usize = 2_000;
    let db = crate::common::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let server = crate::common::ServerProcess::serving(
        &db,
        tmp.path(),
        &["--max-concurrent-streams", &STREAMS.to_string(), "--no-delivery"],
    )
    .await;
    let (addr, rss_kib) = (server.addr, || server.rss("VmRSS"));
    let baseline = rss_kib();

    // Each connection asks for far more watches than it may open at once.
    let answered = Arc::new(AtomicUsize::new(0));
    let mut drivers = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..CONNECTIONS {
        let (send, driver) = h2_connect(addr).await;
        drivers.push(driver);
        for _ in 0..ATTEMPTS {
            let (mut send, answered) = (send.clone(), answered.clone());
            calls.push(tokio::spawn(async move {
                let (response, _) = grpc_call(&mut send, "/grpc.health.v1.Health/Watch", true).await.unwrap();
                let body = response.await.unwrap().into_body();
                answered.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
                drop(body);
            }));
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::SeqCst) < CONNECTIONS * STREAMS {
        assert!(tokio::time::Instant::now() < deadline, "{} watches answered", answered.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let flooded = rss_kib();
    // A watch on a fresh connection is the sentinel: answered after the flood's, which
    // are then all the server took.
    let channel = Endpoint::from_shared(format!("http://{addr}")).unwrap().connect_lazy();
    let mut w = HealthClient::new(channel).watch(HealthCheckRequest { service: String::new() }).await.unwrap();
    w.get_mut().message().await.unwrap().unwrap();
    assert_eq!(answered.load(Ordering::SeqCst), CONNECTIONS * STREAMS, "no connection ran more than its limit");

    for call in &calls {
        call.abort();
    }
    for driver in &drivers {
        driver.abort();
    }
    drop((calls, drivers, w));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut after = rss_kib();
    while after > baseline + (flooded.saturating_sub(baseline)) / 2 + 4096 {
        assert!(tokio::time::Instant::now() < deadline, "memory not returned: {baseline} → {flooded} → {after} KiB");
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = rss_kib();
    }
    eprintln!("server RSS: {baseline} KiB at rest, {flooded} KiB flooded, {after} KiB after");
    assert!(flooded < baseline + 64 * 1024, "the flood grew memory by {} KiB", flooded - baseline);
}

#[tokio::test]
async fn the_rust_client_uses_tls_for_https_and_never_falls_back_to_plaintext() {
    use webhookd_client::{Client, ConnectError, ConnectOptions};
    let list = |c: Client| async move {
        c.admin().list_event_types(webhookd_client::pb::ListEventTypesRequest {}).await.map(|_| ())
    };

    let plain = TestServer::start().await;
    let port = plain.addr.port();
    let https = Client::connect(format!("https://localhost:{port}"), &plain.admin_token).await;
    assert!(https.is_err(), "https:// to a plaintext server fails instead of sending the token in clear");
    let bare = Client::connect(format!("127.0.0.1:{port}"), &plain.admin_token).await.unwrap();
    list(bare).await.expect("host:port is plaintext");
    let pki = Pki::new();
    let options = ConnectOptions { ca_certificate: Some(pki.ca_pem.clone()), ..Default::default() };
    let mixed = Client::connect_with(format!("http://127.0.0.1:{port}"), &plain.admin_token, &options).await;
    assert!(matches!(mixed, Err(ConnectError::TlsOptionsWithoutTls)), "TLS options need https://");
    plain.stop().await;

    let ca = arg(&pki.path("ca.pem"));
    let server = tls_server(&pki, &["--tls-client-ca", &ca]).await;
    let address = format!("https://localhost:{}", server.addr.port());
    let read = |n: &str| std::fs::read_to_string(pki.path(n)).unwrap();
    let mutual = ConnectOptions { identity: Some((read("client.pem"), read("client.key"))), ..options.clone() };
    let client = Client::connect_with(&address, &server.admin_token, &mutual).await.unwrap();
    list(client).await.expect("TLS with a client certificate");
    let without = match Client::connect_with(&address, &server.admin_token, &options).await {
        Ok(c) => list(c).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    assert!(without.is_err(), "no client certificate: refused");
    server.stop().await;
}

#[tokio::test]
async fn at_the_connection_limit_a_caller_gets_in_past_peers_that_only_hold_health_watches() {
    let server = TestServer::start_with(&["--max-connections", "6"]).await;
    // Unauthenticated peers take every slot, each holding a health watch.
    let mut flood = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while flood.len() < 6 {
        let (mut send, driver) = h2_connect(server.addr).await;
        let watch = match grpc_call(&mut send, "/grpc.health.v1.Health/Watch", true).await {
            Ok((response, _)) => response.await,
            Err(e) => Err(e),
        };
        match watch {
            Ok(watch) => flood.push((send, driver, watch)),
            Err(e) => assert!(e.is_go_away() && tokio::time::Instant::now() < deadline, "{e:?}"),
        }
    }
    // An admin gets in: a peer holding only a watch made room.
    server.admin().await.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !flood.iter().any(|(_, driver, _)| driver.is_finished()) {
        assert!(tokio::time::Instant::now() < deadline, "a watching connection was closed to make room");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(flood);
    server.stop().await;
}

#[tokio::test]
async fn a_request_that_trickles_in_is_refused_at_its_deadline_but_a_publishing_stream_is_not() {
    let server = TestServer::start_with(&["--request-body-timeout", "1s"]).await;
    let token = server.token(Role::Publisher, "", "").await;
    // A publishing stream, open before the others and quiet for longer than the timeout.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut ingest = server.ingest_as(Some(&token)).await;
    let mut acks = ingest.publish_events(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();

    // gRPC-Web over HTTP/1.1: a body announced as 100 bytes, 5 of them sent.
    let mut web = TcpStream::connect(server.addr).await.unwrap();
    web.write_all(
        b"POST /webhookd.v1.EventIngest/PublishEvent HTTP/1.1\r\nHost: localhost\r\n\
          content-type: application/grpc-web+proto\r\nx-grpc-web: 1\r\ncontent-length: 100\r\n\r\n\0\0\0\0\x5f",
    )
    .await
    .unwrap();
    // HTTP/2: a unary request message announced as 100 bytes, 2 of them sent.
    let (mut send, _driver) = h2_connect(server.addr).await;
    let (response, _body) =
        grpc_call_with(&mut send, "/webhookd.v1.EventIngest/PublishEvent", &[0, 0, 0, 0, 100, 0x0a, 0], false)
            .await
            .unwrap();

    // The HTTP/2 call is answered DEADLINE_EXCEEDED, the HTTP/1.1 one too, and its
    // connection closed (both within 10 s: the timeout is 1 s).
    let response = tokio::time::timeout(Duration::from_secs(10), response).await.expect("an answer").unwrap();
    let status = response.headers().get("grpc-status").map(|v| v.to_str().unwrap().to_string());
    assert_eq!(status.as_deref(), Some("4"), "{:?}", response.headers());
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), web.read_to_end(&mut raw))
        .await
        .expect("the HTTP/1.1 connection is closed")
        .unwrap();
    let raw = String::from_utf8_lossy(&raw).to_lowercase();
    assert!(raw.starts_with("http/1.1 200") && raw.contains("grpc-status: 4"), "{raw}");

    // The stream, older than both, is still open and publishes.
    tx.send(pb::PublishEventRequest { event_name: "tag_created".into(), payload: "{}".into(), ..Default::default() })
        .await
        .unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(10), acks.message()).await.expect("an ack").unwrap();
    assert!(!ack.unwrap().event_id.is_empty(), "the stream still publishes");
    server.stop().await;
}
