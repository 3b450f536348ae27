"""FastAGI behaviour, the same tests for the threaded and the asyncio server.

Calls come from the simulator's AGI side (``pystrix.testing.agi``) or, for protocol
faults, from a raw socket playing a misbehaving Asterisk.  No test measures time: waits
are on sockets and Events, and the timeouts given are only safety nets.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from agi_servers import BLOCK, RunningServer, running_server
from pystrix.agi import core
from pystrix.agi.errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIHangup,
    AGIInvalidArgumentError,
    AGIInvalidCommandError,
    AGIProtocolError,
    AGIResultHangup,
    AGISIGPIPEHangup,
    AGITimeoutError,
    AGIUsageError,
)
from pystrix.agi.protocol import Action
from pystrix.testing.agi import (
    DEAD_CHANNEL,
    ChannelResponder,
    SimulatedChannel,
    fastagi_call,
    fastagi_calls,
)
from transcripts import load

SAFETY = 10.0  # seconds before a broken test gives up instead of hanging


@pytest.fixture
def server(flavor: str) -> Iterator[RunningServer]:
    yield from running_server(flavor)


def call(server: RunningServer, script: str = "hello", **options: Any) -> Any:
    return fastagi_call("127.0.0.1", server.port, script, timeout=SAFETY, **options)


# -- the recorded call ---------------------------------------------------------------------


def transcript_scenario(outcomes: list[Any]) -> Any:
    """The commands of transcript 22, noting each result or exception class."""

    def scenario(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> Generator[Any]:
        outcomes.append((args, kwargs, match.group(0) if match else None, path))
        for action in (
            core.Answer(),
            core.GetVariable("FOO"),
            core.GetVariable("CHANNEL(name)"),
            core.GetVariable("NO_SUCH_VAR"),
            core.StreamFile("no-such-sound-file"),
            core.Verbose("hello from lab fastagi", 1),
            Action("NOSUCHAGICOMMAND", "foo"),
            Action("GET VARIABLE"),
            core.Hangup(),
            core.GetVariable("FOO"),
            core.StreamFile("no-such-sound-file"),
        ):
            try:
                outcomes.append((yield action))
            except AGIDeadChannelError as exc:
                outcomes.append(type(exc))
                outcomes.append(agi.hungup)
            except (AGIAppError, AGIInvalidCommandError, AGIUsageError) as exc:
                outcomes.append(type(exc))

    return scenario


def test_transcript_call_through_the_simulator(server: RunningServer) -> None:
    outcomes: list[Any] = []
    server.register("hel+o$", transcript_scenario(outcomes))
    record = call(server, "hello")
    assert record.ended_by == "server"
    assert outcomes == [
        ((), {}, "hello", "hello"),
        None,
        "from-originate",
        "Local/300@test-0000000c;2",
        None,
        AGIAppError,  # 200 result=-1 endpos=0: the file is missing, the channel is up
        None,
        AGIInvalidCommandError,
        AGIUsageError,
        None,
        "from-originate",
        AGIDeadChannelError,
        True,
    ]
    # What the server sent and what the simulated Asterisk answered are the recording's.
    records = load("22-fastagi").records
    assert record.commands == [r.data.rstrip("\n") for r in records if r.direction == "send"]
    received = "".join(r.data for r in records if r.direction == "recv" and not r.eof)
    assert (
        "".join("\n".join(lines) + "\n" for lines in record.replies) == received.split("\n\n", 1)[1]
    )


def test_arguments_query_and_handler_selection(server: RunningServer) -> None:
    seen: list[Any] = []

    def named(name: str) -> Any:
        def scenario(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> Generator[Any]:
            seen.append((name, args, kwargs, path, agi.get_environment()["agi_arg_1"]))
            yield core.Noop()

        return scenario

    server.register("demo2", named("demo2"))
    server.register(r"demo", named("demo"))
    server.register(None, named("default"))
    call(server, "demo2/x?a=1&a=2&b=", args=["one", "two words"])
    call(server, "demo", args=["z"])
    call(server, "other", args=["y"])
    assert seen == [
        ("demo2", ("one", "two words"), {"a": ["1", "2"]}, "demo2/x", "one"),
        ("demo", ("z",), {}, "demo", "z"),
        ("default", ("y",), {}, "other", "y"),
    ]


def test_no_handler_closes_the_call(server: RunningServer) -> None:
    server.register("only-this", lambda *a: iter(()))
    record = call(server, "something-else")
    assert record.ended_by == "server" and record.commands == []


def test_register_unregister_clear(server: RunningServer) -> None:
    target: Any = server.threaded if server.kind == "threaded" else server.aio

    def handler(*args: Any) -> None:
        return None

    def default(*args: Any) -> None:
        return None

    # pystrix 1.x: get_script_handler(path) -> (handler, match); (default, None) otherwise.
    target.register_script_handler("a", handler)
    target.register_script_handler(None, default)
    found, match = target.get_script_handler("abc")
    assert found is handler and match is not None and match.group(0) == "a"
    assert target.get_script_handler("xyz") == (default, None)
    assert target.unregister_script_handler("a") is True
    assert target.unregister_script_handler("a") is False
    assert target.get_script_handler("abc") == (default, None)
    # Clearing keeps the default handler (1.x); registering None as it removes it.
    target.register_script_handler("a", handler)
    target.clear_script_handlers()
    assert target.get_script_handler("abc") == (default, None)
    target.register_script_handler(None, None)
    assert target.get_script_handler("abc") == (None, None)


# -- faults ----------------------------------------------------------------------------------


def test_hangup_mid_command_then_server_keeps_serving(server: RunningServer) -> None:
    caught: list[type[BaseException]] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        try:
            yield core.StreamFile("tt-monkeys", "#")
        except AGIAppError as exc:  # Asterisk's -1: no proof of a hang-up yet
            caught.append(type(exc))
        try:
            yield core.StreamFile("tt-monkeys", "#")
        except AGIHangup as exc:  # the 511 is
            caught.append(type(exc))
            raise

    server.register("hello", scenario)
    record = call(server, channel=SimulatedChannel(hangup_at=2))
    assert caught == [AGIAppError, AGIDeadChannelError]
    assert record.ended_by == "server"  # the server closed the socket
    assert record.replies[-2:] == [["200 result=-1 endpos=0", "HANGUP"], [DEAD_CHANNEL]]
    again = call(server)
    assert again.ended_by == "server" and len(again.commands) == 3 and len(caught) == 2


def test_connection_drop_mid_command(server: RunningServer) -> None:
    caught: list[type[BaseException]] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        try:
            yield core.WaitForDigit(1000)
        except AGIHangup as exc:
            caught.append(type(exc))

    server.register("hello", scenario)
    assert call(server, channel=SimulatedChannel(drop_at=2)).ended_by == "drop"
    assert call(server, channel=SimulatedChannel(digits=["5"])).ended_by == "server"
    assert caught == [AGISIGPIPEHangup]


def test_handler_that_raises_is_logged_and_the_call_ends(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        raise RuntimeError("boom")

    server.register("broken", scenario)
    with caplog.at_level(logging.ERROR, logger="pystrix.agi"):
        record = call(server, "broken?x=1", channel=SimulatedChannel.numbered(777))
    assert record.ended_by == "server" and record.commands == ["ANSWER"]
    failures = [r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1])]
    assert len(failures) == 1
    message = failures[0].getMessage()
    assert "Local/300@test-00000309;2" in message and "broken?x=1" in message
    server.register("hello", transcript_scenario([]))
    assert len(call(server).commands) == 11


def test_refused_argument_sends_nothing(server: RunningServer) -> None:
    caught: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        try:
            yield core.Verbose("line one\nANSWER")
        except AGIInvalidArgumentError as exc:  # pragma: no cover - raised at construction
            caught.append(exc)
        yield core.Noop()

    def building(agi: Any, *_: Any) -> Generator[Any]:
        try:
            action = Action("VERBOSE", "x\r\nHANGUP")
        except AGIInvalidArgumentError as exc:
            caught.append(type(exc))
            action = core.Noop()
        yield action

    server.register("hello", building)
    record = call(server)
    assert caught == [AGIInvalidArgumentError]
    assert record.commands == ["NOOP"]


def test_a_handler_that_never_returns_does_not_block_others(server: RunningServer) -> None:
    entered = threading.Event()

    def stuck(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        entered.set()
        yield BLOCK

    server.register("stuck", stuck)
    server.register("hello", transcript_scenario([]))
    records: list[Any] = []
    blocked = threading.Thread(target=lambda: records.append(call(server, "stuck")))
    blocked.start()
    assert entered.wait(SAFETY)
    assert len(call(server).commands) == 11  # another call is served meanwhile
    server.stop(timeout=0.2)  # bounded: closes the stuck call after 0.2 s
    blocked.join(SAFETY)
    assert not blocked.is_alive()
    assert records[0].ended_by == "server" and records[0].commands == ["ANSWER"]


def test_hundred_simultaneous_calls(server: RunningServer) -> None:
    results: dict[str, Any] = {}
    lock = threading.Lock()

    def scenario(agi: Any, args: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        name = yield core.GetVariable("CHANNEL(name)")
        yield core.SetVariable("SEEN", args[0])
        digit = yield core.StreamFile("beep", "0123456789")
        with lock:
            results[name] = (args[0], digit, agi.get_environment()["agi_channel"])

    server.register("hello", scenario)
    channels = [SimulatedChannel.numbered(5000 + i, digits=[str(i % 10)]) for i in range(100)]
    records = fastagi_calls(
        "127.0.0.1", server.port, 100, "hello", ["arg"], channels=channels, timeout=SAFETY
    )
    assert [r.ended_by for r in records] == ["server"] * 100
    assert len(results) == 100
    for index, channel in enumerate(channels):
        assert results[channel.name] == ("arg", (str(index % 10), 1000), channel.name)
        assert channel.variables["SEEN"] == "arg"


# -- protocol faults from a misbehaving peer ---------------------------------------------


def raw_peer(server: RunningServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY)
    return sock


def read_until_eof(sock: socket.socket) -> bytes:
    """What the server sent before it closed.  A server that closes with our bytes still
    unread makes the kernel answer with a reset instead of an end of file."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


