//! What the integration tests and the benchmark both need: webhookd server processes,
//! databases and tokens. Included by path from `tests/it/common/` and `bench/`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tonic::transport::{Channel, Endpoint};
use webhookd::model::Scope;
use webhookd::storage::Storage;

/// The key every test server and storage handle seals webhook secrets with (servers sharing
/// a database must share their keys).
const TEST_KEY: &str = "dGVzdC1vbmx5IGtleTogbmV2ZXIgdXNlZCBlbHNld2g=";

/// A key file holding the test key, written once per process.
pub fn test_key_file() -> PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("test-secret-{}.key", std::process::id()));
        std::fs::write(&path, format!("{TEST_KEY}\n")).unwrap();
        path
    })
    .clone()
}

/// The test key, for storage handles that write webhooks.
pub fn test_keys() -> std::sync::Arc<webhookd::keyring::KeyRing> {
    std::sync::Arc::new(webhookd::keyring::KeyRing::parse(TEST_KEY, "the test key").unwrap())
}

/// An ACTIVE instance webhook listening to `event` alone, at `target_url`, with no limits of
/// its own, as written straight to storage (no server involved).
pub fn stored_webhook(event: &str, target_url: String) -> webhookd::storage::webhooks::NewWebhook {
    webhookd::storage::webhooks::NewWebhook {
        scope: Default::default(),
        target_url,
        secret: webhookd::secret::Secret::new("a-secret-value"),
        events: vec![event.into()],
        ca_certificate: None,
        proxy_url: None,
        max_in_flight: 0,
        rate_limit: 0,
        state: webhookd::model::WebhookState::Active,
        custom_headers: Vec::new(),
        filter: None,
        labels: Default::default(),
        client_identity: None,
        signature_scheme: Default::default(),
        signing_key: None,
        ordering: Default::default(),
    }
}

/// A direct SQL connection (for seeding and inspecting state).
pub async fn sql(url: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

/// Creates database `name` on the server of `maintenance_url`, as a copy of `template` if given.
pub async fn create_database(maintenance_url: &str, name: &str, template: Option<&str>) {
    let (c, conn) = tokio_postgres::connect(maintenance_url, tokio_postgres::NoTls).await.unwrap();
    let conn = tokio::spawn(conn);
    let from = template.map(|t| format!(" TEMPLATE {t}")).unwrap_or_default();
    c.batch_execute(&format!("CREATE DATABASE {name}{from}")).await.unwrap();
    drop(c);
    let _ = conn.await;
}

/// Migrates the database at `url` (connecting migrates).
pub async fn migrate(url: &str) {
    drop(Storage::connect(url.parse().unwrap(), 2).await.unwrap());
}

/// Polls `check` every 25 ms until it returns `Some`, and returns that; fails naming `what`
/// once `timeout` has passed. For waits on something that must happen: it returns as soon
/// as it has, so the timeout is a bound, never a delay.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(done) = check().await {
            return done;
        }
        assert!(tokio::time::Instant::now() < deadline, "not within {timeout:?}: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `eventually` for a check that says what it saw: polls `check` every 25 ms until it
/// returns `Ok`, and returns that; fails naming `what` and the last `Err` (the state seen)
/// once `timeout` has passed.
pub async fn eventually_showing<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match check().await {
            Ok(done) => return done,
            Err(seen) => {
                assert!(tokio::time::Instant::now() < deadline, "not within {timeout:?}: {what}; last seen: {seen}")
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Creates a token straight in the database at `url`, as `webhookd token create` does.
pub async fn mint_token(url: &str, role: webhookd::model::Role, scope: &Scope) -> String {
    let storage = Storage::connect(url.parse().unwrap(), 2).await.unwrap();
    let (token, hash) = webhookd::auth::new_token();
    storage.insert_token(&hash, role, scope, "test support").await.unwrap();
    token
}

/// Waits until the server behind `channel` reports SERVING, checking `exited` between tries
/// so that a server that died at start fails at once instead of after the deadline.
pub async fn wait_serving(channel: Channel, mut exited: impl FnMut() -> Option<String>) {
    use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest};
    let mut health = HealthClient::new(channel);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(why) = exited() {
            panic!("the server exited during start: {why}");
        }
        if let Ok(r) = health.check(HealthCheckRequest { service: String::new() }).await {
            if r.into_inner().status == ServingStatus::Serving as i32 {
                return;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "the server is not serving after 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `webhookd serve` process on a free loopback port, loopback targets allowed, logging to
/// `server.log` in its data directory. Dropping it stops it with SIGTERM and waits.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl ServerProcess {
    /// Starts the process without waiting for it to serve.
    pub fn start(database_url: &str, data_dir: &Path, extra: &[&str]) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        Self::start_at(addr, database_url, data_dir, extra)
    }

    /// `start`, listening on `addr` (e.g. where a stopped one listened).
    pub fn start_at(addr: SocketAddr, database_url: &str, data_dir: &Path, extra: &[&str]) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let log = std::fs::File::create(data_dir.join("server.log")).unwrap();
        // WEBHOOKD_BENCH_SERVER runs another build of the server (the benchmark compares two
        // builds in one sitting that way).
        let server = std::env::var_os("WEBHOOKD_BENCH_SERVER").unwrap_or_else(|| env!("CARGO_BIN_EXE_webhookd").into());
        let mut command = Command::new(server);
        // WEBHOOKD_BENCH_SERVER_THREADS sets the server's runtime threads alone (tokio reads
        // TOKIO_WORKER_THREADS), not those of the benchmark's driver and receiver.
        if let Some(threads) = std::env::var_os("WEBHOOKD_BENCH_SERVER_THREADS") {
            command.env("TOKIO_WORKER_THREADS", threads);
        }
        let child = command
            .arg("serve")
            .args(["--listen", &addr.to_string(), "--allow-targets", "127.0.0.1/32", "--database-url", database_url])
            .args(if extra.contains(&"--secret-key-file") {
                vec![]
            } else {
                vec!["--secret-key-file".into(), test_key_file()]
            })
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start a webhookd process");
        ServerProcess { child, addr, data_dir: data_dir.to_path_buf() }
    }

    /// Starts the process and waits until it serves.
    pub async fn serving(database_url: &str, data_dir: &Path, extra: &[&str]) -> Self {
        Self::wait(Self::start(database_url, data_dir, extra)).await
    }

    /// Waits until `server` serves.
    pub async fn wait(mut server: Self) -> Self {
        let channel = server.channel();
        let log = server.data_dir.join("server.log");
        let child = &mut server.child;
        wait_serving(channel, || {
            let status = child.try_wait().ok().flatten()?;
            Some(format!("{status}; {}", std::fs::read_to_string(&log).unwrap_or_default()))
        })
        .await;
        server
    }

    /// A lazily connecting channel to the process.
    pub fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr)).unwrap().tcp_nodelay(true).connect_lazy()
    }

    /// The bootstrap admin token, written by the first server on a database.
    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join(webhookd::ADMIN_TOKEN_FILE)).unwrap().trim().to_string()
    }

    /// A field of `/proc/<pid>/status` in KiB (`VmRSS` now, `VmHWM` peak).
    pub fn rss(&self, field: &str) -> u64 {
        proc_status_kib(self.child.id(), field)
    }

    /// Kills the process at once (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

/// A field of `/proc/<pid>/status` in KiB, 0 if the process or field is gone.
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
