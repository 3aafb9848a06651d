"""Helpers to check that what a broker holds is what the bridge was given, in order per key."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from cxkit.bridge.envelope import Envelope, EventIds
from cxkit.events import UnifiedEvent


def expected_by_key(
    events: Sequence[UnifiedEvent], key: Callable[[Envelope], str]
) -> dict[str, list[str]]:
    """The ids per key, in publish order (ids are deterministic: a fresh EventIds agrees)."""
    ids = EventIds()
    out: dict[str, list[str]] = defaultdict(list)
    for event in events:
        envelope = ids.envelope(event)
        out[key(envelope)].append(envelope.id)
    return dict(out)


def first_occurrences(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, list[str]], int]:
    """Per key, the ids in stored order with repeats (at-least-once resends) removed; and how
    many repeats there were."""
    seen: set[str] = set()
    out: dict[str, list[str]] = defaultdict(list)
    repeats = 0
    for key, event_id in pairs:
        if event_id in seen:
            repeats += 1
            continue
        seen.add(event_id)
        out[key].append(event_id)
    return dict(out), repeats
