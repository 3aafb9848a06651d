"""``eventBody`` JSON of each notification topic (shapes of the SDKs' topic models).

Detail events carry ``eventTime`` as epoch milliseconds and UPPERCASE enums, unlike the
rest of the API.
"""

from __future__ import annotations

from typing import Any

from cxkit.emulator.genesys import render
from cxkit.emulator.genesys.analytics import observation_metrics
from cxkit.emulator.genesys.model import Conversation, DetailEvent, Participant, Queue, User
from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.genesys.timefmt import iso

__all__ = [
    "activity",
    "call_conversation_event",
    "conversation_event",
    "detail_event",
    "out_of_office",
    "presence",
    "queue_member_event",
    "queue_observations",
    "routing_status",
    "station",
]


def presence(state: OrgState, u: User) -> dict[str, Any]:
    """PresenceEventUserPresence."""
    definition = state.presences[u.presence_id]
    return {
        "source": "PURECLOUD",
        "presenceDefinition": {"id": definition.id, "systemPresence": definition.system_name},
        "primary": True,
        "message": u.presence_message or "",
        "modifiedDate": iso(u.presence_modified),
    }


def routing_status(u: User) -> dict[str, Any]:
    """UserRoutingStatusUserRoutingStatus."""
    return {
        "id": u.id,
        "routingStatus": {"status": u.routing_status, "startTime": iso(u.routing_started)},
    }


def activity(state: OrgState, u: User) -> dict[str, Any]:
    """AgentActivityChangedTopicAgentActivity."""
    definition = state.presences[u.presence_id]
    return {
        "id": u.id,
        "routingStatus": {"status": u.routing_status, "startTime": iso(u.routing_started)},
        "presence": {
            "presenceDefinition": {"id": definition.id, "systemPresence": definition.system_name},
            "presenceMessage": u.presence_message or "",
            "modifiedDate": iso(u.presence_modified),
        },
        "outOfOffice": out_of_office(u),
        "activeQueueIds": u.active_queue_ids(),
        "dateActiveQueuesChanged": iso(u.queues_changed),
    }


def out_of_office(u: User) -> dict[str, Any]:
    """OutOfOfficeEventOutOfOffice (also the ``outOfOffice`` of activity events)."""
    return render.out_of_office(u)


def station(u: User) -> dict[str, Any]:
    """UserStationChangeTopicUserStations: the associated station and the previous one."""
    body: dict[str, Any] = {}
    if u.station_id is not None:
        body["associatedStation"] = {
            "id": u.station_id,
            "associatedUser": {"id": u.id},
            "associatedDate": iso(u.station_changed),
        }
    if u.last_station_id is not None:
        body["lastAssociatedStation"] = {"id": u.last_station_id}
    return body


def _event_participant(p: Participant, c: Conversation) -> dict[str, Any]:
    call = {
        "id": p.session_id,
        "state": p.state,
        "recording": False,
        "recordingState": "none",
        "muted": p.muted,
        "confined": False,
        "held": p.held,
        "direction": p.direction,
        "disconnectType": p.disconnect_type,
        "connectedTime": iso(p.connected) if p.connected else None,
        "disconnectedTime": iso(p.end) if p.end else None,
        "provider": "Edge",
        "self": {"nameRaw": p.name, "addressNormalized": p.address},
        "other": {"addressNormalized": c.dnis if p.purpose == "customer" else c.ani},
    }
    row = {
        "id": p.id,
        "connectedTime": call["connectedTime"],
        "endTime": call["disconnectedTime"],
        "userId": p.user_id,
        "queueId": p.queue_id,
        "name": p.name,
        "purpose": p.purpose,
        "address": p.address,
        "wrapupRequired": p.wrapup_required,
        "wrapup": render.wrapup(p),
        "startAcwTime": iso(p.end) if p.acw_end is not None and p.end is not None else None,
        "endAcwTime": iso(p.acw_end) if p.acw_end is not None else None,
        "attributes": {},
        "calls": [{k: v for k, v in call.items() if v is not None}],
        "callbacks": [],
        "chats": [],
        "cobrowsesessions": [],
        "emails": [],
        "messages": [],
        "screenshares": [],
        "socialExpressions": [],
        "videos": [],
    }
    return {k: v for k, v in row.items() if v is not None}


def conversation_event(state: OrgState, c: Conversation) -> dict[str, Any]:
    """ConversationEventTopicConversation / QueueConversationEventTopicConversation."""
    return {
        "id": c.id,
        "maxParticipants": 10,
        "participants": [_event_participant(p, c) for p in c.participants],
        "recordingState": "none",
        "address": c.dnis,
        "divisions": [{"division": {"id": c.division_id}, "entities": []}],
    }


def call_conversation_event(c: Conversation) -> dict[str, Any]:
    """The ``...conversations.calls`` body (a CallConversation)."""
    body = render.call_conversation(c)
    body.pop("selfUri", None)
    return body


def queue_member_event(q: Queue, u: User, *, removed: bool = False) -> dict[str, Any]:
    """QueueUserEventTopicQueueMember."""
    return {
        "id": u.id,
        "user": {"id": u.id, "name": u.name},
        "queueId": q.id,
        "joined": False if removed else q.members.get(u.id, False),
        "memberBy": "user",
        "additionalProperties": {"removed": removed} if removed else {},
    }


def queue_observations(state: OrgState, q: Queue) -> dict[str, Any]:
    """StatEventQueueTopicStatsNotification."""
    now = state.clock()
    return {
        "group": {"queueId": q.id, "mediaType": "voice"},
        "data": [
            {
                "interval": f"{iso(now)}/{iso(now + 1)}",
                "metrics": observation_metrics(state, q),
            }
        ],
    }


def detail_event(event: DetailEvent) -> dict[str, Any]:
    """A ``v2.detail.events.conversation.{id}.<event>`` body."""
    c, p = event.conversation, event.participant
    body: dict[str, Any] = {
        "eventTime": int(event.at * 1000),
        "conversationId": c.id,
        "participantId": p.id,
        "sessionId": p.session_id,
        "mediaType": "VOICE",
        "provider": "Edge",
        "direction": p.direction.upper(),
        "ani": c.ani,
        "dnis": c.dnis,
        "addressFrom": c.ani,
        "addressTo": c.dnis,
        "divisionId": c.division_id,
        "queueId": p.queue_id,
        "userId": p.user_id,
    }
    if event.event.endswith(".end") and p.disconnect_type:
        body["disconnectType"] = p.disconnect_type.upper()
    if event.event == "acw":
        body.update(
            wrapupCode=p.wrapup_code,
            wrapupNotes="",
            wrapupDurationMs=0,
        )
    body.update(event.extra)
    return {k: v for k, v in body.items() if v is not None}
