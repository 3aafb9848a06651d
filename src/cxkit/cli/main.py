"""The ``cxkit`` command: the root of the command tree.

.. code-block:: text

    cxkit demo                         live contact center + wallboard, no account needed
    cxkit emulator serve               the local Five9 / Genesys emulator
    cxkit tail five9|genesys           stream unified or raw events
    cxkit five9 login|whoami|call|request
    cxkit genesys login|whoami|call|request
    cxkit bridge                       events into Redis Streams, NATS, a webhook or a file

Start-up is kept fast (``cxkit --help`` imports typer only): every command imports what it
needs (aiohttp, the clients, the emulator, rich) inside its own function. Shell completion:
``cxkit --install-completion``.
"""

from __future__ import annotations

import typer

from cxkit import __version__
from cxkit.cli.demo import demo
from cxkit.cli.emulator import emulator_app
from cxkit.cli.failures import FLAGS, enable_debug_logging
from cxkit.cli.five9_commands import five9_app
from cxkit.cli.genesys_commands import genesys_app
from cxkit.cli.tail import tail_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="cxkit",
    help="Toolkit for contact-center clouds (Five9 VCC, Genesys Cloud) and their local emulator.",
    no_args_is_help=True,
    # an unexpected error's traceback must never print local variables (credentials)
    pretty_exceptions_show_locals=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cxkit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help="Print the cxkit version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
    debug: bool = typer.Option(
        False,
        "--debug",
        help="Show tracebacks and cxkit's debug log on stderr (credentials stay hidden). "
        "Also CXKIT_DEBUG=1.",
    ),
) -> None:
    """cxkit: clients, event streams and a local emulator for Five9 VCC and Genesys Cloud."""
    FLAGS.debug = debug or FLAGS.debug_from_env()
    if FLAGS.debug:
        enable_debug_logging()


app.command("demo")(demo)
app.add_typer(emulator_app, name="emulator")
app.add_typer(tail_app, name="tail")
app.add_typer(five9_app, name="five9")
app.add_typer(genesys_app, name="genesys")
app.command("bridge")(__import__("cxkit.cli.bridge", fromlist=["bridge"]).bridge)


def main() -> None:
    """Entry point of the ``cxkit`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
