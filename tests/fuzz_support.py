"""Inputs and oracles shared by the fuzz tests (``test_fuzz_*.py``) and ``fuzzing/``.

Three pieces, all deterministic given their arguments so that the hypothesis tests and the
atheris harness drive the same code:

* **Seeds**: what Asterisk really sent, from the recorded transcripts
  (:func:`ami_seed_chunks`, :func:`agi_seed_chunks`), cut into windows small enough that a
  byte-by-byte feed stays cheap.
* **Mutations**: :class:`Op` and :func:`mutate` (bit flips, insertions, deletions,
  truncations, duplicated, swapped and dropped chunks, CRLF/LF swaps, huge lines) and
  :func:`deliver` (whole, recorded chunks, byte by byte, arbitrary cuts).
* **Oracles**: :class:`ClientRun` feeds a :class:`~pystrix.ami.protocol.ClientProtocol`
  and checks its invariants after every read; :func:`parse_ami` and :func:`run_agi` feed
  the AMI parser and the AGI state machine and allow only their documented errors.  Each
  returns a *trace*: a comparable record of everything produced, so that two deliveries of
  the same bytes can be compared.

This module does not import pytest; it is not collected itself.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st

from pystrix.agi.errors import AGIException, AGIProtocolError, AGIUnknownError
from pystrix.agi.protocol import (
    AGIProtocol,
    ConnectionClosed,
    Environment,
    HangupNotice,
    Reply,
    check_reply,
    parse_reply,
)
from pystrix.ami.errors import InvalidHeaderError, MessageTooLargeError, RemoteProtocolError
from pystrix.ami.events import Event
from pystrix.ami.message import Message
from pystrix.ami.protocol import (
    ClientProtocol,
    DeferredAggregate,
    MessageParser,
    PendingAction,
    build_event,
)
from transcripts import ami_transcript_names, recv_chunks

__all__ = [
    "ACTION_KINDS",
    "AGI_TRANSCRIPT",
    "CUTS",
    "DELIVERIES",
    "GENERATED_PREFIX",
    "MUTATION_KINDS",
    "OP",
    "OPS",
    "TOKENS",
    "ClientRun",
    "Op",
    "action_ids_in",
    "agi_seed_chunks",
    "ami_seed_chunks",
    "deliver",
    "interpret_quietly",
    "mutate",
    "parse_ami",
    "run_agi",
    "snapshot",
]

#: The FastAGI recording: its ``recv`` side is what Asterisk sent to the FastAGI server.
AGI_TRANSCRIPT = "22-fastagi.jsonl"

#: How a fuzzed action waits: a plain response, its event list kept in the pending action,
#: or an ``<Action>_Aggregate`` event built when its list ends (or both).
ACTION_KINDS = ("plain", "collect", "aggregate", "collect+aggregate")

#: Every mutation :func:`mutate` knows.
MUTATION_KINDS = (
    "flip",
    "insert",
    "delete",
    "truncate",
    "duplicate",
    "swap",
    "drop",
    "crlf_to_lf",
    "lf_to_crlf",
    "huge",
)

#: Generated ActionIDs are ``fz-1``, ``fz-2``... (the byte soups name some of them).
GENERATED_PREFIX = "fz-"

# A window of a long transcript stays below this, so byte-by-byte feeding is cheap.
_WINDOW_BYTES = 12_000
_ACTION_ID = re.compile(rb"(?im)^actionid:[ \t]?([^\r\n]*)")
_BARE_LF = re.compile(rb"(?<!\r)\n")


# -- seeds ---------------------------------------------------------------------------------------


@functools.cache
def _windows(name: str) -> tuple[tuple[bytes, ...], ...]:
    """The recorded chunks of one transcript, grouped into windows of at most ~12 KB.

    The first window starts with the banner; the others start wherever a recorded read
    started (usually, not always, on a message boundary, which is worth fuzzing too).
    """
    windows: list[tuple[bytes, ...]] = []
    current: list[bytes] = []
    size = 0
    for chunk in recv_chunks(name):
        # A single huge read (one burst of events) is cut so that no window is huge.
        for start in range(0, max(len(chunk), 1), _WINDOW_BYTES):
            piece = chunk[start : start + _WINDOW_BYTES]
            if current and size + len(piece) > _WINDOW_BYTES:
                windows.append(tuple(current))
                current, size = [], 0
            current.append(piece)
            size += len(piece)
    if current:
        windows.append(tuple(current))
    return tuple(windows)


@functools.lru_cache(maxsize=1)
def ami_seed_chunks() -> tuple[tuple[bytes, ...], ...]:
    """Every window of every AMI transcript, banner windows first."""
    windows = [_windows(name) for name in ami_transcript_names()]
    firsts = [w[0] for w in windows if w]
    rest = [piece for w in windows for piece in w[1:]]
    return tuple(firsts + rest)


@functools.lru_cache(maxsize=1)
def agi_seed_chunks() -> tuple[bytes, ...]:
    """The recorded reads of the FastAGI transcript (environment first)."""
    return tuple(recv_chunks(AGI_TRANSCRIPT))


# -- mutations -----------------------------------------------------------------------------------


class Op(NamedTuple):
    """One mutation.

    ``chunk`` and ``pos`` are taken modulo the current number of chunks and the chosen
    chunk's length, so any integers make a valid operation; ``arg`` is the kind's
    parameter (a bit, a length, another chunk's index, a size) and ``data`` the bytes an
    insertion inserts (the first byte fills a huge line).
    """

    kind: str
    chunk: int = 0
    pos: int = 0
    arg: int = 0
    data: bytes = b""


def mutate(chunks: Sequence[bytes], ops: Iterable[Op], *, huge_size: int) -> list[bytes]:
    """Apply ``ops`` in order to a copy of ``chunks``; ``huge_size`` caps a huge line."""
    out = [bytes(chunk) for chunk in chunks] or [b""]
    for op in ops:
        if not out:
            out = [b""]
        index = op.chunk % len(out)
        chunk = out[index]
        pos = op.pos % (len(chunk) + 1)
        kind = op.kind
        if kind == "flip":
            if chunk:
                at = op.pos % len(chunk)
                flipped = chunk[at] ^ (1 << (op.arg % 8))
                out[index] = chunk[:at] + bytes([flipped]) + chunk[at + 1 :]
        elif kind == "insert":
            out[index] = chunk[:pos] + op.data + chunk[pos:]
        elif kind == "delete":
            out[index] = chunk[:pos] + chunk[pos + 1 + op.arg % 64 :]
        elif kind == "truncate":
            # The stream ends here (a connection cut mid-message).
            out = [*out[:index], chunk[:pos]]
        elif kind == "duplicate":
            out.insert(index, chunk)
        elif kind == "swap":
            other = op.arg % len(out)
            out[index], out[other] = out[other], out[index]
        elif kind == "drop":
            del out[index]
        elif kind == "crlf_to_lf":
            end = pos + 1 + op.arg % 512
            out[index] = chunk[:pos] + chunk[pos:end].replace(b"\r\n", b"\n") + chunk[end:]
        elif kind == "lf_to_crlf":
            end = pos + 1 + op.arg % 512
            out[index] = chunk[:pos] + _BARE_LF.sub(b"\r\n", chunk[pos:end]) + chunk[end:]
        elif kind == "huge":
            fill = op.data[:1] or b"x"
            size = op.arg % (huge_size + 1)
            out[index] = chunk[:pos] + fill * size + chunk[pos:]
        else:
            raise ValueError(f"unknown mutation {kind!r}")
    return out


def deliver(chunks: Sequence[bytes], mode: str, cuts: Sequence[int] = ()) -> list[bytes]:
    """How the mutated stream reaches the parser.

    ``whole`` (one read), ``recorded`` (the chunks as they are), ``bytewise`` (one byte per
    read) or ``cuts`` (the joined bytes cut at ``cuts``, taken modulo its length).
    """
    if mode == "recorded":
        return list(chunks)
    data = b"".join(chunks)
    if mode == "whole":
        return [data]
    if mode == "bytewise":
        return [data[i : i + 1] for i in range(len(data))]
    if mode == "cuts":
        edges = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
        return [data[a:b] for a, b in itertools.pairwise(edges)]
    raise ValueError(f"unknown delivery {mode!r}")


def action_ids_in(data: bytes, limit: int = 8) -> list[str]:
    """The distinct ActionIDs ``data`` carries, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _ACTION_ID.finditer(data):
        seen.setdefault(match.group(1).decode("utf-8", "replace"), None)
        if len(seen) >= limit:
            break
    return list(seen)


# -- AMI -----------------------------------------------------------------------------------------

Snapshot = tuple[Any, ...]


def snapshot(message: Message) -> Snapshot:
    """A message in comparable form: class, headers in order, data lines, raw text."""
    pairs = tuple(message.header_pairs())
    for key, value in pairs:
        assert isinstance(key, str) and isinstance(value, str), (key, value)
    assert all(isinstance(line, str) for line in message.data)
    assert isinstance(message.name, str)
    return (type(message).__name__, pairs, tuple(message.data), message.raw)


def parse_ami(
    chunks: Iterable[bytes], *, expect_banner: bool, max_message_size: int
) -> tuple[list[Snapshot], str | None, type[Exception] | None]:
    """Feed a :class:`MessageParser`; return (messages, banner, error class or None).

    Only :class:`~pystrix.ami.errors.RemoteProtocolError` (in practice its subclass
    :class:`~pystrix.ami.errors.MessageTooLargeError`) may escape ``feed``; anything else
    fails the caller.  The parser is never fed again after an error, as no front-end does.
    """
    parser = MessageParser(expect_banner=expect_banner, max_message_size=max_message_size)
    out: list[Snapshot] = []
    for chunk in chunks:
        before = parser.buffered
        try:
            messages = parser.feed(chunk)
        except RemoteProtocolError as error:
            if isinstance(error, MessageTooLargeError):
                assert error.limit == max_message_size
                assert error.size > error.limit
            return out, parser.banner, type(error)
        # The buffer only ever holds what was read and not yet framed.
        assert 0 <= parser.buffered <= before + len(chunk)
        for message in messages:
            assert isinstance(message, Message), message
            out.append(snapshot(message))
    assert parser.buffered <= max_message_size + 4
    return out, parser.banner, None


class ClientRun:
    """One fuzzed :class:`ClientProtocol` session, checked after every call.

    Invariants checked (an ``AssertionError`` names the one that broke):

    * every :class:`PendingAction` returned is one this run issued, and none is returned
      after it was returned done or abandoned;
    * a plain or aggregate-only action is returned at most once, a collecting one at most
      twice (its response, then its list's end), and returned not done only while its
      list is open;
    * a response given to an action is never an event, and carries that action's ActionID;
    * an orphan is a plain message (not an event), and no action that was waiting for a
      response with its ActionID is left waiting after it;
    * ``pending_count`` equals the number of live actions not yet done (so never goes
      negative), and :meth:`ClientProtocol.fail` ends exactly those;
    * only :class:`MessageTooLargeError` escapes ``receive_data``.

    :attr:`trace` records what came out in a form that does not depend on how the bytes
    were cut into reads (as long as every action is issued before the first read).
    """

    def __init__(self, *, defer_events: bool, max_message_size: int) -> None:
        self.protocol = ClientProtocol(
            max_message_size=max_message_size,
            action_id_prefix=GENERATED_PREFIX[:-1],
            defer_events=defer_events,
        )
        self.limit = max_message_size
        self.issued: list[PendingAction] = []
        self._issued_ids: set[int] = set()
        self._abandoned: set[int] = set()
        self._finished: set[int] = set()
        self._returned: Counter[int] = Counter()
        self.trace: list[Any] = []
        self.error: Exception | None = None

    def send(self, kind: str, action_id: str | None) -> PendingAction | None:
        """Issue an action of ``kind`` (see :data:`ACTION_KINDS`); ``None`` if refused.

        An ActionID still in use is refused with ``ValueError`` (documented), as is any
        action after the session failed (the failure itself is raised).
        """
        if self.error is not None:
            return None
        try:
            pending = self.protocol.send_action(
                "Fuzz",
                [("Kind", kind)],
                action_id=action_id,
                collect_events="collect" in kind,
                aggregate="aggregate" in kind,
            )
        except InvalidHeaderError:
            # Documented: an ActionID holding CR, LF or NUL is refused, nothing registered.
            assert action_id is not None and re.search("[\r\n\x00]", action_id)
            return None
        except ValueError:
            assert action_id is not None
            assert any(
                p.action_id == action_id and id(p) not in self._abandoned and not self._gone(p)
                for p in self.issued
            ), f"ActionID {action_id!r} refused although no live action uses it"
            return None
        assert id(pending) not in self._issued_ids
        self.issued.append(pending)
        self._issued_ids.add(id(pending))
        self._check_count()
        return pending

    def _gone(self, pending: PendingAction) -> bool:
        """Neither waiting for a response nor for the end of a list."""
        return pending.done and not pending.list_open

    def abandon(self, index: int) -> None:
        """Abandon the ``index``-th issued action (modulo), as a waiter that gives up."""
        if not self.issued or self.error is not None:
            return
        pending = self.issued[index % len(self.issued)]
        if id(pending) in self._abandoned or self._gone(pending):
            # Once nothing is awaited its ActionID may be in use again by a newer action.
            return
        self.protocol.abandon(pending.action_id)
        self._abandoned.add(id(pending))
        self._check_count()

    def receive(self, data: bytes) -> None:
        """Feed one read and check what comes out."""
        if self.error is not None:
            return
        awaiting = {
            p.action_id: p
            for p in self.issued
            if p.response is None and not p.done and id(p) not in self._abandoned
        }
        try:
            out = self.protocol.receive_data(data)
        except MessageTooLargeError as error:
            assert error.limit == self.limit and error.size > error.limit
            self._fail(error)
            return
        woken: list[PendingAction] = []
        for item in out:
            if isinstance(item, PendingAction):
                self._check_pending(item)
                woken.append(item)
                self.trace.append(("wake", item.action_id))
            elif type(item) is str:
                assert item.startswith("Event: "), item
                event = build_event(item)
                assert isinstance(event, Event), item
                self.trace.append(("event", snapshot(event)))
            elif isinstance(item, DeferredAggregate):
                # With defer_events, aggregates are built where callbacks run: built here,
                # they must equal what the core builds itself without defer_events.
                aggregate = item.build()
                self.trace.append(("event", snapshot(aggregate), *self._aggregated(aggregate)))
            elif isinstance(item, Event):
                self.trace.append(("event", snapshot(item), *self._aggregated(item)))
            else:
                assert type(item) is Message, f"unexpected output {item!r}"
                self._check_orphan(item, awaiting)
                self.trace.append(("orphan", snapshot(item)))
        for pending in woken:
            if pending.done:
                self._finished.add(id(pending))
        self._check_count()

    @staticmethod
    def _aggregated(event: Event) -> tuple[Any, ...]:
        events = getattr(event, "events", None)
        if events is None:
            return ()
        return (tuple(snapshot(item) for item in events),)

    def _check_pending(self, pending: PendingAction) -> None:
        assert id(pending) in self._issued_ids, f"{pending!r} was never issued"
        assert id(pending) not in self._finished, f"{pending!r} returned again after done"
        assert id(pending) not in self._abandoned, f"{pending!r} returned after abandon"
        self._returned[id(pending)] += 1
        allowed = 2 if pending.collect_events else 1
        assert self._returned[id(pending)] <= allowed, f"{pending!r} returned too often"
        response = pending.response
        assert response is not None, f"{pending!r} woken without a response"
        assert not isinstance(response, (Event, str)), "an event taken as response"
        assert type(response) is Message
        assert pending.action_id in response.get_all("ActionID"), (pending, response)
        if not pending.done:
            assert pending.collect_events, f"{pending!r} returned not done"
        for item in pending.events:
            assert isinstance(item, Event)
        if pending.complete_event is not None:
            assert isinstance(pending.complete_event, Event)

    def _check_orphan(self, message: Message, awaiting: dict[str, PendingAction]) -> None:
        assert not isinstance(message, Event)
        action_id = dict.get(message, "ActionID") or message.get("ActionID")
        if action_id is not None and action_id in awaiting:
            # Someone was waiting for exactly this ActionID: the message went elsewhere
            # only if an earlier message of the same read already answered that action.
            assert awaiting[action_id].response is not None, f"orphaned {message!r}"

    def _check_count(self) -> None:
        live = [p for p in self.issued if id(p) not in self._abandoned]
        count = self.protocol.pending_count
        assert count >= 0
        assert count == sum(1 for p in live if not p.done), (count, live)

    def _fail(self, error: MessageTooLargeError) -> None:
        # What a front-end does with the error: end every waiter, then stop reading.
        self.error = error
        waiting = {id(p) for p in self.issued if id(p) not in self._abandoned and not p.done}
        ended = self.protocol.fail(error)
        assert len(ended) == len({id(p) for p in ended}), "fail() ended an action twice"
        assert {id(p) for p in ended} == waiting, "fail() must end exactly the waiting actions"
        for pending in ended:
            assert pending.done and pending.error is error
        assert self.protocol.pending_count == 0
        self.trace.append(("error", type(error).__name__))

    def finish(self) -> list[Any]:
        """The trace, with every issued action's final state appended."""
        final = [
            (
                p.action_id,
                p.done,
                None if p.response is None else snapshot(p.response),
                tuple(snapshot(e) for e in p.events),
            )
            for p in self.issued
        ]
        return [*self.trace, ("final", final)]


# -- AGI -----------------------------------------------------------------------------------------

AgiTrace = tuple[list[Any], str | None]


def _check_environment(environment: Environment) -> Any:
    for key, value in environment.variables.items():
        assert isinstance(key, str) and isinstance(value, str)
        assert key and " " not in key and ":" not in key, key
    assert any(key.startswith("agi_") for key in environment.variables)
    assert all(isinstance(arg, str) for arg in environment.args)
    # The derived properties must work on whatever was received.
    assert isinstance(environment.script, str)
    assert isinstance(environment.path, str)
    assert isinstance(environment.query, dict)
    assert isinstance(environment.channel, str)
    return ("env", tuple(environment.variables.items()), environment.args)


def _check_reply(reply: Reply) -> Any:
    assert 0 <= reply.code <= 999
    assert reply.lines and all(isinstance(line, str) for line in reply.lines)
    assert all("\n" not in line for line in reply.lines)
    assert isinstance(reply.raw, str) and isinstance(reply.items, dict)
    assert reply.endpos is None or isinstance(reply.endpos, int)
    try:
        assert isinstance(reply.result_int, int)
    except AGIUnknownError:
        pass
    # Parsing the same lines again gives the same reply: parse_reply is a pure function.
    assert parse_reply(reply.lines) == reply
    try:
        assert check_reply(reply) is reply
    except AGIException:
        pass  # the documented outcome of any non-success reply
    return ("reply", reply.code, reply.result, reply.data, dict(reply.fields), reply.message)


def run_agi(
    chunks: Iterable[bytes],
    *,
    expect_environment: bool = True,
    max_line_length: int = 256 * 1024,
    max_environment_lines: int = 1024,
    eof: bool = True,
) -> AgiTrace:
    """Feed an :class:`AGIProtocol` and drain ``next_event`` after every read.

    Returns (events, name of the error raised or ``None``).  Only
    :class:`~pystrix.agi.errors.AGIProtocolError` (and its subclass
    ``AGIEnvironmentError``) may escape; events must come in the documented order
    (environment first and once, replies and hang-up notices, ``ConnectionClosed`` last and
    once); and ``next_event`` may not produce more events than the lines it was given,
    which is how a loop that never consumes input shows up without a clock.
    """
    protocol = AGIProtocol(
        expect_environment=expect_environment,
        max_line_length=max_line_length,
        max_environment_lines=max_environment_lines,
    )
    events: list[Any] = []
    state = {"newlines": 0, "closed": False, "environment": not expect_environment}

    def drain() -> None:
        while True:
            event = protocol.next_event()
            if event is None:
                return
            # Each event takes at least one line (a complete one, or the last at EOF).
            assert len(events) < state["newlines"] + 2, "next_event does not consume input"
            assert not state["closed"], "an event after ConnectionClosed"
            if isinstance(event, Environment):
                assert not state["environment"], "a second environment"
                assert protocol.environment is event
                state["environment"] = True
                events.append(_check_environment(event))
                continue
            assert state["environment"], f"{event!r} before the environment"
            if isinstance(event, Reply):
                events.append(_check_reply(event))
            elif isinstance(event, HangupNotice):
                assert protocol.hangup_received
                events.append(("hangup",))
            else:
                assert isinstance(event, ConnectionClosed), event
                assert protocol.eof
                state["closed"] = True
                events.append(("closed",))

    try:
        for chunk in chunks:
            protocol.receive_data(chunk)
            state["newlines"] += chunk.count(b"\n")
            drain()
        if eof:
            protocol.receive_eof()
            drain()
            assert state["closed"], "the end of the stream was not reported"
            assert protocol.next_event() is None
            assert protocol.hangup_received == (("hangup",) in events)
    except AGIProtocolError as error:
        return events, type(error).__name__
    return events, None


def interpret_quietly(command: Any, name: str, reply: Reply) -> None:
    """``command.interpret(reply)``, allowing only an ``AGIException`` to escape."""
    try:
        command.interpret(reply)
    except AGIException:
        pass


# -- hypothesis strategies -----------------------------------------------------------------------

#: Bytes that mean something to one of the parsers, for insertions and byte soups.
TOKENS = [
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\n\n",
    b":",
    b": ",
    b"Response: Success\r\n",
    b"Response: Follows\r\n",
    b"--END COMMAND--\r\n\r\n",
    b"Event: UserEvent\r\n",
    b"EventList: start\r\n",
    b"EventList: Complete\r\n",
    b"ActionID: fz-1\r\n",
    b"HANGUP\n",
    b"200 result=1 (x) endpos=0\n",
    b"520-",
    b"agi_x: y\n",
    b"\xff",
    b"\xc3\xa9",
]

#: One mutation: any integers are valid (see :class:`Op`).
OP = st.builds(
    Op,
    st.sampled_from(MUTATION_KINDS),
    st.integers(0, 1 << 16),
    st.integers(0, 1 << 20),
    st.integers(0, 1 << 20),
    st.one_of(st.sampled_from(TOKENS), st.binary(max_size=8)),
)
OPS = st.lists(OP, max_size=6)
CUTS = st.lists(st.integers(0, 1 << 20), max_size=12)
DELIVERIES = st.sampled_from(["whole", "recorded", "bytewise", "cuts"])
