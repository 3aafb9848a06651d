"""What the emulator core offers every vendor plugin, and what a plugin provides.

A vendor plugin (``cxkit.emulator.five9``, ``cxkit.emulator.genesys``) keeps its state apart
from its HTTP adapters (as moto does) and plugs into the shared app through
:class:`VendorPlugin`. The core gives it the fault injector, the WebSocket registry, the clock
and the server's public base URL through :class:`EmulatorContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["EmulatorContext", "VendorPlugin"]


@runtime_checkable
class EmulatorContext(Protocol):
    """Services the emulator core offers to vendor plugins."""

    @property
    def base_url(self) -> str:
        """The server's public base URL, e.g. ``http://127.0.0.1:43121`` (set once listening)."""
        ...

    @property
    def ws_base_url(self) -> str:
        """The same as ``ws://`` / ``wss://``."""
        ...

    def now(self) -> float:
        """The emulator's clock: epoch seconds, advanced by the admin API in tests."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds for timers (heartbeats, grace periods)."""
        ...

    def track_websocket(self, ws: web.WebSocketResponse, *, vendor: str, user: str | None) -> None:
        """Register an open server-side socket so admin faults can drop it. Untracked
        automatically when it closes."""
        ...

    def pongs_enabled(self, vendor: str) -> bool:
        """False while the admin API has told the emulator to stop answering pings."""
        ...

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on ``POST /_emulator/reset`` (restore the demo tenant)."""
        ...


@runtime_checkable
class VendorPlugin(Protocol):
    """One vendor's emulator: routes, sockets, state."""

    name: str
    """``"five9"`` or ``"genesys"``: also the key in ``GET /_emulator/info``."""

    def setup(self, app: web.Application, ctx: EmulatorContext) -> None:
        """Add routes (under the vendor's real paths) and background tasks to ``app``."""
        ...

    def info(self) -> dict[str, Any]:
        """The vendor's section of ``/_emulator/info``: base URLs and demo credentials."""
        ...

    def admin_command(self, command: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Handle ``POST /_emulator/{vendor}/{command}`` (vendor faults and scripted events:
        migrations, token revocation, ...). Return None when the command is unknown."""
        ...
