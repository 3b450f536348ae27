"""The conveniences of issue 14 on both Managers: ``events()`` subscribing when called,
``originate()`` waiting for its ``OriginateResponse``, ``send()`` raising on a timeout,
``catalog.describe`` of the 1.x Originate forms, and how regex qualifiers match.

Every Manager test runs on both front-ends: :class:`Facade` gives the asyncio Manager's
new methods the threaded Manager's blocking form, as ``managers.AioFacade`` does for the
rest.  Timeouts here only guard against a hang; nothing waits on a clock to pass.
"""

from __future__ import annotations

import asyncio
import gc
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from managers import AioFacade, Recorder
from pystrix.ami import (
    Manager,
    ManagerError,
    ManagerSocketError,
    Message,
    Request,
    aio,
    catalog,
    core,
    core_events,
)
from pystrix.ami.errors import ManagerTimeoutError
from pystrix.ami.manager import OriginateResult
from pystrix.testing import AsteriskSimulator
from scripted_server import Peer, ScriptedServer


class Facade(AioFacade):
    """``AioFacade`` with the methods this issue adds, blocking."""

    def send(self, request: Request, action_id: str | None = None, **kwargs: Any) -> Any:
        return self._run(self.aio.send(request, action_id, **kwargs))

    def originate(self, request: Request, timeout: float | None = None) -> OriginateResult:
        return self._run(self.aio.originate(request, timeout))


@pytest.fixture
def manager(flavor: str) -> Iterator[Any]:
    """A Manager of ``flavor``, not connected yet; closed after the test."""
    made: Any = Manager() if flavor == "threaded" else Facade()
    try:
        yield made
    finally:
        if isinstance(made, Facade):
            made.dispose()
        else:
            made.close()


def _login(manager: Any, simulator: AsteriskSimulator) -> None:
    manager.connect(simulator.host, simulator.port)
    manager.send(core.Login("admin", "wordpass"))


# -- events() subscribes when it is called ---------------------------------------------------


def test_the_asyncio_iterator_collects_from_the_call_not_from_the_loop(
    simulator: AsteriskSimulator,
) -> None:
    async def scenario() -> list[str]:
        async with aio.Manager() as manager:
            await manager.connect(simulator.host, simulator.port)
            await manager.send(core.Login("admin", "wordpass"))
            iterator = manager.events("UserEvent")
            # Registered after the iterator: once it has seen every event, so has the
            # iterator's own callback (callbacks run in registration order).
            dispatched = asyncio.Event()
            count = 0

            def seen(event: Message, _: aio.Manager) -> None:
                nonlocal count
                count += 1
                if count == 3:
                    dispatched.set()

            manager.register_callback("UserEvent", seen)
            for index in range(3):
                await manager.send(core.UserEvent("Early", Index=str(index)))
            await asyncio.wait_for(dispatched.wait(), 30)
            indexes: list[str] = []

            async def loop() -> None:
                async for event in iterator:  # the loop starts only now
                    indexes.append(str(event["Index"]))
                    if len(indexes) == 3:
                        return

            await asyncio.wait_for(loop(), 30)  # a hang guard: missed events never come
            return indexes

    assert asyncio.run(scenario()) == ["0", "1", "2"]


def test_the_threaded_iterator_collects_from_the_call_not_from_the_loop(
    simulator: AsteriskSimulator,
) -> None:
    with Manager() as manager:
        _login(manager, simulator)
        iterator = manager.events("UserEvent")
        seen = Recorder()
        manager.register_callback("UserEvent", seen)
        for index in range(3):
            manager.send(core.UserEvent("Early", Index=str(index)))
        assert seen.wait_for(count=3)
        indexes: list[str] = []

        def loop() -> None:
            for event in iterator:  # the loop starts only now
                indexes.append(str(event["Index"]))
                if len(indexes) == 3:
                    return

        consumer = threading.Thread(target=loop, daemon=True)
        consumer.start()
        consumer.join(30)  # a hang guard: missed events never come
    assert indexes == ["0", "1", "2"]


