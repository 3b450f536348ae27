"""The one reply-reading policy of the AGI core, and the front-ends that all follow it.

The first half feeds bytes to :class:`AGIProtocol` and checks what
:meth:`~AGIProtocol.next_environment` and :meth:`~AGIProtocol.next_reply` give back: the
item, ``None`` (more bytes needed) or the session's exception.  The second half runs
stdin ``AGI`` and both FastAGI servers over real streams and checks that they read through
that policy and apply the same per-call policy (the same log records on each server's
own logger).
"""

from __future__ import annotations

import asyncio
import io
import logging
import signal
import socket
import sys
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from agi_servers import RunningServer, running_server
from pystrix.agi import AGI, core
from pystrix.agi.errors import (
    AGIEnvironmentError,
    AGIHangup,
    AGIProtocolError,
    AGISIGPIPEHangup,
    AGITimeoutError,
)
from pystrix.agi.protocol import (
    AGIProtocol,
    Environment,
    Reply,
    read_failure,
    write_failure,
)

SAFETY = 10.0
ENVIRONMENT = b"agi_network: yes\nagi_network_script: hello\nagi_channel: SIP/policy-1\n\n"
SERVER_LOGGERS = {"threaded": "pystrix.agi.fastagi", "asyncio": "pystrix.agi.aio"}
# The threaded FastAGI session is the stdin AGI session over a socket: it traces there.
TRACE_LOGGERS = {"threaded": "pystrix.agi", "asyncio": "pystrix.agi.aio"}


def session(*, trace: logging.Logger | None = None) -> AGIProtocol:
    """A core that has read the environment: it now waits for replies."""
    protocol = AGIProtocol(trace=trace)
    protocol.feed(ENVIRONMENT)
    assert isinstance(protocol.next_environment(), Environment)
    return protocol


# -- the core alone: bytes in, environment / reply / None / exception out --------------------


def test_the_environment_waits_for_its_empty_line() -> None:
    protocol = AGIProtocol()
    assert protocol.next_environment() is None
    protocol.feed(ENVIRONMENT[:-1])
    assert protocol.next_environment() is None
    protocol.feed(b"\n")
    environment = protocol.next_environment()
    assert environment is not None and environment.channel == "SIP/policy-1"


def test_something_other_than_the_environment_first_is_a_protocol_error() -> None:
    protocol = AGIProtocol(expect_environment=False)
    protocol.feed(b"200 result=1\n")
    with pytest.raises(AGIProtocolError, match="expected the AGI environment"):
        protocol.next_environment()


def test_the_end_of_the_stream_inside_the_environment() -> None:
    protocol = AGIProtocol()
    protocol.feed(b"agi_channel: SIP/x\n")
    assert protocol.next_environment() is None
    protocol.feed(b"")
    with pytest.raises(AGIEnvironmentError):
        protocol.next_environment()


def test_a_reply_split_across_reads() -> None:
    protocol = session()
    assert protocol.next_reply() is None
    protocol.feed(b"200 resu")
    assert protocol.next_reply() is None
    protocol.feed(b"lt=1 (value)\n")
    reply = protocol.next_reply()
    assert isinstance(reply, Reply) and (reply.result, reply.data) == ("1", "value")
    assert protocol.next_reply() is None


def test_interim_replies_are_skipped() -> None:
    protocol = session()
    protocol.feed(b"100 result=0 Trying...\n")
    assert protocol.next_reply() is None
    protocol.feed(b"200 result=0 Gosub complete\n")
    reply = protocol.next_reply()
    assert reply is not None and reply.code == 200 and reply.message == "Gosub complete"


def test_a_hangup_notice_before_the_reply_is_noted_and_skipped() -> None:
    protocol = session()
    protocol.feed(b"HANGUP\n")
    assert protocol.next_reply() is None
    assert protocol.hangup_received
    protocol.feed(b"200 result=-1\n")
    reply = protocol.next_reply()
    assert reply is not None and reply.result == "-1"


def test_everything_in_one_read() -> None:
    protocol = AGIProtocol()
    protocol.feed(ENVIRONMENT + b"100 Trying\nHANGUP\n200 result=1\n200 result=2\n")
    assert protocol.next_environment() is not None
    first, second = protocol.next_reply(), protocol.next_reply()
    assert first is not None and first.result == "1" and protocol.hangup_received
    assert second is not None and second.result == "2"


