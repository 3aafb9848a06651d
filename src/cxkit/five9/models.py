"""Typed Five9 VCC REST models (msgspec Structs), tolerant of the variants real services send.

Every field has a default, unknown fields are ignored on decode (the raw body stays available on
:class:`cxkit.core.http.APIResponse`), and the wire's camel-case names are mapped to Python
snake-case (``tokenId`` -> ``token_id``). Where public sources disagree about a name (presence
``currentStateLong`` vs ``currentStateTime``, filter ``groupSelectionType`` vs
``groupsSelectionType``), both spellings are declared and a property answers with whichever
arrived. Ids are strings on the wire (``"300000000226050"``), timestamps epoch milliseconds.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "ActiveContact",
    "CallInfo",
    "CallVariable",
    "Campaign",
    "ContactField",
    "DataCenter",
    "Disposition",
    "LoginContext",
    "LoginResponse",
    "MaintenanceNotice",
    "Metadata",
    "Presence",
    "PresenceState",
    "ReasonCode",
    "Recording",
    "RecordingView",
    "Skill",
    "SkillLevel",
    "SkillSnapshot",
    "StatsFilterSettings",
    "UrlEntry",
    "User",
    "Wire",
]


class Wire(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """Base of every REST model: camel-case wire names, every field optional."""


# --------------------------------------------------------------------------- login / metadata


class UrlEntry(Wire):
    """One host of a data center (``uiUrls`` / ``apiUrls`` / ``loginUrls``)."""

    host: str = ""
    # Five9 sends the port as a string ("443"); tolerate a number too.
    port: str | int | None = None
    route_key: str | None = None
    version: str | None = None

    @property
    def port_number(self) -> int | None:
        """The port as an int (None when absent or not a number)."""
        if self.port is None or self.port == "":
            return None
        try:
            return int(self.port)
        except ValueError:
            return None

    def problem(self) -> str | None:
        """Why this entry cannot be used (no host, a port that is not 1-65535), or None."""
        if not self.host or not self.host.strip() or any(c in self.host for c in "/ ?#@"):
            return f"host {self.host!r} is not a host name"
        if self.port is None or self.port == "":
            return None  # the scheme's default port
        number = self.port_number
        if isinstance(self.port, bool) or number is None or not 0 < number < 65536:
            return f"port {self.port!r} is not a port number"
        return None


class DataCenter(Wire):
    """A data center of the login metadata. The client uses the one with ``active: true``."""

    name: str = ""
    active: bool = False
    ui_urls: list[UrlEntry] = []
    api_urls: list[UrlEntry] = []
    login_urls: list[UrlEntry] = []

    def api_url(self) -> UrlEntry | None:
        """The first usable API host of this data center (see :meth:`UrlEntry.problem`)."""
        for entry in self.api_urls:
            if entry.problem() is None:
                return entry
        return None


class Metadata(Wire):
    """``metadata`` of the login / ``auth/metadata`` response, also event 1002's payload."""

    freedom_url: str | None = None
    data_centers: list[DataCenter] = []

    def active_data_center(self) -> DataCenter | None:
        """The data center flagged ``active`` that has a usable API host; else the first one
        with a usable API host; else None. Never blindly ``[0]`` (a peer bug): the active flag
        wins. Use :meth:`DataCenter.api_url` for its host (entries with a bad host or port
        are skipped)."""
        for dc in self.data_centers:
            if dc.active and dc.api_url() is not None:
                return dc
        for dc in self.data_centers:
            if dc.api_url() is not None:
                return dc
        return None

    def problems(self) -> list[str]:
        """What is wrong with this metadata, in words (empty when it is sound): no data
        center, none or several flagged active, API hosts with a bad host or port."""
        found: list[str] = []
        if not self.data_centers:
            return ["metadata lists no data center"]
        active = [dc for dc in self.data_centers if dc.active]
        if not active:
            found.append("no data center is flagged active")
        elif len(active) > 1:
            names = ", ".join(repr(dc.name) for dc in active)
            found.append(f"several data centers are flagged active ({names})")
        for dc in self.data_centers:
            if not dc.api_urls:
                found.append(f"data center {dc.name!r} lists no apiUrls")
            for index, entry in enumerate(dc.api_urls):
                problem = entry.problem()
                if problem is not None:
                    found.append(f"data center {dc.name!r} apiUrls[{index}]: {problem}")
        return found


