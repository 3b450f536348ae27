"""AsyncAGI over AMI against the simulator, from the threaded and the asyncio Manager."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import quote, unquote

import pytest

from pystrix.agi import core
from pystrix.agi.asyncagi import (
    AGIAction,
    AioAsyncAGI,
    AsyncAGI,
    event_kind,
    exec_reply,
    start_environment,
)
from pystrix.agi.errors import (
    AGIAppError,
    AGIHangup,
    AGIInvalidCommandError,
    AGIProtocolError,
    AGIUsageError,
)
from pystrix.agi.protocol import Action
from pystrix.ami import Manager, Message, aio
from pystrix.ami import core as ami_core
from pystrix.testing import AsteriskSimulator
from scripted_server import Peer, ScriptedServer

SAFETY = 10.0
# Extension 400 answers and runs Echo(): its ;2 half never ends the call by itself.
PARKED = ami_core.Originate_Application("Local/400@test", "AGI", ["agi:async"])


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


# -- GOSUB's interim line through AsyncAGIExec ------------------------------------------------


GOSUB_RESULT = "100 result=0 Trying...\n200 result=0 Gosub complete\n"


def test_gosub_interim_line_threaded(simulator: AsteriskSimulator) -> None:
    manager = Manager()
    channels: list[str] = []
    results: list[str] = []
    parked = threading.Event()
    manager.register_callback(
        "AsyncAGIStart", lambda event, _: (channels.append(event["Channel"]), parked.set())
    )
    # Registered before AsyncAGI's own callback, so it has run when execute() returns.
    manager.register_callback("AsyncAGIExec", lambda event, _: results.append(event["Result"]))
    try:
        manager.connect(simulator.host, simulator.port)
        manager.send_action(ami_core.Login("admin", "wordpass"))
        manager.send_action(PARKED)
        assert parked.wait(SAFETY)
        with AsyncAGI(manager, channels[0], timeout=SAFETY) as agi:
            assert agi.execute(core.Gosub("sub", "s", 1)) is None
            # The event's Result holds "100 result=0 Trying..." and then the real reply.
            assert unquote(results[0]) == GOSUB_RESULT
            assert agi.execute(core.GetVariable("CHANNEL(name)")) == channels[0]
    finally:
        manager.close()


def test_gosub_interim_line_asyncio(simulator: AsteriskSimulator) -> None:
    results: list[str] = []

    async def main() -> list[Any]:
        async with aio.Manager() as manager:
            parked: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            manager.register_callback(
                "AsyncAGIStart",
                lambda event, _: parked.done() or parked.set_result(event["Channel"]),
            )
            manager.register_callback(
                "AsyncAGIExec", lambda event, _: results.append(event["Result"])
            )
            await manager.connect(simulator.host, simulator.port)
            await manager.send_action(ami_core.Login("admin", "wordpass"))
            await manager.send_action(PARKED)
            channel = await asyncio.wait_for(parked, SAFETY)
            async with AioAsyncAGI(manager, channel, timeout=SAFETY) as agi:
                return [
                    await agi.execute(core.Gosub("sub", "s", 1)),
                    await agi.execute(core.GetVariable("CHANNEL(name)")) == channel,
                ]

    assert asyncio.run(main()) == [None, True]
    assert unquote(results[0]) == GOSUB_RESULT


# -- Asterisk 11: "Event: AsyncAGI" with a SubEvent; malformed Result and Env ------------------

LEGACY_CHANNEL = "SIP/100-00000001"
# Asterisk 11's Start event; this Env lacks the block's closing empty line.
LEGACY_START = (
    "Event: AsyncAGI\r\nPrivilege: agi,all\r\nSubEvent: Start\r\n"
    f"Channel: {LEGACY_CHANNEL}\r\n"
    f"Env: {quote(f'agi_request: async{chr(10)}agi_channel: {LEGACY_CHANNEL}{chr(10)}')}\r\n"
    "\r\n"
)


def legacy_asterisk(peer: Peer) -> None:
    """Asterisk 11's AMI as far as AsyncAGI goes: Login, then the AGI action, answered
    by ``AsyncAGI`` events with a ``SubEvent``."""
    while (message := peer.read_message()) is not None:
        action = (message.get("Action") or "").lower()
        if action == "login":
            peer.answer(message, "Message: Authentication accepted\r\n")
            peer.send(LEGACY_START)
            continue
        if action != "agi":
            peer.answer(message, "")
            continue
        peer.answer(message, "Message: Added AGI command to queue\r\n")
        command = message.get("Command")
        head = (
            "Event: AsyncAGI\r\nPrivilege: agi,all\r\nSubEvent: {}\r\n"
            f"Channel: {LEGACY_CHANNEL}\r\n"
        )
        if command == "GET VARIABLE FOO":
            result = quote("200 result=1 (bar)\n")
            exec_id = message.get("CommandID")
            peer.send(head.format("Exec") + f"CommandID: {exec_id}\r\nResult: {result}\r\n\r\n")
        elif command == "NOOP":  # a Result that holds no reply at all
            exec_id = message.get("CommandID")
            peer.send(head.format("Exec") + f"CommandID: {exec_id}\r\nResult: garbage\r\n\r\n")
        else:  # the caller hangs up before the command runs
            peer.send(head.format("End") + "\r\n")


LEGACY_BANNER = b"Asterisk Call Manager/1.3\r\n"


def test_asterisk_11_events_threaded() -> None:
    starts: list[Any] = []
    started = threading.Event()

    def on_asyncagi(event: Any, _: Any) -> None:
        if event_kind(event) == "Start":
            starts.append(event)
            started.set()

    outcomes: list[Any] = []
    with ScriptedServer(legacy_asterisk, banner=LEGACY_BANNER) as server:
        manager = Manager()
        manager.register_callback("AsyncAGI", on_asyncagi)
        try:
            manager.connect(server.host, server.port)
            manager.send_action(ami_core.Login("admin", "wordpass"))
            assert started.wait(SAFETY)
            environment = start_environment(starts[0])  # no closing empty line
            outcomes.append(environment.channel)
            with AsyncAGI(manager, LEGACY_CHANNEL, timeout=SAFETY) as agi:
                outcomes.append(agi.execute(core.GetVariable("FOO")))
                try:
                    agi.execute(core.Noop())
                except AGIProtocolError:  # at once, not after the 10 s timeout
                    outcomes.append(AGIProtocolError)
                try:
                    agi.execute(core.Answer())
                except AGIHangup:  # SubEvent: End
                    outcomes.append((AGIHangup, agi.ended))
        finally:
            manager.close()
    assert outcomes == [LEGACY_CHANNEL, "bar", AGIProtocolError, (AGIHangup, True)]
    assert not server.errors


def test_asterisk_11_events_asyncio() -> None:
    async def main() -> list[Any]:
        outcomes: list[Any] = []
        loop = asyncio.get_running_loop()
        started: asyncio.Future[Any] = loop.create_future()

        def on_asyncagi(event: Any, _: Any) -> None:
            if event_kind(event) == "Start" and not started.done():
                started.set_result(event)

        with ScriptedServer(legacy_asterisk, banner=LEGACY_BANNER) as server:
            async with aio.Manager() as manager:
                manager.register_callback("AsyncAGI", on_asyncagi)
                await manager.connect(server.host, server.port)
                await manager.send_action(ami_core.Login("admin", "wordpass"))
                outcomes.append(start_environment(await asyncio.wait_for(started, SAFETY)).channel)
                async with AioAsyncAGI(manager, LEGACY_CHANNEL, timeout=SAFETY) as agi:
                    outcomes.append(await agi.execute(core.GetVariable("FOO")))
                    try:
                        await agi.execute(core.Noop())
                    except AGIProtocolError:
                        outcomes.append(AGIProtocolError)
                    try:
                        await agi.execute(core.Answer())
                    except AGIHangup:
                        outcomes.append((AGIHangup, agi.ended))
        return outcomes

    assert asyncio.run(main()) == [LEGACY_CHANNEL, "bar", AGIProtocolError, (AGIHangup, True)]


def test_event_kind_and_lenient_environment() -> None:
    for name, sub, kind in [
        ("AsyncAGIStart", None, "Start"),
        ("AsyncAGIExec", None, "Exec"),
        ("AsyncAGIEnd", None, "End"),
        ("AsyncAGI", "Start", "Start"),
        ("AsyncAGI", "exec", "Exec"),
        ("AsyncAGI", "End", "End"),
        ("Newchannel", None, ""),
    ]:
        event = Message()
        event["Event"] = name
        if sub is not None:
            event["SubEvent"] = sub
        assert event_kind(event) == kind, (name, sub)
    event = Message()
    event["Env"] = quote("agi_request: async\nagi_channel: SIP/a-1")  # no line end at all
    assert start_environment(event).channel == "SIP/a-1"
