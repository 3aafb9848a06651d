"""Scenario files: a whole run (center, seed, script) in TOML or JSON.

The format is :class:`~cxkit.sim.spec.CenterSpec`'s fields at the top level, plus the run
settings of :class:`~cxkit.sim.spec.SimConfig` (``seed``, ``service_level_window``,
``epoch``). Durations are seconds; distributions are tables with a ``kind``
(``exponential`` + ``mean``, ``lognormal`` + ``mean`` and ``sd``, ``fixed`` + ``value``).
Unknown keys are errors, so a typo never passes silently. In TOML:

.. code-block:: toml

    name = "Acme"
    seed = 7
    service_level_window = 900          # seconds (default 900)

    [[reason_codes]]                    # optional; default Break, Lunch, Meeting,
    name = "Break"                      # Training and the logout reason End of Shift
    [[reason_codes]]
    name = "Meeting"
    presence = "MEETING"                # Genesys presence (default derived from the name)
    [[reason_codes]]
    name = "End of Shift"
    logout = true

    [[queues]]
    name = "Sales"
    calls_per_hour = 120
    talk = { kind = "lognormal", mean = 240, sd = 120 }   # default lognormal 240 / 120
    wrap = { kind = "fixed", value = 30 }                 # default lognormal 30 / 15
    patience = { kind = "exponential", mean = 90 }        # omit for the default (180 s)
    service_level_threshold = 20                          # default 20 s
    service_level_target = 0.8                            # default 0.8

    [[groups]]
    name = "Sales Team"
    count = 12
    skills = ["Sales"]
    login_at = 0                        # default 0; plus up to login_spread (default 0)
    shift_length = { kind = "fixed", value = 28800 }      # omit: stays logged in
    off_length = { kind = "exponential", mean = 900 }     # omit: stays logged out
    breaks_per_hour = 0.5               # default 0.5
    break_length = { kind = "lognormal", mean = 600, sd = 300 }
    break_reasons = ["Break"]           # default ["Break"]
    logout_reason = "End of Shift"      # default

    [[script]]                          # at t=300 s Sales gets 3x its calls for 10 min
    action = "spike"
    at = 300
    queue = "Sales"                     # omit: every queue
    factor = 3
    duration = 600                      # omit: for the rest of the run

    [[script]]
    action = "not_ready"                # also: "ready", "logout", "login"
    at = 900
    group = "Sales Team"                # omit: every agent
    reason = "Meeting"
    duration = 300

The JSON form is the same document as a JSON object. :func:`load_scenario` picks the format
from the file suffix (``.toml`` or ``.json``). Every error is a
:class:`cxkit.errors.ConfigError` whose ``key`` names the place (``queues[1].talk.mean``,
``groups[0].skills``, ``script[2].queue``), with the file name in the message.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

from cxkit.errors import ConfigError
from cxkit.sim.spec import SimConfig

__all__ = ["load_scenario", "parse_scenario"]

_RUN_KEYS = frozenset({"seed", "service_level_window", "epoch"})
_AT = re.compile(r"^(?P<body>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_BAD_VALUE = re.compile(r"^bad value for (?P<key>[\w.\[\]]+): ")
_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<field>[^`]+)`")


def _key_of(message: str) -> tuple[str, str]:
    """``(key, message)`` from a msgspec validation message, the key as a dotted path
    relative to the scenario document."""
    match = _AT.match(message)
    body, path = (match["body"], match["path"]) if match else (message, "")
    path = path.lstrip(".")
    if path == "center":
        path = ""
    elif path.startswith("center."):
        path = path[len("center.") :]
    inner = _BAD_VALUE.match(body) or _FIELD.match(body)
    if inner is not None:
        leaf = inner.group(1)
        path = f"{path}.{leaf}" if path else leaf
        if body.startswith("bad value for "):
            body = f"bad value for {path}: {body[inner.end() :]}"
    return path or "scenario", body


def parse_scenario(
    data: str | bytes | dict[str, Any],
    *,
    fmt: Literal["toml", "json"] = "toml",
    source: str = "<scenario>",
) -> SimConfig:
    """Parse a scenario document (TOML or JSON text, or an already-decoded mapping)."""
    if isinstance(data, dict):
        document: Any = data
    else:
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        try:
            document = tomllib.loads(text) if fmt == "toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"{source}: not valid {fmt.upper()}: {exc}", key="scenario", allowed=fmt
            ) from None
    if not isinstance(document, dict):
        raise ConfigError(
            f"{source}: a scenario must be a table/object, got {type(document).__name__}",
            key="scenario",
            value=type(document).__name__,
            allowed="a table of center and run settings",
        )
    run = {k: v for k, v in document.items() if k in _RUN_KEYS}
    center = {k: v for k, v in document.items() if k not in _RUN_KEYS}
    try:
        return msgspec.convert({**run, "center": center}, SimConfig)
    except msgspec.ValidationError as exc:
        key, message = _key_of(str(exc))
        raise ConfigError(f"{source}: {message} (at {key})", key=key) from None


def load_scenario(path: str | Path) -> SimConfig:
    """Load a scenario file (``.toml`` or ``.json``; see the module docs for the format)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ConfigError.bad_value("scenario", str(path), "a .toml or .json file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read scenario file {str(path)!r}: {exc.strerror or exc}",
            key="scenario",
            value=str(path),
        ) from None
    return parse_scenario(data, fmt="toml" if suffix == ".toml" else "json", source=str(path))
