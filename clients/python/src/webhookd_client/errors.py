"""Reading webhookd's errors: which request fields an error names, and why."""

from __future__ import annotations

from typing import List, Tuple

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def field_violations(error: grpc.RpcError) -> List[Tuple[str, str]]:
    """The ``(field, reason)`` pairs of an error's ``google.rpc.BadRequest`` details.

    webhookd names every invalid field this way (INVALID_ARGUMENT, and RESOURCE_EXHAUSTED
    for a field too large); the list is empty for an error without such details.
    """
    status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    if status is None:
        return []
    violations: List[Tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend((v.field, v.description) for v in bad_request.field_violations)
    return violations
