"""The bridge's errors, a branch of :class:`cxkit.errors.CxkitError`.

.. code-block:: text

    CxkitError
    └── BridgeError                 the event bridge failed
        ├── SinkUnavailable         a sink could not take a batch now (broker down, timeout,
        │                           5xx after retries): the bridge spools and retries
        ├── SpoolFullError          the local spool reached its size bound: events are no
        │                           longer accepted (never dropped silently)
        └── SpoolCorruptError       a spool file holds bytes that are not a valid record

Messages name the sink (its URL without credentials), the spool directory and sizes; never a
password, token or webhook secret.
"""

from __future__ import annotations

from cxkit.errors import CxkitError

__all__ = ["BridgeError", "SinkUnavailable", "SpoolCorruptError", "SpoolFullError"]


class BridgeError(CxkitError):
    """The event bridge failed."""


class SinkUnavailable(BridgeError):
    """A sink could not deliver a batch now; retrying later may succeed.

    ``delivered`` is how many events at the head of the batch the broker is known to have
    taken (acknowledged); the bridge spools only the rest. Events after that prefix may or
    may not have reached the broker: they are sent again (at least once; consumers
    deduplicate by event id). ``retry_after`` is the destination's own hint (seconds), e.g. a
    webhook's ``Retry-After``: the bridge waits at least that long before the next attempt.
    """

    def __init__(
        self, message: str, *, sink: str, delivered: int = 0, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.sink = sink
        self.delivered = delivered
        self.retry_after = retry_after


class SpoolFullError(BridgeError):
    """The spool cannot take more events: the broker has been unreachable too long.

    Attributes:
        path: the spool directory.
        used: bytes held by the spool (not yet delivered).
        capacity: the configured bound (``max_bytes``).
        needed: bytes the refused append needed.
        unsaved: events the bridge held in memory and could not spool when it failed
            (filled in by :class:`cxkit.bridge.Bridge`; see ``Bridge.unsaved()``).
    """

    def __init__(self, message: str, *, path: str, used: int, capacity: int, needed: int) -> None:
        super().__init__(message)
        self.path = path
        self.used = used
        self.capacity = capacity
        self.needed = needed
        self.unsaved = 0


class SpoolCorruptError(BridgeError):
    """A spool segment holds a record whose length or checksum is wrong (not a torn tail,
    which is repaired on open, but damage in the middle of the log)."""

    def __init__(self, message: str, *, path: str, offset: int) -> None:
        super().__init__(message)
        self.path = path
        self.offset = offset
