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
from pystrix.testing.agi import SimulatedChannel, fastagi_call, fastagi_calls
from transcripts import load

SAFETY = 10.0  # seconds before a broken test gives up instead of hanging


@pytest.fixture(params=["threaded", "asyncio"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    yield from running_server(request.param)


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
            except (AGIResultHangup, AGIInvalidCommandError, AGIUsageError) as exc:
                outcomes.append(type(exc))
            except AGIDeadChannelError as exc:
                outcomes.append(type(exc))
                outcomes.append(agi.hungup)

    return scenario


def test_transcript_call_through_the_simulator(server: RunningServer) -> None:
    outcomes: list[Any] = []
    server.register("hel+o$", transcript_scenario(outcomes))
    record = call(server, "hello")
    assert record.ended_by == "server"
    assert outcomes == [
        ([], {}, "hello", "hello"),
        None,
        "from-originate",
        "Local/300@test-0000000c;2",
        None,
        AGIResultHangup,
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
        ("demo2", ["one", "two words"], {"a": ["1", "2"], "b": [""]}, "demo2/x", "one"),
        ("demo", ["z"], {}, "demo", "z"),
        ("default", ["y"], {}, "other", "y"),
    ]


def test_no_handler_closes_the_call(server: RunningServer) -> None:
    server.register("only-this", lambda *a: iter(()))
    record = call(server, "something-else")
    assert record.ended_by == "server" and record.commands == []


def test_register_unregister_clear(server: RunningServer) -> None:
    target: Any = server.threaded if server.kind == "threaded" else server.aio

    def handler(*args: Any) -> None:
        return None

    target.register_script_handler("a", handler)
    target.register_script_handler(None, handler)
    assert target.get_script_handler("abc")[2] is handler
    assert target.unregister_script_handler("a") is True
    assert target.unregister_script_handler("a") is False
    assert target.get_script_handler("abc")[:2] == (None, None)
    target.clear_script_handlers()
    assert target.get_script_handler("abc") == (None, None, None)


# -- faults ----------------------------------------------------------------------------------


def test_hangup_mid_command_then_server_keeps_serving(server: RunningServer) -> None:
    caught: list[type[BaseException]] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()
        try:
            yield core.StreamFile("tt-monkeys", "#")
        except AGIHangup as exc:
            caught.append(type(exc))
            raise

    server.register("hello", scenario)
    record = call(server, channel=SimulatedChannel(hangup_at=2))
    assert caught == [AGIResultHangup]
    assert record.ended_by == "server"  # the server closed the socket
    assert record.replies[-1] == ["200 result=-1 endpos=0", "HANGUP"]
    again = call(server)
    assert again.ended_by == "server" and len(again.commands) == 2 and len(caught) == 1


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


@pytest.fixture(params=["threaded", "asyncio"])
def impatient(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    yield from running_server(request.param, read_timeout=0.2, environment_timeout=0.2)


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
        except pystrix.agi.AGIResultHangup:
            log.append("hangup-or-missing")
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
    assert log == [("2", 6000), "hangup-or-missing", "Local/300@test-0000000c;2"]
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
