import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from webhookd.v1 import webhook_pb2 as _webhook_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TokenRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOKEN_ROLE_UNSPECIFIED: _ClassVar[TokenRole]
    TOKEN_ROLE_ADMIN: _ClassVar[TokenRole]
    TOKEN_ROLE_PUBLISHER: _ClassVar[TokenRole]
TOKEN_ROLE_UNSPECIFIED: TokenRole
TOKEN_ROLE_ADMIN: TokenRole
TOKEN_ROLE_PUBLISHER: TokenRole

class Token(_message.Message):
    __slots__ = ("id", "role", "scope", "description", "create_time", "expire_time", "last_used_time", "revoke_time", "creator_token_id", "portal", "webhook_id", "frame_ancestors")
    ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATOR_TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    PORTAL_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    FRAME_ANCESTORS_FIELD_NUMBER: _ClassVar[int]
    id: str
    role: TokenRole
    scope: _webhook_pb2.Scope
    description: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    last_used_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    creator_token_id: str
    portal: bool
    webhook_id: str
    frame_ancestors: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., role: _Optional[_Union[TokenRole, str]] = ..., scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., description: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., creator_token_id: _Optional[str] = ..., portal: _Optional[bool] = ..., webhook_id: _Optional[str] = ..., frame_ancestors: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("role", "scope", "description", "expire_time")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    role: TokenRole
    scope: _webhook_pb2.Scope
    description: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, role: _Optional[_Union[TokenRole, str]] = ..., scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., description: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTokenResponse(_message.Message):
    __slots__ = ("token", "bearer_token")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    BEARER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: Token
    bearer_token: str
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ..., bearer_token: _Optional[str] = ...) -> None: ...

class ListTokensRequest(_message.Message):
    __slots__ = ("scope", "include_descendants", "show_inactive", "page_size", "page_token")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    SHOW_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scope: _webhook_pb2.Scope
    include_descendants: bool
    show_inactive: bool
    page_size: int
    page_token: str
    def __init__(self, scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., include_descendants: _Optional[bool] = ..., show_inactive: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTokensResponse(_message.Message):
    __slots__ = ("tokens", "next_page_token")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[Token]
    next_page_token: str
    def __init__(self, tokens: _Optional[_Iterable[_Union[Token, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeTokenRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetCurrentTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreatePortalLinkRequest(_message.Message):
    __slots__ = ("scope", "webhook_id", "lifetime", "frame_ancestors", "description")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_FIELD_NUMBER: _ClassVar[int]
    FRAME_ANCESTORS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    scope: _webhook_pb2.Scope
    webhook_id: str
    lifetime: _duration_pb2.Duration
    frame_ancestors: _containers.RepeatedScalarFieldContainer[str]
    description: str
    def __init__(self, scope: _Optional[_Union[_webhook_pb2.Scope, _Mapping]] = ..., webhook_id: _Optional[str] = ..., lifetime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., frame_ancestors: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ...) -> None: ...

class PortalLink(_message.Message):
    __slots__ = ("token", "url")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    token: Token
    url: str
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ..., url: _Optional[str] = ...) -> None: ...
