"""cxkit.settings: config files (INI and JSON), environment, precedence, errors, live reload."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cxkit.config import (
    DEFAULTS,
    LogFormat,
    LoggingConfig,
    LogLevel,
    ProxyConfig,
    RetryPolicy,
    Secret,
)
from cxkit.errors import ConfigError
from cxkit.settings import (
    GatewayConfig,
    Settings,
    SettingsWatcher,
    load_settings,
    parse_settings,
    resolve_settings,
    settings_from_env,
    settings_from_kwargs,
)

FULL_INI = """\
# every key family of the Go and Python SDKs, plus cxkit's own
[logging]
log_level = TRACE
log_format = json
log_to_console = no
log_file_path = /var/log/cxkit.log
log_request_body = on
log_response_body = 1

[retry]
retry_wait_min = 1
retry_wait_max = 5.5
retry_max = 4

[reauthentication]
refresh_access_token = off
refresh_token_wait_max = 3

[general]
live_reload_config = false
host = https://api.mypurecloud.ie

[proxy]
host = proxy.local
port = 3128
protocol = https
auth-username = proxyuser
auth-password = pr0xy-s3cret%#;x
path-params = login:loginproxy,other:otherproxy

[gateway]
protocol = http
host = gw.example.com
port = 1443
auth-username = gwuser
auth-password = gw-s3cret
path-params = login:gwlogin,api:gwapi

[timeouts]
connect = 2
read = 7.5
total = 20

