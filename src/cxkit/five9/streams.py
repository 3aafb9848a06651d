"""The Five9 flavour of :class:`cxkit.core.stream.EventStream`.

It runs a :class:`~cxkit.five9.protocol.Five9StreamSession` and adds what a Five9 user needs:
handlers by event id, the statistics cache of a supervisor stream, the diagnostics ring
buffer, a reconnect a handler can ask for, and unified events built on demand: in "auto"
mode (the client's default) they are built once something consumes them -- an
``async for``, a ``"*"`` handler or a handler of a unified kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from cxkit.core.session import Reconnect, Step
from cxkit.core.stream import EventStream, StreamIterator
from cxkit.five9.protocol import Five9StreamSession, SupervisorStreamSession
from cxkit.five9.stats import StatsCache

__all__ = ["UNIFIED_KINDS", "Five9EventStream"]

UNIFIED_KINDS: Final = frozenset(
    {
        "*",
        "agent.state",
        "queue.statistics",
        "interaction.started",
        "interaction.updated",
        "interaction.ended",
    }
)
"""Handler kinds that consume the unified events a Five9 session derives."""


class Five9EventStream(EventStream):
    """An :class:`~cxkit.core.stream.EventStream` over a Five9 socket, with Five9 helpers."""

    @property
    def five9(self) -> Five9StreamSession:
        """The Five9 session (keepalive counters, migration state, ring buffer)."""
        session = self.session
        assert isinstance(session, Five9StreamSession)
        return session

    @property
    def cache(self) -> StatsCache | None:
        """The statistics cache of a supervisor stream (None for an agent stream)."""
        session = self.session
        return session.stats if isinstance(session, SupervisorStreamSession) else None

    def on(self, kind: str, handler: Callable[[Any], Any]) -> Callable[[], None]:
        """Register a handler (see :meth:`EventStream.on`); a handler of a unified kind (or
        ``"*"``) switches the session's unified events on."""
        if kind in UNIFIED_KINDS:
            self.five9.want_unified()
        return super().on(kind, handler)

    def on_event(self, event_id: int, handler: Callable[[Any], Any]) -> Callable[[], None]:
        """Call ``handler`` for every Five9 event with this id (an int or an ``EventId``)."""
        return self.on(str(int(event_id)), handler)

    def __aiter__(self) -> StreamIterator:
        """Iterate every event, unified ones included (they are switched on)."""
        self.five9.want_unified()
        return super().__aiter__()

    async def reconnect(self, reason: str = "requested by the application") -> None:
        """Close the socket and connect again at once (a handler may call it, e.g. when a
        feed looks wrong; the Five9 Python pack let handlers return ``"reconnect"``)."""
        await self.execute(Step(actions=[Reconnect(reason, delay=0)]))

    def recent_frames(self) -> list[tuple[float, str | bytes]]:
        """The last frames received, oldest first, as ``(monotonic time, frame)``."""
        return self.five9.recent_frames()
