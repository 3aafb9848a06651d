"""The sans-I/O Five9 WebSocket sessions (agent and supervisor).

They implement :class:`cxkit.core.session.StreamSession`; :class:`cxkit.core.stream.EventStream`
owns the socket. All protocol logic lives here and is unit-tested without sockets:

* **Keepalive**: the text frame ``ping`` every ``ping_interval`` seconds (15 s by default, as
  Five9 documents); each ping is answered by event 1202. When ``missed_pongs`` (2) pings in a
  row got no answer the socket is declared dead -> :class:`~cxkit.core.session.Reconnect`.
* **Migration** ("MGR"): 70 STARTED -> 1002 with the new metadata (kept) -> 73 COMPLETED ->
  reconnect at once; the next :meth:`connect_target` hands the kept metadata to the client,
  which switches the REST base URL to the new data center, logs in there again, drives the login
  state to WORKING and returns the new socket URL. A 1002 without a following 73 within two ping
  intervals triggers the same (the old host "will otherwise be dead").
* **Restarts**: 1000 / 1003 / 1004 events and close code 1003 -> reconnect with a re-login;
  1001 (graceful switchover) -> reconnect at once with a re-login.
* **Duplicates**: event 1020 or close code 3000 -> the stream ends with
  :class:`~cxkit.five9.errors.DuplicateConnectionError`; it does not fight the other socket for
  the slot in a loop.
* **Statistics** (supervisor): 5000 / 5012 are applied to a :class:`~cxkit.five9.stats.StatsCache`
  and turned into unified events; the cache is marked stale on every disconnect and
  ``on_connected`` (the client's ``request_full_statistics``) is called on every (re)connect,
  and again on event 6001 (an administrator changed the statistics filter: the rows in scope
  changed, so a new full dump replaces the tables).
* **Bad input**: a frame :func:`~cxkit.five9.events.decode_event` rejects is reported as a
  :class:`MalformedFrame` event (kind ``"malformed"``), logged, counted, and skipped.
* **Diagnostics**: the last ``frame_buffer`` received frames are kept in a ring buffer
  (:meth:`Five9StreamSession.recent_frames`), as one peer does to explain odd feeds.
* **Unified events on demand**: with ``unified=None`` ("auto") the vendor-neutral events are
  built only once somebody consumes them (:meth:`Five9StreamSession.want_unified`; the client's
  stream calls it for an ``async for``, a ``"*"`` handler or a handler of a unified kind), so a
  feed read only by Five9 event id costs no extra objects per frame.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cxkit.config import DEFAULTS
from cxkit.core.session import ConnectTarget, Fail, Reconnect, SendText, Step
from cxkit.errors import ConfigError, StreamProtocolError
from cxkit.events import utcnow
from cxkit.five9.errors import DuplicateConnectionError
from cxkit.five9.events import (
    EventId,
    Five9Event,
    MaintenanceAnnouncedEvent,
    MigrationEvent,
    StatsSnapshotEvent,
    StatsUpdateEvent,
    decode_event,
    decode_stats_update,
    event_name,
)
from cxkit.five9.models import Metadata
from cxkit.five9.normalize import AgentNormalizer
from cxkit.five9.stats import StatsCache

__all__ = [
    "AgentStreamSession",
    "ConnectRequest",
    "Five9StreamSession",
    "MalformedFrame",
    "SupervisorStreamSession",
]

logger = logging.getLogger("cxkit.five9.stream")

PING: Final = "ping"
DUPLICATE_CLOSE_CODE: Final = 3000
RESTART_CLOSE_CODE: Final = 1003
_PONG: Final = int(EventId.PONG)
_DELTA_ID: Final = int(EventId.EVENT_INCREMENTAL_STATS_UPDATE)
_FILTER_UPDATED: Final = int(EventId.EVENT_FILTER_SETTINGS_UPDATED)
# event id -> the kinds it answers to in stream.on(); built once per id.
_KINDS: dict[int, tuple[str, str]] = {}
_RESTART_EVENTS: Final = frozenset(
    {EventId.SERVER_UNAVAILABLE, EventId.JMS_SERVER_UNAVAILABLE, EventId.FARM_EVENT}
)


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    """What the session asks of the client before a (re)connect.

    Attributes:
        metadata: new metadata from a migration (event 1002): switch data center to it.
        relogin: log in again (and drive to WORKING) before connecting.
        reason: why (for logs).
    """

    metadata: Metadata | None = None
    relogin: bool = False
    reason: str = "connect"


TargetFactory = Callable[[ConnectRequest], Awaitable[ConnectTarget]]


@dataclass(slots=True)
class MalformedFrame:
    """A frame the decoder rejected; it was skipped and the stream goes on."""

    error: StreamProtocolError
    frame: str | bytes | None
    received_at: dt.datetime = field(default_factory=utcnow)

    @property
    def event_kind(self) -> str:
        """Always ``"malformed"``."""
        return "malformed"


class Five9StreamSession:
    """Protocol logic shared by the agent and the supervisor socket.

    Args:
        target: async factory of the next :class:`ConnectTarget`, given a :class:`ConnectRequest`
            (the client implements it: URL, cookies and headers; migration and re-login).
        ping_interval: seconds between ``ping`` frames.
        missed_pongs: unanswered pings in a row after which the socket is declared dead.
        event_filter: deliver only Five9 events with these ids (None: all). Keepalive,
            migration and statistics are handled whatever the filter.
        unified: also deliver the vendor-neutral events derived from Five9 events (True),
            never (False), or from the first :meth:`want_unified` call on (None, "auto").
        on_connected: called (synchronously) on every open; may schedule async work.
        tenant: the org id, stamped on events.
        frame_buffer: how many received frames :meth:`recent_frames` keeps (0: none).
    """

    vendor = "five9"
    text_as_bytes = True
    """Text frames arrive as undecoded UTF-8 bytes (the runner asks aiohttp not to decode
    them): msgspec reads a 5012 from bytes faster than from text."""
    unified_kinds_by_type = True
    """:meth:`event_kinds` adds nothing for unified events (see ``StreamSession``)."""
    kind: Literal["agent", "supervisor"] = "agent"

    def __init__(
        self,
        target: TargetFactory,
        *,
        ping_interval: float = DEFAULTS.five9_ping_interval,
        missed_pongs: int = DEFAULTS.five9_missed_pongs,
        event_filter: Collection[int] | None = None,
        unified: bool | None = True,
        on_connected: Callable[[], Any] | None = None,
        tenant: str = "",
        name: str | None = None,
        frame_buffer: int = 100,
    ) -> None:
        if isinstance(ping_interval, bool) or not isinstance(ping_interval, (int, float)):
            raise ConfigError.bad_value("five9.ping_interval", ping_interval, "a number > 0")
        if not ping_interval > 0:
            raise ConfigError.bad_value("five9.ping_interval", ping_interval, "a number > 0")
        if isinstance(missed_pongs, bool) or not isinstance(missed_pongs, int) or missed_pongs < 1:
            raise ConfigError.bad_value("five9.missed_pongs", missed_pongs, "an integer >= 1")
        if isinstance(frame_buffer, bool) or not isinstance(frame_buffer, int) or frame_buffer < 0:
            raise ConfigError.bad_value("five9.frame_buffer", frame_buffer, "an integer >= 0")
        self.name = name or f"five9.{self.kind}"
        self.tenant = tenant
        self._target = target
        self.ping_interval = float(ping_interval)
        self.missed_pongs = missed_pongs
        self.event_filter: frozenset[int] | None = (
            None if event_filter is None else frozenset(int(i) for i in event_filter)
        )
        self.unified = bool(unified)
        self.unified_auto = unified is None
        self.on_connected = on_connected
        self._ring: deque[tuple[float, str | bytes]] | None = (
            deque(maxlen=frame_buffer) if frame_buffer else None
        )
        # connection state
        self._open = False
        self._next_ping: float | None = None
        self._outstanding = 0
        self._failed_attempts = 0
        # migration / restart state
        self._migration_metadata: Metadata | None = None
        self._migration_deadline: float | None = None
        self._relogin = False
        self._duplicate = False
        # counters
        self.malformed = 0
        self.pongs = 0
        self.pings = 0
        self.migrations = 0
        self.last_frame_at: float | None = None
        self.maintenance_at: float | None = None
        """When announced maintenance begins (the session's clock), after event 37."""

    # ------------------------------------------------------------------ public helpers

    def want_unified(self) -> None:
        """Somebody consumes unified events: build them from now on (in "auto" mode; an
        explicit ``unified=False`` stays off)."""
        if self.unified_auto:
            self.unified = True

    def set_identity(self, tenant: str, user_id: str | None = None) -> None:
        """The logged-in org (and user) became known: stamp them on events from now on."""
        self.tenant = tenant

    def recent_frames(self) -> list[tuple[float, str | bytes]]:
        """The last received frames, oldest first, as ``(now, frame)`` (diagnostics)."""
        return list(self._ring) if self._ring is not None else []

    # ------------------------------------------------------------------ StreamSession

    async def connect_target(self) -> ConnectTarget:
        """Ask the client where to connect; hands over kept migration metadata and re-login
        requests (a previous attempt that never opened also asks for a re-login)."""
        request = ConnectRequest(
            metadata=self._migration_metadata,
            relogin=self._relogin or self._failed_attempts > 0,
            reason="migration" if self._migration_metadata is not None else "connect",
        )
        self._failed_attempts += 1  # reset by on_open
        target = await self._target(request)
        # Only once the client switched over is the request consumed.
        self._migration_metadata = None
        self._relogin = False
        return target

    def on_open(self, now: float) -> Step:
        """The socket is open: start the keepalive clock, ask for fresh statistics."""
        self._open = True
        self._failed_attempts = 0
        self._outstanding = 0
        self._duplicate = False
        self._migration_deadline = None
        self._next_ping = now + self.ping_interval
        if self.on_connected is not None:
            try:
                self.on_connected()
            except Exception:  # a callback bug must not stop the stream
                logger.exception("%s: on_connected callback raised", self.name)
        return Step()

    def receive_text(self, data: str | bytes, now: float) -> Step:
        """Decode a frame and react to it; never raises."""
        self.last_frame_at = now
        ring = self._ring
        if ring is not None:
            ring.append((now, data))
        try:
            event = decode_event(data)
        except StreamProtocolError as exc:
            step = Step()
            self._malformed(step, exc, data)
            return step
        return self._on_event(event, now)

    def receive_bytes(self, data: bytes, now: float) -> Step:
        """Five9 sends text frames only; a binary frame is decoded the same way (UTF-8 JSON)."""
        return self.receive_text(data, now)

    def tick(self, now: float) -> Step:
        """Keepalive and migration deadlines."""
        step = Step()
        if not self._open:
            return step
        if self._migration_deadline is not None and now >= self._migration_deadline:
            self._migration_deadline = None
            step.act(Reconnect("five9 migration: 1002 without 73, switching over", delay=0))
            return step
        if self._next_ping is not None and now >= self._next_ping:
            if self._outstanding >= self.missed_pongs:
                logger.warning(
                    "%s: %d pings unanswered, reconnecting", self.name, self._outstanding
                )
                self._open = False
                self._next_ping = None
                step.act(Reconnect(f"five9: {self._outstanding} pings without a pong"))
                return step
            self._outstanding += 1
            self.pings += 1
            self._next_ping = now + self.ping_interval
            step.act(SendText(PING))
        return step

    def next_deadline(self) -> float | None:
        """The next ping (or migration fallback) time; None while closed."""
        if not self._open:
            return None
        deadlines = [d for d in (self._next_ping, self._migration_deadline) if d is not None]
        return min(deadlines) if deadlines else None

    def on_closed(self, code: int | None, reason: str, now: float) -> Step:
        """Decide what follows a closed socket."""
        self._open = False
        self._next_ping = None
        self._migration_deadline = None
        self._connection_lost()
        step = Step()
        if self._duplicate or code == DUPLICATE_CLOSE_CODE:
            step.act(
                Fail(
                    DuplicateConnectionError(
                        f"{self.name}: Five9 closed this socket as a duplicate connection "
                        "(another socket of the same user took its place; at most 3 per user)",
                        code=code,
                        reason=reason,
                    )
                )
            )
        elif self._migration_metadata is not None:
            step.act(Reconnect("five9 migration", delay=0))
        elif code == RESTART_CLOSE_CODE:
            self._relogin = True
            step.act(Reconnect("five9 closed 1003: restarting the session"))
        return step

    def event_kinds(self, event: Any) -> tuple[str, ...]:
        """A Five9 event answers to its id (``"4"``) and its name (``"EVENT_CALL_UPDATED"``)."""
        if isinstance(event, Five9Event):
            kinds = _KINDS.get(event.event_id)
            if kinds is None:
                kinds = (str(event.event_id), event_name(event.event_id))
                if len(_KINDS) < 10_000:  # ids are few; a hostile feed must not grow it
                    _KINDS[event.event_id] = kinds
            return kinds
        if isinstance(event, MalformedFrame):
            return ("malformed",)
        return ()

    # ------------------------------------------------------------------ handling

    def _malformed(self, step: Step, exc: StreamProtocolError, data: str | bytes) -> None:
        self.malformed += 1
        logger.warning("%s: malformed frame skipped: %s", self.name, exc)
        step.emit(MalformedFrame(error=exc, frame=exc.frame))

    def _on_event(self, event: Five9Event, now: float) -> Step:
        step = Step()
        self._handle(event, step, now)
        return step

    def _handle(self, event: Five9Event, step: Step, now: float) -> None:
        event_id = event.event_id
        if event_id == _PONG:
            self._outstanding = 0
            self.pongs += 1
        elif event_id == EventId.DUPLICATE_CONNECTION:
            self._duplicate = True
        elif event_id == EventId.SERVER_MAINTENANCE_SWITCHOVER_RELOGIN_FORCED:
            if isinstance(event, MigrationEvent) and event.payload is not None:
                self._migration_metadata = event.payload
            else:
                self._relogin = True
            self.migrations += 1
            # Fallback when 73 never comes.
            self._migration_deadline = now + 2 * self.ping_interval
        elif event_id == EventId.EVENT_MAINTENANCE_COMPLETED:
            if self._migration_metadata is not None or self._relogin:
                self._migration_deadline = None
                self._deliver(event, step)
                step.act(Reconnect("five9 migration completed", delay=0))
                return
        elif event_id == EventId.SERVER_MAINTENANCE_SWITCHOVER_RELOGIN:
            self._relogin = True
            self._deliver(event, step)
            step.act(Reconnect("five9 graceful switchover: re-login", delay=0))
            return
        elif event_id == EventId.EVENT_MAINTENANCE_ANNOUNCED:
            if isinstance(event, MaintenanceAnnouncedEvent) and event.starts_in_ms is not None:
                self.maintenance_at = now + max(event.starts_in_ms, 0.0) / 1000.0
                logger.warning(
                    "%s: Five9 announced maintenance in %.0f s",
                    self.name,
                    event.starts_in_ms / 1000.0,
                )
        elif event_id in _RESTART_EVENTS:
            self._relogin = True
            self._deliver(event, step)
            step.act(Reconnect(f"five9 {event.name}: restarting the session"))
            return
        self._deliver(event, step)

    def _deliver(self, event: Five9Event, step: Step) -> None:
        if self.event_filter is None or event.event_id in self.event_filter:
            step.emit(event)

    def _connection_lost(self) -> None:
        """Hook: the socket ended."""


class AgentStreamSession(Five9StreamSession):
    """The agent socket (``/appsvcs/ws/{key}``): calls, presence, agent events."""

    kind = "agent"

    def __init__(
        self, target: TargetFactory, *, agent_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(target, **kwargs)
        self.normalizer = AgentNormalizer(tenant=self.tenant, agent_id=agent_id)

    def set_identity(self, tenant: str, user_id: str | None = None) -> None:
        """Stamp the org and the agent's id on events from now on."""
        super().set_identity(tenant, user_id)
        self.normalizer.tenant = tenant
        if user_id is not None:
            self.normalizer.agent_id = user_id

    def _deliver(self, event: Five9Event, step: Step) -> None:
        if self.event_filter is None or event.event_id in self.event_filter:
            step.emit(event)
        if self.unified:
            step.events.extend(self.normalizer.normalize(event))
        elif self.unified_auto:
            # Nobody reads unified events yet: keep the call bookkeeping current (cheap,
            # agent feeds are small) so a later consumer sees correct starts and ends.
            self.normalizer.normalize(event)


class SupervisorStreamSession(Five9StreamSession):
    """The supervisor socket (``/supsvcs/sws/{key}``): statistics into :attr:`stats`."""

    kind = "supervisor"

    def __init__(
        self, target: TargetFactory, *, stats: StatsCache | None = None, **kwargs: Any
    ) -> None:
        super().__init__(target, **kwargs)
        self.stats = stats if stats is not None else StatsCache(tenant=self.tenant)

    @property
    def stats(self) -> StatsCache:
        """The statistics cache this session applies 5000 / 5012 to."""
        return self._stats

    @stats.setter
    def stats(self, cache: StatsCache) -> None:
        self._stats = cache
        self._upsert = cache.upsert  # bound once: called for every 5012 frame

    def set_identity(self, tenant: str, user_id: str | None = None) -> None:
        """Stamp the org on events (and on the statistics cache) from now on."""
        super().set_identity(tenant, user_id)
        self.stats.tenant = tenant

    def receive_text(self, data: str | bytes, now: float) -> Step:
        """Decode a frame and react to it; never raises. (The hot path of a supervisor feed:
        statistics frames skip the generic dispatch.)"""
        self.last_frame_at = now
        ring = self._ring
        if ring is not None:
            ring.append((now, data))
        # The commonest frame of a busy feed first, in one typed pass (no sniffing).
        event: Five9Event | None = decode_stats_update(data)
        if event is not None and not self.unified:
            self._upsert(event.payload)
            flt = self.event_filter
            return Step([event] if flt is None or _DELTA_ID in flt else [], [])
        if event is None:
            try:
                # The one-pass 5012 attempt just failed: decode_event must not repeat it.
                event = decode_event(data, fast=False)
            except StreamProtocolError as exc:
                step = Step()
                self._malformed(step, exc, data)
                return step
        return self._on_event(event, now)

    def _on_event(self, event: Five9Event, now: float) -> Step:
        if event.event_id == _FILTER_UPDATED and self.on_connected is not None:
            logger.info("%s: statistics filter changed (6001); asking for a full dump", self.name)
            try:
                self.on_connected()
            except Exception:  # a callback bug must not stop the stream
                logger.exception("%s: on_connected callback raised", self.name)
        if isinstance(event, StatsUpdateEvent):
            if self.unified:
                derived = self.stats.apply_delta(
                    event.payload,
                    timestamp_ms=event.context.timestamp,
                )
            else:
                self.stats.upsert(event.payload)
                derived = None
        elif isinstance(event, StatsSnapshotEvent):
            derived = self.stats.apply_snapshot(
                event.payload,
                occurred_at=event.occurred_at,
                emit=self.unified,
            )
        else:
            return super()._on_event(event, now)
        flt = self.event_filter
        events: list[Any] = [event] if flt is None or event.event_id in flt else []
        if derived:
            events.extend(derived)
        return Step(events, [])

    def _connection_lost(self) -> None:
        self.stats.mark_stale()
