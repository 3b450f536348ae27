"""Every list action, synchronous and aggregated: against the sans-I/O core with a scripted
list, and against the simulator (the recorded shapes of transcripts 17 and 18, and a
well-formed answer to every other action of the recorded Asterisk)."""

from __future__ import annotations

import inspect
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pystrix.ami import Manager, catalog, core, core_events
from pystrix.ami.action import Action
from pystrix.ami.app_confbridge import ConfbridgeList, ConfbridgeListRooms
from pystrix.ami.app_confbridge_events import (
    ConfbridgeList_Aggregate,
    ConfbridgeListRooms_Aggregate,
)
from pystrix.ami.events import Aggregate, Event
from pystrix.ami.message import Message
from pystrix.ami.protocol import ClientProtocol
from pystrix.testing import AsteriskSimulator
from pystrix.testing._catalog_actions import MODULE_ACTIONS
from pystrix.testing._data import ACTIONS
from test_simulator import Client, _counters, assert_same_answers, replay
from transcripts import load, normalize, split_messages

GUARD = 10.0  # seconds: a guard against hangs, never a timing assertion

ASTERISK_22 = {name.lower() for name, _, _ in ACTIONS} | {name.lower() for name in MODULE_ACTIONS}


def _build(cls: type[Action]) -> Action:
    """The action with a placeholder for each required parameter."""
    needed = [
        p
        for p in inspect.signature(cls).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
    ]
    return cls(*["x" for _ in needed])


# -- the core: every list action with a scripted answer ----------------------------------------


def _scripted_list(pending_id: str, cls: type[Action]) -> bytes:
    lines = [f"Response: Success\r\nActionID: {pending_id}\r\nEventList: start\r\n\r\n"]
    for item in cls.list_events:
        lines.append(f"Event: {item}\r\nActionID: {pending_id}\r\nTestHeader: 1\r\n\r\n")
    lines.append(
        f"Event: {cls.list_complete}\r\nActionID: {pending_id}\r\nEventList: Complete\r\n"
        f"ListItems: {len(cls.list_events)}\r\n\r\n"
    )
    return "".join(lines).encode()


@pytest.mark.parametrize("name", sorted(catalog.list_actions()))
def test_core_collects_and_aggregates_every_list(name: str) -> None:
    cls = catalog.list_actions()[name]
    action = _build(cls)
    protocol = ClientProtocol(action_id_prefix="t")
    protocol.receive_data(b"Asterisk Call Manager/11.0.0\r\n")
    pending = protocol.send_action(
        action.action, action.header_pairs(), collect_events=True, aggregate=True
    )
    out = protocol.receive_data(_scripted_list(pending.action_id, cls))
    assert pending.done and pending.response is not None
    assert [event.name for event in pending.events] == list(cls.list_events)
    for event, item in zip(pending.events, cls.list_events, strict=True):
        assert type(event) is catalog.event_class(item)
    assert pending.complete_event is not None
    assert type(pending.complete_event) is catalog.event_class(cls.list_complete or "")
    aggregates = [message for message in out if isinstance(message, Aggregate)]
    assert len(aggregates) == 1
    assert type(aggregates[0]) is catalog.aggregate_class(name)
    assert aggregates[0].name == f"{name}_Aggregate"
    assert len(aggregates[0].events) == len(cls.list_events)
    assert aggregates[0].typed("ListItems") == len(cls.list_events)


# -- the simulator ---------------------------------------------------------------------------


@pytest.fixture
def simulator() -> Iterator[AsteriskSimulator]:
    sim = AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.05).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def manager(simulator: AsteriskSimulator) -> Iterator[Manager]:
    ami = Manager()
    ami.connect(simulator.host, simulator.port)
    ami.send_action(core.Login("admin", "wordpass"))
    try:
        yield ami
    finally:
        ami.close()


def _aggregate_of(manager: Manager, action: Action) -> tuple[Any, Aggregate]:
    """Send ``action`` with ``aggregate``; return the result and the aggregate event."""
    arrived: queue.Queue[Event] = queue.Queue()
    name = f"{action.action}_Aggregate"
    manager.register_callback(name, lambda event, _: arrived.put(event))
    action.aggregate = True
    try:
        result = manager.send_action(action)
        event = arrived.get(timeout=GUARD)
    finally:
        manager.unregister_callback(name, None)
    assert isinstance(event, Aggregate)
    return result, event


def _send_synchronous(manager: Manager, action: Action) -> Any:
    action.synchronous = True
    result = manager.send_action(action)
    assert result is not None
    return result


