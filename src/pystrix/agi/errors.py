"""The exceptions of :mod:`pystrix.agi`, with the pystrix 1.x names and hierarchy.

::

    AGIException
    +-- AGIError                      Asterisk answered, but not with success
    |   +-- AGIUnknownError           a code this library does not know
    |   |   +-- AGIProtocolError      the peer broke the protocol (bad line, too long)
    |   |       +-- AGIEnvironmentError   the environment block is malformed
    |   +-- AGIAppError               the command ran and reported a failure (``result=-1``)
    |   +-- AGIDeadChannelError       511: not permitted on a dead channel (also an
    |                                 AGIResultHangup: the channel is gone)
    |   +-- AGIInvalidCommandError    510: unknown command
    |   +-- AGIUsageError             520: wrong arguments (``usage`` holds the text)
    |   +-- AGITimeoutError           nothing arrived within the read timeout
    +-- AGINoResultError              a 200 reply without ``result=``
    +-- AGIHangup                     the channel or the connection is gone
    |   +-- AGISIGHUPHangup           (stdin AGI) the process received SIGHUP
    |   +-- AGISIGPIPEHangup          the connection closed or broke
    |   +-- AGIResultHangup           a reply that says the channel hung up: ``(hangup)``
    |                                 in its data, or 511 (AGIDeadChannelError)
    +-- AGIInvalidArgumentError       (also ValueError) an argument holds CR, LF or NUL
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .protocol import Reply

__all__ = [
    "AGIAppError",
    "AGIDeadChannelError",
    "AGIEnvironmentError",
    "AGIError",
    "AGIException",
    "AGIHangup",
    "AGIInvalidArgumentError",
    "AGIInvalidCommandError",
    "AGINoResultError",
    "AGIProtocolError",
    "AGIResultHangup",
    "AGISIGHUPHangup",
    "AGISIGPIPEHangup",
    "AGITimeoutError",
    "AGIUnknownError",
    "AGIUsageError",
]


class AGIException(Exception):
    """The base of every AGI exception.

    ``items`` is a dictionary of what the reply carried (``result``, ``data``, ``endpos``,
    ...; empty when there was no reply) and ``reply`` the parsed
    :class:`~pystrix.agi.protocol.Reply`, or ``None``.
    """

    def __init__(
        self, message: str, items: dict[str, Any] | None = None, *, reply: Reply | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.items: dict[str, Any] = dict(items or {})
        self.reply = reply


class AGIError(AGIException):
    """Asterisk answered a command with something other than success."""


class AGINoResultError(AGIException):
    """A ``200`` reply carried no ``result=`` value."""


class AGIUnknownError(AGIError):
    """A reply with a code this library does not know, or one it cannot read."""


class AGIProtocolError(AGIUnknownError):
    """The peer sent bytes that break the AGI protocol; the connection cannot go on."""


class AGIEnvironmentError(AGIProtocolError):
    """The ``agi_*`` environment block is malformed, too large or cut short."""


class AGIAppError(AGIError):
    """The command ran and reported a failure (a missing key, an unknown application...)."""


class AGIInvalidCommandError(AGIError):
    """``510``: Asterisk does not know the command."""


class AGIUsageError(AGIError):
    """``520``: the command's arguments are wrong; ``usage`` holds Asterisk's usage text."""

    @property
    def usage(self) -> str:
        """The usage text Asterisk sent between ``520-`` and ``520 End of proper usage.``"""
        return self.reply.message if self.reply is not None else ""


class AGITimeoutError(AGIError, TimeoutError):
    """Nothing (or not a whole line) arrived within the configured read timeout."""


class AGIHangup(AGIException):
    """The channel hung up or the connection to Asterisk is gone."""


class AGISIGHUPHangup(AGIHangup):
    """(Process AGI) the script received SIGHUP: Asterisk hung up the channel."""


class AGISIGPIPEHangup(AGIHangup):
    """The connection to Asterisk was closed or broke while reading or writing."""


class AGIResultHangup(AGIHangup):
    """Asterisk's reply says the channel hung up: ``(hangup)`` in its data (``200
    result=-1 (hangup) endpos=...`` from RECORD FILE), or the 511 of a dead channel.

    A bare ``result=-1`` is not one: Asterisk answers that way when a prompt cannot be
    played too, so it raises :class:`AGIAppError`; if the caller has really gone, the
    next command gets the 511.
    """


class AGIDeadChannelError(AGIError, AGIResultHangup):
    """``511``: the command is not permitted on a dead channel or intercept routine.

    Both an :class:`AGIError` (as in pystrix 1.x) and an :class:`AGIResultHangup`, so
    that ``except AGIResultHangup:`` (or ``AGIHangup``) ends a call whose channel is gone.
    """


class AGIInvalidArgumentError(AGIException, ValueError):
    """An argument holds CR, LF or NUL, which would end the command line early and let
    data inject a second command; nothing was sent."""
