"""Config live reload changes a running HTTPClient's retry and logging settings.

A real HTTPClient talks to a loopback aiohttp server that always answers 503; a real config file
in tmp_path is edited while the client runs, and the attempts the server counts follow the
file's ``retry_max``. Backoff sleeps are injected and return at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from cxkit.config import LogLevel, RetryPolicy
from cxkit.core.http import HTTPClient, VendorProfile
from cxkit.errors import ConfigError, ServerError
from cxkit.settings import Settings, SettingsWatcher
from tests.helpers.loopback import serve

DEBOUNCE_MS = 10  # short configured interval keeps each reload ~20 ms
WAIT = 5.0  # safety net only


class Unavailable:
    """A server that answers every request with 503 and counts the attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        return web.json_response({"message": "try later"}, status=503)


@pytest.fixture
async def server() -> AsyncIterator[tuple[Unavailable, str]]:
    backend = Unavailable()
    app = web.Application()
    app.router.add_get("/busy", backend.handle)
    async with serve(app) as url:
        yield backend, url


def _config(retry_max: int, extra: str = "") -> str:
    return f"[retry]\nretry_max = {retry_max}\nretry_wait_min = 0\nretry_wait_max = 0\n{extra}"


async def _attempts(http: HTTPClient, backend: Unavailable) -> int:
    backend.attempts = 0
    with pytest.raises(ServerError) as info:
        await http.request("GET", "/busy")
    assert info.value.status == 503
    return backend.attempts


async def test_config_reload_changes_a_running_clients_retry_settings(
    tmp_path: Path, server: tuple[Unavailable, str]
) -> None:
    backend, url = server
    path = tmp_path / "config"
    path.write_text(_config(2))
    sleeps: list[float] = []

    async def no_sleep(delay: float) -> None:
        sleeps.append(delay)

    changes: asyncio.Queue[Settings] = asyncio.Queue()
    errors: asyncio.Queue[ConfigError] = asyncio.Queue()
    async with HTTPClient(
        url, vendor=VendorProfile("test"), retry=RetryPolicy(max_retries=0), sleep=no_sleep
    ) as http:
        watcher = SettingsWatcher(
            path, changes.put_nowait, on_error=errors.put_nowait, debounce_ms=DEBOUNCE_MS
        )
        watcher.attach(http)
        async with watcher:
            await asyncio.wait_for(changes.get(), WAIT)
            assert await _attempts(http, backend) == 2 + 1  # N + 1 before the reload
            assert len(sleeps) == 2

            path.write_text(_config(4))
            settings = await asyncio.wait_for(changes.get(), WAIT)
            assert settings.retry is not None and settings.retry.max_retries == 4
            assert await _attempts(http, backend) == 4 + 1  # M + 1 after it

            # a bad edit is reported and the running client keeps the last good policy
            path.write_text("[retry]\nretry_max = plenty\n")
            error = await asyncio.wait_for(errors.get(), WAIT)
            assert "retry.retry_max" in str(error)
            assert await _attempts(http, backend) == 4 + 1

            # fixing the file applies again
            path.write_text(_config(1))
            await asyncio.wait_for(changes.get(), WAIT)
            assert await _attempts(http, backend) == 1 + 1


async def test_config_reload_changes_a_running_clients_logging(
    tmp_path: Path, server: tuple[Unavailable, str]
) -> None:
    backend, url = server
    path = tmp_path / "config"
    log_file = tmp_path / "http.log"
    path.write_text(_config(0))

    async def no_sleep(delay: float) -> None:
        return None

    changes: asyncio.Queue[Settings] = asyncio.Queue()
    async with HTTPClient(url, vendor=VendorProfile("test"), sleep=no_sleep) as http:
        watcher = SettingsWatcher(path, changes.put_nowait, debounce_ms=DEBOUNCE_MS)
        watcher.attach(http)
        async with watcher:
            await asyncio.wait_for(changes.get(), WAIT)
            assert http.logging_config.level is LogLevel.NONE
            path.write_text(
                _config(
                    0,
                    "[logging]\nlog_level = debug\nlog_to_console = false\n"
                    f"log_file_path = {log_file}\n",
                )
            )
            await asyncio.wait_for(changes.get(), WAIT)
            applied = http.logging_config
            assert applied.level is LogLevel.DEBUG
            assert applied.file_path == str(log_file)
            assert applied.to_console is False
            assert http.retry.max_retries == 0  # the untouched knob stays
            await _attempts(http, backend)
        await http.close()  # flush and close the log file before reading it
    assert "/busy" in log_file.read_text()
