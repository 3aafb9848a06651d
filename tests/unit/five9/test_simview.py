"""The Five9 view of the simulated center, without sockets: rows built incrementally (ACD
rows from snapshots or with only their waits moved on, the running totals row) equal rows
built from scratch; client actions become the simulation's control calls; oversized
statistics payloads split without losing a row."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from cxkit.emulator.context import EmulatorClock
from cxkit.emulator.five9.errors import Five9Error
from cxkit.emulator.five9.ids import IdGenerator
from cxkit.emulator.five9.options import Five9Options
from cxkit.emulator.five9.simview import READY_CHANNELS, SimTenant, build_sim_row
from cxkit.emulator.five9.state import ACD_TOTAL_ID, STAT_TOTAL_ID
from cxkit.emulator.five9.stats import StatsPublisher, statistic_row
from cxkit.emulator.five9.ws import _split_delta, _split_snapshot
from cxkit.emulator.simhost import SimHost
from cxkit.emulator.tenant import DEMO
from cxkit.events import AgentState
from cxkit.sim import AgentGroupSpec, CenterSpec, Fixed, QueueSpec, SimConfig

START = 1_700_000_000.0
STATES = {
    "logged_out": "LOGGED_OUT",
    "ready": "READY",
    "not_ready": "NOT_READY",
    "on_interaction": "ON_CALL",
    "after_work": "ACW",
}


def make(center: CenterSpec, **options: Any) -> tuple[SimHost, EmulatorClock, SimTenant]:
    clock = EmulatorClock(start_time=START, frozen=True)
    host = SimHost(SimConfig(center=center, seed=5), clock)
    tenant = SimTenant(
        host,
        org_id="131313",
        org_name="test",
        clock_ms=lambda: round(host.sim.wall_time() * 1000),
        ids=IdGenerator(1),
        options=Five9Options(**options),
    )
    tenant.seed(DEMO.five9)
    host.subscribe(tenant.apply)
    return host, clock, tenant


def quiet() -> CenterSpec:
    queue = {"calls_per_hour": 0.0, "talk": Fixed(60.0), "wrap": Fixed(10.0), "patience": None}
    return CenterSpec(
        queues=(QueueSpec(name="Sales", **queue), QueueSpec(name="Billing", **queue)),
        groups=(
            AgentGroupSpec(
                name="Desk", count=2, skills=("Sales", "Billing"), login_at=1e6, breaks_per_hour=0
            ),
        ),
    )


def expected_acd(host: SimHost, tenant: SimTenant, skill: str) -> dict[str, Any]:
    """The ACD figures of a skill straight from the simulation's snapshot."""
    queue = host.sim.directory.by_vendor_id(skill)
    assert queue is not None
    snap = host.sim.queue_snapshot(queue.id)
    agents = snap.agents
    return {
        "callsInQueue": snap.calls_waiting,
        "currentLongestQueueTime": round(snap.longest_wait * 1000),
        "agentsLoggedIn": sum(agents.values()) - agents[AgentState.LOGGED_OUT],
        "agentsInQueue": agents[AgentState.READY],
        "agentsOnCall": agents[AgentState.ON_INTERACTION] + agents[AgentState.AFTER_WORK],
        "agentsNotReadyForCalls": agents[AgentState.NOT_READY],
    }


