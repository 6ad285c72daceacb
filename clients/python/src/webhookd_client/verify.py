"""Receiver side: verify what webhookd signed, over the raw body bytes, in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Dict, Iterable, Mapping, Optional, Union

Secret = Union[str, bytes]


def _secret_bytes(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def verify_mia_signature(body: bytes, header: Optional[str], secret: Secret) -> bool:
    """True when ``header`` (``X-Mia-Signature``) is hex(sha256(body + secret))."""
    if not header:
        return False
    want = hashlib.sha256(body + _secret_bytes(secret)).hexdigest()
    return hmac.compare_digest(want, header.strip().lower())


def _standard_webhook_failure(
    body: bytes, headers: Mapping[str, str], secret: Secret, tolerance: float, now: Optional[float]
) -> Optional[str]:
    """Why the Standard Webhooks headers do not sign ``body`` (a ``VerificationError`` reason),
    or ``None`` when they do."""
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, ts, signatures = h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature")
    if not msg_id or not ts or not signatures:
        return "missing_header"
    try:
        ts_num = int(ts.strip())
    except ValueError:
        return "stale"
    if abs((time.time() if now is None else now) - ts_num) > tolerance:
        return "stale"
    key = _secret_bytes(secret)
    if key.startswith(b"whsec_"):
        try:
            key = base64.b64decode(key[len(b"whsec_"):], validate=True)
        except ValueError:
            return "mismatch"
    want = hmac.new(key, f"{msg_id}.{ts.strip()}.".encode() + body, hashlib.sha256).digest()
    for candidate in signatures.split():
        version, _, b64 = candidate.partition(",")
        if version != "v1":
            continue
        try:
            got = base64.b64decode(b64, validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(got, want):
            return None
    return "mismatch"


def verify_standard_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secret: Secret,
    tolerance: float = 300,
    now: Optional[float] = None,
) -> bool:
    """True when the Standard Webhooks headers sign ``body`` with ``secret`` (raw, or ``whsec_…``)
    and ``webhook-timestamp`` is within ``tolerance`` seconds of ``now``."""
    return _standard_webhook_failure(body, headers, secret, tolerance, now) is None

def verify_standard_webhook_v1a(
    body: bytes,
    headers: Mapping[str, str],
    public_keys: Iterable[str],
    tolerance: float = 300,
    now: Optional[float] = None,
) -> bool:
    """True when a ``v1a,`` (ed25519) entry of the Standard Webhooks headers signs ``body`` with
    one of ``public_keys`` (each ``whpk_…``, as ``Webhook.signing_public_key`` and
    ``GetSigningKeys`` show them; give the previous key too while a rotation runs) and
    ``webhook-timestamp`` is within ``tolerance`` seconds of ``now``. For webhooks with
    signature scheme V1A or V1_AND_V1A; nothing secret is needed. Needs the ``cryptography``
    package (``pip install 'webhookd-client[v1a]'``). Raises ``ValueError`` for a public key
    that is not ``whpk_`` + base64 of 32 bytes."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys = []
    for text in public_keys:
        raw = base64.b64decode(text[len("whpk_"):], validate=True) if text.startswith("whpk_") else b""
        if len(raw) != 32:
            raise ValueError("a public key is whpk_ + base64 of 32 bytes")
        keys.append(Ed25519PublicKey.from_public_bytes(raw))
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, ts, signatures = h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature")
    if not msg_id or not ts or not signatures:
        return False
    try:
        ts_num = int(ts.strip())
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts_num) > tolerance:
        return False
    message = f"{msg_id}.{ts.strip()}.".encode() + body
    for candidate in signatures.split():
        version, _, b64 = candidate.partition(",")
        if version != "v1a":
            continue
        try:
            signature = base64.b64decode(b64, validate=True)
        except ValueError:
            continue
        for key in keys:
            try:
                key.verify(signature, message)
                return True
            except InvalidSignature:
                pass
    return False


class VerificationError(ValueError):
    """A delivery that did not verify. ``reason`` says why: ``"bad_signature"`` (X-Mia-Signature
    missing or wrong), ``"missing_header"``, ``"stale"`` (webhook-timestamp outside the
    tolerance), ``"mismatch"`` (no Standard Webhooks signature matches) or ``"malformed"``
    (signed, but not a webhookd event body)."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


_FAILURES = {
    "missing_header": "webhook-id, webhook-timestamp and webhook-signature are needed",
    "stale": "webhook-timestamp is outside the tolerance",
    "mismatch": "no webhook-signature matches",
}


def verify_event(
    body: bytes,
    headers: Mapping[str, str],
    secret: Secret,
    tolerance: float = 300,
    now: Optional[float] = None,
) -> Dict[str, Any]:
    """Verifies a delivery and returns its event: ``X-Mia-Signature`` over the raw ``body``,
    the Standard Webhooks signature and its timestamp, then the parsed body
    (``eventName``, ``eventTimestamp``, ``payload``) with ``deliveryId`` (``webhook-id``, to
    drop a delivery received twice). Raises ``VerificationError`` with the reason."""
    h = {k.lower(): v for k, v in headers.items()}
    if not verify_mia_signature(body, h.get("x-mia-signature"), secret):
        raise VerificationError("bad_signature", "X-Mia-Signature is missing or does not match")
    failure = _standard_webhook_failure(body, headers, secret, tolerance, now)
    if failure is not None:
        raise VerificationError(failure, _FAILURES[failure])
    try:
        event = json.loads(body)
    except ValueError as e:
        raise VerificationError("malformed", f"not JSON: {e}") from e
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("eventName"), str)
        or not isinstance(event.get("eventTimestamp"), int)
        or not isinstance(event.get("payload"), dict)
    ):
        raise VerificationError("malformed", "not a webhookd event (eventName, eventTimestamp, payload)")
    event["deliveryId"] = h["webhook-id"]
    return event
