"""The Genesys Cloud emulator plugin: wires routes, sockets, background tasks and admin.

Hosts (one server): the Platform API at the base URL (``/api/v2/...``); the login host both
at the base URL (``/oauth/token``, what the official SDKs use when the host has no ``api.``
label) and under ``/login`` (``login_url``, SDK gateway ``path_params_login``); the
Notifications WebSocket at ``ws://<host>/channels/<channelId>`` (the channel's
``connectUri``). With the ``gateway_api_prefix`` / ``gateway_login_prefix`` switches the API
and the login host are also served under those prefixes, as behind an SDK gateway.

With a simulated center (``ctx.simulation``) the org is a view of it
(:mod:`cxkit.emulator.genesys.simview`) and the scripted scenario is off.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, Final

from aiohttp import web

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.context import EmulatorContext
from cxkit.emulator.genesys.admin import COMMANDS, GenesysAdmin
from cxkit.emulator.genesys.api import api_middleware
from cxkit.emulator.genesys.errors import not_found
from cxkit.emulator.genesys.routes_analytics import AnalyticsRoutes
from cxkit.emulator.genesys.routes_conversations import ConversationRoutes
from cxkit.emulator.genesys.routes_notifications import NotificationRoutes
from cxkit.emulator.genesys.routes_oauth import OAuthRoutes
from cxkit.emulator.genesys.routes_routing import RoutingRoutes
from cxkit.emulator.genesys.routes_scim import ScimRoutes
from cxkit.emulator.genesys.routes_teams import TeamRoutes
from cxkit.emulator.genesys.routes_tokens import TokenRoutes
from cxkit.emulator.genesys.routes_usage import UsageRoutes
from cxkit.emulator.genesys.routes_users import UserRoutes
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.scenario import Scenario
from cxkit.emulator.genesys.settings import GenesysOptions
from cxkit.emulator.genesys.simview import SimView
from cxkit.emulator.genesys.ws import channel_socket_handler

__all__ = ["LOGIN_PREFIX", "GenesysPlugin"]

LOGIN_PREFIX: Final = "/login"


class GenesysPlugin:
    """The ``genesys`` vendor plugin (see :class:`cxkit.emulator.context.VendorPlugin`)."""

    name = "genesys"

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        config = config or EmulatorConfig()
        options = GenesysOptions.from_mapping(config.options_for(self.name))
        self.runtime = Runtime(config.tenant.genesys, options, config.seed)
        self.scenario = Scenario(self.runtime)
        self.admin = GenesysAdmin(self.runtime, self.scenario)
        self._sweeper: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ VendorPlugin

    def setup(self, app: web.Application, ctx: EmulatorContext) -> None:
        """Add the API sub-app, the login routes, the channel socket and the tasks."""
        rt = self.runtime
        rt.ctx = ctx
        host = ctx.simulation
        if host is not None:
            rt.sim = SimView(rt, host)
            host.subscribe(rt.sim.observe)  # survives resets: follows the current simulation
            host.on_tick(rt.sim.tick)
        rt.reset()  # rebuild the org (demo or simulated) on the emulator clock
        app.add_subapp("/api/v2", self._api_app())
        options = rt.live.current
        if options.gateway_api_prefix:
            app.add_subapp(f"/{options.gateway_api_prefix}/api/v2", self._api_app())
        oauth = OAuthRoutes(rt)
        app.add_routes(oauth.routes(""))
        app.add_routes(oauth.routes(LOGIN_PREFIX))
        if options.gateway_login_prefix:
            app.add_routes(oauth.routes(f"/{options.gateway_login_prefix}"))
        app.router.add_get(
            "/channels/{channel_id}", channel_socket_handler(rt.hub, rt.live, lambda: rt.ctx)
        )
        ctx.on_reset(self._reset)
        ctx.on_clock_advance(self._clock_advanced)
        app.on_startup.append(self._startup)
        app.on_shutdown.append(self._shutdown)

    def info(self) -> dict[str, Any]:
        """``/_emulator/info`` section: base URLs, demo tenant, options, admin commands."""
        rt = self.runtime
        base = rt.base_url()
        options = rt.live.current
        gateway: dict[str, str] = {}
        if options.gateway_api_prefix:
            gateway["api_url"] = f"{base}/{options.gateway_api_prefix}"
        if options.gateway_login_prefix:
            gateway["login_url"] = f"{base}/{options.gateway_login_prefix}"
        return {
            "api_url": base,
            "login_url": base + LOGIN_PREFIX,
            "gateway": gateway,
            "ws": rt.ws_base(),
            "connect_uri_template": rt.ws_base() + "/channels/{channelId}",
            "tenant": rt.tenant.to_info(),
            "options": rt.live.current.to_info(),
            "admin_commands": dict(COMMANDS),
        }

    def admin_command(
        self, command: str, body: dict[str, Any]
    ) -> dict[str, Any] | Awaitable[dict[str, Any]] | None:
        """Run a ``POST /_emulator/genesys/{command}`` (see :mod:`admin`)."""
        return self.admin.run(command, body)

    # ------------------------------------------------------------------ internals

    @property
    def _scripted(self) -> bool:
        """No simulated center: the scripted scenario may run."""
        return self.runtime.sim is None

    def _api_app(self) -> web.Application:
        """The Platform API (``/api/v2``) as a sub-application (mounted once, and again under
        the gateway prefix when one is configured)."""
        rt = self.runtime
        api = web.Application(middlewares=[api_middleware(rt)])
        for table in (
            UserRoutes(rt),
            RoutingRoutes(rt),
            ConversationRoutes(rt),
            AnalyticsRoutes(rt),
            UsageRoutes(rt),
            ScimRoutes(rt),
            TeamRoutes(rt),
            TokenRoutes(rt),
            NotificationRoutes(rt),
        ):
            api.add_routes(table.routes())
        api.router.add_route("*", "/{tail:.*}", self._unknown_api)
        return api

    async def _unknown_api(self, request: web.Request) -> web.StreamResponse:
        raise not_found()

    def _reset(self) -> None:
        self.scenario.stop()
        self.runtime.reset()
        if self._scripted and self.runtime.live.current.scenario:
            self.scenario.start()

    def _clock_advanced(self, seconds: float) -> None:
        self.runtime.hub.sweep()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.runtime.live.current.expiry_check_interval)
            self.runtime.hub.sweep()

    async def _startup(self, app: web.Application) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        if self._scripted and self.runtime.live.current.scenario:
            self.scenario.start()

    async def _shutdown(self, app: web.Application) -> None:
        await self.scenario.aclose()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        self.runtime.hub.clear()
