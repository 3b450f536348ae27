"""The script-handler registry both FastAGI servers share.

Handlers are tried in registration order; the first whose pattern matches the script path
(with :meth:`re.Pattern.match`, so from the start) wins, else the default handler
(registered with ``None``) is used.  Registering a pattern that is already registered
keeps the first handler, clearing keeps the default handler, as pystrix 1.x does;
registering ``None`` as the default removes it.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Generic, TypeVar

__all__ = ["ScriptHandlers"]

_H = TypeVar("_H")
_logger = logging.getLogger("pystrix.agi")


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
