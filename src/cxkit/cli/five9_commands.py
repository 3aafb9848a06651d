"""``cxkit five9 ...``: check a login, who am I, call any REST method by name or by path.

.. code-block:: console

    $ export FIVE9_USERNAME=jdoe@example.com FIVE9_PASSWORD=...   # or --password-stdin
    $ cxkit five9 login
    $ cxkit five9 call supervisor.users --json
    $ cxkit five9 call supervisor.skill_snapshot --arg skill_id=300000000000171
    $ cxkit five9 request GET 'supervisors/{supId}/agents'
    $ cxkit five9 login --base-url http://127.0.0.1:8470    # an emulator: demo credentials

Every command logs in, does its work and logs out (no session is kept between commands).
The token, the password and login cookies are never printed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from cxkit.cli.options import (
    CallArgOption,
    CallValuesArgument,
    ConfigOption,
    DataOption,
    Five9BaseUrlOption,
    Five9RegionOption,
    JsonOption,
    LimitOption,
    ListMethodsOption,
    ParamOption,
    PasswordStdinOption,
    UsernameOption,
)

if TYPE_CHECKING:
    from cxkit.cli.credentials import Five9Credentials, Five9Flags
    from cxkit.five9.client import Five9Client

__all__ = ["NAMESPACES", "five9_app"]

NAMESPACES = ("supervisor", "agent")
"""The client namespaces ``call`` reaches."""

five9_app = typer.Typer(
    help="Five9 VCC: check a login, who am I, call any REST method by name or path.",
    no_args_is_help=True,
)

RoleOption = Annotated[
    str,
    typer.Option(
        "--role",
        help="Whose REST root a relative PATH is under: supervisor (/supsvcs/rs/svc) or "
        "agent (/appsvcs/rs/svc).",
        case_sensitive=False,
    ),
]


def _flags(
    username: str | None,
    password_stdin: bool,
    region: str | None,
    base_url: str | None,
    config: Any,
) -> Five9Flags:
    from cxkit.cli.credentials import Five9Flags

    return Five9Flags(username, password_stdin, region, base_url, config)


def _interactive(json_output: bool, password_stdin: bool) -> bool:
    return sys.stdin.isatty() and not json_output and not password_stdin


def _role(value: str) -> Literal["agent", "supervisor"]:
    from cxkit.errors import UsageError

    lowered = value.lower()
    if lowered == "agent":
        return "agent"
    if lowered == "supervisor":
        return "supervisor"
    raise UsageError(f"--role must be supervisor or agent, not {value!r}")


def login_summary(client: Five9Client, creds: Five9Credentials) -> dict[str, Any]:
    """Who is logged in where (never the token)."""
    info = client.session_info
    assert info is not None
    dc = info.metadata.active_data_center()
    return {
        "vendor": "five9",
        "username": client.username,
        "user_id": info.user_id,
        "org_id": info.org_id,
        "data_center": dc.name if dc is not None else None,
        "farm_id": client.farm_id,
        "api_base": client.api_base,
        "login_base": client.login_base,
        "region": client.region,
        "demo_credentials": creds.demo,
    }


def _print_summary(doc: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    console.print(f"[bold green]{escape(title)}[/]")
    grid = Table.grid(padding=(0, 2))
    labels = {
        "user_id": "user id",
        "org_id": "domain (org id)",
        "data_center": "data center",
        "farm_id": "farm",
        "api_base": "API base",
        "login_base": "login host",
        "region": "region",
    }
    for key, label in labels.items():
        if doc.get(key) is not None:
            grid.add_row(f"  {label}", escape(str(doc[key])))
    user = doc.get("user")
    if isinstance(user, dict):
        for label, keys in (
            ("name", ("fullName", "full_name")),
            ("email", ("email",)),
            ("roles", ("roles",)),
        ):
            value = next((user[k] for k in keys if user.get(k)), None)
            if value:
                shown = ", ".join(value) if isinstance(value, list) else str(value)
                grid.add_row(f"  {label}", escape(shown))
    console.print(grid)
    if doc.get("demo_credentials"):
        console.print("[dim]  (the emulator's published demo credentials)[/]")


@five9_app.command()
def login(
    *,
    json_output: JsonOption = False,
    username: UsernameOption = None,
    password_stdin: PasswordStdinOption = False,
    region: Five9RegionOption = None,
    base_url: Five9BaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Log in (and out again) to check the credentials; print who and where."""
    from cxkit.cli.connect import five9_client, resolve_five9
    from cxkit.cli.failures import run_async
    from cxkit.cli.jsonout import emit
    from cxkit.cli.progress import progress

    flags = _flags(username, password_stdin, region, base_url, config)

    async def work() -> dict[str, Any]:
        creds = await resolve_five9(flags, interactive=_interactive(json_output, password_stdin))
        with progress("Logging in to Five9…", enabled=not json_output):
            async with five9_client(creds) as client:
                await client.login()
                return login_summary(client, creds)

    doc = run_async(work)
    if json_output:
        emit(doc, machine=True)
    else:
        _print_summary(doc, f"Logged in to Five9 as {doc['username']}")


