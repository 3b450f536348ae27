"""Every AGI command of Asterisk 22, as a class to pass to ``agi.execute()``.

The names and arguments are pystrix 1.x's where pystrix 1.x has the command; the others
(``AsyncAGIBreak``, ``Gosub`` and the ``Speech*`` commands) follow the same style.  Each
class's :meth:`process_response` returns a typed result, documented on the class::

    agi.execute(core.Answer())                          # None
    agi.execute(core.GetVariable("FOO"))                # "bar", or None if unset
    agi.execute(core.StreamFile("welcome", "12"))       # ("1", 4800), or None: no key
    agi.execute(core.SayDigits("123", "#"))             # "#", or None: no key
    agi.execute(core.ChannelStatus())                   # ChannelState.UP (== CHANNEL_UP)

Results have pystrix 1.x's shapes (see each class).  For every command, ``result=-1`` raises
:class:`~pystrix.agi.errors.AGIAppError`: Asterisk answers so when a prompt cannot be
played (a missing file) as well as when the caller hangs up, so it does not prove a
hang-up.  A reply that says ``(hangup)``, and the 511 a command gets once the channel is
gone, raise :class:`~pystrix.agi.errors.AGIResultHangup`.  So an IVR loop catches
``AGIAppError`` around a prompt and ends on ``AGIResultHangup``::

    for attempt in range(3):
        try:
            pressed = agi.execute(core.StreamFile("menu", "123"))
        except AGIAppError:  # no such prompt (or the caller just left: the next
            continue         # command raises AGIResultHangup then)
        if pressed is not None:
            key, offset = pressed
            break
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import AGIAppError, AGIProtocolError
from .protocol import Action, Reply
from .protocol import quote as quote  # 1.x programs import it from here

__all__ = [
    "CHANNEL_ALERTING",
    "CHANNEL_BUSY",
    "CHANNEL_DIALED",
    "CHANNEL_DOWN_AVAILABLE",
    "CHANNEL_DOWN_RESERVED",
    "CHANNEL_OFFHOOK",
    "CHANNEL_REMOTE_ALERTING",
    "CHANNEL_UP",
    "COMMANDS",
    "FORMAT_ALAW",
    "FORMAT_G723",
    "FORMAT_G729",
    "FORMAT_GSM",
    "FORMAT_SLN",
    "FORMAT_ULAW",
    "FORMAT_VOX",
    "FORMAT_WAV",
    "LOG_CRITICAL",
    "LOG_DEBUG",
    "LOG_ERROR",
    "LOG_INFO",
    "LOG_WARN",
    "TDD_MATE",
    "TDD_OFF",
    "TDD_ON",
    "AGIDBError",
    "Answer",
    "AsyncAGIBreak",
    "ChannelState",
    "ChannelStatus",
    "ControlStreamFile",
    "DatabaseDel",
    "DatabaseDeltree",
    "DatabaseGet",
    "DatabasePut",
    "Exec",
    "GetData",
    "GetFullVariable",
    "GetOption",
    "GetVariable",
    "Gosub",
    "Hangup",
    "KeyPress",
    "Noop",
    "ReceiveChar",
    "ReceiveText",
    "RecordFile",
    "SayAlpha",
    "SayDate",
    "SayDatetime",
    "SayDigits",
    "SayNumber",
    "SayPhonetic",
    "SayTime",
    "SendImage",
    "SendText",
    "SetAutohangup",
    "SetCallerid",
    "SetContext",
    "SetExtension",
    "SetMusic",
    "SetPriority",
    "SetVariable",
    "SpeechActivateGrammar",
    "SpeechCreate",
    "SpeechDeactivateGrammar",
    "SpeechDestroy",
    "SpeechLoadGrammar",
    "SpeechRecognize",
    "SpeechResult",
    "SpeechSet",
    "SpeechUnloadGrammar",
    "StreamFile",
    "TDDMode",
    "Verbose",
    "WaitForDigit",
]


class ChannelState(enum.IntEnum):
    """What ``CHANNEL STATUS`` reports (an ``int``, so it equals the 1.x constants)."""

    DOWN_AVAILABLE = 0
    DOWN_RESERVED = 1
    OFFHOOK = 2
    DIALED = 3
    ALERTING = 4
    REMOTE_ALERTING = 5
    UP = 6
    BUSY = 7


CHANNEL_DOWN_AVAILABLE = ChannelState.DOWN_AVAILABLE
CHANNEL_DOWN_RESERVED = ChannelState.DOWN_RESERVED
CHANNEL_OFFHOOK = ChannelState.OFFHOOK
CHANNEL_DIALED = ChannelState.DIALED
CHANNEL_ALERTING = ChannelState.ALERTING
CHANNEL_REMOTE_ALERTING = ChannelState.REMOTE_ALERTING
CHANNEL_UP = ChannelState.UP
CHANNEL_BUSY = ChannelState.BUSY

#: Recording formats for :class:`RecordFile`.
FORMAT_SLN = "sln"
FORMAT_G723 = "g723"
FORMAT_G729 = "g729"
FORMAT_GSM = "gsm"
FORMAT_ALAW = "alaw"
FORMAT_ULAW = "ulaw"
FORMAT_VOX = "vox"
FORMAT_WAV = "wav"

#: Levels for :class:`Verbose`, with pystrix 1.x's values: the number is sent to
#: Asterisk unchanged, so ``Verbose(message, LOG_CRITICAL)`` sends level 4, as 1.x does.
#: (Asterisk shows a VERBOSE message when its console verbosity is at least the level.)
LOG_DEBUG = 0
LOG_INFO = 1
LOG_WARN = 2
LOG_ERROR = 3
LOG_CRITICAL = 4

#: Modes for :class:`TDDMode`.
TDD_ON = "on"
TDD_OFF = "off"
TDD_MATE = "mate"


_R = TypeVar("_R")


class AGIDBError(AGIAppError):
    """An AstDB command failed (the key does not exist, or it could not be written)."""


# -- helpers ---------------------------------------------------------------------------


def _digits(digits: str | Iterable[object] | None) -> str:
    """Escape digits as one word: ``"12#"`` or ``("1", "2", "#")`` or ``[1, 2]``."""
    if digits is None:
        return ""
    if isinstance(digits, str):
        return digits
    return "".join(str(digit) for digit in digits)


def _key(reply: Reply) -> str | None:
    """The key whose character code is the reply's ``result``; ``None`` for 0 (nothing
    pressed).

    A negative code other than the -1 already raised (``-2``...) is a failure, not "no
    key", as pystrix 1.x reads it; a code no character has is a malformed reply, not a
    crash of the caller's handler.
    """
    code = reply.result_int
    if code < 0:
        raise _fail(reply, f"the command failed (result={code})")
    if code == 0:
        return None
    if code > 0x10FFFF:
        raise AGIProtocolError(f"result={code} is not a character code")
    return chr(code)


def _fail(reply: Reply, message: str, error: type[AGIAppError] = AGIAppError) -> AGIAppError:
    return error(message, reply.items, reply=reply)


class _NoResult(Action[None]):
    """A command whose success carries no information."""

    def process_response(self, response: Reply) -> None:
        """Nothing to return: failures were raised already."""
        return None


def _value(reply: Reply) -> str | None:
    """A variable's value: ``None`` unless ``result=1``; ``""`` if the reply had no
    ``(value)`` at all (as pystrix 1.x reads it)."""
    return (reply.data or "") if reply.result == "1" else None


def _endpos(reply: Reply) -> int:
    """``endpos=`` as an int; -1 when Asterisk did not say (as pystrix 1.x gives it)."""
    endpos = reply.endpos
    return -1 if endpos is None else endpos


class KeyPress(str):
    """The key that stopped a :class:`ControlStreamFile`: a one-character ``str`` (as
    pystrix 1.x returns it) that also carries ``endpos``, where playback stopped."""

    endpos: int

    def __new__(cls, key: str, endpos: int = -1) -> KeyPress:
        """``KeyPress("1", 4800) == "1"``, with ``.endpos == 4800`` (-1: unknown)."""
        self = super().__new__(cls, key)
        self.endpos = endpos
        return self


class _KeyAndOffset(Action[tuple[str, int] | None]):
    """A playback command: ``None`` if it ended with no key pressed, else the key and
    the sample offset (``endpos``) where it stopped."""

    def process_response(self, response: Reply) -> tuple[str, int] | None:
        """``None``, or ``(key, endpos)``."""
        key = _key(response)
        return None if key is None else (key, _endpos(response))


# -- the commands, in ``agi show commands`` order ------------------------------------------


class Answer(_NoResult):
    """``ANSWER``: answer the channel.  Returns ``None``."""

    def __init__(self) -> None:
        super().__init__("ANSWER")


class AsyncAGIBreak(Action[None]):
    """``ASYNCAGI BREAK``: leave AsyncAGI; the dialplan goes on.  Returns ``None``.

    ``result=-1`` (not in AsyncAGI) raises :class:`AGIAppError`.
    """

    check_hangup = False

    def __init__(self) -> None:
        super().__init__("ASYNCAGI BREAK")

    def process_response(self, response: Reply) -> None:
        """``None``; a failure raises."""
        if response.result == "-1":
            raise _fail(response, "ASYNCAGI BREAK failed: not in AsyncAGI")
        return None


class ChannelStatus(Action[ChannelState | int]):
    """``CHANNEL STATUS [channel]``: the state of this (or the named) channel.

    Returns a :class:`ChannelState` (equal to the ``CHANNEL_*`` constants), or the plain
    ``int`` for a state it has no name for (Asterisk also has 8, dialling off-hook, and
    9, pre-ring); a channel that does not exist raises :class:`AGIAppError`.
    """

    check_hangup = False

    def __init__(self, channel: str | None = None) -> None:
        super().__init__("CHANNEL STATUS", *((channel,) if channel else ()))

    def process_response(self, response: Reply) -> ChannelState | int:
        """The state, as a named constant where there is one."""
        value = response.result_int
        if value < 0:
            raise _fail(response, "no such channel")
        try:
            return ChannelState(value)
        except ValueError:
            return value  # a state newer than our names is still a state (1.x: the int)


class ControlStreamFile(Action[KeyPress | None]):
    """``CONTROL STREAM FILE``: play a file the caller can pause, rewind and skip.

    ``forward``, ``rewind`` and ``pause`` are the control keys (empty: none);
    ``sample_offset`` is where to start, in milliseconds; ``skip_ms`` how far the
    forward and rewind keys jump.  Returns ``None`` if playback ended with no escape
    digit pressed, else the key as a string, as pystrix 1.x does (a :class:`KeyPress`,
    whose ``endpos`` says where playback stopped).  ``result=-1`` (the file cannot be
    played) raises :class:`AGIAppError`.
    """

    def __init__(
        self,
        filename: str,
        escape_digits: str | Iterable[object] = "",
        sample_offset: int = 0,
        forward: str = "",
        rewind: str = "",
        pause: str = "",
        *,
        skip_ms: int = 3000,
    ) -> None:
        arguments: list[object] = [filename, _digits(escape_digits), skip_ms]
        arguments += [forward, rewind, pause]
        if sample_offset:
            arguments.append(sample_offset)
        super().__init__("CONTROL STREAM FILE", *arguments)

    def process_response(self, response: Reply) -> KeyPress | None:
        """``None``, or the key pressed (with its ``endpos``)."""
        key = _key(response)
        return None if key is None else KeyPress(key, _endpos(response))


class _DatabaseAction(Action[_R]):
    """An AstDB command: a bare ``result=-1`` raises :class:`AGIDBError` (an
    :class:`AGIAppError`), so that ``except AGIDBError`` catches every AstDB failure, as
    in pystrix 1.x."""

    def interpret(self, reply: Reply) -> _R:
        """Check ``reply`` (raising the matching exception) and return the result."""
        if reply.code == 200 and reply.result == "-1" and reply.data != "hangup":
            raise _fail(reply, f"AstDB command failed ({reply.raw!r})", AGIDBError)
        return super().interpret(reply)


class DatabaseDel(_DatabaseAction[None]):
    """``DATABASE DEL family key``.  Returns ``None``; :class:`AGIDBError` if it fails."""

    def __init__(self, family: str, key: str) -> None:
        super().__init__("DATABASE DEL", family, key)

    def process_response(self, response: Reply) -> None:
        """``None``; ``result=0`` raises :class:`AGIDBError`."""
        if response.result_int == 0:
            raise _fail(response, "AstDB key could not be deleted", AGIDBError)
        return None


class DatabaseDeltree(_DatabaseAction[None]):
    """``DATABASE DELTREE family [keytree]``.  Returns ``None``; :class:`AGIDBError` if
    nothing was deleted."""

    def __init__(self, family: str, keytree: str | None = None) -> None:
        super().__init__("DATABASE DELTREE", family, *((keytree,) if keytree else ()))

    def process_response(self, response: Reply) -> None:
        """``None``; ``result=0`` raises :class:`AGIDBError`."""
        if response.result_int == 0:
            raise _fail(response, "AstDB tree could not be deleted", AGIDBError)
        return None


class DatabaseGet(_DatabaseAction[str]):
    """``DATABASE GET family key``.  Returns the value; :class:`AGIDBError` if absent."""

    check_hangup = False

    def __init__(self, family: str, key: str) -> None:
        super().__init__("DATABASE GET", family, key)

    def process_response(self, response: Reply) -> str:
        """The stored value."""
        if response.result_int != 1:
            raise _fail(response, "AstDB key not found", AGIDBError)
        return response.data or ""


class DatabasePut(_DatabaseAction[None]):
    """``DATABASE PUT family key value``.  Returns ``None``; :class:`AGIDBError` if it
    could not be stored."""

    def __init__(self, family: str, key: str, value: object) -> None:
        super().__init__("DATABASE PUT", family, key, value)

    def process_response(self, response: Reply) -> None:
        """``None``; ``result=0`` raises :class:`AGIDBError`."""
        if response.result_int == 0:
            raise _fail(response, "AstDB value could not be stored", AGIDBError)
        return None


class Exec(Action[str]):
    """``EXEC application options``: run a dialplan application.

    ``options`` is a sequence (joined with commas, as applications expect) or a string.
    Returns the application's return value as Asterisk wrote it after ``result=``, a
    string (``"0"``), as pystrix 1.x does.  An unknown application (``-2``) raises
    :class:`AGIAppError`, and so does ``-1`` (the application failed or the caller hung
    up, which Asterisk does not tell apart here).
    """

    check_hangup = False

    def __init__(self, application: str, options: str | Iterable[object] = ()) -> None:
        text = options if isinstance(options, str) else ",".join(str(o) for o in options)
        super().__init__("EXEC", application, text)

    def process_response(self, response: Reply) -> str:
        """The application's return value, as text."""
        value = response.result or ""
        if value == "-2":
            raise _fail(response, "no such application")
        return value


