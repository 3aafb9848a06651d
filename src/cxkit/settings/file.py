"""Config files: JSON or INI (detected), with the keys of the official Genesys Go and Python SDKs.

Detection follows the Go SDK: the text is tried as JSON first (an object of sections), then as
INI. Unlike the Python SDK, a file that is neither is reported (:class:`ConfigError` naming the
file and the problem) instead of being ignored. Keys are case-insensitive. Unknown sections and
keys are kept raw in :attr:`Settings.sections` and otherwise ignored; a bad value of a known key
raises :class:`ConfigError` naming ``section.key``, the value (redacted for credentials) and what
is allowed. Empty values (``key =`` or JSON ``null``) count as not set, as in the official SDKs.
"""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxkit.config import DEFAULTS, LoggingConfig, ProxyConfig, RetryPolicy, Secret, Timeouts
from cxkit.errors import ConfigError
from cxkit.settings import values as v
from cxkit.settings.model import GatewayConfig, Settings, check_host

__all__ = ["load_settings", "parse_settings"]

# Sections cxkit reads; in JSON each must be an object.
_KNOWN_SECTIONS = (
    "logging",
    "retry",
    "reauthentication",
    "general",
    "proxy",
    "gateway",
    "timeouts",
)
# configparser treats [DEFAULT] as values inherited by every section; the official SDKs' INI
# readers do not, so a name no file can contain turns that behaviour off.
_NO_DEFAULT_SECTION = "\x00no-default-section"


@dataclass
class Section:
    """One section of the file: lower-cased key -> (name as written, value)."""

    name: str
    items: dict[str, tuple[str, Any]] = field(default_factory=dict)

    def get(self, *keys: str) -> tuple[str, Any] | None:
        """The first of ``keys`` that is set (not None, not an empty string), with its name."""
        for key in keys:
            found = self.items.get(key)
            if found is not None and found[1] is not None and found[1] != "":
                return found
        return None

    def sub(self, key: str) -> Section | None:
        """A nested JSON object (``proxy.auth``) as a section of its own."""
        found = self.get(key)
        if found is None:
            return None
        name, value = found
        if not isinstance(value, Mapping):
            raise ConfigError.bad_value(name, value, "an object", secret=v.is_secret_key(name))
        return Section(name, {str(k).lower(): (f"{name}.{k}", x) for k, x in value.items()})


def _where(source: str | None) -> str:
    return f"config file {source!r}" if source else "config text"


# --------------------------------------------------------------------------- reading


def _read_json(data: Mapping[str, Any]) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    loose = Section("")
    for name, body in data.items():
        lname = str(name).lower()
        if isinstance(body, Mapping):
            items = {str(k).lower(): (f"{name}.{k}", x) for k, x in body.items()}
            sections.setdefault(lname, Section(str(name))).items.update(items)
        elif lname == "proxy" and isinstance(body, str):
            # cxkit extension: "proxy": "http://user:pass@host:port"
            sections["proxy"] = Section("proxy", {"url": ("proxy", body)})
        elif lname in _KNOWN_SECTIONS and body is not None:
            raise ConfigError.bad_value(str(name), body, "an object of keys")
        else:
            # Top-level scalars are kept in the section named "".
            loose.items[lname] = (str(name), body)
    if loose.items:
        sections[""] = loose
    return sections


def _unquote(value: str) -> str:
    # INI readers of the official SDKs (go-ini) drop one pair of surrounding quotes.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _read_ini(text: str) -> dict[str, Section]:
    # No interpolation: a password may contain "%"; no inline comments: it may contain "#"/";".
    parser = configparser.ConfigParser(
        interpolation=None, default_section=_NO_DEFAULT_SECTION, strict=True
    )
    parser.read_string(text)
    sections: dict[str, Section] = {}
    for name in parser.sections():
        section = sections.setdefault(name.lower(), Section(name))
        for key, value in parser.items(name, raw=True):
            section.items[key.lower()] = (f"{name}.{key}", _unquote(value.strip()))
    return sections


