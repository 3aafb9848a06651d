"""Targets of the Five9 contract suite: the in-process emulator over loopback, or (opt-in,
marker ``live``) a real Five9 tenant when FIVE9_USERNAME / FIVE9_PASSWORD / FIVE9_REGION are set.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from cxkit.config import ReconnectPolicy
from cxkit.five9.client import Five9Client

FAST_RECONNECT = ReconnectPolicy(min_wait=0.01, max_wait=0.05, reset_after=0.5)


def _emulator_available() -> bool:
    try:
        module = importlib.import_module("cxkit.emulator.five9")
        importlib.import_module("cxkit.emulator.server")
    except ImportError:
        return False
    return hasattr(module, "create_plugin")


requires_emulator = pytest.mark.skipif(
    not _emulator_available(), reason="the Five9 emulator (cxkit.emulator.five9) is not loadable"
)


@dataclass
class Emulator:
    """A running emulator plus helpers for its admin API."""

    server: Any
    http: aiohttp.ClientSession
    clients: list[Five9Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.url)

    @property
    def tenant(self) -> Any:
        from cxkit.emulator.tenant import DEMO

        return DEMO.five9

    async def admin(self, command: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.post(f"{self.url}/_emulator/five9/{command}", json=body or {}) as resp:
            assert resp.status < 300, (command, resp.status, await resp.text())
            return await resp.json()

    async def core(self, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.post(f"{self.url}/_emulator/{path}", json=body or {}) as resp:
            assert resp.status < 300, (path, resp.status, await resp.text())
            return await resp.json(content_type=None)

    def client(self, role: str = "supervisor", **kwargs: Any) -> Five9Client:
        user = self.tenant.supervisor if role == "supervisor" else self.tenant.agent
        kwargs.setdefault("propagation_delay", 0.01)
        kwargs.setdefault("ping_interval", 0.2)
        kwargs.setdefault("reconnect", FAST_RECONNECT)
        client = Five9Client(user.username, user.password.reveal(), base_url=self.url, **kwargs)
        self.clients.append(client)
        return client


def emulator_options(**five9: Any) -> dict[str, Any]:
    """Options for the ``emulator`` fixture (``@pytest.mark.parametrize`` indirect)."""
    return five9


@pytest.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    if not _emulator_available():
        pytest.skip("the Five9 emulator (cxkit.emulator.five9) is not loadable")
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.server import EmulatorServer

    marker = request.node.get_closest_marker("five9_options")
    options = dict(marker.kwargs) if marker else {}
    config = EmulatorConfig(seed=7, vendor_options={"five9": options})
    async with EmulatorServer(config) as server, aiohttp.ClientSession() as http:
        emulator = Emulator(server, http)
        try:
            yield emulator
        finally:
            for client in emulator.clients:
                await client.close()


@dataclass
class LiveTarget:
    """A real tenant (credentials from the environment)."""

    make: Callable[[], Five9Client]


@pytest.fixture
def live() -> LiveTarget:
    username = os.environ.get("FIVE9_USERNAME")
    password = os.environ.get("FIVE9_PASSWORD")
    if not username or not password:
        pytest.skip("FIVE9_USERNAME / FIVE9_PASSWORD not set")
    region = os.environ.get("FIVE9_REGION", "US")
    return LiveTarget(lambda: Five9Client(username, password, region=region))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "five9_options(**opts): Five9 emulator options")
