"""What the blocking and the asyncio clients share: addresses, TLS, retries, requests."""

from __future__ import annotations

import collections
import copy
import datetime
import enum
import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any, Deque, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar, Union

import grpc
import grpc.aio

from webhookd.v1 import admin_pb2, ingest_pb2, token_pb2, webhook_pb2

from ._version import __version__
from .errors import WebhookdError, _deadline_exceeded, from_rpc_error

#: An event payload: JSON text (sent byte for byte) or a mapping (serialised compactly).
Payload = Union[str, Mapping[str, Any]]

#: PEM text or bytes.
Pem = Union[str, bytes]


class DeliveryStatus(enum.IntEnum):
    """A delivery's state, as in ``DeliveryRecord.status`` and ``LastEvent.status``
    (which compare equal to these members: ``record.status == DeliveryStatus.ERROR``)."""

    UNSPECIFIED = webhook_pb2.DELIVERY_STATUS_UNSPECIFIED
    PENDING = webhook_pb2.DELIVERY_STATUS_PENDING
    SUCCESS = webhook_pb2.DELIVERY_STATUS_SUCCESS
    ERROR = webhook_pb2.DELIVERY_STATUS_ERROR


#: A status filter: a ``DeliveryStatus``, or its name in lower case (``"error"``).
StatusFilter = Union[DeliveryStatus, str, None]


def status_value(status: StatusFilter) -> int:
    """The wire value of a status filter (``None`` means any status)."""
    if status is None:
        return int(DeliveryStatus.UNSPECIFIED)
    if isinstance(status, DeliveryStatus):
        return int(status)
    try:
        return int(DeliveryStatus[status.upper()])
    except KeyError:
        raise ValueError(f"status must be a DeliveryStatus or one of pending, success, error; got {status!r}") from None


@dataclass(frozen=True)
class RetryPolicy:
    """How calls that are safe to repeat are retried when the server is unavailable: up to
    ``max_attempts`` in all (within the call's deadline), waiting ``initial_backoff`` seconds
    and doubling up to ``max_backoff``, each wait jittered between half and whole."""

    max_attempts: int = 10
    initial_backoff: float = 0.1
    max_backoff: float = 5.0

    def backoff(self, attempt: int, unit: float) -> float:
        """The wait after failed attempt ``attempt`` (1 for the first); ``unit`` in [0, 1)."""
        doubled = self.initial_backoff * float(2 ** min(max(attempt - 1, 0), 20))
        return min(doubled, self.max_backoff) * (0.5 + 0.5 * min(max(unit, 0.0), 1.0))


class Attempts:
    """The attempts of one call, shared by both clients: the deadline over all of them
    (``budget`` seconds) and whether, and after how long, a failed one is sent again."""

    def __init__(self, budget: float, policy: RetryPolicy) -> None:
        self.budget = budget
        self.policy = policy
        self.deadline = time.monotonic() + budget
        self.made = 0

    def time_left(self) -> float:
        """The next attempt's deadline; raises DEADLINE_EXCEEDED when none is left."""
        self.made += 1
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _deadline_exceeded(self.budget, None)
        return left

    def wait_after(self, error: grpc.RpcError) -> float:
        """Seconds to wait before the next attempt; raises the error (as a ``WebhookdError``)
        when it is not UNAVAILABLE (or is a failure of the TLS set-up) or the attempts are spent, and DEADLINE_EXCEEDED when the
        deadline would pass during the wait."""
        failed = from_rpc_error(error)
        if not failed.retryable or self.made >= self.policy.max_attempts:
            raise failed from error
        wait = self.policy.backoff(self.made, random.random())
        if time.monotonic() + wait >= self.deadline:
            # Retrying was stopped by the deadline, not by the error.
            raise _deadline_exceeded(self.budget, from_rpc_error(error)) from error
        return wait


#: This client's name and version, sent first in every call's user-agent header (grpc-core
#: adds its own after it); the server's audit log records it with each change.
USER_AGENT = f"webhookd-client-python/{__version__}"

#: Never retries.
NO_RETRY = RetryPolicy(max_attempts=1)

#: A client's default deadline for each call, in seconds (watches have none).
DEFAULT_TIMEOUT = 30.0


def _bytes(pem: Optional[Pem]) -> Optional[bytes]:
    return pem.encode() if isinstance(pem, str) else pem


