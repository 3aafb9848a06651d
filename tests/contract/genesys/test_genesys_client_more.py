"""Hooks, custom transports, pacing, mutual TLS, gateways, and the newer resources (SCIM,
users search, async analytics jobs, aggregates, Usage API) against the emulator."""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict

from cxkit.config import LoggingConfig
from cxkit.core.http import APIResponse, RetryEvent
from cxkit.emulator.server import EmulatorServer
from cxkit.errors import (
    BadRequestError,
    ConfigError,
    ConnectError,
    NotFoundError,
    TokenRefreshError,
)
from cxkit.genesys.api.analytics import AnalyticsJobFailed
from cxkit.genesys.client import GENESYS, GenesysClient
from cxkit.genesys.models import EntityListing, ScimUser, User
from cxkit.genesys.regions import GatewayConfig
from cxkit.genesys.tls import mtls_context, mtls_context_from_contents, tls_context
from cxkit.genesys.transport import DefaultTransport, HttpRequestOptions, Pacer

from .conftest import CC, Admin, G, emulator_client, start_emulator

INTERVAL = "2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"
USERS = "^/api/v2/users$"


async def ended_calls(admin: Admin, count: int) -> list[str]:
    """``count`` answered and ended calls on the first queue (their ids, oldest first)."""
    queue = (await admin.state())["queues"][0]
    agent = next(iter(queue["members"]))
    ids = []
    for _ in range(count):
        await admin("set_routing_status", {"user_id": agent, "status": "IDLE"})
        offered = await admin("offer_call", {"queue_id": queue["id"], "user_id": agent})
        cid = offered["conversation"]["id"]
        await admin("answer_call", {"conversation_id": cid})
        await admin("end_call", {"conversation_id": cid})
        ids.append(cid)
    return ids


# --------------------------------------------------------------------------- hooks, transport


async def test_pre_and_post_hooks_see_every_request(emu: EmulatorServer) -> None:
    sent: list[str] = []
    seen: list[int] = []

    def pre(options: HttpRequestOptions) -> None:
        sent.append(options.url)
        if options.url == "/api/v2/users":
            options.params = {**(options.params or {}), "pageSize": 1}  # hooks may edit

    async def post(response: APIResponse) -> None:
        seen.append(response.status)

    async with emulator_client(emu, pre_hook=pre, post_hook=post) as gc:
        listing = await gc.users.list(page_size=5)
        assert len(listing.entities) == 1  # the pre-hook's change went out
        with pytest.raises(NotFoundError):
            await gc.users.get("nope")
        # The first call needed a token: its request passed the hooks too (from inside).
        assert sent == ["/api/v2/users", f"{emu.url}/oauth/token", "/api/v2/users/nope"]
        assert seen == [200, 200, 404]  # the post-hook saw the 404 before it was raised

        def refuse(options: HttpRequestOptions) -> None:
            raise PermissionError(f"{options.method} blocked by policy")

        gc.pre_hook = refuse
        with pytest.raises(PermissionError):
            await gc.users.list()
        assert seen == [200, 200, 404]  # nothing was sent
        gc.pre_hook = gc.post_hook = None
        assert (await gc.users.list(page_size=2)).entities


async def test_custom_transports(emu: EmulatorServer) -> None:
    class Recording:
        def __init__(self, inner: DefaultTransport) -> None:
            self.inner = inner
            self.calls: list[str] = []

        async def do(self, options: HttpRequestOptions) -> APIResponse:
            self.calls.append(f"{options.method} {options.url}")
            return await self.inner.do(options)

    async with emulator_client(emu) as gc:
        recording = Recording(DefaultTransport(gc.http))
        gc.set_transport(recording)
        assert gc.transport is recording
        await gc.users.list()
        assert recording.calls == ["GET /api/v2/users", f"POST {emu.url}/oauth/token"]

    class Canned:
        """No network at all: every call gets the same listing."""

        async def do(self, options: HttpRequestOptions) -> APIResponse:
            return APIResponse(
                status=200,
                headers=CIMultiDict({"ININ-Correlation-Id": "c-1"}),
                content=b'{"entities": [{"id": "u1", "name": "Ann"}], "total": 1}',
                elapsed=0.0,
                method=options.method,
                url=options.url,
                vendor=GENESYS,
            )

    async with GenesysClient(base_url=emu.url, access_token="t", transport=Canned()) as gc:
        listing, response = await gc.with_response(gc.users.list())
        assert [u.name for u in listing.entities] == ["Ann"]
        assert response.correlation_id == "c-1"
    with pytest.raises(ConfigError):
        GenesysClient(base_url=emu.url, access_token="t", transport=object())  # type: ignore[arg-type]


