"""webhookd's errors as exceptions: one class per gRPC status code, each with the fields
the server named (from the ``google.rpc.BadRequest`` details)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Type

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

    @property
    def retryable(self) -> bool:
        """Whether sending the same call again may succeed (the server was unavailable)."""
        return self.code == grpc.StatusCode.UNAVAILABLE


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


def from_rpc_error(error: grpc.RpcError) -> WebhookdError:
    """The ``WebhookdError`` subclass for a failed call (raise it ``from error``)."""
    code: grpc.StatusCode = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message: str = (error.details() if hasattr(error, "details") else None) or str(error)
    return _BY_CODE.get(code, UnknownError)(code, message, field_violations(error))


def _deadline_exceeded(budget: float, last: Optional[WebhookdError]) -> DeadlineExceededError:
    """The client's own deadline passed, between or instead of attempts."""
    message = f"the call's deadline of {budget:g} s passed"
    if last is not None:
        message += f"; last error: {last}"
    return DeadlineExceededError(grpc.StatusCode.DEADLINE_EXCEEDED, message)
