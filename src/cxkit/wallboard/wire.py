"""The JSON documents the web page consumes: a snapshot and deltas of the model.

Shapes (all times epoch seconds, ``now`` is the server clock so a page can correct its own):

* snapshot: ``{"type": "snapshot", "version", "now", "title", "settings", "sources": [source]}``
  where ``source`` is a header plus ``"queues": [queue]`` and ``"agents": [agent]``;
* delta: ``{"type": "delta", "version", "now", "sources": [header], "queues": [queue],
  "agents": [agent], "removed": {"sources": [key], "queues": [[key, id]], "agents": [[key, id]]}}``.

A queue carries ``longest_wait_anchor``: the time its longest-waiting call started waiting, so
the page ticks the wait itself between updates.
"""

from __future__ import annotations

from typing import Any

from cxkit.wallboard.model import (
    AgentTile,
    Changes,
    QueueFigures,
    SourceBoard,
    WallboardModel,
    WallboardSettings,
)

__all__ = ["agent_doc", "delta_doc", "queue_doc", "settings_doc", "snapshot_doc", "source_header"]


def settings_doc(settings: WallboardSettings) -> dict[str, Any]:
    """The thresholds the page colours by."""
    return {
        "service_level_seconds": settings.service_level_seconds,
        "service_level_target": settings.service_level_target,
        "wait_warning_seconds": settings.wait_warning_seconds,
        "wait_breach_seconds": settings.wait_breach_seconds,
        "max_agent_tiles": settings.max_agent_tiles,
    }


def source_header(source: SourceBoard) -> dict[str, Any]:
    """A source without its queues and agents."""
    return {
        "key": source.key,
        "vendor": source.vendor,
        "tenant": source.tenant,
        "label": source.label,
        "status": source.status,
        "stale": source.stale,
        "stale_reason": source.stale_reason,
        "stale_since": source.stale_since,
        "streams": {name: str(state) for name, state in sorted(source.streams.items())},
        "stream_reason": source.stream_reason,
        "gaps": source.gaps,
        "snapshots": source.snapshots,
    }


def queue_doc(key: str, queue: QueueFigures, now: float) -> dict[str, Any]:
    """One queue's figures."""
    return {
        "source": key,
        "id": queue.queue_id,
        "name": queue.label,
        "calls_waiting": queue.calls_waiting,
        "longest_wait": queue.longest_wait(now),
        "longest_wait_anchor": queue.longest_wait_anchor(),
        "agents_logged_in": queue.agents_logged_in,
        "agents_ready": queue.agents_ready,
        "agents_not_ready": queue.agents_not_ready,
        "agents_on_interaction": queue.agents_on_interaction,
        "agents_after_work": queue.agents_after_work,
        "service_level": queue.service_level,
        "service_level_derived": queue.service_level_derived,
        "answered": queue.answered,
        "offered": queue.answered + queue.abandoned_seen,  # the weight of a derived level
        "handled": queue.handled,
        "abandoned": queue.abandoned,
    }


def agent_doc(key: str, agent: AgentTile) -> dict[str, Any]:
    """One agent's tile."""
    return {
        "source": key,
        "id": agent.agent_id,
        "name": agent.display_name,
        "login": agent.label,
        "state": str(agent.state),
        "reason": agent.reason,
        "vendor_state": agent.vendor_state,
        "since": agent.since,
        "interaction_id": agent.interaction_id,
        "queue_id": agent.queue_id,
    }


def source_doc(source: SourceBoard, now: float) -> dict[str, Any]:
    """A source with every queue and agent."""
    doc = source_header(source)
    doc["queues"] = [queue_doc(source.key, q, now) for q in source.sorted_queues()]
    doc["agents"] = [agent_doc(source.key, a) for a in source.sorted_agents()]
    return doc


def snapshot_doc(model: WallboardModel, *, title: str) -> dict[str, Any]:
    """The whole board."""
    now = model.now()
    return {
        "type": "snapshot",
        "version": model.version,
        "now": now,
        "title": title,
        "settings": settings_doc(model.settings),
        "sources": [source_doc(s, now) for s in model.sorted_sources()],
    }


def delta_doc(model: WallboardModel, changes: Changes) -> dict[str, Any]:
    """What ``changes`` name, with the model's current values (an entity named in a change
    but gone since is reported as removed)."""
    now = model.now()
    sources = model.sources
    headers = [source_header(sources[k]) for k in sorted(changes.sources) if k in sources]
    queues: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    removed_queues = set(changes.removed_queues)
    removed_agents = set(changes.removed_agents)
    for key, queue_id in sorted(changes.queues):
        source = sources.get(key)
        queue = source.queues.get(queue_id) if source is not None else None
        if queue is None:
            removed_queues.add((key, queue_id))
        else:
            queues.append(queue_doc(key, queue, now))
    for key, agent_id in sorted(changes.agents):
        source = sources.get(key)
        agent = source.agents.get(agent_id) if source is not None else None
        if agent is None:
            removed_agents.add((key, agent_id))
        else:
            agents.append(agent_doc(key, agent))
    return {
        "type": "delta",
        "version": model.version,
        "now": now,
        "sources": headers,
        "queues": queues,
        "agents": agents,
        "removed": {
            "sources": sorted(k for k in changes.removed_sources if k not in sources),
            "queues": [list(p) for p in sorted(removed_queues)],
            "agents": [list(p) for p in sorted(removed_agents)],
        },
    }
