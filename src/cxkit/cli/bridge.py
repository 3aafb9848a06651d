"""``cxkit bridge``: carry a vendor's events into Redis Streams, NATS JetStream, a webhook or
a JSON-lines file, at least once, spooling to disk while the destination is down.

.. code-block:: console

    $ cxkit bridge --from emulator --to redis://127.0.0.1:6379/0
    $ FIVE9_USERNAME=... FIVE9_PASSWORD=... cxkit bridge --from five9 --to nats://127.0.0.1:4222
    $ CXKIT_WEBHOOK_SECRET=... cxkit bridge --from genesys --to https://hooks.example.com/cx
    $ cxkit bridge --from emulator --to events.jsonl --kinds 'agent.*' --max-events 100

Several processes can split the work: ``--tenant`` (repeatable) and ``--kinds`` (globs) pick
the events each one carries; give each its own ``--spool`` directory (the default one is
derived from the source, destination and filters, so differently filtered processes never
share it). Vendor credentials come as for every other command (user names and URLs from
flags, secrets from ``--five9-password-stdin`` / ``--genesys-client-secret-stdin``, the
environment or the ``--config`` file); broker and webhook secrets from the URL or the
environment (``CXKIT_BRIDGE_PASSWORD``, ``CXKIT_BRIDGE_TOKEN``, ``CXKIT_WEBHOOK_SECRET``). No
option takes a secret as its value (``ps`` and the shell history would show it), and none is
ever printed.
This module joins the clients, the emulator and :mod:`cxkit.bridge` (nothing else does).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxkit.cli.credentials import Five9Flags, GenesysFlags
from cxkit.cli.options import ConfigOption, JsonOption

if TYPE_CHECKING:
    from cxkit.bridge.pipeline import Bridge
    from cxkit.bridge.sinks.factory import SinkOptions
    from cxkit.cli.credentials import Five9Credentials, GenesysCredentials
    from cxkit.events import BaseEvent

__all__ = ["BridgeCommand", "bridge", "default_spool_dir", "run_bridge"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SOURCES = ("five9", "genesys", "emulator")


def _error(message: str) -> None:
    print(f"cxkit bridge: error: {message}", file=sys.stderr, flush=True)


def _note(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"cxkit bridge: {message}", file=sys.stderr, flush=True)


def default_spool_dir(source: str, destination: str, tenants: list[str], kinds: str) -> Path:
    """``$XDG_STATE_HOME/cxkit/bridge/<source>-<hash>``: one per source, destination and
    filter set, so bridges that split the work never share a spool."""
    from cxkit.core.httplog import redact_url

    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    digest = hashlib.sha256(
        "\0".join([source, redact_url(destination), ",".join(sorted(tenants)), kinds]).encode()
    ).hexdigest()[:12]
    return base / "cxkit" / "bridge" / f"{source}-{digest}"


@dataclass
class BridgeCommand:
    """Everything ``cxkit bridge`` was asked to do (secrets are not in the repr)."""

    source: str
    to: str = field(repr=False)  # a broker URL may carry a password
    tenants: list[str] = field(default_factory=list)
    kinds: str = ""
    spool: Path | None = None
    use_spool: bool = True
    spool_max_bytes: int = 256 * 1024 * 1024
    fsync: bool = True
    batch_size: int = 500
    queue_size: int = 10_000
    linger: float = 0.005
    send_timeout: float | None = 120.0
    max_events: int | None = None
    duration: float | None = None
    drain_timeout: float = 5.0
    stats_interval: float | None = None
    quiet: bool = False
    json_lines: bool = False  # counters as JSON lines on stdout
    five9_username: str | None = None
    five9_password: str | None = field(default=None, repr=False)
    five9_region: str = "US"
    five9_url: str | None = None
    genesys_client_id: str | None = None
    genesys_client_secret: str | None = field(default=None, repr=False)
    genesys_region: str | None = None
    genesys_url: str | None = None
    emulator_vendor: str = "five9"
    scenario_interval: float = 0.5
    sink_options: SinkOptions | None = None


@contextlib.asynccontextmanager
async def _open_source(cmd: BridgeCommand) -> AsyncIterator[AsyncIterator[BaseEvent]]:
    """The source's event iterator, with its clients (and emulator) open around it."""
    from cxkit.bridge.filters import parse_kinds
    from cxkit.bridge.sources import five9_events, genesys_events, topic_families
    from cxkit.errors import ConfigError

    async with contextlib.AsyncExitStack() as stack:
        source = cmd.source
        five9_url, genesys_url = cmd.five9_url, cmd.genesys_url
        five9_user, five9_password = cmd.five9_username, cmd.five9_password
        genesys_id, genesys_secret = cmd.genesys_client_id, cmd.genesys_client_secret
        if source == "emulator":
            import aiohttp

            from cxkit.emulator.server import EmulatorServer
            from cxkit.emulator.tenant import DEMO

            emulator = await stack.enter_async_context(EmulatorServer())
            async with (
                aiohttp.ClientSession() as admin,
                admin.post(
                    f"{emulator.url}/_emulator/{cmd.emulator_vendor}/scenario",
                    json={"action": "start", "interval": cmd.scenario_interval},
                ) as answer,
            ):
                if answer.status >= 300:
                    raise ConfigError(
                        f"the emulator refused to start its {cmd.emulator_vendor} scenario "
                        f"({answer.status}: {(await answer.text())[:200]})"
                    )
            _note(f"emulator on {emulator.url}, {cmd.emulator_vendor} scenario running", cmd.quiet)
            source = cmd.emulator_vendor
            if source == "five9":
                five9_url = emulator.url
                five9_user = DEMO.five9.supervisor.username
                five9_password = DEMO.five9.supervisor.password.reveal()
            else:
                genesys_url = emulator.url
                genesys_id = DEMO.genesys.client_credentials.client_id
                secret = DEMO.genesys.client_credentials.client_secret
                genesys_secret = secret.reveal() if secret is not None else None
        if source == "five9":
            from cxkit.five9.client import Five9Client

            if not five9_user or not five9_password:
                raise ConfigError(
                    "--from five9 needs a user name and a password: --five9-username (or "
                    "FIVE9_USERNAME) and --five9-password-stdin (or FIVE9_PASSWORD), or the "
                    "[five9] section of the --config file"
                )
            client = await stack.enter_async_context(
                Five9Client(five9_user, five9_password, region=cmd.five9_region, base_url=five9_url)
            )
            events = five9_events(client)
        elif source == "genesys":
            from cxkit.genesys.client import GenesysClient

            if not genesys_id or not genesys_secret:
                raise ConfigError(
                    "--from genesys needs --genesys-client-id (or GENESYS_CLIENT_ID) and a "
                    "secret: --genesys-client-secret-stdin (or GENESYS_CLIENT_SECRET), or the "
                    "[genesys] section of the --config file"
                )
            gclient = GenesysClient(
                region=cmd.genesys_region,
                base_url=genesys_url,
                client_id=genesys_id,
                client_secret=genesys_secret,
            )
            await stack.enter_async_context(gclient)
            families = topic_families(parse_kinds(cmd.kinds))
            _note(f"genesys: subscribing {families.describe()}", cmd.quiet)
            events = genesys_events(gclient, families=families)
        else:
            raise ConfigError.bad_value("bridge.from", cmd.source, ", ".join(SOURCES))
        stack.push_async_callback(events.aclose)  # type: ignore[attr-defined]
        yield events