def test_an_iterator_never_looped_over_stops_collecting_once_dropped(
    simulator: AsteriskSimulator,
) -> None:
    """A generator whose loop never started never runs its ``finally``: the subscription
    ends when the iterator is garbage instead, and nothing piles up for nobody."""

    async def asyncio_side() -> int:
        async with aio.Manager() as manager:
            await manager.connect(simulator.host, simulator.port)
            await manager.send(core.Login("admin", "wordpass"))
            iterator = manager.events("UserEvent", max_queued=1)
            del iterator
            gc.collect()
            done = asyncio.Event()
            manager.register_callback("UserEvent", lambda event, _: done.set())
            for index in range(3):
                await manager.send(core.UserEvent("Nobody", Index=str(index)))
            await asyncio.wait_for(done.wait(), 30)
            return manager.events_dropped

    assert asyncio.run(asyncio_side()) == 0

    with Manager() as manager:
        _login(manager, simulator)
        threaded = manager.events("UserEvent", max_queued=1)
        del threaded
        gc.collect()
        seen = Recorder()
        manager.register_callback("UserEvent", seen)
        for index in range(3):
            manager.send(core.UserEvent("Nobody", Index=str(index)))
        assert seen.wait_for(count=3)
        # A subscription left behind would hold one event and count the others dropped.
        assert manager.events_dropped == 0


# -- originate() -----------------------------------------------------------------------------


def test_originate_returns_the_answered_calls_originate_response(
    manager: Any, simulator: AsteriskSimulator
) -> None:
    callbacks = Recorder()
    manager.register_callback("OriginateResponse", callbacks)
    _login(manager, simulator)
    request = core.Originate("Local/200@test", application="Wait", data="3")  # no Async

    result = manager.originate(request)

    assert isinstance(result, OriginateResult)
    assert result.success
    assert result.reason == core.ORIGINATE_RESULT_ANSWERED
    assert isinstance(result.event, core_events.OriginateResponse)
    assert result.event["ActionID"] == result.response.action_id
    assert str(result.event["Channel"]).startswith("Local/200@test-")
    assert result.response.success
    assert result.response.request["Async"] == "true"
    assert "Async" not in request  # the caller's request is left as it was
    # The event still reaches the application's callbacks.
    assert callbacks.first(lambda event: event["ActionID"] == result.response.action_id)


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        # Rings out: 100 ms of Timeout, and extension 600 never answers.
        (
            core.Originate_Context("Local/600@test", "test", "600", 1, timeout=100, async_=False),
            core.ORIGINATE_RESULT_RING_REMOTE,
        ),
        # Cannot be dialled: the event comes while the action is being answered.
        (core.Originate_Application("SIP/nowhere", "Wait", "1"), core.ORIGINATE_RESULT_BAD_NUMBER),
    ],
    ids=["no-answer", "bad-channel"],
)
def test_originate_returns_a_failed_call_too(
    manager: Any, simulator: AsteriskSimulator, request_: Request, reason: int
) -> None:
    before = dict(request_)
    _login(manager, simulator)

    result = manager.originate(request_)

    assert not result.success
    assert result.reason == reason
    assert result.event["Response"] == "Failure"
    assert dict(request_) == before


def test_originate_raises_when_asterisk_refuses_the_action(
    manager: Any, simulator: AsteriskSimulator
) -> None:
    _login(manager, simulator)
    with pytest.raises(ManagerError, match="Channel not specified") as refused:
        manager.originate(core.Originate_Application("", "Wait"))
    assert not isinstance(refused.value, ManagerTimeoutError)
    assert manager.send(core.Ping()).success  # nothing is left waiting


def test_originate_sends_only_originates(manager: Any) -> None:
    with pytest.raises(ValueError, match="Ping"):
        manager.originate(core.Ping())


def _scripted(*, early: bool = False, event: bool = True, close: bool = False) -> Any:
    """An AMI peer that answers each Originate (the OriginateResponse ``early``, before
    the response, after another client's; or none without ``event``; or closing the
    connection with ``close``) and every other action with a bare Success."""

    def script(peer: Peer) -> None:
        while (message := peer.read_message()) is not None:
            if message.get("Action") != "Originate":
                peer.answer(message, "")
                continue
            assert message["Async"] == "true"
            own = message.action_id
            other = (
                "Event: OriginateResponse\r\nActionID: someone-else\r\nResponse: Failure\r\n"
                "Channel: SIP/other\r\nReason: 0\r\n\r\n"
            )
            answer = (
                f"Event: OriginateResponse\r\nActionID: {own}\r\nResponse: Success\r\n"
                "Channel: SIP/bob-00000001\r\nReason: 4\r\nUniqueid: 1.1\r\n\r\n"
            )
            if early:
                peer.send(other + answer)
            peer.answer(message, "Message: Originate successfully queued\r\n")
            if close:
                peer.close()
                return
            if event and not early:
                peer.send(other + answer)

    return script


