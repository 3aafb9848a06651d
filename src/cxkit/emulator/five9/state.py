"""The emulated Five9 tenant: plain state plus the mutations that change it.

Every change of the truth goes through a method of :class:`Tenant` (``set_agent_presence``,
``offer_call``, ``answer_call``, ``end_call``, ``dispose_call``, ...) so the scripted
scenario, the REST handlers, the admin API and, later, the simulation engine all drive the
same state the same way. A mutation

* marks the statistics rows it changed as dirty (:attr:`Tenant.dirty`), so the 5012 delta
  is computed from the changed rows only, and
* tells the observers what happened with a :class:`Notification` (the socket layer turns
  them into agent events 3/4/5/12/...; rendering stays out of this module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cxkit.emulator.five9.errors import Five9Error, bad_request, not_found
from cxkit.emulator.five9.ids import IdGenerator
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
    Station,
    User,
)

__all__ = ["DATA_SOURCES", "Notification", "Tenant"]

DATA_SOURCES = (
    "AGENT_STATE",
    "AGENT_STATISTIC",
    "ACD_STATUS",
    "CAMPAIGN_STATE",
    "INBOUND_CAMPAIGN_STATISTICS",
    "OUTBOUND_CAMPAIGN_STATISTICS",
    "OUTBOUND_CAMPAIGN_MANAGER",
    "STATIONS",
    "USER_SESSION",
)

ACD_TOTAL_ID = "0"
STAT_TOTAL_ID = ""
ELSEWHERE = "elsewhere"
"""Station owner of a session opened outside this emulator's REST API (desktop, script)."""


@dataclass(frozen=True, slots=True)
class Notification:
    """What changed, for observers (the socket layer renders it).

    ``kind``: ``call.created`` / ``call.updated`` / ``call.deleted`` (``call`` set),
    ``presence``, ``active_skills``, ``options``, ``stats`` (rows became dirty),
    ``skill_added`` / ``skill_removed`` (``reason`` is the skill id),
    ``station`` and ``login_state`` (``role`` set; ``reason`` is the new login state).
    """

    kind: str
    user_id: str | None = None
    call: Call | None = None
    reason: str | None = None
    role: str | None = None
    """``agent`` / ``supervisor`` for ``login_state`` and ``station`` notifications."""