class GetData(Action[tuple[str, bool]]):
    """``GET DATA file timeout max_digits``: play a prompt and collect digits.

    ``timeout`` is in milliseconds.  Returns ``(digits, timed_out)``.
    """

    def __init__(self, filename: str, timeout: int = 2000, max_digits: int = 255) -> None:
        super().__init__("GET DATA", filename, timeout, max_digits)

    def process_response(self, response: Reply) -> tuple[str, bool]:
        """``(digits, timed_out)``."""
        return response.result or "", response.data == "timeout"


class GetFullVariable(Action[str | None]):
    """``GET FULL VARIABLE expression [channel]``: evaluate ``${...}`` expressions.

    Returns the value, or ``None`` if it is not set.
    """

    check_hangup = False

    def __init__(self, variable: str, channel: str | None = None) -> None:
        super().__init__("GET FULL VARIABLE", variable, *((channel,) if channel else ()))

    def process_response(self, response: Reply) -> str | None:
        """The value or ``None``."""
        return _value(response)


class GetOption(_KeyAndOffset):
    """``GET OPTION file escape_digits timeout``: play a file, then wait ``timeout``
    milliseconds for a key.  Returns ``None`` if no escape digit was pressed, else
    ``(key, endpos)``; ``result=-1`` (the file cannot be played) raises
    :class:`AGIAppError`."""

    def __init__(
        self, filename: str, escape_digits: str | Iterable[object] = "", timeout: int = 2000
    ) -> None:
        super().__init__("GET OPTION", filename, _digits(escape_digits), timeout)