[five9]
domain = "acme corp"
"""

FULL_JSON: dict[str, Any] = {
    "logging": {
        "log_level": "debug",
        "log_format": "text",
        "log_to_console": False,
        "log_file_path": "/tmp/cx.log",
        "log_request_body": True,
        "log_response_body": False,
    },
    "retry": {"retry_wait_min": 0.25, "retry_wait_max": 3, "retry_max": 6},
    "reauthentication": {"refresh_access_token": False, "refresh_token_wait_max": 12},
    "general": {"live_reload_config": True, "host": "api.mypurecloud.de"},
    "proxy": {
        "host": "proxy.json",
        "protocol": "http",
        "port": 8080,
        "auth": {"username": "ju", "password": "json-pr0xy-pw"},
        "pathParams": [
            {"pathName": "login", "pathValue": "lp"},
            {"pathName": "other", "pathValue": "op"},
        ],
    },
    "gateway": {
        "host": "gw.json",
        "protocol": "https",
        "port": -1,
        "path_params_login": "plogin",
        "path_params_api": "papi",
        "username": "gu",
        "password": "json-gw-pw",
    },
    "timeouts": {"total": 9},
    "genesys": {"region": "eu-central-1", "nested": {"client_secret": "json-client-s3cret"}},
}

SECRETS = (
    "pr0xy-s3cret%#;x",
    "gw-s3cret",
    "json-pr0xy-pw",
    "json-gw-pw",
    "json-client-s3cret",
)


def _no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# --------------------------------------------------------------------------- INI


def test_ini_every_key_family() -> None:
    s = parse_settings(FULL_INI, source="/etc/cxkit/config")

    assert s.source == "/etc/cxkit/config"
    assert s.logging == LoggingConfig(
        level=LogLevel.TRACE,
        format=LogFormat.JSON,
        to_console=False,
        file_path="/var/log/cxkit.log",
        log_request_body=True,
        log_response_body=True,
    )
    assert s.retry is not None
    assert (s.retry.min_wait, s.retry.max_wait, s.retry.max_retries) == (1.0, 5.5, 4)
    # knobs the file does not name keep cxkit's defaults
    assert s.retry.retry_statuses == DEFAULTS.retry.retry_statuses
    assert s.refresh_access_token is False
    assert s.refresh_token_wait_max == 3.0
    assert s.live_reload is False
    assert s.host == "https://api.mypurecloud.ie"

    assert s.proxy is not None
    assert (s.proxy.host, s.proxy.port, s.proxy.protocol) == ("proxy.local", 3128, "https")
    assert s.proxy.username == "proxyuser"
    # no interpolation and no inline comments: "%", "#" and ";" survive in a password
    assert s.proxy.password is not None and s.proxy.password.reveal() == "pr0xy-s3cret%#;x"
    assert dict(s.proxy_path_params) == {"login": "loginproxy", "other": "otherproxy"}

    assert s.gateway is not None
    assert (s.gateway.protocol, s.gateway.host, s.gateway.port) == ("http", "gw.example.com", 1443)
    assert s.gateway.username == "gwuser"
    assert s.gateway.password is not None and s.gateway.password.reveal() == "gw-s3cret"
    assert dict(s.gateway.path_params) == {"login": "gwlogin", "api": "gwapi"}
    assert s.gateway.url("login") == "http://gw.example.com:1443/gwlogin"
    assert s.gateway.url("api") == "http://gw.example.com:1443/gwapi"

    assert s.timeouts is not None
    assert (s.timeouts.connect, s.timeouts.read, s.timeouts.total) == (2.0, 7.5, 20.0)

    # everything raw, keys lower-cased, surrounding quotes dropped like go-ini does
    assert s.sections["five9"]["domain"] == "acme corp"
    assert s.sections["logging"]["log_level"] == "TRACE"
    assert s.sections["proxy"]["auth-password"] == "pr0xy-s3cret%#;x"


def test_python_sdk_gateway_keys_and_defaults() -> None:
    s = parse_settings(
        "[gateway]\nhost = gw.local\npath_params_login = loginpath\npath_params_api = /apipath/\n"
        "username = u\npassword = p-secret-1\nport = -1\n"
    )
    gw = s.gateway
    assert gw is not None
    assert gw.protocol == "https"  # the Python SDK's default when not given
    assert gw.port is None  # -1: the protocol's default port
    assert gw.url() == "https://gw.local"
    assert gw.url("login") == "https://gw.local/loginpath"
    assert gw.url("api") == "https://gw.local/apipath"
    assert gw.url("other") == "https://gw.local"
    assert "p-secret-1" not in repr(gw) and "'***'" in repr(gw)


def test_ini_default_section_is_not_inherited_and_empty_values_are_unset() -> None:
    s = parse_settings("[DEFAULT]\nhost = leaked\n[proxy]\nport =\n[general]\nhost =\n")
    assert s.proxy is None and s.host is None
    assert s.sections["default"]["host"] == "leaked"


# --------------------------------------------------------------------------- JSON


def test_json_every_key_family() -> None:
    s = parse_settings(json.dumps(FULL_JSON), source="cfg.json")

    assert s.logging is not None
    assert s.logging.level is LogLevel.DEBUG and s.logging.format is LogFormat.TEXT
    assert s.logging.to_console is False and s.logging.file_path == "/tmp/cx.log"
    assert s.logging.log_request_body is True and s.logging.log_response_body is False
    assert s.retry is not None
    assert (s.retry.min_wait, s.retry.max_wait, s.retry.max_retries) == (0.25, 3.0, 6)
    assert (s.refresh_access_token, s.refresh_token_wait_max) == (False, 12.0)
    assert (s.live_reload, s.host) == (True, "api.mypurecloud.de")

    assert s.proxy == ProxyConfig(
        host="proxy.json",
        port=8080,
        protocol="http",
        username="ju",
        password=Secret("json-pr0xy-pw"),
    )
    assert dict(s.proxy_path_params) == {"login": "lp", "other": "op"}
    assert s.gateway is not None
    assert s.gateway.url("login") == "https://gw.json/plogin"
    assert s.gateway.password is not None and s.gateway.password.reveal() == "json-gw-pw"
    assert s.timeouts is not None and s.timeouts.total == 9.0
    assert s.timeouts.connect == DEFAULTS.timeouts.connect

    # raw sections: nested objects flattened, JSON values as text
    assert s.sections["genesys"]["region"] == "eu-central-1"
    assert s.sections["proxy"]["auth.username"] == "ju"
    assert s.sections["general"]["live_reload_config"] == "true"
    assert json.loads(s.sections["proxy"]["pathparams"])[0] == {
        "pathName": "login",
        "pathValue": "lp",
    }


def test_json_go_gateway_form_and_proxy_url_extension() -> None:
    s = parse_settings(
        json.dumps(
            {
                "gateway": {
                    "host": "gw",
                    "port": "8443",
                    "auth": {"username": "a", "password": "b-secret"},
                    "pathParams": [{"pathName": "api", "pathValue": "v2"}],
                },
                "proxy": "http://pu:pp-secret@proxy.local:3128",
            }
        )
    )
    assert s.gateway is not None and s.gateway.url("api") == "https://gw:8443/v2"
    assert s.gateway.username == "a"
    assert s.proxy is not None and s.proxy.url == "http://proxy.local:3128"
    assert s.proxy.password is not None and s.proxy.password.reveal() == "pp-secret"
    assert "pp-secret" not in repr(s.sections)


def test_detection_json_first_then_ini() -> None:
    # The Python SDK's JSON example and an INI file with the same values give equal settings.
    ini = "[retry]\nretry_max = 2\n[general]\nhost = h.example\n"
    as_json = json.dumps({"retry": {"retry_max": 2}, "general": {"host": "h.example"}})
    a, b = parse_settings(ini), parse_settings(as_json)
    assert (a.retry, a.host) == (b.retry, b.host)
    assert parse_settings("") == Settings(sections={})


def test_load_settings_reads_file_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"retry": {"retry_max": 9}}).encode())
    s = load_settings(path)
    assert s.retry is not None and s.retry.max_retries == 9
    assert s.source == str(path)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "key", "value", "allowed"),
    [
        ("[logging]\nlog_level = verbose\n", "logging.log_level", "verbose", "trace, debug"),
        ("[logging]\nlog_format = xml\n", "logging.log_format", "xml", "text or json"),
        ("[logging]\nlog_to_console = maybe\n", "logging.log_to_console", "maybe", "yes, no"),
        ("[retry]\nretry_max = lots\n", "retry.retry_max", "lots", "an integer >= 0"),
        ("[retry]\nretry_max = -1\n", "retry.retry_max", "-1", "an integer >= 0"),
        ("[retry]\nretry_wait_min = soon\n", "retry.retry_wait_min", "soon", "a number >= 0"),
        ("[retry]\nretry_max_time = -1\n", "retry.retry_max_time", "-1", "a number >= 0"),
        ("[retry]\nretry_after_default = x\n", "retry.retry_after_default", "x", "a number"),
        (
            "[retry]\nretry_wait_min = 5\nretry_wait_max = 2\n",
            "retry.retry_wait_max",
            "2",
            ">= retry.retry_wait_min",
        ),
        ("[timeouts]\ntotal = 0\n", "timeouts.total", "0", "a number > 0"),
        (
            "[general]\nlive_reload_config = perhaps\n",
            "general.live_reload_config",
            "perhaps",
            "on",
        ),
        ("[general]\nhost = ftp://x\n", "general.host", "ftp://x", "https://api.mypurecloud.com"),
        (
            "[reauthentication]\nrefresh_token_wait_max = -3\n",
            "reauthentication.refresh_token_wait_max",
            "-3",
            ">= 0",
        ),
        ("[proxy]\nhost = p\nport = 99999\n", "proxy.port", "99999", "1-65535"),
        ("[proxy]\nhost = p\nprotocol = socks5\n", "proxy.protocol", "socks5", "http or https"),
        ("[proxy]\nhost = p\npath-params = login\n", "proxy.path-params", "login", "name:value"),
        ("[gateway]\nhost = g\nport = abc\n", "gateway.port", "abc", "1-65535"),
        ('{"retry": {"retry_max": true}}', "retry.retry_max", "True", "an integer >= 0"),
        ('{"logging": {"log_level": 3}}', "logging.log_level", "3", "trace, debug"),
    ],
)
def test_bad_value_names_key_value_and_allowed(
    text: str, key: str, value: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(text, source="/etc/cx.conf")
    message = str(info.value)
    assert key in message and value in message and allowed in message
    assert "/etc/cx.conf" in message
    assert info.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"retry": {"retry_max": 1,}}', "invalid JSON at line 1"),
        ("just some words\n", "line 1: a key before the first [section] header"),
        ("[a]\nno delimiter here\n", "line 2: expected"),
        ("[a]\nk = 1\nk = 2\n", "duplicate key 'k' in [a]"),
        ("[a]\n[a]\n", "duplicate section [a]"),
    ],
)
def test_neither_json_nor_ini_names_file_and_problem(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(text, source="/home/me/.cxkit/config")
    message = str(info.value)
    assert "/home/me/.cxkit/config" in message and expected in message
    assert "neither valid JSON nor INI" in message


def test_ini_parse_error_does_not_echo_the_line() -> None:
    # configparser's own message quotes the bad line, which may be a password.
    with pytest.raises(ConfigError) as info:
        parse_settings("[proxy]\nauth-password hunter2-secret\n", source="c")
    assert "hunter2-secret" not in str(info.value)


def test_json_top_level_must_be_an_object_and_sections_objects() -> None:
    with pytest.raises(ConfigError, match="must be an object"):
        parse_settings("[1, 2]", source="c.json")
    with pytest.raises(ConfigError, match="bad value for retry: 5"):
        parse_settings('{"retry": 5}', source="c.json")


def test_secret_values_are_redacted_in_errors() -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings('{"proxy": {"host": "p", "auth": {"password": ["sup3r-s3cret"]}}}')
    assert "proxy.auth.password" in str(info.value)
    assert "sup3r-s3cret" not in str(info.value) and "<redacted>" in str(info.value)
    assert info.value.value is None


def test_missing_host_with_other_proxy_keys() -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings("[proxy]\nport = 3128\nauth-password = nope-s3cret\n")
    assert "proxy.host" in str(info.value) and "nope-s3cret" not in str(info.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(tmp_path)  # a directory
    (tmp_path / "latin1").write_bytes(b"[a]\nk = \xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(tmp_path / "latin1")


def test_unknown_keys_are_kept_not_errors() -> None:
    s = parse_settings("[retry]\nretry_max = 1\nfancy = yes\n[vendorx]\nk = v\n")
    assert s.retry is not None and s.retry.max_retries == 1
    assert s.sections["retry"]["fancy"] == "yes" and s.sections["vendorx"]["k"] == "v"


# --------------------------------------------------------------------------- secrets


def test_repr_and_sections_never_show_secrets() -> None:
    for s in (parse_settings(FULL_INI), parse_settings(json.dumps(FULL_JSON))):
        _no_secret_in(repr(s))
        _no_secret_in(str(s))
        _no_secret_in(repr(s.sections))
        _no_secret_in(repr(dict(s.sections.get("proxy", {}))))
        assert "'***'" in repr(s)


# --------------------------------------------------------------------------- environment


def test_env_every_variable() -> None:
    env = {
        "CXKIT_LOG_LEVEL": "error",
        "CXKIT_LOG_FORMAT": "JSON",
        "CXKIT_LOG_FILE": "/tmp/env.log",
        "CXKIT_LOG_TO_CONSOLE": "off",
        "CXKIT_LOG_REQUEST_BODY": "yes",
        "CXKIT_LOG_RESPONSE_BODY": "true",
        "CXKIT_RETRY_MAX": "8",
        "CXKIT_RETRY_WAIT_MIN": "0.1",
        "CXKIT_RETRY_WAIT_MAX": "2",
        "CXKIT_RETRY_MAX_TIME": "90",
        "CXKIT_RETRY_AFTER_DEFAULT": "5",
        "CXKIT_PROXY": "https://envuser:env%40pw-s3cret@proxy.env:8443",
        "CXKIT_TIMEOUT": "4",
        "CXKIT_TIMEOUT_CONNECT": "1",
        "CXKIT_TIMEOUT_READ": "3",
        "CXKIT_HOST": "https://api.usw2.pure.cloud",
        "CXKIT_LIVE_RELOAD": "0",
        "CXKIT_REFRESH_ACCESS_TOKEN": "no",
        "CXKIT_REFRESH_TOKEN_WAIT_MAX": "2.5",
        "UNRELATED": "x",
    }
    s = settings_from_env(env)
    assert s.logging == LoggingConfig(
        level="error",  # type: ignore[arg-type]
        format="json",  # type: ignore[arg-type]
        to_console=False,
        file_path="/tmp/env.log",
        log_request_body=True,
        log_response_body=True,
    )
    assert s.retry is not None
    assert (s.retry.max_retries, s.retry.min_wait, s.retry.max_wait) == (8, 0.1, 2.0)
    assert (s.retry.max_elapsed, s.retry.rate_limit_wait) == (90.0, 5.0)
    assert s.proxy is not None and s.proxy.url == "https://proxy.env:8443"
    assert s.proxy.username == "envuser"
    assert s.proxy.password is not None and s.proxy.password.reveal() == "env@pw-s3cret"
    assert s.timeouts is not None
    assert (s.timeouts.connect, s.timeouts.read, s.timeouts.total) == (1.0, 3.0, 4.0)
    assert s.host == "https://api.usw2.pure.cloud"
    assert (s.live_reload, s.refresh_access_token, s.refresh_token_wait_max) == (False, False, 2.5)
    assert "env@pw-s3cret" not in repr(s) and "env%40pw-s3cret" not in repr(s)
    assert dict(s.sections) == {}


def test_env_empty_means_unset_and_custom_prefix() -> None:
    assert settings_from_env({"CXKIT_RETRY_MAX": "", "CXKIT_LOG_LEVEL": "  "}) == Settings()
    s = settings_from_env({"APP_RETRY_MAX": "2", "CXKIT_RETRY_MAX": "9"}, prefix="APP_")
    assert s.retry is not None and s.retry.max_retries == 2


def test_env_errors_name_the_variable_and_hide_proxy_password() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_env({"CXKIT_RETRY_MAX": "many"})
    assert "CXKIT_RETRY_MAX" in str(info.value) and "'many'" in str(info.value)
    assert "an integer >= 0" in str(info.value)
    with pytest.raises(ConfigError) as info:
        settings_from_env({"CXKIT_PROXY": "socks5://me:pw-s3cret@p:1080"})
    message = str(info.value)
    assert "CXKIT_PROXY" in message and "pw-s3cret" not in message and "me:***@p" in message
    with pytest.raises(ConfigError, match="CXKIT_PROXY"):
        settings_from_env({"CXKIT_PROXY": "http://p:notaport"})


def test_env_proxy_without_scheme_defaults_to_http() -> None:
    s = settings_from_env({"CXKIT_PROXY": "proxy.corp:3128"})
    assert s.proxy is not None and s.proxy.url == "http://proxy.corp:3128" and not s.proxy.username


# --------------------------------------------------------------------------- merge / precedence


def test_merge_later_wins_knob_by_knob() -> None:
    file = parse_settings(
        "[retry]\nretry_max = 1\nretry_wait_min = 2\nretry_wait_max = 4\n"
        "[logging]\nlog_file_path = /f.log\n[reauthentication]\nrefresh_access_token = false\n"
        "[x]\na = 1\nb = 2\n"
    )
    env = settings_from_env({"CXKIT_RETRY_MAX": "5", "CXKIT_LOG_LEVEL": "debug"})
    merged = file.merge(env)
    assert merged.retry is not None
    # env set only retry_max: the file's waits stay
    assert (merged.retry.max_retries, merged.retry.min_wait, merged.retry.max_wait) == (5, 2, 4)
    assert merged.logging is not None
    assert (merged.logging.level, merged.logging.file_path) == (LogLevel.DEBUG, "/f.log")
    assert merged.refresh_access_token is False  # env did not say
    # a whole object given in code replaces the whole object
    whole = merged.merge(Settings(retry=RetryPolicy(max_retries=0)))
    assert whole.retry == RetryPolicy(max_retries=0)
    # sections merge key by key
    more = merged.merge(parse_settings("[x]\nb = 3\n"))
    assert dict(more.sections["x"]) == {"a": "1", "b": "3"}


def test_merge_keeps_wait_range_ordered_when_one_end_moves() -> None:
    file = parse_settings("[retry]\nretry_wait_min = 3\nretry_wait_max = 10\n")
    lower = file.merge(settings_from_env({"CXKIT_RETRY_WAIT_MAX": "1"}))
    assert lower.retry is not None and (lower.retry.min_wait, lower.retry.max_wait) == (1, 1)
    higher = file.merge(settings_from_env({"CXKIT_RETRY_WAIT_MIN": "20"}))
    assert higher.retry is not None and (higher.retry.min_wait, higher.retry.max_wait) == (20, 20)
    # only one end in a file: the default other end follows
    alone = parse_settings("[retry]\nretry_wait_min = 60\n")
    assert alone.retry is not None and alone.retry.max_wait == 60


def test_resolve_precedence_kwargs_env_file_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "[retry]\nretry_max = 1\nretry_wait_min = 2\n[general]\nhost = file.host\n"
        "[reauthentication]\nrefresh_access_token = false\n[logging]\nlog_level = error\n"
    )
    env = {"CXKIT_RETRY_MAX": "3", "CXKIT_HOST": "env.host", "CXKIT_LOG_FORMAT": "json"}

    only_file = resolve_settings(path=path, environ={})
    assert only_file.retry is not None and only_file.retry.max_retries == 1
    assert only_file.host == "file.host" and only_file.source == str(path)

    s = resolve_settings(path=path, environ=env, host="kw.host", refresh_access_token=True)
    assert s.retry is not None
    assert (s.retry.max_retries, s.retry.min_wait) == (3, 2.0)  # env > file, file > default
    assert s.retry.max_wait == DEFAULTS.retry.max_wait  # defaults
    assert s.host == "kw.host"  # kwargs > env > file
    assert s.refresh_access_token is True  # an explicit default-valued kwarg still wins
    assert s.logging is not None
    assert (s.logging.level, s.logging.format) == (LogLevel.ERROR, LogFormat.JSON)
    assert s.timeouts == DEFAULTS.timeouts

    none = resolve_settings(environ={})
    assert (none.retry, none.logging, none.timeouts) == (
        DEFAULTS.retry,
        DEFAULTS.logging,
        DEFAULTS.timeouts,
    )
    assert none.proxy is None and none.host is None


def test_resolve_config_file_from_env_and_kwargs_forms(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"retry": {"retry_max": 4}}))
    s = resolve_settings(
        environ={"CXKIT_CONFIG_FILE": str(path)}, proxy="http://u:kw-s3cret@p:1", host=None
    )
    assert s.retry is not None and s.retry.max_retries == 4
    assert s.proxy is not None and s.proxy.url == "http://p:1"
    assert s.host is None
    with pytest.raises(TypeError, match="retry_max"):
        resolve_settings(environ={}, retry_max=3)
    with pytest.raises(ConfigError, match="retry"):
        settings_from_kwargs(retry=3)


def test_replace_marks_changed_fields_as_set() -> None:
    file = parse_settings("[reauthentication]\nrefresh_access_token = false\n")
    layer = Settings().replace(refresh_access_token=True, retry=RetryPolicy(max_retries=1))
    merged = file.merge(layer)
    assert merged.refresh_access_token is True
    assert merged.retry == RetryPolicy(max_retries=1)
    assert file.merge(Settings()).refresh_access_token is False


def test_settings_validation_and_hash() -> None:
    with pytest.raises(ConfigError, match="refresh_token_wait_max"):
        Settings(refresh_token_wait_max=-1)
    with pytest.raises(ConfigError, match="live_reload"):
        Settings(live_reload="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"gateway\.host"):
        GatewayConfig(host="")
    a = parse_settings(FULL_INI)
    assert a == parse_settings(FULL_INI) and hash(a) == hash(parse_settings(FULL_INI))
    assert a != parse_settings(FULL_INI + "\n[extra]\nk = v\n")


# --------------------------------------------------------------------------- live reload

DEBOUNCE_MS = 10  # short configured interval keeps each reload ~20 ms
WAIT = 5.0  # safety net only: a broken reload fails here instead of hanging


class _Recorder:
    """on_change / on_error targets that can be awaited."""

    def __init__(self) -> None:
        self.changes: asyncio.Queue[Settings] = asyncio.Queue()
        self.errors: asyncio.Queue[ConfigError] = asyncio.Queue()

    def on_change(self, settings: Settings) -> None:
        self.changes.put_nowait(settings)

    async def on_error(self, error: ConfigError) -> None:  # async callbacks work too
        self.errors.put_nowait(error)

    async def change(self) -> Settings:
        return await asyncio.wait_for(self.changes.get(), WAIT)

    async def error(self) -> ConfigError:
        return await asyncio.wait_for(self.errors.get(), WAIT)


@pytest.fixture
async def recorder() -> AsyncIterator[_Recorder]:
    yield _Recorder()


def _retry_max(settings: Settings) -> int:
    assert settings.retry is not None
    return settings.retry.max_retries


async def test_live_reload_bad_edit_keeps_last_good(
    tmp_path: Path, recorder: _Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = 1\n[proxy]\nhost = p\nauth-password = w-s3cret\n")
    watcher = SettingsWatcher(
        path, recorder.on_change, on_error=recorder.on_error, debounce_ms=DEBOUNCE_MS
    )
    async with watcher:
        assert watcher.watching
        assert _retry_max(await recorder.change()) == 1  # the initial settings

        path.write_text("[retry]\nretry_max = 5\n[proxy]\nhost = p\nauth-password = w-s3cret\n")
        assert _retry_max(await recorder.change()) == 5

        with caplog.at_level(logging.WARNING, logger="cxkit.settings"):
            path.write_text("[retry]\nretry_max = five\n[proxy]\nauth-password = w-s3cret\n")
            error = await recorder.error()
        assert "retry.retry_max" in str(error) and "'five'" in str(error)
        assert watcher.settings is not None and _retry_max(watcher.settings) == 5
        assert any("keeping the last good settings" in r.getMessage() for r in caplog.records)
        assert all("w-s3cret" not in r.getMessage() for r in caplog.records)

        path.write_text("[retry]\nretry_max = 2\n")
        assert _retry_max(await recorder.change()) == 2
        assert recorder.changes.empty() and recorder.errors.empty()
    assert not watcher.watching


async def test_live_reload_follows_rename_over_the_file(
    tmp_path: Path, recorder: _Recorder
) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"retry": {"retry_max": 1}}))
    async with SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS):
        await recorder.change()
        # what editors and deploy tools do: write elsewhere, rename over the original
        tmp = tmp_path / ".config.json.swp"
        tmp.write_text(json.dumps({"retry": {"retry_max": 7}}))
        os.replace(tmp, path)
        assert _retry_max(await recorder.change()) == 7
        # and again: the watch survived the replacement of the file
        tmp.write_text(json.dumps({"retry": {"retry_max": 8}}))
        os.replace(tmp, path)
        assert _retry_max(await recorder.change()) == 8


async def test_unchanged_settings_are_not_reported(tmp_path: Path, recorder: _Recorder) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = 1\n")
    async with SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS) as watcher:
        first = await recorder.change()
        path.write_text("# a comment only\n[retry]\nretry_max = 1\n")
        assert await watcher.reload() == first
        path.write_text("")  # an in-place save in progress: keep the last settings
        assert await watcher.reload() == first
        path.write_text("[retry]\nretry_max = 3\n")
        # the comment-only edit produced no callback: the next one is the real change
        assert _retry_max(await recorder.change()) == 3
        assert recorder.changes.empty()


async def test_missing_file_is_picked_up_and_other_files_ignored(
    tmp_path: Path, recorder: _Recorder
) -> None:
    path = tmp_path / "config"
    async with SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS) as watcher:
        initial = await recorder.change()
        assert initial.retry is None and watcher.watching
        (tmp_path / "other").write_text("[retry]\nretry_max = 9\n")  # filtered out
        path.write_text("[retry]\nretry_max = 4\n")
        assert _retry_max(await recorder.change()) == 4


async def test_live_reload_off_in_file(tmp_path: Path, recorder: _Recorder) -> None:
    path = tmp_path / "config"
    path.write_text("[general]\nlive_reload_config = false\n[retry]\nretry_max = 1\n")
    async with SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS) as watcher:
        assert _retry_max(await recorder.change()) == 1
        assert not watcher.watching
        # a manual reload still works
        path.write_text("[general]\nlive_reload_config = false\n[retry]\nretry_max = 2\n")
        reloaded = await watcher.reload()
        assert reloaded is not None and _retry_max(reloaded) == 2


async def test_edit_turning_live_reload_off_is_applied_then_watch_ends(
    tmp_path: Path, recorder: _Recorder
) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = 1\n")
    async with SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS) as watcher:
        await recorder.change()
        path.write_text("[general]\nlive_reload_config = no\n[retry]\nretry_max = 6\n")
        assert _retry_max(await recorder.change()) == 6
        await asyncio.wait_for(watcher.wait_stopped(), WAIT)
        assert not watcher.watching


async def test_bad_file_at_start_raises(tmp_path: Path, recorder: _Recorder) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = x\n")
    watcher = SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS)
    with pytest.raises(ConfigError, match=r"retry\.retry_max"):
        await watcher.start()
    assert not watcher.watching and recorder.changes.empty()
    with pytest.raises(ConfigError, match="does not exist"):
        await SettingsWatcher(
            tmp_path / "no" / "config", recorder.on_change, debounce_ms=DEBOUNCE_MS
        ).start()
    with pytest.raises(ConfigError, match="debounce_ms"):
        SettingsWatcher(path, recorder.on_change, debounce_ms=0)


class _Client:
    """A stand-in client that records what apply_settings received (the subject here is the
    watcher's attach; the real HTTPClient is covered in tests/contract)."""

    def __init__(self, retry: RetryPolicy) -> None:
        self.retry = retry
        self.applied: list[Any] = []

    def apply_settings(self, settings: Any) -> None:
        self.applied.append(settings)
        if settings.retry is not None:
            self.retry = settings.retry


async def test_attach_many_clients_layered_over_their_own_values(
    tmp_path: Path, recorder: _Recorder
) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = 4\n")
    own = RetryPolicy(max_retries=0, min_wait=0.0, max_wait=0.0, retry_statuses=frozenset({503}))
    a, b = _Client(own), _Client(RetryPolicy())
    watcher = SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS)
    detach_a = watcher.attach(a)
    async with watcher:
        await recorder.change()
        # only the knob the file names changes; the client's own statuses and waits stay
        assert a.retry == own.replace(max_retries=4)
        watcher.attach(b)  # attached after start: applied at once
        assert len(b.applied) == 1
        assert b.retry == RetryPolicy(max_retries=4)

        detach_a()
        path.write_text("[logging]\nlog_level = debug\n")  # retry_max removed
        await recorder.change()
        assert b.retry == RetryPolicy()  # back to what b had when attached
        assert len(a.applied) == 1  # detached: no longer updated


