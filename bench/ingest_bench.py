"""Event ingest: one client reading a socket that pushes realistic frames as fast as it can.

Three clients read the same frames from :mod:`bench.firehose` (a separate process that costs
the server well under a microsecond per frame, so the client is the limit):

* **cxkit** -- the product path. Five9: :class:`~cxkit.five9.Five9EventStream` over a
  :class:`~cxkit.five9.protocol.SupervisorStreamSession` (what ``Five9Client.supervisor_stream``
  builds, with its default ``unified=None``): typed decode, :class:`~cxkit.five9.StatsCache`
  applied, one handler on event 5012 (no handler consumes unified events, so none are built,
  as in the product). An extra Five9 row, **cxkit + unified**, also builds the vendor-neutral
  agent-state and queue-statistics events of every frame and hands them to two more
  handlers: the work a wallboard or a bridge asks for, which the peers do not do at all.
  Genesys: a :class:`~cxkit.genesys.Channel` adopting the channel
  (typed :class:`~cxkit.genesys.TopicEvent`, dispatch, one handler on ``"topic"``).
* **peer-style** -- written the way the community clients are: ``websockets`` (its asyncio
  client, defaults), ``json.loads``, a dict of handlers by event id / topic. Five9's 5000/5012
  are applied to a dict-of-dicts statistics cache, as the peers do.
* **raw limit** -- aiohttp's WebSocket receive plus ``msgspec.json.decode`` and nothing else.

Each client runs in its own process; events/s and CPU per event are taken between event
``warmup`` and the last one. Rounds are interleaved (the order rotates); a ratio is the median
of the per-round ratios, so a noisy neighbour hurts every client of a round alike and a
disturbed round is outvoted.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench._util import Proc, Ratio, Section, fmt, run_worker, worker_entry

__all__ = ["CLIENTS", "VENDORS", "main", "measure", "run"]

CLIENTS = ("cxkit", "peer", "raw")
VENDORS = ("five9", "genesys")
EXTRA_CLIENTS: dict[str, tuple[str, ...]] = {"five9": ("cxkit-unified",)}
"""Rows shown beside the targets (no target of their own), per vendor."""
_LABELS = {
    "cxkit": "cxkit (typed + cache + handler)",
    "cxkit-unified": "cxkit + unified events (2 more handlers)",
    "peer": "peer-style (websockets + json)",
    "raw": "raw limit (aiohttp + msgspec)",
}


class Meter:
    """Counts events; clocks wall and CPU time between event ``warmup`` and event ``count``."""

    def __init__(self, count: int, warmup: int) -> None:
        self.count = count
        self.warmup = max(1, min(warmup, count - 1)) if count > 1 else 0
        self.seen = 0
        self.done = asyncio.Event()
        self._t0 = self._c0 = self._t1 = self._c1 = 0.0

    def hit(self, _event: Any = None) -> None:
        """The handler: one event."""
        self.seen += 1
        if self.seen == self.warmup:
            self._t0, self._c0 = time.perf_counter(), time.process_time()
        if self.seen == self.count:
            self._t1, self._c1 = time.perf_counter(), time.process_time()
            self.done.set()

    def result(self) -> dict[str, float]:
        """events, wall, cpu, events/s, CPU µs per event (of the measured window)."""
        events = self.count - self.warmup
        wall = max(self._t1 - self._t0, 1e-9)
        cpu = self._c1 - self._c0
        return {
            "events": events,
            "wall": wall,
            "cpu": cpu,
            "rate": events / wall,
            "cpu_us": cpu / max(events, 1) * 1e6,
        }


# --------------------------------------------------------------------------- clients


async def _cxkit_five9(url: str, meter: Meter, *, unified: bool = False) -> dict[str, Any]:
    from cxkit.core.session import ConnectTarget
    from cxkit.five9 import Five9EventStream, StatsCache
    from cxkit.five9.protocol import ConnectRequest, SupervisorStreamSession

    async def target(_request: ConnectRequest) -> ConnectTarget:
        return ConnectTarget(url=url)

    cache = StatsCache()
    # unified=None: the client's default ("auto", built once something consumes them).
    stream = Five9EventStream(SupervisorStreamSession(target, stats=cache, unified=None))
    stream.on_event(5012, meter.hit)
    derived = 0
    if unified:

        def consume(_event: Any) -> None:
            nonlocal derived
            derived += 1

        stream.on("agent.state", consume)  # switches the unified events on
        stream.on("queue.statistics", consume)
    async with stream:
        await meter.done.wait()
    extra = {"agents": len(cache.table("AGENT_STATE")), "malformed": stream.stats.malformed}
    return {**extra, "unified": derived} if unified else extra


async def _cxkit_genesys(url: str, meter: Meter) -> dict[str, Any]:
    from cxkit.genesys import Channel, GenesysClient
    from cxkit.genesys.models import NotificationChannel

    http_base = url.replace("ws://", "http://", 1).split("/", 3)
    client = GenesysClient(base_url="/".join(http_base[:3]), access_token="bench")
    channel = Channel(client, channel=NotificationChannel(id="bench", connect_uri=url))
    typed = 0

    def handler(event: Any) -> None:
        nonlocal typed
        typed += event.typed
        meter.hit(event)

    channel.on("topic", handler)
    try:
        await channel.open()
        await meter.done.wait()
    finally:
        await channel.close()
        await client.close()
    return {"typed": typed}


async def _peer(vendor: str, url: str, meter: Meter) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    tables: dict[str, dict[str, Any]] = {}

    def on_snapshot(data: dict[str, Any]) -> None:
        for block in data.get("payLoad") or ():
            tables[block["dataSource"]] = {row["id"]: row for row in block.get("data") or ()}

    def on_delta(data: dict[str, Any]) -> None:
        for block in data.get("payLoad") or ():
            table = tables.setdefault(block["dataSource"], {})
            for row in (block.get("added") or []) + (block.get("updated") or []):
                table[row["id"]] = row
            for row_id in block.get("removed") or ():
                table.pop(row_id, None)
        meter.hit(data)

    five9_handlers: dict[str, Callable[[dict[str, Any]], None]] = {
        "5000": on_snapshot,
        "5012": on_delta,
    }
    async with connect(url, max_size=None) as ws:
        if vendor == "five9":
            async for message in ws:
                data = json.loads(message)
                handler = five9_handlers.get(data["context"]["eventId"])
                if handler is not None:
                    handler(data)
                if meter.done.is_set():
                    break
        else:
            async for message in ws:
                data = json.loads(message)
                if data.get("topicName") != "channel.metadata":
                    meter.hit(data)
                if meter.done.is_set():
                    break
    return {"agents": len(tables.get("AGENT_STATE", {}))} if vendor == "five9" else {}


async def _raw(url: str, meter: Meter) -> dict[str, Any]:
    import aiohttp
    import msgspec

    decode = msgspec.json.decode
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        async for msg in ws:
            decode(msg.data)
            meter.hit()
            if meter.done.is_set():
                break
    return {}


async def measure(
    client: str, vendor: str, url: str, count: int, warmup: int, *, timeout: float = 120.0
) -> dict[str, Any]:
    """Run one client on ``url`` until ``count`` events were handled; figures + extras."""
    return await asyncio.wait_for(_measure(client, vendor, url, count, warmup), timeout)


async def _measure(client: str, vendor: str, url: str, count: int, warmup: int) -> dict[str, Any]:
    # The raw client also counts the Five9 snapshot frame: one more to reach `count` deltas
    # (and the same deltas in the timed window as the other clients).
    extra_frame = 1 if client == "raw" and vendor == "five9" else 0
    meter = Meter(count + extra_frame, warmup + extra_frame)
    if client == "cxkit":
        extra = await (_cxkit_five9 if vendor == "five9" else _cxkit_genesys)(url, meter)
    elif client == "cxkit-unified" and vendor == "five9":
        extra = await _cxkit_five9(url, meter, unified=True)
    elif client == "peer":
        extra = await _peer(vendor, url, meter)
    elif client == "raw":
        extra = await _raw(url, meter)
    else:
        raise ValueError(f"unknown client {client!r}")
    return {**meter.result(), **extra}


def _worker(args: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(
        measure(args["client"], args["vendor"], args["url"], args["count"], args["warmup"])
    )


# --------------------------------------------------------------------------- instructions

# Events per run for the instruction counts: the per-event figure is the difference of two
# runs divided by the difference of their lengths, so start-up (imports, connect) cancels out.
_CG_COUNTS = {"five9": (500, 2_500), "genesys": (2_000, 12_000)}


def _instructions_of_run(client: str, vendor: str, port: int, count: int) -> int:
    """Instructions (valgrind callgrind's ``Ir``) of one client process handling ``count``
    events."""
    import re
    import subprocess
    import tempfile

    from bench._util import PYTHON

    url = f"ws://127.0.0.1:{port}/{vendor}?count={count}"
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/callgrind.out",
                PYTHON,
                "-m",
                "bench.ingest_bench",
                "once",
                client,
                vendor,
                url,
                str(count),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind run failed ({done.returncode}): {done.stderr[-2000:]}")
    return int(found.group(1))


def instructions_per_event(client: str, vendor: str, port: int) -> float:
    """Instructions per event of ``client``: deterministic where wall time on a shared
    machine is not (the same figure within ~1 % run after run)."""
    short, long = _CG_COUNTS[vendor]
    first = _instructions_of_run(client, vendor, port, short)
    second = _instructions_of_run(client, vendor, port, long)
    return (second - first) / (long - short)


def _instruction_counts(port: int) -> dict[tuple[str, str], float] | None:
    """Instructions per event of every (client, vendor), or None without valgrind."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    if shutil.which("valgrind") is None:
        return None
    pairs = [(client, vendor) for vendor in VENDORS for client in _clients(vendor)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # one valgrind per core
        counted = pool.map(lambda pair: instructions_per_event(*pair, port), pairs)
        return dict(zip(pairs, counted, strict=True))


# --------------------------------------------------------------------------- orchestration


def _clients(vendor: str) -> tuple[str, ...]:
    return CLIENTS + EXTRA_CLIENTS.get(vendor, ())


def run(quick: bool = False) -> Section:
    """Run every client on both vendors in interleaved rounds.

    The ratios are the median of per-round ratios: within a round the clients run back to
    back on the same frames, so a slow phase of the shared machine hits them alike; the
    median then drops the rounds a neighbour disturbed. The table shows each client's median
    round."""
    from bench._util import PYTHON

    # Five rounds: on a shared 2-core machine a round in three can be disturbed (the
    # firehose and the client share the cores, and so do other tenants).
    rounds = 1 if quick else 5
    counts = {"five9": 300, "genesys": 600} if quick else {"five9": 15_000, "genesys": 40_000}
    warmup = 50 if quick else 2_000
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with Proc([PYTHON, "-m", "bench.firehose"]) as server:
        hello = server.read(120)
        port = hello["port"]
        for number in range(rounds):
            for vendor in VENDORS:
                clients = _clients(vendor)
                turn = number % len(clients)
                order = clients[turn:] + clients[:turn]
                url = f"ws://127.0.0.1:{port}/{vendor}?count={counts[vendor]}"
                for client in order:
                    got = run_worker(
                        "ingest_bench",
                        {
                            "kind": "measure",
                            "client": client,
                            "vendor": vendor,
                            "url": url,
                            "count": counts[vendor],
                            "warmup": warmup,
                        },
                    )
                    runs.setdefault((client, vendor), []).append(got)
        counted = None if quick else _instruction_counts(port)
    columns = ["events/s", "CPU us/event", "vs peer", "vs raw"]
    if counted is not None:
        columns += ["instructions/event", "vs peer (instr.)", "vs raw (instr.)"]
    section = Section(
        "Event ingest (one socket, frames pushed as fast as the client reads)", columns
    )
    for vendor in VENDORS:

        def per_round(client: str, reference: str, vendor: str = vendor) -> float:
            pairs = zip(runs[(client, vendor)], runs[(reference, vendor)], strict=True)
            return statistics.median(a["rate"] / b["rate"] for a, b in pairs)

        for client in _clients(vendor):
            rates = [got["rate"] for got in runs[(client, vendor)]]
            median = sorted(runs[(client, vendor)], key=lambda got: got["rate"])[len(rates) // 2]
            cells = {
                "events/s": fmt(median["rate"]),
                "CPU us/event": fmt(median["cpu_us"]),
                "vs peer": f"{per_round(client, 'peer'):.2f}x",
                "vs raw": f"{per_round(client, 'raw'):.2f}x",
            }
            if counted is not None:
                mine = counted[(client, vendor)]
                cells["instructions/event"] = fmt(mine)
                cells["vs peer (instr.)"] = f"{counted[('peer', vendor)] / mine:.2f}x"
                cells["vs raw (instr.)"] = f"{counted[('raw', vendor)] / mine:.2f}x"
            section.add(f"{vendor}: {_LABELS[client]}", cells)
        peer_ratio, raw_ratio = per_round("cxkit", "peer"), per_round("cxkit", "raw")
        section.ratios.append(Ratio(f"{vendor} cxkit / peer-style", peer_ratio, 2.0))
        section.ratios.append(Ratio(f"{vendor} cxkit / raw limit", raw_ratio, 0.6))
        if counted is not None:
            cx = counted[("cxkit", vendor)]
            peer_work, raw_work = counted[("peer", vendor)] / cx, counted[("raw", vendor)] / cx
            section.ratios.append(Ratio(f"{vendor} cxkit / peer-style (instr.)", peer_work, 2.0))
            section.ratios.append(Ratio(f"{vendor} cxkit / raw limit (instr.)", raw_work, 0.6))
    section.notes.append(
        f"frames: Five9 5012 deltas of the emulator's scenario, mean "
        f"{hello['five9_mean_bytes']:,.0f} B (after one {hello['five9_snapshot_bytes']:,.0f} B "
        f"5000); Genesys topic events, mean {hello['genesys_mean_bytes']:,.0f} B; "
        f"{counts['five9']:,} / {counts['genesys']:,} events per run, first {warmup:,} not "
        f"timed; {rounds} interleaved round(s), ratios = median of the per-round ratios"
    )
    if counted is not None:
        section.notes.append(
            "instructions per event: valgrind callgrind, the difference of two runs ("
            + "; ".join(f"{v} {a:,} and {b:,} events" for v, (a, b) in _CG_COUNTS.items())
            + "); the same figure run after run, where events/s on a shared 2-core VM moves "
            "by +-20 %; ratio = the other client's instructions / cxkit's"
        )
    return section


def main(quick: bool = False) -> str:
    """Run and return the section as text."""
    return run(quick).text()


if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker_entry({"measure": _worker})
    elif len(sys.argv) > 1 and sys.argv[1] == "once":  # one run, for callgrind
        _client, _vendor, _url, _count = sys.argv[2:6]
        asyncio.run(measure(_client, _vendor, _url, int(_count), min(100, int(_count) - 1)))
    else:
        print(main("--quick" in sys.argv))
