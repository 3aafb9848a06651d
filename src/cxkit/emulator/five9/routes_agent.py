"""Agent REST endpoints (``/appsvcs/rs/svc/agents/{agentId}/...``): info, options, presence,
calls and call actions, dispositions, transfers and conferences (reference §3.3-§3.8)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import Five9Error, bad_request, not_found
from cxkit.emulator.five9.render import (
    call_json,
    campaign_json,
    presence_json,
    skill_json,
    user_json,
)
from cxkit.emulator.five9.router import Call, Handler, Router, empty, json_response

__all__ = ["add_agent_routes"]

A = "agents/{agentId}"
CALL = A + "/interactions/calls/{callId}"
_APP = ("appsvcs",)


def _presence_body(body: dict[str, Any]) -> tuple[list[str], str]:
    """PUT presence bodies: ``{currentState: {readyChannels, notReadyReasonCodeId}, ...}``
    (AU3/PPn) or the bare inner object; BC's ``PUT state {state, reasonCodeId}``."""
    inner = body.get("currentState", body)
    if not isinstance(inner, dict):
        raise bad_request("currentState must be an object")
    if "state" in inner and "readyChannels" not in inner:
        state = str(inner["state"]).upper()
        if state == "READY":
            return ["CALL", "VOICE_MAIL"], "0"
        if state == "NOT_READY":
            return [], str(inner.get("reasonCodeId") or "367545")
        raise bad_request(f"Unknown state {state!r} (READY or NOT_READY)")
    channels = inner.get("readyChannels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise bad_request("readyChannels must be a list of channel names")
    allowed = {"CALL", "CHAT", "EMAIL", "SOCIAL", "VOICE_MAIL", "CASE", "VIDEO"}
    unknown = [c for c in channels if c not in allowed]
    if unknown:
        raise bad_request(f"Unknown channel {unknown[0]!r}")
    reason = inner.get("notReadyReasonCodeId", inner.get("notReadyReasonCode", "0"))
    return channels, str(reason if reason not in (None, "") else "0")


def add_agent_routes(router: Router, core: Five9Core) -> None:
    """Register the agent endpoints."""
    tenant = core.tenant

    def add(method: str, tail: str, handler: Handler, *, working: bool = True) -> None:
        router.add(method, f"{A}/{tail}" if tail else A, handler, roots=_APP, working=working)

    def me(call: Call) -> dict[str, Any]:
        return user_json(tenant.user(call.user_id), names=True)

    # ---------------------------------------------------------------- info and settings

    def info(call: Call) -> web.StreamResponse:
        return json_response(me(call))

    def groups(call: Call) -> web.StreamResponse:
        user = tenant.user(call.user_id)
        return json_response(
            [{"id": g, "name": tenant.agent_groups.get(g, g)} for g in user.group_ids]
        )

    def permissions(call: Call) -> web.StreamResponse:
        return json_response(list(tenant.user(call.user_id).permissions))

    def get_options(call: Call) -> web.StreamResponse:
        return json_response(sorted(tenant.user(call.user_id).options))

    def put_options(call: Call) -> web.StreamResponse:
        body = call.json(default=[])
        if isinstance(body, dict):  # tolerate {"options": [...]}
            body = body.get("options", [])
        if not isinstance(body, list):
            raise bad_request("options must be a list of option names")
        tenant.set_agent_options(call.user_id, body)  # omitted options become false
        return json_response(sorted(tenant.user(call.user_id).options))

    def settings(call: Call) -> web.StreamResponse:
        return json_response({"locale": "en-US", "timeZone": "America/Los_Angeles"})

    def password(call: Call) -> web.StreamResponse:
        body = call.json_object()
        user = tenant.user(call.user_id)
        old, new = body.get("oldPassword"), body.get("newPassword")
        if not isinstance(new, str) or len(new) < 8:
            raise bad_request("newPassword must be at least 8 characters")
        if old != user.password:
            # Not a 401: the caller *is* logged in (a 401 would send clients re-logging in).
            raise Five9Error(
                400, 400, "The old password is not correct", "PASSWORD", object_id=user.id
            )
        user.password = new
        return empty(204)

    def channels(call: Call) -> web.StreamResponse:
        return json_response(["CALL", "VOICE_MAIL"])

    def ok(call: Call) -> web.StreamResponse:
        return empty(204)

    def no_items(call: Call) -> web.StreamResponse:
        return json_response([])

    # ---------------------------------------------------------------- presence

    def get_presence(call: Call) -> web.StreamResponse:
        agent = tenant.agent(call.user_id)
        return json_response(presence_json(agent, core.options.presence_shape, core.now_ms()))

    def put_presence(call: Call) -> web.StreamResponse:
        channels_, reason = _presence_body(call.json_object())
        tenant.set_agent_presence(call.user_id, channels_, reason)
        return empty(core.options.presence_status)

    def system_not_ready(call: Call) -> web.StreamResponse:
        tenant.set_agent_presence(call.user_id, [], tenant.system_not_ready_code())
        return empty(204)

    # ---------------------------------------------------------------- skills, campaigns

    def skills(call: Call) -> web.StreamResponse:
        user = tenant.user(call.user_id)
        return json_response([skill_json(tenant.skills[s]) for s in user.skill_levels])

    def get_active_skills(call: Call) -> web.StreamResponse:
        user = tenant.user(call.user_id)
        return json_response([skill_json(tenant.skills[s]) for s in sorted(user.active_skills)])

    def put_active_skills(call: Call) -> web.StreamResponse:
        body = call.json(default=[])
        ids = (
            [s["id"] if isinstance(s, dict) else s for s in body]
            if isinstance(body, list)
            else None
        )
        if ids is None:
            raise bad_request("active_skills takes a list of skill ids")
        tenant.set_active_skills(call.user_id, [str(i) for i in ids])
        assert call.session is not None
        core.sessions.skills_selected(call.session)
        return empty(204)

    def my_campaigns(call: Call) -> web.StreamResponse:
        user = tenant.user(call.user_id)
        mine = [c for c in tenant.campaigns.values() if set(c.skill_ids) & set(user.skill_levels)]
        return json_response([campaign_json(c) for c in mine])

    def campaigns_config(call: Call) -> web.StreamResponse:
        # the shape is a conflict (object vs bare list): the object carries both readings
        return json_response({"campaignIds": list(tenant.campaigns)})

    # ---------------------------------------------------------------- calls

    def calls(call: Call) -> web.StreamResponse:
        mine = [c for c in tenant.calls.values() if c.agent_id == call.user_id]
        return json_response([call_json(c) for c in mine])

    def one_call(call: Call) -> web.StreamResponse:
        return json_response(call_json(tenant.call(call.params["callId"], call.user_id)))

    def make_external_call(call: Call) -> web.StreamResponse:
        body = call.json_object()
        number = body.get("number")
        if not isinstance(number, str) or not number:
            raise bad_request("number is required")
        campaign = body.get("campaignId")
        if campaign is not None and str(campaign) not in tenant.campaigns:
            raise not_found(f"Campaign {campaign} not found", str(campaign))
        tenant.make_call(call.user_id, number, str(campaign) if campaign else None)
        return empty(200)  # SK: 200 with an empty body

    def make_other_call(call: Call) -> web.StreamResponse:
        body = call.json_object()
        number = str(body.get("number") or body.get("agentId") or body.get("skillId") or "0000")
        tenant.make_call(call.user_id, number, None)
        return empty(200)

    def click_to_dial(call: Call) -> web.StreamResponse:
        body = call.json_object()
        number = body.get("number")
        if not isinstance(number, str) or not number:
            raise bad_request("number is required")
        made = tenant.make_call(call.user_id, number, body.get("campaignId"))
        return json_response({"callId": made.id})

    def action(name: str) -> Handler:
        def handle(call: Call) -> web.StreamResponse:
            call_id, me_id = call.params["callId"], call.user_id
            if name == "answer":
                tenant.answer_call(call_id, me_id)
            elif name in ("hold", "unhold"):
                tenant.hold_call(call_id, me_id, hold=name == "hold")
            elif name in ("park", "retrieve"):
                tenant.park_call(call_id, me_id, park=name == "park")
            elif name == "reject":
                tenant.reject_call(call_id, me_id)
            elif name == "disconnect":
                tenant.end_call(call_id, me_id)
            else:  # mute / unmute: accepted, no state behind them
                tenant.call(call_id, me_id)
            return empty(204)

        return handle

    def dtmf(call: Call) -> web.StreamResponse:
        digits = call.json_object().get("digits")
        if not isinstance(digits, str) or not digits or digits.strip("0123456789*#ABCD"):
            raise bad_request("digits must be a non-empty string of 0-9, *, # (A-D)")
        found = tenant.call(call.params["callId"], call.user_id)
        if found.state not in ("TALKING", "ON_HOLD"):
            raise Five9Error(
                435,
                6,
                f"Improper call state {found.state} while calling dtmf",
                "CALL",
                object_id=found.id,
            )
        return empty(204)

    def dispose(call: Call) -> web.StreamResponse:
        body = call.json_object()
        disposition = body.get("dispositionId")
        if disposition is None and "dispositionName" in body:  # BC's variant
            name = str(body["dispositionName"]).lower()
            found = [d.id for d in tenant.dispositions.values() if d.name.lower() == name]
            if not found:
                raise not_found(f"Disposition {body['dispositionName']} not found")
            disposition = found[0]
        if disposition is None:
            raise bad_request("dispositionId is required")
        timeout = body.get("timeout")
        if timeout is not None and (
            not isinstance(timeout, int) or not 0 <= timeout <= 366 * 24 * 60 * 60 * 1000
        ):
            raise bad_request("timeout must be 0..31622400000 ms")
        call_id = call.params.get("callId") or call.params["interactionId"]
        tenant.dispose_call(call_id, str(disposition), call.user_id)
        return empty(204)

    def recording(op: str) -> Handler:
        states = {"start": "RECORDING", "resume": "RECORDING", "pause": "PAUSED", "stop": "NONE"}

        def handle(call: Call) -> web.StreamResponse:
            tenant.update_call(
                call.params["callId"],
                call.user_id,
                recording=states[op],
                reason="RECORDING_ALLOWED",
            )
            return empty(204)

        return handle

    def variables(call: Call) -> web.StreamResponse:
        body = call.json_object()
        unknown = [k for k in body if k not in tenant.call_variables]
        if unknown:
            raise not_found(f"Call variable {unknown[0]} not found", unknown[0])
        tenant.update_call(call.params["callId"], call.user_id, variables=body)
        return empty(204)

    def update_contact(call: Call) -> web.StreamResponse:
        body = call.json_object()
        fields = body.get("fields", {})
        if not isinstance(fields, dict):
            raise bad_request("fields must be an object of fieldId: value")
        current = tenant.call(call.params["callId"], call.user_id).contact
        contact = {
            "id": body.get("id", current.get("id")),
            "fields": {**current.get("fields", {}), **fields},
        }
        tenant.update_call(call.params["callId"], call.user_id, contact=contact)
        return empty(204)

    def active_contact(call: Call) -> web.StreamResponse:
        value = call.json_object().get("value")
        if value in (None, ""):
            raise bad_request("value (a contact id) is required")
        current = tenant.call(call.params["callId"], call.user_id).contact
        tenant.update_call(
            call.params["callId"],
            call.user_id,
            contact={"id": str(value), "fields": current.get("fields", {})},
        )
        return empty(204)

    def create_contact(call: Call) -> web.StreamResponse:
        body = call.json_object()
        contact = {"id": str(5_000_000 + core.ids.next_number()), "fields": body.get("fields", {})}
        tenant.update_call(call.params["callId"], call.user_id, contact=contact)
        return json_response(contact)

    def audio(call: Call) -> web.StreamResponse:
        tenant.call(call.params["callId"], call.user_id)
        return json_response({"state": "IDLE", "promptId": None})

    def play_prompt(call: Call) -> web.StreamResponse:
        if "value" not in call.json_object():
            raise bad_request("value (a prompt id) is required")
        tenant.call(call.params["callId"], call.user_id)
        return empty(204)

    # ---------------------------------------------------------------- transfers, conferences

    def transfer(kind: str) -> Handler:
        def handle(call: Call) -> web.StreamResponse:
            body = call.json_object()
            disposition = body.get("dispositionId")
            target_skill = target_agent = None
            mode = kind
            if mode == "generic":  # BC's {destination, type} (unverified): map it
                destination = body.get("destination")
                if not isinstance(destination, str) or not destination:
                    raise bad_request("destination is required")
                chosen = str(body.get("type") or "SKILL").upper()
                if chosen not in ("SKILL", "AGENT", "EXTERNAL"):
                    raise bad_request(f"type must be SKILL, AGENT or EXTERNAL, not {chosen!r}")
                mode = chosen.lower()
                body = {"skillId": destination, "agentId": destination, **body}
                if mode == "external":
                    body["destination"] = {"number": destination}
            if mode == "skill":
                target_skill = str(body.get("skillId") or "")
            elif mode == "agent":
                target_agent = str(body.get("agentId") or body.get("userId") or "")
            elif mode == "campaign":
                cid = str(body.get("campaignId") or "")
                campaign = tenant.campaigns.get(cid)
                if campaign is None:
                    raise not_found(f"Campaign {cid} not found", cid)
                target_skill = campaign.skill_ids[0] if campaign.skill_ids else None
                if target_skill is None:
                    raise Five9Error(
                        435, 7, "Campaign has no skill to route to", "TRANSFER", object_id=cid
                    )
            elif mode in ("external", "speed_dial"):
                destination = body.get("destination")
                if not isinstance(destination, dict):
                    raise bad_request("destination is required")
            if body.get("warm") in (True, "true"):
                tenant.update_call(
                    call.params["callId"],
                    call.user_id,
                    participant_add={
                        "id": str(core.ids.next_number()),
                        "addressType": "TRANSFER",
                        "target": mode,
                    },
                    reason="TRANSFER_INITIATED",
                )
                return empty(204)
            tenant.transfer_call(
                call.params["callId"],
                call.user_id,
                skill_id=target_skill or None,
                to_agent_id=target_agent or None,
                disposition_id=disposition,
            )
            return empty(204)

        return handle

    def complete_transfer(call: Call) -> web.StreamResponse:
        tenant.transfer_call(call.params["callId"], call.user_id)
        return empty(204)

    def conference_add(kind: str) -> Handler:
        def handle(call: Call) -> web.StreamResponse:
            body = call.json_object()
            participant = {
                "id": str(core.ids.next_number()),
                "addressType": "EXTERNAL" if kind in ("external", "speed_dial") else kind.upper(),
                "number": body.get("number"),
                "campaignId": body.get("campaignId"),
                "agentId": body.get("agentId"),
                "skillId": body.get("skillId"),
            }
            tenant.update_call(
                call.params["callId"],
                call.user_id,
                participant_add=participant,
                reason="CONFERENCE_PARTICIPANT_ADDED",
            )
            return json_response({"participantId": participant["id"]})

        return handle

    def leave_conference(call: Call) -> web.StreamResponse:
        body = call.json_object()
        disposition = str(body.get("dispositionId") or "-23")
        tenant.transfer_call(call.params["callId"], call.user_id, disposition_id=disposition)
        return empty(204)

    def drop_participant(call: Call) -> web.StreamResponse:
        body = call.json_object()
        pid = body.get("participantId") or body.get("id") or call.query("participantId")
        if pid is None:
            raise bad_request("participantId is required")
        tenant.update_call(call.params["callId"], call.user_id, participant_remove=str(pid))
        return empty(204)

    def transferable_agents(call: Call) -> web.StreamResponse:
        ready = [
            a for a in tenant.agents.values() if a.is_available() and a.user_id != call.user_id
        ]
        return json_response([user_json(tenant.users[a.user_id]) for a in ready])

    add("GET", "", info)
    add("GET", "agent_groups", groups)
    add("GET", "permissions", permissions, working=False)
    add("GET", "customer_portal", lambda call: json_response({"enabled": False}))
    add("GET", "logged_in_profiles", no_items)
    add("GET", "channels", channels)
    add("GET", "options", get_options)
    add("PUT", "options", put_options)
    add("GET", "settings", settings)
    add("PUT", "settings", ok)
    add("POST", "third_party_config", ok)
    add("PUT", "password", password, working=False)
    add("PUT", "set_system_not_ready_state", system_not_ready)
    add("GET", "presence", get_presence)
    add("PUT", "presence", put_presence)
    add("PUT", "state", put_presence)  # BC (unverified)
    add("GET", "state", get_presence)
    add("GET", "skills", skills)
    add("GET", "social_transferable_skills", no_items)
    add("GET", "active_skills", get_active_skills)
    add("PUT", "active_skills", put_active_skills, working=False)
    add("GET", "campaigns", my_campaigns)
    add("GET", "campaigns_config", campaigns_config)
    add("GET", "campaign/{campaignId}/field_views", no_items)
    add("GET", "interactions", calls)
    add("GET", "interactions/calls", calls)
    add("GET", "interactions/calls/{callId}", one_call)
    add("POST", "interactions/make_external_call", make_external_call)
    for name in (
        "make_agent_call",
        "make_skill_call",
        "make_speed_dial_call",
        "make_test_call",
        "return_missed_call",
    ):
        add("POST", f"interactions/{name}", make_other_call)
    add("PUT", "interactions/click_to_dial", click_to_dial)
    for name in (
        "answer",
        "hold",
        "unhold",
        "park",
        "retrieve",
        "reject",
        "disconnect",
        "mute",
        "unmute",
    ):
        add("PUT", f"interactions/calls/{{callId}}/{name}", action(name))
    add("PUT", "interactions/calls/{callId}/dtmf", dtmf)
    add("PUT", "interactions/calls/{callId}/dispose", dispose)
    add("PUT", "interactions/calls/{callId}/disposition", dispose)
    add("PUT", "interactions/{interactionId}/disposition", dispose)
    for op in ("start", "pause", "resume", "stop"):
        add("PUT", f"interactions/calls/{{callId}}/{op}_recording", recording(op))
    add("PUT", "interactions/calls/{callId}/variables_2", variables)
    add("PUT", "interactions/calls/{callId}/call_variables", variables)
    add("PUT", "interactions/calls/{callId}/update_contact", update_contact)
    add("PUT", "interactions/calls/{callId}/active_contact_2", active_contact)
    add("POST", "interactions/calls/{callId}/contacts_2", create_contact)
    add("GET", "interactions/calls/{callId}/audio", audio)
    add("GET", "interactions/calls/{callId}/audio/player", audio)
    add("PUT", "interactions/calls/{callId}/audio/player/play_prompt", play_prompt)
    for op in ("pause", "resume", "stop"):
        add("PUT", f"interactions/calls/{{callId}}/audio/player/{op}", audio)
    for name, kind in (
        ("transfer_to_external_number", "external"),
        ("transfer_to_speed_dial", "speed_dial"),
        ("transfer_to_campaign", "campaign"),
        ("transfer_to_agent", "agent"),
        ("transfer_to_skill", "skill"),
        ("transfer_to_call", "external"),
        ("transfer", "generic"),
    ):
        add("PUT", f"interactions/calls/{{callId}}/{name}", transfer(kind))
    add("PUT", "interactions/calls/{callId}/complete_transfer", complete_transfer)
    add("PUT", "interactions/calls/{callId}/cancel_transfer", lambda call: empty(204))
    for name, kind in (
        ("add_external_to_conference", "external"),
        ("add_campaign_to_conference", "campaign"),
        ("add_agent_to_conference", "agent"),
        ("add_skill_to_conference", "skill"),
        ("add_speed_dial_to_conference", "speed_dial"),
    ):
        add("POST", f"interactions/calls/{{callId}}/{name}", conference_add(kind))
    add("POST", "interactions/calls/{callId}/complete_warm_conference", lambda call: empty(204))
    add("PUT", "interactions/calls/{callId}/add_to_conference", conference_add("call"))
    add("PUT", "interactions/calls/{callId}/leave_conference", leave_conference)
    add("PUT", "interactions/calls/{callId}/disconnectConferenceParticipant", drop_participant)
    add("GET", "transferable_agents", transferable_agents)
    add("GET", "conferee_agents", transferable_agents)
    add("PUT", "add_number_to_dnc", ok)
    add("GET", "echo_call", lambda call: json_response(None))
    add("POST", "echo_call", ok)
    add("DELETE", "echo_call", ok)
    for tail in (
        "callbacks",
        "queue_callbacks",
        "previews",
        "interactions/voicemails",
        "prompts",
        "dashboard/subscriptions",
        "subscriptions",
    ):
        add("GET", tail, no_items)
    add("POST", "gamification", ok)
    add("DELETE", "gamification", ok)
