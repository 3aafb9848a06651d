"""The emulator a command runs in-process (``demo``, ``emulator serve``, ``tail --emulator``).

:class:`Activity` holds what the user chose on the command line: whether the contact center
is busy, how big it is, how fast it goes, its seed, a scenario file and fault rules.
:func:`emulator_config` turns it into an :class:`~cxkit.emulator.config.EmulatorConfig`.

Two ways to make the floor busy, picked automatically:

* **A simulated center** (:mod:`cxkit.sim`): the scenario file (``--scenario``), else a
  center of ``--agents`` / ``--queues`` (``CenterSpec.generate``), else the demo center;
  ``--rate`` sets every queue's calls per hour, ``--speed`` the simulated seconds per second.
  Used when the emulator accepts one (an ``EmulatorConfig.simulation`` field).
* **The vendor plugins' scripted activity** otherwise: each plugin's deterministic script
  runs on a timer (``scenario`` / ``scenario_interval`` options), ``--speed`` and ``--rate``
  shorten the interval, ``--agents`` / ``--queues`` size the Genesys org. A scenario file is
  still loaded and checked, so a mistake in it is reported either way.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.server import EmulatorServer

__all__ = [
    "Activity",
    "emulator_config",
    "install_faults",
    "load_faults",
    "start_emulator",
    "supports_simulation",
]

# The scripted activity's pace at speed 1: one step every this many seconds. Brisker than the
# plugins' own defaults (5 s and 2 s), so a demo shows movement within seconds.
FIVE9_STEP_SECONDS = 2.0
GENESYS_STEP_SECONDS = 1.0
# Calls per step of each plugin's script, per queue (Five9: 3 offers in a 12-step cycle over
# 3 skills; Genesys: one call per ~5 steps, round-robin over the queues): turns --rate
# (calls per hour per queue) into a step interval.
_FIVE9_CALLS_PER_STEP_PER_QUEUE = 3 / 12 / 3
_GENESYS_STEPS_PER_CALL = 5.0


@dataclass(frozen=True, slots=True)
class Activity:
    """What the emulator's contact center does (see the module docstring)."""

    busy: bool = True
    speed: float = 1.0
    seed: int = 0
    agents: int | None = None
    queues: int | None = None
    rate: float | None = None  # calls per hour per queue
    scenario: Path | None = None
    faults: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)


def supports_simulation() -> bool:
    """True when every default vendor plugin is a view of the :mod:`cxkit.sim` center
    (each declares ``SUPPORTS_SIMULATION = True`` in its package)."""
    import importlib

    from cxkit.emulator.app import DEFAULT_VENDORS

    return all(
        getattr(importlib.import_module(f"cxkit.emulator.{vendor}"), "SUPPORTS_SIMULATION", False)
        for vendor in DEFAULT_VENDORS
    )


def _simulation(activity: Activity) -> Any:
    """The :class:`cxkit.sim.SimConfig` the options describe (None when not busy)."""
    import msgspec

    from cxkit.sim import CenterSpec, SimConfig, load_scenario

    if activity.scenario is not None:
        sim = load_scenario(activity.scenario)
    else:
        if activity.agents is not None or activity.queues is not None:
            center = CenterSpec.generate(
                agents=activity.agents if activity.agents is not None else 40,
                queues=activity.queues if activity.queues is not None else 6,
                seed=activity.seed,
            )
        else:
            center = CenterSpec.demo()
        sim = SimConfig(center=center, seed=activity.seed)
    if activity.rate is not None:
        queues = tuple(
            msgspec.structs.replace(q, calls_per_hour=activity.rate) for q in sim.center.queues
        )
        sim = msgspec.structs.replace(
            sim, center=msgspec.structs.replace(sim.center, queues=queues)
        )
    return sim


