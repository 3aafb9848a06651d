"""The Genesys client against a target over real sockets: the emulator (always) or a real org
(marker ``live``: set GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION).

Tests that only need what a real org offers take the ``target`` fixture and run against both;
tests that inject faults through the emulator's admin API take ``emu`` / ``admin``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from cxkit.config import ReconnectPolicy, RetryPolicy
from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.genesys import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.emulator.tenant import DEMO
from cxkit.genesys.client import GenesysClient

G = DEMO.genesys
CC = G.client_credentials
LIVE_ENV = ("GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET", "GENESYS_REGION")

# Fast, deterministic-enough retry and reconnect timing for tests.
FAST_RETRY = RetryPolicy(max_retries=3, min_wait=0.01, max_wait=0.05)
FAST_RECONNECT = ReconnectPolicy(min_wait=0.01, max_wait=0.05)


class Admin:
    """The emulator's admin API."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.http = http

    async def __call__(self, command: str, body: Mapping[str, Any] | None = None) -> Any:
        """``POST /_emulator/genesys/{command}``."""
        async with self.http.post(
            f"{self.base}/_emulator/genesys/{command}", json=dict(body or {})
        ) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def core(self, method: str, path: str, body: Any = None) -> Any:
        """A core admin endpoint (``/_emulator/faults``, ``/_emulator/clock/advance``...)."""
        async with self.http.request(method, f"{self.base}/_emulator/{path}", json=body) as resp:
            assert resp.status < 300, await resp.text()
            return await resp.json() if resp.content_type == "application/json" else None

    async def fault(self, path_regex: str, status: int, *, count: int = 1, **extra: Any) -> Any:
        """The next ``count`` requests matching ``path_regex`` answer ``status``."""
        return await self.core(
            "POST", "faults", {"match": path_regex, "status": status, "count": count, **extra}
        )

    async def state(self) -> dict[str, Any]:
        """The emulator's truth."""
        result: dict[str, Any] = await self("state")
        return result


async def start_emulator(**options: Any) -> EmulatorServer:
    """An emulator with the Genesys plugin only and ``options`` (GenesysOptions keys)."""
    config = EmulatorConfig(vendor_options={"genesys": options})
    emu = EmulatorServer(config, plugins=[create_plugin(config)])
    await emu.start()
    return emu


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    """A fresh emulator per test."""
    server = await start_emulator()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def admin(emu: EmulatorServer) -> AsyncIterator[Admin]:
    """The admin API of ``emu``."""
    async with aiohttp.ClientSession() as http:
        yield Admin(emu.url, http)


def emulator_client(emu: EmulatorServer, **kwargs: Any) -> GenesysClient:
    """A client-credentials client of the demo org on ``emu`` (fast retries)."""
    kwargs.setdefault("client_id", CC.client_id)
    kwargs.setdefault("client_secret", CC.client_secret.reveal() if CC.client_secret else "")
    kwargs.setdefault("retry", FAST_RETRY)
    return GenesysClient(base_url=emu.url, **kwargs)


@pytest.fixture
async def client(emu: EmulatorServer) -> AsyncIterator[GenesysClient]:
    """A client-credentials client of the emulator."""
    async with emulator_client(emu) as gc:
        yield gc


@dataclass
class Target:
    """Where the portable tests run."""

    name: str
    client: GenesysClient
    emu: EmulatorServer | None = None


@pytest.fixture(params=["emulator", pytest.param("live", marks=pytest.mark.live)])
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    """The emulator, or a real org when its credentials are in the environment."""
    if request.param == "live":
        missing = [name for name in LIVE_ENV if not os.environ.get(name)]
        if missing:
            pytest.skip(f"live Genesys tests need {', '.join(missing)}")
        gc = GenesysClient(
            region=os.environ["GENESYS_REGION"],
            client_id=os.environ["GENESYS_CLIENT_ID"],
            client_secret=os.environ["GENESYS_CLIENT_SECRET"],
        )
        async with gc:
            yield Target("live", gc)
        return
    server = await start_emulator()
    try:
        async with emulator_client(server) as gc:
            yield Target("emulator", gc, server)
    finally:
        await server.stop()
