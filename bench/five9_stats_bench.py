"""Five9 supervisor feed: cxkit's decode + StatsCache + one handler vs json.loads + dicts.

Run: ``.venv/bin/python bench/five9_stats_bench.py``

Both sides do the same job for each 5012 frame: parse it, upsert the changed rows into a
per-data-source table, and call one handler. The peer is what a hand-written client does
(``json.loads`` and dict bookkeeping). cxkit runs the real sans-I/O supervisor session
(:meth:`SupervisorStreamSession.receive_text`: ring buffer, decode, cache, unified events)
and dispatches each event the way the stream runner does (``event_kinds`` + handler lookup).

Scenarios for cxkit:

* ``pipeline``: :func:`cxkit.five9.decode_event` + :meth:`StatsCache.apply` (no unified
  events) + the handler called with the event -- decode, cache, one handler;
* ``by-id``: the whole supervisor session (ring buffer, keepalive bookkeeping, the Step the
  runner consumes) and a runner-like dispatch to a handler of ``"5012"``; unified events
  stay off ("auto" mode, nobody consumes them);
* ``unified``: as ``by-id`` with the handler on ``"queue.statistics"``, so every changed
  queue row also becomes a :class:`cxkit.events.QueueStatisticsUpdated` that is dispatched
  too (two events per frame instead of one).

Timings are the best of many interleaved rounds (the machine's noise only ever adds time);
the ratio is peer time / cxkit time, measured in the same run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from cxkit.core.session import ConnectTarget
from cxkit.events import BaseEvent
from cxkit.five9.events import decode_event
from cxkit.five9.protocol import ConnectRequest, SupervisorStreamSession
from cxkit.five9.stats import StatsCache

CONTEXT = {
    "eventId": "5012",
    "eventReason": "UPDATED",
    "messageId": "210977:3:4:5:149:1115",
    "userId": None,
    "correlationId": None,
    "userName": None,
    "timeStamp": 1697194349427,
    "tenantId": "123456",
    "broadCast": True,
}


def _acd_row(i: int, *, full: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": ("300000000000171", "300000000000127", "300000000000125")[i % 3],
        "callsInQueue": i % 7,
        "agentsLoggedIn": 5,
        "agentsInQueue": i % 3,
        "agentsOnCall": 2,
        "agentsNotReadyForCalls": 1,
        "longestQueueTime": 1000 * i,
        "currentLongestQueueTime": 1000 * i,
    }
    if full:  # every field of the GO fixture's ACD_STATUS rows
        row.update(
            callbacksInQueue=0,
            voicemailsInQueue=0,
            voicemailsInProgress=0,
            voicemailsTotal=0,
            agentsInVoicemailQueue=0,
            agentsActive=4,
            vivrCallsInQueue=0,
        )
    return row


def frames(*, full: bool, count: int = 300) -> list[str]:
    """Compact 5012 frames, each updating one queue row (values change every frame)."""
    return [
        json.dumps(
            {
                "context": CONTEXT,
                "payLoad": [
                    {
                        "dataSource": "ACD_STATUS",
                        "added": [],
                        "updated": [_acd_row(i, full=full)],
                        "removed": [],
                    }
                ],
            },
            separators=(",", ":"),
        )
        for i in range(count)
    ]


def peer(batch: list[str]) -> float:
    """json.loads + dict tables + one handler, registered by event id (as the Five9 Python
    pack's handler registry does)."""
    tables: dict[str, dict[str, Any]] = {}
    seen: list[Any] = []
    handlers: dict[str, Callable[[Any], Any]] = {"5012": seen.append}
    started = time.perf_counter()
    for frame in batch:
        message = json.loads(frame)
        event_id = message["context"]["eventId"]
        if event_id == "5012":
            for block in message["payLoad"]:
                table = tables.setdefault(block["dataSource"], {})
                for row in block["added"]:
                    table[row["id"]] = row
                for row in block["updated"]:
                    table[row["id"]] = row
                for row_id in block["removed"]:
                    table.pop(row_id, None)
        handler = handlers.get(event_id)
        if handler is not None:
            handler(message)
    return time.perf_counter() - started


def pipeline(batch: list[str]) -> float:
    """decode_event + StatsCache + one handler (the public pieces, no session)."""
    cache = StatsCache()
    seen: list[Any] = []
    handler = seen.append
    started = time.perf_counter()
    for frame in batch:
        event = decode_event(frame)
        cache.apply(event, emit=False)
        handler(event)
    elapsed = time.perf_counter() - started
    assert len(cache.table("ACD_STATUS")) == 3
    return elapsed


async def _no_target(request: ConnectRequest) -> ConnectTarget:
    raise AssertionError("the benchmark never connects")


def cxkit(batch: list[str], kind: str) -> float:
    """The real supervisor session + a runner-like dispatch to one handler."""
    session = SupervisorStreamSession(_no_target, unified=None)
    if kind != "5012":
        session.want_unified()
    seen: list[Any] = []
    handlers: dict[str, list[Callable[[Any], Any]]] = {kind: [seen.append]}
    kinds_of = session.event_kinds
    lookup = handlers.get
    started = time.perf_counter()
    for frame in batch:
        for event in session.receive_text(frame, 0.0).events:
            for name in kinds_of(event):
                for handler in lookup(name, ()):
                    handler(event)
            if isinstance(event, BaseEvent):
                for handler in lookup(event.event_kind, ()):
                    handler(event)
            for handler in lookup("*", ()):
                handler(event)
    elapsed = time.perf_counter() - started
    assert seen, "the handler was never called"
    return elapsed


def main(rounds: int = 60) -> None:
    """Print per-frame times and ratios for a short and a full-row frame."""
    for label, full in (("short row", False), ("full row", True)):
        batch = frames(full=full)
        runs: dict[str, Callable[[list[str]], float]] = {
            "peer": peer,
            "pipeline": pipeline,
            "by-id": lambda b: cxkit(b, "5012"),
            "unified": lambda b: cxkit(b, "queue.statistics"),
        }
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(rounds):
            for name, run in runs.items():
                best[name] = min(best[name], run(batch))
        per = {k: v / len(batch) * 1e6 for k, v in best.items()}
        print(f"5012 frame, {label}, {len(batch[0])} bytes:")
        print(f"  json.loads + dicts + handler        {per['peer']:6.2f} us/frame")
        for name in ("pipeline", "by-id", "unified"):
            ratio = best["peer"] / best[name]
            print(f"  cxkit {name:<9} + handler          {per[name]:6.2f} us/frame  {ratio:4.2f}x")


if __name__ == "__main__":
    main()
