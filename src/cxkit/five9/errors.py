"""Five9 error bodies -> the cxkit error tree.

Every non-2xx answer of VCC carries::

    {"five9ExceptionDetail": {"timestamp": 1698851947550, "errorCode": 3,
        "message": "Improper agent login state ACCEPT_NOTICE while calling getUsers. ...",
        "context": {"contextCode": "LOGIN", "objectId": "...", "farmId": "..."}}}

:func:`parse_error_body` reads it (tolerating missing parts and non-JSON bodies);
:data:`FIVE9_PROFILE` plugs it into :class:`cxkit.core.http.HTTPClient` so every raised
:class:`cxkit.errors.APIStatusError` carries ``code`` (``contextCode`` when present, else
``errorCode``) and ``vendor_message``; :func:`five9_detail` gives the full detail of such an error
(``errorCode``, ``contextCode``, ``objectId``, ``farmId``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cxkit.core.http import APIResponse, VendorProfile
from cxkit.core.http import status_error as core_status_error
from cxkit.errors import (
    APIStatusError,
    ConnectionClosed,
    CxkitError,
    VendorStateError,
)

__all__ = [
    "FIVE9_PROFILE",
    "DuplicateConnectionError",
    "DuplicateLoginError",
    "ErrorDetail",
    "LoginStateError",
    "five9_detail",
    "is_login_state_error",
    "is_migration_error",
    "parse_error_body",
    "status_error",
]


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """The parts of a ``five9ExceptionDetail`` body (all optional)."""

    error_code: int | None = None
    message: str | None = None
    context_code: str | None = None
    object_id: str | None = None
    farm_id: str | None = None
    timestamp: int | None = None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_error_body(body: Any) -> ErrorDetail | None:
    """Read a Five9 error body (decoded JSON); None when it has no ``five9ExceptionDetail``."""
    if not isinstance(body, dict):
        return None
    detail = body.get("five9ExceptionDetail")
    if not isinstance(detail, dict):
        return None
    context = detail.get("context")
    if not isinstance(context, dict):
        context = {}
    code = detail.get("errorCode")
    try:
        error_code = int(code) if code is not None and not isinstance(code, bool) else None
    except (TypeError, ValueError):
        error_code = None
    stamp = detail.get("timestamp")
    return ErrorDetail(
        error_code=error_code,
        message=_str(detail.get("message")),
        context_code=_str(context.get("contextCode")),
        object_id=_str(context.get("objectId")),
        farm_id=_str(context.get("farmId") or detail.get("farmId")),
        timestamp=stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None,
    )


def _parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    detail = parse_error_body(body)
    if detail is None:
        if isinstance(body, str) and body.strip():
            return None, body.strip()[:200]
        return None, None
    code = detail.context_code or (None if detail.error_code is None else str(detail.error_code))
    return code, detail.message


FIVE9_PROFILE = VendorProfile(name="five9", correlation_headers=(), parse_error=_parse_error)
"""How :class:`cxkit.core.http.HTTPClient` reads Five9 errors."""


def status_error(
    status: int, headers: Mapping[str, str], content: bytes, *, method: str, url: str
) -> APIStatusError:
    """The typed error of a non-2xx answer read outside :class:`~cxkit.core.http.HTTPClient`
    (a streamed download): the same class, message and fields the HTTP layer would raise
    (it is the HTTP layer's own :func:`cxkit.core.http.status_error`)."""
    response = APIResponse(
        status=status,
        headers=headers,
        content=content,
        elapsed=0.0,
        method=method,
        url=url,
        vendor=FIVE9_PROFILE,
    )
    return core_status_error(response, FIVE9_PROFILE)


def five9_detail(error: APIStatusError) -> ErrorDetail:
    """The ``five9ExceptionDetail`` of a raised API error (empty when the body had none)."""
    return parse_error_body(error.body) or ErrorDetail()


def is_login_state_error(error: BaseException) -> bool:
    """435 with ``contextCode: "LOGIN"``: a call made in the wrong login state."""
    return isinstance(error, VendorStateError) and five9_detail(error).context_code == "LOGIN"


# contextCodes of 435 answers that name an ordinary failure (a call in the wrong state, a
# transfer that cannot be made...): Five9 uses 435 as its generic exception status, so only
# these are told apart from a migration.
_MIGRATION_CODES: Final = frozenset({"SERVICE_MIGRATED", "MIGRATED", "MIGRATION"})


def is_migration_error(error: BaseException) -> bool:
    """Service migrated: ``errorCode`` 5001 (any status, one peer), a migration
    ``contextCode`` or message, or a 435 without a ``five9ExceptionDetail`` at all (another
    peer: "Five9 reply with Status 435 if a service has been migrated"). A 435 whose detail
    names another failure (``LOGIN``, an improper call state...) is not a migration: 435 is
    Five9's generic exception status, and such a call must not be retried after a re-login."""
    if not isinstance(error, APIStatusError):
        return False
    detail = parse_error_body(error.body)
    if detail is None:
        return isinstance(error, VendorStateError)
    if detail.error_code == 5001:
        return True
    if (detail.context_code or "").upper() in _MIGRATION_CODES:
        return True
    return "migrat" in (detail.message or "").lower()


class LoginStateError(CxkitError):
    """The login-state machine could not reach WORKING (loop cap, SELECT_SKILLS without a
    hook, an unknown state). ``state`` is the last state read."""

    def __init__(self, message: str, *, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state


class DuplicateLoginError(VendorStateError):
    """``session_start`` refused: the user is logged in elsewhere (``DUPLICATE_LOGIN``).
    Retry with ``force=True`` to take the session over."""


class DuplicateConnectionError(ConnectionClosed):
    """Five9 closed the socket as a duplicate connection (event 1020 / close code 3000).
    The stream does not fight for the slot in a loop: it ends with this error."""
