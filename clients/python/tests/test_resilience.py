"""Deadlines, retries across a restart, watches that resume, TLS, and the asyncio client."""

import asyncio
import datetime
import socket
import threading
import time
from pathlib import Path

import grpc
import pytest

from conftest import PKI
from webhookd_client import (
    NO_RETRY,
    AsyncWebhookdClient,
    DeadlineExceededError,
    DeliveryStatus,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    UnauthenticatedError,
    UnavailableError,
    WebhookdClient,
    WebhookdError,
    token_pb2,
    webhook_pb2,
)


def test_backoff_doubles_to_its_cap_with_jitter():
    policy = RetryPolicy()
    assert [round(policy.backoff(n, 1.0), 3) for n in (1, 2, 3, 7, 30)] == [0.1, 0.2, 0.4, 5.0, 5.0]
    assert round(policy.backoff(1, 0.0), 3) == 0.05


@pytest.fixture()
def silent():
    """An address that accepts connections (in the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture()
def slow_link(server):
    """A TCP relay to the server that holds every chunk 50 ms, each way (100 ms round trips)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    host, port = server["address"].rsplit(":", 1)
    stop = threading.Event()

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                time.sleep(0.05)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            upstream = socket.create_connection((host, int(port)))
            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


def test_a_first_call_over_a_slow_link_succeeds_without_a_retry(server, slow_link):
    # grpc-core gives a connection attempt (TCP, HTTP/2 settings) as long as the minimum
    # reconnect backoff: it must not be cut to the 100 ms that one round trip here takes.
    with WebhookdClient(slow_link, server["admin"], retry=NO_RETRY) as client:
        assert client.list_event_types()

    async def main():
        async with AsyncWebhookdClient(slow_link, server["admin"], retry=NO_RETRY) as client:
            assert await client.list_event_types()

    asyncio.run(main())


def test_a_portal_link_reaches_its_project_alone_and_ends_when_revoked(server):
    with WebhookdClient(server["address"], server["admin"]) as admin:
        ours = admin.create_webhook("https://example.com/ours", "12345678", ["tag_created"], company_id="portal-py", project_id="web")
        admin.create_webhook("https://example.com/theirs", "12345678", ["tag_created"], company_id="portal-py", project_id="other")
        link = admin.create_portal_link(
            company_id="portal-py",
            project_id="web",
            lifetime=datetime.timedelta(minutes=10),
            frame_ancestors=["https://App.example.com/"],
        )
        assert link.token.portal
        assert list(link.token.frame_ancestors) == ["https://app.example.com"]
        assert f"/portal/{link.token.id}#token=whk_" in link.url
        bearer = link.url.split("#token=")[1]
        with pytest.raises(InvalidArgumentError):
            admin.create_portal_link(company_id="portal-py")
        with WebhookdClient(server["address"], bearer) as portal:
            assert [w.id for w in portal.list_webhooks(company_id="portal-py", project_id="web")] == [ours.id]
            with pytest.raises(PermissionDeniedError):
                list(portal.list_webhooks(company_id="portal-py", project_id="other"))
            with pytest.raises(PermissionDeniedError):
                portal.create_token("admin", company_id="portal-py", project_id="web")
            admin.revoke_token(link.token.id)
            deadline = time.monotonic() + 10
            with pytest.raises(UnauthenticatedError):
                while time.monotonic() < deadline:
                    portal.get_webhook(ours.id)
                    time.sleep(0.02)


