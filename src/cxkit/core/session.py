"""The sans-I/O stream session interface every vendor stream implements.

A session holds all protocol logic of one event stream (keepalive, missed pongs, migration,
subscription bookkeeping, channel expiry) and does no I/O and no sleeping. The runner in
:mod:`cxkit.core.stream` owns the socket: it feeds frames and the clock in, and carries out
the actions the session asks for. Every method takes ``now`` (monotonic seconds from the
runner's clock) so tests drive time by hand.

A session method returns a :class:`Step`: the events to deliver to the application, and the
actions for the runner, in order.

Life of a connection, as the runner drives it::

    target = await session.connect_target()      # URL + headers (may refresh credentials)
    ... open the WebSocket ...
    step = session.on_open(now)                   # e.g. send a subscribe, start keepalive
    loop:
        step = session.receive_text(frame, now)   # or receive_bytes
        step = session.tick(now)                  # whenever now >= session.next_deadline()
    step = session.on_closed(code, reason, now)   # the socket ended, for any reason
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import msgspec

__all__ = [
    "Action",
    "Close",
    "ConnectTarget",
    "Fail",
    "Reconnect",
    "SendBytes",
    "SendText",
    "Step",
    "StreamSession",
]


@dataclass(frozen=True, slots=True)
class ConnectTarget:
    """Where and how to open the WebSocket."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    protocols: tuple[str, ...] = ()
    # Cookies to send with the handshake (Five9 authenticates sockets by login cookies).
    cookies: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # headers and cookies may hold credentials
        return (
            f"ConnectTarget(url={self.url!r}, headers=<{len(self.headers)}>, "
            f"cookies=<{len(self.cookies)}>)"
        )


@dataclass(frozen=True, slots=True)
class SendText:
    """Send a text frame."""

    data: str


@dataclass(frozen=True, slots=True)
class SendBytes:
    """Send a binary frame."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Reconnect:
    """Close the current socket (if open) and connect again.

    ``delay`` None means: use the runner's backoff policy; 0 means: at once (e.g. a migration
    to a new URL, which the session will return from its next ``connect_target()``).
    ``gap`` says whether events may be lost across this reconnect (the runner then emits a
    :class:`cxkit.events.StreamGap` once connected again).
    """

    reason: str
    delay: float | None = None
    gap: bool = True


@dataclass(frozen=True, slots=True)
class Close:
    """Close the socket and end the stream for good (normal end, not an error)."""

    reason: str = ""
    code: int = 1000


@dataclass(frozen=True, slots=True)
class Fail:
    """End the stream with an error, raised to every consumer (e.g. credentials revoked)."""

    error: BaseException


Action = SendText | SendBytes | Reconnect | Close | Fail


class Step(msgspec.Struct):
    """What one session call produced: events for the application, actions for the runner.

    A msgspec Struct rather than a dataclass: one is made per received frame, and its
    constructor (defaults included) runs in C.
    """

    events: list[Any] = msgspec.field(default_factory=list)
    actions: list[Action] = msgspec.field(default_factory=list)

    def emit(self, event: Any) -> None:
        """Queue an event for the application."""
        self.events.append(event)

    def act(self, action: Action) -> None:
        """Queue an action for the runner."""
        self.actions.append(action)

    def extend(self, other: Step) -> None:
        """Append another step's events and actions after this one's."""
        self.events.extend(other.events)
        self.actions.extend(other.actions)


@runtime_checkable
class StreamSession(Protocol):
    """What a vendor stream implements. See the module docstring for the call order.

    Optional class attributes the runner reads (absent means False):

    * ``text_as_bytes``: hand TEXT frames to :meth:`receive_text` as undecoded UTF-8 bytes
      (msgspec decodes bytes faster than text, and aiohttp then skips its own decode).
    * ``unified_kinds_by_type``: :meth:`event_kinds` adds nothing for a unified
      :class:`~cxkit.events.BaseEvent`, so such an event answers to its ``event_kind`` and
      ``"*"`` alone and the runner may pick its handlers by its type (one lookup per event).

    and, absent meaning None:

    * ``protocol_ping_interval``: seconds between RFC 6455 control pings the runner sends
      (aiohttp's heartbeat; a ping unanswered for half that drops the socket, and the runner
      reconnects). For vendors whose own keepalive frames leave a transport gap; None: off.
    """

    name: str
    """Short stream name used in state / gap events and logs (e.g. ``"five9.supervisor"``)."""

    vendor: str
    tenant: str

    async def connect_target(self) -> ConnectTarget:
        """Return where to connect next. May do I/O (a token refresh, a re-login after a
        migration) since it is awaited by the runner before each attempt."""
        ...

    def on_open(self, now: float) -> Step:
        """The socket is open."""
        ...

    def receive_text(self, data: str, now: float) -> Step:
        """A text frame arrived. Must never raise for bad input: report it as an event
        (or log it) and keep the stream alive."""
        ...

    def receive_bytes(self, data: bytes, now: float) -> Step:
        """A binary frame arrived."""
        ...

    def tick(self, now: float) -> Step:
        """The clock reached :meth:`next_deadline` (keepalive, expiry checks)."""
        ...

    def next_deadline(self) -> float | None:
        """When :meth:`tick` must next be called (monotonic seconds), or None."""
        ...

    def on_closed(self, code: int | None, reason: str, now: float) -> Step:
        """The socket ended (peer close with ``code``, or a drop with ``code`` None).
        Return :class:`Reconnect`, :class:`Close` or :class:`Fail`; with no action the
        runner reconnects with backoff."""
        ...

    def event_kinds(self, event: Any) -> tuple[str, ...]:
        """The kinds an event answers to for ``stream.on(kind, handler)`` (e.g. the Five9
        event id, its enum name and the unified kind)."""
        ...
