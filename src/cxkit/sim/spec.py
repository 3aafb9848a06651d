"""The frozen description of a simulated center and of one run.

:class:`CenterSpec` says *what* the center is: queues (Five9 skills / Genesys queues) with
arrival rates and service-time distributions, agent groups with skills and shift / break
behaviour, reason codes, and a script of timed events. :class:`SimConfig` adds how one run
goes: the seed, the service-level window and the wall time of t=0.

Everything validates itself on construction and raises :class:`cxkit.errors.ConfigError`
naming the key (``queues[2].calls_per_hour``, ``groups[0].skills`` ...). Ready-made centers:
:meth:`CenterSpec.demo` (six queues, ~40 agents) and :meth:`CenterSpec.generate` (any size,
up to 10,000 agents and 1,000 queues and beyond).
"""

from __future__ import annotations

from typing import Final

import msgspec

from cxkit.errors import ConfigError
from cxkit.sim.distributions import Distribution, Exponential, LogNormal, check_positive
from cxkit.sim.script import Logout, NotReady, ScriptAction, Spike

__all__ = [
    "DEFAULT_REASON_CODES",
    "GENESYS_PRESENCES",
    "MAX_AGENTS",
    "MAX_QUEUES",
    "AgentGroupSpec",
    "CenterSpec",
    "QueueSpec",
    "ReasonCodeSpec",
    "SimConfig",
]

MAX_AGENTS: Final = 100_000
"""Refuse centers larger than this (a typo guard; 10,000 agents is the tested size)."""
MAX_QUEUES: Final = 10_000
"""Refuse more queues than this."""

GENESYS_PRESENCES: Final = ("AWAY", "BREAK", "BUSY", "MEAL", "MEETING", "TRAINING", "OFFLINE")
"""Genesys system presences a reason code may map to (what the agent shows there)."""

_PRESENCE_HINTS: Final = (
    ("lunch", "MEAL"),
    ("meal", "MEAL"),
    ("meeting", "MEETING"),
    ("training", "TRAINING"),
    ("coaching", "TRAINING"),
    ("break", "BREAK"),
)


