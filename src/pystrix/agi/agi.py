"""Blocking AGI sessions: the base shared with FastAGI, and ``AGI`` over stdin/stdout.

A session reads the environment when it is created, then :meth:`_AGI.execute` writes one
command and blocks until its reply.  All parsing is :mod:`pystrix.agi.protocol`'s; this
module only moves bytes.
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType
from typing import Protocol, TypeVar

from .errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIError,
    AGIException,
    AGIHangup,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIProtocolError,
    AGIResultHangup,
    AGISIGHUPHangup,
    AGISIGPIPEHangup,
    AGITimeoutError,
    AGIUnknownError,
    AGIUsageError,
)
from .protocol import (
    DEFAULT_MAX_LINE_LENGTH,
    Action,
    AGIProtocol,
    ConnectionClosed,
    Environment,
    HangupNotice,
    Reply,
    quote,
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


class _AGI:
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
        self._debug = debug
        self._rfile: LineReader = rfile if rfile is not None else sys.stdin.buffer
        self._wfile: Writer = wfile if wfile is not None else sys.stdout.buffer
        self._protocol = AGIProtocol(max_line_length=max_line_length)
        self._environment = self._read_environment()

    # -- public API ------------------------------------------------------------------

    def execute(self, action: Action[_T]) -> _T:
        """Send ``action``, wait for its reply and return the action's typed result.

        Raises what the reply stands for (see :func:`pystrix.agi.protocol.check_reply`),
        :class:`AGIHangup` subclasses when the channel or connection is gone, and
        :class:`AGIInvalidArgumentError` (nothing sent) for CR/LF in an argument.
        """
        self._test_hangup()
        payload = AGIProtocol.command_bytes(action)
        if self._debug:
            _logger.debug("AGI >> %r", payload)
        try:
            self._wfile.write(payload)
            self._wfile.flush()
        except (OSError, ValueError) as exc:
            raise AGISIGPIPEHangup(f"cannot write to Asterisk: {exc}") from exc
        return action.interpret(self._read_reply())

    def get_environment(self) -> dict[str, str]:
        """The ``agi_*`` variables Asterisk sent (full names, ``agi_arg_N`` included)."""
        return dict(self._environment.variables)

    @property
    def environment(self) -> Environment:
        """The parsed environment (``.args``, ``.path``, ``.query``, ``.channel``)."""
        return self._environment

    @property
    def hungup(self) -> bool:
        """True once Asterisk has said ``HANGUP`` (only dead-channel commands work now)."""
        return self._protocol.hangup_received

    # -- internals -------------------------------------------------------------------

    def _test_hangup(self) -> None:
        """Raise if the session is known to be over before sending (stdin AGI: SIGHUP)."""

    def _read_environment(self) -> Environment:
        event = self._next_event()
        if not isinstance(event, Environment):  # the core raises rather than skipping it
            raise AGIProtocolError(f"expected the AGI environment, got {event!r}")
        return event

    def _read_reply(self) -> Reply:
        while True:
            event = self._next_event()
            if isinstance(event, Reply):
                return event
            if isinstance(event, ConnectionClosed):
                raise AGISIGPIPEHangup("Asterisk closed the connection")
            # A HangupNotice is recorded by the core (``hungup``); the reply follows.

    def _next_event(self) -> Environment | Reply | HangupNotice | ConnectionClosed:
        protocol = self._protocol
        while True:
            event = protocol.next_event()
            if event is not None:
                if self._debug:
                    _logger.debug("AGI << %r", event)
                return event
            try:
                # read1 returns what has arrived (a reply and a HANGUP after it) in one
                # call; plain files without it are read a line at a time.
                read1 = getattr(self._rfile, "read1", None)
                line = (
                    read1(65536)
                    if read1 is not None
                    else self._rfile.readline(protocol.max_line_length + 1)
                )
            except TimeoutError as exc:
                raise AGITimeoutError("no data from Asterisk within the read timeout") from exc
            except (OSError, ValueError) as exc:
                raise AGISIGPIPEHangup(f"cannot read from Asterisk: {exc}") from exc
            if line:
                protocol.receive_data(line)
            else:
                protocol.receive_eof()


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
        return f"<AGI {self._environment.channel!r}>"
