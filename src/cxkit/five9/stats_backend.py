"""Where a :class:`~cxkit.five9.stats.StatsCache` keeps its rows: a pluggable backend.

The cache owns the semantics (5000 replaces a data source, 5012 upserts and deletes, totals
rows apart, unified events); a backend only stores rows. The default keeps plain dicts in
memory; another backend can keep them somewhere shared (a ``multiprocessing`` manager dict, a
write-through SQLite table, a dict that also publishes to a cache server), as the Go peer's
``cache-interface`` branch allowed.

A backend is **synchronous** on purpose: rows are applied inside the stream session's frame
handler, which does no I/O. A backend that must talk to a server should buffer and flush from
its own task.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Protocol, runtime_checkable

from cxkit.five9.rows import StatsRow

__all__ = ["MemoryStatsBackend", "StatsBackend"]


@runtime_checkable
class StatsBackend(Protocol):
    """Storage of a statistics cache: rows and totals rows per data source, keyed by id."""

    def table(self, data_source: str) -> MutableMapping[str, StatsRow]:
        """The rows of one data source by id (totals excluded), created empty when missing.
        The cache writes through the returned mapping."""
        ...

    def totals(self, data_source: str) -> MutableMapping[str, StatsRow]:
        """The domain-totals rows (ids ``"0"`` / ``""``) of one data source, created empty
        when missing."""
        ...

    def replace(
        self,
        data_source: str,
        rows: MutableMapping[str, StatsRow],
        totals: MutableMapping[str, StatsRow],
    ) -> None:
        """Replace everything of one data source (a 5000 dump)."""
        ...

    def data_sources(self) -> Iterable[str]:
        """Every data source the backend holds a table or totals for (possibly empty)."""
        ...

    def clear(self) -> None:
        """Forget every row."""
        ...


class MemoryStatsBackend:
    """The default backend: one dict per data source, in this process."""

    __slots__ = ("_tables", "_totals")

    def __init__(self) -> None:
        self._tables: dict[str, MutableMapping[str, StatsRow]] = {}
        self._totals: dict[str, MutableMapping[str, StatsRow]] = {}

    def __repr__(self) -> str:
        sizes = {source: len(rows) for source, rows in self._tables.items()}
        return f"MemoryStatsBackend({sizes})"

    def table(self, data_source: str) -> MutableMapping[str, StatsRow]:
        """The rows of ``data_source`` (created empty)."""
        table = self._tables.get(data_source)
        if table is None:
            table = self._tables[data_source] = {}
        return table

    def totals(self, data_source: str) -> MutableMapping[str, StatsRow]:
        """The totals rows of ``data_source`` (created empty)."""
        totals = self._totals.get(data_source)
        if totals is None:
            totals = self._totals[data_source] = {}
        return totals

    def replace(
        self,
        data_source: str,
        rows: MutableMapping[str, StatsRow],
        totals: MutableMapping[str, StatsRow],
    ) -> None:
        """Install new tables for ``data_source``."""
        self._tables[data_source] = rows
        self._totals[data_source] = totals

    def data_sources(self) -> list[str]:
        """The data sources held."""
        return list(self._tables.keys() | self._totals.keys())

    def clear(self) -> None:
        """Drop every table."""
        self._tables.clear()
        self._totals.clear()
