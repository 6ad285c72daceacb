//! A real forward proxy for the tests: Debian's tinyproxy, with basic authentication.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running tinyproxy.
pub struct TinyProxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// User and password the proxy demands.
pub const PROXY_USER: &str = "hookproxy";
/// Password of [`PROXY_USER`].
pub const PROXY_PASS: &str = "pr0xy-pass_9";

impl TinyProxy {
    /// Starts tinyproxy on a free port; it requires `PROXY_USER`/`PROXY_PASS`.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let log = dir.path().join("tinyproxy.log");
        let conf = dir.path().join("tinyproxy.conf");
        let running_as_root = nix::unistd::geteuid().is_root();
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n\
                 LogLevel Connect\nLogFile \"{}\"\nBasicAuth {PROXY_USER} {PROXY_PASS}\n{}",
                log.display(),
                if running_as_root { "User nobody\nGroup nogroup\n" } else { "" },
            ),
        )
        .unwrap();
        let binary = ["tinyproxy", "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"]
            .into_iter()
            .find(|b| Command::new(b).arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok())
            .expect("tinyproxy is not installed (.ci/run installs it: apt-get install tinyproxy)");
        let child = Command::new(binary)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "tinyproxy did not listen within 20 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        TinyProxy { port, child, log, _dir: dir }
    }

    /// The proxy URL with credentials.
    pub fn url_with_credentials(&self) -> String {
        format!("http://{PROXY_USER}:{}@127.0.0.1:{}", PROXY_PASS, self.port)
    }

    /// The proxy URL without credentials.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the proxy logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for TinyProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
