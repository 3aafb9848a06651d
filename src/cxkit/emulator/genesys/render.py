"""Platform API JSON for the org's entities (camelCase, ISO dates, null fields left out).

``systemPresence`` spelling differs by API, as in the real service: user presences and
events use the label ("On Queue"), ``/api/v2/presence/definitions`` the enum ("OnQueue").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cxkit.emulator.genesys.model import Conversation, Participant, PresenceDefinition, Queue, User
from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.genesys.timefmt import iso

__all__ = [
    "conversation",
    "division",
    "jabber_id",
    "org_presence_definition",
    "out_of_office",
    "presence_ref",
    "queue",
    "queue_member",
    "routing_status",
    "user",
    "user_presence",
    "wrapup",
]


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _when(ts: float | None) -> str | None:
    return None if ts is None else iso(ts)


def division(state: OrgState) -> dict[str, Any]:
    """The org's home division."""
    return {
        "id": state.division_id,
        "name": state.division_name,
        "selfUri": f"/api/v2/authorization/divisions/{state.division_id}",
    }


def presence_ref(definition: PresenceDefinition) -> dict[str, Any]:
    """``presenceDefinition`` inside a user presence or an event."""
    return {
        "id": definition.id,
        "systemPresence": definition.system_name,
        "selfUri": f"/api/v2/presencedefinitions/{definition.id}",
    }


def org_presence_definition(definition: PresenceDefinition, state: OrgState) -> dict[str, Any]:
    """OrganizationPresenceDefinition (``/api/v2/presence/definitions``)."""
    return {
        "id": definition.id,
        "name": definition.label,
        "type": definition.type,
        "languageLabels": {"en_US": definition.label},
        "systemPresence": definition.system_name.replace(" ", ""),
        "divisionId": state.division_id,
        "deactivated": definition.deactivated,
        "selfUri": f"/api/v2/presence/definitions/{definition.id}",
    }


def legacy_presence_definition(definition: PresenceDefinition) -> dict[str, Any]:
    """OrganizationPresence (deprecated ``/api/v2/presencedefinitions``)."""
    return {
        "id": definition.id,
        "name": definition.label,
        "languageLabels": {"en_US": definition.label},
        "systemPresence": definition.system_name,
        "deactivated": definition.deactivated,
        "primary": definition.type == "System",
        "selfUri": f"/api/v2/presencedefinitions/{definition.id}",
    }


def user_presence(state: OrgState, u: User) -> dict[str, Any]:
    """UserPresence of the PURECLOUD source."""
    return _clean(
        {
            "source": "PURECLOUD",
            "primary": True,
            "presenceDefinition": presence_ref(state.presences[u.presence_id]),
            "message": u.presence_message,
            "modifiedDate": iso(u.presence_modified),
            "selfUri": f"/api/v2/users/{u.id}/presences/purecloud",
        }
    )


def routing_status(u: User) -> dict[str, Any]:
    """RoutingStatus."""
    return {"userId": u.id, "status": u.routing_status, "startTime": iso(u.routing_started)}


def jabber_id(u: User) -> str:
    """The user's chat (XMPP) id, as ``chat.jabberId`` shows it."""
    return f"{u.id}@cxkit.orgspan.com"