class GetVariable(Action[str | None]):
    """``GET VARIABLE name``.  Returns the value, or ``None`` if it is not set."""

    check_hangup = False

    def __init__(self, variable: str) -> None:
        super().__init__("GET VARIABLE", variable)

    def process_response(self, response: Reply) -> str | None:
        """The value or ``None``."""
        return _value(response)


class Gosub(Action[None]):
    """``GOSUB context extension priority [arguments]``: run a dialplan subroutine.

    ``arguments`` are joined with commas.  Returns ``None``; a failure raises
    :class:`AGIAppError`.
    """

    check_hangup = False

    def __init__(
        self,
        context: str,
        extension: str,
        priority: int | str,
        arguments: str | Iterable[object] = (),
    ) -> None:
        text = arguments if isinstance(arguments, str) else ",".join(str(a) for a in arguments)
        super().__init__("GOSUB", context, extension, priority, *((text,) if text else ()))

    def process_response(self, response: Reply) -> None:
        """``None``; a failure raises."""
        if response.result_int != 0:
            raise _fail(response, response.message or "Gosub failed")
        return None


class Hangup(Action[None]):
    """``HANGUP [channel]``: hang up this (or the named) channel.  Returns ``None``; a
    channel that does not exist raises :class:`AGIAppError`."""

    check_hangup = False

    def __init__(self, channel: str | None = None) -> None:
        super().__init__("HANGUP", *((channel,) if channel else ()))

    def process_response(self, response: Reply) -> None:
        """``None``; a failure raises."""
        if response.result_int != 1:
            raise _fail(response, "no such channel")
        return None


