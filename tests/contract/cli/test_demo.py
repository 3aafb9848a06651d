"""``cxkit demo`` as a real process: live numbers from both vendors, the web page, a clean exit."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from cxkit.sim import CenterSpec

from .conftest import T, cxkit_command

DURATION = 6.0


def _figures(doc: dict[str, Any]) -> list[Any]:
    """What a board line says, without its timestamp."""
    return [
        (s["key"], s["status"], s["calls_waiting"], s["agents"], s["queues"])
        for s in doc["sources"]
    ]


async def test_demo_json_shows_live_numbers_then_exits_cleanly(
    clean_env: dict[str, str],
) -> None:
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *cxkit_command(), "demo", "--json", "--duration", str(DURATION), "--speed", "4",
        "--port", "0", "--web-port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    try:
        ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), T))
        assert ready["type"] == "ready"
        assert ready["emulator"].startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.get(ready["wallboard"]) as page:
                assert page.status == 200
                assert "text/html" in page.headers["Content-Type"]
            async with http.get(f"{ready['emulator']}/_emulator/info") as info:
                assert info.status == 200
        boards = [
            json.loads(line)
            for line in (await asyncio.wait_for(proc.stdout.read(), T + DURATION)).splitlines()
        ]
        code = await asyncio.wait_for(proc.wait(), T)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    elapsed = time.monotonic() - started
    stderr = (await proc.stderr.read()).decode()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert elapsed < DURATION + 10

    assert len(boards) >= DURATION - 2  # one summary a second
    last = boards[-1]
    by_vendor = {s["vendor"]: s for s in last["sources"]}
    assert set(by_vendor) == {"five9", "genesys"}
    for source in by_vendor.values():
        assert source["status"] == "live"
        assert sum(source["agents"].values()) > 0
        assert source["queues"], source
    # Both vendors are views of the one simulated demo center.
    demo_queues = {q.name for q in CenterSpec.demo().queues}
    for source in by_vendor.values():
        assert {q["name"] for q in source["queues"]} == demo_queues
        for queue in source["queues"]:  # every per-queue figure of the board is there
            assert {"longest_wait", "service_level", "agents_logged_in"} <= set(queue)
            assert queue["agents_logged_in"] is not None
    five9 = by_vendor["five9"]
    assert sum(five9["agents"].values()) == CenterSpec.demo().agent_count
    working = five9["agents"]["ready"] + five9["agents"]["on_interaction"]
    assert working > 0
    # live: the numbers move while the demo runs
    assert len({json.dumps(_figures(doc)) for doc in boards}) > 1
