"""Supervisor statistics: row builders per data source, 5000 snapshots and 5012 deltas.

Rows follow reference §4.10 key for key (the GO fixtures): ids are strings, times epoch ms,
``readyChannels`` of AGENT_STATE is a *string* (``"[]"``), ``notReadyReasonCode`` an int
while ``reasonCodeId`` is a string; ACD_STATUS has a totals row ``id: "0"`` and
AGENT_STATISTIC a totals row ``id: ""``. Durations are sent as 0 (as in every capture), so a
row only changes when the state behind it changes.

:class:`StatsPublisher` keeps the last rows it published; a flush rebuilds only the rows the
tenant marked dirty and reports those that really differ as added / updated / removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cxkit.emulator.five9.model import AgentActivity
from cxkit.emulator.five9.state import ACD_TOTAL_ID, DATA_SOURCES, STAT_TOTAL_ID, Tenant

__all__ = [
    "RowBuilder",
    "StatsPublisher",
    "acd_row",
    "build_row",
    "filter_rows",
    "filtered_payload",
    "row_ids",
    "statistic_row",
]

Row = dict[str, Any]
RowBuilder = Callable[[Tenant, str, str], dict[str, Any] | None]
"""Builds the current row ``row_id`` of a data source (None: no such row)."""

_SINCE_KEYS = (
    ("afterCallWorkState", "ACW"),
    ("loggedOutState", "LOGGED_OUT"),
    ("notReadyState", "NOT_READY"),
    ("onCallState", "ON_CALL"),
    ("readyState", "READY"),
)


def _java_list(items: Iterable[str]) -> str:
    """Five9 sends AGENT_STATE ``readyChannels`` as a Java list's toString: ``"[]"``."""
    return "[" + ", ".join(items) + "]"


def _channel(current: int, maximum: int, status: str) -> dict[str, Any]:
    return {"current": current, "max": maximum, "status": status}


def agent_state_row(tenant: Tenant, agent: AgentActivity) -> Row:
    """One AGENT_STATE row."""
    call = tenant.calls.get(agent.call_id or "")
    since = agent.since
    reason = agent.reason_code_id
    pending_channels = (
        agent.pending_channels if agent.pending_channels is not None else agent.ready_channels
    )
    pending_reason = agent.pending_reason if agent.pending_channels is not None else reason
    ready = agent.state == "READY"
    voice_status = (
        "busy" if call is not None else ("ready" if "CALL" in agent.ready_channels else "not-ready")
    )
    row: Row = {
        "id": agent.user_id,
        "callType": call.call_type if call is not None else None,
        "campaignId": call.campaign_id if call is not None else None,
        "customer": None,
        "mediaAvailability": "AVAILABLE" if ready else "NOT_AVAILABLE",
        "parkedCallsCount": 1 if call is not None and call.state == "PARKED" else 0,
        "reasonCodeId": reason,
        "state": agent.state,
        "stateSince": agent.state_since,
        "stateDuration": 0,
        "onHoldStateSince": since.get("ON_HOLD", 0),
        "onHoldStateDuration": 0,
        "onParkStateSince": since.get("ON_PARK", 0),
        "onParkStateDuration": 0,
        "reasonCodeSince": agent.reason_code_since,
        "reasonCodeDuration": 0,
    }
    for key, state in _SINCE_KEYS:
        row[f"{key}Since"] = since.get(state, 0)
        row[f"{key}Duration"] = 0
    row.update(
        {
            "permanentRecording": False,
            "sessionRecording": call is not None and call.recording == "RECORDING",
            "presence": {
                "pendingState": {
                    "readyChannels": list(pending_channels),
                    "notReadyReasonCode": int(pending_reason or 0),
                },
                "currentState": {
                    "readyChannels": list(agent.ready_channels),
                    "notReadyReasonCode": int(reason or 0),
                },
                "onVoice": call is not None,
                "onSCC": False,
                "changeTimestamp": agent.change_timestamp,
                "nextStateChangeTimestamp": 0,
                "gracefulModeOn": False,
            },
            "channelAvailability": {
                "Video": _channel(0, 1, "not-enabled"),
                "Total": _channel(1 if call else 0, 2, "ready" if ready else "not-ready"),
                "Chat": _channel(0, 0, "not-enabled"),
                "Voicemail": _channel(
                    0, 1, "ready" if "VOICE_MAIL" in agent.ready_channels else "not-ready"
                ),
                "Voice": _channel(1 if call else 0, 1, voice_status),
            },
            "currentVideoChatsCount": 0,
            "currentEmailsCount": 0,
            "currentCasesCount": 0,
            "currentChatsCount": 0,
            "readyChannels": _java_list(agent.ready_channels),
        }
    )
    return row


