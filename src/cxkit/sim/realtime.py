"""Run a simulation against a clock: the thin async driver for demos and emulators.

The engine itself never sleeps and never reads a clock. :class:`RealtimeDriver` reads one
(injectable: ``time.monotonic`` by default, the emulator's clock in the emulator, a fake in
tests) every ``interval`` seconds and advances the simulation to
``anchor_sim + (clock() - anchor_clock) * speed``. Changing :attr:`RealtimeDriver.speed`
re-anchors, so the simulated clock never jumps; ``speed = 0`` pauses. If someone else
advances the simulation (an admin "advance the clock" call), the driver re-anchors on the
new time instead of trying to go back.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable

from cxkit.errors import ConfigError
from cxkit.sim.engine import Simulation

__all__ = ["RealtimeDriver", "run_realtime"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]
TickHook = Callable[[float], Awaitable[None] | None]


def _check_speed(speed: float) -> float:
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not speed >= 0:
        raise ConfigError.bad_value("speed", speed, "a number >= 0 (0 pauses)")
    return float(speed)


class RealtimeDriver:
    """Advances ``sim`` with a clock, ``speed`` simulated seconds per clock second.

    Args:
        sim: the simulation to drive.
        speed: simulated seconds per clock second (0 pauses).
        interval: clock seconds between ticks.
        clock: returns the current time in seconds (monotonic).
        sleep: awaits a number of seconds; default waits on the stop signal so that
            :meth:`stop` takes effect at once.
        on_tick: called (or awaited) with the simulated time after every tick, e.g. to
            flush the statistics the observers collected.
        until: stop once the simulation reaches this simulated time.
    """

    def __init__(
        self,
        sim: Simulation,
        *,
        speed: float = 1.0,
        interval: float = 0.1,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
        on_tick: TickHook | None = None,
        until: float | None = None,
    ) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
            raise ConfigError.bad_value("interval", interval, "a number of seconds > 0")
        self.sim = sim
        self.interval = float(interval)
        self.until = until
        self._clock = clock
        self._sleep = sleep
        self._on_tick = on_tick
        self._speed = _check_speed(speed)
        self._anchor_clock = clock()
        self._anchor_sim = sim.now
        self._stop = asyncio.Event()
        self.ticks = 0
        """Ticks done so far."""

    @property
    def speed(self) -> float:
        """Simulated seconds per clock second; setting it re-anchors (no jump)."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        value = _check_speed(value)
        self._reanchor()
        self._speed = value

    def _reanchor(self) -> None:
        self._anchor_clock = self._clock()
        self._anchor_sim = self.sim.now

    def target(self) -> float:
        """The simulated time the clock says it should be now."""
        target = self._anchor_sim + (self._clock() - self._anchor_clock) * self._speed
        if self.until is not None:
            target = min(target, self.until)
        return target

    def tick(self) -> int:
        """Advance the simulation to :meth:`target` now; returns events processed."""
        target = self.target()
        self.ticks += 1
        if target < self.sim.now:  # advanced by someone else: follow it from here
            self._reanchor()
            return 0
        return self.sim.advance_to(target)

    def stop(self) -> None:
        """Make :meth:`run` return after its current tick."""
        self._stop.set()

    @property
    def done(self) -> bool:
        """True once stopped or past ``until``."""
        return self._stop.is_set() or (self.until is not None and self.sim.now >= self.until)

    async def run(self) -> None:
        """Tick every ``interval`` until :meth:`stop` or ``until``."""
        self._reanchor()
        while not self.done:
            await self._wait()
            if self._stop.is_set():
                break
            self.tick()
            if self._on_tick is not None:
                result = self._on_tick(self.sim.now)
                if inspect.isawaitable(result):
                    await result

    async def _wait(self) -> None:
        if self._sleep is not None:
            await self._sleep(self.interval)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.interval)


async def run_realtime(
    sim: Simulation,
    speed: float = 1.0,
    *,
    clock: Clock = time.monotonic,
    interval: float = 0.1,
    sleep: Sleep | None = None,
    on_tick: TickHook | None = None,
    until: float | None = None,
) -> None:
    """Drive ``sim`` in (scaled) real time until ``until`` or until cancelled
    (see :class:`RealtimeDriver`)."""
    driver = RealtimeDriver(
        sim, speed=speed, interval=interval, clock=clock, sleep=sleep, on_tick=on_tick, until=until
    )
    await driver.run()
