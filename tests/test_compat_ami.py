"""Programs written for pystrix 1.x, in the idioms they use, run on both Managers.

Each test is a small program of the kind published for pystrix 1.x (a dialer's channel
poller, a call-centre queue board, ...), written anew here: its own ``_Request`` and
``_Aggregate`` subclasses, synchronous lists read through 1.x's pre-filled ``events``,
ActionIDs chosen by the program, callbacks in registration order.  They run against the
simulator, or a scripted peer that answers as Asterisk 11 did, over real sockets.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from managers import Recorder, make
from pystrix.ami import core, core_events, generic_transforms
from pystrix.ami.ami import (
    EVENT_GENERIC,
    KEY_ACTION,
    KEY_ACTIONID,
    KEY_EVENT,
    KEY_RESPONSE,
    RESPONSE_GENERIC,
    Manager,
    ManagerError,
    ManagerSocketError,
    _Aggregate,
    _Event,
    _Message,
    _Request,
)
from pystrix.testing import AsteriskSimulator
from scripted_server import Peer, ScriptedServer

GUARD = 10  # seconds: a hang guard only, never a measurement


def _logged_in(flavor: str, simulator: AsteriskSimulator) -> Any:
    manager = make(flavor)
    manager.connect(simulator.host, simulator.port)
    challenge = manager.send_action(core.Challenge())
    manager.send_action(core.Login("admin", "wordpass", challenge=challenge.result["Challenge"]))
    return manager


def _two_channels_up(manager: Any) -> None:
    answered = threading.Event()
    manager.register_callback(
        "OriginateResponse", lambda event, _: answered.set() if event.get("Response") else None
    )
    assert manager.send_action(core.Originate_Application("Local/500@test", "Wait", "30"))
    assert answered.wait(GUARD)


# -- a program's own aggregate and request classes (A1, A2) --------------------------------


class ChannelBoard(_Aggregate):
    """A dialer's view of the channels: the CoreShowChannel items, checked against the
    count Asterisk gives, and the channel names kept on the side."""

    _name = "ChannelBoard"
    _aggregation_members = (core_events.CoreShowChannel,)
    _aggregation_finalisers = (core_events.CoreShowChannelsComplete,)

    def __init__(self, action_id: str) -> None:
        _Aggregate.__init__(self, action_id)
        self.channel_names: list[str] = []

    def _aggregate(self, event: Any) -> None:
        self.channel_names.append(event["Channel"])
        _Aggregate._aggregate(self, event)


class ShowChannels(_Request):
    """CoreShowChannels as a 1.x program declares it itself."""

    _aggregates = (ChannelBoard,)
    _synchronous_events_list = (core_events.CoreShowChannel,)
    _synchronous_events_finalising = (core_events.CoreShowChannelsComplete,)

    def __init__(self) -> None:
        _Request.__init__(self, "CoreShowChannels")


class SetGlobal(_Request):
    """A Setvar built header by header."""

    def __init__(self, name: str, value: str) -> None:
        _Request.__init__(self, "Setvar")
        self["Variable"] = name
        self["Value"] = value


def test_the_1x_module_names_exist() -> None:
    assert (KEY_ACTION, KEY_ACTIONID, KEY_EVENT, KEY_RESPONSE) == (
        "Action",
        "ActionID",
        "Event",
        "Response",
    )
    assert EVENT_GENERIC == "Generic Event" and RESPONSE_GENERIC == "Generic Response"
    assert issubclass(ManagerSocketError, Exception) and issubclass(ManagerError, Exception)
    assert issubclass(core_events.FullyBooted, _Event) and issubclass(_Event, _Message)
    assert issubclass(core_events.CoreShowChannels_Aggregate, _Aggregate)
    assert isinstance(core.Ping(), _Request)
    assert Manager is __import__("pystrix.ami", fromlist=["Manager"]).Manager
    # The catalogued classes carry 1.x's declarations, for programs that extend them.
    assert core.QueueStatus._aggregates == (core_events.QueueStatus_Aggregate,)
    assert core.QueueStatus._synchronous_events_finalising == (core_events.QueueStatusComplete,)
    assert core_events.Status_Aggregate._aggregation_members == (core_events.Status,)
    assert core_events.CoreShowChannels_Aggregate._name == "CoreShowChannels_Aggregate"
    # 1.x programs import the base classes from the action and event modules too.
    from pystrix.ami import app_confbridge, app_meetme, dahdi, dahdi_events

    for module in (core, dahdi, app_confbridge, app_meetme):
        assert module._Request is _Request
    assert core_events._Event is dahdi_events._Event is _Event
    assert core_events._Aggregate is _Aggregate
    assert generic_transforms.string_type is str


def test_a_programs_own_test_builds_events_from_lines_as_in_1x() -> None:
    """Programs test their callbacks with events built from raw lines, as 1.x built them."""
    hangups: list[str] = []

    def on_hangup(event: Any, manager: Any) -> None:
        if event == "Hangup" and event.get_int("Cause") == 16:
            hangups.append(event["Channel"])

    event = core_events.Hangup(["Event: Hangup\r\n", "Channel: SIP/1000-01\r\n", "Cause: 16\r\n"])
    on_hangup(event, None)
    assert hangups == ["SIP/1000-01"] and event.data == []
    loose = _Message(["Response: Follows\r\n", "free text\r\n"])
    assert loose.name == "Follows" and loose.data == ["free text"]


def test_a_programs_own_request_is_sent_like_any_other(
    flavor: str, simulator: AsteriskSimulator
) -> None:
    manager = _logged_in(flavor, simulator)
    answer = manager.send_action(SetGlobal("DIALER_STATE", "running"))
    assert answer is not None and answer.success
    value = manager.send_action(core.Getvar("DIALER_STATE"))
    assert value.result["Value"] == "running"


def test_a_programs_own_aggregate_is_built_and_named_as_it_says(
    flavor: str, simulator: AsteriskSimulator
) -> None:
    manager = _logged_in(flavor, simulator)
    by_class, by_name = Recorder(), Recorder()
    manager.register_callback(ChannelBoard, by_class)
    manager.register_callback("ChannelBoard", by_name)
    _two_channels_up(manager)
    request = ShowChannels()
    request.aggregate = True
    answer = manager.send_action(request)
    assert answer is not None and answer.success
    assert by_class.wait_for() and by_name.wait_for()
    board = by_class.items[0]
    assert board is by_name.items[0]
    assert type(board) is ChannelBoard
    assert board.name == board._name == "ChannelBoard" and board == "ChannelBoard"
    assert board.valid and board.error_message is None
    assert board.action_id == answer.action_id
    members = board[core_events.CoreShowChannel]
    assert len(members) == 2 and members is board["CoreShowChannel"]
    assert board.channel_names == [member["Channel"] for member in members]
    assert board[core_events.CoreShowChannelsComplete]["ListItems"] == "2"
    assert board["ListItems"] == "2"  # the closing event's headers, as before


class FragileBoard(ChannelBoard):
    """A program's aggregate whose own code fails: it runs with the callbacks, not on the
    socket reader, so the failure is logged and the connection goes on."""

    _name = "FragileBoard"
    built_on: list[str] = []

    def __init__(self, action_id: str) -> None:
        ChannelBoard.__init__(self, action_id)
        FragileBoard.built_on.append(threading.current_thread().name)

    def _finalise(self, event: Any) -> None:
        if not self.channel_names:
            raise RuntimeError("the program's own check failed")
        ChannelBoard._finalise(self, event)


class ShowFragileBoard(ShowChannels):
    _aggregates = (FragileBoard,)


def test_a_programs_aggregate_code_runs_with_the_callbacks_never_on_the_reader(
    flavor: str, simulator: AsteriskSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    manager = _logged_in(flavor, simulator)
    boards, callback_threads = Recorder(), []
    manager.register_callback(
        "", lambda event, _: callback_threads.append(threading.current_thread().name)
    )
    manager.register_callback(FragileBoard, boards)
    FragileBoard.built_on.clear()
    failing = ShowFragileBoard()
    failing.aggregate = True
    manager.send_action(failing)  # no channels: _finalise raises
    _two_channels_up(manager)
    working = ShowFragileBoard()
    working.aggregate = True
    manager.send_action(working)
    assert boards.wait_for()
    assert len(boards.items) == 1 and boards.items[0].channel_names
    assert manager.is_connected() and manager.send_action(core.Ping()).success
    assert len(FragileBoard.built_on) == 2
    assert set(FragileBoard.built_on) <= set(callback_threads)  # the callbacks' thread
    assert "the program's own check failed" in caplog.text


def test_the_catalogued_aggregate_indexes_by_class(
    flavor: str, simulator: AsteriskSimulator
) -> None:
    manager = _logged_in(flavor, simulator)
    aggregates = Recorder()
    manager.register_callback(core_events.CoreShowChannels_Aggregate, aggregates)
    request = core.CoreShowChannels()
    request.aggregate = True
    manager.send_action(request)
    assert aggregates.wait_for()
    empty = aggregates.items[0]
    assert empty[core_events.CoreShowChannel] == [] and empty.valid
    assert empty[core_events.CoreShowChannelsComplete].name == "CoreShowChannelsComplete"


# -- synchronous lists (A3) ------------------------------------------------------------------


def test_synchronous_events_are_prefilled_as_in_1x(
    flavor: str, simulator: AsteriskSimulator
) -> None:
    manager = _logged_in(flavor, simulator)
    request = ShowChannels()
    request.synchronous = True
    empty = manager.send_action(request)
    assert empty.events[core_events.CoreShowChannel] == []
    assert empty.events["CoreShowChannel"] == []
    assert empty.events[core_events.CoreShowChannelsComplete]["ListItems"] == "0"

    _two_channels_up(manager)
    listing = manager.send_action(core.CoreShowChannels(), action_id=None)
    assert listing.events == {}  # not synchronous: the list went to callbacks
    request = core.CoreShowChannels()
    request.synchronous = True
    busy = manager.send_action(request)
    channels = busy.events[core_events.CoreShowChannel]
    assert len(channels) == 2 and channels is busy.events["CoreShowChannel"]
    complete = busy.events["CoreShowChannelsComplete"]
    assert complete is busy.events[core_events.CoreShowChannelsComplete]
    assert complete.get_int("ListItems") == len(channels)


class QueueBoard(_Request):
    """A call-centre wallboard's QueueStatus, with a unique event it expects at most once."""

    _synchronous_events_list = (core_events.QueueMember, core_events.QueueEntry)
    _synchronous_events_unique = (core_events.QueueParams,)
    _synchronous_events_finalising = (core_events.QueueStatusComplete,)

    def __init__(self, queue: str) -> None:
        _Request.__init__(self, "QueueStatus")
        self["Queue"] = queue


