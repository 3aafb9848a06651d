"""Five9 agent events -> vendor-neutral events (:mod:`cxkit.events`).

Call start / end detection follows the Salesforce Aura component (sf-five9-subscriber):

* event 4 (EVENT_CALL_UPDATED) with reason ``UPDATED`` or ``CONNECTED`` and payload state
  ``TALKING`` -> :class:`~cxkit.events.InteractionStarted` (once per call id; later updates of
  the same call become :class:`~cxkit.events.InteractionUpdated`);
* event 5 / 31 (EVENT_CALL_DELETED) with reason ``DISPOSITIONED`` and state ``FINISHED`` ->
  :class:`~cxkit.events.InteractionEnded`. A 5 with another reason also ends the call (the call
  object is gone), so no call stays open forever;
* events 3 / 30 (created) and other 4s -> :class:`~cxkit.events.InteractionUpdated`.

Presence (event 12) becomes :class:`~cxkit.events.AgentStateChanged`: ready on at least one
channel -> READY, else NOT_READY with the reason code id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from cxkit.events import (
    AgentState,
    AgentStateChanged,
    InteractionEnded,
    InteractionStarted,
    InteractionUpdated,
)
from cxkit.five9.events import CallEvent, EventId, Five9Event, PresenceEvent
from cxkit.five9.models import CallInfo

__all__ = ["AgentNormalizer"]

_START_REASONS: Final = frozenset({"UPDATED", "CONNECTED"})
_UPDATED: Final = frozenset({EventId.EVENT_CALL_UPDATED})
_CREATED: Final = frozenset({EventId.EVENT_CALL_CREATED, EventId.EVENT_CALL_CREATED_DUPLICATE})
_DELETED: Final = frozenset({EventId.EVENT_CALL_DELETED, EventId.EVENT_CALL_DELETED_DUPLICATE})


def _direction(call: CallInfo) -> str | None:
    kind = (call.call_type or "").upper()
    if "INBOUND" in kind:
        return "inbound"
    if "OUTBOUND" in kind or kind in ("MANUAL", "PREVIEW", "AUTODIAL"):
        return "outbound"
    if kind in ("AGENT", "INTERNAL"):
        return "internal"
    return None


class AgentNormalizer:
    """Stateful mapper of one agent stream's events to unified events.

    It remembers which calls started (so a hold / unhold does not start a call twice) and the
    agent's last state (for ``previous_state``). Feed every event to :meth:`normalize`.
    """

    def __init__(self, *, tenant: str = "", agent_id: str | None = None) -> None:
        self.tenant = tenant
        self.agent_id = agent_id
        self._started: dict[str, dt.datetime] = {}
        self._state: AgentState | None = None

    def normalize(self, event: Five9Event, received_at: dt.datetime | None = None) -> list[Any]:
        """The unified events one Five9 event implies (often none)."""
        if isinstance(event, CallEvent):
            return self._call(event, received_at)
        if isinstance(event, PresenceEvent):
            return self._presence(event, received_at)
        return []

    @property
    def active_calls(self) -> list[str]:
        """Ids of calls that started and did not end yet."""
        return list(self._started)

    def _common(self, event: Five9Event, received_at: dt.datetime | None) -> dict[str, Any]:
        common: dict[str, Any] = {
            "vendor": "five9",
            "tenant": event.tenant or self.tenant,
            "occurred_at": event.occurred_at,
            "raw": event.payload,
        }
        if received_at is not None:
            common["received_at"] = received_at
        return common

    def _call(self, event: CallEvent, received_at: dt.datetime | None) -> list[Any]:
        call = event.payload
        if call is None or not call.id:
            return []
        state = (call.state or "").upper()
        reason = (event.reason or "").upper()
        fields = self._common(event, received_at)
        fields.update(
            interaction_id=call.id,
            agent_id=event.user_id or self.agent_id,
            queue_id=call.skill_id,
            direction=_direction(call),
            ani=call.ani,
            dnis=call.dnis,
        )
        event_id = event.event_id
        if event_id in _UPDATED and reason in _START_REASONS and state == "TALKING":
            if call.id not in self._started:
                self._started[call.id] = event.occurred_at
                return [InteractionStarted(**fields)]
            return [InteractionUpdated(state=call.state, **fields)]
        if event_id in _DELETED:
            started = self._started.pop(call.id, None)
            duration = None
            if started is not None:
                duration = max((event.occurred_at - started).total_seconds(), 0.0)
            return [
                InteractionEnded(
                    disposition=call.disposition_name or call.disposition_id,
                    duration_seconds=duration,
                    **fields,
                )
            ]
        if event_id in _UPDATED or event_id in _CREATED:
            return [InteractionUpdated(state=call.state, **fields)]
        return []

    def _presence(self, event: PresenceEvent, received_at: dt.datetime | None) -> list[Any]:
        presence = event.payload
        if presence is None or presence.current_state is None:
            return []
        current = presence.current_state
        state = AgentState.READY if current.is_ready else AgentState.NOT_READY
        reason = None if state is AgentState.READY else current.reason_code_id
        previous, self._state = self._state, state
        since = None
        if presence.since_ms:
            try:
                since = dt.datetime.fromtimestamp(presence.since_ms / 1000.0, dt.UTC)
            except (OverflowError, OSError, ValueError):
                since = None
        return [
            AgentStateChanged(
                agent_id=event.user_id or self.agent_id or "",
                state=state,
                previous_state=previous,
                reason=reason,
                vendor_state=",".join(current.channels) or "NOT_READY",
                since=since,
                **self._common(event, received_at),
            )
        ]
