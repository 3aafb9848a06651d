"""HTTPClient over real loopback sockets: retries, errors, headers, proxy, cookies, settings."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest
from aiohttp import web

from cxkit.config import ProxyConfig, RetryPolicy, Secret, Timeouts
from cxkit.core.http import APIResponse, HTTPClient, RateLimit, RetryEvent, VendorProfile
from cxkit.errors import (
    BadRequestError,
    ConnectError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportTimeout,
    UsageError,
    VendorStateError,
)
from tests.helpers.loopback import serve

GENESYS = VendorProfile("genesys")
FIVE9 = VendorProfile("five9", correlation_headers=("X-Request-Id",))
FAST = RetryPolicy(max_retries=3, min_wait=0.01, max_wait=0.05)

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Recorder:
    """Records what the server saw; answers each request with the next scripted reply."""

    replies: list[Reply] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": list(request.query.items()),
                "headers": request.headers.copy(),  # case-insensitive
                "header_names": [name.lower() for name in request.headers],
                "body": await request.read(),
            }
        )
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return await reply(request)


def status(code: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        if body is None:
            return web.Response(status=code, headers=headers)
        if isinstance(body, str):
            return web.Response(status=code, text=body, headers=headers)
        return web.json_response(body, status=code, headers=headers)

    return reply


@asynccontextmanager
async def scripted(*replies: Reply) -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder(list(replies))
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    async with serve(app) as url:
        yield url, recorder


class Sleeps:
    """An injected sleep that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- retries


async def test_503_503_200_succeeds_after_two_recorded_retries() -> None:
    sleeps = Sleeps()
    events: list[RetryEvent] = []
    async with (
        scripted(status(503), status(503), status(200, {"ok": True})) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=FAST, sleep=sleeps, on_retry=events.append) as http,
    ):
        response = await asyncio.wait_for(http.request("GET", "/api/v2/things"), 5)
    assert response.status == 200
    assert response.body == {"ok": True}
    assert response.attempts == 3
    assert len(server.seen) == 3
    assert [(e.attempt, e.status, e.error) for e in events] == [(1, 503, None), (2, 503, None)]
    assert sleeps.delays == [e.delay for e in events]
    assert all(0.0 <= d <= FAST.max_wait for d in sleeps.delays)
    assert events[0].method == "GET" and events[0].url.endswith("/api/v2/things")


async def test_async_on_retry_hook_is_awaited_and_a_broken_hook_does_not_stop_retries() -> None:
    seen: list[int] = []

    async def hook(event: RetryEvent) -> None:
        seen.append(event.attempt)
        if event.attempt == 1:
            raise RuntimeError("hook bug")

    async with (
        scripted(status(502), status(504), status(200)) as (url, _server),
        HTTPClient(url, vendor=GENESYS, retry=FAST, sleep=Sleeps(), on_retry=hook) as http,
    ):
        response = await http.get("/x")
    assert response.status == 200
    assert seen == [1, 2]


async def test_429_retry_after_is_honoured() -> None:
    sleeps = Sleeps()
    async with (
        scripted(status(429, {"message": "slow down"}, {"Retry-After": "2"}), status(200)) as (
            url,
            server,
        ),
        HTTPClient(url, vendor=GENESYS, retry=FAST, sleep=sleeps) as http,
    ):
        response = await http.post("/x", json={"a": 1})  # 429 is safe to retry even for POST
    assert response.ok
    assert sleeps.delays == [2.0]
    assert len(server.seen) == 2


async def test_retry_after_above_cap_raises_rate_limit_error_at_once() -> None:
    sleeps = Sleeps()
    policy = FAST.replace(retry_after_cap=60.0)
    async with (
        scripted(
            status(429, {"message": "later", "code": "too.many.requests"}, {"Retry-After": "61"})
        ) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=policy, sleep=sleeps) as http,
    ):
        with pytest.raises(RateLimitError) as info:
            await http.get("/x")
    assert info.value.retry_after == 61.0
    assert info.value.status == 429
    assert len(server.seen) == 1
    assert sleeps.delays == []