async def test_overrides_win_over_the_file_on_every_reload(
    tmp_path: Path, recorder: _Recorder
) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = 1\n[general]\nhost = file.host\n")
    env = settings_from_env({"CXKIT_RETRY_MAX": "9"})
    async with SettingsWatcher(path, recorder.on_change, overrides=env, debounce_ms=DEBOUNCE_MS):
        first = await recorder.change()
        assert (_retry_max(first), first.host) == (9, "file.host")
        path.write_text("[retry]\nretry_max = 2\n[general]\nhost = new.host\n")
        second = await recorder.change()
        assert (_retry_max(second), second.host) == (9, "new.host")


async def test_failing_callback_does_not_stop_the_watcher(
    tmp_path: Path, recorder: _Recorder
) -> None:
    path = tmp_path / "config"
    path.write_text("[retry]\nretry_max = 1\n")

    class Broken:
        def apply_settings(self, settings: Any) -> None:
            raise RuntimeError("boom")

    watcher = SettingsWatcher(path, recorder.on_change, debounce_ms=DEBOUNCE_MS)
    watcher.attach(Broken())
    async with watcher:
        await recorder.change()
        path.write_text("[retry]\nretry_max = 2\n")
        assert _retry_max(await recorder.change()) == 2


def test_retry_max_time_zero_means_no_limit() -> None:
    unlimited = parse_settings("[retry]\nretry_max_time = 0\n")
    assert unlimited.retry is not None and unlimited.retry.max_elapsed is None
    limited = parse_settings('{"retry": {"retry_max_time": 45}}')
    assert limited.retry is not None and limited.retry.max_elapsed == 45.0
    assert limited.retry.max_retries == RetryPolicy().max_retries  # the other knobs unchanged
