"""The emulator a command runs in-process (``demo``, ``emulator serve``, ``tail --emulator``).

:class:`Activity` holds what the user chose on the command line: whether the contact center
is busy, how big it is, how fast it goes, its seed, a scenario file and fault rules.
:func:`emulator_config` turns it into an :class:`~cxkit.emulator.config.EmulatorConfig`.

A busy floor is a simulated center (:mod:`cxkit.sim`) that both vendor plugins are views of:
the scenario file (``--scenario``), else a center of ``--agents`` / ``--queues``
(``CenterSpec.generate``), else the demo center; ``--rate`` sets every queue's calls per hour,
``--speed`` the simulated seconds per second. A quiet emulator (no activity) serves the
plugins' small seeded tenants, where nothing moves until a client acts.
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
]


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
    if activity.busy or activity.scenario is not None:
        return EmulatorConfig(
            seed=activity.seed, simulation=_simulation(activity), speed=activity.speed
        )
    # A quiet tenant: the plugins' seeded demo data, nothing moves until a client acts.
    return EmulatorConfig(seed=activity.seed)


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
