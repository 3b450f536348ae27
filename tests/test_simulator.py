"""The simulator against the recordings of a real Asterisk 22.10.1.

Each replay connects to a fresh simulator, sends exactly what the recorded client sent
(waiting, before each send, for as many messages as the real server had sent by then),
and compares the answers with the recorded ones: responses and list items in order,
header by header; asynchronous events as a multiset and, per channel, in order.  Values
that change on every run (timestamps, ids, addresses, channel counters) are masked by
:func:`transcripts.normalize`.  Socket timeouts are only a guard against hangs.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pystrix.ami.message import Message
from pystrix.ami.protocol import MessageParser
from pystrix.testing import AsteriskSimulator, SimulatedUser, simulator
from transcripts import (
    Transcript,
    event_multiset,
    events_by_channel,
    load,
    normalize,
    split_messages,
)

GUARD = 10.0  # seconds: only ever reached when something hangs


class Client:
    """A raw AMI client that keeps every message the simulator sends."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=GUARD)
        self.parser = MessageParser(expect_banner=True)
        self.messages: list[Message] = []
        self.eof = False
        while self.parser.banner is None and not self.eof:
            self._read()

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return
        self.messages.extend(self.parser.feed(data))

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode("utf-8"))

    def read_until(self, count: int) -> None:
        """Read until ``count`` messages in all have arrived (or the server closed)."""
        while len(self.messages) < count and not self.eof:
            self._read()

    def read_until_events(self, count: int) -> None:
        """Read until ``count`` asynchronous events in all have arrived."""
        while len(split_messages(self.messages)[1]) < count and not self.eof:
            self._read()

    def wait_for(self, predicate: Callable[[Message], bool]) -> Message:
        """Read until a message satisfies ``predicate``; return it."""
        seen = 0
        while True:
            for message in self.messages[seen:]:
                if predicate(message):
                    return message
            seen = len(self.messages)
            if self.eof:
                raise AssertionError("connection closed before the expected message")
            self._read()

    def read_to_eof(self) -> None:
        while not self.eof:
            self._read()

    def close(self) -> None:
        self.sock.close()


Rewrite = Callable[[str, Client], str]


def md5_login(secret: str) -> Rewrite:
    """Recompute a recorded MD5 ``Key`` from the challenge this simulator issued."""

    def rewrite(text: str, client: Client) -> str:
        if "Key:" not in text:
            return text
        challenge = next(m["Challenge"] for m in reversed(client.messages) if "Challenge" in m)
        key = hashlib.md5((challenge + secret).encode()).hexdigest()
        lines = [f"Key: {key}" if line.startswith("Key:") else line for line in text.split("\r\n")]
        return "\r\n".join(lines)

    return rewrite


_COUNTER = re.compile(r"(?<=-)[0-9a-f]{8}(?=;[12])")


def _counters(messages: list[Message]) -> list[str]:
    seen: dict[str, None] = {}
    for message in messages:
        for _, value in message.header_pairs():
            for counter in _COUNTER.findall(value):
                seen.setdefault(counter, None)
    return list(seen)


def replay(transcript: Transcript, client: Client, rewrite: Rewrite | None = None) -> None:
    """Send what the recorded client sent, channel names translated to this run's."""
    recorded = transcript.server_messages()
    for step in transcript.steps():
        client.read_until_events(step.events_before_answer)
        text = rewrite(step.data, client) if rewrite else step.data
        ours = dict(zip(_counters(recorded), _counters(client.messages), strict=False))
        for theirs, mine in ours.items():
            text = text.replace(f"-{theirs};", f"-{mine};")
        client.send(text)
        client.read_until(step.expected_total)
    if transcript.server_closed:
        client.read_to_eof()


def assert_same_answers(recorded: list[Message], got: list[Message]) -> None:
    recorded_ordered, recorded_events = split_messages(recorded)
    got_ordered, got_events = split_messages(got)
    assert [normalize(m) for m in got_ordered] == [normalize(m) for m in recorded_ordered]
    assert event_multiset(got_events) == event_multiset(recorded_events)
    assert events_by_channel(got_events) == events_by_channel(recorded_events)


