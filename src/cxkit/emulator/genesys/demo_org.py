"""The demo org every emulator run starts from: presence definitions, users, queues."""

from __future__ import annotations

from typing import Final

from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.tenant import GenesysUser

__all__ = ["SYSTEM_PRESENCES", "SYSTEM_PRESENCE_IDS", "populate_demo_org"]

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

# The system presence definitions have the same ids in every org and region (fixed by the
# service; org-defined secondary presences get their own). Clients match on them -- e.g.
# the Offline id as the oOffQueueUsers qualifier of logged-off members -- so the emulator
# uses the real ones.
SYSTEM_PRESENCE_IDS: Final = {
    "AVAILABLE": "6a3af858-942f-489d-9700-5f9bcdcdae9b",
    "AWAY": "5e5c5c66-ea97-4e7f-ac41-6424784829f2",
    "BUSY": "31fe3bac-dea6-44b7-bed7-47f91660a1a0",
    "OFFLINE": "ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5",
    "IDLE": "7ffa01cd-7866-4ad7-8faa-31e11b42f51f",
    "ON_QUEUE": "e08eaf1b-ee47-4fa9-a231-1200e284798f",
    "MEAL": "3fd96123-badb-4f69-bc03-1b1ccc6d8014",
    "MEETING": "bbdff279-7ae1-48ea-bade-7831d7234c64",
    "TRAINING": "d2390a99-8546-bad9-8f0a-219548e8aeb0",
    "BREAK": "227b37e2-f1d0-4dd0-8f50-badd7cf6d158",
}

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
        state.add_presence_definition(system, label, definition_id=SYSTEM_PRESENCE_IDS[system])
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