def _ini_problem(err: configparser.Error) -> str:
    # configparser's own messages quote the offending line, which may hold a password.
    if isinstance(err, configparser.MissingSectionHeaderError):
        return f"line {err.lineno}: a key before the first [section] header"
    if isinstance(err, configparser.ParsingError):
        lines = ", ".join(str(lineno) for lineno, _ in err.errors)
        return f"line {lines}: expected '[section]' or 'key = value'"
    if isinstance(err, configparser.DuplicateOptionError):
        return f"line {err.lineno}: duplicate key {err.option!r} in [{err.section}]"
    if isinstance(err, configparser.DuplicateSectionError):
        return f"line {err.lineno}: duplicate section [{err.section}]"
    return type(err).__name__


def _read(text: str, source: str | None) -> tuple[dict[str, Section], str]:
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        json_problem = f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}"
    else:
        if not isinstance(data, dict):
            raise ConfigError(
                f"{_where(source)}: a JSON config must be an object of sections, "
                f"not {type(data).__name__}",
                key=source,
                allowed="a JSON object or INI sections",
            )
        return _read_json(data), "json"
    try:
        return _read_ini(text), "ini"
    except configparser.Error as err:
        # A text that starts like JSON was meant as JSON: its JSON error is the useful one.
        problem = json_problem if text.lstrip().startswith("{") else _ini_problem(err)
        raise ConfigError(
            f"{_where(source)} is neither valid JSON nor INI: {problem}",
            key=source,
            allowed="a JSON object or INI sections",
        ) from None


def _raw_sections(sections: Mapping[str, Section]) -> dict[str, dict[str, str]]:
    """Everything as strings, nested JSON objects flattened to dotted keys, credentials as
    :class:`Secret`."""
    out: dict[str, dict[str, str]] = {}

    def put(target: dict[str, str], key: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, x in value.items():
                put(target, f"{key}.{str(k).lower()}", x)
            return
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif value is None:
            text = ""
        elif isinstance(value, str):
            text = value
        elif isinstance(value, (int, float)):
            text = str(value)
        else:
            text = json.dumps(value, separators=(",", ":"))
        secret = v.is_secret_key(key) or v.looks_secret_value(text)
        target[key] = Secret(text) if secret else text

    for name, section in sections.items():
        target = out.setdefault(name, {})
        for key, (_, value) in section.items.items():
            put(target, key, value)
    return out


# --------------------------------------------------------------------------- key families


def _logging(sec: Section, knobs: set[str]) -> LoggingConfig | None:
    converters: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
        "log_level": ("level", lambda k, x: v.to_choice(k, x, ("trace", "debug", "error", "none"))),
        "log_format": ("format", lambda k, x: v.to_choice(k, x, ("text", "json"))),
        "log_to_console": ("to_console", v.to_bool),
        "log_file_path": ("file_path", v.to_str),
        "log_request_body": ("log_request_body", v.to_bool),
        "log_response_body": ("log_response_body", v.to_bool),
    }
    changes: dict[str, Any] = {}
    for key, (attr, convert) in converters.items():
        found = sec.get(key)
        if found is not None:
            changes[attr] = convert(*found)
    if not changes:
        return None
    knobs.update(f"logging.{attr}" for attr in changes)
    return dataclasses.replace(DEFAULTS.logging, **changes)


