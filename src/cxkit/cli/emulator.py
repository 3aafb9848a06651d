"""``cxkit emulator ...``: run the local Five9 / Genesys emulator."""

from __future__ import annotations

import typer

__all__ = ["emulator_app", "serve"]

emulator_app = typer.Typer(
    help="Run the local, wire-faithful emulator of Five9 VCC and Genesys Cloud.",
    no_args_is_help=True,
)


@emulator_app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback unless --allow-remote)."
    ),
    port: int = typer.Option(8470, "--port", "-p", min=0, max=65535, help="TCP port (0: any)."),
    allow_remote: bool = typer.Option(
        False,
        "--allow-remote",
        help="Allow a non-loopback --host. The emulator publishes its demo credentials and "
        "has an unauthenticated admin API: only expose it on a network you trust.",
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print one JSON line (the /_emulator/info document) when ready."
    ),
) -> None:
    """Serve the emulator until Ctrl-C / SIGTERM, printing its URLs and demo credentials."""
    from cxkit.cli.output import print_ready
    from cxkit.cli.runner import run_emulator

    code = run_emulator(
        host=host,
        port=port,
        allow_remote=allow_remote,
        on_ready=lambda server, note: print_ready(server.info(), json_line=json_output, note=note),
        quiet=json_output,
    )
    raise typer.Exit(code)
