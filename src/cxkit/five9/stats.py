"""The supervisor statistics cache: applies events 5000 (full dumps) and 5012 (deltas).

Semantics (as the GO client, without its gaps):

* 5000 replaces the whole table of every data source present in the dump.
* 5012 upserts ``added`` then ``updated`` rows by ``id`` and then deletes ``removed`` ids, for
  **every** data source, AGENT_STATISTIC included.
* Rows with id ``"0"`` or ``""`` carry domain totals (ACD_STATUS ``"0"``, AGENT_STATISTIC
  ``""``); they are kept apart from the per-agent / per-queue rows (:meth:`StatsCache.totals`).
* Lookups work by id and by name once names are known (:meth:`StatsCache.set_users`,
  :meth:`StatsCache.set_skills`; the supervisor client loads them after login).
* The cache is *stale* until the first 5000 arrives, after :meth:`StatsCache.mark_stale` (the
  stream marks it on every disconnect and asks for a new dump on every connect) and when no
  statistics arrived for ``stale_after`` seconds.

Applying an event returns the unified events it implies: an
:class:`~cxkit.events.AgentStateChanged` when an agent's state or reason changed (or the agent
left the statistics), a :class:`~cxkit.events.QueueStatisticsUpdated` when a queue's figures
changed. Unchanged rows produce nothing, so a busy feed stays cheap.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Final

from cxkit.events import AgentState, AgentStateChanged, QueueStatisticsUpdated
from cxkit.five9.events import StatsBlock, StatsDelta, StatsSnapshotEvent, StatsUpdateEvent
from cxkit.five9.rows import (
    AcdStatusRow,
    AgentStateRow,
    AgentStatisticRow,
    DataSource,
    StatsRow,
)
from cxkit.five9.stats_backend import MemoryStatsBackend, StatsBackend

__all__ = [
    "TOTALS_IDS",
    "MemoryStatsBackend",
    "StatsBackend",
    "StatsCache",
    "five9_agent_state",
]

TOTALS_IDS: Final = frozenset({"0", ""})
"""Row ids that carry domain totals rather than one agent or queue."""

# Plain strings: comparing with an enum member costs an attribute lookup per row.
_AGENT_STATE: Final = str(DataSource.AGENT_STATE)
_ACD_STATUS: Final = str(DataSource.ACD_STATUS)

_STATES: Final[dict[str, AgentState]] = {
    "LOGGED_OUT": AgentState.LOGGED_OUT,
    "NOT_READY": AgentState.NOT_READY,
    "READY": AgentState.READY,
    "ON_CALL": AgentState.ON_INTERACTION,
    "RINGING": AgentState.ON_INTERACTION,
    "ACW": AgentState.AFTER_WORK,
}


def five9_agent_state(state: str | None) -> AgentState:
    """Map a Five9 AGENT_STATE ``state`` to the vendor-neutral :class:`AgentState`."""
    if state is None:
        return AgentState.UNKNOWN
    return _STATES.get(state.upper(), AgentState.UNKNOWN)


def _ms_to_dt(ms: float | None) -> dt.datetime | None:
    if not ms:
        return None
    try:
        return dt.datetime.fromtimestamp(ms / 1000.0, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


class _UtcClock:
    """Aware-UTC datetimes for event stamps, cheap in bursts: ``now()`` is reused within one
    millisecond (the resolution of Five9's own timestamps) and ``at(ms)`` remembers the last
    conversion (the frames of a burst often share a ``timeStamp``)."""

    __slots__ = ("_at", "_at_ms", "_now", "_now_s")

    def __init__(self) -> None:
        self._now_s = 0.0
        self._now = dt.datetime.fromtimestamp(0, dt.UTC)
        self._at_ms: float | None = None
        self._at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        seconds = time.time()
        if not 0.0 <= seconds - self._now_s < 0.001:
            self._now_s = seconds
            self._now = dt.datetime.fromtimestamp(seconds, dt.UTC)
        return self._now

    def at(self, ms: float | None) -> dt.datetime | None:
        if ms != self._at_ms:
            self._at_ms = ms
            self._at = _ms_to_dt(ms)
        return self._at


_UTC = _UtcClock()


class StatsCache:
    """Tables of the statistics feed, one per data source, keyed by row id.

    Args:
        tenant: the domain (org) id stamped on emitted events.
        stale_after: seconds without any statistics after which :attr:`stale` turns True.
        clock: wall-clock seconds (injectable for tests).
        backend: where rows are kept (:class:`~cxkit.five9.stats_backend.StatsBackend`);
            in-process dicts by default.
    """

    def __init__(
        self,
        *,
        tenant: str = "",
        stale_after: float = 3600.0,
        clock: Callable[[], float] = time.time,
        backend: StatsBackend | None = None,
    ) -> None:
        self.tenant = tenant
        self.stale_after = stale_after
        self._clock = clock
        self._backend: StatsBackend = backend if backend is not None else MemoryStatsBackend()
        self._agent_names: dict[str, str] = {}
        self._agent_ids_by_name: dict[str, str] = {}
        self._queue_names: dict[str, str] = {}
        self._queue_ids_by_name: dict[str, str] = {}
        self._reason_names: dict[str, str] = {}
        self._loaded = False
        self._marked_stale = True
        self.last_update: float | None = None
        self.snapshots = 0
        self.deltas = 0

    # ------------------------------------------------------------------ names

    def set_users(self, users: Iterable[Any]) -> None:
        """Learn agent names from users (objects with ``id`` and ``user_name``/``full_name``)."""
        for user in users:
            name = getattr(user, "user_name", None) or getattr(user, "full_name", None)
            self.set_agent_name(str(user.id), name)

    def set_agent_name(self, agent_id: str, name: str | None) -> None:
        """Record one agent's name (user name) for lookups and events."""
        if name:
            self._agent_names[agent_id] = name
            self._agent_ids_by_name[name.lower()] = agent_id

    def set_skills(self, skills: Iterable[Any]) -> None:
        """Learn queue names from skills (objects with ``id`` and ``name``)."""
        for skill in skills:
            self.set_queue_name(str(skill.id), getattr(skill, "name", None))

    def set_queue_name(self, queue_id: str, name: str | None) -> None:
        """Record one queue's (skill's) name."""
        if name:
            self._queue_names[queue_id] = name
            self._queue_ids_by_name[name.lower()] = queue_id

    def set_reason_codes(self, codes: Iterable[Any]) -> None:
        """Learn not-ready reason names (objects with ``id`` and ``name``)."""
        for code in codes:
            if getattr(code, "name", None):
                self._reason_names[str(code.id)] = code.name

    def agent_name(self, agent_id: str) -> str | None:
        """The known name of an agent id."""
        return self._agent_names.get(agent_id)

    def queue_name(self, queue_id: str) -> str | None:
        """The known name of a queue id."""
        return self._queue_names.get(queue_id)

    def reason_name(self, reason_id: str | None) -> str | None:
        """The name of a not-ready reason code id, else the id itself."""
        if reason_id is None:
            return None
        return self._reason_names.get(reason_id, reason_id)

    # ------------------------------------------------------------------ state

    @property
    def stale(self) -> bool:
        """True until a full dump arrived, after :meth:`mark_stale`, or when the feed went
        quiet for longer than ``stale_after``."""
        if self._marked_stale or self.last_update is None:
            return True
        return self._clock() - self.last_update > self.stale_after

    def mark_stale(self) -> None:
        """Flag the tables as possibly out of date (e.g. the socket dropped). A new 5000
        clears the flag; the tables are kept meanwhile."""
        self._marked_stale = True

    @property
    def backend(self) -> StatsBackend:
        """Where the rows are kept."""
        return self._backend

    def clear(self) -> None:
        """Forget every row (names are kept)."""
        self._backend.clear()
        self._marked_stale = True
        self.last_update = None

    # ------------------------------------------------------------------ applying

    def apply(
        self,
        event: StatsSnapshotEvent | StatsUpdateEvent | Any,
        *,
        received_at: dt.datetime | None = None,
        emit: bool = True,
    ) -> list[Any]:
        """Apply a 5000 or 5012 event; other events are ignored (empty list).

        Returns the unified events implied by the change (none when ``emit`` is False).
        """
        if isinstance(event, StatsUpdateEvent):
            return self.apply_delta(
                event.payload,
                received_at=received_at,
                emit=emit,
                timestamp_ms=event.context.timestamp,
            )
        if isinstance(event, StatsSnapshotEvent):
            return self.apply_snapshot(
                event.payload, occurred_at=event.occurred_at, received_at=received_at, emit=emit
            )
        return []

    def apply_snapshot(
        self,
        blocks: Iterable[StatsBlock],
        *,
        occurred_at: dt.datetime | None = None,
        received_at: dt.datetime | None = None,
        emit: bool = True,
    ) -> list[Any]:
        """Replace the table of every data source in ``blocks``."""
        emitter = _Emitter(self, occurred_at, received_at)
        backend = self._backend
        for block in blocks:
            source = block.data_source
            new: dict[str, StatsRow] = {}
            totals: dict[str, StatsRow] = {}
            for row in block.rows:
                key = row.id
                if key in TOTALS_IDS:
                    totals[key] = row
                else:
                    new[key] = row  # a repeated id: the last row wins
            if emit:
                old = backend.table(source)
                for key, row in new.items():
                    emitter.changed(source, old.get(key), row)
                for key, row in old.items():
                    if key not in new:
                        emitter.removed(source, row)
            backend.replace(source, new, totals)
        self._loaded = True
        self._marked_stale = False
        self.snapshots += 1
        self.last_update = self._clock()
        return emitter.events

    def apply_delta(
        self,
        deltas: Iterable[StatsDelta],
        *,
        occurred_at: dt.datetime | None = None,
        received_at: dt.datetime | None = None,
        emit: bool = True,
        timestamp_ms: float | None = None,
    ) -> list[Any]:
        """Upsert ``added`` and ``updated`` rows, then delete ``removed`` ids.

        With ``emit`` False no unified events are built (the cheapest way to keep a cache).
        ``timestamp_ms`` (the frame's ``timeStamp``) stands in for ``occurred_at`` and is only
        converted when an event is built. This is the hot path of a supervisor feed: one
        mapping lookup per block, one store per row, nothing else unless events are wanted."""
        if not emit:
            self.upsert(deltas)
            return []
        backend = self._backend
        events: list[Any] = []
        # Built on the first unified event only: most rows change nothing unified.
        emitter: _Emitter | None = None
        for delta in deltas:
            source = delta.data_source
            table = backend.table(source)
            totals: MutableMapping[str, StatsRow] | None = None
            agent_rows = source == _AGENT_STATE
            queue_rows = source == _ACD_STATUS
            for rows in (delta.added, delta.updated):
                for row in rows:
                    key = row.id
                    if key in TOTALS_IDS:
                        if totals is None:
                            totals = backend.totals(source)
                        totals[key] = row
                        continue
                    previous = table.get(key)
                    table[key] = row
                    if agent_rows:
                        if (
                            previous is None
                            or previous.state != row.state  # type: ignore[union-attr]
                            or previous.reason_code_id != row.reason_code_id  # type: ignore[union-attr]
                        ):
                            if emitter is None:
                                emitter = _Emitter(
                                    self, occurred_at, received_at, timestamp_ms, events
                                )
                            emitter.changed(source, previous, row)
                    elif queue_rows and previous != row and type(row) is AcdStatusRow:
                        # The commonest unified event of a feed: built inline.
                        if received_at is None:
                            received_at = _UTC.now()
                        if occurred_at is None:
                            occurred_at = _UTC.at(timestamp_ms) or received_at
                        events.append(_queue_event(self, row, occurred_at, received_at))
            for key in delta.removed:
                if key in TOTALS_IDS:
                    if totals is None:
                        totals = backend.totals(source)
                    totals.pop(key, None)
                    continue
                gone = table.pop(key, None)
                if gone is not None and agent_rows:
                    if emitter is None:
                        emitter = _Emitter(self, occurred_at, received_at, timestamp_ms, events)
                    emitter.removed(source, gone)
        self.deltas += 1
        self.last_update = self._clock()
        return events

    def upsert(self, deltas: Iterable[StatsDelta]) -> None:
        """:meth:`apply_delta` without unified events: the leanest loop (one store per row)."""
        backend = self._backend
        # The default backend's dicts directly: one lookup per block instead of a call.
        tables = backend._tables if type(backend) is MemoryStatsBackend else None
        totals_ids = TOTALS_IDS
        for delta in deltas:
            table = tables.get(delta.data_source) if tables is not None else None
            if table is None:
                table = backend.table(delta.data_source)
            for row in delta.added:
                key = row.id
                if key in totals_ids:
                    self._backend.totals(delta.data_source)[key] = row
                else:
                    table[key] = row
            for row in delta.updated:
                key = row.id
                if key in totals_ids:
                    self._backend.totals(delta.data_source)[key] = row
                else:
                    table[key] = row
            for key in delta.removed:
                if key in totals_ids:
                    self._backend.totals(delta.data_source).pop(key, None)
                else:
                    table.pop(key, None)
        self.deltas += 1
        self.last_update = self._clock()

    # ------------------------------------------------------------------ queries

    def table(self, data_source: str) -> Mapping[str, StatsRow]:
        """The rows of one data source by id (totals rows excluded). Read-only view."""
        return _ReadOnly(self._backend.table(data_source))

    def data_sources(self) -> list[str]:
        """The data sources seen so far (with rows or totals)."""
        backend = self._backend
        return sorted(
            source
            for source in backend.data_sources()
            if backend.table(source) or backend.totals(source)
        )

    def totals(self, data_source: str, row_id: str | None = None) -> StatsRow | None:
        """The domain-totals row of a data source: id ``row_id`` (``"0"`` or ``""``), or by
        default whichever of the two was sent (``"0"`` first)."""
        rows = self._backend.totals(data_source)
        if not rows:
            return None
        if row_id is not None:
            return rows.get(row_id)
        return rows.get("0") or rows.get("")

    def agent_state(self, agent: str) -> AgentStateRow | None:
        """AGENT_STATE row of an agent, by id or user name."""
        return self._lookup(DataSource.AGENT_STATE, agent, self._agent_ids_by_name)  # type: ignore[return-value]

    def agent_statistics(self, agent: str) -> AgentStatisticRow | None:
        """AGENT_STATISTIC row of an agent, by id or user name."""
        return self._lookup(DataSource.AGENT_STATISTIC, agent, self._agent_ids_by_name)  # type: ignore[return-value]

    def queue(self, queue: str) -> AcdStatusRow | None:
        """ACD_STATUS row of a queue (skill), by id or name."""
        return self._lookup(DataSource.ACD_STATUS, queue, self._queue_ids_by_name)  # type: ignore[return-value]

    def queue_totals(self) -> AcdStatusRow | None:
        """The ACD_STATUS domain totals (row ``"0"``)."""
        return self.totals(DataSource.ACD_STATUS)  # type: ignore[return-value]

    def agent_totals(self) -> AgentStatisticRow | None:
        """The AGENT_STATISTIC domain totals (row ``""``)."""
        return self.totals(DataSource.AGENT_STATISTIC)  # type: ignore[return-value]

    def agents(self) -> Iterator[AgentStateRow]:
        """Every AGENT_STATE row."""
        return iter(self._backend.table(_AGENT_STATE).values())  # type: ignore[arg-type]

    def queues(self) -> Iterator[AcdStatusRow]:
        """Every ACD_STATUS row (totals excluded)."""
        return iter(self._backend.table(_ACD_STATUS).values())  # type: ignore[arg-type]

    def agent_state_events(self) -> list[AgentStateChanged]:
        """One :class:`AgentStateChanged` per known agent (a wallboard's initial picture)."""
        emitter = _Emitter(self, None, None)
        for row in self.agents():
            emitter.changed(DataSource.AGENT_STATE, None, row)
        return emitter.events

    def _lookup(self, source: str, key: str, by_name: dict[str, str]) -> StatsRow | None:
        table = self._backend.table(source)
        if not table:
            return None
        row = table.get(key)
        if row is None:
            agent_id = by_name.get(key.lower())
            if agent_id is not None:
                row = table.get(agent_id)
        return row


class _ReadOnly(Mapping[str, StatsRow]):
    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, StatsRow]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> StatsRow:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class _Emitter:
    """Builds unified events for one applied frame (timestamps computed once per frame)."""

    __slots__ = ("_cache", "_occurred", "_received", "_timestamp_ms", "events")

    def __init__(
        self,
        cache: StatsCache,
        occurred: dt.datetime | None,
        received: dt.datetime | None,
        timestamp_ms: float | None = None,
        events: list[Any] | None = None,
    ) -> None:
        self._cache = cache
        self._occurred = occurred
        self._received = received
        self._timestamp_ms = timestamp_ms
        self.events: list[Any] = [] if events is None else events

    def _stamps(self) -> tuple[dt.datetime, dt.datetime]:
        # Computed on the first event of a frame only: most deltas change nothing unified.
        if self._received is None:
            self._received = _UTC.now()
        if self._occurred is None:
            self._occurred = _UTC.at(self._timestamp_ms) or self._received
        return self._occurred, self._received

    def changed(self, source: str, old: StatsRow | None, new: StatsRow) -> None:
        if source == _AGENT_STATE:
            if not isinstance(new, AgentStateRow):
                return
            if (
                isinstance(old, AgentStateRow)
                and old.state == new.state
                and old.reason_code_id == new.reason_code_id
            ):
                return
            previous = five9_agent_state(old.state) if isinstance(old, AgentStateRow) else None
            self._agent(new, five9_agent_state(new.state), previous)
        elif source == _ACD_STATUS and isinstance(new, AcdStatusRow) and old != new:
            self.queue(new)

    def removed(self, source: str, row: StatsRow) -> None:
        if source == _AGENT_STATE and isinstance(row, AgentStateRow):
            previous = five9_agent_state(row.state)
            if previous is not AgentState.LOGGED_OUT:
                self._agent(row, AgentState.LOGGED_OUT, previous, keep_vendor_state=False)

    def _agent(
        self,
        row: AgentStateRow,
        state: AgentState,
        previous: AgentState | None,
        *,
        keep_vendor_state: bool = True,
    ) -> None:
        occurred, received = self._stamps()
        cache = self._cache
        self.events.append(
            AgentStateChanged(
                vendor="five9",
                tenant=cache.tenant,
                occurred_at=occurred,
                received_at=received,
                raw=row,
                agent_id=row.id,
                agent_name=cache._agent_names.get(row.id),
                state=state,
                previous_state=previous,
                reason=cache.reason_name(row.reason) if state is AgentState.NOT_READY else None,
                vendor_state=row.state if keep_vendor_state else None,
                since=_ms_to_dt(row.state_since),
            )
        )

    def queue(self, row: AcdStatusRow) -> None:
        """A queue's figures changed."""
        occurred, received = self._stamps()
        self.events.append(_queue_event(self._cache, row, occurred, received))


def _queue_event(
    cache: StatsCache, row: AcdStatusRow, occurred: dt.datetime, received: dt.datetime
) -> QueueStatisticsUpdated:
    longest = row.current_longest_queue_time
    return QueueStatisticsUpdated(
        vendor="five9",
        tenant=cache.tenant,
        occurred_at=occurred,
        received_at=received,
        raw=row,
        queue_id=row.id,
        queue_name=cache._queue_names.get(row.id),
        calls_waiting=row.calls_in_queue,
        longest_wait_seconds=None if longest is None else longest / 1000.0,
        agents_logged_in=row.agents_logged_in,
        agents_ready=row.agents_in_queue,
        agents_not_ready=row.agents_not_ready_for_calls,
        agents_on_interaction=row.agents_on_call,
    )
