"""The sans-I/O core of AMI: bytes in, messages out; actions in, bytes out.

Nothing here touches a socket, a thread or a clock.  The threaded :class:`~pystrix.ami.Manager`,
the simulator in :mod:`pystrix.testing` and any other front-end feed received bytes to a
parser and write what a serializer returns.

* :class:`MessageParser` frames a byte stream into :class:`~pystrix.ami.message.Message`
  objects (the banner first, on the client side).
* :func:`serialize_headers` / :func:`serialize_action` turn headers into bytes, refusing
  any CR, LF or NUL that would let data inject headers.
* :class:`ClientProtocol` is the client's whole state machine: it issues ActionIDs,
  matches responses to the actions that asked for them, collects event lists, builds
  aggregate events and says which waiter to wake.
"""

from __future__ import annotations

import enum
import itertools
import re
import secrets
from collections.abc import Iterable
from typing import Any

from .errors import (
    InvalidHeaderError,
    ManagerSocketError,
    MessageTooLargeError,
    RemoteProtocolError,
)
from .events import Aggregate, Event, event_class_for
from .message import Message, split_header_line

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "ClientProtocol",
    "ConnectionState",
    "DeferredAggregate",
    "MessageParser",
    "PendingAction",
    "build_event",
    "build_message",
    "cached_event_class",
    "event_name",
    "parse_version",
    "serialize_action",
    "serialize_headers",
]

#: Generous enough for ListCommands or a large Command output, small enough that a peer
#: that never ends a message cannot exhaust memory.
DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024

_TERMINATOR = re.compile(rb"\r?\n\r?\n")
_END_COMMAND = b"--END COMMAND--"
_FOLLOWS = b"response: follows"
# In the Asterisk 13 "Response: Follows" format only these lead the block as headers; the
# rest is raw command output, which may itself contain colons.
_FOLLOWS_HEADERS = frozenset({"response", "privilege", "actionid", "message"})
_FOLLOWS_ANYWHERE = re.compile(rb"(?i)response:[ \t]{0,16}follows")
# Where a legacy block without its marker ends: an empty line, then a new message's first
# header (the match ends before that header).
_FOLLOWS_CUT = re.compile(rb"\r?\n\r?\n(?=(?i:response|event): )")


def parse_version(banner: str | None) -> str | None:
    """The version in a banner such as ``Asterisk Call Manager/11.0.0``."""
    if not banner:
        return None
    _, slash, version = banner.rpartition("/")
    return version.strip() if slash else None


