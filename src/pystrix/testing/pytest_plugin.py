"""pytest fixtures for testing an application that uses pystrix, against the simulator.

Installing pystrix registers this plugin with pytest (entry point group ``pytest11``,
named after this module, so that naming the module as well is harmless); where plugin
autoloading is off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), enable it with
``-p pystrix.testing.pytest_plugin`` or ``pytest_plugins = ["pystrix.testing.pytest_plugin"]``
in the top-level ``conftest.py``; ``-p no:pystrix.testing.pytest_plugin`` disables it.
The fixtures, each for one test and stopped after it:

* :func:`pystrix_simulator`: a running :class:`~pystrix.testing.AsteriskSimulator`;
* :func:`pystrix_manager`: a threaded :class:`~pystrix.ami.Manager`, connected and logged in;
* :func:`pystrix_aio_manager`: a factory of asyncio Managers, connected and logged in, to
  use as ``async with pystrix_aio_manager() as manager:`` inside the test's event loop;
* :func:`pystrix_fault_proxy`: a :class:`~pystrix.testing.faults.FaultProxy` in front of
  the simulator;
* :func:`pystrix_fastagi_call`: places a simulated FastAGI call to the application's
  server;
* :func:`pystrix_redis`: a throw-away ``redis-server`` on a free loopback port, for an
  application that reads the fleet bridge's streams (needs ``redis-server`` installed
  and ``pystrix[redis]``).

::

    from pystrix.ami import core

    def test_my_dialer(pystrix_manager):
        result = pystrix_manager.originate(
            core.Originate_Application("Local/200@test", "Wait", "1")
        )
        assert result.success

A test changes the simulator with the ``pystrix_simulator`` marker, whose keyword
arguments go to :class:`~pystrix.testing.AsteriskSimulator`::

    @pytest.mark.pystrix_simulator(time_scale=0.01)   # simulated calls 100 times faster
    def test_quick_calls(pystrix_manager): ...

Importing this module imports nothing of pystrix: a test session that uses none of the
fixtures does not pay for the simulator and the AMI catalog.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..ami import Manager, aio
    from .agi import CallRecord, SimulatedChannel
    from .faults import FaultProxy
    from .redis_server import RedisServer
    from .simulator import AsteriskSimulator

__all__ = [
    "AioManagerFactory",
    "FastAGICaller",
    "pystrix_aio_manager",
    "pystrix_fastagi_call",
    "pystrix_fault_proxy",
    "pystrix_manager",
    "pystrix_redis",
    "pystrix_simulator",
    "pytest_configure",
]

_MARKER = "pystrix_simulator"
#: The account the Manager fixtures log in with, kept on the test by pystrix_simulator.
_LOGIN = pytest.StashKey[tuple[str, str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``pystrix_simulator`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**options): options of the AsteriskSimulator that the pystrix "
        "fixtures start for this test (time_scale=, users=, auth_failure_delay=, ...)",
    )


def _simulator_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The keyword arguments of the ``pystrix_simulator`` markers, the closest last, so a
    test's own marker wins over its class's or module's."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(_MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{_MARKER} takes keyword arguments only")
        options.update(marker.kwargs)
    return options


def _login(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The account the Manager fixtures log in with (see :func:`pystrix_simulator`)."""
    login: tuple[str, str] | None = request.node.stash.get(_LOGIN, None)
    if login is None:
        raise pytest.UsageError(f"@pytest.mark.{_MARKER}(users=()) leaves no one to log in as")
    return login


