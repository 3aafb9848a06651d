"""``cxkit emulator serve`` options: activity, seed, speed, faults, scenario files."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import aiohttp
from typer.testing import CliRunner

from cxkit.cli.embedded import Activity, emulator_config, supports_simulation
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
            async with http.post(f"{base}/_emulator/five9/state", json={}) as resp:
                state = await resp.json()
        assert state["scenario"]["running"] is True
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
    assert quiet.seed == 4
    busy = emulator_config(Activity(busy=True, speed=4, seed=1, queues=5, agents=20, rate=60))
    if supports_simulation():  # the simulated center drives the emulator
        assert busy.simulation is not None  # type: ignore[attr-defined]
        return
    five9, genesys = busy.options_for("five9"), busy.options_for("genesys")
    assert five9["scenario"] is True and genesys["scenario"] is True
    assert genesys["queues"] == 5 and genesys["users"] == 21
    faster = emulator_config(Activity(busy=True, speed=8, seed=1, queues=5, agents=20, rate=60))
    assert faster.options_for("genesys")["scenario_interval"] == genesys["scenario_interval"] / 2
    assert faster.options_for("five9")["scenario_interval"] == five9["scenario_interval"] / 2
