"""Event classes of app_meetme (MeetMe conferences, removed in Asterisk 21: ConfBridge's
events in :mod:`pystrix.ami.app_confbridge_events` replace them)."""

from __future__ import annotations

from .core_events import _CHANNEL
from .events import Aggregate, Event

__all__ = [
    "MeetmeEnd",
    "MeetmeJoin",
    "MeetmeLeave",
    "MeetmeList",
    "MeetmeListComplete",
    "MeetmeListRooms",
    "MeetmeListRoomsComplete",
    "MeetmeListRooms_Aggregate",
    "MeetmeList_Aggregate",
    "MeetmeMute",
    "MeetmeTalkRequest",
    "MeetmeTalking",
]


class MeetmeEnd(Event):
    """A MeetMe conference ended. Since Asterisk 12.0.0."""


class MeetmeJoin(Event):
    """A channel joined a MeetMe conference. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class MeetmeLeave(Event):
    """A channel left a MeetMe conference (``Duration``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Duration")


class MeetmeList(Event):
    """One participant in the answer to ``MeetmeList``. Since Asterisk 16.29.0."""

    int_headers = ("UserNumber",)
    bool_headers = ("Admin", "MarkedUser", "Muted", "Talking")


class MeetmeListComplete(Event):
    """The end of a ``MeetmeList`` list."""

    int_headers = ("ListItems",)


class MeetmeListRooms(Event):
    """One conference in the answer to ``MeetmeListRooms``. Since Asterisk 16.29.0."""

    int_headers = ("Parties", "Marked")
    bool_headers = ("Locked",)
    duration_headers = ("Activity",)


class MeetmeListRoomsComplete(Event):
    """The end of a ``MeetmeListRooms`` list."""

    int_headers = ("ListItems",)


class MeetmeMute(Event):
    """A MeetMe participant was muted or unmuted (``Status``). Since Asterisk 12.0.0."""

    int_headers = _CHANNEL
    bool_headers = ("Status",)


class MeetmeTalking(Event):
    """A MeetMe participant started or stopped talking. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL
    bool_headers = ("Status",)


class MeetmeTalkRequest(Event):
    """A MeetMe participant requested to talk. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL
    bool_headers = ("Status",)


class MeetmeList_Aggregate(Aggregate):
    """Every ``MeetmeList`` event (participant) of one list."""


class MeetmeListRooms_Aggregate(Aggregate):
    """Every ``MeetmeListRooms`` event (conference) of one list."""


#: pystrix 1.x programs import the base classes from here.
_Event = Event
_Aggregate = Aggregate