@five9_app.command()
def whoami(
    *,
    json_output: JsonOption = False,
    role: RoleOption = "supervisor",
    username: UsernameOption = None,
    password_stdin: PasswordStdinOption = False,
    region: Five9RegionOption = None,
    base_url: Five9BaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Who am I: the login, plus my user record (from the supervisor's user list, or the
    agent's own record with --role agent)."""
    from cxkit.cli.connect import five9_client, resolve_five9
    from cxkit.cli.failures import run_async
    from cxkit.cli.jsonout import emit, to_jsonable
    from cxkit.cli.progress import progress

    flags = _flags(username, password_stdin, region, base_url, config)

    async def work() -> dict[str, Any]:
        chosen = _role(role)
        creds = await resolve_five9(flags, interactive=_interactive(json_output, password_stdin))
        with progress("Logging in to Five9…", enabled=not json_output) as shown:
            async with five9_client(creds) as client:
                await client.login()
                doc = login_summary(client, creds)
                shown.update("Reading the user record…")
                if chosen == "supervisor":
                    users = await client.supervisor.users()
                    me = next((u for u in users if u.id == client.user_id), None)
                    doc["user"] = to_jsonable(me)
                else:
                    doc["user"] = to_jsonable(await client.agent.info())
                doc["role"] = chosen
                return doc

    doc = run_async(work)
    if json_output:
        emit(doc, machine=True)
    else:
        _print_summary(doc, f"{doc['username']} ({doc['role']})")


def _complete_method(incomplete: str) -> list[str]:
    """Shell completion of NAME (imports the client only when completing)."""
    from cxkit.five9.agent import AgentAPI
    from cxkit.five9.supervisor import SupervisorAPI

    names = []
    for ns, cls in (("supervisor", SupervisorAPI), ("agent", AgentAPI)):
        names += [
            f"{ns}.{a}" for a in dir(cls) if not a.startswith("_") and callable(getattr(cls, a))
        ]
    return [n for n in sorted(names) if n.startswith(incomplete)]


@five9_app.command()
def call(
    *,
    name: Annotated[
        str | None,
        typer.Argument(
            help="namespace.method, e.g. supervisor.users or agent.presence.",
            autocompletion=_complete_method,
            show_default=False,
        ),
    ] = None,
    values: CallValuesArgument = None,
    arg: CallArgOption = None,
    list_methods: ListMethodsOption = False,
    limit: LimitOption = None,
    json_output: JsonOption = False,
    username: UsernameOption = None,
    password_stdin: PasswordStdinOption = False,
    region: Five9RegionOption = None,
    base_url: Five9BaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Call any typed REST method of the Five9 client by its name; print the result as JSON."""
    from cxkit.cli.connect import five9_client, resolve_five9
    from cxkit.cli.invoke import call_command
    from cxkit.five9.client import Five9Client

    flags = _flags(username, password_stdin, region, base_url, config)

    async def connect() -> Any:
        creds = await resolve_five9(flags, interactive=_interactive(json_output, password_stdin))
        return five9_client(creds)

    call_command(
        name,
        values,
        arg,
        vendor="five9",
        list_only=list_methods,
        namespaces=NAMESPACES,
        probe=Five9Client,
        connect=connect,
        limit=limit,
        machine=json_output,
    )


@five9_app.command()
def request(
    *,
    method: Annotated[str, typer.Argument(help="HTTP method: GET, POST, PUT, PATCH, DELETE.")],
    path: Annotated[
        str,
        typer.Argument(
            help="Path under the role's REST root (supervisors/{supId}/agents), or absolute "
            "(/appsvcs/rs/svc/..., /supsvcs/..., /strsvcs/...). {agentId}, {supId}, {userId} "
            "and {orgId} are filled from the login."
        ),
    ],
    data: DataOption = None,
    param: ParamOption = None,
    role: RoleOption = "supervisor",
    include: Annotated[
        bool,
        typer.Option("--include", "-i", help="Print status, correlation id and timing too."),
    ] = False,
    json_output: JsonOption = False,
    username: UsernameOption = None,
    password_stdin: PasswordStdinOption = False,
    region: Five9RegionOption = None,
    base_url: Five9BaseUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Send any request to the Five9 REST API; print the JSON answer."""
    from cxkit.cli.connect import five9_client, resolve_five9
    from cxkit.cli.failures import run_async
    from cxkit.cli.jsonout import emit
    from cxkit.cli.progress import progress
    from cxkit.cli.rest import check_method, parse_assignments, parse_data, response_document

    flags = _flags(username, password_stdin, region, base_url, config)

    async def work() -> Any:
        verb = check_method(method)
        chosen = _role(role)
        body = parse_data(data)
        params = parse_assignments(param, "--param") or None
        creds = await resolve_five9(flags, interactive=_interactive(json_output, password_stdin))
        with progress(f"{verb} {path}…", enabled=not json_output):
            async with five9_client(creds) as client:
                response = await client.request(verb, path, role=chosen, params=params, json=body)
                return response_document(response, include=include)

    emit(run_async(work), machine=json_output)