@pytest.fixture
def make_simulator() -> Iterator[Callable[..., AsteriskSimulator]]:
    started: list[AsteriskSimulator] = []

    def make(**options: object) -> AsteriskSimulator:
        options.setdefault("auth_failure_delay", 0.01)
        sim = AsteriskSimulator(**options)  # type: ignore[arg-type]
        started.append(sim.start())
        return sim

    yield make
    for sim in started:
        sim.stop()


# name -> time_scale.  Where a request inspects a live call (07, 10, 15) the scale keeps
# the recorded state long enough for the request; elsewhere it only keeps calls' steps in
# the recorded order.
REPLAYS = {
    "01-login-md5": 1.0,
    "02-login-plain-ok": 1.0,
    "03-login-bad-password": 1.0,
    "03-login-bad-password-md5": 1.0,
    "03-login-bad-password-nouser": 1.0,
    "04-ping": 1.0,
    "05-command": 1.0,
    "06-coreshowchannels-empty": 1.0,
    "07-coreshowchannels-busy": 0.4,
    "08-originate-async": 0.1,
    "09-originate-sync-fail": 0.2,
    "10-getvar-setvar": 0.1,
    "11-db": 1.0,
    "12-userevent": 1.0,
    "13-events-filter": 1.0,
    "13-events-filter-login-events-off": 1.0,
    "14-unknown-action": 1.0,
    "15-status": 0.1,
    "16-listcommands": 1.0,
    "19-reader-permission-denied": 1.0,
    "20-fullybooted": 1.0,
}


@pytest.mark.parametrize("name", sorted(REPLAYS))
def test_replay_matches_recording(
    name: str, make_simulator: Callable[..., AsteriskSimulator]
) -> None:
    transcript = load(name)
    sim = make_simulator(time_scale=REPLAYS[name])
    client = Client(sim.address)
    try:
        # 01's Key answers the recorded challenge: recompute it (03-...-md5's is wrong anyway).
        replay(transcript, client, md5_login("wordpass") if name == "01-login-md5" else None)
        assert client.parser.banner == transcript.banner()
        assert client.eof == transcript.server_closed
        assert_same_answers(transcript.server_messages(), client.messages)
    finally:
        client.close()


def test_bad_md5_key_is_refused(make_simulator: Callable[..., AsteriskSimulator]) -> None:
    sim = make_simulator()
    client = Client(sim.address)
    client.send("Action: Challenge\r\nActionID: c\r\nAuthType: MD5\r\n\r\n")
    client.read_until(1)
    client.send("Action: Login\r\nAuthType: MD5\r\nUsername: admin\r\nKey: 0123\r\n\r\n")
    client.read_to_eof()
    assert [m.get("Message") for m in client.messages[1:]] == ["Authentication failed"]


def test_shutdown_by_core_stop_now(make_simulator: Callable[..., AsteriskSimulator]) -> None:
    """Transcripts 21: the commander is just closed; the observer gets Shutdown first."""
    observer_transcript = load("21-shutdown")
    commander_transcript = load("21-shutdown-commander")
    sim = make_simulator()
    observer = Client(sim.address)
    observer.send(observer_transcript.steps()[0].data)
    observer.read_until(3)
    commander = Client(sim.address)
    login, stop = commander_transcript.steps()
    commander.send(login.data)
    commander.read_until(login.expected_total)
    observer.read_until(4)  # the commander's SuccessfulAuth
    commander.send(stop.data)
    commander.read_to_eof()
    observer.read_to_eof()
    assert_same_answers(commander_transcript.server_messages(), commander.messages)
    assert_same_answers(observer_transcript.server_messages(), observer.messages)
    assert sim.wait(GUARD)
    sim.stop()
    observer.close()
    commander.close()