def user(
    state: OrgState, u: User, expand: Iterable[str] = (), *, last_login: float | None = None
) -> dict[str, Any]:
    """User, with the ``expand`` sections asked for (presence, routingStatus, ...);
    ``last_login`` is when a token was last issued to the user (``dateLastLogin``,
    ``lasttokenissued``; left out when never)."""
    wanted = {e.lower() for e in expand}
    body: dict[str, Any] = {
        "id": u.id,
        "name": u.name,
        "division": division(state),
        "chat": {"jabberId": jabber_id(u)},
        "department": u.department,
        "email": u.email,
        "primaryContactInfo": [{"address": u.email, "mediaType": "EMAIL", "type": "PRIMARY"}],
        "addresses": [],
        "state": u.state,
        "title": u.title,
        "username": u.email,
        "images": [],
        "version": u.version,
        "acdAutoAnswer": False,
        "selfUri": f"/api/v2/users/{u.id}",
    }
    if "presence" in wanted:
        body["presence"] = user_presence(state, u)
    if "routingstatus" in wanted:
        body["routingStatus"] = routing_status(u)
    if "profileskills" in wanted:
        body["profileSkills"] = list(u.profile_skills)
    if "conversationsummary" in wanted:
        active = [c for c in state.active_conversations() if u.id in c.user_ids()]
        body["conversationSummary"] = {
            "userId": u.id,
            "call": {"contactCenter": {"active": len(active), "acw": 0}},
        }
    if "outofoffice" in wanted:
        body["outOfOffice"] = out_of_office(u)
    if last_login is not None and "datelastlogin" in wanted:
        body["dateLastLogin"] = iso(last_login)
    if last_login is not None and "lasttokenissued" in wanted:
        body["lastTokenIssued"] = {"dateIssued": iso(last_login)}
    if "groups" in wanted:
        body["groups"] = []  # the emulated org has no groups
    if "authorization" in wanted or "authorization.unusedroles" in wanted:
        # roles are not modelled: the shape, empty
        body["authorization"] = {"roles": [], "permissions": [], "permissionPolicies": []}
        if "authorization.unusedroles" in wanted:
            body["authorization"]["unusedRoles"] = []
    if "station" in wanted:
        stations: dict[str, Any] = {}
        if u.station_id is not None:
            stations["associatedStation"] = {
                "id": u.station_id,
                "associatedDate": iso(u.station_changed),
            }
        if u.last_station_id is not None:
            stations["lastAssociatedStation"] = {"id": u.last_station_id}
        body["station"] = stations
    return body


def out_of_office(u: User) -> dict[str, Any]:
    """OutOfOffice of a user (``expand=outOfOffice``, activity and out-of-office events)."""
    return _clean(
        {
            "user": {"id": u.id, "selfUri": f"/api/v2/users/{u.id}"},
            "active": u.ooo_active,
            "indefinite": u.ooo_indefinite,
            "startDate": _when(u.ooo_start),
            "endDate": _when(u.ooo_end),
        }
    )


def queue(state: OrgState, q: Queue) -> dict[str, Any]:
    """Queue."""
    joined = q.joined_count()
    return {
        "id": q.id,
        "name": q.name,
        "division": division(state),
        "description": q.description,
        "dateCreated": iso(q.created),
        "dateModified": iso(q.created),
        "memberCount": len(q.members),
        "userMemberCount": len(q.members),
        "joinedMemberCount": joined,
        "mediaSettings": {
            "call": {
                "alertingTimeoutSeconds": 8,
                "serviceLevel": {
                    "percentage": q.service_level[0],
                    "durationMs": round(q.service_level[1] * 1000),
                },
            }
        },
        "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 30000},
        "skillEvaluationMethod": "ALL",
        "scoringMethod": "TimestampAndPriority",
        "lastAgentRoutingMode": "Disabled",
        "selfUri": f"/api/v2/routing/queues/{q.id}",
    }


def queue_member(state: OrgState, q: Queue, u: User, expand: Iterable[str] = ()) -> dict[str, Any]:
    """QueueMember."""
    return {
        "id": u.id,
        "name": u.name,
        "user": user(state, u, expand),
        "ringNumber": 1,
        "joined": q.members.get(u.id, False),
        "memberBy": "user",
        "routingStatus": routing_status(u),
        "selfUri": f"/api/v2/users/{u.id}",
    }


