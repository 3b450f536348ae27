"""Both Managers (threaded and asyncio) against the embedded simulator, over real sockets.

Every test runs once per flavor; ``managers.AioFacade`` gives the asyncio Manager the
threaded one's blocking interface so that one test body checks both.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from typing import Any

import pytest

from managers import Recorder, make
from pystrix.ami import (
    Aggregate,
    Manager,
    ManagerSocketError,
    Message,
    Request,
    core,
    core_events,
)
from pystrix.testing import AsteriskSimulator


@pytest.fixture
def make_manager(flavor: str) -> Any:
    def factory(**options: Any) -> Any:
        return make(flavor, **options)  # closed by conftest's clean-up

    return factory


@pytest.fixture
def manager(make_manager: Any, simulator: AsteriskSimulator) -> Manager:
    return make_manager()  # type: ignore[no-any-return]


def _login(manager: Manager, simulator: AsteriskSimulator) -> None:
    manager.connect(simulator.host, simulator.port)
    challenge = manager.send_action(core.Challenge())
    assert challenge is not None and challenge.success
    manager.send_action(core.Login("admin", "wordpass", challenge=challenge.result["Challenge"]))


def test_seed_flow_md5_login_and_four_kinds_of_callback(
    manager: Manager, simulator: AsteriskSimulator
) -> None:
    by_string, by_regex, by_class, everything = Recorder(), Recorder(), Recorder(), Recorder()
    manager.register_callback("FullyBooted", by_string)
    manager.register_callback(re.compile(r"Fully\w+"), by_regex)
    manager.register_callback(core_events.FullyBooted, by_class)
    manager.register_callback("", everything)
    _login(manager, simulator)
    for recorder in (by_string, by_regex, by_class):
        assert recorder.wait_for()
    assert everything.wait_for(lambda m: m.name == "FullyBooted")
    event = by_class.items[0]
    assert isinstance(event, core_events.FullyBooted)
    assert event["Status"] == "Fully Booted"
    assert isinstance(event.process()[0]["Uptime"], int)
    info = manager.get_asterisk_info()
    assert info is not None and info.version == "11.0.0"


def test_one_function_under_several_matching_qualifiers_runs_once(
    manager: Manager, simulator: AsteriskSimulator
) -> None:
    recorder = Recorder()
    after = Recorder()
    for qualifier in ("FullyBooted", re.compile("Fully"), core_events.FullyBooted, ""):
        manager.register_callback(qualifier, recorder)
    manager.register_callback("", after)
    _login(manager, simulator)
    # Ping and a UserEvent mark a point after FullyBooted was dispatched.
    manager.send_action(core.UserEvent("Marker"))
    assert after.wait_for(lambda m: m.name == "UserEvent")
    assert recorder.names().count("FullyBooted") == 1


def test_plain_login_and_wrong_secret(manager: Manager, simulator: AsteriskSimulator) -> None:
    manager.connect(simulator.host, simulator.port)
    with pytest.raises(core.ManagerAuthError, match="Authentication failed"):
        manager.send_action(core.Login("admin", "not-the-secret"))
    # Asterisk closes the socket after a failed login, and so does the simulator.
    assert manager.wait_disconnected(10)
    manager.connect(simulator.host, simulator.port)
    answer = manager.send_action(core.Login("admin", "wordpass"))
    assert answer is not None and answer.success
    assert answer.result["Message"] == "Authentication accepted"


def test_ping_command_and_logoff(manager: Manager, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    ping = manager.send_action(core.Ping())
    assert ping is not None and ping.success and ping.response["Ping"] == "Pong"
    assert ping.action_id == ping.response.action_id
    version = manager.send_action(core.Command("core show version"))
    assert version is not None and version.success
    assert version.result.data and version.result.data[0].startswith("Asterisk 22")
    missing = manager.send_action(core.Command("no such cli command"))
    assert missing is not None and not missing.success
    assert "No such command" in missing.result.data[0]
    goodbye = manager.send_action(core.Logoff())
    assert goodbye is not None and goodbye.response["Response"] == "Goodbye"
    assert manager.wait_disconnected(10)


def test_many_threads_each_get_their_own_response(
    manager: Manager, simulator: AsteriskSimulator
) -> None:
    _login(manager, simulator)
    failures: list[str] = []

    def worker(index: int) -> None:
        for round_ in range(25):
            answer = manager.send_action(core.Ping(), action_id=f"t{index}-{round_}")
            if answer is None or answer.response.action_id != f"t{index}-{round_}":
                failures.append(f"t{index}-{round_}: {answer}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_synchronous_list_and_aggregate(manager: Manager, simulator: AsteriskSimulator) -> None:
    aggregates = Recorder()
    items = Recorder()
    manager.register_callback(core_events.CoreShowChannels_Aggregate, aggregates)
    manager.register_callback("CoreShowChannel", items)
    _login(manager, simulator)
    empty = core.CoreShowChannels()
    empty.synchronous = True
    listing = manager.send_action(empty)
    assert listing is not None and listing.success and not listing.events_timeout
    assert listing.events[core_events.CoreShowChannel] == []
    # As in pystrix 1.x: a list's closing event is the event itself, not a list of one.
    complete = listing.events["CoreShowChannelsComplete"]
    assert complete is listing.events[core_events.CoreShowChannelsComplete]
    assert complete["ListItems"] == "0"

    request = core.CoreShowChannels()
    request.aggregate = True
    answer = manager.send_action(request)
    assert answer is not None and answer.response.get("EventList") == "start"
    assert aggregates.wait_for()
    aggregate = aggregates.items[0]
    assert isinstance(aggregate, Aggregate)
    assert aggregate.name == "CoreShowChannels_Aggregate"
    assert aggregate["ListItems"] == "0"
    # Synchronous list items never reach callbacks; asynchronous ones would.
    assert items.items == []


def test_originate_events_and_status(manager: Manager, simulator: AsteriskSimulator) -> None:
    events = Recorder()
    manager.register_callback("", events)
    _login(manager, simulator)
    answer = manager.send_action(core.Originate_Application("Local/200@test", "Wait", ["3"]))
    assert answer is not None and answer.success
    assert events.wait_for(lambda m: m.name == "UserEvent" and m.get("UserEvent") == "TestEvent")
    status = core.Status()
    status.synchronous = True
    listing = manager.send_action(status)
    assert listing is not None and listing.success
    assert events.wait_for(lambda m: m.name == "Hangup", count=2)
    names = events.names()
    for expected in ("Newchannel", "Newstate", "Newexten", "VarSet", "OriginateResponse"):
        assert expected in names
    response = next(m for m in events.items if m.name == "OriginateResponse")
    assert isinstance(response, core_events.OriginateResponse)
    assert response.action_id == answer.action_id  # the event carries our ActionID


def test_getvar_setvar_and_db(manager: Manager, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    assert manager.send_action(core.Setvar("LABGLOBAL", "hello")) is not None
    value = manager.send_action(core.Getvar("LABGLOBAL"))
    assert value is not None and value.result["Value"] == "hello"
    stored = manager.send_action(core.DBPut("fam", "key", "v 1"))
    assert stored is not None and stored.success
    fetched = manager.send_action(core.DBGet("fam", "key"))
    assert fetched is not None and fetched.result["Val"] == "v 1"
    assert fetched.events["DBGetResponse"][0]["Val"] == "v 1"
    missing = manager.send_action(core.DBGet("fam", "nokey"))
    assert missing is not None and not missing.success


def test_userevent_carrying_our_action_id_is_an_event(
    manager: Manager, simulator: AsteriskSimulator
) -> None:
    events = Recorder()
    orphans = Recorder()
    manager.register_callback("UserEvent", events)
    manager.register_callback(None, orphans)
    _login(manager, simulator)
    answer = manager.send_action(core.UserEvent("LabEvent", Header1=["one", "dup"]))
    assert answer is not None and answer.success
    assert events.wait_for()
    event = events.items[0]
    assert event.action_id == answer.action_id
    assert event.get_all("Header1") == ["one", "dup"]
    assert orphans.items == []


def test_userevent_reaches_every_session(make_manager: Any, simulator: AsteriskSimulator) -> None:
    first, second = make_manager(), make_manager()
    seen = Recorder()
    second.register_callback("UserEvent", seen)
    _login(first, simulator)
    _login(second, simulator)
    first.send_action(core.UserEvent("Broadcast", Key="v"))
    assert seen.wait_for()
    assert seen.items[0]["Key"] == "v"


def test_a_slow_callback_does_not_block_responses(
    manager: Any, simulator: AsteriskSimulator, flavor: str
) -> None:
    release = threading.Event()
    entered = threading.Event()

    def blocking(event: Message, _: Manager) -> None:
        entered.set()
        release.wait(30)

    async def blocking_async(event: Message, _: Manager) -> None:
        entered.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)

    # A slow asyncio callback is one that awaits; one that blocks would stop the loop.
    manager.register_callback("FullyBooted", blocking if flavor == "threaded" else blocking_async)
    _login(manager, simulator)
    assert entered.wait(10)
    try:
        # The dispatcher is stuck in the callback; the reader still answers us.
        for _ in range(5):
            assert manager.send_action(core.Ping()) is not None
    finally:
        release.set()


def test_a_raising_callback_is_logged_and_dispatch_goes_on(
    manager: Manager, simulator: AsteriskSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    after = Recorder()

    def broken(event: Message, _: Manager) -> None:
        raise RuntimeError("callback bug")

    manager.register_callback("FullyBooted", broken)
    manager.register_callback("", after)
    with caplog.at_level(logging.ERROR, logger="pystrix.ami"):
        _login(manager, simulator)
        manager.send_action(core.UserEvent("After"))
        assert after.wait_for(lambda m: m.name == "UserEvent")
    assert any("callback bug" in (record.exc_text or "") for record in caplog.records)


def test_unregister_callback(manager: Manager, simulator: AsteriskSimulator) -> None:
    removed = Recorder()
    kept = Recorder()
    manager.register_callback("UserEvent", removed)
    manager.register_callback("UserEvent", kept)
    assert manager.unregister_callback("UserEvent", removed)
    assert not manager.unregister_callback("UserEvent", removed)
    _login(manager, simulator)
    manager.send_action(core.UserEvent("X"))
    assert kept.wait_for()
    assert removed.items == []


def test_simulator_stop_sends_shutdown_and_wakes_everyone(
    manager: Manager, simulator: AsteriskSimulator
) -> None:
    shutdown = Recorder()
    manager.register_callback("Shutdown", shutdown)
    lost = threading.Event()
    manager.register_disconnect_callback(lambda m, error: lost.set())
    _login(manager, simulator)
    simulator.stop()
    assert shutdown.wait_for()
    assert isinstance(shutdown.items[0], core_events.Shutdown)
    assert lost.wait(10)
    assert not manager.is_connected()
    with pytest.raises(ManagerSocketError):
        manager.send_action(core.Ping())


def test_close_leaves_no_thread_behind(simulator: AsteriskSimulator) -> None:
    before = {t for t in threading.enumerate() if t.name.startswith("pystrix-ami")}
    manager = Manager()
    _login(manager, simulator)
    manager.monitor_connection(interval=0.05)
    assert any(t.name == "pystrix-ami-monitor" for t in threading.enumerate())
    manager.close()
    after = {t for t in threading.enumerate() if t.name.startswith("pystrix-ami")}
    assert after <= before


def test_close_leaves_no_task_behind(simulator: AsteriskSimulator) -> None:
    facade = make("asyncio")
    _login(facade, simulator)
    facade.monitor_connection(interval=0.05)
    names = {task.get_name() for task in facade.leftover_tasks()}
    assert {"pystrix-ami-monitor", "pystrix-ami-dispatcher"} <= names
    facade.close()
    assert facade.leftover_tasks() == []


def test_close_from_a_callback_does_not_deadlock(
    make_manager: Any, simulator: AsteriskSimulator
) -> None:
    manager = make_manager()
    closed = threading.Event()

    def close_now(event: Message, current: Manager) -> None:
        current.close()
        closed.set()

    manager.register_callback("UserEvent", close_now)
    _login(manager, simulator)
    manager.send_action(core.UserEvent("CloseMe"))
    assert closed.wait(10)
    assert manager.wait_disconnected(10)
    assert not manager.is_connected()


def test_generic_request_and_kwargs_headers(manager: Manager, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    request = Request("Getvar")
    answer = manager.send_action(request, Variable="NOT_SET_ANYWHERE")
    assert answer is not None and answer.success
    assert answer.result.get("Value") == ""


def test_events_nobody_listens_to_are_never_parsed(
    manager: Manager, simulator: AsteriskSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pystrix.ami import _frontend, protocol

    built: list[str] = []

    def counting_build(text: str, name: str | None = None) -> Message:
        built.append(protocol.event_name(text))
        return protocol.build_event(text, name)

    def counting_build_message(text: str, cls: type[Message] | None = None) -> Message:
        built.append(protocol.event_name(text))
        return protocol.build_message(text, cls)

    # Both front-ends parse deferred events through the shared dispatch's references to
    # build_event (an event not seen before) and build_message (its class known).
    monkeypatch.setattr(_frontend, "build_event", counting_build)
    monkeypatch.setattr(_frontend, "build_message", counting_build_message)
    seen = Recorder()
    manager.register_callback("UserEvent", seen)
    _login(manager, simulator)  # FullyBooted and SuccessfulAuth arrive; nobody listens
    manager.send_action(core.UserEvent("Wanted"))
    assert seen.wait_for()
    assert isinstance(seen.items[0], core_events.UserEvent)
    assert "FullyBooted" not in built
    assert built.count("UserEvent") == 1
