"""``client.agent``: the VCC Agent REST API (``/appsvcs/rs/svc``) as typed async methods.

Paths follow the wire reference; where public sources disagree the method takes a ``variant``
(dispositions, call variables, click-to-dial). Anything not covered: :meth:`AgentAPI.request`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from cxkit.five9._namespace import Namespace
from cxkit.five9.models import (
    CallInfo,
    CallVariable,
    Campaign,
    ContactField,
    Disposition,
    Presence,
    Skill,
    User,
)

__all__ = ["CALL_ACTIONS", "AgentAPI"]

CALL_ACTIONS = frozenset(
    {
        "answer",
        "hold",
        "unhold",
        "park",
        "retrieve",
        "reject",
        "start_recording",
        "pause_recording",
        "resume_recording",
        "stop_recording",
        "complete_transfer",
        "cancel_transfer",
        "complete_warm_conference",
        "disconnect",
        "mute",
        "unmute",
    }
)
"""Call actions that take no body (``PUT .../calls/{callId}/{action}``)."""


class AgentAPI(Namespace):
    """Agent endpoints; ``{agentId}`` and ``{orgId}`` come from the login."""

    role = "agent"
    _me = "agents/{agentId}"

    # -- agent info

    async def info(self) -> Any:
        """``GET agents/{agentId}``."""
        return await self._call("GET", "{me}")

    async def permissions(self) -> list[str]:
        """``GET agents/{agentId}/permissions``."""
        return await self._call("GET", "{me}/permissions", list[str]) or []

    async def agent_groups(self) -> list[Any]:
        """``GET agents/{agentId}/agent_groups`` (``[{id, name}]``)."""
        return await self._call("GET", "{me}/agent_groups") or []

    async def channels(self) -> list[str]:
        """``GET agents/{agentId}/channels``."""
        return await self._call("GET", "{me}/channels", list[str]) or []

    async def settings(self) -> Any:
        """``GET agents/{agentId}/settings``."""
        return await self._call("GET", "{me}/settings")

    async def can_stop_session(self) -> bool | None:
        """``GET agents/{agentId}/can_stop_session`` (False while a call is active)."""
        value = await self._call("GET", "{me}/can_stop_session", working=False)
        return value if isinstance(value, bool) else None

    async def options(self) -> list[str]:
        """``GET agents/{agentId}/options``."""
        return await self._call("GET", "{me}/options", list[str]) or []

    async def set_options(self, options: Iterable[str]) -> None:
        """``PUT agents/{agentId}/options``: replaces the set (options left out become false)."""
        await self._call("PUT", "{me}/options", json=list(options))

    async def change_password(self, old_password: str, new_password: str) -> None:
        """``PUT agents/{agentId}/password``; the client logs in with the new password from
        now on (when the old one was the client's)."""
        await self._call(
            "PUT",
            "{me}/password",
            json={"oldPassword": old_password, "newPassword": new_password},
        )
        self._client._password_changed(old_password, new_password)

    async def users(self) -> list[User]:
        """``GET orgs/{orgId}/users``."""
        return await self._call("GET", "orgs/{orgId}/users", list[User]) or []

    async def agent_states(self) -> dict[str, str]:
        """``GET orgs/{orgId}/agent_states``: user id -> letters (c=CALL, o=LOGGED_OUT, ...)."""
        return await self._call("GET", "orgs/{orgId}/agent_states", dict[str, str]) or {}

    # -- presence

    async def presence(self) -> Presence | None:
        """``GET agents/{agentId}/presence`` (both published shapes understood)."""
        return await self._one("GET", "{me}/presence", Presence)

    async def set_presence(
        self, ready_channels: Iterable[str], not_ready_reason_code_id: str = "0"
    ) -> None:
        """``PUT agents/{agentId}/presence`` (200 and 202 both mean accepted)."""
        await self._call(
            "PUT",
            "{me}/presence",
            json={
                "currentState": {
                    "readyChannels": list(ready_channels),
                    "notReadyReasonCodeId": str(not_ready_reason_code_id),
                },
                "pendingState": None,
                "currentStateTime": 0,
                "pendingStateDelayTime": 0,
                "gracefulModeOn": False,
            },
        )

    async def set_ready(self, channels: Iterable[str] = ("CALL", "VOICE_MAIL")) -> None:
        """Ready on ``channels``."""
        await self.set_presence(channels, "0")

    async def set_not_ready(self, reason_code_id: str) -> None:
        """Not ready with a reason code id."""
        await self.set_presence([], reason_code_id)

    async def set_state(self, state: str, reason_code_id: str | None = None) -> None:
        """``PUT agents/{agentId}/state`` ``{state: READY|NOT_READY, reasonCodeId?}``: the
        state endpoint one integration uses instead of presence (unverified elsewhere; prefer
        :meth:`set_presence`)."""
        body: dict[str, Any] = {"state": state}
        if reason_code_id is not None:
            body["reasonCodeId"] = str(reason_code_id)
        await self._call("PUT", "{me}/state", json=body)

    async def session_metadata(self) -> Any:
        """``GET agents/{agentId}/session_metadata``: ``{state, stationId?, activeCalls?}``
        (one integration's probe of the station session; unverified elsewhere)."""
        return await self._call("GET", "{me}/session_metadata", working=False)

    async def set_system_not_ready(self) -> None:
        """``PUT agents/{agentId}/set_system_not_ready_state``."""
        await self._call("PUT", "{me}/set_system_not_ready_state")

    # -- skills, campaigns, lookups

    async def skills(self) -> list[Skill]:
        """``GET agents/{agentId}/skills``."""
        return await self._call("GET", "{me}/skills", list[Skill]) or []

    async def active_skills(self) -> list[Any]:
        """``GET agents/{agentId}/active_skills``."""
        return await self._call("GET", "{me}/active_skills") or []

    async def set_active_skills(self, skill_ids: Iterable[str]) -> None:
        """``PUT agents/{agentId}/active_skills``. Allowed before WORKING: it is how an agent
        leaves the ``SELECT_SKILLS`` login state (see the client's ``on_select_skills``)."""
        await self._call("PUT", "{me}/active_skills", json=list(skill_ids), working=False)

    async def org_skills(self) -> list[Skill]:
        """``GET orgs/{orgId}/skills``."""
        return await self._call("GET", "orgs/{orgId}/skills", list[Skill]) or []

    async def campaigns(self) -> list[Campaign]:
        """``GET orgs/{orgId}/campaigns``."""
        return await self._call("GET", "orgs/{orgId}/campaigns", list[Campaign]) or []

    async def my_campaigns(self) -> list[Campaign]:
        """``GET agents/{agentId}/campaigns``: the campaigns of the agent's skills."""
        return await self._call("GET", "{me}/campaigns", list[Campaign]) or []

    async def available_campaigns(self) -> list[Campaign]:
        """``GET orgs/{orgId}/available_campaigns`` (running campaigns)."""
        return await self._call("GET", "orgs/{orgId}/available_campaigns", list[Campaign]) or []

    async def speed_dials(self) -> list[Any]:
        """``GET orgs/{orgId}/speed_dials``."""
        return await self._call("GET", "orgs/{orgId}/speed_dials") or []

    async def speed_dial(self, speed_dial_id: str) -> Any:
        """``GET orgs/{orgId}/speed_dials/{id}`` (``{id, name, number}``)."""
        return await self._call("GET", f"orgs/{{orgId}}/speed_dials/{speed_dial_id}")

    async def cold_transfer_settings(self) -> Any:
        """``GET orgs/{orgId}/cold_transfer_settings``."""
        return await self._call("GET", "orgs/{orgId}/cold_transfer_settings")

    async def estimated_wait_time(self, media_type: str = "3000") -> Any:
        """``GET orgs/estimatedwaittime/{mediaType}``."""
        return await self._call("GET", f"orgs/estimatedwaittime/{media_type}")

    async def transferable_agents(self) -> list[User]:
        """``GET agents/{agentId}/transferable_agents`` (agents a call can go to now)."""
        return await self._call("GET", "{me}/transferable_agents", list[User]) or []

    async def conferee_agents(self) -> list[User]:
        """``GET agents/{agentId}/conferee_agents``."""
        return await self._call("GET", "{me}/conferee_agents", list[User]) or []

    async def add_number_to_dnc(self, number: str) -> None:
        """``PUT agents/{agentId}/add_number_to_dnc``."""
        await self._call("PUT", "{me}/add_number_to_dnc", json={"number": number})

    async def callbacks(self) -> list[Any]:
        """``GET agents/{agentId}/callbacks``."""
        return await self._call("GET", "{me}/callbacks") or []

    async def voicemails(self) -> list[Any]:
        """``GET agents/{agentId}/interactions/voicemails``."""
        return await self._call("GET", "{me}/interactions/voicemails") or []

    async def campaign(self, campaign_id: str) -> Campaign | None:
        """``GET orgs/{orgId}/campaigns/{campaignId}``."""
        return await self._one("GET", f"orgs/{{orgId}}/campaigns/{campaign_id}", Campaign)

    async def campaign_ids(self) -> list[str]:
        """``GET agents/{agentId}/campaigns_config`` as a list of ids (the body is a bare list
        or ``{campaignIds: [...]}``, depending on the source)."""
        body = await self._call("GET", "{me}/campaigns_config")
        if isinstance(body, dict):
            body = body.get("campaignIds", [])
        return [str(i) for i in body] if isinstance(body, list) else []

    async def dispositions(self, campaign_id: str | None = None) -> list[Disposition]:
        """A campaign's dispositions, or ``no_campaign_dispositions`` without a campaign."""
        path = (
            f"orgs/{{orgId}}/campaigns/{campaign_id}/dispositions"
            if campaign_id
            else "orgs/{orgId}/no_campaign_dispositions"
        )
        return await self._call("GET", path, list[Disposition]) or []

    async def contact_fields(self) -> list[ContactField]:
        """``GET orgs/{orgId}/contact_fields``."""
        return await self._call("GET", "orgs/{orgId}/contact_fields", list[ContactField]) or []

    async def call_variables(self) -> list[CallVariable]:
        """``GET orgs/{orgId}/call_variables``."""
        return await self._call("GET", "orgs/{orgId}/call_variables", list[CallVariable]) or []

    # -- calls

    async def interactions(self) -> list[Any]:
        """``GET agents/{agentId}/interactions``: every active interaction."""
        return await self._call("GET", "{me}/interactions") or []

    async def calls(self) -> list[CallInfo]:
        """``GET agents/{agentId}/interactions/calls``: the agent's active calls."""
        return await self._call("GET", "{me}/interactions/calls", list[CallInfo]) or []

    async def call(self, call_id: str) -> CallInfo | None:
        """``GET agents/{agentId}/interactions/calls/{callId}``."""
        return await self._one("GET", f"{{me}}/interactions/calls/{call_id}", CallInfo)

    async def make_agent_call(self, agent_id: str) -> Any:
        """``POST agents/{agentId}/interactions/make_agent_call`` (an internal call)."""
        return await self._call(
            "POST", "{me}/interactions/make_agent_call", json={"agentId": agent_id}
        )

    async def make_external_call(
        self, number: str, campaign_id: str | None = None, **extra: Any
    ) -> Any:
        """``POST agents/{agentId}/interactions/make_external_call`` (200, empty body)."""
        body: dict[str, Any] = {"number": number, **extra}
        if campaign_id is not None:
            body["campaignId"] = campaign_id
        return await self._call("POST", "{me}/interactions/make_external_call", json=body)

    async def click_to_dial(
        self, number: str, *, variant: Literal["put", "get"] = "put", **fields: Any
    ) -> Any:
        """Click-to-dial: ``PUT agents/{agentId}/interactions/click_to_dial`` (default) or
        ``GET orgs/{orgId}/interactions/click_to_dial`` with query parameters."""
        if variant == "get":
            return await self._call(
                "GET",
                "orgs/{orgId}/interactions/click_to_dial",
                params={"number": number, **fields},
            )
        return await self._call(
            "PUT", "{me}/interactions/click_to_dial", json={"number": number, **fields}
        )

    async def call_action(self, call_id: str, action: str, body: Any = None) -> Any:
        """``PUT agents/{agentId}/interactions/calls/{callId}/{action}`` (see CALL_ACTIONS)."""
        return await self._call("PUT", f"{{me}}/interactions/calls/{call_id}/{action}", json=body)

    async def answer(self, call_id: str) -> None:
        """Answer a call."""
        await self.call_action(call_id, "answer")

    async def hold(self, call_id: str) -> None:
        """Put a call on hold."""
        await self.call_action(call_id, "hold")

    async def unhold(self, call_id: str) -> None:
        """Take a call off hold."""
        await self.call_action(call_id, "unhold")

    async def park(self, call_id: str) -> None:
        """Park a call."""
        await self.call_action(call_id, "park")

    async def retrieve(self, call_id: str) -> None:
        """Retrieve a parked call."""
        await self.call_action(call_id, "retrieve")

    async def reject(self, call_id: str) -> None:
        """Reject an offered call."""
        await self.call_action(call_id, "reject")

    async def disconnect(self, call_id: str) -> None:
        """Hang up a call (``PUT calls/{callId}/disconnect``; the agent goes to wrap-up)."""
        await self.call_action(call_id, "disconnect")

    async def mute(self, call_id: str) -> None:
        """Mute the agent on a call."""
        await self.call_action(call_id, "mute")

    async def unmute(self, call_id: str) -> None:
        """Unmute the agent on a call."""
        await self.call_action(call_id, "unmute")

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        """``PUT calls/{callId}/dtmf`` ``{digits}``: play DTMF tones on the call."""
        await self.call_action(call_id, "dtmf", {"digits": digits})

    async def start_recording(self, call_id: str) -> None:
        """Start recording a call."""
        await self.call_action(call_id, "start_recording")

    async def pause_recording(self, call_id: str) -> None:
        """Pause a call's recording."""
        await self.call_action(call_id, "pause_recording")

    async def resume_recording(self, call_id: str) -> None:
        """Resume a paused recording."""
        await self.call_action(call_id, "resume_recording")

    async def stop_recording(self, call_id: str) -> None:
        """Stop recording a call."""
        await self.call_action(call_id, "stop_recording")

    async def audio(self, call_id: str) -> Any:
        """``GET calls/{callId}/audio`` (the prompt player's state)."""
        return await self._call("GET", f"{{me}}/interactions/calls/{call_id}/audio")

    async def play_prompt(self, call_id: str, prompt_id: str) -> None:
        """``PUT calls/{callId}/audio/player/play_prompt`` ``{value: promptId}``."""
        await self.call_action(call_id, "audio/player/play_prompt", {"value": prompt_id})

    async def set_active_contact(self, call_id: str, contact_id: str) -> None:
        """``PUT calls/{callId}/active_contact_2`` ``{value: contactId}``."""
        await self.call_action(call_id, "active_contact_2", {"value": contact_id})

    async def create_contact(self, call_id: str, fields: Mapping[str, Any]) -> Any:
        """``POST calls/{callId}/contacts_2``: a new contact attached to the call."""
        return await self._call(
            "POST",
            f"{{me}}/interactions/calls/{call_id}/contacts_2",
            json={"fields": dict(fields)},
        )

    async def dispose(
        self,
        call_id: str,
        disposition_id: str,
        *,
        timeout: int | None = None,
        variant: Literal["dispose", "interaction", "disposition"] = "dispose",
        notes: str | None = None,
    ) -> None:
        """Set a call's disposition. ``dispose`` (default): ``PUT calls/{id}/dispose
        {dispositionId, timeout?}``; ``interaction``: ``PUT interactions/{id}/disposition``;
        ``disposition``: ``PUT calls/{id}/disposition {dispositionName, notes}``."""
        if variant == "interaction":
            await self._call(
                "PUT",
                f"{{me}}/interactions/{call_id}/disposition",
                json={"dispositionId": disposition_id},
            )
            return
        if variant == "disposition":
            body: dict[str, Any] = {"dispositionName": disposition_id}
            if notes is not None:
                body["notes"] = notes
            await self.call_action(call_id, "disposition", body)
            return
        body = {"dispositionId": disposition_id}
        if timeout is not None:
            body["timeout"] = timeout
        await self.call_action(call_id, "dispose", body)

    async def set_call_variables(
        self,
        call_id: str,
        values: Mapping[str, Any],
        *,
        variant: Literal["variables_2", "call_variables"] = "variables_2",
    ) -> None:
        """``PUT calls/{callId}/variables_2`` ``{cavId: value}`` (or ``call_variables``)."""
        await self.call_action(call_id, variant, dict(values))

    async def update_contact(self, call_id: str, contact: Any) -> None:
        """``PUT calls/{callId}/update_contact`` with the modified ``activeContact``."""
        await self.call_action(call_id, "update_contact", contact)

    # -- transfers and conferences

    async def transfer_to_external(
        self,
        call_id: str,
        number: str,
        *,
        warm: bool = False,
        disposition_id: str | None = "-23",
        disposition_timeout: int = 300000,
        timeout: int = 0,
        skip_dnc_check: bool = False,
        check_multiple_contacts: bool = False,
    ) -> None:
        """``PUT calls/{callId}/transfer_to_external_number`` (Starter-Kit defaults)."""
        body: dict[str, Any] = {
            "destination": {
                "number": number,
                "skipDNCCheck": skip_dnc_check,
                "checkMultipleContacts": check_multiple_contacts,
            },
            "warm": warm,
            "dispositionTimeout": disposition_timeout,
            "timeout": timeout,
        }
        if disposition_id is not None:
            body["dispositionId"] = disposition_id
        await self.call_action(call_id, "transfer_to_external_number", body)

    async def transfer_to_campaign(
        self, call_id: str, campaign_id: str, *, warm: bool = False
    ) -> None:
        """``PUT calls/{callId}/transfer_to_campaign``."""
        await self.call_action(
            call_id, "transfer_to_campaign", {"campaignId": campaign_id, "warm": warm}
        )

    async def transfer_to_speed_dial(
        self,
        call_id: str,
        speed_dial_id: str,
        *,
        warm: bool = False,
        disposition_id: str | None = "-23",
        skip_dnc_check: bool = False,
        check_multiple_contacts: bool = False,
    ) -> None:
        """``PUT calls/{callId}/transfer_to_speed_dial`` (Starter-Kit body)."""
        body: dict[str, Any] = {
            "destination": {
                "speedDialId": speed_dial_id,
                "skipDNCCheck": skip_dnc_check,
                "checkMultipleContacts": check_multiple_contacts,
            },
            "warm": warm,
        }
        if disposition_id is not None:
            body["dispositionId"] = disposition_id
        await self.call_action(call_id, "transfer_to_speed_dial", body)

    async def transfer_to_agent(self, call_id: str, body: Mapping[str, Any]) -> None:
        """``PUT calls/{callId}/transfer_to_agent`` (body as the documentation gives it)."""
        await self.call_action(call_id, "transfer_to_agent", dict(body))

    async def transfer_to_skill(self, call_id: str, body: Mapping[str, Any]) -> None:
        """``PUT calls/{callId}/transfer_to_skill``."""
        await self.call_action(call_id, "transfer_to_skill", dict(body))

    async def transfer_to_call(self, call_id: str, body: Mapping[str, Any]) -> None:
        """``PUT calls/{callId}/transfer_to_call``: hand the call to another of the agent's
        calls (body as the documentation gives it; it names no fields)."""
        await self.call_action(call_id, "transfer_to_call", dict(body))

    async def transfer(self, call_id: str, destination: str, transfer_type: str = "SKILL") -> None:
        """``PUT calls/{callId}/transfer`` ``{destination, type}`` (one integration's generic
        transfer: ``type`` SKILL, AGENT or EXTERNAL; prefer the ``transfer_to_*`` methods)."""
        await self.call_action(
            call_id, "transfer", {"destination": destination, "type": transfer_type}
        )

    async def complete_transfer(self, call_id: str) -> None:
        """Complete a warm transfer."""
        await self.call_action(call_id, "complete_transfer")

    async def cancel_transfer(self, call_id: str) -> None:
        """Cancel a warm transfer."""
        await self.call_action(call_id, "cancel_transfer")

    async def add_external_to_conference(
        self,
        call_id: str,
        number: str,
        *,
        warm: bool = False,
        check_dnc: bool = True,
        include_caller_info: bool = True,
    ) -> Any:
        """``POST calls/{callId}/add_external_to_conference`` (returns the participant)."""
        return await self._call(
            "POST",
            f"{{me}}/interactions/calls/{call_id}/add_external_to_conference",
            json={
                "number": number,
                "warm": warm,
                "checkDNC": check_dnc,
                "includeCallerInfo": include_caller_info,
            },
        )

    async def add_campaign_to_conference(
        self, call_id: str, campaign_id: str, *, warm: bool = False
    ) -> Any:
        """``POST calls/{callId}/add_campaign_to_conference`` (returns the participant)."""
        return await self._call(
            "POST",
            f"{{me}}/interactions/calls/{call_id}/add_campaign_to_conference",
            json={"campaignId": campaign_id, "warm": warm},
        )

    async def add_agent_to_conference(
        self, call_id: str, agent_id: str, *, warm: bool = False
    ) -> Any:
        """``POST calls/{callId}/add_agent_to_conference`` (returns the participant)."""
        return await self._call(
            "POST",
            f"{{me}}/interactions/calls/{call_id}/add_agent_to_conference",
            json={"agentId": agent_id, "warm": warm},
        )

    async def add_skill_to_conference(
        self, call_id: str, skill_id: str, *, warm: bool = False
    ) -> Any:
        """``POST calls/{callId}/add_skill_to_conference``."""
        return await self._call(
            "POST",
            f"{{me}}/interactions/calls/{call_id}/add_skill_to_conference",
            json={"skillId": skill_id, "warm": warm},
        )

    async def add_speed_dial_to_conference(
        self, call_id: str, speed_dial_id: str, *, warm: bool = False
    ) -> Any:
        """``POST calls/{callId}/add_speed_dial_to_conference``."""
        return await self._call(
            "POST",
            f"{{me}}/interactions/calls/{call_id}/add_speed_dial_to_conference",
            json={"speedDialId": speed_dial_id, "warm": warm},
        )

    async def add_to_conference(self, parked_call_id: str) -> Any:
        """``PUT calls/{parkedCallId}/add_to_conference``: bring a parked call into the
        agent's conference."""
        return await self._call(
            "PUT", f"{{me}}/interactions/calls/{parked_call_id}/add_to_conference", json={}
        )

    async def complete_warm_conference(self, call_id: str) -> None:
        """``POST calls/{callId}/complete_warm_conference``."""
        await self._call("POST", f"{{me}}/interactions/calls/{call_id}/complete_warm_conference")

    async def disconnect_conference_participant(self, call_id: str, participant_id: str) -> None:
        """``PUT calls/{callId}/disconnectConferenceParticipant`` (Five9's camel case)."""
        await self.call_action(
            call_id, "disconnectConferenceParticipant", {"participantId": participant_id}
        )

    async def leave_conference(
        self, call_id: str, disposition_id: str, *, transfer_ownership: bool = False
    ) -> None:
        """``PUT calls/{callId}/leave_conference`` (the flag travels as a string)."""
        await self.call_action(
            call_id,
            "leave_conference",
            {
                "dispositionId": disposition_id,
                "isToTransferCallOwnership": "true" if transfer_ownership else "false",
            },
        )
