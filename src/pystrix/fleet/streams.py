"""The bridge's layout in Redis: key names and the fields of every entry, both ways.

One module so that the bridge (:mod:`pystrix.fleet.bridge`) and the services' client
(:mod:`pystrix.fleet.redis`) cannot disagree.  No I/O here and no import of ``redis``:
values are ``str`` going out, and ``bytes`` or ``str`` coming back (as redis-py returns
them with or without ``decode_responses``).

For a prefix ``P`` and a server ``S``:

- ``P:events:S``: a stream of :class:`EventEntry` and :class:`GapEntry` records, in the
  order the server sent its events;
- ``P:actions:S``: a stream of :class:`ActionEntry` records, read by the bridge that owns
  ``S`` in consumer group :data:`ACTION_GROUP`;
- ``P:lease:S``: the id of the bridge that owns ``S`` (``SET NX PX``);
- ``P:inflight:S``: a hash of action entry ids to the bridge that was writing them to
  Asterisk (set before the write, so a crash leaves the outcome known to be unknown);
- ``P:servers``: the set of configured server names; ``P:bridges``: a sorted set of
  bridge ids by their last heartbeat (milliseconds);
- ``P:reply:<id>``: a list where the bridge pushes the one JSON reply a caller waits for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..ami.message import Message

__all__ = [
    "ACTION_GROUP",
    "ERROR_KINDS",
    "GAP_REASONS",
    "ActionEntry",
    "EntryError",
    "EventEntry",
    "GapEntry",
    "Reply",
    "StreamEntry",
    "actions_key",
    "bridges_key",
    "decode_stream_entry",
    "events_key",
    "inflight_key",
    "lease_key",
    "reply_key",
    "servers_key",
    "wire_text",
]

#: The consumer group of every action stream.
ACTION_GROUP = "bridge"
#: Why a gap entry was written.
GAP_REASONS = ("buffer_full", "no_bridge", "disconnected")
#: The ``error.kind`` values of a :class:`Reply`.
ERROR_KINDS = (
    "unknown_server",
    "bad_entry",
    "unsafe_header",
    "expired",
    "outcome_unknown",
    "not_connected",
    "too_large",
    "refused_action",
)

_SERVER_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def _checked(server: str) -> str:
    # A name with ':' or spaces would make keys ambiguous; the configuration refuses
    # them too, this guards the keys built from elsewhere.
    if not _SERVER_NAME.fullmatch(server):
        raise ValueError(f"not a server name usable in a Redis key: {server!r}")
    return server


def events_key(prefix: str, server: str) -> str:
    """The stream of ``server``'s events."""
    return f"{prefix}:events:{_checked(server)}"


def actions_key(prefix: str, server: str) -> str:
    """The stream of actions for ``server``."""
    return f"{prefix}:actions:{_checked(server)}"


def lease_key(prefix: str, server: str) -> str:
    """The key holding the id of the bridge that owns ``server``."""
    return f"{prefix}:lease:{_checked(server)}"


def inflight_key(prefix: str, server: str) -> str:
    """The hash of ``server``'s actions being written to Asterisk."""
    return f"{prefix}:inflight:{_checked(server)}"


def servers_key(prefix: str) -> str:
    """The set of configured server names."""
    return f"{prefix}:servers"


def bridges_key(prefix: str) -> str:
    """The sorted set of live bridges (score: last heartbeat, milliseconds)."""
    return f"{prefix}:bridges"


def reply_key(prefix: str, request_id: str) -> str:
    """The list where the reply to request ``request_id`` is pushed."""
    return f"{prefix}:reply:{request_id}"


def wire_text(message: Message) -> str:
    """``message`` as received (CR LF line endings, no closing blank line): the ``raw`` of
    an event entry and the texts of a reply.  A message built in code, with no text of
    its own, is written from its headers (and data lines)."""
    raw = message.raw
    if raw is None:
        lines = [f"{name}: {value}" for name, value in message.header_pairs()]
        lines.extend(message.data)
        return "\r\n".join(lines)
    return raw.rstrip("\n").replace("\n", "\r\n")


class EntryError(ValueError):
    """A stream entry that does not have the fields its kind needs."""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _fields(raw: Mapping[Any, Any]) -> dict[str, str]:
    return {_text(key): _text(value) for key, value in raw.items()}


def _need(fields: Mapping[str, str], name: str) -> str:
    try:
        return fields[name]
    except KeyError:
        raise EntryError(f"the entry has no {name!r} field") from None


def _number(fields: Mapping[str, str], name: str) -> float:
    value = _need(fields, name)
    try:
        return float(value)
    except ValueError:
        raise EntryError(f"the entry's {name!r} is not a number: {value[:40]!r}") from None


@dataclass(frozen=True)
class EventEntry:
    """One event as the bridge received it.

    ``raw`` is the message's header lines as received (``Name: value`` joined by CR LF,
    repeated headers kept, no closing blank line); ``seq`` counts the events of one
    connection from 1, and ``connection`` names that connection, so a consumer can tell
    a reconnect (a new ``connection``) from a loss (a jump in ``seq``).
    """

    server: str
    connection: str
    seq: int
    time: float
    raw: str

    def fields(self) -> dict[str, str]:
        """The stream entry's fields."""
        return {
            "kind": "event",
            "server": self.server,
            "conn": self.connection,
            "seq": str(self.seq),
            "time": repr(self.time),
            "raw": self.raw,
        }