def _check_name(key: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError.bad_value(key, value, "a non-empty name")


def _check_count(key: str, value: object, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ConfigError.bad_value(key, value, f"an integer from 0 to {maximum}")


class ReasonCodeSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A not-ready reason (Five9 reason code, Genesys presence) or, with ``logout``, a
    logout reason. ``presence`` is the Genesys system presence shown while in it; empty
    means derived from the name (Lunch → MEAL, Meeting → MEETING, Training → TRAINING,
    Break → BREAK, logout reasons → OFFLINE, anything else → AWAY)."""

    name: str
    logout: bool = False
    presence: str = ""

    def __post_init__(self) -> None:
        _check_name("name", self.name)
        if self.presence and self.presence not in GENESYS_PRESENCES:
            raise ConfigError.bad_value(
                "presence", self.presence, "one of " + ", ".join(GENESYS_PRESENCES)
            )

    @property
    def genesys_presence(self) -> str:
        """The Genesys system presence for this reason (explicit or derived)."""
        if self.presence:
            return self.presence
        if self.logout:
            return "OFFLINE"
        lowered = self.name.lower()
        for hint, presence in _PRESENCE_HINTS:
            if hint in lowered:
                return presence
        return "AWAY"


DEFAULT_REASON_CODES: Final = (
    ReasonCodeSpec(name="Break"),
    ReasonCodeSpec(name="Lunch"),
    ReasonCodeSpec(name="Meeting"),
    ReasonCodeSpec(name="Training"),
    ReasonCodeSpec(name="End of Shift", logout=True),
)
"""The reason codes a center has when its spec names none."""


class QueueSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One queue: Poisson arrivals at ``calls_per_hour``; ``talk`` and ``wrap`` seconds per
    handled call; callers hang up after ``patience`` seconds of waiting (None: never); the
    service level counts answers within ``service_level_threshold`` seconds."""

    name: str
    calls_per_hour: float
    talk: Distribution = LogNormal(mean=240.0, sd=120.0)
    wrap: Distribution = LogNormal(mean=30.0, sd=15.0)
    patience: Distribution | None = Exponential(mean=180.0)
    service_level_threshold: float = 20.0
    service_level_target: float = 0.8

    def __post_init__(self) -> None:
        _check_name("name", self.name)
        check_positive("calls_per_hour", self.calls_per_hour)
        check_positive("service_level_threshold", self.service_level_threshold)
        check_positive("service_level_target", self.service_level_target)
        if self.service_level_target > 1:
            raise ConfigError.bad_value(
                "service_level_target", self.service_level_target, "a fraction from 0 to 1"
            )

    @property
    def handle_time(self) -> float:
        """Expected seconds an agent spends per handled call (talk + wrap)."""
        return self.talk.expected + self.wrap.expected


class AgentGroupSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """``count`` agents with the same ``skills`` (queue names) and behaviour.

    Shifts: each agent logs in at ``login_at`` plus a uniform offset up to ``login_spread``;
    with ``shift_length`` it logs out (after its current call) that long after, with
    ``logout_reason``; with ``off_length`` it logs in again that long after logging out (each
    at least one second, so a zero-length shift cannot stall the clock).
    Breaks: while logged in, an agent wants a break at ``breaks_per_hour`` (Poisson), takes
    it when free, Not Ready with one of ``break_reasons`` (uniform), for ``break_length``.
    """

    name: str
    count: int
    skills: tuple[str, ...]
    login_at: float = 0.0
    login_spread: float = 0.0
    shift_length: Distribution | None = None
    off_length: Distribution | None = None
    breaks_per_hour: float = 0.5
    break_length: Distribution = LogNormal(mean=600.0, sd=300.0)
    break_reasons: tuple[str, ...] = ("Break",)
    logout_reason: str = "End of Shift"

    def __post_init__(self) -> None:
        _check_name("name", self.name)
        _check_count("count", self.count, MAX_AGENTS)
        if not self.skills:
            raise ConfigError.bad_value("skills", list(self.skills), "at least one queue name")
        if len(set(self.skills)) != len(self.skills):
            raise ConfigError.bad_value("skills", list(self.skills), "distinct queue names")
        check_positive("login_at", self.login_at)
        check_positive("login_spread", self.login_spread)
        check_positive("breaks_per_hour", self.breaks_per_hour)
        if self.breaks_per_hour > 0 and not self.break_reasons:
            raise ConfigError.bad_value(
                "break_reasons", [], "at least one reason name when breaks_per_hour > 0"
            )
        _check_name("logout_reason", self.logout_reason)


def _index_names(names: list[str], key: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in index:
            raise ConfigError.bad_value(f"{key}[{i}].name", name, "a name not used before")
        index[name] = i
    return index


class CenterSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The whole center: queues, agent groups, reason codes and the script."""

    queues: tuple[QueueSpec, ...]
    groups: tuple[AgentGroupSpec, ...]
    reason_codes: tuple[ReasonCodeSpec, ...] = DEFAULT_REASON_CODES
    script: tuple[ScriptAction, ...] = ()
    name: str = "cxkit simulated center"

    def __post_init__(self) -> None:
        _check_name("name", self.name)
        if not self.queues:
            raise ConfigError.bad_value("queues", [], "at least one queue")
        if len(self.queues) > MAX_QUEUES:
            raise ConfigError.bad_value("queues", len(self.queues), f"at most {MAX_QUEUES}")
        if self.agent_count > MAX_AGENTS:
            raise ConfigError.bad_value(
                "groups", self.agent_count, f"at most {MAX_AGENTS} agents in all"
            )
        queue_names = _index_names([q.name for q in self.queues], "queues")
        group_names = _index_names([g.name for g in self.groups], "groups")
        reasons = {r.name: r for r in self.reason_codes}
        _index_names([r.name for r in self.reason_codes], "reason_codes")

        def check_reason(key: str, name: str, *, logout: bool) -> None:
            kind = "logout" if logout else "not-ready"
            code = reasons.get(name)
            if code is None or code.logout != logout:
                known = sorted(r.name for r in self.reason_codes if r.logout == logout)
                raise ConfigError.bad_value(key, name, f"a {kind} reason code: {known}")

        for i, group in enumerate(self.groups):
            for skill in group.skills:
                if skill not in queue_names:
                    raise ConfigError.bad_value(
                        f"groups[{i}].skills", skill, "names of queues in this center"
                    )
            if group.breaks_per_hour > 0:
                for reason in group.break_reasons:
                    check_reason(f"groups[{i}].break_reasons", reason, logout=False)
            check_reason(f"groups[{i}].logout_reason", group.logout_reason, logout=True)

        for i, action in enumerate(self.script):
            queue = action.queue if isinstance(action, Spike) else None
            if queue is not None and queue not in queue_names:
                raise ConfigError.bad_value(
                    f"script[{i}].queue", queue, "a queue name of this center"
                )
            target = None if isinstance(action, Spike) else action.group
            if target is not None and target not in group_names:
                raise ConfigError.bad_value(
                    f"script[{i}].group", target, "a group name of this center"
                )
            if isinstance(action, NotReady):
                check_reason(f"script[{i}].reason", action.reason, logout=False)
            if isinstance(action, Logout) and action.reason is not None:
                check_reason(f"script[{i}].reason", action.reason, logout=True)

    @property
    def agent_count(self) -> int:
        """Agents in all groups."""
        return sum(g.count for g in self.groups)

    @classmethod
    def demo(cls) -> CenterSpec:
        """A small, lively center for the demo: six queues, 40 agents, breaks, a late shift
        and rotating shifts, so a wallboard shows every agent state within minutes."""
        from cxkit.sim.centers import demo_center

        return demo_center()

    @classmethod
    def generate(
        cls, *, agents: int = 10_000, queues: int = 1_000, seed: int = 0, occupancy: float = 0.8
    ) -> CenterSpec:
        """A synthetic center of any size, loaded so that agents are busy about
        ``occupancy`` of their available time. Deterministic for a given ``seed``."""
        from cxkit.sim.centers import generate_center

        return generate_center(agents=agents, queues=queues, seed=seed, occupancy=occupancy)


class SimConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One run: the ``center``, the ``seed`` of every random stream, the sliding window of
    the service level in seconds, and ``epoch``, the wall-clock time (epoch seconds) of t=0
    used to stamp vendor-facing times."""

    center: CenterSpec
    seed: int = 0
    service_level_window: float = 900.0
    epoch: float = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed, so logs are reproducible

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError.bad_value("seed", self.seed, "an integer")
        check_positive("service_level_window", self.service_level_window, allow_zero=False)
        check_positive("epoch", self.epoch)
