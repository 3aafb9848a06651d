"""The terminal wallboard renders the model's numbers (rich Console with record=True)."""

from __future__ import annotations

import asyncio
import datetime as dt

from rich.console import Console

from cxkit.events import (
    AgentState,
    AgentStateChanged,
    QueueStatisticsUpdated,
    StreamGap,
)
from cxkit.wallboard import Wallboard
from cxkit.wallboard.tui import format_duration, render

T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0.timestamp()

    def __call__(self) -> float:
        return self.now


def text_of(renderable: object, width: int = 160) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_terminal_board_shows_queue_and_agent_figures() -> None:
    clock = Clock()
    board = Wallboard(title="Floor 3", clock=clock)
    board.feed(
        QueueStatisticsUpdated(
            vendor="five9",
            tenant="1000",
            occurred_at=T0,
            queue_id="q1",
            queue_name="Sales",
            calls_waiting=7,
            longest_wait_seconds=70.0,
            agents_ready=4,
            agents_on_interaction=3,
            agents_logged_in=9,
            service_level=0.83,
            handled=121,
            abandoned=6,
        )
    )
    for agent_id, name, state, reason in (
        ("a1", "ava.lopez@example.com", AgentState.READY, None),
        ("a2", "Ben Okafor", AgentState.NOT_READY, "Lunch"),
        ("a3", "Chloe Martin", AgentState.ON_INTERACTION, None),
    ):
        board.feed(
            AgentStateChanged(
                vendor="five9",
                tenant="1000",
                occurred_at=T0,
                agent_id=agent_id,
                agent_name=name,
                state=state,
                reason=reason,
            )
        )
    clock.now += 5  # the wait ticks: 70 s reported, 5 s ago
    text = text_of(board.renderable())
    assert "Floor 3" in text and "Five9 · 1000" in text and "LIVE" in text
    assert "Sales" in text
    for figure in ("7", "1:15", "83%", "121", "6", "9"):
        assert figure in text, figure
    assert "Ava Lopez" in text and "Not ready · Lunch" in text and "On call" in text
    assert "0:05" in text  # time in state ticks too

    board.feed(
        StreamGap(
            vendor="five9",
            tenant="1000",
            occurred_at=T0,
            stream="five9.supervisor",
            since=T0,
            until=T0,
            reason="reconnected",
        )
    )
    assert "STALE" in text_of(board.renderable())


def test_an_empty_board_says_it_waits() -> None:
    board = Wallboard()
    assert "waiting for the first events" in text_of(render(board.model))


def test_durations() -> None:
    assert format_duration(None) == "—"
    assert format_duration(5.9) == "0:05"
    assert format_duration(3725) == "1:02:05"


async def test_run_terminal_draws_until_stopped() -> None:
    board = Wallboard(title="Live test")
    console = Console(record=True, width=120, color_system=None, force_terminal=False)
    stop = asyncio.Event()
    stop.set()  # one frame, then stop
    await asyncio.wait_for(board.run_terminal(refresh=0.01, stop=stop, console=console), 5)
    assert "Live test" in console.export_text()
