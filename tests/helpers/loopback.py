"""Run an aiohttp application on a loopback port for the length of a test.

Usage::

    from aiohttp import web
    from tests.helpers.loopback import serve

    app = web.Application()
    app.router.add_get("/ping", handler)
    async with serve(app) as base_url:      # "http://127.0.0.1:PORT"
        ...

The server listens on 127.0.0.1, port 0 (the OS picks a free port), without access logs.
Handlers still running when the block ends (e.g. one that never answers, for a timeout test)
are cancelled after ``shutdown_timeout`` seconds, so teardown never hangs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

__all__ = ["serve"]


@asynccontextmanager
async def serve(app: web.Application, *, shutdown_timeout: float = 0.1) -> AsyncIterator[str]:
    """Serve ``app`` on ``127.0.0.1:0`` and yield its base URL (no trailing slash)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
