"""The simulator's answers to queue, ConfBridge and the rest of the catalogued actions.

:class:`CatalogActions` gives the simulator a handler for each action it does not answer
itself: the queue actions on the recorded queue ``q1`` (transcript 17), ConfBridge's lists
on the conferences that ``Originate ... Application: ConfBridge`` calls are in
(transcript 18), the mailbox and voicemail actions on the recorded ``voicemail.conf``
(transcript 25), and, for every other action the recorded Asterisk 22 has, a well-formed
answer: an ``Error`` naming a missing required header (the headers come from the action
classes of :mod:`pystrix.ami.catalog`), else an empty event list (or the ``Error`` Asterisk
gives for an empty list) for a list action, else ``Success``.

Handlers take the request and return the bytes to write; the caller holds no lock.
"""

from __future__ import annotations

import datetime
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..ami import catalog
from ..ami.message import Message
from ..ami.protocol import serialize_headers
from ._data import VOICEMAIL_USER_SETTINGS, VOICEMAIL_USERS
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


#: app_voicemail's folders, in the order it lists a box's messages.
VOICEMAIL_FOLDERS = (
    "INBOX",
    "Old",
    "Work",
    "Family",
    "Friends",
    "Cust1",
    "Cust2",
    "Cust3",
    "Cust4",
    "Cust5",
    "Deleted",
    "Urgent",
)


@dataclass
class _VoicemailMessage:
    """One message in a voicemail box."""

    folder: str
    msg_id: str
    caller_id: str
    date: str
    duration: int
    flag: str = ""


@dataclass
class _Mailbox:
    """A voicemail user of ``voicemail.conf`` and the messages in its box."""

    context: str
    box: str
    fullname: str
    messages: list[_VoicemailMessage] = field(default_factory=list)

    @property
    def name(self) -> str:
        """``box@context``, as MWI and ``MailboxCount`` spell it."""
        return f"{self.box}@{self.context}"

    def count(self, folder: str) -> int:
        """Messages in ``folder``."""
        return sum(1 for message in self.messages if message.folder == folder)

    def user_headers(self) -> Headers:
        """The headers of its ``VoicemailUserEntry`` / ``VoicemailUserDetail`` event."""
        return [
            ("VMContext", self.context),
            ("VoiceMailbox", self.box),
            ("Fullname", self.fullname),
            *VOICEMAIL_USER_SETTINGS,
            ("NewMessageCount", str(self.count("INBOX"))),
            ("OldMessageCount", str(self.count("Old"))),
        ]


def _folder(name: str) -> str | None:
    """The folder called ``name`` (any case), as app_voicemail matches it."""
    lowered = name.strip().lower()
    return next((folder for folder in VOICEMAIL_FOLDERS if folder.lower() == lowered), None)


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


def _missing_header(message: Message, action: str) -> bytes | None:
    """The ``Error`` for the first required header of ``action`` that ``message`` lacks
    (the catalogued class says which are required), or ``None``."""
    cls = catalog.action_class(action)
    for header in cls.required_headers() if cls is not None else ():
        if not (message.get(header) or "").strip():
            return _error(message, f"{header} not specified")
    return None


