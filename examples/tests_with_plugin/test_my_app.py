"""``my_app``'s tests, with the fixtures of pystrix's pytest plugin.

Installing pystrix makes the plugin available to pytest (where plugin autoloading is
off, add ``-p pystrix.testing.pytest_plugin``).  Run with::

    python -m pytest examples/tests_with_plugin

Each fixture is set up for one test and stopped after it:

* ``pystrix_simulator``: the embedded Asterisk simulator on a free port (the
  ``pystrix_simulator`` marker passes options to it);
* ``pystrix_manager``: a threaded Manager connected to it and logged in;
* ``pystrix_aio_manager``: ``async with pystrix_aio_manager() as manager:`` gives an
  asyncio Manager, connected and logged in, on the test's own event loop;
* ``pystrix_fastagi_call``: places a simulated FastAGI call to a server;
* ``pystrix_fault_proxy``: a proxy in front of the simulator that misbehaves on demand.
"""

import asyncio
from collections.abc import Iterator

import my_app
import pytest

from pystrix.ami import Manager
from pystrix.ami import core as ami_core
from pystrix.testing.agi import SimulatedChannel


def test_active_channels_lists_a_call(pystrix_manager):
    assert my_app.active_channels(pystrix_manager) == []

    # The simulator's test dialplan: Local/400@test answers, then echoes until hung up.
    # A synchronous Originate answers once the call is up.
    call = ami_core.Originate_Application("Local/400@test", "Echo", async_=False)
    assert pystrix_manager.send_action(call).success

    channels = my_app.active_channels(pystrix_manager)
    assert len(channels) == 2  # a Local channel is a pair, ;1 and ;2
    assert all(name.startswith("Local/400@test-") for name in channels)


@pytest.mark.pystrix_simulator(time_scale=0.01)  # simulated durations 100 times shorter
def test_a_finished_call_is_no_longer_listed(pystrix_manager):
    hangups = pystrix_manager.events("Hangup")  # collected from here on
    # Local/100@test answers, waits 2 s (20 ms here) and hangs up.
    call = ami_core.Originate_Application("Local/100@test", "Wait", ["1"], async_=False)
    assert pystrix_manager.send_action(call).success
    ended = set()
    for event in hangups:
        ended.add(event["Channel"])
        if len(ended) == 2:
            break
    assert my_app.active_channels(pystrix_manager) == []


def test_the_asyncio_side_agrees(pystrix_aio_manager):
    async def scenario():
        async with pystrix_aio_manager() as manager:
            return await my_app.active_channels_async(manager)

    assert asyncio.run(scenario()) == []


@pytest.fixture
def ivr_server() -> Iterator:
    server = my_app.start_ivr_server(port=0)  # any free port
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("digits", "recording"),
    [(["1"], "demo-congrats"), (["2"], "tt-monkeys"), ([], "vm-goodbye"), (["7"], "vm-goodbye")],
)
def test_the_ivr_branches_on_the_digit(ivr_server, pystrix_fastagi_call, digits, recording):
    record = pystrix_fastagi_call(
        "127.0.0.1", ivr_server.port, "ivr", channel=SimulatedChannel(digits=digits)
    )
    assert record.ended_by == "server"  # the IVR hung up and closed the connection
    assert record.commands[0] == "ANSWER"
    assert f'STREAM FILE {recording} ""' in record.commands
    assert record.commands[-1] == "HANGUP"


def test_the_ivr_survives_a_caller_hanging_up(ivr_server, pystrix_fastagi_call):
    # The caller hangs up during the second command (the prompt).
    channel = SimulatedChannel(digits=["1"], hangup_at=2)
    record = pystrix_fastagi_call("127.0.0.1", ivr_server.port, "ivr", channel=channel)
    assert record.ended_by == "server"
    assert record.commands == ["ANSWER", "STREAM FILE hello-world 12"]


def test_version_is_none_once_asterisk_is_gone(pystrix_fault_proxy):
    with Manager() as manager:
        manager.connect(pystrix_fault_proxy.host, pystrix_fault_proxy.port)
        manager.send_action(ami_core.Login("admin", "wordpass"))
        assert my_app.asterisk_version(manager).startswith("Asterisk 22")

        pystrix_fault_proxy.close_mid_message()  # cut the next message, then hang up
        assert my_app.asterisk_version(manager) is None
