"""The demo org every emulator run starts from: presence definitions, users, queues."""

from __future__ import annotations

from typing import Final

from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.tenant import GenesysUser

__all__ = ["SYSTEM_PRESENCES", "populate_demo_org"]

SYSTEM_PRESENCES: Final = (
    ("AVAILABLE", "Available"),
    ("AWAY", "Away"),
    ("BUSY", "Busy"),
    ("OFFLINE", "Offline"),
    ("IDLE", "Idle"),
    ("ON_QUEUE", "On Queue"),
    ("MEAL", "Meal"),
    ("MEETING", "Meeting"),
    ("TRAINING", "Training"),
    ("BREAK", "Break"),
)

_FIRST: Final = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kaito", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
)  # fmt: skip
_LAST: Final = (
    "Lovelace", "Okafor", "Martin", "Patel", "Rossi", "Haddad", "Hopper", "Moreau",
    "Silva", "Berg", "Tanaka", "Novak", "Garcia", "Kowalski", "Aziz", "Rao",
)  # fmt: skip
_QUEUES: Final = ("Support", "Sales", "Billing", "Technical", "Retention", "Onboarding")


def populate_demo_org(state: OrgState, demo_user: GenesysUser, *, users: int, queues: int) -> None:
    """Fill ``state`` with the demo org: the tenant's demo user first, then ``users - 1``
    agents, ``queues`` queues; every agent is a joined member of two queues and the demo
    user of all of them. Everything is deterministic for a given seed."""
    for system, label in SYSTEM_PRESENCES:
        state.add_presence_definition(system, label)
    state.add_user(
        demo_user.name,
        demo_user.email,
        user_id=demo_user.user_id,
        password=demo_user.password.reveal(),
        title="Supervisor",
    )
    for n in range(1, users):
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n * 7) % len(_LAST)]
        suffix = "" if n < len(_FIRST) else str(n // len(_FIRST))
        state.add_user(f"{first} {last}{suffix}", f"{first}.{last}{suffix}@cxkit.local".lower())
    created = [
        state.add_queue(
            _QUEUES[i] if i < len(_QUEUES) else f"Queue {i + 1}", f"Demo queue number {i + 1}"
        )
        for i in range(queues)
    ]
    for n, user in enumerate(list(state.users.values())):
        pair = {q.id: q for q in (created[n % queues], created[(n + 1) % queues])}
        for queue in created if n == 0 else pair.values():
            state.set_queue_member(queue.id, user.id, joined=True)