ENVIRONMENT = b"agi_network: yes\nagi_network_script: hello\nagi_channel: SIP/raw-1\n\n"


@pytest.mark.parametrize(
    "block", [b"garbage without colon\n\n", b"agi_channel: x\n" + b"y" * 300_000]
)
def test_malformed_environment_is_dropped(server: RunningServer, block: bytes) -> None:
    server.register("hello", transcript_scenario([]))
    with raw_peer(server) as sock:
        try:
            sock.sendall(block)
        except OSError:
            pass  # the server may close while a large block is still being sent
        assert read_until_eof(sock) == b""
    assert len(call(server).commands) == 11


def test_malformed_reply_raises_a_typed_error(server: RunningServer) -> None:
    caught: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        try:
            yield core.Answer()
        except AGIProtocolError as exc:
            caught.append(type(exc))

    server.register("hello", scenario)
    with raw_peer(server) as sock:
        sock.sendall(ENVIRONMENT)
        reader = sock.makefile("rb")
        assert reader.readline() == b"ANSWER\n"
        sock.sendall(b"this is not a reply\n")
        assert reader.read() == b""  # the server closed the call
    assert caught == [AGIProtocolError]


@pytest.fixture
def impatient(flavor: str) -> Iterator[RunningServer]:
    yield from running_server(flavor, read_timeout=0.2, environment_timeout=0.2)