def test_stop_sends_shutdown_to_every_session_and_closes(
    make_simulator: Callable[..., AsteriskSimulator],
) -> None:
    sim = make_simulator(time_scale=1.0)
    admin, reader, anonymous = Client(sim.address), Client(sim.address), Client(sim.address)
    admin.send("Action: Login\r\nUsername: admin\r\nSecret: wordpass\r\n\r\n")
    admin.wait_for(lambda m: m.name == "SuccessfulAuth")
    reader.send("Action: Login\r\nUsername: reader\r\nSecret: readpass\r\n\r\n")
    reader.wait_for(lambda m: m.name == "FullyBooted")
    # A long call is still up at stop(): its timers must not outlive the simulator.
    admin.send("Action: Originate\r\nChannel: Local/500@test\r\nApplication: Wait\r\n")
    admin.send("Data: 30\r\nAsync: yes\r\n\r\n")
    admin.wait_for(lambda m: m.name == "OriginateResponse")
    sim.stop()
    sim.stop()  # idempotent
    for client in (admin, reader):
        client.read_to_eof()
        shutdown = [m for m in client.messages if m.name == "Shutdown"]
        assert [normalize(m) for m in shutdown] == [
            (
                ("Event", "Shutdown"),
                ("Privilege", "system,all"),
                ("Shutdown", "Uncleanly"),
                ("Restart", "False"),
            )
        ]
        assert client.messages[-1].name == "Shutdown"
    anonymous.read_to_eof()
    assert anonymous.messages == []
    assert not sim.running
    for client in (admin, reader, anonymous):
        client.close()
    with pytest.raises(OSError):
        socket.create_connection(sim.address, timeout=GUARD).close()


def test_stop_without_calls_says_cleanly_and_leaves_no_threads() -> None:
    import threading

    before = set(threading.enumerate())
    with AsteriskSimulator() as sim:
        client = Client(sim.address)
        client.send("Action: Login\r\nUsername: admin\r\nSecret: wordpass\r\n\r\n")
        client.wait_for(lambda m: m.name == "SuccessfulAuth")
    client.read_to_eof()
    assert client.messages[-1].name == "Shutdown"
    assert client.messages[-1]["Shutdown"] == "Cleanly"
    client.close()
    assert set(threading.enumerate()) <= before


def test_simulator_context_manager_yields_address() -> None:
    users = [SimulatedUser("bob", "secret", read="user", write="")]
    with simulator(users=users) as (host, port):
        assert host == "127.0.0.1"
        client = Client((host, port))
        client.send("Action: Login\r\nUsername: bob\r\nSecret: secret\r\n\r\n")
        client.send("Action: UserEvent\r\nActionID: u\r\nUserEvent: Hi\r\n\r\n")
        client.send("Action: Ping\r\nActionID: p\r\n\r\n")
        client.read_until(3)
        # No system read: no FullyBooted; no user write: UserEvent refused, Ping allowed.
        assert [(m.name, m.get("Message")) for m in client.messages] == [
            ("Success", "Authentication accepted"),
            ("Error", "Permission denied"),
            ("Success", None),
        ]
        client.close()


def test_originate_exten_form_runs_the_dialplan_on_the_first_half(
    make_simulator: Callable[..., AsteriskSimulator],
) -> None:
    sim = make_simulator(time_scale=0.2)
    client = Client(sim.address)
    client.send("Action: Login\r\nUsername: admin\r\nSecret: wordpass\r\n\r\n")
    client.send(
        "Action: Originate\r\nActionID: o\r\nChannel: Local/500@test\r\nContext: test\r\n"
        "Exten: 200\r\nPriority: 1\r\nVariable: A=1,B=2\r\n\r\n"
    )
    answer = client.wait_for(lambda m: m.action_id == "o" and not m.is_event)
    assert answer.get("Message") == "Originate successfully queued"
    user_event = client.wait_for(lambda m: m.name == "UserEvent")
    assert user_event["Channel"].endswith(";1")
    assert (user_event["Key1"], user_event["Key2"]) == ("v1", "v2")
    client.send(
        f"Action: Getvar\r\nActionID: g\r\nChannel: {user_event['Channel']}\r\nVariable: B\r\n\r\n"
    )
    got = client.wait_for(lambda m: m.action_id == "g" and not m.is_event)
    assert got["Value"] == "2"
    client.wait_for(lambda m: m.name == "Hangup" and m["Channel"].endswith(";2"))
    client.send("Action: Hangup\r\nActionID: h\r\nChannel: Local/500@test-00000000;1\r\n\r\n")
    missing = client.wait_for(lambda m: m.action_id == "h")
    assert (missing.name, missing["Message"]) == ("Error", "No such channel")
    client.close()


