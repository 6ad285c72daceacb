//! The embedded PostgreSQL: a private cluster in the data directory, reachable only
//! through a unix socket inside it, started from the installed server binaries.
//!
//! PostgreSQL refuses to run as root; when webhookd runs as root the cluster belongs
//! to, and runs as, the unprivileged `postgres` (or `nobody`) user. The postmaster is
//! a child of a dedicated supervisor thread and carries a parent-death signal, so it
//! stops with webhookd even when webhookd is killed.

use std::fs;
use std::os::unix::fs::{chown, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, User};

/// Port number naming the unix socket (`.s.PGSQL.<port>`); no TCP port is opened.
const PORT: u16 = 5432;
/// The longest unix socket path Linux accepts, including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

/// Why the embedded cluster could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// No server binaries were found.
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found in PATH, `pg_config --bindir` \
         or /usr/lib/postgresql/*/bin: install PostgreSQL (Debian: apt-get install postgresql) \
         or set DATABASE_URL to use an existing server"
    )]
    BinariesNotFound,
    /// A file operation in the data directory failed.
    #[error("{what} {path}")]
    Io {
        /// What was being done, as the message says it.
        what: &'static str,
        /// The file or directory it was done to.
        path: PathBuf,
        /// The I/O error behind it.
        #[source]
        source: std::io::Error,
    },
    /// `initdb` failed.
    #[error("initdb failed ({status}): {output}")]
    Initdb {
        /// How `initdb` exited.
        status: std::process::ExitStatus,
        /// Its standard output and error, for the log.
        output: String,
    },
    /// The postmaster exited or never became ready.
    #[error("postgres did not start: {0} (see {1})")]
    Start(String, PathBuf),
    /// The data directory path is too long for a unix socket.
    #[error("data directory path {0} is too long for a unix socket; choose a shorter --data-dir")]
    PathTooLong(PathBuf),
    /// Running as root and no unprivileged user exists to run PostgreSQL.
    #[error("running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL")]
    NoUser,
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> LocalError + 'a {
    move |source| LocalError::Io { what, path: path.to_path_buf(), source }
}

/// A running embedded cluster.
#[derive(Debug)]
pub struct LocalPostgres {
    socket_dir: PathBuf,
    pgdata: PathBuf,
    /// Set when this process started the postmaster (and so stops it).
    owned: Option<(Pid, Mutex<mpsc::Receiver<()>>)>,
}

impl LocalPostgres {
    /// Starts (or reuses) the cluster in `data_dir`, creating it on first use. Blocking.
    pub fn start(data_dir: &Path, bindir: Option<&Path>) -> Result<Self, LocalError> {
        fs::create_dir_all(data_dir).map_err(io("creating", data_dir))?;
        let data_dir = fs::canonicalize(data_dir).map_err(io("resolving", data_dir))?;
        let socket = data_dir.join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(LocalError::PathTooLong(data_dir));
        }
        let pgdata = data_dir.join("pg");
        let log = data_dir.join("postgres.log");
        let bindir = match bindir {
            Some(b) => b.to_path_buf(),
            None => find_bindir().ok_or(LocalError::BinariesNotFound)?,
        };
        if !bindir.join("postgres").exists() || !bindir.join("initdb").exists() {
            return Err(LocalError::BinariesNotFound);
        }
        let user = run_as_user()?;
        fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o700))
            .map_err(io("setting permissions of", &data_dir))?;
        if let Some(u) = &user {
            chown(&data_dir, Some(u.uid.as_raw()), Some(u.gid.as_raw())).map_err(io("changing owner of", &data_dir))?;
        }

        let mut this = Self { socket_dir: data_dir.clone(), pgdata: pgdata.clone(), owned: None };
        if !pgdata.join("PG_VERSION").exists() {
            initdb(&bindir, &pgdata, user.as_ref())?;
        }
        if this.running_postmaster().is_some() {
            tracing::info!(data_dir = %data_dir.display(), "reusing running embedded postgres");
            return Ok(this);
        }

        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let logfile = fs::OpenOptions::new().create(true).append(true).open(&log).map_err(io("opening", &log))?;
            let mut cmd = Command::new(bindir.join("postgres"));
            cmd.arg("-D").arg(&pgdata).arg("-p").arg(PORT.to_string()).arg("-k").arg(&data_dir);
            // wal_init_zero=off: a new 16 MB WAL segment is created by writing its last byte,
            // not by zero-filling it in the committing backend; under sustained ingest the
            // zero-fill stalled every commit behind it for 100-170 ms (in 8 of 12 runs of 20,000
            // unary publishes; 10-25 ms at most with this, in 12 of 12).
            // autovacuum_naptime=10s: the queue table asks for a vacuum after a few thousand
            // dead rows (migration 0013); the launcher looks every 10 s rather than every minute.
            cmd.args(["-c", "listen_addresses=", "-c", "max_connections=300", "-c", "wal_init_zero=off"]);
            cmd.args(["-c", "autovacuum_naptime=10s"]);
            cmd.stdin(Stdio::null()).stdout(logfile.try_clone().map_err(io("opening", &log))?);
            cmd.stderr(logfile);
            if let Some(u) = &user {
                cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
            }
            // Runs after the uid change (which would clear it): the postmaster stops
            // (fast shutdown) when its supervisor thread, and so webhookd, goes away.
            unsafe {
                cmd.pre_exec(|| nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(std::io::Error::from));
            }
            let (pid, exited) = supervise(cmd).map_err(io("starting postgres in", &pgdata))?;
            this.owned = Some((pid, Mutex::new(exited)));
            loop {
                if this.ready() {
                    tracing::info!(data_dir = %data_dir.display(), "embedded postgres started");
                    return Ok(this);
                }
                let gone = matches!(
                    this.owned.as_ref().map(|(_, rx)| rx.lock().expect("exit channel").try_recv()),
                    Some(Ok(())) | Some(Err(mpsc::TryRecvError::Disconnected))
                );
                if gone {
                    this.owned = None;
                    break;
                }
                if Instant::now() > deadline {
                    return Err(LocalError::Start("not ready after 60 s".into(), log));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // The postmaster exited: often a previous one still shutting down holds the lock.
            if Instant::now() > deadline {
                return Err(LocalError::Start("postgres exited".into(), log));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Connection settings for the cluster's `postgres` superuser and `dbname`.
    pub fn pg_config(&self, dbname: &str) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host_path(&self.socket_dir).port(PORT).user("postgres").dbname(dbname);
        c
    }

    /// The libpq URL of `dbname` in this cluster.
    pub fn url(&self, dbname: &str) -> String {
        let dir = self.socket_dir.to_string_lossy();
        let host = percent_encoding::utf8_percent_encode(&dir, percent_encoding::NON_ALPHANUMERIC);
        format!("postgresql://postgres@{host}:{PORT}/{dbname}")
    }

    /// Stops the postmaster if this process started it (fast shutdown). Blocking.
    pub fn stop(mut self) {
        if let Some((pid, exited)) = self.owned.take() {
            let _ = kill(pid, Signal::SIGINT);
            let exited = exited.into_inner().expect("exit channel");
            if exited.recv_timeout(Duration::from_secs(30)).is_err() {
                let _ = kill(pid, Signal::SIGQUIT);
            }
            tracing::info!("embedded postgres stopped");
        }
    }

    /// PID of a live postmaster on this data directory, if one runs.
    fn running_postmaster(&self) -> Option<i32> {
        let text = fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?;
        let pid: i32 = text.lines().next()?.trim().parse().ok()?;
        kill(Pid::from_raw(pid), None).ok()?;
        let ready = text.lines().nth(7).map(str::trim) == Some("ready");
        ready.then_some(pid)
    }

    /// Whether the postmaster this process started reports itself ready.
    fn ready(&self) -> bool {
        let Some((pid, _)) = &self.owned else {
            return false;
        };
        self.running_postmaster() == Some(pid.as_raw()) && self.socket_dir.join(format!(".s.PGSQL.{PORT}")).exists()
    }
}

/// Spawns `cmd` from a thread that lives as long as the child (the parent-death
/// signal follows the spawning thread). Returns its PID and a receiver that fires on exit.
fn supervise(mut cmd: Command) -> std::io::Result<(Pid, mpsc::Receiver<()>)> {
    let (started_tx, started_rx) = mpsc::channel();
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::Builder::new().name("postgres-supervisor".into()).spawn(move || match cmd.spawn() {
        Ok(mut child) => {
            let _ = started_tx.send(Ok(child.id()));
            let _ = child.wait();
            let _ = exit_tx.send(());
        }
        Err(e) => {
            let _ = started_tx.send(Err(e));
        }
    })?;
    let pid = started_rx.recv().map_err(|_| std::io::Error::other("postgres supervisor thread died"))??;
    Ok((Pid::from_raw(pid as i32), exit_rx))
}

fn initdb(bindir: &Path, pgdata: &Path, user: Option<&User>) -> Result<(), LocalError> {
    let mut cmd = Command::new(bindir.join("initdb"));
    cmd.arg("-D").arg(pgdata);
    cmd.args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"]);
    if let Some(u) = user {
        cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
    }
    let out = cmd.output().map_err(io("running initdb for", pgdata))?;
    if !out.status.success() {
        let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
        output.push_str(&String::from_utf8_lossy(&out.stderr));
        return Err(LocalError::Initdb { status: out.status, output });
    }
    tracing::info!(pgdata = %pgdata.display(), "embedded postgres cluster created");
    Ok(())
}

/// The unprivileged user to run PostgreSQL as, when running as root.
fn run_as_user() -> Result<Option<User>, LocalError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Ok(Some(u)) = User::from_name(name) {
            return Ok(Some(u));
        }
    }
    Err(LocalError::NoUser)
}

/// Finds the directory with `initdb` and `postgres`: PATH, then `pg_config --bindir`,
/// then the newest `/usr/lib/postgresql/*/bin`.
pub fn find_bindir() -> Option<PathBuf> {
    let has_both = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if let Ok(real) = fs::canonicalize(&initdb) {
                if let Some(parent) = real.parent().filter(|p| has_both(p)) {
                    return Some(parent.to_path_buf());
                }
            }
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_both(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_both(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}
