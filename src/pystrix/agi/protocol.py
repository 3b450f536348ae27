"""The sans-I/O core of AGI: bytes in, environment and replies out; commands in, bytes out.

Nothing here touches a socket, a thread or a clock.  The stdin :class:`~pystrix.agi.AGI`,
the threaded and asyncio FastAGI servers, the AsyncAGI helpers and the simulator's AGI side
all share it.

* :func:`quote` and :func:`format_command` build a command line, quoting each argument the
  way Asterisk's argument splitter reads it back, and refusing CR, LF and NUL.
* :func:`split_command` is that splitter (the simulator's side).
* :func:`parse_reply` reads one reply (``200 result=1 (value) endpos=0``, ``510 ...``,
  ``511 ...``, the ``520-`` usage block) into a :class:`Reply`.
* :class:`AGIProtocol` is the receiving state machine: first the ``agi_*`` environment
  block up to its empty line, then replies, with Asterisk's bare ``HANGUP`` notices and
  the end of the stream reported as events of their own, and interim ``100`` lines
  (GOSUB's ``100 result=0 Trying...``) skipped.  Its :meth:`~AGIProtocol.next_environment`
  and :meth:`~AGIProtocol.next_reply` are the reading policy every front-end follows, so
  that each front-end only loops ``while (reply := protocol.next_reply()) is None:
  protocol.feed(read())``; :func:`read_failure` and :func:`write_failure` turn what a
  read or a write raised into the AGI exception.
* :class:`Action` is the base of every command class; :meth:`Action.interpret` turns a
  reply into the command's typed result or the matching exception.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs

from .errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIEnvironmentError,
    AGIException,
    AGIInvalidArgumentError,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIProtocolError,
    AGIResultHangup,
    AGISIGPIPEHangup,
    AGITimeoutError,
    AGIUnknownError,
    AGIUsageError,
)

__all__ = [
    "DEFAULT_MAX_ENVIRONMENT_LINES",
    "DEFAULT_MAX_LINE_LENGTH",
    "AGIProtocol",
    "Action",
    "ConnectionClosed",
    "Environment",
    "HangupNotice",
    "Reply",
    "check_reply",
    "format_command",
    "parse_reply",
    "quote",
    "read_failure",
    "split_command",
    "write_failure",
]

#: Longest line accepted from Asterisk.  Replies carry variable values, so this is far
#: above Asterisk's own 2 KiB command buffer, but bounded so that a peer that never sends
#: a newline cannot exhaust memory.
DEFAULT_MAX_LINE_LENGTH = 256 * 1024
#: Asterisk 22 sends about 20 variables plus one per ``agi_arg_N``.
DEFAULT_MAX_ENVIRONMENT_LINES = 1024

_FORBIDDEN = re.compile(r"[\r\n\x00]")
_NEEDS_QUOTES = re.compile(r'[\s"\\]')
_CODE_LINE = re.compile(r"(\d{3})([ -]?)(.*)")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_KV_TAIL = re.compile(r'(?:\s+[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|\S*))*\s*')
# The replies nearly every command gets: ``result=V``, then maybe ``(data)``, then maybe
# ``endpos=N``, single-spaced, with no quote or parenthesis inside a value (anything else
# takes _parse_200's loop, which reads these the same way).
_COMMON_200 = re.compile(r'result=([^\s"()]*)(?: \(([^"()]*)\))?(?: endpos=([^\s"()]*))?')
_USAGE_END = "520 End of proper usage."
_HANGUP_LINES = (b"HANGUP\n", b"HANGUP\r\n")
# The blank line that ends the environment block: only ASCII whitespace (what str.strip()
# removes) between two line ends; _BLANK_FIRST: the buffer's first line is blank.  (One
# pattern for both, with "^|", searched ten times slower than the block took to parse.)
_BLOCK_END = re.compile(rb"\n[ \t\r\x0b\x0c\x1c-\x1f]*\n")
_ENVIRONMENT_PAIR = re.compile(r"^([A-Za-z0-9_]+): ?(.*)$", re.MULTILINE)
_BLANK_FIRST = re.compile(rb"[ \t\r\x0b\x0c\x1c-\x1f]*\n")
_logger = logging.getLogger("pystrix.agi")


# -- outgoing --------------------------------------------------------------------------


def quote(value: object) -> str:
    """One argument as Asterisk's splitter reads it back unchanged.

    Plain words go as they are; an empty value or one holding whitespace, a double quote
    or a backslash is wrapped in double quotes with ``"`` and ``\\`` escaped.  CR, LF and
    NUL raise :class:`~pystrix.agi.errors.AGIInvalidArgumentError`: they would end the
    command line early and let the rest run as a second command.
    """
    text = value if isinstance(value, str) else str(value)
    if _FORBIDDEN.search(text):
        raise AGIInvalidArgumentError(
            f"AGI argument {text!r} holds CR, LF or NUL; nothing was sent"
        )
    if text and not _NEEDS_QUOTES.search(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(command: str, arguments: Iterable[object] = ()) -> str:
    """``command`` (its words as given) followed by each argument, quoted; no newline."""
    if _FORBIDDEN.search(command):
        raise AGIInvalidArgumentError(f"AGI command {command!r} holds CR, LF or NUL")
    parts = [command.strip()]
    parts.extend(quote(argument) for argument in arguments)
    return " ".join(parts)


def split_command(line: str) -> list[str]:
    """Split a command line into words as Asterisk's ``parse_args`` does.

    Blanks separate words outside double quotes; a double quote toggles quoting (``""``
    is an empty word); a backslash takes the next character literally.
    """
    words: list[str] = []
    current: list[str] = []
    in_word = quoted = escaped = False
    for char in line:
        if escaped:
            current.append(char)
            in_word, escaped = True, False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
            in_word = True
        elif char in " \t" and not quoted:
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(char)
            in_word = True
    if in_word:
        words.append("".join(current))
    return words


# -- replies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One reply from Asterisk, parsed but not judged.

    * ``code``: 200, 510, 511, 520 (or whatever three digits came).
    * ``result``: the text after ``result=`` (``"1"``, ``"-1"``, digits from GET DATA,
      possibly empty), or ``None`` if absent.
    * ``data``: the text in the parentheses after the result (a variable's value,
      ``timeout``, ``dtmf``...), or ``None``.
    * ``fields``: every other ``key=value`` (``endpos``, speech ``score0``...), in order.
    * ``message``: the text of a 510/511 line, the usage text of a 520 block, or words of
      a 200 line that were not ``key=value``.
    * ``lines``: the reply's raw lines, without line endings.
    """

    code: int
    result: str | None = None
    data: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    message: str = ""
    lines: tuple[str, ...] = ()

    @property
    def endpos(self) -> int | None:
        """``endpos=`` as an integer (the sample offset where playback or recording ended)."""
        value = self.fields.get("endpos")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    @property
    def result_int(self) -> int:
        """``result`` as an integer; :class:`AGIUnknownError` if it is not one."""
        try:
            return int(self.result or "")
        except ValueError:
            raise AGIUnknownError(
                f"expected a number in {self.raw!r}", self.items, reply=self
            ) from None

    @property
    def raw(self) -> str:
        """The reply as received, lines joined by ``\\n``."""
        return "\n".join(self.lines)

    @property
    def items(self) -> dict[str, Any]:
        """``result``, ``data`` and the other fields as one dictionary."""
        items: dict[str, Any] = {}
        if self.result is not None:
            items["result"] = self.result
        if self.data is not None:
            items["data"] = self.data
        items.update(self.fields)
        return items


