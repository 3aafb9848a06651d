"""The Five9 VCC vendor plugin: routes, sockets, admin commands and the scripted activity."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from cxkit.emulator.context import EmulatorContext
from cxkit.emulator.five9.admin import COMMANDS, run_command
from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import Five9Error, forbidden, not_found, wrong_login_state
from cxkit.emulator.five9.model import User
from cxkit.emulator.five9.options import Five9Options
from cxkit.emulator.five9.router import Call, Route, Router
from cxkit.emulator.five9.routes_agent import add_agent_routes
from cxkit.emulator.five9.routes_auth import SSO_TOKENS, add_auth_routes
from cxkit.emulator.five9.routes_cloud import EXCHANGE, PERMISSIONS, CloudTokens, add_cloud_routes
from cxkit.emulator.five9.routes_misc import add_misc_routes
from cxkit.emulator.five9.routes_session import add_session_routes
from cxkit.emulator.five9.routes_supervisor import add_supervisor_routes
from cxkit.emulator.five9.scenario import Scenario
from cxkit.emulator.five9.sessions import AGENT, SUPERVISOR
from cxkit.emulator.five9.simview import SimTenant
from cxkit.emulator.five9.ws import SocketHub
from cxkit.emulator.tenant import DEMO, Five9Tenant
from cxkit.sim import ChangeRecord

__all__ = ["Five9Plugin", "create_plugin"]

log = logging.getLogger("cxkit.emulator.five9")

_ROOTS = "appsvcs|supsvcs|strsvcs"


class Five9Plugin:
    """The emulated Five9 VCC (implements :class:`cxkit.emulator.context.VendorPlugin`)."""

    name = "five9"

    def __init__(
        self, options: Five9Options | None = None, demo: Five9Tenant | None = None
    ) -> None:
        self.options = options or Five9Options()
        self.core = Five9Core(demo or DEMO.five9, self.options)
        self._wire()
        self._scenario_task: asyncio.Task[None] | None = None

    def _wire(self) -> None:
        """Build the router, socket hub and scenario over the current core state."""
        self.hub = SocketHub(self.core)
        self.core.tenant.subscribe(self.hub.on_notification)
        self.router = Router()
        add_auth_routes(self.router, self.core)
        add_session_routes(self.router, self.core)
        add_agent_routes(self.router, self.core)
        add_supervisor_routes(self.router, self.core, self.hub.snapshot_for)
        add_misc_routes(self.router, self.core)
        self.scenario = Scenario(self.core.tenant, self.core.sessions)
        self.cloud_tokens = CloudTokens(self.core)

    # ------------------------------------------------------------------ VendorPlugin

    def setup(self, app: web.Application, ctx: EmulatorContext) -> None:
        """Add the VCC roots, the sockets and the scripted activity to the app; with a
        simulated center (``ctx.simulation``) the domain is a view of it instead."""
        self.core.attach(ctx)
        self.core.build()  # re-seed so the demo's timestamps follow the emulator clock
        self._wire()
        host = ctx.simulation
        if host is not None:
            # Registered once: both survive resets and reach the current tenant and hub.
            host.subscribe(self._sim_record)
            host.on_tick(self._sim_tick)
        router = app.router
        router.add_get("/appsvcs/ws/{key}", self._agent_socket)
        router.add_get("/agentsws/{key}", self._agent_socket)
        router.add_get("/supsvcs/sws", self._supervisor_socket)
        router.add_get("/supsvcs/sws/{key}", self._supervisor_socket)
        router.add_get("/supsvcs/ws/{key}", self._supervisor_socket)
        add_cloud_routes(router, self.core, lambda: self.cloud_tokens)
        router.add_route("*", f"/{{root:{_ROOTS}}}/rs/svc/{{tail:.*}}", self._dispatch)
        router.add_route("*", f"/{{root:{_ROOTS}|agentsvcs}}{{tail:(/.*)?}}", self._unknown)
        ctx.on_reset(self._reset)
        ctx.on_clock_advance(self._clock_advanced)
        if self.options.scenario and host is None:
            app.on_startup.append(self._startup_scenario)
        app.on_cleanup.append(self._cleanup)

    def info(self) -> dict[str, Any]:
        """Base URLs, data centers and the demo credentials for ``/_emulator/info``."""
        demo = self.core.demo
        info: dict[str, Any] = {
            "orgId": demo.org_id,
            "domainName": demo.domain_name,
            "supervisor": demo.supervisor.to_info(),
            "agent": demo.agent.to_info(),
            "ssoTokens": dict(SSO_TOKENS),
            "roots": ["/appsvcs/rs/svc", "/supsvcs/rs/svc", "/strsvcs/rs/svc"],
            "sockets": {"agent": "/appsvcs/ws/{key}", "supervisor": "/supsvcs/sws/{key}"},
            "cloud": {"exchange": EXCHANGE, "permissions": PERMISSIONS},
            "region": self.options.region,
            "adminCommands": sorted(COMMANDS),
        }
        tenant = self.core.tenant
        if isinstance(tenant, SimTenant):
            # The demo agent's credentials log in as the first simulated agent.
            if tenant.demo_agent_id is not None:
                info["agent"] = {**demo.agent.to_info(), "userId": tenant.demo_agent_id}
            directory = tenant.sim.directory
            info["simulation"] = {
                "agents": len(directory.agents),
                "queues": len(directory.queues),
                "demoAgent": directory.agents[0].id if directory.agents else None,
                "agentPassword": demo.agent.password.reveal(),
                "note": (
                    "every simulated agent logs in with its username and agentPassword; "
                    "the demo agent's username logs in as the first simulated agent"
                ),
            }
        with contextlib.suppress(Exception):
            info["loginUrl"] = self.core.base_url
            info["metadata"] = self.core.metadata()
            info["farmId"] = self.core.farm_id()
        return info

    def admin_command(self, command: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Run an admin command (see :mod:`cxkit.emulator.five9.admin`)."""
        return run_command(self, command, body)

    # ------------------------------------------------------------------ REST

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        core = self.core
        root = request.match_info["root"]
        try:
            route, params = self.router.match(root, request.method, request.match_info["tail"])
            call = Call(request=request, root=root, params=params, body_bytes=await request.read())
            if not route.pattern.startswith("auth/"):
                core.check_migrated(request)
            if route.auth:
                self._authorize(call, route)
            result = route.handler(call)
            if inspect.isawaitable(result):
                result = await result
            return result
        except Five9Error as exc:
            return exc.response(core.now_ms())
        except Exception:
            # An emulator bug must still answer like Five9 (a vendor error body), not with
            # aiohttp's HTML page, and be visible in the log.
            log.exception("five9 emulator: %s %s failed", request.method, request.path)
            error = Five9Error(500, 500, "Internal Server Error", "INTERNAL")
            return error.response(core.now_ms())

    def _authorize(self, call: Call, route: Route) -> None:
        core = self.core
        _token, session = core.authenticate(call.request)
        call.session = session
        user = core.tenant.users.get(session.user_id)
        if user is None:
            raise not_found(f"User {session.user_id} not found", session.user_id)
        role = self._role(route, call.root, user)
        call.role = role
        params = call.params
        if route.role in (AGENT, SUPERVISOR):
            own = params.get("agentId") if route.role == AGENT else params.get("supId")
            if own is not None and own != user.id:
                raise forbidden(f"User {user.id} may not act as {own}", own)
        if "orgId" in params and params["orgId"] != core.tenant.org_id:
            raise forbidden(f"Not a member of organization {params['orgId']}", params["orgId"])
        if route.working and role is not None:
            state = core.sessions.state(session, role)
            if state != "WORKING":
                raise wrong_login_state(state, route.op)

    @staticmethod
    def _role(route: Route, root: str, user: User) -> str | None:
        if route.role == "any":
            return None
        if route.role == AGENT:
            if not user.is_agent:
                raise forbidden("User has no agent role", user.id)
            return AGENT
        if route.role == SUPERVISOR:
            if not user.is_supervisor:
                raise forbidden("User has no supervisor role", user.id)
            return SUPERVISOR
        preferred = SUPERVISOR if root == "supsvcs" else AGENT
        if preferred == AGENT and not user.is_agent:
            return SUPERVISOR if user.is_supervisor else None
        if preferred == SUPERVISOR and not user.is_supervisor:
            return AGENT if user.is_agent else None
        return preferred

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        error = not_found(f"Resource not found: {request.path}")
        return error.response(self.core.now_ms())

    async def _agent_socket(self, request: web.Request) -> web.StreamResponse:
        return await self.hub.handle(request, AGENT)

    async def _supervisor_socket(self, request: web.Request) -> web.StreamResponse:
        return await self.hub.handle(request, SUPERVISOR)

    # ------------------------------------------------------------------ lifecycle

    def _reset(self) -> None:
        """``POST /_emulator/reset``: close sockets, rebuild the demo domain."""
        self.stop_scenario()
        self.hub.close_all(1001, "Emulator reset")
        ctx = self.core.ctx
        self.core.build()  # a fresh publisher, its rows built from the fresh tenant
        self.core.attach(ctx)
        self._wire()
        if self.options.scenario and not self.core.simulated:
            self.start_scenario(self.options.scenario_interval)

    async def _startup_scenario(self, app: web.Application) -> None:
        self.start_scenario(self.options.scenario_interval)

    async def _cleanup(self, app: web.Application) -> None:
        self.stop_scenario()

    def start_scenario(self, interval: float) -> None:
        """Run the scripted activity every ``interval`` seconds of the emulator clock."""
        self.stop_scenario()
        self.core.options.scenario_interval = interval
        self.scenario.running = True
        self.scenario.next_due = self.core.monotonic()
        self._scenario_task = asyncio.get_running_loop().create_task(self._run_scenario())

    def stop_scenario(self) -> None:
        """Stop the timer of the scripted activity (steps stay where they are)."""
        self.scenario.running = False
        if self._scenario_task is not None:
            self._scenario_task.cancel()
            self._scenario_task = None

    def _run_due_steps(self) -> None:
        interval = self.core.options.scenario_interval
        now = self.core.monotonic()
        while self.scenario.running and now >= self.scenario.next_due:
            self.scenario.step()
            self.scenario.next_due += interval

    async def _run_scenario(self) -> None:
        while self.scenario.running:
            try:
                self._run_due_steps()
            except Exception:  # one bad step must not stop the demo
                log.exception("five9 emulator: scenario step failed")
                self.scenario.next_due += self.core.options.scenario_interval
            await asyncio.sleep(min(0.25, self.core.options.scenario_interval))

    def _sim_record(self, record: ChangeRecord) -> None:
        """SimHost observer: the simulation changed; the domain follows."""
        tenant = self.core.tenant
        if isinstance(tenant, SimTenant):
            tenant.apply(record)

    def _sim_tick(self, now: float) -> None:
        """SimHost tick callback: one 5012 (per stats filter) with every row changed
        since the last tick."""
        tenant = self.core.tenant
        if isinstance(tenant, SimTenant):
            tenant.tick()
            self.hub.flush()

    def _clock_advanced(self, seconds: float) -> None:
        if self.scenario.running:
            self._run_due_steps()


def create_plugin(config: object = None) -> Five9Plugin:
    """Create the Five9 plugin from an :class:`~cxkit.emulator.config.EmulatorConfig`
    (its ``vendor_options["five9"]`` are :class:`Five9Options` keys; its ``seed`` and
    ``tenant.five9`` are used), a :class:`Five9Options`, a mapping of options, or None."""
    if config is None:
        return Five9Plugin()
    if isinstance(config, Five9Options):
        return Five9Plugin(config)
    if isinstance(config, Mapping):
        return Five9Plugin(Five9Options.from_mapping(config))
    demo: Five9Tenant | None = getattr(getattr(config, "tenant", None), "five9", None)
    raw: Mapping[str, Any] = {}
    options_for = getattr(config, "options_for", None)
    if callable(options_for):
        raw = options_for("five9")
    values = dict(raw)
    seed = getattr(config, "seed", None)
    if "seed" not in values and isinstance(seed, int) and seed:
        values["seed"] = seed
    try:
        options = Five9Options.from_mapping(values)
    except (TypeError, ValueError) as exc:
        from cxkit.errors import ConfigError

        raise ConfigError.bad_value("vendor_options.five9", dict(raw), str(exc)) from None
    return Five9Plugin(options, demo)
