"""Client for webhookd, generated from the same proto as the server, and receiver helpers."""

from webhookd.v1 import admin_pb2, ingest_pb2, token_pb2, webhook_pb2

from ._common import DEFAULT_TIMEOUT, NO_RETRY, USER_AGENT, DeliveryStatus, RetryPolicy
from ._version import __version__
from .aio import AsyncWebhookdClient
from .client import WebhookdClient
from .errors import (
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    DataLossError,
    DeadlineExceededError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    UnknownError,
    WebhookdError,
    field_violations,
    tls_problem,
)
from .verify import (
    VerificationError,
    verify_event,
    verify_mia_signature,
    verify_standard_webhook,
    verify_standard_webhook_v1a,
)

__all__ = [
    "WebhookdClient",
    "AsyncWebhookdClient",
    "DeliveryStatus",
    "RetryPolicy",
    "NO_RETRY",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "__version__",
    "WebhookdError",
    "InvalidArgumentError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "UnauthenticatedError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "UnavailableError",
    "DeadlineExceededError",
    "CancelledError",
    "AbortedError",
    "OutOfRangeError",
    "UnimplementedError",
    "DataLossError",
    "UnknownError",
    "InternalError",
    "field_violations",
    "tls_problem",
    "verify_event",
    "VerificationError",
    "verify_mia_signature",
    "verify_standard_webhook",
    "verify_standard_webhook_v1a",
    "admin_pb2",
    "ingest_pb2",
    "token_pb2",
    "webhook_pb2",
]
