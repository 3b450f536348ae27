"""The asyncio FastAGI server: the threaded server's API with coroutine handlers.

::

    from pystrix.agi import aio, core

    async def hello(agi, args, kwargs, match, path):
        await agi.execute(core.Answer())
        name = await agi.execute(core.GetVariable("CALLERID(name)"))

    async with aio.FastAGIServer(port=4573) as server:   # listening on entry
        server.register_script_handler("hello", hello)
        await server.serve_forever()                     # until shutdown()

Each call is a task running ``handler(agi, args, kwargs, match, path)`` with the
threaded server's arguments (a plain function's return value is awaited only if it is
awaitable).  :meth:`FastAGIServer.shutdown` stops accepting, lets running calls finish for
up to ``timeout`` seconds, then cancels the rest.  Parsing is the shared sans-I/O core's.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from ._scripts import (
    ServerBase,
    call_failed,
    connection_dropped,
    describe_call,
)
from ._session import SessionState
from .errors import AGIException
from .protocol import (
    DEFAULT_MAX_LINE_LENGTH,
    Action,
    AGIProtocol,
    Environment,
    read_failure,
    write_failure,
)

__all__ = ["AsyncScriptHandler", "FastAGI", "FastAGIServer"]

_T = TypeVar("_T")
_I = TypeVar("_I")
#: ``handler(agi, args, kwargs, match, path)``, usually a coroutine function.
AsyncScriptHandler = Callable[
    ["FastAGI", tuple[str, ...], dict[str, list[str]], "re.Match[str] | None", str], Any
]

_logger = logging.getLogger("pystrix.agi.aio")
_READ_SIZE = 65536


class FastAGI(SessionState):
    """One FastAGI call on asyncio: ``await agi.execute(command)``."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        debug: bool = False,
        read_timeout: float | None = None,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.read_timeout = read_timeout
        self._protocol = AGIProtocol(
            max_line_length=max_line_length, trace=_logger if debug else None
        )
        self._lock = asyncio.Lock()

    async def read_environment(self, timeout: float | None = None) -> Environment:
        """Read the environment block (the server does this before calling a handler)."""
        return await self._wait(self._protocol.next_environment, timeout)

    async def execute(self, action: Action[_T]) -> _T:
        """Send ``action``, wait for its reply and return the typed result (the threaded
        ``execute``'s semantics and exceptions).  Concurrent calls are serialised."""
        async with self._lock:
            writer = self._writer
            try:
                writer.write(self._protocol.send(action))
                await writer.drain()
            except (OSError, RuntimeError) as exc:
                raise write_failure(exc) from exc
            reply = await self._wait(self._protocol.next_reply, self.read_timeout)
        return action.interpret(reply)

    async def _wait(self, next_item: Callable[[], _I | None], timeout: float | None) -> _I:
        """What ``next_item`` (a policy method of the core) returns, reading for it."""
        while (item := next_item()) is None:
            try:
                data = await asyncio.wait_for(self._reader.read(_READ_SIZE), timeout)
            except (asyncio.TimeoutError, OSError) as exc:
                raise read_failure(exc) from exc
            self._protocol.feed(data)
        return item

    def __repr__(self) -> str:
        return f"<aio.FastAGI {describe_call(self._protocol.environment)}>"


class FastAGIServer(ServerBase[AsyncScriptHandler]):
    """An asyncio FastAGI server (see the module docstring).

    The arguments are the threaded server's (``daemon_threads`` aside):
    ``read_timeout``, ``environment_timeout`` and ``max_line_length`` keep their meaning.
    """

    def __init__(
        self,
        interface: str = "127.0.0.1",
        port: int = 4573,
        debug: bool = False,
        *,
        read_timeout: float | None = None,
        environment_timeout: float | None = 10.0,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
    ) -> None:
        self.interface = interface
        self._requested_port = port
        self._keep_settings(debug, read_timeout, environment_timeout, max_line_length)
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[Any]] = set()
        self._stopped: asyncio.Event | None = None

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> FastAGIServer:
        """Start listening (idempotent); returns ``self``."""
        if self._server is None:
            self._stopped = asyncio.Event()
            self._server = await asyncio.start_server(
                self._serve_call, self.interface, self._requested_port, backlog=256
            )
        return self

    @property
    def port(self) -> int:
        """The port actually listened on (after :meth:`start`)."""
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active_calls(self) -> int:
        """Calls being served right now."""
        return len(self._calls)

    async def serve_forever(self) -> None:
        """Start if needed and serve until :meth:`shutdown`."""
        await self.start()
        assert self._stopped is not None
        await self._stopped.wait()

    async def shutdown(self, timeout: float | None = 5.0) -> None:
        """Stop accepting, let running calls finish for up to ``timeout`` seconds, then
        cancel those still running and close their connections."""
        server = self._server
        if server is None:
            return
        server.close()
        calls = set(self._calls)
        if calls:
            _, pending = await asyncio.wait(calls, timeout=timeout)
            if pending:
                _logger.warning(
                    "FastAGI shutdown: cancelling %d call(s) still running", len(pending)
                )
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending, timeout=timeout)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout)
        self._server = None
        if self._stopped is not None:
            self._stopped.set()

    async def __aenter__(self) -> FastAGIServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    # -- one call ------------------------------------------------------------------------

    async def _serve_call(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._calls.add(task)
        try:
            agi = FastAGI(
                reader,
                writer,
                debug=self.debug,
                read_timeout=self.read_timeout,
                max_line_length=self.max_line_length,
            )
            try:
                environment = await agi.read_environment(self.environment_timeout)
            except AGIException as exc:
                connection_dropped(_logger, writer.get_extra_info("peername"), exc)
                return
            call = self._handler_call(agi, environment, _logger)
            if call is None:
                return
            try:
                outcome = call()
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as exc:
                call_failed(environment, exc, _logger)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._calls.discard(task)
