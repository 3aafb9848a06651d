"""Five9 admin commands: ``POST /_emulator/five9/{command}`` with a JSON body.

Faults and scripted events for tests and demos (migration, socket closes, arbitrary events,
token revocation, propagation lag, quirk switches), direct tenant actions (offer a call, set
presence...) and ``state``, the emulator's truth as JSON for comparing a client's statistics
cache. A bad body raises :class:`cxkit.errors.ConfigError` naming the field.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cxkit.emulator.context import valid_close_code
from cxkit.emulator.five9.errors import Five9Error
from cxkit.emulator.five9.model import Notice
from cxkit.emulator.five9.options import NoticeSpec
from cxkit.emulator.five9.render import call_json
from cxkit.emulator.five9.sessions import AGENT, SUPERVISOR
from cxkit.errors import ConfigError

if TYPE_CHECKING:
    from cxkit.emulator.five9.plugin import Five9Plugin

__all__ = ["COMMANDS", "run_command"]

Command = Callable[["Five9Plugin", dict[str, Any]], dict[str, Any]]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register an admin command."""

    def register(func: Command) -> Command:
        COMMANDS[name] = func
        return func

    return register


def run_command(plugin: Five9Plugin, name: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Run one command (None: unknown command). Five9 errors become ConfigErrors."""
    func = COMMANDS.get(name)
    if func is None:
        return None
    try:
        return func(plugin, body)
    except Five9Error as exc:
        raise ConfigError(exc.message, key=exc.object_id or name) from None


def _str(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if value is None:
        raise ConfigError.bad_value(key, value, "a string (required)")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError.bad_value(key, value, "a string")
    return str(value)


def _num(body: dict[str, Any], key: str, default: float, *, minimum: float = 0) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ConfigError.bad_value(key, value, f"a number >= {minimum}")
    return float(value)


@command("state")
def _state(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """The truth: published statistics rows, agents, calls, logins, data centers."""
    plugin.hub.flush()
    core = plugin.core
    tenant = core.tenant
    return {
        "stats": core.publisher.truth(),
        "agents": {
            uid: {
                "state": a.state,
                "reasonCodeId": a.reason_code_id,
                "readyChannels": list(a.ready_channels),
                "callId": a.call_id,
            }
            for uid, a in sorted(tenant.agents.items())
        },
        "calls": [call_json(c) for c in tenant.calls.values()],
        "queues": {k: list(v) for k, v in tenant.queues.items()},
        "sessions": [
            {"sessionId": s.session_id, "userId": s.user_id, "states": dict(s.states)}
            for s in core.sessions.sessions()
        ],
        "activeDataCenter": core.dcs.active_index,
        "farmId": core.farm_id(),
        "sockets": [
            {"userId": s.user_id, "kind": s.kind, "key": s.key, "dead": s.dead}
            for s in plugin.hub.live()
        ],
        "scenario": {"running": plugin.scenario.running, "steps": plugin.scenario.steps},
    }


@command("migrate")
def _migrate(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Move the domain to another DC: ``{"to": index|name|code}`` (default: the next one);
    ``{"sequence": false}`` skips the 70/1002/73 socket sequence."""
    core = plugin.core
    try:
        index = core.dcs.migrate(body.get("to"))
    except ValueError as exc:
        raise ConfigError.bad_value("to", body.get("to"), str(exc)) from None
    # the socket sequence first: after 73 the old sockets carry nothing but pongs
    sent = plugin.hub.migration_sequence() if body.get("sequence", True) else 0
    core.sessions.migrated()
    return {
        "activeDataCenter": index,
        "farmId": core.farm_id(),
        "sockets": sent,
        "metadata": core.metadata(),
    }


@command("send_event")
def _send_event(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Send any event: ``{"eventId": "1003", "eventReason"?, "payLoad"?, "userId"?,
    "kind"?: "agent"|"supervisor", "key"?, "broadCast"?}``."""
    event_id = _str(body, "eventId")
    targets = plugin.hub.select(body)
    broadcast = bool(body.get("broadCast", False))
    for sock in targets:
        plugin.hub.push(
            sock,
            plugin.hub.frame(
                event_id,
                body.get("payLoad"),
                reason=body.get("eventReason"),
                user_id=None if broadcast else sock.user_id,
                broadcast=broadcast,
            ),
        )
    return {"sent": len(targets)}


@command("send_raw")
def _send_raw(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Send an arbitrary frame, as is (malformed-frame tests): ``{"text": "..."}`` for a text
    frame or ``{"base64": "..."}`` for a binary one, plus the selectors ``userId``, ``kind``,
    ``key``; ``"force": true`` also reaches migrated sockets."""
    text, encoded = body.get("text"), body.get("base64")
    if (text is None) == (encoded is None):
        raise ConfigError.bad_value("text", text, "exactly one of text or base64")
    frame: str | bytes
    if text is not None:
        if not isinstance(text, str):
            raise ConfigError.bad_value("text", text, "a string")
        frame = text
    else:
        try:
            frame = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError.bad_value("base64", encoded, "base64 data") from None
    targets = plugin.hub.select(body)
    for sock in targets:
        plugin.hub.push(sock, frame, force=bool(body.get("force", False)))
    return {"sent": len(targets)}


def _no_payload(plugin: Five9Plugin, body: dict[str, Any]) -> Any:
    return None


def _metadata(plugin: Five9Plugin, body: dict[str, Any]) -> Any:
    return plugin.core.metadata()


def _farm(plugin: Five9Plugin, body: dict[str, Any]) -> Any:
    return plugin.core.farm_id()


def _in_ms(plugin: Five9Plugin, body: dict[str, Any]) -> Any:
    return int(_num(body, "inMs", 300_000))


def _ready(plugin: Five9Plugin, body: dict[str, Any]) -> Any:
    return "READY_FOR_MIGRATION"


# name -> (eventId, eventReason, payload builder); reference §4.7/§4.8 and §5 item 41.
_SCRIPTS: dict[str, tuple[str, str | None, Callable[[Five9Plugin, dict[str, Any]], Any]]] = {
    "server_unavailable": ("1000", "Communication with the VCC server was lost", _no_payload),
    "switchover": (
        "1001",
        "Domain is moving, please finish your task and use MetadataAPI to reload client.",
        _metadata,
    ),
    "jms_unavailable": ("1003", "Server cannot receive events", _no_payload),
    "farm_event": ("1004", "Domain assigned to another farm", _farm),
    "maintenance_announced": ("37", "ANNOUNCED", _in_ms),
    "ready_for_migration": ("84", "READY_FOR_MIGRATION", _ready),
    "switched_to_backup": ("71", "SWITCHED", _no_payload),
    "switched_to_primary": ("72", "SWITCHED", _no_payload),
}


@command("script")
def _script(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Send a documented server event: ``{"name": ...}`` among ``server_unavailable``
    (1000), ``switchover`` (1001, new metadata), ``jms_unavailable`` (1003), ``farm_event``
    (1004), ``maintenance_announced`` (37, ``inMs``), ``ready_for_migration`` (84),
    ``switched_to_backup`` / ``switched_to_primary`` (71/72); selectors ``userId``, ``kind``,
    ``key``; ``"closeCode": n`` then closes the sockets with that code."""
    name = body.get("name")
    script = _SCRIPTS.get(str(name))
    if script is None:
        raise ConfigError.bad_value("name", name, ", ".join(sorted(_SCRIPTS)))
    event_id, reason, payload = script
    value = payload(plugin, body)
    targets = plugin.hub.select(body)
    for sock in targets:
        plugin.hub.event(sock, event_id, value, reason=reason)
    close_code = body.get("closeCode")
    if close_code is not None:
        code = int(_num(body, "closeCode", 1000, minimum=1000))
        if not valid_close_code(code):
            raise ConfigError.bad_value("closeCode", code, "a WebSocket close code")
        for sock in targets:
            plugin.hub.close(sock, code, reason or "")
    return {"sent": len(targets), "eventId": event_id}


@command("skill")
def _skill(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Change an agent's skills: ``{"userId", "skillId", "action": "add"|"remove",
    "level"?}`` (agent events 39 / 19, new ACD figures)."""
    tenant = plugin.core.tenant
    user_id, skill_id = _str(body, "userId"), _str(body, "skillId")
    action = body.get("action", "add")
    if action == "add":
        tenant.add_agent_to_skill(user_id, skill_id, int(_num(body, "level", 1, minimum=1)))
    elif action == "remove":
        tenant.remove_agent_from_skill(user_id, skill_id)
    else:
        raise ConfigError.bad_value("action", action, "add or remove")
    return {"userId": user_id, "skills": sorted(tenant.user(user_id).skill_levels)}


@command("close")
def _close(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Close sockets with a code: ``{"code": 1003, "reason"?, "userId"?, "kind"?, "key"?}``."""
    code = int(_num(body, "code", 1003, minimum=1000))
    if not valid_close_code(code):
        raise ConfigError.bad_value("code", code, "a close code 1000-1003, 1007-1014, 3000-4999")
    targets = plugin.hub.select(body)
    for sock in targets:
        plugin.hub.close(sock, code, str(body.get("reason", "")))
    return {"closed": len(targets)}


@command("kick")
def _kick(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Log a user out (tokens answer 401) and close their sockets: ``{"userId"}``."""
    user_id = _str(body, "userId")
    ended = plugin.core.sessions.end_user(user_id)
    sockets = plugin.hub.of_user(user_id)
    for sock in sockets:
        plugin.hub.close(sock, int(body.get("code", 1000)), "Logged out by administrator")
    return {"sessions": ended, "sockets": len(sockets)}


@command("revoke")
def _revoke(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Invalidate a user's logins without touching sockets: ``{"userId"}``."""
    return {"sessions": plugin.core.sessions.end_user(_str(body, "userId"))}


@command("propagation_lag")
def _lag(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """401 right after login: ``{"requests": n, "seconds": t}`` (0/0 turns it off)."""
    options = plugin.core.options
    options.propagation_lag_requests = int(_num(body, "requests", 0))
    options.propagation_lag_seconds = _num(body, "seconds", 0.0)
    return {
        "requests": options.propagation_lag_requests,
        "seconds": options.propagation_lag_seconds,
    }


@command("scenario")
def _scenario(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """``{"action": "start"|"stop"|"step", "steps"?: n, "interval"?: s}``."""
    action = body.get("action", "step")
    scenario = plugin.scenario
    done: list[str] = []
    if plugin.core.simulated and action in ("start", "stop", "step"):
        # The simulated center is the activity: nothing scripted runs beside it.
        return {"running": False, "steps": 0, "done": [], "simulation": True}
    if action == "step":
        for _ in range(int(_num(body, "steps", 1, minimum=1))):
            done.append(scenario.step())
        plugin.hub.flush()
    elif action == "start":
        plugin.start_scenario(
            _num(body, "interval", plugin.core.options.scenario_interval, minimum=0.01)
        )
    elif action == "stop":
        plugin.stop_scenario()
    else:
        raise ConfigError.bad_value("action", action, "start, stop or step")
    return {"running": scenario.running, "steps": scenario.steps, "done": done}


@command("quirks")
def _quirks(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Change switches of :class:`Five9Options` live: ``{"presence_status": 202, ...}``;
    an empty body lists them."""
    options = plugin.core.options
    for name, value in body.items():
        try:
            options.set_quirk(name, value)
        except ValueError as exc:
            raise ConfigError.bad_value(name, value, str(exc)) from None
    return options.quirks()


@command("notices")
def _notices(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the maintenance notices: ``{"notices": [{"id", "annotation", "text"?}]}``."""
    items = body.get("notices", [])
    if not isinstance(items, list):
        raise ConfigError.bad_value("notices", items, "a list of notices")
    notices = []
    for item in items:
        if not isinstance(item, dict) or "id" not in item:
            raise ConfigError.bad_value("notices", item, "objects with id and annotation")
        spec = NoticeSpec(
            str(item["id"]),
            str(item.get("annotation", "")),
            str(item.get("text", NoticeSpec("", "").text)),
        )
        notices.append(Notice(spec.id, spec.annotation, spec.text))
    plugin.core.tenant.notices = notices
    plugin.core.tenant.accepted_notices.clear()
    return {"notices": [n.id for n in notices]}


@command("login_elsewhere")
def _elsewhere(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Hold a user's station session "elsewhere" (next session_start without force gets
    DUPLICATE_LOGIN): ``{"userId", "role"?: "agent"|"supervisor"}``."""
    role = body.get("role", AGENT)
    if role not in (AGENT, SUPERVISOR):
        raise ConfigError.bad_value("role", role, "agent or supervisor")
    user_id = _str(body, "userId")
    plugin.core.tenant.user(user_id)
    plugin.core.sessions.hold_elsewhere(user_id, role)
    return {"userId": user_id, "role": role}


@command("stats_filter")
def _stats_filter(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """An administrator changes a supervisor's filter: ``{"userId", "settings": {...}}``;
    the supervisor's sockets get event 6001."""
    from cxkit.emulator.five9.routes_supervisor import _check_filter

    user_id = _str(body, "userId")
    settings = body.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError.bad_value("settings", settings, "an object")
    checked = _check_filter(settings)
    for session in plugin.core.sessions.sessions():
        if session.user_id == user_id:
            session.stats_filter = dict(checked)
    for sock in plugin.hub.of_user(user_id, SUPERVISOR):
        plugin.hub.event(sock, "6001", checked, reason="UPDATED")
    return {"settings": checked}


@command("offer_call")
def _offer(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Queue an inbound call: ``{"skillId", "number"?, "campaignId"?}``."""
    call = plugin.core.tenant.offer_call(
        _str(body, "skillId"),
        number=_str(body, "number", "9255550100"),
        campaign_id=body.get("campaignId"),
    )
    return call_json(call)


@command("set_presence")
def _presence(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Set an agent's presence: ``{"userId", "readyChannels": [...], "reasonCodeId"?}``;
    logs the agent in (elsewhere) first when needed."""
    tenant = plugin.core.tenant
    user_id = _str(body, "userId")
    if tenant.agent(user_id).state == "LOGGED_OUT":
        plugin.core.sessions.hold_elsewhere(user_id, AGENT)
    channels = body.get("readyChannels", [])
    if not isinstance(channels, list):
        raise ConfigError.bad_value("readyChannels", channels, "a list of channels")
    tenant.set_agent_presence(user_id, channels, _str(body, "reasonCodeId", "0"))
    return {"userId": user_id, "state": tenant.agents[user_id].state}


@command("call_action")
def _call_action(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Act on a call as the system/customer: ``{"callId", "action": "answer"|"hangup"|
    "dispose", "dispositionId"?}``."""
    tenant = plugin.core.tenant
    call_id = _str(body, "callId")
    action = body.get("action")
    if action == "answer":
        call = tenant.answer_call(call_id)
    elif action == "hangup":
        call = tenant.end_call(call_id)
    elif action == "dispose":
        call = tenant.dispose_call(call_id, _str(body, "dispositionId", "300000000000404"))
    else:
        raise ConfigError.bad_value("action", action, "answer, hangup or dispose")
    return call_json(call)


@command("flush")
def _flush(plugin: Five9Plugin, body: dict[str, Any]) -> dict[str, Any]:
    """Publish pending statistics changes now (5012)."""
    plugin.hub.flush()
    return {"flushed": True}
