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


class _Connection(asyncio.Protocol):
    """One call's connection as the server serves it: what arrives goes straight into
    the session's core, and the session waits on a future that this wakes.

    A StreamReader/StreamWriter pair per call cost more than the AGI work itself: its
    buffer, a read coroutine per reply, ``drain()`` per command and the task the
    streams' callback runs in.  Here a reply costs one future.
    """

    transport: asyncio.Transport  # from connection_made, before the session runs

    def __init__(self, server: FastAGIServer) -> None:
        self._server = server
        self.session = _ServedFastAGI(
            self,
            debug=server.debug,
            read_timeout=server.read_timeout,
            max_line_length=server.max_line_length,
        )
        self.closed = False
        self.reading_paused = False
        self.waiter: asyncio.Future[None] | None = None
        #: A future while writing is paused (the transport's buffer is over its limit).
        self.writing_paused: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._server._start_call(self)

    def data_received(self, data: bytes) -> None:
        core = self.session._protocol
        core.feed(data)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        elif core.buffered > _READ_SIZE and not self.reading_paused:
            # Nobody waits for it: stop reading until the session does (what a
            # StreamReader's limit did), so that a peer cannot fill our memory.
            self.reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.session._protocol.feed(b"")
        self._wake()
        return False  # close: Asterisk is gone, nothing more will be read

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.session._protocol.eof:
            self.session._protocol.feed(b"")
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self.writing_paused is None:
            self.writing_paused = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        writable, self.writing_paused = self.writing_paused, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def drained(self) -> None:
        """Wait until writing may go on (the transport's buffer is under its limit)."""
        if self.writing_paused is not None:
            await self.writing_paused
        if self.closed:
            raise ConnectionResetError("the connection is closed")


class _ServedFastAGI(FastAGI):
    """The server's session: over its :class:`_Connection` instead of streams."""

    def __init__(
        self,
        connection: _Connection,
        *,
        debug: bool,
        read_timeout: float | None,
        max_line_length: int,
    ) -> None:
        self._connection = connection
        self.read_timeout = read_timeout
        self._protocol = AGIProtocol(
            max_line_length=max_line_length, trace=_logger if debug else None
        )
        self._lock = asyncio.Lock()

    async def execute(self, action: Action[_T]) -> _T:
        # acquire/release rather than ``async with``: two coroutine frames less per
        # command, and acquire() does not suspend when the lock is free.
        lock = self._lock
        await lock.acquire()
        try:
            payload = self._protocol.send(action)
            connection = self._connection
            try:
                if connection.closed:
                    raise ConnectionResetError("the connection is closed")
                connection.transport.write(payload)
                if connection.writing_paused is not None:
                    await connection.drained()
            except (OSError, RuntimeError) as exc:
                raise write_failure(exc) from exc
            reply = await self._wait(self._protocol.next_reply, self.read_timeout)
        finally:
            lock.release()
        return action.interpret(reply)

    async def _wait(self, next_item: Callable[[], _I | None], timeout: float | None) -> _I:
        connection = self._connection
        item = next_item()  # None at once when nothing is buffered (the core's fast path)
        while item is None:
            if connection.reading_paused:
                connection.reading_paused = False
                connection.transport.resume_reading()
            loop = asyncio.get_running_loop()
            waiter = connection.waiter = loop.create_future()
            if timeout is None:
                await waiter
            else:
                # A timer on the waiter rather than wait_for(): no extra coroutine and
                # future per wait.
                expiry = loop.call_later(timeout, _expire, waiter)
                try:
                    await waiter
                except asyncio.TimeoutError as exc:
                    raise read_failure(exc) from exc
                finally:
                    expiry.cancel()
            item = next_item()
        return item


def _expire(waiter: asyncio.Future[None]) -> None:
    """A read's time is up: end its wait with a timeout."""
    if not waiter.done():
        waiter.set_exception(asyncio.TimeoutError())


class FastAGIServer(ServerBase[AsyncScriptHandler]):
    """An asyncio FastAGI server (see the module docstring).

    The arguments are the threaded server's (``daemon_threads`` aside):
    ``read_timeout``, ``environment_timeout``, ``max_line_length`` and ``max_calls``
    keep their meaning, but ``max_calls`` has no limit by default: a held call costs a
    task and 8 KiB, and 6,000 at once are served without trouble; the process's limit
    on open files is the bound (``ulimit -n``).
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
        max_calls: int | None = None,
    ) -> None:
        self.interface = interface
        self._requested_port = port
        self._keep_settings(debug, read_timeout, environment_timeout, max_line_length, max_calls)
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[Any]] = set()
        self._stopped: asyncio.Event | None = None

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> FastAGIServer:
        """Start listening (idempotent); returns ``self``."""
        if self._server is None:
            self._stopped = asyncio.Event()
            # A burst of calls must find room in the listen queue (the kernel caps the
            # backlog at net.core.somaxconn).
            self._server = await asyncio.get_running_loop().create_server(
                lambda: _Connection(self), self.interface, self._requested_port, backlog=4096
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

    def _start_call(self, connection: _Connection) -> None:
        """A connection was accepted: serve it in a task of its own, or refuse it past
        :attr:`max_calls`."""
        if not self._admits(len(self._calls)):
            transport = connection.transport
            self._refuse(
                transport.get_extra_info("peername"), _logger, f"{self.max_calls} calls running"
            )
            transport.close()
            return
        task = asyncio.get_running_loop().create_task(self._serve_call(connection))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _serve_call(self, connection: _Connection) -> None:
        agi = connection.session
        transport = connection.transport
        try:
            try:
                environment = await agi.read_environment(self.environment_timeout)
            except AGIException as exc:
                connection_dropped(_logger, transport.get_extra_info("peername"), exc)
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
            transport.close()
