"""Stream keys and subjects from templates: ``cxkit.{vendor}.{tenant}.{kind}``.

A :class:`KeyTemplate` fills ``{vendor}``, ``{tenant}`` and ``{kind}`` from an envelope and
makes the values safe for one broker's rules:

* **NATS subjects** (``flavor="nats"``): tokens are separated by ``.``; ``*`` and ``>`` are
  wildcards, whitespace ends the subject, and an empty token is invalid. Values are reduced to
  ``A-Z a-z 0-9 _ -`` (anything else becomes ``_``), so a tenant ``acme.eu`` is one token
  ``acme_eu``; ``{kind}`` keeps its dots (``agent.state`` is two tokens, which lets consumers
  subscribe to ``cxkit.five9.*.agent.>``). An empty value becomes ``_``.
* **Redis keys** (``flavor="redis"``): any bytes are allowed, but braces would make a Redis
  Cluster hash tag and whitespace makes keys painful in tools, so values are reduced to
  ``A-Z a-z 0-9 _ - . : @ /``.
* ``flavor="plain"`` leaves values as they are (file names are not derived from keys).

Rendered keys are cached per (vendor, tenant, kind), so a template costs one dict lookup per
event.
"""

from __future__ import annotations

import re
import string
from typing import Final, Literal

from cxkit.bridge.envelope import Envelope
from cxkit.errors import ConfigError

__all__ = [
    "DEFAULT_NATS_TEMPLATE",
    "DEFAULT_REDIS_TEMPLATE",
    "KeyTemplate",
    "sanitize_nats_token",
    "sanitize_redis",
]

Flavor = Literal["nats", "redis", "plain"]

DEFAULT_NATS_TEMPLATE: Final = "cxkit.{vendor}.{tenant}.{kind}"
DEFAULT_REDIS_TEMPLATE: Final = "cxkit:{vendor}:{tenant}:{kind}"

_FIELDS: Final = frozenset({"vendor", "tenant", "kind"})
_NATS_BAD: Final = re.compile(r"[^A-Za-z0-9_\-]")
_REDIS_BAD: Final = re.compile(r"[^A-Za-z0-9_\-.:@/]")
_NATS_LITERAL_BAD: Final = re.compile(r"[\s*>]")
_CACHE_LIMIT: Final = 10_000


def sanitize_nats_token(value: str) -> str:
    """One NATS subject token: ``A-Z a-z 0-9 _ -`` only, never empty."""
    return _NATS_BAD.sub("_", value) or "_"


def sanitize_redis(value: str) -> str:
    """A Redis key part: no whitespace, control characters or hash-tag braces, never empty."""
    return _REDIS_BAD.sub("_", value) or "_"


def _nats_kind(value: str) -> str:
    return ".".join(sanitize_nats_token(part) for part in value.split("."))


class KeyTemplate:
    """A key / subject template over ``{vendor}``, ``{tenant}`` and ``{kind}``.

    Raises :class:`~cxkit.errors.ConfigError` for an unknown field, a format spec, or (NATS) a
    literal part that would make an invalid subject.
    """

    def __init__(self, template: str, *, flavor: Flavor) -> None:
        if flavor not in ("nats", "redis", "plain"):
            raise ConfigError.bad_value("bridge.key_flavor", flavor, "nats, redis or plain")
        if not isinstance(template, str) or not template:
            raise ConfigError.bad_value("bridge.key_template", template, "a non-empty template")
        literals: list[str] = []
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ConfigError.bad_value(
                "bridge.key_template", template, f"a valid template ({exc})"
            ) from None
        for literal, field, spec, conversion in parsed:
            literals.append(literal)
            if field is None:
                continue
            if field not in _FIELDS or spec or conversion:
                raise ConfigError.bad_value(
                    "bridge.key_template", template, "fields {vendor}, {tenant}, {kind} only"
                )
        if flavor == "nats":
            if any(_NATS_LITERAL_BAD.search(part) for part in literals):
                raise ConfigError.bad_value(
                    "bridge.key_template", template, "a NATS subject (no spaces, '*' or '>')"
                )
            sample = template.format(vendor="v", tenant="t", kind="k")
            if not sample or any(token == "" for token in sample.split(".")):
                raise ConfigError.bad_value(
                    "bridge.key_template", template, "a NATS subject without empty tokens"
                )
        self.template = template
        self.flavor: Flavor = flavor
        self._cache: dict[tuple[str, str, str], str] = {}

    def __repr__(self) -> str:
        return f"KeyTemplate({self.template!r}, flavor={self.flavor!r})"

    def render(self, vendor: str, tenant: str, kind: str) -> str:
        """The key for these values, sanitized for the flavor."""
        cache_key = (vendor, tenant, kind)
        key = self._cache.get(cache_key)
        if key is not None:
            return key
        if self.flavor == "nats":
            key = self.template.format(
                vendor=sanitize_nats_token(vendor),
                tenant=sanitize_nats_token(tenant),
                kind=_nats_kind(kind),
            )
        elif self.flavor == "redis":
            key = self.template.format(
                vendor=sanitize_redis(vendor),
                tenant=sanitize_redis(tenant),
                kind=sanitize_redis(kind),
            )
        else:
            key = self.template.format(vendor=vendor, tenant=tenant, kind=kind)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[cache_key] = key
        return key

    def key(self, envelope: Envelope) -> str:
        """The key for an envelope."""
        return self.render(envelope.vendor, envelope.tenant, envelope.kind)

    def static_prefix(self) -> str:
        """The literal text before the first field (``cxkit.`` for the default template)."""
        literal, _field, _spec, _conv = next(iter(string.Formatter().parse(self.template)))
        return literal

    def nats_wildcard(self) -> str:
        """A subject filter covering every rendered subject (``cxkit.>``), for a stream.

        Raises ConfigError when the template starts with a field (give the stream's subjects
        explicitly then).
        """
        prefix = self.static_prefix()
        if prefix == self.template:  # no field at all: one fixed subject
            return self.template
        whole = [t for t in prefix.split(".")[:-1] if t]  # the last token is partial or empty
        if not whole:
            raise ConfigError.bad_value(
                "bridge.key_template",
                self.template,
                "a template starting with a literal token (e.g. 'cxkit.'), or explicit "
                "stream subjects",
            )
        return ".".join([*whole, ">"])
