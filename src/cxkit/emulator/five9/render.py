"""Wire rendering of tenant objects for REST answers and agent events (reference §3, §4.9).

Kept apart from :mod:`cxkit.emulator.five9.state` so the truth has one shape and the wire
another: ids as strings, times as epoch milliseconds, Five9's field spellings.
"""

from __future__ import annotations

from typing import Any

from cxkit.emulator.five9.model import (
    AgentActivity,
    Call,
    CallVariable,
    Campaign,
    ContactField,
    Disposition,
    Notice,
    ReasonCode,
    Recording,
    Skill,
    User,
)
from cxkit.emulator.five9.state import Tenant

__all__ = [
    "agent_states_map",
    "call_json",
    "call_variable_json",
    "campaign_json",
    "contact_field_json",
    "disposition_json",
    "notice_json",
    "presence_json",
    "reason_code_json",
    "recording_json",
    "skill_json",
    "user_json",
]


def user_json(user: User, *, names: bool = False) -> dict[str, Any]:
    """A user as ``GET orgs/{orgId}/users`` lists it (the GO fixture's keys exactly);
    ``names`` adds ``firstName``/``lastName``, which BC reads from agent records."""
    body: dict[str, Any] = {
        "id": user.id,
        "userName": user.user_name,
        "fullName": user.full_name,
        "extension": user.extension,
        "email": user.email,
        "roles": list(user.roles),
        "permissions": list(user.permissions),
        "skillLevels": [
            {"skillId": skill_id, "level": level} for skill_id, level in user.skill_levels.items()
        ],
        "userProfileSet": False,
    }
    if names:
        body["firstName"] = user.first_name
        body["lastName"] = user.last_name
    return body


def skill_json(skill: Skill) -> dict[str, Any]:
    """A skill (``DomainQueues``)."""
    return {
        "id": skill.id,
        "name": skill.name,
        "description": skill.description,
        "mediaType": skill.media_type,
    }


def reason_code_json(code: ReasonCode) -> dict[str, Any]:
    """``{id, name, selectable}``."""
    return {"id": code.id, "name": code.name, "selectable": code.selectable}


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    """A campaign as SK's ``getCampaignInfo`` sample shows it."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "campaignType": campaign.campaign_type,
        "customSource": None,
        "customIcon": None,
        "assistances": [],
        "attributes": [],
        "avatarURL": None,
        "chatWelcomeMessage": None,
        "chatTerminateMessage": None,
        "outEmail": None,
        "skillIds": list(campaign.skill_ids),
        "state": campaign.state,
        "flags": ["PASS_CONTACTS_ANI_FOR_3RD_PARTY_CONFERENCES"],
    }


def disposition_json(disposition: Disposition) -> dict[str, Any]:
    """A disposition (string id; system ids are ``0`` and negative)."""
    return {
        "id": disposition.id,
        "name": disposition.name,
        "description": disposition.description,
        "type": "SYSTEM" if disposition.system else "CUSTOM",
    }


def contact_field_json(field: ContactField) -> dict[str, Any]:
    """A contact field (SK ``getContactFields`` sample)."""
    return {
        "dataType": field.data_type,
        "id": field.id,
        "name": field.name,
        "primary": field.primary,
        "restrictions": {"restrictions": [], "limitedSetInfo": None},
    }


def call_variable_json(cav: CallVariable) -> dict[str, Any]:
    """A call variable definition (SK ``getDomainCallVariables``)."""
    return {
        "id": cav.id,
        "name": cav.name,
        "group": cav.group,
        "type": cav.type,
        "restrictions": {"restrictions": [], "limitedSetInfo": None},
    }


def notice_json(notice: Notice, accepted: bool) -> dict[str, Any]:
    """A maintenance notice (GO fixture shape)."""
    return {
        "id": notice.id,
        "annotation": notice.annotation,
        "text": notice.text,
        "accepted": accepted,
    }


def _presence_state(channels: list[str], reason: str) -> dict[str, Any]:
    return {"readyChannels": list(channels), "notReadyReasonCodeId": reason}


def presence_json(agent: AgentActivity, shape: str, now_ms: int) -> dict[str, Any]:
    """``GET agents/{id}/presence``: GO's names, AU3's names, or both (switch)."""
    current = _presence_state(agent.ready_channels, agent.reason_code_id)
    pending = (
        _presence_state(agent.pending_channels, agent.pending_reason)
        if agent.pending_channels is not None
        else None
    )
    since = agent.change_timestamp or agent.state_since
    body: dict[str, Any] = {"currentState": current, "pendingState": pending}
    if shape in ("go", "both"):
        body["currentStateLong"] = since
        body["isGracefulModeOn"] = False
    if shape in ("au3", "both"):
        body["currentStateTime"] = max(0, now_ms - since)
        body["gracefulModeOn"] = False
    body["pendingStateDelayTime"] = 0
    return body


def call_json(call: Call) -> dict[str, Any]:
    """A call (CallInfo of ``interactions/calls`` and the payload of events 3/4/5)."""
    return {
        "id": call.id,
        "state": call.state,
        "callType": call.call_type,
        "campaignId": call.campaign_id,
        "skillId": call.skill_id,
        "ani": call.number,
        "dnis": call.dnis,
        "created": call.created,
        "answered": call.answered_at or None,
        "agentId": call.agent_id,
        "transfer": call.transfer,
        "userTransferringId": call.user_transferring_id,
        "recordingState": call.recording,
        "dispositionId": call.disposition_id,
        "variables": dict(call.variables),
        "activeContact": {
            "id": call.contact.get("id"),
            "fields": dict(call.contact.get("fields", {})),
        },
        "participants": [dict(p) for p in call.participants],
        "sessionId": call.session_id,
    }


def recording_json(recording: Recording) -> dict[str, Any]:
    """One record of a recording view."""
    return {
        "id": recording.id,
        "campaignId": recording.campaign_id,
        "created": recording.created,
        "number": recording.number,
        "name": recording.name,
        "length": recording.length,
        "status": recording.status,
        "callSessionId": recording.call_session_id,
    }


def agent_states_map(tenant: Tenant) -> dict[str, str]:
    """``GET orgs/{orgId}/agent_states``: user id → letters (c=CALL ready, v=VOICE_MAIL,
    e=EMAIL, h=CHAT, s=SOCIAL, o=LOGGED_OUT; SK legend)."""
    letters = {"CALL": "c", "VOICE_MAIL": "v", "EMAIL": "e", "CHAT": "h", "SOCIAL": "s"}
    result: dict[str, str] = {}
    for user_id, agent in tenant.agents.items():
        if agent.state == "LOGGED_OUT":
            result[user_id] = "o"
        else:
            result[user_id] = "".join(letters.get(c, "") for c in agent.ready_channels)
    return result
