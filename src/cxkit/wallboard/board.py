"""The :class:`Wallboard` facade: feed it events, attach streams, serve the page.

.. code-block:: python

    board = Wallboard(title="Support floor")
    async with five9.supervisor_stream() as stream:
        board.attach(stream)
        url = await board.serve("127.0.0.1", 8480)
        print("wallboard at", url)
        await board.run_terminal()          # or keep the loop alive some other way
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Protocol, Self

from aiohttp import web

from cxkit.errors import UsageError
from cxkit.wallboard.model import WallboardModel, WallboardSettings
from cxkit.wallboard.sources import StreamAdapter
from cxkit.wallboard.web import LivePublisher, create_app

__all__ = ["SupportsOn", "Wallboard"]

logger = logging.getLogger("cxkit.wallboard")


class SupportsOn(Protocol):
    """Anything with ``on(kind, handler) -> unsubscribe``: an EventStream, a Genesys
    Channel or NotificationHub."""

    def on(self, kind: str, handler: Callable[[Any], Any]) -> Callable[[], None]:
        """Register ``handler`` for events of ``kind``."""
        ...


class Wallboard:
    """A live wallboard over any number of vendor streams.

    Args:
        settings: thresholds (see :class:`~cxkit.wallboard.model.WallboardSettings`).
        title: the page's title.
        clock: epoch seconds (injectable).
        flush_interval: seconds the web page's updates are gathered before one goes out.
    """

    def __init__(
        self,
        settings: WallboardSettings | None = None,
        *,
        title: str = "Contact center",
        clock: Callable[[], float] = time.time,
        flush_interval: float = 0.1,
    ) -> None:
        self.model = WallboardModel(settings, clock=clock)
        self.title = title
        self.publisher = LivePublisher(self.model, title=title, flush_interval=flush_interval)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._detach: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        where = self._url or "not serving"
        return f"Wallboard(title={self.title!r}, sources={list(self.model.sources)}, {where})"

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Any) -> bool:
        """Apply one unified event (others are ignored). True when the board changed."""
        changed = self.model.apply(event)
        if changed:
            self.publisher.notify()
        return changed

    def snapshot(self, vendor: str, tenant: str, events: Iterable[Any]) -> None:
        """Replace one source's picture (e.g. after a REST backfill); clears staleness."""
        self.model.apply_snapshot(vendor, tenant, events)
        self.publisher.notify()

    def names(
        self,
        vendor: str,
        tenant: str,
        *,
        agents: Mapping[str, str] | None = None,
        queues: Mapping[str, str] | None = None,
    ) -> None:
        """Teach the board agent and queue names (id -> name) the events do not carry."""
        self.model.set_names(vendor, tenant, agents=agents, queues=queues)
        self.publisher.notify()

    def label(self, vendor: str, tenant: str, label: str) -> None:
        """Name a source on the board."""
        self.model.set_label(vendor, tenant, label)
        self.publisher.notify()

    def attach(self, stream: SupportsOn, *, tenant: str | None = None) -> Callable[[], None]:
        """Feed every event of ``stream`` (``stream.on("*", ...)``) to the board.

        * A Five9 supervisor stream: its statistics cache holds the full picture, so the board
          takes a snapshot from it at once (when loaded) and after every full statistics dump
          (which clears the staleness a reconnect's gap caused).
        * A Genesys ``Channel`` / ``NotificationHub``: its topic events are normalised here;
          ``tenant`` (the org id) is stamped on them (default: the stream's ``tenant``).
        * Anything else delivering unified events: fed as they come.

        Returns a function that detaches the stream.
        """
        on = getattr(stream, "on", None)
        if not callable(on):
            raise UsageError(
                f"Wallboard.attach needs a stream with on(kind, handler), not {type(stream)!r}"
            )
        adapter = StreamAdapter(stream, tenant=tenant)

        def handle(event: Any) -> None:
            update = adapter.translate(event)
            if update.snapshot is not None:
                self.snapshot(*update.snapshot)
            for unified in update.events:
                self.feed(unified)

        unsubscribe: Callable[[], None] = on("*", handle)
        self._detach.append(unsubscribe)
        initial = adapter.initial()
        if initial is not None:
            self.snapshot(*initial)
        return unsubscribe

    # ------------------------------------------------------------------ web

    @property
    def url(self) -> str | None:
        """The page's URL while serving."""
        return self._url

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the web page on ``host:port`` (0: a free port); returns its URL.

        The page shows no credentials, so any host is allowed; the default is loopback.
        """
        if self._runner is not None:
            raise UsageError(f"the wallboard is already serving at {self._url}")
        runner = web.AppRunner(create_app(self.publisher), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        shown = host if host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        self._url = f"http://{shown}:{bound_port}/"
        logger.info("wallboard serving at %s (bound %s)", self._url, bound_host)
        return self._url

    async def close(self) -> None:
        """Stop serving and detach every stream. Idempotent."""
        for unsubscribe in self._detach:
            unsubscribe()
        self._detach.clear()
        runner, self._runner = self._runner, None
        self._url = None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ terminal

    def renderable(self) -> Any:
        """The terminal view of the board now (a rich renderable)."""
        from cxkit.wallboard.tui import render

        return render(self.model, title=self.title, url=self._url)

    async def run_terminal(
        self, *, refresh: float = 0.5, stop: asyncio.Event | None = None, console: Any = None
    ) -> None:
        """Show the board in the terminal (rich Live) until ``stop`` is set or cancelled."""
        from cxkit.wallboard.tui import run_live

        await run_live(self, refresh=refresh, stop=stop, console=console)