class MessageParser:
    """Frames an AMI byte stream into messages.

    Messages are header lines ended by an empty line; CRLF and bare LF are both accepted.
    A line without a colon is kept in the message's ``data``, never fatal.  With
    ``expect_banner`` (the client side) the first line is the server's banner.

    :meth:`feed` raises :class:`~pystrix.ami.errors.MessageTooLargeError` when an unfinished
    message outgrows ``max_message_size``; the stream cannot be resynchronised after that.
    """

    def __init__(
        self,
        *,
        expect_banner: bool = False,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        defer_events: bool = False,
    ) -> None:
        self._buffer = bytearray()
        self._scan_from = 0
        self._expect_banner = expect_banner
        self.max_message_size = max_message_size
        #: Return events as their text (a ``str`` starting ``"Event: "``, CRLF line endings)
        #: instead of parsing them; :func:`build_event` parses one later.
        self.defer_events = defer_events
        #: True when everything the last :meth:`feed` returned is an event's text.
        self.events_only = False
        #: With ``events_only``: the decoded text those events were cut from (with LF
        #: line endings if the read held a bare LF), to search them all at once.
        self.events_text = ""
        # An unfinished legacy block continues in the next read, and where its
        # --END COMMAND-- marker lies (from the block's start) once it has been seen.
        self._follows_pending = False
        self._follows_end: int | None = None
        #: The banner line (without its line ending), once received.
        self.banner: str | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Any]:
        """Add received bytes; return every message they complete, in order."""
        buffer = self._buffer
        buffer += data
        self.events_only = False
        size = len(buffer)
        if size == len(data) and not self._expect_banner and not self._follows_pending:
            # Nothing was left over from before.  A read that holds exactly one message
            # (the answer to a lone request, mostly) is taken whole, without the search
            # for where each message ends.
            end = buffer.find(b"\r\n\r\n")
            if (
                end == size - 4
                and 10 < end <= self.max_message_size  # shorter: the general path
                and buffer[0] != 13  # a stray blank line first
                # A legacy "Response: Follows" block: no look at 17 bytes unless the
                # eleventh is an F.
                and ((buffer[10] | 32) != 102 or buffer[:17].lower() != _FOLLOWS)
            ):
                text = buffer[:end].decode("utf-8", "replace")
                lines = text.split("\r\n")
                # No bare LF: every LF in the text ends one of the CRLFs split at.
                if text.count("\n") == len(lines) - 1:
                    buffer.clear()
                    self._scan_from = 0
                    if not text.startswith("Event: "):
                        return [_build_lines(text, lines, Message, "\r\n")]
                    if self.defer_events:
                        self.events_only = True
                        self.events_text = text
                        return [text]
                    return [build_message(text)]
        messages: list[Any] = []
        position = 0
        if self._expect_banner:
            end = buffer.find(b"\n")
            if end < 0:
                self._check_size(len(buffer))
                return messages
            self.banner = buffer[:end].decode("utf-8", "replace").rstrip("\r")
            self._expect_banner = False
            position = end + 1
        if self._follows_pending:
            position = self._feed_careful(buffer, position, messages)
        else:
            position = self._feed_fast(buffer, position, messages)
        # Blank lines after the last message carry nothing either.
        while buffer.startswith(b"\n", position) or buffer.startswith(b"\r\n", position):
            position += 1 if buffer[position] == 10 else 2
        if position:
            del buffer[:position]
        # A terminator may straddle two reads: rescan the last 3 bytes next time.
        self._scan_from = max(0, len(buffer) - 3)
        self._check_size(len(buffer))
        return messages

    def _feed_fast(self, buffer: bytearray, position: int, messages: list[Any]) -> int:
        """Every complete message at once: one decode and one split for the whole read.

        Falls back to :meth:`_feed_careful` where a legacy ``Response: Follows`` block
        begins, as its raw output may hold blank lines.
        """
        # Only bytes not looked at before (with an overlap for a marker split between
        # reads) are searched for that block: a message arriving in many small reads
        # must not be rescanned from its start every time.
        unseen = max(position, self._scan_from - 32)
        scan_from = max(self._scan_from, position)
        crlf = buffer.rfind(b"\n\r\n", scan_from)
        # A bare-LF terminator matters only after the last CRLF one (the usual case).
        lf = buffer.rfind(b"\n\n", crlf + 1 if crlf >= 0 else scan_from)
        end = max(crlf + 3 if crlf >= 0 else 0, lf + 2 if lf >= 0 else 0)
        if end <= position or end - position > self.max_message_size:
            # Nothing complete yet, or some message here may be over the limit (the
            # careful path measures each one in bytes).
            if end > position or _holds_follows(buffer, unseen):
                return self._feed_careful(buffer, position, messages)
            return position
        chunk = buffer[position:end]
        # Asterisk ends every line with CRLF.  Then the text is split as it is (cheaper
        # than rewriting it); any bare LF and it is made LF throughout first.  Counted on
        # bytes: CR and LF are never part of a longer UTF-8 sequence.
        crlf = chunk.count(b"\n") == chunk.count(b"\r\n")
        if crlf:
            text = chunk.decode("utf-8", "replace")
            blocks = text.split("\r\n\r\n")
        else:
            text = chunk.replace(b"\r\n", b"\n").decode("utf-8", "replace")
            blocks = text.split("\n\n")
        blocks.pop()  # the text ends with the last message's blank line
        defer = self.defer_events
        if defer and all(map(str.startswith, blocks, _EVENT_PREFIX)):
            # Every message here is an event (the usual read on a busy server), so no
            # legacy block begins before ``end``: hand the texts over as they are.
            self.events_only = True
            self.events_text = text
            messages.extend(blocks if crlf else [_as_crlf(block) for block in blocks])
            if _holds_follows(buffer, max(unseen, end)):  # one may begin after ``end``
                self.events_only = False
                return self._feed_careful(buffer, end, messages)
            return end
        if _holds_follows(buffer, unseen):
            return self._feed_careful(buffer, position, messages)
        newline = "\r\n" if crlf else "\n"
        for block in blocks:
            while block.startswith(newline):
                block = block[len(newline) :]  # stray blank lines carry nothing
            if block:
                if defer and block.startswith("Event: "):
                    messages.append(block if crlf else _as_crlf(block))
                else:
                    messages.append(build_message(block, None, newline))
        return end

    def _feed_careful(self, buffer: bytearray, position: int, messages: list[Any]) -> int:
        """Message by message, so that a ``Response: Follows`` block is framed by its
        ``--END COMMAND--`` marker rather than by the blank lines its output may hold."""
        scan_from = max(self._scan_from, position)
        search = _TERMINATOR.search
        limit = self.max_message_size
        self._follows_pending = False
        while True:
            # Blank lines between messages carry nothing.
            while buffer.startswith(b"\n", position) or buffer.startswith(b"\r\n", position):
                position += 1 if buffer[position] == 10 else 2
            if buffer[position : position + 17].lower() == _FOLLOWS:
                if self._follows_end is not None:  # found in an earlier read
                    end_mark = position + self._follows_end
                else:
                    end_mark = buffer.find(_END_COMMAND, max(position, scan_from - 16))
                # A block that lost its --END COMMAND-- ends where an empty line is
                # followed by the start of a new message, rather than swallowing every
                # message after it until the size limit.
                cut = _FOLLOWS_CUT.search(
                    buffer,
                    max(position, scan_from - 24),
                    end_mark if end_mark >= 0 else len(buffer),
                )
                if cut is not None:
                    if cut.start() - position > limit:
                        raise MessageTooLargeError(cut.start() - position, limit)
                    messages.append(_build_follows(bytes(buffer[position : cut.start()])))
                    self._follows_end = None
                    position = cut.end()
                    scan_from = position
                    continue
                if end_mark < 0:
                    self._follows_pending = True  # the next read goes on with this block
                    break
                match = search(buffer, end_mark)
                if match is None:
                    self._follows_pending = True
                    self._follows_end = end_mark - position  # not to be searched for again
                    break
                self._follows_end = None
                if end_mark - position > limit:
                    raise MessageTooLargeError(end_mark - position, limit)
                messages.append(_build_follows(bytes(buffer[position:end_mark])))
                position = match.end()
                scan_from = position
                continue
            match = search(buffer, max(scan_from, position))
            if match is None:
                break
            if match.start() - position > limit:
                raise MessageTooLargeError(match.start() - position, limit)
            text = buffer[position : match.start()].decode("utf-8", "replace")
            messages.append(_build(text.replace("\r\n", "\n") if "\r" in text else text))
            position = match.end()
            scan_from = position
        return position

    def _check_size(self, size: int) -> None:
        # The unfinished message may hold up to 4 bytes of its terminator already.
        if size > self.max_message_size + 4:
            raise MessageTooLargeError(size, self.max_message_size)


