//! Test harness: one private PostgreSQL cluster per test process, one database per
//! test cloned from a migrated template, and webhookd servers started in-process on port 0.

#![allow(dead_code)]

pub mod logs;
pub mod proxy;
pub mod receiver;
pub mod relay;
pub mod stored;
#[path = "../../support/mod.rs"]
#[allow(dead_code)]
pub mod support;

pub use support::{eventually, eventually_showing, sql, ServerProcess};
pub use webhookd::model::Role;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use tokio::net::TcpListener;
use tokio::sync::OnceCell;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, Endpoint};
use tonic::Status;

use webhookd::config::Config;
use webhookd::storage::local::LocalPostgres;
use webhookd_client::pb;

/// The cluster of this test process.
struct Cluster {
    pg: LocalPostgres,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static TEMPLATE: OnceCell<()> = OnceCell::const_new();
static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);
const TEMPLATE_DB: &str = "webhookd_template";

/// Where this process keeps its cluster: a short path under the target directory.
fn cluster_dir() -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    // Clusters of earlier runs whose process is gone are removed.
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(pid) = name.strip_prefix("pg-").and_then(|p| p.parse::<i32>().ok()) {
                if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
    base.join(format!("pg-{}", std::process::id()))
}

/// The directory of this process's test cluster (its data files, WAL and log), once started.
pub async fn cluster_files() -> PathBuf {
    tokio::task::spawn_blocking(cluster).await.unwrap();
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("pg-{}", std::process::id()))
}

fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        logs::init();
        let dir = cluster_dir();
        let pg = LocalPostgres::start(&dir, None).expect("start the test cluster");
        Cluster { pg }
    })
}

/// A fresh database for one test, cloned from the migrated template.
pub async fn fresh_database() -> String {
    let cluster = tokio::task::spawn_blocking(cluster).await.unwrap();
    let maintenance = cluster.pg.url("postgres");
    TEMPLATE
        .get_or_init(|| async {
            support::create_database(&maintenance, TEMPLATE_DB, None).await;
            support::migrate(&cluster.pg.url(TEMPLATE_DB)).await;
        })
        .await;
    let name = format!("t{}_{}", std::process::id(), DB_COUNTER.fetch_add(1, Ordering::SeqCst));
    support::create_database(&maintenance, &name, Some(TEMPLATE_DB)).await;
    cluster.pg.url(&name)
}

/// A fresh database with no schema at all (for migration tests).
pub async fn fresh_empty_database() -> String {
    let cluster = tokio::task::spawn_blocking(cluster).await.unwrap();
    let name = format!("e{}_{}", std::process::id(), DB_COUNTER.fetch_add(1, Ordering::SeqCst));
    support::create_database(&cluster.pg.url("postgres"), &name, None).await;
    cluster.pg.url(&name)
}

pub type Admin = webhookd_client::AdminClient;
/// Ingest client type.
pub type Ingest = webhookd_client::IngestClient;

/// A webhookd server running in this process.
pub struct TestServer {
    pub addr: std::net::SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub admin_token: String,
    /// How clients reach the server over TLS, when it serves TLS.
    tls: Option<tonic::transport::ClientTlsConfig>,
    /// The `serve` arguments, to serve again after `go_down`.
    args: Vec<String>,
    shutdown: CancellationToken,
    handle: Option<JoinHandle<Result<(), webhookd::ServeError>>>,
    _tmp: Option<tempfile::TempDir>,
}

/// Settings for starting a server.
pub struct ServerOptions {
    /// Use this database; `None` runs the embedded cluster in `data_dir`.
    pub database_url: Option<String>,
    /// Data directory; a fresh temporary one when `None`.
    pub data_dir: Option<PathBuf>,
    /// More `serve` flags.
    pub args: Vec<String>,
}

impl TestServer {
    /// A server on a fresh database, with loopback targets allowed.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A server on a fresh database with extra flags (loopback targets allowed).
    pub async fn start_with(args: &[&str]) -> Self {
        let mut all = vec!["--allow-targets", "127.0.0.1/32,::1"];
        all.extend_from_slice(args);
        Self::start_guarded(&all).await
    }

    /// A server on a fresh database with exactly these flags (the SSRF guard as configured).
    pub async fn start_guarded(args: &[&str]) -> Self {
        let db = fresh_database().await;
        let args = args.iter().map(|s| s.to_string()).collect();
        Self::start_opts(ServerOptions { database_url: Some(db), data_dir: None, args }).await
    }

    /// A TLS server on a fresh database with exactly these flags (`--tls-cert` among them),
    /// reached with `tls` (its CA, for `localhost`); `channel()` then speaks TLS.
    pub async fn start_tls(args: &[&str], tls: tonic::transport::ClientTlsConfig) -> Self {
        let db = fresh_database().await;
        let args = args.iter().map(|s| s.to_string()).collect();
        Self::start_full(ServerOptions { database_url: Some(db), data_dir: None, args }, Some(tls)).await
    }