def target_and_credentials(
    address: str,
    ca_certificate: Optional[Pem],
    client_certificate: Optional[Tuple[Pem, Pem]],
    credentials: Optional[grpc.ChannelCredentials],
) -> Tuple[str, Optional[grpc.ChannelCredentials]]:
    """``host:port`` and ``http://host:port`` are plaintext; ``https://host:port`` is TLS
    (the system's roots unless ``ca_certificate`` is given), never silently plaintext."""
    if address.startswith("https://"):
        target = address[len("https://"):].rstrip("/")
        if credentials is None:
            cert, key = client_certificate or (None, None)
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_bytes(ca_certificate), private_key=_bytes(key), certificate_chain=_bytes(cert)
            )
        return target, credentials
    if "://" in address and not address.startswith("http://"):
        raise ValueError(f"address must be host:port, http://host:port or https://host:port; got {address!r}")
    if ca_certificate is not None or client_certificate is not None or credentials is not None:
        raise ValueError("TLS options need an https:// address")
    return address[len("http://"):].rstrip("/") if address.startswith("http://") else address, None


def channel_options(keepalive: Optional[float]) -> List[Tuple[str, Any]]:
    """The user agent, keepalive pings, and reconnection that follows a restarted server within seconds.

    Only the first reconnection wait is short: ``grpc.min_reconnect_backoff_ms`` is left at its
    default, since grpc-core also gives each connection attempt (TCP, TLS, HTTP/2 settings)
    that long, and 100 ms fails every first call over a slow link."""
    options: List[Tuple[str, Any]] = [
        ("grpc.primary_user_agent", USER_AGENT),
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 5000),
    ]
    if keepalive:
        options += [("grpc.keepalive_time_ms", int(keepalive * 1000)), ("grpc.keepalive_timeout_ms", 10000)]
    return options


def channel(target: str, creds: Optional[grpc.ChannelCredentials], options: List[Tuple[str, Any]]) -> grpc.Channel:
    """The blocking client's channel: TLS with ``creds``, else plaintext."""
    if creds:
        return grpc.secure_channel(target, creds, options=options)
    return grpc.insecure_channel(target, options=options)


def aio_channel(
    target: str, creds: Optional[grpc.ChannelCredentials], options: List[Tuple[str, Any]]
) -> grpc.aio.Channel:
    """The asyncio client's channel (``channel``'s name in ``aio.py``, which the blocking
    client is generated from)."""
    if creds:
        return grpc.aio.secure_channel(target, creds, options=options)
    return grpc.aio.insecure_channel(target, options=options)


Client = TypeVar("Client")


def with_retry(client: Client, retry: RetryPolicy) -> Client:
    """A copy of ``client`` (sharing its channel) whose calls are retried by ``retry``."""
    other = copy.copy(client)
    setattr(other, "_retry", retry)
    return other


def with_metadata(client: Client, metadata: Sequence[Tuple[str, str]]) -> Client:
    """A copy of ``client`` (sharing its channel) whose calls also send ``metadata``; a name
    given again replaces the earlier value."""
    names = {k.lower() for k, _ in metadata}
    other = copy.copy(client)
    own = tuple((k, v) for k, v in getattr(client, "_metadata") if k not in names)
    setattr(other, "_metadata", own + tuple((k.lower(), v) for k, v in metadata))
    return other


def payload_text(payload: Payload) -> str:
    # A string is sent byte for byte; a mapping is serialised (Python ints stay integers).
    return payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))


def scope(company_id: str, project_id: str) -> webhook_pb2.Scope:
    return webhook_pb2.Scope(company_id=company_id, project_id=project_id)


def event_request(
    event_name: str,
    payload: Payload,
    *,
    company_id: str = "",
    project_id: str = "",
    event_timestamp: int = 0,
    idempotency_key: str = "",
    labels: Optional[Mapping[str, str]] = None,
) -> ingest_pb2.PublishEventRequest:
    """A publish request; ``payload`` is JSON text (sent as is) or a mapping; ``labels``
    route it to the webhooks that require them."""
    return ingest_pb2.PublishEventRequest(
        event_name=event_name,
        scope=scope(company_id, project_id),
        payload=payload_text(payload),
        event_timestamp=event_timestamp,
        idempotency_key=idempotency_key,
        labels=dict(labels or {}),
    )