async def test_429_without_retry_after_waits_for_the_reset_header_or_the_default() -> None:
    import time

    sleeps = Sleeps()
    reset_at = str(int(time.time()) + 5)  # a Unix moment, as Five9's reset-time header
    async with (
        scripted(
            status(429, None, {"X-RateLimit-Reset": reset_at}),
            status(429, None, {"inin-ratelimit-reset": "7"}),  # Genesys: seconds to go
            status(429, None),  # no hint at all
            # a reset already past (clock skew): not "retry at once" against a spent window
            status(429, None, {"X-RateLimit-Reset": str(int(time.time()) - 2)}),
            status(200),
        ) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=FAST.replace(max_retries=4), sleep=sleeps) as http,
    ):
        response = await http.get("/x")
    assert response.ok and len(server.seen) == 5
    first, second, third, fourth = sleeps.delays
    assert 3.0 < first <= 5.0
    assert (second, third, fourth) == (7.0, 3.0, 3.0)


async def test_max_elapsed_gives_up_instead_of_waiting_past_it() -> None:
    sleeps = Sleeps()
    policy = FAST.replace(max_elapsed=5.0)
    async with (
        scripted(status(429, None, {"Retry-After": "6"})) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=policy, sleep=sleeps) as http,
    ):
        with pytest.raises(RateLimitError) as info:
            await http.get("/x")
    assert info.value.retry_after == 6.0
    assert len(server.seen) == 1 and sleeps.delays == []


async def test_429_retries_exhausted_raise_rate_limit_error() -> None:
    sleeps = Sleeps()
    async with (
        scripted(status(429, None, {"Retry-After": "1"})) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=FAST.replace(max_retries=2), sleep=sleeps) as http,
    ):
        with pytest.raises(RateLimitError) as info:
            await http.get("/x")
    assert info.value.retry_after == 1.0
    assert len(server.seen) == 3
    assert sleeps.delays == [1.0, 1.0]


async def test_connection_refused_raises_connect_error_after_retries() -> None:
    sleeps = Sleeps()
    events: list[RetryEvent] = []
    url = f"http://127.0.0.1:{refused_port()}"
    async with HTTPClient(
        url, vendor=GENESYS, retry=FAST.replace(max_retries=2), sleep=sleeps, on_retry=events.append
    ) as http:
        with pytest.raises(ConnectError) as info:
            await asyncio.wait_for(http.get("/x"), 5)
        assert len(sleeps.delays) == 2
        assert all(isinstance(e.error, ConnectError) and e.status is None for e in events)
        assert info.value.method == "GET"
        assert "127.0.0.1" in str(info.value)

        sleeps.delays.clear()
        with pytest.raises(ConnectError):  # POST is not retried after a connection error
            await asyncio.wait_for(http.post("/x", json={}), 5)
        assert sleeps.delays == []


async def test_read_timeout_raises_transport_timeout() -> None:
    never = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response()

    sleeps = Sleeps()
    async with (
        scripted(hang) as (url, server),
        HTTPClient(
            url,
            vendor=GENESYS,
            timeouts=Timeouts(connect=1.0, read=0.05, total=5.0),
            retry=FAST.replace(max_retries=1),
            sleep=sleeps,
        ) as http,
    ):
        with pytest.raises(TransportTimeout) as info:
            await asyncio.wait_for(http.get("/slow"), 5)
    assert len(server.seen) == 2  # the GET was retried once, then gave up
    assert len(sleeps.delays) == 1
    assert "/slow" in str(info.value)


async def test_per_request_retry_and_timeout_override() -> None:
    never = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response()

    async with (
        scripted(hang) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=FAST, sleep=Sleeps()) as http,
    ):
        with pytest.raises(TransportTimeout):
            await asyncio.wait_for(
                http.get(
                    "/x",
                    retry=RetryPolicy(max_retries=0),
                    timeout=Timeouts(connect=1, read=0.05, total=1),
                ),
                5,
            )
    assert len(server.seen) == 1


# --------------------------------------------------------------------------- errors


async def test_genesys_error_body_is_parsed_into_the_exception() -> None:
    body = {
        "message": "The request could not be understood",
        "code": "bad.request",
        "status": 400,
        "contextId": "ctx-1",
    }
    async with (
        scripted(status(400, body, {"inin-correlation-id": "corr-123"})) as (url, _server),
        HTTPClient(url, vendor=GENESYS) as http,
    ):
        with pytest.raises(BadRequestError) as info:
            await http.post("/api/v2/users", json={"name": "x"})
    error = info.value
    assert error.vendor == "genesys"
    assert error.status == 400
    assert error.code == "bad.request"
    assert error.vendor_message == "The request could not be understood"
    assert error.correlation_id == "corr-123"  # header names are case-insensitive
    assert error.body == body
    assert error.method == "POST"
    assert error.url is not None and error.url.endswith("/api/v2/users")
    assert error.headers["Content-Type"].startswith("application/json")
    for text in (str(error), repr(error)):
        assert "bad.request" in text and "corr-123" in text