def _asterisk_11_queue_status(peer: Peer) -> None:
    """QueueStatus as Asterisk 11 answers it: no EventList header anywhere."""
    while True:
        message = peer.read_message()
        if message is None:
            return
        action_id = message.action_id
        if message.name != "QueueStatus":
            peer.answer(message, "")
            continue
        if message.get("Queue") == "closed":  # no parameters, members or callers
            peer.send(
                f"Response: Success\r\nActionID: {action_id}\r\n"
                "Message: Queue status will follow\r\n\r\n"
                f"Event: QueueStatusComplete\r\nActionID: {action_id}\r\n\r\n"
            )
            continue
        peer.send(
            f"Response: Success\r\nActionID: {action_id}\r\n"
            "Message: Queue status will follow\r\n\r\n"
            "Event: QueueParams\r\nQueue: sales\r\nMax: 0\r\nCalls: 1\r\n"
            f"ActionID: {action_id}\r\n\r\n"
            f"Event: QueueMember\r\nQueue: sales\r\nName: SIP/1000\r\nStatus: 1\r\n"
            f"ActionID: {action_id}\r\n\r\n"
            f"Event: QueueMember\r\nQueue: sales\r\nName: SIP/1001\r\nStatus: 5\r\n"
            f"ActionID: {action_id}\r\n\r\n"
            f"Event: QueueEntry\r\nQueue: sales\r\nPosition: 1\r\nChannel: SIP/trunk-01\r\n"
            f"ActionID: {action_id}\r\n\r\n"
            f"Event: QueueStatusComplete\r\nActionID: {action_id}\r\n\r\n"
        )


