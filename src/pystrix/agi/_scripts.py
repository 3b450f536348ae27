"""What both FastAGI servers share: the script-handler registry and the per-call policy.

Handlers are tried in registration order; the first whose pattern matches the script path
(with :meth:`re.Pattern.match`, so from the start) wins, else the default handler
(registered with ``None``) is used.  Registering a pattern that is already registered
keeps the first handler, clearing keeps the default handler, as pystrix 1.x does;
registering ``None`` as the default removes it.

The policy of one call, whichever server runs it: a connection whose environment cannot
be read is dropped with a warning (:func:`connection_dropped`); a script no handler
serves is logged and closed (:meth:`ServerBase._handler_call`); a handler's end is judged by
:func:`call_failed` (a hang-up at debug level, any other exception with its traceback).
Each server logs to its own logger, passed in.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import AGIException, AGIHangup
from .protocol import Environment

__all__ = [
    "ScriptHandlers",
    "ServerBase",
    "call_failed",
    "connection_dropped",
    "describe_call",
]

_H = TypeVar("_H", bound=Callable[..., Any])
_logger = logging.getLogger("pystrix.agi")


def describe_call(environment: Environment | None) -> str:
    """``channel '...', script '...'`` for log messages."""
    if environment is None:
        return "a call whose environment was not read"
    return f"channel {environment.channel!r}, script {environment.script!r}"


def connection_dropped(logger: logging.Logger, peer: object, exc: AGIException) -> None:
    """Log that the connection from ``peer`` is closed unserved: its environment could not
    be read (``exc``)."""
    logger.warning("FastAGI connection from %s dropped: %s", peer, exc)


def call_failed(environment: Environment, exc: Exception, logger: logging.Logger) -> None:
    """Log what ended a handler that raised ``exc``: a hang-up at debug level, anything
    else with its traceback.  The server then closes the call and goes on serving.

    A function the servers call from their ``except Exception`` clause, not a context
    manager around the handler: a call that ends normally then costs nothing here.
    """
    if isinstance(exc, AGIHangup):
        logger.debug("FastAGI call ended by a hang-up (%s): %s", describe_call(environment), exc)
    else:
        logger.error("FastAGI handler failed for %s", describe_call(environment), exc_info=exc)


class ScriptHandlers(Generic[_H]):
    """Thread-safe ``pattern -> handler`` table with a default handler."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: list[tuple[re.Pattern[str], _H]] = []
        self._default: _H | None = None

    def register(self, regex: str | re.Pattern[str] | None, handler: _H | None) -> None:
        """Add the handler for ``regex``; ``None`` as ``regex`` sets the default handler
        (``None`` as ``handler`` too removes it).

        A pattern already registered keeps its first handler (pystrix 1.x does the same,
        so a 1.x program that registers twice serves what it served there); unregister it
        first to replace it.
        """
        with self._lock:
            if regex is None:
                self._default = handler
                return
            if handler is None:
                raise TypeError("only the default handler (regex None) may be None")
            pattern = re.compile(regex) if isinstance(regex, str) else regex
            for known, _ in self._handlers:
                if known.pattern == pattern.pattern and known.flags == pattern.flags:
                    _logger.warning(
                        "FastAGI pattern %r is already registered; keeping its first handler",
                        pattern.pattern,
                    )
                    return
            self._handlers.append((pattern, handler))

    def unregister(self, regex: str | re.Pattern[str] | None) -> bool:
        """Remove the handler for ``regex`` (``None``: the default); false if absent."""
        with self._lock:
            if regex is None:
                found = self._default is not None
                self._default = None
                return found
            text = regex if isinstance(regex, str) else regex.pattern
            before = len(self._handlers)
            self._handlers = [entry for entry in self._handlers if entry[0].pattern != text]
            return len(self._handlers) != before

    def clear(self) -> None:
        """Remove every pattern's handler; the default handler stays (pystrix 1.x)."""
        with self._lock:
            self._handlers = []

    def lookup(self, script_path: str) -> tuple[_H | None, re.Match[str] | None]:
        """``(handler, match)`` for ``script_path``; ``(default, None)`` when no pattern
        matches (the pystrix 1.x shape)."""
        with self._lock:
            for pattern, handler in self._handlers:
                match = pattern.match(script_path)
                if match is not None:
                    return handler, match
            return self._default, None


