"""The threaded FastAGI server (the pystrix 1.x API).

::

    server = pystrix.agi.FastAGIServer(port=4573)
    server.register_script_handler(re.compile(r"hello"), hello)   # agi://host/hello
    server.register_script_handler(None, fallback)                # anything else
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ...
    server.shutdown()          # stop accepting; let calls finish for up to 5 s
    server.server_close()

Each call runs on its own thread as ``handler(agi, args, kwargs, match, path)``: ``agi``
is a :class:`FastAGI` session, ``args`` the ``agi_arg_N`` values as a tuple, ``kwargs``
the script's query string (``parse_qs``: every value is a list; blank values are left
out, as in pystrix 1.x), ``match`` the pattern's match (``None`` for the default
handler) and ``path`` the script path without its query string.  When the handler
returns, or raises, the connection is closed and the dialplan goes on.  A handler that
raises is logged with the call's channel and script; a hang-up (:class:`AGIHangup`) is
logged at debug level.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs as parse_qs  # 1.x exposed it here

from ._scripts import (
    ServerBase,
    call_failed,
    connection_dropped,
)
from ._scripts import describe_call as describe_call  # importable from here, as before
from .agi import _AGI, LineReader, Writer
from .errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIError,
    AGIException,
    AGIHangup,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIResultHangup,
    AGISIGPIPEHangup,
    AGIUnknownError,
    AGIUsageError,
)
from .protocol import DEFAULT_MAX_LINE_LENGTH, quote

# The exceptions and quote() are importable from here too, as from pystrix 1.x's module.
__all__ = [
    "AGIAppError",
    "AGIDeadChannelError",
    "AGIError",
    "AGIException",
    "AGIHangup",
    "AGIInvalidCommandError",
    "AGINoResultError",
    "AGIResultHangup",
    "AGISIGPIPEHangup",
    "AGIUnknownError",
    "AGIUsageError",
    "FastAGI",
    "FastAGIServer",
    "ScriptHandler",
    "quote",
]

#: ``handler(agi, args, kwargs, match, path)``.
ScriptHandler = Callable[
    ["FastAGI", tuple[str, ...], dict[str, list[str]], "re.Match[str] | None", str], Any
]

_logger = logging.getLogger("pystrix.agi.fastagi")


class FastAGI(_AGI):
    """One FastAGI call: the AGI session over a connection's read and write files.

    Creating it reads the environment block.
    """

    def __init__(
        self,
        rfile: LineReader,
        wfile: Writer,
        debug: bool = False,
        *,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
    ) -> None:
        super().__init__(debug, rfile=rfile, wfile=wfile, max_line_length=max_line_length)

    @classmethod
    def _on_socket(cls, connection: socket.socket, debug: bool, max_line_length: int) -> FastAGI:
        """The server's session: over the socket itself rather than files made of it."""
        agi = cls.__new__(cls)
        agi._begin(connection.recv, 65536, connection.sendall, debug, max_line_length)
        return agi

    def __repr__(self) -> str:
        return f"<FastAGI {self.environment.channel!r} {self.environment.script!r}>"


class _AGIClientHandler(socketserver.BaseRequestHandler):
    """Runs one call: reads the environment, finds the handler, calls it.

    The session reads and writes the socket itself (``recv`` into the core, ``sendall``
    of each command): no buffered file objects to build, flush and close per call.  The
    server's :meth:`FastAGIServer.shutdown_request` closes the connection afterwards.
    """

    server: FastAGIServer
    request: socket.socket

    def handle(self) -> None:
        server = self.server
        connection = self.request
        connection.settimeout(server.environment_timeout)
        try:
            agi = FastAGI._on_socket(connection, server.debug, server.max_line_length)
        except AGIException as exc:
            connection_dropped(_logger, self.client_address, exc)
            return
        if server.read_timeout != server.environment_timeout:
            connection.settimeout(server.read_timeout)
        environment = agi.environment
        call = server._handler_call(agi, environment, _logger)
        if call is None:
            return
        try:
            call()
        except Exception as exc:
            call_failed(environment, exc, _logger)


