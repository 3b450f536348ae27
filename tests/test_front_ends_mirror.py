"""The two Managers are one API: the same public methods, with the same parameters.

The asyncio Manager's methods may be coroutines (or an async iterator) where the threaded
one blocks; nothing else may differ, so that a program moves between them by adding
``await`` and nothing more.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

import pytest

from pystrix.ami import Manager, Message, aio, core, core_events
from pystrix.testing import AsteriskSimulator

# The context-manager protocols are each other's counterparts.
COUNTERPARTS = {"__enter__": "__aenter__", "__exit__": "__aexit__"}


def public_api(cls: type) -> dict[str, Any]:
    names = {name for name in dir(cls) if not name.startswith("_")}
    names |= {name for name in (*COUNTERPARTS, *COUNTERPARTS.values()) if hasattr(cls, name)}
    return {name: inspect.getattr_static(cls, name) for name in names}


def shape(member: Any) -> Any:
    """What must match: for a method, its parameters' names, kinds and defaults (the
    annotations differ, as a callback may be a coroutine function on asyncio)."""
    if isinstance(member, property):
        return "property"
    signature = inspect.signature(member)
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()][1:]


def test_both_managers_expose_the_same_public_methods() -> None:
    threaded = public_api(Manager)
    asyncio_ = public_api(aio.Manager)
    renamed = {COUNTERPARTS.get(name, name) for name in threaded}
    assert renamed == set(asyncio_)


@pytest.mark.parametrize("name", sorted(public_api(Manager)))
def test_each_method_takes_the_same_parameters(name: str) -> None:
    threaded = public_api(Manager)[name]
    asynchronous = public_api(aio.Manager)[COUNTERPARTS.get(name, name)]
    assert shape(threaded) == shape(asynchronous)


WAITING = {
    "connect",
    "disconnect",
    "close",
    "send_action",
    "send",
    "originate",
    "wait_disconnected",
}


def test_what_waits_is_a_coroutine_on_asyncio_and_nothing_else() -> None:
    for name, member in public_api(aio.Manager).items():
        if name.startswith("__"):
            continue
        is_coroutine = inspect.iscoroutinefunction(member)
        assert is_coroutine == (name in WAITING), name
    # events() is a plain method that returns an async iterator: an async generator
    # function would subscribe only when its loop starts, missing what came before.
    assert not inspect.isasyncgenfunction(aio.Manager.events)


@pytest.mark.parametrize("name", sorted(WAITING))
def test_the_waiting_methods_exist_on_both(name: str) -> None:
    assert callable(getattr(Manager, name))
    assert inspect.iscoroutinefunction(getattr(aio.Manager, name))


def test_the_threaded_event_iterator_and_context_manager(simulator: AsteriskSimulator) -> None:
    """What the asyncio Manager has, the threaded one has too: ``with`` closes it, and
    ``events()`` yields the matching events, collected from the call on, until the
    connection ends."""
    seen: list[Message] = []
    with Manager() as manager:
        manager.connect(simulator.host, simulator.port)
        manager.send_action(core.Login("admin", "wordpass"))
        events = manager.events("UserEvent")
        for index in range(3):
            manager.send_action(core.UserEvent("Lab", Index=str(index)))
        consumer = threading.Thread(target=lambda: seen.extend(events))
        consumer.start()  # the loop starts late: nothing was missed
    consumer.join(10)  # close() ended the iteration
    assert not consumer.is_alive()
    assert not manager.is_connected()
    assert [event["Index"] for event in seen] == ["0", "1", "2"]
    assert all(isinstance(event, core_events.UserEvent) for event in seen)
