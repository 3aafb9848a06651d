"""``/api/v2/users*`` and presence definitions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cxkit.emulator.genesys import render
from cxkit.emulator.genesys.api import json_body, json_response, query_bool, query_list, user_of
from cxkit.emulator.genesys.errors import bad_request, invalid_value, not_found
from cxkit.emulator.genesys.model import User
from cxkit.emulator.genesys.paging import page_listing, read_page
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.search import decode_q64, search_users
from cxkit.emulator.genesys.state import StateError
from cxkit.emulator.genesys.timefmt import iso

__all__ = ["UserRoutes"]

_SORT = {"asc": False, "ascending": False, "desc": True, "descending": True}
_PATCHABLE = {"name": "name", "department": "department", "title": "title"}


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class UserRoutes:
    """Users, presences, routing statuses, a user's queues."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table (``/users/me`` before ``/users/{userId}``)."""
        return [
            web.get("/users", self.list_users),
            web.post("/users", self.create_user),
            web.get("/users/me", self.me),
            web.post("/users/search", self.search),
            web.get("/users/search", self.search_q64),
            web.get("/users/{user_id}", self.get_user),
            web.patch("/users/{user_id}", self.patch_user),
            web.delete("/users/{user_id}", self.delete_user),
            web.put("/users/{user_id}/profileskills", self.put_profile_skills),
            web.get("/users/{user_id}/presences/{source}", self.get_presence),
            web.patch("/users/{user_id}/presences/{source}", self.patch_presence),
            web.get("/users/{user_id}/routingstatus", self.get_routing_status),
            web.put("/users/{user_id}/routingstatus", self.put_routing_status),
            web.get("/users/{user_id}/queues", self.user_queues),
            web.patch("/users/{user_id}/queues/{queue_id}", self.patch_user_queue),
            web.get("/presence/definitions", self.presence_definitions),
            web.get("/presencedefinitions", self.legacy_presence_definitions),
        ]

    # ------------------------------------------------------------------ helpers

    def _user(self, request: web.Request, *, states: tuple[str, ...] = ("active",)) -> User:
        user_id = request.match_info["user_id"]
        user = self.rt.state.users.get(user_id)
        if user is None or user.state not in states:
            raise not_found("user")
        return user

    def _simulated(self, user: User) -> bool:
        """Whether the user is an agent of the simulated center (actions go through it)."""
        sim = self.rt.sim
        return sim is not None and sim.agent_of(user.id) is not None

    def _not_simulated(self, user: User, what: str) -> None:
        if self._simulated(user):
            raise bad_request(
                f"User {user.id} is an agent of the simulated contact center and cannot be "
                f"{what}: its queues follow its skills there"
            )

    def _render(self, user: User, request: web.Request) -> dict[str, Any]:
        expand = query_list(request, "expand")
        last_login = self.rt.tokens.last_issued_to(user.id)
        return _clean(render.user(self.rt.state, user, expand, last_login=last_login))

    # ------------------------------------------------------------------ users

    async def list_users(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users`` (pageSize, pageNumber, id, jabberId, sortOrder, expand,
        state)."""
        page = read_page(request)
        wanted_state = request.query.get("state", "active").lower()
        if wanted_state not in ("active", "inactive", "deleted", "any"):
            raise invalid_value("state", wanted_state, "active, inactive, deleted, any")
        order = request.query.get("sortOrder", "ASC").lower()
        if order not in _SORT:
            raise invalid_value("sortOrder", order, "ascending, descending")
        ids = set(query_list(request, "id"))
        jabber_ids = {j.lower() for j in query_list(request, "jabberId")}
        users = [
            u
            for u in self.rt.state.users.values()
            if (wanted_state in ("any", u.state))
            and (not ids or u.id in ids)
            and (not jabber_ids or render.jabber_id(u).lower() in jabber_ids)
        ]
        users.sort(key=lambda u: u.name.lower(), reverse=_SORT[order])
        draw = lambda u: self._render(u, request)  # noqa: E731
        return json_response(page_listing(request, users, page, render=draw))

    def _search(self, body: Any) -> web.Response:
        state = self.rt.state

        def draw(user: User, expand: list[str]) -> dict[str, Any]:
            return _clean(render.user(state, user, expand))

        return json_response(search_users(state, body, draw))

    async def search(self, request: web.Request) -> web.Response:
        """``POST /api/v2/users/search`` UserSearchRequest -> UsersSearchResponse."""
        return self._search(await json_body(request))

    async def search_q64(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users/search?q64=<base64 UserSearchRequest>&expand=``."""
        q64 = request.query.get("q64")
        if not q64:
            raise bad_request("q64 is required")
        body = decode_q64(q64)
        expand = query_list(request, "expand")
        if expand and isinstance(body, dict):
            body = {**body, "expand": expand}
        return self._search(body)

    async def me(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users/me`` (user tokens only: 400 ``not.a.user`` otherwise)."""
        user = user_of(self.rt, request)
        body = self._render(user, request)
        expand = {e.lower() for e in query_list(request, "expand")}
        if "organization" in expand:
            body["organization"] = {
                "id": self.rt.state.org_id,
                "name": self.rt.state.org_name,
                "selfUri": f"/api/v2/organizations/{self.rt.state.org_id}",
            }
        if "presencedefinitions" in expand:
            body["presenceDefinitions"] = [
                render.org_presence_definition(d, self.rt.state)
                for d in self.rt.state.presences.values()
            ]
        if "date" in expand:
            body["date"] = {"currentDate": iso(self.rt.now())}
        return json_response(body)

    async def get_user(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users/{userId}`` (``state=active|deleted``, default active)."""
        wanted = request.query.get("state", "active").lower()
        if wanted not in ("active", "deleted"):
            raise invalid_value("state", wanted, "active, deleted")
        return json_response(self._render(self._user(request, states=(wanted,)), request))

    async def create_user(self, request: web.Request) -> web.Response:
        """``POST /api/v2/users`` (CreateUser ``{name, email, title?, department?}``)."""
        body = await json_body(request)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a CreateUser object")
        name, email = body.get("name"), body.get("email")
        if not isinstance(name, str) or not name:
            raise invalid_value("name", name, "a non-empty string")
        if not isinstance(email, str) or "@" not in email:
            raise invalid_value("email", email, "an email address")
        extra = {k: body[k] for k in ("title", "department") if isinstance(body.get(k), str)}
        user = self.rt.state.create_user(name, email, **extra)
        return json_response(self._render(user, request))

    async def delete_user(self, request: web.Request) -> web.Response:
        """``DELETE /api/v2/users/{userId}``: the user becomes ``deleted`` (not a simulated
        agent: the simulated center's agents are fixed)."""
        user = self._user(request)
        self._not_simulated(user, "deleted")
        self.rt.state.delete_user(user.id)
        return json_response({})

    async def put_profile_skills(self, request: web.Request) -> web.Response:
        """``PUT /api/v2/users/{userId}/profileskills`` ``[str]`` -> ``[str]``."""
        user = self._user(request)
        body = await json_body(request)
        if not isinstance(body, list) or not all(isinstance(x, str) for x in body):
            raise bad_request("The request body must be a list of skill names")
        return json_response(self.rt.state.set_profile_skills(user.id, body).profile_skills)

    async def patch_user(self, request: web.Request) -> web.Response:
        """``PATCH /api/v2/users/{userId}``: ``version`` is required and must be current
        (409 otherwise); an explicit ``null`` clears a field."""
        user = self._user(request)
        body = await json_body(request)
        if not isinstance(body, dict):
            raise bad_request("The request body must be an UpdateUser object")
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise bad_request("version is required")
        changes = {_PATCHABLE[k]: v for k, v in body.items() if k in _PATCHABLE}
        for key, value in changes.items():
            if value is not None and not isinstance(value, str):
                raise invalid_value(key, value, "a string or null")
        if changes.get("name", "") is None:
            raise invalid_value("name", None, "a non-empty string")
        self.rt.state.patch_user(user.id, changes, version)
        return json_response(self._render(user, request))

    # ------------------------------------------------------------------ presence

    def _source(self, request: web.Request) -> None:
        if request.match_info["source"].lower() != "purecloud":
            raise not_found("presence source")

    async def get_presence(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users/{userId}/presences/purecloud``."""
        self._source(request)
        return json_response(render.user_presence(self.rt.state, self._user(request)))

    async def patch_presence(self, request: web.Request) -> web.Response:
        """``PATCH /api/v2/users/{userId}/presences/purecloud``: ``presenceDefinition.id``
        and/or ``message``; emits presence, routingStatus and activity events."""
        self._source(request)
        user = self._user(request)
        body = await json_body(request)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a UserPresence object")
        definition = body.get("presenceDefinition")
        key: str | None = None
        if isinstance(definition, dict):
            key = definition.get("id") or definition.get("systemPresence")
            if not isinstance(key, str):
                raise invalid_value("presenceDefinition.id", key, "a presence definition id")
        elif definition is not None:
            raise invalid_value("presenceDefinition", definition, "an object with an id")
        kwargs: dict[str, Any] = {}
        if "message" in body:
            if body["message"] is not None and not isinstance(body["message"], str):
                raise invalid_value("message", body["message"], "a string")
            kwargs["message"] = body["message"]
        if key is None and not kwargs and body.get("primary") is not True:
            raise bad_request("Give presenceDefinition.id, message or primary: true")
        sim = self.rt.sim
        try:
            if sim is not None and key is not None and self._simulated(user):
                # the simulated center decides: ready / not ready (reason) / logout
                await sim.set_presence(user, key)
                if kwargs:  # the message alone
                    self.rt.state.set_user_presence(user.id, user.presence_id, **kwargs)
            else:
                self.rt.state.set_user_presence(user.id, key or user.presence_id, **kwargs)
        except StateError as exc:
            if exc.kind != "not_found":
                raise
            raise invalid_value("presenceDefinition.id", key, "a presence definition id") from None
        return json_response(render.user_presence(self.rt.state, user))

    async def get_routing_status(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users/{userId}/routingstatus``."""
        return json_response(render.routing_status(self._user(request)))

    async def put_routing_status(self, request: web.Request) -> web.Response:
        """``PUT /api/v2/users/{userId}/routingstatus`` (``OFF_QUEUE`` or ``IDLE``)."""
        user = self._user(request)
        body = await json_body(request)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("OFF_QUEUE", "IDLE"):
            raise invalid_value("status", status, "OFF_QUEUE, IDLE")
        sim = self.rt.sim
        if sim is not None and self._simulated(user):
            await sim.set_routing_status(user, status)
        else:
            self.rt.state.set_routing_status(user.id, status)
        return json_response(render.routing_status(user))

    # ------------------------------------------------------------------ queues

    def _user_queue(self, user: User, queue_id: str) -> dict[str, Any]:
        q = self.rt.state.queues[queue_id]
        return {
            "id": q.id,
            "name": q.name,
            "division": render.division(self.rt.state),
            "memberCount": len(q.members),
            "joined": user.queues.get(queue_id, False),
            "selfUri": f"/api/v2/routing/queues/{q.id}",
        }

    async def user_queues(self, request: web.Request) -> web.Response:
        """``GET /api/v2/users/{userId}/queues`` (``joined`` filter, default true)."""
        user = self._user(request)
        page = read_page(request)
        joined = query_bool(request, "joined", True)
        rows = [
            self._user_queue(user, qid)
            for qid, is_joined in sorted(
                user.queues.items(), key=lambda kv: self.rt.state.queues[kv[0]].name
            )
            if is_joined == joined
        ]
        return json_response(page_listing(request, rows, page))

    async def patch_user_queue(self, request: web.Request) -> web.Response:
        """``PATCH /api/v2/users/{userId}/queues/{queueId}`` ``{joined}``."""
        user = self._user(request)
        queue_id = request.match_info["queue_id"]
        if queue_id not in user.queues:
            raise not_found("queue membership")
        body = await json_body(request)
        joined = body.get("joined") if isinstance(body, dict) else None
        if not isinstance(joined, bool):
            raise invalid_value("joined", joined, "true, false")
        if joined != user.queues[queue_id]:
            self._not_simulated(user, "joined to or removed from a queue")
        self.rt.state.set_queue_member(queue_id, user.id, joined=joined)
        return json_response(self._user_queue(user, queue_id))

    # ------------------------------------------------------------------ definitions

    async def presence_definitions(self, request: web.Request) -> web.Response:
        """``GET /api/v2/presence/definitions``."""
        deactivated = query_bool(request, "deactivated", False)
        rows = [
            render.org_presence_definition(d, self.rt.state)
            for d in self.rt.state.presences.values()
            if d.deactivated == deactivated
        ]
        return json_response({"entities": rows, "total": len(rows)})

    async def legacy_presence_definitions(self, request: web.Request) -> web.Response:
        """``GET /api/v2/presencedefinitions`` (deprecated, paged)."""
        page = read_page(request, default_size=25)
        if query_bool(request, "deleted", False):
            return json_response(page_listing(request, [], page))
        rows = [render.legacy_presence_definition(d) for d in self.rt.state.presences.values()]
        return json_response(page_listing(request, rows, page))