def test_reads_and_keyed_publishes_ride_out_three_restarts_and_a_kill(restartable, server):
    address = restartable.address
    stop = threading.Event()
    acked: list = []
    failed: list = []

    def loop(n: int) -> None:
        with WebhookdClient(address, server["publisher"], timeout=60) as publisher, \
                WebhookdClient(address, server["admin"], timeout=60) as reader:
            i = 0
            while not stop.is_set():
                try:
                    acked.append(publisher.publish_event("tag_created", {"l": n, "i": i}, company_id="loops-py").event_id)
                except WebhookdError as e:
                    failed.append(f"publish: {e}")
                try:
                    reader.list_event_types()
                except WebhookdError as e:
                    failed.append(f"read: {e}")
                i += 1

    loops = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(8)]
    for t in loops:
        t.start()
    for _ in range(3):
        time.sleep(0.7)
        restartable.stop()
        restartable.start(server["admin"])
    time.sleep(0.7)
    restartable.kill()
    restartable.start(server["admin"])
    time.sleep(0.7)
    stop.set()
    for t in loops:
        t.join(timeout=120)
    assert failed[:5] == [], f"{len(failed)} of {2 * len(acked)} calls failed"
    assert len(set(acked)) == len(acked), "each publish is its own event"
    assert len(acked) > 0