async def _pump(
    events: AsyncIterator[BaseEvent], bridge: Bridge, limit: int | None, quiet: bool = False
) -> int:
    taken = 0
    tenants = bridge.filter.tenants
    left_out: set[str] = set()
    async for event in events:
        if await bridge.publish(event):
            taken += 1
            if limit is not None and taken >= limit:
                break
        elif tenants and event.tenant not in tenants and event.tenant not in left_out:
            # a process that splits tenants sees the others' events: say so once per tenant
            left_out.add(event.tenant)
            _note(
                f"tenant {event.tenant!r} is not one of --tenant "
                f"{', '.join(sorted(tenants))}: its events are left to other bridges",
                quiet,
            )
    return taken


async def _report(bridge: Bridge, interval: float, json_lines: bool) -> None:
    while True:
        await asyncio.sleep(interval)
        if json_lines:
            _counters_line(bridge, "stats")
        else:
            print(f"cxkit bridge: {_summary(bridge)}", file=sys.stderr, flush=True)


def _counters(bridge: Bridge) -> dict[str, int]:
    s = bridge.stats
    return {
        "published": s.published,
        "delivered": s.delivered,
        "filtered": s.filtered,
        "spooled": s.spooled,
        "drained": s.drained,
        "waiting": bridge.spooled + bridge.queued,
        "failures": s.failures,
    }


