"""Genesys REST: the official SDK vs cxkit sync vs cxkit async, on the emulator.

The emulator runs in its own process (``cxkit emulator serve --port 0 --json``, rate limits
raised, 100 users); each client runs in a fresh worker process, so its CPU time is its own.
Two workloads, the same for every client:

* ``GET /api/v2/routing/queues/{id}`` in a loop;
* the whole users listing, page after page (``pageSize=25``: 4 requests per listing).

Clients: the official ``PureCloudPlatformClientV2`` (sequential, as it is used: a blocking
API), cxkit through :func:`cxkit.sync.syncify` (sequential, written the natural way:
``client.routing.get_queue(id)``), and cxkit async with 16 requests in flight. Figures:
requests/s and client CPU per request (process CPU time / requests), plus the emulator's CPU
per request (it tells when the server, not the client, is the limit). Rounds are
interleaved; the ratios are the median of the per-round ratios.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench._util import (
    Ratio,
    Section,
    cpu_seconds,
    emulator,
    fmt,
    run_worker,
    sdk_environment,
    worker_entry,
)

__all__ = ["CLIENTS", "main", "run"]

CLIENTS = ("sdk", "sync", "async")
WORKLOADS = ("queue", "users")
CONCURRENCY = 16
PAGE_SIZE = 25
USERS = 100
_LABELS = {
    "sdk": "official SDK (sequential)",
    "sync": "cxkit sync (syncify)",
    "async": f"cxkit async ({CONCURRENCY} in flight)",
}
_WORKLOAD_LABELS = {
    "queue": "GET queue",
    "users": f"users listing ({USERS // PAGE_SIZE} pages)",
}


class _Clock:
    """Wall, client CPU and emulator CPU over one timed workload."""

    def __init__(self, emulator_pid: int) -> None:
        self._pid = emulator_pid
        self._t = time.perf_counter()
        self._c = time.process_time()
        self._e = cpu_seconds(emulator_pid)

    def stop(self, requests: int) -> dict[str, float]:
        wall = time.perf_counter() - self._t
        cpu = time.process_time() - self._c
        emu = cpu_seconds(self._pid) - self._e
        return {
            "requests": requests,
            "wall": wall,
            "rate": requests / wall,
            "cpu_us": cpu / max(requests, 1) * 1e6,
            "emu_us": emu / max(requests, 1) * 1e6,
            "emu_util": emu / wall,
        }


def _timed_loop(seconds: float, emulator_pid: int, call: Callable[[], int]) -> dict[str, float]:
    """Call ``call`` (which returns the requests it made) until ``seconds`` passed."""
    clock = _Clock(emulator_pid)
    deadline = time.perf_counter() + seconds
    requests = 0
    while time.perf_counter() < deadline:
        requests += call()
    return clock.stop(requests)


# --------------------------------------------------------------------------- workers


def _sdk_worker(args: dict[str, Any]) -> dict[str, Any]:
    import PureCloudPlatformClientV2 as sdk  # type: ignore[import-untyped]

    client = sdk.api_client.ApiClient(host=args["url"])
    client.get_client_credentials_token(args["client_id"], args["client_secret"])
    routing, users = sdk.RoutingApi(client), sdk.UsersApi(client)
    queue_id = args["queue_id"]

    def get_queue() -> int:
        queue = routing.get_routing_queue(queue_id)
        assert queue.id == queue_id
        return 1

    def list_users() -> int:
        page, seen = 1, 0
        while True:
            listing = users.get_users(page_size=PAGE_SIZE, page_number=page)
            seen += len(listing.entities)
            if page >= listing.page_count:
                break
            page += 1
        assert seen == USERS, seen
        return page

    for _ in range(20):  # connection, token, lazy imports
        get_queue()
    list_users()
    return {
        "queue": _timed_loop(args["seconds"], args["emulator_pid"], get_queue),
        "users": _timed_loop(args["seconds"], args["emulator_pid"], list_users),
    }


def _sync_worker(args: dict[str, Any]) -> dict[str, Any]:
    from cxkit.genesys import GenesysClient
    from cxkit.sync import syncify

    client = syncify(
        GenesysClient(
            base_url=args["url"], client_id=args["client_id"], client_secret=args["client_secret"]
        )
    )
    queue_id = args["queue_id"]

    def get_queue() -> int:
        queue = client.routing.get_queue(queue_id)
        assert queue.id == queue_id
        return 1

    def list_users() -> int:
        pages = seen = 0
        for page in client.users.iter(page_size=PAGE_SIZE).pages():
            pages += 1
            seen += len(page.entities)
        assert seen == USERS, seen
        return pages

    try:
        for _ in range(20):
            get_queue()
        list_users()
        return {
            "queue": _timed_loop(args["seconds"], args["emulator_pid"], get_queue),
            "users": _timed_loop(args["seconds"], args["emulator_pid"], list_users),
        }
    finally:
        client.close()


async def _async_main(args: dict[str, Any]) -> dict[str, Any]:
    from cxkit.genesys import GenesysClient

    queue_id, seconds, pid = args["queue_id"], args["seconds"], args["emulator_pid"]
    async with GenesysClient(
        base_url=args["url"], client_id=args["client_id"], client_secret=args["client_secret"]
    ) as client:

        async def get_queue() -> int:
            queue = await client.routing.get_queue(queue_id)
            assert queue.id == queue_id
            return 1

        async def list_users() -> int:
            pages = seen = 0
            async for page in client.users.iter(page_size=PAGE_SIZE).pages():
                pages += 1
                seen += len(page.entities)
            assert seen == USERS, seen
            return pages

        async def timed(call: Callable[[], Any]) -> dict[str, float]:
            count = 0
            deadline = time.perf_counter() + seconds

            async def lane() -> None:
                nonlocal count
                while time.perf_counter() < deadline:
                    made = await call()  # never `count += await ...`: lanes would race
                    count += made

            clock = _Clock(pid)
            await asyncio.gather(*(lane() for _ in range(CONCURRENCY)))
            return clock.stop(count)

        await asyncio.gather(*(get_queue() for _ in range(CONCURRENCY * 2)))
        await list_users()
        return {"queue": await timed(get_queue), "users": await timed(list_users)}


def _async_worker(args: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_async_main(args))


# --------------------------------------------------------------------------- orchestration


def _queue_id(base_url: str, client_id: str, client_secret: str) -> str:
    from cxkit.genesys import GenesysClient

    async def first_queue() -> str:
        async with GenesysClient(
            base_url=base_url, client_id=client_id, client_secret=client_secret
        ) as client:
            listing = await client.routing.list_queues(page_size=1)
            return str(listing.entities[0].id)

    return asyncio.run(first_queue())


def run(quick: bool = False, *, include_sdk: bool = True) -> Section:
    """Run the three clients on both workloads in interleaved rounds.

    The ratios are the median of per-round ratios (the clients of a round run back to back,
    so a slow phase of the shared machine hits them alike); the table shows each client's
    median round."""
    rounds = 1 if quick else 5
    seconds = 0.3 if quick else 2.0
    clients = CLIENTS if include_sdk else CLIENTS[1:]
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    with emulator({"users": USERS}) as (proc, info):
        tenant = info["vendors"]["genesys"]["tenant"]["clientCredentials"]
        base = info["base_url"]
        common = {
            "url": base,
            "client_id": tenant["clientId"],
            "client_secret": tenant["clientSecret"],
            "queue_id": _queue_id(base, tenant["clientId"], tenant["clientSecret"]),
            "seconds": seconds,
            "emulator_pid": proc.pid,
        }
        for number in range(rounds):
            order = clients[number % len(clients) :] + clients[: number % len(clients)]
            for client in order:
                got = run_worker(
                    "rest_bench",
                    {**common, "kind": client},
                    env=sdk_environment() if client == "sdk" else None,
                )
                for workload in WORKLOADS:
                    runs.setdefault((client, workload), []).append(got[workload])

    def median_round(key: tuple[str, str]) -> dict[str, float]:
        ordered = sorted(runs[key], key=lambda got: got["rate"])
        return ordered[len(ordered) // 2]

    def ratio(client: str, reference: str, workload: str, figure: str = "rate") -> float:
        pairs = zip(runs[(client, workload)], runs[(reference, workload)], strict=True)
        if figure == "rate":
            return statistics.median(a["rate"] / b["rate"] for a, b in pairs)
        return statistics.median(b[figure] / a[figure] for a, b in pairs)

    section = Section(
        "Genesys REST (emulator in its own process)",
        ["req/s", "client CPU us/req", "emulator CPU us/req", "emulator busy", "vs SDK"],
    )
    reference = "sdk" if include_sdk else "sync"
    for workload in WORKLOADS:
        for client in clients:
            got = median_round((client, workload))
            section.add(
                f"{_WORKLOAD_LABELS[workload]}: {_LABELS[client]}",
                {
                    "req/s": fmt(got["rate"]),
                    "client CPU us/req": fmt(got["cpu_us"]),
                    "emulator CPU us/req": fmt(got["emu_us"]),
                    "emulator busy": f"{got['emu_util']:.0%}",
                    "vs SDK": f"{ratio(client, reference, workload):.2f}x",
                },
            )
        if include_sdk:
            label = _WORKLOAD_LABELS[workload]
            for client, target in (("async", 5.0), ("sync", 1.5)):
                less_cpu = ratio(client, "sdk", workload, "cpu_us")
                section.ratios.append(
                    Ratio(
                        f"{label}: cxkit {client} / SDK (req/s)",
                        ratio(client, "sdk", workload),
                        target,
                        note=f"CPU per request {less_cpu:.1f}x less",
                    )
                )
    section.notes.append(
        f"{seconds:g} s per workload per round, {rounds} interleaved round(s), ratios = "
        "median of the per-round ratios; "
        f"{USERS} users, pageSize {PAGE_SIZE}; the SDK runs with config live reload off "
        "(its best case)"
    )
    return section


def main(quick: bool = False) -> str:
    """Run and return the section as text."""
    return run(quick).text()


if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker_entry({"sdk": _sdk_worker, "sync": _sync_worker, "async": _async_worker})
    else:
        print(main("--quick" in sys.argv))
