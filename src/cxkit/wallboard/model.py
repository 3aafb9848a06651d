"""The wallboard's aggregate: live queue and agent figures built from unified events.

:class:`WallboardModel` is pure: no I/O, no tasks, time from an injectable ``clock`` (epoch
seconds). Feed it any :mod:`cxkit.events` event from any vendor with :meth:`WallboardModel.apply`;
read :attr:`WallboardModel.sources`. Each *source* is one vendor tenant (key ``"vendor:tenant"``,
e.g. ``"five9:1000"``), so a Five9 domain and a Genesys org sit side by side.

Per queue: calls waiting, longest wait (it *ticks*: the figure is anchored to the moment it was
reported and grows with the clock while calls wait, because vendors only resend it when the
queue changes), agents by state, service level, handled and abandoned. Per agent: state,
reason, since, current interaction.

Where figures come from:

* :class:`~cxkit.events.QueueStatisticsUpdated` sets the queue figures it carries; a field the
  vendor left out (``None``) keeps its previous value.
* Service level, handled and abandoned are the vendor's figures when it sends them. Otherwise
  they are derived from the interaction events the board sees for the queue: an interaction
  that starts (an agent connected) counts as answered after the wait since it was first seen
  (both moments on the board's clock: vendors' own stamps come from different clocks);
  one that ends after starting counts as handled; one that ends without ever starting counts as
  abandoned. Service level = answered within ``service_level_seconds`` / (answered + abandoned).
* :class:`~cxkit.events.AgentStateChanged` sets one agent's tile.
* :class:`~cxkit.events.StreamStateChanged` and :class:`~cxkit.events.StreamGap` set the source's
  stream status. A gap (events may have been missed) marks the source *stale* until a snapshot
  (:meth:`WallboardModel.apply_snapshot`: the full picture of the source) arrives.

A stream created before its client logged in does not know its tenant yet and reports ``""``:
stream events with an empty tenant apply to every source of the vendor, and a placeholder source
(vendor, ``""``) that only ever held stream status is folded into the first real source of that
vendor.

Changes are recorded as dirty keys (:meth:`WallboardModel.drain`), so a publisher can send only
what changed; :attr:`WallboardModel.version` grows with every applied event.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cxkit.errors import ConfigError
from cxkit.events import (
    AgentState,
    AgentStateChanged,
    BaseEvent,
    InteractionEnded,
    InteractionStarted,
    InteractionUpdated,
    QueueStatisticsUpdated,
    RawEvent,
    StreamGap,
    StreamState,
    StreamStateChanged,
)

__all__ = [
    "AGENT_STATE_ORDER",
    "AgentTile",
    "Changes",
    "QueueFigures",
    "SourceBoard",
    "SourceStatus",
    "WallboardModel",
    "WallboardSettings",
    "display_name",
    "source_key",
]

AGENT_STATE_ORDER: Final[tuple[AgentState, ...]] = (
    AgentState.READY,
    AgentState.ON_INTERACTION,
    AgentState.AFTER_WORK,
    AgentState.NOT_READY,
    AgentState.LOGGED_OUT,
    AgentState.UNKNOWN,
)
"""The order the board shows agent states in (and sorts the agent grid by)."""

VENDOR_TITLES: Final = {"five9": "Five9", "genesys": "Genesys Cloud"}

_QUEUE_COUNT_FIELDS: Final = (
    "calls_waiting",
    "agents_logged_in",
    "agents_ready",
    "agents_not_ready",
    "agents_on_interaction",
    "agents_after_work",
    "abandoned",
    "handled",
)


def source_key(vendor: str, tenant: str) -> str:
    """The key of one vendor tenant: ``"vendor:tenant"``."""
    return f"{vendor}:{tenant}"


def display_name(name: str) -> str:
    """``ava.lopez@example.com`` -> ``Ava Lopez``; any other name is returned as is."""
    local, at, _domain = name.partition("@")
    if not at or not local:
        return name
    words = [w for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or name


def _epoch(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # naive datetimes from a careless producer: assume UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


@dataclass(frozen=True, slots=True)
class WallboardSettings:
    """Thresholds of the wallboard (one place for every default).

    Attributes:
        service_level_seconds: an interaction answered within this wait counts toward the
            derived service level.
        service_level_target: a service level below it is a breach (shown red).
        wait_warning_seconds: a longest wait above it is shown amber.
        wait_breach_seconds: a longest wait above it is a breach (shown red).
        max_tracked_interactions: interactions remembered per source for the derived figures
            (the oldest are forgotten beyond it, so a long run stays bounded).
        max_agent_tiles: agent tiles the web page draws per source (the rest are summarised).
    """

    service_level_seconds: float = 20.0
    service_level_target: float = 0.80
    wait_warning_seconds: float = 30.0
    wait_breach_seconds: float = 60.0
    max_tracked_interactions: int = 50_000
    max_agent_tiles: int = 600

    def __post_init__(self) -> None:
        for key in ("service_level_seconds", "wait_warning_seconds", "wait_breach_seconds"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ConfigError.bad_value(f"wallboard.{key}", value, "a number >= 0")
        target = self.service_level_target
        if isinstance(target, bool) or not isinstance(target, (int, float)):
            raise ConfigError.bad_value("wallboard.service_level_target", target, "0..1")
        if not 0 <= target <= 1:
            raise ConfigError.bad_value("wallboard.service_level_target", target, "0..1")
        if self.wait_breach_seconds < self.wait_warning_seconds:
            raise ConfigError.bad_value(
                "wallboard.wait_breach_seconds",
                self.wait_breach_seconds,
                f"a number >= wait_warning_seconds ({self.wait_warning_seconds})",
            )
        for key in ("max_tracked_interactions", "max_agent_tiles"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError.bad_value(f"wallboard.{key}", value, "an integer >= 1")


@dataclass(slots=True)
class QueueFigures:
    """One queue (Five9 skill, Genesys queue) as the board shows it."""

    queue_id: str
    name: str | None = None
    calls_waiting: int | None = None
    longest_wait_seconds: float | None = None  # as last reported
    longest_wait_at: float | None = None  # model clock when it was reported
    agents_logged_in: int | None = None
    agents_ready: int | None = None
    agents_not_ready: int | None = None
    agents_on_interaction: int | None = None
    agents_after_work: int | None = None
    vendor_service_level: float | None = None
    vendor_handled: int | None = None
    vendor_abandoned: int | None = None
    answered: int = 0  # derived from interaction events
    answered_in_time: int = 0
    handled_seen: int = 0
    abandoned_seen: int = 0
    updated_at: float | None = None

    @property
    def label(self) -> str:
        """The queue's name, else its id."""
        return self.name or self.queue_id

    def longest_wait(self, now: float) -> float | None:
        """The longest current wait at ``now`` (seconds), ticking from when it was reported;
        0 when nobody waits, None when the vendor never said."""
        if self.calls_waiting == 0:
            return 0.0
        if self.longest_wait_seconds is None or self.longest_wait_at is None:
            return None
        if self.calls_waiting is None and self.longest_wait_seconds == 0:
            return 0.0  # no count and no wait: nothing to tick
        return self.longest_wait_seconds + max(0.0, now - self.longest_wait_at)

    def longest_wait_anchor(self) -> float | None:
        """The clock time the longest-waiting call started waiting (a page ticks from it);
        None when nobody waits or the vendor never said."""
        if not self.calls_waiting or self.longest_wait_seconds is None:
            return None
        if self.longest_wait_at is None:
            return None
        return self.longest_wait_at - self.longest_wait_seconds

    @property
    def service_level(self) -> float | None:
        """0..1: the vendor's figure, else derived from answered / abandoned interactions."""
        if self.vendor_service_level is not None:
            return self.vendor_service_level
        offered = self.answered + self.abandoned_seen
        return self.answered_in_time / offered if offered else None

    @property
    def service_level_derived(self) -> bool:
        """True when :attr:`service_level` was computed by the board, not sent by the vendor."""
        return self.vendor_service_level is None and self.service_level is not None

    @property
    def handled(self) -> int | None:
        """Interactions handled: the vendor's count, else those the board saw end."""
        if self.vendor_handled is not None:
            return self.vendor_handled
        return self.handled_seen if self.handled_seen or self.answered else None

    @property
    def abandoned(self) -> int | None:
        """Interactions abandoned: the vendor's count, else those the board saw give up."""
        if self.vendor_abandoned is not None:
            return self.vendor_abandoned
        return self.abandoned_seen if self.abandoned_seen or self.answered else None