async def test_pacing_spaces_request_starts(emu: EmulatorServer) -> None:
    starts: list[float] = []
    async with emulator_client(emu, pacing=0.05) as gc:
        await gc.login()
        gc.pre_hook = lambda options: starts.append(time.monotonic())
        await asyncio.wait_for(asyncio.gather(*(gc.users.list() for _ in range(4))), 5)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 4 and min(gaps) >= 0.045


async def test_a_429_holds_the_whole_backlog(emu: EmulatorServer, admin: Admin) -> None:
    got_429 = asyncio.Event()
    starts: dict[str, float] = {}
    limited_at: list[float] = []

    def on_retry(event: RetryEvent) -> None:
        limited_at.append(time.monotonic())
        got_429.set()

    async with emulator_client(emu, pacing=Pacer(0.0), on_retry=on_retry) as gc:
        await gc.login()
        await admin.fault(USERS, 429, headers={"Retry-After": "0.3"})
        first = asyncio.ensure_future(gc.users.list())
        await asyncio.wait_for(got_429.wait(), 5)
        gc.pre_hook = lambda options: starts.setdefault("second", time.monotonic())
        second = await asyncio.wait_for(gc.users.get(G.user.user_id), 5)
        assert second.id == G.user.user_id and (await first).entities
    assert starts["second"] - limited_at[0] >= 0.25  # waited out the other call's 429


# --------------------------------------------------------------------------- TLS, gateway


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate (EC, 2 days)."""
    d = tmp_path_factory.mktemp("certs")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", d / "ca.key", "-out", d / "ca.pem", "-days", "2",
             "-subj", "/CN=cxkit test CA")  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, extra in (("server", ("-extfile", d / "san.ext")), ("client", ())):
        _openssl("req", *ec, "-keyout", d / f"{name}.key", "-out", d / f"{name}.csr",
                 "-subj", f"/CN={name}")  # fmt: skip
        _openssl("x509", "-req", "-in", d / f"{name}.csr", "-CA", d / "ca.pem", "-CAkey",
                 d / "ca.key", "-CAcreateserial", "-out", d / f"{name}.pem", "-days", "2",
                 *extra)  # fmt: skip
    yield d


@pytest.fixture
async def mtls_gateway(emu: EmulatorServer, certs: Path) -> AsyncIterator[str]:
    """An HTTPS gateway in front of the emulator that demands a client certificate."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs / "ca.pem"))
    server.load_cert_chain(certs / "server.pem", certs / "server.key")
    server.verify_mode = ssl.CERT_REQUIRED

    async with aiohttp.ClientSession() as upstream:

        async def forward(request: web.Request) -> web.Response:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            async with upstream.request(
                request.method,
                emu.url + request.path_qs,
                headers=headers,
                data=await request.read(),
            ) as resp:
                body = await resp.read()
                keep = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP}
                return web.Response(status=resp.status, body=body, headers=keep)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield f"https://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


