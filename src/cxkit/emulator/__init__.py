"""A local, wire-faithful emulator of Five9 VCC and Genesys Cloud (think moto for CCaaS).

Run it in-process (``async with EmulatorServer() as emu``) or as ``cxkit emulator serve``.
The emulator never imports the client side of cxkit.

``import cxkit.emulator`` is cheap: the names below are imported on first use, so vendor
plugins can import :mod:`cxkit.emulator.context` and :mod:`cxkit.emulator.config` without
pulling in the app (and without an import cycle).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "DEMO",
    "CoreContext",
    "DemoTenant",
    "EmulatorConfig",
    "EmulatorContext",
    "EmulatorServer",
    "VendorPlugin",
    "create_app",
]

_EXPORTS: dict[str, str] = {
    "DEMO": "cxkit.emulator.tenant",
    "DemoTenant": "cxkit.emulator.tenant",
    "EmulatorConfig": "cxkit.emulator.config",
    "CoreContext": "cxkit.emulator.context",
    "EmulatorContext": "cxkit.emulator.context",
    "VendorPlugin": "cxkit.emulator.context",
    "EmulatorServer": "cxkit.emulator.server",
    "create_app": "cxkit.emulator.app",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxkit.emulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from cxkit.emulator.app import create_app
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.context import CoreContext, EmulatorContext, VendorPlugin
    from cxkit.emulator.server import EmulatorServer
    from cxkit.emulator.tenant import DEMO, DemoTenant
