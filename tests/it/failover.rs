//! Failover of the database: a primary and a synchronous streaming standby (both real
//! PostgreSQL clusters from the installed binaries), webhookd on a multi-host URL that asks
//! for the read-write one, publishers under load; the primary is killed (-9) and the standby
//! promoted. Nothing acknowledged is lost, and webhookd carries on by itself.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use webhookd::storage::local::LocalPostgres;
use webhookd_client::{pb, Client, ConnectOptions};

use crate::common::receiver::Receiver;
use crate::common::{new_webhook, ServerProcess};

/// The unprivileged user the clusters run as when the tests run as root.
fn postgres_user() -> Option<nix::unistd::User> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    ["postgres", "nobody"].iter().find_map(|n| nix::unistd::User::from_name(n).ok().flatten())
}

/// Runs a PostgreSQL program of the installed binaries, as the clusters' user.
fn pg_program(name: &str, args: &[&str]) {
    use std::os::unix::process::CommandExt;
    let bindir = webhookd::storage::local::find_bindir().expect("PostgreSQL binaries");
    let mut cmd = std::process::Command::new(bindir.join(name));
    cmd.args(args);
    if let Some(u) = postgres_user() {
        cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The unix socket directory and port a cluster listens on.
fn socket(pg: &LocalPostgres) -> (PathBuf, u16) {
    let c = pg.pg_config("postgres");
    let dir = match &c.get_hosts()[0] {
        tokio_postgres::config::Host::Unix(p) => p.clone(),
        other => panic!("not a socket: {other:?}"),
    };
    (dir, c.get_ports()[0])
}

async fn sql_on(pg: &LocalPostgres, db: &str) -> tokio_postgres::Client {
    let (c, conn) = pg.pg_config(db).connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

/// Kills a cluster's postmaster with SIGKILL, as a crashed machine would leave it.
fn kill_postmaster(data_dir: &Path) {
    let pid = std::fs::read_to_string(data_dir.join("pg/postmaster.pid")).unwrap();
    let pid: i32 = pid.lines().next().unwrap().trim().parse().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
}

#[tokio::test]
async fn a_failover_to_a_synchronous_standby_loses_no_acknowledged_event() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (a_dir, b_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    let start = |dir: PathBuf| async move {
        tokio::task::spawn_blocking(move || LocalPostgres::start(&dir, None).unwrap()).await.unwrap()
    };

    // The primary, with webhookd's database; then a standby copied from it, streaming.
    let primary = start(a_dir.clone()).await;
    sql_on(&primary, "postgres").await.batch_execute("CREATE DATABASE webhookd").await.unwrap();
    let (a_socket, port) = socket(&primary);
    std::fs::create_dir_all(&b_dir).unwrap();
    std::fs::set_permissions(&b_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    if let Some(u) = postgres_user() {
        nix::unistd::chown(&b_dir, Some(u.uid), Some(u.gid)).unwrap();
    }
    let source = format!("host={} port={port} user=postgres application_name=standby", a_socket.display());
    let b_pgdata = b_dir.join("pg");
    pg_program("pg_basebackup", &["-d", &source, "-D", b_pgdata.to_str().unwrap(), "-R", "-X", "stream", "-c", "fast"]);
    let standby = start(b_dir.clone()).await;
    let (b_socket, _) = socket(&standby);
    // Commits on the primary wait until the standby has them on disk.
    let a = sql_on(&primary, "postgres").await;
    a.batch_execute("ALTER SYSTEM SET synchronous_standby_names = 'standby'").await.unwrap();
    a.batch_execute("SELECT pg_reload_conf()").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sync: Option<String> = a
            .query_opt("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'", &[])
            .await
            .unwrap()
            .map(|r| r.get(0));
        if sync.as_deref() == Some("sync") {
            break;
        }
        assert!(Instant::now() < deadline, "the standby is not synchronous: {sync:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // webhookd on both, asking for the one that takes writes.
    let url = format!(
        "host={},{} port={port},{port} user=postgres dbname=webhookd target_session_attrs=read-write",
        a_socket.display(),
        b_socket.display()
    );
    let data = tmp.path().join("webhookd");
    let server = ServerProcess::serving(&url, &data, &["--lease", "3s"]).await;
    let rx = Receiver::ok().await;
    let options = ConnectOptions { timeout: Duration::from_secs(60), ..Default::default() };
    let address = format!("http://{}", server.addr);
    let admin = Client::connect_lazy(&address, &server.admin_token(), &options).unwrap();
    admin.admin().create_webhook(new_webhook(None, &rx.url("/f"), &["tag_created"])).await.unwrap();
    let token = admin
        .create_token(pb::CreateTokenRequest {
            role: pb::TokenRole::Publisher as i32,
            description: "failover".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .bearer_token;
    let publisher = Client::connect_lazy(&address, &token, &options).unwrap();

    // Publishers with keyed, retried publishes, timing each call.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<(u64, String)>::new()));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let mut loops = Vec::new();
    for l in 0..4u64 {
        let (publisher, stop, acked, slowest) = (publisher.clone(), stop.clone(), acked.clone(), slowest.clone());
        loops.push(tokio::spawn(async move {
            let mut failed = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let n = l * 1_000_000 + i;
                let event = pb::PublishEventRequest {
                    event_name: "tag_created".into(),
                    payload: format!(r#"{{"n":{n}}}"#),
                    ..Default::default()
                };
                let started = Instant::now();
                match publisher.publish_event(event).await {
                    Ok(r) => acked.lock().unwrap().push((n, r.event_id)),
                    Err(e) => failed.push(e),
                }
                let took = started.elapsed();
                let mut s = slowest.lock().unwrap();
                *s = (*s).max(took);
                i += 1;
            }
            failed
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = acked.lock().unwrap().len();
    kill_postmaster(&a_dir);
    let killed = Instant::now();
    // The operator (or the platform) notices, then promotes the standby.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let b = sql_on(&standby, "postgres").await;
    let promoted: bool = b.query_one("SELECT pg_promote()", &[]).await.unwrap().get(0);
    assert!(promoted);
    // Publishing resumes by itself.
    let deadline = Instant::now() + Duration::from_secs(60);
    let resumed = loop {
        if acked.lock().unwrap().len() > before + 50 {
            break killed.elapsed();
        }
        assert!(Instant::now() < deadline, "publishing did not resume after the promotion");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        let failed = l.await.unwrap();
        assert!(failed.is_empty(), "failed publishes: {:?}", &failed[..failed.len().min(3)]);
    }
    let acked = acked.lock().unwrap().clone();

    // Every acknowledged event is on the new primary, once, and is delivered.
    let events = sql_on(&standby, "webhookd").await;
    let ids: Vec<uuid::Uuid> = acked.iter().map(|(_, id)| id.parse().unwrap()).collect();
    let found: i64 = events.query_one("SELECT count(*) FROM events WHERE id = ANY($1)", &[&ids]).await.unwrap().get(0);
    assert_eq!(found as usize, acked.len(), "acknowledged events missing after the failover");
    let stored: i64 = events.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(stored as usize, acked.len(), "an event stored twice");
    let mut seen = std::collections::HashSet::new();
    while seen.len() < acked.len() {
        let got = rx.next(Duration::from_secs(30)).await;
        let got = got.unwrap_or_else(|| panic!("delivered {} of {} events", seen.len(), acked.len()));
        let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        seen.insert(body["payload"]["n"].as_u64().unwrap());
    }
    eprintln!(
        "failover: {} events acknowledged ({before} before the kill), none lost; publishing resumed {:.1} s after \
         the kill (promotion at 1 s); slowest publish {:.1} s",
        acked.len(),
        resumed.as_secs_f64(),
        slowest.lock().unwrap().as_secs_f64()
    );
    drop(server);
    tokio::task::spawn_blocking(move || standby.stop()).await.unwrap();
    drop(primary);
}