def test_lists_without_eventlist_headers_end_at_their_finaliser(flavor: str) -> None:
    manager = make(flavor)
    with ScriptedServer(
        _asterisk_11_queue_status, banner=b"Asterisk Call Manager/1.3\r\n"
    ) as server:
        manager.connect(server.host, server.port)
        board = QueueBoard("sales")
        board.synchronous = True
        answer = manager.send_action(board)
        assert answer is not None and not answer.events_timeout
        assert [m["Name"] for m in answer.events[core_events.QueueMember]] == [
            "SIP/1000",
            "SIP/1001",
        ]
        assert len(answer.events["QueueEntry"]) == 1
        assert answer.events[core_events.QueueParams]["Calls"] == "1"
        assert answer.events["QueueStatusComplete"].action_id == answer.action_id

        closed = QueueBoard("closed")
        closed.synchronous = True
        nothing = manager.send_action(closed)
        assert nothing is not None and not nothing.events_timeout
        # Pre-filled: a unique class that did not come is None, list classes are empty.
        assert nothing.events[core_events.QueueParams] is None
        assert nothing.events["QueueParams"] is None
        assert nothing.events[core_events.QueueMember] == [] == nothing.events["QueueEntry"]
        assert nothing.events[core_events.QueueStatusComplete] is not None

        aggregates = Recorder()
        manager.register_callback(core_events.QueueStatus_Aggregate, aggregates)
        catalogued = core.QueueStatus("sales")
        catalogued.aggregate = True
        manager.send_action(catalogued)
        assert aggregates.wait_for()
        aggregate = aggregates.items[0]
        assert len(aggregate[core_events.QueueMember]) == 2
        assert len(aggregate.events) == 4
        # And the connection goes on: the next answer is matched as usual.
        assert manager.send_action(core.Ping()).success


