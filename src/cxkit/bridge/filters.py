"""Which events a bridge process carries: filters by tenant, kind and vendor.

Several bridge processes can split the work between them: each takes some tenants
(``--tenant``) or some kinds (``--kinds 'agent.*,interaction.*'``). Kind patterns are shell
globs (``fnmatch``) over the unified tags (``agent.state``, ``interaction.started``,
``interaction.updated``, ``interaction.ended``, ``queue.statistics``, ``stream.state``,
``stream.gap``, ``raw``). Event ids do not depend on the filters, so two processes whose
filters overlap produce the same ids for the same events and consumers keep one copy.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from cxkit.errors import ConfigError
from cxkit.events import BaseEvent

__all__ = ["KNOWN_KINDS", "EventFilter", "parse_kinds"]

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


def parse_kinds(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Split ``"agent.*, queue.statistics"`` into patterns; each must match a known kind."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    patterns = tuple(p.strip() for item in items for p in item.split(",") if p.strip())
    for pattern in patterns:
        if not fnmatch.filter(KNOWN_KINDS, pattern):
            raise ConfigError.bad_value(
                "bridge.kinds", pattern, "globs over " + ", ".join(KNOWN_KINDS)
            )
    return patterns


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Pass an event when its tenant, kind and vendor are all allowed (empty = any)."""

    tenants: frozenset[str] = frozenset()
    kinds: tuple[str, ...] = ()
    vendors: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenants", frozenset(self.tenants))
        object.__setattr__(self, "vendors", frozenset(self.vendors))
        object.__setattr__(self, "kinds", parse_kinds(self.kinds))

    @property
    def passes_everything(self) -> bool:
        """True when no filter is set."""
        return not (self.tenants or self.kinds or self.vendors)

    def matches(self, event: BaseEvent) -> bool:
        """Whether the bridge carries ``event``."""
        if self.tenants and event.tenant not in self.tenants:
            return False
        if self.vendors and event.vendor not in self.vendors:
            return False
        if self.kinds:
            kind = event.event_kind
            return any(fnmatch.fnmatchcase(kind, pattern) for pattern in self.kinds)
        return True