class Noop(_NoResult):
    """``NOOP``: does nothing (a liveness check).  Returns ``None``."""

    def __init__(self) -> None:
        super().__init__("NOOP")


class ReceiveChar(Action[tuple[str, bool] | None]):
    """``RECEIVE CHAR timeout``: one character from a text-capable channel.

    ``timeout`` in milliseconds (0: forever).  Returns ``None`` if no character came,
    else ``(character, timed_out)``, pystrix 1.x's shape (``timed_out`` is true when
    Asterisk added ``(timeout)`` to the reply).  ``result=-1`` (the channel cannot
    receive text) raises :class:`AGIAppError`.
    """

    def __init__(self, timeout: int = 0) -> None:
        super().__init__("RECEIVE CHAR", timeout)

    def process_response(self, response: Reply) -> tuple[str, bool] | None:
        """``None``, or ``(character, timed_out)``."""
        char = _key(response)
        return None if char is None else (char, response.data == "timeout")


class ReceiveText(Action[str]):
    """``RECEIVE TEXT timeout``: a text message (``timeout`` in milliseconds).
    Returns the text."""

    def __init__(self, timeout: int = 0) -> None:
        super().__init__("RECEIVE TEXT", timeout)

    def process_response(self, response: Reply) -> str:
        """The text received."""
        return response.data or ""


