"""The agent and supervisor WebSockets (reference §4).

Every frame is one JSON text frame with the full envelope::

    {"context": {"eventId": "1010", "eventReason": ..., "messageId": ..., "userId": ...,
                 "correlationId": null, "userName": ..., "timeStamp": <ms>,
                 "tenantId": <orgId>, "broadCast": false}, "payLoad": ...}

A socket gets 1010 on connect, 1202 ``"pong"`` for each text ``ping`` (unless the admin API
turned pongs off), agent events for its user (3/4/5 calls, 12 presence, 11 active skills,
13 options, 17 login state, 18 station, 19/39 skill removed/added, 29 queue figures of its
skills, 15 presence of the agents sharing a skill) and, on the supervisor socket, 5000
snapshots and 5012 deltas (split under ``max_frame_bytes``). At most three sockets per user:
the fourth closes the oldest; a second socket with the same key gets 1020 and close 3000.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import Five9Error, forbidden
from cxkit.emulator.five9.render import call_json, presence_json
from cxkit.emulator.five9.sessions import AGENT, SUPERVISOR, AuthSession
from cxkit.emulator.five9.state import Notification
from cxkit.emulator.five9.stats import effective_filter, filtered_payload

__all__ = ["Socket", "SocketHub"]

log = logging.getLogger("cxkit.emulator.five9")

_QUEUE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    message: str


@dataclass(eq=False, slots=True)
class Socket:
    """One open socket of a user."""

    ws: web.WebSocketResponse
    kind: str
    key: str
    session: AuthSession
    opened: float
    queue: asyncio.Queue[str | bytes | _Close] = field(default_factory=asyncio.Queue)
    dead: bool = False
    """After a migration: only pongs, no data (reference §4.7 step 4)."""
    snapshot_sent: bool = False
    closing: bool = False

    @property
    def user_id(self) -> str:
        """The socket's user."""
        return self.session.user_id


def _queue_figures(row: dict[str, Any] | None) -> dict[str, Any]:
    """One skill's entry of event 29 (the Starter Kit's skill dashboard reads these)."""
    if row is None:
        return {"inQueueCallCount": 0, "inQueueCallbackCount": 0, "longestTimeInQueueSec": 0}
    return {
        "inQueueCallCount": row["callsInQueue"],
        "inQueueCallbackCount": row["callbacksInQueue"],
        "longestTimeInQueueSec": row["currentLongestQueueTime"] // 1000,
    }


def _row_size(row: Any) -> int:
    return len(msgspec.json.encode(row)) + 1  # and a comma


def _split_delta(payload: list[dict[str, Any]], budget: int) -> list[list[dict[str, Any]]]:
    """A 5012 payload as several whose rows fit ``budget`` bytes each (rows are upserts, so
    any split gives the same table)."""
    parts: list[list[dict[str, Any]]] = []
    current: dict[str, dict[str, Any]] = {}
    size = 0
    for block in payload:
        source = block["dataSource"]
        items = [("added", r, _row_size(r)) for r in block.get("added", ())]
        items += [("updated", r, _row_size(r)) for r in block.get("updated", ())]
        items += [("removed", r, _row_size(r)) for r in block.get("removed", ())]
        for kind, item, item_size in items:
            if current and size + item_size > budget:
                parts.append(list(current.values()))
                current, size = {}, 0
            entry = current.get(source)
            if entry is None:
                entry = {"dataSource": source, "added": [], "updated": [], "removed": []}
                current[source] = entry
                size += 80
            entry[kind].append(item)
            size += item_size
    if current:
        parts.append(list(current.values()))
    return parts


