"""Abandonment after patience, and the service level on a hand-built day."""

from __future__ import annotations

import pytest

from cxkit.events import AgentState
from cxkit.sim import CallEnded, Disposition, Fixed

from .helpers import build, group, of_type, qid, queue


def test_caller_abandons_after_patience() -> None:
    sim, log = build((queue("Q", patience=Fixed(value=30.0)),), (group("A", "Q", login_at=1000),))
    q = qid(sim, "Q")
    call = sim.offer_call(q)
    sim.advance_to(29.9)
    assert sim.queue_snapshot(q).calls_waiting == 1
    assert of_type(log, CallEnded) == []
    sim.advance_to(30.0)
    ended = of_type(log, CallEnded)
    assert [(e.call_id, e.disposition, e.wait, e.agent_id) for e in ended] == [
        (call, Disposition.ABANDONED, 30.0, None)
    ]
    snap = sim.queue_snapshot(q)
    assert (snap.calls_waiting, snap.abandoned, snap.answered, snap.longest_wait) == (0, 1, 0, 0)
    assert sim.call_snapshots() == []
    # The agent logging in later finds nothing to take.
    sim.advance_to(1000.0)
    assert sim.agent_state(sim.directory.agents[0].id) == AgentState.READY


def test_call_answered_before_its_patience_runs_out_is_not_abandoned() -> None:
    sim, log = build((queue("Q", patience=Fixed(value=30.0)),), (group("A", "Q", login_at=20),))
    sim.offer_call(qid(sim, "Q"))
    sim.advance_to(200.0)
    ended = of_type(log, CallEnded)
    assert [(e.disposition, e.wait, e.talk) for e in ended] == [(Disposition.HANDLED, 20.0, 100.0)]


def test_without_patience_callers_wait_forever() -> None:
    sim, log = build((queue("Q", patience=None),), (group("A", "Q", login_at=10_000),))
    sim.offer_call(qid(sim, "Q"))
    sim.advance_to(9_999.0)
    assert of_type(log, CallEnded) == []
    assert sim.queue_snapshot(qid(sim, "Q")).longest_wait == 9_999.0


def test_service_level_and_averages_on_a_hand_built_scenario() -> None:
    sim, _ = build(
        (
            queue(
                "Q",
                patience=Fixed(value=50.0),
                talk=Fixed(value=1000.0),
                wrap=Fixed(value=10.0),
                service_level_threshold=20.0,
            ),
        ),
        (group("A", "Q", login_at=5), group("B", "Q", login_at=30)),
        service_level_window=600.0,
    )
    q = qid(sim, "Q")
    for _ in range(4):
        sim.offer_call(q)  # all at t=0
    # c1 -> A at 5 s (within 20 s); c2 -> B at 30 s (missed); c3 and c4 abandon at 50 s.
    sim.advance_to(40.0)
    snap = sim.queue_snapshot(q)
    assert (snap.calls_waiting, snap.longest_wait) == (2, 40.0)
    assert (snap.service_level_answered, snap.service_level_calls) == (1, 2)
    assert snap.service_level == pytest.approx(0.5)
    assert snap.agents[AgentState.ON_INTERACTION] == 2

    sim.advance_to(60.0)
    snap = sim.queue_snapshot(q)
    assert (snap.offered, snap.answered, snap.abandoned, snap.handled) == (4, 2, 2, 0)
    assert snap.service_level == pytest.approx(0.25)
    assert snap.average_speed_of_answer == pytest.approx(17.5)
    assert snap.average_handle_time is None  # nothing wrapped up yet

    sim.advance_to(1040.0)  # both hung up (1005, 1030) and wrapped (1015, 1040)
    snap = sim.queue_snapshot(q)
    assert snap.handled == 2
    assert snap.average_handle_time == pytest.approx(1010.0)
    # The window (600 s) has long passed the waits: no service level, counts kept.
    assert snap.service_level is None
    assert (snap.service_level_calls, snap.abandoned) == (0, 2)

    center = sim.center_snapshot()
    assert (center.offered, center.answered, center.abandoned, center.handled) == (4, 2, 2, 2)
    assert center.average_handle_time == pytest.approx(1010.0)
