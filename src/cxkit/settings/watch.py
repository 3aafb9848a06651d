"""Live reload of a config file with watchfiles, applied to running clients.

The watcher watches the file's *directory* and keeps only events for the file itself, because
editors and deploy tools replace a file by writing a temporary file and renaming it over the
original (a watch on the file alone would end at the first save). This is what the Genesys Go
SDK does with fsnotify. A bad edit never breaks a running client: the error is logged (logger
``cxkit.settings``), handed to ``on_error``, and the last good settings stay in force.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from cxkit.config import LoggingConfig, RetryPolicy
from cxkit.errors import ConfigError
from cxkit.settings.file import decode_config, parse_settings
from cxkit.settings.model import Settings

if TYPE_CHECKING:
    from watchfiles import Change

__all__ = ["SettingsWatcher", "SupportsApplySettings"]

logger = logging.getLogger("cxkit.settings")

_START_TIMEOUT = 10.0  # seconds for the watch thread to come up (it normally takes < 50 ms)
_STOP_TIMEOUT = 5.0


class SupportsApplySettings(Protocol):
    """A running client that takes new settings (``cxkit.core.http.HTTPClient`` and the vendor
    clients): applies the non-None ``retry`` and ``logging`` of the object it is given."""

    def apply_settings(self, settings: Any) -> Any:
        """Apply ``settings.retry`` / ``settings.logging`` (when not None) to this client."""


class _ReadyProbe(asyncio.Event):
    """The stop event handed to watchfiles, which also reports that the watch is live.

    watchfiles' watch thread calls ``is_set()`` on every step once the OS watch exists; the
    first call tells :meth:`SettingsWatcher.start` that no later change can be missed.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Event) -> None:
        super().__init__()
        self._loop = loop
        self._ready = ready
        self._reported = threading.Event()

    def is_set(self) -> bool:
        if not self._reported.is_set():
            self._reported.set()
            with contextlib.suppress(RuntimeError):  # loop already closed: nobody is waiting
                self._loop.call_soon_threadsafe(self._ready.set)
        return super().is_set()


Callback = Callable[[Settings], Any]


