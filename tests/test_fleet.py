"""pystrix.fleet.Fleet over real sockets, against several simulated Asterisks.

Events are made with ``UserEvent`` actions sent through the fleet; every wait is on an
iterator, a listener call or a connection, with a safety timeout only so that a bug
cannot hang the suite.  Nothing is timed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pystrix.ami import Event, ManagerSocketError, Message, ReconnectPolicy, core
from pystrix.fleet import Fleet, FleetListener, ServerConfig, load_config
from pystrix.testing import AsteriskSimulator

SAFETY = 10.0  # seconds: only so that a bug cannot hang the suite
FAST = ReconnectPolicy(initial_delay=0.05, max_delay=0.2, jitter=1.0)
WRONG_SECRET = "Wr0ng-S3cret-Never-Logged"


def make_simulator(port: int = 0) -> AsteriskSimulator:
    return AsteriskSimulator(port=port, auth_failure_delay=0.01, time_scale=0.02).start()


@pytest.fixture
def simulators() -> Iterator[list[AsteriskSimulator]]:
    """Three simulated servers on free loopback ports."""
    running = [make_simulator() for _ in range(3)]
    try:
        yield running
    finally:
        for simulator in running:
            simulator.stop()


def config(name: str, simulator: AsteriskSimulator, secret: str = "wordpass") -> ServerConfig:
    return ServerConfig(name, simulator.host, simulator.port, "admin", secret, connect_timeout=5)


def run(scenario: Callable[[], Any]) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(scenario(), 60)

    return asyncio.run(bounded())


async def take(iterator: AsyncIterator[tuple[str, Event]], count: int) -> list[tuple[str, Event]]:
    """The next ``count`` items of ``iterator``."""
    items = []
    for _ in range(count):
        items.append(await asyncio.wait_for(iterator.__anext__(), SAFETY))
    return items


async def user_event(fleet: Fleet, server: str, index: int, name: str = "Lab") -> None:
    response = await fleet.send_action(server, core.UserEvent(name, Index=str(index)))
    assert response.success


class Recorder:
    """A FleetListener that keeps every call and lets a test wait for a condition."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self._changed = asyncio.Event()

    def _add(self, *call: Any) -> None:
        self.calls.append(call)
        self._changed.set()

    def server_connected(self, server: str, connection: str, at: float) -> None:
        self._add("connected", server, connection, at)

    def server_disconnected(self, server: str, connection: str, at: float) -> None:
        self._add("disconnected", server, connection, at)

    def server_event(
        self, server: str, connection: str, seq: int, at: float, event: Message
    ) -> None:
        self._add("event", server, connection, seq, at, event)

    def server_removed(self, server: str) -> None:
        self._add("removed", server)

    def of(self, kind: str, server: str | None = None) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] == kind and (server is None or c[1] == server)]

    def user_events(self, server: str) -> list[tuple[Any, ...]]:
        return [c for c in self.of("event", server) if c[5].name == "UserEvent"]

    async def until(self, condition: Callable[[], bool]) -> None:
        async def waiting() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(waiting(), SAFETY)


def test_a_listener_satisfies_the_protocol() -> None:
    listener: FleetListener = Recorder()
    assert listener is not None


def test_connects_and_yields_each_servers_events_in_order(
    simulators: list[AsteriskSimulator],
) -> None:
    async def scenario() -> None:
        names = ["pbx0", "pbx1", "pbx2"]
        async with Fleet(
            [config(n, s) for n, s in zip(names, simulators, strict=True)], reconnect=FAST
        ) as fleet:
            assert fleet.servers() == names
            assert await fleet.wait_connected(timeout=SAFETY)
            # Subscribed here, before the events exist and before the loop starts.
            chosen = fleet.events(servers=["pbx0", "pbx2"], filter="userevent")
            everything = fleet.events(filter=re.compile("^User"))
            labs = fleet.events(filter=lambda server, event: event.get("UserEvent") == "Lab")
            for index in range(5):
                for name in names:
                    await user_event(fleet, name, index, "Lab" if name == "pbx1" else "Other")
            got = await take(chosen, 10)
            assert all(isinstance(event, Event) for _, event in got)
            for name in ("pbx0", "pbx2"):
                indexes = [event["Index"] for server, event in got if server == name]
                assert indexes == ["0", "1", "2", "3", "4"]
            assert {server for server, _ in got} == {"pbx0", "pbx2"}
            every = await take(everything, 15)
            for name in names:
                assert [e["Index"] for s, e in every if s == name] == ["0", "1", "2", "3", "4"]
            lab = await take(labs, 5)
            assert [(s, e["Index"]) for s, e in lab] == [("pbx1", str(i)) for i in range(5)]

    run(scenario)


