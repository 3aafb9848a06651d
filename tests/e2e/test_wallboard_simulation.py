"""The web wallboard in headless Chromium, fed by both vendors' views of one simulated center.

The emulator runs the demo center with a frozen clock; the Five9 supervisor stream and a
Genesys notification hub feed one wallboard; Chromium shows the page. The test moves the clock
and steers agents through ``/_emulator/sim``, and after every step waits until both vendors'
sections of the page show the simulation's truth (``GET /_emulator/sim``): every agent's
state, and every queue's calls waiting. So the numbers on the page change as the simulation
runs, both vendors agree, and they are right.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cxkit.config import ReconnectPolicy
from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.server import EmulatorServer
from cxkit.emulator.tenant import DEMO
from cxkit.five9.client import Five9Client
from cxkit.genesys import topics
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.normalize import Normalizer, agent_state_of_user, queue_query
from cxkit.genesys.notifications import NotificationHub
from cxkit.sim import CenterSpec, SimConfig
from cxkit.wallboard import Wallboard

from .cdp import Chromium, Page
from .test_wallboard_browser import READ_PAGE

pytestmark = pytest.mark.asyncio

FAST_RECONNECT = ReconnectPolicy(min_wait=0.01, max_wait=0.05, reset_after=0.5)
SETTLE = 15.0  # seconds the page may take to show a new truth (it takes ~0.1 s)


def genesys_state(state: str) -> str:
    # Genesys shows after-call work as INTERACTING (the ACW is on the conversation): the
    # unified state of its agents folds it into on_interaction.
    return "on_interaction" if state == "after_work" else state


def expected(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What each vendor's section must show, keyed by that vendor's ids."""
    return {
        "five9": {
            "agents": {a["five9_id"]: a["state"] for a in truth["agents"]},
            "waiting": {q["five9_id"]: str(q["calls_waiting"]) for q in truth["queues"]},
        },
        "genesys": {
            "agents": {a["genesys_id"]: genesys_state(a["state"]) for a in truth["agents"]},
            "waiting": {q["genesys_id"]: str(q["calls_waiting"]) for q in truth["queues"]},
        },
    }


