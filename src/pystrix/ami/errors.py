"""The exceptions of :mod:`pystrix.ami`.

Everything the AMI side raises derives from :class:`Error`.  The two families a caller
usually tells apart are :class:`ManagerError` (the request or the Manager's state is at
fault) and :class:`ManagerSocketError` (the connection to Asterisk is gone or unusable).
"""

from __future__ import annotations

__all__ = [
    "Error",
    "InvalidHeaderError",
    "LocalProtocolError",
    "ManagerAuthError",
    "ManagerError",
    "ManagerSocketError",
    "ManagerTimeoutError",
    "MessageTooLargeError",
    "RemoteProtocolError",
]


class Error(Exception):
    """The base class of every exception raised by :mod:`pystrix.ami`."""


class ManagerError(Error):
    """A request could not be carried out: not connected, closed, or refused by Asterisk."""


class ManagerAuthError(ManagerError):
    """Asterisk refused a ``Login``; the message is Asterisk's (``Authentication failed``).

    Asterisk closes the connection right after refusing a login.  (Also importable from
    :mod:`pystrix.ami.core`, where pystrix 1.x had it: the same class.)
    """


class ManagerTimeoutError(ManagerError, TimeoutError):
    """No answer came in time: ``Manager.send`` got no response within the request's
    ``timeout``, or ``Manager.originate`` no ``OriginateResponse`` within its own.

    A :class:`ManagerError` (the request was not carried out) and a :class:`TimeoutError`,
    so ``except TimeoutError`` catches it along with the event loop's own timeouts.  The
    connection is still usable: a late answer goes to the ``None`` callbacks (a response)
    or to the event callbacks (an event).  ``action`` names the action and ``timeout`` is
    the wait, in seconds, that ran out.
    """

    def __init__(self, message: str, *, action: str = "", timeout: float | None = None) -> None:
        # One argument only: OSError, a base of TimeoutError, reads two or more as
        # (errno, strerror, ...).
        super().__init__(message)
        self.action = action
        self.timeout = timeout


class ManagerSocketError(Error):
    """The connection to Asterisk failed: refused, reset, closed, or broken by bad data."""


class LocalProtocolError(ManagerError, ValueError):
    """This side tried to send something AMI cannot carry; nothing was sent."""


class InvalidHeaderError(LocalProtocolError):
    """A header name or value holds CR, LF or NUL (or a name is empty or has a colon).

    Such a value would let user data inject headers or whole actions, so it is refused.
    ``header`` names the offending header.
    """

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"header {header!r}: {reason}; nothing was sent")
        self.header = header


class RemoteProtocolError(ManagerSocketError):
    """The server sent bytes that break the protocol; the connection cannot go on."""


class MessageTooLargeError(RemoteProtocolError):
    """The server sent a message larger than the configured limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"incoming AMI message exceeds {limit} bytes ({size} buffered)")
        self.size = size
        self.limit = limit