class RecordFile(Action[tuple[str, int, bool]]):
    """``RECORD FILE``: record the caller to ``filename`` in ``format``.

    ``timeout`` in milliseconds (-1: none); ``silence`` ends the recording after that
    many seconds of silence.  Returns ``(key, endpos, timed_out)`` as pystrix 1.x does:
    ``(key, endpos, False)`` when an escape digit stopped the recording, else ``("",
    endpos, True)`` (``endpos`` is -1 if Asterisk did not say).  ``result=-1`` (the file
    cannot be written) and ``(randomerror)`` raise :class:`AGIAppError`; a hang-up
    (``200 result=-1 (hangup) endpos=N``) :class:`AGIResultHangup`, as in pystrix 1.x:
    the recording up to ``endpos`` is kept.
    """

    def __init__(
        self,
        filename: str,
        format: str = FORMAT_WAV,
        escape_digits: str | Iterable[object] = "",
        timeout: int = -1,
        sample_offset: int = 0,
        beep: bool = True,
        silence: int | None = None,
    ) -> None:
        arguments: list[object] = [filename, format, _digits(escape_digits), timeout]
        if sample_offset or beep or silence is not None:
            arguments.append(sample_offset)
        if beep:
            arguments.append("BEEP")
        if silence is not None:
            arguments.append(f"s={silence}")
        super().__init__("RECORD FILE", *arguments)

    def process_response(self, response: Reply) -> tuple[str, int, bool]:
        """``(key, endpos, False)`` after a key, else ``("", endpos, True)``."""
        if response.data == "randomerror":  # Asterisk could not read the channel
            raise _fail(response, "recording failed (randomerror)")
        if response.data == "dtmf":
            return _key(response) or "", _endpos(response), False
        if response.result_int < 0:  # -1 was raised already; another negative is no better
            raise _fail(response, f"recording failed ({response.data})")
        # 1.x's rule: anything but a key ended the recording by time (or silence).
        return "", _endpos(response), True