def shown(source: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
    """The same shape read from the page (only the simulated agents and queues)."""
    return {
        "agents": {uid: source["agents"].get(uid) for uid in want["agents"]},
        "waiting": {
            qid: source["queues"].get(qid, {}).get("calls_waiting") for qid in want["waiting"]
        },
    }


class Rig:
    def __init__(self, emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.http = http
        self.clock_offset = 0.0
        self.keys: dict[str, str] = {}
        self.page: Page
        self.history: list[dict[str, Any]] = []

    def clock(self) -> float:
        return time.time() + self.clock_offset

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.emu.url}/_emulator/{path}"
        async with self.http.request(method, url, json=body) as resp:
            assert resp.status < 300, (path, resp.status, await resp.text())
            return await resp.json()

    async def advance(self, seconds: float) -> None:
        state = await self.call("POST", "clock/advance", {"seconds": seconds})
        self.clock_offset = state["now"] - time.time()

    async def page_matches_truth(self) -> dict[str, Any]:
        """Wait until both vendors' sections show the truth; return the truth."""
        truth = await self.call("GET", "sim")
        want = expected(truth)

        def matches(doc: dict[str, Any]) -> bool:
            for vendor, key in self.keys.items():
                source = doc["sources"].get(key)
                if source is None or shown(source, want[vendor]) != want[vendor]:
                    return False
            return True

        await self.page.wait_for(
            READ_PAGE, matches, timeout=SETTLE, what=f"both vendors to show {want}"
        )
        self.history.append(truth)
        return truth


@pytest.fixture
async def rig(chromium: str, tmp_path: Path) -> AsyncIterator[Rig]:
    config = EmulatorConfig(
        seed=7, simulation=SimConfig(center=CenterSpec.demo(), seed=7), frozen_clock=True
    )
    async with AsyncExitStack() as stack:
        emu = await stack.enter_async_context(EmulatorServer(config))
        http = await stack.enter_async_context(aiohttp.ClientSession())
        rig = Rig(emu, http)
        board = Wallboard(title="One center, two vendors", clock=rig.clock, flush_interval=0.05)
        stack.push_async_callback(board.close)

        sup = DEMO.five9.supervisor
        five9 = Five9Client(
            sup.username,
            sup.password.reveal(),
            base_url=emu.url,
            propagation_delay=0.01,
            ping_interval=0.5,
            reconnect=FAST_RECONNECT,
        )
        stack.push_async_callback(five9.close)
        await five9.supervisor.load_names()
        rig.keys["five9"] = f"five9:{five9.org_id}"

        cc = DEMO.genesys.client_credentials
        assert cc.client_secret is not None
        genesys = GenesysClient(
            base_url=emu.url, client_id=cc.client_id, client_secret=cc.client_secret.reveal()
        )
        stack.push_async_callback(genesys.close)
        me = await genesys.tokens.me()
        org = me.organization.id if me.organization and me.organization.id else ""
        rig.keys["genesys"] = f"genesys:{org}"
        users = [u async for u in genesys.users.iter(expand=["presence", "routingStatus"])]
        queues = {q.id: q.name or q.id async for q in genesys.routing.iter_queues() if q.id}
        # Genesys sends changes only: the board starts from every agent's state and every
        # queue's figures read by REST.
        observed = await genesys.analytics.queue_observations(queue_query(queues))
        board.snapshot(
            "genesys",
            org,
            [agent_state_of_user(u, tenant=org) for u in users]
            + Normalizer(tenant=org).queue_observations(observed),
        )
        board.names("genesys", org, agents={u.id: u.name or u.id for u in users if u.id})
        board.names("genesys", org, queues=queues)
        hub = NotificationHub(genesys, tenant=org, reconnect=FAST_RECONNECT)
        stack.push_async_callback(hub.close)
        board.attach(hub, tenant=org)
        wanted = [
            t
            for u in users
            if u.id
            for t in (topics.user_presence(u.id), topics.user_routing_status(u.id))
        ]
        wanted += [topics.queue_observations(qid) for qid in queues]
        await hub.subscribe(wanted)

        stream = await stack.enter_async_context(five9.supervisor_stream())
        board.attach(stream)
        url = await board.serve("127.0.0.1", 0)
        browser = await stack.enter_async_context(
            Chromium.launch(tmp_path / "chromium", executable=chromium)
        )
        rig.page = await browser.new_page(url)
        yield rig


async def test_both_vendors_on_the_page_follow_the_one_simulated_center(rig: Rig) -> None:
    start = await rig.page_matches_truth()
    # t=0: the day shift is in, the evening shift (logs in after 10 minutes) is not.
    assert sum(a["state"] == "logged_out" for a in start["agents"]) >= 4

    # Agents log in over the first minutes; calls arrive, are routed, talked, wrapped up.
    for _ in range(6):
        await rig.advance(60)
        await rig.page_matches_truth()

    # A supervisor's action: the first ready agent goes on break; both vendors show it.
    truth = rig.history[-1]
    agent = next(a for a in truth["agents"] if a["state"] == "ready")
    await rig.call(
        "POST", "sim/agent", {"agent": agent["username"], "action": "not_ready", "reason": "Break"}
    )
    after = await rig.page_matches_truth()
    assert next(a for a in after["agents"] if a["agent_id"] == agent["agent_id"])["state"] == (
        "not_ready"
    )

    # Everybody skilled for Claims goes on break, then calls arrive there: they wait, and
    # both vendors show the same queue.
    claims = next(q for q in after["queues"] if q["name"] == "Claims")
    for a in after["agents"]:
        if a["state"] in ("ready", "on_interaction", "after_work"):
            await rig.call("POST", "sim/agent", {"agent": a["agent_id"], "action": "logout"})
    for _ in range(3):
        await rig.call("POST", "sim/offer", {"queue": "Claims"})
    waiting = await rig.page_matches_truth()
    assert (
        next(q for q in waiting["queues"] if q["queue_id"] == claims["queue_id"])["calls_waiting"]
        >= 3
    )

    # The figures really moved as the simulation ran.
    states = [tuple(sorted(a["state"] for a in t["agents"])) for t in rig.history]
    assert len(set(states)) >= 5
    seen = {a["state"] for t in rig.history for a in t["agents"]}
    assert {"logged_out", "ready", "on_interaction", "not_ready"} <= seen