def test_the_end_of_the_stream_before_a_reply_is_a_hangup_every_time() -> None:
    protocol = session()
    protocol.feed(b"HANGUP\n")
    protocol.feed(b"")
    for _ in range(3):  # a session that tries again is not left waiting for bytes
        with pytest.raises(AGISIGPIPEHangup, match="closed the connection"):
            protocol.next_reply()


def test_the_end_of_the_stream_inside_a_usage_block() -> None:
    protocol = session()
    protocol.feed(b"520-Invalid command syntax.  Proper usage follows:\nUsage: ANSWER\n")
    assert protocol.next_reply() is None
    protocol.feed(b"")
    with pytest.raises(AGIProtocolError, match="520"):
        protocol.next_reply()


def test_a_truncated_last_line_that_is_no_reply() -> None:
    protocol = session()
    protocol.feed(b"2")
    assert protocol.next_reply() is None
    protocol.feed(b"")
    with pytest.raises(AGIProtocolError, match="malformed"):
        protocol.next_reply()


def test_trace_logs_what_is_sent_and_read(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("pystrix.tests.policy")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        protocol = session(trace=logger)
        assert protocol.send(core.Answer()) == b"ANSWER\n"
        protocol.feed(b"HANGUP\n200 result=0\n")
        assert protocol.next_reply() is not None
    messages = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert messages[0].startswith("AGI << Environment(")
    assert messages[1:3] == ["AGI >> b'ANSWER\\n'", "AGI << HangupNotice()"]
    assert messages[3].startswith("AGI << Reply(code=200, result='0'")
    assert len(messages) == 4


def test_without_trace_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        protocol = session()
        protocol.send("NOOP")
        protocol.feed(b"200 result=0\n")
        protocol.next_reply()
    assert not [r for r in caplog.records if r.getMessage().startswith("AGI ")]


@pytest.mark.parametrize(
    ("failure", "expected", "text"),
    [
        (TimeoutError("timed out"), AGITimeoutError, "read timeout"),
        (BrokenPipeError("broken"), AGISIGPIPEHangup, "cannot read from Asterisk: broken"),
        (asyncio.TimeoutError(), AGITimeoutError, "read timeout"),
        (ConnectionResetError("reset"), AGISIGPIPEHangup, "cannot read from Asterisk: reset"),
        (ValueError("I/O operation on closed file"), AGISIGPIPEHangup, "closed file"),
    ],
)
def test_read_failures(failure: Exception, expected: type[Exception], text: str) -> None:
    mapped = read_failure(failure)
    assert type(mapped) is expected and text in str(mapped)


def test_write_failures() -> None:
    mapped = write_failure(BrokenPipeError("broken pipe"))
    assert type(mapped) is AGISIGPIPEHangup
    assert str(mapped) == "cannot write to Asterisk: broken pipe"


# -- the front-ends read through it ----------------------------------------------------------


@pytest.fixture
def policy_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the policy methods called, in order, by any session."""
    calls: list[str] = []

    def spy(name: str) -> Callable[..., Any]:
        original = getattr(AGIProtocol, name)

        def wrapper(self: AGIProtocol) -> Any:
            result = original(self)
            if result is not None:
                calls.append(name)
            return result

        return wrapper

    for name in ("next_environment", "next_reply"):
        monkeypatch.setattr(AGIProtocol, name, spy(name))
    return calls


@pytest.fixture
def server(flavor: str) -> Iterator[RunningServer]:
    yield from running_server(flavor, debug=True)


def serve_raw(server: RunningServer, answers: list[bytes]) -> bytes:
    """Play Asterisk on a raw socket: the environment, then ``answers`` one per command;
    what the server wrote, once it closed."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY) as sock:
        sock.sendall(ENVIRONMENT)
        reader = sock.makefile("rb")
        written = b""
        for answer in answers:
            written += reader.readline()
            sock.sendall(answer)
        return written + reader.read()


def test_fastagi_servers_read_through_the_policy(
    server: RunningServer, policy_calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Any] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        seen.append((yield core.Gosub("sub", "s", 1)))
        seen.append(((yield core.GetVariable("X")), agi.hungup))

    server.register("hello", scenario)
    with caplog.at_level(logging.DEBUG, logger="pystrix.agi"):
        written = serve_raw(
            server, [b"100 result=0 Trying...\n200 result=0\n", b"HANGUP\n200 result=1 (x)\n"]
        )
    assert written == b"GOSUB sub s 1\nGET VARIABLE X\n"
    assert seen == [None, ("x", True)]
    assert policy_calls == ["next_environment", "next_reply", "next_reply"]
    traced = [r.getMessage()[:6] for r in caplog.records if r.name == TRACE_LOGGERS[server.kind]]
    assert traced.count("AGI >>") == 2 and traced.count("AGI <<") >= 4


def test_fastagi_servers_end_a_call_at_the_end_of_the_stream(server: RunningServer) -> None:
    caught: list[type[BaseException]] = []

    def scenario(agi: Any, *_: Any) -> Generator[Any]:
        try:
            yield core.Answer()
        except AGIHangup as exc:
            caught.append(type(exc))

    server.register("hello", scenario)
    with socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY) as sock:
        sock.sendall(ENVIRONMENT)
        assert sock.makefile("rb").readline() == b"ANSWER\n"
        sock.shutdown(socket.SHUT_WR)
        sock.recv(1)
    server.stop()
    assert caught == [AGISIGPIPEHangup]