async def test_five9_error_body_and_other_statuses() -> None:
    five9_body = {"five9ExceptionDetail": {"errorCode": 1234, "message": "Agent not logged in"}}
    async with (
        scripted(
            status(435, five9_body, {"X-Request-Id": "req-9"}),
            status(404, "no such thing"),
            status(500, {"message": "oops"}),
            status(418, ""),
        ) as (url, _server),
        HTTPClient(url, vendor=FIVE9, retry=RetryPolicy(max_retries=0)) as http,
    ):
        with pytest.raises(VendorStateError) as state:
            await http.put("/agent/state")
        with pytest.raises(NotFoundError) as missing:
            await http.get("/missing")
        with pytest.raises(ServerError) as server_error:
            await http.get("/boom")
        response = await http.get("/teapot", raise_for_status=False)
    assert (state.value.code, state.value.vendor_message) == ("1234", "Agent not logged in")
    assert state.value.correlation_id == "req-9"
    assert missing.value.vendor_message == "no such thing"
    assert missing.value.body == "no such thing"
    assert server_error.value.vendor_message == "oops"
    assert response.status == 418 and not response.ok and response.body is None
    assert (response.is_success, response.has_body) == (False, False)
    assert response.reason == "I'm a Teapot"
    # the error the answer stands for, for callers that asked not to raise
    assert response.error is not None and response.error.status == 418
    with pytest.raises(type(response.error)):
        response.raise_for_status()


async def test_success_reason_and_partial_content_are_success() -> None:
    async with (
        scripted(status(206, {"part": 1}), status(404, {"message": "gone", "code": "x"})) as (
            url,
            _,
        ),
        HTTPClient(url, vendor=GENESYS) as http,
    ):
        partial = await http.get("/x")
        missing = await http.get("/y", raise_for_status=False)
    assert (partial.is_success, partial.has_body, partial.reason) == (True, True, "Partial Content")
    assert partial.error is None
    partial.raise_for_status()  # a 2xx does not raise
    assert (missing.is_success, missing.reason) == (False, "Not Found")
    assert isinstance(missing.error, NotFoundError)
    assert missing.error.code == "x" and missing.error.vendor_message == "gone"


async def test_rate_limit_headers_parsed_and_garbage_tolerated() -> None:
    good = {
        "inin-ratelimit-count": "7",
        "inin-ratelimit-allowed": "300",
        "ININ-RateLimit-Reset": "42",
    }
    bad = {
        "inin-ratelimit-count": "lots",
        "inin-ratelimit-allowed": "3e2",
        "inin-ratelimit-reset": "",
    }
    async with (
        scripted(status(200, {}, good), status(200, {}, bad), status(200, {})) as (url, _server),
        HTTPClient(url, vendor=GENESYS) as http,
    ):
        first = await http.get("/a")
        second = await http.get("/b")
        third = await http.get("/c")
    assert first.rate_limit == RateLimit(count=7, allowed=300, reset=42.0)
    assert second.rate_limit == RateLimit(count=None, allowed=300, reset=None)
    assert third.rate_limit is None


class Item(msgspec.Struct):
    id: str
    count: int


async def test_response_bodies_json_text_empty_and_typed() -> None:
    async with (
        scripted(
            status(200, {"id": "a", "count": 2}, {"ININ-Correlation-Id": "c-1"}),
            status(200, "plain words"),
            status(204),
            status(200, {"id": 5}),
        ) as (url, _server),
        HTTPClient(url, vendor=GENESYS) as http,
    ):
        as_json = await http.get("/json")
        as_text = await http.get("/text")
        empty = await http.delete("/empty")
        wrong = await http.get("/wrong")
    assert as_json.body == {"id": "a", "count": 2} == as_json.json()
    assert as_json.decode(Item) == Item(id="a", count=2)
    assert as_json.correlation_id == "c-1"
    assert as_json.elapsed > 0
    assert as_text.body == "plain words"
    assert empty.status == 204 and empty.body is None and empty.content == b""
    with pytest.raises(UsageError, match="as Item"):
        wrong.decode(Item)
    with pytest.raises(UsageError):
        as_text.json()
    assert "GET" in repr(as_json) and "/json" in repr(as_json)


