"""Both Managers against a scripted peer: faults the simulator does not produce."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from managers import make
from pystrix.ami import (
    InvalidHeaderError,
    Manager,
    ManagerError,
    ManagerSocketError,
    Request,
    core,
)
from pystrix.ami.message import Message
from scripted_server import Peer, ScriptedServer, free_port


def _ping_then(after: str, close: bool = True) -> ScriptedServer:
    """A peer that reads one action, writes ``after`` (with its ActionID), then closes."""

    def script(peer: Peer) -> None:
        message = peer.read_message()
        assert message is not None
        peer.send(after.replace("{action_id}", str(message.action_id)))
        if close:
            peer.close()
        else:
            peer.read_message()

    return ScriptedServer(script)


@pytest.fixture
def manager(flavor: str) -> Any:
    return make(flavor)  # closed by conftest's clean-up


def test_connection_refused_names_the_address(manager: Manager) -> None:
    port = free_port()
    with pytest.raises(ManagerSocketError, match=f"127.0.0.1:{port}"):
        manager.connect("127.0.0.1", port, timeout=2)
    assert not manager.is_connected()


def test_server_without_banner_fails_the_connect(manager: Manager) -> None:
    release = threading.Event()
    with ScriptedServer(lambda peer: release.wait(10), banner=b"") as server:
        with pytest.raises(ManagerSocketError, match="banner"):
            manager.connect(server.host, server.port, timeout=0.2)
        release.set()


def test_banner_and_version(manager: Manager) -> None:
    with ScriptedServer(lambda peer: peer.read_message()) as server:
        manager.connect(server.host, server.port)
        info = manager.get_asterisk_info()
        assert info == ("Asterisk Call Manager", "11.0.0")
        assert info is not None and info.version == "11.0.0"


def test_close_mid_response_wakes_the_waiter(manager: Manager) -> None:
    lost: list[BaseException] = []
    notified = threading.Event()

    def on_lost(_: Manager, error: BaseException) -> None:
        lost.append(error)
        notified.set()

    manager.register_disconnect_callback(on_lost)
    with _ping_then("Response: Success\r\nActionID: {action_id}\r\nPing: Po") as server:
        manager.connect(server.host, server.port)
        request = core.Ping()
        request.timeout = 30  # the failure must end the wait, not the timeout
        with pytest.raises(ManagerSocketError, match="closed"):
            manager.send_action(request)
        assert manager.wait_disconnected(10)
        assert not manager.is_connected()
        assert notified.wait(10)
        assert isinstance(lost[0], ManagerSocketError)
        with pytest.raises(ManagerSocketError):
            manager.send_action(core.Ping())


def test_oversized_message_fails_the_connection(flavor: str) -> None:
    manager = make(flavor, max_message_size=4096)
    try:
        with _ping_then("Response: Success\r\nX: " + "A" * 10000, close=False) as server:
            manager.connect(server.host, server.port)
            request = core.Ping()
            request.timeout = 30
            with pytest.raises(ManagerSocketError, match="exceeds 4096 bytes"):
                manager.send_action(request)
            assert not manager.is_connected()
    finally:
        manager.close()


def test_header_injection_is_refused_and_nothing_is_sent(manager: Manager) -> None:
    def script(peer: Peer) -> None:
        message = peer.read_message()
        assert message is not None
        peer.answer(message, "Ping: Pong\r\n")
        peer.read_message()

    with ScriptedServer(script) as server:
        manager.connect(server.host, server.port)
        request = Request("Setvar")
        request["Variable"] = "X"
        request["Value"] = "1\r\nAction: Hangup\r\nChannel: SIP/victim"
        with pytest.raises(InvalidHeaderError) as raised:
            manager.send_action(request)
        assert raised.value.header == "Value"
        assert isinstance(raised.value, ValueError)
        with pytest.raises(InvalidHeaderError):
            manager.send_action(core.Ping(), **{"X-Evil\nAction": "Hangup"})
        answer = manager.send_action(core.Ping())
        assert answer is not None and answer.success
        # The first thing the server saw was the Ping: the refused actions never left.
        assert server.peers[0].received[0].name == "Ping"
        assert len(server.peers[0].received) == 1


def test_timeout_returns_none_and_the_late_response_is_an_orphan(manager: Manager) -> None:
    orphans: list[Message] = []
    got_orphan = threading.Event()
    release = threading.Event()

    def on_orphan(response: Message, _: Manager) -> None:
        orphans.append(response)
        got_orphan.set()

    def script(peer: Peer) -> None:
        message = peer.read_message()
        assert message is not None
        release.wait(10)
        peer.answer(message, "Ping: Pong\r\n")
        peer.read_message()

    manager.register_callback(None, on_orphan)
    with ScriptedServer(script) as server:
        manager.connect(server.host, server.port)
        request = core.Ping()
        request.timeout = 0.1
        assert manager.send_action(request) is None
        release.set()
        assert got_orphan.wait(10)
        assert orphans[0]["Ping"] == "Pong"


def test_legacy_command_output_arrives_as_data(manager: Manager) -> None:
    legacy = (
        "Response: Follows\r\nPrivilege: Command\r\nActionID: {action_id}\r\n"
        "Asterisk 13.38.3 built by root\n\nName: value: with colons\n"
        "last line--END COMMAND--\r\n\r\n"
    )
    with _ping_then(legacy, close=False) as server:
        manager.connect(server.host, server.port)
        answer = manager.send_action(core.Command("core show version"))
        assert answer is not None
        assert answer.success
        assert answer.result.data == [
            "Asterisk 13.38.3 built by root",
            "",
            "Name: value: with colons",
            "last line",
        ]


def test_legacy_command_output_without_its_end_marker_does_not_stall(manager: Manager) -> None:
    """A Response: Follows block that lost its --END COMMAND-- ends at the next message (an
    event here): the command gets its output and the next request its answer."""
    lost_marker = (
        "Response: Follows\r\nPrivilege: Command\r\nActionID: {action_id}\r\n"
        "Asterisk 13.38.3 built by root\n\r\n"
        "Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"
    )

    def script(peer: Peer) -> None:
        command = peer.read_message()
        assert command is not None
        peer.send(lost_marker.replace("{action_id}", str(command.action_id)))
        ping = peer.read_message()
        assert ping is not None
        peer.answer(ping, "Ping: Pong\r\n")
        peer.read_message()

    with ScriptedServer(script) as server:
        manager.connect(server.host, server.port)
        answer = manager.send_action(core.Command("core show version"))
        assert answer is not None and answer.result.data == ["Asterisk 13.38.3 built by root"]
        pong = manager.send_action(core.Ping())
        assert pong is not None and pong.response["Ping"] == "Pong"


def test_send_action_before_connect_and_after_close(flavor: str) -> None:
    manager = make(flavor)
    with pytest.raises(ManagerSocketError):
        manager.send_action(core.Ping())
    manager.close()
    with pytest.raises(ManagerError):
        manager.send_action(core.Ping())
    with pytest.raises(ManagerError):
        manager.connect("127.0.0.1", free_port())


def test_monitor_notices_a_server_that_stops_answering(manager: Manager) -> None:
    silent = threading.Event()

    def script(peer: Peer) -> None:
        while (message := peer.read_message()) is not None:
            if not silent.is_set():
                peer.answer(message, "Ping: Pong\r\n")

    with ScriptedServer(script) as server:
        manager.connect(server.host, server.port)
        assert manager.send_action(core.Ping()) is not None
        silent.set()
        manager.monitor_connection(interval=0.05)
        assert manager.wait_disconnected(10)
        assert not manager.is_connected()


def test_reader_thread_failure_is_logged_and_releases_waiters(
    manager: Manager, caplog: pytest.LogCaptureFixture
) -> None:
    with _ping_then("Response: Success\r\nActionID: {action_id}\r\n") as server:
        manager.connect(server.host, server.port)
        with caplog.at_level(logging.WARNING, logger="pystrix.ami"):
            request = core.Ping()
            request.timeout = 30
            with pytest.raises(ManagerSocketError):
                manager.send_action(request)
            assert manager.wait_disconnected(10)
    assert any("connection lost" in record.message for record in caplog.records)


def test_debug_logs_never_show_the_secret(flavor: str, caplog: pytest.LogCaptureFixture) -> None:
    def script(peer: Peer) -> None:
        while (message := peer.read_message()) is not None:
            peer.answer(message, "Message: Authentication accepted\r\n")

    manager = make(flavor, debug=True)
    with ScriptedServer(script) as server, caplog.at_level(logging.DEBUG, logger="pystrix.ami"):
        manager.connect(server.host, server.port)
        manager.send_action(core.Login("admin", "plain-secret-123"))
        manager.send_action(core.Login("admin", "md5-secret-456", challenge="1234"))
        login = core.Login("admin", "repr-secret-789")
        assert "repr-secret-789" not in repr(login)
        manager.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "sending" in logged
    assert "Username: admin" in logged
    for secret in ("plain-secret-123", "md5-secret-456"):
        assert secret not in logged
    # The MD5 key is a password equivalent for that challenge: masked too.
    assert "Key: ***" in logged
    assert "Secret: ***" in logged


@pytest.mark.parametrize("before_close", ["", "Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"])
def test_a_connection_lost_before_connect_returns_is_reported(
    manager: Manager, before_close: str
) -> None:
    """The server closes right after its banner (and maybe an event), before ``connect``
    has returned: the disconnect callbacks run all the same, after that event."""
    seen: list[str] = []
    lost = threading.Event()

    def on_disconnect(_: Any, error: BaseException) -> None:
        seen.append("disconnected")
        lost.set()

    manager.register_callback("", lambda event, _: seen.append(event.name))
    manager.register_disconnect_callback(on_disconnect)

    def script(peer: Peer) -> None:
        if before_close:
            peer.send(before_close)
        peer.close()

    with ScriptedServer(script) as server:
        manager.connect(server.host, server.port)
        assert lost.wait(10)
    assert seen == (["FullyBooted"] if before_close else []) + ["disconnected"]
    assert not manager.is_connected()
    assert manager.wait_disconnected(0)