    /// A server with explicit options.
    pub async fn start_opts(opts: ServerOptions) -> Self {
        Self::start_full(opts, None).await
    }

    async fn start_full(opts: ServerOptions, tls: Option<tonic::transport::ClientTlsConfig>) -> Self {
        let (tmp, data_dir) = match opts.data_dir {
            Some(d) => (None, d),
            None => {
                let t = tempfile::tempdir().unwrap();
                let d = t.path().join("data");
                (Some(t), d)
            }
        };
        if let Some(parent) = data_dir.parent() {
            // The embedded cluster runs as an unprivileged user who must traverse here.
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755));
        }
        let mut args = vec!["--data-dir".to_string(), data_dir.display().to_string()];
        if let Some(url) = &opts.database_url {
            args.push("--database-url".into());
            args.push(url.clone());
        }
        if !opts.args.iter().any(|a| a == "--secret-key-file") {
            args.push("--secret-key-file".into());
            args.push(support::test_key_file().display().to_string());
        }
        args.extend(opts.args);
        let config = Config::from_args(&args).expect("valid test config");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(webhookd::run(config, listener, shutdown.clone()));
        let mut server = TestServer {
            addr,
            data_dir: data_dir.clone(),
            database_url: opts.database_url,
            admin_token: String::new(),
            tls,
            args,
            shutdown,
            handle: Some(handle),
            _tmp: tmp,
        };
        server.wait_serving().await;
        // The bootstrap token is written by the first server on a database; later ones get their own.
        server.admin_token = match std::fs::read_to_string(data_dir.join(webhookd::ADMIN_TOKEN_FILE)) {
            Ok(t) => t.trim().to_string(),
            Err(_) => server.token(Role::Admin, "", "").await,
        };
        server
    }

    async fn wait_serving(&mut self) {
        use futures_util::FutureExt;
        let channel = self.channel().await;
        let handle = &mut self.handle;
        support::wait_serving(channel, || Some(format!("{:?}", handle.as_mut()?.now_or_never()?))).await;
    }

    /// A lazily connecting channel to the server.
    pub async fn channel(&self) -> Channel {
        match &self.tls {
            None => Endpoint::from_shared(format!("http://{}", self.addr)).unwrap().connect_lazy(),
            Some(tls) => Endpoint::from_shared(format!("https://localhost:{}", self.addr.port()))
                .unwrap()
                .tls_config(tls.clone())
                .unwrap()
                .connect_lazy(),
        }
    }

    /// An admin client with the bootstrap instance admin token.
    pub async fn admin(&self) -> Admin {
        self.admin_as(Some(&self.admin_token.clone())).await
    }

    /// A client of both services with `token` (`None`: no credentials).
    pub async fn client_as(&self, token: Option<&str>) -> webhookd_client::Client {
        webhookd_client::Client::with_channel(self.channel().await, token).unwrap()
    }

    /// An admin client with `token`.
    pub async fn admin_as(&self, token: Option<&str>) -> Admin {
        self.client_as(token).await.admin()
    }

    /// An ingest client with `token`.
    pub async fn ingest_as(&self, token: Option<&str>) -> Ingest {
        self.client_as(token).await.ingest()
    }

    /// Creates a token in the server's database.
    pub async fn token(&self, role: Role, company: &str, project: &str) -> String {
        let url = self.database_url.as_ref().expect("token() needs a database url");
        support::mint_token(url, role, &webhookd::model::Scope::new(company, project)).await
    }

    /// Publishes one event `name` on `scope` as `token` (a publisher's), stamped
    /// 1700000000123 ms; the server's answer.
    pub async fn publish_as(
        &self,
        token: &str,
        name: &str,
        scope: Option<pb::Scope>,
        payload: &str,
    ) -> Result<pb::PublishEventResponse, Status> {
        let request = pb::PublishEventRequest {
            event_name: name.into(),
            scope,
            payload: payload.into(),
            event_timestamp: 1_700_000_000_123,
            idempotency_key: String::new(),
            labels: Default::default(),
        };
        Ok(self.ingest_as(Some(token)).await.publish_event(request).await?.into_inner())
    }

    /// Publishes `n` instance events `name` with payloads `{"i":0}`… over one stream and waits
    /// until every one is acknowledged (durable).
    pub async fn publish_many(&self, name: &str, n: usize) {
        let token = self.token(Role::Publisher, "", "").await;
        let events: Vec<pb::PublishEventRequest> = (0..n)
            .map(|i| pb::PublishEventRequest {
                event_name: name.into(),
                payload: format!(r#"{{"i":{i}}}"#),
                ..Default::default()
            })
            .collect();
        let mut acks =
            self.ingest_as(Some(&token)).await.publish_events(tokio_stream::iter(events)).await.unwrap().into_inner();
        let mut acked = 0;
        while acks.message().await.unwrap().is_some() {
            acked += 1;
        }
        assert_eq!(acked, n, "every event acknowledged");
    }

    /// Shuts the server down (as on SIGTERM) and waits until it has; its address then
    /// refuses connections until `come_back`.
    pub async fn go_down(&mut self) {
        self.shutdown.cancel();
        if let Some(h) = self.handle.take() {
            h.await.unwrap().expect("server stopped cleanly");
        }
    }

    /// Serves again on the same address, database and data directory after `go_down`.
    pub async fn come_back(&mut self) {
        assert!(self.handle.is_none(), "come_back after go_down");
        let config = Config::from_args(&self.args).expect("valid test config");
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.shutdown = CancellationToken::new();
        self.handle = Some(tokio::spawn(webhookd::run(config, listener, self.shutdown.clone())));
        self.wait_serving().await;
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(h) = self.handle.take() {
            h.await.unwrap().expect("server stopped cleanly");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A valid create request on `scope` for `target`.
pub fn new_webhook(scope: Option<pb::Scope>, target: &str, events: &[&str]) -> pb::CreateWebhookRequest {
    pb::CreateWebhookRequest {
        scope,
        target_url: target.to_string(),
        secret: "s3cret-value-1234".to_string(),
        events: events.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// A fresh self-signed CA certificate, PEM.
pub fn ca_pem() -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap().pem()
}

/// A proto scope.
pub fn scope(company: &str, project: &str) -> Option<pb::Scope> {
    Some(pb::Scope { company_id: company.into(), project_id: project.into() })
}

/// Asserts `status` has `code` and names `field` (in its message and its BadRequest details).
pub fn assert_field_error(status: &Status, code: tonic::Code, field: &str) {
    assert_eq!(status.code(), code, "{status:?}");
    assert!(status.message().starts_with(&format!("{field}:")), "message {:?} should name {field}", status.message());
    let violations = webhookd_client::field_violations(status);
    assert!(violations.iter().any(|(f, _)| f == field), "BadRequest details name {field}: {violations:?}");
}

/// A webhook's history once it holds `n` deliveries, none pending (newest first). Fails as
/// soon as it holds more than `n`.
pub async fn settled_history(admin: &mut Admin, webhook_id: &str, n: usize) -> Vec<pb::DeliveryRecord> {
    let what = format!("{n} deliveries of {webhook_id}, none pending");
    eventually_showing(std::time::Duration::from_secs(20), &what, || {
        let mut admin = admin.clone();
        async move {
            let mut stream = admin
                .list_event_history(pb::ListEventHistoryRequest { webhook_id: webhook_id.into(), ..Default::default() })
                .await
                .unwrap()
                .into_inner();
            let mut rows = Vec::new();
            while let Some(r) = stream.message().await.unwrap() {
                rows.push(r);
            }
            assert!(rows.len() <= n, "{webhook_id}: more deliveries than {n}: {rows:?}");
            if rows.len() == n && rows.iter().all(|r| r.status != pb::DeliveryStatus::Pending as i32) {
                Ok(rows)
            } else {
                Err(format!("{rows:?}"))
            }
        }
    })
    .await
}

/// A connection listening on `channels`, and the channels of the notifications it receives
/// (in commit order: a sentinel notified after a change comes after the change's own).
pub async fn listening(
    url: &str,
    channels: &[&str],
) -> (tokio_postgres::Client, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use futures_util::StreamExt;
    let (client, mut conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(Ok(m)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(n) = m {
                let _ = tx.send(n.channel().to_string());
            }
        }
    });
    for c in channels {
        client.batch_execute(&format!("LISTEN {c}")).await.unwrap();
    }
    (client, rx)
}

/// The channel of the next notification `listening` received, within 10 s.
pub async fn next_notification(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.expect("a notification").unwrap()
}

/// Publishes one event `name` on `scope` as a new instance publisher; it must be accepted.
pub async fn publish(
    server: &TestServer,
    name: &str,
    scope: Option<pb::Scope>,
    payload: &str,
) -> pb::PublishEventResponse {
    let token = server.token(Role::Publisher, "", "").await;
    server.publish_as(&token, name, scope, payload).await.unwrap()
}

/// The cross-tenant fixture: a webhook of company `globex` (made by the instance admin) and
/// an admin client of company `acme`, which must not reach it.
pub async fn theirs_and_acme(server: &TestServer) -> (pb::Webhook, Admin) {
    let theirs = server
        .admin()
        .await
        .create_webhook(new_webhook(scope("globex", ""), "https://g.example.com/", &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let acme = server.token(Role::Admin, "acme", "").await;
    (theirs, server.admin_as(Some(&acme)).await)
}
