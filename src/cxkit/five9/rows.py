"""Typed rows of the supervisor statistics feed (events 5000 and 5012), one Struct per data source.

Rows are decoded straight from the frame by msgspec (no intermediate dicts). Every field is
optional; unknown fields are ignored. Every :class:`DataSource` has a typed row (so a whole
statistics frame decodes in one pass); rows of a data source Five9 may add later are kept as
:class:`GenericRow` (the whole JSON object in ``fields``), so nothing is dropped.
Times are epoch milliseconds, durations milliseconds.
"""

from __future__ import annotations

import enum
from typing import Any, TypeAlias

import msgspec

__all__ = [
    "AcdStatusRow",
    "AgentStateRow",
    "AgentStatisticRow",
    "CampaignStateRow",
    "ChannelAvailability",
    "DataSource",
    "GenericRow",
    "InboundCampaignStatisticsRow",
    "OutboundCampaignManagerRow",
    "OutboundCampaignStatisticsRow",
    "RowPresence",
    "RowPresenceState",
    "StationRow",
    "StatsRow",
    "UserSessionRow",
    "row_type",
]


class DataSource(enum.StrEnum):
    """The statistics data sources Five9 is known to send."""

    ACD_STATUS = "ACD_STATUS"
    AGENT_STATE = "AGENT_STATE"
    AGENT_STATISTIC = "AGENT_STATISTIC"
    CAMPAIGN_STATE = "CAMPAIGN_STATE"
    INBOUND_CAMPAIGN_STATISTICS = "INBOUND_CAMPAIGN_STATISTICS"
    OUTBOUND_CAMPAIGN_STATISTICS = "OUTBOUND_CAMPAIGN_STATISTICS"
    OUTBOUND_CAMPAIGN_MANAGER = "OUTBOUND_CAMPAIGN_MANAGER"
    STATIONS = "STATIONS"
    USER_SESSION = "USER_SESSION"


