"""Memory: what a client holds for 10,000 notification topics and for 10,000 agents.

Each figure comes from a fresh worker process: RSS before (after imports and set-up) and after
(``gc.collect()`` first), and the difference.

* **NotificationHub, 10,000 topics**: a :class:`~cxkit.genesys.GenesysClient` against the
  emulator (its own process) subscribes ``v2.users.<id>.presence`` and ``.routingStatus`` for
  5,000 users through a :class:`~cxkit.genesys.NotificationHub`: combined topics, 10 channels
  of 1,000 topics, 10 open sockets.
* **StatsCache, 10,000 agents**: a Five9 5000 snapshot with 10,000 agents (AGENT_STATE,
  AGENT_STATISTIC rows cloned from the emulator's rendering) decoded by
  :func:`~cxkit.five9.decode_event` and applied to a :class:`~cxkit.five9.StatsCache`; the
  frame and the event are dropped before measuring. For comparison, the same rows kept the
  peer way (``json.loads`` dicts in a dict per data source).
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
from pathlib import Path
from typing import Any

from bench._util import Section, emulator, rss_bytes, run_worker, worker_entry

__all__ = ["main", "run"]

TOPICS = 10_000
AGENTS = 10_000


def _user_id(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-{n:012x}"


async def _hub_main(args: dict[str, Any]) -> dict[str, Any]:
    from cxkit.genesys import GenesysClient, NotificationHub

    topics = [
        f"v2.users.{_user_id(n)}.{suffix}"
        for n in range(args["topics"] // 2)
        for suffix in ("presence", "routingStatus")
    ]
    async with GenesysClient(
        base_url=args["url"], client_id=args["client_id"], client_secret=args["client_secret"]
    ) as client:
        await client.login()
        await client.notifications.channels()  # the HTTP session and its pool exist
        gc.collect()
        before = rss_bytes()
        hub = NotificationHub(client)
        try:
            await hub.subscribe(topics)
            gc.collect()
            after = rss_bytes()
            held = len(hub.topics)
            channels = len(hub.channels)
        finally:
            await hub.close()
    return {"before": before, "after": after, "topics": held, "channels": channels}


def _hub_worker(args: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_hub_main(args))


def _cache_worker(args: dict[str, Any]) -> dict[str, Any]:
    import json

    from cxkit.five9 import StatsCache, decode_event

    path = Path(args["frame"])
    gc.collect()
    before = rss_bytes()
    frame = path.read_text()
    if args["client"] == "cxkit":
        cache = StatsCache()
        event = decode_event(frame)
        cache.apply(event)
        agents = len(cache.table("AGENT_STATE"))
        del event
    else:  # the peer way: json.loads, a dict of row dicts per data source
        tables: dict[str, dict[str, Any]] = {}
        for block in json.loads(frame)["payLoad"]:
            tables[block["dataSource"]] = {row["id"]: row for row in block["data"]}
        agents = len(tables["AGENT_STATE"])
    del frame
    gc.collect()
    after = rss_bytes()
    return {"before": before, "after": after, "agents": agents}


def run(quick: bool = False) -> Section:
    """Measure both figures (tiny sizes with ``quick``)."""
    from bench.frames import five9_snapshot_for_agents

    topics = 200 if quick else TOPICS
    agents = 200 if quick else AGENTS
    section = Section(
        "Client memory (fresh process, RSS)", ["RSS before", "RSS after", "held", "per item"]
    )

    def add(name: str, got: dict[str, Any], items: int, what: str) -> None:
        added = got["after"] - got["before"]
        section.add(
            name,
            {
                "RSS before": f"{got['before'] / 2**20:.1f} MiB",
                "RSS after": f"{got['after'] / 2**20:.1f} MiB",
                "held": f"{added / 2**20:.1f} MiB",
                "per item": f"{added / max(items, 1):,.0f} B/{what}",
            },
        )

    with emulator() as (_proc, info):
        cc = info["vendors"]["genesys"]["tenant"]["clientCredentials"]
        got = run_worker(
            "memory_bench",
            {
                "kind": "hub",
                "url": info["base_url"],
                "client_id": cc["clientId"],
                "client_secret": cc["clientSecret"],
                "topics": topics,
            },
        )
    add(
        f"NotificationHub, {got['topics']:,} topics on {got['channels']} channels",
        got,
        got["topics"],
        "topic",
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.json"
        path.write_text(five9_snapshot_for_agents(agents))
        size = path.stat().st_size
        for client, label in (("cxkit", "StatsCache"), ("peer", "peer-style dict cache")):
            got = run_worker(
                "memory_bench", {"kind": "cache", "client": client, "frame": str(path)}
            )
            add(f"{label}, {got['agents']:,} agents", got, got["agents"], "agent")
    section.notes.append(
        f"the agents arrive in one 5000 snapshot of {size / 2**20:.1f} MiB "
        "(AGENT_STATE + AGENT_STATISTIC rows); frame and event dropped before "
        "the second reading"
    )
    return section


def main(quick: bool = False) -> str:
    """Run and return the section as text."""
    return run(quick).text()


if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker_entry({"hub": _hub_worker, "cache": _cache_worker})
    else:
        print(main("--quick" in sys.argv))