_SIMULATED_LISTS = sorted(name for name in catalog.list_actions() if name.lower() in ASTERISK_22)


@pytest.mark.parametrize("name", _SIMULATED_LISTS)
def test_simulator_answers_every_list_action_both_ways(manager: Manager, name: str) -> None:
    cls = catalog.list_actions()[name]
    result = _send_synchronous(manager, _build(cls))
    if not result.success or "EventList" not in result.response:
        # A required header given a placeholder names nothing that exists, or the list is
        # empty and Asterisk says so with an Error, or with a Success and no EventList (as
        # transcript 25 records for VoicemailUserStatus): either way no list follows.
        assert result.events.in_order == [] and not result.events_timeout
        return
    assert not result.events_timeout
    complete = result.events.in_order[-1]
    assert complete.name == cls.list_complete
    assert isinstance(complete, catalog.event_class(cls.list_complete or "") or Event)
    assert complete.typed("ListItems") == len(result.events.in_order) - 1
    _, aggregate = _aggregate_of(manager, _build(cls))
    assert type(aggregate) is catalog.aggregate_class(name)
    assert len(aggregate.events) == complete.typed("ListItems")


def test_every_asterisk_22_action_gets_a_well_formed_answer(manager: Manager) -> None:
    for name in sorted(ASTERISK_22):
        cls = catalog.action_class(name)
        assert cls is not None, name
        if cls.action_name in ("Logoff", "Login", "Challenge", "Originate", "Command"):
            continue  # answered by their own tests (and Logoff would end the session)
        if cls.action_name in ("WaitEvent", "UserEvent", "Events", "Filter"):
            continue  # they change this session: covered in test_simulator
        result = manager.send_action(_build(cls))
        assert result is not None, name
        assert result.response.name in ("Success", "Error"), name


def test_missing_required_header_is_an_error(manager: Manager) -> None:
    bare = core.BridgeInfo("b1")
    del bare["BridgeUniqueid"]
    result = manager.send_action(bare)
    assert result is not None and not result.success
    assert result.response["Message"] == "BridgeUniqueid not specified"


# -- queues: transcript 17 ---------------------------------------------------------------------


def _mask_clock(messages: list[Message]) -> list[Message]:
    """Queue members' login and pause times are wall-clock seconds: mask them."""
    masked = []
    for message in messages:
        pairs = [
            (key, "<time>" if key in ("LoginTime", "LastPause") and value != "0" else value)
            for key, value in message.header_pairs()
        ]
        masked.append(Message(pairs))
    return masked


def test_queue_transcript_replays(simulator: AsteriskSimulator) -> None:
    transcript = load("17-queue")
    client = Client(simulator.address)
    try:
        replay(transcript, client)
        assert_same_answers(_mask_clock(transcript.server_messages()), _mask_clock(client.messages))
    finally:
        client.close()


def test_queue_lists_synchronous_and_aggregate(manager: Manager) -> None:
    empty = _send_synchronous(manager, core.QueueStatus())
    assert [event.name for event in empty.events.in_order] == ["QueueParams", "QueueStatusComplete"]
    params = empty.events[core_events.QueueParams][0]
    assert params.typed("ServicelevelPerf") == 0.0 and params.typed("Calls") == 0
    added = manager.send_action(core.QueueAdd("Local/100@test", "q1", "labmember"))
    assert added is not None and added.success
    listing = _send_synchronous(manager, core.QueueStatus("q1"))
    member = listing.events[core_events.QueueMember][0]
    assert member["Name"] == "labmember" and member.typed("Paused") is False
    assert member.typed("Penalty") == 0
    _, aggregate = _aggregate_of(manager, core.QueueStatus())
    assert isinstance(aggregate, core_events.QueueStatus_Aggregate)
    assert [event.name for event in aggregate.events] == ["QueueParams", "QueueMember"]
    summary = _send_synchronous(manager, core.QueueSummary())
    item = summary.events[core_events.QueueSummary][0]
    assert item.typed("LoggedIn") == 1 and item.typed("Available") == 1
    _, aggregate = _aggregate_of(manager, core.QueueSummary("q1"))
    assert isinstance(aggregate, core_events.QueueSummary_Aggregate)
    assert len(aggregate.events) == 1
    missing = _send_synchronous(manager, core.QueueStatus("nosuchqueue"))
    assert [event.name for event in missing.events.in_order] == ["QueueStatusComplete"]


# -- ConfBridge: transcript 18 --------------------------------------------------------------