def publish_request(
    event_name: str,
    payload: Payload,
    company_id: str,
    project_id: str,
    event_timestamp: int,
    idempotency_key: str,
    labels: Optional[Mapping[str, str]] = None,
) -> ingest_pb2.PublishEventRequest:
    """``publish_event``'s request, with a generated idempotency key when none is given."""
    return with_idempotency_key(
        event_request(
            event_name,
            payload,
            company_id=company_id,
            project_id=project_id,
            event_timestamp=event_timestamp,
            idempotency_key=idempotency_key,
            labels=labels,
        )
    )


def with_idempotency_key(request: ingest_pb2.PublishEventRequest) -> ingest_pb2.PublishEventRequest:
    """``request`` with a generated idempotency key when it has none."""
    if request.idempotency_key:
        return request
    keyed = ingest_pb2.PublishEventRequest()
    keyed.CopyFrom(request)
    keyed.idempotency_key = str(uuid.uuid4())
    return keyed


def create_request(
    target_url: str,
    secret: str,
    events: Sequence[str],
    company_id: str,
    project_id: str,
    ca_certificate: str,
    proxy_url: str,
    max_in_flight: int = 0,
    rate_limit_per_second: int = 0,
    state: Optional[str] = None,
    filter: str = "",
    labels: Optional[Mapping[str, str]] = None,
    client_certificate: str = "",
    client_key: str = "",
    signature_scheme: Optional[str] = None,
    ordering: Optional[str] = None,
) -> admin_pb2.CreateWebhookRequest:
    return admin_pb2.CreateWebhookRequest(
        scope=scope(company_id, project_id),
        target_url=target_url,
        secret=secret,
        events=list(events),
        ca_certificate=ca_certificate,
        proxy_url=proxy_url,
        max_in_flight=max_in_flight,
        rate_limit_per_second=rate_limit_per_second,
        state=webhook_state(state) if state is not None else webhook_pb2.WEBHOOK_STATE_UNSPECIFIED,
        filter=filter,
        labels=dict(labels or {}),
        client_certificate=client_certificate,
        client_key=client_key,
        signature_scheme=(
            scheme_of(signature_scheme) if signature_scheme is not None else webhook_pb2.SIGNATURE_SCHEME_UNSPECIFIED
        ),
        ordering=ordering_of(ordering) if ordering is not None else webhook_pb2.DELIVERY_ORDERING_UNSPECIFIED,
    )


_Named = TypeVar("_Named")


def _named(field: str, names: Mapping[str, _Named], name: str) -> _Named:
    """The proto number that ``name`` stands for among ``names``; ``ValueError`` naming
    ``field`` and the choices for any other."""
    if name not in names:
        choices = ", ".join(repr(n) for n in names)
        raise ValueError(f"{field} must be one of {choices}, not {name!r}")
    return names[name]


_ORDERINGS = {"unordered": webhook_pb2.DELIVERY_ORDERING_UNORDERED, "fifo": webhook_pb2.DELIVERY_ORDERING_FIFO}


def ordering_of(name: str) -> "webhook_pb2.DeliveryOrdering":
    """The proto number of a delivery ordering given as ``"unordered"`` or ``"fifo"``."""
    return _named("ordering", _ORDERINGS, name)


_SCHEMES = {
    "v1": webhook_pb2.SIGNATURE_SCHEME_V1,
    "v1a": webhook_pb2.SIGNATURE_SCHEME_V1A,
    "v1_and_v1a": webhook_pb2.SIGNATURE_SCHEME_V1_AND_V1A,
}


def scheme_of(name: str) -> "webhook_pb2.SignatureScheme":
    """The proto number of a signature scheme given as ``"v1"``, ``"v1a"`` or ``"v1_and_v1a"``."""
    return _named("signature_scheme", _SCHEMES, name)


_STATES = {
    "active": webhook_pb2.WEBHOOK_STATE_ACTIVE,
    "paused": webhook_pb2.WEBHOOK_STATE_PAUSED,
    "disabled": webhook_pb2.WEBHOOK_STATE_DISABLED,
}


def webhook_state(name: str) -> "webhook_pb2.WebhookState":
    """The proto number of a webhook state given as ``"active"``, ``"paused"`` or ``"disabled"``."""
    return _named("state", _STATES, name)


