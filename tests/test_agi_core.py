"""Every AGI command class: the catalogue, the command lines and the typed results.

The results come from the simulator's :class:`ChannelResponder` (Asterisk 22's answers),
run in memory through the shared core, and from literal replies for the rare cases.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from pystrix.agi import core
from pystrix.agi.errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIResultHangup,
    AGIUsageError,
)
from pystrix.agi.protocol import Action, AGIProtocol, Reply, parse_reply
from pystrix.testing.agi import RECORDED_ENVIRONMENT, ChannelResponder, SimulatedChannel
from transcripts import TRANSCRIPTS_DIR, load


def test_every_asterisk_22_command_has_a_class() -> None:
    text = (TRANSCRIPTS_DIR / "asterisk-info.txt").read_text()
    section = text.split("### agi show commands", 1)[1].split("###", 1)[0]
    names = {
        match.group(1).strip()
        for match in re.finditer(r"^\s+(?:Yes|No)\s+(.+?)\s{3,}", section, re.MULTILINE)
    }
    assert len(names) == 47
    assert names == set(core.COMMANDS)
    for name, cls in core.COMMANDS.items():
        assert cls.__doc__, name


def run(action: Action[Any], channel: SimulatedChannel | None = None) -> Any:
    """Send ``action`` to a simulated channel through the core; its typed result."""
    responder = ChannelResponder(channel)
    line = AGIProtocol.command_bytes(action).decode().rstrip("\n")
    lines = responder.respond(line)
    assert lines is not None
    protocol = AGIProtocol(expect_environment=False)
    protocol.receive_data(("\n".join(lines) + "\n").encode())
    reply = protocol.next_event()
    assert isinstance(reply, Reply)
    return action.interpret(reply)


@pytest.mark.parametrize(
    ("action", "line"),
    [
        (core.Answer(), "ANSWER"),
        (core.AsyncAGIBreak(), "ASYNCAGI BREAK"),
        (core.ChannelStatus(), "CHANNEL STATUS"),
        (core.ChannelStatus("SIP/x-1"), "CHANNEL STATUS SIP/x-1"),
        (
            core.ControlStreamFile("f", "12", 500, "#", "*", "0"),
            "CONTROL STREAM FILE f 12 3000 # * 0 500",
        ),
        (core.DatabaseDel("fam", "key"), "DATABASE DEL fam key"),
        (core.DatabaseDeltree("fam"), "DATABASE DELTREE fam"),
        (core.DatabaseDeltree("fam", "sub"), "DATABASE DELTREE fam sub"),
        (core.DatabaseGet("fam", "key"), "DATABASE GET fam key"),
        (core.DatabasePut("fam", "key", "two words"), 'DATABASE PUT fam key "two words"'),
        (core.Exec("Dial", ("SIP/1", 30, "tT")), "EXEC Dial SIP/1,30,tT"),
        (core.Exec("NoOp"), 'EXEC NoOp ""'),
        (core.GetData("prompt", 3000, 4), "GET DATA prompt 3000 4"),
        (core.GetFullVariable("${FOO}"), "GET FULL VARIABLE ${FOO}"),
        (core.GetOption("f", ("1", "2"), 5000), "GET OPTION f 12 5000"),
        (core.GetVariable("FOO"), "GET VARIABLE FOO"),
        (core.Gosub("ctx", "s", 1, ("a", "b")), "GOSUB ctx s 1 a,b"),
        (core.Hangup(), "HANGUP"),
        (core.Noop(), "NOOP"),
        (core.ReceiveChar(1000), "RECEIVE CHAR 1000"),
        (core.ReceiveText(1000), "RECEIVE TEXT 1000"),
        (core.RecordFile("rec", core.FORMAT_GSM, "#", 5000), "RECORD FILE rec gsm # 5000 0 BEEP"),
        (
            core.RecordFile("rec", escape_digits="#", beep=False, silence=3),
            "RECORD FILE rec wav # -1 0 s=3",
        ),
        (core.RecordFile("rec", beep=False), 'RECORD FILE rec wav "" -1'),
        (core.SayAlpha("abc", "#"), "SAY ALPHA abc #"),
        (core.SayDate(86400, "#"), "SAY DATE 86400 #"),
        (core.SayDatetime(86400, "", "IMp", "UTC"), 'SAY DATETIME 86400 "" IMp UTC'),
        (core.SayDigits(123), 'SAY DIGITS 123 ""'),
        (core.SayNumber(42, "#", gender="f"), "SAY NUMBER 42 # f"),
        (core.SayPhonetic("abc"), 'SAY PHONETIC abc ""'),
        (core.SayTime(3600), 'SAY TIME 3600 ""'),
        (core.SendImage("logo"), "SEND IMAGE logo"),
        (core.SendText("hello there"), 'SEND TEXT "hello there"'),
        (core.SetAutohangup(30), "SET AUTOHANGUP 30"),
        (core.SetCallerid("100", "Jo"), 'SET CALLERID "\\"Jo\\"<100>"'),
        (core.SetContext("c"), "SET CONTEXT c"),
        (core.SetExtension(200), "SET EXTENSION 200"),
        (core.SetMusic(True, "jazz"), "SET MUSIC on jazz"),
        (core.SetPriority(3), "SET PRIORITY 3"),
        (core.SetVariable("X", 'a "b"'), 'SET VARIABLE X "a \\"b\\""'),
        (core.StreamFile("f", ["1", "#"], 800), "STREAM FILE f 1# 800"),
        (core.TDDMode(core.TDD_ON), "TDD MODE on"),
        (core.Verbose("hi"), "VERBOSE hi 1"),  # 1.x: LOG_INFO is 1
        (core.WaitForDigit(2000), "WAIT FOR DIGIT 2000"),
        (core.SpeechCreate("flite"), "SPEECH CREATE flite"),
        (core.SpeechSet("k", "v"), "SPEECH SET k v"),
        (core.SpeechDestroy(), "SPEECH DESTROY"),
        (core.SpeechLoadGrammar("g", "/tmp/g"), "SPEECH LOAD GRAMMAR g /tmp/g"),
        (core.SpeechUnloadGrammar("g"), "SPEECH UNLOAD GRAMMAR g"),
        (core.SpeechActivateGrammar("g"), "SPEECH ACTIVATE GRAMMAR g"),
        (core.SpeechDeactivateGrammar("g"), "SPEECH DEACTIVATE GRAMMAR g"),
        (core.SpeechRecognize("beep", 5000), "SPEECH RECOGNIZE beep 5000"),
    ],
)
def test_command_lines(action: Action[Any], line: str) -> None:
    assert action.command == line


def test_typed_results_from_the_simulated_channel() -> None:
    assert run(core.Answer()) is None
    assert run(core.ChannelStatus()) == core.CHANNEL_ALERTING
    assert run(core.ChannelStatus(), SimulatedChannel(answered=True)) is core.ChannelState.UP
    with pytest.raises(AGIAppError):
        run(core.ChannelStatus("SIP/none"))
    assert run(core.GetVariable("FOO")) == "from-originate"
    assert run(core.GetVariable("NOPE")) is None
    assert run(core.GetFullVariable("${FOO}-${CHANNEL(exten)}")) == "from-originate-300"
    assert run(core.StreamFile("beep", "12"), SimulatedChannel(digits=["2"])) == ("2", 1000)
    assert run(core.StreamFile("beep", "12"), SimulatedChannel(digits=["5"])) is None
    with pytest.raises(AGIAppError):
        run(core.StreamFile("no-such-file"))
    assert run(core.ControlStreamFile("beep")) is None
    pressed = run(core.ControlStreamFile("beep", "#"), SimulatedChannel(digits=["#"]))
    assert pressed == "#" and isinstance(pressed, str) and pressed.endpos == 1000
    with pytest.raises(AGIAppError):
        run(core.ControlStreamFile("no-such-file"))
    assert run(core.GetOption("beep", "7", 100), SimulatedChannel(digits=["7"])) == ("7", 1000)
    # Asterisk answers 0 for a key after playback that is not an escape digit.
    assert run(core.GetOption("beep", "", 100), SimulatedChannel(digits=["7"])) is None
    assert run(core.GetOption("beep", "1", 100)) is None
    assert run(core.GetData("beep", 100, 4), SimulatedChannel(digits=list("12#"))) == ("12", False)
    assert run(core.GetData("beep", 100, 4)) == ("", True)
    assert run(core.WaitForDigit(100), SimulatedChannel(digits=["*"])) == "*"
    assert run(core.WaitForDigit(100)) is None
    assert run(core.SayNumber(5, "9"), SimulatedChannel(digits=["9"])) == "9"
    assert run(core.SayDigits(5)) is None
    assert run(core.ReceiveChar(10), SimulatedChannel(digits=["x"])) == ("x", False)
    assert run(core.ReceiveChar(10)) is None
    assert run(core.ReceiveText(10), SimulatedChannel(texts=["hi there"])) == "hi there"
    assert run(core.RecordFile("r", escape_digits="#"), SimulatedChannel(digits=["#"])) == (
        "#",
        4000,
        False,
    )
    assert run(core.RecordFile("r")) == ("", 8000, True)
    assert run(core.Exec("Wait", ["1"])) == "0"
    with pytest.raises(AGIAppError):
        run(core.Exec("NoSuchApp"))
    assert run(core.Gosub("c", "s", 1)) is None
    assert run(core.TDDMode("on")) is True
    assert run(core.Verbose("x", core.LOG_ERROR)) is None
    assert run(core.SetVariable("A", "b")) is None
    assert run(core.AsyncAGIBreak()) is None


def test_database_commands() -> None:
    channel = SimulatedChannel()
    assert run(core.DatabasePut("fam", "key", "v 1"), channel) is None
    assert run(core.DatabaseGet("fam", "key"), channel) == "v 1"
    assert run(core.DatabaseDel("fam", "key"), channel) is None
    with pytest.raises(core.AGIDBError):
        run(core.DatabaseGet("fam", "key"), channel)
    with pytest.raises(core.AGIDBError):
        run(core.DatabaseDel("fam", "key"), channel)
    run(core.DatabasePut("fam", "a/b", "1"), channel)
    assert run(core.DatabaseDeltree("fam", "a"), channel) is None
    with pytest.raises(AGIAppError):
        run(core.DatabaseDeltree("fam"), channel)


def test_speech_commands() -> None:
    responder = ChannelResponder(SimulatedChannel(speech=["hello world"], digits=[]))

    def send(action: Action[Any]) -> Any:
        lines = responder.respond(action.command)
        assert lines is not None
        return action.interpret(parse_reply(lines))

    with pytest.raises(AGIAppError):
        send(core.SpeechSet("k", "v"))  # no speech object yet
    assert send(core.SpeechCreate("sim")) is None
    assert send(core.SpeechLoadGrammar("g", "/g")) is None
    assert send(core.SpeechActivateGrammar("g")) is None
    result = send(core.SpeechRecognize("beep", 1000))
    assert result == core.SpeechResult("speech", 0, None, ((1000, "hello world", "sim"),))
    assert send(core.SpeechRecognize("beep", 1000)).kind == "timeout"
    responder.channel.digits.append("4")
    assert send(core.SpeechRecognize("beep", 1000)).digit == "4"
    assert send(core.SpeechDestroy()) is None


def test_literal_replies() -> None:
    with pytest.raises(AGIResultHangup):
        core.RecordFile("r").interpret(parse_reply(["200 result=-1 (hangup) endpos=10"]))
    with pytest.raises(AGIAppError, match="writefile"):
        core.RecordFile("r").interpret(parse_reply(["200 result=-1 (writefile)"]))
    assert core.TDDMode("on").interpret(parse_reply(["200 result=0"])) is False
    with pytest.raises(AGIAppError):
        core.Hangup("SIP/x").interpret(parse_reply(["200 result=-1"]))
    # EXEC gives the application's value as text (pystrix 1.x); -1 and -2 are failures.
    assert core.Exec("Dial").interpret(parse_reply(["200 result=0"])) == "0"
    assert core.Exec("Dial").interpret(parse_reply(["200 result=3"])) == "3"
    with pytest.raises(AGIAppError):
        core.Exec("Dial").interpret(parse_reply(["200 result=-1"]))
    with pytest.raises(AGIAppError, match="no such application"):
        core.Exec("Nope").interpret(parse_reply(["200 result=-2"]))
    # Older Asterisk wrote "result=0 (hangup)" for a hang-up while recording.
    with pytest.raises(AGIResultHangup):
        core.RecordFile("r").interpret(parse_reply(["200 result=0 (hangup) endpos=10"]))
    # A state without a name is still a state: the int, as in pystrix 1.x.
    assert core.ChannelStatus().interpret(parse_reply(["200 result=42"])) == 42


def test_escape_digit_lists_and_1x_names() -> None:
    assert core.StreamFile("f", ("1", 2, "#")).command == "STREAM FILE f 12#"
    assert core.CHANNEL_UP == 6 and core.CHANNEL_DOWN_AVAILABLE == 0
    assert isinstance(core.AGIDBError("x"), AGIAppError)
    from pystrix.agi import agi_core

    assert agi_core._Action is Action and agi_core.quote("a b") == '"a b"'


# -- the simulated channel against transcript 22 ---------------------------------------------


def test_simulated_channel_answers_as_transcript_22() -> None:
    records = load("22-fastagi").records
    responder = ChannelResponder(SimulatedChannel())
    received = "".join(r.data for r in records if r.direction == "recv" and not r.eof)
    environment, _, replies = received.partition("\n\n")
    expected_env = dict(
        line.split(": ", 1) for line in environment.replace(": \n", ":  \n").split("\n")
    )
    produced = responder.environment("hello").decode()
    produced_env = dict(
        line.split(": ", 1) for line in produced.rstrip("\n").replace(": \n", ":  \n").split("\n")
    )
    for varying in ("agi_threadid",):
        expected_env.pop(varying)
        produced_env.pop(varying)
    assert produced_env == expected_env
    assert [key for key, _ in RECORDED_ENVIRONMENT] == list(
        line.split(":")[0] for line in environment.split("\n")
    )

    answered = ""
    for line in (r.data.rstrip("\n") for r in records if r.direction == "send"):
        reply = responder.respond(line)
        assert reply is not None
        answered += "\n".join(reply) + "\n"
    assert answered == replies


def test_usage_for_wrong_argument_counts() -> None:
    responder = ChannelResponder()
    lines = responder.respond("STREAM FILE")
    assert lines is not None
    with pytest.raises(AGIUsageError) as caught:
        Action("STREAM FILE").interpret(parse_reply(lines))
    assert "stream file <filename>" in caught.value.usage


def test_hangup_at_then_dead_channel() -> None:
    responder = ChannelResponder(SimulatedChannel(hangup_at=2))
    assert responder.respond("ANSWER") == ["200 result=0"]
    assert responder.respond('STREAM FILE beep ""') == ["200 result=-1 endpos=0", "HANGUP"]
    assert responder.respond("GET VARIABLE FOO") == ["200 result=1 (from-originate)"]
    lines = responder.respond("WAIT FOR DIGIT 10")
    assert lines is not None
    with pytest.raises(AGIDeadChannelError):
        core.WaitForDigit(10).interpret(parse_reply(lines))
    with pytest.raises(AGIResultHangup):  # the same 511, caught the hang-up way
        core.WaitForDigit(10).interpret(parse_reply(lines))
