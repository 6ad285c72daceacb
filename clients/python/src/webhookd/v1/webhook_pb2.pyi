import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryOrdering(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_ORDERING_UNSPECIFIED: _ClassVar[DeliveryOrdering]
    DELIVERY_ORDERING_UNORDERED: _ClassVar[DeliveryOrdering]
    DELIVERY_ORDERING_FIFO: _ClassVar[DeliveryOrdering]

class SignatureScheme(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNATURE_SCHEME_UNSPECIFIED: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_V1: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_V1A: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_V1_AND_V1A: _ClassVar[SignatureScheme]

class WebhookState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_STATE_UNSPECIFIED: _ClassVar[WebhookState]
    WEBHOOK_STATE_ACTIVE: _ClassVar[WebhookState]
    WEBHOOK_STATE_PAUSED: _ClassVar[WebhookState]
    WEBHOOK_STATE_DISABLED: _ClassVar[WebhookState]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SUCCESS: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_ERROR: _ClassVar[DeliveryStatus]
DELIVERY_ORDERING_UNSPECIFIED: DeliveryOrdering
DELIVERY_ORDERING_UNORDERED: DeliveryOrdering
DELIVERY_ORDERING_FIFO: DeliveryOrdering
SIGNATURE_SCHEME_UNSPECIFIED: SignatureScheme
SIGNATURE_SCHEME_V1: SignatureScheme
SIGNATURE_SCHEME_V1A: SignatureScheme
SIGNATURE_SCHEME_V1_AND_V1A: SignatureScheme
WEBHOOK_STATE_UNSPECIFIED: WebhookState
WEBHOOK_STATE_ACTIVE: WebhookState
WEBHOOK_STATE_PAUSED: WebhookState
WEBHOOK_STATE_DISABLED: WebhookState
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_PENDING: DeliveryStatus
DELIVERY_STATUS_SUCCESS: DeliveryStatus
DELIVERY_STATUS_ERROR: DeliveryStatus

class Scope(_message.Message):
    __slots__ = ("company_id", "project_id")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    project_id: str
    def __init__(self, company_id: _Optional[str] = ..., project_id: _Optional[str] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("id", "scope", "target_url", "events", "ca_certificate", "proxy_url", "last_event", "create_time", "update_time", "secret_rotation_end_time", "state", "state_reason", "state_change_time", "max_in_flight", "rate_limit_per_second", "health", "custom_headers", "latest_attempt", "filter", "labels", "client_certificate", "signature_scheme", "signing_public_key", "previous_signing_public_key", "signing_key_rotation_end_time", "ordering")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_URL_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CA_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    PROXY_URL_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SECRET_ROTATION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_HEADERS_FIELD_NUMBER: _ClassVar[int]
    LATEST_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SCHEME_FIELD_NUMBER: _ClassVar[int]
    SIGNING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SIGNING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ROTATION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    id: str
    scope: Scope
    target_url: str
    events: _containers.RepeatedScalarFieldContainer[str]
    ca_certificate: str
    proxy_url: str
    last_event: LastEvent
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    secret_rotation_end_time: _timestamp_pb2.Timestamp
    state: WebhookState
    state_reason: str
    state_change_time: _timestamp_pb2.Timestamp
    max_in_flight: int
    rate_limit_per_second: int
    health: DeliveryHealth
    custom_headers: _containers.RepeatedCompositeFieldContainer[CustomHeader]
    latest_attempt: LatestAttempt
    filter: str
    labels: _containers.ScalarMap[str, str]
    client_certificate: str
    signature_scheme: SignatureScheme
    signing_public_key: str
    previous_signing_public_key: str
    signing_key_rotation_end_time: _timestamp_pb2.Timestamp
    ordering: DeliveryOrdering
    def __init__(self, id: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ..., target_url: _Optional[str] = ..., events: _Optional[_Iterable[str]] = ..., ca_certificate: _Optional[str] = ..., proxy_url: _Optional[str] = ..., last_event: _Optional[_Union[LastEvent, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., secret_rotation_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[WebhookState, str]] = ..., state_reason: _Optional[str] = ..., state_change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_in_flight: _Optional[int] = ..., rate_limit_per_second: _Optional[int] = ..., health: _Optional[_Union[DeliveryHealth, _Mapping]] = ..., custom_headers: _Optional[_Iterable[_Union[CustomHeader, _Mapping]]] = ..., latest_attempt: _Optional[_Union[LatestAttempt, _Mapping]] = ..., filter: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., client_certificate: _Optional[str] = ..., signature_scheme: _Optional[_Union[SignatureScheme, str]] = ..., signing_public_key: _Optional[str] = ..., previous_signing_public_key: _Optional[str] = ..., signing_key_rotation_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ordering: _Optional[_Union[DeliveryOrdering, str]] = ...) -> None: ...

class LatestAttempt(_message.Message):
    __slots__ = ("delivery_id", "status", "dispatch_time", "event_type", "status_code", "error", "next_attempt_time")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    status: DeliveryStatus
    dispatch_time: _timestamp_pb2.Timestamp
    event_type: str
    status_code: int
    error: str
    next_attempt_time: _timestamp_pb2.Timestamp
    def __init__(self, delivery_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., dispatch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CustomHeader(_message.Message):
    __slots__ = ("name", "value", "sensitive")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    sensitive: bool
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., sensitive: _Optional[bool] = ...) -> None: ...

class DeliveryHealth(_message.Message):
    __slots__ = ("consecutive_failures", "failing_since", "circuit_open_until")
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    FAILING_SINCE_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_OPEN_UNTIL_FIELD_NUMBER: _ClassVar[int]
    consecutive_failures: int
    failing_since: _timestamp_pb2.Timestamp
    circuit_open_until: _timestamp_pb2.Timestamp
    def __init__(self, consecutive_failures: _Optional[int] = ..., failing_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., circuit_open_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LastEvent(_message.Message):
    __slots__ = ("status", "dispatch_time", "event_type", "status_code")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    status: DeliveryStatus
    dispatch_time: _timestamp_pb2.Timestamp
    event_type: str
    status_code: int
    def __init__(self, status: _Optional[_Union[DeliveryStatus, str]] = ..., dispatch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_type: _Optional[str] = ..., status_code: _Optional[int] = ...) -> None: ...

class DeliveryRecord(_message.Message):
    __slots__ = ("id", "webhook_id", "event_id", "event_type", "status", "status_code", "dispatch_time", "attempts", "duration_ms", "error", "create_time", "next_attempt_time", "watch_cursor")
    ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    WATCH_CURSOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    status_code: int
    dispatch_time: _timestamp_pb2.Timestamp
    attempts: int
    duration_ms: int
    error: str
    create_time: _timestamp_pb2.Timestamp
    next_attempt_time: _timestamp_pb2.Timestamp
    watch_cursor: str
    def __init__(self, id: _Optional[str] = ..., webhook_id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., status_code: _Optional[int] = ..., dispatch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[int] = ..., duration_ms: _Optional[int] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., watch_cursor: _Optional[str] = ...) -> None: ...

class DeliveryAttempt(_message.Message):
    __slots__ = ("attempt", "dispatch_time", "status_code", "error", "duration_ms", "response_body", "response_headers")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_HEADERS_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    dispatch_time: _timestamp_pb2.Timestamp
    status_code: int
    error: str
    duration_ms: int
    response_body: bytes
    response_headers: _containers.RepeatedCompositeFieldContainer[Header]
    def __init__(self, attempt: _Optional[int] = ..., dispatch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., duration_ms: _Optional[int] = ..., response_body: _Optional[bytes] = ..., response_headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class DeliveryDetail(_message.Message):
    __slots__ = ("delivery", "request_body", "request_headers", "response_status", "response_body", "attempts")
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_BODY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_HEADERS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    delivery: DeliveryRecord
    request_body: bytes
    request_headers: _containers.RepeatedCompositeFieldContainer[Header]
    response_status: int
    response_body: bytes
    attempts: _containers.RepeatedCompositeFieldContainer[DeliveryAttempt]
    def __init__(self, delivery: _Optional[_Union[DeliveryRecord, _Mapping]] = ..., request_body: _Optional[bytes] = ..., request_headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., response_status: _Optional[int] = ..., response_body: _Optional[bytes] = ..., attempts: _Optional[_Iterable[_Union[DeliveryAttempt, _Mapping]]] = ...) -> None: ...
