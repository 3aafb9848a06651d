"""The work behind ``cxkit demo``: emulator, both vendor streams, wallboard, live display.

1. Start the emulator in-process with a busy contact center (see :mod:`.embedded`).
2. Log in to its Five9 with the demo supervisor (credentials from the emulator's own info
   document), load names, open the supervisor stream.
3. Log in to its Genesys with the demo OAuth client, list queues and users, subscribe every
   queue's observations and conversations and every user's presence and routing status on a
   :class:`~cxkit.genesys.notifications.NotificationHub`.
4. Feed both to one :class:`~cxkit.wallboard.Wallboard`, serve its web page, and show it:
   a live terminal board (a terminal), a status line every few seconds (a pipe), or one JSON
   summary per second (``--json``).

Everything is closed in reverse order on Ctrl-C, SIGTERM or ``--duration``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxkit.emulator.server import EmulatorServer
    from cxkit.wallboard import Wallboard
    from cxkit.wallboard.model import QueueFigures, WallboardModel

__all__ = ["DemoOptions", "board_summary", "run_demo"]

JSON_INTERVAL = 1.0  # seconds between --json summaries
TEXT_INTERVAL = 3.0  # seconds between status lines when stdout is not a terminal


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """The demo's command-line choices."""

    host: str = "127.0.0.1"
    port: int = 8470
    web_port: int = 8471
    web: bool = True
    speed: float = 1.0
    seed: int = 0
    duration: float | None = None
    json_lines: bool = False


def board_summary(model: WallboardModel) -> dict[str, Any]:
    """The board's live numbers as one JSON-able document (what ``--json`` prints)."""
    now = model.now()
    sources = []
    for source in model.sorted_sources():
        totals = source.totals(now)
        longest = totals["longest_wait"]
        level = totals["service_level"]
        sources.append(
            {
                "key": source.key,
                "vendor": source.vendor,
                "tenant": source.tenant,
                "label": source.label,
                "status": source.status,
                "calls_waiting": totals["calls_waiting"],
                "longest_wait": None if longest is None else round(longest, 1),
                "service_level": None if level is None else round(level, 4),
                "handled": totals["handled"],
                "abandoned": totals["abandoned"],
                "agents": {str(state): count for state, count in source.agent_counts().items()},
                "queues": [_queue_summary(q, now) for q in source.sorted_queues()],
            }
        )
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).isoformat()
    return {"type": "board", "time": stamp, "sources": sources}


def _queue_summary(queue: QueueFigures, now: float) -> dict[str, Any]:
    """One queue's row of the ``--json`` board document."""
    longest = queue.longest_wait(now)
    level = queue.service_level
    return {
        "id": queue.queue_id,
        "name": queue.label,
        "calls_waiting": queue.calls_waiting,
        "longest_wait": None if longest is None else round(longest, 1),
        "service_level": None if level is None else round(level, 4),
        "agents_logged_in": queue.agents_logged_in,
        "agents_ready": queue.agents_ready,
        "agents_on_interaction": queue.agents_on_interaction,
        "agents_after_work": queue.agents_after_work,
        "agents_not_ready": queue.agents_not_ready,
    }


