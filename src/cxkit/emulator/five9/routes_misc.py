"""Domain lookups (``orgs/{orgId}/...`` on both roots), ``users/{userId}/...`` and the
recording download root ``/strsvcs`` (reference §3.3, §3.7, §3.10, §3.13)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from aiohttp import web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import bad_request, forbidden, not_found
from cxkit.emulator.five9.render import (
    agent_states_map,
    call_variable_json,
    campaign_json,
    contact_field_json,
    disposition_json,
    reason_code_json,
    skill_json,
    user_json,
)
from cxkit.emulator.five9.router import Call, Handler, Router, empty, json_response

__all__ = ["add_misc_routes", "wav_bytes"]

ORG = "orgs/{orgId}"


_CHUNK = 8 * 1024


def wav_bytes(seconds: float, seed: int) -> bytes:
    """A small, valid 8 kHz mono PCM WAV file (silence with a seed-dependent first sample),
    at most 4 s long (64 KB) whatever the call's length."""
    samples = max(1, int(8000 * min(seconds, 4.0)))
    data = bytes([seed % 256, 0]) + bytes(2 * (samples - 1))
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data


def add_misc_routes(router: Router, core: Five9Core) -> None:
    """Register domain lookups, user endpoints and the recording download."""
    tenant = core.tenant
    contacts: dict[str, dict[str, Any]] = {}

    def add(method: str, tail: str, handler: Handler, *, working: bool = True) -> None:
        router.add(method, f"{ORG}/{tail}" if tail else ORG, handler, working=working)

    def listing(build: Callable[[], list[Any]]) -> Handler:
        return lambda call: json_response(build())

    def campaign(call: Call) -> web.StreamResponse:
        found = tenant.campaigns.get(call.params["campaignId"])
        if found is None:
            raise not_found(
                f"Campaign {call.params['campaignId']} not found", call.params["campaignId"]
            )
        return json_response(campaign_json(found))

    def campaign_dispositions(call: Call) -> web.StreamResponse:
        found = tenant.campaigns.get(call.params["campaignId"])
        if found is None:
            raise not_found(
                f"Campaign {call.params['campaignId']} not found", call.params["campaignId"]
            )
        return json_response(
            [disposition_json(tenant.dispositions[d]) for d in found.disposition_ids]
        )

    def campaign_state(state: str) -> Handler:
        def handle(call: Call) -> web.StreamResponse:
            if call.role != "supervisor":
                raise forbidden("Only supervisors can start or stop campaigns")
            tenant.set_campaign_state(call.params["campaignId"], state)
            return empty(204)

        return handle

    def users(call: Call) -> web.StreamResponse:
        role = call.query("role")
        found = [u for u in tenant.users.values() if role is None or role in u.roles]
        return json_response([user_json(u) for u in found])

    def user_sessions(call: Call) -> web.StreamResponse:
        return json_response(
            [
                {
                    "id": s.session_id,
                    "userId": s.user_id,
                    "userName": tenant.users[s.user_id].user_name,
                    "states": dict(s.states),
                }
                for s in core.sessions.sessions()
                if s.user_id in tenant.users
            ]
        )

    def kick(call: Call) -> web.StreamResponse:
        if call.role != "supervisor":
            raise forbidden("Only supervisors can log users out")
        target = core.sessions.by_session_id(call.params["sessionId"])
        if target is None:
            raise not_found(
                f"Session {call.params['sessionId']} not found", call.params["sessionId"]
            )
        core.sessions.end(target)
        return empty(204)

    def seats(call: Call) -> web.StreamResponse:
        user = tenant.user(call.user_id)
        if "CAN_VIEW_ACTIVE_SESSIONS" not in user.permissions:
            raise forbidden("Missing CAN_VIEW_ACTIVE_SESSIONS permission", user.id)
        return json_response({"total": 50, "used": len(core.sessions.sessions())})

    def ewt(call: Call) -> web.StreamResponse:
        skill_id = call.params.get("skillGroupId")
        waiting = tenant.queue_length(skill_id or None)
        return json_response(
            {"estimatedWaitTime": waiting * 60_000, "mediaType": call.params.get("mediaType")}
        )

    def org(call: Call) -> web.StreamResponse:
        return json_response({"id": tenant.org_id, "name": tenant.org_name})

    def contact_create(call: Call) -> web.StreamResponse:
        body = call.json_object()
        contact = {
            "id": str(5_000_000 + core.ids.next_number()),
            "fields": body.get("fields", body),
        }
        contacts[contact["id"]] = contact
        return json_response(contact)

    def contact_get(call: Call) -> web.StreamResponse:
        found = contacts.get(call.params["contactId"])
        if found is None:
            raise not_found(
                f"Contact {call.params['contactId']} not found", call.params["contactId"]
            )
        if call.request.method == "DELETE":
            contacts.pop(call.params["contactId"])
            return empty(204)
        if call.request.method == "PUT":
            found["fields"].update(call.json_object().get("fields", {}))
        return json_response(found)

    def click_to_dial(call: Call) -> web.StreamResponse:
        # PPn's variant: GET with query parameters, for the calling agent.
        if call.role != "agent":
            raise forbidden("Only agents can dial")
        number = call.query("number")
        if not number:
            raise bad_request("number is required")
        campaign = call.query("campaignId")
        if campaign is not None and campaign not in tenant.campaigns:
            raise not_found(f"Campaign {campaign} not found", campaign)
        made = tenant.make_call(call.user_id, number, campaign)
        return json_response({"callId": made.id})

    add("GET", "", org)
    add("GET", "users", users)
    add("GET", "agent_states", lambda call: json_response(agent_states_map(tenant)))
    add(
        "GET",
        "not_ready_reason_codes",
        listing(lambda: [reason_code_json(c) for c in tenant.not_ready_codes.values()]),
        working=False,
    )
    add(
        "GET",
        "logout_reason_codes",
        listing(lambda: [reason_code_json(c) for c in tenant.logout_codes.values()]),
        working=False,
    )
    add(
        "GET",
        "reason_codes",
        listing(lambda: [reason_code_json(c) for c in tenant.not_ready_codes.values()]),
    )
    add("GET", "skills", listing(lambda: [skill_json(s) for s in tenant.skills.values()]))
    add("GET", "campaigns", listing(lambda: [campaign_json(c) for c in tenant.campaigns.values()]))
    add(
        "GET",
        "available_campaigns",
        listing(
            lambda: [campaign_json(c) for c in tenant.campaigns.values() if c.state == "RUNNING"]
        ),
    )
    add("GET", "campaigns/{campaignId}", campaign)
    add("GET", "campaigns/{campaignId}/dispositions", campaign_dispositions)
    for op, state in (("start", "RUNNING"), ("stop", "NOT_RUNNING"), ("reset", "NOT_RUNNING")):
        add("PUT", f"campaigns/{{campaignId}}/{op}", campaign_state(state))
    add(
        "GET",
        "no_campaign_dispositions",
        listing(lambda: [disposition_json(d) for d in tenant.dispositions.values() if d.system]),
    )
    add(
        "GET",
        "dispositions",
        listing(lambda: [disposition_json(d) for d in tenant.dispositions.values()]),
    )
    add(
        "GET",
        "contact_fields",
        listing(lambda: [contact_field_json(f) for f in tenant.contact_fields.values()]),
    )
    add(
        "GET",
        "call_variables",
        listing(lambda: [call_variable_json(v) for v in tenant.call_variables.values()]),
    )
    add(
        "GET",
        "agent_groups",
        listing(lambda: [{"id": k, "name": v} for k, v in tenant.agent_groups.items()]),
    )
    add(
        "GET",
        "campaign_profiles",
        listing(
            lambda: [
                {"id": "300000000000601", "name": "Sales Profile"},
                {"id": "300000000000602", "name": "Renewals Profile"},
            ]
        ),
    )
    speed_dials = {"1": {"id": "1", "name": "Front Desk", "number": "8005550100"}}

    def speed_dial(call: Call) -> web.StreamResponse:
        found = speed_dials.get(call.params["speedDialId"])
        if found is None:
            raise not_found(
                f"Speed dial {call.params['speedDialId']} not found", call.params["speedDialId"]
            )
        return json_response(found)

    add("GET", "speed_dials", listing(lambda: list(speed_dials.values())))
    add("GET", "speed_dials/{speedDialId}", speed_dial)
    add("GET", "cold_transfer_settings", lambda call: json_response({"dispositionId": "-23"}))
    add("GET", "time", lambda call: json_response(core.now_ms()))
    add("GET", "time_zones", listing(lambda: ["America/Los_Angeles", "America/New_York", "UTC"]))
    for tail in (
        "lists",
        "user_profiles",
        "clusters",
        "attributes",
        "system_message",
        "lists/statistics",
    ):
        add("GET", tail, listing(list))
    add("GET", "user_sessions", user_sessions)
    add("PUT", "user_sessions/{sessionId}/logout", kick)
    add("GET", "application_seats", seats)
    add("GET", "ewt/group/{skillGroupId}/{mediaType}", ewt)
    add("PUT", "statistics/refresh", lambda call: empty(204))
    add("GET", "interactions/click_to_dial", click_to_dial)
    add("GET", "contacts", listing(lambda: list(contacts.values())))
    add("POST", "contacts", contact_create)
    for method in ("GET", "PUT", "DELETE"):
        add(method, "contacts/{contactId}", contact_get)
    router.add("GET", "orgs/estimatedwaittime/{mediaType}", ewt)

    # users/{userId}/...
    def self_user(call: Call) -> Any:
        if call.params["userId"] != call.user_id:
            raise forbidden("Not allowed for another user", call.params["userId"])
        return tenant.user(call.user_id)

    router.add(
        "GET",
        "users/{userId}/permissions",
        lambda call: json_response(list(self_user(call).permissions)),
        working=False,
    )
    router.add(
        "GET",
        "users/{userId}/roles",
        lambda call: json_response(list(self_user(call).roles)),
        working=False,
    )
    router.add(
        "GET",
        "users/{userId}/logged_in_users",
        lambda call: json_response([user_json(self_user(call))]),
    )
    router.add("PUT", "users/{userId}/ui_options", lambda call: empty(204))
    router.add("POST", "users/{userId}/broadcast_messages", lambda call: empty(204))

    # /strsvcs: binary recording download (GO statistics.go, Accept: */*)
    async def recording(call: Call) -> web.StreamResponse:
        agent_id, rec_id = call.params["agentId"], call.params["recordingId"]
        found = [r for r in tenant.recordings.get(agent_id, []) if r.id == rec_id]
        if not found:
            raise not_found(f"Recording {rec_id} not found", rec_id)
        body = wav_bytes(found[0].length / 1000, int(rec_id))
        disposition = "attachment" if call.query("download") == "true" else "inline"
        # Streamed in chunks (chunked transfer encoding), as a large recording would be.
        response = web.StreamResponse(
            headers={
                "Content-Type": "audio/wav",
                "Content-Disposition": f'{disposition}; filename="{found[0].name}"',
            }
        )
        response.enable_chunked_encoding()
        await response.prepare(call.request)
        for start in range(0, len(body), _CHUNK):
            await response.write(body[start : start + _CHUNK])
        await response.write_eof()
        return response

    router.add(
        "GET",
        "agents/{agentId}/recordings/{recordingId}",
        recording,
        roots=("strsvcs", "appsvcs"),
        role="any",
        working=False,
    )