def _summary(bridge: Bridge) -> str:
    return ", ".join(f"{name} {value}" for name, value in _counters(bridge).items())


def _counters_line(bridge: Bridge, kind: str) -> None:
    """One ``--json`` line on stdout: ``{"type": "stats"|"done", <counters>}``."""
    from cxkit.cli.jsonout import emit

    emit({"type": kind, **_counters(bridge)}, machine=True)


async def run_bridge(cmd: BridgeCommand) -> int:
    """Run a bridge until the source ends, a signal, ``max_events`` or ``duration``."""
    from cxkit.bridge.errors import BridgeError
    from cxkit.bridge.filters import EventFilter, parse_kinds
    from cxkit.bridge.pipeline import Bridge
    from cxkit.bridge.sinks.factory import SinkOptions, sink_from_url
    from cxkit.bridge.spool import Spool
    from cxkit.core.httplog import redact_url

    event_filter = EventFilter(tenants=frozenset(cmd.tenants), kinds=parse_kinds(cmd.kinds))
    sink = sink_from_url(cmd.to, cmd.sink_options or SinkOptions())
    spool = None
    if cmd.use_spool:
        spool_dir = cmd.spool or default_spool_dir(cmd.source, cmd.to, cmd.tenants, cmd.kinds)
        spool = Spool(spool_dir, max_bytes=cmd.spool_max_bytes, fsync=cmd.fsync)
    bridge = Bridge(
        sink,
        spool=spool,
        filter=event_filter,
        queue_size=cmd.queue_size,
        batch_size=cmd.batch_size,
        linger=cmd.linger,
        send_timeout=cmd.send_timeout,
    )
    where = f" (spool {spool.path}, {spool.pending} waiting)" if spool is not None else ""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    tasks: list[asyncio.Task[Any]] = []
    saved: tuple[Path, int] | None = None
    code = EXIT_OK
    try:
        await bridge.start()
        try:
            async with _open_source(cmd) as events:
                _note(f"{cmd.source} -> {redact_url(cmd.to)}{where}", cmd.quiet)
                pump = asyncio.create_task(_pump(events, bridge, cmd.max_events, cmd.quiet))
                tasks = [pump, asyncio.create_task(stop.wait())]
                if cmd.duration is not None:
                    tasks.append(asyncio.create_task(asyncio.sleep(cmd.duration)))
                if cmd.stats_interval:
                    report = _report(bridge, cmd.stats_interval, cmd.json_lines)
                    tasks.append(asyncio.create_task(report))
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in tasks[1:]:
                    task.cancel()
                if not pump.done():
                    pump.cancel()
                # a source error propagates; the bridge's own (bridge.error) is reported
                # below, once what it still held is saved
                with contextlib.suppress(asyncio.CancelledError, BridgeError):
                    await pump
        finally:
            await bridge.close(drain_timeout=cmd.drain_timeout)
            saved = _save_unsaved(bridge, spool.path if spool is not None else None, cmd)
    finally:
        for task in tasks:
            task.cancel()
        for sig in installed:
            loop.remove_signal_handler(sig)
    if bridge.error is not None:
        code = EXIT_FAILED
        _error(str(bridge.error))
    if saved is not None:
        path, count = saved
        _error(
            f"{count} events could be neither delivered nor spooled; they are saved, in order, "
            f"as JSON lines in {path} (each line an envelope: publish them again with "
            "Bridge.publish_envelope(decode_envelope(line)) once the destination is back)"
        )
        code = EXIT_FAILED
    if cmd.json_lines:
        _counters_line(bridge, "done")
    else:
        _note(_summary(bridge), cmd.quiet)
    return code


