"""The Wallboard facade: attach() on streams of either vendor (no sockets: a stand-in stream
with ``on("*")`` delivers what the real ones deliver)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxkit.events import AgentState, StreamGap, StreamState, StreamStateChanged
from cxkit.five9.events import decode_event
from cxkit.five9.stats import StatsCache
from cxkit.genesys.protocol import decode_frame
from cxkit.wallboard import SourceStatus, Wallboard

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "five9"
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
UID = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee000001"


class FakeStream:
    """Delivers to ``on("*")`` handlers, as EventStream / NotificationHub do."""

    def __init__(self, cache: StatsCache | None = None, tenant: str = "") -> None:
        self.cache = cache
        self.tenant = tenant
        self.handlers: list[Callable[[Any], Any]] = []

    def on(self, kind: str, handler: Callable[[Any], Any]) -> Callable[[], None]:
        assert kind == "*"
        self.handlers.append(handler)
        return lambda: self.handlers.remove(handler)

    def deliver(self, *events: Any) -> None:
        for event in events:
            for handler in list(self.handlers):
                handler(event)


def five9_dump() -> Any:
    return decode_event((FIXTURES / "5000_stats.json").read_text())


def test_a_five9_stats_dump_is_a_snapshot_that_ends_staleness() -> None:
    cache = StatsCache(tenant="123456")
    stream = FakeStream(cache)
    board = Wallboard()
    detach = board.attach(stream)
    dump = five9_dump()
    # as the supervisor session does: apply to the cache, then deliver raw + unified events
    unified = cache.apply(dump)
    stream.deliver(dump, *unified)
    source = board.model.source("five9", "123456")
    assert source is not None and source.snapshots == 1
    truth = {row.id: row.state for row in cache.agents()}
    assert set(source.agents) == set(truth)
    assert {q.queue_id for q in source.queues.values()} == {row.id for row in cache.queues()}

    stream.deliver(
        StreamGap(
            vendor="five9",
            tenant="",  # the stream was made before login: no tenant yet
            occurred_at=T0,
            stream="five9.supervisor",
            since=T0,
            until=T0 + dt.timedelta(seconds=3),
        )
    )
    assert source.status == SourceStatus.STALE
    cache.mark_stale()
    again = cache.apply(five9_dump())
    assert again == []  # nothing changed: the unified events alone could not end staleness
    stream.deliver(five9_dump())
    assert source.status == SourceStatus.LIVE and source.snapshots == 2

    detach()
    stream.deliver(
        StreamStateChanged(
            vendor="five9", tenant="123456", occurred_at=T0, stream="x", state=StreamState.CLOSED
        )
    )
    assert "x" not in source.streams


def test_attaching_to_a_loaded_five9_cache_takes_its_picture_at_once() -> None:
    cache = StatsCache(tenant="123456")
    cache.apply(five9_dump())
    board = Wallboard()
    board.attach(FakeStream(cache))
    source = board.model.source("five9", "123456")
    assert source is not None and len(source.agents) == len(list(cache.agents()))


def test_genesys_topic_events_are_normalised_per_stream() -> None:
    def frame(topic: str, body: dict[str, Any]) -> Any:
        return decode_frame(json.dumps({"topicName": topic, "eventBody": body}))

    hub = FakeStream()
    board = Wallboard()
    board.attach(hub, tenant="org-1")
    board.names("genesys", "org-1", agents={UID: "Chloe Aziz"})
    hub.deliver(
        frame(f"v2.users.{UID}.presence", {"presenceDefinition": {"systemPresence": "On Queue"}}),
        frame(f"v2.users.{UID}.routingStatus", {"routingStatus": {"status": "INTERACTING"}}),
        object(),  # something unknown: ignored, not fatal
    )
    source = board.model.source("genesys", "org-1")
    assert source is not None
    tile = source.agents[UID]
    assert (tile.label, tile.state) == ("Chloe Aziz", AgentState.ON_INTERACTION)
    assert board.model.stats.ignored == 1
