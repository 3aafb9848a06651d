"""Control calls: what an agent or supervisor does through a vendor API, applied to the
simulation (the emulators turn REST calls into these)."""

from __future__ import annotations

import pytest

from cxkit.errors import UsageError
from cxkit.events import AgentState
from cxkit.sim import (
    AgentStateChange,
    CallCompleted,
    CallEnded,
    Disposition,
    Fixed,
    RecordLog,
    Simulation,
)

from .helpers import build, group, of_type, qid, queue


def one_agent() -> tuple[Simulation, RecordLog, str]:
    sim, log = build((queue("Sales"),), (group("Team", "Sales"),))
    sim.advance_to(1.0)
    agent = sim.directory.agents[0].id
    assert sim.agent_state(agent) is AgentState.READY
    return sim, log, agent


def test_not_ready_then_ready_routes_again() -> None:
    sim, log, agent = one_agent()
    sim.agent_not_ready(agent, "Break")
    snap = sim.agent_snapshot(agent)
    assert (snap.state, snap.reason) == (AgentState.NOT_READY, "Break")
    call = sim.offer_call(qid(sim, "Sales"))
    assert sim.queue_snapshot(qid(sim, "Sales")).calls_waiting == 1  # nobody ready
    sim.step(5.0)
    assert sim.agent_state(agent) is AgentState.NOT_READY  # held until agent_ready
    sim.agent_ready(agent)
    snap = sim.agent_snapshot(agent)
    assert (snap.state, snap.call_id) == (AgentState.ON_INTERACTION, call)  # took the waiting call
    changes = [(r.old, r.new, r.reason) for r in of_type(log, AgentStateChange)][-3:]
    assert changes == [
        (AgentState.READY, AgentState.NOT_READY, "Break"),
        (AgentState.NOT_READY, AgentState.READY, None),
        (AgentState.READY, AgentState.ON_INTERACTION, None),
    ]


def test_not_ready_during_a_call_applies_after_wrap_up() -> None:
    sim, _, agent = one_agent()
    sim.offer_call(qid(sim, "Sales"))
    sim.agent_not_ready(agent, "Lunch")
    assert sim.agent_state(agent) is AgentState.ON_INTERACTION
    sim.step(100.0)  # talk ends
    assert sim.agent_state(agent) is AgentState.AFTER_WORK
    sim.step(10.0)  # wrap ends
    snap = sim.agent_snapshot(agent)
    assert (snap.state, snap.reason) == (AgentState.NOT_READY, "Lunch")


def test_end_call_and_end_wrap_up_cut_the_scheduled_times_short() -> None:
    sim, log, agent = one_agent()
    call = sim.offer_call(qid(sim, "Sales"))
    sim.step(30.0)
    assert sim.end_call(agent) == call
    assert sim.agent_state(agent) is AgentState.AFTER_WORK
    ended = of_type(log, CallEnded)[-1]
    assert (ended.disposition, ended.talk) == (Disposition.HANDLED, pytest.approx(30.0))
    sim.step(2.0)
    assert sim.end_wrap_up(agent) == call
    assert sim.agent_state(agent) is AgentState.READY
    done = of_type(log, CallCompleted)[-1]
    assert (done.call_id, done.wrap) == (call, pytest.approx(2.0))
    # The talk end and wrap end scheduled at 100 s / 110 s are void: nothing happens then.
    before = len(log.records)
    sim.step(200.0)
    assert len(log.records) == before
    assert sim.end_call(agent) is None and sim.end_wrap_up(agent) is None


def test_a_second_call_is_not_cut_by_the_first_calls_stale_timers() -> None:
    sim, _, agent = one_agent()
    sales = qid(sim, "Sales")
    sim.offer_call(sales)
    sim.step(1.0)
    sim.end_call(agent)
    sim.end_wrap_up(agent)
    second = sim.offer_call(sales)
    sim.step(99.5)  # the first call's void talk end (at 101 s) has passed
    snap = sim.agent_snapshot(agent)
    assert (snap.state, snap.call_id) == (AgentState.ON_INTERACTION, second)


def test_logout_and_login() -> None:
    sim, log, agent = one_agent()
    sim.agent_logout(agent)
    assert sim.agent_state(agent) is AgentState.LOGGED_OUT
    sim.agent_login(agent)
    assert sim.agent_state(agent) is AgentState.READY
    sim.agent_logout(agent)
    sim.agent_ready(agent)  # ready logs a logged-out agent in
    assert sim.agent_state(agent) is AgentState.READY
    assert of_type(log, AgentStateChange)[-1].new is AgentState.READY


def test_group_shift_changes_no_longer_move_an_agent_logged_in_by_hand() -> None:
    sim, _ = build(
        (queue("Sales", talk=Fixed(value=10.0)),),
        (group("Team", "Sales", shift_length=Fixed(value=60.0), off_length=Fixed(value=60.0)),),
    )
    sim.advance_to(1.0)
    agent = sim.directory.agents[0].id
    sim.agent_login(agent)  # cancels the scheduled end of shift
    sim.step(120.0)
    assert sim.agent_state(agent) is AgentState.READY


def test_bad_control_calls_say_what_is_wrong() -> None:
    sim, _, agent = one_agent()
    with pytest.raises(UsageError, match="no agent 'nobody'"):
        sim.agent_ready("nobody")
    with pytest.raises(UsageError, match="reason code 'Nap'"):
        sim.agent_not_ready(agent, "Nap")
    with pytest.raises(UsageError, match="reason code 'Nap'"):
        sim.agent_logout(agent, "Nap")

    def meddle(_record: object) -> None:
        sim.agent_ready(agent)

    sim.subscribe(meddle)
    sim.offer_call(qid(sim, "Sales"))  # the observer's control call is refused and counted
    assert sim.observer_errors >= 1
