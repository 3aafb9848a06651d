"""Fixtures of the CLI tests: an emulator on a loopback port for the whole module, and helpers
to run ``cxkit`` in-process (typer's runner) or as a real subprocess.

The emulator runs its own event loop in a background thread, so sync tests can invoke the
commands in-process (each command runs ``asyncio.run`` itself, in the main thread).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cxkit.emulator.server import EmulatorServer

T = 20.0  # safety net of a subprocess: it imports aiohttp and both emulator plugins

# Tests must not read the developer's own config file or credentials.
_SCRUBBED = (
    "FIVE9_USERNAME",
    "FIVE9_PASSWORD",
    "FIVE9_REGION",
    "FIVE9_BASE_URL",
    "GENESYS_CLIENT_ID",
    "GENESYS_CLIENT_SECRET",
    "GENESYS_REGION",
    "GENESYS_BASE_URL",
    "CXKIT_CONFIG_FILE",
    "CXKIT_DEBUG",
)


def cxkit_command() -> list[str]:
    """The installed console script when present, else ``python -m cxkit.cli``."""
    script = Path(sys.executable).with_name("cxkit")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "cxkit.cli"]


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment without vendor credentials and with an empty config home."""
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"XDG_CONFIG_HOME": str(tmp_path / "config-home"), "COLUMNS": "200"})
    env["NO_COLOR"] = "1"
    return env


def run_cxkit(
    *args: str,
    env: Mapping[str, str],
    input: str | None = None,
    timeout: float = T,
) -> subprocess.CompletedProcess[str]:
    """Run ``cxkit ARGS`` as a subprocess and return what it printed."""
    return subprocess.run(
        [*cxkit_command(), *args],
        env=dict(env),
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class _ThreadedEmulator:
    """An :class:`EmulatorServer` serving from its own loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.server: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cli-test-emulator", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = EmulatorServer()
            self.loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.server.stop())
        self.loop.close()

    def start(self) -> str:
        self._thread.start()
        assert self._ready.wait(T), "the emulator did not start"
        if self._error is not None:
            raise self._error
        return str(self.server.url)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(T)


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """The base URL of an emulator running for the whole test module."""
    emulator = _ThreadedEmulator()
    url = emulator.start()
    try:
        yield url
    finally:
        emulator.stop()
