"""``cxkit genesys ...``: check a login, who am I, call any REST method by name or by path.

.. code-block:: console

    $ export GENESYS_CLIENT_ID=... GENESYS_CLIENT_SECRET=... GENESYS_REGION=eu_west_1
    $ cxkit genesys login
    $ cxkit genesys call routing.list_queues --arg page_size=100 --json
    $ cxkit genesys call users.iter --limit 500
    $ cxkit genesys request GET /api/v2/users/me
    $ cxkit genesys login --base-url http://127.0.0.1:8470    # an emulator: demo client

OAuth client-credentials grant. The access token and the client secret are never printed.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxkit.cli.options import (
    CallArgOption,
    CallValuesArgument,
    ClientIdOption,
    ConfigOption,
    DataOption,
    GenesysBaseUrlOption,
    GenesysRegionOption,
    JsonOption,
    LimitOption,
    ListMethodsOption,
    ParamOption,
    SecretStdinOption,
)

if TYPE_CHECKING:
    from cxkit.cli.credentials import GenesysCredentials, GenesysFlags
    from cxkit.genesys.client import GenesysClient

__all__ = ["NAMESPACES", "genesys_app"]

NAMESPACES = (
    "users",
    "presence",
    "routing",
    "conversations",
    "analytics",
    "tokens",
    "notifications",
)
"""The client namespaces ``call`` reaches."""

genesys_app = typer.Typer(
    help="Genesys Cloud: check a login, who am I, call any REST method by name or path.",
    no_args_is_help=True,
)


def _flags(
    client_id: str | None,
    client_secret_stdin: bool,
    region: str | None,
    base_url: str | None,
    config: Any,
) -> GenesysFlags:
    from cxkit.cli.credentials import GenesysFlags

    return GenesysFlags(client_id, client_secret_stdin, region, base_url, config)


def _interactive(json_output: bool, secret_stdin: bool) -> bool:
    return sys.stdin.isatty() and not json_output and not secret_stdin


async def login_summary(client: GenesysClient, creds: GenesysCredentials) -> dict[str, Any]:
    """Log in and say who and where (never the token)."""
    token = await client.login()
    info = await client.tokens.me()
    org = info.organization
    oauth = info.oauth_client
    expires_at = getattr(token, "expires_at", None)
    return {
        "vendor": "genesys",
        "client_id": creds.client_id,
        "client_name": oauth.name if oauth else None,
        "grant": oauth.authorized_grant_type if oauth else None,
        "org_id": org.id if org else None,
        "org_name": org.name if org else None,
        "region": client.hosts.region.name if client.hosts.region else None,
        "api_url": client.hosts.api_url,
        "login_url": client.hosts.login_url,
        "expires_in": None if expires_at is None else max(0, round(expires_at - time.monotonic())),
        "scope": info.authorized_scope,
        "demo_credentials": creds.demo,
    }


def _print_summary(doc: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    console.print(f"[bold green]{escape(title)}[/]")
    grid = Table.grid(padding=(0, 2))
    org = doc.get("org_name") or ""
    if doc.get("org_id"):
        org = f"{org} ({doc['org_id']})" if org else str(doc["org_id"])
    rows = [
        ("organization", org or None),
        ("OAuth client", doc.get("client_name") or doc.get("client_id")),
        ("grant", doc.get("grant")),
        ("region", doc.get("region")),
        ("API", doc.get("api_url")),
        ("login host", doc.get("login_url")),
        ("token expires in", None if doc.get("expires_in") is None else f"{doc['expires_in']} s"),
    ]
    user = doc.get("user")
    if isinstance(user, dict):
        rows += [
            ("user", user.get("name")),
            ("email", user.get("email")),
            ("user id", user.get("id")),
        ]
    for label, value in rows:
        if value:
            grid.add_row(f"  {label}", escape(str(value)))
    console.print(grid)
    if doc.get("demo_credentials"):
        console.print("[dim]  (the emulator's published demo client)[/]")


@genesys_app.command()
def login(
    *,
    json_output: JsonOption = False,
    client_id: ClientIdOption = None,
    client_secret_stdin: SecretStdinOption = False,
    region: GenesysRegionOption = None,
    base_url: GenesysBaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Get a token to check the credentials; print the org, the client and the region."""
    from cxkit.cli.connect import genesys_client, resolve_genesys
    from cxkit.cli.failures import run_async
    from cxkit.cli.jsonout import emit
    from cxkit.cli.progress import progress

    flags = _flags(client_id, client_secret_stdin, region, base_url, config)

    async def work() -> dict[str, Any]:
        creds = await resolve_genesys(
            flags, interactive=_interactive(json_output, client_secret_stdin)
        )
        with progress("Logging in to Genesys Cloud…", enabled=not json_output):
            async with genesys_client(creds) as client:
                return await login_summary(client, creds)

    doc = run_async(work)
    if json_output:
        emit(doc, machine=True)
    else:
        _print_summary(
            doc, f"Logged in to Genesys Cloud as {doc['client_name'] or doc['client_id']}"
        )