def _avg(total: int, count: int) -> int:
    return total // count if count else 0


def statistic_row(row_id: str, agents: Iterable[AgentActivity]) -> Row:
    """One AGENT_STATISTIC row summing the counters of ``agents`` (one agent, or all for
    the totals row ``id: ""``)."""
    calls = inbound = outbound = internal = breaks = hold = 0
    time_in: dict[str, int] = {}
    dispositions: dict[str, int] = {}
    for agent in agents:
        calls += agent.calls
        inbound += agent.inbound_calls
        outbound += agent.outbound_calls
        internal += agent.internal_calls
        breaks += agent.breaks
        hold += agent.hold_ms
        for state, ms in agent.time_in.items():
            time_in[state] = time_in.get(state, 0) + ms
        for disp, count in agent.dispositions.items():
            dispositions[disp] = dispositions.get(disp, 0) + count
    talk = time_in.get("ON_CALL", 0)
    wrap = time_in.get("ACW", 0)
    idle = time_in.get("READY", 0)
    not_ready = time_in.get("NOT_READY", 0)
    login = talk + wrap + idle + not_ready + time_in.get("RINGING", 0)
    busy = talk + wrap
    return {
        "id": row_id,
        "totalCallsCount": calls,
        "agentCallsCount": calls - internal,
        "totalCallsWithoutInternalsCount": calls - internal,
        "breaksCount": breaks,
        "averageBreakTime": _avg(not_ready, breaks),
        "averageCallTime": _avg(talk, calls),
        "averageHoldTime": _avg(hold, calls),
        "averageIdleTime": _avg(idle, calls),
        "internalCallsCount": internal,
        "averageInternalCallTime": 0,
        "previewCallsCount": 0,
        "previewTime": 0,
        "averagePreviewTime": 0,
        "averageHandleTime": _avg(talk + wrap, calls),
        "processedVoicemailCount": 0,
        "averageVoicemailProcessingTime": 0,
        "averageVoicemailReadyTime": 0,
        "averageWrapTime": _avg(wrap, calls),
        "callCharges": round(talk / 60_000 * 0.0121, 4),
        "skippedInPreviewCallsCount": 0,
        "dispositions": dispositions,
        "firstCallResolution": 0,
        "inboundCallsCount": inbound,
        "successfulInternalCallsCount": internal,
        "loginTime": login,
        "occupancy": busy / (busy + idle) if busy + idle else 0.0,
        "outboundCallsCount": outbound,
        "offBreakTime": login - not_ready,
        "utilization": talk / login if login else 0.0,
    }


def _acd(tenant: Tenant, row_id: str, skill_ids: Iterable[str]) -> Row:
    skill_ids = list(skill_ids)
    members: set[str] = set()
    queued: list[int] = []
    for skill_id in skill_ids:
        members |= tenant.skill_members.get(skill_id, set())
        queued.extend(tenant.calls[c].queued_since for c in tenant.queues.get(skill_id, ()))
    logged_in = ready = on_call = not_ready = 0
    for user_id in members:
        agent = tenant.agents.get(user_id)
        if agent is None or agent.state == "LOGGED_OUT":
            continue
        logged_in += 1
        if agent.state == "READY":
            ready += 1
        elif agent.state in ("ON_CALL", "RINGING", "ACW"):
            on_call += 1
        elif agent.state == "NOT_READY":
            not_ready += 1
    oldest = min(queued) if queued else 0
    # Five9 recomputes the waits when it publishes; the emulator does when a row changes
    wait = max(0, tenant.clock_ms() - oldest) if queued else 0
    return acd_row(
        row_id,
        calls=len(queued),
        longest_ms=wait,
        logged_in=logged_in,
        ready=ready,
        on_call=on_call,
        not_ready=not_ready,
    )


