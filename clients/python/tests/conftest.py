"""Starts real webhookd servers (and a real HTTP receiver) for the client tests.

WEBHOOKD_BIN names the server binary (default: the workspace's target/debug/webhookd);
WEBHOOKD_TEST_DATABASE_URL makes it use that database instead of its embedded PostgreSQL
(the tests that restart a server need it); WEBHOOKD_TEST_PKI names a directory with ca.pem,
server.pem/.key and client.pem/.key for the TLS tests.
"""

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "examples"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BINARY = os.environ.get("WEBHOOKD_BIN") or str(REPO / "target" / "debug" / "webhookd")
DATABASE_URL = os.environ.get("WEBHOOKD_TEST_DATABASE_URL")
PKI = os.environ.get("WEBHOOKD_TEST_PKI")


class Server:
    """A webhookd process on a fixed address, which can be stopped and started again."""

    def __init__(self, data: str, extra: tuple = (), tls: bool = False):
        self.data = data
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.tls = tls
        self.extra = list(extra)
        self.db = ["--database-url", DATABASE_URL] if DATABASE_URL else []
        self.proc: "subprocess.Popen[bytes] | None" = None

    def start(self, token: "str | None" = None) -> None:
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--listen", self.address, "--data-dir", self.data, "--allow-targets", "127.0.0.1/32",
             *self.db, *self.extra],
            env={**os.environ, "RUST_LOG": "warn"},
        )
        from webhookd_client import NO_RETRY, WebhookdClient, WebhookdError

        token_file = Path(self.data) / "admin.token"
        deadline = time.time() + 60
        while True:
            assert self.proc.poll() is None, "webhookd exited during start"
            probe = token or (token_file.read_text().strip() if token_file.exists() else None)
            if probe:
                tls = {
                    "ca_certificate": Path(PKI, "ca.pem").read_bytes(),
                    "client_certificate": (Path(PKI, "client.pem").read_bytes(), Path(PKI, "client.key").read_bytes()),
                } if self.tls else {}
                url = f"https://localhost:{self.port}" if self.tls else self.address
                try:
                    with WebhookdClient(url, probe, retry=NO_RETRY, timeout=2, **tls) as c:
                        c.list_event_types()
                    return
                except WebhookdError:
                    pass
            assert time.time() < deadline, "webhookd did not start within 60 s"
            time.sleep(0.05)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.proc = None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc = None

    def cli(self, *args: str) -> str:
        return subprocess.run([BINARY, *args, "--data-dir", self.data, *self.db], check=True,
                              capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def tmp_root():
    tmp = tempfile.mkdtemp(prefix="webhookd-py-")
    os.chmod(tmp, 0o755)  # the embedded PostgreSQL runs as an unprivileged user
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def server(tmp_root):
    assert Path(BINARY).exists(), f"{BINARY} not found: run `cargo build` first or set WEBHOOKD_BIN"
    main = Server(os.path.join(tmp_root, "data"))
    main.start()
    admin = (Path(main.data) / "admin.token").read_text().strip()
    publisher = main.cli("token", "create", "--role", "publisher")
    yield {"address": main.address, "admin": admin, "publisher": publisher, "server": main}
    main.stop()


@pytest.fixture()
def restartable(server, tmp_root):
    """A second server on the same database, for tests that stop and start it."""
    assert DATABASE_URL, "the restart tests need WEBHOOKD_TEST_DATABASE_URL (cargo test sets it)"
    other = Server(tempfile.mkdtemp(dir=tmp_root))
    other.start(server["admin"])
    yield other
    if other.proc is not None:
        other.stop()


@pytest.fixture(scope="session")
def tls_server(server, tmp_root):
    """A TLS server requiring client certificates (mutual TLS), on the same database."""
    assert PKI, "the TLS tests need WEBHOOKD_TEST_PKI (cargo test sets it)"
    assert DATABASE_URL, "the TLS tests need WEBHOOKD_TEST_DATABASE_URL (cargo test sets it)"
    pki = Path(PKI)
    tls = Server(tempfile.mkdtemp(dir=tmp_root), tls=True, extra=(
        "--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"),
        "--tls-client-ca", str(pki / "ca.pem")))
    tls.start(server["admin"])
    yield tls
    if tls.proc is not None:
        tls.stop()


class Receiver:
    def __init__(self):
        self.requests: "queue.Queue" = queue.Queue()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.put((self.path, self.headers, body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def next(self, timeout: float = 20):
        return self.requests.get(timeout=timeout)


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.httpd.shutdown()
