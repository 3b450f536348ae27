"""Fuzzing the sans-I/O AGI core: the environment reader, the reply parser, the commands.

``AGIProtocol`` is fed the FastAGI recording (transcript 22: what Asterisk sent to the
FastAGI server) with mutations (see :mod:`fuzz_support`), and arbitrary bytes, whole, in
the recorded reads, byte by byte and in arbitrary cuts.  Only ``AGIProtocolError`` (and
its subclass ``AGIEnvironmentError``) may escape ``next_event``, events come in the
documented order, and every delivery of the same bytes gives the same events and the same
error.  ``parse_reply`` raises only ``AGIProtocolError``; ``check_reply`` and every command
class's ``interpret`` raise only ``AGIException`` subclasses.

``PYSTRIX_FUZZ_EXAMPLES`` raises the number of examples per test.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fuzz_support import (
    CUTS,
    OPS,
    TOKENS,
    Op,
    agi_seed_chunks,
    deliver,
    interpret_quietly,
    mutate,
    run_agi,
)
from pystrix.agi import core
from pystrix.agi.errors import AGIException, AGIProtocolError
from pystrix.agi.protocol import Action, check_reply, parse_reply

EXAMPLES = int(os.environ.get("PYSTRIX_FUZZ_EXAMPLES", "60"))

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,  # no timed assertions: a slow example is not a failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Small limits make "too long" and "too many lines" reachable; the defaults keep them away.
LINE_LIMITS = st.sampled_from([32, 256, 256 * 1024])
ENV_LIMITS = st.sampled_from([3, 1024])

# Lines Asterisk might send, in any order, with either line ending.
_AGI_LINES = [
    "agi_request: agi://127.0.0.1/hello?x=1&y",
    "agi_arg_1: one",
    "agi_arg_x: bad",
    "agi_channel: Local/300@test-0000000c;2",
    "not_agi: 1",
    "no colon",
    "bad key: x",
    "",
    "HANGUP",
    " HANGUP ",
    "200 result=1 (value) endpos=0",
    "200 result=-1 endpos=12",
    "200 result= (a) b) c=d",
    '200 result=1 x="quoted value" (',
    "200",
    "510 Invalid or unknown command",
    "511 Command Not Permitted on a dead channel or intercept routine",
    "520-Invalid command syntax.  Proper usage follows:",
    "Usage: GET VARIABLE <variablename>",
    "520 End of proper usage.",
    "999 odd",
    "abc",
]
AGI_SOUP = st.builds(
    lambda lines, newline: b"".join(line.encode() + newline for line in lines),
    st.lists(st.sampled_from(_AGI_LINES), max_size=30),
    st.sampled_from([b"\n", b"\r\n"]),
)


def all_deliveries(chunks: list[bytes], cuts: list[int], **options: Any) -> None:
    """Every delivery checks out alone, and all give the same events and error."""
    traces = [
        run_agi(deliver(chunks, mode, cuts), **options)
        for mode in ("whole", "recorded", "bytewise", "cuts")
    ]
    for other in traces[1:]:
        assert other == traces[0]
    # Without the end of the stream, what came out is a prefix of the full run's events.
    events, error = run_agi(deliver(chunks, "recorded"), eof=False, **options)
    if error is None:
        assert events == traces[0][0][: len(events)]


# -- AGIProtocol -----------------------------------------------------------------------------


@fuzz_settings
@given(OPS, st.booleans(), LINE_LIMITS, ENV_LIMITS, CUTS)
@example([], True, 256 * 1024, 1024, [])  # the recording as it is
@example([Op("huge", 3, 0, 300_000, b"y")], True, 256 * 1024, 1024, [])
@example([Op("crlf_to_lf", 0, 0, 0), Op("lf_to_crlf", 2, 0, 511)], True, 32, 3, [5])
def test_agi_mutated_transcript(
    ops: list[Op], environment: bool, line_limit: int, env_limit: int, cuts: list[int]
) -> None:
    chunks = mutate(agi_seed_chunks(), ops, huge_size=2 * line_limit)
    all_deliveries(
        chunks,
        cuts,
        expect_environment=environment,
        max_line_length=line_limit,
        max_environment_lines=env_limit,
    )


@fuzz_settings
@given(
    st.one_of(AGI_SOUP, st.binary(max_size=2000), st.lists(st.sampled_from(TOKENS)).map(b"".join)),
    OPS,
    st.booleans(),
    LINE_LIMITS,
    ENV_LIMITS,
    CUTS,
)
def test_agi_any_bytes(
    data: bytes,
    ops: list[Op],
    environment: bool,
    line_limit: int,
    env_limit: int,
    cuts: list[int],
) -> None:
    chunks = mutate([data], ops, huge_size=2 * line_limit)
    all_deliveries(
        chunks,
        cuts,
        expect_environment=environment,
        max_line_length=line_limit,
        max_environment_lines=env_limit,
    )


@fuzz_settings
@given(st.lists(st.one_of(st.sampled_from(_AGI_LINES), st.text(max_size=40)), max_size=6))
def test_parse_reply_any_lines(lines: list[str]) -> None:
    try:
        reply = parse_reply(lines)
    except AGIProtocolError:
        return
    assert reply.lines == tuple(lines)
    try:
        check_reply(reply)
    except AGIException:
        pass


# -- the command classes read any reply --------------------------------------------------------


def _build(cls: type[Action[Any]]) -> Action[Any]:
    """An instance of a command class, with placeholder values for its required arguments."""
    arguments: list[object] = []
    for parameter in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if parameter.default is not parameter.empty or parameter.kind not in (
            parameter.POSITIONAL_ONLY,
            parameter.POSITIONAL_OR_KEYWORD,
        ):
            continue
        annotation = str(parameter.annotation)
        arguments.append(True if annotation == "bool" else 1 if annotation == "int" else "1")
    return cls(*arguments)


COMMANDS = {name: _build(cls) for name, cls in core.COMMANDS.items()}

_NUMBERS = st.one_of(
    st.integers(-3, 300).map(str),
    st.sampled_from(["", "x", "0x10", "1.5", " 1", "-0", "1114111", "99999"]),
)
_WORDS = st.one_of(
    st.builds("{}={}".format, st.sampled_from(["endpos", "results", "score0", "text0"]), _NUMBERS),
    st.builds("({})".format, st.text(max_size=12)),
    st.text(max_size=8),
)
REPLY_LINES = st.one_of(
    st.builds(
        lambda result, words: " ".join(["200", *result, *words]),
        st.one_of(st.just([]), _NUMBERS.map(lambda n: [f"result={n}"])),
        st.lists(_WORDS, max_size=5),
    ),
    st.sampled_from(_AGI_LINES),
)


@fuzz_settings
@given(REPLY_LINES, st.sampled_from(sorted(COMMANDS)))
@example("200 result=1 (speech) results=1 score0=90 text0=yes grammar0=g", "speech recognize")
def test_every_command_interprets_any_reply(line: str, name: str) -> None:
    try:
        reply = parse_reply([line])
    except AGIProtocolError:
        return
    interpret_quietly(COMMANDS[name], name, reply)


# -- found by fuzzing ------------------------------------------------------------------------

# Each reads the pressed key from result= (GET OPTION, RECEIVE CHAR, SAY *, STREAM FILE,
# CONTROL STREAM FILE and WAIT FOR DIGIT share one helper); three stand for them all.
_KEY_COMMANDS = ["receive char", "stream file", "wait for digit"]


@pytest.mark.parametrize("result", ["1114112", "99999999999999999999999"])
@pytest.mark.parametrize("name", _KEY_COMMANDS)
def test_key_commands_reject_an_impossible_key_code(name: str, result: str) -> None:
    with pytest.raises(AGIException):
        COMMANDS[name].interpret(parse_reply([f"200 result={result} endpos=0"]))


@pytest.mark.parametrize("fields", ["results=abc", "results=1 score0=high text0=x"])
def test_speech_recognize_rejects_non_numeric_fields(fields: str) -> None:
    with pytest.raises(AGIException):
        COMMANDS["speech recognize"].interpret(parse_reply([f"200 result=1 (speech) {fields}"]))


def test_speech_recognize_reports_only_the_hypotheses_sent() -> None:
    reply = parse_reply(["200 result=1 (speech) results=5000 score0=90 text0=yes grammar0=g"])
    assert COMMANDS["speech recognize"].interpret(reply).results == ((90, "yes", "g"),)
