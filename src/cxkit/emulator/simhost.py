"""The simulated contact center an emulator runs: one truth behind every vendor plugin.

When :attr:`EmulatorConfig.simulation <cxkit.emulator.config.EmulatorConfig.simulation>` is
set, :func:`cxkit.emulator.app.create_app` builds a :class:`SimHost` before the plugins'
``setup()`` and exposes it as ``ctx.simulation``. A plugin then:

* seeds its tenant from ``host.sim.directory`` (agents, queues / skills, reason codes, each
  with its Five9 and Genesys id) in ``setup()`` and again in its reset callback (reset
  callbacks run in registration order, and the host registers first, so the plugin sees the
  rebuilt simulation);
* :meth:`SimHost.subscribe` s an observer that turns change records into its own state and
  wire events (observers survive resets: they follow the current simulation);
* :meth:`SimHost.on_tick` s a callback run after every advance (to flush batched statistics,
  such as Five9 5012 deltas or Genesys queue observations);
* turns the client's actions (presence, ready / not ready, hang-up, disposition) into the
  simulation's control calls (``host.sim.agent_ready(...)``...) and then calls
  :meth:`SimHost.changed` so the tick callbacks flush at once.

Time: the simulation's t=0 is the emulator clock's ``now()`` at build time, and it advances
with the emulator's monotonic clock times ``speed`` (a background task ticks every
``interval`` seconds; ``POST /_emulator/clock/advance`` advances it at once). A frozen clock
therefore freezes the simulation too, which makes tests deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import msgspec

from cxkit.errors import ConfigError, UsageError
from cxkit.sim import AgentInfo, QueueInfo, RealtimeDriver, SimConfig, Simulation
from cxkit.sim.records import ChangeRecord

if TYPE_CHECKING:
    from aiohttp import web

    from cxkit.emulator.context import EmulatorClock

__all__ = ["AGENT_ACTIONS", "SimHost"]

log = logging.getLogger("cxkit.emulator.sim")

Observer = Callable[[ChangeRecord], None]
TickCallback = Callable[[float], Awaitable[None] | None]

AGENT_ACTIONS = ("login", "logout", "ready", "not_ready", "end_call", "end_wrap_up")
"""What ``POST /_emulator/sim/agent`` (and :meth:`SimHost.agent_action`) accepts."""


class SimHost:
    """Owns the emulator's :class:`~cxkit.sim.Simulation` and drives it with the emulator
    clock. See the module docstring.

    Args:
        config: the simulated center and its seed.
        clock: the emulator clock (``now()`` stamps t=0, ``monotonic()`` drives time).
        speed: simulated seconds per clock second (0 pauses).
        interval: seconds between background ticks.
    """

    def __init__(
        self,
        config: SimConfig,
        clock: EmulatorClock,
        *,
        speed: float = 1.0,
        interval: float = 0.1,
    ) -> None:
        if not isinstance(config, SimConfig):
            raise ConfigError.bad_value("emulator.simulation", config, "a cxkit.sim.SimConfig")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
            raise ConfigError.bad_value("emulator.sim_interval", interval, "seconds > 0")
        self._config = config
        self._clock = clock
        self._speed = float(speed)
        self.interval = float(interval)
        self._observers: list[Observer] = []
        self._tick_callbacks: list[TickCallback] = []
        self.observer_errors = 0
        """Exceptions raised by plugin observers (each logged and skipped)."""
        self.sim: Simulation
        self._driver: RealtimeDriver
        self._build()

    # ------------------------------------------------------------------ life

    def _build(self) -> None:
        # t=0 is "now" on the emulator clock, so the vendors' timestamps look live.
        config = msgspec.structs.replace(self._config, epoch=self._clock.now())
        self.sim = Simulation(config)
        self.sim.subscribe(self._forward)
        self._driver = RealtimeDriver(
            self.sim, speed=self._speed, interval=self.interval, clock=self._clock.monotonic
        )

    def reset(self) -> None:
        """Start the simulation over (same center and seed), t=0 being now."""
        self._build()

    @property
    def speed(self) -> float:
        """Simulated seconds per clock second; setting it never makes time jump."""
        return self._driver.speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._driver.speed = value  # ConfigError naming "speed" when bad
        self._speed = self._driver.speed

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Tick in the background while the context is open (the app's cleanup context)."""
        task = asyncio.create_task(self._run(), name="cxkit-emulator-sim")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def cleanup_context(self, _app: web.Application) -> AsyncIterator[None]:
        """``app.cleanup_ctx`` entry: the background ticks live as long as the app."""
        async with self.running():
            yield

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.advance()
            except Exception:
                # A bug in a plugin's tick callback must not stop the contact center.
                log.exception("emulator: a simulation tick failed")

    async def advance(self, _seconds: float | None = None) -> None:
        """Bring the simulation up to the clock now, then run the tick callbacks (also the
        emulator's clock-advance callback, hence the ignored argument)."""
        self._driver.tick()
        await self.changed()

    async def changed(self) -> None:
        """Run the tick callbacks now (after a control call changed the simulation)."""
        now = self.sim.now
        for callback in list(self._tick_callbacks):
            try:
                result = callback(now)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("emulator: simulation tick callback %r failed", callback)

    # ------------------------------------------------------------------ plugins

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(record)`` for every change of the current (and any rebuilt)
        simulation; returns a function that unsubscribes it. It runs inside the
        simulation's advance: it must not advance the simulation or make control calls."""
        self._observers.append(observer)

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return unsubscribe

    def on_tick(self, callback: TickCallback) -> None:
        """Call ``callback(sim_now)`` after every advance and control change (may be a
        coroutine function)."""
        self._tick_callbacks.append(callback)

    def _forward(self, record: ChangeRecord) -> None:
        for observer in self._observers:
            try:
                observer(record)
            except Exception:
                self.observer_errors += 1
                log.exception("emulator: simulation observer %r failed", observer)

    # ------------------------------------------------------------------ control

    def find_agent(self, key: str) -> str:
        """The canonical agent id for a canonical id, a Five9 or Genesys id, a username
        or an email (UsageError when none matches)."""
        directory = self.sim.directory
        found = directory.by_vendor_id(key)
        if isinstance(found, AgentInfo):
            return found.id
        for agent in directory.agents:
            if key in (agent.id, agent.username, agent.email):
                return agent.id
        raise UsageError(f"no agent {key!r} in the simulated center")

    def find_queue(self, key: str) -> str:
        """The canonical queue id for a canonical id, a vendor id or a queue name."""
        directory = self.sim.directory
        found = directory.by_vendor_id(key)
        if isinstance(found, QueueInfo):
            return found.id
        for queue in directory.queues:
            if key in (queue.id, queue.name):
                return queue.id
        raise UsageError(f"no queue {key!r} in the simulated center")

    async def agent_action(self, agent: str, action: str, reason: str | None = None) -> str:
        """Apply one of :data:`AGENT_ACTIONS` to an agent (any id :meth:`find_agent`
        knows) at the current simulated time; returns the canonical agent id."""
        agent_id = self.find_agent(agent)
        self._driver.tick()  # apply it at "now", not at the last background tick
        sim = self.sim
        if action == "login":
            sim.agent_login(agent_id)
        elif action == "logout":
            sim.agent_logout(agent_id, reason)
        elif action == "ready":
            sim.agent_ready(agent_id)
        elif action == "not_ready":
            if not reason:
                raise ConfigError("not_ready needs a reason", key="reason")
            sim.agent_not_ready(agent_id, reason)
        elif action == "end_call":
            sim.end_call(agent_id)
        elif action == "end_wrap_up":
            sim.end_wrap_up(agent_id)
        else:
            raise ConfigError.bad_value("action", action, f"one of {', '.join(AGENT_ACTIONS)}")
        await self.changed()
        return agent_id

    async def offer_call(self, queue: str) -> str:
        """Offer one call to a queue now; returns the call id."""
        queue_id = self.find_queue(queue)
        self._driver.tick()
        call_id = self.sim.offer_call(queue_id)
        await self.changed()
        return call_id

    # ------------------------------------------------------------------ truth

    def truth(self) -> dict[str, Any]:
        """The simulation's state as JSON-ready data: what every vendor view must agree
        with (``GET /_emulator/sim``)."""
        sim = self.sim
        directory = sim.directory
        queues = []
        for queue in directory.queues:
            snap = msgspec.to_builtins(sim.queue_snapshot(queue.id))
            snap.update(five9_id=queue.five9_id, genesys_id=queue.genesys_id)
            queues.append(snap)
        agents = []
        for agent in directory.agents:
            snap = msgspec.to_builtins(sim.agent_snapshot(agent.id))
            snap.update(
                name=agent.name,
                username=agent.username,
                five9_id=agent.five9_id,
                genesys_id=agent.genesys_id,
            )
            agents.append(snap)
        return {
            "now": sim.now,
            "wall_time": sim.wall_time(),
            "speed": self.speed,
            "seed": self._config.seed,
            "center": msgspec.to_builtins(sim.center_snapshot()),
            "queues": queues,
            "agents": agents,
        }
