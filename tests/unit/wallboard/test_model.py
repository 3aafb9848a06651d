"""The wallboard model from hand-built unified events (no sockets, an injected clock)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxkit.errors import ConfigError
from cxkit.events import (
    AgentState,
    AgentStateChanged,
    InteractionEnded,
    InteractionStarted,
    InteractionUpdated,
    QueueStatisticsUpdated,
    RawEvent,
    StreamGap,
    StreamState,
    StreamStateChanged,
)
from cxkit.wallboard.model import (
    SourceStatus,
    WallboardModel,
    WallboardSettings,
    display_name,
    source_key,
)

T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    """Epoch seconds that only move when told."""

    def __init__(self, start: float = T0.timestamp()) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def agent(
    agent_id: str,
    state: AgentState,
    *,
    vendor: str = "five9",
    tenant: str = "1000",
    reason: str | None = None,
    when: float = 0,
    since: float | None = None,
    name: str | None = None,
) -> AgentStateChanged:
    return AgentStateChanged(
        vendor=vendor,
        tenant=tenant,
        occurred_at=at(when),
        agent_id=agent_id,
        agent_name=name,
        state=state,
        reason=reason,
        since=None if since is None else at(since),
    )


def queue(queue_id: str, *, vendor: str = "five9", tenant: str = "1000", **figures: Any) -> Any:
    return QueueStatisticsUpdated(
        vendor=vendor, tenant=tenant, occurred_at=T0, queue_id=queue_id, **figures
    )


def interaction(kind: type[Any], call: str, when: float, **fields: Any) -> Any:
    fields.setdefault("vendor", "genesys")
    fields.setdefault("tenant", "org")
    return kind(occurred_at=at(when), interaction_id=call, **fields)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def model(clock: Clock) -> WallboardModel:
    return WallboardModel(clock=clock)


def test_agents_by_state_follow_the_latest_event_of_each_agent(model: WallboardModel) -> None:
    for event in (
        agent("a1", AgentState.READY, name="ava.lopez@example.com"),
        agent("a2", AgentState.READY),
        agent("a3", AgentState.NOT_READY, reason="Lunch", since=-30),
        agent("a4", AgentState.ON_INTERACTION),
        agent("a2", AgentState.ON_INTERACTION, when=5),
        agent("a4", AgentState.AFTER_WORK, when=6),
        agent("a5", AgentState.LOGGED_OUT),
    ):
        assert model.apply(event)
    source = model.source("five9", "1000")
    assert source is not None
    counts = source.agent_counts()
    assert counts[AgentState.READY] == 1
    assert counts[AgentState.ON_INTERACTION] == 1
    assert counts[AgentState.AFTER_WORK] == 1
    assert counts[AgentState.NOT_READY] == 1
    assert counts[AgentState.LOGGED_OUT] == 1
    lunch = source.agents["a3"]
    assert (lunch.reason, lunch.since) == ("Lunch", at(-30).timestamp())
    # without a vendor "since", a state change starts the clock at the event's time
    assert source.agents["a2"].since == at(5).timestamp()
    assert source.agents["a1"].display_name == "Ava Lopez"
    assert [a.agent_id for a in source.sorted_agents()] == ["a1", "a2", "a4", "a3", "a5"]
    assert model.version == 7


def test_a_partial_queue_update_keeps_what_it_did_not_send(model: WallboardModel) -> None:
    model.apply(
        queue("q1", queue_name="Sales", calls_waiting=3, agents_ready=2, agents_logged_in=5)
    )
    model.apply(queue("q1", calls_waiting=1, agents_ready=-4))  # nonsense is skipped
    figures = model.sources["five9:1000"].queues["q1"]
    assert (figures.name, figures.calls_waiting) == ("Sales", 1)
    assert (figures.agents_ready, figures.agents_logged_in) == (2, 5)
    assert model.stats.rejected_fields == 1
    model.apply(queue("q1", service_level=1.7, longest_wait_seconds=float("nan")))
    assert figures.service_level is None and figures.longest_wait_seconds is None
    assert model.stats.rejected_fields == 3


def test_longest_wait_ticks_from_when_it_was_reported(model: WallboardModel, clock: Clock) -> None:
    model.apply(queue("q1", calls_waiting=2, longest_wait_seconds=30.0))
    figures = model.sources["five9:1000"].queues["q1"]
    assert figures.longest_wait(clock()) == 30.0
    clock.now += 12.5
    assert figures.longest_wait(clock()) == 42.5  # nobody re-sent it: it still grows
    assert figures.longest_wait_anchor() == pytest.approx(clock.now - 42.5)
    totals = model.sources["five9:1000"].totals(clock())
    assert (totals["calls_waiting"], totals["longest_wait"]) == (2, 42.5)
    model.apply(queue("q1", calls_waiting=1, longest_wait_seconds=3.0))
    clock.now += 1
    assert figures.longest_wait(clock()) == 4.0
    model.apply(queue("q1", calls_waiting=0))
    clock.now += 100
    assert figures.longest_wait(clock()) == 0.0
    assert figures.longest_wait_anchor() is None


def test_service_level_handled_and_abandoned_are_derived_from_interactions(
    model: WallboardModel, clock: Clock
) -> None:
    q = {"queue_id": "support"}
    # (seconds on the board's clock, event): waits are measured when events arrive, so a
    # vendor stamp from another clock (here: 1000 s off) does not distort them
    timeline = [
        (0, interaction(InteractionUpdated, "c1", 0, state="queued", **q)),
        (0, interaction(InteractionUpdated, "c2", 0, state="queued", **q)),
        (0, interaction(InteractionUpdated, "c3", 0, state="queued", **q)),
        (5, interaction(InteractionStarted, "c1", 1005, agent_id="u1", **q)),  # in 5 s
        (45, interaction(InteractionStarted, "c2", 1045, agent_id="u2", **q)),  # in 45 s
        (50, interaction(InteractionEnded, "c3", 50, **q)),  # gave up waiting
        (300, interaction(InteractionEnded, "c1", 300, agent_id="u1", **q)),
        (301, interaction(InteractionEnded, "c9", 10, **q)),  # began before the board watched
    ]
    start = clock.now
    for offset, event in timeline:
        clock.now = start + offset
        model.apply(event)
    figures = model.sources["genesys:org"].queues["support"]
    assert (figures.answered, figures.answered_in_time) == (2, 1)
    assert (figures.handled, figures.abandoned) == (1, 1)
    assert figures.service_level == pytest.approx(1 / 3)
    assert figures.service_level_derived
    # the vendor's own figures win over the derived ones
    model.apply(queue("support", vendor="genesys", tenant="org", service_level=0.9, handled=40))
    assert (figures.service_level, figures.handled, figures.abandoned) == (0.9, 40, 1)
    assert not figures.service_level_derived


def test_agent_tiles_show_their_current_interaction(model: WallboardModel) -> None:
    model.apply(agent("u1", AgentState.ON_INTERACTION, vendor="genesys", tenant="org"))
    model.apply(interaction(InteractionStarted, "c1", 0, agent_id="u1", queue_id="q"))
    tile = model.sources["genesys:org"].agents["u1"]
    assert (tile.interaction_id, tile.queue_id) == ("c1", "q")
    model.apply(interaction(InteractionEnded, "c1", 9, agent_id="u1", queue_id="q"))
    assert (tile.interaction_id, tile.queue_id) == (None, None)


def test_a_gap_marks_the_source_stale_until_a_snapshot(model: WallboardModel, clock: Clock) -> None:
    def state(value: StreamState) -> StreamStateChanged:
        return StreamStateChanged(
            vendor="five9", tenant="1000", occurred_at=T0, stream="five9.supervisor", state=value
        )

    model.apply(state(StreamState.CONNECTING))
    source = model.sources["five9:1000"]
    assert source.status == SourceStatus.CONNECTING
    model.apply(state(StreamState.CONNECTED))
    model.apply(agent("a1", AgentState.READY))
    model.apply(agent("gone", AgentState.READY))
    assert source.status == SourceStatus.LIVE
    model.apply(state(StreamState.RECONNECTING))
    assert source.status == SourceStatus.RECONNECTING
    model.apply(state(StreamState.CONNECTED))
    model.apply(
        StreamGap(
            vendor="five9",
            tenant="1000",
            occurred_at=T0,
            stream="five9.supervisor",
            since=at(0),
            until=at(7),
            reason="reconnected",
        )
    )
    assert source.status == SourceStatus.STALE
    assert source.stale_since == clock.now
    assert "7 s" in (source.stale_reason or "")
    model.apply(agent("a1", AgentState.NOT_READY, when=8))  # a delta is not the full picture
    assert source.stale
    model.apply_snapshot("five9", "1000", [agent("a1", AgentState.NOT_READY, when=8)])
    assert source.status == SourceStatus.LIVE
    assert set(source.agents) == {"a1"}  # the snapshot no longer had "gone"
    assert (source.gaps, source.snapshots) == (1, 1)
    model.apply(state(StreamState.CLOSED))
    assert source.status == SourceStatus.CLOSED


def test_sources_of_two_vendors_sit_side_by_side(model: WallboardModel) -> None:
    # a stream that did not know its tenant yet reports for ("five9", "")
    model.apply(
        StreamStateChanged(
            vendor="five9", occurred_at=T0, stream="five9.supervisor", state=StreamState.CONNECTED
        )
    )
    assert list(model.sources) == ["five9:"]
    model.apply(agent("a1", AgentState.READY))
    model.apply(agent("u1", AgentState.READY, vendor="genesys", tenant="org-1"))
    model.apply(queue("q1", vendor="genesys", tenant="org-1", calls_waiting=4))
    assert [s.key for s in model.sorted_sources()] == ["five9:1000", "genesys:org-1"]
    five9 = model.sources["five9:1000"]
    assert five9.streams == {"five9.supervisor": StreamState.CONNECTED}  # folded in
    assert five9.label == "Five9 · 1000"
    assert model.sources["genesys:org-1"].label == "Genesys Cloud · org-1"
    # an empty-tenant stream event now applies to every source of the vendor
    model.apply(
        StreamStateChanged(
            vendor="five9", occurred_at=T0, stream="five9.supervisor", state=StreamState.CLOSED
        )
    )
    assert five9.status == SourceStatus.CLOSED
    assert model.sources["genesys:org-1"].status == SourceStatus.LIVE
    changes = model.drain()
    assert changes.removed_sources == {"five9:"}
    assert {("five9:1000", "a1"), ("genesys:org-1", "u1")} <= changes.agents
    assert ("genesys:org-1", "q1") in changes.queues
    assert not model.drain()


def test_names_taught_later_or_earlier_reach_tiles_and_queues(model: WallboardModel) -> None:
    model.set_names("genesys", "org", agents={"u2": "Dev Haddad"}, queues={"q1": "Sales"})
    model.apply(agent("u1", AgentState.READY, vendor="genesys", tenant="org"))
    model.apply(agent("u2", AgentState.READY, vendor="genesys", tenant="org"))
    model.set_names("genesys", "org", agents={"u1": "Chloe Aziz"})
    model.apply(queue("q1", vendor="genesys", tenant="org", calls_waiting=0))
    source = model.sources["genesys:org"]
    assert [a.label for a in source.sorted_agents()] == ["Chloe Aziz", "Dev Haddad"]
    assert source.queues["q1"].label == "Sales"


def test_anything_else_is_ignored_not_fatal(model: WallboardModel) -> None:
    assert not model.apply({"kind": "agent.state"})
    assert not model.apply(None)
    assert not model.apply(RawEvent(vendor="five9", occurred_at=T0, type="1202"))
    assert model.stats.ignored == 3
    assert model.sources == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_level_target", 1.5),
        ("service_level_seconds", -1),
        ("wait_warning_seconds", "30"),
        ("max_agent_tiles", 0),
    ],
)
def test_bad_settings_name_the_key(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=f"wallboard.{field}"):
        WallboardSettings(**{field: value})


def test_breach_threshold_below_warning_is_refused() -> None:
    with pytest.raises(ConfigError, match="wait_breach_seconds"):
        WallboardSettings(wait_warning_seconds=90, wait_breach_seconds=60)


def test_helpers() -> None:
    assert source_key("five9", "1000") == "five9:1000"
    assert display_name("grace.kim@cxkit.local") == "Grace Kim"
    assert display_name("Grace Kim") == "Grace Kim"