async def test_incremental_rows_equal_rows_built_from_scratch() -> None:
    # An overloaded center: queues with calls waiting on most ticks.
    host, clock, tenant = make(CenterSpec.generate(agents=60, queues=8, seed=2, occupancy=1.3))
    publisher = StatsPublisher(tenant, build_sim_row)
    tenant.options.sim_wait_refresh = 0  # exact waits on every tick
    waited = 0
    for step in range(400):
        clock.advance(0.5 if step % 7 else 13.0)
        await host.advance()
        tenant.tick()
        publisher.compute_delta()
        waited += bool(tenant.waiting)
        rows = publisher.last
        for skill in tenant.skills:
            row = rows["ACD_STATUS"][skill]
            assert {k: row[k] for k in expected_acd(host, tenant, skill)} == expected_acd(
                host, tenant, skill
            ), (step, skill)
        total = rows["ACD_STATUS"][ACD_TOTAL_ID]
        center = host.sim.center_snapshot()
        longest = max((q.longest_wait for q in host.sim.queue_snapshots()), default=0.0)
        assert total["callsInQueue"] == center.calls_waiting
        assert total["currentLongestQueueTime"] == round(longest * 1000)
        # The running totals row is the sum over every agent.
        assert rows["AGENT_STATISTIC"][STAT_TOTAL_ID] == statistic_row(
            STAT_TOTAL_ID, tenant.agents.values()
        )
    assert waited > 100  # the wait-only refresh path was exercised
    for snap in host.sim.agent_snapshots():
        user_id = host.sim.directory.agent(snap.agent_id).five9_id
        assert rows["AGENT_STATE"][user_id]["state"] == STATES[snap.state]
    assert tenant.totals.calls == sum(a.calls for a in tenant.agents.values()) > 0


async def test_waits_refresh_every_sim_wait_refresh_seconds() -> None:
    host, clock, tenant = make(quiet())
    publisher = StatsPublisher(tenant, build_sim_row)
    sales = next(s for s, skill in tenant.skills.items() if skill.name == "Sales")
    tenant.offer_call(sales)  # nobody is logged in: it waits
    await host.advance()
    tenant.tick()
    publisher.compute_delta()
    assert publisher.last["ACD_STATUS"][sales]["callsInQueue"] == 1
    clock.advance(0.4)
    await host.advance()
    tenant.tick()
    assert publisher.compute_delta() == []  # less than a second: not refreshed yet
    clock.advance(0.6)
    await host.advance()
    tenant.tick()
    (block,) = publisher.compute_delta()
    updated = {r["id"]: r for r in block["updated"]}
    assert updated[sales]["currentLongestQueueTime"] == 1000
    assert updated[ACD_TOTAL_ID]["currentLongestQueueTime"] == 1000


async def test_client_actions_are_control_calls() -> None:
    host, _clock, tenant = make(quiet())
    first = tenant.demo_agent_id
    assert first == host.sim.directory.agents[0].five9_id
    assert tenant.user_by_name(DEMO.five9.agent.username) is tenant.users[first]
    assert tenant.user_by_name(host.sim.directory.agents[0].username.upper()) is not None
    sim_id = host.sim.directory.agents[0].id

    with pytest.raises(Five9Error) as refused:
        tenant.set_agent_presence(first, ["CALL"])
    assert refused.value.status == 435  # logged out
    tenant.login_agent(first)  # session_start
    assert host.sim.agent_state(sim_id) == "ready"
    assert tenant.agents[first].ready_channels == list(READY_CHANNELS)

    lunch = next(c.id for c in tenant.not_ready_codes.values() if c.name == "Lunch")
    tenant.set_agent_presence(first, [], lunch)
    snap = host.sim.agent_snapshot(sim_id)
    assert (snap.state, snap.reason) == ("not_ready", "Lunch")
    assert tenant.agents[first].reason_code_id == lunch
    tenant.set_agent_presence(first, [], tenant.system_not_ready_code())
    assert host.sim.agent_snapshot(sim_id).reason == host.sim.directory.reason_codes[0].name
    with pytest.raises(Five9Error):
        tenant.set_agent_presence(first, [], "12345")

    tenant.set_agent_presence(first, ["CALL"])
    call = tenant.offer_call(next(iter(tenant.skills)))
    assert call.state == "TALKING" and call.agent_id == first  # routed and connected
    assert tenant.answer_call(call.id, first) is call
    # Not Ready during the call: pending until the wrap-up is over.
    tenant.set_agent_presence(first, [], lunch)
    assert tenant.agents[first].pending_channels == []
    assert tenant.agents[first].pending_reason == lunch
    assert host.sim.agent_state(sim_id) == "on_interaction"
    tenant.end_call(call.id, first)
    assert host.sim.agent_state(sim_id) == "after_work" and call.state == "WRAP_UP"
    tenant.dispose_call(call.id, "300000000000401", first)
    assert call.state == "FINISHED" and call.disposition_id == "300000000000401"
    assert tenant.agents[first].dispositions == {"300000000000401": 1}
    snap = host.sim.agent_snapshot(sim_id)
    assert (snap.state, snap.reason) == ("not_ready", "Lunch")
    assert tenant.agents[first].pending_channels is None

    for refuse in (
        lambda: tenant.make_call(first, "9255550100"),
        lambda: tenant.add_agent_to_skill(first, next(iter(tenant.skills))),
        lambda: tenant.transfer_call("X", first),
        lambda: tenant.reject_call("X", first),
    ):
        with pytest.raises(Five9Error, match="simulated contact center"):
            refuse()

    tenant.logout_agent(first)
    assert host.sim.agent_state(sim_id) == "logged_out"


