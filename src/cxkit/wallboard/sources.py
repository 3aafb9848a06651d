"""What :meth:`cxkit.wallboard.Wallboard.attach` makes of each vendor's stream.

:class:`StreamAdapter` turns whatever a stream's ``on("*")`` delivers into board updates:

* unified events (:mod:`cxkit.events`) pass through;
* Genesys :class:`~cxkit.genesys.events.TopicEvent` objects (a Genesys ``Channel`` or
  ``NotificationHub`` delivers topic events, not unified ones) are normalised with
  :class:`cxkit.genesys.normalize.Normalizer`, one per attached stream (it is stateful);
* a Five9 full statistics dump becomes a snapshot (below).

Vendor modules are imported lazily: the board works with whichever vendors are installed.

The model is vendor-neutral and becomes fresh again after a gap only when it gets a snapshot
(the full picture of a source). Where that picture comes from is vendor-specific:

* **Five9**: the supervisor stream keeps a :class:`~cxkit.five9.stats.StatsCache` and asks for a
  full statistics dump (event 5000) after every (re)connect. The cache applies the dump before
  the stream delivers the raw 5000 event, so when the board sees that event the cache *is* the
  picture: every agent row and every queue row become one snapshot. (The unified events the
  stream derives from the same dump only name rows that changed, which is not enough to tell
  that the picture is complete.)
* Other vendors: the application backfills by REST and calls
  :meth:`cxkit.wallboard.Wallboard.snapshot`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from cxkit.events import QueueStatisticsUpdated, utcnow

if TYPE_CHECKING:
    from cxkit.five9.stats import StatsCache
    from cxkit.genesys.normalize import Normalizer

__all__ = [
    "FIVE9_STATS_SNAPSHOT",
    "Snapshot",
    "StreamAdapter",
    "five9_snapshot",
    "is_five9_cache",
    "is_five9_snapshot",
    "is_genesys_topic_event",
]

Snapshot: TypeAlias = tuple[str, str, list[Any]]
"""``(vendor, tenant, events)``: the full picture of one source."""

FIVE9_STATS_SNAPSHOT: Final = 5000
"""Five9's EVENT_STATS (full statistics dump) event id."""


def is_five9_cache(obj: Any) -> bool:
    """True for a Five9 statistics cache (imported lazily: Five9 is optional here)."""
    if obj is None:
        return False
    from cxkit.five9.stats import StatsCache

    return isinstance(obj, StatsCache)


def is_five9_snapshot(event: Any) -> bool:
    """True for a Five9 5000 (full statistics) event."""
    if getattr(event, "event_id", None) != FIVE9_STATS_SNAPSHOT:
        return False
    from cxkit.five9.events import StatsSnapshotEvent

    return isinstance(event, StatsSnapshotEvent)


def is_genesys_topic_event(event: Any) -> bool:
    """True for a Genesys notification (topic event), without importing Genesys otherwise."""
    if not type(event).__module__.startswith("cxkit.genesys"):
        return False
    from cxkit.genesys.events import TopicEvent

    return isinstance(event, TopicEvent)


def five9_snapshot(cache: StatsCache) -> Snapshot:
    """``(vendor, tenant, events)``: every agent and queue of a Five9 statistics cache."""
    events: list[Any] = list(cache.agent_state_events())
    now = utcnow()
    for row in cache.queues():
        longest = row.current_longest_queue_time
        events.append(
            QueueStatisticsUpdated(
                vendor="five9",
                tenant=cache.tenant,
                occurred_at=now,
                received_at=now,
                queue_id=row.id,
                queue_name=cache.queue_name(row.id),
                calls_waiting=row.calls_in_queue,
                longest_wait_seconds=None if longest is None else longest / 1000.0,
                agents_logged_in=row.agents_logged_in,
                agents_ready=row.agents_in_queue,
                agents_not_ready=row.agents_not_ready_for_calls,
                agents_on_interaction=row.agents_on_call,
            )
        )
    return "five9", cache.tenant, events


@dataclass(slots=True)
class Update:
    """What one delivered object means for the board."""

    events: list[Any] = field(default_factory=list)
    snapshot: Snapshot | None = None


class StreamAdapter:
    """Translates one attached stream's deliveries (see the module docstring).

    Args:
        stream: the attached stream (a Five9 supervisor stream is recognised by its
            statistics ``cache``).
        tenant: the org id stamped on normalised Genesys events (default: ``stream.tenant``).
    """

    def __init__(self, stream: Any, *, tenant: str | None = None) -> None:
        cache = getattr(stream, "cache", None)
        self.five9_cache: StatsCache | None = cache if is_five9_cache(cache) else None
        stream_tenant = getattr(stream, "tenant", "")
        self.tenant = tenant if tenant is not None else (stream_tenant or "")
        self._genesys: Normalizer | None = None

    def initial(self) -> Snapshot | None:
        """A snapshot of what the stream already knows (a loaded Five9 cache), else None."""
        cache = self.five9_cache
        if cache is not None and not cache.stale:
            return five9_snapshot(cache)
        return None

    def translate(self, event: Any) -> Update:
        """The board update one delivered object implies."""
        if self.five9_cache is not None and is_five9_snapshot(event):
            return Update(snapshot=five9_snapshot(self.five9_cache))
        if is_genesys_topic_event(event):
            if self._genesys is None:
                from cxkit.genesys.normalize import Normalizer

                self._genesys = Normalizer(tenant=self.tenant)
            return Update(events=list(self._genesys.normalize(event)))
        return Update(events=[event])
