"""``POST /_emulator/genesys/{command}``: faults, scripted events and the state dump.

A bad body raises :class:`cxkit.errors.ConfigError` naming the field (the core answers 400).
Every command and its body is listed in :data:`COMMANDS`.

With a simulated center, ``set_presence``, ``set_routing_status``, ``offer_call`` and
``end_call`` go through the simulation (as the matching API calls do, see :mod:`simview`);
``answer_call``, ``scenario`` and membership changes of simulated agents are refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from cxkit.emulator.genesys.model import User
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.scenario import Scenario
from cxkit.emulator.genesys.simview import SimView
from cxkit.emulator.genesys.state import StateError
from cxkit.emulator.genesys.timefmt import iso
from cxkit.errors import ConfigError

__all__ = ["COMMANDS", "GenesysAdmin"]

COMMANDS: Final = {
    "state": "{} -> the truth: org, users, queues, active conversations, channels, tokens",
    "configure": "{<option>: value, ...} -> {options} (any GenesysOptions switch, live)",
    "revoke_token": "{token?|token_key?|user_id?|client_id?|all?} -> {revoked, tokens}",
    "heartbeat": "{enabled?: bool, interval?: seconds} -> {enabled, interval}",
    "socket_closing": "{channel_id?, grace?: seconds} -> {channels}",
    "expire_channel": "{channel_id?} (all when omitted) -> {expired}",
    "no_longer_subscribed": "{channel_id, topics?} -> {removed}",
    "reject_topics": "{prefixes: [str], permissions?: [str]} | {clear: true} -> {denied}",
    "emit": "{topic, body, type?} -> {delivered}",
    "emit_raw": "{frame: str (any text, even malformed), channel_id?} -> {channels}",
    "analytics_job": "{job_id? (all when omitted), state: FULFILLED|FAILED|CANCELLED|EXPIRED, "
    "error_message?} -> {jobs}",
    "scenario": "{action: start|stop|step, count?, interval?} -> {running, steps, done}",
    "set_presence": "{user_id, presence (id, system presence or label), message?} -> {user}",
    "set_routing_status": "{user_id, status} -> {user}",
    "set_station": "{user_id, station_id (null: disassociate)} -> {user}",
    "set_out_of_office": "{user_id, active: bool, indefinite?: bool} -> {user}",
    "set_queue_member": "{queue_id, user_id, joined?: bool, remove?: bool} -> {queue}",
    "offer_call": "{queue_id?, ani?, dnis?, user_id?, route?: bool} -> {conversation}",
    "answer_call": "{conversation_id} -> {conversation}",
    "end_call": "{conversation_id, wrapup_code?} -> {conversation}",
}


_FIELDS: Final = {
    "user": "user_id",
    "queue": "queue_id",
    "conversation": "conversation_id",
    "presence": "presence",
    "participant": "participant_id",
}


def _config_error(exc: StateError) -> ConfigError:
    """A state refusal as the admin API's 400 naming the field."""
    field = _FIELDS.get(exc.entity or "", "body")
    return ConfigError(f"{exc.message} ({exc.kind})", key=field)


