"""What the emulator commands print once the emulator is listening.

The demo credentials shown are the emulator's own published test values (see
:mod:`cxkit.emulator.tenant`), never a real account's secrets.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["flatten", "print_ready"]


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(dotted.key, text)`` for every leaf of a JSON document."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, "null" if value is None else str(value)


def print_ready(
    info: Mapping[str, Any],
    *,
    json_line: bool,
    note: str | None = None,
    show_curl: bool = False,
) -> None:
    """Print the ready message: one JSON line (``json_line``) or a readable summary."""
    if json_line:
        print(json.dumps(info, separators=(",", ":")), flush=True)
        if note:
            print(f"cxkit: {note}", file=sys.stderr, flush=True)
        return

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    base = str(info["base_url"])
    console.print(f"[bold green]cxkit emulator[/] listening on [bold]{escape(base)}[/]")
    if note:
        console.print(f"[yellow]{escape(note)}[/]")
    summary = Table.grid(padding=(0, 2))
    summary.add_row("  WebSocket base", escape(str(info["ws_url"])))
    summary.add_row("  Admin API", escape(f"{base}/_emulator/info"))
    console.print(summary)
    vendors: Mapping[str, Any] = info.get("vendors") or {}
    if not vendors:
        console.print("[yellow]no vendor plugins are installed yet: only the admin API[/]")
    for name, section in vendors.items():
        console.print(f"\n[bold cyan]{escape(name)}[/]")
        table = Table.grid(padding=(0, 2))
        for key, text in flatten(section):
            table.add_row(f"  {escape(key)}", escape(text))
        console.print(table)
    if vendors:
        console.print("\n[dim]The credentials above are the emulator's published demo values.[/]")
    if show_curl:
        console.print("\nTry it:")
        console.print(f"  curl -s {escape(base)}/_emulator/info")
    console.print("\nPress Ctrl-C to stop.")
