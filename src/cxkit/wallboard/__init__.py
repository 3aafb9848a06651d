"""The live wallboard: a web page (aiohttp + Server-Sent Events) and a terminal view (rich).

.. code-block:: python

    from cxkit.wallboard import Wallboard

    board = Wallboard(title="Support floor")
    board.attach(five9_supervisor_stream)     # any stream with on("*", handler)
    board.attach(genesys_hub)
    url = await board.serve("127.0.0.1", 0)   # the page, updated live
    board.feed(event)                          # or feed unified events yourself

The figures live in :class:`~cxkit.wallboard.model.WallboardModel` (pure, vendor-neutral);
:mod:`cxkit.wallboard.web` serves the page and :mod:`cxkit.wallboard.tui` draws the terminal
version.
"""

from __future__ import annotations

from cxkit.wallboard.board import SupportsOn, Wallboard
from cxkit.wallboard.model import (
    AgentTile,
    QueueFigures,
    SourceBoard,
    SourceStatus,
    WallboardModel,
    WallboardSettings,
)

__all__ = [
    "AgentTile",
    "QueueFigures",
    "SourceBoard",
    "SourceStatus",
    "SupportsOn",
    "Wallboard",
    "WallboardModel",
    "WallboardSettings",
]
