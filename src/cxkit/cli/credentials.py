"""Where the vendor commands get their credentials, and how they never show them.

Each value is taken from the first source that has it:

1. a flag (``--username``, ``--client-id``, ``--region``, ``--base-url``; a password or a
   client secret only through ``--password-stdin`` / ``--client-secret-stdin``, never a flag
   that would land in the shell history and ``ps``);
2. an environment variable: ``FIVE9_USERNAME``, ``FIVE9_PASSWORD``, ``FIVE9_REGION``,
   ``FIVE9_BASE_URL``, ``GENESYS_CLIENT_ID``, ``GENESYS_CLIENT_SECRET``, ``GENESYS_REGION``,
   ``GENESYS_BASE_URL``;
3. the config file (``--config``, else ``CXKIT_CONFIG_FILE``, else
   ``$XDG_CONFIG_HOME/cxkit/config.ini`` or ``~/.config/cxkit/config.ini`` when it exists):
   its ``[five9]`` section (``username``, ``password``, ``region``, ``base_url``) and
   ``[genesys]`` section (``client_id``, ``client_secret``, ``region``, ``base_url``), in the
   INI or JSON format of :mod:`cxkit.settings`;
4. with a ``--base-url`` that points at a cxkit emulator and no credentials anywhere, the
   emulator's published demo credentials (``GET /_emulator/info``);
5. on a terminal, a hidden prompt for a missing password / secret.

Secrets are held as :class:`cxkit.config.Secret` and registered with
:func:`cxkit.cli.failures.register_secret`, so no message, log line or JSON output of the CLI
can echo them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxkit.cli.failures import register_secret

if TYPE_CHECKING:
    from cxkit.config import Secret

__all__ = [
    "Five9Credentials",
    "Five9Flags",
    "GenesysCredentials",
    "GenesysFlags",
    "config_path",
    "config_section",
    "five9_credentials",
    "genesys_credentials",
    "probe_emulator",
]

CONFIG_FILE_NAME = "config.ini"


@dataclass(frozen=True, slots=True)
class Five9Flags:
    """The Five9 credential flags of a command."""

    username: str | None = None
    password_stdin: bool = False
    region: str | None = None
    base_url: str | None = None
    config: Path | None = None


@dataclass(frozen=True, slots=True)
class GenesysFlags:
    """The Genesys credential flags of a command."""

    client_id: str | None = None
    client_secret_stdin: bool = False
    region: str | None = None
    base_url: str | None = None
    config: Path | None = None


@dataclass(frozen=True, slots=True)
class Five9Credentials:
    """Resolved Five9 login settings (``repr`` never shows the password)."""

    username: str | None
    password: Secret | None
    region: str | None
    base_url: str | None
    config_file: str | None = None
    demo: bool = False  # taken from an emulator's published demo credentials


@dataclass(frozen=True, slots=True)
class GenesysCredentials:
    """Resolved Genesys login settings (``repr`` never shows the secret)."""

    client_id: str | None
    client_secret: Secret | None
    region: str | None
    base_url: str | None
    config_file: str | None = None
    demo: bool = False


# --------------------------------------------------------------------------- config file


def config_path(flag: Path | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The config file to read: the flag, ``CXKIT_CONFIG_FILE``, or the user's default file
    when it exists (None: no file)."""
    if flag is not None:
        return str(flag)
    named = environ.get("CXKIT_CONFIG_FILE", "").strip()
    if named:
        return named
    base = environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    default = Path(base) / "cxkit" / CONFIG_FILE_NAME
    return str(default) if default.is_file() else None


def config_section(path: str | None, name: str) -> Mapping[str, str]:
    """The raw ``[name]`` section of the config file (empty without a file or section).

    Raises:
        ConfigError: the file cannot be read or parsed.
    """
    if path is None:
        return {}
    from cxkit.settings import load_settings

    return load_settings(path).sections.get(name, {})


def _pick(section: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = section.get(key)
        if value is not None and str(value).strip():
            return str.__str__(value).strip()
    return None


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "")
    return value.strip() or None


def _read_stdin_line(what: str) -> str:
    from cxkit.errors import UsageError

    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError(f"{what}: stdin gave an empty line")
    return line


def _secret(value: str | None) -> Secret | None:
    from cxkit.config import Secret

    if value is None:
        return None
    register_secret(value)
    return Secret(value)


# --------------------------------------------------------------------------- Five9


def five9_credentials(
    flags: Five9Flags, *, environ: Mapping[str, str] = os.environ
) -> Five9Credentials:
    """Resolve from flags, environment and config file (no prompt, no network)."""
    path = config_path(flags.config, environ)
    section = config_section(path, "five9")
    password: str | None
    if flags.password_stdin:
        password = _read_stdin_line("--password-stdin")
    else:
        password = _env(environ, "FIVE9_PASSWORD") or _pick(section, "password")
    return Five9Credentials(
        username=flags.username
        or _env(environ, "FIVE9_USERNAME")
        or _pick(section, "username", "user"),
        password=_secret(password),
        region=flags.region or _env(environ, "FIVE9_REGION") or _pick(section, "region"),
        base_url=flags.base_url
        or _env(environ, "FIVE9_BASE_URL")
        or _pick(section, "base_url", "base-url", "baseurl"),
        config_file=path,
    )