def _opens_list(pending: PendingAction, response: Message, legacy: bool) -> bool:
    """Whether ``response`` begins the event list of ``pending`` (which follows lists);
    ``legacy``: the server is Asterisk 11 or older."""
    marker = response.get("EventList")
    if marker is not None:
        return marker.lower() == "start"
    # Asterisk 11 and older answer some lists (QueueStatus, SIPpeers) without the header:
    # a request that knows its list's final event takes a success as the list's start.
    # Asterisk 12 and later always send it, and answer with a plain Success where no list
    # follows (VoicemailUserStatus for an unknown mailbox): no waiting for one there.
    return legacy and bool(pending.finalisers) and response.success


def _holds_follows(buffer: bytearray, start: int) -> bool:
    """Whether a legacy ``Response: Follows`` may begin at or after ``start``."""
    # The cheap finds rule it out in almost every read; the regex confirms.
    if buffer.find(b"ollows", start) < 0 and buffer.find(b"OLLOWS", start) < 0:
        return False
    return _FOLLOWS_ANYWHERE.search(buffer, max(0, start - 32)) is not None


_CLASS_BY_EXACT_NAME: dict[str, type[Event]] = {}
# Headers of responses as Asterisk spells them: distinct in any case, none of them Output
# or Event.  A response with only these needs no further look.
_PLAIN_RESPONSE_KEYS = frozenset(
    {"Response", "ActionID", "Message", "Ping", "Timestamp", "EventList", "Challenge", "Value"}
)
_SHUTDOWN_PREFIX = itertools.repeat("Event: Shutdown\r\n")
_EVENT_PREFIX = itertools.repeat("Event: ")


def _event_class(name: str) -> type[Event]:
    cls = _CLASS_BY_EXACT_NAME.get(name)
    if cls is None:
        cls = event_class_for(name)
        if len(_CLASS_BY_EXACT_NAME) < 4096:  # event names are few; junk must not grow it
            _CLASS_BY_EXACT_NAME[name] = cls
    return cls


def build_message(text: str, cls: type[Message] | None = None, newline: str = "\r\n") -> Message:
    """Build one message from ``text``: its lines ended by ``newline``, without the blank
    line that ends it; of class ``cls`` if known (an event's from
    :func:`cached_event_class`), else worked out from the text.

    The common shape (every line ``Key: Value``, no repeats, no ``Output``) is built in
    one pass; any other shape is built line by line, with the same result.
    """
    if cls is None:
        if text.startswith("\n"):
            text = text.lstrip("\n")
        if text.startswith("Event: "):
            end = text.find(newline)
            cls = _event_class(text[7:end] if end > 0 else text[7:])
        else:
            cls = Message
    return _build_lines(text, text.split(newline), cls, newline)


