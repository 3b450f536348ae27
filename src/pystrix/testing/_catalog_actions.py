"""The simulator's answers to queue, ConfBridge and the rest of the catalogued actions.

:class:`CatalogActions` gives the simulator a handler for each action it does not answer
itself: the queue actions on the recorded queue ``q1`` (transcript 17), ConfBridge's lists
on the conferences that ``Originate ... Application: ConfBridge`` calls are in
(transcript 18), and, for every other action the recorded Asterisk 22 has, a well-formed
answer: an ``Error`` naming a missing required header (the headers come from the action
classes of :mod:`pystrix.ami.catalog`), else an empty event list (or the ``Error`` Asterisk
gives for an empty list) for a list action, else ``Success``.

Handlers take the request and return the bytes to write; the caller holds no lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..ami import catalog
from ..ami.message import Message
from ..ami.protocol import serialize_headers
from ._dialplan import Channel, Pbx

__all__ = ["MODULE_ACTIONS", "CatalogActions"]

#: Actions of chan_pjsip/res_pjsip and app_voicemail: the recorded Asterisk 22 has them
#: (``manager show commands`` of the build with those modules) although the ListCommands
#: recording, made without them, does not list them.
MODULE_ACTIONS = (
    "PJSIPHangup",
    "PJSIPNotify",
    "PJSIPQualify",
    "PJSIPRegister",
    "PJSIPSetMaintenance",
    "PJSIPShowAors",
    "PJSIPShowAuths",
    "PJSIPShowContacts",
    "PJSIPShowEndpoint",
    "PJSIPShowEndpoints",
    "PJSIPShowMaintenance",
    "PJSIPShowRegistrationInboundContactStatuses",
    "PJSIPShowRegistrationsInbound",
    "PJSIPShowRegistrationsOutbound",
    "PJSIPShowResourceLists",
    "PJSIPShowSubscriptionsInbound",
    "PJSIPShowSubscriptionsOutbound",
    "PJSIPUnregister",
    "VoicemailBoxSummary",
    "VoicemailForward",
    "VoicemailMove",
    "VoicemailRefresh",
    "VoicemailRemove",
    "VoicemailUsersList",
    "VoicemailUserStatus",
)

Headers = list[tuple[str, str]]
Emit = Callable[[str, str, Headers], None]
Handler = Callable[[Message], bytes]
_TRUE = frozenset({"yes", "true", "y", "t", "1", "on"})


@dataclass
class _Member:
    """A dynamic queue member, as ``QueueAdd`` makes it."""

    interface: str
    name: str
    state_interface: str
    penalty: int
    paused: bool = False
    reason: str = ""
    login_time: int = 0
    last_pause: int = 0

    def headers(self, queue: str) -> Headers:
        """The member's headers in ``QueueMemberAdded`` and its siblings."""
        return [
            ("Queue", queue),
            ("MemberName", self.name),
            ("Interface", self.interface),
            ("StateInterface", self.state_interface),
            *self._state(),
            ("Ringinuse", "1"),
            ("Wrapuptime", "0"),
        ]

    def listing(self, queue: str) -> Headers:
        """The member's headers in ``QueueStatus``'s ``QueueMember`` event."""
        return [
            ("Queue", queue),
            ("Name", self.name),
            ("Location", self.interface),
            ("StateInterface", self.state_interface),
            *self._state(),
            ("Wrapuptime", "0"),
        ]

    def _state(self) -> Headers:
        return [
            ("Membership", "dynamic"),
            ("Penalty", str(self.penalty)),
            ("CallsTaken", "0"),
            ("LastCall", "0"),
            ("LastPause", str(self.last_pause)),
            ("LoginTime", str(self.login_time)),
            ("InCall", "0"),
            ("Status", "1"),
            ("Paused", "1" if self.paused else "0"),
            ("PausedReason", self.reason),
        ]


