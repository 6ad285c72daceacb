"""The asyncio client (``grpc.aio``): the same methods as ``WebhookdClient``, awaitable."""

from __future__ import annotations

import asyncio
import datetime
import random
from typing import Any, AsyncIterator, Awaitable, Callable, List, Optional, Sequence, Tuple, Type, TypeVar

import grpc
import grpc.aio

from webhookd.v1 import admin_pb2, admin_pb2_grpc, ingest_pb2, ingest_pb2_grpc, token_pb2, token_pb2_grpc, webhook_pb2

from . import _common as c
from ._common import DEFAULT_TIMEOUT, Payload, Pem, RetryPolicy, StatusFilter
from .errors import UnavailableError, WebhookdError, from_rpc_error

T = TypeVar("T")


class AsyncWebhookdClient:
    """Both webhookd services over one ``grpc.aio`` channel, authenticated with one token.

    Takes the same arguments as ``WebhookdClient`` and behaves the same: deadlines, retries
    of calls that are safe to repeat, generated idempotency keys, ``WebhookdError``
    exceptions, resuming watches. Cancelling the task that awaits a call cancels the call.

    >>> async with AsyncWebhookdClient("127.0.0.1:50051", token) as client:
    ...     hook = await client.get_webhook(webhook_id)
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
        self._channel = (
            grpc.aio.secure_channel(target, creds, options=options)
            if creds
            else grpc.aio.insecure_channel(target, options=options)
        )
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._timeout = timeout
        self._retry = retry
        # The generated stubs are untyped; the methods below give their results types.
        self.admin: Any = admin_pb2_grpc.WebhookAdminStub(self._channel)  # type: ignore[no-untyped-call]
        self.ingest: Any = ingest_pb2_grpc.EventIngestStub(self._channel)  # type: ignore[no-untyped-call]
        self.tokens: Any = token_pb2_grpc.TokenAdminStub(self._channel)  # type: ignore[no-untyped-call]

    def with_retry(self, retry: RetryPolicy) -> "AsyncWebhookdClient":
        """This client (sharing its channel: close one of them only), retrying the calls that
        are safe to repeat by ``retry`` (``NO_RETRY`` never retries): a per-call retry policy,
        e.g. ``client.with_retry(NO_RETRY).list_event_types()``."""
        return c.with_retry(self, retry)

    def with_metadata(self, metadata: "Sequence[Tuple[str, str]]") -> "AsyncWebhookdClient":
        """This client (sharing its channel: close one of them only), sending ``metadata``
        with every call it makes, e.g. ``[("traceparent", "00-…-01")]`` for the calls of one
        operation; the server continues that trace in the deliveries it makes. A name given
        again replaces the earlier value; retries and idempotency keys work as before."""
        return c.with_metadata(self, metadata)

    async def close(self) -> None:
        """Closes the channel; calls still running are cancelled."""
        await self._channel.close()

    async def __aenter__(self) -> "AsyncWebhookdClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(
        self, returns: Type[T], attempt: Callable[[float], Awaitable[T]], timeout: Optional[float], retry: bool
    ) -> T:
        budget = self._timeout if timeout is None else timeout
        attempts = c.Attempts(budget, self._retry if retry else c.NO_RETRY)
        while True:
            left = attempts.time_left()
            try:
                return await attempt(left)
            except grpc.RpcError as e:
                await asyncio.sleep(attempts.wait_after(e))

    async def create_webhook(
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
        timeout: Optional[float] = None,
    ) -> webhook_pb2.Webhook:
        """Installs a webhook (see ``WebhookdClient.create_webhook``). Not retried."""
        request = c.create_request(
            target_url, secret, events, company_id, project_id, ca_certificate, proxy_url,
            max_in_flight, rate_limit_per_second, state,
        )
        return await self._call(webhook_pb2.Webhook,
            lambda left: self.admin.CreateWebhook(request, metadata=self._metadata, timeout=left), timeout, False
        )

    async def get_webhook(self, webhook_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.Webhook:
        """One webhook, with its last event."""
        request = admin_pb2.GetWebhookRequest(id=webhook_id)
        return await self._call(webhook_pb2.Webhook,
            lambda left: self.admin.GetWebhook(request, metadata=self._metadata, timeout=left), timeout, True
        )

    async def update_webhook(
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
        timeout: Optional[float] = None,
    ) -> webhook_pb2.Webhook:
        """Changes the fields given (see ``WebhookdClient.update_webhook``). Not retried."""
        request = c.update_request(
            webhook_id, target_url, secret, events, ca_certificate, proxy_url, secret_grace_period,
            state, max_in_flight, rate_limit_per_second,
        )
        return await self._call(webhook_pb2.Webhook,
            lambda left: self.admin.UpdateWebhook(request, metadata=self._metadata, timeout=left), timeout, False
        )

    async def delete_webhook(self, webhook_id: str, *, timeout: Optional[float] = None) -> None:
        """Deletes a webhook and its history. Not retried."""
        request = admin_pb2.DeleteWebhookRequest(id=webhook_id)
        await self._call(admin_pb2.DeleteWebhookResponse,
            lambda left: self.admin.DeleteWebhook(request, metadata=self._metadata, timeout=left), timeout, False
        )

    async def list_webhooks(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        events: Sequence[str] = (),
        states: Sequence[str] = (),
        page_size: int = 0,
        timeout: Optional[float] = None,
    ) -> AsyncIterator[webhook_pb2.Webhook]:
        """Every matching webhook, following page tokens (each page within its own deadline)."""
        token = ""
        while True:
            request = c.list_request(company_id, project_id, include_descendants, events, page_size, token, states)
            page = await self._call(admin_pb2.ListWebhooksResponse,
                lambda left: self.admin.ListWebhooks(request, metadata=self._metadata, timeout=left), timeout, True
            )
            for hook in page.webhooks:
                yield hook
            token = page.next_page_token
            if not token:
                return

    async def list_event_types(self, *, timeout: Optional[float] = None) -> List[admin_pb2.EventType]:
        """The event catalog."""
        request = admin_pb2.ListEventTypesRequest()
        response = await self._call(admin_pb2.ListEventTypesResponse,
            lambda left: self.admin.ListEventTypes(request, metadata=self._metadata, timeout=left), timeout, True
        )
        return list(response.event_types)

    async def list_audit_events(
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
        """The audit log within this token's reach, newest first (see ``WebhookdClient``)."""
        request = c.audit_request(
            company_id, project_id, include_descendants, resource_id, token_id, start_time, end_time, limit
        )

        async def attempt(left: float) -> List[admin_pb2.AuditEvent]:
            return [e async for e in self.admin.ListAuditEvents(request, metadata=self._metadata, timeout=left)]

        return await self._call(list, attempt, timeout, True)

    async def create_token(
        self,
        role: str,
        *,
        company_id: str = "",
        project_id: str = "",
        description: str = "",
        expire_time: Optional[datetime.datetime] = None,
        timeout: Optional[float] = None,
    ) -> token_pb2.CreateTokenResponse:
        """Creates a token (see ``WebhookdClient.create_token``); not retried."""
        request = c.create_token_request(role, company_id, project_id, description, expire_time)
        return await self._call(token_pb2.CreateTokenResponse,
            lambda left: self.tokens.CreateToken(request, metadata=self._metadata, timeout=left), timeout, False
        )

    async def list_tokens(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        show_inactive: bool = False,
        page_size: int = 0,
        timeout: Optional[float] = None,
    ) -> AsyncIterator[token_pb2.Token]:
        """Every matching token (never its value), newest first, following page tokens."""
        page_token = ""
        while True:
            request = c.list_tokens_request(company_id, project_id, include_descendants, show_inactive, page_size, page_token)
            page = await self._call(token_pb2.ListTokensResponse,
                lambda left: self.tokens.ListTokens(request, metadata=self._metadata, timeout=left), timeout, True
            )
            for t in page.tokens:
                yield t
            page_token = page.next_page_token
            if not page_token:
                return

    async def revoke_token(self, token_id: str, *, timeout: Optional[float] = None) -> token_pb2.Token:
        """Revokes a token by id; retried (revoking twice changes nothing)."""
        request = token_pb2.RevokeTokenRequest(id=token_id)
        return await self._call(token_pb2.Token,
            lambda left: self.tokens.RevokeToken(request, metadata=self._metadata, timeout=left), timeout, True
        )

    async def list_event_history(
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
        read whole within the deadline and retried like any read."""
        request = c.history_request(webhook_id, event_types, status, status_codes, oldest_first, limit)

        async def read(left: float) -> List[webhook_pb2.DeliveryRecord]:
            return [r async for r in self.admin.ListEventHistory(request, metadata=self._metadata, timeout=left)]

        return await self._call(list, read, timeout, True)

    async def get_delivery(self, delivery_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.DeliveryDetail:
        """One delivery with its request body and headers and every attempt."""
        request = admin_pb2.GetDeliveryRequest(id=delivery_id)
        return await self._call(webhook_pb2.DeliveryDetail,
            lambda left: self.admin.GetDelivery(request, metadata=self._metadata, timeout=left), timeout, True
        )

    async def redeliver_event(self, delivery_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.DeliveryRecord:
        """Sends a delivery's event again, as a new delivery with the same body bytes."""
        request = admin_pb2.RedeliverEventRequest(delivery_id=delivery_id)
        return await self._call(webhook_pb2.DeliveryRecord,
            lambda left: self.admin.RedeliverEvent(request, metadata=self._metadata, timeout=left), timeout, False
        )

    async def test_webhook(self, webhook_id: str, *, timeout: Optional[float] = None) -> webhook_pb2.DeliveryRecord:
        """Sends the webhook a test event."""
        request = admin_pb2.TestWebhookRequest(webhook_id=webhook_id)
        return await self._call(webhook_pb2.DeliveryRecord,
            lambda left: self.admin.TestWebhook(request, metadata=self._metadata, timeout=left), timeout, False
        )

    async def watch_deliveries(
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
    ) -> AsyncIterator[webhook_pb2.DeliveryRecord]:
        """Deliveries as they change; resumes like ``WebhookdClient.watch_deliveries``."""
        state = c.WatchResume(c.watch_request(webhook_id, company_id, project_id, event_types, status, status_codes))
        failures = 0
        broken: Optional[WebhookdError] = None
        while True:
            call = self.admin.WatchDeliveries(state.request, metadata=self._metadata, timeout=timeout)
            cause: Optional[grpc.RpcError] = None
            try:
                await call.initial_metadata()
                if broken is not None and not call.done():
                    complete = state.resumed()
                    if on_resume is not None:
                        on_resume(broken, complete)
                    broken, failures = None, 0
                async for record in call:
                    if state.first_time(record):
                        yield record
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
            await asyncio.sleep(self._retry.backoff(failures, random.random()))

    event = staticmethod(c.event_request)

    async def publish_event(
        self,
        event_name: str,
        payload: Payload,
        *,
        company_id: str = "",
        project_id: str = "",
        event_timestamp: int = 0,
        idempotency_key: str = "",
        timeout: Optional[float] = None,
    ) -> ingest_pb2.PublishEventResponse:
        """Publishes one event (see ``WebhookdClient.publish_event``): a generated
        idempotency key when none is given, retried on UNAVAILABLE."""
        request = c.publish_request(event_name, payload, company_id, project_id, event_timestamp, idempotency_key)
        try:
            return await self._call(ingest_pb2.PublishEventResponse,
                lambda left: self.ingest.PublishEvent(request, metadata=self._metadata, timeout=left), timeout, True
            )
        except WebhookdError as e:
            e.idempotency_key = request.idempotency_key
            raise
