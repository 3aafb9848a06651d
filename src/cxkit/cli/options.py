"""Options shared by several commands (typer ``Annotated`` aliases; imports typer only).

No option ever takes a password or a secret as its value (it would be visible in ``ps`` and
the shell history, and typer would show it as a default in ``--help``): secrets come from
stdin, the environment or the config file (see :mod:`cxkit.cli.credentials`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "CallArgOption",
    "CallValuesArgument",
    "ClientIdOption",
    "ConfigOption",
    "DataOption",
    "Five9BaseUrlOption",
    "Five9RegionOption",
    "GenesysBaseUrlOption",
    "GenesysRegionOption",
    "JsonOption",
    "LimitOption",
    "ListMethodsOption",
    "ParamOption",
    "PasswordStdinOption",
    "SecretStdinOption",
    "UsernameOption",
]

CREDENTIALS = "Credentials"

JsonOption = Annotated[
    bool, typer.Option("--json", help="Machine output: compact JSON (one document per line).")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (INI or JSON) with \\[five9] / \\[genesys] sections "
        "(else CXKIT_CONFIG_FILE, else ~/.config/cxkit/config.ini when present).",
        dir_okay=False,
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]

UsernameOption = Annotated[
    str | None,
    typer.Option(
        "--username",
        "-u",
        help="Five9 user name (else FIVE9_USERNAME, else the config file).",
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the Five9 password from the first line of stdin "
        "(else FIVE9_PASSWORD, else the config file, else a prompt on a terminal).",
        rich_help_panel=CREDENTIALS,
    ),
]
Five9RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Five9 region: US, CA, UK or EU (else FIVE9_REGION; default US).",
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]
Five9BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Five9 login host as http(s)://host[:port], e.g. an emulator (else "
        "FIVE9_BASE_URL). An emulator's demo credentials are used when none are given.",
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]

ClientIdOption = Annotated[
    str | None,
    typer.Option(
        "--client-id",
        help="Genesys OAuth client id, client-credentials grant (else GENESYS_CLIENT_ID, "
        "else the config file).",
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]
SecretStdinOption = Annotated[
    bool,
    typer.Option(
        "--client-secret-stdin",
        help="Read the OAuth client secret from the first line of stdin "
        "(else GENESYS_CLIENT_SECRET, else the config file, else a prompt on a terminal).",
        rich_help_panel=CREDENTIALS,
    ),
]
GenesysRegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Genesys region (us_east_1, eu_west_1, mypurecloud.ie, ...; else GENESYS_REGION).",
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]
GenesysBaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Genesys API base URL, e.g. an emulator (else GENESYS_BASE_URL). An emulator's "
        "demo client is used when no credentials are given.",
        show_default=False,
        rich_help_panel=CREDENTIALS,
    ),
]


# ``call NAME`` and ``request METHOD PATH`` (the same in both vendors' command groups)

CallValuesArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Positional arguments of the method, in order.", show_default=False),
]
CallArgOption = Annotated[
    list[str] | None,
    typer.Option(
        "--arg", "-a", help="A keyword argument as key=value (repeatable).", show_default=False
    ),
]
ListMethodsOption = Annotated[
    bool, typer.Option("--list", help="List the methods that can be called.")
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", min=1, help="Items read at most from a paginated method."),
]
DataOption = Annotated[
    str | None,
    typer.Option("--data", "-d", help="JSON body: text, @file or - (stdin).", show_default=False),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", help="Query parameter key=value (repeatable).", show_default=False
    ),
]