# --------------------------------------------------------------------------- request shape


async def test_default_headers_user_agent_bodies_and_params_are_sent() -> None:
    async with (
        scripted(status(200, {})) as (url, server),
        HTTPClient(
            url + "/base/",
            vendor=GENESYS,
            headers={"X-Tenant": "acme", "accept": "application/vnd.test+json"},
            user_agent="cxkit-test/1.0",
        ) as http,
    ):
        await http.get("users", params={"flag": True, "ids": ["a", "b"], "skip": None, "n": 3})
        await http.post("/json", json={"name": "Zoë", "n": 1})
        await http.post("/form", data={"grant_type": "client_credentials"})
        await http.put("/raw", content=b"\x00\x01", headers={"Content-Type": "application/x-raw"})
        await http.get(f"{url}/absolute", headers={"x-tenant": "override"})
    get, post_json, post_form, put_raw, absolute = server.seen
    assert get["path"] == "/base/users"
    assert get["query"] == [("flag", "true"), ("ids", "a"), ("ids", "b"), ("n", "3")]
    assert get["headers"]["User-Agent"] == "cxkit-test/1.0"
    assert get["headers"]["X-Tenant"] == "acme"
    assert get["headers"]["Accept"] == "application/vnd.test+json"
    assert post_json["headers"]["Content-Type"] == "application/json"
    assert msgspec.json.decode(post_json["body"]) == {"name": "Zoë", "n": 1}
    assert post_form["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert post_form["body"] == b"grant_type=client_credentials"
    assert put_raw["body"] == b"\x00\x01"
    assert put_raw["headers"]["Content-Type"] == "application/x-raw"
    assert absolute["path"] == "/absolute"
    assert absolute["headers"]["X-Tenant"] == "override"
    for seen in server.seen:  # overrides replace, case-insensitively: never a duplicate
        assert len(seen["header_names"]) == len(set(seen["header_names"]))


async def test_bad_request_arguments_are_usage_errors() -> None:
    async with HTTPClient("http://127.0.0.1:9", vendor=GENESYS) as http:
        with pytest.raises(UsageError, match="at most one"):
            await http.post("/x", json={}, data={"a": "b"})
        with pytest.raises(UsageError, match="json"):
            await http.post("/x", json={"when": object()})


async def test_cookies_set_by_the_server_are_sent_back_to_an_ip_host() -> None:
    async def login(request: web.Request) -> web.StreamResponse:
        response = web.json_response({})
        response.set_cookie("sid", "cookie-value", path="/")
        return response

    async with (
        scripted(login, status(200, {})) as (url, server),
        HTTPClient(url, vendor=FIVE9) as http,
    ):
        await http.post("/login")
        await http.get("/after")
        assert any(cookie.key == "sid" for cookie in http.cookies)
    assert server.seen[1]["headers"]["Cookie"] == "sid=cookie-value"


async def test_base_url_can_move_to_another_data_center() -> None:
    async with (
        scripted(status(200, {"dc": 1})) as (first, _a),
        scripted(status(200, {"dc": 2})) as (second, _b),
        HTTPClient(first, vendor=FIVE9) as http,
    ):
        assert (await http.get("/where")).body == {"dc": 1}
        http.base_url = second + "/"
        assert http.base_url == second
        assert (await http.get("/where")).body == {"dc": 2}


async def test_closed_client_refuses_requests() -> None:
    http = HTTPClient("http://127.0.0.1:9", vendor=GENESYS)
    await http.close()
    await http.close()  # idempotent
    with pytest.raises(UsageError, match="closed"):
        await http.get("/x")


# --------------------------------------------------------------------------- proxy


class ForwardProxy:
    """A one-request-per-connection HTTP forward proxy that checks Proxy-Authorization."""

    def __init__(self, expected: str) -> None:
        self.expected = expected
        self.seen_auth: list[str | None] = []
        self.seen_targets: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = [line for line in head.split("\r\n") if line]
            method, target, version = request_line.split(" ")
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
            auth = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
            self.seen_auth.append(auth)
            self.seen_targets.append(target)
            if auth != self.expected:
                writer.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b"Proxy-Authenticate: Basic\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
            length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
            body = await reader.readexactly(length)
            parts = urlsplit(target)
            up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            kept = [
                f"{k}: {v}"
                for k, v in headers
                if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")
            ]
            upstream = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"])
            up_writer.write(upstream.encode("latin-1") + b"\r\n\r\n" + body)
            await up_writer.drain()
            writer.write(await up_reader.read())
            up_writer.close()
        finally:
            await writer.drain()
            writer.close()


async def test_proxy_with_credentials_sends_proxy_authorization_and_relays() -> None:
    password = "pr0xy-pass"
    expected = "Basic " + base64.b64encode(f"agent:{password}".encode()).decode()
    proxy = ForwardProxy(expected)
    proxy_server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy_port = proxy_server.sockets[0].getsockname()[1]
    config = ProxyConfig(
        host="127.0.0.1", port=proxy_port, username="agent", password=Secret(password)
    )
    wrong = ProxyConfig(host="127.0.0.1", port=proxy_port, username="agent", password=Secret("no"))
    try:
        async with scripted(status(200, {"via": "proxy"})) as (url, server):
            async with HTTPClient(url, vendor=GENESYS, proxy=config) as http:
                response = await asyncio.wait_for(http.get("/through?x=1"), 5)
                assert http.proxy_url == f"http://127.0.0.1:{proxy_port}"
                assert http.proxy_headers == {"Proxy-Authorization": expected}
                assert password not in repr(http)
            async with HTTPClient(url, vendor=GENESYS, proxy=wrong) as http:
                with pytest.raises(Exception) as refused:
                    await asyncio.wait_for(http.get("/through"), 5)
    finally:
        proxy_server.close()
        await proxy_server.wait_closed()
    assert response.body == {"via": "proxy"}
    assert proxy.seen_auth[0] == expected
    assert proxy.seen_targets[0] == f"{url}/through?x=1"  # absolute-form: it went via the proxy
    assert len(server.seen) == 1  # the refused request never reached the server
    assert "Proxy-Authorization" not in server.seen[0]["headers"]
    assert getattr(refused.value, "status", None) == 407
    assert password not in str(refused.value) and password not in repr(refused.value)


# --------------------------------------------------------------------------- live settings


async def test_apply_settings_changes_retry_behaviour_of_a_live_client() -> None:
    sleeps = Sleeps()
    async with (
        scripted(status(503), status(503), status(503), status(200)) as (url, server),
        HTTPClient(url, vendor=GENESYS, retry=RetryPolicy(max_retries=0), sleep=sleeps) as http,
    ):
        with pytest.raises(ServerError):
            await http.get("/x")
        assert len(server.seen) == 1

        http.apply_settings(SimpleNamespace(retry=FAST.replace(max_retries=2), logging=None))
        assert http.retry.max_retries == 2
        response = await http.get("/x")
        assert response.ok and response.attempts == 3
        assert len(sleeps.delays) == 2

        http.apply_settings(object())  # no attributes: nothing changes
        assert http.retry.max_retries == 2


def test_responses_can_be_built_by_hand() -> None:
    response = APIResponse(
        status=200,
        headers={"ININ-Correlation-Id": "x"},
        content=b"[1]",
        elapsed=0.1,
        method="GET",
        url="http://h/p?access_token=abc",
        vendor=GENESYS,
    )
    assert response.body == [1]
    assert response.correlation_id == "x"
    assert "abc" not in repr(response)


async def test_a_failing_vendor_error_parser_never_hides_the_status_error() -> None:
    def broken_parser(status: int, body: Any) -> tuple[str | None, str | None]:
        raise KeyError("vendor parser bug")

    vendor = VendorProfile("odd", parse_error=broken_parser)
    async with (
        scripted(status(502, ["not", "an", "object"])) as (url, _server),
        HTTPClient(url, vendor=vendor, retry=RetryPolicy(max_retries=0)) as http,
    ):
        with pytest.raises(ServerError) as info:
            await http.post("/x", json=Item(id="a", count=1))  # Structs encode directly
    assert info.value.status == 502
    assert info.value.code is None
    assert info.value.body == ["not", "an", "object"]