def acd_row(
    row_id: str,
    *,
    calls: int,
    longest_ms: int,
    logged_in: int,
    ready: int,
    on_call: int,
    not_ready: int,
) -> Row:
    """One ACD_STATUS row from its figures (``on_call`` counts ringing, talking and
    after-call work; ``ready`` is Five9's ``agentsInQueue``)."""
    return {
        "id": row_id,
        "callsInQueue": calls,
        "callbacksInQueue": 0,
        "voicemailsInQueue": 0,
        "voicemailsInProgress": 0,
        "voicemailsTotal": 0,
        "agentsInVoicemailQueue": 0,
        "agentsActive": logged_in,
        "agentsLoggedIn": logged_in,
        "agentsInQueue": ready,
        "agentsOnCall": on_call,
        "agentsNotReadyForCalls": not_ready,
        "longestQueueTime": longest_ms,
        "currentLongestQueueTime": longest_ms,
        "vivrCallsInQueue": 0,
    }


def build_row(tenant: Tenant, data_source: str, row_id: str) -> Row | None:
    """The current row ``row_id`` of ``data_source`` (None: the row does not exist)."""
    if data_source == "AGENT_STATE":
        agent = tenant.agents.get(row_id)
        return agent_state_row(tenant, agent) if agent is not None else None
    if data_source == "AGENT_STATISTIC":
        if row_id == STAT_TOTAL_ID:
            return statistic_row(STAT_TOTAL_ID, tenant.agents.values())
        agent = tenant.agents.get(row_id)
        return statistic_row(row_id, [agent]) if agent is not None else None
    if data_source == "ACD_STATUS":
        if row_id == ACD_TOTAL_ID:
            return _acd(tenant, ACD_TOTAL_ID, tenant.skills)
        return _acd(tenant, row_id, [row_id]) if row_id in tenant.skills else None
    if data_source == "STATIONS":
        station = tenant.stations.get(row_id)
        if station is None:
            return None
        return {
            "id": row_id,
            "stationId": station.station_id,
            "stationType": station.station_type,
            "state": station.state,
        }
    if data_source == "USER_SESSION":
        user = tenant.users.get(row_id)
        start = tenant.session_start_ms.get(row_id)
        if user is None or start is None:
            return None
        station = tenant.stations.get(row_id)
        return {
            "id": row_id,
            "userId": user.id,
            "userName": user.user_name,
            "fullName": user.full_name,
            "role": "Agent" if user.is_agent else "Supervisor",
            "sessionStart": start,
            "station": station.station_id if station is not None else "",
        }
    return _campaign_row(tenant, data_source, row_id)


