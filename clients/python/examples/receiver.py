import json
from typing import Any, Dict, Mapping
from webhookd_client import verify_mia_signature, verify_standard_webhook

SECRET = "change-me-please"

def handle(body: bytes, headers: Mapping[str, str]) -> Dict[str, Any]:
    """Verify the raw body first, then parse it. Raises ValueError on a forged or stale request."""
    if not verify_mia_signature(body, headers.get("X-Mia-Signature", ""), SECRET):
        raise ValueError("bad X-Mia-Signature")
    if not verify_standard_webhook(body, dict(headers.items()), SECRET, tolerance=300):
        raise ValueError("bad or stale webhook-signature")
    event: Dict[str, Any] = json.loads(body)
    return event