class _Wire(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    pass


class _Row(_Wire):
    id: str = ""


class RowPresenceState(_Wire):
    """Presence state inside an AGENT_STATE row (reason code is an int here)."""

    ready_channels: list[str] | str = []
    not_ready_reason_code: int | str | None = None


class RowPresence(_Wire):
    """``presence`` of an AGENT_STATE row."""

    pending_state: RowPresenceState | None = None
    current_state: RowPresenceState | None = None
    on_voice: bool | None = None
    on_scc: bool | None = msgspec.field(default=None, name="onSCC")
    change_timestamp: int | None = None
    next_state_change_timestamp: int | None = None
    graceful_mode_on: bool | None = None


class ChannelAvailability(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """Per-channel capacity of an agent."""

    current: int | None = None
    max: int | None = None
    status: str | None = None


class AgentStateRow(_Row):
    """AGENT_STATE: one agent's live state.

    ``state`` is LOGGED_OUT, NOT_READY, READY, ON_CALL, ACW or RINGING.
    """

    state: str | None = None
    state_since: int | None = None
    state_duration: int | None = None
    reason_code_id: str | int | None = None
    reason_code_since: int | None = None
    reason_code_duration: int | None = None
    call_type: str | None = None
    campaign_id: str | None = None
    customer: Any = None
    media_availability: str | None = None
    parked_calls_count: int | None = None
    on_hold_state_since: int | None = None
    on_hold_state_duration: int | None = None
    on_park_state_since: int | None = None
    on_park_state_duration: int | None = None
    after_call_work_state_since: int | None = None
    after_call_work_state_duration: int | None = None
    logged_out_state_since: int | None = None
    logged_out_state_duration: int | None = None
    not_ready_state_since: int | None = None
    not_ready_state_duration: int | None = None
    on_call_state_since: int | None = None
    on_call_state_duration: int | None = None
    ready_state_since: int | None = None
    ready_state_duration: int | None = None
    permanent_recording: bool | None = None
    session_recording: bool | None = None
    presence: RowPresence | None = None
    channel_availability: dict[str, ChannelAvailability] | None = None
    current_video_chats_count: int | None = None
    current_emails_count: int | None = None
    current_cases_count: int | None = None
    current_chats_count: int | None = None
    # Seen as the string "[]" on the wire.
    ready_channels: list[str] | str | None = None

    @property
    def reason(self) -> str | None:
        """The not-ready reason code id as a string; None for none (``"0"``)."""
        value = self.reason_code_id
        if value is None or str(value) in ("", "0"):
            return None
        return str(value)


class AgentStatisticRow(_Row):
    """AGENT_STATISTIC: one agent's counters (times in ms). Row ``id: ""`` holds domain totals."""

    total_calls_count: int | None = None
    agent_calls_count: int | None = None
    total_calls_without_internals_count: int | None = None
    breaks_count: int | None = None
    average_break_time: float | None = None
    average_call_time: float | None = None
    average_hold_time: float | None = None
    average_idle_time: float | None = None
    internal_calls_count: int | None = None
    average_internal_call_time: float | None = None
    preview_calls_count: int | None = None
    preview_time: float | None = None
    average_preview_time: float | None = None
    average_handle_time: float | None = None
    processed_voicemail_count: int | None = None
    average_voicemail_processing_time: float | None = None
    average_voicemail_ready_time: float | None = None
    average_wrap_time: float | None = None
    call_charges: float | None = None
    skipped_in_preview_calls_count: int | None = None
    dispositions: dict[str, int] | None = None
    first_call_resolution: float | None = None
    inbound_calls_count: int | None = None
    successful_internal_calls_count: int | None = None
    login_time: float | None = None
    occupancy: float | None = None
    outbound_calls_count: int | None = None
    off_break_time: float | None = None
    utilization: float | None = None


class AcdStatusRow(_Row):
    """ACD_STATUS: one queue (skill). Row ``id: "0"`` holds domain totals."""

    calls_in_queue: int | None = None
    callbacks_in_queue: int | None = None
    voicemails_in_queue: int | None = None
    voicemails_in_progress: int | None = None
    voicemails_total: int | None = None
    agents_in_voicemail_queue: int | None = None
    agents_active: int | None = None
    agents_logged_in: int | None = None
    agents_in_queue: int | None = None
    agents_on_call: int | None = None
    agents_not_ready_for_calls: int | None = None
    longest_queue_time: int | None = None
    current_longest_queue_time: int | None = None
    vivr_calls_in_queue: int | None = None
    emails_in_queue: int | None = None
    chats_in_queue: int | None = None


class CampaignStateRow(_Row):
    """CAMPAIGN_STATE: one campaign."""

    campaign_state: str | None = None
    priority: int | None = None
    ratio: float | None = None
    current_action: str | None = None
    state_since: int | None = None
    mode: str | None = None
    profile_id: str | None = None


class UserSessionRow(_Row):
    """USER_SESSION: one logged-in session."""

    user_id: str | None = None
    user_name: str | None = None
    full_name: str | None = None
    role: str | None = None
    session_start: int | None = None
    station: Any = None


# The next four sources have no public capture: their fields are the ones a public client
# declares for them (the GO struct of INBOUND_CAMPAIGN_STATISTICS / OUTBOUND_CAMPAIGN_MANAGER)
# plus the ones the cxkit emulator renders. Numbers whose JSON type no source confirms accept
# an int or a float. As for every row, unknown fields are ignored (the frame itself stays on
# the event: ``Five9Event.raw_json()``).

_Number: TypeAlias = int | float


class InboundCampaignStatisticsRow(_Row):
    """INBOUND_CAMPAIGN_STATISTICS: one inbound campaign's figures of the day (times in ms)."""

    total_calls_count: int | None = None
    calls_in_queue: int | None = None
    current_calls_count: int | None = None
    associated_with_agents_calls_count: int | None = None
    connected_plus_abandoned_calls_count: int | None = None
    abandon_call_rate: _Number | None = None
    average_availability_time: _Number | None = None
    average_call_time: _Number | None = None
    handled_calls_count: int | None = None
    average_handle_time: _Number | None = None
    average_speed_of_answer: _Number | None = None
    average_wrap_time: _Number | None = None
    call_charges: _Number | None = None
    abandoned_calls_count: int | None = None
    connected_calls_count: int | None = None
    finished_in_ivr_error_calls_count: int | None = msgspec.field(
        default=None, name="finishedInIVRErrorCallsCount"
    )
    finished_in_ivr_success_calls_count: int | None = msgspec.field(
        default=None, name="finishedInIVRSuccessCallsCount"
    )
    rejected_calls_count: int | None = None
    dispositions: dict[str, int] | None = None
    first_call_resolution: _Number | None = None
    longest_hold_time: _Number | None = None
    longest_queue_time: _Number | None = None
    service_level_queue: _Number | None = None
    service_level_talk: _Number | None = None
    # Sic: the field name a public client declares (a typo of "count", kept as the wire has it).
    vivr_sessions_county: int | None = None


class OutboundCampaignStatisticsRow(_Row):
    """OUTBOUND_CAMPAIGN_STATISTICS: one outbound campaign's figures of the day."""

    dialed_count: int | None = None
    current_calls_count: int | None = None
    connected_calls_count: int | None = None
    abandoned_calls_count: int | None = None
    dispositions: dict[str, int] | None = None


class OutboundCampaignManagerRow(_Row):
    """OUTBOUND_CAMPAIGN_MANAGER: the dialer's view of one outbound campaign."""

    campaign_state: str | None = None
    mode: str | None = None
    ready_for_call_agents_count: int | None = None
    dispositioned_records_count: int | None = None
    dialing_attempts_count: int | None = None
    contacted_calls_count: int | None = None
    skipped_in_preview_calls_count: int | None = None
    calls_to_agent_ratio: _Number | None = None
    calls_to_agent_target_ratio: _Number | None = None
    total_records_count: int | None = None
    available_records_count: int | None = None
    redialed_with_timer_records_count: int | None = None
    dialed_without_timer_records_count: int | None = None
    dialed_with_asap_request_records_count: int | None = msgspec.field(
        default=None, name="dialedWithASAPRequestRecordsCount"
    )
    no_party_contact_system_calls_count: int | None = None
    abandoned_calls_count: int | None = None
    unreachable_records_count: int | None = None


class StationRow(_Row):
    """STATIONS: one user's station (the row id is the user id)."""

    station_id: str | None = None
    station_type: str | None = None
    state: str | None = None


class GenericRow(msgspec.Struct, kw_only=True, gc=False):
    """A row of a data source without a typed row: ``fields`` is the whole JSON object."""

    id: str
    fields: dict[str, Any]


StatsRow: TypeAlias = (
    AgentStateRow
    | AgentStatisticRow
    | AcdStatusRow
    | CampaignStateRow
    | UserSessionRow
    | InboundCampaignStatisticsRow
    | OutboundCampaignStatisticsRow
    | OutboundCampaignManagerRow
    | StationRow
    | GenericRow
)

_ROW_TYPES: dict[str, type[Any]] = {
    DataSource.AGENT_STATE: AgentStateRow,
    DataSource.AGENT_STATISTIC: AgentStatisticRow,
    DataSource.ACD_STATUS: AcdStatusRow,
    DataSource.CAMPAIGN_STATE: CampaignStateRow,
    DataSource.USER_SESSION: UserSessionRow,
    DataSource.INBOUND_CAMPAIGN_STATISTICS: InboundCampaignStatisticsRow,
    DataSource.OUTBOUND_CAMPAIGN_STATISTICS: OutboundCampaignStatisticsRow,
    DataSource.OUTBOUND_CAMPAIGN_MANAGER: OutboundCampaignManagerRow,
    DataSource.STATIONS: StationRow,
}


def row_type(data_source: str) -> type[Any] | None:
    """The typed row class of a data source, or None (rows then become :class:`GenericRow`)."""
    return _ROW_TYPES.get(data_source)
