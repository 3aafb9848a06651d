"""``cxkit emulator serve`` options: activity, seed, speed, faults, scenario files."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import aiohttp
from typer.testing import CliRunner

from cxkit.cli.embedded import Activity, emulator_config
from cxkit.cli.main import app

from .conftest import T, cxkit_command


async def test_serve_with_activity_and_a_fault(clean_env: dict[str, str]) -> None:
    fault = json.dumps({"match": "/api/v2/routing/queues", "status": 503, "count": 1})
    proc = await asyncio.create_subprocess_exec(
        *cxkit_command(), "emulator", "serve", "--port", "0", "--json", "--activity",
        "--speed", "20", "--seed", "3", "--fault", fault,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), T))
        base = ready["base_url"]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=T)) as http:
            async with http.get(f"{base}/_emulator/faults") as resp:
                rules = (await resp.json())["faults"]
            assert [r["status"] for r in rules] == [503]
            async with http.get(f"{base}/api/v2/routing/queues") as resp:
                assert resp.status == 503  # the fault answers before any auth
            # The simulated center runs at the asked speed and seed, and time moves in it.
            deadline = time.monotonic() + T
            while True:
                async with http.get(f"{base}/_emulator/sim") as resp:
                    truth = await resp.json()
                assert (truth["speed"], truth["seed"], len(truth["agents"])) == (20, 3, 40)
                if truth["now"] > 0:
                    break
                assert time.monotonic() < deadline, "the simulated clock does not move"
                await asyncio.sleep(0.05)  # another process: polling is the only way to see it
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), T)
    assert code == 0


def test_serve_refuses_bad_options_with_a_usage_error(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    bad_fault = CliRunner().invoke(app, ["emulator", "serve", "--port", "0", "--fault", "{nope"])
    assert bad_fault.exit_code == 2
    assert "--fault" in bad_fault.stderr and "not JSON" in bad_fault.stderr

    scenario = tmp_path / "center.toml"
    scenario.write_text('name = "Acme"\n[[queues]]\nname = "Sales"\ncalls_per_hour = -5\n')
    bad_scenario = CliRunner().invoke(
        app, ["emulator", "serve", "--port", "0", "--scenario", str(scenario)]
    )
    assert bad_scenario.exit_code == 2
    assert "calls_per_hour" in bad_scenario.stderr
    assert "Traceback" not in bad_scenario.output


def test_activity_maps_to_the_emulator_configuration() -> None:
    quiet = emulator_config(Activity(busy=False, seed=4))
    assert quiet.seed == 4 and quiet.simulation is None
    busy = emulator_config(Activity(busy=True, speed=4, seed=1, queues=5, agents=20, rate=60))
    assert busy.simulation is not None and busy.speed == 4
    center = busy.simulation.center
    assert (len(center.queues), center.agent_count) == (5, 20)
    assert {q.calls_per_hour for q in center.queues} == {60}
    assert busy.simulation.seed == 1
    demo = emulator_config(Activity(busy=True))
    assert demo.simulation is not None and demo.simulation.center.agent_count == 40