@pytest.fixture
def pystrix_simulator(request: pytest.FixtureRequest) -> Iterator[AsteriskSimulator]:
    """A running :class:`~pystrix.testing.AsteriskSimulator` on ``127.0.0.1`` and a free
    port (``pystrix_simulator.host``, ``.port``, ``.address``), stopped after the test.

    It answers as Asterisk 22 does, with the accounts ``admin``/``wordpass`` (everything)
    and ``reader``/``readpass`` (read-only), and the recorded ``test`` dialplan
    (``Local/200@test`` answers, sets ``FOO``, sends a ``UserEvent`` and hangs up after
    2 s).  Simulated time runs at the real pace unless the test's ``pystrix_simulator``
    marker says otherwise: ``@pytest.mark.pystrix_simulator(time_scale=0.01)`` makes
    every simulated duration 100 times shorter; the marker's keyword arguments are those
    of :class:`~pystrix.testing.AsteriskSimulator` (``users=``, ``auth_failure_delay=``,
    ...).  With ``users=``, the Manager fixtures log in as the first of them.
    """
    from .simulator import DEFAULT_USERS, AsteriskSimulator

    options = _simulator_options(request)
    given = options.get("users")
    # Read twice, by the simulator and for the login: an iterator would not do.
    users = options["users"] = DEFAULT_USERS if given is None else tuple(given)
    if users:
        request.node.stash[_LOGIN] = (users[0].username, users[0].secret)
    with AsteriskSimulator(**options) as simulator:
        yield simulator


@pytest.fixture
def pystrix_manager(
    request: pytest.FixtureRequest, pystrix_simulator: AsteriskSimulator
) -> Iterator[Manager]:
    """A threaded :class:`pystrix.ami.Manager` connected to :func:`pystrix_simulator` and
    logged in (as ``admin``, or the first of the marker's ``users``), closed after the
    test.

    Use it as the application would: ``send``/``send_action``, ``originate``,
    ``register_callback``, ``events()``.  It connects to the simulator directly; for a
    Manager behind :func:`pystrix_fault_proxy`, connect one to the proxy's ``host`` and
    ``port``.
    """
    from ..ami import Manager, core

    username, secret = _login(request)
    manager = Manager()
    try:
        manager.connect(pystrix_simulator.host, pystrix_simulator.port)
        manager.send(core.Login(username, secret))
        yield manager
    finally:
        manager.close()


class AioManagerFactory:
    """What :func:`pystrix_aio_manager` gives a test: call it, inside the test's event
    loop, for an ``async with`` block around an asyncio Manager that is connected to the
    simulator and logged in, and closed when the block ends.

    ``factory(**options)``: ``options`` go to :class:`pystrix.ami.aio.Manager`
    (``reconnect=``, ``event_queue_size=``, ...).  ``host`` and ``port`` are the
    simulator's, for a test that connects another Manager itself.
    """

    def __init__(self, simulator: AsteriskSimulator, login: tuple[str, str]) -> None:
        self.host = simulator.host
        self.port = simulator.port
        self._login = login

    def __call__(self, **options: Any) -> contextlib.AbstractAsyncContextManager[aio.Manager]:
        """An ``async with`` block around a connected, logged-in asyncio Manager."""
        return self._session(options)

    @contextlib.asynccontextmanager
    async def _session(self, options: dict[str, Any]) -> AsyncIterator[aio.Manager]:
        from ..ami import aio, core

        username, secret = self._login
        async with aio.Manager(**options) as manager:  # closed on the way out
            await manager.connect(self.host, self.port)
            await manager.send(core.Login(username, secret))
            yield manager


@pytest.fixture
def pystrix_aio_manager(
    request: pytest.FixtureRequest, pystrix_simulator: AsteriskSimulator
) -> AioManagerFactory:
    """A factory of asyncio Managers (:class:`AioManagerFactory`) connected to
    :func:`pystrix_simulator` and logged in.

    An asyncio Manager belongs to the event loop it runs on, and that loop is the test's
    own, so the fixture cannot hand one over ready-made: the test opens it inside its
    loop, with ``async with``, which also closes it::

        def test_events(pystrix_aio_manager):
            async def scenario():
                async with pystrix_aio_manager() as manager:
                    response = await manager.send(core.Ping())
                    assert response.success

            asyncio.run(scenario())

    This works in a plain (synchronous) test, as above, and as well in an ``async def``
    test run by a plugin such as pytest-asyncio or anyio (``async with
    pystrix_aio_manager() as manager:`` in the test's body); pystrix itself needs
    neither.  Several Managers may be opened, one after the other or at once.
    """
    return AioManagerFactory(pystrix_simulator, _login(request))


