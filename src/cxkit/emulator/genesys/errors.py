"""Platform API errors: :class:`ApiError` and the ``ErrorBody`` it renders to.

Messages follow the generic ``x-inin-error-codes`` catalogue; ``messageWithParams`` keeps the
``{name}`` placeholders that ``messageParams`` fills, and ``contextId`` repeats the response's
correlation id (as the Go SDK expects).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["ApiError", "bad_request", "error_body", "invalid_value", "not_found"]

_TEMPLATES: Final[dict[str, str]] = {
    "bad.request": "The request could not be understood by the server due to malformed syntax.",
    "invalid.date": (
        "Dates must be specified as ISO-8601 strings. For example: yyyy-MM-ddTHH:mm:ss.SSSZ"
    ),
    "invalid.value": "Value [{value}] is not valid for field type [{field}]. "
    "Allowable values are: {allowed}",
    "authentication.required": "No authentication bearer token specified in authorization header.",
    "bad.credentials": "Invalid login credentials.",
    "credentials.expired": "The supplied credentials are expired and cannot be used.",
    "missing.permissions": "Unable to perform the requested action. You are missing the "
    "following permission(s): {permissions}",
    "not.a.user": "This request requires a user context. Client credentials cannot be used "
    "for requests to this resource.",
    "not.found": "The requested resource was not found.",
    "conflict": "The request conflicts with the current state of the target resource. {reason}",
    "request.too.large": "The request is over the size limit. Maximum bytes: {limit}",
    "unsupported.media.type": "Unsupported Media Type - Unsupported or incorrect media type, "
    "such as an incorrect Content-Type value in the header.",
    "too.many.requests": "Rate limit exceeded the maximum. Retry the request in [{retryAfter}] "
    "seconds",
    "method.not.allowed": "The requested method is not supported for this resource.",
    "internal.server.error": "The server encountered an unexpected condition which prevented "
    "it from fulfilling the request.",
}


class ApiError(Exception):
    """A Platform API error answer; the middleware renders it as an ErrorBody."""

    def __init__(
        self,
        status: int,
        code: str,
        params: Mapping[str, str] | None = None,
        *,
        message: str | None = None,
        details: list[dict[str, Any]] | None = None,
        limit: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.params = dict(params or {})
        self.template = message or _TEMPLATES.get(code, code)
        self.message = self.template.format(**self.params) if self.params else self.template
        self.details = details or []
        self.limit = limit
        self.headers = dict(headers or {})
        super().__init__(f"{status} {code}: {self.message}")


def error_body(error: ApiError, correlation_id: str) -> dict[str, Any]:
    """The ``ErrorBody`` JSON of an error."""
    body: dict[str, Any] = {
        "message": error.message,
        "code": error.code,
        "status": error.status,
        "messageWithParams": error.template,
        "messageParams": error.params,
        "contextId": correlation_id,
        "details": error.details,
        "errors": [],
    }
    if error.limit is not None:
        body["limit"] = error.limit
    return body


def not_found(what: str = "resource") -> ApiError:
    """404 ``not.found`` (``what`` names the entity in ``details``)."""
    return ApiError(404, "not.found", details=[{"errorCode": "not.found", "entityName": what}])


def bad_request(reason: str) -> ApiError:
    """400 ``bad.request`` with a specific message."""
    return ApiError(400, "bad.request", message=reason)


def invalid_value(field: str, value: object, allowed: str) -> ApiError:
    """400 ``invalid.value`` naming the field, the value and what is allowed."""
    return ApiError(
        400,
        "invalid.value",
        {"value": str(value), "field": field, "allowed": allowed},
        details=[{"errorCode": "invalid.value", "fieldName": field}],
    )
