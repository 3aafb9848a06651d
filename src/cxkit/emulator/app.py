"""The emulator's aiohttp application: core middlewares, admin API and vendor plugins.

:func:`create_app` builds the app; :class:`cxkit.emulator.server.EmulatorServer` runs it on a
loopback port. The emulator never imports the client side of cxkit (``cxkit.five9``,
``cxkit.genesys``, ``cxkit.core.http``): the two sides only meet on the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from cxkit.emulator.admin import ADMIN_PREFIX, setup_admin
from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.context import CURRENT_REQUEST, CoreContext, VendorPlugin
from cxkit.emulator.faults import FaultInjector
from cxkit.errors import UsageError

__all__ = ["CONTEXT_KEY", "DEFAULT_VENDORS", "PLUGINS_KEY", "create_app", "default_plugins"]


DEFAULT_VENDORS: Final = ("five9", "genesys")
"""The vendors served when no plugins are given, as ``cxkit.emulator.<vendor>`` packages."""

CONTEXT_KEY: Final[web.AppKey[CoreContext]] = web.AppKey("cxkit_emulator_context", CoreContext)
PLUGINS_KEY: Final[web.AppKey[dict[str, VendorPlugin]]] = web.AppKey("cxkit_emulator_plugins")


def default_plugins(config: EmulatorConfig) -> list[VendorPlugin]:
    """Create the plugin of every vendor in :data:`DEFAULT_VENDORS`.

    Each vendor package exposes ``create_plugin(config: EmulatorConfig) -> VendorPlugin``.
    """
    # Imported here, not at module top: each plugin is a sizeable package and the CLI's
    # --help must not pay for it.
    from cxkit.emulator.five9 import create_plugin as five9_plugin
    from cxkit.emulator.genesys import create_plugin as genesys_plugin

    factories: dict[str, Callable[[EmulatorConfig], VendorPlugin]] = {
        "five9": five9_plugin,
        "genesys": genesys_plugin,
    }
    plugins = [factories[vendor](config) for vendor in DEFAULT_VENDORS]
    return plugins


def _request_context(ctx: CoreContext) -> Middleware:
    """The outermost middleware: remembers the current request (for ``track_websocket``)
    and, when the app runs under a runner other than EmulatorServer, learns the public base
    URL from the first request."""

    @web.middleware
    async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not ctx.listening:
            ctx.set_base_url(f"{request.scheme}://{request.host}")
        token = CURRENT_REQUEST.set(request)
        try:
            return await handler(request)
        finally:
            CURRENT_REQUEST.reset(token)

    return request_context


def create_app(
    config: EmulatorConfig | None = None, plugins: Sequence[VendorPlugin] | None = None
) -> web.Application:
    """Build the emulator app: admin API, fault injection and the vendor plugins.

    ``plugins`` None serves the default vendors (:func:`default_plugins`). The app's
    :class:`~cxkit.emulator.context.CoreContext` is ``app[CONTEXT_KEY]``.
    """
    config = config or EmulatorConfig()
    if plugins is None:
        plugins = default_plugins(config)
    by_name: dict[str, VendorPlugin] = {}
    for plugin in plugins:
        name = getattr(plugin, "name", None)
        if not isinstance(name, str) or not name or "/" in name:
            raise UsageError(f"a vendor plugin needs a non-empty name without '/': {plugin!r}")
        if name in by_name:
            raise UsageError(f"two vendor plugins are named {name!r}")
        by_name[name] = plugin

    faults = FaultInjector(exempt_prefix=ADMIN_PREFIX)
    ctx = CoreContext(config, faults)
    app = web.Application(middlewares=[_request_context(ctx), faults.middleware()])
    app[CONTEXT_KEY] = ctx
    app[PLUGINS_KEY] = by_name

    async def close_sockets(app: web.Application) -> None:
        # Open WebSockets would hold the runner's shutdown for its whole timeout.
        await ctx.sockets.drop(code=1001, message="emulator shutting down", close_timeout=1.0)

    app.on_shutdown.append(close_sockets)
    if ctx.simulation is not None:
        app.cleanup_ctx.append(ctx.simulation.cleanup_context)
    setup_admin(app, ctx, by_name)
    for plugin in by_name.values():
        plugin.setup(app, ctx)
    return app