def _closing_paren(text: str, start: int) -> int:
    """Where the ``(data)`` opened at ``start`` ends.

    A value may itself hold parentheses, so the data runs to the last ``)`` after which
    only ``key=value`` words follow; failing that, to the first ``)``; failing that, to
    the end of the line.
    """
    position = len(text)
    while True:
        position = text.rfind(")", start + 1, position)
        if position < 0:
            break
        if _KV_TAIL.fullmatch(text, position + 1):
            return position
    first = text.find(")", start + 1)
    return first if first >= 0 else len(text)


def _new_reply(
    code: int,
    result: str | None,
    data: str | None,
    fields: Mapping[str, str],
    message: str,
    lines: tuple[str, ...],
) -> Reply:
    """``Reply(code, result, data, fields, message, lines)``, built for the parsers.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``,
    which was as much as parsing a common reply; this fills the instance's dictionary
    in one step instead (the object is the same).
    """
    reply = object.__new__(Reply)
    reply.__dict__.update(
        code=code, result=result, data=data, fields=fields, message=message, lines=lines
    )
    return reply


def _parse_200(text: str, lines: tuple[str, ...]) -> Reply:
    common = _COMMON_200.fullmatch(text)
    if common is not None:
        # What the loop below makes of these lines, in one regular expression.
        endpos = common.group(3)
        return _new_reply(
            200,
            common.group(1),
            common.group(2),
            MappingProxyType({} if endpos is None else {"endpos": endpos}),
            "",
            lines,
        )
    result: str | None = None
    data: str | None = None
    fields: dict[str, str] = {}
    words: list[str] = []
    position, length = 0, len(text)
    while position < length:
        if text[position] in " \t":
            position += 1
            continue
        match = _KEY.match(text, position)
        if match is not None:
            key = match.group(1)
            position = match.end()
            if text.startswith('"', position):
                end = text.find('"', position + 1)
                end = length if end < 0 else end
                value = text[position + 1 : end]
                position = end + 1
            else:
                end = position
                while end < length and text[end] not in " \t":
                    end += 1
                value = text[position:end]
                position = end
            if key == "result" and result is None:
                result = value
            else:
                fields[key] = value
            continue
        if text[position] == "(" and data is None:
            close = _closing_paren(text, position)
            data = text[position + 1 : close]
            position = close + 1
            continue
        end = position
        while end < length and text[end] not in " \t":
            end += 1
        words.append(text[position:end])
        position = end
    return _new_reply(200, result, data, MappingProxyType(fields), " ".join(words), lines)


