"""The emulator's admin API, under ``/_emulator/`` (never subject to fault rules).

=======  ==============================  ================================================
method   path                            what it does
=======  ==============================  ================================================
GET      /_emulator/info                 ``{base_url, ws_url, vendors: {name: info}}``
POST     /_emulator/reset                reset every plugin, clear faults, pongs back on
GET      /_emulator/faults               the active fault rules
POST     /_emulator/faults               add a rule (see :mod:`cxkit.emulator.faults`)
DELETE   /_emulator/faults               remove every rule
DELETE   /_emulator/faults/{id}          remove one rule
GET      /_emulator/ws                   the open tracked WebSockets
POST     /_emulator/ws/drop              ``{vendor?, user?, code?}`` drop sockets
POST     /_emulator/ws/pongs             ``{vendor?, enabled}`` stop / resume ping answers
GET      /_emulator/clock                ``{now, monotonic, offset, frozen}``
POST     /_emulator/clock/advance        ``{seconds}`` move the emulator clock forward
GET      /_emulator/sim                  the simulated center's truth (queues, agents)
POST     /_emulator/sim/speed            ``{speed}`` simulated seconds per clock second
POST     /_emulator/sim/offer            ``{queue}`` offer one call to a queue now
POST     /_emulator/sim/agent            ``{agent, action, reason?}`` an agent's action
POST     /_emulator/{vendor}/{command}   the vendor plugin's own admin command
=======  ==============================  ================================================

Every answer is JSON. A bad body is answered 400 ``{"error": "bad_request", "field": ...,
"message": ...}`` naming the offending field; an unknown vendor or command 404.

``/_emulator/info`` returns the demo tenant's passwords and client secrets in clear, on
purpose: they are the local emulator's published demo credentials (see
:mod:`cxkit.emulator.tenant`), not secrets of a real account.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from aiohttp import web

from cxkit.emulator.context import CoreContext, VendorPlugin
from cxkit.emulator.simhost import AGENT_ACTIONS, SimHost
from cxkit.errors import ConfigError, UsageError

__all__ = ["ADMIN_PREFIX", "build_info", "setup_admin"]

log = logging.getLogger("cxkit.emulator")

ADMIN_PREFIX: Final = "/_emulator"
_FIXED_PATHS: Final = frozenset(
    {
        "info",
        "reset",
        "faults",
        "ws",
        "ws/drop",
        "ws/pongs",
        "clock",
        "clock/advance",
        "sim",
        "sim/speed",
        "sim/offer",
        "sim/agent",
    }
)


class AdminError(Exception):
    """An admin request that cannot be served; becomes a JSON error answer."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def build_info(ctx: CoreContext, plugins: Mapping[str, VendorPlugin]) -> dict[str, Any]:
    """The ``GET /_emulator/info`` document."""
    return {
        "base_url": ctx.base_url,
        "ws_url": ctx.ws_base_url,
        "vendors": {name: plugin.info() for name, plugin in plugins.items()},
    }


def _error_body(status: int, message: str, field: str | None = None) -> web.Response:
    kind = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
        status, "internal_error"
    )
    body: dict[str, Any] = {"error": kind, "message": message}
    if status == 400:
        body["field"] = field
    return web.json_response(body, status=status)


AdminHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _guarded(handler: AdminHandler) -> AdminHandler:
    """Turn admin errors into JSON answers (never an HTML page or a bare 500)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except AdminError as exc:
            return _error_body(exc.status, str(exc), exc.field)
        except ConfigError as exc:
            return _error_body(400, str(exc), exc.key)
        except UsageError as exc:
            return _error_body(400, str(exc))
        except web.HTTPException:
            raise
        except Exception as exc:
            log.exception("emulator: admin %s %s failed", request.method, request.path)
            return _error_body(500, f"{type(exc).__name__}: {exc}")

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body (an empty body is ``{}``)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdminError(400, f"the body is not valid JSON ({exc})", field="body") from None
    if not isinstance(value, dict):
        raise AdminError(400, "the body must be a JSON object", field="body")
    return value


def _optional_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise AdminError(400, f"{key} must be a string or null", field=key)
    return value


def _reject_unknown(body: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise AdminError(
            400,
            f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})",
            field=unknown[0],
        )


def setup_admin(
    app: web.Application, ctx: CoreContext, plugins: Mapping[str, VendorPlugin]
) -> None:
    """Add the admin routes to ``app`` (before the plugins add theirs)."""

    def known_vendor(body: Mapping[str, Any]) -> str | None:
        vendor = _optional_str(body, "vendor")
        if vendor is not None and vendor not in plugins:
            raise AdminError(
                400,
                f"unknown vendor {vendor!r} (serving: {', '.join(plugins) or 'none'})",
                field="vendor",
            )
        return vendor

    async def info(request: web.Request) -> web.StreamResponse:
        return web.json_response(build_info(ctx, plugins))

    async def reset(request: web.Request) -> web.StreamResponse:
        await _body(request)  # a body is allowed but means nothing; it must still be JSON
        failures = await ctx.reset()
        if failures:
            return web.json_response(
                {
                    "error": "internal_error",
                    "message": "some reset callbacks failed",
                    "failures": failures,
                },
                status=500,
            )
        return web.json_response({"reset": True, "vendors": list(plugins)})

    async def list_faults(request: web.Request) -> web.StreamResponse:
        return web.json_response({"faults": [rule.to_json() for rule in ctx.faults.rules()]})

    async def add_fault(request: web.Request) -> web.StreamResponse:
        rule = ctx.faults.add_json(await _body(request))
        return web.json_response(rule.to_json(), status=201)

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        return web.json_response({"removed": ctx.faults.clear()})

    async def remove_fault(request: web.Request) -> web.StreamResponse:
        rule_id = request.match_info["rule_id"]
        if not ctx.faults.remove(rule_id):
            raise AdminError(404, f"no fault rule {rule_id!r}")
        return web.json_response({"removed": 1})

    async def list_sockets(request: web.Request) -> web.StreamResponse:
        return web.json_response({"sockets": [s.to_json() for s in ctx.sockets.open()]})

    async def drop_sockets(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        _reject_unknown(body, {"vendor", "user", "code", "reason"})
        vendor = known_vendor(body)
        user = _optional_str(body, "user")
        reason = _optional_str(body, "reason") or ""
        code = body.get("code")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise AdminError(400, "code must be an integer close code or null", field="code")
        dropped = await ctx.sockets.drop(vendor=vendor, user=user, code=code, message=reason)
        return web.json_response({"dropped": dropped})

    async def set_pongs(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        _reject_unknown(body, {"vendor", "enabled"})
        vendor = known_vendor(body)
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise AdminError(400, "enabled must be true or false", field="enabled")
        ctx.set_pongs(enabled, vendor)
        return web.json_response({"vendor": vendor, "enabled": enabled})

    def clock_state() -> dict[str, Any]:
        return {
            "now": ctx.now(),
            "monotonic": ctx.monotonic(),
            "offset": ctx.clock.offset,
            "frozen": ctx.clock.frozen,
        }

    async def get_clock(request: web.Request) -> web.StreamResponse:
        return web.json_response(clock_state())

    async def advance_clock(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        _reject_unknown(body, {"seconds"})
        if "seconds" not in body:
            raise AdminError(400, "seconds is required", field="seconds")
        failures = await ctx.advance_clock(body["seconds"])
        state = clock_state()
        if failures:
            state.update(error="internal_error", failures=failures)
            return web.json_response(state, status=500)
        return web.json_response(state)

    def simulation() -> SimHost:
        host = ctx.simulation
        if host is None:
            raise AdminError(
                404, "this emulator runs no simulated center (start it with a simulation)"
            )
        return host

    async def get_sim(request: web.Request) -> web.StreamResponse:
        return web.json_response(simulation().truth())

    async def set_sim_speed(request: web.Request) -> web.StreamResponse:
        host = simulation()
        body = await _body(request)
        _reject_unknown(body, {"speed"})
        if "speed" not in body:
            raise AdminError(400, "speed is required", field="speed")
        host.speed = body["speed"]
        return web.json_response({"speed": host.speed, "now": host.sim.now})

    async def sim_offer(request: web.Request) -> web.StreamResponse:
        host = simulation()
        body = await _body(request)
        _reject_unknown(body, {"queue"})
        queue = _optional_str(body, "queue")
        if not queue:
            raise AdminError(400, "queue is required (an id or a name)", field="queue")
        call_id = await host.offer_call(queue)
        return web.json_response({"call_id": call_id, "queue_id": host.find_queue(queue)})

    async def sim_agent(request: web.Request) -> web.StreamResponse:
        host = simulation()
        body = await _body(request)
        _reject_unknown(body, {"agent", "action", "reason"})
        agent = _optional_str(body, "agent")
        if not agent:
            raise AdminError(
                400, "agent is required (an id, a username or an email)", field="agent"
            )
        action = _optional_str(body, "action")
        if action not in AGENT_ACTIONS:
            raise AdminError(
                400, f"action must be one of {', '.join(AGENT_ACTIONS)}", field="action"
            )
        agent_id = await host.agent_action(agent, action, _optional_str(body, "reason"))
        snapshot = host.sim.agent_snapshot(agent_id)
        return web.json_response(
            {"agent_id": agent_id, "state": snapshot.state.value, "reason": snapshot.reason}
        )

    async def vendor_command(request: web.Request) -> web.StreamResponse:
        vendor = request.match_info["vendor"]
        command = request.match_info["command"]
        plugin = plugins.get(vendor)
        if plugin is None:
            raise AdminError(
                404, f"unknown vendor {vendor!r} (serving: {', '.join(plugins) or 'none'})"
            )
        result = plugin.admin_command(command, await _body(request))
        if inspect.isawaitable(result):
            result = await result
        if result is None:
            raise AdminError(404, f"vendor {vendor!r} has no admin command {command!r}")
        return web.json_response(result)

    async def unknown(request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"].strip("/")
        if tail in _FIXED_PATHS:
            raise AdminError(405, f"{request.method} is not allowed on {request.path}")
        raise AdminError(404, f"no admin endpoint {request.method} {request.path}")

    p = ADMIN_PREFIX
    routes: list[tuple[str, str, AdminHandler]] = [
        ("GET", f"{p}/info", info),
        ("POST", f"{p}/reset", reset),
        ("GET", f"{p}/faults", list_faults),
        ("POST", f"{p}/faults", add_fault),
        ("DELETE", f"{p}/faults", clear_faults),
        ("DELETE", f"{p}/faults/{{rule_id}}", remove_fault),
        ("GET", f"{p}/ws", list_sockets),
        ("POST", f"{p}/ws/drop", drop_sockets),
        ("POST", f"{p}/ws/pongs", set_pongs),
        ("GET", f"{p}/clock", get_clock),
        ("POST", f"{p}/clock/advance", advance_clock),
        ("GET", f"{p}/sim", get_sim),
        ("POST", f"{p}/sim/speed", set_sim_speed),
        ("POST", f"{p}/sim/offer", sim_offer),
        ("POST", f"{p}/sim/agent", sim_agent),
        # after the fixed paths (a vendor named "ws" or "clock" would be shadowed);
        # a command may contain "/" (e.g. "channels/expire")
        ("POST", f"{p}/{{vendor}}/{{command:.+}}", vendor_command),
        ("*", f"{p}{{tail:(?:/.*)?}}", unknown),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _guarded(handler))
