"""Expected ids of a list of events (ids are deterministic)."""

from __future__ import annotations

from collections.abc import Sequence

from cxkit.bridge.envelope import EventIds
from cxkit.events import UnifiedEvent


def ids_of(events: Sequence[UnifiedEvent]) -> list[str]:
    ids = EventIds()
    return [ids.envelope(e).id for e in events]
