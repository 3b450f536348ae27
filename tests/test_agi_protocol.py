"""The sans-I/O AGI core: transcript 22 replayed, quoting, replies, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pystrix.agi import core
from pystrix.agi.errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIEnvironmentError,
    AGIInvalidArgumentError,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIProtocolError,
    AGIResultHangup,
    AGIUnknownError,
    AGIUsageError,
)
from pystrix.agi.protocol import (
    Action,
    AGIProtocol,
    ConnectionClosed,
    Environment,
    HangupNotice,
    Reply,
    check_reply,
    format_command,
    parse_reply,
    quote,
    split_command,
)
from transcripts import load

# The commands of transcript 22, built with the command classes, and what each returns
# (or raises) given the recorded reply.
TRANSCRIPT_COMMANDS: list[tuple[Action[object], object]] = [
    (core.Answer(), None),
    (core.GetVariable("FOO"), "from-originate"),
    (core.GetVariable("CHANNEL(name)"), "Local/300@test-0000000c;2"),
    (core.GetVariable("NO_SUCH_VAR"), None),
    (core.StreamFile("no-such-sound-file"), AGIAppError),
    (core.Verbose("hello from lab fastagi", 1), None),
    (Action("NOSUCHAGICOMMAND", "foo"), AGIInvalidCommandError),
    (Action("GET VARIABLE"), AGIUsageError),
    (core.Hangup(), None),
    (core.GetVariable("FOO"), "from-originate"),
    (core.StreamFile("no-such-sound-file"), AGIDeadChannelError),
]


def _sent_lines() -> list[str]:
    return [r.data.rstrip("\n") for r in load("22-fastagi").records if r.direction == "send"]


def _received() -> list[bytes]:
    records = load("22-fastagi").records
    return [r.data.encode() for r in records if r.direction == "recv" and not r.eof]


def _drain(protocol: AGIProtocol) -> list[object]:
    events: list[object] = []
    while (event := protocol.next_event()) is not None:
        events.append(event)
    return events


def _replay(chunks: list[bytes]) -> list[object]:
    protocol = AGIProtocol()
    events: list[object] = []
    for chunk in chunks:
        protocol.receive_data(chunk)
        events += _drain(protocol)
    protocol.receive_eof()
    return events + _drain(protocol)


def test_commands_format_exactly_as_recorded() -> None:
    assert [action.command for action, _ in TRANSCRIPT_COMMANDS] == _sent_lines()


@pytest.mark.parametrize("bytewise", [False, True], ids=["chunks", "byte-by-byte"])
def test_transcript_22_replays_through_the_core(bytewise: bool) -> None:
    chunks = _received()
    if bytewise:
        chunks = [bytes([b]) for b in b"".join(chunks)]
    events = _replay(chunks)

    environment = events[0]
    assert isinstance(environment, Environment)
    assert environment.channel == "Local/300@test-0000000c;2"
    assert environment.path == "hello"
    assert environment.variables["agi_request"] == "agi://127.0.0.1:4573/hello"
    assert environment.variables["agi_accountcode"] == ""
    assert len(environment.variables) == 22 and environment.args == ()
    assert isinstance(events[-1], ConnectionClosed)
    assert sum(isinstance(e, HangupNotice) for e in events) == 1
    # The HANGUP notice follows the HANGUP command's own reply, as recorded.
    assert isinstance(events[10], HangupNotice)

    replies = [e for e in events if isinstance(e, Reply)]
    assert [(r.code, r.result, r.data, dict(r.fields)) for r in replies] == [
        (200, "0", None, {}),
        (200, "1", "from-originate", {}),
        (200, "1", "Local/300@test-0000000c;2", {}),
        (200, "0", None, {}),
        (200, "-1", None, {"endpos": "0"}),
        (200, "1", None, {}),
        (510, None, None, {}),
        (520, None, None, {}),
        (200, "1", None, {}),
        (200, "1", "from-originate", {}),
        (511, None, None, {}),
    ]
    assert replies[4].endpos == 0
    assert replies[6].message == "Invalid or unknown command"
    assert replies[7].message.startswith("Returns <literal>0</literal>")
    assert replies[7].message.endswith("Example return code: 200 result=1 (testvariable)")
    assert replies[10].message == "Command Not Permitted on a dead channel or intercept routine"

    # Each recorded reply gives the command's typed result or its exception.
    for (action, expected), reply in zip(TRANSCRIPT_COMMANDS, replies, strict=True):
        if isinstance(expected, type):
            with pytest.raises(expected):
                action.interpret(reply)
        else:
            assert action.interpret(reply) == expected


def test_usage_error_carries_the_usage_text() -> None:
    reply = parse_reply(
        [
            "520-Invalid command syntax.  Proper usage follows:",
            "line one",
            "520 End of proper usage.",
        ]
    )
    with pytest.raises(AGIUsageError) as caught:
        check_reply(reply)
    assert caught.value.usage == "line one"


# -- quoting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("FOO", "FOO"),
        ("", '""'),
        ("two words", '"two words"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("tab\there", '"tab\there"'),
        (42, "42"),
    ],
)
def test_quote(value: object, quoted: str) -> None:
    assert quote(value) == quoted


@pytest.mark.parametrize("bad", ["a\nNOOP", "a\rb", "nul\x00", "\n"])
def test_cr_lf_nul_cannot_inject_a_command(bad: str) -> None:
    with pytest.raises(AGIInvalidArgumentError, match="CR, LF or NUL"):
        quote(bad)
    with pytest.raises(AGIInvalidArgumentError):
        core.SetVariable("X", bad)
    with pytest.raises(AGIInvalidArgumentError):
        AGIProtocol.command_bytes("SET VARIABLE X " + bad)
    with pytest.raises(ValueError):  # also a ValueError, like the AMI side's header error
        format_command("VERBOSE", [bad])


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00")), max_size=6))
def test_quoted_arguments_split_back_unchanged(arguments: list[str]) -> None:
    line = format_command("SET VARIABLE", arguments)
    assert split_command(line) == ["SET", "VARIABLE", *arguments]


# -- replies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "result", "data", "fields"),
    [
        ("200 result=1 (a (nested) value)", "1", "a (nested) value", {}),
        ("200 result=1 (ends) with) endpos=5", "1", "ends) with", {"endpos": "5"}),
        ("200 result= (timeout)", "", "timeout", {}),
        ("200 result=123#", "123#", None, {}),
        ("200 result=0 (timeout) endpos=8000", "0", "timeout", {"endpos": "8000"}),
        (
            '200 result=1 (speech) endpos=9 results=1 score0=900 text0="hi (there)" grammar0=g',
            "1",
            "speech",
            {
                "endpos": "9",
                "results": "1",
                "score0": "900",
                "text0": "hi (there)",
                "grammar0": "g",
            },
        ),
        ("200 result=1 (unterminated", "1", "unterminated", {}),
    ],
)
def test_200_replies(line: str, result: str, data: str | None, fields: dict[str, str]) -> None:
    reply = parse_reply([line])
    assert (reply.code, reply.result, reply.data, dict(reply.fields)) == (200, result, data, fields)


def test_crlf_and_stray_blank_lines() -> None:
    protocol = AGIProtocol(expect_environment=False)
    protocol.receive_data(b"\r\n200 result=1 (x)\r\nHANGUP\r\n")
    events = _drain(protocol)
    assert isinstance(events[0], Reply) and events[0].data == "x"
    assert isinstance(events[1], HangupNotice) and protocol.hangup_received


def test_check_reply_errors() -> None:
    with pytest.raises(AGINoResultError):
        check_reply(parse_reply(["200 endpos=4"]))
    with pytest.raises(AGIUnknownError):
        check_reply(parse_reply(["599 Something new"]))


def test_minus_one_is_a_failure_and_only_hangup_a_hang_up() -> None:
    cases: list[tuple[str, bool, type]] = [
        # A bare -1 (a missing prompt, or a hang-up Asterisk does not name) is a failure.
        ("200 result=-1", True, AGIAppError),
        ("200 result=-1 endpos=0", False, AGIAppError),
        # Only "(hangup)" names a hang-up; with -1 always, otherwise where asked to.
        ("200 result=-1 (hangup) endpos=8000", True, AGIResultHangup),
        ("200 result=-1 (hangup) endpos=8000", False, AGIResultHangup),
        ("200 result=0 (hangup) endpos=8000", True, AGIResultHangup),
        ("511 Command Not Permitted on a dead channel or intercept routine", True, AGIResultHangup),
    ]
    for line, check_hangup, raised in cases:
        with pytest.raises(raised) as caught:
            check_reply(parse_reply([line]), check_hangup=check_hangup)
        # Never both: an IVR that catches AGIAppError around a prompt must not swallow a
        # hang-up, and 511 is still the AGIDeadChannelError (an AGIError) of pystrix 1.x.
        if raised is AGIResultHangup:
            assert not isinstance(caught.value, AGIAppError), line
        if line.startswith("511"):
            assert isinstance(caught.value, AGIDeadChannelError)
    # A variable may legitimately hold "hangup": GET VARIABLE does not check for it.
    assert core.GetVariable("X").interpret(parse_reply(["200 result=1 (hangup)"])) == "hangup"


# -- malformed input: typed errors, never a hang --------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        b"this is not an environment\n\n",
        b"\n",
        b"foo: bar\n\n",  # no agi_* variable at all
    ],
)
def test_malformed_environment(block: bytes) -> None:
    protocol = AGIProtocol()
    protocol.receive_data(block)
    with pytest.raises(AGIEnvironmentError):
        _drain(protocol)


def test_environment_cut_short() -> None:
    protocol = AGIProtocol()
    protocol.receive_data(b"agi_channel: x\nagi_request: y")
    assert protocol.next_event() is None
    protocol.receive_eof()
    with pytest.raises(AGIEnvironmentError, match="closed before"):
        protocol.next_event()


def test_environment_too_many_lines() -> None:
    protocol = AGIProtocol(max_environment_lines=5)
    protocol.receive_data(b"agi_x: 1\n" * 6)
    with pytest.raises(AGIEnvironmentError):
        protocol.next_event()


def test_arguments_in_order() -> None:
    protocol = AGIProtocol()
    protocol.receive_data(
        b"agi_network_script: s?a=1&a=2&b=\nagi_arg_2: two\nagi_arg_1: one words\n\n"
    )
    environment = protocol.next_event()
    assert isinstance(environment, Environment)
    assert environment.args == ("one words", "two")
    assert environment.path == "s"
    assert environment.query == {"a": ["1", "2"]}  # 1.x leaves the blank "b=" out


@pytest.mark.parametrize("line", [b"garbage\n", b"20 result=1\n", b"HTTP/1.1 200 OK\n"])
def test_malformed_reply(line: bytes) -> None:
    protocol = AGIProtocol(expect_environment=False)
    protocol.receive_data(line)
    with pytest.raises(AGIProtocolError):
        protocol.next_event()


def test_overlong_line_is_refused_before_its_end() -> None:
    protocol = AGIProtocol(expect_environment=False, max_line_length=100)
    protocol.receive_data(b"200 result=1 (" + b"x" * 200)
    with pytest.raises(AGIProtocolError, match="exceeds"):
        protocol.next_event()


def test_usage_block_cut_short() -> None:
    protocol = AGIProtocol(expect_environment=False)
    protocol.receive_data(b"520-Invalid command syntax.\nsome text\n")
    assert protocol.next_event() is None
    protocol.receive_eof()
    with pytest.raises(AGIProtocolError):
        protocol.next_event()


# -- interim 100 lines and odd environment lines ---------------------------------------------

GOSUB_THEN_GET = b"100 result=0 Trying...\n200 result=0 Gosub complete\n200 result=1 (bar)\n"


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "byte-by-byte"])
def test_interim_100_lines_are_not_replies(bytewise: bool) -> None:
    protocol = AGIProtocol(expect_environment=False)
    chunks = [bytes([b]) for b in GOSUB_THEN_GET] if bytewise else [GOSUB_THEN_GET]
    events: list[object] = []
    for chunk in chunks:
        protocol.receive_data(chunk)
        events += _drain(protocol)
    replies = [e for e in events if isinstance(e, Reply)]
    # GOSUB's answer is its 200, and the next command's answer is the next 200.
    assert [r.lines for r in replies] == [("200 result=0 Gosub complete",), ("200 result=1 (bar)",)]
    assert core.Gosub("c", "s", 1).interpret(replies[0]) is None
    assert core.GetVariable("X").interpret(replies[1]) == "bar"


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "byte-by-byte"])
def test_an_odd_environment_line_is_skipped_and_logged(
    bytewise: bool, caplog: pytest.LogCaptureFixture
) -> None:
    block = b"agi_channel: SIP/1-1\nno colon here\nbad key: x\nagi_arg_1: one\n\n"
    protocol = AGIProtocol()
    with caplog.at_level("DEBUG", logger="pystrix.agi"):
        for chunk in [bytes([b]) for b in block] if bytewise else [block]:
            protocol.receive_data(chunk)
        environment = protocol.next_event()
    assert isinstance(environment, Environment)
    assert dict(environment.variables) == {"agi_channel": "SIP/1-1", "agi_arg_1": "one"}
    assert environment.args == ("one",)
    logged = [r.getMessage() for r in caplog.records if r.levelname == "DEBUG"]
    assert any("no colon here" in m for m in logged) and any("bad key: x" in m for m in logged)
