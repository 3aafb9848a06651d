"""Plain records of the emulated Five9 tenant (no I/O, no wire rendering).

Ids are strings as on the wire; times are epoch milliseconds. The live truth of one agent
(:class:`AgentActivity`) and of one call (:class:`Call`) is changed only through the methods
of :class:`cxkit.emulator.five9.state.Tenant`, which notify observers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AGENT_STATES",
    "AgentActivity",
    "Call",
    "CallVariable",
    "Campaign",
    "ContactField",
    "Disposition",
    "Notice",
    "ReasonCode",
    "Recording",
    "Skill",
    "Station",
    "User",
]

AGENT_STATES = ("LOGGED_OUT", "NOT_READY", "READY", "RINGING", "ON_CALL", "ACW")
"""AGENT_STATE ``state`` values (GO ``types.go``)."""

SUPERVISOR_ROLES = ("DomainSupervisor", "DomainAdmin")


@dataclass(slots=True)
class User:
    """A domain user (agent and/or supervisor)."""

    id: str
    user_name: str
    full_name: str
    extension: str
    email: str
    password: str = field(repr=False)
    roles: list[str]
    permissions: list[str]
    skill_levels: dict[str, int] = field(default_factory=dict)
    active_skills: set[str] = field(default_factory=set)
    group_ids: list[str] = field(default_factory=list)
    options: set[str] = field(default_factory=set)

    @property
    def first_name(self) -> str:
        """First word of the full name."""
        return self.full_name.split(" ")[0]

    @property
    def last_name(self) -> str:
        """Everything after the first word of the full name."""
        return self.full_name.partition(" ")[2]

    @property
    def is_agent(self) -> bool:
        """Has the ``Agent`` role (gets AGENT_STATE rows, may start an agent session)."""
        return "Agent" in self.roles

    @property
    def is_supervisor(self) -> bool:
        """Has a supervisor role (may use ``/supsvcs`` supervisor endpoints)."""
        return any(r in self.roles for r in SUPERVISOR_ROLES)


@dataclass(slots=True)
class Skill:
    """A skill (Five9's queue)."""

    id: str
    name: str
    description: str = ""
    media_type: str = "VOICE"


@dataclass(slots=True)
class ReasonCode:
    """A not-ready or logout reason code."""

    id: str
    name: str
    selectable: bool = True


@dataclass(slots=True)
class Campaign:
    """A campaign (inbound or outbound)."""

    id: str
    name: str
    campaign_type: str = "INBOUND"
    state: str = "RUNNING"
    skill_ids: list[str] = field(default_factory=list)
    profile_id: str | None = None
    mode: str = "BASIC"
    priority: int = 1
    ratio: int = 1
    state_since: int = 0
    disposition_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Disposition:
    """A call disposition (negative and ``0`` ids are system dispositions)."""

    id: str
    name: str
    description: str = ""
    system: bool = False


@dataclass(slots=True)
class ContactField:
    """A contact-record field definition."""

    id: str
    name: str
    data_type: str = "STRING"
    primary: bool = False


@dataclass(slots=True)
class CallVariable:
    """A call-attached variable (CAV) definition."""

    id: str
    name: str
    group: str
    type: str = "STRING"


@dataclass(slots=True)
class Notice:
    """A maintenance notice (accepted per user)."""

    id: str
    annotation: str
    text: str


@dataclass(slots=True)
class Station:
    """The station an agent or supervisor session runs on."""

    station_id: str
    station_type: str
    state: str = "CONNECTED"


@dataclass(slots=True)
class Recording:
    """A call recording of an agent."""

    id: str
    agent_id: str
    campaign_id: str
    created: int
    number: str
    name: str
    length: int
    call_session_id: str
    status: str = "COMPLETED"


@dataclass(slots=True)
class AgentActivity:
    """The live state and the day's counters of one agent."""

    user_id: str
    state: str = "LOGGED_OUT"
    state_since: int = 0
    since: dict[str, int] = field(default_factory=dict)
    """Start of the current spell in each state (0 = not in it), incl. ON_HOLD/ON_PARK."""
    reason_code_id: str = "0"
    reason_code_since: int = 0
    ready_channels: list[str] = field(default_factory=list)
    pending_channels: list[str] | None = None
    pending_reason: str = "0"
    change_timestamp: int = 0
    call_id: str | None = None
    login_since: int = 0
    # statistics of the day (times in ms)
    calls: int = 0
    inbound_calls: int = 0
    outbound_calls: int = 0
    internal_calls: int = 0
    time_in: dict[str, int] = field(default_factory=dict)
    hold_ms: int = 0
    breaks: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)

    def is_available(self) -> bool:
        """READY for voice and not busy with a call."""
        return self.state == "READY" and self.call_id is None and "CALL" in self.ready_channels


@dataclass(slots=True)
class Call:
    """One voice call as the tenant sees it."""

    id: str
    call_type: str
    skill_id: str | None
    campaign_id: str | None
    number: str
    dnis: str
    created: int
    state: str = "QUEUED"
    agent_id: str | None = None
    queued_since: int = 0
    offered_at: int = 0
    answered_at: int = 0
    hold_since: int = 0
    hold_ms: int = 0
    ended_at: int = 0
    variables: dict[str, str] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    disposition_id: str | None = None
    recording: str = "NONE"
    transfer: bool = False
    user_transferring_id: str | None = None
    participants: list[dict[str, Any]] = field(default_factory=list)
    rejected_by: set[str] = field(default_factory=set)
    session_id: str = ""