def test_oversized_payloads_split_without_losing_rows() -> None:
    rows = [{"id": str(i), "state": "READY", "pad": "x" * 50} for i in range(200)]
    budget = 2_000
    delta = [
        {"dataSource": "AGENT_STATE", "added": rows[:20], "updated": rows[20:], "removed": ["9"]},
        {"dataSource": "ACD_STATUS", "added": [], "updated": rows[:5], "removed": []},
    ]
    parts = _split_delta(delta, budget)
    assert len(parts) > 5
    assert all(len(msgspec.json.encode(p)) <= budget + 200 for p in parts)
    got: dict[tuple[str, str], list[Any]] = {}
    for part in parts:
        for block in part:
            for kind in ("added", "updated", "removed"):
                got.setdefault((block["dataSource"], kind), []).extend(block[kind])
    for block in delta:
        for kind in ("added", "updated", "removed"):
            assert got.get((block["dataSource"], kind), []) == block[kind]

    snapshot = [
        {"dataSource": "AGENT_STATE", "data": rows},
        {"dataSource": "ACD_STATUS", "data": rows[:3]},
        {"dataSource": "STATIONS", "data": []},
    ]
    frames = _split_snapshot(snapshot, budget)
    events = [event for event, _ in frames]
    # Small data sources whole in 5000s; the big one as a 5000 then 5012 "added" frames.
    assert events[0] == "5000" and "5012" in events
    named = {b["dataSource"] for event, part in frames if event == "5000" for b in part}
    assert named == {"AGENT_STATE", "ACD_STATUS", "STATIONS"}
    table: list[Any] = []
    for event, part in frames:
        for block in part:
            if block["dataSource"] == "AGENT_STATE":
                table.extend(block["data"] if event == "5000" else block["added"])
    assert table == rows


async def test_a_tenant_built_mid_run_takes_over_the_current_state() -> None:
    host, clock, _ = make(CenterSpec.generate(agents=60, queues=8, seed=2, occupancy=1.3))
    clock.advance(1800)
    await host.advance()
    late = SimTenant(
        host,
        org_id="131313",
        org_name="late",
        clock_ms=lambda: round(host.sim.wall_time() * 1000),
        ids=IdGenerator(1),
        options=Five9Options(),
    )
    late.seed(DEMO.five9)
    publisher = StatsPublisher(late, build_sim_row)
    assert late.waiting  # calls were waiting when it came
    for skill in late.skills:
        row = publisher.last["ACD_STATUS"][skill]
        expected = expected_acd(host, late, skill)
        assert {k: row[k] for k in expected} == expected
    epoch_ms = host.sim.epoch * 1000
    for snap in host.sim.agent_snapshots():
        row = publisher.last["AGENT_STATE"][host.sim.directory.agent(snap.agent_id).five9_id]
        assert row["state"] == STATES[snap.state]
        assert abs(row["stateSince"] - (epoch_ms + snap.since * 1000)) <= 1
    live = [c for c in host.sim.call_snapshots() if c.agent_id is not None]
    assert len(late.calls) == len(live) > 0
