# Generated from aio.py by clients/generate.sh (unasync); edit aio.py, not this file.
"""The clients, written once: ``AsyncWebhookdClient`` (asyncio, ``grpc.aio``) in ``aio.py``, and
``WebhookdClient`` (blocking) in ``client.py``, which ``clients/generate.sh`` generates from
``aio.py`` with unasync (``async``/``await`` removed, names mapped), so that the two cannot
drift. Edit ``aio.py`` only."""

from __future__ import annotations

import time
import datetime
import random
from typing import Any, Iterator, Callable, Iterable, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, cast

import grpc

from webhookd.v1 import admin_pb2, admin_pb2_grpc, ingest_pb2, ingest_pb2_grpc, token_pb2, token_pb2_grpc, webhook_pb2

from . import _common as c
from ._common import DEFAULT_TIMEOUT, Payload, Pem, RetryPolicy, StatusFilter
from .errors import UnavailableError, WebhookdError, from_rpc_error

T = TypeVar("T")


class WebhookdClient:
    """Both webhookd services over one channel, authenticated with one token.

    ``address`` is ``host:port`` or ``http://host:port`` (plaintext) or ``https://host:port``
    (TLS, trusting the system's roots or ``ca_certificate``; ``client_certificate`` is a
    ``(certificate_chain, private_key)`` PEM pair for mutual TLS). Every call has a deadline
    (``timeout`` seconds, 30 by default; each method takes its own ``timeout=``), calls that
    are safe to repeat are retried on UNAVAILABLE with exponential backoff and jitter
    (``retry``), and every failure is raised as a ``WebhookdError`` subclass.

    >>> with WebhookdClient("127.0.0.1:50051", token) as client:
    ...     hook = client.create_webhook("https://example.com/hook", "change-me-please", ["project_created"])

    >>> async with AsyncWebhookdClient("127.0.0.1:50051", token) as client:
    ...     hook = await client.get_webhook(webhook_id)

    The two have the same methods; the asyncio client's are awaited (its listings are async
    iterators), and cancelling the task that awaits a call cancels the call. ``admin``,
    ``ingest`` and ``tokens`` are the generated stubs, for what the methods do not cover.
    """

    def __init__(
        self,
        address: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        ca_certificate: Optional[Pem] = None,
        client_certificate: Optional[Tuple[Pem, Pem]] = None,
        credentials: Optional[grpc.ChannelCredentials] = None,
        keepalive: Optional[float] = 30.0,
    ) -> None:
        target, creds = c.target_and_credentials(address, ca_certificate, client_certificate, credentials)
        options = c.channel_options(keepalive)
        self._channel = c.channel(target, creds, options)
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._timeout = timeout
        self._retry = retry
        # The generated stubs are untyped; the methods below give their results types.
        self.admin: Any = admin_pb2_grpc.WebhookAdminStub(self._channel)  # type: ignore[no-untyped-call]
        self.ingest: Any = ingest_pb2_grpc.EventIngestStub(self._channel)  # type: ignore[no-untyped-call]
        self.tokens: Any = token_pb2_grpc.TokenAdminStub(self._channel)  # type: ignore[no-untyped-call]

    def with_retry(self, retry: RetryPolicy) -> WebhookdClient:
        """This client (sharing its channel: close one of them only), retrying the calls that
        are safe to repeat by ``retry`` (``NO_RETRY`` never retries): a per-call retry policy,
        e.g. ``client.with_retry(NO_RETRY).list_event_types()``."""
        return c.with_retry(self, retry)

    def with_metadata(self, metadata: "Sequence[Tuple[str, str]]") -> WebhookdClient:
        """This client (sharing its channel: close one of them only), sending ``metadata``
        with every call it makes, e.g. ``[("traceparent", "00-…-01")]`` for the calls of one
        operation; the server continues that trace in the deliveries it makes. A name given
        again replaces the earlier value; retries and idempotency keys work as before."""
        return c.with_metadata(self, metadata)

    def close(self) -> None:
        """Closes the channel; calls still running are cancelled."""
        self._channel.close()

    def __enter__(self) -> WebhookdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, returns: Type[T], attempt: Callable[[float], Any], timeout: Optional[float], retry: bool) -> T:
        """Runs ``attempt(time_left)`` within the deadline, retrying UNAVAILABLE if ``retry``."""
        budget = self._timeout if timeout is None else timeout
        attempts = c.Attempts(budget, self._retry if retry else c.NO_RETRY)
        while True:
            left = attempts.time_left()
            try:
                return cast(T, attempt(left))
            except grpc.RpcError as e:
                time.sleep(attempts.wait_after(e))

    def _unary(self, returns: Type[T], method: Any, request: Any, timeout: Optional[float], retry: bool) -> T:
        """Calls the unary stub ``method`` with ``request``, authenticated, within the deadline,
        retrying UNAVAILABLE if ``retry``."""
        return self._call(
            returns, lambda left: method(request, metadata=self._metadata, timeout=left), timeout, retry
        )

    def create_webhook(
        self,
        target_url: str,
        secret: str,
        events: Sequence[str],
        *,
        company_id: str = "",
        project_id: str = "",
        ca_certificate: str = "",
        proxy_url: str = "",
        max_in_flight: int = 0,
        rate_limit_per_second: int = 0,
        state: Optional[str] = None,
        filter: str = "",
        labels: Optional[Mapping[str, str]] = None,
        client_certificate: str = "",
        client_key: str = "",
        signature_scheme: Optional[str] = None,
        ordering: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> webhook_pb2.Webhook:
        """Installs a webhook on the instance, a company (``company_id``) or one of its
        projects (``project_id`` too). ``max_in_flight`` and ``rate_limit_per_second`` limit its
        deliveries (0: the server's default, no rate limit); ``state="paused"`` creates it
        paused. ``filter`` (JSON object text the payload must contain) and ``labels`` (that
        an event must carry) narrow the events it receives. ``client_certificate`` and
        ``client_key`` (PEM) are presented to a target that asks for a client certificate; the
        key is write-only. ``signature_scheme`` is ``"v1"`` (the default: HMAC with the
        secret), ``"v1a"`` (ed25519: webhookd makes a key pair and returns its public key in
        ``signing_public_key``) or ``"v1_and_v1a"``. ``ordering="fifo"`` sends its deliveries
        one at a time in publish order. Not retried: a retry could create a second one."""
        request = c.create_request(
            target_url, secret, events, company_id, project_id, ca_certificate, proxy_url,
            max_in_flight, rate_limit_per_second, state, filter, labels, client_certificate, client_key,
            signature_scheme, ordering,
        )
        return self._unary(webhook_pb2.Webhook, self.admin.CreateWebhook, request, timeout, retry=False)

    def get_webhook(self, webhook_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.Webhook:
        """One webhook, with its last event."""
        request = admin_pb2.GetWebhookRequest(id=webhook_id)
        return self._unary(webhook_pb2.Webhook, self.admin.GetWebhook, request, timeout, retry=True)

    def update_webhook(
        self,
        webhook_id: str,
        *,
        target_url: Optional[str] = None,
        secret: Optional[str] = None,
        events: Optional[Sequence[str]] = None,
        ca_certificate: Optional[str] = None,
        proxy_url: Optional[str] = None,
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
        timeout: Optional[float] = None,
    ) -> webhook_pb2.Webhook:
        """Changes the fields given (the secret only when given); an empty
        ``ca_certificate``, ``proxy_url``, ``filter`` or ``labels`` removes it; a new
        ``client_certificate`` comes with its ``client_key`` (an empty one removes both). A new secret keeps the old one valid
        (a second ``webhook-signature`` entry) for ``secret_grace_period``: 24 hours if not
        given, ``timedelta(0)`` for none. ``state`` is ``"active"`` or ``"paused"`` (making a
        paused or disabled webhook active sends what it holds). ``rotate_signing_key`` makes a
        new ed25519 key pair; the one it replaces keeps signing for ``signing_key_grace_period``
        (24 hours if not given, ``timedelta(0)`` for none). ``ordering`` is ``"unordered"`` or
        ``"fifo"``."""
        request = c.update_request(
            webhook_id, target_url, secret, events, ca_certificate, proxy_url, secret_grace_period,
            state, max_in_flight, rate_limit_per_second, filter, labels, client_certificate, client_key,
            signature_scheme, rotate_signing_key, signing_key_grace_period, ordering,
        )
        return self._unary(webhook_pb2.Webhook, self.admin.UpdateWebhook, request, timeout, retry=False)

    def delete_webhook(self, webhook_id: str, *, timeout: Optional[float] = None) -> None:
        """Deletes a webhook and its history."""
        request = admin_pb2.DeleteWebhookRequest(id=webhook_id)
        self._unary(admin_pb2.DeleteWebhookResponse, self.admin.DeleteWebhook, request, timeout, retry=False)

    def list_webhooks(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        events: Sequence[str] = (),
        states: Sequence[str] = (),
        page_size: int = 0,
        timeout: Optional[float] = None,
    ) -> Iterator[webhook_pb2.Webhook]:
        """Every matching webhook, following page tokens (each page within its own deadline);
        ``states`` keeps those in any of ``"active"``, ``"paused"``, ``"disabled"``."""
        token = ""
        while True:
            request = c.list_request(company_id, project_id, include_descendants, events, page_size, token, states)
            page = self._unary(admin_pb2.ListWebhooksResponse, self.admin.ListWebhooks, request, timeout, retry=True)
            for hook in page.webhooks:
                yield hook
            token = page.next_page_token
            if not token:
                return

    def get_signing_keys(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        timeout: Optional[float] = None,
    ) -> List[admin_pb2.WebhookSigningKeys]:
        """The public keys (``whpk_…``) of the ``v1a`` signatures of the scope's webhooks that
        have a key pair, with the previous key while a rotation runs; every page, each within
        its own deadline. Retried."""
        keys: List[admin_pb2.WebhookSigningKeys] = []
        token = ""
        while True:
            request = admin_pb2.GetSigningKeysRequest(
                scope=c.scope(company_id, project_id), include_descendants=include_descendants, page_token=token
            )
            page = self._unary(
                admin_pb2.GetSigningKeysResponse, self.admin.GetSigningKeys, request, timeout, retry=True
            )
            keys.extend(page.keys)
            token = page.next_page_token
            if not token:
                return keys

    def list_event_types(self, *, timeout: Optional[float] = None) -> List[admin_pb2.EventType]:
        """The event catalog."""
        request = admin_pb2.ListEventTypesRequest()
        response = self._unary(admin_pb2.ListEventTypesResponse, self.admin.ListEventTypes, request, timeout, retry=True)
        return list(response.event_types)

    def list_audit_events(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        resource_id: str = "",
        token_id: str = "",
        start_time: Optional[datetime.datetime] = None,
        end_time: Optional[datetime.datetime] = None,
        limit: int = 0,
        timeout: Optional[float] = None,
    ) -> List[admin_pb2.AuditEvent]:
        """The audit log of changes made through the admin API within this token's reach,
        newest first, at most ``limit`` (100 by default, 1000 at most); read further back by
        passing the oldest ``create_time`` as ``end_time``. Retried."""
        request = c.audit_request(
            company_id, project_id, include_descendants, resource_id, token_id, start_time, end_time, limit
        )

        def attempt(left: float) -> List[admin_pb2.AuditEvent]:
            return [e for e in self.admin.ListAuditEvents(request, metadata=self._metadata, timeout=left)]

        return self._call(list, attempt, timeout, True)

    def create_token(
        self,
        role: str,
        *,
        company_id: str = "",
        project_id: str = "",
        description: str = "",
        expire_time: Optional[datetime.datetime] = None,
        timeout: Optional[float] = None,
    ) -> token_pb2.CreateTokenResponse:
        """Creates an ``admin`` or ``publisher`` token on a scope within this client's token's
        reach. ``bearer_token`` of the result is shown only now. Not retried: a lost answer
        would leave a token nobody knows (list the tokens and revoke what you cannot account for).
        """
        request = c.create_token_request(role, company_id, project_id, description, expire_time)
        return self._unary(token_pb2.CreateTokenResponse, self.tokens.CreateToken, request, timeout, retry=False)

    def list_tokens(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        show_inactive: bool = False,
        page_size: int = 0,
        timeout: Optional[float] = None,
    ) -> Iterator[token_pb2.Token]:
        """Every matching token (never its value), newest first, following page tokens."""
        page_token = ""
        while True:
            request = c.list_tokens_request(company_id, project_id, include_descendants, show_inactive, page_size, page_token)
            page = self._unary(token_pb2.ListTokensResponse, self.tokens.ListTokens, request, timeout, retry=True)
            for t in page.tokens:
                yield t
            page_token = page.next_page_token
            if not page_token:
                return

    def revoke_token(self, token_id: str, *, timeout: Optional[float] = None) -> token_pb2.Token:
        """Revokes a token by id: every replica refuses it from its next call on. Retried
        (revoking twice changes nothing)."""
        request = token_pb2.RevokeTokenRequest(id=token_id)
        return self._unary(token_pb2.Token, self.tokens.RevokeToken, request, timeout, retry=True)

    def create_portal_link(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        webhook_id: str = "",
        lifetime: Optional[datetime.timedelta] = None,
        frame_ancestors: Sequence[str] = (),
        description: str = "",
        timeout: Optional[float] = None,
    ) -> token_pb2.PortalLink:
        """Creates a portal link: a short-lived admin token narrowed to one project
        (``company_id`` and ``project_id``) or one webhook (``webhook_id``), and the admin page's
        ``url`` carrying it in its fragment, shown only now. ``lifetime`` from 1 s to 24 h (1 h
        when absent); ``frame_ancestors``: origins whose pages may frame the page (none when
        empty). Not retried, as ``create_token``; ``revoke_token(link.token.id)`` ends it."""
        request = c.create_portal_link_request(company_id, project_id, webhook_id, lifetime, frame_ancestors, description)
        return self._unary(token_pb2.PortalLink, self.tokens.CreatePortalLink, request, timeout, retry=False)

    def list_event_history(
        self,
        webhook_id: str,
        *,
        event_types: Sequence[str] = (),
        status: StatusFilter = None,
        status_codes: Sequence[int] = (),
        oldest_first: bool = False,
        limit: int = 0,
        timeout: Optional[float] = None,
    ) -> List[webhook_pb2.DeliveryRecord]:
        """The webhook's recent deliveries (at most 200), filtered and sorted by the server;
        read whole within the deadline and retried like any read. ``status`` is a
        ``DeliveryStatus`` or its lower-case name (``"error"``)."""
        request = c.history_request(webhook_id, event_types, status, status_codes, oldest_first, limit)

        def read(left: float) -> List[webhook_pb2.DeliveryRecord]:
            return [r for r in self.admin.ListEventHistory(request, metadata=self._metadata, timeout=left)]

        return self._call(list, read, timeout, True)

    def get_delivery(self, delivery_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.DeliveryDetail:
        """One delivery with its request body and headers and every attempt."""
        request = admin_pb2.GetDeliveryRequest(id=delivery_id)
        return self._unary(webhook_pb2.DeliveryDetail, self.admin.GetDelivery, request, timeout, retry=True)

    def redeliver_event(self, delivery_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.DeliveryRecord:
        """Sends a delivery's event again, as a new delivery with the same body bytes."""
        request = admin_pb2.RedeliverEventRequest(delivery_id=delivery_id)
        return self._unary(webhook_pb2.DeliveryRecord, self.admin.RedeliverEvent, request, timeout, retry=False)

    def test_webhook(self, webhook_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.DeliveryRecord:
        """Sends the webhook a test event."""
        request = admin_pb2.TestWebhookRequest(webhook_id=webhook_id)
        return self._unary(webhook_pb2.DeliveryRecord, self.admin.TestWebhook, request, timeout, retry=False)

    def watch_deliveries(
        self,
        *,
        webhook_id: Optional[str] = None,
        company_id: str = "",
        project_id: str = "",
        event_types: Sequence[str] = (),
        status: StatusFilter = None,
        status_codes: Sequence[int] = (),
        resume: bool = True,
        on_resume: Optional[Callable[[WebhookdError, bool], None]] = None,
        timeout: Optional[float] = None,
    ) -> Iterator[webhook_pb2.DeliveryRecord]:
        """Deliveries as they are created and change state, for one webhook or a scope.

        The watch never ends as if complete. When the server shuts down or restarts, the
        connection breaks or the watcher falls behind, it opens itself again with backoff,
        from the last change received: what changed in between is replayed first, each change
        once. Once open it calls ``on_resume(error, complete)``; ``complete`` is false when
        changes may have been missed (none had been received yet, or the server no longer
        keeps all that changed since): catch up with ``list_event_history`` if they matter.
        With ``resume=False`` it raises that error instead. Other errors (the webhook was deleted, the token refused) are raised.
        It has no deadline unless ``timeout`` is given. Stop it by leaving the loop or closing
        the iterator (``.close()``, or ``.aclose()`` for the asyncio client); that cancels the
        call.
        """
        state = c.WatchResume(c.watch_request(webhook_id, company_id, project_id, event_types, status, status_codes))
        failures = 0
        broken: Optional[WebhookdError] = None
        while True:
            call = self.admin.WatchDeliveries(state.request, metadata=self._metadata, timeout=timeout)
            cause: Optional[grpc.RpcError] = None
            try:
                call.initial_metadata()  # the server answers a watch's headers at once
                if broken is not None and not call.done():
                    complete = state.resumed()
                    if on_resume is not None:
                        on_resume(broken, complete)
                    broken, failures = None, 0
                for record in call:
                    if state.first_time(record):
                        yield record
                # The server never ends a watch as complete: an end is a break.
                error: WebhookdError = UnavailableError(grpc.StatusCode.UNAVAILABLE, "the watch ended")
            except grpc.RpcError as e:
                error, cause = from_rpc_error(e), e
            finally:
                call.cancel()
            if broken is not None and state.refused(error):
                continue  # what changed since the cursor is gone: go on from now
            if not resume or error.code not in c.RESUMABLE or error.tls:
                raise error from cause
            broken = broken or error
            state.broke()
            failures += 1
            time.sleep(self._retry.backoff(failures, random.random()))

    event = staticmethod(c.event_request)

    def publish_event(
        self,
        event_name: str,
        payload: Payload,
        *,
        company_id: str = "",
        project_id: str = "",
        event_timestamp: int = 0,
        idempotency_key: str = "",
        labels: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> ingest_pb2.PublishEventResponse:
        """Publishes one event; it is durable when this returns. ``payload`` is JSON text
        (sent byte for byte) or a mapping. Without an ``idempotency_key`` one is generated, so
        the retries made on UNAVAILABLE never store the event twice: a retry whose first
        attempt was stored answers with ``duplicate`` set and the same ``event_id``."""
        request = c.publish_request(
            event_name, payload, company_id, project_id, event_timestamp, idempotency_key, labels
        )
        try:
            return self._unary(ingest_pb2.PublishEventResponse, self.ingest.PublishEvent, request, timeout, retry=True)
        except WebhookdError as e:
            e.idempotency_key = request.idempotency_key
            raise

    def publish_events(
        self, requests: Iterable[ingest_pb2.PublishEventRequest], *, timeout: Optional[float] = None
    ) -> Iterator[ingest_pb2.PublishEventResponse]:
        """Streams many events (made with ``event``); answers come back in order, each once
        its event is durable. Not retried: if the stream breaks, send the unanswered events
        again with the same idempotency keys. No deadline unless ``timeout`` is given."""
        try:
            for answer in self.ingest.PublishEvents(iter(requests), metadata=self._metadata, timeout=timeout):
                yield answer
        except grpc.RpcError as e:
            raise from_rpc_error(e) from e