class _Say(Action[str | None]):
    """A ``SAY ...`` command: returns the key that interrupted it, or ``None`` (pystrix
    1.x's shape: Asterisk sends no ``endpos`` for these); ``result=-1`` raises
    :class:`AGIAppError`."""

    def process_response(self, response: Reply) -> str | None:
        """The key pressed, or ``None``."""
        return _key(response)


class SayAlpha(_Say):
    """``SAY ALPHA``: spell ``characters``.  Returns the key pressed, or ``None``."""

    def __init__(self, characters: str, escape_digits: str | Iterable[object] = "") -> None:
        super().__init__("SAY ALPHA", characters, _digits(escape_digits))


class SayDate(_Say):
    """``SAY DATE``: say the date of ``seconds`` since the epoch (default: now)."""

    def __init__(
        self, seconds: int | float | None = None, escape_digits: str | Iterable[object] = ""
    ) -> None:
        when = int(time.time() if seconds is None else seconds)
        super().__init__("SAY DATE", when, _digits(escape_digits))


class SayDatetime(_Say):
    """``SAY DATETIME``: say ``seconds`` since the epoch (default: now) using an
    Asterisk ``format`` (such as ``"ABdY 'digits/at' IMp"``) in ``timezone``."""

    def __init__(
        self,
        seconds: int | float | None = None,
        escape_digits: str | Iterable[object] = "",
        format: str | None = None,
        timezone: str | None = None,
    ) -> None:
        when = int(time.time() if seconds is None else seconds)
        arguments: list[object] = [when, _digits(escape_digits)]
        if format is not None or timezone is not None:
            arguments.append(format or "ABdY 'digits/at' IMp")
        if timezone is not None:
            arguments.append(timezone)
        super().__init__("SAY DATETIME", *arguments)


class SayDigits(_Say):
    """``SAY DIGITS``: say ``digits`` one by one."""

    def __init__(self, digits: str | int, escape_digits: str | Iterable[object] = "") -> None:
        super().__init__("SAY DIGITS", digits, _digits(escape_digits))


class SayNumber(_Say):
    """``SAY NUMBER``: say ``number`` (``gender`` for languages that need it)."""

    def __init__(
        self,
        number: int | str,
        escape_digits: str | Iterable[object] = "",
        *,
        gender: str | None = None,
    ) -> None:
        extra = (gender,) if gender else ()
        super().__init__("SAY NUMBER", number, _digits(escape_digits), *extra)


class SayPhonetic(_Say):
    """``SAY PHONETIC``: spell ``characters`` with the phonetic alphabet."""

    def __init__(self, characters: str, escape_digits: str | Iterable[object] = "") -> None:
        super().__init__("SAY PHONETIC", characters, _digits(escape_digits))


class SayTime(_Say):
    """``SAY TIME``: say the time of ``seconds`` since the epoch (default: now)."""

    def __init__(
        self, seconds: int | float | None = None, escape_digits: str | Iterable[object] = ""
    ) -> None:
        when = int(time.time() if seconds is None else seconds)
        super().__init__("SAY TIME", when, _digits(escape_digits))


class SendImage(_NoResult):
    """``SEND IMAGE``: send an image to an image-capable channel.  Returns ``None``."""

    def __init__(self, filename: str) -> None:
        super().__init__("SEND IMAGE", filename)


class SendText(_NoResult):
    """``SEND TEXT``: send text to a text-capable channel.  Returns ``None``."""

    def __init__(self, text: str) -> None:
        super().__init__("SEND TEXT", text)


class SetAutohangup(_NoResult):
    """``SET AUTOHANGUP``: hang up in ``seconds`` (0 cancels).  Returns ``None``."""

    def __init__(self, seconds: int = 0) -> None:
        super().__init__("SET AUTOHANGUP", seconds)


class SetCallerid(_NoResult):
    """``SET CALLERID``: set the caller ID number (and name).  Returns ``None``."""

    def __init__(self, number: str | int, name: str | None = None) -> None:
        value = f'"{name}"<{number}>' if name else str(number)
        super().__init__("SET CALLERID", value)


class SetContext(_NoResult):
    """``SET CONTEXT``: where the dialplan continues after the script.  Returns ``None``."""

    def __init__(self, context: str) -> None:
        super().__init__("SET CONTEXT", context)


