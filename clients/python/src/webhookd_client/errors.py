"""webhookd's errors as exceptions: one class per gRPC status code, each with the fields
the server named (from the ``google.rpc.BadRequest`` details)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Type

import re

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class WebhookdError(Exception):
    """A call to webhookd failed.

    ``code`` is the gRPC status code, ``message`` the server's message (it names the field
    for invalid input: ``"target_url: scheme must be http or https"``) and
    ``field_violations`` the ``(field, reason)`` pairs of the error's ``BadRequest`` details.
    The original ``grpc.RpcError`` is the exception's ``__cause__``.
    """

    def __init__(self, code: grpc.StatusCode, message: str, field_violations: Optional[List[Tuple[str, str]]] = None):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.field_violations: List[Tuple[str, str]] = field_violations or []
        #: The idempotency key a failed ``publish_event`` went with (generated when none was
        #: given): publish again with it, and the event is stored once.
        self.idempotency_key: Optional[str] = None
        #: Whether the client's TLS set-up failed (then ``message`` says what to change):
        #: settled by configuration, not by waiting, so never retried.
        self.tls = False

    @property
    def retryable(self) -> bool:
        """Whether sending the same call again may succeed (the server was unavailable)."""
        return self.code == grpc.StatusCode.UNAVAILABLE and not self.tls


class InvalidArgumentError(WebhookdError):
    """INVALID_ARGUMENT: the request names a field that is not acceptable; nothing changed."""


class NotFoundError(WebhookdError):
    """NOT_FOUND: no such webhook or delivery in the token's reach."""


class AlreadyExistsError(WebhookdError):
    """ALREADY_EXISTS."""


class PermissionDeniedError(WebhookdError):
    """PERMISSION_DENIED: the token's role or scope does not allow the call."""


class UnauthenticatedError(WebhookdError):
    """UNAUTHENTICATED: no token, or one the server does not know."""


class ResourceExhaustedError(WebhookdError):
    """RESOURCE_EXHAUSTED: a quota or size limit was reached."""


class FailedPreconditionError(WebhookdError):
    """FAILED_PRECONDITION: the target's state does not allow the call."""


class UnavailableError(WebhookdError):
    """UNAVAILABLE: the server (or its database) cannot be reached; calls that are safe to
    repeat were already retried."""


class DeadlineExceededError(WebhookdError):
    """DEADLINE_EXCEEDED: the call's deadline passed."""


class CancelledError(WebhookdError):
    """CANCELLED: the call was cancelled."""


class AbortedError(WebhookdError):
    """ABORTED: the call was aborted (a conflict); it may be tried again."""


class OutOfRangeError(WebhookdError):
    """OUT_OF_RANGE: a value past the valid range."""


class UnimplementedError(WebhookdError):
    """UNIMPLEMENTED: the server does not offer this call (an older server?)."""


class DataLossError(WebhookdError):
    """DATA_LOSS: unrecoverable data loss or corruption."""


class UnknownError(WebhookdError):
    """UNKNOWN: an error the server (or the transport) did not classify."""


class InternalError(WebhookdError):
    """INTERNAL: a fault on the server's side."""


_BY_CODE: Dict[grpc.StatusCode, Type[WebhookdError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.ABORTED: AbortedError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
    grpc.StatusCode.DATA_LOSS: DataLossError,
    grpc.StatusCode.UNKNOWN: UnknownError,
    grpc.StatusCode.INTERNAL: InternalError,
}


def field_violations(error: grpc.RpcError) -> List[Tuple[str, str]]:
    """The ``(field, reason)`` pairs of a failed call's ``google.rpc.BadRequest`` details
    (a ``grpc.RpcError`` or ``grpc.aio.AioRpcError``).

    webhookd names every invalid field this way (INVALID_ARGUMENT, and RESOURCE_EXHAUSTED
    for a field too large); the list is empty for an error without such details.
    """
    if not hasattr(error, "trailing_metadata"):
        return []
    status = rpc_status.from_call(error)
    if status is None:
        return []
    violations: List[Tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend((v.field, v.description) for v in bad_request.field_violations)
    return violations


#: grpc-core's words for each way a client's TLS set-up can be wrong, and what to change.
_TLS_PROBLEMS = [
    (r"unable to get (local )?issuer|self.signed",
     "the server's certificate is not issued by a CA this client trusts (unknown issuer): "
     "pass its CA as ca_certificate"),
    (r"Hostname Verification Check failed", "the server's certificate does not name the host of the address"),
    (r"certificate has expired", "the server's certificate has expired"),
    (r"WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG",
     "the server did not answer in TLS: if it listens in plaintext, address it as host:port"),
    # grpc-core reports a server's alert after the handshake (TLS 1.3 checks the client's
    # certificate then) as data corrupted, and logs the alert only.
    (r"CERTIFICATE_REQUIRED|Unwrap failed \(TSI_DATA_CORRUPTED\)",
     "the server ended the session after the handshake, as one that requires a client certificate "
     "does: pass one as client_certificate"),
    (r"BAD_CERTIFICATE|ALERT_UNKNOWN_CA|CERTIFICATE_UNKNOWN", "the server refused the client certificate"),
    (r"CERTIFICATE_VERIFY_FAILED", "the server's certificate was refused"),
]


def tls_problem(message: str) -> Optional[str]:
    """What a failed call's message says about the client's TLS set-up, in words that say
    what to change (``"TLS: the server's certificate …"``); ``None`` for any other failure."""
    for pattern, problem in _TLS_PROBLEMS:
        if re.search(pattern, message, re.IGNORECASE):
            return f"TLS: {problem}"
    return None


def from_rpc_error(error: grpc.RpcError) -> WebhookdError:
    """The ``WebhookdError`` subclass for a failed call (raise it ``from error``). A failure
    of the client's TLS set-up is an ``UnavailableError`` whose ``tls`` is true and whose
    message says what to change (grpc-core's own words stay on the ``__cause__``)."""
    code: grpc.StatusCode = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message: str = (error.details() if hasattr(error, "details") else None) or str(error)
    problem = tls_problem(message) if code == grpc.StatusCode.UNAVAILABLE else None
    made = _BY_CODE.get(code, UnknownError)(code, problem or message, field_violations(error))
    made.tls = problem is not None
    return made


def _deadline_exceeded(budget: float, last: Optional[WebhookdError]) -> DeadlineExceededError:
    """The client's own deadline passed, between or instead of attempts."""
    message = f"the call's deadline of {budget:g} s passed"
    if last is not None:
        message += f"; last error: {last}"
    return DeadlineExceededError(grpc.StatusCode.DEADLINE_EXCEEDED, message)
