"""What only the asyncio Manager has: coroutine callbacks, the event iterator, cancellation."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from pystrix.ami import Message, aio, core, core_events
from pystrix.testing import AsteriskSimulator
from scripted_server import Peer, ScriptedServer


async def _login(manager: aio.Manager, simulator: AsteriskSimulator) -> None:
    await manager.connect(simulator.host, simulator.port)
    challenge = await manager.send_action(core.Challenge())
    assert challenge is not None
    await manager.send_action(
        core.Login("admin", "wordpass", challenge=challenge.result["Challenge"])
    )


def test_import_and_construct_without_a_running_loop() -> None:
    code = "import pystrix.ami.aio as a; m = a.Manager(); print(m.is_connected())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_async_with_and_the_event_iterator(simulator: AsteriskSimulator) -> None:
    async def scenario() -> list[Message]:
        seen: list[Message] = []
        async with aio.Manager() as manager:
            await _login(manager, simulator)

            async def consume() -> None:
                async for event in manager.events("UserEvent"):
                    seen.append(event)
                    if len(seen) == 3:
                        return

            consumer = asyncio.create_task(consume())
            await asyncio.sleep(0)  # let the iterator register before the events exist
            for index in range(3):
                await manager.send_action(core.UserEvent("Lab", Index=str(index)))
            await asyncio.wait_for(consumer, 30)
        assert not manager.is_connected()
        return seen

    seen = asyncio.run(scenario())
    assert [event["Index"] for event in seen] == ["0", "1", "2"]
    assert all(isinstance(event, core_events.UserEvent) for event in seen)


def test_the_iterator_ends_when_the_connection_is_lost(simulator: AsteriskSimulator) -> None:
    async def scenario() -> list[str]:
        names: list[str] = []
        manager = aio.Manager()
        await _login(manager, simulator)
        iterator = manager.events()

        async def consume() -> None:
            async for event in iterator:
                names.append(event.name)

        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0)
        await asyncio.get_running_loop().run_in_executor(None, simulator.stop)
        await asyncio.wait_for(consumer, 30)  # ends by itself
        assert await manager.wait_disconnected(10)
        await manager.close()
        return names

    assert "Shutdown" in asyncio.run(scenario())


def test_coroutine_and_plain_callbacks_run_in_order(simulator: AsteriskSimulator) -> None:
    async def scenario() -> list[str]:
        order: list[str] = []
        done = asyncio.Event()

        async def slow(event: Message, manager: aio.Manager) -> None:
            await asyncio.sleep(0.01)  # yields to the loop; the next event must still wait
            order.append(f"async {event['Index']}")

        def quick(event: Message, manager: aio.Manager) -> None:
            order.append(f"sync {event['Index']}")
            if event["Index"] == "2":
                done.set()

        async with aio.Manager() as manager:
            manager.register_callback("UserEvent", slow)
            manager.register_callback("UserEvent", quick)
            await _login(manager, simulator)
            for index in range(3):
                await manager.send_action(core.UserEvent("Ordered", Index=str(index)))
            await asyncio.wait_for(done.wait(), 30)
        return order

    assert asyncio.run(scenario()) == [
        "async 0",
        "sync 0",
        "async 1",
        "sync 1",
        "async 2",
        "sync 2",
    ]


def test_cancelled_send_action_forgets_its_action_id() -> None:
    answered = asyncio.Event()

    def script(peer: Peer) -> None:
        first = peer.read_message()
        assert first is not None
        peer.read_message()  # the second action: answer both, the first one late
        peer.answer(first, "Late: yes\r\n")
        peer.read_message()

    async def scenario() -> tuple[int, list[Message]]:
        orphans: list[Message] = []

        def on_orphan(response: Message, manager: aio.Manager) -> None:
            orphans.append(response)
            answered.set()

        with ScriptedServer(script) as server:
            async with aio.Manager() as manager:
                manager.register_callback(None, on_orphan)
                await manager.connect(server.host, server.port)
                waiting = asyncio.create_task(manager.send_action(core.Ping()))
                await asyncio.sleep(0)  # the action is registered and written
                waiting.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await waiting
                connection = manager._connection
                assert connection is not None
                left = connection.protocol.pending_count
                second = core.Ping()
                second.timeout = 0.05
                assert await manager.send_action(second) is None
                await asyncio.wait_for(answered.wait(), 30)
        return left, orphans

    left, orphans = asyncio.run(scenario())
    assert left == 0
    assert orphans[0]["Late"] == "yes"


def test_timeout_returns_none() -> None:
    def script(peer: Peer) -> None:
        peer.read_message()
        peer.read_message()

    async def scenario() -> object:
        with ScriptedServer(script) as server:
            async with aio.Manager() as manager:
                await manager.connect(server.host, server.port)
                request = core.Ping()
                request.timeout = 0.05
                return await manager.send_action(request)

    assert asyncio.run(scenario()) is None


def test_deadlines_expire_waits_in_order_and_rearm_their_timer() -> None:
    """One timer per timeout value serves every wait with that timeout: answered waits
    are passed over, expired ones resolve False in the order they expire, and the timer
    is armed again for a wait not due yet or one that comes after the queue drained."""

    async def scenario() -> list[tuple[str, bool]]:
        loop = asyncio.get_running_loop()
        deadlines = aio._Deadlines(loop)
        resolved: list[tuple[str, bool]] = []

        def wait(name: str, timeout: float) -> asyncio.Future[bool]:
            future: asyncio.Future[bool] = loop.create_future()
            future.add_done_callback(lambda done: resolved.append((name, done.result())))
            deadlines.add(timeout, future)
            return future

        first = wait("first", 0.05)
        wait("answered", 0.05).set_result(True)
        await asyncio.sleep(0.02)  # ``later`` falls due after the first timer fired
        later = wait("later", 0.05)
        shorter = wait("shorter", 0.001)  # another timeout: a timer of its own
        await asyncio.wait_for(asyncio.gather(first, later, shorter), 30)
        drained = wait("drained", 0.05)  # the 0.05 queue drained: its timer is armed anew
        await asyncio.wait_for(drained, 30)
        return resolved

    resolved = asyncio.run(scenario())
    # Waits with one timeout resolve in the order they began; the shorter timeout's
    # place among them depends on the machine's timing.
    assert [name for name, _ in resolved if name != "shorter"] == [
        "answered",
        "first",
        "later",
        "drained",
    ]
    assert dict(resolved) == {
        "answered": True,
        "shorter": False,
        "first": False,
        "later": False,
        "drained": False,
    }


def test_deadlines_follow_a_loop_with_a_clock_of_its_own() -> None:
    """A loop may keep its own time (uvloop does): deadlines are set on that clock."""

    class BehindLoop(asyncio.SelectorEventLoop):
        def time(self) -> float:
            return super().time() - 1000.0

    async def scenario() -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        aio._Deadlines(loop).add(0.01, future)
        return await asyncio.wait_for(future, 30)

    loop = BehindLoop()
    try:
        assert loop.run_until_complete(scenario()) is False
    finally:
        loop.close()


def test_a_connect_cancelled_before_the_banner_closes_its_socket() -> None:
    """A fleet closing while a server is still connecting cancels connect(): the socket
    it had opened must be closed, not left to the garbage collector."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listener:  # accepts, never says a word

        async def scenario() -> bytes:
            manager = aio.Manager()
            attempt = asyncio.ensure_future(
                manager.connect("127.0.0.1", listener.getsockname()[1], timeout=30)
            )
            accepted, _ = await asyncio.get_running_loop().sock_accept(listener)
            # A few loop turns (each a select that does not wait) let connect() finish its
            # TCP handshake, already done on loopback, and reach the banner wait.
            for _ in range(20):
                await asyncio.sleep(0)
            attempt.cancel()
            with pytest.raises(asyncio.CancelledError):
                await attempt
            with accepted:
                accepted.setblocking(True)
                accepted.settimeout(10)  # a guard only: the close arrives at once
                return await asyncio.to_thread(accepted.recv, 1)

        listener.setblocking(False)
        assert asyncio.run(scenario()) == b""  # the Manager's side was closed
