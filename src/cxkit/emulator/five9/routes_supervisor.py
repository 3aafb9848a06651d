"""Supervisor REST endpoints (``/supsvcs/rs/svc/supervisors/{supId}/...``): agents, skills,
statistics subscription and recording views (reference §3.11-§3.13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import bad_request, not_found
from cxkit.emulator.five9.render import recording_json, skill_json, user_json
from cxkit.emulator.five9.router import Call, Handler, Router, empty, json_response
from cxkit.emulator.five9.routes_agent import _presence_body
from cxkit.emulator.five9.sessions import DEFAULT_STATS_FILTER
from cxkit.emulator.five9.state import DATA_SOURCES

__all__ = ["add_supervisor_routes"]

S = "supervisors/{supId}"
_SUP = ("supsvcs",)

_SELECTION = ("ALL", "MY", "SPECIFY")
_RANGES = (
    "CURRENT_DAY",
    "CURRENT_WEEK",
    "CURRENT_MONTH",
    "CURRENT_SHIFT",
    "LIFETIME",
    "ROLLING_HOUR",
)


def _check_filter(body: dict[str, Any]) -> dict[str, Any]:
    settings = dict(DEFAULT_STATS_FILTER)
    for key, raw in body.items():
        value = raw
        if key in ("groupSelectionType", "groupsSelectionType", "skillsSelectionType"):
            if value not in _SELECTION:
                raise bad_request(f"{key} must be one of {', '.join(_SELECTION)}")
        elif key in ("groups", "skills"):
            if not isinstance(value, list):
                raise bad_request(f"{key} must be a list of ids")
            value = [str(v) for v in value]
        elif key == "range" and value not in _RANGES:
            raise bad_request(f"range must be one of {', '.join(_RANGES)}")
        settings[key] = value
    if "groupsSelectionType" in body and "groupSelectionType" not in body:
        # GO's comment spelling: accept it, keep the tag spelling canonical
        settings["groupSelectionType"] = body["groupsSelectionType"]
    settings.pop("groupsSelectionType", None)
    return settings


def add_supervisor_routes(
    router: Router, core: Five9Core, snapshot_for: Callable[[Any], int]
) -> None:
    """Register the supervisor endpoints; ``snapshot_for(session)`` pushes a 5000."""
    tenant = core.tenant
    views: dict[str, dict[str, Any]] = {}

    def add(method: str, tail: str, handler: Handler, *, working: bool = True) -> None:
        router.add(method, f"{S}/{tail}", handler, roots=_SUP, working=working)

    def agent_user(call: Call) -> Any:
        user = tenant.user(call.params["agentId"])
        if not user.is_agent:
            raise not_found(f"Agent {user.id} not found", user.id)
        return user

    def agents(call: Call) -> web.StreamResponse:
        return json_response([user_json(u) for u in tenant.users.values() if u.is_agent])

    def agent(call: Call) -> web.StreamResponse:
        user = agent_user(call)
        body = user_json(user, names=True)
        if "skills" in (call.query("include") or ""):
            body["skills"] = [
                {"id": s, "isActive": s in user.active_skills} for s in user.skill_levels
            ]
        return json_response(body)

    def active_skills(call: Call) -> web.StreamResponse:
        body = call.json(default=[])
        if not isinstance(body, list):
            raise bad_request("active_skills takes a list of skill ids (full replacement)")
        tenant.set_active_skills(agent_user(call).id, [str(s) for s in body])
        return empty(204)

    def agent_presence(call: Call) -> web.StreamResponse:
        channels, reason = _presence_body(call.json_object())
        tenant.set_agent_presence(agent_user(call).id, channels, reason)
        return empty(core.options.presence_status)

    def skills(call: Call) -> web.StreamResponse:
        return json_response([skill_json(s) for s in tenant.skills.values()])

    def skill_snapshot(call: Call) -> web.StreamResponse:
        skill_id = call.params["skillId"]
        if skill_id not in tenant.skills:
            raise not_found(f"Skill {skill_id} not found", skill_id)
        queued = tenant.queued_calls(skill_id)
        now = core.now_ms()
        ready = sorted(
            u
            for u in tenant.skill_members.get(skill_id, ())
            if u in tenant.agents and tenant.agents[u].is_available()
        )
        return json_response(
            {
                "skillId": skill_id,
                "inQueueCalls": [{"id": c, "queuedSince": since} for c, since in queued],
                "inQueueCallCount": len(queued),
                "inQueueCallbackCount": 0,
                "maxQueueDuration": max((now - since for _, since in queued), default=0),
                "readyForCallAgentsIds": ready,
            }
        )

    def agent_groups(call: Call) -> web.StreamResponse:
        return json_response([{"id": k, "name": v} for k, v in tenant.agent_groups.items()])

    def get_filter(call: Call) -> web.StreamResponse:
        assert call.session is not None
        return json_response(call.session.stats_filter)

    def put_filter(call: Call) -> web.StreamResponse:
        assert call.session is not None
        call.session.stats_filter = _check_filter(call.json_object())
        return empty(204)

    def stats_metadata(call: Call) -> web.StreamResponse:
        wanted = call.params.get("statisticType")
        if wanted is not None and wanted not in DATA_SOURCES:
            raise not_found(f"Statistic type {wanted} not found", wanted)
        sources = [wanted] if wanted else list(DATA_SOURCES)
        return json_response([{"statisticType": ds, "columns": []} for ds in sources])

    def full_statistics(call: Call) -> web.StreamResponse:
        snapshot_for(call.session)
        return empty(204)

    # ---------------------------------------------------------------- recording views

    def create_view(call: Call) -> web.StreamResponse:
        user = agent_user(call)
        body = call.json_object()
        limit = body.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise bad_request("limit must be 1..1000")
        sort_field = body.get("sortField", "CREATED")
        if sort_field not in ("CREATED", "NAME"):
            raise bad_request("sortField must be CREATED or NAME")
        records = list(tenant.recordings.get(user.id, []))
        records.sort(
            key=(lambda r: r.created) if sort_field == "CREATED" else (lambda r: r.name),
            reverse=not body.get("ascending", False),
        )
        view_id = f"{core.ids.token_id()}"
        views[view_id] = {"agent": user.id, "records": records, "limit": limit, "page": 0}
        return json_response(_page(view_id))

    def _page(view_id: str) -> dict[str, Any]:
        view = views[view_id]
        limit, page = view["limit"], view["page"]
        records = view["records"]
        chunk = records[page * limit : (page + 1) * limit]
        return {
            "id": view_id,
            "records": [recording_json(r) for r in chunk],
            "recordsTotal": len(records),
            "hasMore": (page + 1) * limit < len(records),
            "currentPage": page,
        }

    def view_of(call: Call) -> str:
        view_id = call.params["viewId"]
        view = views.get(view_id)
        if view is None or view["agent"] != call.params["agentId"]:
            raise not_found(f"Recording view {view_id} not found", view_id)
        return view_id

    def next_page(call: Call) -> web.StreamResponse:
        view_id = view_of(call)
        view = views[view_id]
        if (view["page"] + 1) * view["limit"] < len(view["records"]):
            view["page"] += 1
        return json_response(_page(view_id))

    def get_view(call: Call) -> web.StreamResponse:
        return json_response(_page(view_of(call)))

    def delete_view(call: Call) -> web.StreamResponse:
        views.pop(view_of(call))
        return empty(204)

    def download(call: Call) -> web.StreamResponse:
        agent_user(call)
        recs = {r.id: r for r in tenant.recordings.get(call.params["agentId"], [])}
        if call.params["recId"] not in recs:
            raise not_found(f"Recording {call.params['recId']} not found", call.params["recId"])
        return json_response(
            {
                "url": f"/strsvcs/rs/svc/agents/{call.params['agentId']}/recordings/"
                f"{call.params['recId']}?download=true"
            }
        )

    def no_items(call: Call) -> web.StreamResponse:
        return json_response([])

    def ok(call: Call) -> web.StreamResponse:
        agent_user(call) if "agentId" in call.params else None
        return empty(204)

    add("GET", "agents", agents)
    add("GET", "agents/{agentId}", agent)
    add("PUT", "agents/{agentId}", ok)
    add("PUT", "agents/{agentId}/active_skills", active_skills)
    add("PUT", "agents/{agentId}/presence", agent_presence)
    for tail in ("parked_calls", "session_history", "callbacks"):
        add("GET", f"agents/{{agentId}}/{tail}", no_items)
    add("GET", "agents/{agentId}/auxiliary_stats", lambda call: json_response({}))
    add("GET", "agents/{agentId}/user_uid", lambda call: json_response(agent_user(call).id))
    for tail in ("recording_state", "voicemail_state", "monitor"):
        add("PUT", f"agents/{{agentId}}/{tail}", ok)
    add("GET", "skills", skills)
    add("GET", "skills/{skillId}/snapshot", skill_snapshot)
    add("GET", "agent_groups", agent_groups)
    add("GET", "transferable_agents", agents)
    add("GET", "email_transferable_skills", no_items)
    add("GET", "locales", no_items)
    add("GET", "customer_portal", lambda call: json_response({"enabled": False}))
    add("GET", "monitor/campaigns", no_items)
    add("PUT", "monitor/campaigns", ok)
    add("GET", "stats_filter_settings", get_filter)
    add("PUT", "stats_filter_settings", put_filter)
    add("GET", "stats_metadata", stats_metadata)
    add("GET", "stats_metadata/{statisticType}", stats_metadata)
    add("PUT", "request_full_statistics", full_statistics)
    add("POST", "agents/{agentId}/recording_views", create_view)
    add("PUT", "agents/{agentId}/recording_views/{viewId}/next", next_page)
    add("GET", "agents/{agentId}/recording_views/{viewId}", get_view)
    add("PUT", "agents/{agentId}/recording_views/{viewId}", get_view)
    add("DELETE", "agents/{agentId}/recording_views/{viewId}", delete_view)
    add("PUT", "agents/{agentId}/recordings/{recId}/download", download)
    add("GET", "alerts", no_items)
    add("GET", "messages", no_items)
    add("POST", "interactions/make_test_call", ok)
    add("POST", "interactions/make_skills_test_calls", ok)
    add("POST", "echo_call", ok)
    add("DELETE", "echo_call", ok)
    for tail in (
        "interactions/{iid}/subscribe",
        "interactions/{iid}/unsubscribe",
        "interactions/subscribe",
        "interactions/skills/{skillId}/subscribe",
        "interactions/skills/{skillId}/unsubscribe",
    ):
        add("PUT", tail, ok)