class SettingsWatcher:
    """Watch a config file and hand every changed, valid version to callbacks.

    Args:
        path: the config file (JSON or INI). It may be missing at start; it is picked up when
            it appears. Its directory must exist.
        on_change: called with the new :class:`Settings` (sync or async) after the attached
            clients were updated; also called once by :meth:`start` with the initial settings.
        on_error: called with the :class:`ConfigError` of a bad edit (the last good settings
            stay in force).
        debounce_ms: how long to group a burst of file events (an editor's truncate + write).
        overrides: settings that win over the file on every reload, e.g.
            ``settings_from_env().merge(settings_from_kwargs(...))``, so a reload never undoes
            a higher-precedence source.

    Live reload is off (the file is read once by :meth:`start`) when the file says
    ``general.live_reload_config = false``; if an edit turns it off, that edit is applied and
    watching stops. A removed or empty file keeps the last settings (an in-place save truncates
    first). ``None`` values (a section removed from the file) leave a client as it is,
    except for attached clients, which go back to the values they had when attached.

    Use ``async with SettingsWatcher(...) as watcher:`` or :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        on_change: Callback,
        *,
        on_error: Callable[[ConfigError], Any] | None = None,
        debounce_ms: int = 50,
        overrides: Settings | None = None,
    ) -> None:
        if isinstance(debounce_ms, bool) or not isinstance(debounce_ms, int) or debounce_ms < 1:
            raise ConfigError.bad_value("debounce_ms", debounce_ms, "an integer >= 1")
        self._path = os.path.abspath(os.fspath(path))
        self._dir = os.path.dirname(self._path)
        self._on_change = on_change
        self._on_error = on_error
        self._debounce_ms = debounce_ms
        self._overrides = overrides
        self._attached: list[Callback] = []
        self._settings: Settings | None = None
        self._task: asyncio.Task[None] | None = None
        self._probe: _ReadyProbe | None = None
        self._lock = asyncio.Lock()
        self._started = False
        self._failure: BaseException | None = None
        # Tasks running async results of callbacks called from sync code (attach).
        self._background: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ public

    @property
    def path(self) -> str:
        """The absolute path of the watched file."""
        return self._path

    @property
    def settings(self) -> Settings | None:
        """The last good settings (None before :meth:`start`)."""
        return self._settings

    @property
    def watching(self) -> bool:
        """True while file changes are being watched."""
        return self._task is not None and not self._task.done()

    def attach(self, client: SupportsApplySettings) -> Callable[[], None]:
        """Keep ``client`` up to date: every change is passed to ``client.apply_settings``.

        The file's values are laid over what the client had when attached (its ``retry`` and
        ``logging_config`` properties, when it has them), so a file that only sets
        ``retry_max`` changes only that knob, and removing it restores the client's own
        value. Any number of clients may be attached. If the watcher already has settings,
        they are applied at once. Returns a function that detaches the client.
        """
        retry, log_config = getattr(client, "retry", None), getattr(client, "logging_config", None)
        base = Settings(
            retry=retry if isinstance(retry, RetryPolicy) else None,
            logging=log_config if isinstance(log_config, LoggingConfig) else None,
            explicit=frozenset(),
        )

        def apply(settings: Settings) -> Any:
            return client.apply_settings(base.merge(settings))

        self._attached.append(apply)
        if self._settings is not None:
            self._call(apply, self._settings)

        def detach() -> None:
            with contextlib.suppress(ValueError):
                self._attached.remove(apply)

        return detach

    async def start(self) -> Settings:
        """Read the file, hand the settings to the callbacks and start watching.

        Returns the initial settings. A missing file gives empty settings (and is watched
        for); a bad file at start raises, since there are no good settings to keep.

        Raises:
            ConfigError: the file is bad, or its directory cannot be watched.
        """
        if self._started and self._settings is not None:
            return self._settings
        data = await asyncio.to_thread(self._read)
        if data is None:
            settings = Settings(source=self._path)
            if self._overrides is not None:
                settings = settings.merge(self._overrides)
            logger.info("config file %s does not exist yet; watching for it", self._path)
        else:
            settings = self._parse(data)
        if settings.live_reload and not await asyncio.to_thread(os.path.isdir, self._dir):
            raise ConfigError(
                f"cannot watch config file {self._path!r}: directory {self._dir!r} does not exist",
                key=self._path,
            )
        self._started = True
        await self._publish(settings)
        if not settings.live_reload:
            logger.info("live reload of %s is off (general.live_reload_config)", self._path)
            return settings
        await self._start_watching()
        # A change between the first read and the watch coming up would be lost: look again.
        await self._reload()
        return self._settings if self._settings is not None else settings

    async def reload(self) -> Settings | None:
        """Read the file now (e.g. on SIGHUP, or when live reload is off) and apply it if it
        changed. A bad file is reported as by the watch (log + ``on_error``) and the last good
        settings are kept. Returns the settings in force afterwards."""
        await self._reload(force=True)
        return self._settings

    async def wait_stopped(self) -> None:
        """Wait until watching has ended: :meth:`stop`, an edit that set
        ``live_reload_config = false``, or a failure of the watch (logged)."""
        task = self._task
        if task is not None:
            await asyncio.shield(task)

    async def stop(self) -> None:
        """Stop watching (idempotent). Callbacks are no longer called."""
        self._started = False
        task, self._task = self._task, None
        if self._probe is not None:
            self._probe.set()  # the watch thread checks it every step and returns
        if task is None or task is asyncio.current_task():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), _STOP_TIMEOUT)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        except Exception:  # already logged by the watch loop
            pass

    async def __aenter__(self) -> SettingsWatcher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ internals

    def _read(self) -> bytes | None:
        try:
            with open(self._path, "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise ConfigError(
                f"config file {self._path!r} cannot be read: {err.strerror or type(err).__name__}",
                key=self._path,
            ) from None

    def _parse(self, data: bytes) -> Settings:
        settings = parse_settings(decode_config(data, self._path), source=self._path)
        return settings.merge(self._overrides) if self._overrides is not None else settings

    def _wanted(self, change: Change, path: str) -> bool:
        return os.path.normpath(path) == self._path

    async def _start_watching(self) -> None:
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        self._probe = _ReadyProbe(loop, ready)
        task = asyncio.create_task(self._watch(self._probe), name=f"watch {self._path}")
        self._task = task
        ready_wait: asyncio.Future[Any] = asyncio.ensure_future(ready.wait())
        waiters: set[asyncio.Future[Any]] = {ready_wait, task}
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=_START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready_wait.cancel()
        if ready_wait in done and not task.done():
            return
        # The watch thread ended (or never came up): report why, leave nothing running.
        self._task = None
        self._probe.set()
        self._started = False
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        problem = repr(self._failure) if self._failure is not None else "timed out"
        raise ConfigError(f"cannot watch config file {self._path!r}: {problem}", key=self._path)

    async def _watch(self, probe: _ReadyProbe) -> None:
        # Imported here: reading settings must not pay for watchfiles (and anyio).
        from watchfiles import awatch

        try:
            changes = awatch(
                self._dir,
                watch_filter=self._wanted,
                debounce=self._debounce_ms,
                step=min(self._debounce_ms, 50),
                stop_event=probe,
                recursive=False,
            )
            # aclosing: leaving the loop early must close the OS watch now, not at GC time.
            async with contextlib.aclosing(changes):
                async for _batch in changes:
                    await self._reload()
                    if self._settings is not None and not self._settings.live_reload:
                        logger.info("live reload of %s turned off by the file", self._path)
                        probe.set()
                        return
        except Exception as err:
            # Logged, not raised: nobody awaits this task until stop().
            self._failure = err
            logger.exception("watching config file %s failed; live reload stopped", self._path)

    async def _reload(self, *, force: bool = False) -> None:
        async with self._lock:
            if not (self._started or force):
                return
            try:
                data = await asyncio.to_thread(self._read)
                if data is None:
                    logger.warning(
                        "config file %s was removed; keeping the last settings", self._path
                    )
                    return
                if not data.strip() and self._settings is not None:
                    # An editor that rewrites in place truncates first: an empty file is
                    # (almost always) a save in progress, not "reset everything".
                    logger.info("config file %s is empty; keeping the last settings", self._path)
                    return
                settings = self._parse(data)
            except ConfigError as err:
                logger.warning("config reload failed, keeping the last good settings: %s", err)
                if self._on_error is not None:
                    await self._acall(self._on_error, err)
                return
            if settings == self._settings:
                logger.debug("config file %s changed without changing settings", self._path)
                return
            logger.info("config file %s changed; applying %r", self._path, settings)
            await self._publish(settings)

    async def _publish(self, settings: Settings) -> None:
        self._settings = settings
        for callback in [*self._attached, self._on_change]:
            await self._acall(callback, settings)

    def _call(self, callback: Callable[[Any], Any], arg: Any) -> None:
        """Call a callback from sync code; an awaitable result is run as a task."""
        try:
            result = callback(arg)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._background.add(task)
                task.add_done_callback(self._background.discard)
        except Exception:
            logger.exception("settings callback %r failed", callback)

    async def _acall(self, callback: Callable[[Any], Any], arg: Any) -> None:
        # A failing callback must not stop the others or the watcher.
        try:
            result = callback(arg)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("settings callback %r failed", callback)