def _split_snapshot(
    payload: list[dict[str, Any]], budget: int
) -> list[tuple[str, list[dict[str, Any]]]]:
    """A 5000 payload as several frames: whole data sources packed into 5000s (each
    replaces the tables it names, so a client sees no row vanish); a data source bigger than
    ``budget`` alone as a 5000 with its first rows and 5012s adding the others."""
    parts: list[tuple[str, list[dict[str, Any]]]] = []
    packed: list[dict[str, Any]] = []
    packed_size = 0
    for block in payload:
        sizes = [_row_size(r) for r in block["data"]]
        total = sum(sizes) + 80
        if total <= budget:
            if packed and packed_size + total > budget:
                parts.append(("5000", packed))
                packed, packed_size = [], 0
            packed.append(block)
            packed_size += total
            continue
        rows = block["data"]
        first, size = 0, 80
        while first < len(rows) and size + sizes[first] <= budget:
            size += sizes[first]
            first += 1
        first = max(first, 1)
        parts.append(("5000", [{"dataSource": block["dataSource"], "data": rows[:first]}]))
        rest = {"dataSource": block["dataSource"], "added": rows[first:], "updated": []}
        rest["removed"] = []
        parts.extend(("5012", part) for part in _split_delta([rest], budget))
    if packed:
        parts.append(("5000", packed))
    return parts