def _str(body: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ConfigError.bad_value(key, value, "a string (required)")
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError.bad_value(key, value, "a non-empty string")
    return value


def _need(body: Mapping[str, Any], key: str) -> str:
    value = _str(body, key)
    assert value is not None
    return value


def _bool(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError.bad_value(key, value, "true or false")
    return value


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError.bad_value(key, value, "a number > 0")
    return float(value)


class GenesysAdmin:
    """The Genesys plugin's admin commands."""

    def __init__(self, rt: Runtime, scenario: Scenario) -> None:
        self.rt = rt
        self.scenario = scenario
        self._commands: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            name: getattr(self, f"_cmd_{name}") for name in COMMANDS
        }
        self._simulated: dict[str, Callable[[Mapping[str, Any]], Awaitable[dict[str, Any]]]] = {
            "set_presence": self._sim_set_presence,
            "set_routing_status": self._sim_set_routing_status,
            "offer_call": self._sim_offer_call,
            "end_call": self._sim_end_call,
        }

    def run(
        self, command: str, body: Mapping[str, Any]
    ) -> dict[str, Any] | Awaitable[dict[str, Any]] | None:
        """Run ``command``; None when it does not exist (a coroutine for the commands a
        simulated center carries out)."""
        if self.rt.sim is not None:
            if command in ("answer_call", "scenario"):
                key = "conversation_id" if command == "answer_call" else "action"
                raise ConfigError(
                    f"{command} is not available with a simulated center: it routes, answers "
                    "and ends its calls itself",
                    key=key,
                )
            simulated = self._simulated.get(command)
            if simulated is not None:
                return self._state_errors(simulated(body))
        handler = self._commands.get(command)
        if handler is None:
            return None
        try:
            return handler(body)
        except StateError as exc:
            raise _config_error(exc) from None

    @staticmethod
    async def _state_errors(pending: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        try:
            return await pending
        except StateError as exc:
            raise _config_error(exc) from None

    # ------------------------------------------------------------------ truth

    def _user(self, user_id: str) -> dict[str, Any]:
        state = self.rt.state
        u = state.user(user_id)
        definition = state.presences[u.presence_id]
        return {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "presence": definition.label,
            "presenceId": definition.id,
            "systemPresence": definition.system_presence,
            "presenceMessage": u.presence_message,
            "routingStatus": u.routing_status,
            "queues": dict(u.queues),
            "stationId": u.station_id,
            "outOfOffice": u.ooo_active,
        }

    def _queue(self, queue_id: str) -> dict[str, Any]:
        q = self.rt.state.queue(queue_id)
        return {
            "id": q.id,
            "name": q.name,
            "members": dict(q.members),
            "waiting": list(q.waiting),
            "alerting": list(q.alerting),
            "interacting": list(q.interacting),
        }

    def _conversation(self, conversation_id: str) -> dict[str, Any]:
        c = self.rt.state.conversation(conversation_id)
        return {
            "id": c.id,
            "queueId": c.queue_id,
            "start": iso(c.start),
            "end": iso(c.end) if c.end is not None else None,
            "ani": c.ani,
            "participants": [
                {"id": p.id, "purpose": p.purpose, "userId": p.user_id, "state": p.state}
                for p in c.participants
            ],
        }

    def _cmd_state(self, body: Mapping[str, Any]) -> dict[str, Any]:
        state, hub = self.rt.state, self.rt.hub
        hub.sweep()
        return {
            "org": {"id": state.org_id, "name": state.org_name},
            "now": iso(self.rt.now()),
            "users": [self._user(uid) for uid in state.users],
            "queues": [self._queue(qid) for qid in state.queues],
            "presenceDefinitions": [
                {"id": d.id, "systemPresence": d.system_presence, "label": d.label}
                for d in state.presences.values()
            ],
            "conversations": [self._conversation(c.id) for c in state.active_conversations()],
            "channels": [
                {
                    "id": c.id,
                    "userId": c.token.user_id,
                    "clientId": c.token.client_id,
                    "token": c.token.key,
                    "topics": sorted(c.topics),
                    "connected": c.socket is not None,
                    "expires": iso(c.expires),
                }
                for c in hub.channels.values()
            ],
            "tokens": [
                {
                    "key": t.key,
                    "clientId": t.client_id,
                    "userId": t.user_id,
                    "grant": t.grant,
                    "expires": iso(t.expires_at),
                }
                for t in self.rt.tokens.live_tokens()
            ],
            "scenario": {"running": self.scenario.running, "steps": self.scenario.steps},
        }

    # ------------------------------------------------------------------ switches

    def _cmd_configure(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.rt.live.current = self.rt.live.current.replace(body)
        self.rt.hub.wake_sockets()
        return {"options": self.rt.live.current.to_info()}

    def _cmd_heartbeat(self, body: Mapping[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "enabled" in body:
            changes["heartbeats"] = _bool(body, "enabled", True)
        interval = _number(body, "interval")
        if interval is not None:
            changes["heartbeat_interval"] = interval
        options = self.rt.live.current = self.rt.live.current.replace(changes)
        self.rt.hub.wake_sockets()
        return {"enabled": options.heartbeats, "interval": options.heartbeat_interval}

    def _cmd_revoke_token(self, body: Mapping[str, Any]) -> dict[str, Any]:
        everything = _bool(body, "all", False)
        selectors = {
            "token": _str(body, "token", required=False),
            "key": _str(body, "token_key", required=False),
            "user_id": _str(body, "user_id", required=False),
            "client_id": _str(body, "client_id", required=False),
        }
        if not everything and not any(selectors.values()):
            raise ConfigError.bad_value(
                "token", None, "one of token, token_key, user_id, client_id or all: true"
            )
        revoked = self.rt.tokens.revoke(self.rt.tokens.find(everything=everything, **selectors))
        return {"revoked": len(revoked), "tokens": [t.key for t in revoked]}

    # ------------------------------------------------------------------ notifications

    def _cmd_socket_closing(self, body: Mapping[str, Any]) -> dict[str, Any]:
        channel_id = _str(body, "channel_id", required=False)
        grace = _number(body, "grace") or self.rt.live.current.socket_closing_grace
        ids = self.rt.hub.socket_closing(None if channel_id is None else [channel_id], grace)
        return {"channels": ids, "grace": grace}

    def _cmd_expire_channel(self, body: Mapping[str, Any]) -> dict[str, Any]:
        channel_id = _str(body, "channel_id", required=False)
        hub, now = self.rt.hub, self.rt.now()
        chosen = [c for c in hub.channels.values() if channel_id in (None, c.id)]
        if channel_id is not None and not chosen:
            raise ConfigError.bad_value("channel_id", channel_id, "a live channel id")
        for channel in chosen:
            channel.expires = now
        return {"expired": [c.id for c in hub.sweep()]}

    def _cmd_no_longer_subscribed(self, body: Mapping[str, Any]) -> dict[str, Any]:
        channel_id = _need(body, "channel_id")
        channel = self.rt.hub.get(channel_id)
        if channel is None:
            raise ConfigError.bad_value("channel_id", channel_id, "a live channel id")
        topics = body.get("topics")
        if topics is not None and (
            not isinstance(topics, list) or not all(isinstance(t, str) for t in topics)
        ):
            raise ConfigError.bad_value("topics", topics, "a list of topic strings")
        return {"removed": self.rt.hub.no_longer_subscribed(channel, topics)}

    def _cmd_reject_topics(self, body: Mapping[str, Any]) -> dict[str, Any]:
        denied = self.rt.hub.denied
        if _bool(body, "clear", False):
            denied.clear()
        prefixes = body.get("prefixes", [])
        permissions = body.get("permissions", ["notifications:topic:view"])
        if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
            raise ConfigError.bad_value("prefixes", prefixes, "a list of topic prefixes")
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise ConfigError.bad_value("permissions", permissions, "a list of permission names")
        for prefix in prefixes:
            denied[prefix] = list(permissions)
        return {"denied": {k: list(v) for k, v in denied.items()}}

    def _cmd_emit(self, body: Mapping[str, Any]) -> dict[str, Any]:
        topic = _need(body, "topic")
        if "body" not in body:
            raise ConfigError.bad_value("body", None, "the eventBody to send (any JSON)")
        delivered = self.rt.hub.publish(
            topic, body["body"], event_type=_str(body, "type", required=False)
        )
        return {"delivered": delivered}

    def _cmd_emit_raw(self, body: Mapping[str, Any]) -> dict[str, Any]:
        frame = body.get("frame")
        if not isinstance(frame, str):
            raise ConfigError.bad_value("frame", frame, "the text frame to send (a string)")
        channel_id = _str(body, "channel_id", required=False)
        if channel_id is not None and self.rt.hub.get(channel_id) is None:
            raise ConfigError.bad_value("channel_id", channel_id, "a live channel id")
        channels = self.rt.hub.send_raw(frame, None if channel_id is None else [channel_id])
        return {"channels": channels}

    def _cmd_analytics_job(self, body: Mapping[str, Any]) -> dict[str, Any]:
        jobs = self.rt.jobs
        state = _need(body, "state").upper()
        if state not in ("FULFILLED", "FAILED", "CANCELLED", "EXPIRED"):
            raise ConfigError.bad_value("state", state, "FULFILLED, FAILED, CANCELLED or EXPIRED")
        job_id = _str(body, "job_id", required=False)
        chosen = jobs.all() if job_id is None else [j for j in jobs.all() if j.id == job_id]
        if job_id is not None and not chosen:
            raise ConfigError.bad_value("job_id", job_id, "the id of a submitted job")
        message = _str(body, "error_message", required=False)
        for job in chosen:
            jobs.force(job, state, message)
        return {"jobs": {job.id: jobs.state(job) for job in chosen}}

    # ------------------------------------------------------------------ activity

    def _cmd_scenario(self, body: Mapping[str, Any]) -> dict[str, Any]:
        action = _need(body, "action")
        done: list[str] = []
        if action == "start":
            self.scenario.start(_number(body, "interval"))
        elif action == "stop":
            self.scenario.stop()
        elif action == "step":
            count = body.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
                raise ConfigError.bad_value("count", count, "an integer 1-10000")
            done = self.scenario.step(count)
        else:
            raise ConfigError.bad_value("action", action, "start, stop or step")
        return {"running": self.scenario.running, "steps": self.scenario.steps, "done": done}

    def _cmd_set_presence(self, body: Mapping[str, Any]) -> dict[str, Any]:
        user_id, presence = _need(body, "user_id"), _need(body, "presence")
        kwargs: dict[str, Any] = {}
        if "message" in body:
            kwargs["message"] = _str(body, "message", required=False)
        self.rt.state.set_user_presence(user_id, presence, **kwargs)
        return {"user": self._user(user_id)}

    def _cmd_set_routing_status(self, body: Mapping[str, Any]) -> dict[str, Any]:
        user_id, status = _need(body, "user_id"), _need(body, "status")
        self.rt.state.set_routing_status(user_id, status)
        return {"user": self._user(user_id)}

    def _cmd_set_station(self, body: Mapping[str, Any]) -> dict[str, Any]:
        user_id = _need(body, "user_id")
        if "station_id" not in body:
            raise ConfigError.bad_value("station_id", None, "a station id, or null to disassociate")
        station_id = _str(body, "station_id", required=False)
        self.rt.state.set_station(user_id, station_id)
        return {"user": self._user(user_id)}

    def _cmd_set_out_of_office(self, body: Mapping[str, Any]) -> dict[str, Any]:
        user_id = _need(body, "user_id")
        if not isinstance(body.get("active"), bool):
            raise ConfigError.bad_value("active", body.get("active"), "true or false")
        self.rt.state.set_out_of_office(
            user_id, body["active"], indefinite=_bool(body, "indefinite", False)
        )
        return {"user": self._user(user_id)}

    def _cmd_set_queue_member(self, body: Mapping[str, Any]) -> dict[str, Any]:
        queue_id, user_id = _need(body, "queue_id"), _need(body, "user_id")
        sim = self.rt.sim
        if sim is not None and sim.agent_of(user_id) is not None:
            raise ConfigError(
                "the queues of a simulated agent follow its skills in the simulated center",
                key="user_id",
            )
        if _bool(body, "remove", False):
            self.rt.state.remove_queue_member(queue_id, user_id)
        else:
            self.rt.state.set_queue_member(queue_id, user_id, joined=_bool(body, "joined", True))
        return {"queue": self._queue(queue_id)}

    def _cmd_offer_call(self, body: Mapping[str, Any]) -> dict[str, Any]:
        state = self.rt.state
        queue_id = _str(body, "queue_id", required=False) or next(iter(state.queues))
        call = state.start_call(
            queue_id,
            ani=_str(body, "ani", required=False),
            dnis=_str(body, "dnis", required=False),
        )
        user_id = _str(body, "user_id", required=False)
        if user_id is None and _bool(body, "route", False):
            idle = state.idle_agent(queue_id)
            user_id = idle.id if idle is not None else None
        if user_id is not None:
            state.route_call(call.id, user_id)
        return {"conversation": self._conversation(call.id)}

    def _cmd_answer_call(self, body: Mapping[str, Any]) -> dict[str, Any]:
        conversation_id = _need(body, "conversation_id")
        self.rt.state.answer_call(conversation_id)
        return {"conversation": self._conversation(conversation_id)}

    def _cmd_end_call(self, body: Mapping[str, Any]) -> dict[str, Any]:
        conversation_id = _need(body, "conversation_id")
        self.rt.state.end_call(
            conversation_id, wrapup_code=_str(body, "wrapup_code", required=False)
        )
        return {"conversation": self._conversation(conversation_id)}

    # ------------------------------------------------------------------ simulated center

    def _sim_user(self, body: Mapping[str, Any]) -> tuple[SimView, User | None]:
        """The view and, when the body names a simulated agent, its user."""
        sim = self.rt.sim
        assert sim is not None
        user = self.rt.state.user(_need(body, "user_id"))
        return sim, user if sim.agent_of(user.id) is not None else None

    async def _sim_set_presence(self, body: Mapping[str, Any]) -> dict[str, Any]:
        sim, user = self._sim_user(body)
        if user is None:  # the demo supervisor or a created user: Genesys-only
            return self._cmd_set_presence(body)
        await sim.set_presence(user, _need(body, "presence"))
        if "message" in body:
            message = _str(body, "message", required=False)
            self.rt.state.set_user_presence(user.id, user.presence_id, message=message)
        return {"user": self._user(user.id)}

    async def _sim_set_routing_status(self, body: Mapping[str, Any]) -> dict[str, Any]:
        sim, user = self._sim_user(body)
        if user is None:
            return self._cmd_set_routing_status(body)
        status = _need(body, "status")
        if status not in ("IDLE", "OFF_QUEUE"):
            raise ConfigError.bad_value("status", status, "IDLE or OFF_QUEUE")
        await sim.set_routing_status(user, status)
        return {"user": self._user(user.id)}

    async def _sim_offer_call(self, body: Mapping[str, Any]) -> dict[str, Any]:
        sim = self.rt.sim
        assert sim is not None
        queue_id = _str(body, "queue_id", required=False) or next(iter(self.rt.state.queues))
        call = await sim.offer_call(queue_id)
        return {"conversation": self._conversation(call.id)}

    async def _sim_end_call(self, body: Mapping[str, Any]) -> dict[str, Any]:
        sim = self.rt.sim
        assert sim is not None
        conversation = self.rt.state.conversation(_need(body, "conversation_id"))
        code = _str(body, "wrapup_code", required=False)
        await sim.hang_up(conversation, by_agent=True, wrapup_code=code)
        return {"conversation": self._conversation(conversation.id)}