def parse_reply(lines: Iterable[str]) -> Reply:
    """Parse one reply from its lines (one line, or a whole ``520-`` block).

    Raises :class:`AGIProtocolError` if the first line does not start with a code.
    """
    lines = tuple(lines)
    if not lines:
        raise AGIProtocolError("empty AGI reply")
    match = _CODE_LINE.fullmatch(lines[0])
    if match is None:
        raise AGIProtocolError(f"malformed AGI reply line {lines[0]!r}")
    code = int(match.group(1))
    rest = match.group(3)
    if code == 200:
        return _parse_200(rest, lines)
    if code == 520 and match.group(2) == "-":
        # The usage text: every line after the first, up to the closing line.
        body = [line for line in lines[1:] if line != _USAGE_END]
        return Reply(code, message="\n".join(body), lines=lines)
    return Reply(code, message=rest.strip(), lines=lines)


def check_reply(reply: Reply, *, check_hangup: bool = True) -> Reply:
    """Raise the exception that ``reply`` stands for, or return it if it is a success.

    The pystrix 1.x rules, except that ``result=-1 (hangup)`` is a hang-up here (1.x
    raised its ``AGIAppError`` for any ``-1``):

    * ``200`` without ``result=`` raises :class:`AGINoResultError`;
    * ``(hangup)`` as the data raises :class:`AGIResultHangup`, with ``result=-1`` always
      and with any other result when ``check_hangup`` is true (a variable's value may
      read ``hangup``, so the commands that return values turn it off);
    * any other ``result=-1`` raises :class:`AGIAppError`: Asterisk reports a prompt it
      cannot play the same way as a hang-up, and the channel may well be up;
    * 510, 511 and 520 raise :class:`AGIInvalidCommandError`,
      :class:`AGIDeadChannelError` (an :class:`AGIResultHangup` too) and
      :class:`AGIUsageError`; any other code :class:`AGIUnknownError`.
    """
    code = reply.code
    if code == 200:
        result = reply.result
        if result is None:
            raise AGINoResultError(f"no result in {reply.raw!r}", reply.items, reply=reply)
        if reply.data == "hangup" and (check_hangup or result == "-1"):
            raise AGIResultHangup(f"the channel hung up ({reply.raw!r})", reply.items, reply=reply)
        if result == "-1":
            raise AGIAppError(f"the command failed ({reply.raw!r})", reply.items, reply=reply)
        return reply
    if code == 510:
        raise AGIInvalidCommandError(reply.message or "invalid command", reply=reply)
    if code == 511:
        raise AGIDeadChannelError(reply.message or "dead channel", reply=reply)
    if code == 520:
        raise AGIUsageError("invalid command syntax", {"usage": reply.message}, reply=reply)
    raise AGIUnknownError(f"unexpected AGI reply {reply.raw!r}", reply=reply)


