"""``cxkit demo``: a live contact center on the local emulator, with its wallboard.

No account and no configuration: the emulator runs in-process with a busy center, the Five9
supervisor stream and the Genesys notification hub connect to it, and the wallboard shows
their numbers live in the terminal and on a web page. Runs until Ctrl-C (exit 0).
"""

from __future__ import annotations

from typing import Annotated

import typer

from cxkit.cli.emulator import SeedOption, SpeedOption

__all__ = ["DEMO_PORT", "DEMO_WEB_PORT", "demo"]

DEMO_PORT = 8470
DEMO_WEB_PORT = 8471


def demo(
    *,
    port: Annotated[
        int,
        typer.Option(
            "--port",
            "-p",
            min=0,
            max=65535,
            help="Emulator port (a free one if busy; 0: any).",
        ),
    ] = DEMO_PORT,
    web_port: Annotated[
        int,
        typer.Option(
            "--web-port",
            min=0,
            max=65535,
            help="Web wallboard port (a free one if busy; 0: any).",
        ),
    ] = DEMO_WEB_PORT,
    host: Annotated[
        str, typer.Option("--host", help="Loopback address to listen on.")
    ] = "127.0.0.1",
    no_web: Annotated[
        bool, typer.Option("--no-web", help="Do not serve the web wallboard.")
    ] = False,
    speed: SpeedOption = 1.0,
    seed: SeedOption = 0,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration", min=0.1, help="Stop after this many seconds.", show_default=False
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON lines instead of the terminal board: a 'ready' line with the URLs, "
            "then the board's numbers every second.",
        ),
    ] = False,
) -> None:
    """Run a live contact center on the local emulator, with its wallboard (no account).

    The emulator serves Five9 and Genesys with a busy simulated center; the Five9 supervisor
    stream and the Genesys notification hub feed a wallboard shown in the terminal and on a
    web page. Runs until Ctrl-C.
    """
    from cxkit.cli.demo_run import DemoOptions, run_demo
    from cxkit.cli.failures import run_async

    options = DemoOptions(
        host=host,
        port=port,
        web_port=web_port,
        web=not no_web,
        speed=speed,
        seed=seed,
        duration=duration,
        json_lines=json_output,
    )
    run_async(lambda: run_demo(options))
