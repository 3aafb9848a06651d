"""Combine keyword arguments, the environment and a config file into the effective settings."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from cxkit.config import DEFAULTS
from cxkit.settings.env import CONFIG_FILE_VAR, settings_from_env
from cxkit.settings.file import load_settings
from cxkit.settings.model import Settings
from cxkit.settings.values import proxy_from_url

__all__ = ["resolve_settings", "settings_from_kwargs"]

_FIELDS = frozenset(f.name for f in dataclasses.fields(Settings)) - {"explicit", "source"}


def settings_from_kwargs(**values: Any) -> Settings:
    """A layer from keyword arguments named like :class:`Settings` fields.

    ``None`` means "not given" (handy for CLI options). ``proxy`` may also be a URL string.
    Every value given counts as set, even one equal to the default (so
    ``refresh_access_token=True`` overrides a file's ``false``).

    Raises:
        TypeError: an unknown keyword.
        ConfigError: a value of the wrong type or range.
    """
    unknown = sorted(set(values) - _FIELDS)
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(unknown)} (known: {sorted(_FIELDS)})")
    given = {name: value for name, value in values.items() if value is not None}
    if isinstance(given.get("proxy"), str):
        given["proxy"] = proxy_from_url("proxy", given["proxy"])
    layer = Settings(**given)
    return dataclasses.replace(layer, explicit=layer.explicit | frozenset(given))


def resolve_settings(
    *,
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """The effective settings: keyword arguments > environment > config file > defaults.

    Args:
        path: a config file (JSON or INI). When None, ``CXKIT_CONFIG_FILE`` from ``environ``
            names it; with neither, no file is read (cxkit never reads a file implicitly).
        environ: the environment to read ``CXKIT_*`` from (default ``os.environ``).
        **overrides: :class:`Settings` fields (``retry=RetryPolicy(...)``, ``host=...``,
            ``proxy="http://proxy:3128"``, ...); None values are ignored.

    ``retry``, ``logging`` and ``timeouts`` are always filled in (from
    :data:`cxkit.config.DEFAULTS` where no source set them).

    Raises:
        ConfigError: a bad value in any source, or a missing/unreadable file.
        TypeError: an unknown keyword argument.
    """
    env = os.environ if environ is None else environ
    kwargs_layer = settings_from_kwargs(**overrides)
    env_layer = settings_from_env(env)
    if path is None and env.get("CXKIT_" + CONFIG_FILE_VAR, "").strip():
        path = env["CXKIT_" + CONFIG_FILE_VAR].strip()
    result = Settings(
        retry=DEFAULTS.retry,
        logging=DEFAULTS.logging,
        timeouts=DEFAULTS.timeouts,
        explicit=frozenset(),
    )
    if path is not None:
        result = result.merge(load_settings(path))
    return result.merge(env_layer).merge(kwargs_layer)