# -- incoming stream -------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """The ``agi_*`` block Asterisk sends first.

    ``variables`` keeps every line (``agi_channel``, ``agi_arg_1``... with their full
    names); ``args`` are the ``agi_arg_N`` values in order.
    """

    variables: Mapping[str, str]
    args: tuple[str, ...] = ()

    @property
    def script(self) -> str:
        """``agi_network_script`` (the URL path after the host), else ``agi_request``."""
        return self.variables.get("agi_network_script") or self.variables.get("agi_request", "")

    @property
    def path(self) -> str:
        """The script path without its query string (``hello`` for ``hello?x=1``)."""
        return self.script.partition("?")[0]

    @property
    def query(self) -> dict[str, list[str]]:
        """The script's query string, as :func:`urllib.parse.parse_qs` reads it by default:
        a name with a blank value (``b=`` in ``?a=1&b=``) is left out, as pystrix 1.x
        leaves it out of a handler's ``kwargs``."""
        query = self.script.partition("?")[2]
        return parse_qs(query) if query else {}  # every call asks; most have none

    @property
    def channel(self) -> str:
        """``agi_channel``."""
        return self.variables.get("agi_channel", "")


class HangupNotice:
    """The bare ``HANGUP`` line: Asterisk tells a network script its channel hung up."""

    def __repr__(self) -> str:
        return "HangupNotice()"


class ConnectionClosed:
    """The stream ended (everything before it has been reported)."""

    def __repr__(self) -> str:
        return "ConnectionClosed()"


HANGUP_NOTICE = HangupNotice()
CONNECTION_CLOSED = ConnectionClosed()

Event = Environment | Reply | HangupNotice | ConnectionClosed