# -- a request's own process_response (A4) and the small accessors (A9) ----------------------


class CheckedGetvar(_Request):
    """A Getvar whose program decides success itself: an unset variable is a failure."""

    def __init__(self, variable: str) -> None:
        _Request.__init__(self, "Getvar")
        self["Variable"] = variable

    def process_response(self, response: Any) -> Any:
        response = _Request.process_response(self, response)
        response.success = bool(response.get("Value"))
        response.checked_by = "CheckedGetvar"
        response["Length"] = len(response.get("Value") or "")
        return response


def test_process_response_may_set_attributes_and_keys(
    flavor: str, simulator: AsteriskSimulator
) -> None:
    manager = _logged_in(flavor, simulator)
    missing = manager.send_action(CheckedGetvar("NOT_SET_ANYWHERE"))
    assert missing.response["Response"] == "Success"
    assert missing.success is False and missing.result.success is False
    assert missing.result.checked_by == "CheckedGetvar" and missing.result["Length"] == 0
    manager.send_action(core.Setvar("CAMPAIGN", "spring"))
    found = manager.send_action(CheckedGetvar("CAMPAIGN"))
    assert found.success is True and found.result["Length"] == len("spring")
    plain = manager.send_action(core.Getvar("NOT_SET_ANYWHERE"))
    assert plain.success and plain.response.success  # undecided: the Response header


