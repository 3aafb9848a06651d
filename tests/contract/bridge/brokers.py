"""Real redis-server and nats-server processes on loopback for the bridge tests.

The binaries come from Debian (``scripts/services.sh install``); tests skip, with the reason,
only when they cannot be installed (not root, or no apt-get). Each :class:`BrokerProcess`
listens on 127.0.0.1 on a free port with its data in a temp dir, and can be killed
(SIGKILL, as a crash) and restarted on the same port with the same data.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ROOT / "scripts" / "services.sh"
READY_TIMEOUT = 10.0


@functools.cache
def _install() -> tuple[dict[str, str] | None, str | None]:
    """(binaries, None) or (None, why they cannot be installed); runs once per session."""
    install = subprocess.run(
        ["bash", str(SERVICES), "install"], capture_output=True, text=True, check=False
    )
    if install.returncode == 3:  # not root / no apt-get: the only reason to skip
        return None, f"broker servers cannot be installed: {install.stderr.strip()}"
    if install.returncode != 0:
        raise RuntimeError(f"services.sh install failed: {install.stderr}")
    out = subprocess.run(
        ["bash", str(SERVICES), "which"], capture_output=True, text=True, check=True
    ).stdout
    found = dict(line.split("=", 1) for line in out.split())
    return {"redis": found["REDIS_SERVER"], "nats": found["NATS_SERVER"]}, None


def broker_binaries() -> dict[str, str]:
    """``{"redis": path, "nats": path}``, installing them once; skip if impossible."""
    bins, reason = _install()
    if bins is None:
        pytest.skip(reason or "broker servers unavailable")
    return bins


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BrokerProcess:
    """One server process; ``start()`` returns once it logs that it is ready."""

    def __init__(self, argv: Sequence[str], ready_marker: bytes, port: int) -> None:
        self.argv = list(argv)
        self.ready_marker = ready_marker
        self.port = port
        self.proc: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        self.log: list[bytes] = []

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        await asyncio.wait_for(self._wait_ready(), READY_TIMEOUT)
        self._drain = asyncio.create_task(self._read_rest())

    async def _wait_ready(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                raise RuntimeError(
                    f"{self.argv[0]} exited before it was ready: {b''.join(self.log)!r}"
                )
            self.log.append(line)
            if self.ready_marker in line:
                return

    async def _read_rest(self) -> None:
        # keep reading so a chatty server never blocks on a full pipe
        assert self.proc is not None and self.proc.stdout is not None
        while await self.proc.stdout.readline():
            pass

    async def kill(self) -> None:
        """SIGKILL (a crash: no graceful shutdown) and reap."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
            self._drain = None

    async def restart(self) -> None:
        await self.kill()
        await self.start()


def redis_process(binary: str, data_dir: Path, port: int | None = None) -> BrokerProcess:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(data_dir),
        # every write reaches the AOF before the reply: a SIGKILL loses nothing acked
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--save", "",
        "--logfile", "",
        "--daemonize", "no",
    ]  # fmt: skip
    return BrokerProcess(argv, b"Ready to accept connections", port)


def nats_process(binary: str, data_dir: Path, port: int | None = None) -> BrokerProcess:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(data_dir)]
    return BrokerProcess(argv, b"Server is ready", port)
