"""The work behind ``cxkit tail five9|genesys``: connect, stream, filter, print.

Events are read with ``async for`` (backpressure: a slow terminal slows the socket, nothing is
dropped) until Ctrl-C, ``--duration``, ``--count`` or the end of the stream (its error is
reported like any other failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxkit.cli.event_lines import event_json, event_text, kind_of, matches_kind

if TYPE_CHECKING:
    from cxkit.cli.credentials import Five9Flags, GenesysFlags
    from cxkit.cli.embedded import Activity

__all__ = ["TailOptions", "tail_five9", "tail_genesys"]


@dataclass(frozen=True, slots=True)
class TailOptions:
    """What to show and for how long."""

    raw: bool = False
    kinds: frozenset[str] = frozenset()
    json_lines: bool = False
    count: int | None = None
    duration: float | None = None
    emulator: Activity | None = None  # run an embedded emulator with this activity
    event_ids: frozenset[int] = frozenset()  # Five9 raw events
    topics: tuple[str, ...] = field(default_factory=tuple)  # Genesys
    stream: str = "supervisor"  # Five9: supervisor or agent


class Printer:
    """Filters and prints events; sets ``stop`` once ``count`` events were printed."""

    def __init__(self, options: TailOptions, stop: asyncio.Event) -> None:
        self.options = options
        self.stop = stop
        self.printed = 0
        self._console: Any = None
        self._status: Any = None
        if not options.json_lines:
            from rich.console import Console

            from cxkit.cli.progress import stdout_console

            self._console = stdout_console(highlight=False, soft_wrap=True)
            self._status = Console(stderr=True, highlight=False)

    def wanted(self, event: Any) -> bool:
        """True when ``event`` passes the filters of the mode."""
        kind = kind_of(event)
        if self.options.raw:
            return kind is None and (
                not self.options.event_ids
                or getattr(event, "event_id", None) in self.options.event_ids
            )
        return kind is not None and matches_kind(kind, self.options.kinds)

    def __call__(self, event: Any) -> None:
        if self.stop.is_set():
            return
        if not self.wanted(event):
            if (
                self.options.raw
                and not self.options.json_lines
                and kind_of(event)
                in (
                    "stream.state",
                    "stream.gap",
                )
            ):
                self._status.print(event_text(event), style="dim")
            return
        if self.options.json_lines:
            sys.stdout.write(event_json(event) + "\n")
            sys.stdout.flush()
        else:
            self._console.print(event_text(event))
        self.printed += 1
        if self.options.count is not None and self.printed >= self.options.count:
            self.stop.set()


async def _pump(source: AsyncIterator[Any], handle: Callable[[Any], None]) -> None:
    async for event in source:
        handle(event)


async def _run(
    stop: asyncio.Event, source: AsyncIterator[Any], handle: Callable[[Any], None]
) -> None:
    from cxkit.cli.lifecycle import wait_for_stop

    task = asyncio.ensure_future(_pump(source, handle))
    try:
        await wait_for_stop(stop, task)
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # the stream's own end is not an error once stopping
            if not stop.is_set():
                raise


def _with_names(event: Any, users: dict[str, str], queues: dict[str, str]) -> Any:
    """Genesys events carry ids only: add the agent and queue names listed at start."""
    import msgspec

    changes: dict[str, str] = {}
    agent_id = getattr(event, "agent_id", None)
    if agent_id in users and hasattr(event, "agent_name") and event.agent_name is None:
        changes["agent_name"] = users[agent_id]
    queue_id = getattr(event, "queue_id", None)
    if queue_id in queues and hasattr(event, "queue_name") and event.queue_name is None:
        changes["queue_name"] = queues[queue_id]
    return msgspec.structs.replace(event, **changes) if changes else event


async def _embedded(stack: AsyncExitStack, activity: Activity) -> dict[str, Any]:
    from cxkit.cli.embedded import emulator_config, install_faults, start_emulator

    server, _ = await start_emulator(emulator_config(activity))
    stack.push_async_callback(server.stop)
    install_faults(server, activity.faults)
    print(f"cxkit: embedded emulator at {server.url}", file=sys.stderr, flush=True)
    return server.info()


async def tail_five9(flags: Five9Flags, options: TailOptions, *, interactive: bool) -> None:
    """Stream a Five9 supervisor (or agent) socket until stopped."""
    from dataclasses import replace

    from cxkit.cli.connect import five9_client, resolve_five9
    from cxkit.cli.lifecycle import stop_on_signals
    from cxkit.cli.progress import progress
    from cxkit.errors import APIStatusError

    async with AsyncExitStack() as stack:
        stop = await stack.enter_async_context(stop_on_signals(options.duration))
        if options.emulator is not None:
            info = await _embedded(stack, options.emulator)
            flags = replace(flags, base_url=info["base_url"])
        creds = await resolve_five9(flags, interactive=interactive)
        with progress("Connecting to Five9…", enabled=not options.json_lines) as shown:
            client = await stack.enter_async_context(five9_client(creds))
            await client.login()
            if options.stream == "supervisor":
                shown.update("Loading names…")
                # names are a nicety: a user without those rights still streams
                with contextlib.suppress(APIStatusError):
                    await client.supervisor.load_names()
                stream = client.supervisor_stream(unified=not options.raw)
            else:
                stream = client.agent_stream(unified=not options.raw)
            shown.update("Opening the event stream…")
            events = stream.__aiter__()  # registered before the first frame can arrive
            stack.push_async_callback(stream.close)
            await stream.start()
        await _run(stop, events, Printer(options, stop))


async def tail_genesys(flags: GenesysFlags, options: TailOptions, *, interactive: bool) -> None:
    """Stream Genesys notifications (every queue and user by default) until stopped."""
    from dataclasses import replace

    from cxkit.cli.connect import genesys_client, resolve_genesys
    from cxkit.cli.lifecycle import stop_on_signals
    from cxkit.cli.progress import progress
    from cxkit.genesys import topics as topic_names
    from cxkit.genesys.events import TopicEvent
    from cxkit.genesys.normalize import Normalizer
    from cxkit.genesys.notifications import NotificationHub

    async with AsyncExitStack() as stack:
        stop = await stack.enter_async_context(stop_on_signals(options.duration))
        if options.emulator is not None:
            info = await _embedded(stack, options.emulator)
            flags = replace(flags, base_url=info["base_url"])
        creds = await resolve_genesys(flags, interactive=interactive)
        with progress("Connecting to Genesys Cloud…", enabled=not options.json_lines) as shown:
            client = await stack.enter_async_context(genesys_client(creds))
            await client.login()
            me = await client.tokens.me()
            org = me.organization.id if me.organization and me.organization.id else ""
            wanted = list(options.topics)
            queues: dict[str, str] = {}
            users: dict[str, str] = {}
            if not wanted:
                shown.update("Listing queues and users…")
                queues = {q.id: q.name or q.id async for q in client.routing.iter_queues() if q.id}
                users = {u.id: u.name or u.id async for u in client.users.iter() if u.id}
                for qid in queues:
                    wanted += [
                        topic_names.queue_observations(qid),
                        topic_names.queue_conversations(qid),
                    ]
                for uid in users:
                    wanted += [
                        topic_names.user_presence(uid),
                        topic_names.user_routing_status(uid),
                    ]
            hub = NotificationHub(client, tenant=org)
            stack.push_async_callback(hub.close)
            shown.update(f"Subscribing {len(wanted)} topics…")
            await hub.subscribe(wanted)
        printer = Printer(options, stop)
        normalizer = Normalizer(tenant=org)

        def handle(event: Any) -> None:
            if not options.raw and isinstance(event, TopicEvent):
                for unified in normalizer.normalize(event):
                    printer(_with_names(unified, users, queues))
            else:
                printer(event)

        if hub.rejected:
            print(
                f"cxkit: {len(hub.rejected)} topic(s) refused: {', '.join(sorted(hub.rejected))}",
                file=sys.stderr,
                flush=True,
            )
        await _run(stop, hub.__aiter__(), handle)