def _call_leg(p: Participant) -> dict[str, Any]:
    return _clean(
        {
            "id": p.session_id,
            "state": p.state,
            "direction": p.direction,
            "recording": False,
            "recordingState": "none",
            "muted": p.muted,
            "confined": False,
            "held": p.held,
            "disconnectType": p.disconnect_type,
            "connectedTime": _when(p.connected),
            "disconnectedTime": _when(p.end),
            "provider": "Edge",
            "self": {"nameRaw": p.name, "addressNormalized": p.address, "addressRaw": p.address},
        }
    )


def wrapup(p: Participant) -> dict[str, Any] | None:
    """The participant's submitted wrap-up (None while pending or not required)."""
    if not p.wrapup_code:
        return None
    body: dict[str, Any] = {"code": p.wrapup_code, "name": p.wrapup_code}
    if p.acw_end is not None and p.end is not None:
        body["durationSeconds"] = round(p.acw_end - p.end)
        body["endTime"] = iso(p.acw_end)
    return body


def participant(p: Participant, c: Conversation) -> dict[str, Any]:
    """Participant (REST Conversation)."""
    return _clean(
        {
            "id": p.id,
            "startTime": iso(p.start),
            "connectedTime": _when(p.connected),
            "endTime": _when(p.end),
            "name": p.name,
            "userId": p.user_id,
            "queueId": p.queue_id,
            "purpose": p.purpose,
            "participantType": "External" if p.purpose == "customer" else "Internal",
            "address": p.address,
            "ani": c.ani,
            "dnis": c.dnis,
            "wrapupRequired": p.wrapup_required,
            "wrapup": wrapup(p),
            "startAcwTime": _when(p.end) if p.acw_end is not None else None,
            "endAcwTime": _when(p.acw_end),
            "attributes": {},
            "calls": [_call_leg(p)],
            "callbacks": [],
            "chats": [],
            "emails": [],
            "messages": [],
        }
    )


def conversation(state: OrgState, c: Conversation) -> dict[str, Any]:
    """Conversation."""
    return _clean(
        {
            "id": c.id,
            "startTime": iso(c.start),
            "endTime": _when(c.end),
            "address": c.dnis,
            "externalTag": c.external_tag,
            "participants": [participant(p, c) for p in c.participants],
            "conversationIds": [c.id],
            "maxParticipants": 10,
            "recordingState": "NONE",
            "state": "connected" if c.active else "disconnected",
            "divisions": [
                {
                    "division": {"id": c.division_id, "selfUri": division(state)["selfUri"]},
                    "entities": [],
                }
            ],
            "selfUri": f"/api/v2/conversations/{c.id}",
        }
    )


def call_conversation(c: Conversation) -> dict[str, Any]:
    """CallConversation (``/api/v2/conversations/calls``): participants flatten their call."""
    parts = []
    for p in c.participants:
        leg = _call_leg(p)
        parts.append(
            _clean(
                {
                    "id": p.id,
                    "name": p.name,
                    "address": p.address,
                    "startTime": iso(p.start),
                    "connectedTime": _when(p.connected),
                    "endTime": _when(p.end),
                    "purpose": p.purpose,
                    "state": p.state,
                    "direction": p.direction,
                    "disconnectType": p.disconnect_type,
                    "held": p.held,
                    "muted": p.muted,
                    "confined": False,
                    "recording": False,
                    "recordingState": "none",
                    "wrapupRequired": p.wrapup_required,
                    "user": {"id": p.user_id, "selfUri": f"/api/v2/users/{p.user_id}"}
                    if p.user_id
                    else None,
                    "queue": {"id": p.queue_id, "selfUri": f"/api/v2/routing/queues/{p.queue_id}"}
                    if p.queue_id
                    else None,
                    "ani": c.ani,
                    "dnis": c.dnis,
                    "provider": leg["provider"],
                    "attributes": {},
                }
            )
        )
    return {
        "id": c.id,
        "participants": parts,
        "otherMediaUris": [],
        "recordingState": "NONE",
        "maxParticipants": 10,
        "selfUri": f"/api/v2/conversations/calls/{c.id}",
    }
