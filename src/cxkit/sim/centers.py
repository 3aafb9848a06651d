"""Ready-made centers: the demo and generated ones of any size."""

from __future__ import annotations

import random

from cxkit.errors import ConfigError
from cxkit.sim.distributions import Exponential, LogNormal
from cxkit.sim.names import queue_name
from cxkit.sim.spec import MAX_AGENTS, MAX_QUEUES, AgentGroupSpec, CenterSpec, QueueSpec

__all__ = ["demo_center", "generate_center"]

_DEMO_BREAKS = ("Break", "Lunch", "Meeting", "Training")


def demo_center() -> CenterSpec:
    """Six queues, 40 agents at roughly 80% occupancy, short breaks with four reasons, a
    group on rotating half-hour shifts and an evening shift that logs in after ten minutes,
    so every state shows up on a wallboard within minutes."""
    talk = LogNormal(mean=180.0, sd=90.0)
    wrap = LogNormal(mean=20.0, sd=10.0)
    patience = Exponential(mean=120.0)

    def queue(name: str, per_hour: float, threshold: float = 20.0) -> QueueSpec:
        return QueueSpec(
            name=name,
            calls_per_hour=per_hour,
            talk=talk,
            wrap=wrap,
            patience=patience,
            service_level_threshold=threshold,
        )

    def group(name: str, count: int, *skills: str, **behaviour: object) -> AgentGroupSpec:
        settings: dict[str, object] = {
            "breaks_per_hour": 2.0,
            "break_length": LogNormal(mean=240.0, sd=120.0),
            "break_reasons": _DEMO_BREAKS,
            **behaviour,
        }
        return AgentGroupSpec(name=name, count=count, skills=skills, **settings)  # type: ignore[arg-type]

    return CenterSpec(
        name="Acme Contact Center",
        queues=(
            queue("Sales", 100),
            queue("Support", 120),
            queue("Billing", 80),
            queue("Technical Support", 60, threshold=30.0),
            queue("Retention", 45),
            queue("Claims", 45, threshold=60.0),
        ),
        groups=(
            group("Sales Team", 8, "Sales", "Retention"),
            group(
                "Customer Care",
                10,
                "Support",
                "Billing",
                shift_length=LogNormal(mean=1800.0, sd=300.0),
                off_length=Exponential(mean=300.0),
            ),
            group("Tech Specialists", 6, "Technical Support"),
            group("Billing Desk", 5, "Billing", "Claims"),
            group("Claims Unit", 4, "Claims"),
            group("Retention Desk", 3, "Retention", "Sales"),
            group("Evening Shift", 4, "Support", "Sales", login_at=600.0, login_spread=300.0),
        ),
    )


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generate_center(
    *, agents: int, queues: int, seed: int = 0, occupancy: float = 0.8
) -> CenterSpec:
    """A synthetic center: queues of varied size in clusters of five; per queue a team whose
    home is that queue, also skilled for one or two sibling queues of its cluster; arrival
    rates set so the teams are busy ``occupancy`` of their available time."""
    if isinstance(agents, bool) or not isinstance(agents, int) or not 0 <= agents <= MAX_AGENTS:
        raise ConfigError.bad_value("agents", agents, f"an integer from 0 to {MAX_AGENTS}")
    if isinstance(queues, bool) or not isinstance(queues, int) or not 1 <= queues <= MAX_QUEUES:
        raise ConfigError.bad_value("queues", queues, f"an integer from 1 to {MAX_QUEUES}")
    if isinstance(occupancy, bool) or not isinstance(occupancy, (int, float)):
        raise ConfigError.bad_value("occupancy", occupancy, "a number in (0, 2]")
    if not 0 < occupancy <= 2:
        raise ConfigError.bad_value("occupancy", occupancy, "a number in (0, 2]")
    rng = random.Random(f"cxkit.sim.generate:{seed}")
    talk = LogNormal(mean=240.0, sd=120.0)
    wrap = LogNormal(mean=30.0, sd=15.0)
    breaks_per_hour, break_length = 0.5, LogNormal(mean=600.0, sd=300.0)
    available = 1.0 - breaks_per_hour * break_length.mean / 3600.0
    handle = talk.mean + wrap.mean

    names = [queue_name(i) for i in range(queues)]
    weights = [rng.lognormvariate(0.0, 0.5) for _ in range(queues)]
    home = _apportion(agents, weights) if agents else [0] * queues
    queue_specs = tuple(
        QueueSpec(
            name=names[i],
            calls_per_hour=round(occupancy * home[i] * available * 3600.0 / handle, 3),
            talk=talk,
            wrap=wrap,
            patience=Exponential(mean=180.0),
        )
        for i in range(queues)
    )
    groups: list[AgentGroupSpec] = []
    for i in range(queues):
        if home[i] == 0:
            continue
        start = i - i % 5
        siblings = [names[j] for j in range(start, min(start + 5, queues)) if j != i]
        extra = rng.sample(siblings, min(len(siblings), rng.randint(1, 2)))
        groups.append(
            AgentGroupSpec(
                name=f"{names[i]} Team",
                count=home[i],
                skills=(names[i], *extra),
                login_spread=120.0,
                breaks_per_hour=breaks_per_hour,
                break_length=break_length,
                break_reasons=("Break", "Lunch", "Meeting", "Training"),
            )
        )
    return CenterSpec(
        name=f"Generated center ({agents} agents, {queues} queues)",
        queues=queue_specs,
        groups=tuple(groups),
    )
