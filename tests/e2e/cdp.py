"""A small Chrome DevTools Protocol driver over aiohttp's WebSocket client (no Playwright).

It launches Debian's ``chromium`` headless with ``--remote-debugging-port=0``, reads the port
from ``<user-data-dir>/DevToolsActivePort``, connects to the browser endpoint and drives pages
through flattened target sessions::

    async with Chromium.launch(tmp_path) as browser:
        page = await browser.new_page(url)
        value = await page.evaluate("document.title")
        await page.wait_for("document.querySelector('.ready') !== null")
        await page.screenshot(tmp_path / "shot.png")

Everything that waits (the port file, a DOM condition) polls with a deadline and fails with
what it last saw; nothing sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["CHROMIUM", "Chromium", "DevToolsError", "Page", "find_chromium"]

CHROMIUM = "/usr/bin/chromium"
POLL = 0.05

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--window-size=1600,1000",
    "--remote-debugging-port=0",
)


class DevToolsError(RuntimeError):
    """A DevTools command failed, or the browser did not do what was awaited in time."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$CHROMIUM``, Debian's ``/usr/bin/chromium``, or on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), CHROMIUM, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


async def poll(
    probe: Callable[[], Any], *, timeout: float, what: str, accept: Callable[[Any], bool] = bool
) -> Any:
    """Call ``probe`` (sync or async) until ``accept(result)``; fail after ``timeout`` seconds
    with the last result in the message."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while True:
        last = probe()
        if asyncio.iscoroutine(last):
            last = await last
        if accept(last):
            return last
        if loop.time() >= deadline:
            raise DevToolsError(f"timed out after {timeout:g}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(POLL)


class Chromium:
    """One headless Chromium process and its browser-level DevTools connection."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        http: aiohttp.ClientSession,
        ws: aiohttp.ClientWebSocketResponse,
        log: Path,
    ) -> None:
        self.process = process
        self.http = http
        self.ws = ws
        self.log = log
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._listeners: list[tuple[str | None, str, asyncio.Future[dict[str, Any]]]] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def launch(
        cls, user_data_dir: Path, *, executable: str | None = None, timeout: float = 30.0
    ) -> AsyncIterator[Chromium]:
        """Start Chromium with a fresh profile in ``user_data_dir``; close it on exit."""
        executable = executable or find_chromium()
        if executable is None:
            raise DevToolsError("no chromium executable found")
        port_file, log = _prepare_profile(user_data_dir)
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                executable,
                *FLAGS,
                f"--user-data-dir={user_data_dir}",
                "about:blank",
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                start_new_session=True,  # its own process group: closed as one below
            )
        http: aiohttp.ClientSession | None = None
        browser: Chromium | None = None
        try:

            def read_port() -> tuple[int, str] | None:
                if process.returncode is not None:
                    raise DevToolsError(
                        f"chromium exited with {process.returncode}: "
                        + log.read_text(errors="replace")[-2000:]
                    )
                try:
                    lines = port_file.read_text().split()
                except FileNotFoundError:
                    return None
                return (int(lines[0]), lines[1]) if len(lines) >= 2 else None

            port, path = await poll(read_port, timeout=timeout, what="DevToolsActivePort")
            http = aiohttp.ClientSession()
            ws = await http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
            browser = cls(process, http, ws, log)
            yield browser
        finally:
            if browser is not None:
                await browser._close()
            elif http is not None:
                await http.close()
            await _stop_process(process)

    async def _close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.send("Browser.close"), 5)
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        await self.ws.close()
        await self.http.close()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                if "id" in data:
                    future = self._pending.pop(data["id"], None)
                    if future is not None and not future.done():
                        future.set_result(data)
                    continue
                session, method = data.get("sessionId"), data.get("method")
                for entry in list(self._listeners):
                    wanted_session, wanted_method, future = entry
                    if method == wanted_method and wanted_session in (None, session):
                        self._listeners.remove(entry)
                        if not future.done():
                            future.set_result(data.get("params", {}))
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(DevToolsError("the DevTools connection closed"))

    async def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command and return its result (raise on a protocol error)."""
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        answer = await asyncio.wait_for(future, 30)
        if "error" in answer:
            raise DevToolsError(f"{method} failed: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    def expect(self, method: str, *, session: str | None = None) -> asyncio.Future[dict[str, Any]]:
        """A future for the next event ``method`` (register before causing it)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._listeners.append((session, method, future))
        return future

    async def new_page(self, url: str, *, width: int = 1600, height: int = 1000) -> Page:
        """Open ``url`` in a new tab and wait for its load event."""
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        await page.goto(url)
        return page


class Page:
    """One tab, driven through its flattened session."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.console: list[str] = []

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A command in this tab's session."""
        return await self.browser.send(method, params, session=self.session)

    async def goto(self, url: str, timeout: float = 15.0) -> None:
        """Navigate and wait for the load event."""
        loaded = self.browser.expect("Page.loadEventFired", session=self.session)
        result = await self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise DevToolsError(f"navigation to {url} failed: {result['errorText']}")
        await asyncio.wait_for(loaded, timeout)

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-able)."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise DevToolsError(f"page script failed: {text}")
        return result.get("result", {}).get("value")

    async def wait_for(
        self,
        expression: str,
        accept: Callable[[Any], bool] = bool,
        *,
        timeout: float = 10.0,
        what: str | None = None,
    ) -> Any:
        """Evaluate ``expression`` until ``accept(value)``; return that value."""
        return await poll(
            lambda: self.evaluate(expression),
            timeout=timeout,
            what=what or expression,
            accept=accept,
        )

    async def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole page by default)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = await self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        shot = await self.send("Page.captureScreenshot", params)
        _write(path, base64.b64decode(shot["data"]))
        return path


def _prepare_profile(user_data_dir: Path) -> tuple[Path, Path]:
    """Create the profile folder; drop a stale port file (a reused profile must not hand us
    an old port). Returns the port file's and the log's paths."""
    user_data_dir.mkdir(parents=True, exist_ok=True)
    port_file = user_data_dir / "DevToolsActivePort"
    port_file.unlink(missing_ok=True)
    return port_file, user_data_dir / "chromium.log"


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


async def _stop_process(process: asyncio.subprocess.Process) -> None:
    """End the browser's process group (the wrapper script and every Chromium child)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    else:
        # The wrapper may be gone while its children live on in the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
