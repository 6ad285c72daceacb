import json
from pathlib import Path

from webhookd_client import verify_mia_signature, verify_standard_webhook

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "testdata" / "signature_vectors.json").read_text())["vectors"]


def headers_of(v):
    return {
        "webhook-id": v["webhook_id"],
        "webhook-timestamp": str(v["webhook_timestamp"]),
        "webhook-signature": v["webhook_signature"],
    }


def test_vectors_from_the_rust_side_verify():
    assert len(VECTORS) >= 4
    for v in VECTORS:
        body, secret, now = v["body"].encode(), v["secret"], v["webhook_timestamp"] + 10
        assert verify_mia_signature(body, v["x_mia_signature"], secret), v["name"]
        assert verify_mia_signature(body, v["x_mia_signature"], secret.encode()), v["name"]
        assert verify_standard_webhook(body, headers_of(v), secret, now=now), v["name"]
        assert verify_standard_webhook(body, headers_of(v), v["standard_webhooks_secret"], now=now), v["name"]
        upper = {k.upper(): val for k, val in headers_of(v).items()}
        assert verify_standard_webhook(body, upper, secret, now=now), "header names are case-insensitive"


def test_tampering_staleness_and_missing_headers_fail():
    v = VECTORS[0]
    body, secret, now = v["body"].encode(), v["secret"], v["webhook_timestamp"]
    assert not verify_mia_signature(body + b" ", v["x_mia_signature"], secret)
    assert not verify_mia_signature(body, v["x_mia_signature"], secret + "x")
    assert not verify_mia_signature(body, None, secret)
    assert not verify_standard_webhook(body.replace(b"1", b"2"), headers_of(v), secret, now=now)
    assert not verify_standard_webhook(body, headers_of(v), "wrong-secret", now=now)
    assert not verify_standard_webhook(body, headers_of(v), secret, now=now + 301)
    assert not verify_standard_webhook(body, headers_of(v), secret, now=now - 301)
    assert verify_standard_webhook(body, headers_of(v), secret, now=now + 299)
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        h = headers_of(v)
        del h[missing]
        assert not verify_standard_webhook(body, h, secret, now=now)
    h = headers_of(v)
    h["webhook-signature"] = "v2," + h["webhook-signature"][3:]
    assert not verify_standard_webhook(body, h, secret, now=now)
    h["webhook-signature"] = "v1,bm9wZQ== " + headers_of(v)["webhook-signature"]
    assert verify_standard_webhook(body, h, secret, now=now), "any of several signatures may match"


def test_verify_event_returns_the_event_or_says_why_not():
    import hashlib
    import hmac as hm
    import base64

    from webhookd_client import VerificationError, verify_event

    for v in VECTORS:
        body, secret, now = v["body"].encode(), v["secret"], v["webhook_timestamp"] + 10
        headers = {**headers_of(v), "X-Mia-Signature": v["x_mia_signature"]}
        event = verify_event(body, headers, secret, now=now)
        parsed = json.loads(body)
        assert event["eventName"] == parsed["eventName"] and event["payload"] == parsed["payload"]
        assert event["deliveryId"] == v["webhook_id"]
    v = VECTORS[0]
    body, secret, now = v["body"].encode(), v["secret"], v["webhook_timestamp"]
    headers = {**headers_of(v), "X-Mia-Signature": v["x_mia_signature"]}
    cases = [
        (body + b" ", headers, now, "bad_signature"),
        (body, headers_of(v), now, "bad_signature"),
        (body, headers, now + 301, "stale"),
        (body, {k: x for k, x in headers.items() if k != "webhook-id"}, now, "missing_header"),
    ]
    for b, h, t, reason in cases:
        try:
            verify_event(b, h, secret, now=t)
        except VerificationError as e:
            assert e.reason == reason, (reason, e)
        else:
            raise AssertionError(f"verified, though {reason}")
    # Signed by the rules, yet not an event.
    raw, key = b"[1]", b"k"
    mia = hashlib.sha256(raw + key).hexdigest()
    sig = "v1," + base64.b64encode(hm.new(key, b"id.5." + raw, hashlib.sha256).digest()).decode()
    h = {"x-mia-signature": mia, "webhook-id": "id", "webhook-timestamp": "5", "webhook-signature": sig}
    try:
        verify_event(raw, h, key, now=5)
    except VerificationError as e:
        assert e.reason == "malformed"
    else:
        raise AssertionError("a body that is no event verified")


def test_v1a_vectors_verify_with_their_public_key_only():
    from webhookd_client import verify_standard_webhook_v1a

    for v in VECTORS:
        body, now, key = v["body"].encode(), v["webhook_timestamp"] + 10, v["signing_public_key"]
        h = {**headers_of(v), "webhook-signature": v["webhook_signature"] + " " + v["webhook_signature_v1a"]}
        assert verify_standard_webhook_v1a(body, h, [key], now=now), v["name"]
        assert not verify_standard_webhook_v1a(body, headers_of(v), [key], now=now), "a v1 entry is no v1a signature"
        assert not verify_standard_webhook_v1a(body + b" ", h, [key], now=now)
        assert not verify_standard_webhook_v1a(body, h, [key], now=now + 301)
        other = [w["signing_public_key"] for w in VECTORS if w is not v]
        assert not verify_standard_webhook_v1a(body, h, other, now=now), "another key pair's key"
        assert verify_standard_webhook_v1a(body, h, other + [key], now=now), "any of the keys given may match"
    try:
        verify_standard_webhook_v1a(b"{}", headers_of(VECTORS[0]), ["whpk_AAAA"])
    except ValueError:
        pass
    else:
        raise AssertionError("a malformed public key is refused")