class AGIProtocol:
    """Our side of one AGI session, without I/O.

    Feed what Asterisk sends to :meth:`receive_data` (and :meth:`receive_eof` at the end),
    then call :meth:`next_event` until it returns ``None`` (more bytes needed).  Events
    come in order: one :class:`Environment` first (unless ``expect_environment`` is
    false, as in AsyncAGI), then a :class:`Reply` per command, with a
    :class:`HangupNotice` wherever Asterisk wrote ``HANGUP``, and :class:`ConnectionClosed`
    last.  Bare LF and CRLF line endings are both accepted; interim ``100`` lines are
    skipped, and an environment line that is not ``name: value`` is logged at debug
    level and left out.

    Errors (:class:`AGIEnvironmentError`, :class:`AGIProtocolError`) are raised by
    :meth:`next_event`; the session cannot continue after one.

    A front-end that waits for one thing uses :meth:`next_environment` and
    :meth:`next_reply` instead: they skip what the caller does not wait for and raise the
    session's exceptions.  ``trace``: a logger that gets every command sent
    (:meth:`send`) and every event read through them at DEBUG level (a front-end's
    ``debug``).
    """

    def __init__(
        self,
        *,
        expect_environment: bool = True,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
        max_environment_lines: int = DEFAULT_MAX_ENVIRONMENT_LINES,
        trace: logging.Logger | None = None,
    ) -> None:
        self._buffer = bytearray()
        self._scan_from = 0
        self._eof = False
        self._closed_reported = False
        self._in_environment = expect_environment
        self._environment_lines: list[str] = []
        self._usage: list[str] | None = None
        self.max_line_length = max_line_length
        self.max_environment_lines = max_environment_lines
        #: The environment, once received.
        self.environment: Environment | None = None
        #: True once Asterisk has sent ``HANGUP``.
        self.hangup_received = False
        #: Where :meth:`send`, :meth:`next_environment` and :meth:`next_reply` log lines.
        self.trace = trace

    # -- data in ---------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Add bytes received from Asterisk."""
        self._buffer += data

    def receive_eof(self) -> None:
        """Asterisk closed its side."""
        self._eof = True

    def feed(self, data: bytes) -> None:
        """Add what one read returned: bytes, or ``b""``, a read's end of the stream."""
        if data:
            self._buffer += data
        else:
            self._eof = True

    @property
    def buffered(self) -> int:
        """Bytes received and not yet taken as events."""
        return len(self._buffer)

    @property
    def eof(self) -> bool:
        """True once :meth:`receive_eof` was called."""
        return self._eof

    def _next_line(self) -> str | None:
        buffer = self._buffer
        end = buffer.find(b"\n", self._scan_from)
        if end < 0:
            if len(buffer) > self.max_line_length:
                raise AGIProtocolError(f"an AGI line exceeds {self.max_line_length} bytes")
            self._scan_from = len(buffer)
            if self._eof and buffer:
                # A last line without its newline still counts.
                end = len(buffer)
            else:
                return None
        if end > self.max_line_length:
            raise AGIProtocolError(f"an AGI line exceeds {self.max_line_length} bytes")
        line = buffer[:end].decode("utf-8", "replace")
        del buffer[: end + 1]
        self._scan_from = 0
        return line[:-1] if line.endswith("\r") else line

    # -- events out ------------------------------------------------------------------

    def next_event(self) -> Event | None:
        """The next complete event, or ``None`` until more bytes arrive."""
        if not self._buffer and not self._eof:
            # Nothing to read: the usual state right after a command is sent, when a
            # session asks once before it waits.
            return None
        if self._in_environment:
            environment = self._environment_lines_at_once()
            if environment is not None:
                return environment
        while True:
            line = self._next_line()
            if line is None:
                if not self._eof:
                    return None
                if self._in_environment:
                    raise AGIEnvironmentError(
                        "the connection closed before the end of the AGI environment"
                    )
                if self._usage is not None:
                    raise AGIProtocolError("the connection closed inside a 520 usage block")
                if self._closed_reported:
                    return None
                self._closed_reported = True
                return CONNECTION_CLOSED
            if self._in_environment:
                environment = self._environment_line(line)
                if environment is not None:
                    return environment
                continue
            if self._usage is not None:
                self._usage.append(line)
                if line.startswith("520 "):
                    lines, self._usage = self._usage, None
                    self._take_buffered_hangup()
                    return parse_reply(lines)
                if len(self._usage) > self.max_environment_lines:
                    raise AGIProtocolError("a 520 usage block does not end")
                continue
            if line.startswith("200 "):
                # Nearly every reply: straight to its parser, past the checks below, and
                # _take_buffered_hangup's test inline (a call less per reply).
                reply = _parse_200(line[4:], (line,))
                if self._buffer.startswith(_HANGUP_LINES):
                    self.hangup_received = True
                return reply
            stripped = line.strip()
            if stripped == "HANGUP":
                self.hangup_received = True
                return HANGUP_NOTICE
            if not stripped:
                continue  # stray blank lines carry nothing
            if line.startswith("100") and line[3:4] in ("", " ", "-"):
                # An interim line (GOSUB writes "100 result=0 Trying..." before it runs
                # the subroutine): the command's real reply follows.
                continue
            if line.startswith("520-"):
                self._usage = [line]
                continue
            reply = parse_reply([line])
            self._take_buffered_hangup()
            return reply

    # -- the policy of a session that waits for one thing -----------------------------

    def next_environment(self) -> Environment | None:
        """The environment, or ``None`` until more bytes arrive.

        :class:`AGIEnvironmentError` if the block is malformed or the stream ends inside
        it; :class:`AGIProtocolError` if something else comes first.
        """
        event = self.next_event()
        if event is not None and self.trace is not None:
            self.trace.debug("AGI << %r", event)
        if isinstance(event, Environment):
            return event
        if event is None and not self._eof:
            return None
        raise AGIProtocolError(f"expected the AGI environment, got {event!r}")

    def next_reply(self) -> Reply | None:
        """The reply to the command sent, or ``None`` until more bytes arrive.

        A ``HANGUP`` notice before it is skipped (it sets :attr:`hangup_received`); the
        end of the stream raises :class:`AGISIGPIPEHangup`, and so does every later call.
        """
        # Every command's reply passes here: the checks run in the order of their odds.
        while (event := self.next_event()) is not None:
            if self.trace is not None:
                self.trace.debug("AGI << %r", event)
            if isinstance(event, Reply):
                return event
            if isinstance(event, ConnectionClosed):
                raise AGISIGPIPEHangup("Asterisk closed the connection")
            # A HangupNotice: noted in hangup_received; the reply follows.
        if self._eof:  # the end, reported by an earlier call: it still holds
            raise AGISIGPIPEHangup("Asterisk closed the connection")
        return None

    def _take_buffered_hangup(self) -> None:
        """Note a ``HANGUP`` line already received right after a reply.

        Asterisk writes it just after the reply of the command during which the channel
        hung up; noting it now makes ``hangup_received`` true as soon as the caller has
        the reply, instead of at the next read.  The line is still reported as a
        :class:`HangupNotice` event in its turn.
        """
        if self._buffer.startswith(_HANGUP_LINES):
            self.hangup_received = True

    def _environment_lines_at_once(self) -> Environment | None:
        """Take the environment lines buffered in one pass, and the whole block at once
        when its end has arrived.

        The environment block is most of what a FastAGI call reads (a line per variable,
        usually in one read); going through :meth:`_next_line` and :meth:`next_event`
        for each line cost more than parsing it.  Each line gets what that path gives it
        (the same length limit, CR stripping and :meth:`_environment_line`); what is left
        (a partial line, the end of the stream) goes the usual way.
        """
        buffer = self._buffer
        end = _BLOCK_END.search(buffer)
        if end is not None and not _BLANK_FIRST.match(buffer):
            environment = self._whole_block(buffer, end.start(), end.end())
            if environment is not None:
                return environment
        last = buffer.rfind(b"\n")
        if last < 0:
            return None
        limit = self.max_line_length
        lines = self._environment_lines
        max_lines = self.max_environment_lines
        taken = 0
        try:
            for raw in buffer[:last].split(b"\n"):
                taken += len(raw) + 1
                if len(raw) > limit:
                    raise AGIProtocolError(f"an AGI line exceeds {limit} bytes")
                line = raw.decode("utf-8", "replace")
                if line.endswith("\r"):
                    line = line[:-1]
                if line.strip() and len(lines) < max_lines:
                    lines.append(line)  # _environment_line's common case, inline
                    continue
                environment = self._environment_line(line)
                if environment is not None:
                    return environment
            return None
        finally:
            del buffer[:taken]
            self._scan_from = 0

    def _whole_block(self, buffer: bytearray, block_end: int, after: int) -> Environment | None:
        """The environment from the ``block_end`` bytes before the blank line that ends
        at ``after``, split and decoded in one go; ``None`` (nothing taken) when the block
        needs the line-by-line path's checks: non-ASCII text (a line that only Unicode
        whitespace fills is blank too), a line that may be too long or too many lines."""
        if after > self.max_line_length:
            return None
        block = buffer[:block_end]
        if not block.isascii():
            return None
        lines = block.decode("ascii").split("\n")
        if len(lines) + len(self._environment_lines) > self.max_environment_lines:
            return None
        if b"\r" in block:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        elif not self._environment_lines:
            # Every line "name: value" with a plain name, as Asterisk writes them: the
            # pairs in one regular expression, which _finish_environment's loop would
            # read the same way.
            text = "\n".join(lines)
            pairs = _ENVIRONMENT_PAIR.findall(text)
            if len(pairs) == len(lines):
                del buffer[:after]
                self._scan_from = 0
                numbered: dict[int, str] = {}
                if "agi_arg_" in text:
                    for key, value in pairs:
                        if key.startswith("agi_arg_"):
                            with contextlib.suppress(ValueError):
                                numbered[int(key[8:])] = value
                return self._environment_read(dict(pairs), numbered)
        del buffer[:after]
        self._scan_from = 0
        self._environment_lines.extend(lines)
        return self._finish_environment()

    def _environment_line(self, line: str) -> Environment | None:
        if not line.strip():
            if not self._environment_lines:
                # Blank lines before the block carry nothing; an empty block is an error.
                raise AGIEnvironmentError("the AGI environment block is empty")
            return self._finish_environment()
        if len(self._environment_lines) >= self.max_environment_lines:
            raise AGIEnvironmentError(
                f"the AGI environment exceeds {self.max_environment_lines} lines"
            )
        self._environment_lines.append(line)
        return None

    def _finish_environment(self) -> Environment:
        variables: dict[str, str] = {}
        numbered: dict[int, str] = {}
        for line in self._environment_lines:
            key, colon, value = line.partition(":")
            key = key.strip()
            if not colon or not key or " " in key:
                # Be liberal: one odd line (a proxy's banner, a stray word) should not
                # cost the call; the agi_* variables around it are still good.
                _logger.debug("ignoring a line of the AGI environment: %r", line)
                continue
            value = value[1:] if value.startswith(" ") else value
            variables[key] = value
            if key.startswith("agi_arg_"):
                try:
                    numbered[int(key[8:])] = value
                except ValueError:
                    pass
        return self._environment_read(variables, numbered)

    def _environment_read(self, variables: dict[str, str], numbered: dict[int, str]) -> Environment:
        if not any(key.startswith("agi_") for key in variables):
            raise AGIEnvironmentError("the AGI environment holds no agi_* variable")
        self._in_environment = False
        self._environment_lines = []
        environment = Environment(
            MappingProxyType(variables), tuple(numbered[i] for i in sorted(numbered))
        )
        self.environment = environment
        return environment

    # -- commands out ----------------------------------------------------------------

    @staticmethod
    def command_bytes(action: Action[Any] | str) -> bytes:
        """The bytes that send ``action`` (an :class:`Action` or a finished line)."""
        return _UNTRACED.send(action)

    def send(self, action: Action[Any] | str) -> bytes:
        """:meth:`command_bytes`, logged to :attr:`trace`: what a session writes."""
        # The encoding is here rather than in command_bytes: every command a session
        # sends passes here, and one call less per command shows in FastAGI's figures.
        line = action.command if isinstance(action, Action) else action
        if _FORBIDDEN.search(line):
            raise AGIInvalidArgumentError(f"AGI command line {line!r} holds CR, LF or NUL")
        payload = line.encode("utf-8") + b"\n"
        if self.trace is not None:
            self.trace.debug("AGI >> %r", payload)
        return payload