def _retry(sec: Section, knobs: set[str]) -> RetryPolicy | None:
    changes: dict[str, Any] = {}
    if (found := sec.get("retry_max")) is not None:
        changes["max_retries"] = v.to_int(*found)
    wait_min, wait_max = sec.get("retry_wait_min"), sec.get("retry_wait_max")
    if wait_min is not None:
        changes["min_wait"] = v.to_float(*wait_min)
    if wait_max is not None:
        changes["max_wait"] = v.to_float(*wait_max)
    if (found := sec.get("retry_max_time")) is not None:
        # seconds a request may take, retries included; 0 = no limit (as the Java SDK's
        # maxRetryTimeSec)
        seconds = v.to_float(*found)
        changes["max_elapsed"] = seconds or None
    if (found := sec.get("retry_after_default")) is not None:
        changes["rate_limit_wait"] = v.to_float(*found)
    if not changes:
        return None
    knobs.update(f"retry.{attr}" for attr in changes)
    base = DEFAULTS.retry
    if wait_min is not None and wait_max is not None:
        if changes["max_wait"] < changes["min_wait"]:
            raise ConfigError.bad_value(
                wait_max[0],
                wait_max[1],
                f"a number >= {wait_min[0]} ({changes['min_wait']:g})",
            )
    elif wait_min is not None:
        # Only one end given: the default other end follows it (retry_wait_min = 60 alone
        # means "wait 60 s", not an error about the default 30 s cap).
        changes["max_wait"] = max(base.max_wait, changes["min_wait"])
    elif wait_max is not None:
        changes["min_wait"] = min(base.min_wait, changes["max_wait"])
    return dataclasses.replace(base, **changes)


def _timeouts(sec: Section, knobs: set[str]) -> Timeouts | None:
    changes: dict[str, Any] = {}
    for attr in ("connect", "read", "total"):
        if (found := sec.get(attr)) is not None:
            changes[attr] = v.to_float(*found, allow_zero=False)
    if not changes:
        return None
    knobs.update(f"timeouts.{attr}" for attr in changes)
    return dataclasses.replace(DEFAULTS.timeouts, **changes)


@dataclass
class _Endpoint:
    """What the proxy and gateway sections share (Go: host, port, protocol, auth, pathParams)."""

    host: str | None = None
    port: int | None = None
    protocol: str | None = None
    username: str | None = None
    password: Secret | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    given: list[str] = field(default_factory=list)


def _endpoint(sec: Section, *, allow_default_port: bool) -> _Endpoint:
    ep = _Endpoint()
    if (found := sec.get("host")) is not None:
        ep.host = v.to_str(*found).strip()
        ep.given.append(found[0])
    if (found := sec.get("port")) is not None:
        ep.port = v.to_port(*found, allow_default=allow_default_port)
        ep.given.append(found[0])
    if (found := sec.get("protocol")) is not None:
        ep.protocol = v.to_choice(*found, ("http", "https"))
        ep.given.append(found[0])
    auth = sec.sub("auth")  # JSON: "auth": {"username": ..., "password": ...}
    user = sec.get("auth-username", "auth_username", "username") or (
        auth.get("username", "user") if auth else None
    )
    if user is not None:
        ep.username = v.to_str(*user)
        ep.given.append(user[0])
    password = sec.get("auth-password", "auth_password", "password") or (
        auth.get("password") if auth else None
    )
    if password is not None:
        ep.password = Secret(v.to_str(*password, secret=True))
        ep.given.append(password[0])
    if (found := sec.get("path-params", "path_params", "pathparams")) is not None:
        ep.path_params.update(v.to_path_params(*found))
        ep.given.append(found[0])
    # The Python SDK's gateway spelling: path_params_login / path_params_api.
    for name in ("login", "api"):
        if (found := sec.get(f"path_params_{name}", f"path-params-{name}")) is not None:
            ep.path_params[name] = v.to_str(*found)
            ep.given.append(found[0])
    if ep.given and ep.host is None:
        raise ConfigError(
            f"missing {sec.name}.host: required when {', '.join(ep.given)} is set",
            key=f"{sec.name}.host",
            allowed="a host name",
        )
    return ep


