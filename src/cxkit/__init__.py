"""cxkit: an async-first toolkit for contact-center clouds (Five9 VCC, Genesys Cloud).

The curated public API, in one namespace: the vendor clients (:class:`Five9Client`,
:class:`GenesysClient`), the local emulator (:class:`EmulatorServer`), the event bridge
(:class:`Bridge`), the core they share (:class:`HTTPClient`, :class:`APIResponse`,
:class:`EventStream`), the vendor-neutral events, the roots of the error tree, the config
objects and settings, and the sync facade (:func:`syncify`). Everything else is imported from
its module (``cxkit.errors``, ``cxkit.five9``, ``cxkit.genesys.notifications``, ...).

``import cxkit`` is cheap: the public names are imported lazily on first use, so a script that
only needs the error tree or the event model does not pay for aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "CxkitError": "cxkit.errors",
    "APIStatusError": "cxkit.errors",
    "AuthError": "cxkit.errors",
    "ConfigError": "cxkit.errors",
    "StreamError": "cxkit.errors",
    "TransportError": "cxkit.errors",
    # config
    "LoggingConfig": "cxkit.config",
    "ProxyConfig": "cxkit.config",
    "ReconnectPolicy": "cxkit.config",
    "RetryPolicy": "cxkit.config",
    "Timeouts": "cxkit.config",
    # events
    "AgentState": "cxkit.events",
    "AgentStateChanged": "cxkit.events",
    "InteractionEnded": "cxkit.events",
    "InteractionStarted": "cxkit.events",
    "InteractionUpdated": "cxkit.events",
    "QueueStatisticsUpdated": "cxkit.events",
    "RawEvent": "cxkit.events",
    "StreamGap": "cxkit.events",
    "StreamState": "cxkit.events",
    "StreamStateChanged": "cxkit.events",
    "UnifiedEvent": "cxkit.events",
    # settings (config files, environment, live reload)
    "Settings": "cxkit.settings",
    "SettingsWatcher": "cxkit.settings",
    "load_settings": "cxkit.settings",
    "resolve_settings": "cxkit.settings",
    # core
    "APIResponse": "cxkit.core.http",
    "EventStream": "cxkit.core.stream",
    "HTTPClient": "cxkit.core.http",
    # vendor clients, the emulator and the bridge
    "Bridge": "cxkit.bridge",
    "EmulatorServer": "cxkit.emulator",
    "Five9Client": "cxkit.five9",
    "GenesysClient": "cxkit.genesys",
    # sync facade
    "syncify": "cxkit.sync",
}

__all__ = [
    "APIResponse",
    "APIStatusError",
    "AgentState",
    "AgentStateChanged",
    "AuthError",
    "Bridge",
    "ConfigError",
    "CxkitError",
    "EmulatorServer",
    "EventStream",
    "Five9Client",
    "GenesysClient",
    "HTTPClient",
    "InteractionEnded",
    "InteractionStarted",
    "InteractionUpdated",
    "LoggingConfig",
    "ProxyConfig",
    "QueueStatisticsUpdated",
    "RawEvent",
    "ReconnectPolicy",
    "RetryPolicy",
    "Settings",
    "SettingsWatcher",
    "StreamError",
    "StreamGap",
    "StreamState",
    "StreamStateChanged",
    "Timeouts",
    "TransportError",
    "UnifiedEvent",
    "__version__",
    "load_settings",
    "resolve_settings",
    "syncify",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from cxkit.bridge import Bridge
    from cxkit.config import LoggingConfig, ProxyConfig, ReconnectPolicy, RetryPolicy, Timeouts
    from cxkit.core.http import APIResponse, HTTPClient
    from cxkit.core.stream import EventStream
    from cxkit.emulator import EmulatorServer
    from cxkit.errors import (
        APIStatusError,
        AuthError,
        ConfigError,
        CxkitError,
        StreamError,
        TransportError,
    )
    from cxkit.events import (
        AgentState,
        AgentStateChanged,
        InteractionEnded,
        InteractionStarted,
        InteractionUpdated,
        QueueStatisticsUpdated,
        RawEvent,
        StreamGap,
        StreamState,
        StreamStateChanged,
        UnifiedEvent,
    )
    from cxkit.five9 import Five9Client
    from cxkit.genesys import GenesysClient
    from cxkit.settings import Settings, SettingsWatcher, load_settings, resolve_settings
    from cxkit.sync import syncify