@pytest.mark.parametrize("early", [False, True], ids=["event-after", "event-first"])
def test_originate_finds_its_event_by_action_id_whenever_it_comes(
    manager: Any, early: bool
) -> None:
    with ScriptedServer(_scripted(early=early)) as server:
        manager.connect(server.host, server.port)
        result = manager.originate(core.Originate_Application("SIP/bob", "Wait", "1"))
        assert result.success
        assert result.reason == core.ORIGINATE_RESULT_ANSWERED
        assert result.event["Channel"] == "SIP/bob-00000001"
        assert result.event["ActionID"] == result.response.action_id
    assert server.errors == []


def test_originate_raises_a_timeout_when_no_event_comes(manager: Any) -> None:
    with ScriptedServer(_scripted(event=False)) as server:
        manager.connect(server.host, server.port)
        with pytest.raises(ManagerTimeoutError) as waited:
            manager.originate(core.Originate_Application("SIP/bob", "Wait"), timeout=0.05)
        assert isinstance(waited.value, TimeoutError)
        assert waited.value.action == "Originate"
        assert waited.value.timeout == 0.05
        assert manager.send(core.Ping()).success  # the connection is still good
    assert server.errors == []


def test_originate_raises_when_the_connection_ends_first(manager: Any) -> None:
    with ScriptedServer(_scripted(close=True)) as server:
        manager.connect(server.host, server.port)
        with pytest.raises(ManagerSocketError, match="before the OriginateResponse"):
            manager.originate(core.Originate_Application("SIP/bob", "Wait"), timeout=60)


# -- send() ----------------------------------------------------------------------------------


def test_send_returns_the_response(manager: Any, simulator: AsteriskSimulator) -> None:
    _login(manager, simulator)
    response = manager.send(core.Ping())
    assert response.success
    assert response.request.action == "Ping"


def test_send_raises_a_timeout_instead_of_returning_none(manager: Any) -> None:
    silent = threading.Event()

    def script(peer: Peer) -> None:
        peer.read_message()  # never answered
        silent.set()
        peer.read_message()

    with ScriptedServer(script) as server:
        manager.connect(server.host, server.port)
        ping = core.Ping()
        ping.timeout = 0.05
        with pytest.raises(ManagerTimeoutError, match="no response to Ping") as waited:
            manager.send(ping)
        assert silent.wait(10)
    error = waited.value
    assert isinstance(error, ManagerError)
    assert isinstance(error, TimeoutError)
    assert (error.action, error.timeout) == ("Ping", 0.05)


# -- catalog and callbacks -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Originate_Context", "originate_application"])
def test_describe_knows_the_1x_originate_forms(name: str) -> None:
    text = catalog.describe(name)
    first, *rest = text.splitlines()
    assert first.lower() == f"originate: pystrix.ami.core.{name.lower()}"
    assert "another form of Originate (the catalogued class is pystrix.ami.core.Originate)" in text
    assert any("parameters:" in line and "channel" in line for line in rest)
    # The catalogued class is still the one looked up by the action's name.
    assert catalog.describe("Originate").startswith("Originate: pystrix.ami.core.Originate\n")


def test_describe_still_refuses_private_and_unknown_names() -> None:
    for name in ("_Originate", "Originate_Nothing"):
        with pytest.raises(KeyError):
            catalog.describe(name)


def test_register_callback_documents_how_expressions_match() -> None:
    doc = Manager.register_callback.__doc__ or ""
    assert "re.match" in doc and "$" in doc


def test_a_regex_qualifier_matches_from_the_start_and_dollar_ends_it(
    manager: Any, simulator: AsteriskSimulator
) -> None:
    prefix, whole = Recorder(), Recorder()
    # "whole" first: once "prefix" has an event, "whole" has had its turn with it.
    manager.register_callback(re.compile("Event$"), whole)  # nothing starts with "Event"
    manager.register_callback(re.compile("User"), prefix)  # from the start only
    _login(manager, simulator)
    manager.send(core.UserEvent("Anchored"))
    assert prefix.wait_for(lambda event: event.name == "UserEvent")
    assert "UserEvent" not in whole.names()
