"""How fast does the simulated contact center run?

Advances generated centers (and the demo) for a simulated hour and prints agents, queues,
simulated seconds, wall seconds, events per second and the speed-up over real time, with
and without an observer receiving every change record (as the emulators do); plus the cost
of one queue snapshot. The goal: 10,000 agents and 1,000 queues at ~80% occupancy advance
one simulated hour in under a minute on a 2-core machine.

    python -m bench.sim_bench [--agents 10000] [--queues 1000] [--hours 1] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from cxkit.events import AgentState
from cxkit.sim import CenterSpec, SimConfig, Simulation

HEADER = (
    "center",
    "agents",
    "queues",
    "observer",
    "sim s",
    "wall s",
    "events",
    "events/s",
    "records",
    "speed-up x",
    "occupancy",
)


def _run(name: str, center: CenterSpec, *, seconds: float, seed: int, observe: bool) -> list[str]:
    sim = Simulation(SimConfig(center=center, seed=seed))
    records = 0

    def count(_record: object) -> None:
        nonlocal records
        records += 1

    if observe:
        sim.subscribe(count)
    started = time.perf_counter()
    # Advance in one-second ticks, as the realtime driver does (tick cost included).
    tick = 1.0
    t = 0.0
    while t < seconds:
        t = min(seconds, t + tick)
        sim.advance_to(t)
    wall = time.perf_counter() - started
    agents = sim.center_snapshot().agents
    busy = agents[AgentState.ON_INTERACTION] + agents[AgentState.AFTER_WORK]
    occupancy = busy / max(1, busy + agents[AgentState.READY])
    return [
        name,
        str(center.agent_count),
        str(len(center.queues)),
        "yes" if observe else "no",
        f"{seconds:.0f}",
        f"{wall:.2f}",
        str(sim.events_processed),
        f"{sim.events_processed / wall:,.0f}",
        str(records) if observe else "-",
        f"{seconds / wall:,.0f}",
        f"{occupancy:.0%}",
    ]


def _snapshot_cost(center: CenterSpec, seed: int) -> float:
    sim = Simulation(SimConfig(center=center, seed=seed))
    sim.advance_to(600.0)
    ids = [q.id for q in sim.directory.queues]
    started = time.perf_counter()
    for queue_id in ids:
        sim.queue_snapshot(queue_id)
    return (time.perf_counter() - started) / len(ids) * 1e6


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [list(HEADER), *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(h.rjust(w) for h, w in zip(HEADER, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark and return its table (printed when run as a script).

    ``argv`` None means the defaults (``python -m bench`` calls ``main()``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--queues", type=int, default=1_000)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args([] if argv is None else argv)
    seconds = args.hours * 3600.0
    big = CenterSpec.generate(agents=args.agents, queues=args.queues, seed=args.seed)
    rows = [
        _run("demo", CenterSpec.demo(), seconds=seconds, seed=args.seed, observe=True),
        _run("generated", big, seconds=seconds, seed=args.seed, observe=False),
        _run("generated", big, seconds=seconds, seed=args.seed, observe=True),
    ]
    cost = _snapshot_cost(big, args.seed)
    return f"{_table(rows)}\nqueue_snapshot(): {cost:.1f} us per call ({args.queues} queues)"


if __name__ == "__main__":
    print(main(sys.argv[1:]))
