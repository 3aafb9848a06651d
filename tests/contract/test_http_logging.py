"""HTTP logging over loopback: levels, formats, sinks, live reload, and redaction of secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp import web

from cxkit.config import LogFormat, LoggingConfig, LogLevel, ProxyConfig, RetryPolicy, Secret
from cxkit.core.auth import BearerAuth, Token, TokenCache
from cxkit.core.http import HTTPClient, RetryEvent, VendorProfile
from cxkit.core.httplog import (
    LOGGER_NAME,
    REDACTED,
    TRACE,
    redact_body,
    redact_headers,
    redact_text,
    redact_url,
)
from cxkit.errors import CxkitError, UnauthorizedError
from tests.helpers.loopback import serve

CANARY = "CANARY-7f3a9c51-s3cr3t"
GENESYS = VendorProfile("genesys")
JSON_KEYS = {
    "date",
    "level",
    "method",
    "url",
    "requestHeaders",
    "responseHeaders",
    "correlationId",
    "statusCode",
    "requestBody",
    "responseBody",
}


async def login(request: web.Request) -> web.StreamResponse:
    await request.read()
    response = web.json_response(
        {
            "user": "ann",
            "access_token": CANARY,
            "refresh_token": CANARY,
            "session": {"tokenId": CANARY, "sessionId": CANARY, "farmId": "farm-7"},
        },
        headers={"ININ-Correlation-Id": "corr-login", "X-Api-Key": CANARY},
    )
    response.set_cookie("farm", CANARY)
    return response


async def echo(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    return web.Response(body=body or b"ok", content_type=request.content_type or "text/plain")


async def refuse(request: web.Request) -> web.StreamResponse:
    return web.json_response(
        {"message": "Invalid login credentials.", "code": "authentication.required"}, status=401
    )


@asynccontextmanager
async def app_server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/login", login)
    app.router.add_route("*", "/echo", echo)
    app.router.add_route("*", "/refuse", refuse)
    async with serve(app) as url:
        yield url


def logging_config(tmp_path: Path, fmt: str, level: str = "trace") -> LoggingConfig:
    return LoggingConfig(
        level=LogLevel(level),
        format=LogFormat(fmt),
        to_console=True,
        file_path=str(tmp_path / "http.log"),
        log_request_body=True,
        log_response_body=True,
    )


def token_auth() -> BearerAuth:
    async def fetch(previous: Token | None) -> Token:
        return Token(Secret(CANARY))

    return BearerAuth(TokenCache(fetch))


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_canary_secret_never_reaches_logs_or_errors(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(TRACE, logger=LOGGER_NAME)
    events: list[RetryEvent] = []
    errors: list[BaseException] = []

    async def no_sleep(seconds: float) -> None:
        return None

    async with (
        app_server() as url,
        HTTPClient(
            url,
            vendor=GENESYS,
            logging=logging_config(tmp_path, fmt),
            auth=token_auth(),
            on_retry=events.append,
            sleep=no_sleep,
        ) as http,
    ):
        # password in a JSON body (nested, any case); the server sets a cookie with the canary
        await http.post(
            "/login",
            json={
                "username": "ann",
                "password": CANARY,
                "profile": {"Password": CANARY, "apps": [{"client_secret": CANARY}]},
                "note": f"password={CANARY}",
            },
        )
        # password in a form body; the cookie goes back; token in the Authorization header
        await http.post("/echo", data={"username": "ann", "password": CANARY, "code": CANARY})
        # token in the query string, fragment-style and OAuth code-style parameters
        await http.get("/echo", params={"access_token": CANARY, "page": 2})
        await http.get(f"/echo?code={CANARY}&state=s1")
        # Five9-style header and a caller-supplied cookie header
        await http.get(
            "/echo", headers={"Authorization": f"Bearer-{CANARY}", "Cookie": f"x={CANARY}"}
        )
        # a non-JSON text body that still carries a secret pair
        await http.put("/echo", content=f"user=ann&token={CANARY}".encode())
        # an error answer, and an error before any answer (refused proxy, secret in query)
        with pytest.raises(UnauthorizedError) as unauthorized:
            await http.get("/refuse", params={"token": CANARY})
        errors.append(unauthorized.value)
    async with HTTPClient(
        "http://127.0.0.1:9",
        vendor=GENESYS,
        logging=logging_config(tmp_path, fmt),
        proxy=ProxyConfig(host="127.0.0.1", port=9, username="u", password=Secret(CANARY)),
        retry=RetryPolicy(max_retries=1, min_wait=0.0, max_wait=0.0),
        on_retry=events.append,
        sleep=no_sleep,
    ) as refused:
        with pytest.raises(CxkitError) as transport:
            await refused.get(f"/x?password={CANARY}")
        errors.append(transport.value)
        assert CANARY not in repr(refused)

    file_text = (tmp_path / "http.log").read_text()
    console = capsys.readouterr().err
    captured = "\n".join(record.getMessage() for record in caplog.records)
    for sink in (file_text, console, captured):
        assert CANARY not in sink
        # the logs really hold the exchanges, bodies included
        assert "ann" in sink and "/login" in sink and "/refuse" in sink and REDACTED in sink
        assert "farm-7" in sink  # non-secret fields survive
    assert len(caplog.records) == 9
    assert {r.levelname for r in caplog.records} == {"TRACE", "ERROR"}
    for error in errors:
        assert CANARY not in str(error) and CANARY not in repr(error)
        assert CANARY not in str(getattr(error, "url", ""))
    assert len(events) == 1
    assert CANARY not in repr(events)

    if fmt == "json":
        lines = [json.loads(line) for line in file_text.splitlines()]
        assert len(lines) == 9
        for entry in lines:
            assert JSON_KEYS <= set(entry) <= JSON_KEYS | {"error"}
        first = lines[0]
        assert first["method"] == "POST" and first["statusCode"] == 200
        assert first["correlationId"] == "corr-login"
        assert first["level"] == "trace"
        assert first["responseHeaders"]["Set-Cookie"] == REDACTED
        assert first["responseHeaders"]["X-Api-Key"] == REDACTED
        assert first["requestHeaders"]["Authorization"] == REDACTED
        assert json.loads(first["requestBody"])["profile"]["apps"][0]["client_secret"] == REDACTED
        assert json.loads(first["responseBody"])["session"]["farmId"] == "farm-7"
        assert lines[-1]["statusCode"] is None and "ConnectError" in lines[-1]["error"]
    else:
        assert "=== REQUEST ===" in file_text and "=== RESPONSE ===" in file_text


async def test_debug_level_leaves_out_response_headers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(TRACE, logger=LOGGER_NAME)
    config = logging_config(tmp_path, "json", "debug")
    async with app_server() as url, HTTPClient(url, vendor=GENESYS, logging=config) as http:
        await http.get("/echo")
    (entry,) = [json.loads(line) for line in (tmp_path / "http.log").read_text().splitlines()]
    assert entry["level"] == "debug"
    assert entry["responseHeaders"] is None
    assert entry["requestHeaders"]["User-Agent"] == "cxkit"
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


async def test_error_level_logs_only_failures(tmp_path: Path) -> None:
    config = logging_config(tmp_path, "json", "error")
    async with app_server() as url, HTTPClient(url, vendor=GENESYS, logging=config) as http:
        await http.get("/echo")
        with pytest.raises(UnauthorizedError):
            await http.get("/refuse")
    (entry,) = [json.loads(line) for line in (tmp_path / "http.log").read_text().splitlines()]
    assert entry["statusCode"] == 401
    assert entry["level"] == "error"
    assert json.loads(entry["responseBody"])["code"] == REDACTED  # "code" is always redacted
    assert json.loads(entry["responseBody"])["message"] == "Invalid login credentials."


async def test_level_none_builds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(TRACE, logger=LOGGER_NAME)
    config = logging_config(tmp_path, "text", "none")
    async with app_server() as url, HTTPClient(url, vendor=GENESYS, logging=config) as http:
        await http.get("/echo")
        with pytest.raises(UnauthorizedError):
            await http.get("/refuse")
    assert not (tmp_path / "http.log").exists()
    assert capsys.readouterr().err == ""
    assert caplog.records == []


async def test_logging_config_reloads_on_a_live_client(tmp_path: Path) -> None:
    first = tmp_path / "first.log"
    second = tmp_path / "second.log"
    async with app_server() as url, HTTPClient(url, vendor=GENESYS) as http:
        await http.get("/echo")  # default: level none
        http.apply_settings(
            SimpleNamespace(
                retry=None,
                logging=LoggingConfig(level="trace", to_console=False, file_path=str(first)),
            )
        )
        await http.get("/echo?n=1")
        http.logging_config = LoggingConfig(
            level="debug", format="json", to_console=False, file_path=str(second)
        )
        await http.get("/echo?n=2")
    assert "n=1" in first.read_text() and "n=2" not in first.read_text()
    assert "n=2" in second.read_text() and "n=1" not in second.read_text()
    assert http.logging_config.file_path == str(second)


def test_trace_level_is_registered() -> None:
    assert TRACE == 5
    assert logging.getLevelName(TRACE) == "TRACE"


# --------------------------------------------------------------------------- redaction units


def test_redact_headers_by_name_and_joins_repeats() -> None:
    headers = [
        ("Authorization", "Bearer x1"),
        ("proxy-authorization", "Basic eDp5"),
        ("Cookie", "a=b"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Auth-Token", "t"),
        ("X-Client-Secret", "s"),
        ("X-Api-Key", "k"),
        ("X-User-Password", "p"),
        ("Content-Type", "application/json"),
    ]
    out = redact_headers(headers)
    assert out["Content-Type"] == "application/json"
    assert out["Set-Cookie"] == f"{REDACTED}, {REDACTED}"
    assert all(v == REDACTED for k, v in out.items() if k not in ("Content-Type", "Set-Cookie"))


def test_redact_url_query_fragment_and_userinfo() -> None:
    url = f"https://u:{CANARY}@h/p?Access_Token={CANARY}&page=2&code_verifier={CANARY}#id_token={CANARY}"
    shown = redact_url(url)
    assert CANARY not in shown
    assert "page=2" in shown and shown.startswith(f"https://{REDACTED}@h/p?")
    assert redact_url("https://h/plain/path") == "https://h/plain/path"


def test_redact_body_shapes() -> None:
    nested = f'{{"a": [{{"TokenId": "{CANARY}"}}], "passwd": 5, "ok": "yes"}}'.encode()
    assert CANARY not in (redact_body(nested, "application/json") or "")
    assert '"ok":"yes"' in (redact_body(nested, None) or "")
    form = f"username=ann&client_secret={CANARY}&assertion={CANARY}"
    assert redact_body(form, "application/x-www-form-urlencoded") == (
        f"username=ann&client_secret={REDACTED}&assertion={REDACTED}"
    )
    assert redact_body(b"", None) == ""
    assert redact_body(None, None) is None
    broken = f'{{"password": "{CANARY}", oops'
    assert CANARY not in (redact_body(broken, "application/json") or "")


def test_redact_text_catches_pairs_and_bearer_values() -> None:
    text = f'token={CANARY} "secret": "{CANARY}" Authorization: Bearer {CANARY} Bearer-{CANARY}'
    assert CANARY not in redact_text(text)
    assert redact_text("Bearer token expired") == "Bearer token expired"