@dataclass(frozen=True)
class GapEntry:
    """Events that could not be carried: ``dropped`` of them (``None``: not known) between
    ``start`` and ``end`` (epoch seconds), for ``reason`` (one of :data:`GAP_REASONS`)."""

    server: str
    reason: str
    dropped: int | None
    start: float
    end: float
    time: float

    def fields(self) -> dict[str, str]:
        """The stream entry's fields."""
        return {
            "kind": "gap",
            "server": self.server,
            "reason": self.reason,
            "dropped": "unknown" if self.dropped is None else str(self.dropped),
            "start": repr(self.start),
            "end": repr(self.end),
            "time": repr(self.time),
        }


StreamEntry = EventEntry | GapEntry


def decode_stream_entry(raw: Mapping[Any, Any]) -> StreamEntry:
    """An events stream entry's fields (as redis-py returns them) as an entry."""
    fields = _fields(raw)
    kind = _need(fields, "kind")
    if kind == "event":
        return EventEntry(
            server=_need(fields, "server"),
            connection=_need(fields, "conn"),
            seq=int(_number(fields, "seq")),
            time=_number(fields, "time"),
            raw=_need(fields, "raw"),
        )
    if kind == "gap":
        dropped = _need(fields, "dropped")
        return GapEntry(
            server=_need(fields, "server"),
            reason=_need(fields, "reason"),
            dropped=None if dropped == "unknown" else int(_number(fields, "dropped")),
            start=_number(fields, "start"),
            end=_number(fields, "end"),
            time=_number(fields, "time"),
        )
    raise EntryError(f"unknown entry kind {kind[:40]!r}")


@dataclass(frozen=True)
class ActionEntry:
    """An action a service asks the bridge to send to ``server``.

    ``headers`` excludes ``Action`` and ``ActionID`` (the bridge's Manager sets them);
    ``deadline`` is when the caller stops waiting (epoch seconds): past it the bridge does
    not send.  ``collect_list`` asks for the action's event list (a synchronous request).
    """

    request_id: str
    server: str
    action: str
    headers: tuple[tuple[str, str], ...]
    reply_to: str
    deadline: float
    collect_list: bool = False

    def fields(self) -> dict[str, str]:
        """The stream entry's fields."""
        return {
            "id": self.request_id,
            "server": self.server,
            "action": self.action,
            "headers": json.dumps([list(pair) for pair in self.headers]),
            "reply_to": self.reply_to,
            "deadline": repr(self.deadline),
            "list": "1" if self.collect_list else "0",
        }

    @classmethod
    def decode(cls, raw: Mapping[Any, Any]) -> ActionEntry:
        """An action stream entry's fields as an entry; :class:`EntryError` if malformed
        (the bridge then answers ``bad_entry`` where it can)."""
        fields = _fields(raw)
        try:
            pairs = json.loads(_need(fields, "headers"))
        except json.JSONDecodeError as exc:
            raise EntryError(f"the entry's headers are not JSON: {exc}") from None
        if not isinstance(pairs, list) or not all(
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(part, str) for part in pair)
            for pair in pairs
        ):
            raise EntryError("the entry's headers are not a list of [name, value] strings")
        return cls(
            request_id=_need(fields, "id"),
            server=_need(fields, "server"),
            action=_need(fields, "action"),
            headers=tuple((name, value) for name, value in pairs),
            reply_to=_need(fields, "reply_to"),
            deadline=_number(fields, "deadline"),
            collect_list=fields.get("list") == "1",
        )


@dataclass(frozen=True)
class Reply:
    """What the bridge pushes to an action's ``reply_to`` list (as JSON).

    ``ok`` false with ``error_kind`` (one of :data:`ERROR_KINDS`) and ``error_message``
    when the action was not carried out, or its outcome is unknown; otherwise
    ``response`` is Asterisk's response as received and ``events`` its event list.
    """

    request_id: str
    ok: bool
    error_kind: str | None = None
    error_message: str | None = None
    response: str | None = None
    events: Sequence[str] = field(default_factory=tuple)
    events_timeout: bool = False
    action_id: str | None = None
    elapsed: float = 0.0

    def to_json(self) -> str:
        """The reply as the JSON document pushed to Redis."""
        error = (
            None
            if self.error_kind is None
            else {"kind": self.error_kind, "message": self.error_message or ""}
        )
        return json.dumps(
            {
                "id": self.request_id,
                "ok": self.ok,
                "error": error,
                "response": self.response,
                "events": list(self.events),
                "events_timeout": self.events_timeout,
                "action_id": self.action_id,
                "elapsed": self.elapsed,
            }
        )

    @classmethod
    def from_json(cls, document: bytes | str) -> Reply:
        """A reply read back from Redis; :class:`EntryError` if it is not one."""
        try:
            data = json.loads(document)
        except json.JSONDecodeError as exc:
            raise EntryError(f"a reply that is not JSON: {exc}") from None
        if not isinstance(data, dict) or "id" not in data or "ok" not in data:
            raise EntryError("a reply without its id or ok fields")
        error = data.get("error") or {}
        return cls(
            request_id=str(data["id"]),
            ok=bool(data["ok"]),
            error_kind=error.get("kind"),
            error_message=error.get("message"),
            response=data.get("response"),
            events=tuple(data.get("events") or ()),
            events_timeout=bool(data.get("events_timeout")),
            action_id=data.get("action_id"),
            elapsed=float(data.get("elapsed") or 0.0),
        )
