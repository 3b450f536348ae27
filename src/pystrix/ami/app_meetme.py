"""AMI actions of app_meetme (MeetMe conferences), with pystrix 1.x names.

app_meetme was deprecated in Asterisk 19 and removed in Asterisk 21: ConfBridge replaces
it (:mod:`pystrix.ami.app_confbridge`: ``ConfbridgeList``, ``ConfbridgeListRooms``,
``ConfbridgeMute``, ``ConfbridgeUnmute``).  These classes still drive the Asterisk
versions that have it."""

from __future__ import annotations

from typing import Annotated

from .action import Action
from .request import Request


class MeetmeList(Action):
    """List the participants of one conference or of all: ``MeetmeList`` events, then
    ``MeetmeListComplete`` (modern: ``ConfbridgeList``)."""

    list_events = ("MeetmeList",)
    list_complete = "MeetmeListComplete"
    empty_list_error = "No active conferences."

    conference: Annotated[str | None, "Conference"] = None


class MeetmeListRooms(Action):
    """List active conferences: ``MeetmeListRooms`` events, then
    ``MeetmeListRoomsComplete`` (modern: ``ConfbridgeListRooms``)."""

    list_events = ("MeetmeListRooms",)
    list_complete = "MeetmeListRoomsComplete"
    empty_list_error = "No active conferences."


class MeetmeMute(Action):
    """Mute participant ``usernum`` of conference ``meetme`` (modern: ``ConfbridgeMute``)."""

    meetme: Annotated[str, "Meetme"]
    usernum: Annotated[str, "Usernum"]


class MeetmeUnmute(Action):
    """Unmute participant ``usernum`` of conference ``meetme`` (modern:
    ``ConfbridgeUnmute``)."""

    meetme: Annotated[str, "Meetme"]
    usernum: Annotated[str, "Usernum"]


#: pystrix 1.x programs import the base class from here.
_Request = Request