class SetExtension(_NoResult):
    """``SET EXTENSION``: where the dialplan continues after the script.  Returns
    ``None``."""

    def __init__(self, extension: str | int) -> None:
        super().__init__("SET EXTENSION", extension)


class SetMusic(_NoResult):
    """``SET MUSIC on|off [class]``: start or stop music on hold.  Returns ``None``."""

    def __init__(self, on: bool, moh_class: str | None = None) -> None:
        extra = (moh_class,) if moh_class else ()
        super().__init__("SET MUSIC", "on" if on else "off", *extra)


class SetPriority(_NoResult):
    """``SET PRIORITY``: where the dialplan continues (a number or a label).  Returns
    ``None``."""

    def __init__(self, priority: int | str) -> None:
        super().__init__("SET PRIORITY", priority)


class SetVariable(_NoResult):
    """``SET VARIABLE name value``.  Returns ``None``."""

    check_hangup = False

    def __init__(self, name: str, value: object) -> None:
        super().__init__("SET VARIABLE", name, value)


class StreamFile(_KeyAndOffset):
    """``STREAM FILE``: play a file, stopping early on one of ``escape_digits``.

    Returns ``None`` if playback ended with no escape digit pressed, else ``(key,
    endpos)``: the key and the sample offset where playback stopped.  A missing file
    answers ``result=-1`` (as a hang-up during playback does), which raises
    :class:`AGIAppError`.
    """

    def __init__(
        self, filename: str, escape_digits: str | Iterable[object] = "", sample_offset: int = 0
    ) -> None:
        extra = (sample_offset,) if sample_offset else ()
        super().__init__("STREAM FILE", filename, _digits(escape_digits), *extra)


class TDDMode(Action[bool]):
    """``TDD MODE on|off|mate``.  Returns ``True`` if the mode was set, ``False`` if the
    channel has no TDD support (``result=0``), as pystrix 1.x does."""

    def __init__(self, mode: str) -> None:
        super().__init__("TDD MODE", mode)

    def process_response(self, response: Reply) -> bool:
        """Whether the channel took the mode."""
        return response.result_int == 1


class Verbose(_NoResult):
    """``VERBOSE message level``: log to the Asterisk console.  Returns ``None``.

    ``level`` (one of the ``LOG_*`` constants, or any number) is sent as it is.
    """

    check_hangup = False

    def __init__(self, message: str, level: int = LOG_INFO) -> None:
        super().__init__("VERBOSE", message, level)


class WaitForDigit(Action[str | None]):
    """``WAIT FOR DIGIT``: wait ``timeout`` milliseconds (-1: forever) for a key.
    Returns the key, or ``None`` on timeout; ``result=-1`` raises :class:`AGIAppError`."""

    def __init__(self, timeout: int = -1) -> None:
        super().__init__("WAIT FOR DIGIT", timeout)

    def process_response(self, response: Reply) -> str | None:
        """The key or ``None``."""
        return _key(response)


# -- speech ----------------------------------------------------------------------------


class _SpeechCommand(Action[None]):
    """A speech command that succeeds with ``result=1``."""

    def process_response(self, response: Reply) -> None:
        """``None``; ``result=0`` raises :class:`AGIAppError`."""
        if response.result_int != 1:
            raise _fail(response, f"{self.command.split(' ', 2)[1].lower()} failed")
        return None


class SpeechCreate(_SpeechCommand):
    """``SPEECH CREATE engine``: create the channel's speech object."""

    def __init__(self, engine: str) -> None:
        super().__init__("SPEECH CREATE", engine)


class SpeechSet(_SpeechCommand):
    """``SPEECH SET name value``: set an engine setting."""

    def __init__(self, name: str, value: object) -> None:
        super().__init__("SPEECH SET", name, value)


class SpeechDestroy(_SpeechCommand):
    """``SPEECH DESTROY``: destroy the channel's speech object."""

    check_hangup = False

    def __init__(self) -> None:
        super().__init__("SPEECH DESTROY")


class SpeechLoadGrammar(_SpeechCommand):
    """``SPEECH LOAD GRAMMAR name path``."""

    def __init__(self, name: str, path: str) -> None:
        super().__init__("SPEECH LOAD GRAMMAR", name, path)


class SpeechUnloadGrammar(_SpeechCommand):
    """``SPEECH UNLOAD GRAMMAR name``."""

    check_hangup = False

    def __init__(self, name: str) -> None:
        super().__init__("SPEECH UNLOAD GRAMMAR", name)