def _campaign_row(tenant: Tenant, data_source: str, row_id: str) -> Row | None:
    campaign = tenant.campaigns.get(row_id)
    if campaign is None:
        return None
    inbound = campaign.campaign_type == "INBOUND"
    if data_source == "CAMPAIGN_STATE":
        return {
            "id": campaign.id,
            "campaignState": "RUNNING" if campaign.state == "RUNNING" else "NOT_RUNNING",
            "priority": campaign.priority,
            "ratio": campaign.ratio,
            "currentAction": "NONE",
            "stateSince": campaign.state_since,
            "mode": campaign.mode,
            "profileId": campaign.profile_id,
        }
    active = [c for c in tenant.calls.values() if c.campaign_id == campaign.id]
    queued = [c for c in active if c.state == "QUEUED"]
    total = tenant.campaign_calls.get(campaign.id, 0)
    connected = tenant.campaign_connected.get(campaign.id, 0)
    abandoned = tenant.abandoned.get(campaign.id, 0)
    dispositions = dict(tenant.campaign_dispositions.get(campaign.id, {}))
    handled = sum(dispositions.values())
    # No public capture of these three sources: the keys are those a public client declares
    # for INBOUND_CAMPAIGN_STATISTICS and OUTBOUND_CAMPAIGN_MANAGER (GO five9types), plus a few
    # the emulator adds (callsInQueue, currentCallsCount, dialedCount, mode); durations are
    # sent as 0 like every duration of the feed.
    if data_source == "INBOUND_CAMPAIGN_STATISTICS" and inbound:
        oldest = min((c.queued_since for c in queued), default=0)
        return {
            "id": campaign.id,
            "associatedWithAgentsCallsCount": connected,
            "connectedPlusAbandonedCallsCount": connected + abandoned,
            "abandonCallRate": abandoned / total if total else 0.0,
            "totalCallsCount": total,
            "averageAvailabilityTime": 0,
            "averageCallTime": 0,
            "handledCallsCount": handled,
            "averageHandleTime": 0,
            "averageSpeedOfAnswer": 0,
            "averageWrapTime": 0,
            "callCharges": 0.0,
            "abandonedCallsCount": abandoned,
            "connectedCallsCount": connected,
            "finishedInIVRErrorCallsCount": 0,
            "finishedInIVRSuccessCallsCount": 0,
            "rejectedCallsCount": 0,
            "dispositions": dispositions,
            "firstCallResolution": 0,
            "longestHoldTime": 0,
            "longestQueueTime": max(0, tenant.clock_ms() - oldest) if queued else 0,
            "serviceLevelQueue": 0.0,
            "serviceLevelTalk": 0.0,
            "vivrSessionsCounty": 0,
            "callsInQueue": len(queued),
            "currentCallsCount": len(active) - len(queued),
        }
    if data_source == "OUTBOUND_CAMPAIGN_STATISTICS" and not inbound:
        return {
            "id": campaign.id,
            "dialedCount": total,
            "currentCallsCount": len(active),
            "connectedCallsCount": connected,
            "abandonedCallsCount": abandoned,
            "dispositions": dispositions,
        }
    if data_source == "OUTBOUND_CAMPAIGN_MANAGER" and not inbound:
        members: set[str] = set()
        for skill_id in campaign.skill_ids:
            members |= tenant.skill_members.get(skill_id, set())
        ready = sum(1 for u in members if u in tenant.agents and tenant.agents[u].state == "READY")
        return {
            "id": campaign.id,
            "readyForCallAgentsCount": ready,
            "dispositionedRecordsCount": handled,
            "dialingAttemptsCount": total,
            "contactedCallsCount": connected,
            "skippedInPreviewCallsCount": 0,
            "callsToAgentRatio": float(campaign.ratio),
            "callsToAgentTargetRatio": float(campaign.ratio),
            "totalRecordsCount": 0,
            "availableRecordsCount": 0,
            "redialedWithTimerRecordsCount": 0,
            "dialedWithoutTimerRecordsCount": 0,
            "dialedWithASAPRequestRecordsCount": 0,
            "noPartyContactSystemCallsCount": 0,
            "abandonedCallsCount": abandoned,
            "unreachableRecordsCount": 0,
            "campaignState": "RUNNING" if campaign.state == "RUNNING" else "NOT_RUNNING",
            "mode": campaign.mode,
        }
    return None


def row_ids(tenant: Tenant, data_source: str) -> list[str]:
    """Every id a data source may have a row for."""
    if data_source in ("AGENT_STATE",):
        return list(tenant.agents)
    if data_source == "AGENT_STATISTIC":
        return [*tenant.agents, STAT_TOTAL_ID]
    if data_source == "ACD_STATUS":
        return [*tenant.skills, ACD_TOTAL_ID]
    if data_source == "STATIONS":
        return list(tenant.stations)
    if data_source == "USER_SESSION":
        return list(tenant.session_start_ms)
    return list(tenant.campaigns)


_AGENT_SOURCES = frozenset({"AGENT_STATE", "AGENT_STATISTIC", "STATIONS", "USER_SESSION"})


