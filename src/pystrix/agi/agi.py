"""Blocking AGI sessions: the base shared with FastAGI, and ``AGI`` over stdin/stdout.

A session reads the environment when it is created, then :meth:`_AGI.execute` writes one
command and blocks until its reply.  All parsing is :mod:`pystrix.agi.protocol`'s; this
module only moves bytes.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Protocol, TypeVar

from ._session import SessionState
from .errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIError,
    AGIException,
    AGIHangup,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIProtocolError,  # noqa: F401  (importable from here before; not 1.x API)
    AGIResultHangup,
    AGISIGHUPHangup,
    AGISIGPIPEHangup,
    AGITimeoutError,  # noqa: F401  (importable from here before; not 1.x API)
    AGIUnknownError,
    AGIUsageError,
)
from .protocol import (
    DEFAULT_MAX_LINE_LENGTH,
    Action,
    AGIProtocol,
    quote,
    read_failure,
    write_failure,
)

# The exceptions and quote() are importable from here too, as from pystrix 1.x's module.
__all__ = [
    "AGI",
    "AGIAppError",
    "AGIDeadChannelError",
    "AGIError",
    "AGIException",
    "AGIHangup",
    "AGIInvalidCommandError",
    "AGINoResultError",
    "AGIResultHangup",
    "AGISIGHUPHangup",
    "AGISIGPIPEHangup",
    "AGIUnknownError",
    "AGIUsageError",
    "LineReader",
    "Writer",
    "quote",
]

_T = TypeVar("_T")
_I = TypeVar("_I")
_logger = logging.getLogger("pystrix.agi")


class LineReader(Protocol):
    """What a session reads from: a binary file with ``readline(limit)``."""

    def readline(self, size: int = -1, /) -> bytes:
        """One line of at most ``size`` bytes; ``b""`` at the end."""
        ...


class Writer(Protocol):
    """What a session writes to: a binary file."""

    def write(self, data: bytes, /) -> object:
        """Write ``data``."""
        ...

    def flush(self) -> object:
        """Push buffered bytes out."""
        ...


class _AGI(SessionState):
    """A blocking AGI session over a pair of binary files (the pystrix 1.x base).

    ``rfile`` is read with ``readline``; ``wfile`` is written and flushed.  A read that
    times out (a socket file with a timeout) raises :class:`AGITimeoutError`; a closed or
    broken stream raises :class:`AGISIGPIPEHangup`.
    """

    def __init__(
        self,
        debug: bool = False,
        *,
        rfile: LineReader | None = None,
        wfile: Writer | None = None,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
    ) -> None:
        rfile = rfile if rfile is not None else sys.stdin.buffer
        self._wfile: Writer = wfile if wfile is not None else sys.stdout.buffer
        # read1 returns what has arrived (a reply and a HANGUP after it) in one call;
        # plain files without it are read a line at a time.
        read1: Callable[[int], bytes] | None = getattr(rfile, "read1", None)
        self._begin(
            read1 if read1 is not None else rfile.readline,
            65536 if read1 is not None else max_line_length + 1,
            self._write_file,
            debug,
            max_line_length,
        )

    def _begin(
        self,
        read: Callable[[int], bytes],
        read_size: int,
        send: Callable[[bytes], object],
        debug: bool,
        max_line_length: int,
    ) -> None:
        """Start the session over ``read(read_size)`` and ``send(payload)``; read the
        environment.  FastAGI's server passes a socket's own ``recv`` and ``sendall``."""
        self._protocol = AGIProtocol(
            max_line_length=max_line_length, trace=_logger if debug else None
        )
        self._read = read
        self._read_size = read_size
        self._send = send
        self._wait(self._protocol.next_environment)

    def _write_file(self, payload: bytes) -> None:
        self._wfile.write(payload)
        self._wfile.flush()

    def execute(self, action: Action[_T]) -> _T:
        """Send ``action``, wait for its reply and return the action's typed result.

        Raises what the reply stands for (see :func:`pystrix.agi.protocol.check_reply`),
        :class:`AGIHangup` subclasses when the channel or connection is gone, and
        :class:`AGIInvalidArgumentError` (nothing sent) for CR/LF in an argument.
        """
        self._test_hangup()
        payload = self._protocol.send(action)
        try:
            self._send(payload)
        except (OSError, ValueError) as exc:
            raise write_failure(exc) from exc
        return action.interpret(self._wait(self._protocol.next_reply))

    def _test_hangup(self) -> None:
        """Raise if the session is known to be over before sending (stdin AGI: SIGHUP)."""

    def _wait(self, next_item: Callable[[], _I | None]) -> _I:
        """What ``next_item`` (a policy method of the core) returns, reading for it."""
        while (item := next_item()) is None:
            try:
                data = self._read(self._read_size)
            except (OSError, ValueError) as exc:  # TimeoutError is an OSError
                raise read_failure(exc) from exc
            self._protocol.feed(data)
        return item


class AGI(_AGI):
    """An AGI script run by Asterisk as a process: stdin and stdout are the channel.

    Asterisk sends SIGHUP when the channel hangs up; from then on :meth:`execute`
    raises :class:`AGISIGHUPHangup` before sending anything.  Creating an ``AGI`` reads
    the environment; install it early in the script.
    """

    def __init__(self, debug: bool = False) -> None:
        self._got_sighup = False
        try:
            signal.signal(signal.SIGHUP, self._handle_sighup)
        except (ValueError, AttributeError, OSError):
            pass  # not the main thread, or no SIGHUP on this platform
        super().__init__(debug)

    def _handle_sighup(self, signum: int, frame: FrameType | None) -> None:
        self._got_sighup = True

    def _test_hangup(self) -> None:
        if self._got_sighup:
            raise AGISIGHUPHangup("the process received SIGHUP: the channel hung up")

    def __repr__(self) -> str:
        return f"<AGI {self.environment.channel!r}>"