def test_send_action_and_status(simulators: list[AsteriskSimulator]) -> None:
    async def scenario() -> None:
        # A port nothing listens on: the server stays disconnected.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            dead_port = probe.getsockname()[1]
        dead = ServerConfig("dead", "127.0.0.1", dead_port, "admin", "wordpass")
        fleet = Fleet([config("pbx0", simulators[0]), dead], reconnect=FAST)
        before = fleet.status()
        assert before["pbx0"].connected is False
        assert before["pbx0"].since is None
        await fleet.start()
        try:
            assert await fleet.wait_connected("pbx0", timeout=SAFETY)
            assert not await fleet.wait_connected(timeout=0.2)  # "dead" never connects
            response = await fleet.send_action("pbx0", core.Ping())
            assert response.success
            assert response.response.name == "Success"
            with pytest.raises(KeyError):
                await fleet.send_action("nowhere", core.Ping())
            with pytest.raises(ManagerSocketError, match="dead"):
                await fleet.send_action("dead", core.Ping())
            with pytest.raises(KeyError):
                await fleet.wait_connected("nowhere")
            events = fleet.events(servers=["pbx0"], filter="UserEvent")
            for index in range(3):
                await user_event(fleet, "pbx0", index)
            await take(events, 3)
            status = fleet.status()
            assert set(status) == {"pbx0", "dead"}
            live = status["pbx0"]
            assert live.name == "pbx0"
            assert live.connected is True
            assert live.since is not None
            assert live.reconnects == 0
            assert live.events_per_second > 0
            assert live.last_event_age is not None and live.last_event_age >= 0
            assert live.events_dropped == 0
            assert live.connection is not None and len(live.connection) == 12
            down = status["dead"]
            assert (down.connected, down.connection, down.since) == (False, None, None)
            assert down.events_per_second == 0
            assert down.last_event_age is None
        finally:
            await fleet.close()
        assert fleet.status()["pbx0"].connected is False

    run(scenario)


def test_listener_sees_connection_events_and_loss(simulators: list[AsteriskSimulator]) -> None:
    simulator = simulators[0]

    async def scenario() -> None:
        recorder = Recorder()
        fleet = Fleet([config("pbx0", simulator)], reconnect=FAST)
        fleet.add_listener(recorder)
        async with fleet:
            assert await fleet.wait_connected(timeout=SAFETY)
            for index in range(4):
                await user_event(fleet, "pbx0", index)
            await recorder.until(lambda: len(recorder.user_events("pbx0")) == 4)
            await asyncio.get_running_loop().run_in_executor(None, simulator.stop)
            await recorder.until(lambda: bool(recorder.of("disconnected")))
            assert fleet.status()["pbx0"].connected is False
        kinds = [call[0] for call in recorder.calls]
        assert kinds[0] == "connected"
        assert kinds[-1] == "disconnected"
        assert kinds.count("connected") == kinds.count("disconnected") == 1
        connection = recorder.calls[0][2]
        events = recorder.of("event")
        assert [call[3] for call in events] == list(range(1, len(events) + 1))
        assert {call[2] for call in events} == {connection}
        assert [c[5]["Index"] for c in recorder.user_events("pbx0")] == ["0", "1", "2", "3"]
        assert events[-1][5].name == "Shutdown"  # the last event before the loss
        stamps = [call[4] for call in events]
        assert stamps == sorted(stamps)
        assert all(isinstance(call[5], Message) for call in events)

    run(scenario)


