"""Station sessions of agents and supervisors: login state, session start/restart/stop,
maintenance notices, keep-alive and station lookups (reference §1.8-§1.10, §3.2, §3.9)."""

from __future__ import annotations

from aiohttp import web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import bad_request, forbidden, not_logged_in
from cxkit.emulator.five9.model import Station
from cxkit.emulator.five9.render import notice_json
from cxkit.emulator.five9.router import Call, Router, empty, json_response
from cxkit.emulator.five9.sessions import AGENT, SUPERVISOR

__all__ = ["STATION_TYPES", "add_session_routes"]

STATION_TYPES = ("PSTN", "SOFTPHONE", "GATEWAY", "EMPTY", "STATION")

_PREFIX = {AGENT: "agents/{agentId}", SUPERVISOR: "supervisors/{supId}"}
_ROOT = {AGENT: ("appsvcs",), SUPERVISOR: ("supsvcs",)}
_PERMISSION = {AGENT: "CAN_RUN_WEB_AGENT", SUPERVISOR: "CAN_RUN_SUPERVISOR"}


def _station(call: Call) -> Station:
    """Accept all three body variants of §1.9 (and an empty body)."""
    body = call.json_object()
    station_type = str(body.get("stationType") or "EMPTY").upper()
    if station_type not in STATION_TYPES:
        raise bad_request(
            f"Unknown stationType {station_type!r} (allowed: {', '.join(STATION_TYPES)})"
        )
    station_id = body.get("stationId") or ""
    if station_type in ("PSTN", "STATION") and not station_id:
        raise bad_request(f"stationId is required for stationType {station_type}")
    return Station(station_id=str(station_id), station_type=station_type)


def _force(call: Call) -> bool:
    value = (call.query("force") or "false").lower()
    if value not in ("true", "false"):
        raise bad_request(f"force must be true or false, not {value!r}")
    return value == "true"


def add_session_routes(router: Router, core: Five9Core) -> None:
    """Register the session endpoints for both the agent and the supervisor side."""
    sessions = core.sessions
    tenant = core.tenant

    for role in (AGENT, SUPERVISOR):
        prefix = _PREFIX[role]
        roots = _ROOT[role]

        def login_state(call: Call, role: str = role) -> web.StreamResponse:
            assert call.session is not None
            if call.session.reject_login_state:
                raise not_logged_in()
            return json_response(sessions.state(call.session, role))

        def session_start(call: Call, role: str = role) -> web.StreamResponse:
            assert call.session is not None
            user = tenant.user(call.user_id)
            if _PERMISSION[role] not in user.permissions:
                raise forbidden(f"User has no {_PERMISSION[role]} permission", user.id)
            station = _station(call)
            sessions.session_start(call.session, role, force=_force(call), station=station)
            return empty(204)

        def session_restart(call: Call, role: str = role) -> web.StreamResponse:
            assert call.session is not None
            sessions.session_restart(call.session, role)
            return empty(204)

        def session_stop(call: Call, role: str = role) -> web.StreamResponse:
            assert call.session is not None
            sessions.session_stop(call.session, role)
            return empty(204)

        def notices(call: Call) -> web.StreamResponse:
            accepted = tenant.accepted_notices.get(call.user_id, set())
            return json_response([notice_json(n, n.id in accepted) for n in tenant.notices])

        def notice(call: Call) -> web.StreamResponse:
            accepted = tenant.accepted_notices.get(call.user_id, set())
            for item in tenant.notices:
                if item.id == call.params["noticeId"]:
                    return json_response(notice_json(item, item.id in accepted))
            tenant.accept_notice(call.user_id, call.params["noticeId"])  # raises the 404
            raise AssertionError("unreachable")  # pragma: no cover

        def accept(call: Call) -> web.StreamResponse:
            assert call.session is not None
            item = tenant.accept_notice(call.user_id, call.params["noticeId"])
            sessions.notice_accepted(call.session)
            # GO's fixture echoes accepted: false; the switch reproduces it
            return json_response(notice_json(item, not core.options.accept_returns_stale))

        def ping(call: Call) -> web.StreamResponse:
            return empty(204)

        def station(call: Call) -> web.StreamResponse:
            found = tenant.stations.get(call.user_id)
            if found is None:
                return json_response(None)
            return json_response(
                {
                    "stationId": found.station_id,
                    "stationType": found.station_type,
                    "state": found.state,
                }
            )

        def station_state(call: Call) -> web.StreamResponse:
            found = tenant.stations.get(call.user_id)
            return json_response(found.state if found else "DISCONNECTED")

        def softphone_config(call: Call) -> web.StreamResponse:
            return json_response({"enabled": False, "servers": []})

        def switchover(call: Call) -> web.StreamResponse:
            return json_response(core.metadata())

        def expiration(call: Call) -> web.StreamResponse:
            return json_response(core.now_ms() + 30 * 60 * 1000)

        def can_stop(call: Call) -> web.StreamResponse:
            agent = tenant.agents.get(call.user_id)
            return json_response(agent is None or agent.call_id is None)

        for method, tail, handler in (
            ("GET", "login_state", login_state),
            ("PUT", "session_start", session_start),
            ("PUT", "session_restart", session_restart),
            ("PUT", "session_stop", session_stop),
            ("GET", "maintenance_notices", notices),
            ("GET", "maintenance_notices/{noticeId}", notice),
            ("PUT", "maintenance_notices/{noticeId}/accept", accept),
            ("PUT", "ping", ping),
            ("GET", "station", station),
            ("GET", "station_state", station_state),
            ("GET", "softphone_config", softphone_config),
            ("PUT", "station/restart", ping),
            ("PUT", "station/softphone_force_restart", ping),
            ("GET", "switchover_metadata", switchover),
            ("GET", "session_expiration", expiration),
            ("GET", "can_stop_session", can_stop),
            ("PUT", "client_timezone", ping),
        ):
            router.add(method, f"{prefix}/{tail}", handler, roots=roots, role=role, working=False)

    def migrate(call: Call) -> web.StreamResponse:
        return empty(204)

    def session_metadata(call: Call) -> web.StreamResponse:
        assert call.session is not None
        agent = tenant.agents.get(call.user_id)
        found = tenant.stations.get(call.user_id)
        return json_response(
            {
                "state": sessions.state(call.session, AGENT),
                "stationId": found.station_id if found else None,
                "activeCalls": [agent.call_id] if agent and agent.call_id else [],
            }
        )

    router.add("PUT", "supervisors/{supId}/migrate", migrate, roots=("supsvcs",), working=False)
    router.add(
        "GET",
        "agents/{agentId}/session_metadata",
        session_metadata,
        roots=("appsvcs",),
        working=False,
    )
