"""Scripted events ("faults") of a scenario: what happens at a given simulated second.

Each action is a frozen msgspec Struct tagged by ``action``; ``at`` is seconds since the
start of the run. Targets are named (queue and group names of the :class:`CenterSpec`); a
missing target means *every* queue / group.

- :class:`Spike`: multiply a queue's arrival rate by ``factor`` (0 silences it) for
  ``duration`` seconds (omitted: for the rest of the run). Overlapping spikes multiply.
- :class:`NotReady`: the group's agents go Not Ready with ``reason`` (agents on a call or in
  wrap-up go when they finish), for ``duration`` seconds or until a :class:`Ready`.
- :class:`Ready`: lifts a :class:`NotReady` hold.
- :class:`Logout`: the group's agents log out (after their current call), with ``reason``
  (omitted: the group's ``logout_reason``); scheduled shift changes are cancelled.
- :class:`Login`: the group's agents log in now, and follow their group's shift from here.
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from cxkit.errors import ConfigError
from cxkit.sim.distributions import check_positive

__all__ = ["Login", "Logout", "NotReady", "Ready", "ScriptAction", "Spike"]


def _check_name(key: str, value: str | None) -> None:
    if value is not None and not value.strip():
        raise ConfigError.bad_value(key, value, "a non-empty name")


class Spike(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="action",
    tag="spike",
):
    """Multiply ``queue``'s arrival rate (every queue's when omitted) by ``factor``."""

    at: float
    factor: float
    duration: float | None = None
    queue: str | None = None

    def __post_init__(self) -> None:
        check_positive("at", self.at)
        check_positive("factor", self.factor)
        if self.duration is not None:
            check_positive("duration", self.duration, allow_zero=False)
        _check_name("queue", self.queue)


class NotReady(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="action",
    tag="not_ready",
):
    """Put ``group``'s agents (every agent when omitted) Not Ready with ``reason``."""

    at: float
    reason: str
    duration: float | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        check_positive("at", self.at)
        _check_name("reason", self.reason)
        if self.duration is not None:
            check_positive("duration", self.duration, allow_zero=False)
        _check_name("group", self.group)


class Ready(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="action",
    tag="ready",
):
    """Lift a :class:`NotReady` hold from ``group`` (every agent when omitted)."""

    at: float
    group: str | None = None

    def __post_init__(self) -> None:
        check_positive("at", self.at)
        _check_name("group", self.group)


class Logout(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="action",
    tag="logout",
):
    """Log ``group``'s agents out (after their current call)."""

    at: float
    group: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        check_positive("at", self.at)
        _check_name("group", self.group)
        _check_name("reason", self.reason)


class Login(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="action",
    tag="login",
):
    """Log ``group``'s agents in now."""

    at: float
    group: str | None = None

    def __post_init__(self) -> None:
        check_positive("at", self.at)
        _check_name("group", self.group)


ScriptAction: TypeAlias = Spike | NotReady | Ready | Logout | Login
"""Any scripted action (tagged by ``action``)."""
