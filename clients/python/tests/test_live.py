"""Against a real webhookd: publish, receive, verify, read history and the delivery body."""

import asyncio
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

import webhookd_client
from conftest import PKI
from webhookd_client import (
    AsyncWebhookdClient,
    DeliveryStatus,
    InvalidArgumentError,
    UnauthenticatedError,
    WebhookdClient,
    WebhookdError,
    field_violations,
    verify_mia_signature,
    verify_standard_webhook,
    verify_standard_webhook_v1a,
)

SECRET = "py-secret-value-1"


def test_publish_receive_verify_and_read_back(server, receiver):
    with WebhookdClient(server["address"], server["admin"]) as admin, \
            WebhookdClient(server["address"], server["publisher"]) as publisher:
        # Its own company: the README example below uses acme.
        hook = admin.create_webhook(receiver.url, SECRET, ["project_created"], company_id="globex")
        assert hook.id and hook.scope.company_id == "globex"
        payload = '{"projectId":"web","big":12345678901234567890,"nested":{"list":[1,2.50]}}'
        sent = publisher.publish_event("project_created", payload, company_id="globex", project_id="web")
        assert sent.deliveries == 1 and not sent.duplicate

        path, headers, body = receiver.next()
        assert path == "/hook"
        assert verify_mia_signature(body, headers["X-Mia-Signature"], SECRET)
        assert verify_standard_webhook(body, dict(headers.items()), SECRET)
        assert not verify_mia_signature(body, headers["X-Mia-Signature"], "another-secret")
        assert body.decode().endswith('"payload":' + payload + "}"), "payload sent byte for byte"
        assert json.loads(body)["payload"]["big"] == 12345678901234567890

        deadline = time.time() + 20
        while True:
            records = list(admin.list_event_history(hook.id))
            if records and records[0].status == DeliveryStatus.SUCCESS:
                break
            assert time.time() < deadline, records
            time.sleep(0.05)
        assert [r.event_type for r in records] == ["project_created"]
        assert records[0].status_code == 200
        assert list(admin.list_event_history(hook.id, status="error")) == []
        assert [r.id for r in admin.list_event_history(hook.id, status=DeliveryStatus.SUCCESS)] == [records[0].id]
        detail = admin.get_delivery(records[0].id)
        assert detail.request_body == body
        assert {h.name: h.value for h in detail.request_headers}["x-mia-signature"] == headers["X-Mia-Signature"]

        again = admin.redeliver_event(records[0].id)
        _, headers2, body2 = receiver.next()
        assert body2 == body and headers2["webhook-id"] == again.id

        # Per-call metadata: a traceparent given once reaches the receiver's request.
        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        publisher.with_metadata([("traceparent", parent)]).publish_event("project_created", "{}", company_id="globex")
        _, headers3, _ = receiver.next()
        assert headers3["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_filters_and_labels_route_events(server, receiver):
    with WebhookdClient(server["address"], server["admin"]) as admin, \
            WebhookdClient(server["address"], server["publisher"]) as publisher:
        hook = admin.create_webhook(
            receiver.url, SECRET, ["project_created"], company_id="initech",
            filter='{"tier":"gold"}', labels={"region": "eu"},
        )
        assert hook.filter == '{"tier": "gold"}' and dict(hook.labels) == {"region": "eu"}
        assert admin.get_webhook(hook.id).labels == hook.labels

        def fanned(payload: str, **labels: str) -> int:
            return publisher.publish_event("project_created", payload, company_id="initech", labels=labels).deliveries

        assert fanned('{"tier":"gold"}', region="eu") == 1
        assert fanned('{"tier":"silver"}', region="eu") == 0
        assert fanned('{"tier":"gold"}') == 0
        _, _, body = receiver.next()
        assert json.loads(body)["payload"] == {"tier": "gold"}

        changed = admin.update_webhook(hook.id, filter="", labels={})
        assert changed.filter == "" and not changed.labels
        assert fanned('{"tier":"silver"}') == 1
        receiver.next()


def test_a_client_certificate_is_set_shown_without_its_key_and_removed(server, receiver):
    assert PKI, "cargo test sets WEBHOOKD_TEST_PKI"
    cert = Path(PKI, "client.pem").read_text()
    key = Path(PKI, "client.key").read_text()
    with WebhookdClient(server["address"], server["admin"]) as admin:
        hook = admin.create_webhook(
            receiver.url, SECRET, ["project_created"], company_id="initech",
            client_certificate=cert, client_key=key,
        )
        assert hook.client_certificate == cert
        assert "PRIVATE KEY" not in str(admin.get_webhook(hook.id))
        with pytest.raises(InvalidArgumentError) as refused:
            admin.update_webhook(hook.id, client_certificate=cert)
        assert [f for f, _ in refused.value.field_violations] == ["client_key"]
        removed = admin.update_webhook(hook.id, client_certificate="")
        assert removed.client_certificate == ""


def test_v1a_signatures_verify_with_the_public_key_through_a_rotation(server, receiver):
    with WebhookdClient(server["address"], server["admin"]) as admin:
        hook = admin.create_webhook(
            receiver.url, SECRET, ["project_created"], company_id="hooli", signature_scheme="v1a"
        )
        first = hook.signing_public_key
        assert first.startswith("whpk_")
        with WebhookdClient(server["address"], server["publisher"]) as publisher:
            publisher.publish_event("project_created", {"n": 1}, company_id="hooli")
            _, headers, body = receiver.next()
            assert verify_standard_webhook_v1a(body, dict(headers.items()), [first])
            assert not verify_standard_webhook(body, dict(headers.items()), SECRET), "V1A carries no v1 entry"
            assert verify_mia_signature(body, headers["X-Mia-Signature"], SECRET)
            rotated = admin.update_webhook(
                hook.id, rotate_signing_key=True, signing_key_grace_period=datetime.timedelta(hours=1),
                signature_scheme="v1_and_v1a",
            )
            second = rotated.signing_public_key
            assert second != first and rotated.previous_signing_public_key == first
            keys = admin.get_signing_keys(company_id="hooli")
            assert [(k.public_key, k.previous_public_key) for k in keys] == [(second, first)]
            publisher.publish_event("project_created", {"n": 2}, company_id="hooli")
            _, headers, body = receiver.next()
            assert verify_standard_webhook_v1a(body, dict(headers.items()), [second])
            assert verify_standard_webhook_v1a(body, dict(headers.items()), [first]), "the replaced key signs during the overlap"
            assert verify_standard_webhook(body, dict(headers.items()), SECRET)
            assert not verify_standard_webhook_v1a(body.replace(b"2", b"3"), dict(headers.items()), [second])
        from webhookd.v1 import webhook_pb2

        assert admin.update_webhook(hook.id, ordering="fifo").ordering == webhook_pb2.DELIVERY_ORDERING_FIFO


def test_errors_are_typed_and_name_the_field(server):
    with WebhookdClient(server["address"], server["admin"]) as admin:
        with pytest.raises(InvalidArgumentError) as err:
            admin.create_webhook("ftp://example.com/hook", "12345678", ["project_created"])
        assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.message.startswith("target_url:")
        assert [field for field, _ in err.value.field_violations] == ["target_url"]
        assert isinstance(err.value.__cause__, grpc.RpcError)
        assert [f for f, _ in field_violations(err.value.__cause__)] == ["target_url"]
        with pytest.raises(InvalidArgumentError) as err:
            admin.create_webhook("https://example.com/hook", "12345678", ["no_such_event"])
        assert "events" in err.value.message
        with pytest.raises(ValueError):
            list(admin.list_event_history("x", status="failed"))
    with WebhookdClient(server["address"], "not-a-token") as nobody:
        with pytest.raises(UnauthenticatedError) as err:
            nobody.list_event_types()
        assert isinstance(err.value, WebhookdError) and err.value.field_violations == []
    # Every status code has its own class; none falls back to another's.
    import webhookd_client.errors as errors

    classes = {code: errors.from_rpc_error(_Failed(code)) for code in grpc.StatusCode if code != grpc.StatusCode.OK}
    assert len({type(e) for e in classes.values()}) == len(classes), classes
    assert all(e.code == code for code, e in classes.items())


class _Failed(grpc.RpcError):
    """A failed call's error with only its code, as ``from_rpc_error`` reads it."""

    def __init__(self, code: grpc.StatusCode):
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return "x"


def test_readme_examples_run(server, receiver):
    examples = Path(__file__).resolve().parents[1] / "examples"
    env = {
        **os.environ,
        "WEBHOOKD_ADDRESS": server["address"],
        "WEBHOOKD_ADMIN_TOKEN": server["admin"],
        "WEBHOOKD_PUBLISHER_TOKEN": server["publisher"],
        "RECEIVER_URL": receiver.url,
    }
    out = subprocess.run([sys.executable, str(examples / "quickstart.py")], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert "published" in out and "to 1 webhook(s)" in out
    assert "refused: [('target_url', " in out

    import receiver as receiver_example  # examples/receiver.py

    _, headers, body = receiver.next()
    event = receiver_example.handle(body, headers)
    assert event["eventName"] == "project_created" and event["payload"]["createdAt"] == 1700000000123
    with pytest.raises(ValueError):
        receiver_example.handle(body.replace(b"web", b"bew"), headers)


def test_a_stream_of_100000_events_is_fully_acknowledged(server):
    """grpcio sends each message in its own small DATA frame; the whole stream completes."""
    n = 100_000
    with WebhookdClient(server["address"], server["publisher"]) as publisher:
        requests = (
            publisher.event("tag_created", '{"i":%d}' % i, company_id="stream-py", idempotency_key="py-%d" % i)
            for i in range(n)
        )
        acked = sum(1 for ack in publisher.publish_events(requests) if not ack.duplicate)
    assert acked == n


def test_the_asyncio_client_streams_events_too(server):
    """The blocking client is generated from the asyncio one: both have every method."""
    n = 2_000

    async def main() -> int:
        async with AsyncWebhookdClient(server["address"], server["publisher"]) as publisher:
            requests = (
                publisher.event("tag_created", '{"i":%d}' % i, company_id="stream-aio", idempotency_key="aio-%d" % i)
                for i in range(n)
            )
            return sum([1 async for ack in publisher.publish_events(requests) if not ack.duplicate])

    assert asyncio.run(main()) == n
    assert [m for m in dir(WebhookdClient) if not m.startswith("__")] == [
        m for m in dir(AsyncWebhookdClient) if not m.startswith("__")
    ]


def test_readme_examples_pass_mypy_strict():
    examples = Path(__file__).resolve().parents[1] / "examples"
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "quickstart.py", "receiver.py"],
        cwd=examples, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_audit_log_names_this_client_and_its_version(server):
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert f'version = "{webhookd_client.__version__}"' in pyproject, "one version, written twice"
    with WebhookdClient(server["address"], server["admin"]) as admin:
        hook = admin.create_webhook("https://example.com/ua", "py-secret-value-1", ["tag_created"], company_id="ua-py")
        [made] = admin.list_audit_events(company_id="ua-py", resource_id=hook.id)
    assert made.action == "webhook.create"
    assert made.user_agent.startswith(f"webhookd-client-python/{webhookd_client.__version__} "), made.user_agent
