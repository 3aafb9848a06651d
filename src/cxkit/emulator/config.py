"""How an emulator instance is set up: :class:`EmulatorConfig`.

One frozen object is handed to :func:`cxkit.emulator.app.create_app` and to every vendor
plugin's ``create_plugin(config)``. Vendor-specific switches (quirk modes, caps, intervals)
live in :attr:`EmulatorConfig.vendor_options` under the vendor's name, each plugin documenting
its own keys, so this module does not change whenever a plugin grows a switch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cxkit.emulator.tenant import DEMO, DemoTenant
from cxkit.errors import ConfigError

if TYPE_CHECKING:
    from cxkit.sim import SimConfig

__all__ = ["EmulatorConfig"]


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """Settings of one emulator instance.

    Attributes:
        tenant: the demo tenant's credentials (default :data:`cxkit.emulator.tenant.DEMO`).
        public_url: the base URL the emulator advertises (in ``/_emulator/info``, Five9 login
            metadata, Genesys ``connectUri``...) instead of the address it listens on; set it
            when clients reach the emulator through another name, a proxy or a container port.
        seed: seed for the plugins' id generators, so ids are the same on every run.
        start_time: epoch seconds the emulator clock starts at (None: the real time).
        frozen_clock: when True the emulator clock stands still and only moves through
            ``POST /_emulator/clock/advance``, so timestamps in answers are deterministic.
        vendor_options: per-vendor switches, ``{"five9": {...}, "genesys": {...}}``; each
            plugin documents and validates its own keys.
        simulation: a simulated contact center (:class:`cxkit.sim.SimConfig`) that drives
            every vendor plugin from one truth (see :mod:`cxkit.emulator.simhost`); None:
            each plugin runs its own small scripted tenant.
        speed: simulated seconds per clock second for ``simulation`` (0 pauses).
        sim_interval: seconds between the simulation's background ticks.
    """

    tenant: DemoTenant = DEMO
    public_url: str | None = None
    seed: int = 0
    start_time: float | None = None
    frozen_clock: bool = False
    vendor_options: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    simulation: SimConfig | None = None
    speed: float = 1.0
    sim_interval: float = 0.1

    def __post_init__(self) -> None:
        if not isinstance(self.tenant, DemoTenant):
            raise ConfigError.bad_value("emulator.tenant", self.tenant, "a DemoTenant")
        if self.public_url is not None:
            parts = urlsplit(self.public_url) if isinstance(self.public_url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError.bad_value(
                    "emulator.public_url", self.public_url, "an http:// or https:// base URL"
                )
            object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError.bad_value("emulator.seed", self.seed, "an integer")
        if self.start_time is not None and (
            isinstance(self.start_time, bool)
            or not isinstance(self.start_time, (int, float))
            or not math.isfinite(self.start_time)
            or self.start_time < 0
        ):
            raise ConfigError.bad_value(
                "emulator.start_time", self.start_time, "epoch seconds >= 0, or None"
            )
        if not isinstance(self.frozen_clock, bool):
            raise ConfigError.bad_value("emulator.frozen_clock", self.frozen_clock, "true or false")
        if not isinstance(self.vendor_options, Mapping):
            raise ConfigError.bad_value(
                "emulator.vendor_options", self.vendor_options, "a mapping of vendor -> mapping"
            )
        if self.simulation is not None:
            from cxkit.sim import SimConfig  # not at import time: the CLI's --help stays fast

            if not isinstance(self.simulation, SimConfig):
                raise ConfigError.bad_value(
                    "emulator.simulation", self.simulation, "a cxkit.sim.SimConfig or None"
                )
        for key in ("speed", "sim_interval"):
            value = getattr(self, key)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
                or (key == "sim_interval" and value == 0)
            ):
                allowed = "a number >= 0 (0 pauses)" if key == "speed" else "seconds > 0"
                raise ConfigError.bad_value(f"emulator.{key}", value, allowed)
        frozen: dict[str, Mapping[str, Any]] = {}
        for vendor, options in self.vendor_options.items():
            if not isinstance(vendor, str) or not isinstance(options, Mapping):
                raise ConfigError.bad_value(
                    f"emulator.vendor_options[{vendor!r}]", options, "a mapping of switches"
                )
            frozen[vendor] = MappingProxyType(dict(options))
        object.__setattr__(self, "vendor_options", MappingProxyType(frozen))

    def options_for(self, vendor: str) -> Mapping[str, Any]:
        """The switches given for ``vendor`` (empty when none were)."""
        return self.vendor_options.get(vendor, MappingProxyType({}))
