"""Run the emulator in-process on a loopback port: :class:`EmulatorServer`.

.. code-block:: python

    async with EmulatorServer() as emu:          # 127.0.0.1, a free port
        print(emu.url, emu.info()["vendors"])

The server binds to loopback only unless ``allow_remote=True``: the emulator accepts the
published demo credentials and has an unauthenticated admin API, so it must not be reachable
from the network by accident.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from cxkit.emulator.admin import build_info
from cxkit.emulator.app import CONTEXT_KEY, PLUGINS_KEY, create_app
from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.context import CoreContext, VendorPlugin
from cxkit.errors import UsageError

__all__ = ["EmulatorServer", "is_loopback_host"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_UNSPECIFIED = frozenset({"", "0.0.0.0", "::", "*"})


def _strip_brackets(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    name = _strip_brackets(host.strip()).lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    """How ``host`` appears in a URL (IPv6 literals in brackets)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{address.compressed}]" if address.version == 6 else address.compressed


def _bind_sockets(host: str, port: int, *, allow_remote: bool) -> list[socket.socket]:
    """Bind a listening socket for every address ``host`` resolves to, all on one port.

    asyncio's own binding would give each address (``localhost`` is 127.0.0.1 *and* ::1) a
    different random port when ``port`` is 0; here the first address picks the port and the
    others take the same one.
    """
    infos = socket.getaddrinfo(
        None if host in _UNSPECIFIED else host,
        port,
        type=socket.SOCK_STREAM,
        flags=socket.AI_PASSIVE,
    )
    addresses: list[tuple[int, str]] = []
    for info_family, _type, _proto, _name, sockaddr in infos:
        item = (int(info_family), str(sockaddr[0]))
        if item not in addresses and info_family in (socket.AF_INET, socket.AF_INET6):
            addresses.append(item)
    if not addresses:
        raise UsageError(f"host {host!r} resolves to no IPv4 or IPv6 address")
    if not allow_remote:
        remote = [
            addr
            for _family, addr in addresses
            if not ipaddress.ip_address(addr.split("%")[0]).is_loopback
        ]
        if remote:
            raise UsageError(
                f"host {host!r} resolves to a non-loopback address ({remote[0]}); "
                "pass allow_remote=True to listen on it"
            )
    attempts = 5 if port == 0 else 1
    for attempt in range(attempts):
        bound: list[socket.socket] = []
        chosen = port
        try:
            for family, address in addresses:
                sock = socket.socket(family, socket.SOCK_STREAM)
                bound.append(sock)
                if hasattr(socket, "SO_REUSEADDR") and socket.SO_REUSEADDR:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    # so that "::" and "0.0.0.0" (or ::1 and 127.0.0.1) can share the port
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((address, chosen))
                chosen = sock.getsockname()[1]
                sock.setblocking(False)
            return bound
        except OSError as exc:
            for sock in bound:
                sock.close()
            # with port 0, the port picked on the first address may be taken on another one
            if exc.errno == errno.EADDRINUSE and port == 0 and attempt + 1 < attempts:
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


class EmulatorServer:
    """The emulator app served on a local port; an async context manager.

    Args:
        config: the emulator's settings (default :class:`EmulatorConfig`).
        host: where to listen: ``127.0.0.1`` (default), ``localhost`` or ``::1``. Any other
            host is refused with :class:`cxkit.errors.UsageError` unless ``allow_remote``.
        port: the TCP port; 0 (default) picks a free one (see :attr:`port` once started).
        allow_remote: allow a non-loopback host (``0.0.0.0``, a LAN address...).
        plugins: the vendor plugins (default: every vendor, see :func:`create_app`).
        shutdown_timeout: seconds :meth:`stop` lets open requests finish.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        plugins: Sequence[VendorPlugin] | None = None,
        shutdown_timeout: float = 2.0,
    ) -> None:
        if not isinstance(host, str):
            raise UsageError(f"host must be a string, not {type(host).__name__}")
        if not allow_remote and not is_loopback_host(host):
            raise UsageError(
                f"refusing to listen on {host!r}: the emulator serves published demo "
                "credentials and an unauthenticated admin API, so it binds to loopback only "
                "(127.0.0.1, localhost or ::1); pass allow_remote=True (CLI: --allow-remote) "
                "to listen on another address"
            )
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise UsageError(f"port must be an integer 0-65535, not {port!r}")
        self.config = config or EmulatorConfig()
        self._host = _strip_brackets(host.strip())
        self._requested_port = port
        self._allow_remote = allow_remote
        self._shutdown_timeout = shutdown_timeout
        self._app = create_app(self.config, plugins)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._stopped = False

    # -- properties

    @property
    def app(self) -> web.Application:
        """The aiohttp application."""
        return self._app

    @property
    def ctx(self) -> CoreContext:
        """The core context (faults, clock, sockets) shared with the plugins."""
        return self._app[CONTEXT_KEY]

    @property
    def host(self) -> str:
        """The host the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The TCP port the server listens on (known once started)."""
        return self._require_started()

    def _require_started(self) -> int:
        if self._port is None or self._runner is None:
            raise UsageError("the emulator server is not running (use start() or async with)")
        return self._port

    @property
    def url(self) -> str:
        """The public base URL, e.g. ``http://127.0.0.1:43121``."""
        self._require_started()
        return self.ctx.base_url

    @property
    def ws_url(self) -> str:
        """The public base URL as ``ws://``."""
        self._require_started()
        return self.ctx.ws_base_url

    def info(self) -> dict[str, Any]:
        """The same document as ``GET /_emulator/info``."""
        self._require_started()
        plugins: dict[str, VendorPlugin] = self._app[PLUGINS_KEY]
        return build_info(self.ctx, plugins)

    # -- lifecycle

    async def start(self) -> None:
        """Start listening. Raises ``OSError`` when the port is taken."""
        if self._stopped:
            raise UsageError("an EmulatorServer cannot be restarted; create a new one")
        if self._runner is not None:
            raise UsageError("the emulator server is already running")
        runner = web.AppRunner(
            self._app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        self._runner = runner
        try:
            sockets = _bind_sockets(
                self._host, self._requested_port, allow_remote=self._allow_remote
            )
            try:
                for sock in sockets:
                    await web.SockSite(runner, sock).start()
            except BaseException:
                for sock in sockets:
                    sock.close()
                raise
        except BaseException:
            await self.stop()
            raise
        self._port = sockets[0].getsockname()[1]
        if self._host in ("", "0.0.0.0", "*"):
            advertised = "127.0.0.1"  # reachable from this machine; others use public_url
        elif self._host == "::":
            advertised = "::1"
        else:
            advertised = self._host
        self.ctx.set_base_url(f"http://{_url_host(advertised)}:{self._port}")

    async def stop(self) -> None:
        """Stop listening, close open sockets and run the app's cleanup. Idempotent."""
        self._stopped = True
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        where = f"port={self._port}" if self._port is not None else "not started"
        return f"EmulatorServer(host={self._host!r}, {where})"
