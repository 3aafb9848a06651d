"""What a bridge subscribes for its kinds, and how a process that splits tenants reports the
tenants it leaves to the others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cxkit.bridge import Bridge, EventFilter, JsonlSink
from cxkit.bridge.sources import TopicFamilies, topic_families
from cxkit.cli.bridge import _pump
from cxkit.events import BaseEvent

from .conftest import make_events

ALL = TopicFamilies()


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ((), ALL),
        (("agent.*",), TopicFamilies(users=True, queues=False, conversations=False)),
        (("queue.statistics",), TopicFamilies(users=False, queues=True, conversations=False)),
        (("interaction.ended",), TopicFamilies(users=False, queues=False, conversations=True)),
        (("agent.state", "interaction.*"), TopicFamilies(True, False, True)),
        (("raw",), ALL),  # raw events can come from any topic
        (("*",), ALL),
        (("stream.*",), ALL),  # no family needed, but a stream needs subscriptions
    ],
)
def test_topic_families_follow_the_kinds(kinds: tuple[str, ...], expected: TopicFamilies) -> None:
    assert topic_families(kinds) == expected


def test_families_describe_themselves() -> None:
    assert ALL.describe() == (
        "user presence and routing status, queue observations, queue conversations"
    )
    assert TopicFamilies(False, False, False).describe() == "none"


async def test_a_tenant_left_to_other_bridges_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = make_events(30, tenants=("1001", "1002", "1003"))

    async def source() -> AsyncIterator[BaseEvent]:
        for event in events:
            yield event

    sink = JsonlSink(tmp_path / "out.jsonl", fsync="never")
    async with Bridge(sink, filter=EventFilter(tenants=frozenset({"1002"})), linger=0) as bridge:
        taken = await _pump(source(), bridge, None)
        await bridge.flush(10)
    assert taken == 10 and bridge.stats.filtered == 20
    err = capsys.readouterr().err
    for tenant in ("1001", "1003"):
        assert err.count(f"tenant {tenant!r} is not one of --tenant 1002") == 1
    assert "'1002'" not in err
