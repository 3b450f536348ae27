"""Faults injected on purpose, for both Managers: nothing is lost, nothing hangs.

Each case runs the threaded and the asyncio Manager through a ``FaultProxy`` in front of
the simulator and checks that every ``send_action`` returns (a response, ``None`` after its
timeout, or an exception), that events received before a fault are delivered once and in
order, and that the Manager can be closed cleanly afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from managers import make
from pystrix.ami import ManagerSocketError, Message, core
from pystrix.ami._frontend import ReconnectPolicy
from pystrix.testing import AsteriskSimulator
from pystrix.testing.faults import FaultProxy


class _Events:
    """Events received by a callback, with waiting on a condition (no sleeps)."""

    def __init__(self) -> None:
        self.items: list[Message] = []
        self._changed = threading.Condition()

    def __call__(self, event: Message, manager: Any) -> None:
        with self._changed:
            self.items.append(event)
            self._changed.notify_all()

    def wait_for_count(self, count: int, timeout: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.items) >= count, timeout)


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    with AsteriskSimulator(time_scale=0.02) as simulator, FaultProxy(simulator.address) as p:
        yield p


def _connected(flavor: str, proxy: FaultProxy, **options: Any) -> tuple[Any, _Events]:
    manager = make(flavor, **options)
    bursts = _Events()
    manager.register_callback("UserEvent", bursts)
    manager.connect(proxy.host, proxy.port)
    manager.send_action(core.Login("admin", "wordpass"))
    return manager, bursts


def _sequence(events: _Events) -> list[int]:
    return [int(event["Sequence"]) for event in events.items]


def test_close_mid_message(flavor: str, proxy: FaultProxy) -> None:
    manager, bursts = _connected(flavor, proxy)
    proxy.burst_events(500)
    assert bursts.wait_for_count(500)
    proxy.close_mid_message()
    ping = core.Ping()
    ping.timeout = 60  # the fault, not the timeout, must end the wait
    with pytest.raises(ManagerSocketError):
        manager.send_action(ping)
    assert manager.wait_disconnected(30)
    assert _sequence(bursts) == list(range(1, 501))  # once each, in order


def test_half_open_link_is_found_by_the_keepalive(flavor: str, proxy: FaultProxy) -> None:
    manager, _ = _connected(flavor, proxy)
    proxy.go_silent()
    manager.monitor_connection(interval=0.1)
    assert manager.wait_disconnected(30)
    assert not manager.is_connected()


def test_garbage_is_survived(flavor: str, proxy: FaultProxy) -> None:
    orphans = _Events()
    manager, _ = _connected(flavor, proxy)
    manager.register_callback(None, orphans)
    proxy.send_garbage()
    answer = manager.send_action(core.Ping())
    assert answer is not None and answer.success
    assert orphans.wait_for_count(1)  # the garbage block, handed over rather than lost
    assert manager.is_connected()


def test_oversized_message_fails_the_connection(flavor: str, proxy: FaultProxy) -> None:
    manager, _ = _connected(flavor, proxy, max_message_size=64 * 1024)
    proxy.send_oversized(256 * 1024)
    assert manager.wait_disconnected(30)
    with pytest.raises(ManagerSocketError):
        manager.send_action(core.Ping())


def test_response_delayed_past_the_timeout(flavor: str, proxy: FaultProxy) -> None:
    orphans = _Events()
    manager, _ = _connected(flavor, proxy)
    manager.register_callback(None, orphans)
    proxy.delay_responses("Ping", 0.3)
    ping = core.Ping()
    ping.timeout = 0.05
    assert manager.send_action(ping) is None
    assert orphans.wait_for_count(1)  # the late response reaches the orphan callbacks
    assert orphans.items[0]["Ping"] == "Pong"
    proxy.delay_responses("Ping", 0)
    assert manager.send_action(core.Ping()) is not None


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_zero_or_negative_timeout_gives_up_at_once(
    flavor: str, proxy: FaultProxy, timeout: float
) -> None:
    """Never "wait forever" (what a negative timeout means to a lock): None, and the
    late response goes to the orphan callbacks."""
    orphans = _Events()
    manager, _ = _connected(flavor, proxy)
    manager.register_callback(None, orphans)
    proxy.delay_responses("Ping", 0.2)
    ping = core.Ping()
    ping.timeout = timeout
    assert manager.send_action(ping) is None
    assert orphans.wait_for_count(1)
    proxy.delay_responses("Ping", 0)
    assert manager.send_action(core.Ping()) is not None


def test_response_for_an_action_id_nobody_issued(flavor: str, proxy: FaultProxy) -> None:
    orphans = _Events()
    manager, _ = _connected(flavor, proxy)
    manager.register_callback(None, orphans)
    proxy.send_orphan_response("made-up-7")
    answer = manager.send_action(core.Ping())
    assert answer is not None and answer.response["Ping"] == "Pong"
    assert orphans.wait_for_count(1)
    assert orphans.items[0].action_id == "made-up-7"


def test_event_burst_while_actions_are_in_flight(flavor: str, proxy: FaultProxy) -> None:
    manager, bursts = _connected(flavor, proxy)
    answers: list[Any] = []

    def ping_a_lot() -> None:
        for index in range(50):
            answers.append(manager.send_action(core.Ping(), action_id=f"in-flight-{index}"))

    pinger = threading.Thread(target=ping_a_lot)
    pinger.start()
    proxy.burst_events(5000)
    pinger.join()
    assert bursts.wait_for_count(5000)
    assert _sequence(bursts) == list(range(1, 5001))
    assert [a.action_id for a in answers] == [f"in-flight-{i}" for i in range(50)]
    assert all(a.response.action_id == a.action_id for a in answers)


def test_stalled_reading_ends_in_a_timeout_then_recovers(flavor: str, proxy: FaultProxy) -> None:
    manager, _ = _connected(flavor, proxy)
    proxy.stall_reading()
    ping = core.Ping()
    ping.timeout = 0.1
    assert manager.send_action(ping) is None
    proxy.resume_reading()
    # The stalled Ping is answered late (an orphan); a new one gets its own answer.
    answer = manager.send_action(core.Ping())
    assert answer is not None and answer.success


def test_restart_with_reconnect_delivers_the_new_sessions_events(
    flavor: str, proxy: FaultProxy
) -> None:
    policy = ReconnectPolicy(initial_delay=0.02, max_delay=0.1, jitter=0.1)
    manager, bursts = _connected(flavor, proxy, reconnect=policy)
    restored = threading.Event()
    manager.register_reconnect_callback(lambda m: restored.set())
    proxy.burst_events(10, name="Before")
    assert bursts.wait_for_count(10)
    proxy.restart()
    assert manager.wait_disconnected(30)
    proxy.accept_again()
    assert restored.wait(30), "no reconnect"
    manager.send_action(core.UserEvent("AfterRestart", Sequence="11"))
    assert bursts.wait_for_count(11)
    assert _sequence(bursts) == list(range(1, 12))
    assert bursts.items[-1]["UserEvent"] == "AfterRestart"