def effective_filter(tenant: Tenant, user_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """A supervisor's filter settings with ``MY`` made explicit: ``MY`` groups are the agent
    groups the supervisor belongs to, ``MY`` skills the skills assigned to them (so two
    supervisors with the same ``MY`` settings can see different rows)."""
    group_key = "groupSelectionType" if "groupSelectionType" in settings else "groupsSelectionType"
    mine_groups = settings.get(group_key) == "MY"
    mine_skills = settings.get("skillsSelectionType") == "MY"
    if not (mine_groups or mine_skills):
        return settings
    user = tenant.users.get(user_id)
    resolved = dict(settings)
    if mine_groups:
        resolved[group_key] = "SPECIFY"
        resolved["groups"] = list(user.group_ids) if user else []
    if mine_skills:
        resolved["skillsSelectionType"] = "SPECIFY"
        resolved["skills"] = sorted(user.skill_levels) if user else []
    return resolved


def filter_rows(
    tenant: Tenant, data_source: str, rows: list[Row], settings: dict[str, Any]
) -> list[Row]:
    """Keep the rows a supervisor's stats filter settings select (reference §3.12)."""
    if data_source == "ACD_STATUS" and settings.get("skillsSelectionType") == "SPECIFY":
        skills = {str(s) for s in settings.get("skills") or ()}
        return [r for r in rows if r["id"] == ACD_TOTAL_ID or r["id"] in skills]
    group_type = settings.get("groupSelectionType", settings.get("groupsSelectionType"))
    if data_source in _AGENT_SOURCES and group_type == "SPECIFY":
        groups = {str(g) for g in settings.get("groups") or ()}
        kept = []
        for row in rows:
            user = tenant.users.get(row["id"])
            if row["id"] == STAT_TOTAL_ID or (user and groups.intersection(user.group_ids)):
                kept.append(row)
        return kept
    return rows


class StatsPublisher:
    """The last published rows and the delta computation behind event 5012."""

    def __init__(self, tenant: Tenant, builder: RowBuilder = build_row) -> None:
        self.tenant = tenant
        self.builder = builder
        """How a row is built (the simulated domain builds ACD and total rows its own way)."""
        self.last: dict[str, dict[str, Row]] = {}
        self.rebuild()

    def rebuild(self) -> None:
        """Build every row afresh (start, reset) and forget pending changes."""
        self.tenant.take_dirty()
        self.last = {}
        for data_source in DATA_SOURCES:
            rows: dict[str, Row] = {}
            for row_id in row_ids(self.tenant, data_source):
                row = self.builder(self.tenant, data_source, row_id)
                if row is not None:
                    rows[row_id] = row
            self.last[data_source] = rows

    def snapshot(self) -> list[dict[str, Any]]:
        """The 5000 payload: every data source with all its rows (as last published)."""
        return [
            {"dataSource": ds, "data": list(self.last.get(ds, {}).values())} for ds in DATA_SOURCES
        ]

    def compute_delta(self) -> list[dict[str, Any]]:
        """Rebuild the dirty rows and return the 5012 payload of those that changed."""
        payload = []
        for data_source, ids in self.tenant.take_dirty().items():
            published = self.last.setdefault(data_source, {})
            added: list[Row] = []
            updated: list[Row] = []
            removed: list[str] = []
            for row_id in sorted(ids):
                row = self.builder(self.tenant, data_source, row_id)
                old = published.get(row_id)
                if row is None:
                    if old is not None:
                        del published[row_id]
                        removed.append(row_id)
                elif old is None:
                    published[row_id] = row
                    added.append(row)
                elif row != old:
                    published[row_id] = row
                    updated.append(row)
            if added or updated or removed:
                payload.append(
                    {
                        "dataSource": data_source,
                        "added": added,
                        "updated": updated,
                        "removed": removed,
                    }
                )
        return payload

    def truth(self) -> dict[str, list[Row]]:
        """Every published row per data source, sorted by id (admin ``state``)."""
        return {ds: [rows[i] for i in sorted(rows)] for ds, rows in self.last.items()}


def filtered_payload(
    tenant: Tenant,
    payload: list[dict[str, Any]],
    settings: dict[str, Any],
    key: str,
) -> list[dict[str, Any]]:
    """Apply a supervisor's filter settings to a 5000 (``key="data"``) or 5012 payload."""
    result = []
    for original in payload:
        entry = dict(original)
        ds = entry["dataSource"]
        if key == "data":
            entry["data"] = filter_rows(tenant, ds, entry["data"], settings)
        else:
            entry["added"] = filter_rows(tenant, ds, entry["added"], settings)
            entry["updated"] = filter_rows(tenant, ds, entry["updated"], settings)
            if not (entry["added"] or entry["updated"] or entry["removed"]):
                continue
        result.append(entry)
    return result