def test_a_call_past_its_deadline_raises_deadline_exceeded(silent):
    with WebhookdClient(silent, "whk_x", timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            client.list_event_types()
        with pytest.raises(DeadlineExceededError):
            client.publish_event("tag_created", {"i": 1}, timeout=0.2)
        with pytest.raises(DeadlineExceededError):
            list(client.list_event_history("x"))
        assert time.monotonic() - started < 10

    async def main():
        async with AsyncWebhookdClient(silent, "whk_x", timeout=0.3) as client:
            with pytest.raises(DeadlineExceededError):
                await client.list_event_types()
            with pytest.raises(DeadlineExceededError):
                await client.publish_event("tag_created", {"i": 1})

    asyncio.run(main())


def test_a_clients_retry_policy_is_replaced_per_call_with_with_retry():
    # Nothing listens there: every attempt is UNAVAILABLE at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"
    # Retried, the call would run into its deadline: the backoff of the default policy sums
    # past 3 s well before its 10 attempts.
    with WebhookdClient(address, "whk_x", timeout=3) as retrying:
        with pytest.raises(UnavailableError):
            retrying.with_retry(NO_RETRY).list_event_types()
    with WebhookdClient(address, "whk_x", retry=NO_RETRY, timeout=1) as never:
        with pytest.raises(UnavailableError):
            never.list_event_types()
        with pytest.raises(DeadlineExceededError):
            never.with_retry(RetryPolicy(max_attempts=100, initial_backoff=0.1, max_backoff=0.1)).list_event_types()


def test_a_publish_waits_through_a_restart_and_a_watch_resumes(restartable, server, receiver):
    address = restartable.address
    with WebhookdClient(address, server["admin"]) as admin, WebhookdClient(address, server["publisher"]) as publisher:
        hook = admin.create_webhook(receiver.url, "py-secret-value-1", ["tag_created"], company_id="restart-py")
        resumed = []
        seen = []
        watch = admin.watch_deliveries(
            webhook_id=hook.id, status=DeliveryStatus.SUCCESS, on_resume=lambda e, complete: resumed.append((e, complete))
        )

        ended = []

        def read_watch():
            try:
                for record in watch:
                    seen.append(record.event_id)
            except WebhookdError as e:
                ended.append(e)  # CANCELLED when the client closes, below

        reader = threading.Thread(target=read_watch, daemon=True)
        reader.start()
        first_id = _publish_until_seen(publisher, seen, "restart-py")

        restartable.stop()
        with pytest.raises(UnavailableError) as failed:
            with WebhookdClient(address, server["publisher"], retry=NO_RETRY) as once:
                once.publish_event("tag_created", {"i": 0}, company_id="restart-py")
        # A publish that fails for good says which idempotency key it went with.
        assert failed.value.idempotency_key and len(failed.value.idempotency_key) == 36
        answers = []
        publishing = threading.Thread(
            target=lambda: answers.append(publisher.publish_event("tag_created", {"i": 2}, company_id="restart-py"))
        )
        publishing.start()
        restartable.start(server["admin"])
        publishing.join(timeout=60)
        assert len(answers) == 1 and not answers[0].duplicate, "the publish waited for the server"

        # The watch resumed from the last change it had seen: it misses nothing (the second
        # delivery, made while it was away or after) and sees nothing twice.
        _wait(lambda: resumed, "the watch to resume")
        assert len(resumed) == 1 and resumed[0][0].code == grpc.StatusCode.UNAVAILABLE and resumed[0][1] is True
        third = publisher.publish_event("tag_created", {"i": 3}, company_id="restart-py")
        _wait(lambda: third.event_id in seen, "the delivery after the resume on the watch")
        events = [r.event_id for r in admin.list_event_history(hook.id)]
        assert first_id in events and events.count(answers[0].event_id) == 1 and events.count(third.event_id) == 1
        assert answers[0].event_id in seen, "the delivery made while the watch was away"
        assert sorted(seen) == sorted(set(seen)), "each change once"
        delivered = lambda: {r.event_id for r in admin.list_event_history(hook.id) if r.status == DeliveryStatus.SUCCESS}
        _wait(lambda: set(seen) >= delivered(), "every delivery on the watch")
    reader.join(timeout=30)
    assert not reader.is_alive() and [e.code for e in ended] == [grpc.StatusCode.CANCELLED]


def test_a_watch_without_resume_raises_when_the_server_goes(restartable, server, receiver):
    with WebhookdClient(restartable.address, server["admin"]) as admin, \
            WebhookdClient(restartable.address, server["publisher"]) as publisher:
        hook = admin.create_webhook(receiver.url, "py-secret-value-1", ["tag_created"], company_id="once-py")
        watch = admin.watch_deliveries(webhook_id=hook.id, status=DeliveryStatus.SUCCESS, resume=False)
        seen, errors = [], []

        def read_watch():
            try:
                for record in watch:
                    seen.append(record.event_id)
            except WebhookdError as e:
                errors.append(e)

        reader = threading.Thread(target=read_watch, daemon=True)
        reader.start()
        _publish_until_seen(publisher, seen, "once-py")
        restartable.stop()
        reader.join(timeout=30)
        assert len(errors) == 1 and isinstance(errors[0], UnavailableError), errors


def test_tls_with_a_custom_ca_and_a_client_certificate(tls_server, server):
    pki = Path(PKI)
    ca = (pki / "ca.pem").read_bytes()
    identity = ((pki / "client.pem").read_bytes(), (pki / "client.key").read_bytes())
    url = f"https://localhost:{tls_server.port}"
    with WebhookdClient(url, server["admin"], ca_certificate=ca, client_certificate=identity) as client:
        assert any(t.name == "tag_created" for t in client.list_event_types())
    # Each way the TLS set-up can be wrong fails at once (retried, it would run into the
    # deadline and raise DEADLINE_EXCEEDED) and says what to change; https never falls back
    # to plaintext.
    cases = [
        ("unknown issuer", url, {}, UnavailableError),
        ("does not name the host", f"https://127.0.0.1:{tls_server.port}", {"ca_certificate": ca}, UnavailableError),
        ("requires a client certificate", url, {"ca_certificate": ca}, UnavailableError),
        ("address it as host:port", f"https://{server['address']}", {"ca_certificate": ca}, UnavailableError),
        ("address the server as https://", f"localhost:{tls_server.port}", {}, FailedPreconditionError),
    ]
    for says, address, options, kind in cases:
        with WebhookdClient(address, server["admin"], timeout=20, **options) as badly:
            with pytest.raises(kind) as failed:
                badly.list_event_types()
            assert says in failed.value.message, failed.value
            assert failed.value.tls == (kind is UnavailableError)
    with pytest.raises(ValueError):
        WebhookdClient(f"http://localhost:{tls_server.port}", server["admin"], ca_certificate=ca)


def test_the_asyncio_client(server, receiver):
    async def main():
        async with AsyncWebhookdClient(server["address"], server["admin"]) as admin, \
                AsyncWebhookdClient(server["address"], server["publisher"]) as publisher:
            hook = await admin.create_webhook(receiver.url, "py-secret-value-1", ["project_created"], company_id="aio")
            assert [h.id async for h in admin.list_webhooks(company_id="aio", page_size=1)] == [hook.id]
            watch = admin.watch_deliveries(webhook_id=hook.id, status=DeliveryStatus.SUCCESS)
            # The watch is open once it reports a delivery (one made before it opened is not
            # reported): publish until it does.
            first = asyncio.ensure_future(watch.__anext__())
            sent = []
            for _ in range(150):
                sent.append((await publisher.publish_event("project_created", {"projectId": "p"},
                                                           company_id="aio")).event_id)
                await asyncio.wait([first], timeout=0.2)
                if first.done():
                    break
            record = first.result()
            assert record.event_id in sent and record.status == DeliveryStatus.SUCCESS
            await watch.aclose()
            history = await admin.list_event_history(hook.id, status="success")
            assert record.event_id in [r.event_id for r in history]
            detail = await admin.get_delivery(history[0].id)
            assert detail.request_body.endswith(b'"payload":{"projectId":"p"}}')
            with pytest.raises(InvalidArgumentError) as err:
                await admin.create_webhook("ftp://x", "12345678", ["project_created"])
            assert [f for f, _ in err.value.field_violations] == ["target_url"]
            await admin.delete_webhook(hook.id)
            with pytest.raises(NotFoundError):
                await admin.get_webhook(hook.id)

    asyncio.run(main())


def test_list_webhooks_follows_every_page(server):
    with WebhookdClient(server["address"], server["admin"]) as admin:
        made = {admin.create_webhook("https://example.com/h%d" % i, "12345678", ["tag_created"],
                                     company_id="pages-py").id for i in range(5)}
        assert {h.id for h in admin.list_webhooks(company_id="pages-py", page_size=2)} == made


def _publish_until_seen(publisher, seen, company: str) -> str:
    """Publishes until the watch read into ``seen`` reports one of the events (one published
    before the watch opened is never reported); returns its id."""
    published = []
    for i in range(150):
        published.append(publisher.publish_event("tag_created", {"i": 100 + i}, company_id=company).event_id)
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            hits = [e for e in seen if e in published]
            if hits:
                return hits[0]
            time.sleep(0.01)
    raise AssertionError(f"the watch reported none of {len(published)} deliveries")


def _wait(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_tokens_are_created_listed_and_revoked(server):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    with WebhookdClient(server["address"], server["admin"]) as admin:
        made = admin.create_token("publisher", company_id="tokens-py", description="py", expire_time=expires)
        assert made.bearer_token.startswith("whk_")
        assert made.token.role == token_pb2.TOKEN_ROLE_PUBLISHER
        assert abs(made.token.expire_time.ToDatetime(datetime.timezone.utc) - expires) < datetime.timedelta(seconds=1)
        assert [t.id for t in admin.list_tokens(company_id="tokens-py")] == [made.token.id]
        with pytest.raises(ValueError):
            admin.create_token("owner")
        with pytest.raises(ValueError):
            admin.create_token("admin", expire_time=datetime.datetime.now())
        with WebhookdClient(server["address"], made.bearer_token) as publisher:
            publisher.publish_event("tag_created", {"by": "token"}, company_id="tokens-py")
            revoked = admin.revoke_token(made.token.id)
            assert revoked.HasField("revoke_time")
            deadline = time.monotonic() + 10
            with pytest.raises(UnauthenticatedError):
                while time.monotonic() < deadline:
                    publisher.publish_event("tag_created", {"by": "token"}, company_id="tokens-py")
                    time.sleep(0.02)
        assert list(admin.list_tokens(company_id="tokens-py")) == []
        actions = [(e.action, e.resource_id) for e in admin.list_audit_events(company_id="tokens-py", include_descendants=True)]
        assert actions == [("token.revoke", made.token.id), ("token.create", made.token.id)]
        assert admin.list_audit_events(company_id="tokens-py", limit=1)[0].changes == {}
        assert [t.id for t in admin.list_tokens(company_id="tokens-py", show_inactive=True)] == [made.token.id]

    async def main():
        async with AsyncWebhookdClient(server["address"], server["admin"]) as admin:
            made = await admin.create_token("admin", company_id="tokens-aio", project_id="web")
            assert [t.id async for t in admin.list_tokens(company_id="tokens-aio", include_descendants=True)] == [
                made.token.id
            ]
            assert (await admin.revoke_token(made.token.id)).HasField("revoke_time")

    asyncio.run(main())


def test_a_new_secret_with_a_grace_period_shows_its_rotation(server):
    with WebhookdClient(server["address"], server["admin"]) as admin:
        hook = admin.create_webhook("https://example.com/rotate", "first-secret-1", ["tag_created"],
                                    company_id="rotate-py")
        assert not hook.HasField("secret_rotation_end_time")
        rotated = admin.update_webhook(hook.id, secret="second-secret-2",
                                       secret_grace_period=datetime.timedelta(hours=2))
        end = rotated.secret_rotation_end_time.ToDatetime(datetime.timezone.utc)
        expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
        assert abs(end - expected) < datetime.timedelta(minutes=1)
        now = admin.update_webhook(hook.id, secret="third-secret-3", secret_grace_period=datetime.timedelta(0))
        assert not now.HasField("secret_rotation_end_time")
        with pytest.raises(InvalidArgumentError) as err:
            admin.update_webhook(hook.id, events=["tag_created"], secret_grace_period=datetime.timedelta(hours=1))
        assert [f for f, _ in err.value.field_violations] == ["secret_grace_period"]


def test_limits_pause_and_the_state_filter(server):
    with WebhookdClient(server["address"], server["admin"]) as admin:
        hook = admin.create_webhook("https://example.com/limits", "12345678", ["tag_created"],
                                    company_id="states-py", max_in_flight=5, rate_limit_per_second=20)
        assert (hook.max_in_flight, hook.rate_limit_per_second) == (5, 20)
        assert hook.state == webhook_pb2.WEBHOOK_STATE_ACTIVE
        other = admin.create_webhook("https://example.com/other", "12345678", ["tag_created"],
                                     company_id="states-py", state="paused")
        assert other.state == webhook_pb2.WEBHOOK_STATE_PAUSED
        paused = admin.update_webhook(hook.id, state="paused", rate_limit_per_second=0)
        assert paused.state == webhook_pb2.WEBHOOK_STATE_PAUSED and paused.rate_limit_per_second == 0
        assert paused.max_in_flight == 5
        assert paused.state_reason.startswith("paused by token ")
        assert {h.id for h in admin.list_webhooks(company_id="states-py", states=["paused"])} == {hook.id, other.id}
        assert list(admin.list_webhooks(company_id="states-py", states=["active", "disabled"])) == []
        with pytest.raises(InvalidArgumentError) as err:
            admin.update_webhook(hook.id, state="disabled")
        assert [f for f, _ in err.value.field_violations] == ["state"]
        with pytest.raises(ValueError):
            admin.update_webhook(hook.id, state="asleep")
        assert admin.update_webhook(hook.id, state="active").state == webhook_pb2.WEBHOOK_STATE_ACTIVE

    async def main():
        async with AsyncWebhookdClient(server["address"], server["admin"]) as admin:
            hook = await admin.create_webhook("https://example.com/aio", "12345678", ["tag_created"],
                                              company_id="states-aio", state="paused", max_in_flight=2)
            assert [h.id async for h in admin.list_webhooks(company_id="states-aio", states=["paused"])] == [hook.id]
            resumed = await admin.update_webhook(hook.id, state="active", max_in_flight=0)
            assert (resumed.state, resumed.max_in_flight) == (webhook_pb2.WEBHOOK_STATE_ACTIVE, 0)

    asyncio.run(main())