class ServerBase(Generic[_H]):
    """What both FastAGI servers keep: the settings each call uses and the handler table,
    with the pystrix 1.x methods over it."""

    def _keep_settings(
        self,
        debug: bool,
        read_timeout: float | None,
        environment_timeout: float | None,
        max_line_length: int,
        max_calls: int | None,
    ) -> None:
        """Called by the server's constructor: the arguments both servers take."""
        if max_calls is not None and max_calls < 1:
            raise ValueError(f"max_calls must be at least 1 (or None), not {max_calls}")
        self.debug = debug
        self.read_timeout = read_timeout
        self.environment_timeout = environment_timeout
        self.max_line_length = max_line_length
        #: Calls served at once; a connection past it is refused (``None``: no limit).
        self.max_calls = max_calls
        self._refused_calls = 0
        self._refusing = False
        self._script_handlers: ScriptHandlers[_H] = ScriptHandlers()

    @property
    def refused_calls(self) -> int:
        """Connections closed unserved because :attr:`max_calls` calls were running, or
        because the system would not start one more call thread."""
        return self._refused_calls

    def _admits(self, active: int) -> bool:
        """Whether one more call fits beside ``active`` running ones."""
        if self.max_calls is None or active < self.max_calls:
            self._refusing = False
            return True
        return False

    def _refuse(self, peer: object, logger: logging.Logger, reason: str) -> None:
        """Count and log one connection closed unserved (the caller closes it).  Only the
        accepting thread calls this.  A run of refusals logs one warning, then debug
        lines until a call is admitted again: a flood of calls must not flood the log."""
        self._refused_calls += 1
        level = logging.DEBUG if self._refusing else logging.WARNING
        self._refusing = True
        logger.log(
            level,
            "FastAGI call from %s refused (%s; %d refused so far); Asterisk's dialplan "
            "goes on after AGI()",
            peer,
            reason,
            self._refused_calls,
        )

    def register_script_handler(
        self, regex: str | re.Pattern[str] | None, handler: _H | None
    ) -> None:
        """Serve scripts whose path ``regex`` matches (from the start) with ``handler``;
        ``None`` sets the default handler.  Registering a pattern again keeps the first
        handler, as in pystrix 1.x (unregister it first to replace it)."""
        self._script_handlers.register(regex, handler)

    def unregister_script_handler(self, regex: str | re.Pattern[str] | None) -> bool:
        """Remove the handler registered for ``regex``; false if there was none."""
        return self._script_handlers.unregister(regex)

    def clear_script_handlers(self) -> None:
        """Remove every pattern's handler.  The default handler stays, as in pystrix 1.x;
        ``register_script_handler(None, None)`` removes it."""
        self._script_handlers.clear()

    def get_script_handler(self, script_path: str) -> tuple[_H | None, re.Match[str] | None]:
        """``(handler, match)`` that would serve ``script_path``, as in pystrix 1.x:
        ``(default handler, None)`` when no pattern matches (``(None, None)`` without a
        default handler)."""
        return self._script_handlers.lookup(script_path)

    def _handler_call(
        self, agi: object, environment: Environment, logger: logging.Logger
    ) -> Callable[[], Any] | None:
        """The handler serving this call (:meth:`get_script_handler`, which a subclass may
        override), bound to its arguments ``agi, args, kwargs, match, path``; ``None``,
        with a warning to ``logger``, when no handler does."""
        handler, match = self.get_script_handler(environment.path)
        if handler is None:
            logger.warning("no FastAGI handler for %s", describe_call(environment))
            return None
        return functools.partial(
            handler, agi, environment.args, environment.query, match, environment.path
        )
