"""``cxkit demo``: start the emulator with its demo tenant and show how to reach it.

Until the full demo (simulated contact center, wallboard) lands, this runs the emulator on
127.0.0.1 (port 8470, or a free port when that one is busy) and prints its URLs, the demo
credentials and an example ``curl``.
"""

from __future__ import annotations

import typer

__all__ = ["DEMO_PORT", "demo"]

DEMO_PORT = 8470


def demo(
    port: int = typer.Option(
        DEMO_PORT, "--port", "-p", min=0, max=65535, help="Preferred port (a free one if busy)."
    ),
) -> None:
    """Run the local emulator with its demo tenant until Ctrl-C (no vendor account needed)."""
    from cxkit.cli.output import print_ready
    from cxkit.cli.runner import run_emulator

    code = run_emulator(
        host="127.0.0.1",
        port=port,
        allow_remote=False,
        fallback_to_free_port=True,
        on_ready=lambda server, note: print_ready(
            server.info(), json_line=False, note=note, show_curl=True
        ),
        quiet=False,
    )
    raise typer.Exit(code)