async def test_mutual_tls_without_disabling_verification(mtls_gateway: str, certs: Path) -> None:
    secret = CC.client_secret.reveal() if CC.client_secret else ""
    good = mtls_context(certs / "client.pem", certs / "client.key", ca_file=certs / "ca.pem")
    assert good.verify_mode is ssl.CERT_REQUIRED and good.check_hostname
    assert good.minimum_version is ssl.TLSVersion.TLSv1_2
    async with GenesysClient(
        base_url=mtls_gateway, client_id=CC.client_id, client_secret=secret, ssl=good
    ) as gc:
        assert (await gc.users.list(page_size=1)).entities
    contents = mtls_context_from_contents(
        (certs / "client.pem").read_text(),
        (certs / "client.key").read_text(),
        (certs / "ca.pem").read_text(),
    )
    async with GenesysClient(
        base_url=mtls_gateway, client_id=CC.client_id, client_secret=secret, ssl=contents
    ) as gc:
        assert (await gc.tokens.me()).organization is not None
    # No client certificate: the gateway refuses the handshake.
    no_cert = tls_context(ca_file=certs / "ca.pem")
    # The server's CA unknown: verification is on, so the client refuses the gateway.
    wrong_ca = mtls_context(certs / "client.pem", certs / "client.key")
    for context in (no_cert, wrong_ca):
        async with GenesysClient(
            base_url=mtls_gateway, client_id=CC.client_id, client_secret=secret, ssl=context,
            retry=None,
        ) as gc:  # fmt: skip
            with pytest.raises(TokenRefreshError) as caught:
                await gc.login()
            assert isinstance(caught.value.__cause__, ConnectError)
    with pytest.raises(ConfigError, match="client_certificate"):
        mtls_context(certs / "client.pem", certs / "ca.key", ca_file=certs / "ca.pem")


async def test_gateway_path_params_reach_the_emulator() -> None:
    emu = await start_emulator(gateway_api_prefix="gw/api", gateway_login_prefix="gw/login")
    try:
        port = int(emu.url.rsplit(":", 1)[1])
        gateway = GatewayConfig(
            host="127.0.0.1",
            protocol="http",
            port=port,
            path_params_api="gw/api",
            path_params_login="gw/login",
        )
        secret = CC.client_secret.reveal() if CC.client_secret else ""
        async with GenesysClient(
            gateway=gateway, client_id=CC.client_id, client_secret=secret
        ) as gc:
            assert gc.hosts.login_url == f"{emu.url}/gw/login"
            listing, response = await gc.with_response(gc.users.list())
            assert listing.total == 12 and "/gw/api/api/v2/users" in response.url
    finally:
        await emu.stop()


# --------------------------------------------------------------------------- resources


async def test_scim_index_paging(client: GenesysClient) -> None:
    pager = client.scim.iter_users(count=5)
    users = await pager.collect()
    assert len(users) == 12 and all(isinstance(u, ScimUser) for u in users)
    assert len({u.id for u in users}) == 12 and pager.pages_fetched == 3
    one = await client.scim.get_user(users[0].id or "")
    assert one.user_name == users[0].user_name


async def test_users_search_pages(client: GenesysClient) -> None:
    query = {"query": [{"type": "CONTAINS", "fields": ["email"], "value": "@"}]}
    page = await client.users.search({**query, "pageSize": 5})
    assert page.total == 12 and page.page_count == 3 and isinstance(page.results[0], User)
    pager = client.users.iter_search(query, page_size=5)
    found = await pager.collect()
    assert len({u.id for u in found}) == 12 and pager.pages_fetched == 3
    exact = await client.users.search(
        {"query": [{"type": "EXACT", "fields": ["email"], "value": G.user.email}]}
    )
    assert [u.email for u in exact.results] == [G.user.email]
    # the same search by GET (q64), with an expand
    by_get = await client.users.search_q64(
        {"query": [{"type": "EXACT", "fields": ["email"], "value": G.user.email}]},
        expand=["presence"],
    )
    assert [u.email for u in by_get.results] == [G.user.email]
    assert by_get.results[0].presence is not None


async def test_users_create_profile_skills_and_delete(client: GenesysClient) -> None:
    created = await client.users.create({"name": "Zoe Quinn", "email": "zoe@example.com"})
    assert created.id and created.name == "Zoe Quinn" and created.state == "active"
    assert await client.users.set_profile_skills(created.id, ["French", "Billing"]) == [
        "French",
        "Billing",
    ]
    await client.users.delete(created.id)
    with pytest.raises(NotFoundError):
        await client.users.get(created.id)
    gone = await client.users.get(created.id, state="deleted")
    assert gone.state == "deleted"
    with pytest.raises(BadRequestError):
        await client.users.create({"name": "No Mail", "email": "nope"})