class Tenant:
    """All state of one emulated Five9 domain."""

    def __init__(
        self,
        *,
        org_id: str,
        org_name: str,
        clock_ms: Callable[[], int],
        ids: IdGenerator,
    ) -> None:
        self.org_id = org_id
        self.org_name = org_name
        self.clock_ms = clock_ms
        self.ids = ids
        self.users: dict[str, User] = {}
        self.skills: dict[str, Skill] = {}
        self.skill_members: dict[str, set[str]] = {}
        self.not_ready_codes: dict[str, ReasonCode] = {}
        self.logout_codes: dict[str, ReasonCode] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.dispositions: dict[str, Disposition] = {}
        self.contact_fields: dict[str, ContactField] = {}
        self.call_variables: dict[str, CallVariable] = {}
        self.agent_groups: dict[str, str] = {}
        self.notices: list[Notice] = []
        self.accepted_notices: dict[str, set[str]] = {}
        self.agents: dict[str, AgentActivity] = {}
        self.calls: dict[str, Call] = {}
        self.queues: dict[str, list[str]] = {}
        self.stations: dict[str, Station] = {}
        self.station_owner: dict[tuple[str, str], str] = {}
        self.session_start_ms: dict[str, int] = {}
        self.recordings: dict[str, list[Recording]] = {}
        self.campaign_calls: dict[str, int] = {}
        """Calls of the day per campaign (INBOUND/OUTBOUND_CAMPAIGN_STATISTICS)."""
        self.abandoned: dict[str, int] = {}
        """Abandoned calls of the day per campaign."""
        self.campaign_connected: dict[str, int] = {}
        """Calls of the day per campaign that reached an agent (answered or dialed out)."""
        self.campaign_dispositions: dict[str, dict[str, int]] = {}
        """Dispositions of the day per campaign: disposition id -> count."""
        self.dirty: dict[str, set[str]] = {ds: set() for ds in DATA_SOURCES}
        self._observers: list[Callable[[Notification], None]] = []

    # ------------------------------------------------------------------ observers

    def subscribe(self, observer: Callable[[Notification], None]) -> Callable[[], None]:
        """Call ``observer`` on every change; returns an unsubscribe function."""
        self._observers.append(observer)

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return unsubscribe

    def notify(self, note: Notification) -> None:
        """Tell every observer about ``note``."""
        for observer in list(self._observers):
            observer(note)

    def _mark(self, data_source: str, *ids: str) -> None:
        self.dirty[data_source].update(ids)

    def _stats_changed(self) -> None:
        self.notify(Notification("stats"))

    def take_dirty(self) -> dict[str, set[str]]:
        """Hand over the dirty row ids per data source and start a new set."""
        taken = {ds: ids for ds, ids in self.dirty.items() if ids}
        self.dirty = {ds: set() for ds in DATA_SOURCES}
        return taken

    # ------------------------------------------------------------------ setup

    def add_user(self, user: User) -> None:
        """Add (or replace) a user; agents get an AGENT_STATE row (LOGGED_OUT)."""
        self.users[user.id] = user
        if not user.active_skills:
            user.active_skills = set(user.skill_levels)
        for skill_id in user.skill_levels:
            self.skill_members.setdefault(skill_id, set()).add(user.id)
        if user.is_agent and user.id not in self.agents:
            now = self.clock_ms()
            self.agents[user.id] = AgentActivity(
                user_id=user.id, state_since=now, since={"LOGGED_OUT": now}
            )
        self._mark("AGENT_STATE", user.id)
        self._mark("AGENT_STATISTIC", user.id, STAT_TOTAL_ID)
        self._mark("ACD_STATUS", *user.skill_levels, ACD_TOTAL_ID)
        self._stats_changed()

    def remove_user(self, user_id: str) -> None:
        """Remove a user from the domain (its statistics rows are removed)."""
        user = self.users.pop(user_id, None)
        if user is None:
            raise not_found(f"User {user_id} not found", user_id)
        agent = self.agents.get(user_id)
        if agent is not None and agent.call_id is not None:
            self._drop_call(self.calls[agent.call_id])
        self.agents.pop(user_id, None)
        for members in self.skill_members.values():
            members.discard(user_id)
        self._mark("AGENT_STATE", user_id)
        self._mark("AGENT_STATISTIC", user_id, STAT_TOTAL_ID)
        self._mark("ACD_STATUS", *user.skill_levels, ACD_TOTAL_ID)
        self._mark("STATIONS", user_id)
        self._mark("USER_SESSION", user_id)
        self._stats_changed()

    def add_skill(self, skill: Skill) -> None:
        """Add a skill (queue)."""
        self.skills[skill.id] = skill
        self.skill_members.setdefault(skill.id, set())
        self.queues.setdefault(skill.id, [])
        self._mark("ACD_STATUS", skill.id, ACD_TOTAL_ID)
        self._stats_changed()

    def add_campaign(self, campaign: Campaign) -> None:
        """Add a campaign."""
        self.campaigns[campaign.id] = campaign
        campaign.state_since = campaign.state_since or self.clock_ms()
        self._mark_campaign(campaign.id)
        self._stats_changed()

    def _mark_campaign(self, campaign_id: str) -> None:
        self._mark("CAMPAIGN_STATE", campaign_id)
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or campaign.campaign_type == "INBOUND":
            self._mark("INBOUND_CAMPAIGN_STATISTICS", campaign_id)
        if campaign is None or campaign.campaign_type != "INBOUND":
            self._mark("OUTBOUND_CAMPAIGN_STATISTICS", campaign_id)
            self._mark("OUTBOUND_CAMPAIGN_MANAGER", campaign_id)

    # ------------------------------------------------------------------ lookups

    def user(self, user_id: str) -> User:
        """The user with this id, or a Five9 404."""
        user = self.users.get(user_id)
        if user is None:
            raise not_found(f"User {user_id} not found", user_id)
        return user

    def agent(self, user_id: str) -> AgentActivity:
        """The live activity of this agent, or a Five9 404."""
        agent = self.agents.get(user_id)
        if agent is None:
            raise not_found(f"Agent {user_id} not found", user_id)
        return agent

    def call(self, call_id: str, agent_id: str | None = None) -> Call:
        """The call with this id (owned by ``agent_id`` when given), or a Five9 404."""
        call = self.calls.get(call_id)
        if call is None or (agent_id is not None and call.agent_id != agent_id):
            raise not_found(f"Call {call_id} not found", call_id)
        return call

    def user_by_name(self, user_name: str) -> User | None:
        """Case-insensitive lookup by login name."""
        wanted = user_name.lower()
        for user in self.users.values():
            if user.user_name.lower() == wanted:
                return user
        return None

    def unaccepted_notices(self, user_id: str) -> list[Notice]:
        """Notices the user has not accepted yet."""
        accepted = self.accepted_notices.get(user_id, set())
        return [n for n in self.notices if n.id not in accepted]

    def accept_notice(self, user_id: str, notice_id: str) -> Notice:
        """Record that the user accepted a notice."""
        for notice in self.notices:
            if notice.id == notice_id:
                self.accepted_notices.setdefault(user_id, set()).add(notice_id)
                return notice
        raise not_found(f"Maintenance notice {notice_id} not found", notice_id)

    def queue_length(self, skill_id: str | None = None) -> int:
        """Calls waiting in a skill's queue (None: in every queue)."""
        if skill_id is None:
            return sum(map(len, self.queues.values()))
        return len(self.queues.get(skill_id, ()))

    def queued_calls(self, skill_id: str) -> list[tuple[str, int]]:
        """``(call id, queued since ms)`` of the calls waiting in a skill's queue, oldest
        first."""
        return [(c, self.calls[c].queued_since) for c in self.queues.get(skill_id, ())]

    def system_not_ready_code(self) -> str:
        """The reason code ``set_system_not_ready_state`` puts the agent in."""
        return "367545"

    # ------------------------------------------------------------------ agent state

    def _set_state(
        self, agent: AgentActivity, state: str, reason: str = "0", now: int | None = None
    ) -> None:
        """Move an agent to ``state`` at ``now`` (default: the clock), closing the spell of
        the previous state."""
        if now is None:
            now = self.clock_ms()
        if agent.state != state:
            spent = max(0, now - agent.state_since)
            agent.time_in[agent.state] = agent.time_in.get(agent.state, 0) + spent
            if agent.state == "NOT_READY" and agent.reason_code_id != "0":
                agent.breaks += 1
            agent.since[agent.state] = 0
            agent.state = state
            agent.state_since = now
            agent.since[state] = now
        if reason != agent.reason_code_id:
            agent.reason_code_id = reason
            agent.reason_code_since = now if reason != "0" else 0
        agent.change_timestamp = now
        self._mark_agent(agent.user_id)

    def _mark_agent(self, user_id: str) -> None:
        user = self.users.get(user_id)
        self._mark("AGENT_STATE", user_id)
        self._mark("AGENT_STATISTIC", user_id, STAT_TOTAL_ID)
        self._mark("ACD_STATUS", ACD_TOTAL_ID, *(user.skill_levels if user else ()))
        if user is not None:
            # The dialer counts the Ready agents of an outbound campaign's skills.
            for campaign in self.campaigns.values():
                if campaign.campaign_type != "INBOUND" and set(campaign.skill_ids) & set(
                    user.skill_levels
                ):
                    self._mark("OUTBOUND_CAMPAIGN_MANAGER", campaign.id)

    def login_agent(self, user_id: str) -> None:
        """The agent's station session starts: LOGGED_OUT → NOT_READY."""
        agent = self.agent(user_id)
        if agent.state != "LOGGED_OUT":
            return
        agent.login_since = self.clock_ms()
        agent.ready_channels = []
        self._set_state(agent, "NOT_READY")
        self.notify(Notification("presence", user_id))
        self._stats_changed()

    def logout_agent(self, user_id: str, reason_code_id: str = "0") -> None:
        """The agent's station session ends; a call in progress is finished by the system."""
        agent = self.agents.get(user_id)
        if agent is None or agent.state == "LOGGED_OUT":
            return
        if agent.call_id is not None:
            call = self.calls[agent.call_id]
            self._finish_call(call, "-17", reason="DISPOSITIONED")
        agent.ready_channels = []
        agent.pending_channels = None
        self._set_state(agent, "LOGGED_OUT", reason_code_id)
        self.notify(Notification("presence", user_id))
        self._stats_changed()

    def set_agent_presence(
        self, user_id: str, ready_channels: Iterable[str], reason_code_id: str = "0"
    ) -> None:
        """Ready (non-empty channels) or Not Ready (a reason code) — Five9's presence PUT.

        While the agent is busy with a call the change becomes the *pending* presence and is
        applied when the call is dispositioned, as the Five9 desktop does.
        """
        agent = self.agent(user_id)
        channels = [str(c) for c in ready_channels]
        reason = str(reason_code_id or "0")
        if channels:
            reason = "0"
        elif reason != "0" and reason not in self.not_ready_codes:
            raise bad_request(f"Unknown not ready reason code {reason}", reason)
        if agent.state == "LOGGED_OUT":
            raise Five9Error(435, 3, "Agent is not logged in", "LOGIN", object_id=user_id)
        if agent.call_id is not None:
            agent.pending_channels = channels
            agent.pending_reason = reason
            agent.change_timestamp = self.clock_ms()
            self._mark_agent(user_id)
        else:
            agent.ready_channels = channels
            agent.pending_channels = None
            self._set_state(agent, "READY" if channels else "NOT_READY", reason)
        self.notify(Notification("presence", user_id))
        self._route()
        self._stats_changed()

    def set_active_skills(self, user_id: str, skill_ids: Iterable[str]) -> None:
        """Replace the agent's active skills (must be skills the agent has)."""
        user = self.user(user_id)
        wanted = {str(s) for s in skill_ids}
        unknown = wanted - set(user.skill_levels)
        if unknown:
            raise bad_request(f"Agent has no skill {sorted(unknown)[0]}", sorted(unknown)[0])
        user.active_skills = wanted
        self._mark_agent(user_id)
        self.notify(Notification("active_skills", user_id))
        self._route()
        self._stats_changed()

    def add_agent_to_skill(self, user_id: str, skill_id: str, level: int = 1) -> None:
        """Give an agent a skill (active at once): agent event 39, new ACD figures."""
        user = self.user(user_id)
        if skill_id not in self.skills:
            raise not_found(f"Skill {skill_id} not found", skill_id)
        if not user.is_agent:
            raise bad_request(f"User {user_id} is not an agent", user_id)
        if skill_id in user.skill_levels:
            user.skill_levels[skill_id] = level
            return
        user.skill_levels[skill_id] = level
        user.active_skills.add(skill_id)
        self.skill_members.setdefault(skill_id, set()).add(user_id)
        self._mark_agent(user_id)
        self.notify(Notification("skill_added", user_id, reason=skill_id))
        self._route()
        self._stats_changed()

    def remove_agent_from_skill(self, user_id: str, skill_id: str) -> None:
        """Take a skill away from an agent: agent event 19, new ACD figures."""
        user = self.user(user_id)
        if skill_id not in user.skill_levels:
            raise not_found(f"Agent {user_id} has no skill {skill_id}", skill_id)
        del user.skill_levels[skill_id]
        user.active_skills.discard(skill_id)
        self.skill_members.get(skill_id, set()).discard(user_id)
        self._mark_agent(user_id)
        self._mark("ACD_STATUS", skill_id)
        self.notify(Notification("skill_removed", user_id, reason=skill_id))
        self._stats_changed()

    def set_agent_options(self, user_id: str, options: Iterable[str]) -> None:
        """Replace the agent's option set (omitted options are false)."""
        user = self.user(user_id)
        user.options = {str(o) for o in options}
        self.notify(Notification("options", user_id))

    # ------------------------------------------------------------------ stations / sessions

    def station_connected(self, user_id: str, role: str, owner: str, station: Station) -> None:
        """A station session of ``role`` is now held by ``owner`` (auth session id)."""
        self.station_owner[(user_id, role)] = owner
        self.stations[user_id] = station
        self.session_start_ms.setdefault(user_id, self.clock_ms())
        self._mark("STATIONS", user_id)
        self._mark("USER_SESSION", user_id)
        if role == "agent" and user_id in self.agents:
            self.login_agent(user_id)
        self._stats_changed()

    def station_released(self, user_id: str, role: str) -> None:
        """The station session of ``role`` ended."""
        self.station_owner.pop((user_id, role), None)
        if not any(u == user_id for u, _ in self.station_owner):
            self.stations.pop(user_id, None)
            self.session_start_ms.pop(user_id, None)
        self._mark("STATIONS", user_id)
        self._mark("USER_SESSION", user_id)
        if role == "agent":
            self.logout_agent(user_id)
        self._stats_changed()

    # ------------------------------------------------------------------ calls

    def offer_call(
        self,
        skill_id: str,
        *,
        number: str = "9255550100",
        campaign_id: str | None = None,
        call_type: str = "INBOUND",
        variables: dict[str, str] | None = None,
    ) -> Call:
        """A new call enters a skill's queue; it is routed at once if an agent is ready."""
        if skill_id not in self.skills:
            raise not_found(f"Skill {skill_id} not found", skill_id)
        if campaign_id is None:
            campaign_id = next(
                (c.id for c in self.campaigns.values() if skill_id in c.skill_ids), None
            )
        now = self.clock_ms()
        call = Call(
            id=self.ids.call_id(),
            call_type=call_type,
            skill_id=skill_id,
            campaign_id=campaign_id,
            number=number,
            dnis="8005550199",
            created=now,
            queued_since=now,
            session_id=self.ids.call_id(),
        )
        call.variables = self._default_variables(call)
        call.variables.update(variables or {})
        call.contact = {"id": str(self.ids.next_number() + 5_000_000), "fields": {"1": number}}
        self.calls[call.id] = call
        self.queues.setdefault(skill_id, []).append(call.id)
        self._mark_queue(skill_id)
        if campaign_id:
            self.campaign_calls[campaign_id] = self.campaign_calls.get(campaign_id, 0) + 1
            self._mark_campaign(campaign_id)
        self._route()
        self._stats_changed()
        return call

    def make_call(self, user_id: str, number: str, campaign_id: str | None = None) -> Call:
        """An agent dials out (make_external_call): the call is TALKING at once."""
        agent = self.agent(user_id)
        if agent.state == "LOGGED_OUT":
            raise Five9Error(435, 3, "Agent is not logged in", "LOGIN", object_id=user_id)
        if agent.call_id is not None:
            raise Five9Error(435, 6, "Agent already has an active call", "CALL", object_id=user_id)
        now = self.clock_ms()
        call = Call(
            id=self.ids.call_id(),
            call_type="OUTBOUND" if campaign_id else "AGENT",
            skill_id=None,
            campaign_id=campaign_id,
            number=number,
            dnis=number,
            created=now,
            agent_id=user_id,
            state="TALKING",
            answered_at=now,
            session_id=self.ids.call_id(),
        )
        call.variables = self._default_variables(call)
        self.calls[call.id] = call
        agent.call_id = call.id
        self._set_state(agent, "ON_CALL")
        self.notify(Notification("call.created", user_id, call, "CREATED"))
        if campaign_id:
            self._count(self.campaign_calls, campaign_id)
            self._count(self.campaign_connected, campaign_id)
            self._mark_campaign(campaign_id)
        self._stats_changed()
        return call

    def _default_variables(self, call: Call) -> dict[str, str]:
        """CAV values Five9 fills for every call (group "Call"), keyed by CAV id."""
        values = {"session_id": call.session_id, "number": call.number, "DNIS": call.dnis}
        return {
            cav.id: values[cav.name]
            for cav in self.call_variables.values()
            if cav.group == "Call" and cav.name in values
        }

    @staticmethod
    def _count(counter: dict[str, int], key: str) -> None:
        counter[key] = counter.get(key, 0) + 1

    def _mark_queue(self, skill_id: str) -> None:
        self._mark("ACD_STATUS", skill_id, ACD_TOTAL_ID)

    def _route(self) -> None:
        """Give queued calls to the longest-ready agent with the skill active (deterministic)."""
        for skill_id, queue in self.queues.items():
            while queue:
                call = self.calls[queue[0]]
                agent = self._pick_agent(skill_id, call)
                if agent is None:
                    break
                queue.pop(0)
                self._offer_to(call, agent)
                self._mark_queue(skill_id)

    def _pick_agent(self, skill_id: str, call: Call) -> AgentActivity | None:
        best: AgentActivity | None = None
        for user_id in sorted(self.skill_members.get(skill_id, ())):
            agent = self.agents.get(user_id)
            user = self.users.get(user_id)
            if agent is None or user is None or not agent.is_available():
                continue
            if skill_id not in user.active_skills or user_id in call.rejected_by:
                continue
            if best is None or agent.state_since < best.state_since:
                best = agent
        return best

    def _offer_to(self, call: Call, agent: AgentActivity) -> None:
        call.agent_id = agent.user_id
        call.state = "OFFERED"
        call.offered_at = self.clock_ms()
        agent.call_id = call.id
        self._set_state(agent, "RINGING")
        self.notify(Notification("call.created", agent.user_id, call, "CREATED"))

    def answer_call(self, call_id: str, agent_id: str | None = None) -> Call:
        """The agent answers an offered call: TALKING / ON_CALL (agent event 4 CONNECTED)."""
        call = self.call(call_id, agent_id)
        if call.state != "OFFERED" or call.agent_id is None:
            raise _wrong_call_state(call, "answer")
        agent = self.agent(call.agent_id)
        call.state = "TALKING"
        call.answered_at = self.clock_ms()
        self._set_state(agent, "ON_CALL")
        self.notify(Notification("call.updated", agent.user_id, call, "CONNECTED"))
        if call.campaign_id:
            self._count(self.campaign_connected, call.campaign_id)
            self._mark_campaign(call.campaign_id)
        self._stats_changed()
        return call

    def hold_call(self, call_id: str, agent_id: str | None = None, *, hold: bool = True) -> Call:
        """Put a talking call on hold (or take it off hold)."""
        call = self.call(call_id, agent_id)
        if (hold and call.state != "TALKING") or (not hold and call.state != "ON_HOLD"):
            raise _wrong_call_state(call, "hold" if hold else "unhold")
        agent = self.agent(call.agent_id or "")
        now = self.clock_ms()
        if hold:
            call.state, call.hold_since = "ON_HOLD", now
            agent.since["ON_HOLD"] = now
        else:
            call.hold_ms += now - call.hold_since
            agent.hold_ms += now - call.hold_since
            call.state, call.hold_since = "TALKING", 0
            agent.since["ON_HOLD"] = 0
        self._mark_agent(agent.user_id)
        self.notify(Notification("call.updated", agent.user_id, call, "UPDATED"))
        self._stats_changed()
        return call

    def park_call(self, call_id: str, agent_id: str | None = None, *, park: bool = True) -> Call:
        """Park a call (or retrieve a parked one)."""
        call = self.call(call_id, agent_id)
        if (park and call.state not in ("TALKING", "ON_HOLD")) or (
            not park and call.state != "PARKED"
        ):
            raise _wrong_call_state(call, "park" if park else "retrieve")
        agent = self.agent(call.agent_id or "")
        agent.since["ON_PARK"] = self.clock_ms() if park else 0
        call.state = "PARKED" if park else "TALKING"
        self._mark_agent(agent.user_id)
        self.notify(Notification("call.updated", agent.user_id, call, "UPDATED"))
        self._stats_changed()
        return call

    def reject_call(self, call_id: str, agent_id: str | None = None) -> Call:
        """The agent rejects an offered call: it goes back to the head of its queue."""
        call = self.call(call_id, agent_id)
        if call.state != "OFFERED" or call.agent_id is None:
            raise _wrong_call_state(call, "reject")
        agent = self.agent(call.agent_id)
        call.rejected_by.add(agent.user_id)
        agent.call_id = None
        call.agent_id = None
        call.state = "QUEUED"
        self.notify(Notification("call.deleted", agent.user_id, call, "REJECTED"))
        self._set_state(agent, "READY" if agent.ready_channels else "NOT_READY")
        if call.skill_id is not None:
            self.queues.setdefault(call.skill_id, []).insert(0, call.id)
            self._mark_queue(call.skill_id)
        self._route()
        self._stats_changed()
        return call

    def end_call(self, call_id: str, agent_id: str | None = None) -> Call:
        """The call's voice leg ends (hang-up): the agent goes to after-call work.

        A call still waiting in a queue is abandoned and disappears.
        """
        call = self.call(call_id, agent_id)
        if call.state == "QUEUED":
            if call.campaign_id:
                self.abandoned[call.campaign_id] = self.abandoned.get(call.campaign_id, 0) + 1
                self._mark_campaign(call.campaign_id)
            self._drop_call(call)
            self._stats_changed()
            return call
        if call.state not in ("TALKING", "ON_HOLD", "PARKED", "OFFERED"):
            raise _wrong_call_state(call, "disconnect")
        if call.state == "ON_HOLD":
            self.hold_call(call.id, hold=False)
        agent = self.agent(call.agent_id or "")
        call.state = "WRAP_UP"
        call.ended_at = self.clock_ms()
        self._set_state(agent, "ACW")
        self.notify(Notification("call.updated", agent.user_id, call, "UPDATED"))
        self._stats_changed()
        return call

    def dispose_call(self, call_id: str, disposition_id: str, agent_id: str | None = None) -> Call:
        """Set the disposition: the call is FINISHED (agent event 5 DISPOSITIONED)."""
        call = self.call(call_id, agent_id)
        disposition_id = str(disposition_id)
        if disposition_id not in self.dispositions:
            raise not_found(f"Disposition {disposition_id} not found", disposition_id)
        if call.state in ("TALKING", "ON_HOLD", "PARKED"):
            self.end_call(call.id)
        if call.state != "WRAP_UP":
            raise _wrong_call_state(call, "dispose")
        self._finish_call(call, disposition_id, reason="DISPOSITIONED")
        self._route()
        self._stats_changed()
        return call

    def _finish_call(self, call: Call, disposition_id: str, *, reason: str) -> None:
        agent = self.agents.get(call.agent_id or "")
        now = self.clock_ms()
        call.disposition_id = disposition_id
        if not call.ended_at:
            call.ended_at = now
        call.state = "FINISHED"
        self.calls.pop(call.id, None)
        if agent is None:
            return
        agent.call_id = None
        if call.answered_at:
            agent.calls += 1
            if call.call_type == "INBOUND":
                agent.inbound_calls += 1
            elif call.call_type == "OUTBOUND":
                agent.outbound_calls += 1
            else:
                agent.internal_calls += 1
            agent.dispositions[disposition_id] = agent.dispositions.get(disposition_id, 0) + 1
            if call.campaign_id:
                self._count(
                    self.campaign_dispositions.setdefault(call.campaign_id, {}), disposition_id
                )
            self._record(call, agent.user_id)
        if agent.pending_channels is not None:
            agent.ready_channels = agent.pending_channels
            reason_code = agent.pending_reason
            agent.pending_channels = None
        else:
            reason_code = agent.reason_code_id if not agent.ready_channels else "0"
        self._set_state(agent, "READY" if agent.ready_channels else "NOT_READY", reason_code)
        self.notify(Notification("call.deleted", agent.user_id, call, reason))
        self.notify(Notification("presence", agent.user_id))
        if call.campaign_id:
            self._mark_campaign(call.campaign_id)

    def _record(self, call: Call, agent_id: str) -> None:
        if call.recording == "NONE":
            return
        self.recordings.setdefault(agent_id, []).append(
            Recording(
                id=str(700000 + self.ids.next_number()),
                agent_id=agent_id,
                campaign_id=call.campaign_id or "",
                created=call.answered_at,
                number=call.number,
                name=f"{call.number}_{call.id}.wav",
                length=max(0, call.ended_at - call.answered_at),
                call_session_id=call.session_id,
            )
        )

    def _drop_call(self, call: Call) -> None:
        """Remove a call without routing it (abandoned or agent removed)."""
        if call.skill_id and call.id in self.queues.get(call.skill_id, []):
            self.queues[call.skill_id].remove(call.id)
            self._mark_queue(call.skill_id)
        agent = self.agents.get(call.agent_id or "")
        call.state = "FINISHED"
        self.calls.pop(call.id, None)
        if agent is not None and agent.call_id == call.id:
            agent.call_id = None
            self.notify(Notification("call.deleted", agent.user_id, call, "DISCONNECTED"))
            self._set_state(agent, "READY" if agent.ready_channels else "NOT_READY")

    def update_call(
        self,
        call_id: str,
        agent_id: str | None = None,
        *,
        variables: dict[str, Any] | None = None,
        contact: dict[str, Any] | None = None,
        recording: str | None = None,
        participant_add: dict[str, Any] | None = None,
        participant_remove: str | None = None,
        reason: str = "UPDATED",
    ) -> Call:
        """Change call data (CAVs, contact, recording, conference participants): event 4."""
        call = self.call(call_id, agent_id)
        if variables:
            call.variables.update({str(k): str(v) for k, v in variables.items()})
        if contact is not None:
            call.contact = dict(contact)
        if recording is not None:
            call.recording = recording
            self._mark_agent(call.agent_id or "")
        if participant_add is not None:
            call.participants.append(participant_add)
        if participant_remove is not None:
            before = len(call.participants)
            call.participants = [p for p in call.participants if p.get("id") != participant_remove]
            if len(call.participants) == before:
                raise not_found(f"Participant {participant_remove} not found", participant_remove)
        if call.agent_id:
            self.notify(Notification("call.updated", call.agent_id, call, reason))
        self._stats_changed()
        return call

    def transfer_call(
        self,
        call_id: str,
        agent_id: str | None = None,
        *,
        skill_id: str | None = None,
        to_agent_id: str | None = None,
        disposition_id: str | None = None,
    ) -> Call:
        """Cold transfer: the call leaves the agent (event 5) and goes to a skill or agent,
        or out of the domain (external number / speed dial) when neither is given."""
        call = self.call(call_id, agent_id)
        if call.state not in ("TALKING", "ON_HOLD", "PARKED"):
            raise _wrong_call_state(call, "transfer")
        if skill_id is not None and skill_id not in self.skills:
            raise not_found(f"Skill {skill_id} not found", skill_id)
        if to_agent_id is not None:
            target = self.agent(to_agent_id)
            if not target.is_available():
                raise Five9Error(
                    435, 7, "Agent is not available", "TRANSFER", object_id=to_agent_id
                )
        from_agent = call.agent_id or ""
        disposition = str(disposition_id) if disposition_id not in (None, "") else "-23"
        if disposition not in self.dispositions:
            raise not_found(f"Disposition {disposition} not found", disposition)
        self.end_call(call.id)
        self._finish_call(call, disposition, reason="TRANSFERRED")
        if skill_id is None and to_agent_id is None:
            self._route()
            self._stats_changed()
            return call
        new_call = Call(
            id=call.id,
            call_type=call.call_type,
            skill_id=skill_id or call.skill_id,
            campaign_id=call.campaign_id,
            number=call.number,
            dnis=call.dnis,
            created=call.created,
            queued_since=self.clock_ms(),
            variables=dict(call.variables),
            contact=dict(call.contact),
            transfer=True,
            user_transferring_id=from_agent,
            session_id=call.session_id,
            rejected_by={from_agent},  # never routed back to the agent who transferred it
        )
        self.calls[new_call.id] = new_call
        if to_agent_id is not None:
            self._offer_to(new_call, self.agent(to_agent_id))
        else:
            self.queues.setdefault(new_call.skill_id or "", []).append(new_call.id)
            self._mark_queue(new_call.skill_id or "")
        self._route()
        self._stats_changed()
        return new_call

    def set_campaign_state(self, campaign_id: str, state: str) -> Campaign:
        """Start / stop / reset a campaign."""
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise not_found(f"Campaign {campaign_id} not found", campaign_id)
        if campaign.state != state:
            campaign.state = state
            campaign.state_since = self.clock_ms()
        self._mark_campaign(campaign_id)
        self._stats_changed()
        return campaign


def _wrong_call_state(call: Call, operation: str) -> Five9Error:
    return Five9Error(
        435,
        6,
        f"Improper call state {call.state} while calling {operation}",
        "CALL",
        object_id=call.id,
    )