class SocketHub:
    """All open sockets of the Five9 emulator, and what is pushed to them."""

    def __init__(self, core: Five9Core) -> None:
        self.core = core
        self.sockets: list[Socket] = []
        self._flush_handle: asyncio.Handle | None = None
        self._message_seq = 0

    # ------------------------------------------------------------------ frames

    def frame(
        self,
        event_id: str | int,
        payload: Any,
        *,
        reason: str | None = None,
        user_id: str | None = None,
        user_name: str | None = None,
        broadcast: bool = False,
        message_id: str | None = None,
    ) -> str:
        """Encode one event with Five9's envelope (``payLoad``, ``broadCast``...)."""
        return self._encode(
            event_id,
            payload,
            reason=reason,
            user_id=user_id,
            user_name=user_name,
            broadcast=broadcast,
            message_id=message_id,
        ).decode()

    def _encode(
        self,
        event_id: str | int,
        payload: Any,
        *,
        reason: str | None,
        user_id: str | None,
        user_name: str | None,
        broadcast: bool,
        message_id: str | None,
    ) -> bytes:
        return msgspec.json.encode(
            {
                "context": {
                    "eventId": str(event_id),
                    "eventReason": reason,
                    "messageId": message_id,
                    "userId": user_id,
                    "correlationId": None,
                    "userName": user_name,
                    "timeStamp": self.core.now_ms(),
                    "tenantId": self.core.tenant.org_id,
                    "broadCast": broadcast,
                },
                "payLoad": payload,
            }
        )

    def stats_frames(
        self,
        event_id: str,
        payload: list[dict[str, Any]],
        *,
        user_id: str | None = None,
        user_name: str | None = None,
        broadcast: bool = False,
    ) -> list[str]:
        """A 5000 (``data`` blocks) or 5012 (``added/updated/removed`` blocks) payload as
        frames of at most ``max_frame_bytes`` each (see :class:`Five9Options`)."""

        def encode(event: str, part: list[dict[str, Any]]) -> bytes:
            return self._encode(
                event,
                part,
                reason="UPDATED",
                user_id=user_id,
                user_name=user_name,
                broadcast=broadcast,
                message_id=self._message_id(),
            )

        limit = self.core.options.max_frame_bytes
        whole = encode(event_id, payload)
        if limit <= 0 or len(whole) <= limit:
            return [whole.decode()]
        budget = max(1, limit - 1024)  # the envelope and the block keys
        if event_id == "5000":
            parts = _split_snapshot(payload, budget)
        else:
            parts = [("5012", part) for part in _split_delta(payload, budget)]
        return [encode(event, part).decode() for event, part in parts]

    def _message_id(self) -> str:
        self._message_seq += 1
        return f"{self._message_seq}:3:4:5:{self.core.farm_id()}:{self._message_seq}"

    def push(self, sock: Socket, frame: str | bytes | _Close, *, force: bool = False) -> None:
        """Queue a frame for a socket (dropped for a migrated socket unless ``force``); a
        ``bytes`` frame goes out as a binary frame (Five9 never sends one: fault tests do)."""
        if sock.closing or (sock.dead and not force):
            return
        if isinstance(frame, _Close):
            sock.closing = True
        sock.queue.put_nowait(frame)  # unbounded: the size check below caps it
        if sock.queue.qsize() > _QUEUE_LIMIT and not sock.closing:
            # a consumer that does not read: cut it rather than grow without bound
            sock.closing = True
            sock.queue.put_nowait(_Close(1008, "Client too slow"))

    def event(self, sock: Socket, event_id: str | int, payload: Any, **kw: Any) -> None:
        """Queue one event for a socket, addressed to the socket's user."""
        kw.setdefault("user_id", sock.user_id)
        self.push(sock, self.frame(event_id, payload, **kw))

    def close(self, sock: Socket, code: int, message: str = "") -> None:
        """Close a socket after the frames already queued for it."""
        self.push(sock, _Close(code, message), force=True)

    def of_user(self, user_id: str, kind: str | None = None) -> list[Socket]:
        """Open sockets of a user (optionally one kind)."""
        return [
            s
            for s in self.sockets
            if s.user_id == user_id and (kind is None or s.kind == kind) and not s.closing
        ]

    def live(self, kind: str | None = None) -> list[Socket]:
        """Open sockets (optionally of one kind)."""
        return [s for s in self.sockets if not s.closing and (kind is None or s.kind == kind)]

    # ------------------------------------------------------------------ statistics

    def snapshot(self, sock: Socket) -> None:
        """Send 5000 (all data sources, filtered by the session's stats settings)."""
        self.flush()  # publish pending deltas first so the snapshot is the baseline
        tenant = self.core.tenant
        settings = effective_filter(tenant, sock.user_id, sock.session.stats_filter)
        payload = filtered_payload(tenant, self.core.publisher.snapshot(), settings, "data")
        user = self.core.tenant.users.get(sock.user_id)
        for frame in self.stats_frames(
            "5000", payload, user_id=sock.user_id, user_name=user.user_name if user else None
        ):
            self.push(sock, frame)
        sock.snapshot_sent = True

    def snapshot_for(self, session: AuthSession) -> int:
        """5000 on every supervisor socket of a session's user (request_full_statistics)."""
        targets = [s for s in self.of_user(session.user_id, SUPERVISOR) if not s.dead]
        for sock in targets:
            self.snapshot(sock)
        return len(targets)

    def schedule_flush(self) -> None:
        """Publish a 5012 soon (coalescing every change until then)."""
        if self._flush_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (seeding): the next flush or snapshot picks the change up
        interval = self.core.options.stats_interval
        if interval > 0:
            self._flush_handle = loop.call_later(interval, self.flush)
        else:
            self._flush_handle = loop.call_soon(self.flush)

    def flush(self) -> None:
        """Compute the delta of the dirty rows and send it to every subscribed socket."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        payload = self.core.publisher.compute_delta()
        if not payload:
            return
        self._agent_subscriptions(payload)
        encoded: dict[bytes, list[str]] = {}
        for sock in self.live(SUPERVISOR):
            if sock.dead or not sock.snapshot_sent:
                continue
            settings = effective_filter(self.core.tenant, sock.user_id, sock.session.stats_filter)
            key = msgspec.json.encode(settings)
            if key not in encoded:
                part = filtered_payload(self.core.tenant, payload, settings, "updated")
                encoded[key] = self.stats_frames("5012", part, broadcast=True) if part else []
            for frame in encoded[key]:
                self.push(sock, frame)

    def _agent_subscriptions(self, payload: list[dict[str, Any]]) -> None:
        """What agent sockets see of a statistics change: event 29 (queue figures of the
        agent's skills) and event 15 (presence of the agents sharing a skill)."""
        changed_queues: set[str] = set()
        changed_agents: set[str] = set()
        for entry in payload:
            ids = {r["id"] for r in entry["added"] + entry["updated"]} | set(entry["removed"])
            if entry["dataSource"] == "ACD_STATUS":
                changed_queues |= ids - {"0"}
            elif entry["dataSource"] == "AGENT_STATE":
                changed_agents |= ids
        if not (changed_queues or changed_agents):
            return
        tenant = self.core.tenant
        rows = self.core.publisher.last.get("ACD_STATUS", {})
        for sock in self.live(AGENT):
            user = tenant.users.get(sock.user_id)
            if sock.dead or user is None:
                continue
            mine = set(user.skill_levels)
            queues = sorted(mine & changed_queues)
            if queues:
                self.event(sock, "29", {q: _queue_figures(rows.get(q)) for q in queues})
            peers = {
                a
                for a in changed_agents
                if a in tenant.agents and mine & set(tenant.users[a].skill_levels)
            }
            if peers:
                self.event(
                    sock,
                    "15",
                    {
                        a: {
                            "readyChannels": list(tenant.agents[a].ready_channels),
                            "state": tenant.agents[a].state,
                        }
                        for a in sorted(peers)
                    },
                )

    # ------------------------------------------------------------------ tenant changes

    def on_notification(self, note: Notification) -> None:
        """Turn a tenant change into socket events (tenant observer)."""
        if note.kind == "stats":
            self.schedule_flush()
            return
        if note.user_id is None:
            return
        if note.kind == "login_state":
            kind = AGENT if note.role == AGENT else SUPERVISOR
            for sock in self.of_user(note.user_id, kind):
                self.event(sock, "17", note.reason, reason="UPDATED")
                if kind == SUPERVISOR and note.reason == "WORKING" and not sock.dead:
                    self.snapshot(sock)
            return
        agent_sockets = [s for s in self.of_user(note.user_id, AGENT) if not s.dead]
        if not agent_sockets:
            return
        event_id, payload = self._agent_event(note)
        if event_id is None:
            return
        for sock in agent_sockets:
            self.event(sock, event_id, payload, reason=note.reason or "UPDATED")

    def _agent_event(self, note: Notification) -> tuple[str | None, Any]:
        tenant = self.core.tenant
        user_id = note.user_id or ""
        if note.kind.startswith("call.") and note.call is not None:
            event_id = {"call.created": "3", "call.updated": "4", "call.deleted": "5"}[note.kind]
            return event_id, call_json(note.call)
        if note.kind == "presence" and user_id in tenant.agents:
            shape = self.core.options.presence_shape
            return "12", presence_json(tenant.agents[user_id], shape, self.core.now_ms())
        if note.kind == "active_skills":
            user = tenant.users.get(user_id)
            return "11", sorted(user.active_skills) if user else []
        if note.kind == "options":
            user = tenant.users.get(user_id)
            return "13", sorted(user.options) if user else []
        if note.kind in ("skill_added", "skill_removed"):
            # Payload shape unrecorded (inferred): the skill, plus the level when added.
            skill = tenant.skills.get(note.reason or "")
            body: dict[str, Any] = {
                "id": note.reason,
                "name": skill.name if skill is not None else None,
            }
            user = tenant.users.get(user_id)
            if note.kind == "skill_added" and user is not None:
                body["level"] = user.skill_levels.get(note.reason or "")
            return ("39" if note.kind == "skill_added" else "19"), body
        if note.kind == "station":
            station = tenant.stations.get(user_id)
            payload = (
                {
                    "stationId": station.station_id,
                    "stationType": station.station_type,
                    "state": station.state,
                }
                if station
                else None
            )
            return "18", payload
        return None, None

    # ------------------------------------------------------------------ scripted sequences

    def migration_sequence(self) -> int:
        """70 STARTED → 1002 (new metadata) → 73 COMPLETED on every socket, then silence."""
        metadata = self.core.metadata()
        targets = [s for s in self.live() if not s.dead]
        for sock in targets:
            self.event(sock, "70", None, reason="STARTED")
            self.event(
                sock,
                "1002",
                metadata,
                reason="Domain Migrated, please use MetadataAPI to reload client.",
                message_id=str(106595212 + self.core.ids.next_number()),
            )
            self.push(
                sock,
                self.frame(
                    "73", "IDLE_MAINTENANCE", reason="COMPLETED", user_id=None, broadcast=True
                ),
            )
            sock.dead = True
        return len(targets)

    def select(self, body: dict[str, Any]) -> list[Socket]:
        """Sockets an admin command addresses: ``userId``, ``kind`` (agent/supervisor), ``key``."""
        user_id = body.get("userId")
        kind = body.get("kind")
        key = body.get("key")
        return [
            s
            for s in self.live()
            if (user_id is None or s.user_id == str(user_id))
            and (kind is None or s.kind == kind)
            and (key is None or s.key == key)
        ]

    def close_all(self, code: int = 1001, message: str = "") -> None:
        """Close every socket (reset)."""
        for sock in self.live():
            self.close(sock, code, message)

    # ------------------------------------------------------------------ the handler

    async def handle(self, request: web.Request, kind: str) -> web.StreamResponse:
        """Upgrade an agent or supervisor socket (non-101 Five9 error when refused)."""
        core = self.core
        try:
            _token, session = core.authenticate(request, count=False)
            user = core.tenant.user(session.user_id)
            if kind == SUPERVISOR and not user.is_supervisor:
                raise forbidden("User has no supervisor role", user.id)
            if kind == AGENT and not user.is_agent:
                raise forbidden("User has no agent role", user.id)
        except Five9Error as exc:
            return exc.response(core.now_ms())
        key = request.match_info.get("key", "")
        ws = web.WebSocketResponse(autoping=False)
        if not ws.can_prepare(request).ok:
            # A plain GET of a socket URL: a vendor-shaped error, not aiohttp's text page.
            error = Five9Error(400, 400, "WebSocket upgrade expected on this URL", "BAD_REQUEST")
            return error.response(core.now_ms())
        await ws.prepare(request)
        core.ctx.track_websocket(ws, vendor="five9", user=session.user_id)
        sock = Socket(ws=ws, kind=kind, key=key, session=session, opened=core.monotonic())
        writer = asyncio.create_task(self._writer(sock))
        try:
            self._admit(sock)
            await self._reader(sock)
        finally:
            if sock in self.sockets:
                self.sockets.remove(sock)
            sock.closing = True
            with contextlib.suppress(asyncio.QueueFull):
                sock.queue.put_nowait(_Close(1000, ""))
            try:
                await asyncio.wait_for(writer, 1.0)
            except (TimeoutError, asyncio.CancelledError, ConnectionError):
                writer.cancel()
        return ws

    def _admit(self, sock: Socket) -> None:
        duplicate = [s for s in self.of_user(sock.user_id) if sock.key and s.key == sock.key]
        if duplicate:
            victim = sock if self.core.options.duplicate_closes == "new" else duplicate[0]
            if victim is not sock:
                self.sockets.append(sock)
                self.event(sock, "1010", None, reason="Successful WebSocket Connection")
            self.event(victim, "1020", None, reason="Duplicate connection")
            self.close(victim, 3000, "Duplicate connection")
            if victim is sock:
                return
        else:
            self.sockets.append(sock)
            self.event(sock, "1010", None, reason="Successful WebSocket Connection")
        mine = self.of_user(sock.user_id)
        while len(mine) > self.core.options.max_sockets_per_user:
            oldest = mine.pop(0)
            self.close(oldest, 1000, "Too many connections: the oldest socket was closed")
        working = self.core.sessions.state(sock.session, SUPERVISOR) == "WORKING"
        if sock.kind == SUPERVISOR and working:
            self.snapshot(sock)

    async def _reader(self, sock: Socket) -> None:
        ctx = self.core.ctx
        async for msg in sock.ws:
            if msg.type == WSMsgType.TEXT:
                if msg.data.strip() == "ping" and ctx.pongs_enabled("five9"):
                    # even a migrated ("dead") socket still answers pings (§4.7 step 4)
                    self.push(sock, self.frame("1202", "pong", user_id=sock.user_id), force=True)
            elif msg.type == WSMsgType.PING:
                if ctx.pongs_enabled("five9"):
                    await sock.ws.pong(msg.data)
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.ERROR):
                break

    async def _writer(self, sock: Socket) -> None:
        while True:
            item = await sock.queue.get()
            if isinstance(item, _Close):
                if not sock.ws.closed:
                    await sock.ws.close(code=item.code, message=item.message.encode()[:120])
                return
            if sock.ws.closed:
                return
            try:
                if isinstance(item, bytes):
                    await sock.ws.send_bytes(item)
                else:
                    await sock.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                return