def _line(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _connect_five9(stack: AsyncExitStack, board: Wallboard, server: EmulatorServer) -> None:
    from cxkit.five9.client import Five9Client

    tenant = server.config.tenant.five9  # the demo credentials the emulator publishes
    sup = tenant.supervisor
    client = Five9Client(sup.username, sup.password.reveal(), base_url=server.url)
    stack.push_async_callback(client.close)
    await client.supervisor.load_names()  # logs in; names for the board
    board.label("five9", client.org_id, f"Five9 · {tenant.domain_name}")
    stream = client.supervisor_stream()
    board.attach(stream)
    stack.push_async_callback(stream.close)
    await stream.start()


async def _connect_genesys(stack: AsyncExitStack, board: Wallboard, server: EmulatorServer) -> None:
    from cxkit.genesys import topics
    from cxkit.genesys.client import GenesysClient
    from cxkit.genesys.normalize import Normalizer, agent_state_of_user, queue_query
    from cxkit.genesys.notifications import NotificationHub

    tenant = server.config.tenant.genesys
    cc = tenant.client_credentials
    assert cc.client_secret is not None
    client = GenesysClient(
        base_url=server.url, client_id=cc.client_id, client_secret=cc.client_secret.reveal()
    )
    stack.push_async_callback(client.close)
    me = await client.tokens.me()
    org = (me.organization.id if me.organization else None) or tenant.org_id
    users: dict[str, str] = {}
    initial: list[Any] = []
    async for user in client.users.iter(expand=["presence", "routingStatus"]):
        if user.id:
            users[user.id] = user.name or user.id
            initial.append(agent_state_of_user(user, tenant=org))
    queues = {q.id: q.name or q.id async for q in client.routing.iter_queues() if q.id}
    # Genesys sends changes only: the board starts from every agent's state and every
    # queue's figures read by REST
    observed = await client.analytics.queue_observations(queue_query(queues))
    initial += Normalizer(tenant=org).queue_observations(observed)
    board.snapshot("genesys", org, initial)
    board.names("genesys", org, agents=users, queues=queues)
    board.label("genesys", org, f"Genesys Cloud · {tenant.org_name}")
    hub = NotificationHub(client, tenant=org)
    stack.push_async_callback(hub.close)
    board.attach(hub, tenant=org)
    wanted = [
        t for uid in users for t in (topics.user_presence(uid), topics.user_routing_status(uid))
    ]
    wanted += [
        t
        for qid in queues
        for t in (topics.queue_observations(qid), topics.queue_conversations(qid))
    ]
    await hub.subscribe(wanted)


async def _serve_board(board: Wallboard, host: str, port: int) -> tuple[str, str | None]:
    try:
        return await board.serve(host, port), None
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port == 0:
            raise
    url = await board.serve(host, 0)
    return url, f"port {port} was busy, so the web wallboard took another one"


def _announce(emulator_url: str, web_url: str | None, notes: list[str]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    console.print(
        "[bold dodger_blue1]cxkit demo[/]: a simulated contact center on the local emulator "
        "(Five9 + Genesys, no account needed)"
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_row("  emulator", f"listening on {escape(emulator_url)}")
    grid.add_row("  credentials", f"curl -s {escape(emulator_url)}/_emulator/info")
    if web_url:
        grid.add_row("  web wallboard", f"[bold]{escape(web_url)}[/]")
    console.print(grid)
    for note in notes:
        console.print(f"[yellow]{escape(note)}[/]")
    console.print("Press Ctrl-C to stop.\n")


async def _json_loop(board: Wallboard, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), JSON_INTERVAL)
        _line(board_summary(board.model))


async def _text_loop(board: Wallboard, stop: asyncio.Event) -> None:
    from cxkit.wallboard.tui import format_duration

    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TEXT_INTERVAL)
        for source in board_summary(board.model)["sources"]:
            agents = source["agents"]
            print(
                f"{source['label']} [{source['status']}]: waiting {source['calls_waiting']}, "
                f"longest {format_duration(source['longest_wait'])}, ready {agents['ready']}, "
                f"on call {agents['on_interaction']}, wrap-up {agents['after_work']}, "
                f"not ready {agents['not_ready']}, logged out {agents['logged_out']}",
                flush=True,
            )


async def run_demo(options: DemoOptions) -> None:
    """Run the demo until stopped (see the module docstring)."""
    from cxkit.cli.embedded import Activity, emulator_config, start_emulator
    from cxkit.cli.lifecycle import stop_on_signals
    from cxkit.cli.progress import progress
    from cxkit.wallboard import Wallboard

    notes: list[str] = []
    async with AsyncExitStack() as stack:
        stop = await stack.enter_async_context(stop_on_signals(options.duration))
        with progress("Starting the emulator…", enabled=not options.json_lines) as shown:
            config = emulator_config(Activity(busy=True, speed=options.speed, seed=options.seed))
            server, note = await start_emulator(
                config, host=options.host, port=options.port, fallback_to_free_port=True
            )
            stack.push_async_callback(server.stop)
            if note:
                notes.append(note)
            board = Wallboard(title="demo")
            stack.push_async_callback(board.close)
            shown.update("Connecting the Five9 supervisor stream…")
            await _connect_five9(stack, board, server)
            shown.update("Subscribing to Genesys notifications…")
            await _connect_genesys(stack, board, server)
            web_url: str | None = None
            if options.web:
                shown.update("Serving the web wallboard…")
                web_url, web_note = await _serve_board(board, options.host, options.web_port)
                if web_note:
                    notes.append(web_note)
        if options.json_lines:
            _line({"type": "ready", "emulator": server.url, "wallboard": web_url, "notes": notes})
            await _json_loop(board, stop)
        else:
            _announce(server.url, web_url, notes)
            if sys.stdout.isatty():
                await board.run_terminal(refresh=0.5, stop=stop)
            else:
                await _text_loop(board, stop)
    if not options.json_lines:
        print("cxkit: demo stopped", file=sys.stderr, flush=True)
