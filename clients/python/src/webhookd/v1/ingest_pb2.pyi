from webhookd.v1 import webhook_pb2 as _webhook_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublishEventRequest(_message.Message):
    __slots__ = ("event_name", "scope", "payload", "event_timestamp", "idempotency_key", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    event_name: str
    scope: _webhook_pb2.Scope
    payload: str
    event_timestamp: int
    idempotency_key: str
    labels: _containers.ScalarMap[str, str]
    def __init__(self, event_name: _Optional[str] = ..., scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., payload: _Optional[str] = ..., event_timestamp: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class PublishEventResponse(_message.Message):
    __slots__ = ("event_id", "deliveries", "duplicate")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    deliveries: int
    duplicate: bool
    def __init__(self, event_id: _Optional[str] = ..., deliveries: _Optional[int] = ..., duplicate: _Optional[bool] = ...) -> None: ...