class FastAGIServer(ServerBase[ScriptHandler], socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A FastAGI server: one thread per call (see the module docstring).

    ``daemon_threads``: call threads do not keep the process alive.  ``debug`` logs every
    line exchanged at DEBUG level.  Keyword-only extras: ``read_timeout`` (seconds to
    wait for each reply; ``None``, the default, waits as long as a prompt plays),
    ``environment_timeout`` (seconds for the environment block, 10 by default),
    ``max_line_length`` and ``max_calls`` (see below).  The port actually bound is
    ``server_address[1]`` (useful with port 0).

    ``max_calls`` (4,000 by default; ``None`` for no limit) caps the calls served at
    once.  Past it, and whenever the system will not start another thread, a new
    connection is closed unserved: one warning per run of refusals, counted in
    :attr:`refused_calls`, and Asterisk's dialplan goes on after ``AGI()``.  Why a
    limit: every running call is a thread, and threads share one interpreter lock.  On
    two cores 4,000 held calls (31 KiB of memory each) all answered within 1.8 s of
    being released; at 6,000 that took 47 s, long enough for Asterisk to give up on
    calls (``benchmarks/bench_fastagi_held.py``).  Past a few thousand calls at once,
    use the asyncio server, or more processes.
    """

    allow_reuse_address = True
    #: How long a call thread waits for another call before it ends.
    idle_thread_seconds = 10.0
    # Asterisk opens one connection per call: a burst of calls must find room in the
    # listen queue, or callers wait for SYN retransmissions.  The kernel caps it at
    # net.core.somaxconn.
    request_queue_size = 4096

    @staticmethod
    def get_somaxconn() -> int:
        """The system's cap on a listening socket's backlog (``net.core.somaxconn``),
        or :data:`socket.SOMAXCONN` where it cannot be read (the pystrix 1.x method)."""
        try:
            with open("/proc/sys/net/core/somaxconn") as limit:
                return int(limit.read())
        except (OSError, ValueError):
            return socket.SOMAXCONN

    def __init__(
        self,
        interface: str = "127.0.0.1",
        port: int = 4573,
        daemon_threads: bool = True,
        debug: bool = False,
        *,
        read_timeout: float | None = None,
        environment_timeout: float | None = 10.0,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
        max_calls: int | None = 4000,
    ) -> None:
        self.daemon_threads = daemon_threads
        self._keep_settings(debug, read_timeout, environment_timeout, max_line_length, max_calls)
        self._calls: set[socket.socket] = set()
        self._calls_changed = threading.Condition()
        self._serving = threading.Event()
        # Idle call threads, and the calls handed to them (see process_request).
        self._pool_lock = threading.Lock()
        self._pending: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._idle_threads = 0
        self._pool_closed = False
        super().__init__((interface, port), _AGIClientHandler)

    # -- serving -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port actually listened on."""
        return int(self.server_address[1])

    @property
    def active_calls(self) -> int:
        """Calls being served right now."""
        with self._calls_changed:
            return len(self._calls)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept and serve calls until :meth:`shutdown`."""
        self._serving.set()
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving.clear()

    def shutdown(self, timeout: float | None = 5.0) -> None:
        """Stop accepting calls, let running calls finish for up to ``timeout`` seconds,
        then close the connections of those still running (their handlers get an
        :class:`AGIHangup` at their next command).  Returns within about ``timeout``
        even if a handler never returns; call :meth:`server_close` afterwards."""
        if self._serving.is_set():
            super().shutdown()
        with self._calls_changed:
            self._calls_changed.wait_for(lambda: not self._calls, timeout)
            stuck = list(self._calls)
        for connection in stuck:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if stuck:
            _logger.warning("FastAGI shutdown: closed %d call(s) still running", len(stuck))

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the call before a thread takes it, so that shutdown cannot miss it; hand
        it to an idle call thread, or start one.

        A thread that has served a call waits up to :attr:`idle_thread_seconds` for the
        next one: starting a thread (its stack, the start handshake with this thread)
        cost as much as serving a short call.  Without ``daemon_threads`` each call
        gets a thread of its own, which :meth:`server_close` joins, as before.
        """
        with self._calls_changed:
            admitted = self._admits(len(self._calls))
            if admitted:
                self._calls.add(request)
        if not admitted:
            self._refuse(client_address, _logger, f"{self.max_calls} calls running")
            self.shutdown_request(request)
            return
        try:
            if not self.daemon_threads:
                super().process_request(request, client_address)
                return
            with self._pool_lock:
                if self._idle_threads:
                    # The queue and the count change together, under the lock: every
                    # call put here has a waiting thread reserved for it.
                    self._idle_threads -= 1
                    self._pending.put((request, client_address))
                    return
            thread = threading.Thread(
                target=self._call_thread, args=((request, client_address),), daemon=True
            )
            thread.start()
        except RuntimeError as exc:  # "can't start new thread": out of threads or memory
            self._refuse(client_address, _logger, f"no thread for it: {exc}")
            self.shutdown_request(request)

    def _call_thread(self, call: tuple[Any, Any] | None) -> None:
        """Serve ``call``, then the calls handed over while idle, until none comes within
        :attr:`idle_thread_seconds` or the server closes."""
        pending = self._pending
        while call is not None:
            self.process_request_thread(*call)
            with self._pool_lock:
                if self._pool_closed:
                    return
                self._idle_threads += 1
            try:
                call = pending.get(timeout=self.idle_thread_seconds)
            except queue.Empty:
                with self._pool_lock:
                    # A call may have been handed over just now, counting on this
                    # thread: take it if it is still there, else leave.
                    try:
                        call = pending.get_nowait()
                    except queue.Empty:
                        self._idle_threads -= 1
                        return

    def server_close(self) -> None:
        """Close the listening socket; idle call threads end (running calls go on)."""
        with self._pool_lock:
            self._pool_closed = True
            idle, self._idle_threads = self._idle_threads, 0
            for _ in range(idle):
                self._pending.put(None)
        super().server_close()

    def shutdown_request(self, request: Any) -> None:
        """Close a call's connection (after its handler, or a failure to start it) and
        count the call as ended."""
        try:
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
            request.close()
        finally:
            with self._calls_changed:
                self._calls.discard(request)
                self._calls_changed.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log an error that escaped a call (the server keeps serving)."""
        _logger.exception("FastAGI: unexpected error serving %s", client_address)
