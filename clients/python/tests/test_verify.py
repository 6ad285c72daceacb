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
