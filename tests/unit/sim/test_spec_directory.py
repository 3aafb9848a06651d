"""Spec validation, the ready-made centers and the directory's ids."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cxkit.errors import ConfigError, UsageError
from cxkit.sim import (
    AgentGroupSpec,
    CenterSpec,
    Exponential,
    Fixed,
    LogNormal,
    QueueSpec,
    ReasonCodeSpec,
    SimConfig,
    Spike,
    build_directory,
)
from cxkit.sim.centers import _apportion


@pytest.mark.parametrize(
    ("factory", "key"),
    [
        (lambda: QueueSpec(name="Q", calls_per_hour=-1), "calls_per_hour"),
        (lambda: QueueSpec(name=" ", calls_per_hour=1), "name"),
        (lambda: QueueSpec(name="Q", calls_per_hour=float("nan")), "calls_per_hour"),
        (lambda: AgentGroupSpec(name="G", count=-1, skills=("Q",)), "count"),
        (lambda: AgentGroupSpec(name="G", count=True, skills=("Q",)), "count"),
        (lambda: AgentGroupSpec(name="G", count=1, skills=()), "skills"),
        (lambda: AgentGroupSpec(name="G", count=1, skills=("Q", "Q")), "skills"),
        (
            lambda: AgentGroupSpec(name="G", count=1, skills=("Q",), break_reasons=()),
            "break_reasons",
        ),
        (lambda: Exponential(mean=0), "mean"),
        (lambda: LogNormal(mean=5, sd=-1), "sd"),
        (lambda: Fixed(value=float("inf")), "value"),
        (lambda: ReasonCodeSpec(name="Nap", presence="ASLEEP"), "presence"),
        (lambda: Spike(at=-5, factor=2), "at"),
        (lambda: CenterSpec(queues=(), groups=()), "queues"),
        (
            lambda: CenterSpec(
                queues=(QueueSpec(name="Q", calls_per_hour=1),),
                groups=(AgentGroupSpec(name="G", count=1, skills=("R",)),),
            ),
            "groups[0].skills",
        ),
        (
            lambda: CenterSpec(
                queues=(QueueSpec(name="Q", calls_per_hour=1),),
                groups=(),
                script=(Spike(at=1, factor=2, queue="R"),),
            ),
            "script[0].queue",
        ),
        (lambda: SimConfig(center=CenterSpec.demo(), seed=1.5), "seed"),  # type: ignore[arg-type]
        (lambda: CenterSpec.generate(agents=10, queues=0), "queues"),
        (lambda: CenterSpec.generate(agents=-1, queues=5), "agents"),
        (lambda: CenterSpec.generate(agents=10, queues=5, occupancy=0), "occupancy"),
    ],
)
def test_bad_values_raise_config_errors_naming_the_key(factory: Any, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        factory()
    assert caught.value.key == key
    assert f"bad value for {key}" in str(caught.value)


def test_demo_center_is_small_and_nice() -> None:
    center = CenterSpec.demo()
    assert len(center.queues) == 6
    assert 35 <= center.agent_count <= 45
    assert {"Sales", "Support", "Billing"} <= {q.name for q in center.queues}
    directory = build_directory(SimConfig(center=center))
    names = [a.name for a in directory.agents]
    assert len(set(names)) == len(names)
    assert all(" " in n and n[0].isupper() for n in names)


def test_generated_center_has_the_size_asked_and_is_deterministic() -> None:
    center = CenterSpec.generate(agents=10_000, queues=1_000, seed=4)
    assert len(center.queues) == 1_000
    assert center.agent_count == 10_000
    assert center == CenterSpec.generate(agents=10_000, queues=1_000, seed=4)
    assert center != CenterSpec.generate(agents=10_000, queues=1_000, seed=5)
    assert len({q.name for q in center.queues}) == 1_000
    # Offered load matches the asked occupancy of the agents' available time.
    load = sum(q.calls_per_hour * q.handle_time / 3600 for q in center.queues)
    available = 10_000 * (1 - 0.5 * 600 / 3600)
    assert load / available == pytest.approx(0.8, rel=0.01)


def test_generated_center_copes_with_fewer_agents_than_queues() -> None:
    center = CenterSpec.generate(agents=3, queues=10, seed=1)
    assert center.agent_count == 3
    assert sum(q.calls_per_hour > 0 for q in center.queues) == 3


def test_apportion_keeps_the_total() -> None:
    assert _apportion(10, [1.0, 1.0, 1.0]) == [4, 3, 3]
    assert sum(_apportion(10_000, [0.3, 1.7, 2.2, 0.01])) == 10_000


def test_directory_ids_are_vendor_shaped_unique_and_seeded() -> None:
    center = CenterSpec.generate(agents=2_000, queues=100, seed=0)
    one = build_directory(SimConfig(center=center, seed=1))
    again = build_directory(SimConfig(center=center, seed=1))
    other = build_directory(SimConfig(center=center, seed=2))
    agents = one.agents
    assert [a.id for a in agents[:2]] == ["agent-00001", "agent-00002"]
    assert all(a.five9_id.isdigit() for a in agents)
    assert all(uuid.UUID(a.genesys_id).version == 4 for a in agents)
    for attribute in ("id", "five9_id", "genesys_id", "username", "extension", "name"):
        values = [getattr(a, attribute) for a in agents]
        assert len(set(values)) == len(values), attribute
    assert [a.genesys_id for a in agents] == [a.genesys_id for a in again.agents]
    assert [a.five9_id for a in agents] == [a.five9_id for a in other.agents]  # seed-free
    assert not {a.genesys_id for a in agents} & {a.genesys_id for a in other.agents}
    queue = one.queues[0]
    assert queue.id == "queue-0001" and len(queue.five9_id) == 15 and queue.five9_id.isdigit()
    assert one.by_vendor_id(queue.genesys_id) is queue
    assert one.by_vendor_id(agents[5].five9_id) is agents[5]
    assert one.queue_named(queue.name) is queue
    assert set(agents[0].skills) <= {q.id for q in one.queues}
    with pytest.raises(UsageError):
        one.agent("agent-99999")


def test_reason_codes_map_to_genesys_presences() -> None:
    directory = build_directory(SimConfig(center=CenterSpec.demo()))
    presences = {r.name: (r.presence, r.logout) for r in directory.reason_codes}
    assert presences == {
        "Break": ("BREAK", False),
        "Lunch": ("MEAL", False),
        "Meeting": ("MEETING", False),
        "Training": ("TRAINING", False),
        "End of Shift": ("OFFLINE", True),
    }
    assert ReasonCodeSpec(name="Paperwork").genesys_presence == "AWAY"
    assert all(r.five9_id.isdigit() for r in directory.reason_codes)
