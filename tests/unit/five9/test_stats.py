"""StatsCache: GO fixtures, and hypothesis property tests against a plain dict model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxkit.events import AgentState, AgentStateChanged, QueueStatisticsUpdated
from cxkit.five9.events import decode_event
from cxkit.five9.models import Skill, User
from cxkit.five9.rows import DataSource, GenericRow, row_type
from cxkit.five9.stats import StatsCache, five9_agent_state

GO = Path(__file__).parents[2] / "fixtures" / "five9_client" / "go"


def frame(name: str) -> bytes:
    return (GO / f"{name}.json").read_bytes()


def envelope(event_id: int, payload: Any) -> str:
    return json.dumps(
        {"context": {"eventId": str(event_id), "timeStamp": 1697194349427}, "payLoad": payload}
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_go_fixtures_snapshot_then_deltas() -> None:
    cache = StatsCache(tenant="123456")
    assert cache.stale
    events = cache.apply(decode_event(frame("5000_stats")))
    assert not cache.stale
    assert [(e.agent_id, e.state) for e in events] == [
        ("123456789", AgentState.LOGGED_OUT),
        ("345123789", AgentState.NOT_READY),
    ]
    assert events[1].reason == "367541"  # no reason-code names known yet: the id
    row = cache.agent_state("345123789")
    assert row is not None and row.state == "NOT_READY" and row.reason == "367541"

    events = cache.apply(decode_event(frame("5012_incrementalStatsUpdate")))
    # AGENT_STATE rows did not change state: no agent events; six queues changed (not "0").
    assert all(isinstance(e, QueueStatisticsUpdated) for e in events)
    assert sorted(e.queue_id for e in events) == sorted(
        [
            "300000000000171",
            "300000000000127",
            "300000000000125",
            "300000000000193",
            "300000000000191",
            "300000000000197",
        ]
    )
    q191 = next(e for e in events if e.queue_id == "300000000000191")
    assert q191.calls_waiting == 1 and q191.agents_on_interaction == 1
    assert q191.longest_wait_seconds == 98.0
    # Totals rows are kept apart.
    totals = cache.queue_totals()
    assert totals is not None and totals.agents_logged_in == 72
    assert "0" not in cache.table("ACD_STATUS")
    agent_totals = cache.agent_totals()
    assert agent_totals is not None and agent_totals.total_calls_count == 173
    assert agent_totals.dispositions == {"0": 155, "-17": 12, "-5": 3, "-23": 2}
    # AGENT_STATISTIC is applied too (GO ignores it).
    stat = cache.agent_statistics("4635040")
    assert stat is not None and stat.total_calls_count == 5

    cache.apply(decode_event(frame("5012_incrementalStatsUpdate_removed")))
    assert cache.agent_state("123456789") is None
    assert cache.agent_state("345123789") is not None


def test_lookup_by_name_and_reason_names() -> None:
    cache = StatsCache()
    cache.set_users([User(id="345123789", user_name="aaron.ellington@example.com")])
    cache.set_skills([Skill(id="300000000000191", name="Sales")])

    class Code:
        id = "367541"
        name = "Lunch"

    cache.set_reason_codes([Code()])
    events = cache.apply(decode_event(frame("5000_stats")))
    assert events[1].agent_name == "aaron.ellington@example.com"
    assert events[1].reason == "Lunch"
    assert cache.agent_state("Aaron.Ellington@example.com") is cache.agent_state("345123789")
    cache.apply(decode_event(frame("5012_incrementalStatsUpdate")))
    sales = cache.queue("sales")
    assert sales is not None and sales.id == "300000000000191"
    assert cache.queue("nope") is None


def test_staleness_follows_clock_and_reconnects() -> None:
    clock = Clock()
    cache = StatsCache(stale_after=60, clock=clock)
    cache.apply(decode_event(frame("5000_stats")))
    assert not cache.stale
    clock.now += 61
    assert cache.stale
    cache.apply(decode_event(frame("5012_incrementalStatsUpdate_removed")))
    assert not cache.stale
    cache.mark_stale()
    assert cache.stale  # a delta alone cannot make a possibly-gapped table fresh
    cache.apply(decode_event(frame("5012_incrementalStatsUpdate_removed")))
    assert cache.stale
    cache.apply(decode_event(frame("5000_stats")))
    assert not cache.stale


def test_payload_keyed_by_data_source_is_tolerated() -> None:
    cache = StatsCache()
    snap = envelope(5000, {"ACD_STATUS": [{"id": "7", "callsInQueue": 3}, {"id": "0"}]})
    cache.apply(decode_event(snap))
    queue = cache.queue("7")
    assert queue is not None and queue.calls_in_queue == 3
    delta = envelope(5012, {"ACD_STATUS": {"updated": [{"id": "7", "callsInQueue": 4}]}})
    events = cache.apply(decode_event(delta))
    assert [e.calls_waiting for e in events] == [4]


def test_unknown_data_source_rows_are_kept() -> None:
    cache = StatsCache()
    cache.apply(
        decode_event(envelope(5000, [{"dataSource": "NEW_THING", "data": [{"id": "a", "x": 1}]}]))
    )
    row = cache.table("NEW_THING")["a"]
    assert row.fields == {"id": "a", "x": 1}  # type: ignore[union-attr]
    assert "NEW_THING" in cache.data_sources()


def test_removed_agent_emits_logged_out_and_snapshot_drops_missing_rows() -> None:
    cache = StatsCache()
    cache.apply(
        decode_event(
            envelope(5000, [{"dataSource": "AGENT_STATE", "data": [{"id": "1", "state": "READY"}]}])
        )
    )
    events = cache.apply(
        decode_event(
            envelope(
                5012, [{"dataSource": "AGENT_STATE", "added": [], "updated": [], "removed": ["1"]}]
            )
        )
    )
    assert [(e.agent_id, e.state, e.previous_state) for e in events] == [
        ("1", AgentState.LOGGED_OUT, AgentState.READY)
    ]
    assert five9_agent_state("ACW") is AgentState.AFTER_WORK
    assert five9_agent_state("weird") is AgentState.UNKNOWN


# --------------------------------------------------------------------------- properties

# Every data source Five9 sends (each with its typed row) and one it may add (generic rows).
SOURCES = [str(source) for source in DataSource] + ["OTHER"]
IDS = st.sampled_from(["", "0", "1", "2", "3", "4", "5"])
STATES = st.sampled_from(["READY", "NOT_READY", "ON_CALL", "ACW", "LOGGED_OUT", "RINGING"])

# data source -> (the one field the model varies, its Python name on the typed row)
FIELDS = {
    "AGENT_STATISTIC": ("totalCallsCount", "total_calls_count"),
    "CAMPAIGN_STATE": ("priority", "priority"),
    "USER_SESSION": ("sessionStart", "session_start"),
    "STATIONS": ("stationId", "station_id"),
    "INBOUND_CAMPAIGN_STATISTICS": ("totalCallsCount", "total_calls_count"),
    "OUTBOUND_CAMPAIGN_STATISTICS": ("dialedCount", "dialed_count"),
    "OUTBOUND_CAMPAIGN_MANAGER": ("dialingAttemptsCount", "dialing_attempts_count"),
}


def _row(source: str, row_id: str, value: int, state: str) -> dict[str, Any]:
    if source == "AGENT_STATE":
        return {"id": row_id, "state": state, "reasonCodeId": str(value % 3)}
    if source == "ACD_STATUS":
        return {"id": row_id, "callsInQueue": value, "agentsLoggedIn": value + 1}
    if source in FIELDS:
        wire = FIELDS[source][0]
        return {"id": row_id, wire: str(value) if source == "STATIONS" else value}
    return {"id": row_id, "value": value}


rows_st = st.lists(st.tuples(IDS, st.integers(0, 9), STATES), max_size=5)
ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("snapshot"),
            # one block per data source in a dump
            st.lists(
                st.tuples(st.sampled_from(SOURCES), rows_st), max_size=3, unique_by=lambda t: t[0]
            ),
        ),
        st.tuples(
            st.just("delta"),
            st.lists(
                st.tuples(st.sampled_from(SOURCES), rows_st, rows_st, st.lists(IDS, max_size=3)),
                max_size=3,
            ),
        ),
    ),
    max_size=12,
)


def _signature(source: str, row: Any) -> Any:
    """The fields _row() sets, read back from a typed or generic row."""
    if source == "AGENT_STATE":
        return (row.state, row.reason)
    if source == "ACD_STATUS":
        return (row.calls_in_queue, row.agents_logged_in)
    if source in FIELDS:
        return getattr(row, FIELDS[source][1])
    return row.fields["value"]


def _model_signature(source: str, row: dict[str, Any]) -> Any:
    if source == "AGENT_STATE":
        reason = row["reasonCodeId"]
        return (row["state"], None if reason == "0" else reason)
    if source == "ACD_STATUS":
        return (row["callsInQueue"], row["agentsLoggedIn"])
    if source in FIELDS:
        return row[FIELDS[source][0]]
    return row["value"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops)
def test_cache_matches_dict_model(operations: list[Any]) -> None:
    cache = StatsCache()
    model: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, body in operations:
        before = {
            rid: _model_signature("AGENT_STATE", r)
            for rid, r in model.get("AGENT_STATE", {}).items()
        }
        queues_before = {
            rid: _model_signature("ACD_STATUS", r)
            for rid, r in model.get("ACD_STATUS", {}).items()
            if rid not in ("0", "")
        }
        if kind == "snapshot":
            payload = []
            for source, rows in body:
                data = [_row(source, rid, v, s) for rid, v, s in rows]
                payload.append({"dataSource": source, "data": data})
                model[source] = {r["id"]: r for r in data}  # replace per source
            events = cache.apply(decode_event(envelope(5000, payload)))
        else:
            payload = []
            for source, added, updated, removed in body:
                add = [_row(source, rid, v, s) for rid, v, s in added]
                upd = [_row(source, rid, v, s) for rid, v, s in updated]
                payload.append(
                    {"dataSource": source, "added": add, "updated": upd, "removed": removed}
                )
                table = model.setdefault(source, {})
                for r in add + upd:
                    table[r["id"]] = r
                for rid in removed:
                    table.pop(rid, None)
            events = cache.apply(decode_event(envelope(5012, payload)))

        # Tables (per-row) and totals (ids "0"/"") agree with the model.
        for source, table in model.items():
            expected = {
                rid: _model_signature(source, r) for rid, r in table.items() if rid not in ("0", "")
            }
            got = {rid: _signature(source, r) for rid, r in cache.table(source).items()}
            assert got == expected, source
            for total_id in ("0", ""):
                total = cache.totals(source, total_id)
                if total_id in table:
                    assert total is not None
                    assert _signature(source, total) == _model_signature(source, table[total_id])
                else:
                    assert total is None

        # Every agent event tells the truth about the agent's new state, and each changed agent
        # produced exactly one event.
        after = {
            rid: sig
            for rid, sig in (
                (rid, _model_signature("AGENT_STATE", r))
                for rid, r in model.get("AGENT_STATE", {}).items()
            )
            if rid not in ("0", "")
        }
        before = {k: v for k, v in before.items() if k not in ("0", "")}
        agent_events = [e for e in events if isinstance(e, AgentStateChanged)]
        expected_changed = {
            rid
            for rid in set(before) | set(after)
            if before.get(rid) != after.get(rid)
            and not (rid not in after and before[rid][0] == "LOGGED_OUT")
        }
        last: dict[str, AgentStateChanged] = {}
        for event in agent_events:
            last[event.agent_id] = event
        if kind == "snapshot":  # a dump is compared with the previous table only
            assert {e.agent_id for e in agent_events} == expected_changed
            assert len(agent_events) == len(expected_changed)
        else:  # a delta may pass through intermediate states, each reported in order
            assert expected_changed <= set(last)
        for agent_id, event in last.items():
            if agent_id in after:
                assert event.state == five9_agent_state(after[agent_id][0])
            else:
                assert event.state is AgentState.LOGGED_OUT

        # Queue events: every queue whose figures changed is reported, with its final figures.
        queues_after = {
            rid: _model_signature("ACD_STATUS", r)
            for rid, r in model.get("ACD_STATUS", {}).items()
            if rid not in ("0", "")
        }
        queue_events = [e for e in events if isinstance(e, QueueStatisticsUpdated)]
        last_queue = {e.queue_id: e for e in queue_events}
        changed_queues = {rid for rid, sig in queues_after.items() if queues_before.get(rid) != sig}
        if kind == "snapshot":
            assert set(last_queue) == changed_queues and len(queue_events) == len(changed_queues)
        else:
            assert changed_queues <= set(last_queue)
        for queue_id, queue_event in last_queue.items():
            if queue_id in queues_after:
                figures = (queue_event.calls_waiting, queue_event.agents_logged_in)
                assert figures == queues_after[queue_id]

        # Known data sources keep typed rows; others generic ones.
        for source in model:
            expected_type = row_type(source) or GenericRow
            assert all(type(r) is expected_type for r in cache.table(source).values())


class CountingBackend:
    """A backend that is not the default one: rows live in its own dicts, writes counted."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.totals_rows: dict[str, dict[str, Any]] = {}
        self.replaced: list[str] = []

    def table(self, data_source: str) -> dict[str, Any]:
        return self.rows.setdefault(data_source, {})

    def totals(self, data_source: str) -> dict[str, Any]:
        return self.totals_rows.setdefault(data_source, {})

    def replace(self, data_source: str, rows: Any, totals: Any) -> None:
        self.replaced.append(data_source)
        self.rows[data_source] = rows
        self.totals_rows[data_source] = totals

    def data_sources(self) -> list[str]:
        return list(self.rows.keys() | self.totals_rows.keys())

    def clear(self) -> None:
        self.rows.clear()
        self.totals_rows.clear()


def test_a_pluggable_backend_holds_the_rows() -> None:
    from cxkit.five9.stats_backend import MemoryStatsBackend, StatsBackend

    backend = CountingBackend()
    assert isinstance(backend, StatsBackend) and isinstance(MemoryStatsBackend(), StatsBackend)
    cache = StatsCache(backend=backend)
    assert cache.backend is backend
    cache.apply(decode_event(frame("5000_stats")))
    assert set(backend.replaced) >= {"AGENT_STATE"}
    cache.apply(decode_event(frame("5012_incrementalStatsUpdate")), emit=False)
    assert "300000000000171" in backend.rows["ACD_STATUS"]
    assert backend.totals_rows["ACD_STATUS"]["0"] is cache.queue_totals()
    assert cache.data_sources() == sorted(backend.data_sources())
    cache.clear()
    assert backend.rows == {} and cache.stale
