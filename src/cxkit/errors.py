"""Every error cxkit raises, in one tree.

Catch :class:`CxkitError` to catch everything cxkit raises on purpose; catch a branch to
handle one family. API status errors carry the vendor, the HTTP status, the correlation /
request id and the vendor's parsed error body, so a log line or a support ticket can be
written from the exception alone. No exception ever carries a secret: messages are built
from status, codes and ids, never from request headers or credentials.

.. code-block:: text

    CxkitError
    ├── TransportError                  the request never got an HTTP answer
    │   ├── ConnectError                DNS, refused, TLS, proxy, connection reset
    │   └── TransportTimeout            connect or read timeout
    ├── APIStatusError                  the vendor answered with a non-2xx status
    │   ├── BadRequestError             400 (and 413, 415, 422)
    │   ├── UnauthorizedError           401
    │   ├── ForbiddenError              403
    │   ├── NotFoundError               404
    │   ├── ConflictError               409
    │   ├── RateLimitError              429 (``retry_after`` in seconds when given)
    │   ├── VendorStateError            Five9's non-standard 435 "wrong login state / migrated"
    │   └── ServerError                 5xx
    ├── AuthError                       could not obtain or keep credentials
    │   ├── InvalidCredentialsError     wrong user, password, client id or secret
    │   ├── TokenExpiredError           a token was revoked or expired and cannot be renewed
    │   └── TokenRefreshError           a refresh failed or took too long
    ├── StreamError                     event streams (WebSocket)
    │   ├── ConnectionClosed            the peer closed; ``code`` and ``reason``
    │   ├── StreamProtocolError         a frame or sequence the protocol does not allow
    │   └── SubscriptionError           a topic / statistics subscription was refused
    ├── ConfigError                     a bad setting: names the key, the value, what is allowed
    └── UsageError                      the API was called in a way it cannot serve

Other modules add leaves to this tree, each drawn in its own module docstring or listed here:

* :mod:`cxkit.five9.errors` -- ``LoginStateError`` (a branch under the root),
  ``DuplicateLoginError`` (a :class:`VendorStateError`), ``DuplicateConnectionError`` (a
  :class:`ConnectionClosed`);
* :mod:`cxkit.genesys.exceptions` -- ``ChannelException`` and its failures (under
  :class:`StreamError`), named like the official Genesys SDKs' channel exceptions;
* :mod:`cxkit.genesys.api.analytics` -- ``AnalyticsJobFailed`` (an :class:`APIStatusError`:
  an analytics job the vendor ran and failed);
* :mod:`cxkit.bridge.errors` -- ``BridgeError`` (a branch under the root): sinks and spool.

A test checks that this drawing and the classes agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIStatusError",
    "AuthError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "ConnectionClosed",
    "CxkitError",
    "ForbiddenError",
    "InvalidCredentialsError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "StreamError",
    "StreamProtocolError",
    "SubscriptionError",
    "TokenExpiredError",
    "TokenRefreshError",
    "TransportError",
    "TransportTimeout",
    "UnauthorizedError",
    "UsageError",
    "VendorStateError",
    "api_error_class",
]


class CxkitError(Exception):
    """Root of every error cxkit raises on purpose."""


# --------------------------------------------------------------------------- transport


class TransportError(CxkitError):
    """The request did not get an HTTP answer (network, TLS, proxy, timeout)."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class ConnectError(TransportError):
    """The connection could not be made or was lost before an answer came."""


class TransportTimeout(TransportError):
    """Connecting or reading took longer than the configured timeout."""


# --------------------------------------------------------------------------- API status


