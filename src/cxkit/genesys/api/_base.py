"""What every resource class shares."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from cxkit.genesys.client import GenesysClient


def seg(value: str) -> str:
    """One path segment, percent-encoded (ids never break out of their segment)."""
    return quote(str(value), safe="")


class Resource:
    """Base of the API families: holds the client."""

    __slots__ = ("_client",)

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"
