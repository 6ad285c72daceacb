"""A small, typed wrapper over the generated stubs."""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

import grpc
from google.protobuf import field_mask_pb2

from webhookd.v1 import admin_pb2, admin_pb2_grpc, ingest_pb2, ingest_pb2_grpc, webhook_pb2

Payload = Union[str, Mapping[str, Any]]

_STATUS = {
    None: webhook_pb2.DELIVERY_STATUS_UNSPECIFIED,
    "pending": webhook_pb2.DELIVERY_STATUS_PENDING,
    "success": webhook_pb2.DELIVERY_STATUS_SUCCESS,
    "error": webhook_pb2.DELIVERY_STATUS_ERROR,
}


def _payload_text(payload: Payload) -> str:
    # A string is sent byte for byte; a mapping is serialised (Python ints stay integers).
    return payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))


class WebhookdClient:
    """Both webhookd services over one channel, authenticated with one token.

    >>> with WebhookdClient("127.0.0.1:50051", token) as client:
    ...     hook = client.create_webhook("https://example.com/hook", "change-me-please", ["project_created"])
    """

    def __init__(self, address: str, token: str, credentials: Optional[grpc.ChannelCredentials] = None):
        self._channel = (
            grpc.secure_channel(address, credentials) if credentials else grpc.insecure_channel(address)
        )
        self._metadata = (("authorization", f"Bearer {token}"),)
        self.admin = admin_pb2_grpc.WebhookAdminStub(self._channel)
        self.ingest = ingest_pb2_grpc.EventIngestStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "WebhookdClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- webhooks -------------------------------------------------------------------------

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
    ) -> webhook_pb2.Webhook:
        req = admin_pb2.CreateWebhookRequest(
            scope=webhook_pb2.Scope(company_id=company_id, project_id=project_id),
            target_url=target_url,
            secret=secret,
            events=list(events),
            ca_certificate=ca_certificate,
            proxy_url=proxy_url,
        )
        return self.admin.CreateWebhook(req, metadata=self._metadata)

    def get_webhook(self, webhook_id: str) -> webhook_pb2.Webhook:
        return self.admin.GetWebhook(admin_pb2.GetWebhookRequest(id=webhook_id), metadata=self._metadata)

    def update_webhook(
        self,
        webhook_id: str,
        *,
        target_url: Optional[str] = None,
        secret: Optional[str] = None,
        events: Optional[Sequence[str]] = None,
        ca_certificate: Optional[str] = None,
        proxy_url: Optional[str] = None,
    ) -> webhook_pb2.Webhook:
        """Changes the fields given; an empty ``ca_certificate`` or ``proxy_url`` removes it."""
        fields = {
            "target_url": target_url,
            "secret": secret,
            "events": list(events) if events is not None else None,
            "ca_certificate": ca_certificate,
            "proxy_url": proxy_url,
        }
        given = {k: v for k, v in fields.items() if v is not None}
        req = admin_pb2.UpdateWebhookRequest(
            id=webhook_id, update_mask=field_mask_pb2.FieldMask(paths=list(given)), **given
        )
        return self.admin.UpdateWebhook(req, metadata=self._metadata)

    def delete_webhook(self, webhook_id: str) -> None:
        self.admin.DeleteWebhook(admin_pb2.DeleteWebhookRequest(id=webhook_id), metadata=self._metadata)

    def list_webhooks(
        self,
        *,
        company_id: str = "",
        project_id: str = "",
        include_descendants: bool = False,
        events: Sequence[str] = (),
        page_size: int = 0,
    ) -> Iterator[webhook_pb2.Webhook]:
        """Every matching webhook, following page tokens."""
        token = ""
        while True:
            page = self.admin.ListWebhooks(
                admin_pb2.ListWebhooksRequest(
                    scope=webhook_pb2.Scope(company_id=company_id, project_id=project_id),
                    include_descendants=include_descendants,
                    events=list(events),
                    page_size=page_size,
                    page_token=token,
                ),
                metadata=self._metadata,
            )
            yield from page.webhooks
            token = page.next_page_token
            if not token:
                return

    def list_event_types(self) -> list:
        return list(self.admin.ListEventTypes(admin_pb2.ListEventTypesRequest(), metadata=self._metadata).event_types)

    # --- history ------------------------------------------------------------------------------

    def list_event_history(
        self,
        webhook_id: str,
        *,
        event_types: Sequence[str] = (),
        status: Optional[str] = None,
        status_codes: Sequence[int] = (),
        oldest_first: bool = False,
        limit: int = 0,
    ) -> Iterator[webhook_pb2.DeliveryRecord]:
        """The webhook's recent deliveries (at most 200), filtered and sorted by the server.
        ``status`` is ``"pending"``, ``"success"`` or ``"error"``."""
        req = admin_pb2.ListEventHistoryRequest(
            webhook_id=webhook_id,
            event_types=list(event_types),
            status=_STATUS[status],
            status_codes=list(status_codes),
            order=admin_pb2.HISTORY_ORDER_OLDEST_FIRST if oldest_first else admin_pb2.HISTORY_ORDER_NEWEST_FIRST,
            limit=limit,
        )
        return iter(self.admin.ListEventHistory(req, metadata=self._metadata))

    def get_delivery(self, delivery_id: str) -> webhook_pb2.DeliveryDetail:
        return self.admin.GetDelivery(admin_pb2.GetDeliveryRequest(id=delivery_id), metadata=self._metadata)

    def redeliver_event(self, delivery_id: str) -> webhook_pb2.DeliveryRecord:
        req = admin_pb2.RedeliverEventRequest(delivery_id=delivery_id)
        return self.admin.RedeliverEvent(req, metadata=self._metadata)

    def test_webhook(self, webhook_id: str) -> webhook_pb2.DeliveryRecord:
        return self.admin.TestWebhook(admin_pb2.TestWebhookRequest(webhook_id=webhook_id), metadata=self._metadata)

    def watch_deliveries(
        self,
        *,
        webhook_id: Optional[str] = None,
        company_id: str = "",
        project_id: str = "",
        event_types: Sequence[str] = (),
        status: Optional[str] = None,
        status_codes: Sequence[int] = (),
    ) -> Iterator[webhook_pb2.DeliveryRecord]:
        """Deliveries as their state changes; cancel the returned iterator (``.cancel()``) to stop."""
        req = admin_pb2.WatchDeliveriesRequest(
            event_types=list(event_types), status=_STATUS[status], status_codes=list(status_codes)
        )
        if webhook_id:
            req.webhook_id = webhook_id
        else:
            req.scope.CopyFrom(webhook_pb2.Scope(company_id=company_id, project_id=project_id))
        return self.admin.WatchDeliveries(req, metadata=self._metadata)

    # --- ingest ----------------------------------------------------------------------------------

    @staticmethod
    def event(
        event_name: str,
        payload: Payload,
        *,
        company_id: str = "",
        project_id: str = "",
        event_timestamp: int = 0,
        idempotency_key: str = "",
    ) -> ingest_pb2.PublishEventRequest:
        """A publish request; ``payload`` is JSON text (sent as is) or a mapping."""
        return ingest_pb2.PublishEventRequest(
            event_name=event_name,
            scope=webhook_pb2.Scope(company_id=company_id, project_id=project_id),
            payload=_payload_text(payload),
            event_timestamp=event_timestamp,
            idempotency_key=idempotency_key,
        )

    def publish_event(self, event_name: str, payload: Payload, **kwargs: Any) -> ingest_pb2.PublishEventResponse:
        return self.ingest.PublishEvent(self.event(event_name, payload, **kwargs), metadata=self._metadata)

    def publish_events(
        self, requests: Iterable[ingest_pb2.PublishEventRequest]
    ) -> Iterator[ingest_pb2.PublishEventResponse]:
        """Streams many events; answers come back in order, each once its event is durable."""
        return iter(self.ingest.PublishEvents(iter(requests), metadata=self._metadata))