#: Encodes for :meth:`AGIProtocol.command_bytes` (``send`` reads nothing else of it).
_UNTRACED = AGIProtocol()


# -- failed I/O --------------------------------------------------------------------------


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError):
        return True
    # Python 3.10's asyncio.TimeoutError is not the builtin one.  Looked up, not
    # imported: only a program that runs asyncio can have raised it, and a stdin AGI
    # script should not pay for importing asyncio.
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and isinstance(exc, asyncio.TimeoutError)


def read_failure(exc: BaseException) -> AGIException:
    """The exception for a read from Asterisk that raised ``exc``.

    A timeout (:class:`TimeoutError`, asyncio's too) is an :class:`AGITimeoutError`;
    anything else (:class:`OSError`, :class:`ValueError` from a closed file) means the
    connection is gone: :class:`AGISIGPIPEHangup`.  Raise it ``from exc``.
    """
    if _is_timeout(exc):
        return AGITimeoutError("no data from Asterisk within the read timeout")
    return AGISIGPIPEHangup(f"cannot read from Asterisk: {exc}")


def write_failure(exc: BaseException) -> AGISIGPIPEHangup:
    """The exception for a write to Asterisk that raised ``exc`` (the connection is gone).

    Raise it ``from exc``.
    """
    return AGISIGPIPEHangup(f"cannot write to Asterisk: {exc}")


