import json
from webhookd_client import verify_mia_signature, verify_standard_webhook

SECRET = "change-me-please"

def handle(body: bytes, headers) -> dict:
    """Verify the raw body first, then parse it. Raises ValueError on a forged or stale request."""
    if not verify_mia_signature(body, headers.get("X-Mia-Signature"), SECRET):
        raise ValueError("bad X-Mia-Signature")
    if not verify_standard_webhook(body, dict(headers.items()), SECRET, tolerance=300):
        raise ValueError("bad or stale webhook-signature")
    return json.loads(body)
