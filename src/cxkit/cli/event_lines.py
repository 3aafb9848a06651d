"""One event, one line: how ``cxkit tail`` shows unified and raw vendor events.

* :func:`event_json` -- a JSON line: unified events as :func:`cxkit.events.encode` writes them
  (tagged with ``kind``, the vendor payload in ``raw``), raw Five9 frames as ``{vendor,
  event_id, name, reason, tenant, user_id, timestamp, payload}``, raw Genesys notifications as
  ``{vendor, topic, family, channel_id, metadata, body}``;
* :func:`event_text` -- a short readable line (rich markup) for a person.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

__all__ = ["KNOWN_KINDS", "event_json", "event_text", "kind_of", "matches_kind"]

KNOWN_KINDS = (
    "agent.state",
    "interaction.started",
    "interaction.updated",
    "interaction.ended",
    "queue.statistics",
    "stream.state",
    "stream.gap",
    "raw",
)
"""Unified event kinds ``--kind`` accepts (a prefix such as ``interaction`` takes a family)."""


def kind_of(event: Any) -> str | None:
    """The unified kind of ``event`` (None for a vendor event)."""
    from cxkit.events import BaseEvent

    return event.event_kind if isinstance(event, BaseEvent) else None


def matches_kind(kind: str | None, wanted: frozenset[str]) -> bool:
    """True when ``kind`` is wanted (``interaction`` matches ``interaction.started``)."""
    if not wanted:
        return True
    if kind is None:
        return False
    return kind in wanted or any(kind.startswith(w + ".") for w in wanted)


def _five9_raw(event: Any) -> dict[str, Any]:
    try:
        payload = event.raw_json()
    except ValueError:
        payload = None
    return {
        "vendor": "five9",
        "event_id": event.event_id,
        "name": event.name,
        "reason": event.reason,
        "tenant": event.tenant,
        "user_id": event.user_id,
        "timestamp": event.timestamp_ms,
        "payload": payload,
    }


def _genesys_raw(event: Any) -> dict[str, Any]:
    from cxkit.cli.jsonout import to_jsonable

    return {
        "vendor": "genesys",
        "topic": event.topic,
        "family": event.family,
        "channel_id": event.channel_id,
        "metadata": to_jsonable(event.metadata),
        "body": to_jsonable(event.body),
    }


def raw_document(event: Any) -> dict[str, Any] | None:
    """A vendor event as plain JSON (None when ``event`` is not a vendor event)."""
    from cxkit.five9.events import Five9Event

    if isinstance(event, Five9Event):
        return _five9_raw(event)
    from cxkit.genesys.events import TopicEvent

    if isinstance(event, TopicEvent):
        return _genesys_raw(event)
    return None


def event_json(event: Any) -> str:
    """One compact JSON line for ``event``."""
    from cxkit.events import BaseEvent, encode

    if isinstance(event, BaseEvent):
        return encode(event).decode()  # type: ignore[arg-type]
    from cxkit.cli.jsonout import dumps

    document = raw_document(event)
    return dumps(document if document is not None else event)


def _clock(value: dt.datetime | None) -> str:
    if value is None:
        return "--:--:--"
    return value.astimezone().strftime("%H:%M:%S")


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:.0f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _compact(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_text(event: Any) -> str:
    """A readable one-line description (rich markup, escaped)."""
    from rich.markup import escape

    from cxkit import events as ev

    if isinstance(event, ev.AgentStateChanged):
        who = event.agent_name or event.agent_id
        was = f"{event.previous_state} → " if event.previous_state is not None else ""
        why = f" ({event.reason})" if event.reason else ""
        body = f"[bold]{escape(who)}[/] {was}[bold]{event.state}[/]{escape(why)}"
    elif isinstance(event, ev.QueueStatisticsUpdated):
        name = event.queue_name or event.queue_id
        level = None if event.service_level is None else event.service_level * 100
        body = (
            f"[bold]{escape(name)}[/] waiting={_num(event.calls_waiting)} "
            f"longest={_num(event.longest_wait_seconds, 's')} "
            f"ready={_num(event.agents_ready)} on_call={_num(event.agents_on_interaction)} "
            f"not_ready={_num(event.agents_not_ready)} "
            f"logged_in={_num(event.agents_logged_in)} sl={_num(level, '%')}"
        )
    elif isinstance(event, (ev.InteractionStarted, ev.InteractionUpdated, ev.InteractionEnded)):
        parts = [f"[bold]{escape(event.interaction_id)}[/]", escape(event.media)]
        if event.queue_name or event.queue_id:
            parts.append(f"queue={escape(str(event.queue_name or event.queue_id))}")
        if event.agent_id:
            parts.append(f"agent={escape(event.agent_id)}")
        if isinstance(event, ev.InteractionUpdated) and event.state:
            parts.append(f"state={escape(event.state)}")
        if isinstance(event, ev.InteractionEnded):
            if event.disposition:
                parts.append(f"disposition={escape(event.disposition)}")
            if event.duration_seconds is not None:
                parts.append(f"duration={event.duration_seconds:.0f}s")
        body = " ".join(parts)
    elif isinstance(event, ev.StreamStateChanged):
        why = f" ({event.reason})" if event.reason else ""
        body = f"{escape(event.stream)} [bold]{event.state}[/]{escape(why)}"
    elif isinstance(event, ev.StreamGap):
        body = (
            f"{escape(event.stream)} events may be missing {_clock(event.since)} to "
            f"{_clock(event.until)}" + (f" ({escape(event.reason)})" if event.reason else "")
        )
    elif isinstance(event, ev.RawEvent):
        body = f"{escape(event.type)} {escape(_compact(event.payload))}"
    else:
        document = raw_document(event)
        if document is None:
            return escape(repr(event))
        if document["vendor"] == "five9":
            when = dt.datetime.now(dt.UTC)
            if document["timestamp"] is not None:
                when = dt.datetime.fromtimestamp(document["timestamp"] / 1000, dt.UTC)
            reason = f" reason={document['reason']}" if document["reason"] else ""
            return (
                f"[dim]{_clock(when)}[/] [cyan]five9[/] [bold]{document['event_id']}[/] "
                f"{escape(document['name'])}{escape(reason)} "
                f"{escape(_compact(document['payload']))}"
            )
        return (
            f"[dim]{_clock(dt.datetime.now(dt.UTC))}[/] [magenta]genesys[/] "
            f"[bold]{escape(document['topic'])}[/] {escape(_compact(document['body']))}"
        )
    colour = "cyan" if event.vendor == "five9" else "magenta"
    return (
        f"[dim]{_clock(event.occurred_at)}[/] [{colour}]{escape(event.vendor)}[/] "
        f"[yellow]{event.event_kind:<19}[/] {body}"
    )
