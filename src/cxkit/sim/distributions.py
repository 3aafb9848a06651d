"""Random durations: talk, wrap-up, patience, breaks and shifts.

Three shapes, each a small frozen msgspec Struct tagged by ``kind`` so a scenario file can
write them inline (``talk = { kind = "lognormal", mean = 240, sd = 120 }``):

- :class:`Exponential` (``mean``): memoryless; the classic model of patience and of breaks.
- :class:`LogNormal` (``mean``, ``sd``): right-skewed with a positive floor, the usual fit for
  talk and after-call-work times. Parameterised by the mean and standard deviation of the
  *duration* (what a contact-center analyst knows), not of its logarithm.
- :class:`Fixed` (``value``): always the same duration; exact hand-built tests.

:func:`sampler` compiles a distribution and a :class:`random.Random` into a zero-argument
callable, so the engine's hot path pays no dispatch and no parameter maths per draw.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TypeAlias

import msgspec

from cxkit.errors import ConfigError

__all__ = ["Distribution", "Exponential", "Fixed", "LogNormal", "check_positive", "sampler"]


def check_positive(key: str, value: object, *, allow_zero: bool = True) -> None:
    """Raise :class:`ConfigError` naming ``key`` unless ``value`` is a finite number >= 0
    (or > 0 when ``allow_zero`` is false)."""
    bad = (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
    )
    if bad:
        allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ConfigError.bad_value(key, value, allowed)


class Exponential(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind", tag="exponential"
):
    """Exponentially distributed seconds with the given ``mean`` (> 0)."""

    mean: float

    def __post_init__(self) -> None:
        check_positive("mean", self.mean, allow_zero=False)

    @property
    def expected(self) -> float:
        """The mean in seconds."""
        return float(self.mean)


class LogNormal(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind", tag="lognormal"
):
    """Log-normally distributed seconds with the given ``mean`` (> 0) and ``sd`` (>= 0)."""

    mean: float
    sd: float

    def __post_init__(self) -> None:
        check_positive("mean", self.mean, allow_zero=False)
        check_positive("sd", self.sd)

    @property
    def expected(self) -> float:
        """The mean in seconds."""
        return float(self.mean)

    def log_params(self) -> tuple[float, float]:
        """``(mu, sigma)`` of the underlying normal, matched to this mean and sd."""
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2.0, math.sqrt(sigma2)


class Fixed(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind", tag="fixed"):
    """Always ``value`` seconds (>= 0)."""

    value: float

    def __post_init__(self) -> None:
        check_positive("value", self.value)

    @property
    def expected(self) -> float:
        """The value in seconds."""
        return float(self.value)


Distribution: TypeAlias = Exponential | LogNormal | Fixed
"""Any duration distribution (tagged by ``kind``: exponential, lognormal, fixed)."""


def sampler(dist: Distribution, rng: random.Random) -> Callable[[], float]:
    """A zero-argument callable drawing seconds from ``dist`` with ``rng``."""
    if isinstance(dist, Fixed):
        value = float(dist.value)
        return lambda: value
    if isinstance(dist, Exponential):
        rate = 1.0 / dist.mean
        expovariate = rng.expovariate
        return lambda: expovariate(rate)
    mu, sigma = dist.log_params()
    if sigma == 0.0:
        value = float(dist.mean)
        return lambda: value
    lognormvariate = rng.lognormvariate
    return lambda: lognormvariate(mu, sigma)
