"""``cxkit five9|genesys call NAME``: any typed REST method of a client, by its name.

``NAME`` is ``namespace.method`` (``supervisor.users``, ``routing.list_queues``); arguments
come as ``--arg key=value`` (repeatable) or positionally after the name. Values are converted
to the parameter's annotated type: a ``str`` parameter takes the text as is (Five9 ids are
numeric strings and stay strings), anything else is parsed as JSON first (``--arg
page_size=50``, ``--arg 'skill_ids=["1","2"]'``) and then validated with msgspec, so a wrong
value is refused with the parameter's name before any request is sent.

A method that returns an async iterator (``users.iter``, ``supervisor.recordings``) is read to
the end (or ``--limit`` items) with a progress counter on stderr.
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MethodInfo",
    "bind_arguments",
    "call_by_name",
    "call_command",
    "invoke",
    "list_methods",
    "print_methods",
    "resolve_method",
    "show_methods",
]


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """One callable method: ``namespace.name``, its parameters and the first docstring line."""

    name: str
    parameters: str
    summary: str


def _public_methods(namespace: object) -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for attr in dir(type(namespace)):
        if attr.startswith("_"):
            continue
        raw = inspect.getattr_static(type(namespace), attr, None)
        if not inspect.isfunction(raw):
            continue  # properties, constants, classes
        found[attr] = getattr(namespace, attr)
    return found


def list_methods(client: object, namespaces: Sequence[str]) -> list[MethodInfo]:
    """Every public method of the client's namespaces, sorted by name."""
    out: list[MethodInfo] = []
    for ns in namespaces:
        for attr, method in sorted(_public_methods(getattr(client, ns)).items()):
            try:
                signature = inspect.signature(method, eval_str=True)
            except Exception:  # an annotation only importable under TYPE_CHECKING
                signature = inspect.signature(method)
            params = ", ".join(str(p) for p in signature.parameters.values())
            doc = inspect.getdoc(method) or ""
            out.append(MethodInfo(f"{ns}.{attr}", params, doc.split("\n", 1)[0]))
    return out


def show_methods(methods: Sequence[MethodInfo], *, machine: bool) -> None:
    """Print the methods: a JSON list (``machine``) or a table."""
    if machine:
        from cxkit.cli.jsonout import emit

        emit(
            [{"name": m.name, "parameters": m.parameters, "summary": m.summary} for m in methods],
            machine=True,
        )
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("method", no_wrap=True)
    table.add_column("parameters", style="cyan")
    table.add_column("what", style="dim")
    for m in methods:
        table.add_row(escape(m.name), escape(m.parameters), escape(m.summary))
    Console().print(table)


def resolve_method(client: object, name: str, namespaces: Sequence[str]) -> Callable[..., Any]:
    """The bound method called ``namespace.method``.

    Raises:
        UsageError: no such method (with the closest names).
    """
    from cxkit.errors import UsageError

    ns, dot, attr = name.partition(".")
    if dot and ns in namespaces:
        method = _public_methods(getattr(client, ns)).get(attr)
        if method is not None:
            return method
    known = [info.name for info in list_methods(client, namespaces)]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(
        f"no method {name!r} (NAME is namespace.method with namespace one of "
        f"{', '.join(namespaces)}; list them with --list){hint}"
    )


def _accepts_text(hint: Any) -> bool:
    if hint is str:
        return True
    if isinstance(hint, str):  # an annotation that could not be resolved: read its text
        return re.search(r"(?<![\w.\[])str\b(?!\])", hint) is not None
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin is typing.Union or type(hint).__name__ == "UnionType":
        return str in args
    return False


def _coerce(method_name: str, key: str, text: str, hint: Any) -> Any:
    import msgspec

    from cxkit.errors import UsageError

    if hint is not inspect.Parameter.empty and _accepts_text(hint):
        return text
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = text
    if hint is inspect.Parameter.empty or hint is Any:
        return value
    try:
        return msgspec.convert(value, hint, strict=False)
    except msgspec.ValidationError as exc:
        raise UsageError(f"{method_name}: bad value for {key}: {text!r} ({exc})") from None
    except TypeError:
        return value  # a type msgspec cannot build (Iterable[...]): pass the JSON as is


