"""The connection's life is the core's: ``ClientProtocol`` moves its own state.

Bytes in, state and outputs out, on the core alone; then the same three endings (bad bytes,
an oversized message, the server's close) over real sockets on both Managers, where the
front-end only closes its socket and reports what the core decided.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from managers import make
from pystrix.ami import core
from pystrix.ami.errors import ManagerSocketError, MessageTooLargeError, RemoteProtocolError
from pystrix.ami.protocol import ClientProtocol, ConnectionState, PendingAction
from scripted_server import BANNER, Peer, ScriptedServer

OPEN = ConnectionState.OPEN


def feed(protocol: ClientProtocol, data: bytes) -> tuple[ConnectionState, list[Any], list[Any]]:
    dispatch: list[Any] = []
    wake: list[Any] = []
    state = protocol.receive_into(data, dispatch, wake)
    return state, dispatch, wake


def opened(**options: Any) -> ClientProtocol:
    protocol = ClientProtocol(peer="pbx:5038", **options)
    assert feed(protocol, BANNER)[0] is OPEN
    return protocol


# -- the core alone ---------------------------------------------------------------------


def test_the_banner_opens_the_connection_even_when_split() -> None:
    protocol = ClientProtocol()
    assert protocol.state is ConnectionState.BANNER
    assert feed(protocol, BANNER[:10])[0] is ConnectionState.BANNER
    state, dispatch, wake = feed(protocol, BANNER[10:] + b"Event: FullyBooted\r\n\r\n")
    assert state is OPEN
    assert [item.name for item in dispatch] == ["FullyBooted"]
    assert wake == []


@pytest.mark.parametrize(
    "oversized",
    [
        b"Response: Success\r\nX: " + b"A" * 300,  # a message that never ends
        b"Response: Follows\r\nPrivilege: Command\r\n" + b"line\n" * 100,  # a legacy block
    ],
    ids=["message", "follows-block"],
)
def test_bytes_that_break_the_stream_fail_the_connection_without_raising(
    oversized: bytes,
) -> None:
    protocol = opened(max_message_size=256)
    waiting = protocol.send_action("Ping")
    state, dispatch, wake = feed(protocol, oversized)
    assert state is ConnectionState.FAILED
    assert isinstance(protocol.error, MessageTooLargeError)
    assert isinstance(protocol.error, RemoteProtocolError)
    # Every waiter is among those to wake, ended with the core's error.
    assert wake == [waiting]
    assert waiting.done and waiting.error is protocol.error
    assert dispatch == []
    # Final: more bytes are ignored, and sending raises the documented error.
    assert feed(protocol, b"Event: Late\r\n\r\n") == (ConnectionState.FAILED, [], [])
    with pytest.raises(MessageTooLargeError):
        protocol.send_action("Ping")


def test_an_oversized_banner_fails_the_connection() -> None:
    protocol = ClientProtocol(max_message_size=64)
    state, _, _ = feed(protocol, b"Asterisk Call Manager/" + b"9" * 200)
    assert state is ConnectionState.FAILED
    assert isinstance(protocol.error, MessageTooLargeError)


def test_an_unexpected_close_fails_the_connection_and_names_the_peer() -> None:
    protocol = opened()
    waiting = protocol.send_action("Ping")
    assert protocol.receive_eof() == [waiting]
    assert protocol.state is ConnectionState.FAILED
    assert isinstance(protocol.error, ManagerSocketError)
    assert str(protocol.error) == "pbx:5038 closed the connection"
    assert waiting.error is protocol.error
    with pytest.raises(ManagerSocketError, match="pbx:5038 closed"):
        protocol.send_action("Ping")


@pytest.mark.parametrize("defer_events", [True, False])
@pytest.mark.parametrize(
    "announcement",
    [
        "Response: Goodbye\r\nActionID: {action_id}\r\nMessage: Thanks for all the fish.\r\n\r\n",
        "Event: Shutdown\r\nPrivilege: system,all\r\nShutdown: Cleanly\r\nRestart: False\r\n\r\n",
    ],
    ids=["goodbye", "shutdown"],
)
def test_a_close_announced_by_asterisk_is_closing_then_closed(
    announcement: str, defer_events: bool
) -> None:
    protocol = opened(defer_events=defer_events)
    logoff = protocol.send_action("Logoff")
    state, _, _ = feed(protocol, announcement.format(action_id=logoff.action_id).encode())
    assert state is ConnectionState.CLOSING
    assert protocol.close_expected
    protocol.send_action("Ping")  # still allowed: the socket is open until Asterisk closes
    protocol.receive_eof()
    assert protocol.state is ConnectionState.CLOSED


def test_this_side_closing_ends_every_action_and_further_sends() -> None:
    protocol = opened()
    waiting = protocol.send_action("Ping")
    assert protocol.close() == [waiting]
    assert protocol.state is ConnectionState.CLOSED
    assert isinstance(waiting.error, ManagerSocketError)
    with pytest.raises(ManagerSocketError, match="closed by this client"):
        protocol.send_action("Ping")
    # The first end is the one kept.
    assert protocol.fail(ManagerSocketError("later")) == []
    assert protocol.state is ConnectionState.CLOSED


def test_the_older_receive_data_still_raises_and_leaves_failing_to_the_caller() -> None:
    protocol = opened(max_message_size=64)
    with pytest.raises(MessageTooLargeError):
        protocol.receive_data(b"Response: Success\r\nX: " + b"A" * 100)
    assert protocol.state is OPEN


# -- both Managers ----------------------------------------------------------------------


def _serve(*chunks: bytes, close: bool) -> ScriptedServer:
    """A peer that answers the first action with ``chunks`` (``{id}``: its ActionID)."""

    def script(peer: Peer) -> None:
        message = peer.read_message()
        assert message is not None
        for chunk in chunks:
            peer.send(chunk.replace(b"{id}", str(message.action_id).encode()))
        if close:
            peer.close()
        else:
            peer.read_message()  # until the client hangs up

    return ScriptedServer(script)


@pytest.mark.parametrize(
    ("chunks", "close", "expected", "level"),
    [
        (
            [b"Response: Follows\r\nActionID: {id}\r\n" + b"output\n" * 1000],
            False,
            MessageTooLargeError,
            logging.WARNING,
        ),
        (
            [b"Response: Success\r\nX: " + b"A" * 10000],
            False,
            MessageTooLargeError,
            logging.WARNING,
        ),
        (
            [b"Response: Success\r\nActionID: {id}\r\nPing: Po"],
            True,
            ManagerSocketError,
            logging.WARNING,
        ),
        (
            [b"Response: Goodbye\r\nActionID: {id}\r\nMessage: Thanks for all the fish.\r\n\r\n"],
            True,
            ManagerSocketError,
            logging.INFO,
        ),
    ],
    ids=["bad-bytes", "oversized", "server-close", "announced-close"],
)
def test_each_ending_is_the_cores_and_the_manager_reports_it(
    flavor: str,
    caplog: pytest.LogCaptureFixture,
    chunks: list[bytes],
    close: bool,
    expected: type[BaseException],
    level: int,
) -> None:
    manager = make(flavor, max_message_size=4096)
    reported: list[BaseException] = []
    lost = threading.Event()

    def on_disconnect(_: Any, error: BaseException) -> None:
        reported.append(error)
        lost.set()

    manager.register_disconnect_callback(on_disconnect)
    try:
        with (
            caplog.at_level(logging.INFO, logger="pystrix.ami"),
            _serve(*chunks, close=close) as server,
        ):
            manager.connect(server.host, server.port)
            request = core.Logoff() if level == logging.INFO else core.Ping()
            request.timeout = 30  # the ending must end the wait, not the timeout
            if level == logging.INFO:
                assert manager.send_action(request) is not None  # Goodbye: answered
            else:
                with pytest.raises(ManagerSocketError):
                    manager.send_action(request)
            assert lost.wait(10)
        assert not manager.is_connected()
        # The callback gets the error the core recorded when it changed state.
        assert isinstance(reported[0], expected)
        ending = [r for r in caplog.records if "AMI " in r.getMessage()]
        assert [r.levelno for r in ending] == [level]
        with pytest.raises(ManagerSocketError):
            manager.send_action(core.Ping())
    finally:
        manager.close()


def test_pending_action_is_woken_once_when_the_core_fails() -> None:
    """The reader wakes what the core ended on bad bytes; the front-end's own end then
    finds nothing more to end."""
    protocol = opened(max_message_size=64)
    first = protocol.send_action("Ping")
    second = protocol.send_action("Ping")
    _, _, wake = feed(protocol, b"Response: Success\r\nX: " + b"A" * 100)
    assert wake == [first, second]
    assert all(isinstance(item, PendingAction) and item.done for item in wake)
    assert protocol.fail(ManagerSocketError("the front-end's own end")) == []


def test_a_banner_that_breaks_the_limit_fails_connect(flavor: str) -> None:
    manager = make(flavor, max_message_size=256)

    def script(peer: Peer) -> None:
        peer.send(b"Asterisk Call Manager/" + b"9" * 1000)
        peer.read_message()  # until the client hangs up

    try:
        with ScriptedServer(script, banner=b"") as server:
            with pytest.raises(ManagerSocketError, match="exceeds 256 bytes"):
                manager.connect(server.host, server.port)
            assert not manager.is_connected()
    finally:
        manager.close()
