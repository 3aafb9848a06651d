"""JSON output of the commands: any result made JSON-able, secrets redacted, printed.

* :func:`to_jsonable` turns msgspec Structs, dataclasses, datetimes, enums, bytes and
  :class:`cxkit.config.Secret` values into plain JSON types;
* :func:`redact` replaces the value of every field named like a credential (``password``,
  ``tokenId``, ``access_token``, ``client_secret``, cookies...: the names the HTTP logger
  redacts) by ``"[REDACTED]"``, so ``cxkit five9 request POST auth/login`` never prints a
  token;
* :func:`emit` prints one document: compact on one line (``--json``, or not a terminal) or
  indented and highlighted for a person.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import sys
from collections.abc import Mapping
from typing import Any

from cxkit.cli.failures import scrub

__all__ = ["dumps", "emit", "redact", "to_jsonable"]

REDACTED = "[REDACTED]"


def _is_secret_name(name: str) -> bool:
    from cxkit.core.httplog import is_secret_name

    return is_secret_name(name)


def _enc_hook(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for any result a client method returns."""
    import msgspec

    from cxkit.config import Secret

    def walk(item: Any) -> Any:
        if isinstance(item, Secret):
            return REDACTED
        if isinstance(item, Mapping):
            return {str(k): walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v) for v in item]
        if isinstance(item, bytes):
            return base64.b64encode(item).decode("ascii")
        if isinstance(item, enum.Enum):
            return item.value
        if isinstance(item, (dt.datetime, dt.date)):
            return item.isoformat()
        if item is None or isinstance(item, (bool, int, float, str)):
            return item
        return walk(msgspec.to_builtins(item, enc_hook=_enc_hook, builtin_types=(dt.datetime,)))

    return walk(value)


def redact(value: Any) -> Any:
    """``value`` (plain JSON) with credential-named fields replaced by ``[REDACTED]``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            secret = isinstance(key, str) and _is_secret_name(key)
            out[key] = REDACTED if secret and item not in (None, "", [], {}) else redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def dumps(value: Any, *, indent: bool = False) -> str:
    """JSON text of a result (converted, redacted, registered secrets scrubbed)."""
    import json

    document = redact(to_jsonable(value))
    text = json.dumps(
        document,
        ensure_ascii=False,
        indent=2 if indent else None,
        separators=None if indent else (",", ":"),
    )
    return scrub(text)


def emit(value: Any, *, machine: bool) -> None:
    """Print one JSON document: one compact line when ``machine`` (``--json``) or when
    stdout is not a terminal, else indented and highlighted."""
    if machine or not sys.stdout.isatty():
        print(dumps(value), flush=True)
        return
    from rich.console import Console
    from rich.json import JSON

    Console(highlight=False).print(JSON(dumps(value, indent=True)))
