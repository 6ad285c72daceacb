"""Starts a real webhookd server (and a real HTTP receiver) for the client tests.

WEBHOOKD_BIN names the server binary (default: the workspace's target/debug/webhookd);
WEBHOOKD_TEST_DATABASE_URL makes it use that database instead of its embedded PostgreSQL.
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

import grpc
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "examples"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("WEBHOOKD_BIN") or str(REPO / "target" / "debug" / "webhookd")
    assert Path(binary).exists(), f"{binary} not found: run `cargo build` first or set WEBHOOKD_BIN"
    tmp = tempfile.mkdtemp(prefix="webhookd-py-")
    os.chmod(tmp, 0o755)  # the embedded PostgreSQL runs as an unprivileged user
    data = os.path.join(tmp, "data")
    db = ["--database-url", os.environ["WEBHOOKD_TEST_DATABASE_URL"]] if os.environ.get("WEBHOOKD_TEST_DATABASE_URL") else []
    address = f"127.0.0.1:{_free_port()}"
    proc = subprocess.Popen(
        [binary, "serve", "--listen", address, "--data-dir", data, "--allow-targets", "127.0.0.1/32", *db],
        env={**os.environ, "RUST_LOG": "warn"},
    )
    token_file = Path(data) / "admin.token"
    deadline = time.time() + 60
    while True:
        assert proc.poll() is None, "webhookd exited during start"
        if token_file.exists():
            from webhookd_client import WebhookdClient

            try:
                with WebhookdClient(address, token_file.read_text().strip()) as c:
                    c.list_event_types()
                break
            except grpc.RpcError:
                pass
        assert time.time() < deadline, "webhookd did not start within 60 s"
        time.sleep(0.05)
    publisher = subprocess.run(
        [binary, "token", "create", "--role", "publisher", "--data-dir", data, *db],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    yield {"address": address, "admin": token_file.read_text().strip(), "publisher": publisher}
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)


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
