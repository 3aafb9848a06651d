"""The Genesys emulator as a view of the simulated contact center, seen through cxkit.

An emulator with a simulated center and a frozen clock (the simulation moves only when the
test advances the clock through the admin API); a :class:`GenesysClient` and a
:class:`NotificationHub` feeding the :class:`Normalizer`, whose view (agent states, queue
figures) must equal the truth at ``GET /_emulator/sim``. The view starts from a REST
backfill (users with presence and routing status, an observations query), as a real app
starts, and then follows the events only.

Genesys shows after-call work as INTERACTING (the conversation carries the ACW), so the
Normalizer sees ``after_work`` agents as ``on_interaction``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import aiohttp
import msgspec
import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.genesys import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.emulator.tenant import DEMO
from cxkit.events import AgentState, AgentStateChanged, QueueStatisticsUpdated
from cxkit.genesys import topics
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.events import ObservationBody, TopicEvent
from cxkit.genesys.normalize import Normalizer, agent_state, queue_query
from cxkit.genesys.notifications import NotificationHub
from cxkit.sim import CenterSpec, SimConfig

from .conftest import FAST_RECONNECT, emulator_client

START = 1_700_000_000.0
T = aiohttp.ClientTimeout(total=30.0)
FIGURES = ("calls_waiting", "agents_ready", "agents_on_interaction", "agents_not_ready")
FIGURES += ("agents_logged_in",)
OBSERVED = ["oWaiting", "oInteracting", "oAlerting", "oOnQueueUsers", "oUserRoutingStatuses"]
OBSERVED += ["oUserPresences", "oOffQueueUsers", "oMemberUsers", "oActiveUsers"]


def sim_config(center: CenterSpec, seed: int = 5) -> EmulatorConfig:
    return EmulatorConfig(
        simulation=SimConfig(center=center, seed=seed), frozen_clock=True, start_time=START
    )


async def sim_emulator(center: CenterSpec) -> EmulatorServer:
    config = sim_config(center)
    emu = EmulatorServer(config, plugins=[create_plugin(config)])
    await emu.start()
    return emu


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    server = await sim_emulator(CenterSpec.demo())
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(emu: EmulatorServer) -> AsyncIterator[GenesysClient]:
    async with emulator_client(emu) as gc:
        yield gc


class Core:
    """The emulator core's admin API (clock, truth, reset)."""

    def __init__(self, emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
        self.base = f"{emu.url}/_emulator"
        self.http = http

    async def __call__(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(method, f"{self.base}/{path}", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def advance(self, seconds: float) -> None:
        await self("POST", "clock/advance", {"seconds": seconds})

    async def truth(self) -> dict[str, Any]:
        result: dict[str, Any] = await self("GET", "sim")
        return result


@pytest.fixture
async def core(emu: EmulatorServer) -> AsyncIterator[Core]:
    async with aiohttp.ClientSession(timeout=T) as http:
        yield Core(emu, http)


def seen_as(state: str) -> AgentState:
    """What a Genesys client sees of a simulated agent state."""
    if state == AgentState.AFTER_WORK:
        return AgentState.ON_INTERACTION  # ACW is INTERACTING in Genesys
    return AgentState(state)


def expected_agents(truth: dict[str, Any]) -> dict[str, AgentState]:
    return {a["genesys_id"]: seen_as(a["state"]) for a in truth["agents"]}


def expected_queues(truth: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        q["genesys_id"]: {
            "calls_waiting": q["calls_waiting"],
            "agents_ready": q["agents"]["ready"],
            "agents_on_interaction": q["agents"]["on_interaction"] + q["agents"]["after_work"],
            # logged-out members are counted under the Offline presence, not as not ready
            "agents_not_ready": q["agents"]["not_ready"],
            "agents_logged_in": sum(q["agents"].values()) - q["agents"]["logged_out"],
        }
        for q in truth["queues"]
    }


class View:
    """What an app built on cxkit knows: agent states and queue figures, from a REST
    backfill and then from normalised events only."""

    def __init__(self, tenant: str) -> None:
        self.normalizer = Normalizer(tenant=tenant)
        self.agents: dict[str, AgentState] = {}
        self.queues: dict[str, dict[str, int]] = {}
        self.untyped: list[str] = []
        self.events = 0
        self._changed = asyncio.Event()

    def __call__(self, event: TopicEvent[Any]) -> None:
        if not event.typed:
            self.untyped.append(event.topic)
        self.events += 1
        for item in self.normalizer.normalize(event):
            if isinstance(item, AgentStateChanged):
                self.agents[item.agent_id] = item.state
            elif isinstance(item, QueueStatisticsUpdated):
                self.queues[item.queue_id] = {name: getattr(item, name) or 0 for name in FIGURES}
        self._changed.set()

    async def backfill(self, client: GenesysClient, queue_ids: list[str]) -> None:
        """Agent states from the users listing, queue figures from an observations query
        (through the same Normalizer as the events)."""
        async for user in client.users.iter(expand=["presence", "routingStatus"]):
            presence = user.presence.presence_definition if user.presence else None
            routing = user.routing_status.status if user.routing_status else None
            system = presence.system_presence if presence else None
            self.agents[user.id] = agent_state(system, routing)[0]
        for start in range(0, len(queue_ids), 100):
            chunk = queue_ids[start : start + 100]
            answer = await client.analytics.queue_observations(observation_query(chunk))
            for result in answer.results or ():
                queue_id = (result.group or {})["queueId"]
                topic = topics.queue_observations(queue_id)
                body = msgspec.convert(
                    {
                        "group": result.group,
                        "data": [{"metrics": msgspec.to_builtins(result.data)}],
                    },
                    ObservationBody,
                )
                self(TopicEvent(topic=topic, body=body, route=topics.parse(topic)))

    async def until(self, differences: Callable[[], list[str]], timeout: float = 20.0) -> None:
        """Wait (on events, not on time) until ``differences()`` is empty."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = differences()
            if not found:
                return
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise AssertionError(f"{len(found)} differences, e.g. {found[:5]}") from None

    def differences(self, truth: dict[str, Any]) -> list[str]:
        out = [
            f"agent {aid}: view {self.agents.get(aid)} truth {want}"
            for aid, want in expected_agents(truth).items()
            if self.agents.get(aid) != want
        ]
        out += [
            f"queue {qid}: view {self.queues.get(qid)} truth {want}"
            for qid, want in expected_queues(truth).items()
            if self.queues.get(qid) != want
        ]
        return out


def observation_query(queue_ids: Iterable[str]) -> dict[str, Any]:
    return {
        "filter": {
            "type": "or",
            "predicates": [{"dimension": "queueId", "value": qid} for qid in queue_ids],
        },
        "metrics": OBSERVED,
    }


def sim_topics(truth: dict[str, Any]) -> list[str]:
    wanted = [topics.user_activity(a["genesys_id"]) for a in truth["agents"]]
    wanted += [topics.queue_observations(q["genesys_id"]) for q in truth["queues"]]
    return wanted


async def test_the_hub_and_normalizer_see_the_truth_across_advances_and_a_reset(
    emu: EmulatorServer, client: GenesysClient, core: Core
) -> None:
    # The background ticks may apply what is due at t=0 at any moment: do it now.
    await core.advance(0)
    truth = await core.truth()
    queue_ids = [q["genesys_id"] for q in truth["queues"]]
    view = View(tenant=DEMO.genesys.org_id)
    async with NotificationHub(client, reconnect=FAST_RECONNECT) as hub:
        hub.on("topic", view)
        await hub.subscribe(sim_topics(truth))
        await view.backfill(client, queue_ids)
        assert not view.differences(truth)  # t=0: the first shift logged in, nothing waits
        states_seen: Counter[str] = Counter()
        for seconds in (45, 120, 300, 600):
            await core.advance(seconds)
            truth = await core.truth()
            states_seen.update(a["state"] for a in truth["agents"])
            await view.until(lambda truth=truth: view.differences(truth))
        # the run went through every state, with calls waiting somewhere
        assert set(states_seen) == {s.value for s in AgentState if s is not AgentState.UNKNOWN}
        assert view.untyped == []

        # A reset drops the channels and tokens; the hub reconnects on its own and the app
        # backfills again (the events of the gap are lost, as with the real service).
        gap = asyncio.Event()
        hub.on("stream.gap", lambda _event: gap.set())
        await core("POST", "reset")
        await core.advance(0)
        truth = await core.truth()
        assert truth["now"] == 0.0
        await asyncio.wait_for(gap.wait(), 10)  # on a new channel, subscribed and connected
        await view.backfill(client, queue_ids)
        assert not view.differences(truth)
        for seconds in (60, 240):
            await core.advance(seconds)
            truth = await core.truth()
            await view.until(lambda truth=truth: view.differences(truth))


def skilled(emu: EmulatorServer) -> dict[str, list[str]]:
    """Genesys queue id -> canonical ids of the agents skilled for it (the directory)."""
    host = emu.ctx.simulation
    assert host is not None
    directory = host.sim.directory
    out: dict[str, list[str]] = {q.genesys_id: [] for q in directory.queues}
    for agent in directory.agents:
        for queue_id in agent.skills:
            out[directory.queue(queue_id).genesys_id].append(agent.id)
    return out


async def presence_ids(client: GenesysClient) -> dict[str, str]:
    """Presence definition id by name: system ones by system presence ("OnQueue"), the
    reasons' own ones by label."""
    listing = await client.presence.definitions()
    out: dict[str, str] = {}
    for d in listing.entities or ():
        assert d.id and d.name and d.system_presence
        out[d.system_presence if d.type == "System" else d.name] = d.id
    return out


def expected_observations(
    truth: dict[str, Any], members: dict[str, list[str]], presence: dict[str, str]
) -> dict[str, dict[tuple[str, str | None], int]]:
    """What the observations query must answer for each queue, from the truth."""
    agents = {a["agent_id"]: a for a in truth["agents"]}
    out: dict[str, dict[tuple[str, str | None], int]] = {}
    for q in truth["queues"]:
        qid = q["genesys_id"]
        by_state = q["agents"]
        want: Counter[tuple[str, str | None]] = Counter()
        want["oWaiting", None] = q["calls_waiting"]
        want["oInteracting", None] = q["calls_talking"]
        want["oAlerting", None] = 0
        want["oMemberUsers", None] = want["oActiveUsers", None] = len(members[qid])
        routing = {
            "IDLE": by_state["ready"],
            "INTERACTING": by_state["on_interaction"] + by_state["after_work"],
            "OFF_QUEUE": by_state["not_ready"] + by_state["logged_out"],
        }
        for status, count in routing.items():
            if count:
                want["oUserRoutingStatuses", status] = count
                if status != "OFF_QUEUE":
                    want["oOnQueueUsers", status] = count
        for agent_id in members[qid]:
            agent = agents[agent_id]
            if agent["state"] == "logged_out":
                pid, off = presence["Offline"], True
            elif agent["state"] == "not_ready":
                pid, off = presence[agent["reason"]], True
            else:
                pid, off = presence["OnQueue"], False
            want["oUserPresences", pid] += 1
            if off:
                want["oOffQueueUsers", pid] += 1
        out[qid] = dict(want)
    return out


async def observations(client: GenesysClient, queue_ids: list[str]) -> dict[str, dict[Any, int]]:
    got: dict[str, dict[Any, int]] = {}
    for start in range(0, len(queue_ids), 100):
        answer = await client.analytics.queue_observations(
            observation_query(queue_ids[start : start + 100])
        )
        for result in answer.results:
            got[result.group["queueId"]] = {
                (d.metric, d.qualifier): int(d.stats.count or 0)
                for d in result.data
                if d.metric and d.stats is not None
            }
    return got


async def test_the_observations_query_answers_the_truth(
    emu: EmulatorServer, client: GenesysClient, core: Core
) -> None:
    members = skilled(emu)
    presence = await presence_ids(client)
    for seconds in (30, 400, 900):
        await core.advance(seconds)
        truth = await core.truth()
        got = await observations(client, list(members))
        assert got == expected_observations(truth, members, presence)
    assert any(q["calls_waiting"] for q in truth["queues"]) or truth["center"]["abandoned"]


async def test_the_unified_queue_figures_include_the_longest_wait(
    client: GenesysClient, core: Core
) -> None:
    # The wallboard's starting point: the normalizer's own query, normalized.
    for _ in range(40):
        await core.advance(30)
        truth = await core.truth()
        if any(q["calls_waiting"] for q in truth["queues"]):
            break
    queues = {q["genesys_id"]: q for q in truth["queues"]}
    answer = await client.analytics.queue_observations(queue_query(queues))
    stats = [
        e for e in Normalizer().queue_observations(answer) if isinstance(e, QueueStatisticsUpdated)
    ]
    assert {e.queue_id for e in stats} == set(queues)
    for event in stats:
        want = queues[event.queue_id]
        assert event.calls_waiting == want["calls_waiting"]
        assert event.longest_wait_seconds == pytest.approx(want["longest_wait"], abs=0.001)
    assert any(e.longest_wait_seconds for e in stats)


async def user_topic_events(
    hub: NotificationHub, user_id: str
) -> tuple[list[TopicEvent[Any]], asyncio.Event]:
    seen: list[TopicEvent[Any]] = []
    arrived = asyncio.Event()

    def keep(event: TopicEvent[Any]) -> None:
        seen.append(event)
        arrived.set()

    hub.on("topic", keep)
    await hub.subscribe([topics.user_topics(user_id, "presence", "routingStatus", "activity")])
    return seen, arrived


async def wait_for(
    seen: list[TopicEvent[Any]], arrived: asyncio.Event, found: Callable[[], bool]
) -> None:
    async def loop() -> None:
        while not found():
            arrived.clear()
            await arrived.wait()

    await asyncio.wait_for(loop(), 10)


async def agent(core: Core, genesys_id: str) -> dict[str, Any]:
    truth = await core.truth()
    found: dict[str, Any] = next(a for a in truth["agents"] if a["genesys_id"] == genesys_id)
    return found


async def test_presence_and_routing_status_changes_drive_the_simulation(
    emu: EmulatorServer, client: GenesysClient, core: Core
) -> None:
    await core.advance(120)
    truth = await core.truth()
    ready = next(a for a in truth["agents"] if a["state"] == "ready")
    uid = ready["genesys_id"]
    presence = await presence_ids(client)
    async with NotificationHub(client, reconnect=FAST_RECONNECT) as hub:
        seen, arrived = await user_topic_events(hub, uid)

        # A reason's own definition: not ready with that reason, shown as its system presence
        answer = await client.presence.set_user_presence(uid, presence["Lunch"])
        assert answer.presence_definition and answer.presence_definition.id == presence["Lunch"]
        now = await agent(core, uid)
        assert (now["state"], now["reason"]) == ("not_ready", "Lunch")

        def lunch_events() -> bool:
            families = {e.family: e for e in seen}
            presence_event = families.get("v2.users.{id}.presence")
            routing_event = families.get("v2.users.{id}.routingStatus")
            return (
                presence_event is not None
                and presence_event.body.presence_definition.id == presence["Lunch"]
                and routing_event is not None
                and routing_event.body.routing_status.status == "OFF_QUEUE"
                and "v2.users.{id}.activity" in families
            )

        await wait_for(seen, arrived, lunch_events)
        lunch = next(e for e in seen if e.family == "v2.users.{id}.presence")
        assert lunch.body.presence_definition.system_presence == "Meal"

        # On Queue: ready (or straight onto a waiting call)
        seen.clear()
        await client.presence.set_user_presence(uid, presence["OnQueue"])
        assert (await agent(core, uid))["state"] in ("ready", "on_interaction")
        await wait_for(
            seen,
            arrived,
            lambda: any(
                e.family == "v2.users.{id}.routingStatus"
                and e.body.routing_status.status in ("IDLE", "INTERACTING")
                for e in seen
            ),
        )

        # Available has no reason of its own: not ready with a stand-in reason, shown as
        # Available for as long as the agent stays there.
        await finish_calls(client, core, uid)
        await client.presence.set_user_presence(uid, presence["Available"])
        now = await agent(core, uid)
        assert now["state"] == "not_ready" and now["reason"]
        shown = await client.presence.get_user_presence(uid)
        assert shown.presence_definition and shown.presence_definition.id == presence["Available"]
        assert (await client.routing.user_status(uid)).status == "OFF_QUEUE"

        # Routing status IDLE goes On Queue; OFF_QUEUE goes back off queue
        await client.routing.set_user_status(uid, "IDLE")
        assert (await agent(core, uid))["state"] in ("ready", "on_interaction")
        await finish_calls(client, core, uid)
        await client.routing.set_user_status(uid, "OFF_QUEUE")
        assert (await agent(core, uid))["state"] == "not_ready"

        # Offline logs out; a not-ready presence logs the agent in again, not ready
        await client.presence.set_user_presence(uid, presence["Offline"])
        assert (await agent(core, uid))["state"] == "logged_out"
        await client.presence.set_user_presence(uid, presence["Training"])
        now = await agent(core, uid)
        assert (now["state"], now["reason"]) == ("not_ready", "Training")
        user = await client.users.get(uid, expand=["presence", "routingStatus"])
        assert user.presence and user.presence.presence_definition
        assert user.presence.presence_definition.id == presence["Training"]
        assert user.routing_status and user.routing_status.status == "OFF_QUEUE"


async def finish_calls(client: GenesysClient, core: Core, uid: str) -> None:
    """End the agent's call and wrap-up, if it has one (through the conversations API)."""
    now = await agent(core, uid)
    if now["call_id"] is None:
        return
    conversation = await client.conversations.get(now["call_id"])
    mine = next(p for p in conversation.participants or () if p.user_id == uid)
    assert mine.id
    path = f"/api/v2/conversations/calls/{now['call_id']}/participants/{mine.id}"
    body: dict[str, Any] = {"wrapup": {"code": "sale"}}
    if now["state"] == "on_interaction":
        body["state"] = "disconnected"
    await client.request("PATCH", path, json=body)
    assert (await agent(core, uid))["call_id"] is None


async def test_a_presence_asked_for_during_a_call_shows_at_once_and_applies_after_it(
    emu: EmulatorServer, client: GenesysClient, core: Core
) -> None:
    await core.advance(300)
    truth = await core.truth()
    busy = next(a for a in truth["agents"] if a["state"] == "on_interaction")
    uid, call_id = busy["genesys_id"], busy["call_id"]
    presence = await presence_ids(client)
    await client.presence.set_user_presence(uid, presence["Break"])
    assert (await agent(core, uid))["state"] == "on_interaction"  # the call goes on
    user = await client.users.get(uid, expand=["presence", "routingStatus"])
    assert user.presence and user.presence.presence_definition
    assert user.presence.presence_definition.id == presence["Break"]
    assert user.routing_status and user.routing_status.status == "INTERACTING"

    await finish_calls(client, core, uid)
    now = await agent(core, uid)
    assert (now["state"], now["reason"]) == ("not_ready", "Break")
    assert (await client.routing.user_status(uid)).status == "OFF_QUEUE"
    details = await client.analytics.conversation_details(
        {
            "interval": "2023-11-14T00:00:00Z/2023-11-16T00:00:00Z",
            "conversationFilters": [
                {"predicates": [{"dimension": "conversationId", "value": call_id}]}
            ],
        }
    )
    assert details.total_hits == 1 and details.conversations
    mine = next(p for p in details.conversations[0].participants or () if p.user_id == uid)
    segments = [s for session in mine.sessions or () for s in session.segments or ()]
    assert [s.segment_type for s in segments] == ["alert", "interact", "wrapup"]
    assert segments[-1].wrap_up_code == "sale"


async def user_token(emu: EmulatorServer, email: str) -> str:
    """A user token for a simulated agent (login form, demo user's password)."""
    code_client = DEMO.genesys.code_grant
    secret = code_client.client_secret.reveal() if code_client.client_secret else ""
    async with aiohttp.ClientSession(timeout=T) as http:
        async with http.post(
            f"{emu.url}/login/oauth/authorize",
            params={
                "client_id": code_client.client_id,
                "redirect_uri": code_client.redirect_uri or "",
                "response_type": "code",
            },
            data={
                "username": email,
                "password": DEMO.genesys.user.password.reveal(),
                "action": "approve",
            },
            allow_redirects=False,
        ) as resp:
            assert resp.status == 302, await resp.text()
            code = resp.headers["Location"].split("code=")[1].split("&")[0]
        async with http.post(
            f"{emu.url}/login/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": code_client.redirect_uri or "",
            },
            headers={"Authorization": aiohttp.encode_basic_auth(code_client.client_id, secret)},
        ) as resp:
            assert resp.status == 200, await resp.text()
            token: str = (await resp.json())["access_token"]
            return token


async def test_conversations_are_the_live_calls_and_details_the_finished_ones(
    emu: EmulatorServer, client: GenesysClient, core: Core
) -> None:
    await core.advance(300)
    truth = await core.truth()
    busy = next(a for a in truth["agents"] if a["state"] == "on_interaction")
    uid, call_id = busy["genesys_id"], busy["call_id"]
    queue = next(q for q in truth["queues"] if q["queue_id"] == busy["queue_id"])

    conversation = await client.conversations.get(call_id)
    by_purpose = {p.purpose: p for p in conversation.participants or ()}
    assert set(by_purpose) == {"customer", "acd", "agent"}
    assert by_purpose["agent"].user_id == uid and by_purpose["agent"].connected_time
    assert by_purpose["acd"].queue_id == queue["genesys_id"] and by_purpose["acd"].end_time

    host = emu.ctx.simulation
    assert host is not None
    email = host.sim.directory.agent(busy["agent_id"]).email
    async with GenesysClient(base_url=emu.url, access_token=await user_token(emu, email)) as me:
        assert (await me.users.me()).id == uid
        listed = await me.conversations.list()
        assert [c.id for c in listed.entities or ()] == [call_id]

        # The agent hangs up: the call ends, after-call work follows (still listed)
        agent_leg = by_purpose["agent"].id
        path = f"/api/v2/conversations/calls/{call_id}/participants/{agent_leg}"
        await me.request("PATCH", path, json={"state": "disconnected"})
        now = await agent(core, uid)
        if now["state"] == "after_work":
            assert [c.id for c in (await me.conversations.list()).entities or ()] == [call_id]
            await me.request("PATCH", path, json={"wrapup": {"code": "resolved"}})
        assert (await agent(core, uid))["call_id"] is None
        assert (await me.conversations.list()).entities == []

    ended = await client.conversations.get(call_id)
    agent_part = next(p for p in ended.participants or () if p.purpose == "agent")
    assert agent_part.end_time is not None
    details = await client.analytics.conversation_details(
        {"interval": "2023-11-14T00:00:00Z/2023-11-16T00:00:00Z", "pageSize": 100}
    )
    assert details.total_hits and details.total_hits >= truth["center"]["offered"] - 1
    finished = {c.conversation_id: c for c in details.conversations or ()}
    if call_id in finished:
        mine = next(p for p in finished[call_id].participants or () if p.user_id == uid)
        session = (mine.sessions or [])[0]
        names = {m.name for m in session.metrics or ()}
        assert {"tTalk", "tHandle"} <= names


async def test_a_center_of_2000_agents_and_200_queues_stays_consistent() -> None:
    emu = await sim_emulator(CenterSpec.generate(agents=2_000, queues=200, seed=2))
    try:
        async with emulator_client(emu) as client, aiohttp.ClientSession(timeout=T) as http:
            core = Core(emu, http)
            await core.advance(0)
            truth = await core.truth()
            queue_ids = [q["genesys_id"] for q in truth["queues"]]
            view = View(tenant=DEMO.genesys.org_id)
            async with NotificationHub(client, reconnect=FAST_RECONNECT) as hub:
                hub.on("topic", view)
                await hub.subscribe(sim_topics(truth))  # 2,200 topics: 3 channels
                assert len(hub.channels) == 3
                await view.backfill(client, queue_ids)
                assert not view.differences(truth)
                for seconds in (90, 600):
                    await core.advance(seconds)
                    truth = await core.truth()
                    await view.until(lambda truth=truth: view.differences(truth))
                assert view.untyped == []
            busy = sum(q["agents"]["on_interaction"] for q in truth["queues"])
            assert busy and truth["center"]["offered"] > 100
            presence = await presence_ids(client)
            got = await observations(client, queue_ids)
            assert got == expected_observations(truth, skilled(emu), presence)
    finally:
        await emu.stop()
