"""Helpers of the Five9 client contract tests: collect a stream's events, wait for one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import msgspec

from cxkit.five9.events import Five9Event
from cxkit.five9.rows import GenericRow
from cxkit.five9.streams import Five9EventStream

from .conftest import Emulator

T = 10.0

MARK_EVENT = 9999
"""An event id no source names: the tests' in-band marker."""


class Collector:
    """Collects every event of a stream; waits for a predicate without sleeping."""

    def __init__(self, stream: Five9EventStream) -> None:
        self.events: list[Any] = []
        self._changed = asyncio.Event()
        stream.on("*", self._add)

    def _add(self, event: Any) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(
        self, predicate: Callable[[Any], bool], timeout: float = T, *, start: int = 0
    ) -> Any:
        """The first event from index ``start`` on that matches (waits for it)."""

        async def scan() -> Any:
            seen = start
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    async def sync(self, emu: Emulator, kind: str = "supervisor") -> None:
        """Wait until every frame the emulator queued so far was handled: it sends a
        marker event after them on the same socket (frames keep their order)."""
        mark = emu.next_mark()
        start = len(self.events)
        await emu.admin("send_event", {"eventId": str(MARK_EVENT), "payLoad": mark, "kind": kind})
        await self.wait_for(lambda e: is_id(MARK_EVENT)(e) and e.payload == mark, start=start)

    def ids(self) -> list[int]:
        return [e.event_id for e in self.events if isinstance(e, Five9Event)]


def is_id(event_id: int) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, Five9Event) and e.event_id == event_id


def same_row(row: Any, truth: dict[str, Any]) -> bool:
    """A cached row equals the row the emulator published (decoded the same way)."""
    if isinstance(row, GenericRow):
        return row.id == truth["id"] and row.fields == truth
    return bool(msgspec.convert(truth, type(row)) == row)


async def assert_cache_matches_truth(
    emu: Emulator, stream: Five9EventStream, seen: Collector
) -> None:
    """Every row of every data source (totals included) equals the emulator's truth."""
    await emu.admin("flush")
    await seen.sync(emu)
    state = await emu.admin("state")
    cache = stream.cache
    assert cache is not None and not cache.stale
    for source, rows in state["stats"].items():
        truth = {row["id"]: row for row in rows}
        got = dict(cache.table(source))
        for total_id in ("0", ""):
            total = cache.totals(source, total_id)
            if total is not None:
                got[total_id] = total
        assert set(got) == set(truth), source
        different = [rid for rid in truth if not same_row(got[rid], truth[rid])]
        assert not different, (source, different)