# -- the command base --------------------------------------------------------------------

_T = TypeVar("_T")


class Action(Generic[_T]):
    """An AGI command: its words, its quoted arguments and how to read its reply.

    ``Action("GET VARIABLE", "FOO")`` is usable as it is (its result is the
    :class:`Reply`); the classes in :mod:`pystrix.agi.core` override
    :meth:`process_response` to return a typed result.  Arguments are checked here, so
    a CR or LF raises :class:`AGIInvalidArgumentError` where the command is built.

    Before :meth:`process_response` runs, :func:`check_reply` raises for failures:
    ``result=-1`` is an :class:`AGIAppError`, ``(hangup)`` an :class:`AGIResultHangup`.
    ``check_hangup``: when true (the default), ``(hangup)`` counts whatever the result;
    commands whose data is a value (a variable could hold ``hangup``) set it false, as in
    pystrix 1.x.
    """

    check_hangup: bool = True

    def __init__(self, command: str, *arguments: object) -> None:
        self._command = command
        self._arguments = tuple(arguments)
        self._line = format_command(command, self._arguments)

    @property
    def command(self) -> str:
        """The command line to send, without its newline."""
        return self._line

    @property
    def arguments(self) -> tuple[object, ...]:
        """The arguments as given."""
        return self._arguments

    def process_response(self, response: Reply) -> _T:
        """Turn a successful reply into the command's result (here: the reply itself)."""
        return response  # type: ignore[return-value]

    def interpret(self, reply: Reply) -> _T:
        """Check ``reply`` (raising the matching exception) and return the result."""
        check_reply(reply, check_hangup=self.check_hangup)
        return self.process_response(reply)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._line!r}>"
