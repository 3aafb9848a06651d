"""The web wallboard over real loopback sockets: the page, its assets and the SSE stream
(snapshot, then deltas; Last-Event-ID resume; resync of a page that fell behind)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from cxkit.errors import ConfigError, UsageError
from cxkit.events import AgentState, AgentStateChanged, QueueStatisticsUpdated
from cxkit.wallboard import Wallboard
from cxkit.wallboard.model import WallboardModel
from cxkit.wallboard.web import LivePublisher

T = 5.0
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class SSE:
    event: str
    id: str
    data: dict[str, Any]


async def next_event(response: aiohttp.ClientResponse) -> SSE:
    """The next complete SSE message (comments and bare ``retry:`` blocks skipped)."""

    async def read() -> SSE:
        fields: dict[str, str] = {}
        while True:
            raw = await response.content.readline()
            if not raw:
                raise AssertionError("the SSE stream ended")
            line = raw.decode().rstrip("\n")
            if line == "":
                if "data" in fields:
                    return SSE(
                        fields.get("event", "message"), fields["id"], json.loads(fields["data"])
                    )
                fields.clear()
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value

    return await asyncio.wait_for(read(), T)


def ready(agent_id: str, state: AgentState = AgentState.READY) -> AgentStateChanged:
    return AgentStateChanged(
        vendor="five9", tenant="1000", occurred_at=T0, agent_id=agent_id, state=state
    )


@pytest.fixture
async def board() -> AsyncIterator[Wallboard]:
    # A long flush interval: the tests flush by hand, so nothing depends on timing.
    wallboard = Wallboard(title="Floor 3", flush_interval=60)
    await wallboard.serve("127.0.0.1", 0)
    try:
        yield wallboard
    finally:
        await wallboard.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=T)) as session:
        yield session


async def test_page_and_assets_are_served_locally(
    board: Wallboard, http: aiohttp.ClientSession
) -> None:
    url = board.url
    assert url is not None and url.startswith("http://127.0.0.1:")
    async with http.get(url) as page:
        html = await page.text()
        assert page.status == 200 and page.content_type == "text/html"
    assert 'src="static/wallboard.js"' in html and 'href="static/wallboard.css"' in html
    assert "http" not in html.replace("http-equiv", "")  # no CDN, nothing remote
    for name, kind in (("wallboard.js", "text/javascript"), ("wallboard.css", "text/css")):
        async with http.get(f"{url}static/{name}") as asset:
            assert (asset.status, asset.content_type) == (200, kind)
            assert len(await asset.read()) > 1000
    async with http.get(f"{url}static/../board.py") as missing:
        assert missing.status == 404
    board.feed(ready("a1"))
    async with http.get(f"{url}api/snapshot") as snap:
        doc = await snap.json()
    assert doc["title"] == "Floor 3"
    assert doc["sources"][0]["agents"][0]["state"] == "ready"


async def test_sse_sends_a_snapshot_then_deltas(
    board: Wallboard, http: aiohttp.ClientSession
) -> None:
    board.feed(ready("a1"))
    async with http.get(f"{board.url}events") as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        first = await next_event(stream)
        assert first.event == "snapshot"
        [source] = first.data["sources"]
        assert source["key"] == "five9:1000"
        assert [a["id"] for a in source["agents"]] == ["a1"]

        board.feed(ready("a1", AgentState.ON_INTERACTION))
        board.feed(
            QueueStatisticsUpdated(
                vendor="five9",
                tenant="1000",
                occurred_at=T0,
                queue_id="q1",
                calls_waiting=3,
                longest_wait_seconds=12.0,
            )
        )
        board.publisher.flush()
        delta = await next_event(stream)
        assert delta.event == "delta"
        assert delta.id != first.id
        assert [(a["id"], a["state"]) for a in delta.data["agents"]] == [("a1", "on_interaction")]
        [q] = delta.data["queues"]
        assert q["calls_waiting"] == 3
        assert q["longest_wait"] == pytest.approx(12.0, abs=1.0)  # it ticks from the report
        assert q["longest_wait_anchor"] == pytest.approx(delta.data["now"] - 12.0, abs=1.0)


async def test_last_event_id_resumes_with_only_the_missed_deltas(
    board: Wallboard, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{board.url}events") as stream:
        await next_event(stream)  # snapshot
        board.feed(ready("a1"))
        board.publisher.flush()
        seen = await next_event(stream)
    # while the page is away, two more deltas go out
    board.feed(ready("a2"))
    board.publisher.flush()
    board.feed(ready("a3", AgentState.NOT_READY))
    board.publisher.flush()
    async with http.get(f"{board.url}events", headers={"Last-Event-ID": seen.id}) as stream:
        first = await next_event(stream)
        second = await next_event(stream)
    assert (first.event, second.event) == ("delta", "delta")
    assert [a["id"] for a in first.data["agents"]] == ["a2"]
    assert [(a["id"], a["state"]) for a in second.data["agents"]] == [("a3", "not_ready")]
    # the query parameter works too, and an id from another server run gets a snapshot
    async with http.get(f"{board.url}events", params={"lastEventId": second.id}) as stream:
        board.feed(ready("a4"))
        board.publisher.flush()
        nxt = await next_event(stream)
        assert nxt.event == "delta" and [a["id"] for a in nxt.data["agents"]] == ["a4"]
    async with http.get(f"{board.url}events", headers={"Last-Event-ID": "0ther.3"}) as stream:
        snap = await next_event(stream)
    assert snap.event == "snapshot"
    assert sorted(a["id"] for a in snap.data["sources"][0]["agents"]) == ["a1", "a2", "a3", "a4"]


async def test_deltas_gone_from_the_history_mean_a_snapshot() -> None:
    model = WallboardModel()
    publisher = LivePublisher(model, history=2)
    for agent_id in ("a1", "a2", "a3", "a4"):
        model.apply(ready(agent_id))
        publisher.flush()
    instance = publisher.instance
    assert publisher.resume(f"{instance}.1") is None  # delta 2 fell out of the history
    assert [seq for seq, _ in publisher.resume(f"{instance}.2") or []] == [3, 4]
    assert publisher.resume(f"{instance}.4") == []
    assert publisher.resume(f"{instance}.9") is None  # from the future: not ours
    assert publisher.resume("garbage") is None
    assert publisher.flush() is None  # nothing changed, nothing sent


async def test_a_page_that_falls_behind_gets_a_fresh_snapshot(http: aiohttp.ClientSession) -> None:
    board = Wallboard(flush_interval=60)
    board.publisher.client_queue = 2
    url = await board.serve()
    try:
        async with http.get(f"{url}events") as stream:
            await next_event(stream)  # the page is registered before its snapshot is sent
            assert board.publisher.clients == 1
            for index in range(6):
                board.feed(ready(f"a{index}"))
                board.publisher.flush()
            message = await next_event(stream)
            while message.event == "delta":  # those queued before the overflow
                message = await next_event(stream)
            assert message.event == "snapshot"
            assert len(message.data["sources"][0]["agents"]) == 6
    finally:
        await board.close()


async def test_publisher_flushes_by_itself_within_the_interval(http: aiohttp.ClientSession) -> None:
    board = Wallboard(flush_interval=0.01)
    url = await board.serve()
    try:
        async with http.get(f"{url}events") as stream:
            await next_event(stream)
            board.feed(ready("a1"))
            delta = await next_event(stream)  # no manual flush: the loop sent it
            assert delta.event == "delta"
    finally:
        await board.close()


async def test_serving_twice_or_bad_settings_are_refused(board: Wallboard) -> None:
    with pytest.raises(UsageError, match="already serving"):
        await board.serve()
    with pytest.raises(ConfigError, match="flush_interval"):
        LivePublisher(WallboardModel(), flush_interval=0)
    with pytest.raises(UsageError, match=r"on\(kind, handler\)"):
        board.attach(object())  # type: ignore[arg-type]