def emulator_config(activity: Activity) -> EmulatorConfig:
    """The emulator configuration for ``activity``.

    Raises:
        ConfigError: a bad value (a scenario file that does not parse, a bad size...).
    """
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.errors import ConfigError

    if activity.speed <= 0:
        raise ConfigError.bad_value("speed", activity.speed, "a number > 0")
    if activity.rate is not None and activity.rate <= 0:
        raise ConfigError.bad_value("rate", activity.rate, "calls per hour per queue, > 0")
    if supports_simulation() and (activity.busy or activity.scenario is not None):
        return EmulatorConfig(
            seed=activity.seed,
            **{"simulation": _simulation(activity), "speed": activity.speed},
        )
    if activity.scenario is not None:
        _simulation(activity)  # checked all the same: a mistake in the file is reported
    five9: dict[str, Any] = {"seed": 5309 + activity.seed}
    genesys: dict[str, Any] = {}
    if activity.agents is not None:
        genesys["users"] = max(2, activity.agents + 1)  # the demo user is one of them
    if activity.queues is not None:
        genesys["queues"] = activity.queues
    if activity.busy:
        five9_step = FIVE9_STEP_SECONDS
        genesys_step = GENESYS_STEP_SECONDS
        if activity.rate is not None:
            five9_step = 3600.0 * _FIVE9_CALLS_PER_STEP_PER_QUEUE / activity.rate
            queues = genesys.get("queues", 3)
            genesys_step = 3600.0 / (activity.rate * queues * _GENESYS_STEPS_PER_CALL)
        five9 |= {"scenario": True, "scenario_interval": max(0.01, five9_step / activity.speed)}
        genesys |= {
            "scenario": True,
            "scenario_interval": max(0.01, genesys_step / activity.speed),
        }
    return EmulatorConfig(seed=activity.seed, vendor_options={"five9": five9, "genesys": genesys})


def load_faults(specs: Sequence[str]) -> tuple[dict[str, Any], ...]:
    """Fault rules from ``--fault`` values: a JSON object (the body of
    ``POST /_emulator/faults``), or ``@file`` holding one object or a list of them.

    Raises:
        ConfigError: unreadable file, not JSON, not objects.
    """
    from cxkit.errors import ConfigError

    rules: list[dict[str, Any]] = []
    for spec in specs:
        text, source = spec, "--fault"
        if spec.startswith("@"):
            path = Path(spec[1:])
            try:
                text, source = path.read_text(encoding="utf-8"), str(path)
            except OSError as exc:
                raise ConfigError(
                    f"--fault: cannot read {path}: {exc.strerror or exc}", key="fault"
                ) from None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"--fault ({source}) is not JSON: {exc}", key="fault") from None
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict):
                raise ConfigError.bad_value(
                    "fault", item, 'a JSON object like {"match": "users", "status": 503}'
                )
            rules.append(item)
    return tuple(rules)


def install_faults(server: EmulatorServer, rules: Sequence[Mapping[str, Any]]) -> None:
    """Add fault rules to a running emulator (as ``POST /_emulator/faults`` would)."""
    for rule in rules:
        server.ctx.faults.add_json(rule)


async def start_emulator(
    config: EmulatorConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_remote: bool = False,
    fallback_to_free_port: bool = False,
) -> tuple[EmulatorServer, str | None]:
    """Start an emulator; returns it and a note for the user (a port fallback), or None.

    Raises:
        OSError: the port is taken (and no fallback), or the address cannot be bound.
        UsageError: a non-loopback host without ``allow_remote``.
    """
    from cxkit.emulator.server import EmulatorServer

    server = EmulatorServer(config, host=host, port=port, allow_remote=allow_remote)
    try:
        await server.start()
    except OSError as exc:
        if not (fallback_to_free_port and port != 0 and exc.errno == errno.EADDRINUSE):
            raise
        server = EmulatorServer(config, host=host, port=0, allow_remote=allow_remote)
        await server.start()
        return server, f"port {port} was busy, so the emulator took port {server.port}"
    return server, None