def _with_trailing_lf(message: Message, text: str) -> bytes:
    """``Success`` with a ``Message`` whose text ends in a bare LF, as app_voicemail's
    ``VoicemailRemove`` writes it (``Message remove successful\n``, then CRLF)."""
    head = _response(message, "Success")[: -len(b"\r\n")]  # without the closing blank line
    return head + f"Message: {text}\n\r\n\r\n".encode()


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
        # The recorded voicemail.conf, by "box@context"; every box starts empty.
        self._mailboxes = {
            f"{box}@{context}": _Mailbox(context, box, fullname)
            for context, box, fullname in VOICEMAIL_USERS
        }
        # app_voicemail numbers messages "<epoch>-<counter>", the counter per process.
        self._message_numbers = itertools.count()

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
            "mailboxcount": self._mailbox_count,
            "mailboxstatus": self._mailbox_status,
            "voicemailuserslist": self._voicemail_users_list,
            "voicemailuserstatus": self._voicemail_user_status,
            "voicemailboxsummary": self._voicemail_box_summary,
            "voicemailrefresh": self._voicemail_refresh,
            "voicemailremove": self._voicemail_remove,
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
            missing = _missing_header(message, name)
            if missing is not None:
                return missing
            if cls.list_complete is None:
                return _ok(message, "Success")
            if cls.empty_list_error:
                return _error(message, cls.empty_list_error)
            return _list(message, f"{name} will follow", [], cls.list_complete)

        return answer

    # -- mailboxes and voicemail (transcript 25) ----------------------------------------

    def _boxes(self, spec: str) -> list[_Mailbox | None]:
        """The boxes a ``Mailbox`` header names (``box@context``, context ``default`` when
        left out; several joined by ``,`` or ``&``); ``None`` for one that does not exist."""
        found: list[_Mailbox | None] = []
        for part in spec.replace("&", ",").split(","):
            box, _, context = part.strip().partition("@")
            if box:
                found.append(self._mailboxes.get(f"{box}@{context or 'default'}"))
        return found

    def _mailbox_count(self, message: Message) -> bytes:
        missing = _missing_header(message, "MailboxCount")
        if missing is not None:
            return missing
        mailbox = message.get("Mailbox") or ""
        with self._lock:
            boxes = [box for box in self._boxes(mailbox) if box is not None]
            counts = [
                sum(box.count(folder) for box in boxes) for folder in ("Urgent", "INBOX", "Old")
            ]
        # A box that does not exist counts as empty: Asterisk answers Success with zeros.
        urgent, new, old = counts
        return _response(
            message,
            "Success",
            [
                ("Message", "Mailbox Message Count"),
                ("Mailbox", mailbox),
                ("UrgMessages", str(urgent)),
                ("NewMessages", str(new)),
                ("OldMessages", str(old)),
            ],
        )

    def _mailbox_status(self, message: Message) -> bytes:
        missing = _missing_header(message, "MailboxStatus")
        if missing is not None:
            return missing
        mailbox = message.get("Mailbox") or ""
        with self._lock:
            waiting = any(
                box.count("INBOX") or box.count("Urgent")
                for box in self._boxes(mailbox)
                if box is not None
            )
        # ``Waiting`` says whether there is anything new (1 or 0), not how much.
        return _response(
            message,
            "Success",
            [("Message", "Mailbox Status"), ("Mailbox", mailbox), ("Waiting", str(int(waiting)))],
        )

    def _voicemail_users_list(self, message: Message) -> bytes:
        with self._lock:
            items = [
                [("Event", "VoicemailUserEntry"), *_action_id(message), *box.user_headers()]
                for box in self._mailboxes.values()
            ]
        return _list(
            message, "Voicemail user list will follow", items, "VoicemailUserEntryComplete"
        )

    def _voicemail_user_status(self, message: Message) -> bytes:
        missing = _missing_header(message, "VoicemailUserStatus")
        if missing is not None:
            return missing
        with self._lock:
            box = self._mailbox_of(message)
            if box is None:
                return _ok(message, "There is no voicemail user of the given info.")
            items = [[("Event", "VoicemailUserDetail"), *_action_id(message), *box.user_headers()]]
        return _list(
            message, "Voicemail user detail will follow", items, "VoicemailUserDetailComplete"
        )

    def _voicemail_box_summary(self, message: Message) -> bytes:
        missing = _missing_header(message, "VoicemailBoxSummary")
        if missing is not None:
            return missing
        with self._lock:
            box = self._mailbox_of(message)
            if box is None:
                return _ok(message, "There is no voicemail user matching the given user.")
            ordered = sorted(box.messages, key=lambda item: VOICEMAIL_FOLDERS.index(item.folder))
            items = [
                [
                    ("Event", "VoicemailBoxDetail"),
                    *_action_id(message),
                    ("Folder", item.folder),
                    ("CallerID", item.caller_id),
                    ("Date", item.date),
                    ("Duration", str(item.duration)),
                    ("Flag", item.flag),
                    ("ID", item.msg_id),
                ]
                for item in ordered
            ]
        return _list(
            message, "Voicemail box detail will follow", items, "VoicemailBoxDetailComplete"
        )

    def _voicemail_refresh(self, message: Message) -> bytes:
        # Nothing to poll: the simulator's boxes change only through it.
        return _ok(message, "Refresh sent")

    def _voicemail_remove(self, message: Message) -> bytes:
        missing = _missing_header(message, "VoicemailRemove")
        if missing is not None:
            return missing
        folder = _folder(message.get("Folder") or "")
        msg_id = (message.get("ID") or "").strip()
        with self._lock:
            box = self._mailbox_of(message)
            found = None
            if box is not None and folder is not None:
                found = next(
                    (m for m in box.messages if m.folder == folder and m.msg_id == msg_id), None
                )
            if box is None or found is None:
                return _with_trailing_lf(message, "Message remove failed")
            before = self._mwi_busy(box)
            box.messages.remove(found)
            self._mwi_changed(box, before)
        return _with_trailing_lf(message, "Message remove successful")

    def _mailbox_of(self, message: Message) -> _Mailbox | None:
        context = (message.get("Context") or "").strip()
        box = (message.get("Mailbox") or "").strip()
        return self._mailboxes.get(f"{box}@{context}")

    @staticmethod
    def _mwi_busy(box: _Mailbox) -> bool:
        return bool(box.count("INBOX") or box.count("Urgent"))

    def _mwi_changed(self, box: _Mailbox, was_busy: bool) -> None:
        """Emit what Asterisk emits when a box's counts change (the lock is held):
        ``MessageWaiting``, and the ``MWI:`` device's new state if it changed."""
        # Recorded: Waiting 1 / New 1 with one new message, 0 / 0 with none; urgent
        # messages count as new for MWI.
        new = box.count("INBOX") + box.count("Urgent")
        self._emit(
            "MessageWaiting",
            "call",
            [
                ("Mailbox", box.name),
                ("Waiting", str(new)),
                ("New", str(new)),
                ("Old", str(box.count("Old"))),
            ],
        )
        busy = self._mwi_busy(box)
        if busy != was_busy:
            self._device(f"MWI:{box.name}", "INUSE" if busy else "NOT_INUSE")

    def leave_voicemail(
        self,
        mailbox: str,
        *,
        folder: str = "INBOX",
        caller_id: str = "Unknown",
        duration: int = 1,
        msg_id: str | None = None,
        date: str | None = None,
    ) -> str:
        """Put a message in ``mailbox`` (``box@context``); return its ID.

        The caller holds the lock.  Raises :class:`KeyError` for a box that
        ``voicemail.conf`` does not have and :class:`ValueError` for an unknown folder.
        """
        box = self._mailboxes[mailbox if "@" in mailbox else f"{mailbox}@default"]
        known = _folder(folder)
        if known is None:
            raise ValueError(f"no voicemail folder {folder!r}")
        now = time.time()
        if msg_id is None:
            msg_id = f"{int(now)}-{next(self._message_numbers):08x}"
        if date is None:
            stamp = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
            date = stamp.strftime("%a %b %d %I:%M:%S %p UTC %Y")
        before = self._mwi_busy(box)
        flag = "Urgent" if known == "Urgent" else ""
        box.messages.append(_VoicemailMessage(known, msg_id, caller_id, date, duration, flag))
        self._mwi_changed(box, before)
        return msg_id

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