async def complete_five9(creds: Five9Credentials, *, interactive: bool) -> Five9Credentials:
    """Fill what is missing from an emulator's demo tenant or a prompt; raise
    :class:`cxkit.errors.UsageError` naming every way to give what is still missing."""
    from cxkit.errors import UsageError

    not_emulator = ""
    if creds.username is None and creds.password is None and creds.base_url:
        info = await probe_emulator(creds.base_url)
        not_emulator = _not_an_emulator(creds.base_url, info)
        five9 = (info or {}).get("vendors", {}).get("five9")
        if isinstance(five9, dict) and isinstance(five9.get("tenant"), dict):
            five9 = five9["tenant"]
        if isinstance(five9, dict) and isinstance(five9.get("supervisor"), dict):
            sup = five9["supervisor"]
            return replace(
                creds,
                username=str(sup.get("username")),
                password=_secret(str(sup.get("password"))),
                demo=True,
            )
    if creds.username is None:
        raise UsageError(
            "no Five9 user name: pass --username, set FIVE9_USERNAME, or put username in the "
            "[five9] section of the config file" + not_emulator
        )
    if creds.password is None and interactive:
        import typer

        entered = typer.prompt(f"Five9 password for {creds.username}", hide_input=True)
        return replace(creds, password=_secret(entered))
    if creds.password is None:
        raise UsageError(
            "no Five9 password: use --password-stdin, set FIVE9_PASSWORD, or put password "
            "in the [five9] section of the config file"
        )
    return creds


# --------------------------------------------------------------------------- Genesys


def genesys_credentials(
    flags: GenesysFlags, *, environ: Mapping[str, str] = os.environ
) -> GenesysCredentials:
    """Resolve from flags, environment and config file (no prompt, no network)."""
    path = config_path(flags.config, environ)
    section = config_section(path, "genesys")
    secret: str | None
    if flags.client_secret_stdin:
        secret = _read_stdin_line("--client-secret-stdin")
    else:
        secret = _env(environ, "GENESYS_CLIENT_SECRET") or _pick(
            section, "client_secret", "client-secret", "clientsecret"
        )
    return GenesysCredentials(
        client_id=flags.client_id
        or _env(environ, "GENESYS_CLIENT_ID")
        or _pick(section, "client_id", "client-id", "clientid"),
        client_secret=_secret(secret),
        region=flags.region or _env(environ, "GENESYS_REGION") or _pick(section, "region"),
        base_url=flags.base_url
        or _env(environ, "GENESYS_BASE_URL")
        or _pick(section, "base_url", "base-url", "baseurl"),
        config_file=path,
    )


async def complete_genesys(creds: GenesysCredentials, *, interactive: bool) -> GenesysCredentials:
    """Like :func:`complete_five9`, for the OAuth client-credentials grant."""
    from cxkit.errors import UsageError

    not_emulator = ""
    if creds.client_id is None and creds.client_secret is None and creds.base_url:
        info = await probe_emulator(creds.base_url)
        not_emulator = _not_an_emulator(creds.base_url, info)
        genesys = (info or {}).get("vendors", {}).get("genesys")
        if isinstance(genesys, dict) and isinstance(genesys.get("tenant"), dict):
            genesys = genesys["tenant"]
        cc = genesys.get("clientCredentials") if isinstance(genesys, dict) else None
        if isinstance(cc, dict) and cc.get("clientId") and cc.get("clientSecret"):
            return replace(
                creds,
                client_id=str(cc["clientId"]),
                client_secret=_secret(str(cc["clientSecret"])),
                demo=True,
            )
    if creds.client_id is None:
        raise UsageError(
            "no Genesys OAuth client id: pass --client-id, set GENESYS_CLIENT_ID, or put "
            "client_id in the [genesys] section of the config file" + not_emulator
        )
    if creds.client_secret is None and interactive:
        import typer

        entered = typer.prompt(f"Client secret of {creds.client_id}", hide_input=True)
        return replace(creds, client_secret=_secret(entered))
    if creds.client_secret is None:
        raise UsageError(
            "no Genesys client secret: use --client-secret-stdin, set GENESYS_CLIENT_SECRET, "
            "or put client_secret in the [genesys] section of the config file"
        )
    return creds


# --------------------------------------------------------------------------- emulator


def _not_an_emulator(base_url: str, info: dict[str, Any] | None) -> str:
    """The end of a missing-credentials message when ``--base-url`` was tried as an
    emulator (so a stopped emulator is not mistaken for a missing flag)."""
    if info is not None:
        return ""
    return (
        f" ({base_url} did not answer as a cxkit emulator, so no demo credentials could be "
        "taken from it: is it running?)"
    )


async def probe_emulator(base_url: str, *, timeout: float = 3.0) -> dict[str, Any] | None:
    """``GET {base_url}/_emulator/info`` when ``base_url`` is a cxkit emulator, else None."""
    import aiohttp

    url = base_url.rstrip("/") + "/_emulator/info"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as response,
        ):
            if response.status != 200:
                return None
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    if isinstance(body, dict) and isinstance(body.get("vendors"), dict):
        return body
    return None
