"""Event classes of app_confbridge (ConfBridge conferences), with pystrix 1.x names."""

from __future__ import annotations

from .core_events import _CHANNEL
from .events import Aggregate, Event

__all__ = [
    "ConfbridgeEnd",
    "ConfbridgeJoin",
    "ConfbridgeLeave",
    "ConfbridgeList",
    "ConfbridgeListComplete",
    "ConfbridgeListRooms",
    "ConfbridgeListRoomsComplete",
    "ConfbridgeListRooms_Aggregate",
    "ConfbridgeList_Aggregate",
    "ConfbridgeMute",
    "ConfbridgeRecord",
    "ConfbridgeStart",
    "ConfbridgeStopRecord",
    "ConfbridgeTalking",
    "ConfbridgeUnmute",
]


class ConfbridgeEnd(Event):
    """A ConfBridge conference ended. Since Asterisk 12.0.0."""

    int_headers = ("BridgeNumChannels",)


class ConfbridgeJoin(Event):
    """A channel joined a ConfBridge conference (``Admin``, ``Muted``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "BridgeNumChannels")
    bool_headers = ("Admin", "Muted")


class ConfbridgeLeave(Event):
    """A channel left a ConfBridge conference. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "BridgeNumChannels")
    bool_headers = ("Admin",)


class ConfbridgeList(Event):
    """One participant in the answer to ``ConfbridgeList``. Since Asterisk 13.20.0."""

    int_headers = (*_CHANNEL, "AnsweredTime")
    bool_headers = ("Admin", "MarkedUser", "WaitMarked", "EndMarked", "Waiting", "Muted", "Talking")


class ConfbridgeListComplete(Event):
    """The end of a ``ConfbridgeList`` list."""

    int_headers = ("ListItems",)


class ConfbridgeListRooms(Event):
    """One conference in the answer to ``ConfbridgeListRooms``. Since Asterisk 16.29.0."""

    int_headers = ("Parties", "Marked")
    bool_headers = ("Locked", "Muted")


class ConfbridgeListRoomsComplete(Event):
    """The end of a ``ConfbridgeListRooms`` list."""

    int_headers = ("ListItems",)


class ConfbridgeMute(Event):
    """A ConfBridge participant was muted. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "BridgeNumChannels")
    bool_headers = ("Admin",)


class ConfbridgeRecord(Event):
    """Recording of a ConfBridge conference started. Since Asterisk 12.0.0."""

    int_headers = ("BridgeNumChannels",)


class ConfbridgeStart(Event):
    """A ConfBridge conference started. Since Asterisk 12.0.0."""

    int_headers = ("BridgeNumChannels",)


class ConfbridgeStopRecord(Event):
    """Recording of a ConfBridge conference stopped. Since Asterisk 12.0.0."""

    int_headers = ("BridgeNumChannels",)


class ConfbridgeTalking(Event):
    """A ConfBridge participant started or stopped talking (``TalkingStatus``). Since Asterisk
    12.0.0.
    """

    int_headers = (*_CHANNEL, "BridgeNumChannels")
    bool_headers = ("TalkingStatus", "Admin")


class ConfbridgeUnmute(Event):
    """A ConfBridge participant was unmuted. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "BridgeNumChannels")
    bool_headers = ("Admin",)


class ConfbridgeList_Aggregate(Aggregate):
    """Every ``ConfbridgeList`` event (participant) of one list."""


class ConfbridgeListRooms_Aggregate(Aggregate):
    """Every ``ConfbridgeListRooms`` event (conference) of one list."""


#: pystrix 1.x programs import the base classes from here.
_Event = Event
_Aggregate = Aggregate