def update_request(
    webhook_id: str,
    target_url: Optional[str],
    secret: Optional[str],
    events: Optional[Sequence[str]],
    ca_certificate: Optional[str],
    proxy_url: Optional[str],
    secret_grace_period: Optional[datetime.timedelta] = None,
    state: Optional[str] = None,
    max_in_flight: Optional[int] = None,
    rate_limit_per_second: Optional[int] = None,
    filter: Optional[str] = None,
    labels: Optional[Mapping[str, str]] = None,
    client_certificate: Optional[str] = None,
    client_key: Optional[str] = None,
    signature_scheme: Optional[str] = None,
    rotate_signing_key: bool = False,
    signing_key_grace_period: Optional[datetime.timedelta] = None,
    ordering: Optional[str] = None,
) -> admin_pb2.UpdateWebhookRequest:
    fields = {
        "target_url": target_url,
        "secret": secret,
        "events": list(events) if events is not None else None,
        "ca_certificate": ca_certificate,
        "proxy_url": proxy_url,
        "state": webhook_state(state) if state is not None else None,
        "max_in_flight": max_in_flight,
        "rate_limit_per_second": rate_limit_per_second,
        "filter": filter,
        "labels": dict(labels) if labels is not None else None,
        "signature_scheme": scheme_of(signature_scheme) if signature_scheme is not None else None,
        "ordering": ordering_of(ordering) if ordering is not None else None,
    }
    request = admin_pb2.UpdateWebhookRequest(id=webhook_id)
    for name, value in fields.items():
        if value is None:
            continue
        request.update_mask.paths.append(name)
        if isinstance(value, list):
            getattr(request, name).extend(value)
        elif isinstance(value, dict):
            getattr(request, name).update(value)
        else:
            setattr(request, name, value)
    if client_certificate is not None:
        # One mask path for the pair: the key belongs to the certificate.
        request.update_mask.paths.append("client_certificate")
        request.client_certificate = client_certificate
        request.client_key = client_key or ""
    if secret_grace_period is not None:
        request.secret_grace_period.FromTimedelta(secret_grace_period)
    if rotate_signing_key:
        request.update_mask.paths.append("signing_key")
        request.rotate_signing_key = True
    if signing_key_grace_period is not None:
        request.signing_key_grace_period.FromTimedelta(signing_key_grace_period)
    return request


def list_request(
    company_id: str,
    project_id: str,
    include_descendants: bool,
    events: Sequence[str],
    page_size: int,
    page_token: str,
    states: Sequence[str] = (),
) -> admin_pb2.ListWebhooksRequest:
    return admin_pb2.ListWebhooksRequest(
        scope=scope(company_id, project_id),
        include_descendants=include_descendants,
        events=list(events),
        page_size=page_size,
        page_token=page_token,
        states=[webhook_state(s) for s in states],
    )


_ROLES = {"admin": token_pb2.TOKEN_ROLE_ADMIN, "publisher": token_pb2.TOKEN_ROLE_PUBLISHER}


def create_token_request(
    role: str, company_id: str, project_id: str, description: str, expire_time: Optional[datetime.datetime]
) -> token_pb2.CreateTokenRequest:
    if role not in _ROLES:
        raise ValueError(f"role must be 'admin' or 'publisher', not {role!r}")
    request = token_pb2.CreateTokenRequest(
        role=_ROLES[role], scope=scope(company_id, project_id), description=description
    )
    if expire_time is not None:
        if expire_time.tzinfo is None:
            raise ValueError("expire_time must be timezone-aware (e.g. datetime.now(timezone.utc) + ...)")
        request.expire_time.FromDatetime(expire_time.astimezone(datetime.timezone.utc))
    return request


def create_portal_link_request(
    company_id: str,
    project_id: str,
    webhook_id: str,
    lifetime: Optional[datetime.timedelta],
    frame_ancestors: Sequence[str],
    description: str,
) -> token_pb2.CreatePortalLinkRequest:
    request = token_pb2.CreatePortalLinkRequest(
        webhook_id=webhook_id, frame_ancestors=list(frame_ancestors), description=description
    )
    if company_id or project_id:
        request.scope.CopyFrom(scope(company_id, project_id))
    if lifetime is not None:
        request.lifetime.FromTimedelta(lifetime)
    return request


