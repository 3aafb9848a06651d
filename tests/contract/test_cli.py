"""The ``cxkit`` command line: in-process for help/usage, as a real subprocess for serving."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

import cxkit
from cxkit.cli.main import app

T = 15.0  # safety net: a subprocess imports aiohttp and the plugins before it is ready


def cxkit_command() -> list[str]:
    """The installed console script when present, else ``python -m cxkit.cli``."""
    script = Path(sys.executable).with_name("cxkit")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "cxkit.cli"]


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "emulator" in result.output and "demo" in result.output


def test_help_texts_keep_their_square_brackets() -> None:
    # rich reads "[five9]" as a markup tag and drops it unless escaped
    result = CliRunner().invoke(app, ["five9", "call", "--help"])
    assert result.exit_code == 0
    assert "with [five9] /" in result.output and "[genesys] sections" in result.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"cxkit {cxkit.__version__}"


def test_serve_refuses_a_remote_host_without_allow_remote() -> None:
    result = CliRunner().invoke(app, ["emulator", "serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "refusing to listen on '0.0.0.0'" in result.output


async def test_console_script_help_runs() -> None:
    proc = await asyncio.create_subprocess_exec(
        *cxkit_command(), "--help", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), T)
    assert proc.returncode == 0
    assert b"emulator" in out


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=T)) as session:
        yield session


async def _stop(proc: asyncio.subprocess.Process) -> int:
    """SIGINT the process and return its exit code (kill it if it does not stop)."""
    proc.send_signal(signal.SIGINT)
    try:
        return await asyncio.wait_for(proc.wait(), T)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise


async def test_serve_json_prints_its_url_and_stops_on_sigint(
    http: aiohttp.ClientSession,
) -> None:
    proc = await asyncio.create_subprocess_exec(
        *cxkit_command(),
        "emulator",
        "serve",
        "--port",
        "0",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = await asyncio.wait_for(proc.stdout.readline(), T)
        ready = json.loads(line)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", ready["base_url"])
        assert ready["ws_url"] == "ws://" + ready["base_url"].removeprefix("http://")

        async with http.get(f"{ready['base_url']}/_emulator/info") as resp:
            assert resp.status == 200
            assert await resp.json() == ready
    finally:
        code = await _stop(proc)
    assert code == 0
    rest = await asyncio.wait_for(proc.stdout.read(), T)
    assert rest == b""  # --json: exactly one line on stdout


async def test_demo_falls_back_to_a_free_port_when_busy(http: aiohttp.ClientSession) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            *cxkit_command(),
            "demo",
            "--port",
            str(taken),
            "--no-web",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        )
        try:
            assert proc.stdout is not None
            shown = (await asyncio.wait_for(proc.stdout.readuntil(b"Ctrl-C"), T)).decode()
            match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", shown)
            assert match, shown
            base_url, port = match.group(1), int(match.group(2))
            assert port != taken
            async with http.get(f"{base_url}/_emulator/info") as resp:
                assert resp.status == 200
            assert f"port {taken} was busy" in shown
            assert f"curl -s {base_url}/_emulator/info" in shown
        finally:
            code = await _stop(proc)
    assert code == 0
