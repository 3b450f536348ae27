"""AsyncAGI over AMI against the simulator, from the threaded and the asyncio Manager."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from pystrix.agi import core
from pystrix.agi.asyncagi import (
    AGIAction,
    AioAsyncAGI,
    AsyncAGI,
    exec_reply,
    start_environment,
)
from pystrix.agi.errors import (
    AGIAppError,
    AGIHangup,
    AGIInvalidCommandError,
    AGIUsageError,
)
from pystrix.agi.protocol import Action
from pystrix.ami import Manager, Message, aio
from pystrix.ami import core as ami_core
from pystrix.testing import AsteriskSimulator

SAFETY = 10.0
# Extension 400 answers and runs Echo(): its ;2 half never ends the call by itself.
PARKED = ami_core.Originate_Application("Local/400@test", "AGI", ["agi:async"])


@pytest.fixture
def simulator() -> Iterator[AsteriskSimulator]:
    with AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.02) as running:
        yield running


def test_sans_io_helpers() -> None:
    action = AGIAction("SIP/a-1", core.StreamFile("beep", "1#"), command_id="c1")
    assert dict(action) == {
        "Action": "AGI",
        "Channel": "SIP/a-1",
        "Command": "STREAM FILE beep 1#",
        "CommandID": "c1",
    }
    assert AGIAction("SIP/a-1", "NOOP").command_id.startswith("pystrix-")
    event = Message()
    event["Result"] = quote("520-Invalid command syntax.\nusage\n520 End of proper usage.\n")
    reply = exec_reply(event)
    assert reply.code == 520 and reply.message == "usage"
    event["Result"] = "200%20result%3D1%20(from-originate)%0A"
    assert core.GetVariable("FOO").interpret(exec_reply(event)) == "from-originate"
    event["Env"] = quote("agi_request: async\nagi_channel: SIP/a-1\n\n")
    assert start_environment(event).channel == "SIP/a-1"


def test_threaded_manager(simulator: AsteriskSimulator) -> None:
    manager = Manager()
    started: list[Message] = []
    ended: list[Message] = []
    parked = threading.Event()

    def on_start(event: Message, _: Any) -> None:
        started.append(event)
        parked.set()

    manager.register_callback("AsyncAGIStart", on_start)
    manager.register_callback("AsyncAGIEnd", lambda event, _: ended.append(event))
    try:
        manager.connect(simulator.host, simulator.port)
        manager.send_action(ami_core.Login("admin", "wordpass"))
        manager.send_action(PARKED)
        assert parked.wait(SAFETY)
        environment = start_environment(started[0])
        channel = started[0]["Channel"]
        assert environment.channel == channel and channel.endswith(";1")
        assert environment.variables["agi_request"] == "async"

        with pytest.raises(AGIAppError, match="does not exist"):
            AsyncAGI(manager, "Local/none-1;1", timeout=SAFETY).execute(core.Noop())

        with AsyncAGI(manager, channel, timeout=SAFETY) as agi:
            assert agi.execute(core.Answer()) is None
            assert agi.execute(core.ChannelStatus()) == core.CHANNEL_UP
            agi.execute(core.SetVariable("COLOUR", "dark blue"))
            assert agi.execute(core.GetVariable("COLOUR")) == "dark blue"
            getvar = manager.send_action(ami_core.Getvar("COLOUR", channel))
            assert getvar is not None and getvar.response.get("Value") == "dark blue"
            agi.execute(core.DatabasePut("fam", "key", "v"))
            stored = manager.send_action(ami_core.DBGet("fam", "key"))
            assert stored is not None and stored.success
            with pytest.raises(AGIInvalidCommandError):
                agi.execute(Action("BOGUS"))
            with pytest.raises(AGIUsageError):
                agi.execute(Action("GET VARIABLE"))
            agi.execute(core.AsyncAGIBreak())
            assert agi.ended
            with pytest.raises(AGIHangup):
                agi.execute(core.Noop())
        assert [event["Channel"] for event in ended] == [channel]
    finally:
        manager.close()


def test_hangup_command_ends_async_agi(simulator: AsteriskSimulator) -> None:
    manager = Manager()
    channels: list[str] = []
    parked = threading.Event()
    manager.register_callback(
        "AsyncAGIStart", lambda event, _: (channels.append(event["Channel"]), parked.set())
    )
    try:
        manager.connect(simulator.host, simulator.port)
        manager.send_action(ami_core.Login("admin", "wordpass"))
        manager.send_action(PARKED)
        assert parked.wait(SAFETY)
        with AsyncAGI(manager, channels[0], timeout=SAFETY) as agi:
            assert agi.execute(core.Hangup()) is None
            assert agi.ended
    finally:
        manager.close()


def test_asyncio_manager(simulator: AsteriskSimulator) -> None:
    async def main() -> list[Any]:
        results: list[Any] = []
        async with aio.Manager() as manager:
            parked: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            manager.register_callback(
                "AsyncAGIStart",
                lambda event, _: parked.done() or parked.set_result(event["Channel"]),
            )
            await manager.connect(simulator.host, simulator.port)
            await manager.send_action(ami_core.Login("admin", "wordpass"))
            await manager.send_action(PARKED)
            channel = await asyncio.wait_for(parked, SAFETY)
            async with AioAsyncAGI(manager, channel, timeout=SAFETY) as agi:
                results.append(await agi.execute(core.Answer()))
                results.append(await agi.execute(core.GetVariable("CHANNEL(name)")) == channel)
                try:
                    await agi.execute(Action("NOPE"))
                except AGIInvalidCommandError as exc:
                    results.append(type(exc))
                results.append(await agi.execute(core.AsyncAGIBreak()))
                results.append(agi.ended)
        return results

    assert asyncio.run(main()) == [None, True, AGIInvalidCommandError, None, True]
