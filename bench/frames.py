"""Realistic frames for the ingest and memory benchmarks, rendered by the emulator's own code.

* Five9: the emulator's Five9 plugin runs its scripted scenario (agents log in, calls are
  offered, answered, hung up, dispositioned, breaks taken); after each step its
  ``StatsPublisher`` computes the 5012 delta and its ``SocketHub`` wraps it in Five9's envelope,
  exactly as the supervisor socket would send it. The 5000 snapshot comes from the same code.
* Genesys: the emulator's Genesys org runs its scenario; every state change goes through the
  emulator's ``TopicFanout`` and topic body renderers into ``event_frame`` envelopes (presence,
  routing status, activity, conversations, queue observations, detail events).

Everything is deterministic (seeded ids, scripted steps); only timestamps follow the clock.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

__all__ = ["five9_frames", "five9_snapshot_for_agents", "genesys_frames"]


class _Clock:
    """What the Five9 plugin needs of its context when it runs without a server: the clock,
    a base URL and no simulated center (the benchmark frames come from its own script)."""

    base_url = "http://127.0.0.1:8470"
    simulation = None

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


def five9_frames(steps: int = 60, *, final_snapshot: bool = False) -> tuple[str, list[str]]:
    """The 5000 snapshot and the 5012 deltas of ``steps`` scenario steps (empty ones
    skipped), as the emulator's supervisor socket sends them. The snapshot is the one before
    the steps, or after them with ``final_snapshot``."""
    from cxkit.emulator.five9.plugin import Five9Plugin

    plugin = Five9Plugin()
    plugin.core.attach(_Clock())  # type: ignore[arg-type]
    plugin.core.build()
    plugin._wire()  # the plugin's own rebuild after attach, as setup() does
    hub = plugin.hub
    snapshot = hub.frame("5000", plugin.core.publisher.snapshot(), reason="UPDATED")
    deltas: list[str] = []
    for _ in range(steps):
        plugin.scenario.step()
        payload = plugin.core.publisher.compute_delta()
        if payload:
            deltas.append(
                hub.frame(
                    "5012",
                    payload,
                    reason="UPDATED",
                    broadcast=True,
                    message_id=hub._message_id(),
                )
            )
    if final_snapshot:
        snapshot = hub.frame("5000", plugin.core.publisher.snapshot(), reason="UPDATED")
    return snapshot, deltas


def five9_snapshot_for_agents(agents: int) -> str:
    """A 5000 frame with ``agents`` agents: AGENT_STATE and AGENT_STATISTIC rows cloned (new
    ids) from the rows the emulator renders for its scenario agents (logged in, on calls, on a
    break), plus its other tables (queues, campaigns) as they are."""
    snapshot, _ = five9_frames(steps=14, final_snapshot=True)
    frame = msgspec.json.decode(snapshot)
    blocks: dict[str, list[dict[str, Any]]] = {
        block["dataSource"]: block["data"] for block in frame["payLoad"]
    }
    cloned: dict[str, list[dict[str, Any]]] = {}
    for source in ("AGENT_STATE", "AGENT_STATISTIC"):
        templates = [row for row in blocks.get(source, []) if row.get("id")]
        totals = [row for row in blocks.get(source, []) if not row.get("id")]
        rows = []
        for n in range(agents):
            row = dict(templates[n % len(templates)])
            row["id"] = str(4_000_000 + n)
            if "userId" in row:
                row["userId"] = row["id"]
                row["userName"] = f"agent{n}@bench.example"
            rows.append(row)
        cloned[source] = totals + rows
    frame["payLoad"] = [
        {"dataSource": source, "data": cloned.get(source, rows)} for source, rows in blocks.items()
    ]
    return msgspec.json.encode(frame).decode()


def genesys_frames(steps: int = 200) -> list[str]:
    """Topic-event frames of ``steps`` Genesys scenario steps."""
    from cxkit.emulator.genesys.fanout import TopicFanout
    from cxkit.emulator.genesys.ids import new_correlation_id
    from cxkit.emulator.genesys.runtime import Runtime
    from cxkit.emulator.genesys.scenario import Scenario
    from cxkit.emulator.genesys.settings import GenesysOptions
    from cxkit.emulator.genesys.topics import event_frame
    from cxkit.emulator.tenant import DEMO

    frames: list[str] = []

    class Capture:
        """Stands in for the emulator's hub: every topic has a listener."""

        def publish(
            self,
            topic: str,
            body: Any,
            *,
            also: Any = (),
            event_type: str | None = None,
        ) -> int:
            payload = body() if callable(body) else body
            frames.append(event_frame(topic, payload, new_correlation_id(), event_type))
            return 1

    runtime = Runtime(DEMO.genesys, GenesysOptions(), 0)
    runtime.state.add_observer(TopicFanout(runtime.state, Capture()))  # type: ignore[arg-type]
    Scenario(runtime).step(steps)
    return frames
