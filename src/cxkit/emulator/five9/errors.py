"""Five9's error body (``five9ExceptionDetail``) and the errors the emulator raises.

Every non-2xx answer of the emulated VCC REST API carries::

    {"five9ExceptionDetail": {"timestamp": <ms>, "errorCode": <int>, "message": str,
                              "context": {"contextCode": str, "objectId"?: str, "farmId"?: str}}}

Handlers and state methods raise :class:`Five9Error`; the router renders it with the clock.
Statuses and codes the reference does not record (bad credentials, DUPLICATE_LOGIN, unknown
path) are chosen here and marked so; 435 with ``errorCode: 3`` / ``contextCode: "LOGIN"`` is
the one taken verbatim from a real capture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web

__all__ = [
    "Five9Error",
    "bad_credentials",
    "bad_request",
    "duplicate_login",
    "exception_detail",
    "forbidden",
    "not_found",
    "not_logged_in",
    "service_migrated",
    "wrong_login_state",
]


class Five9Error(Exception):
    """An error answer of the emulated Five9 API (rendered as ``five9ExceptionDetail``)."""

    def __init__(
        self,
        status: int,
        error_code: int,
        message: str,
        context_code: str,
        *,
        object_id: str | None = None,
        farm_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        bare: bool = False,
    ) -> None:
        super().__init__(message)
        self.bare = bare  # answer the status alone, no five9ExceptionDetail body
        self.status = status
        self.error_code = error_code
        self.message = message
        self.context_code = context_code
        self.object_id = object_id
        self.farm_id = farm_id
        self.headers = dict(headers or {})

    def body(self, now_ms: int) -> dict[str, Any]:
        """The JSON body of this error at time ``now_ms``."""
        return exception_detail(
            now_ms,
            self.error_code,
            self.message,
            self.context_code,
            object_id=self.object_id,
            farm_id=self.farm_id,
        )

    def response(self, now_ms: int) -> web.Response:
        """An aiohttp response carrying this error."""
        if self.bare:
            return web.Response(status=self.status, headers=self.headers)
        return web.Response(
            status=self.status,
            body=msgspec.json.encode(self.body(now_ms)),
            content_type="application/json",
            headers=self.headers,
        )


def exception_detail(
    now_ms: int,
    error_code: int,
    message: str,
    context_code: str,
    *,
    object_id: str | None = None,
    farm_id: str | None = None,
) -> dict[str, Any]:
    """Build the ``{"five9ExceptionDetail": {...}}`` body."""
    context: dict[str, Any] = {"contextCode": context_code}
    if object_id is not None:
        context["objectId"] = object_id
    if farm_id is not None:
        context["farmId"] = farm_id
    return {
        "five9ExceptionDetail": {
            "timestamp": now_ms,
            "errorCode": error_code,
            "message": message,
            "context": context,
        }
    }


def not_logged_in() -> Five9Error:
    """401 "User is not logged in" (stale token, propagation lag, LB cookies on a DC)."""
    return Five9Error(401, 401, "User is not logged in", "NOT_LOGGED_IN")


def bad_credentials() -> Five9Error:
    """401 for a wrong username or password (status inferred, reference §5 item 3)."""
    return Five9Error(401, 401, "Invalid username or password", "AUTHENTICATION")


def wrong_login_state(state: str, operation: str) -> Five9Error:
    """435 for a WORKING-only call in another state (verbatim from a real capture)."""
    return Five9Error(
        435,
        3,
        f"Improper agent login state {state} while calling {operation}. Allowed is WORKING",
        "LOGIN",
    )


def service_migrated(farm_id: str, status: int, *, bare: bool = False) -> Five9Error:
    """REST call on the old data center after a migration: errorCode 5001 + the new farm, or
    (``bare``) the status alone, as the Go client met it ("Five9 reply with Status 435 if a
    service has been migrated")."""
    return Five9Error(
        status, 5001, "Service migrated", "SERVICE_MIGRATED", farm_id=farm_id, bare=bare
    )


def duplicate_login(user_id: str) -> Five9Error:
    """``session_start`` while the user's station session is held elsewhere (status inferred)."""
    return Five9Error(
        409,
        4,
        "User is already logged in from another station",
        "DUPLICATE_LOGIN",
        object_id=user_id,
    )


def forbidden(message: str, object_id: str | None = None) -> Five9Error:
    """403: missing permission or role."""
    return Five9Error(403, 403, message, "PERMISSION", object_id=object_id)


def not_found(message: str, object_id: str | None = None) -> Five9Error:
    """404: unknown path or object."""
    return Five9Error(404, 404, message, "NOT_FOUND", object_id=object_id)


def bad_request(message: str, object_id: str | None = None) -> Five9Error:
    """400: a body the endpoint cannot use."""
    return Five9Error(400, 400, message, "BAD_REQUEST", object_id=object_id)
