"""The README's usage examples run as written, against the emulator in its own process.

The Five9 and Genesys snippets read their credentials from the environment; here the
environment points them at a busy emulator (``cxkit emulator serve --activity``), each
snippet runs in a fresh interpreter, and the test reads its output until it has printed live
numbers, then stops it. A README whose code does not run fails the build.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LINES_WANTED = 3
TIMEOUT = 60.0


def snippet(heading: str) -> str:
    """The first ```python block after ``## {heading}``."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, f"no python block under '## {heading}'"
    return match.group(1)


@pytest.fixture
async def emulator() -> AsyncIterator[dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cxkit.cli",
        "emulator",
        "serve",
        "--port",
        "0",
        "--json",
        "--activity",
        "--speed",
        "30",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
        yield json.loads(line)
    finally:
        proc.terminate()
        await proc.wait()


async def run_until_lines(code: str, env: dict[str, str]) -> list[str]:
    """Run ``code`` in a fresh interpreter; return its first lines, then stop it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(TIMEOUT):
            while len(lines) < LINES_WANTED:
                raw = await proc.stdout.readline()
                if not raw:
                    error = (await proc.stderr.read()).decode()
                    pytest.fail(f"the snippet ended after {lines}:\n{error}")
                lines.append(raw.decode().rstrip())
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    return lines


async def test_the_five9_example_prints_live_queue_figures(emulator: dict[str, Any]) -> None:
    five9 = emulator["vendors"]["five9"]
    env = {
        "FIVE9_USERNAME": five9["supervisor"]["username"],
        "FIVE9_PASSWORD": five9["supervisor"]["password"],
        "FIVE9_BASE_URL": emulator["base_url"],
    }
    lines = await run_until_lines(snippet("Five9"), env)
    for line in lines:
        assert re.fullmatch(r".+ waiting: \d+", line), line


async def test_the_genesys_example_prints_unified_queue_statistics(
    emulator: dict[str, Any],
) -> None:
    genesys = emulator["vendors"]["genesys"]
    client = genesys["tenant"]["clientCredentials"]
    env = {
        "GENESYS_CLIENT_ID": client["clientId"],
        "GENESYS_CLIENT_SECRET": client["clientSecret"],
        "GENESYS_BASE_URL": emulator["base_url"],
    }
    lines = await run_until_lines(snippet("Genesys Cloud"), env)
    for line in lines:
        assert re.fullmatch(r".+ waiting: \d+", line), line