def test_read_timeouts(impatient: RunningServer) -> None:
    caught: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        try:
            yield core.Answer()
        except AGITimeoutError as exc:
            caught.append(type(exc))

    impatient.register("hello", scenario)
    with raw_peer(impatient) as sock:  # says nothing at all
        assert read_until_eof(sock) == b""
    with raw_peer(impatient) as sock:  # never answers the command
        sock.sendall(ENVIRONMENT)
        assert read_until_eof(sock) == b"ANSWER\n"
    assert caught == [AGITimeoutError]


# -- the pystrix 1.x API, handlers written the 1.x way ----------------------------------------


def test_pystrix_1x_style_handler_runs_unchanged() -> None:
    import re

    import pystrix

    log: list[Any] = []

    def demo_handler(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
        agi.execute(pystrix.agi.core.Answer())
        agi.execute(pystrix.agi.core.SetVariable("ok", "AGI Ricks"))
        response = agi.execute(pystrix.agi.core.StreamFile("hello-world", escape_digits=("1", "2")))
        if response:
            (dtmf_character, offset) = response
            log.append((dtmf_character, offset))
        try:
            agi.execute(pystrix.agi.core.StreamFile("missing"))
        except pystrix.agi.AGIAppError:
            log.append("missing")
        log.append(agi.get_environment()["agi_channel"])
        agi.execute(pystrix.agi.core.Hangup())

    fagi = pystrix.agi.FastAGIServer(interface="127.0.0.1", port=0)
    fagi.register_script_handler(re.compile("demo"), demo_handler)
    thread = threading.Thread(target=fagi.serve_forever, daemon=True)
    thread.start()
    try:
        channel = SimulatedChannel(digits=["2"])
        record = fastagi_call("127.0.0.1", fagi.server_address[1], "demo", channel=channel)
    finally:
        fagi.shutdown()
        fagi.server_close()
        thread.join()
    assert log == [("2", 6000), "missing", "Local/300@test-0000000c;2"]
    assert channel.variables["ok"] == "AGI Ricks" and channel.hungup
    assert record.commands[-1] == "HANGUP"


def test_asyncio_handler_written_directly() -> None:
    import asyncio

    from pystrix.agi import aio

    async def main() -> list[Any]:
        got: list[Any] = []

        async def hello(agi: aio.FastAGI, args: Any, kwargs: Any, match: Any, path: str) -> None:
            await agi.execute(core.Answer())
            got.append(await agi.execute(core.GetVariable("FOO")))
            got.append(agi.environment.channel)

        async with aio.FastAGIServer(port=0) as fagi:
            fagi.register_script_handler("hello", hello)
            record = await asyncio.to_thread(fastagi_call, "127.0.0.1", fagi.port, "hello")
            got.append(record.ended_by)
            assert fagi.active_calls == 0
        return got

    assert asyncio.run(main()) == ["from-originate", "Local/300@test-0000000c;2", "server"]


# -- replies: interim lines, playback results, failures and hang-ups ----------------------------


def test_gosub_interim_reply_keeps_replies_in_step(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        seen.append((yield core.Gosub("sub", "s", 1)))
        seen.append((yield core.GetVariable("FOO")))
        seen.append((yield core.ChannelStatus()))

    server.register("hello", scenario)
    record = call(server)
    # The simulated Asterisk, like the real one, says "100 ... Trying..." first.
    assert record.replies[0] == ["100 result=0 Trying...", "200 result=0 Gosub complete"]
    assert seen == [None, "from-originate", core.CHANNEL_ALERTING]


def test_playback_results_are_none_or_the_key(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        seen.append((yield core.StreamFile("beep", "12")))  # "#" does not stop it: None
        seen.append((yield core.GetOption("beep", "#", 100)))  # "#": key and endpos
        pressed = yield core.ControlStreamFile("demo-congrats", "*")
        seen.append((pressed, pressed.endpos))  # 1.x: the key as a str
        seen.append((yield core.ControlStreamFile("beep", "*")))
        seen.append((yield core.SayDigits("123", "9")))  # 1.x: the key or None
        seen.append((yield core.SayNumber(42, "9")))
        seen.append((yield core.StreamFile("hello-world", "12")))
        seen.append((yield core.GetOption("beep", "#", 100)))  # "5" after it: not an escape
        seen.append((yield core.SayAlpha("abc", "9")))
        seen.append((yield core.Exec("Wait", ["1"])))  # 1.x: the value as text

    server.register("hello", scenario)
    channel = SimulatedChannel(digits=["#", "*", "9", "1", "5"])
    call(server, channel=channel)
    assert seen == [
        None,
        ("#", 1000),
        ("*", 24000),
        None,
        "9",
        None,
        ("1", 6000),
        None,
        None,
        "0",
    ]
    assert channel.digits == []


def test_minus_one_is_an_app_error_and_a_gone_channel_a_result_hangup(
    server: RunningServer,
) -> None:
    caught: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        for action in (
            core.StreamFile("no-such-prompt", "1"),  # 200 result=-1 endpos=0
            core.GetOption("no-such-prompt", "1"),
            core.ControlStreamFile("no-such-prompt", "1"),
            core.Exec("NoSuchApplication"),  # 200 result=-2
            core.Answer(),
            core.SayDigits("12", "#"),  # the caller hangs up: 200 result=-1, HANGUP
            core.StreamFile("beep", "1"),  # 511
        ):
            try:
                caught.append((yield action))
            except AGIResultHangup as exc:
                caught.append(("hangup", type(exc)))
            except AGIAppError as exc:
                caught.append(("failed", type(exc)))

    server.register("hello", scenario)
    record = call(server, channel=SimulatedChannel(hangup_at=6))
    assert caught == [
        ("failed", AGIAppError),
        ("failed", AGIAppError),
        ("failed", AGIAppError),
        ("failed", AGIAppError),
        None,
        ("failed", AGIAppError),
        ("hangup", AGIDeadChannelError),
    ]
    assert record.replies[-2:] == [["200 result=-1", "HANGUP"], [DEAD_CHANNEL]]


def test_record_file_hang_up_answers_as_asterisk(server: RunningServer) -> None:
    caught: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        try:
            yield core.RecordFile("message", escape_digits="#")
        except AGIHangup as exc:
            caught.append(type(exc))
            raise

    server.register("hello", scenario)
    record = call(server, channel=SimulatedChannel(hangup_at=2))
    assert record.replies[-1] == ["200 result=-1 (hangup) endpos=0", "HANGUP"]
    assert caught == [AGIResultHangup]  # (hangup) says so: no 511 needed


# -- the simulated channel: variables and applications -----------------------------------------


def test_simulated_variables_expressions_and_applications(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        seen.append((yield core.GetVariable("EXTEN")))
        seen.append((yield core.GetVariable("CONTEXT")))
        seen.append((yield core.GetVariable("CALLERID(num)")))
        seen.append((yield core.GetVariable("CALLERID(name)")))
        seen.append((yield core.GetFullVariable("${CALLERID(name)} <${CALLERID(num)}>")))
        seen.append((yield core.GetFullVariable("${EXTEN}@${CONTEXT}:${FOO:5:3}")))
        seen.append((yield core.GetFullVariable("${LEN(${FOO})}${NOT_SET}")))
        seen.append((yield core.Exec("Dial", ["PJSIP/6001", 20])))
        seen.append((yield core.GetVariable("DIALSTATUS")))
        seen.append((yield core.Exec("Playback", "hello-world&no-such-file")))
        seen.append((yield core.GetVariable("PLAYBACKSTATUS")))
        seen.append((yield core.Exec("Background", "beep")))
        seen.append((yield core.GetVariable("BACKGROUNDSTATUS")))
        seen.append((yield core.Exec("Set", "CALLERID(num)=6002")))
        seen.append((yield core.GetVariable("CALLERID(num)")))
        seen.append((yield core.Exec("Goto", "other,s,3")))
        seen.append((yield core.GetFullVariable("${CONTEXT},${EXTEN},${PRIORITY}")))
        seen.append((yield core.Exec("Answer")))
        seen.append((yield core.ChannelStatus()))
        for application in ("Wait", "NoOp", "Record", "Read"):
            seen.append((yield core.Exec(application, "x")))
        try:
            yield core.Exec("Hangup")
        except AGIAppError:  # Hangup() returns -1, as the real application does
            seen.append(("hung up", agi.hungup))

    server.register("hello", scenario)
    channel = SimulatedChannel(callerid_num="6001", callerid_name="Alice", dial_status="BUSY")
    record = call(server, channel=channel)
    assert seen == [
        "300",
        "test",
        "6001",
        "Alice",
        "Alice <6001>",
        "300@test:ori",
        "14",
        "0",
        "BUSY",
        "0",
        "FAILED",
        "0",
        "SUCCESS",
        "0",
        "6002",
        "0",
        "other,s,3",
        "0",
        core.CHANNEL_UP,
        "0",
        "0",
        "0",
        "0",
        ("hung up", True),
    ]
    assert record.replies[-1] == ["200 result=-1", "HANGUP"]
    assert channel.hungup and channel.callerid_num == "6002"


def test_the_environment_reports_the_simulated_caller_id() -> None:
    lines = ChannelResponder(SimulatedChannel(callerid_num="6001")).environment().decode()
    assert "agi_callerid: 6001\n" in lines and "agi_calleridname: unknown\n" in lines


# -- an environment with an odd line --------------------------------------------------------


def test_an_odd_environment_line_is_accepted(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, args: Any, *_: Any) -> Generator[Any]:
        seen.append((agi.environment.channel, args, (yield core.GetVariable("X"))))

    server.register("hello", scenario)
    odd = (
        b"agi_network: yes\nWelcome to the FastAGI proxy\nagi_network_script: hello\n"
        b"agi_channel: SIP/raw-1\nagi_arg_1: one\n\n"
    )
    with caplog.at_level(logging.DEBUG, logger="pystrix.agi"), raw_peer(server) as sock:
        sock.sendall(odd)
        reader = sock.makefile("rb")
        assert reader.readline() == b"GET VARIABLE X\n"
        sock.sendall(b"200 result=1 (y)\n")
        assert reader.read() == b""
    assert seen == [("SIP/raw-1", ("one",), "y")]
    assert any("Welcome to the FastAGI proxy" in r.getMessage() for r in caplog.records)


# -- what pystrix 1.x does, probed against 1.3.0 -----------------------------------------------


def test_verbose_sends_the_1x_level_numbers(server: RunningServer) -> None:
    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Verbose("bad", core.LOG_CRITICAL)
        yield core.Verbose("noise", core.LOG_DEBUG)
        yield core.Verbose("plain")  # LOG_INFO

    server.register("hello", scenario)
    record = call(server)
    # 1.x writes the constant's value: LOG_DEBUG=0, LOG_INFO=1 ... LOG_CRITICAL=4.
    assert record.commands == ["VERBOSE bad 4", "VERBOSE noise 0", "VERBOSE plain 1"]


def test_receive_char_gives_the_character_and_a_timeout_flag(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        seen.append((yield core.ReceiveChar(100)))
        seen.append((yield core.ReceiveChar(100)))  # "200 result=0 (timeout)"

    server.register("hello", scenario)
    call(server, channel=SimulatedChannel(digits=["x"]))
    assert seen == [("x", False), None]


def test_record_file_without_a_key_gives_an_empty_key(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        seen.append((yield core.RecordFile("message", escape_digits="#")))
        seen.append((yield core.RecordFile("message", escape_digits="#")))

    server.register("hello", scenario)
    call(server, channel=SimulatedChannel(digits=["#"]))
    assert seen == [("#", 4000, False), ("", 8000, True)]


def test_registering_a_pattern_again_keeps_the_first_handler(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def named(name: str) -> Any:
        def scenario(agi: Any, *_: Any) -> Generator[Any]:
            seen.append(name)
            yield core.Noop()

        return scenario

    server.register("hello", named("first"))
    with caplog.at_level(logging.WARNING, logger="pystrix.agi"):
        server.register("hello", named("second"))
    call(server)
    assert seen == ["first"]
    assert any("already registered" in r.getMessage() for r in caplog.records)
    # Unregistering is how a handler is replaced.
    target: Any = server.threaded if server.kind == "threaded" else server.aio
    assert target.unregister_script_handler("hello") is True
    server.register("hello", named("second"))
    call(server)
    assert seen == ["first", "second"]


def test_blank_query_values_are_left_out_of_kwargs(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> Generator[Any]:
        seen.append((kwargs, path))
        yield core.Noop()

    server.register("script", scenario)
    call(server, "script?a=1&b=&c=3&a=2&d=")
    assert seen == [({"a": ["1", "2"], "c": ["3"]}, "script")]


def play_asterisk(server: RunningServer, replies: list[bytes]) -> list[bytes]:
    """Be Asterisk on a raw socket: the environment, then each reply after a command.
    Returns the commands received."""
    commands: list[bytes] = []
    with raw_peer(server) as sock:
        sock.sendall(ENVIRONMENT)
        reader = sock.makefile("rb")
        for reply in replies:
            commands.append(reader.readline())
            sock.sendall(reply)
        assert reader.read() == b""  # the handler returned: the server closed the call
    return commands


def test_replies_read_as_pystrix_1x_reads_them(server: RunningServer) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        for action in (
            core.TDDMode(core.TDD_ON),
            core.TDDMode(core.TDD_ON),
            core.ChannelStatus(),
            core.GetVariable("EMPTY"),
            core.DatabaseGet("family", "key"),
            core.DatabasePut("family", "key", "value"),
            core.StreamFile("beep", "1"),
            core.SayDigits("12", "1"),
            core.RecordFile("message", escape_digits="#"),
        ):
            try:
                seen.append((yield action))
            except AGIAppError as exc:
                seen.append(type(exc))

    server.register("hello", scenario)
    commands = play_asterisk(
        server,
        [
            b"200 result=1\n",  # TDD mode set: True (1.x), not None
            b"200 result=0\n",  # no TDD on this channel: False, not an error
            b"200 result=9\n",  # AST_STATE_PRERING has no CHANNEL_* name: the int
            b"200 result=1\n",  # set, with no value: ""
            b"200 result=-1\n",  # AstDB failures are AGIDBErrors, -1 included
            b"200 result=-1\n",
            b"200 result=-2 endpos=0\n",  # a negative result is a failure, never "no key"
            b"200 result=-2\n",
            b"200 result=0 (randomerror) endpos=0\n",  # 1.x: AGIAppError
        ],
    )
    assert len(commands) == 9
    assert seen == [
        True,
        False,
        9,
        "",
        core.AGIDBError,
        core.AGIDBError,
        AGIAppError,
        AGIAppError,
        AGIAppError,
    ]