def test_reconnects_after_the_server_restarts(simulators: list[AsteriskSimulator]) -> None:
    port = simulators[0].port

    async def scenario() -> None:
        recorder = Recorder()
        fleet = Fleet([config("pbx0", simulators[0])], reconnect=FAST)
        fleet.add_listener(recorder)
        loop = asyncio.get_running_loop()
        async with fleet:
            assert await fleet.wait_connected(timeout=SAFETY)
            first = fleet.status()["pbx0"].connection
            await user_event(fleet, "pbx0", 1)
            await recorder.until(lambda: len(recorder.user_events("pbx0")) == 1)
            await loop.run_in_executor(None, simulators[0].stop)
            await recorder.until(lambda: bool(recorder.of("disconnected")))
            # The same port again, as an Asterisk restart would.
            simulators[0] = await loop.run_in_executor(None, make_simulator, port)
            await recorder.until(lambda: len(recorder.of("connected")) == 2)
            assert await fleet.wait_connected(timeout=SAFETY)
            status = fleet.status()["pbx0"]
            assert status.reconnects == 1
            assert status.connection is not None and status.connection != first
            await user_event(fleet, "pbx0", 2)
            await recorder.until(lambda: len(recorder.user_events("pbx0")) == 2)
        second = recorder.of("connected")[1][2]
        assert second == status.connection
        by_connection: dict[str, list[int]] = {}
        for call in recorder.of("event"):
            by_connection.setdefault(call[2], []).append(call[3])
        assert set(by_connection) == {first, second}
        for seqs in by_connection.values():
            assert seqs == list(range(1, len(seqs) + 1))  # seq restarts at 1
        kinds = [call[0] for call in recorder.calls if call[0] != "event"]
        assert kinds == ["connected", "disconnected", "connected", "disconnected"]

    run(scenario)


def test_add_and_remove_servers_while_another_streams(
    simulators: list[AsteriskSimulator],
) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        fleet = Fleet([config("pbx0", simulators[0])], reconnect=FAST)
        fleet.add_listener(recorder)
        async with fleet:
            assert await fleet.wait_connected(timeout=SAFETY)
            connection = fleet.status()["pbx0"].connection
            stream = fleet.events(servers=["pbx0"], filter="UserEvent")
            sent = 0
            stop = asyncio.Event()

            async def produce() -> None:
                nonlocal sent
                while not stop.is_set():
                    await user_event(fleet, "pbx0", sent)
                    sent += 1

            producer = asyncio.create_task(produce())
            seen = await take(stream, 5)
            await fleet.add_server(config("pbx1", simulators[1]))
            with pytest.raises(ValueError, match="pbx1"):
                await fleet.add_server(config("pbx1", simulators[2]))
            assert await fleet.wait_connected("pbx1", timeout=SAFETY)
            added = fleet.events(servers=["pbx1"], filter="UserEvent")
            await user_event(fleet, "pbx1", 100)
            assert [e["Index"] for _, e in await take(added, 1)] == ["100"]
            seen += await take(stream, 5)
            await fleet.remove_server("pbx1")
            assert fleet.servers() == ["pbx0"]
            with pytest.raises(KeyError):
                await fleet.remove_server("pbx1")
            with pytest.raises(KeyError):
                await fleet.send_action("pbx1", core.Ping())
            seen += await take(stream, 5)
            stop.set()
            await asyncio.wait_for(producer, SAFETY)
            seen += await take(stream, sent - len(seen))
            assert [int(e["Index"]) for _, e in seen] == list(range(sent))
            status = fleet.status()
            assert set(status) == {"pbx0"}
            assert status["pbx0"].connection == connection
            assert status["pbx0"].reconnects == 0
        pbx1 = [call[0] for call in recorder.calls if call[1] == "pbx1" and call[0] != "event"]
        assert pbx1 == ["connected", "disconnected", "removed"]
        assert [c[0] for c in recorder.calls if c[1] == "pbx0" and c[0] != "event"] == [
            "connected",
            "disconnected",  # the fleet's close
        ]

    run(scenario)


