"""A small deterministic script of contact-center activity (the demo's heartbeat).

Each step is one state change through :class:`OrgState`'s methods: an agent goes On Queue,
a call arrives, is offered to the longest-idle agent, answered, ended; now and then an agent
takes a break or comes back. Same seed, same steps, same order. Off unless started (the demo
starts it) or stepped through the admin API (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from cxkit.emulator.genesys.model import ON_QUEUE
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.state import StateError

__all__ = ["Scenario"]

_log = logging.getLogger(__name__)


class Scenario:
    """The scripted activity; ``step()`` advances it by one state change."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._script: Iterator[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self.steps = 0
        rt.on_new_state(lambda _state: self.rewind())

    @property
    def running(self) -> bool:
        """Whether steps run on a timer."""
        return self._task is not None and not self._task.done()

    def rewind(self) -> None:
        """Start the script again from its beginning (after a reset)."""
        self._script = None
        self.steps = 0

    def _lines(self) -> Iterator[str]:
        state = self._rt.state
        demo_user_id = self._rt.tenant.user.user_id
        agents = [u for u in state.users.values() if u.id != demo_user_id] or list(
            state.users.values()
        )
        queues = list(state.queues.values())
        n = 0
        while True:
            agent = agents[n % len(agents)]
            if state.system_presence(agent) != ON_QUEUE:
                state.set_user_presence(agent.id, ON_QUEUE)
                yield f"{agent.name} went On Queue"
            queue = queues[n % len(queues)]
            call = state.start_call(queue.id)
            yield f"call {call.id} waits in {queue.name}"
            picked = state.idle_agent(queue.id)
            if picked is not None:
                state.route_call(call.id, picked.id)
                yield f"call {call.id} alerts {picked.name}"
                state.answer_call(call.id)
                yield f"{picked.name} answered call {call.id}"
            state.end_call(call.id)
            yield f"call {call.id} ended"
            if n % 3 == 2:
                other = agents[(n * 5 + 1) % len(agents)]
                if other.routing_status not in ("INTERACTING", "COMMUNICATING"):
                    on_queue = state.system_presence(other) == ON_QUEUE
                    state.set_user_presence(other.id, "BREAK" if on_queue else ON_QUEUE)
                    yield f"{other.name} is now {state.presences[other.presence_id].label}"
            n += 1

    def step(self, count: int = 1) -> list[str]:
        """Run ``count`` steps; returns what each one did."""
        done = []
        for _ in range(count):
            if self._script is None:
                self._script = self._lines()
            try:
                done.append(next(self._script))
            except StateError as exc:
                # Someone else (admin API, a client) changed the state under the script:
                # start the cycle again instead of failing.
                self._script = None
                done.append(f"skipped: {exc.message}")
            self.steps += 1
        return done

    def start(self, interval: float | None = None) -> None:
        """Step every ``interval`` seconds (default: the ``scenario_interval`` option)."""
        self.stop()
        self._task = asyncio.get_running_loop().create_task(self._run(interval))

    def stop(self) -> None:
        """Stop stepping on a timer."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, interval: float | None) -> None:
        while True:
            await asyncio.sleep(interval or self._rt.live.current.scenario_interval)
            try:
                self.step()
            except Exception:  # never let the demo's background task die silently
                _log.exception("genesys scenario step failed")

    async def aclose(self) -> None:
        """Stop and wait for the timer task to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
