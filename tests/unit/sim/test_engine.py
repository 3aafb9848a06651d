"""Reproducibility, observers, the clock API, shifts and breaks."""

from __future__ import annotations

import uuid

import pytest

from cxkit.errors import UsageError
from cxkit.events import AgentState
from cxkit.sim import (
    AgentStateChange,
    CallAnswered,
    CallOffered,
    CenterSpec,
    Exponential,
    Fixed,
    RecordLog,
    SimConfig,
    Simulation,
    decode_records,
    five9_call_id,
)
from cxkit.sim.ids import call_id_from_five9

from .helpers import build, group, of_type, qid, queue


def run_demo(seed: int, steps: list[float]) -> bytes:
    sim = Simulation(SimConfig(center=CenterSpec.demo(), seed=seed))
    log = RecordLog()
    sim.subscribe(log)
    for dt in steps:
        sim.step(dt)
    return log.to_jsonl()


def test_same_seed_same_log_whatever_the_step_sizes() -> None:
    one_go = run_demo(3, [1800.0])
    small_steps = run_demo(3, [0.7] * 2571 + [1800.0 - 0.7 * 2571])
    assert one_go == small_steps
    assert one_go.count(b"\n") > 500  # a busy half hour


def test_different_seed_different_log() -> None:
    assert run_demo(3, [600.0]) != run_demo(4, [600.0])


def test_log_round_trips_through_json_lines() -> None:
    sim = Simulation(SimConfig(center=CenterSpec.demo(), seed=5))
    log = RecordLog()
    sim.subscribe(log)
    sim.advance_to(300.0)
    assert decode_records(log.to_jsonl()) == log.records


def test_observing_does_not_change_the_run() -> None:
    watched = Simulation(SimConfig(center=CenterSpec.demo(), seed=9))
    watched.subscribe(RecordLog())
    blind = Simulation(SimConfig(center=CenterSpec.demo(), seed=9))
    watched.advance_to(900.0)
    blind.advance_to(900.0)
    assert watched.center_snapshot() == blind.center_snapshot()
    assert list(watched.agent_snapshots()) == list(blind.agent_snapshots())


def test_records_are_in_time_order_and_call_ids_have_both_vendor_forms() -> None:
    sim = Simulation(SimConfig(center=CenterSpec.demo(), seed=2))
    log = RecordLog()
    sim.subscribe(log)
    sim.advance_to(600.0)
    times = [r.at for r in log.records]
    assert times == sorted(times)
    offered = of_type(log, CallOffered)
    assert offered
    for record in offered:
        assert uuid.UUID(record.call_id).version == 4
        five9 = five9_call_id(record.call_id)
        assert len(five9) == 32 and five9 == five9.upper() and int(five9, 16) >= 0
        assert call_id_from_five9(five9) == record.call_id
        assert record.ani.startswith("+1") and len(record.ani) == 12


def test_failing_observer_is_counted_and_does_not_stop_others() -> None:
    sim, log = build((queue("Q"),), (group("A", "Q"),))

    def broken(record: object) -> None:
        raise RuntimeError("observer bug")

    sim.subscribe(broken)
    after = RecordLog()
    sim.subscribe(after)
    sim.advance_to(1.0)
    sim.offer_call(qid(sim, "Q"))
    assert sim.observer_errors == len(after) > 0
    assert [type(r) for r in after.records] == [type(r) for r in log.records]


def test_unsubscribe_stops_delivery() -> None:
    sim, log = build((queue("Q"),), (group("A", "Q"),))
    extra = RecordLog()
    unsubscribe = sim.subscribe(extra)
    sim.advance_to(1.0)
    unsubscribe()
    unsubscribe()  # idempotent
    sim.offer_call(qid(sim, "Q"))
    assert len(extra) == 1 and len(log) > 1


def test_clock_api_refuses_going_back_and_reentry() -> None:
    sim, _ = build((queue("Q"),), (group("A", "Q"),))
    sim.advance_to(10.0)
    assert sim.now == 10.0
    assert sim.wall_time() == sim.epoch + 10.0
    with pytest.raises(UsageError):
        sim.advance_to(5.0)
    with pytest.raises(UsageError):
        sim.step(-1.0)
    with pytest.raises(UsageError):
        sim.offer_call("queue-9999")
    with pytest.raises(UsageError):
        sim.agent_snapshot("agent-99999")

    def reenter(record: object) -> None:
        sim.step(1.0)

    sim.subscribe(reenter)
    sim.offer_call(qid(sim, "Q"))
    sim.advance_to(20.0)
    assert sim.observer_errors >= 1  # each re-entry was refused, logged and skipped
    assert sim.now == 20.0


def test_shift_logs_out_after_the_current_call_and_back_in_after_time_off() -> None:
    sim, log = build(
        (queue("Q", talk=Fixed(value=50.0), wrap=Fixed(value=0.0)),),
        (
            group(
                "A",
                "Q",
                shift_length=Fixed(value=100.0),
                off_length=Fixed(value=60.0),
                logout_reason="End of Shift",
            ),
        ),
    )
    agent = sim.directory.agents[0].id
    sim.advance_to(80.0)
    sim.offer_call(qid(sim, "Q"))  # on call 80..130, the shift ends at 100
    sim.advance_to(129.0)
    assert sim.agent_state(agent) == AgentState.ON_INTERACTION
    sim.advance_to(130.0)
    snap = sim.agent_snapshot(agent)
    assert (snap.state, snap.reason, snap.since) == (AgentState.LOGGED_OUT, "End of Shift", 130.0)
    sim.advance_to(160.0)  # off 100..160 (measured from the scheduled end of shift)
    assert sim.agent_state(agent) == AgentState.READY
    news = [(r.at, r.new) for r in of_type(log, AgentStateChange)]
    assert (130.0, AgentState.LOGGED_OUT) in news and (160.0, AgentState.READY) in news


def test_breaks_show_not_ready_with_reason_codes_and_wait_for_the_call_to_end() -> None:
    sim, log = build(
        (queue("Q", calls_per_hour=120.0, patience=Exponential(mean=60.0)),),
        (
            group(
                "A",
                "Q",
                count=5,
                breaks_per_hour=6.0,
                break_length=Fixed(value=120.0),
                break_reasons=("Lunch", "Training"),
            ),
        ),
    )
    sim.advance_to(3600.0)
    breaks = [r for r in of_type(log, AgentStateChange) if r.new == AgentState.NOT_READY]
    assert {r.reason for r in breaks} == {"Lunch", "Training"}
    # Never from a call: a break starts when the agent is free.
    assert {r.old for r in breaks} <= {AgentState.READY, AgentState.AFTER_WORK}
    # Every break lasts its 120 s.
    for r in breaks:
        back = next(
            c
            for c in of_type(log, AgentStateChange)
            if c.agent_id == r.agent_id and c.at > r.at and c.old == AgentState.NOT_READY
        )
        assert back.at - r.at == pytest.approx(120.0)
    assert of_type(log, CallAnswered)