def test_core_show_channels_lists_live_channels(
    make_simulator: Callable[..., AsteriskSimulator],
) -> None:
    sim = make_simulator(time_scale=1.0)
    client = Client(sim.address)
    client.send("Action: Login\r\nUsername: admin\r\nSecret: wordpass\r\nEvents: off\r\n\r\n")
    client.send(
        "Action: Originate\r\nChannel: Local/400@test\r\nApplication: Echo\r\nAsync: 1\r\n\r\n"
    )
    client.send("Action: Command\r\nActionID: c\r\nCommand: core show channels\r\n\r\n")
    output = client.wait_for(lambda m: m.action_id == "c").get_all("Output")
    assert output[0].startswith("Channel ")
    assert [line.split()[0] for line in output[1:3]] == [
        "Local/400@test-00000000;2",
        "Local/400@test-00000000;1",
    ]
    assert output[1].split()[1:] == ["400@test:1", "Up", "Answer()"]
    assert output[3:] == ["2 active channels", "1 active call", "1 call processed"]
    client.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_gracefully_on_signal(signum: int) -> None:
    """``serve`` (behind ``pystrix sim``) sends Shutdown and exits 0 on SIGTERM/SIGINT."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pystrix.testing", "--port", "0", "--secret", "s3cret"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert "listening on 127.0.0.1:" in line
            client = Client(("127.0.0.1", int(line.rsplit(":", 1)[1])))
            client.send("Action: Login\r\nUsername: admin\r\nSecret: s3cret\r\n\r\n")
            client.wait_for(lambda m: m.name == "SuccessfulAuth")
            process.send_signal(signum)
            client.read_to_eof()
            client.close()
            assert client.messages[-1].name == "Shutdown"
            assert process.wait(timeout=GUARD) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_blank_lines_and_odd_requests(make_simulator: Callable[..., AsteriskSimulator]) -> None:
    sim = make_simulator()
    client = Client(sim.address)
    client.send("\r\n\r\nAction: Ping\r\nActionID: p1\r\n\r\n\r\n")
    client.send("Action: Login\r\nUsername: admin\r\nSecret: wordpass\r\nEvents: off\r\n\r\n")
    client.send("Action: Login\r\nActionID: again\r\nUsername: admin\r\nSecret: x\r\n\r\n")
    client.send("Action: QueueStatus\r\nActionID: q\r\n\r\n")
    client.send("Action: Hangup\r\nActionID: h\r\nChannel: Local/1@test-00000000;1\r\n\r\n")
    client.send("Action: DBGet\r\nActionID: d\r\nFamily: f\r\n\r\n")
    client.send("Action: Logoff\r\n\r\n")
    client.read_to_eof()
    assert [(m.name, m.action_id, m.get("Message")) for m in client.messages] == [
        ("Error", "p1", "Permission denied"),
        ("Success", None, "Authentication accepted"),
        ("Success", "again", "Already authenticated"),
        # Every action of the recorded Asterisk now has an answer (tests/test_catalog_lists.py).
        ("Success", "q", "Queue status will follow"),
        ("QueueParams", "q", None),
        ("QueueStatusComplete", "q", None),
        ("Error", "h", "No such channel"),
        ("Error", "d", "No key specified"),
        ("Goodbye", None, "Thanks for all the fish."),
    ]