class SpeechActivateGrammar(_SpeechCommand):
    """``SPEECH ACTIVATE GRAMMAR name``."""

    def __init__(self, name: str) -> None:
        super().__init__("SPEECH ACTIVATE GRAMMAR", name)


class SpeechDeactivateGrammar(_SpeechCommand):
    """``SPEECH DEACTIVATE GRAMMAR name``."""

    def __init__(self, name: str) -> None:
        super().__init__("SPEECH DEACTIVATE GRAMMAR", name)


@dataclass(frozen=True)
class SpeechResult:
    """What :class:`SpeechRecognize` returns.

    ``kind`` is ``"speech"``, ``"dtmf"`` or ``"timeout"`` (what ended recognition);
    ``results`` holds ``(score, text, grammar)`` per hypothesis, best first.
    """

    kind: str
    endpos: int
    digit: str | None = None
    results: tuple[tuple[int, str, str], ...] = ()


class SpeechRecognize(Action[SpeechResult]):
    """``SPEECH RECOGNIZE prompt timeout [offset]``: play ``prompt`` and recognise.

    ``timeout`` in milliseconds.  Returns a :class:`SpeechResult`; ``result=0`` (no
    speech object, or the engine failed) raises :class:`AGIAppError`.
    """

    def __init__(self, prompt: str, timeout: int, offset: int | None = None) -> None:
        extra = (offset,) if offset is not None else ()
        super().__init__("SPEECH RECOGNIZE", prompt, timeout, *extra)

    def process_response(self, response: Reply) -> SpeechResult:
        """The recognition outcome."""
        if response.result_int != 1:
            raise _fail(response, "speech recognition failed")
        fields = response.fields
        results = []
        try:
            count = int(fields.get("results", "0") or 0)
            # Only the hypotheses Asterisk sent: a count is no reason to invent the rest.
            for index in range(count):
                if f"score{index}" not in fields and f"text{index}" not in fields:
                    break
                score = int(fields.get(f"score{index}", "0") or 0)
                results.append(
                    (score, fields.get(f"text{index}", ""), fields.get(f"grammar{index}", ""))
                )
        except ValueError as exc:
            raise AGIProtocolError(
                f"malformed speech result: {exc}", response.items, reply=response
            ) from exc
        return SpeechResult(
            kind=response.data or "",
            endpos=response.endpos or 0,
            digit=fields.get("digit"),
            results=tuple(results),
        )


#: Every command class by its lower-case AGI name (``"get variable"`` -> GetVariable).
COMMANDS: dict[str, type[Action[Any]]] = {
    "answer": Answer,
    "asyncagi break": AsyncAGIBreak,
    "channel status": ChannelStatus,
    "database del": DatabaseDel,
    "database deltree": DatabaseDeltree,
    "database get": DatabaseGet,
    "database put": DatabasePut,
    "exec": Exec,
    "get data": GetData,
    "get full variable": GetFullVariable,
    "get option": GetOption,
    "get variable": GetVariable,
    "hangup": Hangup,
    "noop": Noop,
    "receive char": ReceiveChar,
    "receive text": ReceiveText,
    "record file": RecordFile,
    "say alpha": SayAlpha,
    "say digits": SayDigits,
    "say number": SayNumber,
    "say phonetic": SayPhonetic,
    "say date": SayDate,
    "say time": SayTime,
    "say datetime": SayDatetime,
    "send image": SendImage,
    "send text": SendText,
    "set autohangup": SetAutohangup,
    "set callerid": SetCallerid,
    "set context": SetContext,
    "set extension": SetExtension,
    "set music": SetMusic,
    "set priority": SetPriority,
    "set variable": SetVariable,
    "stream file": StreamFile,
    "control stream file": ControlStreamFile,
    "tdd mode": TDDMode,
    "verbose": Verbose,
    "wait for digit": WaitForDigit,
    "speech create": SpeechCreate,
    "speech set": SpeechSet,
    "speech destroy": SpeechDestroy,
    "speech load grammar": SpeechLoadGrammar,
    "speech unload grammar": SpeechUnloadGrammar,
    "speech activate grammar": SpeechActivateGrammar,
    "speech deactivate grammar": SpeechDeactivateGrammar,
    "speech recognize": SpeechRecognize,
    "gosub": Gosub,
}
