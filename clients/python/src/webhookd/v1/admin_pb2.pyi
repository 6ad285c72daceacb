import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from webhookd.v1 import webhook_pb2 as _webhook_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HistoryOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HISTORY_ORDER_UNSPECIFIED: _ClassVar[HistoryOrder]
    HISTORY_ORDER_NEWEST_FIRST: _ClassVar[HistoryOrder]
    HISTORY_ORDER_OLDEST_FIRST: _ClassVar[HistoryOrder]

class RecoveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECOVERY_STATE_UNSPECIFIED: _ClassVar[RecoveryState]
    RECOVERY_STATE_RUNNING: _ClassVar[RecoveryState]
    RECOVERY_STATE_DONE: _ClassVar[RecoveryState]
    RECOVERY_STATE_CANCELLED: _ClassVar[RecoveryState]
HISTORY_ORDER_UNSPECIFIED: HistoryOrder
HISTORY_ORDER_NEWEST_FIRST: HistoryOrder
HISTORY_ORDER_OLDEST_FIRST: HistoryOrder
RECOVERY_STATE_UNSPECIFIED: RecoveryState
RECOVERY_STATE_RUNNING: RecoveryState
RECOVERY_STATE_DONE: RecoveryState
RECOVERY_STATE_CANCELLED: RecoveryState

class CreateWebhookRequest(_message.Message):
    __slots__ = ("scope", "target_url", "secret", "events", "ca_certificate", "proxy_url", "max_in_flight", "rate_limit_per_second", "state", "custom_headers", "filter", "labels", "client_certificate", "client_key", "signature_scheme", "ordering")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CA_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    PROXY_URL_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_HEADERS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SCHEME_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    scope: _webhook_pb2.Scope
    target_url: str
    secret: str
    events: _containers.RepeatedScalarFieldContainer[str]
    ca_certificate: str
    proxy_url: str
    max_in_flight: int
    rate_limit_per_second: int
    state: _webhook_pb2.WebhookState
    custom_headers: _containers.RepeatedCompositeFieldContainer[_webhook_pb2.CustomHeader]
    filter: str
    labels: _containers.ScalarMap[str, str]
    client_certificate: str
    client_key: str
    signature_scheme: _webhook_pb2.SignatureScheme
    ordering: _webhook_pb2.DeliveryOrdering
    def __init__(self, scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., target_url: _Optional[str] = ..., secret: _Optional[str] = ..., events: _Optional[_Iterable[str]] = ..., ca_certificate: _Optional[str] = ..., proxy_url: _Optional[str] = ..., max_in_flight: _Optional[int] = ..., rate_limit_per_second: _Optional[int] = ..., state: _Optional[_Union[_webhook_pb2.WebhookState, str]] = ..., custom_headers: _Optional[_Iterable[_Union[_webhook_pb2.CustomHeader, _Mapping]]] = ..., filter: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., client_certificate: _Optional[str] = ..., client_key: _Optional[str] = ..., signature_scheme: _Optional[_Union[_webhook_pb2.SignatureScheme, str]] = ..., ordering: _Optional[_Union[_webhook_pb2.DeliveryOrdering, str]] = ...) -> None: ...

class GetWebhookRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class UpdateWebhookRequest(_message.Message):
    __slots__ = ("id", "target_url", "secret", "events", "ca_certificate", "proxy_url", "update_mask", "secret_grace_period", "state", "max_in_flight", "rate_limit_per_second", "custom_headers", "filter", "labels", "client_certificate", "client_key", "signature_scheme", "rotate_signing_key", "signing_key_grace_period", "ordering")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CA_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    PROXY_URL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    SECRET_GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_HEADERS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SCHEME_FIELD_NUMBER: _ClassVar[int]
    ROTATE_SIGNING_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    id: str
    target_url: str
    secret: str
    events: _containers.RepeatedScalarFieldContainer[str]
    ca_certificate: str
    proxy_url: str
    update_mask: _field_mask_pb2.FieldMask
    secret_grace_period: _duration_pb2.Duration
    state: _webhook_pb2.WebhookState
    max_in_flight: int
    rate_limit_per_second: int
    custom_headers: _containers.RepeatedCompositeFieldContainer[_webhook_pb2.CustomHeader]
    filter: str
    labels: _containers.ScalarMap[str, str]
    client_certificate: str
    client_key: str
    signature_scheme: _webhook_pb2.SignatureScheme
    rotate_signing_key: bool
    signing_key_grace_period: _duration_pb2.Duration
    ordering: _webhook_pb2.DeliveryOrdering
    def __init__(self, id: _Optional[str] = ..., target_url: _Optional[str] = ..., secret: _Optional[str] = ..., events: _Optional[_Iterable[str]] = ..., ca_certificate: _Optional[str] = ..., proxy_url: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., secret_grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., state: _Optional[_Union[_webhook_pb2.WebhookState, str]] = ..., max_in_flight: _Optional[int] = ..., rate_limit_per_second: _Optional[int] = ..., custom_headers: _Optional[_Iterable[_Union[_webhook_pb2.CustomHeader, _Mapping]]] = ..., filter: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., client_certificate: _Optional[str] = ..., client_key: _Optional[str] = ..., signature_scheme: _Optional[_Union[_webhook_pb2.SignatureScheme, str]] = ..., rotate_signing_key: _Optional[bool] = ..., signing_key_grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., ordering: _Optional[_Union[_webhook_pb2.DeliveryOrdering, str]] = ...) -> None: ...

class DeleteWebhookRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteWebhookResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWebhooksRequest(_message.Message):
    __slots__ = ("scope", "include_descendants", "events", "page_size", "page_token", "states", "target_url_contains")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    TARGET_URL_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    scope: _webhook_pb2.Scope
    include_descendants: bool
    events: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    states: _containers.RepeatedScalarFieldContainer[_webhook_pb2.WebhookState]
    target_url_contains: str
    def __init__(self, scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., include_descendants: _Optional[bool] = ..., events: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_webhook_pb2.WebhookState, str]]] = ..., target_url_contains: _Optional[str] = ...) -> None: ...

class ListWebhooksResponse(_message.Message):
    __slots__ = ("webhooks", "next_page_token")
    WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    webhooks: _containers.RepeatedCompositeFieldContainer[_webhook_pb2.Webhook]
    next_page_token: str
    def __init__(self, webhooks: _Optional[_Iterable[_Union[_webhook_pb2.Webhook, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListEventHistoryRequest(_message.Message):
    __slots__ = ("webhook_id", "event_types", "status", "status_codes", "order", "limit")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODES_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    status: _webhook_pb2.DeliveryStatus
    status_codes: _containers.RepeatedScalarFieldContainer[int]
    order: HistoryOrder
    limit: int
    def __init__(self, webhook_id: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[_webhook_pb2.DeliveryStatus, str]] = ..., status_codes: _Optional[_Iterable[int]] = ..., order: _Optional[_Union[HistoryOrder, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class GetDeliveryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RedeliverEventRequest(_message.Message):
    __slots__ = ("delivery_id",)
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    def __init__(self, delivery_id: _Optional[str] = ...) -> None: ...

class TestWebhookRequest(_message.Message):
    __slots__ = ("webhook_id",)
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    def __init__(self, webhook_id: _Optional[str] = ...) -> None: ...

class WatchDeliveriesRequest(_message.Message):
    __slots__ = ("webhook_id", "scope", "event_types", "status", "status_codes", "resume_after")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODES_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    scope: _webhook_pb2.Scope
    event_types: _containers.RepeatedScalarFieldContainer[str]
    status: _webhook_pb2.DeliveryStatus
    status_codes: _containers.RepeatedScalarFieldContainer[int]
    resume_after: str
    def __init__(self, webhook_id: _Optional[str] = ..., scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., event_types: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[_webhook_pb2.DeliveryStatus, str]] = ..., status_codes: _Optional[_Iterable[int]] = ..., resume_after: _Optional[str] = ...) -> None: ...

class ListEventTypesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EventType(_message.Message):
    __slots__ = ("name", "description", "payload_schema")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    payload_schema: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., payload_schema: _Optional[str] = ...) -> None: ...

class ListEventTypesResponse(_message.Message):
    __slots__ = ("event_types",)
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    event_types: _containers.RepeatedCompositeFieldContainer[EventType]
    def __init__(self, event_types: _Optional[_Iterable[_Union[EventType, _Mapping]]] = ...) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ("scope", "include_descendants", "resource_id", "token_id", "start_time", "end_time", "limit")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    scope: _webhook_pb2.Scope
    include_descendants: bool
    resource_id: str
    token_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., include_descendants: _Optional[bool] = ..., resource_id: _Optional[str] = ..., token_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("id", "create_time", "token_id", "actor_scope", "action", "resource_type", "resource_id", "scope", "changes", "user_agent")
    class ChangesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_SCOPE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    create_time: _timestamp_pb2.Timestamp
    token_id: str
    actor_scope: _webhook_pb2.Scope
    action: str
    resource_type: str
    resource_id: str
    scope: _webhook_pb2.Scope
    changes: _containers.ScalarMap[str, str]
    user_agent: str
    def __init__(self, id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token_id: _Optional[str] = ..., actor_scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., action: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., changes: _Optional[_Mapping[str, str]] = ..., user_agent: _Optional[str] = ...) -> None: ...

class RecoverDeliveriesRequest(_message.Message):
    __slots__ = ("webhook_id", "start_time", "end_time", "event_types")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    event_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, webhook_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_types: _Optional[_Iterable[str]] = ...) -> None: ...

class GetRecoveryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CancelRecoveryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Recovery(_message.Message):
    __slots__ = ("id", "webhook_id", "start_time", "end_time", "event_types", "state", "total", "sent", "create_time", "finish_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    webhook_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    event_types: _containers.RepeatedScalarFieldContainer[str]
    state: RecoveryState
    total: int
    sent: int
    create_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., webhook_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_types: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[RecoveryState, str]] = ..., total: _Optional[int] = ..., sent: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSigningKeysRequest(_message.Message):
    __slots__ = ("scope", "include_descendants", "page_size", "page_token")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scope: _webhook_pb2.Scope
    include_descendants: bool
    page_size: int
    page_token: str
    def __init__(self, scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., include_descendants: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetSigningKeysResponse(_message.Message):
    __slots__ = ("keys", "next_page_token")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[WebhookSigningKeys]
    next_page_token: str
    def __init__(self, keys: _Optional[_Iterable[_Union[WebhookSigningKeys, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WebhookSigningKeys(_message.Message):
    __slots__ = ("webhook_id", "scope", "signature_scheme", "public_key", "previous_public_key", "previous_expire_time")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SCHEME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    scope: _webhook_pb2.Scope
    signature_scheme: _webhook_pb2.SignatureScheme
    public_key: str
    previous_public_key: str
    previous_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, webhook_id: _Optional[str] = ..., scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., signature_scheme: _Optional[_Union[_webhook_pb2.SignatureScheme, str]] = ..., public_key: _Optional[str] = ..., previous_public_key: _Optional[str] = ..., previous_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