def _response(message: Message, status: str, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    pairs: list[tuple[str, object]] = [("Response", status)]
    action_id = message.get("ActionID")
    if action_id:
        pairs.append(("ActionID", action_id))
    pairs.extend(headers)
    return serialize_headers(pairs)


def _error(message: Message, text: str) -> bytes:
    return _response(message, "Error", [("Message", text)])


def _ok(message: Message, text: str) -> bytes:
    return _response(message, "Success", [("Message", text)])


def _action_id(message: Message) -> Headers:
    action_id = message.get("ActionID")
    return [("ActionID", action_id)] if action_id else []


def _list(message: Message, text: str, items: list[Headers], complete: str) -> bytes:
    """A whole event list: the response, the items as given, the closing event."""
    data = _response(message, "Success", [("EventList", "start"), ("Message", text)])
    for item in items:
        data += serialize_headers(item)
    data += serialize_headers(
        [
            ("Event", complete),
            *_action_id(message),
            ("EventList", "Complete"),
            ("ListItems", str(len(items))),
        ]
    )
    return data


class CatalogActions:
    """Handlers for the queue and ConfBridge actions and every other catalogued action.

    ``lock`` is the simulator's lock (held while state is read or changed, and while
    events are emitted, as :class:`~pystrix.testing._dialplan.Pbx` expects); ``pbx`` holds
    the channels; ``emit`` sends an event to the sessions that want it.
    """

    def __init__(self, lock: threading.RLock, pbx: Pbx, emit: Emit) -> None:
        self._lock = lock
        self._pbx = pbx
        self._emit = emit
        # The recorded queues.conf has one queue, q1 (ringall), with no static member.
        self._queues: dict[str, dict[str, _Member]] = {"q1": {}}

    def handlers(self, known: Iterable[str], existing: Iterable[str]) -> dict[str, Handler]:
        """A handler for each action of ``known`` (names) not among ``existing`` (lower)."""
        specific: dict[str, Handler] = {
            "queuestatus": self._queue_status,
            "queuesummary": self._queue_summary,
            "queueadd": self._queue_add,
            "queuepause": self._queue_pause,
            "queueremove": self._queue_remove,
            "confbridgelistrooms": self._confbridge_list_rooms,
            "confbridgelist": self._confbridge_list,
        }
        taken = set(existing)
        found: dict[str, Handler] = {}
        for name in known:
            key = name.lower()
            if key in taken:
                continue
            found[key] = specific.get(key) or self._generic_for(name)
        return found

    # -- anything catalogued ------------------------------------------------------------

    def _generic_for(self, name: str) -> Handler:
        cls = catalog.action_class(name)

        def answer(message: Message) -> bytes:
            if cls is None:
                return _ok(message, "Success")
            for header in cls.required_headers():
                if not (message.get(header) or "").strip():
                    return _error(message, f"{header} not specified")
            if cls.list_complete is None:
                return _ok(message, "Success")
            if cls.empty_list_error:
                return _error(message, cls.empty_list_error)
            return _list(message, f"{name} will follow", [], cls.list_complete)

        return answer

    # -- queues (transcript 17) ---------------------------------------------------------

    def _queue_status(self, message: Message) -> bytes:
        wanted = message.get("Queue") or ""
        member_filter = message.get("Member") or ""
        items: list[Headers] = []
        with self._lock:
            for queue, members in self._queues.items():
                if wanted and wanted != queue:
                    continue
                items.append(
                    [
                        ("Event", "QueueParams"),
                        ("Queue", queue),
                        ("Max", "0"),
                        ("Strategy", "ringall"),
                        ("Calls", "0"),
                        ("Holdtime", "0"),
                        ("TalkTime", "0"),
                        ("Completed", "0"),
                        ("Abandoned", "0"),
                        ("ServiceLevel", "0"),
                        ("ServicelevelPerf", "0.0"),
                        ("ServicelevelPerf2", "0.0"),
                        ("Weight", "0"),
                        *_action_id(message),
                    ]
                )
                for member in members.values():
                    if member_filter and member_filter not in (member.interface, member.name):
                        continue
                    items.append(
                        [("Event", "QueueMember"), *member.listing(queue), *_action_id(message)]
                    )
        return _list(message, "Queue status will follow", items, "QueueStatusComplete")

    def _queue_summary(self, message: Message) -> bytes:
        wanted = message.get("Queue") or ""
        items: list[Headers] = []
        with self._lock:
            for queue, members in self._queues.items():
                if wanted and wanted != queue:
                    continue
                available = sum(1 for member in members.values() if not member.paused)
                items.append(
                    [
                        ("Event", "QueueSummary"),
                        ("Queue", queue),
                        ("LoggedIn", str(len(members))),
                        ("Available", str(available)),
                        ("Callers", "0"),
                        ("HoldTime", "0"),
                        ("TalkTime", "0"),
                        ("LongestHoldTime", "0"),
                        *_action_id(message),
                    ]
                )
        return _list(message, "Queue summary will follow", items, "QueueSummaryComplete")

    def _device(self, device: str, state: str) -> None:
        self._emit("DeviceStateChange", "call", [("Device", device), ("State", state)])

    def _queue_add(self, message: Message) -> bytes:
        queue = message.get("Queue") or ""
        interface = message.get("Interface") or ""
        if not queue:
            return _error(message, "'Queue' not specified.")
        if not interface:
            return _error(message, "'Interface' not specified.")
        penalty_text = (message.get("Penalty") or "0").strip()
        with self._lock:
            members = self._queues.get(queue)
            if members is None:
                return _error(message, "Unable to add interface to queue: No such queue")
            if interface in members:
                return _error(message, "Unable to add interface: Already there")
            paused = (message.get("Paused") or "").strip().lower() in _TRUE
            member = _Member(
                interface=interface,
                name=message.get("MemberName") or interface,
                state_interface=message.get("StateInterface") or interface,
                penalty=int(penalty_text) if penalty_text.isdigit() else 0,
                paused=paused,
                reason=message.get("Reason") or "" if paused else "",
                login_time=int(time.time()),
            )
            members[interface] = member
            self._device(f"Queue:{queue}_pause_{interface}", "INUSE" if paused else "NOT_INUSE")
            self._emit("QueueMemberAdded", "agent", member.headers(queue))
            self._device(f"Queue:{queue}_avail", self._availability(members))
        return _ok(message, "Added interface to queue")

    @staticmethod
    def _availability(members: dict[str, _Member]) -> str:
        return "NOT_INUSE" if any(not m.paused for m in members.values()) else "INUSE"

    def _queue_pause(self, message: Message) -> bytes:
        interface = message.get("Interface") or ""
        paused_text = (message.get("Paused") or "").strip().lower()
        if not interface or not paused_text:
            return _error(message, "Need 'Interface' and 'Paused' parameters.")
        paused = paused_text in _TRUE
        wanted = message.get("Queue") or ""
        with self._lock:
            found = [
                (queue, members, members[interface])
                for queue, members in self._queues.items()
                if interface in members and (not wanted or wanted == queue)
            ]
            if not found:
                return _error(message, "Interface not found")
            for queue, members, member in found:
                member.paused = paused
                member.reason = (message.get("Reason") or "") if paused else ""
                member.last_pause = int(time.time())
                state = "INUSE" if paused else "NOT_INUSE"
                self._device(f"Queue:{queue}_pause_{interface}", state)
                self._device(f"Queue:{queue}_avail", self._availability(members))
                self._emit("QueueMemberPause", "agent", member.headers(queue))
        verb = "paused" if paused else "unpaused"
        return _ok(message, f"Interface {verb} successfully")

    def _queue_remove(self, message: Message) -> bytes:
        queue = message.get("Queue") or ""
        interface = message.get("Interface") or ""
        if not queue or not interface:
            return _error(message, "Need 'Queue' and 'Interface' parameters.")
        with self._lock:
            members = self._queues.get(queue)
            if members is None:
                return _error(message, "Unable to remove interface from queue: No such queue")
            member = members.pop(interface, None)
            if member is None:
                return _error(message, "Unable to remove interface: Not there")
            self._emit("QueueMemberRemoved", "agent", member.headers(queue))
            self._device(f"Queue:{queue}_pause_{interface}", "NOT_INUSE")
        return _ok(message, "Removed interface from queue")

    # -- ConfBridge (transcript 18) -----------------------------------------------------

    def _conferences(self) -> dict[str, list[Channel]]:
        """Conference name -> the channels in it (channels running ``ConfBridge``)."""
        found: dict[str, list[Channel]] = {}
        for channel in self._pbx.listing():
            if (channel.application or "").lower() == "confbridge":
                name = (channel.app_data or "").split(",")[0]
                found.setdefault(name, []).append(channel)
        return found

    def _confbridge_list_rooms(self, message: Message) -> bytes:
        with self._lock:
            conferences = self._conferences()
        if not conferences:
            return _error(message, "No active conferences.")
        items = [
            [
                ("Event", "ConfbridgeListRooms"),
                *_action_id(message),
                ("Conference", name),
                ("Parties", str(len(channels))),
                ("Marked", "0"),
                ("Locked", "No"),
                ("Muted", "No"),
            ]
            for name, channels in conferences.items()
        ]
        return _list(
            message, "Confbridge conferences will follow", items, "ConfbridgeListRoomsComplete"
        )

    def _confbridge_list(self, message: Message) -> bytes:
        conference = message.get("Conference") or ""
        if not conference:
            return _error(message, "No Conference name provided.")
        with self._lock:
            conferences = self._conferences()
            if not conferences:
                return _error(message, "No active conferences.")
            channels = conferences.get(conference)
            if channels is None:
                return _error(message, "No Conference by that name found.")
            items = [
                [
                    ("Event", "ConfbridgeList"),
                    *_action_id(message),
                    ("Conference", conference),
                    ("Admin", "No"),
                    ("MarkedUser", "No"),
                    ("WaitMarked", "No"),
                    ("EndMarked", "No"),
                    ("EndMarkedAny", "No"),
                    ("Waiting", "No"),
                    ("Muted", "No"),
                    ("Talking", "No"),
                    ("AnsweredTime", "0"),
                    *channel.headers(),
                ]
                for channel in channels
            ]
        return _list(message, "Confbridge user list will follow", items, "ConfbridgeListComplete")
