"""Scripted events: spikes, not-ready holds, logout and login."""

from __future__ import annotations

from cxkit.events import AgentState
from cxkit.sim import (
    AgentStateChange,
    CallOffered,
    Login,
    Logout,
    NotReady,
    Ready,
    ScriptApplied,
    Spike,
)

from .helpers import build, group, of_type, qid, queue


def offers_between(log_records: list[CallOffered], start: float, end: float) -> int:
    return sum(1 for r in log_records if start <= r.at < end)


def test_spike_multiplies_and_silences_arrivals_for_its_duration() -> None:
    sim, log = build(
        (queue("Q", calls_per_hour=360.0), queue("Other", calls_per_hour=360.0)),
        (),
        script=(
            Spike(at=600.0, queue="Q", factor=10.0, duration=600.0),
            Spike(at=1800.0, factor=0.0, duration=600.0),  # every queue silent
        ),
    )
    sim.advance_to(3000.0)
    q, other = qid(sim, "Q"), qid(sim, "Other")
    on_q = [r for r in of_type(log, CallOffered) if r.queue_id == q]
    on_other = [r for r in of_type(log, CallOffered) if r.queue_id == other]
    assert 30 < offers_between(on_q, 0, 600) < 100  # ~60 expected
    assert 450 < offers_between(on_q, 600, 1200) < 750  # ~600 expected
    assert 30 < offers_between(on_q, 1200, 1800) < 100  # back to normal
    assert 30 < offers_between(on_other, 600, 1200) < 100  # not spiked
    assert offers_between(on_q + on_other, 1800, 2400) == 0
    assert offers_between(on_q, 2400, 3000) > 20
    applied = [(r.action, r.target, r.phase, r.at) for r in of_type(log, ScriptApplied)]
    assert applied == [
        ("spike", "Q", "start", 600.0),
        ("spike", "Q", "end", 1200.0),
        ("spike", None, "start", 1800.0),
        ("spike", None, "end", 2400.0),
    ]


def test_not_ready_hold_waits_for_busy_agents_and_lifts_after_its_duration() -> None:
    sim, log = build(
        (queue("Q"),),
        (group("Team", "Q", count=2), group("Others", "Q")),
        script=(NotReady(at=50.0, group="Team", reason="Meeting", duration=200.0),),
    )
    busy, idle, other = (a.id for a in sim.directory.agents)
    sim.advance_to(10.0)
    sim.offer_call(qid(sim, "Q"))  # to `busy` (longest idle), ends 110, wraps until 120
    sim.advance_to(60.0)
    assert sim.agent_snapshot(idle).reason == "Meeting"
    assert sim.agent_state(busy) == AgentState.ON_INTERACTION
    assert sim.agent_state(other) == AgentState.READY
    sim.advance_to(120.0)
    assert (sim.agent_state(busy), sim.agent_snapshot(busy).reason) == (
        AgentState.NOT_READY,
        "Meeting",
    )
    sim.advance_to(250.0)
    assert sim.agent_state(busy) == sim.agent_state(idle) == AgentState.READY
    holds = [r for r in of_type(log, AgentStateChange) if r.reason == "Meeting"]
    assert [(r.agent_id, r.at) for r in holds] == [(idle, 50.0), (busy, 120.0)]


def test_ready_lifts_an_open_ended_hold() -> None:
    sim, _ = build(
        (queue("Q"),),
        (group("Team", "Q"),),
        script=(NotReady(at=5.0, reason="Training"), Ready(at=40.0, group="Team")),
    )
    agent = sim.directory.agents[0].id
    sim.advance_to(39.0)
    assert sim.agent_snapshot(agent).reason == "Training"
    sim.advance_to(40.0)
    assert sim.agent_state(agent) == AgentState.READY


def test_logout_and_login_actions_override_shifts() -> None:
    sim, log = build(
        (queue("Q"),),
        (group("Team", "Q", count=2), group("Late", "Q", login_at=10_000)),
        script=(
            Logout(at=30.0, group="Team"),
            Login(at=60.0, group="Late"),
            Logout(at=90.0, reason="End of Shift"),
        ),
    )
    team = [a.id for a in sim.directory.agents if a.group == "Team"]
    late = next(a.id for a in sim.directory.agents if a.group == "Late")
    sim.advance_to(30.0)
    assert {sim.agent_state(a) for a in team} == {AgentState.LOGGED_OUT}
    assert sim.agent_snapshot(team[0]).reason == "End of Shift"
    sim.advance_to(60.0)
    assert sim.agent_state(late) == AgentState.READY
    sim.advance_to(20_000.0)  # the Late group's own login at 10,000 was cancelled
    assert sim.center_snapshot().agents[AgentState.LOGGED_OUT] == 3
    logouts = [r for r in of_type(log, AgentStateChange) if r.new == AgentState.LOGGED_OUT]
    assert len(logouts) == 3  # nobody is logged out twice
