"""Fuzzing the sans-I/O AMI core: the parser and ClientProtocol, fed hostile bytes.

Inputs are arbitrary bytes, message-shaped byte soups, and real recorded transcripts with
mutations (see :mod:`fuzz_support`), delivered whole, in the recorded reads, byte by byte
and in arbitrary cuts.  Whatever comes in, ``MessageParser.feed`` and
``ClientProtocol.receive_data`` either return or raise ``RemoteProtocolError`` (in
practice ``MessageTooLargeError``), and :class:`fuzz_support.ClientRun` checks the
client's invariants after every read.  ``tests/test_protocol_properties.py`` covers the
serializer and small soups for the bare parser; this file does not repeat those.

``PYSTRIX_FUZZ_EXAMPLES`` raises the number of examples per test (default: a few seconds
in all, for CI).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fuzz_support import (
    ACTION_KINDS,
    CUTS,
    DELIVERIES,
    GENERATED_PREFIX,
    OPS,
    TOKENS,
    ClientRun,
    Op,
    action_ids_in,
    ami_seed_chunks,
    deliver,
    mutate,
    parse_ami,
)
from pystrix.ami.protocol import DEFAULT_MAX_MESSAGE_SIZE

EXAMPLES = int(os.environ.get("PYSTRIX_FUZZ_EXAMPLES", "60"))

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,  # no timed assertions: a slow example is not a failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# A small limit makes "too large" reachable with small inputs; the default keeps it away.
LIMITS = st.sampled_from([64, 512, 4096, DEFAULT_MAX_MESSAGE_SIZE])


def seeds() -> st.SearchStrategy[tuple[bytes, ...]]:
    """A window of recorded server bytes (the first windows hold the banners)."""
    return st.sampled_from(ami_seed_chunks())


# Message-shaped soup: header lines that steer ClientProtocol (our ActionIDs, list starts
# and ends, events, legacy Follows blocks) in any order, with either line ending.
_LINES = [
    "Response: Success",
    "Response: Error",
    "Response: Follows",
    "Response: Goodbye",
    "Event: CoreShowChannel",
    "Event: CoreShowChannelsComplete",
    "Event: UserEvent",
    "Event: OriginateResponse",
    "EventList: start",
    "EventList: Complete",
    "eventlist: complete",
    "ActionID: fz-1",
    "ActionID: fz-2",
    "actionid: fz-3",
    "ActionID: ours-1",
    "ActionID: ",
    "Output: line",
    "--END COMMAND--",
    "Message: x",
    "no colon here",
    "Key:value",
    "",
]
_message = st.lists(st.sampled_from(_LINES), min_size=1, max_size=6)
SOUP = st.builds(
    lambda banner, messages, newline: (
        banner
        + b"".join(newline.join(m.encode() for m in lines) + newline * 2 for lines in messages)
    ),
    st.sampled_from([b"Asterisk Call Manager/11.0.0\r\n", b""]),
    st.lists(_message, max_size=10),
    st.sampled_from([b"\r\n", b"\n"]),
)

# A step of a client script: issue an action (kind, ActionID), abandon one, or read bytes.
_IDS = st.sampled_from([None, "fz-1", "fz-2", "fz-3", "ours-1", ""])
STEP = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(ACTION_KINDS), _IDS),
    st.tuples(st.just("abandon"), st.integers(0, 16), st.none()),
    st.tuples(st.just("read"), st.integers(0, 1 << 20), st.none()),
)
# The same, naming ActionIDs by their index among those a recording carries.
INDEXED_STEP = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(ACTION_KINDS), st.integers(0, 9)),
    STEP.filter(lambda step: step[0] != "send"),
)


def run_script(
    data: bytes, steps: list[tuple[str, object, object]], defer: bool, limit: int
) -> list[object]:
    """Play ``steps``; each ``read`` feeds the next piece of ``data`` (ending at an offset).

    Whatever ``data`` is left after the script is fed at the end.
    """
    run = ClientRun(defer_events=defer, max_message_size=limit)
    position = 0
    for kind, a, b in steps:
        if kind == "send":
            run.send(str(a), None if b is None else str(b))
        elif kind == "abandon":
            run.abandon(int(str(a)))
        else:
            end = position + int(str(a)) % (len(data) - position + 1)
            run.receive(data[position:end])
            position = end
    run.receive(data[position:])
    return run.finish()


# -- MessageParser ---------------------------------------------------------------------------


@fuzz_settings
@given(seeds(), OPS, st.booleans(), LIMITS, CUTS)
@example((b"Response: Follows\r\nx--END COMMAND--\r\n\r\n",), [], False, 64, [])
def test_parser_mutated_transcripts(
    window: tuple[bytes, ...], ops: list[Op], banner: bool, limit: int, cuts: list[int]
) -> None:
    """Recorded bytes, mutated: every delivery parses or is too large, and any two
    deliveries that both parse agree message for message."""
    chunks = mutate(window, ops, huge_size=2 * min(limit, 1 << 16))
    results = [
        parse_ami(deliver(chunks, mode, cuts), expect_banner=banner, max_message_size=limit)
        for mode in ("whole", "recorded", "bytewise", "cuts")
    ]
    parsed = [(messages, name) for messages, name, error in results if error is None]
    for other in parsed[1:]:
        assert other == parsed[0]


@fuzz_settings
@given(st.one_of(st.binary(max_size=3000), SOUP), st.booleans(), LIMITS, DELIVERIES, CUTS)
def test_parser_any_bytes_any_delivery(
    data: bytes, banner: bool, limit: int, mode: str, cuts: list[int]
) -> None:
    """Arbitrary bytes and message-shaped soup: nothing but the documented error."""
    parse_ami(deliver([data], mode, cuts), expect_banner=banner, max_message_size=limit)


# -- ClientProtocol --------------------------------------------------------------------------


@fuzz_settings
@given(
    st.one_of(SOUP, st.binary(max_size=2000), st.lists(st.sampled_from(TOKENS)).map(b"".join)),
    OPS,
    st.lists(STEP, max_size=24),
    st.booleans(),
    LIMITS,
)
@example(
    b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: fz-1\r\n"
    b"EventList: start\r\n\r\nEvent: X\r\nActionID: fz-1\r\nEventList: Complete\r\n\r\n"
    b"Response: Success\r\nActionID: fz-1\r\n\r\n",
    [],
    [("send", "collect+aggregate", "fz-1"), ("read", 60, None), ("abandon", 0, None)],
    True,
    DEFAULT_MAX_MESSAGE_SIZE,
)
def test_client_soup_with_interleaved_actions(
    data: bytes, ops: list[Op], steps: list[tuple[str, object, object]], defer: bool, limit: int
) -> None:
    """Actions of every kind issued and abandoned between reads of hostile bytes."""
    mutated = mutate([data], ops, huge_size=2 * min(limit, 1 << 16))
    run_script(b"".join(mutated), steps, defer, limit)


@fuzz_settings
@given(
    seeds(),
    OPS,
    st.lists(st.sampled_from(ACTION_KINDS), min_size=8, max_size=8),
    LIMITS,
    CUTS,
)
def test_client_mutated_transcripts(
    window: tuple[bytes, ...], ops: list[Op], kinds: list[str], limit: int, cuts: list[int]
) -> None:
    """Recorded sessions, mutated, with an action of some kind awaiting each ActionID the
    bytes carry: the invariants hold for every delivery, and when every action is issued
    before the first read, neither the delivery nor ``defer_events`` changes the outcome."""
    chunks = mutate(window, ops, huge_size=2 * min(limit, 1 << 16))
    ids = action_ids_in(b"".join(chunks))
    traces = []
    for mode in ("whole", "recorded", "bytewise", "cuts"):
        for defer in (False, True):
            run = ClientRun(defer_events=defer, max_message_size=limit)
            for action_id, kind in zip(ids, kinds, strict=False):
                run.send(kind, action_id)
            for piece in deliver(chunks, mode, cuts):
                run.receive(piece)
            if run.error is None:
                traces.append(run.finish())
    for other in traces[1:]:
        assert other == traces[0]


@fuzz_settings
@given(seeds(), OPS, st.lists(INDEXED_STEP, max_size=24), st.booleans(), LIMITS)
def test_client_mutated_transcripts_interleaved(
    window: tuple[bytes, ...],
    ops: list[Op],
    steps: list[tuple[str, object, object]],
    defer: bool,
    limit: int,
) -> None:
    """Recorded sessions, mutated, with actions issued and abandoned between reads, using
    the ActionIDs the recording answers (an index past them means a generated one)."""
    data = b"".join(mutate(window, ops, huge_size=2 * min(limit, 1 << 16)))
    recorded = action_ids_in(data)
    steps = [
        (kind, a, (recorded[b] if b < len(recorded) else None))
        if kind == "send" and isinstance(b, int)
        else (kind, a, b)
        for kind, a, b in steps
    ]
    run_script(data, steps, defer, limit)


# -- found by fuzzing ------------------------------------------------------------------------


def test_generated_action_id_never_repeats_a_caller_chosen_one() -> None:
    run = ClientRun(defer_events=False, max_message_size=DEFAULT_MAX_MESSAGE_SIZE)
    protocol = run.protocol
    chosen = protocol.send_action("Ping", action_id=f"{GENERATED_PREFIX}1")
    generated = protocol.send_action("Ping")  # the counter's first value is also fz-1
    assert generated.action_id != chosen.action_id
    assert protocol.pending_count == 2
