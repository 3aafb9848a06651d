"""The notification-channel exception catalogue of ``genesys-notifications`` (PyPI), in cxkit.

Same class names, same :class:`REASON` codes (two/three-digit codes encode the hierarchy), so
code written for that library reads the same here. Every class is a
:class:`cxkit.errors.StreamError`, carries ``.reason``, ``.message`` and ``.original`` and prints
as ``Class: docstring: REASON``.

.. code-block:: text

    ChannelException
    ├── ChannelExpiring            the channel is closing (socket_closing) or reached its lifetime
    └── ChannelFailure
        ├── InitializationFailure
        │   ├── ConnectionFailure      the WebSocket could not be opened
        │   │   └── AuthorizationFailure   upgrade answered 401 / 403
        │   └── SubscriptionFailure    the service refused a subscription
        ├── ReceiveFailure             a frame could not be understood (reported, skipped)
        └── RecoveryFailure
            ├── LifetimeExtensionFailure
            ├── ReconnectFailure
            └── RolloverFailure

cxkit raises these only when it cannot recover by itself; recoverable problems (a malformed
frame, a refused topic) are *delivered* as :class:`cxkit.genesys.protocol.ChannelProblem`
events carrying one of these exceptions, and the stream goes on.
"""

from __future__ import annotations

import enum

from cxkit.errors import StreamError

__all__ = [
    "REASON",
    "AuthorizationFailure",
    "ChannelException",
    "ChannelExpiring",
    "ChannelFailure",
    "ConnectionFailure",
    "InitializationFailure",
    "LifetimeExtensionFailure",
    "ReceiveFailure",
    "ReconnectFailure",
    "RecoveryFailure",
    "RolloverFailure",
    "SubscriptionFailure",
]


class REASON(enum.IntEnum):
    """Why a channel operation failed (``genesys-notifications`` codes)."""

    ConnectionClosed = 1
    InvalidHandshake = 2
    InvalidStatusCode = 21  # upgrade answered something other than 101
    HTTPUnauthorized = 211  # upgrade answered 401
    HTTPForbidden = 212  # upgrade answered 403
    InvalidURI = 3
    InvalidMessage = 4  # a frame that is not JSON (or not a known shape)
    ChannelExpired = 5  # the 24 h lifetime passed
    ChannelClosing = 6  # Genesys announced maintenance (v2.system.socket_closing)
    Ambiguous = 7  # the service reported a failure (result 404 / 400)


class ChannelException(StreamError):
    """Notification channel error."""

    def __init__(
        self,
        reason: REASON,
        message: str = "",
        original: BaseException | None = None,
    ) -> None:
        super().__init__(message or reason.name)
        self.reason = reason
        self.message = message
        self.original = original

    def __str__(self) -> str:
        doc = (type(self).__doc__ or "").strip().splitlines()[0].rstrip(".")
        text = f"{type(self).__name__}: {doc}: {self.reason.name}"
        return f"{text} ({self.message})" if self.message else text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(REASON.{self.reason.name}, {self.message!r})"


class ChannelExpiring(ChannelException):
    """Channel is expiring or closing soon."""


class ChannelFailure(ChannelException):
    """Channel failed."""


class InitializationFailure(ChannelFailure):
    """Channel could not be initialized."""


class ConnectionFailure(InitializationFailure):
    """Could not connect to the channel."""


class AuthorizationFailure(ConnectionFailure):
    """Not authorized to connect to the channel."""


class SubscriptionFailure(InitializationFailure):
    """Subscription was refused."""


class ReceiveFailure(ChannelFailure):
    """Could not receive a message."""


class RecoveryFailure(ChannelFailure):
    """Could not recover the channel."""


class LifetimeExtensionFailure(RecoveryFailure):
    """Could not extend the channel lifetime."""


class ReconnectFailure(RecoveryFailure):
    """Could not reconnect to the channel."""


class RolloverFailure(RecoveryFailure):
    """Could not roll over to a new channel."""


def upgrade_failure(status: int, message: str = "") -> ConnectionFailure:
    """Map a refused WebSocket upgrade like ``genesys-notifications`` does: 401/403 →
    AuthorizationFailure, anything else → ConnectionFailure(InvalidStatusCode)."""
    if status == 401:
        return AuthorizationFailure(REASON.HTTPUnauthorized, message or "upgrade answered 401")
    if status == 403:
        return AuthorizationFailure(REASON.HTTPForbidden, message or "upgrade answered 403")
    return ConnectionFailure(REASON.InvalidStatusCode, message or f"upgrade answered {status}")
