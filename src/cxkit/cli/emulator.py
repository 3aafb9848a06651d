"""``cxkit emulator ...``: run the local Five9 / Genesys emulator."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cxkit.cli.embedded import Activity

__all__ = [
    "AgentsOption",
    "DurationOption",
    "FaultOption",
    "QueuesOption",
    "RateOption",
    "ScenarioOption",
    "SeedOption",
    "SpeedOption",
    "activity_from_options",
    "emulator_app",
    "serve",
]

emulator_app = typer.Typer(
    help="Run the local, wire-faithful emulator of Five9 VCC and Genesys Cloud.",
    no_args_is_help=True,
)

ACTIVITY = "Simulated contact center"

AgentsOption = Annotated[
    int | None,
    typer.Option(
        "--agents",
        min=1,
        max=10_000,
        help="Agents in the simulated center.",
        show_default=False,
        rich_help_panel=ACTIVITY,
    ),
]
QueuesOption = Annotated[
    int | None,
    typer.Option(
        "--queues",
        min=1,
        max=1_000,
        help="Queues (Five9 skills, Genesys queues) in the simulated center.",
        show_default=False,
        rich_help_panel=ACTIVITY,
    ),
]
RateOption = Annotated[
    float | None,
    typer.Option(
        "--rate",
        min=0.001,
        help="Inbound calls per hour per queue.",
        show_default=False,
        rich_help_panel=ACTIVITY,
    ),
]
SpeedOption = Annotated[
    float,
    typer.Option(
        "--speed",
        min=0.01,
        max=10_000,
        help="Simulated seconds per real second (2: twice as fast).",
        rich_help_panel=ACTIVITY,
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(
        "--seed", help="Seed of ids and randomness: same seed, same run.", rich_help_panel=ACTIVITY
    ),
]
ScenarioOption = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        exists=True,
        dir_okay=False,
        help="Scenario file (TOML or JSON, the cxkit.sim format): the center, its seed and "
        "scripted events.",
        show_default=False,
        rich_help_panel=ACTIVITY,
    ),
]
FaultOption = Annotated[
    list[str] | None,
    typer.Option(
        "--fault",
        help='Fault rule as JSON (the body of POST /_emulator/faults, e.g. \'{"match": '
        '"/users", "status": 503, "count": 2}\') or @file with one or a list (repeatable).',
        show_default=False,
        rich_help_panel=ACTIVITY,
    ),
]
DurationOption = Annotated[
    float | None,
    typer.Option("--duration", min=0.1, help="Stop after this many seconds.", show_default=False),
]


def activity_from_options(
    *,
    busy: bool,
    speed: float,
    seed: int,
    agents: int | None,
    queues: int | None,
    rate: float | None,
    scenario: Path | None,
    faults: list[str] | None,
) -> Activity:
    """The :class:`cxkit.cli.embedded.Activity` of these options (faults parsed)."""
    from cxkit.cli.embedded import Activity, load_faults

    return Activity(
        busy=busy,
        speed=speed,
        seed=seed,
        agents=agents,
        queues=queues,
        rate=rate,
        scenario=scenario,
        faults=load_faults(faults or []),
    )


@emulator_app.command()
def serve(
    *,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (loopback unless --allow-remote)."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port (0: any).")
    ] = 8470,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow a non-loopback --host. The emulator publishes its demo credentials "
            "and has an unauthenticated admin API: only expose it on a network you trust.",
        ),
    ] = False,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON line (the /_emulator/info document) when ready."
        ),
    ] = False,
    activity: Annotated[
        bool,
        typer.Option(
            "--activity/--no-activity",
            help="Run a busy contact center (calls, agents changing state). On by itself "
            "with --rate or --scenario; off by default, so tests see a quiet tenant.",
            rich_help_panel=ACTIVITY,
        ),
    ] = False,
    agents: AgentsOption = None,
    queues: QueuesOption = None,
    rate: RateOption = None,
    speed: SpeedOption = 1.0,
    seed: SeedOption = 0,
    scenario: ScenarioOption = None,
    fault: FaultOption = None,
    duration: DurationOption = None,
) -> None:
    """Serve the emulator until Ctrl-C / SIGTERM, printing its URLs and demo credentials."""
    from cxkit.cli.embedded import emulator_config
    from cxkit.cli.failures import EXIT_USAGE, describe, print_error
    from cxkit.cli.output import print_ready
    from cxkit.cli.runner import run_emulator
    from cxkit.errors import ConfigError

    try:
        chosen = activity_from_options(
            busy=activity or rate is not None or scenario is not None,
            speed=speed,
            seed=seed,
            agents=agents,
            queues=queues,
            rate=rate,
            scenario=scenario,
            faults=fault,
        )
        config = emulator_config(chosen)
    except ConfigError as exc:
        print_error(describe(exc))
        raise typer.Exit(EXIT_USAGE) from None

    code = run_emulator(
        host=host,
        port=port,
        allow_remote=allow_remote,
        config=config,
        faults=chosen.faults,
        duration=duration,
        on_ready=lambda server, note: print_ready(server.info(), json_line=json_output, note=note),
        quiet=json_output,
    )
    raise typer.Exit(code)
