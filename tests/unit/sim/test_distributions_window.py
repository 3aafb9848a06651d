"""Duration samplers and the sliding service-level window."""

from __future__ import annotations

import random
import statistics

import pytest

from cxkit.sim import Exponential, Fixed, LogNormal
from cxkit.sim.distributions import sampler
from cxkit.sim.window import SlidingWindow


@pytest.mark.parametrize(
    ("dist", "sd"),
    [
        (Exponential(mean=90.0), 90.0),
        (LogNormal(mean=240.0, sd=120.0), 120.0),
        (Fixed(value=30.0), 0.0),
        (LogNormal(mean=50.0, sd=0.0), 0.0),
    ],
)
def test_samplers_match_mean_and_spread(dist: Exponential | LogNormal | Fixed, sd: float) -> None:
    draw = sampler(dist, random.Random(1))
    values = [draw() for _ in range(20_000)]
    assert min(values) >= 0
    assert statistics.fmean(values) == pytest.approx(dist.expected, rel=0.03)
    assert statistics.pstdev(values) == pytest.approx(sd, rel=0.06, abs=1e-9)


def test_sampler_is_reproducible_per_seed() -> None:
    first = sampler(LogNormal(mean=10, sd=5), random.Random(7))
    second = sampler(LogNormal(mean=10, sd=5), random.Random(7))
    assert [first() for _ in range(5)] == [second() for _ in range(5)]


def test_sliding_window_forgets_old_slices() -> None:
    window = SlidingWindow(100.0, buckets=10)  # slices of 10 s
    window.add(0.0, True)
    window.add(5.0, False)
    window.add(55.0, True)
    assert window.counts(60.0) == (2, 3)
    assert window.counts(99.9) == (2, 3)
    assert window.counts(100.0) == (1, 1)  # the slice [0, 10) fell out
    assert window.counts(165.0) == (0, 0)
    window.add(400.0, False)  # a jump beyond the whole window clears everything
    assert window.counts(400.0) == (0, 1)
