"""Reconnecting after Asterisk restarts: session restored, callbacks kept, nothing resent."""

from __future__ import annotations

import threading
from typing import Any

from managers import make
from pystrix.ami import Message, core
from pystrix.ami._frontend import ReconnectPolicy
from pystrix.testing import AsteriskSimulator

FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.1, jitter=0.1)


def test_policy_backs_off_to_its_cap_and_stops_after_max_attempts() -> None:
    policy = ReconnectPolicy(initial_delay=1, max_delay=5, multiplier=2, jitter=0, max_attempts=5)
    assert list(policy.delays()) == [1, 2, 4, 5, 5]
    firsts = [next(ReconnectPolicy(initial_delay=1, jitter=0.25).delays()) for _ in range(50)]
    assert all(0.75 <= delay <= 1.25 for delay in firsts)
    assert len(set(firsts)) > 1  # jittered, so that clients do not reconnect in step


def test_reconnects_and_keeps_its_callbacks(flavor: str) -> None:
    first = AsteriskSimulator(auth_failure_delay=0.01)
    first.start()
    port = first.port
    manager = make(flavor, reconnect=FAST)
    lost = threading.Event()
    restored = threading.Event()
    seen: list[Message] = []
    got_event = threading.Event()

    def on_user_event(event: Message, _: Any) -> None:
        seen.append(event)
        got_event.set()

    manager.register_callback("UserEvent", on_user_event)
    manager.register_disconnect_callback(lambda m, error: lost.set())
    manager.register_reconnect_callback(lambda m: restored.set())
    second: AsteriskSimulator | None = None
    try:
        manager.connect(first.host, port)
        manager.send_action(core.Login("admin", "wordpass"))
        manager.send_action(core.Events(["user", "system"]))
        first.stop()
        assert lost.wait(10)
        second = AsteriskSimulator(port=port, auth_failure_delay=0.01)
        second.start()
        assert restored.wait(30), "the Manager did not reconnect"
        assert manager.is_connected()
        # A session-level action works without logging in again by hand.
        answer = manager.send_action(core.Ping())
        assert answer is not None and answer.success
        manager.send_action(core.UserEvent("AfterRestart"))
        assert got_event.wait(10)
        assert seen[-1]["UserEvent"] == "AfterRestart"
    finally:
        manager.close()
        if second is not None:
            second.stop()
    assert not any(
        t.name == "pystrix-ami-reconnect" and t.is_alive() for t in threading.enumerate()
    )


def test_close_stops_a_reconnect_in_progress(flavor: str) -> None:
    simulator = AsteriskSimulator()
    simulator.start()
    manager = make(flavor, reconnect=ReconnectPolicy(initial_delay=0.01, max_delay=0.02))
    lost = threading.Event()
    manager.register_disconnect_callback(lambda m, error: lost.set())
    manager.connect(simulator.host, simulator.port)
    manager.send_action(core.Login("admin", "wordpass"))
    simulator.stop()  # nothing listens any more: attempts keep failing
    assert lost.wait(10)
    manager.close()
    assert not any(
        t.name == "pystrix-ami-reconnect" and t.is_alive() for t in threading.enumerate()
    )


def _reconnect_thread_alive() -> bool:
    return any(t.name == "pystrix-ami-reconnect" and t.is_alive() for t in threading.enumerate())


def test_an_md5_login_is_redone_with_a_fresh_challenge(flavor: str) -> None:
    first = AsteriskSimulator()
    first.start()
    port = first.port
    manager = make(flavor, reconnect=FAST)
    restored = threading.Event()
    manager.register_reconnect_callback(lambda m: restored.set())
    second: AsteriskSimulator | None = None
    try:
        manager.connect(first.host, port)
        challenge = manager.send_action(core.Challenge())
        assert challenge is not None
        token = challenge.result["Challenge"]
        manager.send_action(core.Login("admin", "wordpass", challenge=token))
        first.stop()
        second = AsteriskSimulator(port=port)
        second.start()
        assert restored.wait(30), "the MD5 login was not redone"
        answer = manager.send_action(core.Command("core show version"))
        assert answer is not None and answer.success  # logged in: Command needs it
    finally:
        manager.close()
        if second is not None:
            second.stop()
