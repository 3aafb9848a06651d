"""The ``cxkit`` command: the root of the command tree.

Start-up is kept fast (``cxkit --help`` imports typer only): every command imports what it
needs (aiohttp, the emulator, rich) inside its own function.
"""

from __future__ import annotations

import typer

from cxkit import __version__
from cxkit.cli.demo import demo
from cxkit.cli.emulator import emulator_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="cxkit",
    help="Toolkit for contact-center clouds (Five9 VCC, Genesys Cloud) and their local emulator.",
    no_args_is_help=True,
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
) -> None:
    """cxkit: clients, event streams and a local emulator for Five9 VCC and Genesys Cloud."""


app.add_typer(emulator_app, name="emulator")
app.command("demo")(demo)


def main() -> None:
    """Entry point of the ``cxkit`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