def test_confbridge_transcript_answers_match(simulator: AsteriskSimulator) -> None:
    """Responses and list items as recorded.  The simulator does not emit ConfBridge's own
    bridge events, so the recorded requests are sent one by one, each once the previous
    answer is complete, and asynchronous events are not compared."""
    transcript = load("18-confbridge-listrooms")
    client = Client(simulator.address)
    try:
        recorded_counters = _counters(transcript.server_messages())
        for step in transcript.steps():
            text = step.data
            ours = dict(zip(recorded_counters, _counters(client.messages), strict=False))
            for theirs, mine in ours.items():
                text = text.replace(f"-{theirs};", f"-{mine};")
            client.send(text)
            action_id = next(
                line.split(": ", 1)[1]
                for line in step.data.split("\r\n")
                if line.startswith("ActionID: ")
            )
            answer = client.wait_for(lambda m, a=action_id: m.is_response and m.action_id == a)
            if (answer.get("EventList") or "").lower() == "start":
                client.wait_for(
                    lambda m, a=action_id: m.action_id == a and m.get("EventList") == "Complete"
                )
            if action_id == "orig-cb":  # the recording waited for the call to join
                client.wait_for(lambda m: m.name == "OriginateResponse")
        recorded, _ = split_messages(transcript.server_messages())
        got, _ = split_messages(client.messages)
        assert [normalize(m) for m in got] == [normalize(m) for m in recorded]
    finally:
        client.close()


def _wait_for_conference(manager: Manager) -> None:
    joined = threading.Event()

    def on_response(event: Event, _: Manager) -> None:
        if event.get("Application") == "ConfBridge":
            joined.set()

    manager.register_callback("OriginateResponse", on_response)
    origin = core.Originate_Application("Local/500@test", "ConfBridge", "labconf")
    assert manager.send_action(origin) is not None
    assert joined.wait(GUARD)
    manager.unregister_callback("OriginateResponse", on_response)


def test_confbridge_lists_synchronous_and_aggregate(manager: Manager) -> None:
    empty = _send_synchronous(manager, ConfbridgeListRooms())
    assert not empty.success and empty.response["Message"] == "No active conferences."
    assert ConfbridgeListRooms.empty_list_error == "No active conferences."
    _wait_for_conference(manager)
    rooms = _send_synchronous(manager, ConfbridgeListRooms())
    room = rooms.events["ConfbridgeListRooms"][0]
    assert room["Conference"] == "labconf" and room.typed("Parties") == 1
    assert room.typed("Locked") is False
    _, aggregate = _aggregate_of(manager, ConfbridgeListRooms())
    assert isinstance(aggregate, ConfbridgeListRooms_Aggregate) and len(aggregate.events) == 1
    users = _send_synchronous(manager, ConfbridgeList("labconf"))
    user = users.events["ConfbridgeList"][0]
    assert user.typed("Admin") is False and user.typed("ChannelState") == 6
    _, aggregate = _aggregate_of(manager, ConfbridgeList("labconf"))
    assert isinstance(aggregate, ConfbridgeList_Aggregate) and len(aggregate.events) == 1
    missing = _send_synchronous(manager, ConfbridgeList("noconf"))
    assert missing.response["Message"] == "No Conference by that name found."


# -- the recorded core lists: transcripts 06, 07 and 15 ---------------------------------------


def _in_call(manager: Manager) -> None:
    answered = threading.Event()
    manager.register_callback(
        "OriginateResponse", lambda event, _: answered.set() if event.get("Response") else None
    )
    assert manager.send_action(core.Originate_Application("Local/500@test", "Wait", "30"))
    assert answered.wait(GUARD)


@pytest.mark.parametrize(
    ("make", "aggregate_class"),
    [
        (core.CoreShowChannels, core_events.CoreShowChannels_Aggregate),
        (core.Status, core_events.Status_Aggregate),
    ],
)
def test_channel_lists_synchronous_and_aggregate(
    manager: Manager, make: Callable[[], Action], aggregate_class: type[Aggregate]
) -> None:
    empty = _send_synchronous(manager, make())
    assert len(empty.events.in_order) == 1 and empty.events.in_order[0].typed("ListItems") == 0
    _in_call(manager)
    busy = _send_synchronous(manager, make())
    assert busy.events.in_order[-1].typed("ListItems") == 2
    first = busy.events.in_order[0]
    assert first.typed("ChannelState") == 6
    _, aggregate = _aggregate_of(manager, make())
    assert type(aggregate) is aggregate_class and len(aggregate.events) == 2


def test_status_variables_mapping(manager: Manager) -> None:
    _in_call(manager)
    listing = _send_synchronous(manager, core.Status(variables=["FOO"]))
    assert listing.events[core_events.Status][0].variables == {"FOO": "(null)"}