def bind_arguments(
    method: Callable[..., Any],
    name: str,
    positional: Sequence[str],
    assignments: Mapping[str, str],
) -> inspect.BoundArguments:
    """Bind text arguments to ``method``'s parameters, converted to their types.

    Raises:
        UsageError: unknown or missing parameters, or a value of the wrong type.
    """
    from cxkit.errors import UsageError

    signature = inspect.signature(method)
    try:
        hints = typing.get_type_hints(method)
    except Exception:  # an annotation that only resolves under TYPE_CHECKING
        hints = {}
    params = [
        p
        for p in signature.parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    takes_kwargs = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )
    by_name = {p.name: p for p in params}
    positional_params = [
        p
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) > len(positional_params):
        raise UsageError(
            f"{name} takes at most {len(positional_params)} positional argument(s) "
            f"({signature}), got {len(positional)}"
        )
    args = [
        _coerce(name, p.name, text, hints.get(p.name, p.annotation))
        for p, text in zip(positional_params, positional, strict=False)
    ]
    kwargs: dict[str, Any] = {}
    for key, text in assignments.items():
        if key not in by_name and not takes_kwargs:
            raise UsageError(f"{name} has no parameter {key!r} (parameters: {signature})")
        hint = hints.get(
            key, by_name[key].annotation if key in by_name else inspect.Parameter.empty
        )
        kwargs[key] = _coerce(name, key, text, hint)
    try:
        return signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise UsageError(f"{name}{signature}: {exc}") from None


async def invoke(
    method: Callable[..., Any],
    bound: inspect.BoundArguments,
    *,
    limit: int | None = None,
    on_item: Callable[[int], None] | None = None,
) -> Any:
    """Call the method; an async iterator is collected into a list (``limit`` items at
    most), ``on_item(count)`` called after each item."""
    result = method(*bound.args, **bound.kwargs)
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        items: list[Any] = []
        iterator = result.__aiter__()
        try:
            while limit is None or len(items) < limit:
                try:
                    item = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                items.append(item)
                if on_item is not None:
                    on_item(len(items))
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        return items
    return result


async def call_by_name(
    name: str,
    values: Sequence[str],
    arg: Sequence[str] | None,
    *,
    namespaces: Sequence[str],
    probe: Callable[[], Any],
    connect: Callable[[], Awaitable[AbstractAsyncContextManager[Any]]],
    limit: int | None = None,
    quiet: bool = False,
) -> Any:
    """``call NAME``: check the name and the arguments on ``probe()`` (a client that is never
    logged in), then ``await connect()`` (credentials resolved, a client context) and call.
    A wrong name or argument is refused before any credential is asked for."""
    from cxkit.cli.progress import progress
    from cxkit.cli.rest import parse_assignments

    assignments = parse_assignments(arg, "--arg")
    checker = probe()
    try:
        bind_arguments(resolve_method(checker, name, namespaces), name, values, assignments)
    finally:
        await checker.close()
    session = await connect()
    with progress(f"Calling {name}…", enabled=not quiet) as shown:
        async with session as client:
            method = resolve_method(client, name, namespaces)
            bound = bind_arguments(method, name, values, assignments)
            return await invoke(method, bound, limit=limit, on_item=shown.counter("items"))


def print_methods(probe: Callable[[], Any], namespaces: Sequence[str], *, machine: bool) -> None:
    """``call --list``: the methods of ``probe()``'s namespaces."""
    from cxkit.cli.failures import run_async

    async def work() -> list[MethodInfo]:
        checker = probe()
        try:
            return list_methods(checker, namespaces)
        finally:
            await checker.close()

    show_methods(run_async(work), machine=machine)


def call_command(
    name: str | None,
    values: Sequence[str] | None,
    arg: Sequence[str] | None,
    *,
    vendor: str,
    list_only: bool,
    namespaces: Sequence[str],
    probe: Callable[[], Any],
    connect: Callable[[], Awaitable[AbstractAsyncContextManager[Any]]],
    limit: int | None,
    machine: bool,
) -> None:
    """The whole ``cxkit VENDOR call`` command: ``--list``, or :func:`call_by_name` and the
    result printed (JSON lines with ``machine``)."""
    from cxkit.cli.failures import fail, run_async
    from cxkit.cli.jsonout import emit

    if list_only:
        print_methods(probe, namespaces, machine=machine)
        return
    if not name:
        fail(f"missing NAME (namespace.method); see 'cxkit {vendor} call --list'")
    method_name = name

    async def work() -> Any:
        return await call_by_name(
            method_name,
            values or [],
            arg,
            namespaces=namespaces,
            probe=probe,
            connect=connect,
            limit=limit,
            quiet=machine,
        )

    emit(run_async(work), machine=machine)
