"""The web wallboard in headless Chromium against the emulator, end to end.

The emulator runs both vendors; the Five9 client's supervisor stream and a Genesys
notification hub feed one wallboard; Chromium (driven over the DevTools protocol) shows the
page. The emulator's scenario is stepped through its admin API, and after every step the test
waits until the numbers on the page equal the emulator's truth (``POST /_emulator/five9/state``),
so it checks both that they change as the simulation runs and that they are right.
A screenshot of the final page is saved (``$WALLBOARD_SCREENSHOT`` names a copy).
"""

from __future__ import annotations

import os
import shutil
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
from cxkit.five9.stats import five9_agent_state
from cxkit.genesys import topics
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.normalize import agent_state
from cxkit.genesys.notifications import NotificationHub
from cxkit.wallboard import Wallboard

from .cdp import Chromium, Page, poll

pytestmark = pytest.mark.asyncio

SALES, SUPPORT = "300000000000171", "300000000000127"
FAST_RECONNECT = ReconnectPolicy(min_wait=0.01, max_wait=0.05, reset_after=0.5)
SETTLE = 15.0  # seconds the page may take to show a new truth (it takes ~0.1 s)

# Everything the page shows, read from its DOM.
READ_PAGE = r"""
(() => {
  const out = {version: document.body.dataset.version || "", link: document.body.dataset.link,
               sources: {}};
  for (const s of document.querySelectorAll("section.source")) {
    const src = {status: s.dataset.status, kpis: {}, kpiClass: {}, counts: {}, queues: {},
                 queueClass: {}, agents: {}};
    for (const k of s.querySelectorAll("[data-kpi]")) {
      src.kpis[k.dataset.kpi] = k.querySelector(".kpi-value").textContent.trim();
      src.kpiClass[k.dataset.kpi] = k.className;
    }
    for (const c of s.querySelectorAll("[data-agent-count]")) {
      src.counts[c.dataset.agentCount] = Number(c.querySelector("b").textContent);
    }
    for (const q of s.querySelectorAll("article[data-queue]")) {
      const fields = {};
      for (const f of q.querySelectorAll("[data-field]")) {
        fields[f.dataset.field] = f.textContent.trim();
      }
      src.queues[q.dataset.queue] = fields;
      src.queueClass[q.dataset.queue] = q.className;
    }
    for (const a of s.querySelectorAll("[data-agent]")) {
      src.agents[a.dataset.agent] = a.dataset.state;
    }
    out.sources[s.dataset.source] = src;
  }
  return out;
})()
"""


def seconds_of(text: str) -> int:
    """``m:ss`` / ``h:mm:ss`` -> seconds."""
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return total


def five9_truth(state: dict[str, Any]) -> dict[str, Any]:
    """What the page must show for the Five9 source, from the emulator's published rows."""
    queues = {}
    for row in state["stats"]["ACD_STATUS"]:
        if row["id"] == "0":
            continue  # domain totals
        queues[row["id"]] = {
            "calls_waiting": str(row["callsInQueue"]),
            "agents_ready": str(row["agentsInQueue"]),
            "agents_on_interaction": str(row["agentsOnCall"]),
            "agents_not_ready": str(row["agentsNotReadyForCalls"]),
            "agents_logged_in": str(row["agentsLoggedIn"]),
        }
    agents = {
        row["id"]: str(five9_agent_state(row["state"])) for row in state["stats"]["AGENT_STATE"]
    }
    counts = dict.fromkeys(("ready", "on_interaction", "after_work", "not_ready", "logged_out"), 0)
    for value in agents.values():
        counts[value] = counts.get(value, 0) + 1
    waiting = sum(int(q["calls_waiting"]) for q in queues.values())
    return {"queues": queues, "agents": agents, "counts": counts, "waiting": str(waiting)}


