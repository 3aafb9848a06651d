"""The terminal wallboard: the same figures as the web page, drawn with rich.

:func:`render` builds one renderable from a :class:`~cxkit.wallboard.model.WallboardModel`
(pure: easy to test with ``Console(record=True)``); :func:`run_live` redraws it with
``rich.live.Live`` until stopped. Longest waits and times in state tick with every redraw.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Final

from rich import box
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cxkit.events import AgentState
from cxkit.wallboard.model import (
    AGENT_STATE_ORDER,
    SourceBoard,
    SourceStatus,
    WallboardModel,
    WallboardSettings,
)

if TYPE_CHECKING:
    from cxkit.wallboard.board import Wallboard

__all__ = ["STATE_LABELS", "format_duration", "render", "run_live"]

STATE_LABELS: Final[dict[AgentState, str]] = {
    AgentState.READY: "Ready",
    AgentState.ON_INTERACTION: "On call",
    AgentState.AFTER_WORK: "Wrap-up",
    AgentState.NOT_READY: "Not ready",
    AgentState.LOGGED_OUT: "Logged out",
    AgentState.UNKNOWN: "Unknown",
}
_STATE_STYLES: Final[dict[AgentState, str]] = {
    AgentState.READY: "green3",
    AgentState.ON_INTERACTION: "dodger_blue1",
    AgentState.AFTER_WORK: "medium_purple1",
    AgentState.NOT_READY: "orange1",
    AgentState.LOGGED_OUT: "grey50",
    AgentState.UNKNOWN: "grey62",
}
_STATUS_STYLES: Final = {
    SourceStatus.LIVE: ("● LIVE", "bold green3"),
    SourceStatus.STALE: ("● STALE", "bold orange1"),
    SourceStatus.CONNECTING: ("● CONNECTING", "bold yellow"),
    SourceStatus.RECONNECTING: ("● RECONNECTING", "bold orange1"),
    SourceStatus.CLOSED: ("● CLOSED", "bold red"),
    SourceStatus.WAITING: ("● WAITING", "grey62"),
}
_DASH: Final = "—"


def format_duration(seconds: float | None) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on); an em dash for unknown."""
    if seconds is None:
        return _DASH
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _count(value: int | None) -> str:
    return _DASH if value is None else str(value)


def _percent(value: float | None) -> str:
    return _DASH if value is None else f"{value * 100:.0f}%"


def _wait_style(seconds: float | None, settings: WallboardSettings) -> str:
    if seconds is None:
        return ""
    if seconds > settings.wait_breach_seconds:
        return "bold red"
    if seconds > settings.wait_warning_seconds:
        return "bold orange1"
    return ""


def _level_style(level: float | None, settings: WallboardSettings) -> str:
    if level is None:
        return ""
    return "bold red" if level < settings.service_level_target else "bold green3"


def _kpis(source: SourceBoard, now: float, settings: WallboardSettings) -> Table:
    totals = source.totals(now)
    counts = source.agent_counts()
    grid = Table.grid(padding=(0, 3))
    labels = ["Waiting", "Longest wait", "Service level", "Handled", "Abandoned"]
    labels += [STATE_LABELS[state] for state in AGENT_STATE_ORDER[:5]]
    values = [
        Text(_count(totals["calls_waiting"]), style="bold"),
        Text(
            format_duration(totals["longest_wait"]),
            style=_wait_style(totals["longest_wait"], settings) or "bold",
        ),
        Text(
            _percent(totals["service_level"]),
            style=_level_style(totals["service_level"], settings) or "bold",
        ),
        Text(_count(totals["handled"]), style="bold"),
        Text(_count(totals["abandoned"]), style="bold"),
    ]
    values += [
        Text(str(counts[state]), style=f"bold {_STATE_STYLES[state]}")
        for state in AGENT_STATE_ORDER[:5]
    ]
    for _ in labels:
        grid.add_column(justify="center")
    grid.add_row(*[Text(label, style="grey62") for label in labels])
    grid.add_row(*values)
    return grid


