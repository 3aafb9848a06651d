"""The wire-faithful Five9 VCC emulator plugin (reference ``five9.md`` §5).

Serves the Agent (``/appsvcs/rs/svc``), Supervisor (``/supsvcs/rs/svc``) and recording
(``/strsvcs/rs/svc``) REST roots, the agent (``/appsvcs/ws/{key}``) and supervisor
(``/supsvcs/sws/{key}``) sockets, the cloud token exchange and ACL API the login's
``cloudClientUrl`` points at, and admin commands under ``/_emulator/five9/{command}``
(see :mod:`cxkit.emulator.five9.admin`: ``state``, ``migrate``, ``send_event``,
``send_raw``, ``script``, ``close``, ``kick``, ``revoke``, ``propagation_lag``,
``scenario``, ``quirks``, ``notices``, ``login_elsewhere``, ``stats_filter``, ``skill``,
``offer_call``, ``set_presence``, ``call_action``, ``flush``). The emulator core loads it
through :func:`create_plugin`.

With a simulated center (``EmulatorConfig.simulation``) the domain is a view of it: see
:mod:`cxkit.emulator.five9.simview` for the mapping (and how the demo agent's credentials map
to the first simulated agent).
"""

from cxkit.emulator.five9.options import DataCenterSpec, Five9Options, NoticeSpec
from cxkit.emulator.five9.plugin import Five9Plugin, create_plugin

__all__ = [
    "DataCenterSpec",
    "Five9Options",
    "Five9Plugin",
    "NoticeSpec",
    "create_plugin",
]
