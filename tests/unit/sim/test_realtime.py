"""The realtime driver with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from cxkit.errors import ConfigError
from cxkit.sim import RealtimeDriver, Simulation, run_realtime

from .helpers import build, group, queue


class FakeClock:
    """A clock that moves only when the driver sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def small_sim() -> Simulation:
    sim, _ = build((queue("Q", calls_per_hour=600.0),), (group("A", "Q", count=2),))
    return sim


async def test_driver_advances_speed_times_the_clock_until_the_end() -> None:
    sim, clock = small_sim(), FakeClock()
    seen: list[float] = []
    await asyncio.wait_for(
        run_realtime(
            sim,
            speed=10.0,
            clock=clock,
            sleep=clock.sleep,
            interval=0.5,
            until=60.0,
            on_tick=seen.append,
        ),
        timeout=5,
    )
    assert sim.now == 60.0
    assert clock.slept == [0.5] * 12
    assert seen == [5.0 * k for k in range(1, 13)]
    assert sim.center_snapshot().offered > 0


async def test_speed_change_reanchors_without_a_jump_and_zero_pauses() -> None:
    sim, clock = small_sim(), FakeClock()
    driver = RealtimeDriver(sim, speed=2.0, clock=clock, sleep=clock.sleep, interval=1.0)
    clock.now += 10
    driver.tick()
    assert sim.now == 20.0
    driver.speed = 0.0
    clock.now += 10
    driver.tick()
    assert sim.now == 20.0
    driver.speed = 5.0
    clock.now += 1
    driver.tick()
    assert sim.now == 25.0
    with pytest.raises(ConfigError):
        driver.speed = -1.0


async def test_driver_follows_a_simulation_advanced_by_someone_else() -> None:
    sim, clock = small_sim(), FakeClock()
    driver = RealtimeDriver(sim, speed=1.0, clock=clock, sleep=clock.sleep)
    clock.now += 1
    driver.tick()
    sim.advance_to(500.0)  # e.g. an admin "advance the clock" call
    clock.now += 1
    driver.tick()
    assert sim.now == 500.0
    clock.now += 2
    driver.tick()
    assert sim.now == 502.0


async def test_stop_ends_run_promptly_and_async_tick_hooks_are_awaited() -> None:
    sim = small_sim()
    ticks: list[float] = []
    driver: RealtimeDriver

    async def on_tick(now: float) -> None:
        ticks.append(now)
        if len(ticks) == 3:
            driver.stop()

    driver = RealtimeDriver(sim, speed=100.0, interval=0.01, on_tick=on_tick)
    await asyncio.wait_for(driver.run(), timeout=5)
    assert len(ticks) == 3
    assert driver.done
    assert 0 < sim.now < 100.0


def test_bad_interval_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        RealtimeDriver(small_sim(), interval=0)
    assert caught.value.key == "interval"