def _build_lines(text: str, lines: list[str], cls: type[Message], newline: str) -> Message:
    """:func:`build_message` once ``text`` is split into ``lines`` at ``newline``."""
    message = dict.__new__(cls)
    # A loop over str.partition beats mapping str.split into the dict: no list per line.
    # Splitting at the first ": " is the header rule (see split_header_line); a line
    # without one goes to _build.
    for line in lines:
        key, separator, value = line.partition(": ")
        if not separator:  # no colon, or no space after it
            return _build(_as_lf(text, newline))
        message[key] = value
    if len(message) != len(lines):  # a key repeated
        return _build(_as_lf(text, newline))
    if cls.free_form_headers:
        # Headers a user may have written (or an unknown shape): check for a repeat in
        # another case, Output lines and a lower-case "event".  Keys all in Asterisk's
        # own spelling of a response's headers pass at once.
        if not dict.keys(message) <= _PLAIN_RESPONSE_KEYS:
            lowered = set(map(str.lower, message))
            if (
                len(lowered) != len(lines)
                or "output" in lowered
                or (cls is Message and "event" in lowered)
            ):
                return _build(_as_lf(text, newline))
    elif dict.__contains__(message, "Output"):
        return _build(_as_lf(text, newline))
    message._pairs = None
    message._data = None
    message._raw = text
    message._raw_crlf = newline != "\n"
    return message


def _as_lf(text: str, newline: str) -> str:
    return text if newline == "\n" else text.replace("\r\n", "\n")


def _as_crlf(text: str) -> str:
    """LF-separated ``text`` with CRLF line endings, as deferred event texts have."""
    return text.replace("\n", "\r\n")


def event_name(text: str) -> str:
    """The name of the event whose unparsed ``text`` (starting ``"Event: "``) is given."""
    end = text.find("\r\n")
    return text[7:end] if end > 0 else text[7:]


def build_event(text: str, name: str | None = None) -> Message:
    """Parse an event's ``text`` as :meth:`MessageParser.feed` returns it with
    ``defer_events`` (CRLF line endings, no blank line at the end); ``name`` (from
    :func:`event_name`) saves reading it again."""
    if name is None:
        name = event_name(text)
    cls = _CLASS_BY_EXACT_NAME.get(name)
    return build_message(text, _event_class(name) if cls is None else cls)


#: ``cached_event_class(name)``: the class of the event called ``name`` if it was looked
#: up before (by :func:`build_event`), else ``None``; the dispatchers pass it to
#: :func:`build_message`.  A dict's own ``get``: no Python call in between.
cached_event_class = _CLASS_BY_EXACT_NAME.get


def _build(text: str) -> Message:
    """Build one message from LF-separated ``text``, line by line (any shape)."""
    first: dict[str, str] = {}
    seen: set[str] = set()
    pairs: list[tuple[str, str]] | None = None
    data: list[str] | None = None
    event_name: str | None = None
    for line in text.split("\n"):
        # The rule of split_header_line: at the first ": ", else at the first colon.
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                if line:
                    if data is None:
                        data = []
                    data.append(line)
                continue
        lowered = key.lower()
        if lowered == "output":
            if data is None:
                data = []
            data.append(value)
        elif lowered == "event" and event_name is None:
            event_name = value
        if lowered in seen:
            if pairs is None:
                # First repeat: until now every header was new, so ``first`` is the order.
                pairs = list(first.items())
            pairs.append((key, value))
        else:
            seen.add(lowered)
            first[key] = value
            if pairs is not None:
                pairs.append((key, value))
    cls: type[Message] = Message if event_name is None else _event_class(event_name)
    return cls._from_parsed(first, pairs, data, text)


def _build_follows(block: bytes) -> Message:
    """A pre-Asterisk-14 ``Response: Follows`` block; ``block`` ends before --END COMMAND--."""
    text = block.decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").split("\n")
    headers: dict[str, str] = {}
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 - index is used after the loop
        pair = split_header_line(line)
        if pair is None or pair[0].strip().lower() not in _FOLLOWS_HEADERS:
            break
        headers[pair[0]] = pair[1]
    else:
        index = len(lines)
    output = lines[index:]
    if output and output[-1] == "":
        output.pop()
    return Message._from_parsed(headers, None, output, text)


def _check_header(name: str, value: str) -> None:
    # Plain substring tests: several times faster than a regex on short strings.
    if not name:
        raise InvalidHeaderError(name, "empty header name")
    if ":" in name or "\r" in name or "\n" in name or "\x00" in name:
        raise InvalidHeaderError(name, "a header name may not hold ':', CR, LF or NUL")
    if "\r" in value or "\n" in value or "\x00" in value:
        raise InvalidHeaderError(name, "the value holds CR, LF or NUL")


