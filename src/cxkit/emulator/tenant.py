"""The emulator's demo tenant: one set of fixed credentials that every plugin accepts.

:data:`DEMO` holds the same values on every run, so docs, examples, tests and a second
emulator process all log in with the same user names, passwords and client ids. Pass another
:class:`DemoTenant` in :class:`cxkit.emulator.config.EmulatorConfig` to change them.

Secrets are :class:`cxkit.config.Secret`, so the dataclasses' reprs never show them. The
admin endpoint ``GET /_emulator/info`` *does* return them in clear (through
:meth:`Five9Tenant.to_info` / :meth:`GenesysTenant.to_info`): they are the local emulator's
own demo credentials, published on purpose so that anyone can log in to it. They are not
secrets of any real account, and a real tenant's credentials never pass through this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from cxkit.config import Secret
from cxkit.errors import ConfigError

__all__ = [
    "DEMO",
    "DemoTenant",
    "Five9Tenant",
    "Five9User",
    "GenesysOAuthClient",
    "GenesysTenant",
    "GenesysUser",
]


def _as_secret(obj: object, name: str, key: str) -> None:
    """Coerce a plain ``str`` field of a frozen dataclass to :class:`Secret` (in place)."""
    value = getattr(obj, name)
    if value is None or isinstance(value, Secret):
        return
    if not isinstance(value, str):
        raise ConfigError.bad_value(key, value, "a string", secret=True)
    object.__setattr__(obj, name, Secret(value))


def _require_text(key: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError.bad_value(key, value, "a non-empty string")


def _reveal(value: Secret | None) -> str | None:
    return None if value is None else value.reveal()


# --------------------------------------------------------------------------- Five9


@dataclass(frozen=True, slots=True)
class Five9User:
    """A Five9 VCC user of the demo domain. Five9 serialises ids as numeric strings."""

    username: str
    password: Secret
    user_id: str
    first_name: str
    last_name: str

    def __post_init__(self) -> None:
        _require_text("five9.user.username", self.username)
        _as_secret(self, "password", "five9.user.password")
        if not isinstance(self.user_id, str) or not self.user_id.isdigit():
            raise ConfigError.bad_value("five9.user.user_id", self.user_id, "a numeric string")

    def to_info(self) -> dict[str, Any]:
        """This user as JSON for ``/_emulator/info`` (password in clear, on purpose)."""
        return {
            "username": self.username,
            "password": self.password.reveal(),
            "userId": self.user_id,
            "firstName": self.first_name,
            "lastName": self.last_name,
        }


@dataclass(frozen=True, slots=True)
class Five9Tenant:
    """The demo Five9 domain: its org id (a numeric string, as Five9 sends it), its name,
    a supervisor and an agent."""

    org_id: str = "131313"
    domain_name: str = "cxkit-demo"
    supervisor: Five9User = field(
        default_factory=lambda: Five9User(
            username="demo.supervisor@cxkit.local",
            password=Secret("cxkit-demo-supervisor"),
            user_id="3000001",
            first_name="Demo",
            last_name="Supervisor",
        )
    )
    agent: Five9User = field(
        default_factory=lambda: Five9User(
            username="demo.agent@cxkit.local",
            password=Secret("cxkit-demo-agent"),
            user_id="3000002",
            first_name="Demo",
            last_name="Agent",
        )
    )

    def __post_init__(self) -> None:
        if not isinstance(self.org_id, str) or not self.org_id.isdigit():
            raise ConfigError.bad_value("five9.org_id", self.org_id, "a numeric string")
        _require_text("five9.domain_name", self.domain_name)
        if self.supervisor.username == self.agent.username:
            raise ConfigError.bad_value(
                "five9.agent.username", self.agent.username, "a name other than the supervisor's"
            )

    def users(self) -> tuple[Five9User, ...]:
        """Every demo user (supervisor first)."""
        return (self.supervisor, self.agent)

    def to_info(self) -> dict[str, Any]:
        """The domain as JSON for ``/_emulator/info`` (passwords in clear, on purpose)."""
        return {
            "orgId": self.org_id,
            "domainName": self.domain_name,
            "supervisor": self.supervisor.to_info(),
            "agent": self.agent.to_info(),
        }


# --------------------------------------------------------------------------- Genesys

_DEMO_USER_PASSWORD: Final = Secret("cxkit-demo-user")


@dataclass(frozen=True, slots=True)
class GenesysOAuthClient:
    """An OAuth client of the demo org. ``client_secret`` is None for a public (PKCE)
    client; ``redirect_uri`` is None for a client-credentials client."""

    client_id: str
    client_secret: Secret | None = None
    redirect_uri: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        _require_text("genesys.client.client_id", self.client_id)
        _as_secret(self, "client_secret", "genesys.client.client_secret")

    def to_info(self) -> dict[str, Any]:
        """This client as JSON for ``/_emulator/info`` (secret in clear, on purpose)."""
        return {
            "clientId": self.client_id,
            "clientSecret": _reveal(self.client_secret),
            "redirectUri": self.redirect_uri,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class GenesysUser:
    """The demo org's user that ``/oauth/authorize`` approves (code, token and PKCE grants)."""

    email: str = "demo.user@cxkit.local"
    password: Secret = _DEMO_USER_PASSWORD
    user_id: str = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee000001"
    name: str = "Demo User"

    def __post_init__(self) -> None:
        _require_text("genesys.user.email", self.email)
        _as_secret(self, "password", "genesys.user.password")
        _require_text("genesys.user.user_id", self.user_id)

    def to_info(self) -> dict[str, Any]:
        """This user as JSON for ``/_emulator/info`` (password in clear, on purpose)."""
        return {
            "email": self.email,
            "password": self.password.reveal(),
            "userId": self.user_id,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class GenesysTenant:
    """The demo Genesys Cloud org: its id and name, three OAuth clients (one per grant
    family) and one user."""

    org_id: str = "6b1e2a6d-0c4f-4d2e-8f53-c0ffee000000"
    org_name: str = "cxkit-demo"
    client_credentials: GenesysOAuthClient = field(
        default_factory=lambda: GenesysOAuthClient(
            client_id="c1c1c1c1-0000-4000-8000-c0ffee000001",
            client_secret=Secret("cxkit-demo-client-secret"),
            name="cxkit demo (client credentials)",
        )
    )
    code_grant: GenesysOAuthClient = field(
        default_factory=lambda: GenesysOAuthClient(
            client_id="c2c2c2c2-0000-4000-8000-c0ffee000002",
            client_secret=Secret("cxkit-demo-code-secret"),
            redirect_uri="http://localhost:8080/callback",
            name="cxkit demo (authorization code)",
        )
    )
    pkce: GenesysOAuthClient = field(
        default_factory=lambda: GenesysOAuthClient(
            client_id="c3c3c3c3-0000-4000-8000-c0ffee000003",
            client_secret=None,
            redirect_uri="http://localhost:8080/callback",
            name="cxkit demo (PKCE / implicit, public client)",
        )
    )
    user: GenesysUser = field(default_factory=GenesysUser)

    def __post_init__(self) -> None:
        _require_text("genesys.org_id", self.org_id)
        _require_text("genesys.org_name", self.org_name)
        ids = [c.client_id for c in self.clients()]
        if len(set(ids)) != len(ids):
            raise ConfigError.bad_value("genesys.clients", ids, "distinct client ids")

    def clients(self) -> tuple[GenesysOAuthClient, ...]:
        """Every demo OAuth client."""
        return (self.client_credentials, self.code_grant, self.pkce)

    def client(self, client_id: str) -> GenesysOAuthClient | None:
        """The demo client with this id, or None."""
        for candidate in self.clients():
            if candidate.client_id == client_id:
                return candidate
        return None

    def to_info(self) -> dict[str, Any]:
        """The org as JSON for ``/_emulator/info`` (secrets in clear, on purpose)."""
        return {
            "orgId": self.org_id,
            "orgName": self.org_name,
            "clientCredentials": self.client_credentials.to_info(),
            "codeGrant": self.code_grant.to_info(),
            "pkce": self.pkce.to_info(),
            "user": self.user.to_info(),
        }


# --------------------------------------------------------------------------- both


@dataclass(frozen=True, slots=True)
class DemoTenant:
    """The demo tenant of every vendor the emulator serves."""

    five9: Five9Tenant = field(default_factory=Five9Tenant)
    genesys: GenesysTenant = field(default_factory=GenesysTenant)

    def __post_init__(self) -> None:
        if not isinstance(self.five9, Five9Tenant):
            raise ConfigError.bad_value("tenant.five9", self.five9, "a Five9Tenant")
        if not isinstance(self.genesys, GenesysTenant):
            raise ConfigError.bad_value("tenant.genesys", self.genesys, "a GenesysTenant")


DEMO = DemoTenant()
"""The default demo tenant: the same credentials on every run."""
