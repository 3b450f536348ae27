"""``max_calls``: past it, both FastAGI servers close new connections unserved.

The held calls are raw sockets playing Asterisk: each sends its environment and reads
the handler's first command, and does not answer until the test says so, so the number
of running calls is exact when the extra calls arrive.  No test measures time.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from agi_servers import RunningServer, running_server
from pystrix.agi import FastAGIServer, aio, core
from pystrix.agi._cli import _limit_options
from pystrix.cli import build_parser
from pystrix.testing.agi import ChannelResponder, SimulatedChannel, fastagi_call

SAFETY = 10.0  # seconds before a broken test gives up instead of hanging


@pytest.fixture
def server(flavor: str) -> Iterator[RunningServer]:
    yield from running_server(flavor, max_calls=2)


def answered_then_done(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> Generator[Any]:
    yield core.Answer()


class HeldCall:
    """A call whose handler waits for the reply to ``ANSWER`` until :meth:`release`."""

    def __init__(self, port: int, number: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=SAFETY)
        responder = ChannelResponder(SimulatedChannel.numbered(number))
        self.sock.sendall(responder.environment("held", (), "127.0.0.1", port))
        self.reader = self.sock.makefile("rb")
        assert self.reader.readline() == b"ANSWER\n"  # the handler is running

    def release(self) -> bytes:
        """Answer; what the server sends until it closes the call."""
        self.sock.sendall(b"200 result=0\n")
        rest = self.reader.read()
        self.reader.close()
        self.sock.close()
        return rest


def wait_until_idle(server: RunningServer) -> None:
    """Block until the server counts no running call (on its own signals, no polling)."""
    if server.kind == "threaded":
        threaded = server.threaded
        with threaded._calls_changed:
            assert threaded._calls_changed.wait_for(lambda: not threaded._calls, SAFETY)
        return

    async def calls_ended() -> None:
        calls = set(server.aio._calls)
        if calls:
            await asyncio.wait(calls, timeout=SAFETY)
        await asyncio.sleep(0)  # the done callbacks that forget the calls run after

    server._call(calls_ended())
    assert server.aio.active_calls == 0


def refused_calls(server: RunningServer) -> int:
    return server.threaded.refused_calls if server.kind == "threaded" else server.aio.refused_calls


def test_calls_past_the_limit_are_closed_unserved(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.register("held", answered_then_done)
    caplog.set_level(logging.DEBUG, logger="pystrix.agi")
    held = [HeldCall(server.port, number) for number in (1, 2)]

    extra = [fastagi_call("127.0.0.1", server.port, "held", timeout=SAFETY) for _ in range(3)]

    assert [(record.commands, record.ended_by) for record in extra] == [([], "server")] * 3
    assert refused_calls(server) == 3
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    # A run of refusals warns once; the rest are at debug level.
    assert [r.levelno for r in refusals] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert "2 calls running" in refusals[0].getMessage()
    assert "3 refused so far" in refusals[2].getMessage()

    # The held calls were not disturbed, and once they end calls are served again.
    assert [call.release() for call in held] == [b"", b""]
    wait_until_idle(server)
    again = fastagi_call("127.0.0.1", server.port, "held", timeout=SAFETY)
    assert (again.commands, again.ended_by) == (["ANSWER"], "server")
    assert refused_calls(server) == 3

    # A new run of refusals warns again.
    held = [HeldCall(server.port, number) for number in (3, 4)]
    caplog.clear()
    assert fastagi_call("127.0.0.1", server.port, "held", timeout=SAFETY).commands == []
    assert [r.levelno for r in caplog.records if "refused" in r.getMessage()] == [logging.WARNING]
    for call in held:
        call.release()


def test_the_defaults_and_bad_limits() -> None:
    threaded = FastAGIServer(port=0)
    try:
        assert threaded.max_calls == 4000
        assert threaded.refused_calls == 0
    finally:
        threaded.server_close()
    assert aio.FastAGIServer(port=0).max_calls is None
    assert FastAGIServer.__init__.__kwdefaults__["max_calls"] == 4000
    for bad in (0, -1):
        with pytest.raises(ValueError, match="max_calls must be at least 1"):
            aio.FastAGIServer(port=0, max_calls=bad)
        with pytest.raises(ValueError, match="max_calls must be at least 1"):
            FastAGIServer(port=0, max_calls=bad)


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        ([], {}),
        (["--max-calls", "0"], {"max_calls": None}),
        (["--max-calls", "250"], {"max_calls": 250}),
    ],
)
def test_the_cli_option(argv: list[str], options: dict[str, Any]) -> None:
    args = build_parser().parse_args(["fastagi", "mod:func", *argv])
    assert _limit_options(args) == options


def test_the_cli_refuses_a_negative_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["fastagi", "mod:func", "--max-calls", "-3"])
    assert exit_info.value.code == 2
    assert "a number of calls is 0 or more" in capsys.readouterr().err
