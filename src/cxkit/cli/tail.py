"""``cxkit tail five9|genesys``: stream events as readable lines or JSON lines.

.. code-block:: console

    $ cxkit tail five9 --emulator                      # an embedded, busy emulator
    $ cxkit tail five9 --kind agent.state,queue.statistics --json
    $ cxkit tail five9 --raw --event-id 5000,5012
    $ cxkit tail genesys --base-url http://127.0.0.1:8470 --kind interaction
    $ cxkit tail genesys --raw --topic v2.users.<id>?presence&routingStatus

Unified events (the vendor-neutral :mod:`cxkit.events`) by default; ``--raw`` shows the
vendor's own events (Five9 socket frames, Genesys notifications) instead.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cxkit.cli.emulator import SeedOption, SpeedOption
from cxkit.cli.options import (
    ClientIdOption,
    ConfigOption,
    Five9BaseUrlOption,
    Five9RegionOption,
    GenesysBaseUrlOption,
    GenesysRegionOption,
    PasswordStdinOption,
    SecretStdinOption,
    UsernameOption,
)

if TYPE_CHECKING:
    from cxkit.cli.embedded import Activity

__all__ = ["tail_app"]

tail_app = typer.Typer(
    help="Stream unified or raw events from Five9 or Genesys (a tenant or the emulator).",
    no_args_is_help=True,
)

OUTPUT = "Output"

RawOption = Annotated[
    bool,
    typer.Option(
        "--raw", help="The vendor's own events instead of unified ones.", rich_help_panel=OUTPUT
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-k",
        help="Only these unified kinds, comma-separated or repeated: agent.state, "
        "interaction (or interaction.started/updated/ended), queue.statistics, stream.state, "
        "stream.gap, raw.",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
]
JsonLinesOption = Annotated[
    bool,
    typer.Option("--json", help="One JSON object per line.", rich_help_panel=OUTPUT),
]
CountOption = Annotated[
    int | None,
    typer.Option(
        "--count",
        "-n",
        min=1,
        help="Stop after this many events.",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
]
DurationOption = Annotated[
    float | None,
    typer.Option(
        "--duration",
        min=0.1,
        help="Stop after this many seconds.",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
]
EmulatorOption = Annotated[
    bool,
    typer.Option(
        "--emulator",
        help="Start an embedded emulator with a busy contact center and tail it "
        "(no account needed).",
    ),
]


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _kinds(values: list[str] | None) -> frozenset[str]:
    from cxkit.cli.event_lines import KNOWN_KINDS
    from cxkit.cli.failures import fail

    kinds = frozenset(_split(values))
    families = {k.split(".")[0] for k in KNOWN_KINDS}
    unknown = sorted(k for k in kinds if k not in KNOWN_KINDS and k not in families)
    if unknown:
        fail(f"unknown --kind {', '.join(unknown)} (known: {', '.join(KNOWN_KINDS)})")
    return kinds


def _activity(emulator: bool, speed: float, seed: int) -> Activity | None:
    if not emulator:
        return None
    from cxkit.cli.embedded import Activity

    return Activity(busy=True, speed=speed, seed=seed)


@tail_app.command("five9")
def tail_five9(
    *,
    raw: RawOption = False,
    kind: KindOption = None,
    event_id: Annotated[
        list[str] | None,
        typer.Option(
            "--event-id",
            help="Only these Five9 event ids (e.g. 5000,5012 or 3,4,5); implies --raw.",
            show_default=False,
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    stream: Annotated[
        str,
        typer.Option("--stream", help="Which socket: supervisor (statistics) or agent."),
    ] = "supervisor",
    json_output: JsonLinesOption = False,
    count: CountOption = None,
    duration: DurationOption = None,
    emulator: EmulatorOption = False,
    speed: SpeedOption = 1.0,
    seed: SeedOption = 0,
    username: UsernameOption = None,
    password_stdin: PasswordStdinOption = False,
    region: Five9RegionOption = None,
    base_url: Five9BaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Stream Five9 events (supervisor statistics and agent states by default)."""
    from cxkit.cli.credentials import Five9Flags
    from cxkit.cli.failures import fail, run_async
    from cxkit.cli.tail_run import TailOptions
    from cxkit.cli.tail_run import tail_five9 as run

    if stream not in ("supervisor", "agent"):
        fail(f"--stream must be supervisor or agent, not {stream!r}")
    try:
        ids = frozenset(int(v) for v in _split(event_id))
    except ValueError:
        fail(f"--event-id wants numbers, got {event_id!r}")
    options = TailOptions(
        raw=raw or bool(ids),
        kinds=_kinds(kind),
        json_lines=json_output,
        count=count,
        duration=duration,
        emulator=_activity(emulator, speed, seed),
        event_ids=ids,
        stream=stream,
    )
    flags = Five9Flags(username, password_stdin, region, base_url, config)
    interactive = sys.stdin.isatty() and not json_output and not password_stdin
    run_async(lambda: run(flags, options, interactive=interactive))


@tail_app.command("genesys")
def tail_genesys(
    *,
    raw: RawOption = False,
    kind: KindOption = None,
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            "-t",
            help="Subscribe these topics (comma-separated or repeated; combined topics "
            "allowed) instead of every queue's observations and conversations and every "
            "user's presence and routing status.",
            show_default=False,
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    json_output: JsonLinesOption = False,
    count: CountOption = None,
    duration: DurationOption = None,
    emulator: EmulatorOption = False,
    speed: SpeedOption = 1.0,
    seed: SeedOption = 0,
    client_id: ClientIdOption = None,
    client_secret_stdin: SecretStdinOption = False,
    region: GenesysRegionOption = None,
    base_url: GenesysBaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Stream Genesys Cloud notifications (queues and users by default)."""
    from cxkit.cli.credentials import GenesysFlags
    from cxkit.cli.failures import run_async
    from cxkit.cli.tail_run import TailOptions
    from cxkit.cli.tail_run import tail_genesys as run

    options = TailOptions(
        raw=raw,
        kinds=_kinds(kind),
        json_lines=json_output,
        count=count,
        duration=duration,
        emulator=_activity(emulator, speed, seed),
        topics=tuple(_split(topic)),
    )
    flags = GenesysFlags(client_id, client_secret_stdin, region, base_url, config)
    interactive = sys.stdin.isatty() and not json_output and not client_secret_stdin
    run_async(lambda: run(flags, options, interactive=interactive))