async def test_async_details_job(client: GenesysClient, admin: Admin) -> None:
    ids = await ended_calls(admin, 5)
    pager = await client.analytics.run_conversation_details_job(
        {"interval": INTERVAL}, page_size=2, poll_interval=0.01, timeout=5
    )
    conversations = await pager.collect()
    assert [c.conversation_id for c in conversations] == ids and pager.pages_fetched == 3
    one = await client.analytics.conversation(ids[0])
    assert one.conversation_id == ids[0] and one.participants
    with pytest.raises(NotFoundError):
        await client.analytics.conversation("no-such-conversation")
    job = await client.analytics.submit_conversation_details_job({"interval": INTERVAL})
    await admin("analytics_job", {"job_id": job.job_id, "state": "FAILED", "error_message": "x"})
    with pytest.raises(AnalyticsJobFailed) as caught:
        await client.analytics.wait_for_conversation_details_job(job.job_id, poll_interval=0.01)
    assert caught.value.state == "FAILED" and caught.value.vendor_message == "x"


async def test_details_paging_survives_shifting_pages() -> None:
    emu = await start_emulator(analytics_shift_pages=True)
    try:
        async with aiohttp.ClientSession() as http, emulator_client(emu) as gc:
            ids = await ended_calls(Admin(emu.url, http), 5)
            pager = gc.analytics.iter_conversation_details({"interval": INTERVAL}, page_size=2)
            got = [c.conversation_id for c in await pager.collect()]
            assert got == ids and pager.duplicates > 0  # pages moved; nothing lost, none twice
    finally:
        await emu.stop()


async def test_aggregates_and_usage(client: GenesysClient, admin: Admin) -> None:
    await ended_calls(admin, 2)
    aggregates = await client.analytics.conversation_aggregates(
        {"interval": INTERVAL, "groupBy": ["queueId"], "metrics": ["nOffered", "tTalk"]}
    )
    stats = {m.metric: m.stats for m in aggregates.results[0].data[0].metrics}
    assert stats["nOffered"] is not None and stats["nOffered"].count == 2
    for _ in range(3):
        await client.users.list()
    usage = await client.usage.query(INTERVAL, group_by=["OAuthClientId", "TemplateUri"])
    rows = {r.template_uri: r for r in usage.results}
    users = rows["api/v2/users"]
    assert users.client_id == CC.client_id and users.requests == users.status200 == 3


async def test_listing_type_is_generic(client: GenesysClient) -> None:
    listing = await client.call("GET", "/api/v2/users", EntityListing[User], params={"pageSize": 1})
    assert isinstance(listing.entities[0], User)


async def test_plain_string_secrets_are_kept_secret(emu: EmulatorServer) -> None:
    from cxkit.genesys.oauth import ClientCredentials

    secret = CC.client_secret.reveal() if CC.client_secret else ""
    grant = ClientCredentials(CC.client_id, secret)  # a plain str is fine (and typed so)
    assert secret not in repr(grant) and grant.client_secret.reveal() == secret
    async with GenesysClient(base_url=emu.url, grant=grant) as gc:
        assert await gc.tokens.verify()


async def test_sdk_style_logging_is_redacted(emu: EmulatorServer, tmp_path: Path) -> None:
    """Trace + JSON + bodies to a file, as the official SDKs' logging configuration does:
    the token exchange and the API call are logged, and no secret is."""
    log_file = tmp_path / "genesys.log"
    settings = LoggingConfig(
        level="trace",
        format="json",
        to_console=False,
        file_path=str(log_file),
        log_request_body=True,
        log_response_body=True,
    )
    async with emulator_client(emu, logging=settings) as gc:
        token = await gc.login()
        await gc.users.list(page_size=1)
        with pytest.raises(NotFoundError):
            await gc.users.get("nope")
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    by_url = {(r["method"], r["url"].split("?")[0].removeprefix(emu.url)): r for r in lines}
    login = by_url[("POST", "/oauth/token")]
    listing = by_url[("GET", "/api/v2/users")]
    missing = by_url[("GET", "/api/v2/users/nope")]
    assert listing["statusCode"] == 200 and listing["correlationId"]
    assert listing["requestHeaders"]["Authorization"] == "[REDACTED]"
    assert "inin-ratelimit-count" in {k.lower() for k in listing["responseHeaders"]}
    assert missing["level"].upper() == "ERROR" and missing["statusCode"] == 404
    text = log_file.read_text()
    secret = CC.client_secret.reveal() if CC.client_secret else "?"
    assert token.access_token.reveal() not in text and secret not in text
    assert login["requestHeaders"]["Authorization"] == "[REDACTED]"
