"""Open a vendor client for a command from resolved credentials (see :mod:`.credentials`).

The config file's ``[retry]``, ``[timeouts]``, ``[proxy]`` and ``[logging]`` sections and the
``CXKIT_*`` environment variables apply to both clients, as they do for library users.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from cxkit.cli.credentials import (
    Five9Credentials,
    Five9Flags,
    GenesysCredentials,
    GenesysFlags,
    complete_five9,
    complete_genesys,
    five9_credentials,
    genesys_credentials,
)

if TYPE_CHECKING:
    from cxkit.five9.client import Five9Client
    from cxkit.genesys.client import GenesysClient

__all__ = ["five9_client", "genesys_client", "resolve_five9", "resolve_genesys"]


async def resolve_five9(flags: Five9Flags, *, interactive: bool) -> Five9Credentials:
    """Complete Five9 credentials from every source (may probe an emulator or prompt)."""
    return await complete_five9(five9_credentials(flags), interactive=interactive)


async def resolve_genesys(flags: GenesysFlags, *, interactive: bool) -> GenesysCredentials:
    """Complete Genesys credentials from every source (may probe an emulator or prompt)."""
    return await complete_genesys(genesys_credentials(flags), interactive=interactive)


@asynccontextmanager
async def five9_client(creds: Five9Credentials, **options: object) -> AsyncIterator[Five9Client]:
    """A :class:`~cxkit.five9.client.Five9Client` for ``creds``; logged out and closed at the
    end. ``options`` go to the client (e.g. ``reconnect=``)."""
    from cxkit.config import DEFAULTS
    from cxkit.five9.client import Five9Client
    from cxkit.settings import resolve_settings

    settings = resolve_settings(path=creds.config_file)
    assert creds.password is not None
    client = Five9Client(
        creds.username,
        creds.password.reveal(),
        region=creds.region or "US",
        base_url=creds.base_url,
        retry=settings.retry or DEFAULTS.retry,
        timeouts=settings.timeouts or DEFAULTS.timeouts,
        logging=settings.logging or DEFAULTS.logging,
        proxy=settings.proxy,
        **options,  # type: ignore[arg-type]
    )
    try:
        yield client
    finally:
        await client.close()


@asynccontextmanager
async def genesys_client(
    creds: GenesysCredentials, **options: object
) -> AsyncIterator[GenesysClient]:
    """A :class:`~cxkit.genesys.client.GenesysClient` (client-credentials grant) for
    ``creds``; closed at the end."""
    from cxkit.genesys.client import GenesysClient

    client = GenesysClient(
        region=creds.region,
        base_url=creds.base_url,
        client_id=creds.client_id,
        client_secret=None if creds.client_secret is None else creds.client_secret.reveal(),
        config_file=creds.config_file,
        live_reload=False,
        environ=os.environ,
        **options,  # type: ignore[arg-type]
    )
    try:
        yield client
    finally:
        await client.close()