def test_stdin_agi_reads_through_the_policy(
    monkeypatch: pytest.MonkeyPatch, policy_calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    written = io.BytesIO()
    incoming = ENVIRONMENT + b"100 Trying\nHANGUP\n200 result=1 (bar)\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(incoming)))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(written))
    previous = signal.getsignal(signal.SIGHUP)
    try:
        with caplog.at_level(logging.DEBUG, logger="pystrix.agi"):
            agi = AGI(debug=True)
            assert agi.execute(core.GetVariable("FOO")) == "bar"
            assert agi.hungup
            with pytest.raises(AGISIGPIPEHangup):
                agi.execute(core.Noop())
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert written.getvalue() == b"GET VARIABLE FOO\nNOOP\n"
    assert policy_calls == ["next_environment", "next_reply"]
    traced = [r.getMessage()[:6] for r in caplog.records if r.name == "pystrix.agi"]
    assert traced.count("AGI >>") == 2


# -- both FastAGI servers apply the same per-call policy ---------------------------------------


def records(caplog: pytest.LogCaptureFixture, server: RunningServer) -> list[tuple[int, str]]:
    name = SERVER_LOGGERS[server.kind]
    return [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.name == name and not r.getMessage().startswith("AGI ")
    ]


def test_the_per_call_policy_is_the_same_on_both_servers(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    def hangs_up(agi: Any, *_: Any) -> Generator[Any]:
        yield core.Answer()  # answered with the end of the stream: AGISIGPIPEHangup

    def fails(agi: Any, *_: Any) -> Generator[Any]:
        raise RuntimeError("boom")
        yield  # a generator all the same

    server.register("hangs-up", hangs_up)
    server.register("fails", fails)
    with caplog.at_level(logging.DEBUG, logger=SERVER_LOGGERS[server.kind]):
        for script, answers in (("hangs-up", [b""]), ("fails", []), ("nobody", [])):
            environment = ENVIRONMENT.replace(b"hello", script.encode())
            with socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY) as sock:
                sock.sendall(environment)
                reader = sock.makefile("rb")
                for _ in answers:
                    reader.readline()
                    sock.shutdown(socket.SHUT_WR)
                reader.read()
        with socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY) as sock:
            sock.sendall(b"no colon here\n\n")
            sock.makefile("rb").read()
        server.stop()
    logged = records(caplog, server)
    call = "channel 'SIP/policy-1', script '{}'"
    assert (
        logging.DEBUG,
        f"FastAGI call ended by a hang-up ({call.format('hangs-up')}): "
        "Asterisk closed the connection",
    ) in logged
    assert (logging.ERROR, f"FastAGI handler failed for {call.format('fails')}") in logged
    assert (logging.WARNING, f"no FastAGI handler for {call.format('nobody')}") in logged
    dropped = [m for level, m in logged if level == logging.WARNING and "dropped" in m]
    assert len(dropped) == 1 and dropped[0].startswith("FastAGI connection from ")
    assert dropped[0].endswith("the AGI environment holds no agi_* variable")