@pytest.fixture
def pystrix_fault_proxy(pystrix_simulator: AsteriskSimulator) -> Iterator[FaultProxy]:
    """A started :class:`~pystrix.testing.faults.FaultProxy` on ``127.0.0.1`` and a free
    port, in front of :func:`pystrix_simulator`; stopped after the test.

    Connect the Manager under test to ``pystrix_fault_proxy.host`` and ``.port``, then
    misbehave on demand: ``close_mid_message()``, ``go_silent()``,
    ``delay_responses("Ping", 2)``, ``burst_events(1000)``, ``restart()``...  (the
    simulator stays reachable directly, as ``pystrix_simulator``).
    """
    from .faults import FaultProxy

    with FaultProxy(pystrix_simulator.address) as proxy:
        yield proxy


class FastAGICaller:
    """What :func:`pystrix_fastagi_call` gives a test: call it to place one simulated
    FastAGI call; ``records`` keeps the :class:`~pystrix.testing.agi.CallRecord` of every
    call placed, in order."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def __call__(
        self,
        host: str,
        port: int,
        script: str = "hello",
        args: Sequence[str] = (),
        *,
        channel: SimulatedChannel | None = None,
        timeout: float = 10.0,
    ) -> CallRecord:
        """Call ``agi://host:port/script`` with ``args`` as Asterisk 22 does, on
        ``channel`` (a default :class:`~pystrix.testing.agi.SimulatedChannel` if none),
        until the server closes the connection; the call's record.  See
        :func:`pystrix.testing.agi.fastagi_call`."""
        from .agi import fastagi_call

        record = fastagi_call(host, port, script, args, channel=channel, timeout=timeout)
        self.records.append(record)
        return record


@pytest.fixture
def pystrix_fastagi_call() -> FastAGICaller:
    """A function (a :class:`FastAGICaller`) that places a simulated FastAGI call to the
    application's FastAGI server, as Asterisk 22 does for
    ``AGI(agi://host:port/script,arg1,...)``, and returns its
    :class:`~pystrix.testing.agi.CallRecord` once the server hangs up::

        def test_hello(pystrix_fastagi_call):
            server = start_my_fastagi_server(port=0)        # the application's
            record = pystrix_fastagi_call(
                "127.0.0.1", server.port, "hello", channel=SimulatedChannel(digits=["1"])
            )
            assert record.ended_by == "server"
            assert record.commands[0] == "ANSWER"

    Its arguments are ``(host, port, script="hello", args=(), *, channel=None,
    timeout=10.0)``: ``script`` is the script path (with its query string, if any),
    ``channel`` a :class:`~pystrix.testing.agi.SimulatedChannel` saying what the
    channel holds and how its caller behaves (keys pressed, hang-up), ``timeout`` a guard
    against a server that stops answering.  It blocks until the call ends: from a
    coroutine, run it in a thread (``await asyncio.to_thread(pystrix_fastagi_call, ...)``)
    so that an asyncio server on the same loop can answer.
    """
    return FastAGICaller()


@pytest.fixture
def pystrix_redis() -> Iterator[RedisServer]:
    """A real ``redis-server`` for this test, on a free loopback port, removed after it
    (see :class:`~pystrix.testing.redis_server.RedisServer`: ``url``, ``kill()``,
    ``restart()``)::

        async def test_my_consumer(pystrix_redis):
            async with FleetClient(pystrix_redis.url) as client:
                ...
    """
    from .redis_server import running_redis

    with running_redis() as server:
        yield server
