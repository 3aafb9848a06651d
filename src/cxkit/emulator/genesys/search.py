"""``/api/v2/users/search``: UserSearchRequest criteria over the org's users.

Criteria: ``{type, fields, value | values, operator?: AND|OR|NOT, group?: [criteria]}`` with
types ``EXACT``, ``STARTS_WITH``, ``CONTAINS``, ``TERM``, ``TERMS``, ``REGEX``,
``REQUIRED_FIELDS`` and ``MATCH_ALL``; matching ignores case. AND criteria must all hold, at
least one OR criterion must hold when there are any, and no NOT criterion may hold. Deleted
users are left out unless a criterion names ``state``.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

from cxkit.emulator.genesys.errors import bad_request, invalid_value
from cxkit.emulator.genesys.model import User
from cxkit.emulator.genesys.state import OrgState

__all__ = ["FIELDS", "TYPES", "decode_q64", "search_users"]

FIELDS: Final[dict[str, Callable[[OrgState, User], list[str]]]] = {
    "id": lambda s, u: [u.id],
    "name": lambda s, u: [u.name],
    "email": lambda s, u: [u.email],
    "username": lambda s, u: [u.email],
    "title": lambda s, u: [u.title],
    "department": lambda s, u: [u.department],
    "state": lambda s, u: [u.state],
    "profileskills": lambda s, u: list(u.profile_skills),
    "routingstatus.status": lambda s, u: [u.routing_status],
    "presence.presencedefinition.systempresence": lambda s, u: [s.presences[u.presence_id].label],
}
TYPES: Final = (
    "EXACT", "STARTS_WITH", "CONTAINS", "TERM", "TERMS", "REGEX", "REQUIRED_FIELDS", "MATCH_ALL",
)  # fmt: skip
_MAX_PAGE: Final = 100


def decode_q64(q64: str) -> Any:
    """The UserSearchRequest behind ``GET /users/search?q64=`` (base64 of its JSON)."""
    try:
        raw = base64.b64decode(q64 + "=" * (-len(q64) % 4), altchars=b"-_")
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid_value("q64", q64[:40], "base64 of a UserSearchRequest") from None


def _values(criterion: Mapping[str, Any]) -> list[str]:
    values = criterion.get("values")
    if isinstance(values, list):
        return [str(v).lower() for v in values]
    value = criterion.get("value")
    return [] if value is None else [str(value).lower()]


def _holds(state: OrgState, user: User, criterion: Mapping[str, Any]) -> bool:
    group = criterion.get("group")
    if isinstance(group, list) and group:
        return _all_hold(state, user, group)
    kind = str(criterion.get("type", "EXACT")).upper()
    if kind == "MATCH_ALL":
        return True
    fields = criterion.get("fields") or []
    found = [v.lower() for f in fields for v in FIELDS[f.lower()](state, user)]
    if kind == "REQUIRED_FIELDS":
        return bool(found)
    wanted = _values(criterion)
    if kind in ("EXACT", "TERM", "TERMS"):
        return any(v in found for v in wanted)
    if kind == "STARTS_WITH":
        return any(f.startswith(v) for f in found for v in wanted)
    if kind == "CONTAINS":
        return any(v in f for f in found for v in wanted)
    return any(re.fullmatch(v, f) for f in found for v in wanted)  # REGEX


def _all_hold(state: OrgState, user: User, criteria: Sequence[Mapping[str, Any]]) -> bool:
    any_or = False
    or_held = False
    for criterion in criteria:
        operator = str(criterion.get("operator", "AND")).upper()
        held = _holds(state, user, criterion)
        if operator == "NOT":
            if held:
                return False
        elif operator == "OR":
            any_or = True
            or_held = or_held or held
        elif not held:
            return False
    return or_held or not any_or


def _check(criteria: Any, path: str = "query") -> None:
    if not isinstance(criteria, list):
        raise invalid_value(path, criteria, "a list of UserSearchCriteria")
    for index, criterion in enumerate(criteria):
        where = f"{path}[{index}]"
        if not isinstance(criterion, Mapping):
            raise invalid_value(where, criterion, "a UserSearchCriteria object")
        if criterion.get("group"):
            _check(criterion["group"], f"{where}.group")
            continue
        kind = str(criterion.get("type", "EXACT")).upper()
        if kind not in TYPES:
            raise invalid_value(f"{where}.type", kind, ", ".join(TYPES))
        operator = str(criterion.get("operator", "AND")).upper()
        if operator not in ("AND", "OR", "NOT"):
            raise invalid_value(f"{where}.operator", operator, "AND, OR, NOT")
        fields = criterion.get("fields") or []
        if kind != "MATCH_ALL" and not fields:
            raise bad_request(f"{where}.fields is required for {kind}")
        for name in fields:
            if not isinstance(name, str) or name.lower() not in FIELDS:
                raise invalid_value(f"{where}.fields", name, ", ".join(sorted(FIELDS)))
        if kind == "REGEX":
            for pattern in _values(criterion):
                try:
                    re.compile(pattern)
                except re.error:
                    raise invalid_value(f"{where}.value", pattern, "a regular expression") from None


def _names_state(criteria: Sequence[Mapping[str, Any]]) -> bool:
    for criterion in criteria:
        if any(str(f).lower() == "state" for f in criterion.get("fields") or []):
            return True
        group = criterion.get("group")
        if isinstance(group, list) and _names_state(group):
            return True
    return False


def _page_uri(request: Mapping[str, Any], number: int) -> str:
    body = {**request, "pageNumber": number}
    q64 = base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()
    return f"/api/v2/users/search?q64={quote(q64, safe='')}"


def search_users(
    state: OrgState, request: Any, render: Callable[[User, list[str]], dict[str, Any]]
) -> dict[str, Any]:
    """UserSearchRequest -> UsersSearchResponse (``render(user, expand)`` draws a user)."""
    if not isinstance(request, Mapping):
        raise bad_request("The request body must be a UserSearchRequest object")
    criteria = request.get("query") or []
    _check(criteria)
    size, number = request.get("pageSize", 25), request.get("pageNumber", 1)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= _MAX_PAGE:
        raise invalid_value("pageSize", size, f"an integer 1-{_MAX_PAGE}")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise invalid_value("pageNumber", number, "an integer >= 1")
    order = str(request.get("sortOrder", "ASC")).upper()
    if order not in ("ASC", "DESC", "SCORE"):
        raise invalid_value("sortOrder", order, "ASC, DESC, SCORE")
    sort_by = str(request.get("sortBy") or "name").lower()
    if sort_by not in FIELDS:
        raise invalid_value("sortBy", sort_by, ", ".join(sorted(FIELDS)))
    expand = [str(e) for e in request.get("expand") or []]
    include_deleted = _names_state(criteria)
    hits = [
        u
        for u in state.users.values()
        if (include_deleted or u.state != "deleted") and _all_hold(state, u, criteria)
    ]
    hits.sort(key=lambda u: [v.lower() for v in FIELDS[sort_by](state, u)], reverse=order == "DESC")
    pages = max(1, math.ceil(len(hits) / size))
    page = hits[(number - 1) * size : number * size]
    body: dict[str, Any] = {
        "total": len(hits),
        "pageCount": pages,
        "pageSize": size,
        "pageNumber": number,
        "currentPage": _page_uri(request, number),
        "types": ["users"],
        "results": [render(u, expand) for u in page],
    }
    if number < pages:
        body["nextPage"] = _page_uri(request, number + 1)
    if number > 1:
        body["previousPage"] = _page_uri(request, number - 1)
    return body