def five9_on_page(page: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The same shape as :func:`five9_truth`, read from the page."""
    source = page["sources"].get(key)
    if source is None:
        return None
    wanted = ("calls_waiting", "agents_ready", "agents_on_interaction", "agents_not_ready")
    queues = {
        qid: {name: fields.get(name) for name in (*wanted, "agents_logged_in")}
        for qid, fields in source["queues"].items()
    }
    counts = {
        s: source["counts"].get(s)
        for s in ("ready", "on_interaction", "after_work", "not_ready", "logged_out")
    }
    return {
        "queues": queues,
        "agents": source["agents"],
        "counts": counts,
        "waiting": source["kpis"].get("calls_waiting"),
    }


def _presence(user: dict[str, Any]) -> str:
    # the emulator's truth spells system presences as the REST API does ("ON_QUEUE"); topic
    # events and the normaliser use the notification spelling ("On Queue")
    return str(user["systemPresence"]).replace("_", " ")


class Rig:
    """The running pieces and the helpers the test steps with."""

    def __init__(self, emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.http = http
        self.clock_offset = 0.0
        self.page: Page
        self.board: Wallboard
        self.five9_key = ""
        self.genesys_key = ""
        self.seen: list[dict[str, Any]] = []

    def clock(self) -> float:
        """The board's clock follows the emulator's (which the test advances)."""
        return time.time() + self.clock_offset

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.post(f"{self.emu.url}/_emulator/{path}", json=body or {}) as resp:
            assert resp.status < 300, (path, resp.status, await resp.text())
            return await resp.json()

    async def advance_clock(self, seconds: float) -> None:
        state = await self.post("clock/advance", {"seconds": seconds})
        self.clock_offset = state["now"] - time.time()

    async def five9_matches_truth(self) -> dict[str, Any]:
        """Wait until the page's Five9 figures equal the emulator's truth; return the page."""
        expected = five9_truth(await self.post("five9/state"))
        page: dict[str, Any] = await self.page.wait_for(
            READ_PAGE,
            lambda doc: five9_on_page(doc, self.five9_key) == expected,
            timeout=SETTLE,
            what=f"the page to show the Five9 truth {expected}",
        )
        self.seen.append(five9_on_page(page, self.five9_key) or {})
        return page

    async def genesys_matches_truth(self) -> dict[str, Any]:
        """Wait until every Genesys agent on the page shows the emulator's state for it."""
        users = {u["id"]: u for u in (await self.post("genesys/state"))["users"]}

        def matches(doc: dict[str, Any]) -> bool:
            source = doc["sources"].get(self.genesys_key)
            if source is None or not source["agents"]:
                return False
            return all(
                state == str(agent_state(_presence(users[uid]), users[uid]["routingStatus"])[0])
                for uid, state in source["agents"].items()
            )

        page: dict[str, Any] = await self.page.wait_for(
            READ_PAGE, matches, timeout=SETTLE, what="the Genesys agents to match the truth"
        )
        return page


@pytest.fixture
async def rig(chromium: str, tmp_path: Path) -> AsyncIterator[Rig]:
    async with AsyncExitStack() as stack:
        emu = await stack.enter_async_context(EmulatorServer(EmulatorConfig(seed=7)))
        http = await stack.enter_async_context(aiohttp.ClientSession())
        rig = Rig(emu, http)
        board = Wallboard(title="Support floor", clock=rig.clock, flush_interval=0.05)
        rig.board = board
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
        await five9.supervisor.load_names()  # logs in: names, and the stream knows its tenant
        rig.five9_key = f"five9:{five9.org_id}"

        cc = DEMO.genesys.client_credentials
        assert cc.client_secret is not None
        genesys = GenesysClient(
            base_url=emu.url, client_id=cc.client_id, client_secret=cc.client_secret.reveal()
        )
        stack.push_async_callback(genesys.close)
        org = (await rig.post("genesys/state"))["org"]["id"]
        rig.genesys_key = f"genesys:{org}"
        users = {u.id: u.name or u.id async for u in genesys.users.iter() if u.id}
        queues = {q.id: q.name or q.id async for q in genesys.routing.iter_queues() if q.id}
        board.names("genesys", org, agents=users, queues=queues)
        board.label("genesys", org, "Genesys Cloud · Demo org")
        hub = NotificationHub(genesys, tenant=org, reconnect=FAST_RECONNECT)
        stack.push_async_callback(hub.close)
        board.attach(hub, tenant=org)
        wanted = [
            t for uid in users for t in (topics.user_presence(uid), topics.user_routing_status(uid))
        ]
        wanted += [
            t
            for qid in queues
            for t in (topics.queue_conversations(qid), topics.queue_observations(qid))
        ]
        await hub.subscribe(wanted)

        stream = await stack.enter_async_context(five9.supervisor_stream())
        board.attach(stream)
        url = await board.serve("127.0.0.1", 0)

        browser = await stack.enter_async_context(
            Chromium.launch(tmp_path / "chromium", executable=chromium)
        )
        rig.page = await browser.new_page(url)
        yield rig


async def test_the_page_follows_the_simulation_and_matches_the_emulator(
    rig: Rig, tmp_path: Path
) -> None:
    page = rig.page
    first = await rig.five9_matches_truth()
    assert first["link"] == "live"
    five9 = first["sources"][rig.five9_key]
    assert five9["status"] == "live"
    assert five9["counts"]["ready"] == 0  # nobody logged in yet
    assert set(five9["queues"]) == {SALES, SUPPORT, "300000000000125"}

    # Calls arrive while nobody is ready: they wait. The clock jumps 75 s, then one more call
    # makes Five9 republish the Sales row with its 75 s wait: past the 60 s breach line.
    await rig.post("five9/offer_call", {"skillId": SALES})
    await rig.post("five9/offer_call", {"skillId": SUPPORT})
    await rig.advance_clock(75)
    await rig.post("five9/offer_call", {"skillId": SALES})
    waiting = await rig.five9_matches_truth()
    sales = waiting["sources"][rig.five9_key]["queues"][SALES]
    assert sales["calls_waiting"] == "2"
    assert seconds_of(sales["longest_wait"]) >= 75
    assert "breach" in waiting["sources"][rig.five9_key]["queueClass"][SALES]
    kpis = waiting["sources"][rig.five9_key]
    assert kpis["kpis"]["calls_waiting"] == "3"
    assert seconds_of(kpis["kpis"]["longest_wait"]) >= 75
    assert "breach" in kpis["kpiClass"]["longest_wait"]
    # the wait ticks on the page by itself, with no new event
    before = seconds_of(sales["longest_wait"])
    await page.wait_for(
        READ_PAGE,
        lambda doc: (
            seconds_of(doc["sources"][rig.five9_key]["queues"][SALES]["longest_wait"]) > before
        ),
        timeout=5,
        what="the Sales longest wait to tick",
    )

    # The scenario: agents log in (the waiting calls are routed), then calls come and go.
    await rig.post("five9/scenario", {"action": "step"})
    after_setup = await rig.five9_matches_truth()
    assert (
        after_setup["sources"][rig.five9_key]["counts"]["ready"]
        + after_setup["sources"][rig.five9_key]["counts"]["on_interaction"]
        >= 6
    )
    for _ in range(6):
        await rig.post("five9/scenario", {"action": "step", "steps": 2})
        await rig.five9_matches_truth()

    # The supervisor socket drops; while it is down the floor changes. After the reconnect the
    # full statistics dump brings the page back to the truth, and the source is live again.
    before_drop = await rig.five9_matches_truth()
    idle = sorted(
        uid for uid, s in before_drop["sources"][rig.five9_key]["agents"].items() if s == "ready"
    )[0]
    gaps = rig.board.model.sources[rig.five9_key].gaps
    await rig.post("ws/drop", {"vendor": "five9"})
    await rig.post("five9/set_presence", {"userId": idle, "readyChannels": []})
    await rig.post("five9/scenario", {"action": "step"})
    await poll(
        lambda: (
            rig.board.model.sources[rig.five9_key].gaps > gaps
            and not rig.board.model.sources[rig.five9_key].stale
        ),
        timeout=SETTLE,
        what="a gap, then a fresh snapshot",
    )
    healed = await rig.five9_matches_truth()
    assert healed["sources"][rig.five9_key]["status"] == "live"
    assert healed["sources"][rig.five9_key]["agents"][idle] == "not_ready"

    # Genesys, side by side: its scenario runs too, and its tiles follow its own truth.
    await rig.post("genesys/scenario", {"action": "step", "count": 40})
    side = await rig.genesys_matches_truth()
    genesys = side["sources"][rig.genesys_key]
    assert genesys["status"] == "live"
    assert set(side["sources"]) == {rig.five9_key, rig.genesys_key}
    await page.wait_for(
        READ_PAGE,
        lambda doc: (
            doc["sources"][rig.genesys_key]["kpis"]["handled"].isdigit()
            and doc["sources"][rig.genesys_key]["kpis"]["service_level"].endswith("%")
        ),
        timeout=SETTLE,
        what="Genesys handled calls and a service level derived from its interactions",
    )

    # The figures really moved as the simulation ran.
    waits = [s["waiting"] for s in rig.seen]
    readies = [s["counts"]["ready"] for s in rig.seen]
    busy = [s["counts"]["on_interaction"] for s in rig.seen]
    logged_out = [s["counts"]["logged_out"] for s in rig.seen]
    assert "0" in waits and "3" in waits
    assert min(readies) == 0 and max(readies) >= 1
    assert min(busy) == 0 and max(busy) >= 2
    assert max(logged_out) - min(logged_out) >= 8  # the scenario's agents logged in
    distinct = {repr(s) for s in rig.seen}
    assert len(distinct) >= 5, rig.seen

    # Leave calls waiting for the picture, then look at it.
    await rig.post("five9/set_presence", {"userId": "3000011", "readyChannels": []})
    await rig.post("five9/set_presence", {"userId": "3000017", "readyChannels": []})
    for _ in range(2):
        await rig.post("five9/offer_call", {"skillId": SUPPORT})
    await rig.five9_matches_truth()
    await page.wait_for(
        READ_PAGE,
        lambda doc: doc["sources"][rig.five9_key]["kpis"]["longest_wait"] not in ("0:00", "—"),
        timeout=5,
        what="the new calls' wait to start ticking",
    )
    shot = await page.screenshot(tmp_path / "wallboard.png")
    assert shot.stat().st_size > 10_000
    copy = os.environ.get("WALLBOARD_SCREENSHOT")
    if copy:
        shutil.copyfile(shot, copy)
    print(f"wallboard screenshot: {shot}")