class Collect(logging.Handler):
    """Keeps every record and wakes a waiter on each."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        async def waiting() -> None:
            while not condition():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(waiting(), SAFETY)


def test_a_refused_login_is_retried_and_logged_without_the_secret(
    simulators: list[AsteriskSimulator],
) -> None:
    async def scenario() -> None:
        handler = Collect()
        logger = logging.getLogger("test_fleet.refused")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:
            servers = [config("bad", simulators[0], WRONG_SECRET), config("good", simulators[1])]
            async with Fleet(servers, reconnect=FAST, logger=logger) as fleet:

                def refusals() -> list[logging.LogRecord]:
                    return [r for r in handler.records if "login refused" in r.getMessage()]

                await handler.until(lambda: len(refusals()) >= 3)  # it keeps retrying
                assert all(r.levelno == logging.ERROR for r in refusals())
                assert "bad" in refusals()[0].getMessage()
                assert await fleet.wait_connected("good", timeout=SAFETY)
                assert fleet.status()["bad"].connected is False
                assert fleet.status()["bad"].connection is None
        finally:
            logger.removeHandler(handler)
        for record in handler.records:
            assert WRONG_SECRET not in record.getMessage()
            assert WRONG_SECRET not in str(record.args)

    run(scenario)


def test_close_ends_the_iterators(simulators: list[AsteriskSimulator]) -> None:
    async def scenario() -> None:
        fleet = Fleet([config("pbx0", simulators[0])], reconnect=FAST)
        await fleet.start()
        assert await fleet.wait_connected(timeout=SAFETY)
        seen: list[str] = []

        async def consume() -> None:
            async for server, _ in fleet.events(filter="UserEvent"):
                seen.append(server)

        consumer = asyncio.create_task(consume())
        await user_event(fleet, "pbx0", 0)
        await fleet.close()
        await asyncio.wait_for(consumer, SAFETY)  # ended by close(), not cancelled
        await fleet.close()  # idempotent
        after = fleet.events()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(after.__anext__(), SAFETY)

    run(scenario)


def test_a_full_iterator_drops_and_counts(simulators: list[AsteriskSimulator]) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        fleet = Fleet([config("pbx0", simulators[0])], reconnect=FAST)
        fleet.add_listener(recorder)
        async with fleet:
            assert await fleet.wait_connected(timeout=SAFETY)
            small = fleet.events(filter="UserEvent", queue_size=2)
            for index in range(5):
                await user_event(fleet, "pbx0", index)
            # Listeners run before the iterators are offered the same event.
            await recorder.until(lambda: len(recorder.user_events("pbx0")) == 5)
            assert fleet.status()["pbx0"].events_dropped == 3
            assert [e["Index"] for _, e in await take(small, 2)] == ["0", "1"]  # the oldest kept
            fleet.remove_listener(recorder)
            await user_event(fleet, "pbx0", 5)
            assert [e["Index"] for _, e in await take(small, 1)] == ["5"]
        assert len(recorder.user_events("pbx0")) == 5

    run(scenario)


def test_from_a_toml_file(
    simulators: list[AsteriskSimulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fleet.toml"
    (tmp_path / "secret").write_text("wordpass\n", encoding="utf-8")
    path.write_text(
        "[fleet]\nreconnect = { initial_delay = 0.05, max_delay = 0.2 }\n"
        + "".join(
            f'[[servers]]\nname = "pbx{i}"\nhost = "{s.host}"\nport = {s.port}\n'
            f'username = "admin"\nsecret_file = "secret"\n'
            for i, s in enumerate(simulators)
        ),
        encoding="utf-8",
    )

    async def scenario() -> None:
        async with Fleet.from_config(load_config(path, {})) as fleet:
            assert await fleet.wait_connected(timeout=SAFETY)
            assert fleet.servers() == ["pbx0", "pbx1", "pbx2"]
            assert all(status.connected for status in fleet.status().values())

    run(scenario)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_tls_from_the_configuration(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    path = tmp_path / "fleet.toml"
    with AsteriskSimulator(tls=serving, auth_failure_delay=0.01) as simulator:
        path.write_text(
            f'[[servers]]\nname = "secure"\nhost = "{simulator.host}"\nport = {simulator.port}\n'
            'username = "admin"\nsecret_env = "PBX_SECRET"\ntls = { cafile = "cert.pem" }\n',
            encoding="utf-8",
        )
        config = load_config(path, {"PBX_SECRET": "wordpass"})

        async def scenario() -> None:
            async with Fleet.from_config(config) as fleet:
                assert await fleet.wait_connected("secure", timeout=SAFETY)
                response = await fleet.send_action("secure", core.Command("core show version"))
                assert response.success

        run(scenario)
