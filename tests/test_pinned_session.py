"""Behaviour both Managers share, pinned before it moves into shared code.

Two things no other test holds down, checked for the threaded and the asyncio Manager
through their public API only:

* a reconnect sends the session's ``Events`` mask again, so a class the application
  turned off stays off on the new connection (the simulator, like Asterisk, starts every
  new session with every class on);
* the bounded event queue: past ``event_queue_size`` waiting events the newest are dropped,
  counted in ``events_dropped`` and warned about, and every kept event is delivered in order.

Negatives are made deterministic with the order of the stream, never with a sleep: an
event that would have come, comes before a marker event the test waits for.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest

from managers import Recorder, make
from pystrix.ami import Message, ReconnectPolicy, core
from pystrix.ami._frontend import BoundedBatches
from pystrix.testing import AsteriskSimulator
from pystrix.testing.faults import FaultProxy

FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.1, jitter=0.1)


def _counters(manager: Any) -> Any:
    """The object with ``events_dropped``/``events_delivered`` (the facade has none)."""
    return getattr(manager, "aio", manager)


# -- 1. the Events mask survives a reconnect ---------------------------------------------


@pytest.mark.parametrize(
    ("mask", "user_events_wanted"),
    [("system", False), ("system,user", True)],  # the second is the control case
)
def test_events_mask_is_applied_again_after_a_reconnect(
    flavor: str, simulator: AsteriskSimulator, mask: str, user_events_wanted: bool
) -> None:
    """After a dropped connection and a reconnect, a UserEvent reaches the callback only if
    the mask sent before the drop allows ``user``.  ``Shutdown`` (class ``system``, which
    both masks allow) follows the UserEvent in the stream, so once it has been dispatched
    the UserEvent has been dispatched too, if it was ever going to be."""
    user_events, shutdowns = Recorder(), Recorder()
    lost, restored = threading.Event(), threading.Event()
    with FaultProxy(simulator.address) as proxy:
        manager = make(flavor, reconnect=FAST)
        manager.register_callback("UserEvent", user_events)
        manager.register_callback("Shutdown", shutdowns)
        manager.register_disconnect_callback(lambda m, error: lost.set())
        manager.register_reconnect_callback(lambda m: restored.set())
        manager.connect(proxy.host, proxy.port)
        manager.send_action(core.Login("admin", "wordpass"))
        answer = manager.send_action(core.Events(mask))
        assert answer is not None and answer.success

        proxy.restart()  # drops both ends: the simulator forgets the old session's mask
        assert lost.wait(10)
        proxy.accept_again()
        # The reconnect callbacks run only once the session (login, mask) is restored.
        assert restored.wait(30), "the Manager did not reconnect"

        sent = manager.send_action(core.UserEvent("AfterReconnect"))
        assert sent is not None and sent.success
        simulator.stop()  # Shutdown, a system event, comes after the UserEvent
        assert shutdowns.wait_for()
        manager.close()
    delivered = [event["UserEvent"] for event in user_events.items]
    assert delivered == (["AfterReconnect"] if user_events_wanted else [])


# -- 2. the bounded event queue ----------------------------------------------------------


def test_bounded_batches_drop_the_newest_count_warn_and_keep_order() -> None:
    """Unit test of the buffer between reader and dispatcher (no I/O)."""
    queue = BoundedBatches(3)
    assert queue.put(["e1", "e2"]) == 0
    assert not queue.should_warn()  # nothing dropped yet
    assert queue.put(["e3", "e4", "e5"]) == 2  # one fits; the newest two go
    assert queue.dropped == 2
    assert queue.should_warn()
    assert "dropped" in queue.warning(2)
    assert queue.put(["e6"]) == 1  # still full
    queue.put_control("disconnected")  # control items are never dropped, even when full
    assert queue.dropped == 3

    taken: list[Any] = []
    while queue.batches:
        taken.extend(queue.take())
    assert taken == ["e1", "e2", "e3", "disconnected"]
    assert queue.delivered == 4 and queue.size == 0
    assert queue.put(["e7"]) == 0  # room again once the dispatcher caught up

    # One warning per doubling of the total, not one per drop: a flood must not flood the
    # log (the Managers log when ``should_warn`` says so).
    full = BoundedBatches(1)
    full.put(["kept"])
    warnings = 0
    for _ in range(16):
        assert full.put(["dropped"]) == 1
        warnings += full.should_warn()
    assert full.dropped == 16
    assert warnings == 5  # at 1, 2, 4, 8 and 16
    assert full.take() == ["kept"]


FLOOD = 20
QUEUE_SIZE = 5


def test_a_slow_callback_loses_the_newest_events_with_a_warning(
    flavor: str, simulator: AsteriskSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A callback blocks on the first event while ``FLOOD`` more arrive: the queue keeps
    the first ``QUEUE_SIZE`` of them and drops (counts, warns about) the rest; once
    released, exactly the kept ones are delivered, in order."""
    manager = make(flavor, event_queue_size=QUEUE_SIZE)
    entered = threading.Event()
    events = Recorder()
    # The asyncio dispatcher awaits what a callback returns: there the callback waits
    # without stopping the loop (the facade runs it on a thread of its own).
    release = threading.Event()
    gate = asyncio.Event()

    async def until_released() -> None:
        await asyncio.wait_for(gate.wait(), 30)

    def unblock() -> None:
        release.set()
        if flavor == "asyncio":
            manager.loop.call_soon_threadsafe(gate.set)

    def on_user_event(event: Message, current: Any) -> Any:
        events(event, current)
        if event["UserEvent"] != "Gate":
            return None
        entered.set()
        if flavor == "asyncio":
            return until_released()
        release.wait(30)
        return None

    manager.register_callback("UserEvent", on_user_event)
    manager.connect(simulator.host, simulator.port)
    # Only user events from now on: the counters then count exactly what the test sends.
    manager.send_action(core.Login("admin", "wordpass", events=False))
    manager.send_action(core.Events("user"))
    counters = _counters(manager)
    names = [f"E{index}" for index in range(1, FLOOD + 1)]
    try:
        with caplog.at_level(logging.WARNING, logger="pystrix.ami"):
            manager.send_action(core.UserEvent("Gate"))
            assert entered.wait(10)  # the dispatcher is now stuck; the queue is empty
            for name in names:
                manager.send_action(core.UserEvent(name))
            # Ping's response follows every event above in the stream: once it is in,
            # the reader has queued or dropped all of them.
            assert manager.send_action(core.Ping()) is not None
            assert counters.events_dropped == FLOOD - QUEUE_SIZE
        assert any(
            record.name == "pystrix.ami"
            and record.levelno == logging.WARNING
            and "dropped" in record.getMessage()
            for record in caplog.records
        ), "no drop warning was logged"
    finally:
        unblock()  # whatever happened: close() waits for the dispatcher

    kept = ["Gate", *names[:QUEUE_SIZE]]  # the oldest stay, the newest were dropped
    assert events.wait_for(count=len(kept))
    assert [event["UserEvent"] for event in events.items] == kept
    assert counters.events_delivered == len(kept)
    assert counters.events_delivered + counters.events_dropped == 1 + FLOOD
