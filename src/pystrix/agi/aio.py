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
from types import TracebackType
from typing import Any, TypeVar

from ._scripts import ScriptHandlers
from .errors import (
    AGIException,
    AGIHangup,
    AGIProtocolError,
    AGISIGPIPEHangup,
    AGITimeoutError,
)
from .fastagi import describe_call
from .protocol import (
    DEFAULT_MAX_LINE_LENGTH,
    Action,
    AGIProtocol,
    ConnectionClosed,
    Environment,
    HangupNotice,
    Reply,
)

__all__ = ["AsyncScriptHandler", "FastAGI", "FastAGIServer"]

_T = TypeVar("_T")
#: ``handler(agi, args, kwargs, match, path)``, usually a coroutine function.
AsyncScriptHandler = Callable[
    ["FastAGI", tuple[str, ...], dict[str, list[str]], "re.Match[str] | None", str], Any
]

_logger = logging.getLogger("pystrix.agi.aio")
_READ_SIZE = 65536


class FastAGI:
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
        self._debug = debug
        self.read_timeout = read_timeout
        self._protocol = AGIProtocol(max_line_length=max_line_length)
        self._environment: Environment | None = None
        self._lock = asyncio.Lock()

    async def read_environment(self, timeout: float | None = None) -> Environment:
        """Read the environment block (the server does this before calling a handler)."""
        event = await self._next_event(timeout)
        if not isinstance(event, Environment):
            raise AGIProtocolError(f"expected the AGI environment, got {event!r}")
        self._environment = event
        return event

    async def execute(self, action: Action[_T]) -> _T:
        """Send ``action``, wait for its reply and return the typed result (the threaded
        ``execute``'s semantics and exceptions).  Concurrent calls are serialised."""
        payload = AGIProtocol.command_bytes(action)
        async with self._lock:
            if self._debug:
                _logger.debug("AGI >> %r", payload)
            try:
                self._writer.write(payload)
                await self._writer.drain()
            except (OSError, RuntimeError) as exc:
                raise AGISIGPIPEHangup(f"cannot write to Asterisk: {exc}") from exc
            reply = await self._read_reply()
        return action.interpret(reply)

    def get_environment(self) -> dict[str, str]:
        """The ``agi_*`` variables Asterisk sent."""
        return dict(self.environment.variables)

    @property
    def environment(self) -> Environment:
        """The parsed environment."""
        if self._environment is None:
            raise AGIProtocolError("the environment has not been read yet")
        return self._environment

    @property
    def hungup(self) -> bool:
        """True once Asterisk has said ``HANGUP``."""
        return self._protocol.hangup_received

    async def _read_reply(self) -> Reply:
        while True:
            event = await self._next_event(self.read_timeout)
            if isinstance(event, Reply):
                return event
            if isinstance(event, ConnectionClosed):
                raise AGISIGPIPEHangup("Asterisk closed the connection")

    async def _next_event(
        self, timeout: float | None
    ) -> Environment | Reply | HangupNotice | ConnectionClosed:
        protocol = self._protocol
        while True:
            event = protocol.next_event()
            if event is not None:
                if self._debug:
                    _logger.debug("AGI << %r", event)
                return event
            try:
                data = await asyncio.wait_for(self._reader.read(_READ_SIZE), timeout)
            except asyncio.TimeoutError as exc:
                raise AGITimeoutError("no data from Asterisk within the read timeout") from exc
            except OSError as exc:
                raise AGISIGPIPEHangup(f"cannot read from Asterisk: {exc}") from exc
            if data:
                protocol.receive_data(data)
            else:
                protocol.receive_eof()

    def __repr__(self) -> str:
        environment = self._environment
        return f"<aio.FastAGI {describe_call(environment)}>"


class FastAGIServer:
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
        self.debug = debug
        self.read_timeout = read_timeout
        self.environment_timeout = environment_timeout
        self.max_line_length = max_line_length
        self._script_handlers: ScriptHandlers[AsyncScriptHandler] = ScriptHandlers()
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[Any]] = set()
        self._stopped: asyncio.Event | None = None

    # -- handlers ------------------------------------------------------------------------

    def register_script_handler(
        self, regex: str | re.Pattern[str] | None, handler: AsyncScriptHandler | None
    ) -> None:
        """Serve scripts whose path ``regex`` matches (from the start) with ``handler``;
        ``None`` sets the default handler.  Registering a pattern again keeps the first
        handler, as the threaded server does."""
        self._script_handlers.register(regex, handler)

    def unregister_script_handler(self, regex: str | re.Pattern[str] | None) -> bool:
        """Remove the handler registered for ``regex``; false if there was none."""
        return self._script_handlers.unregister(regex)

    def clear_script_handlers(self) -> None:
        """Remove every pattern's handler; the default handler stays (the threaded
        server's rule)."""
        self._script_handlers.clear()

    def get_script_handler(
        self, script_path: str
    ) -> tuple[AsyncScriptHandler | None, re.Match[str] | None]:
        """``(handler, match)`` that would serve ``script_path`` (the threaded server's
        rule)."""
        return self._script_handlers.lookup(script_path)

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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
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
                peer = writer.get_extra_info("peername")
                _logger.warning("FastAGI connection from %s dropped: %s", peer, exc)
                return
            handler, match = self.get_script_handler(environment.path)
            if handler is None:
                _logger.warning("no FastAGI handler for %s", describe_call(environment))
                return
            try:
                outcome = handler(agi, environment.args, environment.query, match, environment.path)
                if inspect.isawaitable(outcome):
                    await outcome
            except AGIHangup as exc:
                _logger.debug(
                    "FastAGI call ended by a hang-up (%s): %s", describe_call(environment), exc
                )
            except Exception:
                _logger.exception("FastAGI handler failed for %s", describe_call(environment))
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._calls.discard(task)