class APIStatusError(CxkitError):
    """The vendor answered with a non-2xx status.

    Attributes:
        vendor: ``"five9"``, ``"genesys"`` or another vendor name.
        status: the HTTP status code.
        correlation_id: the vendor's correlation / request id, when it sent one.
        body: the vendor's error body, decoded from JSON when possible (else text or None).
        code: the vendor's error code when the body has one (Genesys ``code``,
            Five9 ``five9ExceptionDetail.errorCode`` / ``context.contextCode``).
        vendor_message: the vendor's human message when the body has one.
        headers: the response headers (never the request's).
        method, url: what was called (the URL never carries credentials).
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        status: int,
        correlation_id: str | None = None,
        body: Any = None,
        code: str | None = None,
        vendor_message: str | None = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.vendor = vendor
        self.status = status
        self.correlation_id = correlation_id
        self.body = body
        self.code = code
        self.vendor_message = vendor_message
        self.headers: Mapping[str, str] = headers or {}
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vendor={self.vendor!r}, status={self.status}, "
            f"code={self.code!r}, correlation_id={self.correlation_id!r})"
        )


class BadRequestError(APIStatusError):
    """400 (also 413/415/422): the vendor rejected the request as malformed."""


class UnauthorizedError(APIStatusError):
    """401: missing, expired or invalid credentials for this call."""


class ForbiddenError(APIStatusError):
    """403: authenticated, but not allowed."""


class NotFoundError(APIStatusError):
    """404: no such resource (or path)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the vendor's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class VendorStateError(APIStatusError):
    """Five9's non-standard 435: the call was made in the wrong login state, or the
    service was migrated to another data center (the client re-runs the login-state machine)."""


class ServerError(APIStatusError):
    """5xx: the vendor failed."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: BadRequestError,
    415: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    435: VendorStateError,
}


def api_error_class(status: int) -> type[APIStatusError]:
    """Return the most specific :class:`APIStatusError` subclass for an HTTP status."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if 500 <= status <= 599:
        return ServerError
    return APIStatusError


# --------------------------------------------------------------------------- auth


class AuthError(CxkitError):
    """Credentials could not be obtained or kept valid.

    Attributes:
        vendor: the vendor that refused.
        code: the vendor's error code (an OAuth ``error`` such as ``invalid_client``).
        status: the HTTP status of the refusal, when one came.
        description: the vendor's explanation (OAuth ``error_description`` or
            ``description``).
        body: the parsed error body (token endpoints never echo credentials in it).
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str | None = None,
        code: str | None = None,
        status: int | None = None,
        description: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.vendor = vendor
        self.code = code
        self.status = status
        self.description = description
        self.body = body

    @property
    def error(self) -> str | None:
        """The OAuth ``error`` (the same as :attr:`code`)."""
        return self.code

    @property
    def error_description(self) -> str | None:
        """The OAuth ``error_description`` (the same as :attr:`description`)."""
        return self.description


class InvalidCredentialsError(AuthError):
    """The vendor refused the credentials (user / password / client id / secret / assertion)."""


class TokenExpiredError(AuthError):
    """A token expired or was revoked and no way to renew it is configured."""


class TokenRefreshError(AuthError):
    """Refreshing a token failed or took longer than allowed."""


# --------------------------------------------------------------------------- streams


class StreamError(CxkitError):
    """An event stream (WebSocket) failed."""


class ConnectionClosed(StreamError):
    """The peer closed the stream. ``code`` is the WebSocket close code (None if the
    connection dropped without a close frame) and ``reason`` the close reason."""

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class StreamProtocolError(StreamError):
    """A frame or a sequence of frames the protocol does not allow.

    ``frame`` holds (a prefix of) the offending frame for diagnosis.
    """

    def __init__(self, message: str, *, frame: str | bytes | None = None) -> None:
        super().__init__(message)
        self.frame = frame[:512] if frame is not None else None


class SubscriptionError(StreamError):
    """A subscription (topics, statistics) was refused by the vendor."""

    def __init__(
        self, message: str, *, topics: tuple[str, ...] = (), reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.topics = topics
        self.reason = reason


# --------------------------------------------------------------------------- config / usage


class ConfigError(CxkitError, ValueError):
    """A setting has a bad value. Names the key, the value and what is allowed."""

    def __init__(
        self, message: str, *, key: str | None = None, value: Any = None, allowed: str | None = None
    ) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
        self.allowed = allowed

    @classmethod
    def bad_value(cls, key: str, value: Any, allowed: str, *, secret: bool = False) -> ConfigError:
        """Build the standard message: ``bad value for KEY: VALUE (allowed: ALLOWED)``."""
        shown = "<redacted>" if secret else repr(value)
        return cls(
            f"bad value for {key}: {shown} (allowed: {allowed})",
            key=key,
            value=None if secret else value,
            allowed=allowed,
        )


class UsageError(CxkitError, ValueError):
    """The API was used in a way it cannot serve (e.g. a call before login)."""
