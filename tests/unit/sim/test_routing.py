"""Routing: longest-idle skilled agent, multi-skill removal, longest-waiting call first."""

from __future__ import annotations

from cxkit.events import AgentState
from cxkit.sim import AgentStateChange, CallAnswered, CallQueued, Fixed

from .helpers import build, group, of_type, qid, queue


def test_call_goes_to_the_longest_idle_agent_and_queues_when_none_is_ready() -> None:
    sim, log = build(
        (queue("Q"),),
        (group("A", "Q", login_at=0), group("B", "Q", login_at=10), group("C", "Q", login_at=20)),
    )
    a, b, c = (info.id for info in sim.directory.agents)
    q = qid(sim, "Q")
    for at in (30.0, 40.0, 50.0, 60.0):
        sim.advance_to(at)
        sim.offer_call(q)
    answered = [r.agent_id for r in of_type(log, CallAnswered)]
    assert answered == [a, b, c]
    queued = of_type(log, CallQueued)
    assert [r.position for r in queued] == [1]
    assert sim.queue_snapshot(q).calls_waiting == 1

    # A hangs up at 130 and wraps until 140, then takes the waiting call (waited 80 s).
    sim.advance_to(139.0)
    assert sim.agent_state(a) == AgentState.AFTER_WORK
    sim.advance_to(140.0)
    last = of_type(log, CallAnswered)[-1]
    assert (last.agent_id, last.wait, last.at) == (a, 80.0, 140.0)
    # ... announced as ACW -> ready -> on call at the same instant.
    changes = [(r.old, r.new) for r in of_type(log, AgentStateChange) if r.agent_id == a]
    assert changes[-2:] == [
        (AgentState.AFTER_WORK, AgentState.READY),
        (AgentState.READY, AgentState.ON_INTERACTION),
    ]
    assert sim.queue_snapshot(q).calls_waiting == 0


def test_agent_that_became_ready_again_goes_to_the_back() -> None:
    sim, log = build(
        (queue("Q", talk=Fixed(value=5.0)),),
        (group("A", "Q", login_at=0), group("B", "Q", login_at=10)),
    )
    a, b = (info.id for info in sim.directory.agents)
    q = qid(sim, "Q")
    sim.advance_to(20.0)
    sim.offer_call(q)  # A (idle since 0) takes it, free again at 35
    sim.advance_to(40.0)
    sim.offer_call(q)  # B has been idle since 10, A only since 35
    assert [r.agent_id for r in of_type(log, CallAnswered)] == [a, b]


def test_multi_skilled_agent_leaves_every_idle_set_when_it_takes_a_call() -> None:
    sim, log = build(
        (queue("Q1"), queue("Q2")),
        (group("X", "Q1", "Q2", login_at=0), group("Y", "Q2", login_at=10)),
    )
    x, y = (info.id for info in sim.directory.agents)
    sim.advance_to(20.0)
    sim.offer_call(qid(sim, "Q1"))  # X: only agent for Q1
    sim.offer_call(qid(sim, "Q2"))  # X's stale entry heads Q2's idle set: must go to Y
    sim.offer_call(qid(sim, "Q2"))  # nobody left: waits
    assert [r.agent_id for r in of_type(log, CallAnswered)] == [x, y]
    q2 = sim.queue_snapshot(qid(sim, "Q2"))
    assert q2.calls_waiting == 1
    assert q2.agents[AgentState.ON_INTERACTION] == 2
    assert q2.agents[AgentState.READY] == 0


def test_agent_becoming_ready_takes_the_longest_waiting_call_of_its_queues() -> None:
    sim, log = build(
        (queue("Q1"), queue("Q2")),
        (group("X", "Q1", "Q2", login_at=100),),
    )
    sim.advance_to(10.0)
    first = sim.offer_call(qid(sim, "Q2"))
    sim.advance_to(20.0)
    second = sim.offer_call(qid(sim, "Q1"))
    sim.advance_to(100.0)
    answered = of_type(log, CallAnswered)
    assert [(r.call_id, r.wait) for r in answered] == [(first, 90.0)]
    sim.advance_to(210.0)  # talk 100 + wrap 10
    assert [(r.call_id, r.wait) for r in of_type(log, CallAnswered)][1] == (second, 190.0)


def test_agents_without_the_skill_are_never_offered_the_call() -> None:
    sim, log = build((queue("Q1"), queue("Q2")), (group("X", "Q1"),))
    sim.advance_to(1.0)
    sim.offer_call(qid(sim, "Q2"))
    sim.advance_to(500.0)
    assert of_type(log, CallAnswered) == []
    assert sim.queue_snapshot(qid(sim, "Q2")).longest_wait == 499.0