def _text(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def serialize_headers(headers: Iterable[tuple[str, object]]) -> bytes:
    """Encode headers as one AMI message (``Key: Value`` lines and an empty line).

    A list or tuple value becomes one header per item; ``None`` values are left out;
    booleans are written ``true``/``false``.  Raises
    :class:`~pystrix.ami.errors.InvalidHeaderError` before anything is encoded if a name or
    value holds CR, LF or NUL.
    """
    return _serialize([], [], headers, False)


def serialize_action(
    action: str, headers: Iterable[tuple[str, object]], action_id: str | None
) -> bytes:
    """Encode an action: ``Action`` first, then ``headers``, then ``ActionID`` last.

    Any ``Action`` or ``ActionID`` among ``headers`` is ignored in favour of the arguments.
    """
    if (
        not headers
        and type(action) is str
        and type(action_id) is str
        and action.isprintable()
        and action_id.isprintable()
    ):
        # An action with nothing else to send (Ping, CoreStatus): one f-string.  CR, LF
        # and NUL are not printable; nor are other control characters and some Unicode
        # spaces, which take the general path and are checked there as usual.
        return f"Action: {action}\r\nActionID: {action_id}\r\n\r\n".encode()
    text = action if type(action) is str else _text(action)
    lines = [f"Action: {text}\r\n"]
    names = ["Action"]
    if action_id is None:
        return _serialize(lines, names, headers, True)
    text = action_id if type(action_id) is str else _text(action_id)
    return _serialize(lines, names, headers, True, f"ActionID: {text}\r\n")


def _serialize(
    lines: list[str],
    names: list[str],
    headers: Iterable[tuple[str, object]],
    skip_ids: bool,
    last: str = "",
) -> bytes:
    """Add a line per header to ``lines`` (its name to ``names``), then ``last``, and
    encode them all, refusing any header that holds CR, LF or NUL."""
    for name, value in headers:
        if skip_ids:
            lowered = name.lower()
            if lowered == "action" or lowered == "actionid":
                continue
        if type(value) is str:  # the usual case first
            lines.append(f"{name}: {value}\r\n")
            names.append(name)
        elif value is None:
            continue
        elif isinstance(value, (list, tuple)):
            for item in value:
                if item is not None:
                    lines.append(f"{name}: {_text(item)}\r\n")
                    names.append(name)
        else:
            lines.append(f"{name}: {_text(value)}\r\n")
            names.append(name)
    if last:
        lines.append(last)
        names.append("ActionID")
    text = "".join(lines)
    # Checked all at once: as many CRs and LFs as lines means no name or value holds one.
    # Only when that fails is each header looked at, to name the first one to blame.
    count = len(lines)
    if (
        text.count("\n") != count
        or text.count("\r") != count
        or "\x00" in text
        or ":" in "".join(names)
        or "" in names
    ):
        for name, line in zip(names, lines, strict=True):
            _check_header(name, line[len(name) + 2 : -2])
    return f"{text}\r\n".encode()


class PendingAction:
    """An action sent and not yet answered in full.

    ``response`` is set when the response arrives; ``events`` collects the list items of
    a list action; ``done`` turns true when nothing more is awaited (or ``error`` is set
    because the connection failed).  ``waker`` and ``context`` belong to the front-end.

    ``aggregates`` are the :class:`~pystrix.ami.events.Aggregate` classes to build when
    the list ends, and ``finalisers`` the lower-cased names of the events that end it
    (besides any event carrying ``EventList: Complete``).  With finalisers, a successful
    response from Asterisk 11 or older opens the list even without ``EventList: start``,
    as those versions answer some lists (``QueueStatus``).
    """

    __slots__ = (
        "action",
        "action_id",
        "aggregate_name",
        "aggregates",
        "collect_events",
        "complete_event",
        "context",
        "done",
        "error",
        "events",
        "finalisers",
        "list_open",
        "payload",
        "response",
        "tracks_list",
        "waker",
    )

    def __init__(
        self,
        action: str,
        action_id: str,
        payload: bytes,
        collect_events: bool,
        aggregate_name: str | None,
        context: Any,
        aggregates: tuple[type[Aggregate], ...] = (),
        finalisers: frozenset[str] = frozenset(),
    ) -> None:
        self.action = action
        self.action_id = action_id
        self.payload = payload
        self.collect_events = collect_events
        self.aggregate_name = aggregate_name
        self.aggregates = aggregates
        self.finalisers = finalisers
        #: Whether a list answering this action is followed at all.
        self.tracks_list = collect_events or aggregate_name is not None
        self.context = context
        self.response: Message | None = None
        self.events: list[Message] = []
        self.complete_event: Message | None = None
        self.list_open = False
        self.done = False
        self.error: BaseException | None = None
        self.waker: Any = None

    def __repr__(self) -> str:
        state = "done" if self.done else ("listing" if self.list_open else "waiting")
        return f"<PendingAction {self.action} {self.action_id} {state}>"


class DeferredAggregate:
    """An aggregate event whose list has ended, to be built where callbacks run.

    Its class may be a program's own ``_Aggregate`` subclass, whose ``__init__``,
    ``_aggregate`` and ``_finalise`` are user code: they must not run on the thread that
    reads the socket.  :meth:`build` makes the aggregate (and may raise what that code
    raises).
    """

    __slots__ = ("action_id", "cls", "complete", "events", "name")

    def __init__(
        self,
        cls: type[Aggregate],
        action_id: str,
        events: list[Message],
        complete: Message,
        name: str,
    ) -> None:
        self.cls = cls
        self.action_id = action_id
        self.events = events
        self.complete = complete
        self.name = name

    def build(self) -> Aggregate:
        """The aggregate event, built by its class from the list's events."""
        return self.cls.collect(self.action_id, self.events, self.complete, self.name)

    def __repr__(self) -> str:
        return f"<DeferredAggregate {self.cls.__name__} {self.action_id}>"


#: An item out of :meth:`ClientProtocol.receive_data`: an event or orphaned response to
#: dispatch (with ``defer_events``, an event may still be its unparsed text, a ``str``:
#: see :func:`build_event`, and an aggregate a :class:`DeferredAggregate`), or a pending
#: action whose state changed (wake its waiter).
Received = Message | PendingAction | str | DeferredAggregate


class ConnectionState(enum.Enum):
    """Where a :class:`ClientProtocol` is in its connection's life; it moves itself.

    ``BANNER`` until the server's first line, then ``OPEN``.  ``CLOSING`` once Asterisk
    said it will close (``Goodbye`` to a ``Logoff``, or a ``Shutdown`` event): actions can
    still be sent.  ``CLOSED`` when the connection ended as expected (the server closed
    after saying so, or :meth:`ClientProtocol.close`), ``FAILED`` when it ended any
    other way (bad bytes, an oversized message, an unexpected close,
    :meth:`ClientProtocol.fail`).  Both last states are final: the error that ended the
    connection is in :attr:`ClientProtocol.error`, every pending action ended with it, and
    sending raises it.
    """

    BANNER = "banner"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"


_BANNER = ConnectionState.BANNER
_OPEN = ConnectionState.OPEN
_CLOSING = ConnectionState.CLOSING
_CLOSED = ConnectionState.CLOSED
_FAILED = ConnectionState.FAILED


class ClientProtocol:
    """The client side of one AMI connection, without I/O.

    Use: :meth:`send_action` returns a :class:`PendingAction` whose ``payload`` the caller
    writes; :meth:`receive_into` takes what was read and adds, in order, what to dispatch
    (:class:`~pystrix.ami.events.Event` instances, aggregates included, and responses no
    action waits for: orphans, plain :class:`~pystrix.ami.message.Message`) and which
    pending actions to wake, and returns the :class:`ConnectionState` it is in after.
    Bad bytes never escape as an exception there: the protocol moves itself to
    ``FAILED``, ends every pending action (they are among those to wake) and the
    front-end only closes its socket.  :meth:`receive_eof`, :meth:`close` and
    :meth:`fail` end the connection the other ways.

    With ``defer_events`` (as both Managers run it), events come as their text and
    aggregates as :class:`DeferredAggregate`, built later where callbacks run.

    Correlation is by ActionID, and only for ActionIDs this object issued and still
    awaits: an event is never taken for a response (``OriginateResponse`` carries
    ``Response:``), and an event carrying a foreign ActionID (UserEvent copies the
    sender's) is just an event.
    """

    def __init__(
        self,
        *,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        action_id_prefix: str | None = None,
        defer_events: bool = False,
        peer: str = "the server",
    ) -> None:
        self._parser = MessageParser(
            expect_banner=True, max_message_size=max_message_size, defer_events=defer_events
        )
        self._defer_aggregates = defer_events
        self._pending: dict[str, PendingAction] = {}
        self._lists: dict[str, PendingAction] = {}
        self._prefix = action_id_prefix or secrets.token_hex(4)
        self._counter = itertools.count(1)
        # receive_data() and receive() raise a stream error rather than fail on it.
        self._raise_errors = False
        #: Where the connection is (see :class:`ConnectionState`).
        self.state = _BANNER
        #: Who is at the other end, for error messages (``host:port``).
        self.peer = peer
        #: Set once the connection has failed or ended; no action can be sent after.
        self.error: BaseException | None = None
        #: True once Asterisk answered ``Goodbye`` (to Logoff): a close is then expected.
        self.logged_off = False
        #: True once Asterisk sent ``Shutdown``: a close is then expected too.
        self.shutdown_announced = False

    # -- state ---------------------------------------------------------------------------

    @property
    def close_expected(self) -> bool:
        """True once Asterisk said it would close: ``Goodbye`` to Logoff, or ``Shutdown``."""
        return self.logged_off or self.shutdown_announced

    @property
    def banner(self) -> str | None:
        """The server's banner line, once received."""
        return self._parser.banner

    @property
    def asterisk_version(self) -> str | None:
        """The AMI version from the banner (``11.0.0`` on Asterisk 22)."""
        return parse_version(self._parser.banner)

    @property
    def legacy_lists(self) -> bool:
        """True when the banner says Asterisk 11 or older (AMI 1.x), whose lists may come
        without ``EventList`` headers and end only at their final event."""
        version = self.asterisk_version
        if not version:
            return False
        major, _, _ = version.partition(".")
        return major.isdigit() and int(major) < 2

    @property
    def pending_count(self) -> int:
        """Actions still waiting for a response or the end of their list."""
        return len(self._pending)

    def next_action_id(self) -> str:
        """A fresh ActionID, unique for this connection."""
        return f"{self._prefix}-{next(self._counter)}"

    # -- actions in, bytes out -----------------------------------------------------------

    def send_action(
        self,
        action: str,
        headers: Iterable[tuple[str, object]] = (),
        *,
        action_id: str | None = None,
        collect_events: bool = False,
        aggregate: bool = False,
        context: Any = None,
        aggregates: tuple[type[Aggregate], ...] = (),
        finalisers: frozenset[str] = frozenset(),
    ) -> PendingAction:
        """Register an action and encode it; write the returned ``payload``.

        ``collect_events`` keeps the action's event list (``EventList: start`` ... the
        closing ``Complete`` event) in the pending action instead of dispatching it, and
        holds ``done`` back until the list ends.  ``aggregate`` also builds an aggregate
        event when the list ends: one of each class in ``aggregates``, or an
        ``<Action>_Aggregate`` if none is given.  ``finalisers`` (lower-cased event names)
        end the list too, and let it open without ``EventList: start``.  Raises
        :class:`~pystrix.ami.errors.InvalidHeaderError` (nothing registered) for a header
        that cannot be sent, :class:`ValueError` for an ActionID already in use, and, once
        the connection is ``CLOSED`` or ``FAILED``, the error that ended it (:attr:`error`,
        a :class:`~pystrix.ami.errors.ManagerSocketError` unless :meth:`fail` was given
        another).
        """
        if self.error is not None:
            raise self.error
        waiting = self._pending
        if action_id is None:
            action_id = f"{self._prefix}-{next(self._counter)}"
            while action_id in waiting or action_id in self._lists:
                action_id = self.next_action_id()  # a caller chose this one already
        elif action_id in waiting or action_id in self._lists:
            raise ValueError(f"ActionID {action_id!r} is already awaiting a response")
        payload = serialize_action(action, headers, action_id)
        pending = PendingAction(
            action,
            action_id,
            payload,
            collect_events,
            f"{action}_Aggregate" if aggregate else None,
            context,
            aggregates if aggregate else (),
            finalisers,
        )
        waiting[action_id] = pending
        return pending

    def abandon(self, action_id: str) -> None:
        """Forget an action whose waiter gave up; a late response becomes an orphan."""
        self._pending.pop(action_id, None)
        self._lists.pop(action_id, None)

    # -- bytes in, messages out ----------------------------------------------------------

    def receive_into(
        self, data: bytes | bytearray | memoryview, dispatch: list[Any], wake: list[Any]
    ) -> ConnectionState:
        """Feed received bytes: append what to dispatch to ``dispatch`` and the pending
        actions to wake to ``wake`` (both in order; they may be one list), and return the
        state the connection is in now.

        Never raises for what the server sent: a malformed stream or an oversized message
        moves the protocol to ``FAILED`` (:attr:`error` says why) and ends every pending
        action, each appended to ``wake``; the front-end then closes its socket.  Bytes
        fed after the connection ended are ignored.
        """
        if self.error is not None:
            return self.state
        parser = self._parser
        try:
            messages = parser.feed(data)
        except RemoteProtocolError as exc:
            if self._raise_errors:  # receive_data()'s contract
                raise
            wake.extend(self.fail(exc))
            return self.state
        if self.state is _BANNER and parser.banner is not None:
            self.state = _OPEN
        lists = self._lists
        if parser.events_only and not lists:
            # Texts of events only, none of which can belong to a list: nothing to look
            # at per event beyond the Shutdown notice, which one search of the whole read
            # rules out in almost every read.
            if (
                not self.shutdown_announced
                and "Event: Shutdown" in parser.events_text
                and any(map(str.startswith, messages, _SHUTDOWN_PREFIX))
            ):
                self._announce_close()
            dispatch.extend(messages)
            return self.state
        for message in messages:
            if type(message) is str:
                if message.startswith("Event: Shutdown\r\n"):
                    self._announce_close()
                # Only an event that may belong to an open list must be parsed now.
                if not lists or "actionid" not in message.lower():
                    dispatch.append(message)
                    continue
                message = build_event(message)
            if isinstance(message, Event):
                if message.name == "Shutdown":
                    self._announce_close()
                if lists:
                    action_id = message.get("ActionID")
                    if action_id is not None and action_id in lists:
                        self._list_item(lists[action_id], message, dispatch, wake)
                        continue
                dispatch.append(message)
                continue
            # A response.  Exact-case look-ups first: Asterisk's spelling is the usual case.
            action_id = dict.get(message, "ActionID") or message.get("ActionID")
            pending = None if action_id is None else self._pending.get(action_id)
            if pending is None or pending.response is not None:
                dispatch.append(message)  # an orphan: nobody is waiting for it
                continue
            pending.response = message
            if (dict.get(message, "Response") or message.get("Response")) == "Goodbye":
                self._announce_close(logoff=True)
            if pending.tracks_list and _opens_list(pending, message, self.legacy_lists):
                pending.list_open = True
                lists[action_id] = pending
                if not pending.collect_events:
                    pending.done = True
                    del self._pending[action_id]
            else:
                pending.done = True
                del self._pending[action_id]
            wake.append(pending)
        return self.state

    def receive_data(self, data: bytes | bytearray | memoryview) -> list[Received]:
        """Feed received bytes; return what to dispatch and whom to wake, in one list.

        The older form of :meth:`receive_into`: it raises
        :class:`~pystrix.ami.errors.RemoteProtocolError` (in practice
        :class:`~pystrix.ami.errors.MessageTooLargeError`) instead of failing itself; call
        :meth:`fail` with it to release every waiter.
        """
        out: list[Received] = []
        self._raise_errors = True
        try:
            self.receive_into(data, out, out)
        finally:
            self._raise_errors = False
        return out

    def receive(
        self, data: bytes | bytearray | memoryview
    ) -> tuple[list[Message | str], list[PendingAction]]:
        """As :meth:`receive_data`, split in two: what to dispatch (in order) and the
        pending actions to wake (in order)."""
        dispatch: list[Any] = []
        wake: list[Any] = []
        self._raise_errors = True
        try:
            self.receive_into(data, dispatch, wake)
        finally:
            self._raise_errors = False
        return dispatch, wake

    def _list_item(
        self, pending: PendingAction, event: Event, dispatch: list[Any], wake: list[Any]
    ) -> None:
        ends = (event.get("EventList") or "").lower() == "complete" or (
            event.name.lower() in pending.finalisers
        )
        if not ends:
            pending.events.append(event)
            if not pending.collect_events:
                dispatch.append(event)
            return
        pending.complete_event = event
        pending.list_open = False
        del self._lists[pending.action_id]
        if not pending.collect_events:
            dispatch.append(event)
        if pending.aggregate_name:
            dispatch.extend(self._aggregate(pending, event, self._defer_aggregates))
        if pending.collect_events:
            pending.done = True
            self._pending.pop(pending.action_id, None)
            wake.append(pending)

    @staticmethod
    def _aggregate(
        pending: PendingAction, complete: Event, defer: bool
    ) -> list[Aggregate] | list[DeferredAggregate]:
        name = pending.aggregate_name or ""
        classes = pending.aggregates
        if not classes:
            found = event_class_for(name)
            classes = (found if issubclass(found, Aggregate) else Aggregate,)
        deferred = [
            DeferredAggregate(cls, pending.action_id, pending.events, complete, name)
            for cls in classes
        ]
        return deferred if defer else [item.build() for item in deferred]

    def _announce_close(self, *, logoff: bool = False) -> None:
        """Asterisk said it will close: a Goodbye to Logoff, or a Shutdown event."""
        if logoff:
            self.logged_off = True
        else:
            self.shutdown_announced = True
        if self.state is _OPEN:
            self.state = _CLOSING

    def receive_eof(self) -> list[PendingAction]:
        """The server closed the connection: end and return every pending action.

        The state becomes ``CLOSED`` if Asterisk said it would close (see
        :attr:`close_expected`), ``FAILED`` otherwise.
        """
        error = ManagerSocketError(f"{self.peer} closed the connection")
        return self._end(error, _CLOSED if self.close_expected else _FAILED)

    def close(self) -> list[PendingAction]:
        """This side ends the connection: ``CLOSED``; end and return every pending action."""
        return self._end(ManagerSocketError("the connection was closed by this client"), _CLOSED)

    def fail(self, error: BaseException) -> list[PendingAction]:
        """The connection failed with ``error`` (a reset, a keepalive unanswered):
        ``FAILED``; end and return every pending action."""
        return self._end(error, _FAILED)

    def _end(self, error: BaseException, state: ConnectionState) -> list[PendingAction]:
        """Move to the final ``state`` with ``error``, once: a later end keeps the first
        error and ends nothing more."""
        if self.error is not None:
            return []
        self.error = error
        self.state = state
        ended = list(self._pending.values())
        for pending in self._lists.values():
            if pending not in ended and not pending.done:
                ended.append(pending)
        for pending in ended:
            pending.error = error
            pending.done = True
        self._pending.clear()
        self._lists.clear()
        return ended
