"""Client for webhookd, generated from the same proto as the server, and receiver helpers."""

from webhookd.v1 import admin_pb2, ingest_pb2, webhook_pb2

from .client import WebhookdClient
from .errors import field_violations
from .verify import verify_mia_signature, verify_standard_webhook

__all__ = [
    "WebhookdClient",
    "field_violations",
    "verify_mia_signature",
    "verify_standard_webhook",
    "admin_pb2",
    "ingest_pb2",
    "webhook_pb2",
]