def list_tokens_request(
    company_id: str, project_id: str, include_descendants: bool, show_inactive: bool, page_size: int, page_token: str
) -> token_pb2.ListTokensRequest:
    return token_pb2.ListTokensRequest(
        scope=scope(company_id, project_id),
        include_descendants=include_descendants,
        show_inactive=show_inactive,
        page_size=page_size,
        page_token=page_token,
    )


def audit_request(
    company_id: str,
    project_id: str,
    include_descendants: bool,
    resource_id: str,
    token_id: str,
    start_time: Optional[datetime.datetime],
    end_time: Optional[datetime.datetime],
    limit: int,
) -> admin_pb2.ListAuditEventsRequest:
    request = admin_pb2.ListAuditEventsRequest(
        scope=scope(company_id, project_id),
        include_descendants=include_descendants,
        resource_id=resource_id,
        token_id=token_id,
        limit=limit,
    )
    for field, value in (("start_time", start_time), ("end_time", end_time)):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError(f"{field} must be timezone-aware")
            getattr(request, field).FromDatetime(value.astimezone(datetime.timezone.utc))
    return request


def history_request(
    webhook_id: str,
    event_types: Sequence[str],
    status: StatusFilter,
    status_codes: Sequence[int],
    oldest_first: bool,
    limit: int,
) -> admin_pb2.ListEventHistoryRequest:
    return admin_pb2.ListEventHistoryRequest(
        webhook_id=webhook_id,
        event_types=list(event_types),
        status=status_value(status),  # type: ignore[arg-type]
        status_codes=list(status_codes),
        order=admin_pb2.HISTORY_ORDER_OLDEST_FIRST if oldest_first else admin_pb2.HISTORY_ORDER_NEWEST_FIRST,
        limit=limit,
    )


def watch_request(
    webhook_id: Optional[str],
    company_id: str,
    project_id: str,
    event_types: Sequence[str],
    status: StatusFilter,
    status_codes: Sequence[int],
) -> admin_pb2.WatchDeliveriesRequest:
    request = admin_pb2.WatchDeliveriesRequest(
        event_types=list(event_types), status=status_value(status), status_codes=list(status_codes)  # type: ignore[arg-type]
    )
    if webhook_id:
        request.webhook_id = webhook_id
    else:
        request.scope.CopyFrom(scope(company_id, project_id))
    return request


#: Codes on which a watch opens itself again: the server went away or restarted, the
#: connection broke, or the watcher fell behind.
RESUMABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)

#: How far back (in the server's change times, microseconds) changes already yielded are
#: remembered, so that a resumed watch's repeats are dropped: well past the 5 seconds before
#: its cursor that the server replays again.
REMEMBERED_MICROS = 30_000_000


class WatchResume:
    """What a watch helper keeps to open itself again where it broke off: the request, whose
    ``resume_after`` follows the last change received, and the changes yielded lately, to
    drop what the replay repeats."""

    def __init__(self, request: admin_pb2.WatchDeliveriesRequest) -> None:
        self.request = request
        self._order: Deque[Tuple[int, Tuple[str, int, int]]] = collections.deque()
        self._keys: Set[Tuple[str, int, int]] = set()
        self._incomplete = False

    def first_time(self, record: webhook_pb2.DeliveryRecord) -> bool:
        """Whether ``record`` is new (to be yielded); remembers it and its cursor."""
        if record.watch_cursor:
            self.request.resume_after = record.watch_cursor
        key = (record.id, record.attempts, int(record.status))
        if key in self._keys:
            return False
        if not record.watch_cursor.isdigit():
            return True  # an older server: nothing is replayed
        at = int(record.watch_cursor)
        while self._order and self._order[0][0] + REMEMBERED_MICROS < at:
            self._keys.discard(self._order.popleft()[1])
        self._order.append((at, key))
        self._keys.add(key)
        return True

    def broke(self) -> None:
        """The watch broke: with nothing received yet there is nothing to resume from."""
        if not self.request.resume_after:
            self._incomplete = True

    def refused(self, error: WebhookdError) -> bool:
        """Whether opening again from the cursor was refused because what changed since is no
        longer all kept; if so, the next attempt goes on from now."""
        if error.code != grpc.StatusCode.FAILED_PRECONDITION or not self.request.resume_after:
            return False
        self.request.resume_after = ""
        self._incomplete = True
        return True

    def resumed(self) -> bool:
        """Opened again: whether nothing was missed."""
        complete, self._incomplete = not self._incomplete, False
        return complete