class LoginContext(Wire):
    """``context`` of the login response."""

    cloud_client_url: str | None = None
    cloud_token_url: str | None = None
    farm_id: str | int | None = None


class LoginResponse(Wire):
    """The login / ``login_by_token`` / ``auth/metadata`` body. ``repr`` hides the token."""

    token_id: str = ""
    session_id: str | None = None
    org_id: str = ""
    user_id: str = ""
    context: LoginContext = msgspec.field(default_factory=LoginContext)
    metadata: Metadata = msgspec.field(default_factory=Metadata)

    @property
    def farm_id(self) -> str | None:
        """The farm id as a string (None when absent)."""
        farm = self.context.farm_id
        return None if farm is None else str(farm)

    def __repr__(self) -> str:
        dcs = [dc.name for dc in self.metadata.data_centers]
        return (
            f"LoginResponse(org_id={self.org_id!r}, user_id={self.user_id!r}, "
            f"farm_id={self.farm_id!r}, token_id='***', data_centers={dcs!r})"
        )


class MaintenanceNotice(Wire):
    """A maintenance notice the user must accept before WORKING (``ACCEPT_NOTICE``)."""

    id: str = ""
    annotation: str | None = None
    text: str | None = None
    accepted: bool = False


# --------------------------------------------------------------------------- domain lookups


class SkillLevel(Wire):
    """A user's level in one skill."""

    skill_id: str = ""
    level: int | None = None


class User(Wire):
    """A domain user (``GET orgs/{orgId}/users``)."""

    id: str = ""
    user_name: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    extension: str | None = None
    email: str | None = None
    roles: list[str] = []
    permissions: list[str] = []
    skill_levels: list[SkillLevel] = []
    user_profile_set: bool | None = None


class Skill(Wire):
    """A skill (queue)."""

    id: str = ""
    name: str | None = None
    description: str | None = None
    message_of_the_day: str | None = None


class ReasonCode(Wire):
    """A not-ready or logout reason code."""

    id: str = ""
    name: str | None = None
    selectable: bool | None = None


class Disposition(Wire):
    """A call disposition. Negative / zero ids are system dispositions."""

    id: str = ""
    name: str | None = None
    description: str | None = None
    type: str | None = None


class Campaign(Wire):
    """A campaign."""

    id: str = ""
    name: str | None = None
    campaign_type: str | None = None
    state: str | None = None
    skill_ids: list[str] = []
    flags: list[str] = []


class ContactField(Wire):
    """A contact field definition."""

    id: str = ""
    name: str | None = None
    data_type: str | None = None
    primary: bool | None = None
    restrictions: Any = None


class CallVariable(Wire):
    """A call-attached variable (CAV) definition."""

    id: str = ""
    name: str | None = None
    group: str | None = None
    type: str | None = None
    restrictions: Any = None


# --------------------------------------------------------------------------- presence


class PresenceState(Wire):
    """One presence state: ready channels plus the not-ready reason.

    REST uses ``notReadyReasonCodeId`` (a string, ``"0"`` = none); the statistics feed uses
    ``notReadyReasonCode`` (an int). Both are kept; :attr:`reason_code_id` answers either.
    """

    # The statistics feed once sent readyChannels as the string "[]"; accept it.
    ready_channels: list[str] | str = []
    not_ready_reason_code_id: str | int | None = None
    not_ready_reason_code: int | str | None = None

    @property
    def channels(self) -> list[str]:
        """Ready channels as a list (the string ``"[]"`` variant becomes ``[]``)."""
        if isinstance(self.ready_channels, str):
            inner = self.ready_channels.strip().strip("[]")
            return [c.strip().strip("\"'") for c in inner.split(",") if c.strip()]
        return self.ready_channels

    @property
    def reason_code_id(self) -> str | None:
        """The not-ready reason code id as a string; None when none (absent, ``0``)."""
        value = self.not_ready_reason_code_id
        if value is None:
            value = self.not_ready_reason_code
        if value is None or str(value) in ("", "0"):
            return None
        return str(value)

    @property
    def is_ready(self) -> bool:
        """Ready on at least one channel."""
        return bool(self.channels)