@dataclass(slots=True)
class AgentTile:
    """One agent as the board shows it."""

    agent_id: str
    name: str | None = None
    state: AgentState = AgentState.UNKNOWN
    reason: str | None = None
    vendor_state: str | None = None
    since: float | None = None  # epoch seconds the state began (vendor time when given)
    interaction_id: str | None = None
    queue_id: str | None = None
    updated_at: float | None = None

    @property
    def label(self) -> str:
        """The agent's name, else the id."""
        return self.name or self.agent_id

    @property
    def display_name(self) -> str:
        """The name to draw on a tile: a login that is an e-mail address
        (``ava.lopez@example.com``, as Five9 user names are) becomes ``Ava Lopez``."""
        return display_name(self.label)

    def in_state(self, now: float) -> float | None:
        """Seconds in the current state at ``now`` (None when unknown)."""
        return None if self.since is None else max(0.0, now - self.since)


class SourceStatus:
    """What the stream status of a source can be (strings, for JSON and CSS)."""

    LIVE = "live"
    STALE = "stale"
    CONNECTING = "connecting"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    WAITING = "waiting"  # no stream event and no data yet


@dataclass(slots=True)
class _Tracked:
    queue_id: str | None
    first_seen: float
    started: bool = False


@dataclass(slots=True)
class SourceBoard:
    """One vendor tenant: its queues, its agents and its stream status."""

    vendor: str
    tenant: str
    label: str = ""
    queues: dict[str, QueueFigures] = field(default_factory=dict)
    agents: dict[str, AgentTile] = field(default_factory=dict)
    streams: dict[str, StreamState] = field(default_factory=dict)
    stream_reason: str | None = None
    stale: bool = False
    stale_reason: str | None = None
    stale_since: float | None = None
    gaps: int = 0
    snapshots: int = 0
    last_event_at: float | None = None
    interactions: OrderedDict[str, _Tracked] = field(default_factory=OrderedDict)
    agent_names: dict[str, str] = field(default_factory=dict)  # from set_names
    queue_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.label:
            title = VENDOR_TITLES.get(self.vendor, self.vendor.title() or "Source")
            self.label = f"{title} · {self.tenant}" if self.tenant else title

    @property
    def key(self) -> str:
        """``"vendor:tenant"``."""
        return source_key(self.vendor, self.tenant)

    @property
    def has_data(self) -> bool:
        """True once a queue or an agent is known."""
        return bool(self.queues or self.agents)

    @property
    def status(self) -> str:
        """The worst of the stream states, then staleness (see :class:`SourceStatus`)."""
        states = set(self.streams.values())
        if StreamState.RECONNECTING in states:
            return SourceStatus.RECONNECTING
        if StreamState.CONNECTING in states:
            return SourceStatus.CONNECTING
        if states and states <= {StreamState.CLOSED}:
            return SourceStatus.CLOSED
        if self.stale:
            return SourceStatus.STALE
        if StreamState.CONNECTED in states or self.has_data:
            return SourceStatus.LIVE
        return SourceStatus.WAITING

    def agent_counts(self) -> dict[AgentState, int]:
        """Agents per state (every state present, zeros included)."""
        counts = dict.fromkeys(AGENT_STATE_ORDER, 0)
        for agent in self.agents.values():
            counts[agent.state] = counts.get(agent.state, 0) + 1
        return counts

    def sorted_queues(self) -> list[QueueFigures]:
        """Queues by name."""
        return sorted(self.queues.values(), key=lambda q: (q.label.lower(), q.queue_id))

    def sorted_agents(self) -> list[AgentTile]:
        """Agents by state (board order), then name."""
        rank = {state: index for index, state in enumerate(AGENT_STATE_ORDER)}
        return sorted(
            self.agents.values(),
            key=lambda a: (rank.get(a.state, len(rank)), a.label.lower(), a.agent_id),
        )

    def totals(self, now: float) -> dict[str, Any]:
        """Source-wide figures: calls waiting, longest wait, handled, abandoned, service level."""
        waiting = [q.calls_waiting for q in self.queues.values() if q.calls_waiting is not None]
        waits = [w for q in self.queues.values() if (w := q.longest_wait(now)) is not None]
        handled = [q.handled for q in self.queues.values() if q.handled is not None]
        abandoned = [q.abandoned for q in self.queues.values() if q.abandoned is not None]
        level: float | None = None
        weighted = weights = 0.0
        known: list[float] = []
        for queue in self.queues.values():
            value = queue.service_level
            if value is None:
                continue
            known.append(value)
            weight = float(queue.answered + queue.abandoned_seen)
            weighted += value * weight
            weights += weight
        if known:
            # weighted by what each queue offered; a vendor's figures alone: a plain mean
            level = weighted / weights if weights else sum(known) / len(known)
        return {
            "calls_waiting": sum(waiting) if waiting else None,
            "longest_wait": max(waits) if waits else None,
            "handled": sum(handled) if handled else None,
            "abandoned": sum(abandoned) if abandoned else None,
            "service_level": level,
        }


