"""Hand-built centers for the simulation tests: fixed durations, no random arrivals."""

from __future__ import annotations

from typing import Any

from cxkit.sim import (
    AgentGroupSpec,
    CenterSpec,
    Fixed,
    QueueSpec,
    RecordLog,
    SimConfig,
    Simulation,
)
from cxkit.sim.records import ChangeRecord


def queue(name: str, **overrides: Any) -> QueueSpec:
    """A queue without Poisson arrivals (calls are offered by hand), fixed durations."""
    settings: dict[str, Any] = {
        "calls_per_hour": 0.0,
        "talk": Fixed(value=100.0),
        "wrap": Fixed(value=10.0),
        "patience": None,
        **overrides,
    }
    return QueueSpec(name=name, **settings)


def group(name: str, *skills: str, count: int = 1, **overrides: Any) -> AgentGroupSpec:
    """A group without breaks or shifts, logging in at ``login_at`` (default 0)."""
    settings: dict[str, Any] = {"breaks_per_hour": 0.0, **overrides}
    return AgentGroupSpec(name=name, count=count, skills=skills, **settings)


def build(
    queues: tuple[QueueSpec, ...],
    groups: tuple[AgentGroupSpec, ...],
    *,
    seed: int = 1,
    **config: Any,
) -> tuple[Simulation, RecordLog]:
    """A simulation of the center with a record log subscribed."""
    center_keys = {"script", "reason_codes"}
    center = CenterSpec(
        queues=queues, groups=groups, **{k: v for k, v in config.items() if k in center_keys}
    )
    run = {k: v for k, v in config.items() if k not in center_keys}
    sim = Simulation(SimConfig(center=center, seed=seed, **run))
    log = RecordLog()
    sim.subscribe(log)
    return sim, log


def of_type(log: RecordLog, kind: type[ChangeRecord]) -> list[Any]:
    """The records of one type, in order."""
    return [r for r in log.records if isinstance(r, kind)]


def qid(sim: Simulation, name: str) -> str:
    """The canonical id of the queue called ``name``."""
    return sim.directory.queue_named(name).id
