"""Names that look real: agents, queues, groups. Pure functions of an index."""

from __future__ import annotations

from typing import Final

__all__ = ["agent_name", "login_name", "queue_name"]

_FIRST: Final = (
    "Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kaito", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Diego",
    "Esther", "Felix", "Gemma", "Hana", "Ivan", "Julia", "Kofi", "Leila", "Marco", "Nadia",
    "Oscar", "Paula", "Rafael", "Sofia", "Tomas", "Uma", "Victor", "Wanda", "Yara", "Zain",
    "Alice", "Bilal", "Clara", "Daniel", "Emma", "Fatima", "George", "Helena", "Isaac",
    "Jade", "Karim", "Lucia", "Malik", "Noah",
)  # fmt: skip
# 61 is prime and does not divide len(_FIRST) + 1 = 65, so the first 64 * 61 = 3,904
# agents all get distinct (first, last) pairs; after that a number is appended.
_LAST: Final = (
    "Lopez", "Okafor", "Martin", "Patel", "Rossi", "Haddad", "Kim", "Moreau", "Silva",
    "Berg", "Tanaka", "Novak", "Garcia", "Kowalski", "Aziz", "Rao", "Schulz", "Nguyen",
    "Murphy", "Jensen", "Costa", "Fischer", "Ivanova", "Mensah", "Dubois", "Larsen",
    "Romano", "Chen", "Walsh", "Ortiz", "Yilmaz", "Bauer", "Santos", "Keller", "Ahmed",
    "Olsen", "Petrov", "Reyes", "Sato", "Weber", "Hughes", "Nowak", "Ferreira", "Ali",
    "Lindqvist", "Mwangi", "Bianchi", "Torres", "Kaur", "Hansen", "Vogel", "Cruz", "Adeyemi",
    "Popescu", "Horvat", "Mendes", "Ito", "Brennan", "Castillo", "Dimitrov", "Eriksen",
)  # fmt: skip

_DEPARTMENTS: Final = (
    "Sales", "Support", "Billing", "Technical Support", "Retention", "Claims", "Onboarding",
    "Renewals", "Collections", "Orders", "Returns", "Appointments", "Enrollment", "Payments",
    "Fraud", "Loyalty", "Shipping", "Accounts", "Warranty", "VIP Care",
)  # fmt: skip
_REGIONS: Final = (
    "North", "South", "East", "West", "Central", "EMEA", "APAC", "LATAM", "Spanish", "French",
)  # fmt: skip


def agent_name(index: int) -> tuple[str, str]:
    """``(first, last)`` of the agent at ``index``; distinct for every index."""
    first_count, last_count = len(_FIRST), len(_LAST)
    block, within = divmod(index, first_count * last_count)
    a, k = within % first_count, within // first_count
    first = _FIRST[a]
    last = _LAST[(k * (first_count + 1) + a) % last_count]
    if block:
        last = f"{last} {block + 1}"
    return first, last


def login_name(first: str, last: str) -> str:
    """``first.last`` in lowercase, spaces removed (``ava.lopez``, ``ben.okafor2``)."""
    return f"{first}.{last}".lower().replace(" ", "")


def queue_name(index: int) -> str:
    """A plausible queue name for generated centers (``Sales North``, ``Billing EMEA 3``)."""
    per_round = len(_DEPARTMENTS) * len(_REGIONS)
    round_, within = divmod(index, per_round)
    region, department = divmod(within, len(_DEPARTMENTS))
    name = f"{_DEPARTMENTS[department]} {_REGIONS[region]}"
    return name if round_ == 0 else f"{name} {round_ + 1}"
