"""The simulated contact center that drives both vendor emulators from one truth.

Agents with skills and states (logged out, ready, not ready with reason codes, on call,
after-call work), queues (Five9 skills / Genesys queues), Poisson arrivals, talk / wrap /
patience times from distributions, routing to the longest-idle skilled agent, abandonment,
shifts and breaks, and scripted events. Pure and clock-driven (:class:`Simulation`),
seeded and reproducible; :func:`run_realtime` runs it against a clock.

.. code-block:: python

    from cxkit.sim import CenterSpec, Simulation, SimConfig

    sim = Simulation(SimConfig(center=CenterSpec.demo(), seed=7))
    unsubscribe = sim.subscribe(print)          # AgentStateChange, CallOffered, ...
    sim.advance_to(3600.0)                      # one simulated hour, in milliseconds
    sim.queue_snapshot("queue-0001").service_level
    sim.directory.agent("agent-00001").five9_id

How the emulators use it: seed the tenant from :attr:`Simulation.directory` (users, skills /
queues, reason codes with Five9 and Genesys ids); :meth:`Simulation.subscribe` an observer
that turns change records into vendor events (Five9 agent events and 5012 deltas, Genesys
topic events); read :meth:`Simulation.queue_snapshot`, :meth:`Simulation.center_snapshot`
and :meth:`Simulation.agent_snapshot` for statistics and observations (O(1) each).
Scenario files: :func:`load_scenario` (format in :mod:`cxkit.sim.scenario`).
"""

from __future__ import annotations

from cxkit.sim.directory import AgentInfo, Directory, QueueInfo, ReasonCodeInfo, build_directory
from cxkit.sim.distributions import Distribution, Exponential, Fixed, LogNormal
from cxkit.sim.engine import Observer, Simulation
from cxkit.sim.ids import call_id_from_five9, five9_call_id
from cxkit.sim.realtime import RealtimeDriver, run_realtime
from cxkit.sim.records import (
    AgentStateChange,
    CallAnswered,
    CallCompleted,
    CallEnded,
    CallOffered,
    CallQueued,
    ChangeRecord,
    Disposition,
    RecordLog,
    ScriptApplied,
    SimRecord,
    decode_records,
)
from cxkit.sim.scenario import load_scenario, parse_scenario
from cxkit.sim.script import Login, Logout, NotReady, Ready, ScriptAction, Spike
from cxkit.sim.snapshots import (
    AgentSnapshot,
    CallSnapshot,
    CallState,
    CenterSnapshot,
    QueueSnapshot,
)
from cxkit.sim.spec import AgentGroupSpec, CenterSpec, QueueSpec, ReasonCodeSpec, SimConfig

__all__ = [
    "AgentGroupSpec",
    "AgentInfo",
    "AgentSnapshot",
    "AgentStateChange",
    "CallAnswered",
    "CallCompleted",
    "CallEnded",
    "CallOffered",
    "CallQueued",
    "CallSnapshot",
    "CallState",
    "CenterSnapshot",
    "CenterSpec",
    "ChangeRecord",
    "Directory",
    "Disposition",
    "Distribution",
    "Exponential",
    "Fixed",
    "LogNormal",
    "Login",
    "Logout",
    "NotReady",
    "Observer",
    "QueueInfo",
    "QueueSnapshot",
    "QueueSpec",
    "Ready",
    "RealtimeDriver",
    "ReasonCodeInfo",
    "ReasonCodeSpec",
    "RecordLog",
    "ScriptAction",
    "ScriptApplied",
    "SimConfig",
    "SimRecord",
    "Simulation",
    "Spike",
    "build_directory",
    "call_id_from_five9",
    "decode_records",
    "five9_call_id",
    "load_scenario",
    "parse_scenario",
    "run_realtime",
]
