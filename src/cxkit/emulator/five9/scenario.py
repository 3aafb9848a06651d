"""A small, deterministic scripted activity for the demo domain.

Eight agents log in (from "elsewhere": a desktop the emulator pretends exists), six go
Ready and two take a break; then a fixed cycle of steps offers calls to the three skills,
answers, hangs up and dispositions them and flips one agent's presence at a time. The same
step number always does the same thing, so tests can step it (admin ``scenario``
``{"action": "step"}``) and assert the outcome; the demo runs it on a timer.

It only drives the scenario agents (never the demo login users), through the same tenant
methods the REST API uses.
"""

from __future__ import annotations

from cxkit.emulator.five9.seed import BILLING, SALES, SCENARIO_AGENT_IDS, SUPPORT
from cxkit.emulator.five9.sessions import AGENT, SessionRegistry
from cxkit.emulator.five9.state import Tenant

__all__ = ["Scenario"]

_DISPOSITIONS = ("300000000000401", "300000000000404", "300000000000402", "300000000000403")
_MAX_QUEUE = 3
_CYCLE = (
    "offer:" + SALES,
    "offer:" + SUPPORT,
    "answer",
    "offer:" + BILLING,
    "answer",
    "hangup",
    "dispose",
    "presence",
    "offer:" + SALES,
    "hangup",
    "dispose",
    "answer",
)


class Scenario:
    """The scripted activity; :meth:`step` performs one step."""

    def __init__(self, tenant: Tenant, sessions: SessionRegistry) -> None:
        self.tenant = tenant
        self.sessions = sessions
        self.steps = 0
        self.running = False
        self.next_due = 0.0
        self._flip = 0
        self._on_break: str | None = None

    def _agents(self) -> list[str]:
        return [a for a in SCENARIO_AGENT_IDS if a in self.tenant.agents]

    def _calls(self, state: str) -> list[str]:
        mine = set(self._agents())
        found = [c for c in self.tenant.calls.values() if c.state == state and c.agent_id in mine]
        found.sort(key=lambda c: (c.offered_at or c.created, c.id))
        return [c.id for c in found]

    def setup(self) -> None:
        """Log the scenario agents in: six Ready, two on a break."""
        for index, user_id in enumerate(self._agents()):
            if self.tenant.agents[user_id].state == "LOGGED_OUT":
                self.sessions.hold_elsewhere(user_id, AGENT)
            if index < 6:
                self.tenant.set_agent_presence(user_id, ["CALL", "VOICE_MAIL"])
            else:
                self.tenant.set_agent_presence(user_id, [], "367541" if index == 6 else "367542")

    def step(self) -> str:
        """Perform the next step and return its name."""
        if self.steps == 0:
            self.setup()
            self.steps += 1
            return "setup"
        action = _CYCLE[(self.steps - 1) % len(_CYCLE)]
        self.steps += 1
        if action.startswith("offer:"):
            skill_id = action.split(":", 1)[1]
            if self.tenant.queue_length(skill_id) < _MAX_QUEUE:  # keep a long demo bounded
                self.tenant.offer_call(skill_id, number=f"92555{self.steps:05d}")
        elif action == "answer":
            for call_id in self._calls("OFFERED"):
                self.tenant.answer_call(call_id)
        elif action == "hangup":
            for call_id in self._calls("TALKING")[:2]:
                self.tenant.end_call(call_id)
        elif action == "dispose":
            for index, call_id in enumerate(self._calls("WRAP_UP")):
                disposition = _DISPOSITIONS[(self.steps + index) % len(_DISPOSITIONS)]
                self.tenant.dispose_call(call_id, disposition)
        elif action == "presence":
            self._toggle_presence()
        return action

    def _toggle_presence(self) -> None:
        """The agent on a short break comes back; the next of the six Ready agents takes one
        (so the floor stays at five or six Ready agents, never drifting)."""
        rotating = self._agents()[:6]
        if not rotating:
            return
        back, self._on_break = self._on_break, rotating[self._flip % len(rotating)]
        self._flip += 1
        if back is not None and self.tenant.agents[back].state != "LOGGED_OUT":
            self.tenant.set_agent_presence(back, ["CALL", "VOICE_MAIL"])
        if self.tenant.agents[self._on_break].state != "LOGGED_OUT":
            self.tenant.set_agent_presence(self._on_break, [], "367541")
