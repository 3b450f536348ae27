"""AMI messages: an ordered, case-insensitive multi-dict of headers.

A :class:`Message` is a ``dict`` (as pystrix 1.x messages were) that maps each header name,
spelled as Asterisk sent it, to its first value.  Look-ups ignore case, so
``event["uniqueid"]`` works as well as ``event["Uniqueid"]``.  Headers that repeat
(``Variable``, ``ChanVariable``, ``Output``, a UserEvent's duplicated keys) keep every
value: :meth:`Message.get_all` returns them in order and :meth:`Message.header_pairs`
gives every header, in order, as it arrived.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar, overload

__all__ = [
    "COMMON_HEADER_KINDS",
    "EVENT_GENERIC",
    "FAILED_RESPONSES",
    "KEY_ACTION",
    "KEY_ACTIONID",
    "KEY_EVENT",
    "KEY_RESPONSE",
    "RESPONSE_GENERIC",
    "Message",
    "convert_value",
    "split_header_line",
]

#: The ``name`` of a message that carries neither ``Event`` nor ``Response``.
EVENT_GENERIC = "Generic Event"
#: Kept for pystrix 1.x compatibility: the ``name`` a response without a value would have.
RESPONSE_GENERIC = "Generic Response"

_T = TypeVar("_T")

#: ``Response`` values (lower-cased) that mean the action failed.
FAILED_RESPONSES = frozenset({"error", "failure", "fail"})

#: Header names, as pystrix 1.x exported them.
KEY_ACTION = "Action"
KEY_ACTIONID = "ActionID"
KEY_EVENT = "Event"
KEY_RESPONSE = "Response"
_TRUE = frozenset({"yes", "true", "on", "1", "y", "t"})
_FALSE = frozenset({"no", "false", "off", "0", "n", "f"})

#: Headers whose meaning is the same wherever they appear, lower-cased, with their kind
#: (see :func:`convert_value`).  Event classes add their own in ``header_kinds``.
COMMON_HEADER_KINDS: Mapping[str, str] = {
    "listitems": "int",
    "items": "int",
    "eventversion": "int",
    "uptime": "int",
    "lastreload": "int",
    "timestamp": "time",
    "eventtv": "time",
    "sessiontv": "time",
    "newmessages": "int",
    "oldmessages": "int",
    "urgmessages": "int",
}


def _to_time(text: str) -> datetime.datetime | None:
    """An AMI time: epoch seconds (``0`` means never: ``None``) or an ISO 8601 stamp."""
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds == 0:
            return None
        return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    stamp = text.strip()
    # Asterisk writes "+0000"; fromisoformat before 3.11 wants "+00:00".
    if len(stamp) > 5 and stamp[-5] in "+-" and stamp[-4:].isdigit():
        stamp = f"{stamp[:-2]}:{stamp[-2:]}"
    return datetime.datetime.fromisoformat(stamp)


def _to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _to_duration(text: str) -> int:
    """``HH:MM:SS`` (or plain seconds) as seconds."""
    total = 0
    for part in text.strip().split(":"):
        total = total * 60 + int(part)
    return total


_CONVERTERS: dict[str, Any] = {
    "int": int,
    "float": float,
    "bool": _to_bool,
    "time": _to_time,
    "duration": _to_duration,
}


def convert_value(kind: str, text: str) -> Any:
    """``text`` as ``kind``: ``int``, ``float``, ``bool`` (yes/no, true/false, 1/0, on/off),
    ``time`` (an aware :class:`datetime.datetime`, from epoch seconds or ISO 8601; ``None``
    for ``0``, which Asterisk uses for "never") or ``duration`` (``HH:MM:SS`` in seconds).

    Raises :class:`ValueError` when the text does not convert.
    """
    return _CONVERTERS[kind](text)


def split_header_line(line: str) -> tuple[str, str] | None:
    """Split ``Key: Value`` at the first ``": "``, or at the first colon if the line has no
    colon followed by a space; ``None`` for a line without a colon.

    Asterisk writes ``Key: Value``, and a key may itself hold a colon where a channel name
    is part of it (``ChanVariable(SIP/[2001:db8::1]:5060-0001): NAME=value``).  Exactly
    one space after the colon is dropped, so a value's own leading spaces, such as the
    indentation in ``Command`` output, survive, and ``ActionID:x`` (no space) still parses.
    """
    key, sep, value = line.partition(": ")
    if sep:
        return key, value
    key, sep, value = line.partition(":")
    return (key, value) if sep else None


def _split_lines(lines: list[str], data: list[str] | None) -> tuple[list[Any], list[str] | None]:
    """Header pairs and other lines from a message's text lines (pystrix 1.x's form)."""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        text = line.rstrip("\r\n")
        pair = split_header_line(text)
        if pair is not None:
            pairs.append(pair)
        elif text:
            data = [*(data or []), text]
    return pairs, data


class Message(dict[str, str]):
    """One AMI message: a response, an event or an action.

    The mapping holds each header's first value under the name as received; look-ups
    ignore case.  Extra attributes:

    * ``name``: the ``Event`` header for an event, the ``Response`` value (``Success``,
      ``Error``, ...) for a response, the ``Action`` for an action.
    * ``action_id``: the ``ActionID`` header, or ``None``.
    * ``data``: lines that are not headers: the output of ``Command`` (one item per line,
      from either output format) and any line that had no colon.
    * ``raw``: the message's text as received, with line endings made LF (``None`` for a
      message built in code).  pystrix 1.x's was a list of lines that its own parser had
      already emptied of the headers.
    * ``headers``: the headers as a plain ``dict`` (a copy: pystrix 1.x's ``headers`` was
      the message itself, so writes through it changed the message; here they do not).

    As in pystrix 1.x, a message compares equal to a string that is its ``name``
    (``event == "Hangup"``, exactly: case counts) and to a dict as a dict does; it stays
    unhashable.  :meth:`process` gives ``(headers, data)``.  ``str()`` is the plain dict
    text 1.x printed; ``repr()`` adds the class and name.  A message takes attributes of
    a program's own (a request's ``process_response`` may set ``response.success``).
    """

    # __dict__: pystrix 1.x messages were plain objects that programs annotated; the
    # attribute dictionary is only made when one is set.
    __slots__ = ("__dict__", "_data", "_pairs", "_raw", "_raw_crlf")

    #: The event name a subclass stands for; ``None`` on generic messages.
    event_name: ClassVar[str | None] = None
    #: True when a sender other than Asterisk chooses the header names (responses, an
    #: unknown event, UserEvent), so the parser must check them for repeats in another
    #: case; Asterisk's own typed events spell each header one way and skip that check.
    free_form_headers: ClassVar[bool] = True
    #: Lower-cased header name to kind, for :meth:`typed` (event classes extend it).
    header_kinds: ClassVar[Mapping[str, str]] = COMMON_HEADER_KINDS

    _data: list[str] | None
    _pairs: list[tuple[str, str]] | None
    # The text as received; an event parsed straight from the wire keeps its CRLF line
    # endings (``_raw_crlf``) and ``raw`` makes them LF only when someone asks.
    _raw: str | None
    _raw_crlf: bool

    def __init__(
        self,
        headers: Iterable[tuple[str, str]] | Iterable[str] | dict[str, str] = (),
        data: list[str] | None = None,
        raw: str | None = None,
    ) -> None:
        pairs: list[Any] = list(headers.items()) if isinstance(headers, dict) else list(headers)
        if pairs and isinstance(pairs[0], str):
            # pystrix 1.x built a message from its lines ("Key: Value\r\n" each), as
            # programs' own tests still do; a line that is no header goes to ``data``.
            pairs, data = _split_lines(pairs, data)
        first: dict[str, str] = {}
        seen: set[str] = set()
        repeated = False
        for key, value in pairs:
            lowered = key.lower()
            if lowered in seen:
                repeated = True
            else:
                seen.add(lowered)
                first[key] = value
        super().__init__(first)
        self._pairs = pairs if repeated else None
        self._data = data
        self._raw = raw
        self._raw_crlf = False

    @classmethod
    def _from_parsed(
        cls: type[_M],
        first: dict[str, str],
        pairs: list[tuple[str, str]] | None,
        data: list[str] | None,
        raw: str | None,
    ) -> _M:
        """Build a message from what the parser already split (no second pass)."""
        message = dict.__new__(cls)
        dict.__init__(message, first)
        message._pairs = pairs
        message._data = data
        message._raw = raw
        message._raw_crlf = False
        return message

    @property
    def raw(self) -> str | None:
        """The message's text as received, with line endings made LF (``None`` for a
        message built in code)."""
        if self._raw_crlf:
            assert self._raw is not None
            return self._raw.replace("\r\n", "\n")
        return self._raw

    @raw.setter
    def raw(self, text: str | None) -> None:
        self._raw = text
        self._raw_crlf = False

    # -- case-insensitive access -------------------------------------------------------

    def _real_key(self, key: object) -> str | None:
        if not isinstance(key, str):
            return None
        lowered = key.lower()
        for candidate in dict.keys(self):
            if candidate.lower() == lowered:
                return candidate
        return None

    def __getitem__(self, key: str) -> str:
        try:
            return dict.__getitem__(self, key)
        except KeyError:
            real = self._real_key(key)
            if real is None:
                raise
            return dict.__getitem__(self, real)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._real_key(key) is not None

    @overload
    def get(self, key: str, default: None = None, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str, /) -> str: ...
    @overload
    def get(self, key: str, default: _T, /) -> str | _T: ...
    def get(self, key: str, default: Any = None, /) -> Any:
        """The first value of header ``key`` (any case), or ``default``."""
        try:
            return dict.__getitem__(self, key)
        except KeyError:
            real = self._real_key(key)
            return default if real is None else dict.__getitem__(self, real)

    def get_all(self, key: str) -> list[str]:
        """Every value of header ``key`` (any case), in the order received."""
        lowered = key.lower()
        return [value for name, value in self.header_pairs() if name.lower() == lowered]

    def header_pairs(self) -> list[tuple[str, str]]:
        """Every header as ``(name, value)``, repeats included, in the order received."""
        if self._pairs is not None:
            return list(self._pairs)
        return list(dict.items(self))

    # -- typed access ------------------------------------------------------------------

    def typed(self, key: str, default: Any = None) -> Any:
        """Header ``key`` converted to its known type, else the string; ``default`` if absent.

        The known types are the class's ``header_kinds`` (numbers, booleans, times; see
        :func:`convert_value`).  A value that does not convert is returned as received.
        """
        value = self.get(key)
        if value is None:
            return default
        kind = self.header_kinds.get(key.lower())
        if kind is None:
            return value
        try:
            return convert_value(kind, value)
        except ValueError:
            return value

    def _convert(self, kind: str, key: str, default: Any) -> Any:
        value = self.get(key)
        if value is None:
            return default
        try:
            return convert_value(kind, value)
        except ValueError:
            return default

    def get_int(self, key: str, default: int | None = None) -> int | None:
        """Header ``key`` as an ``int``; ``default`` if absent or not a number."""
        result: int | None = self._convert("int", key, default)
        return result

    def get_float(self, key: str, default: float | None = None) -> float | None:
        """Header ``key`` as a ``float``; ``default`` if absent or not a number."""
        result: float | None = self._convert("float", key, default)
        return result

    def get_bool(self, key: str, default: bool | None = None) -> bool | None:
        """Header ``key`` as a ``bool`` (yes/no, true/false, 1/0, on/off); else ``default``."""
        result: bool | None = self._convert("bool", key, default)
        return result

    def get_time(
        self, key: str, default: datetime.datetime | None = None
    ) -> datetime.datetime | None:
        """Header ``key`` as an aware ``datetime`` (epoch seconds or ISO 8601; ``0`` is
        ``None``); ``default`` if absent or not a time."""
        result: datetime.datetime | None = self._convert("time", key, default)
        return result

    @property
    def variables(self) -> dict[str, str]:
        """The ``Variable`` and ``ChanVariable`` headers of the form ``NAME=value``, as a dict.

        Asterisk repeats these headers, one per variable (a ``Status`` event with
        ``Variables``, channel events with ``channelvars``); ``VarSet``'s ``Variable: NAME``
        (no ``=``) is not one of them.  A name set twice keeps its last value.

        Only the forms that do not name a channel are here: Asterisk 12 and later write
        ``ChanVariable: NAME=value`` for the event's own channel.  Asterisk 1.8 to 11 name
        the channel in the header (``ChanVariable(SIP/1000-00000001): NAME=value``), and
        an event about two channels carries both channels' variables, often under the
        same names; those, and the ``<Prefix>ChanVariable`` headers of an event's other
        channels, are in :attr:`channel_variables`, kept apart per channel.
        """
        found: dict[str, str] = {}
        for key, value in self.header_pairs():
            lowered = key.lower()
            if lowered == "chanvariable" or lowered == "variable":
                name, sep, text = value.partition("=")
                if sep:
                    found[name] = text
        return found

    @property
    def channel_variables(self) -> dict[str, dict[str, str]]:
        """Channel variables per channel: ``{channel: {NAME: value}}``, channels in order of
        first appearance.

        * ``ChanVariable(<channel>): NAME=value`` (Asterisk 1.8 to 11) belongs to the
          channel named in the header.
        * ``<Prefix>ChanVariable: NAME=value`` (Asterisk 12 and later: ``ChanVariable``
          beside ``Channel``, ``DestChanVariable`` beside ``DestChannel``, ...) belongs
          to the channel in the message's ``<Prefix>Channel`` header, or to ``""`` if
          the message has no such header.

        So ``event.channel_variables.get(event["Channel"], {})`` is the event's own
        channel's variables whichever version sent it.  A name set twice for one channel
        keeps its last value; values without ``=`` are left out, as in :attr:`variables`.
        """
        found: dict[str, dict[str, str]] = {}
        for key, value in self.header_pairs():
            lowered = key.lower()
            if lowered.startswith("chanvariable(") and lowered.endswith(")"):
                channel = key[len("chanvariable(") : -1]
            elif lowered.endswith("chanvariable"):
                prefix = key[: -len("chanvariable")]
                channel = self.get(prefix + "Channel") or ""
            else:
                continue
            name, sep, text = value.partition("=")
            if sep:
                found.setdefault(channel, {})[name] = text
        return found

    # -- pystrix 1.x attributes --------------------------------------------------------

    @property
    def name(self) -> str:
        """The event name, the response value or the action name."""
        for key in ("Event", "Response", "Action"):
            value = self.get(key)
            if value is not None:
                return value
        return EVENT_GENERIC

    @property
    def action_id(self) -> str | None:
        """The ``ActionID`` header, or ``None``."""
        return self.get("ActionID")

    @property
    def headers(self) -> dict[str, str]:
        """The headers as a plain ``dict`` (first value of each)."""
        return dict(self)

    @property
    def data(self) -> list[str]:
        """Lines that are not headers; for ``Command``, the output lines."""
        if self._data is None:
            self._data = []
        return self._data

    @data.setter
    def data(self, lines: list[str]) -> None:
        self._data = lines

    def process(self) -> tuple[dict[str, Any], list[str]]:
        """``(headers, data)``: a plain ``dict`` copy of the headers and a copy of ``data``
        (pystrix 1.x's method).  Event classes override it to convert typed values."""
        return dict(self), list(self.data)

    @property
    def is_event(self) -> bool:
        """True for an event (a message with an ``Event`` header)."""
        return self.get("Event") is not None

    @property
    def is_response(self) -> bool:
        """True for a response: a ``Response`` header and no ``Event`` header.

        ``OriginateResponse`` events carry ``Response:`` too; they are events.
        """
        return self.get("Event") is None and self.get("Response") is not None

    # pystrix 1.x compared a message with a string by its name (``if event == "Hangup"``);
    # anything else compares as a dict.  __ne__ too: dict's own would ignore __eq__.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.name == other
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.name != other
        return dict.__ne__(self, other)

    @property
    def success(self) -> bool:
        """False when the ``Response`` header says ``Error`` (or ``Failure``), else true,
        unless set: a request's ``process_response`` may decide (1.x's ``success``), and
        ``send_action``'s ``success`` is then what it decided."""
        decided = self.__dict__.get("_success")
        if decided is not None:
            return bool(decided)
        value = self.get("Response")
        return value is None or value.lower() not in FAILED_RESPONSES

    @success.setter
    def success(self, value: bool) -> None:
        self.__dict__["_success"] = bool(value)

    def __str__(self) -> str:
        return dict.__repr__(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {dict(self)!r}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.header_pairs(), self._data, self.raw))


_M = TypeVar("_M", bound=Message)