@genesys_app.command()
def whoami(
    *,
    json_output: JsonOption = False,
    client_id: ClientIdOption = None,
    client_secret_stdin: SecretStdinOption = False,
    region: GenesysRegionOption = None,
    base_url: GenesysBaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Who am I: the token's org and OAuth client, and its user when the token has one."""
    from cxkit.cli.connect import genesys_client, resolve_genesys
    from cxkit.cli.failures import run_async
    from cxkit.cli.jsonout import emit, to_jsonable
    from cxkit.cli.progress import progress

    flags = _flags(client_id, client_secret_stdin, region, base_url, config)

    async def work() -> dict[str, Any]:
        from cxkit.errors import APIStatusError

        creds = await resolve_genesys(
            flags, interactive=_interactive(json_output, client_secret_stdin)
        )
        with progress("Logging in to Genesys Cloud…", enabled=not json_output) as shown:
            async with genesys_client(creds) as client:
                doc = await login_summary(client, creds)
                shown.update("Reading the user…")
                try:
                    doc["user"] = to_jsonable(await client.users.me())
                except APIStatusError as exc:
                    if exc.status >= 500:
                        raise
                    doc["user"] = None  # a client-credentials token has no user
                return doc

    doc = run_async(work)
    if json_output:
        emit(doc, machine=True)
    else:
        who = doc["user"]["name"] if doc.get("user") else doc["client_name"] or doc["client_id"]
        _print_summary(doc, str(who))


def _complete_method(incomplete: str) -> list[str]:
    """Shell completion of NAME (imports the client only when completing)."""
    from cxkit.cli.invoke import list_methods
    from cxkit.genesys.client import GenesysClient

    names = [m.name for m in list_methods(GenesysClient(base_url="http://localhost"), NAMESPACES)]
    return [n for n in names if n.startswith(incomplete)]


@genesys_app.command()
def call(
    *,
    name: Annotated[
        str | None,
        typer.Argument(
            help="namespace.method, e.g. routing.list_queues or users.get.",
            autocompletion=_complete_method,
            show_default=False,
        ),
    ] = None,
    values: CallValuesArgument = None,
    arg: CallArgOption = None,
    list_methods: ListMethodsOption = False,
    limit: LimitOption = None,
    json_output: JsonOption = False,
    client_id: ClientIdOption = None,
    client_secret_stdin: SecretStdinOption = False,
    region: GenesysRegionOption = None,
    base_url: GenesysBaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Call any typed REST method of the Genesys client by its name; print the result as
    JSON."""
    from cxkit.cli.connect import genesys_client, resolve_genesys
    from cxkit.cli.invoke import call_command

    flags = _flags(client_id, client_secret_stdin, region, base_url, config)

    async def connect() -> Any:
        creds = await resolve_genesys(
            flags, interactive=_interactive(json_output, client_secret_stdin)
        )
        return genesys_client(creds)

    call_command(
        name,
        values,
        arg,
        vendor="genesys",
        list_only=list_methods,
        namespaces=NAMESPACES,
        probe=_probe,
        connect=connect,
        limit=limit,
        machine=json_output,
    )


def _probe() -> Any:
    """A Genesys client that is never logged in (to check names and arguments)."""
    from cxkit.genesys.client import GenesysClient

    return GenesysClient(base_url="http://localhost")


@genesys_app.command()
def request(
    *,
    method: Annotated[str, typer.Argument(help="HTTP method: GET, POST, PUT, PATCH, DELETE.")],
    path: Annotated[
        str, typer.Argument(help="Path on the API host (/api/v2/...), or an absolute URL.")
    ],
    data: DataOption = None,
    param: ParamOption = None,
    include: Annotated[
        bool,
        typer.Option(
            "--include", "-i", help="Print status, correlation id, rate limit and timing too."
        ),
    ] = False,
    json_output: JsonOption = False,
    client_id: ClientIdOption = None,
    client_secret_stdin: SecretStdinOption = False,
    region: GenesysRegionOption = None,
    base_url: GenesysBaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Send any request to the Genesys Platform API; print the JSON answer."""
    from cxkit.cli.connect import genesys_client, resolve_genesys
    from cxkit.cli.failures import run_async
    from cxkit.cli.jsonout import emit
    from cxkit.cli.progress import progress
    from cxkit.cli.rest import check_method, parse_assignments, parse_data, response_document

    flags = _flags(client_id, client_secret_stdin, region, base_url, config)

    async def work() -> Any:
        verb = check_method(method)
        body = parse_data(data)
        params = parse_assignments(param, "--param") or None
        creds = await resolve_genesys(
            flags, interactive=_interactive(json_output, client_secret_stdin)
        )
        with progress(f"{verb} {path}…", enabled=not json_output):
            async with genesys_client(creds) as client:
                kwargs: dict[str, Any] = {"params": params}
                if data is not None:
                    kwargs["json"] = body
                response = await client.request(verb, path, **kwargs)
                return response_document(response, include=include)

    emit(run_async(work), machine=json_output)
