"""Wire-faithful Genesys Cloud emulator: OAuth login host, Platform API v2 and the
Notifications WebSocket, over one plainly kept org state (moto style).

``create_plugin(config)`` is what the emulator core loads. Switches live in
``EmulatorConfig.vendor_options["genesys"]`` (:class:`GenesysOptions`); admin commands are
listed in :data:`cxkit.emulator.genesys.admin.COMMANDS`.

With a simulated center (``EmulatorConfig.simulation``) the org is a view of it: see
:mod:`cxkit.emulator.genesys.simview` for the mapping (and why the demo user is the org's
supervisor, not a simulated agent).
"""

from __future__ import annotations

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.genesys.plugin import LOGIN_PREFIX, GenesysPlugin
from cxkit.emulator.genesys.settings import GenesysOptions

__all__ = [
    "LOGIN_PREFIX",
    "GenesysOptions",
    "GenesysPlugin",
    "create_plugin",
]


def create_plugin(config: EmulatorConfig | None = None) -> GenesysPlugin:
    """The Genesys plugin for an emulator configured by ``config``."""
    return GenesysPlugin(config)