def test_events_print_and_compare_as_in_1x(flavor: str, simulator: AsteriskSimulator) -> None:
    booted = Recorder()
    manager = make(flavor)
    manager.register_callback("FullyBooted", booted)
    manager.connect(simulator.host, simulator.port)
    manager.send_action(core.Login("admin", "wordpass"))
    assert booted.wait_for()
    event = booted.items[0]
    assert event == "FullyBooted" and event != "fullybooted"
    assert str(event) == str(dict(event)) and str(event).startswith("{'Event': 'FullyBooted'")
    assert event.name == "FullyBooted" and event.headers == dict(event)
    headers, data = event.process()
    assert headers["Status"] == "Fully Booted" and data == []
    event.seen_at = "dispatcher"  # programs annotate events, as 1.x allowed
    assert event.seen_at == "dispatcher"


# -- ActionIDs chosen by the program (A5) ----------------------------------------------------


def test_an_action_id_set_on_the_request_is_used(flavor: str) -> None:
    seen: list[str] = []

    def echo(peer: Peer) -> None:
        while (message := peer.read_message()) is not None:
            seen.append(str(message.action_id))
            peer.answer(message, "Ping: Pong\r\n")

    manager = make(flavor)
    with ScriptedServer(echo) as server:
        manager.connect(server.host, server.port)
        ping = core.Ping()
        ping["ActionID"] = "dialer-7"
        first = manager.send_action(ping)
        assert first.action_id == "dialer-7" and first.response.action_id == "dialer-7"
        second = manager.send_action(core.Ping(), action_id="given")
        mine = core.Ping()
        mine["ActionID"] = "mine"
        third = manager.send_action(mine, action_id="wins")
        fourth = manager.send_action(core.Ping(), ActionID="as-keyword")
        assert (second.action_id, third.action_id, fourth.action_id) == (
            "given",
            "wins",
            "as-keyword",
        )
    assert seen == ["dialer-7", "given", "wins", "as-keyword"]


# -- callbacks in registration order (A7) ----------------------------------------------------


def test_callbacks_run_in_registration_order_whatever_the_qualifier(
    flavor: str, simulator: AsteriskSimulator
) -> None:
    order: list[str] = []
    done = threading.Event()
    manager = make(flavor)

    def recorder(label: str) -> Any:
        def callback(event: Any, _: Any) -> None:
            if event.name == "FullyBooted":
                order.append(label)
                if label == "last":
                    done.set()

        return callback

    manager.register_callback("", recorder("everything"))
    manager.register_callback(core_events.FullyBooted, recorder("class"))
    manager.register_callback(re.compile("Fully"), recorder("pattern"))
    manager.register_callback("FullyBooted", recorder("name"))
    manager.register_callback("", recorder("last"))
    manager.connect(simulator.host, simulator.port)
    manager.send_action(core.Login("admin", "wordpass"))
    assert done.wait(GUARD)
    assert order == ["everything", "class", "pattern", "name", "last"]


# -- generic_transforms ----------------------------------------------------------------------


def test_generic_transforms_convert_in_place() -> None:
    peer = {"ACL": "Y", "Dynamic": "N", "Port": "5060", "Bitrate": "384 kbps", "Gain": "1.5"}
    generic_transforms.to_bool(peer, ("ACL", "Dynamic", "Missing"), truth_value="Y")
    generic_transforms.to_int(peer, ("Port", "Bitrate", "Absent"), -1)
    generic_transforms.to_float(peer, ("Gain",), -1.0)
    assert peer == {
        "ACL": True,
        "Dynamic": False,
        "Missing": False,
        "Port": 5060,
        "Bitrate": -1,
        "Absent": -1,
        "Gain": 1.5,
    }
    plain = {"A": "anything", "B": ""}
    generic_transforms.to_bool(plain, ("A", "B"))
    assert plain == {"A": True, "B": False}
    reason = {"Reason": 4}
    generic_transforms.add_result(reason, "Reason", core.ORIGINATE_RESULT_MAP)
    assert reason["Result"] == core.ORIGINATE_RESULT_MAP[4]
    assert generic_transforms.bytes_to_string(b"caf\xc3\xa9") == "café"
    assert generic_transforms.string_to_bytes("café") == b"caf\xc3\xa9"