@dataclass(slots=True)
class Changes:
    """What changed since the last :meth:`WallboardModel.drain` (keys, not values)."""

    sources: set[str] = field(default_factory=set)
    queues: set[tuple[str, str]] = field(default_factory=set)
    agents: set[tuple[str, str]] = field(default_factory=set)
    removed_sources: set[str] = field(default_factory=set)
    removed_queues: set[tuple[str, str]] = field(default_factory=set)
    removed_agents: set[tuple[str, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.sources
            or self.queues
            or self.agents
            or self.removed_sources
            or self.removed_queues
            or self.removed_agents
        )


@dataclass(slots=True)
class ModelStats:
    """Counters of what the model was fed."""

    applied: int = 0
    ignored: int = 0  # events the board has no use for (raw vendor events, unknown objects)
    rejected_fields: int = 0  # nonsense figures (negative counts, NaN) that were skipped


class WallboardModel:
    """The aggregate of every source. See the module docstring.

    Args:
        settings: thresholds (service level, wait colours, bounds).
        clock: epoch seconds (injectable, e.g. for a ticking longest wait in tests).
    """

    def __init__(
        self,
        settings: WallboardSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or WallboardSettings()
        self.clock = clock
        self.sources: dict[str, SourceBoard] = {}
        self.version = 0
        self.stats = ModelStats()
        self._changes = Changes()

    def __repr__(self) -> str:
        return f"WallboardModel(sources={list(self.sources)}, version={self.version})"

    # ------------------------------------------------------------------ reading

    def now(self) -> float:
        """The model's clock."""
        return self.clock()

    def source(self, vendor: str, tenant: str) -> SourceBoard | None:
        """One source, if known."""
        return self.sources.get(source_key(vendor, tenant))

    def sorted_sources(self) -> list[SourceBoard]:
        """Sources by vendor, then tenant."""
        return sorted(self.sources.values(), key=lambda s: (s.vendor, s.tenant))

    def drain(self) -> Changes:
        """The changes since the previous call (and start recording anew)."""
        changes, self._changes = self._changes, Changes()
        return changes

    # ------------------------------------------------------------------ feeding

    def apply(self, event: Any) -> bool:
        """Apply one event. Returns True when it changed the board.

        Anything that is not a unified event the board uses (a vendor's raw event, a
        :class:`~cxkit.events.RawEvent`, a malformed-frame report) is ignored and counted in
        ``stats.ignored``: a stream's ``on("*")`` can be wired straight to this.
        """
        if not isinstance(event, BaseEvent) or isinstance(event, RawEvent):
            self.stats.ignored += 1
            return False
        now = self.clock()
        changed = False
        if isinstance(event, AgentStateChanged):
            changed = self._agent(event, now)
        elif isinstance(event, QueueStatisticsUpdated):
            changed = self._queue(event, now)
        elif isinstance(event, (InteractionStarted, InteractionUpdated, InteractionEnded)):
            changed = self._interaction(event, now)
        elif isinstance(event, StreamStateChanged):
            changed = self._stream_state(event)
        elif isinstance(event, StreamGap):
            changed = self._gap(event, now)
        else:
            self.stats.ignored += 1
            return False
        self.stats.applied += 1
        if changed:
            self.version += 1
        return changed

    def apply_snapshot(
        self,
        vendor: str,
        tenant: str,
        events: Iterable[Any],
        *,
        replace_agents: bool = True,
        replace_queues: bool = True,
    ) -> None:
        """Apply the full picture of one source (e.g. after a gap, or from a REST backfill).

        Agents (queues) the snapshot does not mention are removed when ``replace_agents``
        (``replace_queues``); derived interaction counters are kept. The source is no longer
        stale afterwards.
        """
        source = self._source(vendor, tenant)
        agents: set[str] = set()
        queues: set[str] = set()
        for event in events:
            if isinstance(event, AgentStateChanged):
                agents.add(event.agent_id)
            elif isinstance(event, QueueStatisticsUpdated):
                queues.add(event.queue_id)
            self.apply(event)
        key = source.key
        if replace_agents:
            for agent_id in [a for a in source.agents if a not in agents]:
                del source.agents[agent_id]
                self._changes.removed_agents.add((key, agent_id))
                self._changes.agents.discard((key, agent_id))
        if replace_queues:
            for queue_id in [q for q in source.queues if q not in queues]:
                del source.queues[queue_id]
                self._changes.removed_queues.add((key, queue_id))
                self._changes.queues.discard((key, queue_id))
        source.stale = False
        source.stale_reason = None
        source.stale_since = None
        source.snapshots += 1
        self._changes.sources.add(key)
        self.version += 1

    def mark_stale(self, vendor: str, tenant: str, reason: str) -> None:
        """Flag a source as possibly out of date until the next snapshot."""
        source = self._source(vendor, tenant)
        self._set_stale(source, reason, self.clock())
        self.version += 1

    def set_names(
        self,
        vendor: str,
        tenant: str,
        *,
        agents: Mapping[str, str] | None = None,
        queues: Mapping[str, str] | None = None,
    ) -> None:
        """Teach a source agent and queue names (id -> name) its events do not carry
        (Genesys topic events, for one, name nobody). An event's own name wins. Named
        queues are shown from now on, with no figures until the vendor reports some."""
        source = self._source(vendor, tenant)
        key = source.key
        for agent_id, name in (agents or {}).items():
            if not name:
                continue
            source.agent_names[agent_id] = name
            agent = source.agents.get(agent_id)
            if agent is not None and agent.name != name:
                agent.name = name
                self._changes.agents.add((key, agent_id))
        for queue_id, name in (queues or {}).items():
            if not name:
                continue
            source.queue_names[queue_id] = name
            # A named queue is shown at once (its figures "not reported yet"): a vendor that
            # sends changes only would otherwise hide a quiet queue.
            queue = self._queue_of(source, queue_id)
            if queue.name != name:
                queue.name = name
                self._changes.queues.add((key, queue_id))
        self.version += 1

    def set_label(self, vendor: str, tenant: str, label: str) -> None:
        """Name a source on the board (default: vendor title and tenant)."""
        source = self._source(vendor, tenant)
        source.label = label
        self._changes.sources.add(source.key)
        self.version += 1

    # ------------------------------------------------------------------ internals

    def _source(self, vendor: str, tenant: str) -> SourceBoard:
        key = source_key(vendor, tenant)
        source = self.sources.get(key)
        if source is not None:
            return source
        source = SourceBoard(vendor=vendor, tenant=tenant)
        if tenant:
            placeholder = self.sources.get(source_key(vendor, ""))
            if placeholder is not None and not placeholder.has_data:
                # A stream that did not know its tenant yet reported for (vendor, ""):
                # its status belongs to this source.
                source.streams.update(placeholder.streams)
                source.stream_reason = placeholder.stream_reason
                source.stale = placeholder.stale
                source.stale_reason = placeholder.stale_reason
                source.stale_since = placeholder.stale_since
                source.gaps = placeholder.gaps
                del self.sources[placeholder.key]
                self._changes.removed_sources.add(placeholder.key)
                self._changes.sources.discard(placeholder.key)
        self.sources[key] = source
        self._changes.removed_sources.discard(key)
        self._changes.sources.add(key)
        return source

    def _stream_targets(self, vendor: str, tenant: str) -> list[SourceBoard]:
        if tenant:
            return [self._source(vendor, tenant)]
        same_vendor = [s for s in self.sources.values() if s.vendor == vendor]
        return same_vendor or [self._source(vendor, "")]

    def _set_stale(self, source: SourceBoard, reason: str, now: float) -> None:
        if not source.stale:
            source.stale_since = now
        source.stale = True
        source.stale_reason = reason
        self._changes.sources.add(source.key)

    def _count(self, value: int | None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.stats.rejected_fields += 1
            return None
        return value

    def _seconds(self, value: float | None) -> float | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            self.stats.rejected_fields += 1
            return None
        return float(value)

    def _ratio(self, value: float | None) -> float | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            self.stats.rejected_fields += 1
            return None
        return float(value)

    def _agent(self, event: AgentStateChanged, now: float) -> bool:
        source = self._source(event.vendor, event.tenant)
        source.last_event_at = now
        agent = source.agents.get(event.agent_id)
        if agent is None:
            agent = source.agents[event.agent_id] = AgentTile(
                agent_id=event.agent_id, name=source.agent_names.get(event.agent_id)
            )
        if event.agent_name:
            agent.name = event.agent_name
        state_changed = agent.state != event.state
        agent.state = event.state
        agent.reason = event.reason
        agent.vendor_state = event.vendor_state
        since = _epoch(event.since)
        if since is not None:
            agent.since = since
        elif state_changed or agent.since is None:
            agent.since = _epoch(event.occurred_at)
        if event.state is AgentState.LOGGED_OUT:
            agent.interaction_id = agent.queue_id = None
        agent.updated_at = now
        self._changes.agents.add((source.key, agent.agent_id))
        self._changes.removed_agents.discard((source.key, agent.agent_id))
        return True

    def _queue(self, event: QueueStatisticsUpdated, now: float) -> bool:
        source = self._source(event.vendor, event.tenant)
        source.last_event_at = now
        queue = self._queue_of(source, event.queue_id)
        if event.queue_name:
            queue.name = event.queue_name
        counts = {name: self._count(getattr(event, name)) for name in _QUEUE_COUNT_FIELDS}
        for name in _QUEUE_COUNT_FIELDS[:6]:
            if counts[name] is not None:
                setattr(queue, name, counts[name])
        if counts["handled"] is not None:
            queue.vendor_handled = counts["handled"]
        if counts["abandoned"] is not None:
            queue.vendor_abandoned = counts["abandoned"]
        longest = self._seconds(event.longest_wait_seconds)
        if longest is not None:
            queue.longest_wait_seconds = longest
            queue.longest_wait_at = now
        level = self._ratio(event.service_level)
        if level is not None:
            queue.vendor_service_level = level
        queue.updated_at = now
        self._changes.queues.add((source.key, queue.queue_id))
        return True

    def _queue_of(self, source: SourceBoard, queue_id: str) -> QueueFigures:
        queue = source.queues.get(queue_id)
        if queue is None:
            queue = source.queues[queue_id] = QueueFigures(
                queue_id=queue_id, name=source.queue_names.get(queue_id)
            )
            self._changes.queues.add((source.key, queue_id))
            self._changes.removed_queues.discard((source.key, queue_id))
        return queue

    def _interaction(
        self, event: InteractionStarted | InteractionUpdated | InteractionEnded, now: float
    ) -> bool:
        source = self._source(event.vendor, event.tenant)
        source.last_event_at = now
        tracked = source.interactions.get(event.interaction_id)
        # Waits are measured on the board's clock, when each event arrived: vendors stamp
        # events from different clocks (Genesys: the queued update at receipt, the start at
        # the participant's connect time), and a skew between them must not become a wait.
        occurred = now
        changed = False
        if tracked is None:
            if isinstance(event, InteractionEnded):
                # It began before the board was watching: nothing to count, but an agent
                # tile may still show it.
                return self._agent_interaction(source, event)
            tracked = _Tracked(queue_id=event.queue_id, first_seen=occurred)
            source.interactions[event.interaction_id] = tracked
            while len(source.interactions) > self.settings.max_tracked_interactions:
                source.interactions.popitem(last=False)
        elif event.queue_id and tracked.queue_id is None:
            tracked.queue_id = event.queue_id
        queue = None
        if tracked.queue_id is not None:
            queue = self._queue_of(source, tracked.queue_id)
            if event.queue_name:
                queue.name = event.queue_name
        if isinstance(event, InteractionStarted) and not tracked.started:
            tracked.started = True
            if queue is not None:
                queue.answered += 1
                if occurred - tracked.first_seen <= self.settings.service_level_seconds:
                    queue.answered_in_time += 1
                changed = True
        elif isinstance(event, InteractionEnded):
            del source.interactions[event.interaction_id]
            if queue is not None:
                if tracked.started:
                    queue.handled_seen += 1
                else:
                    queue.abandoned_seen += 1
                changed = True
        if queue is not None and changed:
            queue.updated_at = now
            self._changes.queues.add((source.key, queue.queue_id))
        return self._agent_interaction(source, event) or changed

    def _agent_interaction(
        self,
        source: SourceBoard,
        event: InteractionStarted | InteractionUpdated | InteractionEnded,
    ) -> bool:
        if event.agent_id is None:
            return False
        agent = source.agents.get(event.agent_id)
        if agent is None:
            return False
        if isinstance(event, InteractionEnded):
            if agent.interaction_id != event.interaction_id:
                return False
            agent.interaction_id = agent.queue_id = None
        elif isinstance(event, InteractionStarted) or agent.interaction_id == event.interaction_id:
            agent.interaction_id = event.interaction_id
            agent.queue_id = event.queue_id or agent.queue_id
        else:
            return False
        self._changes.agents.add((source.key, agent.agent_id))
        return True

    def _stream_state(self, event: StreamStateChanged) -> bool:
        for source in self._stream_targets(event.vendor, event.tenant):
            source.streams[event.stream] = event.state
            source.stream_reason = event.reason
            self._changes.sources.add(source.key)
        return True

    def _gap(self, event: StreamGap, now: float) -> bool:
        seconds = max(0.0, (event.until - event.since).total_seconds())
        reason = f"events may be missing ({event.reason or 'stream gap'}, {seconds:.0f} s)"
        for source in self._stream_targets(event.vendor, event.tenant):
            source.gaps += 1
            self._set_stale(source, reason, now)
        return True