def _queues(source: SourceBoard, now: float, settings: WallboardSettings) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, header_style="grey62", pad_edge=False)
    table.add_column("Queue", style="bold", ratio=1, overflow="ellipsis", no_wrap=True)
    for name in ("Waiting", "Longest", "SL", "Ready", "On call", "Wrap", "Not ready", "Logged in"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Handled", justify="right", no_wrap=True)
    table.add_column("Abandoned", justify="right", no_wrap=True)
    for queue in source.sorted_queues():
        wait = queue.longest_wait(now)
        level = queue.service_level
        table.add_row(
            queue.label,
            Text(_count(queue.calls_waiting), style="bold" if queue.calls_waiting else ""),
            Text(format_duration(wait), style=_wait_style(wait, settings)),
            Text(_percent(level), style=_level_style(level, settings)),
            _count(queue.agents_ready),
            _count(queue.agents_on_interaction),
            _count(queue.agents_after_work),
            _count(queue.agents_not_ready),
            _count(queue.agents_logged_in),
            _count(queue.handled),
            _count(queue.abandoned),
        )
    if not source.queues:
        table.add_row(Text("no queue figures yet", style="grey62"), *[""] * 10)
    return table


def _agents(source: SourceBoard, now: float, limit: int) -> RenderableType:
    cells: list[Text] = []
    agents = source.sorted_agents()
    for agent in agents[:limit]:
        style = _STATE_STYLES.get(agent.state, "grey62")
        state = STATE_LABELS.get(agent.state, str(agent.state))
        if agent.reason and agent.state is AgentState.NOT_READY:
            state = f"{state} · {agent.reason}"
        cell = Text()
        cell.append("● ", style=style)
        cell.append(f"{agent.display_name[:18]:<18} ", style="bold")
        cell.append(f"{state[:20]:<20} ", style=style)
        cell.append(format_duration(agent.in_state(now)), style="grey62")
        cells.append(cell)
    if len(agents) > limit:
        cells.append(Text(f"+{len(agents) - limit} more agents", style="grey62"))
    if not cells:
        return Text("no agents yet", style="grey62")
    return Columns(cells, padding=(0, 2), equal=True)


def _source_panel(
    source: SourceBoard, now: float, settings: WallboardSettings, agent_limit: int
) -> Panel:
    label, style = _STATUS_STYLES.get(source.status, (source.status.upper(), "grey62"))
    title = Text.assemble((source.label, "bold"), "  ", (label, style))
    parts: list[RenderableType] = [_kpis(source, now, settings)]
    if source.stale and source.stale_reason:
        parts.append(Text(f"stale: {source.stale_reason}", style="orange1"))
    parts.append(_queues(source, now, settings))
    parts.append(_agents(source, now, agent_limit))
    return Panel(Group(*parts), title=title, title_align="left", border_style="grey35")


def render(
    model: WallboardModel,
    *,
    title: str = "Contact center",
    url: str | None = None,
    agent_limit: int = 48,
) -> RenderableType:
    """The whole board as one rich renderable (one panel per source)."""
    now = model.now()
    clock = dt.datetime.fromtimestamp(now).strftime("%H:%M:%S")
    header = Text.assemble(
        ("cxkit ", "bold dodger_blue1"),
        (title, "bold"),
        ("  ", ""),
        (clock, "grey62"),
        (f"   web: {url}" if url else "", "grey62"),
    )
    panels: list[RenderableType] = [header]
    sources = model.sorted_sources()
    for source in sources:
        panels.append(_source_panel(source, now, model.settings, agent_limit))
    if not sources:
        panels.append(Text("waiting for the first events…", style="grey62"))
    return Group(*panels)


async def run_live(
    board: Wallboard,
    *,
    refresh: float = 0.5,
    stop: asyncio.Event | None = None,
    console: Console | None = None,
) -> None:
    """Redraw the board every ``refresh`` seconds until ``stop`` is set (or cancelled)."""
    stop = stop or asyncio.Event()
    console = console or Console()
    with Live(
        board.renderable(), console=console, auto_refresh=False, screen=False, transient=False
    ) as live:
        while not stop.is_set():
            live.update(board.renderable(), refresh=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), refresh)
        live.update(board.renderable(), refresh=True)
