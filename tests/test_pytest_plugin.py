"""The pytest plugin, as an application's test suite uses it.

Each test writes a small application test module and runs pytest on it (in this process,
with ``pytester``), loading the plugin by its module path with autoloading off, so the
result does not depend on whether the installed package registers its entry point.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "pystrix.testing.pytest_plugin"
FIXTURES = (
    "pystrix_simulator",
    "pystrix_manager",
    "pystrix_aio_manager",
    "pystrix_fastagi_call",
    "pystrix_fault_proxy",
    "pystrix_redis",
)

APPLICATION_TESTS = """
import asyncio
import re
import threading
from pathlib import Path

import pytest

from pystrix.agi import FastAGIServer
from pystrix.agi import core as agi_core
from pystrix.ami import Manager, ManagerAuthError, ManagerSocketError, core
from pystrix.testing import SimulatedUser
from pystrix.testing.agi import SimulatedChannel

STARTED = Path(__file__).with_name("started.txt")


def remember(host, port):
    with STARTED.open("a") as started:
        started.write(f"{host} {port}\\n")


def test_simulator(pystrix_simulator):
    assert pystrix_simulator.running
    assert pystrix_simulator.host == "127.0.0.1" and pystrix_simulator.port > 0
    remember(pystrix_simulator.host, pystrix_simulator.port)


@pytest.mark.pystrix_simulator(time_scale=0.01)
def test_manager(pystrix_manager):
    assert pystrix_manager.is_connected()
    result = pystrix_manager.originate(
        core.Originate_Application("Local/200@test", "Wait", "1")
    )
    assert result.success


@pytest.mark.pystrix_simulator(users=[SimulatedUser("ops", "s3cret")], auth_failure_delay=0)
def test_manager_logs_in_as_the_markers_first_user(pystrix_simulator, pystrix_manager):
    assert pystrix_manager.send(core.Ping()).success
    with Manager() as other:  # the default account is gone
        other.connect(pystrix_simulator.host, pystrix_simulator.port)
        with pytest.raises(ManagerAuthError):
            other.send(core.Login("admin", "wordpass"))


def test_aio_manager(pystrix_aio_manager):
    async def scenario():
        async with pystrix_aio_manager() as manager:
            iterator = manager.events("UserEvent")
            assert (await manager.send(core.UserEvent("FromTest"))).success
            async for event in iterator:
                assert event["UserEvent"] == "FromTest"
                break
            return manager

    manager = asyncio.run(scenario())
    assert not manager.is_connected()  # closed by the async with


def test_fault_proxy(pystrix_simulator, pystrix_fault_proxy):
    assert pystrix_fault_proxy.upstream == pystrix_simulator.address
    remember(pystrix_fault_proxy.host, pystrix_fault_proxy.port)
    with Manager() as manager:
        manager.connect(pystrix_fault_proxy.host, pystrix_fault_proxy.port)
        manager.send(core.Login("admin", "wordpass"))
        events = manager.events("UserEvent")
        pystrix_fault_proxy.burst_events(2)
        assert [next(events)["Sequence"], next(events)["Sequence"]] == ["1", "2"]
        pystrix_fault_proxy.close_mid_message()
        with pytest.raises(ManagerSocketError):
            manager.send(core.Ping())


def test_fastagi_call(pystrix_fastagi_call):
    def hello(agi, args, kwargs, match, path):
        agi.execute(agi_core.Answer())
        agi.execute(agi_core.StreamFile("hello-world", "1"))

    server = FastAGIServer(port=0)
    server.register_script_handler(re.compile("hello"), hello)
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    try:
        record = pystrix_fastagi_call(
            "127.0.0.1", server.port, "hello", channel=SimulatedChannel(digits=["1"])
        )
    finally:
        server.shutdown()
        server.server_close()
        serving.join(10)
    assert record.ended_by == "server"
    assert record.commands[0] == "ANSWER"
    assert record.commands[1].startswith("STREAM FILE hello-world")
    assert pystrix_fastagi_call.records == [record]


def test_redis(pystrix_redis):
    import redis

    client = redis.Redis.from_url(pystrix_redis.url)
    entry = client.xadd("probe", {"n": "1"})
    client.close()
    pystrix_redis.kill()
    pystrix_redis.restart()  # the same port, and what was written is still there
    client = redis.Redis.from_url(pystrix_redis.url)
    assert [found for found, _ in client.xrange("probe")] == [entry]
    client.close()
    remember("127.0.0.1", pystrix_redis.port)
"""


def _refuses(host: str, port: int) -> bool:
    """True if nothing listens on ``host``:``port`` any more."""
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError:
        return True
    return False


def _ami_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("pystrix-ami")}


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner pytest loads only what its command line names."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.mark.usefixtures("isolated")
def test_an_application_suite_uses_every_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_application=APPLICATION_TESTS)
    threads_before = _ami_threads()

    result = pytester.runpytest("-p", PLUGIN, "--strict-markers", "-q")

    result.assert_outcomes(passed=7)
    # What the fixtures started is stopped: the listeners and the Managers' threads.
    started = Path(pytester.path, "started.txt").read_text().split("\n")
    addresses = [line.split() for line in started if line]
    assert len(addresses) == 3
    for host, port in addresses:
        assert _refuses(host, int(port))
    assert _ami_threads() <= threads_before


@pytest.mark.usefixtures("isolated")
def test_each_fixture_is_documented(pytester: pytest.Pytester) -> None:
    """``pytest --fixtures`` (and the documentation) shows each fixture's docstring."""
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", PLUGIN, "--fixtures")
    assert result.ret == 0
    shown = result.stdout.str()
    for name in FIXTURES:
        assert f"{name} -- " in shown or f"{name}\n" in shown, name
    for first_words in (
        "A running :class:`~pystrix.testing.AsteriskSimulator`",
        "A threaded :class:`pystrix.ami.Manager` connected",
        "A factory of asyncio Managers",
        "A function (a :class:`FastAGICaller`)",
        "A started :class:`~pystrix.testing.faults.FaultProxy`",
        "A real ``redis-server`` for this test",
    ):
        assert first_words in shown, first_words


@pytest.mark.usefixtures("isolated")
def test_marker_misuse_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marker="""
        import pytest

        @pytest.mark.pystrix_simulator(0.5)
        def test_positional(pystrix_simulator):
            pass

        @pytest.mark.pystrix_simulator(users=())
        def test_no_accounts_is_a_simulator(pystrix_simulator):
            assert pystrix_simulator.running

        @pytest.mark.pystrix_simulator(users=())
        def test_no_accounts_is_no_manager(pystrix_manager):
            pass
        """
    )
    result = pytester.runpytest("-p", PLUGIN)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines_random(
        ["*takes keyword arguments only*", "*leaves no one to log in as*"]
    )