def _save_unsaved(
    bridge: Bridge, spool_dir: Path | None, cmd: BridgeCommand
) -> tuple[Path, int] | None:
    """Write the envelopes the bridge could not deliver or spool (a full spool, or a close
    without a spool while the sink was down) next to the spool, so that none is lost when the
    process exits. Returns (file, count), or None when there were none."""
    import datetime as dt

    from cxkit.bridge.envelope import encode_envelope

    unsaved = bridge.unsaved()
    if not unsaved:
        return None
    folder = spool_dir or default_spool_dir(cmd.source, cmd.to, cmd.tenants, cmd.kinds)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    path = folder / f"unsaved-{stamp}.jsonl"
    with open(path, "wb") as handle:
        for envelope in unsaved:
            handle.write(encode_envelope(envelope) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path, len(unsaved)


def _vendor_credentials(
    source: str, five9: Five9Flags, genesys: GenesysFlags
) -> tuple[Five9Credentials, GenesysCredentials]:
    """Both vendors' settings from flags, environment and config file; stdin and the file are
    read for the source in use only (``""`` for none: the emulator brings its own)."""
    from cxkit.cli.credentials import (
        Five9Credentials,
        GenesysCredentials,
        five9_credentials,
        genesys_credentials,
    )

    empty9 = Five9Credentials(None, None, five9.region, five9.base_url)
    emptyg = GenesysCredentials(None, None, genesys.region, genesys.base_url)
    return (
        five9_credentials(five9) if source == "five9" else empty9,
        genesys_credentials(genesys) if source == "genesys" else emptyg,
    )


def bridge(
    *,
    source: str = typer.Option(
        ..., "--from", help="Where events come from: five9, genesys or emulator."
    ),
    to: str = typer.Option(
        ...,
        "--to",
        help="redis://host:6379/0, nats://host:4222, https://... (webhook) or a .jsonl file.",
    ),
    tenant: Annotated[
        list[str] | None,
        typer.Option("--tenant", help="Only these tenants (org ids); repeat for several."),
    ] = None,
    kinds: str = typer.Option(
        "", "--kinds", help="Only these kinds: comma-separated globs, e.g. 'agent.*,queue.*'."
    ),
    spool: Annotated[
        Path | None,
        typer.Option(
            "--spool", help="Spool directory (default under $XDG_STATE_HOME/cxkit/bridge)."
        ),
    ] = None,
    no_spool: bool = typer.Option(
        False, "--no-spool", help="No disk spool: hold events in memory while the sink is down."
    ),
    spool_max_mb: int = typer.Option(256, "--spool-max-mb", min=1, help="Spool size bound."),
    no_fsync: bool = typer.Option(False, "--no-fsync", help="Do not fsync spool writes."),
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="Most events per send."),
    queue_size: int = typer.Option(10_000, "--queue-size", min=1, help="In-memory queue bound."),
    send_timeout: float = typer.Option(
        120.0,
        "--send-timeout",
        min=0.001,
        help="Seconds a send may take before its batch is spooled and retried.",
    ),
    key_template: str | None = typer.Option(
        None, "--key-template", help="Stream key / subject template ({vendor} {tenant} {kind})."
    ),
    redis_maxlen: int = typer.Option(
        1_000_000, "--redis-maxlen", min=0, help="Trim streams to about N entries (0: never)."
    ),
    redis_exact: bool = typer.Option(False, "--redis-exact", help="Exact MAXLEN trimming."),
    nats_stream: str = typer.Option("CXKIT", "--nats-stream", help="JetStream stream name."),
    no_create_stream: bool = typer.Option(
        False, "--no-create-stream", help="Do not create the JetStream stream when missing."
    ),
    jsonl_fsync: str = typer.Option(
        "interval", "--jsonl-fsync", help="JSON-lines fsync: batch, interval or never."
    ),
    rotate_mb: int | None = typer.Option(
        None, "--rotate-mb", min=1, help="Rotate the JSON-lines file past this size."
    ),
    rotate_keep: int | None = typer.Option(None, "--rotate-keep", min=1, help="Rotated kept."),
    five9_username: str | None = typer.Option(
        None, "--five9-username", help="Five9 supervisor user (else FIVE9_USERNAME)."
    ),
    five9_password_stdin: bool = typer.Option(
        False,
        "--five9-password-stdin",
        help="Read the Five9 password from the first line of stdin (else FIVE9_PASSWORD, "
        "else the config file).",
    ),
    five9_region: str | None = typer.Option(None, "--five9-region", help="Five9 region (US)."),
    five9_url: str | None = typer.Option(None, "--five9-url", help="Five9 login host URL."),
    genesys_client_id: str | None = typer.Option(None, "--genesys-client-id"),
    genesys_client_secret_stdin: bool = typer.Option(
        False,
        "--genesys-client-secret-stdin",
        help="Read the Genesys client secret from the first line of stdin (else "
        "GENESYS_CLIENT_SECRET, else the config file).",
    ),
    genesys_region: str | None = typer.Option(None, "--genesys-region"),
    genesys_url: str | None = typer.Option(None, "--genesys-url", help="Genesys API base URL."),
    config: ConfigOption = None,
    emulator_vendor: str = typer.Option(
        "five9", "--emulator-vendor", help="With --from emulator: five9 or genesys."
    ),
    scenario_interval: float = typer.Option(
        0.5, "--scenario-interval", min=0.01, help="With --from emulator: seconds per step."
    ),
    max_events: int | None = typer.Option(
        None, "--max-events", min=1, help="Stop after this many events."
    ),
    duration: float | None = typer.Option(None, "--duration", min=0, help="Stop after seconds."),
    stats_interval: float | None = typer.Option(
        None, "--stats-interval", min=0.1, help="Print counters every N seconds."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
    json_output: JsonOption = False,
) -> None:
    """Bridge a vendor's events into a broker, a webhook or a file (at least once)."""
    from cxkit.bridge.errors import BridgeError
    from cxkit.bridge.sinks.factory import SinkOptions
    from cxkit.errors import ConfigError, CxkitError

    if source not in SOURCES:
        _error(f"--from must be one of {', '.join(SOURCES)}, not {source!r}")
        raise typer.Exit(EXIT_USAGE)
    if emulator_vendor not in ("five9", "genesys"):
        _error(f"--emulator-vendor must be five9 or genesys, not {emulator_vendor!r}")
        raise typer.Exit(EXIT_USAGE)
    five9, genesys = _vendor_credentials(
        source if source != "emulator" else "",
        Five9Flags(
            username=five9_username,
            password_stdin=five9_password_stdin,
            region=five9_region,
            base_url=five9_url,
            config=config,
        ),
        GenesysFlags(
            client_id=genesys_client_id,
            client_secret_stdin=genesys_client_secret_stdin,
            region=genesys_region,
            base_url=genesys_url,
            config=config,
        ),
    )
    environ = os.environ
    command = BridgeCommand(
        source=source,
        to=to,
        tenants=list(tenant or []),
        kinds=kinds,
        spool=spool,
        use_spool=not no_spool,
        spool_max_bytes=spool_max_mb * 1024 * 1024,
        fsync=not no_fsync,
        batch_size=batch_size,
        queue_size=queue_size,
        send_timeout=send_timeout,
        max_events=max_events,
        duration=duration,
        stats_interval=stats_interval,
        quiet=quiet,
        json_lines=json_output,
        five9_username=five9.username,
        five9_password=five9.password.reveal() if five9.password else None,
        five9_region=five9.region or "US",
        five9_url=five9.base_url,
        genesys_client_id=genesys.client_id,
        genesys_client_secret=genesys.client_secret.reveal() if genesys.client_secret else None,
        genesys_region=genesys.region,
        genesys_url=genesys.base_url,
        emulator_vendor=emulator_vendor,
        scenario_interval=scenario_interval,
        sink_options=SinkOptions(
            key_template=key_template,
            redis_maxlen=redis_maxlen or None,
            redis_approximate=not redis_exact,
            nats_stream=nats_stream,
            nats_create_stream=not no_create_stream,
            password=environ.get("CXKIT_BRIDGE_PASSWORD") or None,
            token=environ.get("CXKIT_BRIDGE_TOKEN") or None,
            webhook_secret=environ.get("CXKIT_WEBHOOK_SECRET") or None,
            jsonl_fsync=jsonl_fsync,
            jsonl_rotate_bytes=rotate_mb * 1024 * 1024 if rotate_mb else None,
            jsonl_rotate_keep=rotate_keep,
        ),
    )
    try:
        code = asyncio.run(run_bridge(command))
    except ConfigError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except BridgeError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_FAILED) from None
    except CxkitError as exc:
        _error(f"{type(exc).__name__}: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    except KeyboardInterrupt:
        code = EXIT_OK
    raise typer.Exit(code)