def _proxy(sec: Section, explicit: set[str]) -> tuple[ProxyConfig | None, dict[str, str]]:
    if (found := sec.get("url")) is not None:
        explicit.add("proxy")
        return v.proxy_from_url(*found), {}
    ep = _endpoint(sec, allow_default_port=False)
    if ep.host is None:
        return None, {}
    explicit.add("proxy")
    if ep.path_params:
        explicit.add("proxy_path_params")
    proxy = ProxyConfig(
        host=ep.host,
        port=ep.port,
        protocol="https" if ep.protocol == "https" else "http",
        username=ep.username,
        password=ep.password,
    )
    return proxy, ep.path_params


def _gateway(sec: Section, explicit: set[str]) -> GatewayConfig | None:
    ep = _endpoint(sec, allow_default_port=True)
    if ep.host is None:
        return None
    explicit.add("gateway")
    return GatewayConfig(
        host=ep.host,
        # "protocol ... will default to https if the parameter is not defined or empty" (PY).
        protocol="http" if ep.protocol == "http" else "https",
        port=ep.port,
        username=ep.username,
        password=ep.password,
        path_params=ep.path_params,
    )


# --------------------------------------------------------------------------- public


def parse_settings(text: str, *, source: str | None = None) -> Settings:
    """Parse a config file's text (JSON or INI, detected) into :class:`Settings`.

    ``source`` (the file path) is recorded in :attr:`Settings.source` and named in errors.

    Raises:
        ConfigError: the text is neither JSON nor INI, or a known key has a bad value.
    """
    try:
        sections, _ = _read(text, source)
        return build_settings(sections, source)
    except ConfigError as err:
        if source is None or str(err).startswith(_where(source)):
            raise
        raise ConfigError(
            f"{_where(source)}: {err}", key=err.key, value=err.value, allowed=err.allowed
        ) from None


def build_settings(
    sections: Mapping[str, Section], source: str | None, *, keep_raw: bool = True
) -> Settings:
    """Turn read sections into :class:`Settings` (shared by files and the environment)."""
    empty = Section("")
    explicit: set[str] = set()
    values: dict[str, Any] = {}
    values["logging"] = _logging(sections.get("logging", empty), explicit)
    values["retry"] = _retry(sections.get("retry", empty), explicit)
    values["timeouts"] = _timeouts(sections.get("timeouts", empty), explicit)
    values["proxy"], values["proxy_path_params"] = _proxy(sections.get("proxy", empty), explicit)
    values["gateway"] = _gateway(sections.get("gateway", empty), explicit)

    general = sections.get("general", empty)
    if (found := general.get("host")) is not None:
        check_host(found[0], v.to_str(*found))
        values["host"] = v.to_str(*found).strip()
        explicit.add("host")
    if (found := general.get("live_reload_config")) is not None:
        values["live_reload"] = v.to_bool(*found)
        explicit.add("live_reload")
    reauth = sections.get("reauthentication", empty)
    if (found := reauth.get("refresh_access_token")) is not None:
        values["refresh_access_token"] = v.to_bool(*found)
        explicit.add("refresh_access_token")
    if (found := reauth.get("refresh_token_wait_max")) is not None:
        values["refresh_token_wait_max"] = v.to_float(*found)
        explicit.add("refresh_token_wait_max")

    return Settings(
        **values,
        source=source,
        sections=_raw_sections(sections) if keep_raw else {},
        explicit=frozenset(explicit),
    )


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read and parse a config file (JSON or INI, detected; UTF-8, a BOM is allowed).

    Raises:
        ConfigError: the file cannot be read, is neither JSON nor INI, or has a bad value.
    """
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ConfigError(f"{_where(source)} not found", key=source) from None
    except OSError as err:
        raise ConfigError(
            f"{_where(source)} cannot be read: {err.strerror or type(err).__name__}", key=source
        ) from None
    return parse_settings(decode_config(data, source), source=source)


def decode_config(data: bytes, source: str | None) -> str:
    """Decode a config file's bytes as UTF-8 (with or without a BOM)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{_where(source)} is not UTF-8 text (byte {err.start})", key=source
        ) from None