class Presence(Wire):
    """``GET agents/{agentId}/presence``, in both published spellings."""

    current_state: PresenceState | None = None
    pending_state: PresenceState | None = None
    current_state_time: int | None = None  # AU3 / UI mock spelling
    current_state_long: int | None = None  # GO spelling
    graceful_mode_on: bool | None = None  # AU3 spelling
    is_graceful_mode_on: bool | None = None  # GO spelling
    pending_state_delay_time: int | None = None

    @property
    def since_ms(self) -> int | None:
        """When the current state began (epoch ms), from whichever field arrived."""
        return self.current_state_long if self.current_state_long else self.current_state_time

    @property
    def graceful(self) -> bool:
        """Graceful mode, from whichever field arrived."""
        return bool(self.graceful_mode_on or self.is_graceful_mode_on)


# --------------------------------------------------------------------------- calls


class ActiveContact(Wire):
    """The contact attached to a call."""

    id: str | None = None
    fields: dict[str, Any] = {}


class CallInfo(Wire):
    """A call (REST ``interactions/calls`` and the payload of events 3/4/5/30/31)."""

    id: str = ""
    state: str | None = None
    call_type: str | None = None
    campaign_id: str | None = None
    skill_id: str | None = None
    address_type: str | None = None
    # Some booleans travel as strings ("false").
    transfer: bool | str | None = None
    user_transferring_id: str | None = None
    variables: dict[str, Any] = {}
    active_contact: ActiveContact | None = None
    session_id: str | None = None
    ani: str | None = None
    dnis: str | None = None
    disposition_id: str | None = None
    disposition_name: str | None = None
    created: int | None = None
    state_since: int | None = None


# --------------------------------------------------------------------------- supervisor


class StatsFilterSettings(Wire):
    """``supervisors/{supId}/stats_filter_settings``."""

    groups: list[str] = []
    group_selection_type: str | None = None  # ALL | MY | SPECIFY (JSON tag in GO)
    groups_selection_type: str | None = None  # the spelling of GO's comment; tolerated
    range: str | None = None
    rolling_time_period: str | None = None
    shift_hours: int | None = None
    skills: list[str] = []
    skills_selection_type: str | None = None
    subscribed_hour_offset: int | None = None
    time_zone: str | None = None
    time_zone_id: str | None = msgspec.field(default=None, name="timeZoneID")
    use_admin_time_zone: bool | None = None

    @property
    def selection_type_of_groups(self) -> str | None:
        """The groups selection type from whichever spelling arrived."""
        return self.group_selection_type or self.groups_selection_type


class SkillSnapshot(Wire):
    """``supervisors/{supId}/skills/{skillId}/snapshot``; ``inQueueCalls`` is a list or a count."""

    in_queue_calls: list[Any] | int | None = None
    in_queue_call_count: int | None = None
    in_queue_callback_count: int | None = None
    max_queue_duration: int | None = None
    ready_for_call_agents_ids: list[str] = []

    @property
    def calls_waiting(self) -> int:
        """Calls in queue from whichever field is present."""
        if self.in_queue_call_count is not None:
            return self.in_queue_call_count
        if isinstance(self.in_queue_calls, list):
            return len(self.in_queue_calls)
        return self.in_queue_calls or 0


class Recording(Wire):
    """One recording of a recording view."""

    id: str = ""
    campaign_id: str | None = None
    created: int | None = None
    number: str | None = None
    name: str | None = None
    length: int | None = None
    status: str | None = None
    call_session_id: str | None = None


class RecordingView(Wire):
    """A page of a server-side recording view."""

    id: str = ""
    records: list[Recording] = []
    records_total: int | None = None
    has_more: bool | None = None
    current_page: int | None = None
